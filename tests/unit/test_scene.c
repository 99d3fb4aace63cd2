/* Scene files: good ones parse, bad ones fail with a message that names
 * the place, unknown keys warn. */
#include "app_boundaries.h"
#include "app_certmap.h"
#include "app_cli.h"
#include "app_layer.h"
#include "app_scene.h"
#include "app_terrain.h"
#include "tw_log.h"
#include "tw_test.h"

#include <stdlib.h>
#include <unistd.h>

static tw_result parse(const char *text, app_scene *s, char *err, size_t n)
{
    return app_scene_parse(text, strlen(text), "scenes", s, err, n);
}

/* The config of the first layer of a kind, or NULL. */
static const void *cfg_of(const app_scene *s, const char *kind)
{
    const app_layer_entry *e = app_scene_find(s, kind);
    return e ? e->cfg : NULL;
}

static void test_full_scene(void)
{
    const char *text =
        "{ \"name\": \"서울\", \"name_en\": \"Seoul\", \"crs\": \"EPSG:5186\",\n"
        "  \"terrain\": { \"source\": \"../dem.tif\", \"nodata\": -9999, \"exaggeration\": 2 },\n"
        "  \"boundaries\": [ { \"source\": \"gu.json\", \"label_field\": \"name\", \"color\": [1, "
        "0, 0] } ],\n"
        "  \"bookmarks\": [ { \"name\": \"a\", \"eye\": [1, 2, 3], \"target\": [4, 5, 6] } ] }";
    app_scene s;
    char err[256] = "";
    TW_CHECK_MSG(parse(text, &s, err, sizeof err) == TW_OK, "%s", err);
    TW_CHECK_STR(s.name, "서울");
    const app_terrain_cfg *t = cfg_of(&s, "terrain");
    TW_CHECK(t != NULL);
    if (t) {
        TW_CHECK_STR(t->src.path, "scenes/../dem.tif");
        TW_CHECK(t->src.has_nodata && t->src.nodata == -9999);
        TW_CHECK(t->exaggeration == 2);
        TW_CHECK(!t->has_imagery);
    }
    /* Shorthand keys become layer entries: terrain first, then boundaries. */
    TW_CHECK(s.layer_count == 2);
    if (s.layer_count == 2) {
        TW_CHECK(s.layers[0].kind == &app_terrain_kind);
        TW_CHECK(s.layers[1].kind == &app_boundaries_kind);
        TW_CHECK_STR(app_scene_center_source(&s)->path, "scenes/../dem.tif");
    }
    TW_CHECK(app_scene_bookmark(&s, "a") && app_scene_bookmark(&s, "a")->target[2] == 6);
    TW_CHECK(app_scene_bookmark(&s, "b") == NULL);
    TW_CHECK(s.tz_offset_h == 9);
    TW_CHECK_STR(s.tz_label, "KST");
    app_scene_free(&s);
}

static void test_defaults(void)
{
    app_scene s;
    char err[256];
    TW_CHECK(parse("{}", &s, err, sizeof err) == TW_OK);
    TW_CHECK_STR(s.crs, "EPSG:5186");
    TW_CHECK(s.layer_count == 0 && !app_scene_find(&s, "terrain"));
    app_scene_free(&s);
}

static void expect_error(const char *text, const char *fragment)
{
    app_scene s;
    char err[256] = "";
    tw_result r = parse(text, &s, err, sizeof err);
    TW_CHECK_MSG(r != TW_OK, "parsed: %s", text);
    TW_CHECK_MSG(strstr(err, fragment) != NULL, "error '%s' lacks '%s'", err, fragment);
}

static void test_errors_name_the_problem(void)
{
    expect_error("{ \"terrain\": 5 }", "\"terrain\" must be an object");
    expect_error("{ \"terrain\": {} }", "terrain: \"source\" is missing");
    expect_error("{ \"terrain\": { \"source\": \"a.tif\", \"exaggeration\": \"high\" } }",
                 "\"exaggeration\" must be a number");
    expect_error("{ \"boundaries\": [ { \"source\": \"a\" }, { \"label_field\": 1 } ] }",
                 "boundaries[1]");
    expect_error("{ \"bookmarks\": [ { \"name\": \"x\", \"eye\": [1, 2] } ] }", "\"eye\" must be");
    expect_error("[1, 2]", "must be a JSON object");
    expect_error("{ \"name\": \"x\",\n  \"crs\": }", "line 2, column");
    expect_error("{ \"center\": [500, 0] }", "\"center\"");
}

