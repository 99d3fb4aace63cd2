/* Scenario GeoJSON: reading and writing (see app_scenario_int.h). */
#include "app_scenario_int.h"

#include "tw_file.h"
#include "tw_json.h"

#include <errno.h>
#include <sys/stat.h>

#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

app_sc_item *app_sc_push(app_sc_list *l)
{
    if (l->count == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        app_sc_item *it = realloc(l->items, (size_t)cap * sizeof *it);
        if (!it) return NULL;
        l->items = it, l->cap = cap;
    }
    app_sc_item *it = &l->items[l->count++];
    memset(it, 0, sizeof *it);
    it->floors = NAN;
    it->fid = -1;
    return it;
}

void app_sc_list_free(app_sc_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

bool app_sc_list_copy(app_sc_list *dst, const app_sc_list *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src->count) return true;
    dst->items = malloc((size_t)src->count * sizeof *dst->items);
    if (!dst->items) return false;
    memcpy(dst->items, src->items, (size_t)src->count * sizeof *dst->items);
    dst->count = dst->cap = src->count;
    return true;
}

static bool app__fail(char *err, size_t n, const char *path, int f, const char *what)
{
    snprintf(err, n, "%s: feature %d: %s", path, f, what);
    return false;
}

/* One feature into an item; false (err set) when it is malformed. */
static bool app__feature(json_object *ft, int f, const char *path, double floor_m, geo_xform *xf,
                         app_sc_item *it, char *err, size_t n)
{
    json_object *props = tw_json_get(ft, "properties", json_type_object);
    json_object *geom = tw_json_get(ft, "geometry", json_type_object);
    const char *op = props ? tw_json_string(props, "op") : NULL;
    if (!op) op = geom ? "add" : "";
    if (strcmp(op, "add") == 0)
        it->op = APP_SC_ADD;
    else if (strcmp(op, "raise") == 0)
        it->op = APP_SC_RAISE;
    else if (strcmp(op, "remove") == 0)
        it->op = APP_SC_REMOVE;
    else
        return app__fail(err, n, path, f, "\"op\" must be add, raise or remove");
    const char *s;
    if (props && (s = tw_json_string(props, "name")) != NULL)
        snprintf(it->name, sizeof it->name, "%s", s);
    if (props && (s = tw_json_string(props, "layer")) != NULL)
        snprintf(it->layer, sizeof it->layer, "%s", s);
    double v;
    if (it->op != APP_SC_ADD) {
        if (!props || !tw_json_number(props, "fid", &v) || v < 0 || v != floor(v))
            return app__fail(err, n, path, f, "raise and remove need \"fid\" (a feature id)");
        it->fid = (long)v;
    }
    if (it->op != APP_SC_REMOVE) {
        if (props && tw_json_number(props, "floors", &v) && v > 0 && v < 1000)
            it->floors = v, it->height_m = v * floor_m;
        else if (props && tw_json_number(props, "height_m", &v) && v > 0 && v < 3000)
            it->height_m = v;
        else
            return app__fail(err, n, path, f,
                             "needs \"height_m\" (0..3000) or \"floors\" (0..1000)");
    }
    if (it->op != APP_SC_ADD) return true;
    const char *type = geom ? tw_json_string(geom, "type") : NULL;
    json_object *c = geom ? tw_json_get(geom, "coordinates", json_type_array) : NULL;
    double ll[2 * APP_SC_MAX_POINTS];
    int k = 0;
    if (type && strcmp(type, "Polygon") == 0 && c && json_object_array_length(c) > 0) {
        json_object *ring = json_object_array_get_idx(c, 0);
        int m =
            json_object_is_type(ring, json_type_array) ? (int)json_object_array_length(ring) : 0;
        for (int i = 0; i < m && k < APP_SC_MAX_POINTS; i++) {
            json_object *p = json_object_array_get_idx(ring, i);
            if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) < 2)
                return app__fail(err, n, path, f, "a position is not [lon, lat]");
            ll[2 * k] = json_object_get_double(json_object_array_get_idx(p, 0));
            ll[2 * k + 1] = json_object_get_double(json_object_array_get_idx(p, 1));
            k++;
        }
        if (m > APP_SC_MAX_POINTS) return app__fail(err, n, path, f, "footprint over 256 points");
        /* Not closed here. */
        if (k > 1 && ll[0] == ll[2 * k - 2] && ll[1] == ll[2 * k - 1]) k--;
        if (k < 3) return app__fail(err, n, path, f, "a footprint needs 3 points or more");
    } else if (type && strcmp(type, "Point") == 0 && c && json_object_array_length(c) >= 2) {
        double size[2] = {30, 30};
        if (props && tw_json_has(props, "size_m") &&
            (!tw_json_numbers(props, "size_m", size, 2) || !(size[0] > 0 && size[0] < 2000) ||
             !(size[1] > 0 && size[1] < 2000)))
            return app__fail(err, n, path, f, "\"size_m\" must be [width, depth] in metres");
        ll[0] = json_object_get_double(json_object_array_get_idx(c, 0));
        ll[1] = json_object_get_double(json_object_array_get_idx(c, 1));
        if (!isfinite(ll[0]) || !isfinite(ll[1]) || fabs(ll[0]) > 180 || fabs(ll[1]) > 90)
            return app__fail(err, n, path, f, "a position is not [lon, lat]");
        double x = ll[0], y = ll[1];
        if (geo_xform_to_scene(xf, 1, &x, &y, NULL) != 1)
            return app__fail(err, n, path, f, "the point cannot be placed in the scene");
        double hw = size[0] / 2, hd = size[1] / 2;
        double box[8] = {x - hw, y - hd, x + hw, y - hd, x + hw, y + hd, x - hw, y + hd};
        memcpy(it->xy, box, sizeof box);
        it->n = 4;
        return true;
    } else {
        return app__fail(err, n, path, f, "an added building needs a Polygon or Point geometry");
    }
    for (int i = 0; i < k; i++) {
        double x = ll[2 * i], y = ll[2 * i + 1];
        if (!isfinite(x) || !isfinite(y) || fabs(x) > 180 || fabs(y) > 90 ||
            geo_xform_to_scene(xf, 1, &x, &y, NULL) != 1)
            return app__fail(err, n, path, f, "a position is not [lon, lat] in the scene");
        it->xy[2 * i] = x, it->xy[2 * i + 1] = y;
    }
    it->n = k;
    return true;
}

