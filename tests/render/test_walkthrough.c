/* Issue 12's "done when", end to end through the real binary and scripted
 * input (--script): on a small variant of the demo analysis scene (the
 * Seoul DEM, Yeouido's buildings, a plan, a sun_hours area in Yeouido, a
 * viewshed on Namsan, the measure tool), a planner points at a building in
 * Yeouido, raises it (U) to 60 floors (digits, Enter), flies to Namsan,
 * drags the viewshed's observer, measures a distance (N, two clicks) and
 * flies back. Against the same scene without the script: the winter
 * solstice's fail fraction grows, the picked building lists its failing
 * facade points (now 60 floors of them), the viewshed's observer and
 * visible fraction change, the distance is in the report, and both
 * exported rasters open with GDAL in EPSG:5186 with the expected size. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>

static char scene[6000];
static char hours_tif[600], view_tif[600];

static void make_scene(const char *src)
{
    snprintf(hours_tif, sizeof hours_tif, "%s/hours.tif", tw_run_tmpdir());
    snprintf(view_tif, sizeof view_tif, "%s/view.tif", tw_run_tmpdir());
    snprintf(
        scene, sizeof scene,
        "{ \"name\": \"서울 분석 walkthrough\", \"crs\": \"EPSG:5186\",\n"
        "  \"time_zone\": { \"label\": \"KST\", \"utc_offset_h\": 9 }, \"time\": "
        "\"2026-12-22T12:00\",\n"
        "  \"terrain\": { \"source\": \"%s/assets/data/dem/seoul_dem.tif\", \"exaggeration\": 1.5 "
        "},\n"
        "  \"layers\": [\n"
        "    { \"kind\": \"buildings\", \"name\": \"yeouido\", \"source\": "
        "\"%s/assets/data/buildings/seoul_yeouido_osm_buildings.geojson\", \"color_by\": "
        "\"height\" },\n"
        "    { \"kind\": \"scenario\", \"name\": \"plan\", \"source\": \"%s/plan.geojson\" },\n"
        "    { \"kind\": \"sun_hours\", \"area\": [192900, 546950, 193300, 547350], "
        "\"resolution_m\": 4, \"step_min\": 15, \"export\": \"%s\" },\n"
        "    { \"kind\": \"viewshed\", \"name\": \"namsan\", \"observer\": [198957, 550187], "
        "\"radius_m\": 3000, \"resolution_m\": 30, \"export\": \"%s\" },\n"
        "    { \"kind\": \"measure\", \"mode\": \"off\" } ],\n"
        "  \"bookmarks\": [\n"
        "    { \"name\": \"yeouido\", \"eye\": [193400, 546300, 900], \"target\": [193095, "
        "547138, 15] },\n"
        "    { \"name\": \"namsan\", \"eye\": [199800, 547200, 2600], \"target\": [198957, "
        "550187, 200] } ] }\n",
        src, src, tw_run_tmpdir(), hours_tif, view_tif);
}

/* The planner's steps at 960 x 540 from the yeouido bookmark. */
static const char *SCRIPT =
    "# Yeouido: the building at the sun-hours area's south edge, to 60 floors\n"
    "move 475 350\n"
    "key U\n"
    "key 6\n"
    "key 0\n"
    "key Enter\n"
    "# Namsan (bookmark 2): drag the viewshed's observer down the slope\n"
    "key 2\n"
    "drag 480 247 540 290\n"
    "# a distance\n"
    "key N\n"
    "click 300 420\n"
    "click 700 330\n"
    "# back to Yeouido (bookmark 1), where --pick looks at the building\n"
    "key 1\n";

/* Size, CRS and origin of an exported GeoTIFF. */
static void check_tif(const char *path, int nx, int ny, double x0, double y0, double cell)
{
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    TW_CHECK(ds != NULL);
    if (!ds) return;
    printf("%s: %dx%d\n", path, GDALGetRasterXSize(ds), GDALGetRasterYSize(ds));
    if (nx > 0) TW_CHECK(GDALGetRasterXSize(ds) == nx && GDALGetRasterYSize(ds) == ny);
    double gt[6];
    TW_CHECK(GDALGetGeoTransform(ds, gt) == CE_None);
    if (isfinite(x0)) {
        TW_CHECK_NEAR(gt[0], x0, 1e-6);
        TW_CHECK_NEAR(gt[3], y0, 1e-6);
        TW_CHECK_NEAR(gt[1], cell, 1e-9);
    }
    /* EPSG:5186 or the same coordinates under another name (the Seoul DEM's
     * own TM on GRS 80): a point maps onto itself within a centimetre. */
    OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(ds));
    OGRSpatialReferenceH want = OSRNewSpatialReference(NULL);
    TW_CHECK(srs && want && OSRImportFromEPSG(want, 5186) == OGRERR_NONE);
    if (srs && want) {
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(want, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(srs, want);
        double x = 195000, y = 548000, z = 0;
        TW_CHECK(ct && OCTTransform(ct, 1, &x, &y, &z));
        printf("  CRS: (195000, 548000) -> (%.3f, %.3f) in EPSG:5186\n", x, y);
        TW_CHECK(fabs(x - 195000) < 0.01 && fabs(y - 548000) < 0.01);
        if (ct) OCTDestroyCoordinateTransformation(ct);
    }
    if (srs) OSRDestroySpatialReference(srs);
    if (want) OSRDestroySpatialReference(want);
    GDALClose(ds);
}

