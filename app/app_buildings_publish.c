/* Buildings layer: every loaded footprint with its base and top published
 * as the scene's obstacles (wind, sun and view analyses read them).
 *
 * The obstacles' arrays (15 MB of fresh memory at 600,000 buildings, and
 * a walk over every feature) are made on a worker while the main thread
 * raises and colours the same update's rows and draws the frame:
 * app__update begins the publish once the tiles have settled (their bases
 * and heights final for this update) and tells the world it is under way
 * (app_world_obstacles_pending). Before the layer's first complete frame
 * it is only made ready to begin, by the first reader or by the first
 * update after that frame (app_buildings_publish_defer). It ends
 * (app_buildings_publish_end: waiting for what is left of the job, or
 * running it there when no worker took it yet) at the first of: a read
 * of the world's obstacles by anyone (app_world_obstacles_settle: an
 * analysis, the measure tool, the report), the frame's overlay pass (the
 * 3D passes sent: a frame does not wait for a job that took longer than
 * its rows, 38-46 against 17-21 ms at 600,000), or anything that would
 * change what the job reads (app_buildings_publish_settle: the next
 * update, a bases job's result, the layer's end). The job reads the
 * tiles' arrays only (features, rings, points, bases, heights), which
 * neither the rows' update nor the drawing changes, so it never reads a
 * tile the main thread has changed or freed. */
#include "app_buildings_int.h"

#include "tw_log.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* What the job reads of one loaded tile. */
typedef struct app__ptile {
    const geo_polygon *features;
    const int *ring_start;
    const double *xy, *base, *height;
    int count, ring_count;
    double extent[4];
} app__ptile;

enum { APP__PUB_QUEUED, APP__PUB_RUNNING, APP__PUB_DONE };

struct app_bpub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;      /* APP__PUB_*: who runs it, the first to take it */
    bool submitted; /* the pool's done callback comes (else the main thread frees it) */
    bool ended, pool_done; /* main thread: publish_end took it, the pool's done came */
    app__ptile *tiles;
    int tile_count;
    app_btile *first; /* the first tile read: the sole one when tile_count is 1 */
    bool may_hand; /* one tile, whose points no set holds yet */
    /* Made by the job: */
    bool ok, single, hand; /* single: laid out as the one tile; hand: its points handed over */
    int n, rings;
    int *ring_first, *ring_end, *ring_start; /* ring_end: one tile's layout (single) only */
    double *xy;
    float *base, *top;
    long *id;
    double bbox[4];
};

static void app__pub_free_out(app_bpub *j)
{
    free(j->ring_first), free(j->ring_end), free(j->ring_start);
    free(j->base), free(j->top), free(j->id);
    if (!j->hand) free(j->xy);
    j->ring_first = j->ring_end = j->ring_start = NULL, j->base = j->top = NULL, j->id = NULL;
    j->xy = NULL;
}