tw_result app_sc_parse(const char *text, size_t len, const char *path, const geo_frame *frame,
                       double floor_m, app_sc_list *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    json_object *root = NULL;
    char e[256];
    tw_result r = tw_json_parse(text, len, &root, e, sizeof e);
    if (r != TW_OK) {
        snprintf(err, n, "%s: %s", path, e);
        return TW_ERR_FORMAT;
    }
    geo_xform *xf = NULL;
    r = geo_xform_create_lonlat(frame, &xf, err, n);
    if (r != TW_OK) {
        json_object_put(root);
        return r;
    }
    json_object *fs = tw_json_get(root, "features", json_type_array);
    const char *type = tw_json_string(root, "type");
    if (!fs || !type || strcmp(type, "FeatureCollection") != 0) {
        snprintf(err, n, "%s: not a GeoJSON FeatureCollection", path);
        r = TW_ERR_FORMAT;
    }
    int count = fs ? (int)json_object_array_length(fs) : 0;
    if (r == TW_OK && count > APP_SC_MAX_ITEMS) {
        snprintf(err, n, "%s: over %d features", path, APP_SC_MAX_ITEMS);
        r = TW_ERR_TOOBIG;
    }
    for (int f = 0; r == TW_OK && f < count; f++) {
        json_object *ft = json_object_array_get_idx(fs, f);
        app_sc_item *it = app_sc_push(out);
        if (!it) {
            snprintf(err, n, "%s: out of memory", path);
            r = TW_ERR_NOMEM;
        } else if (!json_object_is_type(ft, json_type_object)) {
            app__fail(err, n, path, f, "is not an object");
            r = TW_ERR_FORMAT;
        } else if (!app__feature(ft, f, path, floor_m, xf, it, err, n)) {
            r = TW_ERR_FORMAT;
        }
    }
    geo_xform_destroy(xf);
    json_object_put(root);
    if (r != TW_OK) app_sc_list_free(out);
    return r;
}

