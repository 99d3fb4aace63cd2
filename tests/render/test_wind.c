/* The wind kind through the real binary: a Seoul wind scene against a
 * golden picture whose particle trails run along the wind (checked on the
 * picture itself), the report's field values against the field read here
 * independently, the GPU's particle steps against the update rule, and
 * each kind of bad input as a one-line error of that layer alone. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>

static char dem[600], png_field[600], json_field[600], grib_field[600];

static const char *str(json_object *o, const char *key)
{
    json_object *v = tw_run_get(o, key);
    return v ? json_object_get_string(v) : NULL;
}

/* Seoul, seen straight down from 9 km with north up. */
#define VIEW_X 198000.0
#define VIEW_Y 551000.0

static void seoul_scene(char *out, size_t n, const char *wind)
{
    snprintf(out, n,
             "{ \"name\": \"wind\", \"crs\": \"EPSG:5186\",\n"
             "  \"terrain\": { \"source\": \"%s\", \"exaggeration\": 1.5, \"hillshade\": true },\n"
             "  \"layers\": [ %s ],\n"
             "  \"bookmarks\": [ { \"name\": \"down\", \"eye\": [%.1f, %.1f, 9000],\n"
             "                   \"target\": [%.1f, %.1f, 40] } ] }\n",
             dem, wind, VIEW_X, VIEW_Y - 1, VIEW_X, VIEW_Y);
}

/* The webgl-wind field read here with GDAL (the README's convention:
 * pixel x, y at lon x - 180, lat 90 - y), bilinear at lon/lat. */
static bool field_at(double lon, double lat, double *u, double *v)
{
    GDALDatasetH ds = GDALOpen(png_field, GA_ReadOnly);
    if (!ds) return false;
    double fx = fmod(lon + 180 + 360, 360), fy = 90 - lat;
    int x0 = (int)floor(fx), y0 = (int)floor(fy);
    double wx = fx - x0, wy = fy - y0;
    double r[2][2], g[2][2];
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            unsigned char px[2];
            int xx = (x0 + dx) % 360, yy = y0 + dy;
            if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, xx, yy, 1, 1, &px[0], 1, 1,
                             GDT_Byte, 0, 0) != CE_None ||
                GDALRasterIO(GDALGetRasterBand(ds, 2), GF_Read, xx, yy, 1, 1, &px[1], 1, 1,
                             GDT_Byte, 0, 0) != CE_None) {
                GDALClose(ds);
                return false;
            }
            r[dy][dx] = px[0], g[dy][dx] = px[1];
        }
    GDALClose(ds);
    /* uMin/uMax/vMin/vMax of wind-2016112000.json */
    double R =
        (r[0][0] * (1 - wx) + r[0][1] * wx) * (1 - wy) + (r[1][0] * (1 - wx) + r[1][1] * wx) * wy;
    double G =
        (g[0][0] * (1 - wx) + g[0][1] * wx) * (1 - wy) + (g[1][0] * (1 - wx) + g[1][1] * wx) * wy;
    *u = -21.32 + R / 255 * (26.8 + 21.32);
    *v = -21.57 + G / 255 * (21.42 + 21.57);
    return true;
}

