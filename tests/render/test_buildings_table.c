/* Buildings raised and coloured in the vertex shader from a per-building
 * table, their CPU meshes freed once uploaded, through the real binary on
 * Cheongna (full meshes: far_px and block_px 0): the report says no CPU
 * mesh bytes are held after the load; a scenario raising 청라 스퀘어7 to
 * 600 m draws it taller (the sky above it becomes a tower); a click
 * selecting it recolours it (the highlight) by rewriting its table row
 * alone; both with the meshes freed. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>

static char cheongna[1024];

/* Cheongna with full meshes everywhere; `more`: more layers after it. */
static void scene_text(char *out, size_t n, const double eye[3], const double target[3],
                       const char *more)
{
    snprintf(out, n,
             "{ \"name\": \"청라\", \"crs\": \"EPSG:5186\",\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\",\n"
             "      \"where\": \"uploader_edit_flag IS NULL\", \"far_px\": 0, \"block_px\": 0,\n"
             "      \"cache\": false }%s ],\n"
             "  \"bookmarks\": [ { \"name\": \"here\", \"eye\": [%.2f, %.2f, %.2f],\n"
             "                   \"target\": [%.2f, %.2f, %.2f] } ] }\n",
             cheongna, more, eye[0], eye[1], eye[2], target[0], target[1], target[2]);
}

/* Share of the pixels in [x0, x1) x [y0, y1) that differ by more than 40 in some channel. */
static double changed(const tw_image *a, const tw_image *b, int x0, int y0, int x1, int y1)
{
    if (a->width != b->width || a->height != b->height || a->channels != b->channels) return -1;
    long n = 0, off = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++, n++) {
            const uint8_t *p =
                &a->pixels[((size_t)y * (size_t)a->width + (size_t)x) * (size_t)a->channels];
            const uint8_t *q =
                &b->pixels[((size_t)y * (size_t)b->width + (size_t)x) * (size_t)b->channels];
            int d = 0;
            for (int k = 0; k < 3 && k < a->channels; k++)
                d = abs(p[k] - q[k]) > d ? abs(p[k] - q[k]) : d;
            off += d > 40;
        }
    return n ? (double)off / (double)n : 0;
}

/* The layer's report: CPU mesh bytes present and 0, buildings drawn. */
static void check_freed(json_object *r, const char *tag)
{
    json_object *b = tw_run_layer(r, "buildings");
    json_object *cpu = tw_run_get(b, "cpu_mesh_bytes");
    TW_CHECK_MSG(cpu != NULL, "%s: no cpu_mesh_bytes in the report", tag);
    TW_CHECK_MSG(cpu && json_object_get_int64(cpu) == 0, "%s: %s CPU mesh bytes held", tag,
                 cpu ? json_object_get_string(cpu) : "?");
    TW_CHECK_MSG(json_object_get_int(tw_run_get(b, "drawn")) > 100 &&
                     json_object_get_int64(tw_run_get(b, "triangles_total")) > 10000,
                 "%s: drawn %d", tag, json_object_get_int(tw_run_get(b, "drawn")));
}

