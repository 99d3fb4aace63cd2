/* Buildings streamed by view from a real PostGIS: PostgreSQL 15 + PostGIS 3
 * (Debian postgresql-15-postgis-3) in a temporary cluster on 127.0.0.1 on a
 * free port, run as an unprivileged user (initdb refuses root: as root the
 * server runs as `nobody` through runuser, with its data folder owned by
 * it). The Cheongna buildings are loaded with ogr2ogr (GDAL's
 * GDALVectorTranslate, which also makes the GiST index), and a scene with
 * "source": "PG:host=127.0.0.1 port=... dbname=... user=..." reads them by
 * view: an overview holds every building once, a street view fewer, and
 * the tile reads share at most one connection per worker (the server's
 * log_connections counts them). Skips only when the packages are absent. */
#include "tw_run.h"
#include "tw_test.h"

#include <arpa/inet.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG_BIN          "/usr/lib/postgresql/15/bin"
#define POSTGIS_CONTROL "/usr/share/postgresql/15/extension/postgis.control"
#define WORKERS         3 /* CITYTWIN_WORKERS for the runs */

static char cheongna[1024], datadir[256], conn[512], as_user[64];
static int port;
static long total;

static long num(json_object *o, const char *key)
{
    return tw_run_get(o, key) ? json_object_get_int64(tw_run_get(o, key)) : -1;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    int p = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &n) == 0)
        p = ntohs(a.sin_port);
    if (s >= 0) close(s);
    return p;
}

/* Starts the cluster; false (with the log printed) when it does not. */
static bool pg_start(void)
{
    snprintf(datadir, sizeof datadir, "/tmp/citytwin-pg-XXXXXX");
    if (!mkdtemp(datadir)) return false;
    as_user[0] = 0;
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("nobody");
        if (!pw || chown(datadir, pw->pw_uid, pw->pw_gid) != 0) return false;
        snprintf(as_user, sizeof as_user, "runuser -u nobody -- ");
    }
    chmod(datadir, 0700);
    port = free_port();
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "%s%s/initdb -D '%s/data' -U postgres --auth=trust -E UTF8 --locale=C "
             "> '%s/initdb.log' 2>&1",
             as_user, PG_BIN, datadir, datadir);
    if (tw_run_shell(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "cat '%s/initdb.log' >&2", datadir);
        tw_run_shell(cmd);
        return false;
    }
    snprintf(cmd, sizeof cmd,
             "%s%s/pg_ctl -D '%s/data' -l '%s/server.log' -w -t 60 -o \"-p %d -c "
             "listen_addresses=127.0.0.1 -c unix_socket_directories='%s' -c "
             "log_connections=on -c log_statement=all\" start > /dev/null",
             as_user, PG_BIN, datadir, datadir, port, datadir);
    if (tw_run_shell(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "cat '%s/server.log' >&2", datadir);
        tw_run_shell(cmd);
        return false;
    }
    snprintf(cmd, sizeof cmd,
             "%s/psql -q -h 127.0.0.1 -p %d -U postgres -c 'CREATE DATABASE city' && "
             "%s/psql -q -h 127.0.0.1 -p %d -U postgres -d city -c 'CREATE EXTENSION postgis'",
             PG_BIN, port, PG_BIN, port);
    if (tw_run_shell(cmd) != 0) return false;
    snprintf(conn, sizeof conn, "PG:host=127.0.0.1 port=%d dbname=city user=postgres", port);
    return true;
}

static void pg_stop(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s%s/pg_ctl -D '%s/data' -m immediate stop > /dev/null 2>&1",
             as_user, PG_BIN, datadir);
    tw_run_shell(cmd);
    if (tw_test_failures == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", datadir);
        tw_run_shell(cmd);
    } else {
        fprintf(stderr, "kept %s (server.log there)\n", datadir);
    }
}

/* ogr2ogr -f PostgreSQL PG:... cheongna.geojson -t_srs EPSG:5186 -nln TABLE,
 * with its GiST index or (-lco SPATIAL_INDEX=NONE) without. */
