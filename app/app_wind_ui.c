/* The wind layer's legend and its --report entry. See app_wind_int.h. */
#include "app_wind_int.h"

#include "rn_ui.h"
#include "tw_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The colour ramp's ends: the field's 5th and 95th speed percentiles out
 * to half metres per second, at least 1 m/s apart, so that the ramp shows
 * where the terrain speeds the flow up or shelters it. */
void app_wind_ramp(const app_wind_plane *g, float *lo, float *hi)
{
    *lo = floorf(g->speed_lo * 2) / 2;
    *hi = ceilf(g->speed_hi * 2) / 2;
    if (*hi < *lo + 1) *hi = *lo + 1;
}

/* Top left under the scene's title: the right side holds the compass and
 * the attributions, which grow with the layers; the other legends stack up
 * from the bottom left. */
void app_wind_legend_box(const app_wind *p, const app_ui_ctx *ui, float box[4])
{
    float k = ui->scale, w = 262 * k, lh = 14 * k;
    int lines = 3 + (p->slot_count > 1 ? 1 : 0);
    box[0] = 12 * k, box[1] = 74 * k;
    box[2] = box[0] + w, box[3] = box[1] + lines * lh + 34 * k;
}

void app_wind_legend(const app_wind *p, const app_ui_ctx *ui)
{
    const app__slot *s = &p->slots[p->cur];
    float k = ui->scale, lh = 14 * k, box[4];
    app_wind_legend_box(p, ui, box);
    float x = box[0], y = box[1];
    rn_ui_rect(x, y, box[2] - box[0], box[3] - box[1], (rn_rgba){16, 24, 36, 200});
    rn_rgba fg = {235, 240, 245, 255}, dim = {180, 190, 200, 255};
    float lo, hi;
    app_wind_ramp(&s->plane, &lo, &hi);
    /* the same ramp as shaders/wind_draw.vert */
    static const float c[5][3] = {{0.20f, 0.35f, 0.95f},
                                  {0.15f, 0.80f, 0.95f},
                                  {0.30f, 0.90f, 0.35f},
                                  {0.98f, 0.90f, 0.25f},
                                  {0.98f, 0.35f, 0.20f}};
    float bx = x + 10 * k, by = y + 8 * k, bw = 110 * k;
    for (int i = 0; i < 40; i++) {
        float t = i / 39.0f * 4, f = t - floorf(fminf(t, 3.999f));
        int a = (int)fminf(t, 3.999f);
        rn_rgba col = {(uint8_t)(255 * (c[a][0] + (c[a + 1][0] - c[a][0]) * f)),
                       (uint8_t)(255 * (c[a][1] + (c[a + 1][1] - c[a][1]) * f)),
                       (uint8_t)(255 * (c[a][2] + (c[a + 1][2] - c[a][2]) * f)), 255};
        rn_ui_rect(bx + bw * i / 40.0f, by, bw / 40.0f + 1, 8 * k, col);
    }
    char line[400];
    snprintf(line, sizeof line, "%.3g … %.3g m/s at %.0f m", lo, hi, p->cfg->height_m);
    rn_ui_text(bx + bw + 8 * k, by + 8 * k, 10.5f * k, fg, line);
    float ty = by + 8 * k + lh + 4 * k;
    /* the field's own valid time, to the minute */
    char when[24] = "";
    if (strlen(s->time) >= 16) snprintf(when, sizeof when, "%.16sZ", s->time);
    if (!when[0] || !strncmp(s->label, s->time, 16))
        snprintf(line, sizeof line, "%s", when[0] ? when : s->label);
    else
        snprintf(line, sizeof line, "%s · %s", s->label, when);
    rn_ui_text(bx, ty, 11 * k, fg, line);
    ty += lh;
    const char *src = s->source;
    if (!strncmp(src, "http://", 7)) src += 7;
    if (!strncmp(src, "https://", 8)) src += 8;
    if (s->format[0])
        snprintf(line, sizeof line, "%.60s, %.2g° grid, one time step", src[0] ? src : "?",
                 s->resolution_deg);
    else
        snprintf(line, sizeof line, "%s",
                 p->live ? "live station (NGSI-LD)" : "station wind (scene)");
    rn_ui_text(bx, ty, 10 * k, dim, line);
    ty += lh;
    snprintf(line, sizeof line, "solved at %.0f m x %d levels", s->plane.dx, s->plane.nz);
    if (s->fine.cells)
        snprintf(line, sizeof line, "solved at %.0f m x %d levels, district %.0f m", s->plane.dx,
                 s->plane.nz, s->fine.dx);
    rn_ui_text(bx, ty, 10 * k, dim, line);
    if (p->slot_count > 1) {
        ty += lh;
        snprintf(line, sizeof line, "C: next field (%d of %d)", p->cur + 1, p->slot_count);
        rn_ui_text(bx, ty, 10 * k, dim, line);
    }
}

