/* The wind particles' update rule (app_wind_advect, the CPU twin of
 * shaders/wind_update.frag): a uniform field moves a particle dt * speed a
 * step, a vortex keeps it on its circle, no step ends inside a solid
 * cell (terrain or a building) however the flow runs into it, and each
 * particle stands height_m above the ground under it on sloped terrain. */
#include "app_wind_advect.h"
#include "tw_test.h"

#include <math.h>
#include <stdlib.h>

#define N 64

static float cells[N * N * 4];

static app_wind_grid2 grid(float d)
{
    return (app_wind_grid2){.nx = N, .ny = N, .x0 = 0, .y0 = 0, .dx = d, .dy = d, .cells = cells};
}

static app_wind_rule rule(float dt, float size)
{
    return (app_wind_rule){.dt = dt,
                           .seed = 11,
                           .spawn = {0, 0, size, size},
                           .keep = {0, 0, size, size},
                           .life_min = 100000,
                           .life_range = 1};
}

static void test_uniform_distance(void)
{
    for (int i = 0; i < N * N; i++)
        cells[i * 4] = 3.0f, cells[i * 4 + 1] = -4.0f, cells[i * 4 + 2] = 0, cells[i * 4 + 3] = 0;
    app_wind_grid2 g = grid(50);
    app_wind_rule r = rule(2.0f, N * 50);
    app_wind_particle p = {.x = 1000, .y = 2000, .age = 0};
    for (uint32_t s = 1; s <= 20; s++) {
        float x = p.x, y = p.y;
        app_wind_advect(&g, &r, 5, s, &p);
        TW_CHECK_NEAR(p.x - x, 6.0, 1e-3);
        TW_CHECK_NEAR(p.y - y, -8.0, 1e-3);
        TW_CHECK_NEAR(p.speed, 5.0, 1e-5);
        TW_CHECK_NEAR(p.age, s, 0);
    }
}

/* Solid rotation about the centre: u = -w y, v = w x (exact under bilinear
 * interpolation, a linear field); midpoint steps keep the radius. */
static void test_vortex_circle(void)
{
    float d = 50, c = N * d / 2, w = 0.01f;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            float x = (i + 0.5f) * d - c, y = (j + 0.5f) * d - c;
            float *o = cells + (j * N + i) * 4;
            o[0] = -w * y, o[1] = w * x, o[2] = 0, o[3] = 0;
        }
    app_wind_grid2 g = grid(d);
    app_wind_rule r = rule(1.0f, N * d);
    app_wind_particle p = {.x = c + 800, .y = c, .age = 0};
    double r0 = 800, worst = 0;
    /* one full turn: 2 pi / w = 628 steps of 1 s */
    for (uint32_t s = 1; s <= 628; s++) {
        app_wind_advect(&g, &r, 9, s, &p);
        double rr = hypot(p.x - c, p.y - c);
        worst = fmax(worst, fabs(rr - r0));
    }
    TW_CHECK_MSG(worst < 0.01 * r0, "radius drifted by %g m of %g", worst, r0);
    /* back near the start after one turn (angle 628 * 0.01 = 6.28 rad) */
    TW_CHECK_NEAR(atan2(p.y - c, p.x - c), 6.28 - 2 * M_PI, 0.01);
}

/* Flow straight into a block standing in the middle: every particle that
 * would end in it is reborn outside it, and spawns never land inside. */
static void test_never_inside_solid(void)
{
    float d = 50;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            float *o = cells + (j * N + i) * 4;
            bool solid = i >= 24 && i < 40 && j >= 24 && j < 40;
            o[0] = solid ? 0 : 4, o[1] = 0, o[2] = solid ? 1 : 0, o[3] = 0;
        }
    app_wind_grid2 g = grid(d);
    app_wind_rule r = rule(5.0f, N * d);
    r.life_min = 40, r.life_range = 30;
    app_wind_particle *ps = calloc(2000, sizeof *ps);
    for (int i = 0; i < 2000; i++) ps[i].age = -1;
    long inside = 0, reborn_inside = 0, steps = 0;
    for (uint32_t s = 1; s <= 300; s++)
        for (uint32_t i = 0; i < 2000; i++) {
            app_wind_advect(&g, &r, i, s, &ps[i]);
            float v[4];
            app_wind_sample(&g, ps[i].x, ps[i].y, v);
            steps++;
            if (ps[i].age < 0)
                reborn_inside++; /* no place found this step: unborn, hidden */
            else if (v[2] >= 0.5f)
                inside++;
        }
    TW_CHECK_MSG(inside == 0, "%ld of %ld steps ended inside the block", inside, steps);
    fprintf(stderr, "  spawns left unborn (no place outside the block): %ld\n", reborn_inside);
    free(ps);
}

