/* Heightfield sampling and ray marching. */
#include "tw_heightfield.h"

#include <math.h>
#include <stdlib.h>

tw_result tw_heightfield_alloc(tw_heightfield *hf, int nx, int ny)
{
    hf->z = NULL;
    if (nx < 2 || ny < 2) return TW_ERR_ARG;
    hf->z = malloc((size_t)nx * (size_t)ny * sizeof(float));
    if (!hf->z) return TW_ERR_NOMEM;
    hf->nx = nx;
    hf->ny = ny;
    return TW_OK;
}

void tw_heightfield_free(tw_heightfield *hf)
{
    free(hf->z);
    hf->z = NULL;
    hf->nx = hf->ny = 0;
}

bool tw_heightfield_sample(const tw_heightfield *hf, double x, double y, double *z)
{
    if (!hf || !hf->z) return false;
    double fx = (x - hf->x0) / hf->dx, fy = (y - hf->y0) / hf->dy;
    if (!(fx >= 0 && fy >= 0 && fx <= hf->nx - 1 && fy <= hf->ny - 1)) return false;
    int i = (int)fx, j = (int)fy;
    if (i > hf->nx - 2) i = hf->nx - 2;
    if (j > hf->ny - 2) j = hf->ny - 2;
    double u = fx - i, v = fy - j;
    const float *r0 = hf->z + (size_t)j * hf->nx, *r1 = r0 + hf->nx;
    double a = r0[i], b = r0[i + 1], c = r1[i], d = r1[i + 1];
    double h = (a * (1 - u) + b * u) * (1 - v) + (c * (1 - u) + d * u) * v;
    if (isnan(h)) return false;
    *z = h;
    return true;
}

static bool tw__below(const tw_heightfield *hf, const double p[3], bool *inside)
{
    double z;
    *inside = tw_heightfield_sample(hf, p[0], p[1], &z);
    return *inside && p[2] <= z;
}

bool tw_heightfield_raycast(const tw_heightfield *hf, const double origin[3], const double dir[3],
                            double max_t, double hit[3])
{
    if (!hf || !hf->z || !(hf->dx > 0) || !(hf->dy > 0)) return false;
    for (int k = 0; k < 3; k++)
        if (!isfinite(origin[k]) || !isfinite(dir[k])) return false;
    if (!isfinite(max_t) || !(max_t > 0)) return false;
    double len = sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
    if (!(len > 0) || !isfinite(len)) return false;
    double d[3] = {dir[0] / len, dir[1] / len, dir[2] / len};
    /* Steps of half a cell, at most TW_HEIGHTFIELD_MAX_STEPS of them: a
     * counted loop, so no input (huge, tiny or rounding-prone) runs longer. */
    double step = 0.5 * fmin(hf->dx, hf->dy);
    long n = TW_HEIGHTFIELD_MAX_STEPS;
    if (max_t / step < (double)n)
        n = (long)ceil(max_t / step);
    else
        step = max_t / (double)n;
    double prev_t = 0;
    for (long i = 1; i <= n; i++) {
        double t = step * (double)i;
        double p[3] = {origin[0] + d[0] * t, origin[1] + d[1] * t, origin[2] + d[2] * t};
        bool inside;
        if (tw__below(hf, p, &inside)) {
            double lo = prev_t, hi = t;
            for (int k = 0; k < 40; k++) {
                double mid = 0.5 * (lo + hi);
                double q[3] = {origin[0] + d[0] * mid, origin[1] + d[1] * mid,
                               origin[2] + d[2] * mid};
                bool in;
                if (tw__below(hf, q, &in))
                    hi = mid;
                else
                    lo = mid;
            }
            for (int k = 0; k < 3; k++) hit[k] = origin[k] + d[k] * hi;
            return true;
        }
        prev_t = t;
    }
    return false;
}
