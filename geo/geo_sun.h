/* Exports of the sun_hours analysis for GIS tools: the surface's hours as
 * a GeoTIFF in the scene CRS, facade points as GeoJSON (WGS 84). Workers. */
#ifndef GEO_SUN_H
#define GEO_SUN_H

#include "geo_crs.h"
#include "tw_obstacles.h"
#include "tw_result.h"
#include "tw_sunhours.h"

#include <stddef.h>

#define GEO_SUN_NODATA -9999.0

/* Writes hours (g.nx * g.ny, row-major from the south; NaN = outside the
 * area, written as GEO_SUN_NODATA) as a one-band Float32 GeoTIFF. */
tw_result geo_sun_write_tif(const char *path, const geo_frame *frame, const tw_grid *g,
                            const float *hours, char *err, size_t n);
/* Writes one point feature per facade point: building_id, floor, hours,
 * continuous_h (09-15), hours_8_16, pass, and its scene x, y, z. */
tw_result geo_sun_write_facades(const char *path, const geo_frame *frame,
                                const tw_facade_point *pts, const tw_sunhours_result *res,
                                int count, char *err, size_t n);

#endif
