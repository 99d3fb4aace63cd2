/* Scene files (ARCHITECTURE.md: "Scene file"): what a view shows. Paths in
 * the file are relative to the file; any GDAL path works. Unknown keys are
 * warnings; a known key of the wrong type is an error naming the key. */
#ifndef APP_SCENE_H
#define APP_SCENE_H

#include "app_cfg.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

#define APP_SCENE_MAX_BYTES (16u * 1024u * 1024u)

typedef struct app_layer_kind app_layer_kind;

/* One entry of the scene's layers, in drawing order. */
typedef struct app_layer_entry {
    const app_layer_kind *kind; /* NULL: a kind this version does not know */
    char *kind_name;
    char *name; /* "name" of the entry, may be NULL */
    void *cfg;  /* the kind's own config */
} app_layer_entry;

typedef struct app_bookmark {
    char *name;
    double eye[3], target[3]; /* scene CRS metres */
} app_bookmark;

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
    char *time; /* "time": the analysis time (sun), ISO 8601; NULL: the clock */
    double http_timeout_s;
    app_layer_entry *layers; /* shorthand keys first: terrain, boundaries, map; then "layers" */
    int layer_count;
    app_bookmark *bookmarks;
    int bookmark_count;
    app_tour_stop *tour;
    int tour_count;
    int warnings; /* unknown keys and the like */
    int refs;     /* app_scene_open / hold / close */
} app_scene;

/* Reads and checks a scene file. err gets one line without the path. */
tw_result app_scene_load(const char *path, app_scene *out, char *err, size_t n);
/* The same from memory; dir resolves relative paths (fuzzing, tests). */
tw_result app_scene_parse(const char *text, size_t len, const char *dir, app_scene *out, char *err,
                          size_t n);
void app_scene_free(app_scene *s);
/* The same on the heap, shared by reference (main thread): one parse per
 * load, whoever needs the scene holds it. NULL and err on failure. */
app_scene *app_scene_open(const char *path, char *err, size_t n);
app_scene *app_scene_hold(app_scene *s);
void app_scene_close(app_scene *s);
const app_bookmark *app_scene_bookmark(const app_scene *s, const char *name);
/* The first entry of a kind (by scene name), or NULL. */
const app_layer_entry *app_scene_find(const app_scene *s, const char *kind);
/* The source that centres a geographic scene's local frame, or NULL. */
const app_source *app_scene_center_source(const app_scene *s);

#endif
