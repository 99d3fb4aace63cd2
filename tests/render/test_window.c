/* The window path: under Xvfb the real GLFW window opens, renders frames,
 * and its screenshot is a picture (not blank); fullscreen fills the monitor. */
#include "tw_run.h"
#include "tw_test.h"

#include <math.h>

static bool have_xvfb(void)
{
    return tw_run_shell("command -v xvfb-run >/dev/null 2>&1") == 0;
}

static int run_window(const char *tag, const char *extra, tw_image *img, json_object **report)
{
    char png[512], rep[512], err[512], cmd[3000];
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    snprintf(cmd, sizeof cmd,
             "xvfb-run -a -s '-screen 0 1024x768x24' '%s' --snapshot '%s' --report '%s' "
             "--wait-s 1 %s </dev/null >/dev/null 2>'%s'",
             tw_run_bin(), png, rep, extra, err);
    int rc = tw_run_shell(cmd);
    if (rc != 0) {
        char *text = tw_run_read_text(err);
        fprintf(stderr, "%s exited %d: %s\n", tag, rc, text ? text : "");
        free(text);
    }
    *report = tw_run_load_json(rep);
    if (!tw_img_load(png, img)) memset(img, 0, sizeof *img);
    return rc;
}

/* Distinct colours and spread: a blank or single-colour window fails. */
static void check_not_blank(const tw_image *img)
{
    TW_CHECK(img->pixels != NULL);
    if (!img->pixels) return;
    size_t n = (size_t)img->width * img->height;
    double mean = 0, var = 0;
    int seen = 0;
    static unsigned char bins[4096];
    memset(bins, 0, sizeof bins);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = img->pixels + i * 4;
        double lum = 0.3 * p[0] + 0.59 * p[1] + 0.11 * p[2];
        mean += lum;
        var += lum * lum;
        int bin = (p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4);
        if (!bins[bin]) bins[bin] = 1, seen++;
    }
    mean /= n;
    double sd = sqrt(var / n - mean * mean);
    TW_CHECK_MSG(sd > 15, "luminance spread %.1f", sd);
    TW_CHECK_MSG(seen > 40, "%d colour bins", seen);
}

static void test_window_renders_frames(void)
{
    tw_image img;
    json_object *r;
    int rc = run_window("window", "--size 800x600", &img, &r);
    TW_CHECK(rc == 0);
    TW_CHECK(img.width == 800 && img.height == 600);
    check_not_blank(&img);
    json_object *frames, *count;
    TW_CHECK(r && json_object_object_get_ex(r, "frames", &frames) &&
             json_object_object_get_ex(frames, "count", &count) && json_object_get_int(count) > 2);
    json_object *renderer;
    TW_CHECK(r && json_object_object_get_ex(r, "renderer", &renderer));
    tw_image_free(&img);
    json_object_put(r);
}

