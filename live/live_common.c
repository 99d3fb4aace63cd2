/* Shared pieces of the feed parsers: positioned JSON errors, ISO 8601 times
 * without the C library's local-time functions, GeoJSON geometries into the
 * current snapshot entity, scalar values and the choice of "the value". The
 * JSON is a flat document of core/tw_jscan.h, not a json-c tree. */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads exactly n digits. */
static bool live__digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static long long live__days(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

double live__time(const char *text, double utc_offset_h)
{
    if (!text) return NAN;
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    double frac = 0;
    if (!live__digits(&p, 4, &y) || *p++ != '-' || !live__digits(&p, 2, &mo) || *p++ != '-' ||
        !live__digits(&p, 2, &d))
        return NAN;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return NAN;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!live__digits(&p, 2, &h) || *p++ != ':' || !live__digits(&p, 2, &mi)) return NAN;
        if (*p == ':') {
            p++;
            if (!live__digits(&p, 2, &sec)) return NAN;
            if (*p == '.' || *p == ',') {
                p++;
                double scale = 0.1;
                if (*p < '0' || *p > '9') return NAN;
                for (; *p >= '0' && *p <= '9'; p++, scale *= 0.1) frac += (*p - '0') * scale;
            }
        }
        if (h > 24 || mi > 59 || sec > 60) return NAN;
    }
    double offset_s = utc_offset_h * 3600.0;
    if (*p == 'Z' || *p == 'z') {
        offset_s = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!live__digits(&p, 2, &oh)) return NAN;
        if (*p == ':') p++;
        if (*p >= '0' && *p <= '9' && !live__digits(&p, 2, &om)) return NAN;
        offset_s = sign * (oh * 3600.0 + om * 60.0);
    }
    if (*p) return NAN;
    return (double)live__days(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + sec + frac - offset_s;
}

tw_result live__json(tw_jdoc *d, const char *buf, size_t len, char *err, size_t errlen)
{
    if (len > 0x7fffffff) {
        snprintf(err, errlen, "document larger than the 2 GB a JSON parse may take");
        return TW_ERR_TOOBIG;
    }
    if (tw_jparse(d, buf, len)) return TW_OK;
    live__json_error(d, buf, len, err, errlen);
    return d->nomem ? TW_ERR_NOMEM : TW_ERR_FORMAT;
}

void live__json_error(const tw_jdoc *d, const char *buf, size_t len, char *err, size_t errlen)
{
    char why[200];
    tw_jdoc_error_text(d, buf, len, why, sizeof why);
    snprintf(err, errlen, "bad JSON at %s", why);
}

double live__time_json(const tw_jdoc *d, int v)
{
    if (tw_jis(d, v, TW_J_OBJECT)) v = tw_jget(d, v, "@value");
    char text[128];
    return tw_jstr_copy(d, v, text, sizeof text) ? live__time(text, 0) : NAN;
}

static bool live__position(const tw_jdoc *d, int p, bool lonlat, double *x, double *y)
{
    if (!tw_jis(d, p, TW_J_ARRAY) || tw_jcount(d, p) < 2) return false;
    int a = p + 1, b = (int)d->nodes[a].end;
    if (!tw_jnumber(d, a, x) || !tw_jnumber(d, b, y)) return false;
    if (!isfinite(*x) || !isfinite(*y)) return false;
    if (lonlat && (fabs(*x) > 180 || fabs(*y) > 90)) return false;
    return true;
}

static bool live__positions(tw_obs_snapshot *s, const tw_jdoc *d, int arr, bool lonlat, int min)
{
    if (!tw_jis(d, arr, TW_J_ARRAY) || tw_jcount(d, arr) < min) return false;
    for (int c = tw_jfirst(d, arr); c >= 0; c = tw_jnext(d, arr, c)) {
        double x, y;
        if (!live__position(d, c, lonlat, &x, &y)) return false;
        tw_obs_add_vertex(s, x, y);
    }
    return true;
}

/* Counts the positions in the parts after the first of a multi-geometry. */
static void live__drop_rest(tw_obs_snapshot *s, const tw_jdoc *d, int parts, bool points)
{
    int c = tw_jfirst(d, parts);
    if (c < 0) return;
    for (c = tw_jnext(d, parts, c); c >= 0; c = tw_jnext(d, parts, c))
        s->dropped_vertices += points || !tw_jis(d, c, TW_J_ARRAY) ? 1 : tw_jcount(d, c);
}

