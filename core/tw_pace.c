/* See tw_pace.h. */
#include "tw_pace.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static struct {
    pthread_mutex_t lock;
    double share, burst_ms; /* share 0: not paced */
    double tokens_ms, last_wall;
    atomic_bool suspended;
} tw__pace = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local struct {
    bool joined;
    double last_cpu; /* this thread's CPU when it last drew on the budget */
    long waits;
} tw__mine;

static double tw__pace_clock(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tw_pace_setup(double share, double burst_ms)
{
    pthread_mutex_lock(&tw__pace.lock);
    tw__pace.share = isfinite(share) && share > 0 && share < 1 ? share : 0;
    tw__pace.burst_ms = isfinite(burst_ms) && burst_ms > 0 ? burst_ms : 0;
    tw__pace.tokens_ms = tw__pace.burst_ms;
    tw__pace.last_wall = tw__pace_clock(CLOCK_MONOTONIC);
    pthread_mutex_unlock(&tw__pace.lock);
}

void tw_pace_join(void)
{
    tw__mine.joined = true;
    tw__mine.last_cpu = tw__pace_clock(CLOCK_THREAD_CPUTIME_ID);
}

void tw_pace_point(void)
{
    if (!tw__mine.joined) return;
    double cpu = tw__pace_clock(CLOCK_THREAD_CPUTIME_ID);
    double used_ms = (cpu - tw__mine.last_cpu) * 1000;
    tw__mine.last_cpu = cpu;
    if (atomic_load(&tw__pace.suspended)) return;
    pthread_mutex_lock(&tw__pace.lock);
    double share = tw__pace.share, wait_s = 0;
    if (share > 0) {
        double wall = tw__pace_clock(CLOCK_MONOTONIC);
        double t = tw__pace.tokens_ms + (wall - tw__pace.last_wall) * 1000 * share;
        t = fmin(t, tw__pace.burst_ms) - used_ms;
        tw__pace.tokens_ms = t, tw__pace.last_wall = wall;
        /* Over: wait until the bucket is back at 0 (it fills meanwhile;
         * the next point counts the wait as wall time). */
        if (t < 0) wait_s = fmin(-t / share / 1000, 0.5);
    }
    pthread_mutex_unlock(&tw__pace.lock);
    if (wait_s > 0) {
        struct timespec ts = {.tv_sec = (time_t)wait_s,
                              .tv_nsec = (long)((wait_s - (time_t)wait_s) * 1e9)};
        nanosleep(&ts, NULL);
        tw__mine.waits++;
    }
}

long tw_pace_waits(void)
{
    return tw__mine.waits;
}

void tw_pace_suspend(bool on)
{
    atomic_store(&tw__pace.suspended, on);
}
