/* Headless runs of the real binary: the default scene against its golden
 * picture, the comparison's power to fail, the load report, and level of
 * detail (coarse far away, full resolution at street level). */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <ogr_srs_api.h>

static json_object *run_scene(const char *scene, const char *extra, const char *tag, int *rc)
{
    char png[512], rep[512], err[512], args[3000];
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 640x360 --snapshot '%s' --report '%s' %s %s", png,
             rep, extra, scene ? scene : "");
    *rc = tw_run_citytwin(args, err);
    return tw_run_load_json(rep);
}

static double num(json_object *o, const char *path)
{
    /* "a.b" lookups into nested objects */
    char key[64];
    const char *dot = strchr(path, '.');
    if (!dot) {
        json_object *v;
        return json_object_object_get_ex(o, path, &v) ? json_object_get_double(v) : NAN;
    }
    snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
    json_object *sub;
    return json_object_object_get_ex(o, key, &sub) ? num(sub, dot + 1) : NAN;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* The report's timings (README "Report"): every time is from process start,
 * the first frame is no later than the first complete one, after loading,
 * and a headless run counts the frames it draws and what each cost. */
static void check_timings(json_object *r, const char *what, int min_frames)
{
    double first = num(r, "first_frame_ms"), loaded = num(r, "loaded_ms"),
           complete = num(r, "complete_frame_ms");
    printf("  %s: first frame %.0f ms, loaded %.0f ms, complete frame %.0f ms, %g frames, "
           "mean %.1f ms\n",
           what, first, loaded, complete, num(r, "frames.count"), num(r, "frames.mean_ms"));
    TW_CHECK_MSG(first > 0, "%s: first_frame_ms %g", what, first);
    TW_CHECK_MSG(loaded > 0, "%s: loaded_ms %g", what, loaded);
    /* The context is made before any layer loads or any frame is drawn. */
    double context = num(r, "context_ms");
    TW_CHECK_MSG(context > 0 && context <= loaded && context < first,
                 "%s: context_ms %g (loaded %g, first frame %g)", what, context, loaded, first);
    TW_CHECK_MSG(first <= complete, "%s: first_frame_ms %g > complete_frame_ms %g", what, first,
                 complete);
    TW_CHECK_MSG(loaded <= complete, "%s: loaded_ms %g > complete_frame_ms %g", what, loaded,
                 complete);
    double count = num(r, "frames.count"), mean = num(r, "frames.mean_ms");
    TW_CHECK_MSG(count >= min_frames, "%s: frames.count %g, expected at least %d", what, count,
                 min_frames);
    TW_CHECK_MSG(mean > 0, "%s: frames.mean_ms %g", what, mean);
    TW_CHECK(num(r, "frames.p50_ms") <= num(r, "frames.max_ms"));
    /* A drawn frame takes part of the time to the first frame, not more. */
    TW_CHECK_MSG(num(r, "frames.max_ms") <= first, "%s: frames.max_ms %g, first_frame_ms %g", what,
                 num(r, "frames.max_ms"), first);
}

static void test_default_scene_matches_golden(void)
{
    int rc;
    json_object *r = run_scene(NULL, "--bookmark overview", "seoul_overview", &rc);
    TW_CHECK(rc == 0);
    TW_CHECK(r != NULL);
    if (!r) return;
    json_object *t = tw_run_layer(r, "terrain"), *b = tw_run_layer(r, "boundaries");
    TW_CHECK_STR(str(t, "status"), "ok");
    TW_CHECK(num(t, "features") == 385 * 316);
    TW_CHECK_STR(str(b, "status"), "ok");
    TW_CHECK(num(b, "features") == 25);
    check_timings(r, "snapshot", 1);
    TW_CHECK(num(r, "log.errors") == 0);
    json_object *tr;
    TW_CHECK(json_object_object_get_ex(r, "terrain", &tr) &&
             json_object_get_boolean(json_object_object_get(tr, "complete")));
    char png[512];
    snprintf(png, sizeof png, "%s/seoul_overview.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "seoul_overview"));
    json_object_put(r);
}

static void test_comparison_fails_on_perturbed_picture(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char golden[1024];
    snprintf(golden, sizeof golden, "%s/tests/render/golden/seoul_overview.png", src ? src : ".");
    tw_image a = {0}, b = {0};
    if (!tw_img_load(golden, &a) || !tw_img_load(golden, &b)) TW_SKIP("no golden picture yet");
    /* Faint noise of one level passes. */
    for (size_t i = 0; i < (size_t)b.width * b.height * 4; i += 7) b.pixels[i] ^= 1;
    tw_img_diff d = tw_img_compare(&a, &b, TW_GOLDEN_THRESHOLD);
    TW_CHECK(d.mad <= TW_GOLDEN_MAX_MAD && d.share_off <= TW_GOLDEN_MAX_SHARE);
    /* A 30 x 20 block the size of a missing district label does not. */
    for (int y = 150; y < 170; y++)
        for (int x = 300; x < 330; x++) {
            unsigned char *p = b.pixels + ((size_t)y * b.width + x) * 4;
            p[0] = 255 - p[0], p[1] = 255 - p[1], p[2] = 255 - p[2];
        }
    d = tw_img_compare(&a, &b, TW_GOLDEN_THRESHOLD);
    TW_CHECK_MSG(d.share_off > TW_GOLDEN_MAX_SHARE, "share %.4f", d.share_off);
    /* Nor does a colour shift over the whole picture (a changed ramp). */
    tw_image c = {0};
    tw_img_load(golden, &c);
    for (size_t i = 0; i < (size_t)c.width * c.height * 4; i += 4)
        c.pixels[i] = (unsigned char)(c.pixels[i] * 0.9);
    d = tw_img_compare(&a, &c, TW_GOLDEN_THRESHOLD);
    TW_CHECK_MSG(d.mad > TW_GOLDEN_MAX_MAD, "mad %.3f", d.mad);
    tw_image_free(&a);
    tw_image_free(&b);
    tw_image_free(&c);
}

/* A run that goes on for a second after loading draws frame after frame. */
static void test_report_counts_frames(void)
{
    int rc;
    json_object *r = run_scene(NULL, "--bookmark overview --wait-s 1", "timings", &rc);
    TW_CHECK(rc == 0);
    TW_CHECK(r != NULL);
    if (!r) return;
    check_timings(r, "wait 1 s", 2);
    json_object_put(r);
}

/* The scene file is parsed once per load: with --tour (the tour, the
 * first-scene check and the first scene all read it) its warning prints
 * once, not three times. */
static void test_scene_parsed_once(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char scene[512], err[512], args[2000];
    snprintf(scene, sizeof scene, "%s/once.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/once.err", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(
        f,
        "{ \"nmae\": \"typo\",\n"
        "  \"boundaries\": [ { \"source\": \"%s/assets/data/admin/seoul_gu_2018.geojson\" } ],\n"
        "  \"bookmarks\": [ { \"name\": \"b\", \"eye\": [198000, 540000, 9000],\n"
        "                    \"target\": [198000, 551000, 0] } ],\n"
        "  \"tour\": [ { \"bookmark\": \"b\", \"hold_s\": 0 } ] }\n",
        src ? src : ".");
    fclose(f);
    snprintf(args, sizeof args, "--headless --deterministic --size 320x180 --tour '%s'", scene);
    TW_CHECK(tw_run_citytwin(args, err) == 0);
    char *text = tw_run_read_text(err);
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, "\"nmae\"")) != NULL; p++) n++;
    TW_CHECK_MSG(n == 1, "the unknown key was reported %d times", n);
    free(text);
}

