/* Scene file parsing and validation. */
#include "app_scene.h"

#include "tw_file.h"
#include "tw_json.h"
#include "tw_log.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct app__ctx {
    const char *dir;
    char *err;
    size_t n;
    const char *where; /* key path for messages, e.g. "boundaries[1]" */
    char where_buf[64];
    int warnings;
} app__ctx;

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void app__warn_key(const char *key, void *user)
{
    app__ctx *c = user;
    c->warnings++;
    static const char *const later[] = {"buildings", "layers", NULL};
    for (const char *const *p = later; *p; p++)
        if (strcmp(key, *p) == 0) {
            TW_WARN("scene", "%s\"%s\" is not supported by this version yet; ignored",
                    c->where[0] ? c->where : "", key);
            return;
        }
    TW_WARN("scene", "unknown key \"%s\"%s%s; ignored", key, c->where[0] ? " in " : "", c->where);
}

static bool app__fail(app__ctx *c, const char *key, const char *what)
{
    snprintf(c->err, c->n, "%s%s\"%s\" %s", c->where, c->where[0] ? ": " : "", key, what);
    return false;
}

/* Optional string member: absent is fine, another type is an error. */
static bool app__opt_string(app__ctx *c, json_object *o, const char *key, char **out)
{
    if (!tw_json_has(o, key)) return true;
    const char *s = tw_json_string(o, key);
    if (!s) return app__fail(c, key, "must be a string");
    *out = strdup(s);
    return true;
}

static bool app__opt_number(app__ctx *c, json_object *o, const char *key, double *out, double lo,
                            double hi)
{
    if (!tw_json_has(o, key)) return true;
    double v;
    if (!tw_json_number(o, key, &v)) return app__fail(c, key, "must be a number");
    if (!(v >= lo && v <= hi)) {
        char what[96];
        snprintf(what, sizeof what, "must be between %g and %g", lo, hi);
        return app__fail(c, key, what);
    }
    *out = v;
    return true;
}

static bool app__opt_bool(app__ctx *c, json_object *o, const char *key, bool *out)
{
    if (!tw_json_has(o, key)) return true;
    json_object *v = tw_json_get(o, key, json_type_boolean);
    if (!v) return app__fail(c, key, "must be true or false");
    *out = json_object_get_boolean(v);
    return true;
}

static bool app__source(app__ctx *c, json_object *o, app_source *s, const char *const *extra_keys)
{
    static const char *const common[] = {"source",   "layer",  "where",       "source_crs",
                                         "encoding", "nodata", "attribution", NULL};
    const char *src = tw_json_string(o, "source");
    if (!src || !src[0]) return app__fail(c, "source", "is missing (a file path or GDAL path)");
    char path[PATH_MAX];
    tw_path_join(c->dir, src, path, sizeof path);
    s->path = strdup(path);
    if (!app__opt_string(c, o, "layer", &s->layer) || !app__opt_string(c, o, "where", &s->where) ||
        !app__opt_string(c, o, "source_crs", &s->source_crs) ||
        !app__opt_string(c, o, "encoding", &s->encoding) ||
        !app__opt_string(c, o, "attribution", &s->attribution))
        return false;
    if (tw_json_has(o, "nodata")) {
        if (!tw_json_number(o, "nodata", &s->nodata))
            return app__fail(c, "nodata", "must be a number");
        s->has_nodata = true;
    }
    /* Unknown keys: those neither common nor the caller's own. */
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        bool known = false;
        for (const char *const *k = common; *k && !known; k++) known = strcmp(*k, key) == 0;
        for (const char *const *k = extra_keys; k && *k && !known; k++)
            known = strcmp(*k, key) == 0;
        if (!known) app__warn_key(key, c);
    }
    return true;
}

static bool app__color(app__ctx *c, json_object *o, const char *key, float out[4])
{
    if (!tw_json_has(o, key)) return true;
    double v[4] = {0, 0, 0, 1};
    json_object *a = tw_json_get(o, key, json_type_array);
    int len = a ? (int)json_object_array_length(a) : 0;
    if (!a || (len != 3 && len != 4) || !tw_json_numbers(o, key, v, len))
        return app__fail(c, key, "must be [r, g, b] or [r, g, b, a] with values 0..1");
    for (int i = 0; i < 4; i++) out[i] = (float)fmin(fmax(v[i], 0), 1);
    return true;
}

