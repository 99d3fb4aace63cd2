/* Buildings layer: the attribute panel, the height legend, picking and the
 * report entry, over every loaded tile. */
#include "app_buildings_int.h"

#include "rn_ui.h"
#include "tw_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const app_btile *app__sel(const app_buildings *p)
{
    if (p->sel_tile < 0 || p->sel_tile >= p->nx * p->ny) return NULL;
    const app_btile *t = p->tiles[p->sel_tile];
    return t && t->state == APP_BTILE_READY && p->selected < t->b.polys.count ? t : NULL;
}

/* ---- the attribute panel ---- */

#define APP_PANEL_ROWS 22

/* ---- the selected building's attributes, read by FID ---- */

typedef struct app__attrs_job {
    app_buildings *owner;
    unsigned gen;
    long fid;
    char *path, *layer, *source_crs, *encoding;
    geo_frame *frame;
    geo_buildings_pool *pool;
    geo_battrs attrs;
    tw_result status;
    char err[160];
} app__attrs_job;

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void app_buildings_src(const app_buildings *p, geo_vector_desc *out)
{
    const app_source *s = &p->cfg->src;
    *out = (geo_vector_desc){
        .path = s->path, .layer = s->layer, .source_crs = s->source_crs, .encoding = s->encoding};
}

static void app__attrs_job_free(app__attrs_job *j)
{
    free(j->path), free(j->layer), free(j->source_crs), free(j->encoding);
    geo_frame_destroy(j->frame);
    geo_buildings_pool_release(j->pool);
    geo_battrs_free(&j->attrs);
    free(j);
}

/* One feature's attributes through a dataset of the layer's pool. */
static tw_result app__attrs_read(geo_buildings_pool *pool, const geo_vector_desc *src,
                                 const geo_frame *frame, long fid, geo_battrs *out, char *err,
                                 size_t n)
{
    geo_vector_desc d = *src;
    d.dataset = pool ? geo_buildings_pool_take(pool, &d, frame, err, n) : NULL;
    if (pool && !d.dataset) return TW_ERR_IO;
    tw_result r = geo_buildings_read_attrs(&d, frame, fid, out, err, n);
    if (pool) geo_buildings_pool_give(pool, d.dataset, r == TW_OK);
    return r;
}

static void app__attrs_run(void *job, int worker)
{
    (void)worker;
    app__attrs_job *j = job;
    geo_vector_desc d = {
        .path = j->path, .layer = j->layer, .source_crs = j->source_crs, .encoding = j->encoding};
    j->status = app__attrs_read(j->pool, &d, j->frame, j->fid, &j->attrs, j->err, sizeof j->err);
}

static void app__attrs_done(void *job, tw_result status)
{
    app__attrs_job *j = job;
    app_buildings *p = j->owner;
    if (status == TW_OK && j->gen == p->attrs_gen && p->attrs_state == APP_BATTRS_LOADING) {
        geo_battrs_free(&p->attrs);
        p->attrs = j->attrs;
        memset(&j->attrs, 0, sizeof j->attrs);
        p->attrs_state = j->status == TW_OK ? APP_BATTRS_READY : APP_BATTRS_FAILED;
        if (j->status != TW_OK) {
            snprintf(p->attrs_err, sizeof p->attrs_err, "%s", j->err);
            TW_WARN("buildings", "%s: %s", p->info.source, j->err);
        }
    }
    app__attrs_job_free(j);
}

static const app_btile *app__sel(const app_buildings *p);

