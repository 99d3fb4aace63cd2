/* Wall quads sent up as a triangle strip (rn_mesh_strip): the strip, read
 * as GL reads one (odd triangles with their first two swapped), gives the
 * list's triangles, each wound the same way, plus joins without area; the
 * rest of the list follows unchanged. Boxes are drawn with back faces
 * culled, so a strip wound the other way would show their inside. */
#include "rn_mesh.h"
#include "tw_test.h"

#include <stdlib.h>
#include <string.h>

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

/* What the building workers make (tw_mesh_pack16, TW_MESH_GPU16) is what
 * rn_mesh_make made of the list: the same strip and list, as uint16, ids
 * as uint16; unpacked, the list's triangles again (wound alike). */
static void test_pack16(void)
{
    uint32_t ix[200], n = 0;
    for (uint32_t i = 0; i < 5; i++) {
        uint32_t a = 2 * i, b = 2 * ((i + 1) % 5), q[6] = {a, b, b + 1, a, b + 1, a + 1};
        for (int k = 0; k < 6; k++) ix[n++] = q[k];
    }
    uint32_t roof[9] = {1, 3, 5, 1, 5, 7, 1, 7, 9};
    for (int k = 0; k < 9; k++) ix[n++] = roof[k];
    tw_mesh m = {.prim = TW_PRIM_TRIANGLES};
    TW_CHECK(tw_mesh_alloc(&m, 10, n, TW_MESH_IDS | TW_MESH_XY16) == TW_OK);
    if (!m.indices) return;
    memcpy(m.indices, ix, n * sizeof *ix);
    for (uint32_t v = 0; v < 10; v++) m.ids[v] = 6 + (v & 1), m.xy16[2 * v] = m.xy16[2 * v + 1] = 0;
    size_t list_bytes = tw_mesh_bytes(&m);
    TW_CHECK(tw_mesh_pack16(&m) == TW_OK);
    TW_CHECK((m.attrs & TW_MESH_GPU16) && m.ix16 && m.id16 && !m.indices && !m.ids);
    TW_CHECK(m.index_count == n);
    uint32_t want[200], strip = 0, list = 0;
    TW_CHECK(rn_mesh_strip(ix, n, want, &strip, &list));
    TW_CHECK_MSG(m.strip_count == strip && m.list_count == list, "%u + %u, not %u + %u",
                 m.strip_count, m.list_count, strip, list);
    int off = 0;
    for (uint32_t i = 0; i < strip + list; i++) off += m.ix16[i] != want[i];
    for (uint32_t v = 0; v < 10; v++) off += m.id16[v] != 6 + (v & 1);
    TW_CHECK_MSG(off == 0, "%d indices or ids differ from rn_mesh_make's", off);
    TW_CHECK(tw_mesh_bytes(&m) == 10 * (4 + 2) + (strip + list) * 2 &&
             tw_mesh_bytes(&m) < list_bytes);
    uint32_t back[200], ids[10];
    tw_mesh_unpack16(&m, back, ids);
    uint32_t(*a)[3] = malloc(n / 3 * sizeof *a), (*b)[3] = malloc(n / 3 * sizeof *b);
    for (uint32_t t = 0; t < n / 3; t++) canon(&ix[t * 3], a[t]), canon(&back[t * 3], b[t]);
    qsort(a, n / 3, sizeof *a, cmp_tri), qsort(b, n / 3, sizeof *b, cmp_tri);
    off = 0;
    for (uint32_t t = 0; t < n / 3; t++) off += cmp_tri(a[t], b[t]) != 0;
    TW_CHECK_MSG(off == 0, "%d unpacked triangles not the list's", off);
    free(a), free(b);
    tw_mesh_free(&m);
    /* 65,535 vertices or more: left as it is (rn_mesh_make converts it). */
    tw_mesh big = {.prim = TW_PRIM_TRIANGLES};
    TW_CHECK(tw_mesh_alloc(&big, 70000, 6, 0) == TW_OK);
    if (big.indices) memcpy(big.indices, ix, 6 * sizeof *ix);
    TW_CHECK(tw_mesh_pack16(&big) == TW_OK && big.indices && !big.ix16);
    tw_mesh_free(&big);
}

int main(void)
{
    TW_RUN(test_far_boxes);
    TW_RUN(test_walls_and_roof);
    TW_RUN(test_no_quads);
    TW_RUN(test_pack16);
    return TW_TEST_END();
}
