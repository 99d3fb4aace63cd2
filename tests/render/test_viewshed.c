/* The viewshed kind through the real binary: a Namsan viewshed on the
 * Seoul DEM against a golden picture, its report and its export checked
 * against the library's own viewshed on the DEM's grid; buildings blocking
 * the view in Yeouido; an observer from lon/lat; an observer off the DEM. */
#include "geo_gdal.h"
#include "geo_viewshed.h"
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <math.h>

static char dem[1024], yeouido[1024];

static json_object *run(const char *tag, const char *layers, const char *extra, int *rc)
{
    char scene[512], png[512], rep[512], err[512], args[3000], text[4096];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    snprintf(text, sizeof text,
             "{ \"name\": \"viewshed\", \"crs\": \"EPSG:5186\",\n"
             "  \"terrain\": { \"source\": \"%s\", \"exaggeration\": 1.5, \"hillshade\": true },\n"
             "  \"layers\": [ %s ],\n"
             "  \"bookmarks\": [\n"
             "    { \"name\": \"namsan\", \"eye\": [201200, 540600, 9000], \"target\": [198957, "
             "550187, 200] },\n"
             "    { \"name\": \"yeouido\", \"eye\": [194300, 545600, 900], \"target\": [193300, "
             "547000, 15] } ] }\n",
             dem, layers);
    FILE *f = fopen(scene, "w");
    if (!f) return NULL;
    fputs(text, f);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 480x270 --snapshot '%s' --report '%s' %s '%s'", png,
             rep, extra, scene);
    *rc = tw_run_citytwin(args, err);
    return tw_run_load_json(rep);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v = tw_run_get(o, key);
    return v ? json_object_get_string(v) : NULL;
}

static void test_namsan(void)
{
    char layers[1024], out[600], err[512];
    snprintf(out, sizeof out, "%s/namsan_vs.tif", tw_run_tmpdir());
    snprintf(layers, sizeof layers,
             "{ \"kind\": \"viewshed\", \"name\": \"남산 Namsan\", \"observer\": [198957, 550187], "
             "\"radius_m\": 8000, \"export\": \"%s\" }",
             out);
    int rc;
    json_object *r = run("namsan", layers, "--bookmark namsan", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *v = tw_run_layer(r, "viewshed");
    TW_CHECK_STR(str(v, "status"), "ok");
    /* The library on the DEM's own grid, terrain only: the same cells. */
    geo_dem d;
    TW_CHECK(geo_dem_read(dem, &d, err, sizeof err) == TW_OK);
    if (!d.z) goto done;
    uint8_t *vis = malloc((size_t)d.nx * d.ny);
    tw_viewshed_stats st;
    geo_viewshed_desc vd = {.x = 198957, .y = 550187, .observer_h = 1.6, .radius = 8000};
    TW_CHECK(geo_viewshed_dem(&d, &vd, vis, &st, err, sizeof err) == TW_OK);
    printf("report: cells %.0f visible_fraction %.4f; library: cells %ld visible %ld\n",
           tw_run_num(v, "cells"), tw_run_num(v, "visible_fraction"), st.in_range, st.visible);
    TW_CHECK(tw_run_num(v, "cells") == st.in_range);
    TW_CHECK_NEAR(tw_run_num(v, "visible_fraction"), (double)st.visible / st.in_range, 1e-9);
    TW_CHECK(tw_run_num(v, "visible_fraction") > 0.02 && tw_run_num(v, "visible_fraction") < 0.9);
    TW_CHECK_NEAR(tw_run_num(v, "resolution_m"), 90, 1e-9);
    TW_CHECK(json_object_get_boolean(tw_run_get(v, "exported")));
    /* The export: the DEM's size and geotransform, 255 where the library sees. */
    GDALDatasetH ds = GDALOpen(out, GA_ReadOnly);
    TW_CHECK(ds != NULL);
    if (ds) {
        double gt[6];
        GDALGetGeoTransform(ds, gt);
        TW_CHECK(GDALGetRasterXSize(ds) == d.nx && GDALGetRasterYSize(ds) == d.ny);
        for (int k = 0; k < 6; k++) TW_CHECK_NEAR(gt[k], d.gt[k], 1e-9);
        uint8_t *e = malloc((size_t)d.nx * d.ny);
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, d.nx, d.ny, e, d.nx, d.ny,
                              GDT_Byte, 0, 0) == CE_None);
        long diff = 0;
        for (long k = 0; k < (long)d.nx * d.ny; k++) diff += (e[k] == 255) != (vis[k] == 255);
        TW_CHECK_MSG(diff == 0, "%ld cells differ from the library's", diff);
        free(e);
        GDALClose(ds);
    }
    free(vis);
    geo_dem_free(&d);
    char png[512];
    snprintf(png, sizeof png, "%s/namsan.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "viewshed_namsan"));
done:
    json_object_put(r);
}

