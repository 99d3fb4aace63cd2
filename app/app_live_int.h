/* Inside the live layer kinds (app_live.c, app_live_traffic.c): the scene
 * entry, the layer, and the traffic kind's road lines. */
#ifndef APP_LIVE_INT_H
#define APP_LIVE_INT_H

#include "app_layer.h"
#include "live_fetch.h"
#include "rn_lines.h"

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
    int history; /* samples kept per entity */
} app_live_cfg;

typedef struct app_live {
    app_layer_info info;
    const app_live_cfg *cfg;
    app_world *world;
    live_feed feed;
    geo_xform *xf;      /* lon/lat -> scene, main thread */
    geo_xform *xf_decl; /* a feed's declared CRS -> scene, for decl_crs */
    char decl_crs[160];
    tw_obs_snapshot *snap;
    double *xy;   /* scene positions, per entity */
    char **texts; /* label text per entity */
    geo_label *labels;
    int *order;
    double *dist2;
    double vmin, vmax;
    bool has_data;
    double last_ok_mono, last_ok_wall;
    long fetches, skipped_fetches;
    char error[256];
    int selected;
    app_live_lines lines; /* traffic: the road segments */
    app_live_hist *hist;  /* recent values per entity id */
    int *alerts;          /* entities at or past the upper threshold */
    int alert_count;
    int hovered;        /* the entity under the cursor (-1: none) */
    char hover_id[128]; /* its id, found again in the next snapshot */
    long frame_no;      /* of the last update */
    double now;         /* app clock at the last update (pulsing) */
} app_live;

/* Traffic: the snapshot's lines into the scene CRS through xf (lon/lat or
 * the declared CRS), classed by speed or congestion, uploaded as meshes
 * (main thread). */
void app_live_traffic_take(app_live *lv, geo_xform *xf);
void app_live_traffic_free(app_live *lv);
/* The class of an entity's value (speed km/h, or congested 1 / 0). */
int app_live_traffic_class(const app_live *lv, const tw_obs_entity *e);
void app_live_traffic_draw(const app_live *lv, app_pass pass, const app_draw_ctx *d);
/* The legend box (screen pixels), for reserved space and drawing. */
void app_live_traffic_legend_box(const app_live *lv, const app_ui_ctx *ui, float out[4]);

/* The scene entry of a live kind (app_live_cfg.c). */
void *app_live_parse(app_cfg *c, json_object *o, const char *kind);
void app_live_cfg_free(void *cfg);

/* History (app_live_history.c): a ring of cap samples per id. */
app_live_hist *app_live_hist_create(int cap);
void app_live_hist_free(app_live_hist *h);
/* Appends (t, v) unless t is the id's last time; NAN values are not kept. */
void app_live_hist_add(app_live_hist *h, const char *id, double t, double v);
/* Up to max samples, oldest first (t may be NULL); the count. */
int app_live_hist_get(const app_live_hist *h, const char *id, double *t, double *v, int max);
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
