/* The two JSON wind formats of web wind maps: grib2json (cambecc/earth: a JSON
 * array of GRIB2 records, each a "header" and a "data" array) and the
 * metadata of a webgl-wind PNG (mapbox/webgl-wind: uMin/uMax/vMin/vMax). */
#include "geo_wind.h"

#include "geo_wind_int.h"
#include "tw_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REC_OTHER = 0, REC_U, REC_V };

/* Which wind component a grib2json record holds: GRIB2 discipline 0,
 * category 2 (momentum), number 2 (u) or 3 (v); the names when the numbers
 * are missing. */
static int record_kind(json_object *header)
{
    double cat = 2, num = -1;
    bool has_cat = tw_json_number(header, "parameterCategory", &cat);
    if (tw_json_number(header, "parameterNumber", &num) && (!has_cat || cat == 2)) {
        if (num == 2) return REC_U;
        if (num == 3) return REC_V;
        return REC_OTHER;
    }
    const char *name = tw_json_string(header, "parameterNumberName");
    if (name && !strncmp(name, "U-component", 11)) return REC_U;
    if (name && !strncmp(name, "V-component", 11)) return REC_V;
    return REC_OTHER;
}

typedef struct grib_grid {
    double nx, ny, lo1, la1, dx, dy;
} grib_grid;

static tw_result read_grid(const char *name, const char *what, json_object *h, grib_grid *g,
                           char *err, size_t n)
{
    static const char *const keys[6] = {"nx", "ny", "lo1", "la1", "dx", "dy"};
    double *vals[6] = {&g->nx, &g->ny, &g->lo1, &g->la1, &g->dx, &g->dy};
    for (int k = 0; k < 6; k++) {
        if (!tw_json_number(h, keys[k], vals[k]) || !isfinite(*vals[k])) {
            snprintf(err, n, "%s: the %s record's header has no number \"%s\"", name, what,
                     keys[k]);
            return TW_ERR_FORMAT;
        }
    }
    if (g->nx != floor(g->nx) || g->ny != floor(g->ny) || !(g->dx > 0) || !(g->dy > 0)) {
        snprintf(err, n, "%s: the %s record's header has a bad grid (nx %g, ny %g, dx %g, dy %g)",
                 name, what, g->nx, g->ny, g->dx, g->dy);
        return TW_ERR_FORMAT;
    }
    return TW_OK;
}

static tw_result read_values(const char *name, const char *what, json_object *data, size_t count,
                             float *out, char *err, size_t n)
{
    size_t len = json_object_array_length(data);
    if (len != count) {
        snprintf(err, n, "%s: the %s record has %zu values, its header says %zu", name, what, len,
                 count);
        return TW_ERR_FORMAT;
    }
    for (size_t i = 0; i < count; i++) {
        json_object *e = json_object_array_get_idx(data, i);
        json_type t = json_object_get_type(e);
        if (t == json_type_null)
            out[i] = NAN;
        else if (t == json_type_double || t == json_type_int)
            out[i] = (float)json_object_get_double(e);
        else {
            snprintf(err, n, "%s: the %s record's value %zu is a %s, not a number", name, what, i,
                     tw_json_type_name(e));
            return TW_ERR_FORMAT;
        }
    }
    return TW_OK;
}

/* Valid time: refTime plus forecastTime (grib2json gives hours). */
static void grib_time(json_object *h, char *out, size_t n)
{
    double ref, hours = 0;
    out[0] = '\0';
    if (!geo_wind__parse_iso(tw_json_string(h, "refTime"), &ref)) return;
    if (!tw_json_number(h, "forecastTime", &hours) || !isfinite(hours)) hours = 0;
    geo_wind__format_iso(ref + hours * 3600.0, out, n);
}

