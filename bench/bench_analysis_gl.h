/* bench/analysis: the GL floor (bench_analysis_gl.c): one shadow-map
 * render of the district's prisms a step, as the app's depth pass. */
#ifndef BENCH_ANALYSIS_GL_H
#define BENCH_ANALYSIS_GL_H

#include "tw_obstacles.h"
#include "tw_sunhours.h"

#include <stdbool.h>
#include <stddef.h>

/* A headless context, the shadow program (source/shaders), the prisms
 * whose footprints meet box (xmin ymin xmax ymax, a square) as one mesh and
 * a depth target of 1 m texels over the square. false (err says why): no
 * GL here; bench_gl_floor then returns NaN. */
bool bench_gl_init(const char *source, const tw_obstacles *o, const double box[4], char *err,
                   size_t n);
/* Wall seconds of one depth render (clear, draw, glFinish) for each
 * step's sun; NaN without a context or on a GL error. */
double bench_gl_floor(const tw_sunhours_step *st, int steps);
/* The renderer's name (NULL without a context) and the triangles drawn. */
const char *bench_gl_renderer(long *triangles);
/* Renders step st once and counts the texels a prism covers (-1: no GL). */
long bench_gl_covered(const tw_sunhours_step *st);
void bench_gl_done(void);

#endif
