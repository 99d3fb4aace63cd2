/* Internals shared by the two sun-hours engines (core/tw_sunhours.c: the
 * full sweep; core/tw_sunhours_fast.c: the sweep over raised cells only). */
#ifndef TW_SUNHOURS_INT_H
#define TW_SUNHOURS_INT_H

#include "tw_sunhours.h"

#define TW_SH_PI   3.14159265358979323846
#define TW_SH_EPS  1e-3 /* metres: a surface reaching the shadow height is lit */
#define TW_SH_BASE 1e-3 /* metres above the lowest cell: a raised cell */

/* The state of one run: the surface (and its transpose, so that every
 * sweep reads memory in order), the incoming shadow heights of the last
 * step, the prism ids. */
typedef struct tw__sh {
    const tw_sunhours_desc *d;
    double ux, uy, te; /* towards the sun (horizontal unit), tan(elevation) */
    bool by_col;       /* the last sweep's layout: i-major (transposed) */
    float *dsm_t;      /* nx * ny, i-major */
    float *sin_;       /* nx * ny: incoming shadow height, in the sweep's layout */
    float *lines;      /* shadow height carried along each digital line */
    int *off;          /* per sweep position: the lines' offset across */
    float *edge;       /* far horizons where lines enter */
    int *owner;        /* grid cells: the tallest prism there, -1 none */
    double *pbox;      /* per prism: its footprint's bounding box */
    float far_zmax;
    float zmax, zmin_area; /* the surface's highest, the area's lowest */
    int win[4];            /* the last sweep's cells: i0 j0 i1 j1 (inclusive) */
    /* The last setup's geometry (tw_sh__setup): layout row length, major
     * (a) and minor (b) ranges, sweep position 0's row and direction, the
     * lines' offsets' range, the drop per position, far horizons where
     * lines enter (along the first row, along the minor edges by k). */
    int NB, amin, amax, bmin, bmax, na, nb, a0, astep, lo, hi;
    float drop;
    float *far_major, *far_b0, *far_b1;
} tw__sh;

/* One sun position's geometry: direction, layout, window, lines' offsets
 * (s->off) and far horizons. */
void tw_sh__setup(tw__sh *s, const tw_sunhours_step *st);

/* The fast engine: cells at the base height z0 are never casters, so the
 * sweep visits only the raised cells (see tw_sunhours_fast.c). */
tw_result tw_sh__run_fast(tw__sh *s, float z0, tw_sunhours_result *ground,
                          tw_sunhours_result *facade, float *run);
/* Even-odd containment of (x, y) in prism k's footprint. */
bool tw_sh__inside(const tw_obstacles *o, int k, double x, double y);

#endif
