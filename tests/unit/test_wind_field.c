/* Wind fields from files: both shipped web formats read to the values the
 * files hold, bilinear sampling, the wrap at the antimeridian, the webgl-wind
 * pixel convention at known places, a GDAL GeoTIFF made from the grib2json
 * data (and a webgl-wind PNG encoded from it) load to the same field, the
 * rotation from east/north into EPSG:5186 grid axes, and one clear error
 * naming the file for each bad input. */
#include "geo_gdal.h"
#include "geo_wind.h"
#include "tw_json.h"
#include "tw_test.h"

#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <unistd.h>

static char grib_path[1024], png_path[1024];

static geo_wind_field *open_field(const char *path, const char *format, const char *ub,
                                  const char *vb)
{
    geo_wind_field *f = NULL;
    char err[512];
    tw_result r = geo_wind_open(
        &(geo_wind_open_desc){.path = path, .format = format, .u_band = ub, .v_band = vb}, &f, err,
        sizeof err);
    TW_CHECK_MSG(r == TW_OK && f, "%s: %s", path, err);
    return f;
}

/* The bad input gives result want and one message naming the file. */
static void expect_error(const char *path, const char *format, long max_points, tw_result want,
                         const char *must_contain)
{
    geo_wind_field *f = (geo_wind_field *)1;
    char err[512] = "";
    tw_result r = geo_wind_open(
        &(geo_wind_open_desc){.path = path, .format = format, .max_points = max_points}, &f, err,
        sizeof err);
    TW_CHECK_MSG(r == want, "%s: got %s (%s), expected %s", path, tw_result_str(r), err,
                 tw_result_str(want));
    TW_CHECK(f == NULL);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    TW_CHECK_MSG(strstr(err, base) != NULL, "message does not name %s: %s", base, err);
    TW_CHECK_MSG(!must_contain || strstr(err, must_contain), "message lacks \"%s\": %s",
                 must_contain, err);
    TW_CHECK(strchr(err, '\n') == NULL);
    fprintf(stderr, "  %s\n", err);
}

static void write_mem(const char *path, const char *text)
{
    VSILFILE *fp = VSIFOpenL(path, "wb");
    TW_CHECK(fp != NULL);
    if (!fp) return;
    VSIFWriteL(text, 1, strlen(text), fp);
    VSIFCloseL(fp);
}

/* The grib2json file's own numbers, read with json-c. */
static float *source_values(int record)
{
    json_object *root = NULL;
    char err[256];
    TW_CHECK(tw_json_load_file(grib_path, 4 << 20, &root, err, sizeof err) == TW_OK);
    if (!root) return NULL;
    json_object *data =
        tw_json_get(json_object_array_get_idx(root, record), "data", json_type_array);
    size_t n = json_object_array_length(data);
    float *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = (float)json_object_get_double(json_object_array_get_idx(data, i));
    json_object_put(root);
    return out;
}