static void test_raise_and_recolour(void)
{
    double xy[2];
    long fid = -1;
    TW_CHECK(tw_run_find_feature(cheongna, "청라 스퀘어7", xy, &fid));
    if (fid < 0) return;
    /* 1.2 km south of it, 150 m up, looking at its foot. */
    const double eye[3] = {xy[0], xy[1] - 1200, 150}, target[3] = {xy[0], xy[1], 40};
    char scene[4096];
    int rc;
    scene_text(scene, sizeof scene, eye, target, "");
    json_object *r0 = tw_run_scene(scene, "tbl_plain", "--bookmark here --wait-s 0.3", &rc);
    TW_CHECK(rc == 0 && r0);
    if (r0) check_freed(r0, "plain");

    char plan[600], text[400];
    snprintf(plan, sizeof plan, "%s/tbl_raise.geojson", tw_run_tmpdir());
    snprintf(text, sizeof text,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
             "\"properties\":{\"op\":\"raise\",\"fid\":%ld,\"height_m\":600},"
             "\"geometry\":null}]}",
             fid);
    tw_run_write_text(plan, text);
    scene_text(scene, sizeof scene, eye, target,
               ",\n    { \"kind\": \"scenario\", \"source\": \"tbl_raise.geojson\" }");
    json_object *r1 = tw_run_scene(scene, "tbl_raised", "--bookmark here --wait-s 0.3", &rc);
    TW_CHECK(rc == 0 && r1);
    if (r1) {
        check_freed(r1, "raised");
        TW_CHECK(json_object_get_int(tw_run_get(tw_run_layer(r1, "scenario"), "raised")) == 1);
    }

    char script[600], extra[800];
    snprintf(script, sizeof script, "%s/tbl_click.txt", tw_run_tmpdir());
    /* Straight down on it from 600 m, with and without a click on it. */
    scene_text(scene, sizeof scene, (double[3]){xy[0], xy[1] - 1, 600},
               (double[3]){xy[0], xy[1], 0}, "");
    json_object *r3 = tw_run_scene(scene, "tbl_above", "--bookmark here --wait-s 0.3", &rc);
    TW_CHECK(rc == 0 && r3);
    long rows3 =
        json_object_get_int64(tw_run_get(tw_run_layer(r3, "buildings"), "table_rows_written"));
    TW_CHECK_MSG(rows3 >= 2125, "rows written without a click: %ld", rows3);
    tw_run_write_text(script, "click 320 180\nwait 60\n");
    snprintf(extra, sizeof extra, "--bookmark here --script '%s'", script);
    json_object *r2 = tw_run_scene(scene, "tbl_click", extra, &rc);
    TW_CHECK(rc == 0 && r2);
    if (r2) {
        check_freed(r2, "selected");
        json_object *b = tw_run_layer(r2, "buildings");
        TW_CHECK_MSG(json_object_get_int64(tw_run_get(b, "selected_fid")) == fid,
                     "selected %s, want %ld", json_object_get_string(tw_run_get(b, "selected_fid")),
                     fid);
        /* The click rewrote the selected building's row, not the tile's
         * 2,125 (the same view's table was written as often without it). */
        long rows = json_object_get_int64(tw_run_get(b, "table_rows_written"));
        TW_CHECK_MSG(rows == rows3 + 1, "rows written with a click: %ld, without: %ld", rows,
                     rows3);
    }

    char a[512], b[512], c[512];
    snprintf(a, sizeof a, "%s/tbl_plain.png", tw_run_tmpdir());
    snprintf(b, sizeof b, "%s/tbl_raised.png", tw_run_tmpdir());
    snprintf(c, sizeof c, "%s/tbl_click.png", tw_run_tmpdir());
    char d[512];
    snprintf(d, sizeof d, "%s/tbl_above.png", tw_run_tmpdir());
    tw_image ia = {0}, ib = {0}, ic = {0}, id = {0};
    TW_CHECK(tw_img_load(a, &ia) && tw_img_load(b, &ib) && tw_img_load(c, &ic) &&
             tw_img_load(d, &id));
    /* Above the building's own top (the upper third, around the centre
     * column) the raised tower stands where there was sky. */
    int w = ia.width, h = ia.height;
    double up = changed(&ia, &ib, w / 2 - 8, h / 10, w / 2 + 8, h / 3);
    double below = changed(&ia, &ib, 0, h * 9 / 10, w, h);
    fprintf(stderr, "  raised to 600 m: %.3f of the sky above it changed, %.3f of the foreground\n",
            up, below);
    TW_CHECK_MSG(up > 0.5, "raised: only %.3f of the pixels above it changed", up);
    /* The highlight: the selected building's pixels around the centre change colour. */
    double sel = changed(&id, &ic, w / 2 - 10, h / 2 - 10, w / 2 + 10, h / 2 + 10);
    fprintf(stderr, "  selected: %.3f of the pixels around it changed\n", sel);
    TW_CHECK_MSG(sel > 0.2, "selected: only %.3f of the pixels around it changed", sel);
    tw_image_free(&ia), tw_image_free(&ib), tw_image_free(&ic), tw_image_free(&id);
    json_object_put(r0), json_object_put(r1), json_object_put(r2), json_object_put(r3);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(cheongna, sizeof cheongna,
             "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", src ? src : ".");
    GDALAllRegister();
    TW_RUN(test_raise_and_recolour);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
