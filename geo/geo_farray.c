/* A growable array in a file's pages: see geo_farray.h. */
#define _GNU_SOURCE /* fallocate */
#include "geo_farray.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEO_FARRAY_STEP ((size_t)2 << 20)

struct geo_farray {
    int fd;
    uint8_t *raw; /* the reservation as mapped (munmap's) */
    size_t raw_n;
    uint8_t *base; /* file offset 0, aligned to 2 MB in memory */
    size_t end;    /* file bytes [GEO_FARRAY_AT, end) allocated and mapped */
    bool stuck;    /* a failed mapping left the rest unreserved: no more growth */
    char path[4400];
};

geo_farray *geo_farray_create(const char *path)
{
    geo_farray *a = calloc(1, sizeof *a);
    if (!a || strlen(path) >= sizeof a->path) {
        free(a);
        return NULL;
    }
    snprintf(a->path, sizeof a->path, "%s", path);
    /* The reservation: no access, no memory, no swap accounted. */
    a->raw_n = GEO_FARRAY_AT + GEO_FARRAY_RESERVE + GEO_FARRAY_STEP;
    void *m = mmap(NULL, a->raw_n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        free(a);
        return NULL;
    }
    a->raw = m;
    a->base = (uint8_t *)(((uintptr_t)m + GEO_FARRAY_STEP - 1) & ~(uintptr_t)(GEO_FARRAY_STEP - 1));
    a->end = GEO_FARRAY_AT;
    a->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (a->fd < 0) {
        munmap(a->raw, a->raw_n);
        free(a);
        return NULL;
    }
    return a;
}

void *geo_farray_data(const geo_farray *a)
{
    return a->base + GEO_FARRAY_AT;
}

size_t geo_farray_cap(const geo_farray *a)
{
    return a->end - GEO_FARRAY_AT;
}

bool geo_farray_holds(const geo_farray *a, const void *p)
{
    const uint8_t *q = p;
    return a && q && q >= a->base + GEO_FARRAY_AT &&
           q < a->base + GEO_FARRAY_AT + GEO_FARRAY_RESERVE;
}

bool geo_farray_grow(geo_farray *a, size_t bytes)
{
    if (a->stuck || bytes > GEO_FARRAY_RESERVE) return false;
    size_t end = (GEO_FARRAY_AT + bytes + GEO_FARRAY_STEP - 1) / GEO_FARRAY_STEP * GEO_FARRAY_STEP;
    if (end <= a->end) return true;
    /* The blocks first: a write to a mapped page the disk has no room for
     * would raise SIGBUS; a failed fallocate is only an error here. */
    if (fallocate(a->fd, 0, (off_t)a->end, (off_t)(end - a->end)) != 0) return false;
    void *m = mmap(a->base + a->end, end - a->end, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                   a->fd, (off_t)a->end);
    if (m == MAP_FAILED) {
        /* The range is no longer reserved: reserved again, or nothing
         * more grows (the array as it was stays mapped). */
        void *r = mmap(a->base + a->end, end - a->end, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
        a->stuck = r == MAP_FAILED;
        return false;
    }
    /* Faults then fill 2 MB folios where the file system makes them: the
     * cache's next read maps them an entry each (geo_bmap_open). */
    madvise(m, end - a->end, MADV_HUGEPAGE);
    a->end = end;
    return true;
}

bool geo_farray_room(geo_farray *a, void **p, size_t *cap, size_t used, size_t need, bool move)
{
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    if (move) c = need; /* a guess of the size: taken as it is */
    bool in = geo_farray_holds(a, *p);
    if ((in || (move && a)) && geo_farray_grow(a, c)) {
        if (!in) {
            memcpy(geo_farray_data(a), *p, used);
            free(*p);
            *p = geo_farray_data(a);
        }
        *cap = geo_farray_cap(a);
        return true;
    }
    if (in) { /* the file is full: the array goes to the heap */
        void *h = malloc(c);
        if (!h) return false;
        memcpy(h, *p, used);
        *p = h, *cap = c;
        return true;
    }
    void *q = realloc(*p, c);
    if (!q) return false;
    *p = q, *cap = c;
    return true;
}

static void geo__close(geo_farray *a)
{
    if (a->fd >= 0) close(a->fd);
    a->fd = -1;
}

void geo_farray_seal(geo_farray *a, void **addr, size_t *size, uint64_t *dev, uint64_t *ino)
{
    struct stat st;
    bool known = a->fd >= 0 && fstat(a->fd, &st) == 0;
    *dev = known ? (uint64_t)st.st_dev : 0;
    *ino = known ? (uint64_t)st.st_ino : 0;
    if (a->end > GEO_FARRAY_AT)
        mprotect(a->base + GEO_FARRAY_AT, a->end - GEO_FARRAY_AT, PROT_READ);
    geo__close(a);
    *addr = a->raw, *size = a->raw_n;
    free(a);
}

void geo_farray_discard(geo_farray *a)
{
    if (!a) return;
    geo__close(a);
    unlink(a->path);
    munmap(a->raw, a->raw_n);
    free(a);
}

const char *geo_farray_path(const geo_farray *a)
{
    return a->path;
}
