/* The expo tour: a scripted loop over the national map, each certified city
 * with its card as a caption, its twin scene where one is configured, and
 * any scene or bookmark. A stop that cannot be shown is skipped with one log
 * line, never stops the tour. Input pauses it; it resumes once the mouse has
 * been left alone for APP_TOUR_IDLE_S. Headless, it runs once through.
 * Showing a city on the map (the tour's and the way back from a twin) is
 * here too. */
#include "app_internal.h"

#include "app_certmap.h"

#include "tw_file.h"
#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_TOUR_IDLE_S 30.0

enum {
    TOUR_BEGIN,
    TOUR_ARRIVING, /* waiting for the stop's scene to load */
    TOUR_ACT,
    TOUR_SETTLE, /* waiting for the camera flight and tiles */
    TOUR_HOLD,
    TOUR_TWIN_ARRIVING,
    TOUR_TWIN_SETTLE,
    TOUR_TWIN_HOLD,
};

static const char *const TOUR_KIND[] = {"bookmark", "map", "city", "scene"};

struct app_certmap *app_map(const app *a)
{
    for (int i = 0; i < a->layer_count; i++) {
        app_certmap *m = app_certmap_of(a->layers[i]);
        if (m) return m;
    }
    return NULL;
}

bool app_map_show_city(app *a, const char *name_ko)
{
    app_certmap *map = app_map(a);
    if (!map) return false;
    int city = app_certmap_city_by_name(map, name_ko);
    double c[2], r;
    if (city < 0 || !app_certmap_city_area(map, city, c, &r)) return false;
    app_certmap_select(map, city);
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    app_camera to = a->cam;
    double span = fmax(r * 2.5, 30000);
    double ext[4] = {c[0] - span, c[1] - span, c[0] + span, c[1] + span};
    app_camera_frame_tilt(&to, ext, 0, w, h, 30, 1.0);
    app_flight_start(&a->flight, &a->cam, &to, a->now);
    a->user_moved = true;
    return true;
}

bool app_tour_start(app *a, app_scene *scene, char *err, size_t n)
{
    app_tour *t = &a->tour;
    if (scene->tour_count == 0) {
        snprintf(err, n, "[tour] %.900s: has no \"tour\" list", scene->path);
        return false;
    }
    t->scene = app_scene_hold(scene);
    t->active = true;
    return true;
}

void app_tour_free(app *a)
{
    app_scene_close(a->tour.scene);
    a->tour.scene = NULL;
    free(a->tour.log);
    a->tour.log = NULL;
    a->tour.log_count = a->tour.log_cap = 0;
    a->tour.active = false;
}

void app_tour_input(app *a, double now)
{
    app_tour *t = &a->tour;
    if (!t->paused)
        TW_INFO("tour", "paused by the user; resumes after %.0f s idle", APP_TOUR_IDLE_S);
    t->paused = true;
    t->last_input = now;
    rn_context_set_cursor_hidden(a->ctx, false);
}

static void app__log(app *a, int stop, const char *kind, const char *name, const char *status,
                     const char *reason)
{
    app_tour *t = &a->tour;
    if (strcmp(status, "skipped") == 0)
        TW_WARN("tour", "stop %d (%s %s): %s; skipped", stop + 1, kind, name, reason);
    else
        TW_INFO("tour", "stop %d: %s %s", stop + 1, kind, name);
    if (t->log_count == t->log_cap) {
        int cap = t->log_cap ? t->log_cap * 2 : 64;
        app_tour_entry *g = realloc(t->log, (size_t)cap * sizeof *g);
        if (!g) return;
        t->log = g;
        t->log_cap = cap;
    }
    app_tour_entry *e = &t->log[t->log_count++];
    e->stop = stop;
    e->kind = kind;
    snprintf(e->name, sizeof e->name, "%s", name ? name : "");
    e->status = status;
    snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
    e->t_s = tw_time_mono_s() - a->t_start;
}

