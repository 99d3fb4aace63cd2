/* Buildings layer: a large whole read's cache written on a worker after
 * the tile is handed to the main thread, so the first frame is drawn
 * while the cache is written, not after it (at 600,000 buildings the
 * write took 0.1 to 0.15 s of the cold start, and the main thread idled
 * through it).
 *
 * Only a read whose points went into the cache's own file (desc
 * points_file) is written so: its points stay in that mapping whatever
 * the obstacles do with the tile's pointer. Smaller reads are written on
 * the read's worker before the hand-over, as before.
 *
 * The writer reads the tile's buildings while the main thread uses them.
 * What the main thread would change under it is kept still:
 * - the chunks (raised, their meshes made): the writer has a copy;
 * - the triangles kept for the chunks (freed once every chunk is made):
 *   pinned (geo_buildings_later_pin) until the write ends;
 * - the heights (a scenario's edits) and everything else (the tile
 *   cleared): the main thread first waits for the write (app_bwrite_wait),
 *   at most the write's own time, and only then. */
#include "app_buildings_int.h"

#include "tw_log.h"
#include "tw_time.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct app_bwrite {
    app_buildings *owner;
    app_btile *tile;    /* NULL once ended (app__end) */
    geo_buildings snap; /* the tile's buildings, its chunks a copy */
    char *dir, *key;
    int state; /* APP_BCACHE_* once written (written or rebuilt) */
    /* The writer's (the worker's, or the main thread's when it waits for
     * a write no worker has begun): its result, and when it ended. */
    tw_result status;
    char why[600];
    double done_s;
    double delay_s;    /* CITYTWIN_CACHE_WRITE_DELAY_S (tests) */
    _Atomic int stage; /* APP__QUEUED, then who writes, then APP__WRITTEN */
};

enum { APP__QUEUED, APP__ON_WORKER, APP__ON_MAIN, APP__WRITTEN };

static void app__wfree(app_bwrite *w)
{
    free(w->snap.chunks);
    free(w->dir);
    free(w->key);
    free(w);
}

static void app__write(app_bwrite *w)
{
    /* One thread: the other core draws the first frame meanwhile. */
    w->status = geo_buildings_cache_write_alone(w->dir, w->key, &w->snap, w->why, sizeof w->why);
    w->done_s = tw_time_mono_s();
    atomic_store_explicit(&w->stage, APP__WRITTEN, memory_order_release);
}

/* The worker writes unless the main thread took the write first. */
static void app__wrun(void *job, int worker)
{
    (void)worker;
    app_bwrite *w = job;
    if (w->delay_s > 0) tw_time_sleep_s(w->delay_s);
    int queued = APP__QUEUED;
    if (atomic_compare_exchange_strong(&w->stage, &queued, APP__ON_WORKER)) app__write(w);
}

/* Main thread: the write done, by the worker (waited for: at most its
 * own time, a local file) or here when no worker has begun it (still
 * queued, or cancelled with the layer). */
static void app__wfinish(app_bwrite *w)
{
    int queued = APP__QUEUED;
    if (atomic_compare_exchange_strong(&w->stage, &queued, APP__ON_MAIN)) {
        app__write(w);
        return;
    }
    while (atomic_load_explicit(&w->stage, memory_order_acquire) != APP__WRITTEN)
        tw_time_sleep_s(0.0005);
}

/* The write's result taken by the layer, the tile let go (main thread,
 * the worker through). */
static void app__end(app_bwrite *w)
{
    app_btile *t = w->tile;
    if (!t) return;
    app_buildings *p = w->owner;
    w->tile = NULL;
    t->writing = NULL;
    geo_buildings_later_pin(&t->b, false);
    p->cache_done_s = w->done_s;
    if (w->status == TW_OK) {
        p->cache_state = w->state;
    } else {
        TW_WARN("buildings", "%s: no cache (%s); the next start reads it again", p->info.source,
                w->why);
        p->cache_state = APP_BCACHE_FAILED;
    }
}

static void app__wdone(void *job, tw_result status)
{
    app_bwrite *w = job;
    /* Cancelled: the layer is gone (its tile saw the write done first). */
    if (status == TW_OK) app__end(w);
    app__wfree(w);
}

bool app_bwrite_begin(app_buildings *p, app_btile *t, const char *dir, const char *key, int state)
{
    app_bwrite *w = calloc(1, sizeof *w);
    geo_buildings_chunk *chunks = malloc(((size_t)t->b.chunk_count + 1) * sizeof *chunks);
    char *d = strdup(dir), *k = strdup(key);
    if (!w || !chunks || !d || !k) {
        free(w), free(chunks), free(d), free(k);
        return false;
    }
    memcpy(chunks, t->b.chunks, (size_t)t->b.chunk_count * sizeof *chunks);
    *w = (app_bwrite){.owner = p, .tile = t, .snap = t->b, .dir = d, .key = k, .state = state};
    w->snap.chunks = chunks;
    /* CITYTWIN_CACHE_WRITE_DELAY_S=S: the worker begins S seconds late
     * (tests: what the main thread does meanwhile, such as a scenario's
     * edits, then surely comes first). */
    const char *delay = getenv("CITYTWIN_CACHE_WRITE_DELAY_S");
    w->delay_s = delay ? atof(delay) : 0;
    atomic_init(&w->stage, APP__QUEUED);
    geo_buildings_later_pin(&t->b, true);
    t->writing = w;
    if (app_layer_submit(p->layer, w, app__wrun, app__wdone, 800)) return true;
    /* No worker to take it: written here, now. */
    app__wfinish(w);
    app__end(w);
    app__wfree(w);
    return true;
}

void app_bwrite_wait(app_btile *t)
{
    app_bwrite *w = t->writing;
    if (!w) return;
    app__wfinish(w);
    app__end(w); /* its done only frees it */
}

int app_bwrite_state(const app_btile *t)
{
    return t->writing ? t->writing->state : APP_BCACHE_OFF;
}

tw_result app_bwrite_result(app_btile *t, double *done_s)
{
    app_bwrite *w = t->writing;
    if (!w) return TW_ERR_ARG;
    app__wfinish(w);
    *done_s = w->done_s;
    return w->status;
}
