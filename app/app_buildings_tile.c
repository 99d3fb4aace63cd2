/* Buildings layer, per tile: the read on a worker (the whole source, or a
 * tile with a spatial filter; the first read also probes the source for a
 * spatial index), bases on a worker whenever the ground changes, raising,
 * colours, upload; and the obstacles published from every loaded tile. */
#include "app_buildings_int.h"

#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A job's copy of the layer's source keys (a worker reads them). */
typedef struct app__src {
    char *path, *layer, *where, *source_crs, *encoding;
} app__src;

typedef struct app__job {
    app_buildings *owner;
    app_btile *tile;
    geo_frame *frame;
    app__src src;
    char *height_field, *floors_field, *class_field;
    double floor_m, default_m;
    int stream;         /* the scene's "stream" */
    bool probe;         /* first read: probe, then stream or read whole */
    bool has_keep;      /* a tile */
    double keep[4];     /* the tile, scene metres */
    bool same_crs;      /* the tile is the source's filter as it is */
    app_ground *ground; /* NULL: unknown at submit */
    unsigned ground_gen;
    double *base; /* per feature when ground */
    geo_buildings result;
    geo_buildings_probe pr;
    bool streamed; /* the probe chose streaming: no features read */
    bool cache;    /* the scene's "cache" */
    int cache_state;
    /* Its points in the cache's file: the cache is written after the
     * hand-over (app_bwrite_begin), in dir under key. */
    bool write_later;
    char *cache_dir, *cache_key;
    tw_result status;
    char err[512];
    geo_buildings_pool *pool; /* the layer's open datasets */
    GDALDatasetH ds;          /* taken from pool for this read */
    /* A first (whole or probing) read: APP_JOB_* of app_buildings_warm_wait. */
    _Atomic int read_state;
    double features_read_s; /* when geo_buildings_load had read every feature, 0: never */
} app__job;

/* A first read's state for the headless warm-up (app_buildings_warm_wait):
 * not begun or reading features (the cores are the read's), or past them. */
enum { APP_JOB_READING, APP_JOB_READ };

static void app__features_read(void *user)
{
    app__job *j = user;
    j->features_read_s = tw_time_mono_s();
    atomic_store(&j->read_state, APP_JOB_READ);
}

/* Bases again on a worker after the ground changed: the footprints' rings
 * are copied so the job outlives the tile safely; their points are
 * shared where the obstacles hold them (xy_owner: a reference kept). */
typedef struct app__bases_job {
    app_buildings *owner;
    app_btile *tile;
    app_ground *ground;
    unsigned ground_gen;
    geo_buildings b; /* polys only: features, ring_start, xy */
    tw_obstacles *xy_owner;
    double *base;
} app__bases_job;

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void app__src_copy(app__src *s, const app_source *from)
{
    s->path = app__dup(from->path), s->layer = app__dup(from->layer);
    s->where = app__dup(from->where), s->source_crs = app__dup(from->source_crs);
    s->encoding = app__dup(from->encoding);
}

static void app__src_free(app__src *s)
{
    free(s->path), free(s->layer), free(s->where), free(s->source_crs), free(s->encoding);
}

static geo_vector_desc app__src_desc(const app__src *s)
{
    return (geo_vector_desc){.path = s->path,
                             .layer = s->layer,
                             .where = s->where,
                             .source_crs = s->source_crs,
                             .encoding = s->encoding};
}

app_btile *app_btile_new(int ix, int iy)
{
    app_btile *t = calloc(1, sizeof *t);
    if (t) t->ix = ix, t->iy = iy;
    return t;
}

static void app__before_clear(app_btile *t)
{
    for (int k = 0; t->block0 && k < t->b.chunk_count; k++)
        for (int l = 0; l < APP_BLOCK_SLOTS; l++)
            rn_mesh_destroy(t->block0[APP_BLOCK_SLOTS * k + l]);
    rn_table_destroy(&t->table0);
    free(t->rows0), free(t->block0), free(t->block0_tris), free(t->block0_ok);
    t->rows0 = NULL, t->block0 = NULL, t->block0_tris = NULL, t->block0_ok = NULL;
}

/* Back to empty: meshes, buildings and bases dropped (main thread). */
static void app__btile_clear(app_btile *t)
{
    app_bwrite_wait(t); /* the cache's writer is through with b */
    app__before_clear(t);
    app_bgroups_free(t);
    for (int k = 0; k < t->b.chunk_count; k++) {
        if (t->roofs) rn_mesh_destroy(t->roofs[k]);
        if (t->walls) rn_mesh_destroy(t->walls[k]);
        if (t->far) rn_mesh_destroy(t->far[k]);
        for (int l = 0; t->block && l < APP_BLOCK_SLOTS; l++)
            rn_mesh_destroy(t->block[APP_BLOCK_SLOTS * k + l]);
    }
    free(t->roofs), free(t->walls), free(t->far), free(t->up), free(t->base), free(t->height0);
    free(t->block), free(t->block_tris), free(t->block_ok), free(t->rows);
    rn_table_destroy(&t->table);
    t->rows = NULL;
    t->roofs = t->walls = t->far = t->block = NULL, t->base = NULL, t->height0 = NULL;
    t->up = NULL, t->up_n = 0;
    t->block_tris = NULL, t->block_ok = NULL;
    t->edits_gen = 0;
    if (t->xy_owner) t->b.polys.xy = NULL; /* the obstacles' */
    tw_obstacles_release(t->xy_owner);
    t->xy_owner = NULL;
    geo_buildings_free(&t->b);
    t->state = APP_BTILE_EMPTY;
    t->uploaded = t->dirty = false;
    t->recolour_n = 0;
    t->exag = 0;
}

