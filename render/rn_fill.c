/* Fill pass. */
#include "rn_fill.h"

#include "rn_shader.h"
#include "rn_shadow.h"
#include "tw_time.h"

#include <epoxy/gl.h>
#include <string.h>

#define RN_FILL_TABLE_UNIT 6

/* Four programs from one source: with the sun's shadow taps, and without
 * (RN_SHADOWS 0), drawn while there is no shadow map; each for meshes
 * as they are, and for boxes ray-cast from their tops (RN_CAST 1,
 * rn_fill_item.cast_boxes). */
typedef struct rn__fill_prog {
    GLuint program;
    GLint u_view_proj, u_offset, u_sun, u_opacity, u_flat, u_table_on, u_table_first, u_xy_scale;
    GLint u_shadow_on;
} rn__fill_prog;

static rn__fill_prog rn__fill[2][2]; /* [shadows][cast] */

/* rn_fill_set_plain: the shadow program and blending for every item. */
static bool rn__fill_plain;
static uint64_t rn__fill_unblended, rn__fill_unshadowed;

void rn_fill_set_plain(bool plain)
{
    rn__fill_plain = plain;
}

void rn_fill_counts(uint64_t *unblended, uint64_t *unshadowed)
{
    *unblended = rn__fill_unblended, *unshadowed = rn__fill_unshadowed;
}

static tw_result rn__fill_load(rn__fill_prog *f, const char *defs, char *err, size_t n)
{
    tw_result r = rn_shader_load_defs("fill", defs, &f->program, err, n);
    if (r != TW_OK) return r;
    GLuint p = f->program;
    f->u_view_proj = glGetUniformLocation(p, "u_view_proj");
    f->u_offset = glGetUniformLocation(p, "u_offset");
    f->u_sun = glGetUniformLocation(p, "u_sun");
    f->u_opacity = glGetUniformLocation(p, "u_opacity");
    f->u_flat = glGetUniformLocation(p, "u_flat");
    f->u_table_on = glGetUniformLocation(p, "u_table_on");
    f->u_table_first = glGetUniformLocation(p, "u_table_first");
    f->u_xy_scale = glGetUniformLocation(p, "u_xy_scale");
    f->u_shadow_on = glGetUniformLocation(p, "u_shadow_on");
    glUseProgram(p);
    glUniform1i(glGetUniformLocation(p, "u_table"), RN_FILL_TABLE_UNIT);
    glUseProgram(0);
    return TW_OK;
}

tw_result rn_fill_setup(char *err, size_t n)
{
    static const char *const defs[2][2] = {
        {"#define RN_SHADOWS 0\n", "#define RN_SHADOWS 0\n#define RN_CAST 1\n"},
        {"", "#define RN_CAST 1\n"}};
    tw_result r = TW_OK;
    for (int k = 0; k < 4 && r == TW_OK; k++)
        r = rn__fill_load(&rn__fill[k >> 1][k & 1], defs[k >> 1][k & 1], err, n);
    if (r != TW_OK) rn_fill_shutdown();
    return r;
}

void rn_fill_shutdown(void)
{
    for (int k = 0; k < 4; k++) {
        rn__fill_prog *f = &rn__fill[k >> 1][k & 1];
        if (f->program) glDeleteProgram(f->program);
        f->program = 0;
    }
}

/* A GL capability on or off, when *now is not that already. */
static void rn__fill_cap(GLenum cap, bool on, bool *now)
{
    if (on == *now) return;
    if (on)
        glEnable(cap);
    else
        glDisable(cap);
    *now = on;
}

/* Program f in use for a draw's items (its frame uniforms set). */
static void rn__fill_use(const rn__fill_prog *f, const rn_view *view)
{
    glUseProgram(f->program);
    glUniformMatrix4fv(f->u_view_proj, 1, GL_FALSE, view->view_proj);
    glUniform3fv(f->u_sun, 1, view->sun);
    rn_shadow_apply(f->program, view);
    glUniform1i(f->u_table_on, 0);
}

