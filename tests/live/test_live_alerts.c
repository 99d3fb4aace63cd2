/* Alerts and history through the real binary, on a GeoJSON file the test
 * rewrites while the app polls it (one sensor whose value climbs 1, 2, 3...
 * each with its own observedAt, plus two steady ones):
 * - the report's alerts list exactly the sensors at or past the upper
 *   threshold (the climbing one once past it, the steady high one; not the
 *   low one);
 * - a pick on the climbing sensor selects it: the report shows its chart
 *   and a history that is bounded by the scene's `history` (4), oldest
 *   first, strictly increasing. */
#include "tw_run.h"
#include "tw_test.h"
#include "tw_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tmp(const char *name)
{
    static char buf[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tw_run_tmpdir(), name);
    return buf[k];
}

static double num(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : NAN;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* The sensors: "climb" at the centre of the view, two steady ones 150 m off. */
static void write_feed(int k)
{
    char path[700];
    snprintf(path, sizeof path, "%s.part", tmp("feed.geojson"));
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
    rename(path, tmp("feed.geojson"));
}

static void test_alerts_and_history(void)
{
    write_feed(1);
    FILE *f = fopen(tmp("alerts.json"), "w");
    fprintf(f,
            "{ \"name\": \"alerts\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"sensors\", \"name\": \"S\", \"format\": \"geojson\", \"url\": "
            "\"file://%s\", \"value\": \"value\", \"thresholds\": [3, 6], \"poll_s\": 0.2, "
            "\"history\": 4, \"size_px\": 24, \"stale_after_s\": 60 } ] }\n",
            tmp("feed.geojson"));
    fclose(f);
    char args[1600];
    /* The view frames the three sensors; "climb" is in the middle, its pin
     * head 12 px above its ground point. */
    snprintf(args, sizeof args,
             "--headless --size 640x360 --wait-s 4 --pick 320,168 --snapshot '%s' --report '%s' "
             "'%s'",
             tmp("alerts.png"), tmp("alerts_rep.json"), tmp("alerts.json"));
    int pid = tw_run_citytwin_start(args, tmp("alerts.err"));
    TW_CHECK(pid > 0);
    /* Values climb every 0.25 s (past 6 within 1.5 s) until the app is done. */
    for (int k = 2; k <= 200 && access(tmp("alerts_rep.json"), F_OK) != 0; k++) {
        tw_time_sleep_s(0.25);
        write_feed(k);
    }
    int rc = tw_run_wait(pid, 120);
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    json_object *r = tw_run_load_json(tmp("alerts_rep.json"));
    json_object *l = tw_run_layer(r, "sensors");
    TW_CHECK_STR(str(l, "status"), "ok");
    json_object *al = NULL;
    TW_CHECK(json_object_object_get_ex(l, "alerts", &al));
    size_t n = al ? json_object_array_length(al) : 0;
    bool climb = false, high = false, low = false;
    for (size_t i = 0; i < n; i++) {
        const char *id = str(json_object_array_get_idx(al, i), "id");
        climb |= strcmp(id, "climb") == 0, high |= strcmp(id, "high") == 0;
        low |= strcmp(id, "low") == 0;
        TW_CHECK(num(json_object_array_get_idx(al, i), "value") >= 6);
    }
    TW_CHECK_MSG(climb && high && !low && n == 2, "alerts: %zu (climb %d high %d low %d)", n, climb,
                 high, low);
    TW_CHECK(num(l, "history_tracked") == 3);
    json_object *sel = NULL, *h = NULL;
    TW_CHECK_MSG(json_object_object_get_ex(l, "selected", &sel), "the pick selected nothing");
    TW_CHECK_STR(str(sel, "id"), "climb");
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

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    TW_RUN(test_alerts_and_history);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
