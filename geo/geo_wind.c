/* Wind fields: opening (format recognition), checks, sampling and the
 * resampling onto a scene grid with the rotation into the scene's axes. The
 * format readers are in geo_wind_json.c and geo_wind_gdal.c. */
#define _LARGEFILE64_SOURCE 1
#include "geo_wind.h"

#include "geo_wind_int.h"
#include "tw_file.h"

#include <cpl_vsi.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

geo_wind_field *geo_wind__alloc(int nx, int ny, const char *name, const char *format)
{
    geo_wind_field *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    size_t count = (size_t)nx * (size_t)ny;
    f->u = malloc(count * sizeof *f->u);
    f->v = malloc(count * sizeof *f->v);
    if (!f->u || !f->v) {
        geo_wind_field_destroy(f);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) f->u[i] = f->v[i] = NAN;
    f->nx = nx;
    f->ny = ny;
    snprintf(f->name, sizeof f->name, "%s", name ? name : "wind field");
    snprintf(f->format, sizeof f->format, "%s", format ? format : "");
    return f;
}

void geo_wind_field_destroy(geo_wind_field *f)
{
    if (!f) return;
    free(f->u);
    free(f->v);
    free(f);
}

tw_result geo_wind__check_size(const char *name, long nx, long ny, long max_points, char *err,
                               size_t n)
{
    long cap = max_points > 0 ? max_points : GEO_WIND_MAX_POINTS;
    if (nx < 2 || ny < 2) {
        snprintf(err, n, "%s: grid of %ld x %ld points; a wind field needs at least 2 x 2", name,
                 nx, ny);
        return TW_ERR_FORMAT;
    }
    if (nx > cap || ny > cap || (double)nx * (double)ny > (double)cap) {
        snprintf(err, n, "%s: grid of %ld x %ld points is over the limit of %ld points", name, nx,
                 ny, cap);
        return TW_ERR_TOOBIG;
    }
    return TW_OK;
}

tw_result geo_wind__finish(geo_wind_field *f, char *err, size_t n)
{
    if (!(isfinite(f->lon0) && isfinite(f->lat0) && isfinite(f->dlon) && isfinite(f->dlat)) ||
        f->dlon <= 0 || f->dlat == 0 || fabs(f->dlon) > 360 || fabs(f->dlat) > 180) {
        snprintf(err, n, "%s: impossible grid (first point %g, %g; step %g, %g degrees)", f->name,
                 f->lon0, f->lat0, f->dlon, f->dlat);
        return TW_ERR_FORMAT;
    }
    double lat_end = f->lat0 + (f->ny - 1) * f->dlat;
    if (fabs(f->lat0) > 90 + 1e-6 || fabs(lat_end) > 90 + 1e-6) {
        snprintf(err, n, "%s: latitudes %g to %g are outside -90..90", f->name, f->lat0, lat_end);
        return TW_ERR_FORMAT;
    }
    if (f->lon0 < -180 - 1e-9 || f->lon0 >= 360) {
        snprintf(err, n, "%s: first longitude %g is outside -180..360", f->name, f->lon0);
        return TW_ERR_FORMAT;
    }
    double span = f->nx * f->dlon;
    f->wrap = fabs(span - 360.0) <= 1e-6 * 360.0;
    if (span > 360.0 * (1 + 1e-6)) {
        snprintf(err, n, "%s: %d columns of %g degrees span more than 360 degrees", f->name, f->nx,
                 f->dlon);
        return TW_ERR_FORMAT;
    }
    size_t count = (size_t)f->nx * (size_t)f->ny;
    long bad = 0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(f->u[i]) || !isfinite(f->v[i])) {
            f->u[i] = f->v[i] = NAN;
            bad++;
        }
    }
    f->nodata_count = bad;
    if ((size_t)bad == count) {
        snprintf(err, n, "%s: every one of the %zu grid points is nodata (NaN)", f->name, count);
        return TW_ERR_FORMAT;
    }
    return TW_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * civil-from-days inverse). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

