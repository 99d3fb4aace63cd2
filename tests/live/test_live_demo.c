/* The demo's live layers and --record / --replay, through the real binary:
 * - the demo scene (no FEEDSIM in the environment) starts citytwin-feedsim
 *   itself: its parking, PM10 and facility-tilt layers are ok with the
 *   simulator's entity counts, and the server is gone once the app exits;
 * - when the simulator cannot start, those layers are errors saying why and
 *   the rest of the demo runs (exit 0);
 * - a run recorded against the simulator, replayed with the simulator
 *   stopped, shows the same layer contents (report digests), and neither
 *   stderr, the report nor the recording holds the API key;
 * - traffic segments are classed as TOPIS does (speed bands, congested),
 *   from NGSI-LD and GeoJSON;
 * - SensorThings without $expand, through separate requests, shows what
 *   the expanded list shows;
 * - with feeds dripping and hanging, the longest frame is within 2x the
 *   median frame;
 * - the shipped recording (assets/recordings/seoul-demo, synthetic) played
 *   under --deterministic matches the golden picture seoul_live_replay. */
#include "tw_feedsim.h"
#include "tw_live_util.h"
#include "tw_run.h"
#include "tw_test.h"

#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "k3y-Rc55-never-recorded"

#define LIVE_LAYERS 4
static const char *const live_names[LIVE_LAYERS] = {
    "공영주차장 parking (simulated)", "미세먼지 PM10 air quality (simulated)",
    "시설물 안전 facility tilt (simulated)", "도로 소통 traffic speed (simulated)"};
static const int live_counts[LIVE_LAYERS] = {25, 6, 15, 10};

/* True when something answers HTTP on the loopback port. */
static bool port_answers(int port)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    return rc == CURLE_OK;
}

