/* The frame loop. Each frame: poll input, drain finished work within a
 * budget, move the camera, choose terrain tiles, draw, swap. Headless runs
 * use the same loop and take their snapshot once everything the view needs
 * has arrived. */
#include "app.h"

#include "app_internal.h"
#include "app_paths.h"
#include "geo_gdal.h"
#include "rn_fill.h"
#include "rn_lines.h"
#include "rn_mesh.h"
#include "rn_shader.h"
#include "rn_shot.h"
#include "rn_terrain.h"
#include "rn_texture.h"
#include "rn_ui.h"
#include "tw_file.h"
#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_DRAIN_BUDGET_S 0.004
#define APP_FADE_S         0.35
#define APP_VERSION        "0.1.0"
/* A fixed instant for --deterministic HUDs: 2026-01-01 12:00:00 KST. */
#define APP_FIXED_EPOCH 1767236400.0

static const float APP_SKY[3] = {0.74f, 0.82f, 0.90f};

static void app__collect_layers(app *a)
{
    a->layer_count = 0;
    if (a->terrain) a->layers[a->layer_count++] = app_terrain_layer(a->terrain);
    if (app_terrain_imagery_layer(a->terrain))
        a->layers[a->layer_count++] = app_terrain_imagery_layer(a->terrain);
    for (int i = 0; i < a->boundary_count && a->layer_count < 64; i++)
        a->layers[a->layer_count++] = app_boundaries_layer(a->boundaries[i]);
    if (a->map)
        a->layer_count +=
            app_certmap_layers(a->map, &a->layers[a->layer_count], 64 - a->layer_count);
}

static bool app__all_loaded(const app *a)
{
    if (a->framing) return false;
    for (int i = 0; i < a->layer_count; i++)
        if (a->layers[i]->status == APP_LAYER_LOADING) return false;
    return true;
}

static double app__exag(const app *a)
{
    return a->exaggeration > 0 ? a->exaggeration : 1.0;
}