static bool app__terrain(app__ctx *c, json_object *o, app_terrain_cfg *t)
{
    static const char *const extra[] = {"exaggeration", "hillshade", "tile_samples", NULL};
    c->where = "terrain";
    t->present = true;
    t->exaggeration = 1;
    double samples = 0;
    if (!app__source(c, o, &t->src, extra) ||
        !app__opt_number(c, o, "exaggeration", &t->exaggeration, 0.1, 100) ||
        !app__opt_bool(c, o, "hillshade", &t->hillshade) ||
        !app__opt_number(c, o, "tile_samples", &samples, 3, 257))
        return false;
    t->tile_samples = (int)samples;
    return true;
}

static bool app__boundaries(app__ctx *c, json_object *arr, app_scene *s)
{
    static const char *const extra[] = {"label_field", "label_field_en", "name",
                                        "color",       "width",          NULL};
    int n = (int)json_object_array_length(arr);
    s->boundaries = calloc(n > 0 ? (size_t)n : 1, sizeof *s->boundaries);
    if (!s->boundaries) return app__fail(c, "boundaries", "is too large");
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        snprintf(c->where_buf, sizeof c->where_buf, "boundaries[%d]", i);
        c->where = c->where_buf;
        if (!json_object_is_type(o, json_type_object))
            return app__fail(c, "boundaries", "entries must be objects");
        app_boundary_cfg *b = &s->boundaries[s->boundary_count++];
        b->color[0] = 1, b->color[1] = 1, b->color[2] = 1, b->color[3] = 0.9f;
        b->width_px = 1.5f;
        double width = b->width_px;
        if (!app__source(c, o, &b->src, extra) ||
            !app__opt_string(c, o, "label_field", &b->label_field) ||
            !app__opt_string(c, o, "label_field_en", &b->label_field_en) ||
            !app__opt_string(c, o, "name", &b->name) || !app__color(c, o, "color", b->color) ||
            !app__opt_number(c, o, "width", &width, 0.5, 20))
            return false;
        b->width_px = (float)width;
    }
    return true;
}

static bool app__bookmarks(app__ctx *c, json_object *arr, app_scene *s)
{
    static const char *const known[] = {"name", "eye", "target", NULL};
    int n = (int)json_object_array_length(arr);
    s->bookmarks = calloc(n > 0 ? (size_t)n : 1, sizeof *s->bookmarks);
    if (!s->bookmarks) return app__fail(c, "bookmarks", "is too large");
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        snprintf(c->where_buf, sizeof c->where_buf, "bookmarks[%d]", i);
        c->where = c->where_buf;
        if (!json_object_is_type(o, json_type_object))
            return app__fail(c, "bookmarks", "entries must be objects");
        const char *name = tw_json_string(o, "name");
        if (!name || !name[0]) return app__fail(c, "name", "is missing");
        app_bookmark *b = &s->bookmarks[s->bookmark_count++];
        b->name = strdup(name);
        if (!tw_json_numbers(o, "eye", b->eye, 3))
            return app__fail(c, "eye", "must be [x, y, z] in the scene CRS");
        if (!tw_json_numbers(o, "target", b->target, 3))
            return app__fail(c, "target", "must be [x, y, z] in the scene CRS");
        for (int k = 0; k < 3; k++)
            if (!isfinite(b->eye[k]) || !isfinite(b->target[k]))
                return app__fail(c, "eye", "must hold finite numbers");
        tw_json_unknown_keys(o, known, app__warn_key, c);
    }
    return true;
}

static bool app__path(app__ctx *c, json_object *o, const char *key, bool required, char **out)
{
    if (!tw_json_has(o, key))
        return required ? app__fail(c, key, "is missing (a file path)") : true;
    const char *v = tw_json_string(o, key);
    if (!v || !v[0]) return app__fail(c, key, "must be a file path");
    char path[PATH_MAX];
    tw_path_join(c->dir, v, path, sizeof path);
    *out = strdup(path);
    return true;
}

static bool app__map_source(app__ctx *c, json_object *root, const char *key, app_map_source *m)
{
    static const char *const extra[] = {"code_field", "label_field", "label_field_en", NULL};
    json_object *o = tw_json_get(root, key, json_type_object);
    if (!o) return app__fail(c, key, "must be an object with a \"source\"");
    return app__source(c, o, &m->src, extra) &&
           app__opt_string(c, o, "code_field", &m->code_field) &&
           app__opt_string(c, o, "label_field", &m->label_field) &&
           app__opt_string(c, o, "label_field_en", &m->label_field_en);
}

