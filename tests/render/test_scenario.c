/* The scenario kind through the real binary: a plan beside the scene adds
 * two buildings (a footprint of 60 floors, a box of 100 m), raises one to
 * 400 m and removes the tallest; the report's obstacles and the buildings
 * layer's drawn heights change with it, "show": "before" restores both,
 * the source data is untouched; a bad plan fails the layer alone. The
 * GeoJSON round trip (load, save, load) keeps every item. */
#include "app_scenario_int.h"
#include "geo_gdal.h"
#include "tw_run.h"
#include "tw_test.h"

#include <math.h>

static char dem[1024], yeouido[1024];

static const char *PLAN =
    "{ \"type\": \"FeatureCollection\", \"features\": [\n"
    "  { \"type\": \"Feature\", \"properties\": { \"op\": \"add\", \"name\": \"new tower\", "
    "\"floors\": 60 },\n"
    "    \"geometry\": { \"type\": \"Polygon\", \"coordinates\": [[[126.9255, 37.5250], "
    "[126.9262, 37.5250], [126.9262, 37.5255], [126.9255, 37.5255], [126.9255, 37.5250]]] } },\n"
    "  { \"type\": \"Feature\", \"properties\": { \"height_m\": 100, \"size_m\": [40, 20] },\n"
    "    \"geometry\": { \"type\": \"Point\", \"coordinates\": [126.9300, 37.5270] } },\n"
    "  { \"type\": \"Feature\", \"properties\": { \"op\": \"raise\", \"layer\": \"yeouido\", "
    "\"fid\": 10, \"height_m\": 400 }, \"geometry\": null },\n"
    "  { \"type\": \"Feature\", \"properties\": { \"op\": \"remove\", \"fid\": 503 }, "
    "\"geometry\": null } ] }\n";

static json_object *run(const char *tag, const char *plan, const char *show)
{
    char scene[512], rep[512], err[512], args[2000], text[4096], planp[512];
    snprintf(planp, sizeof planp, "%s/%s.geojson", tw_run_tmpdir(), tag);
    tw_run_write_text(planp, plan);
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    snprintf(text, sizeof text,
             "{ \"name\": \"scenario\", \"crs\": \"EPSG:5186\",\n"
             "  \"terrain\": { \"source\": \"%s\" },\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"name\": \"yeouido\", \"source\": "
             "\"%s\" },\n"
             "    { \"kind\": \"scenario\", \"source\": \"%s.geojson\", \"show\": \"%s\" },\n"
             "    { \"kind\": \"measure\", \"mode\": \"height\", \"points\": [[193567.6, "
             "547460.9]] } ] }\n",
             dem, yeouido, tag, show);
    tw_run_write_text(scene, text);
    snprintf(args, sizeof args, "--headless --deterministic --size 320x180 --report '%s' '%s'", rep,
             scene);
    TW_CHECK(tw_run_citytwin(args, err) == 0);
    return tw_run_load_json(rep);
}