void app_buildings_attrs_request(app_buildings *p)
{
    const app_btile *t = app__sel(p);
    p->attrs_gen++;
    geo_battrs_free(&p->attrs);
    p->attrs_state = APP_BATTRS_NONE;
    p->attrs_err[0] = 0;
    if (!t) return;
    p->attrs_fid = t->b.polys.features[p->selected].fid;
    app__attrs_job *j = calloc(1, sizeof *j);
    if (!j) return;
    j->owner = p, j->gen = p->attrs_gen, j->fid = p->attrs_fid;
    const app_source *s = &p->cfg->src;
    j->path = app__dup(s->path), j->layer = app__dup(s->layer);
    j->source_crs = app__dup(s->source_crs), j->encoding = app__dup(s->encoding);
    j->frame = geo_frame_ref(p->world->frame);
    if (!p->pool) p->pool = geo_buildings_pool_new();
    j->pool = geo_buildings_pool_ref(p->pool);
    p->attrs_state = APP_BATTRS_LOADING;
    /* Before tile reads: a click wants its answer now. */
    if (!app_layer_submit(p->layer, j, app__attrs_run, app__attrs_done, 900)) {
        app__attrs_job_free(j);
        p->attrs_state = APP_BATTRS_FAILED;
    }
}

/* The attribute named as one of names, NULL when none or not read. */
static const char *app__attr(const app_buildings *p, const char *const *names)
{
    if (p->attrs_state != APP_BATTRS_READY) return NULL;
    for (int k = 0; names[k]; k++)
        for (int i = 0; i < p->attrs.count; i++)
            if (p->attrs.values[i] && strcmp(p->attrs.names[i], names[k]) == 0)
                return p->attrs.values[i];
    return NULL;
}

static int app__panel_rows(const app_buildings *p, const app_btile *t, int f, char lines[][320],
                           int max)
{
    const geo_buildings *b = &t->b;
    int n = 0;
    snprintf(lines[n++], 320, "높이 height: %.1f m%s", b->height[f],
             b->height[f] == p->cfg->default_height_m ? " (기본값 default)" : "");
    if (!isnan(b->floors[f])) snprintf(lines[n++], 320, "층수 floors: %g", b->floors[f]);
    snprintf(lines[n++], 320, "바닥면적 footprint: %.0f m²", b->polys.features[f].area);
    snprintf(lines[n++], 320, "FID: %ld", b->polys.features[f].fid);
    if (p->attrs_state == APP_BATTRS_LOADING)
        snprintf(lines[n++], 320, "속성 불러오는 중 loading attributes…");
    else if (p->attrs_state == APP_BATTRS_FAILED)
        snprintf(lines[n++], 320, "속성 없음 no attributes: %.200s", p->attrs_err);
    for (int i = 0; p->attrs_state == APP_BATTRS_READY && i < p->attrs.count && n < max; i++) {
        const char *v = p->attrs.values[i];
        if (v) snprintf(lines[n++], 320, "%s: %s", p->attrs.names[i], v);
    }
    return n;
}

static void app__panel_box(const app_buildings *p, const app_ui_ctx *ui, float box[4])
{
    char lines[APP_PANEL_ROWS][320];
    const app_btile *t = app__sel(p);
    int rows = t ? app__panel_rows(p, t, p->selected, lines, APP_PANEL_ROWS) : 0;
    float s = ui->scale;
    box[0] = 12 * s, box[1] = 120 * s, box[2] = 12 * s + 360 * s;
    box[3] = box[1] + 34 * s + 17 * s * (float)rows;
}

void app_buildings_panel(const app_buildings *p, const app_ui_ctx *ui)
{
    const app_btile *t = app__sel(p);
    if (!t || !app_world_panel_mine(p->world, p)) return;
    int f = p->selected;
    char lines[APP_PANEL_ROWS][320];
    int rows = app__panel_rows(p, t, f, lines, APP_PANEL_ROWS);
    float s = ui->scale, box[4];
    app__panel_box(p, ui, box);
    rn_ui_rect(box[0], box[1], box[2] - box[0], box[3] - box[1], (rn_rgba){16, 24, 36, 215});
    static const char *const names[] = {"name", "name_ko", "NAME", "BLD_NM", "건물명", NULL};
    const char *title = app__attr(p, names);
    rn_ui_text(box[0] + 10 * s, box[1] + 22 * s, 15 * s, (rn_rgba){90, 200, 250, 255},
               title ? title : "건물 building");
    for (int i = 0; i < rows; i++)
        rn_ui_text(box[0] + 10 * s, box[1] + 40 * s + 17 * s * (float)i, 12 * s,
                   (rn_rgba){235, 240, 245, 255}, lines[i]);
}