/* "year": an integer year or "all" (0). */
static bool app__year(app__ctx *c, json_object *o, int *out)
{
    if (!tw_json_has(o, "year")) return true;
    const char *all = tw_json_string(o, "year");
    double v;
    if (all && strcmp(all, "all") == 0) {
        *out = 0;
        return true;
    }
    if (!tw_json_number(o, "year", &v) || v != floor(v) || v < 1900 || v > 2200)
        return app__fail(c, "year", "must be a year such as 2021, or \"all\"");
    *out = (int)v;
    return true;
}

static bool app__twins(app__ctx *c, json_object *arr, app_map_cfg *m)
{
    static const char *const known[] = {"city", "scene", "bookmark", NULL};
    int n = (int)json_object_array_length(arr);
    m->twins = calloc(n > 0 ? (size_t)n : 1, sizeof *m->twins);
    if (!m->twins) return app__fail(c, "twins", "is too large");
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        snprintf(c->where_buf, sizeof c->where_buf, "map.twins[%d]", i);
        c->where = c->where_buf;
        if (!json_object_is_type(o, json_type_object))
            return app__fail(c, "twins", "entries must be objects");
        app_twin *t = &m->twins[m->twin_count++];
        const char *city = tw_json_string(o, "city");
        if (!city || !city[0]) return app__fail(c, "city", "is missing (name_ko of the city)");
        t->city = strdup(city);
        if (!app__path(c, o, "scene", true, &t->scene) ||
            !app__opt_string(c, o, "bookmark", &t->bookmark))
            return false;
        tw_json_unknown_keys(o, known, app__warn_key, c);
    }
    return true;
}

static bool app__map(app__ctx *c, json_object *o, app_map_cfg *m)
{
    static const char *const known[] = {"certifications", "scheme", "provinces", "municipalities",
                                        "year",           "twins",  "extrude",   NULL};
    c->where = "map";
    m->present = true;
    if (!app__path(c, o, "certifications", true, &m->certifications) ||
        !app__path(c, o, "scheme", true, &m->scheme) || !app__year(c, o, &m->year) ||
        !app__opt_bool(c, o, "extrude", &m->extrude))
        return false;
    if (!tw_json_has(o, "municipalities"))
        return app__fail(c, "municipalities", "is missing (the boundaries of the cities)");
    if (!app__map_source(c, o, "municipalities", &m->municipalities)) return false;
    c->where = "map";
    if (tw_json_has(o, "provinces") && !app__map_source(c, o, "provinces", &m->provinces))
        return false;
    c->where = "map";
    if (tw_json_has(o, "twins")) {
        json_object *a = tw_json_get(o, "twins", json_type_array);
        if (!a) return app__fail(c, "twins", "must be an array");
        if (!app__twins(c, a, m)) return false;
    }
    c->where = "map";
    tw_json_unknown_keys(o, known, app__warn_key, c);
    return true;
}

static bool app__tour_stop(app__ctx *c, json_object *o, app_tour_stop *t)
{
    static const char *const known[] = {"bookmark",   "scene",   "map",    "city",
                                        "year",       "twin",    "hold_s", "caption",
                                        "caption_en", "extrude", NULL};
    t->hold_s = 8;
    t->twin = true;
    t->extrude = -1;
    bool map = false, extrude = false;
    if (tw_json_has(o, "extrude")) {
        if (!app__opt_bool(c, o, "extrude", &extrude)) return false;
        t->extrude = extrude;
    }
    if (!app__opt_string(c, o, "bookmark", &t->bookmark) ||
        !app__path(c, o, "scene", false, &t->scene) || !app__opt_bool(c, o, "map", &map) ||
        !app__opt_string(c, o, "city", &t->city) || !app__year(c, o, &t->year) ||
        !app__opt_bool(c, o, "twin", &t->twin) ||
        !app__opt_number(c, o, "hold_s", &t->hold_s, 0, 3600) ||
        !app__opt_string(c, o, "caption", &t->caption) ||
        !app__opt_string(c, o, "caption_en", &t->caption_en))
        return false;
    if (t->city)
        t->kind = APP_STOP_CITY;
    else if (map)
        t->kind = APP_STOP_MAP;
    else if (t->scene)
        t->kind = APP_STOP_SCENE;
    else if (t->bookmark)
        t->kind = APP_STOP_BOOKMARK;
    else
        return app__fail(c, "tour", "stops need \"bookmark\", \"scene\", \"map\" or \"city\"");
    tw_json_unknown_keys(o, known, app__warn_key, c);
    return true;
}

