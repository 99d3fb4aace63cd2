/* The status of every layer of a scene, as the HUD, the progress bar and
 * the --report file show it. */
#ifndef APP_LAYER_H
#define APP_LAYER_H

#include "geo_vector.h"
#include "tw_log.h"

#include <stdbool.h>

typedef enum app_layer_status {
    APP_LAYER_LOADING,
    APP_LAYER_OK,
    APP_LAYER_ERROR,
    APP_LAYER_STALE,
} app_layer_status;

typedef struct app_layer {
    char name[128];
    const char *kind; /* the scene file's kind name: "terrain", "boundaries", ... */
    char source[1024];
    app_layer_status status;
    long features; /* features or entities shown; pixels for rasters */
    geo_skips skipped;
    char error[512];
    double t_start, load_ms;
    char attribution[256];
    bool attribution_given;
} app_layer;

void app_layer_begin(app_layer *l, const char *kind, const char *name, const char *source,
                     const char *attribution, double now);
/* Marks the layer failed and logs one line: "[kind] SOURCE: what". */
void app_layer_fail(app_layer *l, double now, const char *fmt, ...) TW_PRINTF(3, 4);
void app_layer_ok(app_layer *l, double now, long features);
const char *app_layer_status_str(app_layer_status s);

#endif
