/* Command-line parsing. */
#include "app_cli.h"

#include "tw_sun.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void app_cli_usage(FILE *f)
{
    fputs("usage: citytwin [OPTIONS] [SCENE]\n"
          "A digital twin of Korea's certified smart cities: terrain, boundaries and live\n"
          "layers of a scene file (default: the Seoul demo scene).\n"
          "\n"
          "  --headless             render off-screen (EGL, no display needed)\n"
          "  --snapshot OUT.png     write a picture once loaded, then exit\n"
          "  --size WxH             picture / window size (default 1280x720)\n"
          "  --bookmark NAME        start at a bookmark of the scene\n"
          "  --wait-s S             after loading, run S more seconds before the snapshot\n"
          "  --report OUT.json      write a load report on exit\n"
          "  --deterministic        fixed clock and HUD text (golden images); implies\n"
          "                         --frame-clock\n"
          "  --frame-clock          animations advance a fixed step per frame, not by the\n"
          "                         wall clock (tour holds: 10 frames, flights 10-27)\n"
          "  --map                  the national smart city certification map\n"
          "  --tour                 play the scene's tour (the expo tour by default);\n"
          "                         fullscreen in a window, once through when headless\n"
          "  --pick X,Y             report what is under that pixel (with --report)\n"
          "  --hover X,Y            the cursor at that pixel: its tooltip in the snapshot,\n"
          "                         its lines in the report's \"hover\"\n"
          "  --fullscreen           fullscreen window\n"
          "  --monitor N            monitor for --fullscreen (0 = first)\n"
          "  --load-cap-s S         headless: stop waiting for layers after S s (default 120)\n"
          "  --record DIR           store every live feed response with its time in DIR\n"
          "  --replay DIR           play a --record folder back on its schedule, no network\n"
          "  --samples N            multisampling (default 4, 1 = off)\n"
          "  --time T               the sun's time, e.g. 2026-12-22T12:00:00+09:00 (without\n"
          "                         an offset: the scene's time zone, KST by default)\n"
          "  --time-slider          the time slider in headless pictures too (a window\n"
          "                         shows it whenever the scene has an analysis time)\n"
          "  --script FILE          once loaded, play FILE's input events (key, move, click,\n"
          "                         dclick, drag, wait), each after the view is complete\n"
          "  --split                the scenario's before (left) and after (right) side by\n"
          "                         side (the I key)\n"
          "  --verbose              debug logging (GDAL messages included)\n"
          "  --version, --help\n"
          "\n"
          "Window keys: drag = pan, right-drag or Ctrl+drag = orbit, wheel = zoom,\n"
          "arrows/WASD pan, +/- zoom, Q/E rotate, R/F tilt, 1-9 bookmarks, Home reset,\n"
          "H hillshade, X exaggeration, L label language, M certification map / back,\n"
          "[ ] the sun's time an hour, , . a day, T plays the day (or the time slider),\n"
          "U sun hours pass/fail, I split before | after,\n"
          "F11 fullscreen, Esc quit. On the map: click a city for its card, Enter flies\n"
          "into its twin, [ ] or , . step the years, 1-5 a year, 0 all years, B 3D.\n",
          f);
}

static bool app__number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

/* "X,Y" pixels from the top left, inside the picture (a fullscreen
 * window's size is the monitor's, known only once it opens). */
static bool app__pixel(const char *opt, const char *v, const app_options *o, double *x, double *y,
                       char *err, size_t n)
{
    char *end;
    *x = strtod(v, &end);
    bool ok = *end == ',' && end > v;
    if (ok) {
        const char *py = end + 1;
        *y = strtod(py, &end);
        ok = end > py && *end == 0 && *x >= 0 && *y >= 0;
    }
    if (!ok) {
        snprintf(err, n, "%s wants X,Y pixels from the top left, got '%s'", opt, v);
        return false;
    }
    int w = o->width > 0 ? o->width : APP_CLI_DEFAULT_W;
    int h = o->height > 0 ? o->height : APP_CLI_DEFAULT_H;
    if (!o->fullscreen && (*x >= w || *y >= h)) {
        snprintf(err, n, "%s %s is outside the %dx%d picture (X < %d, Y < %d)", opt, v, w, h, w, h);
        return false;
    }
    return true;
}

