/* The buildings kind through the real binary: Cheongna on flat ground and
 * Yeouido on the Seoul terrain against golden pictures, chunks culled at
 * street level, a pick at a known building from straight above it, bad
 * inputs that fail the layer alone with one clear line, the legend kept
 * free of labels, and a click and Esc in a real window. */
#include "geo_buildings.h"
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <gdal_utils.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

static char cheongna[1024], yeouido[1024], dem[1024];

/* A member as text; "(none)" where it is missing, so it prints and never
 * equals an expected value. */
static const char *str(json_object *o, const char *key)
{
    json_object *v = tw_run_get(o, key);
    return v ? json_object_get_string(v) : "(none)";
}

/* keys: more layer keys (", \"far_px\": 0"), or "". */
static void cheongna_scene(char *out, size_t n, const double eye[3], const double target[3],
                           const char *keys)
{
    snprintf(out, n,
             "{ \"name\": \"청라\", \"crs\": \"EPSG:5186\",\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"name\": \"청라 buildings\",\n"
             "      \"source\": \"%s\", \"where\": \"uploader_edit_flag IS NULL\",\n"
             "      \"attribution\": \"licence not stated\" %s } ],\n"
             "  \"bookmarks\": [ { \"name\": \"here\", \"eye\": [%.2f, %.2f, %.2f],\n"
             "                   \"target\": [%.2f, %.2f, %.2f] } ] }\n",
             cheongna, keys, eye[0], eye[1], eye[2], target[0], target[1], target[2]);
}

/* Cheongna from the south-east: 2125 buildings with height_m (found by the
 * common names), none defaulted, flat ground at 0. */
