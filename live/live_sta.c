/* OGC SensorThings API v1.x responses. A Thing becomes an entity, its
 * Location its position, each Datastream one value (named by the Datastream,
 * unit from unitOfMeasurement.symbol, ref = the Datastream's @iot.id) and
 * the newest Observation that value's number and time. Expanded responses
 * carry all of it at once; separate GET responses are merged in afterwards. */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void live__paging(json_object *root, live_paging *pg)
{
    if (!pg) return;
    pg->count = -1;
    pg->next_link[0] = '\0';
    double c;
    if (tw_json_number(root, "@iot.count", &c)) pg->count = (long long)c;
    live__copy(pg->next_link, sizeof pg->next_link, tw_json_string(root, "@iot.nextLink"));
}

/* Parses a response and finds its "value" array; a single entity reads as
 * an array of one. The caller puts both *list and *root. */
static tw_result live__list(const char *buf, size_t len, const char *what, json_object **root,
                            json_object **list, live_paging *pg, char *err, size_t errlen)
{
    tw_result r = live__json(buf, len, root, err, errlen);
    if (r != TW_OK) return r;
    *list = tw_json_get(*root, "value", json_type_array);
    if (*list) {
        json_object_get(*list);
    } else if (tw_json_has(*root, "@iot.id")) {
        *list = json_object_new_array();
        if (*list) json_object_array_add(*list, json_object_get(*root));
    } else {
        snprintf(err, errlen, "SensorThings: no \"value\" array in the %s response", what);
        json_object_put(*root);
        *root = NULL;
        return TW_ERR_FORMAT;
    }
    if (!*list) {
        json_object_put(*root);
        snprintf(err, errlen, "out of memory");
        return TW_ERR_NOMEM;
    }
    live__paging(*root, pg);
    return TW_OK;
}

static void live__release(json_object *root, json_object *list)
{
    json_object_put(list);
    json_object_put(root);
}

/* An @iot.id as text in buf (ids are integers or strings); NULL otherwise. */
static const char *live__id_text(json_object *v, char *buf, size_t n)
{
    if (json_object_is_type(v, json_type_string)) return json_object_get_string(v);
    if (!json_object_is_type(v, json_type_int)) return NULL;
    snprintf(buf, n, "%lld", (long long)json_object_get_int64(v));
    return buf;
}

/* Time of an observation: phenomenonTime (the end of an interval), else
 * resultTime. */
static double live__obs_time(json_object *o)
{
    const char *t = tw_json_string(o, "phenomenonTime");
    if (t) {
        const char *slash = strchr(t, '/');
        if (slash) t = slash + 1;
        double v = live__time(t, 0);
        if (isfinite(v)) return v;
    }
    return live__time(tw_json_string(o, "resultTime"), 0);
}

/* Sets v from the newest Observation of the array. */
static void live__observations(tw_obs_snapshot *s, tw_obs_value *v, json_object *arr)
{
    json_object *best = NULL;
    double best_t = NAN;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(o, json_type_object)) continue;
        double t = live__obs_time(o);
        if (!best || (isfinite(t) && (!isfinite(best_t) || t > best_t))) {
            best = o;
            best_t = t;
        }
    }
    if (!best) return;
    v->observed_at = best_t;
    v->number = NAN;
    v->text = NULL;
    json_object *res = NULL;
    json_object_object_get_ex(best, "result", &res);
    switch (json_object_get_type(res)) {
    case json_type_int:
    case json_type_double:
        v->number = json_object_get_double(res);
        if (!isfinite(v->number)) v->number = NAN;
        break;
    case json_type_boolean:
        v->number = json_object_get_boolean(res) ? 1 : 0;
        break;
    case json_type_string: {
        /* Some servers (SensorUp's) send numbers as strings. */
        const char *str = json_object_get_string(res);
        char *end;
        double d = strtod(str, &end);
        if (end != str && *end == '\0' && isfinite(d)) {
            v->number = d;
        } else {
            v->text = tw_obs_str(s, str, json_object_get_string_len(res));
            tw_obs_count(s, TW_OBS_SKIP_BAD_VALUE);
        }
        break;
    }
    default:
        break;
    }
}

