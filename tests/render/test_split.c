/* The scenario's split view through the real binary: two 30 m boxes on
 * flat ground either side of the view's middle, a plan that raises both
 * to 90 m and adds a footprint of 20 floors on each side. With --split the
 * left half shows the scene before the plan (both boxes 30 m, nothing
 * added) and the right half after it (90 m, the planned building), under
 * the same camera (golden "split"); the analyses see the plan (the
 * report's obstacles: both boxes raised, the two planned prisms). A
 * scripted drag of the divider moves it (the report's split.divider); a
 * scripted footprint (Z, clicks, a double click, 25 floors) adds a
 * Polygon to the obstacles and to the saved plan. With a sun_hours layer
 * (and the scenario's "split": true instead of --split) each half shows
 * its own sun hours: the plan's fail where the before side passes. */
#include "tw_run.h"
#include "tw_test.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>

static char scene[3000], saved[600], box[600];

/* Boxes 20 x 20 m centred on x 199940 (fid 0) and 200060 (fid 1), y
 * 500000; the planned boxes 60 m behind each (a plan is RFC 7946 lon/lat:
 * EPSG:5186 (199940, 500060) and (200060, 500060) by gdaltransform). */
static void make_scene(void)
{
    char plan[600];
    snprintf(box, sizeof box, "%s/boxes.geojson", tw_run_tmpdir());
    snprintf(plan, sizeof plan, "%s/plan.geojson", tw_run_tmpdir());
    snprintf(saved, sizeof saved, "%s/plan_saved.geojson", tw_run_tmpdir());
    tw_run_write_text(
        box, "{\"type\":\"FeatureCollection\",\"features\":["
             "{\"type\":\"Feature\",\"id\":0,\"properties\":{\"height_m\":30},\"geometry\":"
             "{\"type\":\"Polygon\",\"coordinates\":[[[199930,499990],[199950,499990],"
             "[199950,500010],[199930,500010],[199930,499990]]]}},"
             "{\"type\":\"Feature\",\"id\":1,\"properties\":{\"height_m\":30},\"geometry\":"
             "{\"type\":\"Polygon\",\"coordinates\":[[[200050,499990],[200070,499990],"
             "[200070,500010],[200050,500010],[200050,499990]]]}}]}");
    tw_run_write_text(
        plan, "{\"type\":\"FeatureCollection\",\"features\":["
              "{\"type\":\"Feature\",\"properties\":{\"op\":\"raise\",\"fid\":0,\"height_m\":90},"
              "\"geometry\":null},"
              "{\"type\":\"Feature\",\"properties\":{\"op\":\"raise\",\"fid\":1,\"height_m\":90},"
              "\"geometry\":null},"
              "{\"type\":\"Feature\",\"properties\":{\"floors\":20,\"size_m\":[24,24]},"
              "\"geometry\":{\"type\":\"Point\",\"coordinates\":[126.999325,37.099542]}},"
              "{\"type\":\"Feature\",\"properties\":{\"floors\":20,\"size_m\":[24,24]},"
              "\"geometry\":{\"type\":\"Point\",\"coordinates\":[127.000675,37.099542]}}]}");
    snprintf(scene, sizeof scene,
             "{\"name\": \"나란히 split\", \"crs\": \"EPSG:5186\", \"time\": \"2026-12-22T13:00\","
             " \"layers\": [{\"kind\": \"buildings\", \"source\": \"%s\", \"source_crs\": "
             "\"EPSG:5186\", \"height_field\": \"height_m\"},"
             " {\"kind\": \"scenario\", \"source\": \"plan.geojson\", \"save\": \"%s\"}],"
             " \"bookmarks\": [{\"name\": \"b\", \"eye\": [200000, 499700, 160], \"target\": "
             "[200000, 500000, 30]}]}",
             box, saved);
}

