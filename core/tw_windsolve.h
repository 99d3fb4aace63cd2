/* Mass-consistent wind downscaling (diagnostic model in the manner of
 * Sherman's MATHEW, 1978, and WindNinja's mass-conserving solver).
 *
 * Given an initial wind (u0, v0, w0) on a Cartesian grid over terrain and
 * buildings, find the field (u, v, w) nearest to it in the weighted norm
 *   integral of  alpha_h^2 ((u-u0)^2 + (v-v0)^2) + alpha_v^2 (w-w0)^2
 * that has zero divergence and no flow through solid faces. With a Lagrange
 * multiplier, u = u0 + dphi/dx, v = v0 + dphi/dy, w = w0 + alpha^2 dphi/dz
 * (alpha = alpha_h / alpha_v), where
 *   d2phi/dx2 + d2phi/dy2 + alpha^2 d2phi/dz2 = -div(u0, v0, w0),
 * phi = 0 on open boundaries (the four sides and the top: flow may pass) and
 * dphi/dn = 0 on terrain and building faces (no flow through them).
 *
 * Discretisation: cell-centred phi, face-normal velocities (MAC grid), solid
 * cells where the cell centre is below the column's solid top (terrain +
 * buildings). The linear system is solved by conjugate gradients
 * preconditioned with one multigrid V-cycle per iteration (red-black
 * Gauss-Seidel smoothing, coarsening by 2 in the directions whose spacing is
 * not already much larger than the others; a coarse cell is fluid when any
 * of its fine cells is, and coarse face coefficients are the open fraction of
 * the fine faces), so the time grows linearly with the cells.
 *
 * Grid layout everywhere: cell (i, j, k) at index (k*ny + j)*nx + i; i to +x
 * (east in the scene), j to +y (north), k up. Columns (i, j) at j*nx + i.
 * No GL, no GDAL: pure arithmetic, callable from any thread. */
#ifndef TW_WINDSOLVE_H
#define TW_WINDSOLVE_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

/* A grid of nx*ny*nz cells of dx*dy*dz metres. Its lower south-west corner
 * is at scene (x0, y0) and elevation z0 (the grid base): cell (i, j, k) spans
 * x0 + i dx .. x0 + (i+1) dx, and so on. */
typedef struct tw_windsolve_grid {
    int nx, ny, nz;
    double dx, dy, dz;
    double x0, y0, z0;
} tw_windsolve_grid;

/* Buffers one solve leaves for the next (the multigrid levels and the CG
 * vectors, about 20 bytes a cell): a solve into fresh memory pays the
 * kernel's first-touch page faults, which on a VM cost as much as a few
 * V-cycles. Reused while the grid's shape (nx, ny, nz, dx, dy, dz, alpha)
 * stays the same, rebuilt otherwise. One solve at a time. */
typedef struct tw_windsolve_workspace tw_windsolve_workspace;
tw_windsolve_workspace *tw_windsolve_workspace_create(void);
void tw_windsolve_workspace_destroy(tw_windsolve_workspace *ws);

typedef struct tw_windsolve_desc {
    tw_windsolve_grid grid;
    const float *top; /* nx*ny solid top above the grid base, m (terrain + buildings); NULL:
                         flat open ground at the base; NaN: a solid column */
    const float *u0, *v0, *w0;  /* initial field at cell centres; w0 may be NULL (0) */
    double alpha;               /* alpha_h / alpha_v; 0: 1 */
    double tol;                 /* relative residual to reach; 0: 3e-4 (the divergence then
                                   falls by about 1e4, the issue asks 1e3) */
    int max_cycles;             /* 0: 50 */
    bool rigid_lid;             /* the top is a wall instead of open (tests, inversions) */
    volatile const int *cancel; /* when it becomes non-zero: TW_ERR_CANCELLED */
    tw_windsolve_workspace *ws; /* NULL: allocate and free the buffers in this call */
} tw_windsolve_desc;

