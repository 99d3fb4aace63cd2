/* Hover tooltips of the live kinds through the real binary (--hover X,Y),
 * on feed files the test writes: a sensors layer (NGSI-LD, PM10 with the
 * unit code GQ), a parking layer (Seoul Open API, KST times) and a traffic
 * layer (NGSI-LD road, km/h). The view frames them the same way each run:
 * - over the sensor: its name, "pm10: 42 ㎍/㎥" and the time observed in KST
 *   (03:00Z is 12:00 KST); the snapshot has the dark tooltip box next to
 *   the cursor;
 * - over the parking lot: its Korean name, address, "Free: 40 / 100" (100
 *   spaces, 60 taken), the fee ("paid", pay_yn Y), observed 12:05 KST;
 * - over the road: its name, "23.5 km/h", observed 12:10 KST; the pick at
 *   the same pixel finds the same road;
 * - over empty ground: "hover" is null and the snapshot has no box there;
 * - a sensors layer whose feed went away turns stale and its tooltip says
 *   "Stale since". */
#include "live_fetch.h"
#include "tw_live_util.h"
#include "tw_run.h"
#include "tw_test.h"
#include "tw_time.h"

#include <dirent.h>
#include <limits.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(tw_live_tmp(name), "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* West to east along 37.5665 N: the sensor, the empty middle, the parking
 * lot; the road 140 m north of the middle. */
static void write_feeds(void)
{
    write_file("sensors.json",
               "[{\"id\": \"urn:ngsi-ld:AirQualityObserved:jongno\", \"type\": "
               "\"AirQualityObserved\", \"name\": {\"type\": \"Property\", \"value\": \"종로구 "
               "대기측정소\"}, \"location\": {\"type\": \"GeoProperty\", \"value\": {\"type\": "
               "\"Point\", \"coordinates\": [126.9763, 37.5665]}}, \"pm10\": {\"type\": "
               "\"Property\", \"value\": 42, \"unitCode\": \"GQ\", \"observedAt\": "
               "\"2026-01-01T03:00:00Z\"}}]\n");
    write_file("parking.json",
               "{\"GetParkingInfo\": {\"list_total_count\": 1, \"RESULT\": {\"CODE\": "
               "\"INFO-000\", \"MESSAGE\": \"ok\"}, \"row\": [{\"parking_code\": \"1234\", "
               "\"parking_name\": \"세종로 공영주차장\", \"addr\": \"종로구 세종로 80-1\", "
               "\"capacity\": 100, \"cur_parking\": 60, \"cur_parking_time\": \"2026-01-01 "
               "12:05:00\", \"pay_yn\": \"Y\", \"lat\": 37.5665, \"lng\": 126.9797}]}}\n");
    write_file("traffic.json",
               "[{\"id\": \"urn:ngsi-ld:TrafficFlowObserved:sejong\", \"type\": "
               "\"TrafficFlowObserved\", \"name\": {\"type\": \"Property\", \"value\": "
               "\"세종대로\"}, \"location\": {\"type\": \"GeoProperty\", \"value\": {\"type\": "
               "\"LineString\", \"coordinates\": [[126.9772, 37.5678], [126.9788, 37.5678]]}}, "
               "\"averageVehicleSpeed\": {\"type\": \"Property\", \"value\": 23.5, \"unitCode\": "
               "\"KMH\", \"observedAt\": \"2026-01-01T03:10:00Z\"}}]\n");
    FILE *f = fopen(tw_live_tmp("hover.json"), "w");
    if (!f) return;
    fprintf(f,
            "{ \"name\": \"hover\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"traffic\", \"name\": \"Roads\", \"format\": \"ngsi-ld\", \"url\": "
            "\"file://%s\", \"value\": \"averageVehicleSpeed\", \"poll_s\": 1, "
            "\"stale_after_s\": 600 },\n"
            "  { \"kind\": \"sensors\", \"name\": \"Air\", \"format\": \"ngsi-ld\", \"url\": "
            "\"file://%s\", \"value\": \"pm10\", \"poll_s\": 1, \"size_px\": 24, "
            "\"stale_after_s\": 600 },\n"
            "  { \"kind\": \"parking\", \"name\": \"Parking\", \"format\": \"seoul-openapi\", "
            "\"url\": \"file://%s\", \"poll_s\": 1, \"size_px\": 24, \"stale_after_s\": 600 } ] "
            "}\n",
            tw_live_tmp("traffic.json"), tw_live_tmp("sensors.json"), tw_live_tmp("parking.json"));
    fclose(f);
}

