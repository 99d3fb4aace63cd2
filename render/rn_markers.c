/* Screen-space markers as point sprites (see rn_markers.h). */
#include "rn_markers.h"

#include "rn_shader.h"
#include "tw_log.h"

#include <epoxy/gl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(rn_marker) == 32, "a marker is 32 bytes");

struct rn_markers {
    GLuint vao, buf;
    int count, capacity;
    /* The picture, at its framebuffer pixels: two textures taken in turn,
     * so a new picture is written into the one the last frames did not
     * draw (llvmpipe waits for the frames that read a texture it writes). */
    GLuint tex[2];
    int tex_w[2], tex_h[2], cur, x0, y0, w, h;
    bool has_image;
};

static struct {
    GLuint program, image;
    bool failed, image_failed;
    GLint u_viewport, u_opacity, u_pulse, u_stem_px, u_stem;
    GLint i_image, i_opacity, i_grey, i_height, i_origin, i_size, i_viewport;
} rn__mk;

/* Each program loads on its first use (a compile can take a frame's time
 * on llvmpipe; the sprites are often never needed). */
static bool rn__mk_load(const char *name, GLuint *program, bool *failed)
{
    if (*program) return true;
    if (*failed) return false;
    char err[512];
    if (rn_shader_load(name, program, err, sizeof err) != TW_OK) {
        TW_WARN("render", "%s: %s", name, err);
        *failed = true;
        return false;
    }
    return true;
}

static bool rn__mk_setup(void)
{
    if (!rn__mk_load("markers", &rn__mk.program, &rn__mk.failed)) return false;
    GLuint p = rn__mk.program;
    rn__mk.u_viewport = glGetUniformLocation(p, "u_viewport");
    rn__mk.u_opacity = glGetUniformLocation(p, "u_opacity");
    rn__mk.u_pulse = glGetUniformLocation(p, "u_pulse");
    rn__mk.u_stem_px = glGetUniformLocation(p, "u_stem_px");
    rn__mk.u_stem = glGetUniformLocation(p, "u_stem");
    return true;
}

static bool rn__mk_image_setup(void)
{
    if (!rn__mk_load("markers_image", &rn__mk.image, &rn__mk.image_failed)) return false;
    GLuint p = rn__mk.image;
    rn__mk.i_image = glGetUniformLocation(p, "u_image");
    rn__mk.i_opacity = glGetUniformLocation(p, "u_opacity");
    rn__mk.i_grey = glGetUniformLocation(p, "u_grey");
    rn__mk.i_height = glGetUniformLocation(p, "u_height");
    rn__mk.i_origin = glGetUniformLocation(p, "u_origin");
    rn__mk.i_size = glGetUniformLocation(p, "u_size");
    rn__mk.i_viewport = glGetUniformLocation(p, "u_viewport");
    return true;
}

void rn_markers_shutdown(void)
{
    if (rn__mk.program) glDeleteProgram(rn__mk.program);
    if (rn__mk.image) glDeleteProgram(rn__mk.image);
    rn__mk.program = rn__mk.image = 0;
    rn__mk.failed = rn__mk.image_failed = false;
}

rn_markers *rn_markers_create(void)
{
    rn_markers *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    glGenVertexArrays(1, &m->vao);
    glGenBuffers(1, &m->buf);
    glBindVertexArray(m->vao);
    glBindBuffer(GL_ARRAY_BUFFER, m->buf);
    GLsizei st = sizeof(rn_marker);
    /* a_head (x, y, ground_y), a_size (radius, rim, pulse), a_fill, a_rim */
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, st, (void *)offsetof(rn_marker, x));
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, st, (void *)offsetof(rn_marker, radius));
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, st, (void *)offsetof(rn_marker, fill));
    glEnableVertexAttribArray(3);
    glVertexAttribPointer(3, 4, GL_UNSIGNED_BYTE, GL_TRUE, st,
                          (void *)offsetof(rn_marker, rim_color));
    glBindVertexArray(0);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    return m;
}

void rn_markers_destroy(rn_markers *m)
{
    if (!m) return;
    glDeleteBuffers(1, &m->buf);
    glDeleteVertexArrays(1, &m->vao);
    for (int k = 0; k < 2; k++)
        if (m->tex[k]) glDeleteTextures(1, &m->tex[k]);
    free(m);
}