/* Union of what has loaded so far, and a height to look at. */
static bool app__data_extent(const app *a, double ext[4], double *z)
{
    bool any = false;
    *z = 0;
    double e[4];
    const geo_terrain_info *ti = a->terrain ? app_terrain_info(a->terrain) : NULL;
    if (ti) {
        memcpy(ext, ti->raster.extent, sizeof e);
        *z = 0.5 * (ti->zmin + ti->zmax) * app__exag(a);
        any = true;
    }
    for (int i = 0; i <= a->boundary_count; i++) {
        if (i == a->boundary_count ? !a->map || !app_certmap_extent(a->map, e)
                                   : !app_boundaries_extent(a->boundaries[i], e))
            continue;
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

static void app__bookmark_camera(const app *a, const app_bookmark *b, app_camera *out)
{
    *out = a->cam;
    app_camera_look(out, b->eye, b->target);
}

static void app__fly_to_bookmark(app *a, int index)
{
    if (index < 0 || index >= a->scene.bookmark_count) return;
    app_camera to;
    app__bookmark_camera(a, &a->scene.bookmarks[index], &to);
    app_flight_start(&a->flight, &a->cam, &to, tw_time_mono_s());
    a->user_moved = true;
}

/* The map is seen from straight above, the panels left and right of it. */
static void app__frame_map(const app *a, app_camera *cam, const double ext[4], int w, int h)
{
    if (app_certmap_extruded(a->map))
        app_camera_frame_tilt(cam, ext, 0, w, h, 45, 0.95);
    else
        app_camera_frame_tilt(cam, ext, 0, w, h, 0, 1.08);
}

static void app__reset_view(app *a, bool animate)
{
    double ext[4], z;
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    if (!app__data_extent(a, ext, &z)) return;
    app_camera to = a->cam;
    if (a->map)
        app__frame_map(a, &to, ext, w, h);
    else
        app_camera_frame(&to, ext, z, w, h);
    if (animate)
        app_flight_start(&a->flight, &a->cam, &to, tw_time_mono_s());
    else
        a->cam = to;
}

/* Places the camera the first time: the requested bookmark, else the
 * extent of the data (refined while layers arrive, until the user moves). */
static void app__place_camera(app *a)
{
    if (a->user_moved) return;
    if (a->opt.bookmark) {
        const app_bookmark *b = app_scene_bookmark(&a->scene, a->opt.bookmark);
        if (b && !a->camera_placed) app__bookmark_camera(a, b, &a->cam);
        a->camera_placed = true;
        return;
    }
    app__reset_view(a, false);
    a->camera_placed = true;
}

static const tw_heightfield *app__hf(const app *a)
{
    return a->terrain ? app_terrain_heightfield(a->terrain) : NULL;
}

/* M: to the certification map, and from it back to where we came from. */
static void app__toggle_map(app *a)
{
    if (a->map) {
        if (a->return_path[0]) app_go(a, a->return_path, NULL, NULL);
        return;
    }
    /* From a twin: back to the map, looking at its city. */
    bool from_twin = a->twin_city[0] && strcmp(a->return_path, a->map_path) == 0;
    snprintf(a->return_path, sizeof a->return_path, "%s", a->scene_path);
    app_go(a, a->map_path, NULL, from_twin ? a->twin_city : NULL);
    a->twin_city[0] = 0;
}

/* Keys that mean something else on the map. True when handled. */
static bool app__map_key(app *a, int key)
{
    if (!a->map) return false;
    const geo_cert_db *db = app_certmap_db(a->map);
    int sel = app_certmap_selected(a->map);
    switch (key) {
    case '[':
    case ',':
        app_certmap_step_year(a->map, -1);
        return true;
    case ']':
    case '.':
        app_certmap_step_year(a->map, 1);
        return true;
    case '0':
        app_certmap_set_year(a->map, 0);
        return true;
    case 'B': {
        /* 3D: raise the cities, and tilt the view so that it shows. */
        bool on = !app_certmap_extruded(a->map);
        app_certmap_set_extrude(a->map, on);
        app_camera to = a->cam;
        to.tilt = on ? 50 : 0;
        app_flight_start(&a->flight, &a->cam, &to, tw_time_mono_s());
        return true;
    }
    case RN_KEY_ESCAPE:
        if (sel < 0) return false;
        app_certmap_select(a->map, -1);
        return true;
    case RN_KEY_ENTER:
    case RN_KEY_KP_ENTER: {
        if (sel < 0 || !db) return true;
        const char *name = geo_cert_city_at(db, sel)->name_ko;
        const app_twin *t = app_scene_twin(&a->scene, name);
        if (t) {
            snprintf(a->return_path, sizeof a->return_path, "%s", a->scene_path);
            snprintf(a->twin_city, sizeof a->twin_city, "%s", name);
            app_go(a, t->scene, t->bookmark, NULL);
        } else {
            TW_INFO("map", "%s has no twin scene configured", name);
        }
        return true;
    }
    default:
        break;
    }
    if (key >= '1' && key <= '9' && db) {
        int i = key - '1';
        if (i < geo_cert_scheme_count(db))
            app_certmap_set_year(a->map, geo_cert_scheme_at(db, i)->year);
        return true;
    }
    return false;
}

static void app__handle_key(app *a, const rn_event *ev)
{
    if (ev->action == RN_RELEASE) return;
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    double step = a->cam.distance * 0.08;
    double f[3], r[3], u[3];
    app_camera_basis(&a->cam, f, r, u);
    double fwd[2] = {sin(a->cam.heading * M_PI / 180), cos(a->cam.heading * M_PI / 180)};
    if (app__map_key(a, ev->key)) return;
    a->flight.active = false;
    switch (ev->key) {
    case RN_KEY_ESCAPE:
        rn_context_request_close(a->ctx);
        return;
    case 'M':
        app__toggle_map(a);
        return;
    case RN_KEY_F11:
        rn_context_set_fullscreen(a->ctx, !rn_context_fullscreen(a->ctx), a->opt.monitor);
        return;
    case RN_KEY_HOME:
    case '0':
        app__reset_view(a, true);
        break;
    case 'H':
        a->hillshade = !a->hillshade;
        return;
    case 'L':
        a->labels_en = !a->labels_en;
        return;
    case RN_KEY_F1:
        a->help = !a->help;
        return;
    case 'G':
        a->wireframe = !a->wireframe;
        return;
    case 'X': {
        static const double steps[] = {1, 1.5, 2, 3, 5};
        int k = 0;
        for (int i = 0; i < 5; i++)
            if (fabs(a->exaggeration - steps[i]) < 1e-6) k = i;
        double old = app__exag(a);
        a->exaggeration = steps[(k + 1) % 5];
        a->cam.target[2] *= a->exaggeration / old;
        break;
    }
    case RN_KEY_LEFT:
    case 'A':
        a->cam.target[0] -= r[0] * step, a->cam.target[1] -= r[1] * step;
        break;
    case RN_KEY_RIGHT:
    case 'D':
        a->cam.target[0] += r[0] * step, a->cam.target[1] += r[1] * step;
        break;
    case RN_KEY_UP:
    case 'W':
        a->cam.target[0] += fwd[0] * step, a->cam.target[1] += fwd[1] * step;
        break;
    case RN_KEY_DOWN:
    case 'S':
        a->cam.target[0] -= fwd[0] * step, a->cam.target[1] -= fwd[1] * step;
        break;
    case RN_KEY_EQUAL:
    case RN_KEY_KP_ADD:
    case RN_KEY_PAGE_UP:
        app_camera_zoom_to(&a->cam, a->cam.target, 0.8);
        break;
    case RN_KEY_MINUS:
    case RN_KEY_KP_SUBTRACT:
    case RN_KEY_PAGE_DOWN:
        app_camera_zoom_to(&a->cam, a->cam.target, 1.25);
        break;
    case 'Q':
        app_camera_orbit(&a->cam, a->cam.target, -10, 0);
        break;
    case 'E':
        app_camera_orbit(&a->cam, a->cam.target, 10, 0);
        break;
    case 'R':
        app_camera_orbit(&a->cam, a->cam.target, 0, 5);
        break;
    case 'F':
        app_camera_orbit(&a->cam, a->cam.target, 0, -5);
        break;
    default:
        if (ev->key >= '1' && ev->key <= '9') app__fly_to_bookmark(a, ev->key - '1');
        return;
    }
    a->user_moved = true;
    (void)w;
    (void)h;
}

static void app__map_ui(const app *a, app_certmap_ui *ui)
{
    int w, h;
    float scale;
    rn_context_size(a->ctx, &w, &h, &scale);
    *ui = (app_certmap_ui){.width = w,
                           .height = h,
                           .scale = scale > 0 ? scale : 1,
                           .labels_en = a->labels_en,
                           .cursor = {a->cursor[0], a->cursor[1]},
                           .show_cursor_tip = !rn_context_headless(a->ctx) && !a->tour.active,
                           .caption = a->tour.active ? a->tour.caption : NULL};
}

/* The certified city under a pixel of the map, -1 for none. */
static int app__map_city_at(const app *a, double px, double py, const char **code)
{
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    double hit[3];
    if (!app_camera_pick(&a->cam, w, h, px, py, NULL, 1, 0, hit)) return -1;
    return app_certmap_pick(a->map, hit[0], hit[1], code);
}

static void app__map_hover(app *a, double px, double py)
{
    if (!a->map || a->panning || a->orbiting) return;
    app_certmap_hover(a->map, app__map_city_at(a, px, py, NULL));
}

static void app__map_click(app *a, double px, double py)
{
    if (!a->map) return;
    app_certmap_ui ui;
    app__map_ui(a, &ui);
    int year;
    if (app_certmap_year_at(a->map, &ui, px, py, &year)) {
        app_certmap_set_year(a->map, year);
        return;
    }
    app_certmap_select(a->map, app__map_city_at(a, px, py, NULL));
}

static void app__handle_input(app *a, const rn_event *evs, int n)
{
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    const tw_heightfield *hf = app__hf(a);
    double exag = app__exag(a);
    for (int i = 0; i < n; i++) {
        const rn_event *ev = &evs[i];
        /* A real touch pauses the tour: not a resize, nor a pointer event
         * that did not move (windows send one when they open). */
        bool touched = ev->type != RN_EV_RESIZE &&
                       (ev->type != RN_EV_MOVE ||
                        hypot(ev->x - a->last_cursor[0], ev->y - a->last_cursor[1]) > 2);
        if (touched && a->tour.active) app_tour_input(a, tw_time_mono_s());
        switch (ev->type) {
        case RN_EV_KEY:
            app__handle_key(a, ev);
            break;
        case RN_EV_BUTTON: {
            bool press = ev->action == RN_PRESS;
            bool orbit = ev->button == RN_BUTTON_RIGHT || ev->button == RN_BUTTON_MIDDLE ||
                         (ev->button == RN_BUTTON_LEFT && (ev->mods & RN_MOD_CONTROL));
            if (!press) {
                a->panning = a->orbiting = false;
                if (a->press_valid && ev->button == RN_BUTTON_LEFT &&
                    hypot(ev->x - a->press_at[0], ev->y - a->press_at[1]) < 5)
                    app__map_click(a, ev->x, ev->y);
                a->press_valid = false;
                break;
            }
            a->press_valid = true;
            a->press_at[0] = ev->x, a->press_at[1] = ev->y;
            a->flight.active = false;
            double hit[3];
            bool got =
                app_camera_pick(&a->cam, w, h, ev->x, ev->y, hf, exag, a->cam.target[2], hit);
            if (!got) break;
            if (orbit) {
                a->orbiting = true;
                memcpy(a->pivot, hit, sizeof hit);
            } else if (ev->button == RN_BUTTON_LEFT) {
                a->panning = true;
                memcpy(a->grab, hit, sizeof hit);
            }
            a->last_cursor[0] = ev->x;
            a->last_cursor[1] = ev->y;
            break;
        }
        case RN_EV_MOVE:
            app__map_hover(a, ev->x, ev->y);
            if (a->panning) {
                app_camera_drag_pan(&a->cam, w, h, a->grab, ev->x, ev->y);
                a->user_moved = true;
            } else if (a->orbiting) {
                double dx = ev->x - a->last_cursor[0], dy = ev->y - a->last_cursor[1];
                app_camera_orbit(&a->cam, a->pivot, dx * 0.25, -dy * 0.2);
                a->user_moved = true;
            }
            a->last_cursor[0] = ev->x;
            a->last_cursor[1] = ev->y;
            break;
        case RN_EV_SCROLL: {
            double hit[3];
            a->flight.active = false;
            if (app_camera_pick(&a->cam, w, h, ev->x, ev->y, hf, exag, a->cam.target[2], hit)) {
                app_camera_zoom_to(&a->cam, hit, pow(0.85, ev->dy));
                a->user_moved = true;
            }
            break;
        }
        case RN_EV_RESIZE:
            break;
        }
    }
}

static void app__view(const app *a, int w, int h, rn_view *v)
{
    memset(v, 0, sizeof *v);
    app_camera_eye(&a->cam, v->eye);
    double ground = 0, agl;
    const tw_heightfield *hf = app__hf(a);
    if (hf && tw_heightfield_sample(hf, v->eye[0], v->eye[1], &ground)) ground *= app__exag(a);
    agl = fmax(v->eye[2] - ground, 1.0);
    double near_m = fmin(fmax(fmin(agl, a->cam.distance) * 0.05, 0.5), 2000.0);
    double span = a->terrain && app_terrain_info(a->terrain)
                      ? app_terrain_info(a->terrain)->root_size
                      : a->cam.distance * 4;
    double far_m = a->cam.distance * 20 + span * 3;
    app_camera_view_proj(&a->cam, w, h, near_m, far_m, v->view_proj);
    v->width = w;
    v->height = h;
    /* Sun from the south-east, 45 degrees up. */
    v->sun[0] = 0.5f, v->sun[1] = -0.5f, v->sun[2] = 0.7071f;
    v->exaggeration = (float)app__exag(a);
    memcpy(v->sky, APP_SKY, sizeof v->sky);
    v->fog_start = (float)(a->cam.distance * 2.5 + span * 0.5);
    v->fog_end = (float)(a->cam.distance * 12 + span * 2);
}

static void app__clock(const app *a, char *buf, size_t n)
{
    double t = a->opt.deterministic ? APP_FIXED_EPOCH : tw_time_wall_s();
    tw_time_format(t, a->scene.tz_offset_h, a->scene.tz_label, buf, n);
}

static double app__progress(const app *a, const char **status)
{
    int loading = 0;
    *status = NULL;
    if (a->framing) {
        *status = "data extent";
        return 0.02;
    }
    for (int i = 0; i < a->layer_count; i++)
        if (a->layers[i]->status == APP_LAYER_LOADING) {
            loading++;
            *status = a->layers[i]->kind;
        }
    double p = a->layer_count ? 1.0 - (double)loading / a->layer_count : 1.0;
    if (loading == 0 && a->terrain) {
        const app_terrain_stats *s = app_terrain_stats_get(a->terrain);
        if (!s->complete) {
            int need = s->drawn + s->requested;
            p = need > 0 ? 0.5 + 0.5 * (double)s->drawn / need : 0.5;
            *status = "terrain tiles";
        }
    } else if (loading) {
        p *= 0.5;
    }
    return p;
}

typedef struct app__overlay_args {
    app_certmap *map;
    const app_certmap_ui *ui;
} app__overlay_args;

static void app__map_overlay(void *user)
{
    app__overlay_args *o = user;
    app_certmap_draw_ui(o->map, o->ui);
}

/* Tour captions over a twin scene. */
static void app__caption_overlay(void *user)
{
    const app *a = user;
    int w, h;
    float s;
    rn_context_size(a->ctx, &w, &h, &s);
    s = s > 0 ? s : 1;
    float px = 20 * s, tw, th;
    rn_ui_text_size(px, a->tour.caption, &tw, &th);
    float x = (w - tw) * 0.5f, y = h - 100 * s;
    rn_ui_rect(x - 12 * s, y - px - 8 * s, tw + 24 * s, px + 18 * s, (rn_rgba){16, 24, 36, 200});
    rn_ui_text(x, y, px, (rn_rgba){255, 255, 255, 255}, a->tour.caption);
}

static void app__draw(app *a)
{
    int w, h;
    float scale;
    rn_context_size(a->ctx, &w, &h, &scale);
    rn_view view;
    app__view(a, w, h, &view);
    rn_context_begin_frame(a->ctx);
    rn_ui_clear(APP_SKY[0], APP_SKY[1], APP_SKY[2]);
    if (a->terrain) {
        const geo_terrain_info *ti = app_terrain_info(a->terrain);
        rn_terrain_style style = {.zmin = ti ? (float)ti->zmin : 0,
                                  .zmax = ti ? (float)ti->zmax : 1,
                                  .hillshade = a->hillshade,
                                  .wireframe = a->wireframe};
        app_terrain_draw(a->terrain, &view, &style);
    }
    rn_drape drape = {0};
    const tw_heightfield *hf = app__hf(a);
    if (hf) {
        drape = (rn_drape){.heights = app_terrain_height_texture(a->terrain),
                           .x0 = hf->x0,
                           .y0 = hf->y0,
                           .dx = hf->dx,
                           .dy = hf->dy,
                           .nx = hf->nx,
                           .ny = hf->ny};
    }
    if (a->map) app_certmap_draw(a->map, &view);
    for (int i = 0; i < a->boundary_count; i++)
        app_boundaries_draw(a->boundaries[i], &view, &drape);

    /* Labels sit on the ground at their anchor. */
    app_hud_label labels[512];
    int nl = 0;
    for (int i = 0; i < a->boundary_count; i++) {
        int count;
        const geo_label *ls = app_boundaries_labels(a->boundaries[i], &count);
        for (int k = 0; k < count && nl < 512; k++) {
            double z = 0;
            if (hf && tw_heightfield_sample(hf, ls[k].x, ls[k].y, &z)) z *= app__exag(a);
            labels[nl++] = (app_hud_label){.label = &ls[k], .pos = {ls[k].x, ls[k].y, z}};
        }
    }
    if (a->map) nl += app_certmap_labels(a->map, &labels[nl], 512 - nl);

    char clock[64];
    app__clock(a, clock, sizeof clock);
    app_hud_frame hf_in = {
        .width = w,
        .height = h,
        .ui_scale = scale,
        .scene_name = a->scene.name,
        .scene_name_en = a->scene.name_en,
        .crs_name = geo_frame_name(a->frame),
        .frame_ms = a->opt.deterministic ? -1
                    : a->frame_samples   ? a->frame_ms[(a->frame_samples - 1) % APP_FRAME_SAMPLES]
                                         : 0,
        .clock_text = clock,
        .camera = &a->cam,
        .layers = (const app_layer *const *)a->layers,
        .layer_count = a->layer_count,
        .labels = labels,
        .label_count = nl,
        .labels_en = a->labels_en,
        .help = a->help,
    };
    hf_in.progress = app__progress(a, &hf_in.status_line);
    app_certmap_ui mui;
    app__overlay_args oargs;
    float reserved[8][4];
    if (a->map) {
        app__map_ui(a, &mui);
        const geo_cert_db *db = app_certmap_db(a->map);
        int sel = app_certmap_selected(a->map);
        if (db && sel >= 0 && app_scene_twin(&a->scene, geo_cert_city_at(db, sel)->name_ko))
            mui.twin_hint = "Enter: 디지털 트윈으로 fly into the twin";
        hf_in.reserved = (const float(*)[4])reserved;
        hf_in.reserved_count = app_certmap_reserved(a->map, &mui, reserved, 8);
        hf_in.overlay = app__map_overlay;
        oargs = (app__overlay_args){a->map, &mui};
        hf_in.overlay_user = &oargs;
    } else if (a->tour.active && a->tour.caption[0]) {
        hf_in.overlay = app__caption_overlay;
        hf_in.overlay_user = a;
    }
    if (a->go.state) {
        double t = (tw_time_mono_s() - a->go.t0) / APP_FADE_S;
        hf_in.fade = a->go.state == 1 ? t : 1 - t;
    }
    /* The cursor: in a window where the mouse is; headless, the view centre. */
    double cx = a->cursor[0], cy = a->cursor[1];
    if (rn_context_headless(a->ctx) || a->opt.deterministic) cx = w * 0.5, cy = h * 0.5;
    double hit[3];
    if (app_camera_pick(&a->cam, w, h, cx, cy, hf, app__exag(a), 0, hit)) {
        /* Over terrain: where it has heights. On the map: anywhere. */
        double z = 0;
        hf_in.cursor_has_z = hf && tw_heightfield_sample(hf, hit[0], hit[1], &z);
        hf_in.cursor_valid = hf_in.cursor_has_z || (!hf && a->map);
        hf_in.cursor_x = hit[0];
        hf_in.cursor_y = hit[1];
        hf_in.cursor_z = z;
        double lx = hit[0], ly = hit[1];
        if (hf_in.cursor_valid && a->lonlat &&
            geo_xform_from_scene(a->lonlat, 1, &lx, &ly, NULL) == 1) {
            hf_in.cursor_lon = lx;
            hf_in.cursor_lat = ly;
        }
    }
    if (a->hud) app_hud_draw(a->hud, &hf_in);
    rn_context_end_frame(a->ctx);
    if (a->first_frame_ms <= 0) a->first_frame_ms = (tw_time_mono_s() - a->t_start) * 1000;
}

static void app__frame_stats(app *a, double now)
{
    if (a->last_frame_t > 0) {
        a->frame_ms[a->frame_samples % APP_FRAME_SAMPLES] = (now - a->last_frame_t) * 1000;
        a->frame_samples++;
    }
    a->last_frame_t = now;
}

static int app__snapshot(app *a)
{
    tw_image img = {0};
    tw_result r = rn_context_take_capture(a->ctx, &img);
    if (r == TW_OK) r = rn_shot_write_png(a->opt.snapshot, &img);
    tw_image_free(&img);
    if (r != TW_OK) {
        TW_ERROR("snapshot", "%s: cannot write the picture (%s)", a->opt.snapshot,
                 tw_result_str(r));
        return 1;
    }
    a->snapshot_written = true;
    TW_INFO("snapshot", "wrote %s", a->opt.snapshot);
    return 0;
}

/* ---- picking (--pick) ---- */

static void app__do_pick(app *a)
{
    app_pick *p = &a->pick;
    memset(p, 0, sizeof *p);
    p->done = true;
    p->kind = "none";
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    double hit[3];
    const tw_heightfield *hf = app__hf(a);
    if (!app_camera_pick(&a->cam, w, h, a->opt.pick_x, a->opt.pick_y, hf, app__exag(a), 0, hit))
        return;
    p->ground = true;
    p->kind = "ground";
    p->x = hit[0], p->y = hit[1], p->z = hit[2] / app__exag(a);
    double lx = hit[0], ly = hit[1];
    if (a->lonlat && geo_xform_from_scene(a->lonlat, 1, &lx, &ly, NULL) == 1)
        p->lon = lx, p->lat = ly;
    if (!a->map) return;
    const char *code;
    int city = app_certmap_pick(a->map, hit[0], hit[1], &code);
    if (code) {
        p->kind = "municipality";
        snprintf(p->code, sizeof p->code, "%s", code);
    }
    const geo_cert_db *db = app_certmap_db(a->map);
    if (city < 0 || !db) return;
    const geo_cert_city *c = geo_cert_city_at(db, city);
    const geo_cert_record *r = geo_cert_city_record(db, city, app_certmap_year(a->map));
    p->kind = "city";
    snprintf(p->name, sizeof p->name, "%s", c->name_ko);
    snprintf(p->name_en, sizeof p->name_en, "%s", c->name_en);
    if (r) {
        p->year = r->year;
        p->grade = r->grade;
        snprintf(p->status, sizeof p->status, "%s",
                 r->status == GEO_CERT_EXTENDED ? "extended" : "certified");
    }
    app_certmap_select(a->map, city);
}

/* ---- scenes: start, stop, switch ---- */

static void app__world_stop(app *a)
{
    /* Workers first: their pending jobs point at the layers. A centring
     * job that finishes now must not start layers. */
    a->framing = false;
    tw_pool_destroy(a->pool);
    a->pool = NULL;
    app_terrain_destroy(a->terrain);
    a->terrain = NULL;
    for (int i = 0; i < a->boundary_count; i++) app_boundaries_destroy(a->boundaries[i]);
    free(a->boundaries);
    a->boundaries = NULL;
    a->boundary_count = 0;
    app_certmap_destroy(a->map);
    a->map = NULL;
    a->layer_count = 0;
    geo_xform_destroy(a->lonlat);
    a->lonlat = NULL;
    geo_frame_destroy(a->frame);
    a->frame = NULL;
    app_scene_free(&a->scene);
}

/* The source whose middle centres a geographic scene's local frame. */
static const app_source *app__center_source(const app *a)
{
    return a->scene.terrain.present      ? &a->scene.terrain.src
           : a->scene.boundary_count > 0 ? &a->scene.boundaries[0].src
           : a->scene.map.present        ? &a->scene.map.municipalities.src
                                         : NULL;
}

/* The scene frame; false (err set) when the scene CRS is unusable. */
static bool app__make_frame(app *a, char *err, size_t n)
{
    char ferr[512];
    geo_frame_desc fd = {.crs = a->scene.crs,
                         .has_center = a->scene.has_center,
                         .center_lon = a->scene.center_lon,
                         .center_lat = a->scene.center_lat};
    if (geo_frame_create(&fd, &a->frame, ferr, sizeof ferr) != TW_OK) {
        snprintf(err, n, "%.700s: scene CRS: %.300s", a->scene_path, ferr);
        return false;
    }
    if (geo_xform_create_lonlat(a->frame, &a->lonlat, ferr, sizeof ferr) != TW_OK)
        TW_WARN("crs", "no lon/lat for the HUD: %s", ferr);
    return true;
}

/* The layers of the scene, once its frame is known. */
static void app__start_layers(app *a)
{
    double now = tw_time_mono_s();
    if (a->scene.terrain.present) {
        a->terrain = app_terrain_create(
            &(app_terrain_desc){.cfg = &a->scene.terrain,
                                .imagery = a->scene.has_imagery ? &a->scene.imagery : NULL,
                                .frame = a->frame,
                                .pool = a->pool},
            now);
    }
    if (a->scene.boundary_count > 0) {
        a->boundaries = calloc((size_t)a->scene.boundary_count, sizeof *a->boundaries);
        for (int i = 0; a->boundaries && i < a->scene.boundary_count; i++)
            a->boundaries[a->boundary_count++] =
                app_boundaries_create(&a->scene.boundaries[i], a->frame, a->pool, now);
    }
    if (a->scene.map.present) a->map = app_certmap_create(&a->scene.map, a->frame, a->pool, now);
    app__collect_layers(a);
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
            a->scene.has_center = true;
            a->scene.center_lon = j->lon;
            a->scene.center_lat = j->lat;
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
        if (app__make_frame(a, err, sizeof err))
            app__start_layers(a);
        else
            TW_ERROR("scene", "%s", err);
    }
    free(j);
}

/* Loads a scene and starts its layers. On failure err names the file and
 * nothing of the scene is left. */
static bool app__world_start(app *a, const char *path, const char *bookmark, char *err, size_t n)
{
    char serr[1024];
    if (app_scene_load(path, &a->scene, serr, sizeof serr) != TW_OK) {
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
    a->exaggeration = a->scene.terrain.present ? a->scene.terrain.exaggeration : 1.0;
    a->hillshade = a->scene.terrain.hillshade;
    app_camera_default(&a->cam);
    if (a->scene.map.present) a->cam.tilt = 0;
    geo_gdal_init(&(geo_gdal_desc){.http_timeout_s = a->scene.http_timeout_s});
    if (!app__make_frame(a, err, n)) {
        app_scene_free(&a->scene);
        return false;
    }
    /* CITYTWIN_WORKERS caps the worker threads (shared machines, tests). */
    const char *workers = getenv("CITYTWIN_WORKERS");
    a->pool = tw_pool_create(workers ? atoi(workers) : 0);
    if (!a->pool) {
        snprintf(err, n, "cannot start worker threads");
        app__world_stop(a);
        return false;
    }
    const app_source *src = app__center_source(a);
    app__center_job *cj = NULL;
    if (geo_frame_is_local(a->frame) && !a->scene.has_center && src &&
        (cj = calloc(1, sizeof *cj)) != NULL) {
        cj->a = a;
        snprintf(cj->path, sizeof cj->path, "%s", src->path);
        snprintf(cj->source_crs, sizeof cj->source_crs, "%s",
                 src->source_crs ? src->source_crs : "");
        a->framing = true;
        tw_pool_submit(a->pool, &(tw_job_desc){.job = cj,
                                               .run = app__center_run,
                                               .done = app__center_done,
                                               .priority = 1000});
    } else {
        app__start_layers(a);
    }
    a->opt.bookmark = NULL;
    a->fly_bookmark[0] = 0;
    if (bookmark && bookmark[0]) {
        if (app_scene_bookmark(&a->scene, bookmark))
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
    a->go.t0 = tw_time_mono_s();
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
    app__world_stop(a);
    if (!app__world_start(a, a->go.path, a->go.bookmark, err, sizeof err)) {
        TW_ERROR("app", "%s; staying in %s", err, prev);
        if (!app__world_start(a, prev, NULL, err, sizeof err)) {
            TW_ERROR("app", "%s", err);
            rn_context_request_close(a->ctx);
        }
    }
    /* Back on the map: look at the city we came from. */
    if (a->map && to_map_city) snprintf(a->select_city, sizeof a->select_city, "%s", a->go.city);
    a->go.state = 2;
    a->go.t0 = tw_time_mono_s();
}

bool app_fly_to_bookmark_name(app *a, const char *name)
{
    for (int i = 0; i < a->scene.bookmark_count; i++)
        if (strcmp(a->scene.bookmarks[i].name, name) == 0) {
            app__fly_to_bookmark(a, i);
            return true;
        }
    return false;
}

bool app_map_show_city(app *a, const char *name_ko)
{
    if (!a->map) return false;
    int city = app_certmap_city_by_name(a->map, name_ko);
    double c[2], r;
    if (city < 0 || !app_certmap_city_area(a->map, city, c, &r)) return false;
    app_certmap_select(a->map, city);
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    app_camera to = a->cam;
    double span = fmax(r * 2.5, 30000);
    double ext[4] = {c[0] - span, c[1] - span, c[0] + span, c[1] + span};
    app_camera_frame_tilt(&to, ext, 0, w, h, 30, 1.0);
    app_flight_start(&a->flight, &a->cam, &to, tw_time_mono_s());
    a->user_moved = true;
    return true;
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

/* One pass of the loop. Returns false when the run is over. */
static bool app__step(app *a)
{
    double now = tw_time_mono_s();
    bool headless = rn_context_headless(a->ctx);
    rn_event evs[256];
    int n = rn_context_poll(a->ctx, evs, 256);
    rn_context_cursor(a->ctx, &a->cursor[0], &a->cursor[1]);
    if (!a->opt.deterministic) app__handle_input(a, evs, n);
    tw_pool_drain(a->pool, headless ? 0.05 : APP_DRAIN_BUDGET_S);
    app__go_step(a, now);

    if (a->phase == APP_PHASE_LOADING) {
        app__place_camera(a);
        bool cap = now - a->world_t0 > a->opt.load_cap_s;
        if (app__all_loaded(a) || cap) {
            if (cap)
                TW_WARN("app", "layers still loading after %.0f s; going on", a->opt.load_cap_s);
            app__place_camera(a);
            if (a->t_loaded <= 0) a->t_loaded = now;
            a->phase = APP_PHASE_SETTLING;
            app__after_load(a);
        }
    }
    if (a->flight.active) app_flight_step(&a->flight, now, &a->cam);
    const tw_heightfield *hf = app__hf(a);
    app_camera_clamp(&a->cam, hf, app__exag(a), 2.0);

    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    if (a->terrain) app_terrain_update(a->terrain, &a->cam, w, h, app__exag(a), a->frame_no);
    bool complete =
        (!a->terrain || app_terrain_stats_get(a->terrain)->complete) && !a->flight.active;
    if (a->phase == APP_PHASE_SETTLING &&
        (complete || now - a->world_t0 > a->opt.load_cap_s + 30)) {
        if (a->t_complete <= 0) {
            a->t_complete = now;
            a->read_at_complete = app_read_bytes();
        }
        a->phase = APP_PHASE_RUNNING;
        a->t_running = now;
    }
    bool tour_more = a->tour.active ? app_tour_step(a, now) : true;

    bool ready = a->phase == APP_PHASE_RUNNING && now - a->t_running >= a->opt.wait_s;
    bool want_snapshot = a->opt.snapshot && !a->tour.active && ready && a->go.state == 0;
    if (a->tour.active && !tour_more) want_snapshot = a->opt.snapshot != NULL;
    if (want_snapshot) rn_context_capture_next(a->ctx);
    if (ready && a->opt.pick && !a->pick.done) app__do_pick(a);
    /* Headless runs draw only once there is something to show, so that the
     * workers get the CPU while loading. */
    if (!headless || a->phase == APP_PHASE_RUNNING) {
        app__draw(a);
        app__frame_stats(a, tw_time_mono_s());
    } else {
        tw_pool_wait(a->pool, 0.02);
    }
    a->frame_no++;
    if (want_snapshot) {
        a->exit_code = app__snapshot(a);
        return false;
    }
    if (a->tour.active) return tour_more && !rn_context_should_close(a->ctx);
    if (headless && !a->opt.snapshot && ready && a->go.state == 0) return false;
    return !rn_context_should_close(a->ctx);
}

/* The window or the headless context, shaders, HUD. */
static int app__shell_start(app *a, char *err, size_t n)
{
    a->t_start = tw_time_mono_s();
    const char *title = a->opt.map ? "citytwin: smart city certification map" : "citytwin";
    rn_context_desc cd = {.width = a->opt.width,
                          .height = a->opt.height,
                          .headless = a->opt.headless,
                          .fullscreen = a->opt.fullscreen || (a->opt.tour && !a->opt.headless),
                          .monitor = a->opt.monitor,
                          .samples = a->opt.samples,
                          .title = title};
    char cerr[512];
    if (rn_context_create(&cd, &a->ctx, cerr, sizeof cerr) != TW_OK) {
        snprintf(err, n, "%s", cerr);
        return 3;
    }
    TW_INFO("render", "%s", rn_context_renderer(a->ctx));
    char shader_dir[PATH_MAX + 16];
    snprintf(shader_dir, sizeof shader_dir, "%s/shaders", a->data_dir);
    rn_shader_set_dir(shader_dir);
    char rerr[1024];
    if (rn_mesh_setup(0) != TW_OK || rn_texture_setup(0) != TW_OK ||
        rn_terrain_setup(rerr, sizeof rerr) != TW_OK ||
        rn_lines_setup(rerr, sizeof rerr) != TW_OK || rn_fill_setup(rerr, sizeof rerr) != TW_OK ||
        rn_ui_setup(&(rn_ui_desc){0}, rerr, sizeof rerr) != TW_OK) {
        snprintf(err, n, "%s", rerr);
        return 3;
    }
    a->hud = app_hud_create();
    return 0;
}

static void app__shell_stop(app *a)
{
    app_hud_destroy(a->hud);
    if (a->ctx) {
        rn_ui_shutdown();
        rn_fill_shutdown();
        rn_lines_shutdown();
        rn_terrain_shutdown();
        rn_texture_shutdown();
        rn_mesh_shutdown();
        rn_context_destroy(a->ctx);
    }
    geo_gdal_shutdown();
}

int app_run(int argc, char **argv)
{
    app *a = calloc(1, sizeof *a);
    if (!a) return 1;
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
    if (!app_paths_data_dir(a->data_dir, sizeof a->data_dir)) {
        fprintf(stderr, "citytwin: error: cannot find the shaders/ and assets/ folders "
                        "(set CITYTWIN_DATA)\n");
        free(a);
        return 2;
    }
    if (a->opt.scene)
        snprintf(a->home_path, sizeof a->home_path, "%s", a->opt.scene);
    else
        snprintf(a->home_path, sizeof a->home_path, "%s/assets/scenes/seoul.json", a->data_dir);
    snprintf(a->map_path, sizeof a->map_path, "%s/assets/scenes/korea.json", a->data_dir);
    /* --map shows the scene given when it is a map, else the national map. */
    const char *first = a->home_path;
    if (a->opt.map) {
        app_scene probe;
        char perr[512];
        bool is_map =
            app_scene_load(a->home_path, &probe, perr, sizeof perr) == TW_OK && probe.map.present;
        if (is_map) snprintf(a->map_path, sizeof a->map_path, "%s", a->home_path);
        app_scene_free(&probe);
        first = a->map_path;
        snprintf(a->return_path, sizeof a->return_path, "%s", is_map ? "" : a->home_path);
    }
    int rc = 0;
    if (a->opt.tour) {
        if (!app_tour_start(a, a->home_path, err, sizeof err)) {
            fprintf(stderr, "citytwin: error: [tour] %s\n", err);
            free(a);
            return 2;
        }
        first = a->tour.scene.tour[0].kind == APP_STOP_BOOKMARK ? a->home_path : a->map_path;
    }
    /* A bad scene file fails before any window opens. */
    app_scene check;
    char serr[1024];
    if (app_scene_load(first, &check, serr, sizeof serr) != TW_OK) {
        fprintf(stderr, "citytwin: error: [scene] %s: %s\n", first, serr);
        app_tour_free(a);
        free(a);
        return 2;
    }
    app_scene_free(&check);
    rc = app__shell_start(a, err, sizeof err);
    const char *bookmark = a->opt.bookmark;
    a->read_at_start = app_read_bytes();
    if (rc == 0 && !app__world_start(a, first, NULL, err, sizeof err)) rc = 2;
    if (rc != 0) {
        fprintf(stderr, "citytwin: error: %s%s\n", rc == 3 ? "[render] " : "", err);
        app__world_stop(a);
        app__shell_stop(a);
        app_tour_free(a);
        free(a);
        return rc;
    }
    a->opt.bookmark = bookmark;
    if (a->opt.bookmark && !app_scene_bookmark(&a->scene, a->opt.bookmark)) {
        TW_WARN("scene", "%s: no bookmark named '%s'; framing the data instead", a->scene_path,
                a->opt.bookmark);
        a->opt.bookmark = NULL;
    }
    rn_context_cursor(a->ctx, &a->last_cursor[0], &a->last_cursor[1]);
    if (a->tour.active && !rn_context_headless(a->ctx)) rn_context_set_cursor_hidden(a->ctx, true);
    while (app__step(a)) {
    }
    rc = a->exit_code;
    if (a->opt.report && app_report_write(a, a->opt.report) != 0) rc = 1;
    app__world_stop(a);
    app__shell_stop(a);
    app_tour_free(a);
    free(a);
    tw_log_shutdown();
    return rc;
}
