/* Terrain layer kind: opening the raster and the imagery on workers,
 * publishing the ground, drawing the chosen tiles, the report and the
 * scene keys. Tile choice lives in app_terrain_lod.c. */
#include "app_terrain_int.h"

#include "rn_shadow.h"
#include "tw_json.h"
#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void app__open_job_free(app__open_job *j)
{
    app_source_job_free(&j->src);
    free(j);
}

static void app__open_run(void *job, int worker)
{
    app__open_job *j = job;
    j->status = geo_terrain_open(&j->desc, j->src.frame, worker, &j->result, j->err, sizeof j->err);
}

static void app__open_done(void *job, tw_result pool_status)
{
    app__open_job *j = job;
    if (pool_status != TW_OK) {
        /* The layer is gone: only the job is ours. */
        geo_terrain_close(j->result);
        app__open_job_free(j);
        return;
    }
    app_terrain *t = j->owner;
    double now = tw_time_mono_s();
    if (j->status != TW_OK) {
        app_layer_info_fail(&t->layer, now, "%s", j->err);
    } else {
        t->geo = t->src->geo = j->result;
        t->info = geo_terrain_info_get(t->geo);
        const tw_heightfield *hf = geo_terrain_heightfield(t->geo);
        /* Draping samples this texture; unknown (off-raster) heights become
         * the lowest ground so lines there stay visible. */
        size_t n = (size_t)hf->nx * hf->ny;
        float *z = malloc(n * sizeof *z);
        if (z) {
            for (size_t i = 0; i < n; i++) z[i] = isnan(hf->z[i]) ? (float)t->info->zmin : hf->z[i];
            t->height_tex = rn_texture_make(&(rn_texture_desc){
                .width = hf->nx, .height = hf->ny, .format = RN_TEX_R32F, .pixels = z});
            free(z);
        }
        app_world_set_ground(t->world, hf, t->height_tex, t->info->zmin, t->info->zmax,
                             t->info->root_size);
        const geo_raster_info *ri = &t->info->raster;
        app_layer_info_ok(&t->layer, now, (long)ri->width * ri->height);
        TW_INFO("terrain",
                "%s: %dx%d %s, %s, %.1f m pixels, %d overview(s), %d LOD levels, %.0f..%.0f m",
                t->layer.source, ri->width, ri->height, ri->driver, ri->crs, ri->pixel_m,
                ri->overviews, t->info->max_level + 1, t->info->zmin, t->info->zmax);
    }
    app__open_job_free(j);
}

static void app__imagery_job_free(app__imagery_open_job *j)
{
    app_source_job_free(&j->src);
    free(j);
}

static void app__imagery_open_run(void *job, int worker)
{
    app__imagery_open_job *j = job;
    j->status = geo_imagery_open(&j->desc, j->src.frame, worker, &j->result, j->err, sizeof j->err);
}

static void app__imagery_open_done(void *job, tw_result pool_status)
{
    app__imagery_open_job *j = job;
    if (pool_status != TW_OK) {
        geo_imagery_close(j->result);
        app__imagery_job_free(j);
        return;
    }
    app_terrain *t = j->owner;
    app_layer_info *l = &t->imagery_layer;
    double now = tw_time_mono_s();
    if (j->status != TW_OK) {
        app_layer_info_fail(l, now, "%s", j->err);
    } else {
        t->imagery = t->src->imagery = j->result;
        const geo_raster_info *ri = geo_imagery_info(t->imagery);
        app_layer_info_ok(l, now, (long)ri->width * ri->height);
        TW_INFO("imagery", "%s: %dx%d %s, %d bands of %s, %s, %.2f m pixels, %d overview(s)",
                l->source, ri->width, ri->height, ri->driver, ri->bands, ri->data_type, ri->crs,
                ri->pixel_m, ri->overviews);
    }
    app__imagery_job_free(j);
}

static void app__imagery_start(app_terrain *t, const app_source *src, double now)
{
    t->has_imagery = true;
    app_layer_info_begin(&t->imagery_layer, "imagery", NULL, src->path, src->attribution, now);
    app_layer_add_info(t->owner, &t->imagery_layer);
    app__imagery_open_job *j = calloc(1, sizeof *j);
    if (!j) {
        app_layer_info_fail(&t->imagery_layer, now, "out of memory");
        return;
    }
    j->owner = t;
    bool ok = app_source_job_set(&j->src, src, t->world->frame);
    j->desc = (geo_imagery_desc){.raster = {.path = j->src.path,
                                            .source_crs = j->src.source_crs,
                                            .has_nodata = src->has_nodata,
                                            .nodata = src->nodata,
                                            .workers = t->workers}};
    if (!ok ||
        !app_layer_submit(t->owner, j, app__imagery_open_run, app__imagery_open_done, 1000)) {
        app__imagery_job_free(j);
        app_layer_info_fail(&t->imagery_layer, now, "out of memory");
    }
}

