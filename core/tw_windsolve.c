/* Mass-consistent wind solver: the Poisson-type equation for the Lagrange
 * multiplier on a MAC grid with solid cells, solved by conjugate gradients
 * preconditioned with a symmetric multigrid V-cycle. See tw_windsolve.h.
 *
 * Each level stores phi, right-hand side and face coefficients in arrays
 * padded by one ghost cell on every side; ghosts hold phi = 0, which is the
 * open-boundary condition, so the stencil needs no branches. The
 * coefficient of a face is stored at the cell on its high side: cx[c] is the
 * face between c - 1 and c, and the +x boundary face of the last cell lives
 * in the ghost beyond it. A closed face (solid on either side, the ground,
 * a rigid lid) has coefficient 0; an open boundary face 2/h^2 (phi = 0 half a
 * cell away); an open inner face 1/h^2 (z faces times alpha^2). */
#include "tw_windsolve.h"

#include "tw_time.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

enum { MG_MAX_LEVELS = 24, MG_COARSE_CELLS = 64, MG_COARSE_SWEEPS = 40, OPEN = 127 };

typedef struct mg_level {
    int nx, ny, nz;
    long sx, sxy;          /* padded strides in y and z */
    size_t total;          /* padded cells */
    double hx, hy, hz;     /* hz is the effective spacing dz / alpha */
    int fx, fy, fz;        /* coarsening factors to the next level (1 or 2) */
    uint8_t *cx, *cy, *cz; /* open fraction of each face, in units of 1/OPEN (boundary: 2 OPEN) */
    float kx, ky, kz;      /* coefficient of a fully open inner face / OPEN */
    float *x, *b;          /* level 0 has no b: the CG residual is its right-hand side */
} mg_level;

typedef struct mg {
    int levels;
    mg_level lv[MG_MAX_LEVELS];
    int nu;    /* smoothing sweeps before and after */
    float *t;  /* a row of scratch */
    int *kmin; /* the lowest fluid cell of each column */
} mg;

struct tw_windsolve_workspace {
    mg m;
    bool built;
    int nx, ny, nz;
    double dx, dy, dz, alpha;
    float *sol, *res, *p; /* CG vectors; the preconditioned residual is lv[0].x */
};

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline size_t pidx(const mg_level *l, int i, int j, int k)
{
    return (size_t)(((long)(k + 1) * (l->ny + 2) + (j + 1)) * (long)(l->nx + 2) + (i + 1));
}

static bool fluid_cell(const tw_windsolve_grid *g, const float *top, int i, int j, int k)
{
    if (!top) return true;
    return (k + 0.5) * g->dz >= top[(size_t)j * g->nx + i];
}

/* Zeroed float arrays. Large ones ask Linux for transparent huge pages: the
 * solver touches every page of a few hundred MB once per solve, and 4 KB
 * page faults would then cost as much as the arithmetic. */
static void *alloc_zero(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= (4u << 20)) {
        void *p = NULL;
        size_t huge = 2u << 20;
        if (posix_memalign(&p, huge, (bytes + huge - 1) / huge * huge) != 0) return NULL;
        madvise(p, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE);
        memset(p, 0, bytes);
        return p;
    }
#endif
    return calloc(bytes ? bytes : 1, 1);
}

static float *alloc_padded(size_t total)
{
    return alloc_zero(total * sizeof(float));
}

static void level_free(mg_level *l, bool own_vectors)
{
    free(l->cx);
    free(l->cy);
    free(l->cz);
    free(l->x);
    if (own_vectors) {
        free(l->b);
    }
    memset(l, 0, sizeof *l);
}

static bool level_alloc(mg_level *l, int nx, int ny, int nz, bool vectors)
{
    l->nx = nx;
    l->ny = ny;
    l->nz = nz;
    l->sx = nx + 2;
    l->sxy = (long)(nx + 2) * (ny + 2);
    l->total = (size_t)l->sxy * (size_t)(nz + 2);
    l->cx = alloc_zero(l->total);
    l->cy = alloc_zero(l->total);
    l->cz = alloc_zero(l->total);
    l->x = alloc_padded(l->total);
    if (vectors) {
        l->b = alloc_padded(l->total);
    }
    return l->cx && l->cy && l->cz && l->x && (!vectors || l->b);
}

