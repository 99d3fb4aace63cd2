/* Sun hours by sweeping shadow heights along the sun's azimuth (see the
 * header for the method). */
#include "tw_sunhours_int.h"

#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#ifdef __linux__
#include <sys/mman.h>
#endif
#include <stdlib.h>
#include <string.h>

#define TW_SH_FAR_EVERY 16

void *tw_sunhours_alloc(size_t bytes, bool zero)
{
#ifdef __linux__
    const size_t huge = (size_t)2 << 20;
    if (bytes >= 2 * huge) {
        size_t size = (bytes + huge - 1) / huge * huge;
        void *p = aligned_alloc(huge, size);
        if (p) {
            madvise(p, size, MADV_HUGEPAGE);
            if (zero) memset(p, 0, bytes);
            return p;
        }
    }
#endif
    return zero ? calloc(1, bytes ? bytes : 1) : malloc(bytes ? bytes : 1);
}

void tw_sunhours_add(tw_sunhours_result *r, float *run, bool lit, const tw_sunhours_step *s)
{
    if (!lit) {
        *run = 0;
        return;
    }
    r->hours += (float)s->w_total;
    r->hours_8_16 += (float)s->w_8_16;
    *run += (float)s->w_9_15;
    if (*run > r->cont_9_15) r->cont_9_15 = *run;
}

void tw_sunhours_judge(tw_sunhours_result *r)
{
    r->pass = r->cont_9_15 >= 2.0f - 1e-4f || r->hours_8_16 >= 4.0f - 1e-4f;
}

