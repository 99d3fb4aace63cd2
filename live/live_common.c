/* Shared pieces of the feed parsers: positioned JSON errors, ISO 8601 times
 * without the C library's local-time functions, GeoJSON geometries into the
 * current snapshot entity, scalar values and the choice of "the value". */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tw_result live__json(const char *buf, size_t len, json_object **out, char *err, size_t errlen)
{
    char why[256];
    tw_result r = tw_json_parse(buf, len, out, why, sizeof why);
    if (r == TW_ERR_FORMAT)
        snprintf(err, errlen, "bad JSON at %s", why);
    else if (r != TW_OK)
        snprintf(err, errlen, "%s", why);
    return r;
}

static size_t live__ws(const char *b, size_t i, size_t len)
{
    while (i < len && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
    return i;
}

tw_result live__each(const char *buf, size_t len, void (*each)(json_object *, void *), void *user)
{
    size_t i = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    i = live__ws(buf, i, len);
    if (i >= len || buf[i] != '[' || len > 0x7fffffff) return TW_ERR_FORMAT;
    i = live__ws(buf, i + 1, len);
    if (i < len && buf[i] == ']') return live__ws(buf, i + 1, len) == len ? TW_OK : TW_ERR_FORMAT;
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok) return TW_ERR_NOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    tw_result r = TW_ERR_FORMAT;
    while (i < len) {
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, buf + i, (int)(len - i));
        if (json_tokener_get_error(tok) != json_tokener_success) break;
        size_t end = json_tokener_get_parse_end(tok);
        if (end == 0) break;
        each(o, user);
        json_object_put(o);
        i = live__ws(buf, i + end, len);
        if (i < len && buf[i] == ',') {
            i = live__ws(buf, i + 1, len);
            continue;
        }
        if (i < len && buf[i] == ']') r = live__ws(buf, i + 1, len) == len ? TW_OK : TW_ERR_FORMAT;
        break;
    }
    json_tokener_free(tok);
    return r;
}

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

double live__time_json(json_object *v)
{
    if (json_object_is_type(v, json_type_string)) return live__time(json_object_get_string(v), 0);
    if (json_object_is_type(v, json_type_object)) {
        const char *s = tw_json_string(v, "@value");
        return s ? live__time(s, 0) : NAN;
    }
    return NAN;
}

static bool live__position(json_object *p, bool lonlat, double *x, double *y)
{
    if (!json_object_is_type(p, json_type_array) || json_object_array_length(p) < 2) return false;
    json_object *a = json_object_array_get_idx(p, 0), *b = json_object_array_get_idx(p, 1);
    if (!(json_object_is_type(a, json_type_double) || json_object_is_type(a, json_type_int)) ||
        !(json_object_is_type(b, json_type_double) || json_object_is_type(b, json_type_int)))
        return false;
    *x = json_object_get_double(a);
    *y = json_object_get_double(b);
    if (!isfinite(*x) || !isfinite(*y)) return false;
    if (lonlat && (fabs(*x) > 180 || fabs(*y) > 90)) return false;
    return true;
}

/* Adds the positions of an array to the current entity; min: fewest needed. */
static bool live__positions(tw_obs_snapshot *s, json_object *arr, bool lonlat, int min)
{
    if (!json_object_is_type(arr, json_type_array)) return false;
    size_t n = json_object_array_length(arr);
    if (n < (size_t)min) return false;
    for (size_t i = 0; i < n; i++) {
        double x, y;
        if (!live__position(json_object_array_get_idx(arr, i), lonlat, &x, &y)) return false;
        tw_obs_add_vertex(s, x, y);
    }
    return true;
}

/* Counts the positions in the parts after the first of a multi-geometry. */
static void live__drop_rest(tw_obs_snapshot *s, json_object *parts, bool points)
{
    size_t n = json_object_array_length(parts);
    for (size_t i = 1; i < n; i++) {
        json_object *p = json_object_array_get_idx(parts, i);
        if (points || !json_object_is_type(p, json_type_array))
            s->dropped_vertices++;
        else
            s->dropped_vertices += (int)json_object_array_length(p);
    }
}

