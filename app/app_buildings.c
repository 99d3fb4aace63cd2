/* Buildings layer: load, cut into chunks and triangulate on a worker, which
 * also finds each building's base when the ground is already known (and a
 * worker finds them again whenever the ground changes); the main thread
 * raises them (again when the exaggeration changes), colours them, and
 * each frame draws the
 * chunks in view that are more than a few pixels big, two draw calls each
 * (walls, roofs). */
#include "app_buildings.h"

#include "geo_buildings.h"
#include "rn_fill.h"
#include "rn_shadow.h"
#include "rn_ui.h"
#include "tw_json.h"
#include "tw_time.h"

#include <cglm/cglm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct app_buildings_cfg {
    app_source src;
    char *name, *height_field, *floors_field, *color_by;
    double floor_height_m, default_height_m;
    float color[4];
} app_buildings_cfg;

typedef struct app_buildings {
    app_layer_info info;
    app_layer *layer;
    const app_buildings_cfg *cfg;
    app_world *world;
    geo_buildings b;
    bool loaded;
    double *base;                 /* per building, metres (unexaggerated) */
    int color_i;                  /* field of color_by (not "height"), -1 none */
    int name_i;                   /* a name field for the panel's title, -1 none */
    unsigned ground_gen;          /* of the ground p->base stands on */
    bool bases_pending;           /* a bases job is out */
    int bases_worker, bases_main; /* base computations done where */
    double exag;
    bool dirty;             /* colours changed: upload again */
    bool uploaded;          /* the meshes went to the GPU once */
    rn_mesh *roofs, *walls; /* per chunk */
    rn_fill_item *items;    /* two per chunk, for a frame's draw */
    int selected;           /* feature, -1 none */
    unsigned published_gen; /* ground_gen + 1 of the obstacles published, 0: none */
    double *height0;        /* the source's heights under a scenario's edits */
    unsigned edits_gen;     /* of the world's edits applied */
    /* The last frame's opaque pass: what it drew. */
    int drawn, chunks_drawn, draw_calls;
    int culled, small; /* buildings in chunks outside the view, or too small in it */
    long triangles;
} app_buildings;

/* Chunks smaller than this on screen (pixels, the larger side) are skipped. */
#define APP_CHUNK_MIN_PX 3.0

typedef struct app__job {
    app_buildings *owner;
    geo_frame *frame;
    char *path, *layer, *where, *source_crs, *encoding, *height_field, *floors_field;
    double floor_m, default_m;
    app_ground *ground; /* NULL: unknown at submit */
    unsigned ground_gen;
    double *base; /* per feature when ground */
    geo_buildings result;
    tw_result status;
    char err[512];
} app__job;

/* Bases again on a worker after the ground changed: the footprints' rings
 * are copied so the job outlives the layer safely. */
typedef struct app__bases_job {
    app_buildings *owner;
    app_ground *ground;
    unsigned ground_gen;
    geo_buildings b; /* polys only: features, ring_start, xy */
    double *base;
} app__bases_job;

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void app__job_free(app__job *j)
{
    geo_frame_destroy(j->frame);
    geo_buildings_free(&j->result);
    free(j->path);
    free(j->layer);
    free(j->where);
    free(j->source_crs);
    free(j->encoding);
    free(j->height_field);
    free(j->floors_field);
    free(j->base);
    app_ground_release(j->ground);
    free(j);
}

static void app__run(void *job, int worker)
{
    (void)worker;
    app__job *j = job;
    geo_buildings_desc d = {.src = {.path = j->path,
                                    .layer = j->layer,
                                    .where = j->where,
                                    .source_crs = j->source_crs,
                                    .encoding = j->encoding},
                            .height_field = j->height_field,
                            .floors_field = j->floors_field,
                            .floor_height_m = j->floor_m,
                            .default_height_m = j->default_m};
    j->status = geo_buildings_load(&d, j->frame, &j->result, j->err, sizeof j->err);
    if (j->status != TW_OK || !j->ground) return;
    j->base = calloc((size_t)j->result.polys.count + 1, sizeof *j->base);
    if (j->base) geo_buildings_bases(&j->result, app_ground_heightfield(j->ground), j->base);
}

