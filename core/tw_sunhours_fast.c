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

/* Transposes a 64 x 64 bit matrix: bit c of a[r] <-> bit r of a[c]. */
static void tw__t64(uint64_t a[64])
{
    uint64_t m = 0x00000000FFFFFFFFull;
    for (int j = 32; j != 0; j >>= 1, m ^= m << j)
        for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
            uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;
            a[k] ^= t << j;
            a[k | j] ^= t;
        }
}

/* dst (sw * 64 rows of dw words) = the transpose of src (rows rows of sw
 * words); dw = (rows + 63) / 64. */
static void tw__transpose(const uint64_t *src, int rows, int sw, uint64_t *dst, int dw)
{
    uint64_t blk[64];
    for (int rb = 0; rb < dw; rb++)
        for (int cb = 0; cb < sw; cb++) {
            for (int r = 0; r < 64; r++) {
                int rr = rb * 64 + r;
                blk[r] = rr < rows ? src[(size_t)rr * sw + cb] : 0;
            }
            tw__t64(blk);
            for (int c = 0; c < 64; c++) dst[(size_t)(cb * 64 + c) * dw + rb] = blk[c];
        }
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

/* n bits of src (sw words) from bit s into dst. */
static void tw__extract(const uint64_t *src, int sw, int s, int n, uint64_t *dst)
{
    int nw = (n + 63) >> 6;
    for (int w = 0; w < nw; w++) {
        int pos = s + 64 * w, q = pos >> 6, sh = pos & 63;
        uint64_t lo = q < sw ? src[q] : 0, hi = sh && q + 1 < sw ? src[q + 1] : 0;
        dst[w] = sh ? lo >> sh | hi << (64 - sh) : lo;
    }
    if (n & 63) dst[nw - 1] &= (1ull << (n & 63)) - 1;
}

static inline int tw__ctz(uint64_t x)
{
    return __builtin_ctzll(x);
}

/* Adds a chunk of n steps' lit bits (bit t: step t lit) to r; *run carries
 * the 09-15 run across chunks. P*: prefix sums of the chunk's weights. */
static void tw__fold(tw_sunhours_result *r, float *run, uint64_t lit, int n, const double *Pt,
                     const double *P8, const double *P9)
{
    if (n < 64) lit &= (1ull << n) - 1;
    double carry = (lit & 1) ? *run : 0, last = 0;
    int last_end = -1;
    while (lit) {
        int a = tw__ctz(lit);
        uint64_t x = ~(lit >> a);
        int e = x ? a + tw__ctz(x) : 64;
        if (e > n) e = n;
        r->hours += (float)(Pt[e] - Pt[a]);
        r->hours_8_16 += (float)(P8[e] - P8[a]);
        double c = (a == 0 ? carry : 0) + (P9[e] - P9[a]);
        if ((float)c > r->cont_9_15) r->cont_9_15 = (float)c;
        last = c, last_end = e;
        lit = e >= 64 ? 0 : lit & (~0ull << e);
    }
    *run = last_end == n ? (float)last : 0;
}

/* The per-run state of the fast engine. */
typedef struct tw__fast {
    tw__sh *s;
    float z0;
    int nev;
    int *ev_m[2], *ev_start[2], *ev_slot[2]; /* [0] rows (j-major), [1] columns */
    float *ev_z[2];
    uint8_t *ev_nb[2];       /* raised neighbours in the next row (bits 0-2, minor -1 0 +1) and the
                                previous (3-5) */
    uint64_t *araised;       /* the area's raised cells, rows of W words */
    int *abase;              /* per word of araised: the slot of its first raised cell */
    uint64_t *ebits, *fbits; /* this chunk's lit bits: raised area cells, points */
    int W, AYP;              /* area row words, rows padded to 64 */
    uint64_t *chunk;         /* 64 step images: AYP x W each, 1 = shadowed */
    uint64_t *M, *Mt, *col;  /* sheared image, its transpose, a column image */
    int *K;                  /* per line: position of its shadow height */
    int *qcount, *qk, *qL, *qp;
    float *qz;
    uint64_t *own;  /* per point: which of the 7 x 7 cells around its own are its building's */
    uint64_t *near; /* the same, grown by one cell */
} tw__fast;

/* The shadow cast along line L from position k (height S there) onto
 * the base cells after it, clipped to the area's part of the image. */
static inline void tw__span(const tw__fast *f, int L, int k, float S, int ka0, int ka1, int Lm0,
                            int Lcnt, int kw)
{
    const tw__sh *s = f->s;
    float X = (S - f->z0 - (float)TW_SH_EPS) / s->drop;
    if (!(X > 1) || L < Lm0 || L >= Lm0 + Lcnt) return;
    int n = X > 1e8f ? 100000000 : (int)ceilf(X) - 1;
    int k1 = k + 1 > ka0 ? k + 1 : ka0;
    int k2 = k + n < ka1 ? k + n : ka1;
    if (k1 > k2) return;
    tw__fill(f->M + (size_t)(L - Lm0) * kw, k1 - ka0, k2 - ka0);
}

/* One sun position t (bit ct of the chunk). */
static void tw__step(tw__fast *f, const tw_sunhours_step *st, int ct)
{
    tw__sh *s = f->s;
    const tw_sunhours_desc *d = s->d;
    const tw_grid *g = &d->grid;
    const int nx = g->nx;
    tw_sh__setup(s, st);
    const int by = s->by_col ? 1 : 0, na = s->na, nb = s->nb, bmin = s->bmin, a0 = s->a0,
              astep = s->astep;
    const float drop = s->drop, eps = (float)TW_SH_EPS;
    const uint64_t bit = 1ull << ct;
    /* The area in the layout: major rows A0..A1, minor B0..B1 (from bmin). */
    int A0 = by ? d->ax0 : d->ay0, A1 = A0 + (by ? d->anx : d->any) - 1;
    int B0 = (by ? d->ay0 : d->ax0) - bmin, B1 = B0 + (by ? d->any : d->anx) - 1;
    int kA0 = (A0 - a0) * astep, kA1 = (A1 - a0) * astep;
    int ka0 = kA0 < kA1 ? kA0 : kA1, ka1 = kA0 < kA1 ? kA1 : kA0;
    int omin = s->off[ka0], omax = s->off[ka0];
    for (int k = ka0; k <= ka1; k++)
        omin = s->off[k] < omin ? s->off[k] : omin, omax = s->off[k] > omax ? s->off[k] : omax;
    int Lm0 = B0 - omax, Lcnt = B1 - omin - Lm0 + 1, kw = (ka1 - ka0 + 1 + 63) / 64;
    memset(f->M, 0, (size_t)Lcnt * kw * sizeof *f->M);
    /* Lines: lazy shadow heights S[L] at positions K[L]. */
    float *S = s->lines + s->hi;
    int *K = f->K + s->hi;
    for (int L = -s->hi; L < nb - s->lo; L++) S[L] = -INFINITY, K[L] = 0;
    for (int b = 0; b < nb; b++) {
        S[b] = s->far_major[b], K[b] = -1;
        tw__span(f, b, -1, S[b], ka0, ka1, Lm0, Lcnt, kw);
    }
    /* Facade points: queries at the first cell outside their building. */
    memset(f->qcount, 0, ((size_t)na + 1) * sizeof *f->qcount);
    int nq = 0;
    for (int p = 0; p < d->point_count; p++) {
        const tw_facade_point *pt = &d->points[p];
        if (pt->nx * s->ux + pt->ny * s->uy <= 1e-6) continue;
        double t = 0, step = g->dx * 0.5, fx = (pt->x - g->x0) / g->dx,
               fy = (pt->y - g->y0) / g->dy;
        int pi = (int)floor(fx), pj = (int)floor(fy), i = pi, j = pj, inside = 0;
        bool blocked = false;
        /* Out of the cells next to its own building (in its 7 x 7): other
         * buildings there are tested directly, its own never shade it. */
        for (int it = 0; it < 64; it++, t += step) {
            i = (int)floor(fx + s->ux * t / g->dx), j = (int)floor(fy + s->uy * t / g->dy);
            inside = i >= s->win[0] && j >= s->win[1] && i <= s->win[2] && j <= s->win[3];
            int di = i - pi + 3, dj = j - pj + 3;
            if (!inside || di < 0 || dj < 0 || di > 6 || dj > 6 ||
                !(f->near[p] >> (dj * 7 + di) & 1))
                break;
            if (!(f->own[p] >> (dj * 7 + di) & 1) &&
                d->dsm[(size_t)j * nx + i] > (float)(pt->z + t * s->te) + eps) {
                blocked = true;
                break;
            }
        }
        if (blocked) continue;
        float zq = (float)(pt->z + t * s->te);
        if (!inside) {
            f->fbits[p] |= bit;
            continue;
        }
        if (d->dsm[(size_t)j * nx + i] > zq + eps) continue;
        int a = by ? i : j, m = by ? j : i, k = (a - a0) * astep;
        f->qk[nq] = k, f->qL[nq] = m - bmin - s->off[k], f->qz[nq] = zq, f->qp[nq] = p;
        f->qcount[k + 1]++, nq++;
    }
    for (int k = 0; k < na; k++) f->qcount[k + 1] += f->qcount[k];
    int *qorder = f->qcount + na + 1; /* after the counts: nq slots */
    for (int q = 0; q < nq; q++) qorder[f->qcount[f->qk[q]]++] = q;
    for (int k = na; k > 0; k--) f->qcount[k] = f->qcount[k - 1];
    f->qcount[0] = 0;
    /* The sweep over raised cells, position by position. */
    const int *evm = f->ev_m[by], *evs = f->ev_start[by], *evslot = f->ev_slot[by];
    for (int k = 0; k < na; k++) {
        int a = a0 + k * astep, off = s->off[k];
        if (k > 0 && off != s->off[k - 1]) { /* a line enters at an edge */
            int L = off > s->off[k - 1] ? -off : nb - 1 - off;
            S[L] = off > s->off[k - 1] ? s->far_b0[k] : s->far_b1[k], K[L] = k - 1;
            tw__span(f, L, k - 1, S[L], ka0, ka1, Lm0, Lcnt, kw);
        }
        for (int q = f->qcount[k]; q < f->qcount[k + 1]; q++) {
            int qi = qorder[q], L = f->qL[qi];
            if (f->qz[qi] + eps >= S[L] - (float)(k - K[L]) * drop) f->fbits[f->qp[qi]] |= bit;
        }
        int dn = k + 1 < na ? s->off[k + 1] - off : 0;
        const int nbit = (astep > 0 ? 0 : 3) + dn + 1;
        const float *evz = f->ev_z[by];
        const uint8_t *evnb = f->ev_nb[by];
        for (int e = evs[a]; e < evs[a + 1]; e++) {
            int m = evm[e];
            if (m < bmin || m > s->bmax) continue;
            int b = m - bmin, L = b - off;
            float z = evz[e];
            float Sin = S[L] - (float)(k - K[L]) * drop;
            int slot = evslot[e];
            if (slot >= 0 && z + eps >= Sin) f->ebits[slot] |= bit;
            float So = z > Sin ? z : Sin;
            S[L] = So, K[L] = k;
            if (k + 1 < na && (evnb[e] >> nbit & 1)) continue; /* the line stays raised */
            tw__span(f, L, k, So, ka0, ka1, Lm0, Lcnt, kw);
        }
    }
    /* Unshear: positions become rows, lines become the area's minor axis. */
    int Lw = (Lcnt + 63) / 64;
    tw__transpose(f->M, Lcnt, kw, f->Mt, Lw);
    int nbits = B1 - B0 + 1, cw = (nbits + 63) / 64;
    uint64_t *img = f->chunk + (size_t)ct * f->AYP * f->W;
    uint64_t *dst = by ? f->col : img;
    for (int k = ka0; k <= ka1; k++) {
        int a = a0 + k * astep;
        tw__extract(f->Mt + (size_t)(k - ka0) * Lw, Lw, B0 - s->off[k] - Lm0, nbits,
                    dst + (size_t)(a - A0) * cw);
    }
    if (by) tw__transpose(f->col, d->anx, cw, img, f->W);
}

/* Folds the chunk's first n steps into the results and clears it. */
static void tw__flush(tw__fast *f, int t0, int n, uint64_t up, tw_sunhours_result *ground,
                      tw_sunhours_result *facade, float *run)
{
    const tw_sunhours_desc *d = f->s->d;
    double Pt[65] = {0}, P8[65] = {0}, P9[65] = {0};
    for (int t = 0; t < n; t++) {
        const tw_sunhours_step *st = &d->steps[t0 + t];
        Pt[t + 1] = Pt[t] + st->w_total, P8[t + 1] = P8[t] + st->w_8_16;
        P9[t + 1] = P9[t] + st->w_9_15;
    }
    size_t area = (size_t)d->anx * d->any, img = (size_t)f->AYP * f->W;
    uint64_t blk[64];
    for (int y = 0; y < d->any; y++)
        for (int w = 0; w < f->W; w++) {
            for (int t = 0; t < 64; t++)
                blk[t] = t < n ? f->chunk[t * img + (size_t)y * f->W + w] : ~0ull;
            tw__t64(blk);
            for (int c = 0; c < 64 && w * 64 + c < d->anx; c++) {
                size_t ac = (size_t)y * d->anx + w * 64 + c;
                uint64_t r = f->araised[(size_t)y * f->W + w];
                uint64_t lit = r >> c & 1 ? f->ebits[f->abase[(size_t)y * f->W + w] +
                                                     __builtin_popcountll(r & ((1ull << c) - 1))]
                                          : ~blk[c] & up;
                tw__fold(&ground[ac], &run[ac], lit, n, Pt, P8, P9);
            }
        }
    for (int p = 0; p < d->point_count; p++)
        tw__fold(&facade[p], &run[area + p], f->fbits[p], n, Pt, P8, P9);
    memset(f->ebits, 0, ((size_t)f->nev + 1) * sizeof *f->ebits);
    memset(f->fbits, 0, ((size_t)d->point_count + 1) * sizeof *f->fbits);
}

/* Which of the cell's neighbours one row ahead and one behind (in the
 * layout: rows are j when by_col is 0, i when 1) are raised. */
static uint8_t tw__nb(const float *dsm, int nx, int ny, int i, int j, int by_col, float zb)
{
    uint8_t r = 0;
    for (int s = 0; s < 2; s++)
        for (int dm = -1; dm <= 1; dm++) {
            int da = s == 0 ? 1 : -1;
            int ii = by_col ? i + da : i + dm, jj = by_col ? j + dm : j + da;
            if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
            if (dsm[(size_t)jj * nx + ii] > zb) r |= (uint8_t)(1u << (3 * s + dm + 1));
        }
    return r;
}

tw_result tw_sh__run_fast(tw__sh *s, float z0, tw_sunhours_result *ground,
                          tw_sunhours_result *facade, float *run)
{
    const tw_sunhours_desc *d = s->d;
    const tw_grid *g = &d->grid;
    const int nx = g->nx, ny = g->ny, most = nx > ny ? nx : ny;
    const float zb = z0 + (float)TW_SH_BASE;
    size_t ne = 0;
    for (size_t c = 0; c < (size_t)nx * ny; c++) ne += d->dsm[c] > zb;
    tw__fast f = {.s = s, .z0 = z0};
    f.W = (d->anx + 63) / 64, f.AYP = (d->any + 63) / 64 * 64;
    int big = d->anx > d->any ? d->anx : d->any;
    int Lmax = 2 * big + 2, kwmax = (big + 63) / 64 + 1, Lwmax = (Lmax + 63) / 64 + 1;
    for (int o = 0; o < 2; o++) {
        f.ev_m[o] = tw_sunhours_alloc((ne + 1) * sizeof(int), false);
        f.ev_slot[o] = tw_sunhours_alloc((ne + 1) * sizeof(int), false);
        f.ev_start[o] = malloc(((size_t)most + 2) * sizeof(int));
        f.ev_z[o] = tw_sunhours_alloc((ne + 1) * sizeof(float), false);
        f.ev_nb[o] = malloc(ne + 1);
    }
    f.araised = calloc((size_t)d->any * f.W + 1, sizeof *f.araised);
    f.abase = malloc(((size_t)d->any * f.W + 1) * sizeof *f.abase);
    f.chunk = tw_sunhours_alloc((size_t)64 * f.AYP * f.W * sizeof *f.chunk, true);
    f.M = malloc((size_t)Lmax * kwmax * sizeof *f.M);
    f.Mt = malloc((size_t)kwmax * 64 * Lwmax * sizeof *f.Mt);
    f.col = calloc((size_t)d->anx * ((d->any + 63) / 64) + 1, sizeof *f.col);
    f.K = malloc(((size_t)nx + ny + 2) * sizeof *f.K);
    f.qcount = malloc(((size_t)most + 2 + d->point_count) * sizeof *f.qcount);
    f.qk = malloc(((size_t)d->point_count + 1) * sizeof *f.qk);
    f.qL = malloc(((size_t)d->point_count + 1) * sizeof *f.qL);
    f.qp = malloc(((size_t)d->point_count + 1) * sizeof *f.qp);
    f.qz = malloc(((size_t)d->point_count + 1) * sizeof *f.qz);
    f.fbits = calloc((size_t)d->point_count + 1, sizeof *f.fbits);
    f.own = malloc(((size_t)d->point_count + 1) * sizeof *f.own);
    f.near = malloc(((size_t)d->point_count + 1) * sizeof *f.near);
    tw_result rc = TW_OK;
    if (!f.ev_m[0] || !f.ev_m[1] || !f.ev_slot[0] || !f.ev_slot[1] || !f.ev_start[0] ||
        !f.ev_start[1] || !f.ev_z[0] || !f.ev_z[1] || !f.ev_nb[0] || !f.ev_nb[1] || !f.araised ||
        !f.abase || !f.chunk || !f.M || !f.Mt || !f.col || !f.K || !f.qcount || !f.qk || !f.qL ||
        !f.qp || !f.qz || !f.fbits || !f.own || !f.near) {
        rc = TW_ERR_NOMEM;
        goto out;
    }
    /* Raised cells in both layouts, with their area slots. Outside the
     * area a cell whose eight neighbours have its height is skipped: it is
     * inside a run of equal heights on every line, and the lazy height
     * carries across it unchanged. */
    int n = 0;
    for (int j = 0; j < ny; j++) {
        f.ev_start[0][j] = n;
        for (int i = 0; i < nx; i++) {
            const float *zc = d->dsm + (size_t)j * nx + i;
            if (!(*zc > zb)) continue;
            bool in = i >= d->ax0 && j >= d->ay0 && i < d->ax0 + d->anx && j < d->ay0 + d->any;
            if (!in && i > 0 && j > 0 && i < nx - 1 && j < ny - 1 && zc[-1] == *zc &&
                zc[1] == *zc && zc[-nx - 1] == *zc && zc[-nx] == *zc && zc[-nx + 1] == *zc &&
                zc[nx - 1] == *zc && zc[nx] == *zc && zc[nx + 1] == *zc)
                continue;
            f.ev_m[0][n] = i, f.ev_slot[0][n] = in ? f.nev : -1;
            f.ev_z[0][n] = *zc;
            f.ev_nb[0][n] = tw__nb(d->dsm, nx, ny, i, j, 0, zb);
            if (in) {
                size_t w = (size_t)(j - d->ay0) * f.W + (i - d->ax0) / 64;
                if (!f.araised[w]) f.abase[w] = f.nev;
                f.araised[w] |= 1ull << ((i - d->ax0) & 63);
                f.nev++;
            }
            n++;
        }
    }
    f.ev_start[0][ny] = n;
    /* The column layout: a counting sort of the rows' list (j stays sorted). */
    int *cs = f.ev_start[1];
    memset(cs, 0, ((size_t)nx + 1) * sizeof *cs);
    for (int e = 0; e < n; e++) cs[f.ev_m[0][e] + 1]++;
    for (int i = 0; i < nx; i++) cs[i + 1] += cs[i];
    for (int j = 0; j < ny; j++)
        for (int e = f.ev_start[0][j]; e < f.ev_start[0][j + 1]; e++) {
            int i = f.ev_m[0][e], q = cs[i]++;
            f.ev_m[1][q] = j, f.ev_z[1][q] = f.ev_z[0][e], f.ev_slot[1][q] = f.ev_slot[0][e];
            f.ev_nb[1][q] = tw__nb(d->dsm, nx, ny, i, j, 1, zb);
        }
    for (int i = nx; i > 0; i--) cs[i] = cs[i - 1];
    cs[0] = 0;
    /* Facade points: their own building's cells around them. */
    for (int p = 0; p < d->point_count; p++) {
        const tw_facade_point *pt = &d->points[p];
        int pi = (int)floor((pt->x - g->x0) / g->dx), pj = (int)floor((pt->y - g->y0) / g->dy);
        uint64_t m = 0;
        for (int dj = -3; dj <= 3; dj++)
            for (int di = -3; di <= 3; di++)
                if (d->obstacles && pt->prism >= 0 && pt->prism < d->obstacles->count &&
                    tw_sh__inside(d->obstacles, pt->prism, g->x0 + (pi + di + 0.5) * g->dx,
                                  g->y0 + (pj + dj + 0.5) * g->dy))
                    m |= 1ull << ((dj + 3) * 7 + di + 3);
        f.own[p] = m;
        uint64_t g1 = 0;
        for (int dj = 0; dj < 7; dj++)
            for (int di = 0; di < 7; di++)
                for (int ej = -1; ej <= 1; ej++)
                    for (int ei = -1; ei <= 1; ei++) {
                        int ii = di + ei, jj = dj + ej;
                        if (ii >= 0 && jj >= 0 && ii < 7 && jj < 7 && (m >> (jj * 7 + ii) & 1))
                            g1 |= 1ull << (dj * 7 + di);
                    }
        f.near[p] = g1;
    }
    if (!(f.ebits = calloc((size_t)f.nev + 1, sizeof *f.ebits))) {
        rc = TW_ERR_NOMEM;
        goto out;
    }
    uint64_t up = 0;
    int t0 = 0;
    for (int t = 0; t < d->step_count; t++) {
        if (d->cancel && atomic_load(d->cancel)) {
            rc = TW_ERR_CANCELLED;
            break;
        }
        int ct = t - t0;
        if (d->steps[t].elevation_deg > 0) {
            up |= 1ull << ct;
            tw__step(&f, &d->steps[t], ct);
        }
        if (ct == 63 || t == d->step_count - 1) {
            tw__flush(&f, t0, ct + 1, up, ground, facade, run);
            up = 0, t0 = t + 1;
        }
    }
out:
    for (int o = 0; o < 2; o++) {
        free(f.ev_m[o]), free(f.ev_slot[o]), free(f.ev_start[o]);
        free(f.ev_z[o]), free(f.ev_nb[o]);
    }
    free(f.araised), free(f.abase), free(f.chunk), free(f.M), free(f.Mt), free(f.col), free(f.K);
    free(f.qcount), free(f.qk), free(f.qL), free(f.qp), free(f.qz), free(f.fbits), free(f.ebits);
    free(f.own), free(f.near);
    return rc;
}
