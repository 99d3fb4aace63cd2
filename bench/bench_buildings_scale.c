/* bench/buildings scale: a street view with 600,000 buildings against the
 * same street view with 6,000,000, streamed by view, in one run.
 *
 * bench_buildings_gen writes the Seoul-scale set (--count N, default
 * 600,000) and the national-scale one (--blocks BXxBY Seoul-sized blocks of
 * N each side by side, default 5x2: 6,000,000), both FlatGeobuf with their
 * index; block (0, 0) of the big file is the small file's set, so the
 * street view (in Seoul) sees the same buildings in both. Then for each
 * source: the local file, the file served by nginx on 127.0.0.1
 * (/vsicurl/), and PostGIS (PostgreSQL 15 + PostGIS 3 in a temporary
 * cluster run as `nobody`, loaded with ogr2ogr's GDALVectorTranslate with
 * its GiST index), the app (headless, 1280x720, bookmark at a street view)
 * reports the time to its first complete frame, what it read (bytes through
 * read(): /proc/self/io up to that frame; over HTTP nginx's bytes sent;
 * from PostGIS the rows), its peak RSS, the tiles it read and the datasets
 * (connections) it opened; each as big / small (target <= 1.2).
 *
 * Not part of CI: the 6M file is about 2 GB and the PostGIS load of it takes
 * minutes. Files go to a temporary folder (--data DIR keeps them there) that
 * is deleted after the run. --no-http, --no-postgis leave a source out;
 * --range-m M sets the layer's read range (default: the layer's, 60 km).
 *
 *   CITYTWIN_BIN=./citytwin CITYTWIN_SOURCE=.. bench/bench_buildings_scale
 *       [--count N] [--blocks BXxBY] [--data DIR] [--no-http] [--no-postgis]
 *       [--range-m M] [--wait-s S] */
#include "bench_buildings_gen.h"
#include "tw_run.h"

#include <gdal.h>
#include <gdal_utils.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WIDTH   1280
#define HEIGHT  720
#define PG_BIN  "/usr/lib/postgresql/15/bin"
#define POSTGIS "/usr/share/postgresql/15/extension/postgis.control"

/* In Seoul (block 0, 0), at street level looking north-east. */
static const double EYE[3] = {197000, 550000, 60}, TARGET[3] = {197300, 550200, 20};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct result {
    bool ok;
    double complete_ms;
    long long read_bytes, http_bytes;
    long peak_kb, tiles_read, features, datasets, conns;
} result;

static double jget(json_object *o, const char *a, const char *b)
{
    json_object *x, *y;
    if (!o || !json_object_object_get_ex(o, a, &x)) return NAN;
    if (!b) return json_object_get_double(x);
    return json_object_object_get_ex(x, b, &y) ? json_object_get_double(y) : NAN;
}

