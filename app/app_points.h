/* The points layer kind ("points"): markers standing on the ground at the
 * points of any OGR point source (GeoJSON, CSV with x/y columns, GPKG,
 * shapefile, any CRS), coloured by a numeric field on a ramp or one colour,
 * with an optional label; clicking one pins a panel of its attributes. Live
 * layers reuse the same drawing. */
#ifndef APP_POINTS_H
#define APP_POINTS_H

#include "app_layer.h"

extern const app_layer_kind app_points_kind;

#endif
