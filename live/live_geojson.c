/* GeoJSON feeds: a FeatureCollection (or a single Feature) whose features
 * carry an id, a name and values in their properties, named by the caller. */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool live__is_time_key(const char *key)
{
    return strcmp(key, "observedAt") == 0 || strcmp(key, "dateObserved") == 0 ||
           strcmp(key, "time") == 0 || strcmp(key, "timestamp") == 0;
}

static void live__feature(tw_obs_snapshot *s, json_object *f, const live_options *opt, bool lonlat)
{
    const char *ft = tw_json_string(f, "type");
    if (!ft || strcmp(ft, "Feature") != 0) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    json_object *props = tw_json_get(f, "properties", json_type_object), *id = NULL;
    if (opt && opt->id_field)
        json_object_object_get_ex(props, opt->id_field, &id);
    else
        json_object_object_get_ex(f, "id", &id);
    e->id = live__id(s, id);
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    e->type = "Feature";
    json_object *geom = NULL;
    json_object_object_get_ex(f, "geometry", &geom);
    tw_obs_skip why;
    if (!live__geometry(s, geom, lonlat, &why)) {
        tw_obs_cancel(s, why);
        return;
    }
    const char *name_field = opt && opt->name_field ? opt->name_field : "name";
    if (!props) { /* "properties": null is valid GeoJSON */
        tw_obs_commit(s);
        return;
    }
    json_object_object_foreach(props, key, val)
    {
        if (strcmp(key, name_field) == 0 && json_object_is_type(val, json_type_string)) {
            e->name = tw_obs_str(s, json_object_get_string(val), json_object_get_string_len(val));
            continue;
        }
        if (live__is_time_key(key) && !isfinite(e->observed_at))
            e->observed_at = live__time_json(val);
        live__scalar(s, key, val);
    }
    live__pick_main(s, e, opt ? opt->value : NULL, NULL);
    tw_obs_commit(s);
}

tw_result live_geojson_parse(const char *buf, size_t len, const live_options *opt,
                             tw_obs_snapshot **out, char *err, size_t errlen)
{
    *out = NULL;
    json_object *root = NULL;
    tw_result r = live__json(buf, len, &root, err, errlen);
    if (r != TW_OK) return r;
    const char *type = tw_json_string(root, "type");
    json_object *features = tw_json_get(root, "features", json_type_array);
    bool single = type && strcmp(type, "Feature") == 0;
    if (!single && (!type || strcmp(type, "FeatureCollection") != 0 || !features)) {
        snprintf(err, errlen, "not a GeoJSON FeatureCollection: %s",
                 !json_object_is_type(root, json_type_object) ? "the document is not an object"
                 : !type                                      ? "no \"type\""
                 : strcmp(type, "FeatureCollection") != 0     ? "\"type\" is not FeatureCollection"
                                                              : "no \"features\" array");
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        json_object_put(root);
        return TW_ERR_NOMEM;
    }
    /* The 2008 GeoJSON "crs" member: positions are in that CRS, not lon/lat. */
    json_object *crs = tw_json_get(root, "crs", json_type_object);
    const char *crs_name = tw_json_string(tw_json_get(crs, "properties", json_type_object), "name");
    if (crs_name && !strstr(crs_name, "CRS84") && !strstr(crs_name, "EPSG::4326"))
        s->crs = tw_obs_str(s, crs_name, -1);
    bool lonlat = s->crs == NULL;
    if (single) {
        live__feature(s, root, opt, lonlat);
    } else {
        size_t n = json_object_array_length(features);
        for (size_t i = 0; i < n && !s->nomem; i++)
            live__feature(s, json_object_array_get_idx(features, i), opt, lonlat);
    }
    json_object_put(root);
    return live__done(s, out, err, errlen);
}
