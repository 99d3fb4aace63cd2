/* Buildings from the other OGR formats a city's data comes in, through the
 * real binary: the Cheongna footprints written by GDAL as KML and as CSV
 * with WKT load the same buildings with the same heights as the GeoJSON
 * they came from; an OpenStreetMap file (its polygons are the driver's
 * fourth layer, its heights OSM tags kept in "other_tags") stands its
 * buildings at their tagged height or levels; a CSV without a CRS and a
 * "where" that matches nothing fail the layer with a line that says why. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <gdal_utils.h>
#include <math.h>

static char cheongna[1024];

#define WHERE "uploader_edit_flag IS NULL"

static const char *str(json_object *o, const char *key)
{
    json_object *v = tw_run_get(o, key);
    return v ? json_object_get_string(v) : "(none)";
}

static double num(json_object *o, const char *key)
{
    json_object *v = tw_run_get(o, key);
    return v ? json_object_get_double(v) : NAN;
}

/* The Cheongna file through ogr2ogr's library call into driver at out. */
static bool translate(const char *driver, const char *out, const char *lco)
{
    GDALDatasetH src = GDALOpenEx(cheongna, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!src) return false;
    char *argv[] = {"-f", (char *)driver, lco ? "-lco" : NULL, (char *)lco, NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH d = GDALVectorTranslate(out, NULL, 1, &src, o, NULL);
    GDALVectorTranslateOptionsFree(o);
    GDALClose(src);
    if (d) GDALClose(d);
    return d != NULL;
}

/* A scene of one buildings layer over Cheongna; its report (NULL: none). */
static json_object *run(const char *source, const char *keys, const char *tag)
{
    char scene[2048];
    snprintf(scene, sizeof scene,
             "{ \"name\": \"formats\", \"crs\": \"EPSG:5186\",\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\" %s } ],\n"
             "  \"bookmarks\": [ { \"name\": \"v\", \"eye\": [169700, 545000, 2400],"
             " \"target\": [167625, 548208, 0] } ] }\n",
             source, keys);
    int rc;
    json_object *r = tw_run_scene(scene, tag, "--bookmark v", &rc);
    TW_CHECK_MSG(rc == 0 && r, "%s: exit %d", tag, rc);
    return r;
}

/* The same features and heights as the GeoJSON's. */
static void same_buildings(json_object *b, json_object *ref, const char *tag)
{
    TW_CHECK_MSG(strcmp(str(b, "status"), "ok") == 0, "%s: status %s, error %s", tag,
                 str(b, "status"), str(b, "error"));
    TW_CHECK_MSG(num(b, "features") == num(ref, "features"), "%s: %s features, GeoJSON %s", tag,
                 str(b, "features"), str(ref, "features"));
    json_object *h = tw_run_get(b, "height_m"), *hr = tw_run_get(ref, "height_m");
    TW_CHECK_MSG(fabs(num(h, "min") - num(hr, "min")) < 1e-9 &&
                     fabs(num(h, "max") - num(hr, "max")) < 1e-9,
                 "%s: heights %s, GeoJSON %s", tag, str(b, "height_m"), str(ref, "height_m"));
    TW_CHECK_MSG(num(b, "defaulted") == num(ref, "defaulted"), "%s: %s defaulted, GeoJSON %s", tag,
                 str(b, "defaulted"), str(ref, "defaulted"));
    fprintf(stderr, "  %s: %s features, heights %s\n", tag, str(b, "features"),
            str(b, "height_m"));
}

static void test_kml_and_csv(void)
{
    char kml[600], csv[600], keys[256];
    snprintf(kml, sizeof kml, "%s/cheongna.kml", tw_run_tmpdir());
    snprintf(csv, sizeof csv, "%s/cheongna.csv", tw_run_tmpdir());
    TW_CHECK(translate("KML", kml, NULL));
    TW_CHECK(translate("CSV", csv, "GEOMETRY=AS_WKT"));

    json_object *rg = run(cheongna, ", \"where\": \"" WHERE "\"", "geojson");
    json_object *ref = tw_run_layer(rg, "buildings");
    TW_CHECK_MSG(num(ref, "features") > 2000, "GeoJSON: %s features", str(ref, "features"));

    json_object *rk = run(kml, ", \"where\": \"" WHERE "\"", "kml");
    same_buildings(tw_run_layer(rk, "buildings"), ref, "KML");

    /* A CSV has no CRS: the layer says so and names the key. */
    json_object *rn = run(csv, "", "csv_no_crs");
    json_object *bn = tw_run_layer(rn, "buildings");
    TW_CHECK_MSG(strcmp(str(bn, "status"), "error") == 0 && strstr(str(bn, "error"), "source_crs"),
                 "CSV without a CRS: status %s, error %s", str(bn, "status"), str(bn, "error"));

    /* Its empty cells are empty text, not NULL: the same filter matches
     * none, and the error says the filter is why. */
    json_object *rw = run(csv, ", \"source_crs\": \"EPSG:4326\", \"where\": \"" WHERE "\"",
                          "csv_where");
    json_object *bw = tw_run_layer(rw, "buildings");
    TW_CHECK_MSG(strcmp(str(bw, "status"), "error") == 0 &&
                     strstr(str(bw, "error"), "no feature matches \"where\""),
                 "CSV, a where that matches none: status %s, error %s", str(bw, "status"),
                 str(bw, "error"));

    snprintf(keys, sizeof keys,
             ", \"source_crs\": \"EPSG:4326\", \"where\": \"uploader_edit_flag = ''\"");
    json_object *rc = run(csv, keys, "csv");
    same_buildings(tw_run_layer(rc, "buildings"), ref, "CSV with WKT");
    json_object_put(rg);
    json_object_put(rk);
    json_object_put(rn);
    json_object_put(rw);
    json_object_put(rc);
}

/* Two buildings in OSM XML: one with building:levels, one with height, and
 * a bench (a point, not a building). */
static const char OSM[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<osm version=\"0.6\" generator=\"citytwin test\">\n"
    " <node id=\"1\" lat=\"37.5330\" lon=\"126.6330\" version=\"1\"/>\n"
    " <node id=\"2\" lat=\"37.5330\" lon=\"126.6340\" version=\"1\"/>\n"
    " <node id=\"3\" lat=\"37.5338\" lon=\"126.6340\" version=\"1\"/>\n"
    " <node id=\"4\" lat=\"37.5338\" lon=\"126.6330\" version=\"1\"/>\n"
    " <node id=\"5\" lat=\"37.5342\" lon=\"126.6350\" version=\"1\"/>\n"
    " <node id=\"6\" lat=\"37.5342\" lon=\"126.6358\" version=\"1\"/>\n"
    " <node id=\"7\" lat=\"37.5348\" lon=\"126.6358\" version=\"1\"/>\n"
    " <node id=\"8\" lat=\"37.5348\" lon=\"126.6350\" version=\"1\"/>\n"
    " <node id=\"9\" lat=\"37.5320\" lon=\"126.6320\" version=\"1\">"
    "<tag k=\"amenity\" v=\"bench\"/></node>\n"
    " <way id=\"10\" version=\"1\"><nd ref=\"1\"/><nd ref=\"2\"/><nd ref=\"3\"/><nd ref=\"4\"/>"
    "<nd ref=\"1\"/><tag k=\"building\" v=\"office\"/><tag k=\"building:levels\" v=\"12\"/>"
    "<tag k=\"name\" v=\"청라 시험 건물\"/></way>\n"
    " <way id=\"11\" version=\"1\"><nd ref=\"5\"/><nd ref=\"6\"/><nd ref=\"7\"/><nd ref=\"8\"/>"
    "<nd ref=\"5\"/><tag k=\"building\" v=\"yes\"/><tag k=\"height\" v=\"45 m\"/></way>\n"
    "</osm>\n";

static void test_osm(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/two.osm", tw_run_tmpdir());
    FILE *f = fopen(path, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fputs(OSM, f);
    fclose(f);
    json_object *r = run(path, "", "osm");
    json_object *b = tw_run_layer(r, "buildings");
    TW_CHECK_MSG(strcmp(str(b, "status"), "ok") == 0 && num(b, "features") == 2,
                 "OSM: status %s, %s features, error %s", str(b, "status"), str(b, "features"),
                 str(b, "error"));
    json_object *from = tw_run_get(b, "height_from"), *h = tw_run_get(b, "height_m");
    TW_CHECK_MSG(num(from, "height") == 1 && num(from, "building:levels") == 1 &&
                     num(b, "defaulted") == 0,
                 "OSM: heights from %s, %s defaulted", str(b, "height_from"), str(b, "defaulted"));
    /* 12 levels x 3.3 m, and "45 m". */
    TW_CHECK_MSG(fabs(num(h, "min") - 39.6) < 1e-6 && fabs(num(h, "max") - 45) < 1e-6,
                 "OSM: heights %s", str(b, "height_m"));
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(cheongna, sizeof cheongna,
             "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", src ? src : ".");
    GDALAllRegister();
    TW_RUN(test_kml_and_csv);
    TW_RUN(test_osm);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
