/* NGSI-LD entities (FIWARE smart data models) in the normalized form
 * ({"type": "Property", "value": ..., "unitCode": ..., "observedAt": ...})
 * and the keyValues form (plain members), told apart attribute by attribute
 * so a payload that mixes them still reads. Read with core/tw_jscan.h; an
 * array answer one entity at a time, so the document stays small. */
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

static bool live__key_is(const tw_jdoc *d, int key, const char *lit)
{
    size_t n = strlen(lit);
    return d->nodes[key].len == n && memcmp(d->nodes[key].s, lit, n) == 0;
}

static bool live__is_attr_type(const tw_jdoc *d, int t)
{
    static const char *const types[] = {"Property",         "GeoProperty",  "Relationship",
                                        "LanguageProperty", "ListProperty", "JsonProperty",
                                        "VocabProperty"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (tw_jstr_is(d, t, types[i])) return true;
    return false;
}

static bool live__is_time_attr(const tw_jdoc *d, int key)
{
    return live__key_is(d, key, "dateObserved") || live__key_is(d, key, "observationDateTime");
}

/* A multi-attribute (array of instances) reads as its first instance. */
static int live__first_instance(const tw_jdoc *d, int v)
{
    if (tw_jis(d, v, TW_J_ARRAY) && tw_jcount(d, v) > 0) {
        int f = tw_jfirst(d, v);
        if (tw_jis(d, f, TW_J_OBJECT) && tw_jget(d, f, "type") >= 0) return f;
    }
    return v;
}

/* A schema.org PostalAddress value ({"streetAddress", "addressLocality"})
 * as one text value, locality first as Korean addresses are written. */
static void live__postal(tw_obs_snapshot *s, const tw_jdoc *d, int key, int pv)
{
    char street[512], locality[512] = "", text[1030];
    if (!tw_jstr_copy(d, tw_jget(d, pv, "streetAddress"), street, sizeof street) || !street[0])
        return;
    tw_jstr_copy(d, tw_jget(d, pv, "addressLocality"), locality, sizeof locality);
    if (locality[0] && !strstr(street, locality))
        snprintf(text, sizeof text, "%s %s", locality, street);
    else
        snprintf(text, sizeof text, "%s", street);
    tw_obs_value *v = tw_obs_add_value_n(s, d->nodes[key].s, d->nodes[key].len);
    if (v) v->text = tw_obs_str(s, text, -1);
}

/* What an entity says about parking fees (OffStreetParking,
 * OnStreetParking, ParkingSpot): "category" holds "feeCharged" or "free";
 * "chargeType" lists how it is charged ("free", "temporaryPrice", ...). */
typedef struct live__fee {
    int category, charge_type; /* array nodes, -1 absent */
} live__fee;

static bool live__has(const tw_jdoc *d, int arr, const char *word)
{
    for (int c = tw_jfirst(d, arr); c >= 0; c = tw_jnext(d, arr, c))
        if (tw_jstr_is(d, c, word)) return true;
    return false;
}

/* A "fee" text value from the category and chargeType, unless the entity
 * has a "fee" of its own: "유료 paid (temporaryPrice)", "무료 free". */
static void live__fee_value(tw_obs_snapshot *s, tw_obs_entity *e, const tw_jdoc *d,
                            const live__fee *f)
{
    int paid = -1; /* 1 paid, 0 free, -1 unknown */
    if (live__has(d, f->category, "feeCharged"))
        paid = 1;
    else if (live__has(d, f->category, "free"))
        paid = 0;
    char how[64] = "";
    for (int c = tw_jfirst(d, f->charge_type); c >= 0; c = tw_jnext(d, f->charge_type, c)) {
        if (tw_jstr_is(d, c, "free")) {
            if (paid < 0) paid = 0;
        } else if (!how[0] && tw_jstr_copy(d, c, how, sizeof how)) {
            if (paid < 0) paid = 1;
        }
    }
    if (paid < 0 || tw_obs_find_value(s, e, "fee")) return;
    char text[128];
    if (paid && how[0])
        snprintf(text, sizeof text, "유료 paid (%s)", how);
    else
        snprintf(text, sizeof text, "%s", paid ? "유료 paid" : "무료 free");
    tw_obs_value *v = tw_obs_add_value(s, "fee");
    if (v) v->text = tw_obs_str(s, text, -1);
}

static void live__attribute(tw_obs_snapshot *s, tw_obs_entity *e, const tw_jdoc *d, int key,
                            int val, double *entity_t, live__fee *fee)
{
    val = live__first_instance(d, val);
    int pv = val;
    bool normalized = tw_jis(d, val, TW_J_OBJECT);
    if (normalized) {
        int at = tw_jget(d, val, "type");
        if (!live__is_attr_type(d, at)) return;     /* a keyValues structured value: address... */
        if (!tw_jstr_is(d, at, "Property")) return; /* relationships, geometries, languages */
        pv = tw_jget(d, val, "value");
        if (tw_jis(d, pv, TW_J_OBJECT)) {
            int at_value = tw_jget(d, pv, "@value"); /* {"@type": "DateTime", "@value": ...} */
            if (at_value < 0) {
                live__postal(s, d, key, pv);
                return;
            }
            pv = at_value;
        }
    }
    if (tw_jis(d, pv, TW_J_ARRAY)) {
        if (live__key_is(d, key, "category")) fee->category = pv;
        if (live__key_is(d, key, "chargeType")) fee->charge_type = pv;
        return;
    }
    if (live__key_is(d, key, "name") && tw_jis(d, pv, TW_J_STRING)) {
        e->name = live__str(s, d, pv);
        return;
    }
    if (live__is_time_attr(d, key)) *entity_t = live__time_json(d, pv);
    tw_obs_value *v = live__scalar(s, d, key, pv);
    if (!v || !normalized) return;
    int unit = tw_jget(d, val, "unitCode");
    if (tw_jis(d, unit, TW_J_STRING)) v->unit = live__str(s, d, unit);
    int obs = tw_jget(d, val, "observedAt");
    if (obs >= 0) v->observed_at = live__time_json(d, obs);
}

static void live__entity(tw_obs_snapshot *s, const tw_jdoc *d, int o, const live_options *opt)
{
    if (!tw_jis(d, o, TW_J_OBJECT)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    e->id = live__id(s, d, tw_jget(d, o, "id"));
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    int type = tw_jget(d, o, "type");
    if (tw_jis(d, type, TW_J_ARRAY) && tw_jcount(d, type) > 0) type = tw_jfirst(d, type);
    if (tw_jis(d, type, TW_J_STRING)) e->type = live__str(s, d, type);

    int loc = live__first_instance(d, tw_jget(d, o, "location"));
    int lt = tw_jis(d, loc, TW_J_OBJECT) ? tw_jget(d, loc, "type") : -1;
    if (tw_jstr_is(d, lt, "GeoProperty") || tw_jstr_is(d, lt, "Property"))
        loc = tw_jget(d, loc, "value");
    tw_obs_skip why;
    if (!live__geometry(s, d, loc, true, &why)) {
        tw_obs_cancel(s, why);
        return;
    }

    double entity_t = NAN;
    live__fee fee = {-1, -1};
    for (int k = tw_jfirst(d, o); k >= 0; k = tw_jnext(d, o, k)) {
        if (live__key_is(d, k, "id") || live__key_is(d, k, "type") ||
            live__key_is(d, k, "location") || (d->nodes[k].len > 0 && d->nodes[k].s[0] == '@'))
            continue;
        live__attribute(s, e, d, k, k + 1, &entity_t, &fee);
    }
    if (fee.category >= 0 || fee.charge_type >= 0) live__fee_value(s, e, d, &fee);
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

/* The usual answer, an array of entities, one entity at a time in a small
 * document. TW_OK, or an error with err set. */
static tw_result live__stream(tw_obs_snapshot *s, tw_jdoc *d, const char *buf, size_t len, size_t i,
                              const live_options *opt, char *err, size_t errlen)
{
    i = tw_jscan_ws(buf, i + 1, len); /* past the '[' */
    if (i < len && buf[i] == ']') {
        i++;
    } else {
        for (;;) {
            if (!tw_jparse_value(d, buf, len, &i)) break;
            live__entity(s, d, 0, opt);
            if (s->nomem) return TW_OK; /* live__done reports it */
            i = tw_jscan_ws(buf, i, len);
            if (i < len && buf[i] == ',') {
                i++;
                continue;
            }
            if (i < len && buf[i] == ']') {
                i++;
                d->err_why = NULL;
            } else {
                tw_jdoc_set_error(d, i,
                                  i < len ? "expected ',' or ']'" : "unexpected end of document");
            }
            break;
        }
        if (d->err_why) {
            live__json_error(d, buf, len, err, errlen);
            return d->nomem ? TW_ERR_NOMEM : TW_ERR_FORMAT;
        }
    }
    i = tw_jscan_ws(buf, i, len);
    if (i < len) {
        tw_jdoc_set_error(d, i, "unexpected text after the document");
        live__json_error(d, buf, len, err, errlen);
        return TW_ERR_FORMAT;
    }
    return TW_OK;
}

tw_result live_ngsild_parse(const char *buf, size_t len, const live_options *opt,
                            tw_obs_snapshot **out, char *err, size_t errlen)
{
    *out = NULL;
    if (len > 0x7fffffff) {
        snprintf(err, errlen, "document larger than the 2 GB a JSON parse may take");
        return TW_ERR_TOOBIG;
    }
    tw_jdoc d;
    tw_jdoc_init(&d);
    size_t i = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    i = tw_jscan_ws(buf, i, len);
    if (i < len && buf[i] == '[') {
        tw_obs_snapshot *s = live__create(opt, err, errlen);
        if (!s) return TW_ERR_NOMEM;
        tw_result r = live__stream(s, &d, buf, len, i, opt, err, errlen);
        tw_jdoc_free(&d);
        if (r != TW_OK) {
            tw_obs_free(s);
            return r;
        }
        return live__done(s, out, err, errlen);
    }
    tw_result r = live__json(&d, buf, len, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    const int root = 0;
    if (tw_jis(&d, root, TW_J_OBJECT) && tw_jget(&d, root, "id") < 0) {
        /* An NGSI-LD error answer: {"type": ".../errors/...", "title", "detail"}. */
        char t[256] = "", title[1024] = "(no title)";
        tw_jstr_copy(&d, tw_jget(&d, root, "type"), t, sizeof t);
        tw_jstr_copy(&d, tw_jget(&d, root, "title"), title, sizeof title);
        if (strstr(t, "/errors/"))
            snprintf(err, errlen, "NGSI-LD error %s: %s", t, title);
        else
            snprintf(err, errlen, "not an NGSI-LD entity array: an object without \"id\"");
        tw_jdoc_free(&d);
        return TW_ERR_FORMAT;
    }
    if (!tw_jis(&d, root, TW_J_OBJECT)) {
        snprintf(err, errlen, "not an NGSI-LD entity array: the document is a %s",
                 tw_jtype_name(&d, root));
        tw_jdoc_free(&d);
        return TW_ERR_FORMAT;
    }
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        tw_jdoc_free(&d);
        return TW_ERR_NOMEM;
    }
    live__entity(s, &d, root, opt);
    tw_jdoc_free(&d);
    return live__done(s, out, err, errlen);
}
