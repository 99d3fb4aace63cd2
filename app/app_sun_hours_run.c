/* The sun_hours computation on a worker: the surface model (the ground
 * resampled, the obstacles rasterized on it), facade points, the sweep,
 * statistics and the exports. Reads only its job's snapshot. */
#include "app_sun_hours.h"

#include "geo_sun.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int app_sun_steps(const app_sun_hours_cfg *c, int year, int month, int day, double utc_offset_h,
                  double lat, double lon, tw_sunhours_step **out)
{
    double step_h = c->step_min / 60.0;
    int n = (int)floor((c->to_h - c->from_h) / step_h + 1e-9) + 1;
    tw_sunhours_step *st = calloc((size_t)n, sizeof *st);
    if (!st) return 0;
    for (int k = 0; k < n; k++) {
        double h = c->from_h + k * step_h;
        tw_sun_pos p;
        tw_sun_position(tw_sun_epoch(year, month, day, h, utc_offset_h), lat, lon, &p);
        /* Each sample stands for the interval around it, clipped. */
        double a = fmax(h - step_h / 2, c->from_h), b = fmin(h + step_h / 2, c->to_h);
        st[k] = (tw_sunhours_step){.azimuth_deg = p.azimuth_deg,
                                   .elevation_deg = p.elevation_deg,
                                   .w_total = fmax(0, b - a),
                                   .w_8_16 = fmax(0, fmin(b, 16) - fmax(a, 8)),
                                   .w_9_15 = fmax(0, fmin(b, 15) - fmax(a, 9))};
    }
    *out = st;
    return n;
}

void app_sun_job_free(app_sun_job *j)
{
    if (!j) return;
    app_ground_release(j->ground);
    for (int i = 0; i < j->set_count; i++) tw_obstacles_release(j->sets[i]);
    if (j->merged) tw_obstacles_release(j->merged);
    if (j->frame) geo_frame_destroy(j->frame);
    free(j->steps);
    free(j->undo);
    free(j->export_tif);
    free(j->export_json);
    free(j->hours);
    free(j->surface);
    free(j->roof);
    free(j->res);
    free(j->points);
    free(j->pres);
    free(j);
}

/* Every set as one, so that facade points index a single set (the edited
 * buildings back at their source's heights for the before side). */
static tw_result app__merge(app_sun_job *j)
{
    if (j->set_count == 0) return TW_OK;
    if (j->set_count == 1 && j->undo_count == 0) {
        j->merged = tw_obstacles_ref(j->sets[0]);
        return TW_OK;
    }
    int count = 0, rings = 0, pts = 0;
    for (int s = 0; s < j->set_count; s++) {
        count += j->sets[s]->count;
        rings += j->sets[s]->ring_count;
        pts += j->sets[s]->ring_start[j->sets[s]->ring_count];
    }
    int *rf = malloc((size_t)(count + 1) * sizeof *rf),
        *re = malloc((size_t)count * sizeof *re + 1),
        *rs = malloc((size_t)(rings + 1) * sizeof *rs);
    double *xy = malloc((size_t)pts * 2 * sizeof *xy);
    float *base = malloc((size_t)count * sizeof *base), *top = malloc((size_t)count * sizeof *top);
    long *id = malloc((size_t)count * sizeof *id);
    tw_result rc = TW_ERR_NOMEM;
    if (rf && re && rs && xy && base && top && id) {
        int c = 0, r = 0, p = 0;
        for (int s = 0; s < j->set_count; s++) {
            const tw_obstacles *o = j->sets[s];
            for (int k = 0; k < o->count; k++, c++) {
                rf[c] = r + o->ring_first[k], re[c] = r + o->ring_end[k];
                base[c] = o->base[k], top[c] = o->top[k], id[c] = o->id[k];
                if (j->undo_count)
                    top[c] = app_split_top(j->undo, j->undo_count, id[c], base[c], top[c]);
            }
            for (int q = 0; q < o->ring_count; q++) rs[r + q] = p + o->ring_start[q];
            memcpy(xy + 2 * (size_t)p, o->xy,
                   2 * sizeof *xy * (size_t)o->ring_start[o->ring_count]);
            r += o->ring_count, p += o->ring_start[o->ring_count];
        }
        rf[count] = r, rs[rings] = p;
        tw_obstacles_desc d = {.count = count,
                               .ring_first = rf,
                               .ring_end = re,
                               .rings = rings,
                               .ring_start = rs,
                               .xy = xy,
                               .base = base,
                               .top = top,
                               .id = id};
        rc = tw_obstacles_create(&d, &j->merged);
    }
    free(rf), free(re), free(rs), free(xy), free(base), free(top), free(id);
    return rc;
}

