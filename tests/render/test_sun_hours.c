/* The sun_hours kind through the real binary: one 30 m box on flat ground
 * on the 2026 winter solstice (hours and pass/fail against golden
 * pictures; report numbers; the GeoTIFF and GeoJSON exports opened with
 * GDAL/OGR and checked), --time and the report's sun, and Cheongna with
 * its buildings (the layer waits for the obstacles and recomputes). */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

static char cheongna[1024];

/* tw_run_scene at this file's picture size (a later --size wins). */
static json_object *run(const char *scene_text, const char *tag, const char *extra, int *rc)
{
    char args[1024];
    snprintf(args, sizeof args, "--size 480x300 %s", extra);
    return tw_run_scene(scene_text, tag, args, rc);
}

/* One box, 20 x 20 m and 30 m tall, centred on (200000, 500000) EPSG:5186. */
static void write_box(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
          "{\"height_m\":30},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[199990,"
          "499990],[200010,499990],[200010,500010],[199990,500010],[199990,499990]]]}}]}",
          f);
    fclose(f);
}

static char box_scene[4096];
static char tif[600], facades[600];

static void make_box_scene(const char *show)
{
    char box[600];
    snprintf(box, sizeof box, "%s/box.geojson", tw_run_tmpdir());
    write_box(box);
    snprintf(tif, sizeof tif, "%s/hours.tif", tw_run_tmpdir());
    snprintf(facades, sizeof facades, "%s/facades.geojson", tw_run_tmpdir());
    snprintf(box_scene, sizeof box_scene,
             "{\"name\": \"box\", \"crs\": \"EPSG:5186\", \"time\": \"2026-12-22T10:00\","
             " \"layers\": [{\"kind\": \"buildings\", \"source\": \"%s\", \"source_crs\": "
             "\"EPSG:5186\", \"height_field\": \"height_m\"},"
             " {\"kind\": \"sun_hours\", \"area\": [199900, 499900, 200100, 500100],"
             " \"resolution_m\": 2, \"show\": \"%s\", \"export\": \"%s\", \"export_facades\": "
             "\"%s\"}],"
             " \"bookmarks\": [{\"name\": \"b\", \"eye\": [199880, 500230, 170], \"target\": "
             "[200000, 500020, 0]}]}",
             box, show, tif, facades);
}

