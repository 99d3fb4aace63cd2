/* Buildings layer: the kind's table, its scene keys and the frame. The
 * buildings are held in tiles (app_buildings_int.h): one for a source read
 * whole, a grid of them streamed by view for a source with a spatial index.
 * A worker reads, cuts into chunks and triangulates each, and finds the
 * bases when the ground is already known (again whenever it changes); the
 * main thread raises them (again when the exaggeration changes), colours
 * them, and each frame draws the chunks in view that are more than a few
 * pixels big, two draw calls each (walls, roofs). */
#include "app_buildings_int.h"
#include "geo_vector.h"
#include "rn_shadow.h"

#include "tw_json.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_buildings_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_buildings *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->cfg = cfg;
    p->world = w;
    p->layer = l;
    p->selected = p->sel_tile = p->color_i = -1;
    p->floor_on = getenv("CITYTWIN_PLAIN_FLOOR") && getenv("CITYTWIN_PLAIN_FLOOR")[0] == '1';
    p->eager = getenv("CITYTWIN_EAGER_UPLOAD") && getenv("CITYTWIN_EAGER_UPLOAD")[0] == '1';
    /* CITYTWIN_MESHES_LATER_FROM=N: a read without the cache of N buildings
     * or more makes its chunks' meshes when first drawn (20,000; tests and
     * comparisons: a smaller N, or a huge one for every mesh at load). */
    const char *later = getenv("CITYTWIN_MESHES_LATER_FROM");
    if (later && later[0]) geo_buildings_set_later_from(atoi(later));
    /* CITYTWIN_POINTS_FILE_FROM=N: a read for the cache of N features or
     * more (20,000) puts its points in the cache's file, and the cache is
     * then written after the hand-over (tests: a smaller N). */
    const char *pts = getenv("CITYTWIN_POINTS_FILE_FROM");
    if (pts && pts[0]) geo_vector_set_ahead_from(atoi(pts));
    p->pending_first_frame = -1;
    app_layer_info_begin(&p->info, "buildings", cfg->name, cfg->src.path, cfg->src.attribution,
                         now);
    app_layer_add_info(l, &p->info);
    /* One tile for the whole source; its read first probes for a spatial
     * index, and then the layer streams by view instead. */
    p->tiles = calloc(1, sizeof *p->tiles);
    if (p->tiles && (p->tiles[0] = app_btile_new(0, 0))) {
        p->nx = p->ny = 1;
        if (app_btile_submit(p, p->tiles[0], NULL)) return p;
    }
    app_layer_info_fail(&p->info, now, "out of memory");
    return p;
}

static void app__destroy(void *self)
{
    app_buildings *p = self;
    app_buildings_publish_settle(p); /* its job reads the tiles */
    app_world_release_panel(p->world, p);
    if (p->published_gen) app_world_set_obstacles(p->world, p, NULL);
    for (int i = 0; p->tiles && i < p->nx * p->ny; i++) app_btile_free(p->tiles[i]);
    free(p->tiles);
    free(p->items);
    geo_battrs_free(&p->attrs);
    geo_buildings_pool_release(p->pool); /* closed once no read holds it */
    free(p);
}

/* The floor of a benchmark (CITYTWIN_PLAIN_FLOOR=1): the chunks the last
 * frame drew, at the levels it chose, drawn again alone in one pass into
 * the same framebuffer, GL finished before and after; nothing else of the
 * frame (no culling, levels or sort, shadow map, ground, HUD). Outside the
 * frame's time: in the update that follows each frame. */
static void app__plain_floor(app_buildings *p)
{
    p->floor_due = false;
    if (p->floor_n <= 0) return;
    double ms = rn_fill_plain_ms(&p->floor_view, p->items, p->floor_n, p->floor_fbo);
    p->floor_ms = (p->floor_ms * p->floor_count + ms) / (p->floor_count + 1);
    p->floor_count++;
}

static bool app__view_ready(const void *self);

