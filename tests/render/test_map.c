/* The national certification map and the expo tour, through the real binary
 * (headless): golden pictures for 2021 and for all years, picking Seoul at a
 * pixel of its polygon, bad certification files and a missing boundary file,
 * and a short tour that shows every stop in order and skips what it cannot. */
#include "tw_run.h"
#include "tw_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The picture size of every run here; the pixels below are for it. */
#define MAP_SIZE "1280x720"

static char assets[700];

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A map scene in the test folder pointing at the shipped data; any of the
 * four files may be replaced. */
static void write_map_scene_ex(const char *path, const char *year, const char *certs,
                               const char *munis, bool extrude);

static void write_map_scene(const char *path, const char *year, const char *certs,
                            const char *munis)
{
    write_map_scene_ex(path, year, certs, munis, false);
}

static void write_map_scene_ex(const char *path, const char *year, const char *certs,
                               const char *munis, bool extrude)
{
    FILE *f = fopen(path, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(f,
            "{ \"name\": \"map test\", \"crs\": \"EPSG:5179\",\n"
            "  \"map\": { \"certifications\": \"%s\", \"scheme\": \"%s/cert/scheme.json\",\n"
            "    \"year\": %s, \"extrude\": %s,\n"
            "    \"municipalities\": { \"source\": \"%s\" },\n"
            "    \"provinces\": { \"source\": "
            "\"%s/data/admin/skorea-provinces-2018-geo-simple.geojson\" } } }\n",
            certs, assets, year, extrude ? "true" : "false", munis, assets);
    fclose(f);
}

static void default_paths(char *certs, size_t nc, char *munis, size_t nm)
{
    snprintf(certs, nc, "%s/cert/certifications.json", assets);
    snprintf(munis, nm, "%s/data/admin/skorea-municipalities-2018-geo-simple.geojson", assets);
}

static json_object *run_map(const char *scene, const char *extra, const char *tag, int *rc)
{
    char png[512], rep[512], err[512], args[3000];
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    snprintf(args, sizeof args,
             "--map --headless --deterministic --size " MAP_SIZE
             " --snapshot '%s' --report '%s' %s '%s'",
             png, rep, extra, scene);
    *rc = tw_run_citytwin(args, err);
    return tw_run_load_json(rep);
}

static json_object *layer_named(json_object *r, const char *name)
{
    json_object *ls = member(r, "layers");
    for (size_t i = 0; ls && i < json_object_array_length(ls); i++) {
        json_object *l = json_object_array_get_idx(ls, i);
        if (strcmp(str(l, "name"), name) == 0) return l;
    }
    return NULL;
}

static void check_golden_year(const char *year, const char *tag, int records, int certified,
                              int extended)
{
    char scene[512], certs[1024], munis[1024], png[600];
    default_paths(certs, sizeof certs, munis, sizeof munis);
    snprintf(scene, sizeof scene, "%s/%s.scene.json", tw_run_tmpdir(), tag);
    write_map_scene(scene, year, certs, munis);
    int rc;
    json_object *r = run_map(scene, "", tag, &rc);
    TW_CHECK(rc == 0);
    TW_CHECK(r != NULL);
    if (!r) return;
    TW_CHECK_STR(str(r, "mode"), "map");
    TW_CHECK_STR(str(layer_named(r, "certifications"), "status"), "ok");
    TW_CHECK_STR(str(layer_named(r, "municipalities"), "status"), "ok");
    TW_CHECK(tw_run_num(layer_named(r, "municipalities"), "features") == 250);
    TW_CHECK(tw_run_num(layer_named(r, "provinces"), "features") == 17);
    json_object *m = member(r, "map");
    TW_CHECK(tw_run_num(m, "records") == records);
    TW_CHECK(tw_run_num(m, "certified") == certified);
    TW_CHECK(tw_run_num(m, "extended") == extended);
    TW_CHECK(tw_run_num(member(r, "log"), "errors") == 0);
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    TW_CHECK(tw_golden_check(png, tag));
    json_object_put(r);
}

/* Counts from shared/reference/CERTIFICATION.md: 8 certified in 2021;
 * over all years 36 certifications and 22 extensions (2023: 8, 2024: 7,
 * 2025: 7). */
static void test_map_2021_matches_golden(void)
{
    check_golden_year("2021", "map_2021", 8, 8, 0);
}

static void test_map_all_years_matches_golden(void)
{
    check_golden_year("\"all\"", "map_all", 58, 36, 22);
}

/* 3D: the certified municipalities stand up, the view tilts; the picture
 * is far from the flat one (whose golden is checked above). */
static void test_map_extruded(void)
{
    char scene[512], certs[1024], munis[1024], png[600], flat[600];
    default_paths(certs, sizeof certs, munis, sizeof munis);
    snprintf(scene, sizeof scene, "%s/map3d.scene.json", tw_run_tmpdir());
    write_map_scene_ex(scene, "\"all\"", certs, munis, true);
    int rc;
    json_object *r = run_map(scene, "", "map_3d", &rc);
    TW_CHECK(rc == 0);
    json_object *m = member(r, "map");
    TW_CHECK(m && json_object_get_boolean(member(m, "extrude")));
    TW_CHECK(tw_run_num(member(r, "camera"), "tilt") > 30);
    snprintf(png, sizeof png, "%s/map_3d.png", tw_run_tmpdir());
    snprintf(flat, sizeof flat, "%s/map_all.png", tw_run_tmpdir());
    tw_image a = {0}, b = {0};
    TW_CHECK(tw_img_load(png, &a) && tw_img_load(flat, &b));
    tw_img_diff d = tw_img_compare(&a, &b, TW_GOLDEN_THRESHOLD);
    printf("  3D vs flat: mean abs diff %.2f, %.1f%% of pixels off\n", d.mad, d.share_off * 100);
    TW_CHECK(d.same_size && d.share_off > 0.05);
    tw_image_free(&a);
    tw_image_free(&b);
    json_object_put(r);
}

/* Central Seoul at 1280x720 with the map framed (its gu are small, so the
 * pixel is well inside: 용산구 / 중구 / 종로구 all belong to Seoul). */
static void test_pick_selects_seoul(void)
{
    char scene[512], certs[1024], munis[1024];
    default_paths(certs, sizeof certs, munis, sizeof munis);
    snprintf(scene, sizeof scene, "%s/pick.scene.json", tw_run_tmpdir());
    write_map_scene(scene, "2021", certs, munis);
    int rc;
    json_object *r = run_map(scene, "--pick 515,160", "pick_seoul", &rc);
    TW_CHECK(rc == 0);
    json_object *p = member(r, "pick");
    TW_CHECK_STR(str(p, "kind"), "city");
    TW_CHECK_STR(str(p, "name_ko"), "서울특별시");
    TW_CHECK(strncmp(str(p, "admin_code"), "11", 2) == 0);
    TW_CHECK_STR(str(p, "status"), "certified");
    TW_CHECK(tw_run_num(p, "grade") == 3);
    TW_CHECK_STR(str(member(r, "map"), "selected"), "서울특별시");
    /* The lon/lat under the pixel is in Seoul (an independent check that the
     * pixel is where the test thinks). */
    TW_CHECK(tw_run_num(p, "lon") > 126.8 && tw_run_num(p, "lon") < 127.2);
    TW_CHECK(tw_run_num(p, "lat") > 37.4 && tw_run_num(p, "lat") < 37.7);
    json_object_put(r);
    /* The sea off the east coast: nothing there. */
    r = run_map(scene, "--pick 1000,500", "pick_sea", &rc);
    TW_CHECK(rc == 0);
    TW_CHECK(strcmp(str(member(r, "pick"), "kind"), "city") != 0);
    TW_CHECK(str(member(r, "pick"), "admin_code")[0] == 0);
    json_object_put(r);
}

/* A pick on the summary panel (top right, app_mapui_reserved: 290 px wide
 * from y = 140 at scale 1) is the panel, not the map under it. */
static void test_pick_on_summary_panel(void)
{
    char scene[512], certs[1024], munis[1024];
    default_paths(certs, sizeof certs, munis, sizeof munis);
    snprintf(scene, sizeof scene, "%s/pick_panel.scene.json", tw_run_tmpdir());
    write_map_scene(scene, "2021", certs, munis);
    int rc;
    json_object *r = run_map(scene, "--pick 1130,280", "pick_panel", &rc);
    TW_CHECK(rc == 0);
    json_object *p = member(r, "pick");
    TW_CHECK_STR(str(p, "kind"), "panel");
    TW_CHECK_STR(str(p, "panel"), "map");
    TW_CHECK(member(p, "position") == NULL);
    TW_CHECK(str(p, "admin_code")[0] == 0);
    json_object_put(r);
}

/* Each bad certification file: one clear line naming it, the map still
 * shows (exit 0) with the valid records. */
static void test_bad_certification_files(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    static const struct {
        const char *file;
        const char *status;
        int records; /* -1: not checked */
    } cases[] = {
        {"wrong_type.json", "ok", 1},   {"unknown_code.json", "ok", 1},
        {"duplicate.json", "ok", 1},    {"year_outside_scheme.json", "ok", 1},
        {"not_json.json", "error", -1}, {"no_such_file.json", "error", -1},
    };
    char munis[1024], dummy[1024];
    default_paths(dummy, sizeof dummy, munis, sizeof munis);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char certs[1024], scene[600], tag[64], errp[600];
        snprintf(certs, sizeof certs, "%s/tests/data/cert/%s", src ? src : ".", cases[i].file);
        snprintf(tag, sizeof tag, "bad_cert_%zu", i);
        snprintf(scene, sizeof scene, "%s/%s.scene.json", tw_run_tmpdir(), tag);
        write_map_scene(scene, "\"all\"", certs, munis);
        int rc;
        json_object *r = run_map(scene, "", tag, &rc);
        printf("  %s: exit %d\n", cases[i].file, rc);
        TW_CHECK(rc == 0);
        json_object *c = layer_named(r, "certifications");
        TW_CHECK_STR(str(c, "status"), cases[i].status);
        if (cases[i].records >= 0) TW_CHECK(tw_run_num(c, "features") == cases[i].records);
        TW_CHECK_STR(str(layer_named(r, "municipalities"), "status"), "ok");
        snprintf(errp, sizeof errp, "%s/%s.err", tw_run_tmpdir(), tag);
        char *err = tw_run_read_text(errp);
        TW_CHECK(err && strstr(err, cases[i].file) != NULL);
        free(err);
        json_object_put(r);
    }
}

