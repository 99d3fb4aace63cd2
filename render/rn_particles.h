/* Wind particles on the GPU: positions advected through a 2D wind field by a
 * fragment-shader pass over ping-pong float textures (one texel per
 * particle), each step also written into a ring of trail layers, and drawn
 * as fading line trails at a height above the terrain, coloured by speed.
 *
 * The update rule (shaders/wind_update.frag) is the one app_wind_advect
 * implements on the CPU for tests: midpoint (RK2) steps of dt * scale
 * through the bilinear field, respawning a particle at a hashed position in
 * the spawn rectangle when its life ends, it leaves the keep rectangle or it
 * stands in a solid cell. Main thread only. */
#ifndef RN_PARTICLES_H
#define RN_PARTICLES_H

#include "rn_lines.h"
#include "rn_view.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rn_particles rn_particles;

typedef struct rn_particles_desc {
    int count; /* particles */
    int trail; /* steps kept per trail, 2..64 */
} rn_particles_desc;

/* A 2D wind grid: nx*ny cell centres, cell (i, j) centred at
 * (x0 + (i + 0.5) dx, y0 + (j + 0.5) dy) in scene metres, rows from the
 * south; 4 floats a cell: u, v (m/s, scene axes), solid (0 or 1), unused. */
typedef struct rn_wind_grid {
    int nx, ny;
    double x0, y0, dx, dy;
    const float *cells;
} rn_wind_grid;

/* Fields live in slots (a preset each); a slot holds a coarse grid over the
 * scene and an optional fine (nested) grid over a district. */
#define RN_PARTICLES_SLOTS 8

typedef struct rn_particles_step_desc {
    int slot_a, slot_b; /* blended as mix(a, b, mix) */
    float mix;
    float dt_scale; /* seconds of air per step: dt * speed_scale */
    uint32_t seed;  /* with the step number and particle index, the spawn hash */
    float spawn[4]; /* xmin ymin xmax ymax, scene metres: where particles are born */
    float keep[4];  /* outside it a particle is reborn */
    int life_min;   /* steps; life is life_min + hash % life_range */
    int life_range;
} rn_particles_step_desc;

typedef struct rn_particles_draw_desc {
    float height_m;  /* above the (exaggerated) ground */
    float speed_min; /* bottom of the colour ramp, m/s (0 and below: 0) */
    float speed_max; /* top of the colour ramp, m/s */
    float opacity;
    float width_px; /* 0: 1 */
} rn_particles_draw_desc;

/* Loads the shaders on first use; NULL and err when that fails or GL
 * memory runs out. The scene origin (x0, y0) is where positions are
 * measured from (float32 metres from it on the GPU). */
rn_particles *rn_particles_create(const rn_particles_desc *d, double x0, double y0, char *err,
                                  size_t n);
void rn_particles_destroy(rn_particles *p);
/* Uploads a slot's grids (fine may be NULL: none). False when GL fails. */
bool rn_particles_set_field(rn_particles *p, int slot, const rn_wind_grid *coarse,
                            const rn_wind_grid *fine);
bool rn_particles_has_field(const rn_particles *p, int slot);
/* Starts over: every particle is born on the next step. */
void rn_particles_reset(rn_particles *p);
/* One advection step for every particle. */
void rn_particles_step(rn_particles *p, const rn_particles_step_desc *s);
long rn_particles_steps(const rn_particles *p);
void rn_particles_draw(rn_particles *p, const rn_view *view, const rn_drape *drape,
                       const rn_particles_draw_desc *d);
/* Reads the first count particles' state (x, y in scene metres, age in
 * steps, speed in m/s; 4 doubles each). Returns how many were read. */
int rn_particles_read(rn_particles *p, int count, double *out);
/* Waits for the GPU (benchmarks). */
void rn_particles_finish(void);

#endif
