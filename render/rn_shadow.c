/* Shadow map: one depth texture, an orthographic view from the sun. */
#include "rn_shadow.h"

#include "rn_shader.h"

#include <epoxy/gl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define RN_SHADOW_SIZE       2048
#define RN_SHADOW_TABLE_UNIT 6

static struct {
    GLuint program, fbo, tex;
    GLint u_light, u_offset, u_zscale, u_table_on, u_table_first, u_xy_scale;
    const rn_table *table; /* bound now in the depth pass */
    float light[16];
    double ref[3];
    double r[3], u[3], R; /* the map's axes (unit) and half side, metres */
    double texel_m, depth_m;
    bool active;
    GLint saved_fbo, saved_viewport[4];
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
    memset(&rn__shadow, 0, sizeof rn__shadow);
}

static double rn__dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

bool rn_shadow_begin(const float sun[3], const double centre[3], double radius)
{
    rn__shadow.active = false;
    if (!rn__shadow.program || sun[2] < 0.035f) return false;
    double f[3] = {-sun[0], -sun[1], -sun[2]}; /* the way the light goes */
    double fl = sqrt(rn__dot(f, f));
    for (int k = 0; k < 3; k++) f[k] /= fl;
    double up[3] = {0, 0, 1};
    if (fabs(f[2]) > 0.99) up[1] = 1, up[2] = 0;
    double r[3] = {f[1] * up[2] - f[2] * up[1], f[2] * up[0] - f[0] * up[2],
                   f[0] * up[1] - f[1] * up[0]};
    double rl = sqrt(rn__dot(r, r));
    for (int k = 0; k < 3; k++) r[k] /= rl;
    double u[3] = {r[1] * f[2] - r[2] * f[1], r[2] * f[0] - r[0] * f[2], r[0] * f[1] - r[1] * f[0]};
    /* Sizes in steps of 1.25x and the centre on whole texels: the map's
     * texels stay on the same ground while the camera pans and zooms. */
    double R = pow(1.25, ceil(log(fmax(radius, 20.0)) / log(1.25)));
    double texel = 2 * R / RN_SHADOW_SIZE;
    double cr = rn__dot(centre, r), cu = rn__dot(centre, u);
    double dr = floor(cr / texel) * texel - cr, du = floor(cu / texel) * texel - cu;
    for (int k = 0; k < 3; k++) rn__shadow.ref[k] = centre[k] + dr * r[k] + du * u[k];
    double D = 2 * R + 3000; /* depth half-range: tall towers and relief */
    float *m = rn__shadow.light;
    memset(m, 0, 16 * sizeof *m);
    for (int k = 0; k < 3; k++) {
        m[k * 4 + 0] = (float)(r[k] / R);
        m[k * 4 + 1] = (float)(u[k] / R);
        m[k * 4 + 2] = (float)(f[k] / D);
    }
    m[15] = 1;
    for (int k = 0; k < 3; k++) rn__shadow.r[k] = r[k], rn__shadow.u[k] = u[k];
    rn__shadow.R = R;
    rn__shadow.texel_m = texel;
    rn__shadow.depth_m = D;
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &rn__shadow.saved_fbo);
    glGetIntegerv(GL_VIEWPORT, rn__shadow.saved_viewport);
    glBindFramebuffer(GL_FRAMEBUFFER, rn__shadow.fbo);
    glViewport(0, 0, RN_SHADOW_SIZE, RN_SHADOW_SIZE);
    glDepthMask(GL_TRUE);
    glClear(GL_DEPTH_BUFFER_BIT);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LESS);
    glDisable(GL_CULL_FACE);
    glDisable(GL_BLEND);
    /* Slope-scaled bias in the map: no acne on faces the sun grazes. */
    glEnable(GL_POLYGON_OFFSET_FILL);
    glPolygonOffset(1.5f, 2.0f);
    glUseProgram(rn__shadow.program);
    glUniformMatrix4fv(rn__shadow.u_light, 1, GL_FALSE, m);
    glUniform1i(rn__shadow.u_table_on, 0);
    rn__shadow.table = NULL;
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

void rn_shadow_cast(rn_mesh mesh, const double origin[3], float z_scale, float origin_z_scale)
{
    if (!rn_mesh_valid(mesh)) return;
    if (rn__shadow.table) glUniform1i(rn__shadow.u_table_on, 0), rn__shadow.table = NULL;
    float off[3] = {(float)(origin[0] - rn__shadow.ref[0]), (float)(origin[1] - rn__shadow.ref[1]),
                    (float)(origin[2] * origin_z_scale - rn__shadow.ref[2])};
    glUniform3fv(rn__shadow.u_offset, 1, off);
    glUniform1f(rn__shadow.u_zscale, z_scale);
    rn_mesh_draw(mesh);
}

void rn_shadow_cast_table(rn_mesh mesh, const double origin[3], const rn_table *table,
                          uint32_t first)
{
    if (!rn_mesh_valid(mesh) || !rn_table_valid(table)) return;
    if (rn__shadow.table != table) {
        rn_table_bind(table, RN_SHADOW_TABLE_UNIT);
        if (!rn__shadow.table) glUniform1i(rn__shadow.u_table_on, 1);
        rn__shadow.table = table;
    }
    glUniform1i(rn__shadow.u_table_first, (GLint)first);
    glUniform1f(rn__shadow.u_xy_scale, rn_mesh_xy_scale(mesh));
    float off[3] = {(float)(origin[0] - rn__shadow.ref[0]), (float)(origin[1] - rn__shadow.ref[1]),
                    (float)(origin[2] - rn__shadow.ref[2])};
    glUniform3fv(rn__shadow.u_offset, 1, off);
    rn_mesh_draw(mesh);
}

void rn_shadow_end(int width, int height)
{
    (void)width, (void)height;
    glBindVertexArray(0);
    glDisable(GL_POLYGON_OFFSET_FILL);
    if (rn__shadow.table) rn_table_bind(NULL, RN_SHADOW_TABLE_UNIT), rn__shadow.table = NULL;
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)rn__shadow.saved_fbo);
    glViewport(rn__shadow.saved_viewport[0], rn__shadow.saved_viewport[1],
               rn__shadow.saved_viewport[2], rn__shadow.saved_viewport[3]);
    rn__shadow.active = true;
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
