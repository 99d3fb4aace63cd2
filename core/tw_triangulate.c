/* Ear clipping with holes. Rings become doubly linked lists of nodes, the
 * outer ring counter-clockwise and holes clockwise, so the polygon's interior
 * is always on the left. Each hole, rightmost first, is bridged to a vertex of
 * the merged ring that it can see; then ears are cut until three nodes are
 * left. A ring with no ear is not simple: we drop degenerate nodes, untwist
 * local crossings, split the ring along a diagonal, and last cut the least bad
 * ear. Work budgets cap the quadratic parts; past them only convex vertices
 * are cut, which is linear. Nodes live in one array and link by index. */
#include "tw_triangulate.h"
#include "tw_triangulate_int.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Rings up to this size test ears by walking the ring, not the z-order list. */
#define TRI_HASH_MIN 64
/* Work units (nodes visited, a few ns each) allowed per call. Real outlines
 * use far less (a 20,000-point star about 640 per node); a 20,000-point comb
 * of 1000:1 teeth, where every ear test sees most of the ring, about 3000. */
#define TRI_BUDGET_BASE     20000000LL
#define TRI_BUDGET_PER_NODE 5000LL
/* Of which on rings with no ear (laps that found none, and their repair):
 * simple rings need next to none, a mess of crossings would take it all. */
#define TRI_REPAIR_BASE     1000000LL
#define TRI_REPAIR_PER_NODE 200LL
int tri_node_new(tri_state *s, double x, double y, uint32_t i)
{
    if (s->count == s->cap) {
        if (s->cap > INT32_MAX / 2) {
            s->err = TW_ERR_TOOBIG;
            return -1;
        }
        int cap = s->cap * 2;
        bool local = s->nodes == s->local_nodes;
        tri_node *n = realloc(local ? NULL : s->nodes, (size_t)cap * sizeof *n);
        if (!n) {
            s->err = TW_ERR_NOMEM;
            return -1;
        }
        if (local) memcpy(n, s->nodes, (size_t)s->count * sizeof *n);
        s->nodes = n;
        s->cap = cap;
    }
    int k = s->count++;
    s->nodes[k] =
        (tri_node){.x = x, .y = y, .i = i, .prev = k, .next = k, .prevz = -1, .nextz = -1};
    return k;
}

void tri_node_remove(tri_state *s, int k)
{
    tri_node *p = &s->nodes[k];
    s->nodes[p->prev].next = p->next;
    s->nodes[p->next].prev = p->prev;
    if (p->prevz >= 0) s->nodes[p->prevz].nextz = p->nextz;
    if (p->nextz >= 0) s->nodes[p->nextz].prevz = p->prevz;
}

/* Links a to b by a pair of coincident edges: a -> b -> ... -> b' -> a' -> (a's
 * old next). Bridges a hole (b in another ring) or splits a ring in two (a
 * then keeps one part, b' the other). Returns b' or -1. */
static int node_split(tri_state *s, int a, int b)
{
    int a2 = tri_node_new(s, s->nodes[a].x, s->nodes[a].y, s->nodes[a].i);
    int b2 = tri_node_new(s, s->nodes[b].x, s->nodes[b].y, s->nodes[b].i);
    if (a2 < 0 || b2 < 0) return -1;
    tri_node *n = s->nodes;
    n[a2].z = n[a].z;
    n[b2].z = n[b].z;
    int an = n[a].next, bp = n[b].prev;
    n[a].next = b;
    n[b].prev = a;
    n[a2].next = an;
    n[an].prev = a2;
    n[b2].next = a2;
    n[a2].prev = b2;
    n[bp].next = b2;
    n[b2].prev = bp;
    return b2;
}

static inline __attribute__((always_inline)) bool emit(tri_state *s, int a, int b, int c)
{
    tw_tri_out *o = s->out;
    if (o->index_count + 3 > o->capacity) {
        size_t cap = o->capacity ? o->capacity * 2 : 96;
        uint32_t *p = realloc(o->indices, cap * sizeof *p);
        if (!p) {
            s->err = TW_ERR_NOMEM;
            return false;
        }
        o->indices = p;
        o->capacity = cap;
    }
    o->indices[o->index_count++] = s->nodes[a].i;
    o->indices[o->index_count++] = s->nodes[b].i;
    o->indices[o->index_count++] = s->nodes[c].i;
    return true;
}

