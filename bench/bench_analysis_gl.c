/* bench/analysis: the GL floor of the sun-hours bench (bench_analysis.c):
 * one shadow-map render of the district's prisms, as the app's depth pass
 * does it (render/rn_shadow.c: the same shaders/shadow.* program, depth
 * test, slope-scaled polygon offset, no culling, an orthographic view
 * from the sun built the same way), into a 1000 x 1000 depth texture
 * whose texels are 1 m across the light's view of the 1 km square: the
 * extent and texel count of the CPU floor's depth image. Each render
 * clears, draws and ends with glFinish; wall time (llvmpipe rasterizes on
 * its own threads, so this thread's CPU time says nothing). */
#include "bench_analysis_gl.h"

#include "rn_context.h"
#include "rn_mesh.h"
#include "rn_shader.h"
#include "rn_shadow.h"
#include "tw_triangulate.h"

#include <epoxy/gl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GL_TEX 1000

static struct {
    rn_context *ctx;
    GLuint program, fbo, tex;
    GLint u_light, u_offset, u_zscale, u_table_on;
    rn_mesh mesh;
    double centre[3], half; /* the square's centre (scene metres) and half side */
    long triangles;
    char renderer[128];
} bg;

static double bg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Walls and roofs of the prisms whose footprint's box meets the square
 * (those tw_obstacles_rasterize raises cells of), positions relative to
 * the square's centre. */
static bool bg_mesh(const tw_obstacles *o, const double box[4], tw_mesh *m)
{
    size_t nv = 0, ni = 0, cv = 1 << 16, ci = 1 << 17;
    float *pos = malloc(cv * 3 * sizeof *pos);
    uint32_t *idx = malloc(ci * sizeof *idx);
    tw_tri_out tri = {0};
    bool ok = pos && idx;
    for (int k = 0; ok && k < o->count; k++) {
        int p0 = o->ring_start[o->ring_first[k]], p1 = o->ring_start[o->ring_end[k]];
        double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (int i = p0; i < p1; i++) {
            b[0] = fmin(b[0], o->xy[2 * i]), b[1] = fmin(b[1], o->xy[2 * i + 1]);
            b[2] = fmax(b[2], o->xy[2 * i]), b[3] = fmax(b[3], o->xy[2 * i + 1]);
        }
        if (b[2] < box[0] || b[0] > box[2] || b[3] < box[1] || b[1] > box[3]) continue;
        int rings = o->ring_end[k] - o->ring_first[k], pts = p1 - p0;
        int *rs = malloc((size_t)(rings + 1) * sizeof *rs);
        tri.index_count = 0;
        if (!rs) break;
        for (int r = 0; r <= rings; r++) rs[r] = o->ring_start[o->ring_first[k] + r] - p0;
        tw_result tr = tw_triangulate(o->xy + 2 * p0, rs, rings, pts, &tri);
        free(rs);
        size_t need_v = (size_t)pts + 4 * (size_t)pts, need_i = tri.index_count + 6 * (size_t)pts;
        while (nv + need_v > cv || ni + need_i > ci) {
            cv *= 2, ci *= 2;
            float *np = realloc(pos, cv * 3 * sizeof *pos);
            if (np) pos = np;
            uint32_t *nidx = realloc(idx, ci * sizeof *idx);
            if (nidx) idx = nidx;
            if (!np || !nidx) {
                ok = false;
                break;
            }
        }
        if (!ok) break;
        float zb = o->base[k], zt = o->top[k];
        size_t roof = nv; /* the roof: every ring point at the top */
        for (int i = p0; i < p1; i++, nv++) {
            pos[3 * nv] = (float)(o->xy[2 * i] - bg.centre[0]);
            pos[3 * nv + 1] = (float)(o->xy[2 * i + 1] - bg.centre[1]), pos[3 * nv + 2] = zt;
        }
        for (size_t t = 0; tr == TW_OK && t < tri.index_count; t++)
            idx[ni++] = (uint32_t)(roof + tri.indices[t]);
        for (int r = o->ring_first[k]; r < o->ring_end[k]; r++) /* walls */
            for (int i = o->ring_start[r], j = o->ring_start[r + 1] - 1; i < o->ring_start[r + 1];
                 j = i++) {
                const double *a = o->xy + 2 * j, *c = o->xy + 2 * i;
                float q[4][3] = {{(float)(a[0] - bg.centre[0]), (float)(a[1] - bg.centre[1]), zb},
                                 {(float)(c[0] - bg.centre[0]), (float)(c[1] - bg.centre[1]), zb},
                                 {(float)(c[0] - bg.centre[0]), (float)(c[1] - bg.centre[1]), zt},
                                 {(float)(a[0] - bg.centre[0]), (float)(a[1] - bg.centre[1]), zt}};
                memcpy(pos + 3 * nv, q, sizeof q);
                static const int quad[6] = {0, 1, 2, 0, 2, 3};
                for (int t = 0; t < 6; t++) idx[ni++] = (uint32_t)(nv + quad[t]);
                nv += 4;
            }
    }
    tw_tri_out_free(&tri);
    if (!ok || nv == 0) {
        free(pos), free(idx);
        return false;
    }
    *m = (tw_mesh){.origin = {bg.centre[0], bg.centre[1], 0},
                   .prim = TW_PRIM_TRIANGLES,
                   .vertex_count = (uint32_t)nv,
                   .index_count = (uint32_t)ni,
                   .positions = pos,
                   .indices = idx};
    bg.triangles = (long)(ni / 3);
    return true;
}

