/* NGSI-LD entities (FIWARE smart data models) in the normalized form
 * ({"type": "Property", "value": ..., "unitCode": ..., "observedAt": ...})
 * and the keyValues form (plain members), told apart attribute by attribute
 * so a payload that mixes them still reads. */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct live__preset {
    const char *type;
    const char *const attrs[6];
} live__preset;

static const live__preset live__presets[] = {
    {"OffStreetParking", {"availableSpotNumber", "totalSpotNumber", "occupancy", NULL}},
    {"OnStreetParking", {"availableSpotNumber", "totalSpotNumber", "occupancy", NULL}},
    {"ParkingSpot", {"status", NULL}},
    {"AirQualityObserved", {"no2", "pm10", "pm25", "o3", "airQualityIndex", NULL}},
    {"WeatherObserved", {"temperature", "windSpeed", "windDirection", NULL}},
    {"NoiseLevelObserved", {"LAeq", "LAmax", NULL}},
    {"DeviceMeasurement", {"numValue", NULL}},
    {"TrafficFlowObserved", {"averageVehicleSpeed", "congested", "intensity", NULL}},
};

const char *const *live_ngsild_presets(const char *type)
{
    if (!type) return NULL;
    /* An expanded type is a URI; its last segment is the short name. */
    const char *slash = strrchr(type, '/'), *hash = strrchr(type, '#');
    if (hash && (!slash || hash > slash)) slash = hash;
    if (slash) type = slash + 1;
    for (size_t i = 0; i < sizeof live__presets / sizeof live__presets[0]; i++)
        if (strcmp(live__presets[i].type, type) == 0) return live__presets[i].attrs;
    return NULL;
}

static bool live__is_attr_type(const char *t)
{
    return t && (strcmp(t, "Property") == 0 || strcmp(t, "GeoProperty") == 0 ||
                 strcmp(t, "Relationship") == 0 || strcmp(t, "LanguageProperty") == 0 ||
                 strcmp(t, "ListProperty") == 0 || strcmp(t, "JsonProperty") == 0 ||
                 strcmp(t, "VocabProperty") == 0);
}

static bool live__is_time_attr(const char *key)
{
    return strcmp(key, "dateObserved") == 0 || strcmp(key, "observationDateTime") == 0;
}

/* A multi-attribute (array of instances) reads as its first instance. */
static json_object *live__first_instance(json_object *v)
{
    if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0) {
        json_object *f = json_object_array_get_idx(v, 0);
        if (json_object_is_type(f, json_type_object) && tw_json_has(f, "type")) return f;
    }
    return v;
}

/* A schema.org PostalAddress value ({"streetAddress", "addressLocality"})
 * as one text value, locality first as Korean addresses are written. */
static void live__postal(tw_obs_snapshot *s, const char *key, json_object *pv)
{
    const char *street = tw_json_string(pv, "streetAddress");
    const char *locality = tw_json_string(pv, "addressLocality");
    if (!street || !street[0]) return;
    char text[512];
    if (locality && locality[0] && !strstr(street, locality))
        snprintf(text, sizeof text, "%s %s", locality, street);
    else
        snprintf(text, sizeof text, "%s", street);
    tw_obs_value *v = tw_obs_add_value(s, key);
    if (v) v->text = tw_obs_str(s, text, -1);
}

static void live__attribute(tw_obs_snapshot *s, tw_obs_entity *e, const char *key, json_object *val,
                            double *entity_t)
{
    val = live__first_instance(val);
    if (json_object_is_type(val, json_type_object)) {
        const char *at = tw_json_string(val, "type");
        if (!live__is_attr_type(at)) return;     /* a keyValues structured value: address... */
        if (strcmp(at, "Property") != 0) return; /* relationships, geometries, languages */
        json_object *pv = NULL;
        json_object_object_get_ex(val, "value", &pv);
        if (json_object_is_type(pv, json_type_object)) {
            json_object *at_value = NULL; /* {"@type": "DateTime", "@value": ...} */
            if (!json_object_object_get_ex(pv, "@value", &at_value)) {
                live__postal(s, key, pv);
                return;
            }
            pv = at_value;
        }
        if (strcmp(key, "name") == 0 && json_object_is_type(pv, json_type_string)) {
            e->name = tw_obs_str(s, json_object_get_string(pv), json_object_get_string_len(pv));
            return;
        }
        if (live__is_time_attr(key)) *entity_t = live__time_json(pv);
        tw_obs_value *v = live__scalar(s, key, pv);
        if (!v) return;
        const char *unit = tw_json_string(val, "unitCode");
        if (unit) v->unit = tw_obs_str(s, unit, -1);
        json_object *obs = NULL;
        if (json_object_object_get_ex(val, "observedAt", &obs))
            v->observed_at = live__time_json(obs);
        return;
    }
    if (strcmp(key, "name") == 0 && json_object_is_type(val, json_type_string)) {
        e->name = tw_obs_str(s, json_object_get_string(val), json_object_get_string_len(val));
        return;
    }
    if (live__is_time_attr(key)) *entity_t = live__time_json(val);
    live__scalar(s, key, val);
}

