/* A growable array in a file's pages: a load's footprint points written
 * straight into the buildings cache's temporary file, where the cache
 * writer finds them (geo_buildings_cache.c). Held on the heap they were
 * fresh memory twice at city scale, the array and then the page cache the
 * write filled with a copy (124 MB each at 600,000 buildings; fresh memory
 * is the dearest thing a load touches on a virtual machine).
 *
 * The array starts at a file offset that is a multiple of 2 MB and never
 * moves: its address space is reserved once (GEO_FARRAY_RESERVE), and
 * each growth allocates the file's blocks first (fallocate: a full disk
 * fails the growth, never a write to the mapping) and then maps them.
 * Where that cannot be done (no such file system call, a full disk, a
 * limit on address space) the caller keeps its array on the heap. */
#ifndef GEO_FARRAY_H
#define GEO_FARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Address space reserved for an array (no memory): 2^31 points of 16
 * bytes, every point a geo_polygons can index. */
#define GEO_FARRAY_RESERVE ((size_t)32 << 30)
/* The array's file offset: 2 MB (the page cache's huge folios). */
#define GEO_FARRAY_AT ((size_t)2 << 20)

typedef struct geo_farray geo_farray;

/* A new file at path (truncated; 0666 less the umask) for an array at
 * file offset GEO_FARRAY_AT; NULL when it cannot be made (nothing left
 * behind). */
geo_farray *geo_farray_create(const char *path);
/* The array's first byte (the same for the array's life). */
void *geo_farray_data(const geo_farray *a);
/* Bytes the array can hold now. */
size_t geo_farray_cap(const geo_farray *a);
/* True when p lies in a's array. */
bool geo_farray_holds(const geo_farray *a, const void *p);
/* Room for bytes (rounded up to 2 MB); false when the file or the
 * mapping cannot grow (the array stays as it was). */
bool geo_farray_grow(geo_farray *a, size_t bytes);

/* *p (a heap array of cap bytes, used of them in use) grown to hold need
 * bytes (doubling; exactly need with move): in a's file when a holds it
 * (moved from the heap there when move and a can take it), else realloc'd; an array in the file
 * that cannot grow moves to the heap. false: out of memory (*p as it was). */
bool geo_farray_room(geo_farray *a, void **p, size_t *cap, size_t used, size_t need, bool move);

/* The array made read-only and the file closed (its pages stay mapped);
 * *addr, *size: the whole mapping, for munmap (geo_bmap); *dev, *ino:
 * the file's, so a writer that opens the path again knows it is the
 * same file. a is freed. */
void geo_farray_seal(geo_farray *a, void **addr, size_t *size, uint64_t *dev, uint64_t *ino);
/* The array unmapped and its file removed; a freed (NULL: nothing). */
void geo_farray_discard(geo_farray *a);
/* The file's path. */
const char *geo_farray_path(const geo_farray *a);

#endif
