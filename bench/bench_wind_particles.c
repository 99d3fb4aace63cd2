/* bench/wind particles: what advecting the wind particles on the GPU costs
 * against drawing the same particles without advecting them.
 *
 * Headless EGL (the app's own context, 1280 x 720 unless --size), a 512 x
 * 512 wind field (a vortex over a uniform drift, a block of solid cells),
 * trails of 8 steps. For 100,000 and 1,000,000 particles it times, over
 * --frames frames (default 2) each ended with glFinish: the floor (draw the trails,
 * no step), the update alone (one step a frame, no draw) and both (a frame
 * of the layer), and prints particle updates per second and the ratios
 * (step + draw) / draw and step / draw.
 *
 *   bench_wind_particles [--frames N] [--size WxH] [--counts a,b,...]
 *
 * Run from the build folder with CITYTWIN_SOURCE pointing at the sources
 * (for shaders/). */
#include "rn_context.h"
#include "rn_particles.h"
#include "rn_shader.h"
#include "rn_texture.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRID 512

static float *field(void)
{
    float *c = malloc((size_t)GRID * GRID * 4 * sizeof *c);
    if (!c) return NULL;
    for (int j = 0; j < GRID; j++)
        for (int i = 0; i < GRID; i++) {
            double x = (i + 0.5 - GRID / 2.0) * 20, y = (j + 0.5 - GRID / 2.0) * 20;
            double r2 = (x * x + y * y) / (2000.0 * 2000.0);
            float *o = c + ((size_t)j * GRID + i) * 4;
            o[0] = (float)(2.0 - 0.002 * y * exp(-r2));
            o[1] = (float)(0.5 + 0.002 * x * exp(-r2));
            o[2] = (i > 300 && i < 320 && j > 100 && j < 160) ? 1.0f : 0.0f;
            o[3] = 0;
        }
    return c;
}

static void view_of(rn_view *v, int w, int h)
{
    memset(v, 0, sizeof *v);
    /* straight down over the field from 12 km, 40 degree field of view */
    double f = 1.0 / tan(20.0 * M_PI / 180.0), a = (double)w / h, n = 10, far = 30000;
    float m[16] = {0};
    m[0] = (float)(f / a);
    m[5] = (float)f;
    m[10] = (float)((far + n) / (n - far));
    m[11] = -1;
    m[14] = (float)(2 * far * n / (n - far));
    memcpy(v->view_proj, m, sizeof m);
    v->eye[0] = GRID * 10.0, v->eye[1] = GRID * 10.0, v->eye[2] = 12000;
    v->width = w, v->height = h;
    v->exaggeration = 1;
}

typedef struct timing {
    double draw_ms, step_ms, both_ms;
} timing;

static double frames(rn_context *ctx, rn_particles *p, const rn_view *v,
                     const rn_particles_step_desc *s, int n, bool step, bool draw)
{
    rn_particles_draw_desc d = {.height_m = 20, .speed_max = 6, .opacity = 1};
    double t0 = tw_time_mono_s();
    for (int i = 0; i < n; i++) {
        rn_context_begin_frame(ctx);
        if (step) rn_particles_step(p, s);
        if (draw) rn_particles_draw(p, v, NULL, &d);
        rn_particles_finish();
    }
    return (tw_time_mono_s() - t0) * 1000.0 / n;
}

int main(int argc, char **argv)
{
    int nframes = 2, w = 1280, h = 720;
    long counts[8] = {100000, 1000000};
    int ncounts = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--frames") && i + 1 < argc)
            nframes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc)
            sscanf(argv[++i], "%dx%d", &w, &h);
        else if (!strcmp(argv[i], "--counts") && i + 1 < argc) {
            ncounts = 0;
            for (char *t = strtok(argv[++i], ","); t && ncounts < 8; t = strtok(NULL, ","))
                counts[ncounts++] = atol(t);
        } else {
            fprintf(stderr, "usage: %s [--frames N] [--size WxH] [--counts a,b]\n", argv[0]);
            return 2;
        }
    }
    const char *src = getenv("CITYTWIN_SOURCE");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/shaders", src ? src : "..");
    rn_shader_set_dir(dir);
    char err[512];
    rn_context *ctx = NULL;
    if (rn_context_create(&(rn_context_desc){.width = w, .height = h, .headless = true}, &ctx, err,
                          sizeof err) != TW_OK) {
        fprintf(stderr, "bench_wind_particles: no headless GL: %s\n", err);
        return 77;
    }
    rn_texture_setup(0);
    printf("renderer: %s\nframe %dx%d, %d frames per case, trails of 8 steps\n",
           rn_context_renderer(ctx), w, h, nframes);
    float *cells = field();
    rn_wind_grid g = {.nx = GRID, .ny = GRID, .x0 = 0, .y0 = 0, .dx = 20, .dy = 20, .cells = cells};
    rn_view v;
    view_of(&v, w, h);
    int rc = 0;
    for (int c = 0; c < ncounts; c++) {
        rn_particles *p = rn_particles_create(
            &(rn_particles_desc){.count = (int)counts[c], .trail = 8}, 0, 0, err, sizeof err);
        if (!p || !rn_particles_set_field(p, 0, &g, NULL)) {
            fprintf(stderr, "%ld particles: %s\n", counts[c], p ? "field upload failed" : err);
            rn_particles_destroy(p);
            rc = 1;
            continue;
        }
        rn_particles_step_desc s = {.slot_a = 0,
                                    .slot_b = 0,
                                    .dt_scale = 8,
                                    .seed = 1,
                                    .spawn = {0, 0, GRID * 20, GRID * 20},
                                    .keep = {0, 0, GRID * 20, GRID * 20},
                                    .life_min = 60,
                                    .life_range = 60};
        /* fill the trails first, so every case draws the same segments, and
         * draw once untimed (drivers compile shader variants on first use) */
        frames(ctx, p, &v, &s, 10, true, false);
        frames(ctx, p, &v, &s, 1, true, true);
        timing t;
        t.draw_ms = frames(ctx, p, &v, &s, nframes, false, true);
        t.step_ms = frames(ctx, p, &v, &s, nframes, true, false);
        t.both_ms = frames(ctx, p, &v, &s, nframes, true, true);
        printf("%8ld particles: draw (floor) %.2f ms, step %.2f ms, step + draw %.2f ms; "
               "%.1f M updates/s; (step + draw) / draw %.2f, step / draw %.2f\n",
               counts[c], t.draw_ms, t.step_ms, t.both_ms, counts[c] / (t.step_ms * 1e3),
               t.both_ms / t.draw_ms, t.step_ms / t.draw_ms);
        rn_particles_destroy(p);
    }
    free(cells);
    rn_texture_shutdown();
    rn_context_destroy(ctx);
    return rc;
}
