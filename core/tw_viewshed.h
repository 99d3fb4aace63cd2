/* Viewshed on a regular height grid: which cells an observer standing on
 * one cell sees. One sweep outwards from the observer's row, row by row,
 * where each cell's horizon height comes from a plane through the observer
 * and two neighbouring cells already done (Wang, Robinson & White 2000,
 * "Generating viewsheds without using sightlines", the "edge" variant GDAL's
 * gdal_viewshed uses), so the result agrees with gdal_viewshed cell by cell
 * without curvature (-cc 0). A cell hidden behind the horizon passes the
 * horizon height on to the cells behind it. No GDAL: any thread. */
#ifndef TW_VIEWSHED_H
#define TW_VIEWSHED_H

#include "tw_result.h"

#include <stdint.h>

typedef struct tw_viewshed_desc {
    const float *z; /* nx * ny heights, row-major (either row order) */
    int nx, ny;
    double dx, dy;                       /* cell width and height, metres (> 0) */
    int ox, oy;                          /* observer cell */
    double observer_h, target_h;         /* above the observer's and each target's cell */
    double radius;                       /* metres between cell centres; <= 0: the whole grid */
    uint8_t visible, invisible, outside; /* output values (255, 0, 0) */
} tw_viewshed_desc;

typedef struct tw_viewshed_stats {
    long in_range; /* cells within the radius (the observer's included) */
    long visible;
} tw_viewshed_stats;

/* Fills out (nx * ny) with the desc's values. TW_ERR_ARG for an
 * observer off the grid or a bad size; TW_ERR_NOMEM. */
tw_result tw_viewshed_compute(const tw_viewshed_desc *d, uint8_t *out, tw_viewshed_stats *st);

#endif
