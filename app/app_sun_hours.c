/* The sun_hours layer: its scene keys, the jobs it submits when the ground
 * or the obstacles change, and how it shows the result (a coloured surface
 * over ground and roofs, facade points, a legend, a panel per building). */
#include "app_sun_hours.h"

#include "app_markers.h"
#include "rn_fill.h"
#include "rn_ui.h"
#include "tw_json.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One side's computation and what shows it: the plan's, and in the split
 * view the before side's (without the scenario's edits and planned
 * buildings). */
typedef struct app_sun_side {
    app_sun_job *running; /* in flight, NULL: none */
    app_sun_job *done;    /* the result shown */
    bool started;
    unsigned want_ground, want_obstacles, want_edits; /* the gens the next job must see */
    rn_mesh mesh;
    double mesh_origin[3];
    float mesh_exag;
    bool mesh_pass_view;
    /* Facade dots: quads on the walls, depth-tested with the scene, sized
     * for the camera's distance (rebuilt when it changes by 1.25x). */
    rn_mesh dots;
    float dots_exag, dots_size;
    bool dots_pass_view;
    int dots_selected;
} app_sun_side;

typedef struct app_sun_hours {
    app_layer_info info;
    const app_sun_hours_cfg *cfg;
    app_layer *layer;
    app_world *world;
    app_sun_side side[2]; /* [0] the plan (after), [1] before (split view) */
    int year, month, day;
    bool pass_view; /* U: pass/fail instead of the ramp */
    int selected;   /* prism of side[0].done->merged, -1 none */
    int computations;
} app_sun_hours;

static rn_rgba app__pass_color(bool pass)
{
    return pass ? (rn_rgba){70, 180, 90, 255} : (rn_rgba){215, 50, 45, 255};
}

static rn_rgba app__color(const app_sun_hours *s, const tw_sunhours_result *r)
{
    if (s->pass_view) return app__pass_color(r->pass);
    double span = s->cfg->to_h - s->cfg->from_h;
    return app_markers_ramp(span > 0 ? fmin(r->hours / span, 1.0) : 0);
}

/* ---- jobs ---- */

static void app__done(void *job, tw_result status);

static void app__side_clear(app_sun_side *sd)
{
    app_sun_job_free(sd->done);
    sd->done = NULL;
    rn_mesh_destroy(sd->mesh);
    sd->mesh = (rn_mesh){0};
    rn_mesh_destroy(sd->dots);
    sd->dots = (rn_mesh){0};
}

