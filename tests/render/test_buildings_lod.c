/* The buildings' levels at a grazing view, through the real binary: a
 * synthetic district of 10,000 L-shaped buildings 40 m apart over 2 x 8 km
 * seen from 600 m up, 1 km south of it. Every 500 m chunk is over 20 px
 * wide on screen (the old rule, by the chunk's longer side, drew all in
 * full); by screen-space error the chunks near the eye stay in full, the
 * far ones are boxes and blocks: under half the triangles, under half
 * a triangle a pixel, and a picture close to the full one (far_px 0). */
#include "tw_run.h"
#include "tw_test.h"

#include <stdio.h>
#include <stdlib.h>

#define X0 200000.0
#define Y0 550000.0

static long num(json_object *o, const char *key)
{
    return tw_run_get(o, key) ? json_object_get_int64(tw_run_get(o, key)) : -1;
}

/* 50 x 200 L-shaped footprints, 16 m across, 8 to 43 m tall. */
static bool write_district(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    int n = 0;
    for (int j = 0; j < 200; j++)
        for (int i = 0; i < 50; i++) {
            double x = X0 + i * 40.0 + (j % 3) * 4, y = Y0 + j * 40.0 + (i % 4) * 3;
            double h = 8 + (double)((i * 7 + j * 13) % 36);
            fprintf(f,
                    "%s{\"type\":\"Feature\",\"properties\":{\"height_m\":%.0f},\"geometry\":"
                    "{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                    "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}\n",
                    n++ ? "," : "", h, x, y, x + 16, y, x + 16, y + 7, x + 7, y + 7, x + 7, y + 16,
                    x, y + 16, x, y);
        }
    fprintf(f, "]}\n");
    return fclose(f) == 0;
}

static char src[600];

static json_object *run_at(const char *keys, const char *tag, const double eye[3],
                           const double target[3], const char *extra)
{
    char scene[2048];
    snprintf(scene, sizeof scene,
             "{ \"name\": \"lod\", \"crs\": \"EPSG:5186\",\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\",\n"
             "      \"source_crs\": \"EPSG:5186\", \"height_field\": \"height_m\",\n"
             "      \"cache\": false %s } ],\n"
             "  \"bookmarks\": [ { \"name\": \"here\", \"eye\": [%.0f, %.0f, %.0f],\n"
             "                   \"target\": [%.0f, %.0f, %.0f] } ] }\n",
             src, keys, eye[0], eye[1], eye[2], target[0], target[1], target[2]);
    int rc;
    char args[200];
    snprintf(args, sizeof args, "--bookmark here --wait-s 0.5 %s", extra);
    json_object *r = tw_run_scene(scene, tag, args, &rc);
    TW_CHECK_MSG(rc == 0 && r, "%s: exit %d", tag, rc);
    return r;
}

static json_object *run(const char *keys, const char *tag)
{
    return run_at(keys, tag, (double[3]){X0 + 1000, Y0 - 3500, 600},
                  (double[3]){X0 + 1000, Y0 + 5000, 0}, "");
}