/* Finest level from the solid mask. */
static void level_fine(mg_level *l, const tw_windsolve_grid *g, const float *top, double alpha,
                       bool lid, int *kmin)
{
    /* the lowest fluid cell of each column: a cell is fluid from there up */
    for (int j = 0; j < g->ny; j++)
        for (int i = 0; i < g->nx; i++) {
            int k = 0;
            while (k < g->nz && !fluid_cell(g, top, i, j, k)) k++;
            kmin[(size_t)j * g->nx + i] = k;
        }
#define fluid_cell(g, top, i, j, k) ((k) >= kmin[(size_t)(j) * (g)->nx + (i)])
    const uint8_t ix = OPEN, iy = OPEN, iz = OPEN;
    l->kx = (float)(1.0 / (g->dx * g->dx) / OPEN);
    l->ky = (float)(1.0 / (g->dy * g->dy) / OPEN);
    l->kz = (float)(alpha * alpha / (g->dz * g->dz) / OPEN);
    for (int k = 0; k <= g->nz; k++)
        for (int j = 0; j <= g->ny; j++)
            for (int i = 0; i <= g->nx; i++) {
                bool in = i < g->nx && j < g->ny && k < g->nz;
                bool here = in && fluid_cell(g, top, i, j, k);
                size_t c = pidx(l, i, j, k);
                if (j < g->ny && k < g->nz) { /* x face between i-1 and i */
                    bool west = i > 0 && fluid_cell(g, top, i - 1, j, k);
                    bool open_w = i == 0 || i == g->nx;
                    bool here_x = i < g->nx && fluid_cell(g, top, i, j, k);
                    if (open_w)
                        l->cx[c] = (here_x || west) ? 2 * ix : 0;
                    else
                        l->cx[c] = (here_x && west) ? ix : 0;
                }
                if (i < g->nx && k < g->nz) { /* y face between j-1 and j */
                    bool south = j > 0 && fluid_cell(g, top, i, j - 1, k);
                    bool here_y = j < g->ny && fluid_cell(g, top, i, j, k);
                    if (j == 0 || j == g->ny)
                        l->cy[c] = (here_y || south) ? 2 * iy : 0;
                    else
                        l->cy[c] = (here_y && south) ? iy : 0;
                }
                if (i < g->nx && j < g->ny) { /* z face between k-1 and k */
                    bool below = k > 0 && fluid_cell(g, top, i, j, k - 1);
                    bool here_z = k < g->nz && fluid_cell(g, top, i, j, k);
                    if (k == 0)
                        l->cz[c] = 0; /* the grid base is ground */
                    else if (k == g->nz)
                        l->cz[c] = (below && !lid) ? 2 * iz : 0;
                    else
                        l->cz[c] = (here_z && below) ? iz : 0;
                }
                (void)here;
            }
}
#undef fluid_cell

/* Coarse coefficients: mean of the fine faces that make up a coarse face,
 * scaled by (h_fine / h_coarse)^2 in the face's own direction. Missing fine
 * cells at an odd edge count as closed. */
static uint8_t fraction(int sum, int count)
{
    if (sum == 0) return 0;
    int a = (sum + count / 2) / count;
    return (uint8_t)(a < 1 ? 1 : a > 2 * OPEN ? 2 * OPEN : a); /* never closes an open path */
}

/* Coarse faces: the mean open fraction of the fine faces that make up a
 * coarse face (missing fine cells at an odd edge count as closed); the
 * coefficient scale falls with the square of the spacing in the face's own
 * direction. */
static void level_coarsen(const mg_level *f, mg_level *c)
{
    const int fx = f->fx, fy = f->fy, fz = f->fz;
    c->kx = f->kx / (float)(fx * fx);
    c->ky = f->ky / (float)(fy * fy);
    c->kz = f->kz / (float)(fz * fz);
    for (int K = 0; K <= c->nz; K++)
        for (int J = 0; J <= c->ny; J++)
            for (int I = 0; I <= c->nx; I++) {
                size_t cc = pidx(c, I, J, K);
                if (J < c->ny && K < c->nz) {
                    int i = I * fx > f->nx ? f->nx : I * fx, s = 0;
                    for (int k = K * fz; k < K * fz + fz && k < f->nz; k++)
                        for (int j = J * fy; j < J * fy + fy && j < f->ny; j++)
                            s += f->cx[pidx(f, i, j, k)];
                    c->cx[cc] = fraction(s, fy * fz);
                }
                if (I < c->nx && K < c->nz) {
                    int j = J * fy > f->ny ? f->ny : J * fy, s = 0;
                    for (int k = K * fz; k < K * fz + fz && k < f->nz; k++)
                        for (int i = I * fx; i < I * fx + fx && i < f->nx; i++)
                            s += f->cy[pidx(f, i, j, k)];
                    c->cy[cc] = fraction(s, fx * fz);
                }
                if (I < c->nx && J < c->ny) {
                    int k = K * fz > f->nz ? f->nz : K * fz, s = 0;
                    for (int j = J * fy; j < J * fy + fy && j < f->ny; j++)
                        for (int i = I * fx; i < I * fx + fx && i < f->nx; i++)
                            s += f->cz[pidx(f, i, j, k)];
                    c->cz[cc] = fraction(s, fx * fy);
                }
            }
}

