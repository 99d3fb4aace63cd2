/* Scenario layer (see app_scenario.h). The file is read and written on
 * workers; everything else is main-thread work on a handful of items. */
#include "app_scenario.h"

#include "app_scenario_int.h"
#include "app_scenario_state.h"
#include "geo_polymesh.h"
#include "rn_fill.h"
#include "rn_shadow.h"
#include "tw_json.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading and saving ---- */

typedef struct app_sc_job {
    app_scenario *owner;
    geo_frame *frame;
    char *path;
    double floor_m;
    bool save;
    app_sc_list items;
    tw_result status;
    char err[512];
} app_sc_job;

static void app__job_free(app_sc_job *j)
{
    if (j->frame) geo_frame_destroy(j->frame);
    free(j->path);
    app_sc_list_free(&j->items);
    free(j);
}

static void app__job_run(void *job, int worker)
{
    (void)worker;
    app_sc_job *j = job;
    if (j->save)
        j->status = app_sc_save(j->path, j->frame, &j->items, j->err, sizeof j->err);
    else
        j->status = app_sc_load(j->path, j->frame, j->floor_m, &j->items, j->err, sizeof j->err);
}

static void app__job_done(void *job, tw_result pool_status)
{
    app_sc_job *j = job;
    if (pool_status != TW_OK) {
        app__job_free(j);
        return;
    }
    app_scenario *s = j->owner;
    double now = tw_time_mono_s();
    if (j->save) {
        s->saving = false;
        if (j->status != TW_OK)
            TW_WARN("scenario", "%s", j->err);
        else {
            s->saves++;
            TW_INFO("scenario", "saved %d items to %s", s->items.count, j->path);
        }
    } else if (j->status == TW_ERR_IO) {
        /* No file yet: a new scenario, saved there on J. */
        s->loaded = true, s->dirty = true;
        app_layer_info_ok(&s->info, now, 0);
        snprintf(s->info.warning, sizeof s->info.warning, "new scenario (no file yet)");
    } else if (j->status != TW_OK) {
        app_layer_info_fail(&s->info, now, "%s", j->err);
    } else {
        s->items = j->items;
        j->items = (app_sc_list){0};
        s->loaded = true, s->dirty = true;
        app_layer_info_ok(&s->info, now, s->items.count);
    }
    app__job_free(j);
}

static bool app__submit(app_scenario *s, bool save)
{
    app_sc_job *j = calloc(1, sizeof *j);
    if (!j) return false;
    j->owner = s;
    j->frame = geo_frame_ref(s->world->frame);
    j->path = strdup(save && s->cfg->save ? s->cfg->save : s->cfg->source);
    j->floor_m = s->cfg->floor_m;
    j->save = save;
    if (!j->path || (save && !app_sc_list_copy(&j->items, &s->items)) ||
        !app_layer_submit(s->layer, j, app__job_run, app__job_done, 700)) {
        app__job_free(j);
        return false;
    }
    return true;
}

bool app_sc_submit_save(app_scenario *s)
{
    return app__submit(s, true);
}

/* ---- applying ---- */

static void app__withdraw(app_scenario *s)
{
    if (s->edits_set) app_world_set_edits(s->world, s, NULL, 0);
    if (s->obstacles_set) app_world_set_obstacles(s->world, s, NULL);
    s->edits_set = s->obstacles_set = false;
}

