/* The viewshed layer's parts: its config, the DEM it shares with its jobs
 * and the worker computation (app_viewshed_job.c). */
#ifndef APP_VIEWSHED_INT_H
#define APP_VIEWSHED_INT_H

#include "app_layer.h"
#include "app_split.h"
#include "geo_viewshed.h"
#include "tw_mesh.h"
#include "tw_obstacles.h"

#include <stdatomic.h>

typedef struct app_vs_cfg {
    char *name;
    double observer[2]; /* scene metres */
    bool has_observer, has_lonlat;
    double lonlat[2];
    double observer_h, target_h, radius, resolution; /* resolution 0: the DEM's */
    char *export_path, *dem;                         /* dem NULL: the scene's terrain */
    float color[4];
} app_vs_cfg;

/* The DEM in memory, shared read-only by the layer and its jobs. */
typedef struct app_vs_dem {
    atomic_int refs;
    geo_dem dem;
    double off[2]; /* scene = DEM CRS + off (the two CRSs differ by a shift at most) */
    char path[4096];
} app_vs_dem;

app_vs_dem *app_vs_dem_ref(app_vs_dem *d);
void app_vs_dem_release(app_vs_dem *d);

#define APP_VS_SETS APP_WORLD_OBSTACLES

/* One computation: inputs copied, outputs filled on the worker. */
typedef struct app_vs_job {
    void *owner;
    app_vs_dem *dem;
    tw_obstacles *sets[APP_VS_SETS];
    int set_count;
    bool before; /* the split view's before side: heights undone on the worker */
    app_split_undo *undo;
    int undo_count;
    double ox, oy; /* observer, scene */
    double observer_h, target_h, radius, cell;
    bool native; /* cells are the DEM's own */
    bool coarse;
    char *export_path; /* NULL: none */
    uint8_t color[4];
    unsigned serial;
    /* results */
    tw_mesh mesh;   /* visible roofs and the observer's mark (see rn_tint) */
    tw_mesh ground; /* a grid over the window, draped, showing vis */
    uint8_t *vis;   /* n * n, rows from the south: 255 visible */
    int n;
    double x0, y0, size; /* the window's south-west corner and side, scene metres */
    tw_viewshed_stats st;
    double eye_z;
    double ms; /* the computation's time on the worker */
    tw_result status;
    char err[512];
    bool exported;
} app_vs_job;

void app_vs_job_run(void *job, int worker);
void app_vs_job_free(app_vs_job *j);

#endif