/* Even-odd containment over a prism's rings. */
bool tw_sh__inside(const tw_obstacles *o, int k, double x, double y)
{
    bool in = false;
    for (int r = o->ring_first[k]; r < o->ring_end[k]; r++) {
        int s = o->ring_start[r], e = o->ring_start[r + 1];
        for (int i = s, j = e - 1; i < e; j = i++) {
            double xi = o->xy[2 * i], yi = o->xy[2 * i + 1];
            double xj = o->xy[2 * j], yj = o->xy[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
        }
    }
    return in;
}

static void tw__prism_bbox(const tw_obstacles *o, int k, double b[4])
{
    b[0] = b[1] = INFINITY, b[2] = b[3] = -INFINITY;
    for (int i = o->ring_start[o->ring_first[k]]; i < o->ring_start[o->ring_end[k]]; i++) {
        b[0] = fmin(b[0], o->xy[2 * i]), b[1] = fmin(b[1], o->xy[2 * i + 1]);
        b[2] = fmax(b[2], o->xy[2 * i]), b[3] = fmax(b[3], o->xy[2 * i + 1]);
    }
}

tw_result tw_sunhours_facades(const tw_obstacles *o, const double area[4], double floor_h,
                              double min_wall_m, const tw_sunhours_step *steps, int step_count,
                              tw_facade_point **out, int *count)
{
    *out = NULL, *count = 0;
    if (!o || floor_h <= 0) return TW_OK;
    size_t cap = 256, n = 0;
    tw_facade_point *pts = malloc(cap * sizeof *pts);
    /* The sun's directions above the horizon, once. */
    double *su = malloc(((size_t)step_count + 1) * 2 * sizeof *su);
    int nsun = 0;
    if (!pts || !su) {
        free(pts), free(su);
        return TW_ERR_NOMEM;
    }
    for (int t = 0; t < step_count; t++)
        if (steps[t].elevation_deg > 0) {
            double az = steps[t].azimuth_deg * TW_SH_PI / 180.0;
            su[2 * nsun] = sin(az), su[2 * nsun + 1] = cos(az), nsun++;
        }
    for (int k = 0; k < o->count; k++) {
        double bb[4];
        tw__prism_bbox(o, k, bb);
        if (bb[2] < area[0] || bb[0] > area[2] || bb[3] < area[1] || bb[1] > area[3]) continue;
        int floors = (int)floor((o->top[k] - o->base[k]) / floor_h + 0.25);
        if (floors < 1) continue;
        for (int r = o->ring_first[k]; r < o->ring_end[k]; r++) {
            int s = o->ring_start[r], e = o->ring_start[r + 1];
            for (int i = s; i < e; i++) {
                int j = i + 1 < e ? i + 1 : s;
                double ax = o->xy[2 * i], ay = o->xy[2 * i + 1];
                double bx = o->xy[2 * j], by = o->xy[2 * j + 1];
                double len = hypot(bx - ax, by - ay);
                if (len < min_wall_m || len <= 0) continue;
                double mx = 0.5 * (ax + bx), my = 0.5 * (ay + by);
                if (mx < area[0] || mx > area[2] || my < area[1] || my > area[3]) continue;
                double nx = (by - ay) / len, ny = -(bx - ax) / len;
                if (tw_sh__inside(o, k, mx + 0.05 * nx, my + 0.05 * ny)) nx = -nx, ny = -ny;
                bool faces = false;
                for (int t = 0; t < nsun && !faces; t++)
                    faces = nx * su[2 * t] + ny * su[2 * t + 1] > 1e-6;
                if (!faces) continue;
                for (int f = 0; f < floors; f++) {
                    if (n == cap) {
                        tw_facade_point *grown = realloc(pts, 2 * cap * sizeof *pts);
                        if (!grown) {
                            free(pts), free(su);
                            return TW_ERR_NOMEM;
                        }
                        pts = grown, cap *= 2;
                    }
                    pts[n++] = (tw_facade_point){.x = mx + 0.05 * nx,
                                                 .y = my + 0.05 * ny,
                                                 .z = o->base[k] + (f + 0.5) * floor_h,
                                                 .nx = (float)nx,
                                                 .ny = (float)ny,
                                                 .prism = k,
                                                 .id = o->id[k],
                                                 .floor = f + 1};
                }
            }
        }
    }
    free(su);
    *out = pts, *count = (int)n;
    return TW_OK;
}

static float tw__far_z(const tw__sh *s, double x, double y)
{
    const tw_heightfield *hf = s->d->far;
    if (!hf) return (float)s->d->far_z;
    int i = (int)floor((x - hf->x0) / hf->dx + 0.5), j = (int)floor((y - hf->y0) / hf->dy + 0.5);
    if (i < 0 || j < 0 || i >= hf->nx || j >= hf->ny) return -INFINITY;
    float z = hf->z[(size_t)j * hf->nx + i];
    return isnan(z) ? -INFINITY : z;
}

/* The highest shadow terrain beyond p casts at p: max of z(p + u t) - t tan(e). */
static float tw__horizon(const tw__sh *s, double px, double py)
{
    const tw_heightfield *hf = s->d->far;
    if (!hf) return -INFINITY;
    double step = fmax(hf->dx, hf->dy) * 0.5, far_m = s->d->far_m > 0 ? s->d->far_m : 20000;
    float best = -INFINITY;
    for (double t = step; t <= far_m; t += step) {
        if (s->far_zmax - t * s->te <= best) break;
        float z = tw__far_z(s, px + s->ux * t, py + s->uy * t);
        if (isfinite(z) && z - t * s->te > best) best = (float)(z - t * s->te);
    }
    return best;
}

static inline float tw__dsm_at(const tw__sh *s, double x, double y, long *cell)
{
    const tw_grid *g = &s->d->grid;
    int i = (int)floor((x - g->x0) / g->dx), j = (int)floor((y - g->y0) / g->dy);
    if (i < 0 || j < 0 || i >= g->nx || j >= g->ny) {
        *cell = -1;
        return tw__far_z(s, x, y);
    }
    *cell = (long)j * g->nx + i;
    return s->d->dsm[*cell];
}

/* Index in the sweep's layout of grid cell (i, j). */
static inline size_t tw__lay(const tw__sh *s, int i, int j)
{
    const tw_grid *g = &s->d->grid;
    return s->by_col ? (size_t)i * g->ny + j : (size_t)j * g->nx + i;
}

/* Horizon of the far terrain at grid cell (i, j), every few cells along an
 * edge and interpolated between. */
static void tw__edge(const tw__sh *s, int n, bool major, int fixed, int base, float *out)
{
    const tw_grid *g = &s->d->grid;
    float prev = -INFINITY;
    int prev_k = 0;
    for (int k = 0;; k += TW_SH_FAR_EVERY) {
        int kk = k < n ? k : n - 1;
        /* major edge: position b = kk on the first line; minor: sweep position kk */
        int i, j;
        if (major)
            i = s->by_col ? fixed : base + kk, j = s->by_col ? base + kk : fixed;
        else
            i = s->by_col ? base + kk : fixed, j = s->by_col ? fixed : base + kk;
        float v = s->d->far ? tw__horizon(s, g->x0 + (i + 0.5) * g->dx + s->ux * g->dx,
                                          g->y0 + (j + 0.5) * g->dy + s->uy * g->dy)
                            : -INFINITY;
        out[kk] = v;
        for (int m = prev_k + 1; k > 0 && m < kk; m++) {
            float t = (float)(m - prev_k) / (float)(kk - prev_k);
            out[m] = isfinite(prev) && isfinite(v) ? prev + (v - prev) * t : fmaxf(prev, v);
        }
        prev = v, prev_k = kk;
        if (kk == n - 1) break;
    }
}

void tw_sh__setup(tw__sh *s, const tw_sunhours_step *st)
{
    const tw_grid *g = &s->d->grid;
    double az = st->azimuth_deg * TW_SH_PI / 180.0, d = g->dx;
    s->ux = sin(az), s->uy = cos(az);
    s->te = tan(st->elevation_deg * TW_SH_PI / 180.0);
    /* Major axis: the one the sun's direction runs along most. */
    s->by_col = fabs(s->ux) >= fabs(s->uy);
    /* Only the cells that can shade the area: the area (and a band around
     * it for facade points) grown towards the sun as far as the highest
     * surface's shadow reaches. */
    const tw_sunhours_desc *dd = s->d;
    double reach = s->te > 0 ? (s->zmax - s->zmin_area) / s->te / d + 2 : 1e9;
    reach = fmin(fmax(reach, 0), 1e9);
    int pad = 64;
    int wi0 = dd->ax0 - pad - (s->ux < 0 ? (int)fmin(reach * -s->ux, 1e8) : 0);
    int wi1 = dd->ax0 + dd->anx - 1 + pad + (s->ux > 0 ? (int)fmin(reach * s->ux, 1e8) : 0);
    int wj0 = dd->ay0 - pad - (s->uy < 0 ? (int)fmin(reach * -s->uy, 1e8) : 0);
    int wj1 = dd->ay0 + dd->any - 1 + pad + (s->uy > 0 ? (int)fmin(reach * s->uy, 1e8) : 0);
    s->win[0] = wi0 < 0 ? 0 : wi0, s->win[2] = wi1 >= g->nx ? g->nx - 1 : wi1;
    s->win[1] = wj0 < 0 ? 0 : wj0, s->win[3] = wj1 >= g->ny ? g->ny - 1 : wj1;
    s->NB = s->by_col ? g->ny : g->nx; /* the layout's row length */
    s->amin = s->by_col ? s->win[0] : s->win[1], s->amax = s->by_col ? s->win[2] : s->win[3];
    s->bmin = s->by_col ? s->win[1] : s->win[0], s->bmax = s->by_col ? s->win[3] : s->win[2];
    int na = s->na = s->amax - s->amin + 1, nb = s->nb = s->bmax - s->bmin + 1;
    double umaj = s->by_col ? s->ux : s->uy, umin = s->by_col ? s->uy : s->ux;
    double r = umin / fabs(umaj); /* across per step towards the sun */
    /* Sweep position k = 0 is the line of cells nearest the sun. */
    s->a0 = umaj > 0 ? s->amax : s->amin, s->astep = umaj > 0 ? -1 : 1;
    int lo = 0, hi = 0;
    for (int k = 0; k < na; k++) {
        s->off[k] = (int)floor(-r * k + 0.5);
        lo = s->off[k] < lo ? s->off[k] : lo, hi = s->off[k] > hi ? s->off[k] : hi;
    }
    s->lo = lo, s->hi = hi;
    s->drop = (float)(d * sqrt(1 + r * r) * s->te);
    /* line L = b - off[k] (b from bmin); L ranges over [-hi, nb - 1 - lo] */
    float *far_major = s->far_major = s->edge, *far_b0 = s->far_b0 = s->edge + nb,
          *far_b1 = s->far_b1 = s->edge + nb + na;
    tw__edge(s, nb, true, s->a0, s->bmin, far_major);
    if (s->d->far) {
        tw__edge(s, na, false, s->bmin, s->amin, far_b0);
        tw__edge(s, na, false, s->bmax, s->amin, far_b1);
        /* minor edges are indexed by sweep position k: reorder from the axis */
        if (s->astep < 0)
            for (int k = 0; k < na / 2; k++) {
                float t0 = far_b0[k], t1 = far_b1[k];
                far_b0[k] = far_b0[na - 1 - k], far_b0[na - 1 - k] = t0;
                far_b1[k] = far_b1[na - 1 - k], far_b1[na - 1 - k] = t1;
            }
    } else {
        for (int k = 0; k < na; k++) far_b0[k] = far_b1[k] = -INFINITY;
    }
}

/* One sun position: shadow heights carried along digital lines of the
 * sun's azimuth, one pass over the grid in memory order. Leaves in sin_
 * the height each cell's incoming shadow reaches. */
static tw_result tw__sweep(tw__sh *s, const tw_sunhours_step *st)
{
    tw_sh__setup(s, st);
    int na = s->na, nb = s->nb, lo = s->lo, hi = s->hi, NB = s->NB, bmin = s->bmin;
    const float *z = s->by_col ? s->dsm_t : s->d->dsm;
    float *S = s->lines + hi; /* S[L] for L >= -hi */
    for (int L = -hi; L < nb - lo; L++) S[L] = -INFINITY;
    for (int b = 0; b < nb; b++) S[b] = s->far_major[b];
    float drop = s->drop;
    for (int k = 0; k < na; k++) {
        int a = s->a0 + k * s->astep, off = s->off[k];
        if (k > 0 && off != s->off[k - 1]) /* a line enters at an edge */
            S[off > s->off[k - 1] ? -off : nb - 1 - off] =
                off > s->off[k - 1] ? s->far_b0[k] : s->far_b1[k];
        const float *zr = z + (size_t)a * NB + bmin;
        float *out = s->sin_ + (size_t)a * NB + bmin;
        float *Sl = S - off;
        for (int b = 0; b < nb; b++) {
            float sup = Sl[b] - drop, zz = zr[b];
            out[b] = sup;
            Sl[b] = zz > sup ? zz : sup;
        }
    }
    return TW_OK;
}

static bool tw__facade_lit(const tw__sh *s, const tw_facade_point *p)
{
    if (p->nx * s->ux + p->ny * s->uy <= 1e-6) return false;
    const tw_obstacles *o = s->d->obstacles;
    const tw_grid *g = &s->d->grid;
    double bb[4] = {-INFINITY, -INFINITY, INFINITY, INFINITY};
    if (o && s->pbox && p->prism >= 0 && p->prism < o->count)
        memcpy(bb, s->pbox + 4 * p->prism, sizeof bb);
    double step = g->dx * 0.5, reach = g->dx * 1.5;
    /* Over the own building's neighbourhood cell by cell: its own cells
     * (the wall the point stands on) never shadow it. */
    double t = 0;
    for (;; t += step) {
        double qx = p->x + s->ux * t, qy = p->y + s->uy * t;
        if (qx < bb[0] - reach || qx > bb[2] + reach || qy < bb[1] - reach || qy > bb[3] + reach)
            break;
        long c;
        float z = tw__dsm_at(s, qx, qy, &c);
        if (c < 0) break;
        if (s->owner && s->owner[c] == p->prism) continue;
        if (z > p->z + t * s->te + TW_SH_EPS) return false;
    }
    const tw_grid *gg = &s->d->grid;
    double qx = p->x + s->ux * t, qy = p->y + s->uy * t;
    int qi = (int)floor((qx - gg->x0) / gg->dx), qj = (int)floor((qy - gg->y0) / gg->dy);
    if (qi < s->win[0] || qj < s->win[1] || qi > s->win[2] || qj > s->win[3]) return true;
    return p->z + t * s->te + TW_SH_EPS >= s->sin_[tw__lay(s, qi, qj)];
}

/* Which prism (the tallest) covers each grid cell centre. */
static int *tw__owners(const tw_sunhours_desc *d)
{
    const tw_grid *g = &d->grid;
    const tw_obstacles *o = d->obstacles;
    int *own = malloc((size_t)g->nx * g->ny * sizeof *own);
    if (!own) return NULL;
    for (size_t c = 0; c < (size_t)g->nx * g->ny; c++) own[c] = -1;
    for (int k = 0; o && k < o->count; k++) {
        double bb[4];
        tw__prism_bbox(o, k, bb);
        int i0 = (int)fmax(0, floor((bb[0] - g->x0) / g->dx - 0.5));
        int i1 = (int)fmin(g->nx - 1, ceil((bb[2] - g->x0) / g->dx - 0.5));
        int j0 = (int)fmax(0, floor((bb[1] - g->y0) / g->dy - 0.5));
        int j1 = (int)fmin(g->ny - 1, ceil((bb[3] - g->y0) / g->dy - 0.5));
        for (int j = j0; j <= j1; j++)
            for (int i = i0; i <= i1; i++) {
                long c = (long)j * g->nx + i;
                if (own[c] >= 0 && o->top[own[c]] >= o->top[k]) continue;
                if (tw_sh__inside(o, k, g->x0 + (i + 0.5) * g->dx, g->y0 + (j + 0.5) * g->dy))
                    own[c] = k;
            }
    }
    return own;
}

tw_result tw_sunhours_run(const tw_sunhours_desc *d, tw_sunhours_result *ground,
                          tw_sunhours_result *facade)
{
    const tw_grid *g = &d->grid;
    if (!d->dsm || g->nx < 1 || g->ny < 1 || g->dx <= 0 || fabs(g->dx - g->dy) > 1e-9 ||
        d->ax0 < 0 || d->ay0 < 0 || d->anx < 1 || d->any < 1 || d->ax0 + d->anx > g->nx ||
        d->ay0 + d->any > g->ny)
        return TW_ERR_ARG;
    size_t area = (size_t)d->anx * d->any;
    tw__sh s = {.d = d, .far_zmax = -INFINITY};
    if (d->far)
        for (size_t k = 0; k < (size_t)d->far->nx * d->far->ny; k++)
            if (d->far->z[k] > s.far_zmax) s.far_zmax = d->far->z[k];
    float *run = NULL;
    size_t cells = (size_t)g->nx * g->ny, most = (size_t)(g->nx > g->ny ? g->nx : g->ny);
    s.lines = malloc(((size_t)g->nx + g->ny + 2) * sizeof *s.lines);
    s.off = malloc(most * sizeof *s.off);
    s.edge = malloc(3 * most * sizeof *s.edge);
    tw_result rc = s.lines && s.off && s.edge ? TW_OK : TW_ERR_NOMEM;
    s.zmin_area = INFINITY;
    float z0 = INFINITY, zmax = -INFINITY;
    size_t c0 = 0;
#ifdef __SSE2__
    /* maxps / minps keep the accumulator where z is NaN, as below */
    __m128 vmax = _mm_set1_ps(-INFINITY), vmin = _mm_set1_ps(INFINITY);
    for (; c0 + 4 <= cells; c0 += 4) {
        __m128 z = _mm_loadu_ps(d->dsm + c0);
        vmax = _mm_max_ps(z, vmax), vmin = _mm_min_ps(z, vmin);
    }
    float lane[8];
    _mm_storeu_ps(lane, vmax), _mm_storeu_ps(lane + 4, vmin);
    for (int q = 0; q < 4; q++)
        zmax = lane[q] > zmax ? lane[q] : zmax, z0 = lane[4 + q] < z0 ? lane[4 + q] : z0;
#endif
    for (size_t c = c0; c < cells; c++) {
        float z = d->dsm[c];
        zmax = z > zmax ? z : zmax, z0 = z < z0 ? z : z0;
    }
    s.zmax = zmax;
    /* as fminf (a NaN cell is skipped), without a call a cell */
    for (int j = d->ay0; j < d->ay0 + d->any; j++) {
        const float *row = d->dsm + (size_t)j * g->nx + d->ax0;
        float m = s.zmin_area;
        for (int i = 0; i < d->anx; i++) m = row[i] < m ? row[i] : m;
        s.zmin_area = m;
    }
    /* Mostly flat ground (about a quarter of the cells or fewer raised
     * above the lowest, on a sample of about one cache line in four): the
     * fast engine visits only the raised cells. */
    size_t raised = 0, sampled = 0;
    for (size_t c = 0; c < cells; c += 67, sampled++) raised += d->dsm[c] > z0 + TW_SH_BASE;
    /* The runs carried across steps: the area's cells, then the points
     * (the fast engine fills what it reads; it clears and judges the
     * results itself). */
    bool fast = rc == TW_OK && !d->full_sweep && isfinite(z0) && raised * 4 <= sampled;
    run = tw_sunhours_alloc((area + (size_t)d->point_count + 1) * sizeof *run, !fast);
    if (!run) rc = TW_ERR_NOMEM;
    if (rc == TW_OK && fast) {
        rc = tw_sh__run_fast(&s, z0, ground, facade, run);
        goto done;
    }
    memset(ground, 0, area * sizeof *ground);
    if (d->point_count > 0) memset(facade, 0, (size_t)d->point_count * sizeof *facade);
    if (rc == TW_OK && d->point_count > 0 && d->obstacles) {
        if (!(s.owner = tw__owners(d))) rc = TW_ERR_NOMEM;
        if ((s.pbox = malloc((size_t)d->obstacles->count * 4 * sizeof *s.pbox)) != NULL)
            for (int k = 0; k < d->obstacles->count; k++)
                tw__prism_bbox(d->obstacles, k, s.pbox + 4 * k);
    }
    s.dsm_t = malloc(cells * sizeof *s.dsm_t);
    s.sin_ = malloc(cells * sizeof *s.sin_);
    if (!s.dsm_t || !s.sin_) rc = TW_ERR_NOMEM;
    for (int j = 0; rc == TW_OK && j < g->ny; j++)
        for (int i = 0; i < g->nx; i++)
            s.dsm_t[(size_t)i * g->ny + j] = d->dsm[(size_t)j * g->nx + i];
    for (int k = 0; k < d->step_count && rc == TW_OK; k++) {
        if (d->cancel && atomic_load(d->cancel)) {
            rc = TW_ERR_CANCELLED;
            break;
        }
        const tw_sunhours_step *st = &d->steps[k];
        if (st->elevation_deg <= 0) {
            for (size_t c = 0; c < area; c++) run[c] = 0;
            for (int p = 0; p < d->point_count; p++) run[area + p] = 0;
            continue;
        }
        if ((rc = tw__sweep(&s, st)) != TW_OK) break;
        const float wt = (float)st->w_total, w8 = (float)st->w_8_16, w9 = (float)st->w_9_15;
        /* The area's cells in the sweep's memory order. */
        const float *z = s.by_col ? s.dsm_t : d->dsm;
        int n0 = s.by_col ? d->anx : d->any, n1 = s.by_col ? d->any : d->anx;
        for (int u = 0; u < n0; u++)
            for (int v = 0; v < n1; v++) {
                int i = d->ax0 + (s.by_col ? u : v), j = d->ay0 + (s.by_col ? v : u);
                size_t l = tw__lay(&s, i, j);
                size_t c = (size_t)(j - d->ay0) * d->anx + (i - d->ax0);
                tw_sunhours_result *gr = &ground[c];
                if (z[l] + TW_SH_EPS >= s.sin_[l]) { /* tw_sunhours_add, weights once */
                    gr->hours += wt, gr->hours_8_16 += w8, run[c] += w9;
                    if (run[c] > gr->cont_9_15) gr->cont_9_15 = run[c];
                } else {
                    run[c] = 0;
                }
            }
        for (int p = 0; p < d->point_count; p++)
            tw_sunhours_add(&facade[p], &run[area + p], tw__facade_lit(&s, &d->points[p]), st);
    }
    for (size_t c = 0; rc == TW_OK && c < area; c++) tw_sunhours_judge(&ground[c]);
    for (int p = 0; rc == TW_OK && p < d->point_count; p++) tw_sunhours_judge(&facade[p]);
done:
    free(run);
    free(s.dsm_t);
    free(s.sin_);
    free(s.lines);
    free(s.off);
    free(s.edge);
    free(s.owner);
    free(s.pbox);
    return rc;
}