/* New values x = (b + sum of the neighbours' flux) / diagonal for a whole
 * row of n cells starting at padded index c, into t (the caller keeps the
 * ones of one colour). Every cell is computed, both colours: a contiguous
 * loop the compiler vectorises, which costs less than a stride-2 one that
 * it cannot. The diagonal is the sum of the six face coefficients; a solid
 * cell (diagonal 0, b 0, every face closed) gets 0. */
static void row_relax(const mg_level *l, const float *restrict x, const float *restrict b, size_t c,
                      float *restrict t)
{
    const uint8_t *restrict cx = l->cx + c, *restrict cy = l->cy + c, *restrict cz = l->cz + c;
    const uint8_t *restrict cyn = l->cy + c + l->sx, *restrict czt = l->cz + c + l->sxy;
    const float *restrict xc = x + c, *restrict xs = x + c - l->sx, *restrict xn = x + c + l->sx;
    const float *restrict xb = x + c - l->sxy, *restrict xt = x + c + l->sxy;
    const float *restrict bc = b + c;
    const float kx = l->kx, ky = l->ky, kz = l->kz;
    const int n = l->nx;
    for (int i = 0; i < n; i++) {
        float a0 = kx * (float)(int)cx[i], a1 = kx * (float)(int)cx[i + 1],
              a2 = ky * (float)(int)cy[i], a3 = ky * (float)(int)cyn[i],
              a4 = kz * (float)(int)cz[i], a5 = kz * (float)(int)czt[i];
        float d = a0 + a1 + a2 + a3 + a4 + a5;
        float s =
            a0 * xc[i - 1] + a1 * xc[i + 1] + a2 * xs[i] + a3 * xn[i] + a4 * xb[i] + a5 * xt[i];
        t[i] = (bc[i] + s) / (d + 1e-30f); /* solid: 0 / 1e-30, no branch */
    }
}

static void row_keep(float *restrict x, const float *restrict t, int i0, int n)
{
    for (int i = i0; i < n; i += 2) x[i] = t[i];
}

/* One symmetric-order Gauss-Seidel sweep on L x = b: colour `first` (0 red,
 * 1 black; the colour of cell i, j, k is (i + j + k) & 1) on every cell,
 * then the other colour. Both half-sweeps go through memory once
 * together: the second colour of row j - 1 (all levels k) follows the first
 * colour of row j, when every neighbour it reads has its new value, so the
 * rows in flight stay in the cache. The result is the same as two separate
 * half-sweeps. t: a row of scratch (nx floats). */
static void smooth_rb(mg_level *l, const float *b, int first, float *t)
{
    float *x = l->x;
    for (int j = 0; j <= l->ny; j++) {
        if (j < l->ny)
            for (int k = 0; k < l->nz; k++) {
                size_t c = pidx(l, 0, j, k);
                row_relax(l, x, b, c, t);
                row_keep(x + c, t, (first + j + k) & 1, l->nx);
            }
        if (j > 0)
            for (int k = 0; k < l->nz; k++) {
                size_t c = pidx(l, 0, j - 1, k);
                row_relax(l, x, b, c, t);
                row_keep(x + c, t, (first + 1 + j - 1 + k) & 1, l->nx);
            }
    }
}

static void zero_real(mg_level *l, float *v)
{
    memset(v, 0, l->total * sizeof *v);
}

/* L x of a row into t. */
static void row_lx(const mg_level *l, const float *restrict x, size_t c, float *restrict t)
{
    const uint8_t *restrict cx = l->cx + c, *restrict cy = l->cy + c, *restrict cz = l->cz + c;
    const uint8_t *restrict cyn = l->cy + c + l->sx, *restrict czt = l->cz + c + l->sxy;
    const float *restrict xc = x + c, *restrict xs = x + c - l->sx, *restrict xn = x + c + l->sx;
    const float *restrict xb = x + c - l->sxy, *restrict xt = x + c + l->sxy;
    const float kx = l->kx, ky = l->ky, kz = l->kz;
    const int n = l->nx;
    for (int i = 0; i < n; i++) {
        float a0 = kx * (float)(int)cx[i], a1 = kx * (float)(int)cx[i + 1],
              a2 = ky * (float)(int)cy[i], a3 = ky * (float)(int)cyn[i],
              a4 = kz * (float)(int)cz[i], a5 = kz * (float)(int)czt[i];
        float d = a0 + a1 + a2 + a3 + a4 + a5;
        t[i] = d * xc[i] - (a0 * xc[i - 1] + a1 * xc[i + 1] + a2 * xs[i] + a3 * xn[i] + a4 * xb[i] +
                            a5 * xt[i]);
    }
}