void app_btile_free(app_btile *t)
{
    if (!t) return;
    app__btile_clear(t);
    free(t);
}

long app_buildings_features(const app_buildings *p)
{
    long n = 0;
    for (int i = 0; p->tiles && i < p->nx * p->ny; i++)
        if (p->tiles[i] && p->tiles[i]->state == APP_BTILE_READY) n += p->tiles[i]->b.polys.count;
    return n;
}

static void app__job_free(app__job *j)
{
    geo_frame_destroy(j->frame);
    geo_buildings_free(&j->result);
    app__src_free(&j->src);
    free(j->height_field);
    free(j->floors_field);
    free(j->class_field);
    free(j->base);
    free(j->cache_dir);
    free(j->cache_key);
    app_ground_release(j->ground);
    geo_buildings_pool_release(j->pool);
    free(j);
}

/* Sources that are always read whole: no probe (a GeoJSON probe would
 * parse the file twice). */
static bool app__never_indexed(const char *path)
{
    static const char *const ext[] = {".geojson", ".json", ".kml", ".csv", ".osm", ".pbf", NULL};
    size_t n = path ? strlen(path) : 0;
    for (int k = 0; ext[k]; k++) {
        size_t e = strlen(ext[k]);
        if (n >= e && strcasecmp(path + n - e, ext[k]) == 0) return true;
    }
    return false;
}

/* The layer's open dataset for this read, taken once; NULL (err set) when
 * the source does not open. */
static GDALDatasetH app__dataset(app__job *j, const geo_vector_desc *src, char *err, size_t n)
{
    if (!j->ds && j->pool) j->ds = geo_buildings_pool_take(j->pool, src, j->frame, err, n);
    return j->ds;
}

static void app__read(app__job *j);

static void app__run(void *job, int worker)
{
    (void)worker;
    app__job *j = job;
    app__read(j);
    atomic_store(&j->read_state, APP_JOB_READ);
    /* Kept for the next read unless this one failed (a dropped connection). */
    geo_buildings_pool_give(j->pool, j->ds, j->status == TW_OK);
    j->ds = NULL;
}

static void app__read(app__job *j)
{
    geo_buildings_desc d = {.src = app__src_desc(&j->src),
                            .height_field = j->height_field,
                            .floors_field = j->floors_field,
                            .class_field = j->class_field,
                            .floor_height_m = j->floor_m,
                            .default_height_m = j->default_m};
    if (j->probe && j->stream != 0 && (j->stream == 1 || !app__never_indexed(j->src.path))) {
        /* A probe that fails reads whole below, which says what is wrong,
         * unless what is wrong is the scene's (a field it names). */
        char err[512];
        d.src.dataset = app__dataset(j, &d.src, err, sizeof err);
        tw_result pr = d.src.dataset
                           ? geo_buildings_probe_source(&d, j->frame, &j->pr, err, sizeof err)
                           : TW_ERR_IO;
        if (pr == TW_ERR_ARG) {
            snprintf(j->err, sizeof j->err, "%s", err);
            j->status = pr;
            return;
        }
        if (pr == TW_OK && (j->pr.indexed || j->stream == 1)) {
            j->streamed = true;
            j->status = TW_OK;
            return;
        }
    }
    if (j->has_keep) {
        d.has_keep = true;
        memcpy(d.keep, j->keep, sizeof d.keep);
        if (j->same_crs) {
            d.src.has_bbox = true;
            memcpy(d.src.bbox, j->keep, sizeof d.src.bbox);
        }
    }
    /* A whole read goes through the on-disk cache. */
    char dir[4096], key[8192], why[600];
    bool cache = j->cache && !j->has_keep && geo_buildings_cache_dir(dir, sizeof dir) &&
                 geo_buildings_cache_key(&d, j->frame, key, sizeof key);
    /* A large read's meshes are made when first drawn
     * (geo_buildings_desc.meshes_later), and every read's that goes to the
     * cache, which holds what they are made from, not the meshes. */
    d.meshes_later = !j->has_keep;
    d.for_cache = cache;
    /* A read from the cache leaves a core to the warm-up (it shares one). */
    if (cache) atomic_store(&j->read_state, APP_JOB_READ);
    tw_result c =
        cache ? geo_buildings_cache_read(dir, key, &j->result, why, sizeof why) : TW_ERR_IO;
    if (c == TW_OK) {
        j->cache_state = APP_BCACHE_HIT;
        j->status = TW_OK;
    } else {
        if (c == TW_ERR_FORMAT)
            TW_WARN("buildings", "%s: the cache cannot be trusted (%s): read again and rebuilt",
                    j->src.path, why);
        /* A tile reuses an open dataset; a whole read opens its own when
         * the probe left none (its errors say what is wrong). */
        if (j->has_keep && !app__dataset(j, &d.src, j->err, sizeof j->err)) {
            j->status = TW_ERR_IO;
            return;
        }
        d.src.dataset = j->ds;
        /* A large read's points go straight into the cache's file. */
        char points[4400];
        if (cache && geo_buildings_cache_points_file(dir, key, points, sizeof points))
            d.points_file = points;
        d.features_read = app__features_read, d.features_read_user = j;
        atomic_store(&j->read_state, APP_JOB_READING);
        j->status = geo_buildings_load(&d, j->frame, &j->result, j->err, sizeof j->err);
        j->cache_state = !cache               ? APP_BCACHE_OFF
                         : c == TW_ERR_FORMAT ? APP_BCACHE_REBUILT
                                              : APP_BCACHE_WRITTEN;
        /* A large read's cache is written once the tile is handed over,
         * while its first frame is drawn (app_buildings_write.c). */
        if (cache && j->status == TW_OK && j->result.points_path) {
            j->cache_dir = strdup(dir), j->cache_key = strdup(key);
            j->write_later = j->cache_dir && j->cache_key;
        }
        if (cache && j->status == TW_OK && !j->write_later &&
            geo_buildings_cache_write(dir, key, &j->result, why, sizeof why) != TW_OK) {
            TW_WARN("buildings", "%s: no cache (%s); the next start reads it again", j->src.path,
                    why);
            j->cache_state = APP_BCACHE_FAILED;
        }
    }
    if (j->status != TW_OK || !j->ground || !j->result.polys.count) return;
    j->base = calloc((size_t)j->result.polys.count + 1, sizeof *j->base);
    if (j->base) geo_buildings_bases(&j->result, app_ground_heightfield(j->ground), j->base);
}

