/* The application's state, in one struct, shared by the app's own files:
 * the frame loop and scene switching (app.c), input (app_input.c), drawing
 * and picking (app_draw.c), the tour (app_tour.c) and the report
 * (app_report.c). Not for layer kinds, which see only app_layer.h. */
#ifndef APP_INTERNAL_H
#define APP_INTERNAL_H

#include "app_camera.h"
#include "app_cli.h"
#include "app_hud.h"
#include "app_layer.h"
#include "app_scene.h"
#include "geo_crs.h"
#include "rn_context.h"
#include "rn_mesh.h"
#include "tw_pool.h"

#include <limits.h>
#include <stdio.h>

#define APP_FRAME_SAMPLES 4096

/* Points in a loop pass that CITYTWIN_FRAME_PHASES times (app_mark). */
enum {
    APP_MARK_STEP,   /* the pass begins */
    APP_MARK_INPUT,  /* events polled and handled */
    APP_MARK_DRAIN,  /* finished jobs handed over (the hand-off queue) */
    APP_MARK_UPDATE, /* layers updated */
    APP_MARK_DRAW,   /* app_draw begins */
    APP_MARK_SCENE,  /* the 3D passes drawn */
    APP_MARK_LABELS, /* labels and layer states gathered */
    APP_MARK_HUD,    /* the HUD and overlays drawn */
    APP_MARK_END,    /* the frame ended (flush or swap) */
    APP_MARKS
};

