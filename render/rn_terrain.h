/* Terrain pass: tile meshes lit with their normals, coloured by a
 * hypsometric ramp or draped imagery, with optional hillshade and fog. */
#ifndef RN_TERRAIN_H
#define RN_TERRAIN_H

#include "rn_mesh.h"
#include "rn_texture.h"
#include "rn_view.h"

typedef struct rn_terrain_style {
    float zmin, zmax; /* range of the colour ramp, metres */
    bool hillshade;   /* cartographic hillshade (light from the north-west) */
    bool wireframe;
} rn_terrain_style;

typedef struct rn_terrain_item {
    rn_mesh mesh;
    double origin[3];
    rn_texture imagery; /* {0}: use the colour ramp */
} rn_terrain_item;

tw_result rn_terrain_setup(char *err, size_t n);
void rn_terrain_shutdown(void);
/* Draws the items; returns how many triangles were submitted. */
long rn_terrain_draw(const rn_view *view, const rn_terrain_style *style,
                     const rn_terrain_item *items, int count);

#endif
