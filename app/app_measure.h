/* The measurement tool, a layer kind ("measure"): distance (straight in
 * the scene CRS and geodesic on the ellipsoid), height (ground elevation,
 * a building's height from the obstacles service, the difference between
 * two points), polygon area (planar and geodesic), an elevation profile
 * along a line, and the line of sight between two points with its profile
 * chart. Key N cycles the modes (off, distance, area, profile, sight,
 * height); clicks add points, Backspace drops the last, Esc clears. The
 * scene may give "mode" and "points" (scene metres) so a report shows the
 * values without a mouse. */
#ifndef APP_MEASURE_H
#define APP_MEASURE_H

#include "app_layer.h"

extern const app_layer_kind app_measure_kind;

#endif
