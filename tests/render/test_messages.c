/* Honest messages for bad sources, through the real binary: each failure
 * gives one stderr line (without --verbose) and a report `error` that says
 * what is wrong, not a driver's guess. HTTP cases talk to
 * tests/tools/fault_http.py on 127.0.0.1 (a server that stalls mid-file,
 * answers 404 or serves an HTML page), which exits by itself after 110 s. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <gdal_utils.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static char source_dir[1024];
static char boundaries[1200];
static char cheongna[1200];
static int http_port;
static pid_t http_pid;

static void put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    TW_CHECK_MSG(f != NULL, "cannot write %s", path);
    if (!f) return;
    fwrite(data, 1, len, f);
    fclose(f);
}

static void put_text(const char *path, const char *text)
{
    put_file(path, text, strlen(text));
}

static void in_tmp(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tw_run_tmpdir(), name);
}

typedef struct result {
    int rc;
    char *err;
    json_object *report;
} result;

static result run_scene(const char *tag, const char *scene)
{
    char png[600], rep[600], err[600], args[2400];
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    unlink(rep);
    snprintf(args, sizeof args, "--headless --size 160x120 --snapshot '%s' --report '%s' '%s'", png,
             rep, scene);
    result r = {.rc = tw_run_citytwin(args, err)};
    r.err = tw_run_read_text(err);
    r.report = tw_run_load_json(rep);
    return r;
}

static void result_free(result *r)
{
    free(r->err);
    json_object_put(r->report);
}

/* The stderr lines that say "error:"; each must contain `want`. */
static int error_lines_with(const char *text, const char *want)
{
    int count = 0;
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        if (strstr(line, "error:")) {
            count++;
            TW_CHECK_MSG(strstr(line, want) != NULL, "line '%s' lacks '%s'", line, want);
        }
        p = nl ? nl + 1 : NULL;
    }
    return count;
}

static const char *report_error(json_object *report, const char *kind)
{
    json_object *l = report ? tw_run_layer(report, kind) : NULL, *v = NULL;
    if (!l || !json_object_object_get_ex(l, "error", &v) || !v) return "";
    return json_object_get_string(v);
}

/* A scene with one layer entry (`key` is "terrain" or "boundaries"). */
static void expect_layer_error(const char *tag, const char *key, const char *kind,
                               const char *source, const char *want)
{
    char scene[600], text[2048];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    bool list = strcmp(key, "boundaries") == 0;
    snprintf(text, sizeof text,
             "{ \"name\": \"%s\", \"http_timeout_s\": 2,\n  \"%s\": %s{ \"source\": \"%s\" }%s }\n",
             tag, key, list ? "[" : "", source, list ? "]" : "");
    put_text(scene, text);
    result r = run_scene(tag, scene);
    TW_CHECK_MSG(r.rc == 0, "%s: exit %d", tag, r.rc);
    TW_CHECK_MSG(error_lines_with(r.err, want) == 1, "%s: stderr was:\n%s", tag,
                 r.err ? r.err : "");
    TW_CHECK_MSG(strstr(report_error(r.report, kind), want) != NULL, "%s: report error '%s'", tag,
                 report_error(r.report, kind));
    result_free(&r);
}

static bool start_server(void)
{
    char port_file[600], pid_file[600], cmd[2400];
    in_tmp("http.port", port_file, sizeof port_file);
    in_tmp("http.pid", pid_file, sizeof pid_file);
    snprintf(cmd, sizeof cmd,
             "timeout 120 python3 '%s/tests/tools/fault_http.py' '%s' '%s' 110 "
             ">/dev/null 2>&1 & echo $! > '%s'",
             source_dir, tw_run_tmpdir(), port_file, pid_file);
    if (tw_run_shell(cmd) != 0) return false;
    for (int i = 0; i < 100; i++) {
        char *port = tw_run_read_text(port_file), *pid = tw_run_read_text(pid_file);
        if (port && pid) {
            http_port = atoi(port);
            http_pid = (pid_t)atoi(pid);
        }
        free(port);
        free(pid);
        if (http_port > 0) return true;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

/* A tiled 1200 x 1200 Float32 DEM: its pixels lie well past the first
 * 64 KiB, where the slow server stalls. */
static void make_big_dem(const char *path)
{
    char *opts[] = {"TILED=YES", NULL};
    GDALDatasetH ds =
        GDALCreate(GDALGetDriverByName("GTiff"), path, 1200, 1200, 1, GDT_Float32, opts);
    double gt[6] = {190000, 10, 0, 560000, 0, -10};
    tw_run_georef(ds, gt, 5186);
    float *row = malloc(1200 * sizeof *row);
    for (int j = 0; row && j < 1200; j++) {
        for (int i = 0; i < 1200; i++) row[i] = (float)(40 + i * 0.05 + j * 0.03);
        if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, j, 1200, 1, row, 1200, 1,
                         GDT_Float32, 0, 0) != CE_None)
            break;
    }
    free(row);
    GDALClose(ds);
}