typedef struct tw_windsolve_stats {
    int cycles;     /* multigrid-preconditioned iterations */
    int levels;     /* multigrid levels used */
    long fluid;     /* fluid cells */
    double div0;    /* RMS discrete divergence of the initial field over fluid cells, 1/s */
    double div;     /* the same after solving */
    double max_div; /* largest |divergence| of a fluid cell after solving, 1/s */
    double ms;      /* wall time of the solve */
} tw_windsolve_stats;

/* Solves and writes u, v, w (nx*ny*nz each, cell centres: the mean of the
 * two face velocities, so zero-flux wall faces count) with zero in solid
 * cells. TW_ERR_ARG for a bad grid, TW_ERR_TOOBIG over 2^28 cells,
 * TW_ERR_NOMEM, TW_ERR_CANCELLED. st may be NULL. */
tw_result tw_windsolve_run(const tw_windsolve_desc *d, float *u, float *v, float *w,
                           tw_windsolve_stats *st);

/* RMS and maximum discrete divergence over fluid cells of a cell-centred
 * field on the grid (faces from the mean of the two cells, zero at solid
 * faces). The measure that the solver's div0 uses; the floor of bench_wind. */
void tw_windsolve_divergence(const tw_windsolve_grid *g, const float *top, const float *u,
                             const float *v, const float *w, double *rms, double *max);

typedef enum tw_windsolve_profile {
    TW_WIND_PROFILE_LOG = 0, /* neutral log law: U(h) ~ ln((h + z0) / z0) */
    TW_WIND_PROFILE_POWER,   /* U(h) ~ (h / z_ref)^exponent */
} tw_windsolve_profile;

typedef struct tw_windsolve_initial_desc {
    tw_windsolve_grid grid;
    const float *top;    /* nx*ny solid top above the grid base (terrain + buildings); NULL: 0 */
    const float *ground; /* nx*ny terrain above the grid base, the height the profile starts
                            from; NULL: top */
    double u_ref, v_ref; /* synoptic wind at z_ref above ground, scene x/y axes, m/s ... */
    const float *u_ref2d, *v_ref2d; /* ... or per column (nx*ny, e.g. geo_wind_field_to_scene
                                       over the grid's area with the grid's nx, ny) */
    double z_ref;                   /* height of the reference wind; 0: 10 m */
    tw_windsolve_profile profile;
    double z0;       /* roughness length for the log law; 0: 0.5 m (urban) */
    double exponent; /* power law; 0: 0.25 */
} tw_windsolve_initial_desc;

/* Fills u0, v0 (and w0 when not NULL, with 0) at cell centres: the synoptic
 * wind scaled by the profile at the height above ground, zero in solid
 * cells. TW_ERR_ARG for a bad grid or missing reference. */
tw_result tw_windsolve_initial(const tw_windsolve_initial_desc *d, float *u0, float *v0, float *w0);

/* Nested grids: the initial field of a finer grid (fine, over a sub-area
 * of coarse) sampled trilinearly from a coarse solution (u, v, w at coarse
 * cell centres, solid where coarse_top says). Coarse solid cells do not take
 * part; a fine fluid cell with no fluid coarse neighbour takes the nearest
 * fluid coarse cell above it. Fine solid cells get zero. TW_ERR_ARG when the
 * fine grid is not inside the coarse one (horizontally). */
tw_result tw_windsolve_nest(const tw_windsolve_grid *coarse, const float *coarse_top,
                            const float *u, const float *v, const float *w,
                            const tw_windsolve_grid *fine, const float *fine_top, float *u0,
                            float *v0, float *w0);

/* A station's wind, speed (m/s) and the direction it blows FROM (degrees
 * clockwise from true north, the meteorological convention of
 * WeatherObserved windDirection), as eastward u and northward v: a north
 * wind (0) gives v = -speed. Rotate into scene axes with
 * geo_wind_scene_axes. */
void tw_windsolve_uv_from_direction(double speed_ms, double from_deg, double *u, double *v);

/* One red-black Gauss-Seidel sweep of the solver's finest-level operator on
 * a zero right-hand side, for benchmarks (the unit of work a V-cycle does a
 * few of), after an untimed warm-up sweep. Returns the process CPU time of
 * the sweep in ms, or a negative value on a bad grid. */
double tw_windsolve_bench_sweep(const tw_windsolve_desc *d);

#endif