/* Edits for the buildings layers and the added buildings' bases. */
static void app__apply(app_scenario *s)
{
    s->dirty = false;
    s->ground_gen = s->world->ground_gen;
    s->exag = 0; /* the meshes again */
    free(s->edits);
    free(s->base);
    s->edits = calloc((size_t)s->items.count + 1, sizeof *s->edits);
    s->base = calloc((size_t)s->items.count + 1, sizeof *s->base);
    s->edit_count = 0;
    s->added = s->raised = s->removed = 0;
    if (!s->edits || !s->base) return;
    for (int i = 0; i < s->items.count; i++) {
        const app_sc_item *it = &s->items.items[i];
        if (it->op == APP_SC_ADD) {
            double lo = INFINITY, z;
            for (int k = 0; k < it->n; k++)
                if (app_world_ground(s->world, it->xy[2 * k], it->xy[2 * k + 1], &z))
                    lo = fmin(lo, z);
            s->base[i] = isfinite(lo) ? lo : 0;
            s->added++;
            continue;
        }
        s->edits[s->edit_count++] = (app_building_edit){.layer = it->layer,
                                                        .fid = it->fid,
                                                        .height_m = it->height_m,
                                                        .removed = it->op == APP_SC_REMOVE,
                                                        .height0_m = NAN};
        if (it->op == APP_SC_RAISE)
            s->raised++;
        else
            s->removed++;
    }
    app__withdraw(s);
    if (s->before) return;
    if (s->edit_count || s->added) { /* also names the planned buildings' owner */
        app_world_set_edits(s->world, s, s->edits, s->edit_count);
        s->edits_set = true;
    }
    /* The added buildings as obstacles. */
    int n = s->added, points = 0;
    if (!n) return;
    for (int i = 0; i < s->items.count; i++)
        if (s->items.items[i].op == APP_SC_ADD) points += s->items.items[i].n;
    int *ring_first = malloc(((size_t)n + 1) * sizeof *ring_first);
    int *ring_start = malloc(((size_t)n + 1) * sizeof *ring_start);
    double *xy = malloc((size_t)points * 2 * sizeof *xy);
    float *base = malloc((size_t)n * sizeof *base), *top = malloc((size_t)n * sizeof *top);
    long *id = malloc((size_t)n * sizeof *id);
    tw_obstacles *set = NULL;
    if (ring_first && ring_start && xy && base && top && id) {
        int f = 0, k = 0;
        ring_start[0] = 0;
        for (int i = 0; i < s->items.count; i++) {
            const app_sc_item *it = &s->items.items[i];
            if (it->op != APP_SC_ADD) continue;
            ring_first[f] = f;
            memcpy(xy + 2 * k, it->xy, (size_t)it->n * 2 * sizeof *xy);
            k += it->n;
            ring_start[f + 1] = k;
            base[f] = (float)s->base[i];
            top[f] = (float)(s->base[i] + it->height_m);
            id[f] = -(long)(i + 1); /* planned: no source id */
            f++;
        }
        ring_first[n] = n;
        tw_obstacles_create(&(tw_obstacles_desc){.count = n,
                                                 .ring_first = ring_first,
                                                 .ring_start = ring_start,
                                                 .xy = xy,
                                                 .base = base,
                                                 .top = top,
                                                 .id = id},
                            &set);
    }
    free(ring_first), free(ring_start), free(xy), free(base), free(top), free(id);
    if (set) {
        s->top_max = set->top_max;
        app_world_set_obstacles(s->world, s, set);
        s->obstacles_set = true;
    }
}

