/* GeoJSON feeds: a FeatureCollection (or a single Feature) whose features
 * carry an id, a name and values in their properties, named by the caller.
 * Read with core/tw_jscan.h: no tree of allocations; a FeatureCollection
 * one feature at a time (live__geojson_stream), anything else as one flat
 * document. CITYTWIN_GEOJSON_WHOLE=1 reads every one as one document
 * (comparisons, tests). */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool live__key_is(const tw_jdoc *d, int key, const char *lit)
{
    size_t n = strlen(lit);
    return d->nodes[key].len == n && memcmp(d->nodes[key].s, lit, n) == 0;
}

static bool live__is_time_key(const tw_jdoc *d, int key)
{
    return live__key_is(d, key, "observedAt") || live__key_is(d, key, "dateObserved") ||
           live__key_is(d, key, "time") || live__key_is(d, key, "timestamp");
}

static void live__feature(tw_obs_snapshot *s, const tw_jdoc *d, int f, const live_options *opt,
                          bool lonlat)
{
    if (!tw_jstr_is(d, tw_jget(d, f, "type"), "Feature")) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    int props = tw_jget(d, f, "properties");
    if (!tw_jis(d, props, TW_J_OBJECT)) props = -1;
    int id = opt && opt->id_field ? tw_jget(d, props, opt->id_field) : tw_jget(d, f, "id");
    e->id = live__id(s, d, id);
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    e->type = "Feature";
    tw_obs_skip why;
    if (!live__geometry(s, d, tw_jget(d, f, "geometry"), lonlat, &why)) {
        tw_obs_cancel(s, why);
        return;
    }
    const char *name_field = opt && opt->name_field ? opt->name_field : "name";
    if (props < 0) { /* "properties": null is valid GeoJSON */
        tw_obs_commit(s);
        return;
    }
    for (int k = tw_jfirst(d, props); k >= 0; k = tw_jnext(d, props, k)) {
        int val = k + 1;
        if (live__key_is(d, k, name_field) && tw_jis(d, val, TW_J_STRING)) {
            e->name = live__str(s, d, val);
            continue;
        }
        if (!isfinite(e->observed_at) && live__is_time_key(d, k))
            e->observed_at = live__time_json(d, val);
        live__scalar(s, d, k, val);
    }
    live__pick_main(s, e, opt ? opt->value : NULL, NULL);
    tw_obs_commit(s);
}

static bool live__jkey(const tw_jdoc *k, const char *lit)
{
    return tw_jis(k, 0, TW_J_STRING) && live__key_is(k, 0, lit);
}

/* The features of a FeatureCollection, one at a time in a small document
 * that is reused, as they come: a 100,000-feature body (22 MB) made a
 * flat document of some 2.5 million nodes (60 MB, fresh pages every
 * second for a feed polled each second) before a single feature was read.
 * Only the plain case is read so (an object with one "type":
 * "FeatureCollection", one "features" array, a "crs" only before it, no
 * member twice, nothing after it); anything else returns NULL with nothing
 * reported, and the caller reads the whole document as before, with the
 * same result and the same messages. */
