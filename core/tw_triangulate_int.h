/* Internal to the triangulator (tw_triangulate*.c). */
#ifndef TW_TRIANGULATE_INT_H
#define TW_TRIANGULATE_INT_H

#include "tw_triangulate.h"

/* Single rings of up to this many points (a closing one included) go to
 * tw_tri_small first; at most the general clipper's TRI_HASH_MIN, and 64
 * for its bit mask. */
#define TRI_SMALL_MAX 64

/* The exponent bits of a double: all set for NaN and Inf. */
#define TRI_EXP_BITS 0x7FF0000000000000ull

/* Points [start, end) as one ring: a fan when it is strictly convex and
 * simple (repeats and a closing point aside), else clipped on flat arrays
 * into the same triangles as the general clipper. 1 done, 0 not such a ring (more than
 * TRI_SMALL_MAX points, two at one point, or a lap with no ear: out
 * unchanged), -1 out of memory, -2 a coordinate is NaN or Inf (out
 * unchanged: both are checked before anything is written). */
int tw_tri_small(const double *xy, int start, int end, tw_tri_out *out);

#endif
