/* Sun hours on mostly flat ground: the same digital-line sweep as
 * tw_sunhours.c, visiting only the raised cells (buildings, and whatever
 * else rises above the lowest cell z0).
 *
 * On a line, the shadow height is only changed by raised cells, so it is
 * kept lazily per line (value and position) and decayed on use. A raised
 * cell records its own lit bit. Where the next cell of its line is at the
 * base height, it casts the line's shadow onto the base cells that follow,
 * as a run of bits in a sheared bit image (rows: lines, bits: positions
 * along them), so a 700 m shadow costs about 11 word writes. The image is
 * transposed and unsheared into the area's rows, 64 steps are transposed
 * into one word per cell, and each word is folded into the hours by its
 * runs of lit steps. Facade points are queries on their lines at the
 * position of the first cell outside their own building. */
#include "tw_sunhours_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Clears bits b0 .. b1 (inclusive) of row. */
static void tw__clear(uint64_t *row, int b0, int b1)
{
    int w0 = b0 >> 6, w1 = b1 >> 6;
    uint64_t m0 = ~0ull << (b0 & 63), m1 = ~0ull >> (63 - (b1 & 63));
    if (w0 == w1) {
        row[w0] &= ~(m0 & m1);
        return;
    }
    row[w0] &= ~m0;
    for (int w = w0 + 1; w < w1; w++) row[w] = 0;
    row[w1] &= ~m1;
}

/* Sets bits b0 .. b1 (inclusive) of row. */
static void tw__fill(uint64_t *row, int b0, int b1)
{
    int w0 = b0 >> 6, w1 = b1 >> 6;
    uint64_t m0 = ~0ull << (b0 & 63), m1 = ~0ull >> (63 - (b1 & 63));
    if (w0 == w1) {
        row[w0] |= m0 & m1;
        return;
    }
    row[w0] |= m0;
    for (int w = w0 + 1; w < w1; w++) row[w] = ~0ull;
    row[w1] |= m1;
}

static inline int tw__ctz(uint64_t x)
{
    return __builtin_ctzll(x);
}

/* The per-run state of the fast engine. */
typedef struct tw__fast {
    tw__sh *s;
    float z0;
    int *ev_m[2], *ev_start[2]; /* raised cells: [0] rows (j-major), [1] columns */
    float *ev_z[2];
    /* Neighbours in the row after (minor -1 0 +1: bits 0-2) and the row
     * before (bits 3-5) that are raised; bits 6-11: of equal height. */
    uint16_t *ev_nb[2];
    /* Per layout and pair (next, previous) of neighbour bits: each row's
     * events that are not inside a run of equal heights on lines that
     * step that way (see tw__step), built when first needed. */
    tw_sh__arena mem, evmem, nlmem; /* fixed buffers; events; lists without runs' insides */
    int *nl_start[2][36], *nl_m[2][36];
    float *nl_z[2][36];
    uint16_t *nl_nb[2][36];
    int nch;          /* words of steps held before a fold (1 or 2) */
    uint64_t *fbits;  /* the held steps' lit bits of the points, nch words each */
    float *pz;        /* the points' heights */
    float zlow;       /* below the lowest cell and point: a shadow that can darken nothing */
    float *rowmax[2]; /* per row of each layout: its highest raised cell (-INFINITY: none) */
    uint64_t *rmap;   /* the grid's raised cells, rows of RW words */
    uint64_t *rmapT;  /* its transpose: columns of RWT words */
    int RW, RWT;
    int W, AYP; /* area row words, rows padded to 64 */
    /* 64 x nch steps' images of the area (AYP x W each, 1 = shadowed). */
    uint64_t *chunk;
    uint64_t *M, *Mt, *col; /* the base cells' sheared image, its transpose, a column image */
    int *K;                 /* per line: position of its shadow height */
    int *rk;                /* per line: where its run of equal heights began */
    float *rS;              /* and the shadow height that came into it */
    int *qcount, *qk, *qL, *qp;
    int nwall, *wall; /* walls: their first points (nwall + 1) */
    float *qt, *thr;  /* per wall: height gained on the walk, height needed */
    /* Per wall: which of the 7 x 7 cells around its own are its
     * building's, the same grown by one cell, other raised cells. */
    uint64_t *own, *near, *other;
} tw__fast;

/* The part of the step's images over the area. */
typedef struct tw__clip {
    int ka0, ka1, Lm0, Lcnt, kw;
} tw__clip;

/* The shadow cast along line L from position k (height S there) onto
 * the base cells after it. */
static inline void tw__span(const tw__fast *f, const tw__clip *c, int L, int k, float S)
{
    float X = (S - f->z0 - (float)TW_SH_EPS) / f->s->drop;
    if (!(X > 1) || L < c->Lm0 || L >= c->Lm0 + c->Lcnt) return;
    int n = X > 1e8f ? 100000000 : (int)ceilf(X) - 1;
    int k1 = k + 1 > c->ka0 ? k + 1 : c->ka0, k2 = k + n < c->ka1 ? k + n : c->ka1;
    if (k1 <= k2) tw__fill(f->M + (size_t)(L - c->Lm0) * c->kw, k1 - c->ka0, k2 - c->ka0);
}

/* The shadow on a run of equal heights z from k0 to k on line L, where
 * height S came in at k0: its first cells are shadowed, the rest lit. Set
 * in the image like the base cells' (every shadow span that reaches the
 * run was cast from before k0, so is drawn already): the image is then
 * good for every cell. */
