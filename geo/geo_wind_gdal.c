/* Wind fields through GDAL: any raster with u and v components (2-band
 * GeoTIFF, GRIB2, netCDF variables as subdatasets) in longitude/latitude,
 * and the PNG half of a webgl-wind field. */
#include "geo_wind.h"

#include "geo_gdal.h"
#include "geo_wind_int.h"
#include "tw_time.h"

#include <ctype.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

tw_result geo_wind__open_webgl(const char *png_path, long max_points, geo_wind_field **out,
                               char *err, size_t n)
{
    char json_path[1024];
    snprintf(json_path, sizeof json_path, "%s", png_path);
    size_t len = strlen(json_path);
    if (len > 4 && !strcasecmp(json_path + len - 4, ".png"))
        snprintf(json_path + len - 4, sizeof json_path - (len - 4), ".json");
    else
        snprintf(json_path + len, sizeof json_path - len, ".json");
    char *json;
    size_t json_len;
    char why[160];
    tw_result r =
        geo_wind__read_vsi(json_path, GEO_WIND_META_MAX, &json, &json_len, why, sizeof why);
    if (r != TW_OK) {
        snprintf(err, n, "%s: a webgl-wind PNG needs its metadata JSON beside it: %s: %s", png_path,
                 json_path, why);
        return r;
    }
    geo_gdal_clear_error();
    double t0 = tw_time_mono_s();
    static const char *const png_only[] = {"PNG", NULL};
    GDALDatasetH ds = GDALOpenEx(png_path, GDAL_OF_RASTER | GDAL_OF_READONLY, png_only, NULL, NULL);
    if (!ds) {
        char why2[400];
        geo_gdal_describe_open_failure(png_path, "PNG", tw_time_mono_s() - t0, why2, sizeof why2);
        snprintf(err, n, "%s: not a readable PNG: %s", png_path, why2);
        free(json);
        return TW_ERR_FORMAT;
    }
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds), bands = GDALGetRasterCount(ds);
    unsigned char *pix = NULL;
    if ((r = geo_wind__check_size(png_path, w, h, max_points, err, n)) != TW_OK) goto done;
    if (bands < 3) {
        snprintf(err, n, "%s: the PNG has %d band(s); webgl-wind needs RGB (R = u, G = v)",
                 png_path, bands);
        r = TW_ERR_FORMAT;
        goto done;
    }
    pix = malloc((size_t)w * h * 3);
    if (!pix) {
        snprintf(err, n, "%s: out of memory", png_path);
        r = TW_ERR_NOMEM;
        goto done;
    }
    int map[3] = {1, 2, 3};
    if (GDALDatasetRasterIO(ds, GF_Read, 0, 0, w, h, pix, w, h, GDT_Byte, 3, map, 3, 3 * w, 1) !=
        CE_None) {
        snprintf(err, n, "%s: cannot read the PNG: %s", png_path, geo_gdal_last_error());
        r = TW_ERR_IO;
        goto done;
    }
    r = geo_wind_from_webgl(json, json_len, pix, w, h, 3, png_path, out, err, n);
done:
    free(pix);
    free(json);
    GDALClose(ds);
    return r;
}

/* One wind component: a band of an open dataset. */
typedef struct wind_band {
    GDALDatasetH ds; /* owned when own */
    bool own;
    GDALRasterBandH band;
    int index;      /* 1-based */
    char label[96]; /* for messages */
    char level[64]; /* GRIB_SHORT_NAME, to pair U and V of the same level */
} wind_band;