/* The added buildings' meshes: roofs at the top, walls from the base. */
static void app__meshes(app_scenario *s)
{
    rn_mesh_destroy(s->roofs), rn_mesh_destroy(s->walls);
    s->roofs = s->walls = (rn_mesh){0};
    s->exag = s->world->exaggeration > 0 ? s->world->exaggeration : 1;
    if (!s->added || s->before) return;
    geo_polygons p = {0};
    int n = s->added, points = 0;
    for (int i = 0; i < s->items.count; i++)
        if (s->items.items[i].op == APP_SC_ADD) points += s->items.items[i].n;
    p.features = calloc((size_t)n, sizeof *p.features);
    p.xy = malloc((size_t)points * 2 * sizeof *p.xy);
    p.ring_start = malloc(((size_t)n + 1) * sizeof *p.ring_start);
    p.ring_outer = malloc((size_t)n * sizeof *p.ring_outer + 1);
    double *top = malloc((size_t)n * sizeof *top), *bot = malloc((size_t)n * sizeof *bot);
    uint32_t *fv0 = NULL, *wv0 = NULL;
    tw_mesh roofs = {0}, walls = {0};
    if (!p.features || !p.xy || !p.ring_start || !p.ring_outer || !top || !bot) goto done;
    int f = 0, k = 0;
    p.ring_start[0] = 0;
    for (int i = 0; i < s->items.count; i++) {
        const app_sc_item *it = &s->items.items[i];
        if (it->op != APP_SC_ADD) continue;
        /* Counter-clockwise outer rings for the walls' normals. */
        double a = 0;
        for (int q = 0; q < it->n; q++) {
            int r = (q + 1) % it->n;
            a += it->xy[2 * q] * it->xy[2 * r + 1] - it->xy[2 * r] * it->xy[2 * q + 1];
        }
        for (int q = 0; q < it->n; q++) {
            int src = a >= 0 ? q : it->n - 1 - q;
            p.xy[2 * (k + q)] = it->xy[2 * src], p.xy[2 * (k + q) + 1] = it->xy[2 * src + 1];
        }
        p.features[f] = (geo_polygon){.ring_first = f, .ring_count = 1, .fid = -(long)(i + 1)};
        p.ring_outer[f] = true;
        k += it->n;
        p.ring_start[f + 1] = k;
        bot[f] = s->base[i] * s->exag, top[f] = (s->base[i] + it->height_m) * s->exag;
        f++;
    }
    p.count = p.ring_count = n;
    s->origin[0] = p.xy[0], s->origin[1] = p.xy[1], s->origin[2] = 0;
    if (geo_polymesh_fill(&p, s->origin, &roofs, &fv0) != TW_OK ||
        geo_polymesh_walls(&p, s->origin, &walls, &wv0) != TW_OK)
        goto done;
    uint8_t c[4];
    for (int q = 0; q < 4; q++) c[q] = (uint8_t)lrintf(s->cfg->color[q] * 255);
    for (int g = 0; g < n; g++) {
        for (uint32_t v = fv0[g]; v < fv0[g + 1]; v++) roofs.positions[3 * v + 2] = (float)top[g];
        for (uint32_t v = wv0[g]; v < wv0[g + 1]; v++)
            walls.positions[3 * v + 2] = (float)((v & 3) >= 2 ? top[g] : bot[g]);
    }
    for (uint32_t v = 0; v < roofs.vertex_count; v++) memcpy(roofs.colors + 4 * v, c, 4);
    for (uint32_t v = 0; walls.colors && v < walls.vertex_count; v++)
        memcpy(walls.colors + 4 * v, c, 4);
    s->roofs = rn_mesh_make(&roofs);
    s->walls = rn_mesh_make(&walls);
done:
    tw_mesh_free(&roofs), tw_mesh_free(&walls);
    free(fv0), free(wv0), free(top), free(bot);
    free(p.features), free(p.xy), free(p.ring_start), free(p.ring_outer);
}

static void app__update(void *self, const app_update_ctx *u)
{
    (void)u;
    app_scenario *s = self;
    if (s->cfg->split && !s->split_set) /* "split": true, once: I turns it off */
        s->world->split = true, s->split_set = true;
    if (!s->loaded) return;
    if (s->dirty || s->ground_gen != s->world->ground_gen) app__apply(s);
    double exag = s->world->exaggeration > 0 ? s->world->exaggeration : 1;
    if (s->exag != exag) app__meshes(s);
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_scenario *s = self;
    if (pass == APP_PASS_OVERLAY) app_sc_overlay(s, d->ui);
    if ((pass != APP_PASS_OPAQUE && pass != APP_PASS_SHADOW) || s->before || d->before) return;
    if (pass == APP_PASS_SHADOW) { /* planned buildings cast shadows too */
        rn_shadow_cast(s->walls, s->origin, 1, 1);
        rn_shadow_cast(s->roofs, s->origin, 1, 1);
        return;
    }
    rn_fill_item it[2] = {{.mesh = s->walls, .opacity = d->opacity},
                          {.mesh = s->roofs, .opacity = d->opacity}};
    for (int k = 0; k < 2; k++) memcpy(it[k].origin, s->origin, sizeof s->origin);
    rn_fill_draw(d->view, it, 2);
}

