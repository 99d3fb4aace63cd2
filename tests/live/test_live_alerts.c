/* Alerts and history through the real binary, on a GeoJSON file the test
 * rewrites while the app polls it (one sensor whose value climbs 1, 2, 3...
 * each with its own observedAt, plus two steady ones):
 * - the report's alerts list exactly the sensors at or past the upper
 *   threshold (the climbing one once past it, the steady high one; not the
 *   low one);
 * - a pick on the climbing sensor selects it: the report shows its chart
 *   and a history that is bounded by the scene's `history` (4), oldest
 *   first, strictly increasing;
 * - with named bands instead (AirKorea's PM10 grades) the alerts are the
 *   sensors in the bands marked alert, each with its band's name, and the
 *   tooltip shows the band beside the value;
 * - the tooltip follows what is under a still cursor: --hover moves the
 *   cursor once, then the feed swaps two sensors' places and the report's
 *   hover names the one now under it. */
#include "tw_live_util.h"
#include "tw_run.h"
#include "tw_test.h"
#include "tw_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The sensors: "climb" at the centre of the view, two steady ones 150 m off. */
static void write_feed(int k)
{
    char path[700];
    snprintf(path, sizeof path, "%s.part", tw_live_tmp("feed.geojson"));
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f,
            "{\"type\": \"FeatureCollection\", \"features\": [\n"
            "{\"type\": \"Feature\", \"id\": \"climb\", \"geometry\": {\"type\": \"Point\", "
            "\"coordinates\": [126.9780, 37.5665]}, \"properties\": {\"name\": \"climb\", "
            "\"value\": %d, \"observedAt\": \"2026-01-01T03:00:%02dZ\"}},\n"
            "{\"type\": \"Feature\", \"id\": \"high\", \"geometry\": {\"type\": \"Point\", "
            "\"coordinates\": [126.9797, 37.5665]}, \"properties\": {\"name\": \"high\", "
            "\"value\": 9, \"observedAt\": \"2026-01-01T03:00:00Z\"}},\n"
            "{\"type\": \"Feature\", \"id\": \"low\", \"geometry\": {\"type\": \"Point\", "
            "\"coordinates\": [126.9763, 37.5665]}, \"properties\": {\"name\": \"low\", "
            "\"value\": 1, \"observedAt\": \"2026-01-01T03:00:00Z\"}}]}\n",
            k, k % 60);
    fclose(f);
    rename(path, tw_live_tmp("feed.geojson"));
}