static void test_plan(void)
{
    char *before_src = tw_run_read_text(yeouido);
    json_object *a = run("after", PLAN, "after"), *b = run("before", PLAN, "before");
    TW_CHECK(a && b);
    json_object *oa = tw_run_get(a, "obstacles"), *ob = tw_run_get(b, "obstacles");
    json_object *ba = tw_run_layer(a, "buildings"), *bb = tw_run_layer(b, "buildings");
    json_object *sa = tw_run_layer(a, "scenario"), *sb = tw_run_layer(b, "scenario");
    printf("before: %.0f prisms, top %.1f m, buildings max %.1f m; after: %.0f prisms in %.0f "
           "sets, top %.1f m, buildings max %.1f m, planned top %.1f m\n",
           tw_run_num(ob, "prisms"), tw_run_num(ob, "top_max_m"),
           tw_run_num(tw_run_get(bb, "height_m"), "max"), tw_run_num(oa, "prisms"),
           tw_run_num(oa, "sets"), tw_run_num(oa, "top_max_m"),
           tw_run_num(tw_run_get(ba, "height_m"), "max"), tw_run_num(sa, "added_top_max_m"));
    TW_CHECK_STR(json_object_get_string(tw_run_get(sa, "status")), "ok");
    TW_CHECK(tw_run_num(sa, "added") == 2 && tw_run_num(sa, "raised") == 1 &&
             tw_run_num(sa, "removed") == 1);
    /* Before: the source as it is (Parc.1 Tower 1, 322 m, the tallest). */
    TW_CHECK(tw_run_num(ob, "sets") == 1 && tw_run_num(ob, "prisms") == 592);
    TW_CHECK_NEAR(tw_run_num(tw_run_get(bb, "height_m"), "max"), 322, 1e-6);
    TW_CHECK(tw_run_num(ob, "top_max_m") > 322 && tw_run_num(ob, "top_max_m") < 350);
    TW_CHECK(tw_run_num(sb, "added_top_max_m") !=
             tw_run_num(sb, "added_top_max_m")); /* null: none shown */
    /* After: two planned prisms more, one building at 400 m. */
    TW_CHECK(tw_run_num(oa, "sets") == 2 && tw_run_num(oa, "prisms") == 594);
    TW_CHECK_NEAR(tw_run_num(tw_run_get(ba, "height_m"), "max"), 400, 1e-6);
    TW_CHECK(tw_run_num(oa, "top_max_m") > 400 && tw_run_num(oa, "top_max_m") < 430);
    /* 60 floors of 3.3 m on Yeouido's ground (a few metres up). */
    TW_CHECK(tw_run_num(sa, "added_top_max_m") > 198 && tw_run_num(sa, "added_top_max_m") < 230);
    /* Parc.1 Tower 1 as the obstacles service has it: 322 m before, gone
     * (below its base) after. */
    json_object *mb = tw_run_layer(b, "measure"), *ma = tw_run_layer(a, "measure");
    TW_CHECK_NEAR(tw_run_num(tw_run_get(mb, "building_a"), "height_m"), 322, 0.01);
    TW_CHECK(ma && !tw_run_get(ma, "building_a"));
    /* The source data is untouched. */
    char *after_src = tw_run_read_text(yeouido);
    TW_CHECK(before_src && after_src && strcmp(before_src, after_src) == 0);
    free(before_src), free(after_src);
    json_object_put(a), json_object_put(b);
    /* A bad plan: the layer fails with its file and feature named. */
    json_object *r = run("bad",
                         "{ \"type\": \"FeatureCollection\", \"features\": [ { \"type\": "
                         "\"Feature\", \"properties\": { \"op\": \"raise\" }, \"geometry\": "
                         "null } ] }",
                         "after");
    json_object *s = tw_run_layer(r, "scenario");
    TW_CHECK_STR(json_object_get_string(tw_run_get(s, "status")), "error");
    const char *e = json_object_get_string(tw_run_get(s, "error"));
    TW_CHECK(e && strstr(e, "bad.geojson: feature 0") && strstr(e, "fid"));
    TW_CHECK_STR(json_object_get_string(tw_run_get(tw_run_layer(r, "buildings"), "status")), "ok");
    json_object_put(r);
}

static void test_round_trip(void)
{
    char path[512], saved[512], err[512];
    snprintf(path, sizeof path, "%s/trip.geojson", tw_run_tmpdir());
    snprintf(saved, sizeof saved, "%s/trip_saved.geojson", tw_run_tmpdir());
    tw_run_write_text(path, PLAN);
    geo_frame *frame = NULL;
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) ==
             TW_OK);
    if (!frame) return;
    app_sc_list a, b;
    TW_CHECK(app_sc_load(path, frame, 3.3, &a, err, sizeof err) == TW_OK);
    TW_CHECK(a.count == 4);
    TW_CHECK(app_sc_save(saved, frame, &a, err, sizeof err) == TW_OK);
    TW_CHECK(app_sc_load(saved, frame, 3.3, &b, err, sizeof err) == TW_OK);
    TW_CHECK(b.count == a.count);
    for (int i = 0; i < a.count && i < b.count; i++) {
        const app_sc_item *x = &a.items[i], *y = &b.items[i];
        TW_CHECK(x->op == y->op && x->fid == y->fid && x->n == y->n);
        TW_CHECK_NEAR(x->height_m, y->height_m, 1e-9);
        TW_CHECK_STR(x->layer, y->layer);
        for (int k = 0; k < 2 * x->n && k < 2 * y->n; k++) TW_CHECK_NEAR(x->xy[k], y->xy[k], 1e-6);
    }
    /* The 60 floors stay floors; the 40 x 20 m box is 800 m². */
    TW_CHECK_NEAR(b.items[0].floors, 60, 0);
    const double *q = b.items[1].xy;
    TW_CHECK_NEAR(fabs(q[2] - q[0]) * fabs(q[5] - q[3]), 800, 1e-6);
    app_sc_list_free(&a);
    app_sc_list_free(&b);
    TW_CHECK(app_sc_load("/nonexistent/plan.geojson", frame, 3.3, &a, err, sizeof err) ==
             TW_ERR_IO);
    geo_frame_destroy(frame);
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
    TW_RUN(test_round_trip);
    TW_RUN(test_plan);
    geo_gdal_shutdown();
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