/* Streams, then brings every loaded tile up to date (bases, raise,
 * colours, upload); publishes the obstacles once the set has settled. */
static void app__update(void *self, const app_update_ctx *u)
{
    app_buildings *p = self;
    /* A publish the last frame did not end (the layer hidden, nothing
     * read the obstacles): before the tiles change. */
    app_buildings_publish_settle(p);
    if (!p->loaded) return;
    if (p->floor_due) app__plain_floor(p);
    p->last_frame = u->frame_no;
    app_bstream_update(p, u);
    int chunks = 0;
    bool settled = true;
    for (int i = 0; i < p->nx * p->ny; i++) {
        app_btile *t = p->tiles[i];
        if (!t || t->state != APP_BTILE_READY) continue;
        app_btile_settle(p, t);
        settled = settled && app_btile_settled(p, t);
    }
    /* The obstacles are made on a worker while the rows are and the
     * frame is drawn (both read the settled bases and heights), published
     * when first read or by the frame's overlay pass
     * (app_buildings_publish.c). */
    bool publish = settled && (p->publish || !p->published_gen);
    if (publish && !p->drew_ready) {
        app_buildings_publish_defer(p); /* made when first read, else after the first frame */
    } else if (publish) {
        if (!p->pub_first)
            p->pub_first = p->drew_ready ? "after the first frame" : "before the first frame";
        app_buildings_publish_begin(p);
    }
    for (int i = 0; i < p->nx * p->ny; i++) {
        app_btile *t = p->tiles[i];
        if (!t || t->state != APP_BTILE_READY) continue;
        app_btile_update(p, t, i);
        chunks += t->b.chunk_count;
    }
    /* A hidden layer draws no frame: its meshes go up in the background
     * all the same, once its view is ready, so its CPU copies go. */
    if (!p->drew_ready && !p->layer->visible && app__view_ready(p)) p->drew_ready = true;
    app_buildings_upload_background(p);
    if (chunks * 2 > p->items_cap) {
        rn_fill_item *it = realloc(p->items, (size_t)chunks * 2 * sizeof *it);
        if (it) p->items = it, p->items_cap = chunks * 2;
    }
}

/* What a frame makes of chunk k: seen, and if so its level. */
typedef struct app__seen {
    app_bseen seen;
    app_blod lod;
} app__seen;

static app__seen app__chunk_seen(const app_buildings *p, const app_btile *t, int k,
                                 const rn_view *v, mat4 vp, vec4 planes[6], double focal)
{
    const geo_buildings_chunk *c = &t->b.chunks[k];
    app__seen s = {.seen = app_bbox_seen(c->box, v, vp, planes, NULL), .lod = APP_LOD_FULL};
    if (s.seen == APP_SEEN) s.lod = app_bchunk_lod(p->cfg, c, v, focal);
    return s;
}

/* The chunks this view draws in full or as far boxes (or holding the
 * selection) whose meshes are not made yet: made now, together. */
static void app__make_seen(app_buildings *p, app_btile *t, int ti, const rn_view *v, mat4 vp,
                           vec4 planes[6], double focal)
{
    int *ks = malloc((size_t)t->b.chunk_count * sizeof *ks + 1), n = 0;
    if (!ks) return; /* each made as it is drawn instead (app_bchunk_upload) */
    for (int k = 0; k < t->b.chunk_count; k++) {
        if (geo_buildings_chunk_made(&t->b, k)) continue;
        const geo_buildings_chunk *c = &t->b.chunks[k];
        app__seen s = app__chunk_seen(p, t, k, v, vp, planes, focal);
        bool sel = ti == p->sel_tile && p->selected >= c->f0 && p->selected < c->f1;
        if (s.seen == APP_SEEN && (s.lod < APP_LOD_BLOCK || sel)) ks[n++] = k;
    }
    app_bchunks_make(t, ks, n);
    free(ks);
}

