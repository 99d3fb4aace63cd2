/* OGC SensorThings API v1.x responses. A Thing becomes an entity, its
 * Location its position, each Datastream one value (named by the Datastream,
 * unit from unitOfMeasurement.symbol, ref = the Datastream's @iot.id) and
 * the newest Observation that value's number and time. Expanded responses
 * carry all of it at once; separate GET responses are merged in afterwards.
 * Read with core/tw_jscan.h. */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The items of a response: the elements of its "value" array, or the
 * response itself when it is a single entity. */
typedef struct live__items {
    int list;
    bool single;
} live__items;

static int live__item_first(const tw_jdoc *d, live__items it)
{
    return it.single ? it.list : tw_jfirst(d, it.list);
}

static int live__item_next(const tw_jdoc *d, live__items it, int c)
{
    return it.single ? -1 : tw_jnext(d, it.list, c);
}

static void live__paging(const tw_jdoc *d, live_paging *pg)
{
    if (!pg) return;
    pg->count = -1;
    pg->next_link[0] = '\0';
    double c;
    if (tw_jnumber(d, tw_jget(d, 0, "@iot.count"), &c)) pg->count = (long long)c;
    if (!tw_jstr_copy(d, tw_jget(d, 0, "@iot.nextLink"), pg->next_link, sizeof pg->next_link))
        pg->next_link[0] = '\0'; /* absent, or too long to keep */
}

/* Parses a response into d and finds its items. The caller frees d. */
static tw_result live__list(tw_jdoc *d, const char *buf, size_t len, const char *what,
                            live__items *items, live_paging *pg, char *err, size_t errlen)
{
    tw_jdoc_init(d);
    tw_result r = live__json(d, buf, len, err, errlen);
    if (r != TW_OK) return r;
    int list = tw_jget(d, 0, "value");
    if (tw_jis(d, list, TW_J_ARRAY)) {
        *items = (live__items){list, false};
    } else if (tw_jget(d, 0, "@iot.id") >= 0) {
        *items = (live__items){0, true};
    } else {
        snprintf(err, errlen, "SensorThings: no \"value\" array in the %s response", what);
        return TW_ERR_FORMAT;
    }
    live__paging(d, pg);
    return TW_OK;
}

/* An @iot.id as text in buf (ids are integers or strings); NULL otherwise. */
static const char *live__id_text(const tw_jdoc *d, int v, char *buf, size_t n)
{
    if (tw_jis(d, v, TW_J_STRING) || tw_jinteger(d, v)) {
        size_t len = d->nodes[v].len;
        if (len >= n) return NULL;
        memcpy(buf, d->nodes[v].s, len);
        buf[len] = '\0';
        return buf;
    }
    return NULL;
}

/* Time of an observation: phenomenonTime (the end of an interval), else
 * resultTime. */
static double live__obs_time(const tw_jdoc *d, int o)
{
    char t[160];
    if (tw_jstr_copy(d, tw_jget(d, o, "phenomenonTime"), t, sizeof t)) {
        const char *slash = strchr(t, '/');
        double v = live__time(slash ? slash + 1 : t, 0);
        if (isfinite(v)) return v;
    }
    return tw_jstr_copy(d, tw_jget(d, o, "resultTime"), t, sizeof t) ? live__time(t, 0) : NAN;
}

/* Sets v from the newest Observation of the items. */
static void live__observations(tw_obs_snapshot *s, tw_obs_value *v, const tw_jdoc *d,
                               live__items arr)
{
    int best = -1;
    double best_t = NAN;
    for (int o = live__item_first(d, arr); o >= 0; o = live__item_next(d, arr, o)) {
        if (!tw_jis(d, o, TW_J_OBJECT)) continue;
        double t = live__obs_time(d, o);
        if (best < 0 || (isfinite(t) && (!isfinite(best_t) || t > best_t))) {
            best = o;
            best_t = t;
        }
    }
    if (best < 0) return;
    v->observed_at = best_t;
    v->number = NAN;
    v->text = NULL;
    int res = tw_jget(d, best, "result");
    switch (tw_jtype_of(d, res)) {
    case TW_J_NUMBER:
        if (!tw_jnumber(d, res, &v->number) || !isfinite(v->number)) v->number = NAN;
        break;
    case TW_J_TRUE:
    case TW_J_FALSE:
        v->number = tw_jis(d, res, TW_J_TRUE) ? 1 : 0;
        break;
    case TW_J_STRING: {
        /* Some servers (SensorUp's) send numbers as strings. */
        char str[256], *end = str;
        double x = NAN;
        if (tw_jstr_copy(d, res, str, sizeof str)) x = strtod(str, &end);
        if (end != str && *end == '\0' && isfinite(x)) {
            v->number = x;
        } else {
            v->text = live__str(s, d, res);
            tw_obs_count(s, TW_OBS_SKIP_BAD_VALUE);
        }
        break;
    }
    default:
        break;
    }
}