static bool eq_ci(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

static bool starts_ci(const char *a, const char *prefix)
{
    return a && !strncasecmp(a, prefix, strlen(prefix));
}

/* Names a band goes by: description, GRIB element, netCDF variable, CF names. */
static int band_names(GDALRasterBandH b, const char *out[5])
{
    int k = 0;
    const char *d = GDALGetDescription(b);
    if (d && d[0]) out[k++] = d;
    const char *keys[4] = {"GRIB_ELEMENT", "NETCDF_VARNAME", "standard_name", "long_name"};
    for (int i = 0; i < 4; i++) {
        const char *m = GDALGetMetadataItem(b, keys[i], NULL);
        if (m && m[0]) out[k++] = m;
    }
    return k;
}

/* Whether a name reads as the u (which 0) or v (which 1) component. */
static bool looks_like(const char *name, int which)
{
    static const char *const exact[2][10] = {
        {"u", "u10", "10u", "ugrd", "uwnd", "uas", "eastward_wind", "x_wind", "u_wind", "wind_u"},
        {"v", "v10", "10v", "vgrd", "vwnd", "vas", "northward_wind", "y_wind", "v_wind", "wind_v"}};
    for (int i = 0; i < 10; i++)
        if (eq_ci(name, exact[which][i])) return true;
    static const char *const prefix[2][3] = {{"ugrd", "u-component", "u_component"},
                                             {"vgrd", "v-component", "v_component"}};
    for (int i = 0; i < 3; i++)
        if (starts_ci(name, prefix[which][i])) return true;
    return false;
}

static bool is_number(const char *s)
{
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return false;
    return true;
}

/* Finds a component among ds's bands: by number, by name (want), or by
 * the usual names (want NULL). level: prefer a band of that GRIB level. */
static bool find_band(GDALDatasetH ds, const char *want, int which, const char *level,
                      wind_band *out)
{
    int count = GDALGetRasterCount(ds), found = 0;
    if (is_number(want)) {
        long i = strtol(want, NULL, 10);
        if (i < 1 || i > count) return false;
        found = (int)i;
    } else {
        for (int i = 1; i <= count; i++) {
            GDALRasterBandH b = GDALGetRasterBand(ds, i);
            const char *names[5];
            int k = band_names(b, names);
            bool match = false;
            for (int j = 0; j < k && !match; j++)
                match = want ? eq_ci(names[j], want) : looks_like(names[j], which);
            if (!match) continue;
            const char *lv = GDALGetMetadataItem(b, "GRIB_SHORT_NAME", NULL);
            if (!found) found = i;
            if (!level || !level[0] || (lv && !strcmp(lv, level))) {
                found = i;
                break;
            }
        }
    }
    if (!found) return false;
    out->ds = ds;
    out->band = GDALGetRasterBand(ds, found);
    out->index = found;
    const char *names[5];
    int k = band_names(out->band, names);
    snprintf(out->label, sizeof out->label, "band %d%s%s%s", found, k ? " (" : "",
             k ? names[0] : "", k ? ")" : "");
    const char *lv = GDALGetMetadataItem(out->band, "GRIB_SHORT_NAME", NULL);
    snprintf(out->level, sizeof out->level, "%s", lv ? lv : "");
    return true;
}

/* netCDF and HDF: a variable is a subdataset "DRIVER:file:var". Opens the
 * one whose variable is want (or looks like the component). */
static bool find_subdataset(GDALDatasetH ds, const char *want, int which, wind_band *out)
{
    char **sub = GDALGetMetadata(ds, "SUBDATASETS");
    for (int i = 0; sub && sub[i]; i++) {
        const char *eq = strchr(sub[i], '=');
        if (!eq || !strstr(sub[i], "_NAME=")) continue;
        const char *path = eq + 1, *var = strrchr(path, ':');
        var = var ? var + 1 : path;
        if (want ? !eq_ci(var, want) : !looks_like(var, which)) continue;
        GDALDatasetH sd = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
        if (!sd) continue;
        if (GDALGetRasterCount(sd) < 1) {
            GDALClose(sd);
            continue;
        }
        out->ds = sd;
        out->own = true;
        out->index = 1;
        out->band = GDALGetRasterBand(sd, 1);
        snprintf(out->label, sizeof out->label, "variable %s", var);
        out->level[0] = '\0';
        return true;
    }
    return false;
}

/* "Band1, Band2" for the variables of a dataset of subdatasets; false if none. */
static bool variable_list(GDALDatasetH ds, char *out, size_t n)
{
    char **sub = GDALGetMetadata(ds, "SUBDATASETS");
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; sub && sub[i] && len + 8 < n; i++) {
        const char *eq = strchr(sub[i], '=');
        if (!eq || !strstr(sub[i], "_NAME=")) continue;
        const char *var = strrchr(eq + 1, ':');
        var = var ? var + 1 : eq + 1;
        int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", var);
        if (w < 0 || (size_t)w >= n - len) break;
        len += (size_t)w;
    }
    return len > 0;
}

/* Valid time from GDAL metadata: GRIB_VALID_TIME (seconds since 1970),
 * netCDF time coordinate with its units, or TIFFTAG_DATETIME. */
