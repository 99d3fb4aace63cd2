/* The application's state, in one struct, shared by app.c and the report
 * writer. Not for other modules. */
#ifndef APP_INTERNAL_H
#define APP_INTERNAL_H

#include "app_boundaries.h"
#include "app_camera.h"
#include "app_cli.h"
#include "app_hud.h"
#include "app_scene.h"
#include "app_terrain.h"
#include "geo_crs.h"
#include "rn_context.h"
#include "tw_pool.h"

#include <limits.h>

#define APP_FRAME_SAMPLES 4096

typedef enum app_phase {
    APP_PHASE_LOADING,  /* file layers still loading */
    APP_PHASE_SETTLING, /* layers done; tiles for the view still arriving */
    APP_PHASE_RUNNING,  /* everything the view needs is on screen */
} app_phase;

typedef struct app {
    app_options opt;
    app_scene scene;
    char data_dir[PATH_MAX];
    char scene_path[PATH_MAX + 64];
    geo_frame *frame;
    geo_xform *lonlat; /* scene -> WGS 84, main thread only */
    tw_pool *pool;
    rn_context *ctx;
    app_hud *hud;
    app_terrain *terrain;
    app_boundaries **boundaries;
    int boundary_count;
    app_layer *layers[64];
    int layer_count;

    app_camera cam;
    app_flight flight;
    bool camera_placed, user_moved;
    double exaggeration;
    bool hillshade, labels_en, help, wireframe;

    /* input */
    bool panning, orbiting;
    double grab[3], pivot[3];
    double cursor[2], last_cursor[2];

    /* timing */
    app_phase phase;
    double t_start, t_loaded, t_complete, t_running, first_frame_ms;
    long long read_at_start, read_at_complete; /* bytes read(2) so far */
    long frame_no;
    double frame_ms[APP_FRAME_SAMPLES];
    long frame_samples;
    double last_frame_t;
    bool snapshot_written;
    int exit_code;
} app;

/* Bytes this process has read through read(2) so far (/proc/self/io). */
long long app_read_bytes(void);
/* Writes the --report JSON. */
int app_report_write(const app *a, const char *path);

#endif