static result run_app(const char *source, const char *layer, double range_m, double wait_s)
{
    result res = {0};
    char scene[600], rep[600], err[600], args[2000], keys[200] = "";
    snprintf(scene, sizeof scene, "%s/scale.json", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/scale.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/scale.err", tw_run_tmpdir());
    if (layer) snprintf(keys, sizeof keys, ", \"layer\": \"%s\"", layer);
    if (range_m > 0)
        snprintf(keys + strlen(keys), sizeof keys - strlen(keys), ", \"range_m\": %g", range_m);
    FILE *f = fopen(scene, "w");
    if (!f) return res;
    fprintf(f,
            "{ \"name\": \"scale\", \"crs\": \"EPSG:5186\",\n"
            "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", \"cache\": false %s "
            "} ],\n"
            "  \"bookmarks\": [ { \"name\": \"street\", \"eye\": [%.1f, %.1f, %.1f],"
            " \"target\": [%.1f, %.1f, %.1f] } ] }\n",
            source, keys, EYE[0], EYE[1], EYE[2], TARGET[0], TARGET[1], TARGET[2]);
    fclose(f);
    unlink(rep);
    snprintf(args, sizeof args,
             "--headless --size %dx%d --wait-s %g --report '%s' --bookmark street '%s'", WIDTH,
             HEIGHT, wait_s, rep, scene);
    int rc = tw_run_citytwin(args, err);
    json_object *r = tw_run_load_json(rep);
    json_object *l = r ? tw_run_layer(r, "buildings") : NULL;
    json_object *t = l ? tw_run_get(l, "tiles") : NULL;
    if (rc != 0 || !t) {
        char *text = tw_run_read_text(err);
        fprintf(stderr, "run on %s failed (%d): %s\n", source, rc, text ? text : "");
        free(text);
        json_object_put(r);
        return res;
    }
    res.ok = jget(r, "complete_frame_ms", NULL) > 0;
    res.complete_ms = jget(r, "complete_frame_ms", NULL);
    res.read_bytes = (long long)jget(r, "memory", "read_bytes_to_complete_frame");
    res.peak_kb = (long)jget(r, "memory", "peak_rss_kb");
    res.tiles_read = (long)jget(t, "read", NULL);
    res.features = (long)jget(t, "features_loaded", NULL);
    res.datasets = (long)jget(t, "datasets_opened", NULL);
    json_object_put(r);
    return res;
}

/* ---- PostGIS in a temporary cluster ---- */

static char pg_dir[256], pg_as[64], pg_conn[256];
static int pg_port;

static bool pg_start(void)
{
    snprintf(pg_dir, sizeof pg_dir, "/tmp/citytwin-pgbench-XXXXXX");
    if (!mkdtemp(pg_dir)) return false;
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("nobody");
        if (!pw || chown(pg_dir, pw->pw_uid, pw->pw_gid) != 0) return false;
        snprintf(pg_as, sizeof pg_as, "runuser -u nobody -- ");
    }
    chmod(pg_dir, 0700);
    pg_port = 20000 + (int)(getpid() % 20000);
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "%s%s/initdb -D '%s/data' -U postgres --auth=trust -E UTF8 --locale=C > "
             "'%s/initdb.log' 2>&1 && %s%s/pg_ctl -D '%s/data' -l '%s/server.log' -w -t 60 -o "
             "\"-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='%s' -c "
             "log_connections=on -c fsync=off -c synchronous_commit=off -c "
             "full_page_writes=off -c shared_buffers=256MB\" start > /dev/null && "
             "%s/psql -q -h 127.0.0.1 -p %d -U postgres -c 'CREATE DATABASE city' && "
             "%s/psql -q -h 127.0.0.1 -p %d -U postgres -d city -c 'CREATE EXTENSION postgis'",
             pg_as, PG_BIN, pg_dir, pg_dir, pg_as, PG_BIN, pg_dir, pg_dir, pg_port, pg_dir, PG_BIN,
             pg_port, PG_BIN, pg_port);
    if (tw_run_shell(cmd) != 0) return false;
    snprintf(pg_conn, sizeof pg_conn, "PG:host=127.0.0.1 port=%d dbname=city user=postgres",
             pg_port);
    return true;
}

static void pg_stop(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "%s%s/pg_ctl -D '%s/data' -m immediate stop > /dev/null 2>&1; rm -rf '%s'", pg_as,
             PG_BIN, pg_dir, pg_dir);
    tw_run_shell(cmd);
}

static int pg_connections(void)
{
    char path[300], line[1024];
    snprintf(path, sizeof path, "%s/server.log", pg_dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n += strstr(line, "connection authorized") != NULL;
    if (f) fclose(f);
    return n;
}

static bool pg_vacuum(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "%s/psql -q -h 127.0.0.1 -p %d -U postgres -d city -c 'VACUUM (ANALYZE) seoul' "
             "-c 'VACUUM (ANALYZE) national'",
             PG_BIN, pg_port);
    return tw_run_shell(cmd) == 0;
}

