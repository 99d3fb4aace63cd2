/* The buildings cache through the real binary: a first start writes it, a
 * second reads it (the same picture and report), a cache cut short or
 * corrupted, or one whose arrays' offsets are wrong under a matching
 * checksum, is rejected with one warning naming it and rebuilt (the layer
 * still loads every building), an edited source misses, and "cache": false
 * leaves it alone. Over HTTP (nginx) the same: a second start hits, a file
 * changed on the server misses. */
#include "geo_buildings.h"
#include "tw_file.h"
#include "tw_run.h"
#include "tw_test.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static char src[1024], xdg[700], cdir[800];
static const char *source = src; /* what the scenes read */

typedef struct outcome {
    char cache[16];
    long features;
    long prisms;    /* the obstacles published */
    double top_max; /* their tallest top */
    double loaded_ms, written_ms; /* the layer loaded; the cache written after (0: not so) */
    double features_read_ms;      /* an OGR read had read every feature (0: none) */
    double warm_at_ms;            /* the headless warm began (0: it did not run) */
    char *err;
} outcome;

static outcome run(const char *tag, const char *extra)
{
    outcome o = {"", -1, -1, 0, 0, 0, 0, 0, NULL};
    char scene[512], png[512], rep[512], err[512], args[2000];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    FILE *f = fopen(scene, "w");
    if (!f) return o;
    fprintf(f,
            "{ \"name\": \"cache\", \"crs\": \"EPSG:5186\",\n"
            "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", "
            "\"height_field\": \"height_m\" %s } ],\n"
            "  \"bookmarks\": [ { \"name\": \"v\", \"eye\": [169700, 545000, 2400], "
            "\"target\": [167625, 548208, 0] } ] }\n",
            source, extra);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 480x270 --snapshot '%s' --report '%s' "
             "--bookmark v '%s'",
             png, rep, scene);
    TW_CHECK_MSG(tw_run_citytwin(args, err) == 0, "%s: exit status", tag);
    json_object *r = tw_run_load_json(rep);
    json_object *l = tw_run_layer(r, "buildings");
    if (tw_run_get(l, "cache"))
        snprintf(o.cache, sizeof o.cache, "%s", json_object_get_string(tw_run_get(l, "cache")));
    if (tw_run_get(l, "features")) o.features = json_object_get_int64(tw_run_get(l, "features"));
    json_object *ob = tw_run_get(r, "obstacles");
    if (tw_run_get(ob, "prisms")) o.prisms = json_object_get_int64(tw_run_get(ob, "prisms"));
    if (tw_run_get(ob, "top_max_m")) o.top_max = tw_run_num(ob, "top_max_m");
    if (tw_run_get(r, "loaded_ms")) o.loaded_ms = tw_run_num(r, "loaded_ms");
    if (tw_run_get(l, "cache_written_ms")) o.written_ms = tw_run_num(l, "cache_written_ms");
    if (tw_run_get(l, "features_read_ms")) o.features_read_ms = tw_run_num(l, "features_read_ms");
    if (tw_run_get(r, "warm_at_ms")) o.warm_at_ms = tw_run_num(r, "warm_at_ms");
    o.err = tw_run_read_text(err);
    json_object_put(r);
    return o;
}

/* The one cache file there (its path into out), or false. */
static bool cache_file(char *out, size_t n)
{
    DIR *d = opendir(cdir);
    int count = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".bin")) snprintf(out, n, "%s/%s", cdir, e->d_name), count++;
    if (d) closedir(d);
    return count == 1;
}

static bool same_picture(const char *a, const char *b)
{
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s.png", tw_run_tmpdir(), a);
    snprintf(pb, sizeof pb, "%s/%s.png", tw_run_tmpdir(), b);
    tw_image x, y;
    if (!tw_img_load(pa, &x) || !tw_img_load(pb, &y)) return false;
    tw_img_diff d = tw_img_compare(&x, &y, 0);
    free(x.pixels), free(y.pixels);
    return d.same_size && d.mad == 0;
}

