/* Points layer: load on a worker, draw markers and their attribute panel in
 * screen space (a stem from the ground, a disc), hidden where the terrain
 * stands between the eye and the point. */
#include "app_points.h"

#include "app_markers.h"
#include "geo_points.h"
#include "rn_ui.h"
#include "tw_json.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct app_points_cfg {
    app_source src;
    char *name, *label_field, *label_field_en, *value_field;
    float color[4];
    double size_px;
    double label_max_m; /* labels of nearer points only */
    bool has_bbox;
    double bbox[4];
    bool has_ramp;
    double ramp[2];
} app_points_cfg;

typedef struct app_points {
    app_layer_info info;
    const app_points_cfg *cfg;
    app_world *world;
    geo_points pts;
    geo_label *labels; /* per feature: its first point */
    bool loaded;
    int selected; /* feature, -1 none */
    int *order;   /* points far to near, re-sorted per frame */
    double *dist2;
} app_points;

typedef struct app__job {
    app_points *owner;
    app_source_job src;
    char *label_field, *label_field_en, *value;
    bool has_bbox;
    double bbox[4];
    geo_points result;
    tw_result status;
    char err[512];
} app__job;

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void app__job_free(app__job *j)
{
    app_source_job_free(&j->src);
    geo_points_free(&j->result);
    free(j->label_field);
    free(j->label_field_en);
    free(j->value);
    free(j);
}

static void app__run(void *job, int worker)
{
    (void)worker;
    app__job *j = job;
    geo_points_desc d = {.src = app_source_job_vector(&j->src), .value_field = j->value};
    d.src.label_field = j->label_field;
    d.src.label_field_en = j->label_field_en;
    d.src.has_bbox = j->has_bbox;
    memcpy(d.src.bbox, j->bbox, sizeof d.src.bbox);
    j->status = geo_points_load(&d, j->src.frame, &j->result, j->err, sizeof j->err);
}

static void app__done(void *job, tw_result status)
{
    app__job *j = job;
    if (status != TW_OK) {
        app__job_free(j); /* the layer is gone */
        return;
    }
    app_points *p = j->owner;
    double now = tw_time_mono_s();
    if (j->status != TW_OK) {
        app_layer_info_fail(&p->info, now, "%s", j->err);
    } else {
        p->pts = j->result;
        memset(&j->result, 0, sizeof j->result);
        p->labels = calloc((size_t)p->pts.features + 1, sizeof *p->labels);
        for (int i = p->pts.count - 1; p->labels && i >= 0; i--) {
            const geo_point *pt = &p->pts.points[i];
            p->labels[pt->feature] = (geo_label){.text = p->pts.labels[pt->feature],
                                                 .text_en = p->pts.labels_en[pt->feature],
                                                 .x = pt->x,
                                                 .y = pt->y};
        }
        p->order = malloc((size_t)p->pts.count * sizeof *p->order);
        p->dist2 = malloc((size_t)p->pts.count * sizeof *p->dist2);
        for (int i = 0; p->order && i < p->pts.count; i++) p->order[i] = i;
        p->info.skipped = p->pts.skipped;
        p->loaded = true;
        app_layer_info_ok(&p->info, now, p->pts.features);
    }
    app__job_free(j);
}

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_points_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_points *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->cfg = cfg;
    p->world = w;
    p->selected = -1;
    app_layer_info_begin(&p->info, "points", cfg->name, cfg->src.path, cfg->src.attribution, now);
    app_layer_add_info(l, &p->info);
    app__job *j = calloc(1, sizeof *j);
    if (j) {
        j->owner = p;
        j->label_field = app__dup(cfg->label_field);
        j->label_field_en = app__dup(cfg->label_field_en);
        j->value = app__dup(cfg->value_field);
        j->has_bbox = cfg->has_bbox;
        memcpy(j->bbox, cfg->bbox, sizeof j->bbox);
        if (app_source_job_set(&j->src, &cfg->src, w->frame) &&
            app_layer_submit(l, j, app__run, app__done, 900))
            return p;
        app__job_free(j);
    }
    app_layer_info_fail(&p->info, now, "out of memory");
    return p;
}

