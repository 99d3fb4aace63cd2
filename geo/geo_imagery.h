/* Draped imagery: any GDAL RGB(A) raster, in any CRS, resampled into RGBA
 * squares of the scene frame (one per terrain tile) on worker threads.
 *
 * Sampling rides on geo_raster: per-worker handles, the coarsest overview
 * fine enough for the square, bilinear between pixel centres. Pixels off the
 * raster, or masked by its alpha band, nodata or internal mask, come out
 * transparent, so the terrain's own colours show there. */
#ifndef GEO_IMAGERY_H
#define GEO_IMAGERY_H

#include "geo_raster.h"
#include "tw_image.h"

typedef struct geo_imagery geo_imagery;

typedef struct geo_imagery_desc {
    geo_raster_desc raster; /* min_bands and elevation are set here */
    int tile_px;            /* pixels per square side; 0: 256 */
} geo_imagery_desc;

/* Opens and checks the raster (at least 3 bands, a CRS); on a worker. */
tw_result geo_imagery_open(const geo_imagery_desc *desc, const geo_frame *frame, int worker,
                           geo_imagery **out, char *err, size_t n);
void geo_imagery_close(geo_imagery *im);
const geo_raster_info *geo_imagery_info(const geo_imagery *im);
/* Pixels a side for a square `size` metres wide: tile_px, fewer where the
 * source itself is coarser, at least 16. */
int geo_imagery_square_px(const geo_imagery *im, double size);
/* Reads the samples of `grid` (nx*ny, rows from the south) into *out as
 * RGBA8, rows from the north, alpha-premultiplied. *covered counts samples
 * that hit the imagery; with none, *out is left empty (no allocation). */
tw_result geo_imagery_read(geo_imagery *im, int worker, const geo_grid *grid, tw_image *out,
                           long *covered, char *err, size_t n);

#endif
