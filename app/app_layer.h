/* Layers: one contract for every kind of thing a scene shows.
 *
 * A kind (terrain, boundaries, points, the certification map, ...) is a
 * table of functions registered by its scene-file name (app_kinds.c). The
 * scene file is parsed once: each entry of "layers" (and the shorthand keys
 * "terrain", "imagery", "boundaries", "map") is handed to its kind's parse,
 * which reads and validates its own keys into a config the kind owns. When
 * the scene starts, create makes the layer from that config; the frame loop
 * then knows a layer only through this table: update once per frame, draw
 * into a pass, labels, extent, pick, input, report, destroy.
 *
 * Layers never call each other. What they need from the scene (the frame
 * and CRS transforms, the worker pool and their cancellation token, ground
 * height, the clock, a seed) is in app_world. Work on workers carries the
 * layer's token: destroying a layer cancels its queued jobs and never waits
 * for a job in flight, whose done callback then gets TW_ERR_CANCELLED. */
#ifndef APP_LAYER_H
#define APP_LAYER_H

#include "app_camera.h"
#include "app_cfg.h"
#include "app_hud.h"
#include "geo_crs.h"
#include "geo_vector.h"
#include "rn_context.h"
#include "rn_lines.h"
#include "rn_view.h"
#include "tw_log.h"
#include "tw_obstacles.h"
#include "tw_pool.h"
#include "tw_sun.h"

#include <json.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- the status every layer shows in the HUD, the panel and the report ---- */

typedef enum app_layer_status {
    APP_LAYER_LOADING,
    APP_LAYER_OK,
    APP_LAYER_ERROR,
    APP_LAYER_STALE,
} app_layer_status;

/* One entry of the report's layers[] (a layer may show several: terrain
 * and its imagery, the map's certifications and boundaries). */
typedef struct app_layer_info {
    char name[128];
    const char *kind; /* the scene file's kind name: "terrain", "boundaries", ... */
    char source[1024];
    app_layer_status status;
    long features; /* features or entities shown; pixels for rasters */
    geo_skips skipped;
    char error[512];
    double t_start, load_ms;
    char attribution[256];
    bool attribution_given;
    double data_time;  /* wall-clock time of the newest data, 0: none (live layers) */
    char data_age[96]; /* "12:00:00 KST · 8 s old" after the attribution line; "": none */
    char warning[256]; /* an ok layer with a problem worth showing (partly failed) */
} app_layer_info;

void app_layer_info_begin(app_layer_info *l, const char *kind, const char *name, const char *source,
                          const char *attribution, double now);
/* Marks the layer failed and logs one line: "[kind] SOURCE: what". */
void app_layer_info_fail(app_layer_info *l, double now, const char *fmt, ...) TW_PRINTF(3, 4);
void app_layer_info_ok(app_layer_info *l, double now, long features);
const char *app_layer_status_str(app_layer_status s);

/* ---- a source for a worker job ---- */

/* A source's keys copied for a job, with a reference to the scene frame:
 * the scene may be left while the job runs, and the job must then read
 * nothing of it. */
typedef struct app_source_job {
    geo_frame *frame;
    char *path, *layer, *where, *source_crs, *encoding;
    bool has_nodata;
    double nodata;
} app_source_job;

/* False when out of memory (then nothing is held). */
bool app_source_job_set(app_source_job *j, const app_source *s, const geo_frame *frame);
void app_source_job_free(app_source_job *j);
/* The vector description of the source (label fields etc. left to the caller). */
geo_vector_desc app_source_job_vector(const app_source_job *j);

/* ---- the scene's services ---- */

/* The ground: an immutable, reference-counted copy of the terrain's overview
 * heights (unexaggerated), safe to read from any thread while referenced. */
typedef struct app_ground app_ground;
bool app_ground_sample(const app_ground *g, double x, double y, double *z);
const tw_heightfield *app_ground_heightfield(const app_ground *g);
app_ground *app_ground_ref(app_ground *g);
void app_ground_release(app_ground *g);

#define APP_WORLD_OBSTACLES 8

/* A what-if edit of an existing building (a scenario's): feature fid of the
 * buildings layer named layer ("" or NULL: any buildings layer) stands
 * height_m above its base, or is removed (removed: true). */
typedef struct app_building_edit {
    const char *layer;
    long fid;
    double height_m;
    bool removed;
    /* The source's height, written by the buildings layer that applied
     * the edit (NAN until one has): the split view's before side. */
    double height0_m;
} app_building_edit;