static inline void tw__roof(const tw__fast *f, const tw__clip *c, int L, int k0, int k, float S,
                            float z)
{
    if (L < c->Lm0 || L >= c->Lm0 + c->Lcnt) return;
    float X = (S - z - (float)TW_SH_EPS) / f->s->drop;
    int n = !(X > 0) ? 0 : X > 1e8f ? 100000000 : (int)ceilf(X);
    int ks = n - 1 < k - k0 ? k0 + n - 1 : k; /* the last shadowed */
    uint64_t *row = f->M + (size_t)(L - c->Lm0) * c->kw;
    int a = k0 > c->ka0 ? k0 : c->ka0, b = ks < c->ka1 ? ks : c->ka1;
    if (a <= b) tw__fill(row, a - c->ka0, b - c->ka0);
    a = ks + 1 > c->ka0 ? ks + 1 : c->ka0, b = k < c->ka1 ? k : c->ka1;
    if (a <= b) tw__clear(row, a - c->ka0, b - c->ka0);
}

/* (int)floor(v) for v in int's range, without the rounding sequence
 * floor takes on SSE2 alone. */
static inline int tw__ifloor(double v)
{
    int i = (int)v;
    return i - (v < i);
}

/* Facade walls (the points of one wall share their x, y and building):
 * each walks out of the cells next to its own building, testing other
 * buildings there directly, then is a query on the line of the cell it
 * reached; queries are sorted by position. thr[w] ends as the height a
 * point of the wall must reach to be lit. */
static void tw__queries(tw__fast *f)
{
    tw__sh *s = f->s;
    const tw_sunhours_desc *d = s->d;
    const tw_grid *g = &d->grid;
    const int by = s->by_col ? 1 : 0, na = s->na;
    memset(f->qcount, 0, ((size_t)na + 1) * sizeof *f->qcount);
    int nq = 0;
    for (int w = 0; w < f->nwall; w++) {
        const tw_facade_point *pt = &d->points[f->wall[w]];
        f->thr[w] = INFINITY;
        if (pt->nx * s->ux + pt->ny * s->uy <= 1e-6) continue;
        double t = 0, step = g->dx * 0.5, fx = (pt->x - g->x0) / g->dx,
               fy = (pt->y - g->y0) / g->dy;
        int pi = (int)floor(fx), pj = (int)floor(fy), i = pi, j = pj, inside = 0;
        float need = -INFINITY;
        /* Walk until 1.5 cells out from the wall's plane (at most 64 cells):
         * beyond, the line's cells keep clear of the wall. Raised cells on
         * the way are other buildings unless they are its own (in its 7 x 7)
         * or behind the wall's plane. */
        double nu = pt->nx * s->ux + pt->ny * s->uy, tmax = fmin(1.5 * g->dx / nu, 64 * g->dx);
        const double sx = s->ux * step / g->dx, sy = s->uy * step / g->dy;
        for (int it = 0; it < 200; it++) {
            t = it * step;
            i = tw__ifloor(fx + it * sx), j = tw__ifloor(fy + it * sy);
            inside = i >= s->win[0] && j >= s->win[1] && i <= s->win[2] && j <= s->win[3];
            if (!inside || t >= tmax) break;
            /* its own cells and the base cells from the bit maps (in cache) */
            int di = i - pi + 3, dj = j - pj + 3;
            bool in7 = di >= 0 && dj >= 0 && di <= 6 && dj <= 6;
            if (in7 && (f->own[w] >> (dj * 7 + di) & 1)) continue;
            if (!(f->rmap[(size_t)j * f->RW + (i >> 6)] >> (i & 63) & 1)) continue;
            float z = d->dsm[(size_t)j * g->nx + i];
            double dc = (g->x0 + (i + 0.5) * g->dx - pt->x) * pt->nx +
                        (g->y0 + (j + 0.5) * g->dy - pt->y) * pt->ny;
            if (!in7 && dc < 0.45 * g->dx) continue;
            z -= (float)(t * s->te);
            need = z > need ? z : need;
        }
        if (!inside) {
            f->thr[w] = need;
            continue;
        }
        /* The cell it reached: a base cell's height is z0 (within
         * TW_SH_BASE) without reading the surface model (a cache miss). */
        bool rq = f->rmap[(size_t)j * f->RW + (i >> 6)] >> (i & 63) & 1;
        float zq = (rq ? d->dsm[(size_t)j * g->nx + i] : f->z0) - (float)(t * s->te);
        f->thr[w] = zq > need ? zq : need;
        f->qt[w] = (float)(t * s->te);
        int a = by ? i : j, m = by ? j : i, k = (a - s->a0) * s->astep;
        f->qk[nq] = k, f->qL[nq] = m - s->bmin - s->off[k], f->qp[nq] = w;
        f->qcount[k + 1]++, nq++;
    }
    for (int k = 0; k < na; k++) f->qcount[k + 1] += f->qcount[k];
    int *qorder = f->qcount + na + 1; /* after the counts: nq slots */
    for (int q = 0; q < nq; q++) qorder[f->qcount[f->qk[q]]++] = q;
    for (int k = na; k > 0; k--) f->qcount[k] = f->qcount[k - 1];
    f->qcount[0] = 0;
}

/* The sweep's state along the lines (see tw__step). */
typedef struct tw__lines {
    float *S, *rS;
    int *K, *rk;
    float drop;
    int na, nb, dn, dp, nbit, pbit;
} tw__lines;

