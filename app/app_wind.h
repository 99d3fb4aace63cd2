/* The wind layer kind ("wind"): particles advected on the GPU through a
 * wind field downscaled to the scene (terrain and buildings shape it, see
 * app_wind_solve.h), with fading trails coloured by speed, a legend in m/s
 * naming each field's own time and source, and presets (a "fields" list)
 * stepped through with C and a crossfade. */
#ifndef APP_WIND_H
#define APP_WIND_H

#include "app_layer.h"

extern const app_layer_kind app_wind_kind;

#endif
