/* The frame loop and scene switching. Each frame: poll input, drain
 * finished work within a budget, move the camera, update every layer, draw,
 * swap. Headless runs use the same loop and take their snapshot once
 * everything the view needs has arrived. The loop knows layers only through
 * the contract in app_layer.h. */
#include "app.h"

#include "app_certmap.h"
#include "app_internal.h"
#include "app_live.h"
#include "app_paths.h"
#include "geo_gdal.h"
#include "rn_fill.h"
#include "rn_ui.h"
#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_WARM_WAIT_S    5.0 /* the longest the headless warm waits for a read (app__warm_wait) */
#define APP_DRAIN_BUDGET_S 0.004
#define APP_FADE_S         0.35
/* --frame-clock: each frame is this much time, and a hold at most so many
 * frames, so a headless tour costs frames, not minutes (a flight of
 * 1.5-4 s is 10-27 frames, a fade 3). */
#define APP_FRAME_STEP_S      0.15
#define APP_FRAME_HOLD_FRAMES 10
#define APP_VERSION           "0.1.0"

static bool app__all_loaded(const app *a)
{
    if (a->framing) return false;
    for (int i = 0; i < a->layer_count; i++)
        if (app_layer_loading(a->layers[i])) return false;
    return true;
}

/* Union of what has loaded so far, and a height to look at. */
static bool app__data_extent(const app *a, double ext[4], double *z)
{
    bool any = false, got_z = false;
    *z = 0;
    for (int i = 0; i < a->layer_count; i++) {
        const app_layer *l = a->layers[i];
        double e[4], lz = 0;
        bool has_z = false;
        if (!l->self || !l->kind->extent || !l->kind->extent(l->self, e, &lz, &has_z)) continue;
        if (has_z && !got_z) *z = lz * app_exag(a), got_z = true;
        if (!any) {
            memcpy(ext, e, sizeof e);
            any = true;
        } else {
            ext[0] = fmin(ext[0], e[0]);
            ext[1] = fmin(ext[1], e[1]);
            ext[2] = fmax(ext[2], e[2]);
            ext[3] = fmax(ext[3], e[3]);
        }
    }
    return any;
}

void app_fly_to_bookmark(app *a, int index)
{
    if (index < 0 || index >= a->scene->bookmark_count) return;
    app_camera to = a->cam;
    app_camera_look(&to, a->scene->bookmarks[index].eye, a->scene->bookmarks[index].target);
    app_flight_start(&a->flight, &a->cam, &to, a->now);
    a->user_moved = true;
}

void app_reset_view(app *a, bool animate)
{
    double ext[4], z;
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    if (!app__data_extent(a, ext, &z)) return;
    app_camera to = a->cam;
    bool framed = false;
    for (int i = 0; i < a->layer_count && !framed; i++) {
        const app_layer *l = a->layers[i];
        framed = l->self && l->kind->frame_view && l->kind->frame_view(l->self, ext, w, h, &to);
    }
    if (!framed) app_camera_frame(&to, ext, z, w, h);
    if (animate)
        app_flight_start(&a->flight, &a->cam, &to, a->now);
    else
        a->cam = to;
}

/* Places the camera the first time: the requested bookmark, else the
 * extent of the data (refined while layers arrive, until the user moves). */
static void app__place_camera(app *a)
{
    if (a->user_moved) return;
    if (a->opt.bookmark) {
        const app_bookmark *b = app_scene_bookmark(a->scene, a->opt.bookmark);
        if (b && !a->camera_placed) app_camera_look(&a->cam, b->eye, b->target);
        a->camera_placed = true;
        return;
    }
    app_reset_view(a, false);
    a->camera_placed = true;
}

void app_toggle_map(app *a)
{
    if (app_map(a)) {
        if (a->return_path[0]) app_go(a, a->return_path, NULL, NULL);
        return;
    }
    /* From a twin: back to the map, looking at its city. */
    bool from_twin = a->twin_city[0] && strcmp(a->return_path, a->map_path) == 0;
    snprintf(a->return_path, sizeof a->return_path, "%s", a->scene_path);
    app_go(a, a->map_path, NULL, from_twin ? a->twin_city : NULL);
    a->twin_city[0] = 0;
}

