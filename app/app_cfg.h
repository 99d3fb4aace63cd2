/* Reading a scene file's objects: the helpers every layer kind uses to parse
 * and validate its own keys, so that all kinds report errors the same way
 * ("boundaries[1]: "color" must be ...") and warn about unknown keys once. */
#ifndef APP_CFG_H
#define APP_CFG_H

#include <json.h>
#include <stdbool.h>
#include <stddef.h>

/* Where a value is read: the scene's folder (relative paths), the key path
 * for messages, and the error buffer. */
typedef struct app_cfg {
    const char *dir;
    char *err;
    size_t n;
    const char *where; /* key path, e.g. "boundaries[1]"; "" at the top */
    char where_buf[64];
    int warnings;
} app_cfg;

/* A file or GDAL source with the keys every source may carry. */
typedef struct app_source {
    char *path; /* resolved against the scene's folder */
    char *layer, *where, *source_crs, *encoding;
    bool has_nodata;
    double nodata;
    char *attribution; /* shown on screen; NULL: not given */
} app_source;

/* Sets the key path for messages ("layers[2]"). */
void app_cfg_at(app_cfg *c, const char *fmt, int index);
/* Records err ("WHERE: "key" what") and returns false. */
bool app_cfg_fail(app_cfg *c, const char *key, const char *what);
/* Warns about a key nobody reads (also a tw_json_unknown_keys callback). */
void app_cfg_warn_key(const char *key, void *cfg);
/* Warns about keys of o in neither list (either may be NULL). */
void app_cfg_unknown(app_cfg *c, json_object *o, const char *const *a, const char *const *b);

/* Optional members: absent leaves *out as it is, the wrong type is an error. */
bool app_cfg_string(app_cfg *c, json_object *o, const char *key, char **out);
bool app_cfg_number(app_cfg *c, json_object *o, const char *key, double *out, double lo, double hi);
/* An array of exactly n finite numbers; shape (e.g. "[x, y, z]") is for
 * the message. json-c reads 1e400 as infinity: that is an error here. */
bool app_cfg_numbers(app_cfg *c, json_object *o, const char *key, double *out, int n,
                     const char *shape);
/* Scene coordinates: app_cfg_numbers, each within APP_CFG_MAX_COORD metres
 * of the origin (far beyond any CRS's area on Earth; larger values hang
 * nothing, but show nothing either, so they are a mistake in the file). */
#define APP_CFG_MAX_COORD 1e8
bool app_cfg_coords(app_cfg *c, json_object *o, const char *key, double *out, int n,
                    const char *shape);
bool app_cfg_bool(app_cfg *c, json_object *o, const char *key, bool *out);
/* [r, g, b] or [r, g, b, a], each 0..1. */
bool app_cfg_color(app_cfg *c, json_object *o, const char *key, float out[4]);
/* "year": an integer year, or "all" (0). */
bool app_cfg_year(app_cfg *c, json_object *o, int *out);
/* A path resolved against the scene's folder. */
bool app_cfg_path(app_cfg *c, json_object *o, const char *key, bool required, char **out);
/* "source" and the common source keys; keys neither common nor in
 * extra_keys are warned about. */
bool app_cfg_source(app_cfg *c, json_object *o, app_source *s, const char *const *extra_keys);
/* The common keys of every source, NULL-terminated. */
extern const char *const app_cfg_source_keys[];

void app_source_free(app_source *s);

#endif
