/* The buildings layer kind ("buildings"): footprints of any OGR polygon
 * source extruded to their heights (a height field, floors x floor height,
 * or a default), standing on the scene's ground, coloured by height, by a
 * field's classes or in one colour; clicking one pins its attributes. */
#ifndef APP_BUILDINGS_H
#define APP_BUILDINGS_H

#include "app_layer.h"

extern const app_layer_kind app_buildings_kind;

#endif
