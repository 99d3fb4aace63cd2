/* Measurement tool (see app_measure.h). Everything runs on the main
 * thread: a handful of points, the ground and obstacles services, PROJ's
 * geodesics through this thread's own transformation. */
#include "app_measure.h"

#include "app_markers.h"
#include "geo_measure.h"
#include "rn_context.h"
#include "rn_lines.h"
#include "rn_ui.h"
#include "tw_json.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_MS_POINTS  64
#define APP_MS_PROFILE 512

typedef enum app_ms_mode {
    APP_MS_OFF,
    APP_MS_DISTANCE,
    APP_MS_AREA,
    APP_MS_PROFILE_MODE,
    APP_MS_SIGHT,
    APP_MS_HEIGHT,
    APP_MS_MODES
} app_ms_mode;

static const char *const APP_MS_NAMES[APP_MS_MODES] = {"off",     "distance", "area",
                                                       "profile", "sight",    "height"};

typedef struct app_ms_cfg {
    char *name;
    app_ms_mode mode;
    double points[2 * APP_MS_POINTS];
    int point_count;
    double observer_h, target_h;
} app_ms_cfg;

typedef struct app_measure {
    app_layer_info info;
    const app_ms_cfg *cfg;
    app_world *world;
    geo_measure *geo;
    app_ms_mode mode;
    double pts[2 * APP_MS_POINTS];
    int n;
    bool dirty;
    unsigned ground_gen, obstacles_gen;
    /* results */
    geo_distance dist;
    geo_area area;
    double ground[2], top[2], base[2];
    long building[2];
    bool has_ground[2], has_building[2];
    double prof_d[APP_MS_PROFILE], prof_z[APP_MS_PROFILE];
    int prof_n;
    geo_sight sight;
    rn_mesh lines;
    double lines_origin[2];
} app_measure;

/* ---- heights ---- */

static bool app__ground(void *user, double x, double y, double *z)
{
    const app_measure *m = user;
    return app_world_ground(m->world, x, y, z);
}

/* The tallest obstacle at (x, y): its top, base and id. */
static bool app__building(const app_measure *m, double x, double y, double *top, double *base,
                          long *id)
{
    bool found = false;
    app_world_obstacles_settle(m->world);
    for (int s = 0; s < m->world->obstacle_count; s++) {
        const tw_obstacles *o = m->world->obstacles[s].set;
        int i = o ? tw_obstacles_find(o, x, y) : -1;
        /* A removed building (a scenario's) stands below its base. */
        if (i < 0 || o->top[i] <= o->base[i] || (found && o->top[i] <= *top)) continue;
        *top = o->top[i], *base = o->base[i], *id = o->id[i];
        found = true;
    }
    return found;
}

/* The surface a sight line passes over: ground and buildings. */
static bool app__surface(void *user, double x, double y, double *z)
{
    const app_measure *m = user;
    bool g = app_world_ground(m->world, x, y, z);
    double top = 0, base = 0;
    long id;
    if (app__building(m, x, y, &top, &base, &id)) {
        if (!g || top > *z) *z = top;
        return true;
    }
    return g;
}

/* ---- computing ---- */

static void app__lines(app_measure *m)
{
    rn_mesh_destroy(m->lines);
    m->lines = (rn_mesh){0};
    int n = m->n;
    if (n < 2) return;
    bool closed = m->mode == APP_MS_AREA && n >= 3;
    int segs = closed ? n : n - 1;
    tw_mesh t = {.prim = TW_PRIM_LINES};
    if (tw_mesh_alloc(&t, (uint32_t)n, (uint32_t)(2 * segs), 0) != TW_OK) return;
    m->lines_origin[0] = m->pts[0], m->lines_origin[1] = m->pts[1];
    for (int i = 0; i < n; i++) {
        t.positions[3 * i] = (float)(m->pts[2 * i] - m->pts[0]);
        t.positions[3 * i + 1] = (float)(m->pts[2 * i + 1] - m->pts[1]);
        t.positions[3 * i + 2] = 0;
    }
    for (int s = 0; s < segs; s++) t.indices[2 * s] = s, t.indices[2 * s + 1] = (s + 1) % n;
    m->lines = rn_mesh_make(&t);
    tw_mesh_free(&t);
}

