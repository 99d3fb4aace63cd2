/* The points kind through the real binary: the Seoul subway stations on the
 * Seoul terrain against a golden picture, a pick at a station's marker, a
 * CSV in another CRS with a value ramp, and an unknown kind beside them. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

/* Seoul's box, lon/lat: the stations the demo shows. */
static const double SEOUL_BOX[4] = {126.764, 37.413, 127.184, 37.715};

static char stations[1024], dem[1024];

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* Stations inside the box and the EPSG:5186 position of the first named
 * `name`, read with OGR here, independently of the app. */
static int count_in_box(const char *name, double xy[2])
{
    GDALDatasetH ds = GDALOpenEx(stations, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) return -1;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL), tm = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs, 4326);
    OSRImportFromEPSG(tm, 5186);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(tm, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(wgs, tm);
    int n = 0;
    bool found = false;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        double x = OGR_G_GetX(g, 0), y = OGR_G_GetY(g, 0);
        if (x >= SEOUL_BOX[0] && x <= SEOUL_BOX[2] && y >= SEOUL_BOX[1] && y <= SEOUL_BOX[3]) n++;
        const char *nm = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name"));
        if (!found && strcmp(nm, name) == 0) {
            OCTTransform(ct, 1, &x, &y, NULL);
            xy[0] = x, xy[1] = y;
            found = true;
        }
        OGR_F_Destroy(f);
    }
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(wgs);
    OSRDestroySpatialReference(tm);
    GDALClose(ds);
    return found ? n : -1;
}

static void stations_scene(char *out, size_t n, const double eye[3], const double target[3])
{
    snprintf(out, n,
             "{ \"name\": \"stations\", \"crs\": \"EPSG:5186\",\n"
             "  \"terrain\": { \"source\": \"%s\", \"exaggeration\": 1.5, \"hillshade\": true },\n"
             "  \"layers\": [ { \"kind\": \"points\", \"name\": \"지하철역 stations\",\n"
             "      \"source\": \"%s\", \"label_field\": \"name\",\n"
             "      \"bbox\": [%g, %g, %g, %g] } ],\n"
             "  \"bookmarks\": [ { \"name\": \"here\", \"eye\": [%.2f, %.2f, %.2f],\n"
             "                   \"target\": [%.2f, %.2f, %.2f] } ] }\n",
             dem, stations, SEOUL_BOX[0], SEOUL_BOX[1], SEOUL_BOX[2], SEOUL_BOX[3], eye[0], eye[1],
             eye[2], target[0], target[1], target[2]);
}

static void test_stations_match_golden(void)
{
    double xy[2];
    int expected = count_in_box("시청", xy);
    TW_CHECK(expected > 300);
    char scene[4096];
    /* Looking north over the city centre, from the south. */
    stations_scene(scene, sizeof scene, (double[3]){198047, 547200, 2600},
                   (double[3]){198047, 551863, 30});
    int rc;
    json_object *r = tw_run_scene(scene, "stations", "--bookmark here", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *p = tw_run_layer(r, "points");
    TW_CHECK_STR(str(p, "status"), "ok");
    TW_CHECK_MSG(p && json_object_get_int(tw_run_get(p, "features")) == expected,
                 "features %s, want %d", str(p, "features"), expected);
    char png[512];
    snprintf(png, sizeof png, "%s/stations.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "points_stations"));
    json_object_put(r);
}

/* Straight down over 시청: its marker's disc is 12 px above the centre. */
static void test_pick_a_station(void)
{
    double xy[2];
    TW_CHECK(count_in_box("시청", xy) > 0);
    char scene[4096];
    stations_scene(scene, sizeof scene, (double[3]){xy[0], xy[1] - 1, 1500},
                   (double[3]){xy[0], xy[1], 40});
    int rc;
    json_object *r = tw_run_scene(scene, "pick", "--bookmark here --pick 320,168", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *pick = tw_run_get(r, "pick"), *hit = tw_run_get(pick, "hit");
    TW_CHECK_STR(str(pick, "kind"), "point");
    TW_CHECK_STR(str(hit, "kind"), "points");
    TW_CHECK_STR(str(hit, "layer"), "지하철역 stations");
    TW_CHECK_STR(str(tw_run_get(hit, "attributes"), "name"), "시청");
    TW_CHECK(json_object_get_int64(tw_run_get(hit, "fid")) >= 0);
    json_object_put(r);
    /* A corner far from any marker is ground. */
    r = tw_run_scene(scene, "pick_ground", "--bookmark here --pick 8,352", &rc);
    TW_CHECK_STR(str(tw_run_get(r, "pick"), "kind"), "ground");
    json_object_put(r);
}

/* A CSV with x/y columns in another CRS (EPSG:5179), coloured by value,
 * beside an unknown kind that fails alone. */
static void test_csv_any_crs_and_unknown_kind(void)
{
    /* Seoul City Hall in EPSG:5179 (UTM-K), and two more. */
    double x0 = 953898, y0 = 1952120;
    char csv[512];
    snprintf(csv, sizeof csv, "%s/sensors.csv", tw_run_tmpdir());
    FILE *f = fopen(csv, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(f,
            "id,name,x,y,pm10\n1,시청앞,%.1f,%.1f,42\n2,north,%.1f,%.1f,80\n"
            "3,east,%.1f,%.1f,12\n4,lost,,,7\n",
            x0, y0, x0, y0 + 400, x0 + 400, y0);
    fclose(f);
    char scene[4096];
    snprintf(scene, sizeof scene,
             "{ \"crs\": \"EPSG:5186\",\n"
             "  \"layers\": [ { \"kind\": \"hologram\", \"source\": \"x\" },\n"
             "    { \"kind\": \"points\", \"source\": \"%s\", \"source_crs\": \"EPSG:5179\",\n"
             "      \"label_field\": \"name\", \"value_field\": \"pm10\" } ] }\n",
             csv);
    int rc;
    json_object *r = tw_run_scene(scene, "csv", "", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *p = tw_run_layer(r, "points"), *u = tw_run_layer(r, "hologram");
    TW_CHECK_STR(str(p, "status"), "ok");
    TW_CHECK(json_object_get_int(tw_run_get(p, "features")) == 3);
    TW_CHECK(json_object_get_int(tw_run_get(tw_run_get(p, "skipped"), "no geometry")) == 1);
    TW_CHECK_STR(str(u, "status"), "error");
    TW_CHECK(str(u, "error") && strstr(str(u, "error"), "hologram"));
    json_object_put(r);
    /* A label field the file does not have fails the layer, naming it. */
    snprintf(scene, sizeof scene,
             "{ \"layers\": [ { \"kind\": \"points\", \"source\": \"%s\", \"source_crs\": "
             "\"EPSG:5179\", \"label_field\": \"nom\" } ] }\n",
             csv);
    r = tw_run_scene(scene, "csv_bad_field", "", &rc);
    TW_CHECK(rc == 0);
    p = tw_run_layer(r, "points");
    TW_CHECK_STR(str(p, "status"), "error");
    TW_CHECK(str(p, "error") && strstr(str(p, "error"), "'nom'"));
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(stations, sizeof stations, "%s/assets/data/points/seoul_subway_stations_2024.geojson",
             src ? src : ".");
    snprintf(dem, sizeof dem, "%s/assets/data/dem/seoul_dem.tif", src ? src : ".");
    GDALAllRegister();
    TW_RUN(test_stations_match_golden);
    TW_RUN(test_pick_a_station);
    TW_RUN(test_csv_any_crs_and_unknown_kind);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
