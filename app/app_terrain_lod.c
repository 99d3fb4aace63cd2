/* Terrain level of detail: the tile cache (a hash of quadtree keys with
 * an LRU under a count and a byte cap), the choice of tiles for the view
 * (screen-space error from each tile's measured geometric error, frustum
 * and horizon culling, skipping levels for the first view), the tile jobs
 * that read them on workers, and eviction. */
#include "app_terrain_int.h"

#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void app_terrain_cache_init(app_terrain *t)
{
    for (int i = 0; i < APP_TILE_BUCKETS; i++) t->buckets[i] = -1;
    for (int i = 0; i < APP_TILE_CAPACITY; i++)
        t->tiles[i].next = i + 1 < APP_TILE_CAPACITY ? i + 1 : -1;
    t->free_head = 0;
}

static unsigned app__hash(geo_tile_key k)
{
    unsigned h = (unsigned)k.level * 0x9E3779B1u;
    h ^= (unsigned)k.x * 0x85EBCA77u + (h << 6) + (h >> 2);
    h ^= (unsigned)k.y * 0xC2B2AE3Du + (h << 6) + (h >> 2);
    return h & (APP_TILE_BUCKETS - 1);
}

static bool app__key_eq(geo_tile_key a, geo_tile_key b)
{
    return a.level == b.level && a.x == b.x && a.y == b.y;
}

static app__tile *app__find(app_terrain *t, geo_tile_key k)
{
    for (int i = t->buckets[app__hash(k)]; i >= 0; i = t->tiles[i].next)
        if (app__key_eq(t->tiles[i].key, k)) return &t->tiles[i];
    return NULL;
}

static app__tile *app__insert(app_terrain *t, geo_tile_key k)
{
    if (t->free_head < 0) return NULL;
    int i = t->free_head;
    app__tile *e = &t->tiles[i];
    t->free_head = e->next;
    memset(e, 0, sizeof *e);
    e->key = k;
    unsigned h = app__hash(k);
    e->next = t->buckets[h];
    t->buckets[h] = i;
    return e;
}

static app__facts *app__facts_slot(app_terrain *t, geo_tile_key k)
{
    unsigned h =
        (unsigned)k.level * 0x9E3779B1u ^ (unsigned)k.x * 0x85EBCA77u ^ (unsigned)k.y * 0xC2B2AE3Du;
    h ^= h >> 15;
    for (unsigned i = 0;; i++) {
        app__facts *f = &t->facts[(h + i) & (APP_FACTS_CAP - 1)];
        if (!f->known || app__key_eq(f->key, k)) return f;
    }
}

static const app__facts *app__facts_find(app_terrain *t, geo_tile_key k)
{
    const app__facts *f = app__facts_slot(t, k);
    return f->known ? f : NULL;
}

static void app__facts_put(app_terrain *t, const app__tile *e)
{
    if (t->facts_count >= APP_FACTS_CAP / 4 * 3) {
        memset(t->facts, 0, sizeof t->facts);
        t->facts_count = 0;
    }
    app__facts *f = app__facts_slot(t, e->key);
    if (!f->known) t->facts_count++;
    *f = (app__facts){e->key, e->zmin, e->zmax, e->error_m, true};
}

static void app__remove(app_terrain *t, app__tile *e)
{
    int idx = (int)(e - t->tiles);
    unsigned h = app__hash(e->key);
    for (int *p = &t->buckets[h]; *p >= 0; p = &t->tiles[*p].next) {
        if (*p == idx) {
            *p = e->next;
            break;
        }
    }
    rn_mesh_destroy(e->mesh);
    rn_texture_destroy(e->imagery);
    t->imagery_bytes -= e->imagery_bytes;
    if (e->state == TILE_READY) t->resident--;
    t->resident_bytes -= e->bytes;
    e->state = TILE_FREE;
    e->next = t->free_head;
    t->free_head = idx;
}