static void app__src_free(void *p)
{
    app__terrain_src *s = p;
    geo_terrain_close(s->geo);
    geo_imagery_close(s->imagery);
    free(s);
}

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_terrain_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_terrain *t = calloc(1, sizeof *t);
    app__terrain_src *src = calloc(1, sizeof *src);
    if (!t || !src) {
        free(t);
        free(src);
        return NULL;
    }
    tw_token_set_payload(l->token, src, app__src_free);
    t->owner = l;
    t->world = w;
    t->src = src;
    t->workers = tw_pool_workers(w->pool);
    t->max_error_px = 2.0;
    t->skip_levels = true;
    t->max_tiles = 600;
    t->cache_mb = cfg->cache_mb;
    app_terrain_cache_init(t);
    t->stats.center_level = -1;
    app_layer_info_begin(&t->layer, "terrain", NULL, cfg->src.path, cfg->src.attribution, now);
    app_layer_add_info(l, &t->layer);
    if (cfg->has_imagery) app__imagery_start(t, &cfg->imagery, now);
    app__open_job *j = calloc(1, sizeof *j);
    if (!j) {
        app_layer_info_fail(&t->layer, now, "out of memory");
        return t;
    }
    j->owner = t;
    bool ok = app_source_job_set(&j->src, &cfg->src, w->frame);
    j->desc = (geo_terrain_desc){
        .raster = {.path = j->src.path,
                   .source_crs = j->src.source_crs,
                   .has_nodata = cfg->src.has_nodata,
                   .nodata = cfg->src.nodata,
                   .workers = t->workers},
        .tile_samples = cfg->tile_samples,
    };
    if (!ok || !app_layer_submit(l, j, app__open_run, app__open_done, 1000)) {
        app__open_job_free(j);
        app_layer_info_fail(&t->layer, now, "out of memory");
    }
    return t;
}

/* The datasets stay with the token until the last job is done. */
static void app__destroy(void *self)
{
    app_terrain *t = self;
    for (int i = 0; i < APP_TILE_CAPACITY; i++) {
        if (t->tiles[i].state == TILE_FREE) continue;
        rn_mesh_destroy(t->tiles[i].mesh);
        rn_texture_destroy(t->tiles[i].imagery);
    }
    rn_texture_destroy(t->height_tex);
    free(t->draw);
    free(t);
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_terrain *t = self;
    if (pass == APP_PASS_SHADOW) { /* hills cast shadows too */
        float e = d->view->exaggeration;
        for (int i = 0; i < t->draw_count; i++)
            rn_shadow_cast(t->draw[i].mesh, t->draw[i].origin, e, e);
        return;
    }
    if (pass != APP_PASS_OPAQUE) return;
    rn_terrain_style style = {.zmin = t->info ? (float)t->info->zmin : 0,
                              .zmax = t->info ? (float)t->info->zmax : 1,
                              .hillshade = d->hillshade,
                              .wireframe = d->wireframe};
    t->stats.triangles = rn_terrain_draw(d->view, &style, t->draw, t->draw_count);
    t->stats.gpu_bytes = rn_mesh_gpu_bytes() + t->imagery_bytes;
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    const app_terrain *t = self;
    if (!t->info) return false;
    memcpy(ext, t->info->raster.extent, 4 * sizeof *ext);
    *z = 0.5 * (t->info->zmin + t->info->zmax);
    *has_z = true;
    return true;
}

static bool app__view_ready(const void *self)
{
    return ((const app_terrain *)self)->stats.complete;
}

static double app__progress(const void *self, const char **status)
{
    const app_terrain_stats *s = &((const app_terrain *)self)->stats;
    int need = s->drawn + s->requested;
    *status = "terrain tiles";
    return need > 0 ? (double)s->drawn / need : 0;
}