tw_result app_sc_load(const char *path, const geo_frame *frame, double floor_m, app_sc_list *out,
                      char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        snprintf(err, n, "%s: no such file", path);
        return TW_ERR_IO;
    }
    char *text = NULL;
    size_t len = 0;
    tw_result r = tw_file_read(path, 64u << 20, &text, &len);
    if (r != TW_OK) {
        snprintf(err, n, "%s: cannot read it (%s)", path, tw_result_str(r));
        return r == TW_ERR_IO ? TW_ERR_FORMAT : r;
    }
    r = app_sc_parse(text, len, path, frame, floor_m, out, err, n);
    free(text);
    return r;
}

tw_result app_sc_save(const char *path, const geo_frame *frame, const app_sc_list *l, char *err,
                      size_t n)
{
    geo_xform *xf = NULL;
    tw_result r = geo_xform_create_lonlat(frame, &xf, err, n);
    if (r != TW_OK) return r;
    static const char *const OPS[] = {"add", "raise", "remove"};
    json_object *root = json_object_new_object(), *fs = json_object_new_array();
    json_object_object_add(root, "type", json_object_new_string("FeatureCollection"));
    json_object_object_add(root, "features", fs);
    for (int i = 0; i < l->count; i++) {
        const app_sc_item *it = &l->items[i];
        json_object *ft = json_object_new_object(), *p = json_object_new_object();
        json_object_object_add(ft, "type", json_object_new_string("Feature"));
        json_object_object_add(p, "op", json_object_new_string(OPS[it->op]));
        if (it->name[0]) json_object_object_add(p, "name", json_object_new_string(it->name));
        if (it->op != APP_SC_ADD) {
            if (it->layer[0]) json_object_object_add(p, "layer", json_object_new_string(it->layer));
            json_object_object_add(p, "fid", json_object_new_int64(it->fid));
        }
        if (it->op != APP_SC_REMOVE) {
            if (isfinite(it->floors))
                json_object_object_add(p, "floors", json_object_new_double(it->floors));
            else
                json_object_object_add(p, "height_m", json_object_new_double(it->height_m));
        }
        json_object_object_add(ft, "properties", p);
        json_object *g = NULL;
        if (it->op == APP_SC_ADD) {
            g = json_object_new_object();
            json_object *ring = json_object_new_array(), *poly = json_object_new_array();
            for (int k = 0; k <= it->n; k++) {
                double x = it->xy[2 * (k % it->n)], y = it->xy[2 * (k % it->n) + 1];
                geo_xform_from_scene(xf, 1, &x, &y, NULL);
                json_object *pt = json_object_new_array();
                json_object_array_add(pt, json_object_new_double(x));
                json_object_array_add(pt, json_object_new_double(y));
                json_object_array_add(ring, pt);
            }
            json_object_array_add(poly, ring);
            json_object_object_add(g, "type", json_object_new_string("Polygon"));
            json_object_object_add(g, "coordinates", poly);
        }
        json_object_object_add(ft, "geometry", g);
        json_object_array_add(fs, ft);
    }
    geo_xform_destroy(xf);
    r = TW_OK;
    if (json_object_to_file_ext(path, root,
                                JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE) != 0) {
        snprintf(err, n, "%s: cannot write the scenario", path);
        r = TW_ERR_IO;
    }
    json_object_put(root);
    return r;
}
