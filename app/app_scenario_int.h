/* The scenario layer's parts: its items and the GeoJSON they are kept in
 * (app_scenario_io.c, worker threads). */
#ifndef APP_SCENARIO_INT_H
#define APP_SCENARIO_INT_H

#include "geo_crs.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

#define APP_SC_MAX_POINTS 256
#define APP_SC_MAX_ITEMS  10000

typedef enum app_sc_op { APP_SC_ADD, APP_SC_RAISE, APP_SC_REMOVE } app_sc_op;

typedef struct app_sc_item {
    app_sc_op op;
    char name[128];
    char layer[128]; /* raise, remove: the buildings layer, "" any */
    long fid;        /* raise, remove */
    double height_m; /* add, raise: above the base */
    double floors;   /* as given, NAN when the height was */
    int n;           /* add: footprint, scene metres, outer ring not closed */
    double xy[2 * APP_SC_MAX_POINTS];
} app_sc_item;

typedef struct app_sc_list {
    app_sc_item *items;
    int count, cap;
} app_sc_list;

app_sc_item *app_sc_push(app_sc_list *l);
void app_sc_list_free(app_sc_list *l);
bool app_sc_list_copy(app_sc_list *dst, const app_sc_list *src);

/* Reads a scenario GeoJSON (RFC 7946 lon/lat): features with properties
 * "op" ("add", the default for a geometry; "raise"; "remove"), "name",
 * "layer", "fid", "height_m" or "floors" (times floor_m); an added
 * building is a Polygon (its outer ring) or a Point with "size_m"
 * [width, depth] (default 30 x 30). A missing file is TW_ERR_IO (a new
 * scenario); any other failure names the file (and the feature). */
tw_result app_sc_load(const char *path, const geo_frame *frame, double floor_m, app_sc_list *out,
                      char *err, size_t n);
/* The same from text (path only names it in messages). */
tw_result app_sc_parse(const char *text, size_t len, const char *path, const geo_frame *frame,
                       double floor_m, app_sc_list *out, char *err, size_t n);
/* Writes the items as such a GeoJSON. */
tw_result app_sc_save(const char *path, const geo_frame *frame, const app_sc_list *l, char *err,
                      size_t n);

#endif