static void app__compute(app_measure *m)
{
    app_world_obstacles_settle(m->world);
    m->dirty = false;
    m->ground_gen = m->world->ground_gen, m->obstacles_gen = m->world->obstacles_gen;
    m->dist = (geo_distance){0};
    m->area = (geo_area){0};
    m->prof_n = 0;
    m->sight = (geo_sight){.block_d = -1};
    for (int k = 0; k < 2; k++) {
        m->has_ground[k] =
            k < m->n && app_world_ground(m->world, m->pts[2 * k], m->pts[2 * k + 1], &m->ground[k]);
        m->has_building[k] = k < m->n && app__building(m, m->pts[2 * k], m->pts[2 * k + 1],
                                                       &m->top[k], &m->base[k], &m->building[k]);
    }
    if (m->geo && m->n >= 2) geo_measure_distance(m->geo, m->pts, m->n, &m->dist);
    if (m->geo && m->n >= 3 && m->mode == APP_MS_AREA)
        geo_measure_area(m->geo, m->pts, m->n, &m->area);
    if (m->n >= 2 && (m->mode == APP_MS_PROFILE_MODE || m->mode == APP_MS_SIGHT)) {
        int pts = m->mode == APP_MS_SIGHT ? 2 : m->n;
        double len = 0;
        for (int i = 1; i < pts; i++)
            len += hypot(m->pts[2 * i] - m->pts[2 * i - 2], m->pts[2 * i + 1] - m->pts[2 * i - 1]);
        double step = fmax(len / (APP_MS_PROFILE - pts - 1), 1);
        m->prof_n =
            geo_profile(m->pts, pts, step, m->mode == APP_MS_SIGHT ? app__surface : app__ground, m,
                        m->prof_d, m->prof_z, APP_MS_PROFILE);
        if (m->mode == APP_MS_SIGHT)
            m->sight = geo_line_of_sight(m->pts, m->pts + 2, m->cfg->observer_h, m->cfg->target_h,
                                         fmin(step, 2), app__surface, m);
    }
    app__lines(m);
}

/* ---- the panel and the chart ---- */

static int app__rows(const app_measure *m, char keys[][48], char vals[][96])
{
    int r = 0;
#define ROW(k, ...)                                                                                \
    do {                                                                                           \
        snprintf(keys[r], 48, "%s", k);                                                            \
        snprintf(vals[r], 96, __VA_ARGS__);                                                        \
        r++;                                                                                       \
    } while (0)
    ROW("mode (N)", "%s, %d point%s", APP_MS_NAMES[m->mode], m->n, m->n == 1 ? "" : "s");
    if (m->n >= 2 && m->mode != APP_MS_HEIGHT) {
        ROW("거리 distance, plane", "%.2f m", m->dist.planar_m);
        ROW("distance, geodesic", "%.2f m", m->dist.geodesic_m);
        ROW("azimuth", "%.1f°", m->dist.azimuth_deg);
    }
    if (m->mode == APP_MS_AREA && m->n >= 3) {
        ROW("면적 area, plane", "%.1f m² (%.4f km²)", m->area.planar_m2, m->area.planar_m2 / 1e6);
        ROW("area, geodesic", "%.1f m²", m->area.geodesic_m2);
        ROW("perimeter, geodesic", "%.2f m", m->area.perimeter_geodesic_m);
    }
    for (int k = 0; k < 2 && k < m->n; k++) {
        if (m->has_ground[k]) ROW(k ? "ground B" : "고도 ground A", "%.1f m", m->ground[k]);
        if (m->has_building[k])
            ROW(k ? "building B" : "건물 building A", "id %ld, %.1f m tall, top %.1f m",
                m->building[k], m->top[k] - m->base[k], m->top[k]);
    }
    if (m->mode == APP_MS_HEIGHT && m->n >= 2) {
        double za = m->has_building[0] ? m->top[0] : m->ground[0];
        double zb = m->has_building[1] ? m->top[1] : m->ground[1];
        ROW("높이차 B - A", "%+.1f m", zb - za);
    }
    if (m->mode == APP_MS_SIGHT && m->n >= 2) {
        if (m->sight.visible)
            ROW("가시 line of sight", "clear (eye %.1f m, target %.1f m)", m->sight.z_from,
                m->sight.z_to);
        else
            ROW("가시 line of sight", "blocked %.0f m from A", m->sight.block_d);
    }
#undef ROW
    return r;
}