/* Reads only what the job carries: the layer may be gone meanwhile. */
static void app__tile_run(void *job, int worker)
{
    app__tile_job *j = job;
    geo_tile_key key = j->tile.key;
    j->status = geo_terrain_load_tile(j->geo, worker, key, &j->tile, j->err, sizeof j->err);
    if (j->status != TW_OK || j->tile.empty || !j->imagery) return;
    const geo_terrain_info *info = geo_terrain_info_get(j->geo);
    double size = info->root_size / (double)(1 << key.level);
    int px = geo_imagery_square_px(j->imagery, size);
    geo_grid g;
    geo_terrain_tile_grid(info, key, px, &g);
    long covered;
    j->imagery_status = geo_imagery_read(j->imagery, worker, &g, &j->imagery_px, &covered,
                                         j->imagery_err, sizeof j->imagery_err);
}

/* Imagery whose every tile read failed is an error; one that failed in
 * part stays ok with a warning the HUD shows. */
static void app__imagery_health(app_terrain *t)
{
    app_layer_info *l = &t->imagery_layer;
    if (t->imagery_failures == 0 || l->status == APP_LAYER_LOADING) return;
    if (t->imagery_reads == 0) {
        if (l->status != APP_LAYER_ERROR)
            app_layer_info_fail(l, tw_time_mono_s(), "no tile could be read (%d tried): %s",
                                t->imagery_failures, t->imagery_first_err);
        return;
    }
    l->status = APP_LAYER_OK;
    l->error[0] = 0;
    snprintf(l->warning, sizeof l->warning, "%d of %d tiles could not be read: %.180s",
             t->imagery_failures, t->imagery_failures + t->imagery_reads, t->imagery_first_err);
}

/* Uploads a ready tile's imagery; a failed read leaves the tile in its
 * terrain colours. */
static void app__tile_imagery(app_terrain *t, app__tile *e, const app__tile_job *j)
{
    if (j->imagery_status != TW_OK) {
        if (t->imagery_failures++ == 0) {
            TW_WARN("imagery", "%s: tile %d/%d/%d: %s", t->imagery_layer.source, j->tile.key.level,
                    j->tile.key.x, j->tile.key.y, j->imagery_err);
            snprintf(t->imagery_first_err, sizeof t->imagery_first_err, "%s", j->imagery_err);
        }
        geo_skips_add(&t->imagery_layer.skipped, "tile read failed");
        app__imagery_health(t);
        return;
    }
    t->imagery_reads++;
    app__imagery_health(t);
    const tw_image *im = &j->imagery_px;
    if (!im->pixels || e->empty) return;
    /* Mipmaps keep oblique views of fine imagery from shimmering. */
    e->imagery = rn_texture_make(&(rn_texture_desc){.width = im->width,
                                                    .height = im->height,
                                                    .format = RN_TEX_RGBA8,
                                                    .pixels = im->pixels,
                                                    .mipmaps = true});
    if (rn_texture_valid(e->imagery)) {
        e->imagery_bytes = (size_t)im->width * im->height * 4 * 4 / 3;
        t->imagery_bytes += e->imagery_bytes;
    }
}

static void app__tile_job_free(app__tile_job *j)
{
    geo_tile_free(&j->tile);
    tw_image_free(&j->imagery_px);
    free(j);
}

static void app__tile_done(void *job, tw_result pool_status)
{
    app__tile_job *j = job;
    if (pool_status == TW_ERR_CANCELLED) {
        app__tile_job_free(j);
        return;
    }
    app_terrain *t = j->owner;
    t->inflight--;
    if (!j->background) t->inflight_view--;
    if (t->skip_levels) t->loaded_first_view++;
    app__tile *e = app__find(t, j->tile.key);
    if (e && e->state == TILE_REQUESTED) {
        if (pool_status != TW_OK || j->status != TW_OK) {
            e->state = TILE_FAILED;
            if (pool_status == TW_OK) {
                if (t->tile_failures++ == 0)
                    TW_WARN("terrain", "%s: tile %d/%d/%d: %s", t->layer.source, j->tile.key.level,
                            j->tile.key.x, j->tile.key.y, j->err);
                geo_skips_add(&t->layer.skipped, "tile read failed");
            }
        } else {
            e->state = TILE_READY;
            e->empty = j->tile.empty;
            e->zmin = j->tile.zmin;
            e->zmax = j->tile.zmax;
            e->overview = j->tile.overview;
            if (!e->empty) e->mesh = rn_mesh_make(&j->tile.mesh);
            t->resident++;
            app__tile_imagery(t, e, j);
            e->error_m = j->tile.error_m;
            e->bytes = sizeof *e + (rn_mesh_valid(e->mesh) ? tw_mesh_bytes(&j->tile.mesh) : 0) +
                       e->imagery_bytes;
            t->resident_bytes += e->bytes;
            if (app__facts_find(t, e->key)) t->reloads++;
            app__facts_put(t, e);
        }
    }
    app__tile_job_free(j);
}