bool app_cli_parse(int argc, char **argv, app_options *o, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    o->load_cap_s = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG()                                                                                 \
    do {                                                                                           \
        if (!next) {                                                                               \
            snprintf(err, n, "option %s needs a value", a);                                        \
            return false;                                                                          \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
        if (strcmp(a, "--headless") == 0) {
            o->headless = true;
        } else if (strcmp(a, "--snapshot") == 0) {
            NEED_ARG();
            o->snapshot = next;
        } else if (strcmp(a, "--size") == 0) {
            NEED_ARG();
            int w, h;
            char tail;
            if (sscanf(next, "%dx%d%c", &w, &h, &tail) != 2 || w < 16 || h < 16 || w > 16384 ||
                h > 16384) {
                snprintf(err, n, "--size wants WxH between 16 and 16384, got '%s'", next);
                return false;
            }
            o->width = w;
            o->height = h;
        } else if (strcmp(a, "--bookmark") == 0) {
            NEED_ARG();
            o->bookmark = next;
        } else if (strcmp(a, "--wait-s") == 0 || strcmp(a, "--load-cap-s") == 0) {
            NEED_ARG();
            double v;
            if (!app__number(next, &v) || v < 0 || v > 86400) {
                snprintf(err, n, "%s wants seconds (0..86400), got '%s'", a, next);
                return false;
            }
            if (a[2] == 'w')
                o->wait_s = v;
            else
                o->load_cap_s = v;
        } else if (strcmp(a, "--report") == 0) {
            NEED_ARG();
            o->report = next;
        } else if (strcmp(a, "--map") == 0) {
            o->map = true;
        } else if (strcmp(a, "--tour") == 0) {
            o->tour = true;
        } else if (strcmp(a, "--fullscreen") == 0) {
            o->fullscreen = true;
        } else if (strcmp(a, "--monitor") == 0) {
            NEED_ARG();
            double v;
            if (!app__number(next, &v) || v < 0 || v > 64 || v != (int)v) {
                snprintf(err, n, "--monitor wants a monitor number, got '%s'", next);
                return false;
            }
            o->monitor = (int)v;
        } else if (strcmp(a, "--pick") == 0) {
            NEED_ARG();
            o->pick = next;
        } else if (strcmp(a, "--hover") == 0) {
            NEED_ARG();
            o->hover = next;
        } else if (strcmp(a, "--record") == 0) {
            NEED_ARG();
            o->record_dir = next;
        } else if (strcmp(a, "--replay") == 0) {
            NEED_ARG();
            o->replay_dir = next;
        } else if (strcmp(a, "--samples") == 0) {
            NEED_ARG();
            double v;
            if (!app__number(next, &v) || v < 1 || v > 16 || v != (int)v) {
                snprintf(err, n, "--samples wants 1..16, got '%s'", next);
                return false;
            }
            o->samples = (int)v;
        } else if (strcmp(a, "--time") == 0) {
            NEED_ARG();
            double t, off;
            if (!tw_sun_parse_time(next, 9, &t, &off)) {
                snprintf(err, n, "--time wants YYYY-MM-DDTHH:MM[:SS][+HH:MM], got '%s'", next);
                return false;
            }
            o->time = next;
        } else if (strcmp(a, "--time-slider") == 0) {
            o->time_slider = true;
        } else if (strcmp(a, "--split") == 0) {
            o->split = true;
        } else if (strcmp(a, "--script") == 0) {
            NEED_ARG();
            o->script = next;
        } else if (strcmp(a, "--deterministic") == 0) {
            o->deterministic = true;
            o->frame_clock = true;
        } else if (strcmp(a, "--frame-clock") == 0) {
            o->frame_clock = true;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o->verbose = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
        } else if (strcmp(a, "--version") == 0) {
            o->version = true;
        } else if (a[0] == '-' && a[1]) {
            snprintf(err, n, "unknown option '%s' (see --help)", a);
            return false;
        } else if (o->scene) {
            snprintf(err, n, "more than one scene given ('%s' and '%s')", o->scene, a);
            return false;
        } else {
            o->scene = a;
        }
#undef NEED_ARG
    }
    if (o->pick && !app__pixel("--pick", o->pick, o, &o->pick_x, &o->pick_y, err, n)) return false;
    if (o->hover && !app__pixel("--hover", o->hover, o, &o->hover_x, &o->hover_y, err, n))
        return false;
    if (o->map && o->tour) {
        snprintf(err, n, "--map and --tour cannot be used together (the tour shows the map)");
        return false;
    }
    if (o->record_dir && o->replay_dir) {
        snprintf(err, n, "--record and --replay cannot be used together");
        return false;
    }
    return true;
}
