/* The wind layer's worker job: field -> scene grid -> solver -> the plane
 * at the particles' height. See app_wind_solve.h. */
#include "app_wind_solve.h"

#include "geo_wind.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP__MAX_COLUMNS 600000L
#define APP__REF_STEP_M  1000.0 /* the source field is resampled this finely first */

app_wind_coarse *app_wind_coarse_ref(app_wind_coarse *c)
{
    if (c) __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    return c;
}

void app_wind_coarse_release(app_wind_coarse *c)
{
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    free(c->top);
    free(c->ground);
    free(c->u);
    free(c->v);
    free(c->w);
    free(c);
}

void app_wind_plane_free(app_wind_plane *p)
{
    free(p->cells);
    p->cells = NULL;
}

void app_wind_solve_job_free(app_wind_solve_job *j)
{
    if (!j) return;
    if (j->frame) geo_frame_destroy(j->frame);
    app_ground_release(j->ground);
    for (int i = 0; i < j->obstacle_count; i++) tw_obstacles_release(j->obstacles[i]);
    free(j->path);
    free(j->format);
    free(j->u_band);
    free(j->v_band);
    app_wind_coarse_release(j->coarse_in);
    app_wind_coarse_release(j->coarse);
    app_wind_plane_free(&j->plane);
    app_wind_plane_free(&j->fine);
    free(j);
}

/* Ground per column centre (metres; 0 where unknown) and the solid top
 * (ground raised by the buildings). */
static bool app__columns(app_wind_solve_job *j, const tw_grid *g, float *ground, float *top)
{
    const tw_heightfield *hf = j->ground ? app_ground_heightfield(j->ground) : NULL;
    for (int r = 0; r < g->ny; r++)
        for (int c = 0; c < g->nx; c++) {
            double z = 0;
            if (hf && !tw_heightfield_sample(hf, g->x0 + (c + 0.5) * g->dx,
                                             g->y0 + (r + 0.5) * g->dy, &z))
                z = 0;
            ground[(long)r * g->nx + c] = (float)z;
            top[(long)r * g->nx + c] = (float)z;
        }
    for (int i = 0; i < j->obstacle_count; i++) tw_obstacles_rasterize(j->obstacles[i], g, top);
    return true;
}

/* The synoptic wind per column (scene axes), from the field resampled on a
 * ~1 km grid and interpolated bilinearly from there, or the station's. */
static tw_result app__reference(app_wind_solve_job *j, geo_wind_field *f, const tw_grid *g,
                                float *uref, float *vref)
{
    double area[4] = {g->x0, g->y0, g->x0 + g->nx * g->dx, g->y0 + g->ny * g->dy};
    if (!f) {
        geo_xform *xf = NULL;
        double east[2] = {1, 0}, north[2] = {0, 1};
        tw_result r = geo_xform_create_lonlat(j->frame, &xf, j->err, sizeof j->err);
        if (r == TW_OK)
            r = geo_wind_scene_axes(xf, 0.5 * (area[0] + area[2]), 0.5 * (area[1] + area[3]), east,
                                    north, j->err, sizeof j->err);
        geo_xform_destroy(xf);
        if (r != TW_OK) return r;
        double ue, vn;
        tw_windsolve_uv_from_direction(j->station_speed, j->station_dir, &ue, &vn);
        float us = (float)(ue * east[0] + vn * north[0]),
              vs = (float)(ue * east[1] + vn * north[1]);
        for (long i = 0; i < (long)g->nx * g->ny; i++) uref[i] = us, vref[i] = vs;
        return TW_OK;
    }
    int rx = (int)ceil((area[2] - area[0]) / APP__REF_STEP_M) + 1;
    int ry = (int)ceil((area[3] - area[1]) / APP__REF_STEP_M) + 1;
    if (rx < 2) rx = 2;
    if (ry < 2) ry = 2;
    float *ru = malloc((size_t)rx * ry * sizeof *ru), *rv = malloc((size_t)rx * ry * sizeof *rv);
    if (!ru || !rv) {
        free(ru);
        free(rv);
        snprintf(j->err, sizeof j->err, "%s: out of memory", f->name);
        return TW_ERR_NOMEM;
    }
    tw_result r = geo_wind_field_to_scene(f, j->frame, area, rx, ry, ru, rv, j->err, sizeof j->err);
    if (r == TW_OK) {
        double sx = (area[2] - area[0]) / rx, sy = (area[3] - area[1]) / ry;
        for (int row = 0; row < g->ny; row++)
            for (int c = 0; c < g->nx; c++) {
                double gx = ((c + 0.5) * g->dx) / sx - 0.5, gy = ((row + 0.5) * g->dy) / sy - 0.5;
                gx = fmin(fmax(gx, 0), rx - 1.000001);
                gy = fmin(fmax(gy, 0), ry - 1.000001);
                int i0 = (int)gx, j0 = (int)gy;
                double wx = gx - i0, wy = gy - j0;
                long a = (long)j0 * rx + i0, b = a + 1, cc = a + rx, d = cc + 1;
                long o = (long)row * g->nx + c;
                uref[o] = (float)((ru[a] * (1 - wx) + ru[b] * wx) * (1 - wy) +
                                  (ru[cc] * (1 - wx) + ru[d] * wx) * wy);
                vref[o] = (float)((rv[a] * (1 - wx) + rv[b] * wx) * (1 - wy) +
                                  (rv[cc] * (1 - wx) + rv[d] * wx) * wy);
            }
    }
    free(ru);
    free(rv);
    return r;
}