static void test_split(void)
{
    int rc;
    json_object *r = tw_run_scene(scene, "split", "--bookmark b --split", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *o = tw_run_get(r, "obstacles"), *sc = tw_run_layer(r, "scenario");
    printf("obstacles: %.0f prisms in %.0f sets, top %.1f m; scenario %.0f raised, %.0f added\n",
           tw_run_num(o, "prisms"), tw_run_num(o, "sets"), tw_run_num(o, "top_max_m"),
           tw_run_num(sc, "raised"), tw_run_num(sc, "added"));
    TW_CHECK(tw_run_num(o, "prisms") == 4 && tw_run_num(o, "sets") == 2);
    TW_CHECK_NEAR(tw_run_num(o, "top_max_m"), 90, 0.5);
    TW_CHECK(tw_run_num(sc, "raised") == 2 && tw_run_num(sc, "added") == 2);
    TW_CHECK_NEAR(tw_run_num(tw_run_get(r, "split"), "divider"), 0.5, 1e-9);
    char png[600];
    snprintf(png, sizeof png, "%s/split.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "split"));
    json_object_put(r);
    /* Without --split: no divider in the report. */
    r = tw_run_scene(scene, "nosplit", "--bookmark b", &rc);
    TW_CHECK(rc == 0 && r && !tw_run_get(r, "split"));
    json_object_put(r);
}

/* Share of a picture's pixels in the sun-hours pass/fail colours: pass
 * (70, 180, 90) and fail (215, 50, 45), lit as they are. */
static bool is_fail(const uint8_t *p)
{
    return p[0] > 150 && p[1] < 110 && p[2] < 110;
}

static bool is_pass(const uint8_t *p)
{
    return p[1] > 130 && p[0] < 130 && p[2] < 140 && p[1] > p[0] + 40;
}

/* The split view with a sun_hours layer (pass/fail), turned on by the
 * scenario's "split": true: the before half shows the sun hours computed
 * without the plan. The scene is mirror-symmetric about the view's middle
 * (x 200000), so a pixel of the plan's half and its mirror in the before
 * half show the same place: many are "fail" in the plan (north of the
 * raised boxes and the planned towers) and "pass" before it; the report
 * has both fail fractions, the plan's higher. */
static void test_split_sun_hours(void)
{
    char sc[3000];
    snprintf(sc, sizeof sc,
             "{\"name\": \"split sun\", \"crs\": \"EPSG:5186\", \"time\": \"2026-12-22T13:00\","
             " \"layers\": [{\"kind\": \"buildings\", \"source\": \"%s\", \"source_crs\": "
             "\"EPSG:5186\", \"height_field\": \"height_m\"},"
             " {\"kind\": \"scenario\", \"source\": \"plan.geojson\", \"split\": true},"
             " {\"kind\": \"sun_hours\", \"area\": [199850, 499950, 200150, 500250],"
             " \"resolution_m\": 2, \"step_min\": 10, \"show\": \"pass\"}],"
             " \"bookmarks\": [{\"name\": \"b\", \"eye\": [200000, 500230, 260], \"target\": "
             "[200000, 500070, 0]}]}",
             box);
    int rc;
    json_object *r = tw_run_scene(sc, "split_sun", "--bookmark b", &rc);
    TW_CHECK(rc == 0 && r);
    TW_CHECK_NEAR(tw_run_num(tw_run_get(r, "split"), "divider"), 0.5, 1e-9);
    json_object *sh = tw_run_layer(r, "sun_hours"), *b = tw_run_get(sh, "before");
    double ff = tw_run_num(sh, "fail_fraction"), fb = tw_run_num(b, "fail_fraction");
    printf("sun hours fail fraction: plan %.4f, before %.4f; facade fails %.0f / %.0f\n", ff, fb,
           tw_run_num(sh, "facade_fail"), tw_run_num(b, "facade_fail"));
    TW_CHECK(b != NULL);
    TW_CHECK(fb > 0 && ff > 2 * fb);
    TW_CHECK(tw_run_num(b, "cells") == tw_run_num(sh, "cells"));
    char png[600];
    snprintf(png, sizeof png, "%s/split_sun.png", tw_run_tmpdir());
    tw_image im = {0};
    TW_CHECK(tw_img_load(png, &im));
    long fail_pass = 0, pass_fail = 0, fails[2] = {0, 0};
    for (int y = 0; y < im.height; y++)
        for (int x = im.width / 2 + 4; x < im.width; x++) { /* the plan's half */
            const uint8_t *p = im.pixels + ((long)y * im.width + x) * im.channels;
            const uint8_t *m = im.pixels + ((long)y * im.width + (im.width - 1 - x)) * im.channels;
            fail_pass += is_fail(p) && is_pass(m);
            pass_fail += is_pass(p) && is_fail(m);
            fails[1] += is_fail(p), fails[0] += is_fail(m);
        }
    long half = (long)im.width / 2 * im.height;
    printf("fail pixels: before half %ld, plan half %ld; fail in the plan, pass before: %ld; "
           "the other way: %ld (of %ld)\n",
           fails[0], fails[1], fail_pass, pass_fail, half);
    TW_CHECK(fail_pass > 600);
    TW_CHECK(pass_fail * 4 < fail_pass);
    tw_image_free(&im);
    TW_CHECK(tw_golden_check(png, "split_sun"));
    json_object_put(r);
}

/* A flat DEM at 0 m, 10 m cells, EPSG:5186, around the boxes. */
static bool write_flat_dem(const char *path)
{
    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    GDALDatasetH ds = drv ? GDALCreate(drv, path, 100, 100, 1, GDT_Float32, NULL) : NULL;
    if (!ds) return false;
    double gt[6] = {199500, 10, 0, 500500, 0, -10};
    GDALSetGeoTransform(ds, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    char *wkt = NULL;
    OSRImportFromEPSG(srs, 5186);
    OSRExportToWkt(srs, &wkt);
    GDALSetProjection(ds, wkt);
    CPLFree(wkt);
    OSRDestroySpatialReference(srs);
    float row[100] = {0};
    bool ok = true;
    for (int j = 0; j < 100 && ok; j++)
        ok = GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, j, 100, 1, row, 100, 1,
                          GDT_Float32, 0, 0) == CE_None;
    GDALClose(ds);
    return ok;
}

/* The split view with a viewshed: an observer 20 m up south of the boxes.
 * The before half's viewshed is computed without the plan (the boxes at
 * 30 m, no planned towers), so more of the ground is visible there: the
 * report's viewshed.before has the larger visible fraction. */
static void test_split_viewshed(void)
{
    char dem[600], sc[3000];
    snprintf(dem, sizeof dem, "%s/flat_dem.tif", tw_run_tmpdir());
    TW_CHECK(write_flat_dem(dem));
    snprintf(sc, sizeof sc,
             "{\"name\": \"split view\", \"crs\": \"EPSG:5186\", \"terrain\": {\"source\": "
             "\"%s\"},"
             " \"layers\": [{\"kind\": \"buildings\", \"source\": \"%s\", \"source_crs\": "
             "\"EPSG:5186\", \"height_field\": \"height_m\"},"
             " {\"kind\": \"scenario\", \"source\": \"plan.geojson\", \"split\": true},"
             " {\"kind\": \"viewshed\", \"observer\": [200000, 499850],"
             " \"observer_height_m\": 20, \"radius_m\": 400, \"resolution_m\": 2}],"
             " \"bookmarks\": [{\"name\": \"b\", \"eye\": [200000, 499700, 420], \"target\": "
             "[200000, 500050, 0]}]}",
             dem, box);
    int rc;
    json_object *r = tw_run_scene(sc, "split_view", "--bookmark b", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *v = tw_run_layer(r, "viewshed"), *b = tw_run_get(v, "before");
    double plan = tw_run_num(v, "visible_fraction"), before = tw_run_num(b, "visible_fraction");
    printf("viewshed visible fraction: plan %.4f, before %.4f\n", plan, before);
    TW_CHECK(b != NULL);
    TW_CHECK(tw_run_num(b, "cells") == tw_run_num(v, "cells"));
    TW_CHECK(plan > 0.3 && before > plan + 0.01);
    char png[600];
    snprintf(png, sizeof png, "%s/split_view.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "split_viewshed"));
    json_object_put(r);
}

static void test_divider_and_footprint(void)
{
    char path[600], extra[1200];
    snprintf(path, sizeof path, "%s/draw.txt", tw_run_tmpdir());
    /* I: split on; the divider dragged to 3/4; Z: a footprint of four
     * clicks on the open ground in front, closed by a double click; 25
     * floors; J saves the plan. */
    tw_run_write_text(path, "key I\n"
                            "drag 320 200 480 200\n"
                            "key Z\n"
                            "click 250 300\n"
                            "click 390 300\n"
                            "click 390 340\n"
                            "dclick 250 340\n"
                            "key 2\n"
                            "key 5\n"
                            "key Enter\n"
                            "key J\n");
    snprintf(extra, sizeof extra, "--bookmark b --script '%s'", path);
    int rc;
    json_object *r = tw_run_scene(scene, "draw", extra, &rc);
    TW_CHECK(rc == 0 && r);
    TW_CHECK_NEAR(tw_run_num(tw_run_get(r, "split"), "divider"), 0.75, 0.01);
    json_object *o = tw_run_get(r, "obstacles"), *sc = tw_run_layer(r, "scenario");
    printf("after drawing: %.0f prisms, %.0f added, planned top %.1f m, %.0f saves\n",
           tw_run_num(o, "prisms"), tw_run_num(sc, "added"), tw_run_num(sc, "added_top_max_m"),
           tw_run_num(sc, "saves"));
    TW_CHECK(tw_run_num(o, "prisms") == 5 && tw_run_num(sc, "added") == 3);
    TW_CHECK(tw_run_num(sc, "saves") == 1);
    /* The saved plan has the drawn footprint as a Polygon of 25 floors. */
    json_object *plan = tw_run_load_json(saved);
    json_object *fs = tw_run_get(plan, "features");
    TW_CHECK(fs && json_object_array_length(fs) == 5);
    int polygons = 0;
    for (size_t i = 0; fs && i < json_object_array_length(fs); i++) {
        json_object *f = json_object_array_get_idx(fs, i);
        json_object *g = tw_run_get(f, "geometry");
        const char *type = json_object_get_string(tw_run_get(g, "type"));
        if (type && strcmp(type, "Polygon") == 0 &&
            tw_run_num(tw_run_get(f, "properties"), "floors") == 25) {
            json_object *ring = json_object_array_get_idx(tw_run_get(g, "coordinates"), 0);
            TW_CHECK(ring && json_object_array_length(ring) == 5); /* 4 vertices, closed */
            polygons++;
        }
    }
    TW_CHECK(polygons == 1);
    json_object_put(plan);
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    make_scene();
    TW_RUN(test_split);
    TW_RUN(test_split_sun_hours);
    TW_RUN(test_split_viewshed);
    TW_RUN(test_divider_and_footprint);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