static void app__chart(const app_measure *m, const app_ui_ctx *ui, const float panel[4])
{
    if (m->prof_n < 2) return;
    float s = ui->scale;
    /* Beside the panel, clear of the legends below it. */
    float x0 = panel[2] + 8 * s, y0 = panel[1], w = 360 * s, h = 150 * s;
    rn_ui_rect(x0, y0, w, h, (rn_rgba){16, 24, 36, 215});
    double zmin = INFINITY, zmax = -INFINITY, len = m->prof_d[m->prof_n - 1];
    for (int i = 0; i < m->prof_n; i++)
        if (isfinite(m->prof_z[i]))
            zmin = fmin(zmin, m->prof_z[i]), zmax = fmax(zmax, m->prof_z[i]);
    if (m->mode == APP_MS_SIGHT)
        zmin = fmin(zmin, fmin(m->sight.z_from, m->sight.z_to)),
        zmax = fmax(zmax, fmax(m->sight.z_from, m->sight.z_to));
    if (!isfinite(zmin) || len <= 0) return;
    if (zmax - zmin < 1) zmax = zmin + 1;
    float px = x0 + 36 * s, pw = w - 46 * s, py = y0 + 10 * s, ph = h - 34 * s;
#define CX(d) (px + (float)((d) / len) * pw)
#define CY(z) (py + ph - (float)(((z)-zmin) / (zmax - zmin)) * ph)
    rn_rgba ground = {120, 200, 120, 255};
    for (int i = 1; i < m->prof_n; i++)
        if (isfinite(m->prof_z[i - 1]) && isfinite(m->prof_z[i]))
            rn_ui_line(CX(m->prof_d[i - 1]), CY(m->prof_z[i - 1]), CX(m->prof_d[i]),
                       CY(m->prof_z[i]), 1.5f * s, ground);
    if (m->mode == APP_MS_SIGHT) {
        rn_rgba c = m->sight.visible ? (rn_rgba){90, 200, 250, 255} : (rn_rgba){240, 80, 70, 255};
        rn_ui_line(CX(0), CY(m->sight.z_from), CX(len), CY(m->sight.z_to), 1.5f * s, c);
        if (!m->sight.visible) {
            double t = m->sight.block_d / len;
            double z = m->sight.z_from + t * (m->sight.z_to - m->sight.z_from);
            rn_ui_rect(CX(m->sight.block_d) - 3 * s, CY(z) - 3 * s, 6 * s, 6 * s, c);
        }
    }
    char t[64];
    rn_rgba txt = {235, 240, 245, 255};
    snprintf(t, sizeof t, "%.0f m", zmax);
    rn_ui_text(x0 + 4 * s, py + 8 * s, 10 * s, txt, t);
    snprintf(t, sizeof t, "%.0f m", zmin);
    rn_ui_text(x0 + 4 * s, py + ph, 10 * s, txt, t);
    snprintf(t, sizeof t, "0 … %.0f m", len);
    rn_ui_text(px, y0 + h - 6 * s, 10 * s, txt, t);
#undef CX
#undef CY
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_measure *m = self;
    if (m->mode == APP_MS_OFF) return;
    const app_ui_ctx *ui = d->ui;
    if (pass == APP_PASS_DRAPED && rn_mesh_valid(m->lines)) {
        rn_lines_item it = {.mesh = m->lines,
                            .origin = {m->lines_origin[0], m->lines_origin[1], 0},
                            .color = {1.0f, 0.35f, 0.2f, d->opacity},
                            .width_px = 3};
        rn_lines_draw(d->view, d->drape, &it, 1);
    } else if (pass == APP_PASS_MARKERS) {
        double eye[3];
        app_camera_eye(ui->cam, eye);
        for (int i = 0; i < m->n; i++) {
            float hx, hy, gy, k;
            if (app_markers_head(m->world, ui, m->pts[2 * i], m->pts[2 * i + 1], eye, &hx, &hy, &gy,
                                 &k))
                app_markers_draw(ui, hx, hy, gy, k, 9, (rn_rgba){255, 90, 50, 255}, false, 1);
        }
    } else if (pass == APP_PASS_OVERLAY && app_world_panel_mine(m->world, m)) {
        char keys[24][48], vals[24][96];
        const char *kp[24], *vp[24];
        int rows = app__rows(m, keys, vals);
        for (int i = 0; i < rows; i++) kp[i] = keys[i], vp[i] = vals[i];
        app_markers_panel(ui, "측정 measure", kp, vp, rows);
        float box[4];
        app_markers_panel_box(ui, rows, box);
        app__chart(m, ui, box);
    }
}

static void app__update(void *self, const app_update_ctx *u)
{
    (void)u;
    app_measure *m = self;
    app_world_obstacles_settle(m->world);
    if (m->dirty || m->ground_gen != m->world->ground_gen ||
        m->obstacles_gen != m->world->obstacles_gen)
        app__compute(m);
}