static bool pg_load(const char *fgb, const char *table)
{
    GDALDatasetH src = GDALOpenEx(fgb, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!src) return false;
    char *argv[] = {"-f",  "PostgreSQL", "-nln", (char *)table, "-nlt", "PROMOTE_TO_MULTI",
                    "-gt", "65536",      NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH d = GDALVectorTranslate(pg_conn, NULL, 1, &src, o, NULL);
    GDALVectorTranslateOptionsFree(o);
    if (d) GDALClose(d);
    GDALClose(src);
    return d != NULL;
}

/* ---- the table ---- */

static void row(const char *name, result s, result b, bool http, bool pg)
{
    if (!s.ok || !b.ok) {
        printf("%-12s failed (small %s, big %s)\n", name, s.ok ? "ok" : "failed",
               b.ok ? "ok" : "failed");
        return;
    }
    printf("%-12s first complete frame %7.0f / %7.0f ms = %5.2fx | read %9lld / %9lld B = "
           "%5.2fx | peak RSS %6ld / %6ld MB = %5.2fx | tiles %4ld / %4ld, buildings %6ld / %6ld"
           ", datasets %ld / %ld\n",
           name, s.complete_ms, b.complete_ms, b.complete_ms / s.complete_ms, s.read_bytes,
           b.read_bytes, (double)b.read_bytes / (double)s.read_bytes, s.peak_kb / 1024,
           b.peak_kb / 1024, (double)b.peak_kb / (double)s.peak_kb, s.tiles_read, b.tiles_read,
           s.features, b.features, s.datasets, b.datasets);
    if (http)
        printf("%-12s   over HTTP: %lld / %lld bytes sent by nginx = %5.2fx\n", "", s.http_bytes,
               b.http_bytes, (double)b.http_bytes / (double)(s.http_bytes ? s.http_bytes : 1));
    if (pg)
        printf("%-12s   PostGIS: %ld / %ld rows, %ld / %ld connections\n", "", s.features,
               b.features, s.conns, b.conns);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long count = 600000;
    int bx = 5, by = 2;
    const char *data = NULL;
    bool http = true, pg = true;
    double range_m = 0, wait_s = 0.5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atol(argv[++i]);
        else if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc)
            sscanf(argv[++i], "%dx%d", &bx, &by);
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--no-http") == 0)
            http = false;
        else if (strcmp(argv[i], "--no-postgis") == 0)
            pg = false;
        else if (strcmp(argv[i], "--range-m") == 0 && i + 1 < argc)
            range_m = atof(argv[++i]);
        else if (strcmp(argv[i], "--wait-s") == 0 && i + 1 < argc)
            wait_s = atof(argv[++i]);
    }
    if (!tw_run_bin()) {
        fprintf(stderr, "set CITYTWIN_BIN to the citytwin binary\n");
        return 2;
    }
    count = count < 100 ? 100 : count;
    bx = bx < 1 ? 1 : bx, by = by < 1 ? 1 : by;
    const char *src = getenv("CITYTWIN_SOURCE") ? getenv("CITYTWIN_SOURCE") : ".";
    GDALAllRegister();
    char dir[PATH_MAX], cmd[3 * PATH_MAX], small[PATH_MAX + 64], big[PATH_MAX + 64], assets[1200];
    bool temp = data == NULL;
    if (temp) {
        snprintf(dir, sizeof dir, "%s/data", tw_run_tmpdir());
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    } else {
        snprintf(dir, sizeof dir, "%s", data);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    }
    tw_run_shell(cmd);
    chmod(dir, 0755); /* nginx's worker reads it */
    snprintf(assets, sizeof assets, "%s/assets/data/buildings", src);
    snprintf(small, sizeof small, "%s/seoul_%ld.fgb", dir, count);
    snprintf(big, sizeof big, "%s/national_%ldx%dx%d.fgb", dir, count, bx, by);
    struct stat st;
    char err[512] = "";
    bbg_counts c;
    for (int k = 0; k < 2; k++) {
        const char *path = k ? big : small;
        if (stat(path, &st) == 0 && st.st_size > 0) continue;
        double t0 = now_s();
        bool ok = k ? bbg_generate_national(assets, count, bx, by, path, &c, err, sizeof err)
                    : bbg_generate(assets, count, NULL, path, &c, err, sizeof err);
        if (!ok) {
            fprintf(stderr, "generator: %s\n", err);
            return 1;
        }
        stat(path, &st);
        fprintf(stderr, "generated %s: %ld footprints, %.0f MB, in %.1f s\n", path, c.features,
                st.st_size / 1e6, now_s() - t0);
    }
    long long size[2];
    stat(small, &st), size[0] = st.st_size;
    stat(big, &st), size[1] = st.st_size;
    printf("street view (eye %.0f %.0f %.0f m), %ld vs %ld buildings (FlatGeobuf %.0f / %.0f "
           "MB), %dx%d, each small / big = big / small:\n",
           EYE[0], EYE[1], EYE[2], count, count * bx * by, size[0] / 1e6, size[1] / 1e6, WIDTH,
           HEIGHT);

    /* Local files: a warm-up run first, so both read from the page cache. */
    run_app(small, NULL, range_m, wait_s);
    result s = run_app(small, NULL, range_m, wait_s), b = run_app(big, NULL, range_m, wait_s);
    row("local FGB", s, b, false, false);

    if (http && tw_nginx_available()) {
        tw_nginx ng;
        if (tw_nginx_start(&ng, dir) && ng.running) {
            char url[2][400];
            const char *names[2] = {strrchr(small, '/') + 1, strrchr(big, '/') + 1};
            result r[2];
            for (int k = 0; k < 2; k++) {
                snprintf(url[k], sizeof url[k], "/vsicurl/http://127.0.0.1:%d/%s", ng.port,
                         names[k]);
                tw_nginx_reset_log(&ng);
                r[k] = run_app(url[k], NULL, range_m, wait_s);
                r[k].http_bytes = tw_nginx_read_log(&ng, names[k]).bytes;
            }
            row("HTTP FGB", r[0], r[1], true, false);
            tw_nginx_stop(&ng);
        } else {
            printf("HTTP FGB     skipped: nginx did not start\n");
        }
    } else if (http) {
        printf("HTTP FGB     skipped: nginx is not installed\n");
    }

    if (pg && access(PG_BIN "/initdb", X_OK) == 0 && access(POSTGIS, R_OK) == 0 &&
        GDALGetDriverByName("PostgreSQL")) {
        if (pg_start()) {
            double t0 = now_s();
            bool ok = pg_load(small, "seoul") && pg_load(big, "national");
            fprintf(stderr, "PostGIS: both sets loaded in %.0f s\n", now_s() - t0);
            /* As a served database would be: vacuumed and analysed. Read
             * straight after the load, the first query of the big table
             * also set every page's hint bits and ran beside autovacuum
             * (2.5x the small one's time once, 0.9x another time). */
            t0 = now_s();
            ok = ok && pg_vacuum();
            fprintf(stderr, "PostGIS: vacuumed and analysed in %.0f s\n", now_s() - t0);
            if (ok) {
                result r[2];
                const char *tables[2] = {"seoul", "national"};
                for (int k = 0; k < 2; k++) {
                    int c0 = pg_connections();
                    r[k] = run_app(pg_conn, tables[k], range_m, wait_s);
                    r[k].conns = pg_connections() - c0;
                }
                row("PostGIS", r[0], r[1], false, true);
            } else {
                printf("PostGIS      failed to load: %s\n", CPLGetLastErrorMsg());
            }
        } else {
            printf("PostGIS      skipped: the temporary cluster did not start\n");
        }
        pg_stop();
    } else if (pg) {
        printf("PostGIS      skipped: PostgreSQL 15 + PostGIS 3 are not installed\n");
    }
    if (temp) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        tw_run_shell(cmd);
    }
    tw_run_finish(0);
    return 0;
}
