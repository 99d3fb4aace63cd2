/* Draped tints: triangles with a colour per vertex laid on the ground (the
 * world's heightfield texture, like draped lines), never below a height of
 * their own (a_position.z, e.g. a roof's), pulled slightly towards the eye
 * so coarser terrain tiles do not bury them, and blended over the scene.
 * A mask texture cuts a draped grid to a raster's cells (nearest
 * sampling). Viewsheds and other analysis rasters show this way. */
#ifndef RN_TINT_H
#define RN_TINT_H

#include "rn_lines.h"
#include "rn_mesh.h"
#include "rn_view.h"

typedef struct rn_tint_item {
    rn_mesh mesh; /* TW_PRIM_TRIANGLES with TW_MESH_COLORS; z: lowest height (unexaggerated) */
    double origin[2];
    float opacity; /* multiplies the vertex alpha; 0 is taken as 1 */
    /* Optional mask (R8, rows from the south) over the square from (mask_x0,
     * mask_y0), mask_size wide: only where it is over one half is drawn. */
    rn_texture mask;
    double mask_x0, mask_y0, mask_size;
} rn_tint_item;

/* The program loads on first use; shutdown frees it. Main thread. */
void rn_tint_draw(const rn_view *view, const rn_drape *drape, const rn_tint_item *items, int count);
void rn_tint_shutdown(void);

#endif
