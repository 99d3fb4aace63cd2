/* The sun_hours kind: hours of direct sun on the ground, roofs and facade
 * points over an area on a date (the winter solstice by default), with
 * terrain and buildings casting shadows, and the Korean sunlight-rights
 * check (>= 2 h continuous 09-15 or >= 4 h total 08-16). Computed on a
 * worker from the scene's ground and obstacles services, recomputed when
 * either changes; shown as a ramp or pass/fail (U), exported as GeoTIFF and
 * GeoJSON. */
#ifndef APP_SUN_HOURS_H
#define APP_SUN_HOURS_H

#include "app_layer.h"
#include "app_split.h"
#include "tw_sunhours.h"

#include <stdatomic.h>

extern const app_layer_kind app_sun_hours_kind;

typedef struct app_sun_hours_cfg {
    char *name, *export_path, *export_facades;
    bool has_area;
    double area[4];
    bool has_date;
    int year, month, day;
    double from_h, to_h, step_min, resolution_m, floor_h, margin_m;
    bool pass_view; /* "show": "pass" */
} app_sun_hours_cfg;

/* One computation: a snapshot of the inputs, then the results. */
typedef struct app_sun_job {
    atomic_int cancel;
    void *owner; /* the layer (main thread only) */
    /* inputs */
    tw_grid area;     /* the result grid */
    double margin[4]; /* west south east north, metres */
    app_ground *ground;
    tw_obstacles *sets[APP_WORLD_OBSTACLES];
    int set_count;
    bool before;          /* the split view's before side: sets without the plan's */
    app_split_undo *undo; /* sorted by fid */
    int undo_count;
    tw_sunhours_step *steps;
    int step_count;
    double floor_h;
    char *export_tif, *export_json;
    geo_frame *frame;
    unsigned ground_gen, obstacles_gen;
    /* results */
    tw_result status;
    char err[512];
    char export_err[512];    /* the result stands; the export failed */
    float *hours;            /* area cells, NaN outside */
    float *surface;          /* area cells: the surface model's height */
    unsigned char *roof;     /* area cells: 1 where an obstacle stands */
    tw_sunhours_result *res; /* area cells */
    tw_obstacles *merged;    /* every set in one (facade points index it) */
    tw_facade_point *points;
    tw_sunhours_result *pres;
    int point_count;
    double min_h, max_h, mean_h, fail_fraction, compute_ms;
    long cells, fails;
    int point_fails;
} app_sun_job;

/* Worker side (app_sun_hours_run.c). */
void app_sun_job_run(void *job, int worker);
void app_sun_job_free(app_sun_job *j);
/* The weighted steps of a day: from..to every step_min (both included). */
int app_sun_steps(const app_sun_hours_cfg *c, int year, int month, int day, double utc_offset_h,
                  double lat, double lon, tw_sunhours_step **out);

#endif
