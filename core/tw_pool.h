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

/* Worker side: do the work. `worker` is 0..workers-1, for per-thread state. */
typedef void (*tw_job_run_fn)(void *job, int worker);
/* Main-thread side: called exactly once per job, with TW_OK after run, or
 * TW_ERR_CANCELLED when the pool shut down before the job ran. */
typedef void (*tw_job_done_fn)(void *job, tw_result status);

typedef struct tw_job_desc {
    void *job;
    tw_job_run_fn run; /* NULL: hand straight to the main thread */
    tw_job_done_fn done;
    int priority; /* higher runs first; 0 is default */
} tw_job_desc;

/* workers == 0 picks one per core, at most 8. */
tw_pool *tw_pool_create(int workers);
/* Stops the workers after their current job; queued jobs and undrained
 * results are handed to done (cancelled / ok) on the calling thread. */
void tw_pool_destroy(tw_pool *pool);

int tw_pool_workers(const tw_pool *pool);
void tw_pool_submit(tw_pool *pool, const tw_job_desc *desc);
/* Main thread: run done callbacks until the queue is empty or budget_s passed
 * (at least one callback runs if any is waiting). Returns how many ran. */
int tw_pool_drain(tw_pool *pool, double budget_s);
/* Jobs queued, running, or finished but not yet drained. */
int tw_pool_pending(tw_pool *pool);
/* Blocks until something is waiting for drain or timeout_s passed (headless
 * loops use it instead of spinning). */
void tw_pool_wait(tw_pool *pool, double timeout_s);

#endif