static int sign(double v)
{
    return (v > 0) - (v < 0);
}

static bool on_segment(const tri_node *p, const tri_node *q, const tri_node *r)
{
    return r->x >= fmin(p->x, q->x) && r->x <= fmax(p->x, q->x) && r->y >= fmin(p->y, q->y) &&
           r->y <= fmax(p->y, q->y);
}

/* Segments p1-p2 and q1-q2 cross or touch. */
static bool segments_meet(const tri_node *p1, const tri_node *p2, const tri_node *q1,
                          const tri_node *q2)
{
    int o1 = sign(orient(p1, p2, q1)), o2 = sign(orient(p1, p2, q2));
    int o3 = sign(orient(q1, q2, p1)), o4 = sign(orient(q1, q2, p2));
    if (o1 != o2 && o3 != o4) return true;
    return (o1 == 0 && on_segment(p1, p2, q1)) || (o2 == 0 && on_segment(p1, p2, q2)) ||
           (o3 == 0 && on_segment(q1, q2, p1)) || (o4 == 0 && on_segment(q1, q2, p2));
}

/* Segments p1-p2 and q1-q2 cross at a point inside both. */
static bool segments_cross(const tri_node *p1, const tri_node *p2, const tri_node *q1,
                           const tri_node *q2)
{
    int o1 = sign(orient(p1, p2, q1)), o2 = sign(orient(p1, p2, q2));
    int o3 = sign(orient(q1, q2, p1)), o4 = sign(orient(q1, q2, p2));
    return o1 * o2 < 0 && o3 * o4 < 0;
}

/* 15 bits of each scaled coordinate, interleaved. Monotone in x and in y, so
 * a box's keys lie between the keys of its corners. */
static inline __attribute__((always_inline)) uint32_t zkey(const tri_state *s, double x,
                                                            double y)
{
    double fx = (x - s->minx) * s->inv, fy = (y - s->miny) * s->inv;
    uint32_t v[2];
    double f[2] = {fx, fy};
    for (int k = 0; k < 2; k++) {
        uint32_t u = f[k] >= 0 ? (f[k] < 32767 ? (uint32_t)f[k] : 32767) : 0; /* NaN -> 0 */
        u = (u | (u << 8)) & 0x00FF00FFu;
        u = (u | (u << 4)) & 0x0F0F0F0Fu;
        u = (u | (u << 2)) & 0x33333333u;
        u = (u | (u << 1)) & 0x55555555u;
        v[k] = u;
    }
    return v[0] | (v[1] << 1);
}

/* Sorts keys[0, m) ascending; tmp holds m more. Bottom-up merge sort on
 * plain integers, branchless merge steps: qsort's callback per comparison
 * cost more than the ears on a ring of a hundred points. */