/* The same for the shadow pass: the chunks it casts in full or as boxes. */
static void app__make_shadow(app_btile *t, double texel)
{
    int *ks = malloc((size_t)t->b.chunk_count * sizeof *ks + 1), n = 0;
    if (!ks) return;
    for (int k = 0; k < t->b.chunk_count; k++) {
        const geo_buildings_chunk *c = &t->b.chunks[k];
        if (!geo_buildings_chunk_made(&t->b, k) && rn_shadow_box_in(c->box) &&
            app_bchunk_shadow_lod(c, texel) < APP_LOD_BLOCK)
            ks[n++] = k;
    }
    app_bchunks_make(t, ks, n);
    free(ks);
}

/* Every row's alpha is the scene colour's (app__rows), blocks average
 * them: 255 makes every item opaque. */
static bool app__opaque(const app_buildings *p)
{
    return lroundf(p->cfg->color[3] * 255) == 255;
}

/* The colour pass ray-casts chunk c's blocks (rn_fill_item.cast_boxes):
 * the eye at least APP_CAST_BELOW_M above every top (seen from below a
 * top, its walls are not the outline), the layer opaque (the walls
 * facing away are not drawn). */
static bool app__cast(const app_buildings *p, const geo_buildings_chunk *c, const app_draw_ctx *d)
{
    bool see_through = d->opacity > 0 && d->opacity < 1;
    return p->cfg->cast_blocks && app__opaque(p) && !see_through &&
           d->view->eye[2] > c->box[5] + APP_CAST_BELOW_M;
}

