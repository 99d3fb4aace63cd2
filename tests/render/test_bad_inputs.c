/* Bad input through the real binary: each gets one clear stderr line naming
 * the file and what is wrong, never a crash; when the rest of the scene can
 * be shown it is, and --report marks the failed layer "error". */
#include "tw_run.h"
#include "tw_test.h"

#include <arpa/inet.h>
#include <gdal.h>
#include <netinet/in.h>
#include <ogr_srs_api.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char boundaries[1024];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void tmp_path(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tw_run_tmpdir(), name);
}

/* Lines of stderr that are errors. */
static int error_lines(const char *text, const char *must_contain, const char *also)
{
    int n = 0;
    const char *p = text;
    while (p && *p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        if (strstr(line, "error")) {
            n++;
            TW_CHECK_MSG(strstr(line, must_contain) != NULL, "line '%s' lacks '%s'", line,
                         must_contain);
            TW_CHECK_MSG(!also || strstr(line, also) != NULL, "line '%s' lacks '%s'", line, also);
        }
        p = end ? end + 1 : NULL;
    }
    return n;
}

typedef struct outcome {
    int rc;
    char *err;
    json_object *report;
} outcome;

static outcome run(const char *tag, const char *scene, const char *extra)
{
    char png[512], rep[512], err[512], args[2400];
    tmp_path(tag, png, sizeof png);
    strcat(png, ".png");
    tmp_path(tag, rep, sizeof rep);
    strcat(rep, ".report.json");
    tmp_path(tag, err, sizeof err);
    strcat(err, ".err");
    unlink(rep);
    snprintf(args, sizeof args, "--headless --size 160x120 --snapshot '%s' --report '%s' %s '%s'",
             png, rep, extra ? extra : "", scene);
    outcome o = {.rc = tw_run_citytwin(args, err)};
    o.err = tw_run_read_text(err);
    o.report = tw_run_load_json(rep);
    return o;
}

static void done(outcome *o)
{
    free(o->err);
    json_object_put(o->report);
}

static const char *layer_field(json_object *report, const char *kind, const char *key)
{
    json_object *l = report ? tw_run_layer(report, kind) : NULL, *v;
    return l && json_object_object_get_ex(l, key, &v) && v ? json_object_get_string(v) : "";
}

/* A scene with the given terrain entry and a good boundary layer. */
static void scene_with_terrain(const char *name, const char *terrain_json, char *out, size_t n)
{
    tmp_path(name, out, n);
    char text[4096];
    snprintf(text, sizeof text,
             "{ \"name\": \"bad\", \"http_timeout_s\": 2,\n  \"terrain\": %s,\n"
             "  \"boundaries\": [ { \"source\": \"%s\", \"label_field\": \"name\" } ] }\n",
             terrain_json, boundaries);
    write_file(out, text);
}

static void test_missing_scene(void)
{
    outcome o = run("missing", "/no/such/scene.json", NULL);
    TW_CHECK(o.rc == 2);
    TW_CHECK(error_lines(o.err, "/no/such/scene.json", "not found") == 1);
    TW_CHECK(o.report == NULL); /* nothing was shown */
    done(&o);
}

static void test_scene_not_json(void)
{
    char path[512];
    tmp_path("broken.json", path, sizeof path);
    write_file(path, "{\n  \"name\": \"x\",\n  \"terrain\": { \"source\": \"a.tif\" \n}\n");
    outcome o = run("broken", path, NULL);
    TW_CHECK(o.rc == 2);
    TW_CHECK(error_lines(o.err, "broken.json", "line 5, column") == 1);
    done(&o);
    /* A JSON value of the wrong kind names the key. */
    write_file(path, "{ \"terrain\": [1, 2] }");
    o = run("wrongtype", path, NULL);
    TW_CHECK(o.rc == 2);
    TW_CHECK(error_lines(o.err, "broken.json", "\"terrain\" must be an object") == 1);
    done(&o);
}

static void test_unknown_keys_warn_and_run(void)
{
    char path[512];
    tmp_path("typo.json", path, sizeof path);
    char text[2048];
    snprintf(text, sizeof text,
             "{ \"name\": \"typo\", \"bookmarkz\": [],\n  \"boundaries\": [ { \"source\": \"%s\", "
             "\"labl_field\": \"name\" } ] }",
             boundaries);
    write_file(path, text);
    outcome o = run("typo", path, NULL);
    TW_CHECK(o.rc == 0);
    TW_CHECK(o.err && strstr(o.err, "unknown key \"bookmarkz\""));
    TW_CHECK(o.err && strstr(o.err, "unknown key \"labl_field\" in boundaries[0]"));
    TW_CHECK(error_lines(o.err, "-", NULL) == 0);
    TW_CHECK_STR(layer_field(o.report, "boundaries", "status"), "ok");
    done(&o);
}