/* The coarse right-hand side: the mean of the fine residuals b - L x over
 * each coarse cell, row by row through a scratch row t. */
static void restrict_residual(const mg_level *l, const float *b, mg_level *c, float *t)
{
    const float scale = 1.0f / (float)(l->fx * l->fy * l->fz);
    zero_real(c, c->b);
    for (int k = 0; k < l->nz; k++)
        for (int j = 0; j < l->ny; j++) {
            size_t f = pidx(l, 0, j, k);
            row_lx(l, l->x, f, t);
            for (int i = 0; i < l->nx; i++) t[i] = b[f + i] - t[i]; /* solid: 0 - 0 */
            float *restrict row = c->b + pidx(c, 0, j / l->fy, k / l->fz);
            if (l->fx == 2) {
                int i = 0;
                for (; i + 1 < l->nx; i += 2) row[i >> 1] += (t[i] + t[i + 1]) * scale;
                if (i < l->nx) row[i >> 1] += t[i] * scale;
            } else {
                for (int i = 0; i < l->nx; i++) row[i] += t[i] * scale;
            }
        }
}

/* Sum of a[i] b[i]: eight independent float chains (a loop the compiler
 * can vectorise without reordering a single chain), summed in double. */
static double dotn(const float *restrict a, const float *restrict b, size_t n)
{
    double s = 0;
    size_t i = 0;
    while (i < n) {
        size_t end = n - i > 4096 ? i + 4096 : n;
        float acc[8] = {0};
        for (; i + 8 <= end; i += 8)
            for (int q = 0; q < 8; q++) acc[q] += a[i + q] * b[i + q];
        for (; i < end; i++) acc[0] += a[i] * b[i];
        s += ((double)acc[0] + acc[1]) + ((double)acc[2] + acc[3]) + ((double)acc[4] + acc[5]) +
             ((double)acc[6] + acc[7]);
    }
    return s;
}

/* sol += a p, res -= a q in one pass; returns |res|^2 (as dotn). */
static double cg_step(float *restrict sol, float *restrict res, const float *restrict p,
                      const float *restrict q, float a, size_t n)
{
    double s = 0;
    size_t i = 0;
    while (i < n) {
        size_t end = n - i > 4096 ? i + 4096 : n;
        float acc[8] = {0};
        for (; i + 8 <= end; i += 8)
            for (int k = 0; k < 8; k++) {
                sol[i + k] += a * p[i + k];
                float r = res[i + k] - a * q[i + k];
                res[i + k] = r;
                acc[k] += r * r;
            }
        for (; i < end; i++) {
            sol[i] += a * p[i];
            res[i] -= a * q[i];
            acc[0] += res[i] * res[i];
        }
        s += ((double)acc[0] + acc[1]) + ((double)acc[2] + acc[3]) + ((double)acc[4] + acc[5]) +
             ((double)acc[6] + acc[7]);
    }
    return s;
}

/* L x into out on real cells (0 in solid cells, and in the ghosts if out
 * was zero); returns the dot product of x and out. */
static double apply(const mg_level *l, const float *x, float *out)
{
    double dot = 0;
    for (int k = 0; k < l->nz; k++)
        for (int j = 0; j < l->ny; j++) {
            size_t c = pidx(l, 0, j, k);
            row_lx(l, x, c, out + c);
            dot += dotn(x + c, out + c, (size_t)l->nx);
        }
    return dot;
}

/* x = V-cycle(b) on level li, starting from x = 0. Symmetric: red-black
 * before, black-red after, so it is a valid CG preconditioner. */
static void vcycle(mg *m, int li, const float *b)
{
    mg_level *l = &m->lv[li];
    zero_real(l, l->x);
    if (li == m->levels - 1) {
        for (int s = 0; s < MG_COARSE_SWEEPS; s++) {
            smooth_rb(l, b, 0, m->t);
            smooth_rb(l, b, 1, m->t);
        }
        return;
    }
    for (int s = 0; s < m->nu; s++) smooth_rb(l, b, 0, m->t);
    mg_level *c = &m->lv[li + 1];
    restrict_residual(l, b, c, m->t);
    vcycle(m, li + 1, c->b);
    for (int k = 0; k < l->nz; k++)
        for (int j = 0; j < l->ny; j++) {
            size_t f = pidx(l, 0, j, k);
            size_t cbase = pidx(c, 0, j / l->fy, k / l->fz);
            float *restrict xf = l->x + f;
            const float *restrict xc = c->x + cbase;
            if (l->fx == 2) { /* solid cells get some too: harmless, never read */
                for (int i = 0; i < l->nx / 2; i++) {
                    xf[2 * i] += xc[i];
                    xf[2 * i + 1] += xc[i];
                }
                if (l->nx & 1) xf[l->nx - 1] += xc[l->nx / 2];
            } else {
                for (int i = 0; i < l->nx; i++) xf[i] += xc[i];
            }
        }
    for (int s = 0; s < m->nu; s++) smooth_rb(l, b, 1, m->t);
}

