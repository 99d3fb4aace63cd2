/* Meshes from polygons in scene metres, built on worker threads and shared
 * by every kind that draws areas (the certification map, buildings):
 * triangulated fills, outlines, and extruded walls with normals. Vertices
 * are float offsets from `origin`; feature f's vertices are
 * v0[f] .. v0[f + 1] - 1, so a caller can recolour or raise one feature. */
#ifndef GEO_POLYMESH_H
#define GEO_POLYMESH_H

#include "geo_vector.h"
#include "tw_mesh.h"

#include <stdint.h>

/* Triangles of every feature (outer rings with their holes), z 0, white;
 * every vertex is used by a triangle. A part the triangulator rejects is
 * left out, not fatal. */
tw_result geo_polymesh_fill(const geo_polygons *p, const double origin[3], tw_mesh *m,
                            uint32_t **feat_v0);
/* Every ring as closed line segments, z 0. */
tw_result geo_polymesh_lines(const geo_polygons *p, const double origin[3], tw_mesh *m);
/* Side walls of every ring: four vertices per edge (bottom a, b, top b, a),
 * all at z 0 until the caller raises the top ones (vertex index & 3 >= 2);
 * flat normals face out of the solid part, for holes too. */
tw_result geo_polymesh_walls(const geo_polygons *p, const double origin[3], tw_mesh *m,
                             uint32_t **wall_v0);

#endif
