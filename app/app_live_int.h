/* Inside the live layer kinds (app_live.c, app_live_traffic.c): the scene
 * entry, the layer, and the traffic kind's road lines. */
#ifndef APP_LIVE_INT_H
#define APP_LIVE_INT_H

#include "app_layer.h"
#include "live_fetch.h"
#include "rn_lines.h"
#include "rn_markers.h"

#include <stdbool.h>

/* Traffic: the segments by speed class, one line mesh each. */
enum { APP_TRAFFIC_FREE, APP_TRAFFIC_SLOW, APP_TRAFFIC_JAM, APP_TRAFFIC_NONE, APP_TRAFFIC_CLASSES };

typedef struct app_live_lines {
    rn_mesh mesh[APP_TRAFFIC_CLASSES];
    int segments[APP_TRAFFIC_CLASSES]; /* entities in each class */
    double origin[2];
    bool by_congested; /* coloured by the congested flag, not a speed */
} app_live_lines;

typedef struct app_live_hist app_live_hist;

#define APP_LIVE_MAX_HEADERS 16
#define APP_LIVE_MAX_BANDS   8

/* A named band of values (the scene's "bands"): values up to max (inclusive;
 * the last band has no max) are in it, e.g. AirKorea's PM10 좋음 0-30. */
typedef struct app_live_band {
    char name[64];
    double max; /* INFINITY: open-ended */
    rn_rgba color;
    bool alert; /* values in it are listed as alerts and pulse */
} app_live_band;

typedef struct app_live_cfg {
    const char *kind; /* "sensors", "parking" or "traffic" */
    bool parking, traffic;
    char *url;   /* with ${NAME} replaced */
    char *label; /* the URL as shown: secrets as *** */
    char *headers[APP_LIVE_MAX_HEADERS];
    int header_count;
    live_format format;
    double poll_s, stale_after_s, size_px;
    char *value, *name, *attribution;
    bool has_thresholds;
    double thresholds[2];
    app_live_band bands[APP_LIVE_MAX_BANDS];
    int band_count;
    int history; /* samples kept per entity */
} app_live_cfg;

/* The view a marker list was made for: equal views give equal lists. */
typedef struct app_live_view {
    app_camera cam;
    int width, height;
    float scale;
    double exag;
    unsigned ground_gen;
} app_live_view;

/* What the markers of a layer show for one view: every visible marker far
 * to near (hit tests), painted into a picture of the view except the few
 * that pulse (alerts), which are drawn over it as sprites. */
typedef struct app_live_list {
    bool valid;
    app_live_view view;
    rn_marker *items;
    int *entity; /* of each item */
    int count;
    uint8_t *image;   /* premultiplied RGBA of the pixels the markers cover: */
    int image_box[4]; /* x0 y0 x1 y1 of the view (NULL image: none) */
    rn_marker *over;  /* pulsing (and the selected one is added when drawn) */
    int over_count;
} app_live_list;

/* Entities by grid cell (app_live_grid.c): cell c holds idx[start[c] ..
 * start[c + 1]), ascending; cells row by row from (x0, y0). */
typedef struct app_live_grid {
    double x0, y0, cell;
    int nx, ny;
    int *start, *idx;
    double ext[4]; /* the entities' x0 y0 x1 y1 */
} app_live_grid;

/* Any thread: the grid of n positions xy; false (g empty) when out of
 * memory or n is 0. */
bool app_live_grid_build(app_live_grid *g, const double *xy, int n);
void app_live_grid_free(app_live_grid *g);
/* The entities in the cells that the square of half side r around (x, y)
 * touches, in no particular order, into *out (malloc'd); the count, -1
 * when g has no grid (or out of memory): then ask every entity. */
int app_live_grid_near(const app_live_grid *g, double x, double y, double r, int **out);

/* A snapshot made ready for the main thread by a worker (app_live_prep.c):
 * scene positions, ground heights, colours, bands and alerts per entity,
 * and the marker list for the view the main thread had when it asked. */
