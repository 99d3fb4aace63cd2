/* Worker pool: a priority list of jobs guarded by one mutex, and a FIFO of
 * finished jobs that the main thread drains. Job counts are in the hundreds,
 * so a linear scan for the highest priority is cheaper than a heap. */
#include "tw_pool.h"

#include "tw_time.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TW_POOL_MAX_WORKERS 8
/* Threads that were replaced while stuck in a cancelled job and have not
 * finished it yet; past this, no more replacements (the queue waits). */
#define TW_POOL_MAX_STUCK 32

struct tw_token {
    atomic_int refs;
    atomic_bool cancelled;
    void *payload;
    void (*payload_free)(void *payload);
};

tw_token *tw_token_create(void *payload, void (*payload_free)(void *payload))
{
    tw_token *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    atomic_init(&t->refs, 1);
    atomic_init(&t->cancelled, false);
    t->payload = payload;
    t->payload_free = payload_free;
    return t;
}

void *tw_token_payload(const tw_token *t)
{
    return t ? t->payload : NULL;
}

void tw_token_set_payload(tw_token *t, void *payload, void (*payload_free)(void *payload))
{
    t->payload = payload;
    t->payload_free = payload_free;
}

void tw_token_cancel(tw_token *t)
{
    if (t) atomic_store(&t->cancelled, true);
}

bool tw_token_cancelled(const tw_token *t)
{
    return t && atomic_load(&((tw_token *)t)->cancelled);
}

tw_token *tw_token_ref(tw_token *t)
{
    if (t) atomic_fetch_add(&t->refs, 1);
    return t;
}

void tw_token_release(tw_token *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1) return;
    if (t->payload_free) t->payload_free(t->payload);
    free(t);
}

typedef struct tw__worker_arg {
    struct tw_pool *pool;
    int index;
    unsigned gen;
} tw__worker_arg;

/* One worker number: the thread that serves it now, and the job it runs. */
typedef struct tw__slot {
    pthread_t thread;
    const tw_token *running; /* token of the job in hand */
    bool busy;
    unsigned gen;
} tw__slot;

typedef struct tw__job {
    tw_job_desc desc;
    unsigned long seq; /* submission order, newest first among equals */
    struct tw__job *next;
} tw__job;

struct tw_pool {
    pthread_mutex_t lock;
    pthread_cond_t work_cv; /* workers wait for jobs */
    pthread_cond_t done_cv; /* main waits for results */
    tw__slot slots[TW_POOL_MAX_WORKERS];
    int workers;
    /* Threads replaced while stuck in a cancelled job: joined at the end. */
    pthread_t stuck[TW_POOL_MAX_STUCK];
    bool stuck_finished[TW_POOL_MAX_STUCK];
    int stuck_count;
    bool stopping;
    tw__job *queued; /* unordered; picked by priority */
    tw__job *done_head, *done_tail;
    int running;
    unsigned long seq;
};

static tw__job *tw__take_best(tw_pool *pool)
{
    tw__job **best = NULL;
    for (tw__job **p = &pool->queued; *p; p = &(*p)->next) {
        if (!best || (*p)->desc.priority > (*best)->desc.priority ||
            ((*p)->desc.priority == (*best)->desc.priority && (*p)->seq > (*best)->seq))
            best = p;
    }
    if (!best) return NULL;
    tw__job *j = *best;
    *best = j->next;
    j->next = NULL;
    return j;
}

static void tw__push_done(tw_pool *pool, tw__job *j)
{
    j->next = NULL;
    if (pool->done_tail)
        pool->done_tail->next = j;
    else
        pool->done_head = j;
    pool->done_tail = j;
    pthread_cond_broadcast(&pool->done_cv);
}

static void *tw__worker_main(void *arg)
{
    tw__worker_arg *wa = arg;
    tw_pool *pool = wa->pool;
    tw__slot *slot = &pool->slots[wa->index];
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->stopping && !pool->queued) pthread_cond_wait(&pool->work_cv, &pool->lock);
        if (pool->stopping) break;
        tw__job *j = tw__take_best(pool);
        pool->running++;
        slot->running = j->desc.token;
        slot->busy = true;
        pthread_mutex_unlock(&pool->lock);
        /* A job whose owner left before it started is not run. */
        if (!tw_token_cancelled(j->desc.token)) j->desc.run(j->desc.job, wa->index);
        pthread_mutex_lock(&pool->lock);
        pool->running--;
        tw__push_done(pool, j);
        if (slot->gen != wa->gen) {
            /* Replaced while stuck: the new thread serves; this one ends and
             * is reaped at the next replacement or at the end. */
            for (int k = 0; k < pool->stuck_count; k++)
                if (pthread_equal(pool->stuck[k], pthread_self())) pool->stuck_finished[k] = true;
            break;
        }
        slot->running = NULL;
        slot->busy = false;
    }
    pthread_mutex_unlock(&pool->lock);
    free(wa);
    return NULL;
}

static bool tw__start_worker(tw_pool *pool, int index)
{
    tw__slot *slot = &pool->slots[index];
    tw__worker_arg *wa = calloc(1, sizeof *wa);
    if (!wa) return false;
    *wa = (tw__worker_arg){.pool = pool, .index = index, .gen = slot->gen};
    if (pthread_create(&slot->thread, NULL, tw__worker_main, wa) != 0) {
        free(wa);
        return false;
    }
    slot->running = NULL;
    slot->busy = false;
    return true;
}