/* json-c reads 1e400 as infinity; every number in a scene must be finite,
 * and coordinates within APP_CFG_MAX_COORD of the origin (1e200 used to
 * hang the main thread in the ground pick). */
static void test_non_finite_and_absurd_numbers(void)
{
    expect_error("{ \"terrain\": { \"source\": \"a.tif\", \"nodata\": 1e400 } }",
                 "terrain: \"nodata\" must be a finite number");
    expect_error("{ \"terrain\": { \"source\": \"a.tif\", \"nodata\": -1e400 } }",
                 "\"nodata\" must be a finite number");
    expect_error("{ \"terrain\": { \"source\": \"a.tif\", \"exaggeration\": 1e999 } }",
                 "\"exaggeration\" must be a finite number");
    expect_error("{ \"http_timeout_s\": 1e400 }", "\"http_timeout_s\" must be a finite number");
    expect_error("{ \"center\": [1e400, 37] }", "\"center\" must be [longitude, latitude] in "
                                                "degrees, each a finite number");
    expect_error("{ \"boundaries\": [ { \"source\": \"a\", \"color\": [1e400, 0, 0] } ] }",
                 "boundaries[0]: \"color\" must be");
    expect_error("{ \"boundaries\": [ { \"source\": \"a\", \"color\": [1e400, 0, 0] } ] }",
                 "a finite number");
    expect_error("{ \"bookmarks\": [ { \"name\": \"x\", \"eye\": [1e400, 2, 3], "
                 "\"target\": [1, 2, 3] } ] }",
                 "bookmarks[0]: \"eye\" must be [x, y, z] in the scene CRS, each a finite number");
    expect_error("{ \"bookmarks\": [ { \"name\": \"x\", \"eye\": [1, 2, 3], "
                 "\"target\": [1, 2, -1e400] } ] }",
                 "\"target\" must be [x, y, z] in the scene CRS, each a finite number");
    expect_error("{ \"bookmarks\": [ { \"name\": \"x\", \"eye\": [1e200, 2, 3], "
                 "\"target\": [1, 2, 3] } ] }",
                 "bookmarks[0]: \"eye\" must be [x, y, z] in the scene CRS within 1e+08 m");
    expect_error("{ \"bookmarks\": [ { \"name\": \"x\", \"eye\": [1, 2, 3], "
                 "\"target\": [200000, 2e8, 3] } ] }",
                 "\"target\" must be [x, y, z] in the scene CRS within 1e+08 m");
    expect_error("{ \"layers\": [ { \"kind\": \"points\", \"source\": \"p.csv\", "
                 "\"bbox\": [0, 0, 1e400, 1] } ] }",
                 "layers[0]: \"bbox\" must be [xmin, ymin, xmax, ymax] in the source's CRS, "
                 "each a finite number");
    expect_error("{ \"layers\": [ { \"kind\": \"points\", \"source\": \"p.csv\", "
                 "\"ramp\": [0, 1e400] } ] }",
                 "\"ramp\" must be [low, high], each a finite number");
    expect_error("{ \"tour\": [ { \"map\": true, \"hold_s\": 1e400 } ] }",
                 "tour[0]: \"hold_s\" must be a finite number");
    /* Large but sane values still load. */
    app_scene s;
    char err[256] = "";
    TW_CHECK_MSG(parse("{ \"bookmarks\": [ { \"name\": \"x\", \"eye\": [9e7, -9e7, 3e4], "
                       "\"target\": [1, 2, 3] } ] }",
                       &s, err, sizeof err) == TW_OK,
                 "%s", err);
    app_scene_free(&s);
}