/* Closest distance from the eye to a tile's box (eye-relative, exaggerated). */
static double app__box_distance(const double eye[3], const double lo[3], const double hi[3])
{
    double d2 = 0;
    for (int i = 0; i < 3; i++) {
        double v = eye[i] < lo[i] ? lo[i] - eye[i] : eye[i] > hi[i] ? eye[i] - hi[i] : 0;
        d2 += v * v;
    }
    return sqrt(d2);
}

static void app__tile_box(app_terrain *t, geo_tile_key k, double lo[3], double hi[3])
{
    double b[4];
    geo_terrain_tile_bounds(t->info, k, b);
    app__tile *e = app__find(t, k);
    double zmin = t->info->zmin, zmax = t->info->zmax;
    const app__facts *f = e && e->state == TILE_READY ? NULL : app__facts_find(t, k);
    if (e && e->state == TILE_READY) {
        /* Finer levels differ from the mesh by at most its error. */
        zmin = e->zmin - e->error_m;
        zmax = e->zmax + e->error_m;
    } else if (f) {
        zmin = f->zmin - f->error_m;
        zmax = f->zmax + f->error_m;
    } else {
        /* Not loaded: the overview heightfield's range over the square, so
         * that odd heights elsewhere (a smeared nodata edge) do not make
         * every unloaded tile look deep and near. */
        float lo_z, hi_z;
        if (geo_terrain_range_estimate(t->geo, b, &lo_z, &hi_z)) zmin = lo_z, zmax = hi_z;
    }
    lo[0] = b[0], lo[1] = b[1], lo[2] = zmin * t->exag - 1;
    hi[0] = b[2], hi[1] = b[3], hi[2] = zmax * t->exag + 1;
}

static bool app__visible(app_terrain *t, const double lo[3], const double hi[3])
{
    vec3 box[2] = {
        {(float)(lo[0] - t->eye[0]), (float)(lo[1] - t->eye[1]), (float)(lo[2] - t->eye[2])},
        {(float)(hi[0] - t->eye[0]), (float)(hi[1] - t->eye[1]), (float)(hi[2] - t->eye[2])}};
    if (!glm_aabb_frustum(box, t->planes)) return false;
    if (t->horizon_ok && tw_horizon_occludes(&t->horizon, lo, hi)) {
        t->occluded++;
        return false;
    }
    return true;
}

static bool app__ready(app_terrain *t, geo_tile_key k)
{
    app__tile *e = app__find(t, k);
    bool ready = e && (e->state == TILE_READY || e->state == TILE_FAILED);
    /* What covers the view this frame is not evicted. */
    if (ready) e->last_used = t->frame_no;
    return ready;
}

/* Background requests (skipped levels filled in later) rank below this. */
#define APP_BACKGROUND (-1e8)

static void app__request(app_terrain *t, geo_tile_key k, double priority)
{
    app__tile *e = app__find(t, k);
    if (e) return; /* requested, ready or failed */
    if (priority > APP_BACKGROUND) t->view_wants++;
    if (t->want_count < APP_WANT_MAX) {
        t->want[t->want_count++] = (app__want){k, priority};
        return;
    }
    /* Full: keep the most urgent (the root stand-in above all). */
    int low = 0;
    for (int i = 1; i < t->want_count; i++)
        if (t->want[i].priority < t->want[low].priority) low = i;
    if (t->want[low].priority < priority) t->want[low] = (app__want){k, priority};
}