static void mg_free(mg *m)
{
    for (int i = 0; i < m->levels; i++) level_free(&m->lv[i], i > 0);
    m->levels = 0;
    free(m->t);
    free(m->kmin);
    m->t = NULL;
    m->kmin = NULL;
}

/* Builds the hierarchy. Coarsens the directions whose effective spacing is
 * within 1.5 times the smallest, so strongly anisotropic cells first become
 * near-cubic (semi-coarsening), and stops at a few cells. */
static bool mg_build(mg *m, const tw_windsolve_grid *g, const float *top, double alpha, bool lid,
                     bool reuse)
{
    if (reuse) { /* the same shape as before: only the coefficients change */
        level_fine(&m->lv[0], g, top, alpha, lid, m->kmin);
        for (int i = 1; i < m->levels; i++) level_coarsen(&m->lv[i - 1], &m->lv[i]);
        return true;
    }
    memset(m, 0, sizeof *m);
    m->nu = 2;
    m->t = malloc(((size_t)g->nx + 2) * sizeof *m->t);
    m->kmin = malloc((size_t)g->nx * g->ny * sizeof *m->kmin);
    mg_level *l = &m->lv[0];
    if (!m->t || !m->kmin) return false;
    if (!level_alloc(l, g->nx, g->ny, g->nz, false)) return false;
    m->levels = 1;
    l->hx = g->dx;
    l->hy = g->dy;
    l->hz = g->dz / alpha;
    level_fine(l, g, top, alpha, lid, m->kmin);
    while (m->levels < MG_MAX_LEVELS) {
        l = &m->lv[m->levels - 1];
        if ((long)l->nx * l->ny * l->nz <= MG_COARSE_CELLS) break;
        double hmin = INFINITY;
        if (l->nx > 1) hmin = fmin(hmin, l->hx);
        if (l->ny > 1) hmin = fmin(hmin, l->hy);
        if (l->nz > 1) hmin = fmin(hmin, l->hz);
        l->fx = (l->nx > 1 && l->hx <= 1.5 * hmin) ? 2 : 1;
        l->fy = (l->ny > 1 && l->hy <= 1.5 * hmin) ? 2 : 1;
        l->fz = (l->nz > 1 && l->hz <= 1.5 * hmin) ? 2 : 1;
        if (l->fx * l->fy * l->fz == 1) break;
        mg_level *c = &m->lv[m->levels];
        if (!level_alloc(c, (l->nx + l->fx - 1) / l->fx, (l->ny + l->fy - 1) / l->fy,
                         (l->nz + l->fz - 1) / l->fz, true))
            return m->levels++, false;
        m->levels++;
        c->hx = l->hx * l->fx;
        c->hy = l->hy * l->fy;
        c->hz = l->hz * l->fz;
        level_coarsen(l, c);
    }
    m->lv[m->levels - 1].fx = m->lv[m->levels - 1].fy = m->lv[m->levels - 1].fz = 1;
    return true;
}

static double dot(const mg_level *l, const float *a, const float *b)
{
    double s = 0;
    for (int k = 0; k < l->nz; k++)
        for (int j = 0; j < l->ny; j++) {
            size_t c = pidx(l, 0, j, k);
            s += dotn(a + c, b + c, (size_t)l->nx);
        }
    return s;
}

/* Face value of the initial field between cells a and b (either may be
 * outside: give its fluid flag false and in_a/in_b false). */
static inline float face0(bool in_a, bool fa, float va, bool in_b, bool fb, float vb)
{
    if (in_a && in_b) return (fa && fb) ? 0.5f * (va + vb) : 0.0f;
    if (in_a) return fa ? va : 0.0f;
    return (in_b && fb) ? vb : 0.0f;
}

/* Divergence of the face field built from cell-centre values (u, v, w at
 * cell centres) into out (padded, level layout), or RMS/max only. */