static void app__submit(app_sun_hours *s, const app_update_ctx *u, int side)
{
    const app_sun_hours_cfg *c = s->cfg;
    app_world *w = s->world;
    app_world_obstacles_settle(w);
    double area[4];
    if (c->has_area) {
        memcpy(area, c->area, sizeof area);
    } else { /* the view: around the camera's target */
        double half = u->cam->distance * tan(u->cam->fov_y * M_PI / 360.0);
        half = fmin(fmax(half, 50.0), 1500.0);
        double aspect = u->height > 0 ? (double)u->width / u->height : 1;
        area[0] = u->cam->target[0] - half * aspect, area[2] = u->cam->target[0] + half * aspect;
        area[1] = u->cam->target[1] - half, area[3] = u->cam->target[1] + half;
    }
    app_sun_job *j = calloc(1, sizeof *j);
    if (!j) return;
    double d = c->resolution_m;
    j->area = (tw_grid){.x0 = area[0],
                        .y0 = area[1],
                        .dx = d,
                        .dy = d,
                        .nx = (int)ceil((area[2] - area[0]) / d - 1e-9),
                        .ny = (int)ceil((area[3] - area[1]) / d - 1e-9)};
    double cx = 0.5 * (area[0] + area[2]), cy = 0.5 * (area[1] + area[3]);
    double lon = 127, lat = 37.5;
    if (w->lonlat) w->lonlat(w->app, cx, cy, &lon, &lat);
    j->step_count =
        app_sun_steps(c, s->year, s->month, s->day, w->utc_offset_h, lat, lon, &j->steps);
    j->ground = app_world_ground_ref(w);
    app_sun_side *sd = &s->side[side];
    j->before = side == 1;
    if (!j->before) {
        j->set_count = app_world_obstacles_ref(w, j->sets, APP_WORLD_OBSTACLES);
    } else { /* without the planned buildings, the edited ones as they were */
        j->set_count = app_split_before(w, j->sets, APP_WORLD_OBSTACLES, &j->undo, &j->undo_count);
    }
    /* Margins: as far as the tallest thing's shadow reaches (sun above 2
     * degrees), towards the sun only, at most margin_m. */
    float top = -INFINITY;
    for (int i = 0; i < j->set_count; i++) top = fmaxf(top, j->sets[i]->top_max);
    double zlow = w->ground ? w->ground_zmin : 0, rise = isfinite(top) ? top - zlow : 0;
    for (int k = 0; k < j->step_count; k++) {
        double e = j->steps[k].elevation_deg;
        if (e <= 0 || rise <= 0) continue;
        double len = fmin(rise / tan(fmax(e, 2.0) * M_PI / 180), c->margin_m);
        double az = j->steps[k].azimuth_deg * M_PI / 180, ux = sin(az) * len, uy = cos(az) * len;
        j->margin[0] = fmax(j->margin[0], -ux), j->margin[2] = fmax(j->margin[2], ux);
        j->margin[1] = fmax(j->margin[1], -uy), j->margin[3] = fmax(j->margin[3], uy);
    }
    j->floor_h = c->floor_h;
    j->export_tif = c->export_path ? strdup(c->export_path) : NULL;
    j->export_json = c->export_facades ? strdup(c->export_facades) : NULL;
    j->frame = geo_frame_ref(w->frame);
    j->owner = s;
    j->ground_gen = w->ground_gen, j->obstacles_gen = w->obstacles_gen;
    sd->want_ground = w->ground_gen, sd->want_obstacles = w->obstacles_gen;
    sd->want_edits = w->edits_gen;
    if (j->step_count < 1 || j->area.nx < 1 || j->area.ny < 1 ||
        !app_layer_submit(s->layer, j, app_sun_job_run, app__done, 500)) {
        app_layer_info_fail(&s->info, tw_time_mono_s(), "cannot start the computation");
        app_sun_job_free(j);
        return;
    }
    sd->running = j;
    s->info.status = s->side[0].done ? s->info.status : APP_LAYER_LOADING;
}

static void app__done(void *job, tw_result status)
{
    app_sun_job *j = job;
    if (status != TW_OK) { /* the layer is gone */
        app_sun_job_free(j);
        return;
    }
    app_sun_hours *s = j->owner;
    app_sun_side *sd = &s->side[j->before ? 1 : 0];
    sd->running = NULL;
    double now = tw_time_mono_s();
    if (j->status == TW_ERR_CANCELLED) { /* superseded: update submits again */
        app_sun_job_free(j);
        return;
    }
    if (j->status != TW_OK && j->before) { /* the plan's result stands */
        TW_WARN("sun_hours", "%s (before the plan): %s", s->info.name, j->err);
        app_sun_job_free(j);
        return;
    }
    if (j->status != TW_OK) {
        app_layer_info_fail(&s->info, now, "%s", j->err);
        app_sun_job_free(j);
        return;
    }
    app__side_clear(sd);
    sd->done = j;
    s->computations++;
    if (j->before) {
        TW_INFO("sun_hours", "%s (before the plan): %ld cells, mean %.2f h, %.1f%% fail",
                s->info.name, j->cells, j->mean_h, j->fail_fraction * 100);
        return;
    }
    s->selected = -1;
    TW_INFO("sun_hours", "%s: %ld cells, %d facade points in %.0f ms; mean %.2f h, %.1f%% fail",
            s->info.name, j->cells, j->point_count, j->compute_ms, j->mean_h,
            j->fail_fraction * 100);
    app_layer_info_ok(&s->info, now, j->cells);
    s->info.warning[0] = 0;
    if (j->export_err[0]) {
        snprintf(s->info.warning, sizeof s->info.warning, "export failed: %.200s", j->export_err);
        TW_WARN("sun_hours", "export failed: %s", j->export_err);
    }
}

