/* The viewshed layer kind ("viewshed", 가시권): what an observer standing
 * on the ground sees within a radius, terrain and the scene's obstacles
 * (buildings) blocking, computed on a worker (tw_viewshed) and shown as a
 * tint draped over everything visible. Key V picks the observer up: it
 * then follows the mouse (a coarse pass first, then the full one) until a
 * click puts it down. "export" writes the result as a GeoTIFF: without
 * "resolution_m" on the DEM's own grid (same size and geotransform). */
#ifndef APP_VIEWSHED_H
#define APP_VIEWSHED_H

#include "app_layer.h"

extern const app_layer_kind app_viewshed_kind;

#endif
