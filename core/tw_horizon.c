/* Horizon culling over a heightfield: rings of one grid spacing around the
 * eye, azimuth bins, and for each the lowest height the wedge segment may
 * have (a min filter over the heightfield, lowered by the margin). A ray to
 * a box point beyond a segment passes over it; if it passes below the
 * segment's lowest height there, terrain blocks it. */
#include "tw_horizon.h"

#include <math.h>
#include <string.h>

#define TW_HORIZON_PI 3.14159265358979323846

/* Min over the 4x4 samples around each cell, so that the value at the cell
 * holding a point bounds the surface anywhere within one cell of it. */
void tw_horizon_lower_bound(const tw_heightfield *hf, float *lo)
{
    int nx = hf->nx, ny = hf->ny;
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            float m = INFINITY;
            bool unknown = false;
            for (int dj = -1; dj <= 2; dj++)
                for (int di = -1; di <= 2; di++) {
                    int ii = i + di, jj = j + dj;
                    if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
                    float z = hf->z[(size_t)jj * nx + ii];
                    if (isnan(z))
                        unknown = true;
                    else
                        m = fminf(m, z);
                }
            /* Next to unknown ground nothing is sure. */
            lo[(size_t)j * nx + i] = unknown ? -INFINITY : m;
        }
}

static float tw__low_at(const tw_horizon *h, double x, double y)
{
    const tw_heightfield *hf = h->hf;
    int i = (int)floor((x - hf->x0) / hf->dx), j = (int)floor((y - hf->y0) / hf->dy);
    if (i < 0 || j < 0 || i >= hf->nx || j >= hf->ny) return -INFINITY;
    return h->low[(size_t)j * hf->nx + i];
}

tw_result tw_horizon_build(tw_horizon *h, const tw_horizon_desc *d)
{
    const tw_heightfield *hf = d->hf;
    memset(h, 0, sizeof *h);
    h->hf = hf;
    h->low = d->low;
    memcpy(h->eye, d->eye, sizeof h->eye);
    h->bins = d->bins > 0 ? d->bins : 720;
    h->step = fmin(hf->dx, hf->dy);
    double span = hypot(hf->nx * hf->dx, hf->ny * hf->dy);
    double far = d->max_distance > 0 ? fmin(d->max_distance, span * 2) : span * 2;
    h->rings = (int)ceil(far / h->step) + 1;
    if ((size_t)h->rings * h->bins > d->block_cap) h->rings = (int)(d->block_cap / h->bins);
    if (h->rings < 1 || !d->low || !d->block) {
        h->rings = 0;
        return TW_ERR_ARG;
    }
    h->block = d->block;
    double scale = d->z_scale > 0 ? d->z_scale : 1.0, ez = d->eye[2];
    double bw = 2 * TW_HORIZON_PI / h->bins;
    for (int b = 0; b < h->bins; b++) {
        double a0 = b * bw;
        float best = -INFINITY;
        for (int r = 0; r < h->rings; r++) {
            double ri = r * h->step, ro = ri + h->step;
            /* Samples no farther apart than a cell, across and along. */
            int na = (int)ceil(ro * bw / h->step) + 1;
            float low = INFINITY;
            for (int s = 0; s <= 2 && low > -INFINITY; s++) {
                double rr = ri + s * 0.5 * h->step;
                for (int a = 0; a <= na; a++) {
                    double az = a0 + bw * a / na;
                    low = fminf(low,
                                tw__low_at(h, d->eye[0] + rr * cos(az), d->eye[1] + rr * sin(az)));
                }
            }
            if (low > -INFINITY) {
                double top = (low - d->margin) * scale - ez;
                /* The ray is highest over the segment at its far edge when
                 * climbing, at its near edge when falling. */
                double tan_b = top >= 0 ? top / ro : ri > 0 ? top / ri : -INFINITY;
                if (tan_b > best) best = (float)tan_b;
            }
            h->block[(size_t)b * h->rings + r] = best;
        }
    }
    return TW_OK;
}

bool tw_horizon_occludes(const tw_horizon *h, const double lo[3], const double hi[3])
{
    if (!h->block || h->rings < 1) return false;
    const double *e = h->eye;
    double dx = e[0] < lo[0] ? lo[0] - e[0] : e[0] > hi[0] ? e[0] - hi[0] : 0;
    double dy = e[1] < lo[1] ? lo[1] - e[1] : e[1] > hi[1] ? e[1] - hi[1] : 0;
    double dmin = hypot(dx, dy);
    int q = (int)floor(dmin / h->step) - 1; /* rings wholly nearer than the box */
    if (q < 0) return false;
    if (q >= h->rings) q = h->rings - 1;
    double dmax = 0, cx = (lo[0] + hi[0]) / 2 - e[0], cy = (lo[1] + hi[1]) / 2 - e[1];
    double ac = atan2(cy, cx), amin = 0, amax = 0;
    for (int c = 0; c < 4; c++) {
        double x = (c & 1 ? hi[0] : lo[0]) - e[0], y = (c & 2 ? hi[1] : lo[1]) - e[1];
        dmax = fmax(dmax, hypot(x, y));
        double da = atan2(y, x) - ac;
        while (da > TW_HORIZON_PI) da -= 2 * TW_HORIZON_PI;
        while (da < -TW_HORIZON_PI) da += 2 * TW_HORIZON_PI;
        amin = fmin(amin, da);
        amax = fmax(amax, da);
    }
    double top = hi[2] - e[2];
    double tan_box = top >= 0 ? top / dmin : top / dmax; /* steepest point of the box */
    double bw = 2 * TW_HORIZON_PI / h->bins;
    long b0 = (long)floor((ac + amin) / bw), b1 = (long)floor((ac + amax) / bw);
    for (long b = b0; b <= b1; b++) {
        long bb = ((b % h->bins) + h->bins) % h->bins;
        if (!(h->block[(size_t)bb * h->rings + q] > tan_box)) return false;
    }
    return true;
}