static void app__update(void *self, const app_update_ctx *u)
{
    app_sun_hours *s = self;
    app_world *w = s->world;
    app_world_obstacles_settle(w);
    if (s->info.status == APP_LAYER_ERROR && !s->side[0].running) return;
    for (int k = 0; k < 2; k++) {
        app_sun_side *sd = &s->side[k];
        if (k == 1 && !app_split_has_before(w)) { /* no split, or nothing planned */
            if (sd->running) atomic_store(&sd->running->cancel, 1);
            sd->started = false;
            continue;
        }
        bool stale = w->ground_gen != sd->want_ground || w->obstacles_gen != sd->want_obstacles ||
                     (k == 1 && w->edits_gen != sd->want_edits);
        if (sd->running) {
            if (stale) atomic_store(&sd->running->cancel, 1);
            continue;
        }
        if (!sd->started || stale) {
            sd->started = true;
            app__submit(s, u, k);
        }
    }
}

/* ---- drawing ---- */

/* Runs of cells with one height and one colour as quads, lifted a little
 * above the roofs they cover and 2 m above the ground (the flat ground
 * plane is 2,000 km wide: its depth is only that exact). */
static void app__build_mesh(app_sun_hours *s, app_sun_side *sd, float exag)
{
    const app_sun_job *j = sd->done;
    const tw_grid *g = &j->area;
    size_t quads = 0, cap = 4096;
    tw_mesh m = {.prim = TW_PRIM_TRIANGLES, .attrs = TW_MESH_COLORS};
    float *pos = malloc(cap * 12 * sizeof *pos);
    uint8_t *col = malloc(cap * 16);
    if (!pos || !col) goto out;
    sd->mesh_origin[0] = g->x0, sd->mesh_origin[1] = g->y0, sd->mesh_origin[2] = 0;
    for (int y = 0; y < g->ny; y++) {
        int x = 0;
        while (x < g->nx) {
            size_t c0 = (size_t)y * g->nx + x;
            const tw_sunhours_result *r = &j->res[c0];
            /* the surface: the obstacle's top, else the ground */
            double z = j->surface[c0];
            int k = j->roof[c0] ? 1 : -1;
            rn_rgba c = app__color(s, r);
            int e = x + 1;
            while (e < g->nx && e - x < 64) {
                size_t c1 = (size_t)y * g->nx + e;
                rn_rgba c2 = app__color(s, &j->res[c1]);
                if (memcmp(&c, &c2, sizeof c) != 0 || j->roof[c1] != j->roof[c0]) break;
                if (fabs(j->surface[c1] - z) > (k >= 0 ? 0.01 : 0.5)) break;
                e++;
            }
            if (quads == cap) {
                float *p2 = realloc(pos, cap * 2 * 12 * sizeof *pos);
                if (p2) pos = p2;
                uint8_t *c2 = p2 ? realloc(col, cap * 2 * 16) : NULL;
                if (c2) col = c2;
                if (!p2 || !c2) goto out;
                cap *= 2;
            }
            float zz = (float)(z * exag + (k >= 0 ? 0.3 : 2.0)), x0 = (float)(x * g->dx),
                  x1 = (float)(e * g->dx);
            float y0 = (float)(y * g->dy), y1 = (float)((y + 1) * g->dy);
            float q[12] = {x0, y0, zz, x1, y0, zz, x1, y1, zz, x0, y1, zz};
            memcpy(pos + quads * 12, q, sizeof q);
            for (int v = 0; v < 4; v++) {
                uint8_t *o = col + quads * 16 + v * 4;
                o[0] = c.r, o[1] = c.g, o[2] = c.b, o[3] = 255;
            }
            quads++;
            x = e;
        }
    }
    if (tw_mesh_alloc(&m, (uint32_t)(quads * 4), (uint32_t)(quads * 6), TW_MESH_COLORS) != TW_OK)
        goto out;
    memcpy(m.origin, sd->mesh_origin, sizeof m.origin);
    memcpy(m.positions, pos, quads * 12 * sizeof *pos);
    memcpy(m.colors, col, quads * 16);
    for (size_t k = 0; k < quads; k++) {
        uint32_t b = (uint32_t)(k * 4), *ix = m.indices + k * 6;
        ix[0] = b, ix[1] = b + 1, ix[2] = b + 2, ix[3] = b, ix[4] = b + 2, ix[5] = b + 3;
    }
    sd->mesh = rn_mesh_make(&m);
    tw_mesh_free(&m);
out:
    free(pos);
    free(col);
    sd->mesh_exag = exag;
    sd->mesh_pass_view = s->pass_view;
}

