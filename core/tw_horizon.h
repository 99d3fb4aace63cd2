/* Terrain horizon around an eye, for culling what lies behind hills: for
 * each azimuth and distance, the steepest elevation that terrain nearer
 * than that distance surely blocks. Built from a heightfield whose true
 * surface lies at most `margin` below it, so a box it reports occluded is
 * hidden by terrain whatever the finer data (conservative). */
#ifndef TW_HORIZON_H
#define TW_HORIZON_H

#include "tw_heightfield.h"
#include "tw_result.h"

#include <stddef.h>

#include <stdbool.h>

/* Fills low (nx*ny) with, at each sample, the minimum of the 4x4 samples
 * from (i-1, j-1) to (i+2, j+2): a lower bound of the surface within one
 * cell of the cell whose south-west corner it is; -INFINITY next to unknown
 * samples. Immutable per heightfield: compute once. */
void tw_horizon_lower_bound(const tw_heightfield *hf, float *low);

typedef struct tw_horizon_desc {
    const tw_heightfield *hf;
    const float *low;    /* tw_horizon_lower_bound of hf */
    float *block;        /* storage for bins * rings tangents (the caller's) */
    size_t block_cap;    /* floats in block; rings beyond it are not used */
    double eye[3];       /* scene metres, z in the scaled heights' units */
    double z_scale;      /* heights are drawn as z * z_scale; 0: 1 */
    double margin;       /* metres (unscaled) the true surface may lie below hf */
    double max_distance; /* farthest box asked about; 0: the heightfield's span */
    int bins;            /* azimuth bins; 0: 720 */
} tw_horizon_desc;

typedef struct tw_horizon {
    double eye[3];
    int bins, rings;
    double step;  /* ring width, metres */
    float *block; /* bins*rings: max blocking tangent up to each ring's outer edge */
    const float *low;
    const tw_heightfield *hf;
} tw_horizon;

/* Fails (TW_ERR_ARG) without storage for at least one ring per bin; the
 * horizon then occludes nothing. */
tw_result tw_horizon_build(tw_horizon *h, const tw_horizon_desc *desc);
/* True when terrain surely hides every point of the box lo..hi (scene
 * metres, z scaled) from the eye. */
bool tw_horizon_occludes(const tw_horizon *h, const double lo[3], const double hi[3]);

#endif