static int app__field(const geo_buildings *b, const char *name)
{
    for (int i = 0; name && i < b->field_count; i++)
        if (strcmp(b->fields[i], name) == 0) return i;
    return -1;
}

/* The colour field, from the first tile with fields. */
static void app__fields(app_buildings *p, const geo_buildings *b)
{
    if (p->fields_known || b->field_count == 0) return;
    p->fields_known = true;
    const char *cb = p->cfg->color_by;
    p->color_i = cb && strcmp(cb, "height") != 0 ? app__field(b, cb) : -1;
    if (cb && strcmp(cb, "height") != 0 && p->color_i < 0)
        TW_WARN("buildings", "%s: no field '%s' to colour by; one colour instead", p->info.source,
                cb);
}

/* Skipped features said once on stderr, with the reasons (a truncated
 * shapefile's records without a shape, points among the footprints):
 * the report's "skipped" keeps counting them. */
static void app__skips_say(app_buildings *p, long features)
{
    int n = geo_skips_total(&p->info.skipped);
    if (n <= 0 || p->skips_said) return;
    p->skips_said = n;
    char why[300];
    geo_skips_describe(&p->info.skipped, why, sizeof why);
    if (p->streamed)
        TW_WARN("buildings", "%s: features skipped in the tiles read so far: %s", p->info.source,
                why);
    else
        TW_WARN("buildings", "%s: %d of %ld features skipped: %s", p->info.source, n, features + n,
                why);
}

/* The loaded set's skips, as the layer's. Streamed, once every tile is
 * held: the source's features that no tile read, from the source's own
 * count: no spatial filter returns a feature without a geometry, nor one
 * the driver cannot decode (a shapefile's record past a cut, a
 * FlatGeobuf's feature past its end). */
#define APP_BSKIP_UNREAD "not read: no geometry, or unreadable"

static void app__skips(app_buildings *p)
{
    geo_skips s = {0};
    long held = 0, features = 0;
    for (int i = 0; i < p->nx * p->ny; i++) {
        const app_btile *t = p->tiles[i];
        if (!t || t->state != APP_BTILE_READY) continue;
        held++;
        features += t->b.polys.count;
        for (int r = 0; r < t->b.polys.skipped.n; r++)
            geo_skips_add_n(&s, t->b.polys.skipped.reason[r], t->b.polys.skipped.count[r]);
    }
    long unread = p->source_features - features - geo_skips_total(&s);
    bool all = p->streamed && held == (long)p->nx * p->ny;
    if (all && p->source_features >= 0 && unread > 0 && unread < INT_MAX)
        geo_skips_add_n(&s, APP_BSKIP_UNREAD, (int)unread);
    /* Without a count (app_bcount_submit): asked only now, when it tells
     * something (a national table is never held whole: never scanned). */
    if (all && p->source_features < 0 && !p->count_sent) {
        p->count_sent = true;
        app_bcount_submit(p);
    }
    p->info.skipped = s;
    app__skips_say(p, features);
}

