/* The triangulator's path for a small single ring (most building
 * footprints): a fan when it is convex, else the ear clipper of
 * tw_triangulate.c on flat arrays, with the ring's reflex and flat vertices
 * in a bit mask so that an ear test looks only at them (only they can block
 * an ear). It cuts the same ears in the same order as the general clipper;
 * a ring it cannot finish that way (two vertices at one point, or a lap
 * with no ear) is handed back untouched. */
#include "tw_triangulate_int.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Rings with more reflex vertices than this also sort them into slabs. */
#define TRI_SLAB_MIN 6
#define TRI_SLABS    16

typedef struct tri_small {
    double x[TRI_SMALL_MAX], y[TRI_SMALL_MAX];
    uint32_t id[TRI_SMALL_MAX]; /* input point */
    uint8_t prev[TRI_SMALL_MAX], next[TRI_SMALL_MAX];
    uint64_t reflex; /* bit k: vertex k turns right or goes straight */
    /* The ring's box cut into TRI_SLABS columns and as many rows: bit k of
     * xge[i] is set when vertex k's column is i or more, of xle[i] when it
     * is i or less (likewise for rows), so the vertices whose column and
     * row fall in an ear's range are one AND of four masks. Columns are a
     * monotone function of x, so no vertex in the ear's box is left out. */
    bool slabs;
    double minx, miny, sx, sy; /* column = (x - minx) * sx */
    uint64_t xge[TRI_SLABS], xle[TRI_SLABS], yge[TRI_SLABS], yle[TRI_SLABS];
} tri_small;

/* v lies in [lo, lo + TRI_SLABS / scale] (small_slabs), so f is in
 * [0, TRI_SLABS] give or take rounding; int, then an integer clamp: no
 * branch. */
static int slab_of(double v, double lo, double scale)
{
    int i = (int)((v - lo) * scale);
    return i < TRI_SLABS - 1 ? i : TRI_SLABS - 1;
}

/* False when the box is too large or too thin to cut (no slabs then). */
static bool small_slabs(tri_small *r, int n)
{
    double minx = r->x[0], miny = r->y[0], maxx = minx, maxy = miny;
    for (int k = 1; k < n; k++) {
        minx = r->x[k] < minx ? r->x[k] : minx;
        miny = r->y[k] < miny ? r->y[k] : miny;
        maxx = r->x[k] > maxx ? r->x[k] : maxx;
        maxy = r->y[k] > maxy ? r->y[k] : maxy;
    }
    double sx = TRI_SLABS / (maxx - minx), sy = TRI_SLABS / (maxy - miny);
    if (!(maxx > minx && maxy > miny && isfinite(maxx - minx) && isfinite(maxy - miny) &&
          isfinite(sx) && isfinite(sy)))
        return false;
    r->minx = minx;
    r->miny = miny;
    r->sx = sx;
    r->sy = sy;
    uint64_t colx[TRI_SLABS] = {0}, coly[TRI_SLABS] = {0};
    for (int k = 0; k < n; k++) {
        colx[slab_of(r->x[k], minx, r->sx)] |= 1ull << k;
        coly[slab_of(r->y[k], miny, r->sy)] |= 1ull << k;
    }
    uint64_t ax = 0, ay = 0, bx = 0, by = 0;
    for (int i = 0; i < TRI_SLABS; i++) {
        ax |= colx[i];
        ay |= coly[i];
        r->xle[i] = ax;
        r->yle[i] = ay;
        bx |= colx[TRI_SLABS - 1 - i];
        by |= coly[TRI_SLABS - 1 - i];
        r->xge[TRI_SLABS - 1 - i] = bx;
        r->yge[TRI_SLABS - 1 - i] = by;
    }
    return true;
}

static bool small_reflex(const tri_small *r, int k)
{
    int a = r->prev[k], c = r->next[k];
    return orient_xy(r->x[a], r->y[a], r->x[k], r->y[k], r->x[c], r->y[c]) <= 0;
}

/* Two vertices at one point: the ear test below does not handle them.
 * Open addressing on the coordinates' bits. */