static void test_unknown_keys_warn(void)
{
    tw_log_init(TW_LOG_ERROR); /* keep the output quiet */
    unsigned before = tw_log_count(TW_LOG_WARN);
    app_scene s;
    char err[256];
    TW_CHECK(parse("{ \"nmae\": \"typo\", \"terrain\": { \"source\": \"a\", \"colour\": 1 } }", &s,
                   err, sizeof err) == TW_OK);
    TW_CHECK(tw_log_count(TW_LOG_WARN) - before == 2);
    TW_CHECK(s.warnings == 2);
    app_scene_free(&s);
}

/* A scene over the size cap fails naming the limit. */
static void test_load_too_large(void)
{
    char path[] = "/tmp/citytwin-scene-XXXXXX";
    int fd = mkstemp(path);
    TW_CHECK(fd >= 0);
    if (fd < 0) return;
    TW_CHECK(ftruncate(fd, (off_t)APP_SCENE_MAX_BYTES + 1) == 0);
    close(fd);
    app_scene s;
    char err[256] = "";
    TW_CHECK(app_scene_load(path, &s, err, sizeof err) == TW_ERR_TOOBIG);
    TW_CHECK_MSG(strstr(err, "16 MB limit"), "%s", err);
    unlink(path);
}

static void test_load_missing_file(void)
{
    app_scene s;
    char err[256];
    TW_CHECK(app_scene_load("/no/such/scene.json", &s, err, sizeof err) == TW_ERR_IO);
    TW_CHECK_STR(err, "scene file not found");
}

static void test_cli(void)
{
    app_options o;
    char err[256];
    char *a1[] = {"citytwin",   "--headless", "--snapshot", "x.png", "--size",    "640x360",
                  "--bookmark", "b",          "--wait-s",   "1.5",   "scene.json"};
    TW_CHECK(app_cli_parse(11, a1, &o, err, sizeof err));
    TW_CHECK(o.headless && o.width == 640 && o.height == 360 && o.wait_s == 1.5);
    TW_CHECK_STR(o.scene, "scene.json");
    TW_CHECK_STR(o.snapshot, "x.png");
    char *a2[] = {"citytwin", "--size", "640"};
    TW_CHECK(!app_cli_parse(3, a2, &o, err, sizeof err));
    TW_CHECK(strstr(err, "--size") != NULL);
    char *a3[] = {"citytwin", "--bogus"};
    TW_CHECK(!app_cli_parse(2, a3, &o, err, sizeof err));
    TW_CHECK(strstr(err, "unknown option '--bogus'") != NULL);
    char *a4[] = {"citytwin", "--snapshot"};
    TW_CHECK(!app_cli_parse(2, a4, &o, err, sizeof err));
    TW_CHECK(strstr(err, "needs a value") != NULL);
    /* --pick outside the picture is a command-line error naming its size. */
    char *q6[] = {"citytwin", "--size", "640x360", "--pick", "5000,5000"};
    TW_CHECK(!app_cli_parse(5, q6, &o, err, sizeof err));
    TW_CHECK_MSG(strstr(err, "--pick 5000,5000") && strstr(err, "640x360"), "%s", err);
    char *q7[] = {"citytwin", "--pick", "100,720"}; /* the default 1280x720 */
    TW_CHECK(!app_cli_parse(3, q7, &o, err, sizeof err));
    TW_CHECK_MSG(strstr(err, "--pick") && strstr(err, "1280x720"), "%s", err);
    char *q8[] = {"citytwin", "--pick", "639,359", "--size", "640x360"};
    TW_CHECK_MSG(app_cli_parse(5, q8, &o, err, sizeof err), "%s", err);
    char *a5[] = {"citytwin", "a.json", "b.json"};
    TW_CHECK(!app_cli_parse(3, a5, &o, err, sizeof err));
    char *a6[] = {"citytwin", "--map", "--pick", "515,160"};
    TW_CHECK(app_cli_parse(4, a6, &o, err, sizeof err));
    TW_CHECK(o.map && o.pick_x == 515 && o.pick_y == 160);
    char *a7[] = {"citytwin", "--pick", "515"};
    TW_CHECK(!app_cli_parse(3, a7, &o, err, sizeof err));
    TW_CHECK(strstr(err, "--pick wants X,Y") != NULL);
    /* --hover: the same pixel rules as --pick. */
    char *h1[] = {"citytwin", "--size", "640x360", "--hover", "320,168"};
    TW_CHECK_MSG(app_cli_parse(5, h1, &o, err, sizeof err), "%s", err);
    TW_CHECK(o.hover && o.hover_x == 320 && o.hover_y == 168);
    char *h2[] = {"citytwin", "--size", "640x360", "--hover", "640,10"};
    TW_CHECK(!app_cli_parse(5, h2, &o, err, sizeof err));
    TW_CHECK_MSG(strstr(err, "--hover 640,10") && strstr(err, "640x360"), "%s", err);
    char *h3[] = {"citytwin", "--hover", "12;4"};
    TW_CHECK(!app_cli_parse(3, h3, &o, err, sizeof err));
    TW_CHECK_MSG(strstr(err, "--hover wants X,Y") != NULL, "%s", err);
    char *a8[] = {"citytwin", "--map", "--tour"};
    TW_CHECK(!app_cli_parse(3, a8, &o, err, sizeof err));
}