/* Terrain-following: on a slope (ground = 20 + 0.05 x + 0.02 y, exact
 * under bilinear sampling) with a steep hill on it, every particle, moving
 * or reborn, stands height_m above the ground where it is, never below. */
static void test_height_above_slope(void)
{
    float d = 50, hc = N * d / 2;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            float x = (i + 0.5f) * d, y = (j + 0.5f) * d;
            float *o = cells + (j * N + i) * 4;
            o[0] = 3, o[1] = 1.5f, o[2] = 0, o[3] = 20 + 0.05f * x + 0.02f * y;
        }
    app_wind_grid2 g = grid(d);
    app_wind_rule r = rule(4.0f, N * d);
    r.life_min = 30, r.life_range = 40;
    r.height_m = 30;
    app_wind_particle p = {.x = 400, .y = 900, .age = 0};
    for (uint32_t s = 1; s <= 50; s++) {
        app_wind_advect(&g, &r, 1, s, &p);
        if (p.age < 0) continue;
        double ground = 20 + 0.05 * p.x + 0.02 * p.y;
        TW_CHECK_NEAR(p.z, ground + 30, 1e-3 * (ground + 30));
    }
    /* a hill 400 m high, 300 m wide, in the middle */
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            float x = (i + 0.5f) * d - hc, y = (j + 0.5f) * d - hc;
            cells[(j * N + i) * 4 + 3] += 400 * expf(-(x * x + y * y) / (2 * 300.0f * 300.0f));
        }
    app_wind_particle *ps = calloc(500, sizeof *ps);
    for (int i = 0; i < 500; i++) ps[i].age = -1;
    long below = 0, off = 0, n = 0;
    double worst = 0;
    for (uint32_t s = 1; s <= 200; s++)
        for (uint32_t i = 0; i < 500; i++) {
            app_wind_advect(&g, &r, i, s, &ps[i]);
            if (ps[i].age < 0) continue;
            float v[4];
            app_wind_sample(&g, ps[i].x, ps[i].y, v);
            n++;
            if (ps[i].z < v[3]) below++;
            double e = fabs(ps[i].z - (v[3] + 30));
            if (e > 1e-3 * (v[3] + 30)) off++;
            worst = fmax(worst, e);
        }
    TW_CHECK_MSG(n > 50000, "only %ld particle steps", n);
    TW_CHECK_MSG(below == 0, "%ld of %ld steps ended below the ground", below, n);
    TW_CHECK_MSG(off == 0, "%ld of %ld steps not 30 m above the ground (worst %g m)", off, n,
                 worst);
    free(ps);
}

/* Seasonal presets: the C key starts a crossfade of APP__FADE_S (1.5 s)
 * from the current field to the next; the step mixes the two the way
 * shaders/wind_update.frag does. Mid-fade the field is the even mix of the
 * two, and at the end exactly the new one. */
static float cells_b[N * N * 4];