/* A square of half-size `size` metres on each facade point's wall, out of
 * the wall by a little more than the depth buffer can tell apart there
 * (the selected building's a little larger). */
static void app__build_dots(app_sun_hours *s, app_sun_side *sd, float exag, float size)
{
    const app_sun_job *j = sd->done;
    tw_mesh m = {.prim = TW_PRIM_TRIANGLES, .attrs = TW_MESH_COLORS};
    sd->dots_exag = exag, sd->dots_size = size, sd->dots_pass_view = s->pass_view;
    sd->dots_selected = s->selected;
    /* the selection indexes the plan's prisms */
    int sel = sd == &s->side[0] ? s->selected : -1;
    if (j->point_count <= 0 || tw_mesh_alloc(&m, (uint32_t)j->point_count * 4,
                                             (uint32_t)j->point_count * 6, TW_MESH_COLORS) != TW_OK)
        return;
    memcpy(m.origin, sd->mesh_origin, sizeof m.origin);
    for (int p = 0; p < j->point_count; p++) {
        const tw_facade_point *f = &j->points[p];
        rn_rgba c = app__color(s, &j->pres[p]);
        float h = f->prism == sel ? 1.4f * size : size, out = 0.3f + 0.05f * h;
        /* one dot per floor: at most 0.8 of a floor tall */
        float hv = fminf(h, (float)(0.4 * (s->cfg->floor_h > 0 ? s->cfg->floor_h : 3) * exag));
        double cx = f->x + f->nx * out - sd->mesh_origin[0];
        double cy = f->y + f->ny * out - sd->mesh_origin[1], cz = f->z * exag;
        float tx = -f->ny * h, ty = f->nx * h;
        float q[12] = {(float)(cx - tx), (float)(cy - ty), (float)(cz - hv), (float)(cx + tx),
                       (float)(cy + ty), (float)(cz - hv), (float)(cx + tx), (float)(cy + ty),
                       (float)(cz + hv), (float)(cx - tx), (float)(cy - ty), (float)(cz + hv)};
        memcpy(m.positions + (size_t)p * 12, q, sizeof q);
        for (int v = 0; v < 4; v++) {
            uint8_t *o = m.colors + (size_t)p * 16 + v * 4;
            o[0] = c.r, o[1] = c.g, o[2] = c.b, o[3] = 255;
        }
        uint32_t b = (uint32_t)p * 4, *ix = m.indices + (size_t)p * 6;
        ix[0] = b, ix[1] = b + 1, ix[2] = b + 2, ix[3] = b, ix[4] = b + 2, ix[5] = b + 3;
    }
    sd->dots = rn_mesh_make(&m);
    tw_mesh_free(&m);
}