/* The DEM's centre (the wind grid covers the terrain) as lon/lat. */
static bool dem_center(double *lon, double *lat)
{
    GDALDatasetH ds = GDALOpen(dem, GA_ReadOnly);
    if (!ds) return false;
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    double x = gt[0] + gt[1] * GDALGetRasterXSize(ds) / 2.0;
    double y = gt[3] + gt[5] * GDALGetRasterYSize(ds) / 2.0;
    GDALClose(ds);
    OGRSpatialReferenceH a = OSRNewSpatialReference(NULL), b = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(a, 5186);
    OSRImportFromEPSG(b, 4326);
    OSRSetAxisMappingStrategy(a, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(b, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(a, b);
    bool ok = OCTTransform(ct, 1, &x, &y, NULL);
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(a);
    OSRDestroySpatialReference(b);
    *lon = x, *lat = y;
    return ok;
}

/* Streaks in a picture: the structure tensor of the difference between the
 * picture with wind and without, summed over the picture. Its coherence is
 * 0 for blobs or noise and near 1 when every edge runs one way; the
 * streaks' direction is the tensor's minor axis (screen x right, y down). */
static void streaks(const tw_image *a, const tw_image *b, double *coherence, double *angle_deg,
                    double *share)
{
    double jxx = 0, jyy = 0, jxy = 0;
    long changed = 0;
    int w = a->width, h = a->height;
    float *d = calloc((size_t)w * h, sizeof *d);
    for (long i = 0; i < (long)w * h; i++) {
        const unsigned char *p = a->pixels + i * 4, *q = b->pixels + i * 4;
        d[i] = (float)(abs(p[0] - q[0]) + abs(p[1] - q[1]) + abs(p[2] - q[2]));
        if (d[i] > 30) changed++;
    }
    /* away from the HUD's edges and panels (the legend: top right) */
    for (int y = 40; y < h - 60; y++)
        for (int x = 20; x < w - 20; x++) {
            if (x > w - 330 && y > 130 && y < 250) continue;
            double gx = d[(long)y * w + x + 1] - d[(long)y * w + x - 1];
            double gy = d[(long)(y + 1) * w + x] - d[(long)(y - 1) * w + x];
            jxx += gx * gx, jyy += gy * gy, jxy += gx * gy;
        }
    free(d);
    double tr = jxx + jyy, disc = sqrt((jxx - jyy) * (jxx - jyy) + 4 * jxy * jxy);
    *coherence = tr > 0 ? disc / tr : 0;
    /* major axis: across the streaks; the streaks run 90 degrees from it */
    double major = 0.5 * atan2(2 * jxy, jxx - jyy);
    *angle_deg = fmod((major + M_PI / 2) * 180 / M_PI + 360, 180);
    *share = (double)changed / ((double)w * h);
}

/* Two presets: the webgl-wind field shown first, the grib2json one next. */
static const char *WIND_GOLDEN =
    "{ \"kind\": \"wind\", \"name\": \"wind\", \"fields\": [\n"
    "    { \"source\": \"%s\", \"label\": \"GFS 2016-11-20 00Z\" },\n"
    "    { \"source\": \"%s\" } ], \"particles\": 6000,\n"
    "  \"trail\": 40, \"height_m\": 25, \"seed\": 7, \"resolution_m\": 100, \"levels\": 8,\n"
    "  \"fine_m\": 0 }";

static void test_golden_flowing_air(void)
{
    char wind[2048], scene[4096];
    snprintf(wind, sizeof wind, WIND_GOLDEN, png_field, grib_field);
    seoul_scene(scene, sizeof scene, wind);
    int rc;
    json_object *r = tw_run_scene(scene, "golden", "--bookmark down", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *l = tw_run_layer(r, "wind");
    TW_CHECK_STR(str(l, "status"), "ok");
    TW_CHECK_STR(str(tw_run_layer(r, "terrain"), "status"), "ok");
    /* the report: the field's own values at the scene's centre */
    double lon = 0, lat = 0, u = NAN, v = NAN;
    TW_CHECK(dem_center(&lon, &lat) && field_at(lon, lat, &u, &v));
    TW_CHECK_NEAR(tw_run_num(l, "center_u_ms"), u, 0.05);
    TW_CHECK_NEAR(tw_run_num(l, "center_v_ms"), v, 0.05);
    TW_CHECK_NEAR(tw_run_num(l, "resolution_deg"), 1.0, 1e-9);
    TW_CHECK_NEAR(tw_run_num(l, "resolution_m"), 100, 1e-9);
    TW_CHECK(str(l, "time") && strncmp(str(l, "time"), "2016-11-20T00:00", 16) == 0);
    TW_CHECK(tw_run_num(l, "particles") == 6000);
    /* both presets solved, each with its own time and source, the first shown */
    json_object *fs = tw_run_get(l, "fields");
    TW_CHECK(fs && json_object_array_length(fs) == 2);
    json_object *f0 = json_object_array_get_idx(fs, 0), *f1 = json_object_array_get_idx(fs, 1);
    TW_CHECK_STR(str(f0, "status"), "ok");
    TW_CHECK_STR(str(f1, "status"), "ok");
    TW_CHECK_STR(str(f0, "label"), "GFS 2016-11-20 00Z");
    TW_CHECK(str(f1, "time") && strncmp(str(f1, "time"), "2014-01-31T03:00", 16) == 0);
    TW_CHECK(str(f1, "source") && strstr(str(f1, "source"), "NCEP"));
    TW_CHECK(tw_run_num(l, "current_field") == 0);
    json_object *s = tw_run_get(l, "solve");
    TW_CHECK(tw_run_num(s, "cycles") >= 1 && tw_run_num(s, "ms") > 0);
    TW_CHECK_MSG(tw_run_num(s, "divergence_ratio") <= 1e-3, "divergence ratio %g",
                 tw_run_num(s, "divergence_ratio"));
    json_object_put(r);
    char png[512], bare_png[512];
    snprintf(png, sizeof png, "%s/golden.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "wind_seoul"));

    /* the same view without wind: what the wind added are streaks along it */
    seoul_scene(scene, sizeof scene, "");
    r = tw_run_scene(scene, "bare", "--bookmark down", &rc);
    json_object_put(r);
    snprintf(bare_png, sizeof bare_png, "%s/bare.png", tw_run_tmpdir());
    tw_image a = {0}, b = {0};
    TW_CHECK(tw_img_load(png, &a) && tw_img_load(bare_png, &b) && a.width == b.width);
    if (a.pixels && b.pixels && a.width == b.width && a.height == b.height) {
        double coh, ang, share;
        streaks(&a, &b, &coh, &ang, &share);
        /* the wind on screen: x east, y down = south */
        double want = fmod(atan2(-v, u) * 180 / M_PI + 360, 180);
        double off = fabs(ang - want);
        if (off > 90) off = 180 - off;
        fprintf(stderr,
                "streaks: coherence %.2f, direction %.0f deg (wind %.0f), %.0f %% of "
                "pixels changed\n",
                coh, ang, want, share * 100);
        TW_CHECK_MSG(share > 0.03 && share < 0.7, "share of pixels the wind changed %g", share);
        TW_CHECK_MSG(coh > 0.2, "trails without a common direction (coherence %g)", coh);
        TW_CHECK_MSG(off < 25, "trails run at %g deg on screen, the wind at %g deg", ang, want);
    }
    tw_image_free(&a);
    tw_image_free(&b);
}

/* A station's uniform wind over flat ground: the solved field stays
 * uniform, so each particle that was not reborn moved dt * speed along the
 * wind in its last step (the GPU's numbers, from the report's probes). */
static void test_gpu_step_uniform(void)
{
    const char *scene =
        "{ \"name\": \"flat\", \"crs\": \"EPSG:5186\",\n"
        "  \"layers\": [ { \"kind\": \"wind\", \"station\": { \"speed_ms\": 6, "
        "\"direction_deg\": 270 },\n"
        "    \"area\": [196000, 549000, 200000, 553000], \"particles\": 2000, \"trail\": 8,\n"
        "    \"seed\": 3, \"resolution_m\": 100, \"levels\": 6, \"fine_m\": 0 } ],\n"
        "  \"bookmarks\": [ { \"name\": \"down\", \"eye\": [198000, 550999, 3000],\n"
        "                   \"target\": [198000, 551000, 0] } ] }\n";
    int rc;
    json_object *r = tw_run_scene(scene, "uniform", "--bookmark down", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *l = tw_run_layer(r, "wind");
    TW_CHECK_STR(str(l, "status"), "ok");
    json_object *p = tw_run_get(l, "probe");
    TW_CHECK(p != NULL);
    double dt = tw_run_num(p, "dt_scale");
    json_object *before = tw_run_get(p, "before"), *after = tw_run_get(p, "after");
    int moved = 0;
    for (size_t i = 0; before && after && i < json_object_array_length(after); i++) {
        json_object *b = json_object_array_get_idx(before, i),
                    *a = json_object_array_get_idx(after, i);
        double bx = json_object_get_double(json_object_array_get_idx(b, 0));
        double by = json_object_get_double(json_object_array_get_idx(b, 1));
        double bage = json_object_get_double(json_object_array_get_idx(b, 2));
        double ax = json_object_get_double(json_object_array_get_idx(a, 0));
        double ay = json_object_get_double(json_object_array_get_idx(a, 1));
        double aage = json_object_get_double(json_object_array_get_idx(a, 2));
        double speed = json_object_get_double(json_object_array_get_idx(a, 3));
        if (aage != bage + 1) continue; /* reborn */
        moved++;
        /* from the west: towards +x, the speed the field has at height_m */
        TW_CHECK(speed > 2 && speed < 9);
        TW_CHECK_NEAR(ax - bx, dt * speed, 0.01 * dt * speed + 0.01);
        TW_CHECK_NEAR(ay - by, 0, 0.02 * dt * speed + 0.01);
    }
    TW_CHECK_MSG(moved >= 2, "only %d probed particles moved", moved);
    json_object_put(r);
}

/* A live WeatherObserved entity (NGSI-LD, through the live thread; a file
 * URL here) as the station: its windSpeed and windDirection drive the flow,
 * and the report says what was observed when. (The URL names its own limit:
 * the live thread pages NGSI-LD URLs without one, and pages are arrays;
 * this file is a single entity, as GET /entities/{id} answers.) */
static void test_live_station(void)
{
    char feed[700], scene[4000];
    tw_test_shipped("tests/data/feeds/WeatherObserved_example-normalized.jsonld", feed,
                    sizeof feed);
    snprintf(
        scene, sizeof scene,
        "{ \"name\": \"live\", \"crs\": \"EPSG:5186\",\n"
        "  \"layers\": [ { \"kind\": \"wind\", \"station\": { \"url\": \"file://%s?limit=1000\", "
        "\"poll_s\": 30 },\n"
        "    \"area\": [196000, 549000, 200000, 553000], \"particles\": 2000, \"trail\": 8,\n"
        "    \"seed\": 5, \"resolution_m\": 100, \"levels\": 6, \"fine_m\": 0 } ],\n"
        "  \"bookmarks\": [ { \"name\": \"down\", \"eye\": [198000, 550999, 3000],\n"
        "                   \"target\": [198000, 551000, 0] } ] }\n",
        feed);
    int rc;
    json_object *r = tw_run_scene(scene, "live", "--bookmark down --wait-s 1", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *l = tw_run_layer(r, "wind");
    TW_CHECK_STR(str(l, "status"), "ok");
    json_object *st = tw_run_get(l, "station");
    TW_CHECK_NEAR(tw_run_num(st, "speed_ms"), 2, 1e-9);
    TW_CHECK_NEAR(tw_run_num(st, "direction_deg"), 135, 1e-9);
    TW_CHECK_STR(str(st, "observed"), "2016-11-30T07:00:00Z");
    /* from the south-east: the particles go north-west */
    json_object *p = tw_run_get(l, "probe"), *b = tw_run_get(p, "before"),
                *a = tw_run_get(p, "after");
    int moved = 0;
    for (size_t i = 0; a && b && i < json_object_array_length(a); i++) {
        json_object *pb = json_object_array_get_idx(b, i), *pa = json_object_array_get_idx(a, i);
        double dx = json_object_get_double(json_object_array_get_idx(pa, 0)) -
                    json_object_get_double(json_object_array_get_idx(pb, 0));
        double dy = json_object_get_double(json_object_array_get_idx(pa, 1)) -
                    json_object_get_double(json_object_array_get_idx(pb, 1));
        if (json_object_get_double(json_object_array_get_idx(pa, 2)) !=
            json_object_get_double(json_object_array_get_idx(pb, 2)) + 1)
            continue;
        moved++;
        TW_CHECK_MSG(dx < 0 && dy > 0 && fabs(fabs(dx) - fabs(dy)) < 0.05 * fabs(dx),
                     "step %g, %g is not towards the north-west", dx, dy);
    }
    TW_CHECK(moved >= 2);
    json_object_put(r);
}

/* A grib2json file of nx x ny points from lon0, lat0 (1-degree steps, north
 * to south) with u, v constant; `broken` picks a fault. */
static void grib2json(const char *path, int nx, int ny, double lon0, double lat0,
                      const char *broken)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs("[", f);
    for (int rec = 0; rec < 2; rec++) {
        int rnx = nx + (rec == 1 && !strcmp(broken, "sizes") ? 1 : 0);
        fprintf(f, "%s{\"header\":{\"parameterCategory\":2,\"parameterNumber\":%d,", rec ? "," : "",
                rec ? 3 : 2);
        if (strcmp(broken, "header")) fprintf(f, "\"nx\":%d,", rnx);
        fprintf(f,
                "\"ny\":%d,\"lo1\":%g,\"la1\":%g,\"dx\":1,\"dy\":1,"
                "\"refTime\":\"2020-01-01T00:00:00.000Z\",\"forecastTime\":0},\"data\":[",
                ny, lon0, lat0);
        for (int i = 0; i < rnx * ny; i++)
            fprintf(f, "%s%s", i ? "," : "", !strcmp(broken, "nodata") ? "null" : "3.0");
        fputs("]}", f);
    }
    fputs("]\n", f);
    fclose(f);
}

static void test_bad_inputs(void)
{
    const char *dir = tw_run_tmpdir();
    char files[6][700];
    snprintf(files[0], sizeof files[0], "%s/bad_sizes.json", dir);
    grib2json(files[0], 8, 8, 123, 41, "sizes");
    snprintf(files[1], sizeof files[1], "%s/bad_header.json", dir);
    grib2json(files[1], 8, 8, 123, 41, "header");
    snprintf(files[2], sizeof files[2], "%s/bad_nodata.json", dir);
    grib2json(files[2], 8, 8, 123, 41, "nodata");
    snprintf(files[3], sizeof files[3], "%s/bad_far.json", dir);
    grib2json(files[3], 8, 8, 0, 50, "");
    snprintf(files[4], sizeof files[4], "%s/lonely.png", dir);
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", png_field, files[4]);
    TW_CHECK(tw_run_shell(cmd) == 0);
    /* a one-band raster: no u and v */
    snprintf(files[5], sizeof files[5], "%s/one_band.tif", dir);
    GDALDatasetH ds =
        GDALCreate(GDALGetDriverByName("GTiff"), files[5], 16, 16, 1, GDT_Float32, NULL);
    if (ds) {
        tw_run_georef(ds, (const double[6]){120, 1, 0, 45, 0, -1}, 4326);
        GDALClose(ds);
    }
    char layers[32000] = "";
    const char *names[6] = {"sizes", "header", "nodata", "far", "lonely", "one_band"};
    for (int i = 0; i < 6; i++) {
        char e[5000];
        snprintf(e, sizeof e,
                 "%s{ \"kind\": \"wind\", \"name\": \"%s\", \"source\": \"%s\", \"particles\": 500,"
                 " \"resolution_m\": 400, \"levels\": 4, \"fine_m\": 0 }",
                 i ? ",\n" : "", names[i], files[i]);
        strncat(layers, e, sizeof layers - strlen(layers) - 1);
    }
    char scene[40000];
    seoul_scene(scene, sizeof scene, layers);
    int rc;
    json_object *r = tw_run_scene(scene, "bad", "--bookmark down", &rc);
    TW_CHECK(rc == 0 && r);
    TW_CHECK_STR(str(tw_run_layer(r, "terrain"), "status"), "ok");
    char errpath[600];
    snprintf(errpath, sizeof errpath, "%s/bad.err", dir);
    char *log = tw_run_read_text(errpath);
    json_object *ls = tw_run_get(r, "layers");
    int seen = 0;
    for (size_t i = 0; ls && i < json_object_array_length(ls); i++) {
        json_object *l = json_object_array_get_idx(ls, i);
        if (!str(l, "kind") || strcmp(str(l, "kind"), "wind")) continue;
        int k = -1;
        for (int j = 0; j < 6; j++)
            if (!strcmp(str(l, "name"), names[j])) k = j;
        if (k < 0) continue;
        seen++;
        const char *base = strrchr(files[k], '/') + 1;
        const char *msg = str(l, "error");
        TW_CHECK_STR(str(l, "status"), "error");
        TW_CHECK_MSG(msg && strstr(msg, base) && !strchr(msg, '\n'), "%s: error \"%s\"", names[k],
                     msg ? msg : "(none)");
        TW_CHECK_MSG(log && strstr(log, base), "%s: nothing logged naming %s", names[k], base);
        fprintf(stderr, "  %s: %s\n", names[k], msg ? msg : "(none)");
    }
    TW_CHECK(seen == 6);
    free(log);
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    tw_test_shipped("assets/data/dem/seoul_dem.tif", dem, sizeof dem);
    tw_test_shipped("assets/data/wind/wind-2016112000.png", png_field, sizeof png_field);
    tw_test_shipped("assets/data/wind/wind-2016112000.json", json_field, sizeof json_field);
    tw_test_shipped("assets/data/wind/current-wind-surface-level-gfs-1.0.json", grib_field,
                    sizeof grib_field);
    GDALAllRegister();
    TW_RUN(test_golden_flowing_air);
    TW_RUN(test_gpu_step_uniform);
    TW_RUN(test_live_station);
    TW_RUN(test_bad_inputs);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