static bool live__geometry_at(tw_obs_snapshot *s, json_object *g, bool lonlat, tw_obs_skip *why)
{
    *why = TW_OBS_SKIP_NO_LOCATION;
    for (int depth = 0; depth < 4 && g; depth++) {
        if (!json_object_is_type(g, json_type_object)) {
            if (!json_object_is_type(g, json_type_null)) *why = TW_OBS_SKIP_BAD_GEOMETRY;
            return false;
        }
        const char *type = tw_json_string(g, "type");
        if (!type) {
            *why = TW_OBS_SKIP_BAD_GEOMETRY;
            return false;
        }
        if (strcmp(type, "Feature") == 0) {
            g = tw_json_get(g, "geometry", json_type_object);
            continue;
        }
        if (strcmp(type, "GeometryCollection") == 0) {
            json_object *gs = tw_json_get(g, "geometries", json_type_array);
            if (!gs || json_object_array_length(gs) == 0) break;
            g = json_object_array_get_idx(gs, 0);
            continue;
        }
        *why = TW_OBS_SKIP_BAD_GEOMETRY;
        json_object *c = tw_json_get(g, "coordinates", json_type_array);
        if (!c) return false;
        bool multi = strncmp(type, "Multi", 5) == 0;
        const char *base = multi ? type + 5 : type;
        if (multi) {
            if (json_object_array_length(c) == 0) return false;
            live__drop_rest(s, c, strcmp(base, "Point") == 0);
            c = json_object_array_get_idx(c, 0);
        }
        if (strcmp(base, "Point") == 0) {
            double x, y;
            if (!live__position(c, lonlat, &x, &y)) return false;
            tw_obs_add_vertex(s, x, y);
            return tw_obs_set_geometry(s, TW_OBS_GEOM_POINT);
        }
        if (strcmp(base, "LineString") == 0) {
            if (!live__positions(s, c, lonlat, 2)) return false;
            return tw_obs_set_geometry(s, TW_OBS_GEOM_LINE);
        }
        if (strcmp(base, "Polygon") == 0) {
            if (!json_object_is_type(c, json_type_array) || json_object_array_length(c) == 0)
                return false;
            live__drop_rest(s, c, false); /* holes */
            if (!live__positions(s, json_object_array_get_idx(c, 0), lonlat, 3)) return false;
            return tw_obs_set_geometry(s, TW_OBS_GEOM_POLYGON);
        }
        return false;
    }
    return false;
}

bool live__geometry(tw_obs_snapshot *s, json_object *g, bool lonlat, tw_obs_skip *why)
{
    if (s->current < 0) return false;
    /* On failure take back the vertices added so far: the entity may be a
     * reopened one that is kept. */
    tw_obs_entity *e = &s->entities[s->current];
    int mine = e->vertex_count, all = s->vertex_count;
    if (live__geometry_at(s, g, lonlat, why)) return true;
    e->vertex_count = mine;
    s->vertex_count = all;
    return false;
}

tw_obs_value *live__scalar(tw_obs_snapshot *s, const char *name, json_object *v)
{
    tw_obs_value *val;
    switch (json_object_get_type(v)) {
    case json_type_int:
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d)) return NULL;
        if ((val = tw_obs_add_value(s, name))) val->number = d;
        return val;
    }
    case json_type_boolean:
        if ((val = tw_obs_add_value(s, name))) val->number = json_object_get_boolean(v) ? 1 : 0;
        return val;
    case json_type_string:
        if ((val = tw_obs_add_value(s, name)))
            val->text = tw_obs_str(s, json_object_get_string(v), json_object_get_string_len(v));
        return val;
    default:
        return NULL;
    }
}

const char *live__id(tw_obs_snapshot *s, json_object *v)
{
    if (json_object_is_type(v, json_type_string)) {
        int n = json_object_get_string_len(v);
        return n > 0 ? tw_obs_str(s, json_object_get_string(v), n) : NULL;
    }
    if (json_object_is_type(v, json_type_int)) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)json_object_get_int64(v));
        return tw_obs_str(s, b, -1);
    }
    return NULL;
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

void live__copy(char *dst, size_t n, const char *src)
{
    size_t len = src ? strlen(src) : 0;
    if (n == 0) return;
    if (len >= n) len = 0;
    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}