/* Chunk k on its own: its item(s) at its level into p->items at *n. */
static void app__draw_chunk(app_buildings *p, app_btile *t, int ti, int k, app__seen s,
                            const app_draw_ctx *d, int *n)
{
    const geo_buildings_chunk *c = &t->b.chunks[k];
    if (s.seen != APP_SEEN) {
        *(s.seen == APP_OUTSIDE ? &p->culled : &p->small) += c->f1 - c->f0;
        return;
    }
    /* Far away: the buildings' boxes, one draw call. The split
     * view's before side: the source's heights. */
    bool b0 = d->before && t->rows0;
    rn_mesh *roofs = t->roofs, *walls = t->walls;
    rn_mesh *farm = t->far;
    app_blod lod = s.lod;
    bool far = lod >= APP_LOD_FAR && c->f1 > c->f0; /* a far box a building */
    /* Smaller still: the chunk's blocks, unless it holds the
     * selection (its highlight shows on its far box). */
    bool sel = ti == p->sel_tile && p->selected >= c->f0 && p->selected < c->f1;
    bool cast = app__cast(p, c, d);
    int bl = APP_BLOCK_SLOTS * k + (lod >= APP_LOD_BLOCK ? lod - APP_LOD_BLOCK : 0) +
             (cast ? APP_BLOCK_LEVELS : 0);
    rn_mesh bm = far && lod >= APP_LOD_BLOCK && !sel
                     ? app_bchunk_block(t, k, (int)lod - APP_LOD_BLOCK, cast, b0)
                     : (rn_mesh){0};
    bool block = rn_mesh_valid(bm);
    /* No table (over the GL's texture buffer size: rn_table_make
     * said so): only blocks, which carry their heights, are drawn. */
    if (!block && !rn_table_valid(b0 ? &t->table0 : &t->table)) return;
    /* The meshes of the level drawn, made now the first time
     * (never a stand-in: this frame draws what it wants). */
    if (far && !block) {
        p->up_on_demand += app_bchunk_upload(t, k, APP_UP_FAR);
        far = rn_mesh_valid(farm[k]);
    }
    if (!far) p->up_on_demand += app_bchunk_upload(t, k, APP_UP_FULL);
    rn_fill_item *it = &p->items[*n];
    for (int m = 0; m < (far ? 1 : 2); m++)
        it[m] = (rn_fill_item){.mesh = block ? bm
                                       : far ? farm[k]
                                       : m   ? roofs[k]
                                             : walls[k],
                               .origin = {c->origin[0], c->origin[1], c->origin[2] * t->exag},
                               .opacity = d->opacity,
                               .flat_normals = true,
                               /* Boxes and blocks: closed, wound outwards. */
                               .cull_back = far,
                               .opaque = app__opaque(p),
                               /* Blocks carry their colours and heights. */
                               .table = block ? NULL
                                        : b0  ? &t->table0
                                              : &t->table,
                               .table_first = (uint32_t)c->f0,
                               .cast_boxes = block && cast};
    *n += far ? 1 : 2;
    p->drawn += c->f1 - c->f0;
    p->chunks_drawn++;
    p->far_chunks += far && !block;
    p->block_chunks += block;
    p->cast_chunks += block && cast;
    p->draw_calls += far ? 1 : rn_mesh_valid(it[0].mesh) + rn_mesh_valid(it[1].mesh);
    p->triangles += block ? (long)(b0 ? t->block0_tris : t->block_tris)[bl]
                    : far ? (long)c->far.index_count / 3
                          : (long)(c->roofs.index_count + c->walls.index_count) / 3;
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_buildings *p = self;
    if (!p->loaded) return;
    if (pass == APP_PASS_OVERLAY) {
        if (p->pub) app_buildings_publish_end(p); /* the 3D passes are sent */
        app_buildings_legend(p, d->ui);
        app_buildings_panel(p, d->ui);
        return;
    }
    if (pass == APP_PASS_SHADOW) { /* every chunk: shadows reach in from outside the view */
        p->shadow_triangles = 0;
        for (int ti = 0; ti < p->nx * p->ny; ti++) {
            app_btile *t = p->tiles[ti];
            if (!t || t->state != APP_BTILE_READY || !t->uploaded) continue;
            /* The split view's before side: the source's heights. */
            const rn_table *tb = d->before && t->rows0 ? &t->table0 : &t->table;
            bool b0 = d->before && t->rows0;
            const uint32_t *btris = d->before && t->rows0 ? t->block0_tris : t->block_tris;
            double texel = rn_shadow_texel_m();
            if (geo_buildings_chunks_left(&t->b)) app__make_shadow(t, texel);
            for (int k = 0; k < t->b.chunk_count; k++) {
                const geo_buildings_chunk *c = &t->b.chunks[k];
                /* Outside the map's square: no shadow in it. Details
                 * under a texel: the far boxes or blocks cast the same. */
                if (!rn_shadow_box_in(c->box)) continue;
                double org[3] = {c->origin[0], c->origin[1], c->origin[2] * t->exag};
                uint32_t f0 = (uint32_t)c->f0;
                app_blod lod = app_bchunk_shadow_lod(c, texel);
                int bl = APP_BLOCK_SLOTS * k + (lod >= APP_LOD_BLOCK ? lod - APP_LOD_BLOCK : 0);
                rn_mesh bm = lod >= APP_LOD_BLOCK
                                 ? app_bchunk_block(t, k, (int)lod - APP_LOD_BLOCK, false, b0)
                                 : (rn_mesh){0};
                if (rn_mesh_valid(bm)) {
                    rn_shadow_cast(bm, org, 1, 1);
                    p->shadow_triangles += btris[bl];
                    continue;
                }
                /* The casts are drawn at the pass's end: a mesh made now is in time. */
                bool far = lod >= APP_LOD_FAR && c->f1 > c->f0;
                if (far) {
                    p->up_on_demand += app_bchunk_upload(t, k, APP_UP_FAR);
                    far = rn_mesh_valid(t->far[k]);
                }
                if (far) {
                    rn_shadow_cast_table(t->far[k], org, tb, f0);
                    p->shadow_triangles += c->far.index_count / 3;
                } else {
                    p->up_on_demand += app_bchunk_upload(t, k, APP_UP_FULL);
                    rn_shadow_cast_table(t->walls[k], org, tb, f0);
                    rn_shadow_cast_table(t->roofs[k], org, tb, f0);
                    p->shadow_triangles += (c->walls.index_count + c->roofs.index_count) / 3;
                }
            }
        }
        return;
    }
    if (pass != APP_PASS_OPAQUE) return;
    const rn_view *v = d->view;
    mat4 vp;
    vec4 planes[6];
    memcpy(vp, v->view_proj, sizeof vp);
    glm_frustum_planes(vp, planes);
    p->drawn = p->chunks_drawn = p->draw_calls = p->culled = p->small = p->far_chunks = 0;
    p->block_chunks = p->cast_chunks = p->block_groups = p->grouped_chunks = 0;
    p->triangles = 0;
    int n = 0;
    double focal = app_bview_focal(v);
    app__seen s[APP_BGROUP_MAX];
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        app_btile *t = p->tiles[ti];
        if (!t || t->state != APP_BTILE_READY || !t->uploaded) continue;
        if (geo_buildings_chunks_left(&t->b)) app__make_seen(p, t, ti, v, vp, planes, focal);
        bool b0 = d->before && t->rows0;
        if (!t->group_count) {
            for (int k = 0; k < t->b.chunk_count && n + 2 <= p->items_cap; k++) {
                s[0] = app__chunk_seen(p, t, k, v, vp, planes, focal);
                app__draw_chunk(p, t, ti, k, s[0], d, &n);
            }
            continue;
        }
        for (int g = 0; g < t->group_count; g++) {
            const int *members = t->group_chunk + t->group_start[g];
            int count = t->group_start[g + 1] - t->group_start[g];
            if (n + 2 * count > p->items_cap) break;
            /* Whole: every member seen, drawn as blocks, at one level. */
            bool whole = !b0 && count > 1, cast = true;
            int level = -1;
            for (int j = 0; j < count; j++) {
                int k = members[j];
                const geo_buildings_chunk *c = &t->b.chunks[k];
                s[j] = app__chunk_seen(p, t, k, v, vp, planes, focal);
                bool sel = ti == p->sel_tile && p->selected >= c->f0 && p->selected < c->f1;
                int l = (int)s[j].lod - APP_LOD_BLOCK;
                whole = whole && s[j].seen == APP_SEEN && s[j].lod >= APP_LOD_BLOCK &&
                        c->f1 > c->f0 && !sel && (level < 0 || l == level);
                cast = cast && app__cast(p, c, d);
                level = l;
            }
            rn_mesh gm = whole ? app_bgroup_block(t, g, level, cast) : (rn_mesh){0};
            if (!rn_mesh_valid(gm)) {
                for (int j = 0; j < count; j++) app__draw_chunk(p, t, ti, members[j], s[j], d, &n);
                continue;
            }
            const geo_buildings_chunk *c0 = &t->b.chunks[members[0]];
            p->items[n++] =
                (rn_fill_item){.mesh = gm,
                               .origin = {c0->origin[0], c0->origin[1], c0->origin[2] * t->exag},
                               .opacity = d->opacity,
                               .flat_normals = true,
                               .cull_back = true,
                               .opaque = app__opaque(p),
                               .cast_boxes = cast};
            for (int j = 0; j < count; j++) {
                const geo_buildings_chunk *c = &t->b.chunks[members[j]];
                p->drawn += c->f1 - c->f0;
            }
            p->chunks_drawn += count;
            p->block_chunks += count;
            p->cast_chunks += cast ? count : 0;
            p->block_groups++;
            p->grouped_chunks += count;
            p->draw_calls++;
            p->triangles +=
                t->gblock_tris[APP_BLOCK_SLOTS * g + level + (cast ? APP_BLOCK_LEVELS : 0)];
        }
    }
    /* One pass over every chunk drawn, nearest first: the shader and state
     * are set once. */
    app_bitems_sort(p->items, n, v->eye);
    rn_fill_draw(v, p->items, n);
    /* The background uploads go nearest this eye first, once a frame was
     * drawn with the view ready (the first complete frame waits for none). */
    memcpy(p->eye, v->eye, sizeof p->eye);
    if (!p->drew_ready && app__view_ready(p)) {
        p->drew_ready = true;
        int chunks, up = app_buildings_chunks_up(p, &chunks);
        p->pending_first_frame = chunks - up;
    }
    if (p->floor_on && !d->before) {
        p->floor_due = true, p->floor_n = n, p->floor_view = *v;
        p->floor_fbo = rn_fill_target();
    }
}

