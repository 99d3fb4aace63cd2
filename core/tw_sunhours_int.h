/* Internals shared by the two sun-hours engines (core/tw_sunhours.c: the
 * full sweep; core/tw_sunhours_fast.c: the sweep over raised cells only). */
#ifndef TW_SUNHOURS_INT_H
#define TW_SUNHOURS_INT_H

#include "tw_sunhours.h"

#define TW_SH_PI   3.14159265358979323846
#define TW_SH_EPS  1e-3 /* metres: a surface reaching the shadow height is lit */
#define TW_SH_BASE 1e-3 /* metres above the lowest cell: a raised cell */

/* The state of one run: the surface (and its transpose, so that every
 * sweep reads memory in order), the incoming shadow heights of the last
 * step, the prism ids. */
typedef struct tw__sh {
    const tw_sunhours_desc *d;
    double ux, uy, te; /* towards the sun (horizontal unit), tan(elevation) */
    bool by_col;       /* the last sweep's layout: i-major (transposed) */
    float *dsm_t;      /* nx * ny, i-major */
    float *sin_;       /* nx * ny: incoming shadow height, in the sweep's layout */
    float *lines;      /* shadow height carried along each digital line */
    int *off;          /* per sweep position: the lines' offset across */
    float *edge;       /* far horizons where lines enter */
    int *owner;        /* grid cells: the tallest prism there, -1 none */
    double *pbox;      /* per prism: its footprint's bounding box */
    float far_zmax;
    float zmax, zmin_area; /* the surface's highest, the area's lowest */
    int win[4];            /* the last sweep's cells: i0 j0 i1 j1 (inclusive) */
    /* The last setup's geometry (tw_sh__setup): layout row length, major
     * (a) and minor (b) ranges, sweep position 0's row and direction, the
     * lines' offsets' range, the drop per position, far horizons where
     * lines enter (along the first row, along the minor edges by k). */
    int NB, amin, amax, bmin, bmax, na, nb, a0, astep, lo, hi;
    float drop;
    float *far_major, *far_b0, *far_b1;
} tw__sh;

/* One sun position's geometry: direction, layout, window, lines' offsets
 * (s->off) and far horizons. */
void tw_sh__setup(tw__sh *s, const tw_sunhours_step *st);

/* The fast engine: cells at the base height z0 are never casters, so the
 * sweep visits only the raised cells (see tw_sunhours_fast.c). */
tw_result tw_sh__run_fast(tw__sh *s, float z0, tw_sunhours_result *ground,
                          tw_sunhours_result *facade, float *run);
/* Even-odd containment of (x, y) in prism k's footprint. */
bool tw_sh__inside(const tw_obstacles *o, int k, double x, double y);

/* Scratch memory carved from one tw_sunhours_alloc block: on this kind of
 * virtual machine a first touch of a 4 KiB page costs about 20 us, so the
 * run's many buffers of a few hundred KB each (which malloc maps page by
 * page) cost more than the sweep over them; in one huge-page block they
 * cost about 0.1 ms a 2 MiB page. */
#if defined(__SANITIZE_ADDRESS__)
#define TW__ARENA_EACH 1 /* each piece its own allocation, so that ASan sees overruns */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW__ARENA_EACH 1
#endif
#endif

typedef struct tw_sh__arena {
    char *base;
    size_t cap, used;
#ifdef TW__ARENA_EACH
    void *each[64];
    int n;
#endif
} tw_sh__arena;

/* A block of at least 4 MiB from tw_sunhours_alloc (huge pages; only the
 * pages touched cost). */
bool tw_sh__arena_init(tw_sh__arena *a, size_t bytes);
/* n bytes, 64-byte aligned (NULL when the block is full). */
void *tw_sh__take(tw_sh__arena *a, size_t n);
void tw_sh__arena_free(tw_sh__arena *a);

/* Transposes a 64 x 64 bit matrix: bit c of a[r] <-> bit r of a[c]. */
void tw_sh__t64(uint64_t a[64]);
/* dst (sw * 64 rows of dw words) = the transpose of src (rows rows of sw
 * words); dw = (rows + 63) / 64. */
void tw_sh__transpose(const uint64_t *src, int rows, int sw, uint64_t *dst, int dw);
/* n bits of src (sw words) from bit s into dst. */
void tw_sh__extract(const uint64_t *src, int sw, int s, int n, uint64_t *dst);
/* Adds a chunk of n steps' lit bits (bit t: step t lit) to r; *run carries
 * the 09-15 run across chunks. P*: prefix sums of the chunk's weights. */
void tw_sh__fold(tw_sunhours_result *r, float *run, uint64_t lit, int n, const double *Pt,
                 const double *P8, const double *P9);

#endif
