/* Terrain: an elevation raster cut into a quadtree of tiles in the scene
 * frame, each a grid mesh with skirts, loaded on demand at the resolution
 * the view needs. Level 0 is one square over the whole raster; the deepest
 * level samples at the raster's native resolution.
 *
 * geo_terrain_open and geo_terrain_load_tile run on worker threads; the
 * info and the overview heightfield are immutable after open and may be read
 * from any thread. */
#ifndef GEO_TERRAIN_H
#define GEO_TERRAIN_H

#include "geo_raster.h"
#include "tw_heightfield.h"
#include "tw_mesh.h"

typedef struct geo_terrain geo_terrain;

typedef struct geo_tile_key {
    int level, x, y; /* y counts from the south */
} geo_tile_key;

typedef struct geo_terrain_desc {
    geo_raster_desc raster;
    int tile_samples;    /* vertices per tile side; 0: 65 */
    int heightfield_max; /* samples per side of the overview heightfield; 0: 256 */
    int fill_passes;     /* hole filling reach in pixels/2; 0: 16, -1: none */
} geo_terrain_desc;

typedef struct geo_terrain_info {
    geo_raster_info raster;
    double root_x0, root_y0, root_size; /* level-0 square, scene metres */
    int max_level;
    int tile_samples;
    double zmin, zmax; /* valid heights seen in the heightfield */
    /* Geometric error of the heightfield: max vertical deviation of its
     * bilinear surface from the data at half its spacing, metres. */
    double hf_error_m;
    int dem_max_level; /* deepest level the DEM itself needs (before deepening) */
    /* The finest spacing the data holds: raster.pixel_m, or coarser for a
     * DEM resampled up from coarser data (linear between the source's
     * pixels), whose levels stop there since finer ones add nothing. */
    double detail_m;
    int implausible_low; /* heightfield samples far below sea level next to nodata */
} geo_terrain_info;

typedef struct geo_tile {
    geo_tile_key key;
    tw_mesh mesh; /* triangles; origin = the tile's south-west corner at z 0 */
    float zmin, zmax;
    bool empty;   /* no part of the raster under this tile */
    int overview; /* overview read, -1 full resolution */
    int nodata_samples, filled_samples;
    /* Geometric error: the max vertical deviation of the mesh from the data
     * at the next level's spacing (what splitting the tile would add), in
     * metres; 0 at the DEM's deepest level. Measured when the tile loads. */
    float error_m;
} geo_tile;

/* Heights far below sea level beyond anything on land (the Dead Sea shore is
 * -430 m); next to nodata they are nodata smeared by resampling. */
#define GEO_TERRAIN_IMPLAUSIBLE_Z (-500.0)

tw_result geo_terrain_open(const geo_terrain_desc *desc, const geo_frame *frame, int worker,
                           geo_terrain **out, char *err, size_t n);
void geo_terrain_close(geo_terrain *t);
const geo_terrain_info *geo_terrain_info_get(const geo_terrain *t);
/* Whole-extent heights at up to heightfield_max samples a side, holes filled,
 * NAN outside the raster. Owned by the terrain. */
const tw_heightfield *geo_terrain_heightfield(const geo_terrain *t);
/* The heightfield's 4x4 minimum at each sample (tw_horizon_lower_bound), or
 * NULL when out of memory; owned by the terrain. */
const float *geo_terrain_heightfield_low(const geo_terrain *t);

/* Lets the quadtree go deeper, to tiles whose `samples` a side are no
 * coarser than pixel_m (draped imagery finer than the DEM: the DEM is then
 * interpolated). Only before any tile is loaded. Returns levels added. */
int geo_terrain_deepen(geo_terrain *t, double pixel_m, int samples);

tw_result geo_terrain_load_tile(geo_terrain *t, int worker, geo_tile_key key, geo_tile *out,
                                char *err, size_t n);
void geo_tile_free(geo_tile *tile);

/* Tile square in scene metres: xmin ymin xmax ymax. */
void geo_terrain_tile_bounds(const geo_terrain_info *info, geo_tile_key key, double b[4]);
/* n*n samples spanning a tile's square edge to edge (draped imagery); the
 * tiles of a level compute their shared edge samples with the same arithmetic. */
void geo_terrain_tile_grid(const geo_terrain_info *info, geo_tile_key key, int n, geo_grid *out);
/* Spacing between a tile's vertices at a level, in metres. */
double geo_terrain_level_spacing(const geo_terrain_info *info, int level);
/* False for tiles beyond the deepest level or wholly off the raster. */
bool geo_terrain_tile_exists(const geo_terrain_info *info, geo_tile_key key);
/* Height range over a square (xmin ymin xmax ymax, scene metres) from the
 * overview heightfield widened by its error: a tile's box before it loads.
 * False when the square holds no known height. */
bool geo_terrain_range_estimate(const geo_terrain *t, const double b[4], float *zmin, float *zmax);
/* A tile's geometric error before it loads: the largest measured error of
 * the heightfield cells under it, scaled by the ratio of the spacings
 * (error shrinking in proportion to the spacing, as where data is smooth). */
double geo_terrain_error_estimate(const geo_terrain *t, geo_tile_key key);
/* Full-resolution bilinear height at a scene point (tests, probes). */
tw_result geo_terrain_sample_point(geo_terrain *t, int worker, double x, double y, double *z);

#endif
