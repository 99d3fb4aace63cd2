/* The live layer kinds through the real binary against citytwin-feedsim on
 * 127.0.0.1: a headless scene's parking and sensors layers show the
 * simulator's entity counts with status ok; a 503 then a hanging server make
 * them stale while frames keep coming and no frame waits; healing the fault
 * brings them back to ok in the same run; a ${VAR} in a URL is filled from
 * the environment and the secret shows nowhere; a missing one is a scene
 * error naming it. */
#include "tw_feedsim.h"
#include "tw_live_util.h"
#include "tw_run.h"
#include "tw_test.h"
#include "tw_time.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET "k3y-Zq81-not-in-logs"

static tw_feedsim sim;
static long n_parking, n_things, n_geojson;

/* What the simulator itself says it serves. */
static void read_counts(void)
{
    char hv[64];
    free(tw_feedsim_get(&sim, "/ngsi-ld/v1/entities?type=OffStreetParking&limit=1&count=true",
                        "NGSILD-Results-Count", hv, sizeof hv));
    n_parking = atol(hv);
    char *b = tw_feedsim_get(&sim, "/sta/v1.1/Things?$top=1&$count=true", NULL, NULL, 0);
    json_object *o = b ? json_tokener_parse(b) : NULL;
    n_things = (long)tw_run_num(o, "@iot.count");
    json_object_put(o);
    free(b);
    b = tw_feedsim_get(&sim, "/geojson/sensors.geojson", NULL, NULL, 0);
    o = b ? json_tokener_parse(b) : NULL;
    json_object *f = NULL;
    n_geojson =
        o && json_object_object_get_ex(o, "features", &f) ? (long)json_object_array_length(f) : -1;
    json_object_put(o);
    free(b);
    TW_CHECK_MSG(n_parking > 0 && n_things > 0 && n_geojson > 0, "simulator counts %ld %ld %ld",
                 n_parking, n_things, n_geojson);
}

/* A scene with a parking (NGSI-LD) and a sensors (SensorThings) layer
 * polled every poll_s, stale after stale_s; extra: more layer entries. */
static void write_scene(const char *path, double poll_s, double stale_s, const char *extra)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f,
            "{ \"name\": \"live\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"parking\", \"name\": \"P\", \"format\": \"ngsi-ld\", \"url\": "
            "\"%s/ngsi-ld/v1/entities?type=OffStreetParking\", \"poll_s\": %g, "
            "\"stale_after_s\": %g },\n"
            "  { \"kind\": \"sensors\", \"name\": \"T\", \"format\": \"sensorthings\", \"url\": "
            "\"%s/sta/v1.1/Things?$expand=Locations,Datastreams/Observations($top=1)\", "
            "\"poll_s\": %g, \"stale_after_s\": %g, \"thresholds\": [1, 2] }%s%s ] }\n",
            sim.base, poll_s, stale_s, sim.base, poll_s, stale_s, extra ? ",\n" : "",
            extra ? extra : "");
    fclose(f);
}

/* Waits until the text file contains every needle (NULL-terminated). */
static bool wait_for(const char *path, const char *const *needles, double timeout_s)
{
    for (double until = tw_time_mono_s() + timeout_s; tw_time_mono_s() < until;) {
        char *t = tw_run_read_text(path);
        bool all = t != NULL;
        for (int i = 0; all && needles[i]; i++) all = strstr(t, needles[i]) != NULL;
        free(t);
        if (all) return true;
        tw_time_sleep_s(0.1);
    }
    return false;
}

static void check_frames(json_object *rep, double min_count)
{
    json_object *fr = NULL;
    json_object_object_get_ex(rep, "frames", &fr);
    double p50 = tw_run_num(fr, "p50_ms"), mx = tw_run_num(fr, "max_ms"),
           n = tw_run_num(fr, "count");
    /* A frame that waited on a hanging request would take seconds (the
     * server holds it until the 5 s timeout). 1 s leaves room for the first
     * frame's uploads on a test machine loaded by other tests (331 ms seen
     * under ctest -j2 on 2 cores, p50 2.6 ms). */
    TW_CHECK_MSG(mx < 1000, "frames.max_ms %g, p50_ms %g", mx, p50);
    TW_CHECK_MSG(n >= min_count, "only %g frames", n);
}