static void test_map_and_tour(void)
{
    const char *text =
        "{ \"map\": { \"certifications\": \"c.json\", \"scheme\": \"s.json\", \"year\": 2023,\n"
        "    \"municipalities\": { \"source\": \"m.geojson\", \"code_field\": \"code\" },\n"
        "    \"twins\": [ { \"city\": \"서울특별시\", \"scene\": \"seoul.json\", \"bookmark\": "
        "\"o\" } ] },\n"
        "  \"tour\": [ { \"map\": true, \"year\": \"all\", \"hold_s\": 3 },\n"
        "    { \"city\": \"서울특별시\", \"twin\": false },\n"
        "    { \"scene\": \"x.json\", \"bookmark\": \"b\", \"caption\": \"캡션\" },\n"
        "    { \"bookmark\": \"b\" } ] }";
    app_scene s;
    char err[256] = "";
    TW_CHECK_MSG(parse(text, &s, err, sizeof err) == TW_OK, "%s", err);
    const app_map_cfg *m = cfg_of(&s, "map");
    TW_CHECK(m && m->year == 2023);
    if (m) {
        TW_CHECK_STR(m->certifications, "scenes/c.json");
        TW_CHECK_STR(m->municipalities.src.path, "scenes/m.geojson");
        TW_CHECK(!m->provinces.src.path);
    }
    const app_twin *t = app_map_cfg_twin(m, "서울특별시");
    TW_CHECK(t && strcmp(t->scene, "scenes/seoul.json") == 0 && strcmp(t->bookmark, "o") == 0);
    TW_CHECK(app_map_cfg_twin(m, "부산광역시") == NULL);
    TW_CHECK(s.tour_count == 4);
    if (s.tour_count == 4) {
        TW_CHECK(s.tour[0].kind == APP_STOP_MAP && s.tour[0].year == 0 && s.tour[0].hold_s == 3);
        TW_CHECK(s.tour[1].kind == APP_STOP_CITY && !s.tour[1].twin && s.tour[1].hold_s == 8);
        TW_CHECK(s.tour[2].kind == APP_STOP_SCENE && strcmp(s.tour[2].scene, "scenes/x.json") == 0);
        TW_CHECK(s.tour[3].kind == APP_STOP_BOOKMARK);
    }
    app_scene_free(&s);
    expect_error("{ \"map\": { \"certifications\": \"c\", \"scheme\": \"s\" } }",
                 "\"municipalities\" is missing");
    expect_error("{ \"map\": { \"scheme\": \"s\" } }", "\"certifications\" is missing");
    expect_error("{ \"map\": { \"certifications\": \"c\", \"scheme\": \"s\", \"year\": \"2021x\","
                 " \"municipalities\": { \"source\": \"m\" } } }",
                 "\"year\" must be a year");
    expect_error("{ \"tour\": [ { \"hold_s\": 3 } ] }", "tour[0]");
    expect_error("{ \"tour\": [ { \"map\": true, \"hold_s\": -1 } ] }", "\"hold_s\"");
    expect_error("{ \"tour\": {} }", "\"tour\" must be an array");
    expect_error(
        "{ \"map\": { \"certifications\": \"c\", \"scheme\": \"s\","
        " \"municipalities\": { \"source\": \"m\" }, \"twins\": [ { \"city\": \"x\" } ] } }",
        "map.twins[0]");
}