static void test_grazing_levels(void)
{
    snprintf(src, sizeof src, "%s/district.geojson", tw_run_tmpdir());
    TW_CHECK(write_district(src));
    json_object *r = run("", "lod"), *z = run(", \"far_px\": 0", "full");
    if (!r || !z) return;
    json_object *l = tw_run_layer(r, "buildings"), *l0 = tw_run_layer(z, "buildings");
    long tris = num(l, "triangles"), tris0 = num(l0, "triangles");
    long chunks = num(l, "chunks_drawn"), far = num(l, "far_chunks"),
         blocks = num(l, "block_chunks");
    fprintf(stderr,
            "  grazing: %ld triangles (%.3f a pixel), %ld chunks (%ld far, %ld blocks); "
            "full: %ld triangles in %ld chunks\n",
            tris, tris / (640.0 * 360.0), chunks, far, blocks, tris0, num(l0, "chunks_drawn"));
    TW_CHECK_MSG(num(l, "features") == 10000 && num(l, "drawn") == num(l0, "drawn") &&
                     chunks == num(l0, "chunks_drawn") && num(l0, "far_chunks") == 0,
                 "drawn %ld / %ld, chunks %ld / %ld", num(l, "drawn"), num(l0, "drawn"), chunks,
                 num(l0, "chunks_drawn"));
    /* Near chunks in full, far ones coarser: boxes and blocks. */
    TW_CHECK_MSG(chunks - far - blocks >= 2 && far >= 1 && blocks >= 1,
                 "%ld chunks: %ld far, %ld blocks", chunks, far, blocks);
    /* A fraction of the triangles, bounded by the screen. */
    TW_CHECK_MSG(tris * 4 < tris0 * 3, "triangles %ld, full %ld", tris, tris0);
    tw_img_diff d = tw_run_compare("lod", "full");
    fprintf(stderr, "  against the full meshes: mad %.3f, %.4f of the pixels off\n", d.mad,
            d.share_off);
    TW_CHECK_MSG(d.same_size && d.mad < 1.5 && d.share_off < 0.02,
                 "levels differ from the full meshes: mad %.3f, %.4f of the pixels off", d.mad,
                 d.share_off);
    char a[600];
    snprintf(a, sizeof a, "%s/lod.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(a, "buildings_lod_grazing"));
    json_object_put(r), json_object_put(z);
}

/* Block groups: seen from high above every chunk of the district is
 * drawn as blocks, and the blocks of each 2 km square of chunks are one
 * mesh, one draw call; the picture, the chunks, buildings and triangles
 * drawn are those of drawing chunk by chunk (CITYTWIN_BLOCK_GROUPS=0). */
static void test_block_groups(void)
{
    snprintf(src, sizeof src, "%s/district.geojson", tw_run_tmpdir());
    TW_CHECK(write_district(src));
    double eye[3] = {X0 + 1000, Y0 + 2500, 25000}, target[3] = {X0 + 1000, Y0 + 4000, 0};
    json_object *on = run_at("", "groups_on", eye, target, "");
    setenv("CITYTWIN_BLOCK_GROUPS", "0", 1);
    json_object *off = run_at("", "groups_off", eye, target, "");
    unsetenv("CITYTWIN_BLOCK_GROUPS");
    if (!on || !off) return;
    json_object *g = tw_run_layer(on, "buildings"), *o = tw_run_layer(off, "buildings");
    long chunks = num(g, "chunks_drawn"), groups = num(g, "block_groups"),
         grouped = num(g, "grouped_chunks"), calls = num(g, "draw_calls");
    fprintf(stderr,
            "  groups: %ld chunks drawn (%ld as blocks) in %ld draw calls, %ld groups of %ld "
            "chunks (%ld group levels made); chunk by chunk: %ld draw calls\n",
            chunks, num(g, "block_chunks"), calls, groups, grouped, num(g, "block_groups_made"),
            num(o, "draw_calls"));
    TW_CHECK_MSG(chunks == 64 && num(g, "block_chunks") == chunks &&
                     num(o, "chunks_drawn") == chunks && num(o, "block_chunks") == chunks,
                 "chunks drawn %ld / %ld, as blocks %ld / %ld", chunks, num(o, "chunks_drawn"),
                 num(g, "block_chunks"), num(o, "block_chunks"));
    TW_CHECK_MSG(groups >= 2 && grouped == chunks && calls == groups &&
                     num(g, "block_groups_made") == groups,
                 "%ld groups of %ld chunks, %ld draw calls, %ld made", groups, grouped, calls,
                 num(g, "block_groups_made"));
    TW_CHECK_MSG(num(o, "block_groups") == 0 && num(o, "draw_calls") == chunks,
                 "off: %ld groups, %ld draw calls", num(o, "block_groups"), num(o, "draw_calls"));
    TW_CHECK(num(g, "drawn") == num(o, "drawn") && num(g, "drawn") == 10000);
    TW_CHECK_MSG(num(g, "triangles") == num(o, "triangles"), "triangles %ld / %ld",
                 num(g, "triangles"), num(o, "triangles"));
    TW_CHECK(num(g, "blocks_made") == num(o, "blocks_made"));
    tw_img_diff d = tw_run_compare("groups_on", "groups_off");
    fprintf(stderr, "  against chunk by chunk: mad %.4f, %.5f of the pixels off\n", d.mad,
            d.share_off);
    TW_CHECK_MSG(d.same_size && d.mad < 0.05 && d.share_off < 0.001,
                 "groups draw another picture: mad %.4f, %.5f of the pixels off", d.mad,
                 d.share_off);
    json_object_put(on), json_object_put(off);
    /* The heights change once the groups are drawn (X four times: the
     * exaggeration 1 -> 5): their meshes are made again, and the picture
     * is still that of the chunks' own blocks, which are made again too. */
    char script[600], extra[700];
    snprintf(script, sizeof script, "%s/groups.script", tw_run_tmpdir());
    FILE *f = fopen(script, "w");
    TW_CHECK(f && fputs("key x\nkey x\nkey x\nkey x\nwait 2\n", f) >= 0);
    if (f) fclose(f);
    snprintf(extra, sizeof extra, "--script '%s'", script);
    on = run_at("", "groups_on_x", eye, target, extra);
    setenv("CITYTWIN_BLOCK_GROUPS", "0", 1);
    off = run_at("", "groups_off_x", eye, target, extra);
    unsetenv("CITYTWIN_BLOCK_GROUPS");
    if (!on || !off) return;
    g = tw_run_layer(on, "buildings"), o = tw_run_layer(off, "buildings");
    TW_CHECK_MSG(num(g, "block_groups") == groups && num(g, "block_groups_made") >= 2 * groups,
                 "after X: %ld groups drawn, %ld group levels made (%ld groups)",
                 num(g, "block_groups"), num(g, "block_groups_made"), groups);
    d = tw_run_compare("groups_on_x", "groups_off_x");
    tw_img_diff moved = tw_run_compare("groups_on_x", "groups_on");
    fprintf(stderr,
            "  after X: against chunk by chunk mad %.4f, %.5f off; against before X mad %.4f, "
            "%.5f off\n",
            d.mad, d.share_off, moved.mad, moved.share_off);
    TW_CHECK_MSG(d.same_size && d.mad < 0.01 && d.share_off < 0.0002,
                 "after X, groups draw another picture: mad %.4f, %.5f of the pixels off", d.mad,
                 d.share_off);
    TW_CHECK_MSG(moved.mad > 0.05 && moved.share_off > 0.0005,
                 "X changed too little to tell: mad %.4f, %.5f off", moved.mad, moved.share_off);
    json_object_put(on), json_object_put(off);
}

/* Blocks ray-cast from their tops (the default, "cast_blocks"): drawn
 * as 2 triangles a block instead of 10, the boxes' own picture. From
 * high above (walls under a pixel, blended in by their share), from an
 * oblique 2 km (every chunk forced to blocks: walls several pixels tall,
 * each a face hit by the rays) and at noon (the shadows on the tops and
 * walls); an eye under the tops, or buildings seen through, draw the
 * boxes themselves. */
static void test_cast_blocks(void)
{
    snprintf(src, sizeof src, "%s/district.geojson", tw_run_tmpdir());
    TW_CHECK(write_district(src));
    const char *forced = ", \"far_px\": 1000, \"block_px\": 1000";
    static const struct {
        const char *tag, *keys, *extra;
        double eye[3], at[3];
        double mad, share; /* the most the two pictures may differ */
    } views[] = {
        {"high", "", "", {X0 + 1000, Y0 + 2500, 25000}, {X0 + 1000, Y0 + 4000, 0}, 0.5, 0.01},
        /* Walls under a pixel (about 0.5 px): blended in by their share
         * (mad 0.05; left out, 0.115). */
        {"far", NULL, "", {X0 + 1000, Y0 - 6000, 6000}, {X0 + 1000, Y0 + 4000, 0}, 0.08, 0.01},
        {"oblique", NULL, "", {X0 + 1000, Y0 - 1500, 1500}, {X0 + 1000, Y0 + 3000, 0}, 0.5, 0.01},
        {"noon",
         NULL,
         "--time 2026-12-22T12:00:00+09:00",
         {X0 + 1000, Y0 - 1500, 1500},
         {X0 + 1000, Y0 + 3000, 0},
         0.5,
         0.01},
        /* 30 m up (tilted under the camera's most), the tops up to 43 m. */
        {"under", NULL, "", {X0 + 1000, Y0 - 100, 30}, {X0 + 1000, Y0 + 200, 0}, 0, 0},
    };
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        char keys[2][200], tag[2][40];
        const char *base = views[i].keys ? views[i].keys : forced;
        snprintf(keys[0], sizeof keys[0], "%s", base);
        snprintf(keys[1], sizeof keys[1], "%s, \"cast_blocks\": false", base);
        json_object *r[2];
        for (int k = 0; k < 2; k++) {
            snprintf(tag[k], sizeof tag[k], "cast_%s_%s", views[i].tag, k ? "boxes" : "cast");
            r[k] = run_at(keys[k], tag[k], views[i].eye, views[i].at, views[i].extra);
        }
        if (!r[0] || !r[1]) return;
        json_object *c = tw_run_layer(r[0], "buildings"), *b = tw_run_layer(r[1], "buildings");
        long blocks = num(c, "block_chunks"), cast = num(c, "cast_chunks");
        tw_img_diff d = tw_run_compare(tag[0], tag[1]);
        fprintf(stderr,
                "  %s: %ld chunks as blocks, %ld cast: %ld triangles, as boxes %ld; "
                "pictures: mad %.3f, %.4f off\n",
                views[i].tag, blocks, cast, num(c, "triangles"), num(b, "triangles"), d.mad,
                d.share_off);
        TW_CHECK_MSG(num(c, "drawn") == num(b, "drawn") && blocks == num(b, "block_chunks") &&
                         num(b, "cast_chunks") == 0,
                     "%s: drawn %ld / %ld, blocks %ld / %ld, boxes cast %ld", views[i].tag,
                     num(c, "drawn"), num(b, "drawn"), blocks, num(b, "block_chunks"),
                     num(b, "cast_chunks"));
        if (views[i].mad > 0) {
            /* Every chunk in blocks, each a top of 2 triangles, not a box of 10. */
            TW_CHECK_MSG(blocks == num(c, "chunks_drawn") && blocks >= 16 && cast == blocks &&
                             num(c, "triangles") * 5 == num(b, "triangles"),
                         "%s: %ld blocks of %ld chunks, %ld cast, triangles %ld / %ld",
                         views[i].tag, blocks, num(c, "chunks_drawn"), cast, num(c, "triangles"),
                         num(b, "triangles"));
            TW_CHECK_MSG(d.same_size && d.mad < views[i].mad && d.share_off < views[i].share,
                         "%s: cast blocks draw another picture: mad %.3f, %.4f off", views[i].tag,
                         d.mad, d.share_off);
        } else {
            /* Under the tops: no block cast, the very same picture. */
            TW_CHECK_MSG(blocks > 0 && cast == 0 && num(c, "triangles") == num(b, "triangles"),
                         "%s: %ld blocks, %ld cast", views[i].tag, blocks, cast);
            TW_CHECK_MSG(d.same_size && d.share_off == 0, "%s: pictures differ: %.5f off",
                         views[i].tag, d.share_off);
        }
        json_object_put(r[0]), json_object_put(r[1]);
    }
    /* Seen through (a colour's alpha under 1): the boxes, whose far walls show. */
    json_object *see =
        run_at(", \"color\": [0.9, 0.5, 0.3, 0.6]", "cast_see_through",
               (double[3]){X0 + 1000, Y0 + 2500, 25000}, (double[3]){X0 + 1000, Y0 + 4000, 0}, "");
    if (!see) return;
    json_object *l = tw_run_layer(see, "buildings");
    TW_CHECK_MSG(num(l, "block_chunks") > 0 && num(l, "cast_chunks") == 0,
                 "see-through: %ld blocks, %ld cast", num(l, "block_chunks"),
                 num(l, "cast_chunks"));
    json_object_put(see);
}