static void test_grib2json(void)
{
    geo_wind_field *f = open_field(grib_path, NULL, NULL, NULL);
    if (!f) return;
    TW_CHECK_STR(f->format, "grib2json");
    TW_CHECK(f->nx == 360 && f->ny == 181 && f->wrap);
    TW_CHECK_NEAR(f->lon0, 0, 0);
    TW_CHECK_NEAR(f->lat0, 90, 0);
    TW_CHECK_NEAR(f->dlon, 1, 0);
    TW_CHECK_NEAR(f->dlat, -1, 0);
    TW_CHECK_STR(f->time, "2014-01-31T03:00:00Z"); /* refTime + forecastTime 3 h */
    TW_CHECK(strstr(f->source, "NCEP") != NULL);
    TW_CHECK(f->nodata_count == 0);
    TW_CHECK_NEAR(geo_wind_field_resolution_deg(f), 1.0, 0);
    float *su = source_values(0), *sv = source_values(1);
    if (!su || !sv) return;
    TW_CHECK_NEAR(su[0], -4.76, 1e-6); /* the file's first value, as the viewer shows */
    /* Values at grid points equal the source: lon = i, lat = 90 - j. */
    int bad = 0;
    for (int j = 0; j < 181; j += 7)
        for (int i = 0; i < 360; i += 11) {
            double u, v;
            bool ok = geo_wind_field_sample(f, i, 90 - j, &u, &v);
            if (!ok || u != su[j * 360 + i] || v != sv[j * 360 + i]) bad++;
        }
    TW_CHECK_MSG(bad == 0, "%d grid points differ from the file", bad);
    /* Bilinear at a cell centre: the mean of the four corners. */
    double u, v;
    int i = 127, j = 90 - 37; /* 127..128 E, 37..36 N */
    TW_CHECK(geo_wind_field_sample(f, 127.5, 36.5, &u, &v));
    double mu = 0.25 * (su[j * 360 + i] + su[j * 360 + i + 1] + su[(j + 1) * 360 + i] +
                        su[(j + 1) * 360 + i + 1]);
    double mv = 0.25 * (sv[j * 360 + i] + sv[j * 360 + i + 1] + sv[(j + 1) * 360 + i] +
                        sv[(j + 1) * 360 + i + 1]);
    TW_CHECK_NEAR(u, mu, 1e-5);
    TW_CHECK_NEAR(v, mv, 1e-5);
    /* A quarter of the way: weights 3/4, 1/4 along longitude only. */
    TW_CHECK(geo_wind_field_sample(f, 127.25, 37, &u, &v));
    TW_CHECK_NEAR(u, 0.75 * su[j * 360 + i] + 0.25 * su[j * 360 + i + 1], 1e-5);
    /* Wrap at 0/360: 359.5 and -0.5 are the same point, between i = 359 and 0. */
    double u1, v1, u2, v2;
    TW_CHECK(geo_wind_field_sample(f, 359.5, 10, &u1, &v1));
    TW_CHECK(geo_wind_field_sample(f, -0.5, 10, &u2, &v2));
    TW_CHECK_NEAR(u1, u2, 1e-9);
    TW_CHECK_NEAR(v1, v2, 1e-9);
    TW_CHECK_NEAR(u1, 0.5 * (su[80 * 360 + 359] + su[80 * 360]), 1e-5);
    TW_CHECK(geo_wind_field_sample(f, -180, 0, &u1, &v1));
    TW_CHECK_NEAR(u1, su[90 * 360 + 180], 1e-6);
    /* Both poles are in the file; beyond is outside. */
    TW_CHECK(geo_wind_field_sample(f, 10, -90, &u, &v));
    TW_CHECK(!geo_wind_field_sample(f, 10, -90.5, &u, &v));
    free(su);
    free(sv);
    geo_wind_field_destroy(f);
}

/* The webgl-wind PNG: lon = x - 180, lat = 90 - y, checked against the PNG's
 * own pixel values read here with GDAL, at places the data README lists. */
static void test_webgl(void)
{
    geo_wind_field *f = open_field(png_path, NULL, NULL, NULL);
    if (!f) return;
    TW_CHECK_STR(f->format, "webgl-wind");
    TW_CHECK(f->nx == 360 && f->ny == 180 && f->wrap);
    TW_CHECK_STR(f->time, "2016-11-20T00:00:00Z");
    TW_CHECK_STR(f->source, "http://nomads.ncep.noaa.gov");
    GDALDatasetH ds = GDALOpen(png_path, GA_ReadOnly);
    TW_CHECK(ds != NULL);
    if (!ds) return;
    const struct {
        double lon, lat;
        int x, y, r;
    } at[3] = {{-140, 15, 40, 75, 70}, {60, -45, 240, 135, 193}, {126, 37, 306, 53, -1}};
    for (int n = 0; n < 3; n++) {
        unsigned char rg[2];
        int map[2] = {1, 2};
        TW_CHECK(GDALDatasetRasterIO(ds, GF_Read, at[n].x, at[n].y, 1, 1, rg, 1, 1, GDT_Byte, 2,
                                     map, 2, 2, 1) == CE_None);
        if (at[n].r >= 0) TW_CHECK(rg[0] == at[n].r); /* as the data README read it */
        double u, v;
        TW_CHECK(geo_wind_field_sample(f, at[n].lon, at[n].lat, &u, &v));
        TW_CHECK_NEAR(u, -21.32 + rg[0] / 255.0 * (26.8 + 21.32), 1e-4);
        TW_CHECK_NEAR(v, -21.57 + rg[1] / 255.0 * (21.42 + 21.57), 1e-4);
        double u2, v2; /* the same place as 0..360 longitude */
        TW_CHECK(geo_wind_field_sample(f, at[n].lon + 360, at[n].lat, &u2, &v2));
        TW_CHECK_NEAR(u2, u, 1e-9);
    }
    GDALClose(ds);
    /* The trades at 15 N 140 W blow from the east (the README's check). */
    double u, v;
    TW_CHECK(geo_wind_field_sample(f, -140, 15, &u, &v) && u < -7);
    geo_wind_field_destroy(f);
}