static void app__done(void *job, tw_result status)
{
    app__job *j = job;
    if (status != TW_OK) {
        app__job_free(j); /* the layer is gone */
        return;
    }
    app_buildings *p = j->owner;
    app_btile *t = j->tile;
    double now = tw_time_mono_s();
    if (p->first_read == j) p->first_read = NULL;
    if (j->features_read_s > 0 && !j->has_keep) p->features_read_s = j->features_read_s;
    if (j->has_keep) p->in_flight--;
    if (!j->has_keep && !j->streamed) geo_buildings_pool_drain(p->pool); /* read whole: done */
    if (j->streamed) {
        app_bstream_begin(p, &j->pr);
    } else if (j->status != TW_OK && j->has_keep) {
        /* One tile failed (a dropped connection): said once, the rest
         * streams, and it is read again later (APP_BTILE_RETRY_S). */
        t->state = APP_BTILE_EMPTY;
        t->failed = true;
        t->failures++;
        double wait = APP_BTILE_RETRY_S * pow(2, t->failures > 16 ? 16 : t->failures - 1);
        t->retry_at = now + (wait < APP_BTILE_RETRY_MAX_S ? wait : APP_BTILE_RETRY_MAX_S);
        if (p->read_failed++ == 0)
            TW_WARN("buildings", "%s: a tile could not be read (read again in %.0f s): %s",
                    p->info.source, wait, j->err);
    } else if (j->status != TW_OK) {
        t->state = APP_BTILE_EMPTY;
        app_layer_info_fail(&p->info, now, "%s", j->err);
    } else {
        t->failed = false, t->failures = 0;
        t->b = j->result;
        memset(&j->result, 0, sizeof j->result);
        int n = t->b.polys.count;
        bool bases = j->base && j->ground_gen == p->world->ground_gen;
        t->base = bases ? j->base : calloc((size_t)n + 1, sizeof *t->base);
        if (bases) j->base = NULL, p->bases_worker++;
        t->roofs = calloc((size_t)t->b.chunk_count + 1, sizeof *t->roofs);
        t->walls = calloc((size_t)t->b.chunk_count + 1, sizeof *t->walls);
        t->far = calloc((size_t)t->b.chunk_count + 1, sizeof *t->far);
        t->up = calloc((size_t)t->b.chunk_count + 1, sizeof *t->up);
        size_t nb = (size_t)t->b.chunk_count * APP_BLOCK_SLOTS + 1;
        t->block = calloc(nb, sizeof *t->block);
        t->block_tris = calloc(nb, sizeof *t->block_tris);
        t->block_ok = calloc(nb, sizeof *t->block_ok);
        t->rows = calloc((size_t)n + 1, sizeof *t->rows);
        /* Without bases from the worker, stand them on whatever ground there is. */
        t->ground_gen = p->world->ground_gen - (bases ? 0 : 1);
        bool ok = t->base && t->roofs && t->walls && t->far && t->up && t->block && t->block_tris &&
                  t->block_ok && t->rows && app_bgroups_make(t);
        t->state = ok ? APP_BTILE_READY : APP_BTILE_EMPTY;
        app__fields(p, &t->b);
        p->tiles_read++;
        if (!j->has_keep) p->cache_state = j->cache_state;
        if (ok && j->write_later) {
            if (app_bwrite_begin(p, t, j->cache_dir, j->cache_key, j->cache_state)) {
                if (t->writing) p->cache_state = APP_BCACHE_WRITING;
            } else {
                TW_WARN("buildings", "%s: no cache (out of memory); the next start reads it again",
                        p->info.source);
                p->cache_state = APP_BCACHE_FAILED;
            }
        }
        p->publish = true;
        if (!p->streamed) {
            p->loaded = ok;
            p->info.skipped = t->b.polys.skipped;
            if (ok)
                app_layer_info_ok(&p->info, now, n);
            else
                app_layer_info_fail(&p->info, now, "out of memory");
            if (ok) app__skips_say(p, n);
            if (t->b.defaulted)
                TW_INFO("buildings", "%s: %d of %d buildings have no usable height: %.1f m",
                        p->info.source, t->b.defaulted, n, p->cfg->default_height_m);
        } else {
            if (!ok) app__btile_clear(t);
            p->info.features = app_buildings_features(p);
            app__skips(p);
        }
    }
    app__job_free(j);
}

/* A streamed source that keeps no count of its features (a PostGIS
 * table, a "where"): counted on a worker once every tile is held (a scan:
 * not on the probe's path, nor asked of a table no view holds whole), so
 * that what no tile's spatial filter returns (a NULL or empty geometry) is
 * counted as not read, as a file's is. */
typedef struct app__count {
    app_buildings *owner;
    geo_frame *frame;
    app__src src;
    geo_buildings_pool *pool; /* the layer's open datasets: one of its connections */
    long count;
    tw_result status;
    char err[400];
} app__count;

static void app__count_free(app__count *j)
{
    geo_buildings_pool_release(j->pool);
    geo_frame_destroy(j->frame);
    app__src_free(&j->src);
    free(j);
}