typedef struct app_live_data {
    tw_obs_snapshot *snap;
    double *xy; /* scene positions */
    float *gz;  /* ground height under each (unexaggerated; 0: none) */
    unsigned ground_gen;
    geo_label *labels; /* texts made when first shown */
    char **texts;
    rn_rgba *color;       /* fresh colour per entity */
    signed char *band;    /* the band per entity, -1: none */
    unsigned char *alert; /* 1: listed in alerts */
    int *alerts;          /* entity indices, ascending */
    int alert_count;
    double vmin, vmax;
    int bad;      /* positions that did not transform (dropped) */
    int n;        /* entities */
    unsigned gen; /* which snapshot (lists made for another are dropped) */
    app_live_list list;
    app_live_grid grid; /* the entities by cell (labels near the eye, extent) */
    char hover_id[128]; /* the hovered id when the worker was asked, */
    int hover_at;       /* and its entity in this snapshot (-1: none) */
    /* Traffic: the segments' line meshes per class, made by the worker
     * (uploaded by app_live_traffic_take), their counts and origin. */
    tw_mesh lines[APP_TRAFFIC_CLASSES];
    int line_segments[APP_TRAFFIC_CLASSES];
    double line_origin[2];
    /* Set when xy, gz, color and alert are shared with a list job (read
     * only on both sides): the last app_live_data_free of them frees them. */
    _Atomic int *shared;
} app_live_data;

/* The layer's main-thread time per frame (app_live_cost.c). */
enum {
    APP_LIVE_COST_INSTALL, /* a snapshot or marker list handed over (the drain) */
    APP_LIVE_COST_UPDATE,
    APP_LIVE_COST_UPLOAD, /* the marker list to the GPU */
    APP_LIVE_COST_DRAW,   /* draw calls and the overlay */
    APP_LIVE_COST_LABELS,
    APP_LIVE_COST_PHASES
};
#define APP_LIVE_COST_FRAMES 4096

typedef struct app_live_cost_frame_t {
    float cpu_ms, wall_ms;
    float phase_ms[APP_LIVE_COST_PHASES], phase_cpu_ms[APP_LIVE_COST_PHASES];
    int installs; /* snapshots installed */
} app_live_cost_frame_t;

/* Snapshots made ready on the worker, the last APP_LIVE_PREP_SAMPLES. */
#define APP_LIVE_PREP_SAMPLES 256
typedef struct app_live_prep_sample {
    float cpu_ms, wall_ms; /* the worker's, for one snapshot */
    int frames;            /* from its arrival on the main thread to shown */
} app_live_prep_sample;

typedef struct app_live_cost {
    double cpu0, wall0;          /* the open span's start */
    app_live_cost_frame_t now;   /* this frame so far */
    app_live_cost_frame_t *ring; /* the last APP_LIVE_COST_FRAMES frames */
    long count;
    /* Parsed snapshots that reached the main thread, and those a newer one
     * replaced before a worker made them ready (never shown). */
    long fetched, dropped;
    app_live_prep_sample prep[APP_LIVE_PREP_SAMPLES];
    long prep_count;
} app_live_cost;

/* Main thread: a span of the layer's work begins / ends (phase: one of
 * APP_LIVE_COST_*); the layer's update closes the frame; the report's
 * "main_thread" entry: per frame CPU and wall ms, installs, phases. */
void app_live_cost_begin(app_live_cost *c);
void app_live_cost_end(app_live_cost *c, int phase);
void app_live_cost_frame(app_live_cost *c);
/* Main thread: a snapshot made ready (the worker's CPU and wall ms) and
 * shown, frames after it arrived. */
void app_live_cost_prep(app_live_cost *c, double cpu_ms, double wall_ms, long frames);
void app_live_cost_report(const app_live_cost *c, json_object *entry);
void app_live_cost_free(app_live_cost *c);

typedef struct app_live {
    app_layer_info info;
    app_live_cost cost; /* main-thread time per frame */
    const app_live_cfg *cfg;
    app_world *world;
    live_feed feed;
    geo_xform *xf;                /* lon/lat -> scene, main thread */
    app_layer *layer;             /* for its jobs' token */
    tw_obs_snapshot *snap;        /* = data.snap */
    double *xy;                   /* = data.xy: scene positions, per entity */
    app_live_data data;           /* what is shown */
    char prep_warned[256];        /* the last problem a worker logged */
    bool prep_busy;               /* a snapshot is being made ready */
    struct app_live_reuse *reuse; /* positions of the last one (the job's while busy) */
    double *chart_v;              /* the chart's last series read (app_live_chart_draw) */
    int chart_n, chart_cap;
    char chart_id[256];
    live_fetch_result *prep_next; /* the newest one waiting for it */
    long prep_next_arrived;       /* the frame it came in */
    rn_markers *gpu;              /* the marker list on the GPU */
    bool warmed;                  /* the picture's draw made once before data */
    bool list_busy;               /* a worker makes the list for a new view */
    unsigned gen;                 /* snapshots taken */
    bool gpu_stale, gpu_dirty;    /* what was uploaded: greyed; needs upload */
    int gpu_selected;
    app_live_view drawn_view; /* of the last frame drawn */
    bool has_data;
    double last_ok_mono, last_ok_wall;
    long fetches, skipped_fetches;
    char error[256];
    int selected;
    app_live_lines lines; /* traffic: the road segments */
    app_live_hist *hist;  /* recent values per entity id */
    int *alerts;          /* = data.alerts: past the upper threshold or in an alert band */
    int alert_count;
    int hovered;        /* the entity under the cursor (-1: none) */
    char hover_id[128]; /* its id, found again in the next snapshot */
    bool hover_on;      /* the cursor was last over the view: hover follows it */
    bool hover_dirty;   /* a new snapshot or view since the last hit test */
    app_live_view hover_view;
    long frame_no; /* of the last update */
    double now;    /* app clock at the last update (pulsing) */
} app_live;