/* A GeoTIFF written from the grib2json data (pixel-is-area geotransform,
 * EPSG:4326) and a webgl-wind PNG + JSON encoded from it load to the same
 * field as the JSON. */
static void test_same_field(void)
{
    geo_wind_field *g = open_field(grib_path, NULL, NULL, NULL);
    if (!g) return;
    GDALDriverH gtiff = GDALGetDriverByName("GTiff");
    const char *tif = "/vsimem/wind_from_grib.tif";
    GDALDatasetH ds = GDALCreate(gtiff, tif, 360, 181, 2, GDT_Float32, NULL);
    double gt[6] = {-0.5, 1, 0, 90.5, 0, -1};
    GDALSetGeoTransform(ds, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    GDALSetSpatialRef(ds, srs);
    OSRDestroySpatialReference(srs);
    GDALSetMetadataItem(ds, "TIFFTAG_DATETIME", "2014:01:31 03:00:00", NULL);
    /* Bands named so that detection must pick them: v first, u second. */
    GDALRasterBandH b1 = GDALGetRasterBand(ds, 1), b2 = GDALGetRasterBand(ds, 2);
    GDALSetDescription(b1, "v10");
    GDALSetDescription(b2, "u10");
    TW_CHECK(GDALRasterIO(b1, GF_Write, 0, 0, 360, 181, g->v, 360, 181, GDT_Float32, 0, 0) ==
             CE_None);
    TW_CHECK(GDALRasterIO(b2, GF_Write, 0, 0, 360, 181, g->u, 360, 181, GDT_Float32, 0, 0) ==
             CE_None);
    GDALClose(ds);
    geo_wind_field *t = open_field(tif, NULL, NULL, NULL);
    if (t) {
        TW_CHECK_STR(t->format, "gdal");
        TW_CHECK(t->nx == 360 && t->ny == 181 && t->wrap);
        TW_CHECK_NEAR(t->lon0, 0, 1e-9);
        TW_CHECK_NEAR(t->lat0, 90, 1e-9);
        TW_CHECK_STR(t->time, "2014-01-31T03:00:00Z");
        double worst = 0;
        for (double lat = -89.7; lat < 90; lat += 3.1)
            for (double lon = -179.3; lon < 180; lon += 4.7) {
                double u1, v1, u2, v2;
                TW_CHECK(geo_wind_field_sample(g, lon, lat, &u1, &v1));
                TW_CHECK(geo_wind_field_sample(t, lon, lat, &u2, &v2));
                worst = fmax(worst, fmax(fabs(u1 - u2), fabs(v1 - v2)));
            }
        TW_CHECK_MSG(worst < 1e-5, "GeoTIFF differs by %g m/s", worst);
        geo_wind_field_destroy(t);
    }
    /* Named by band number: 2 is u, 1 is v. */
    t = open_field(tif, "gdal", "2", "1");
    double u1, v1, u2, v2;
    if (t) {
        TW_CHECK(geo_wind_field_sample(g, 127, 37.5, &u1, &v1));
        TW_CHECK(geo_wind_field_sample(t, 127, 37.5, &u2, &v2));
        TW_CHECK_NEAR(u1, u2, 1e-5);
        TW_CHECK_NEAR(v1, v2, 1e-5);
        geo_wind_field_destroy(t);
    }
    /* webgl-wind encoding of the same data (what prepare.js does, rounded
     * here): x = (lon + 180) mod 360, y = 90 - lat, 180 rows. */
    float lim[4] = {-30, 30, -30, 30};
    unsigned char *rgb = calloc(360 * 180 * 3, 1);
    for (int y = 0; y < 180; y++)
        for (int x = 0; x < 360; x++) {
            int i = (x + 180) % 360;
            float u = g->u[y * 360 + i], v = g->v[y * 360 + i];
            rgb[(y * 360 + x) * 3] = (unsigned char)lround((u - lim[0]) / (lim[1] - lim[0]) * 255);
            rgb[(y * 360 + x) * 3 + 1] =
                (unsigned char)lround((v - lim[2]) / (lim[3] - lim[2]) * 255);
        }
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", 360, 180, 3, GDT_Byte, NULL);
    int map[3] = {1, 2, 3};
    TW_CHECK(GDALDatasetRasterIO(mem, GF_Write, 0, 0, 360, 180, rgb, 360, 180, GDT_Byte, 3, map, 3,
                                 360 * 3, 1) == CE_None);
    GDALClose(
        GDALCreateCopy(GDALGetDriverByName("PNG"), "/vsimem/enc.png", mem, 0, NULL, NULL, NULL));
    GDALClose(mem);
    free(rgb);
    write_mem("/vsimem/enc.json", "{\"date\":\"2014-01-31T03:00Z\",\"uMin\":-30,\"uMax\":30,"
                                  "\"vMin\":-30,\"vMax\":30}");
    t = open_field("/vsimem/enc.json", NULL, NULL, NULL); /* named by its JSON */
    if (t) {
        double worst = 0, step = 60.0 / 255;
        for (int lat = -89; lat <= 90; lat += 2)
            for (int lon = -180; lon < 180; lon += 3) {
                TW_CHECK(geo_wind_field_sample(g, lon, lat, &u1, &v1));
                TW_CHECK(geo_wind_field_sample(t, lon, lat, &u2, &v2));
                worst = fmax(worst, fmax(fabs(u1 - u2), fabs(v1 - v2)));
            }
        TW_CHECK_MSG(worst <= 0.5 * step + 1e-4, "PNG differs by %g m/s (step %g)", worst, step);
        TW_CHECK_STR(t->time, "2014-01-31T03:00:00Z");
        geo_wind_field_destroy(t);
    }
    VSIUnlink(tif);
    VSIUnlink("/vsimem/enc.png");
    VSIUnlink("/vsimem/enc.json");
    geo_wind_field_destroy(g);
}

/* East/north into EPSG:5186 axes: the meridian convergence at 129 E is
 * about (129 - 127) sin(lat), true north leaning west of grid north. */
static void test_rotation(void)
{
    geo_frame *frame = NULL;
    char err[512];
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) ==
             TW_OK);
    if (!frame) return;
    geo_xform *xf = NULL;
    TW_CHECK(geo_xform_create_lonlat(frame, &xf, err, sizeof err) == TW_OK);
    const double lons[3] = {129, 127, 125}, lat = 37.5;
    double sx[3], sy[3];
    for (int n = 0; n < 3; n++) {
        double x = lons[n], y = lat;
        TW_CHECK(geo_xform_to_scene(xf, 1, &x, &y, NULL) == 1);
        sx[n] = x;
        sy[n] = y;
        double east[2], north[2];
        TW_CHECK(geo_wind_scene_axes(xf, x, y, east, north, err, sizeof err) == TW_OK);
        double gamma = atan2(-north[0], north[1]) * 180 / M_PI;
        /* Transverse Mercator convergence (series to the third order in the
         * longitude difference, spherical terms; the ellipsoidal term adds
         * far less than the tolerance). */
        double dl = (lons[n] - 127) * M_PI / 180, phi = lat * M_PI / 180;
        double want = atan(tan(dl) * sin(phi)) * 180 / M_PI;
        TW_CHECK_NEAR(gamma, want, 0.003);
        TW_CHECK_NEAR(east[0] * north[0] + east[1] * north[1], 0, 1e-6); /* conformal */
    }
    TW_CHECK(atan2(-0.0, 1) == 0);
    /* A south wind of 10 m/s (blowing north) over the area around 129 E: in
     * grid axes it leans west by the convergence. */
    geo_wind_field *f = NULL;
    char json[1024];
    snprintf(json, sizeof json,
             "[{\"header\":{\"parameterCategory\":2,\"parameterNumber\":2,\"nx\":2,\"ny\":2,"
             "\"lo1\":120,\"la1\":45,\"dx\":15,\"dy\":15},\"data\":[0,0,0,0]},"
             "{\"header\":{\"parameterCategory\":2,\"parameterNumber\":3,\"nx\":2,\"ny\":2,"
             "\"lo1\":120,\"la1\":45,\"dx\":15,\"dy\":15},\"data\":[10,10,10,10]}]");
    TW_CHECK(geo_wind_parse_grib2json(json, strlen(json), "south.json", 0, &f, err, sizeof err) ==
             TW_OK);
    if (f) {
        TW_CHECK(!f->wrap);
        float u[4], v[4];
        double area[4] = {sx[0] - 1000, sy[0] - 1000, sx[0] + 1000, sy[0] + 1000};
        TW_CHECK(geo_wind_field_to_scene(f, frame, area, 2, 2, u, v, err, sizeof err) == TW_OK);
        double gamma = atan(tan(2 * M_PI / 180) * sin(lat * M_PI / 180));
        TW_CHECK_NEAR(u[0], -10 * sin(gamma), 2e-3);
        TW_CHECK_NEAR(v[0], 10 * cos(gamma), 2e-3);
        TW_CHECK(u[0] < -0.2);
        double area2[4] = {sx[1] - 1000, sy[1] - 1000, sx[1] + 1000, sy[1] + 1000};
        TW_CHECK(geo_wind_field_to_scene(f, frame, area2, 2, 2, u, v, err, sizeof err) == TW_OK);
        TW_CHECK_NEAR(u[0], 0, 3e-3); /* on the central meridian (cell centres 500 m off) */
        /* An area outside the regional field: an error naming it. */
        double far[4] = {sx[0] + 1e6, sy[0], sx[0] + 1.01e6, sy[0] + 1e4};
        TW_CHECK(geo_wind_field_to_scene(f, frame, far, 2, 2, u, v, err, sizeof err) == TW_ERR_ARG);
        TW_CHECK(strstr(err, "south.json") && strstr(err, "does not cover"));
        geo_wind_field_destroy(f);
    }
    /* The global field over Seoul's scene: resampling works, values are the
     * bilinear field rotated. */
    f = open_field(grib_path, NULL, NULL, NULL);
    if (f) {
        float u[16], v[16];
        double area[4] = {180000, 540000, 220000, 580000};
        TW_CHECK(geo_wind_field_to_scene(f, frame, area, 4, 4, u, v, err, sizeof err) == TW_OK);
        double x = 185000, y = 545000, ue, vn, east[2], north[2];
        TW_CHECK(geo_wind_scene_axes(xf, x, y, east, north, err, sizeof err) == TW_OK);
        geo_xform_from_scene(xf, 1, &x, &y, NULL);
        TW_CHECK(geo_wind_field_sample(f, x, y, &ue, &vn));
        TW_CHECK_NEAR(u[0], ue * east[0] + vn * north[0], 1e-4);
        TW_CHECK_NEAR(v[0], ue * east[1] + vn * north[1], 1e-4);
        geo_wind_field_destroy(f);
    }
    geo_xform_destroy(xf);
    geo_frame_destroy(frame);
}

