/* The buildings layer's parts, shared by app_buildings.c (kind table,
 * frame), app_buildings_tile.c (loading, bases, colours, obstacles),
 * app_buildings_stream.c (tiles by view) and app_buildings_ui.c (panel,
 * legend, pick, report).
 *
 * The buildings are held in tiles. A source read whole (GeoJSON, KML, a
 * shapefile without .qix) is one tile holding everything; a source with a
 * spatial index (GPKG R-tree, FlatGeobuf index, PostGIS GiST, shapefile
 * .qix) is cut into a grid of APP_BTILE_M tiles, each read on a worker with
 * a spatial filter when it comes into view, and evicted least recently seen
 * first when the layer holds more than its cap. */
#ifndef APP_BUILDINGS_INT_H
#define APP_BUILDINGS_INT_H

#include "app_buildings.h"
#include "geo_buildings.h"
#include "geo_buildings_pool.h"
#include "tw_obstacles.h"
#include "rn_fill.h"

#include <cglm/cglm.h>

typedef struct app_buildings_cfg {
    app_source src;
    char *name, *height_field, *floors_field, *color_by;
    double floor_height_m, default_height_m;
    float color[4];
    int stream;         /* -1 auto (when the source has a spatial index), 0 never, 1 always */
    double tile_m;      /* side of a streamed tile, scene metres */
    int cache_features; /* a streamed layer keeps at most about this many buildings */
    double range_m;     /* tiles farther from the eye than this are not read */
    bool cache;         /* whole reads go through the on-disk cache */
    double far_px;      /* chunks whose building spacing is under this on screen: boxes; 0 never */
    double block_px;    /* chunks whose block cells are under this on screen: blocks; 0 never */
    double read_px;     /* streamed tiles smaller on screen are not read; 0: auto */
    double upload_mb;   /* chunk meshes sent up a frame in the background; 0 never */
    bool cast_blocks;   /* blocks ray-cast from their tops where the eye is above them */
} app_buildings_cfg;

#define APP_BTILE_M         1000.0
#define APP_BTILE_FEATURES  300000
#define APP_BTILE_RANGE_M   60000.0
#define APP_BTILE_IN_FLIGHT 4 /* tile reads out at once */
/* A tile whose read failed (a server that stopped answering) is read again
 * this long after, doubling with each failure in a row up to the most:
 * a wall display rides out a network outage. */
#define APP_BTILE_RETRY_S     5.0
#define APP_BTILE_RETRY_MAX_S 300.0
/* The levels a chunk is drawn at (app_buildings_lod.c) are chosen by
 * screen-space error: the size of the detail a level drops, seen from the
 * chunk's nearest point, in pixels. The far boxes (a building's box for its
 * footprint) drop about a building: the chunk's building spacing (at most
 * a block cell), on the ground, so seen at a grazing angle it is
 * foreshortened (times the root of the angle's sine, at least 0.1's).
 * Under APP_FAR_PX a chunk is drawn as boxes (top-down, a 500 m chunk of
 * buildings 31 m apart is then under 29 px, where the old rule by the
 * chunk's longer side switched at 20 px whatever it held; a chunk of a few
 * buildings keeps them in full to 14 px). */
#define APP_FAR_PX 1.8
/* The far boxes' measured error (chunk far_err, at least this many
 * metres) times APP_FAR_ERR_SCALE stands for the spacing when smaller:
 * an L-shaped footprint 16 m across (9 m squared added) as 40 m apart. */
#define APP_FAR_ERR_MIN_M 1.0
#define APP_FAR_ERR_SCALE 4.5
/* The blocks drop everything inside a cell of an 8 x 8 grid
 * (GEO_BUILDINGS_BLOCK_N) or a 4 x 4 one: under APP_BLOCK_PX a cell, the
 * chunk is drawn as blocks, the coarsest grid that is (a chunk costs at
 * most 640 or 160 triangles whatever it holds: an overview's triangles
 * follow the chunks on screen; top-down, 8 x 8 under a 24 px chunk, 4 x 4
 * under 12 px, where the old rule switched at 12 and 8). */
#define APP_BLOCK_PX     3.0
#define APP_BLOCK_LEVELS 2 /* grids of GEO_BUILDINGS_BLOCK_N >> level a side */
/* A chunk's (or group's) block meshes, per level: its boxes
 * (GEO_BLOCKS_BOXES: shadows, and an eye below some top), and its tops
 * ray-cast as the boxes (GEO_BLOCKS_CAST: the colour pass with the eye
 * APP_CAST_BELOW_M above every top; the scene's "cast_blocks"); slot
 * level + APP_BLOCK_LEVELS when cast. An overview of 600,000 buildings:
 * 138,502 triangles instead of 692,510, drawn in about half the time,
 * the same picture (tests/render/test_buildings_lod.c). */