static void app__count_run(void *job, int worker)
{
    (void)worker;
    app__count *j = job;
    geo_buildings_desc d = {.src = app__src_desc(&j->src)};
    GDALDatasetH ds = geo_buildings_pool_take(j->pool, &d.src, j->frame, j->err, sizeof j->err);
    d.src.dataset = ds;
    j->status =
        ds ? geo_buildings_count_source(&d, j->frame, &j->count, j->err, sizeof j->err) : TW_ERR_IO;
    geo_buildings_pool_give(j->pool, ds, j->status == TW_OK);
}

static void app__count_done(void *job, tw_result status)
{
    app__count *j = job;
    if (status == TW_OK) { /* else the layer is gone */
        app_buildings *p = j->owner;
        if (j->status == TW_OK) {
            p->source_features = j->count;
            app__skips(p);
        } else {
            TW_WARN("buildings",
                    "%s: %s; features without a geometry are not counted in the report",
                    p->info.source, j->err);
        }
    }
    app__count_free(j);
}

void app_bcount_submit(app_buildings *p)
{
    const app_buildings_cfg *cfg = p->cfg;
    app__count *j = calloc(1, sizeof *j);
    if (!j) return;
    j->owner = p;
    j->frame = geo_frame_ref(p->world->frame);
    app__src_copy(&j->src, &cfg->src);
    if (!p->pool) p->pool = geo_buildings_pool_new();
    j->pool = geo_buildings_pool_ref(p->pool);
    /* After any tile read (750): those show first. */
    if (!app_layer_submit(p->layer, j, app__count_run, app__count_done, 100)) app__count_free(j);
}

bool app_buildings_warm_wait(const app_buildings *p)
{
    return p->first_read && atomic_load(&p->first_read->read_state) == APP_JOB_READING;
}

bool app_btile_submit(app_buildings *p, app_btile *t, const double *rect)
{
    const app_buildings_cfg *cfg = p->cfg;
    app__job *j = calloc(1, sizeof *j);
    if (!j) return false;
    j->owner = p;
    j->tile = t;
    j->frame = geo_frame_ref(p->world->frame);
    app__src_copy(&j->src, &cfg->src);
    j->height_field = app__dup(cfg->height_field);
    j->floors_field = app__dup(cfg->floors_field);
    /* A categorical colour keeps its field's text per building. */
    if (cfg->color_by && strcmp(cfg->color_by, "height") != 0)
        j->class_field = app__dup(cfg->color_by);
    j->floor_m = cfg->floor_height_m;
    j->default_m = cfg->default_height_m;
    j->stream = cfg->stream;
    j->cache = cfg->cache;
    j->probe = rect == NULL;
    if (rect) {
        j->has_keep = true;
        memcpy(j->keep, rect, sizeof j->keep);
        j->same_crs = p->same_crs;
    }
    j->ground = app_world_ground_ref(p->world);
    j->ground_gen = p->world->ground_gen;
    if (!p->pool) p->pool = geo_buildings_pool_new();
    j->pool = geo_buildings_pool_ref(p->pool);
    /* Nearer tiles were queued first; whole reads as before. */
    atomic_init(&j->read_state, APP_JOB_READING);
    if (app_layer_submit(p->layer, j, app__run, app__done, rect ? 750 : 800)) {
        t->state = APP_BTILE_LOADING;
        if (rect) p->in_flight++;
        if (!rect) p->first_read = j;
        return true;
    }
    app__job_free(j);
    return false;
}

/* ---- colours ---- */

/* Warm colours against the cool sky and terrain: cream for low buildings
 * through amber and orange to deep red for towers, monotone in lightness so
 * it reads on a wall display. Stops at 0, 20, 60, 150 m. */
const double APP_BRAMP_M[4] = {0, 20, 60, 150};
static const uint8_t APP_RAMP_RGB[4][3] = {
    {242, 234, 216}, {247, 196, 112}, {228, 116, 66}, {150, 36, 72}};

void app_buildings_ramp(double h, uint8_t out[3])
{
    int i = 0;
    while (i < 2 && h > APP_BRAMP_M[i + 1]) i++;
    double t = (h - APP_BRAMP_M[i]) / (APP_BRAMP_M[i + 1] - APP_BRAMP_M[i]);
    t = fmin(fmax(isfinite(t) ? t : 0, 0), 1);
    /* Rounded half up (the values are 0 .. 255): as lround, without its
     * call (600,000 rows are coloured on the main thread at a load). */
    for (int k = 0; k < 3; k++)
        out[k] =
            (uint8_t)(APP_RAMP_RGB[i][k] + (APP_RAMP_RGB[i + 1][k] - APP_RAMP_RGB[i][k]) * t + 0.5);
}

/* A stable class colour: FNV-1a of the text into a light qualitative palette. */
static void app__class(const char *v, uint8_t out[3])
{
    static const uint8_t pal[10][3] = {
        {141, 211, 199}, {255, 255, 179}, {190, 186, 218}, {251, 128, 114}, {128, 177, 211},
        {253, 180, 98},  {179, 222, 105}, {252, 205, 229}, {217, 217, 217}, {188, 128, 189}};
    if (!v) {
        out[0] = out[1] = out[2] = 160;
        return;
    }
    uint32_t h = 2166136261u;
    for (const unsigned char *s = (const unsigned char *)v; *s; s++) h = (h ^ *s) * 16777619u;
    memcpy(out, pal[h % 10], 3);
}

