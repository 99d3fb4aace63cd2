/* Scene-file value readers shared by the scene and every layer kind. */
#include "app_cfg.h"

#include "tw_file.h"
#include "tw_json.h"
#include "tw_log.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const app_cfg_source_keys[] = {
    "source", "layer", "where", "source_crs", "encoding", "nodata", "attribution", "name", NULL};

void app_cfg_at(app_cfg *c, const char *fmt, int index)
{
    snprintf(c->where_buf, sizeof c->where_buf, fmt, index);
    c->where = c->where_buf;
}

void app_cfg_warn_key(const char *key, void *user)
{
    app_cfg *c = user;
    c->warnings++;
    if (strcmp(key, "buildings") == 0) {
        TW_WARN("scene", "%s\"%s\" is not supported by this version yet; ignored",
                c->where[0] ? c->where : "", key);
        return;
    }
    TW_WARN("scene", "unknown key \"%s\"%s%s; ignored", key, c->where[0] ? " in " : "", c->where);
}

static bool app__listed(const char *const *list, const char *key)
{
    for (const char *const *k = list; k && *k; k++)
        if (strcmp(*k, key) == 0) return true;
    return false;
}

void app_cfg_unknown(app_cfg *c, json_object *o, const char *const *a, const char *const *b)
{
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        if (!app__listed(a, key) && !app__listed(b, key)) app_cfg_warn_key(key, c);
    }
}

bool app_cfg_fail(app_cfg *c, const char *key, const char *what)
{
    snprintf(c->err, c->n, "%s%s\"%s\" %s", c->where, c->where[0] ? ": " : "", key, what);
    return false;
}

bool app_cfg_string(app_cfg *c, json_object *o, const char *key, char **out)
{
    if (!tw_json_has(o, key)) return true;
    const char *s = tw_json_string(o, key);
    if (!s) return app_cfg_fail(c, key, "must be a string");
    free(*out);
    *out = strdup(s);
    return true;
}

bool app_cfg_number(app_cfg *c, json_object *o, const char *key, double *out, double lo, double hi)
{
    if (!tw_json_has(o, key)) return true;
    double v;
    if (!tw_json_number(o, key, &v)) return app_cfg_fail(c, key, "must be a number");
    if (!isfinite(v)) return app_cfg_fail(c, key, "must be a finite number");
    if (!(v >= lo && v <= hi)) {
        char what[96];
        snprintf(what, sizeof what, "must be between %g and %g", lo, hi);
        return app_cfg_fail(c, key, what);
    }
    *out = v;
    return true;
}

bool app_cfg_numbers(app_cfg *c, json_object *o, const char *key, double *out, int n,
                     const char *shape)
{
    char what[160];
    snprintf(what, sizeof what, "must be %s", shape);
    if (!tw_json_numbers(o, key, out, n)) return app_cfg_fail(c, key, what);
    for (int i = 0; i < n; i++)
        if (!isfinite(out[i])) {
            snprintf(what, sizeof what, "must be %s, each a finite number", shape);
            return app_cfg_fail(c, key, what);
        }
    return true;
}

bool app_cfg_coords(app_cfg *c, json_object *o, const char *key, double *out, int n,
                    const char *shape)
{
    if (!app_cfg_numbers(c, o, key, out, n, shape)) return false;
    for (int i = 0; i < n; i++)
        if (fabs(out[i]) > APP_CFG_MAX_COORD) {
            char what[200];
            snprintf(what, sizeof what, "must be %s within %g m of the scene origin (got %g)",
                     shape, APP_CFG_MAX_COORD, out[i]);
            return app_cfg_fail(c, key, what);
        }
    return true;
}

bool app_cfg_bool(app_cfg *c, json_object *o, const char *key, bool *out)
{
    if (!tw_json_has(o, key)) return true;
    json_object *v = tw_json_get(o, key, json_type_boolean);
    if (!v) return app_cfg_fail(c, key, "must be true or false");
    *out = json_object_get_boolean(v);
    return true;
}

bool app_cfg_color(app_cfg *c, json_object *o, const char *key, float out[4])
{
    if (!tw_json_has(o, key)) return true;
    double v[4] = {0, 0, 0, 1};
    json_object *a = tw_json_get(o, key, json_type_array);
    int len = a ? (int)json_object_array_length(a) : 0;
    const char *shape = "[r, g, b] or [r, g, b, a] with values 0..1";
    if (!a || (len != 3 && len != 4)) {
        char what[96];
        snprintf(what, sizeof what, "must be %s", shape);
        return app_cfg_fail(c, key, what);
    }
    if (!app_cfg_numbers(c, o, key, v, len, shape)) return false;
    for (int i = 0; i < 4; i++) out[i] = (float)fmin(fmax(v[i], 0), 1);
    return true;
}

bool app_cfg_path(app_cfg *c, json_object *o, const char *key, bool required, char **out)
{
    if (!tw_json_has(o, key))
        return required ? app_cfg_fail(c, key, "is missing (a file path)") : true;
    const char *v = tw_json_string(o, key);
    if (!v || !v[0]) return app_cfg_fail(c, key, "must be a file path");
    char path[PATH_MAX];
    tw_path_join(c->dir, v, path, sizeof path);
    free(*out);
    *out = strdup(path);
    return true;
}

bool app_cfg_source(app_cfg *c, json_object *o, app_source *s, const char *const *extra_keys)
{
    const char *src = tw_json_string(o, "source");
    if (!src || !src[0]) return app_cfg_fail(c, "source", "is missing (a file path or GDAL path)");
    char path[PATH_MAX];
    tw_path_join(c->dir, src, path, sizeof path);
    s->path = strdup(path);
    if (!app_cfg_string(c, o, "layer", &s->layer) || !app_cfg_string(c, o, "where", &s->where) ||
        !app_cfg_string(c, o, "source_crs", &s->source_crs) ||
        !app_cfg_string(c, o, "encoding", &s->encoding) ||
        !app_cfg_string(c, o, "attribution", &s->attribution))
        return false;
    if (tw_json_has(o, "nodata")) {
        if (!tw_json_number(o, "nodata", &s->nodata))
            return app_cfg_fail(c, "nodata", "must be a number");
        /* json-c reads 1e400 as infinity, which would match no sample. */
        if (!isfinite(s->nodata)) return app_cfg_fail(c, "nodata", "must be a finite number");
        s->has_nodata = true;
    }
    app_cfg_unknown(c, o, app_cfg_source_keys, extra_keys);
    return true;
}

void app_source_free(app_source *s)
{
    free(s->path);
    free(s->layer);
    free(s->where);
    free(s->source_crs);
    free(s->encoding);
    free(s->attribution);
    memset(s, 0, sizeof *s);
}

bool app_cfg_year(app_cfg *c, json_object *o, int *out)
{
    if (!tw_json_has(o, "year")) return true;
    const char *all = tw_json_string(o, "year");
    double v;
    if (all && strcmp(all, "all") == 0) {
        *out = 0;
        return true;
    }
    if (!tw_json_number(o, "year", &v) || v != floor(v) || v < 1900 || v > 2200)
        return app_cfg_fail(c, "year", "must be a year such as 2021, or \"all\"");
    *out = (int)v;
    return true;
}
