/* The terrain layer's private parts, shared by its two files:
 * app_terrain.c (the kind: opening, drawing, report, scene keys) and
 * app_terrain_lod.c (the tile cache, level-of-detail selection, culling and
 * tile jobs). Not for other modules. */
#ifndef APP_TERRAIN_INT_H
#define APP_TERRAIN_INT_H

#include "app_terrain.h"
#include "geo_imagery.h"
#include "rn_terrain.h"
#include "rn_texture.h"
#include "tw_horizon.h"

#include <cglm/cglm.h>

#define APP_TILE_BUCKETS  4096
#define APP_TILE_CAPACITY 8192
#define APP_WANT_MAX      1024
/* Horizon table: azimuth bins x distance rings (one heightfield spacing). */
#define APP_HORIZON_BINS 512
#define APP_HORIZON_CAP  (APP_HORIZON_BINS * 512)
/* Tile cache cap, GPU + CPU bytes, unless the scene's "cache_mb" says;
 * CITYTWIN_TERRAIN_CACHE_MB overrides both. */
#define APP_CACHE_MB 128
/* Tile facts remembered (a power of two; forgotten all at once when 3/4 full). */
#define APP_FACTS_CAP 32768
/* Seconds an incomplete view waits before it says why. */
#define APP_STUCK_S 20.0

typedef enum { TILE_FREE, TILE_REQUESTED, TILE_READY, TILE_FAILED } app__tile_state;

typedef struct app__tile {
    geo_tile_key key;
    app__tile_state state;
    rn_mesh mesh;
    rn_texture imagery; /* {0}: none over this tile */
    size_t imagery_bytes;
    float zmin, zmax;
    bool empty;
    int overview;
    long last_used;
    bool background; /* requested to fill in a skipped level, not for the view */
    int next;        /* bucket chain, or free list */
    float error_m;   /* geometric error measured when it loaded */
    size_t bytes;    /* mesh + imagery + its entry: what the cache cap counts */
} app__tile;

/* What a tile measured when it loaded, kept after it is evicted: the
 * view's choices then depend on the tile's key alone, never on whether it
 * happens to be resident (an estimate that differs from the measure would
 * make the view load, drop and load the same tiles forever). */
typedef struct app__facts {
    geo_tile_key key;
    float zmin, zmax, error_m;
    bool known;
} app__facts;

typedef struct app__want {
    geo_tile_key key;
    double priority;
} app__want;

/* What tile jobs read on the workers: owned by the layer's token, so it
 * outlives the layer while a job still runs. */
typedef struct app__terrain_src {
    geo_terrain *geo;
    geo_imagery *imagery;
} app__terrain_src;

typedef struct app_terrain {
    app_layer *owner;
    app_world *world;
    app__terrain_src *src;
    app_layer_info layer;
    geo_terrain *geo;
    const geo_terrain_info *info;
    rn_texture height_tex;
    bool has_imagery;
    app_layer_info imagery_layer;
    geo_imagery *imagery; /* set once open, before any tile job reads it */
    int imagery_failures, imagery_reads; /* tiles whose imagery failed / was read */
    char imagery_first_err[256];
    bool depth_final;  /* max_level settled (imagery known): tiles may load */
    int dem_max_level; /* deepest level the DEM itself needs; deeper only for imagery */
    size_t imagery_bytes;
    double max_error_px;
    int max_tiles;
    int workers;
    int buckets[APP_TILE_BUCKETS];
    app__tile tiles[APP_TILE_CAPACITY];
    int free_head;
    int resident, inflight, inflight_view;
    int tile_failures;
    int reloads;             /* tiles read again after eviction */
    double incomplete_since; /* monotonic s, 0: the view is complete */
    bool stuck_warned;
    app__facts facts[APP_FACTS_CAP];
    int facts_count;
    app__want want[APP_WANT_MAX];
    int want_count;
    rn_terrain_item *draw;
    int draw_count, draw_cap;
    app_terrain_stats stats;
    /* per-update view data */
    vec4 planes[6];
    double eye[3];
    double exag;
    double target[2];
    double k_px; /* pixels per metre at distance 1 */
    long frame_no;
    /* Until the first complete view, tiles are requested at the level the
     * view wants, skipping the levels between (the root stands in). */
    bool skip_levels;
    int loaded_first_view; /* tiles that arrived before the first complete view */
    int view_wants;        /* requests this frame for what the view lacks */
    /* Byte-capped cache: when the view's own tiles exceed the cap, the
     * error allowed on screen grows (error_scale) until they fit. */
    double cache_mb; /* the scene's cap, 0: APP_CACHE_MB */
    size_t max_bytes, resident_bytes;
    double error_scale;
    bool cache_set, over_cap_warned;
    /* Occlusion culling: the terrain's horizon around the eye, rebuilt when
     * the eye moves. */
    tw_horizon horizon;
    bool horizon_ok;
    double horizon_eye[3], horizon_exag;
    int occluded;
    float horizon_block[APP_HORIZON_CAP];
} app_terrain;

typedef struct app__open_job {
    app_terrain *owner;
    app_source_job src;
    geo_terrain_desc desc;
    geo_terrain *result;
    tw_result status;
    char err[512];
} app__open_job;

typedef struct app__imagery_open_job {
    app_terrain *owner;
    app_source_job src;
    geo_imagery_desc desc;
    geo_imagery *result;
    tw_result status;
    char err[512];
} app__imagery_open_job;

typedef struct app__tile_job {
    app_terrain *owner;
    geo_terrain *geo; /* from the token's payload: valid while the job lives */
    geo_imagery *imagery;
    bool background;
    geo_tile tile;
    tw_result status;
    char err[256];
    tw_image imagery_px; /* RGBA, empty when the tile has none */
    tw_result imagery_status;
    char imagery_err[256];
} app__tile_job;

/* The tile cache (app_terrain_lod.c). */
void app_terrain_cache_init(app_terrain *t);
/* Once per frame: chooses, requests and evicts tiles for the view. */
void app_terrain_update(void *self, const app_update_ctx *u);

#endif
