/* The live layers' background thread: one worker of its own, at a lower CPU
 * priority (live_thread_background), for the work each snapshot brings
 * (app_live_prep.c: positions, colours, history, the marker picture). On
 * the shared worker pool that work ran at the render threads' priority:
 * profiled in bench_live_frames, the main thread did almost no live work
 * (hand-off 0 ms, the picture's upload 0.5 ms), and the slower frames were
 * the cores the parse and this work took from llvmpipe's rasterizer
 * threads on a two-core machine. A job's run ends by posting its done
 * callback to the world's hand-off queue, so done still runs on the main
 * thread, from the same queue as every other job; this pool's own done
 * queue only frees the relays (drained by the live layers' update).
 * The snapshot a new one replaces is freed here too (app_live_bg_free),
 * not on the shared pool at the render threads' priority.
 *
 * The thread is niced and paced (live_thread_background): it and the live
 * thread's parse take at most LIVE_BACKGROUND_SHARE of one core between
 * them over time (tw_pace_point, at points in the per-entity loops), so a
 * snapshot's CPU is spread over the frames instead of taken from one or
 * two of them, and it still gets done. At SCHED_IDLE, as before, it ran
 * only on a core nothing else wanted: on the loaded 2-core machine, with
 * llvmpipe's rasterizer threads and other processes always runnable, 2 of
 * 23 fetched snapshots were shown (bench_live_frames).
 * CITYTWIN_LIVE_SCHED=idle or prep puts the thread at SCHED_IDLE again
 * (comparisons). */
#include "app_live_int.h"

#include "live_fetch.h"
#include "tw_pace.h"

#include <stdlib.h>
#include <string.h>

typedef struct app__relay {
    void *job;
    tw_job_run_fn run;
    tw_job_done_fn done;
    tw_token *token; /* a reference of our own, for the post */
    tw_pool *handoff;
    bool posted; /* done was handed to handoff: it runs from there */
} app__relay;

/* Process-wide, like the live thread; app_live_bg_stop ends it. */
static struct {
    tw_pool *pool;
} app__bg;

/* The pool's one thread lowers and paces itself on its first job. */
static _Thread_local bool app__lowered;

static void app__lower(void)
{
    if (app__lowered) return;
    live_thread_background("citytwin-prep", false);
    app__lowered = true;
}

static void app__relay_run(void *job, int worker)
{
    app__relay *r = job;
    app__lower();
    r->run(r->job, worker);
    r->posted =
        tw_pool_submit(r->handoff,
                       &(tw_job_desc){.job = r->job, .done = r->done, .token = r->token}) == TW_OK;
}

static void app__relay_done(void *job, tw_result status)
{
    app__relay *r = job;
    (void)status;
    /* Never run, or the post failed: the job goes back as cancelled. */
    if (!r->posted) r->done(r->job, TW_ERR_CANCELLED);
    tw_token_release(r->token);
    free(r);
}

bool app_live_bg_submit(app_layer *l, void *job, tw_job_run_fn run, tw_job_done_fn done)
{
    if (!app__bg.pool && !(app__bg.pool = tw_pool_create(1)))
        return app_layer_submit(l, job, run, done, 1); /* the shared pool, then */
    app__relay *r = calloc(1, sizeof *r);
    if (!r) return false;
    *r = (app__relay){.job = job,
                      .run = run,
                      .done = done,
                      .token = tw_token_ref(l->token),
                      .handoff = l->world->pool};
    if (tw_pool_submit(app__bg.pool, &(tw_job_desc){.job = r,
                                                    .run = app__relay_run,
                                                    .done = app__relay_done,
                                                    .token = l->token}) != TW_OK) {
        tw_token_release(r->token);
        free(r);
        return false;
    }
    return true;
}

static void app__free_run(void *job, int worker)
{
    (void)worker;
    app__lower();
    app_live_data_free(job);
}

static void app__free_done(void *job, tw_result status)
{
    (void)status;
    app_live_data_free(job); /* not run (shut down): freed here */
    free(job);
}

bool app_live_bg_free(app_live_data *d)
{
    if (!app__bg.pool && !(app__bg.pool = tw_pool_create(1))) return false;
    app_live_data *old = malloc(sizeof *old);
    if (!old) return false;
    *old = *d;
    if (tw_pool_submit(app__bg.pool,
                       &(tw_job_desc){.job = old, .run = app__free_run, .done = app__free_done}) !=
        TW_OK) {
        free(old);
        return false;
    }
    memset(d, 0, sizeof *d);
    return true;
}

typedef struct app__release {
    void *p;
    void (*free_fn)(void *);
} app__release;

static void app__release_run(void *job, int worker)
{
    (void)worker;
    app__lower();
    app__release *r = job;
    r->free_fn(r->p);
    r->p = NULL;
}

static void app__release_done(void *job, tw_result status)
{
    (void)status;
    app__release *r = job;
    if (r->p) r->free_fn(r->p); /* not run (shut down): freed here */
    free(r);
}

void app_live_bg_release(void *p, void (*free_fn)(void *))
{
    if (!p) return;
    app__release *r = NULL;
    if ((app__bg.pool || (app__bg.pool = tw_pool_create(1))) && (r = malloc(sizeof *r))) {
        *r = (app__release){.p = p, .free_fn = free_fn};
        if (tw_pool_submit(app__bg.pool, &(tw_job_desc){.job = r,
                                                        .run = app__release_run,
                                                        .done = app__release_done}) == TW_OK)
            return;
        free(r);
    }
    free_fn(p); /* here, then */
}

void app_live_bg_drain(void)
{
    if (app__bg.pool) tw_pool_drain(app__bg.pool, 0.0005);
}

void app_live_bg_stop(void)
{
    tw_pace_suspend(true);         /* the job in hand finishes unpaced */
    tw_pool_destroy(app__bg.pool); /* waits for it */
    app__bg.pool = NULL;
    tw_pace_suspend(false);
}