/* Ready once the buildings in view are read and stand on the current ground. */
static bool app__view_ready(const void *self)
{
    const app_buildings *p = self;
    if (!p->loaded) return true;
    if (p->streamed) return app_bstream_ready(p);
    return app_btile_settled(p, p->tiles[0]);
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    const app_buildings *p = self;
    (void)z;
    *has_z = false;
    if (!p->loaded) return false;
    if (p->streamed)
        memcpy(ext, p->grid, 4 * sizeof *ext);
    else
        memcpy(ext, p->tiles[0]->b.polys.extent, 4 * sizeof *ext);
    return true;
}

/* ---- scene file ---- */

static void app__cfg_free(void *cfg)
{
    app_buildings_cfg *c = cfg;
    if (!c) return;
    app_source_free(&c->src);
    free(c->name);
    free(c->height_field);
    free(c->floors_field);
    free(c->color_by);
    free(c);
}

/* { "source", "height_field", "floors_field", "floor_height_m" (3.3),
 *   "default_height_m" (10), "color_by": "height" | FIELD, "color",
 *   "stream" (absent: when the source has a spatial index), "tile_m" (1000),
 *   "cache_features" (300000; 0: only tiles in view), "range_m" (60000),
 *   "cache" (true: whole reads go through the on-disk cache), "far_px" (1.8:
 *   a chunk is drawn as its buildings' boxes when its building spacing,
 *   at most a block cell, seen from the chunk's nearest point and
 *   foreshortened by the root of the sine of the angle it is seen at, is under
 *   this many pixels; 0 never), "block_px" (3: drawn as blocks, a box per
 *   occupied cell of an 8 x 8 grid or of a 4 x 4 one, the coarsest whose
 *   cell, seen from the chunk's nearest point, is under this many pixels;
 *   0 never; levels by screen-space error, app_buildings_lod.c),
 *   "read_px" (streamed tiles smaller on screen are not read; 0: the
 *   screen's larger side / 24), "upload_mb" (16: after the first complete
 *   frame, chunk meshes not yet drawn go to the GPU this many MB a frame,
 *   nearest first; 0: only when a frame draws them, CPU copies kept),
 *   "cast_blocks" (true: blocks seen from above every top are drawn as
 *   their tops, the boxes ray-cast from them by the GPU: rn_fill.h;
 *   false: as boxes) } */
