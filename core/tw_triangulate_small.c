/* The triangulator's path for a small single ring (most building
 * footprints): a fan when it is convex, else the ear clipper of
 * tw_triangulate.c on flat arrays, with the ring's reflex and flat vertices
 * in a bit mask so that an ear test looks only at them (only they can block
 * an ear), and the convex ones in another, so that the next ear to test is
 * found by a bit search, not by stepping over reflex vertices one by one.
 * It cuts the same ears in the same order as the general clipper;
 * a ring it cannot finish that way (two vertices at one point, or a lap
 * with no ear) is handed back untouched. */
#include "tw_triangulate_int.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Rings with more reflex vertices than this also sort them into slabs. */
#define TRI_SLAB_MIN 6
#define TRI_SLABS    32 /* 16 was 2 % slower on the real mix, 24 as 32 */

typedef struct tri_small {
    /* Room for a closing point and the two that wrap round after it. */
    double x[TRI_SMALL_MAX + 4], y[TRI_SMALL_MAX + 4];
    uint32_t id[TRI_SMALL_MAX + 2]; /* input point */
    uint8_t prev[TRI_SMALL_MAX], next[TRI_SMALL_MAX];
    uint64_t reflex; /* bit k: vertex k turns right or goes straight */
    /* The ring's box cut into TRI_SLABS columns and as many rows: bit k of
     * xlt[i] is set when vertex k's column is less than i (likewise for
     * rows), so the vertices whose column and row fall in an ear's range
     * [c0, c1] x [r0, r1] are xlt[c1 + 1] & ~xlt[c0] & the same for rows.
     * Columns are a monotone function of x, so no vertex in the ear's box
     * is left out. */
    bool slabs;
    double minx, miny, sx, sy; /* column = (x - minx) * sx */
    /* Each vertex's column and row: those of an ear's box are their least
     * and greatest over its corners (the slab function is monotone), so
     * the test converts no coordinate. */
    uint8_t col[TRI_SMALL_MAX], row[TRI_SMALL_MAX];
    uint64_t xlt[TRI_SLABS + 1], ylt[TRI_SLABS + 1];
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
        int cx = slab_of(r->x[k], minx, sx), cy = slab_of(r->y[k], miny, sy);
        r->col[k] = (uint8_t)cx;
        r->row[k] = (uint8_t)cy;
        colx[cx] |= 1ull << k;
        coly[cy] |= 1ull << k;
    }
    uint64_t ax = 0, ay = 0;
    r->xlt[0] = r->ylt[0] = 0;
    for (int i = 0; i < TRI_SLABS; i++) {
        ax |= colx[i];
        ay |= coly[i];
        r->xlt[i + 1] = ax;
        r->ylt[i + 1] = ay;
    }
    return true;
}

static bool small_reflex(const tri_small *r, int k)
{
    int a = r->prev[k], c = r->next[k];
    return orient_xy(r->x[a], r->y[a], r->x[k], r->y[k], r->x[c], r->y[c]) <= 0;
}

/* Two vertices at one point: the ear test below does not handle them.
 * Open addressing on the coordinates' bits, in a table kept per thread
 * whose slots are stamped with a call number: nothing to clear per ring. */
#define TRI_SLOTS 256
static _Thread_local struct {
    uint32_t call;            /* stamp of this call, in the high 24 bits */
    uint32_t slot[TRI_SLOTS]; /* stamp | vertex */
} tri_seen;