double geo_wind__epoch(int y, int mo, int d, int h, int mi, double s)
{
    return (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + s;
}

bool geo_wind__parse_iso(const char *text, double *epoch_s)
{
    if (!text) return false;
    while (isspace((unsigned char)*text)) text++;
    int y, mo, d, h = 0, mi = 0, used = 0;
    double s = 0;
    if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3) return false;
    const char *p = text + used;
    if (*p == 'T' || *p == ' ') {
        p++;
        int k = 0;
        if (sscanf(p, "%2d:%2d%n", &h, &mi, &k) != 2) return false;
        p += k;
        if (*p == ':') {
            char *end;
            s = strtod(p + 1, &end);
            p = end;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 ||
        s >= 61)
        return false;
    double offset = 0;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1 && sscanf(p + 1, "%2d%2d", &oh, &om) < 1)
            return false;
        offset = (*p == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
    }
    *epoch_s = geo_wind__epoch(y, mo, d, h, mi, s) - offset;
    return true;
}

void geo_wind__format_iso(double epoch_s, char *out, size_t n)
{
    long t = (long)floor(epoch_s + 0.5);
    long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    long sec = t - days * 86400;
    /* civil_from_days */
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    snprintf(out, n, "%04ld-%02ld-%02ldT%02ld:%02ld:%02ldZ", y, m, d, sec / 3600, sec / 60 % 60,
             sec % 60);
}

tw_result geo_wind__read_vsi(const char *path, size_t cap, char **out, size_t *len, char *err,
                             size_t n)
{
    *out = NULL;
    *len = 0;
    VSILFILE *fp = VSIFOpenL(path, "rb");
    if (!fp) {
        snprintf(err, n, "cannot open (missing or unreadable)");
        return TW_ERR_IO;
    }
    size_t size = 0, alloc = 0;
    char *buf = NULL;
    tw_result r = TW_OK;
    for (;;) {
        if (size + 65536 + 1 > alloc) {
            size_t want = alloc ? alloc * 2 : 262144;
            if (want > cap + 65536 + 1) want = cap + 65536 + 1;
            char *nb = realloc(buf, want);
            if (!nb) {
                r = TW_ERR_NOMEM;
                snprintf(err, n, "out of memory");
                break;
            }
            buf = nb;
            alloc = want;
        }
        size_t got = VSIFReadL(buf + size, 1, alloc - size - 1, fp);
        size += got;
        if (size > cap) {
            r = TW_ERR_TOOBIG;
            tw_file_toobig_str(cap, err, n);
            break;
        }
        if (got == 0) break;
    }
    VSIFCloseL(fp);
    if (r != TW_OK) {
        free(buf);
        return r;
    }
    if (!buf) buf = malloc(1);
    if (!buf) return TW_ERR_NOMEM;
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return TW_OK;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    if (a < b) return false;
    for (size_t i = 0; i < b; i++)
        if (tolower((unsigned char)s[a - b + i]) != tolower((unsigned char)suffix[i])) return false;
    return true;
}

/* Recognises the format from the first bytes and the name. */
static const char *detect_format(const char *path)
{
    unsigned char head[64] = {0};
    size_t got = 0;
    VSILFILE *fp = VSIFOpenL(path, "rb");
    if (fp) {
        got = VSIFReadL(head, 1, sizeof head - 1, fp);
        VSIFCloseL(fp);
    }
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (got >= 8 && memcmp(head, png_sig, 8) == 0) return "webgl-wind";
    size_t i = 0;
    if (got >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf) i = 3;
    while (i < got && isspace(head[i])) i++;
    if (i < got && head[i] == '[') return "grib2json";
    if (i < got && head[i] == '{') return "webgl-wind"; /* the metadata JSON of a PNG */
    if (!got && ends_with_ci(path, ".png")) return "webgl-wind";
    return "gdal";
}

/* The PNG of a webgl-wind field named by its PNG or its JSON. */
static void webgl_png_path(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    if (ends_with_ci(out, ".json")) {
        size_t len = strlen(out);
        snprintf(out + len - 5, n - (len - 5), ".png");
    }
}