bool rn_markers_set(rn_markers *m, const rn_marker *items, int count)
{
    if (!m) return false;
    glBindBuffer(GL_ARRAY_BUFFER, m->buf);
    if (count > m->capacity) { /* grows by half again, so a few more need no new store */
        int cap = count + count / 2 + 16;
        glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)cap * (GLsizeiptr)sizeof(rn_marker), NULL,
                     GL_DYNAMIC_DRAW);
        if (glGetError() == GL_OUT_OF_MEMORY) {
            m->capacity = m->count = 0;
            glBindBuffer(GL_ARRAY_BUFFER, 0);
            return false;
        }
        m->capacity = cap;
    }
    if (count > 0)
        glBufferSubData(GL_ARRAY_BUFFER, 0, (GLsizeiptr)count * (GLsizeiptr)sizeof(rn_marker),
                        items);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    m->count = count;
    return true;
}

/* The texture grows to hold pixels up to (w, h) (rounded up, never
 * shrinks): a picture whose box moved or changed size is a sub-image
 * upload, not a new texture (on llvmpipe a new one held the main thread
 * 24-64 ms, 7-13 ms of it CPU, against 0.5 ms for a sub-image). */
static bool rn__tex_fit(rn_markers *m, int k, int w, int h)
{
    if (!m->tex[k]) glGenTextures(1, &m->tex[k]);
    glBindTexture(GL_TEXTURE_2D, m->tex[k]);
    if (w <= m->tex_w[k] && h <= m->tex_h[k]) return true;
    w = w > m->tex_w[k] ? (w + 63) / 64 * 64 : m->tex_w[k];
    h = h > m->tex_h[k] ? (h + 63) / 64 * 64 : m->tex_h[k];
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
    if (glGetError() == GL_OUT_OF_MEMORY) {
        m->tex_w[k] = m->tex_h[k] = 0;
        return false;
    }
    m->tex_w[k] = w, m->tex_h[k] = h;
    return true;
}

bool rn_markers_reserve(rn_markers *m, int w, int h)
{
    if (!m || w <= 0 || h <= 0) return false;
    bool ok = rn__tex_fit(m, 0, w, h) && rn__tex_fit(m, 1, w, h);
    glBindTexture(GL_TEXTURE_2D, 0);
    return ok;
}

bool rn_markers_set_image(rn_markers *m, const uint8_t *rgba, int x0, int y0, int w, int h)
{
    if (!m) return false;
    m->has_image = rgba && w > 0 && h > 0 && x0 >= 0 && y0 >= 0;
    if (!m->has_image) return true;
    m->x0 = x0, m->y0 = y0, m->w = w, m->h = h;
    m->cur = 1 - m->cur;
    if (!rn__tex_fit(m, m->cur, x0 + w, y0 + h)) {
        glBindTexture(GL_TEXTURE_2D, 0);
        return m->has_image = false;
    }
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexSubImage2D(GL_TEXTURE_2D, 0, x0, y0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    glBindTexture(GL_TEXTURE_2D, 0);
    if (glGetError() == GL_OUT_OF_MEMORY) return m->has_image = false;
    return true;
}

/* The pixels a marker may touch (x0 y0 x1 y1), unclipped. */
static void rn__box(const rn_marker *mk, float stem_px, int b[4])
{
    float outer = mk->radius + mk->rim, half = fmaxf(outer, stem_px * 0.5f) + 1.0f;
    float top = mk->y - outer - 1.0f, bottom = fmaxf(mk->y + outer, mk->ground_y) + 1.0f;
    b[0] = (int)floorf(mk->x - half), b[2] = (int)ceilf(mk->x + half);
    b[1] = (int)floorf(top), b[3] = (int)ceilf(bottom);
}

bool rn_markers_bounds(const rn_marker *items, int count, float stem_px, int w, int h, int out[4])
{
    out[0] = w, out[1] = h, out[2] = 0, out[3] = 0;
    for (int i = 0; i < count; i++) {
        int b[4];
        rn__box(&items[i], stem_px, b);
        out[0] = b[0] < out[0] ? b[0] : out[0], out[1] = b[1] < out[1] ? b[1] : out[1];
        out[2] = b[2] > out[2] ? b[2] : out[2], out[3] = b[3] > out[3] ? b[3] : out[3];
    }
    out[0] = out[0] < 0 ? 0 : out[0], out[1] = out[1] < 0 ? 0 : out[1];
    out[2] = out[2] > w ? w : out[2], out[3] = out[3] > h ? h : out[3];
    return out[2] > out[0] && out[3] > out[1];
}

/* The same tests as shaders/markers.frag, per pixel centre. */
static void rn__paint_one(const rn_marker *mk, float stem_px, rn_rgba stem, uint8_t *rgba, int ox,
                          int oy, int w, int h)
{
    float r = mk->radius, outer = r + mk->rim;
    int b[4];
    rn__box(mk, stem_px, b);
    int x0 = b[0] - ox, y0 = b[1] - oy, x1 = b[2] - ox, y1 = b[3] - oy;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > w) x1 = w;
    if (y1 > h) y1 = h;
    float r2 = r * r, o2 = outer * outer;
    for (int y = y0; y < y1; y++) {
        float py = (float)(y + oy) + 0.5f, dy = py - mk->y;
        uint8_t *row = rgba + ((size_t)y * (size_t)w) * 4;
        for (int x = x0; x < x1; x++) {
            float px = (float)(x + ox) + 0.5f, dx = px - mk->x, d2 = dx * dx + dy * dy;
            rn_rgba c;
            if (d2 <= r2)
                c = mk->fill;
            else if (d2 <= o2)
                c = mk->rim_color;
            else if (fabsf(dx) <= stem_px * 0.5f && py >= mk->y && py <= mk->ground_y)
                c = stem;
            else
                continue;
            uint8_t *o = row + 4 * x;
            unsigned a = c.a, ia = 255 - a;
            o[0] = (uint8_t)((c.r * a + o[0] * ia + 127) / 255);
            o[1] = (uint8_t)((c.g * a + o[1] * ia + 127) / 255);
            o[2] = (uint8_t)((c.b * a + o[2] * ia + 127) / 255);
            o[3] = (uint8_t)((a * 255 + o[3] * ia + 127) / 255);
        }
    }
}