static void app__destroy(void *self)
{
    app_points *p = self;
    app_world_release_panel(p->world, p);
    geo_points_free(&p->pts);
    free(p->labels);
    free(p->order);
    free(p->dist2);
    free(p);
}

/* ---- screen geometry (shared with the live layers: app_markers) ---- */

static bool app__head(const app_points *p, const app_ui_ctx *ui, const geo_point *pt, double eye[3],
                      float *hx, float *hy, float *gy, float *scale)
{
    return app_markers_head(p->world, ui, pt->x, pt->y, eye, hx, hy, gy, scale);
}

static rn_rgba app__color(const app_points *p, const geo_point *pt, float opacity)
{
    const app_points_cfg *c = p->cfg;
    rn_rgba out;
    if (c->value_field && !isnan(pt->value)) {
        double lo = c->has_ramp ? c->ramp[0] : p->pts.vmin;
        double hi = c->has_ramp ? c->ramp[1] : p->pts.vmax;
        out = app_markers_ramp(hi > lo ? (pt->value - lo) / (hi - lo) : 0.5);
    } else if (c->value_field) {
        out = (rn_rgba){150, 150, 150, 255}; /* no value */
    } else {
        out = (rn_rgba){(uint8_t)(c->color[0] * 255), (uint8_t)(c->color[1] * 255),
                        (uint8_t)(c->color[2] * 255), 255};
    }
    out.a = (uint8_t)(c->color[3] * opacity * 255);
    return out;
}

/* The attribute panel of the selected feature, left of the screen. */
static void app__panel_box(const app_points *p, const app_ui_ctx *ui, float box[4])
{
    app_markers_panel_box(ui, p->pts.field_count, box);
}

static void app__panel(const app_points *p, const app_ui_ctx *ui)
{
    if (p->selected < 0 || p->selected >= p->pts.features || !app_world_panel_mine(p->world, p))
        return;
    const char *title = p->pts.labels[p->selected] ? p->pts.labels[p->selected] : p->info.name;
    app_markers_panel(ui, title, (const char *const *)p->pts.fields,
                      (const char *const *)p->pts.values + (size_t)p->selected * p->pts.field_count,
                      p->pts.field_count);
}

/* The value ramp's legend, bottom left above the cursor line. */
static void app__legend(const app_points *p, const app_ui_ctx *ui)
{
    const app_points_cfg *c = p->cfg;
    if (!c->value_field || !p->pts.has_values) return;
    float s = ui->scale, x = 12 * s, y = ui->height - 64 * s, w = 160 * s;
    double lo = c->has_ramp ? c->ramp[0] : p->pts.vmin, hi = c->has_ramp ? c->ramp[1] : p->pts.vmax;
    rn_ui_rect(x - 6 * s, y - 20 * s, w + 110 * s, 40 * s, (rn_rgba){16, 24, 36, 200});
    for (int i = 0; i < 32; i++)
        rn_ui_rect(x + w * i / 32.0f, y, w / 32.0f + 1, 8 * s, app_markers_ramp(i / 31.0));
    char line[200];
    snprintf(line, sizeof line, "%s  %g … %g", c->value_field, lo, hi);
    rn_ui_text(x, y - 6 * s, 11 * s, (rn_rgba){235, 240, 245, 255}, line);
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_points *p = self;
    const app_ui_ctx *ui = d->ui;
    if (!p->loaded) return;
    if (pass == APP_PASS_OVERLAY) {
        app__legend(p, ui);
        app__panel(p, ui);
        return;
    }
    if (pass != APP_PASS_MARKERS) return;
    double eye[3];
    app_camera_eye(ui->cam, eye);
    /* Far first, so near markers stand in front. */
    if (p->order && p->dist2) {
        for (int i = 0; i < p->pts.count; i++) {
            double dx = p->pts.points[i].x - eye[0], dy = p->pts.points[i].y - eye[1];
            p->dist2[i] = dx * dx + dy * dy;
        }
        app_markers_order(p->order, p->dist2, p->pts.count);
    }
    for (int i = 0; i < p->pts.count; i++) {
        const geo_point *pt = &p->pts.points[p->order ? p->order[i] : i];
        float hx, hy, gy, k;
        if (!app__head(p, ui, pt, eye, &hx, &hy, &gy, &k)) continue;
        app_markers_draw(ui, hx, hy, gy, k, (float)p->cfg->size_px, app__color(p, pt, d->opacity),
                         pt->feature == p->selected, d->opacity);
    }
}

