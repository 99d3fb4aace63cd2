/* Initial fields for the wind solver: a synoptic wind spread over the grid
 * with a neutral log (or power-law) profile, and the nesting of a fine grid
 * inside a coarse solution. */
#include "tw_windsolve.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static bool grid_ok(const tw_windsolve_grid *g)
{
    return g && g->nx >= 1 && g->ny >= 1 && g->nz >= 1 && g->dx > 0 && g->dy > 0 && g->dz > 0 &&
           isfinite(g->dx) && isfinite(g->dy) && isfinite(g->dz) && isfinite(g->x0) &&
           isfinite(g->y0) && isfinite(g->z0) && (double)g->nx * g->ny * g->nz <= (double)(1 << 28);
}

tw_result tw_windsolve_initial(const tw_windsolve_initial_desc *d, float *u0, float *v0, float *w0)
{
    if (!d || !u0 || !v0 || !grid_ok(&d->grid)) return TW_ERR_ARG;
    if ((d->u_ref2d == NULL) != (d->v_ref2d == NULL)) return TW_ERR_ARG;
    if (!d->u_ref2d && !(isfinite(d->u_ref) && isfinite(d->v_ref))) return TW_ERR_ARG;
    const tw_windsolve_grid *g = &d->grid;
    const double zref = d->z_ref > 0 ? d->z_ref : 10.0;
    const double z0 = d->z0 > 0 ? d->z0 : 0.5;
    const double ex = d->exponent > 0 ? d->exponent : 0.25;
    if (d->profile != TW_WIND_PROFILE_LOG && d->profile != TW_WIND_PROFILE_POWER) return TW_ERR_ARG;
    const double log_ref = log((zref + z0) / z0);
    const size_t sl = (size_t)g->nx * g->ny;
    for (int j = 0; j < g->ny; j++)
        for (int i = 0; i < g->nx; i++) {
            size_t col = (size_t)j * g->nx + i;
            double top = d->top ? d->top[col] : 0;
            double ground = d->ground ? d->ground[col] : top;
            double ur = d->u_ref2d ? d->u_ref2d[col] : d->u_ref;
            double vr = d->v_ref2d ? d->v_ref2d[col] : d->v_ref;
            if (!isfinite(ur) || !isfinite(vr) || !isfinite(top) || !isfinite(ground))
                return TW_ERR_ARG;
            for (int k = 0; k < g->nz; k++) {
                size_t at = (size_t)k * sl + col;
                double zc = (k + 0.5) * g->dz;
                double s = 0;
                if (zc >= top) {
                    double h = fmax(zc - ground, 0.0);
                    s = d->profile == TW_WIND_PROFILE_LOG ? log((h + z0) / z0) / log_ref
                                                          : pow(h / zref, ex);
                }
                u0[at] = (float)(ur * s);
                v0[at] = (float)(vr * s);
                if (w0) w0[at] = 0;
            }
        }
    return TW_OK;
}

static bool coarse_fluid(const tw_windsolve_grid *g, const float *top, int i, int j, int k)
{
    return !top || (k + 0.5) * g->dz >= top[(size_t)j * g->nx + i];
}

tw_result tw_windsolve_nest(const tw_windsolve_grid *coarse, const float *coarse_top,
                            const float *u, const float *v, const float *w,
                            const tw_windsolve_grid *fine, const float *fine_top, float *u0,
                            float *v0, float *w0)
{
    if (!grid_ok(coarse) || !grid_ok(fine) || !u || !v || !u0 || !v0) return TW_ERR_ARG;
    const tw_windsolve_grid *c = coarse, *f = fine;
    const double eps = 1e-6 * fmax(c->dx, c->dy);
    if (f->x0 < c->x0 - eps || f->y0 < c->y0 - eps ||
        f->x0 + f->nx * f->dx > c->x0 + c->nx * c->dx + eps ||
        f->y0 + f->ny * f->dy > c->y0 + c->ny * c->dy + eps)
        return TW_ERR_ARG;
    const size_t csl = (size_t)c->nx * c->ny, fsl = (size_t)f->nx * f->ny;
    for (int k = 0; k < f->nz; k++)
        for (int j = 0; j < f->ny; j++)
            for (int i = 0; i < f->nx; i++) {
                size_t at = (size_t)k * fsl + (size_t)j * f->nx + i;
                u0[at] = v0[at] = 0;
                if (w0) w0[at] = 0;
                if (fine_top && (k + 0.5) * f->dz < fine_top[(size_t)j * f->nx + i]) continue;
                /* Fractional coarse cell-centre coordinates of the fine centre. */
                double X = f->x0 + (i + 0.5) * f->dx, Y = f->y0 + (j + 0.5) * f->dy;
                double Z = f->z0 + (k + 0.5) * f->dz;
                double fi = fmin(fmax((X - c->x0) / c->dx - 0.5, 0.0), c->nx - 1.0);
                double fj = fmin(fmax((Y - c->y0) / c->dy - 0.5, 0.0), c->ny - 1.0);
                double fk = fmin(fmax((Z - c->z0) / c->dz - 0.5, 0.0), c->nz - 1.0);
                int i0 = (int)fi, j0 = (int)fj, k0 = (int)fk;
                double s[3] = {fi - i0, fj - j0, fk - k0};
                double su = 0, sv = 0, sw = 0, sum = 0;
                for (int n = 0; n < 8; n++) {
                    int ii = i0 + (n & 1), jj = j0 + ((n >> 1) & 1), kk = k0 + ((n >> 2) & 1);
                    double wt = ((n & 1) ? s[0] : 1 - s[0]) * (((n >> 1) & 1) ? s[1] : 1 - s[1]) *
                                (((n >> 2) & 1) ? s[2] : 1 - s[2]);
                    if (wt <= 0 || ii >= c->nx || jj >= c->ny || kk >= c->nz) continue;
                    if (!coarse_fluid(c, coarse_top, ii, jj, kk)) continue;
                    size_t ca = (size_t)kk * csl + (size_t)jj * c->nx + ii;
                    su += wt * u[ca];
                    sv += wt * v[ca];
                    sw += wt * (w ? w[ca] : 0);
                    sum += wt;
                }
                if (sum < 1e-3) {
                    /* Resolved here, solid there: the nearest fluid cell above. */
                    int ci = (int)lround(fi), cj = (int)lround(fj);
                    int kk = (int)ceil(fk);
                    while (kk < c->nz && !coarse_fluid(c, coarse_top, ci, cj, kk)) kk++;
                    if (kk >= c->nz) continue;
                    size_t ca = (size_t)kk * csl + (size_t)cj * c->nx + ci;
                    su = u[ca];
                    sv = v[ca];
                    sw = w ? w[ca] : 0;
                    sum = 1;
                }
                u0[at] = (float)(su / sum);
                v0[at] = (float)(sv / sum);
                if (w0) w0[at] = (float)(sw / sum);
            }
    return TW_OK;
}

void tw_windsolve_uv_from_direction(double speed_ms, double from_deg, double *u, double *v)
{
    double a = from_deg * (M_PI / 180.0);
    *u = -speed_ms * sin(a);
    *v = -speed_ms * cos(a);
}