static int app__field(const geo_buildings *b, const char *name)
{
    for (int i = 0; name && i < b->field_count; i++)
        if (strcmp(b->fields[i], name) == 0) return i;
    return -1;
}

static void app__done(void *job, tw_result status)
{
    app__job *j = job;
    if (status != TW_OK) {
        app__job_free(j); /* the layer is gone */
        return;
    }
    app_buildings *p = j->owner;
    double now = tw_time_mono_s();
    if (j->status != TW_OK) {
        app_layer_info_fail(&p->info, now, "%s", j->err);
    } else {
        p->b = j->result;
        memset(&j->result, 0, sizeof j->result);
        bool bases = j->base && j->ground_gen == p->world->ground_gen;
        p->base = bases ? j->base : calloc((size_t)p->b.polys.count + 1, sizeof *p->base);
        if (bases) j->base = NULL, p->bases_worker++;
        p->roofs = calloc((size_t)p->b.chunk_count + 1, sizeof *p->roofs);
        p->walls = calloc((size_t)p->b.chunk_count + 1, sizeof *p->walls);
        p->items = calloc((size_t)p->b.chunk_count * 2 + 1, sizeof *p->items);
        p->info.skipped = p->b.polys.skipped;
        const char *cb = p->cfg->color_by;
        p->color_i = cb && strcmp(cb, "height") != 0 ? app__field(&p->b, cb) : -1;
        if (cb && strcmp(cb, "height") != 0 && p->color_i < 0)
            TW_WARN("buildings", "%s: no field '%s' to colour by; one colour instead",
                    p->info.source, cb);
        static const char *const names[] = {"name", "name_ko", "NAME", "BLD_NM", "건물명", NULL};
        for (int k = 0; names[k] && p->name_i < 0; k++) p->name_i = app__field(&p->b, names[k]);
        p->loaded = p->base && p->roofs && p->walls && p->items;
        /* Without bases from the worker, stand them on whatever ground there is. */
        p->ground_gen = p->world->ground_gen - (bases ? 0 : 1);
        if (p->loaded)
            app_layer_info_ok(&p->info, now, p->b.polys.count);
        else
            app_layer_info_fail(&p->info, now, "out of memory");
        if (p->b.defaulted)
            TW_INFO("buildings", "%s: %d of %d buildings have no usable height: %.1f m",
                    p->info.source, p->b.defaulted, p->b.polys.count, p->cfg->default_height_m);
    }
    app__job_free(j);
}

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_buildings_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_buildings *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->cfg = cfg;
    p->world = w;
    p->layer = l;
    p->selected = p->color_i = p->name_i = -1;
    app_layer_info_begin(&p->info, "buildings", cfg->name, cfg->src.path, cfg->src.attribution,
                         now);
    app_layer_add_info(l, &p->info);
    app__job *j = calloc(1, sizeof *j);
    if (j) {
        j->owner = p;
        j->frame = geo_frame_ref(w->frame);
        j->path = app__dup(cfg->src.path);
        j->layer = app__dup(cfg->src.layer);
        j->where = app__dup(cfg->src.where);
        j->source_crs = app__dup(cfg->src.source_crs);
        j->encoding = app__dup(cfg->src.encoding);
        j->height_field = app__dup(cfg->height_field);
        j->floors_field = app__dup(cfg->floors_field);
        j->floor_m = cfg->floor_height_m;
        j->default_m = cfg->default_height_m;
        j->ground = app_world_ground_ref(w);
        j->ground_gen = w->ground_gen;
        if (app_layer_submit(l, j, app__run, app__done, 800)) return p;
        app__job_free(j);
    }
    app_layer_info_fail(&p->info, now, "out of memory");
    return p;
}

