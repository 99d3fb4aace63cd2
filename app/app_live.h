/* The live layer kinds "sensors", "parking" and "traffic": a polled feed (GeoJSON,
 * NGSI-LD, SensorThings or the Seoul Open API) drawn as markers coloured by
 * value, with the layer's status following the feed (ok, stale, error). */
#ifndef APP_LIVE_H
#define APP_LIVE_H

#include "app_cli.h"
#include "app_layer.h"

#include <stdbool.h>
#include <stddef.h>

extern const app_layer_kind app_sensors_kind;
extern const app_layer_kind app_parking_kind;
extern const app_layer_kind app_traffic_kind;

/* Before the first scene: --record / --replay for every live feed, and the
 * demo feed server's mode (app_feedsim). False with a message in err. */
bool app_live_start(const app_options *opt, char *err, size_t n);
/* At exit, after the last scene and before the worker pool is destroyed:
 * ends the live layers' background thread (app_live_bg.c). */
void app_live_bg_stop(void);

#endif
