/* The terrain layer: opens the raster on a worker, then each frame picks
 * the quadtree tiles the view needs (screen-space error, frustum culling),
 * requests missing ones from the workers nearest first, draws the parent
 * until all four children are ready, and evicts least-recently-used tiles
 * beyond a memory budget. With imagery, each tile job also reads the
 * imagery over the tile's square, which is drawn as the tile's colours; the
 * imagery is its own layer, and when it fails the terrain shows without it. */
#ifndef APP_TERRAIN_H
#define APP_TERRAIN_H

#include "app_camera.h"
#include "app_layer.h"
#include "app_scene.h"
#include "geo_terrain.h"
#include "rn_terrain.h"
#include "rn_texture.h"
#include "tw_pool.h"

typedef struct app_terrain app_terrain;

typedef struct app_terrain_desc {
    const app_terrain_cfg *cfg;
    const app_source *imagery; /* draped over the tiles; NULL: none */
    const geo_frame *frame;
    tw_pool *pool;
    double max_error_px; /* split tiles whose error on screen exceeds this; 0: 2 */
    int max_tiles;       /* resident tiles before eviction; 0: 600 */
} app_terrain_desc;

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

app_terrain *app_terrain_create(const app_terrain_desc *desc, double now);
/* Call after the pool is destroyed (pending jobs point at the terrain). */
void app_terrain_destroy(app_terrain *t);
app_layer *app_terrain_layer(app_terrain *t);
/* The imagery's layer, or NULL when the scene has none. */
app_layer *app_terrain_imagery_layer(app_terrain *t);
/* Non-NULL once the raster is open. */
const geo_terrain_info *app_terrain_info(const app_terrain *t);
const tw_heightfield *app_terrain_heightfield(const app_terrain *t);
rn_texture app_terrain_height_texture(const app_terrain *t);
/* Selects and requests tiles for the view; `frame` counts frames for LRU. */
void app_terrain_update(app_terrain *t, const app_camera *cam, int width, int height,
                        double exaggeration, long frame);
long app_terrain_draw(app_terrain *t, const rn_view *view, const rn_terrain_style *style);
const app_terrain_stats *app_terrain_stats_get(const app_terrain *t);

#endif
