/* Viewshed layer (see app_viewshed.h). The DEM is read once on a worker
 * and shared with every computation; a computation takes references to
 * the obstacles published at the time. One computation runs at a time:
 * a newer observer waits for it and then goes (coarse first while the
 * observer moves, then the full pass). */
#include "app_viewshed.h"

#include "app_markers.h"
#include "app_viewshed_int.h"
#include "geo_crs.h"
#include "rn_context.h"
#include "rn_tint.h"
#include "tw_file.h"
#include "tw_json.h"
#include "tw_time.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_VS_COARSE 4 /* cells of a coarse pass per full cell, a side */

typedef struct app_viewshed {
    app_layer_info info;
    const app_vs_cfg *cfg;
    app_layer *layer;
    app_world *world;
    app_vs_dem *dem;
    double obs[2];
    bool has_obs;
    bool carrying;      /* V: the observer follows the mouse */
    bool busy, pending; /* a computation runs; the observer moved since */
    bool pending_full;  /* after a coarse pass, the full one */
    unsigned obstacles_gen;
    unsigned serial;
    rn_mesh mesh, ground;
    rn_texture mask;
    double mask_x0, mask_y0, mask_size;
    double mesh_origin[2];
    tw_viewshed_stats st;
    double eye_z;
    bool have, have_full, exported;
    int passes;
    double coarse_ms, full_ms; /* the last passes' times on the worker */
    /* The split view's before side (without the scenario's plan): its
     * last full pass, and the inputs of the one in flight or shown. */
    bool busy_b, have_b;
    double obs_b[2];
    unsigned obstacles_gen_b, edits_gen_b;
    rn_mesh mesh_b, ground_b;
    rn_texture mask_b;
    double mask_b_x0, mask_b_y0, mask_b_size, mesh_b_origin[2];
    tw_viewshed_stats st_b;
} app_viewshed;

/* ---- loading the DEM ---- */

typedef struct app_vs_load {
    app_viewshed *owner;
    char *dem_path, *scene_path;
    geo_frame *frame;
    bool lonlat;
    double ll[2];
    app_vs_dem *dem;
    double obs[2];
    tw_result status;
    char err[512];
} app_vs_load;

static void app__load_free(app_vs_load *j)
{
    free(j->dem_path);
    free(j->scene_path);
    if (j->frame) geo_frame_destroy(j->frame);
    app_vs_dem_release(j->dem);
    free(j);
}