/* One raised cell at sweep position k, minor position b on line L. */
static inline __attribute__((always_inline)) void tw__event(const tw__fast *f, const tw__clip *c,
                                                            const tw__lines *l, int k, int b, int L,
                                                            float z, unsigned nbf)
{
    float Sin = l->S[L] - (float)(k - l->K[L]) * l->drop;
    /* a run of equal heights begins: kept without a branch */
    bool begin =
        (k == 0) | ((unsigned)(b - l->dp) >= (unsigned)l->nb) | !(nbf >> (6 + l->pbit) & 1);
    int rko = l->rk[L];
    float rso = l->rS[L];
    uint32_t bs, bo, msk = 0u - (uint32_t)begin;
    memcpy(&bs, &Sin, 4), memcpy(&bo, &rso, 4);
    bo = (bo & ~msk) | (bs & msk);
    int rkv = (int)(((uint32_t)rko & ~msk) | ((uint32_t)k & msk));
    float rsv;
    memcpy(&rsv, &bo, 4);
    l->rk[L] = rkv, l->rS[L] = rsv;
    float So = z > Sin ? z : Sin;
    l->S[L] = So, l->K[L] = k;
    bool next_in = k + 1 < l->na && b + l->dn >= 0 && b + l->dn < l->nb;
    if (!next_in || !(nbf >> (6 + l->nbit) & 1)) /* the run ends */
        tw__roof(f, c, L, rkv, k, rsv, z);
    if (next_in && (nbf >> l->nbit & 1)) return; /* the line stays raised */
    tw__span(f, c, L, k, So);
}

/* The events of layout by that are not inside a run on lines whose next
 * and previous cells have neighbour bits nbit and pbit (key nbit * 6 +
 * pbit). false: no memory (the full lists serve). */
static bool tw__nolist(tw__fast *f, int by, int key)
{
    if (f->nl_start[by][key]) return true;
    const tw_grid *g = &f->s->d->grid;
    const int rows = by ? g->nx : g->ny, *evs = f->ev_start[by];
    const unsigned eqm = 1u << (6 + key / 6) | 1u << (6 + key % 6);
    size_t n = (size_t)evs[rows] + 1;
    if (!f->nlmem.base &&
        !tw_sh__arena_init(&f->nlmem, 16 * (n * 10 + ((size_t)rows + 1) * 4 + 256)))
        return false;
    size_t used = f->nlmem.used;
    int *st = tw_sh__take(&f->nlmem, ((size_t)rows + 1) * sizeof *st);
    int *m = tw_sh__take(&f->nlmem, n * sizeof *m);
    float *z = tw_sh__take(&f->nlmem, n * sizeof *z);
    uint16_t *nb = tw_sh__take(&f->nlmem, n * sizeof *nb);
    if (!st || !m || !z || !nb) { /* full: this pair keeps the full lists */
        f->nlmem.used = used;
        return false;
    }
    int q = 0;
    for (int a = 0; a < rows; a++) {
        st[a] = q;
        for (int e = evs[a]; e < evs[a + 1]; e++) { /* written always, kept when not inside */
            m[q] = f->ev_m[by][e], z[q] = f->ev_z[by][e], nb[q] = f->ev_nb[by][e];
            q += (f->ev_nb[by][e] & eqm) != eqm;
        }
    }
    st[rows] = q;
    f->nl_start[by][key] = st, f->nl_m[by][key] = m, f->nl_z[by][key] = z;
    f->nl_nb[by][key] = nb;
    return true;
}

static uint16_t tw__nb(const float *dsm, int nx, int ny, int i, int j, int by_col, float zb);

/* Whether row a, minor position m of layout by is in its events; its
 * height and neighbour bits (as tw__events has them). */
static bool tw__event_at(const tw__fast *f, int by, int a, int m, float *z, unsigned *nbf)
{
    const tw_sunhours_desc *d = f->s->d;
    const int nx = d->grid.nx, ny = d->grid.ny, i = by ? a : m, j = by ? m : a;
    /* along a, in memory order in either map (a cache line serves 512 rows) */
    uint64_t word =
        by ? f->rmap[(size_t)m * f->RW + (a >> 6)] : f->rmapT[(size_t)m * f->RWT + (a >> 6)];
    if (!(word >> (a & 63) & 1)) return false;
    const float *zc = d->dsm + (size_t)j * nx + i;
    if (i > 0 && j > 0 && i < nx - 1 && j < ny - 1 && zc[-1] == *zc && zc[1] == *zc &&
        zc[-nx - 1] == *zc && zc[-nx] == *zc && zc[-nx + 1] == *zc && zc[nx - 1] == *zc &&
        zc[nx] == *zc && zc[nx + 1] == *zc)
        return false;
    *z = *zc, *nbf = tw__nb(d->dsm, nx, ny, i, j, by, f->z0 + (float)TW_SH_BASE);
    return true;
}

/* The first of the n sorted values of m that is >= x (n when none): the
 * loop's length depends on n only, the step is a conditional move. */
static inline int tw__lower(const int *m, int n, int x)
{
    if (n <= 0) return 0;
    const int *base = m;
    while (n > 1) {
        int half = n >> 1;
        base = base[half - 1] < x ? base + half : base;
        n -= half;
    }
    return (int)(base - m) + (*base < x);
}

/* [*e0, *e1): the events of m (sorted) from e0 to e1 with lo <= m <= hi. */
static inline void tw__window(const int *m, int *e0, int *e1, int lo, int hi)
{
    int a = *e0, n = *e1 - a;
    int i0 = tw__lower(m + a, n, lo), i1 = tw__lower(m + a, n, hi + 1);
    *e0 = a + i0, *e1 = a + i1;
}

