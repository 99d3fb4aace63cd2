/* bench/terrain: cost of the first complete frame as the DEM grows.
 *
 * The floor is the small Seoul DEM (385 x 316). Against it, in the same run:
 * a generated N x N DEM with overviews (default 20000 x 20000, 10 m pixels),
 * read from disk and as a COG over HTTP (Debian's nginx on 127.0.0.1). For
 * an overview and a street-level view it prints bytes read, HTTP requests,
 * peak memory and the time from load start to the first complete frame, and
 * each as a ratio to the Seoul DEM. Target: bytes, requests and memory of the
 * big DEM at most 2x the floor (cost bounded by the screen, not the file).
 *
 *   bench_terrain [--size N] [--data DIR]
 *
 * The generated DEMs are kept in DIR (default bench-data/ in the current
 * folder), so only the first run pays for making them. */
#include "tw_run.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <json.h>
#include <limits.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static long long base_bytes[2]; /* set-up reads of a run, overview / street */

typedef struct result {
    double complete_ms;
    long long bytes; /* read from disk, or sent by the server */
    int requests;
    long peak_kb;
    bool ok;
} result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && st.st_size > 0;
}

/* Rolling hills with ridges, so compression and overviews see real work. */
static float height(int i, int j)
{
    double x = i * 0.01, y = j * 0.01;
    return (float)(400 + 250 * sin(x * 0.031) * cos(y * 0.027) + 60 * sin(x * 0.21 + y * 0.13) +
                   8 * sin(x * 1.7) * sin(y * 1.3));
}

static bool make_big(const char *tif, const char *cog, int n)
{
    if (!exists(tif)) {
        fprintf(stderr, "making %s (%d x %d Float32, tiled, deflate, overviews)...\n", tif, n, n);
        double t0 = now_s();
        char *opts[] = {"TILED=YES",
                        "BLOCKXSIZE=256",
                        "BLOCKYSIZE=256",
                        "COMPRESS=DEFLATE",
                        "PREDICTOR=3",
                        "BIGTIFF=YES",
                        NULL};
        GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), tif, n, n, 1, GDT_Float32, opts);
        if (!ds) return false;
        tw_run_georef(ds, (double[6]){100000, 10, 0, 700000, 0, -10}, 5186);
        const int band_rows = 512;
        float *buf = malloc((size_t)n * band_rows * sizeof *buf);
        for (int j0 = 0; j0 < n && buf; j0 += band_rows) {
            int rows = j0 + band_rows <= n ? band_rows : n - j0;
            for (int j = 0; j < rows; j++)
                for (int i = 0; i < n; i++) buf[(size_t)j * n + i] = height(i, j0 + j);
            if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, j0, n, rows, buf, n, rows,
                             GDT_Float32, 0, 0) != CE_None)
                break;
        }
        free(buf);
        int levels[] = {2, 4, 8, 16, 32, 64, 128, 256};
        CPLSetConfigOption("COMPRESS_OVERVIEW", "DEFLATE");
        if (GDALBuildOverviews(ds, "AVERAGE", 8, levels, 0, NULL, NULL, NULL) != CE_None)
            fprintf(stderr, "overviews failed: %s\n", CPLGetLastErrorMsg());
        GDALClose(ds);
        fprintf(stderr, "  %.0f s\n", now_s() - t0);
    }
    if (!exists(cog)) {
        fprintf(stderr, "making %s (COG)...\n", cog);
        double t0 = now_s();
        GDALDatasetH src = GDALOpen(tif, GA_ReadOnly);
        char *argv[] = {"-of", "COG",         "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=YES",
                        "-co", "BIGTIFF=YES", "-co", "BLOCKSIZE=256",    NULL};
        GDALTranslateOptions *o = GDALTranslateOptionsNew(argv, NULL);
        GDALDatasetH out = src ? GDALTranslate(cog, src, o, NULL) : NULL;
        GDALTranslateOptionsFree(o);
        if (out) GDALClose(out);
        if (src) GDALClose(src);
        fprintf(stderr, "  %.0f s\n", now_s() - t0);
    }
    return exists(tif) && exists(cog);
}

