/* Text: glyphs baked on demand, any Hangul syllable, UTF-8 decoding. */
#include "rn_font.h"
#include "tw_log.h"
#include "tw_test.h"

static rn_font *font;

/* Pixels above half coverage inside a glyph's atlas rectangle. */
static int inked(const rn_glyph *g)
{
    const tw_image *a = rn_font_atlas(font);
    int x0 = (int)(g->u0 * a->width), x1 = (int)(g->u1 * a->width);
    int y0 = (int)(g->v0 * a->height), y1 = (int)(g->v1 * a->height);
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) n += a->pixels[(size_t)y * a->width + x] > 128;
    return n;
}

static void test_rare_hangul_renders(void)
{
    /* 뷁 (U+BDC1) appears in no asset and no string of the program. */
    rn_glyph g;
    TW_CHECK(rn_font_glyph(font, 0xBDC1, 32, &g));
    TW_CHECK(g.advance > 10);
    TW_CHECK(g.x1 > g.x0 && g.y1 > g.y0);
    TW_CHECK_MSG(inked(&g) > 40, "only %d inked pixels", inked(&g));
    int rect[4];
    TW_CHECK(rn_font_take_dirty(font, rect)); /* the UI uploads this */
    TW_CHECK(!rn_font_take_dirty(font, rect));
    /* Cached: asking again bakes nothing. */
    rn_glyph again;
    TW_CHECK(rn_font_glyph(font, 0xBDC1, 32, &again));
    TW_CHECK(again.u0 == g.u0 && again.v0 == g.v0);
    TW_CHECK(!rn_font_take_dirty(font, rect));
}

static void test_glyphs_differ(void)
{
    rn_glyph a, s;
    TW_CHECK(rn_font_glyph(font, 'A', 24, &a) && rn_font_glyph(font, 0xC11C /* 서 */, 24, &s));
    TW_CHECK(a.u0 != s.u0 || a.v0 != s.v0);
    TW_CHECK(inked(&a) > 10 && inked(&s) > 10);
    TW_CHECK(s.advance > a.advance * 0.9); /* Hangul is full-width */
}

static void test_measure_and_layout(void)
{
    float w, h, w2, h2;
    rn_font_measure(font, "서울 Seoul", 20, &w, &h);
    TW_CHECK(w > 60 && h > 18);
    rn_font_measure(font, "서울 Seoul\n서울", 20, &w2, &h2);
    TW_CHECK_NEAR(w2, w, 1e-3);
    TW_CHECK_NEAR(h2, 2 * h, 1e-3);
    rn_glyph_quad q[16];
    int n = rn_font_layout(font, "ab\ncd", 20, 10, 50, q, 16);
    TW_CHECK(n == 4);
    TW_CHECK(q[2].y0 > q[0].y0 + 15); /* second line lower */
    TW_CHECK(q[1].x0 > q[0].x0 && q[2].x0 < q[1].x0);
}

static void test_utf8_decoding(void)
{
    const char *s = "A\xC3\xA9\xEC\x84\x9C\xF0\x9F\x98\x80";
    TW_CHECK(rn_utf8_next(&s) == 'A');
    TW_CHECK(rn_utf8_next(&s) == 0xE9);
    TW_CHECK(rn_utf8_next(&s) == 0xC11C);
    TW_CHECK(rn_utf8_next(&s) == 0x1F600);
    TW_CHECK(rn_utf8_next(&s) == 0);
    const char *bad[] = {
        "\xC0\xAF",         /* overlong '/' */
        "\xED\xA0\x80",     /* surrogate */
        "\xF4\x90\x80\x80", /* beyond U+10FFFF */
        "\x80",             /* stray continuation */
        "\xE2\x82",         /* truncated at the end */
        "\xFF",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *p = bad[i], *start = p;
        uint32_t c = rn_utf8_next(&p);
        TW_CHECK_MSG(c == 0xFFFD, "case %zu gave U+%04X", i, c);
        TW_CHECK(p > start && p <= start + strlen(start));
    }
}

static void test_full_atlas_starts_over(void)
{
    rn_font *small;
    TW_CHECK(rn_font_create(&(rn_font_desc){.atlas_size = 256}, &small) == TW_OK);
    if (!small) return;
    unsigned gen0 = rn_font_atlas_generation(small);
    rn_glyph g;
    for (uint32_t cp = 0xAC00; cp < 0xAC00 + 400; cp++) TW_CHECK(rn_font_glyph(small, cp, 40, &g));
    TW_CHECK(rn_font_atlas_generation(small) > gen0);
    TW_CHECK(rn_font_glyph(small, 0xBDC1, 40, &g) && g.advance > 0);
    rn_font_destroy(small);
}

static void test_missing_font_is_an_error(void)
{
    const char *paths[] = {"/no/such/font.ttf", NULL};
    rn_font *f = NULL;
    TW_CHECK(rn_font_create(&(rn_font_desc){.paths = paths}, &f) == TW_ERR_IO);
    TW_CHECK(f == NULL);
}

int main(void)
{
    tw_log_init(TW_LOG_LEVEL_COUNT);
    if (rn_font_create(NULL, &font) != TW_OK) TW_SKIP("no Hangul font (install fonts-nanum)");
    TW_RUN(test_rare_hangul_renders);
    TW_RUN(test_glyphs_differ);
    TW_RUN(test_measure_and_layout);
    TW_RUN(test_utf8_decoding);
    TW_RUN(test_full_atlas_starts_over);
    TW_RUN(test_missing_font_is_an_error);
    rn_font_destroy(font);
    return TW_TEST_END();
}