static void live__entity(tw_obs_snapshot *s, json_object *o, const live_options *opt)
{
    if (!json_object_is_type(o, json_type_object)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    json_object *id = NULL, *type = NULL, *loc = NULL;
    json_object_object_get_ex(o, "id", &id);
    e->id = live__id(s, id);
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    json_object_object_get_ex(o, "type", &type);
    if (json_object_is_type(type, json_type_array) && json_object_array_length(type) > 0)
        type = json_object_array_get_idx(type, 0);
    if (json_object_is_type(type, json_type_string))
        e->type = tw_obs_str(s, json_object_get_string(type), json_object_get_string_len(type));

    json_object_object_get_ex(o, "location", &loc);
    loc = live__first_instance(loc);
    const char *lt = tw_json_string(loc, "type");
    if (lt && (strcmp(lt, "GeoProperty") == 0 || strcmp(lt, "Property") == 0)) {
        json_object *gv = NULL;
        json_object_object_get_ex(loc, "value", &gv);
        loc = gv;
    }
    tw_obs_skip why;
    if (!live__geometry(s, loc, true, &why)) {
        tw_obs_cancel(s, why);
        return;
    }

    double entity_t = NAN;
    json_object_object_foreach(o, key, val)
    {
        if (strcmp(key, "id") == 0 || strcmp(key, "type") == 0 || strcmp(key, "location") == 0 ||
            key[0] == '@')
            continue;
        live__attribute(s, e, key, val, &entity_t);
    }
    live__pick_main(s, e, opt ? opt->value : NULL, live_ngsild_presets(e->type));

    /* The time of the value shown; else the newest property time; else the
     * entity's dateObserved / observationDateTime. */
    const tw_obs_value *m = tw_obs_main(s, e);
    if (m && isfinite(m->observed_at)) {
        e->observed_at = m->observed_at;
    } else {
        const tw_obs_value *v = tw_obs_values(s, e);
        for (int i = 0; i < e->value_count; i++)
            if (isfinite(v[i].observed_at) &&
                (!isfinite(e->observed_at) || v[i].observed_at > e->observed_at))
                e->observed_at = v[i].observed_at;
        if (!isfinite(e->observed_at)) e->observed_at = entity_t;
    }
    tw_obs_commit(s);
}

typedef struct live__stream_ctx {
    tw_obs_snapshot *s;
    const live_options *opt;
} live__stream_ctx;

static void live__stream_entity(json_object *e, void *user)
{
    live__stream_ctx *c = user;
    if (!c->s->nomem) live__entity(c->s, e, c->opt);
}

tw_result live_ngsild_parse(const char *buf, size_t len, const live_options *opt,
                            tw_obs_snapshot **out, char *err, size_t errlen)
{
    *out = NULL;
    /* The usual answer, an array of entities, one entity at a time. */
    live__stream_ctx c = {.s = live__create(opt, err, errlen), .opt = opt};
    if (!c.s) return TW_ERR_NOMEM;
    if (live__each(buf, len, live__stream_entity, &c) == TW_OK)
        return live__done(c.s, out, err, errlen);
    tw_obs_free(c.s);
    json_object *root = NULL;
    tw_result r = live__json(buf, len, &root, err, errlen);
    if (r != TW_OK) return r;
    if (json_object_is_type(root, json_type_object) && !tw_json_has(root, "id")) {
        /* An NGSI-LD error answer: {"type": ".../errors/...", "title", "detail"}. */
        const char *t = tw_json_string(root, "type"), *title = tw_json_string(root, "title");
        if (t && strstr(t, "/errors/"))
            snprintf(err, errlen, "NGSI-LD error %s: %s", t, title ? title : "(no title)");
        else
            snprintf(err, errlen, "not an NGSI-LD entity array: an object without \"id\"");
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    if (!json_object_is_type(root, json_type_object) &&
        !json_object_is_type(root, json_type_array)) {
        snprintf(err, errlen, "not an NGSI-LD entity array: the document is a %s",
                 tw_json_type_name(root));
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        json_object_put(root);
        return TW_ERR_NOMEM;
    }
    if (json_object_is_type(root, json_type_array)) {
        size_t n = json_object_array_length(root);
        for (size_t i = 0; i < n && !s->nomem; i++)
            live__entity(s, json_object_array_get_idx(root, i), opt);
    } else {
        live__entity(s, root, opt);
    }
    json_object_put(root);
    return live__done(s, out, err, errlen);
}
