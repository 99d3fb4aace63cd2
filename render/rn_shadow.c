/* Shadow map: one depth texture, an orthographic view from the sun. */
#include "rn_shadow.h"

#include "rn_shader.h"

#include <epoxy/gl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RN_SHADOW_SIZE       2048
#define RN_SHADOW_TABLE_UNIT 6
/* The map's centre snaps to this many texels: pans shorter than that keep
 * the same map (and its texels stay on the same ground either way). */
#define RN_SHADOW_SNAP 16

/* One caster as the layers gave it: the depth pass records them and draws
 * them only when the list, the light or a table differs from the map's. */
typedef struct rn__cast {
    uint32_t mesh, table_tex, first;
    int32_t table_on;
    float off[3], zscale;
    const rn_table *table; /* for the replay; not compared */
} rn__cast;

typedef struct rn__casts {
    rn__cast *v;
    int n, cap;
    float light[16];
    uint32_t table_rev;
} rn__casts;

static struct {
    GLuint program, fbo, tex;
    GLint u_light, u_offset, u_zscale, u_table_on, u_table_first, u_xy_scale;
    float light[16];
    double ref[3];
    double r[3], u[3], R; /* the map's axes (unit) and half side, metres */
    double texel_m, depth_m;
    bool active, recording, valid; /* valid: the texture holds `drawn` */
    rn__casts now, drawn;          /* this frame's casters, the map's */
    long renders, reuses;
} rn__shadow;

tw_result rn_shadow_setup(char *err, size_t n)
{
    tw_result r = rn_shader_load("shadow", &rn__shadow.program, err, n);
    if (r != TW_OK) return r;
    GLuint p = rn__shadow.program;
    rn__shadow.u_light = glGetUniformLocation(p, "u_light");
    rn__shadow.u_offset = glGetUniformLocation(p, "u_offset");
    rn__shadow.u_zscale = glGetUniformLocation(p, "u_zscale");
    rn__shadow.u_table_on = glGetUniformLocation(p, "u_table_on");
    rn__shadow.u_table_first = glGetUniformLocation(p, "u_table_first");
    rn__shadow.u_xy_scale = glGetUniformLocation(p, "u_xy_scale");
    glUseProgram(p);
    glUniform1i(glGetUniformLocation(p, "u_table"), RN_SHADOW_TABLE_UNIT);
    glUseProgram(0);
    glGenTextures(1, &rn__shadow.tex);
    glBindTexture(GL_TEXTURE_2D, rn__shadow.tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_DEPTH_COMPONENT24, RN_SHADOW_SIZE, RN_SHADOW_SIZE, 0,
                 GL_DEPTH_COMPONENT, GL_UNSIGNED_INT, NULL);
    /* Linear filtering with compare: four hardware-filtered taps (PCF). */
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_COMPARE_MODE, GL_COMPARE_REF_TO_TEXTURE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_COMPARE_FUNC, GL_LEQUAL);
    glBindTexture(GL_TEXTURE_2D, 0);
    GLint prev;
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev);
    glGenFramebuffers(1, &rn__shadow.fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, rn__shadow.fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_TEXTURE_2D, rn__shadow.tex, 0);
    glDrawBuffer(GL_NONE);
    glReadBuffer(GL_NONE);
    bool ok = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)prev);
    if (!ok) {
        snprintf(err, n, "shadow map: the depth framebuffer is incomplete");
        rn_shadow_shutdown();
        return TW_ERR_GL;
    }
    return TW_OK;
}

void rn_shadow_shutdown(void)
{
    if (rn__shadow.program) glDeleteProgram(rn__shadow.program);
    if (rn__shadow.fbo) glDeleteFramebuffers(1, &rn__shadow.fbo);
    if (rn__shadow.tex) glDeleteTextures(1, &rn__shadow.tex);
    free(rn__shadow.now.v);
    free(rn__shadow.drawn.v);
    memset(&rn__shadow, 0, sizeof rn__shadow);
}

static double rn__dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void rn_shadow_light(const double sun[3], double R, float m[16], double r[3], double u[3])
{
    double f[3] = {-sun[0], -sun[1], -sun[2]}; /* the way the light goes */
    double fl = sqrt(rn__dot(f, f));
    for (int k = 0; k < 3; k++) f[k] /= fl;
    double up[3] = {0, 0, 1};
    if (fabs(f[2]) > 0.99) up[1] = 1, up[2] = 0;
    r[0] = f[1] * up[2] - f[2] * up[1], r[1] = f[2] * up[0] - f[0] * up[2];
    r[2] = f[0] * up[1] - f[1] * up[0];
    double rl = sqrt(rn__dot(r, r));
    for (int k = 0; k < 3; k++) r[k] /= rl;
    u[0] = r[1] * f[2] - r[2] * f[1], u[1] = r[2] * f[0] - r[0] * f[2];
    u[2] = r[0] * f[1] - r[1] * f[0];
    double D = 2 * R + 3000; /* depth half-range: tall towers and relief */
    memset(m, 0, 16 * sizeof *m);
    for (int k = 0; k < 3; k++) {
        m[k * 4 + 0] = (float)(r[k] / R);
        m[k * 4 + 1] = (float)(u[k] / R);
        m[k * 4 + 2] = (float)(f[k] / D);
    }
    m[15] = 1;
}