/* Feature f's colour into its row. */
static void app__colour_feature(app_buildings *p, app_btile *t, bool selected, int f,
                                geo_buildings_row *row)
{
    const app_buildings_cfg *c = p->cfg;
    uint8_t rgb[3];
    if (selected) {
        rgb[0] = 255, rgb[1] = 214, rgb[2] = 60;
    } else if (p->color_i >= 0) {
        app__class(geo_buildings_class(&t->b, f), rgb);
    } else if (c->color_by && strcmp(c->color_by, "height") == 0) {
        app_buildings_ramp(t->b.height[f], rgb);
    } else {
        for (int k = 0; k < 3; k++) rgb[k] = (uint8_t)lroundf(c->color[k] * 255);
    }
    row->rgba[0] = rgb[0], row->rgba[1] = rgb[1], row->rgba[2] = rgb[2];
    row->rgba[3] = (uint8_t)lroundf(c->color[3] * 255);
    row->flags = 0;
}

rn_mesh app_bchunk_block(app_btile *t, int k, int l, bool cast, bool before)
{
    rn_mesh *out = before ? t->block0 : t->block;
    uint32_t *tris = before ? t->block0_tris : t->block_tris;
    uint8_t *ok = before ? t->block0_ok : t->block_ok;
    const geo_buildings_row *rows = before ? t->rows0 : t->rows;
    if (k < 0 || k >= t->b.chunk_count || l < 0 || l >= APP_BLOCK_LEVELS || !out || !ok || !rows)
        return (rn_mesh){0};
    int i = APP_BLOCK_SLOTS * k + l + (cast ? APP_BLOCK_LEVELS : 0);
    if (ok[i]) return out[i];
    /* From the rows as they are now: their buildings' boxes and colours
     * (what out held destroyed; {0} where it has none or memory ran out). */
    const geo_buildings_chunk *c = &t->b.chunks[k];
    tw_mesh m;
    rn_mesh_destroy(out[i]);
    out[i] = (rn_mesh){0};
    if (geo_buildings_block(&t->b, c, rows + c->f0, GEO_BUILDINGS_BLOCK_N >> l,
                            cast ? GEO_BLOCKS_CAST : GEO_BLOCKS_BOXES, &m) == TW_OK &&
        m.index_count)
        out[i] = rn_mesh_make(&m);
    tris[i] = rn_mesh_valid(out[i]) ? m.index_count / 3 : 0;
    tw_mesh_free(&m);
    ok[i] = 1;
    t->blocks_made++;
    return out[i];
}

/* Chunk k's blocks (every level) are made again from the rows when next
 * drawn; all chunks' when k < 0. */
static void app__blocks_stale(app_btile *t, int k, bool before)
{
    uint8_t *ok = before ? t->block0_ok : t->block_ok;
    if (!before) app_bgroups_stale(t, k);
    if (!ok) return;
    if (k < 0)
        memset(ok, 0, (size_t)t->b.chunk_count * APP_BLOCK_SLOTS);
    else
        memset(ok + (size_t)APP_BLOCK_SLOTS * k, 0, APP_BLOCK_SLOTS);
}

void app_btile_recolour(app_btile *t, int f)
{
    if (t->recolour_n < 2)
        t->recolour[t->recolour_n++] = f;
    else
        t->dirty = true; /* more than a selection's two: the whole tile */
}

/* The table from rows (made at the first upload, rewritten after). */
static void app__table(rn_table *table, const geo_buildings_row *rows, int n)
{
    if (rn_table_valid(table) && table->rows == (uint32_t)n)
        rn_table_update(table, 0, (uint32_t)n, rows);
    else {
        rn_table_destroy(table);
        *table = rn_table_make(rows, (uint32_t)n);
    }
}

static double app__exag(const app_buildings *p)
{
    return p->world->exaggeration > 0 ? p->world->exaggeration : 1;
}

/* ---- bases ---- */

static void app__bases_job_free(app__bases_job *j)
{
    app_ground_release(j->ground);
    free(j->b.polys.features);
    free(j->b.polys.ring_start);
    if (!j->xy_owner) free(j->b.polys.xy);
    tw_obstacles_release(j->xy_owner);
    free(j->base);
    free(j);
}

static void app__bases_run(void *job, int worker)
{
    (void)worker;
    app__bases_job *j = job;
    j->base = calloc((size_t)j->b.polys.count + 1, sizeof *j->base);
    if (j->base) geo_buildings_bases(&j->b, app_ground_heightfield(j->ground), j->base);
}

static void app__bases_done(void *job, tw_result status)
{
    app__bases_job *j = job;
    if (status == TW_OK) {
        app_buildings *p = j->owner;
        app_btile *t = j->tile;
        t->bases_pending = false;
        /* A ground newer than the job's: update sends another. */
        if (j->base && j->ground_gen == p->world->ground_gen) {
            app_buildings_publish_settle(p); /* its job reads the bases */
            memcpy(t->base, j->base, (size_t)t->b.polys.count * sizeof *t->base);
            t->ground_gen = j->ground_gen;
            p->bases_worker++;
            p->publish = true;
            t->exag = 0; /* raise again */
        }
    }
    app__bases_job_free(j);
}