static void app__free_meshes(app_buildings *p)
{
    for (int k = 0; k < p->b.chunk_count; k++) {
        if (p->roofs) rn_mesh_destroy(p->roofs[k]);
        if (p->walls) rn_mesh_destroy(p->walls[k]);
    }
}

static void app__destroy(void *self)
{
    app_buildings *p = self;
    if (p->published_gen) app_world_set_obstacles(p->world, p, NULL);
    app__free_meshes(p);
    free(p->roofs);
    free(p->walls);
    free(p->items);
    geo_buildings_free(&p->b);
    free(p->base);
    free(p->height0);
    free(p);
}

/* ---- colours ---- */

/* Warm colours against the cool sky and terrain: cream for low buildings
 * through amber and orange to deep red for towers, monotone in lightness so
 * it reads on a wall display. Stops at 0, 20, 60, 150 m. */
static const double APP_RAMP_M[4] = {0, 20, 60, 150};
static const uint8_t APP_RAMP_RGB[4][3] = {
    {242, 234, 216}, {247, 196, 112}, {228, 116, 66}, {150, 36, 72}};

static void app__ramp(double h, uint8_t out[3])
{
    int i = 0;
    while (i < 2 && h > APP_RAMP_M[i + 1]) i++;
    double t = (h - APP_RAMP_M[i]) / (APP_RAMP_M[i + 1] - APP_RAMP_M[i]);
    t = fmin(fmax(isfinite(t) ? t : 0, 0), 1);
    for (int k = 0; k < 3; k++)
        out[k] =
            (uint8_t)lround(APP_RAMP_RGB[i][k] + (APP_RAMP_RGB[i + 1][k] - APP_RAMP_RGB[i][k]) * t);
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

static void app__colour_feature(app_buildings *p, int k_chunk, int f)
{
    const app_buildings_cfg *c = p->cfg;
    uint8_t rgb[3];
    if (f == p->selected) {
        rgb[0] = 255, rgb[1] = 214, rgb[2] = 60;
    } else if (p->color_i >= 0) {
        app__class(p->b.values[(size_t)f * p->b.field_count + p->color_i], rgb);
    } else if (c->color_by && strcmp(c->color_by, "height") == 0) {
        app__ramp(p->b.height[f], rgb);
    } else {
        for (int k = 0; k < 3; k++) rgb[k] = (uint8_t)lroundf(c->color[k] * 255);
    }
    uint8_t a = (uint8_t)lroundf(c->color[3] * 255);
    geo_buildings_chunk *ch = &p->b.chunks[k_chunk];
    int i = f - ch->f0;
    tw_mesh *m[2] = {&ch->roofs, &ch->walls};
    const uint32_t *v0[2] = {ch->roof_v0, ch->wall_v0};
    for (int k = 0; k < 2; k++)
        for (uint32_t v = v0[k][i]; v < v0[k][i + 1]; v++) {
            uint8_t *o = &m[k]->colors[v * 4];
            o[0] = rgb[0], o[1] = rgb[1], o[2] = rgb[2], o[3] = a;
        }
}

static void app__upload(app_buildings *p)
{
    app__free_meshes(p);
    for (int k = 0; k < p->b.chunk_count; k++) {
        const geo_buildings_chunk *c = &p->b.chunks[k];
        p->roofs[k] = c->roofs.index_count ? rn_mesh_make(&c->roofs) : (rn_mesh){0};
        p->walls[k] = c->walls.index_count ? rn_mesh_make(&c->walls) : (rn_mesh){0};
    }
}

static double app__exag(const app_buildings *p)
{
    return p->world->exaggeration > 0 ? p->world->exaggeration : 1;
}

static void app__bases_job_free(app__bases_job *j)
{
    app_ground_release(j->ground);
    free(j->b.polys.features);
    free(j->b.polys.ring_start);
    free(j->b.polys.xy);
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
        p->bases_pending = false;
        /* A ground newer than the job's: update sends another. */
        if (j->base && j->ground_gen == p->world->ground_gen) {
            memcpy(p->base, j->base, (size_t)p->b.polys.count * sizeof *p->base);
            p->ground_gen = j->ground_gen;
            p->bases_worker++;
            p->exag = 0; /* raise again */
        }
    }
    app__bases_job_free(j);
}