static void test_street_level_uses_full_resolution(void)
{
    int rc;
    json_object *r = run_scene(NULL, "--bookmark city_hall", "seoul_street", &rc);
    TW_CHECK(rc == 0 && r);
    if (!r) return;
    TW_CHECK(num(r, "terrain.max_level") >= 1);
    TW_CHECK_MSG(num(r, "terrain.center_level") == num(r, "terrain.max_level"),
                 "tile under the camera at level %g of %g", num(r, "terrain.center_level"),
                 num(r, "terrain.max_level"));
    /* The first view reads the tiles it draws and the root, not the levels
     * between (they follow in the background). */
    TW_CHECK_MSG(num(r, "terrain.tiles_loaded_first_view") <= num(r, "terrain.tiles_drawn") + 1,
                 "%g tiles read for %g drawn", num(r, "terrain.tiles_loaded_first_view"),
                 num(r, "terrain.tiles_drawn"));
    json_object_put(r);
}

/* A 30 km square DEM at 10 m: far away only coarse tiles, close up the
 * finest level under the camera. */
static void test_level_of_detail_follows_the_view(void)
{
    char dem[512], scene[512];
    snprintf(dem, sizeof dem, "%s/lod.tif", tw_run_tmpdir());
    snprintf(scene, sizeof scene, "%s/lod.json", tw_run_tmpdir());
    GDALAllRegister();
    const int n = 3000;
    char *opts[] = {"TILED=YES", "COMPRESS=DEFLATE", NULL};
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), dem, n, n, 1, GDT_Float32, opts);
    tw_run_georef(ds, (double[6]){185000, 10, 0, 565000, 0, -10}, 5186);
    float *row = malloc(n * sizeof *row);
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) row[i] = (float)(200 + 150 * sin(i / 90.0) * cos(j / 130.0));
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, j, n, 1, row, n, 1,
                              GDT_Float32, 0, 0) == CE_None);
    }
    free(row);
    int levels[] = {2, 4, 8, 16, 32};
    TW_CHECK(GDALBuildOverviews(ds, "AVERAGE", 5, levels, 0, NULL, NULL, NULL) == CE_None);
    GDALClose(ds);
    FILE *f = fopen(scene, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{ \"name\": \"LOD\", \"terrain\": { \"source\": \"lod.tif\" },\n"
               "  \"bookmarks\": [ { \"name\": \"street\", \"eye\": [200000, 549600, 700],"
               " \"target\": [200000, 550000, 350] } ] }\n");
    fclose(f);
    int rc;
    json_object *far = run_scene(scene, "", "lod_far", &rc);
    TW_CHECK(rc == 0 && far);
    json_object *near = run_scene(scene, "--bookmark street", "lod_near", &rc);
    TW_CHECK(rc == 0 && near);
    if (far && near) {
        double max_level = num(far, "terrain.max_level");
        TW_CHECK(max_level >= 4);
        TW_CHECK_MSG(num(far, "terrain.center_level") < max_level - 1, "far view at level %g",
                     num(far, "terrain.center_level"));
        /* Refined by the tiles' measured error: deeper than the far view,
         * not necessarily to the last level on a smooth surface. */
        TW_CHECK_MSG(num(near, "terrain.center_level") > num(far, "terrain.center_level"),
                     "street view at level %g of %g", num(near, "terrain.center_level"), max_level);
        /* The far view draws few tiles for a 9-million-pixel DEM. */
        TW_CHECK(num(far, "terrain.tiles_drawn") <= 64);
    }
    json_object_put(far);
    json_object_put(near);
}