static void test_cheongna_golden(void)
{
    char scene[4096];
    cheongna_scene(scene, sizeof scene, (double[3]){169700, 545000, 2400},
                   (double[3]){167625, 548208, 0}, "");
    int rc;
    json_object *r = tw_run_scene(scene, "cheongna", "--bookmark here --wait-s 1", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *b = tw_run_layer(r, "buildings");
    TW_CHECK_STR(str(b, "status"), "ok");
    TW_CHECK_MSG(json_object_get_int(tw_run_get(b, "features")) == 2125, "features %s",
                 str(b, "features"));
    TW_CHECK(json_object_get_int(tw_run_get(b, "defaulted")) == 0);
    TW_CHECK(tw_run_get(b, "repaired") != NULL);
    TW_CHECK(json_object_get_int(tw_run_get(tw_run_get(b, "height_from"), "height_m")) == 2125);
    TW_CHECK_NEAR(json_object_get_double(tw_run_get(tw_run_get(b, "height_m"), "min")), 2, 1e-9);
    TW_CHECK_NEAR(json_object_get_double(tw_run_get(tw_run_get(b, "height_m"), "max")), 189, 1e-9);
    TW_CHECK(json_object_get_double(tw_run_get(tw_run_get(b, "base_m"), "max")) == 0);
    TW_CHECK(json_object_get_int(tw_run_get(tw_run_get(b, "bases_computed"), "main")) == 0);
    /* One draw call per chunk drawn (walls and roofs are one mesh; a far
     * chunk its boxes or blocks) or per block group (the blocks of its
     * chunks), never one per building. */
    TW_CHECK_MSG(json_object_get_int(tw_run_get(b, "draw_calls")) ==
                     json_object_get_int(tw_run_get(b, "chunks_drawn")) -
                         json_object_get_int(tw_run_get(b, "grouped_chunks")) +
                         json_object_get_int(tw_run_get(b, "block_groups")),
                 "draw_calls %s, chunks_drawn %s, far %s, grouped %s in %s", str(b, "draw_calls"),
                 str(b, "chunks_drawn"), str(b, "far_chunks"), str(b, "grouped_chunks"),
                 str(b, "block_groups"));
    TW_CHECK(json_object_get_int(tw_run_get(b, "drawn")) <= 2125);
    /* GPU mesh bytes a building, every level (walls with their roofs, far
     * boxes, blocks): about 500 B with roofs on the walls' top vertices, wall
     * quads as strips and 16-bit ids (727 B before); roof vertices of
     * their own would add about 75 B. */
    double per =
        json_object_get_double(tw_run_get(tw_run_get(r, "memory"), "gpu_mesh_bytes")) / 2125.0;
    fprintf(stderr, "  cheongna: %.0f GPU mesh bytes a building\n", per);
    TW_CHECK_MSG(per > 300 && per < 540, "%.0f GPU mesh bytes a building", per);
    /* Published to the scene's obstacles service: every building, the
     * tallest top at its height on flat ground. */
    json_object *ob = tw_run_get(r, "obstacles");
    TW_CHECK_MSG(json_object_get_int(tw_run_get(ob, "sets")) == 1 &&
                     json_object_get_int(tw_run_get(ob, "prisms")) == 2125,
                 "obstacles %s", json_object_to_json_string(ob));
    TW_CHECK_NEAR(json_object_get_double(tw_run_get(ob, "top_max_m")), 189, 1e-3);
    /* Nothing read them before the first complete frame: made after it,
     * not on the cores that frame is drawn on. */
    TW_CHECK_STR(str(b, "obstacles_made"), "after the first frame");
    fprintf(stderr, "  cheongna: %s triangles, frames %s\n", str(b, "triangles"), str(r, "frames"));
    char png[512];
    snprintf(png, sizeof png, "%s/cheongna.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "buildings_cheongna"));
    json_object_put(r);
}

/* A tile whose rows are over the GL's texture buffer size (GL promises
 * only 65,536; llvmpipe takes far more, so CITYTWIN_MAX_TABLE_ROWS lowers
 * it to 1,024 here): Cheongna read whole is one tile of 2,125 rows, drawn
 * through a window of the table moved over each chunk's rows; the picture
 * is the golden's, every chunk drawn, none at z 0 or another's colour. */
static void test_table_over_buffer_size(void)
{
    char scene[4096];
    cheongna_scene(scene, sizeof scene, (double[3]){169700, 545000, 2400},
                   (double[3]){167625, 548208, 0}, ", \"stream\": false, \"cache\": false");
    setenv("CITYTWIN_MAX_TABLE_ROWS", "1024", 1);
    int rc;
    json_object *r = tw_run_scene(scene, "cheongna_window", "--bookmark here --wait-s 1", &rc);
    unsetenv("CITYTWIN_MAX_TABLE_ROWS");
    TW_CHECK(rc == 0 && r);
    json_object *b = tw_run_layer(r, "buildings");
    TW_CHECK_STR(str(b, "status"), "ok");
    TW_CHECK_MSG(json_object_get_int(tw_run_get(b, "tiles_loaded")) <= 1 ||
                     json_object_get_int(tw_run_get(b, "features")) == 2125,
                 "tiles %s", str(b, "tiles_loaded"));
    char png[512];
    snprintf(png, sizeof png, "%s/cheongna_window.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "buildings_cheongna"));
    json_object_put(r);
}

/* Chunks: from high above, every chunk is in view and all are drawn but a
 * few lone sheds under three pixels; at street level looking north, those
 * behind the eye are culled, so fewer buildings and triangles are drawn,
 * and the report says so. */
static void test_cheongna_culling(void)
{
    char scene[4096];
    json_object *b[2] = {NULL, NULL}, *r[2];
    const double eyes[2][6] = {{167625, 548207, 6000, 167625, 548208, 0},
                               {167625, 547600, 12, 167625, 548600, 8}};
    const char *tags[2] = {"overview", "street"};
    for (int k = 0; k < 2; k++) {
        /* Every chunk in full (far boxes are test_buildings_stream's). */
        cheongna_scene(scene, sizeof scene, eyes[k], eyes[k] + 3, ", \"far_px\": 0");
        int rc;
        r[k] = tw_run_scene(scene, tags[k], "--bookmark here --wait-s 1", &rc);
        TW_CHECK(rc == 0 && r[k]);
        b[k] = tw_run_layer(r[k], "buildings");
        fprintf(stderr,
                "  %s: drawn %s of %s (culled %s, too small %s), chunks %s of %s, triangles %s of "
                "%s, frames %s\n",
                tags[k], str(b[k], "drawn"), str(b[k], "features"), str(b[k], "culled"),
                str(b[k], "too_small"), str(b[k], "chunks_drawn"), str(b[k], "chunks"),
                str(b[k], "triangles"), str(b[k], "triangles_total"), str(r[k], "frames"));
    }
    int drawn[2], chunks[2];
    long tris[2];
    for (int k = 0; k < 2; k++) {
        drawn[k] = json_object_get_int(tw_run_get(b[k], "drawn"));
        chunks[k] = json_object_get_int(tw_run_get(b[k], "chunks_drawn"));
        tris[k] = (long)json_object_get_int64(tw_run_get(b[k], "triangles"));
    }
    TW_CHECK(json_object_get_int(tw_run_get(b[0], "chunks")) > 4);
    int small = json_object_get_int(tw_run_get(b[0], "too_small"));
    TW_CHECK_MSG(json_object_get_int(tw_run_get(b[0], "culled")) == 0 && drawn[0] + small == 2125 &&
                     small <= 2125 / 100,
                 "overview drew %d buildings in %d chunks, %d too small", drawn[0], chunks[0],
                 small);
    TW_CHECK(tris[0] <= (long)json_object_get_int64(tw_run_get(b[0], "triangles_total")) &&
             tris[0] > (long)json_object_get_int64(tw_run_get(b[0], "triangles_total")) * 99 / 100);
    TW_CHECK(json_object_get_int(tw_run_get(b[1], "culled")) > 0);
    TW_CHECK_MSG(drawn[1] > 0 && drawn[1] < drawn[0] && chunks[1] < chunks[0] && tris[1] < tris[0],
                 "street drew %d buildings, %d chunks, %ld triangles", drawn[1], chunks[1],
                 tris[1]);
    for (int k = 0; k < 2; k++) json_object_put(r[k]);
}

/* The block level: from far above, every chunk is under block_px on
 * screen and drawn as its blocks (one box per occupied cell), the same
 * buildings counted as drawn as with the far boxes of each (block_px 0),
 * in half their triangles or fewer (Cheongna: ~40 buildings a chunk);
 * a building raised by a scenario shows in them. */
static void test_cheongna_blocks(void)
{
    char scene[4096];
    const double eye[6] = {167625, 548207, 30000, 167625, 548208, 0};
    const char *keys[2] = {"", ", \"block_px\": 0"}, *tags[2] = {"blocks", "boxes"};
    json_object *r[2], *b[2];
    long tris[2];
    int drawn[2], chunks[2], far[2], block[2];
    for (int k = 0; k < 2; k++) {
        cheongna_scene(scene, sizeof scene, eye, eye + 3, keys[k]);
        int rc;
        r[k] = tw_run_scene(scene, tags[k], "--bookmark here --wait-s 0.3", &rc);
        TW_CHECK(rc == 0 && r[k]);
        b[k] = tw_run_layer(r[k], "buildings");
        tris[k] = (long)json_object_get_int64(tw_run_get(b[k], "triangles"));
        drawn[k] = json_object_get_int(tw_run_get(b[k], "drawn"));
        chunks[k] = json_object_get_int(tw_run_get(b[k], "chunks_drawn"));
        far[k] = json_object_get_int(tw_run_get(b[k], "far_chunks"));
        block[k] = json_object_get_int(tw_run_get(b[k], "block_chunks"));
        fprintf(stderr, "  %s: drawn %d, chunks %d (far %d, blocks %d), triangles %ld\n", tags[k],
                drawn[k], chunks[k], far[k], block[k], tris[k]);
    }
    TW_CHECK_MSG(drawn[0] == drawn[1] && drawn[0] > 2000 && chunks[0] == chunks[1],
                 "drawn %d / %d, chunks %d / %d", drawn[0], drawn[1], chunks[0], chunks[1]);
    TW_CHECK_MSG(block[0] == chunks[0] && far[0] == 0 && block[1] == 0 && far[1] == chunks[1],
                 "blocks %d far %d of %d; without blocks: blocks %d far %d", block[0], far[0],
                 chunks[0], block[1], far[1]);
    TW_CHECK_MSG(tris[0] > 0 && tris[0] * 2 <= tris[1], "triangles %ld with blocks, %ld without",
                 tris[0], tris[1]);
    TW_CHECK(tris[0] <= (long)chunks[0] * GEO_BUILDINGS_BLOCK_N * GEO_BUILDINGS_BLOCK_N * 10);
    for (int k = 0; k < 2; k++) json_object_put(r[k]);

    /* A scenario raises one building to 600 m: the blocks, made from the
     * raised far boxes, show it (the picture changes, still all blocks). */
    double xy[2];
    long fid;
    TW_CHECK(tw_run_find_feature(cheongna, "청라 스퀘어7", xy, &fid));
    char plan[600];
    snprintf(plan, sizeof plan, "%s/raise.geojson", tw_run_tmpdir());
    char text[400];
    snprintf(text, sizeof text,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
             "\"properties\":{\"op\":\"raise\",\"fid\":%ld,\"height_m\":600},"
             "\"geometry\":null}]}",
             fid);
    tw_run_write_text(plan, text);
    cheongna_scene(scene, sizeof scene, eye, eye + 3, "");
    char *end = strstr(scene, " } ],\n  \"bookmarks\"");
    TW_CHECK(end != NULL);
    if (!end) return;
    char tail[2048];
    snprintf(tail, sizeof tail, "%s", end + 5);
    snprintf(end, sizeof scene - (size_t)(end - scene),
             " },\n    { \"kind\": \"scenario\", \"source\": \"raise.geojson\" } ],%s", tail);
    int rc;
    json_object *rr = tw_run_scene(scene, "raised", "--bookmark here --wait-s 0.3", &rc);
    TW_CHECK(rc == 0 && rr);
    json_object *br = tw_run_layer(rr, "buildings");
    TW_CHECK_MSG(json_object_get_int(tw_run_get(tw_run_layer(rr, "scenario"), "raised")) == 1,
                 "scenario %s", json_object_to_json_string(tw_run_layer(rr, "scenario")));
    TW_CHECK(json_object_get_int(tw_run_get(br, "block_chunks")) == chunks[0]);
    char a[512], b2[512];
    snprintf(a, sizeof a, "%s/blocks.png", tw_run_tmpdir());
    snprintf(b2, sizeof b2, "%s/raised.png", tw_run_tmpdir());
    tw_image ia = {0}, ib = {0};
    TW_CHECK(tw_img_load(a, &ia) && tw_img_load(b2, &ib));
    tw_img_diff d = tw_img_compare(&ia, &ib, 16);
    fprintf(stderr, "  raised to 600 m: %.4f of the pixels changed\n", d.share_off);
    TW_CHECK_MSG(d.same_size && d.share_off > 0.0002, "raised: %.5f of the pixels changed",
                 d.share_off);
    tw_image_free(&ia), tw_image_free(&ib);
    json_object_put(rr);
}

/* Yeouido's OSM buildings on the Seoul terrain: heights from text tags,
 * floors where only those are given, the rest defaulted. */
static void test_yeouido_golden(void)
{
    char scene[4096];
    snprintf(scene, sizeof scene,
             "{ \"name\": \"여의도\", \"crs\": \"EPSG:5186\",\n"
             "  \"terrain\": { \"source\": \"%s\", \"exaggeration\": 1.5, \"hillshade\": true },\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\",\n"
             "      \"attribution\": \"© OpenStreetMap contributors\" } ],\n"
             "  \"bookmarks\": [ { \"name\": \"here\", \"eye\": [195600, 544500, 1500],\n"
             "                   \"target\": [193095, 547138, 15] } ] }\n",
             dem, yeouido);
    int rc;
    json_object *r = tw_run_scene(scene, "yeouido", "--bookmark here --wait-s 1", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *b = tw_run_layer(r, "buildings"), *from = tw_run_get(b, "height_from");
    TW_CHECK_STR(str(b, "status"), "ok");
    TW_CHECK(json_object_get_int(tw_run_get(b, "features")) == 592);
    /* The data's README: height 462 set, levels only 18 (1 of them 0 or
     * unusable here would show as one more default), neither 113. */
    TW_CHECK_MSG(json_object_get_int(tw_run_get(from, "height")) == 462 &&
                     json_object_get_int(tw_run_get(from, "building_levels")) == 17 &&
                     json_object_get_int(tw_run_get(b, "defaulted")) == 113,
                 "height_from %s", json_object_to_json_string(from));
    TW_CHECK_NEAR(json_object_get_double(tw_run_get(tw_run_get(b, "height_m"), "max")), 322, 1e-9);
    /* Standing on the terrain (Yeouido is some metres above sea level). */
    TW_CHECK(json_object_get_double(tw_run_get(tw_run_get(b, "base_m"), "min")) > 1);
    /* The obstacles stand on the terrain too: the tallest top is above 322 m. */
    json_object *ob = tw_run_get(r, "obstacles");
    TW_CHECK(json_object_get_int(tw_run_get(ob, "prisms")) == 592);
    TW_CHECK_MSG(json_object_get_double(tw_run_get(ob, "top_max_m")) > 323, "obstacles %s",
                 json_object_to_json_string(ob));
    /* Their bases were found on a worker, none on the main thread. */
    json_object *bases = tw_run_get(b, "bases_computed");
    TW_CHECK_MSG(json_object_get_int(tw_run_get(bases, "worker")) >= 1 &&
                     tw_run_get(bases, "main") &&
                     json_object_get_int(tw_run_get(bases, "main")) == 0,
                 "bases_computed %s", json_object_to_json_string(bases));
    fprintf(stderr, "  yeouido: %s triangles, frames %s\n", str(b, "triangles"), str(r, "frames"));
    char png[512];
    snprintf(png, sizeof png, "%s/yeouido.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "buildings_yeouido"));
    json_object_put(r);
}

/* Straight down over 청라 스퀘어7's centroid: the middle pixel is its roof. */
static void test_pick_a_building(void)
{
    double xy[2] = {0, 0};
    long fid = -1;
    TW_CHECK(tw_run_find_feature(cheongna, "청라 스퀘어7", xy, &fid));
    char scene[4096];
    cheongna_scene(scene, sizeof scene, (double[3]){xy[0], xy[1] - 1, 600},
                   (double[3]){xy[0], xy[1], 0}, "");
    int rc;
    json_object *r = tw_run_scene(scene, "pick", "--bookmark here --pick 320,180", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *pick = tw_run_get(r, "pick"), *hit = tw_run_get(pick, "hit"),
                *a = tw_run_get(hit, "attributes");
    TW_CHECK_STR(str(pick, "kind"), "building");
    TW_CHECK_STR(str(hit, "kind"), "buildings");
    TW_CHECK_STR(str(a, "name"), "청라 스퀘어7");
    TW_CHECK_MSG(json_object_get_int64(tw_run_get(hit, "fid")) == fid, "fid %s, want %ld",
                 str(hit, "fid"), fid);
    TW_CHECK(json_object_get_double(tw_run_get(a, "height_m")) > 0);
    TW_CHECK(json_object_get_double(tw_run_get(a, "footprint_m2")) > 100);
    TW_CHECK(tw_run_get(a, "floors") == NULL); /* the file has no floor count */
    json_object_put(r);
}

/* A click (scripted, through the same input path as a window's) selects
 * 청라 스퀘어7; its attributes are not in memory but read from the source
 * by FID on a worker, and the report shows them once they arrived. */
static void test_click_reads_attributes(void)
{
    double xy[2] = {0, 0};
    long fid = -1;
    TW_CHECK(tw_run_find_feature(cheongna, "청라 스퀘어7", xy, &fid));
    char scene[4096], script[600], extra[800];
    cheongna_scene(scene, sizeof scene, (double[3]){xy[0], xy[1] - 1, 600},
                   (double[3]){xy[0], xy[1], 0}, "");
    snprintf(script, sizeof script, "%s/click.txt", tw_run_tmpdir());
    tw_run_write_text(script, "click 320 180\nwait 60\n");
    snprintf(extra, sizeof extra, "--bookmark here --script '%s'", script);
    int rc;
    json_object *r = tw_run_scene(scene, "click", extra, &rc);
    TW_CHECK(rc == 0 && r);
    json_object *b = r ? tw_run_layer(r, "buildings") : NULL;
    TW_CHECK_MSG(json_object_get_int64(tw_run_get(b, "selected_fid")) == fid, "selected %s",
                 str(b, "selected_fid"));
    TW_CHECK_STR(str(b, "selected_attributes_state"), "ready");
    TW_CHECK_STR(str(tw_run_get(b, "selected_attributes"), "name"), "청라 스퀘어7");
    json_object_put(r);
}

/* Real input in a real window (Xvfb, xdotool): a click in the middle of a
 * view straight down on 청라 스퀘어7 selects it (the report's selected_fid
 * is its FID, the attribute panel shows), and Esc afterwards clears it. The
 * click waits for the app's "view is complete" line (up to 60 s), not a
 * fixed time: under load the buildings may arrive late. */
static void test_click_in_a_window(void)
{
    if (tw_run_shell("command -v xvfb-run >/dev/null 2>&1 && command -v xdotool >/dev/null 2>&1") !=
        0) {
        printf("  skipped: xvfb-run or xdotool is not installed (Debian xvfb, xdotool)\n");
        return;
    }
    double xy[2] = {0, 0};
    long fid = -1;
    TW_CHECK(tw_run_find_feature(cheongna, "청라 스퀘어7", xy, &fid));
    char text[4096], scene[512];
    cheongna_scene(text, sizeof text, (double[3]){xy[0], xy[1] - 1, 600},
                   (double[3]){xy[0], xy[1], 0}, "");
    snprintf(scene, sizeof scene, "%s/click.json", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    const char *tags[2] = {"click", "click_esc"};
    const char *after[2] = {"", "sleep 0.5; xdotool key Escape; "};
    for (int k = 0; k < 2; k++) {
        char png[512], rep[512], err[512], cmd[4000];
        snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tags[k]);
        snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tags[k]);
        snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tags[k]);
        snprintf(
            cmd, sizeof cmd,
            "xvfb-run -a -s '-screen 0 1280x800x24' sh -c '"
            "\"%s\" --size 1280x720 --bookmark here --wait-s 9 --snapshot \"%s\" "
            "--report \"%s\" \"%s\" 2>\"%s\" & pid=$!; "
            "wid=$(timeout 90 xdotool search --sync --onlyvisible --name citytwin | head -n 1); "
            "[ -n \"$wid\" ] || { kill $pid; exit 3; }; "
            "n=0; until grep -q \"view is complete\" \"%s\" || [ $n -ge 600 ]; do "
            "sleep 0.1; n=$((n+1)); done; xdotool mousemove --window $wid 640 360; sleep 0.3; "
            "xdotool click 1; %s"
            "wait $pid' </dev/null >/dev/null 2>&1",
            tw_run_bin(), png, rep, scene, err, err, after[k]);
        TW_CHECK(tw_run_shell(cmd) == 0);
        json_object *r = tw_run_load_json(rep), *b = tw_run_layer(r, "buildings");
        TW_CHECK_STR(str(b, "status"), "ok");
        json_object *sel = tw_run_get(b, "selected_fid");
        if (k == 0)
            TW_CHECK_MSG(sel && json_object_get_int64(sel) == fid, "selected_fid %s, want %ld",
                         sel ? json_object_get_string(sel) : "null", fid);
        else
            TW_CHECK_MSG(b && !sel, "selected_fid %s after Esc",
                         sel ? json_object_get_string(sel) : "null");
        fprintf(stderr, "  %s: %s\n", tags[k], png);
        json_object_put(r);
    }
}

/* The height legend is reserved screen space: a district label whose
 * anchor lies under it (bottom left, x 6..206, y 228..268 at 640x360) is
 * not drawn over or under it, so the legend's pixels are the same as with
 * the district unlabelled. The district is a wide rectangle whose outline
 * stays clear of the legend; the view looks straight down from 1 km
 * (45 degree field of view: 2.301 m a pixel). */
static void test_legend_reserved(void)
{
    const double tx = 167625, ty = 548208, m = 2 * 1000 * tan(22.5 * M_PI / 180) / 360;
    double x0 = tx - 620 * m, x1 = tx + 180 * m, y0 = ty - 166 * m, y1 = ty + 30 * m;
    char gj[512], text[1024], scene[4096];
    snprintf(gj, sizeof gj, "%s/district.geojson", tw_run_tmpdir());
    snprintf(
        text, sizeof text,
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"nm\":\"가나 구역\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f]]]}}]}\n",
        x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    FILE *f = fopen(gj, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    tw_image img[2];
    const char *tags[2] = {"legend_label", "legend_nolabel"};
    for (int k = 0; k < 2; k++) {
        snprintf(scene, sizeof scene,
                 "{ \"name\": \"청라\", \"crs\": \"EPSG:5186\",\n"
                 "  \"boundaries\": [ { \"source\": \"%s\", \"source_crs\": \"EPSG:5186\"%s } ],\n"
                 "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\",\n"
                 "      \"where\": \"uploader_edit_flag IS NULL\" } ],\n"
                 "  \"bookmarks\": [ { \"name\": \"here\", \"eye\": [%.2f, %.2f, 1000],\n"
                 "                   \"target\": [%.2f, %.2f, 0] } ] }\n",
                 gj, k == 0 ? ", \"label_field\": \"nm\"" : "", cheongna, tx, ty - 1, tx, ty);
        int rc;
        json_object *r = tw_run_scene(scene, tags[k], "--bookmark here --wait-s 1", &rc);
        TW_CHECK(rc == 0 && r);
        TW_CHECK_STR(str(tw_run_layer(r, "boundaries"), "status"), "ok");
        json_object_put(r);
        char png[512];
        snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tags[k]);
        if (!tw_img_load(png, &img[k])) memset(&img[k], 0, sizeof img[k]);
    }
    TW_CHECK(img[0].pixels && img[1].pixels && img[0].width == 640 && img[1].width == 640);
    int off = 0, whole = 0;
    for (int y = 0; img[0].pixels && img[1].pixels && y < 360; y++)
        for (int x = 0; x < 640; x++) {
            const unsigned char *a = &img[0].pixels[(y * 640 + x) * 4],
                                *b = &img[1].pixels[(y * 640 + x) * 4];
            bool d = abs(a[0] - b[0]) + abs(a[1] - b[1]) + abs(a[2] - b[2]) > 24;
            whole += d;
            off += d && x >= 6 && x < 206 && y >= 228 && y < 268;
        }
    fprintf(stderr, "  legend: %d pixels differ under it, %d in the picture\n", off, whole);
    TW_CHECK_MSG(off == 0, "%d legend pixels differ with the label", off);
    tw_image_free(&img[0]);
    tw_image_free(&img[1]);
}

/* Each bad source fails (or partly loads) its layer with one line; the
 * scene still renders (exit 0). */
static void test_bad_inputs(void)
{
    char path[512], scene[4096];
    struct {
        const char *tag, *file, *text, *extra, *status, *error;
    } cases[] = {
        {"not_vector", "notes.txt", "these are not buildings\n", "", "error", NULL},
        {"points_only", "pts.geojson",
         "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
         "\"geometry\":{\"type\":\"Point\",\"coordinates\":[126.6,37.53]}}]}\n",
         "", "error", "no polygons"},
        {"text_height", "txt.geojson",
         "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{"
         "\"h\":\"tall\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[126.6,37.53],[126."
         "6002,37.53],[126.6002,37.5302],[126.6,37.53]]]}}]}\n",
         ", \"height_field\": \"h\"", "ok", NULL},
        {"no_features", "none.geojson", "{\"type\":\"FeatureCollection\",\"features\":[]}\n", "",
         "error", "has no features"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(path, sizeof path, "%s/%s", tw_run_tmpdir(), cases[i].file);
        FILE *f = fopen(path, "w");
        TW_CHECK(f != NULL);
        if (!f) continue;
        fputs(cases[i].text, f);
        fclose(f);
        snprintf(scene, sizeof scene,
                 "{ \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\"%s } ] }\n", path,
                 cases[i].extra);
        int rc;
        json_object *r = tw_run_scene(scene, cases[i].tag, "", &rc);
        TW_CHECK_MSG(rc == 0 && r, "%s: exit %d", cases[i].tag, rc);
        json_object *b = tw_run_layer(r, "buildings");
        TW_CHECK_MSG(str(b, "status") && strcmp(str(b, "status"), cases[i].status) == 0,
                     "%s: status %s, error %s", cases[i].tag,
                     str(b, "status") ? str(b, "status") : "-",
                     str(b, "error") ? str(b, "error") : "-");
        if (cases[i].error)
            TW_CHECK_MSG(str(b, "error") && strstr(str(b, "error"), cases[i].error), "%s: error %s",
                         cases[i].tag, str(b, "error"));
        if (strcmp(cases[i].status, "ok") == 0)
            TW_CHECK(json_object_get_int(tw_run_get(b, "defaulted")) == 1);
        /* One line on stderr names the layer's source. */
        char err[512];
        snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), cases[i].tag);
        char *text = tw_run_read_text(err);
        int lines = 0;
        for (char *s = text; s && (s = strstr(s, "[buildings]")) != NULL; s++) lines++;
        TW_CHECK_MSG(strcmp(cases[i].status, "ok") == 0 || lines == 1,
                     "%s: %d [buildings] lines:\n%s", cases[i].tag, lines, text ? text : "");
        free(text);
        json_object_put(r);
    }
}

/* ---- broken shapefiles, made as GDAL's autotest makes them: bytes of a
 * good one changed ---- */

/* src in EPSG:5186 at dst through ogr2ogr's library call, as driver, with
 * more options (NULL-terminated, or NULL): its features, -1 if it failed. */
static long translate_to(const char *src, const char *dst, const char *driver, char **more)
{
    char *argv[16] = {"-f", (char *)driver, "-t_srs", "EPSG:5186"};
    for (int i = 0; more && more[i] && i < 10; i++) argv[4 + i] = more[i];
    GDALDatasetH in = GDALOpenEx(src, GDAL_OF_VECTOR, NULL, NULL, NULL);
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH out = in && o ? GDALVectorTranslate(dst, NULL, 1, &in, o, NULL) : NULL;
    GDALVectorTranslateOptionsFree(o);
    long n = out ? (long)OGR_L_GetFeatureCount(GDALDatasetGetLayer(out, 0), TRUE) : -1;
    if (out) GDALClose(out);
    if (in) GDALClose(in);
    return n;
}

static uint8_t *slurp(const char *path, long *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *d = NULL;
    *n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (*n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (d = malloc((size_t)*n)) && fread(d, 1, (size_t)*n, f) != (size_t)*n)
        free(d), d = NULL;
    if (f) fclose(f);
    return d;
}

static bool spill(const char *path, const uint8_t *d, long n)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(d, 1, (size_t)n, f) == (size_t)n;
    return f && fclose(f) == 0 && ok;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

/* ok.{shp,shx,dbf,prj} copied as name.*, then the .shp or .shx given. */
static bool shp_variant(const char *dir, const char *name, const char *ext, const uint8_t *d,
                        long n)
{
    static const char *const exts[] = {"shp", "shx", "dbf", "prj"};
    bool ok = true;
    for (int i = 0; i < 4 && ok; i++) {
        char from[700], to[700];
        snprintf(from, sizeof from, "%s/ok.%s", dir, exts[i]);
        snprintf(to, sizeof to, "%s/%s.%s", dir, name, exts[i]);
        long m = 0;
        uint8_t *c = slurp(from, &m);
        ok = c && spill(to, strcmp(exts[i], ext) == 0 ? d : c, strcmp(exts[i], ext) == 0 ? n : m);
        free(c);
    }
    return ok;
}

/* Shapefiles broken as the issue lists them: a .shp cut short, a .shx
 * whose offsets point past the end, into the header or give a record no
 * room, a record whose polygon has no parts, a multipolygon whose parts
 * overlap. Read whole and streamed ("stream": true) each gives exit 0,
 * the layer ok with every record accounted for (buildings + "no
 * geometry" = the records), the same counts both ways, one warning line
 * naming the file, and the scene's other layer untouched. */
static void test_broken_shapefiles(void)
{
    char dir[600], ok_shp[700];
    snprintf(dir, sizeof dir, "%s/shp", tw_run_tmpdir());
    mkdir(dir, 0755);
    snprintf(ok_shp, sizeof ok_shp, "%s/ok.shp", dir);
    long records =
        translate_to(cheongna, ok_shp, "ESRI Shapefile", (char *[]){"-select", "height_m", NULL});
    TW_CHECK(records > 2000);
    char path[700];
    long nshp = 0, nshx = 0;
    snprintf(path, sizeof path, "%s/ok.shp", dir);
    uint8_t *shp = slurp(path, &nshp);
    snprintf(path, sizeof path, "%s/ok.shx", dir);
    uint8_t *shx = slurp(path, &nshx);
    TW_CHECK(shp && shx && nshx == 100 + records * 8);
    if (!shp || !shx || nshx != 100 + records * 8) {
        free(shp), free(shx);
        return;
    }
    /* Cut at 60 %: every record not wholly before the cut has no shape. */
    long cut = nshp * 6 / 10, lost_cut = 0;
    for (long i = 0; i < records; i++)
        lost_cut += 2L * be32(shx + 100 + i * 8) + 8 + 2L * be32(shx + 104 + i * 8) > cut;
    TW_CHECK(shp_variant(dir, "cut", "shp", shp, cut));
    /* Bad offsets: four past the end, two into the header, one record
     * given 2 bytes (16-bit words: 1). */
    uint8_t *bad = malloc((size_t)nshx);
    if (bad) {
        memcpy(bad, shx, (size_t)nshx);
        const long far[] = {3, 10, 500, 1000}, head[] = {20, 21};
        for (int k = 0; k < 4; k++) put_be32(bad + 100 + far[k] * 8, 0x7ffffff0u);
        for (int k = 0; k < 2; k++) put_be32(bad + 100 + head[k] * 8, 30);
        put_be32(bad + 100 + 30 * 8 + 4, 1);
        TW_CHECK(shp_variant(dir, "badshx", "shx", bad, nshx));
        free(bad);
    }
    /* Record 5's polygon with no parts and no points. */
    uint8_t *none = malloc((size_t)nshp);
    if (none) {
        memcpy(none, shp, (size_t)nshp);
        long at = 2L * be32(shx + 100 + 5 * 8) + 8 + 4 + 32;
        memset(none + at, 0, 8); /* nParts, nPoints (little-endian) */
        TW_CHECK(shp_variant(dir, "noparts", "shp", none, nshp));
        free(none);
    }
    free(shp);
    free(shx);
    /* Two overlapping squares as one multipolygon, and a square. */
    char ov_json[700], ov_shp[700];
    snprintf(ov_json, sizeof ov_json, "%s/overlap.geojson", dir);
    snprintf(ov_shp, sizeof ov_shp, "%s/overlap.shp", dir);
    FILE *f = fopen(ov_json, "w");
    if (f) {
        fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
              "\"properties\":{\"height_m\":20},\"geometry\":{\"type\":\"MultiPolygon\","
              "\"coordinates\":[[[[126.6,37.53],[126.6005,37.53],[126.6005,37.5305],"
              "[126.6,37.5305],[126.6,37.53]]],[[[126.6002,37.5302],[126.6008,37.5302],"
              "[126.6008,37.5308],[126.6002,37.5308],[126.6002,37.5302]]]]}},"
              "{\"type\":\"Feature\",\"properties\":{\"height_m\":30},\"geometry\":"
              "{\"type\":\"Polygon\",\"coordinates\":[[[126.601,37.53],[126.6015,37.53],"
              "[126.6015,37.5305],[126.601,37.5305],[126.601,37.53]]]}}]}\n",
              f);
        fclose(f);
    }
    TW_CHECK(translate_to(ov_json, ov_shp, "ESRI Shapefile", NULL) == 2);
    struct {
        const char *name;
        long records, no_geometry;
    } cases[] = {{"cut", records, lost_cut},
                 {"badshx", records, 7},
                 {"noparts", records, 1},
                 {"overlap", 2, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        long features[2] = {-1, -1};
        for (int streamed = 0; streamed < 2; streamed++) {
            char scene[2400], tag[64];
            snprintf(tag, sizeof tag, "shp_%s_%d", cases[i].name, streamed);
            snprintf(scene, sizeof scene,
                     "{ \"crs\": \"EPSG:5186\", \"layers\": [\n"
                     "  { \"kind\": \"buildings\", \"name\": \"broken\", \"source\": "
                     "\"%s/%s.shp\", \"height_field\": \"height_m\", \"stream\": %s },\n"
                     "  { \"kind\": \"buildings\", \"name\": \"good\", \"source\": \"%s\" } ] }\n",
                     dir, cases[i].name, streamed ? "true" : "false", cheongna);
            int rc;
            json_object *r = tw_run_scene(scene, tag, "", &rc);
            TW_CHECK_MSG(rc == 0 && r, "%s: exit %d", tag, rc);
            json_object *layers = tw_run_get(r, "layers");
            json_object *b = layers ? json_object_array_get_idx(layers, 0) : NULL;
            json_object *g = layers ? json_object_array_get_idx(layers, 1) : NULL;
            json_object *sk = tw_run_get(b, "skipped");
            long feats = json_object_get_int64(tw_run_get(b, "features"));
            /* Streamed, what no tile read is told apart from nothing. */
            const char *why = streamed ? "not read: no geometry, or unreadable" : "no geometry";
            long nogeo = tw_run_get(sk, why) ? json_object_get_int64(tw_run_get(sk, why)) : 0;
            features[streamed] = feats;
            TW_CHECK_MSG(strcmp(str(b, "status"), "ok") == 0 && nogeo == cases[i].no_geometry &&
                             feats + nogeo == cases[i].records,
                         "%s: %s, %ld buildings, %ld without a geometry (expected %ld of %ld)", tag,
                         str(b, "status"), feats, nogeo, cases[i].no_geometry, cases[i].records);
            TW_CHECK_MSG(strcmp(str(g, "status"), "ok") == 0, "%s: the good layer %s", tag,
                         str(g, "status"));
            char err[700];
            snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
            char *text = tw_run_read_text(err);
            int lines = 0;
            char needle[64];
            snprintf(needle, sizeof needle, "%s.shp: ", cases[i].name);
            for (const char *s = text; s && (s = strstr(s, "warning")) != NULL; s++) {
                const char *eol = strchr(s, '\n');
                const char *hit = strstr(s, needle);
                lines += hit && (!eol || hit < eol);
            }
            TW_CHECK_MSG(lines == (cases[i].no_geometry > 0), "%s: %d warnings naming it:\n%s", tag,
                         lines, text ? text : "");
            free(text);
            json_object_put(r);
        }
        TW_CHECK_MSG(features[0] == features[1], "%s: %ld read whole, %ld streamed", cases[i].name,
                     features[0], features[1]);
    }
}

/* A FlatGeobuf cut at 60 % (its header and index whole, the features
 * past the cut gone): read whole, the layer fails with one line saying
 * the reading stopped (not a smaller layer, nothing cached); streamed,
 * the tiles hold what they could read and the rest is counted as not
 * read, from the header's count. Exit 0 both ways. */
static void test_cut_flatgeobuf(void)
{
    char fgb[700], cut[700];
    snprintf(fgb, sizeof fgb, "%s/whole.fgb", tw_run_tmpdir());
    snprintf(cut, sizeof cut, "%s/cut.fgb", tw_run_tmpdir());
    long records = translate_to(cheongna, fgb, "FlatGeobuf", NULL), n = 0;
    uint8_t *d = slurp(fgb, &n);
    TW_CHECK(d && records > 2000 && spill(cut, d, n * 6 / 10));
    free(d);
    for (int streamed = 0; streamed < 2; streamed++) {
        char scene[1600], tag[32];
        snprintf(tag, sizeof tag, "cut_fgb_%d", streamed);
        snprintf(scene, sizeof scene,
                 "{ \"crs\": \"EPSG:5186\", \"layers\": [ { \"kind\": \"buildings\", "
                 "\"source\": \"%s\", \"stream\": %s } ] }\n",
                 cut, streamed ? "true" : "false");
        int rc;
        json_object *r = tw_run_scene(scene, tag, "", &rc);
        TW_CHECK_MSG(rc == 0 && r, "%s: exit %d", tag, rc);
        json_object *b = tw_run_layer(r, "buildings"), *sk = tw_run_get(b, "skipped");
        long feats = json_object_get_int64(tw_run_get(b, "features"));
        const char *why = "not read: no geometry, or unreadable";
        long unread = tw_run_get(sk, why) ? json_object_get_int64(tw_run_get(sk, why)) : 0;
        if (!streamed)
            TW_CHECK_MSG(strcmp(str(b, "status"), "error") == 0 &&
                             strstr(str(b, "error"), "reading stopped after"),
                         "%s: %s, %s", tag, str(b, "status"), str(b, "error"));
        else
            TW_CHECK_MSG(strcmp(str(b, "status"), "ok") == 0 && feats > 0 && unread > 0 &&
                             feats + unread == records,
                         "%s: %s, %ld buildings, %ld not read, of %ld", tag, str(b, "status"),
                         feats, unread, records);
        json_object_put(r);
    }
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(cheongna, sizeof cheongna,
             "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", src ? src : ".");
    snprintf(yeouido, sizeof yeouido,
             "%s/assets/data/buildings/seoul_yeouido_osm_buildings.geojson", src ? src : ".");
    snprintf(dem, sizeof dem, "%s/assets/data/dem/seoul_dem.tif", src ? src : ".");
    GDALAllRegister();
    TW_RUN(test_cheongna_golden);
    TW_RUN(test_table_over_buffer_size);
    TW_RUN(test_cheongna_culling);
    TW_RUN(test_cheongna_blocks);
    TW_RUN(test_yeouido_golden);
    TW_RUN(test_pick_a_building);
    TW_RUN(test_click_reads_attributes);
    TW_RUN(test_bad_inputs);
    TW_RUN(test_broken_shapefiles);
    TW_RUN(test_cut_flatgeobuf);
    TW_RUN(test_legend_reserved);
    TW_RUN(test_click_in_a_window);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