/* llvmpipe finishing every few hundred indices (rn_sync: the bound on
 * its queued scenes, 250,000 indices by default), or flushing (handing
 * what is binned to its threads: 100,000 by default), draws the same
 * picture as doing neither, and the report counts both. */
static void test_sync_mid_frame(void)
{
    snprintf(src, sizeof src, "%s/district.geojson", tw_run_tmpdir());
    TW_CHECK(write_district(src));
    setenv("CITYTWIN_SW_SYNC_INDICES", "0", 1);
    setenv("CITYTWIN_SW_FLUSH_INDICES", "0", 1);
    json_object *never = run("", "never");
    setenv("CITYTWIN_SW_FLUSH_INDICES", "300", 1);
    json_object *flushed = run("", "flushed");
    setenv("CITYTWIN_SW_FLUSH_INDICES", "0", 1);
    setenv("CITYTWIN_SW_SYNC_INDICES", "300", 1);
    json_object *often = run("", "often");
    unsetenv("CITYTWIN_SW_SYNC_INDICES");
    unsetenv("CITYTWIN_SW_FLUSH_INDICES");
    if (flushed) {
        json_object *mf = tw_run_get(flushed, "memory");
        fprintf(stderr, "  flushes every 300 indices: %ld (finishes %ld)\n", num(mf, "flushes"),
                num(mf, "syncs"));
        TW_CHECK_MSG(num(mf, "flush_every_indices") == 300 && num(mf, "flushes") >= 20 &&
                         num(mf, "syncs") == 0,
                     "flushed: every %ld, %ld flushes, %ld finishes",
                     num(mf, "flush_every_indices"), num(mf, "flushes"), num(mf, "syncs"));
        tw_img_diff df = tw_run_compare("never", "flushed");
        TW_CHECK_MSG(df.same_size && df.share_off == 0, "flushed: pictures differ: %.5f off",
                     df.share_off);
        json_object_put(flushed);
    }
    if (!never || !often) return;
    json_object *m0 = tw_run_get(never, "memory"), *m1 = tw_run_get(often, "memory");
    long frames = num(tw_run_get(often, "frames"), "count");
    long tris = num(tw_run_layer(often, "buildings"), "triangles");
    fprintf(stderr,
            "  finishes: %ld never, %ld every 300 indices over %ld frames of %ld triangles\n",
            num(m0, "syncs"), num(m1, "syncs"), frames, tris);
    TW_CHECK_MSG(num(m0, "sync_every_indices") == 0 && num(m0, "syncs") == 0 &&
                     num(m0, "flushes") == 0,
                 "never: every %ld, %ld finishes", num(m0, "sync_every_indices"), num(m0, "syncs"));
    /* A frame of the district draws tens of thousands of indices: many
     * finishes (frames before the load ends draw none). */
    TW_CHECK_MSG(num(m1, "sync_every_indices") == 300 && frames > 0 && tris > 0 &&
                     num(m1, "syncs") >= 20,
                 "often: every %ld, %ld finishes over %ld frames", num(m1, "sync_every_indices"),
                 num(m1, "syncs"), frames);
    tw_img_diff d = tw_run_compare("never", "often");
    fprintf(stderr, "  finishing often against never: mad %.4f, %.5f of the pixels off\n", d.mad,
            d.share_off);
    TW_CHECK_MSG(d.same_size && d.share_off == 0, "pictures differ: mad %.4f, %.5f off", d.mad,
                 d.share_off);
    json_object_put(never), json_object_put(often);
}