/* Adds a Datastream to the current entity as a value. */
static void live__datastream(tw_obs_snapshot *s, const tw_jdoc *d, int ds)
{
    if (!tw_jis(d, ds, TW_J_OBJECT)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    int name = tw_jget(d, ds, "name");
    const char *ref = live__id(s, d, tw_jget(d, ds, "@iot.id"));
    if (!ref) {
        tw_obs_count(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    /* The same Datastream merged twice stays one value. */
    tw_obs_entity *e = &s->entities[s->current];
    tw_obs_value *vals = tw_obs_values(s, e), *v = NULL;
    for (int i = 0; i < e->value_count && !v; i++)
        if (vals[i].ref && strcmp(vals[i].ref, ref) == 0) v = &vals[i];
    if (!v && !(v = tw_jis(d, name, TW_J_STRING)
                        ? tw_obs_add_value_n(s, d->nodes[name].s, d->nodes[name].len)
                        : tw_obs_add_value(s, ref)))
        return;
    v->ref = ref;
    int uom = tw_jget(d, ds, "unitOfMeasurement");
    int unit = tw_jis(d, uom, TW_J_OBJECT) ? tw_jget(d, uom, "symbol") : -1;
    if (tw_jis(d, unit, TW_J_STRING)) v->unit = live__str(s, d, unit);
    int obs = tw_jget(d, ds, "Observations");
    if (tw_jis(d, obs, TW_J_ARRAY)) live__observations(s, v, d, (live__items){obs, false});
}

static void live__thing(tw_obs_snapshot *s, const tw_jdoc *d, int t)
{
    if (!tw_jis(d, t, TW_J_OBJECT)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    e->id = live__id(s, d, tw_jget(d, t, "@iot.id"));
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    e->type = "Thing";
    int name = tw_jget(d, t, "name");
    if (tw_jis(d, name, TW_J_STRING)) e->name = live__str(s, d, name);
    int locs = tw_jget(d, t, "Locations");
    if (tw_jis(d, locs, TW_J_ARRAY) && tw_jcount(d, locs) > 0) {
        tw_obs_skip why;
        if (!live__geometry(s, d, tw_jget(d, tw_jfirst(d, locs), "location"), true, &why)) {
            tw_obs_cancel(s, why);
            return;
        }
    }
    int dss = tw_jget(d, t, "Datastreams");
    if (tw_jis(d, dss, TW_J_ARRAY))
        for (int c = tw_jfirst(d, dss); c >= 0; c = tw_jnext(d, dss, c)) live__datastream(s, d, c);
    tw_obs_commit(s);
}

tw_result live_sta_things(const char *buf, size_t len, const live_options *opt,
                          tw_obs_snapshot **out, live_paging *paging, char *err, size_t errlen)
{
    *out = NULL;
    tw_jdoc d;
    live__items list;
    tw_result r = live__list(&d, buf, len, "Things", &list, paging, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        tw_jdoc_free(&d);
        return TW_ERR_NOMEM;
    }
    for (int t = live__item_first(&d, list); t >= 0 && !s->nomem; t = live__item_next(&d, list, t))
        live__thing(s, &d, t);
    tw_jdoc_free(&d);
    return live__done(s, out, err, errlen);
}

/* Gives entity i the Location's geometry unless it has one already. */
static void live__locate(tw_obs_snapshot *s, int i, const tw_jdoc *d, int geom)
{
    if (i < 0 || s->entities[i].geom != TW_OBS_GEOM_NONE) return;
    if (!tw_obs_reopen(s, i)) return;
    tw_obs_skip why;
    if (!live__geometry(s, d, geom, true, &why)) tw_obs_count(s, why);
    tw_obs_commit(s);
}

tw_result live_sta_merge_locations(tw_obs_snapshot *snap, const char *buf, size_t len,
                                   live_paging *paging, char *err, size_t errlen)
{
    tw_jdoc d;
    live__items list;
    tw_result r = live__list(&d, buf, len, "Locations", &list, paging, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    for (int l = live__item_first(&d, list); l >= 0; l = live__item_next(&d, list, l)) {
        int geom = tw_jget(&d, l, "location");
        if (geom < 0) continue;
        int things = tw_jget(&d, l, "Things");
        if (tw_jis(&d, things, TW_J_ARRAY)) {
            for (int t = tw_jfirst(&d, things); t >= 0; t = tw_jnext(&d, things, t)) {
                char b[256];
                const char *id = live__id_text(&d, tw_jget(&d, t, "@iot.id"), b, sizeof b);
                if (id) live__locate(snap, tw_obs_find(snap, id), &d, geom);
            }
            continue;
        }
        /* No link back to the Thing in a plain Locations list: a Location
         * named like a Thing is its place (true of the SensorUp servers). */
        char name[1100];
        if (!tw_jstr_copy(&d, tw_jget(&d, l, "name"), name, sizeof name)) continue;
        for (int k = 0; k < snap->entity_count; k++)
            if (snap->entities[k].name && strcmp(snap->entities[k].name, name) == 0)
                live__locate(snap, k, &d, geom);
    }
    tw_jdoc_free(&d);
    if (snap->nomem) {
        snprintf(err, errlen, "out of memory while merging Locations");
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}

tw_result live_sta_merge_thing_location(tw_obs_snapshot *snap, const char *thing_id,
                                        const char *buf, size_t len, char *err, size_t errlen)
{
    tw_jdoc d;
    live__items list;
    tw_result r = live__list(&d, buf, len, "Locations", &list, NULL, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    int i = thing_id ? tw_obs_find(snap, thing_id) : -1, geom = -1;
    for (int l = live__item_first(&d, list); i >= 0 && geom < 0 && l >= 0;
         l = live__item_next(&d, list, l))
        geom = tw_jget(&d, l, "location");
    if (geom >= 0) live__locate(snap, i, &d, geom);
    tw_jdoc_free(&d);
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
    tw_jdoc d;
    live__items list;
    tw_result r = live__list(&d, buf, len, "Datastreams", &list, paging, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    if (tw_obs_reopen(snap, i)) {
        for (int c = live__item_first(&d, list); c >= 0; c = live__item_next(&d, list, c))
            live__datastream(snap, &d, c);
        tw_obs_commit(snap);
    }
    tw_jdoc_free(&d);
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
    tw_jdoc d;
    live__items list;
    tw_result r = live__list(&d, buf, len, "Observations", &list, paging, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    live__observations(snap, v, &d, list);
    tw_jdoc_free(&d);
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
