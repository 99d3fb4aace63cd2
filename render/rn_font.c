/* Glyph cache over stb_truetype: an open-addressing table from (code point,
 * size) to atlas rectangles, filled shelf by shelf. */
#include "rn_font.h"

#include "tw_file.h"
#include "tw_log.h"

#include <math.h>
#include <stb_truetype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RN_FONT_MAX_BYTES (64u * 1024u * 1024u)
#define RN_FONT_TABLE     8192 /* power of two; half full at most */
#define RN_FONT_PAD       1

static const char *const rn__default_fonts[] = {
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
    "/usr/share/fonts/truetype/nanum/NanumSquareR.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    NULL,
};

typedef struct rn__entry {
    uint32_t codepoint;
    uint16_t size; /* pixel height in quarter pixels, 0 = empty slot */
    rn_glyph glyph;
} rn__entry;

struct rn_font {
    char path[512];
    unsigned char *data;
    stbtt_fontinfo info;
    float ascent_unit, line_unit; /* per unit of scale */
    tw_image atlas;
    int shelf_x, shelf_y, shelf_h;
    int dirty[4]; /* x0 y0 x1 y1, empty when x1 <= x0 */
    unsigned generation;
    int entries;
    rn__entry table[RN_FONT_TABLE];
};

uint32_t rn_utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t c = p[0];
    if (c == 0) return 0;
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0) {
        (*s)++;
        return 0xFFFD;
    }
    if (len == 1) {
        (*s)++;
        return c;
    }
    uint32_t cp = c & (0x7Fu >> len);
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) { /* truncated: also stops at the NUL */
            *s += i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    *s += len;
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
    return cp;
}

static void rn__reset_atlas(rn_font *f)
{
    memset(f->atlas.pixels, 0, (size_t)f->atlas.width * f->atlas.height);
    /* A 2x2 white block at the origin serves solid fills. */
    f->atlas.pixels[0] = f->atlas.pixels[1] = 255;
    f->atlas.pixels[f->atlas.width] = f->atlas.pixels[f->atlas.width + 1] = 255;
    f->shelf_x = 2 + RN_FONT_PAD;
    f->shelf_y = 0;
    f->shelf_h = 2;
    memset(f->table, 0, sizeof f->table);
    f->entries = 0;
    f->dirty[0] = 0, f->dirty[1] = 0, f->dirty[2] = f->atlas.width, f->dirty[3] = f->atlas.height;
}

tw_result rn_font_create(const rn_font_desc *desc, rn_font **out)
{
    *out = NULL;
    const char *const *paths = desc && desc->paths ? desc->paths : rn__default_fonts;
    int size = desc && desc->atlas_size > 0 ? desc->atlas_size : 2048;
    if (size < 64 || size > 8192) return TW_ERR_ARG;
    rn_font *f = calloc(1, sizeof *f);
    if (!f) return TW_ERR_NOMEM;
    char tried[1024] = "";
    for (const char *const *p = paths; *p && !f->data; p++) {
        size_t len = 0;
        char *bytes = NULL;
        if (tw_file_read(*p, RN_FONT_MAX_BYTES, &bytes, &len) != TW_OK) {
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", *p);
            continue;
        }
        int offset = stbtt_GetFontOffsetForIndex((unsigned char *)bytes, 0);
        if (offset < 0 || !stbtt_InitFont(&f->info, (unsigned char *)bytes, offset)) {
            TW_WARN("font", "%s: not a TrueType font", *p);
            free(bytes);
            continue;
        }
        f->data = (unsigned char *)bytes;
        snprintf(f->path, sizeof f->path, "%s", *p);
    }
    if (!f->data) {
        TW_ERROR("font", "no font found (tried %s); install fonts-nanum",
                 tried[0] ? tried : "none");
        free(f);
        return TW_ERR_IO;
    }
    int ascent, descent, gap;
    stbtt_GetFontVMetrics(&f->info, &ascent, &descent, &gap);
    f->ascent_unit = (float)ascent;
    f->line_unit = (float)(ascent - descent + gap);
    if (tw_image_alloc(&f->atlas, size, size, 1) != TW_OK) {
        free(f->data);
        free(f);
        return TW_ERR_NOMEM;
    }
    rn__reset_atlas(f);
    *out = f;
    return TW_OK;
}