/* ---- services the app gives the layers ---- */

static void app__svc_go(void *user, const char *scene, const char *bookmark, const char *from_city)
{
    app *a = user;
    snprintf(a->return_path, sizeof a->return_path, "%s", a->scene_path);
    snprintf(a->twin_city, sizeof a->twin_city, "%s", from_city ? from_city : "");
    app_go(a, scene, bookmark, NULL);
}

static void app__svc_fly(void *user, const app_camera *to)
{
    app *a = user;
    app_flight_start(&a->flight, &a->cam, to, a->now);
}

static bool app__svc_lonlat(void *user, double x, double y, double *lon, double *lat)
{
    app *a = user;
    double lx = x, ly = y;
    if (!a->lonlat || geo_xform_from_scene(a->lonlat, 1, &lx, &ly, NULL) != 1) return false;
    *lon = lx, *lat = ly;
    return true;
}

/* The analysis time: --time, else the scene's "time", else the clock. */
static void app__world_time(app *a)
{
    app_world *w = &a->world;
    w->utc_offset_h = a->scene->tz_offset_h;
    w->tz_label = a->scene->tz_label;
    w->time_s = app_world_clock(w);
    const char *t = a->opt.time ? a->opt.time : a->scene->time;
    double off;
    if (t && tw_sun_parse_time(t, a->scene->tz_offset_h, &w->time_s, &off)) w->time_set = true;
    w->time_gen++;
}

/* ---- scenes: start, stop, switch ---- */

/* Cancels the scene's work (never waiting for I/O in flight: late results
 * are dropped on arrival) and frees its layers. */
void app_world_stop(app *a)
{
    a->framing = false;
    tw_token_cancel(a->token);
    tw_token_release(a->token);
    a->token = NULL;
    for (int i = 0; i < a->layer_count; i++) app_layer_destroy(a->layers[i]);
    free(a->layers);
    a->layers = NULL;
    a->layer_count = 0;
    app_ground_release(a->world.ground);
    for (int i = 0; i < a->world.obstacle_count; i++)
        tw_obstacles_release(a->world.obstacles[i].set);
    memset(&a->world, 0, sizeof a->world);
    geo_xform_destroy(a->lonlat);
    a->lonlat = NULL;
    geo_frame_destroy(a->frame);
    a->frame = NULL;
    app_scene_close(a->scene);
    a->scene = NULL;
}

/* The scene frame; false (err set) when the scene CRS is unusable. */
static bool app__make_frame(app *a, char *err, size_t n)
{
    char ferr[512];
    geo_frame_desc fd = {.crs = a->scene->crs,
                         .has_center = a->scene->has_center,
                         .center_lon = a->scene->center_lon,
                         .center_lat = a->scene->center_lat};
    if (geo_frame_create(&fd, &a->frame, ferr, sizeof ferr) != TW_OK) {
        snprintf(err, n, "%.700s: scene CRS: %.300s", a->scene_path, ferr);
        return false;
    }
    a->world.frame = a->frame;
    return true;
}

/* The frame's lon/lat for the HUD, the sun and the report: made once the
 * layers' reads are out (PROJ's first transformation of a scene, about
 * 20 ms, while the workers read instead of before they start). */
static void app__make_lonlat(app *a)
{
    char ferr[512];
    if (a->frame && !a->lonlat &&
        geo_xform_create_lonlat(a->frame, &a->lonlat, ferr, sizeof ferr) != TW_OK)
        TW_WARN("crs", "no lon/lat for the HUD: %s", ferr);
}