static void sort_keys(uint64_t *keys, uint64_t *tmp, int m)
{
    for (int i = 1; i < m; i++) { /* runs of 4, by insertion */
        uint64_t v = keys[i];
        int j = i;
        for (; j > (i & ~3) && keys[j - 1] > v; j--) keys[j] = keys[j - 1];
        keys[j] = v;
    }
    uint64_t *src = keys, *dst = tmp;
    for (int w = 4; w < m; w *= 2) {
        for (int lo = 0; lo < m; lo += 2 * w) {
            int mid = lo + w < m ? lo + w : m, hi = lo + 2 * w < m ? lo + 2 * w : m;
            int a = lo, b = mid, o = lo;
            while (a < mid && b < hi) {
                uint64_t x = src[a], y = src[b];
                bool right = y < x;
                dst[o++] = right ? y : x;
                a += !right;
                b += right;
            }
            while (a < mid) dst[o++] = src[a++];
            while (b < hi) dst[o++] = src[b++];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != keys) memcpy(keys, src, (size_t)m * sizeof *keys);
}

/* Links the ring's n nodes in z order (or unlinks them when hash is false) so
 * that no link points into another ring. */
static bool z_index(tri_state *s, int start, int n, bool hash)
{
    if (!hash) {
        int p = start;
        do {
            s->nodes[p].prevz = s->nodes[p].nextz = -1;
            p = s->nodes[p].next;
        } while (p != start);
        return true;
    }
    if (n > s->keys_cap) {
        uint64_t *k = realloc(s->keys, 2 * (size_t)n * sizeof *k);
        if (!k) {
            s->err = TW_ERR_NOMEM;
            return false;
        }
        s->keys = k;
        s->keys_cap = n;
    }
    int m = 0, p = start;
    do {
        tri_node *v = &s->nodes[p];
        v->z = zkey(s, v->x, v->y);
        /* By key, then by node (p >= 0): the order qsort gave before. */
        s->keys[m++] = (uint64_t)v->z << 32 | (uint32_t)p;
        p = v->next;
    } while (p != start && m < n);
    sort_keys(s->keys, s->keys + m, m);
    for (int k = 0; k < m; k++) {
        tri_node *v = &s->nodes[(uint32_t)s->keys[k]];
        v->prevz = k > 0 ? (int)(uint32_t)s->keys[k - 1] : -1;
        v->nextz = k + 1 < m ? (int)(uint32_t)s->keys[k + 1] : -1;
    }
    s->work += m;
    return true;
}

/* d lies on the ray from o through t (within that tolerance). */
static bool along(const tri_node *o, const tri_node *t, const tri_node *d)
{
    return tri_side_xy(o->x, o->y, t->x, t->y, d->x, d->y) == 0 &&
           (t->x - o->x) * (d->x - o->x) + (t->y - o->y) * (d->y - o->y) > 0;
}

typedef struct tri_ear {
    const tri_node *a, *b, *c;
    int ia, ic;
    double x0, y0, x1, y1; /* bounding box */
} tri_ear;

/* Does node p keep (a, b, c) from being an ear? Only reflex or flat vertices
 * inside can (if any vertex is inside, the one farthest from a-c is reflex).
 * Points at a or c are skipped: an edge from there into the triangle ends at
 * a vertex inside it. A point at b blocks when one of its edges enters the
 * ear's angle or its edges cover both sides; the two copies of a bridge
 * vertex pass. */
static bool ear_blocked(const tri_state *s, const tri_ear *e, int k)
{
    const tri_node *p = &s->nodes[k];
    if (k == e->ia || k == e->ic) return false;
    if (p->x < e->x0 || p->x > e->x1 || p->y < e->y0 || p->y > e->y1) return false;
    if (same(p, e->a) || same(p, e->c)) return false;
    const tri_node *pp = &s->nodes[p->prev], *pn = &s->nodes[p->next];
    if (same(p, e->b)) {
        if ((orient(e->a, e->b, pp) > 0 && orient(e->b, e->c, pp) > 0) ||
            (orient(e->a, e->b, pn) > 0 && orient(e->b, e->c, pn) > 0))
            return true;
        /* Edges along both sides: the ring doubles back over the ear. */
        return (along(e->b, e->a, pp) && along(e->b, e->c, pn)) ||
               (along(e->b, e->c, pp) && along(e->b, e->a, pn));
    }
    if (orient(e->a, e->b, p) < 0 || orient(e->b, e->c, p) < 0 || orient(e->c, e->a, p) < 0)
        return false;
    return orient(pp, p, pn) <= 0;
}

static bool is_ear(tri_state *s, int b, bool hashed)
{
    const tri_node *n = s->nodes, *B = &n[b];
    tri_ear e = {.a = &n[B->prev], .b = B, .c = &n[B->next], .ia = B->prev, .ic = B->next};
    s->work++;
    if (orient(e.a, e.b, e.c) <= 0) return false;
    /* Plain comparisons: fmin/fmax are library calls here (NaN rules). */
    e.x0 = e.a->x < B->x ? e.a->x : B->x;
    e.x0 = e.c->x < e.x0 ? e.c->x : e.x0;
    e.y0 = e.a->y < B->y ? e.a->y : B->y;
    e.y0 = e.c->y < e.y0 ? e.c->y : e.y0;
    e.x1 = e.a->x > B->x ? e.a->x : B->x;
    e.x1 = e.c->x > e.x1 ? e.c->x : e.x1;
    e.y1 = e.a->y > B->y ? e.a->y : B->y;
    e.y1 = e.c->y > e.y1 ? e.c->y : e.y1;
    if (hashed) {
        uint32_t z0 = zkey(s, e.x0, e.y0), z1 = zkey(s, e.x1, e.y1);
        /* The box first, inline: most nodes in the key range are outside
         * it, and ear_blocked is a call. */
        for (int p = B->prevz; p >= 0 && n[p].z >= z0; p = n[p].prevz) {
            const tri_node *P = &n[p];
            s->work++;
            if (P->x < e.x0 || P->x > e.x1 || P->y < e.y0 || P->y > e.y1) continue;
            if (ear_blocked(s, &e, p)) return false;
        }
        for (int p = B->nextz; p >= 0 && n[p].z <= z1; p = n[p].nextz) {
            const tri_node *P = &n[p];
            s->work++;
            if (P->x < e.x0 || P->x > e.x1 || P->y < e.y0 || P->y > e.y1) continue;
            if (ear_blocked(s, &e, p)) return false;
        }
    } else {
        int steps = 0;
        for (int p = e.c->next; p != e.ia; p = n[p].next) {
            steps++;
            const tri_node *P = &n[p];
            if (P->x < e.x0 || P->x > e.x1 || P->y < e.y0 || P->y > e.y1) continue;
            if (ear_blocked(s, &e, p)) {
                s->work += steps;
                return false;
            }
        }
        s->work += steps;
    }
    return true;
}

/* Removes repeated and collinear nodes (spikes included). Returns a node of
 * what is left, -1 when fewer than 3 remain. */
static int filter_ring(tri_state *s, int p, int *n)
{
    int clean = 0;
    while (*n >= 3 && clean < *n) {
        s->work++;
        const tri_node *v = &s->nodes[p], *a = &s->nodes[v->prev], *b = &s->nodes[v->next];
        if (same(v, b) || same(v, a) || orient(a, v, b) == 0) {
            int back = v->prev;
            tri_node_remove(s, p);
            (*n)--;
            p = back;
            clean = 0;
        } else {
            p = v->next;
            clean++;
        }
    }
    return *n >= 3 ? p : -1;
}

/* Untwists a -> p -> q -> r where a-p crosses q-r: cuts triangle a p r and
 * drops p and q. One lap. */
static int cure_ring(tri_state *s, int p, int *n)
{
    int steps = 0;
    while (*n > 3 && steps < *n) {
        s->work++;
        const tri_node *v = &s->nodes[p];
        int a = v->prev, q = v->next, r = s->nodes[q].next;
        const tri_node *A = &s->nodes[a], *Q = &s->nodes[q], *R = &s->nodes[r];
        if (!same(A, R) && segments_cross(A, v, Q, R) && tri_locally_inside(s, a, R->x, R->y) &&
            tri_locally_inside(s, r, A->x, A->y)) {
            if (orient(A, v, R) > 0 && !emit(s, a, p, r)) return -1;
            tri_node_remove(s, p);
            tri_node_remove(s, q);
            *n -= 2;
            p = r;
            steps = 0;
        } else {
            p = q;
            steps++;
        }
    }
    return *n >= 3 ? p : -1;
}

/* Even-odd test of (x, y) against the ring holding start. */
static bool ring_contains(tri_state *s, int start, double x, double y)
{
    bool in = false;
    int p = start;
    do {
        const tri_node *a = &s->nodes[p], *b = &s->nodes[a->next];
        if ((a->y > y) != (b->y > y) && x < (b->x - a->x) * (y - a->y) / (b->y - a->y) + a->x)
            in = !in;
        s->work++;
        p = a->next;
    } while (p != start);
    return in;
}

/* a-b runs inside the ring and meets no edge but those at its ends. */
static bool valid_diagonal(tri_state *s, int a, int b)
{
    const tri_node *A = &s->nodes[a], *B = &s->nodes[b];
    if (A->next == b || A->prev == b || same(A, B)) return false;
    if (!tri_locally_inside(s, a, B->x, B->y) || !tri_locally_inside(s, b, A->x, A->y))
        return false;
    int p = a;
    do {
        const tri_node *P = &s->nodes[p], *Q = &s->nodes[P->next];
        s->work++;
        if (!same(P, A) && !same(P, B) && !same(Q, A) && !same(Q, B) && segments_meet(P, Q, A, B))
            return false;
        p = P->next;
    } while (p != a);
    return ring_contains(s, a, (A->x + B->x) / 2, (A->y + B->y) / 2);
}

static bool push_ring(tri_state *s, int node)
{
    if (s->stack_count == s->stack_cap) {
        int cap = s->stack_cap * 2;
        bool local = s->stack == s->local_stack;
        int *p = realloc(local ? NULL : s->stack, (size_t)cap * sizeof *p);
        if (!p) {
            s->err = TW_ERR_NOMEM;
            return false;
        }
        if (local) memcpy(p, s->stack, (size_t)s->stack_count * sizeof *p);
        s->stack = p;
        s->stack_cap = cap;
    }
    s->stack[s->stack_count++] = node;
    return true;
}

/* Splits the ring along the first valid diagonal and queues both parts;
 * gives up when the work count passes limit. */
static bool split_ring(tri_state *s, int start, long long limit)
{
    int a = start;
    do {
        for (int b = s->nodes[s->nodes[a].next].next; b != s->nodes[a].prev; b = s->nodes[b].next) {
            if (++s->work > limit) return false;
            if (!valid_diagonal(s, a, b)) continue;
            int b2 = node_split(s, a, b);
            return b2 >= 0 && push_ring(s, a) && push_ring(s, b2);
        }
        a = s->nodes[a].next;
    } while (a != start);
    return false;
}

/* No ear and no split: cut the convex vertex whose triangle is smallest, the
 * least area wrongly filled. Returns a node of the rest, -1 if nothing
 * convex is left (the rest turns the wrong way and is dropped). */
static int force_clip(tri_state *s, int start, int *n)
{
    int best = -1, p = start;
    double best_area = HUGE_VAL;
    do {
        const tri_node *v = &s->nodes[p];
        double o = orient(&s->nodes[v->prev], v, &s->nodes[v->next]);
        if (o > 0 && o < best_area) {
            best = p;
            best_area = o;
        }
        s->work++;
        p = v->next;
    } while (p != start);
    if (best < 0) return -1;
    int a = s->nodes[best].prev, c = s->nodes[best].next;
    if (!emit(s, a, best, c)) return -1;
    tri_node_remove(s, best);
    (*n)--;
    return c;
}

/* Over budget: cut convex vertices without looking inside, stepping back
 * after each cut; ends after a lap with no cut. Linear. */
static int hurry_clip(tri_state *s, int p, int *n)
{
    int idle = 0;
    while (*n > 3 && idle < *n) {
        const tri_node *v = &s->nodes[p];
        int a = v->prev, c = v->next;
        if (orient(&s->nodes[a], v, &s->nodes[c]) > 0) {
            if (!emit(s, a, p, c)) return -1;
            tri_node_remove(s, p);
            (*n)--;
            p = a;
            idle = 0;
        } else {
            p = c;
            idle++;
        }
    }
    return *n == 3 ? p : -1;
}

static int ring_size(tri_state *s, int start)
{
    int n = 0, p = start;
    do {
        n++;
        p = s->nodes[p].next;
    } while (p != start);
    s->work += n;
    return n;
}

/* Clips one ring; a split queues its parts instead. */
static void clip_ring(tri_state *s, int ear)
{
    int n = ring_size(s, ear);
    if (n < 3) return;
    bool hashed = s->inv > 0 && n > TRI_HASH_MIN;
    if (!z_index(s, ear, n, hashed)) return;
    int pass = 0, fails = 0;
    long long since = s->work; /* since the last ear or repair */
    while (n > 3 && ear >= 0) {
        if (s->work > s->budget || s->repair > s->repair_budget) {
            ear = hurry_clip(s, ear, &n);
            break;
        }
        int a = s->nodes[ear].prev, c = s->nodes[ear].next;
        if (is_ear(s, ear, hashed)) {
            if (!emit(s, a, ear, c)) return;
            tri_node_remove(s, ear);
            n--;
            ear = s->nodes[c].next; /* skipping one gives fewer slivers than a fan */
            fails = 0;
            since = s->work;
            continue;
        }
        ear = c;
        if (++fails < n) continue;
        /* A lap without an ear. Degenerate nodes first, at every stage: a
         * zero-area leftover must vanish, not be force-clipped. */
        fails = 0;
        int had = n;
        ear = filter_ring(s, ear, &n);
        if (ear >= 0 && n == had) {
            if (pass == 0) {
                ear = cure_ring(s, ear, &n);
                if (ear >= 0) ear = filter_ring(s, ear, &n);
                pass = 1;
            } else {
                long long left = s->repair_budget - s->repair - (s->work - since);
                if (split_ring(s, ear, s->work + (left > 0 ? left : 0))) {
                    s->repair += s->work - since;
                    return;
                }
                if (s->err) return;
                ear = force_clip(s, ear, &n);
                pass = 0;
            }
        }
        s->repair += s->work - since;
        since = s->work;
    }
    if (ear >= 0 && n == 3) {
        int a = s->nodes[ear].prev, c = s->nodes[ear].next;
        if (orient(&s->nodes[a], &s->nodes[ear], &s->nodes[c]) > 0) emit(s, a, ear, c);
    }
}

static tw_result check_input(const int *ring_starts, int ring_count, int point_count,
                             const double *xy, const tw_tri_out *out)
{
    if (!out || ring_count < 0 || point_count < 0) return TW_ERR_ARG;
    if (point_count > TW_TRIANGULATE_MAX_POINTS) return TW_ERR_TOOBIG;
    if (ring_count == 0) return TW_OK;
    if (!ring_starts || (point_count > 0 && !xy)) return TW_ERR_ARG;
    for (int k = 0; k < ring_count; k++) {
        int end = k + 1 < ring_count ? ring_starts[k + 1] : point_count;
        if (ring_starts[k] < 0 || ring_starts[k] > end || end > point_count) return TW_ERR_ARG;
    }
    return TW_OK;
}

/* Every coordinate of the rings finite. */
static tw_result check_finite(const double *xy, int start, int point_count)
{
    /* NaN and Inf have every exponent bit set; an OR over all, no branch. */
    uint64_t bad = 0;
    for (size_t k = 2 * (size_t)start; k < 2 * (size_t)point_count; k++) {
        uint64_t b;
        memcpy(&b, &xy[k], sizeof b);
        bad |= (b & TRI_EXP_BITS) == TRI_EXP_BITS;
    }
    return bad ? TW_ERR_ARG : TW_OK;
}

static void triangulate(tri_state *s, const double *xy, const int *ring_starts, int ring_count,
                        int point_count)
{
    int end0 = ring_count > 1 ? ring_starts[1] : point_count;
    int outer = tri_ring_build(s, xy, ring_starts[0], end0, true);
    if (outer < 0) return;
    /* No filtering of straight or doubled-back points before the holes are
     * bridged: on a ring that touches itself (a pinch) it changed the
     * region (fuzz_triangulate found a grid polygon whose area it lost);
     * clip_ring filters as it goes. */

    tri_hole local_holes[TRI_LOCAL_HOLES];
    tri_hole *holes =
        ring_count <= TRI_LOCAL_HOLES ? local_holes : malloc((size_t)ring_count * sizeof *holes);
    if (!holes) {
        s->err = TW_ERR_NOMEM;
        return;
    }
    int nholes = 0;
    for (int k = 1; k < ring_count && !s->err; k++) {
        int end = k + 1 < ring_count ? ring_starts[k + 1] : point_count;
        int h = tri_ring_build(s, xy, ring_starts[k], end, false);
        if (h < 0) continue;
        tri_hole best = {s->nodes[h].x, h};
        for (int p = s->nodes[h].next; p != h; p = s->nodes[p].next)
            if (s->nodes[p].x > best.x) best = (tri_hole){s->nodes[p].x, p};
        holes[nholes++] = best;
    }

    /* The z-order frame covers every node; bridges and splits only copy. */
    double minx = HUGE_VAL, miny = HUGE_VAL, maxx = -HUGE_VAL, maxy = -HUGE_VAL;
    for (int k = 0; k < s->count; k++) { /* finite (check_finite): no fmin/fmax calls */
        const tri_node *v = &s->nodes[k];
        minx = v->x < minx ? v->x : minx;
        miny = v->y < miny ? v->y : miny;
        maxx = v->x > maxx ? v->x : maxx;
        maxy = v->y > maxy ? v->y : maxy;
    }
    double size = fmax(maxx - minx, maxy - miny);
    s->minx = minx;
    s->miny = miny;
    s->inv = size > 0 && isfinite(size) ? 32767.0 / size : 0;
    s->budget = TRI_BUDGET_BASE + TRI_BUDGET_PER_NODE * (long long)s->count;
    s->repair_budget = TRI_REPAIR_BASE + TRI_REPAIR_PER_NODE * (long long)s->count;

    qsort(holes, (size_t)nholes, sizeof *holes, tri_hole_cmp);
    for (int k = 0; k < nholes && !s->err; k++) {
        int p = tri_find_bridge(s, outer, holes[k].node);
        if (p >= 0) node_split(s, p, holes[k].node);
    }
    if (holes != local_holes) free(holes);

    if (!s->err) push_ring(s, outer);
    while (s->stack_count > 0 && !s->err) clip_ring(s, s->stack[--s->stack_count]);
}

tw_result tw_triangulate(const double *xy, const int *ring_starts, int ring_count, int point_count,
                         tw_tri_out *out)
{
    tw_result r = check_input(ring_starts, ring_count, point_count, xy, out);
    if (r != TW_OK || ring_count == 0) return r;
    size_t before = out->index_count;
    if (ring_count == 1) {
        int done = tw_tri_small(xy, ring_starts[0], point_count, out);
        if (done) return done == 1 ? TW_OK : done == -1 ? TW_ERR_NOMEM : TW_ERR_ARG;
    }
    r = check_finite(xy, ring_starts[0], point_count);
    if (r != TW_OK) return r;
    tri_state s;
    s.nodes = s.local_nodes;
    s.count = 0;
    s.cap = TRI_LOCAL_NODES;
    s.stack = s.local_stack;
    s.stack_count = 0;
    s.stack_cap = TRI_LOCAL_STACK;
    s.keys = NULL;
    s.keys_cap = 0;
    s.minx = s.miny = s.inv = 0;
    s.work = s.budget = s.repair = s.repair_budget = 0;
    s.out = out;
    s.err = TW_OK;
    triangulate(&s, xy, ring_starts, ring_count, point_count);
    if (s.nodes != s.local_nodes) free(s.nodes);
    if (s.stack != s.local_stack) free(s.stack);
    free(s.keys);
    if (s.err != TW_OK) out->index_count = before;
    return s.err;
}

void tw_tri_out_free(tw_tri_out *out)
{
    if (!out) return;
    free(out->indices);
    memset(out, 0, sizeof *out);
}

double tw_triangulate_signed_area(const double *xy, int count)
{
    if (!xy || count < 3) return 0;
    /* A fan from the first point: differences keep precision far from 0. */
    double x0 = xy[0], y0 = xy[1], sum = 0;
    for (int k = 1; k + 1 < count; k++) {
        const double *p = xy + 2 * (size_t)k;
        sum += (p[0] - x0) * (p[3] - y0) - (p[2] - x0) * (p[1] - y0);
    }
    return sum / 2;
}
