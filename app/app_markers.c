/* Marker drawing shared by the points and live layers (see app_markers.h). */
#define _GNU_SOURCE /* qsort_r: a comparison with a user pointer */
#include "app_markers.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>

static double app__exag(const app_world *w)
{
    return w->exaggeration > 0 ? w->exaggeration : 1;
}

void app_markers_ground(const app_world *w, double x, double y, double g[3])
{
    double z = 0;
    app_world_ground(w, x, y, &z);
    g[0] = x, g[1] = y, g[2] = z * app__exag(w);
}

/* False when the terrain hides the ground point from the eye: the sight
 * line is sampled against the ground heights. */
static bool app__seen(const app_ground *gr, double exag, const double eye[3], const double g[3])
{
    if (!gr) return true;
    for (int k = 1; k < 24; k++) {
        double t = k / 24.0, x = eye[0] + (g[0] - eye[0]) * t, y = eye[1] + (g[1] - eye[1]) * t;
        double line = eye[2] + (g[2] - eye[2]) * t, z = 0;
        if (app_ground_sample(gr, x, y, &z) && z * exag > line + 2.0) return false;
    }
    return true;
}

bool app_markers_head_at(const app_ground *gr, double exag, const app_ui_ctx *ui, double x,
                         double y, double gz, const double eye[3], float *hx, float *hy, float *gy,
                         float *scale)
{
    double g[3] = {x, y, 0}, sx, sy, z = 0;
    if (isfinite(gz))
        z = gz;
    else if (gr)
        app_ground_sample(gr, x, y, &z);
    g[2] = z * exag;
    if (!app_camera_project(ui->cam, ui->width, ui->height, g, &sx, &sy)) return false;
    if (sx < -20 || sy < -40 || sx > ui->width + 20 || sy > ui->height + 20) return false;
    if (!app__seen(gr, exag, eye, g)) return false;
    double d = sqrt((g[0] - eye[0]) * (g[0] - eye[0]) + (g[1] - eye[1]) * (g[1] - eye[1]) +
                    (g[2] - eye[2]) * (g[2] - eye[2]));
    /* Full size within a few kilometres, dots across a whole city. */
    *scale = (float)fmin(fmax(4000.0 / fmax(d, 1), 0.35), 1.0);
    *hx = (float)sx, *gy = (float)sy;
    *hy = (float)sy - 12 * ui->scale * *scale;
    return true;
}

bool app_markers_head(const app_world *w, const app_ui_ctx *ui, double x, double y,
                      const double eye[3], float *hx, float *hy, float *gy, float *scale)
{
    return app_markers_head_at(w->ground, app__exag(w), ui, x, y, NAN, eye, hx, hy, gy, scale);
}

rn_rgba app_markers_ramp(double t)
{
    static const uint8_t stops[5][3] = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    t = fmin(fmax(isfinite(t) ? t : 0, 0), 1) * 4;
    int i = (int)fmin(floor(t), 3);
    double f = t - i;
    rn_rgba c = {0, 0, 0, 255};
    uint8_t *o = &c.r;
    for (int k = 0; k < 3; k++) o[k] = (uint8_t)(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * f);
    return c;
}

static void app__disc(float x, float y, float r, rn_rgba c)
{
    const int n = 12;
    for (int i = 0; i < n; i++) {
        float a0 = (float)(2 * M_PI * i / n), a1 = (float)(2 * M_PI * (i + 1) / n);
        rn_ui_triangle(x, y, x + r * cosf(a0), y + r * sinf(a0), x + r * cosf(a1), y + r * sinf(a1),
                       c);
    }
}

void app_markers_draw(const app_ui_ctx *ui, float hx, float hy, float gy, float k, float size_px,
                      rn_rgba fill, bool selected, float opacity)
{
    float s = ui->scale, r = size_px * 0.5f * s * k;
    rn_rgba dark = {20, 28, 40, (uint8_t)(220 * opacity)};
    rn_ui_line(hx, gy, hx, hy, 1.5f * s, dark);
    app__disc(hx, hy, r + 1.5f * s * k, selected ? (rn_rgba){255, 214, 60, 255} : dark);
    app__disc(hx, hy, selected ? r * 1.3f : r, fill);
}

/* The rows that fit: at most APP_MARKERS_PANEL_ROWS, and the panel ends
 * above the cursor line at the bottom. */
static int app__panel_fit(const app_ui_ctx *ui, int rows)
{
    float s = ui->scale;
    int fit = (int)((ui->height - 40 * s - 120 * s - 34 * s) / (17 * s));
    if (fit < 1) fit = 1;
    if (rows > APP_MARKERS_PANEL_ROWS) rows = APP_MARKERS_PANEL_ROWS;
    return rows < fit ? rows : fit;
}

void app_markers_panel_box(const app_ui_ctx *ui, int rows, float box[4])
{
    float s = ui->scale, row = 17 * s;
    rows = app__panel_fit(ui, rows);
    box[0] = 12 * s, box[1] = 120 * s, box[2] = 12 * s + 330 * s;
    box[3] = box[1] + 34 * s + row * (float)rows;
}

void app_markers_panel(const app_ui_ctx *ui, const char *title, const char *const *keys,
                       const char *const *values, int rows)
{
    float s = ui->scale, box[4], row = 17 * s;
    app_markers_panel_box(ui, rows, box);
    rn_ui_rect(box[0], box[1], box[2] - box[0], box[3] - box[1], (rn_rgba){16, 24, 36, 215});
    rn_ui_text(box[0] + 10 * s, box[1] + 22 * s, 15 * s, (rn_rgba){90, 200, 250, 255}, title);
    rows = app__panel_fit(ui, rows);
    for (int i = 0; i < rows; i++) {
        char line[320];
        snprintf(line, sizeof line, "%s: %s", keys[i], values[i] ? values[i] : "—");
        rn_ui_text(box[0] + 10 * s, box[1] + 40 * s + row * (float)i, 12 * s,
                   (rn_rgba){235, 240, 245, 255}, line);
    }
}

static int app__far_first(const void *a, const void *b, void *user)
{
    const double *d = user;
    int ia = *(const int *)a, ib = *(const int *)b;
    return d[ia] < d[ib] ? 1 : d[ia] > d[ib] ? -1 : ia - ib;
}

void app_markers_order(int *order, const double *dist2, int n)
{
    for (int i = 0; i < n; i++) order[i] = i;
    qsort_r(order, (size_t)n, sizeof *order, app__far_first, (void *)dist2);
}
