/* Input: keys and the mouse move the camera the way Google Earth and Cesium
 * do; layers get first say over keys, clicks and hover (the map's year
 * keys, its cards), then the layer panel, then the app's own keys. */
#include "app_internal.h"

#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <string.h>

/* Offers a key to the layers, topmost first. */
static bool app__layers_key(app *a, int key)
{
    app_ui_ctx ui;
    app_ui_ctx_get(a, &ui);
    for (int i = a->layer_count - 1; i >= 0; i--) {
        app_layer *l = a->layers[i];
        if (l->self && l->visible && l->kind->key && l->kind->key(l->self, key, &ui)) return true;
    }
    return false;
}

static void app__handle_key(app *a, const rn_event *ev)
{
    if (ev->action == RN_RELEASE) return;
    double step = a->cam.distance * 0.08;
    double f[3], r[3], u[3];
    app_camera_basis(&a->cam, f, r, u);
    double fwd[2] = {sin(a->cam.heading * M_PI / 180), cos(a->cam.heading * M_PI / 180)};
    if (app__layers_key(a, ev->key)) return;
    a->flight.active = false;
    switch (ev->key) {
    case RN_KEY_ESCAPE:
        if (a->panel) {
            a->panel = false;
            return;
        }
        rn_context_request_close(a->ctx);
        return;
    case 'M':
        app_toggle_map(a);
        return;
    case 'P':
        a->panel = !a->panel;
        return;
    case RN_KEY_F11:
        rn_context_set_fullscreen(a->ctx, !rn_context_fullscreen(a->ctx), a->opt.monitor);
        return;
    case RN_KEY_HOME:
    case '0':
        app_reset_view(a, true);
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
    case 'I':
        a->split = !a->split;
        return;
    /* The analysis time: [ ] an hour, , . a day, T plays the day. */
    case '[':
    case ']':
        app_world_step_time(&a->world, ev->key == ']' ? 3600 : -3600);
        return;
    case ',':
    case '.':
        app_world_step_time(&a->world, ev->key == '.' ? 86400 : -86400);
        return;
    case 'T':
        a->sun_play = !a->sun_play;
        a->sun_play_t = a->now;
        a->world.time_set = true;
        return;
    case 'X': {
        static const double steps[] = {1, 1.5, 2, 3, 5};
        int k = 0;
        for (int i = 0; i < 5; i++)
            if (fabs(a->world.exaggeration - steps[i]) < 1e-6) k = i;
        double old = app_exag(a);
        a->world.exaggeration = steps[(k + 1) % 5];
        a->cam.target[2] *= a->world.exaggeration / old;
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
        if (ev->key >= '1' && ev->key <= '9') app_fly_to_bookmark(a, ev->key - '1');
        return;
    }
    a->user_moved = true;
}

void app_hover_at(app *a, double px, double py)
{
    if (a->panning || a->orbiting) return;
    app_ui_ctx ui;
    app_ui_ctx_get(a, &ui);
    app_pick_query q;
    bool queried = false;
    for (int i = 0; i < a->layer_count; i++) {
        app_layer *l = a->layers[i];
        if (!l->self || !l->visible || !l->kind->hover) continue;
        if (!queried) app_pick_query_at(a, &ui, px, py, &q), queried = true;
        l->kind->hover(l->self, &q);
    }
}

/* A click (press and release without a drag): the layer panel, then the
 * layers, topmost first. */
static void app__click(app *a, double px, double py)
{
    app_ui_ctx ui;
    app_ui_ctx_get(a, &ui);
    if (app_panel_click(a, &ui, px, py)) return;
    app_pick_query q;
    app_pick_query_at(a, &ui, px, py, &q);
    for (int i = a->layer_count - 1; i >= 0; i--) {
        app_layer *l = a->layers[i];
        if (l->self && l->visible && l->kind->click && l->kind->click(l->self, &q)) return;
    }
}

/* The layer (topmost first) that takes a left drag at a press; NULL: none. */
static const app_layer *app__drag_start(app *a, double px, double py)
{
    app_ui_ctx ui;
    app_ui_ctx_get(a, &ui);
    app_pick_query q;
    app_pick_query_at(a, &ui, px, py, &q);
    for (int i = a->layer_count - 1; i >= 0; i--) {
        app_layer *l = a->layers[i];
        if (l->self && l->visible && l->kind->drag && l->kind->drag(l->self, &q, APP_DRAG_START))
            return l;
    }
    return NULL;
}

/* A drag's move or end for the layer that took it, while it still exists. */
static void app__drag(app *a, double px, double py, int phase)
{
    for (int i = 0; i < a->layer_count; i++) {
        app_layer *l = a->layers[i];
        if (l != a->dragging || !l->self) continue;
        app_ui_ctx ui;
        app_ui_ctx_get(a, &ui);
        app_pick_query q;
        app_pick_query_at(a, &ui, px, py, &q);
        l->kind->drag(l->self, &q, phase);
    }
    if (phase == APP_DRAG_END) a->dragging = NULL;
}

void app_handle_input(app *a, const rn_event *evs, int n)
{
    int w, h;
    rn_context_size(a->ctx, &w, &h, NULL);
    const tw_heightfield *hf = app_ground_hf(a);
    double exag = app_exag(a);
    for (int i = 0; i < n; i++) {
        const rn_event *ev = &evs[i];
        /* A real touch pauses the tour: not a resize, nor a pointer event
         * that did not move (windows send one when they open). */
        bool touched = ev->type != RN_EV_RESIZE &&
                       (ev->type != RN_EV_MOVE ||
                        hypot(ev->x - a->last_cursor[0], ev->y - a->last_cursor[1]) > 2);
        if (touched && a->tour.active) app_tour_input(a, a->now);
        switch (ev->type) {
        case RN_EV_KEY:
            app__handle_key(a, ev);
            break;
        case RN_EV_BUTTON: {
            bool press = ev->action == RN_PRESS;
            bool orbit = ev->button == RN_BUTTON_RIGHT || ev->button == RN_BUTTON_MIDDLE ||
                         (ev->button == RN_BUTTON_LEFT && (ev->mods & RN_MOD_CONTROL));
            if (!press && a->split_drag) {
                a->split_drag = false;
                a->press_valid = false;
                break;
            }
            /* The split view's divider: a left press near it drags it. */
            if (press && ev->button == RN_BUTTON_LEFT && a->split &&
                fabs(ev->x - app_split_x(a, w)) < 8) {
                a->split_drag = true;
                a->press_valid = false;
                break;
            }
            if (!press && a->slider_drag) {
                a->slider_drag = false;
                a->press_valid = false;
                break;
            }
            if (press && ev->button == RN_BUTTON_LEFT) {
                app_ui_ctx ui;
                app_ui_ctx_get(a, &ui);
                if (app_timeslider_press(a, &ui, ev->x, ev->y)) {
                    a->press_valid = false;
                    break;
                }
            }
            if (!press && a->dragging) {
                app__drag(a, ev->x, ev->y, APP_DRAG_END);
                a->press_valid = false;
                break;
            }
            if (!press) {
                a->panning = a->orbiting = false;
                if (a->press_valid && ev->button == RN_BUTTON_LEFT &&
                    hypot(ev->x - a->press_at[0], ev->y - a->press_at[1]) < 5)
                    app__click(a, ev->x, ev->y);
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
            } else if (ev->button == RN_BUTTON_LEFT &&
                       (a->dragging = app__drag_start(a, ev->x, ev->y)) != NULL) {
                a->press_valid = false; /* a drag, never a click */
            } else if (ev->button == RN_BUTTON_LEFT) {
                a->panning = true;
                memcpy(a->grab, hit, sizeof hit);
            }
            a->last_cursor[0] = ev->x;
            a->last_cursor[1] = ev->y;
            break;
        }
        case RN_EV_MOVE:
            if (a->split_drag) a->split_at = fmin(fmax(ev->x / fmax(w, 1), 0.05), 0.95);
            if (a->slider_drag) {
                app_ui_ctx ui;
                app_ui_ctx_get(a, &ui);
                app_timeslider_move(a, &ui, ev->x);
            } else if (!a->split_drag)
                app_hover_at(a, ev->x, ev->y);
            if (a->slider_drag || a->split_drag) {
            } else if (a->dragging) {
                app__drag(a, ev->x, ev->y, APP_DRAG_MOVE);
            } else if (a->panning) {
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