static void app__legend(const app_sun_hours *s, const app_ui_ctx *ui)
{
    const app_sun_hours_cfg *c = s->cfg;
    /* bottom right, above the attributions (they grow with the layers;
     * the left is the buildings' and the detail panel's) */
    float k = ui->scale, w = 180 * k, x = ui->width - w - 136 * k;
    float y = fminf(ui->height - 104 * k, ui->attrib_top - 28 * k);
    char line[256];
    rn_ui_rect(x - 6 * k, y - 34 * k, w + 130 * k, 58 * k, (rn_rgba){16, 24, 36, 210});
    snprintf(line, sizeof line, "Sun hours %04d-%02d-%02d %02d:%02d-%02d:%02d", s->year, s->month,
             s->day, (int)c->from_h, (int)lround(fmod(c->from_h, 1) * 60), (int)c->to_h,
             (int)lround(fmod(c->to_h, 1) * 60));
    rn_ui_text(x, y - 20 * k, 11 * k, (rn_rgba){235, 240, 245, 255}, line);
    if (s->pass_view) {
        rn_ui_rect(x, y, 14 * k, 10 * k, app__pass_color(true));
        rn_ui_text(x + 18 * k, y + 9 * k, 11 * k, (rn_rgba){235, 240, 245, 255},
                   "pass: >= 2 h continuous 09-15 or >= 4 h 08-16");
        rn_ui_rect(x, y + 14 * k, 14 * k, 10 * k, app__pass_color(false));
        rn_ui_text(x + 18 * k, y + 23 * k, 11 * k, (rn_rgba){235, 240, 245, 255},
                   "fail   (U: hours)");
        return;
    }
    for (int i = 0; i < 32; i++)
        rn_ui_rect(x + w * i / 32.0f, y, w / 32.0f + 1, 10 * k, app_markers_ramp(i / 31.0));
    snprintf(line, sizeof line, "0 … %g h   (U: pass/fail)", c->to_h - c->from_h);
    rn_ui_text(x, y + 23 * k, 11 * k, (rn_rgba){235, 240, 245, 255}, line);
}

/* The selected building's facade points that fail the standard. */
static int app__panel_rows(const app_sun_hours *s, char keys[][48], char values[][96], int max,
                           int *total)
{
    const app_sun_job *j = s->side[0].done;
    int n = 0;
    *total = 0;
    for (int p = 0; j && p < j->point_count; p++) {
        if (j->points[p].prism != s->selected) continue;
        (*total)++;
        if (j->pres[p].pass || n >= max) continue;
        const tw_facade_point *f = &j->points[p];
        double facing = fmod(atan2(f->nx, f->ny) * 180 / M_PI + 360, 360);
        snprintf(keys[n], 48, "floor %d, facing %03.0f", f->floor, facing);
        snprintf(values[n], 96, "%.1f h, %.1f h continuous: fail", j->pres[p].hours_8_16,
                 j->pres[p].cont_9_15);
        n++;
    }
    return n;
}

static void app__panel(const app_sun_hours *s, const app_ui_ctx *ui)
{
    if (!s->side[0].done || s->selected < 0 || !app_world_panel_mine(s->world, s)) return;
    static char keys[APP_MARKERS_PANEL_ROWS][48], values[APP_MARKERS_PANEL_ROWS][96];
    const char *kp[APP_MARKERS_PANEL_ROWS], *vp[APP_MARKERS_PANEL_ROWS];
    int total, n = app__panel_rows(s, keys, values, APP_MARKERS_PANEL_ROWS, &total);
    int fails = 0;
    for (int p = 0; p < s->side[0].done->point_count; p++)
        fails += s->side[0].done->points[p].prism == s->selected && !s->side[0].done->pres[p].pass;
    for (int i = 0; i < n; i++) kp[i] = keys[i], vp[i] = values[i];
    char title[160];
    snprintf(title, sizeof title, "Building %ld: %d of %d facade points fail",
             s->side[0].done->merged->id[s->selected], fails, total);
    app_markers_panel(ui, title, kp, vp, n);
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_sun_hours *s = self;
    /* The split view's before side shows its own result once there is one. */
    app_sun_side *sd =
        d->before && app_split_has_before(s->world) && s->side[1].done ? &s->side[1] : &s->side[0];
    if (!sd->done) return;
    const app_ui_ctx *ui = d->ui;
    float exag = (float)(s->world->exaggeration > 0 ? s->world->exaggeration : 1);
    if (pass == APP_PASS_OPAQUE) {
        if (!rn_mesh_valid(sd->mesh) || sd->mesh_exag != exag ||
            sd->mesh_pass_view != s->pass_view) {
            rn_mesh_destroy(sd->mesh);
            app__build_mesh(s, sd, exag);
        }
        if (!rn_mesh_valid(sd->mesh)) return;
        rn_fill_item it[2] = {
            {.mesh = sd->mesh,
             .origin = {sd->mesh_origin[0], sd->mesh_origin[1], sd->mesh_origin[2]},
             .opacity = d->opacity,
             .unshaded = true}};
        /* Dots of about 2.5 pixels at the camera's target, in steps of 1.25x. */
        double px_m = 2 * ui->cam->distance * tan(ui->cam->fov_y * M_PI / 360) /
                      (ui->height > 0 ? ui->height : 1);
        float size = (float)fmax(0.4, pow(1.25, ceil(log(2.5 * ui->scale * px_m) / log(1.25))));
        if (sd->done->point_count > 0 &&
            (!rn_mesh_valid(sd->dots) || sd->dots_exag != exag || sd->dots_size != size ||
             sd->dots_pass_view != s->pass_view || sd->dots_selected != s->selected)) {
            rn_mesh_destroy(sd->dots);
            sd->dots = (rn_mesh){0};
            app__build_dots(s, sd, exag, size);
        }
        int n = 1;
        if (rn_mesh_valid(sd->dots))
            it[n++] = (rn_fill_item){
                .mesh = sd->dots,
                .origin = {sd->mesh_origin[0], sd->mesh_origin[1], sd->mesh_origin[2]},
                .unshaded = true};
        rn_fill_draw(d->view, it, n);
    } else if (pass == APP_PASS_OVERLAY) {
        app__legend(s, ui);
        app__panel(s, ui);
    }
}