static void test_crossfade(void)
{
    TW_CHECK_NEAR(app_wind_fade(10.0, 10.0, 1.5), 0, 0);
    TW_CHECK_NEAR(app_wind_fade(9.0, 10.0, 1.5), 0, 0);
    TW_CHECK_NEAR(app_wind_fade(10.75, 10.0, 1.5), 0.5, 1e-6);
    TW_CHECK_NEAR(app_wind_fade(10.375, 10.0, 1.5), 0.25, 1e-6);
    TW_CHECK_NEAR(app_wind_fade(11.5, 10.0, 1.5), 1, 0);
    TW_CHECK_NEAR(app_wind_fade(30.0, 10.0, 1.5), 1, 0);
    /* two fields that vary in space: a (winter-like northwesterly) and b */
    float d = 50;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            float *a = cells + (j * N + i) * 4, *b = cells_b + (j * N + i) * 4;
            a[0] = 4 + 0.02f * i, a[1] = -3 + 0.01f * j, a[2] = 0, a[3] = 10 + i;
            b[0] = -2 - 0.03f * j, b[1] = 5 + 0.02f * i, b[2] = 0, b[3] = 10 + i;
        }
    app_wind_grid2 ga = grid(d), gb = grid(d);
    gb.cells = cells_b;
    double worst_mid = 0, worst_end = 0;
    for (int n = 0; n < 200; n++) {
        float x = 37.0f + 15.3f * n, y = 3100.0f - 13.1f * n, va[4], vb[4], m[4], e[4];
        app_wind_sample(&ga, x, y, va);
        app_wind_sample(&gb, x, y, vb);
        app_wind_sample_mix(&ga, &gb, app_wind_fade(10.75, 10.0, 1.5), x, y, m);
        app_wind_sample_mix(&ga, &gb, app_wind_fade(11.5, 10.0, 1.5), x, y, e);
        for (int k = 0; k < 2; k++) {
            worst_mid = fmax(worst_mid, fabs(m[k] - 0.5 * (va[k] + vb[k])));
            worst_end = fmax(worst_end, fabs(e[k] - vb[k]));
        }
    }
    TW_CHECK_MSG(worst_mid < 1e-5, "mid-fade differs from the even mix by %g m/s", worst_mid);
    TW_CHECK_MSG(worst_end == 0, "the end of the fade differs from the new field by %g m/s",
                 worst_end);
    /* a particle moves through the mix: uniform a (2, 0) and b (-4, 6) at
     * mix 0.25 give (0.5, 1.5) m/s */
    for (int c = 0; c < N * N; c++) {
        cells[c * 4] = 2, cells[c * 4 + 1] = 0;
        cells_b[c * 4] = -4, cells_b[c * 4 + 1] = 6;
    }
    app_wind_rule r = rule(2.0f, N * d);
    r.to = &gb;
    r.mix = app_wind_fade(10.375, 10.0, 1.5);
    app_wind_particle p = {.x = 1500, .y = 1500, .age = 0};
    app_wind_advect(&ga, &r, 4, 1, &p);
    TW_CHECK_NEAR(p.x - 1500, 2 * 0.5, 1e-4);
    TW_CHECK_NEAR(p.y - 1500, 2 * 1.5, 1e-4);
    r.mix = 1;
    app_wind_advect(&ga, &r, 4, 2, &p);
    TW_CHECK_NEAR(p.x - 1501, 2 * -4.0, 1e-4);
    TW_CHECK_NEAR(p.y - 1503, 2 * 6.0, 1e-4);
}

/* The hash and so the spawns are the same every run (golden pictures). */
static void test_deterministic(void)
{
    TW_CHECK(app_wind_pcg(0) == app_wind_pcg(0));
    TW_CHECK(app_wind_pcg(1) != app_wind_pcg(2));
    for (int i = 0; i < N * N * 4; i++) cells[i] = 0;
    app_wind_grid2 g = grid(10);
    app_wind_rule r = rule(1, 640);
    app_wind_particle a = {.age = -1}, b = {.age = -1};
    app_wind_advect(&g, &r, 3, 1, &a);
    app_wind_advect(&g, &r, 3, 1, &b);
    TW_CHECK(a.x == b.x && a.y == b.y && a.age == b.age);
    TW_CHECK(a.x >= 0 && a.x <= 640 && a.y >= 0 && a.y <= 640);
}

int main(void)
{
    TW_RUN(test_uniform_distance);
    TW_RUN(test_vortex_circle);
    TW_RUN(test_never_inside_solid);
    TW_RUN(test_height_above_slope);
    TW_RUN(test_crossfade);
    TW_RUN(test_deterministic);
    return TW_TEST_END();
}