/* The layers of the scene, in its order, once its frame is known. */
static void app__start_layers(app *a)
{
    int n = a->scene->layer_count;
    a->layers = calloc(n > 0 ? (size_t)n : 1, sizeof *a->layers);
    for (int i = 0; a->layers && i < n; i++) {
        const app_layer_entry *e = &a->scene->layers[i];
        app_layer *l = e->kind ? app_layer_create(e->kind, e->cfg, &a->world, e->name)
                               : app_layer_create_unknown(e->kind_name, &a->world);
        if (l) a->layers[a->layer_count++] = l;
    }
}

/* Finding the middle of the data for a geographic scene CRS opens a file
 * (or a URL), so it runs on a worker; the layers start when it is done. */
typedef struct app__center_job {
    app *a;
    char path[PATH_MAX + 64], source_crs[256];
    double lon, lat;
    tw_result status;
    char err[512];
} app__center_job;

static void app__center_run(void *job, int worker)
{
    (void)worker;
    app__center_job *j = job;
    j->status = geo_source_center_lonlat(j->path, j->source_crs[0] ? j->source_crs : NULL, &j->lon,
                                         &j->lat, j->err, sizeof j->err);
}

static void app__center_done(void *job, tw_result pool_status)
{
    app__center_job *j = job;
    app *a = j->a;
    if (pool_status == TW_OK && a->framing) {
        if (j->status == TW_OK) {
            a->scene->has_center = true;
            a->scene->center_lon = j->lon;
            a->scene->center_lat = j->lat;
            TW_INFO("crs", "%s: geographic scene CRS; local frame centred at %.4f, %.4f",
                    a->scene_path, j->lon, j->lat);
        } else {
            TW_WARN("crs", "%s: %s; centring the local frame at 127E 37.5N", j->path, j->err);
        }
        geo_xform_destroy(a->lonlat);
        geo_frame_destroy(a->frame);
        a->lonlat = NULL;
        a->frame = NULL;
        char err[1200];
        a->framing = false;
        if (app__make_frame(a, err, sizeof err)) {
            app__start_layers(a);
            app__make_lonlat(a);
        } else {
            TW_ERROR("scene", "%s", err);
        }
    }
    free(j);
}

/* Starts a scene (the parsed one given, else the file at path) and its
 * layers. On failure err names the file and nothing of the scene is left. */
static bool app__world_start(app *a, const char *path, app_scene *parsed, const char *bookmark,
                             char *err, size_t n)
{
    char serr[1024];
    a->scene = parsed ? app_scene_hold(parsed) : app_scene_open(path, serr, sizeof serr);
    if (!a->scene) {
        snprintf(err, n, "[scene] %.700s: %.300s", path, serr);
        return false;
    }
    snprintf(a->scene_path, sizeof a->scene_path, "%s", path);
    double now = tw_time_mono_s();
    a->world_t0 = now;
    a->phase = APP_PHASE_LOADING;
    a->camera_placed = a->user_moved = false;
    a->flight.active = false;
    a->panning = a->orbiting = a->press_valid = false;
    app_view_defaults d = {.exaggeration = 1};
    for (int i = 0; i < a->scene->layer_count; i++) {
        const app_layer_entry *e = &a->scene->layers[i];
        if (e->kind && e->cfg && e->kind->defaults) e->kind->defaults(e->cfg, &d);
    }
    a->world = (app_world){.scene_path = a->scene_path,
                           .pool = a->pool,
                           .t_start = a->t_start,
                           .deterministic = a->opt.deterministic,
                           .seed = a->opt.deterministic ? 1u : (uint32_t)(now * 1000.0),
                           .exaggeration = d.exaggeration,
                           .go = app__svc_go,
                           .fly = app__svc_fly,
                           .lonlat = app__svc_lonlat,
                           .app = a};
    app__world_time(a);
    a->hillshade = d.hillshade;
    a->top_down = d.top_down;
    app_camera_default(&a->cam);
    if (a->top_down) a->cam.tilt = 0;
    /* Each scene's remote timeouts take effect for its own reads. */
    geo_gdal_init(&(geo_gdal_desc){.http_timeout_s = a->scene->http_timeout_s});
    a->token = tw_token_create(NULL, NULL);
    if (!a->token || !app__make_frame(a, err, n)) {
        if (!a->token) snprintf(err, n, "out of memory");
        app_world_stop(a);
        return false;
    }
    const app_source *src = app_scene_center_source(a->scene);
    app__center_job *cj = NULL;
    if (geo_frame_is_local(a->frame) && !a->scene->has_center && src &&
        (cj = calloc(1, sizeof *cj)) != NULL) {
        cj->a = a;
        snprintf(cj->path, sizeof cj->path, "%s", src->path);
        snprintf(cj->source_crs, sizeof cj->source_crs, "%s",
                 src->source_crs ? src->source_crs : "");
        a->framing = true;
        if (tw_pool_submit(a->pool, &(tw_job_desc){.job = cj,
                                                   .run = app__center_run,
                                                   .done = app__center_done,
                                                   .priority = 1000,
                                                   .token = a->token}) != TW_OK) {
            free(cj);
            a->framing = false;
            app__start_layers(a);
        }
    } else {
        app__start_layers(a);
    }
    app__make_lonlat(a);
    a->opt.bookmark = NULL;
    a->fly_bookmark[0] = 0;
    if (bookmark && bookmark[0]) {
        if (app_scene_bookmark(a->scene, bookmark))
            snprintf(a->fly_bookmark, sizeof a->fly_bookmark, "%s", bookmark);
        else
            TW_WARN("scene", "%s: no bookmark named '%s'; framing the data instead", path,
                    bookmark);
    }
    return true;
}