void rn_font_destroy(rn_font *f)
{
    if (!f) return;
    tw_image_free(&f->atlas);
    free(f->data);
    free(f);
}

static unsigned rn__slot(uint32_t cp, uint16_t size)
{
    uint32_t h = cp * 0x9E3779B1u ^ (uint32_t)size * 0x85EBCA77u;
    return (h ^ (h >> 15)) & (RN_FONT_TABLE - 1);
}

static void rn__mark_dirty(rn_font *f, int x, int y, int w, int h)
{
    if (f->dirty[2] <= f->dirty[0]) {
        f->dirty[0] = x, f->dirty[1] = y, f->dirty[2] = x + w, f->dirty[3] = y + h;
        return;
    }
    if (x < f->dirty[0]) f->dirty[0] = x;
    if (y < f->dirty[1]) f->dirty[1] = y;
    if (x + w > f->dirty[2]) f->dirty[2] = x + w;
    if (y + h > f->dirty[3]) f->dirty[3] = y + h;
}

/* Reserves w x h pixels on the current shelf or a new one. */
static bool rn__place(rn_font *f, int w, int h, int *x, int *y)
{
    int W = f->atlas.width, H = f->atlas.height;
    if (w + 2 * RN_FONT_PAD > W) return false;
    if (f->shelf_x + w + RN_FONT_PAD > W) {
        f->shelf_y += f->shelf_h + RN_FONT_PAD;
        f->shelf_x = RN_FONT_PAD;
        f->shelf_h = 0;
    }
    if (f->shelf_y + h + RN_FONT_PAD > H) return false;
    *x = f->shelf_x;
    *y = f->shelf_y;
    f->shelf_x += w + RN_FONT_PAD;
    if (h > f->shelf_h) f->shelf_h = h;
    return true;
}

static bool rn__bake(rn_font *f, uint32_t cp, float px, rn_glyph *g)
{
    int index = stbtt_FindGlyphIndex(&f->info, (int)cp);
    float scale = stbtt_ScaleForPixelHeight(&f->info, px);
    int adv, lsb, x0, y0, x1, y1;
    stbtt_GetGlyphHMetrics(&f->info, index, &adv, &lsb);
    stbtt_GetGlyphBitmapBox(&f->info, index, scale, scale, &x0, &y0, &x1, &y1);
    int w = x1 - x0, h = y1 - y0;
    memset(g, 0, sizeof *g);
    g->advance = adv * scale;
    if (w <= 0 || h <= 0) return true; /* a space */
    int ax, ay;
    if (!rn__place(f, w, h, &ax, &ay)) return false;
    stbtt_MakeGlyphBitmap(&f->info, f->atlas.pixels + (size_t)ay * f->atlas.width + ax, w, h,
                          f->atlas.width, scale, scale, index);
    rn__mark_dirty(f, ax, ay, w, h);
    float inv = 1.0f / (float)f->atlas.width;
    g->x0 = (float)x0, g->y0 = (float)y0, g->x1 = (float)x1, g->y1 = (float)y1;
    g->u0 = ax * inv, g->v0 = ay * inv, g->u1 = (ax + w) * inv, g->v1 = (ay + h) * inv;
    return true;
}