static bool live__geometry_at(tw_obs_snapshot *s, const tw_jdoc *d, int g, bool lonlat,
                              tw_obs_skip *why)
{
    *why = TW_OBS_SKIP_NO_LOCATION;
    for (int depth = 0; depth < 4 && g >= 0; depth++) {
        if (!tw_jis(d, g, TW_J_OBJECT)) {
            if (!tw_jis(d, g, TW_J_NULL)) *why = TW_OBS_SKIP_BAD_GEOMETRY;
            return false;
        }
        int type = tw_jget(d, g, "type");
        if (!tw_jis(d, type, TW_J_STRING)) {
            *why = TW_OBS_SKIP_BAD_GEOMETRY;
            return false;
        }
        if (tw_jstr_is(d, type, "Feature")) {
            g = tw_jget(d, g, "geometry");
            if (!tw_jis(d, g, TW_J_OBJECT)) g = -1;
            continue;
        }
        if (tw_jstr_is(d, type, "GeometryCollection")) {
            int gs = tw_jget(d, g, "geometries");
            if (!tw_jis(d, gs, TW_J_ARRAY) || tw_jcount(d, gs) == 0) break;
            g = tw_jfirst(d, gs);
            continue;
        }
        *why = TW_OBS_SKIP_BAD_GEOMETRY;
        int c = tw_jget(d, g, "coordinates");
        if (!tw_jis(d, c, TW_J_ARRAY)) return false;
        const tw_jnode *t = &d->nodes[type];
        bool multi = t->len >= 5 && memcmp(t->s, "Multi", 5) == 0;
        const char *base = multi ? t->s + 5 : t->s;
        size_t blen = multi ? t->len - 5 : t->len;
#define LIVE__IS(lit) (blen == sizeof lit - 1 && memcmp(base, lit, blen) == 0)
        if (multi) {
            if (tw_jcount(d, c) == 0) return false;
            live__drop_rest(s, d, c, LIVE__IS("Point"));
            c = tw_jfirst(d, c);
        }
        if (LIVE__IS("Point")) {
            double x, y;
            if (!live__position(d, c, lonlat, &x, &y)) return false;
            tw_obs_add_vertex(s, x, y);
            return tw_obs_set_geometry(s, TW_OBS_GEOM_POINT);
        }
        if (LIVE__IS("LineString")) {
            if (!live__positions(s, d, c, lonlat, 2)) return false;
            return tw_obs_set_geometry(s, TW_OBS_GEOM_LINE);
        }
        if (LIVE__IS("Polygon")) {
            if (!tw_jis(d, c, TW_J_ARRAY) || tw_jcount(d, c) == 0) return false;
            live__drop_rest(s, d, c, false); /* holes */
            if (!live__positions(s, d, tw_jfirst(d, c), lonlat, 3)) return false;
            return tw_obs_set_geometry(s, TW_OBS_GEOM_POLYGON);
        }
#undef LIVE__IS
        return false;
    }
    return false;
}

bool live__geometry(tw_obs_snapshot *s, const tw_jdoc *d, int g, bool lonlat, tw_obs_skip *why)
{
    if (s->current < 0) return false;
    tw_obs_entity *e = &s->entities[s->current];
    int mine = e->vertex_count, all = s->vertex_count;
    if (live__geometry_at(s, d, g, lonlat, why)) return true;
    e->vertex_count = mine;
    s->vertex_count = all;
    return false;
}

tw_obs_value *live__scalar(tw_obs_snapshot *s, const tw_jdoc *d, int key, int v)
{
    const tw_jnode *k = &d->nodes[key];
    tw_obs_value *val;
    switch (tw_jtype_of(d, v)) {
    case TW_J_NUMBER: {
        double x;
        if (!tw_jnumber(d, v, &x) || !isfinite(x)) return NULL;
        if ((val = tw_obs_add_value_n(s, k->s, k->len))) val->number = x;
        return val;
    }
    case TW_J_TRUE:
    case TW_J_FALSE:
        if ((val = tw_obs_add_value_n(s, k->s, k->len)))
            val->number = tw_jis(d, v, TW_J_TRUE) ? 1 : 0;
        return val;
    case TW_J_STRING:
        if ((val = tw_obs_add_value_n(s, k->s, k->len)))
            val->text = tw_obs_str(s, d->nodes[v].s, d->nodes[v].len);
        return val;
    default:
        return NULL;
    }
}

const char *live__id(tw_obs_snapshot *s, const tw_jdoc *d, int v)
{
    if (tw_jis(d, v, TW_J_STRING))
        return d->nodes[v].len > 0 ? tw_obs_str(s, d->nodes[v].s, d->nodes[v].len) : NULL;
    if (tw_jinteger(d, v)) return tw_obs_str(s, d->nodes[v].s, d->nodes[v].len);
    return NULL;
}

const char *live__str(tw_obs_snapshot *s, const tw_jdoc *d, int v)
{
    return tw_jis(d, v, TW_J_STRING) ? tw_obs_str(s, d->nodes[v].s, d->nodes[v].len) : NULL;
}

void live__pick_main(tw_obs_snapshot *s, tw_obs_entity *e, const char *wanted,
                     const char *const *presets)
{
    tw_obs_value *v = tw_obs_values(s, e);
    e->main_value = -1;
    if (wanted) {
        for (int i = 0; i < e->value_count; i++)
            if (strcmp(v[i].name, wanted) == 0) {
                e->main_value = i;
                return;
            }
        return;
    }
    for (; presets && *presets; presets++)
        for (int i = 0; i < e->value_count; i++)
            if (strcmp(v[i].name, *presets) == 0) {
                e->main_value = i;
                return;
            }
}

tw_obs_snapshot *live__create(const live_options *opt, char *err, size_t errlen)
{
    tw_obs_snapshot *s = tw_obs_create(opt ? &opt->limits : NULL);
    if (!s) snprintf(err, errlen, "out of memory");
    return s;
}

tw_result live__done(tw_obs_snapshot *s, tw_obs_snapshot **out, char *err, size_t errlen)
{
    tw_obs_commit(s);
    if (s->nomem) {
        tw_obs_free(s);
        snprintf(err, errlen, "out of memory while building the snapshot");
        return TW_ERR_NOMEM;
    }
    *out = s;
    return TW_OK;
}