/* ---- input, extent, report ---- */

static bool app__click(void *self, const app_pick_query *q)
{
    app_sun_hours *s = self;
    if (!s->side[0].done || !s->side[0].done->merged || !q->has_ground) return false;
    int k = tw_obstacles_find(s->side[0].done->merged, q->ground[0], q->ground[1]);
    bool has_points = false;
    for (int p = 0; k >= 0 && p < s->side[0].done->point_count && !has_points; p++)
        has_points = s->side[0].done->points[p].prism == k;
    if (!has_points) return false;
    s->selected = k;
    app_world_claim_panel(s->world, s);
    return true;
}

static bool app__pick(void *self, const app_pick_query *q, app_pick_hit *out)
{
    app_sun_hours *s = self;
    if (!app__click(self, q)) return false;
    json_object *a = json_object_new_object();
    json_object *fails = json_object_new_array();
    int total = 0, nf = 0;
    for (int p = 0; p < s->side[0].done->point_count; p++) {
        const tw_facade_point *f = &s->side[0].done->points[p];
        if (f->prism != s->selected) continue;
        total++;
        if (s->side[0].done->pres[p].pass) continue;
        nf++;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "floor", json_object_new_int(f->floor));
        json_object_object_add(o, "hours", json_object_new_double(s->side[0].done->pres[p].hours));
        json_object_object_add(o, "continuous_h",
                               json_object_new_double(s->side[0].done->pres[p].cont_9_15));
        json_object_array_add(fails, o);
    }
    json_object_object_add(a, "facade_points", json_object_new_int(total));
    json_object_object_add(a, "facade_fail", json_object_new_int(nf));
    json_object_object_add(a, "failing", fails);
    out->kind = "sun_hours_building";
    out->fid = s->side[0].done->merged->id[s->selected];
    out->attributes = a;
    return true;
}

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    app_sun_hours *s = self;
    (void)ui;
    if (key == 'O') {
        s->pass_view = !s->pass_view;
        return true;
    }
    if (key == RN_KEY_ESCAPE && s->selected >= 0) {
        s->selected = -1;
        return true;
    }
    return false;
}

static int app__reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    const app_sun_hours *s = self;
    if (!s->side[0].done || s->selected < 0 || max < 1 || !app_world_panel_mine(s->world, s))
        return 0;
    app_markers_panel_box(ui, APP_MARKERS_PANEL_ROWS, out[0]);
    return 1;
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    const app_sun_hours *s = self;
    (void)z;
    *has_z = false;
    if (!s->cfg->has_area) return false;
    memcpy(ext, s->cfg->area, 4 * sizeof *ext);
    return true;
}

