/* Windowed, overview-aware sampling of any GDAL raster on a grid of scene
 * coordinates. The shared machinery under terrain tiles, the terrain's
 * overview heightfield and draped imagery.
 *
 * Each worker thread gets its own dataset handle (GDAL handles are not
 * thread-safe). A grid of spacing s reads the coarsest overview whose pixels
 * are no larger than s, at that overview's native resolution, so the same
 * scene point always gets the same value whichever tile asks: tile edges match. */
#ifndef GEO_RASTER_H
#define GEO_RASTER_H

#include "geo_crs.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct geo_raster geo_raster;

typedef struct geo_raster_desc {
    const char *path;       /* any GDAL path: file, /vsicurl/https://..., /vsizip/... */
    const char *source_crs; /* NULL: the file's own CRS */
    bool has_nodata;        /* the scene's nodata overrides the file's */
    double nodata;
    int workers;          /* worker threads that may sample (default 1) */
    unsigned xform_flags; /* GEO_XFORM_* */
    bool elevation;       /* one band of heights: refuse colour images, spot sentinels */
    int min_bands;        /* refuse rasters with fewer bands (imagery: 3) */
    double approx_px;     /* > 0: large grids interpolate between exactly transformed
                             samples, within this error in source pixels (imagery) */
} geo_raster_desc;

typedef struct geo_raster_info {
    char driver[32];
    char crs[128];
    int width, height, bands, overviews;
    char data_type[16]; /* of band 1, as GDAL names it: "Byte", "Float32", ... */
    int alpha_band;     /* 1-based index of an alpha band, 0 when none */
    double extent[4];   /* footprint bounding box in scene metres: xmin ymin xmax ymax */
    double pixel_m;     /* native pixel size in scene metres (near the centre) */
    bool nodata_known;  /* declared by the file or given by the scene */
    double nodata;
    bool bessel_fixed;
    bool remote;
} geo_raster_info;

/* Samples (i, j) lie at (x0 + (i0 + i)*dx, y0 + (j0 + j)*dy), i < nx, j < ny,
 * rows from the south. Tiles share x0/y0 and differ in i0/j0, so a point on a
 * shared edge is computed with the very same arithmetic by both tiles. */
typedef struct geo_grid {
    double x0, y0, dx, dy;
    int nx, ny;
    long i0, j0;
} geo_grid;

enum { GEO_SAMPLE_OUTSIDE = 0, GEO_SAMPLE_VALID = 1, GEO_SAMPLE_NODATA = 2 };

typedef struct geo_sample_stats {
    int level;      /* overview index read, -1 for full resolution */
    int decimation; /* extra decimation when no overview was coarse enough */
    long pixels_read;
    long nodata_pixels; /* in the window read, before filling */
    bool sentinel_seen; /* undeclared -9999-style values were treated as nodata */
} geo_sample_stats;

/* Opens and checks a raster; `worker` is the thread calling (its handle is kept). */
tw_result geo_raster_open(const geo_raster_desc *desc, const geo_frame *frame, int worker,
                          geo_raster **out, char *err, size_t n);
void geo_raster_close(geo_raster *r);
const geo_raster_info *geo_raster_info_get(const geo_raster *r);
/* Samples nbands bands from band0 (0-based) on the grid. out holds
 * nx*ny*nbands floats (band-interleaved), state nx*ny GEO_SAMPLE_* values.
 * fill_passes > 0 fills nodata holes up to ~2*fill_passes pixels wide from
 * their surroundings, deterministically (the same value for every tile). */
tw_result geo_raster_sample(geo_raster *r, int worker, const geo_grid *grid, int band0, int nbands,
                            int fill_passes, float *out, uint8_t *state, geo_sample_stats *stats,
                            char *err, size_t n);
/* True when the undeclared-sentinel warning has been given for this raster. */
bool geo_raster_sentinel_seen(const geo_raster *r);

#endif