/* ---- input ---- */

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    (void)ui;
    app_measure *m = self;
    if (key == 'N') {
        m->mode = (app_ms_mode)((m->mode + 1) % APP_MS_MODES);
        if (m->mode == APP_MS_SIGHT && m->n > 2) m->n = 2;
        if (m->mode != APP_MS_OFF) app_world_claim_panel(m->world, m);
        m->dirty = true;
        return true;
    }
    if (m->mode == APP_MS_OFF) return false;
    if (key == RN_KEY_BACKSPACE && m->n > 0) {
        m->n--;
        m->dirty = true;
        return true;
    }
    if (key == RN_KEY_ESCAPE && m->n > 0) {
        m->n = 0;
        m->dirty = true;
        return true;
    }
    return false;
}

static bool app__click(void *self, const app_pick_query *q)
{
    app_measure *m = self;
    if (m->mode == APP_MS_OFF || !q->has_ground) return false;
    int max = m->mode == APP_MS_SIGHT || m->mode == APP_MS_HEIGHT ? 2 : APP_MS_POINTS;
    if (m->n >= max) m->n = 0;
    m->pts[2 * m->n] = q->ground[0], m->pts[2 * m->n + 1] = q->ground[1];
    m->n++;
    m->dirty = true;
    app_world_claim_panel(m->world, m);
    return true;
}

static int app__reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    const app_measure *m = self;
    if (m->mode == APP_MS_OFF || max < 1 || !app_world_panel_mine(m->world, m)) return 0;
    char keys[24][48], vals[24][96];
    app_markers_panel_box(ui, app__rows(m, keys, vals), out[0]);
    if (m->prof_n < 2 || max < 2) return 1;
    float s = ui->scale;
    out[1][0] = out[0][2] + 8 * s, out[1][1] = out[0][1];
    out[1][2] = out[1][0] + 360 * s, out[1][3] = out[1][1] + 150 * s;
    return 2;
}

/* ---- report ---- */

static void app__num(json_object *o, const char *k, double v)
{
    json_object_object_add(o, k, isfinite(v) ? json_object_new_double(v) : NULL);
}

static void app__report_entry(const void *self, int info, json_object *e)
{
    (void)info;
    const app_measure *m = self;
    json_object_object_add(e, "mode", json_object_new_string(APP_MS_NAMES[m->mode]));
    json_object *pts = json_object_new_array();
    for (int i = 0; i < m->n; i++) {
        json_object *p = json_object_new_array();
        json_object_array_add(p, json_object_new_double(m->pts[2 * i]));
        json_object_array_add(p, json_object_new_double(m->pts[2 * i + 1]));
        json_object_array_add(pts, p);
    }
    json_object_object_add(e, "points", pts);
    if (m->n >= 2) {
        app__num(e, "distance_planar_m", m->dist.planar_m);
        app__num(e, "distance_geodesic_m", m->dist.geodesic_m);
        app__num(e, "azimuth_deg", m->dist.azimuth_deg);
    }
    if (m->mode == APP_MS_AREA && m->n >= 3) {
        app__num(e, "area_planar_m2", m->area.planar_m2);
        app__num(e, "area_geodesic_m2", m->area.geodesic_m2);
        app__num(e, "perimeter_planar_m", m->area.perimeter_planar_m);
        app__num(e, "perimeter_geodesic_m", m->area.perimeter_geodesic_m);
    }
    static const char *const gk[2] = {"ground_a_m", "ground_b_m"};
    static const char *const bk[2] = {"building_a", "building_b"};
    for (int k = 0; k < 2 && k < m->n; k++) {
        if (m->has_ground[k]) app__num(e, gk[k], m->ground[k]);
        if (m->has_building[k]) {
            json_object *b = json_object_new_object();
            json_object_object_add(b, "id", json_object_new_int64(m->building[k]));
            app__num(b, "top_m", m->top[k]);
            app__num(b, "height_m", m->top[k] - m->base[k]);
            json_object_object_add(e, bk[k], b);
        }
    }
    if (m->mode == APP_MS_HEIGHT && m->n >= 2) {
        double za = m->has_building[0] ? m->top[0] : m->ground[0];
        double zb = m->has_building[1] ? m->top[1] : m->ground[1];
        app__num(e, "height_difference_m", zb - za);
    }
    if (m->prof_n >= 2) {
        json_object *p = json_object_new_object();
        double zmin = INFINITY, zmax = -INFINITY;
        for (int i = 0; i < m->prof_n; i++)
            if (isfinite(m->prof_z[i]))
                zmin = fmin(zmin, m->prof_z[i]), zmax = fmax(zmax, m->prof_z[i]);
        json_object_object_add(p, "samples", json_object_new_int(m->prof_n));
        app__num(p, "length_m", m->prof_d[m->prof_n - 1]);
        app__num(p, "z_min_m", zmin);
        app__num(p, "z_max_m", zmax);
        json_object_object_add(e, "profile", p);
    }
    if (m->mode == APP_MS_SIGHT && m->n >= 2) {
        json_object *s = json_object_new_object();
        json_object_object_add(s, "visible", json_object_new_boolean(m->sight.visible));
        app__num(s, "eye_z_m", m->sight.z_from);
        app__num(s, "target_z_m", m->sight.z_to);
        app__num(s, "blocked_at_m", m->sight.block_d);
        app__num(s, "length_m", m->sight.length_m);
        json_object_object_add(e, "sight", s);
    }
}