#define APP_BLOCK_SLOTS  (2 * APP_BLOCK_LEVELS)
#define APP_CAST_BELOW_M 1.0
/* A streamed tile is read only when its side, faced from its nearest
 * point, is at least the screen's larger side / this on screen: near the
 * horizon of a street view tiles are a few pixels each, and reading them
 * would make its cost follow the dataset (tens of kilometres of it), not
 * the screen (1280 x 720: 53 px, 1 km tiles up to about 16 km away). */
#define APP_BTILE_READ_DIV 24.0
/* A chunk's meshes go to the GPU when a frame first draws it at their
 * level (the overview of a large set draws nearly every chunk as blocks,
 * made from the rows, so its first complete frame uploads almost none);
 * after the first frame drawn with the view ready, the rest go up in the
 * background, nearest the eye first, about this many MB of CPU copies a
 * frame (the scene's "upload_mb"), each chunk's copies freed once all
 * its meshes are up. CITYTWIN_EAGER_UPLOAD=1: every chunk up before the
 * first frame (as before; tests compare the two). */
#define APP_UPLOAD_MB 16.0
enum { APP_UP_FULL = 1, APP_UP_FAR = 2, APP_UP_ALL = 3 }; /* app_btile.up bits */

/* What the on-disk cache did for a whole read. */
enum {
    APP_BCACHE_OFF,
    APP_BCACHE_HIT,
    APP_BCACHE_WRITTEN,
    APP_BCACHE_REBUILT,
    APP_BCACHE_FAILED,
    APP_BCACHE_WRITING /* after the hand-over (app_buildings_write.c) */
};

typedef struct app_bwrite app_bwrite;

enum { APP_BATTRS_NONE, APP_BATTRS_LOADING, APP_BATTRS_READY, APP_BATTRS_FAILED };

typedef enum app_btile_state {
    APP_BTILE_EMPTY,
    APP_BTILE_LOADING,
    APP_BTILE_READY
} app_btile_state;

/* One tile's buildings: everything a frame needs to draw them. */
typedef struct app_btile {
    int ix, iy; /* grid cell; 0, 0 for a layer read whole */
    app_btile_state state;
    geo_buildings b;
    double *base;         /* per building, metres (unexaggerated) */
    unsigned ground_gen;  /* of the ground base stands on */
    bool bases_pending;   /* a bases job is out */
    double exag;          /* raised with; 0: raise again */
    bool dirty, uploaded; /* colours changed / rows, table and blocks made */
    bool make_failed;     /* a chunk's meshes could not be made (said once) */
    /* Per chunk, made from its CPU copies when first drawn at their level
     * (up: APP_UP_* bits of the meshes made), the copies freed once every
     * mesh is up (up_n chunks). */
    rn_mesh *roofs, *walls, *far;
    uint8_t *up;
    int up_n;
    /* Per building: drawn base, height and colour, the row the meshes'
     * vertex ids read in the shaders (raise and recolour rewrite it). */
    geo_buildings_row *rows;
    rn_table table;
    long seen;       /* frame number it was last wanted */
    bool failed;     /* its last read failed: read again from retry_at (mono seconds) */
    int failures;    /* reads failed in a row */
    double retry_at;
    double *height0; /* the source's heights under a scenario's edits */
    /* The split view's before side: the same meshes drawn with a table at
     * the source's heights, made only while edits change some of this
     * tile's (else rows0 NULL, table0 {0}). */
    geo_buildings_row *rows0;
    rn_table table0;
    /* Per chunk and slot (APP_BLOCK_SLOTS * k + slot), the blocks
     * (geo_buildings_block) made from rows / rows0, and their triangles.
     * A level is made when a pass first draws it (app_bchunk_block), not
     * at each update: an overview draws nearly every chunk at the 4 x 4
     * level only, and its 8 x 8 blocks (four times the memory, all fresh
     * pages of the main thread) were made for nothing. block_ok /
     * block0_ok: the level was made from the rows as they are now
     * (cleared when they are rewritten; the old mesh is kept till then). */
    rn_mesh *block, *block0;
    uint32_t *block_tris, *block0_tris;
    uint8_t *block_ok, *block0_ok;
    long blocks_made; /* chunk levels binned (alone or in a group), for the report */
    /* Block groups (app_buildings_groups.c): group g's chunks are
     * group_chunk[group_start[g] .. group_start[g + 1] - 1], chunk k's
     * group chunk_group[k]; per group and level the blocks of all its
     * chunks as one mesh (from rows; made, and stale, as block / block_ok).
     * group_count 0: none (every chunk drawn on its own). */
    int group_count;
    int *group_start, *group_chunk, *chunk_group;
    rn_mesh *gblock;
    uint32_t *gblock_tris;
    uint8_t *gblock_ok;
    long block_groups_made; /* group levels made, for the report */
    unsigned edits_gen; /* of the world's edits applied */
    /* A selection's change: only these buildings' rows (and their chunks'
     * blocks) are rewritten at the next update, not the tile's. */
    int recolour[2], recolour_n;
    long rows_written; /* rows sent to the tables, for the report */
    /* The published obstacles whose footprint points b.polys.xy is (the
     * same array, not a copy: 125 MB at 600,000 buildings); NULL while the
     * tile owns its points. */
    tw_obstacles *xy_owner;
    /* The cache's write of b on a worker, NULL when none is out
     * (app_buildings_write.c). */
    app_bwrite *writing;
} app_btile;

