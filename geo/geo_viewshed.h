/* Viewsheds on a DEM's own grid, through GDAL: read the elevation band,
 * place the observer on it (in the DEM's CRS), run tw_viewshed and write
 * the result as a GeoTIFF with the DEM's size, geotransform and CRS
 * (255 visible, 0 hidden, 0 outside the radius), cell for cell comparable
 * with gdal_viewshed -cc 0. Worker threads. */
#ifndef GEO_VIEWSHED_H
#define GEO_VIEWSHED_H

#include "tw_result.h"
#include "tw_viewshed.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A DEM's first band in memory, rows from the north as GDAL gives them. */
typedef struct geo_dem {
    int nx, ny;
    double gt[6]; /* GDAL geotransform */
    float *z;
    bool has_nodata;
    double nodata;
    void *srs; /* the DEM's CRS (an OGRSpatialReferenceH), NULL: none */
} geo_dem;

tw_result geo_dem_read(const char *path, geo_dem *out, char *err, size_t n);
void geo_dem_free(geo_dem *dem);
/* The cell holding (x, y) in the DEM's CRS; false off the DEM (or for a
 * rotated geotransform). */
bool geo_dem_cell(const geo_dem *dem, double x, double y, int *i, int *j);
/* Cell centre (i, j) in the DEM's CRS. */
void geo_dem_cell_center(const geo_dem *dem, int i, int j, double *x, double *y);

typedef struct geo_viewshed_desc {
    double x, y; /* observer, in the DEM's CRS */
    double observer_h, target_h, radius;
} geo_viewshed_desc;

/* A viewshed on the DEM's grid (out: nx * ny bytes, rows from the north). */
tw_result geo_viewshed_dem(const geo_dem *dem, const geo_viewshed_desc *d, uint8_t *out,
                           tw_viewshed_stats *st, char *err, size_t n);
/* The whole way from a DEM file to a viewshed GeoTIFF on its grid, reading
 * and writing only the radius's window (the rest of the file is sparse:
 * 0). The same cells as geo_viewshed_dem. */
tw_result geo_viewshed_file(const char *dem_path, const geo_viewshed_desc *d, const char *out_path,
                            tw_viewshed_stats *st, char *err, size_t n);
/* Writes an nx * ny byte grid (rows from the north) with the geotransform
 * and CRS given (an OGRSpatialReferenceH, or NULL) as a GeoTIFF. */
tw_result geo_viewshed_write(const char *path, const uint8_t *grid, int nx, int ny,
                             const double gt[6], const void *srs, char *err, size_t n);

#endif