/* The height legend's box: above the scale bar and the cursor line,
 * bottom left. */
static void app__legend_box(const app_ui_ctx *ui, float box[4])
{
    float s = ui->scale, x = 12 * s, y = ui->height - 112 * s, w = 160 * s;
    box[0] = x - 6 * s, box[1] = y - 20 * s, box[2] = x + w + 34 * s, box[3] = y + 20 * s;
}

static bool app__has_legend(const app_buildings *p)
{
    return p->cfg->color_by && strcmp(p->cfg->color_by, "height") == 0;
}

void app_buildings_legend(const app_buildings *p, const app_ui_ctx *ui)
{
    if (!app__has_legend(p)) return;
    float s = ui->scale, x = 12 * s, y = ui->height - 112 * s, w = 160 * s, box[4];
    app__legend_box(ui, box);
    rn_ui_rect(box[0], box[1], box[2] - box[0], box[3] - box[1], (rn_rgba){16, 24, 36, 200});
    for (int i = 0; i < 32; i++) {
        uint8_t c[3];
        app_buildings_ramp(APP_BRAMP_M[3] * i / 31.0, c);
        rn_ui_rect(x + w * i / 32.0f, y, w / 32.0f + 1, 8 * s, (rn_rgba){c[0], c[1], c[2], 255});
    }
    rn_ui_text(x, y - 6 * s, 11 * s, (rn_rgba){235, 240, 245, 255}, "건물 높이 height  0 … 150+ m");
}

/* ---- picking ---- */

/* The nearest building under the pixel over every loaded tile whose chunks'
 * boxes the ray meets: its tile, feature, or -1. */
static int app__hit(const app_buildings *p, const app_pick_query *q, int *tile)
{
    const app_ui_ctx *ui = q->ui;
    double o[3], dir[3], best = HUGE_VAL,
                         exag = p->world->exaggeration > 0 ? p->world->exaggeration : 1;
    app_camera_ray(ui->cam, ui->width, ui->height, q->px, q->py, o, dir);
    int hit = -1;
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        const app_btile *t = p->tiles[ti];
        if (!t || t->state != APP_BTILE_READY || !t->uploaded) continue;
        double tt;
        int f = geo_buildings_hit(&t->b, t->base, exag, o, dir, &tt);
        if (f >= 0 && tt < best) best = tt, hit = f, *tile = ti;
    }
    return hit;
}

static void app__select(app_buildings *p, int ti, int f)
{
    if (p->sel_tile >= 0 && p->tiles[p->sel_tile] && p->selected >= 0)
        app_btile_recolour(p->tiles[p->sel_tile], p->selected);
    p->sel_tile = ti, p->selected = f;
    if (f >= 0) app_world_claim_panel(p->world, p);
    if (ti >= 0 && p->tiles[ti] && f >= 0) app_btile_recolour(p->tiles[ti], f);
    app_buildings_attrs_request(p);
}

bool app_buildings_pick(void *self, const app_pick_query *q, app_pick_hit *out)
{
    app_buildings *p = self;
    if (!p->loaded) return false;
    int ti = -1, f = app__hit(p, q, &ti);
    if (f < 0) return false;
    const geo_buildings *b = &p->tiles[ti]->b;
    app__select(p, ti, f);
    /* --pick reports now (a headless run): the read the click sent is
     * answered here instead, on this thread, and the panel shows it too. */
    geo_vector_desc src;
    app_buildings_src(p, &src);
    geo_battrs at;
    char err[160];
    tw_result r = app__attrs_read(p->pool, &src, p->world->frame, b->polys.features[f].fid, &at,
                                  err, sizeof err);
    p->attrs_gen++; /* the worker's answer is not needed */
    geo_battrs_free(&p->attrs);
    p->attrs = at;
    p->attrs_state = r == TW_OK ? APP_BATTRS_READY : APP_BATTRS_FAILED;
    if (r != TW_OK) {
        snprintf(p->attrs_err, sizeof p->attrs_err, "%s", err);
        TW_WARN("buildings", "%s: %s", p->info.source, err);
    }
    json_object *a = json_object_new_object();
    for (int i = 0; i < p->attrs.count; i++) {
        const char *v = p->attrs.values[i];
        json_object_object_add(a, p->attrs.names[i], v ? json_object_new_string(v) : NULL);
    }
    json_object_object_add(a, "height_m", json_object_new_double(b->height[f]));
    json_object_object_add(a, "floors",
                           isnan(b->floors[f]) ? NULL : json_object_new_double(b->floors[f]));
    json_object_object_add(a, "footprint_m2", json_object_new_double(b->polys.features[f].area));
    json_object_object_add(a, "base_m", json_object_new_double(p->tiles[ti]->base[f]));
    out->kind = "building";
    out->fid = b->polys.features[f].fid;
    out->attributes = a;
    return true;
}