static void divergence(const mg_level *l, const tw_windsolve_grid *g, const float *top,
                       const float *u, const float *v, const float *w, float *out, double *rms,
                       double *max, long *fluid)
{
    const int nx = g->nx, ny = g->ny, nz = g->nz;
    double sum = 0, mx = 0;
    long nf = 0;
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                size_t at = ((size_t)k * ny + j) * nx + i;
                if (!fluid_cell(g, top, i, j, k)) {
                    if (out) out[pidx(l, i, j, k)] = 0;
                    continue;
                }
                bool fw = i > 0 && fluid_cell(g, top, i - 1, j, k);
                bool fe = i < nx - 1 && fluid_cell(g, top, i + 1, j, k);
                bool fs = j > 0 && fluid_cell(g, top, i, j - 1, k);
                bool fn = j < ny - 1 && fluid_cell(g, top, i, j + 1, k);
                bool fb = k > 0 && fluid_cell(g, top, i, j, k - 1);
                bool ft = k < nz - 1 && fluid_cell(g, top, i, j, k + 1);
                float uw = face0(i > 0, fw, i > 0 ? u[at - 1] : 0, true, true, u[at]);
                float ue = face0(true, true, u[at], i < nx - 1, fe, i < nx - 1 ? u[at + 1] : 0);
                float vs = face0(j > 0, fs, j > 0 ? v[at - nx] : 0, true, true, v[at]);
                float vn = face0(true, true, v[at], j < ny - 1, fn, j < ny - 1 ? v[at + nx] : 0);
                float wb = 0, wt = 0;
                if (w) {
                    size_t sl = (size_t)nx * ny;
                    wb = k > 0 ? face0(true, fb, w[at - sl], true, true, w[at]) : 0;
                    wt = face0(true, true, w[at], k < nz - 1, ft, k < nz - 1 ? w[at + sl] : 0);
                }
                double d = (ue - uw) / g->dx + (vn - vs) / g->dy + (wt - wb) / g->dz;
                if (out) out[pidx(l, i, j, k)] = (float)d;
                sum += d * d;
                if (fabs(d) > mx) mx = fabs(d);
                nf++;
            }
    if (rms) *rms = nf ? sqrt(sum / nf) : 0;
    if (max) *max = mx;
    if (fluid) *fluid = nf;
}

static bool grid_ok(const tw_windsolve_grid *g)
{
    return g && g->nx >= 1 && g->ny >= 1 && g->nz >= 1 && g->dx > 0 && g->dy > 0 && g->dz > 0 &&
           isfinite(g->dx) && isfinite(g->dy) && isfinite(g->dz) &&
           (double)g->nx * g->ny * g->nz <= (double)(1 << 28);
}

void tw_windsolve_divergence(const tw_windsolve_grid *g, const float *top, const float *u,
                             const float *v, const float *w, double *rms, double *max)
{
    if (rms) *rms = 0;
    if (max) *max = 0;
    if (!grid_ok(g) || !u || !v) return;
    divergence(NULL, g, top, u, v, w, NULL, rms, max, NULL);
}

/* Face velocities from phi and the initial field, averaged to cell centres;
 * also the divergence of the face field. Row by row: the faces of a row
 * first (each x face once, the y and z faces with the row's boundary case
 * decided outside the loop; loops the compiler vectorises), then the
 * cells. A face is open when its coefficient is non-zero; a cell is fluid
 * from its column's kmin up. Returns false when out of memory. */