static void test_slow_server_times_out(void)
{
    char dem[600], url[256];
    in_tmp("big.tif", dem, sizeof dem);
    make_big_dem(dem);
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/slow/big.tif", http_port);
    time_t t0 = time(NULL);
    expect_layer_error("slow", "terrain", "terrain", url, "timed out after 2 s");
    TW_CHECK_MSG(time(NULL) - t0 < 40, "took %ld s", (long)(time(NULL) - t0));
}

/* Buildings from a FlatGeobuf on a server that stops answering past its
 * first 64 KiB (its header and index come, its features do not): read
 * whole, the layer fails with one line saying the reading stopped, and
 * nothing is cached as if the file were smaller; streamed, the tile
 * fails with one warning, the layer holds nothing and counts no skip
 * (its features were not read, not missing). Exit 0 both ways. */
static void test_slow_server_buildings(void)
{
    char fgb[600], url[256];
    in_tmp("c.fgb", fgb, sizeof fgb);
    GDALDatasetH in = GDALOpenEx(cheongna, GDAL_OF_VECTOR, NULL, NULL, NULL);
    char *argv[] = {"-f", "FlatGeobuf", "-t_srs", "EPSG:5186", NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH out = in && o ? GDALVectorTranslate(fgb, NULL, 1, &in, o, NULL) : NULL;
    GDALVectorTranslateOptionsFree(o);
    TW_CHECK(out != NULL);
    if (out) GDALClose(out);
    if (in) GDALClose(in);
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/slow/c.fgb", http_port);
    /* A cache folder of its own, to see that nothing is written there. */
    char xdg[600], keep[1200] = "";
    in_tmp("slow-cache", xdg, sizeof xdg);
    const char *was = getenv("XDG_CACHE_HOME");
    if (was) snprintf(keep, sizeof keep, "%s", was);
    setenv("XDG_CACHE_HOME", xdg, 1);
    for (int streamed = 0; streamed < 2; streamed++) {
        char scene[600], text[2048], tag[32], cache[700];
        snprintf(tag, sizeof tag, "slow_fgb_%d", streamed);
        snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
        /* One tile covers the whole set when streamed. */
        snprintf(text, sizeof text,
                 "{ \"name\": \"%s\", \"crs\": \"EPSG:5186\", \"http_timeout_s\": 2,\n"
                 "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", "
                 "\"stream\": %s, \"tile_m\": 20000 } ] }\n",
                 tag, url, streamed ? "true" : "false");
        put_text(scene, text);
        time_t t0 = time(NULL);
        result r = run_scene(tag, scene);
        TW_CHECK_MSG(r.rc == 0, "%s: exit %d", tag, r.rc);
        TW_CHECK_MSG(time(NULL) - t0 < 40, "%s took %ld s", tag, (long)(time(NULL) - t0));
        json_object *l = r.report ? tw_run_layer(r.report, "buildings") : NULL;
        json_object *sk = tw_run_get(l, "skipped"), *t = tw_run_get(l, "tiles");
        long feats =
            tw_run_get(l, "features") ? json_object_get_int64(tw_run_get(l, "features")) : -1;
        if (!streamed) {
            TW_CHECK_MSG(error_lines_with(r.err, "reading stopped") == 1, "%s: stderr was:\n%s",
                         tag, r.err ? r.err : "");
            TW_CHECK_MSG(strstr(report_error(r.report, "buildings"), "reading stopped"),
                         "%s: report error '%s'", tag, report_error(r.report, "buildings"));
            /* No cache file of a set cut short. */
            snprintf(cache, sizeof cache, "%s/citytwin", xdg);
            char cmd[800];
            snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -q '^buildings-.*\\.bin$'",
                     cache);
            TW_CHECK_MSG(tw_run_shell(cmd) != 0, "%s: a cache was written", tag);
        } else {
            long failed =
                tw_run_get(t, "failed") ? json_object_get_int64(tw_run_get(t, "failed")) : -1;
            TW_CHECK_MSG(failed >= 1 && feats == 0 && sk && json_object_object_length(sk) == 0,
                         "%s: %ld tiles failed, %ld buildings, skipped %s", tag, failed, feats,
                         json_object_to_json_string(sk));
            TW_CHECK_MSG(
                r.err &&
                    strstr(r.err, "a tile could not be read (read again in 5 s): reading stopped"),
                "%s: stderr was:\n%s", tag, r.err ? r.err : "");
        }
        result_free(&r);
    }
    if (keep[0])
        setenv("XDG_CACHE_HOME", keep, 1);
    else
        unsetenv("XDG_CACHE_HOME");
}

