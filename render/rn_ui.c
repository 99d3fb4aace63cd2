/* 2D overlay batch: one dynamic vertex buffer, one texture (the font atlas),
 * one draw call per frame. */
#include "rn_ui.h"

#include "rn_font.h"
#include "rn_shader.h"
#include "rn_texture.h"
#include "tw_log.h"

#include <epoxy/gl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RN_UI_MAX_VERTICES       (6 * 65536)
#define RN_UI_MAX_QUADS_PER_TEXT 1024

typedef struct rn__ui_vertex {
    float x, y, u, v;
    uint8_t r, g, b, a;
} rn__ui_vertex;

static struct {
    rn_font *font;
    rn_texture atlas;
    unsigned atlas_generation;
    GLuint program, vao, vbo;
    GLint u_viewport, u_atlas;
    rn__ui_vertex *verts;
    int count;
    int width, height;
    float white[2];
    rn_glyph_quad quads[RN_UI_MAX_QUADS_PER_TEXT];
} rn__ui;

tw_result rn_ui_setup(const rn_ui_desc *desc, char *err, size_t n)
{
    rn_font_desc fd = {.paths = desc ? desc->font_paths : NULL,
                       .atlas_size = desc ? desc->atlas_size : 0};
    tw_result r = rn_font_create(&fd, &rn__ui.font);
    if (r != TW_OK) {
        snprintf(err, n, "no usable font (install fonts-nanum): %s", tw_result_str(r));
        return r;
    }
    r = rn_shader_load("ui", &rn__ui.program, err, n);
    if (r != TW_OK) return r;
    rn__ui.u_viewport = glGetUniformLocation(rn__ui.program, "u_viewport");
    rn__ui.u_atlas = glGetUniformLocation(rn__ui.program, "u_atlas");
    rn__ui.verts = malloc(RN_UI_MAX_VERTICES * sizeof *rn__ui.verts);
    if (!rn__ui.verts) return TW_ERR_NOMEM;
    glGenVertexArrays(1, &rn__ui.vao);
    glGenBuffers(1, &rn__ui.vbo);
    glBindVertexArray(rn__ui.vao);
    glBindBuffer(GL_ARRAY_BUFFER, rn__ui.vbo);
    glBufferData(GL_ARRAY_BUFFER, RN_UI_MAX_VERTICES * sizeof(rn__ui_vertex), NULL, GL_STREAM_DRAW);
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(rn__ui_vertex), (void *)0);
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 2, GL_FLOAT, GL_FALSE, sizeof(rn__ui_vertex),
                          (void *)offsetof(rn__ui_vertex, u));
    glEnableVertexAttribArray(3);
    glVertexAttribPointer(3, 4, GL_UNSIGNED_BYTE, GL_TRUE, sizeof(rn__ui_vertex),
                          (void *)offsetof(rn__ui_vertex, r));
    glBindVertexArray(0);
    const tw_image *img = rn_font_atlas(rn__ui.font);
    rn__ui.atlas = rn_texture_make(&(rn_texture_desc){
        .width = img->width, .height = img->height, .format = RN_TEX_R8, .pixels = img->pixels});
    int dirty[4];
    rn_font_take_dirty(rn__ui.font, dirty);
    rn__ui.atlas_generation = rn_font_atlas_generation(rn__ui.font);
    rn_font_white_uv(rn__ui.font, rn__ui.white);
    return TW_OK;
}

void rn_ui_shutdown(void)
{
    if (rn__ui.program) glDeleteProgram(rn__ui.program);
    if (rn__ui.vbo) glDeleteBuffers(1, &rn__ui.vbo);
    if (rn__ui.vao) glDeleteVertexArrays(1, &rn__ui.vao);
    rn_texture_destroy(rn__ui.atlas);
    rn_font_destroy(rn__ui.font);
    free(rn__ui.verts);
    memset(&rn__ui, 0, sizeof rn__ui);
}

void rn_ui_clear(float r, float g, float b)
{
    glClearColor(r, g, b, 1.0f);
    glDepthMask(GL_TRUE);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
}

void rn_ui_begin(int width, int height)
{
    rn__ui.count = 0;
    rn__ui.width = width;
    rn__ui.height = height;
}

static void rn__vertex(float x, float y, float u, float v, rn_rgba c)
{
    if (rn__ui.count >= RN_UI_MAX_VERTICES) return;
    rn__ui.verts[rn__ui.count++] = (rn__ui_vertex){x, y, u, v, c.r, c.g, c.b, c.a};
}

static void rn__quad(float x0, float y0, float x1, float y1, float u0, float v0, float u1, float v1,
                     rn_rgba c)
{
    if (rn__ui.count + 6 > RN_UI_MAX_VERTICES) return;
    rn__vertex(x0, y0, u0, v0, c);
    rn__vertex(x1, y0, u1, v0, c);
    rn__vertex(x1, y1, u1, v1, c);
    rn__vertex(x0, y0, u0, v0, c);
    rn__vertex(x1, y1, u1, v1, c);
    rn__vertex(x0, y1, u0, v1, c);
}