/* Sends the bases of the current ground to a worker; false when it could
 * not (out of memory, no pool), and the caller computes them here. */
static bool app__bases_submit(app_buildings *p)
{
    const geo_polygons *src = &p->b.polys;
    app__bases_job *j = calloc(1, sizeof *j);
    if (!j) return false;
    j->owner = p;
    j->ground = app_world_ground_ref(p->world);
    j->ground_gen = p->world->ground_gen;
    geo_polygons *d = &j->b.polys;
    size_t points = (size_t)src->ring_start[src->ring_count];
    d->count = src->count, d->ring_count = src->ring_count;
    d->features = malloc((size_t)src->count * sizeof *d->features);
    d->ring_start = malloc(((size_t)src->ring_count + 1) * sizeof *d->ring_start);
    d->xy = malloc(points * 2 * sizeof *d->xy + 1);
    if (j->ground && d->features && d->ring_start && d->xy) {
        for (int f = 0; f < src->count; f++)
            d->features[f] = (geo_polygon){.ring_first = src->features[f].ring_first,
                                           .ring_count = src->features[f].ring_count};
        memcpy(d->ring_start, src->ring_start,
               ((size_t)src->ring_count + 1) * sizeof *d->ring_start);
        memcpy(d->xy, src->xy, points * 2 * sizeof *d->xy);
        if (app_layer_submit(p->layer, j, app__bases_run, app__bases_done, 700)) {
            p->bases_pending = true;
            return true;
        }
    }
    app__bases_job_free(j);
    return false;
}

/* Publishes the footprints with their bases and tops as the scene's
 * obstacles (wind, sun and view analyses read them). */