static bool small_repeats(const tri_small *r, int n)
{
    uint32_t call = tri_seen.call + 256;
    if (call == 0) { /* 2^24 calls: clear the old stamps */
        memset(tri_seen.slot, 0, sizeof tri_seen.slot);
        call = 256;
    }
    tri_seen.call = call;
    uint32_t *slot = tri_seen.slot;
    for (int k = 0; k < n; k++) {
        uint64_t bx, by;
        memcpy(&bx, &r->x[k], sizeof bx);
        memcpy(&by, &r->y[k], sizeof by);
        /* Without the sign bits: 0 and -0 (equal) hash alike. */
        uint64_t h = ((bx << 1) ^ ((by << 1) * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
        unsigned j = (unsigned)(h >> 56);
        while ((slot[j] & ~255u) == call) {
            int o = (int)(slot[j] & 255u);
            if (r->x[o] == r->x[k] && r->y[o] == r->y[k]) return true;
            j = (j + 1) & (TRI_SLOTS - 1);
        }
        slot[j] = call | (uint32_t)k;
    }
    return false;
}

/* Vertex k in the box (x0, y0)-(x1, y1) and in triangle a b c, edges
 * included. */
static inline int small_inside(const tri_small *r, int k, double ax, double ay, double bx,
                               double by, double cx, double cy, double x0, double y0, double x1,
                               double y1)
{
    double px = r->x[k], py = r->y[k];
    return (px >= x0) & (px <= x1) & (py >= y0) & (py <= y1) &
           (orient_xy(ax, ay, bx, by, px, py) >= 0) & (orient_xy(bx, by, cx, cy, px, py) >= 0) &
           (orient_xy(cx, cy, ax, ay, px, py) >= 0);
}

/* No other vertex that turns right or goes straight lies in the triangle
 * (a, b, c) of convex b and its neighbours, edges included; as ear_blocked
 * in tw_triangulate.c for a ring without repeated points. */
static bool small_is_ear(const tri_small *r, int a, int b, int c)
{
    uint64_t m = r->reflex & ~((1ull << a) | (1ull << c));
    double ax = r->x[a], ay = r->y[a], bx = r->x[b], by = r->y[b], cx = r->x[c], cy = r->y[c];
    double x0 = ax < bx ? ax : bx, y0 = ay < by ? ay : by;
    double x1 = ax > bx ? ax : bx, y1 = ay > by ? ay : by;
    x0 = cx < x0 ? cx : x0;
    y0 = cy < y0 ? cy : y0;
    x1 = cx > x1 ? cx : x1;
    y1 = cy > y1 ? cy : y1;
    if (r->slabs) {
        int ca = r->col[a], cb = r->col[b], cc = r->col[c];
        int ra = r->row[a], rb = r->row[b], rc = r->row[c];
        int c0 = ca < cb ? ca : cb, c1 = ca > cb ? ca : cb;
        int r0 = ra < rb ? ra : rb, r1 = ra > rb ? ra : rb;
        c0 = cc < c0 ? cc : c0;
        c1 = cc > c1 ? cc : c1;
        r0 = rc < r0 ? rc : r0;
        r1 = rc > r1 ? rc : r1;
        m &= r->xlt[c1 + 1] & ~r->xlt[c0] & r->ylt[r1 + 1] & ~r->ylt[r0];
    }
    /* The first two candidates without a branch (none, one or two is
     * anyone's guess; a missing one is the NaN vertex TRI_SMALL_MAX, in no
     * box), the rest, if any, in a loop. Bitwise tests: no branch but the
     * one that finds a vertex inside (rare). */
    uint64_t m2 = m & (m - 1);
    int k1 = m ? __builtin_ctzll(m) : TRI_SMALL_MAX;
    int k2 = m2 ? __builtin_ctzll(m2) : TRI_SMALL_MAX;
    m = m2 & (m2 - 1);
    int in1 = small_inside(r, k1, ax, ay, bx, by, cx, cy, x0, y0, x1, y1);
    int in2 = small_inside(r, k2, ax, ay, bx, by, cx, cy, x0, y0, x1, y1);
    if (in1 | in2) return false;
    for (; m; m &= m - 1)
        if (small_inside(r, __builtin_ctzll(m), ax, ay, bx, by, cx, cy, x0, y0, x1, y1))
            return false;
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

/* A ring whose vertices all turn one way (turn, none straight) is fanned
 * from its first point when the edges sweep round once: the x direction
 * flips exactly twice. 1 done, 0 not such a ring, -1 out of memory. x
 * holds n + 1 points, the last repeating the first. */
static int small_convex(const double *x, const uint32_t *id, int n, int turn, tw_tri_out *out)
{
    int flips = 0, last_dx = 0, first_dx = 0;
    for (int k = 0; k < n; k++) {
        int dx = (x[k + 1] > x[k]) - (x[k + 1] < x[k]);
        flips += (dx != 0) & (last_dx != 0) & (dx != last_dx);
        last_dx = dx ? dx : last_dx;
        first_dx = first_dx ? first_dx : dx;
    }
    /* The wrap from the last edge with an x direction to the first. */
    flips += (first_dx != 0) & (first_dx != last_dx);
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
     * and its last index, and whether the last equals the first. In the
     * same pass, as each point is kept, the turn at the one before and the
     * area term of the edge to it (the two that wrap round come after):
     * every vertex's turn, the edges' x directions and the area in one
     * pass over the points, in registers. The turns give the fan test, the
     * reflex mask of a counter-clockwise ring (the same products as
     * small_reflex) and its winding. Vertex k + 1 turns by orient(k, k + 1,
     * k + 2). */
    tri_small r;
    double *fx = r.x, *fy = r.y;
    uint32_t *first = r.id, last[TRI_SMALL_MAX + 2];
    int m = 0;
    uint64_t top = 0; /* the largest exponent field */
    double x0 = xy[2 * (size_t)start], y0 = xy[2 * (size_t)start + 1], sum = 0;
    double px = x0, py = y0, qx = 0, qy = 0; /* the last two points kept: q, p */
    uint64_t rt = 0, lt = 0; /* bit k: vertex k + 1 turns right (left) or goes straight */
    bool nan = false;        /* a turn overflowed: not convex */
    for (int j = start; j < end; j++) {
        double x = xy[2 * (size_t)j], y = xy[2 * (size_t)j + 1];
        uint64_t bx, by;
        memcpy(&bx, &x, sizeof bx);
        memcpy(&by, &y, sizeof by);
        bx &= TRI_EXP_BITS;
        by &= TRI_EXP_BITS;
        top = bx > top ? bx : top;
        top = by > top ? by : top;
        if (m > 0 && px == x && py == y) {
            last[m - 1] = (uint32_t)j;
            continue;
        }
        fx[m] = x;
        fy[m] = y;
        first[m] = last[m] = (uint32_t)j;
        if (m >= 2) {
            double o = orient_xy(qx, qy, px, py, x, y);
            rt |= (uint64_t)(o <= 0) << (m - 2);
            lt |= (uint64_t)(o >= 0) << (m - 2);
            nan |= o != o;
        }
        /* tw_triangulate_signed_area bit for bit (while no product can
         * overflow): a repeat there only adds a*b - a*b, exactly 0, the
         * rest are these terms in this order, and the two extra here are
         * exactly 0 too (the first, and past the last point fx[n] is
         * fx[0]). */
        if (m >= 1) sum += (px - x0) * (y - y0) - (x - x0) * (py - y0);
        qx = px;
        qy = py;
        px = x;
        py = y;
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
    /* The turns and the area term the pass could not see: with a closing
     * point the turn at it (vertex 0); without, the turns at the last
     * point and at the first, and the area term of the closing edge. */
    for (int k = n - 2 + closed; k < n; k++) {
        double o = orient_xy(fx[k], fy[k], fx[k + 1], fy[k + 1], fx[k + 2], fy[k + 2]);
        rt |= (uint64_t)(o <= 0) << k;
        lt |= (uint64_t)(o >= 0) << k;
        nan |= o != o;
    }
    if (!closed) sum += (fx[n - 1] - x0) * (fy[n] - y0) - (fx[n] - x0) * (fy[n - 1] - y0);

    /* Every vertex turning one way, none straight: a fan if it winds once. */
    if ((!rt || !lt) && !nan) {
        int done = small_convex(fx, first, n, rt ? -1 : 1, out);
        if (done) return done;
    }
    uint64_t all = n == 64 ? ~0ull : (1ull << n) - 1;

    /* As ring_build: counter-clockwise. A clockwise ring is not turned round
     * in memory but linked backwards, starting where the turned one would
     * (the last vertex, or the first when a closing point was dropped);
     * backwards a run keeps its last index and a closing point is the
     * first run's. Vertex k's turn is then orient(k + 1, k, k - 1), the
     * same products as in the turned ring. */
    double area =
        top < TRI_AREA_EXP ? sum / 2 : tw_triangulate_signed_area(xy + 2 * (size_t)start, len);
    if (!(area != 0) || !isfinite(area)) return 1;
    static const uint8_t seq[TRI_SMALL_MAX + 1] = {
        0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
        22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
        44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64};
    uint8_t *fwd = r.next, *back = r.prev;
    int ear = 0;
    if (area > 0) {
        r.reflex = ((rt << 1) | (rt >> (n - 1))) & all; /* bit v for vertex v */
    } else {
        if (m != len) memcpy(r.id, last, (size_t)n * sizeof *last); /* else first == last */
        if (closed) r.id[0] = last[m - 1];
        rt = 0;
        for (int k = 1; k <= n; k++) {
            double o = orient_xy(fx[k + 1], fy[k + 1], fx[k], fy[k], fx[k - 1], fy[k - 1]);
            rt |= (uint64_t)(o <= 0) << (k - 1);
        }
        r.reflex = ((rt << 1) | (rt >> (n - 1))) & all;
        fwd = r.prev;
        back = r.next;
        ear = closed ? 0 : n - 1;
    }
    if (small_repeats(&r, n)) return 0;
    /* Whole arrays, a size the compiler copies inline (the links past
     * vertex n - 1 are never read). */
    memcpy(fwd, seq + 1, TRI_SMALL_MAX);
    fwd[n - 1] = 0;
    memcpy(back + 1, seq, TRI_SMALL_MAX - 1);
    back[0] = (uint8_t)(n - 1);
    r.x[TRI_SMALL_MAX] = r.y[TRI_SMALL_MAX] = NAN; /* small_is_ear's "no vertex" */
    /* More than TRI_SLAB_MIN reflex vertices: as many lowest bits cleared
     * and some left (no popcount instruction in the baseline x86-64). */
    uint64_t few = r.reflex;
    for (int k = 0; k < TRI_SLAB_MIN; k++) few &= few - 1;
    r.slabs = few != 0;
    r.minx = r.miny = r.sx = r.sy = 0;
    if (r.slabs) r.slabs = small_slabs(&r, n);
    if (!out_reserve(out, 3 * (size_t)(n - 2))) return -1;

    /* clip_ring's loop: after a cut skip one vertex; a lap without an ear
     * needs the general clipper's repairs. A reflex vertex fails its test
     * at once and nothing changes until the next cut, so the vertices to
     * test are the convex ones not yet tried since the last cut (untried),
     * in ring order from ear: the next set bit upwards for a
     * counter-clockwise ring, downwards for one linked backwards. No test
     * per reflex vertex, and no branch on its turn (a coin toss). */
    size_t before = out->index_count;
    uint32_t *o = out->indices + before;
    int left = n;
    /* The last cut's two neighbours come last in ring order from where the
     * search goes on, so their new turns (tail) are looked at only when
     * nothing else is left: the next candidate does not wait for them. */
    uint64_t convex = all & ~r.reflex, untried = convex, tail = 0;
    while (left > 3) {
        uint64_t cand = untried ? untried : tail;
        if (!cand) return 0; /* out->index_count not moved yet: nothing to undo */
        int b;
        if (area > 0) {
            uint64_t on = cand & (~0ull << ear);
            b = __builtin_ctzll(on ? on : cand);
        } else {
            uint64_t on = cand & (~0ull >> (63 - ear));
            b = 63 - __builtin_clzll(on ? on : cand);
        }
        int a = r.prev[b], c = r.next[b];
        if (small_is_ear(&r, a, b, c)) {
            *o++ = r.id[a];
            *o++ = r.id[b];
            *o++ = r.id[c];
            r.next[a] = (uint8_t)c;
            r.prev[c] = (uint8_t)a;
            uint64_t ra = small_reflex(&r, a), rc = small_reflex(&r, c);
            r.reflex = (r.reflex & ~((1ull << a) | (1ull << c))) | ra << a | rc << c;
            convex = (convex & ~((1ull << a) | (1ull << b) | (1ull << c)));
            untried = convex;
            tail = (ra ^ 1) << a | (rc ^ 1) << c;
            convex |= tail;
            left--;
            ear = r.next[c];
            continue;
        }
        untried &= ~(1ull << b);
        tail &= ~(1ull << b);
        ear = b;
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
