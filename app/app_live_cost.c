/* What a live layer costs the main thread, frame by frame: the CPU time
 * (the thread's own clock) and the wall time spent in the layer's main-
 * thread code (a snapshot's hand-off and install, the update, the marker
 * upload and draw calls, the overlay, the labels pass), summed per frame.
 * A frame's sample closes at the layer's update, so sample k covers what
 * the report's frames.gaps_ms[k] covers (one frame's start to the next:
 * draw, end of frame, input, the hand-off drain, the updates), and the two
 * sequences end on the same frame. The wall time beside the CPU time tells
 * a wait inside the layer's calls (a GL call waiting on the rasterizer)
 * from work. Reported as the layer entry's "main_thread". */
#include "app_live_int.h"

#include "tw_time.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const app__phase_names[APP_LIVE_COST_PHASES] = {"install", "update", "upload",
                                                                   "draw", "labels"};

static double app__cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void app_live_cost_begin(app_live_cost *c)
{
    c->cpu0 = app__cpu_s(), c->wall0 = tw_time_mono_s();
}

void app_live_cost_end(app_live_cost *c, int phase)
{
    double cpu = (app__cpu_s() - c->cpu0) * 1000, wall = (tw_time_mono_s() - c->wall0) * 1000;
    c->now.cpu_ms += (float)cpu, c->now.wall_ms += (float)wall;
    if (phase >= 0 && phase < APP_LIVE_COST_PHASES)
        c->now.phase_ms[phase] += (float)wall, c->now.phase_cpu_ms[phase] += (float)cpu;
}

void app_live_cost_frame(app_live_cost *c)
{
    if (!c->ring && !(c->ring = calloc(APP_LIVE_COST_FRAMES, sizeof *c->ring))) return;
    c->ring[c->count % APP_LIVE_COST_FRAMES] = c->now;
    c->count++;
    memset(&c->now, 0, sizeof c->now);
}

void app_live_cost_prep(app_live_cost *c, double cpu_ms, double wall_ms, long frames)
{
    c->prep[c->prep_count++ % APP_LIVE_PREP_SAMPLES] =
        (app_live_prep_sample){(float)cpu_ms, (float)wall_ms, (int)frames};
}

void app_live_cost_free(app_live_cost *c)
{
    free(c->ring);
    memset(c, 0, sizeof *c);
}

static int app__cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Snapshots fetched, shown and dropped, and the worker's time per snapshot
 * shown: "snapshots_fetched", "snapshots_dropped", "prep". */
static void app__prep_report(const app_live_cost *c, json_object *entry)
{
    json_object_object_add(entry, "snapshots_fetched", json_object_new_int64(c->fetched));
    json_object_object_add(entry, "snapshots_dropped", json_object_new_int64(c->dropped));
    long n = c->prep_count < APP_LIVE_PREP_SAMPLES ? c->prep_count : APP_LIVE_PREP_SAMPLES;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "count", json_object_new_int64(c->prep_count));
    float v[3][APP_LIVE_PREP_SAMPLES];
    for (long i = 0; i < n; i++)
        v[0][i] = c->prep[i].cpu_ms, v[1][i] = c->prep[i].wall_ms,
        v[2][i] = (float)c->prep[i].frames;
    static const char *const names[3][2] = {{"cpu_p50_ms", "cpu_max_ms"},
                                            {"wall_p50_ms", "wall_max_ms"},
                                            {"frames_to_show_p50", "frames_to_show_max"}};
    for (int k = 0; k < 3 && n > 0; k++) {
        qsort(v[k], (size_t)n, sizeof v[k][0], app__cmp_float);
        json_object_object_add(o, names[k][0], json_object_new_double(v[k][n / 2]));
        json_object_object_add(o, names[k][1], json_object_new_double(v[k][n - 1]));
    }
    json_object_object_add(entry, "prep", o);
}

void app_live_cost_report(const app_live_cost *c, json_object *entry)
{
    long n = !c->ring ? 0 : c->count < APP_LIVE_COST_FRAMES ? c->count : APP_LIVE_COST_FRAMES;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "frames", json_object_new_int64(c->count));
    json_object *cpu = json_object_new_array(), *wall = json_object_new_array();
    json_object *snap = json_object_new_array();
    json_object *ph[APP_LIVE_COST_PHASES], *pc[APP_LIVE_COST_PHASES];
    for (int k = 0; k < APP_LIVE_COST_PHASES; k++)
        ph[k] = json_object_new_array(), pc[k] = json_object_new_array();
    float *s = malloc(((size_t)n + 1) * sizeof *s), *w = malloc(((size_t)n + 1) * sizeof *w);
    for (long i = 0; i < n; i++) { /* in frame order, the last n */
        const app_live_cost_frame_t *f = &c->ring[(c->count - n + i) % APP_LIVE_COST_FRAMES];
        json_object_array_add(cpu, json_object_new_double(f->cpu_ms));
        json_object_array_add(wall, json_object_new_double(f->wall_ms));
        json_object_array_add(snap, json_object_new_int(f->installs));
        for (int k = 0; k < APP_LIVE_COST_PHASES; k++) {
            json_object_array_add(ph[k], json_object_new_double(f->phase_ms[k]));
            json_object_array_add(pc[k], json_object_new_double(f->phase_cpu_ms[k]));
        }
        if (s && w) s[i] = f->cpu_ms, w[i] = f->wall_ms;
    }
    json_object_object_add(o, "cpu_ms", cpu);
    json_object_object_add(o, "wall_ms", wall);
    json_object_object_add(o, "installs", snap); /* snapshots installed in each frame */
    json_object *phases = json_object_new_object(), *pcpu = json_object_new_object();
    for (int k = 0; k < APP_LIVE_COST_PHASES; k++) {
        json_object_object_add(phases, app__phase_names[k], ph[k]);
        json_object_object_add(pcpu, app__phase_names[k], pc[k]);
    }
    json_object_object_add(o, "phase_wall_ms", phases);
    json_object_object_add(o, "phase_cpu_ms", pcpu);
    if (s && w && n > 0) {
        qsort(s, (size_t)n, sizeof *s, app__cmp_float);
        qsort(w, (size_t)n, sizeof *w, app__cmp_float);
        json_object_object_add(o, "cpu_p50_ms", json_object_new_double(s[n / 2]));
        json_object_object_add(o, "cpu_max_ms", json_object_new_double(s[n - 1]));
        json_object_object_add(o, "wall_p50_ms", json_object_new_double(w[n / 2]));
        json_object_object_add(o, "wall_max_ms", json_object_new_double(w[n - 1]));
    }
    free(s), free(w);
    json_object_object_add(entry, "main_thread", o);
    app__prep_report(c, entry);
}