static void app__next(app_tour *t)
{
    t->index++;
    t->step = TOUR_BEGIN;
    t->t_hold = 0;
}

static const char *app__stop_name(const app_tour_stop *s, char *buf, size_t n)
{
    switch (s->kind) {
    case APP_STOP_CITY:
        return s->city;
    case APP_STOP_SCENE:
        return s->scene;
    case APP_STOP_BOOKMARK:
        return s->bookmark;
    case APP_STOP_MAP:
        break;
    }
    if (!s->year) return "all years";
    snprintf(buf, n, "%d", s->year);
    return buf;
}

/* The scene a stop is shown in. */
static const char *app__stop_scene(const app *a, const app_tour_stop *s)
{
    switch (s->kind) {
    case APP_STOP_MAP:
    case APP_STOP_CITY:
        return a->map_path;
    case APP_STOP_SCENE:
        return s->scene;
    case APP_STOP_BOOKMARK:
        break;
    }
    return a->tour.scene->path;
}

static bool app__settled(const app *a)
{
    return app_view_ready(a) && !a->flight.active;
}

static void app__caption(app *a, const app_tour_stop *s, const char *fallback)
{
    const char *c = a->labels_en && s->caption_en ? s->caption_en : s->caption;
    snprintf(a->tour.caption, sizeof a->tour.caption, "%s", c ? c : fallback ? fallback : "");
}

/* Does what the stop shows once its scene is up; false to skip it. */
static bool app__act(app *a, const app_tour_stop *s, char *why, size_t n)
{
    app_certmap *map = app_map(a);
    switch (s->kind) {
    case APP_STOP_MAP: {
        if (!map) return snprintf(why, n, "the map did not open"), false;
        if (s->extrude >= 0) app_certmap_set_extrude(map, s->extrude == 1);
        app_certmap_set_year(map, s->year);
        app_certmap_select(map, -1);
        double ext[4];
        int w, h;
        rn_context_size(a->ctx, &w, &h, NULL);
        if (app_certmap_extent(map, ext)) {
            app_camera to = a->cam;
            bool tall = app_certmap_extruded(map);
            app_camera_frame_tilt(&to, ext, 0, w, h, tall ? 45 : 0, tall ? 0.95 : 1.08);
            app_flight_start(&a->flight, &a->cam, &to, a->now);
        }
        char cap[256];
        if (s->year)
            snprintf(cap, sizeof cap, "%d 스마트도시 인증 Smart city certification %d", s->year,
                     s->year);
        else
            snprintf(cap, sizeof cap, "스마트도시 인증 2021–2025 Smart city certification");
        app__caption(a, s, cap);
        return true;
    }
    case APP_STOP_CITY: {
        if (!map) return snprintf(why, n, "the map did not open"), false;
        if (s->extrude >= 0) app_certmap_set_extrude(map, s->extrude == 1);
        app_certmap_set_year(map, s->year);
        if (!app_map_show_city(a, s->city))
            return snprintf(why, n, "not a certified city on the map"), false;
        const geo_cert_db *db = app_certmap_db(map);
        int city = app_certmap_selected(map);
        const geo_cert_city *c = geo_cert_city_at(db, city);
        const geo_cert_record *r = geo_cert_city_record(db, city, 0);
        char cap[320];
        snprintf(cap, sizeof cap, "%s %s · %d %s", c->name_ko, c->name_en, r ? r->year : 0,
                 r && r->status == GEO_CERT_EXTENDED ? "인증 연장 extended" : "인증 certified");
        app__caption(a, s, cap);
        return true;
    }
    case APP_STOP_BOOKMARK:
        if (!app_fly_to_bookmark_name(a, s->bookmark))
            return snprintf(why, n, "no such bookmark in %.200s", a->scene_path), false;
        app__caption(a, s, a->scene->name);
        return true;
    case APP_STOP_SCENE:
        app__caption(a, s, a->scene->name);
        return true;
    }
    return false;
}