tw_result geo_wind_open(const geo_wind_open_desc *d, geo_wind_field **out, char *err, size_t n)
{
    if (out) *out = NULL;
    if (n) err[0] = '\0';
    if (!d || !d->path || !d->path[0] || !out) {
        snprintf(err, n, "wind field: no path given");
        return TW_ERR_ARG;
    }
    const char *fmt = d->format && d->format[0] ? d->format : NULL;
    if (fmt && strcmp(fmt, "grib2json") && strcmp(fmt, "webgl-wind") && strcmp(fmt, "gdal")) {
        snprintf(err, n, "%s: unknown wind format \"%s\" (grib2json, webgl-wind or gdal)", d->path,
                 fmt);
        return TW_ERR_ARG;
    }
    if (!fmt) {
        VSIStatBufL st;
        if (VSIStatL(d->path, &st) != 0 && strncmp(d->path, "/vsi", 4) != 0 &&
            !strstr(d->path, "://")) {
            snprintf(err, n, "%s: file not found", d->path);
            return TW_ERR_IO;
        }
        fmt = detect_format(d->path);
    }
    if (!strcmp(fmt, "grib2json")) {
        char *buf;
        size_t len;
        char why[160];
        tw_result r = geo_wind__read_vsi(d->path, GEO_WIND_JSON_MAX, &buf, &len, why, sizeof why);
        if (r != TW_OK) {
            snprintf(err, n, "%s: %s", d->path, why);
            return r;
        }
        r = geo_wind_parse_grib2json(buf, len, d->path, d->max_points, out, err, n);
        free(buf);
        return r;
    }
    if (!strcmp(fmt, "webgl-wind")) {
        char png[1024];
        webgl_png_path(d->path, png, sizeof png);
        return geo_wind__open_webgl(png, d->max_points, out, err, n);
    }
    return geo_wind__open_gdal(d, d->max_points, out, err, n);
}

double geo_wind_field_resolution_deg(const geo_wind_field *f)
{
    if (!f) return 0;
    return fmax(fabs(f->dlon), fabs(f->dlat));
}

/* Fractional column of lon, or -1 when outside a regional grid. */
static double column_of(const geo_wind_field *f, double lon)
{
    double fi = (lon - f->lon0) / f->dlon;
    if (f->wrap) {
        if (!isfinite(fi)) return -1;
        fi = fmod(fi, (double)f->nx);
        if (fi < 0) fi += f->nx;
        if (fi >= f->nx) fi = 0;
        return fi;
    }
    const double eps = 1e-9;
    for (int turn = 0; turn < 3; turn++) {
        double lon_try = lon + (turn == 1 ? 360.0 : turn == 2 ? -360.0 : 0.0);
        fi = (lon_try - f->lon0) / f->dlon;
        if (fi >= -eps && fi <= f->nx - 1 + eps) return fmin(fmax(fi, 0.0), f->nx - 1.0);
    }
    return -1;
}

bool geo_wind_field_sample(const geo_wind_field *f, double lon, double lat, double *u, double *v)
{
    if (!f || !isfinite(lon) || !isfinite(lat)) return false;
    double fi = column_of(f, lon);
    if (fi < 0) return false;
    double fj = (lat - f->lat0) / f->dlat;
    const double eps = 1e-9;
    if (!(fj >= -eps && fj <= f->ny - 1 + eps)) return false;
    fj = fmin(fmax(fj, 0.0), f->ny - 1.0);
    int i0 = (int)floor(fi), j0 = (int)floor(fj);
    if (!f->wrap && i0 >= f->nx - 1) i0 = f->nx - 2;
    if (j0 >= f->ny - 1) j0 = f->ny - 2;
    double s = fi - i0, t = fj - j0;
    int i1 = i0 + 1 >= f->nx ? (i0 + 1) - f->nx : i0 + 1;
    const int ii[4] = {i0, i1, i0, i1}, jj[4] = {j0, j0, j0 + 1, j0 + 1};
    const double w[4] = {(1 - s) * (1 - t), s * (1 - t), (1 - s) * t, s * t};
    double su = 0, sv = 0;
    for (int k = 0; k < 4; k++) {
        if (w[k] <= 0) continue;
        size_t at = (size_t)jj[k] * (size_t)f->nx + (size_t)ii[k];
        if (isnan(f->u[at]) || isnan(f->v[at])) return false;
        su += w[k] * f->u[at];
        sv += w[k] * f->v[at];
    }
    *u = su;
    *v = sv;
    return true;
}