bool rn_shadow_begin(const float sun[3], const double centre[3], double radius)
{
    rn__shadow.active = false;
    if (!rn__shadow.program || sun[2] < 0.035f) return false;
    /* Sizes in steps of 1.25x and the centre on whole texels (on a grid
     * of RN_SHADOW_SNAP of them): the map's texels stay on the same ground
     * while the camera pans and zooms, and small moves keep the map. */
    double R = pow(1.25, ceil(log(fmax(radius, 20.0)) / log(1.25)));
    double r[3], u[3], sd[3] = {sun[0], sun[1], sun[2]};
    rn_shadow_light(sd, R, rn__shadow.now.light, r, u);
    double texel = 2 * R / RN_SHADOW_SIZE, snap = texel * RN_SHADOW_SNAP;
    double cr = rn__dot(centre, r), cu = rn__dot(centre, u);
    double dr = floor(cr / snap + 0.5) * snap - cr, du = floor(cu / snap + 0.5) * snap - cu;
    for (int k = 0; k < 3; k++) rn__shadow.ref[k] = centre[k] + dr * r[k] + du * u[k];
    double D = 2 * R + 3000;
    for (int k = 0; k < 3; k++) rn__shadow.r[k] = r[k], rn__shadow.u[k] = u[k];
    rn__shadow.R = R;
    rn__shadow.texel_m = texel;
    rn__shadow.depth_m = D;
    /* The casters are recorded now and drawn at rn_shadow_end, if at all. */
    rn__shadow.now.n = 0;
    rn__shadow.recording = true;
    return true;
}

double rn_shadow_texel_m(void)
{
    return rn__shadow.texel_m;
}

bool rn_shadow_box_in(const double box[6])
{
    /* The box's corners across the map (the light's r and u axes, from
     * ref): the map is an orthographic square of half side R. */
    double lo[2] = {HUGE_VAL, HUGE_VAL}, hi[2] = {-HUGE_VAL, -HUGE_VAL};
    for (int c = 0; c < 8; c++) {
        double p[3] = {box[(c & 1) ? 3 : 0] - rn__shadow.ref[0],
                       box[(c & 2) ? 4 : 1] - rn__shadow.ref[1],
                       box[(c & 4) ? 5 : 2] - rn__shadow.ref[2]};
        double a[2] = {rn__dot(p, rn__shadow.r), rn__dot(p, rn__shadow.u)};
        for (int k = 0; k < 2; k++) lo[k] = fmin(lo[k], a[k]), hi[k] = fmax(hi[k], a[k]);
    }
    double R = rn__shadow.R;
    return lo[0] <= R && hi[0] >= -R && lo[1] <= R && hi[1] >= -R;
}

static void rn__record(rn__cast c)
{
    rn__casts *l = &rn__shadow.now;
    if (!rn__shadow.recording) return;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 1024;
        rn__cast *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return;
        l->v = v, l->cap = cap;
    }
    l->v[l->n++] = c;
}

void rn_shadow_cast(rn_mesh mesh, const double origin[3], float z_scale, float origin_z_scale)
{
    if (!rn_mesh_valid(mesh)) return;
    rn__record((rn__cast){.mesh = mesh.id,
                          .off = {(float)(origin[0] - rn__shadow.ref[0]),
                                  (float)(origin[1] - rn__shadow.ref[1]),
                                  (float)(origin[2] * origin_z_scale - rn__shadow.ref[2])},
                          .zscale = z_scale});
}

void rn_shadow_cast_table(rn_mesh mesh, const double origin[3], const rn_table *table,
                          uint32_t first)
{
    if (!rn_mesh_valid(mesh) || !rn_table_valid(table)) return;
    rn__record((rn__cast){.mesh = mesh.id,
                          .table_tex = table->texture,
                          .first = first,
                          .table_on = 1,
                          .off = {(float)(origin[0] - rn__shadow.ref[0]),
                                  (float)(origin[1] - rn__shadow.ref[1]),
                                  (float)(origin[2] - rn__shadow.ref[2])},
                          .zscale = rn_mesh_xy_scale(mesh),
                          .table = table});
}

/* The map holds exactly this frame's casters under this light. */
static bool rn__same(const rn__casts *a, const rn__casts *b)
{
    if (a->n != b->n || a->table_rev != b->table_rev ||
        memcmp(a->light, b->light, sizeof a->light) != 0)
        return false;
    for (int i = 0; i < a->n; i++) {
        const rn__cast *x = &a->v[i], *y = &b->v[i];
        if (x->mesh != y->mesh || x->table_tex != y->table_tex || x->first != y->first ||
            x->table_on != y->table_on || memcmp(x->off, y->off, sizeof x->off) != 0 ||
            x->zscale != y->zscale)
            return false;
    }
    return true;
}