static void test_alerts_and_history(void)
{
    write_feed(1);
    FILE *f = fopen(tw_live_tmp("alerts.json"), "w");
    fprintf(f,
            "{ \"name\": \"alerts\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"sensors\", \"name\": \"S\", \"format\": \"geojson\", \"url\": "
            "\"file://%s\", \"value\": \"value\", \"thresholds\": [3, 6], \"poll_s\": 0.2, "
            "\"history\": 4, \"size_px\": 24, \"stale_after_s\": 60 } ] }\n",
            tw_live_tmp("feed.geojson"));
    fclose(f);
    char args[1600];
    /* The view frames the three sensors; "climb" is in the middle, its pin
     * head 12 px above its ground point. */
    snprintf(args, sizeof args,
             "--headless --size 640x360 --wait-s 4 --pick 320,168 --snapshot '%s' --report '%s' "
             "'%s'",
             tw_live_tmp("alerts.png"), tw_live_tmp("alerts_rep.json"), tw_live_tmp("alerts.json"));
    int pid = tw_run_citytwin_start(args, tw_live_tmp("alerts.err"));
    TW_CHECK(pid > 0);
    /* Values climb every 0.25 s (past 6 within 1.5 s) until the app is done. */
    for (int k = 2; k <= 200 && access(tw_live_tmp("alerts_rep.json"), F_OK) != 0; k++) {
        tw_time_sleep_s(0.25);
        write_feed(k);
    }
    int rc = tw_run_wait(pid, 120);
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    json_object *r = tw_run_load_json(tw_live_tmp("alerts_rep.json"));
    json_object *l = tw_run_layer(r, "sensors");
    TW_CHECK_STR(tw_live_str(l, "status"), "ok");
    json_object *al = NULL;
    TW_CHECK(json_object_object_get_ex(l, "alerts", &al));
    size_t n = al ? json_object_array_length(al) : 0;
    bool climb = false, high = false, low = false;
    for (size_t i = 0; i < n; i++) {
        const char *id = tw_live_str(json_object_array_get_idx(al, i), "id");
        climb |= strcmp(id, "climb") == 0, high |= strcmp(id, "high") == 0;
        low |= strcmp(id, "low") == 0;
        TW_CHECK(tw_run_num(json_object_array_get_idx(al, i), "value") >= 6);
    }
    TW_CHECK_MSG(climb && high && !low && n == 2, "alerts: %zu (climb %d high %d low %d)", n, climb,
                 high, low);
    TW_CHECK(tw_run_num(l, "history_tracked") == 3);
    json_object *sel = NULL, *h = NULL;
    TW_CHECK_MSG(json_object_object_get_ex(l, "selected", &sel), "the pick selected nothing");
    TW_CHECK_STR(tw_live_str(sel, "id"), "climb");
    TW_CHECK(json_object_object_get_ex(sel, "chart", &h) && json_object_get_boolean(h));
    h = NULL;
    json_object_object_get_ex(sel, "history", &h);
    size_t hn = h ? json_object_array_length(h) : 0;
    TW_CHECK_MSG(hn == 4, "history holds %zu values, bound 4", hn);
    for (size_t i = 1; i < hn; i++)
        TW_CHECK(json_object_get_double(json_object_array_get_idx(h, i)) >
                 json_object_get_double(json_object_array_get_idx(h, i - 1)));
    json_object_put(r);
}

/* Three sensors at the places of write_feed: values and names given. */
static void write_three(const char *file, const char *mid, double vmid, const char *east,
                        double veast, const char *west, double vwest)
{
    char path[700];
    snprintf(path, sizeof path, "%s.part", tw_live_tmp(file));
    FILE *f = fopen(path, "w");
    if (!f) return;
    const char *ids[3] = {mid, east, west};
    const double v[3] = {vmid, veast, vwest}, lon[3] = {126.9780, 126.9797, 126.9763};
    fprintf(f, "{\"type\": \"FeatureCollection\", \"features\": [\n");
    for (int i = 0; i < 3; i++)
        fprintf(f,
                "{\"type\": \"Feature\", \"id\": \"%s\", \"geometry\": {\"type\": "
                "\"Point\", \"coordinates\": [%.4f, 37.5665]}, \"properties\": {\"name\": "
                "\"%s\", \"value\": %g, \"observedAt\": \"2026-01-01T03:00:00Z\"}}%s\n",
                ids[i], lon[i], ids[i], v[i], i < 2 ? "," : "");
    fprintf(f, "]}\n");
    fclose(f);
    rename(path, tw_live_tmp(file));
}

static json_object *hover_of(json_object *r)
{
    json_object *h = NULL;
    return r && json_object_object_get_ex(r, "hover", &h) ? h : NULL;
}

static const char *hover_line(json_object *r, int i)
{
    json_object *lines = NULL;
    json_object *h = hover_of(r);
    if (!h || !json_object_object_get_ex(h, "lines", &lines)) return "";
    json_object *l = json_object_array_get_idx(lines, (size_t)i);
    return l ? json_object_get_string(l) : "";
}

