/* The particles' update rule on the CPU (see app_wind_advect.h). */
#include "app_wind_advect.h"

#include <math.h>

uint32_t app_wind_pcg(uint32_t v)
{
    uint32_t s = v * 747796405u + 2891336453u;
    uint32_t w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
    return (w >> 22u) ^ w;
}

static float app__unit(uint32_t h)
{
    return (float)(h >> 8u) * (1.0f / 16777216.0f);
}

static int app__clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void app_wind_sample(const app_wind_grid2 *g, float x, float y, float out[4])
{
    float gx = (x - g->x0) / g->dx - 0.5f, gy = (y - g->y0) / g->dy - 0.5f;
    float fx = floorf(gx), fy = floorf(gy), wx = gx - fx, wy = gy - fy;
    int i0 = app__clampi((int)fx, 0, g->nx - 1), i1 = app__clampi((int)fx + 1, 0, g->nx - 1);
    int j0 = app__clampi((int)fy, 0, g->ny - 1), j1 = app__clampi((int)fy + 1, 0, g->ny - 1);
    const float *a = g->cells + ((long)j0 * g->nx + i0) * 4,
                *b = g->cells + ((long)j0 * g->nx + i1) * 4,
                *c = g->cells + ((long)j1 * g->nx + i0) * 4,
                *d = g->cells + ((long)j1 * g->nx + i1) * 4;
    for (int k = 0; k < 4; k++) {
        float lo = a[k] + (b[k] - a[k]) * wx, hi = c[k] + (d[k] - c[k]) * wx;
        out[k] = lo + (hi - lo) * wy;
    }
}

float app_wind_fade(double now, double t0, double fade_s)
{
    if (!(fade_s > 0)) return 1.0f;
    double m = (now - t0) / fade_s;
    return (float)(m < 0 ? 0 : m > 1 ? 1 : m);
}

void app_wind_sample_mix(const app_wind_grid2 *a, const app_wind_grid2 *b, float mix, float x,
                         float y, float out[4])
{
    if (b && mix >= 1) { /* the fade is over: the app then draws the new field alone */
        app_wind_sample(b, x, y, out);
        return;
    }
    app_wind_sample(a, x, y, out);
    if (!b || mix <= 0) return;
    float o[4];
    app_wind_sample(b, x, y, o);
    for (int k = 0; k < 4; k++) out[k] += (o[k] - out[k]) * mix; /* GLSL mix() */
}

void app_wind_advect(const app_wind_grid2 *g, const app_wind_rule *r, uint32_t id, uint32_t step,
                     app_wind_particle *p)
{
    float x = p->x, y = p->y, age = p->age, w[4] = {0, 0, 0, 0}, ground = 0;
    bool born = age < 0;
    uint32_t birth = step - (uint32_t)(age > 0 ? age : 0);
    uint32_t life = (uint32_t)r->life_min +
                    app_wind_pcg(r->seed ^ app_wind_pcg(id * 2u + 1u) ^ app_wind_pcg(birth)) %
                        (uint32_t)r->life_range;
    bool reborn = born || (uint32_t)age + 1u >= life;
    if (!reborn) {
        float w1[4], w3[4];
        app_wind_sample_mix(g, r->to, r->mix, x, y, w1);
        app_wind_sample_mix(g, r->to, r->mix, x + 0.5f * r->dt * w1[0], y + 0.5f * r->dt * w1[1],
                            w);
        x += r->dt * w[0];
        y += r->dt * w[1];
        app_wind_sample_mix(g, r->to, r->mix, x, y, w3);
        ground = w3[3];
        reborn =
            x < r->keep[0] || y < r->keep[1] || x > r->keep[2] || y > r->keep[3] || w3[2] >= 0.5f;
        age += 1;
    }
    if (reborn) {
        uint32_t h =
            app_wind_pcg(r->seed ^ app_wind_pcg(id * 2u) ^ app_wind_pcg(step + 0x9e3779b9u));
        age = born ? (float)(app_wind_pcg(h ^ 0x1b56c4e9u) % (uint32_t)r->life_min) : 0;
        for (int t = 0; t < 4; t++) {
            x = r->spawn[0] + app__unit(app_wind_pcg(h)) * (r->spawn[2] - r->spawn[0]);
            y = r->spawn[1] +
                app__unit(app_wind_pcg(h ^ 0x68e31da4u)) * (r->spawn[3] - r->spawn[1]);
            app_wind_sample_mix(g, r->to, r->mix, x, y, w);
            ground = w[3];
            if (w[2] < 0.5f) break;
            h = app_wind_pcg(h);
        }
        if (w[2] >= 0.5f) age = -1; /* unborn (hidden): tries again next step */
    }
    p->x = x;
    p->y = y;
    p->age = age;
    p->speed = sqrtf(w[0] * w[0] + w[1] * w[1]);
    p->z = ground + r->height_m; /* terrain-following: never below the ground */
}