/* The same file from a server that hangs once (the first read past its
 * first 64 KiB), streamed: the tile fails, is read again
 * APP_BTILE_RETRY_S (5 s) later and then holds every building; one
 * warning says it will be. */
static void test_flaky_server_tile_read_again(void)
{
    char fgb[600], flaky[600], scene[600], text[1400], rep[600], err[600], args[2000];
    in_tmp("c.fgb", fgb, sizeof fgb);
    in_tmp("c_flaky.fgb", flaky, sizeof flaky);
    /* A name of its own: the server stalls once per name. */
    snprintf(args, sizeof args, "cp '%s' '%s'", fgb, flaky);
    TW_CHECK(tw_run_shell(args) == 0);
    in_tmp("flaky.json", scene, sizeof scene);
    snprintf(text, sizeof text,
             "{ \"name\": \"flaky\", \"crs\": \"EPSG:5186\", \"http_timeout_s\": 2,\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": "
             "\"/vsicurl/http://127.0.0.1:%d/flaky/c_flaky.fgb\", \"stream\": true, "
             "\"tile_m\": 20000 } ] }\n",
             http_port);
    put_text(scene, text);
    in_tmp("flaky.report.json", rep, sizeof rep);
    in_tmp("flaky.err", err, sizeof err);
    snprintf(args, sizeof args, "--headless --size 160x120 --wait-s 9 --report '%s' '%s'", rep,
             scene);
    int rc = tw_run_citytwin(args, err);
    TW_CHECK_MSG(rc == 0, "flaky: exit %d", rc);
    json_object *r = tw_run_load_json(rep);
    json_object *l = r ? tw_run_layer(r, "buildings") : NULL, *t = tw_run_get(l, "tiles");
    long feats = tw_run_get(l, "features") ? json_object_get_int64(tw_run_get(l, "features")) : -1;
    long failed = tw_run_get(t, "failed") ? json_object_get_int64(tw_run_get(t, "failed")) : -1;
    long retried = tw_run_get(t, "retried") ? json_object_get_int64(tw_run_get(t, "retried")) : -1;
    TW_CHECK_MSG(feats > 2000 && failed == 1 && retried == 1,
                 "flaky: %ld buildings, %ld reads failed, %ld read again", feats, failed, retried);
    char *e = tw_run_read_text(err);
    TW_CHECK_MSG(e && strstr(e, "a tile could not be read (read again in 5 s)"), "stderr:\n%s",
                 e ? e : "");
    free(e);
    json_object_put(r);
}

static void test_http_404(void)
{
    char url[256];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/missing/dem.tif", http_port);
    expect_layer_error("http404", "terrain", "terrain", url, "HTTP 404 not found");
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/missing/gu.geojson", http_port);
    expect_layer_error("http404v", "boundaries", "boundaries", url, "HTTP 404 not found");
}

static void test_html_page(void)
{
    char url[256], path[600];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/html/gu.geojson", http_port);
    expect_layer_error("htmlremote", "boundaries", "boundaries", url,
                       "is an HTML page, not GIS data");
    in_tmp("saved_page.geojson", path, sizeof path);
    put_text(path, "<!DOCTYPE html>\n<html><head><title>Download</title></head>\n"
                   "<body>{\"type\": \"Topology\"}</body></html>\n");
    expect_layer_error("htmllocal", "boundaries", "boundaries", path,
                       "is an HTML page, not GIS data");
}

static void test_random_bytes(void)
{
    char path[600];
    unsigned char bytes[4096];
    unsigned state = 12345;
    for (size_t i = 0; i < sizeof bytes; i++) {
        state = state * 1103515245u + 12345u;
        bytes[i] = (unsigned char)(state >> 16);
    }
    in_tmp("noise.geojson", path, sizeof path);
    put_file(path, bytes, sizeof bytes);
    expect_layer_error("noise", "boundaries", "boundaries", path, "is in no format GDAL knows");
    in_tmp("noise.tif", path, sizeof path);
    put_file(path, bytes, sizeof bytes);
    expect_layer_error("noiseraster", "terrain", "terrain", path, "is in no format GDAL knows");
}