void app_go(app *a, const char *path, const char *bookmark, const char *city)
{
    if (a->go.state == 1) return;
    a->go.state = 1;
    a->go.t0 = a->now;
    snprintf(a->go.path, sizeof a->go.path, "%s", path);
    snprintf(a->go.bookmark, sizeof a->go.bookmark, "%s", bookmark ? bookmark : "");
    snprintf(a->go.city, sizeof a->go.city, "%s", city ? city : "");
}

/* Fading out, then switching, then fading in. */
static void app__go_step(app *a, double now)
{
    if (a->go.state == 2 && now - a->go.t0 >= APP_FADE_S) a->go.state = 0;
    if (a->go.state != 1 || now - a->go.t0 < APP_FADE_S) return;
    char prev[sizeof a->scene_path], err[1200];
    snprintf(prev, sizeof prev, "%s", a->scene_path);
    bool to_map_city = a->go.city[0] != 0;
    app_world_stop(a);
    if (!app__world_start(a, a->go.path, NULL, a->go.bookmark, err, sizeof err)) {
        TW_ERROR("app", "%s; staying in %s", err, prev);
        if (!app__world_start(a, prev, NULL, NULL, err, sizeof err)) {
            TW_ERROR("app", "%s", err);
            rn_context_request_close(a->ctx);
        }
    }
    /* Back on the map: look at the city we came from. */
    if (app_map(a) && to_map_city)
        snprintf(a->select_city, sizeof a->select_city, "%s", a->go.city);
    a->go.state = 2;
    a->go.t0 = a->now;
}

bool app_fly_to_bookmark_name(app *a, const char *name)
{
    for (int i = 0; a->scene && i < a->scene->bookmark_count; i++)
        if (strcmp(a->scene->bookmarks[i].name, name) == 0) {
            app_fly_to_bookmark(a, i);
            return true;
        }
    return false;
}

bool app_view_ready(const app *a)
{
    return a->phase == APP_PHASE_RUNNING && a->go.state == 0;
}

/* Once the scene's layers are in: fly to a requested bookmark, or show the
 * city we came back from. */
static void app__after_load(app *a)
{
    if (a->fly_bookmark[0]) {
        app_fly_to_bookmark_name(a, a->fly_bookmark);
        a->fly_bookmark[0] = 0;
    }
    if (a->select_city[0]) {
        app_map_show_city(a, a->select_city);
        a->select_city[0] = 0;
    }
}

static bool app__view_complete(const app *a)
{
    for (int i = 0; i < a->layer_count; i++) {
        const app_layer *l = a->layers[i];
        if (l->self && l->kind->view_ready && !l->kind->view_ready(l->self)) return false;
    }
    return !a->flight.active;
}