/* Unit vector from (x0, y0) to (x1, y1); false when degenerate. */
static bool unit(double x0, double y0, double x1, double y1, double out[2])
{
    double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
    if (!(len > 0) || !isfinite(len)) return false;
    out[0] = dx / len;
    out[1] = dy / len;
    return true;
}

/* For n scene points (x, y): lon/lat into (x, y) and the east / north unit
 * vectors. False when a point does not transform. */
static bool scene_axes_n(geo_xform *xf, size_t n, double *x, double *y, double *east, double *north)
{
    const double step = 1e-4; /* degrees: about 10 m, well inside any scene cell */
    double *buf = malloc(4 * n * sizeof *buf);
    if (!buf) return false;
    double *ex = buf, *ey = buf + n, *nx = buf + 2 * n, *ny = buf + 3 * n;
    double *px = malloc(2 * n * sizeof *px);
    if (!px) {
        free(buf);
        return false;
    }
    double *py = px + n;
    memcpy(px, x, n * sizeof *x);
    memcpy(py, y, n * sizeof *y);
    bool ok = geo_xform_from_scene(xf, n, x, y, NULL) == n;
    for (size_t i = 0; ok && i < n; i++) {
        ex[i] = x[i] + step;
        ey[i] = y[i];
        nx[i] = x[i];
        ny[i] = y[i] + (y[i] > 90 - 2 * step ? -step : step);
    }
    ok = ok && geo_xform_to_scene(xf, n, ex, ey, NULL) == n;
    ok = ok && geo_xform_to_scene(xf, n, nx, ny, NULL) == n;
    for (size_t i = 0; ok && i < n; i++) {
        ok = unit(px[i], py[i], ex[i], ey[i], east + 2 * i) &&
             unit(px[i], py[i], nx[i], ny[i], north + 2 * i);
        if (ok && y[i] > 90 - 2 * step) {
            north[2 * i] = -north[2 * i];
            north[2 * i + 1] = -north[2 * i + 1];
        }
    }
    free(px);
    free(buf);
    return ok;
}

tw_result geo_wind_scene_axes(geo_xform *xf, double x, double y, double east[2], double north[2],
                              char *err, size_t n)
{
    double px = x, py = y;
    if (!xf || !scene_axes_n(xf, 1, &px, &py, east, north)) {
        snprintf(err, n, "scene point (%.1f, %.1f) has no longitude/latitude", x, y);
        return TW_ERR_CRS;
    }
    return TW_OK;
}

static double lerp4(const double *arr, int stride, int off, const size_t c[4], const double w[4])
{
    double sum = 0;
    for (int k = 0; k < 4; k++) sum += w[k] * arr[c[k] * (size_t)stride + (size_t)off];
    return sum;
}