typedef struct app_world {
    const char *scene_path;
    const geo_frame *frame; /* workers take their own reference (geo_frame_ref) */
    tw_pool *pool;          /* lives as long as the process */
    double t_start;         /* the process start (monotonic): the report's times' zero */
    bool deterministic;     /* fixed clock and seed: golden pictures */
    uint32_t seed;          /* per scene, for anything stochastic */
    double exaggeration;    /* vertical scale of everything drawn (X key) */
    /* The ground, once a layer provides it (terrain). Main thread. */
    app_ground *ground;
    rn_texture ground_tex; /* R32F heights for draping, {0}: flat */
    double ground_zmin, ground_zmax, ground_span;
    unsigned ground_gen; /* changes whenever the ground does: layers that
                          * stand things on it rebuild their heights */
    /* Asks the app to change scene (a layer's link, e.g. the map's twins;
     * from_city: what M comes back to), or to fly the camera. */
    void (*go)(void *app, const char *scene, const char *bookmark, const char *from_city);
    void (*fly)(void *app, const app_camera *to);
    void *app;
    /* Solid things standing on the ground, one set per layer that has them
     * (buildings); obstacles_gen changes whenever any set does. Main thread. */
    struct {
        const void *owner;
        tw_obstacles *set;
    } obstacles[APP_WORLD_OBSTACLES];
    int obstacle_count;
    unsigned obstacles_gen;
    /* Sets being made on a worker (a layer's publish begun, not ended):
     * every read of the obstacles above finishes them first
     * (app_world_obstacles_settle), so a reader sees what it would have if
     * the publish had been done at once. Main thread. */
    struct {
        const void *owner;
        void (*settle)(void *owner);
    } obstacles_pending[APP_WORLD_OBSTACLES];
    int obstacles_pending_count;
    /* Edits of existing buildings, from one layer (a scenario); the array
     * is the owner's until it sets others or withdraws them (NULL). The
     * buildings layers apply them (app_world_apply_edits); edits_gen
     * changes whenever they do. The owner's own obstacle set (if any) is
     * its planned buildings. Main thread. */
    const void *edits_owner;
    app_building_edit *edits;
    int edit_count;
    unsigned edits_gen;
    /* The scene's analysis time (sun position, shadows, sun hours): an
     * instant, UTC seconds, shown at utc_offset_h (the scene's time zone).
     * time_set: given by --time, the scene's "time" or the time keys (the
     * light then follows the sun); time_gen changes whenever it does. */
    double time_s, utc_offset_h;
    const char *tz_label; /* "KST" (the scene's time_zone label) */
    bool time_set;
    unsigned time_gen;
    /* Scene metres to WGS 84 degrees (main thread); false when unknown. */
    bool (*lonlat)(void *app, double x, double y, double *lon, double *lat);
    /* The layer whose detail panel (top left: a pick's attributes, a
     * measurement, a building's facade points) is shown; NULL: none has
     * claimed it yet. Main thread. */
    const void *panel_owner;
    /* The split view is on (I, --split): analyses also compute their
     * before side (without the scenario's edits and planned buildings).
     * Set by the app before the layers' updates; a layer may set it in
     * its update (a scenario's "split": true). */
    bool split;
} app_world;

/* Ground height at a scene point, metres unexaggerated; false (z = 0) where
 * no terrain is known. Main thread; workers use app_world_ground_ref. */
bool app_world_ground(const app_world *w, double x, double y, double *z);
/* A reference to the ground for a worker job (NULL: none yet). */
app_ground *app_world_ground_ref(const app_world *w);
/* The terrain layer publishes its heights (copied), texture and span. */
void app_world_set_ground(app_world *w, const tw_heightfield *hf, rn_texture tex, double zmin,
                          double zmax, double span);
/* A layer publishes its obstacles (takes the caller's reference; NULL
 * withdraws them). A layer that publishes withdraws in its destroy. */
void app_world_set_obstacles(app_world *w, const void *owner, tw_obstacles *set);
/* A layer's publish is under way (settle finishes it, publishing its set;
 * NULL: no longer, said by that finish). */
void app_world_obstacles_pending(app_world *w, const void *owner, void (*settle)(void *owner));
/* Finishes every publish under way: what each reader of obstacles,
 * obstacle_count or obstacles_gen calls first. */
void app_world_obstacles_settle(const app_world *w);
/* References to every published set for a worker job (release each); at
 * most max, returns how many. */
