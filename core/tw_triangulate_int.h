/* Internal to the triangulator (tw_triangulate.c, tw_triangulate_fast.c). */
#ifndef TW_TRIANGULATE_INT_H
#define TW_TRIANGULATE_INT_H

#include "tw_triangulate.h"

/* Strictly convex single rings up to this size are fanned without nodes. */
#define TRI_FAST_MAX 64

/* Points [start, end) of xy as a fan when they are a strictly convex simple
 * ring (repeats and a closing point aside): 1 done (triangles appended to
 * out), 0 not such a ring, -1 out of memory (out unchanged). */
int tw_tri_fast_convex(const double *xy, int start, int end, tw_tri_out *out);

#endif