tw_result geo_wind_parse_grib2json(const char *buf, size_t len, const char *name, long max_points,
                                   geo_wind_field **out, char *err, size_t n)
{
    if (out) *out = NULL;
    if (n) err[0] = '\0';
    if (!name || !name[0]) name = "grib2json";
    if (!buf || !out) {
        snprintf(err, n, "%s: no data", name);
        return TW_ERR_ARG;
    }
    json_object *root = NULL;
    char jerr[160];
    if (tw_json_parse(buf, len, &root, jerr, sizeof jerr) != TW_OK) {
        snprintf(err, n, "%s: not JSON: %s", name, jerr);
        return TW_ERR_FORMAT;
    }
    tw_result r = TW_OK;
    geo_wind_field *f = NULL;
    if (!json_object_is_type(root, json_type_array)) {
        snprintf(err, n, "%s: grib2json is a JSON array of records, this is a JSON %s", name,
                 tw_json_type_name(root));
        r = TW_ERR_FORMAT;
        goto done;
    }
    json_object *rec[3] = {NULL, NULL, NULL}; /* by kind */
    size_t nrec = json_object_array_length(root);
    for (size_t i = 0; i < nrec; i++) {
        json_object *e = json_object_array_get_idx(root, i);
        json_object *h = tw_json_get(e, "header", json_type_object);
        if (!h) {
            snprintf(err, n, "%s: record %zu has no \"header\" object", name, i);
            r = TW_ERR_FORMAT;
            goto done;
        }
        int kind = record_kind(h);
        if (kind != REC_OTHER && !rec[kind]) rec[kind] = e;
    }
    if (!rec[REC_U] || !rec[REC_V]) {
        snprintf(err, n,
                 "%s: no %s record (GRIB2 parameterCategory 2, parameterNumber %d) among %zu "
                 "records",
                 name, rec[REC_U] ? "V-component" : "U-component", rec[REC_U] ? 3 : 2, nrec);
        r = TW_ERR_FORMAT;
        goto done;
    }
    json_object *hu = tw_json_get(rec[REC_U], "header", json_type_object);
    json_object *hv = tw_json_get(rec[REC_V], "header", json_type_object);
    grib_grid gu, gv;
    if ((r = read_grid(name, "U", hu, &gu, err, n)) != TW_OK ||
        (r = read_grid(name, "V", hv, &gv, err, n)) != TW_OK)
        goto done;
    if (gu.nx != gv.nx || gu.ny != gv.ny || gu.lo1 != gv.lo1 || gu.la1 != gv.la1 ||
        gu.dx != gv.dx || gu.dy != gv.dy) {
        snprintf(err, n,
                 "%s: the U and V grids differ (U %g x %g from %g, %g step %g, %g; V %g x %g "
                 "from %g, %g step %g, %g)",
                 name, gu.nx, gu.ny, gu.lo1, gu.la1, gu.dx, gu.dy, gv.nx, gv.ny, gv.lo1, gv.la1,
                 gv.dx, gv.dy);
        r = TW_ERR_FORMAT;
        goto done;
    }
    if (gu.nx > 1e9 || gu.ny > 1e9) gu.nx = gu.ny = 1e9; /* the cap check names it */
    if ((r = geo_wind__check_size(name, (long)gu.nx, (long)gu.ny, max_points, err, n)) != TW_OK)
        goto done;
    double scan = 0, la2;
    tw_json_number(hu, "scanMode", &scan);
    int scan_mode = (int)scan;
    if (scan_mode & (0x80 | 0x20 | 0x10)) {
        snprintf(err, n,
                 "%s: GRIB2 scanMode %d (columns east to west, or column-major) is not supported",
                 name, scan_mode);
        r = TW_ERR_UNSUPPORTED;
        goto done;
    }
    json_object *du = tw_json_get(rec[REC_U], "data", json_type_array);
    json_object *dv = tw_json_get(rec[REC_V], "data", json_type_array);
    if (!du || !dv) {
        snprintf(err, n, "%s: the %s record has no \"data\" array", name, du ? "V" : "U");
        r = TW_ERR_FORMAT;
        goto done;
    }
    f = geo_wind__alloc((int)gu.nx, (int)gu.ny, name, "grib2json");
    if (!f) {
        snprintf(err, n, "%s: out of memory for %g x %g points", name, gu.nx, gu.ny);
        r = TW_ERR_NOMEM;
        goto done;
    }
    size_t count = (size_t)f->nx * (size_t)f->ny;
    if ((r = read_values(name, "U", du, count, f->u, err, n)) != TW_OK ||
        (r = read_values(name, "V", dv, count, f->v, err, n)) != TW_OK)
        goto done;
    f->lon0 = gu.lo1 >= 360 ? gu.lo1 - 360 : gu.lo1 < -180 ? gu.lo1 + 360 : gu.lo1;
    f->lat0 = gu.la1;
    f->dlon = gu.dx;
    if (tw_json_number(hu, "la2", &la2) && la2 != gu.la1)
        f->dlat = la2 > gu.la1 ? gu.dy : -gu.dy;
    else
        f->dlat = (scan_mode & 0x40) ? gu.dy : -gu.dy;
    grib_time(hu, f->time, sizeof f->time);
    const char *centre = tw_json_string(hu, "centerName");
    snprintf(f->source, sizeof f->source, "%s", centre ? centre : "grib2json");
    r = geo_wind__finish(f, err, n);
done:
    json_object_put(root);
    if (r != TW_OK) {
        geo_wind_field_destroy(f);
        return r;
    }
    *out = f;
    return TW_OK;
}