/* One sun position (step ct of those held). */
static void tw__step(tw__fast *f, const tw_sunhours_step *st, int ct)
{
    tw__sh *s = f->s;
    const tw_sunhours_desc *d = s->d;
    tw_sh__setup(s, st);
    const int by = s->by_col ? 1 : 0, na = s->na, nb = s->nb, bmin = s->bmin, a0 = s->a0,
              astep = s->astep;
    const float drop = s->drop, eps = (float)TW_SH_EPS;
    const int cw0 = ct >> 6;
    /* The area in the layout: major rows A0..A1, minor B0..B1 (from bmin). */
    int A0 = by ? d->ax0 : d->ay0, A1 = A0 + (by ? d->anx : d->any) - 1;
    int B0 = (by ? d->ay0 : d->ax0) - bmin, B1 = B0 + (by ? d->any : d->anx) - 1;
    int kA0 = (A0 - a0) * astep, kA1 = (A1 - a0) * astep;
    tw__clip c = {.ka0 = kA0 < kA1 ? kA0 : kA1, .ka1 = kA0 < kA1 ? kA1 : kA0};
    int omin = s->off[c.ka0], omax = s->off[c.ka0];
    for (int k = c.ka0; k <= c.ka1; k++)
        omin = s->off[k] < omin ? s->off[k] : omin, omax = s->off[k] > omax ? s->off[k] : omax;
    c.Lm0 = B0 - omax, c.Lcnt = B1 - omin - c.Lm0 + 1, c.kw = (c.ka1 - c.ka0 + 1 + 63) / 64;
    memset(f->M, 0, (size_t)c.Lcnt * c.kw * sizeof *f->M);
    /* Lines: lazy shadow heights S[L] at positions K[L]. */
    float *S = s->lines + s->hi, *rS = f->rS + s->hi;
    int *K = f->K + s->hi, *rk = f->rk + s->hi;
    /* A run of equal heights can begin at a cell that is no event (its
     * eight neighbours have its height) where its line enters the window:
     * each line's run starts where the line does, with the height it
     * brings (rk, rS were left from the last step before). */
    for (int L = -s->hi; L < nb - s->lo; L++)
        S[L] = -INFINITY, K[L] = 0, rk[L] = 0, rS[L] = -INFINITY;
    for (int b = 0; b < nb; b++) {
        S[b] = s->far_major[b], K[b] = -1, rk[b] = 0, rS[b] = S[b] - drop;
        tw__span(f, &c, b, -1, S[b]);
    }
    tw__queries(f);
    const int *qorder = f->qcount + na + 1;
    /* Only the lines that cross the area or hold a query can change a
     * result (each line is swept on its own): lines Llo .. Lhi. */
    int Llo = c.Lm0, Lhi = c.Lm0 + c.Lcnt - 1, kq = c.ka0;
    for (int q = 0; q < f->qcount[na]; q++) {
        int L = f->qL[qorder[q]];
        Llo = L < Llo ? L : Llo, Lhi = L > Lhi ? L : Lhi;
    }
    if (f->qcount[na] > 0) kq = f->qk[qorder[0]] < kq ? f->qk[qorder[0]] : kq;
    /* Rows before kstart whose highest cell's shadow has fallen below
     * every cell and point (zlow, with a margin for rounding) by the first
     * row of the area or a query (kq) are not swept: the lines start at
     * kstart as at the window's edge, with what the far terrain brought. A
     * run of equal heights crossing kstart starts there; what its shadowed
     * part would have been from before is over before kq. */
    int kstart = 0;
    const float zl = f->zlow - 2 * drop - 1.0f;
    while (kstart < kq && f->rowmax[by][a0 + kstart * astep] - (float)(kq - kstart) * drop < zl)
        kstart++;
    /* The sweep over raised cells, position by position. */
    const int *evm = f->ev_m[by], *evs = f->ev_start[by];
    const float *evz = f->ev_z[by];
    const uint16_t *evnb = f->ev_nb[by];
    for (int k = 0; k < na; k++) {
        int a = a0 + k * astep, off = s->off[k];
        if (k == kstart) /* the lines' runs start here (as at k = 0 before) */
            for (int L = -s->hi; L < nb - s->lo; L++)
                rk[L] = k, rS[L] = S[L] - (float)(k - K[L]) * drop;
        if (k > 0 && off != s->off[k - 1]) { /* a line enters at an edge */
            int L = off > s->off[k - 1] ? -off : nb - 1 - off;
            S[L] = off > s->off[k - 1] ? s->far_b0[k] : s->far_b1[k], K[L] = k - 1;
            rk[L] = k, rS[L] = S[L] - drop;
            tw__span(f, &c, L, k - 1, S[L]);
        }
        for (int q = f->qcount[k]; q < f->qcount[k + 1]; q++) {
            int qi = qorder[q], L = f->qL[qi], w = f->qp[qi];
            float need = S[L] - (float)(k - K[L]) * drop - f->qt[w];
            f->thr[w] = need > f->thr[w] ? need : f->thr[w];
        }
        /* The line's next and previous cells: their bits in ev_nb. */
        int dn = k + 1 < na ? s->off[k + 1] - off : 0, dp = k > 0 ? off - s->off[k - 1] : 0;
        const int nbit = (astep > 0 ? 0 : 3) + dn + 1, pbit = (astep > 0 ? 3 : 0) - dp + 1;
        /* A cell whose previous and next cells on its line have its
         * height is inside a run: skipped like the cells inside a roof
         * (in the window; at its minor edges, a begin or an end). Away from
         * the first and last positions, the rows' lists without those
         * cells serve, so the sweep does not branch on them. */
        const bool inner = k > 0 && k + 1 < na;
        const unsigned eqm = inner ? 1u << (6 + pbit) | 1u << (6 + nbit) : 1u << 15;
        tw__lines ln = {.S = S,
                        .rS = rS,
                        .K = K,
                        .rk = rk,
                        .drop = drop,
                        .na = na,
                        .nb = nb,
                        .dn = dn,
                        .dp = dp,
                        .nbit = nbit,
                        .pbit = pbit};
        const int key = nbit * 6 + pbit;
        /* no raised cell but inside roofs, or a row before kstart */
        if (evs[a] == evs[a + 1] || k < kstart) continue;
        const int blo = Llo + off > 0 ? Llo + off : 0, bhi = Lhi + off < nb ? Lhi + off : nb - 1;
        if (blo > bhi) continue;
        if (inner && tw__nolist(f, by, key)) {
            const int *lm = f->nl_m[by][key];
            const float *lz = f->nl_z[by][key];
            const uint16_t *lnb = f->nl_nb[by][key];
            int l0 = f->nl_start[by][key][a], l1 = f->nl_start[by][key][a + 1];
            if (l0 < l1 && (lm[l0] < bmin + blo || lm[l1 - 1] > bmin + bhi)) /* the row is cut */
                tw__window(lm, &l0, &l1, bmin + blo, bmin + bhi);
            for (int e = l0; e < l1; e++) {
                int b = lm[e] - bmin;
                tw__event(f, &c, &ln, k, b, b - off, lz[e], lnb[e]);
            }
            /* cells inside a run at the window's minor edges whose
             * previous or next cell is outside it: a begin or an end */
            for (int q = 0; q < (nb > 1 ? 2 : 1); q++) {
                int b = q == 0 ? 0 : nb - 1;
                float z;
                unsigned nbf;
                if (((unsigned)(b - dp) < (unsigned)nb && (unsigned)(b + dn) < (unsigned)nb) ||
                    b < blo || b > bhi)
                    continue;
                if (tw__event_at(f, by, a, bmin + b, &z, &nbf) && (nbf & eqm) == eqm)
                    tw__event(f, &c, &ln, k, b, b - off, z, nbf);
            }
            continue;
        }
        int e0 = evs[a], e1 = evs[a + 1];
        tw__window(evm, &e0, &e1, bmin + blo, bmin + bhi);
        for (int e = e0; e < e1; e++) {
            int b = evm[e] - bmin;
            unsigned nbf = evnb[e];
            if ((nbf & eqm) == eqm && (unsigned)(b - dp) < (unsigned)nb &&
                (unsigned)(b + dn) < (unsigned)nb)
                continue;
            tw__event(f, &c, &ln, k, b, b - off, evz[e], nbf);
        }
    }
    for (int w = 0; w < f->nwall; w++)
        for (int p = f->wall[w]; p < f->wall[w + 1]; p++)
            f->fbits[(size_t)p * f->nch + cw0] |= (uint64_t)(f->pz[p] + eps >= f->thr[w])
                                                  << (ct & 63);
    /* Unshear: positions become rows, lines become the area's minor axis. */
    int Lw = (c.Lcnt + 63) / 64, nbits = B1 - B0 + 1, cw = (nbits + 63) / 64;
    tw_sh__transpose(f->M, c.Lcnt, c.kw, f->Mt, Lw);
    uint64_t *img = f->chunk + (size_t)ct * f->AYP * f->W;
    uint64_t *dst = by ? f->col : img;
    for (int k = c.ka0; k <= c.ka1; k++)
        tw_sh__extract(f->Mt + (size_t)(k - c.ka0) * Lw, Lw, B0 - s->off[k] - c.Lm0, nbits,
                       dst + (size_t)(a0 + k * astep - A0) * cw);
    if (by) tw_sh__transpose(f->col, d->anx, cw, img, f->W);
}