/* A worker stuck in a job whose owner has gone (a read on a dead server)
 * would hold its number until the read times out: a fresh thread takes the
 * number over, and the stuck one ends when its job does. Per-worker state
 * (dataset handles) belongs to the objects a job uses, and the stuck job's
 * objects are no one else's, so the two never share any. Lock held. */
static void tw__replace_stuck(tw_pool *pool)
{
    for (int k = 0; k < pool->stuck_count;) {
        if (!pool->stuck_finished[k]) {
            k++;
            continue;
        }
        pthread_join(pool->stuck[k], NULL); /* it has let go of the lock: no wait */
        pool->stuck_count--;
        pool->stuck[k] = pool->stuck[pool->stuck_count];
        pool->stuck_finished[k] = pool->stuck_finished[pool->stuck_count];
    }
    for (int i = 0; i < pool->workers && pool->stuck_count < TW_POOL_MAX_STUCK; i++) {
        tw__slot *slot = &pool->slots[i];
        if (!slot->busy || !tw_token_cancelled(slot->running)) continue;
        pthread_t old = slot->thread;
        slot->gen++;
        if (!tw__start_worker(pool, i)) {
            slot->gen--;
            return;
        }
        pool->stuck_finished[pool->stuck_count] = false;
        pool->stuck[pool->stuck_count++] = old;
    }
}

tw_pool *tw_pool_create(int workers)
{
    if (workers <= 0) {
        /* At least two, so that one read stuck on a dead server leaves a
         * worker for everything else. */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        workers = n > 2 ? (int)n : 2;
    }
    if (workers > TW_POOL_MAX_WORKERS) workers = TW_POOL_MAX_WORKERS;
    tw_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work_cv, NULL);
    pthread_cond_init(&pool->done_cv, NULL);
    pthread_mutex_lock(&pool->lock);
    for (int i = 0; i < workers; i++) {
        if (!tw__start_worker(pool, i)) break;
        pool->workers++;
    }
    pthread_mutex_unlock(&pool->lock);
    if (pool->workers == 0) {
        tw_pool_destroy(pool);
        return NULL;
    }
    return pool;
}

/* Hands a job back to its submitter and drops the pool's token reference. */
static void tw__finish(tw__job *j, tw_result status)
{
    if (tw_token_cancelled(j->desc.token)) status = TW_ERR_CANCELLED;
    if (j->desc.done) j->desc.done(j->desc.job, status);
    tw_token_release(j->desc.token);
    free(j);
}

void tw_pool_destroy(tw_pool *pool)
{
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->work_cv);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->workers; i++) pthread_join(pool->slots[i].thread, NULL);
    /* Replaced threads end when their job does; the stuck_count is final
     * now that nothing submits. */
    for (int i = 0; i < pool->stuck_count; i++) pthread_join(pool->stuck[i], NULL);

    /* Finished results first (they ran), then never-run jobs. */
    while (pool->done_head) {
        tw__job *j = pool->done_head;
        pool->done_head = j->next;
        tw__finish(j, TW_OK);
    }
    while (pool->queued) {
        tw__job *j = pool->queued;
        pool->queued = j->next;
        tw__finish(j, TW_ERR_CANCELLED);
    }
    pthread_cond_destroy(&pool->work_cv);
    pthread_cond_destroy(&pool->done_cv);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

int tw_pool_workers(const tw_pool *pool)
{
    return pool ? pool->workers : 0;
}

tw_result tw_pool_submit(tw_pool *pool, const tw_job_desc *desc)
{
    if (!pool) return TW_ERR_ARG;
    tw__job *j = calloc(1, sizeof *j);
    if (!j) return TW_ERR_NOMEM;
    j->desc = *desc;
    tw_token_ref(j->desc.token);
    pthread_mutex_lock(&pool->lock);
    tw__replace_stuck(pool);
    j->seq = ++pool->seq;
    if (!desc->run) {
        tw__push_done(pool, j);
    } else {
        j->next = pool->queued;
        pool->queued = j;
        pthread_cond_signal(&pool->work_cv);
    }
    pthread_mutex_unlock(&pool->lock);
    return TW_OK;
}

int tw_pool_drain(tw_pool *pool, double budget_s)
{
    double t0 = tw_time_mono_s();
    int n = 0;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        tw__job *j = pool->done_head;
        if (j) {
            pool->done_head = j->next;
            if (!pool->done_head) pool->done_tail = NULL;
        }
        pthread_mutex_unlock(&pool->lock);
        if (!j) break;
        tw__finish(j, TW_OK);
        n++;
        if (tw_time_mono_s() - t0 >= budget_s) break;
    }
    return n;
}

int tw_pool_pending(tw_pool *pool)
{
    int n = 0;
    pthread_mutex_lock(&pool->lock);
    for (tw__job *j = pool->queued; j; j = j->next) n++;
    for (tw__job *j = pool->done_head; j; j = j->next) n++;
    n += pool->running;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

void tw_pool_wait(tw_pool *pool, double timeout_s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = ts.tv_nsec + (long long)(timeout_s * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&pool->lock);
    while (!pool->done_head) {
        if (pthread_cond_timedwait(&pool->done_cv, &pool->lock, &ts) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&pool->lock);
}
