/* Sun shadows by shadow mapping: a depth image of the casters seen from
 * the sun over a square around the view's centre, sized to the view and
 * snapped to whole texels (and sizes to steps of 1.25x) so that it stays
 * still while the camera moves; receivers (terrain, fills) compare with it
 * through rn_shadow_apply. The casters a depth pass is given are recorded
 * and drawn at its end only when they, the light, the map's square or any
 * table (rn_table_revision) differ from what the map holds: a still sun
 * over still buildings reuses the map frame after frame. Main thread only. */
#ifndef RN_SHADOW_H
#define RN_SHADOW_H

#include "rn_mesh.h"
#include "rn_table.h"
#include "rn_view.h"

#include <stdbool.h>

tw_result rn_shadow_setup(char *err, size_t n);
void rn_shadow_shutdown(void);
/* Starts the depth pass: sun (unit, towards the sun), the region's centre
 * (drawn scene metres) and the radius it must cover. False when there is
 * no shadow this frame (no setup, sun too low). */
bool rn_shadow_begin(const float sun[3], const double centre[3], double radius);
/* In a depth pass: the map's texel side (metres), and whether a box
 * (xmin ymin zmin xmax ymax zmax, drawn scene metres) reaches the map's
 * square at all (a caster outside it cannot darken anything in it). */
double rn_shadow_texel_m(void);
bool rn_shadow_box_in(const double box[6]);
/* Draws a caster: positions relative to origin (drawn metres), z scaled by
 * z_scale in the shader (terrain) or already drawn (1). */
void rn_shadow_cast(rn_mesh mesh, const double origin[3], float z_scale, float origin_z_scale);
/* Draws a caster raised by a table (rn_fill_item's table, table_first):
 * ids row * 2 + top in the mesh, the row's base (+ height) as drawn. */
void rn_shadow_cast_table(rn_mesh mesh, const double origin[3], const rn_table *table,
                          uint32_t first);
/* Ends the depth pass: draws the recorded casters into the map unless it
 * holds them already (restoring the framebuffer and viewport); from now
 * on rn_shadow_active() is true until the next begin. */
void rn_shadow_end(int width, int height);
/* Depth passes that drew the map, and those that found it up to date,
 * since setup. */
void rn_shadow_counts(long *renders, long *reuses);
bool rn_shadow_active(void);
/* The light's matrix for a sun (unit, towards it) over a square of half
 * side R (metres) around the map's reference point, and the map's axes
 * r and u (unit): what rn_shadow_begin uses, for a pass drawn elsewhere the
 * same way (bench/analysis's GL floor). */
void rn_shadow_light(const double sun[3], double R, float m[16], double r[3], double u[3]);
/* The depth pass's state: fbo bound, a size x size viewport, its depth
 * cleared, depth test, no culling or blending, the slope-scaled offset
 * (for a pass drawn elsewhere the same way: bench/analysis's GL floor). */
void rn_shadow_depth_state(unsigned fbo, int size);
/* Turns the shadow off for receivers (a frame without one). */
void rn_shadow_clear(void);
/* For a receiver's bound program: binds the map to texture unit 5 and sets
 * u_shadow_on, u_light, u_shadow_eye, u_shadow_texel_m, u_shadow_map. */
void rn_shadow_apply(unsigned program, const rn_view *view);

#endif