/* Folds the n steps held (from step t0; up: those above the horizon, nch
 * words) into the results: from zero when t0 is 0, else from the results
 * and the carried runs (run: the area's cells, then the points); judged
 * when last. */
static void tw__flush(tw__fast *f, int t0, int n, const uint64_t *up, tw_sunhours_result *ground,
                      tw_sunhours_result *facade, float *run, bool last)
{
    const tw_sunhours_desc *d = f->s->d;
    const int nch = f->nch;
    double P[3][2][65] = {{{0}}};
    for (int c = 0; c < nch; c++)
        for (int t = 0; t < 64; t++) {
            int tt = 64 * c + t;
            const tw_sunhours_step *st = tt < n ? &d->steps[t0 + tt] : NULL;
            P[0][c][t + 1] = P[0][c][t] + (st ? st->w_total : 0);
            P[1][c][t + 1] = P[1][c][t] + (st ? st->w_8_16 : 0);
            P[2][c][t + 1] = P[2][c][t] + (st ? st->w_9_15 : 0);
        }
    int cn[2] = {n < 64 ? n : 64, n > 64 ? n - 64 : 0};
    size_t area = (size_t)d->anx * d->any, img = (size_t)f->AYP * f->W;
    uint64_t blk[2][64];
    /* Neighbouring cells often see the sun at the same steps (open ground,
     * one shadow): the last folded cell's words and result are reused. */
    uint64_t m0 = 0, m1 = 0;
    tw_sunhours_result mg = {0};
    float mrn = 0;
    bool have = false;
    for (int y = 0; y < d->any; y++)
        for (int w = 0; w < f->W; w++) {
            size_t o = (size_t)y * f->W + w;
            for (int c = 0; c < nch; c++) {
                const uint64_t *ch = f->chunk + (size_t)c * 64 * img + o;
                for (int t = 0; t < 64; t++) /* steps below the horizon: not drawn */
                    blk[c][t] = t < cn[c] && (up[c] >> t & 1) ? ch[t * img] : ~0ull;
                tw_sh__t64(blk[c]);
            }
            for (int b = 0; b < 64 && w * 64 + b < d->anx; b++) {
                size_t ac = (size_t)y * d->anx + w * 64 + b;
                uint64_t l0 = ~blk[0][b] & up[0], l1 = nch > 1 ? ~blk[1][b] & up[1] : 0;
                tw_sunhours_result g = {0};
                float rn = 0;
                if (t0 == 0 && have && l0 == m0 && l1 == m1) { /* the last cell's steps */
                    g = mg, rn = mrn;
                } else {
                    if (t0 > 0) g = ground[ac], rn = run[ac];
                    if (cn[0] > 0) tw_sh__fold(&g, &rn, l0, cn[0], P[0][0], P[1][0], P[2][0]);
                    if (nch > 1 && cn[1] > 0)
                        tw_sh__fold(&g, &rn, l1, cn[1], P[0][1], P[1][1], P[2][1]);
                    if (last) tw_sunhours_judge(&g);
                    mg = g, mrn = rn, m0 = l0, m1 = l1, have = true;
                }
                if (!last) run[ac] = rn;
                ground[ac] = g;
            }
        }
    for (int p = 0; p < d->point_count; p++) {
        float *rn = &run[area + p];
        if (t0 == 0) memset(&facade[p], 0, sizeof facade[p]), *rn = 0;
        for (int c = 0; c < nch && cn[c] > 0; c++)
            tw_sh__fold(&facade[p], rn, f->fbits[(size_t)p * nch + c] & up[c], cn[c], P[0][c],
                        P[1][c], P[2][c]);
        if (last) tw_sunhours_judge(&facade[p]);
    }
    memset(f->fbits, 0, ((size_t)d->point_count + 1) * nch * sizeof *f->fbits);
}