typedef struct app_buildings {
    app_layer_info info;
    app_layer *layer;
    const app_buildings_cfg *cfg;
    app_world *world;
    bool loaded; /* whole: the tile arrived; streamed: the probe did */
    bool streamed;
    app_btile **tiles; /* whole: one; streamed: nx * ny, NULL until first wanted */
    int nx, ny;
    double grid[4]; /* streamed: the grid's extent, scene metres */
    char driver[32];
    const char *extent_from; /* geo_buildings_probe's (a literal) */
    bool same_crs;     /* streamed: tiles are the source's filter rectangles as they are */
    bool indexed;      /* streamed: the source has a spatial index ("stream": true streams any) */
    long source_features; /* streamed: geo_buildings_probe's count, -1 unknown */
    bool count_sent;      /* streamed: the count of a source that keeps none asked */
    int skips_said;       /* skipped features said on stderr (once a layer) */
    int retried;          /* streamed: tile reads sent again after a failure */
    int color_i;       /* field of color_by (not "height"), -1 none */
    bool fields_known; /* color_i was looked up */
    int bases_worker, bases_main; /* base computations done where */
    rn_fill_item *items;          /* two per chunk drawn, for a frame's draw */
    int items_cap;
    int sel_tile, selected; /* the selected building: tile and feature, -1 none */
    /* Its attributes, read from the source by FID on a worker when it is
     * selected (a load keeps none): the panel says "loading" until then. */
    geo_battrs attrs;
    int attrs_state;    /* APP_BATTRS_* */
    unsigned attrs_gen; /* of the selection the read in flight is for */
    long attrs_fid;
    char attrs_err[160];
    bool publish;           /* the loaded set changed: obstacles follow once settled */
    struct app_bpub *pub;   /* a publish begun in this update (app_buildings_publish.c) */
    bool pub_deferred;      /* one left to its first reader (app_buildings_publish_defer) */
    const char *pub_first;  /* how the first publish began (the report's "obstacles_made") */
    unsigned published_gen; /* ground_gen + 1 of the obstacles published, 0: none */
    /* Streaming: how many tiles, read where. */
    int visible, requested, in_flight, evicted, read_failed;
    struct app__job *first_read; /* the first read, until it is done */
    double features_read_s;      /* when a whole read had read its features (monotonic), 0 */
    long last_frame; /* of the last update */
    int cache_state; /* APP_BCACHE_* of the whole read */
    double cache_done_s; /* when its write after the hand-over ended (monotonic), 0: none */
    long tiles_read, bytes_features;
    /* The open datasets the reads share (one per read running at once,
     * not one per tile); released with the layer. */
    geo_buildings_pool *pool;
    /* The last frame's opaque pass: what it drew. */
    int drawn, chunks_drawn, draw_calls;
    int culled, small; /* buildings in chunks outside the view, or too small in it */
    int far_chunks;    /* chunks drawn as boxes */
    int block_chunks;  /* chunks drawn as blocks */
    int cast_chunks;   /* of them, ray-cast from their tops */
    int block_groups, grouped_chunks; /* groups drawn as one mesh, the chunks in them */
    long triangles;
    /* Lazy uploads (APP_UPLOAD_MB): the eye of the last frame (nearest
     * first), whether a frame was drawn with the view ready (then the
     * background ones begin), chunks not all up at that frame (-1 before),
     * and chunks given a mesh by a frame that drew them / in the background. */
    bool eager;
    double eye[3];
    bool drew_ready;
    int pending_first_frame;
    long up_on_demand, up_background;
    long made_background;  /* chunks' meshes made after the first frame (geo meshes_later) */
    double make_last;      /* when the background last made some (s, monotonic) */
    long shadow_triangles; /* cast into the last frame's shadow map */
    /* CITYTWIN_PLAIN_FLOOR (benchmarks): the last frame's items drawn again
     * alone, timed, before the next update (app_buildings.c). */
    bool floor_on, floor_due;
    int floor_n, floor_count;
    unsigned floor_fbo;
    rn_view floor_view;
    double floor_ms;
} app_buildings;