static void app__report(const void *self, json_object *root)
{
    const app_terrain *t = self;
    if (!t->info) return;
    const geo_terrain_info *ti = t->info;
    const app_terrain_stats *ts = &t->stats;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "width", json_object_new_int(ti->raster.width));
    json_object_object_add(o, "height", json_object_new_int(ti->raster.height));
    json_object_object_add(o, "overviews", json_object_new_int(ti->raster.overviews));
    json_object_object_add(o, "pixel_m", json_object_new_double(ti->raster.pixel_m));
    json_object_object_add(o, "crs", json_object_new_string(ti->raster.crs));
    json_object_object_add(o, "zmin", json_object_new_double(ti->zmin));
    json_object_object_add(o, "zmax", json_object_new_double(ti->zmax));
    json_object_object_add(o, "max_level", json_object_new_int(ti->max_level));
    json_object_object_add(o, "detail_m", json_object_new_double(ti->detail_m));
    json_object_object_add(o, "center_level", json_object_new_int(ts->center_level));
    json_object_object_add(o, "tiles_drawn", json_object_new_int(ts->drawn));
    json_object_object_add(o, "tiles_resident", json_object_new_int(ts->resident));
    json_object_object_add(o, "tiles_loaded_first_view",
                           json_object_new_int(ts->loaded_first_view));
    json_object_object_add(o, "complete", json_object_new_boolean(ts->complete));
    json_object_object_add(o, "triangles", json_object_new_int64(ts->triangles));
    json_object_object_add(o, "imagery_tiles", json_object_new_int(ts->imagery_tiles));
    /* The tile cache's bytes (meshes, imagery, entries), tile boxes culled
     * behind terrain in the last frame, and how much coarser than 2 px the
     * view was drawn to fit the cache (1: not at all). */
    json_object_object_add(o, "resident_bytes", json_object_new_int64((int64_t)ts->resident_bytes));
    json_object_object_add(o, "occluded", json_object_new_int(ts->occluded));
    json_object_object_add(o, "error_scale", json_object_new_double(ts->error_scale));
    json_object *per = json_object_new_array();
    for (int l = 0; l <= ti->max_level && l < 25; l++)
        json_object_array_add(per, json_object_new_int(ts->drawn_per_level[l]));
    json_object_object_add(o, "drawn_per_level", per);
    json_object_object_add(root, "terrain", o);
}

/* ---- scene file ---- */

static void app__cfg_free(void *p)
{
    app_terrain_cfg *c = p;
    if (!c) return;
    app_source_free(&c->src);
    app_source_free(&c->imagery);
    free(c);
}

/* { "source", "exaggeration", "hillshade", "tile_samples", "cache_mb", "imagery": {...} } */
static void *app__parse(app_cfg *c, json_object *o)
{
    static const char *const extra[] = {"exaggeration", "hillshade", "tile_samples",
                                        "cache_mb",     "imagery",   NULL};
    app_terrain_cfg *t = calloc(1, sizeof *t);
    if (!t) return app_cfg_fail(c, "terrain", "is too large"), NULL;
    t->exaggeration = 1;
    double samples = 0;
    bool ok = app_cfg_source(c, o, &t->src, extra) &&
              app_cfg_number(c, o, "exaggeration", &t->exaggeration, 0.1, 100) &&
              app_cfg_bool(c, o, "hillshade", &t->hillshade) &&
              app_cfg_number(c, o, "tile_samples", &samples, 3, 257) &&
              app_cfg_number(c, o, "cache_mb", &t->cache_mb, 1, 1 << 20);
    t->tile_samples = (int)samples;
    if (ok && tw_json_has(o, "imagery")) {
        json_object *im = tw_json_get(o, "imagery", json_type_object);
        /* The shorthand's top-level "imagery" reads as its own key path. */
        const char *where = c->where;
        c->where = strcmp(where, "terrain") == 0 ? "imagery" : where;
        ok = im ? app_cfg_source(c, im, &t->imagery, NULL)
                : app_cfg_fail(c, "imagery", "must be an object");
        t->has_imagery = ok;
        c->where = where;
    }
    if (!ok) {
        app__cfg_free(t);
        return NULL;
    }
    return t;
}

static const app_source *app__cfg_source(const void *cfg)
{
    return &((const app_terrain_cfg *)cfg)->src;
}

static void app__defaults(const void *cfg, app_view_defaults *d)
{
    const app_terrain_cfg *c = cfg;
    d->exaggeration = c->exaggeration;
    d->hillshade = c->hillshade;
}

const app_layer_kind app_terrain_kind = {
    .name = "terrain",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .cfg_source = app__cfg_source,
    .defaults = app__defaults,
    .create = app__create,
    .destroy = app__destroy,
    .update = app_terrain_update,
    .draw = app__draw,
    .extent = app__extent,
    .view_ready = app__view_ready,
    .progress = app__progress,
    .report = app__report,
};
