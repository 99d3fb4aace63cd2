/* A Cloud Optimized GeoTIFF served by a real HTTP server (Debian's nginx on
 * 127.0.0.1): the terrain opens through /vsicurl/ with Range requests, reads
 * only what the view needs, and shows the same picture as the local file. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>
#include <sys/stat.h>

static tw_nginx ng;
static char cog[600];
static long long cog_size;

static bool make_cog(const char *path)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/plain.tif", tw_run_tmpdir());
    const int n = 4096;
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), tmp, n, n, 1, GDT_Float32, NULL);
    if (!ds) return false;
    tw_run_georef(ds, (double[6]){190000, 10, 0, 565000, 0, -10}, 5186);
    float *row = malloc(n * sizeof *row);
    bool ok = true;
    for (int j = 0; j < n && ok; j++) {
        for (int i = 0; i < n; i++)
            row[i] = (float)(300 + 200 * sin(i / 150.0) * cos(j / 210.0) + 20 * sin(i / 17.0));
        ok = GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, j, n, 1, row, n, 1, GDT_Float32, 0,
                          0) == CE_None;
    }
    free(row);
    char *argv[] = {"-of", "COG", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=YES", NULL};
    GDALTranslateOptions *opt = GDALTranslateOptionsNew(argv, NULL);
    GDALDatasetH out = ok ? GDALTranslate(path, ds, opt, NULL) : NULL;
    GDALTranslateOptionsFree(opt);
    GDALClose(ds);
    if (!out) return false;
    GDALClose(out);
    struct stat st;
    cog_size = stat(path, &st) == 0 ? st.st_size : 0;
    return cog_size > 0;
}

static json_object *run(const char *source, const char *bookmark, const char *tag, int *rc)
{
    char scene[600], png[600], rep[600], err[600], args[3000];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    FILE *f = fopen(scene, "w");
    if (!f) return NULL;
    fprintf(f,
            "{ \"name\": \"remote\", \"http_timeout_s\": 20,\n"
            "  \"terrain\": { \"source\": \"%s\" },\n"
            "  \"bookmarks\": [ { \"name\": \"street\", \"eye\": [200000, 554200, 900],"
            " \"target\": [200000, 554800, 400] } ] }\n",
            source);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 480x270 --snapshot '%s' --report '%s' %s%s '%s'",
             png, rep, bookmark ? "--bookmark " : "", bookmark ? bookmark : "", scene);
    *rc = tw_run_citytwin(args, err);
    return tw_run_load_json(rep);
}

static const char *status(json_object *report)
{
    json_object *l = report ? tw_run_layer(report, "terrain") : NULL, *v;
    return l && json_object_object_get_ex(l, "status", &v) ? json_object_get_string(v) : "";
}

static void test_cog_over_http_uses_ranges(void)
{
    char url[700];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/dem_cog.tif", ng.port);
    const char *views[2] = {NULL, "street"};
    for (int v = 0; v < 2; v++) {
        tw_nginx_reset_log(&ng);
        int rc;
        json_object *r = run(url, views[v], v ? "remote_street" : "remote_far", &rc);
        TW_CHECK(rc == 0);
        TW_CHECK_STR(status(r), "ok");
        tw_nginx_totals t = tw_nginx_read_log(&ng, "dem_cog.tif");
        fprintf(stderr, "%s view: %d requests (%d partial), %lld bytes of a %lld-byte file\n",
                v ? "street" : "far", t.requests, t.partial, t.bytes, cog_size);
        TW_CHECK(t.partial > 0); /* Range requests were made and honoured */
        TW_CHECK(t.full == 0);   /* the file was never fetched whole */
        TW_CHECK_MSG(t.bytes < cog_size / 3, "read %lld of %lld bytes", t.bytes, cog_size);
        json_object_put(r);
    }
}

static void test_remote_picture_matches_local(void)
{
    char url[700], a[700], b[700];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/dem_cog.tif", ng.port);
    int rc1, rc2;
    json_object *r1 = run(url, NULL, "pic_remote", &rc1);
    json_object *r2 = run(cog, NULL, "pic_local", &rc2);
    TW_CHECK(rc1 == 0 && rc2 == 0);
    snprintf(a, sizeof a, "%s/pic_remote.png", tw_run_tmpdir());
    snprintf(b, sizeof b, "%s/pic_local.png", tw_run_tmpdir());
    tw_image ia = {0}, ib = {0};
    TW_CHECK(tw_img_load(a, &ia) && tw_img_load(b, &ib));
    tw_img_diff d = tw_img_compare(&ia, &ib, TW_GOLDEN_THRESHOLD);
    /* Only the attribution text (the source's name) differs. */
    TW_CHECK_MSG(d.mad < 0.5 && d.share_off < 0.01, "mad %.3f share %.4f", d.mad, d.share_off);
    tw_image_free(&ia);
    tw_image_free(&ib);
    json_object_put(r1);
    json_object_put(r2);
}

static void test_server_gone_is_an_error_not_a_hang(void)
{
    char url[700];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/missing_dem.tif", ng.port);
    int rc;
    json_object *r = run(url, NULL, "remote_404", &rc);
    TW_CHECK(rc == 0);
    TW_CHECK_STR(status(r), "error");
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_nginx_available()) TW_SKIP("nginx is not installed (Debian package nginx-light)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    snprintf(cog, sizeof cog, "%s/dem_cog.tif", tw_run_tmpdir());
    if (!make_cog(cog)) TW_SKIP("cannot write a COG with this GDAL");
    if (!tw_nginx_start(&ng, tw_run_tmpdir())) {
        fprintf(stderr, "nginx did not start (see %s)\n", ng.dir);
        return 1;
    }
    TW_RUN(test_cog_over_http_uses_ranges);
    TW_RUN(test_remote_picture_matches_local);
    TW_RUN(test_server_gone_is_an_error_not_a_hang);
    tw_nginx_stop(&ng);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