int app_world_obstacles_ref(const app_world *w, tw_obstacles **out, int max);
/* Rasterizes every published set onto g (see tw_obstacles_rasterize). */
long app_world_obstacles_rasterize(const app_world *w, const tw_grid *g, float *out);
/* A layer sets the scene's building edits (e NULL withdraws them; e with
 * n 0: none, the owner's planned buildings only; a layer that sets them
 * withdraws them in its destroy). */
void app_world_set_edits(app_world *w, const void *owner, app_building_edit *e, int n);
/* For a buildings layer named layer: when the edits changed since *gen,
 * resets b's heights to the source's (kept in *height0, allocated on first
 * use, freed by the caller) and applies those edits that name this layer or
 * none (a removed building gets a height below its base: drawn under the
 * ground, hiding nothing); hmin/hmax follow. True when the heights
 * changed (raise and publish them again). Main thread. */
struct geo_buildings;
bool app_world_apply_edits(const app_world *w, const char *layer, struct geo_buildings *b,
                           double **height0, unsigned *gen);
/* Wall-clock seconds, or a fixed instant under --deterministic. */
double app_world_clock(const app_world *w);
/* The sun at the analysis time over scene point (x, y); false (and a sun
 * at 37.5 N 127 E) when the scene has no geographic position. */
bool app_world_sun(const app_world *w, double x, double y, tw_sun_pos *out);
/* Moves the analysis time by dt seconds (time keys). */
void app_world_step_time(app_world *w, double dt);
/* The detail panel at the top left shows one layer's at a time: a layer
 * claims it when the user opens something there (a click or pick on what
 * it shows, a measurement begun), and draws (and reserves) its panel only
 * while app_world_panel_mine is true: for the last claimant, or for any
 * layer while none has claimed it. A layer releases it in its destroy. */
void app_world_claim_panel(app_world *w, const void *owner);
void app_world_release_panel(app_world *w, const void *owner);
bool app_world_panel_mine(const app_world *w, const void *owner);

/* ---- what the frame loop hands to a layer ---- */

typedef enum app_pass {
    APP_PASS_OPAQUE,      /* terrain, filled and extruded geometry */
    APP_PASS_DRAPED,      /* lines and fills on the ground */
    APP_PASS_TRANSLUCENT, /* particles, glass */
    APP_PASS_MARKERS,     /* 2D symbols at 3D places, under the labels and the HUD */
    APP_PASS_OVERLAY,     /* 2D panels over the HUD */
    APP_PASS_SHADOW,      /* casters into the sun's shadow map (rn_shadow_cast) */
    APP_PASS_COUNT
} app_pass;

typedef struct app_update_ctx {
    double now; /* monotonic seconds */
    const app_camera *cam;
    int width, height;
    long frame_no;
} app_update_ctx;

/* Screen-space state for overlays, clicks and tooltips. */
typedef struct app_ui_ctx {
    int width, height;
    float scale;
    bool labels_en;
    double cursor[2];
    bool show_cursor_tip;
    const char *caption; /* tour caption, may be NULL */
    /* The top of the attribution lines at the bottom right (pixels; they
     * grow with the layers): set before the overlay pass, the height
     * before that. A legend bottom right stays above it. */
    float attrib_top;
    const app_camera *cam;
} app_ui_ctx;

typedef struct app_draw_ctx {
    const rn_view *view;
    const rn_drape *drape; /* the ground for draped passes */
    bool hillshade, wireframe;
    float opacity; /* the layer's, from the layer panel */
    const app_ui_ctx *ui;
    /* The split view's before side (I, --split): draw the scene as it was
     * before the scenario's changes (buildings at the source's heights,
     * no planned buildings). */
    bool before;
} app_draw_ctx;

/* What a pick found. attributes is a json object owned by the hit. */
typedef struct app_pick_hit {
    const char *kind; /* the kind's own word for it: "city", "point", ... */
    long fid;         /* source feature id, -1: none */
    json_object *attributes;
} app_pick_hit;

typedef struct app_pick_query {
    double px, py;    /* pixel */
    double ground[3]; /* the ground under it (scene metres, exaggerated z) */
    bool has_ground;
    const app_ui_ctx *ui;
} app_pick_query;

typedef struct app_layer app_layer;

enum { APP_DRAG_START, APP_DRAG_MOVE, APP_DRAG_END };

/* What a scene's layers ask of the view when it starts. */
typedef struct app_view_defaults {
    double exaggeration; /* 1 */
    bool hillshade;
    bool top_down; /* start looking straight down (the map) */
} app_view_defaults;

