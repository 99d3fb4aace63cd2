/* The triangulator's fast path: most building footprints are small convex
 * rings, fanned here without building the ear clipper's node lists. */
#include "tw_triangulate_int.h"

#include <stdbool.h>
#include <stdlib.h>

static double orient_xy(double ax, double ay, double bx, double by, double cx, double cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

static bool out_reserve(tw_tri_out *o, size_t more)
{
    if (o->index_count + more <= o->capacity) return true;
    size_t cap = o->capacity ? o->capacity * 2 : 96;
    while (cap < o->index_count + more) cap *= 2;
    uint32_t *p = realloc(o->indices, cap * sizeof *p);
    if (!p) return false;
    o->indices = p;
    o->capacity = cap;
    return true;
}

/* Most footprints are small convex rings: when points [start, end), without
 * repeats and a closing point, turn the same way at every vertex (none
 * straight) and their edges sweep round once (the x direction flips exactly
 * twice), the ring is simple and convex and a fan from its first point is
 * its triangulation. 1: done, 0: not such a ring, -1: out of memory. */
int tw_tri_fast_convex(const double *xy, int start, int end, tw_tri_out *out)
{
    if (end - start > TRI_FAST_MAX + 1) return 0;
    uint32_t idx[TRI_FAST_MAX + 1];
    int n = 0;
    for (int j = start; j < end; j++) {
        if (n > 0 && xy[2 * j] == xy[2 * idx[n - 1]] && xy[2 * j + 1] == xy[2 * idx[n - 1] + 1])
            continue;
        idx[n++] = (uint32_t)j;
    }
    if (n > 1 && xy[2 * idx[0]] == xy[2 * idx[n - 1]] &&
        xy[2 * idx[0] + 1] == xy[2 * idx[n - 1] + 1])
        n--;
    if (n < 3 || n > TRI_FAST_MAX) return 0;
    int turn = 0, flips = 0, last_dx = 0;
    for (int k = 0; k < n; k++) {
        const double *a = &xy[2 * idx[k]], *b = &xy[2 * idx[(k + 1) % n]],
                     *c = &xy[2 * idx[(k + 2) % n]];
        double o = orient_xy(a[0], a[1], b[0], b[1], c[0], c[1]);
        int t = (o > 0) - (o < 0);
        if (t == 0 || (turn && t != turn)) return 0;
        turn = t;
        int dx = (b[0] > a[0]) - (b[0] < a[0]);
        if (dx) {
            flips += last_dx && dx != last_dx;
            last_dx = dx;
        }
    }
    /* The wrap from the last edge with an x direction to the first. */
    for (int k = 0; k < n; k++) {
        int dx = (xy[2 * idx[(k + 1) % n]] > xy[2 * idx[k]]) -
                 (xy[2 * idx[(k + 1) % n]] < xy[2 * idx[k]]);
        if (dx) {
            flips += dx != last_dx;
            break;
        }
    }
    if (flips != 2) return 0;
    if (!out_reserve(out, 3 * (size_t)(n - 2))) return -1;
    uint32_t *o = out->indices + out->index_count;
    for (int k = 1; k + 1 < n; k++) {
        *o++ = idx[0];
        *o++ = idx[turn > 0 ? k : k + 1];
        *o++ = idx[turn > 0 ? k + 1 : k];
    }
    out->index_count += 3 * (size_t)(n - 2);
    return 1;
}