/* Traffic, on the worker: d's snapshot's lines into the scene CRS through
 * xf (lon/lat or the declared CRS), classed by speed or congestion, into
 * d's line meshes. */
void app_live_traffic_build(app_live_data *d, const app_live_cfg *cfg, geo_xform *xf);
/* Main thread: the data's line meshes uploaded (the old ones dropped). */
void app_live_traffic_take(app_live *lv);
void app_live_traffic_free(app_live *lv);
/* The class of an entity's value (speed km/h, or congested 1 / 0). */
int app_live_traffic_class(const app_live *lv, const tw_obs_entity *e);
int app_live_traffic_class_of(const tw_obs_snapshot *s, const app_live_cfg *cfg,
                              const tw_obs_entity *e);
void app_live_traffic_draw(const app_live *lv, app_pass pass, const app_draw_ctx *d);
/* The legend box (screen pixels), for reserved space and drawing. */
void app_live_traffic_legend_box(const app_live *lv, const app_ui_ctx *ui, float out[4]);

/* Making snapshots ready off the main thread (app_live_prep.c). */
/* The number an entity is coloured by: occupancy 0..1 for parking, the
 * main value for sensors; NAN when none. Any thread. */
double app_live_number(bool parking, const tw_obs_snapshot *s, const tw_obs_entity *e);
/* The band of v (-1: none, or no bands). */
int app_live_band_of(const app_live_cfg *cfg, double v);
/* The view now (main thread). */
void app_live_view_get(const app_live *lv, const app_ui_ctx *ui, app_live_view *out);
bool app_live_view_equal(const app_live_view *a, const app_live_view *b);
/* Hands the snapshot in r to a worker; app_live_take then gets the result
 * on the main thread (prep_busy meanwhile; a newer one waits). */
void app_live_prep_submit(app_live *lv, live_fetch_result *r);
/* Main thread: shows prepared data (takes it) and frees the old off-thread. */
void app_live_take(app_live *lv, app_live_data *d);
/* Frees data (any thread). */
void app_live_data_free(app_live_data *d);
/* The marker list of d for view v into out (any thread; g may be NULL:
 * flat); app_live_list_free frees one. */
void app_live_list_build(app_live_list *out, const app_live_data *d, const app_live_cfg *cfg,
                         const app_ground *g, const app_live_view *v);
void app_live_list_free(app_live_list *l);
/* Main thread: a worker makes the list of the data shown for view v. */
void app_live_list_submit(app_live *lv, const app_live_view *v);

/* The background thread (app_live_bg.c): like app_layer_submit, but run
 * on the live layers' own lower-priority worker; done runs on the main
 * thread from the world's hand-off queue. Main thread. */
bool app_live_bg_submit(app_layer *l, void *job, tw_job_run_fn run, tw_job_done_fn done);
/* Main thread, each frame: frees the relays of finished jobs. */
void app_live_bg_drain(void);
/* Main thread: takes *d (zeroed) and frees it on that thread, so that the
 * 100,000 blocks of an old snapshot are not freed at the render threads'
 * priority; false when it could not be queued (*d untouched). */
bool app_live_bg_free(app_live_data *d);
/* Main thread: free_fn(p) on that thread (here when it cannot be queued):
 * a dropped fetch result, a finished job's copies. */
void app_live_bg_release(void *p, void (*free_fn)(void *));

/* Unit symbols (app_live_hover.c): a UN/CEFACT code as its symbol, other
 * units as given; a value's unit, else the usual one of its name. */