static void test_json_null(void)
{
    char path[600];
    in_tmp("null.geojson", path, sizeof path);
    put_text(path, "null\n");
    expect_layer_error("nullgeo", "boundaries", "boundaries", path, "the JSON value null");
    /* A scene that is null: nothing can be shown, exit 2, one line. */
    in_tmp("null_scene.json", path, sizeof path);
    put_text(path, "null\n");
    result r = run_scene("nullscene", path);
    TW_CHECK(r.rc == 2);
    TW_CHECK_MSG(error_lines_with(r.err, "the JSON value null") == 1, "stderr: %s",
                 r.err ? r.err : "");
    result_free(&r);
}

/* A byte order mark is accepted in a scene and in a GeoJSON source. */
static void test_utf8_bom_accepted(void)
{
    char geo[600], scene[600];
    in_tmp("bom_gu.geojson", geo, sizeof geo);
    char *gu = tw_run_read_text(boundaries);
    TW_CHECK(gu != NULL);
    if (!gu) return;
    size_t len = strlen(gu);
    char *with_bom = malloc(len + 3);
    memcpy(with_bom, "\xEF\xBB\xBF", 3);
    memcpy(with_bom + 3, gu, len);
    put_file(geo, with_bom, len + 3);
    in_tmp("bom_scene.json", scene, sizeof scene);
    char text[1400];
    snprintf(text, sizeof text,
             "\xEF\xBB\xBF{ \"name\": \"BOM\", \"boundaries\": [ { \"source\": \"%s\", "
             "\"label_field\": \"name\" } ] }\n",
             geo);
    put_text(scene, text);
    result r = run_scene("bom", scene);
    TW_CHECK_MSG(r.rc == 0, "exit %d, stderr: %s", r.rc, r.err ? r.err : "");
    TW_CHECK_MSG(error_lines_with(r.err, "-") == 0, "stderr: %s", r.err ? r.err : "");
    json_object *l = r.report ? tw_run_layer(r.report, "boundaries") : NULL, *v = NULL;
    TW_CHECK(l && json_object_object_get_ex(l, "features", &v) && json_object_get_int(v) == 25);
    result_free(&r);
    free(gu);
    free(with_bom);
}

/* "too large" names the limit. */
static void test_too_large_names_the_limit(void)
{
    char cert[600], scene[600], text[4096];
    in_tmp("huge_cert.json", cert, sizeof cert);
    FILE *f = fopen(cert, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fputs("{ \"schema\": \"x\", \"records\": [] ", f);
    for (int i = 0; i < 17 * 1024; i++) fprintf(f, "%1023s\n", "");
    fputs("}\n", f);
    fclose(f);
    in_tmp("huge_map.json", scene, sizeof scene);
    snprintf(text, sizeof text,
             "{ \"name\": \"map\", \"map\": { \"certifications\": \"%s\",\n"
             "  \"scheme\": \"%s/assets/cert/scheme.json\",\n"
             "  \"municipalities\": { \"source\": \"%s\", \"code_field\": \"code\" } } }\n",
             cert, source_dir, boundaries);
    put_text(scene, text);
    result r = run_scene("huge", scene);
    TW_CHECK_MSG(r.rc == 0, "exit %d", r.rc);
    TW_CHECK_MSG(error_lines_with(r.err, "larger than the 16 MB limit") == 1, "stderr: %s",
                 r.err ? r.err : "");
    TW_CHECK_MSG(strstr(report_error(r.report, "certification"), "16 MB limit") != NULL,
                 "report error '%s'", report_error(r.report, "certification"));
    result_free(&r);
}

/* GDAL's own reason reaches the one line, not only --verbose. */
static void test_corrupt_shapefile(void)
{
    char shp[600], cmd[2400];
    in_tmp("broken.shp", shp, sizeof shp);
    snprintf(cmd, sizeof cmd, "ogr2ogr -f 'ESRI Shapefile' '%s' '%s'", shp, boundaries);
    if (tw_run_shell(cmd) != 0) {
        fprintf(stderr, "skipping: ogr2ogr (gdal-bin) cannot make a shapefile here\n");
        return;
    }
    /* Every record's point count becomes absurd. */
    FILE *f = fopen(shp, "r+b");
    TW_CHECK(f != NULL);
    if (!f) return;
    long off = 100;
    unsigned char head[8];
    while (fseek(f, off, SEEK_SET) == 0 && fread(head, 1, 8, f) == 8) {
        long words = ((long)head[4] << 24) | (head[5] << 16) | (head[6] << 8) | head[7];
        fseek(f, off + 8 + 40, SEEK_SET);
        const unsigned char huge[4] = {0xf0, 0xff, 0xff, 0x7f};
        fwrite(huge, 1, 4, f);
        off += 8 + words * 2;
    }
    fclose(f);
    expect_layer_error("corruptshp", "boundaries", "boundaries", shp, "Corrupted .shp file");
}

/* The stderr lines that are warnings and contain all of a, b, c. */
static int warnings_with(const char *text, const char *a, const char *b, const char *c)
{
    int count = 0;
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        if (strstr(line, "warning:") && strstr(line, a) && strstr(line, b) && strstr(line, c))
            count++;
        p = nl ? nl + 1 : NULL;
    }
    return count;
}