/* The terrain fails, the boundaries still show, the run still succeeds. */
static void expect_terrain_error(const char *tag, const char *terrain_json, const char *file,
                                 const char *reason)
{
    char scene[512];
    char name[64];
    snprintf(name, sizeof name, "%s.json", tag);
    scene_with_terrain(name, terrain_json, scene, sizeof scene);
    outcome o = run(tag, scene, NULL);
    TW_CHECK_MSG(o.rc == 0, "%s: exit %d", tag, o.rc);
    TW_CHECK_MSG(error_lines(o.err, file, reason) == 1, "%s: stderr was: %s", tag, o.err);
    TW_CHECK_STR(layer_field(o.report, "terrain", "status"), "error");
    TW_CHECK_MSG(strstr(layer_field(o.report, "terrain", "error"), reason) != NULL,
                 "%s: report error '%s'", tag, layer_field(o.report, "terrain", "error"));
    TW_CHECK_STR(layer_field(o.report, "boundaries", "status"), "ok");
    done(&o);
}

static void make_raster(const char *path, int bands, GDALDataType type, const char *crs)
{
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, 200, 200, bands, type, NULL);
    double gt[6] = {190000, 100, 0, 560000, 0, -100};
    GDALSetGeoTransform(ds, gt);
    if (crs) {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
        OSRSetFromUserInput(srs, crs);
        GDALSetSpatialRef(ds, srs);
        OSRDestroySpatialReference(srs);
    }
    float row[200];
    for (int b = 1; b <= bands; b++)
        for (int j = 0; j < 200; j++) {
            for (int i = 0; i < 200; i++) row[i] = (float)(50 + i * 0.3 + j * 0.2);
            if (GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, j, 200, 1, row, 200, 1,
                             GDT_Float32, 0, 0) != CE_None)
                fprintf(stderr, "note: cannot write %s\n", path);
        }
    GDALClose(ds);
}

static void copy_prefix(const char *from, const char *to, long bytes)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    long total = 0;
    size_t k;
    while (in && out && total < bytes && (k = fread(buf, 1, sizeof buf, in)) > 0) {
        if (total + (long)k > bytes) k = (size_t)(bytes - total);
        fwrite(buf, 1, k, out);
        total += (long)k;
    }
    if (in) fclose(in);
    if (out) fclose(out);
}

static void test_bad_terrain_files(void)
{
    char good[512], path[512], json[1200];
    tmp_path("good.tif", good, sizeof good);
    make_raster(good, 1, GDT_Float32, "EPSG:5186");

    expect_terrain_error("nofile", "{ \"source\": \"no_such_dem.tif\" }", "no_such_dem.tif",
                         "file not found");

    tmp_path("truncated.tif", path, sizeof path);
    copy_prefix(good, path, 40000);
    snprintf(json, sizeof json, "{ \"source\": \"%s\" }", path);
    expect_terrain_error("truncated", json, "truncated.tif", "truncated or corrupt");

    /* Corrupt header: the first kilobyte overwritten. */
    tmp_path("corrupt.tif", path, sizeof path);
    copy_prefix(good, path, 1L << 30);
    FILE *f = fopen(path, "r+b");
    if (f) {
        fseek(f, 4, SEEK_SET);
        for (int i = 0; i < 1024; i++) fputc(0xA5, f);
        fclose(f);
    }
    snprintf(json, sizeof json, "{ \"source\": \"%s\" }", path);
    expect_terrain_error("corrupt", json, "corrupt.tif", "not a raster GDAL can read");

    tmp_path("nocrs.tif", path, sizeof path);
    make_raster(path, 1, GDT_Float32, NULL);
    snprintf(json, sizeof json, "{ \"source\": \"%s\" }", path);
    expect_terrain_error("nocrs", json, "nocrs.tif", "no coordinate reference system");

    snprintf(json, sizeof json, "{ \"source\": \"%s\", \"source_crs\": \"EPSG:999999\" }", path);
    expect_terrain_error("unknowncrs", json, "nocrs.tif", "unknown CRS 'EPSG:999999'");

    tmp_path("photo.tif", path, sizeof path);
    make_raster(path, 3, GDT_Byte, "EPSG:5186");
    snprintf(json, sizeof json, "{ \"source\": \"%s\" }", path);
    expect_terrain_error("rgb", json, "photo.tif", "colour image");
}

/* A server that accepts connections and never answers. */
static void test_remote_source_times_out(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0)
        TW_SKIP("cannot listen on 127.0.0.1");
    char json[512], url[128];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/dem.tif", ntohs(a.sin_port));
    snprintf(json, sizeof json, "{ \"source\": \"%s\" }", url);
    time_t t0 = time(NULL);
    expect_terrain_error("timeout", json, url, "timed out");
    TW_CHECK_MSG(time(NULL) - t0 < 40, "took %ld s", (long)(time(NULL) - t0));
    close(s);
}

static void test_bad_scene_crs(void)
{
    char path[512];
    tmp_path("badcrs.json", path, sizeof path);
    write_file(path, "{ \"crs\": \"EPSG:4\" }");
    outcome o = run("badcrs", path, NULL);
    TW_CHECK(o.rc == 2);
    TW_CHECK(error_lines(o.err, "badcrs.json", "unknown CRS 'EPSG:4'") == 1);
    done(&o);
}