/* GRIB2 through GDAL: U and V found by their GRIB element (V stored first),
 * the valid time from GRIB_VALID_TIME (reference 00Z + 3 h). */
static void test_grib2(void)
{
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", 8, 4, 2, GDT_Float32, NULL);
    double gt[6] = {120, 1, 0, 40, 0, -1};
    GDALSetGeoTransform(mem, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    GDALSetSpatialRef(mem, srs);
    OSRDestroySpatialReference(srs);
    float vals[2][32];
    for (int i = 0; i < 32; i++) {
        vals[0][i] = -0.25f * i; /* v */
        vals[1][i] = 0.5f * i;   /* u */
    }
    for (int b = 0; b < 2; b++)
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(mem, b + 1), GF_Write, 0, 0, 8, 4, vals[b], 8, 4,
                              GDT_Float32, 0, 0) == CE_None);
    /* GRIB2 product template 4.0: category 2 (momentum), number 3 (v) / 2 (u),
     * forecast 3 hours, 10 m above ground. */
    const char *opts[] = {
        "DATA_ENCODING=IEEE_FLOATING_POINT",
        "DISCIPLINE=0",
        "IDS=CENTER=7(NCEP) SUBCENTER=0 MASTER_TABLE=2 LOCAL_TABLE=1 SIGNF_REF_TIME=1 "
        "REF_TIME=2014-01-31T00:00:00Z PROD_STATUS=0 TYPE=1",
        "PDS_PDTN=0",
        "BAND_1_PDS_TEMPLATE_ASSEMBLED_VALUES=2 3 2 0 81 0 0 1 3 103 0 10 255 0 0",
        "BAND_2_PDS_TEMPLATE_ASSEMBLED_VALUES=2 2 2 0 81 0 0 1 3 103 0 10 255 0 0",
        NULL};
    const char *path = "/vsimem/wind_test.grb2";
    GDALDatasetH out =
        GDALCreateCopy(GDALGetDriverByName("GRIB"), path, mem, 0, (char **)opts, NULL, NULL);
    GDALClose(mem);
    TW_CHECK(out != NULL);
    if (!out) return;
    GDALClose(out);
    geo_wind_field *f = open_field(path, NULL, NULL, NULL);
    if (f) {
        TW_CHECK_STR(f->format, "gdal");
        TW_CHECK_STR(f->time, "2014-01-31T03:00:00Z");
        TW_CHECK(f->nx == 8 && f->ny == 4 && !f->wrap);
        double u, v;
        TW_CHECK(geo_wind_field_sample(f, 120.5 + 3, 39.5 - 2, &u, &v)); /* pixel (3, 2) */
        TW_CHECK_NEAR(u, 0.5 * 19, 1e-6);
        TW_CHECK_NEAR(v, -0.25 * 19, 1e-6);
        geo_wind_field_destroy(f);
    }
    f = open_field(path, NULL, "UGRD", "VGRD");
    if (f) {
        double u, v;
        TW_CHECK(geo_wind_field_sample(f, 120.5, 39.5, &u, &v) && u == 0 && v == 0);
        geo_wind_field_destroy(f);
    }
    VSIUnlink(path);
}

