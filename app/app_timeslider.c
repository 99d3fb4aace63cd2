/* The time slider: a strip at the top of the view, shown once the scene
 * has an analysis time, with the local date (a day back and forward), play
 * / pause of the day, the local time and a track of the 24 hours (night
 * darker, sunrise to sunset lighter) whose thumb the mouse drags. It moves
 * the world's analysis time (app_world_step_time), like the [ ] , . T keys. */
#include "app_internal.h"

#include "rn_ui.h"
#include "tw_sun.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const rn_rgba TS_BG = {16, 24, 36, 215};
static const rn_rgba TS_TEXT = {255, 255, 255, 255};
static const rn_rgba TS_DIM = {200, 210, 222, 255};
static const rn_rgba TS_NIGHT = {40, 56, 90, 255};
static const rn_rgba TS_DAY = {245, 215, 120, 255};
static const rn_rgba TS_THUMB = {90, 200, 250, 255};

/* Dragging snaps to this many seconds. */
#define APP_TS_SNAP_S 300.0

typedef struct app__ts {
    float s;
    float box[4];                   /* the whole strip */
    float back[4], fwd[4], play[4]; /* buttons */
    float date_x, time_x, text_y;   /* texts */
    float tx0, tx1, ty;             /* the track: left, right, its middle */
    bool compact;                   /* the track on a second row */
} app__ts;

static bool app__shown(const app *a)
{
    return a->scene && a->world.time_set && !a->top_down &&
           (!rn_context_headless(a->ctx) || a->opt.time_slider);
}

static void app__layout(const app_ui_ctx *ui, app__ts *t)
{
    float s = ui->scale;
    t->s = s;
    /* Between the title block (left) and the clock and north arrow (right);
     * where that is narrow, the track goes on a second row; narrower still,
     * the strip spans the view under the title block. */
    float left = 310 * s, right = ui->width - 90 * s, y0 = 52 * s;
    if (right - left < 250 * s) left = 10 * s, y0 = 100 * s;
    float w = fminf(640 * s, right - left);
    t->compact = w < 440 * s;
    float x0 = left + (right - left - w) * 0.5f;
    float h = t->compact ? 62 * s : 44 * s;
    t->box[0] = x0, t->box[1] = y0, t->box[2] = x0 + w, t->box[3] = y0 + h;
    float b = 18 * s, cy = y0 + 17 * s;
    t->back[0] = x0 + 6 * s, t->back[1] = cy - b * 0.5f;
    t->back[2] = t->back[0] + b, t->back[3] = cy + b * 0.5f;
    t->date_x = t->back[2] + 4 * s;
    t->fwd[0] = t->date_x + (t->compact ? 76 : 104) * s, t->fwd[1] = t->back[1];
    t->fwd[2] = t->fwd[0] + b, t->fwd[3] = t->back[3];
    t->play[0] = t->fwd[2] + 14 * s, t->play[1] = t->back[1];
    t->play[2] = t->play[0] + b, t->play[3] = t->back[3];
    t->time_x = t->play[2] + 10 * s;
    t->text_y = cy + 5 * s;
    t->tx0 = t->compact ? x0 + 14 * s : t->time_x + 78 * s;
    t->tx1 = t->box[2] - 12 * s;
    t->ty = t->compact ? y0 + 38 * s : cy;
}

static bool app__in(const float r[4], double x, double y)
{
    return x >= r[0] && x <= r[2] && y >= r[1] && y <= r[3];
}

/* Local seconds since local midnight, and that midnight as UTC seconds. */
static double app__time_of_day(const app *a, double *midnight_utc)
{
    double off = a->world.utc_offset_h * 3600.0, local = a->world.time_s + off;
    double day = floor(local / 86400.0) * 86400.0;
    if (midnight_utc) *midnight_utc = day - off;
    return local - day;
}

bool app_timeslider_rect(const app *a, const app_ui_ctx *ui, float out[4])
{
    if (!app__shown(a)) return false;
    app__ts t;
    app__layout(ui, &t);
    memcpy(out, t.box, sizeof t.box);
    return true;
}

