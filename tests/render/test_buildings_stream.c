/* Buildings streamed by view from sources with a spatial index, through the
 * real binary: the Cheongna buildings as a GeoPackage (R-tree) and as a
 * FlatGeobuf (packed R-tree) served by nginx on 127.0.0.1. An overview
 * reads every tile and holds exactly the buildings a whole read holds (none
 * twice across tile edges, none lost); a street view reads only the tiles
 * it sees (fewer buildings, fewer tiles, fewer bytes over HTTP); the
 * obstacles service holds what is loaded. A GeoJSON is still read whole. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <ogr_api.h>
#include <gdal_utils.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char cheongna[1024], gpkg[1024], fgb[1024];
static long total; /* buildings in the source */

#define OVERVIEW "\"eye\": [169700, 545000, 2400], \"target\": [167625, 548208, 0]"
#define STREET   "\"eye\": [167400, 547900, 60], \"target\": [167700, 548100, 20]"

static long num(json_object *o, const char *key)
{
    return tw_run_get(o, key) ? json_object_get_int64(tw_run_get(o, key)) : -1;
}

/* Seconds the app runs on once the view is complete. */
static const char *wait_s = "0.5";

/* Runs a one-layer scene at a bookmark; the report or NULL. */
static json_object *run(const char *source, const char *extra_keys, const char *view,
                        const char *tag)
{
    char scene[512], rep[512], err[512], args[2000];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    FILE *f = fopen(scene, "w");
    if (!f) return NULL;
    fprintf(f,
            "{ \"name\": \"stream\", \"crs\": \"EPSG:5186\",\n"
            "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", "
            "\"height_field\": \"height_m\", \"tile_m\": 500 %s } ],\n"
            "  \"bookmarks\": [ { \"name\": \"v\", %s } ] }\n",
            source, extra_keys, view);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 640x360 --wait-s %s --snapshot '%s/%s.png' "
             "--report '%s' --bookmark v '%s'",
             wait_s, tw_run_tmpdir(), tag, rep, scene);
    int rc = tw_run_citytwin(args, err);
    TW_CHECK_MSG(rc == 0, "%s: exit %d", tag, rc);
    return tw_run_load_json(rep);
}

/* The Cheongna buildings in driver's format at out (geometry type nlt,
 * or NULL: as they are). */