void app_sun_job_run(void *job, int worker)
{
    (void)worker;
    app_sun_job *j = job;
    double t0 = tw_time_mono_s();
    const tw_grid *a = &j->area;
    double d = a->dx;
    /* The surface model: the area grown by the margins, whole cells. */
    int mw = (int)ceil(j->margin[0] / d), ms = (int)ceil(j->margin[1] / d);
    int me = (int)ceil(j->margin[2] / d), mn = (int)ceil(j->margin[3] / d);
    tw_grid g = {.x0 = a->x0 - mw * d,
                 .y0 = a->y0 - ms * d,
                 .dx = d,
                 .dy = d,
                 .nx = a->nx + mw + me,
                 .ny = a->ny + ms + mn};
    size_t cells = (size_t)g.nx * g.ny, area = (size_t)a->nx * a->ny;
    float *dsm = tw_sunhours_alloc(cells * sizeof *dsm, false);
    j->hours = malloc(area * sizeof *j->hours);
    j->res = tw_sunhours_alloc(area * sizeof *j->res, false);
    j->surface = malloc(area * sizeof *j->surface);
    j->roof = malloc(area);
    if (!dsm || !j->hours || !j->res || !j->surface || !j->roof || app__merge(j) != TW_OK) {
        free(dsm);
        j->status = TW_ERR_NOMEM;
        snprintf(j->err, sizeof j->err, "out of memory for %ld x %ld cells", (long)g.nx,
                 (long)g.ny);
        return;
    }
    for (int y = 0; y < g.ny; y++)
        for (int x = 0; x < g.nx; x++) {
            double z = 0;
            if (!j->ground ||
                !app_ground_sample(j->ground, g.x0 + (x + 0.5) * d, g.y0 + (y + 0.5) * d, &z))
                z = 0;
            dsm[(size_t)y * g.nx + x] = (float)z;
        }
    /* What the overlay stands on: roofs where the obstacles raise the ground. */
    for (int y = 0; y < a->ny; y++)
        for (int x = 0; x < a->nx; x++)
            j->surface[(size_t)y * a->nx + x] = dsm[(size_t)(y + ms) * g.nx + x + mw];
    if (j->merged) tw_obstacles_rasterize(j->merged, &g, dsm);
    for (int y = 0; y < a->ny; y++)
        for (int x = 0; x < a->nx; x++) {
            size_t c = (size_t)y * a->nx + x;
            float z = dsm[(size_t)(y + ms) * g.nx + x + mw];
            j->roof[c] = z > j->surface[c] + 0.01f;
            j->surface[c] = z;
        }
    double box[4] = {a->x0, a->y0, a->x0 + a->nx * d, a->y0 + a->ny * d};
    if (j->merged && tw_sunhours_facades(j->merged, box, j->floor_h, 2.0, j->steps, j->step_count,
                                         &j->points, &j->point_count) != TW_OK) {
        free(dsm);
        j->status = TW_ERR_NOMEM;
        snprintf(j->err, sizeof j->err, "out of memory for facade points");
        return;
    }
    if (j->point_count > 0 && !(j->pres = calloc((size_t)j->point_count, sizeof *j->pres))) {
        free(dsm);
        j->status = TW_ERR_NOMEM;
        snprintf(j->err, sizeof j->err, "out of memory for facade points");
        return;
    }
    tw_sunhours_desc sd = {.dsm = dsm,
                           .grid = g,
                           .ax0 = mw,
                           .ay0 = ms,
                           .anx = a->nx,
                           .any = a->ny,
                           .far = j->ground ? app_ground_heightfield(j->ground) : NULL,
                           .steps = j->steps,
                           .step_count = j->step_count,
                           .points = j->points,
                           .point_count = j->point_count,
                           .obstacles = j->merged,
                           .cancel = &j->cancel};
    j->status = tw_sunhours_run(&sd, j->res, j->pres);
    free(dsm);
    if (j->status != TW_OK) {
        snprintf(j->err, sizeof j->err, "%s", tw_result_str(j->status));
        return;
    }
    double sum = 0;
    j->min_h = INFINITY, j->max_h = -INFINITY;
    for (size_t c = 0; c < area; c++) {
        float h = j->res[c].hours;
        j->hours[c] = h;
        sum += h;
        j->min_h = fmin(j->min_h, h), j->max_h = fmax(j->max_h, h);
        j->fails += !j->res[c].pass;
    }
    j->cells = (long)area;
    j->mean_h = sum / (double)area;
    j->fail_fraction = (double)j->fails / (double)area;
    for (int p = 0; p < j->point_count; p++) j->point_fails += !j->pres[p].pass;
    j->compute_ms = (tw_time_mono_s() - t0) * 1000.0;
    char e[400];
    if (j->export_tif &&
        geo_sun_write_tif(j->export_tif, j->frame, a, j->hours, e, sizeof e) != TW_OK)
        snprintf(j->export_err, sizeof j->export_err, "%.100s: %.90s", j->export_tif, e);
    if (j->export_json &&
        geo_sun_write_facades(j->export_json, j->frame, j->points, j->pres, j->point_count, e,
                              sizeof e) != TW_OK &&
        !j->export_err[0])
        snprintf(j->export_err, sizeof j->export_err, "%.100s: %.90s", j->export_json, e);
}