const char *app_live_unit(const char *u);
const char *app_live_unit_of(const tw_obs_value *v);

/* Bands (app_live_bands.c): the scene's "bands" of o into p (true when
 * absent); an entity's band name (NULL: none); the legend. */
bool app_live_parse_bands(app_cfg *c, json_object *o, app_live_cfg *p);
const char *app_live_band_name(const app_live *lv, int entity);
void app_live_bands_draw(const app_live *lv, const app_ui_ctx *ui, float opacity);
void app_live_bands_box(const app_live *lv, const app_ui_ctx *ui, float out[4]);
/* An instant in the scene's time zone: "14:26:19 KST", or with its date
 * ("2026-12-03 14:26:19 KST"). */
void app_live_clock_text(const app_live *lv, double epoch, bool date, char *out, size_t n);
/* The layer's data age for its legend: "14:26:19 KST · 8 s old" (the
 * newest time in the data, against the world's clock; its date once a day
 * old), "stale since 14:25:00 KST", or "" before any data. */
void app_live_age_text(const app_live *lv, char *out, size_t n);
/* As drawn: the same, but "" under --deterministic (a replay's picture
 * may show the first recorded answer or the next, by the machine's pace;
 * the report's legend_age still has it). */
void app_live_age_shown(const app_live *lv, char *out, size_t n);
/* The age text's colour in a legend: grey, amber once stale. */
rn_rgba app_live_age_rgba(const app_live *lv, float opacity);
/* Whether the layer draws a legend of its own (bands, traffic), which
 * shows its data age; else the age follows its attribution line. */
bool app_live_has_legend(const app_live *lv);

/* The scene entry of a live kind (app_live_cfg.c). */
void *app_live_parse(app_cfg *c, json_object *o, const char *kind);
void app_live_cfg_free(void *cfg);

/* History (app_live_history.c): a ring of cap samples per id. */
app_live_hist *app_live_hist_create(int cap);
/* References across threads (a worker fills it while the main thread reads);
 * free drops the creator's. Each call locks briefly. */
app_live_hist *app_live_hist_ref(app_live_hist *h);
void app_live_hist_free(app_live_hist *h);
/* Appends (t, v) unless t is the id's last time; NAN values are not kept. */
void app_live_hist_add(app_live_hist *h, const char *id, double t, double v);
/* Up to max samples, oldest first (t may be NULL); the count. */
int app_live_hist_get(const app_live_hist *h, const char *id, double *t, double *v, int max);
/* As app_live_hist_get without times, but -1 at once when the lock is held. */
int app_live_hist_try_get(const app_live_hist *h, const char *id, double *v, int max);
int app_live_hist_tracked(const app_live_hist *h);
int app_live_hist_cap(const app_live_hist *h);
/* The chart under a pinned panel (panel: its box), and its box. */
void app_live_chart_box(const app_live *lv, const app_ui_ctx *ui, const float panel[4],
                        float out[4]);
void app_live_chart_draw(const app_live *lv, const app_ui_ctx *ui, const float panel[4],
                         const char *id, const char *unit);
/* The layer's alert box, stacked under those drawn before it this frame. */
void app_live_alerts_draw(const app_live *lv, const app_ui_ctx *ui, float opacity);

/* Parking: free and total spaces; false when the entity does not say. */
bool app_live_spaces(const tw_obs_snapshot *s, const tw_obs_entity *e, double *freec,
                     double *total);

/* The hover tooltip (app_live_hover.c): the hovered entity's lines (name,
 * value with unit, time observed in the scene's time zone, stale), a box
 * near the cursor kept on screen, drawn in the overlay pass and named in
 * the report's top-level "hover". */
#define APP_LIVE_TIP_LINES 8
#define APP_LIVE_TIP_CHARS 200
/* The lines for entity i; the count (0: none). *stale_line: the index of
 * the stale line, -1 when fresh. */
int app_live_tip_lines(const app_live *lv, int i, char (*lines)[APP_LIVE_TIP_CHARS], int max,
                       int *stale_line);
/* The tooltip's box (screen pixels); false when none is shown. */
bool app_live_tip_box(const app_live *lv, const app_ui_ctx *ui, float out[4]);
void app_live_tip_draw(const app_live *lv, const app_ui_ctx *ui);
/* Adds "hover": {"kind", "layer", "id", "lines"} to root unless there is one. */
void app_live_tip_report(const app_live *lv, json_object *root);

#endif