static void app__publish(app_buildings *p)
{
    const geo_polygons *g = &p->b.polys;
    int n = g->count, rings = 0, points = 0;
    for (int f = 0; f < n; f++) {
        const geo_polygon *ft = &g->features[f];
        rings += ft->ring_count;
        points += g->ring_start[ft->ring_first + ft->ring_count] - g->ring_start[ft->ring_first];
    }
    int *ring_first = malloc(((size_t)n + 1) * sizeof *ring_first);
    int *ring_start = malloc(((size_t)rings + 1) * sizeof *ring_start);
    double *xy = malloc((size_t)points * 2 * sizeof *xy + 1);
    float *base = malloc((size_t)n * sizeof *base + 1), *top = malloc((size_t)n * sizeof *top + 1);
    long *id = malloc((size_t)n * sizeof *id + 1);
    tw_obstacles *set = NULL;
    if (ring_first && ring_start && xy && base && top && id) {
        int r = 0, k = 0;
        ring_start[0] = 0;
        for (int f = 0; f < n; f++) {
            const geo_polygon *ft = &g->features[f];
            ring_first[f] = r;
            for (int q = ft->ring_first; q < ft->ring_first + ft->ring_count; q++) {
                int m = g->ring_start[q + 1] - g->ring_start[q];
                memcpy(xy + 2 * k, g->xy + 2 * g->ring_start[q], (size_t)m * 2 * sizeof *xy);
                k += m;
                ring_start[++r] = k;
            }
            base[f] = (float)p->base[f];
            top[f] = (float)(p->base[f] + p->b.height[f]);
            id[f] = ft->fid;
        }
        ring_first[n] = r;
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
    if (!set) {
        TW_WARN("buildings", "%s: out of memory publishing obstacles", p->info.source);
        return;
    }
    app_world_set_obstacles(p->world, p, set);
    p->published_gen = p->ground_gen + 1;
}

/* Sends the bases to a worker when the ground appears or changes (drawing
 * the old ones meanwhile), raises the buildings with the exaggeration,
 * recolours them after a selection. */
static void app__update(void *self, const app_update_ctx *u)
{
    app_buildings *p = self;
    (void)u;
    if (!p->loaded) return;
    /* A scenario's what-if edits: raise and publish the new heights (the
     * set published stays withdrawable: published_gen nonzero). */
    if (app_world_apply_edits(p->world, p->layer->name, &p->b, &p->height0, &p->edits_gen))
        p->exag = 0, p->published_gen = p->published_gen ? ~0u : 0;
    bool ground = p->ground_gen != p->world->ground_gen;
    if (ground && !p->bases_pending && !p->world->ground) {
        /* No ground: everything at 0. */
        memset(p->base, 0, (size_t)p->b.polys.count * sizeof *p->base);
        p->ground_gen = p->world->ground_gen;
        p->exag = 0;
    } else if (ground && !p->bases_pending && !app__bases_submit(p)) {
        /* No worker would take the job: here, once. */
        geo_buildings_bases(&p->b, app_ground_heightfield(p->world->ground), p->base);
        p->ground_gen = p->world->ground_gen;
        p->bases_main++;
        p->exag = 0;
    }
    /* Bases settled on the current ground: the obstacles follow them. */
    if (!p->bases_pending && p->ground_gen == p->world->ground_gen &&
        p->published_gen != p->ground_gen + 1)
        app__publish(p);
    bool raise = p->exag != app__exag(p);
    if (!raise && !p->dirty && p->uploaded) return;
    if (raise || !p->uploaded) {
        p->exag = app__exag(p);
        geo_buildings_raise(&p->b, p->base, p->exag);
    }
    for (int k = 0; k < p->b.chunk_count; k++)
        for (int f = p->b.chunks[k].f0; f < p->b.chunks[k].f1; f++) app__colour_feature(p, k, f);
    p->dirty = false;
    p->uploaded = true;
    app__upload(p);
}

/* ---- the attribute panel ---- */

#define APP_PANEL_ROWS 22

static int app__panel_rows(const app_buildings *p, int f, char lines[][320], int max)
{
    const geo_buildings *b = &p->b;
    int n = 0;
    snprintf(lines[n++], 320, "높이 height: %.1f m%s", b->height[f],
             b->height[f] == p->cfg->default_height_m ? " (기본값 default)" : "");
    if (!isnan(b->floors[f])) snprintf(lines[n++], 320, "층수 floors: %g", b->floors[f]);
    snprintf(lines[n++], 320, "바닥면적 footprint: %.0f m²", b->polys.features[f].area);
    snprintf(lines[n++], 320, "FID: %ld", b->polys.features[f].fid);
    for (int i = 0; i < b->field_count && n < max; i++) {
        const char *v = b->values[(size_t)f * b->field_count + i];
        if (v) snprintf(lines[n++], 320, "%s: %s", b->fields[i], v);
    }
    return n;
}

static void app__panel_box(const app_buildings *p, const app_ui_ctx *ui, float box[4])
{
    char lines[APP_PANEL_ROWS][320];
    int rows = p->selected >= 0 ? app__panel_rows(p, p->selected, lines, APP_PANEL_ROWS) : 0;
    float s = ui->scale;
    box[0] = 12 * s, box[1] = 120 * s, box[2] = 12 * s + 360 * s;
    box[3] = box[1] + 34 * s + 17 * s * (float)rows;
}

static void app__panel(const app_buildings *p, const app_ui_ctx *ui)
{
    int f = p->selected;
    if (f < 0 || f >= p->b.polys.count) return;
    char lines[APP_PANEL_ROWS][320];
    int rows = app__panel_rows(p, f, lines, APP_PANEL_ROWS);
    float s = ui->scale, box[4];
    app__panel_box(p, ui, box);
    rn_ui_rect(box[0], box[1], box[2] - box[0], box[3] - box[1], (rn_rgba){16, 24, 36, 215});
    const char *title =
        p->name_i >= 0 ? p->b.values[(size_t)f * p->b.field_count + p->name_i] : NULL;
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

static void app__legend(const app_buildings *p, const app_ui_ctx *ui)
{
    if (!app__has_legend(p)) return;
    float s = ui->scale, x = 12 * s, y = ui->height - 112 * s, w = 160 * s, box[4];
    app__legend_box(ui, box);
    rn_ui_rect(box[0], box[1], box[2] - box[0], box[3] - box[1], (rn_rgba){16, 24, 36, 200});
    for (int i = 0; i < 32; i++) {
        uint8_t c[3];
        app__ramp(APP_RAMP_M[3] * i / 31.0, c);
        rn_ui_rect(x + w * i / 32.0f, y, w / 32.0f + 1, 8 * s, (rn_rgba){c[0], c[1], c[2], 255});
    }
    rn_ui_text(x, y - 6 * s, 11 * s, (rn_rgba){235, 240, 245, 255}, "건물 높이 height  0 … 150+ m");
}

typedef enum app__seen { APP_SEEN, APP_OUTSIDE, APP_SMALL } app__seen;

/* In the frustum (the view's matrix works in eye-relative metres) and more
 * than APP_CHUNK_MIN_PX on screen; a box reaching behind the eye counts as
 * big. */
static app__seen app__chunk_seen(const geo_buildings_chunk *c, const rn_view *v, mat4 vp,
                                 vec4 planes[6])
{
    vec3 box[2];
    for (int k = 0; k < 3; k++) {
        box[0][k] = (float)(c->box[k] - v->eye[k]);
        box[1][k] = (float)(c->box[k + 3] - v->eye[k]);
    }
    if (!glm_aabb_frustum(box, planes)) return APP_OUTSIDE;
    float lo[2] = {HUGE_VALF, HUGE_VALF}, hi[2] = {-HUGE_VALF, -HUGE_VALF};
    for (int i = 0; i < 8; i++) {
        vec4 q = {box[i & 1][0], box[(i >> 1) & 1][1], box[(i >> 2) & 1][2], 1}, r;
        glm_mat4_mulv(vp, q, r);
        if (r[3] <= 1e-6f) return APP_SEEN;
        for (int k = 0; k < 2; k++) {
            lo[k] = fminf(lo[k], r[k] / r[3]);
            hi[k] = fmaxf(hi[k], r[k] / r[3]);
        }
    }
    float px =
        fmaxf((hi[0] - lo[0]) * 0.5f * (float)v->width, (hi[1] - lo[1]) * 0.5f * (float)v->height);
    return px >= APP_CHUNK_MIN_PX ? APP_SEEN : APP_SMALL;
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_buildings *p = self;
    if (!p->loaded) return;
    if (pass == APP_PASS_OVERLAY) {
        app__legend(p, d->ui);
        app__panel(p, d->ui);
        return;
    }
    if (pass == APP_PASS_SHADOW) { /* every chunk: shadows reach in from outside the view */
        for (int k = 0; k < p->b.chunk_count; k++) {
            const double *o = p->b.chunks[k].origin;
            double org[3] = {o[0], o[1], o[2] * p->exag};
            rn_shadow_cast(p->walls[k], org, 1, 1);
            rn_shadow_cast(p->roofs[k], org, 1, 1);
        }
        return;
    }
    if (pass != APP_PASS_OPAQUE) return;
    const rn_view *v = d->view;
    mat4 vp;
    vec4 planes[6];
    memcpy(vp, v->view_proj, sizeof vp);
    glm_frustum_planes(vp, planes);
    p->drawn = p->chunks_drawn = p->draw_calls = p->culled = p->small = 0;
    p->triangles = 0;
    int n = 0;
    for (int k = 0; k < p->b.chunk_count; k++) {
        const geo_buildings_chunk *c = &p->b.chunks[k];
        app__seen seen = app__chunk_seen(c, v, vp, planes);
        if (seen != APP_SEEN) {
            *(seen == APP_OUTSIDE ? &p->culled : &p->small) += c->f1 - c->f0;
            continue;
        }
        rn_fill_item *it = &p->items[n];
        for (int m = 0; m < 2; m++)
            it[m] = (rn_fill_item){.mesh = m ? p->roofs[k] : p->walls[k],
                                   .origin = {c->origin[0], c->origin[1], c->origin[2] * p->exag},
                                   .opacity = d->opacity};
        n += 2;
        p->drawn += c->f1 - c->f0;
        p->chunks_drawn++;
        p->draw_calls += rn_mesh_valid(it[0].mesh) + rn_mesh_valid(it[1].mesh);
        p->triangles += (long)(c->roofs.index_count + c->walls.index_count) / 3;
    }
    /* One pass over every chunk drawn: the shader and state are set once. */
    rn_fill_draw(v, p->items, n);
}

/* Ready once the buildings stand on the current ground. */
static bool app__view_ready(const void *self)
{
    const app_buildings *p = self;
    return !p->loaded || (p->ground_gen == p->world->ground_gen && !p->bases_pending);
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    const app_buildings *p = self;
    (void)z;
    *has_z = false;
    if (!p->loaded) return false;
    memcpy(ext, p->b.polys.extent, 4 * sizeof *ext);
    return true;
}

/* ---- picking ---- */

static int app__hit(const app_buildings *p, const app_pick_query *q)
{
    const app_ui_ctx *ui = q->ui;
    double o[3], dir[3];
    app_camera_ray(ui->cam, ui->width, ui->height, q->px, q->py, o, dir);
    return geo_buildings_hit(&p->b, p->base, app__exag(p), o, dir, NULL);
}

static bool app__pick(void *self, const app_pick_query *q, app_pick_hit *out)
{
    app_buildings *p = self;
    if (!p->loaded) return false;
    int f = app__hit(p, q);
    if (f < 0) return false;
    const geo_buildings *b = &p->b;
    json_object *a = json_object_new_object();
    for (int i = 0; i < b->field_count; i++) {
        const char *v = b->values[(size_t)f * b->field_count + i];
        json_object_object_add(a, b->fields[i], v ? json_object_new_string(v) : NULL);
    }
    json_object_object_add(a, "height_m", json_object_new_double(b->height[f]));
    json_object_object_add(a, "floors",
                           isnan(b->floors[f]) ? NULL : json_object_new_double(b->floors[f]));
    json_object_object_add(a, "footprint_m2", json_object_new_double(b->polys.features[f].area));
    json_object_object_add(a, "base_m", json_object_new_double(p->base[f]));
    out->kind = "building";
    out->fid = b->polys.features[f].fid;
    out->attributes = a;
    p->selected = f;
    p->dirty = true;
    return true;
}

static bool app__click(void *self, const app_pick_query *q)
{
    app_buildings *p = self;
    if (!p->loaded) return false;
    int f = app__hit(p, q);
    if (f < 0) return false;
    p->selected = f;
    p->dirty = true;
    return true;
}

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    app_buildings *p = self;
    (void)ui;
    if (key != RN_KEY_ESCAPE || p->selected < 0) return false;
    p->selected = -1;
    p->dirty = true;
    return true;
}

static int app__reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    const app_buildings *p = self;
    int n = 0;
    if (p->loaded && app__has_legend(p) && n < max) app__legend_box(ui, out[n++]);
    if (p->selected >= 0 && n < max) app__panel_box(p, ui, out[n++]);
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

static void app__report_entry(const void *self, int info, json_object *e)
{
    const app_buildings *p = self;
    (void)info;
    if (!p->loaded) return;
    const geo_buildings *b = &p->b;
    json_object_object_add(e, "defaulted", json_object_new_int(b->defaulted));
    json_object_object_add(e, "height_m", app__range(b->hmin, b->hmax));
    json_object *from = json_object_new_object();
    for (int i = 0; i < b->source_count; i++)
        if (b->sources[i].count)
            json_object_object_add(from, b->sources[i].field,
                                   json_object_new_int(b->sources[i].count));
    if (b->defaulted) json_object_object_add(from, "default", json_object_new_int(b->defaulted));
    json_object_object_add(e, "height_from", from);
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int f = 0; f < b->polys.count; f++) lo = fmin(lo, p->base[f]), hi = fmax(hi, p->base[f]);
    json_object_object_add(e, "base_m", app__range(lo, hi));
    json_object *bw = json_object_new_object();
    json_object_object_add(bw, "worker", json_object_new_int(p->bases_worker));
    json_object_object_add(bw, "main", json_object_new_int(p->bases_main));
    json_object_object_add(e, "bases_computed", bw);
    json_object_object_add(e, "roofless", json_object_new_int(b->roofless));
    json_object_object_add(e, "selected_fid",
                           p->selected >= 0 && p->selected < b->polys.count
                               ? json_object_new_int64(b->polys.features[p->selected].fid)
                               : NULL);
    json_object_object_add(e, "repaired", json_object_new_int(b->repaired));
    long total = 0;
    for (int k = 0; k < b->chunk_count; k++)
        total += (long)(b->chunks[k].roofs.index_count + b->chunks[k].walls.index_count) / 3;
    /* The last frame's: buildings, chunks, triangles and draw calls drawn. */
    json_object_object_add(e, "chunks", json_object_new_int(b->chunk_count));
    json_object_object_add(e, "chunks_drawn", json_object_new_int(p->chunks_drawn));
    json_object_object_add(e, "drawn", json_object_new_int(p->drawn));
    json_object_object_add(e, "culled", json_object_new_int(p->culled));
    json_object_object_add(e, "too_small", json_object_new_int(p->small));
    json_object_object_add(e, "triangles", json_object_new_int64(p->triangles));
    json_object_object_add(e, "triangles_total", json_object_new_int64(total));
    json_object_object_add(e, "draw_calls", json_object_new_int(p->draw_calls));
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
 *   "default_height_m" (10), "color_by": "height" | FIELD, "color" } */