/* Sends the tile's bases on the current ground to a worker; false when it
 * could not (out of memory, no pool), and the caller computes them here. */
static bool app__bases_submit(app_buildings *p, app_btile *t)
{
    const geo_polygons *src = &t->b.polys;
    app__bases_job *j = calloc(1, sizeof *j);
    if (!j) return false;
    j->owner = p;
    j->tile = t;
    j->ground = app_world_ground_ref(p->world);
    j->ground_gen = p->world->ground_gen;
    geo_polygons *d = &j->b.polys;
    size_t points = (size_t)src->ring_start[src->ring_count];
    d->count = src->count, d->ring_count = src->ring_count;
    d->features = malloc((size_t)src->count * sizeof *d->features + 1);
    d->ring_start = malloc(((size_t)src->ring_count + 1) * sizeof *d->ring_start);
    /* Points the obstacles hold are immutable: shared, not copied (125 MB
     * at 600,000 buildings). */
    if (t->xy_owner)
        j->xy_owner = tw_obstacles_ref(t->xy_owner), d->xy = src->xy;
    else
        d->xy = malloc(points * 2 * sizeof *d->xy + 1);
    if (j->ground && d->features && d->ring_start && d->xy) {
        for (int f = 0; f < src->count; f++)
            d->features[f] = (geo_polygon){.ring_first = src->features[f].ring_first,
                                           .ring_count = src->features[f].ring_count};
        memcpy(d->ring_start, src->ring_start,
               ((size_t)src->ring_count + 1) * sizeof *d->ring_start);
        if (!j->xy_owner) memcpy(d->xy, src->xy, points * 2 * sizeof *d->xy);
        if (app_layer_submit(p->layer, j, app__bases_run, app__bases_done, 700)) {
            t->bases_pending = true;
            return true;
        }
    }
    app__bases_job_free(j);
    return false;
}

bool app_btile_settled(const app_buildings *p, const app_btile *t)
{
    /* A scenario's edits not yet applied: not settled either (the frame
     * that sets them must not be taken as the complete view). */
    return t->state != APP_BTILE_READY ||
           (t->ground_gen == p->world->ground_gen && !t->bases_pending &&
            t->edits_gen == p->world->edits_gen);
}

/* Every building's row: base and height (heights: the tile's or the
 * source's) as drawn, colour (the selection's highlight included). */
static void app__rows(app_buildings *p, app_btile *t, int ti, const double *height,
                      geo_buildings_row *rows)
{
    /* app__colour_feature's rule worked out once, not for each of
     * 600,000 rows (the same colours): the selection, a class, the
     * height ramp (by the heights drawn) or the scene's one colour. */
    const app_buildings_cfg *c = p->cfg;
    bool ramp = p->color_i < 0 && c->color_by && strcmp(c->color_by, "height") == 0;
    int sel = ti == p->sel_tile ? p->selected : -1;
    uint8_t one[4];
    for (int k = 0; k < 4; k++) one[k] = (uint8_t)lroundf(c->color[k] * 255);
    for (int f = 0; f < t->b.polys.count; f++) {
        geo_buildings_row *r = &rows[f];
        geo_buildings_row_raise(r, t->base[f], height[f], t->exag);
        if (f == sel)
            app__colour_feature(p, t, true, f, r);
        else if (p->color_i >= 0)
            app__class(geo_buildings_class(&t->b, f), r->rgba);
        else if (ramp)
            app_buildings_ramp(height[f], r->rgba);
        else
            memcpy(r->rgba, one, 3);
        r->rgba[3] = one[3];
        r->flags = 0;
    }
}

/* The split view's before side: a second table at the source's heights
 * (and its blocks), while some of the tile's differ from them. */
static void app__before(app_buildings *p, app_btile *t, int ti)
{
    bool differs = false;
    for (int f = 0; t->height0 && f < t->b.polys.count && !differs; f++)
        differs = t->height0[f] != t->b.height[f];
    if (!differs) {
        app__before_clear(t);
        return;
    }
    size_t n = (size_t)t->b.chunk_count + 1;
    if (!t->rows0) t->rows0 = calloc((size_t)t->b.polys.count + 1, sizeof *t->rows0);
    if (!t->block0) t->block0 = calloc(n * APP_BLOCK_SLOTS, sizeof *t->block0);
    if (!t->block0_tris) t->block0_tris = calloc(n * APP_BLOCK_SLOTS, sizeof *t->block0_tris);
    if (!t->block0_ok) t->block0_ok = calloc(n * APP_BLOCK_SLOTS, sizeof *t->block0_ok);
    if (!t->rows0 || !t->block0 || !t->block0_tris || !t->block0_ok) {
        app__before_clear(t);
        return;
    }
    app__rows(p, t, ti, t->height0, t->rows0);
    app__table(&t->table0, t->rows0, t->b.polys.count);
    if (!rn_table_valid(&t->table0)) {
        app__before_clear(t);
        return;
    }
    app__blocks_stale(t, -1, true);
}