typedef struct app_layer_kind {
    const char *name;
    /* Scene load: reads entry o into a new config (NULL and c->err on error). */
    void *(*parse)(app_cfg *c, json_object *o);
    void (*cfg_free)(void *cfg);
    /* The source that centres a geographic scene's frame, or NULL. */
    const app_source *(*cfg_source)(const void *cfg);
    /* Optional: what the scene's view starts with. */
    void (*defaults)(const void *cfg, app_view_defaults *d);

    /* Scene start: the layer's state; submits its jobs with l->token. Fills
     * the layer's infos (at least one). NULL only when out of memory. */
    void *(*create)(app_layer *l, const void *cfg, app_world *w);
    void (*destroy)(void *self);

    /* Everything below is optional. */
    void (*update)(void *self, const app_update_ctx *u);
    void (*draw)(void *self, app_pass pass, const app_draw_ctx *d);
    /* Headless, once, while the scene loads (no frame is drawn then): the
     * layer draws out of sight, into the bound framebuffer, one of each
     * kind of draw its first frame will make (rn_fill_warm), so that the
     * GL's work per combination of state (a software GL compiles a shader
     * variant each) is done on the idle main thread, not in that frame. */
    void (*warm)(void *self, const rn_view *v);
    /* True while the warm should wait: a read that keeps every core busy
     * (the buildings' features) is under way, and the warm's GL work would
     * only slow it; the warm then comes in the load's last, one-core part. */
    bool (*warm_wait)(const void *self);
    /* Labels for the HUD's placement (drawn, exaggerated positions); at
     * most max (the app asks again with more room when it is filled). */
    int (*labels)(void *self, const app_ui_ctx *ui, app_hud_label *out, int max);
    /* Extent in scene metres once known; z (unexaggerated) when it has one. */
    bool (*extent)(const void *self, double ext[4], double *z, bool *has_z);
    /* True when the view has everything it needs from this layer. */
    bool (*view_ready)(const void *self);
    /* While the view is incomplete: progress 0..1 and what it waits for. */
    double (*progress)(const void *self, const char **status);
    bool (*pick)(void *self, const app_pick_query *q, app_pick_hit *out);
    /* Input the layer takes (true: handled, the app does nothing more). */
    bool (*key)(void *self, int key, const app_ui_ctx *ui);
    bool (*click)(void *self, const app_pick_query *q);
    /* A left drag: at the press (APP_DRAG_START) a layer may take it (true:
     * no panning); it then gets the moves and the release. */
    bool (*drag)(void *self, const app_pick_query *q, int phase);
    void (*hover)(void *self, const app_pick_query *q);
    /* Screen rectangles its panels take, for label placement. */
    int (*reserved)(const void *self, const app_ui_ctx *ui, float (*out)[4], int max);
    /* Frames the camera its own way (the map is seen from above). */
    bool (*frame_view)(const void *self, const double ext[4], int w, int h, app_camera *cam);
    /* Its own fields: in its layers[] entry (info i) and at the report's top. */
    void (*report_entry)(const void *self, int info, json_object *entry);
    void (*report)(const void *self, json_object *root);
} app_layer_kind;

#define APP_LAYER_INFOS 4

struct app_layer {
    const app_layer_kind *kind;
    void *self;
    tw_token *token; /* cancels the layer's jobs */
    app_world *world;
    char name[128]; /* the panel's name */
    bool visible;
    float opacity;
    app_layer_info *info[APP_LAYER_INFOS]; /* kept by the kind, shown by the app */
    int info_count;
    app_layer_info own; /* for kinds that need just one */
};

/* A kind by scene name; NULL when none is registered. */
const app_layer_kind *app_kind_find(const char *name);

/* Makes a layer of kind k from cfg. A kind that cannot make one still gives
 * a layer (status error) so the scene shows what failed. */
app_layer *app_layer_create(const app_layer_kind *k, const void *cfg, app_world *w,
                            const char *name);
/* A placeholder for an entry whose kind is unknown: status error. */
app_layer *app_layer_create_unknown(const char *kind, app_world *w);
/* Cancels the layer's jobs (never waits) and frees it. Main thread. */
void app_layer_destroy(app_layer *l);
/* Adds an info the kind keeps (terrain's imagery, the map's parts). */
void app_layer_add_info(app_layer *l, app_layer_info *info);
/* Submits a job under the layer's token. False (and the job is still the
 * caller's) when the pool cannot take it. */
bool app_layer_submit(app_layer *l, void *job, tw_job_run_fn run, tw_job_done_fn done,
                      int priority);
/* True while any of the layer's infos is loading. */
bool app_layer_loading(const app_layer *l);

#endif
