/* Wall quads sent up as a triangle strip (rn_mesh_strip): the strip, read
 * as GL reads one (odd triangles with their first two swapped), gives the
 * list's triangles, each wound the same way, plus joins without area; the
 * rest of the list follows unchanged. Boxes are drawn with back faces
 * culled, so a strip wound the other way would show their inside. */
#include "rn_mesh.h"
#include "tw_test.h"

#include <stdlib.h>

/* A triangle as its smallest index first, the winding kept. */
static void canon(const uint32_t t[3], uint32_t out[3])
{
    int m = t[0] <= t[1] && t[0] <= t[2] ? 0 : t[1] <= t[2] ? 1 : 2;
    for (int k = 0; k < 3; k++) out[k] = t[(m + k) % 3];
}

static int cmp_tri(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
    return 0;
}

/* Checks that the strip of ix (count indices) holds exactly the list's
 * triangles, wound alike. */
static void check_strip(const char *what, const uint32_t *ix, uint32_t count, bool expect_strip)
{
    uint32_t *out = malloc(count * sizeof *out), strip = 0, list = 0;
    bool made = rn_mesh_strip(ix, count, out, &strip, &list);
    TW_CHECK_MSG(made == expect_strip, "%s: strip made %d", what, made);
    if (!made) return free(out);
    TW_CHECK_MSG(strip + list < count, "%s: %u + %u indices for %u", what, strip, list, count);
    uint32_t nt = count / 3, got_n = 0;
    uint32_t(*want)[3] = malloc(nt * sizeof *want),
    (*got)[3] = malloc((strip + list) * sizeof *got);
    for (uint32_t t = 0; t < nt; t++) canon(&ix[t * 3], want[t]);
    for (uint32_t i = 0; i + 2 < strip; i++) {
        uint32_t t[3] = {out[i], out[i + 1], out[i + 2]};
        if (i & 1) t[0] = out[i + 1], t[1] = out[i];
        if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) continue; /* a join */
        canon(t, got[got_n++]);
    }
    for (uint32_t i = 0; i + 2 < list; i += 3) canon(&out[strip + i], got[got_n++]);
    TW_CHECK_MSG(got_n == nt, "%s: %u triangles from the strip and list, %u in the list", what,
                 got_n, nt);
    qsort(want, nt, sizeof *want, cmp_tri);
    qsort(got, got_n, sizeof *got, cmp_tri);
    int off = 0;
    for (uint32_t t = 0; t < nt && t < got_n; t++) off += cmp_tri(want[t], got[t]) != 0;
    TW_CHECK_MSG(off == 0, "%s: %d triangles differ from the list's (or are wound the other way)",
                 what, off);
    free(want), free(got), free(out);
}

/* Two buildings' far boxes as geo_buildings_mesh.c makes them: corner k's
 * bottom at 2k, top at 2k + 1, four walls then the roof. */
static void test_far_boxes(void)
{
    static const uint32_t box[30] = {0, 2, 3, 0, 3, 1, 2, 4, 5, 2, 5, 3, 4, 6, 7,
                                     4, 7, 5, 6, 0, 1, 6, 1, 7, 1, 3, 5, 1, 5, 7};
    uint32_t ix[60];
    for (int k = 0; k < 60; k++) ix[k] = box[k % 30] + (k >= 30 ? 8 : 0);
    check_strip("far boxes", ix, 60, true);
}

/* Walls of a ring of 5 points and one of 3 (a hole), then roof triangles. */
static void test_walls_and_roof(void)
{
    uint32_t ix[200], n = 0;
    uint32_t rings[2][2] = {{0, 5}, {10, 3}};
    for (int r = 0; r < 2; r++)
        for (uint32_t i = 0; i < rings[r][1]; i++) {
            uint32_t a = rings[r][0] + 2 * i, b = rings[r][0] + 2 * ((i + 1) % rings[r][1]);
            uint32_t q[6] = {a, b, b + 1, a, b + 1, a + 1};
            for (int k = 0; k < 6; k++) ix[n++] = q[k];
        }
    uint32_t roof[9] = {1, 3, 5, 1, 5, 7, 1, 7, 9};
    for (int k = 0; k < 9; k++) ix[n++] = roof[k];
    check_strip("walls and roof", ix, n, true);
}

/* No wall quad (a roof alone): nothing to gain, no strip. */
static void test_no_quads(void)
{
    uint32_t ix[6] = {1, 3, 5, 1, 5, 7};
    check_strip("roof alone", ix, 6, false);
}

int main(void)
{
    TW_RUN(test_far_boxes);
    TW_RUN(test_walls_and_roof);
    TW_RUN(test_no_quads);
    return TW_TEST_END();
}
