/* Streaming by view stays bounded when the source grows 10x: the bench's
 * generator writes a Seoul-extent set (2,000 buildings) and a national one
 * of 5 x 2 Seoul-sized blocks of 2,000 whose first block is that same set,
 * both FlatGeobuf with their index; the same street view in Seoul reads
 * the same tiles and at most 1.5x the bytes from both (the bigger index
 * walked deeper). With "read_px": 3 (every tile in view to 60 km, as before the
 * threshold) the bigger file costs several times the tiles: the check can
 * fail. */
#include "bench_buildings_gen.h"
#include "tw_run.h"
#include "tw_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STREET "\"eye\": [197000, 550000, 60], \"target\": [197300, 550200, 20]"

typedef struct seen {
    long tiles, buildings, bytes;
} seen;

static long num(json_object *o, const char *key)
{
    return tw_run_get(o, key) ? json_object_get_int64(tw_run_get(o, key)) : -1;
}

static seen run(const char *source, const char *extra, const char *tag)
{
    seen s = {-1, -1, -1};
    char scene[1500];
    snprintf(scene, sizeof scene,
             "{ \"name\": \"scale\", \"crs\": \"EPSG:5186\",\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\" %s } ],\n"
             "  \"bookmarks\": [ { \"name\": \"v\", " STREET " } ] }\n",
             source, extra);
    int rc = 0;
    json_object *r = tw_run_scene(scene, tag, "--bookmark v --wait-s 0.3", &rc);
    TW_CHECK_MSG(rc == 0 && r, "%s: exit %d", tag, rc);
    json_object *t = tw_run_get(tw_run_layer(r, "buildings"), "tiles");
    TW_CHECK_MSG(t && json_object_get_boolean(tw_run_get(t, "streamed")), "%s: not streamed", tag);
    s.tiles = num(t, "read");
    s.buildings = num(t, "features_loaded");
    s.bytes = num(tw_run_get(r, "memory"), "read_bytes_to_complete_frame");
    json_object_put(r);
    return s;
}

static void test_street_view_bounded_when_source_grows(void)
{
    char assets[1024], small[600], big[600], err[512];
    tw_test_shipped("assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", assets,
                    sizeof assets);
    *strrchr(assets, '/') = 0;
    snprintf(small, sizeof small, "%s/seoul.fgb", tw_run_tmpdir());
    snprintf(big, sizeof big, "%s/national.fgb", tw_run_tmpdir());
    bbg_counts c;
    TW_CHECK_MSG(bbg_generate(assets, 2000, NULL, small, &c, err, sizeof err), "%s", err);
    TW_CHECK_MSG(bbg_generate_national(assets, 2000, 5, 2, big, &c, err, sizeof err), "%s", err);
    TW_CHECK(c.features == 20000);
    struct stat a, b;
    TW_CHECK(stat(small, &a) == 0 && stat(big, &b) == 0 && b.st_size > 8 * a.st_size);
    seen s = run(small, "", "small"), g = run(big, "", "big");
    fprintf(stderr,
            "  street view: %ld / %ld tiles, %ld / %ld buildings, %ld / %ld bytes read "
            "(2,000 / 20,000)\n",
            s.tiles, g.tiles, s.buildings, g.buildings, s.bytes, g.bytes);
    TW_CHECK_MSG(s.tiles > 10 && s.buildings > 10, "the street view read %ld tiles", s.tiles);
    TW_CHECK_MSG(g.tiles <= s.tiles + s.tiles / 20 && g.buildings <= s.buildings + s.buildings / 20,
                 "10x the source: %ld tiles and %ld buildings against %ld and %ld", g.tiles,
                 g.buildings, s.tiles, s.buildings);
    /* Bytes: the bigger file's index is walked deeper by every tile's query,
     * and at 2,000 buildings a block it is most of what a view reads (at
     * 600,000 a block: 1.06x, bench_buildings_scale). */
    TW_CHECK_MSG(g.bytes > 0 && g.bytes <= s.bytes + s.bytes / 2,
                 "10x the source: %ld bytes read against %ld", g.bytes, s.bytes);
    /* Every tile in view to the horizon: the cost follows the dataset. */
    seen all = run(big, ", \"read_px\": 3", "big_all");
    TW_CHECK_MSG(all.tiles > 2 * g.tiles, "read_px 3: %ld tiles, default %ld", all.tiles, g.tiles);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    TW_RUN(test_street_view_bounded_when_source_grows);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