/* Fills take two shortcuts: opaque items (the buildings' colours all
 * have alpha 1) are drawn without blending, and while there is no shadow
 * map (at night) a program without the shadow taps is. Both draw the
 * same picture as the plain way (CITYTWIN_FILL_PLAIN=1), at noon with
 * the shadows and at night, and the report counts them. */
static void test_fill_shortcuts(void)
{
    snprintf(src, sizeof src, "%s/district.geojson", tw_run_tmpdir());
    TW_CHECK(write_district(src));
    static const char *const when[2] = {"--time 2026-12-22T12:00:00+09:00",
                                        "--time 2026-12-22T23:00:00+09:00"};
    static const char *const tag[2][2] = {{"noon_fast", "noon_plain"},
                                          {"night_fast", "night_plain"}};
    const double eye[3] = {X0 + 1000, Y0 - 600, 300}, at[3] = {X0 + 1000, Y0 + 1500, 0};
    for (int w = 0; w < 2; w++) {
        json_object *r[2];
        for (int plain = 0; plain < 2; plain++) {
            if (plain) setenv("CITYTWIN_FILL_PLAIN", "1", 1);
            r[plain] = run_at("", tag[w][plain], eye, at, when[w]);
            unsetenv("CITYTWIN_FILL_PLAIN");
        }
        if (!r[0] || !r[1]) continue;
        json_object *m0 = tw_run_get(r[0], "memory"), *m1 = tw_run_get(r[1], "memory");
        long shadows = num(tw_run_get(r[0], "shadow_map"), "renders");
        fprintf(stderr, "  %s: unblended items %ld (plain %ld), unshadowed draws %ld (plain %ld)\n",
                w ? "night" : "noon", num(m0, "fill_unblended_items"),
                num(m1, "fill_unblended_items"), num(m0, "fill_unshadowed_draws"),
                num(m1, "fill_unshadowed_draws"));
        TW_CHECK_MSG(num(m0, "fill_unblended_items") > 10 && num(m1, "fill_unblended_items") == 0 &&
                         num(m1, "fill_unshadowed_draws") == 0,
                     "unblended %ld / %ld", num(m0, "fill_unblended_items"),
                     num(m1, "fill_unblended_items"));
        /* At noon the map is drawn and every draw has the taps; at night none is. */
        TW_CHECK_MSG(w ? shadows == 0 && num(m0, "fill_unshadowed_draws") > 0
                       : shadows > 0 && num(m0, "fill_unshadowed_draws") == 0,
                     "%s: %ld shadow maps, %ld draws without the taps", w ? "night" : "noon",
                     shadows, num(m0, "fill_unshadowed_draws"));
        tw_img_diff d = tw_run_compare(tag[w][0], tag[w][1]);
        TW_CHECK_MSG(d.same_size && d.share_off == 0, "%s: pictures differ: mad %.4f, %.5f off",
                     w ? "night" : "noon", d.mad, d.share_off);
        json_object_put(r[0]), json_object_put(r[1]);
    }
}