static void test_walkthrough(void)
{
    char path[600], extra[1200];
    int rc;
    /* Without the script: the scene as it loads. */
    json_object *r0 =
        tw_run_scene(scene, "before", "--size 960x540 --bookmark yeouido --pick 475,350", &rc);
    TW_CHECK(rc == 0 && r0);
    snprintf(path, sizeof path, "%s/walk.txt", tw_run_tmpdir());
    FILE *f = fopen(path, "w");
    if (f) fputs(SCRIPT, f), fclose(f);
    snprintf(extra, sizeof extra,
             "--size 960x540 --bookmark yeouido --time-slider --pick 475,350 --script '%s'", path);
    json_object *r1 = tw_run_scene(scene, "walkthrough", extra, &rc);
    TW_CHECK(rc == 0 && r1);
    if (!r0 || !r1) return;
    json_object *sc = tw_run_layer(r1, "scenario");
    TW_CHECK(tw_run_num(sc, "raised") == 1 && tw_run_num(sc, "items") == 1);
    /* The sunlight-rights map: more of the area fails after the tower. */
    json_object *h0 = tw_run_layer(r0, "sun_hours"), *h1 = tw_run_layer(r1, "sun_hours");
    printf("fail fraction %.4f -> %.4f, facade fails %.0f -> %.0f\n",
           tw_run_num(h0, "fail_fraction"), tw_run_num(h1, "fail_fraction"),
           tw_run_num(h0, "facade_fail"), tw_run_num(h1, "facade_fail"));
    TW_CHECK(tw_run_num(h1, "fail_fraction") > tw_run_num(h0, "fail_fraction") + 0.02);
    TW_CHECK(tw_run_num(h1, "cells") == 10000);
    /* The building picked: its failing facade points, now 60 floors. */
    json_object *p0 = tw_run_get(tw_run_get(r0, "pick"), "hit");
    json_object *p1 = tw_run_get(tw_run_get(r1, "pick"), "hit");
    TW_CHECK_STR(json_object_get_string(tw_run_get(tw_run_get(r1, "pick"), "kind")),
                 "sun_hours_building");
    TW_CHECK(tw_run_num(p0, "fid") == tw_run_num(p1, "fid"));
    json_object *a0 = tw_run_get(p0, "attributes"), *a1 = tw_run_get(p1, "attributes");
    json_object *failing = tw_run_get(a1, "failing");
    printf("picked building %.0f: %.0f of %.0f facade points fail (before %.0f of %.0f)\n",
           tw_run_num(p1, "fid"), tw_run_num(a1, "facade_fail"), tw_run_num(a1, "facade_points"),
           tw_run_num(a0, "facade_fail"), tw_run_num(a0, "facade_points"));
    TW_CHECK(tw_run_num(a1, "facade_points") > 5 * tw_run_num(a0, "facade_points"));
    TW_CHECK(failing && json_object_array_length(failing) == (size_t)tw_run_num(a1, "facade_fail"));
    int top = 0;
    for (size_t i = 0; failing && i < json_object_array_length(failing); i++) {
        int fl = (int)tw_run_num(json_object_array_get_idx(failing, i), "floor");
        if (fl > top) top = fl;
    }
    /* Floors above the old six fail too (198 m at the layer's 3 m floors). */
    TW_CHECK(top > 50 && top <= 70);
    /* The viewshed followed the observer's drag. */
    json_object *v0 = tw_run_layer(r0, "viewshed"), *v1 = tw_run_layer(r1, "viewshed");
    json_object *o0 = tw_run_get(v0, "observer"), *o1 = tw_run_get(v1, "observer");
    TW_CHECK(o0 && o1);
    if (o0 && o1) {
        double dx = json_object_get_double(json_object_array_get_idx(o1, 0)) -
                    json_object_get_double(json_object_array_get_idx(o0, 0));
        double dy = json_object_get_double(json_object_array_get_idx(o1, 1)) -
                    json_object_get_double(json_object_array_get_idx(o0, 1));
        printf("observer moved %.0f m; visible %.4f -> %.4f\n", hypot(dx, dy),
               tw_run_num(v0, "visible_fraction"), tw_run_num(v1, "visible_fraction"));
        TW_CHECK(hypot(dx, dy) > 100);
    }
    TW_CHECK(fabs(tw_run_num(v1, "visible_fraction") - tw_run_num(v0, "visible_fraction")) > 0.005);
    /* The distance, planar and geodesic (EPSG:5186's scale near 1). */
    json_object *m = tw_run_layer(r1, "measure");
    TW_CHECK_STR(json_object_get_string(tw_run_get(m, "mode")), "distance");
    double dp = tw_run_num(m, "distance_planar_m"), dg = tw_run_num(m, "distance_geodesic_m");
    printf("distance %.2f m planar, %.2f m geodesic\n", dp, dg);
    TW_CHECK(dp > 500 && dp < 10000 && fabs(dg - dp) < 1e-3 * dp);
    /* The rasters as QGIS would open them. */
    check_tif(hours_tif, 100, 100, 192900, 547350, 4);
    check_tif(view_tif, 0, 0, NAN, NAN, NAN);
    json_object_put(r0), json_object_put(r1);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    make_scene(src ? src : ".");
    GDALAllRegister();
    TW_RUN(test_walkthrough);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