/* SIGINT / SIGTERM end the loop; the report is still written. */
static volatile sig_atomic_t app__stop_signal;

static void app__on_signal(int sig)
{
    app__stop_signal = sig;
}

double app_hold_s(const app *a, double hold_s)
{
    if (!a->opt.frame_clock) return hold_s;
    return fmin(hold_s, APP_FRAME_HOLD_FRAMES * APP_FRAME_STEP_S);
}

/* Advances the app's clock by one frame. */
static void app__tick(app *a)
{
    if (a->opt.frame_clock)
        a->now += APP_FRAME_STEP_S;
    else
        a->now = tw_time_mono_s();
    /* T plays the analysis day: 30 minutes of sun a second. */
    if (a->sun_play && a->scene) {
        app_world_step_time(&a->world, (a->now - a->sun_play_t) * 1800.0);
        a->sun_play_t = a->now;
    }
}

/* Headless, while the first load runs: the layers' warm (the GL's work
 * per combination of state that their first frame needs, done now on the
 * main thread, idle until the load ends, not in that frame).
 * CITYTWIN_NO_WARM=1 leaves it to the first frame (benchmarks compare). */
static void app__warm(app *a, int w, int h)
{
    a->warmed = true;
    const char *no = getenv("CITYTWIN_NO_WARM");
    if (no && no[0] && strcmp(no, "0") != 0) return;
    double t0 = tw_time_mono_s();
    a->t_warm = t0;
    rn_view v = {.width = w, .height = h, .sun = {0, 0, 1}, .exaggeration = 1};
    memcpy(v.eye, a->cam.target, sizeof v.eye);
    rn_context_begin_frame(a->ctx);
    /* The flat ground a scene without terrain stands on (app__scene). */
    if (!a->world.ground && !a->top_down && rn_mesh_valid(a->ground_plane))
        rn_fill_warm(&v, &(rn_fill_kind){.mesh = a->ground_plane}, 1);
    for (int i = 0; i < a->layer_count; i++) {
        app_layer *l = a->layers[i];
        if (l->self && l->kind->warm) l->kind->warm(l->self, &v);
    }
    rn_ui_warm(w, h);        /* the HUD */
    rn_context_warm(a->ctx); /* the frame's end */
    a->warm_ms = (tw_time_mono_s() - t0) * 1000;
}

/* A layer's read is under way that the warm would slow (app_layer_kind
 * warm_wait): it waits, at most APP_WARM_WAIT_S after the GL context. */
static bool app__warm_wait(const app *a)
{
    if (tw_time_mono_s() - a->t_context > APP_WARM_WAIT_S) return false;
    for (int i = 0; i < a->layer_count; i++) {
        const app_layer *l = a->layers[i];
        if (l->self && l->kind->warm_wait && l->kind->warm_wait(l->self)) return true;
    }
    return false;
}