/* Headless, the draws the first frame will make are drawn out of sight
 * while the scene loads (app__warm: the software GL compiles its shader
 * variants then, not in that frame). They leave no trace: the pictures
 * and the fills' counts are those of a run without them
 * (CITYTWIN_NO_WARM=1), at noon with the shadow map and at night; the
 * report gives their time, null when they did not run. */
static void test_warm(void)
{
    snprintf(src, sizeof src, "%s/district.geojson", tw_run_tmpdir());
    TW_CHECK(write_district(src));
    /* One frame each (the snapshot at the first complete frame): the
     * counts are of that frame alone, whatever the machine's speed. */
    static const char *const when[2] = {"--time 2026-12-22T12:00:00+09:00 --wait-s 0",
                                        "--time 2026-12-22T23:00:00+09:00 --wait-s 0"};
    static const char *const tag[2][2] = {{"noon_warm", "noon_cold"}, {"night_warm", "night_cold"}};
    const double eye[3] = {X0 + 1000, Y0 - 600, 300}, at[3] = {X0 + 1000, Y0 + 1500, 0};
    for (int w = 0; w < 2; w++) {
        json_object *r[2];
        for (int cold = 0; cold < 2; cold++) {
            if (cold) setenv("CITYTWIN_NO_WARM", "1", 1);
            r[cold] = run_at("", tag[w][cold], eye, at, when[w]);
            unsetenv("CITYTWIN_NO_WARM");
        }
        if (!r[0] || !r[1]) continue;
        json_object *l = tw_run_layer(r[0], "buildings");
        double warm_ms = json_object_get_double(tw_run_get(r[0], "warm_ms"));
        fprintf(stderr, "  %s: warm-up %.1f ms; far chunks %ld, blocks %ld\n", w ? "night" : "noon",
                warm_ms, num(l, "far_chunks"), num(l, "block_chunks"));
        TW_CHECK_MSG(warm_ms > 0 && tw_run_get(r[1], "warm_ms") == NULL, "warm_ms %.1f / %s",
                     warm_ms, json_object_to_json_string(tw_run_get(r[1], "warm_ms")));
        long ub[2], us[2], fr[2];
        for (int k = 0; k < 2; k++) {
            json_object *m = tw_run_get(r[k], "memory");
            ub[k] = num(m, "fill_unblended_items"), us[k] = num(m, "fill_unshadowed_draws");
            fr[k] = num(tw_run_get(r[k], "frames"), "count");
        }
        TW_CHECK_MSG(fr[0] == 1 && fr[1] == 1 && ub[0] == ub[1] && us[0] == us[1] && ub[0] > 10,
                     "%s: unblended %ld, unshadowed %ld in %ld frames / %ld, %ld in %ld",
                     w ? "night" : "noon", ub[0], us[0], fr[0], ub[1], us[1], fr[1]);
        tw_img_diff d = tw_run_compare(tag[w][0], tag[w][1]);
        TW_CHECK_MSG(d.same_size && d.share_off == 0, "%s: pictures differ: mad %.4f, %.5f off",
                     w ? "night" : "noon", d.mad, d.share_off);
        json_object_put(r[0]), json_object_put(r[1]);
    }
}

/* The sun's shadow map (the solstice at noon): from 150 m up over the
 * district's south end the map is a square of 2.5 km (1.2 m texels)
 * across the light, which the low sun (29 degrees) stretches to about
 * 5 km along the 8 km district: only the chunks under it cast, in full;
 * from 30 km up its texels are about
 * 55 m, over the 40 m between buildings, and every chunk casts its far
 * boxes' shadow (10 triangles a building, not 16). */