bool rn_font_glyph(rn_font *f, uint32_t cp, float px, rn_glyph *out)
{
    if (px < 1) px = 1;
    if (px > 512) px = 512;
    uint16_t size = (uint16_t)lrintf(px * 4);
    px = size / 4.0f;
    unsigned i = rn__slot(cp, size);
    while (f->table[i].size) {
        if (f->table[i].codepoint == cp && f->table[i].size == size) {
            *out = f->table[i].glyph;
            return true;
        }
        i = (i + 1) & (RN_FONT_TABLE - 1);
    }
    rn_glyph g;
    bool full = f->entries >= RN_FONT_TABLE / 2 || !rn__bake(f, cp, px, &g);
    if (full) {
        /* Start over with an empty atlas; layouts made before are void. */
        rn__reset_atlas(f);
        f->generation++;
        if (!rn__bake(f, cp, px, &g)) return false;
        i = rn__slot(cp, size);
    }
    f->table[i] = (rn__entry){.codepoint = cp, .size = size, .glyph = g};
    f->entries++;
    *out = g;
    return true;
}

static float rn__kern(rn_font *f, uint32_t a, uint32_t b, float px)
{
    if (!a || !b) return 0;
    return stbtt_GetCodepointKernAdvance(&f->info, (int)a, (int)b) *
           stbtt_ScaleForPixelHeight(&f->info, px);
}

void rn_font_measure(rn_font *f, const char *utf8, float px, float *width, float *height)
{
    float scale = stbtt_ScaleForPixelHeight(&f->info, px);
    float line_h = f->line_unit * scale, w = 0, best = 0;
    int lines = 1;
    uint32_t prev = 0, cp;
    const char *s = utf8;
    while ((cp = rn_utf8_next(&s)) != 0) {
        if (cp == '\n') {
            best = fmaxf(best, w);
            w = 0;
            lines++;
            prev = 0;
            continue;
        }
        int adv, lsb;
        stbtt_GetCodepointHMetrics(&f->info, (int)cp, &adv, &lsb);
        w += adv * scale + rn__kern(f, prev, cp, px);
        prev = cp;
    }
    *width = fmaxf(best, w);
    *height = lines * line_h;
}

int rn_font_layout(rn_font *f, const char *utf8, float px, float x, float y, rn_glyph_quad *out,
                   int max)
{
    float scale = stbtt_ScaleForPixelHeight(&f->info, px);
    float line_h = f->line_unit * scale;
    float pen_x = x, pen_y = y;
    int n = 0;
    uint32_t prev = 0, cp;
    const char *s = utf8;
    while ((cp = rn_utf8_next(&s)) != 0 && n < max) {
        if (cp == '\n') {
            pen_x = x;
            pen_y += line_h;
            prev = 0;
            continue;
        }
        pen_x += rn__kern(f, prev, cp, px);
        rn_glyph g;
        if (!rn_font_glyph(f, cp, px, &g)) break;
        if (g.x1 > g.x0) {
            /* Whole pixels keep glyph bitmaps sharp. */
            float gx = floorf(pen_x + 0.5f), gy = floorf(pen_y + 0.5f);
            out[n++] =
                (rn_glyph_quad){gx + g.x0, gy + g.y0, gx + g.x1, gy + g.y1, g.u0, g.v0, g.u1, g.v1};
        }
        pen_x += g.advance;
        prev = cp;
    }
    return n;
}

const tw_image *rn_font_atlas(const rn_font *f)
{
    return &f->atlas;
}

bool rn_font_take_dirty(rn_font *f, int rect[4])
{
    if (f->dirty[2] <= f->dirty[0] || f->dirty[3] <= f->dirty[1]) return false;
    rect[0] = f->dirty[0];
    rect[1] = f->dirty[1];
    rect[2] = f->dirty[2] - f->dirty[0];
    rect[3] = f->dirty[3] - f->dirty[1];
    f->dirty[0] = f->dirty[1] = f->dirty[2] = f->dirty[3] = 0;
    return true;
}

unsigned rn_font_atlas_generation(const rn_font *f)
{
    return f->generation;
}

void rn_font_white_uv(const rn_font *f, float uv[2])
{
    uv[0] = uv[1] = 1.0f / (float)f->atlas.width; /* the corner of the 2x2 block */
}

const char *rn_font_path(const rn_font *f)
{
    return f->path;
}