/* One pass of the loop. Returns false when the run is over. */
static bool app__step(app *a)
{
    APP_MARK(a, APP_MARK_STEP);
    app__tick(a);
    double wall = tw_time_mono_s(), now = a->now;
    /* Read once: a signal arriving during this pass ends the next one, which
     * then still captures the snapshot. */
    int stop_signal = app__stop_signal;
    bool headless = rn_context_headless(a->ctx);
    rn_event evs[256];
    int n = rn_context_poll(a->ctx, evs, 256);
    rn_context_cursor(a->ctx, &a->cursor[0], &a->cursor[1]);
    /* A script holds the cursor and the input until its last command. */
    bool scripted = a->script && !a->script_done;
    if (scripted && app_script_cursor(a->script, &a->cursor[0], &a->cursor[1])) {
    } else if (a->opt.hover)
        a->cursor[0] = a->opt.hover_x, a->cursor[1] = a->opt.hover_y;
    if (!a->opt.deterministic && !scripted) app_handle_input(a, evs, n);
    bool script_more = scripted && app_script_step(a);
    if (scripted && !script_more) a->script_done = true;
    APP_MARK(a, APP_MARK_INPUT);
    tw_pool_drain(a->pool, headless ? 0.05 : APP_DRAIN_BUDGET_S);
    app__go_step(a, now);
    APP_MARK(a, APP_MARK_DRAIN);

    if (a->phase == APP_PHASE_LOADING) {
        app__place_camera(a);
        bool cap = wall - a->world_t0 > a->opt.load_cap_s;
        if (app__all_loaded(a) || cap) {
            if (cap)
                TW_WARN("app", "layers still loading after %.0f s; going on", a->opt.load_cap_s);
            app__place_camera(a);
            if (a->t_loaded <= 0) a->t_loaded = wall;
            a->phase = APP_PHASE_SETTLING;
            app__after_load(a);
        }
    }
    if (a->flight.active) app_flight_step(&a->flight, now, &a->cam);
    app_camera_clamp(&a->cam, app_ground_hf(a), app_exag(a), 2.0);

    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    app_update_ctx u = {
        .now = now, .cam = &a->cam, .width = w, .height = h, .frame_no = a->frame_no};
    a->world.split = a->split;
    for (int i = 0; i < a->layer_count; i++) {
        app_layer *l = a->layers[i];
        if (l->self && l->kind->update) l->kind->update(l->self, &u);
    }
    a->split = a->world.split; /* a scenario's "split": true */
    APP_MARK(a, APP_MARK_UPDATE);
    bool completed_now = false;
    if (a->phase == APP_PHASE_SETTLING &&
        (app__view_complete(a) || wall - a->world_t0 > a->opt.load_cap_s + 30)) {
        completed_now = a->t_complete <= 0;
        a->phase = APP_PHASE_RUNNING;
        a->t_running = wall;
    }
    bool tour_more = a->tour.active ? app_tour_step(a, now) : true;

    bool ready =
        a->phase == APP_PHASE_RUNNING && wall - a->t_running >= a->opt.wait_s && !script_more;
    bool want_snapshot = a->opt.snapshot && !a->tour.active && ready && a->go.state == 0;
    if (a->tour.active && !tour_more) want_snapshot = a->opt.snapshot != NULL;
    if (stop_signal) want_snapshot = a->opt.snapshot && a->phase == APP_PHASE_RUNNING;
    if (want_snapshot) rn_context_capture_next(a->ctx);
    if (ready && a->opt.pick && !a->pick.done) app_do_pick(a);
    /* --hover: the cursor moves there once the scene runs, as a mouse would;
     * the layers then follow what is under it as data and view change. */
    if (a->opt.hover && a->phase == APP_PHASE_RUNNING && a->hover_sent_at != a->t_running) {
        app_hover_at(a, a->cursor[0], a->cursor[1]);
        a->hover_sent_at = a->t_running;
    }
    /* Headless runs draw only once there is something to show, so that the
     * workers get the CPU while loading. */
    if (!headless || a->phase == APP_PHASE_RUNNING) {
        /* A warm that waited for a read the load ended before it could
         * run: now, ahead of the first frame, which would do its work. */
        if (headless && !a->warmed && a->warm_waited) app__warm(a, w, h);
        app_draw(a);
        /* The first complete frame is the one drawn once the view is complete. */
        if (completed_now) {
            a->t_complete = tw_time_mono_s();
            a->read_at_complete = app_read_bytes();
            /* Said once, so a script driving a window knows when to act. */
            TW_INFO("app", "the view is complete: first complete frame %.2f s after start",
                    a->t_complete - a->t_start);
        }
    } else {
        if (!a->warmed) {
            if (app__warm_wait(a))
                a->warm_waited = true;
            else
                app__warm(a, w, h);
        }
        tw_pool_wait(a->pool, 0.02);
    }
    a->frame_no++;
    if (stop_signal) TW_WARN("app", "stopped by signal %d; writing the report", stop_signal);
    if (want_snapshot) {
        a->exit_code = app_snapshot(a);
        return false;
    }
    if (stop_signal) return false;
    if (a->tour.active) return tour_more && !rn_context_should_close(a->ctx);
    if (headless && !a->opt.snapshot && ready && a->go.state == 0) return false;
    return !rn_context_should_close(a->ctx);
}

