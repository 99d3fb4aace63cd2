/* The time slider and --script through the real binary: one box on flat
 * ground at noon on the 2026 winter solstice, 960 x 540. A scripted drag
 * of the thumb to 9 h and a click on the next-day button set the analysis
 * time (the report's sun: 2026-12-23T09:00, the sun low in the south-east)
 * and the picture (golden "timeslider": the strip with the date, the lit
 * day and the thumb, the box's long morning shadow); --pick on the strip
 * finds the panel; play then pause moves the time on; a bad script line is
 * an error naming the file and line, exit 2. */
#include "tw_run.h"
#include "tw_test.h"

#include <math.h>

static char scene[2048];

static void make_scene(void)
{
    char box[600];
    snprintf(box, sizeof box, "%s/box.geojson", tw_run_tmpdir());
    tw_run_write_text(box, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                           "\"properties\":{\"height_m\":30},\"geometry\":{\"type\":\"Polygon\","
                           "\"coordinates\":[[[199990,499990],[200010,499990],[200010,500010],"
                           "[199990,500010],[199990,499990]]]}}]}");
    snprintf(scene, sizeof scene,
             "{\"name\": \"시간 time\", \"crs\": \"EPSG:5186\", \"time\": \"2026-12-22T12:00\","
             " \"layers\": [{\"kind\": \"buildings\", \"source\": \"%s\", \"source_crs\": "
             "\"EPSG:5186\", \"height_field\": \"height_m\"}],"
             " \"bookmarks\": [{\"name\": \"b\", \"eye\": [199880, 499750, 170], \"target\": "
             "[200000, 500020, 0]}]}",
             box);
}

/* Runs the scene with a script; the report (NULL: none). */
static json_object *run(const char *tag, const char *script, const char *more, int *rc)
{
    char path[600], extra[1400];
    snprintf(path, sizeof path, "%s/%s.txt", tw_run_tmpdir(), tag);
    tw_run_write_text(path, script);
    snprintf(extra, sizeof extra, "--size 960x540 --bookmark b --time-slider --script '%s' %s",
             path, more);
    return tw_run_scene(scene, tag, extra, rc);
}

/* The strip at 960 x 540: the track from x 580 to 858 at y 69 (0 h to
 * 24 h), the next-day button at x 442-460, play at 474-492. */
static void test_drag(void)
{
    int rc;
    json_object *r = run("drag", "drag 719 69 684 69\nclick 451 69\n", "--pick 700,69", &rc);
    TW_CHECK(rc == 0 && r);
    json_object *sun = tw_run_get(r, "sun");
    printf("sun: %s az %.2f el %.2f\n", json_object_get_string(tw_run_get(sun, "time")),
           tw_run_num(sun, "azimuth_deg"), tw_run_num(sun, "elevation_deg"));
    TW_CHECK_STR(json_object_get_string(tw_run_get(sun, "time")), "2026-12-23T09:00:00+09:00");
    TW_CHECK(tw_run_num(sun, "azimuth_deg") > 125 && tw_run_num(sun, "azimuth_deg") < 145);
    TW_CHECK(tw_run_num(sun, "elevation_deg") > 8 && tw_run_num(sun, "elevation_deg") < 18);
    json_object *p = tw_run_get(r, "pick");
    TW_CHECK_STR(json_object_get_string(tw_run_get(p, "kind")), "panel");
    TW_CHECK_STR(json_object_get_string(tw_run_get(p, "panel")), "time");
    char png[600];
    snprintf(png, sizeof png, "%s/drag.png", tw_run_tmpdir());
    TW_CHECK(tw_golden_check(png, "timeslider"));
    json_object_put(r);
}

static void test_play(void)
{
    int rc;
    json_object *r = run("play", "click 483 69\nwait 20\nclick 483 69\n", "", &rc);
    TW_CHECK(rc == 0 && r);
    const char *t = json_object_get_string(tw_run_get(tw_run_get(r, "sun"), "time"));
    printf("after play and pause: %s\n", t ? t : "(none)");
    /* Later the same day: it played, then stopped before the evening. */
    TW_CHECK(t && strncmp(t, "2026-12-22T", 11) == 0 && strcmp(t + 11, "12:00:00+09:00") > 0);
    json_object_put(r);
}

static void test_bad_script(void)
{
    int rc;
    json_object *r = run("bad", "move 10 10\njump 1 2\n", "", &rc);
    TW_CHECK(rc == 2 && !r);
    char err[600];
    snprintf(err, sizeof err, "%s/bad.err", tw_run_tmpdir());
    char *text = tw_run_read_text(err);
    printf("%s", text ? text : "(no stderr)\n");
    TW_CHECK(text && strstr(text, "bad.txt:2: unknown command 'jump'"));
    free(text);
    r = run("bad2", "drag 1 2 3\n", "", &rc);
    TW_CHECK(rc == 2 && !r);
    snprintf(err, sizeof err, "%s/bad2.err", tw_run_tmpdir());
    text = tw_run_read_text(err);
    TW_CHECK(text && strstr(text, "bad2.txt:1: drag wants 4 numbers"));
    free(text);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    make_scene();
    TW_RUN(test_bad_script);
    TW_RUN(test_drag);
    TW_RUN(test_play);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