static bool velocities(const mg_level *l, const tw_windsolve_grid *g, const int *kmin, double alpha,
                       const float *phi, const float *u0, const float *v0, const float *w0,
                       float *u, float *v, float *w, double *rms, double *max)
{
    const int nx = g->nx, ny = g->ny, nz = g->nz;
    const size_t sl = (size_t)nx * ny;
    const float ix = (float)(1.0 / g->dx), iy = (float)(1.0 / g->dy),
                iza = (float)(alpha * alpha / g->dz);
    const double dix = 1.0 / g->dx, diy = 1.0 / g->dy, diz = 1.0 / g->dz;
    float *buf = calloc((size_t)6 * (nx + 1), sizeof *buf);
    if (!buf) return false;
    float *fx = buf, *fs = fx + nx + 1, *fn = fs + nx + 1, *fb = fn + nx + 1, *ft = fb + nx + 1,
          *zero = ft + nx + 1; /* zero: w0 when there is none */
    double sum = 0, mx = 0;
    long nf = 0;
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++) {
            const size_t at = ((size_t)k * ny + j) * nx, c = pidx(l, 0, j, k);
            const float *restrict ur = u0 + at, *restrict vr = v0 + at;
            const float *restrict wr = w0 ? w0 + at : zero;
            const float *restrict wbr = w0 && k > 0 ? w0 + at - sl : zero;
            const float *restrict wtr = w0 && k < nz - 1 ? w0 + at + sl : zero;
            const float *restrict vs = j > 0 ? v0 + at - nx : vr, *restrict vn = j < ny - 1
                                                                                     ? v0 + at + nx
                                                                                     : vr;
            const float *restrict p = phi + c, *restrict ps = phi + c - l->sx,
                                  *restrict pn = phi + c + l->sx, *restrict pb = phi + c - l->sxy,
                                  *restrict pt = phi + c + l->sxy;
            const uint8_t *restrict cx = l->cx + c, *restrict cys = l->cy + c,
                                    *restrict cyn = l->cy + c + l->sx, *restrict czb = l->cz + c,
                                    *restrict czt = l->cz + c + l->sxy;
            /* x faces: 0 and nx are the open boundary (phi = 0 half a cell out) */
            fx[0] = cx[0] ? ur[0] + 2 * p[0] * ix : 0;
            for (int i = 1; i < nx; i++) {
                float f = 0.5f * (ur[i - 1] + ur[i]) + (p[i] - p[i - 1]) * ix;
                fx[i] = cx[i] ? f : 0.0f;
            }
            fx[nx] = cx[nx] ? ur[nx - 1] - 2 * p[nx - 1] * ix : 0;
            if (j == 0)
                for (int i = 0; i < nx; i++) fs[i] = cys[i] ? vr[i] + 2 * p[i] * iy : 0.0f;
            else
                for (int i = 0; i < nx; i++) {
                    float f = 0.5f * (vs[i] + vr[i]) + (p[i] - ps[i]) * iy;
                    fs[i] = cys[i] ? f : 0.0f;
                }
            if (j == ny - 1)
                for (int i = 0; i < nx; i++) fn[i] = cyn[i] ? vr[i] - 2 * p[i] * iy : 0.0f;
            else
                for (int i = 0; i < nx; i++) {
                    float f = 0.5f * (vr[i] + vn[i]) + (pn[i] - p[i]) * iy;
                    fn[i] = cyn[i] ? f : 0.0f;
                }
            for (int i = 0; i < nx; i++) { /* the grid base (k 0) is closed */
                float f = 0.5f * (wbr[i] + wr[i]) + (p[i] - pb[i]) * iza;
                fb[i] = czb[i] ? f : 0.0f;
            }
            if (k == nz - 1)
                for (int i = 0; i < nx; i++) ft[i] = czt[i] ? wr[i] - 2 * p[i] * iza : 0.0f;
            else
                for (int i = 0; i < nx; i++) {
                    float f = 0.5f * (wr[i] + wtr[i]) + (pt[i] - p[i]) * iza;
                    ft[i] = czt[i] ? f : 0.0f;
                }
            const int *km = kmin + (size_t)j * nx;
            float *restrict uo = u + at, *restrict vo = v + at, *restrict wo = w + at;
            for (int i = 0; i < nx; i++) {
                bool fluid = k >= km[i];
                uo[i] = fluid ? 0.5f * (fx[i] + fx[i + 1]) : 0.0f;
                vo[i] = fluid ? 0.5f * (fs[i] + fn[i]) : 0.0f;
                wo[i] = fluid ? 0.5f * (fb[i] + ft[i]) : 0.0f;
            }
            for (int i = 0; i < nx; i++) {
                if (k < km[i]) continue;
                double d = ((double)fx[i + 1] - fx[i]) * dix + ((double)fn[i] - fs[i]) * diy +
                           ((double)ft[i] - fb[i]) * diz;
                sum += d * d;
                if (fabs(d) > mx) mx = fabs(d);
                nf++;
            }
        }
    free(buf);
    *rms = nf ? sqrt(sum / nf) : 0;
    *max = mx;
    return true;
}

static void workspace_clear(tw_windsolve_workspace *ws)
{
    if (ws->built) mg_free(&ws->m);
    free(ws->sol);
    free(ws->res);
    free(ws->p);
    memset(ws, 0, sizeof *ws);
}

tw_windsolve_workspace *tw_windsolve_workspace_create(void)
{
    return calloc(1, sizeof(tw_windsolve_workspace));
}

void tw_windsolve_workspace_destroy(tw_windsolve_workspace *ws)
{
    if (!ws) return;
    workspace_clear(ws);
    free(ws);
}

