/* Obstacles: solid prisms standing on the ground (buildings, planned
 * towers), as an immutable, reference-counted set any thread may read.
 * A layer that has solid things publishes a set through the scene
 * (app_world_set_obstacles); layers that need them (wind, sun hours,
 * viewsheds) take references and rasterize or walk them on their workers,
 * so neither knows the other. Heights are absolute metres, unexaggerated. */
#ifndef TW_OBSTACLES_H
#define TW_OBSTACLES_H

#include "tw_result.h"

#include <stdbool.h>

/* Prism i: rings ring_first[i] .. ring_first[i + 1] - 1 (an outer ring, its
 * holes, further outer rings), or .. ring_end[i] - 1 where ring_end is
 * given; ring r is points ring_start[r] .. ring_start[r + 1] - 1 of xy (x y
 * pairs, scene metres). */
typedef struct tw_obstacles_desc {
    int count;
    const int *ring_first; /* count + 1; count where ring_end is given */
    /* count, or NULL: prism i's rings end where prism i + 1's begin. Given,
     * the prisms' rings may lie in any order, with rings of no prism
     * between (a layer's footprints where they were read, in its own
     * order), and rings says how many ring_start numbers. */
    const int *ring_end;
    int rings;
    const int *ring_start; /* rings + 1 */
    const double *xy;
    const float *base, *top; /* count each: absolute metres */
    const long *id;          /* count: the source's feature id; NULL: the index */
    /* tw_obstacles_adopt: xy lives in another's memory (a mapped file):
     * xy_release(xy_keep) lets it go when the set goes, or at once on an
     * error, instead of free(xy). NULL: xy was malloc'ed. */
    void *xy_keep;
    void (*xy_release)(void *keep);
    /* A box holding every finite point of xy when the caller knows one
     * (a layer's extent), so the set need not read all its
     * points on the calling thread (7.7 million at 600,000 buildings);
     * NULL: computed from xy. */
    const double *bbox;
} tw_obstacles_desc;

typedef struct tw_obstacles {
    int count, ring_count;
    /* Prism i's rings: ring_first[i] .. ring_end[i] - 1 (ring_end is
     * ring_first + 1 where the desc gave none). */
    int *ring_first, *ring_end, *ring_start;
    double *xy;
    float *base, *top;
    long *id;
    double bbox[4]; /* xmin ymin xmax ymax over all prisms (or the desc's, which holds them) */
    float top_max;
} tw_obstacles;

/* Copies desc into a new set with one reference. */
tw_result tw_obstacles_create(const tw_obstacles_desc *desc, tw_obstacles **out);
/* The same without copying: desc's arrays (every one given, id too) were
 * malloc'ed by the caller and belong to the set from TW_OK on (a large
 * set is then never held twice); on an error they are still the
 * caller's. */
tw_result tw_obstacles_adopt(const tw_obstacles_desc *desc, tw_obstacles **out);
tw_obstacles *tw_obstacles_ref(tw_obstacles *o);
void tw_obstacles_release(tw_obstacles *o);

/* A regular grid of cell centres: cell (i, j) is centred at
 * (x0 + (i + 0.5) dx, y0 + (j + 0.5) dy), row-major from the south. */
typedef struct tw_grid {
    double x0, y0, dx, dy;
    int nx, ny;
} tw_grid;

/* For every cell whose centre is inside a prism's footprint (even-odd over
 * its rings), raises out[j * nx + i] to the prism's top; other cells keep
 * their value (start with -INFINITY, or with the ground). Returns the
 * cells raised. */
long tw_obstacles_rasterize(const tw_obstacles *o, const tw_grid *g, float *out);

/* The prism whose footprint contains (x, y) (the tallest where several
 * do), -1 when none. */
int tw_obstacles_find(const tw_obstacles *o, double x, double y);

#endif
