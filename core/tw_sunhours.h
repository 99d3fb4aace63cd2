/* Hours of direct sun on a surface model (ground raised to the obstacles'
 * tops) and on facade points, for a list of sun positions: the engine of
 * the sun_hours layer, on a worker, no GDAL, no GL.
 *
 * Method: for each sun position the grid is cut into digital lines along
 * the sun's azimuth (each cell on exactly one; consecutive cells one step
 * along the major axis) carrying the shadow height
 * S = max(z, S_prev - d tan(e)); a cell is lit when its own height reaches
 * the incoming S. Terrain beyond the surface model shadows through the far
 * heightfield (each line starts from its horizon).
 *
 * Two engines: on mostly flat ground (about a quarter of the cells or
 * fewer above the lowest) only raised cells are visited, S is kept lazily
 * per line and ground shadows are runs of bits (tw_sunhours_fast.c);
 * elsewhere every cell is swept in memory order (the surface also kept
 * transposed). They agree on ground; on a roof the fast engine shades a
 * run of equal heights in one piece, the sweep cell by cell, and along
 * long runs the two round differently by a step (one roof cell in 80 in
 * test_engines_agree_window); facade points are exact to about one cell
 * in both. */
#ifndef TW_SUNHOURS_H
#define TW_SUNHOURS_H

#include "tw_heightfield.h"
#include "tw_obstacles.h"
#include "tw_result.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One sun position and what its interval counts for: the hours of the
 * interval it stands for, clipped to the analysis (total), to 08:00-16:00
 * and to 09:00-15:00 (the Korean standard). */
typedef struct tw_sunhours_step {
    double azimuth_deg, elevation_deg; /* apparent */
    double w_total, w_8_16, w_9_15;    /* hours */
} tw_sunhours_step;

/* A sample point on a wall: just outside it, at mid-floor. */
typedef struct tw_facade_point {
    double x, y, z;
    float nx, ny; /* outward unit normal */
    int prism;    /* index in the obstacle set */
    long id;      /* the prism's feature id */
    int floor;    /* 1 = ground floor */
} tw_facade_point;

typedef struct tw_sunhours_result {
    float hours;      /* total in the analysis window */
    float hours_8_16; /* total 08:00-16:00 */
    float cont_9_15;  /* longest continuous run 09:00-15:00 */
    bool pass;        /* >= 2 h continuous 09-15 or >= 4 h total 08-16 */
} tw_sunhours_result;

typedef struct tw_sunhours_desc {
    const float *dsm;          /* grid.nx * grid.ny surface heights (ground + obstacles) */
    tw_grid grid;              /* dx == dy */
    int ax0, ay0, anx, any;    /* the area: a window of grid (ground results) */
    const tw_heightfield *far; /* terrain beyond the grid; NULL: flat at far_z */
    double far_z;
    double far_m; /* how far to look for terrain beyond the grid; 0: 20 km */
    const tw_sunhours_step *steps;
    int step_count;
    /* Facade points and the set they stand on (NULL, 0: none). */
    const tw_facade_point *points;
    int point_count;
    const tw_obstacles *obstacles;
    atomic_int *cancel; /* non-zero: stop (TW_ERR_CANCELLED) */
    bool full_sweep;    /* sweep every cell even on flat ground (tests compare) */
} tw_sunhours_desc;

/* Fills ground (anx * any, row-major from the south) and facade (one per
 * point). TW_ERR_NOMEM, TW_ERR_ARG, TW_ERR_CANCELLED. */
tw_result tw_sunhours_run(const tw_sunhours_desc *d, tw_sunhours_result *ground,
                          tw_sunhours_result *facade);

/* Accumulates one step's lit flag into r (run keeps the current run). */
void tw_sunhours_add(tw_sunhours_result *r, float *run, bool lit, const tw_sunhours_step *s);
/* Sets r->pass from its totals. */
void tw_sunhours_judge(tw_sunhours_result *r);

/* Facade sample points of every prism of o: one per floor of floor_h
 * metres at the middle of each wall at least min_wall_m long whose outward
 * normal faces some step's sun (above the horizon). *out is malloc'ed. */
tw_result tw_sunhours_facades(const tw_obstacles *o, const double area[4], double floor_h,
                              double min_wall_m, const tw_sunhours_step *steps, int step_count,
                              tw_facade_point **out, int *count);

/* Storage for large sun-hours buffers (surface models, results): on
 * Linux, 2 MiB aligned and advised for huge pages, which cuts the cost of
 * first touching them by an order of magnitude on virtual machines. Free
 * with free(). zero: cleared. */
void *tw_sunhours_alloc(size_t bytes, bool zero);

#endif