/* Labels of the points nearer than label_max_m (scale-dependent labels,
 * as GIS tools do: a city-wide view would be all text). */
static int app__labels(void *self, const app_ui_ctx *ui, app_hud_label *out, int max)
{
    app_points *p = self;
    if (!p->loaded || !p->labels || (!p->cfg->label_field && !p->cfg->label_field_en)) return 0;
    double eye[3], lim2 = p->cfg->label_max_m * p->cfg->label_max_m;
    app_camera_eye(ui->cam, eye);
    int n = 0;
    for (int k = 0; k < p->pts.features && n < max; k++) {
        const geo_label *gl = &p->labels[k];
        if (!gl->text && !gl->text_en) continue;
        double g[3];
        app_markers_ground(p->world, gl->x, gl->y, g);
        double dx = g[0] - eye[0], dy = g[1] - eye[1], dz = g[2] - eye[2];
        if (dx * dx + dy * dy + dz * dz > lim2) continue;
        out[n++] = (app_hud_label){.label = gl,
                                   .pos = {g[0], g[1], g[2]},
                                   .dy_px = -(float)(12 + p->cfg->size_px * 0.5 + 6),
                                   .size = 0.8f};
    }
    return n;
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    const app_points *p = self;
    (void)z;
    *has_z = false;
    if (!p->loaded) return false;
    memcpy(ext, p->pts.extent, 4 * sizeof *ext);
    /* A lone point still has a view around it. */
    if (ext[2] - ext[0] < 200) ext[0] -= 100, ext[2] += 100;
    if (ext[3] - ext[1] < 200) ext[1] -= 100, ext[3] += 100;
    return true;
}

/* The feature whose marker head is nearest the pixel, within reach. */
static int app__hit(const app_points *p, const app_pick_query *q)
{
    const app_ui_ctx *ui = q->ui;
    double eye[3];
    app_camera_eye(ui->cam, eye);
    float reach = (float)(p->cfg->size_px * 0.5 + 4) * ui->scale;
    double best = reach * reach;
    int hit = -1;
    for (int i = 0; i < p->pts.count; i++) {
        float hx, hy, gy, k;
        if (!app__head(p, ui, &p->pts.points[i], eye, &hx, &hy, &gy, &k)) continue;
        double d2 = (hx - q->px) * (hx - q->px) + (hy - q->py) * (hy - q->py);
        if (d2 <= best) best = d2, hit = p->pts.points[i].feature;
    }
    return hit;
}

static bool app__pick(void *self, const app_pick_query *q, app_pick_hit *out)
{
    app_points *p = self;
    if (!p->loaded) return false;
    int f = app__hit(p, q);
    if (f < 0) return false;
    json_object *a = json_object_new_object();
    for (int i = 0; i < p->pts.field_count; i++) {
        const char *v = p->pts.values[f * p->pts.field_count + i];
        json_object_object_add(a, p->pts.fields[i], v ? json_object_new_string(v) : NULL);
    }
    out->kind = "point";
    out->fid = p->pts.fids[f];
    out->attributes = a;
    p->selected = f;
    app_world_claim_panel(p->world, p);
    return true;
}