tw_result tw_windsolve_run(const tw_windsolve_desc *d, float *u, float *v, float *w,
                           tw_windsolve_stats *st)
{
    tw_windsolve_stats local;
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    if (!d || !u || !v || !w || !d->u0 || !d->v0) return TW_ERR_ARG;
    const tw_windsolve_grid *g = &d->grid;
    if (!grid_ok(g)) {
        if (g && (double)g->nx * g->ny * g->nz > (double)(1 << 28) && g->nx > 0 && g->ny > 0 &&
            g->nz > 0)
            return TW_ERR_TOOBIG;
        return TW_ERR_ARG;
    }
    const double alpha = d->alpha > 0 ? d->alpha : 1.0;
    const double tol = d->tol > 0 ? d->tol : 3e-4;
    const int max_cycles = d->max_cycles > 0 ? d->max_cycles : 50;
    double t0 = tw_time_mono_s();
    tw_windsolve_workspace own = {0}, *ws = d->ws ? d->ws : &own;
    bool same = ws->built && ws->nx == g->nx && ws->ny == g->ny && ws->nz == g->nz &&
                ws->dx == g->dx && ws->dy == g->dy && ws->dz == g->dz && ws->alpha == alpha;
    if (ws->built && !same) workspace_clear(ws);
    ws->built = true;
    ws->nx = g->nx, ws->ny = g->ny, ws->nz = g->nz;
    ws->dx = g->dx, ws->dy = g->dy, ws->dz = g->dz, ws->alpha = alpha;
    mg *mp = &ws->m;
    if (!mg_build(mp, g, d->top, alpha, d->rigid_lid, same)) {
        workspace_clear(ws);
        return TW_ERR_NOMEM;
    }
    mg_level *l = &mp->lv[0];
    st->levels = mp->levels;
    if (!same) {
        ws->sol = alloc_padded(l->total);
        ws->res = alloc_padded(l->total);
        ws->p = alloc_padded(l->total);
    } else if (ws->sol) {
        memset(ws->sol, 0, l->total * sizeof *ws->sol);
    }
    float *sol = ws->sol, *res = ws->res, *p = ws->p;
    float *q = l->x; /* A p: its life ends before the V-cycle writes x */
    tw_result r = TW_OK;
    if (!sol || !res || !p) {
        r = TW_ERR_NOMEM;
        goto done;
    }
    /* L phi = div0: with u = u0 + grad phi, div u = div0 - L phi. */
    divergence(l, g, d->top, d->u0, d->v0, d->w0, res, &st->div0, NULL, &st->fluid);
    /* Cells sealed off by solid on every side take no part. */
    for (int k = 0; k < g->nz; k++)
        for (int j = 0; j < g->ny; j++) {
            size_t c = pidx(l, 0, j, k);
            for (int i = 0; i < g->nx; i++, c++)
                if (l->cx[c] + l->cx[c + 1] + l->cy[c] + l->cy[c + l->sx] + l->cz[c] +
                        l->cz[c + l->sxy] ==
                    0)
                    res[c] = 0;
        }
    double bnorm = sqrt(dot(l, res, res));
    if (bnorm > 0) {
        vcycle(mp, 0, res);
        memcpy(p, l->x, l->total * sizeof *p);
        double rz = dot(l, res, l->x);
        for (int it = 0; it < max_cycles; it++) {
            if (d->cancel && *d->cancel) {
                r = TW_ERR_CANCELLED;
                goto done;
            }
            double pq = apply(l, p, q);
            if (!(pq > 0)) break;
            float a = (float)(rz / pq);
            double rr = cg_step(sol, res, p, q, a, l->total);
            st->cycles = it + 1;
            if (sqrt(rr) <= tol * bnorm) break;
            vcycle(mp, 0, res);
            double rz1 = dot(l, res, l->x);
            float beta = (float)(rz1 / rz);
            rz = rz1;
            for (size_t c = 0; c < l->total; c++) p[c] = l->x[c] + beta * p[c];
        }
    }
    if (!velocities(l, g, mp->kmin, alpha, sol, d->u0, d->v0, d->w0, u, v, w, &st->div,
                    &st->max_div))
        r = TW_ERR_NOMEM;
done:
    if (ws == &own || r == TW_ERR_NOMEM) workspace_clear(ws);
    st->ms = (tw_time_mono_s() - t0) * 1000.0;
    return r;
}

double tw_windsolve_bench_sweep(const tw_windsolve_desc *d)
{
    if (!d || !grid_ok(&d->grid)) return -1;
    mg m;
    memset(&m, 0, sizeof m);
    mg_level *l = &m.lv[0];
    double alpha = d->alpha > 0 ? d->alpha : 1.0;
    if (!level_alloc(l, d->grid.nx, d->grid.ny, d->grid.nz, true)) {
        level_free(l, true);
        return -1;
    }
    float *t = malloc(((size_t)d->grid.nx + 2) * sizeof *t);
    int *kmin = malloc((size_t)d->grid.nx * d->grid.ny * sizeof *kmin);
    if (!t || !kmin) {
        free(t);
        free(kmin);
        level_free(l, true);
        return -1;
    }
    level_fine(l, &d->grid, d->top, alpha, d->rigid_lid, kmin);
    free(kmin);
    smooth_rb(l, l->b, 0, t); /* warm-up: the pages are touched */
    double t0 = cpu_s();
    smooth_rb(l, l->b, 0, t);
    double ms = (cpu_s() - t0) * 1000.0;
    free(t);
    level_free(l, true);
    return ms;
}