static void test_shadow_levels(void)
{
    const char *noon = "--time 2026-12-22T12:00:00+09:00";
    json_object *near = run_at("", "shadow_near", (double[3]){X0 + 1000, Y0 - 200, 150},
                               (double[3]){X0 + 1000, Y0 + 300, 0}, noon);
    json_object *high = run_at("", "shadow_high", (double[3]){X0 + 1000, Y0 + 3000, 30000},
                               (double[3]){X0 + 1000, Y0 + 4000, 0}, noon);
    if (!near || !high) return;
    json_object *n = tw_run_layer(near, "buildings"), *h = tw_run_layer(high, "buildings");
    long total = num(n, "triangles_total"), sn = num(n, "shadow_triangles"),
         sh = num(h, "shadow_triangles");
    fprintf(stderr, "  shadows: %ld triangles cast near, %ld from 30 km, of %ld\n", sn, sh, total);
    TW_CHECK_MSG(total > 100000 && num(h, "triangles_total") == total, "total %ld", total);
    /* Near: the chunks under the map cast, the rest (over half) not. */
    TW_CHECK_MSG(sn > 0 && sn * 2 < total, "near: %ld of %ld cast", sn, total);
    /* High: every building casts, as its box. */
    TW_CHECK_MSG(sh == 10L * num(h, "features"), "high: %ld cast, %ld buildings", sh,
                 num(h, "features"));
    json_object_put(near), json_object_put(high);
}

/* The shadow map is drawn once for a still sun over still buildings and
 * kept frame after frame (the report counts the depth passes that drew it
 * and those that reused it); an hour later (the ']' key) it is drawn
 * again, once, and kept again. */
static void test_shadow_cache(void)
{
    const char *noon = "--time 2026-12-22T12:00:00+09:00";
    double eye[3] = {X0 + 1000, Y0 - 200, 150}, target[3] = {X0 + 1000, Y0 + 300, 0};
    char script[600], extra[1000];
    snprintf(script, sizeof script, "%s/still.txt", tw_run_tmpdir());
    tw_run_write_text(script, "wait 8\n");
    snprintf(extra, sizeof extra, "%s --script '%s'", noon, script);
    json_object *still = run_at("", "shadow_still", eye, target, extra);
    snprintf(script, sizeof script, "%s/hour.txt", tw_run_tmpdir());
    tw_run_write_text(script, "wait 4\nkey ]\nwait 4\n");
    snprintf(extra, sizeof extra, "%s --script '%s'", noon, script);
    json_object *hour = run_at("", "shadow_hour", eye, target, extra);
    if (!still || !hour) return;
    long r0 = num(tw_run_get(still, "shadow_map"), "renders"),
         u0 = num(tw_run_get(still, "shadow_map"), "reuses"),
         f0 = num(tw_run_get(still, "frames"), "count");
    long r1 = num(tw_run_get(hour, "shadow_map"), "renders"),
         u1 = num(tw_run_get(hour, "shadow_map"), "reuses"),
         f1 = num(tw_run_get(hour, "frames"), "count");
    fprintf(stderr,
            "  shadow map: still sun %ld drawn, %ld reused in %ld frames; an hour on %ld drawn, "
            "%ld reused in %ld frames\n",
            r0, u0, f0, r1, u1, f1);
    long cast = num(tw_run_layer(still, "buildings"), "shadow_triangles");
    TW_CHECK_MSG(cast > 0, "no shadow cast (%ld triangles)", cast);
    TW_CHECK_MSG(r0 == 1 && u0 >= 6 && r0 + u0 == f0, "still: %ld drawn, %ld reused, %ld frames",
                 r0, u0, f0);
    TW_CHECK_MSG(r1 == 2 && u1 >= 6 && r1 + u1 == f1,
                 "an hour on: %ld drawn, %ld reused, %ld frames", r1, u1, f1);
    json_object_put(still), json_object_put(hour);
}

/* Chunk meshes go to the GPU lazily: from high over the district most
 * chunks are drawn as blocks (made from the rows), so the first complete
 * frame uploads only the chunks it draws as boxes or in full, and draws
 * the same picture as with every mesh uploaded before it
 * (CITYTWIN_EAGER_UPLOAD=1); with no background budget the rest stay on
 * the CPU, with a small one they all go up over the next frames, their
 * CPU copies freed. */
