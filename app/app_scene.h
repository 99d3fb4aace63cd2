/* Scene files (ARCHITECTURE.md: "Scene file"): what a view shows. Paths in
 * the file are relative to the file; any GDAL path works. Unknown keys are
 * warnings; a known key of the wrong type is an error naming the key. */
#ifndef APP_SCENE_H
#define APP_SCENE_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

#define APP_SCENE_MAX_BYTES (16u * 1024u * 1024u)

typedef struct app_source {
    char *path; /* resolved against the scene's folder */
    char *layer, *where, *source_crs, *encoding;
    bool has_nodata;
    double nodata;
    char *attribution; /* shown on screen; NULL: not given */
} app_source;

typedef struct app_terrain_cfg {
    bool present;
    app_source src;
    double exaggeration; /* default 1 */
    bool hillshade;
    int tile_samples; /* 0: default */
} app_terrain_cfg;

typedef struct app_boundary_cfg {
    app_source src;
    char *name;
    char *label_field, *label_field_en;
    float color[4];
    float width_px;
} app_boundary_cfg;

typedef struct app_bookmark {
    char *name;
    double eye[3], target[3]; /* scene CRS metres */
} app_bookmark;

/* A certified city that has a twin scene ("fly into the twin"). */
typedef struct app_twin {
    char *city;     /* name_ko as in the certification file */
    char *scene;    /* resolved path */
    char *bookmark; /* may be NULL: frame the data */
} app_twin;

typedef struct app_map_source {
    app_source src;
    char *code_field, *label_field, *label_field_en;
} app_map_source;

/* The national certification map ("map" in a scene). */
typedef struct app_map_cfg {
    bool present;
    char *certifications, *scheme; /* resolved paths */
    app_map_source provinces, municipalities;
    int year;     /* shown first; 0: all years */
    bool extrude; /* start in 3D (B toggles) */
    app_twin *twins;
    int twin_count;
} app_map_cfg;

typedef enum app_stop_kind {
    APP_STOP_BOOKMARK, /* a bookmark of the tour's own scene */
    APP_STOP_MAP,      /* the national map, a year or all */
    APP_STOP_CITY,     /* a certified city on the map, its card, then its twin */
    APP_STOP_SCENE,    /* another scene file, at a bookmark */
} app_stop_kind;

typedef struct app_tour_stop {
    app_stop_kind kind;
    char *bookmark, *scene, *city, *caption, *caption_en;
    int year;    /* map stops; 0: all years */
    bool twin;   /* city stops: fly into the twin where there is one (default) */
    int extrude; /* map and city stops: -1 leave as is, 0 flat, 1 3D */
    double hold_s;
} app_tour_stop;

typedef struct app_scene {
    char *path, *dir;
    char *name, *name_en;
    char *crs; /* default EPSG:5186 */
    bool has_center;
    double center_lon, center_lat;
    char *tz_label;
    double tz_offset_h;
    double http_timeout_s;
    app_terrain_cfg terrain;
    bool has_imagery;
    app_source imagery;
    app_boundary_cfg *boundaries;
    int boundary_count;
    app_bookmark *bookmarks;
    int bookmark_count;
    app_map_cfg map;
    app_tour_stop *tour;
    int tour_count;
    int warnings; /* unknown keys and the like */
} app_scene;

/* Reads and checks a scene file. err gets one line without the path. */
tw_result app_scene_load(const char *path, app_scene *out, char *err, size_t n);
/* The same from memory; dir resolves relative paths (fuzzing, tests). */
tw_result app_scene_parse(const char *text, size_t len, const char *dir, app_scene *out, char *err,
                          size_t n);
void app_scene_free(app_scene *s);
const app_bookmark *app_scene_bookmark(const app_scene *s, const char *name);
const app_twin *app_scene_twin(const app_scene *s, const char *city);

#endif