void rn_markers_paint(const rn_marker *items, int count, float stem_px, rn_rgba stem, uint8_t *rgba,
                      int x0, int y0, int w, int h)
{
    memset(rgba, 0, (size_t)w * (size_t)h * 4);
    for (int i = 0; i < count; i++) rn__paint_one(&items[i], stem_px, stem, rgba, x0, y0, w, h);
}

int rn_markers_count(const rn_markers *m)
{
    return m ? m->count : 0;
}

void rn_markers_draw(const rn_markers *m, const rn_markers_draw_desc *d)
{
    if (!m || (m->count <= 0 && !m->has_image)) return;
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    if (m->has_image && rn__mk_image_setup()) { /* premultiplied; one quad over its pixels */
        glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
        glUseProgram(rn__mk.image);
        glUniform1i(rn__mk.i_image, 0);
        glUniform1f(rn__mk.i_opacity, d->opacity > 0 ? d->opacity : 1.0f);
        glUniform1f(rn__mk.i_grey, d->grey);
        glUniform1i(rn__mk.i_height, d->height);
        glUniform2i(rn__mk.i_origin, m->x0, m->y0);
        glUniform2i(rn__mk.i_size, m->w, m->h);
        glUniform2f(rn__mk.i_viewport, (float)d->width, (float)d->height);
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, m->tex[m->cur]);
        glBindVertexArray(m->vao);
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
        glBindTexture(GL_TEXTURE_2D, 0);
    }
    if (m->count <= 0 || !rn__mk_setup()) {
        glBindVertexArray(0);
        glDisable(GL_BLEND);
        glEnable(GL_DEPTH_TEST);
        return;
    }
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glUseProgram(rn__mk.program);
    glUniform2f(rn__mk.u_viewport, (float)d->width, (float)d->height);
    glUniform1f(rn__mk.u_opacity, d->opacity > 0 ? d->opacity : 1.0f);
    glUniform1f(rn__mk.u_pulse, d->pulse > 0 ? d->pulse : 1.0f);
    glUniform1f(rn__mk.u_stem_px, d->stem_px > 0 ? d->stem_px : 1.5f);
    glUniform4f(rn__mk.u_stem, d->stem.r / 255.0f, d->stem.g / 255.0f, d->stem.b / 255.0f,
                d->stem.a / 255.0f);
    glEnable(GL_PROGRAM_POINT_SIZE);
    glBindVertexArray(m->vao);
    glDrawArrays(GL_POINTS, 0, m->count);
    glBindVertexArray(0);
    glDisable(GL_PROGRAM_POINT_SIZE);
    glDisable(GL_BLEND);
    glEnable(GL_DEPTH_TEST);
}