static void test_lazy_upload(void)
{
    snprintf(src, sizeof src, "%s/district.geojson", tw_run_tmpdir());
    TW_CHECK(write_district(src));
    double eye[3] = {X0 + 1000, Y0 - 5000, 5000}, target[3] = {X0 + 1000, Y0 + 4000, 0};
    json_object *none = run_at(", \"upload_mb\": 0", "lazy_none", eye, target, "");
    json_object *slow = run_at(", \"upload_mb\": 0.25", "lazy_slow", eye, target, "--wait-s 3");
    setenv("CITYTWIN_EAGER_UPLOAD", "1", 1);
    json_object *eager = run_at(", \"upload_mb\": 0", "lazy_eager", eye, target, "");
    unsetenv("CITYTWIN_EAGER_UPLOAD");
    if (!none || !slow || !eager) return;
    json_object *n = tw_run_layer(none, "buildings"), *s = tw_run_layer(slow, "buildings"),
                *e = tw_run_layer(eager, "buildings");
    long chunks = num(n, "chunks"), blocks = num(n, "block_chunks"), drawn = num(n, "chunks_drawn");
    fprintf(stderr,
            "  lazy: %ld chunks, %ld drawn (%ld as blocks); first frame %ld pending, %ld on "
            "demand; no budget: %ld pending, %ld cpu bytes; 0.25 MB a frame: %ld pending at the "
            "first frame, %ld after %ld frames (%ld background), %ld cpu bytes; eager: %ld "
            "pending first, %ld cpu bytes\n",
            chunks, drawn, blocks, num(n, "upload_pending_first_frame"),
            num(n, "uploads_on_demand"), num(n, "upload_pending"), num(n, "cpu_mesh_bytes"),
            num(s, "upload_pending_first_frame"), num(s, "upload_pending"),
            num(tw_run_get(slow, "frames"), "count"), num(s, "uploads_background"),
            num(s, "cpu_mesh_bytes"), num(e, "upload_pending_first_frame"),
            num(e, "cpu_mesh_bytes"));
    /* Mostly blocks, some not (uploaded by the frame that drew them). */
    TW_CHECK_MSG(chunks >= 20 && blocks * 2 > drawn && blocks < drawn &&
                     num(n, "uploads_on_demand") > 0,
                 "%ld chunks, %ld drawn, %ld blocks, %ld on demand", chunks, drawn, blocks,
                 num(n, "uploads_on_demand"));
    /* The blocks are made for the level each chunk is drawn at, when it is
     * first drawn (every level of every chunk before: twice the chunks). */
    long made = num(n, "blocks_made");
    fprintf(stderr, "  lazy: %ld block levels made for %ld chunks (%ld as blocks)\n", made, chunks,
            blocks);
    TW_CHECK_MSG(made >= blocks && made < 2 * chunks,
                 "%ld block levels made, %ld chunks, %ld drawn as blocks", made, chunks, blocks);
    /* The first complete frame left most chunks on the CPU; without a
     * budget they stay there. */
    long pending = num(n, "upload_pending_first_frame");
    TW_CHECK_MSG(pending >= blocks && pending <= chunks && num(n, "upload_pending") == pending &&
                     num(n, "chunks_uploaded") == chunks - pending &&
                     num(n, "cpu_mesh_bytes") > 0 && num(n, "uploads_background") == 0,
                 "no budget: %ld pending at the first frame, %ld now, %ld up, %ld cpu bytes",
                 pending, num(n, "upload_pending"), num(n, "chunks_uploaded"),
                 num(n, "cpu_mesh_bytes"));
    /* Eager: everything up before the first frame. */
    TW_CHECK_MSG(num(e, "upload_pending_first_frame") == 0 && num(e, "upload_pending") == 0 &&
                     num(e, "cpu_mesh_bytes") == 0 && num(e, "uploads_on_demand") == 0,
                 "eager: %ld pending first, %ld now, %ld cpu bytes, %ld on demand",
                 num(e, "upload_pending_first_frame"), num(e, "upload_pending"),
                 num(e, "cpu_mesh_bytes"), num(e, "uploads_on_demand"));
    /* A small budget: all up over several frames, the CPU copies gone. */
    TW_CHECK_MSG(num(s, "upload_pending_first_frame") == pending && num(s, "upload_pending") == 0 &&
                     num(s, "chunks_uploaded") == chunks && num(s, "cpu_mesh_bytes") == 0 &&
                     num(s, "uploads_background") == pending,
                 "0.25 MB a frame: %ld pending first, %ld now, %ld cpu bytes, %ld background",
                 num(s, "upload_pending_first_frame"), num(s, "upload_pending"),
                 num(s, "cpu_mesh_bytes"), num(s, "uploads_background"));
    /* The same picture, pixel for pixel, whenever the meshes went up. */
    const char *tags[2] = {"lazy_none", "lazy_slow"};
    for (int i = 0; i < 2; i++) {
        tw_img_diff d = tw_run_compare(tags[i], "lazy_eager");
        fprintf(stderr, "  %s against eager: mad %.4f, %.5f of the pixels off\n", tags[i], d.mad,
                d.share_off);
        TW_CHECK_MSG(d.same_size && d.share_off == 0, "%s: mad %.4f, %.5f off", tags[i], d.mad,
                     d.share_off);
    }
    json_object_put(none), json_object_put(slow), json_object_put(eager);
}

/* A read without the cache makes its chunks' meshes when first drawn
 * (CITYTWIN_MESHES_LATER_FROM lowers the 20,000 buildings it starts at):
 * the grazing view (full chunks, far boxes, blocks) and a near view with
 * sun shadows (the shadow pass's chunks) draw the same picture, levels
 * and triangles as when every mesh is made at load; the first complete
 * frame leaves some chunks to make, which the background then makes
 * (none with upload_mb 0), and the meshes made total the same triangles. */
