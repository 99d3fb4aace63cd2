/* Triangulation of a 2D polygon with holes by ear clipping, for filling
 * administrative boundaries and building footprints. Holes are bridged into
 * the outer ring; a z-order hash keeps the ear test fast on rings of many
 * thousand points. Real-world rings (duplicate, collinear or closing points,
 * self-touching or self-intersecting rings) never loop or crash: when no ear
 * is left the least bad one is cut, so the output then only approximates the
 * polygon, and a work budget bounds the time on pathological input. */
#ifndef TW_TRIANGULATE_H
#define TW_TRIANGULATE_H

#include "tw_result.h"

#include <stddef.h>
#include <stdint.h>

/* Input size cap (points per call); more is TW_ERR_TOOBIG. */
#define TW_TRIANGULATE_MAX_POINTS (1 << 24)

/* Triangles as index triples, growing over calls. Zero-initialise it; free it
 * with tw_tri_out_free. */
typedef struct tw_tri_out {
    uint32_t *indices;  /* 3 per triangle, counter-clockwise, into the caller's points */
    size_t index_count; /* 3 x triangles */
    size_t capacity;    /* indices allocated */
} tw_tri_out;

/* Appends the triangles of one polygon to out. xy holds x,y pairs; ring k is
 * points ring_starts[k] .. ring_starts[k+1]-1, the last ring ends at
 * point_count. Ring 0 is the outer ring, the others are holes; either winding,
 * a closing point equal to the first is optional. Indices are into xy, so a
 * MultiPolygon can share one point array: pass each polygon's slice of
 * ring_starts and the end of its last ring as point_count. Rings with fewer
 * than 3 distinct points or no area are skipped (no triangles is TW_OK).
 * TW_ERR_ARG for a bad ring layout or a NaN/Inf coordinate in a ring; on
 * any error out is left as it was. */
tw_result tw_triangulate(const double *xy, const int *ring_starts, int ring_count, int point_count,
                         tw_tri_out *out);
void tw_tri_out_free(tw_tri_out *out);

/* Signed shoelace area of a ring of count x,y pairs: positive when
 * counter-clockwise (x east, y north). A closing point changes nothing. */
double tw_triangulate_signed_area(const double *xy, int count);

#endif
