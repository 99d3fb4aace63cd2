/* 2D overlay drawing in framebuffer pixels (origin top-left): filled
 * rectangles, lines, triangles and text, batched into one draw per frame
 * with a single texture (the font atlas, whose white corner serves solid
 * fills). Text is any UTF-8; glyphs are baked on first use. Main thread only. */
#ifndef RN_UI_H
#define RN_UI_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rn_rgba {
    uint8_t r, g, b, a;
} rn_rgba;

typedef struct rn_ui_desc {
    const char *const *font_paths; /* NULL: Debian's fonts-nanum, then DejaVu */
    int atlas_size;                /* 0: 1024 */
} rn_ui_desc;

tw_result rn_ui_setup(const rn_ui_desc *desc, char *err, size_t n);
void rn_ui_shutdown(void);
/* Clears colour and depth of the bound framebuffer. */
void rn_ui_clear(float r, float g, float b);

void rn_ui_begin(int width, int height);
void rn_ui_rect(float x, float y, float w, float h, rn_rgba c);
void rn_ui_line(float x0, float y0, float x1, float y1, float width, rn_rgba c);
void rn_ui_triangle(float x0, float y0, float x1, float y1, float x2, float y2, rn_rgba c);
/* Draws text with its baseline at y; returns the advance width. */
float rn_ui_text(float x, float y, float px, rn_rgba c, const char *utf8);
/* Text with a one-pixel halo, readable over terrain. */
float rn_ui_text_halo(float x, float y, float px, rn_rgba c, rn_rgba halo, const char *utf8);
/* Width and line height of text at px pixels. */
void rn_ui_text_size(float px, const char *utf8, float *width, float *height);
/* Sends the batch to the GPU and draws it over the scene. */
void rn_ui_end(void);
/* One quad drawn out of sight as rn_ui_end draws: the GL's first-draw work
 * for this state (rn_fill_warm) done ahead of the first frame. */
void rn_ui_warm(int width, int height);

#endif