/* A missing boundary file: that layer is an error, the rest shows. */
static void test_missing_boundary_file(void)
{
    char scene[512], certs[1024], munis[1024], errp[600];
    default_paths(certs, sizeof certs, munis, sizeof munis);
    snprintf(munis, sizeof munis, "%s/no-such-municipalities.geojson", tw_run_tmpdir());
    snprintf(scene, sizeof scene, "%s/nomuni.scene.json", tw_run_tmpdir());
    write_map_scene(scene, "2021", certs, munis);
    int rc;
    json_object *r = run_map(scene, "", "nomuni", &rc);
    TW_CHECK(rc == 0);
    TW_CHECK_STR(str(layer_named(r, "municipalities"), "status"), "error");
    TW_CHECK_STR(str(layer_named(r, "provinces"), "status"), "ok");
    TW_CHECK_STR(str(layer_named(r, "certifications"), "status"), "ok");
    snprintf(errp, sizeof errp, "%s/nomuni.err", tw_run_tmpdir());
    char *err = tw_run_read_text(errp);
    TW_CHECK(err && strstr(err, "no-such-municipalities.geojson") != NULL);
    free(err);
    json_object_put(r);
}

/* --map with an ordinary scene opens the national map of the assets. */
static void test_map_flag_with_plain_scene(void)
{
    int rc;
    char seoul[1200];
    snprintf(seoul, sizeof seoul, "%s/scenes/seoul.json", assets);
    json_object *r = run_map(seoul, "", "map_default", &rc);
    TW_CHECK(rc == 0);
    TW_CHECK_STR(str(r, "mode"), "map");
    TW_CHECK(strstr(str(r, "scene"), "korea.json") != NULL);
    json_object_put(r);
}

