/* The national smart city certification map, a layer kind ("map"):
 * municipalities filled by the status and grade of their certification in a
 * year (or by the number of certifications over all years), province
 * outlines, labels of certified cities, and the panels of app_mapui (legend,
 * year strip, summary, tooltip, card). Everything loads on one worker job;
 * the map shows what is valid of it. The app_certmap_* calls below are for
 * the tour, which plays the map. */
#ifndef APP_CERTMAP_H
#define APP_CERTMAP_H

#include "app_layer.h"
#include "geo_cert.h"

typedef struct app_map_source {
    app_source src;
    char *code_field, *label_field, *label_field_en;
} app_map_source;

/* A certified city that has a twin scene ("fly into the twin"). */
typedef struct app_twin {
    char *city;     /* name_ko as in the certification file */
    char *scene;    /* resolved path */
    char *bookmark; /* may be NULL: frame the data */
} app_twin;

typedef struct app_map_cfg {
    char *certifications, *scheme; /* resolved paths */
    app_map_source provinces, municipalities;
    int year;     /* shown first; 0: all years */
    bool extrude; /* start in 3D (B toggles) */
    app_twin *twins;
    int twin_count;
} app_map_cfg;

extern const app_layer_kind app_map_kind;

/* Scene file (app_certmap_cfg.c): reads a "map" object; frees it. */
void *app_map_cfg_parse(app_cfg *c, json_object *o);
void app_map_cfg_free(void *cfg);
/* The twin of a city in a map's config, or NULL. */
const app_twin *app_map_cfg_twin(const app_map_cfg *cfg, const char *city);

typedef struct app_certmap app_certmap;

/* The map of a layer, or NULL when the layer is not a map. */
app_certmap *app_certmap_of(app_layer *l);
const app_twin *app_certmap_twin(const app_certmap *m, const char *city);

bool app_certmap_extent(const app_certmap *m, double ext[4]);
/* NULL until the certification file has loaded. */
const geo_cert_db *app_certmap_db(const app_certmap *m);

/* Year shown; 0 is "all years". Stepping walks the scheme's years then all. */
int app_certmap_year(const app_certmap *m);
void app_certmap_set_year(app_certmap *m, int year);
void app_certmap_step_year(app_certmap *m, int dir);

/* 3D: each municipality raised by its city's number of certifications. */
bool app_certmap_extruded(const app_certmap *m);
void app_certmap_set_extrude(app_certmap *m, bool on);

/* The certified city at scene point (x, y) in the year shown, -1 none;
 * *admin_code (may be NULL) gets the municipality's code, or NULL. */
int app_certmap_pick(const app_certmap *m, double x, double y, const char **admin_code);
int app_certmap_city_by_name(const app_certmap *m, const char *name_ko);
/* Centre and radius (metres) of a city's municipalities, for the camera. */
bool app_certmap_city_area(const app_certmap *m, int city, double center[2], double *radius);
void app_certmap_hover(app_certmap *m, int city);
void app_certmap_select(app_certmap *m, int city);
int app_certmap_selected(const app_certmap *m);

#endif
