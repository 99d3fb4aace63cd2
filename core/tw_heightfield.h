/* A regular grid of heights in scene coordinates: the coarse picture of the
 * ground that the main thread samples for the camera (never under the
 * terrain), ray picks and draping, without touching GDAL. */
#ifndef TW_HEIGHTFIELD_H
#define TW_HEIGHTFIELD_H

#include "tw_result.h"

#include <stdbool.h>

typedef struct tw_heightfield {
    double x0, y0; /* scene position of sample (0, 0): the south-west corner */
    double dx, dy; /* spacing in metres, both > 0; row j is at y0 + j*dy */
    int nx, ny;
    float *z; /* nx*ny heights, row-major from the south; NAN where unknown */
} tw_heightfield;

tw_result tw_heightfield_alloc(tw_heightfield *hf, int nx, int ny);
void tw_heightfield_free(tw_heightfield *hf);
/* Bilinear height at (x, y); false outside the grid or over unknown samples. */
bool tw_heightfield_sample(const tw_heightfield *hf, double x, double y, double *z);
/* First hit of the ray origin + t*dir (0 < t <= max_t) with the surface,
 * marched in steps of a fraction of the grid spacing (never more than
 * TW_HEIGHTFIELD_MAX_STEPS) and refined by bisection. False for a ray or
 * max_t that is not finite. */
#define TW_HEIGHTFIELD_MAX_STEPS 20000
bool tw_heightfield_raycast(const tw_heightfield *hf, const double origin[3], const double dir[3],
                            double max_t, double hit[3]);

#endif
