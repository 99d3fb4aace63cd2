/* The application's state, in one struct, shared by app.c and the report
 * writer. Not for other modules. */
#ifndef APP_INTERNAL_H
#define APP_INTERNAL_H

#include "app_boundaries.h"
#include "app_camera.h"
#include "app_certmap.h"
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

/* One line of the tour's log, for the report. */
typedef struct app_tour_entry {
    int stop;
    const char *kind; /* "map", "city", "twin", "scene", "bookmark" */
    char name[160];
    const char *status; /* "shown" or "skipped" */
    char reason[256];
    double t_s; /* since start */
} app_tour_entry;

#define APP_TOUR_LOG 256

typedef struct app_tour {
    bool active;
    app_scene scene; /* the file the stops come from, kept for the whole run */
    int index, step; /* stop, and where in it: 0 start, 1 holding, 2 twin, 3 holding there */
    double t_hold;   /* when holding began; 0: waiting for the view to load */
    bool paused;
    double last_input;
    int passes;
    char caption[512];
    app_tour_entry log[APP_TOUR_LOG];
    int log_count;
} app_tour;

typedef struct app_pick {
    bool done, ground;
    double x, y, z, lon, lat;
    const char *kind; /* "city", "municipality", "ground", "none" */
    char name[160], name_en[160], code[16], status[32];
    int year, grade;
} app_pick;

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
    app_certmap *map;
    app_layer *layers[64];
    int layer_count;
    double world_t0;
    bool framing;                    /* a geographic scene waits for the centre of its data */
    char home_path[PATH_MAX + 64];   /* the scene of the command line */
    char map_path[PATH_MAX + 64];    /* the certification map scene */
    char return_path[PATH_MAX + 64]; /* where M goes back to from the map */

    /* a change of scene: fade out, switch, fade in */
    struct {
        int state; /* 0 none, 1 fading out, 2 fading in */
        double t0;
        char path[PATH_MAX + 64], bookmark[128], city[160];
    } go;
    char fly_bookmark[128]; /* fly to this bookmark once the new scene loads */
    char select_city[160];  /* select (and look at) this city once the map loads */
    char twin_city[160];    /* the city whose twin is shown, for the way back */
    bool press_valid;
    double press_at[2];
    app_tour tour;
    app_pick pick;

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

/* Starts a fade to another scene; city (may be NULL) is selected when the
 * new scene is the map. */
void app_go(app *a, const char *path, const char *bookmark, const char *city);
/* Flies to a bookmark of the current scene by name; false if none. */
bool app_fly_to_bookmark_name(app *a, const char *name);
/* Selects a city on the map and flies to it; false if not on the map. */
bool app_map_show_city(app *a, const char *name_ko);
/* True once the current scene has loaded and its view is complete. */
bool app_view_ready(const app *a);

/* The tour (app_tour.c): start from a scene file, step once per frame,
 * note input (pauses it until the mouse has been idle a while). */
bool app_tour_start(app *a, const char *path, char *err, size_t n);
/* Returns false when a headless tour has shown every stop. */
bool app_tour_step(app *a, double now);
void app_tour_input(app *a, double now);
void app_tour_free(app *a);

/* Bytes this process has read through read(2) so far (/proc/self/io). */
long long app_read_bytes(void);
/* Writes the --report JSON. */
int app_report_write(const app *a, const char *path);

#endif