static bool app__click(void *self, const app_pick_query *q)
{
    app_points *p = self;
    if (!p->loaded) return false;
    int f = app__hit(p, q);
    if (f < 0) return false;
    p->selected = f;
    app_world_claim_panel(p->world, p);
    return true;
}

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    app_points *p = self;
    (void)ui;
    if (key != RN_KEY_ESCAPE || p->selected < 0) return false;
    p->selected = -1;
    return true;
}

static int app__reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    const app_points *p = self;
    if (p->selected < 0 || max < 1 || !app_world_panel_mine(p->world, p)) return 0;
    app__panel_box(p, ui, out[0]);
    return 1;
}

/* ---- scene file ---- */

static void app__cfg_free(void *cfg)
{
    app_points_cfg *c = cfg;
    if (!c) return;
    app_source_free(&c->src);
    free(c->name);
    free(c->label_field);
    free(c->label_field_en);
    free(c->value_field);
    free(c);
}

/* { "source", "label_field", "label_field_en", "value_field", "color",
 *   "size_px", "label_max_m", "bbox": [xmin, ymin, xmax, ymax] (source CRS),
 *   "ramp": [lo, hi] } */
static void *app__parse(app_cfg *c, json_object *o)
{
    static const char *const extra[] = {"label_field", "label_field_en", "value_field",
                                        "color",       "size_px",        "bbox",
                                        "ramp",        "label_max_m",    NULL};
    app_points_cfg *p = calloc(1, sizeof *p);
    if (!p) return app_cfg_fail(c, "points", "is too large"), NULL;
    p->color[0] = 0.93f, p->color[1] = 0.33f, p->color[2] = 0.18f, p->color[3] = 1;
    p->size_px = 9;
    p->label_max_m = 6000;
    bool ok = app_cfg_source(c, o, &p->src, extra) && app_cfg_string(c, o, "name", &p->name) &&
              app_cfg_string(c, o, "label_field", &p->label_field) &&
              app_cfg_string(c, o, "label_field_en", &p->label_field_en) &&
              app_cfg_string(c, o, "value_field", &p->value_field) &&
              app_cfg_color(c, o, "color", p->color) &&
              app_cfg_number(c, o, "size_px", &p->size_px, 2, 64) &&
              app_cfg_number(c, o, "label_max_m", &p->label_max_m, 0, 1e7);
    if (ok && tw_json_has(o, "bbox")) {
        const char *shape = "[xmin, ymin, xmax, ymax] in the source's CRS";
        ok = app_cfg_numbers(c, o, "bbox", p->bbox, 4, shape);
        p->has_bbox = ok && p->bbox[0] < p->bbox[2] && p->bbox[1] < p->bbox[3];
        if (ok && !p->has_bbox)
            ok = app_cfg_fail(c, "bbox",
                              "must be [xmin, ymin, xmax, ymax] with xmin < xmax, "
                              "ymin < ymax");
    }
    if (ok && tw_json_has(o, "ramp")) {
        ok = app_cfg_numbers(c, o, "ramp", p->ramp, 2, "[low, high]");
        p->has_ramp = ok && p->ramp[0] < p->ramp[1];
        if (ok && !p->has_ramp) ok = app_cfg_fail(c, "ramp", "must be [low, high] with low < high");
    }
    if (!ok) {
        app__cfg_free(p);
        return NULL;
    }
    return p;
}

static const app_source *app__cfg_source(const void *cfg)
{
    return &((const app_points_cfg *)cfg)->src;
}

const app_layer_kind app_points_kind = {
    .name = "points",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .cfg_source = app__cfg_source,
    .create = app__create,
    .destroy = app__destroy,
    .draw = app__draw,
    .labels = app__labels,
    .extent = app__extent,
    .pick = app__pick,
    .click = app__click,
    .key = app__key,
    .reserved = app__reserved,
};