static bool small_repeats(const tri_small *r, int n)
{
    uint8_t slot[4 * TRI_SMALL_MAX]; /* vertex + 1, 0 empty */
    const unsigned mask = 4 * TRI_SMALL_MAX - 1;
    memset(slot, 0, sizeof slot);
    for (int k = 0; k < n; k++) {
        uint64_t bx, by;
        memcpy(&bx, &r->x[k], sizeof bx);
        memcpy(&by, &r->y[k], sizeof by);
        /* Without the sign bits: 0 and -0 (equal) hash alike. */
        uint64_t h = ((bx << 1) ^ ((by << 1) * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
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
    /* The reflex bit is b's turn, kept up to date. */
    if (r->reflex >> b & 1) return false;
    int a = r->prev[b], c = r->next[b];
    uint64_t m = r->reflex & ~((1ull << a) | (1ull << c));
    if (!m) return true;
    double ax = r->x[a], ay = r->y[a], bx = r->x[b], by = r->y[b], cx = r->x[c], cy = r->y[c];
    double x0 = ax < bx ? ax : bx, y0 = ay < by ? ay : by;
    double x1 = ax > bx ? ax : bx, y1 = ay > by ? ay : by;
    x0 = cx < x0 ? cx : x0;
    y0 = cy < y0 ? cy : y0;
    x1 = cx > x1 ? cx : x1;
    y1 = cy > y1 ? cy : y1;
    if (r->slabs)
        m &= r->xge[slab_of(x0, r->minx, r->sx)] & r->xle[slab_of(x1, r->minx, r->sx)] &
             r->yge[slab_of(y0, r->miny, r->sy)] & r->yle[slab_of(y1, r->miny, r->sy)];
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

/* Coordinates below 2^500: no product in an area term overflows. */
#define TRI_AREA_EXP ((uint64_t)(1023 + 500) << 52)

/* tw_triangulate_signed_area of the ring without its repeated points, bit
 * for bit: a repeat only adds terms a*b - a*b, exactly 0 while nothing
 * overflows, and the rest are the same terms in the same order. */
static double small_area(const double *x, const double *y, int m)
{
    double x0 = x[0], y0 = y[0], sum = 0;
    for (int k = 1; k + 1 < m; k++)
        sum += (x[k] - x0) * (y[k + 1] - y0) - (x[k + 1] - x0) * (y[k] - y0);
    return sum / 2;
}

/* A strictly convex simple ring is fanned from its first point: when every
 * vertex turns the same way (none straight) and the edges sweep round once
 * (the x direction flips exactly twice). 1 done, 0 not such a ring, -1 out
 * of memory. x, y hold n + 2 points, the last two repeating the first. */
static int small_convex(const double *x, const double *y, const uint32_t *id, int n,
                        tw_tri_out *out)
{
    int turn = 0, flips = 0, last_dx = 0;
    for (int k = 0; k < n; k++) {
        double o = orient_xy(x[k], y[k], x[k + 1], y[k + 1], x[k + 2], y[k + 2]);
        int t = (o > 0) - (o < 0);
        if (t == 0 || (turn && t != turn)) return 0;
        turn = t;
        int dx = (x[k + 1] > x[k]) - (x[k + 1] < x[k]);
        if (dx) {
            flips += last_dx && dx != last_dx;
            last_dx = dx;
        }
    }
    /* The wrap from the last edge with an x direction to the first. */
    for (int k = 0; k < n; k++) {
        int dx = (x[k + 1] > x[k]) - (x[k + 1] < x[k]);
        if (dx) {
            flips += dx != last_dx;
            break;
        }
    }
    if (flips != 2) return 0;
    if (!out_reserve(out, 3 * (size_t)(n - 2))) return -1;
    uint32_t *o = out->indices + out->index_count;
    for (int k = 1; k + 1 < n; k++) {
        *o++ = id[0];
        *o++ = id[turn > 0 ? k : k + 1];
        *o++ = id[turn > 0 ? k + 1 : k];
    }
    out->index_count += 3 * (size_t)(n - 2);
    return 1;
}

int tw_tri_small(const double *xy, int start, int end, tw_tri_out *out)
{
    int len = end - start;
    if (len < 3 || len > TRI_SMALL_MAX + 1) return 0;
    /* The points without repeats, each run of equal ones kept as its first
     * and its last index, and whether the last equals the first. */
    double fx[TRI_SMALL_MAX + 4], fy[TRI_SMALL_MAX + 4];
    uint32_t first[TRI_SMALL_MAX + 2], last[TRI_SMALL_MAX + 2];
    int m = 0;
    uint64_t top = 0; /* the largest exponent field */
    for (int j = start; j < end; j++) {
        double x = xy[2 * (size_t)j], y = xy[2 * (size_t)j + 1];
        uint64_t bx, by;
        memcpy(&bx, &x, sizeof bx);
        memcpy(&by, &y, sizeof by);
        bx &= TRI_EXP_BITS;
        by &= TRI_EXP_BITS;
        top = bx > top ? bx : top;
        top = by > top ? by : top;
        if (m > 0 && fx[m - 1] == x && fy[m - 1] == y) {
            last[m - 1] = (uint32_t)j;
            continue;
        }
        fx[m] = x;
        fy[m] = y;
        first[m] = last[m] = (uint32_t)j;
        m++;
    }
    if (top == TRI_EXP_BITS) return -2; /* NaN or Inf */
    bool closed = m > 1 && fx[0] == fx[m - 1] && fy[0] == fy[m - 1];
    int n = m - closed;
    if (n < 3) return 1; /* no area: nothing to cut */
    if (n > TRI_SMALL_MAX) return 0;
    fx[n] = fx[0];
    fy[n] = fy[0];
    fx[n + 1] = fx[1];
    fy[n + 1] = fy[1];
    int done = small_convex(fx, fy, first, n, out);
    if (done) return done;

    /* As ring_build: counter-clockwise; backwards a run keeps its last
     * index and a closing point is the first run's. */
    double area = top < TRI_AREA_EXP ? small_area(fx, fy, m)
                                     : tw_triangulate_signed_area(xy + 2 * (size_t)start, len);
    if (!(area != 0) || !isfinite(area)) return 1;
    tri_small r;
    if (area > 0) {
        memcpy(r.x, fx, (size_t)n * sizeof *fx);
        memcpy(r.y, fy, (size_t)n * sizeof *fy);
        memcpy(r.id, first, (size_t)n * sizeof *first);
    } else {
        for (int k = 0; k < n; k++) {
            r.x[k] = fx[m - 1 - k];
            r.y[k] = fy[m - 1 - k];
            r.id[k] = last[m - 1 - k];
        }
    }
    if (small_repeats(&r, n)) return 0;
    r.reflex = 0;
    static const uint8_t seq[TRI_SMALL_MAX + 1] = {
        0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
        22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
        44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64};
    memcpy(r.next, seq + 1, (size_t)n - 1);
    r.next[n - 1] = 0;
    memcpy(r.prev + 1, seq, (size_t)n - 1);
    r.prev[0] = (uint8_t)(n - 1);
    for (int k = 0; k < n; k++) r.reflex |= (uint64_t)small_reflex(&r, k) << k;
    r.slabs = __builtin_popcountll(r.reflex) > TRI_SLAB_MIN;
    r.minx = r.miny = r.sx = r.sy = 0;
    if (r.slabs) r.slabs = small_slabs(&r, n);
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
