/* What the live layers' main thread reads instead of passing over every
 * entity, and what it reports about its own time:
 * - the grid a worker makes of a snapshot's positions (app_live_grid):
 *   asked for a square, it returns each entity whose cell the square
 *   touches exactly once (every entity inside the square among them, none
 *   from a cell outside it), the extent of the positions, a capped number
 *   of cells for a feed spread over a continent, nothing for a square off
 *   the grid, and -1 without a grid (the caller then asks every entity);
 * - the per-frame cost record (app_live_cost): a frame's spans add up per
 *   phase, a frame closes at app_live_cost_frame, and the report's
 *   "main_thread" lists the frames in order with their installs, the
 *   longest ring's worth when there were more. */
#include "app_live_int.h"
#include "tw_test.h"

#include <json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (double)((*s >> 8) & 0xffffff) / (double)0x1000000;
}

static void test_grid_near(void)
{
    enum { N = 20000 };
    double *xy = malloc(2 * N * sizeof *xy);
    TW_CHECK(xy != NULL);
    if (!xy) return;
    unsigned seed = 7;
    for (int i = 0; i < N; i++) /* a city 40 km across, scene metres */
        xy[2 * i] = 180000 + 40000 * rnd(&seed), xy[2 * i + 1] = 530000 + 40000 * rnd(&seed);
    app_live_grid g;
    TW_CHECK(app_live_grid_build(&g, xy, N));
    TW_CHECK(g.nx > 1 && g.ny > 1 && g.nx <= 256 && g.ny <= 256);
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 2; k++)
            lo[k] = fmin(lo[k], xy[2 * i + k]), hi[k] = fmax(hi[k], xy[2 * i + k]);
    TW_CHECK(g.ext[0] == lo[0] && g.ext[1] == lo[1] && g.ext[2] == hi[0] && g.ext[3] == hi[1]);
    /* Squares in the middle, at a corner, over everything. */
    const double q[][3] = {{200000, 550000, 6000},
                           {180000, 530000, 3000},
                           {200000, 550000, 50000},
                           {219500, 551000, 800}};
    char *seen = malloc(N);
    for (size_t t = 0; seen && t < sizeof q / sizeof q[0]; t++) {
        int *near = NULL, n = app_live_grid_near(&g, q[t][0], q[t][1], q[t][2], &near);
        TW_CHECK_MSG(n >= 0, "square %zu", t);
        memset(seen, 0, N);
        bool twice = false;
        for (int k = 0; k < n; k++) {
            TW_CHECK(near[k] >= 0 && near[k] < N);
            if (near[k] < 0 || near[k] >= N) continue;
            twice |= seen[near[k]] != 0;
            seen[near[k]] = 1;
            /* Its cell touches the square: within one cell of it. */
            int i = near[k];
            TW_CHECK(fabs(xy[2 * i] - q[t][0]) <= q[t][2] + g.cell &&
                     fabs(xy[2 * i + 1] - q[t][1]) <= q[t][2] + g.cell);
        }
        TW_CHECK_MSG(!twice, "square %zu: an entity twice", t);
        int inside = 0, missed = 0;
        for (int i = 0; i < N; i++)
            if (fabs(xy[2 * i] - q[t][0]) <= q[t][2] && fabs(xy[2 * i + 1] - q[t][1]) <= q[t][2]) {
                inside++;
                missed += !seen[i];
            }
        TW_CHECK_MSG(missed == 0, "square %zu: %d of %d inside missed", t, missed, inside);
        TW_CHECK(inside > 0);
        if (t == 2) TW_CHECK(n == N);    /* the whole grid */
        if (t == 0) TW_CHECK(n < N / 4); /* far fewer than every entity */
        free(near);
    }
    free(seen);
    /* Off the grid: none. */
    int *near = NULL;
    TW_CHECK(app_live_grid_near(&g, 0, 0, 6000, &near) == 0 && near == NULL);
    app_live_grid_free(&g);
    TW_CHECK(g.start == NULL && app_live_grid_near(&g, 200000, 550000, 6000, &near) == -1);
    /* Spread over 4,000 km: the cells grow, their count stays capped. */
    xy[0] = -2e6, xy[1] = -2e6, xy[2] = 2e6, xy[3] = 2e6;
    TW_CHECK(app_live_grid_build(&g, xy, N));
    TW_CHECK(g.nx <= 256 && g.ny <= 256 && g.cell >= 4e6 / 256);
    int n = app_live_grid_near(&g, 2e6, 2e6, 10, &near);
    bool corner = false;
    for (int k = 0; k < n; k++) corner |= near[k] == 1;
    TW_CHECK(n >= 1 && corner);
    free(near);
    app_live_grid_free(&g);
    TW_CHECK(!app_live_grid_build(&g, xy, 0));
    free(xy);
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void spin_ms(double ms) /* CPU time on this thread */
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    volatile double x = 0;
    do {
        for (int i = 0; i < 10000; i++) x += i;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) * 1e-6 < ms);
}