static void test_box(void)
{
    make_box_scene("hours");
    int rc;
    json_object *r = run(box_scene, "box", "--bookmark b", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *l = tw_run_layer(r, "sun_hours");
    TW_CHECK(l && strcmp(json_object_get_string(tw_run_get(l, "status")), "ok") == 0);
    TW_CHECK(tw_run_num(l, "cells") == 100 * 100);
    TW_CHECK(tw_run_num(l, "steps") == 97);
    TW_CHECK_NEAR(tw_run_num(l, "max_h"), 8, 1e-3); /* open ground and the roof: every step */
    TW_CHECK_NEAR(tw_run_num(l, "min_h"), 0, 1e-3); /* just north of the box: none */
    double ff = tw_run_num(l, "fail_fraction");
    TW_CHECK(ff > 0.001 && ff < 0.05); /* a small patch north of one 30 m box */
    /* east, south, west walls, 10 floors each; the north wall never faces the sun */
    TW_CHECK(tw_run_num(l, "facade_points") == 30);
    TW_CHECK(strcmp(json_object_get_string(tw_run_get(l, "date")), "2026-12-22") == 0);
    json_object *sun = tw_run_get(r, "sun");
    TW_CHECK(sun && strcmp(json_object_get_string(tw_run_get(sun, "time")),
                           "2026-12-22T10:00:00+09:00") == 0);
    /* 10:00 KST on the solstice in Korea: the sun in the south-east, low */
    TW_CHECK(tw_run_num(sun, "azimuth_deg") > 140 && tw_run_num(sun, "azimuth_deg") < 150);
    TW_CHECK(tw_run_num(sun, "elevation_deg") > 17 && tw_run_num(sun, "elevation_deg") < 22);
    char png[600];
    snprintf(png, sizeof png, "%s/box.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "sun_hours_box"));
    json_object_put(r);

    /* The GeoTIFF: the area's grid in EPSG:5186, north up, nodata set. */
    GDALDatasetH ds = GDALOpen(tif, GA_ReadOnly);
    TW_CHECK(ds != NULL);
    if (ds) {
        double gt[6];
        TW_CHECK(GDALGetGeoTransform(ds, gt) == CE_None);
        TW_CHECK(gt[0] == 199900 && gt[1] == 2 && gt[2] == 0 && gt[3] == 500100 && gt[4] == 0 &&
                 gt[5] == -2);
        TW_CHECK(GDALGetRasterXSize(ds) == 100 && GDALGetRasterYSize(ds) == 100);
        OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(ds));
        const char *code = srs ? OSRGetAuthorityCode(srs, NULL) : NULL;
        TW_CHECK(code && strcmp(code, "5186") == 0);
        OSRDestroySpatialReference(srs);
        GDALRasterBandH b = GDALGetRasterBand(ds, 1);
        int has = 0;
        TW_CHECK(GDALGetRasterNoDataValue(b, &has) == -9999 && has);
        float v[100 * 100];
        TW_CHECK(GDALRasterIO(b, GF_Read, 0, 0, 100, 100, v, 100, 100, GDT_Float32, 0, 0) ==
                 CE_None);
        /* row 0 is the north: (200001, 500013), 3 m north of the box, is
         * row 43, column 50; the low sun of morning and afternoon passes
         * beside a 20 m wide box only farther out */
        TW_CHECK_NEAR(v[43 * 100 + 50], 0, 1e-3);
        TW_CHECK(v[30 * 100 + 50] > 1 && v[30 * 100 + 50] < 6);
        TW_CHECK_NEAR(v[99 * 100 + 50], 8, 1e-3); /* the south edge: open */
        TW_CHECK_NEAR(v[50 * 100 + 50], 8, 1e-3); /* the roof */
        GDALClose(ds);
    }
    /* The facade points: building id, floor, hours, continuous, pass. */
    GDALDatasetH vs = GDALOpenEx(facades, GDAL_OF_VECTOR, NULL, NULL, NULL);
    TW_CHECK(vs != NULL);
    if (vs) {
        OGRLayerH ly = GDALDatasetGetLayer(vs, 0);
        TW_CHECK(OGR_L_GetFeatureCount(ly, 1) == 30);
        OGRFeatureH f;
        int south = 0;
        while ((f = OGR_L_GetNextFeature(ly)) != NULL) {
            TW_CHECK(OGR_F_GetFieldIndex(f, "building_id") >= 0);
            double facing = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "facing_deg"));
            double h = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "hours"));
            int floor = OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "floor"));
            TW_CHECK(floor >= 1 && floor <= 10);
            TW_CHECK(OGR_F_GetFieldIndex(f, "continuous_h") >= 0);
            TW_CHECK(OGR_F_GetFieldIndex(f, "pass") >= 0);
            TW_CHECK(fabs(facing) > 45); /* never the north wall */
            if (fabs(facing - 180) < 1) {
                south++;
                TW_CHECK_NEAR(h, 8, 0.01);
            }
            OGR_F_Destroy(f);
        }
        TW_CHECK(south == 10);
        GDALClose(vs);
    }
}

/* An export that cannot be written: the result still shows, the layer
 * says what failed, the run exits 0. */