tw_obs_snapshot *live__geojson_stream(const char *buf, size_t len, const live_options *opt)
{
    size_t i = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    i = tw_jscan_ws(buf, i, len);
    if (i >= len || buf[i] != '{') return NULL;
    i++;
    tw_jdoc k, d, crs;
    tw_jdoc_init(&k), tw_jdoc_init(&d), tw_jdoc_init(&crs);
    tw_obs_snapshot *s = NULL;
    bool type_ok = false, seen_type = false, seen_features = false, seen_crs = false, ok = false;
    char err[64];
    for (;;) {
        i = tw_jscan_ws(buf, i, len);
        if (i >= len || buf[i] != '"' || !tw_jparse_value(&k, buf, len, &i)) break;
        i = tw_jscan_ws(buf, i, len);
        if (i >= len || buf[i] != ':') break;
        i = tw_jscan_ws(buf, i + 1, len);
        if (live__jkey(&k, "features")) {
            if (seen_features || i >= len || buf[i] != '[') break;
            seen_features = true;
            if (!s && !(s = live__create(opt, err, sizeof err))) break;
            if (seen_crs) { /* the 2008 GeoJSON "crs", as the whole-document read */
                int props = tw_jis(&crs, 0, TW_J_OBJECT) ? tw_jget(&crs, 0, "properties") : -1;
                int name = tw_jis(&crs, props, TW_J_OBJECT) ? tw_jget(&crs, props, "name") : -1;
                const char *cn = live__str(s, &crs, name);
                if (cn && !strstr(cn, "CRS84") && !strstr(cn, "EPSG::4326")) s->crs = cn;
            }
            bool lonlat = s->crs == NULL;
            i = tw_jscan_ws(buf, i + 1, len);
            bool good = true;
            if (i < len && buf[i] == ']') {
                i++;
            } else {
                for (good = false;;) {
                    if (!tw_jparse_value(&d, buf, len, &i)) break;
                    live__feature(s, &d, 0, opt, lonlat);
                    if (s->nomem) break;
                    i = tw_jscan_ws(buf, i, len);
                    if (i < len && buf[i] == ',') {
                        i++;
                        continue;
                    }
                    if (i < len && buf[i] == ']') i++, good = true;
                    break;
                }
            }
            if (s->nomem) { /* live__done reports it */
                ok = type_ok = true;
                break;
            }
            if (!good) break;
        } else {
            bool is_type = live__jkey(&k, "type"), is_crs = live__jkey(&k, "crs");
            if ((is_type && seen_type) || (is_crs && (seen_crs || seen_features))) break;
            tw_jdoc *v = is_crs ? &crs : &d;
            if (!tw_jparse_value(v, buf, len, &i)) break;
            if (is_type) seen_type = true, type_ok = tw_jstr_is(v, 0, "FeatureCollection");
            if (is_crs) seen_crs = true;
        }
        i = tw_jscan_ws(buf, i, len);
        if (i < len && buf[i] == ',') {
            i++;
            continue;
        }
        if (i < len && buf[i] == '}') ok = tw_jscan_ws(buf, i + 1, len) == len;
        break;
    }
    tw_jdoc_free(&k), tw_jdoc_free(&d), tw_jdoc_free(&crs);
    if (ok && type_ok && seen_features) return s;
    tw_obs_free(s);
    return NULL;
}

tw_result live_geojson_parse(const char *buf, size_t len, const live_options *opt,
                             tw_obs_snapshot **out, char *err, size_t errlen)
{
    *out = NULL;
    tw_obs_snapshot *streamed = len <= 0x7fffffff && !getenv("CITYTWIN_GEOJSON_WHOLE")
                                    ? live__geojson_stream(buf, len, opt)
                                    : NULL;
    if (streamed) return live__done(streamed, out, err, errlen);
    tw_jdoc d;
    tw_jdoc_init(&d);
    tw_result r = live__json(&d, buf, len, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    const int root = 0;
    int type = tw_jget(&d, root, "type"), features = tw_jget(&d, root, "features");
    if (!tw_jis(&d, type, TW_J_STRING)) type = -1;
    if (!tw_jis(&d, features, TW_J_ARRAY)) features = -1;
    bool single = tw_jstr_is(&d, type, "Feature");
    if (!single && (type < 0 || !tw_jstr_is(&d, type, "FeatureCollection") || features < 0)) {
        snprintf(err, errlen, "not a GeoJSON FeatureCollection: %s",
                 !tw_jis(&d, root, TW_J_OBJECT)               ? "the document is not an object"
                 : type < 0                                   ? "no \"type\""
                 : !tw_jstr_is(&d, type, "FeatureCollection") ? "\"type\" is not FeatureCollection"
                                                              : "no \"features\" array");
        tw_jdoc_free(&d);
        return TW_ERR_FORMAT;
    }
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        tw_jdoc_free(&d);
        return TW_ERR_NOMEM;
    }
    /* The 2008 GeoJSON "crs" member: positions are in that CRS, not lon/lat. */
    int crs = tw_jget(&d, root, "crs");
    int crs_props = tw_jis(&d, crs, TW_J_OBJECT) ? tw_jget(&d, crs, "properties") : -1;
    int crs_name = tw_jis(&d, crs_props, TW_J_OBJECT) ? tw_jget(&d, crs_props, "name") : -1;
    const char *cn = live__str(s, &d, crs_name);
    if (cn && !strstr(cn, "CRS84") && !strstr(cn, "EPSG::4326")) s->crs = cn;
    bool lonlat = s->crs == NULL;
    if (single) {
        live__feature(s, &d, root, opt, lonlat);
    } else {
        for (int f = tw_jfirst(&d, features); f >= 0 && !s->nomem; f = tw_jnext(&d, features, f))
            live__feature(s, &d, f, opt, lonlat);
    }
    tw_jdoc_free(&d);
    return live__done(s, out, err, errlen);
}