static void app__emit(app_terrain *t, app__tile *e)
{
    e->last_used = t->frame_no;
    t->stats.drawn++;
    if (e->key.level < 25) t->stats.drawn_per_level[e->key.level]++;
    if (e->empty || !rn_mesh_valid(e->mesh)) return;
    if (t->draw_count == t->draw_cap) {
        int cap = t->draw_cap ? t->draw_cap * 2 : 128;
        rn_terrain_item *p = realloc(t->draw, (size_t)cap * sizeof *p);
        if (!p) return;
        t->draw = p;
        t->draw_cap = cap;
    }
    double b[4];
    geo_terrain_tile_bounds(t->info, e->key, b);
    t->draw[t->draw_count++] =
        (rn_terrain_item){.mesh = e->mesh, .origin = {b[0], b[1], 0}, .imagery = e->imagery};
    if (rn_texture_valid(e->imagery)) t->stats.imagery_tiles++;
    if (t->target[0] >= b[0] && t->target[0] < b[2] && t->target[1] >= b[1] && t->target[1] < b[3])
        t->stats.center_level = e->key.level;
}

static bool app__over_imagery(app_terrain *t, geo_tile_key k)
{
    double b[4];
    geo_terrain_tile_bounds(t->info, k, b);
    const double *e = geo_imagery_info(t->imagery)->extent;
    return b[0] < e[2] && b[2] > e[0] && b[1] < e[3] && b[3] > e[1];
}

/* Geometric error of a tile in metres: measured when it (ever) loaded;
 * before that, estimated from the heightfield cells under it (local, so that bad
 * data far away does not make the whole view refine). */
static double app__error_m(app_terrain *t, geo_tile_key k)
{
    app__tile *e = app__find(t, k);
    if (e && e->state == TILE_READY) return e->error_m;
    const app__facts *f = app__facts_find(t, k);
    return f ? f->error_m : geo_terrain_error_estimate(t->geo, k);
}

/* Screen-space error of a tile and whether the view wants it split. */
static bool app__wants_split(app_terrain *t, geo_tile_key k, const double lo[3], const double hi[3],
                             double *distance)
{
    double d = fmax(app__box_distance(t->eye, lo, hi), 1.0);
    *distance = d;
    double error_px = app__error_m(t, k) * t->exag * t->k_px / d;
    double limit = t->max_error_px * t->error_scale;
    if (k.level >= t->dem_max_level && t->imagery) {
        /* Finer than the DEM only the imagery gains: split while its pixels
         * are larger than one screen pixel, and only over the imagery. */
        double size = t->info->root_size / (double)(1 << k.level);
        int px = geo_imagery_square_px(t->imagery, size);
        error_px = geo_terrain_level_spacing(t->info, k.level) * t->k_px / d;
        error_px =
            app__over_imagery(t, k) ? error_px * (t->info->tile_samples - 1.0) / (px - 1) : 0;
        limit = 1.0;
    }
    return k.level < t->info->max_level && error_px > limit;
}

static geo_tile_key app__child(geo_tile_key k, int c)
{
    return (geo_tile_key){k.level + 1, k.x * 2 + (c & 1), k.y * 2 + (c >> 1)};
}

/* True when the node's area can be drawn at the detail the view wants or
 * coarser without holes: the tile is loaded, or every part of it the view
 * sees is covered by loaded descendants. */
static bool app__covered(app_terrain *t, geo_tile_key k)
{
    if (!geo_terrain_tile_exists(t->info, k)) return true;
    double lo[3], hi[3], d;
    app__tile_box(t, k, lo, hi);
    if (!app__visible(t, lo, hi)) return true;
    if (app__ready(t, k)) return true;
    if (!app__wants_split(t, k, lo, hi, &d)) return false;
    for (int c = 0; c < 4; c++)
        if (!app__covered(t, app__child(k, c))) return false;
    return true;
}

/* Skipping levels: requests the tiles under k at the detail the view wants. */
static void app__want_leaves(app_terrain *t, geo_tile_key k)
{
    if (!geo_terrain_tile_exists(t->info, k)) return;
    double lo[3], hi[3], d;
    app__tile_box(t, k, lo, hi);
    if (!app__visible(t, lo, hi)) return;
    if (app__wants_split(t, k, lo, hi, &d)) {
        for (int c = 0; c < 4; c++) app__want_leaves(t, app__child(k, c));
    } else if (!app__ready(t, k)) {
        app__request(t, k, -d - k.level * 10.0);
    }
}