/* A geographic scene CRS is drawn in a local transverse Mercator centred on
 * the data: the Seoul DEM's middle, read here with GDAL, not 127E 37.5N. */
static void test_geographic_scene_centred_on_data(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char dem[1024], scene[600];
    snprintf(dem, sizeof dem, "%s/assets/data/dem/seoul_dem.tif", src ? src : ".");
    snprintf(scene, sizeof scene, "%s/geographic.json", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(
        f, "{ \"name\": \"wgs84\", \"crs\": \"EPSG:4326\", \"terrain\": { \"source\": \"%s\" } }\n",
        dem);
    fclose(f);
    /* The DEM's centre in lon/lat, independently. */
    GDALAllRegister();
    GDALDatasetH ds = GDALOpen(dem, GA_ReadOnly);
    TW_CHECK(ds != NULL);
    if (!ds) return;
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    double x = gt[0] + gt[1] * GDALGetRasterXSize(ds) * 0.5;
    double y = gt[3] + gt[5] * GDALGetRasterYSize(ds) * 0.5;
    OGRSpatialReferenceH s = OSRClone(GDALGetSpatialRef(ds)), w = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(w, 4326);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(w, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(s, w);
    TW_CHECK(ct && OCTTransform(ct, 1, &x, &y, NULL));
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(s);
    OSRDestroySpatialReference(w);
    GDALClose(ds);
    int rc;
    json_object *r = run_scene(scene, "", "geographic", &rc);
    TW_CHECK(rc == 0);
    json_object *fr;
    TW_CHECK(r && json_object_object_get_ex(r, "frame", &fr));
    if (!r || !json_object_object_get_ex(r, "frame", &fr)) return;
    TW_CHECK(json_object_get_boolean(json_object_object_get(fr, "local")));
    printf("  DEM centre %.4f %.4f, frame origin %.4f %.4f\n", x, y, num(fr, "origin_lon"),
           num(fr, "origin_lat"));
    TW_CHECK(fabs(num(fr, "origin_lon") - x) < 1e-3);
    TW_CHECK(fabs(num(fr, "origin_lat") - y) < 1e-3);
    TW_CHECK_STR(str(tw_run_layer(r, "terrain"), "status"), "ok");
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    TW_RUN(test_default_scene_matches_golden);
    TW_RUN(test_comparison_fails_on_perturbed_picture);
    TW_RUN(test_report_counts_frames);
    TW_RUN(test_scene_parsed_once);
    TW_RUN(test_street_level_uses_full_resolution);
    TW_RUN(test_level_of_detail_follows_the_view);
    TW_RUN(test_geographic_scene_centred_on_data);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