static void test_bands(void)
{
    write_three("bands.geojson", "mid", 100, "east", 200, "west", 30);
    FILE *f = fopen(tw_live_tmp("bands.json"), "w");
    fprintf(f,
            "{ \"name\": \"bands\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"sensors\", \"name\": \"PM10\", \"format\": \"geojson\", "
            "\"url\": \"file://%s\", \"value\": \"value\", \"bands\": \"airkorea-pm10\", "
            "\"poll_s\": 0.5, \"size_px\": 24 } ] }\n",
            tw_live_tmp("bands.geojson"));
    fclose(f);
    char args[1600];
    snprintf(args, sizeof args,
             "--headless --size 640x360 --wait-s 1 --hover 320,168 --snapshot '%s' --report '%s' "
             "'%s'",
             tw_live_tmp("bands.png"), tw_live_tmp("bands_rep.json"), tw_live_tmp("bands.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("bands.err"));
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    json_object *r = tw_run_load_json(tw_live_tmp("bands_rep.json"));
    json_object *l = tw_run_layer(r, "sensors"), *al = NULL;
    TW_CHECK_STR(tw_live_str(l, "status"), "ok");
    TW_CHECK(json_object_object_get_ex(l, "alerts", &al));
    size_t n = al ? json_object_array_length(al) : 0;
    TW_CHECK_MSG(n == 2, "alerts: %zu, want mid (나쁨) and east (매우나쁨)", n);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(al, i);
        const char *id = tw_live_str(a, "id"), *band = tw_live_str(a, "band");
        if (strcmp(id, "mid") == 0)
            TW_CHECK_STR(band, "나쁨 bad");
        else if (strcmp(id, "east") == 0)
            TW_CHECK_STR(band, "매우나쁨 very bad");
        else
            TW_CHECK_MSG(false, "%s (%s) is not in an alert band", id, band);
    }
    TW_CHECK_STR(tw_live_str(hover_of(r), "id"), "mid");
    TW_CHECK_STR(hover_line(r, 1), "value: 100  나쁨 bad");
    json_object_put(r);
}

static void test_hover_follows(void)
{
    write_three("swap.geojson", "first", 1, "second", 2, "third", 3);
    FILE *f = fopen(tw_live_tmp("swap.json"), "w");
    fprintf(f,
            "{ \"name\": \"swap\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"sensors\", \"name\": \"S\", \"format\": \"geojson\", "
            "\"url\": \"file://%s\", \"value\": \"value\", \"poll_s\": 0.2, "
            "\"size_px\": 24, \"stale_after_s\": 60 } ] }\n",
            tw_live_tmp("swap.geojson"));
    fclose(f);
    char args[1600];
    snprintf(args, sizeof args,
             "--headless --size 640x360 --wait-s 5 --hover 320,168 --snapshot '%s' --report '%s' "
             "'%s'",
             tw_live_tmp("swap.png"), tw_live_tmp("swap_rep.json"), tw_live_tmp("swap.json"));
    int pid = tw_run_citytwin_start(args, tw_live_tmp("swap.err"));
    TW_CHECK(pid > 0);
    /* Once the layer has its data (its log line), the app runs and moves
     * the cursor within a frame or two; then "second" takes the middle. */
    bool loaded = false;
    for (int k = 0; k < 600 && !loaded; k++) {
        tw_time_sleep_s(0.1);
        FILE *e = fopen(tw_live_tmp("swap.err"), "r");
        char line[512];
        while (e && fgets(line, sizeof line, e))
            if (strstr(line, "S: ok, 3 entities")) loaded = true;
        if (e) fclose(e);
    }
    TW_CHECK_MSG(loaded, "the layer never loaded (see swap.err)");
    tw_time_sleep_s(1.5);
    write_three("swap.geojson", "second", 2, "first", 1, "third", 3);
    int rc = tw_run_wait(pid, 120);
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    json_object *r = tw_run_load_json(tw_live_tmp("swap_rep.json"));
    TW_CHECK_STR(tw_live_str(hover_of(r), "id"), "second");
    TW_CHECK_STR(hover_line(r, 0), "second");
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    TW_RUN(test_alerts_and_history);
    TW_RUN(test_bands);
    TW_RUN(test_hover_follows);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