/* The solution at height_m above the ground of each column: linear
 * between the cell centres around it, taking the nearest fluid cell above
 * where the one below is solid; solid where a building stands taller. */
static bool app__plane(const app_wind_coarse *c, double height_m, app_wind_plane *out)
{
    const tw_windsolve_grid *g = &c->grid;
    out->nx = g->nx, out->ny = g->ny;
    out->x0 = g->x0, out->y0 = g->y0, out->dx = g->dx, out->dy = g->dy;
    out->nz = g->nz, out->dz = g->dz;
    out->cells = calloc((size_t)g->nx * g->ny * 4, sizeof *out->cells);
    if (!out->cells) return false;
    long plane = (long)g->nx * g->ny;
    float smax = 0;
    for (long col = 0; col < plane; col++) {
        float *o = out->cells + col * 4;
        double z = c->ground[col] + height_m;
        o[3] = (float)(g->z0 + c->ground[col]); /* the ground, scene z */
        if (c->top[col] > z + 0.01) {
            o[2] = 1; /* inside a building */
            continue;
        }
        double kf = z / g->dz - 0.5;
        int k0 = (int)floor(kf);
        double t = kf - k0;
        if (k0 < 0) k0 = 0, t = 0;
        if (k0 >= g->nz - 1) k0 = g->nz - 1, t = 0;
        /* a solid cell below: the fluid cell above it */
        if ((k0 + 0.5) * g->dz < c->top[col] && k0 + 1 < g->nz) k0++, t = 0;
        int k1 = k0 + 1 < g->nz ? k0 + 1 : k0;
        long i0 = (long)k0 * plane + col, i1 = (long)k1 * plane + col;
        o[0] = (float)(c->u[i0] * (1 - t) + c->u[i1] * t);
        o[1] = (float)(c->v[i0] * (1 - t) + c->v[i1] * t);
        float s = sqrtf(o[0] * o[0] + o[1] * o[1]);
        if (s > smax) smax = s;
    }
    out->speed_max = smax;
    /* the speeds' 5th and 95th percentile (a histogram of 512 bins): the
     * colour ramp spans them, so that the terrain's speed-ups and lees
     * show instead of one colour for a field that varies by a few m/s */
    enum { BINS = 512 };
    long hist[BINS] = {0}, n = 0;
    for (long col = 0; col < plane; col++) {
        const float *o = out->cells + col * 4;
        if (o[2] >= 0.5f || !(smax > 0)) continue;
        int b = (int)(sqrtf(o[0] * o[0] + o[1] * o[1]) / smax * (BINS - 1));
        hist[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
        n++;
    }
    out->speed_lo = 0, out->speed_hi = smax;
    long acc = 0;
    bool lo_set = false;
    for (int b = 0; b < BINS && n > 0; b++) {
        acc += hist[b];
        if (!lo_set && acc >= n / 20) out->speed_lo = smax * b / (BINS - 1), lo_set = true;
        if (acc >= n - n / 20) {
            out->speed_hi = smax * (b + 1) / (BINS - 1);
            break;
        }
    }
    return true;
}

/* Sets up a grid over area at res metres with `levels` levels reaching
 * `above` metres over the highest solid top; the columns come first. */
static app_wind_coarse *app__grid(app_wind_solve_job *j, const double area[4], double res,
                                  int levels, double above)
{
    double w = area[2] - area[0], h = area[3] - area[1];
    while ((w / res) * (h / res) > APP__MAX_COLUMNS) res *= 1.25;
    app_wind_coarse *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->refs = 1;
    tw_grid g = {.x0 = area[0],
                 .y0 = area[1],
                 .dx = res,
                 .dy = res,
                 .nx = (int)fmax(4, ceil(w / res)),
                 .ny = (int)fmax(4, ceil(h / res))};
    long cols = (long)g.nx * g.ny;
    c->top = malloc(cols * sizeof *c->top);
    c->ground = malloc(cols * sizeof *c->ground);
    if (!c->top || !c->ground) {
        app_wind_coarse_release(c);
        return NULL;
    }
    app__columns(j, &g, c->ground, c->top);
    double zmin = HUGE_VAL, zmax = -HUGE_VAL;
    for (long i = 0; i < cols; i++) zmin = fmin(zmin, c->ground[i]), zmax = fmax(zmax, c->top[i]);
    double base = zmin - 1.0;
    for (long i = 0; i < cols; i++) c->ground[i] -= (float)base, c->top[i] -= (float)base;
    double dz = fmax((zmax - base + above) / levels, 4.0);
    c->grid = (tw_windsolve_grid){.nx = g.nx,
                                  .ny = g.ny,
                                  .nz = levels,
                                  .dx = res,
                                  .dy = res,
                                  .dz = dz,
                                  .x0 = g.x0,
                                  .y0 = g.y0,
                                  .z0 = base};
    size_t cells = (size_t)cols * levels;
    c->u = malloc(cells * sizeof *c->u);
    c->v = malloc(cells * sizeof *c->v);
    c->w = malloc(cells * sizeof *c->w);
    if (!c->u || !c->v || !c->w) {
        app_wind_coarse_release(c);
        return NULL;
    }
    return c;
}

static tw_result app__solve(app_wind_solve_job *j, app_wind_coarse *c, const float *u0,
                            const float *v0, const float *w0, tw_windsolve_stats *st)
{
    tw_windsolve_desc d = {.grid = c->grid, .top = c->top, .u0 = u0, .v0 = v0, .w0 = w0};
    tw_result r = tw_windsolve_run(&d, c->u, c->v, c->w, st);
    if (r != TW_OK)
        snprintf(j->err, sizeof j->err, "%s: the wind solve failed (%s)",
                 j->path ? j->path : "station", tw_result_str(r));
    return r;
}

static tw_result app__coarse(app_wind_solve_job *j, geo_wind_field *f)
{
    app_wind_coarse *c = app__grid(j, j->area, j->res_m, j->levels, 250.0);
    if (!c) {
        snprintf(j->err, sizeof j->err, "%s: out of memory for the wind grid",
                 j->path ? j->path : "station");
        return TW_ERR_NOMEM;
    }
    j->coarse = c;
    const tw_windsolve_grid *g = &c->grid;
    long cols = (long)g->nx * g->ny;
    size_t cells = (size_t)cols * g->nz;
    float *ur = malloc(cols * sizeof *ur), *vr = malloc(cols * sizeof *vr);
    float *u0 = malloc(cells * sizeof *u0), *v0 = malloc(cells * sizeof *v0),
          *w0 = malloc(cells * sizeof *w0);
    tw_result r = TW_ERR_NOMEM;
    snprintf(j->err, sizeof j->err, "%s: out of memory", j->path ? j->path : "station");
    if (ur && vr && u0 && v0 && w0) {
        tw_grid tg = {.x0 = g->x0, .y0 = g->y0, .dx = g->dx, .dy = g->dy, .nx = g->nx, .ny = g->ny};
        r = app__reference(j, f, &tg, ur, vr);
    }
    if (r == TW_OK) {
        tw_windsolve_initial_desc id = {
            .grid = *g, .top = c->top, .ground = c->ground, .u_ref2d = ur, .v_ref2d = vr};
        r = tw_windsolve_initial(&id, u0, v0, w0);
        if (r != TW_OK)
            snprintf(j->err, sizeof j->err, "%s: cannot set up the initial wind (%s)",
                     j->path ? j->path : "station", tw_result_str(r));
    }
    if (r == TW_OK) r = app__solve(j, c, u0, v0, w0, &j->plane.st);
    free(ur);
    free(vr);
    free(u0);
    free(v0);
    free(w0);
    if (r == TW_OK && !app__plane(c, j->height_m, &j->plane)) {
        snprintf(j->err, sizeof j->err, "out of memory");
        r = TW_ERR_NOMEM;
    }
    return r;
}

static tw_result app__fine(app_wind_solve_job *j, const app_wind_coarse *coarse)
{
    double a[4];
    memcpy(a, j->fine_area, sizeof a);
    const tw_windsolve_grid *cg = &coarse->grid;
    a[0] = fmax(a[0], cg->x0), a[1] = fmax(a[1], cg->y0);
    a[2] = fmin(a[2], cg->x0 + cg->nx * cg->dx), a[3] = fmin(a[3], cg->y0 + cg->ny * cg->dy);
    if (a[2] - a[0] < 8 * j->fine_m || a[3] - a[1] < 8 * j->fine_m) return TW_OK; /* off the grid */
    app_wind_coarse *f = app__grid(j, a, j->fine_m, j->levels + 4, 60.0);
    if (!f) return TW_ERR_NOMEM;
    /* the fine grid's base and levels must lie within the coarse one's */
    size_t cells = (size_t)f->grid.nx * f->grid.ny * f->grid.nz;
    float *u0 = malloc(cells * sizeof *u0), *v0 = malloc(cells * sizeof *v0),
          *w0 = malloc(cells * sizeof *w0);
    tw_result r = TW_ERR_NOMEM;
    if (u0 && v0 && w0)
        r = tw_windsolve_nest(cg, coarse->top, coarse->u, coarse->v, coarse->w, &f->grid, f->top,
                              u0, v0, w0);
    if (r == TW_OK) r = app__solve(j, f, u0, v0, w0, &j->fine.st);
    if (r == TW_OK && !app__plane(f, j->height_m, &j->fine)) r = TW_ERR_NOMEM;
    if (r != TW_OK && !j->err[0])
        snprintf(j->err, sizeof j->err, "fine wind grid: %s", tw_result_str(r));
    free(u0);
    free(v0);
    free(w0);
    app_wind_coarse_release(f);
    return r;
}

static tw_result app__open(app_wind_solve_job *j, geo_wind_field **f)
{
    geo_wind_open_desc d = {
        .path = j->path, .format = j->format, .u_band = j->u_band, .v_band = j->v_band};
    tw_result r = geo_wind_open(&d, f, j->err, sizeof j->err);
    if (r != TW_OK) return r;
    geo_wind_field *w = *f;
    if (w->nodata_count >= (long)w->nx * w->ny) {
        snprintf(j->err, sizeof j->err, "%s: every value is nodata", j->path);
        return TW_ERR_FORMAT;
    }
    snprintf(j->time, sizeof j->time, "%s", w->time);
    snprintf(j->source, sizeof j->source, "%s", w->source);
    snprintf(j->format_out, sizeof j->format_out, "%s", w->format);
    j->resolution_deg = geo_wind_field_resolution_deg(w);
    /* the source at the scene's centre, before downscaling */
    geo_xform *xf = NULL;
    if (geo_xform_create_lonlat(j->frame, &xf, j->err, sizeof j->err) != TW_OK) return TW_ERR_CRS;
    double x = 0.5 * (j->area[0] + j->area[2]), y = 0.5 * (j->area[1] + j->area[3]), z = 0;
    if (geo_xform_from_scene(xf, 1, &x, &y, &z) == 1)
        j->has_center = geo_wind_field_sample(w, x, y, &j->center_u, &j->center_v);
    geo_xform_destroy(xf);
    j->err[0] = 0;
    return TW_OK;
}

void app_wind_solve_run(void *job, int worker)
{
    (void)worker;
    app_wind_solve_job *j = job;
    geo_wind_field *f = NULL;
    j->err[0] = 0;
    j->status = TW_OK;
    if (!j->coarse_in) {
        if (j->path) j->status = app__open(j, &f);
        if (j->status == TW_OK) j->status = app__coarse(j, f);
        geo_wind_field_destroy(f);
        if (j->status != TW_OK || j->fine_m <= 0) return;
        j->status = app__fine(j, j->coarse);
    } else {
        j->status = app__fine(j, j->coarse_in);
    }
}
