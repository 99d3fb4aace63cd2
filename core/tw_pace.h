/* Pacing background threads' CPU: one budget shared by every thread that
 * joined it, a bucket of CPU milliseconds that fills at share ms per wall
 * ms, up to a burst; tw_pace_point, called at points in long loops, sleeps
 * while the threads together have used more than their share. On a
 * two-core machine where llvmpipe's rasterizer threads take both cores, a
 * 60 ms parse or preparation taken at once makes a few frames half again
 * as long; paced, the same work is spread thinly over many frames. One
 * budget for all of them, so that the live thread's parse of the next
 * snapshot and the preparation of the last do not add up to twice the
 * share.
 *
 * tw_pace_point does nothing on a thread that has not joined (the parsers
 * call it wherever they run: tests, fuzzers and the app's own threads
 * alike). tw_pace_suspend(true) lets every paced thread run unpaced
 * (shutting down: the work in hand finishes at once). */
#ifndef TW_PACE_H
#define TW_PACE_H

#include <stdbool.h>

/* The shared budget: share of one core (0, or outside (0, 1): no pacing),
 * bursts of up to burst_ms of CPU. Any thread, any time. */
void tw_pace_setup(double share, double burst_ms);
/* This thread draws on the shared budget from now on. */
void tw_pace_join(void);
/* On a joined thread: sleeps while the budget is spent (at most 0.5 s). */
void tw_pace_point(void);
/* While set, paced threads are not slowed. */
void tw_pace_suspend(bool on);
/* How many times this thread has slept in tw_pace_point. */
long tw_pace_waits(void);

#endif