bool app_buildings_click(void *self, const app_pick_query *q)
{
    app_buildings *p = self;
    if (!p->loaded) return false;
    int ti = -1, f = app__hit(p, q, &ti);
    if (f < 0) return false;
    app__select(p, ti, f);
    return true;
}

bool app_buildings_key(void *self, int key, const app_ui_ctx *ui)
{
    app_buildings *p = self;
    (void)ui;
    if (key != RN_KEY_ESCAPE || p->selected < 0) return false;
    app__select(p, -1, -1);
    return true;
}

int app_buildings_reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    const app_buildings *p = self;
    int n = 0;
    if (p->loaded && app__has_legend(p) && n < max) app__legend_box(ui, out[n++]);
    if (app__sel(p) && n < max && app_world_panel_mine(p->world, p))
        app__panel_box(p, ui, out[n++]);
    return n;
}

/* ---- report ---- */

static json_object *app__range(double lo, double hi)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "min", json_object_new_double(lo));
    json_object_object_add(o, "max", json_object_new_double(hi));
    return o;
}

void app_buildings_report_entry(const void *self, int info, json_object *e)
{
    const app_buildings *p = self;
    (void)info;
    if (!p->loaded) return;
    int defaulted = 0, roofless = 0, repaired = 0, chunks = 0;
    double hlo = HUGE_VAL, hhi = -HUGE_VAL, lo = HUGE_VAL, hi = -HUGE_VAL;
    long total = 0, features = 0;
    size_t cpu_mesh = 0;
    int to_make = 0;
    json_object *from = json_object_new_object();
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        const app_btile *t = p->tiles[ti];
        if (!t || t->state != APP_BTILE_READY) continue;
        const geo_buildings *b = &t->b;
        features += b->polys.count;
        defaulted += b->defaulted, roofless += b->roofless, repaired += b->repaired;
        chunks += b->chunk_count;
        if (b->polys.count) hlo = fmin(hlo, b->hmin), hhi = fmax(hhi, b->hmax);
        for (int i = 0; i < b->source_count; i++) {
            if (!b->sources[i].count) continue;
            json_object *c;
            int had = json_object_object_get_ex(from, b->sources[i].field, &c)
                          ? json_object_get_int(c)
                          : 0;
            json_object_object_add(from, b->sources[i].field,
                                   json_object_new_int(had + b->sources[i].count));
        }
        for (int f = 0; f < b->polys.count; f++)
            lo = fmin(lo, t->base[f]), hi = fmax(hi, t->base[f]);
        for (int k = 0; k < b->chunk_count; k++)
            total += (long)(b->chunks[k].roofs.index_count + b->chunks[k].walls.index_count) / 3;
        cpu_mesh += geo_buildings_mesh_bytes(b);
        to_make += geo_buildings_chunks_left(b);
    }
    /* Mesh bytes still held on the CPU (0 once every tile is uploaded:
     * raises and colours are the tables'). */
    json_object_object_add(e, "cpu_mesh_bytes", json_object_new_int64((int64_t)cpu_mesh));
    /* Chunk meshes to the GPU lazily (app_buildings_upload.c): chunks
     * with every mesh up, chunks still holding CPU copies (now and at the
     * first frame drawn with the view ready), chunks given meshes by the
     * frames that drew them and in the background. */
    int all, up = app_buildings_chunks_up(p, &all);
    json_object_object_add(e, "chunks_uploaded", json_object_new_int(up));
    json_object_object_add(e, "upload_pending", json_object_new_int(all - up));
    json_object_object_add(e, "upload_pending_first_frame",
                           p->pending_first_frame >= 0 ? json_object_new_int(p->pending_first_frame)
                                                       : NULL);
    json_object_object_add(e, "uploads_on_demand", json_object_new_int64(p->up_on_demand));
    /* Chunk levels of blocks made (when first drawn, alone or in a group),
     * and group levels made. */
    long blocks_made = 0, groups_made = 0;
    for (int i = 0; p->tiles && i < p->nx * p->ny; i++)
        if (p->tiles[i])
            blocks_made += p->tiles[i]->blocks_made, groups_made += p->tiles[i]->block_groups_made;
    json_object_object_add(e, "blocks_made", json_object_new_int64(blocks_made));
    json_object_object_add(e, "block_groups_made", json_object_new_int64(groups_made));
    json_object_object_add(e, "uploads_background", json_object_new_int64(p->up_background));
    /* A large read without the cache makes its chunks' meshes when first
     * drawn (geo meshes_later): chunks still to make (triangles_total
     * counts those made), and those made in the background. */
    json_object_object_add(e, "chunks_to_make", json_object_new_int(to_make));
    json_object_object_add(e, "chunks_made_background", json_object_new_int64(p->made_background));
    if (defaulted) json_object_object_add(from, "default", json_object_new_int(defaulted));
    json_object_object_add(e, "defaulted", json_object_new_int(defaulted));
    if (features) json_object_object_add(e, "height_m", app__range(hlo, hhi));
    json_object_object_add(e, "height_from", from);
    if (features) json_object_object_add(e, "base_m", app__range(lo, hi));
    json_object *bw = json_object_new_object();
    json_object_object_add(bw, "worker", json_object_new_int(p->bases_worker));
    json_object_object_add(bw, "main", json_object_new_int(p->bases_main));
    json_object_object_add(e, "bases_computed", bw);
    json_object_object_add(e, "roofless", json_object_new_int(roofless));
    const app_btile *st = app__sel(p);
    json_object_object_add(e, "selected_fid",
                           st ? json_object_new_int64(st->b.polys.features[p->selected].fid)
                              : NULL);
    /* The selection's attributes, read from the source by FID on a worker. */
    static const char *const as[] = {"none", "loading", "ready", "failed"};
    json_object_object_add(e, "selected_attributes_state",
                           json_object_new_string(as[st ? p->attrs_state : 0]));
    json_object *sa = NULL;
    if (st && p->attrs_state == APP_BATTRS_READY) {
        sa = json_object_new_object();
        for (int i = 0; i < p->attrs.count; i++)
            json_object_object_add(sa, p->attrs.names[i],
                                   p->attrs.values[i] ? json_object_new_string(p->attrs.values[i])
                                                      : NULL);
    }
    json_object_object_add(e, "selected_attributes", sa);
    json_object_object_add(e, "repaired", json_object_new_int(repaired));
    /* The last frame's: buildings, chunks, triangles and draw calls drawn. */
    json_object_object_add(e, "chunks", json_object_new_int(chunks));
    json_object_object_add(e, "chunks_drawn", json_object_new_int(p->chunks_drawn));
    json_object_object_add(e, "drawn", json_object_new_int(p->drawn));
    json_object_object_add(e, "culled", json_object_new_int(p->culled));
    json_object_object_add(e, "too_small", json_object_new_int(p->small));
    json_object_object_add(e, "far_chunks", json_object_new_int(p->far_chunks));
    json_object_object_add(e, "block_chunks", json_object_new_int(p->block_chunks));
    json_object_object_add(e, "cast_chunks", json_object_new_int(p->cast_chunks));
    json_object_object_add(e, "block_groups", json_object_new_int(p->block_groups));
    json_object_object_add(e, "grouped_chunks", json_object_new_int(p->grouped_chunks));
    json_object_object_add(e, "triangles", json_object_new_int64(p->triangles));
    json_object_object_add(e, "triangles_total", json_object_new_int64(total));
    json_object_object_add(e, "shadow_triangles", json_object_new_int64(p->shadow_triangles));
    long rows = 0;
    for (int ti = 0; ti < p->nx * p->ny; ti++)
        if (p->tiles[ti]) rows += p->tiles[ti]->rows_written;
    json_object_object_add(e, "table_rows_written", json_object_new_int64(rows));
    json_object_object_add(e, "draw_calls", json_object_new_int(p->draw_calls));
    if (p->floor_count > 0) /* CITYTWIN_PLAIN_FLOOR: the same items drawn alone */
        json_object_object_add(e, "plain_ms", json_object_new_double(p->floor_ms));
    /* Streaming by view: the tiles in view, held, read and dropped. */
    json_object *s = json_object_new_object();
    json_object_object_add(s, "streamed", json_object_new_boolean(p->streamed));
    if (p->streamed) {
        int held = 0;
        for (int ti = 0; ti < p->nx * p->ny; ti++)
            held += p->tiles[ti] && p->tiles[ti]->state == APP_BTILE_READY;
        json_object_object_add(s, "driver", json_object_new_string(p->driver));
        if (p->extent_from)
            json_object_object_add(s, "extent_from", json_object_new_string(p->extent_from));
        json_object_object_add(s, "grid", json_object_new_int(p->nx * p->ny));
        json_object_object_add(s, "visible", json_object_new_int(p->visible));
        json_object_object_add(s, "loaded", json_object_new_int(held));
        json_object_object_add(s, "requested", json_object_new_int(p->requested));
        json_object_object_add(s, "read", json_object_new_int64(p->tiles_read));
        json_object_object_add(s, "evicted", json_object_new_int(p->evicted));
        json_object_object_add(s, "failed", json_object_new_int(p->read_failed));
        json_object_object_add(s, "retried", json_object_new_int(p->retried));
        json_object_object_add(s, "features_loaded", json_object_new_int64(features));
        /* The source's own count (null: the driver has none, or "where"). */
        json_object_object_add(s, "source_features",
                               p->source_features >= 0 ? json_object_new_int64(p->source_features)
                                                       : NULL);
        json_object_object_add(s, "indexed", json_object_new_boolean(p->indexed));
        /* Datasets (connections) the reads opened: at most one per read
         * running at once, reused across tiles. */
        if (p->pool)
            json_object_object_add(s, "datasets_opened",
                                   json_object_new_int(geo_buildings_pool_opened(p->pool)));
    }
    json_object_object_add(e, "tiles", s);
    /* When the obstacles were first made: by the first reader (an analysis,
     * the report) before the layer's first complete frame, or by an update
     * after it (app_buildings_publish_defer). */
    json_object_object_add(e, "obstacles_made",
                           json_object_new_string(p->pub_first ? p->pub_first : "not yet"));
    static const char *const cache[] = {"off", "hit", "written", "rebuilt", "failed", "writing"};
    if (!p->streamed) {
        /* A write still out is waited for: the report says how it went. */
        int state = p->cache_state;
        double done_s = p->cache_done_s;
        app_btile *t = p->tiles ? p->tiles[0] : NULL;
        if (state == APP_BCACHE_WRITING && t && t->writing) {
            tw_result r = app_bwrite_result(t, &done_s);
            state = r != TW_OK ? APP_BCACHE_FAILED : app_bwrite_state(t);
        }
        json_object_object_add(e, "cache", json_object_new_string(cache[state]));
        /* When a write after the hand-over ended, from the process start
         * (as the report's root times). */
        json_object_object_add(
            e, "cache_written_ms",
            done_s > 0 ? json_object_new_double((done_s - p->world->t_start) * 1000) : NULL);
        /* When an OGR read (not the cache) had read every feature. */
        json_object_object_add(
            e, "features_read_ms",
            p->features_read_s > 0
                ? json_object_new_double((p->features_read_s - p->world->t_start) * 1000)
                : NULL);
    }
}