/* Moves the features' offset in cache file by delta (it follows the
 * points and three int32; the payload follows the key padded to 8 and the
 * length) and makes the checksum match again. */
static bool move_features_offset(const char *file, int64_t delta)
{
    char *data = NULL;
    size_t len = 0;
    if (tw_file_read(file, 1 << 28, &data, &len) != TW_OK || len < 64) return free(data), false;
    uint32_t klen;
    memcpy(&klen, data + 12, 4);
    size_t at = 16 + (size_t)klen;
    at += (8 - at % 8) % 8 + 8;
    /* The features' offset: after the points (their count at 0, their
     * offset at 8), count and rings. */
    int32_t points;
    uint64_t xy, off, plen = len - at - 8;
    memcpy(&points, data + at, 4);
    memcpy(&xy, data + at + 8, 8);
    size_t field = at + (size_t)xy + (size_t)points * 16 + 8;
    if (field + 8 > len) return free(data), false;
    memcpy(&off, data + field, 8);
    off += (uint64_t)delta;
    memcpy(data + field, &off, 8);
    uint64_t sum = geo_buildings_cache_sum(data + at, plen);
    memcpy(data + at + plen, &sum, 8);
    FILE *f = fopen(file, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = false;
    free(data);
    return ok;
}

static void test_cache_cycle(void)
{
    outcome first = run("first", "");
    TW_CHECK_STR(first.cache, "written");
    char file[1200];
    TW_CHECK_MSG(cache_file(file, sizeof file), "no single cache file in %s", cdir);
    outcome second = run("second", "");
    TW_CHECK_STR(second.cache, "hit");
    TW_CHECK(second.features == first.features && first.features > 2000);
    TW_CHECK_MSG(same_picture("first", "second"), "the cached buildings draw differently");
    /* The obstacles (made on a worker, the points handed over from the
     * mapped file) are the same set, published by the first complete frame. */
    TW_CHECK_MSG(second.prisms == first.features && first.prisms == first.features &&
                     second.top_max == first.top_max && first.top_max > 0,
                 "obstacles: %ld prisms (top %.2f m) written, %ld (%.2f m) hit", first.prisms,
                 first.top_max, second.prisms, second.top_max);

    /* Cut short: rejected with one line naming the file, rebuilt. */
    TW_CHECK(truncate(file, 4096) == 0);
    outcome cut = run("cut", "");
    TW_CHECK_STR(cut.cache, "rebuilt");
    TW_CHECK(cut.features == first.features);
    TW_CHECK_MSG(cut.err && strstr(cut.err, "cache cannot be trusted") && strstr(cut.err, file) &&
                     strstr(cut.err, "cut short"),
                 "stderr: %s", cut.err ? cut.err : "");
    TW_CHECK_MSG(same_picture("first", "cut"), "the rebuilt buildings draw differently");
    outcome again = run("again", "");
    TW_CHECK_STR(again.cache, "hit");

    /* Garbage of the right length: the checksum catches it. */
    FILE *f = fopen(file, "r+b");
    if (f) {
        fseek(f, -100, SEEK_END);
        fputs("not the bytes that were written", f);
        fclose(f);
    }
    outcome bad = run("bad", "");
    TW_CHECK_STR(bad.cache, "rebuilt");
    TW_CHECK_MSG(bad.err && strstr(bad.err, "checksum"), "stderr: %s", bad.err ? bad.err : "");

    /* An array's offset moved off its alignment, under a checksum made to
     * match (a file written wrong, not damaged on the way): the reader's
     * own checks reject it, and the layer is rebuilt as it was. */
    TW_CHECK_MSG(move_features_offset(file, 4), "could not rewrite %s", file);
    outcome skew = run("skew", "");
    TW_CHECK_STR(skew.cache, "rebuilt");
    TW_CHECK(skew.features == first.features);
    TW_CHECK_MSG(skew.err && strstr(skew.err, "cache cannot be trusted") &&
                     strstr(skew.err, "inconsistent arrays"),
                 "stderr: %s", skew.err ? skew.err : "");
    TW_CHECK_MSG(same_picture("first", "skew"), "the rebuilt buildings draw differently");
    /* Past the file's end: the same. */
    TW_CHECK_MSG(move_features_offset(file, 1ll << 40), "could not rewrite %s", file);
    outcome far = run("far", "");
    TW_CHECK_STR(far.cache, "rebuilt");
    TW_CHECK_MSG(far.err && strstr(far.err, "inconsistent arrays"), "stderr: %s",
                 far.err ? far.err : "");
    free(skew.err), free(far.err);

    /* "cache": false neither reads nor writes it. */
    outcome off = run("off", ", \"cache\": false");
    TW_CHECK_STR(off.cache, "off");
    TW_CHECK(off.features == first.features);
    free(first.err), free(second.err), free(cut.err), free(again.err), free(bad.err), free(off.err);
}

/* A large read whole (its points in the cache's own file: a GeoPackage, from
 * CITYTWIN_POINTS_FILE_FROM features instead of 20,000 here) is handed to
 * the main thread first and its cache written beside the first frame: the
 * report says when the write ended; the next start hits and draws the
 * same. A scenario's edit made meanwhile does not reach the cache. */
static void test_written_after_handover(void)
{
    if (system("command -v ogr2ogr >/dev/null 2>&1") != 0) {
        fprintf(stderr, "  (ogr2ogr is not installed: the GeoPackage case is not run)\n");
        return;
    }
    char gpkg[1100], cmd[2400];
    snprintf(gpkg, sizeof gpkg, "%s/cheongna.gpkg", tw_run_tmpdir());
    snprintf(cmd, sizeof cmd, "ogr2ogr -f GPKG '%s' '%s' > /dev/null 2>&1", gpkg, src);
    TW_CHECK(tw_run_shell(cmd) == 0);
    source = gpkg;
    setenv("CITYTWIN_POINTS_FILE_FROM", "1000", 1);
    outcome first = run("gpkg_first", ", \"stream\": false");
    TW_CHECK_STR(first.cache, "written");
    /* (It may end before the app notes the scene loaded: the write of
     * 2,204 buildings takes about a millisecond.) */
    TW_CHECK_MSG(first.written_ms > 0, "no cache_written_ms (the scene loaded at %.1f ms)",
                 first.loaded_ms);
    /* The GL's warm-up (headless) waits until every feature is read: it
     * would take a core from the read. */
    TW_CHECK_MSG(first.features_read_ms > 0 && first.warm_at_ms >= first.features_read_ms &&
                     first.features_read_ms <= first.loaded_ms,
                 "features read at %.1f ms, warm-up at %.1f ms, loaded at %.1f ms",
                 first.features_read_ms, first.warm_at_ms, first.loaded_ms);
    outcome second = run("gpkg_second", ", \"stream\": false");
    TW_CHECK_STR(second.cache, "hit");
    /* (A read of the cache reads no features through OGR.) */
    TW_CHECK(second.written_ms == 0 && second.features_read_ms == 0);
    TW_CHECK(second.features == first.features && first.features > 2000);
    TW_CHECK_MSG(same_picture("gpkg_first", "gpkg_second"),
                 "the cached buildings draw differently");
    TW_CHECK_MSG(second.prisms == first.features && first.prisms == first.features &&
                     second.top_max == first.top_max,
                 "obstacles: %ld prisms (top %.2f m) written, %ld (%.2f m) hit", first.prisms,
                 first.top_max, second.prisms, second.top_max);

    /* A scenario's edit (one building raised to 600 m) arrives while the
     * cache's write is out: it waits for the write (here done by the main
     * thread, the worker not having begun), so the cache holds the
     * source's heights, and the next start without the scenario hits and
     * draws the buildings as they are. */
    char plan[1100];
    snprintf(plan, sizeof plan, "%s/raise.geojson", tw_run_tmpdir());
    tw_run_write_text(plan, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
                            "\"Feature\",\"properties\":{\"op\":\"raise\",\"fid\":1,"
                            "\"height_m\":600},\"geometry\":null}]}");
    snprintf(cmd, sizeof cmd, "rm -f '%s'/*.bin", cdir);
    TW_CHECK(tw_run_shell(cmd) == 0);
    /* The writer begins late: the edit surely comes while the write is out. */
    setenv("CITYTWIN_CACHE_WRITE_DELAY_S", "0.5", 1);
    outcome edit = run("gpkg_edit", ", \"stream\": false }, { \"kind\": \"scenario\", "
                                    "\"source\": \"raise.geojson\"");
    unsetenv("CITYTWIN_CACHE_WRITE_DELAY_S");
    TW_CHECK_STR(edit.cache, "written");
    TW_CHECK_MSG(edit.written_ms > 0 && edit.top_max == 600, "edit: written at %.1f ms, top %.2f m",
                 edit.written_ms, edit.top_max);
    outcome after = run("gpkg_after_edit", ", \"stream\": false");
    TW_CHECK_STR(after.cache, "hit");
    TW_CHECK_MSG(after.top_max == first.top_max && after.top_max < 600,
                 "the cache kept an edited height: top %.2f m, the source's %.2f m", after.top_max,
                 first.top_max);
    TW_CHECK_MSG(same_picture("gpkg_first", "gpkg_after_edit"),
                 "the cache written beside an edit draws differently");
    unsetenv("CITYTWIN_POINTS_FILE_FROM");
    source = src;
    free(first.err), free(second.err), free(edit.err), free(after.err);
}

/* The same file served by nginx (/vsicurl/): keyed by the URL, size,
 * Last-Modified and ETag, so a second start hits and a file changed on
 * the server misses. */
static void test_http_cache(void)
{
    if (!tw_nginx_available()) {
        fprintf(stderr, "  (nginx is not installed: the HTTP case is not run)\n");
        return;
    }
    tw_nginx ng;
    TW_CHECK(tw_nginx_start(&ng, tw_run_tmpdir()));
    if (!ng.running) return;
    char url[300];
    snprintf(url, sizeof url, "/vsicurl/http://127.0.0.1:%d/cheongna.geojson", ng.port);
    source = url;
    outcome first = run("http_first", "");
    TW_CHECK_STR(first.cache, "written");
    tw_nginx_reset_log(&ng);
    outcome second = run("http_second", "");
    TW_CHECK_STR(second.cache, "hit");
    TW_CHECK(second.features == first.features && first.features > 2000);
    TW_CHECK_MSG(same_picture("http_first", "http_second"),
                 "the cached buildings draw differently");
    /* A hit asks for the headers only, never the body. */
    tw_nginx_totals tot = tw_nginx_read_log(&ng, "cheongna.geojson");
    TW_CHECK_MSG(tot.bytes < 4096, "a cache hit fetched %lld bytes in %d requests", tot.bytes,
                 tot.requests);

    /* Changed on the server (one more byte, a newer time): a miss. */
    FILE *f = fopen(src, "ab");
    if (f) fputs("\n", f), fclose(f);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec += 60, tv[1] = tv[0];
    TW_CHECK(utimes(src, tv) == 0);
    outcome changed = run("http_changed", "");
    TW_CHECK_STR(changed.cache, "written");
    TW_CHECK(changed.features == first.features);
    outcome again = run("http_again", "");
    TW_CHECK_STR(again.cache, "hit");
    source = src;
    tw_nginx_stop(&ng);
    free(first.err), free(second.err), free(changed.err), free(again.err);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    char shipped[1024];
    tw_test_shipped("assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", shipped,
                    sizeof shipped);
    /* A copy of its own: no other test's cache of the shipped file. */
    snprintf(src, sizeof src, "%s/cheongna.geojson", tw_run_tmpdir());
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", shipped, src);
    TW_CHECK(tw_run_shell(cmd) == 0);
    snprintf(xdg, sizeof xdg, "%s/xdg", tw_run_tmpdir());
    snprintf(cdir, sizeof cdir, "%s/citytwin", xdg);
    setenv("XDG_CACHE_HOME", xdg, 1);
    TW_RUN(test_cache_cycle);
    TW_RUN(test_written_after_handover);
    TW_RUN(test_http_cache);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