/* Which of the cell's neighbours one row ahead and one behind (rows are j
 * when by_col is 0, i when 1) are raised, and which have its height. */
static uint16_t tw__nb(const float *dsm, int nx, int ny, int i, int j, int by_col, float zb)
{
    uint16_t r = 0;
    float z = dsm[(size_t)j * nx + i];
    for (int s = 0; s < 2; s++)
        for (int dm = -1; dm <= 1; dm++) {
            int da = s == 0 ? 1 : -1;
            int ii = by_col ? i + da : i + dm, jj = by_col ? j + dm : j + da;
            if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
            float zn = dsm[(size_t)jj * nx + ii];
            r |= (uint16_t)((unsigned)(zn > zb) << (3 * s + dm + 1));
            r |= (uint16_t)((unsigned)(zn == z) << (6 + 3 * s + dm + 1));
        }
    return r;
}

/* The facade points' walls and their masks. */
static void tw__walls(tw__fast *f)
{
    const tw_sunhours_desc *d = f->s->d;
    const tw_grid *g = &d->grid;
    const float zb = f->z0 + (float)TW_SH_BASE;
    f->nwall = 0;
    for (int p = 0; p < d->point_count; p++) {
        const tw_facade_point *pt = &d->points[p];
        if (p > 0 && pt->x == d->points[p - 1].x && pt->y == d->points[p - 1].y &&
            pt->prism == d->points[p - 1].prism && pt->nx == d->points[p - 1].nx &&
            pt->ny == d->points[p - 1].ny)
            continue;
        int w = f->nwall++;
        f->wall[w] = p;
        int pi = (int)floor((pt->x - g->x0) / g->dx), pj = (int)floor((pt->y - g->y0) / g->dy);
        uint64_t m = 0, o = 0;
        for (int dj = -3; dj <= 3; dj++)
            for (int di = -3; di <= 3; di++) {
                int i = pi + di, j = pj + dj, b = (dj + 3) * 7 + di + 3;
                if (i < 0 || j < 0 || i >= g->nx || j >= g->ny ||
                    !(d->dsm[(size_t)j * g->nx + i] > zb))
                    continue;
                if (d->obstacles && pt->prism >= 0 && pt->prism < d->obstacles->count &&
                    tw_sh__inside(d->obstacles, pt->prism, g->x0 + (i + 0.5) * g->dx,
                                  g->y0 + (j + 0.5) * g->dy))
                    m |= 1ull << b;
                else
                    o |= 1ull << b;
            }
        uint64_t grown = 0;
        for (int dj = 0; dj < 7; dj++)
            for (int di = 0; di < 7; di++)
                for (int ej = -1; ej <= 1; ej++)
                    for (int ei = -1; ei <= 1; ei++) {
                        int ii = di + ei, jj = dj + ej;
                        if (ii >= 0 && jj >= 0 && ii < 7 && jj < 7 && (m >> (jj * 7 + ii) & 1))
                            grown |= 1ull << (dj * 7 + di);
                    }
        f->own[w] = m, f->near[w] = grown, f->other[w] = o;
    }
    f->wall[f->nwall] = d->point_count;
}

