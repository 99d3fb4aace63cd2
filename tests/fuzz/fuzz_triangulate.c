/* libFuzzer: bytes as rings for tw_triangulate. Raw inputs (odd values too:
 * NaN, infinities, huge, tiny, duplicates, a bad ring layout) must end with a
 * result code and, when TW_OK, triangles of valid, distinct indices; polygons
 * traced from grid cells (tests/unit/tri_grid.h) must also keep their exact
 * area, turned or not. */
#include "../unit/tri_grid.h"
#include "tw_triangulate.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned take(reader *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static double take_coord(reader *r)
{
    static const double odd[16] = {0,       -0.0,     1e300,    -1e300,   1e-300, DBL_MAX,
                                   DBL_MIN, 4.9e-324, 127.3,    37.5,     1e15,   -1e15,
                                   0.1,     NAN,      INFINITY, -INFINITY};
    unsigned kind = take(r);
    switch (kind >> 5) {
    case 0:
    case 1:
    case 2: /* small integers: collinear and repeated points */
        return (int)take(r) - 128;
    case 3:
        return (int)take(r) - 128 + take(r) / 256.0;
    case 4: { /* any double */
        uint64_t u = 0;
        for (int k = 0; k < 8; k++) u = u << 8 | take(r);
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    case 5:
        return odd[kind & 15];
    default: /* lon/lat-like */
        return 127 + (take(r) << 8 | take(r)) / 65536.0;
    }
}

static void check(const double *xy, int points, const tw_tri_out *out, tw_result r)
{
    if (r != TW_OK) {
        if (out->index_count != 0) abort(); /* an error leaves out as it was */
        return;
    }
    if (out->index_count % 3 || out->index_count / 3 > 3 * (size_t)points + 6) abort();
    for (size_t k = 0; k < out->index_count; k += 3) {
        const uint32_t *t = out->indices + k;
        for (int j = 0; j < 3; j++)
            if (t[j] >= (uint32_t)points) abort();
        if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) abort(); /* no area */
    }
    (void)xy;
}

static double area_of(const double *xy, const tw_tri_out *out)
{
    double sum = 0;
    for (size_t k = 0; k < out->index_count; k += 3) {
        const double *a = xy + 2 * out->indices[k], *b = xy + 2 * out->indices[k + 1],
                     *c = xy + 2 * out->indices[k + 2];
        sum += ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])) / 2;
    }
    return sum;
}

static void fuzz_grid(reader *r)
{
    static tri_grid_poly g;
    static double turned[sizeof g.xy / sizeof g.xy[0]];
    int w = 1 + (int)take(r) % TRI_GRID_MAX, h = 1 + (int)take(r) % TRI_GRID_MAX;
    uint8_t cells[TRI_GRID_MAX * TRI_GRID_MAX];
    for (int k = 0; k < w * h; k++) cells[k] = take(r) >> (k & 7) & 1;
    uint32_t pinch = take(r) | take(r) << 8 | take(r) << 16 | (uint32_t)take(r) << 24;
    unsigned flags = take(r), turn = take(r);
    tri_grid_trace(cells, w, h, pinch, flags, &g);
    if (g.outers != 1) return;
    tw_tri_out out = {0};
    tw_result res = tw_triangulate(g.xy, g.starts, g.rings, g.points, &out);
    check(g.xy, g.points, &out, res);
    if (res != TW_OK || area_of(g.xy, &out) != g.cells) abort();
    if (turn) {
        double ang = turn * 0.0246, sc = pow(10, -(int)(turn % 7)), c = cos(ang), s = sin(ang);
        double want = 0;
        for (int k = 0; k < g.points; k++) {
            turned[2 * k] = 127.3 + sc * (c * g.xy[2 * k] - s * g.xy[2 * k + 1]);
            turned[2 * k + 1] = 37.5 + sc * (s * g.xy[2 * k] + c * g.xy[2 * k + 1]);
        }
        for (int k = 0; k < g.rings; k++) {
            int end = k + 1 < g.rings ? g.starts[k + 1] : g.points;
            double a =
                fabs(tw_triangulate_signed_area(turned + 2 * g.starts[k], end - g.starts[k]));
            want += k ? -a : a;
        }
        out.index_count = 0;
        res = tw_triangulate(turned, g.starts, g.rings, g.points, &out);
        check(turned, g.points, &out, res);
        if (res != TW_OK || !(fabs(area_of(turned, &out) - want) <= 1e-9 * want)) abort();
    }
    tw_tri_out_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    unsigned mode = take(&r);
    if (mode & 1) {
        fuzz_grid(&r);
        return 0;
    }
    /* Raw: ring sizes first, then coordinates until the bytes run out. */
    int rings = 1 + (int)(mode >> 1) % 8, starts[8], points = 0;
    for (int k = 0; k < rings; k++) {
        unsigned b = take(&r);
        starts[k] = points;
        points += b & 0x80 ? (int)(b & 0x7f) * 16 : (int)b; /* up to 2032 */
    }
    if (mode & 0x80 && rings > 1) starts[1] = points + 1; /* a layout past the end */
    double *xy = malloc(2 * sizeof *xy * (size_t)(points + 1));
    if (!xy) return 0;
    for (int k = 0; k < 2 * points; k++) xy[k] = take_coord(&r);
    tw_tri_out out = {0};
    tw_result res = tw_triangulate(xy, starts, rings, points, &out);
    check(xy, points, &out, res);
    if (mode & 0x80 && rings > 1 && res != TW_ERR_ARG) abort();
    tw_tri_out_free(&out);
    free(xy);
    return 0;
}
