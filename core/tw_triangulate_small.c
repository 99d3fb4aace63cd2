/* The triangulator's path for a small single ring (most building
 * footprints): the ear clipper of tw_triangulate.c on flat arrays, with the
 * ring's reflex and flat vertices in a bit mask so that an ear test looks
 * only at them (only they can block an ear). It cuts the same ears in the
 * same order as the general clipper; a ring it cannot finish that way (two
 * vertices at one point, or a lap with no ear) is handed back untouched. */
#include "tw_triangulate_int.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static double orient_xy(double ax, double ay, double bx, double by, double cx, double cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

typedef struct tri_small {
    double x[TRI_SMALL_MAX], y[TRI_SMALL_MAX];
    uint32_t id[TRI_SMALL_MAX]; /* input point */
    uint8_t prev[TRI_SMALL_MAX], next[TRI_SMALL_MAX];
    uint64_t reflex; /* bit k: vertex k turns right or goes straight */
} tri_small;

static bool small_reflex(const tri_small *r, int k)
{
    int a = r->prev[k], c = r->next[k];
    return orient_xy(r->x[a], r->y[a], r->x[k], r->y[k], r->x[c], r->y[c]) <= 0;
}

/* Two vertices at one point: the ear test below does not handle them.
 * Open addressing on the coordinates' bits (+0.0 makes -0 and 0 one key). */
static bool small_repeats(const tri_small *r, int n)
{
    uint8_t slot[4 * TRI_SMALL_MAX]; /* vertex + 1, 0 empty */
    const unsigned mask = 4 * TRI_SMALL_MAX - 1;
    memset(slot, 0, sizeof slot);
    for (int k = 0; k < n; k++) {
        double x = r->x[k] + 0.0, y = r->y[k] + 0.0;
        uint64_t bx, by;
        memcpy(&bx, &x, sizeof bx);
        memcpy(&by, &y, sizeof by);
        uint64_t h = (bx ^ (by * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
        unsigned j = (unsigned)(h >> 50) & mask;
        while (slot[j]) {
            int o = slot[j] - 1;
            if (r->x[o] == r->x[k] && r->y[o] == r->y[k]) return true;
            j = (j + 1) & mask;
        }
        slot[j] = (uint8_t)(k + 1);
    }
    return false;
}

/* No other vertex that turns right or goes straight lies in the triangle
 * (prev, b, next), edges included; as ear_blocked in tw_triangulate.c for a
 * ring without repeated points. */
static bool small_is_ear(const tri_small *r, int b)
{
    int a = r->prev[b], c = r->next[b];
    double ax = r->x[a], ay = r->y[a], bx = r->x[b], by = r->y[b], cx = r->x[c], cy = r->y[c];
    if (orient_xy(ax, ay, bx, by, cx, cy) <= 0) return false;
    uint64_t m = r->reflex & ~((1ull << a) | (1ull << c));
    if (!m) return true;
    double x0 = ax < bx ? ax : bx, y0 = ay < by ? ay : by;
    double x1 = ax > bx ? ax : bx, y1 = ay > by ? ay : by;
    x0 = cx < x0 ? cx : x0;
    y0 = cy < y0 ? cy : y0;
    x1 = cx > x1 ? cx : x1;
    y1 = cy > y1 ? cy : y1;
    while (m) {
        int k = __builtin_ctzll(m);
        m &= m - 1;
        double px = r->x[k], py = r->y[k];
        /* Bitwise: one branch, rarely taken. */
        if (!((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1))) continue;
        if (orient_xy(ax, ay, bx, by, px, py) >= 0 && orient_xy(bx, by, cx, cy, px, py) >= 0 &&
            orient_xy(cx, cy, ax, ay, px, py) >= 0)
            return false;
    }
    return true;
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

int tw_tri_small(const double *xy, int start, int end, tw_tri_out *out)
{
    int len = end - start;
    if (len < 3 || len > TRI_SMALL_MAX) return 0;
    /* As ring_build: counter-clockwise, without repeats or a closing point. */
    double area = tw_triangulate_signed_area(xy + 2 * (size_t)start, len);
    if (!(area != 0) || !isfinite(area)) return 1; /* no area: nothing to cut */
    bool reverse = area < 0;
    tri_small r;
    int n = 0;
    for (int k = 0; k < len; k++) {
        int j = start + (reverse ? len - 1 - k : k);
        double x = xy[2 * (size_t)j], y = xy[2 * (size_t)j + 1];
        if (n > 0 && r.x[n - 1] == x && r.y[n - 1] == y) continue;
        r.x[n] = x;
        r.y[n] = y;
        r.id[n] = (uint32_t)j;
        n++;
    }
    if (n > 1 && r.x[0] == r.x[n - 1] && r.y[0] == r.y[n - 1]) n--;
    if (n < 3) return 1;
    if (small_repeats(&r, n)) return 0;
    r.reflex = 0;
    for (int k = 0; k < n; k++) {
        r.prev[k] = (uint8_t)(k > 0 ? k - 1 : n - 1);
        r.next[k] = (uint8_t)(k + 1 < n ? k + 1 : 0);
    }
    for (int k = 0; k < n; k++) r.reflex |= (uint64_t)small_reflex(&r, k) << k;
    if (!out_reserve(out, 3 * (size_t)(n - 2))) return -1;

    /* clip_ring's loop: after a cut skip one vertex; a lap without an ear
     * needs the general clipper's repairs. */
    size_t before = out->index_count;
    uint32_t *o = out->indices + before;
    int ear = 0, fails = 0, left = n;
    while (left > 3) {
        int a = r.prev[ear], c = r.next[ear];
        if (small_is_ear(&r, ear)) {
            *o++ = r.id[a];
            *o++ = r.id[ear];
            *o++ = r.id[c];
            r.next[a] = (uint8_t)c;
            r.prev[c] = (uint8_t)a;
            r.reflex &= ~(1ull << ear);
            r.reflex = (r.reflex & ~(1ull << a)) | (uint64_t)small_reflex(&r, a) << a;
            r.reflex = (r.reflex & ~(1ull << c)) | (uint64_t)small_reflex(&r, c) << c;
            left--;
            ear = r.next[c];
            fails = 0;
            continue;
        }
        ear = c;
        if (++fails < left) continue;
        return 0; /* out->index_count not moved yet: nothing to undo */
    }
    int a = r.prev[ear], c = r.next[ear];
    if (orient_xy(r.x[a], r.y[a], r.x[ear], r.y[ear], r.x[c], r.y[c]) > 0) {
        *o++ = r.id[a];
        *o++ = r.id[ear];
        *o++ = r.id[c];
    }
    out->index_count = (size_t)(o - out->indices);
    return 1;
}