/* In Yeouido at 5 m: the buildings hide much of what bare ground shows. */
static void test_buildings_block(void)
{
    static const char *vs = "{ \"kind\": \"viewshed\", \"observer\": [193300, 547000], "
                            "\"radius_m\": 600, \"resolution_m\": 5 }";
    char layers[2048];
    int rc;
    json_object *bare = run("bare", vs, "--bookmark yeouido", &rc);
    TW_CHECK(rc == 0 && bare);
    snprintf(layers, sizeof layers, "{ \"kind\": \"buildings\", \"source\": \"%s\" }, %s", yeouido,
             vs);
    json_object *built = run("built", layers, "--bookmark yeouido", &rc);
    TW_CHECK(rc == 0 && built);
    json_object *a = tw_run_layer(bare, "viewshed"), *b = tw_run_layer(built, "viewshed");
    TW_CHECK_STR(str(a, "status"), "ok");
    TW_CHECK_STR(str(b, "status"), "ok");
    double fa = tw_run_num(a, "visible_fraction"), fb = tw_run_num(b, "visible_fraction");
    printf("Yeouido 600 m at 5 m: visible_fraction bare %.3f, with buildings %.3f\n", fa, fb);
    TW_CHECK(tw_run_num(a, "cells") == tw_run_num(b, "cells") && tw_run_num(a, "cells") > 40000);
    TW_CHECK(fa > 0.5);      /* Yeouido is flat (the 90 m DEM, interpolated) */
    TW_CHECK(fb < fa - 0.3); /* the towers hide much of it */
    json_object_put(bare);
    json_object_put(built);
}