/* Draws the node, or its children where they cover it, and requests what
 * the view still lacks: the children (one level at a time), or when
 * skipping levels the wanted tiles themselves. */
static void app__visit(app_terrain *t, geo_tile_key k)
{
    if (!geo_terrain_tile_exists(t->info, k)) return;
    double lo[3], hi[3], d;
    app__tile_box(t, k, lo, hi);
    if (!app__visible(t, lo, hi)) return;
    app__tile *e = app__find(t, k);
    if (e) e->last_used = t->frame_no;
    bool split = app__wants_split(t, k, lo, hi, &d);
    bool ready = e && (e->state == TILE_READY || e->state == TILE_FAILED);
    if (split) {
        bool all = true;
        for (int c = 0; c < 4 && all; c++) all = app__covered(t, app__child(k, c));
        if (all) {
            /* Levels skipped for the first view come in afterwards, last,
             * so that a later move always finds a parent to show. */
            if (!ready && !t->skip_levels) app__request(t, k, APP_BACKGROUND * 10 - d);
            for (int c = 0; c < 4; c++) app__visit(t, app__child(k, c));
            return;
        }
        t->stats.complete = false; /* a finer level is on its way */
        if (t->skip_levels) {
            app__want_leaves(t, k);
        } else {
            for (int c = 0; c < 4; c++) {
                geo_tile_key ck = app__child(k, c);
                double clo[3], chi[3];
                if (!geo_terrain_tile_exists(t->info, ck)) continue;
                app__tile_box(t, ck, clo, chi);
                if (app__visible(t, clo, chi) && !app__covered(t, ck))
                    app__request(t, ck, -app__box_distance(t->eye, clo, chi) - ck.level * 10.0);
            }
        }
    }
    if (ready) {
        if (e->state == TILE_READY) app__emit(t, e);
        return;
    }
    /* Nothing to draw here yet. One level at a time the node is wanted;
     * skipping levels only the root is, as the stand-in for the first view. */
    if (!t->skip_levels || k.level == 0 || !split) app__request(t, k, -d - k.level * 10.0 + 1e6);
    t->stats.complete = false;
}