/* Bit t set where z[t] > zb (NaN: not), for the first n (at most 64). */
static inline uint64_t tw__raised64(const float *z, int n, float zb)
{
    uint64_t bits = 0;
    int t = 0;
#ifdef __SSE2__
    const __m128 b = _mm_set1_ps(zb);
    for (; t + 4 <= n && t < 64; t += 4)
        bits |= (uint64_t)_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(z + t), b)) << t;
#endif
    for (; t < n && t < 64; t++) bits |= (uint64_t)(z[t] > zb) << t;
    return bits;
}

/* The raised cells in both layouts. A cell whose eight neighbours have
 * its height is skipped: on every line it is inside a run of equal
 * heights, the lazy height carries across it and the run's shadow is
 * drawn from its ends. */
static tw_result tw__events(tw__fast *f)
{
    const tw_sunhours_desc *d = f->s->d;
    const int nx = d->grid.nx, ny = d->grid.ny;
    const float zb = f->z0 + (float)TW_SH_BASE;
    /* The raised map first: its count bounds the lists. */
    size_t raised = 0;
    for (int j = 0; j < ny; j++) {
        const float *row = d->dsm + (size_t)j * nx;
        uint64_t *rm = f->rmap + (size_t)j * f->RW;
        for (int w = 0; w < f->RW; w++) {
            rm[w] = tw__raised64(row + 64 * w, nx - 64 * w, zb);
            raised += (size_t)__builtin_popcountll(rm[w]);
        }
    }
    tw_sh__transpose(f->rmap, ny, f->RW, f->rmapT, f->RWT);
    size_t cap = raised + 1;
    if (!tw_sh__arena_init(&f->evmem,
                           2 * cap * (sizeof(int) + sizeof(float) + sizeof(uint16_t)) + 8 * 64))
        return TW_ERR_NOMEM;
    for (int o = 0; o < 2; o++) {
        f->ev_m[o] = tw_sh__take(&f->evmem, cap * sizeof(int));
        f->ev_z[o] = tw_sh__take(&f->evmem, cap * sizeof(float));
        f->ev_nb[o] = tw_sh__take(&f->evmem, cap * sizeof(uint16_t));
    }
    size_t n = 0;
    for (int j = 0; j < ny; j++) {
        f->ev_start[0][j] = (int)n;
        const float *row = d->dsm + (size_t)j * nx;
        const uint64_t *rm = f->rmap + (size_t)j * f->RW;
        for (int w = 0; w < f->RW; w++)
            for (uint64_t bits = rm[w]; bits; bits &= bits - 1) {
                int i = 64 * w + tw__ctz(bits);
                const float *zc = row + i;
                if (i > 0 && j > 0 && i < nx - 1 && j < ny - 1 && zc[-1] == *zc && zc[1] == *zc &&
                    zc[-nx - 1] == *zc && zc[-nx] == *zc && zc[-nx + 1] == *zc &&
                    zc[nx - 1] == *zc && zc[nx] == *zc && zc[nx + 1] == *zc)
                    continue;
                f->ev_m[0][n] = i, f->ev_z[0][n] = *zc;
                f->ev_nb[0][n] = tw__nb(d->dsm, nx, ny, i, j, 0, zb);
                n++;
            }
    }
    f->ev_start[0][ny] = (int)n;
    /* The column layout: a counting sort of the rows' list (j stays sorted). */
    int *cs = f->ev_start[1];
    memset(cs, 0, ((size_t)nx + 1) * sizeof *cs);
    for (size_t e = 0; e < n; e++) cs[f->ev_m[0][e] + 1]++;
    for (int i = 0; i < nx; i++) cs[i + 1] += cs[i];
    for (int j = 0; j < ny; j++)
        for (int e = f->ev_start[0][j]; e < f->ev_start[0][j + 1]; e++) {
            int i = f->ev_m[0][e], q = cs[i]++;
            f->ev_m[1][q] = j, f->ev_z[1][q] = f->ev_z[0][e];
            f->ev_nb[1][q] = tw__nb(d->dsm, nx, ny, i, j, 1, zb);
        }
    for (int i = nx; i > 0; i--) cs[i] = cs[i - 1];
    cs[0] = 0;
    /* Each row's highest raised cell: a cell inside a roof has the height
     * of the roof's cells around it, so the events' highest is the row's. */
    for (int o = 0; o < 2; o++)
        for (int a = 0; a < (o ? nx : ny); a++) {
            float zm = -INFINITY;
            for (int e = f->ev_start[o][a]; e < f->ev_start[o][a + 1]; e++)
                zm = f->ev_z[o][e] > zm ? f->ev_z[o][e] : zm;
            f->rowmax[o][a] = zm;
        }
    return TW_OK;
}