/* The scene's terrain source, resolved against the scene's folder. */
static bool app__scene_terrain(const char *scene, char *out, size_t n, char *err, size_t en)
{
    json_object *root = NULL;
    if (!scene || tw_json_load_file(scene, 16u << 20, &root, err, en) != TW_OK) {
        if (!scene) snprintf(err, en, "no \"dem\" and no scene file to find the terrain in");
        return false;
    }
    json_object *t = tw_json_get(root, "terrain", json_type_object);
    const char *src = t ? tw_json_string(t, "source") : NULL;
    if (!src) {
        snprintf(err, en, "no \"dem\" and the scene has no terrain source");
        json_object_put(root);
        return false;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", scene);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    tw_path_join(dir, src, out, n);
    json_object_put(root);
    return true;
}

static void app__load_run(void *job, int worker)
{
    (void)worker;
    app_vs_load *j = job;
    char path[PATH_MAX];
    if (j->dem_path)
        snprintf(path, sizeof path, "%s", j->dem_path);
    else if (!app__scene_terrain(j->scene_path, path, sizeof path, j->err, sizeof j->err)) {
        j->status = TW_ERR_ARG;
        return;
    }
    app_vs_dem *d = calloc(1, sizeof *d);
    if (!d) {
        j->status = TW_ERR_NOMEM;
        snprintf(j->err, sizeof j->err, "out of memory");
        return;
    }
    atomic_init(&d->refs, 1);
    j->dem = d;
    snprintf(d->path, sizeof d->path, "%s", path);
    j->status = geo_dem_read(path, &d->dem, j->err, sizeof j->err);
    if (j->status != TW_OK) return;
    /* The DEM's centre in the scene: the shift between the two CRSs. */
    const geo_dem *g = &d->dem;
    double cx = g->gt[0] + g->gt[1] * g->nx / 2, cy = g->gt[3] + g->gt[5] * g->ny / 2;
    double sx = cx, sy = cy;
    geo_xform *xf = NULL;
    char e2[256];
    if (g->srs && geo_xform_create(j->frame, g->srs, 0, &xf, e2, sizeof e2) == TW_OK) {
        geo_xform_to_scene(xf, 1, &sx, &sy, NULL);
        geo_xform_destroy(xf);
    }
    if (isfinite(sx) && isfinite(sy) && sx != HUGE_VAL) d->off[0] = sx - cx, d->off[1] = sy - cy;
    if (j->lonlat) {
        double x = j->ll[0], y = j->ll[1];
        if (geo_xform_create_lonlat(j->frame, &xf, e2, sizeof e2) == TW_OK) {
            geo_xform_to_scene(xf, 1, &x, &y, NULL);
            geo_xform_destroy(xf);
        }
        j->obs[0] = x, j->obs[1] = y;
        if (x == HUGE_VAL) {
            snprintf(j->err, sizeof j->err, "observer_lonlat cannot be placed in the scene");
            j->status = TW_ERR_CRS;
        }
    } else if (!isfinite(j->obs[0])) {
        /* No observer given: the DEM's highest cell. */
        size_t best = 0;
        for (size_t k = 1; k < (size_t)g->nx * g->ny; k++)
            if (g->z[k] > g->z[best] && !(g->has_nodata && g->z[k] == (float)g->nodata)) best = k;
        geo_dem_cell_center(g, (int)(best % g->nx), (int)(best / g->nx), &j->obs[0], &j->obs[1]);
        j->obs[0] += d->off[0], j->obs[1] += d->off[1];
    }
}

static void app__submit(app_viewshed *v, bool coarse);

static void app__load_done(void *job, tw_result pool_status)
{
    app_vs_load *j = job;
    if (pool_status != TW_OK) {
        app__load_free(j);
        return;
    }
    app_viewshed *v = j->owner;
    if (j->status != TW_OK) {
        app_layer_info_fail(&v->info, tw_time_mono_s(), "%s", j->err);
    } else {
        v->dem = j->dem;
        j->dem = NULL;
        size_t len = strnlen(v->dem->path, sizeof v->info.source - 1);
        memcpy(v->info.source, v->dem->path, len);
        v->info.source[len] = 0;
        if (!v->has_obs) v->obs[0] = j->obs[0], v->obs[1] = j->obs[1];
        v->has_obs = true;
        app__submit(v, false);
    }
    app__load_free(j);
}

/* ---- computing ---- */

static void app__compute_done(void *job, tw_result pool_status)
{
    app_vs_job *j = job;
    if (pool_status != TW_OK) {
        app_vs_job_free(j);
        return;
    }
    app_viewshed *v = j->owner;
    double now = tw_time_mono_s();
    if (j->before) {
        v->busy_b = false;
        if (j->status != TW_OK) {
            TW_WARN("viewshed", "%s (before the plan): %s", v->info.name, j->err);
        } else {
            rn_mesh_destroy(v->mesh_b);
            rn_mesh_destroy(v->ground_b);
            rn_texture_destroy(v->mask_b);
            v->mesh_b = rn_mesh_make(&j->mesh);
            v->ground_b = rn_mesh_make(&j->ground);
            v->mask_b = rn_texture_make(&(rn_texture_desc){.width = j->n,
                                                           .height = j->n,
                                                           .format = RN_TEX_R8,
                                                           .pixels = j->vis,
                                                           .nearest = true});
            v->mask_b_x0 = j->x0, v->mask_b_y0 = j->y0, v->mask_b_size = j->size;
            v->mesh_b_origin[0] = j->mesh.origin[0], v->mesh_b_origin[1] = j->mesh.origin[1];
            v->st_b = j->st;
            v->have_b = true;
        }
        app_vs_job_free(j);
        return;
    }
    v->busy = false;
    if (j->status != TW_OK) {
        app_layer_info_fail(&v->info, now, "%s", j->err);
    } else {
        rn_mesh_destroy(v->mesh);
        rn_mesh_destroy(v->ground);
        rn_texture_destroy(v->mask);
        v->mesh = rn_mesh_make(&j->mesh);
        v->ground = rn_mesh_make(&j->ground);
        v->mask = rn_texture_make(&(rn_texture_desc){
            .width = j->n, .height = j->n, .format = RN_TEX_R8, .pixels = j->vis, .nearest = true});
        v->mask_x0 = j->x0, v->mask_y0 = j->y0, v->mask_size = j->size;
        v->mesh_origin[0] = j->mesh.origin[0], v->mesh_origin[1] = j->mesh.origin[1];
        v->st = j->st;
        v->eye_z = j->eye_z;
        v->have = true;
        v->have_full = !j->coarse;
        v->passes++;
        if (j->coarse)
            v->coarse_ms = j->ms;
        else
            v->full_ms = j->ms;
        if (j->export_path && !j->exported)
            app_layer_info_fail(&v->info, now, "export: %s", j->err);
        else {
            v->exported = v->exported || j->exported;
            if (v->info.status != APP_LAYER_OK) app_layer_info_ok(&v->info, now, j->st.in_range);
            v->info.features = j->st.in_range;
        }
    }
    bool was_coarse = j->coarse;
    app_vs_job_free(j);
    if (v->pending) {
        v->pending = false;
        app__submit(v, v->carrying);
    } else if (was_coarse) {
        app__submit(v, false);
    }
}

/* Whether the before side's pass is out of date (the observer, the
 * obstacles or the plan moved since). */
static bool app__before_stale(const app_viewshed *v)
{
    app_world_obstacles_settle(v->world);
    return v->obs_b[0] != v->obs[0] || v->obs_b[1] != v->obs[1] ||
           v->obstacles_gen_b != v->world->obstacles_gen || v->edits_gen_b != v->world->edits_gen;
}

/* The split view's before side: a full pass without the plan. */
static void app__submit_before(app_viewshed *v)
{
    const app_vs_cfg *c = v->cfg;
    app_world *w = v->world;
    app_world_obstacles_settle(w);
    app_vs_job *j = calloc(1, sizeof *j);
    if (!j) return;
    j->owner = v;
    j->before = true;
    j->dem = app_vs_dem_ref(v->dem);
    j->set_count = app_split_before(w, j->sets, APP_VS_SETS, &j->undo, &j->undo_count);
    j->ox = v->obs[0], j->oy = v->obs[1];
    j->observer_h = c->observer_h, j->target_h = c->target_h, j->radius = c->radius;
    j->native = c->resolution <= 0;
    j->cell = j->native ? fabs(v->dem->dem.gt[1]) : c->resolution;
    for (int k = 0; k < 4; k++) j->color[k] = (uint8_t)lrintf(c->color[k] * 255);
    j->serial = ++v->serial;
    v->obs_b[0] = v->obs[0], v->obs_b[1] = v->obs[1];
    v->obstacles_gen_b = w->obstacles_gen, v->edits_gen_b = w->edits_gen;
    if (!app_layer_submit(v->layer, j, app_vs_job_run, app__compute_done, 500)) {
        app_vs_job_free(j);
        return;
    }
    v->busy_b = true;
}

static void app__submit(app_viewshed *v, bool coarse)
{
    app_world_obstacles_settle(v->world);
    if (!v->dem || !v->has_obs) return;
    if (v->busy) {
        v->pending = true;
        return;
    }
    const app_vs_cfg *c = v->cfg;
    app_vs_job *j = calloc(1, sizeof *j);
    if (!j) return;
    j->owner = v;
    j->dem = app_vs_dem_ref(v->dem);
    j->set_count = app_world_obstacles_ref(v->world, j->sets, APP_VS_SETS);
    j->ox = v->obs[0], j->oy = v->obs[1];
    j->observer_h = c->observer_h, j->target_h = c->target_h, j->radius = c->radius;
    double dem_cell = fabs(v->dem->dem.gt[1]);
    j->native = c->resolution <= 0;
    j->cell = j->native ? dem_cell : c->resolution;
    j->coarse = coarse;
    if (coarse) {
        j->cell *= APP_VS_COARSE;
        j->native = false;
    }
    for (int k = 0; k < 4; k++) j->color[k] = (uint8_t)lrintf(c->color[k] * 255);
    if (c->export_path && !coarse) j->export_path = strdup(c->export_path);
    j->serial = ++v->serial;
    v->obstacles_gen = v->world->obstacles_gen;
    if (!app_layer_submit(v->layer, j, app_vs_job_run, app__compute_done, 500)) {
        app_vs_job_free(j);
        return;
    }
    v->busy = true;
}

/* ---- the layer ---- */

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_vs_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_viewshed *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->cfg = cfg, v->layer = l, v->world = w;
    v->has_obs = cfg->has_observer;
    v->obs[0] = cfg->observer[0], v->obs[1] = cfg->observer[1];
    app_layer_info_begin(&v->info, "viewshed", cfg->name ? cfg->name : "가시권 viewshed",
                         cfg->dem ? cfg->dem : "(the scene's terrain)",
                         "computed by citytwin from the terrain and buildings", now);
    app_layer_add_info(l, &v->info);
    app_vs_load *j = calloc(1, sizeof *j);
    if (!j) {
        app_layer_info_fail(&v->info, now, "out of memory");
        return v;
    }
    j->owner = v;
    j->dem_path = cfg->dem ? strdup(cfg->dem) : NULL;
    j->scene_path = w->scene_path ? strdup(w->scene_path) : NULL;
    j->frame = geo_frame_ref(w->frame);
    j->lonlat = cfg->has_lonlat;
    j->ll[0] = cfg->lonlat[0], j->ll[1] = cfg->lonlat[1];
    j->obs[0] = cfg->has_observer ? cfg->observer[0] : NAN;
    j->obs[1] = cfg->observer[1];
    if (!app_layer_submit(l, j, app__load_run, app__load_done, 800)) {
        app__load_free(j);
        app_layer_info_fail(&v->info, now, "out of memory");
    }
    return v;
}

