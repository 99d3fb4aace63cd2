/* Pages of a fresh array faulted in on another core while this thread
 * works: the kernel zeroes each page on its first touch, and on machines
 * that back memory lazily (virtual machines) that is most of what a fresh
 * array costs. The array's contents are not touched (MADV_POPULATE_WRITE
 * only maps what is not mapped yet), so it may be written meanwhile; it
 * must not be moved or freed until geo_prefault_join. Does nothing where
 * there is one core or no such madvise.
 *
 * Faulted in a huge page (2 MB) per call: the kernel holds the process's
 * address-space lock (for reading) through each call, and any thread's
 * mmap, munmap, mremap or heap growth waits for it to end (one call over
 * 124 MB once held the reader still for 0.24 s). A thread that makes
 * many such calls in a row still goes in step with the pieces: keep them
 * off a thread that runs while its pages are faulted in. */
#ifndef GEO_PREFAULT_H
#define GEO_PREFAULT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct geo_prefault {
    void *p;
    size_t n;
    pthread_t th;
    bool started;
} geo_prefault;

static inline void *geo_prefault_run(void *arg)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    geo_prefault *a = arg;
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    uintptr_t lo = ((uintptr_t)a->p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)a->p + a->n) & ~(page - 1);
    const uintptr_t piece = (uintptr_t)2 << 20; /* a huge page */
    for (uintptr_t at = lo; at < hi;) {
        uintptr_t end = (at + piece) & ~(piece - 1); /* piece-aligned after the first */
        end = end < hi ? end : hi;
        madvise((void *)at, end - at, MADV_POPULATE_WRITE);
        at = end;
    }
#else
    (void)arg;
#endif
    return NULL;
}

/* Starts faulting in bytes p .. p + n - 1 (a's until geo_prefault_join). */
static inline void geo_prefault_start(geo_prefault *a, void *p, size_t n)
{
    *a = (geo_prefault){.p = p, .n = n};
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    a->started =
        sysconf(_SC_NPROCESSORS_ONLN) > 1 && pthread_create(&a->th, NULL, geo_prefault_run, a) == 0;
#endif
}

/* Waits for a's pages (nothing when none were started). */
static inline void geo_prefault_join(geo_prefault *a)
{
    if (a->started) pthread_join(a->th, NULL);
    a->started = false;
}

#endif