tw_result tw_sh__run_fast(tw__sh *s, float z0, tw_sunhours_result *ground,
                          tw_sunhours_result *facade, float *run)
{
    const tw_sunhours_desc *d = s->d;
    const tw_grid *g = &d->grid;
    const int nx = g->nx, ny = g->ny, most = nx > ny ? nx : ny;
    tw__fast f = {.s = s, .z0 = z0};
    f.W = (d->anx + 63) / 64, f.AYP = (d->any + 63) / 64 * 64;
    int big = d->anx > d->any ? d->anx : d->any;
    int Lmax = 2 * big + 2, kwmax = (big + 63) / 64 + 1, Lwmax = (Lmax + 63) / 64 + 1;
    size_t np = (size_t)d->point_count + 1, lines = (size_t)nx + ny + 2;
    /* Up to 128 steps are held and folded once; more, 64 at a time. */
    f.nch = d->step_count > 64 && d->step_count <= 128 ? 2 : 1;
    /* Not cleared: a step's image is drawn whole (every area row). */
    f.chunk = tw_sunhours_alloc((size_t)64 * f.nch * f.AYP * f.W * sizeof *f.chunk, false);
    f.RW = (nx + 63) / 64, f.RWT = (ny + 63) / 64;
    size_t colw = (size_t)d->anx * ((d->any + 63) / 64) + 1;
    size_t need = 4 * ((size_t)most + 2) * sizeof(int) + (size_t)Lmax * kwmax * 8 +
                  (size_t)kwmax * 64 * Lwmax * 8 + colw * 8 + lines * 12 +
                  ((size_t)most + 1 + np) * 4 + np * (4 * 5 + 4 + 8 * f.nch + 4 + 24) + 4 +
                  ((size_t)f.RW * ny + 1) * 8 + (size_t)f.RW * 64 * f.RWT * 8 + 34 * 64;
    tw_sh__arena *A = &f.mem;
    tw_sh__arena_init(A, need);
    for (int o = 0; o < 2; o++) f.ev_start[o] = tw_sh__take(A, ((size_t)most + 2) * sizeof(int));
    f.M = tw_sh__take(A, (size_t)Lmax * kwmax * sizeof *f.M);
    f.Mt = tw_sh__take(A, (size_t)kwmax * 64 * Lwmax * sizeof *f.Mt);
    f.col = tw_sh__take(A, colw * sizeof *f.col);
    f.K = tw_sh__take(A, lines * sizeof *f.K);
    f.rk = tw_sh__take(A, lines * sizeof *f.rk);
    f.rS = tw_sh__take(A, lines * sizeof *f.rS);
    f.qcount = tw_sh__take(A, ((size_t)most + 1 + np) * sizeof *f.qcount);
    f.qk = tw_sh__take(A, np * sizeof *f.qk), f.qL = tw_sh__take(A, np * sizeof *f.qL);
    f.qp = tw_sh__take(A, np * sizeof *f.qp), f.qt = tw_sh__take(A, np * sizeof *f.qt);
    f.thr = tw_sh__take(A, np * sizeof *f.thr), f.wall = tw_sh__take(A, (np + 1) * sizeof *f.wall);
    f.fbits = tw_sh__take(A, np * f.nch * sizeof *f.fbits);
    f.pz = tw_sh__take(A, np * sizeof *f.pz);
    f.rowmax[0] = tw_sh__take(A, ((size_t)ny + 1) * sizeof(float));
    f.rowmax[1] = tw_sh__take(A, ((size_t)nx + 1) * sizeof(float));
    f.rmap = tw_sh__take(A, ((size_t)f.RW * ny + 1) * sizeof *f.rmap);
    f.own = tw_sh__take(A, np * sizeof *f.own), f.near = tw_sh__take(A, np * sizeof *f.near);
    f.other = tw_sh__take(A, np * sizeof *f.other);
    f.rmapT = tw_sh__take(A, (size_t)f.RW * 64 * f.RWT * sizeof *f.rmapT);
    tw_result rc = TW_OK;
    if (!f.ev_start[0] || !f.ev_start[1] || !f.chunk || !f.M || !f.Mt || !f.col || !f.K || !f.rk ||
        !f.rS || !f.qcount || !f.qk || !f.qL || !f.qp || !f.qt || !f.thr || !f.wall || !f.fbits ||
        !f.pz || !f.rmap || !f.rmapT || !f.own || !f.near || !f.other || !f.rowmax[0] ||
        !f.rowmax[1])
        rc = TW_ERR_NOMEM;
    if (rc == TW_OK) {
        memset(f.col, 0, colw * sizeof *f.col);
        memset(f.fbits, 0, np * f.nch * sizeof *f.fbits);
        f.rmap[(size_t)f.RW * ny] = 0;
    }
    if (rc == TW_OK) rc = tw__events(&f);
    if (rc == TW_OK) tw__walls(&f);
    f.zlow = z0;
    for (int p = 0; rc == TW_OK && p < d->point_count; p++) {
        f.pz[p] = (float)d->points[p].z;
        f.zlow = f.pz[p] < f.zlow ? f.pz[p] : f.zlow;
    }
    if (rc == TW_OK && d->step_count < 1) { /* nothing to fold: no sun */
        memset(ground, 0, (size_t)d->anx * d->any * sizeof *ground);
        memset(facade, 0, (size_t)d->point_count * sizeof *facade);
        for (size_t c = 0; c < (size_t)d->anx * d->any; c++) tw_sunhours_judge(&ground[c]);
        for (int p = 0; p < d->point_count; p++) tw_sunhours_judge(&facade[p]);
    }
    uint64_t up[2] = {0, 0};
    int t0 = 0, hold = 64 * f.nch;
    for (int t = 0; rc == TW_OK && t < d->step_count; t++) {
        if (d->cancel && atomic_load(d->cancel)) {
            rc = TW_ERR_CANCELLED;
            break;
        }
        int ct = t - t0;
        if (d->steps[t].elevation_deg > 0) {
            up[ct >> 6] |= 1ull << (ct & 63);
            tw__step(&f, &d->steps[t], ct);
        }
        if (ct == hold - 1 || t == d->step_count - 1) {
            tw__flush(&f, t0, ct + 1, up, ground, facade, run, t == d->step_count - 1);
            up[0] = up[1] = 0, t0 = t + 1;
        }
    }
    free(f.chunk);
    tw_sh__arena_free(&f.mem), tw_sh__arena_free(&f.evmem), tw_sh__arena_free(&f.nlmem);
    return rc;
}