static void app__destroy(void *self)
{
    app_viewshed *v = self;
    rn_mesh_destroy(v->mesh);
    rn_mesh_destroy(v->ground);
    rn_texture_destroy(v->mask);
    rn_mesh_destroy(v->mesh_b);
    rn_mesh_destroy(v->ground_b);
    rn_texture_destroy(v->mask_b);
    app_vs_dem_release(v->dem);
    free(v);
}

static void app__update(void *self, const app_update_ctx *u)
{
    (void)u;
    app_viewshed *v = self;
    app_world_obstacles_settle(v->world);
    /* Buildings arrived or changed: the view changes with them. */
    if (v->dem && v->has_obs && v->world->obstacles_gen != v->obstacles_gen && !v->busy)
        app__submit(v, false);
    /* The split view's before side, once the observer rests. */
    if (v->dem && v->has_obs && !v->carrying && !v->busy_b && app_split_has_before(v->world) &&
        (!v->have_b || app__before_stale(v)))
        app__submit_before(v);
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_viewshed *v = self;
    if (pass != APP_PASS_DRAPED || !v->have) return;
    if (d->before && v->have_b && app_split_has_before(v->world)) { /* the split's before side */
        rn_tint_item b[2] = {{.mesh = v->ground_b,
                              .origin = {v->mesh_b_origin[0], v->mesh_b_origin[1]},
                              .opacity = d->opacity,
                              .mask = v->mask_b,
                              .mask_x0 = v->mask_b_x0,
                              .mask_y0 = v->mask_b_y0,
                              .mask_size = v->mask_b_size},
                             {.mesh = v->mesh_b,
                              .origin = {v->mesh_b_origin[0], v->mesh_b_origin[1]},
                              .opacity = d->opacity}};
        rn_tint_draw(d->view, d->drape, b, 2);
        return;
    }
    rn_tint_item it[2] = {
        {.mesh = v->ground,
         .origin = {v->mesh_origin[0], v->mesh_origin[1]},
         .opacity = d->opacity,
         .mask = v->mask,
         .mask_x0 = v->mask_x0,
         .mask_y0 = v->mask_y0,
         .mask_size = v->mask_size},
        {.mesh = v->mesh, .origin = {v->mesh_origin[0], v->mesh_origin[1]}, .opacity = d->opacity}};
    rn_tint_draw(d->view, d->drape, it, 2);
}

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    (void)ui;
    app_viewshed *v = self;
    if (key == 'V' && v->dem) {
        v->carrying = !v->carrying;
        if (!v->carrying) app__submit(v, false);
        return true;
    }
    if (key == RN_KEY_ESCAPE && v->carrying) {
        v->carrying = false;
        app__submit(v, false);
        return true;
    }
    return false;
}