/* A selection's change: the rows of the buildings it concerns, on both
 * sides of the split view, and their chunks' blocks (a 600,000-building
 * tile is not rewritten for a click). */
static void app__recolour(app_buildings *p, app_btile *t, int ti)
{
    for (int i = 0; i < t->recolour_n; i++) {
        int f = t->recolour[i];
        if (f < 0 || f >= t->b.polys.count) continue;
        bool sel = ti == p->sel_tile && f == p->selected;
        app__colour_feature(p, t, sel, f, &t->rows[f]);
        rn_table_update(&t->table, (uint32_t)f, 1, &t->rows[f]);
        t->rows_written++;
        bool before = t->rows0 && rn_table_valid(&t->table0);
        if (before) {
            double *own = t->b.height;
            t->b.height = t->height0 ? t->height0 : own; /* a ramp: the source's height */
            app__colour_feature(p, t, sel, f, &t->rows0[f]);
            t->b.height = own;
            rn_table_update(&t->table0, (uint32_t)f, 1, &t->rows0[f]);
            t->rows_written++;
        }
        for (int k = 0; k < t->b.chunk_count; k++) {
            const geo_buildings_chunk *c = &t->b.chunks[k];
            if (f < c->f0 || f >= c->f1) continue;
            app__blocks_stale(t, k, false);
            if (before) app__blocks_stale(t, k, true);
            break;
        }
    }
    t->recolour_n = 0;
}

/* Sends the bases to a worker when the ground appears or changes (drawing
 * the old ones meanwhile) and applies a scenario's edits: the bases and
 * heights the update and the obstacles then read. */
void app_btile_settle(app_buildings *p, app_btile *t)
{
    if (t->state != APP_BTILE_READY) return;
    /* A scenario's what-if edits: raise again and publish the new heights
     * (once the cache's writer has read the source's). */
    if (t->writing && t->edits_gen != p->world->edits_gen) app_bwrite_wait(t);
    if (app_world_apply_edits(p->world, p->layer->name, &t->b, &t->height0, &t->edits_gen))
        t->exag = 0, p->publish = true;
    bool ground = t->ground_gen != p->world->ground_gen;
    if (ground && !t->bases_pending && (!p->world->ground || !t->b.polys.count)) {
        /* No ground: everything at 0. */
        memset(t->base, 0, (size_t)t->b.polys.count * sizeof *t->base);
        t->ground_gen = p->world->ground_gen;
        t->exag = 0;
        p->publish = true;
    } else if (ground && !t->bases_pending && !app__bases_submit(p, t)) {
        /* No worker would take the job: here, once. */
        geo_buildings_bases(&t->b, app_ground_heightfield(p->world->ground), t->base);
        t->ground_gen = p->world->ground_gen;
        p->bases_main++;
        t->exag = 0;
        p->publish = true;
    }
}

/* Raises the buildings with the exaggeration, recolours them after a
 * selection (after app_btile_settle). */
void app_btile_update(app_buildings *p, app_btile *t, int ti)
{
    if (t->state != APP_BTILE_READY) return;
    bool raise = t->exag != app__exag(p);
    if (!raise && !t->dirty && t->uploaded) {
        app__recolour(p, t, ti);
        return;
    }
    t->recolour_n = 0;
    t->rows_written += t->b.polys.count * (t->rows0 ? 2 : 1);
    if (raise || !t->uploaded) t->exag = app__exag(p);
    /* The chunks' boxes and the rows (the blocks made from them when
     * drawn); the meshes go up once. */
    geo_buildings_raise(&t->b, t->base, t->exag);
    app__rows(p, t, ti, t->b.height, t->rows);
    if (!t->uploaded) {
        /* The meshes go up lazily (app_bchunk_upload), or all now (those
         * not made yet made first, together). */
        if (p->eager && geo_buildings_chunks_left(&t->b)) {
            int *ks = malloc((size_t)t->b.chunk_count * sizeof *ks + 1);
            for (int k = 0; ks && k < t->b.chunk_count; k++) ks[k] = k;
            if (ks) app_bchunks_make(t, ks, t->b.chunk_count);
            free(ks);
        }
        for (int k = 0; p->eager && k < t->b.chunk_count; k++) app_bchunk_upload(t, k, APP_UP_ALL);
        if (t->up_n < t->b.chunk_count) app_btile_trim(t); /* else trimmed once all went up */
    }
    app__table(&t->table, t->rows, t->b.polys.count);
    app__blocks_stale(t, -1, false);
    app__before(p, t, ti);
    t->dirty = false;
    t->uploaded = true;
}

void app_btile_evict(app_buildings *p, app_btile *t, int ti)
{
    if (ti == p->sel_tile) p->sel_tile = p->selected = -1, app_buildings_attrs_request(p);
    app__btile_clear(t);
    p->evicted++;
    p->publish = true;
    p->info.features = app_buildings_features(p);
    app__skips(p);
}