void rn_shadow_depth_state(unsigned fbo, int size)
{
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glViewport(0, 0, size, size);
    glDepthMask(GL_TRUE);
    glClear(GL_DEPTH_BUFFER_BIT);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LESS);
    glDisable(GL_CULL_FACE);
    glDisable(GL_BLEND);
    /* Slope-scaled bias in the map: no acne on faces the sun grazes. */
    glEnable(GL_POLYGON_OFFSET_FILL);
    glPolygonOffset(1.5f, 2.0f);
}

/* Draws the recorded casters into the depth texture. */
static void rn__render(const rn__casts *l)
{
    GLint saved_fbo, saved_viewport[4];
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &saved_fbo);
    glGetIntegerv(GL_VIEWPORT, saved_viewport);
    rn_shadow_depth_state(rn__shadow.fbo, RN_SHADOW_SIZE);
    glUseProgram(rn__shadow.program);
    glUniformMatrix4fv(rn__shadow.u_light, 1, GL_FALSE, l->light);
    glUniform1i(rn__shadow.u_table_on, 0);
    GLuint bound = 0; /* the table texture bound now */
    for (int i = 0; i < l->n; i++) {
        const rn__cast *c = &l->v[i];
        rn_mesh mesh = {c->mesh};
        if (!rn_mesh_valid(mesh)) continue;
        if (c->table_on) {
            if (bound != c->table_tex) {
                rn_table_bind(c->table, RN_SHADOW_TABLE_UNIT);
                if (!bound) glUniform1i(rn__shadow.u_table_on, 1);
                bound = c->table_tex;
            }
            glUniform1i(rn__shadow.u_table_first,
                        (GLint)rn_table_first(c->table, RN_SHADOW_TABLE_UNIT, c->first));
            glUniform1f(rn__shadow.u_xy_scale, c->zscale);
        } else {
            if (bound) glUniform1i(rn__shadow.u_table_on, 0), bound = 0;
            glUniform1f(rn__shadow.u_zscale, c->zscale);
        }
        glUniform3fv(rn__shadow.u_offset, 1, c->off);
        rn_mesh_draw(mesh);
    }
    glBindVertexArray(0);
    glDisable(GL_POLYGON_OFFSET_FILL);
    if (bound) rn_table_bind(NULL, RN_SHADOW_TABLE_UNIT);
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)saved_fbo);
    glViewport(saved_viewport[0], saved_viewport[1], saved_viewport[2], saved_viewport[3]);
}

void rn_shadow_end(int width, int height)
{
    (void)width, (void)height;
    if (!rn__shadow.recording) return;
    rn__shadow.recording = false;
    rn__casts *now = &rn__shadow.now;
    now->table_rev = rn_table_revision();
    if (rn__shadow.valid && rn__same(now, &rn__shadow.drawn)) {
        rn__shadow.reuses++;
    } else {
        rn__render(now);
        rn__shadow.renders++;
        rn__casts t = rn__shadow.drawn; /* the map now holds `now` */
        rn__shadow.drawn = *now;
        *now = t;
        rn__shadow.valid = true;
    }
    memcpy(rn__shadow.light, rn__shadow.drawn.light, sizeof rn__shadow.light);
    rn__shadow.active = true;
}

void rn_shadow_counts(long *renders, long *reuses)
{
    *renders = rn__shadow.renders;
    *reuses = rn__shadow.reuses;
}

bool rn_shadow_active(void)
{
    return rn__shadow.active;
}

void rn_shadow_clear(void)
{
    rn__shadow.active = false;
}

void rn_shadow_apply(unsigned program, const rn_view *view)
{
    GLuint p = program;
    glUniform1i(glGetUniformLocation(p, "u_shadow_on"), rn__shadow.active ? 1 : 0);
    if (!rn__shadow.active) return;
    glActiveTexture(GL_TEXTURE5);
    glBindTexture(GL_TEXTURE_2D, rn__shadow.tex);
    glActiveTexture(GL_TEXTURE0);
    glUniform1i(glGetUniformLocation(p, "u_shadow_map"), 5);
    glUniformMatrix4fv(glGetUniformLocation(p, "u_light"), 1, GL_FALSE, rn__shadow.light);
    glUniform3f(glGetUniformLocation(p, "u_shadow_eye"), (float)(view->eye[0] - rn__shadow.ref[0]),
                (float)(view->eye[1] - rn__shadow.ref[1]),
                (float)(view->eye[2] - rn__shadow.ref[2]));
    glUniform1f(glGetUniformLocation(p, "u_shadow_texel_m"), (float)rn__shadow.texel_m);
    /* Half a metre or a texel, whichever is more, in the map's depth units. */
    glUniform1f(glGetUniformLocation(p, "u_shadow_bias"),
                (float)(fmax(0.5, rn__shadow.texel_m) / (2 * rn__shadow.depth_m)));
}