static void app__hover(void *self, const app_pick_query *q)
{
    app_viewshed *v = self;
    if (!v->carrying || !q->has_ground) return;
    if (fabs(q->ground[0] - v->obs[0]) < 1e-6 && fabs(q->ground[1] - v->obs[1]) < 1e-6) return;
    v->obs[0] = q->ground[0], v->obs[1] = q->ground[1];
    app__submit(v, true);
}

static bool app__click(void *self, const app_pick_query *q)
{
    app_viewshed *v = self;
    if (!v->carrying) return false;
    v->carrying = false;
    if (q->has_ground) v->obs[0] = q->ground[0], v->obs[1] = q->ground[1];
    app__submit(v, false);
    return true;
}

/* Grabbing the observer's mark (within 16 px) drags it. */
static bool app__drag(void *self, const app_pick_query *q, int phase)
{
    app_viewshed *v = self;
    if (phase == APP_DRAG_START) {
        if (!v->dem || !v->has_obs || !q->ui || !q->ui->cam) return false;
        double g[3], sx, sy;
        app_markers_ground(v->world, v->obs[0], v->obs[1], g);
        if (!app_camera_project(q->ui->cam, q->ui->width, q->ui->height, g, &sx, &sy) ||
            hypot(sx - q->px, sy - q->py) > 16 * q->ui->scale)
            return false;
        v->carrying = true;
        return true;
    }
    if (q->has_ground) v->obs[0] = q->ground[0], v->obs[1] = q->ground[1];
    if (phase == APP_DRAG_END) v->carrying = false;
    app__submit(v, phase == APP_DRAG_MOVE);
    return true;
}