/* ---- input ---- */

static void app__hover(void *self, const app_pick_query *q)
{
    app_scenario *s = self;
    s->has_cursor = q->has_ground;
    if (q->has_ground) s->cursor[0] = q->ground[0], s->cursor[1] = q->ground[1];
}

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    (void)ui;
    return app_sc_key(self, key);
}

static bool app__click(void *self, const app_pick_query *q)
{
    return app_sc_click(self, q);
}

/* A save in flight holds the view (a headless run ends after it). */
static bool app__view_ready(const void *self)
{
    const app_scenario *s = self;
    return !s->saving;
}

/* ---- report ---- */

static void app__report_entry(const void *self, int info, json_object *e)
{
    (void)info;
    const app_scenario *s = self;
    json_object_object_add(e, "show", json_object_new_string(s->before ? "before" : "after"));
    json_object_object_add(e, "items", json_object_new_int(s->items.count));
    json_object_object_add(e, "added", json_object_new_int(s->added));
    json_object_object_add(e, "raised", json_object_new_int(s->raised));
    json_object_object_add(e, "removed", json_object_new_int(s->removed));
    json_object_object_add(e, "added_top_max_m",
                           s->obstacles_set ? json_object_new_double(s->top_max) : NULL);
    json_object_object_add(e, "saves", json_object_new_int(s->saves));
}

/* ---- the layer ---- */

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_sc_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_scenario *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cfg = cfg, s->layer = l, s->world = w, s->before = cfg->before;
    s->current = -1;
    app_layer_info_begin(&s->info, "scenario", cfg->name, cfg->source, "planned (what if)", now);
    app_layer_add_info(l, &s->info);
    if (!app__submit(s, false)) app_layer_info_fail(&s->info, now, "out of memory");
    return s;
}

static void app__destroy(void *self)
{
    app_scenario *s = self;
    app__withdraw(s);
    rn_mesh_destroy(s->roofs), rn_mesh_destroy(s->walls);
    app_sc_list_free(&s->items);
    free(s->edits);
    free(s->base);
    free(s);
}

static void app__cfg_free(void *p)
{
    app_sc_cfg *c = p;
    if (!c) return;
    free(c->name);
    free(c->source);
    free(c->save);
    free(c);
}

static void *app__parse(app_cfg *cf, json_object *o)
{
    static const char *const keys[] = {"kind",  "name",           "source", "save", "show",
                                       "split", "floor_height_m", "color",  NULL};
    app_sc_cfg *c = calloc(1, sizeof *c);
    if (!c) return app_cfg_fail(cf, "scenario", "is too large"), NULL;
    c->floor_m = 3.3;
    c->color[0] = 0.55f, c->color[1] = 0.85f, c->color[2] = 1.0f, c->color[3] = 0.95f;
    app_cfg_unknown(cf, o, keys, NULL);
    char *show = NULL;
    bool ok = app_cfg_string(cf, o, "name", &c->name) &&
              app_cfg_path(cf, o, "source", true, &c->source) &&
              app_cfg_path(cf, o, "save", false, &c->save) &&
              app_cfg_string(cf, o, "show", &show) && app_cfg_bool(cf, o, "split", &c->split) &&
              app_cfg_number(cf, o, "floor_height_m", &c->floor_m, 1, 10) &&
              app_cfg_color(cf, o, "color", c->color);
    if (ok && show) {
        if (strcmp(show, "before") == 0)
            c->before = true;
        else if (strcmp(show, "after") != 0)
            ok = app_cfg_fail(cf, "show", "must be \"before\" or \"after\"");
    }
    free(show);
    if (!ok) {
        app__cfg_free(c);
        return NULL;
    }
    return c;
}

const app_layer_kind app_scenario_kind = {
    .name = "scenario",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .create = app__create,
    .destroy = app__destroy,
    .update = app__update,
    .draw = app__draw,
    .key = app__key,
    .click = app__click,
    .hover = app__hover,
    .report_entry = app__report_entry,
    .view_ready = app__view_ready,
};
