/* The wind layer's state, shared by app_wind.c (solves, particles,
 * input) and app_wind_ui.c (legend, report). Private to the layer. */
#ifndef APP_WIND_INT_H
#define APP_WIND_INT_H

#include "app_wind.h"
#include "app_wind_cfg.h"
#include "app_wind_solve.h"
#include "live_fetch.h"
#include "rn_particles.h"

#define APP__SLOTS     (APP_WIND_FIELDS + 1)
#define APP__STEP_S    (1.0 / 30.0) /* particle steps per second of animation */
#define APP__FADE_S    1.5          /* crossfade between presets */
#define APP__PROBES    4            /* particles the report shows (deterministic runs) */
#define APP__WAIT_AREA 3.0          /* seconds to wait for a ground before guessing an area */
#define APP__FINE_KEEP 4            /* district grids kept per field, for views returned to */

typedef struct app__slot {
    char label[160];
    bool ready, failed, pending, fine_pending, dirty;
    char err[512];
    char time[40], source[160], format[16];
    double resolution_deg;
    bool has_center;
    double center_u, center_v;
    app_wind_plane plane;
    app_wind_plane fine; /* borrowed from cache[] (cells NULL: none) */
    double fine_center[2];
    struct {
        double center[2];
        app_wind_plane plane;
        long used;
    } cache[APP__FINE_KEEP];
    long uses;
    long live_gen; /* of the live station values it was solved for */
    app_wind_coarse *coarse;
} app__slot;

typedef struct app_wind {
    app_layer_info info;
    app_layer *layer;
    const app_wind_cfg *cfg;
    app_world *world;
    app__slot slots[APP__SLOTS];
    int slot_count, cur, prev;
    double fade_t0, now, t0;
    bool has_area;
    double area[4];
    unsigned gen;
    bool gen_set;
    int jobs; /* in flight */
    app_camera cam;
    bool has_cam;
    rn_particles *gpu;
    bool gpu_failed;
    char gpu_err[256];
    double acc, last_draw;
    long warm_steps; /* deterministic: steps taken before the picture is frozen */
    uint32_t seed;
    double probe[APP__PROBES][4], probe_prev[APP__PROBES][4];
    int probes;
    double dt_scale;
    /* a live station (WeatherObserved windSpeed / windDirection) */
    live_feed feed;
    bool live, live_has;
    double live_speed, live_dir, live_at;
    long live_gen;
    char live_err[256];
} app_wind;

/* The colour ramp's ends (m/s) for a solved plane. */
void app_wind_ramp(const app_wind_plane *g, float *lo, float *hi);
/* The legend's box (top left under the title) and its drawing. */
void app_wind_legend_box(const app_wind *p, const app_ui_ctx *ui, float box[4]);
void app_wind_legend(const app_wind *p, const app_ui_ctx *ui);
/* The layer's entry in --report. */
void app_wind_report_entry(const void *self, int info, json_object *e);

#endif