/* A DEM of Utah (EPSG:26912) and a shapefile of London (EPSG:27700) in a
 * Korean scene: one warning each, naming the file and its CRS. */
static void test_outside_scene_crs_area(void)
{
    char seed[600], dem[600], gj[600], shp[600], scene[600], cmd[3000], text[4096];
    in_tmp("seed.tif", seed, sizeof seed);
    in_tmp("utah_dem.tif", dem, sizeof dem);
    in_tmp("london.geojson", gj, sizeof gj);
    in_tmp("london.shp", shp, sizeof shp);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), seed, 64, 64, 1, GDT_Float32, NULL);
    GDALClose(ds);
    put_text(gj, "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", "
                 "\"properties\": {\"name\": \"Westminster\"}, \"geometry\": {\"type\": "
                 "\"Polygon\", \"coordinates\": [[[-0.15, 51.49], [-0.11, 51.49], [-0.11, "
                 "51.52], [-0.15, 51.52], [-0.15, 51.49]]]}}]}\n");
    snprintf(cmd, sizeof cmd,
             "gdal_translate -q -a_srs EPSG:26912 -a_ullr 420000 4520000 426400 4513600 '%s' "
             "'%s' && ogr2ogr -f 'ESRI Shapefile' -t_srs EPSG:27700 '%s' '%s'",
             seed, dem, shp, gj);
    if (tw_run_shell(cmd) != 0) {
        fprintf(stderr, "skipping: gdal_translate/ogr2ogr (gdal-bin) cannot make the files\n");
        return;
    }
    in_tmp("far.json", scene, sizeof scene);
    snprintf(text, sizeof text,
             "{ \"name\": \"far\", \"crs\": \"EPSG:5186\", \"terrain\": { \"source\": \"%s\" },\n"
             "  \"boundaries\": [ { \"source\": \"%s\" }, { \"source\": \"%s\" } ] }\n",
             dem, shp, boundaries);
    put_text(scene, text);
    result r = run_scene("far", scene);
    TW_CHECK_MSG(r.rc == 0, "exit %d", r.rc);
    const char *why = "outside the area of use of the scene CRS EPSG:5186";
    TW_CHECK_MSG(warnings_with(r.err, "utah_dem.tif", "EPSG:26912", why) == 1, "stderr:\n%s",
                 r.err ? r.err : "");
    TW_CHECK_MSG(warnings_with(r.err, "london.shp", "EPSG:27700", why) == 1, "stderr:\n%s",
                 r.err ? r.err : "");
    /* Seoul's own gu, in the same run, draw no such warning. */
    TW_CHECK(warnings_with(r.err, "seoul_gu_2018", "area of use", "") == 0);
    result_free(&r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(source_dir, sizeof source_dir, "%s", src ? src : ".");
    snprintf(boundaries, sizeof boundaries, "%s/assets/data/admin/seoul_gu_2018.geojson",
             source_dir);
    snprintf(cheongna, sizeof cheongna,
             "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", source_dir);
    TW_RUN(test_random_bytes);
    TW_RUN(test_json_null);
    TW_RUN(test_utf8_bom_accepted);
    TW_RUN(test_too_large_names_the_limit);
    TW_RUN(test_corrupt_shapefile);
    TW_RUN(test_outside_scene_crs_area);
    if (system("command -v python3 >/dev/null 2>&1") != 0 || !start_server()) {
        fprintf(stderr, "skipping the HTTP cases: cannot start python3 on 127.0.0.1\n");
    } else {
        TW_RUN(test_slow_server_times_out);
        TW_RUN(test_slow_server_buildings);
        TW_RUN(test_flaky_server_tile_read_again);
        TW_RUN(test_http_404);
        TW_RUN(test_html_page);
        kill(http_pid, SIGTERM);
    }
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