static void test_cost(void)
{
    app_live_cost c = {0};
    /* Frame 0: an install of 3 ms of work; frame 1: nothing; frame 2: two
     * upload spans of 2 ms. */
    app_live_cost_begin(&c);
    spin_ms(3);
    c.now.installs++;
    app_live_cost_end(&c, APP_LIVE_COST_INSTALL);
    app_live_cost_frame(&c);
    app_live_cost_frame(&c);
    for (int k = 0; k < 2; k++) {
        app_live_cost_begin(&c);
        spin_ms(2);
        app_live_cost_end(&c, APP_LIVE_COST_UPLOAD);
    }
    app_live_cost_frame(&c);
    json_object *e = json_object_new_object();
    app_live_cost_report(&c, e);
    json_object *mt = member(e, "main_thread"), *cpu = member(mt, "cpu_ms");
    json_object *ins = member(mt, "installs"), *up = member(member(mt, "phase_cpu_ms"), "upload");
    TW_CHECK(mt && cpu && ins && up);
    if (cpu && ins && up && json_object_array_length(cpu) == 3) {
        double c0 = json_object_get_double(json_object_array_get_idx(cpu, 0));
        double c1 = json_object_get_double(json_object_array_get_idx(cpu, 1));
        double c2 = json_object_get_double(json_object_array_get_idx(cpu, 2));
        TW_CHECK_MSG(c0 >= 3 && c0 < 3 + 50, "%g", c0);
        TW_CHECK(c1 == 0);
        TW_CHECK_MSG(c2 >= 4 && c2 < 4 + 50, "%g", c2);
        TW_CHECK(json_object_get_int(json_object_array_get_idx(ins, 0)) == 1);
        TW_CHECK(json_object_get_int(json_object_array_get_idx(ins, 2)) == 0);
        TW_CHECK(json_object_get_double(json_object_array_get_idx(up, 2)) >= 4);
        TW_CHECK(json_object_get_double(json_object_array_get_idx(up, 0)) == 0);
        /* The largest frame's: frame 2's spin is the longer, but a VM's
         * thread clock also counts time the host took the core (CI's
         * ASan run once measured frame 0 above frame 2). */
        TW_CHECK(json_object_get_double(member(mt, "cpu_max_ms")) == fmax(c0, fmax(c1, c2)));
    } else {
        TW_CHECK_MSG(false, "cpu_ms has %zu frames, expected 3",
                     cpu ? json_object_array_length(cpu) : 0);
    }
    json_object_put(e);
    /* More frames than the ring: the last ones, in order. */
    for (int f = 0; f < APP_LIVE_COST_FRAMES + 10; f++) {
        c.now.installs = f;
        app_live_cost_frame(&c);
    }
    e = json_object_new_object();
    app_live_cost_report(&c, e);
    ins = member(member(e, "main_thread"), "installs");
    TW_CHECK(ins && json_object_array_length(ins) == APP_LIVE_COST_FRAMES);
    if (ins && json_object_array_length(ins) == APP_LIVE_COST_FRAMES) {
        TW_CHECK(json_object_get_int(json_object_array_get_idx(ins, APP_LIVE_COST_FRAMES - 1)) ==
                 APP_LIVE_COST_FRAMES + 9);
        TW_CHECK(json_object_get_int(json_object_array_get_idx(ins, 0)) == 10);
    }
    TW_CHECK(json_object_get_int64(member(member(e, "main_thread"), "frames")) ==
             APP_LIVE_COST_FRAMES + 13);
    json_object_put(e);
    app_live_cost_free(&c);
}

int main(void)
{
    TW_RUN(test_grid_near);
    TW_RUN(test_cost);
    return TW_TEST_END();
}