static bool app__view_ready(const void *self)
{
    const app_viewshed *v = self;
    if (v->info.status == APP_LAYER_ERROR) return true;
    if (app_split_has_before(v->world) && (!v->have_b || v->busy_b || app__before_stale(v)))
        return false;
    return v->have_full && !v->busy && !v->pending;
}

static double app__progress(const void *self, const char **status)
{
    const app_viewshed *v = self;
    *status = v->dem ? "computing the viewshed" : "reading the DEM";
    return v->dem ? 0.5 : 0;
}

static void app__report_entry(const void *self, int info, json_object *e)
{
    (void)info;
    const app_viewshed *v = self;
    const app_vs_cfg *c = v->cfg;
    json_object *o = json_object_new_array();
    json_object_array_add(o, json_object_new_double(v->obs[0]));
    json_object_array_add(o, json_object_new_double(v->obs[1]));
    json_object_object_add(e, "observer", o);
    json_object_object_add(e, "observer_height_m", json_object_new_double(c->observer_h));
    json_object_object_add(e, "target_height_m", json_object_new_double(c->target_h));
    json_object_object_add(e, "radius_m", json_object_new_double(c->radius));
    json_object_object_add(e, "resolution_m",
                           json_object_new_double(c->resolution > 0 ? c->resolution
                                                  : v->dem          ? fabs(v->dem->dem.gt[1])
                                                                    : 0));
    json_object_object_add(e, "cells", json_object_new_int64(v->st.in_range));
    json_object_object_add(e, "visible_cells", json_object_new_int64(v->st.visible));
    json_object_object_add(
        e, "visible_fraction",
        json_object_new_double(v->st.in_range ? (double)v->st.visible / v->st.in_range : 0));
    json_object_object_add(e, "eye_z_m", json_object_new_double(v->eye_z));
    if (v->have_b && app_split_has_before(v->world)) { /* the split view's before side */
        json_object *b = json_object_new_object();
        json_object_object_add(b, "cells", json_object_new_int64(v->st_b.in_range));
        json_object_object_add(b, "visible_cells", json_object_new_int64(v->st_b.visible));
        json_object_object_add(
            b, "visible_fraction",
            json_object_new_double(v->st_b.in_range ? (double)v->st_b.visible / v->st_b.in_range
                                                    : 0));
        json_object_object_add(e, "before", b);
    }
    json_object_object_add(e, "passes", json_object_new_int(v->passes));
    json_object_object_add(e, "full_pass_ms", json_object_new_double(v->full_ms));
    json_object_object_add(e, "coarse_pass_ms", json_object_new_double(v->coarse_ms));
    if (c->export_path) {
        json_object_object_add(e, "export", json_object_new_string(c->export_path));
        json_object_object_add(e, "exported", json_object_new_boolean(v->exported));
    }
}

