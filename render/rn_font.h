/* The CPU half of text: a TrueType font (stb_truetype) whose glyphs are
 * baked on demand into a one-channel atlas, so any Hangul syllable renders
 * the first time it is needed. No GL here: the UI uploads the atlas from
 * the dirty rectangle. Main thread only. */
#ifndef RN_FONT_H
#define RN_FONT_H

#include "tw_image.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rn_font rn_font;

typedef struct rn_font_desc {
    const char *const *paths; /* NULL-terminated; NULL: fonts-nanum, then DejaVu */
    int atlas_size;           /* square atlas side; 0: 2048 */
} rn_font_desc;

typedef struct rn_glyph {
    float advance;        /* pixels to the next pen position */
    float x0, y0, x1, y1; /* bitmap box relative to the pen on the baseline */
    float u0, v0, u1, v1; /* atlas coordinates */
} rn_glyph;

typedef struct rn_glyph_quad {
    float x0, y0, x1, y1;
    float u0, v0, u1, v1;
} rn_glyph_quad;

/* Loads the first font of the list that exists and parses. */
tw_result rn_font_create(const rn_font_desc *desc, rn_font **out);
void rn_font_destroy(rn_font *font);
/* The glyph of a code point at a pixel height, baking it if new. Code points
 * the font lacks give its "missing" box. False only when the atlas cannot
 * hold the glyph even when empty. */
bool rn_font_glyph(rn_font *font, uint32_t codepoint, float px, rn_glyph *out);
/* Width of the widest line and the height of all lines. */
void rn_font_measure(rn_font *font, const char *utf8, float px, float *width, float *height);
/* Quads for text with its first baseline at (x, y), y down; returns count. */
int rn_font_layout(rn_font *font, const char *utf8, float px, float x, float y, rn_glyph_quad *out,
                   int max);
const tw_image *rn_font_atlas(const rn_font *font);
/* Rectangle (x, y, w, h) changed since the last call; false when none. */
bool rn_font_take_dirty(rn_font *font, int rect[4]);
/* Bumped each time a full atlas was cleared (earlier layouts are void). */
unsigned rn_font_atlas_generation(const rn_font *font);
/* A fully white atlas texel, for solid fills from the same texture. */
void rn_font_white_uv(const rn_font *font, float uv[2]);
/* Path of the font file in use. */
const char *rn_font_path(const rn_font *font);

/* Decodes one UTF-8 code point and advances *s (at least one byte, never
 * past the NUL); malformed input gives U+FFFD. */
uint32_t rn_utf8_next(const char **s);

#endif