/* A run hovering (and picking) at x,y; its report (caller puts). */
static json_object *run_at(int x, int y, bool pick, const char *png)
{
    char args[2000];
    snprintf(args, sizeof args,
             "--headless --deterministic --size 640x360 --wait-s 1 --hover %d,%d %s%d,%d "
             "--snapshot '%s' --report '%s' '%s'",
             x, y, pick ? "--pick " : "--hover ", x, y, tw_live_tmp(png), tw_live_tmp("rep.json"),
             tw_live_tmp("hover.json"));
    unlink(tw_live_tmp("rep.json"));
    int rc = tw_run_citytwin(args, tw_live_tmp("hover.err"));
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    return tw_run_load_json(tw_live_tmp("rep.json"));
}

/* The hover's line k ("" when absent). */
static const char *line(json_object *h, size_t k)
{
    json_object *ls = NULL;
    if (!h || !json_object_object_get_ex(h, "lines", &ls) || !ls) return "";
    return k < json_object_array_length(ls)
               ? json_object_get_string(json_object_array_get_idx(ls, k))
               : "";
}

static size_t line_count(json_object *h)
{
    json_object *ls = NULL;
    return h && json_object_object_get_ex(h, "lines", &ls) && ls ? json_object_array_length(ls) : 0;
}

static json_object *hover_of(json_object *rep)
{
    json_object *h = NULL;
    return rep && json_object_object_get_ex(rep, "hover", &h) ? h : NULL;
}

/* The snapshot's pixel at x,y is the tooltip's dark panel. */
static bool dark_at(const char *png, int x, int y)
{
    tw_image img = {0};
    if (!tw_img_load(tw_live_tmp(png), &img)) return false;
    const uint8_t *p =
        img.pixels + ((size_t)y * (size_t)img.width + (size_t)x) * (size_t)img.channels;
    bool dark = p[0] < 70 && p[1] < 80 && p[2] < 90;
    tw_image_free(&img);
    return dark;
}

/* Pixels (640x360): the sensor's pin head, the road's middle, the parking
 * lot's pin head, the empty middle between them. */
enum { SENSOR_X = 183, SENSOR_Y = 222, ROAD_X = 320, ROAD_Y = 133 };
enum { PARK_X = 456, PARK_Y = 222, EMPTY_X = 320, EMPTY_Y = 200 };

static void test_sensor(void)
{
    json_object *r = run_at(SENSOR_X, SENSOR_Y, false, "sensor.png");
    json_object *h = hover_of(r);
    TW_CHECK_MSG(h != NULL, "no hover over the sensor");
    TW_CHECK_STR(tw_live_str(h, "kind"), "sensors");
    TW_CHECK_STR(tw_live_str(h, "layer"), "Air");
    TW_CHECK_STR(tw_live_str(h, "id"), "urn:ngsi-ld:AirQualityObserved:jongno");
    TW_CHECK_STR(line(h, 0), "종로구 대기측정소");
    TW_CHECK_STR(line(h, 1), "pm10: 42 ㎍/㎥");
    TW_CHECK_STR(line(h, 2), "관측 Observed 2026-01-01 12:00:00 KST");
    TW_CHECK(line_count(h) == 3);
    /* The box: right of and below the cursor, dark. */
    TW_CHECK(dark_at("sensor.png", SENSOR_X + 60, SENSOR_Y + 30));
    json_object_put(r);
}

