/* The "traffic" live kind's own parts: road segments (TrafficFlowObserved
 * LineStrings, from NGSI-LD or GeoJSON) draped on the ground and coloured as
 * Seoul TOPIS colours its speed map: 원활 (free flow) green, 서행 (slow)
 * amber, 정체 (congested) red, by the average speed in km/h against the
 * scene's thresholds [jam below, slow below] (default [15, 25], TOPIS's bands
 * for city streets), or by the `congested` flag when that is the value.
 * Segments without a value, and all of them while the layer is stale, are
 * grey. A legend names the bands. */
#include "app_live_int.h"

#include "app_markers.h"
#include "rn_ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rn_rgba app__traffic_rgba[APP_TRAFFIC_CLASSES] = {
    {40, 180, 70, 255}, {250, 190, 20, 255}, {230, 40, 40, 255}, {150, 150, 150, 255}};

int app_live_traffic_class_of(const tw_obs_snapshot *s, const app_live_cfg *cfg,
                              const tw_obs_entity *e)
{
    const tw_obs_value *v = tw_obs_main(s, e);
    if (!v || v->text || !isfinite(v->number)) return APP_TRAFFIC_NONE;
    if (v->name && strcmp(v->name, "congested") == 0)
        return v->number != 0 ? APP_TRAFFIC_JAM : APP_TRAFFIC_FREE;
    double jam = 15, slow = 25;
    if (cfg->has_thresholds) jam = cfg->thresholds[0], slow = cfg->thresholds[1];
    return v->number < jam    ? APP_TRAFFIC_JAM
           : v->number < slow ? APP_TRAFFIC_SLOW
                              : APP_TRAFFIC_FREE;
}

int app_live_traffic_class(const app_live *lv, const tw_obs_entity *e)
{
    return app_live_traffic_class_of(lv->snap, lv->cfg, e);
}

void app_live_traffic_free(app_live *lv)
{
    for (int c = 0; c < APP_TRAFFIC_CLASSES; c++) {
        if (rn_mesh_valid(lv->lines.mesh[c])) rn_mesh_destroy(lv->lines.mesh[c]);
        lv->lines.mesh[c] = (rn_mesh){0};
        lv->lines.segments[c] = 0;
    }
}

void app_live_traffic_build(app_live_data *d, const app_live_cfg *cfg, geo_xform *xf)
{
    const tw_obs_snapshot *s = d->snap;
    if (!s || !xf) return;
    /* Counts per class first, then one mesh per class. */
    int verts[APP_TRAFFIC_CLASSES] = {0}, segs[APP_TRAFFIC_CLASSES] = {0};
    int *cls = malloc(((size_t)s->entity_count + 1) * sizeof *cls);
    if (!cls) return;
    bool origin_set = false;
    for (int i = 0; i < s->entity_count; i++) {
        const tw_obs_entity *e = &s->entities[i];
        cls[i] = e->geom == TW_OBS_GEOM_LINE && e->vertex_count >= 2
                     ? app_live_traffic_class_of(s, cfg, e)
                     : -1;
        if (cls[i] < 0) continue;
        verts[cls[i]] += e->vertex_count;
        segs[cls[i]] += e->vertex_count - 1;
        d->line_segments[cls[i]]++;
        if (!origin_set) {
            d->line_origin[0] = round(d->xy[2 * i]), d->line_origin[1] = round(d->xy[2 * i + 1]);
            origin_set = true;
        }
    }
    for (int c = 0; c < APP_TRAFFIC_CLASSES; c++) {
        if (!segs[c]) continue;
        tw_mesh m = {.prim = TW_PRIM_LINES};
        if (tw_mesh_alloc(&m, (uint32_t)verts[c], (uint32_t)segs[c] * 2, 0) != TW_OK) continue;
        m.origin[0] = d->line_origin[0], m.origin[1] = d->line_origin[1];
        uint32_t nv = 0, ni = 0;
        for (int i = 0; i < s->entity_count; i++) {
            if (cls[i] != c) continue;
            const tw_obs_entity *e = &s->entities[i];
            const double *v = tw_obs_vertices(s, e);
            int n = e->vertex_count;
            double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
            if (x && y) {
                for (int k = 0; k < n; k++) x[k] = v[2 * k], y[k] = v[2 * k + 1];
                geo_xform_to_scene(xf, (size_t)n, x, y, NULL);
                uint32_t first = nv;
                for (int k = 0; k < n; k++) {
                    bool ok = isfinite(x[k]) && isfinite(y[k]);
                    m.positions[3 * nv] = ok ? (float)(x[k] - m.origin[0]) : 0;
                    m.positions[3 * nv + 1] = ok ? (float)(y[k] - m.origin[1]) : 0;
                    m.positions[3 * nv + 2] = 0;
                    nv++;
                }
                for (int k = 0; k + 1 < n; k++)
                    m.indices[ni++] = first + (uint32_t)k,
                    m.indices[ni++] = first + (uint32_t)k + 1;
            }
            free(x), free(y);
        }
        m.vertex_count = nv, m.index_count = ni;
        if (ni)
            d->lines[c] = m;
        else
            tw_mesh_free(&m);
    }
    free(cls);
}

