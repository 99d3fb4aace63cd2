/* Test polygons traced from a set of grid cells, for test_triangulate and
 * fuzz_triangulate: integer vertices and an exact area (the number of cells),
 * with the degenerate cases real boundaries have: collinear points, rings
 * that touch themselves, holes that touch the outer ring or each other. */
#ifndef TRI_GRID_H
#define TRI_GRID_H

#include <stdint.h>
#include <string.h>

enum { TRI_GRID_MAX = 16 };

enum {
    TRI_GRID_STRAIGHT = 1 << 0, /* keep points in the middle of straight runs */
    TRI_GRID_FLIP = 1 << 1,     /* reverse every other ring (either winding is valid input) */
};

typedef struct tri_grid_poly {
    double xy[2 * 4 * TRI_GRID_MAX * TRI_GRID_MAX];
    int starts[TRI_GRID_MAX * TRI_GRID_MAX];
    int rings, points;
    int outers; /* rings wound counter-clockwise as traced; ring 0 is one */
    int cells;  /* filled cells: the area */
} tri_grid_poly;

static int tri_grid_filled(const uint8_t *cells, int w, int h, int i, int j)
{
    return i >= 0 && j >= 0 && i < w && j < h && cells[j * w + i];
}

/* Traces the boundary of the filled cells (w, h <= TRI_GRID_MAX, row-major,
 * y up) into rings, the cells on their left. Where two cells meet only at a
 * corner the trace turns right (one ring touching itself) when bit
 * (vertex % 32) of pinch is set, else left (two rings touching). */
static void tri_grid_trace(const uint8_t *cells, int w, int h, uint32_t pinch, unsigned flags,
                           tri_grid_poly *out)
{
    static const int dx[4] = {1, 0, -1, 0}, dy[4] = {0, 1, 0, -1}; /* E N W S */
    uint8_t edges[(TRI_GRID_MAX + 1) * (TRI_GRID_MAX + 1)] = {0};  /* outgoing directions */
    int vw = w + 1;
    memset(out, 0, sizeof *out);
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            if (!tri_grid_filled(cells, w, h, i, j)) continue;
            out->cells++;
            if (!tri_grid_filled(cells, w, h, i, j - 1)) edges[j * vw + i] |= 1;
            if (!tri_grid_filled(cells, w, h, i + 1, j)) edges[j * vw + i + 1] |= 2;
            if (!tri_grid_filled(cells, w, h, i, j + 1)) edges[(j + 1) * vw + i + 1] |= 4;
            if (!tri_grid_filled(cells, w, h, i - 1, j)) edges[(j + 1) * vw + i] |= 8;
        }
    /* Rings as traced, then ring 0 swapped to the first counter-clockwise one. */
    int rx[4 * TRI_GRID_MAX * TRI_GRID_MAX], ry[4 * TRI_GRID_MAX * TRI_GRID_MAX];
    int rdir[4 * TRI_GRID_MAX * TRI_GRID_MAX], rstart[TRI_GRID_MAX * TRI_GRID_MAX + 1];
    long rarea[TRI_GRID_MAX * TRI_GRID_MAX];
    int n = 0, rings = 0;
    for (int v0 = 0; v0 < vw * (h + 1); v0++)
        while (edges[v0]) {
            int v = v0, d = 0;
            while (!(edges[v] >> d & 1)) d++;
            rstart[rings] = n;
            for (;;) {
                rx[n] = v % vw, ry[n] = v / vw, rdir[n] = d;
                n++;
                edges[v] &= (uint8_t) ~(1u << d);
                v += dx[d] + dy[d] * vw;
                int left = (d + 1) & 3, right = (d + 3) & 3, avail = edges[v];
                if (!avail) break;
                if ((avail >> left & 1) && (avail >> right & 1))
                    d = (pinch >> (v % 32) & 1) ? right : left;
                else
                    d = avail & 1 ? 0 : avail & 2 ? 1 : avail & 4 ? 2 : 3;
            }
            rarea[rings] = 0;
            for (int k = rstart[rings]; k < n; k++) {
                int j = k + 1 < n ? k + 1 : rstart[rings];
                rarea[rings] += (long)rx[k] * ry[j] - (long)rx[j] * ry[k];
            }
            rings++;
        }
    rstart[rings] = n;
    int first = -1;
    for (int r = 0; r < rings; r++)
        if (rarea[r] > 0) {
            out->outers++;
            if (first < 0) first = r;
        }
    for (int k = 0; k < rings; k++) {
        int r = k == 0 ? (first >= 0 ? first : 0) : (k == first ? 0 : k);
        int s = rstart[r], e = rstart[r + 1], len = e - s;
        out->starts[out->rings] = out->points;
        int flip = (flags & TRI_GRID_FLIP) && (k & 1);
        for (int m = 0; m < len; m++) {
            int p = s + (flip ? len - 1 - m : m);
            int prev = p > s ? p - 1 : e - 1;
            if (!(flags & TRI_GRID_STRAIGHT) && rdir[prev] == rdir[p]) continue;
            out->xy[2 * out->points] = rx[p];
            out->xy[2 * out->points + 1] = ry[p];
            out->points++;
        }
        out->rings++;
    }
}

#endif