static bool app__view_ready(const void *self)
{
    const app_sun_hours *s = self;
    if (s->info.status == APP_LAYER_ERROR) return true;
    const app_world *w = s->world;
    app_world_obstacles_settle(w);
    for (int k = 0; k < (app_split_has_before(w) ? 2 : 1); k++) {
        const app_sun_side *sd = &s->side[k];
        if (!sd->done || sd->running || sd->done->ground_gen != w->ground_gen ||
            sd->done->obstacles_gen != w->obstacles_gen)
            return false;
    }
    return true;
}

static double app__progress(const void *self, const char **status)
{
    (void)self;
    *status = "sun hours";
    return 0.5;
}

static void app__report_entry(const void *self, int info, json_object *e)
{
    const app_sun_hours *s = self;
    (void)info;
    char date[16];
    snprintf(date, sizeof date, "%04d-%02d-%02d", s->year, s->month, s->day);
    json_object_object_add(e, "date", json_object_new_string(date));
    const app_sun_job *j = s->side[0].done;
    if (!j) return;
    json_object_object_add(e, "cells", json_object_new_int64(j->cells));
    json_object_object_add(e, "min_h", json_object_new_double(j->min_h));
    json_object_object_add(e, "max_h", json_object_new_double(j->max_h));
    json_object_object_add(e, "mean_h", json_object_new_double(j->mean_h));
    json_object_object_add(e, "fail_fraction", json_object_new_double(j->fail_fraction));
    json_object_object_add(e, "steps", json_object_new_int(j->step_count));
    json_object_object_add(e, "facade_points", json_object_new_int(j->point_count));
    json_object_object_add(e, "facade_fail", json_object_new_int(j->point_fails));
    json_object_object_add(e, "compute_ms", json_object_new_double(j->compute_ms));
    json_object_object_add(e, "computations", json_object_new_int(s->computations));
    json_object *a = json_object_new_array();
    double ext[4] = {j->area.x0, j->area.y0, j->area.x0 + j->area.nx * j->area.dx,
                     j->area.y0 + j->area.ny * j->area.dy};
    for (int k = 0; k < 4; k++) json_object_array_add(a, json_object_new_double(ext[k]));
    json_object_object_add(e, "area", a);
    /* The split view's before side (without the plan). */
    const app_sun_job *b = s->side[1].done;
    if (!b || !app_split_has_before(s->world)) return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "cells", json_object_new_int64(b->cells));
    json_object_object_add(o, "mean_h", json_object_new_double(b->mean_h));
    json_object_object_add(o, "fail_fraction", json_object_new_double(b->fail_fraction));
    json_object_object_add(o, "facade_points", json_object_new_int(b->point_count));
    json_object_object_add(o, "facade_fail", json_object_new_int(b->point_fails));
    json_object_object_add(e, "before", o);
}

/* ---- lifecycle ---- */

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_sun_hours_cfg *c = cfgp;
    app_sun_hours *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cfg = c, s->layer = l, s->world = w, s->selected = -1;
    app_layer_info_begin(&s->info, "sun_hours", c->name ? c->name : "sun hours", "", NULL,
                         tw_time_mono_s());
    app_layer_add_info(l, &s->info);
    s->pass_view = c->pass_view;
    if (c->has_date) {
        s->year = c->year, s->month = c->month, s->day = c->day;
    } else { /* the winter solstice of the scene's year */
        double h;
        int m, d;
        tw_sun_civil(w->time_s, w->utc_offset_h, &s->year, &m, &d, &h);
        tw_sun_winter_solstice(s->year, w->utc_offset_h, &s->month, &s->day);
    }
    return s;
}

static void app__destroy(void *self)
{
    app_sun_hours *s = self;
    app_world_release_panel(s->world, s);
    /* A job in flight is cancelled with the layer's token; its done
     * callback frees it. */
    for (int k = 0; k < 2; k++) {
        if (s->side[k].running) atomic_store(&s->side[k].running->cancel, 1);
        app__side_clear(&s->side[k]);
    }
    free(s);
}

static void app__cfg_free(void *cfg)
{
    app_sun_hours_cfg *c = cfg;
    if (!c) return;
    free(c->name);
    free(c->export_path);
    free(c->export_facades);
    free(c);
}

