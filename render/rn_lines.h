/* Lines draped on the terrain: each vertex takes its height from the
 * terrain heightfield texture, segments are widened to screen-space quads
 * by a geometry shader (core GL has no wide lines) and pulled slightly
 * towards the eye so that they stay above the ground. */
#ifndef RN_LINES_H
#define RN_LINES_H

#include "rn_mesh.h"
#include "rn_texture.h"
#include "rn_view.h"

typedef struct rn_drape {
    rn_texture heights; /* R32F heightfield; {0}: flat ground at z 0 */
    double x0, y0;      /* scene position of sample (0, 0) */
    double dx, dy;
    int nx, ny;
} rn_drape;

/* Uniform locations of a draped program (heights on texture unit 0). */
typedef struct rn_drape_uniforms {
    int heights, has_heights, hf, to_hf, offset;
} rn_drape_uniforms;

/* Binds the drape's heights for the program in use; false: flat ground. */
bool rn_drape_bind(const rn_drape *d, const rn_drape_uniforms *u);
/* An item's offset from the eye and its place on the heightfield. */
void rn_drape_item(const rn_drape *d, bool has, const rn_view *view, const double origin[2],
                   const rn_drape_uniforms *u);

typedef struct rn_lines_item {
    rn_mesh mesh; /* TW_PRIM_LINES */
    double origin[3];
    float color[4];
    float width_px;
} rn_lines_item;

tw_result rn_lines_setup(char *err, size_t n);
void rn_lines_shutdown(void);
void rn_lines_draw(const rn_view *view, const rn_drape *drape, const rn_lines_item *items,
                   int count);

#endif