static void gdal_time(GDALDatasetH ds, GDALRasterBandH b, char *out, size_t n)
{
    out[0] = '\0';
    double t;
    const char *g = GDALGetMetadataItem(b, "GRIB_VALID_TIME", NULL);
    if (g) {
        char *end;
        double s = strtod(g, &end);
        if (end != g) {
            geo_wind__format_iso(s, out, n);
            return;
        }
        if (geo_wind__parse_iso(g, &t)) {
            geo_wind__format_iso(t, out, n);
            return;
        }
    }
    const char *nv = GDALGetMetadataItem(b, "NETCDF_DIM_time", NULL);
    const char *units = GDALGetMetadataItem(ds, "time#units", NULL);
    if (nv && units) {
        double value = strtod(nv, NULL), scale = 0;
        const char *since = strstr(units, " since ");
        if (starts_ci(units, "second"))
            scale = 1;
        else if (starts_ci(units, "minute"))
            scale = 60;
        else if (starts_ci(units, "hour"))
            scale = 3600;
        else if (starts_ci(units, "day"))
            scale = 86400;
        if (scale > 0 && since && geo_wind__parse_iso(since + 7, &t)) {
            geo_wind__format_iso(t + value * scale, out, n);
            return;
        }
    }
    const char *tiff = GDALGetMetadataItem(ds, "TIFFTAG_DATETIME", NULL);
    int y, mo, d, h, mi, s;
    if (tiff && sscanf(tiff, "%d:%d:%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) == 6)
        geo_wind__format_iso(geo_wind__epoch(y, mo, d, h, mi, s), out, n);
}

static void gdal_source(GDALDatasetH ds, const char *path, char *out, size_t n)
{
    const char *keys[3] = {"NC_GLOBAL#source", "NC_GLOBAL#institution", "TIFFTAG_IMAGEDESCRIPTION"};
    for (int i = 0; i < 3; i++) {
        const char *m = GDALGetMetadataItem(ds, keys[i], NULL);
        if (m && m[0]) {
            snprintf(out, n, "%s", m);
            return;
        }
    }
    const char *slash = strrchr(path, '/');
    snprintf(out, n, "%s %s", GDALGetDriverShortName(GDALGetDatasetDriver(ds)),
             slash ? slash + 1 : path);
}

/* Reads one component into dst (rows as stored), applying scale/offset,
 * nodata and a knots unit. */
static tw_result read_band(const char *path, wind_band *wb, int w, int h, float *dst, char *err,
                           size_t n)
{
    if (GDALRasterIO(wb->band, GF_Read, 0, 0, w, h, dst, w, h, GDT_Float32, 0, 0) != CE_None) {
        snprintf(err, n, "%s: cannot read %s: %s", path, wb->label, geo_gdal_last_error());
        return TW_ERR_IO;
    }
    int has_nd = 0, has_scale = 0, has_offset = 0;
    double nd = GDALGetRasterNoDataValue(wb->band, &has_nd);
    double scale = GDALGetRasterScale(wb->band, &has_scale);
    double offset = GDALGetRasterOffset(wb->band, &has_offset);
    const char *unit = GDALGetRasterUnitType(wb->band);
    if (starts_ci(unit, "knot") || eq_ci(unit, "kt") || eq_ci(unit, "kts")) scale *= 0.514444;
    float ndf = (float)nd;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        float x = dst[i];
        if (has_nd && (x == ndf || (isnan(nd) && isnan(x))))
            dst[i] = NAN;
        else
            dst[i] = (float)(x * scale + (has_offset ? offset : 0));
    }
    return TW_OK;
}

/* Refuses what is not a north-up longitude/latitude grid. */
static tw_result check_georef(const char *path, GDALDatasetH ds, const double gt[6], char *err,
                              size_t n)
{
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
    if (srs && !OSRIsGeographic(srs)) {
        char name[128];
        geo_srs_describe(srs, name, sizeof name);
        snprintf(err, n,
                 "%s: the raster is in %s; only longitude/latitude wind rasters are read "
                 "(u/v of a projected grid point along its grid axes: reproject, e.g. gdalwarp "
                 "-t_srs EPSG:4326, and rotate the components)",
                 path, name);
        return TW_ERR_UNSUPPORTED;
    }
    if (srs && fabs(OSRGetAngularUnits(srs, NULL) - M_PI / 180) > 1e-9) {
        snprintf(err, n, "%s: the raster's angular unit is not the degree", path);
        return TW_ERR_UNSUPPORTED;
    }
    if (gt[2] != 0 || gt[4] != 0) {
        snprintf(err, n, "%s: the raster is rotated (geotransform terms %g, %g); not supported",
                 path, gt[2], gt[4]);
        return TW_ERR_UNSUPPORTED;
    }
    if (!(gt[1] > 0) || gt[5] == 0) {
        snprintf(err, n, "%s: impossible pixel size %g x %g", path, gt[1], gt[5]);
        return TW_ERR_FORMAT;
    }
    if (!srs && (gt[0] < -181 || gt[0] > 361 || fabs(gt[3]) > 91)) {
        snprintf(err, n,
                 "%s: the raster has no CRS and its origin (%g, %g) is not a "
                 "longitude/latitude",
                 path, gt[0], gt[3]);
        return TW_ERR_CRS;
    }
    return TW_OK;
}

tw_result geo_wind__open_gdal(const geo_wind_open_desc *d, long max_points, geo_wind_field **out,
                              char *err, size_t n)
{
    const char *path = d->path;
    char why[400];
    tw_result r = geo_gdal_check_path(path, why, sizeof why);
    if (r != TW_OK) {
        snprintf(err, n, "%s: %s", path, why);
        return r;
    }
    geo_gdal_clear_error();
    double t0 = tw_time_mono_s();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        r = geo_gdal_describe_open_failure(path, "raster", tw_time_mono_s() - t0, why, sizeof why);
        snprintf(err, n, "%s: %s", path, why);
        return r;
    }
    wind_band bu = {0}, bv = {0};
    geo_wind_field *f = NULL;
    bool got_u = find_band(ds, d->u_band, 0, NULL, &bu) ||
                 (GDALGetRasterCount(ds) == 0 && find_subdataset(ds, d->u_band, 0, &bu));
    bool got_v = got_u && (find_band(ds, d->v_band, 1, bu.level, &bv) ||
                           (GDALGetRasterCount(ds) == 0 && find_subdataset(ds, d->v_band, 1, &bv)));
    if (!got_u && !d->u_band && !d->v_band && GDALGetRasterCount(ds) >= 2) {
        /* Nothing named like u/v: the first two bands. */
        got_u = find_band(ds, "1", 0, NULL, &bu);
        got_v = find_band(ds, "2", 1, NULL, &bv);
    }
    if (!got_u || !got_v || (bu.ds == bv.ds && bu.index == bv.index)) {
        const char *what = !got_u ? "u" : "v";
        char vars[200];
        const char *want = !got_u ? d->u_band : d->v_band;
        if (got_u && got_v)
            snprintf(err, n, "%s: u and v are the same band (%s)", path, bu.label);
        else if (want)
            snprintf(err, n, "%s: no %s band \"%s\" (%d bands)", path, what, want,
                     GDALGetRasterCount(ds));
        else if (GDALGetRasterCount(ds) == 0 && variable_list(ds, vars, sizeof vars))
            snprintf(err, n,
                     "%s: no u/v wind variables among %s (none named like UGRD/VGRD, u10/v10, "
                     "eastward/northward_wind); name them with u_band and v_band",
                     path, vars);
        else
            snprintf(err, n,
                     "%s: no u/v wind bands (%d band(s), none named like UGRD/VGRD, u10/v10, "
                     "eastward/northward_wind); name them with u_band and v_band",
                     path, GDALGetRasterCount(ds));
        r = TW_ERR_FORMAT;
        goto done;
    }
    int w = GDALGetRasterXSize(bu.ds), h = GDALGetRasterYSize(bu.ds);
    if (GDALGetRasterXSize(bv.ds) != w || GDALGetRasterYSize(bv.ds) != h) {
        snprintf(err, n, "%s: u (%s) is %d x %d, v (%s) is %d x %d: sizes differ", path, bu.label,
                 w, h, bv.label, GDALGetRasterXSize(bv.ds), GDALGetRasterYSize(bv.ds));
        r = TW_ERR_FORMAT;
        goto done;
    }
    double gt[6], gtv[6];
    if (GDALGetGeoTransform(bu.ds, gt) != CE_None) {
        snprintf(err, n, "%s: the raster has no georeferencing (geotransform)", path);
        r = TW_ERR_CRS;
        goto done;
    }
    if (bv.ds != bu.ds &&
        (GDALGetGeoTransform(bv.ds, gtv) != CE_None || memcmp(gt, gtv, sizeof gt) != 0)) {
        snprintf(err, n, "%s: u and v lie on different grids", path);
        r = TW_ERR_FORMAT;
        goto done;
    }
    if ((r = check_georef(path, bu.ds, gt, err, n)) != TW_OK) goto done;
    if ((r = geo_wind__check_size(path, w, h, max_points, err, n)) != TW_OK) goto done;
    f = geo_wind__alloc(w, h, path, "gdal");
    if (!f) {
        snprintf(err, n, "%s: out of memory", path);
        r = TW_ERR_NOMEM;
        goto done;
    }
    if ((r = read_band(path, &bu, w, h, f->u, err, n)) != TW_OK ||
        (r = read_band(path, &bv, w, h, f->v, err, n)) != TW_OK)
        goto done;
    /* GDAL's geotransform gives pixel corners; grid points are pixel centres. */
    f->lon0 = gt[0] + 0.5 * gt[1];
    f->lat0 = gt[3] + 0.5 * gt[5];
    f->dlon = gt[1];
    f->dlat = gt[5];
    if (f->lon0 < -180 - 1e-9) f->lon0 += 360;
    if (f->lon0 >= 360) f->lon0 -= 360;
    gdal_time(bu.ds, bu.band, f->time, sizeof f->time);
    gdal_source(bu.ds, path, f->source, sizeof f->source);
    r = geo_wind__finish(f, err, n);
done:
    if (bu.own) GDALClose(bu.ds);
    if (bv.own) GDALClose(bv.ds);
    GDALClose(ds);
    if (r != TW_OK) {
        geo_wind_field_destroy(f);
        return r;
    }
    *out = f;
    return TW_OK;
}