void app_timeslider_draw(const app *a, const app_ui_ctx *ui)
{
    if (!app__shown(a)) return;
    app__ts t;
    app__layout(ui, &t);
    float s = t.s;
    rn_ui_rect(t.box[0], t.box[1], t.box[2] - t.box[0], t.box[3] - t.box[1], TS_BG);
    /* The date, a day back and forward: two triangles. */
    float bc = (t.back[1] + t.back[3]) * 0.5f, r = 5 * s;
    float bx = (t.back[0] + t.back[2]) * 0.5f, fx = (t.fwd[0] + t.fwd[2]) * 0.5f;
    rn_ui_triangle(bx - r, bc, bx + r * 0.8f, bc - r, bx + r * 0.8f, bc + r, TS_DIM);
    rn_ui_triangle(fx + r, bc, fx - r * 0.8f, bc - r, fx - r * 0.8f, bc + r, TS_DIM);
    char iso[48], line[96];
    tw_sun_format(a->world.time_s, a->world.utc_offset_h, iso, sizeof iso);
    double day0;
    double tod = app__time_of_day(a, &day0);
    static const char *const wd[] = {"일", "월", "화", "수", "목", "금", "토"};
    long days = lround((day0 + a->world.utc_offset_h * 3600.0) / 86400.0);
    int k = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    if (t.compact)
        snprintf(line, sizeof line, "%.10s", iso);
    else
        snprintf(line, sizeof line, "%.10s (%s)", iso, wd[k]);
    rn_ui_text(t.date_x, t.text_y, 13 * s, TS_TEXT, line);
    /* Play (a triangle) or pause (two bars). */
    float px = t.play[0] + 4 * s, py0 = t.play[1] + 2 * s, py1 = t.play[3] - 2 * s;
    if (a->sun_play) {
        rn_ui_rect(px, py0, 4 * s, py1 - py0, TS_THUMB);
        rn_ui_rect(px + 7 * s, py0, 4 * s, py1 - py0, TS_THUMB);
    } else
        rn_ui_triangle(px, py0, px, py1, px + 12 * s, (py0 + py1) * 0.5f, TS_THUMB);
    snprintf(line, sizeof line, "%02d:%02d %s", (int)(tod / 3600), (int)fmod(tod / 60, 60),
             a->scene->tz_label ? a->scene->tz_label : "");
    rn_ui_text(t.time_x, t.text_y, 13 * s, TS_TEXT, line);
    /* The track: night, then the day between sunrise and sunset. */
    float len = t.tx1 - t.tx0, th = 6 * s;
    if (len < 20 * s) return;
    rn_ui_rect(t.tx0, t.ty - th * 0.5f, len, th, TS_NIGHT);
    int y, mo, d;
    double lon = 127.0, lat = 37.5, rise, set;
    if (sscanf(iso, "%d-%d-%d", &y, &mo, &d) == 3) {
        if (a->world.lonlat)
            a->world.lonlat(a->world.app, a->cam.target[0], a->cam.target[1], &lon, &lat);
        if (tw_sun_rise_set(y, mo, d, a->world.utc_offset_h, lat, lon, &rise, &set) && set > rise)
            rn_ui_rect(t.tx0 + len * (float)(rise / 24), t.ty - th * 0.5f,
                       len * (float)((set - rise) / 24), th, TS_DAY);
    }
    for (int h = 0; h <= 24; h += 3) {
        float x = t.tx0 + len * h / 24.0f;
        rn_ui_rect(x - 0.5f * s, t.ty + th * 0.5f, 1 * s, (h % 6 ? 3 : 5) * s, TS_DIM);
        if (h % 6) continue;
        char lab[8];
        float w, hh;
        snprintf(lab, sizeof lab, "%d", h);
        rn_ui_text_size(10 * s, lab, &w, &hh);
        rn_ui_text(x - w * 0.5f, t.box[3] - 4 * s, 10 * s, TS_DIM, lab);
    }
    float x = t.tx0 + len * (float)(tod / 86400.0);
    rn_ui_rect(x - 3 * s, t.ty - 9 * s, 6 * s, 18 * s, TS_THUMB);
}

/* The thumb to pixel x: the time of day there, the date kept. */
void app_timeslider_move(app *a, const app_ui_ctx *ui, double x)
{
    if (!app__shown(a)) return;
    app__ts t;
    app__layout(ui, &t);
    double f = (x - t.tx0) / fmax(t.tx1 - t.tx0, 1.0);
    f = fmin(fmax(f, 0.0), 1.0);
    double day0, tod = app__time_of_day(a, &day0);
    double want = fmin(round(f * 86400.0 / APP_TS_SNAP_S) * APP_TS_SNAP_S, 86400.0 - 60);
    if (want != tod) app_world_step_time(&a->world, want - tod);
}

bool app_timeslider_press(app *a, const app_ui_ctx *ui, double x, double y)
{
    if (!app__shown(a)) return false;
    app__ts t;
    app__layout(ui, &t);
    if (!app__in(t.box, x, y)) return false;
    if (app__in(t.back, x, y) || app__in(t.fwd, x, y)) {
        app_world_step_time(&a->world, app__in(t.fwd, x, y) ? 86400 : -86400);
    } else if (app__in(t.play, x, y)) {
        a->sun_play = !a->sun_play;
        a->sun_play_t = a->now;
    } else if (x >= t.tx0 - 8 * t.s && x <= t.tx1 + 8 * t.s) {
        a->sun_play = false;
        a->slider_drag = true;
        app_timeslider_move(a, ui, x);
    }
    return true; /* the strip takes every press on it */
}