static void test_parking(void)
{
    json_object *r = run_at(PARK_X, PARK_Y, false, "parking.png");
    json_object *h = hover_of(r);
    TW_CHECK_MSG(h != NULL, "no hover over the parking lot");
    TW_CHECK_STR(tw_live_str(h, "kind"), "parking");
    TW_CHECK_STR(line(h, 0), "세종로 공영주차장");
    TW_CHECK_STR(line(h, 1), "주소 Address: 종로구 세종로 80-1");
    TW_CHECK_STR(line(h, 2), "빈자리 Free: 40 / 100");
    TW_CHECK_STR(line(h, 3), "요금 Fee: 유료 paid");
    TW_CHECK_STR(line(h, 4), "관측 Observed 2026-01-01 12:05:00 KST");
    /* Near the right edge the box goes left of the cursor, on screen. */
    TW_CHECK(dark_at("parking.png", PARK_X - 40, PARK_Y + 30));
    json_object_put(r);
}

static void test_road(void)
{
    json_object *r = run_at(ROAD_X, ROAD_Y, true, "road.png");
    json_object *h = hover_of(r);
    TW_CHECK_MSG(h != NULL, "no hover over the road");
    TW_CHECK_STR(tw_live_str(h, "kind"), "traffic");
    TW_CHECK_STR(line(h, 0), "세종대로");
    TW_CHECK_STR(line(h, 1), "속도 Speed: 23.5 km/h");
    TW_CHECK_STR(line(h, 2), "도로 Road id: sejong");
    TW_CHECK_STR(line(h, 3), "관측 Observed 2026-01-01 12:10:00 KST");
    /* The pick at the same pixel finds the same road (the same hit test). */
    json_object *p = NULL, *hit = NULL;
    json_object_object_get_ex(r, "pick", &p);
    TW_CHECK_MSG(p && json_object_object_get_ex(p, "hit", &hit), "the pick hit nothing");
    TW_CHECK_STR(tw_live_str(hit, "layer"), "Roads");
    json_object_put(r);
}

static void test_empty(void)
{
    json_object *r = run_at(EMPTY_X, EMPTY_Y, false, "empty.png");
    json_object *h = NULL;
    TW_CHECK_MSG(r && json_object_object_get_ex(r, "hover", &h), "the report has no \"hover\"");
    TW_CHECK_MSG(h == NULL, "a hover over empty ground: %s", json_object_to_json_string(h));
    TW_CHECK(!dark_at("empty.png", EMPTY_X + 60, EMPTY_Y + 30));
    json_object_put(r);
}

/* Field `field` (proc(5) numbering: 19 nice, 41 policy) of the stat line
 * of pid's thread named name (Linux /proc); INT_MIN: none. */
static int thread_stat(int pid, const char *name, int field)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", pid);
    DIR *d = opendir(dir);
    int value = INT_MIN;
    for (struct dirent *e; d && value == INT_MIN && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[400], buf[1024] = "";
        snprintf(path, sizeof path, "%s/%s/comm", dir, e->d_name);
        FILE *f = fopen(path, "r"); /* /proc files have no size: read, not seek */
        char comm[64] = "";
        if (f && !fgets(comm, sizeof comm, f)) comm[0] = '\0';
        if (f) fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        f = strcmp(comm, name) == 0 ? fopen(path, "r") : NULL;
        if (!f) continue;
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        const char *p = strrchr(buf, ')'); /* then field 3, the state, ... */
        for (int k = 0; p && k < field - 2; k++) p = strchr(p + 1, ' ');
        if (p) value = atoi(p + 1);
    }
    if (d) closedir(d);
    return value;
}

static int thread_nice(int pid, const char *name)
{
    return thread_stat(pid, name, 19);
}

/* The sensors feed goes away once shown: the layer turns stale (1 s) and
 * the tooltip says since when. While it runs, the live thread and the
 * preparation thread run below the main thread's priority (nice, and the
 * SCHED_IDLE policy). */