bool bench_gl_init(const char *source, const tw_obstacles *o, const double box[4], char *err,
                   size_t n)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/shaders", source ? source : ".");
    rn_shader_set_dir(dir);
    bg.centre[0] = 0.5 * (box[0] + box[2]), bg.centre[1] = 0.5 * (box[1] + box[3]);
    bg.centre[2] = 0, bg.half = 0.5 * (box[2] - box[0]);
    if (rn_context_create(
            &(rn_context_desc){.width = 64, .height = 64, .headless = true, .samples = -1}, &bg.ctx,
            err, n) != TW_OK) {
        bg.ctx = NULL;
        return false;
    }
    snprintf(bg.renderer, sizeof bg.renderer, "%s", rn_context_renderer(bg.ctx));
    tw_mesh m;
    if (rn_shader_load("shadow", &bg.program, err, n) != TW_OK || rn_mesh_setup(4) != TW_OK ||
        !bg_mesh(o, box, &m)) {
        if (!err[0]) snprintf(err, n, "shadow program or district mesh failed");
        bench_gl_done();
        return false;
    }
    bg.mesh = rn_mesh_make(&m);
    free(m.positions), free(m.indices);
    bg.u_light = glGetUniformLocation(bg.program, "u_light");
    bg.u_offset = glGetUniformLocation(bg.program, "u_offset");
    bg.u_zscale = glGetUniformLocation(bg.program, "u_zscale");
    bg.u_table_on = glGetUniformLocation(bg.program, "u_table_on");
    glGenTextures(1, &bg.tex);
    glBindTexture(GL_TEXTURE_2D, bg.tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_DEPTH_COMPONENT24, GL_TEX, GL_TEX, 0, GL_DEPTH_COMPONENT,
                 GL_UNSIGNED_INT, NULL);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindTexture(GL_TEXTURE_2D, 0);
    glGenFramebuffers(1, &bg.fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, bg.fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_TEXTURE_2D, bg.tex, 0);
    glDrawBuffer(GL_NONE);
    glReadBuffer(GL_NONE);
    if (!rn_mesh_valid(bg.mesh) ||
        glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        snprintf(err, n, "the district mesh or the depth framebuffer failed");
        bench_gl_done();
        return false;
    }
    return true;
}

double bench_gl_floor(const tw_sunhours_step *st, int steps)
{
    if (!bg.ctx) return NAN;
    GLint prev_fbo, vp[4];
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev_fbo);
    glGetIntegerv(GL_VIEWPORT, vp);
    glFinish();
    double t0 = bg_now();
    for (int k = 0; k < steps; k++) {
        double az = st[k].azimuth_deg * M_PI / 180,
               el = fmax(st[k].elevation_deg, 2.0) * M_PI / 180;
        double sun[3] = {sin(az) * cos(el), cos(az) * cos(el), sin(el)};
        float m[16];
        double r[3], u[3];
        rn_shadow_light(sun, bg.half, m, r, u); /* as the app's pass builds it */
        rn_shadow_depth_state(bg.fbo, GL_TEX);
        glUseProgram(bg.program);
        glUniformMatrix4fv(bg.u_light, 1, GL_FALSE, m);
        glUniform1i(bg.u_table_on, 0);
        glUniform1f(bg.u_zscale, 1.0f);
        glUniform3f(bg.u_offset, 0, 0, 0); /* the mesh's origin is the square's centre */
        rn_mesh_draw(bg.mesh);
        glBindVertexArray(0);
        glDisable(GL_POLYGON_OFFSET_FILL);
        glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)prev_fbo);
        glViewport(vp[0], vp[1], vp[2], vp[3]);
        glFinish();
    }
    double t = bg_now() - t0;
    return glGetError() == GL_NO_ERROR ? t : NAN;
}

const char *bench_gl_renderer(long *triangles)
{
    *triangles = bg.triangles;
    return bg.ctx ? bg.renderer : NULL;
}

long bench_gl_covered(const tw_sunhours_step *st)
{
    if (!bg.ctx || !isfinite(bench_gl_floor(st, 1))) return -1;
    float *d = malloc((size_t)GL_TEX * GL_TEX * sizeof *d);
    if (!d) return -1;
    glBindFramebuffer(GL_FRAMEBUFFER, bg.fbo);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glReadPixels(0, 0, GL_TEX, GL_TEX, GL_DEPTH_COMPONENT, GL_FLOAT, d);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    long n = 0;
    for (long k = 0; k < (long)GL_TEX * GL_TEX; k++) n += d[k] < 1.0f;
    free(d);
    return glGetError() == GL_NO_ERROR ? n : -1;
}

void bench_gl_done(void)
{
    if (!bg.ctx) return;
    if (rn_mesh_valid(bg.mesh)) rn_mesh_destroy(bg.mesh);
    rn_mesh_shutdown();
    if (bg.program) glDeleteProgram(bg.program);
    if (bg.fbo) glDeleteFramebuffers(1, &bg.fbo);
    if (bg.tex) glDeleteTextures(1, &bg.tex);
    rn_context_destroy(bg.ctx);
    memset(&bg, 0, sizeof bg);
}