tw_result geo_wind_from_webgl(const char *json, size_t json_len, const unsigned char *pixels,
                              int width, int height, int channels, const char *name,
                              geo_wind_field **out, char *err, size_t n)
{
    if (out) *out = NULL;
    if (n) err[0] = '\0';
    if (!name || !name[0]) name = "webgl-wind";
    if (!json || !pixels || !out) {
        snprintf(err, n, "%s: no data", name);
        return TW_ERR_ARG;
    }
    if (channels < 3) {
        snprintf(err, n, "%s: the PNG has %d channel(s); webgl-wind needs RGB (R = u, G = v)", name,
                 channels);
        return TW_ERR_FORMAT;
    }
    json_object *meta = NULL;
    char jerr[160];
    if (tw_json_parse(json, json_len, &meta, jerr, sizeof jerr) != TW_OK) {
        snprintf(err, n, "%s: its metadata JSON is not JSON: %s", name, jerr);
        return TW_ERR_FORMAT;
    }
    tw_result r = TW_OK;
    geo_wind_field *f = NULL;
    static const char *const keys[4] = {"uMin", "uMax", "vMin", "vMax"};
    double lim[4], w, h;
    if (!json_object_is_type(meta, json_type_object)) {
        snprintf(err, n, "%s: its metadata JSON is a %s, not an object", name,
                 tw_json_type_name(meta));
        r = TW_ERR_FORMAT;
        goto done;
    }
    for (int k = 0; k < 4; k++) {
        if (!tw_json_number(meta, keys[k], &lim[k]) || !isfinite(lim[k])) {
            snprintf(err, n, "%s: its metadata JSON has no number \"%s\"", name, keys[k]);
            r = TW_ERR_FORMAT;
            goto done;
        }
    }
    if (lim[1] < lim[0] || lim[3] < lim[2]) {
        snprintf(err, n, "%s: its metadata has uMax < uMin or vMax < vMin", name);
        r = TW_ERR_FORMAT;
        goto done;
    }
    if ((tw_json_number(meta, "width", &w) && w != width) ||
        (tw_json_number(meta, "height", &h) && h != height)) {
        snprintf(err, n, "%s: the metadata says %g x %g pixels, the PNG has %d x %d", name,
                 tw_json_number(meta, "width", &w) ? w : width,
                 tw_json_number(meta, "height", &h) ? h : height, width, height);
        r = TW_ERR_FORMAT;
        goto done;
    }
    if ((r = geo_wind__check_size(name, width, height, 0, err, n)) != TW_OK) goto done;
    f = geo_wind__alloc(width, height, name, "webgl-wind");
    if (!f) {
        snprintf(err, n, "%s: out of memory", name);
        r = TW_ERR_NOMEM;
        goto done;
    }
    /* mapbox/webgl-wind's prepare.js: pixel (x, y) holds GFS column
     * x + width/2, so lon = x - 180; row y is latitude 90 - y. */
    f->lon0 = -180.0;
    f->dlon = 360.0 / width;
    f->lat0 = 90.0;
    f->dlat = -180.0 / height;
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            const unsigned char *p = pixels + ((size_t)y * width + x) * (size_t)channels;
            size_t at = (size_t)y * width + x;
            f->u[at] = (float)(lim[0] + p[0] / 255.0 * (lim[1] - lim[0]));
            f->v[at] = (float)(lim[2] + p[1] / 255.0 * (lim[3] - lim[2]));
        }
    }
    double t;
    if (geo_wind__parse_iso(tw_json_string(meta, "date"), &t))
        geo_wind__format_iso(t, f->time, sizeof f->time);
    const char *src = tw_json_string(meta, "source");
    snprintf(f->source, sizeof f->source, "%s", src ? src : "webgl-wind");
    r = geo_wind__finish(f, err, n);
done:
    json_object_put(meta);
    if (r != TW_OK) {
        geo_wind_field_destroy(f);
        return r;
    }
    *out = f;
    return TW_OK;
}