/* Chunks smaller than this on screen (pixels, the larger side) are skipped. */
#define APP_CHUNK_MIN_PX 3.0

typedef enum app_bseen { APP_SEEN, APP_OUTSIDE, APP_SMALL } app_bseen;

/* app_buildings_write.c: a large whole read's cache written on a worker
 * after the tile took its buildings (state: what the report says once
 * it is written); false when out of memory (no cache then). The main
 * thread waits for it before it changes or frees the tile's buildings
 * (app_bwrite_wait). app_bwrite_result sees a write out done (waiting for
 * it), gives its result and when it ended; TW_ERR_ARG when none is out. */
bool app_bwrite_begin(app_buildings *p, app_btile *t, const char *dir, const char *key, int state);
void app_bwrite_wait(app_btile *t);
tw_result app_bwrite_result(app_btile *t, double *done_s);
/* What the report says of a write out once it succeeds (written, rebuilt). */
int app_bwrite_state(const app_btile *t);

/* app_buildings_upload.c: app_bchunk_upload, app_buildings_upload_background,
 * app_btile_trim (declared here with the tile's functions). */
/* app_buildings_tile.c */
app_btile *app_btile_new(int ix, int iy);
void app_btile_free(app_btile *t);
/* Reads the whole source (rect NULL) or a tile on a worker. */
bool app_btile_submit(app_buildings *p, app_btile *t, const double *rect);
/* Counts a streamed source's features on a worker (the probe had no count:
 * a PostGIS table, a "where"): source_features, then the skips (asked
 * once every tile of the grid is held, the only time it tells what no
 * tile read). */
void app_bcount_submit(app_buildings *p);
/* While the first read reads its features (or has not begun): the
 * headless warm-up waits, as it would take a core from the read. */
bool app_buildings_warm_wait(const app_buildings *p);
/* Bases on the current ground (on a worker) and a scenario's edits: the
 * bases and heights the obstacles read; then raise, colours, upload (the
 * rest of what a ready tile needs before a frame). */
void app_btile_settle(app_buildings *p, app_btile *t);
void app_btile_update(app_buildings *p, app_btile *t, int ti);
/* Feature f of tile t changes colour (selected or not any more). */
void app_btile_recolour(app_btile *t, int f);
/* Drops a ready tile's buildings (it stays in the grid, empty). */
void app_btile_evict(app_buildings *p, app_btile *t, int ti);
bool app_btile_settled(const app_buildings *p, const app_btile *t);
/* Chunk k's meshes for the APP_UP_* bits in want, made now where not yet
 * (from its CPU copies, freed once all are up); the draw's and shadow's
 * passes call it for the level they draw. False: nothing was to make. */
bool app_bchunk_upload(app_btile *t, int k, unsigned want);
/* Makes the meshes of t's chunks ks[0 .. n - 1] not made yet (a large read
 * without the cache makes them when first drawn: geo meshes_later). */
void app_bchunks_make(app_btile *t, const int *ks, int n);
/* Chunk k's blocks at level l (0: the finest grid), as boxes or tops to
 * ray-cast (cast), from the rows (before: the split view's rows0), made
 * now unless made from the rows as they are; {0} when it has none (the
 * far boxes are drawn). */
rn_mesh app_bchunk_block(app_btile *t, int k, int l, bool cast, bool before);
/* app_buildings_groups.c: block groups (module comment there). A group
 * is the chunks whose middle falls in one square of APP_BGROUP_CELLS x
 * APP_BGROUP_CELLS chunk cells, at most APP_BGROUP_MAX of them (8 x 8
 * blocks of 8 vertices each: under 65,536 vertices). */