static void test_meshes_later(void)
{
    const char *noon = "--time 2026-12-22T12:00:00+09:00";
    const double near_eye[3] = {X0 + 1000, Y0 - 200, 150}, near_at[3] = {X0 + 1000, Y0 + 300, 0};
    json_object *eager = run("", "later_eager");
    json_object *eager_sun = run_at("", "later_eager_sun", near_eye, near_at, noon);
    setenv("CITYTWIN_MESHES_LATER_FROM", "1000", 1);
    json_object *first = run_at("", "later_first", (double[3]){X0 + 1000, Y0 - 3500, 600},
                                (double[3]){X0 + 1000, Y0 + 5000, 0}, "--wait-s 0");
    json_object *all = run_at("", "later_all", (double[3]){X0 + 1000, Y0 - 3500, 600},
                              (double[3]){X0 + 1000, Y0 + 5000, 0}, "--wait-s 4");
    json_object *sun = run_at("", "later_sun", near_eye, near_at, noon);
    json_object *idle =
        run_at(", \"upload_mb\": 0", "later_idle", (double[3]){X0 + 1000, Y0 - 3500, 600},
               (double[3]){X0 + 1000, Y0 + 5000, 0}, "--wait-s 2");
    unsetenv("CITYTWIN_MESHES_LATER_FROM");
    if (!eager || !eager_sun || !first || !all || !sun || !idle) return;
    /* upload_mb 0: nothing in the background, meshes made when drawn. */
    json_object *i0 = tw_run_layer(idle, "buildings");
    TW_CHECK_MSG(num(i0, "chunks_made_background") == 0 &&
                     num(i0, "chunks_to_make") ==
                         num(tw_run_layer(first, "buildings"), "chunks_to_make"),
                 "upload_mb 0: %ld made in the background, %ld to make",
                 num(i0, "chunks_made_background"), num(i0, "chunks_to_make"));
    json_object_put(idle);
    json_object *e = tw_run_layer(eager, "buildings"), *f = tw_run_layer(first, "buildings"),
                *a = tw_run_layer(all, "buildings"), *es = tw_run_layer(eager_sun, "buildings"),
                *ls = tw_run_layer(sun, "buildings");
    fprintf(stderr,
            "  later: %ld chunks, %ld to make after the first frame, %ld after 4 s (%ld made in "
            "the background); triangles %ld / %ld, total %ld / %ld; sun: %ld / %ld cast\n",
            num(f, "chunks"), num(f, "chunks_to_make"), num(a, "chunks_to_make"),
            num(a, "chunks_made_background"), num(f, "triangles"), num(e, "triangles"),
            num(a, "triangles_total"), num(e, "triangles_total"), num(ls, "shadow_triangles"),
            num(es, "shadow_triangles"));
    TW_CHECK_MSG(num(e, "chunks_to_make") == 0 && num(f, "chunks_to_make") > 0 &&
                     num(f, "chunks_to_make") < num(f, "chunks"),
                 "to make: eager %ld, after the first frame %ld of %ld", num(e, "chunks_to_make"),
                 num(f, "chunks_to_make"), num(f, "chunks"));
    const char *same[] = {"triangles", "drawn", "chunks_drawn", "far_chunks", "block_chunks"};
    for (int i = 0; i < 5; i++)
        TW_CHECK_MSG(num(f, same[i]) == num(e, same[i]), "%s: %ld, every mesh at load %ld", same[i],
                     num(f, same[i]), num(e, same[i]));
    TW_CHECK_MSG(num(a, "chunks_to_make") == 0 &&
                     num(a, "chunks_made_background") + num(f, "chunks") -
                             num(f, "chunks_to_make") >=
                         num(a, "chunks") &&
                     num(a, "triangles_total") == num(e, "triangles_total"),
                 "after 4 s: %ld to make, %ld in the background, %ld of %ld triangles",
                 num(a, "chunks_to_make"), num(a, "chunks_made_background"),
                 num(a, "triangles_total"), num(e, "triangles_total"));
    TW_CHECK_MSG(num(ls, "shadow_triangles") == num(es, "shadow_triangles") &&
                     num(ls, "shadow_triangles") > 0,
                 "sun: %ld cast, every mesh at load %ld", num(ls, "shadow_triangles"),
                 num(es, "shadow_triangles"));
    const char *pairs[3][2] = {{"later_first", "later_eager"},
                               {"later_all", "later_eager"},
                               {"later_sun", "later_eager_sun"}};
    for (int i = 0; i < 3; i++) {
        tw_img_diff d = tw_run_compare(pairs[i][0], pairs[i][1]);
        fprintf(stderr, "  %s against %s: mad %.4f, %.5f of the pixels off\n", pairs[i][0],
                pairs[i][1], d.mad, d.share_off);
        TW_CHECK_MSG(d.same_size && d.share_off == 0, "%s: mad %.4f, %.5f off", pairs[i][0], d.mad,
                     d.share_off);
    }
    json_object_put(eager), json_object_put(eager_sun), json_object_put(first);
    json_object_put(all), json_object_put(sun);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    TW_RUN(test_grazing_levels);
    TW_RUN(test_block_groups);
    TW_RUN(test_cast_blocks);
    TW_RUN(test_shadow_levels);
    TW_RUN(test_shadow_cache);
    TW_RUN(test_sync_mid_frame);
    TW_RUN(test_fill_shortcuts);
    TW_RUN(test_warm);
    TW_RUN(test_lazy_upload);
    TW_RUN(test_meshes_later);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