/* ---- scene file ---- */

static void app__cfg_free(void *p)
{
    app_vs_cfg *c = p;
    if (!c) return;
    free(c->name);
    free(c->export_path);
    free(c->dem);
    free(c);
}

static void *app__parse(app_cfg *cf, json_object *o)
{
    static const char *const keys[] = {"kind",
                                       "name",
                                       "observer",
                                       "observer_lonlat",
                                       "observer_height_m",
                                       "target_height_m",
                                       "radius_m",
                                       "resolution_m",
                                       "export",
                                       "dem",
                                       "color",
                                       NULL};
    app_vs_cfg *c = calloc(1, sizeof *c);
    if (!c) return app_cfg_fail(cf, "viewshed", "is too large"), NULL;
    c->observer_h = 1.6, c->radius = 3000;
    c->color[0] = 1.0f, c->color[1] = 0.85f, c->color[2] = 0.1f, c->color[3] = 0.45f;
    app_cfg_unknown(cf, o, keys, NULL);
    if (!app_cfg_string(cf, o, "name", &c->name) ||
        (tw_json_has(o, "observer") &&
         !app_cfg_coords(cf, o, "observer", c->observer, 2, "[x, y]")) ||
        (tw_json_has(o, "observer_lonlat") &&
         !app_cfg_numbers(cf, o, "observer_lonlat", c->lonlat, 2, "[lon, lat]")) ||
        !app_cfg_number(cf, o, "observer_height_m", &c->observer_h, 0, 10000) ||
        !app_cfg_number(cf, o, "target_height_m", &c->target_h, 0, 10000) ||
        !app_cfg_number(cf, o, "radius_m", &c->radius, 1, 200000) ||
        !app_cfg_number(cf, o, "resolution_m", &c->resolution, 0.25, 10000) ||
        !app_cfg_path(cf, o, "export", false, &c->export_path) ||
        !app_cfg_path(cf, o, "dem", false, &c->dem) || !app_cfg_color(cf, o, "color", c->color)) {
        app__cfg_free(c);
        return NULL;
    }
    c->has_observer = tw_json_has(o, "observer");
    c->has_lonlat = tw_json_has(o, "observer_lonlat");
    if (c->has_lonlat && (fabs(c->lonlat[0]) > 180 || fabs(c->lonlat[1]) > 90)) {
        app_cfg_fail(cf, "observer_lonlat", "must be [lon, lat] in degrees");
        app__cfg_free(c);
        return NULL;
    }
    if (c->resolution > 0 && c->radius / c->resolution > 4000) {
        app_cfg_fail(cf, "resolution_m", "is too fine for the radius (over 8000 cells a side)");
        app__cfg_free(c);
        return NULL;
    }
    return c;
}

const app_layer_kind app_viewshed_kind = {
    .name = "viewshed",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .create = app__create,
    .destroy = app__destroy,
    .update = app__update,
    .draw = app__draw,
    .key = app__key,
    .hover = app__hover,
    .click = app__click,
    .drag = app__drag,
    .view_ready = app__view_ready,
    .progress = app__progress,
    .report_entry = app__report_entry,
};