/* The general form: "layers", in order, each read by its own kind. */
static void test_layers_list(void)
{
    tw_log_init(TW_LOG_ERROR);
    const char *text =
        "{ \"terrain\": { \"source\": \"dem.tif\" }, \"imagery\": { \"source\": \"o.tif\" },\n"
        "  \"layers\": [ { \"kind\": \"boundaries\", \"source\": \"a.json\", \"name\": \"A\" },\n"
        "              { \"kind\": \"hologram\", \"source\": \"x\" },\n"
        "              { \"kind\": \"boundaries\", \"source\": \"b.json\", \"width\": 3 } ] }";
    app_scene s;
    char err[256] = "";
    unsigned before = tw_log_count(TW_LOG_WARN);
    TW_CHECK_MSG(parse(text, &s, err, sizeof err) == TW_OK, "%s", err);
    TW_CHECK(s.layer_count == 4);
    if (s.layer_count == 4) {
        const app_terrain_cfg *t = s.layers[0].cfg;
        TW_CHECK(t->has_imagery && strcmp(t->imagery.path, "scenes/o.tif") == 0);
        TW_CHECK(s.layers[1].kind == &app_boundaries_kind && strcmp(s.layers[1].name, "A") == 0);
        /* An unknown kind is kept, without a config, to be reported as an error. */
        TW_CHECK(s.layers[2].kind == NULL && strcmp(s.layers[2].kind_name, "hologram") == 0);
        TW_CHECK(s.layers[3].kind == &app_boundaries_kind);
    }
    TW_CHECK(tw_log_count(TW_LOG_WARN) - before == 1);
    app_scene_free(&s);
    /* A known kind's bad key is an error naming the entry and the key. */
    TW_CHECK(parse("{ \"layers\": [ { \"kind\": \"boundaries\", \"source\": \"a\" },"
                   " { \"kind\": \"boundaries\", \"source\": \"b\", \"width\": \"wide\" } ] }",
                   &s, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "layers[1]") && strstr(err, "\"width\""), "%s", err);
    TW_CHECK(parse("{ \"layers\": [ { \"source\": \"a\" } ] }", &s, err, sizeof err) ==
             TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "\"kind\" is missing"), "%s", err);
    TW_CHECK(parse("{ \"imagery\": 3, \"terrain\": { \"source\": \"a\" } }", &s, err, sizeof err) ==
             TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "\"imagery\" must be an object"), "%s", err);
}

/* The detail panel service: anyone draws until a layer claims it, then
 * only the last claimant; releasing by another layer changes nothing. */
static void test_panel_claim(void)
{
    app_world w = {0};
    int a = 0, b = 0;
    TW_CHECK(app_world_panel_mine(&w, &a) && app_world_panel_mine(&w, &b));
    app_world_claim_panel(&w, &a);
    TW_CHECK(app_world_panel_mine(&w, &a) && !app_world_panel_mine(&w, &b));
    app_world_claim_panel(&w, &b);
    TW_CHECK(!app_world_panel_mine(&w, &a) && app_world_panel_mine(&w, &b));
    app_world_release_panel(&w, &a);
    TW_CHECK(!app_world_panel_mine(&w, &a));
    app_world_release_panel(&w, &b);
    TW_CHECK(app_world_panel_mine(&w, &a) && app_world_panel_mine(&w, &b));
}

int main(void)
{
    TW_RUN(test_layers_list);
    TW_RUN(test_panel_claim);
    TW_RUN(test_full_scene);
    TW_RUN(test_defaults);
    TW_RUN(test_errors_name_the_problem);
    TW_RUN(test_unknown_keys_warn);
    TW_RUN(test_non_finite_and_absurd_numbers);
    TW_RUN(test_load_missing_file);
    TW_RUN(test_load_too_large);
    TW_RUN(test_cli);
    TW_RUN(test_map_and_tour);
    return TW_TEST_END();
}