tw_result geo_wind_field_to_scene(const geo_wind_field *f, const geo_frame *frame,
                                  const double area[4], int nx, int ny, float *u, float *v,
                                  char *err, size_t n)
{
    if (n) err[0] = '\0';
    if (!f || !frame || !area || nx < 1 || ny < 1 || !u || !v || !(area[2] > area[0]) ||
        !(area[3] > area[1])) {
        snprintf(err, n, "%s: bad scene grid for resampling", f ? f->name : "wind field");
        return TW_ERR_ARG;
    }
    geo_xform *xf = NULL;
    char why[256];
    tw_result r = geo_xform_create_lonlat(frame, &xf, why, sizeof why);
    if (r != TW_OK) {
        snprintf(err, n, "%s: %s", f->name, why);
        return r;
    }
    /* The transformation is smooth over a scene: transform a lattice of at
     * most 33 x 33 points and interpolate lon/lat and the axes between them. */
    double cw = (area[2] - area[0]) / nx, ch = (area[3] - area[1]) / ny;
    double xa = area[0] + 0.5 * cw, xb = area[2] - 0.5 * cw;
    double ya = area[1] + 0.5 * ch, yb = area[3] - 0.5 * ch;
    int la = nx < 33 ? nx : 33, lb = ny < 33 ? ny : 33;
    size_t ln = (size_t)la * (size_t)lb;
    double *lat_buf = malloc(ln * 6 * sizeof *lat_buf);
    if (!lat_buf) {
        geo_xform_destroy(xf);
        snprintf(err, n, "%s: out of memory", f->name);
        return TW_ERR_NOMEM;
    }
    double *lx = lat_buf, *ly = lat_buf + ln, *le = lat_buf + 2 * ln, *lnn = lat_buf + 4 * ln;
    for (int b = 0; b < lb; b++) {
        for (int a = 0; a < la; a++) {
            lx[b * la + a] = la > 1 ? xa + (xb - xa) * a / (la - 1) : xa;
            ly[b * la + a] = lb > 1 ? ya + (yb - ya) * b / (lb - 1) : ya;
        }
    }
    bool ok = scene_axes_n(xf, ln, lx, ly, le, lnn);
    geo_xform_destroy(xf);
    if (!ok) {
        free(lat_buf);
        snprintf(err, n, "%s: the scene area has no longitude/latitude in this frame", f->name);
        return TW_ERR_CRS;
    }
    r = TW_OK;
    for (int j = 0; j < ny && r == TW_OK; j++) {
        double fb = lb > 1 ? (double)j * (lb - 1) / (ny > 1 ? ny - 1 : 1) : 0;
        int b0 = (int)fb < lb - 1 ? (int)fb : (lb > 1 ? lb - 2 : 0);
        double tb = lb > 1 ? fb - b0 : 0;
        int b1 = lb > 1 ? b0 + 1 : b0;
        for (int i = 0; i < nx; i++) {
            double fa = la > 1 ? (double)i * (la - 1) / (nx > 1 ? nx - 1 : 1) : 0;
            int a0 = (int)fa < la - 1 ? (int)fa : (la > 1 ? la - 2 : 0);
            double ta = la > 1 ? fa - a0 : 0;
            int a1 = la > 1 ? a0 + 1 : a0;
            const size_t c[4] = {(size_t)b0 * la + a0, (size_t)b0 * la + a1, (size_t)b1 * la + a0,
                                 (size_t)b1 * la + a1};
            const double w[4] = {(1 - ta) * (1 - tb), ta * (1 - tb), (1 - ta) * tb, ta * tb};
            double lon = lerp4(lx, 1, 0, c, w), lat = lerp4(ly, 1, 0, c, w);
            double ex = lerp4(le, 2, 0, c, w), ey = lerp4(le, 2, 1, c, w);
            double nxv = lerp4(lnn, 2, 0, c, w), nyv = lerp4(lnn, 2, 1, c, w);
            double ue, vn;
            if (!geo_wind_field_sample(f, lon, lat, &ue, &vn)) {
                double fj = (lat - f->lat0) / f->dlat;
                bool inside = column_of(f, lon) >= 0 && fj >= 0 && fj <= f->ny - 1;
                snprintf(err, n,
                         "%s: %s at %.4f E, %.4f N (scene %.0f, %.0f): the field does not cover "
                         "the scene area",
                         f->name, inside ? "no data" : "outside the grid", lon, lat,
                         area[0] + (i + 0.5) * cw, area[1] + (j + 0.5) * ch);
                r = TW_ERR_ARG;
                break;
            }
            size_t at = (size_t)j * nx + i;
            u[at] = (float)(ue * ex + vn * nxv);
            v[at] = (float)(ue * ey + vn * nyv);
        }
    }
    free(lat_buf);
    return r;
}