static int app__cmp_want(const void *a, const void *b)
{
    double pa = ((const app__want *)a)->priority, pb = ((const app__want *)b)->priority;
    return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static int app__cmp_lru(const void *a, const void *b)
{
    long la = (*(app__tile *const *)a)->last_used, lb = (*(app__tile *const *)b)->last_used;
    return la < lb ? -1 : la > lb ? 1 : 0;
}

static void app__over_cap(app_terrain *t);

/* Evicts down to the cap; true when what this frame draws is still over
 * it (the next frame draws coarser). */
static bool app__evict(app_terrain *t)
{
    if (t->resident <= t->max_tiles && t->resident_bytes <= t->max_bytes) return false;
    app__tile **cand = malloc(APP_TILE_CAPACITY * sizeof *cand);
    if (!cand) return true;
    int n = 0;
    for (int i = 0; i < APP_TILE_CAPACITY; i++) {
        app__tile *e = &t->tiles[i];
        if ((e->state == TILE_READY || e->state == TILE_FAILED) && e->last_used < t->frame_no &&
            e->key.level > 0)
            cand[n++] = e;
    }
    qsort(cand, (size_t)n, sizeof *cand, app__cmp_lru);
    for (int i = 0; i < n && (t->resident > t->max_tiles || t->resident_bytes > t->max_bytes); i++)
        app__remove(t, cand[i]);
    free(cand);
    /* What the view uses this frame alone is over the cap: ask for less
     * detail rather than evict what is drawn and read it again forever. */
    if (t->resident <= t->max_tiles && t->resident_bytes <= t->max_bytes) return false;
    app__over_cap(t);
    return true;
}

static void app__over_cap(app_terrain *t)
{
    t->error_scale *= 1.25;
    if (!t->over_cap_warned) {
        t->over_cap_warned = true;
        /* Resident and still wanted, the latter at the mean tile's size. */
        size_t per_tile = t->resident > 0 ? t->resident_bytes / (size_t)t->resident : 256 * 1024;
        int need = t->resident + t->view_wants;
        TW_WARN("terrain",
                "%s: the view needs %d tiles (~%.0f MB), over the tile cache's %d tiles / %.0f "
                "MB; drawing it coarser",
                t->layer.source, need, (double)need * per_tile / 1048576.0, t->max_tiles,
                t->max_bytes / 1048576.0);
    }
}

/* The cap, once: CITYTWIN_TERRAIN_CACHE_MB, the scene's "cache_mb" or the
 * default. */
static void app__cache_setup(app_terrain *t)
{
    if (t->cache_set) return;
    t->cache_set = true;
    t->error_scale = 1.0;
    const char *env = getenv("CITYTWIN_TERRAIN_CACHE_MB");
    double mb = env ? atof(env) : 0;
    if (!(mb > 0)) mb = t->cache_mb > 0 ? t->cache_mb : APP_CACHE_MB;
    t->max_bytes = (size_t)(mb * 1048576.0);
}

/* A view still incomplete after APP_STUCK_S says why, once per episode:
 * what it waits for, what failed, what was read again after eviction. */
static void app__stuck_check(app_terrain *t, double now)
{
    if (t->stats.complete) {
        t->incomplete_since = 0;
        t->stuck_warned = false;
        return;
    }
    if (t->incomplete_since <= 0) t->incomplete_since = now;
    if (t->stuck_warned || now - t->incomplete_since < APP_STUCK_S) return;
    t->stuck_warned = true;
    TW_WARN("terrain",
            "%s: view not complete after %.0f s: %d tile(s) wanted, %d in flight, %d failed, "
            "%d read again after eviction; cache %.0f of %.0f MB, error scale %.2f",
            t->layer.source, now - t->incomplete_since, t->want_count, t->inflight,
            t->tile_failures, t->reloads, t->resident_bytes / 1048576.0, t->max_bytes / 1048576.0,
            t->error_scale);
}

/* Rebuilds the horizon when the eye moved; margin: how far below the
 * heightfield the data may lie (twice its measured error, plus a metre). */
static void app__horizon_update(app_terrain *t)
{
    const float *low = geo_terrain_heightfield_low(t->geo);
    if (!low) {
        t->horizon_ok = false;
        return;
    }
    double moved = fabs(t->eye[0] - t->horizon_eye[0]) + fabs(t->eye[1] - t->horizon_eye[1]) +
                   fabs(t->eye[2] - t->horizon_eye[2]);
    if (t->horizon_ok && moved < 0.5 && t->horizon_exag == t->exag) return;
    tw_result r =
        tw_horizon_build(&t->horizon, &(tw_horizon_desc){.hf = geo_terrain_heightfield(t->geo),
                                                         .low = low,
                                                         .block = t->horizon_block,
                                                         .block_cap = APP_HORIZON_CAP,
                                                         .eye = {t->eye[0], t->eye[1], t->eye[2]},
                                                         .z_scale = t->exag,
                                                         .margin = 2 * t->info->hf_error_m + 1,
                                                         .bins = APP_HORIZON_BINS});
    t->horizon_ok = r == TW_OK;
    memcpy(t->horizon_eye, t->eye, sizeof t->horizon_eye);
    t->horizon_exag = t->exag;
}

void app_terrain_update(void *self, const app_update_ctx *u)
{
    app_terrain *t = self;
    const app_camera *cam = u->cam;
    int width = u->width, height = u->height;
    double exaggeration = t->world->exaggeration > 0 ? t->world->exaggeration : 1.0;
    long frame = u->frame_no;
    memset(&t->stats, 0, sizeof t->stats);
    t->stats.center_level = -1;
    t->draw_count = 0;
    t->want_count = 0;
    t->view_wants = 0;
    if (!t->geo) {
        /* A terrain that failed to open wants nothing more. */
        t->stats.complete = t->layer.status != APP_LAYER_LOADING;
        return;
    }
    if (t->has_imagery && t->imagery_layer.status == APP_LAYER_LOADING) {
        /* Tiles wait for the imagery to open (or fail), so each is read
         * once, with its imagery. */
        t->stats.complete = false;
        return;
    }
    if (!t->depth_final) {
        /* Once, before any tile: imagery finer than the DEM gets tiles fine
         * enough to show it. */
        t->dem_max_level = t->info->max_level;
        if (t->imagery) {
            const geo_raster_info *ri = geo_imagery_info(t->imagery);
            double size = t->info->root_size / (double)(1 << t->info->max_level);
            int added =
                geo_terrain_deepen(t->geo, ri->pixel_m, geo_imagery_square_px(t->imagery, size));
            if (added)
                TW_INFO("terrain", "%s: %d more LOD level(s) for the imagery's %.2f m pixels",
                        t->layer.source, added, ri->pixel_m);
        }
        t->depth_final = true;
    }
    t->frame_no = frame;
    t->exag = exaggeration;
    app_camera_eye(cam, t->eye);
    t->target[0] = cam->target[0];
    t->target[1] = cam->target[1];
    /* Far plane for culling: generous, the terrain is all that limits it. */
    double span = t->info->root_size * 4 + cam->distance * 4;
    float vp[16];
    app_camera_view_proj(cam, width, height, 1.0, span, vp);
    mat4 m;
    memcpy(m, vp, sizeof m);
    glm_frustum_planes(m, t->planes);
    t->k_px = height / (2.0 * tan(cam->fov_y * M_PI / 360.0));
    app__cache_setup(t);
    app__horizon_update(t);
    t->occluded = 0;
    t->stats.complete = true;
    app__visit(t, (geo_tile_key){0, 0, 0});
    if (t->view_wants > 0) t->stats.complete = false;
    /* A view that wants more tiles than the cache holds would load and
     * evict forever: ask for less detail until it fits. */
    size_t per_tile = t->resident > 0 ? t->resident_bytes / (size_t)t->resident : 256 * 1024;
    int fits = (int)fmin(t->max_tiles, t->max_bytes / (double)(per_tile ? per_tile : 1));
    if (t->view_wants + t->resident > fits && t->view_wants > fits / 2) app__over_cap(t);

    qsort(t->want, (size_t)t->want_count, sizeof *t->want, app__cmp_want);
    int cap = t->workers * 2 + 2;
    for (int i = 0; i < t->want_count && t->inflight < cap; i++) {
        /* Filling in skipped levels waits while it would go over the cap. */
        if (t->want[i].priority <= APP_BACKGROUND &&
            t->resident_bytes + (size_t)(t->inflight + 1) * per_tile > t->max_bytes)
            break;
        app__tile *e = app__insert(t, t->want[i].key);
        if (!e) break;
        app__tile_job *j = calloc(1, sizeof *j);
        if (!j) {
            app__remove(t, e);
            break;
        }
        e->state = TILE_REQUESTED;
        e->last_used = frame;
        e->background = t->want[i].priority <= APP_BACKGROUND;
        if (!e->background) t->inflight_view++;
        j->background = e->background;
        j->owner = t;
        j->geo = t->geo;
        j->imagery = t->imagery;
        j->tile.key = t->want[i].key;
        int priority = (int)fmax(fmin(t->want[i].priority / 10, 1e8), -1e8);
        if (!app_layer_submit(t->owner, j, app__tile_run, app__tile_done, priority)) {
            free(j);
            app__remove(t, e);
            break;
        }
        t->inflight++;
    }
    /* A view over the cap is not complete: the next frame draws it coarser
     * (a report at this frame had the cache over its cap by the tiles that
     * landed last, under load). */
    if (app__evict(t)) t->stats.complete = false;
    t->stats.requested = t->want_count;
    t->stats.inflight = t->inflight;
    t->stats.resident = t->resident;
    t->stats.resident_bytes = t->resident_bytes;
    t->stats.occluded = t->occluded;
    t->stats.error_scale = t->error_scale;
    t->stats.loaded_first_view = t->loaded_first_view;
    if (t->inflight_view > 0) t->stats.complete = false;
    /* After the first complete view, refine one level at a time, so that
     * moving the camera always has a parent to show. */
    if (t->stats.complete) t->skip_levels = false;
    app__stuck_check(t, u->now);
}