static void test_stale(void)
{
    FILE *f = fopen(tw_live_tmp("stale.json"), "w");
    if (!f) return;
    fprintf(f,
            "{ \"name\": \"stale\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"sensors\", \"name\": \"Air\", \"format\": \"ngsi-ld\", \"url\": "
            "\"file://%s\", \"value\": \"pm10\", \"poll_s\": 0.2, \"size_px\": 24, "
            "\"stale_after_s\": 1 } ] }\n",
            tw_live_tmp("gone.json"));
    fclose(f);
    char *feed = tw_run_read_text(tw_live_tmp("sensors.json"));
    write_file("gone.json", feed ? feed : "");
    free(feed);
    char args[2000];
    /* One sensor alone is framed at the centre; its pin head 12 px up. */
    snprintf(args, sizeof args,
             "--headless --size 640x360 --wait-s 4 --hover 320,168 --snapshot '%s' --report '%s' "
             "'%s'",
             tw_live_tmp("stale.png"), tw_live_tmp("stale_rep.json"), tw_live_tmp("stale.json"));
    int pid = tw_run_citytwin_start(args, tw_live_tmp("stale.err"));
    TW_CHECK(pid > 0);
    for (int k = 0; k < 200; k++) { /* until the layer has shown its data */
        char *err = tw_run_read_text(tw_live_tmp("stale.err"));
        bool ok = err && strstr(err, "Air: ok");
        free(err);
        if (ok) break;
        tw_time_sleep_s(0.05);
    }
    if (access("/proc/self/task", R_OK) == 0) {
        int main_nice = thread_nice(pid, "citytwin");
        int live = thread_nice(pid, "citytwin-live"), prep = thread_nice(pid, "citytwin-prep");
        TW_CHECK_MSG(main_nice != INT_MIN, "no main thread in /proc/%d/task", pid);
        bool lowest = main_nice >= 19; /* run at the lowest already: nothing below */
        TW_CHECK_MSG(live != INT_MIN && (live > main_nice || lowest),
                     "live thread nice %d, main %d", live, main_nice);
        TW_CHECK_MSG(prep != INT_MIN && (prep > main_nice || lowest),
                     "preparation thread nice %d, main %d", prep, main_nice);
        /* SCHED_IDLE (5) below that, as CITYTWIN_LIVE_SCHED says. */
        const char *sched = getenv("CITYTWIN_LIVE_SCHED");
        bool normal = sched && strcmp(sched, "normal") == 0;
        bool prep_only = sched && strcmp(sched, "prep") == 0;
        bool all = sched && strcmp(sched, "idle") == 0;
        int want = all || prep_only ? 5 : normal ? 0 : LIVE_BACKGROUND_IDLE_PREP ? 5 : 0;
        int want_net = all ? 5 : normal || prep_only ? 0 : LIVE_BACKGROUND_IDLE_NET ? 5 : 0;
        int main_pol = thread_stat(pid, "citytwin", 41);
        int live_pol = thread_stat(pid, "citytwin-live", 41);
        int prep_pol = thread_stat(pid, "citytwin-prep", 41);
        TW_CHECK_MSG(main_pol == 0, "main thread policy %d", main_pol);
        TW_CHECK_MSG(live_pol == want_net, "live thread policy %d, want %d", live_pol, want_net);
        TW_CHECK_MSG(prep_pol == want, "preparation thread policy %d, want %d", prep_pol, want);
    }
    unlink(tw_live_tmp("gone.json"));
    int rc = tw_run_wait(pid, 120);
    TW_CHECK_MSG(rc == 0, "exit %d", rc);
    json_object *r = tw_run_load_json(tw_live_tmp("stale_rep.json"));
    TW_CHECK_STR(tw_live_str(tw_run_layer(r, "sensors"), "status"), "stale");
    json_object *h = hover_of(r);
    TW_CHECK_MSG(h != NULL, "no hover over the stale sensor");
    TW_CHECK_STR(line(h, 1), "pm10: 42 ㎍/㎥");
    TW_CHECK(strncmp(line(h, 3), "오래됨 Stale since ", strlen("오래됨 Stale since ")) == 0);
    json_object *st = NULL;
    TW_CHECK(json_object_object_get_ex(h, "stale", &st) && json_object_get_boolean(st));
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    write_feeds();
    TW_RUN(test_sensor);
    TW_RUN(test_parking);
    TW_RUN(test_road);
    TW_RUN(test_empty);
    TW_RUN(test_stale);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
