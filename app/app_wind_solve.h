/* The wind layer's work off the main thread: read a field (or take a
 * station's wind), resample it onto the scene, stand the ground and the
 * buildings on a grid, solve the mass-consistent flow over it
 * (tw_windsolve) and sample the solution at the particles' height into the
 * 2D grid the GPU advects through. A nested fine grid over a district
 * starts from the coarse solution. No GL. */
#ifndef APP_WIND_SOLVE_H
#define APP_WIND_SOLVE_H

#include "app_layer.h"
#include "tw_windsolve.h"

/* A coarse solution, kept (reference counted) for the fine grids nested in
 * it; immutable once made. */
typedef struct app_wind_coarse {
    int refs;
    tw_windsolve_grid grid;
    float *top, *ground; /* per column, above the grid base */
    float *u, *v, *w;
} app_wind_coarse;

app_wind_coarse *app_wind_coarse_ref(app_wind_coarse *c);
void app_wind_coarse_release(app_wind_coarse *c);

/* What a 2D grid at the particles' height is (4 floats a cell: u, v,
 * solid, ground height in scene z), with the stats of the solve that made
 * it. */
typedef struct app_wind_plane {
    int nx, ny;
    double x0, y0, dx, dy;
    float *cells;
    float speed_max;
    float speed_lo, speed_hi; /* 5th and 95th percentile of the speed over open columns */
    tw_windsolve_stats st;
    int nz;
    double dz;
} app_wind_plane;

void app_wind_plane_free(app_wind_plane *p);

typedef struct app_wind_solve_job {
    /* in */
    app_layer *layer; /* for messages only; never read on the worker */
    geo_frame *frame;
    app_ground *ground; /* may be NULL: flat at 0 */
    tw_obstacles *obstacles[APP_WORLD_OBSTACLES];
    int obstacle_count;
    char *path, *format, *u_band, *v_band; /* path NULL: the station's wind */
    double station_speed, station_dir;
    double area[4]; /* the coarse grid, scene metres */
    double res_m, height_m;
    int levels;
    int slot;
    unsigned gen; /* ground_gen + obstacles_gen it was made for */
    /* a fine grid (fine_m > 0) over fine_area, nested in coarse (a
     * reference; NULL: solve the coarse grid first) */
    double fine_area[4], fine_m, fine_center[2];
    app_wind_coarse *coarse_in;
    /* out */
    tw_result status;
    char err[512];
    char time[40], source[160], format_out[16];
    double resolution_deg;
    bool has_center;
    double center_u, center_v; /* the source at the scene's centre, east / north */
    app_wind_coarse *coarse;   /* the coarse solution made (a reference) */
    app_wind_plane plane, fine;
} app_wind_solve_job;

void app_wind_solve_run(void *job, int worker);
void app_wind_solve_job_free(app_wind_solve_job *j);

#endif