void app_live_traffic_take(app_live *lv)
{
    app_live_traffic_free(lv);
    app_live_data *d = &lv->data;
    for (int c = 0; c < APP_TRAFFIC_CLASSES; c++) {
        lv->lines.segments[c] = d->line_segments[c];
        if (d->lines[c].index_count) lv->lines.mesh[c] = rn_mesh_make(&d->lines[c]);
    }
    lv->lines.origin[0] = d->line_origin[0], lv->lines.origin[1] = d->line_origin[1];
}

void app_live_traffic_legend_box(const app_live *lv, const app_ui_ctx *ui, float out[4])
{
    (void)lv;
    float s = ui->scale;
    out[0] = 10 * s, out[2] = out[0] + 290 * s;
    out[3] = (float)ui->height - 150 * s, out[1] = out[3] - 46 * s;
}

static void app__legend(const app_live *lv, const app_ui_ctx *ui, float opacity)
{
    float r[4], s = ui->scale;
    app_live_traffic_legend_box(lv, ui, r);
    rn_ui_rect(r[0], r[1], r[2] - r[0], r[3] - r[1],
               (rn_rgba){20, 24, 30, (uint8_t)(200 * opacity)});
    rn_rgba text = {235, 235, 235, (uint8_t)(255 * opacity)};
    rn_ui_text(r[0] + 8 * s, r[1] + 16 * s, 12 * s, text, "소통 traffic");
    /* The data age at the title's right (amber once stale). */
    char age[128];
    app_live_age_shown(lv, age, sizeof age);
    float aw = 0, ah = 0;
    rn_ui_text_size(10 * s, age, &aw, &ah);
    rn_ui_text(r[2] - 8 * s - aw, r[1] + 16 * s, 10 * s, app_live_age_rgba(lv, opacity), age);
    char bands[3][48];
    if (lv->lines.by_congested) {
        snprintf(bands[0], sizeof bands[0], "원활 free");
        snprintf(bands[1], sizeof bands[1], "—");
        snprintf(bands[2], sizeof bands[2], "정체 congested");
    } else {
        double jam = lv->cfg->has_thresholds ? lv->cfg->thresholds[0] : 15;
        double slow = lv->cfg->has_thresholds ? lv->cfg->thresholds[1] : 25;
        snprintf(bands[0], sizeof bands[0], "원활 ≥%g", slow);
        snprintf(bands[1], sizeof bands[1], "서행 %g–%g", jam, slow);
        snprintf(bands[2], sizeof bands[2], "정체 <%g km/h", jam);
    }
    float x = r[0] + 8 * s;
    for (int c = 0; c < 3; c++) {
        rn_rgba col = app__traffic_rgba[c];
        col.a = (uint8_t)(255 * opacity);
        rn_ui_rect(x, r[1] + 28 * s, 14 * s, 8 * s, col);
        rn_ui_text(x + 18 * s, r[1] + 37 * s, 11 * s, text, bands[c]);
        x += (c == 2 ? 0 : 74 * s);
    }
}

void app_live_traffic_draw(const app_live *lv, app_pass pass, const app_draw_ctx *d)
{
    if (pass == APP_PASS_OVERLAY) {
        app__legend(lv, d->ui, d->opacity);
        return;
    }
    if (pass != APP_PASS_DRAPED) return;
    bool stale = lv->info.status == APP_LAYER_STALE;
    rn_lines_item items[APP_TRAFFIC_CLASSES];
    int n = 0;
    for (int c = 0; c < APP_TRAFFIC_CLASSES; c++) {
        if (!rn_mesh_valid(lv->lines.mesh[c])) continue;
        rn_rgba col = app__traffic_rgba[stale ? APP_TRAFFIC_NONE : c];
        items[n] = (rn_lines_item){.mesh = lv->lines.mesh[c],
                                   .origin = {lv->lines.origin[0], lv->lines.origin[1], 0},
                                   .color = {col.r / 255.f, col.g / 255.f, col.b / 255.f,
                                             d->opacity * (stale ? 0.7f : 1.0f)},
                                   .width_px = (float)lv->cfg->size_px * 0.5f};
        n++;
    }
    if (n) rn_lines_draw(d->view, d->drape, items, n);
}