void rn_fill_draw(const rn_view *view, const rn_fill_item *items, int count)
{
    const int shadows = rn_shadow_active() || rn__fill_plain ? 1 : 0;
    const rn__fill_prog *f = &rn__fill[shadows][0];
    if (!f->program || count <= 0) return;
    rn__fill_unshadowed += !shadows;
    rn__fill_use(f, view);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LEQUAL);
    glDisable(GL_CULL_FACE);
    bool blending = true;
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    const rn_table *bound = NULL;
    bool culling = false; /* GL_CULL_FACE (back faces, counter-clockwise in front) */
    glCullFace(GL_BACK);
    glFrontFace(GL_CCW);
    for (int i = 0; i < count; i++) {
        const rn_fill_item *it = &items[i];
        if (!rn_mesh_valid(it->mesh)) continue;
        /* Items come nearest first: far blocks cast together, one switch. */
        const rn__fill_prog *want = &rn__fill[shadows][it->cast_boxes && !it->table];
        if (want != f) {
            f = want;
            rn__fill_use(f, view);
            if (bound) glUniform1i(f->u_table_on, 1);
        }
        float off[3] = {(float)(it->origin[0] - view->eye[0]),
                        (float)(it->origin[1] - view->eye[1]),
                        (float)(it->origin[2] - view->eye[2])};
        glUniform3fv(f->u_offset, 1, off);
        glUniform1f(f->u_opacity, it->opacity > 0 ? it->opacity : 1.0f);
        glUniform1i(f->u_flat, it->flat_normals);
        const rn_table *tb = rn_table_valid(it->table) ? it->table : NULL;
        if (tb != bound) {
            if (tb) rn_table_bind(tb, RN_FILL_TABLE_UNIT);
            if (!tb || !bound) glUniform1i(f->u_table_on, tb != NULL);
            bound = tb;
        }
        if (tb) {
            glUniform1i(f->u_table_first,
                        (GLint)rn_table_first(tb, RN_FILL_TABLE_UNIT, it->table_first));
            glUniform1f(f->u_xy_scale, rn_mesh_xy_scale(it->mesh));
        }
        bool see_through = it->opacity > 0 && it->opacity < 1;
        rn__fill_cap(GL_CULL_FACE, it->cull_back && !see_through, &culling);
        /* Blending an alpha of 1 gives the colour itself: an opaque item
         * skips the blend's read of what is behind (a software
         * rasterizer's work for every fragment). */
        bool blend = !(it->opaque && !see_through) || rn__fill_plain;
        rn__fill_unblended += !blend;
        rn__fill_cap(GL_BLEND, blend, &blending);
        if (it->unshaded || (i > 0 && items[i - 1].unshaded))
            glUniform1i(f->u_shadow_on, !it->unshaded && rn_shadow_active());
        rn_mesh_draw(it->mesh);
    }
    glBindVertexArray(0);
    if (bound) rn_table_bind(NULL, RN_FILL_TABLE_UNIT);
    if (culling) glDisable(GL_CULL_FACE);
    glDisable(GL_BLEND);
}

/* One triangle of a mesh with attrs, all at the origin (nothing to see). */
static rn_mesh rn__fill_speck(unsigned attrs)
{
    tw_mesh m = {.prim = TW_PRIM_TRIANGLES};
    if (tw_mesh_alloc(&m, 3, 3, attrs) != TW_OK) return (rn_mesh){0};
    for (int i = 0; i < 3; i++) {
        if (m.positions) m.positions[i * 3] = m.positions[i * 3 + 1] = m.positions[i * 3 + 2] = 0;
        if (m.xy16) m.xy16[i * 2] = m.xy16[i * 2 + 1] = 0;
        if (m.colors) memset(&m.colors[i * 4], 255, 4);
        if (m.id16) m.id16[i] = (uint16_t)(i > 0);
        if (m.ids) m.ids[i] = (uint32_t)(i > 0);
        if (m.ix16) m.ix16[i] = (uint16_t)i;
        if (m.indices) m.indices[i] = (uint32_t)i;
    }
    m.strip_count = 0, m.list_count = 3;
    rn_mesh r = rn_mesh_make(&m);
    tw_mesh_free(&m);
    return r;
}

void rn_fill_warm(const rn_view *view, const rn_fill_kind *kinds, int count)
{
    enum { most = 8 };
    rn_mesh mesh[most];
    rn_fill_item items[most];
    memset(items, 0, sizeof items);
    rn_table table = rn_table_make(NULL, 2);
    int n = 0;
    for (int k = 0; k < count && n < most; k++) {
        bool own = !rn_mesh_valid(kinds[k].mesh);
        mesh[n] = own ? rn__fill_speck(kinds[k].attrs) : (rn_mesh){0};
        items[n] = (rn_fill_item){.mesh = own ? mesh[n] : kinds[k].mesh,
                                  .table = kinds[k].table ? &table : NULL,
                                  .origin = {view->eye[0], view->eye[1], view->eye[2]},
                                  .opacity = 1,
                                  .flat_normals = true,
                                  .cull_back = kinds[k].cull_back,
                                  .opaque = kinds[k].opaque,
                                  .cast_boxes = kinds[k].cast_boxes};
        n++;
    }
    /* Behind the far plane: clipped whatever the camera (z / w = 2). */
    rn_view v = *view;
    memset(v.view_proj, 0, sizeof v.view_proj);
    v.view_proj[14] = 2, v.view_proj[15] = 1;
    uint64_t unblended = rn__fill_unblended, unshadowed = rn__fill_unshadowed;
    rn_fill_draw(&v, items, n);
    rn__fill_unblended = unblended, rn__fill_unshadowed = unshadowed;
    for (int k = 0; k < n; k++) rn_mesh_destroy(mesh[k]);
    rn_table_destroy(&table);
}

unsigned rn_fill_target(void)
{
    GLint fbo = 0;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &fbo);
    return (unsigned)fbo;
}

double rn_fill_plain_ms(const rn_view *view, const rn_fill_item *items, int count, unsigned fbo)
{
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glViewport(0, 0, view->width, view->height);
    glDisable(GL_SCISSOR_TEST);
    glFinish();
    /* The software renderer's finishes (rn_sync) as in the frame: the
     * same draws, the same memory. */
    double t0 = tw_time_mono_s();
    glClearColor(0.8f, 0.8f, 0.8f, 1);
    glDepthMask(GL_TRUE);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    rn_fill_draw(view, items, count);
    glFinish();
    return (tw_time_mono_s() - t0) * 1000;
}