static bool load_buildings(const char *table, bool gist)
{
    GDALDatasetH src = GDALOpenEx(cheongna, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!src) return false;
    char *argv[] = {
        "-f",   "PostgreSQL",  "-t_srs", "EPSG:5186",
        "-nln", (char *)table, "-lco",   gist ? "SPATIAL_INDEX=GIST" : "SPATIAL_INDEX=NONE",
        NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH d = GDALVectorTranslate(conn, NULL, 1, &src, o, NULL);
    GDALVectorTranslateOptionsFree(o);
    if (d) GDALClose(d);
    GDALClose(src);
    return d != NULL;
}

/* Lines of the server's log so far holding what (log_connections,
 * log_statement). */
static int logged(const char *what)
{
    char path[300], line[4096];
    snprintf(path, sizeof path, "%s/server.log", datadir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n += strstr(line, what) != NULL;
    if (f) fclose(f);
    return n;
}

/* A count of a table's rows, as OGR asks it (not the catalog queries). */
#define TABLE_COUNT "SELECT count(*) FROM \""

/* Connections the server has accepted so far. */
static int connections(void)
{
    return logged("connection authorized");
}

/* Seconds the app runs on once the view is complete. */
static const char *wait_s = "0.5";

static json_object *run_table(const char *table, const char *view, const char *tag, int *conns)
{
    int c0 = connections();
    char scene[512], rep[512], err[512], args[2000];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    FILE *f = fopen(scene, "w");
    if (!f) return NULL;
    fprintf(f,
            "{ \"name\": \"postgis\", \"crs\": \"EPSG:5186\",\n"
            "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", \"layer\": "
            "\"%s\", \"height_field\": \"height_m\", \"tile_m\": 500 } ],\n"
            "  \"bookmarks\": [ { \"name\": \"v\", %s } ] }\n",
            conn, table, view);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 640x360 --wait-s %s --report '%s' --bookmark v "
             "'%s'",
             wait_s, rep, scene);
    int rc = tw_run_citytwin(args, err);
    TW_CHECK_MSG(rc == 0, "%s: exit %d", tag, rc);
    *conns = connections() - c0;
    return tw_run_load_json(rep);
}

static json_object *run(const char *view, const char *tag, int *conns)
{
    return run_table("buildings", view, tag, conns);
}

static const char *text(json_object *o, const char *key)
{
    return tw_run_get(o, key) ? json_object_get_string(tw_run_get(o, key)) : "";
}

#define OVERVIEW "\"eye\": [169700, 545000, 2400], \"target\": [167625, 548208, 0]"

static void test_postgis_streams_by_view(void)
{
    int conns = 0;
    json_object *r = run(OVERVIEW, "overview", &conns);
    json_object *l = tw_run_layer(r, "buildings");
    json_object *t = tw_run_get(l, "tiles");
    TW_CHECK_MSG(t && json_object_get_boolean(tw_run_get(t, "streamed")), "layer %s",
                 json_object_to_json_string(l));
    TW_CHECK_STR(text(t, "driver"), "PostgreSQL");
    /* The grid's extent from the GiST index, not a scan of every row; the
     * overview holding every building shows it covers them all. */
    TW_CHECK_STR(text(t, "extent_from"), "index");
    TW_CHECK_MSG(num(t, "features_loaded") == total, "overview holds %ld of %ld",
                 num(t, "features_loaded"), total);
    TW_CHECK(num(tw_run_get(r, "obstacles"), "prisms") == total);
    /* Every tile read reuses an open connection: one per worker at most
     * (the probe's is the first), however many tiles. */
    TW_CHECK_MSG(num(t, "read") > 2 * WORKERS && conns >= 1 && conns <= WORKERS &&
                     num(t, "datasets_opened") == conns,
                 "%d connections for %ld tiles read with %d workers (datasets_opened %ld)", conns,
                 num(t, "read"), WORKERS, num(t, "datasets_opened"));
    fprintf(stderr, "  PostGIS overview: %ld tiles read over %d connections\n", num(t, "read"),
            conns);
    json_object_put(r);

    int counts = logged(TABLE_COUNT);
    r = run("\"eye\": [167400, 547900, 60], \"target\": [167700, 548100, 20]", "street", &conns);
    counts = logged(TABLE_COUNT) - counts;
    t = tw_run_get(tw_run_layer(r, "buildings"), "tiles");
    long loaded = num(t, "features_loaded");
    TW_CHECK_MSG(loaded > 100 && loaded < total * 3 / 4, "street view holds %ld of %ld (%s)",
                 loaded, total, json_object_to_json_string(t));
    TW_CHECK_MSG(conns >= 1 && conns <= WORKERS, "street view: %d connections", conns);
    /* Not every tile held: the table is not counted (a scan at national
     * scale that would tell nothing), by no one (the check of the CRS's
     * area once asked for a count: 2-2.6 s at 6,000,000 rows). */
    TW_CHECK_MSG(tw_run_get(t, "source_features") == NULL && counts == 0,
                 "street view counted the table (%d times): %s", counts,
                 json_object_to_json_string(t));
    fprintf(stderr, "  PostGIS street view: %ld of %ld buildings, %ld of %ld tiles read\n", loaded,
            total, num(t, "read"), num(t, "grid"));
    json_object_put(r);
}

/* A table without a GiST index: PostGIS's estimated extent would come
 * from a sample of rows and might leave some out, so the table is
 * scanned; still every building once. */
static void test_postgis_without_index(void)
{
    int conns = 0;
    json_object *r = run_table("noindex", OVERVIEW, "noindex", &conns);
    json_object *t = tw_run_get(tw_run_layer(r, "buildings"), "tiles");
    TW_CHECK_STR(text(t, "extent_from"), "scan");
    TW_CHECK_MSG(num(t, "features_loaded") == total,
                 "without an index the overview holds %ld of %ld", num(t, "features_loaded"),
                 total);
    json_object_put(r);
}

/* Rows no tile returns: a NULL geometry and an empty polygon. PostGIS
 * keeps no count of its rows (its count is a scan), so the layer counts
 * them on a worker once it streams; with every tile held, the two rows
 * no spatial filter returns are counted as not read, and said once. */
static void test_postgis_rows_without_geometry(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "%s/psql -q -h 127.0.0.1 -p %d -U postgres -d city -c \"INSERT INTO holes "
             "(wkb_geometry, height_m) VALUES (NULL, 10), "
             "(ST_GeomFromText('POLYGON EMPTY', 5186), 12)\"",
             PG_BIN, port);
    TW_CHECK(tw_run_shell(cmd) == 0);
    int conns = 0;
    /* Every tile in view (top-down from 7 km, each over 27 px); the count
     * comes after the tiles: time for it on a loaded machine. */
    wait_s = "3";
    int counts = logged(TABLE_COUNT);
    json_object *r =
        run_table("holes", "\"eye\": [167625, 548207, 7000], \"target\": [167625, 548208, 0]",
                  "holes", &conns);
    counts = logged(TABLE_COUNT) - counts;
    wait_s = "0.5";
    TW_CHECK_MSG(counts == 1, "the table counted %d times", counts);
    json_object *l = tw_run_layer(r, "buildings");
    json_object *t = tw_run_get(l, "tiles"), *sk = tw_run_get(l, "skipped");
    long unread = num(sk, "not read: no geometry, or unreadable");
    fprintf(stderr,
            "  PostGIS with 2 rows without a geometry: %ld of %ld loaded, %ld not read, "
            "%ld of %ld tiles read over %d connections\n",
            num(t, "features_loaded"), num(t, "source_features"), unread, num(t, "read"),
            num(t, "grid"), conns);
    TW_CHECK_MSG(conns >= 1 && conns <= WORKERS, "%d connections", conns);
    TW_CHECK_MSG(num(t, "features_loaded") == total && num(t, "source_features") == total + 2 &&
                     unread == 2,
                 "loaded %ld of %ld, source %ld, skipped %s", num(t, "features_loaded"), total,
                 num(t, "source_features"), json_object_to_json_string(sk));
    char path[600];
    snprintf(path, sizeof path, "%s/holes.err", tw_run_tmpdir());
    char *err = tw_run_read_text(path);
    int said = 0;
    for (const char *s = err; s && (s = strstr(s, "no geometry, or unreadable")) != NULL; s++)
        said++;
    TW_CHECK_MSG(said == 1, "the skip said %d times:\n%s", said, err ? err : "");
    free(err);
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (access(PG_BIN "/initdb", X_OK) != 0 || access(POSTGIS_CONTROL, R_OK) != 0)
        TW_SKIP("PostgreSQL 15 + PostGIS 3 are not installed (Debian postgresql-15-postgis-3)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    char w[16];
    snprintf(w, sizeof w, "%d", WORKERS);
    setenv("CITYTWIN_WORKERS", w, 1);
    if (!GDALGetDriverByName("PostgreSQL")) TW_SKIP("this GDAL has no PostgreSQL driver");
    tw_test_shipped("assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", cheongna,
                    sizeof cheongna);
    GDALDatasetH ds = GDALOpenEx(cheongna, GDAL_OF_VECTOR, NULL, NULL, NULL);
    total = ds ? (long)OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), TRUE) : 0;
    if (ds) GDALClose(ds);
    if (!pg_start()) {
        fprintf(stderr, "the temporary PostgreSQL cluster did not start\n");
        pg_stop();
        return 1;
    }
    TW_CHECK_MSG(load_buildings("buildings", true) && load_buildings("noindex", false) &&
                     load_buildings("holes", true),
                 "ogr2ogr into %s failed: %s", conn, CPLGetLastErrorMsg());
    TW_RUN(test_postgis_streams_by_view);
    TW_RUN(test_postgis_without_index);
    TW_RUN(test_postgis_rows_without_geometry);
    pg_stop();
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