static void test_lonlat_and_bad_observer(void)
{
    int rc;
    /* Namsan's top, lon/lat. */
    json_object *r = run("lonlat",
                         "{ \"kind\": \"viewshed\", \"observer_lonlat\": [126.98817, 37.55108], "
                         "\"radius_m\": 2000 }",
                         "", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *v = tw_run_layer(r, "viewshed");
    TW_CHECK_STR(str(v, "status"), "ok");
    json_object *o = tw_run_get(v, "observer");
    TW_CHECK(o && json_object_array_length(o) == 2);
    if (o) {
        TW_CHECK_NEAR(json_object_get_double(json_object_array_get_idx(o, 0)), 198957, 150);
        TW_CHECK_NEAR(json_object_get_double(json_object_array_get_idx(o, 1)), 550187, 150);
    }
    json_object_put(r);
    /* Off the DEM: the layer fails with one line, the rest shows. */
    r = run("off", "{ \"kind\": \"viewshed\", \"observer\": [100000, 400000] }", "", &rc);
    TW_CHECK(rc == 0 && r);
    v = tw_run_layer(r, "viewshed");
    TW_CHECK_STR(str(v, "status"), "error");
    TW_CHECK(str(v, "error") && strstr(str(v, "error"), "off the DEM"));
    TW_CHECK_STR(str(tw_run_layer(r, "terrain"), "status"), "ok");
    json_object_put(r);
}

/* Real input in a real window (Xvfb, xdotool): looking straight down on
 * the observer, a left drag from it 200 px east carries it (no panning):
 * coarse passes while it moves, the full one where it is put down. */
static void test_drag_in_a_window(void)
{
    if (tw_run_shell("command -v xdotool >/dev/null 2>&1 && command -v xvfb-run >/dev/null 2>&1") !=
        0) {
        printf("  skipped: xdotool or xvfb-run is not installed\n");
        return;
    }
    char scene[512], png[512], rep[512], err[512], text[2048], cmd[4000];
    snprintf(scene, sizeof scene, "%s/drag.json", tw_run_tmpdir());
    snprintf(png, sizeof png, "%s/drag.png", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/drag.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/drag.err", tw_run_tmpdir());
    snprintf(text, sizeof text,
             "{ \"name\": \"drag\", \"crs\": \"EPSG:5186\", \"terrain\": { \"source\": \"%s\" },\n"
             "  \"layers\": [ { \"kind\": \"viewshed\", \"observer\": [198957, 550187], "
             "\"radius_m\": 3000, \"resolution_m\": 30 } ],\n"
             "  \"bookmarks\": [ { \"name\": \"down\", \"eye\": [198957, 550180, 8000], "
             "\"target\": [198957, 550187, 0] } ] }\n",
             dem);
    FILE *f = fopen(scene, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "xvfb-run -a -s '-screen 0 1280x800x24' sh -c '"
             "\"%s\" --size 1280x720 --bookmark down --wait-s 7 --snapshot \"%s\" --report "
             "\"%s\" \"%s\" 2>\"%s\" & pid=$!; "
             "wid=$(timeout 90 xdotool search --sync --onlyvisible --name citytwin | head -n 1); "
             "[ -n \"$wid\" ] || { kill $pid; exit 3; }; "
             "sleep 4; xdotool mousemove --window $wid 640 360; sleep 0.3; xdotool mousedown 1; "
             "sleep 0.2; for x in 680 720 760 800 840; do xdotool mousemove --window $wid $x 360; "
             "sleep 0.15; done; xdotool mouseup 1; wait $pid' </dev/null >/dev/null 2>&1",
             tw_run_bin(), png, rep, scene, err);
    TW_CHECK(tw_run_shell(cmd) == 0);
    json_object *r = tw_run_load_json(rep);
    json_object *v = tw_run_layer(r, "viewshed");
    json_object *o = tw_run_get(v, "observer");
    TW_CHECK(o && json_object_array_length(o) == 2);
    if (o) {
        double x = json_object_get_double(json_object_array_get_idx(o, 0));
        double y = json_object_get_double(json_object_array_get_idx(o, 1));
        printf("dragged to %.0f %.0f in %.0f passes (coarse %.2f ms, full %.2f ms)\n", x, y,
               tw_run_num(v, "passes"), tw_run_num(v, "coarse_pass_ms"),
               tw_run_num(v, "full_pass_ms"));
        TW_CHECK(x - 198957 > 1000 && x - 198957 < 4000);
        TW_CHECK(fabs(y - 550187) < 150);
    }
    TW_CHECK(tw_run_num(v, "passes") >= 3 && tw_run_num(v, "coarse_pass_ms") > 0);
    TW_CHECK_STR(str(v, "status"), "ok");
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(dem, sizeof dem, "%s/assets/data/dem/seoul_dem.tif", src ? src : ".");
    snprintf(yeouido, sizeof yeouido,
             "%s/assets/data/buildings/seoul_yeouido_osm_buildings.geojson", src ? src : ".");
    geo_gdal_init(NULL);
    TW_RUN(test_namsan);
    TW_RUN(test_buildings_block);
    TW_RUN(test_lonlat_and_bad_observer);
    TW_RUN(test_drag_in_a_window);
    geo_gdal_shutdown();
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