static double get(json_object *o, const char *a, const char *b)
{
    json_object *x, *y;
    if (!json_object_object_get_ex(o, a, &x)) return NAN;
    if (!b) return json_object_get_double(x);
    return json_object_object_get_ex(x, b, &y) ? json_object_get_double(y) : NAN;
}

/* One headless run of a one-terrain scene; street: a bookmark 300 m up. */
static result run(const char *source, const double centre[2], bool street, tw_nginx *ng)
{
    result res = {0};
    char scene[600], rep[600], err[600], args[2000];
    snprintf(scene, sizeof scene, "%s/bench.json", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/bench.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/bench.err", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    if (!f) return res;
    fprintf(f,
            "{ \"name\": \"bench\", \"terrain\": { \"source\": \"%s\" },\n"
            "  \"bookmarks\": [ { \"name\": \"street\", \"eye\": [%.1f, %.1f, 700],"
            " \"target\": [%.1f, %.1f, 400] } ] }\n",
            source, centre[0], centre[1] - 600, centre[0], centre[1]);
    fclose(f);
    if (ng) tw_nginx_reset_log(ng);
    snprintf(args, sizeof args, "--headless --size 1280x720 --report '%s' %s '%s'", rep,
             street ? "--bookmark street" : "", scene);
    int rc = tw_run_citytwin(args, err);
    json_object *r = tw_run_load_json(rep);
    if (rc != 0 || !r) {
        char *text = tw_run_read_text(err);
        fprintf(stderr, "run failed (%d): %s\n", rc, text ? text : "");
        free(text);
        json_object_put(r);
        return res;
    }
    res.ok = true;
    res.complete_ms = get(r, "complete_frame_ms", NULL);
    res.peak_kb = (long)get(r, "memory", "peak_rss_kb");
    res.bytes = (long long)get(r, "memory", "read_bytes_to_complete_frame");
    if (ng) {
        tw_nginx_totals t = tw_nginx_read_log(ng, NULL);
        res.requests = t.requests;
        res.bytes = t.bytes;
    }
    json_object_put(r);
    return res;
}

static void row(const char *name, result r, result floor_r, bool http)
{
    if (!r.ok) {
        printf("%-28s  failed\n", name);
        return;
    }
    printf("%-28s %10.0f %7.2fx %12lld %7.2fx", name, r.complete_ms,
           r.complete_ms / floor_r.complete_ms, r.bytes, (double)r.bytes / (double)floor_r.bytes);
    if (http)
        printf(" %5d %6.2fx", r.requests, (double)r.requests / floor_r.requests);
    else
        printf(" %5s %7s", "-", "");
    printf(" %8ld %6.2fx\n", r.peak_kb / 1024, (double)r.peak_kb / floor_r.peak_kb);
}

int main(int argc, char **argv)
{
    int n = 20000;
    const char *data = "bench-data";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
    }
    if (!tw_run_bin()) {
        fprintf(stderr, "set CITYTWIN_BIN to the citytwin binary (ctest and the build do)\n");
        return 2;
    }
    const char *src = getenv("CITYTWIN_SOURCE");
    GDALAllRegister();
    char cmd[3000], seoul[1200], tif[1200], cog[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", data);
    tw_run_shell(cmd);
    snprintf(seoul, sizeof seoul, "%s/seoul_dem.tif", data);
    if (!exists(seoul)) {
        snprintf(cmd, sizeof cmd, "cp '%s/assets/data/dem/seoul_dem.tif' '%s'", src ? src : ".",
                 seoul);
        tw_run_shell(cmd);
    }
    snprintf(tif, sizeof tif, "%s/dem%d.tif", data, n);
    snprintf(cog, sizeof cog, "%s/dem%d_cog.tif", data, n);
    if (!make_big(tif, cog, n)) {
        fprintf(stderr, "cannot make the big DEM in %s\n", data);
        return 1;
    }
    char real[PATH_MAX];
    if (!realpath(data, real)) return 1;
    tw_nginx ng;
    bool http = tw_nginx_available() && tw_nginx_start(&ng, real);
    if (!http) fprintf(stderr, "nginx unavailable: HTTP rows are skipped\n");

    /* What a run reads besides the DEM (PROJ's database, the scene, GDAL's
     * set-up), measured with a 2 x 2 DEM in the same CRS and taken off the
     * local byte counts, so that they count the DEM alone. */
    char tiny[1300];
    snprintf(tiny, sizeof tiny, "%s/tiny_5186.tif", data);
    if (!exists(tiny)) {
        GDALDatasetH t = GDALCreate(GDALGetDriverByName("GTiff"), tiny, 2, 2, 1, GDT_Float32, NULL);
        if (t) {
            float z[4] = {10, 11, 12, 13};
            tw_run_georef(t, (double[6]){197000, 10, 0, 552000, 0, -10}, 5186);
            if (GDALRasterIO(GDALGetRasterBand(t, 1), GF_Write, 0, 0, 2, 2, z, 2, 2, GDT_Float32, 0,
                             0) != CE_None)
                fprintf(stderr, "cannot write %s\n", tiny);
            GDALClose(t);
        }
    }
    const double tiny_c[2] = {197010, 551990};
    for (int v = 0; v < 2; v++) {
        result base = run(tiny, tiny_c, v == 1, NULL);
        if (base.ok) base_bytes[v] = base.bytes;
    }
    printf("(local bytes: the DEM's alone; %lld bytes of set-up per run taken off)\n",
           base_bytes[0]);

    const double seoul_c[2] = {197971, 551483};
    const double big_c[2] = {100000 + n * 5.0, 700000 - n * 5.0};
    char url_seoul[300], url_big[300], name[64];
    if (http) {
        snprintf(url_seoul, sizeof url_seoul, "/vsicurl/http://127.0.0.1:%d/seoul_dem.tif",
                 ng.port);
        snprintf(url_big, sizeof url_big, "/vsicurl/http://127.0.0.1:%d/dem%d_cog.tif", ng.port, n);
    }
    struct stat st;
    stat(cog, &st);
    printf("bench/terrain: first complete frame, 1280x720, Seoul DEM (385x316) is the floor\n");
    printf("big DEM: %d x %d Float32, 10 m pixels, %.0f MB as COG\n\n", n, n, st.st_size / 1e6);
    printf("%-28s %10s %8s %12s %8s %5s %7s %8s %7s\n", "case", "ms", "ratio", "bytes", "ratio",
           "reqs", "ratio", "peak MB", "ratio");
    for (int v = 0; v < 2; v++) {
        bool street = v == 1;
        const char *view = street ? "street" : "overview";
        result f_local = run(seoul, seoul_c, street, NULL);
        result b_local = run(tif, big_c, street, NULL);
        f_local.bytes -= base_bytes[v];
        b_local.bytes -= base_bytes[v];
        snprintf(name, sizeof name, "seoul local %s", view);
        row(name, f_local, f_local, false);
        snprintf(name, sizeof name, "%dk local %s", n / 1000, view);
        row(name, b_local, f_local, false);
        if (http) {
            result f_http = run(url_seoul, seoul_c, street, &ng);
            result b_http = run(url_big, big_c, street, &ng);
            snprintf(name, sizeof name, "seoul http %s", view);
            row(name, f_http, f_http, true);
            snprintf(name, sizeof name, "%dk COG http %s", n / 1000, view);
            row(name, b_http, f_http, true);
        }
    }
    if (http) tw_nginx_stop(&ng);
    tw_run_finish(0);
    return 0;
}
