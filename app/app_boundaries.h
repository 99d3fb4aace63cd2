/* The boundaries layer kind ("boundaries"): polygon and line outlines from
 * any OGR source, loaded on a worker, drawn draped on the ground, with one
 * label per feature. */
#ifndef APP_BOUNDARIES_H
#define APP_BOUNDARIES_H

#include "app_layer.h"

extern const app_layer_kind app_boundaries_kind;

#endif
