/* Filled polygons (map fills, later roofs and walls): triangle meshes with a
 * colour per vertex, lit from above so that extruded sides read as 3D,
 * blended over what is behind. */
#ifndef RN_FILL_H
#define RN_FILL_H

#include "rn_mesh.h"
#include "rn_table.h"
#include "rn_view.h"

#include <stdbool.h>

typedef struct rn_fill_item {
    /* TW_PRIM_TRIANGLES with TW_MESH_COLORS (normals optional); or, with a
     * table, TW_MESH_IDS (float or TW_MESH_XY16 positions, z unused): a
     * vertex's id is its row (from table_first) * 2 + 1 on top, 0 at the
     * bottom; z = the row's base (+ its height on top), colour the row's
     * (rn_table.h, geo_buildings_row). */
    rn_mesh mesh;
    const rn_table *table;
    uint32_t table_first;
    double origin[3];
    float opacity; /* multiplies the vertex alpha; 0 is taken as 1 */
    bool unshaded; /* no sun shadow on it (data colours read against a legend) */
    /* The mesh has no normals: each triangle is lit by its own plane's
     * normal (screen derivatives of its position, facing the eye), for
     * solids seen from outside such as extruded buildings. */
    bool flat_normals;
    /* A closed solid wound counter-clockwise seen from outside (boxes):
     * faces turned away from the eye are skipped (the rasterizer sets up
     * none of them), unless the item is seen through (opacity under 1). */
    bool cull_back;
    /* Every vertex or row colour has alpha 1: drawn without blending
     * (the same picture) when its opacity is 1 too. */
    bool opaque;
    /* The mesh is the tops of axis-aligned boxes, each corner's normal the
     * vector to the box's opposite bottom corner (geo_buildings_block's
     * GEO_BLOCKS_CAST): each drawn as its whole box, ray-cast for every
     * pixel of its outline (the top grown, in the vertex shader, to the
     * bottom seen from the eye): the walls facing the eye and the top,
     * shaded as flat_normals shades a box, the walls under a pixel
     * blended in by their share of it (as multisampling would), the depth
     * of the face hit written. 2 triangles a box instead of up to 6
     * facing the eye (llvmpipe: an overview of 600,000 buildings in half
     * the time). Only for an eye above every top (their walls are not
     * seen from below), opaque (the walls facing away are not drawn). */
    bool cast_boxes;
} rn_fill_item;

tw_result rn_fill_setup(char *err, size_t n);
/* Every draw with the shadow taps' program and blending (as before both
 * shortcuts: the same picture; tests compare the two). */
void rn_fill_set_plain(bool plain);
/* Items drawn without blending, draws with the program without shadow
 * taps, so far. */
void rn_fill_counts(uint64_t *unblended, uint64_t *unshadowed);
void rn_fill_shutdown(void);
void rn_fill_draw(const rn_view *view, const rn_fill_item *items, int count);
/* A kind of item: a mesh (drawn out of sight), or, without one, its
 * attributes (TW_MESH_*) for a one-triangle mesh; a table or not; its
 * rn_fill_item flags. */
typedef struct rn_fill_kind {
    rn_mesh mesh;
    unsigned attrs;
    bool table, cull_back, opaque, cast_boxes;
} rn_fill_kind;
/* Draws one item of each kind (at most 8), out of sight, with the program
 * rn_fill_draw takes now, into the bound framebuffer. A software GL
 * (llvmpipe) compiles shader variants at the first draw of each
 * combination of state and vertex layout (tens of milliseconds each): a
 * caller that knows what it will draw has that done here, while a load
 * runs, rather than in its first frame. Leaves rn_fill_counts as it was. */
void rn_fill_warm(const rn_view *view, const rn_fill_kind *kinds, int count);

/* The framebuffer bound for drawing now, and a benchmark's floor: count
 * items drawn alone into fbo (cleared first), GL finished before and
 * after; milliseconds. */
unsigned rn_fill_target(void);
double rn_fill_plain_ms(const rn_view *view, const rn_fill_item *items, int count, unsigned fbo);

#endif