/* Numbers json-c turns into infinity, and coordinates far off the Earth,
 * are scene-file errors naming the key (a bookmark at 1e200 used to hang
 * the main thread; "nodata": 1e400 turned off the sentinel detection). */
static void test_absurd_numbers_are_scene_errors(void)
{
    static const struct {
        const char *tag, *json, *key;
    } cases[] = {
        {"far_bookmark",
         "\"bookmarks\": [ { \"name\": \"far\", \"eye\": [1e200, 1e200, 1e200], "
         "\"target\": [197971, 551483, 60] } ]",
         "\"eye\""},
        {"inf_target",
         "\"bookmarks\": [ { \"name\": \"far\", \"eye\": [197971, 527000, 24000], "
         "\"target\": [197971, 1e400, 60] } ]",
         "\"target\""},
        {"inf_nodata", "\"terrain\": { \"source\": \"dem.tif\", \"nodata\": 1e400 }", "\"nodata\""},
        {"inf_center", "\"center\": [127, 1e999]", "\"center\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[512], text[2048], name[64];
        snprintf(name, sizeof name, "%s.json", cases[i].tag);
        tmp_path(name, path, sizeof path);
        snprintf(text, sizeof text,
                 "{ \"name\": \"absurd\", %s,\n  \"boundaries\": [ { "
                 "\"source\": \"%s\" } ] }\n",
                 cases[i].json, boundaries);
        write_file(path, text);
        time_t t0 = time(NULL);
        outcome o = run(cases[i].tag, path, "--bookmark far");
        TW_CHECK_MSG(o.rc == 2, "%s: exit %d", cases[i].tag, o.rc);
        TW_CHECK_MSG(error_lines(o.err, name, cases[i].key) == 1, "%s: stderr was: %s",
                     cases[i].tag, o.err);
        TW_CHECK_MSG(time(NULL) - t0 < 30, "%s: took %ld s", cases[i].tag, (long)(time(NULL) - t0));
        done(&o);
    }
}

/* A pick outside the picture is a command-line error, not ground far off. */
static void test_pick_outside_picture(void)
{
    char path[512], text[1400];
    tmp_path("pick.json", path, sizeof path);
    snprintf(text, sizeof text, "{ \"boundaries\": [ { \"source\": \"%s\" } ] }", boundaries);
    write_file(path, text);
    outcome o = run("pick_out", path, "--pick 5000,5000"); /* the picture is 160x120 */
    TW_CHECK_MSG(o.rc == 2, "exit %d", o.rc);
    TW_CHECK_MSG(error_lines(o.err, "--pick 5000,5000", "160x120") == 1, "stderr was: %s", o.err);
    TW_CHECK(o.report == NULL);
    done(&o);
    o = run("pick_in", path, "--pick 80,60");
    TW_CHECK(o.rc == 0);
    json_object *p = NULL;
    TW_CHECK(o.report && json_object_object_get_ex(o.report, "pick", &p));
    done(&o);
}

/* A Latin-1 byte in the scene's name and in a layer's name: the scene
 * loads with a warning naming the line, and the report is UTF-8 JSON (the
 * byte as U+FFFD), which Python's strict decoder accepts. */
static void test_latin1_scene_gives_utf8_report(void)
{
    char path[512], text[1400];
    tmp_path("latin1.json", path, sizeof path);
    snprintf(text, sizeof text,
             "{\n  \"name\": \"Caf\xE9 city\",\n  \"boundaries\": [ { \"source\": \"%s\",\n"
             "    \"name\": \"gu \xE0 Seoul\" } ] }\n",
             boundaries);
    write_file(path, text);
    outcome o = run("latin1", path, NULL);
    TW_CHECK_MSG(o.rc == 0, "exit %d", o.rc);
    TW_CHECK_MSG(o.err && strstr(o.err, "latin1.json: line 2: bytes that are not UTF-8"),
                 "stderr was: %s", o.err ? o.err : "");
    TW_CHECK(o.report != NULL);
    char rep[512], cmd[1400];
    tmp_path("latin1.report.json", rep, sizeof rep);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; r = json.load(open(sys.argv[1], encoding=\"utf-8\")); "
             "assert r[\"name\"] == \"Caf\\ufffd city\", r[\"name\"]; "
             "assert any(l[\"name\"] == \"gu \\ufffd Seoul\" for l in r[\"layers\"])' '%s'",
             rep);
    TW_CHECK_MSG(tw_run_shell(cmd) == 0, "the report is not valid UTF-8 JSON: %s", rep);
    done(&o);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(boundaries, sizeof boundaries, "%s/assets/data/admin/seoul_gu_2018.geojson",
             src ? src : ".");
    TW_RUN(test_missing_scene);
    TW_RUN(test_scene_not_json);
    TW_RUN(test_unknown_keys_warn_and_run);
    TW_RUN(test_bad_terrain_files);
    TW_RUN(test_remote_source_times_out);
    TW_RUN(test_bad_scene_crs);
    TW_RUN(test_absurd_numbers_are_scene_errors);
    TW_RUN(test_pick_outside_picture);
    TW_RUN(test_latin1_scene_gives_utf8_report);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