void rn_ui_warm(int width, int height)
{
    rn_ui_begin(width, height);
    float u = rn__ui.white[0], v = rn__ui.white[1];
    rn__quad(-8, -8, -4, -4, u, v, u, v, (rn_rgba){255, 255, 255, 255});
    rn_ui_end();
}

void rn_ui_rect(float x, float y, float w, float h, rn_rgba c)
{
    float u = rn__ui.white[0], v = rn__ui.white[1];
    rn__quad(x, y, x + w, y + h, u, v, u, v, c);
}

void rn_ui_triangle(float x0, float y0, float x1, float y1, float x2, float y2, rn_rgba c)
{
    if (rn__ui.count + 3 > RN_UI_MAX_VERTICES) return;
    float u = rn__ui.white[0], v = rn__ui.white[1];
    rn__vertex(x0, y0, u, v, c);
    rn__vertex(x1, y1, u, v, c);
    rn__vertex(x2, y2, u, v, c);
}

void rn_ui_line(float x0, float y0, float x1, float y1, float width, rn_rgba c)
{
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 1e-4f) return;
    float nx = -dy / len * width * 0.5f, ny = dx / len * width * 0.5f;
    rn_ui_triangle(x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, c);
    rn_ui_triangle(x0 + nx, y0 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny, c);
}

float rn_ui_text(float x, float y, float px, rn_rgba c, const char *utf8)
{
    if (!rn__ui.font || !utf8) return 0;
    int n = rn_font_layout(rn__ui.font, utf8, px, x, y, rn__ui.quads, RN_UI_MAX_QUADS_PER_TEXT);
    for (int i = 0; i < n; i++) {
        const rn_glyph_quad *q = &rn__ui.quads[i];
        rn__quad(q->x0, q->y0, q->x1, q->y1, q->u0, q->v0, q->u1, q->v1, c);
    }
    float w, h;
    rn_font_measure(rn__ui.font, utf8, px, &w, &h);
    return w;
}

float rn_ui_text_halo(float x, float y, float px, rn_rgba c, rn_rgba halo, const char *utf8)
{
    static const float off[8][2] = {{-1, -1}, {0, -1}, {1, -1}, {-1, 0},
                                    {1, 0},   {-1, 1}, {0, 1},  {1, 1}};
    float d = fmaxf(1.0f, px / 14.0f);
    for (int i = 0; i < 8; i++) rn_ui_text(x + off[i][0] * d, y + off[i][1] * d, px, halo, utf8);
    return rn_ui_text(x, y, px, c, utf8);
}

void rn_ui_text_size(float px, const char *utf8, float *width, float *height)
{
    *width = *height = 0;
    if (rn__ui.font && utf8) rn_font_measure(rn__ui.font, utf8, px, width, height);
}

void rn_ui_end(void)
{
    if (!rn__ui.program || rn__ui.count == 0) return;
    /* Glyphs baked this frame reach the GPU before the draw; a reset atlas
     * (full) means this frame's quads point at stale places: skip one frame
     * of text rather than draw garbage; the next frame lays out again. */
    unsigned gen = rn_font_atlas_generation(rn__ui.font);
    int dirty[4];
    bool reset = gen != rn__ui.atlas_generation;
    if (rn_font_take_dirty(rn__ui.font, dirty) || reset) {
        const tw_image *img = rn_font_atlas(rn__ui.font);
        if (reset) dirty[0] = 0, dirty[1] = 0, dirty[2] = img->width, dirty[3] = img->height;
        rn_texture_update(rn__ui.atlas, dirty[0], dirty[1], dirty[2], dirty[3], img->width,
                          img->pixels + (size_t)dirty[1] * img->width + dirty[0]);
        rn__ui.atlas_generation = gen;
    }
    if (reset) {
        rn__ui.count = 0;
        return;
    }
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glUseProgram(rn__ui.program);
    glUniform2f(rn__ui.u_viewport, (float)rn__ui.width, (float)rn__ui.height);
    glUniform1i(rn__ui.u_atlas, 0);
    rn_texture_bind(rn__ui.atlas, 0);
    glBindVertexArray(rn__ui.vao);
    glBindBuffer(GL_ARRAY_BUFFER, rn__ui.vbo);
    glBufferSubData(GL_ARRAY_BUFFER, 0, (GLsizeiptr)(rn__ui.count * sizeof(rn__ui_vertex)),
                    rn__ui.verts);
    glDrawArrays(GL_TRIANGLES, 0, rn__ui.count);
    glBindVertexArray(0);
    glDisable(GL_BLEND);
    glEnable(GL_DEPTH_TEST);
    rn__ui.count = 0;
}