static void test_ok_counts_and_key(void)
{
    char extra[1024];
    snprintf(extra, sizeof extra,
             "  { \"kind\": \"sensors\", \"name\": \"G\", \"format\": \"geojson\", \"url\": "
             "\"%s/geojson/sensors.geojson\", \"value\": \"value\" },\n"
             "  { \"kind\": \"parking\", \"name\": \"K\", \"format\": \"seoul-openapi\", \"url\": "
             "\"%s/${CITYTWIN_TEST_KEY}/json/GetParkInfo/1/1000/\", "
             "\"headers\": { \"X-Api-Key\": \"${CITYTWIN_TEST_KEY}\" } }",
             sim.base, sim.base);
    write_scene(tw_live_tmp("ok.json"), 1, 3, extra);
    setenv("CITYTWIN_TEST_KEY", SECRET, 1);
    char args[2048];
    snprintf(args, sizeof args, "--headless --size 320x240 --wait-s 2 --report '%s' '%s'",
             tw_live_tmp("ok_report.json"), tw_live_tmp("ok.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("ok_err.txt"));
    unsetenv("CITYTWIN_TEST_KEY");
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    json_object *rep = tw_run_load_json(tw_live_tmp("ok_report.json"));
    TW_CHECK(rep != NULL);
    const struct {
        const char *name, *kind;
        long want;
    } want[] = {{"P", "parking", n_parking},
                {"T", "sensors", n_things},
                {"G", "sensors", n_geojson},
                {"K", "parking", -1}};
    for (int i = 0; i < 4; i++) {
        json_object *l = tw_live_layer(rep, want[i].name);
        TW_CHECK_MSG(l != NULL, "no layer %s", want[i].name);
        TW_CHECK_STR(tw_live_str(l, "kind"), want[i].kind);
        TW_CHECK_MSG(strcmp(tw_live_str(l, "status"), "ok") == 0, "%s: status %s (%s)",
                     want[i].name, tw_live_str(l, "status"), tw_live_str(l, "error"));
        if (want[i].want >= 0)
            TW_CHECK_MSG(tw_run_num(l, "features") == want[i].want,
                         "%s: features %g, simulator %ld", want[i].name, tw_run_num(l, "features"),
                         want[i].want);
        TW_CHECK_MSG(tw_run_num(l, "fetches") >= 1, "%s: fetches %g", want[i].name,
                     tw_run_num(l, "fetches"));
        TW_CHECK_MSG(strlen(tw_live_str(l, "last_success")) == 20, "%s: last_success \"%s\"",
                     want[i].name, tw_live_str(l, "last_success"));
        /* The legend's data age: the data's own time in KST, how old. */
        const char *age = tw_live_str(l, "legend_age");
        int hh = -1, mm = -1, ss = -1, n = -1, at = 0;
        char unit[16] = "";
        (void)sscanf(age, "%*4d-%*2d-%*2d %n", &at); /* a date first when a day old */
        TW_CHECK_MSG(sscanf(age + at, "%2d:%2d:%2d KST · %d %15s old", &hh, &mm, &ss, &n, unit) ==
                             5 &&
                         hh >= 0 && hh < 24 && n >= 0,
                     "%s: legend_age \"%s\"", want[i].name, age);
    }
    TW_CHECK_MSG(tw_run_num(tw_live_layer(rep, "K"), "features") > 0,
                 "the Seoul layer (key from the env) is empty");
    TW_CHECK_MSG(isfinite(tw_run_num(tw_live_layer(rep, "P"), "age_s")), "parking: no age_s");
    TW_CHECK_MSG(strstr(tw_live_str(tw_live_layer(rep, "K"), "source"), "/***/json/GetParkInfo") !=
                     NULL,
                 "source \"%s\"", tw_live_str(tw_live_layer(rep, "K"), "source"));
    char *err = tw_run_read_text(tw_live_tmp("ok_err.txt"));
    char *rtext = tw_run_read_text(tw_live_tmp("ok_report.json"));
    TW_CHECK_MSG(err && !strstr(err, SECRET), "the key is in stderr");
    TW_CHECK_MSG(rtext && !strstr(rtext, SECRET), "the key is in the report");
    free(err);
    free(rtext);
    json_object_put(rep);
}

/* A feed that never gave a good answer is an error with the reason; the
 * other layers are not held up by it. */
static void test_never_good_is_error(void)
{
    char extra[512];
    snprintf(extra, sizeof extra,
             "  { \"kind\": \"sensors\", \"name\": \"M\", \"format\": \"geojson\", "
             "\"url\": \"%s/geojson/sensors.geojson\" }",
             sim.base);
    write_scene(tw_live_tmp("bad.json"), 1, 3, extra);
    TW_CHECK(tw_feedsim_fault(&sim, "malformed", "/geojson"));
    char args[1024];
    snprintf(args, sizeof args, "--headless --size 320x240 --wait-s 1 --report '%s' '%s'",
             tw_live_tmp("bad_report.json"), tw_live_tmp("bad.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("bad_err.txt"));
    TW_CHECK(tw_feedsim_fault(&sim, "none", NULL));
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    json_object *rep = tw_run_load_json(tw_live_tmp("bad_report.json"));
    json_object *m = tw_live_layer(rep, "M");
    TW_CHECK_MSG(strcmp(tw_live_str(m, "status"), "error") == 0, "status %s",
                 tw_live_str(m, "status"));
    TW_CHECK_MSG(strstr(tw_live_str(m, "error"), "JSON") != NULL, "error \"%s\"",
                 tw_live_str(m, "error"));
    TW_CHECK_MSG(strcmp(tw_live_str(tw_live_layer(rep, "P"), "status"), "ok") == 0, "parking: %s",
                 tw_live_str(tw_live_layer(rep, "P"), "status"));
    json_object_put(rep);
}

/* A GeoJSON feed with a legacy "crs" (EPSG:5186 metres) lands where it says:
 * the view frames it, so the ground under the picture's centre is inside
 * the two points' box (read as lon/lat they would not transform at all). */
static void test_declared_crs(void)
{
    FILE *f = fopen(tw_live_tmp("decl.geojson"), "w");
    if (!f) return;
    fprintf(f, "{\"type\": \"FeatureCollection\", \"crs\": {\"type\": \"name\", "
               "\"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::5186\"}}, \"features\": ["
               "{\"type\": \"Feature\", \"id\": \"a\", \"geometry\": {\"type\": \"Point\", "
               "\"coordinates\": [197950, 551800]}, \"properties\": {\"value\": 3}},"
               "{\"type\": \"Feature\", \"id\": \"b\", \"geometry\": {\"type\": \"Point\", "
               "\"coordinates\": [198950, 552800]}, \"properties\": {\"value\": 1}}]}\n");
    fclose(f);
    f = fopen(tw_live_tmp("decl.json"), "w");
    if (!f) return;
    fprintf(f,
            "{ \"name\": \"decl\", \"crs\": \"EPSG:5186\", \"layers\": [ { \"kind\": "
            "\"sensors\", \"name\": \"D\", \"format\": \"geojson\", \"url\": \"file://%s\", "
            "\"value\": \"value\" } ] }\n",
            tw_live_tmp("decl.geojson"));
    fclose(f);
    char args[1024];
    snprintf(args, sizeof args,
             "--headless --size 320x240 --wait-s 0.5 --pick 160,120 --report '%s' '%s'",
             tw_live_tmp("decl_report.json"), tw_live_tmp("decl.json"));
    TW_CHECK(tw_run_citytwin(args, tw_live_tmp("decl_err.txt")) == 0);
    json_object *rep = tw_run_load_json(tw_live_tmp("decl_report.json")), *pick = NULL, *pos = NULL;
    json_object *d = tw_live_layer(rep, "D");
    TW_CHECK_MSG(strcmp(tw_live_str(d, "status"), "ok") == 0 && tw_run_num(d, "features") == 2,
                 "status %s, features %g", tw_live_str(d, "status"), tw_run_num(d, "features"));
    double x = NAN, y = NAN;
    if (json_object_object_get_ex(rep, "pick", &pick) &&
        json_object_object_get_ex(pick, "position", &pos)) {
        x = json_object_get_double(json_object_array_get_idx(pos, 0));
        y = json_object_get_double(json_object_array_get_idx(pos, 1));
    }
    TW_CHECK_MSG(x > 197950 && x < 198950 && y > 551800 && y < 552800,
                 "the view's centre %g %g is not between the points", x, y);
    json_object_put(rep);
}

static void test_missing_variable(void)
{
    char extra[512];
    snprintf(extra, sizeof extra,
             "  { \"kind\": \"sensors\", \"format\": \"geojson\", \"url\": "
             "\"%s/geojson/sensors.geojson?k=${CITYTWIN_NO_SUCH_VAR_9}\" }",
             sim.base);
    write_scene(tw_live_tmp("missing.json"), 1, 3, extra);
    unsetenv("CITYTWIN_NO_SUCH_VAR_9");
    char args[1024];
    snprintf(args, sizeof args, "--headless --size 320x240 '%s'", tw_live_tmp("missing.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("missing_err.txt"));
    TW_CHECK_MSG(rc == 2, "exit %d", rc);
    char *err = tw_run_read_text(tw_live_tmp("missing_err.txt"));
    TW_CHECK_MSG(err && strstr(err, "CITYTWIN_NO_SUCH_VAR_9"), "stderr: %s", err ? err : "");
    free(err);
}

/* Starts a long run and waits for both layers' first good snapshot. */
static int start_run(const char *tag)
{
    char args[2048], scene[64], report[64], errf[64];
    snprintf(scene, sizeof scene, "%s.json", tag);
    snprintf(report, sizeof report, "%s_report.json", tag);
    snprintf(errf, sizeof errf, "%s_err.txt", tag);
    write_scene(tw_live_tmp(scene), 0.5, 2, NULL);
    snprintf(args, sizeof args, "--headless --size 320x240 --wait-s 120 --report '%s' '%s'",
             tw_live_tmp(report), tw_live_tmp(scene));
    int pid = tw_run_citytwin_start(args, tw_live_tmp(errf));
    TW_CHECK(pid > 0);
    bool ok = wait_for(tw_live_tmp(errf), (const char *const[]){"P: ok,", "T: ok,", NULL}, 60);
    TW_CHECK_MSG(ok, "the layers never became ok");
    return pid;
}

static json_object *end_run(int pid, const char *tag, double *exit_s)
{
    char report[64];
    snprintf(report, sizeof report, "%s_report.json", tag);
    double t0 = tw_time_mono_s();
    kill(pid, SIGTERM);
    int rc = tw_run_wait(pid, 20);
    *exit_s = tw_time_mono_s() - t0;
    TW_CHECK_MSG(rc == 0, "exit %d after SIGTERM", rc);
    return tw_run_load_json(tw_live_tmp(report));
}

static void test_fault_makes_stale(void)
{
    int pid = start_run("stale");
    if (pid <= 0) return;
    TW_CHECK(tw_feedsim_fault(&sim, "503", NULL));
    bool st = wait_for(tw_live_tmp("stale_err.txt"),
                       (const char *const[]){"P: stale since", "T: stale since", NULL}, 20);
    TW_CHECK_MSG(st, "no layer went stale under 503");
    TW_CHECK(tw_feedsim_fault(&sim, "hang", NULL));
    tw_time_sleep_s(4); /* requests now hang: frames must go on */
    double exit_s = 0;
    json_object *rep = end_run(pid, "stale", &exit_s);
    TW_CHECK(tw_feedsim_fault(&sim, "none", NULL));
    TW_CHECK_MSG(exit_s < 10, "took %.1f s to exit with requests hanging", exit_s);
    TW_CHECK(rep != NULL);
    for (int i = 0; i < 2; i++) {
        json_object *l = tw_live_layer(rep, i ? "T" : "P");
        TW_CHECK_MSG(strcmp(tw_live_str(l, "status"), "stale") == 0, "status %s",
                     tw_live_str(l, "status"));
        TW_CHECK_MSG(tw_run_num(l, "features") > 0, "the last snapshot is kept");
        TW_CHECK_MSG(strstr(tw_live_str(l, "warning"), "stale since") != NULL, "warning \"%s\"",
                     tw_live_str(l, "warning"));
        /* The legend says since when, in KST (UTC+9), the last success's time. */
        int y, mo, d, h = -1, mi = -1, se = -1;
        char want[32] = "?";
        if (sscanf(tw_live_str(l, "last_success"), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi,
                   &se) == 6)
            snprintf(want, sizeof want, "stale since %02d:%02d:%02d KST", (h + 9) % 24, mi, se);
        TW_CHECK_MSG(strcmp(tw_live_str(l, "legend_age"), want) == 0,
                     "legend_age \"%s\", want \"%s\"", tw_live_str(l, "legend_age"), want);
    }
    check_frames(rep, 40);
    json_object_put(rep);
}

static void test_heal_back_to_ok(void)
{
    int pid = start_run("heal");
    if (pid <= 0) return;
    TW_CHECK(tw_feedsim_fault(&sim, "503", NULL));
    bool st = wait_for(tw_live_tmp("heal_err.txt"),
                       (const char *const[]){"P: stale since", "T: stale since", NULL}, 20);
    TW_CHECK_MSG(st, "no layer went stale under 503");
    TW_CHECK(tw_feedsim_fault(&sim, "none", NULL));
    bool back = wait_for(tw_live_tmp("heal_err.txt"),
                         (const char *const[]){"P: ok again", "T: ok again", NULL}, 45);
    TW_CHECK_MSG(back, "the layers did not come back by themselves");
    double exit_s = 0;
    json_object *rep = end_run(pid, "heal", &exit_s);
    for (int i = 0; i < 2; i++) {
        json_object *l = tw_live_layer(rep, i ? "T" : "P");
        TW_CHECK_MSG(strcmp(tw_live_str(l, "status"), "ok") == 0, "status %s",
                     tw_live_str(l, "status"));
        /* the first good one, at least one 503, the one after healing */
        TW_CHECK_MSG(tw_run_num(l, "fetches") >= 3, "fetches %g", tw_run_num(l, "fetches"));
    }
    check_frames(rep, 40);
    json_object_put(rep);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!getenv("CITYTWIN_FEEDSIM_BIN"))
        TW_SKIP("CITYTWIN_FEEDSIM_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!tw_feedsim_start(&sim, (const char *const[]){"--port", "0", "--seed", "1", "--freeze",
                                                      "--api-key", SECRET, NULL})) {
        fprintf(stderr, "citytwin-feedsim did not start\n");
        return 1;
    }
    read_counts();
    TW_RUN(test_ok_counts_and_key);
    TW_RUN(test_never_good_is_error);
    TW_RUN(test_declared_crs);
    TW_RUN(test_missing_variable);
    TW_RUN(test_fault_makes_stale);
    TW_RUN(test_heal_back_to_ok);
    tw_feedsim_stop(&sim);
    curl_global_cleanup();
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