static bool translate_as(const char *driver, const char *out, const char *nlt)
{
    GDALDatasetH src = GDALOpenEx(cheongna, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!src) return false;
    char *argv[] = {"-f",        (char *)driver,      "-t_srs",    "EPSG:5186", "-nln",
                    "buildings", nlt ? "-nlt" : NULL, (char *)nlt, NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH d = GDALVectorTranslate(out, NULL, 1, &src, o, NULL);
    GDALVectorTranslateOptionsFree(o);
    if (d) GDALClose(d);
    GDALClose(src);
    return d != NULL;
}

static bool translate(const char *driver, const char *out)
{
    return translate_as(driver, out, NULL);
}

/* The same file read whole ("stream": false) and by an overview that sees
 * every tile: the same buildings. */
static void test_gpkg_overview_holds_every_building_once(void)
{
    json_object *r = run(gpkg, ", \"stream\": false", OVERVIEW, "gpkg_whole");
    json_object *l = tw_run_layer(r, "buildings");
    TW_CHECK_MSG(num(l, "features") == total, "whole read: %ld of %ld", num(l, "features"), total);
    TW_CHECK(tw_run_get(tw_run_get(l, "tiles"), "streamed") &&
             !json_object_get_boolean(tw_run_get(tw_run_get(l, "tiles"), "streamed")));
    json_object_put(r);

    r = run(gpkg, "", OVERVIEW, "gpkg_overview");
    l = tw_run_layer(r, "buildings");
    json_object *t = tw_run_get(l, "tiles");
    TW_CHECK(t && json_object_get_boolean(tw_run_get(t, "streamed")));
    TW_CHECK_STR(tw_run_get(t, "driver") ? json_object_get_string(tw_run_get(t, "driver")) : "",
                 "GPKG");
    TW_CHECK_MSG(num(t, "features_loaded") == total && num(l, "features") == total,
                 "overview holds %ld buildings (%ld in the layer), the source %ld",
                 num(t, "features_loaded"), num(l, "features"), total);
    TW_CHECK_MSG(num(t, "read") == num(t, "requested") && num(t, "failed") == 0, "tiles %s",
                 json_object_to_json_string(t));
    /* The obstacles service holds what is loaded. */
    TW_CHECK_MSG(num(tw_run_get(r, "obstacles"), "prisms") == total, "obstacles %s",
                 json_object_to_json_string(tw_run_get(r, "obstacles")));
    json_object_put(r);
}

/* A street view reads the tiles it sees, not the far ones. */
static void test_gpkg_street_reads_only_what_it_sees(void)
{
    json_object *r = run(gpkg, "", STREET, "gpkg_street");
    json_object *l = tw_run_layer(r, "buildings");
    json_object *t = tw_run_get(l, "tiles");
    long loaded = num(t, "features_loaded");
    TW_CHECK_MSG(loaded > 100 && loaded < total * 3 / 4, "street view holds %ld of %ld", loaded,
                 total);
    TW_CHECK_MSG(num(t, "loaded") > 0 && num(t, "requested") < num(t, "grid") * 3 / 4, "tiles %s",
                 json_object_to_json_string(t));
    /* The tile reads share open datasets: one per worker at most (8), not
     * one per tile. */
    TW_CHECK_MSG(num(t, "datasets_opened") >= 1 && num(t, "datasets_opened") <= 8 &&
                     num(t, "datasets_opened") < num(t, "read"),
                 "tiles %s", json_object_to_json_string(t));
    TW_CHECK_MSG(num(l, "drawn") > 0 && num(l, "drawn") <= loaded, "drawn %ld", num(l, "drawn"));
    TW_CHECK_MSG(num(tw_run_get(r, "obstacles"), "prisms") == loaded, "obstacles %s",
                 json_object_to_json_string(tw_run_get(r, "obstacles")));
    json_object_put(r);
}

/* The FlatGeobuf over HTTP: the street view fetches parts of the file. */
static void test_fgb_over_http_streams(void)
{
    if (!tw_nginx_available()) {
        fprintf(stderr, "  (nginx is not installed: the HTTP case is not run)\n");
        return;
    }
    tw_nginx ng;
    TW_CHECK(tw_nginx_start(&ng, tw_run_tmpdir()));
    if (!ng.running) return;
    char url[300];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/cheongna.fgb", ng.port);
    tw_nginx_reset_log(&ng);
    /* One worker: one dataset, whose ranges are counted once (reads at
     * once each open one, read the header and index again, and fetch
     * their own read-ahead over the same features: 1.12 MB of this
     * 0.89 MB file with two on a busy machine). */
    setenv("CITYTWIN_WORKERS", "1", 1);
    json_object *r = run(url, "", STREET, "fgb_street");
    unsetenv("CITYTWIN_WORKERS");
    tw_nginx_totals tot = tw_nginx_read_log(&ng, "cheongna.fgb");
    json_object *l = tw_run_layer(r, "buildings");
    json_object *t = tw_run_get(l, "tiles");
    TW_CHECK(t && json_object_get_boolean(tw_run_get(t, "streamed")));
    TW_CHECK_STR(tw_run_get(t, "driver") ? json_object_get_string(tw_run_get(t, "driver")) : "",
                 "FlatGeobuf");
    long loaded = num(t, "features_loaded");
    TW_CHECK_MSG(loaded > 100 && loaded < total * 3 / 4, "street view over HTTP holds %ld of %ld",
                 loaded, total);
    struct stat st;
    stat(fgb, &st);
    /* Ranges only, never the whole file. This street view holds half the
     * file's buildings, so its tiles need most of its bytes. */
    long sets = num(t, "datasets_opened");
    long long bound = (long long)st.st_size;
    TW_CHECK_MSG(sets == 1 && tot.partial > 0 && tot.full == 0 && tot.bytes < bound,
                 "HTTP: %d requests, %d partial, %d whole, %lld bytes of a %lld-byte file "
                 "(%ld datasets opened: at most %lld)",
                 tot.requests, tot.partial, tot.full, tot.bytes, (long long)st.st_size, sets,
                 bound);
    fprintf(stderr,
            "  FGB over HTTP, street view: %ld of %ld buildings, %d requests, %lld of %lld "
            "bytes, %ld datasets opened\n",
            loaded, total, tot.requests, tot.bytes, (long long)st.st_size, sets);
    json_object_put(r);
    tw_nginx_stop(&ng);
}

/* Far chunks are drawn as their buildings' boxes ("block_px": 0): the
 * same buildings, a fraction of the triangles, nearly the same picture;
 * by default the smallest as blocks: fewer triangles still, close too. */
static void test_far_chunks_as_boxes(void)
{
    const char *view = "\"eye\": [167625, 538000, 9000], \"target\": [167625, 548208, 0]";
    json_object *r = run(cheongna, ", \"cache\": false, \"block_px\": 0", view, "far");
    json_object *z = run(cheongna, ", \"cache\": false, \"far_px\": 0", view, "far0");
    json_object *l = tw_run_layer(r, "buildings"), *l0 = tw_run_layer(z, "buildings");
    TW_CHECK_MSG(num(l, "far_chunks") * 10 > num(l, "chunks_drawn") * 8 &&
                     num(l0, "far_chunks") == 0,
                 "far chunks %ld of %ld drawn (far_px 0: %ld)", num(l, "far_chunks"),
                 num(l, "chunks_drawn"), num(l0, "far_chunks"));
    TW_CHECK(num(l, "drawn") == num(l0, "drawn") && num(l, "drawn") > 2000);
    TW_CHECK_MSG(num(l, "triangles") * 2 < num(l0, "triangles"), "triangles %ld, full %ld",
                 num(l, "triangles"), num(l0, "triangles"));
    tw_img_diff d = tw_run_compare("far", "far0");
    TW_CHECK_MSG(d.same_size && d.mad < 1.0 && d.share_off < 0.01,
                 "boxes differ from the buildings: mad %.3f, %.4f of pixels off", d.mad,
                 d.share_off);
    fprintf(stderr, "  far view: %ld triangles as boxes, %ld in full; mad %.3f\n",
            num(l, "triangles"), num(l0, "triangles"), d.mad);
    /* The default: the smallest of them as blocks, fewer triangles still,
     * a picture close to the full one too. */
    json_object *k = run(cheongna, ", \"cache\": false", view, "blocks");
    json_object *lk = tw_run_layer(k, "buildings");
    TW_CHECK_MSG(num(lk, "block_chunks") > 0 && num(lk, "drawn") == num(l0, "drawn") &&
                     num(lk, "triangles") < num(l, "triangles"),
                 "blocks: %ld chunks, %ld drawn, %ld triangles (boxes %ld)",
                 num(lk, "block_chunks"), num(lk, "drawn"), num(lk, "triangles"),
                 num(l, "triangles"));
    tw_img_diff e = tw_run_compare("blocks", "far0");
    fprintf(stderr,
            "  far view: %ld triangles with blocks (%ld chunks); mad %.3f, %.4f of pixels off\n",
            num(lk, "triangles"), num(lk, "block_chunks"), e.mad, e.share_off);
    TW_CHECK_MSG(e.same_size && e.mad < 1.5 && e.share_off < 0.02,
                 "blocks differ from the buildings: mad %.3f, %.4f of pixels off", e.mad,
                 e.share_off);
    json_object_put(r), json_object_put(z), json_object_put(k);
}

/* Moving on drops what is out of view: a tour from the south-west corner
 * to the street view with "cache_features": 0 keeps only the tiles in
 * view, and the obstacles follow. */
static void test_tiles_out_of_view_are_evicted(void)
{
    char scene[512], rep[512], err[512], args[1600];
    snprintf(scene, sizeof scene, "%s/tour.json", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/tour.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/tour.err", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    if (!f) return;
    fprintf(f,
            "{ \"name\": \"tour\", \"crs\": \"EPSG:5186\",\n"
            "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", \"tile_m\": 500,"
            " \"cache_features\": 0, \"range_m\": 1500 } ],\n"
            "  \"bookmarks\": [ { \"name\": \"sw\", \"eye\": [165600, 545900, 80],"
            " \"target\": [166000, 546300, 10] }, { \"name\": \"street\", " STREET " } ],\n"
            "  \"tour\": [ { \"bookmark\": \"sw\", \"hold_s\": 1 },"
            " { \"bookmark\": \"street\", \"hold_s\": 1 } ] }\n",
            gpkg);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 480x270 --tour --report '%s' '%s'", rep, scene);
    TW_CHECK(tw_run_citytwin(args, err) == 0);
    json_object *rr = tw_run_load_json(rep);
    json_object *t = tw_run_get(tw_run_layer(rr, "buildings"), "tiles");
    TW_CHECK_MSG(num(t, "evicted") > 0 && num(t, "loaded") <= num(t, "visible") &&
                     num(t, "read") > num(t, "loaded"),
                 "tiles %s", json_object_to_json_string(t));
    TW_CHECK_MSG(num(tw_run_get(rr, "obstacles"), "prisms") == num(t, "features_loaded"),
                 "obstacles %s, tiles %s", json_object_to_json_string(tw_run_get(rr, "obstacles")),
                 json_object_to_json_string(t));
    json_object_put(rr);
}

/* A height or floors field the scene names that the source lacks: the
 * streamed layer fails, with one line naming the file and the field, as
 * a layer read whole does (not a warning and an empty layer). */
static void test_missing_field_fails_the_layer(void)
{
    char err[600];
    json_object *r = run(gpkg, ", \"floors_field\": \"no_such_floors\"", OVERVIEW, "bad_field");
    json_object *l = tw_run_layer(r, "buildings");
    const char *status =
        tw_run_get(l, "status") ? json_object_get_string(tw_run_get(l, "status")) : "";
    const char *why = tw_run_get(l, "error") ? json_object_get_string(tw_run_get(l, "error")) : "";
    TW_CHECK_STR(status, "error");
    TW_CHECK_MSG(strstr(why, "no field 'no_such_floors'") != NULL, "error: %s", why);
    snprintf(err, sizeof err, "%s/bad_field.err", tw_run_tmpdir());
    char *text = tw_run_read_text(err);
    int lines = 0;
    for (const char *p = text; p && (p = strstr(p, "no_such_floors")) != NULL; p++) lines++;
    TW_CHECK_MSG(text && lines == 1 && strstr(text, "cheongna.gpkg"), "stderr: %s",
                 text ? text : "(none)");
    free(text);
    json_object_put(r);
}

/* Footprints stored as curve polygons (a GeoPackage of CURVEPOLYGON,
 * here without arcs) are polygons all the same: every one streamed. */
static void test_curve_polygons_stream(void)
{
    char curved[1024];
    snprintf(curved, sizeof curved, "%s/curved.gpkg", tw_run_tmpdir());
    TW_CHECK(translate_as("GPKG", curved, "CURVEPOLYGON"));
    json_object *r = run(curved, "", OVERVIEW, "curved");
    json_object *l = tw_run_layer(r, "buildings");
    TW_CHECK_MSG(num(l, "features") == total, "curve polygons: %ld of %ld", num(l, "features"),
                 total);
    json_object_put(r);
}

/* A "where" leaves the GeoPackage's own count for the whole table: the
 * filtered features are counted on a worker once the layer streams, so
 * that with every tile held nothing is taken for a feature no tile read. */
static void test_where_counts_its_own_features(void)
{
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR, NULL, NULL, NULL);
    OGRLayerH lyr = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    long want = -1;
    if (lyr && OGR_L_SetAttributeFilter(lyr, "height_m > 20") == OGRERR_NONE)
        want = (long)OGR_L_GetFeatureCount(lyr, TRUE);
    if (ds) GDALClose(ds);
    TW_CHECK_MSG(want > 100 && want < total, "%ld of %ld over 20 m", want, total);
    /* The count comes after the tiles: time for it on a loaded machine. */
    wait_s = "3";
    json_object *r =
        run(gpkg, ", \"where\": \"height_m > 20\"",
            "\"eye\": [167625, 548207, 7000], \"target\": [167625, 548208, 0]", "where");
    wait_s = "0.5";
    json_object *l = tw_run_layer(r, "buildings");
    json_object *t = tw_run_get(l, "tiles");
    fprintf(stderr, "  where: %ld of %ld loaded (source %ld), %ld of %ld tiles, skipped %s\n",
            num(t, "features_loaded"), want, num(t, "source_features"), num(t, "read"),
            num(t, "grid"), json_object_to_json_string(tw_run_get(l, "skipped")));
    TW_CHECK_MSG(num(t, "read") == num(t, "grid") && num(t, "features_loaded") == want &&
                     num(t, "source_features") == want &&
                     json_object_object_length(tw_run_get(l, "skipped")) == 0,
                 "where: %s", json_object_to_json_string(l));
    json_object_put(r);
}

/* A GeoJSON has no index: read whole, as before. */
static void test_geojson_is_read_whole(void)
{
    json_object *r = run(cheongna, "", STREET, "geojson");
    json_object *l = tw_run_layer(r, "buildings");
    TW_CHECK(num(l, "features") == total);
    TW_CHECK(tw_run_get(tw_run_get(l, "tiles"), "streamed") &&
             !json_object_get_boolean(tw_run_get(tw_run_get(l, "tiles"), "streamed")));
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    tw_test_shipped("assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", cheongna,
                    sizeof cheongna);
    snprintf(gpkg, sizeof gpkg, "%s/cheongna.gpkg", tw_run_tmpdir());
    snprintf(fgb, sizeof fgb, "%s/cheongna.fgb", tw_run_tmpdir());
    TW_CHECK(translate("GPKG", gpkg) && translate("FlatGeobuf", fgb));
    GDALDatasetH ds = GDALOpenEx(cheongna, GDAL_OF_VECTOR, NULL, NULL, NULL);
    total = ds ? (long)OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), TRUE) : 0;
    if (ds) GDALClose(ds);
    TW_CHECK(total > 2000);
    TW_RUN(test_gpkg_overview_holds_every_building_once);
    TW_RUN(test_gpkg_street_reads_only_what_it_sees);
    TW_RUN(test_fgb_over_http_streams);
    TW_RUN(test_geojson_is_read_whole);
    TW_RUN(test_where_counts_its_own_features);
    TW_RUN(test_missing_field_fails_the_layer);
    TW_RUN(test_curve_polygons_stream);
    TW_RUN(test_far_chunks_as_boxes);
    TW_RUN(test_tiles_out_of_view_are_evicted);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
