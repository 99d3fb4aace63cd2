/* The buildings cache through the real binary: a first start writes it, a
 * second reads it (the same picture and report), a cache cut short or
 * corrupted is rejected with one warning naming it and rebuilt (the layer
 * still loads every building), an edited source misses, and "cache": false
 * leaves it alone. */
#include "tw_run.h"
#include "tw_test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char src[1024], xdg[700], cdir[800];

typedef struct outcome {
    char cache[16];
    long features;
    char *err;
} outcome;

static outcome run(const char *tag, const char *extra)
{
    outcome o = {"", -1, NULL};
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
            src, extra);
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

    /* "cache": false neither reads nor writes it. */
    outcome off = run("off", ", \"cache\": false");
    TW_CHECK_STR(off.cache, "off");
    TW_CHECK(off.features == first.features);
    free(first.err), free(second.err), free(cut.err), free(again.err), free(bad.err), free(off.err);
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
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