static void *app__parse(app_cfg *c, json_object *o)
{
    static const char *const extra[] = {
        "height_field", "floors_field", "floor_height_m", "default_height_m", "color_by", "color",
        "stream",       "tile_m",       "cache_features", "range_m",          "cache",    "far_px",
        "read_px",      "block_px",     "upload_mb",      "cast_blocks",      NULL};
    app_buildings_cfg *p = calloc(1, sizeof *p);
    if (!p) return app_cfg_fail(c, "buildings", "is too large"), NULL;
    p->color[0] = 0.86f, p->color[1] = 0.87f, p->color[2] = 0.89f, p->color[3] = 1;
    p->floor_height_m = GEO_BUILDINGS_FLOOR_M;
    p->default_height_m = GEO_BUILDINGS_DEFAULT_M;
    p->stream = -1;
    p->tile_m = APP_BTILE_M;
    p->range_m = APP_BTILE_RANGE_M;
    double cache = APP_BTILE_FEATURES;
    bool stream = false;
    p->cache = true;
    p->far_px = APP_FAR_PX;
    p->block_px = APP_BLOCK_PX;
    p->upload_mb = APP_UPLOAD_MB;
    p->cast_blocks = true;
    bool ok = app_cfg_source(c, o, &p->src, extra) && app_cfg_string(c, o, "name", &p->name) &&
              app_cfg_string(c, o, "height_field", &p->height_field) &&
              app_cfg_string(c, o, "floors_field", &p->floors_field) &&
              app_cfg_number(c, o, "floor_height_m", &p->floor_height_m, 0.5, 20) &&
              app_cfg_number(c, o, "default_height_m", &p->default_height_m, 0.5, 500) &&
              app_cfg_string(c, o, "color_by", &p->color_by) &&
              app_cfg_color(c, o, "color", p->color) && app_cfg_bool(c, o, "stream", &stream) &&
              app_cfg_number(c, o, "tile_m", &p->tile_m, 50, 100000) &&
              app_cfg_number(c, o, "cache_features", &cache, 0, 1e8) &&
              app_cfg_number(c, o, "range_m", &p->range_m, 100, 1e7) &&
              app_cfg_bool(c, o, "cache", &p->cache) &&
              app_cfg_number(c, o, "far_px", &p->far_px, 0, 10000) &&
              app_cfg_number(c, o, "block_px", &p->block_px, 0, 10000) &&
              app_cfg_number(c, o, "read_px", &p->read_px, 0, 10000) &&
              app_cfg_number(c, o, "upload_mb", &p->upload_mb, 0, 100000) &&
              app_cfg_bool(c, o, "cast_blocks", &p->cast_blocks);
    if (tw_json_has(o, "stream")) p->stream = stream ? 1 : 0;
    p->cache_features = (int)cache;
    if (ok && !tw_json_has(o, "color_by") && !tw_json_has(o, "color"))
        p->color_by = strdup("height"); /* the default: a height ramp */
    if (!ok) {
        app__cfg_free(p);
        return NULL;
    }
    return p;
}

