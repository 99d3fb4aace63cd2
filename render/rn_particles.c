/* Wind particles: ping-pong state textures, a ring of trail layers, field
 * textures per slot. See rn_particles.h. */
#include "rn_particles.h"

#include "rn_shader.h"

#include <epoxy/gl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RN__TEX_W 1024

typedef struct rn__grid_tex {
    GLuint tex;
    float rect[4]; /* x0, y0 relative to the origin; dx, dy */
} rn__grid_tex;

struct rn_particles {
    int count, trail, w, h;
    double x0, y0;
    GLuint state[2], trail_tex, fbo[2], vao;
    int cur, head; /* state[cur] is the newest; trail layer head likewise */
    long steps;
    rn__grid_tex coarse[RN_PARTICLES_SLOTS], fine[RN_PARTICLES_SLOTS];
};

/* The programs, shared by every particle set (loaded with the first). */
static struct {
    int users;
    GLuint update, draw;
    GLint u_state, u_coarse[2], u_fine[2], u_crect[2], u_frect[2], u_has_fine[2], u_mix, u_dt,
        u_seed, u_step, u_spawn, u_keep, u_life;
    GLint d_view_proj, d_offset, d_to_hf, d_hf, d_heights, d_has_heights, d_exag, d_height, d_trail,
        d_ring, d_w, d_count, d_speed_max, d_speed_min, d_opacity;
} rn__pt;

static bool rn__programs(char *err, size_t n)
{
    if (rn__pt.users++ > 0) return true;
    if (rn_shader_load("wind_update", &rn__pt.update, err, n) != TW_OK ||
        rn_shader_load("wind_draw", &rn__pt.draw, err, n) != TW_OK) {
        if (rn__pt.update) glDeleteProgram(rn__pt.update);
        rn__pt.update = 0;
        rn__pt.users = 0;
        return false;
    }
    GLuint p = rn__pt.update;
    rn__pt.u_state = glGetUniformLocation(p, "u_state");
    const char *names[2][4] = {{"u_coarse0", "u_fine0", "u_crect0", "u_frect0"},
                               {"u_coarse1", "u_fine1", "u_crect1", "u_frect1"}};
    const char *has[2] = {"u_has_fine0", "u_has_fine1"};
    for (int k = 0; k < 2; k++) {
        rn__pt.u_coarse[k] = glGetUniformLocation(p, names[k][0]);
        rn__pt.u_fine[k] = glGetUniformLocation(p, names[k][1]);
        rn__pt.u_crect[k] = glGetUniformLocation(p, names[k][2]);
        rn__pt.u_frect[k] = glGetUniformLocation(p, names[k][3]);
        rn__pt.u_has_fine[k] = glGetUniformLocation(p, has[k]);
    }
    rn__pt.u_mix = glGetUniformLocation(p, "u_mix");
    rn__pt.u_dt = glGetUniformLocation(p, "u_dt");
    rn__pt.u_seed = glGetUniformLocation(p, "u_seed");
    rn__pt.u_step = glGetUniformLocation(p, "u_step");
    rn__pt.u_spawn = glGetUniformLocation(p, "u_spawn");
    rn__pt.u_keep = glGetUniformLocation(p, "u_keep");
    rn__pt.u_life = glGetUniformLocation(p, "u_life");
    p = rn__pt.draw;
    rn__pt.d_view_proj = glGetUniformLocation(p, "u_view_proj");
    rn__pt.d_offset = glGetUniformLocation(p, "u_offset");
    rn__pt.d_to_hf = glGetUniformLocation(p, "u_to_hf");
    rn__pt.d_hf = glGetUniformLocation(p, "u_hf");
    rn__pt.d_heights = glGetUniformLocation(p, "u_heights");
    rn__pt.d_has_heights = glGetUniformLocation(p, "u_has_heights");
    rn__pt.d_exag = glGetUniformLocation(p, "u_exag");
    rn__pt.d_height = glGetUniformLocation(p, "u_height");
    rn__pt.d_trail = glGetUniformLocation(p, "u_trail");
    rn__pt.d_ring = glGetUniformLocation(p, "u_ring");
    rn__pt.d_w = glGetUniformLocation(p, "u_w");
    rn__pt.d_count = glGetUniformLocation(p, "u_count");
    rn__pt.d_speed_max = glGetUniformLocation(p, "u_speed_max");
    rn__pt.d_speed_min = glGetUniformLocation(p, "u_speed_min");
    rn__pt.d_opacity = glGetUniformLocation(p, "u_opacity");
    return true;
}

