/* Scene positions kept from one snapshot of a live feed to the next. A feed
 * polled every second sends the same sensors at the same places each time,
 * with new values: transforming 100,000 positions into the scene CRS and
 * sampling the ground under each again every second was most of a
 * snapshot's preparation. The transform and the sampling are pure
 * functions of the position given, the feed's CRS, the scene's frame and
 * the ground, so an entity at the same index with the bit-identical
 * position under the same CRS, frame and ground gets the previous result,
 * and only the others are transformed (in one call) and sampled.
 *
 * The cache belongs to one preparation at a time (app_live_prep.c hands it
 * from job to job); no GL, no app state, so that it is tested alone
 * (tests/live/test_live_reuse.c). */
#ifndef APP_LIVE_REUSE_H
#define APP_LIVE_REUSE_H

#include "geo_crs.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct app_live_reuse app_live_reuse;

/* Transforms n positions into the scene CRS in place (NaN where one does
 * not); false when there is no transform at all (then nothing is kept). */
typedef bool (*app_live_xy_fn)(void *user, size_t n, double *x, double *y);
/* The ground height at a scene position (0: none). */
typedef float (*app_live_z_fn)(void *user, double x, double y);

typedef struct app_live_reuse_key {
    const char *crs;        /* the feed's declared CRS, NULL: lon/lat */
    const geo_frame *frame; /* the scene's (a reference is kept) */
    unsigned ground_gen;    /* which ground */
    bool has_ground;
} app_live_reuse_key;

/* Scene positions x, y (NaN: did not transform) and ground heights gz of
 * the n raw positions rx, ry, reusing what *cache holds for the same key
 * and creating or replacing it (*cache may be NULL; left NULL when out of
 * memory or without a transform). Returns how many were reused (-1 when
 * xy returned false: x, y are NaN then). */
long app_live_reuse_positions(app_live_reuse **cache, const app_live_reuse_key *key, size_t n,
                              const double *rx, const double *ry, double *x, double *y, float *gz,
                              app_live_xy_fn xy, app_live_z_fn z, void *user);
void app_live_reuse_free(app_live_reuse *cache);

#endif
