/* The terrain layer kind ("terrain"): opens the raster on a worker, then
 * each frame picks the quadtree tiles the view needs (screen-space error,
 * frustum culling), requests missing ones from the workers nearest first,
 * draws the parent until all four children are ready, and evicts
 * least-recently-used tiles beyond a memory budget. With imagery, each tile
 * job also reads the imagery over the tile's square, which is drawn as the
 * tile's colours; the imagery is its own entry in the report, and when it
 * fails the terrain shows without it. The terrain provides the scene's
 * ground (app_world_set_ground). */
#ifndef APP_TERRAIN_H
#define APP_TERRAIN_H

#include "app_layer.h"
#include "geo_terrain.h"

typedef struct app_terrain_cfg {
    app_source src;
    double exaggeration; /* default 1 */
    bool hillshade;
    int tile_samples; /* 0: default */
    double cache_mb;  /* tile cache cap; 0: default (CITYTWIN_TERRAIN_CACHE_MB overrides) */
    bool has_imagery;
    app_source imagery;
} app_terrain_cfg;

typedef struct app_terrain_stats {
    int drawn, requested, inflight, resident;
    int drawn_per_level[25];
    int center_level;      /* level of the drawn tile under the view's centre, -1 none */
    int loaded_first_view; /* tiles read before the first complete view */
    bool complete;         /* nothing the view wants is missing */
    long triangles;
    size_t gpu_bytes;      /* meshes and imagery textures */
    int imagery_tiles;     /* drawn tiles with imagery */
    size_t resident_bytes; /* the tile cache: meshes, imagery, entries */
    int occluded;          /* tile boxes culled behind terrain this frame */
    double error_scale;    /* > 1: the view was drawn coarser to fit the cache cap */
} app_terrain_stats;

extern const app_layer_kind app_terrain_kind;

#endif
