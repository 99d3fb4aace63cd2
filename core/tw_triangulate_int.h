/* Internal to the triangulator (tw_triangulate*.c). */
#ifndef TW_TRIANGULATE_INT_H
#define TW_TRIANGULATE_INT_H

#include "tw_triangulate.h"

/* Strictly convex single rings up to this size are fanned without nodes. */
#define TRI_FAST_MAX 64

/* Points [start, end) of xy as a fan when they are a strictly convex simple
 * ring (repeats and a closing point aside): 1 done (triangles appended to
 * out), 0 not such a ring, -1 out of memory (out unchanged). */
int tw_tri_fast_convex(const double *xy, int start, int end, tw_tri_out *out);

/* Single rings of up to this many points (a closing one included) go to
 * tw_tri_small first; at most the general clipper's TRI_HASH_MIN, and 64
 * for its bit mask. */
#define TRI_SMALL_MAX 64

/* Points [start, end) as one ring clipped on flat arrays, the same
 * triangles as the general clipper: 1 done, 0 not such a ring (more than
 * TRI_SMALL_MAX points, two at one point, or a lap with no ear: out
 * unchanged), -1 out of memory (out unchanged). */
int tw_tri_small(const double *xy, int start, int end, tw_tri_out *out);

#endif