/* ---- the layer ---- */

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_ms_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_measure *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->cfg = cfg, m->world = w, m->mode = cfg->mode;
    memcpy(m->pts, cfg->points, sizeof m->pts);
    m->n = cfg->point_count;
    m->dirty = true;
    app_layer_info_begin(&m->info, "measure", cfg->name ? cfg->name : "측정 measure", "",
                         "citytwin", now);
    app_layer_add_info(l, &m->info);
    char err[256];
    if (geo_measure_create(w->frame, &m->geo, err, sizeof err) != TW_OK)
        app_layer_info_fail(&m->info, now, "no lon/lat for geodesics: %s", err);
    else
        app_layer_info_ok(&m->info, now, 0);
    return m;
}

static void app__destroy(void *self)
{
    app_measure *m = self;
    app_world_release_panel(m->world, m);
    geo_measure_destroy(m->geo);
    rn_mesh_destroy(m->lines);
    free(m);
}

static void app__cfg_free(void *p)
{
    app_ms_cfg *c = p;
    if (!c) return;
    free(c->name);
    free(c);
}

static void *app__parse(app_cfg *cf, json_object *o)
{
    static const char *const keys[] = {
        "kind", "name", "mode", "points", "observer_height_m", "target_height_m", NULL};
    app_ms_cfg *c = calloc(1, sizeof *c);
    if (!c) return app_cfg_fail(cf, "measure", "is too large"), NULL;
    c->observer_h = 1.6;
    c->mode = APP_MS_DISTANCE;
    app_cfg_unknown(cf, o, keys, NULL);
    char *mode = NULL;
    bool ok = app_cfg_string(cf, o, "name", &c->name) && app_cfg_string(cf, o, "mode", &mode) &&
              app_cfg_number(cf, o, "observer_height_m", &c->observer_h, 0, 10000) &&
              app_cfg_number(cf, o, "target_height_m", &c->target_h, 0, 10000);
    if (ok && mode) {
        int k = 0;
        while (k < APP_MS_MODES && strcmp(APP_MS_NAMES[k], mode) != 0) k++;
        if (k == APP_MS_MODES)
            ok = app_cfg_fail(cf, "mode",
                              "must be one of off, distance, area, profile, sight, height");
        c->mode = (app_ms_mode)k;
    }
    free(mode);
    json_object *pts = ok ? tw_json_get(o, "points", json_type_array) : NULL;
    if (ok && tw_json_has(o, "points") && !pts)
        ok = app_cfg_fail(cf, "points", "must be [[x, y], ...]");
    for (size_t i = 0; ok && pts && i < json_object_array_length(pts); i++) {
        json_object *p = json_object_array_get_idx(pts, i);
        if (i >= APP_MS_POINTS || !json_object_is_type(p, json_type_array) ||
            json_object_array_length(p) != 2) {
            ok = app_cfg_fail(cf, "points", "must be at most 64 [x, y] pairs");
            break;
        }
        for (int k = 0; k < 2; k++) {
            double v = json_object_get_double(json_object_array_get_idx(p, k));
            if (!isfinite(v) || fabs(v) > APP_CFG_MAX_COORD) {
                ok = app_cfg_fail(cf, "points", "must be finite scene coordinates");
                break;
            }
            c->points[2 * i + k] = v;
        }
        c->point_count = (int)i + 1;
    }
    if (!ok) {
        app__cfg_free(c);
        return NULL;
    }
    return c;
}

const app_layer_kind app_measure_kind = {
    .name = "measure",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .create = app__create,
    .destroy = app__destroy,
    .update = app__update,
    .draw = app__draw,
    .key = app__key,
    .click = app__click,
    .reserved = app__reserved,
    .report_entry = app__report_entry,
};