static bool app__clock(app_cfg *c, json_object *o, const char *key, double *out)
{
    if (!tw_json_has(o, key)) return true;
    const char *v = tw_json_string(o, key);
    if (!v || !tw_sun_parse_clock(v, out)) return app_cfg_fail(c, key, "must be \"HH:MM\"");
    return true;
}

/* { "area": [xmin, ymin, xmax, ymax], "date": "YYYY-MM-DD", "from": "08:00",
 *   "to": "16:00", "step_min": 5, "resolution_m": 2, "export": path,
 *   "export_facades": path, "floor_height_m": 3, "margin_m": 1000,
 *   "show": "hours" | "pass" } */
static void *app__parse(app_cfg *c, json_object *o)
{
    static const char *const known[] = {"kind",           "name",
                                        "area",           "date",
                                        "from",           "to",
                                        "step_min",       "resolution_m",
                                        "export",         "export_facades",
                                        "floor_height_m", "margin_m",
                                        "show",           NULL};
    app_sun_hours_cfg *s = calloc(1, sizeof *s);
    if (!s) return app_cfg_fail(c, "sun_hours", "is too large"), NULL;
    s->from_h = 8, s->to_h = 16, s->step_min = 5, s->resolution_m = 2, s->floor_h = 3;
    s->margin_m = 1000;
    bool ok = app_cfg_string(c, o, "name", &s->name) && app__clock(c, o, "from", &s->from_h) &&
              app__clock(c, o, "to", &s->to_h) &&
              app_cfg_number(c, o, "step_min", &s->step_min, 1, 120) &&
              app_cfg_number(c, o, "resolution_m", &s->resolution_m, 0.25, 100) &&
              app_cfg_number(c, o, "floor_height_m", &s->floor_h, 1, 20) &&
              app_cfg_number(c, o, "margin_m", &s->margin_m, 0, 10000) &&
              app_cfg_path(c, o, "export", false, &s->export_path) &&
              app_cfg_path(c, o, "export_facades", false, &s->export_facades);
    if (ok && tw_json_has(o, "show")) {
        const char *v = tw_json_string(o, "show");
        s->pass_view = v && strcmp(v, "pass") == 0;
        if (!v || (strcmp(v, "pass") != 0 && strcmp(v, "hours") != 0))
            ok = app_cfg_fail(c, "show", "must be \"hours\" or \"pass\"");
    }
    if (ok && s->to_h <= s->from_h) ok = app_cfg_fail(c, "to", "must be later than \"from\"");
    if (ok && tw_json_has(o, "date")) {
        const char *v = tw_json_string(o, "date");
        s->has_date = v && tw_sun_parse_date(v, &s->year, &s->month, &s->day);
        if (!s->has_date) ok = app_cfg_fail(c, "date", "must be \"YYYY-MM-DD\"");
    }
    if (ok && tw_json_has(o, "area")) {
        ok = app_cfg_coords(c, o, "area", s->area, 4, "[xmin, ymin, xmax, ymax] in the scene CRS");
        s->has_area = ok && s->area[0] < s->area[2] && s->area[1] < s->area[3];
        if (ok && !s->has_area)
            ok = app_cfg_fail(c, "area",
                              "must be [xmin, ymin, xmax, ymax] with xmin < xmax, "
                              "ymin < ymax");
        double cells = ok ? (s->area[2] - s->area[0]) * (s->area[3] - s->area[1]) /
                                (s->resolution_m * s->resolution_m)
                          : 0;
        if (ok && cells > 64e6)
            ok = app_cfg_fail(c, "area", "is over 64 million cells at this resolution_m");
    }
    if (ok) app_cfg_unknown(c, o, known, NULL);
    if (!ok) {
        app__cfg_free(s);
        return NULL;
    }
    return s;
}

const app_layer_kind app_sun_hours_kind = {
    .name = "sun_hours",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .create = app__create,
    .destroy = app__destroy,
    .update = app__update,
    .draw = app__draw,
    .extent = app__extent,
    .view_ready = app__view_ready,
    .progress = app__progress,
    .pick = app__pick,
    .click = app__click,
    .key = app__key,
    .reserved = app__reserved,
    .report_entry = app__report_entry,
};