static bool app__tour(app__ctx *c, json_object *arr, app_scene *s)
{
    int n = (int)json_object_array_length(arr);
    s->tour = calloc(n > 0 ? (size_t)n : 1, sizeof *s->tour);
    if (!s->tour) return app__fail(c, "tour", "is too large");
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        snprintf(c->where_buf, sizeof c->where_buf, "tour[%d]", i);
        c->where = c->where_buf;
        if (!json_object_is_type(o, json_type_object))
            return app__fail(c, "tour", "entries must be objects");
        if (!app__tour_stop(c, o, &s->tour[s->tour_count++])) return false;
    }
    return true;
}

tw_result app_scene_parse(const char *text, size_t len, const char *dir, app_scene *s, char *err,
                          size_t n)
{
    memset(s, 0, sizeof *s);
    s->tz_offset_h = 9;
    json_object *root = NULL;
    tw_result r = tw_json_parse(text, len, &root, err, n);
    if (r != TW_OK) return r;
    app__ctx c = {.dir = dir, .err = err, .n = n, .where = ""};
    bool ok = true;
    if (!json_object_is_type(root, json_type_object)) {
        snprintf(err, n, "the scene must be a JSON object, not %s", tw_json_type_name(root));
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    static const char *const known[] = {
        "name",        "name_en", "crs",        "center",    "time_zone",
        "terrain",     "imagery", "boundaries", "bookmarks", "http_timeout_s",
        "description", "map",     "tour",       NULL};
    s->dir = app__dup(dir);
    ok = app__opt_string(&c, root, "name", &s->name) &&
         app__opt_string(&c, root, "name_en", &s->name_en) &&
         app__opt_string(&c, root, "crs", &s->crs) &&
         app__opt_number(&c, root, "http_timeout_s", &s->http_timeout_s, 1, 600);
    if (ok && tw_json_has(root, "description") && !tw_json_string(root, "description"))
        ok = app__fail(&c, "description", "must be a string");
    if (ok && tw_json_has(root, "center")) {
        double v[2];
        if (!tw_json_numbers(root, "center", v, 2) || fabs(v[0]) > 180 || fabs(v[1]) > 90) {
            ok = app__fail(&c, "center", "must be [longitude, latitude] in degrees");
        } else {
            s->has_center = true;
            s->center_lon = v[0];
            s->center_lat = v[1];
        }
    }
    if (ok && tw_json_has(root, "time_zone")) {
        json_object *tz = tw_json_get(root, "time_zone", json_type_object);
        c.where = "time_zone";
        static const char *const tzk[] = {"label", "utc_offset_h", NULL};
        if (!tz)
            ok = app__fail(&c, "time_zone", "must be {\"label\": \"KST\", \"utc_offset_h\": 9}");
        else
            ok = app__opt_string(&c, tz, "label", &s->tz_label) &&
                 app__opt_number(&c, tz, "utc_offset_h", &s->tz_offset_h, -14, 14);
        if (ok) tw_json_unknown_keys(tz, tzk, app__warn_key, &c);
        c.where = "";
    }
    if (ok && tw_json_has(root, "terrain")) {
        json_object *t = tw_json_get(root, "terrain", json_type_object);
        ok = t ? app__terrain(&c, t, &s->terrain) : app__fail(&c, "terrain", "must be an object");
        c.where = "";
    }
    if (ok && tw_json_has(root, "imagery")) {
        json_object *t = tw_json_get(root, "imagery", json_type_object);
        c.where = "imagery";
        ok = t ? app__source(&c, t, &s->imagery, NULL)
               : app__fail(&c, "imagery", "must be an object");
        s->has_imagery = ok;
        c.where = "";
    }
    if (ok && tw_json_has(root, "boundaries")) {
        json_object *a = tw_json_get(root, "boundaries", json_type_array);
        ok = a ? app__boundaries(&c, a, s) : app__fail(&c, "boundaries", "must be an array");
        c.where = "";
    }
    if (ok && tw_json_has(root, "bookmarks")) {
        json_object *a = tw_json_get(root, "bookmarks", json_type_array);
        ok = a ? app__bookmarks(&c, a, s) : app__fail(&c, "bookmarks", "must be an array");
        c.where = "";
    }
    if (ok && tw_json_has(root, "map")) {
        json_object *m = tw_json_get(root, "map", json_type_object);
        ok = m ? app__map(&c, m, &s->map) : app__fail(&c, "map", "must be an object");
        c.where = "";
    }
    if (ok && tw_json_has(root, "tour")) {
        json_object *a = tw_json_get(root, "tour", json_type_array);
        ok = a ? app__tour(&c, a, s) : app__fail(&c, "tour", "must be an array");
        c.where = "";
    }
    if (ok) tw_json_unknown_keys(root, known, app__warn_key, &c);
    json_object_put(root);
    s->warnings = c.warnings;
    if (!ok) {
        app_scene_free(s);
        return TW_ERR_FORMAT;
    }
    if (s->has_imagery && !s->terrain.present) {
        TW_WARN("scene", "\"imagery\" is draped on the terrain and there is no \"terrain\"; "
                         "the imagery is not shown");
        s->warnings++;
    }
    if (!s->name) s->name = strdup("citytwin");
    if (!s->crs) s->crs = strdup("EPSG:5186");
    if (!s->tz_label) s->tz_label = strdup(s->tz_offset_h == 9 ? "KST" : "local");
    return TW_OK;
}

tw_result app_scene_load(const char *path, app_scene *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    if (!tw_file_exists(path)) {
        snprintf(err, n, "scene file not found");
        return TW_ERR_IO;
    }
    tw_result r = tw_file_read(path, APP_SCENE_MAX_BYTES, &text, &len);
    if (r != TW_OK) {
        snprintf(err, n, "%s",
                 r == TW_ERR_TOOBIG ? "scene file too large" : "cannot read scene file");
        return r;
    }
    char dir[PATH_MAX];
    tw_path_dirname(path, dir, sizeof dir);
    r = app_scene_parse(text, len, dir, out, err, n);
    free(text);
    if (r == TW_OK) out->path = strdup(path);
    return r;
}

static void app__source_free(app_source *s)
{
    free(s->path);
    free(s->layer);
    free(s->where);
    free(s->source_crs);
    free(s->encoding);
    free(s->attribution);
    memset(s, 0, sizeof *s);
}

static void app__map_source_free(app_map_source *m)
{
    app__source_free(&m->src);
    free(m->code_field);
    free(m->label_field);
    free(m->label_field_en);
}

static void app__map_free(app_map_cfg *m)
{
    free(m->certifications);
    free(m->scheme);
    app__map_source_free(&m->provinces);
    app__map_source_free(&m->municipalities);
    for (int i = 0; i < m->twin_count; i++) {
        free(m->twins[i].city);
        free(m->twins[i].scene);
        free(m->twins[i].bookmark);
    }
    free(m->twins);
}

void app_scene_free(app_scene *s)
{
    free(s->path);
    free(s->dir);
    free(s->name);
    free(s->name_en);
    free(s->crs);
    free(s->tz_label);
    app__source_free(&s->terrain.src);
    app__source_free(&s->imagery);
    for (int i = 0; i < s->boundary_count; i++) {
        app__source_free(&s->boundaries[i].src);
        free(s->boundaries[i].name);
        free(s->boundaries[i].label_field);
        free(s->boundaries[i].label_field_en);
    }
    free(s->boundaries);
    for (int i = 0; i < s->bookmark_count; i++) free(s->bookmarks[i].name);
    free(s->bookmarks);
    app__map_free(&s->map);
    for (int i = 0; i < s->tour_count; i++) {
        app_tour_stop *t = &s->tour[i];
        free(t->bookmark);
        free(t->scene);
        free(t->city);
        free(t->caption);
        free(t->caption_en);
    }
    free(s->tour);
    memset(s, 0, sizeof *s);
}

const app_bookmark *app_scene_bookmark(const app_scene *s, const char *name)
{
    for (int i = 0; i < s->bookmark_count; i++)
        if (strcmp(s->bookmarks[i].name, name) == 0) return &s->bookmarks[i];
    return NULL;
}

const app_twin *app_scene_twin(const app_scene *s, const char *city)
{
    for (int i = 0; city && i < s->map.twin_count; i++)
        if (strcmp(s->map.twins[i].city, city) == 0) return &s->map.twins[i];
    return NULL;
}