/* netCDF through GDAL: each variable is a subdataset, named by u_band and
 * v_band (the netCDF driver cannot write to /vsimem, so a file in the
 * working folder). */
static void test_netcdf(void)
{
    GDALDriverH drv = GDALGetDriverByName("netCDF");
    if (!drv) {
        fprintf(stderr, "  (GDAL has no netCDF driver here: case not run)\n");
        return;
    }
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", 8, 4, 2, GDT_Float32, NULL);
    double gt[6] = {120, 1, 0, 40, 0, -1};
    GDALSetGeoTransform(mem, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    GDALSetSpatialRef(mem, srs);
    OSRDestroySpatialReference(srs);
    float vals[2][32];
    for (int i = 0; i < 32; i++) vals[0][i] = 1.0f + i, vals[1][i] = -2.0f * i;
    for (int b = 0; b < 2; b++)
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(mem, b + 1), GF_Write, 0, 0, 8, 4, vals[b], 8, 4,
                              GDT_Float32, 0, 0) == CE_None);
    char path[64];
    snprintf(path, sizeof path, "wind_test_%ld.nc", (long)getpid());
    GDALDatasetH out = GDALCreateCopy(drv, path, mem, 0, NULL, NULL, NULL);
    GDALClose(mem);
    TW_CHECK(out != NULL);
    if (!out) return;
    GDALClose(out);
    geo_wind_field *f = open_field(path, NULL, "Band1", "Band2");
    if (f) {
        double u, v;
        TW_CHECK(geo_wind_field_sample(f, 123.5, 37.5, &u, &v));
        TW_CHECK_NEAR(u, 1 + 19, 1e-6);
        TW_CHECK_NEAR(v, -2 * 19, 1e-6);
        geo_wind_field_destroy(f);
    }
    /* Variables named like nothing wind-like, and none given: refused. */
    expect_error(path, NULL, 0, TW_ERR_FORMAT, "no u/v");
    remove(path);
}

