/* The wind particles' update rule on the CPU: the reference that tests hold
 * the GPU pass (shaders/wind_update.frag) to, with one field and no nested
 * grid. Same hash, same bilinear sampling, same midpoint step, same
 * rebirths; positions in float like the GPU's. */
#ifndef APP_WIND_ADVECT_H
#define APP_WIND_ADVECT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct app_wind_grid2 {
    int nx, ny;
    float x0, y0, dx, dy; /* from the particles' origin */
    const float *cells;   /* 4 a cell: u, v, solid, ground (terrain height, scene z, m) */
} app_wind_grid2;

typedef struct app_wind_particle {
    float x, y, age, speed; /* age < 0: not born yet */
    float z; /* height_m above the ground where it stands (the GPU's draw pass puts it at the
                rendered heightfield's height + height_m, the same rule on a finer grid) */
} app_wind_particle;

typedef struct app_wind_rule {
    float dt; /* seconds of air per step */
    uint32_t seed;
    float spawn[4], keep[4];
    int life_min, life_range;
    float height_m; /* above the ground */
    /* crossfade to a second field (a seasonal preset): the wind is
     * (1 - mix) * grid + mix * to; to NULL or mix <= 0: the grid alone */
    const app_wind_grid2 *to;
    float mix;
} app_wind_rule;

uint32_t app_wind_pcg(uint32_t v);
/* The field at p (bilinear between cell centres, clamped at the edges). */
void app_wind_sample(const app_wind_grid2 *g, float x, float y, float out[4]);
/* The crossfade's weight of the new field at time now, the fade having
 * started at t0 and lasting fade_s: 0 before, 1 from t0 + fade_s on,
 * linear between. */
float app_wind_fade(double now, double t0, double fade_s);
/* The GPU's wind(): the two fields mixed (b ignored when mix <= 0; b alone
 * from mix 1 on, when app_wind's step ends the fade). */
void app_wind_sample_mix(const app_wind_grid2 *a, const app_wind_grid2 *b, float mix, float x,
                         float y, float out[4]);
/* Step number step (from 1) for particle id. */
void app_wind_advect(const app_wind_grid2 *g, const app_wind_rule *r, uint32_t id, uint32_t step,
                     app_wind_particle *p);

#endif