static void *app__parse(app_cfg *c, json_object *o)
{
    static const char *const extra[] = {"height_field",
                                        "floors_field",
                                        "floor_height_m",
                                        "default_height_m",
                                        "color_by",
                                        "color",
                                        NULL};
    app_buildings_cfg *p = calloc(1, sizeof *p);
    if (!p) return app_cfg_fail(c, "buildings", "is too large"), NULL;
    p->color[0] = 0.86f, p->color[1] = 0.87f, p->color[2] = 0.89f, p->color[3] = 1;
    p->floor_height_m = GEO_BUILDINGS_FLOOR_M;
    p->default_height_m = GEO_BUILDINGS_DEFAULT_M;
    bool ok = app_cfg_source(c, o, &p->src, extra) && app_cfg_string(c, o, "name", &p->name) &&
              app_cfg_string(c, o, "height_field", &p->height_field) &&
              app_cfg_string(c, o, "floors_field", &p->floors_field) &&
              app_cfg_number(c, o, "floor_height_m", &p->floor_height_m, 0.5, 20) &&
              app_cfg_number(c, o, "default_height_m", &p->default_height_m, 0.5, 500) &&
              app_cfg_string(c, o, "color_by", &p->color_by) &&
              app_cfg_color(c, o, "color", p->color);
    if (ok && !tw_json_has(o, "color_by") && !tw_json_has(o, "color"))
        p->color_by = strdup("height"); /* the default: a height ramp */
    if (!ok) {
        app__cfg_free(p);
        return NULL;
    }
    return p;
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
    .extent = app__extent,
    .view_ready = app__view_ready,
    .pick = app__pick,
    .click = app__click,
    .key = app__key,
    .reserved = app__reserved,
    .report_entry = app__report_entry,
};