/* What the first frame draws: blocks (colours, culled; as boxes, and ray-
 * cast from their tops) and chunks (table rows, int16 x, y; near ones
 * unculled, far boxes culled). */
static void app__warm(void *self, const rn_view *v)
{
    app_buildings *p = self;
    bool opaque = app__opaque(p);
    const unsigned chunk = TW_MESH_IDS | TW_MESH_XY16 | TW_MESH_GPU16;
    const rn_fill_kind kinds[] = {
        {.attrs = TW_MESH_COLORS | TW_MESH_GPU16, .cull_back = true, .opaque = opaque},
        {.attrs = TW_MESH_COLORS | TW_MESH_NORMALS | TW_MESH_GPU16,
         .cull_back = true,
         .opaque = opaque,
         .cast_boxes = p->cfg->cast_blocks},
        {.attrs = chunk, .table = true, .opaque = opaque},
        {.attrs = chunk, .table = true, .cull_back = true, .opaque = opaque}};
    rn_fill_warm(v, kinds, (int)(sizeof kinds / sizeof kinds[0]));
}

static bool app__warm_wait(const void *self)
{
    return app_buildings_warm_wait(self);
}

static const app_source *app__cfg_source(const void *cfg)
{
    return &((const app_buildings_cfg *)cfg)->src;
}

const app_layer_kind app_buildings_kind = {
    .name = "buildings",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .cfg_source = app__cfg_source,
    .create = app__create,
    .destroy = app__destroy,
    .update = app__update,
    .draw = app__draw,
    .warm = app__warm,
    .warm_wait = app__warm_wait,
    .extent = app__extent,
    .view_ready = app__view_ready,
    .pick = app_buildings_pick,
    .click = app_buildings_click,
    .key = app_buildings_key,
    .reserved = app_buildings_reserved,
    .report_entry = app_buildings_report_entry,
};