int app_run(int argc, char **argv)
{
    app *a = calloc(1, sizeof *a);
    if (!a) return 1;
    a->t_start = a->now = tw_time_mono_s();
    char err[1400];
    if (!app_cli_parse(argc, argv, &a->opt, err, sizeof err)) {
        fprintf(stderr, "citytwin: error: %s\n", err);
        free(a);
        return 2;
    }
    if (a->opt.help || a->opt.version) {
        if (a->opt.help)
            app_cli_usage(stdout);
        else
            printf("citytwin %s\n", APP_VERSION);
        free(a);
        return 0;
    }
    tw_log_init(a->opt.verbose ? TW_LOG_DEBUG : TW_LOG_INFO);
    /* From here on SIGINT / SIGTERM end the loop, which writes the report. */
    signal(SIGINT, app__on_signal);
    signal(SIGTERM, app__on_signal);
    if (!app_live_start(&a->opt, err, sizeof err)) {
        fprintf(stderr, "citytwin: error: %s\n", err);
        free(a);
        return 2;
    }
    if (!app_paths_data_dir(a->data_dir, sizeof a->data_dir)) {
        fprintf(stderr, "citytwin: error: cannot find the shaders/ and assets/ folders "
                        "(set CITYTWIN_DATA)\n");
        free(a);
        return 2;
    }
    if (a->opt.script && !(a->script = app_script_load(a->opt.script, err, sizeof err))) {
        fprintf(stderr, "citytwin: error: %s\n", err);
        free(a);
        return 2;
    }
    a->split = a->opt.split;
    app_scene *first = NULL;
    const char *first_path = NULL;
    int rc = app_first_scene(a, &first, &first_path, err, sizeof err);
    /* CITYTWIN_WORKERS caps the worker threads (shared machines, tests). */
    const char *workers = getenv("CITYTWIN_WORKERS");
    if (rc == 0 && !(a->pool = tw_pool_create(workers ? atoi(workers) : 0))) {
        snprintf(err, sizeof err, "cannot start worker threads");
        rc = 1;
    }
    if (rc == 0) rc = app_shell_start(a, err, sizeof err);
    a->t_context = tw_time_mono_s(); /* the GL context made: layers start loading */
    const char *bookmark = a->opt.bookmark;
    a->read_at_start = app_read_bytes();
    if (rc == 0 && !app__world_start(a, first_path, first, NULL, err, sizeof err)) rc = 2;
    app_scene_close(first);
    if (rc != 0) {
        fprintf(stderr, "citytwin: error: %s%s\n", rc == 3 ? "[render] " : "", err);
        app_free(a);
        return rc;
    }
    a->opt.bookmark = bookmark;
    if (a->opt.bookmark && !app_scene_bookmark(a->scene, a->opt.bookmark)) {
        TW_WARN("scene", "%s: no bookmark named '%s'; framing the data instead", a->scene_path,
                a->opt.bookmark);
        a->opt.bookmark = NULL;
    }
    const char *marks = getenv("CITYTWIN_FRAME_PHASES");
    if (marks && marks[0] && !(a->marks_out = fopen(marks, "w")))
        TW_WARN("app", "CITYTWIN_FRAME_PHASES: cannot write %s", marks);
    rn_context_cursor(a->ctx, &a->last_cursor[0], &a->last_cursor[1]);
    if (a->tour.active && !rn_context_headless(a->ctx)) rn_context_set_cursor_hidden(a->ctx, true);
    while (app__step(a)) {
    }
    rc = a->exit_code;
    if (a->opt.report && app_report_write(a, a->opt.report) != 0) rc = 1;
    if (a->marks_out) fclose(a->marks_out);
    app_free(a);
    tw_log_shutdown();
    return rc;
}