void app_wind_report_entry(const void *self, int info, json_object *e)
{
    const app_wind *p = self;
    (void)info;
    const app__slot *s = &p->slots[p->cur];
    json_object_object_add(e, "particles", json_object_new_int((int)p->cfg->particles));
    json_object_object_add(e, "seed", json_object_new_int64(p->seed));
    if (!s->ready) return;
    if (s->format[0]) {
        json_object_object_add(e, "format", json_object_new_string(s->format));
        json_object_object_add(e, "resolution_deg", json_object_new_double(s->resolution_deg));
    }
    json_object_object_add(e, "resolution_m", json_object_new_double(s->plane.dx));
    json_object_object_add(e, "levels", json_object_new_int(s->plane.nz));
    json_object_object_add(e, "time", s->time[0] ? json_object_new_string(s->time) : NULL);
    if (s->has_center) {
        json_object_object_add(e, "center_u_ms", json_object_new_double(s->center_u));
        json_object_object_add(e, "center_v_ms", json_object_new_double(s->center_v));
    }
    json_object_object_add(e, "speed_max_ms", json_object_new_double(s->plane.speed_max));
    json_object_object_add(e, "speed_p05_ms", json_object_new_double(s->plane.speed_lo));
    json_object_object_add(e, "speed_p95_ms", json_object_new_double(s->plane.speed_hi));
    json_object *solve = json_object_new_object();
    json_object_object_add(solve, "cycles", json_object_new_int(s->plane.st.cycles));
    json_object_object_add(solve, "levels", json_object_new_int(s->plane.st.levels));
    json_object_object_add(solve, "fluid_cells", json_object_new_int64(s->plane.st.fluid));
    json_object_object_add(
        solve, "divergence_ratio",
        json_object_new_double(s->plane.st.div0 > 0 ? s->plane.st.div / s->plane.st.div0 : 0));
    json_object_object_add(solve, "ms", json_object_new_double(s->plane.st.ms));
    json_object_object_add(e, "solve", solve);
    if (s->fine.cells) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "resolution_m", json_object_new_double(s->fine.dx));
        json_object_object_add(f, "cycles", json_object_new_int(s->fine.st.cycles));
        json_object_object_add(
            f, "divergence_ratio",
            json_object_new_double(s->fine.st.div0 > 0 ? s->fine.st.div / s->fine.st.div0 : 0));
        json_object_object_add(f, "ms", json_object_new_double(s->fine.st.ms));
        json_object_object_add(e, "fine", f);
    }
    json_object *fields = json_object_new_array();
    for (int i = 0; i < p->slot_count; i++) {
        const app__slot *q = &p->slots[i];
        json_object *o = json_object_new_object();
        const char *label = q->label[0] || i >= p->cfg->field_count
                                ? q->label
                                : tw_path_basename(p->cfg->fields[i].path);
        json_object_object_add(o, "label", json_object_new_string(label));
        json_object_object_add(o, "time", json_object_new_string(q->time));
        json_object_object_add(o, "source", json_object_new_string(q->source));
        json_object_object_add(o, "status",
                               json_object_new_string(q->ready    ? "ok"
                                                      : q->failed ? "error"
                                                                  : "loading"));
        if (q->failed) json_object_object_add(o, "error", json_object_new_string(q->err));
        json_object_array_add(fields, o);
    }
    json_object_object_add(e, "fields", fields);
    if (p->cfg->has_station && (!p->live || p->live_has)) {
        json_object *st = json_object_new_object();
        json_object_object_add(
            st, "speed_ms",
            json_object_new_double(p->live ? p->live_speed : p->cfg->station_speed));
        json_object_object_add(st, "direction_deg",
                               json_object_new_double(p->live ? p->live_dir : p->cfg->station_dir));
        json_object_object_add(st, "live", json_object_new_boolean(p->live));
        if (p->live && isfinite(p->live_at)) {
            char iso[40];
            time_t t = (time_t)p->live_at;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
            json_object_object_add(st, "observed", json_object_new_string(iso));
        }
        json_object_object_add(e, "station", st);
    }
    json_object_object_add(e, "current_field", json_object_new_int(p->cur));
    if (p->probes > 0) {
        json_object *pr = json_object_new_object();
        json_object_object_add(pr, "dt_scale", json_object_new_double(p->dt_scale));
        json_object_object_add(pr, "steps", json_object_new_int64(p->warm_steps));
        json_object *a = json_object_new_array(), *b = json_object_new_array();
        for (int i = 0; i < p->probes; i++) {
            json_object *x = json_object_new_array(), *y = json_object_new_array();
            for (int k = 0; k < 4; k++) {
                json_object_array_add(x, json_object_new_double(p->probe_prev[i][k]));
                json_object_array_add(y, json_object_new_double(p->probe[i][k]));
            }
            json_object_array_add(a, x);
            json_object_array_add(b, y);
        }
        json_object_object_add(pr, "before", a);
        json_object_object_add(pr, "after", b);
        json_object_object_add(e, "probe", pr);
    }
}