static void rn__programs_release(void)
{
    if (rn__pt.users <= 0 || --rn__pt.users > 0) return;
    glDeleteProgram(rn__pt.update);
    glDeleteProgram(rn__pt.draw);
    rn__pt.update = rn__pt.draw = 0;
}

static void rn__params(GLenum target)
{
    glTexParameteri(target, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(target, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

rn_particles *rn_particles_create(const rn_particles_desc *d, double x0, double y0, char *err,
                                  size_t n)
{
    if (d->count <= 0 || d->trail < 2 || d->trail > 64) {
        snprintf(err, n, "particles: %d particles with trails of %d steps", d->count, d->trail);
        return NULL;
    }
    rn_particles *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, n, "particles: out of memory");
        return NULL;
    }
    if (!rn__programs(err, n)) {
        free(p);
        return NULL;
    }
    p->count = d->count;
    p->trail = d->trail;
    p->w = d->count < RN__TEX_W ? d->count : RN__TEX_W;
    p->h = (d->count + p->w - 1) / p->w;
    p->x0 = x0;
    p->y0 = y0;
    while (glGetError() != GL_NO_ERROR) {
    }
    glGenTextures(2, p->state);
    for (int k = 0; k < 2; k++) {
        glBindTexture(GL_TEXTURE_2D, p->state[k]);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA32F, p->w, p->h, 0, GL_RGBA, GL_FLOAT, NULL);
        rn__params(GL_TEXTURE_2D);
    }
    glGenTextures(1, &p->trail_tex);
    glBindTexture(GL_TEXTURE_2D_ARRAY, p->trail_tex);
    glTexImage3D(GL_TEXTURE_2D_ARRAY, 0, GL_RGBA32F, p->w, p->h, p->trail, 0, GL_RGBA, GL_FLOAT,
                 NULL);
    rn__params(GL_TEXTURE_2D_ARRAY);
    GLint prev = 0;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &prev);
    glGenFramebuffers(2, p->fbo);
    bool ok = glGetError() == GL_NO_ERROR;
    for (int k = 0; ok && k < 2; k++) {
        glBindFramebuffer(GL_FRAMEBUFFER, p->fbo[k]);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, p->state[k], 0);
        glFramebufferTextureLayer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT1, p->trail_tex, 0, 0);
        ok = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    }
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)prev);
    glGenVertexArrays(1, &p->vao);
    if (!ok || glGetError() != GL_NO_ERROR) {
        snprintf(err, n, "particles: the GPU cannot hold %d particles with %d-step trails",
                 d->count, d->trail);
        rn_particles_destroy(p);
        return NULL;
    }
    rn_particles_reset(p);
    return p;
}

void rn_particles_destroy(rn_particles *p)
{
    if (!p) return;
    glDeleteTextures(2, p->state);
    glDeleteTextures(1, &p->trail_tex);
    glDeleteFramebuffers(2, p->fbo);
    glDeleteVertexArrays(1, &p->vao);
    for (int i = 0; i < RN_PARTICLES_SLOTS; i++) {
        if (p->coarse[i].tex) glDeleteTextures(1, &p->coarse[i].tex);
        if (p->fine[i].tex) glDeleteTextures(1, &p->fine[i].tex);
    }
    rn__programs_release();
    free(p);
}

static bool rn__grid_upload(rn_particles *p, rn__grid_tex *t, const rn_wind_grid *g)
{
    if (!g) {
        if (t->tex) glDeleteTextures(1, &t->tex);
        t->tex = 0;
        return true;
    }
    if (g->nx <= 0 || g->ny <= 0 || !g->cells) return false;
    while (glGetError() != GL_NO_ERROR) {
    }
    if (!t->tex) glGenTextures(1, &t->tex);
    glBindTexture(GL_TEXTURE_2D, t->tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA32F, g->nx, g->ny, 0, GL_RGBA, GL_FLOAT, g->cells);
    rn__params(GL_TEXTURE_2D);
    t->rect[0] = (float)(g->x0 - p->x0);
    t->rect[1] = (float)(g->y0 - p->y0);
    t->rect[2] = (float)g->dx;
    t->rect[3] = (float)g->dy;
    return glGetError() == GL_NO_ERROR;
}