static const char *grib_text(const char *u_header, const char *u_data, const char *v_header,
                             const char *v_data)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "[{\"header\":{\"parameterCategory\":2,\"parameterNumber\":2,%s},\"data\":[%s]},"
             "{\"header\":{\"parameterCategory\":2,\"parameterNumber\":3,%s},\"data\":[%s]}]",
             u_header, u_data, v_header, v_data);
    return buf;
}

static void test_bad_inputs(void)
{
    const char *h22 = "\"nx\":2,\"ny\":2,\"lo1\":120,\"la1\":40,\"dx\":1,\"dy\":1";
    /* Partly NaN (null): allowed but counted; sampling next to it fails. */
    write_mem("/vsimem/partly_null.json", grib_text(h22, "1,2,null,4", h22, "1,2,3,4"));
    geo_wind_field *f = open_field("/vsimem/partly_null.json", NULL, NULL, NULL);
    if (f) {
        double u, v;
        TW_CHECK(f->nodata_count == 1);
        TW_CHECK(!geo_wind_field_sample(f, 120.5, 39.5, &u, &v));
        TW_CHECK(geo_wind_field_sample(f, 121, 40, &u, &v) && u == 2);
        geo_wind_field_destroy(f);
    }
    write_mem("/vsimem/all_null.json", grib_text(h22, "null,null,null,null", h22, "1,2,3,4"));
    expect_error("/vsimem/all_null.json", NULL, 0, TW_ERR_FORMAT, "nodata");
    write_mem("/vsimem/no_dx.json", grib_text("\"nx\":2,\"ny\":2,\"lo1\":120,\"la1\":40,\"dy\":1",
                                              "1,2,3,4", h22, "1,2,3,4"));
    expect_error("/vsimem/no_dx.json", NULL, 0, TW_ERR_FORMAT, "\"dx\"");
    write_mem("/vsimem/mismatch.json",
              grib_text(h22, "1,2,3,4",
                        "\"nx\":3,\"ny\":2,\"lo1\":120,\"la1\":40,\"dx\":1,\"dy\":1",
                        "1,2,3,4,5,6"));
    expect_error("/vsimem/mismatch.json", NULL, 0, TW_ERR_FORMAT, "differ");
    write_mem("/vsimem/short.json", grib_text(h22, "1,2,3", h22, "1,2,3,4"));
    expect_error("/vsimem/short.json", NULL, 0, TW_ERR_FORMAT, "3 values");
    write_mem("/vsimem/only_u.json",
              "[{\"header\":{\"parameterCategory\":2,\"parameterNumber\":2,\"nx\":2,\"ny\":2,"
              "\"lo1\":0,\"la1\":0,\"dx\":1,\"dy\":1},\"data\":[1,2,3,4]}]");
    expect_error("/vsimem/only_u.json", NULL, 0, TW_ERR_FORMAT, "V-component");
    write_mem("/vsimem/garbage.json", "[{\"header\": {\"nx\": 2,");
    expect_error("/vsimem/garbage.json", NULL, 0, TW_ERR_FORMAT, "not JSON");
    write_mem("/vsimem/string.json", grib_text(h22, "1,\"2\",3,4", h22, "1,2,3,4"));
    expect_error("/vsimem/string.json", NULL, 0, TW_ERR_FORMAT, "string");
    /* Size cap on nx*ny. */
    expect_error(grib_path, NULL, 1000, TW_ERR_TOOBIG, "limit");
    const char *huge = "\"nx\":1e12,\"ny\":5,\"lo1\":0,\"la1\":0,\"dx\":1,\"dy\":1";
    write_mem("/vsimem/huge.json", grib_text(huge, "1", huge, "1"));
    expect_error("/vsimem/huge.json", NULL, 0, TW_ERR_TOOBIG, "limit");
    expect_error("/nonexistent/wind_missing.json", NULL, 0, TW_ERR_IO, "not found");
    /* A webgl-wind PNG without its JSON. */
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", 8, 4, 3, GDT_Byte, NULL);
    GDALClose(
        GDALCreateCopy(GDALGetDriverByName("PNG"), "/vsimem/lonely.png", mem, 0, NULL, NULL, NULL));
    expect_error("/vsimem/lonely.png", NULL, 0, TW_ERR_IO, "metadata JSON");
    /* ... and with a JSON that lacks vMax. */
    write_mem("/vsimem/lonely.json", "{\"uMin\":-1,\"uMax\":1,\"vMin\":-1}");
    expect_error("/vsimem/lonely.png", NULL, 0, TW_ERR_FORMAT, "\"vMax\"");
    /* A one-band raster: no u/v bands. */
    GDALDatasetH one = GDALCreate(GDALGetDriverByName("GTiff"), "/vsimem/one_band.tif", 8, 4, 1,
                                  GDT_Float32, NULL);
    double gt[6] = {100, 1, 0, 50, 0, -1};
    GDALSetGeoTransform(one, gt);
    GDALClose(one);
    expect_error("/vsimem/one_band.tif", NULL, 0, TW_ERR_FORMAT, "no u/v");
    /* Named bands that are not there. */
    geo_wind_field *g = (geo_wind_field *)1;
    char err[512];
    TW_CHECK(geo_wind_open(&(geo_wind_open_desc){.path = "/vsimem/one_band.tif",
                                                 .u_band = "UGRD",
                                                 .v_band = "VGRD"},
                           &g, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK(g == NULL && strstr(err, "one_band.tif") && strstr(err, "UGRD"));
    /* A projected raster is refused (says which CRS). */
    GDALDatasetH prj = GDALCreate(GDALGetDriverByName("GTiff"), "/vsimem/projected.tif", 8, 4, 2,
                                  GDT_Float32, NULL);
    double gtp[6] = {190000, 100, 0, 560000, 0, -100};
    GDALSetGeoTransform(prj, gtp);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 5186);
    GDALSetSpatialRef(prj, srs);
    OSRDestroySpatialReference(srs);
    GDALClose(prj);
    expect_error("/vsimem/projected.tif", NULL, 0, TW_ERR_UNSUPPORTED, "5186");
    /* All-NaN raster. */
    GDALDatasetH nan =
        GDALCreate(GDALGetDriverByName("GTiff"), "/vsimem/all_nan.tif", 8, 4, 2, GDT_Float32, NULL);
    GDALSetGeoTransform(nan, gt);
    float nanv[32];
    for (int i = 0; i < 32; i++) nanv[i] = NAN;
    for (int b = 1; b <= 2; b++)
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(nan, b), GF_Write, 0, 0, 8, 4, nanv, 8, 4,
                              GDT_Float32, 0, 0) == CE_None);
    GDALClose(nan);
    expect_error("/vsimem/all_nan.tif", NULL, 0, TW_ERR_FORMAT, "nodata");
    expect_error(grib_path, "netcdf4", 0, TW_ERR_ARG, "unknown wind format");
    /* The parser from memory, with no name. */
    TW_CHECK(geo_wind_parse_grib2json("{}", 2, NULL, 0, &g, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK(g == NULL && strstr(err, "grib2json"));
}

int main(void)
{
    TW_CHECK(geo_gdal_init(&(geo_gdal_desc){0}) == TW_OK);
    tw_test_shipped("assets/data/wind/current-wind-surface-level-gfs-1.0.json", grib_path,
                    sizeof grib_path);
    tw_test_shipped("assets/data/wind/wind-2016112000.png", png_path, sizeof png_path);
    TW_RUN(test_grib2json);
    TW_RUN(test_webgl);
    TW_RUN(test_same_field);
    TW_RUN(test_grib2);
    TW_RUN(test_netcdf);
    TW_RUN(test_rotation);
    TW_RUN(test_bad_inputs);
    geo_gdal_shutdown();
    return TW_TEST_END();
}