#define APP_BGROUP_CELLS 4
#define APP_BGROUP_MAX   64
/* The tile's groups from its chunks (false: out of memory, none made). */
bool app_bgroups_make(app_btile *t);
void app_bgroups_free(app_btile *t);
/* Chunk k's group's blocks are made again when next drawn; all when k < 0. */
void app_bgroups_stale(app_btile *t, int k);
/* Group g's blocks at level l (as boxes or tops to ray-cast), made now
 * unless made from the rows as they are; {0} when it has none. */
rn_mesh app_bgroup_block(app_btile *t, int g, int l, bool cast);
/* Chunks whose meshes are all up (their CPU copies freed), of chunks. */
int app_buildings_chunks_up(const app_buildings *p, int *chunks);
/* The pages of a large read's freed blocks back to the kernel. */
void app_btile_trim(const app_btile *t);
/* After the first ready frame: the chunks not yet up, nearest the eye
 * first, up to the layer's upload_mb of them. */
void app_buildings_upload_background(app_buildings *p);
/* app_buildings_publish.c: the obstacles from every loaded tile, made on
 * a worker between begin (an update, the tiles settled) and end (the
 * first read of the world's obstacles, or that frame's overlay pass; end
 * waits for the job). */
typedef struct app_bpub app_bpub;
void app_buildings_publish_begin(app_buildings *p);
/* Before the layer's first complete frame: the publish is made by the
 * first reader of the world's obstacles (begun and ended there, in its
 * update), else begun by the first update after that frame, so the job
 * does not take the cores the first frame is drawn on (at 600,000
 * buildings its fresh memory and walk made that frame 95 ms longer). Let
 * go by app_buildings_publish_settle. */
void app_buildings_publish_defer(app_buildings *p);
void app_buildings_publish_end(app_buildings *p);
/* Ends a publish still under way (p->pub): before anything changes or
 * frees what its job reads (a tile's features, rings, points, bases,
 * heights). */
void app_buildings_publish_settle(app_buildings *p);
void app_buildings_ramp(double h, uint8_t out[3]);
extern const double APP_BRAMP_M[4];
long app_buildings_features(const app_buildings *p);

/* app_buildings_stream.c */
/* The probe found a spatial index: cuts the extent into tiles. */
void app_bstream_begin(app_buildings *p, const geo_buildings_probe *pr);
/* Chooses the tiles the view wants, sends their reads, evicts. */
void app_bstream_update(app_buildings *p, const app_update_ctx *u);
bool app_bstream_ready(const app_buildings *p);
/* px (may be NULL): the box's larger side on screen, pixels. */
app_bseen app_bbox_seen(const double box[6], const rn_view *v, mat4 vp, vec4 planes[6], float *px);

/* app_buildings_lod.c */
/* A chunk's level: full meshes, far boxes, or blocks of grid
 * GEO_BUILDINGS_BLOCK_N >> (level - APP_LOD_BLOCK). */
typedef enum app_blod { APP_LOD_FULL, APP_LOD_FAR, APP_LOD_BLOCK } app_blod;
/* Pixels per metre at one metre from the eye. */
double app_bview_focal(const rn_view *v);
/* The coarsest level whose screen-space error, at the chunk's nearest
 * point, is under the layer's far_px / block_px (module comment). */
app_blod app_bchunk_lod(const app_buildings_cfg *cfg, const geo_buildings_chunk *c,
                        const rn_view *v, double focal);
/* The level a chunk casts its shadow at: a building spacing or a block
 * cell under one texel of the shadow map (texel_m) is not seen in it, so
 * the far boxes or the blocks cast the same shadow for less. */
app_blod app_bchunk_shadow_lod(const geo_buildings_chunk *c, double texel_m);
/* Orders a frame's items nearest first by their origins (opaque ones: a
 * translucent layer's stay as they are). */
void app_bitems_sort(rn_fill_item *items, int n, const double eye[3]);

/* app_buildings_ui.c */
void app_buildings_panel(const app_buildings *p, const app_ui_ctx *ui);
void app_buildings_legend(const app_buildings *p, const app_ui_ctx *ui);
bool app_buildings_pick(void *self, const app_pick_query *q, app_pick_hit *out);
bool app_buildings_click(void *self, const app_pick_query *q);
bool app_buildings_key(void *self, int key, const app_ui_ctx *ui);
int app_buildings_reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max);
void app_buildings_report_entry(const void *self, int info, json_object *e);
/* The selection changed: its attributes are read again (NULL: cleared). */
void app_buildings_attrs_request(app_buildings *p);
/* The source as a vector desc (strings borrowed from the scene's config). */
void app_buildings_src(const app_buildings *p, geo_vector_desc *out);

#endif