bool rn_particles_set_field(rn_particles *p, int slot, const rn_wind_grid *coarse,
                            const rn_wind_grid *fine)
{
    if (!p || slot < 0 || slot >= RN_PARTICLES_SLOTS || !coarse) return false;
    return rn__grid_upload(p, &p->coarse[slot], coarse) && rn__grid_upload(p, &p->fine[slot], fine);
}

bool rn_particles_has_field(const rn_particles *p, int slot)
{
    return p && slot >= 0 && slot < RN_PARTICLES_SLOTS && p->coarse[slot].tex;
}

void rn_particles_reset(rn_particles *p)
{
    GLint prev = 0;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &prev);
    const float unborn[4] = {0, 0, -1, 0};
    for (int k = 0; k < 2; k++) {
        glBindFramebuffer(GL_FRAMEBUFFER, p->fbo[k]);
        glClearBufferfv(GL_COLOR, 0, unborn);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)prev);
    p->cur = 0;
    p->head = 0;
    p->steps = 0;
}

long rn_particles_steps(const rn_particles *p)
{
    return p ? p->steps : 0;
}

static void rn__bind_slot(const rn_particles *p, int k, int slot, int unit)
{
    const rn__grid_tex *c = &p->coarse[slot], *f = &p->fine[slot];
    glActiveTexture(GL_TEXTURE0 + unit);
    glBindTexture(GL_TEXTURE_2D, c->tex);
    glUniform1i(rn__pt.u_coarse[k], unit);
    glUniform4fv(rn__pt.u_crect[k], 1, c->rect);
    glActiveTexture(GL_TEXTURE0 + unit + 1);
    glBindTexture(GL_TEXTURE_2D, f->tex ? f->tex : c->tex);
    glUniform1i(rn__pt.u_fine[k], unit + 1);
    glUniform4fv(rn__pt.u_frect[k], 1, f->tex ? f->rect : c->rect);
    glUniform1i(rn__pt.u_has_fine[k], f->tex ? 1 : 0);
}

void rn_particles_step(rn_particles *p, const rn_particles_step_desc *s)
{
    if (!p || !rn_particles_has_field(p, s->slot_a)) return;
    int b = rn_particles_has_field(p, s->slot_b) ? s->slot_b : s->slot_a;
    GLint prev = 0, vp[4];
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &prev);
    glGetIntegerv(GL_VIEWPORT, vp);
    int dst = 1 - p->cur, layer = (p->head + 1) % p->trail;
    glBindFramebuffer(GL_FRAMEBUFFER, p->fbo[dst]);
    glFramebufferTextureLayer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT1, p->trail_tex, 0, layer);
    const GLenum bufs[2] = {GL_COLOR_ATTACHMENT0, GL_COLOR_ATTACHMENT1};
    glDrawBuffers(2, bufs);
    glViewport(0, 0, p->w, p->h);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_BLEND);
    glDisable(GL_CULL_FACE);
    glUseProgram(rn__pt.update);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, p->state[p->cur]);
    glUniform1i(rn__pt.u_state, 0);
    rn__bind_slot(p, 0, s->slot_a, 1);
    rn__bind_slot(p, 1, b, 3);
    glUniform1f(rn__pt.u_mix, s->mix);
    glUniform1f(rn__pt.u_dt, s->dt_scale);
    glUniform1ui(rn__pt.u_seed, s->seed);
    glUniform1ui(rn__pt.u_step, (GLuint)(p->steps + 1));
    float sp[4] = {(float)(s->spawn[0] - p->x0), (float)(s->spawn[1] - p->y0),
                   (float)(s->spawn[2] - p->x0), (float)(s->spawn[3] - p->y0)};
    float kp[4] = {(float)(s->keep[0] - p->x0), (float)(s->keep[1] - p->y0),
                   (float)(s->keep[2] - p->x0), (float)(s->keep[3] - p->y0)};
    glUniform4fv(rn__pt.u_spawn, 1, sp);
    glUniform4fv(rn__pt.u_keep, 1, kp);
    glUniform2i(rn__pt.u_life, s->life_min > 0 ? s->life_min : 1,
                s->life_range > 0 ? s->life_range : 1);
    glBindVertexArray(p->vao);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glBindVertexArray(0);
    glActiveTexture(GL_TEXTURE0);
    glBindFramebuffer(GL_FRAMEBUFFER, (GLuint)prev);
    glViewport(vp[0], vp[1], vp[2], vp[3]);
    p->cur = dst;
    p->head = layer;
    p->steps++;
}

