/* Scene file parsing and validation. */
#include "app_scene.h"

#include "tw_sun.h"

#include "app_layer.h"

#include "tw_file.h"
#include "tw_json.h"
#include "tw_log.h"
#include "tw_utf8.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef app_cfg app__ctx;

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

#define app__fail       app_cfg_fail
#define app__opt_string app_cfg_string
#define app__opt_number app_cfg_number
#define app__opt_bool   app_cfg_bool
#define app__warn_key   app_cfg_warn_key
#define app__path       app_cfg_path

/* Appends a layer entry; cfg from the kind's parser. */
static bool app__add_entry(app__ctx *c, app_scene *s, const char *kind_name, json_object *o)
{
    app_layer_entry *grown = realloc(s->layers, (size_t)(s->layer_count + 1) * sizeof *grown);
    if (!grown) return app__fail(c, "layers", "is too large");
    s->layers = grown;
    app_layer_entry *e = &s->layers[s->layer_count];
    memset(e, 0, sizeof *e);
    e->kind_name = strdup(kind_name);
    e->kind = app_kind_find(kind_name);
    s->layer_count++;
    const char *name = tw_json_string(o, "name");
    e->name = app__dup(name);
    if (!e->kind) {
        c->warnings++;
        TW_WARN("scene", "%s: unknown layer kind \"%s\"; that layer is reported as an error",
                c->where, kind_name);
        return true;
    }
    e->cfg = e->kind->parse(c, o);
    return e->cfg != NULL;
}

/* "terrain" and "imagery": the imagery is draped on the terrain, so it goes
 * into the terrain's entry. */
static bool app__terrain(app__ctx *c, json_object *root, app_scene *s)
{
    json_object *t = tw_json_get(root, "terrain", json_type_object);
    if (!t) return app__fail(c, "terrain", "must be an object");
    json_object *im = NULL;
    if (tw_json_has(root, "imagery")) {
        im = tw_json_get(root, "imagery", json_type_object);
        if (!im) {
            c->where = "imagery";
            return app__fail(c, "imagery", "must be an object");
        }
    }
    json_object *copy = NULL;
    if (json_object_deep_copy(t, &copy, NULL) != 0) return app__fail(c, "terrain", "is too large");
    if (im) json_object_object_add(copy, "imagery", json_object_get(im));
    c->where = "terrain";
    bool ok = app__add_entry(c, s, "terrain", copy);
    json_object_put(copy);
    return ok;
}

static bool app__boundaries(app__ctx *c, json_object *arr, app_scene *s)
{
    int n = (int)json_object_array_length(arr);
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        app_cfg_at(c, "boundaries[%d]", i);
        if (!json_object_is_type(o, json_type_object))
            return app__fail(c, "boundaries", "entries must be objects");
        if (!app__add_entry(c, s, "boundaries", o)) return false;
    }
    return true;
}

