/* Worker threads and the hand-off queue to the main thread.
 *
 * A job runs on a worker (file reads, triangulation), then its done callback
 * runs on the main thread when the main thread drains the queue, within a time
 * budget per frame. Once submitted, the submitter no longer touches the job
 * until done hands it back. Any thread may also post a finished item straight
 * to the hand-off queue (the live thread does). */
#ifndef TW_POOL_H
#define TW_POOL_H

#include "tw_result.h"

#include <stdbool.h>

typedef struct tw_pool tw_pool;

/* A cancellation token, one per layer (or per piece of work that can be
 * abandoned). It is reference counted across threads: the owner holds one
 * reference, and every job submitted with it holds one until its done
 * callback has run. Cancelling never waits: queued jobs are skipped, a job
 * already running finishes on its worker and its done callback gets
 * TW_ERR_CANCELLED. The payload (worker-side state that running jobs may
 * still read, such as open datasets) is freed by payload_free when the last
 * reference goes. */
typedef struct tw_token tw_token;

tw_token *tw_token_create(void *payload, void (*payload_free)(void *payload));
/* The payload given at creation; valid while the caller holds a reference. */
void *tw_token_payload(const tw_token *t);
/* Sets the payload of a token no job has used yet. */
void tw_token_set_payload(tw_token *t, void *payload, void (*payload_free)(void *payload));
void tw_token_cancel(tw_token *t);
bool tw_token_cancelled(const tw_token *t);
tw_token *tw_token_ref(tw_token *t);
/* Drops one reference; the last one frees the payload and the token. */
void tw_token_release(tw_token *t);

/* Worker side: do the work. `worker` is 0..workers-1, for per-thread state. */
typedef void (*tw_job_run_fn)(void *job, int worker);
/* Main-thread side: called exactly once per accepted job, with TW_OK after
 * run, or TW_ERR_CANCELLED when its token was cancelled or the pool shut
 * down. A cancelled job's done callback must free the job and touch nothing
 * else of its submitter, which may be gone. */
typedef void (*tw_job_done_fn)(void *job, tw_result status);

typedef struct tw_job_desc {
    void *job;
    tw_job_run_fn run; /* NULL: hand straight to the main thread */
    tw_job_done_fn done;
    int priority;    /* higher runs first; 0 is default */
    tw_token *token; /* may be NULL; the pool holds a reference until done */
} tw_job_desc;

/* workers == 0 picks one per core, at least 2 and at most 8. The pool is
 * meant to live as long as the process. */
tw_pool *tw_pool_create(int workers);
/* Stops the workers after their current job (this waits for a job stuck in
 * I/O); queued jobs and undrained results are handed to done (cancelled /
 * ok) on the calling thread. */
void tw_pool_destroy(tw_pool *pool);

int tw_pool_workers(const tw_pool *pool);
/* Queues a job. On failure (out of memory) nothing is queued, done is not
 * called, and the caller still owns the job. Any thread may submit. */
tw_result tw_pool_submit(tw_pool *pool, const tw_job_desc *desc);
/* Main thread: run done callbacks until the queue is empty or budget_s passed
 * (at least one callback runs if any is waiting). Returns how many ran. */
int tw_pool_drain(tw_pool *pool, double budget_s);
/* Jobs queued, running, or finished but not yet drained. */
int tw_pool_pending(tw_pool *pool);
/* Blocks until something is waiting for drain or timeout_s passed (headless
 * loops use it instead of spinning). */
void tw_pool_wait(tw_pool *pool, double timeout_s);

#endif