static void test_fullscreen_fills_the_monitor(void)
{
    tw_image img;
    json_object *r;
    int rc = run_window("fullscreen", "--fullscreen --monitor 0", &img, &r);
    TW_CHECK(rc == 0);
    TW_CHECK_MSG(img.width == 1024 && img.height == 768, "picture %dx%d", img.width, img.height);
    check_not_blank(&img);
    tw_image_free(&img);
    json_object_put(r);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

/* Real input on the real window, once the map has loaded (5 s; it takes
 * about 1 s here): xdotool (XTEST) presses ] (next year: from
 * "all years" to 2021) and clicks central Seoul on the map; the report says
 * what the map then shows and which city the click selected. */
static void test_map_input_in_a_window(void)
{
    if (tw_run_shell("command -v xdotool >/dev/null 2>&1") != 0) {
        printf("  skipped: xdotool is not installed (Debian package xdotool)\n");
        return;
    }
    char png[512], rep[512], err[512], cmd[4000];
    snprintf(png, sizeof png, "%s/map_input.png", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/map_input.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/map_input.err", tw_run_tmpdir());
    /* The pixel is the one test_map picks Seoul at, in the same 1280x720. */
    snprintf(cmd, sizeof cmd,
             "xvfb-run -a -s '-screen 0 1280x800x24' sh -c '"
             "\"%s\" --map --size 1280x720 --wait-s 9 --snapshot \"%s\" --report \"%s\" "
             "2>\"%s\" & pid=$!; "
             "wid=$(timeout 90 xdotool search --sync --onlyvisible --name citytwin | head -n 1); "
             "[ -n \"$wid\" ] || { kill $pid; exit 3; }; "
             "sleep 5; xdotool mousemove --window $wid 640 400; sleep 0.3; "
             "xdotool key bracketright; sleep 0.5; "
             "xdotool mousemove --window $wid 515 160; sleep 0.3; xdotool click 1; "
             "wait $pid' </dev/null >/dev/null 2>&1",
             tw_run_bin(), png, rep, err);
    int rc = tw_run_shell(cmd);
    TW_CHECK(rc == 0);
    json_object *r = tw_run_load_json(rep);
    json_object *m = NULL;
    TW_CHECK(r && json_object_object_get_ex(r, "map", &m));
    TW_CHECK_STR(str(m, "year"), "2021");
    TW_CHECK_STR(str(m, "selected"), "서울특별시");
    tw_image img;
    if (!tw_img_load(png, &img)) memset(&img, 0, sizeof img);
    check_not_blank(&img);
    tw_image_free(&img);
    json_object_put(r);
}

static json_object *layer_at(json_object *r, int i)
{
    json_object *layers;
    if (!r || !json_object_object_get_ex(r, "layers", &layers)) return NULL;
    return json_object_array_get_idx(layers, (size_t)i);
}

/* The layer panel with real input: P opens it, a click on the second row's
 * box hides the district outlines, a click on the third row's minus fades
 * the stations to 75 %. Rows: x 890..1270, from y 90, 38 px each (the
 * panel's layout at scale 1, app_panel.c). */
static void test_layer_panel_in_a_window(void)
{
    if (tw_run_shell("command -v xdotool >/dev/null 2>&1") != 0) {
        printf("  skipped: xdotool is not installed (Debian package xdotool)\n");
        return;
    }
    char png[512], rep[512], err[512], cmd[4000];
    snprintf(png, sizeof png, "%s/panel.png", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/panel.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/panel.err", tw_run_tmpdir());
    snprintf(cmd, sizeof cmd,
             "xvfb-run -a -s '-screen 0 1280x800x24' sh -c '"
             "\"%s\" --size 1280x720 --bookmark namsan --wait-s 9 --snapshot \"%s\" "
             "--report \"%s\" 2>\"%s\" & pid=$!; "
             "wid=$(timeout 90 xdotool search --sync --onlyvisible --name citytwin | head -n 1); "
             "[ -n \"$wid\" ] || { kill $pid; exit 3; }; "
             "sleep 5; xdotool mousemove --window $wid 640 400; sleep 0.3; "
             "xdotool key p; sleep 0.5; "
             "xdotool mousemove --window $wid 897 141; sleep 0.3; xdotool click 1; sleep 0.3; "
             "xdotool mousemove --window $wid 1178 179; sleep 0.3; xdotool click 1; "
             "wait $pid' </dev/null >/dev/null 2>&1",
             tw_run_bin(), png, rep, err);
    TW_CHECK(tw_run_shell(cmd) == 0);
    json_object *r = tw_run_load_json(rep);
    json_object *b = layer_at(r, 1), *p = layer_at(r, 2), *v;
    TW_CHECK_STR(str(b, "kind"), "boundaries");
    TW_CHECK(b && json_object_object_get_ex(b, "visible", &v) && !json_object_get_boolean(v));
    TW_CHECK_STR(str(p, "kind"), "points");
    TW_CHECK(p && json_object_object_get_ex(p, "visible", &v) && json_object_get_boolean(v));
    TW_CHECK(p && json_object_object_get_ex(p, "opacity", &v) &&
             fabs(json_object_get_double(v) - 0.75) < 1e-6);
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!have_xvfb()) TW_SKIP("xvfb-run is not installed (Debian package xvfb)");
    TW_RUN(test_window_renders_frames);
    TW_RUN(test_fullscreen_fills_the_monitor);
    TW_RUN(test_map_input_in_a_window);
    TW_RUN(test_layer_panel_in_a_window);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