/* The general form: [{ "kind": ..., ... }], drawn in order. */
static bool app__layers(app__ctx *c, json_object *arr, app_scene *s)
{
    int n = (int)json_object_array_length(arr);
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        app_cfg_at(c, "layers[%d]", i);
        if (!json_object_is_type(o, json_type_object))
            return app__fail(c, "layers", "entries must be objects");
        const char *kind = tw_json_string(o, "kind");
        if (!kind || !kind[0])
            return app__fail(c, "kind", "is missing (e.g. \"boundaries\", \"points\")");
        json_object *copy = NULL;
        if (json_object_deep_copy(o, &copy, NULL) != 0)
            return app__fail(c, "layers", "is too large");
        json_object_object_del(copy, "kind"); /* read here, not by the kind */
        bool ok = app__add_entry(c, s, kind, copy);
        json_object_put(copy);
        if (!ok) return false;
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
        if (!app_cfg_coords(c, o, "eye", b->eye, 3, "[x, y, z] in the scene CRS") ||
            !app_cfg_coords(c, o, "target", b->target, 3, "[x, y, z] in the scene CRS"))
            return false;
        tw_json_unknown_keys(o, known, app__warn_key, c);
    }
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
        !app__opt_string(c, o, "city", &t->city) || !app_cfg_year(c, o, &t->year) ||
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
    app_cfg c = {.dir = dir, .err = err, .n = n, .where = ""};
    bool ok = true;
    if (!json_object_is_type(root, json_type_object)) {
        snprintf(err, n, "the scene must be a JSON object, not %s", tw_json_type_name(root));
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    static const char *const known[] = {"name",      "name_en",        "crs",         "center",
                                        "time_zone", "terrain",        "imagery",     "boundaries",
                                        "bookmarks", "http_timeout_s", "description", "map",
                                        "tour",      "layers",         "time",        NULL};
    s->dir = app__dup(dir);
    ok = app__opt_string(&c, root, "name", &s->name) &&
         app__opt_string(&c, root, "name_en", &s->name_en) &&
         app__opt_string(&c, root, "crs", &s->crs) &&
         app__opt_number(&c, root, "http_timeout_s", &s->http_timeout_s, 1, 600);
    if (ok && tw_json_has(root, "description") && !tw_json_string(root, "description"))
        ok = app__fail(&c, "description", "must be a string");
    if (ok && tw_json_has(root, "center")) {
        double v[2];
        if (!app_cfg_numbers(&c, root, "center", v, 2, "[longitude, latitude] in degrees")) {
            ok = false;
        } else if (fabs(v[0]) > 180 || fabs(v[1]) > 90) {
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
    if (ok && tw_json_has(root, "time")) {
        double t, off;
        ok = app__opt_string(&c, root, "time", &s->time);
        if (ok && !tw_sun_parse_time(s->time, s->tz_offset_h, &t, &off))
            ok = app__fail(&c, "time",
                           "must be \"YYYY-MM-DDTHH:MM[:SS][+HH:MM]\" (local time without an "
                           "offset)");
    }
    if (ok && tw_json_has(root, "terrain")) {
        ok = app__terrain(&c, root, s);
        c.where = "";
    } else if (ok && tw_json_has(root, "imagery")) {
        c.warnings++;
        TW_WARN("scene", "\"imagery\" is draped on the terrain and there is no \"terrain\"; "
                         "the imagery is not shown");
    }
    if (ok && tw_json_has(root, "boundaries")) {
        json_object *a = tw_json_get(root, "boundaries", json_type_array);
        ok = a ? app__boundaries(&c, a, s) : app__fail(&c, "boundaries", "must be an array");
        c.where = "";
    }
    if (ok && tw_json_has(root, "map")) {
        json_object *m = tw_json_get(root, "map", json_type_object);
        c.where = "map";
        ok = m ? app__add_entry(&c, s, "map", m) : app__fail(&c, "map", "must be an object");
        c.where = "";
    }
    if (ok && tw_json_has(root, "layers")) {
        json_object *a = tw_json_get(root, "layers", json_type_array);
        ok = a ? app__layers(&c, a, s) : app__fail(&c, "layers", "must be an array");
        c.where = "";
    }
    if (ok && tw_json_has(root, "bookmarks")) {
        json_object *a = tw_json_get(root, "bookmarks", json_type_array);
        ok = a ? app__bookmarks(&c, a, s) : app__fail(&c, "bookmarks", "must be an array");
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
    if (r == TW_ERR_TOOBIG) {
        tw_file_toobig_str(APP_SCENE_MAX_BYTES, err, n);
        return r;
    }
    if (r != TW_OK) {
        snprintf(err, n, "cannot read scene file");
        return r;
    }
    /* Bytes that are not UTF-8 (a Latin-1 name, a path on a legacy file
     * system) still load; the report writes them as U+FFFD. */
    size_t bad = tw_utf8_invalid_at(text, len);
    if (bad < len) {
        int line = 1;
        for (size_t i = 0; i < bad; i++) line += text[i] == '\n';
        TW_WARN("scene", "%s: line %d: bytes that are not UTF-8 (the report shows them as U+FFFD)",
                path, line);
    }
    char dir[PATH_MAX];
    tw_path_dirname(path, dir, sizeof dir);
    r = app_scene_parse(text, len, dir, out, err, n);
    free(text);
    if (r == TW_OK) out->path = strdup(path);
    return r;
}

void app_scene_free(app_scene *s)
{
    free(s->path);
    free(s->dir);
    free(s->name);
    free(s->name_en);
    free(s->time);
    free(s->crs);
    free(s->tz_label);
    for (int i = 0; i < s->layer_count; i++) {
        app_layer_entry *e = &s->layers[i];
        if (e->kind && e->cfg) e->kind->cfg_free(e->cfg);
        free(e->kind_name);
        free(e->name);
    }
    free(s->layers);
    for (int i = 0; i < s->bookmark_count; i++) free(s->bookmarks[i].name);
    free(s->bookmarks);
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

app_scene *app_scene_open(const char *path, char *err, size_t n)
{
    app_scene *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    if (app_scene_load(path, s, err, n) != TW_OK) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    return s;
}

app_scene *app_scene_hold(app_scene *s)
{
    if (s) s->refs++;
    return s;
}

void app_scene_close(app_scene *s)
{
    if (!s || --s->refs > 0) return;
    app_scene_free(s);
    free(s);
}

const app_bookmark *app_scene_bookmark(const app_scene *s, const char *name)
{
    for (int i = 0; i < s->bookmark_count; i++)
        if (strcmp(s->bookmarks[i].name, name) == 0) return &s->bookmarks[i];
    return NULL;
}

const app_layer_entry *app_scene_find(const app_scene *s, const char *kind)
{
    for (int i = 0; i < s->layer_count; i++)
        if (strcmp(s->layers[i].kind_name, kind) == 0) return &s->layers[i];
    return NULL;
}

const app_source *app_scene_center_source(const app_scene *s)
{
    for (int i = 0; i < s->layer_count; i++) {
        const app_layer_entry *e = &s->layers[i];
        const app_source *src =
            e->kind && e->cfg && e->kind->cfg_source ? e->kind->cfg_source(e->cfg) : NULL;
        if (src && src->path) return src;
    }
    return NULL;
}
