/* Internal to the triangulator (tw_triangulate*.c). */
#ifndef TW_TRIANGULATE_INT_H
#define TW_TRIANGULATE_INT_H

#include "tw_triangulate.h"

#include <stdbool.h>
#include <stdint.h>

/* Single rings of up to this many points (a closing one included) go to
 * tw_tri_small first; at most the general clipper's TRI_HASH_MIN, and 64
 * for its bit mask. */
#define TRI_SMALL_MAX 64

/* The exponent bits of a double: all set for NaN and Inf. */
#define TRI_EXP_BITS 0x7FF0000000000000ull

/* Points [start, end) as one ring: a fan when it is strictly convex and
 * simple (repeats and a closing point aside), else clipped on flat arrays
 * into the same triangles as the general clipper. 1 done, 0 not such a
 * ring (more than TRI_SMALL_MAX points, two at one point, or a lap with no
 * ear: out unchanged), -1 out of memory, -2 a coordinate is NaN or Inf (out
 * unchanged: both are checked before anything is written). */
int tw_tri_small(const double *xy, int start, int end, tw_tri_out *out);

/* The general clipper's state (tw_triangulate.c, tw_triangulate_holes.c).
 * Nodes, holes and queued rings held in the call's own frame: a footprint's
 * triangulation then allocates nothing. */
#define TRI_LOCAL_NODES 160
#define TRI_LOCAL_HOLES 16
#define TRI_LOCAL_STACK 16

typedef struct tri_node {
    double x, y;
    uint32_t i;       /* index of the input point */
    uint32_t z;       /* z-order key of (x, y) */
    int prev, next;   /* ring */
    int prevz, nextz; /* the ring's nodes in z order; -1 at the ends */
} tri_node;

typedef struct tri_hole {
    double x; /* rightmost x of the hole */
    int node; /* the node there */
} tri_hole;

typedef struct tri_state {
    tri_node *nodes; /* local_nodes until it outgrows them */
    int count, cap;
    int *stack; /* rings waiting to be clipped, one node of each; local_stack at first */
    int stack_count, stack_cap;
    uint64_t *keys; /* z-order key << 32 | node, twice keys_cap (the sort's scratch) */
    int keys_cap;
    double minx, miny, inv; /* z-order frame; inv 0 means no hash */
    long long work, budget;
    long long repair, repair_budget; /* work on rings with no ear */
    tw_tri_out *out;
    tw_result err;
    tri_node local_nodes[TRI_LOCAL_NODES];
    int local_stack[TRI_LOCAL_STACK];
} tri_state;

static inline double orient_xy(double ax, double ay, double bx, double by, double cx, double cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/* Positive when a, b, c turn left (counter-clockwise). */
static inline double orient(const tri_node *a, const tri_node *b, const tri_node *c)
{
    return orient_xy(a->x, a->y, b->x, b->y, c->x, c->y);
}

static inline bool same(const tri_node *a, const tri_node *b)
{
    return a->x == b->x && a->y == b->y;
}

int tri_node_new(tri_state *s, double x, double y, uint32_t i);
void tri_node_remove(tri_state *s, int k);
/* True when (x, y) lies strictly inside the polygon's angle at node v. */
bool tri_locally_inside(const tri_state *s, int v, double x, double y);
/* Side of a-b that p is on: 1 left, -1 right, 0 within 1e-9 rad of the line. */
int tri_side_xy(double ax, double ay, double bx, double by, double px, double py);

/* tw_triangulate_holes.c: building rings and bridging holes. */
int tri_ring_build(tri_state *s, const double *xy, int start, int end, bool ccw);
int tri_find_bridge(tri_state *s, int outer, int m);
int tri_hole_cmp(const void *a, const void *b);

#endif