void rn_particles_draw(rn_particles *p, const rn_view *view, const rn_drape *drape,
                       const rn_particles_draw_desc *d)
{
    if (!p || p->steps < 2) return;
    glUseProgram(rn__pt.draw);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LEQUAL);
    glDepthMask(GL_FALSE);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    glUniformMatrix4fv(rn__pt.d_view_proj, 1, GL_FALSE, view->view_proj);
    glUniform3f(rn__pt.d_offset, (float)(p->x0 - view->eye[0]), (float)(p->y0 - view->eye[1]),
                (float)(-view->eye[2]));
    glUniform1f(rn__pt.d_exag, view->exaggeration);
    glUniform1f(rn__pt.d_height, d->height_m);
    glUniform1i(rn__pt.d_heights, 0);
    bool has = drape && rn_texture_bind(drape->heights, 0);
    glUniform1i(rn__pt.d_has_heights, has ? 1 : 0);
    if (has) {
        glUniform4f(rn__pt.d_hf, (float)(1.0 / drape->dx), (float)(1.0 / drape->dy),
                    (float)drape->nx, (float)drape->ny);
        glUniform2f(rn__pt.d_to_hf, (float)(p->x0 - drape->x0), (float)(p->y0 - drape->y0));
    }
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D_ARRAY, p->trail_tex);
    glUniform1i(rn__pt.d_trail, 1);
    int filled = p->steps < p->trail ? (int)p->steps : p->trail;
    glUniform3i(rn__pt.d_ring, p->head, p->trail, filled);
    glUniform1i(rn__pt.d_w, p->w);
    glUniform1i(rn__pt.d_count, p->count);
    float smin = d->speed_min > 0 ? d->speed_min : 0.0f;
    glUniform1f(rn__pt.d_speed_min, smin);
    glUniform1f(rn__pt.d_speed_max, d->speed_max > smin ? d->speed_max : smin + 10.0f);
    glUniform1f(rn__pt.d_opacity, d->opacity > 0 ? d->opacity : 1.0f);
    glLineWidth(1.0f);
    glBindVertexArray(p->vao);
    glDrawArrays(GL_LINES, 0, (GLsizei)((long)p->count * (filled - 1) * 2));
    glBindVertexArray(0);
    glActiveTexture(GL_TEXTURE0);
    glDepthMask(GL_TRUE);
    glDisable(GL_BLEND);
}

int rn_particles_read(rn_particles *p, int count, double *out)
{
    if (!p || count <= 0) return 0;
    if (count > p->count) count = p->count;
    int rows = (count + p->w - 1) / p->w;
    float *buf = malloc((size_t)p->w * rows * 4 * sizeof *buf);
    if (!buf) return 0;
    GLint prev = 0;
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &prev);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, p->fbo[p->cur]);
    glReadBuffer(GL_COLOR_ATTACHMENT0);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glReadPixels(0, 0, p->w, rows, GL_RGBA, GL_FLOAT, buf);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, (GLuint)prev);
    for (int i = 0; i < count; i++) {
        out[i * 4 + 0] = buf[i * 4 + 0] + p->x0;
        out[i * 4 + 1] = buf[i * 4 + 1] + p->y0;
        out[i * 4 + 2] = buf[i * 4 + 2];
        out[i * 4 + 3] = buf[i * 4 + 3];
    }
    free(buf);
    return count;
}

void rn_particles_finish(void)
{
    glFinish();
}
