/* bench/terrain: what a big DEM costs against the small one it came from.
 *
 * The floor is the Seoul DEM (385 x 316, 90 m). Against it, in the same run:
 * the same DEM resampled (bilinear) to N x N pixels as a COG (default
 * 20000 x 20000, 1.6 m pixels, 340 MB), read from disk and over HTTP
 * (Debian's nginx on 127.0.0.1). For the bookmarks city_hall and namsan of
 * assets/scenes/seoul.json at 1280 x 720 it prints the time from load start
 * to the first complete frame, the mean time to draw a frame over --wait-s
 * seconds after it, triangles drawn per screen pixel, peak memory and the
 * terrain cache's bytes, bytes read and HTTP requests, each big-DEM figure
 * also as a ratio to the Seoul DEM's. Targets: triangles per pixel <= 0.5,
 * time, frame time and memory within 2x of the floor.
 *
 *   bench_terrain [--size N] [--data DIR] [--wait-s S]
 *
 * The resampled DEM is kept in DIR (default bench-data/ in the current
 * folder) as seoulNk_cog.tif, so only the first run pays for making it. */
#include "tw_run.h"

#include <gdal.h>
#include <gdal_utils.h>
#include <json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define WIDTH  1280
#define HEIGHT 720

typedef struct result {
    double complete_ms; /* load start to the first complete frame */
    double frame_ms;    /* mean time to draw a frame after it */
    double tri_px;      /* terrain triangles drawn per screen pixel */
    long peak_kb;
    double cache_bytes; /* the terrain's tile cache */
    long long bytes;    /* read from disk, or sent by the server */
    int requests;
    int level; /* of the tile under the view's centre */
    bool complete, ok;
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

/* gdalwarp -ts N N -r bilinear -srcnodata -9999 -dstnodata -9999 -of COG */
static bool make_big(const char *seoul, const char *cog, int n)
{
    if (exists(cog)) return true;
    fprintf(stderr, "making %s (%d x %d, bilinear from the Seoul DEM, COG)...\n", cog, n, n);
    double t0 = now_s();
    char size[32];
    snprintf(size, sizeof size, "%d", n);
    char *argv[] = {"-ts",        size,    size,          "-r",    "bilinear",
                    "-srcnodata", "-9999", "-dstnodata",  "-9999", "-of",
                    "COG",        "-co",   "BIGTIFF=YES", "-co",   "COMPRESS=DEFLATE",
                    NULL};
    GDALDatasetH src = GDALOpen(seoul, GA_ReadOnly);
    GDALWarpAppOptions *o = GDALWarpAppOptionsNew(argv, NULL);
    GDALDatasetH out = src ? GDALWarp(cog, NULL, 1, &src, o, NULL) : NULL;
    GDALWarpAppOptionsFree(o);
    if (out) GDALClose(out);
    if (src) GDALClose(src);
    fprintf(stderr, "  %.0f s\n", now_s() - t0);
    return exists(cog);
}

static double get(json_object *o, const char *a, const char *b)
{
    json_object *x, *y;
    if (!json_object_object_get_ex(o, a, &x)) return NAN;
    if (!b) return json_object_get_double(x);
    return json_object_object_get_ex(x, b, &y) ? json_object_get_double(y) : NAN;
}

/* The bookmark's eye and target from assets/scenes/seoul.json. */
static bool bookmark(json_object *scene, const char *name, double eye[3], double target[3])
{
    json_object *bms, *bm, *v;
    if (!json_object_object_get_ex(scene, "bookmarks", &bms)) return false;
    for (size_t i = 0; i < json_object_array_length(bms); i++) {
        bm = json_object_array_get_idx(bms, i);
        if (!json_object_object_get_ex(bm, "name", &v) ||
            strcmp(json_object_get_string(v), name) != 0)
            continue;
        json_object *e, *t;
        if (!json_object_object_get_ex(bm, "eye", &e) ||
            !json_object_object_get_ex(bm, "target", &t))
            return false;
        for (int k = 0; k < 3; k++) {
            eye[k] = json_object_get_double(json_object_array_get_idx(e, k));
            target[k] = json_object_get_double(json_object_array_get_idx(t, k));
        }
        return true;
    }
    return false;
}

/* One headless run of a one-terrain scene drawn as seoul.json draws it. */
static result run(const char *source, const double eye[3], const double target[3], double wait_s,
                  tw_nginx *ng)
{
    result res = {0};
    char scene[600], rep[600], err[600], args[2000];
    snprintf(scene, sizeof scene, "%s/bench.json", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/bench.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/bench.err", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    if (!f) return res;
    fprintf(f,
            "{ \"name\": \"bench\", \"crs\": \"EPSG:5186\",\n"
            "  \"terrain\": { \"source\": \"%s\", \"exaggeration\": 1.5, \"hillshade\": true },\n"
            "  \"bookmarks\": [ { \"name\": \"view\", \"eye\": [%.1f, %.1f, %.1f],"
            " \"target\": [%.1f, %.1f, %.1f] } ] }\n",
            source, eye[0], eye[1], eye[2], target[0], target[1], target[2]);
    fclose(f);
    if (ng) tw_nginx_reset_log(ng);
    snprintf(args, sizeof args,
             "--headless --size %dx%d --wait-s %g --report '%s' --bookmark view '%s'", WIDTH,
             HEIGHT, wait_s, rep, scene);
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
    res.frame_ms = get(r, "frames", "mean_ms");
    res.tri_px = get(r, "terrain", "triangles") / ((double)WIDTH * HEIGHT);
    res.cache_bytes = get(r, "terrain", "resident_bytes");
    res.level = (int)get(r, "terrain", "center_level");
    res.complete = get(r, "terrain", "complete") == 1;
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

static void row(const char *name, result r, result fl, bool http)
{
    if (!r.ok) {
        printf("%-26s failed\n", name);
        return;
    }
    printf("%-26s %7.0f %5.2fx %6.1f %5.2fx %6.3f %5.2fx %5ld %5.2fx %5.1f %5.2fx %9lld", name,
           r.complete_ms, r.complete_ms / fl.complete_ms, r.frame_ms, r.frame_ms / fl.frame_ms,
           r.tri_px, r.tri_px / fl.tri_px, r.peak_kb / 1024, (double)r.peak_kb / fl.peak_kb,
           r.cache_bytes / 1048576, r.cache_bytes / fl.cache_bytes, r.bytes);
    if (http)
        printf(" %5d", r.requests);
    else
        printf(" %5s", "-");
    printf(" %3d%s\n", r.level, r.complete ? "" : " INCOMPLETE");
}

int main(int argc, char **argv)
{
    int n = 20000;
    double wait_s = 3;
    const char *data = "bench-data";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--wait-s") == 0 && i + 1 < argc)
            wait_s = atof(argv[++i]);
    }
    if (!tw_run_bin()) {
        fprintf(stderr, "set CITYTWIN_BIN to the citytwin binary (ctest and the build do)\n");
        return 2;
    }
    const char *src = getenv("CITYTWIN_SOURCE");
    GDALAllRegister();
    char cmd[3000], path[1200], seoul[1200], cog[1200];
    snprintf(path, sizeof path, "%s/assets/scenes/seoul.json", src ? src : ".");
    json_object *scene = json_object_from_file(path);
    if (!scene) {
        fprintf(stderr, "cannot read %s (run from the source folder or set CITYTWIN_SOURCE)\n",
                path);
        return 1;
    }
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", data);
    tw_run_shell(cmd);
    snprintf(seoul, sizeof seoul, "%s/seoul_dem.tif", data);
    if (!exists(seoul)) {
        snprintf(cmd, sizeof cmd, "cp '%s/assets/data/dem/seoul_dem.tif' '%s'", src ? src : ".",
                 seoul);
        tw_run_shell(cmd);
    }
    snprintf(cog, sizeof cog, "%s/seoul%dk_cog.tif", data, n / 1000);
    if (!make_big(seoul, cog, n)) {
        fprintf(stderr, "cannot make the big DEM in %s\n", data);
        return 1;
    }
    char real[PATH_MAX];
    if (!realpath(data, real)) return 1;
    tw_nginx ng;
    bool http = tw_nginx_available() && tw_nginx_start(&ng, real);
    if (!http) fprintf(stderr, "nginx unavailable: HTTP rows are skipped\n");
    char local_seoul[PATH_MAX + 32], local_big[PATH_MAX + 32], url_seoul[300], url_big[300];
    snprintf(local_seoul, sizeof local_seoul, "%s/seoul_dem.tif", real);
    snprintf(local_big, sizeof local_big, "%s/seoul%dk_cog.tif", real, n / 1000);
    if (http) {
        snprintf(url_seoul, sizeof url_seoul, "/vsicurl/http://127.0.0.1:%d/seoul_dem.tif",
                 ng.port);
        snprintf(url_big, sizeof url_big, "/vsicurl/http://127.0.0.1:%d/seoul%dk_cog.tif", ng.port,
                 n / 1000);
    }
    struct stat st;
    stat(cog, &st);
    printf("bench/terrain: Seoul DEM (385x316, 90 m) is the floor; %dk: it resampled to %d x %d "
           "(bilinear, %.0f MB COG)\n",
           n / 1000, n, n, st.st_size / 1e6);
    printf("%dx%d, exaggeration 1.5, frames drawn for %g s after the first complete one\n\n", WIDTH,
           HEIGHT, wait_s);
    printf("%-26s %7s %6s %6s %6s %6s %6s %5s %6s %5s %6s %9s %5s %3s\n", "case", "first", "ratio",
           "frame", "ratio", "tri/px", "ratio", "peak", "ratio", "cache", "ratio", "bytes", "reqs",
           "lvl");
    printf("%-26s %7s %6s %6s %6s %6s %6s %5s %6s %5s %6s %9s %5s %3s\n", "", "ms", "", "ms", "",
           "", "", "MB", "", "MB", "", "", "", "");
    const char *views[] = {"city_hall", "namsan"};
    for (int v = 0; v < 2; v++) {
        double eye[3], target[3];
        if (!bookmark(scene, views[v], eye, target)) {
            fprintf(stderr, "no bookmark %s in %s\n", views[v], path);
            continue;
        }
        char name[64];
        for (int h = 0; h < (http ? 2 : 1); h++) {
            const char *how = h ? "http" : "local";
            result fl = run(h ? url_seoul : local_seoul, eye, target, wait_s, h ? &ng : NULL);
            result big = run(h ? url_big : local_big, eye, target, wait_s, h ? &ng : NULL);
            snprintf(name, sizeof name, "%s seoul %s", views[v], how);
            row(name, fl, fl, h);
            snprintf(name, sizeof name, "%s %dk %s", views[v], n / 1000, how);
            row(name, big, fl, h);
        }
    }
    if (http) tw_nginx_stop(&ng);
    json_object_put(scene);
    tw_run_finish(0);
    return 0;
}
