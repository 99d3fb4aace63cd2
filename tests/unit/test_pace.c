/* core/tw_pace: threads that joined share one CPU budget; a thread that
 * did not join is never slowed; suspended, nobody is. The checks are
 * lower bounds on wall time (a loaded machine only makes them longer) and
 * how many times a thread slept in tw_pace_point (not its wall time
 * there, which a loaded machine stretches). */
#include "tw_pace.h"
#include "tw_test.h"
#include "tw_time.h"

#include <pthread.h>
#include <time.h>

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct spin {
    bool join;
    double cpu_ms;           /* CPU to burn */
    double wall_s, waited_s; /* how long it took; inside tw_pace_point */
    long waits;              /* sleeps in tw_pace_point */
} spin;

static void *spinner(void *arg)
{
    spin *s = arg;
    if (s->join) tw_pace_join();
    double t0 = tw_time_mono_s(), c0 = thread_cpu_s();
    volatile double x = 1;
    while ((thread_cpu_s() - c0) * 1000 < s->cpu_ms) {
        for (int i = 0; i < 20000; i++) x = x * 1.0000001 + 1e-9;
        double w = tw_time_mono_s();
        tw_pace_point();
        s->waited_s += tw_time_mono_s() - w;
    }
    s->wall_s = tw_time_mono_s() - t0;
    s->waits = tw_pace_waits();
    return NULL;
}

static void run(spin *s, int n)
{
    pthread_t t[4];
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, spinner, &s[i]);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
}

/* 40 ms of CPU at 0.2 of a core with a 5 ms burst: at least 175 ms. */
static void test_one_thread(void)
{
    tw_pace_setup(0.2, 5);
    spin s = {.join = true, .cpu_ms = 40};
    run(&s, 1);
    TW_CHECK_MSG(s.wall_s >= 0.175 * 0.95, "40 ms of CPU paced to 0.2 took %.3f s", s.wall_s);
    TW_CHECK_MSG(s.waited_s > 0.1 && s.waits > 0, "slept %ld times, %.3f s", s.waits, s.waited_s);
}

/* Two threads of 40 ms each draw on one budget: the last ends after at
 * least (80 - 5) / 0.2 = 375 ms (each alone would take 175 ms). */
static void test_shared(void)
{
    tw_pace_setup(0.2, 5);
    spin s[2] = {{.join = true, .cpu_ms = 40}, {.join = true, .cpu_ms = 40}};
    run(s, 2);
    double last = s[0].wall_s > s[1].wall_s ? s[0].wall_s : s[1].wall_s;
    TW_CHECK_MSG(last >= 0.375 * 0.95, "two paced threads, the last ended after %.3f s", last);
}

/* A thread that did not join, and joined threads while suspended, never
 * wait in tw_pace_point. */
static void test_not_slowed(void)
{
    tw_pace_setup(0.05, 1);
    spin s = {.join = false, .cpu_ms = 30};
    run(&s, 1);
    TW_CHECK_MSG(s.waits == 0, "a thread that did not join slept %ld times", s.waits);
    tw_pace_suspend(true);
    spin j = {.join = true, .cpu_ms = 30};
    run(&j, 1);
    tw_pace_suspend(false);
    TW_CHECK_MSG(j.waits == 0, "suspended, a joined thread slept %ld times", j.waits);
    tw_pace_setup(0, 0); /* no share: not paced */
    spin z = {.join = true, .cpu_ms = 30};
    run(&z, 1);
    TW_CHECK_MSG(z.waits == 0, "share 0, a joined thread slept %ld times", z.waits);
}

int main(void)
{
    TW_RUN(test_one_thread);
    TW_RUN(test_shared);
    TW_RUN(test_not_slowed);
    return TW_TEST_END();
}
