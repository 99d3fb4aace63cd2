/* The layer panel (P): every layer of the scene with its status, feature
 * count and data age, a visibility box and opacity buttons. Clicks on it
 * toggle and fade layers; the frame loop hides a layer by not calling it. */
#include "app_internal.h"

#include "rn_ui.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const rn_rgba PANEL_BG = {16, 24, 36, 215};
static const rn_rgba PANEL_TEXT = {255, 255, 255, 255};
static const rn_rgba PANEL_DIM = {200, 210, 222, 255};
static const rn_rgba PANEL_OK = {120, 220, 140, 255};
static const rn_rgba PANEL_ERR = {255, 120, 110, 255};
static const rn_rgba PANEL_WAIT = {250, 200, 90, 255};

typedef struct app__panel_layout {
    float x, y, w, row, s;
} app__panel_layout;

static void app__layout(const app *a, const app_ui_ctx *ui, app__panel_layout *p)
{
    float s = ui->scale;
    p->s = s;
    p->w = fminf(380 * s, ui->width - 20 * s);
    p->x = ui->width - p->w - 10 * s;
    p->y = 60 * s;
    p->row = 38 * s;
    (void)a;
}

bool app_panel_rect(const app *a, const app_ui_ctx *ui, float out[4])
{
    if (!a->panel) return false;
    app__panel_layout p;
    app__layout(a, ui, &p);
    out[0] = p.x, out[1] = p.y, out[2] = p.x + p.w;
    out[3] = p.y + 30 * p.s + p.row * (float)a->layer_count;
    return true;
}

/* The worst status of a layer's entries. */
static app_layer_status app__status(const app_layer *l)
{
    app_layer_status worst = APP_LAYER_OK;
    for (int i = 0; i < l->info_count; i++) {
        app_layer_status s = l->info[i]->status;
        if (s == APP_LAYER_ERROR) return s;
        if (s == APP_LAYER_LOADING || (s == APP_LAYER_STALE && worst == APP_LAYER_OK)) worst = s;
    }
    return worst;
}

void app_panel_draw(const app *a, const app_ui_ctx *ui)
{
    if (!a->panel) return;
    app__panel_layout p;
    app__layout(a, ui, &p);
    float s = p.s, r[4];
    app_panel_rect(a, ui, r);
    rn_ui_rect(r[0], r[1], r[2] - r[0], r[3] - r[1], PANEL_BG);
    rn_ui_text(p.x + 10 * s, p.y + 20 * s, 14 * s, PANEL_TEXT, "레이어 Layers");
    double wall = app_world_clock(&a->world);
    for (int i = 0; i < a->layer_count; i++) {
        const app_layer *l = a->layers[i];
        float y = p.y + 30 * s + p.row * (float)i;
        app_layer_status st = app__status(l);
        /* visibility box */
        rn_ui_rect(p.x + 10 * s, y + 6 * s, 14 * s, 14 * s, PANEL_DIM);
        if (!l->visible) rn_ui_rect(p.x + 12 * s, y + 8 * s, 10 * s, 10 * s, PANEL_BG);
        char line[320];
        snprintf(line, sizeof line, "%s", l->name);
        rn_ui_text(p.x + 32 * s, y + 18 * s, 13 * s, l->visible ? PANEL_TEXT : PANEL_DIM, line);
        long features = 0;
        double newest = 0;
        for (int k = 0; k < l->info_count; k++) {
            features += l->info[k]->features;
            newest = fmax(newest, l->info[k]->data_time);
        }
        char age[64] = "";
        if (newest > 0) snprintf(age, sizeof age, "  · %.0f s old", fmax(wall - newest, 0));
        snprintf(line, sizeof line, "%s · %s · %ld features%s", l->kind ? l->kind->name : "?",
                 app_layer_status_str(st), features, age);
        rn_ui_text(p.x + 32 * s, y + 33 * s, 11 * s,
                   st == APP_LAYER_OK        ? PANEL_OK
                   : st == APP_LAYER_LOADING ? PANEL_WAIT
                                             : PANEL_ERR,
                   line);
        /* opacity: - 100% + */
        float ox = p.x + p.w - 96 * s;
        rn_ui_text(ox, y + 18 * s, 14 * s, PANEL_TEXT, "−");
        snprintf(line, sizeof line, "%3.0f%%", l->opacity * 100);
        rn_ui_text(ox + 22 * s, y + 18 * s, 12 * s, PANEL_DIM, line);
        rn_ui_text(ox + 70 * s, y + 18 * s, 14 * s, PANEL_TEXT, "+");
    }
}

bool app_panel_click(app *a, const app_ui_ctx *ui, double x, double y)
{
    float r[4];
    if (!app_panel_rect(a, ui, r)) return false;
    if (x < r[0] || x > r[2] || y < r[1] || y > r[3]) return false;
    app__panel_layout p;
    app__layout(a, ui, &p);
    int i = (int)floor((y - p.y - 30 * p.s) / p.row);
    if (i < 0 || i >= a->layer_count) return true;
    app_layer *l = a->layers[i];
    float ox = p.x + p.w - 96 * p.s;
    if (x >= ox - 6 * p.s && x < ox + 16 * p.s)
        l->opacity = fmaxf(l->opacity - 0.25f, 0.0f);
    else if (x >= ox + 64 * p.s)
        l->opacity = fminf(l->opacity + 0.25f, 1.0f);
    else
        l->visible = !l->visible;
    return true;
}