static void test_demo_starts_simulator(void)
{
    unsetenv("FEEDSIM");
    unsetenv("CITYTWIN_FEEDSIM_BIN"); /* the one beside the citytwin binary */
    char args[1200];
    snprintf(args, sizeof args,
             "--headless --deterministic --size 320x180 --bookmark live --report '%s'",
             tw_live_tmp("demo.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("demo.err"));
    TW_CHECK(rc == 0);
    json_object *r = tw_run_load_json(tw_live_tmp("demo.json"));
    for (int i = 0; i < LIVE_LAYERS; i++) {
        json_object *l = tw_live_layer(r, live_names[i]);
        TW_CHECK_MSG(l != NULL, "no layer %s", live_names[i]);
        TW_CHECK_MSG(strcmp(tw_live_str(l, "status"), "ok") == 0, "%s: %s (%s)", live_names[i],
                     tw_live_str(l, "status"), tw_live_str(l, "error"));
        TW_CHECK_MSG(tw_run_num(l, "features") == live_counts[i], "%s: %g features", live_names[i],
                     tw_run_num(l, "features"));
    }
    json_object_put(r);
    char *err = tw_run_read_text(tw_live_tmp("demo.err"));
    const char *at = err ? strstr(err, "listens on http://127.0.0.1:") : NULL;
    TW_CHECK_MSG(at != NULL, "the app did not say it started the simulator");
    if (at) {
        int port = atoi(at + strlen("listens on http://127.0.0.1:"));
        TW_CHECK(port > 0);
        TW_CHECK_MSG(!port_answers(port), "the simulator on port %d outlived the app", port);
    }
    free(err);
}

static void test_demo_without_simulator(void)
{
    unsetenv("FEEDSIM");
    setenv("CITYTWIN_FEEDSIM_BIN", "/nonexistent/citytwin-feedsim", 1);
    char args[1200];
    snprintf(args, sizeof args, "--headless --size 320x180 --bookmark live --report '%s'",
             tw_live_tmp("nosim.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("nosim.err"));
    unsetenv("CITYTWIN_FEEDSIM_BIN");
    TW_CHECK(rc == 0);
    json_object *r = tw_run_load_json(tw_live_tmp("nosim.json"));
    for (int i = 0; i < LIVE_LAYERS; i++) {
        json_object *l = tw_live_layer(r, live_names[i]);
        TW_CHECK_MSG(strcmp(tw_live_str(l, "status"), "error") == 0, "%s: %s", live_names[i],
                     tw_live_str(l, "status"));
        TW_CHECK_MSG(tw_live_str(l, "error")[0] != '\0', "%s: no reason", live_names[i]);
    }
    TW_CHECK_STR(tw_live_str(tw_run_layer(r, "terrain"), "status"), "ok");
    TW_CHECK_STR(tw_live_str(tw_run_layer(r, "buildings"), "status"), "ok");
    json_object_put(r);
    char *err = tw_run_read_text(tw_live_tmp("nosim.err"));
    TW_CHECK_MSG(err && strstr(err, "demo feed server could not start"), "stderr: %s",
                 err ? err : "");
    free(err);
}

static bool file_has(const char *path, const char *needle)
{
    char *t = tw_run_read_text(path);
    bool has = t && strstr(t, needle);
    free(t);
    return has;
}

static void test_record_then_replay(void)
{
    tw_feedsim sim;
    setenv("CITYTWIN_FEEDSIM_BIN", getenv("TW_FEEDSIM_BIN"), 1);
    bool up = tw_feedsim_start(
        &sim, (const char *const[]){"--port", "0", "--seed", "3", "--api-key", SECRET, NULL});
    unsetenv("CITYTWIN_FEEDSIM_BIN");
    TW_CHECK_MSG(up, "citytwin-feedsim did not start");
    if (!up) return;
    FILE *f = fopen(tw_live_tmp("rec.json"), "w");
    fprintf(f,
            "{ \"name\": \"rec\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"parking\", \"name\": \"P\", \"format\": \"ngsi-ld\", \"url\": "
            "\"${FEEDSIM}/ngsi-ld/v1/entities?type=OffStreetParking\", \"poll_s\": 30 },\n"
            "  { \"kind\": \"sensors\", \"name\": \"T\", \"format\": \"sensorthings\", \"url\": "
            "\"${FEEDSIM}/sta/v1.1/Things?$expand=Locations,Datastreams/Observations($top=1)\", "
            "\"poll_s\": 30, \"value\": \"기울기\" },\n"
            "  { \"kind\": \"parking\", \"name\": \"K\", \"format\": \"seoul-openapi\", \"url\": "
            "\"${FEEDSIM}/${CITYTWIN_TEST_KEY}/json/GetParkInfo/1/1000/\", \"poll_s\": 30 } ] }\n");
    fclose(f);
    setenv("FEEDSIM", sim.base, 1);
    setenv("CITYTWIN_TEST_KEY", SECRET, 1);
    char args[1600];
    snprintf(args, sizeof args,
             "--headless --size 320x180 --wait-s 1 --record '%s' --report '%s' '%s'",
             tw_live_tmp("recording"), tw_live_tmp("recorded.json"), tw_live_tmp("rec.json"));
    TW_CHECK(tw_run_citytwin(args, tw_live_tmp("recorded.err")) == 0);
    tw_feedsim_stop(&sim);
    /* The cable pulled: nothing listens there any more. */
    snprintf(args, sizeof args,
             "--headless --size 320x180 --wait-s 1 --replay '%s' --report '%s' '%s'",
             tw_live_tmp("recording"), tw_live_tmp("replayed.json"), tw_live_tmp("rec.json"));
    TW_CHECK(tw_run_citytwin(args, tw_live_tmp("replayed.err")) == 0);
    unsetenv("FEEDSIM");
    json_object *a = tw_run_load_json(tw_live_tmp("recorded.json")),
                *b = tw_run_load_json(tw_live_tmp("replayed.json"));
    const char *names[3] = {"P", "T", "K"};
    for (int i = 0; i < 3; i++) {
        json_object *la = tw_live_layer(a, names[i]), *lb = tw_live_layer(b, names[i]);
        TW_CHECK_MSG(strcmp(tw_live_str(la, "status"), "ok") == 0 &&
                         strcmp(tw_live_str(lb, "status"), "ok") == 0,
                     "%s: recorded %s, replayed %s (%s)", names[i], tw_live_str(la, "status"),
                     tw_live_str(lb, "status"), tw_live_str(lb, "error"));
        TW_CHECK_MSG(tw_run_num(la, "features") > 0 &&
                         tw_run_num(la, "features") == tw_run_num(lb, "features"),
                     "%s: features %g then %g", names[i], tw_run_num(la, "features"),
                     tw_run_num(lb, "features"));
        TW_CHECK_MSG(tw_live_str(la, "digest")[0] &&
                         strcmp(tw_live_str(la, "digest"), tw_live_str(lb, "digest")) == 0,
                     "%s: digest %s then %s", names[i], tw_live_str(la, "digest"),
                     tw_live_str(lb, "digest"));
    }
    json_object_put(a);
    json_object_put(b);
    /* The key: nowhere in stderr, the reports or the recording. */
    TW_CHECK(!file_has(tw_live_tmp("recorded.err"), SECRET) &&
             !file_has(tw_live_tmp("replayed.err"), SECRET));
    TW_CHECK(!file_has(tw_live_tmp("recorded.json"), SECRET) &&
             !file_has(tw_live_tmp("replayed.json"), SECRET));
    DIR *d = opendir(tw_live_tmp("recording"));
    int files = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[1200];
        snprintf(p, sizeof p, "%s/%s", tw_live_tmp("recording"), e->d_name);
        files++;
        TW_CHECK_MSG(!file_has(p, SECRET), "the key is in %s", p);
        TW_CHECK_MSG(file_has(p, "citytwin-recording 1"), "%s is not a recording", p);
    }
    if (d) closedir(d);
    TW_CHECK_MSG(files == 3, "%d files in the recording", files);
}

static int cls_count(json_object *l, const char *name)
{
    json_object *c = NULL;
    return l && json_object_object_get_ex(l, "speed_classes", &c) ? (int)tw_run_num(c, name) : -1;
}

/* Traffic: segments classed as TOPIS does, from NGSI-LD (the simulator at
 * 08:00 KST, classes counted here from its own payload) and from a GeoJSON
 * file with one segment per band, one without a speed and a point. */
static void test_traffic_classes(void)
{
    tw_feedsim sim;
    setenv("CITYTWIN_FEEDSIM_BIN", getenv("TW_FEEDSIM_BIN"), 1);
    bool up = tw_feedsim_start(&sim, (const char *const[]){"--port", "0", "--seed", "1", "--start",
                                                           "1767222000", "--freeze", NULL});
    unsetenv("CITYTWIN_FEEDSIM_BIN");
    TW_CHECK_MSG(up, "citytwin-feedsim did not start");
    if (!up) return;
    int want[3] = {0, 0, 0}, total = 0;
    char *body = tw_feedsim_get(
        &sim, "/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues&limit=1000", NULL,
        NULL, 0);
    json_object *a = body ? json_tokener_parse(body) : NULL;
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        double v = tw_run_num(json_object_array_get_idx(a, i), "averageVehicleSpeed");
        want[v < 15 ? 2 : v < 25 ? 1 : 0]++, total++;
    }
    json_object_put(a);
    free(body);
    TW_CHECK(total > 0);
    FILE *f = fopen(tw_live_tmp("roads.geojson"), "w");
    fprintf(f, "{\"type\": \"FeatureCollection\", \"features\": [\n");
    const char *speeds[4] = {"40", "20", "8", "null"};
    for (int k = 0; k < 4; k++)
        fprintf(f,
                "{\"type\": \"Feature\", \"id\": \"r%d\", \"geometry\": {\"type\": "
                "\"LineString\", \"coordinates\": [[126.97, 37.56%d], [126.98, 37.56%d], "
                "[126.99, 37.57%d]]}, \"properties\": {\"averageVehicleSpeed\": %s}},\n",
                k, k, k, k, speeds[k]);
    fprintf(f, "{\"type\": \"Feature\", \"id\": \"p\", \"geometry\": {\"type\": \"Point\", "
               "\"coordinates\": [126.97, 37.56]}, \"properties\": {\"averageVehicleSpeed\": "
               "5}}]}\n");
    fclose(f);
    f = fopen(tw_live_tmp("traffic.json"), "w");
    fprintf(f,
            "{ \"name\": \"traffic\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"traffic\", \"name\": \"N\", \"format\": \"ngsi-ld\", \"url\": "
            "\"%s/ngsi-ld/v1/entities?type=TrafficFlowObserved\" },\n"
            "  { \"kind\": \"traffic\", \"name\": \"C\", \"format\": \"ngsi-ld\", \"url\": "
            "\"%s/ngsi-ld/v1/entities?type=TrafficFlowObserved\", \"value\": \"congested\" },\n"
            "  { \"kind\": \"traffic\", \"name\": \"G\", \"format\": \"geojson\", \"url\": "
            "\"file://%s\", \"value\": \"averageVehicleSpeed\" } ] }\n",
            sim.base, sim.base, tw_live_tmp("roads.geojson"));
    fclose(f);
    char args[1600];
    snprintf(args, sizeof args, "--headless --size 640x360 --snapshot '%s' --report '%s' '%s'",
             tw_live_tmp("traffic.png"), tw_live_tmp("traffic_rep.json"),
             tw_live_tmp("traffic.json"));
    TW_CHECK(tw_run_citytwin(args, tw_live_tmp("traffic.err")) == 0);
    tw_feedsim_stop(&sim);
    json_object *r = tw_run_load_json(tw_live_tmp("traffic_rep.json"));
    json_object *n = tw_live_layer(r, "N"), *c = tw_live_layer(r, "C"), *g = tw_live_layer(r, "G");
    TW_CHECK_STR(tw_live_str(n, "status"), "ok");
    TW_CHECK_MSG(tw_run_num(n, "features") == total, "features %g of %d", tw_run_num(n, "features"),
                 total);
    TW_CHECK_MSG(cls_count(n, "free") == want[0] && cls_count(n, "slow") == want[1] &&
                     cls_count(n, "jam") == want[2] && cls_count(n, "none") == 0,
                 "classes %d %d %d %d, expected %d %d %d", cls_count(n, "free"),
                 cls_count(n, "slow"), cls_count(n, "jam"), cls_count(n, "none"), want[0], want[1],
                 want[2]);
    /* congested true / false: only the two outer classes */
    TW_CHECK(cls_count(c, "slow") == 0 && cls_count(c, "free") + cls_count(c, "jam") == total);
    TW_CHECK_STR(tw_live_str(g, "status"), "ok");
    TW_CHECK_MSG(cls_count(g, "free") == 1 && cls_count(g, "slow") == 1 &&
                     cls_count(g, "jam") == 1 && cls_count(g, "none") == 1,
                 "geojson classes %d %d %d %d", cls_count(g, "free"), cls_count(g, "slow"),
                 cls_count(g, "jam"), cls_count(g, "none"));
    json_object_put(r);
}

/* The frame never waits: with the NGSI-LD feed dripping and the
 * SensorThings one hanging (a healthy GeoJSON feed polled twice a second
 * alongside), over the Seoul terrain, the longest frame (start to start,
 * the whole loop pass) stays within 2x the median frame of the same run. */
static void test_frames_while_feeds_stall(void)
{
    tw_feedsim sim;
    setenv("CITYTWIN_FEEDSIM_BIN", getenv("TW_FEEDSIM_BIN"), 1);
    bool up = tw_feedsim_start(
        &sim, (const char *const[]){"--port", "0", "--seed", "2", "--slow-bytes", "16", NULL});
    unsetenv("CITYTWIN_FEEDSIM_BIN");
    TW_CHECK_MSG(up, "citytwin-feedsim did not start");
    if (!up) return;
    TW_CHECK(tw_feedsim_fault(&sim, "slow", "/ngsi-ld"));
    TW_CHECK(tw_feedsim_fault(&sim, "hang", "/sta"));
    const char *src = getenv("CITYTWIN_SOURCE");
    FILE *f = fopen(tw_live_tmp("stall.json"), "w");
    fprintf(f,
            "{ \"name\": \"stall\", \"crs\": \"EPSG:5186\",\n"
            "  \"terrain\": { \"source\": \"%s/assets/data/dem/seoul_dem.tif\" },\n"
            "  \"layers\": [\n"
            "  { \"kind\": \"parking\", \"name\": \"P\", \"format\": \"ngsi-ld\", \"url\": "
            "\"%s/ngsi-ld/v1/entities?type=OffStreetParking\", \"poll_s\": 1 },\n"
            "  { \"kind\": \"sensors\", \"name\": \"T\", \"format\": \"sensorthings\", "
            "\"url\": \"%s/sta/v1.1/Things\", \"poll_s\": 1 },\n"
            "  { \"kind\": \"sensors\", \"name\": \"G\", \"format\": \"geojson\", \"url\": "
            "\"%s/geojson/sensors.geojson\", \"value\": \"value\", \"poll_s\": 0.5 } ] }\n",
            src ? src : ".", sim.base, sim.base, sim.base);
    fclose(f);
    /* On a shared 2-core machine other processes alone push single frames
     * past 2x the median now and then (1.8-1.9x seen with no live layer at
     * all under load 9): up to three runs, any within the bound passes. A
     * frame that waited on the network would fail every run (the hanging
     * request holds for its 5 s timeout). Frames at 1280x720 over the
     * terrain (~60-120 ms each here) make a scheduler slice a small part of
     * one: 1.65x seen under load 9 where 640x360 gave 2-4x. */
    bool within = false;
    for (int attempt = 0; attempt < 3 && !within; attempt++) {
        char args[1600];
        snprintf(args, sizeof args,
                 "--headless --size 1280x720 --wait-s 8 --load-cap-s 20 --report '%s' '%s'",
                 tw_live_tmp("stall_rep.json"), tw_live_tmp("stall.json"));
        int rc = tw_run_citytwin(args, tw_live_tmp("stall.err"));
        TW_CHECK(rc == 0);
        json_object *r = tw_run_load_json(tw_live_tmp("stall_rep.json")), *fr = NULL;
        json_object_object_get_ex(r, "frames", &fr);
        double p50 = tw_run_num(fr, "gap_p50_ms"), mx = tw_run_num(fr, "gap_max_ms"),
               n = tw_run_num(fr, "gaps");
        printf("  stalled feeds, run %d: %g frames, gap p50 %.1f ms, max %.1f ms (%.2fx)\n",
               attempt + 1, n, p50, mx, mx / p50);
        TW_CHECK_MSG(n >= 20, "only %g frames", n);
        TW_CHECK_MSG(mx < 1000, "a frame took %.0f ms", mx);
        within = mx <= 2 * p50;
        TW_CHECK_STR(tw_live_str(tw_live_layer(r, "G"), "status"), "ok");
        TW_CHECK(strcmp(tw_live_str(tw_live_layer(r, "T"), "status"), "ok") != 0);
        json_object_put(r);
    }
    tw_feedsim_stop(&sim);
    TW_CHECK_MSG(within, "in no run was the longest frame within 2x the median");
}

/* SensorThings without $expand (or with Datastreams only): the separate
 * Locations / Datastreams / Observations requests give the same things,
 * places and values as the fully expanded list. */
static void test_sta_separate_requests(void)
{
    tw_feedsim sim;
    setenv("CITYTWIN_FEEDSIM_BIN", getenv("TW_FEEDSIM_BIN"), 1);
    bool up = tw_feedsim_start(&sim, (const char *const[]){"--port", "0", "--seed", "4", "--start",
                                                           "1767236400", "--freeze", NULL});
    unsetenv("CITYTWIN_FEEDSIM_BIN");
    TW_CHECK_MSG(up, "citytwin-feedsim did not start");
    if (!up) return;
    FILE *f = fopen(tw_live_tmp("sta.json"), "w");
    const char *q[3] = {"?$expand=Locations,Datastreams/Observations($top=1)", "",
                        "?$expand=Datastreams"};
    fprintf(f, "{ \"name\": \"sta\", \"crs\": \"EPSG:5186\", \"layers\": [\n");
    for (int k = 0; k < 3; k++)
        fprintf(f,
                "  { \"kind\": \"sensors\", \"name\": \"S%d\", \"format\": \"sensorthings\", "
                "\"url\": \"%s/sta/v1.1/Things%s\", \"value\": \"기울기\", \"poll_s\": 60 }%s\n",
                k, sim.base, q[k], k < 2 ? "," : "");
    fprintf(f, "] }\n");
    fclose(f);
    char args[1600];
    snprintf(args, sizeof args, "--headless --size 320x180 --report '%s' '%s'",
             tw_live_tmp("sta_rep.json"), tw_live_tmp("sta.json"));
    TW_CHECK(tw_run_citytwin(args, tw_live_tmp("sta.err")) == 0);
    tw_feedsim_stop(&sim);
    json_object *r = tw_run_load_json(tw_live_tmp("sta_rep.json"));
    json_object *full = tw_live_layer(r, "S0"), *none = tw_live_layer(r, "S1"),
                *ds = tw_live_layer(r, "S2");
    double n = tw_run_num(full, "features");
    TW_CHECK_MSG(n > 0 && tw_run_num(none, "features") == n && tw_run_num(ds, "features") == n,
                 "features %g %g %g", n, tw_run_num(none, "features"), tw_run_num(ds, "features"));
    TW_CHECK(tw_run_num(full, "fetches") == 1);
    /* the list, then per Thing its Locations and Datastreams, per
     * Datastream (3 a Thing here) its newest Observation */
    TW_CHECK_MSG(tw_run_num(none, "fetches") == 1 + 2 * n + 3 * n, "fetches %g",
                 tw_run_num(none, "fetches"));
    TW_CHECK_MSG(tw_run_num(ds, "fetches") == 1 + n + 3 * n, "fetches %g",
                 tw_run_num(ds, "fetches"));
    TW_CHECK_MSG(strcmp(tw_live_str(full, "digest"), tw_live_str(none, "digest")) == 0 &&
                     strcmp(tw_live_str(full, "digest"), tw_live_str(ds, "digest")) == 0,
                 "digests %s %s %s", tw_live_str(full, "digest"), tw_live_str(none, "digest"),
                 tw_live_str(ds, "digest"));
    json_object_put(r);
}

static void test_shipped_recording_golden(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/assets/recordings/seoul-demo", src ? src : ".");
    unsetenv("FEEDSIM");
    setenv("CITYTWIN_FEEDSIM_BIN", "/nonexistent/citytwin-feedsim", 1); /* never needed */
    char args[1600];
    snprintf(args, sizeof args,
             "--headless --deterministic --size 640x360 --bookmark live --replay '%s' "
             "--snapshot '%s' --report '%s'",
             dir, tw_live_tmp("seoul_live_replay.png"), tw_live_tmp("replay.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("replay.err"));
    unsetenv("CITYTWIN_FEEDSIM_BIN");
    TW_CHECK(rc == 0);
    json_object *r = tw_run_load_json(tw_live_tmp("replay.json"));
    for (int i = 0; i < LIVE_LAYERS; i++) {
        json_object *l = tw_live_layer(r, live_names[i]);
        TW_CHECK_MSG(strcmp(tw_live_str(l, "status"), "ok") == 0, "%s: %s (%s)", live_names[i],
                     tw_live_str(l, "status"), tw_live_str(l, "error"));
        TW_CHECK_MSG(tw_run_num(l, "features") == live_counts[i], "%s: %g features", live_names[i],
                     tw_run_num(l, "features"));
    }
    json_object_put(r);
    TW_CHECK(!file_has(tw_live_tmp("replay.err"), "could not start"));
    TW_CHECK(tw_golden_check(tw_live_tmp("seoul_live_replay.png"), "seoul_live_replay"));
}

/* "stall" runs only the frame-timing check (ctest runs it alone, as
 * test_live_stall: a test running beside it on 2 cores would time its
 * frames too); no argument runs the rest. */
int main(int argc, char **argv)
{
    bool stall = argc > 1 && strcmp(argv[1], "stall") == 0;
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!getenv("TW_FEEDSIM_BIN")) TW_SKIP("TW_FEEDSIM_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (stall) {
        TW_RUN(test_frames_while_feeds_stall);
    } else {
        TW_RUN(test_demo_starts_simulator);
        TW_RUN(test_demo_without_simulator);
        TW_RUN(test_record_then_replay);
        TW_RUN(test_traffic_classes);
        TW_RUN(test_sta_separate_requests);
        TW_RUN(test_shipped_recording_golden);
    }
    curl_global_cleanup();
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
