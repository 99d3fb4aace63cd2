/* Wind fields over HTTP (/vsicurl/, Debian's nginx on 127.0.0.1): the
 * grib2json JSON and the webgl-wind PNG with its JSON beside it load as
 * from disk; a PNG without its JSON and a missing file are one error each,
 * naming the URL. */
#include "geo_gdal.h"
#include "geo_wind.h"
#include "tw_run.h"
#include "tw_test.h"

static tw_nginx ng;
static char base[128];

static geo_wind_field *open_url(const char *file, char *err, size_t n, tw_result *r)
{
    char url[300];
    snprintf(url, sizeof url, "%s/%s", base, file);
    geo_wind_field *f = NULL;
    *r = geo_wind_open(&(geo_wind_open_desc){.path = url}, &f, err, n);
    return f;
}

static void test_formats_over_http(void)
{
    char err[512], local[1024];
    tw_result r;
    geo_wind_field *f = open_url("current-wind-surface-level-gfs-1.0.json", err, sizeof err, &r);
    TW_CHECK_MSG(r == TW_OK && f, "%s", err);
    geo_wind_field *g = NULL;
    tw_test_shipped("assets/data/wind/current-wind-surface-level-gfs-1.0.json", local,
                    sizeof local);
    TW_CHECK(geo_wind_open(&(geo_wind_open_desc){.path = local}, &g, err, sizeof err) == TW_OK);
    if (f && g) {
        TW_CHECK_STR(f->format, "grib2json");
        TW_CHECK(f->nx == g->nx && f->ny == g->ny);
        TW_CHECK(memcmp(f->u, g->u, sizeof(float) * g->nx * g->ny) == 0);
        TW_CHECK(memcmp(f->v, g->v, sizeof(float) * g->nx * g->ny) == 0);
        TW_CHECK_STR(f->time, g->time);
    }
    geo_wind_field_destroy(f);
    geo_wind_field_destroy(g);
    f = open_url("wind-2016112000.png", err, sizeof err, &r);
    TW_CHECK_MSG(r == TW_OK && f, "%s", err);
    if (f) {
        TW_CHECK_STR(f->format, "webgl-wind");
        TW_CHECK_STR(f->time, "2016-11-20T00:00:00Z");
        double u, v;
        TW_CHECK(geo_wind_field_sample(f, -140, 15, &u, &v));
        TW_CHECK_NEAR(u, -21.32 + 70 / 255.0 * (26.8 + 21.32), 1e-4);
    }
    geo_wind_field_destroy(f);
}

static void test_errors_over_http(void)
{
    char err[512];
    tw_result r;
    geo_wind_field *f = open_url("lonely.png", err, sizeof err, &r);
    TW_CHECK(f == NULL && r != TW_OK);
    TW_CHECK_MSG(strstr(err, "lonely.png") && strstr(err, "metadata JSON"), "%s", err);
    fprintf(stderr, "  %s\n", err);
    f = open_url("no_such_wind.json", err, sizeof err, &r);
    TW_CHECK(f == NULL && r != TW_OK);
    TW_CHECK_MSG(strstr(err, "no_such_wind.json") != NULL, "%s", err);
    fprintf(stderr, "  %s\n", err);
}

int main(void)
{
    if (!tw_nginx_available()) TW_SKIP("nginx is not installed (Debian package nginx-light)");
    const char *tmp = tw_run_tmpdir();
    char src[512], cmd[8192];
    tw_test_shipped("assets/data/wind", src, sizeof src);
    snprintf(cmd, sizeof cmd,
             "cp '%s/current-wind-surface-level-gfs-1.0.json' '%s/wind-2016112000.png' "
             "'%s/wind-2016112000.json' '%s/' && cp '%s/wind-2016112000.png' '%s/lonely.png' && "
             "chmod 644 '%s'/*.json '%s'/*.png",
             src, src, src, tmp, src, tmp, tmp, tmp);
    if (tw_run_shell(cmd) != 0) {
        tw_run_finish(0);
        TW_SKIP("cannot copy the wind files from %s (set CITYTWIN_SOURCE)", src);
    }
    if (!tw_nginx_start(&ng, tmp)) {
        fprintf(stderr, "nginx did not start (see %s)\n", ng.dir);
        return 1;
    }
    snprintf(base, sizeof base, "/vsicurl/http://127.0.0.1:%d", ng.port);
    TW_CHECK(geo_gdal_init(&(geo_gdal_desc){.http_timeout_s = 10, .http_connect_s = 3}) == TW_OK);
    TW_RUN(test_formats_over_http);
    TW_RUN(test_errors_over_http);
    tw_nginx_stop(&ng);
    geo_gdal_shutdown();
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