/* Adds a Datastream to the current entity as a value. */
static void live__datastream(tw_obs_snapshot *s, json_object *ds)
{
    if (!json_object_is_type(ds, json_type_object)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    json_object *id = NULL;
    json_object_object_get_ex(ds, "@iot.id", &id);
    const char *name = tw_json_string(ds, "name");
    const char *ref = live__id(s, id);
    if (!ref) {
        tw_obs_count(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    /* The same Datastream merged twice stays one value. */
    tw_obs_entity *e = &s->entities[s->current];
    tw_obs_value *vals = tw_obs_values(s, e), *v = NULL;
    for (int i = 0; i < e->value_count && !v; i++)
        if (vals[i].ref && strcmp(vals[i].ref, ref) == 0) v = &vals[i];
    if (!v && !(v = tw_obs_add_value(s, name ? name : ref))) return;
    v->ref = ref;
    const char *unit =
        tw_json_string(tw_json_get(ds, "unitOfMeasurement", json_type_object), "symbol");
    if (unit) v->unit = tw_obs_str(s, unit, -1);
    json_object *obs = tw_json_get(ds, "Observations", json_type_array);
    if (obs) live__observations(s, v, obs);
}

static void live__thing(tw_obs_snapshot *s, json_object *t)
{
    if (!json_object_is_type(t, json_type_object)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    json_object *id = NULL;
    json_object_object_get_ex(t, "@iot.id", &id);
    e->id = live__id(s, id);
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    e->type = "Thing";
    const char *name = tw_json_string(t, "name");
    if (name) e->name = tw_obs_str(s, name, -1);
    json_object *locs = tw_json_get(t, "Locations", json_type_array);
    if (locs && json_object_array_length(locs) > 0) {
        tw_obs_skip why;
        json_object *l = json_object_array_get_idx(locs, 0);
        json_object *g = NULL;
        json_object_object_get_ex(l, "location", &g);
        if (!live__geometry(s, g, true, &why)) {
            tw_obs_cancel(s, why);
            return;
        }
    }
    json_object *dss = tw_json_get(t, "Datastreams", json_type_array);
    size_t n = dss ? json_object_array_length(dss) : 0;
    for (size_t i = 0; i < n; i++) live__datastream(s, json_object_array_get_idx(dss, i));
    tw_obs_commit(s);
}

tw_result live_sta_things(const char *buf, size_t len, const live_options *opt,
                          tw_obs_snapshot **out, live_paging *paging, char *err, size_t errlen)
{
    *out = NULL;
    json_object *root = NULL, *list = NULL;
    tw_result r = live__list(buf, len, "Things", &root, &list, paging, err, errlen);
    if (r != TW_OK) return r;
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        live__release(root, list);
        return TW_ERR_NOMEM;
    }
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n && !s->nomem; i++) live__thing(s, json_object_array_get_idx(list, i));
    live__release(root, list);
    return live__done(s, out, err, errlen);
}

/* Gives entity i the Location's geometry unless it has one already. */
static void live__locate(tw_obs_snapshot *s, int i, json_object *geom)
{
    if (i < 0 || s->entities[i].geom != TW_OBS_GEOM_NONE) return;
    if (!tw_obs_reopen(s, i)) return;
    tw_obs_skip why;
    if (!live__geometry(s, geom, true, &why)) tw_obs_count(s, why);
    tw_obs_commit(s);
}

tw_result live_sta_merge_locations(tw_obs_snapshot *snap, const char *buf, size_t len,
                                   live_paging *paging, char *err, size_t errlen)
{
    json_object *root = NULL, *list = NULL;
    tw_result r = live__list(buf, len, "Locations", &root, &list, paging, err, errlen);
    if (r != TW_OK) return r;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *l = json_object_array_get_idx(list, i), *geom = NULL;
        if (!json_object_object_get_ex(l, "location", &geom)) continue;
        json_object *things = tw_json_get(l, "Things", json_type_array);
        if (things) {
            size_t k = json_object_array_length(things);
            for (size_t j = 0; j < k; j++) {
                json_object *tid = NULL;
                json_object_object_get_ex(json_object_array_get_idx(things, j), "@iot.id", &tid);
                char b[32];
                const char *id = live__id_text(tid, b, sizeof b);
                if (id) live__locate(snap, tw_obs_find(snap, id), geom);
            }
            continue;
        }
        /* No link back to the Thing in a plain Locations list: a Location
         * named like a Thing is its place (true of the SensorUp servers). */
        const char *name = tw_json_string(l, "name");
        for (int k = 0; name && k < snap->entity_count; k++)
            if (snap->entities[k].name && strcmp(snap->entities[k].name, name) == 0)
                live__locate(snap, k, geom);
    }
    live__release(root, list);
    if (snap->nomem) {
        snprintf(err, errlen, "out of memory while merging Locations");
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}

tw_result live_sta_merge_thing_location(tw_obs_snapshot *snap, const char *thing_id,
                                        const char *buf, size_t len, char *err, size_t errlen)
{
    json_object *root = NULL, *list = NULL;
    tw_result r = live__list(buf, len, "Locations", &root, &list, NULL, err, errlen);
    if (r != TW_OK) return r;
    int i = thing_id ? tw_obs_find(snap, thing_id) : -1;
    json_object *geom = NULL;
    for (size_t k = 0; i >= 0 && !geom && k < json_object_array_length(list); k++)
        json_object_object_get_ex(json_object_array_get_idx(list, k), "location", &geom);
    if (geom) live__locate(snap, i, geom);
    live__release(root, list);
    if (snap->nomem) {
        snprintf(err, errlen, "out of memory while merging a Location");
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}

tw_result live_sta_merge_datastreams(tw_obs_snapshot *snap, const char *thing_id, const char *buf,
                                     size_t len, live_paging *paging, char *err, size_t errlen)
{
    int i = thing_id ? tw_obs_find(snap, thing_id) : -1;
    if (i < 0) {
        snprintf(err, errlen, "SensorThings: no Thing \"%s\" in the snapshot",
                 thing_id ? thing_id : "(null)");
        return TW_ERR_ARG;
    }
    json_object *root = NULL, *list = NULL;
    tw_result r = live__list(buf, len, "Datastreams", &root, &list, paging, err, errlen);
    if (r != TW_OK) return r;
    if (tw_obs_reopen(snap, i)) {
        size_t n = json_object_array_length(list);
        for (size_t k = 0; k < n; k++) live__datastream(snap, json_object_array_get_idx(list, k));
        tw_obs_commit(snap);
    }
    live__release(root, list);
    if (snap->nomem) {
        snprintf(err, errlen, "out of memory while merging Datastreams");
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}

tw_result live_sta_merge_observations(tw_obs_snapshot *snap, const char *datastream_id,
                                      const char *buf, size_t len, live_paging *paging, char *err,
                                      size_t errlen)
{
    tw_obs_value *v = NULL;
    for (int i = 0; i < snap->entity_count && !v && datastream_id; i++) {
        tw_obs_entity *e = &snap->entities[i];
        tw_obs_value *vals = tw_obs_values(snap, e);
        for (int k = 0; k < e->value_count && !v; k++)
            if (vals[k].ref && strcmp(vals[k].ref, datastream_id) == 0) v = &vals[k];
    }
    if (!v) {
        snprintf(err, errlen, "SensorThings: no Datastream \"%s\" in the snapshot",
                 datastream_id ? datastream_id : "(null)");
        return TW_ERR_ARG;
    }
    json_object *root = NULL, *list = NULL;
    tw_result r = live__list(buf, len, "Observations", &root, &list, paging, err, errlen);
    if (r != TW_OK) return r;
    live__observations(snap, v, list);
    live__release(root, list);
    if (snap->nomem) {
        snprintf(err, errlen, "out of memory while merging Observations");
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}

void live_sta_finish(tw_obs_snapshot *snap, const live_options *opt)
{
    const char *wanted = opt ? opt->value : NULL;
    size_t wl = wanted ? strlen(wanted) : 0;
    for (int i = 0; i < snap->entity_count; i++) {
        tw_obs_entity *e = &snap->entities[i];
        tw_obs_value *v = tw_obs_values(snap, e);
        e->main_value = -1;
        /* Datastream names often end in the property ("7061:...:available_bikes",
         * "서울로7017 보행고가 기울기"). */
        for (int k = 0; k < e->value_count && wanted && e->main_value < 0; k++) {
            size_t nl = strlen(v[k].name);
            if (strcmp(v[k].name, wanted) == 0 ||
                (nl > wl && (v[k].name[nl - wl - 1] == ':' || v[k].name[nl - wl - 1] == ' ') &&
                 strcmp(v[k].name + nl - wl, wanted) == 0))
                e->main_value = k;
        }
        const tw_obs_value *m = tw_obs_main(snap, e);
        e->observed_at = m ? m->observed_at : NAN;
        for (int k = 0; k < e->value_count && !m; k++)
            if (isfinite(v[k].observed_at) &&
                (!isfinite(e->observed_at) || v[k].observed_at > e->observed_at))
                e->observed_at = v[k].observed_at;
    }
    tw_obs_drop_unlocated(snap);
}
