/* The live layer kinds "sensors" and "parking": a polled feed (GeoJSON,
 * NGSI-LD, SensorThings or the Seoul Open API) drawn as markers coloured by
 * value, with the layer's status following the feed (ok, stale, error). */
#ifndef APP_LIVE_H
#define APP_LIVE_H

#include "app_layer.h"

extern const app_layer_kind app_sensors_kind;
extern const app_layer_kind app_parking_kind;

#endif