static void test_export_fails(void)
{
    make_box_scene("hours");
    char bad[4600];
    char *at = strstr(box_scene, tif);
    if (!at) return;
    snprintf(bad, sizeof bad, "%.*s/no/such/dir/h.tif%s", (int)(at - box_scene), box_scene,
             at + strlen(tif));
    int rc;
    json_object *r = run(bad, "badexport", "--bookmark b", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *l = tw_run_layer(r, "sun_hours");
    TW_CHECK(l && strcmp(json_object_get_string(tw_run_get(l, "status")), "ok") == 0);
    TW_CHECK(tw_run_num(l, "cells") == 100 * 100);
    const char *w =
        l && tw_run_get(l, "warning") ? json_object_get_string(tw_run_get(l, "warning")) : NULL;
    TW_CHECK(w && strstr(w, "/no/such/dir/h.tif"));
    json_object_put(r);
}

static void test_box_pass_view(void)
{
    make_box_scene("pass");
    int rc;
    json_object *r = run(box_scene, "box_pass", "--bookmark b", &rc);
    TW_CHECK(rc == 0 && r);
    char png[600];
    snprintf(png, sizeof png, "%s/box_pass.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "sun_hours_box_pass"));
    json_object_put(r);
}

/* Cheongna: the buildings publish their obstacles after the layer started;
 * the result shown must be the one computed with them. */
static void test_cheongna(void)
{
    char scene[3000];
    snprintf(scene, sizeof scene,
             "{\"name\": \"c\", \"crs\": \"EPSG:5186\", \"layers\": [{\"kind\": \"buildings\","
             " \"source\": \"%s\", \"where\": \"uploader_edit_flag IS NULL\", \"height_field\": "
             "\"height_m\"}, {\"kind\": \"sun_hours\", \"area\": [167500, 548000, 167800, 548300],"
             " \"resolution_m\": 3, \"step_min\": 10}],"
             " \"bookmarks\": [{\"name\": \"b\", \"eye\": [167300, 547500, 900], \"target\": "
             "[167650, 548150, 0]}]}",
             cheongna);
    int rc;
    json_object *r = run(scene, "cheongna", "--bookmark b --time 2026-12-22T11:00:00+09:00", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *l = tw_run_layer(r, "sun_hours");
    TW_CHECK(l && tw_run_num(l, "steps") == 49);
    TW_CHECK(tw_run_num(l, "cells") == 100 * 100);
    TW_CHECK(tw_run_num(l, "facade_points") > 50);
    TW_CHECK(tw_run_num(l, "min_h") < 1 && tw_run_num(l, "max_h") > 7.9);
    TW_CHECK(tw_run_num(l, "fail_fraction") > 0);
    /* The sun hours read the obstacles before the buildings' first frame:
     * made then, for them. */
    json_object *b = tw_run_layer(r, "buildings");
    json_object *made = b ? tw_run_get(b, "obstacles_made") : NULL;
    TW_CHECK_MSG(made && strcmp(json_object_get_string(made), "when first read") == 0,
                 "obstacles_made %s", made ? json_object_get_string(made) : "(none)");
    json_object_put(r);
    char png[600];
    snprintf(png, sizeof png, "%s/cheongna.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "sun_hours_cheongna"));
}

/* A 40 m tower 30 m south of the box: the box's lower floors lose
 * their sun; a pick on the box lists them (the pick panel's rows). */
static void test_pick_failing_facades(void)
{
    char box[600], scene[3000];
    snprintf(box, sizeof box, "%s/two.geojson", tw_run_tmpdir());
    FILE *f = fopen(box, "w");
    if (!f) return;
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
          "{\"height_m\":30},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[199990,"
          "499990],[200010,499990],[200010,500010],[199990,500010],[199990,499990]]]}},"
          "{\"type\":\"Feature\",\"properties\":{\"height_m\":40},\"geometry\":{\"type\":"
          "\"Polygon\",\"coordinates\":[[[199970,499940],[200030,499940],[200030,499960],"
          "[199970,499960],[199970,499940]]]}}]}",
          f);
    fclose(f);
    snprintf(scene, sizeof scene,
             "{\"name\": \"two\", \"crs\": \"EPSG:5186\", \"layers\": [{\"kind\": "
             "\"buildings\", \"source\": \"%s\", \"source_crs\": \"EPSG:5186\", "
             "\"height_field\": \"height_m\"}, {\"kind\": \"sun_hours\", \"area\": [199900, "
             "499900, 200100, 500100], \"resolution_m\": 2, \"date\": \"2026-12-22\"}],"
             " \"bookmarks\": [{\"name\": \"top\", \"eye\": [200000, 500000, 600], "
             "\"target\": [200000, 500000.5, 0]}]}",
             box);
    int rc;
    json_object *r = run(scene, "two", "--bookmark top --pick 240,150", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *l = tw_run_layer(r, "sun_hours");
    TW_CHECK(tw_run_num(l, "facade_fail") > 0);
    json_object *hit = tw_run_get(tw_run_get(r, "pick"), "hit");
    TW_CHECK(hit && strcmp(json_object_get_string(tw_run_get(hit, "kind")), "sun_hours") == 0);
    json_object *a = tw_run_get(hit, "attributes");
    TW_CHECK(tw_run_num(a, "facade_points") == 30);
    int fails = (int)tw_run_num(a, "facade_fail");
    json_object *rows = tw_run_get(a, "failing");
    TW_CHECK(fails > 0 && fails < 30 && rows && (int)json_object_array_length(rows) == fails);
    bool ground_floor = false;
    for (int i = 0; rows && i < (int)json_object_array_length(rows); i++) {
        json_object *e = json_object_array_get_idx(rows, i);
        ground_floor |= tw_run_num(e, "floor") == 1;
        TW_CHECK(tw_run_num(e, "continuous_h") < 2 && tw_run_num(e, "hours") < 4);
    }
    TW_CHECK(ground_floor);
    /* Above the tower's noon shadow (40 - 30 tan 29 = 23 m) the south wall
     * keeps its sun: floors 9 and 10 pass, so 20 fail in all. */
    TW_CHECK(fails == 20);
    fprintf(stderr, "  box behind a 40 m tower: %d of 30 facade points fail\n", fails);
    json_object_put(r);
}

/* Share of pixels of the flat ground's colour (214, 219, 205) darkened by
 * a shadow (x 0.72), within a few levels. */
static double shadow_share(const char *png)
{
    tw_image im = {0};
    if (!tw_img_load(png, &im)) return -1;
    long n = 0;
    for (long i = 0; i < (long)im.width * im.height; i++) {
        const uint8_t *p = im.pixels + (long)im.channels * i;
        n += abs(p[0] - 154) < 8 && abs(p[1] - 158) < 8 && abs(p[2] - 148) < 8;
    }
    double share = (double)n / ((double)im.width * im.height);
    tw_image_free(&im);
    return share;
}

/* Cast shadows in the 3D view: Cheongna at 10:00 on the solstice against a
 * golden; the ground has shadows with a time and none without. */
static void test_shadows(void)
{
    char scene[2000];
    snprintf(scene, sizeof scene,
             "{\"name\": \"s\", \"crs\": \"EPSG:5186\", \"layers\": [{\"kind\": "
             "\"buildings\", \"source\": \"%s\", \"where\": \"uploader_edit_flag IS NULL\", "
             "\"height_field\": \"height_m\"}], \"bookmarks\": [{\"name\": \"b\", \"eye\": "
             "[168500, 546900, 700], \"target\": [167700, 548000, 0]}]}",
             cheongna);
    int rc;
    json_object *r = run(scene, "shadows", "--bookmark b --time 2026-12-22T10:00:00+09:00", &rc);
    TW_CHECK(rc == 0 && r);
    json_object_put(r);
    char png[600];
    snprintf(png, sizeof png, "%s/shadows.png", tw_run_tmpdir());
    double with = shadow_share(png);
    TW_CHECK(tw_golden_check(png, "sun_shadows_cheongna"));
    r = run(scene, "noshadows", "--bookmark b", &rc);
    TW_CHECK(rc == 0 && r);
    json_object_put(r);
    snprintf(png, sizeof png, "%s/noshadows.png", tw_run_tmpdir());
    double without = shadow_share(png);
    fprintf(stderr, "  shadowed ground: %.3f with a time, %.3f without\n", with, without);
    TW_CHECK(with > 0.03 && with > 5 * without); /* other things share the colour a little */
    TW_CHECK(without >= 0 && without < 0.01);
}

static void test_bad_time(void)
{
    char err[600], args[1200];
    snprintf(err, sizeof err, "%s/badtime.err", tw_run_tmpdir());
    snprintf(args, sizeof args, "--headless --time 2026-13-40T12:00 --snapshot %s/x.png",
             tw_run_tmpdir());
    int rc = tw_run_citytwin(args, err);
    TW_CHECK(rc != 0 && rc != -1);
    char *text = tw_run_read_text(err);
    TW_CHECK(text && strstr(text, "--time"));
    free(text);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(cheongna, sizeof cheongna,
             "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", src ? src : ".");
    GDALAllRegister();
    TW_RUN(test_box);
    TW_RUN(test_box_pass_view);
    TW_RUN(test_export_fails);
    TW_RUN(test_cheongna);
    TW_RUN(test_pick_failing_facades);
    TW_RUN(test_shadows);
    TW_RUN(test_bad_time);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