/* After a city's hold: its twin, when it has one and the stop wants it. */
static bool app__twin(app *a, const app_tour_stop *s)
{
    app_certmap *map = app_map(a);
    if (s->kind != APP_STOP_CITY || !s->twin || !map) return false;
    const app_twin *tw = app_certmap_twin(map, s->city);
    if (!tw) return false;
    if (!tw_file_exists(tw->scene)) {
        app__log(a, a->tour.index, "twin", s->city, "skipped", "twin scene file not found");
        return false;
    }
    char cap[512];
    snprintf(cap, sizeof cap, "%.400s · 디지털 트윈 digital twin", a->tour.caption);
    snprintf(a->tour.caption, sizeof a->tour.caption, "%s", cap);
    app_go(a, tw->scene, tw->bookmark, NULL);
    return true;
}

bool app_tour_step(app *a, double now)
{
    app_tour *t = &a->tour;
    bool headless = rn_context_headless(a->ctx);
    if (t->paused) {
        if (now - t->last_input < APP_TOUR_IDLE_S) return true;
        t->paused = false;
        t->t_hold = 0;
        if (t->step == TOUR_HOLD || t->step == TOUR_TWIN_HOLD) t->step--;
        if (!headless) rn_context_set_cursor_hidden(a->ctx, true);
        TW_INFO("tour", "resumed");
    }
    if (t->index >= t->scene->tour_count) {
        t->passes++;
        if (headless) return false;
        t->index = 0;
    }
    const app_tour_stop *s = &t->scene->tour[t->index];
    const char *kind = TOUR_KIND[s->kind];
    const char *want = app__stop_scene(a, s);
    char why[256], yb[16];
    switch (t->step) {
    case TOUR_BEGIN:
        if (!want || !tw_file_exists(want)) {
            app__log(a, t->index, kind, app__stop_name(s, yb, sizeof yb), "skipped",
                     "scene file not found");
            app__next(t);
            break;
        }
        if (strcmp(a->scene_path, want) != 0)
            app_go(a, want, s->kind == APP_STOP_SCENE ? s->bookmark : NULL, NULL);
        t->step = TOUR_ARRIVING;
        break;
    case TOUR_ARRIVING:
        if (a->go.state != 0 || !app_view_ready(a)) break;
        if (strcmp(a->scene_path, want) != 0) {
            app__log(a, t->index, kind, app__stop_name(s, yb, sizeof yb), "skipped",
                     "its scene did not open");
            app__next(t);
            break;
        }
        t->step = TOUR_ACT;
        /* fall through */
    case TOUR_ACT:
        if (!app__act(a, s, why, sizeof why)) {
            app__log(a, t->index, kind, app__stop_name(s, yb, sizeof yb), "skipped", why);
            app__next(t);
            break;
        }
        app__log(a, t->index, kind, app__stop_name(s, yb, sizeof yb), "shown", NULL);
        t->step = TOUR_SETTLE;
        break;
    case TOUR_SETTLE:
    case TOUR_TWIN_SETTLE:
        if (!app__settled(a)) break;
        t->t_hold = now;
        t->step++;
        break;
    case TOUR_HOLD:
        if (now - t->t_hold < app_hold_s(a, s->hold_s)) break;
        if (app__twin(a, s))
            t->step = TOUR_TWIN_ARRIVING;
        else
            app__next(t);
        break;
    case TOUR_TWIN_ARRIVING:
        if (a->go.state != 0 || !app_view_ready(a)) break;
        app__log(a, t->index, "twin", s->city, "shown", NULL);
        t->step = TOUR_TWIN_SETTLE;
        break;
    case TOUR_TWIN_HOLD:
        if (now - t->t_hold >= app_hold_s(a, s->hold_s)) app__next(t);
        break;
    }
    return true;
}