static void app__pub_free(app_bpub *j)
{
    app__pub_free_out(j);
    free(j->tiles);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* One tile's footprints as the obstacles, laid out as the tile has them
 * (its features' rings wherever they were read): the points handed over
 * or copied whole, so the tile can read them from the set either way. */
static bool app__pub_as_tile(app_bpub *j, const app__ptile *t)
{
    int n = t->count;
    size_t points = (size_t)t->ring_start[t->ring_count];
    j->rings = t->ring_count;
    j->ring_first = malloc((size_t)n * sizeof *j->ring_first + 1);
    j->ring_end = malloc((size_t)n * sizeof *j->ring_end + 1);
    j->ring_start = malloc(((size_t)t->ring_count + 1) * sizeof *j->ring_start);
    j->xy = j->hand ? (double *)t->xy : malloc(points * 2 * sizeof *j->xy + 1);
    if (!j->ring_first || !j->ring_end || !j->ring_start || !j->xy) return false;
    for (int f = 0; f < n; f++) {
        j->ring_first[f] = t->features[f].ring_first;
        j->ring_end[f] = t->features[f].ring_first + t->features[f].ring_count;
    }
    memcpy(j->ring_start, t->ring_start, ((size_t)t->ring_count + 1) * sizeof *j->ring_start);
    if (!j->hand) memcpy(j->xy, t->xy, points * 2 * sizeof *j->xy);
    return true;
}

/* Several tiles' footprints packed one after another, rings in order. */
static bool app__pub_packed(app_bpub *j, int rings, int points)
{
    j->rings = rings;
    j->ring_first = malloc(((size_t)j->n + 1) * sizeof *j->ring_first);
    j->ring_start = malloc(((size_t)rings + 1) * sizeof *j->ring_start);
    j->xy = malloc((size_t)points * 2 * sizeof *j->xy + 1);
    if (!j->ring_first || !j->ring_start || !j->xy) return false;
    int r = 0, k = 0, o = 0;
    j->ring_start[0] = 0;
    for (int ti = 0; ti < j->tile_count; ti++) {
        const app__ptile *t = &j->tiles[ti];
        for (int f = 0; f < t->count; f++, o++) {
            const geo_polygon *ft = &t->features[f];
            j->ring_first[o] = r;
            for (int q = ft->ring_first; q < ft->ring_first + ft->ring_count; q++) {
                int m = t->ring_start[q + 1] - t->ring_start[q];
                memcpy(j->xy + 2 * k, t->xy + 2 * t->ring_start[q], (size_t)m * 2 * sizeof *j->xy);
                k += m;
                j->ring_start[++r] = k;
            }
        }
    }
    j->ring_first[j->n] = r;
    return true;
}

static void app__pub_work(app_bpub *j)
{
    int n = 0, rings = 0, points = 0;
    /* The union of the tiles' extents: every point's box, known already. */
    double bbox[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int ti = 0; ti < j->tile_count; ti++) {
        const app__ptile *t = &j->tiles[ti];
        if (t->count > 0) {
            bbox[0] = fmin(bbox[0], t->extent[0]), bbox[1] = fmin(bbox[1], t->extent[1]);
            bbox[2] = fmax(bbox[2], t->extent[2]), bbox[3] = fmax(bbox[3], t->extent[3]);
        }
        for (int f = 0; f < t->count; f++) {
            const geo_polygon *ft = &t->features[f];
            rings += ft->ring_count;
            points +=
                t->ring_start[ft->ring_first + ft->ring_count] - t->ring_start[ft->ring_first];
        }
        n += t->count;
    }
    memcpy(j->bbox, bbox, sizeof bbox);
    j->n = n;
    /* A layer read whole: the obstacles take its points, which the tile
     * then reads from them (a later publish copies them once more). */
    j->single = j->tile_count == 1 && j->tiles[0].xy;
    j->hand = j->may_hand && j->single;
    j->base = malloc((size_t)n * sizeof *j->base + 1);
    j->top = malloc((size_t)n * sizeof *j->top + 1);
    j->id = malloc((size_t)n * sizeof *j->id + 1);
    bool ok = j->single ? app__pub_as_tile(j, &j->tiles[0]) : app__pub_packed(j, rings, points);
    if (!ok || !j->base || !j->top || !j->id) {
        app__pub_free_out(j);
        return;
    }
    int o = 0;
    for (int ti = 0; ti < j->tile_count; ti++) {
        const app__ptile *t = &j->tiles[ti];
        for (int f = 0; f < t->count; f++, o++) {
            j->base[o] = (float)t->base[f];
            j->top[o] = (float)(t->base[f] + t->height[f]);
            j->id[o] = t->features[f].fid;
        }
    }
    j->ok = true;
}

/* Runs the job unless another thread took it first. */
static void app__pub_take(app_bpub *j)
{
    pthread_mutex_lock(&j->mu);
    bool mine = j->state == APP__PUB_QUEUED;
    if (mine) j->state = APP__PUB_RUNNING;
    pthread_mutex_unlock(&j->mu);
    if (!mine) return;
    app__pub_work(j);
    pthread_mutex_lock(&j->mu);
    j->state = APP__PUB_DONE;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

static void app__pub_run(void *job, int worker)
{
    (void)worker;
    app__pub_take(job);
}

/* The pool's last word on the job (main thread): freed here once
 * app_buildings_publish_end took its arrays, else by that end. */
static void app__pub_done(void *job, tw_result status)
{
    (void)status;
    app_bpub *j = job;
    j->pool_done = true;
    if (j->ended) app__pub_free(j);
}

static void app__pub_settle(void *owner)
{
    app_buildings_publish_settle(owner);
}

void app_buildings_publish_begin(app_buildings *p)
{
    p->publish = false; /* asked again from here on: the next update's */
    app_bpub *j = calloc(1, sizeof *j);
    int nt = 0;
    for (int ti = 0; ti < p->nx * p->ny; ti++)
        nt += p->tiles[ti] && p->tiles[ti]->state == APP_BTILE_READY;
    if (j) j->tiles = calloc((size_t)nt + 1, sizeof *j->tiles);
    if (!j || !j->tiles || pthread_mutex_init(&j->mu, NULL) != 0) {
        if (j) free(j->tiles);
        free(j);
        p->pub = NULL;
        TW_WARN("buildings", "%s: out of memory publishing obstacles", p->info.source);
        return;
    }
    pthread_cond_init(&j->cv, NULL);
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        app_btile *t = p->tiles[ti];
        if (!t || t->state != APP_BTILE_READY) continue;
        const geo_polygons *g = &t->b.polys;
        if (!j->tile_count) j->first = t;
        app__ptile *d = &j->tiles[j->tile_count++];
        *d = (app__ptile){.features = g->features,
                          .ring_start = g->ring_start,
                          .xy = g->xy,
                          .base = t->base,
                          .height = t->b.height,
                          .count = g->count,
                          .ring_count = g->ring_count};
        memcpy(d->extent, g->extent, sizeof d->extent);
        j->may_hand = !t->xy_owner;
    }
    j->may_hand = j->may_hand && j->tile_count == 1;
    p->pub = j;
    j->submitted = app_layer_submit(p->layer, j, app__pub_run, app__pub_done, 900);
    app_world_obstacles_pending(p->world, p, app__pub_settle);
}

void app_buildings_publish_end(app_buildings *p)
{
    app_bpub *j = p->pub;
    p->pub = NULL;
    app_world_obstacles_pending(p->world, p, NULL);
    tw_obstacles *set = NULL;
    app_btile *sole = NULL;
    if (j) {
        app__pub_take(j); /* not started yet: here */
        pthread_mutex_lock(&j->mu);
        while (j->state != APP__PUB_DONE) pthread_cond_wait(&j->cv, &j->mu);
        pthread_mutex_unlock(&j->mu);
        /* The tile the job read (tiles that arrived since are not it). */
        if (j->single) sole = j->first;
        if (j->ok) {
            /* Adopted, not copied: 600,000 footprints are about 140 MB. */
            void *keep =
                j->hand ? geo_buildings_map_keep(&sole->b, j->xy) : NULL; /* a cache file's */
            tw_obstacles_adopt(&(tw_obstacles_desc){.count = j->n,
                                                    .ring_first = j->ring_first,
                                                    .ring_end = j->ring_end,
                                                    .rings = j->rings,
                                                    .ring_start = j->ring_start,
                                                    .xy = j->xy,
                                                    .base = j->base,
                                                    .top = j->top,
                                                    .id = j->id,
                                                    .xy_keep = keep,
                                                    .xy_release = geo_buildings_map_drop,
                                                    .bbox = j->n > 0 ? j->bbox : NULL},
                               &set);
            /* The set's now (on an error still the job's, freed with it). */
            if (set)
                j->ring_first = j->ring_end = j->ring_start = NULL, j->base = j->top = NULL,
                j->id = NULL, j->xy = NULL;
        }
        if (!set && j->hand) j->xy = NULL; /* still the tile's */
        app__pub_free_out(j);
        j->ended = true;
        if (!j->submitted || j->pool_done) app__pub_free(j); /* else the pool's done frees it */
    }
    if (set && sole) {
        /* The tile reads its points from the newest set; an older one it
         * read them from goes when the world lets it go. */
        sole->b.polys.xy = set->xy;
        tw_obstacles_release(sole->xy_owner);
        sole->xy_owner = tw_obstacles_ref(set);
    }
    if (!set) {
        TW_WARN("buildings", "%s: out of memory publishing obstacles", p->info.source);
        return;
    }
    app_world_set_obstacles(p->world, p, set);
    p->published_gen = p->world->ground_gen + 1;
}

/* A deferred publish's reader: made now, on its thread (the main one). */
static void app__pub_asked(void *owner)
{
    app_buildings *p = owner;
    p->pub_deferred = false;
    if (!p->pub_first) p->pub_first = "when first read";
    app_world_obstacles_pending(p->world, p, NULL);
    app_buildings_publish_begin(p);
    if (p->pub) app_buildings_publish_end(p);
}

void app_buildings_publish_defer(app_buildings *p)
{
    p->pub_deferred = true;
    app_world_obstacles_pending(p->world, p, app__pub_asked);
}

void app_buildings_publish_settle(app_buildings *p)
{
    if (p->pub_deferred) { /* the tiles may change: the next update asks again */
        p->pub_deferred = false;
        app_world_obstacles_pending(p->world, p, NULL);
    }
    if (p->pub) app_buildings_publish_end(p);
}