static void test_tour_shows_every_stop_in_order(void)
{
    char tour[512], rep[512], errp[512], png[512], args[2000];
    snprintf(tour, sizeof tour, "%s/tour.json", tw_run_tmpdir());
    FILE *f = fopen(tour, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fputs("{ \"name\": \"tour test\", \"tour\": [\n"
          "  { \"map\": true, \"year\": \"all\", \"hold_s\": 0.2 },\n"
          "  { \"city\": \"서울 강남구\", \"year\": 2021, \"hold_s\": 0.2 },\n"
          "  { \"city\": \"대전광역시\", \"year\": 2021, \"hold_s\": 0.2 },\n"
          "  { \"scene\": \"missing.json\", \"hold_s\": 0.2 },\n"
          "  { \"city\": \"가상시\", \"hold_s\": 0.2 },\n"
          "  { \"map\": true, \"year\": 2023, \"hold_s\": 0.2 } ] }\n",
          f);
    fclose(f);
    snprintf(rep, sizeof rep, "%s/tour.report.json", tw_run_tmpdir());
    snprintf(errp, sizeof errp, "%s/tour.err", tw_run_tmpdir());
    snprintf(png, sizeof png, "%s/tour.png", tw_run_tmpdir());
    snprintf(args, sizeof args,
             "--tour --headless --deterministic --size 640x360 --snapshot '%s' --report '%s' '%s'",
             png, rep, tour);
    int rc = tw_run_citytwin(args, errp);
    TW_CHECK(rc == 0);
    json_object *r = tw_run_load_json(rep);
    TW_CHECK_STR(str(r, "mode"), "tour");
    json_object *t = member(r, "tour");
    TW_CHECK(tw_run_num(t, "passes") == 1);
    static const struct {
        int stop;
        const char *kind, *name, *status;
    } want[] = {
        {0, "map", "all years", "shown"},    {1, "city", "서울 강남구", "shown"},
        {1, "twin", "서울 강남구", "shown"}, {2, "city", "대전광역시", "shown"},
        {3, "scene", NULL, "skipped"},       {4, "city", "가상시", "skipped"},
        {5, "map", "2023", "shown"},
    };
    json_object *log = member(t, "log");
    size_t n = sizeof want / sizeof *want;
    TW_CHECK(log && json_object_array_length(log) == n);
    double last_t = -1;
    for (size_t i = 0; log && i < n && i < json_object_array_length(log); i++) {
        json_object *e = json_object_array_get_idx(log, i);
        TW_CHECK(tw_run_num(e, "stop") == want[i].stop);
        TW_CHECK_STR(str(e, "kind"), want[i].kind);
        if (want[i].name) TW_CHECK_STR(str(e, "name"), want[i].name);
        TW_CHECK_STR(str(e, "status"), want[i].status);
        TW_CHECK(tw_run_num(e, "t_s") >= last_t);
        last_t = tw_run_num(e, "t_s");
    }
    /* The skipped stops say why, on one line each. */
    char *err = tw_run_read_text(errp);
    TW_CHECK(err && strstr(err, "missing.json") && strstr(err, "skipped"));
    TW_CHECK(err && strstr(err, "가상시"));
    free(err);
    json_object_put(r);
}

/* SIGTERM ends a running headless tour the orderly way: the report (with
 * the tour's log so far) and the snapshot are written before it exits. */
static void test_sigterm_writes_report(void)
{
    char tour[1200], rep[512], errp[512], png[512], args[3000];
    snprintf(tour, sizeof tour, "%s/scenes/seoul.json", assets); /* the long demo tour */
    snprintf(rep, sizeof rep, "%s/term.report.json", tw_run_tmpdir());
    snprintf(errp, sizeof errp, "%s/term.err", tw_run_tmpdir());
    snprintf(png, sizeof png, "%s/term.png", tw_run_tmpdir());
    remove(rep);
    remove(png);
    snprintf(args, sizeof args,
             "--tour --headless --deterministic --size 640x360 --snapshot '%s' --report '%s' '%s'",
             png, rep, tour);
    int pid = tw_run_citytwin_start(args, errp);
    TW_CHECK(pid > 0);
    if (pid <= 0) return;
    /* About 3 s in, once the first stop is on screen (at most 60 s). */
    bool shown = false;
    for (int i = 0; i < 600 && !shown; i++) {
        usleep(100000);
        char *err = tw_run_read_text(errp);
        shown = err && strstr(err, "[tour] stop 1:") != NULL && i >= 30;
        free(err);
    }
    TW_CHECK_MSG(shown, "the tour showed no stop in 60 s");
    kill(pid, SIGTERM);
    int rc = tw_run_wait(pid, 30);
    TW_CHECK_MSG(rc >= 0, "citytwin did not end on its own after SIGTERM (%d)", rc);
    json_object *r = tw_run_load_json(rep);
    TW_CHECK_MSG(r != NULL, "no valid report after SIGTERM");
    TW_CHECK_STR(str(r, "mode"), "tour");
    json_object *t = member(r, "tour");
    /* Every stop of the demo's tour (counted here from the scene file). */
    const char *src = getenv("CITYTWIN_SOURCE");
    char demo[1024];
    snprintf(demo, sizeof demo, "%s/assets/scenes/seoul.json", src ? src : ".");
    json_object *scene = tw_run_load_json(demo), *stops = member(scene, "tour");
    int want = stops ? (int)json_object_array_length(stops) : -1;
    TW_CHECK_MSG(want > 30 && tw_run_num(t, "stops") == want, "%g stops, the demo has %d",
                 tw_run_num(t, "stops"), want);
    json_object_put(scene);
    json_object *log = member(t, "log");
    size_t n = log ? json_object_array_length(log) : 0;
    TW_CHECK_MSG(n >= 1 && (int)n < want + 12, "%zu log entries", n);
    json_object *e = n ? json_object_array_get_idx(log, 0) : NULL;
    TW_CHECK_STR(str(e, "kind"), "map");
    TW_CHECK_STR(str(e, "status"), "shown");
    TW_CHECK_STR(str(r, "snapshot"), png);
    tw_image img = {0};
    TW_CHECK(tw_img_load(png, &img) && img.width == 640 && img.height == 360);
    tw_image_free(&img);
    char *err = tw_run_read_text(errp);
    TW_CHECK(err && strstr(err, "stopped by signal 15"));
    free(err);
    json_object_put(r);
}

int main(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN not set");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) here");
    snprintf(assets, sizeof assets, "%.680s/assets", src ? src : ".");
    TW_RUN(test_map_2021_matches_golden);
    TW_RUN(test_map_all_years_matches_golden);
    TW_RUN(test_map_extruded);
    TW_RUN(test_pick_selects_seoul);
    TW_RUN(test_pick_on_summary_panel);
    TW_RUN(test_bad_certification_files);
    TW_RUN(test_missing_boundary_file);
    TW_RUN(test_map_flag_with_plain_scene);
    TW_RUN(test_tour_shows_every_stop_in_order);
    TW_RUN(test_sigterm_writes_report);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