typedef enum app_phase {
    APP_PHASE_LOADING,  /* file layers still loading */
    APP_PHASE_SETTLING, /* layers done; what the view needs still arriving */
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

typedef struct app_tour {
    bool active;
    app_scene *scene; /* the file the stops come from, kept for the whole run */
    int index, step;  /* stop, and the step within it */
    double t_hold;    /* when holding began */
    bool paused;
    double last_input;
    int passes;
    char caption[512];
    app_tour_entry *log; /* grows; the report lists every entry */
    int log_count, log_cap;
} app_tour;

typedef struct app_pick {
    bool done, ground;
    double x, y, z, lon, lat;
    const char *kind; /* the hit's kind word ("city", "point", ...), "ground", "none", "panel" */
    char panel[64];   /* over a panel: which */
    /* The layer hit, as every kind reports it. */
    char layer_kind[32], layer[128];
    long fid;
    json_object *attributes;
} app_pick;

typedef struct app_script app_script;

typedef struct app {
    app_options opt;
    app_scene *scene;
    char data_dir[PATH_MAX];
    char scene_path[PATH_MAX + 64];
    tw_pool *pool;   /* the whole run */
    tw_token *token; /* the scene's own jobs (finding the data's centre) */
    app_world world; /* the services the scene's layers use */
    geo_frame *frame;
    geo_xform *lonlat; /* scene -> WGS 84, main thread only */
    rn_context *ctx;
    app_hud *hud;
    app_layer **layers;
    int layer_count;
    double world_t0;
    bool framing;                    /* a geographic scene waits for the centre of its data */
    bool warmed;                     /* headless: shader variants drawn while loading */
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
    bool top_down; /* the scene is seen from above (the map) */
    bool hillshade, labels_en, help, wireframe, panel;
    bool sun_play;        /* T: the analysis time runs (30 min a second) */
    double sun_play_t;    /* app clock of the last step */
    rn_mesh ground_plane; /* drawn where no layer provides the ground */

    /* input */
    bool panning, orbiting;
    double grab[3], pivot[3];
    const app_layer *dragging; /* a layer that took a left drag (kind->drag) */
    bool slider_drag;          /* the time slider's thumb is being dragged */
    app_script *script;        /* --script: input events still to play */
    bool script_done;          /* its last command played: the user's input again */
    bool split;                /* before | after side by side (the I key, --split) */
    double split_at;           /* the divider, a fraction of the width (0: the middle) */
    bool split_drag;           /* the divider is being dragged */
    double cursor[2], last_cursor[2];
    double hover_sent_at; /* --hover: the running phase it was sent in */

    /* The app's clock for everything animated (flights, fades, the tour's
     * holds): wall-clock seconds, or under --frame-clock a fixed step per
     * frame. Load timing and caps stay on the wall clock. */
    double now;

    /* timing (README: "Report"); all from t_start, the process start */
    app_phase phase;
    double t_start, t_context, t_loaded, t_complete, t_running, first_frame_ms;
    double warm_ms; /* headless: app__warm's time, 0 when it did not run */
    double t_warm;  /* when it began (monotonic), 0: it did not */
    bool warm_waited;                          /* it waited for a read (app__warm_wait) */
    long long read_at_start, read_at_complete; /* bytes read(2) so far */
    long frame_no;
    double frame_ms[APP_FRAME_SAMPLES];
    long frame_samples;
    double last_frame_t;
    /* Start-to-start time of successive frames (the whole loop pass: input,
     * hand-off drain, updates, draw), after the first 10 frames. */
    double frame_gap_ms[APP_FRAME_SAMPLES];
    long gap_samples;
    /* CITYTWIN_FRAME_PHASES=FILE: a line per frame drawn with the time each
     * part of the loop pass took (ms), to find what a slow frame spent its
     * time on; when unset each mark is one test. */
    FILE *marks_out;
    double marks[APP_MARKS];
    bool snapshot_written;
    int exit_code;
} app;

/* ---- app.c: scenes ---- */

/* Cancels the scene's work (never waiting for I/O in flight) and frees it. */
void app_world_stop(app *a);
/* Starts a fade to another scene; city (may be NULL) is selected when the
 * new scene is the map. */
void app_go(app *a, const char *path, const char *bookmark, const char *city);
/* Flies to a bookmark of the current scene by name; false if none. */
bool app_fly_to_bookmark_name(app *a, const char *name);
void app_fly_to_bookmark(app *a, int index);
/* Selects a city on the map and flies to it; false if not on the map. */
bool app_map_show_city(app *a, const char *name_ko);
/* The current scene's certification map, NULL when it has none. */
struct app_certmap *app_map(const app *a);
/* True once the current scene has loaded and its view is complete. */
bool app_view_ready(const app *a);
/* M: to the certification map, and back to the scene we came from. */
void app_toggle_map(app *a);
/* Frames the data (animated or not). */
void app_reset_view(app *a, bool animate);
/* How long a tour hold of hold_s seconds lasts on the app's clock: under
 * --frame-clock at most APP_FRAME_HOLD_FRAMES frames. */
double app_hold_s(const app *a, double hold_s);

/* ---- app_shell.c: the process around the scenes ---- */

/* Window or headless context, shaders, HUD: 0, or 3 (no OpenGL) and err. */
int app_shell_start(app *a, char *err, size_t n);
void app_shell_stop(app *a);
/* The command line's first scene, parsed once (the tour holds it too): 0,
 * or 2 with err for a bad scene file. */
int app_first_scene(app *a, app_scene **first, const char **first_path, char *err, size_t n);
/* Writes the captured frame to --snapshot: 0, or 1 when it cannot. */
int app_snapshot(app *a);
/* Ends the run: the scene, the context, the tour, then the workers. */
void app_free(app *a);

/* ---- app_draw.c: the picture ---- */

double app_exag(const app *a);
const tw_heightfield *app_ground_hf(const app *a);
/* Screen-space state for layers (overlays, clicks). */
void app_ui_ctx_get(const app *a, app_ui_ctx *ui);
/* A pick query at a pixel (the ground under it). */
void app_pick_query_at(const app *a, const app_ui_ctx *ui, double px, double py, app_pick_query *q);
void app_draw(app *a);
/* --pick: what is under the pixel. */
void app_do_pick(app *a);
/* The layer panel (P): draws it; a click on it is handled (true). */
void app_panel_draw(const app *a, const app_ui_ctx *ui);
bool app_panel_click(app *a, const app_ui_ctx *ui, double x, double y);
/* The panel's screen rectangle (x0 y0 x1 y1); false when closed. */
bool app_panel_rect(const app *a, const app_ui_ctx *ui, float out[4]);

/* ---- app_input.c ---- */

void app_handle_input(app *a, const rn_event *evs, int n);
/* The cursor moved to (px, py): the layers' hover (not while panning). */
void app_hover_at(app *a, double px, double py);

/* ---- app_timeslider.c: the analysis time's slider ---- */

/* The strip's screen rectangle; false when it is not shown (no analysis
 * time, the map, headless pictures without --time-slider). */
bool app_timeslider_rect(const app *a, const app_ui_ctx *ui, float out[4]);
void app_timeslider_draw(const app *a, const app_ui_ctx *ui);
/* A left press at (x, y): true when the strip took it (a button, or the
 * track, which starts a drag: app_timeslider_move follows the mouse). */
bool app_timeslider_press(app *a, const app_ui_ctx *ui, double x, double y);
void app_timeslider_move(app *a, const app_ui_ctx *ui, double x);

/* The split view's divider in pixels from the left. */
int app_split_x(const app *a, int width);

/* ---- app_script.c: --script, input events played after loading ---- */

/* Reads the script file: NULL and err (file:line: what) when bad. */
app_script *app_script_load(const char *path, char *err, size_t n);
void app_script_free(app_script *s);
/* Plays the next command once the view is complete; false when done. */
bool app_script_step(app *a);
/* The script's cursor, when it has moved it. */
bool app_script_cursor(const app_script *s, double *x, double *y);

/* ---- app_tour.c ---- */

bool app_tour_start(app *a, app_scene *scene, char *err, size_t n);
/* Returns false when a headless tour has shown every stop. */
bool app_tour_step(app *a, double now);
void app_tour_input(app *a, double now);
void app_tour_free(app *a);

/* ---- frame phases (CITYTWIN_FRAME_PHASES) ---- */

/* Notes the time of mark k of this pass (needs tw_time.h); nothing when off. */
#define APP_MARK(a, k) ((a)->marks_out ? (void)((a)->marks[k] = tw_time_mono_s()) : (void)0)
/* Writes this pass's line (app_draw.c, after APP_MARK_END). */
void app_marks_write(app *a);

/* ---- app_report.c ---- */

/* Bytes this process has read through read(2) so far (/proc/self/io). */
long long app_read_bytes(void);
/* Writes the --report JSON. */
int app_report_write(const app *a, const char *path);

#endif
