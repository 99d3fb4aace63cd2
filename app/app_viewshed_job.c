/* The viewshed layer's worker side: a grid around the observer (the DEM's
 * own cells, or resolution_m cells with heights interpolated), raised to
 * the obstacles' tops, the sweep (tw_viewshed), the export, and the mesh of
 * visible cells the main thread drapes. */
#include "app_viewshed_int.h"

#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

app_vs_dem *app_vs_dem_ref(app_vs_dem *d)
{
    if (d) atomic_fetch_add(&d->refs, 1);
    return d;
}

void app_vs_dem_release(app_vs_dem *d)
{
    if (!d || atomic_fetch_sub(&d->refs, 1) != 1) return;
    geo_dem_free(&d->dem);
    free(d);
}

void app_vs_job_free(app_vs_job *j)
{
    if (!j) return;
    app_vs_dem_release(j->dem);
    for (int i = 0; i < j->set_count; i++) tw_obstacles_release(j->sets[i]);
    tw_mesh_free(&j->mesh);
    tw_mesh_free(&j->ground);
    free(j->vis);
    free(j->export_path);
    free(j->undo);
    free(j);
}

/* Bilinear height between DEM cell centres at (x, y) in the DEM's CRS; the
 * nearest edge cell beyond the outer centres; NAN off the DEM or on nodata. */
static float app__dem_height(const geo_dem *d, double x, double y)
{
    double fi = (x - d->gt[0]) / d->gt[1] - 0.5, fj = (y - d->gt[3]) / d->gt[5] - 0.5;
    if (fi < -0.5 || fj < -0.5 || fi > d->nx - 0.5 || fj > d->ny - 0.5) return NAN;
    fi = fi < 0 ? 0 : fi > d->nx - 1 ? d->nx - 1 : fi;
    fj = fj < 0 ? 0 : fj > d->ny - 1 ? d->ny - 1 : fj;
    int i = (int)fi, j = (int)fj;
    int i1 = i + 1 < d->nx ? i + 1 : i, j1 = j + 1 < d->ny ? j + 1 : j;
    double u = fi - i, v = fj - j;
    const float *z = d->z;
    float a = z[j * d->nx + i], b = z[j * d->nx + i1], c = z[j1 * d->nx + i],
          e = z[j1 * d->nx + i1];
    if (d->has_nodata) {
        float nd = (float)d->nodata;
        if (a == nd || b == nd || c == nd || e == nd) return NAN;
    }
    return (float)((a * (1 - u) + b * u) * (1 - v) + (c * (1 - u) + e * u) * v);
}

/* Raises z (south-up on grid g) to the obstacles' tops; roof gets the top
 * (or -INFINITY) per cell when not NULL. */
static void app__raise(const app_vs_job *j, const tw_grid *g, float *z, float *roof)
{
    size_t n = (size_t)g->nx * g->ny;
    for (size_t k = 0; k < n; k++) roof[k] = -INFINITY;
    for (int s = 0; s < j->set_count; s++) tw_obstacles_rasterize(j->sets[s], g, roof);
    for (size_t k = 0; k < n; k++)
        if (roof[k] > z[k]) z[k] = roof[k];
}

/* The DEM-grid export: the whole DEM, raised to the obstacles. */
static bool app__export_native(app_vs_job *j)
{
    const geo_dem *d = &j->dem->dem;
    size_t n = (size_t)d->nx * d->ny;
    float *z = malloc(n * sizeof *z), *roof = malloc(n * sizeof *roof);
    uint8_t *vis = malloc(n);
    bool ok = false;
    if (!z || !roof || !vis) goto done;
    /* Obstacles go on a south-up grid in scene metres; the DEM is north-up. */
    tw_grid g = {.x0 = d->gt[0] + j->dem->off[0],
                 .y0 = d->gt[3] + d->ny * d->gt[5] + j->dem->off[1],
                 .dx = d->gt[1],
                 .dy = -d->gt[5],
                 .nx = d->nx,
                 .ny = d->ny};
    for (int y = 0; y < d->ny; y++)
        memcpy(z + (size_t)(d->ny - 1 - y) * d->nx, d->z + (size_t)y * d->nx, d->nx * sizeof *z);
    app__raise(j, &g, z, roof);
    /* Back to north-up, in place through roof. */
    for (int y = 0; y < d->ny; y++)
        memcpy(roof + (size_t)y * d->nx, z + (size_t)(d->ny - 1 - y) * d->nx, d->nx * sizeof *z);
    geo_dem raised = *d;
    raised.z = roof;
    geo_viewshed_desc vd = {.x = j->ox - j->dem->off[0],
                            .y = j->oy - j->dem->off[1],
                            .observer_h = j->observer_h,
                            .target_h = j->target_h,
                            .radius = j->radius};
    ok = geo_viewshed_dem(&raised, &vd, vis, NULL, j->err, sizeof j->err) == TW_OK &&
         geo_viewshed_write(j->export_path, vis, d->nx, d->ny, d->gt, d->srs, j->err,
                            sizeof j->err) == TW_OK;
done:
    if (!z || !roof || !vis) snprintf(j->err, sizeof j->err, "out of memory");
    free(z);
    free(roof);
    free(vis);
    return ok;
}

static void app__quad(tw_mesh *m, uint32_t *v, uint32_t *ix, float p[4][3], const uint8_t c[4])
{
    if (*v + 4 > m->vertex_count) return; /* never: counted before */
    memcpy(m->positions + (size_t)*v * 3, p, 12 * sizeof(float));
    for (int k = 0; k < 4; k++) memcpy(m->colors + (size_t)(*v + k) * 4, c, 4);
    static const uint32_t q[6] = {0, 1, 2, 0, 2, 3};
    for (int k = 0; k < 6; k++) m->indices[(*ix)++] = *v + q[k];
    *v += 4;
}

/* Visible roofs as quads at their tops (runs along a row merged while the
 * top is the same), and the observer's mark. The ground's tint is the
 * texture of vis on the draped grid (app__ground_grid). */
static tw_result app__mesh(app_vs_job *j, const tw_grid *g, const uint8_t *vis, const float *roof)
{
    long quads = 1; /* the observer's mark */
    for (int y = 0; y < g->ny; y++)
        for (int x = 0; x < g->nx; x++) {
            size_t k = (size_t)y * g->nx + x;
            if (vis[k] == 255 && isfinite(roof[k]) &&
                (x == 0 || vis[k - 1] != 255 || roof[k - 1] != roof[k]))
                quads++;
        }
    if (quads * 4 > UINT32_MAX / 2) return TW_ERR_TOOBIG;
    tw_mesh *m = &j->mesh;
    m->prim = TW_PRIM_TRIANGLES;
    tw_result r = tw_mesh_alloc(m, (uint32_t)(quads * 4), (uint32_t)(quads * 6), TW_MESH_COLORS);
    if (r != TW_OK) return r;
    m->origin[0] = j->ox, m->origin[1] = j->oy, m->origin[2] = 0;
    uint32_t v = 0, ix = 0;
    for (int y = 0; y < g->ny; y++) {
        int x = 0;
        while (x < g->nx) {
            size_t k = (size_t)y * g->nx + x;
            if (vis[k] != 255 || !isfinite(roof[k])) {
                x++;
                continue;
            }
            int e = x + 1;
            while (e < g->nx && vis[k + (e - x)] == 255 && roof[k + (e - x)] == roof[k]) e++;
            float z = roof[k];
            float x0 = (float)(g->x0 + x * g->dx - j->ox), x1 = (float)(g->x0 + e * g->dx - j->ox);
            float y0 = (float)(g->y0 + y * g->dy - j->oy);
            float y1 = (float)(g->y0 + (y + 1) * g->dy - j->oy);
            float p[4][3] = {{x0, y0, z}, {x1, y0, z}, {x1, y1, z}, {x0, y1, z}};
            app__quad(m, &v, &ix, p, j->color);
            x = e;
        }
    }
    /* The observer: a red square, a cell or a hundredth of the radius wide. */
    float h = (float)fmax(g->dx, j->radius / 100) / 2;
    float p[4][3] = {{-h, -h, -1e4f}, {h, -h, -1e4f}, {h, h, -1e4f}, {-h, h, -1e4f}};
    app__quad(m, &v, &ix, p, (const uint8_t[4]){220, 30, 30, 230});
    return TW_OK;
}

/* A grid of at most APP_VS_GRID quads a side over the window, its heights
 * from the ground texture (z far below), for the tint texture. */
#define APP_VS_GRID 192
static tw_result app__ground_grid(app_vs_job *j, const tw_grid *g)
{
    int q = g->nx < APP_VS_GRID ? g->nx : APP_VS_GRID;
    tw_mesh *m = &j->ground;
    m->prim = TW_PRIM_TRIANGLES;
    uint32_t nv = (uint32_t)((q + 1) * (q + 1));
    tw_result r = tw_mesh_alloc(m, nv, (uint32_t)(q * q * 6), TW_MESH_COLORS);
    if (r != TW_OK) return r;
    m->origin[0] = j->ox, m->origin[1] = j->oy, m->origin[2] = 0;
    double side = g->nx * g->dx;
    for (int y = 0; y <= q; y++)
        for (int x = 0; x <= q; x++) {
            uint32_t v = (uint32_t)(y * (q + 1) + x);
            m->positions[3 * v] = (float)(g->x0 + side * x / q - j->ox);
            m->positions[3 * v + 1] = (float)(g->y0 + side * y / q - j->oy);
            m->positions[3 * v + 2] = -1e4f;
            memcpy(m->colors + 4 * v, j->color, 4);
        }
    uint32_t ix = 0;
    for (int y = 0; y < q; y++)
        for (int x = 0; x < q; x++) {
            uint32_t a = (uint32_t)(y * (q + 1) + x), b = a + 1, c = a + (uint32_t)q + 1, d = c + 1;
            uint32_t t[6] = {a, b, d, a, d, c};
            memcpy(m->indices + ix, t, sizeof t);
            ix += 6;
        }
    return TW_OK;
}

void app_vs_job_run(void *job, int worker)
{
    (void)worker;
    app_vs_job *j = job;
    double t0 = tw_time_mono_s();
    const geo_dem *d = &j->dem->dem;
    for (int s = 0; s < j->set_count && j->undo_count > 0; s++) { /* the split's before */
        tw_obstacles *o = app_split_undone(j->sets[s], j->undo, j->undo_count);
        if (!o) {
            j->status = TW_ERR_NOMEM;
            snprintf(j->err, sizeof j->err, "out of memory");
            return;
        }
        tw_obstacles_release(j->sets[s]);
        j->sets[s] = o;
    }
    /* The grid: cells of j->cell centred on the observer's cell. */
    double c = j->cell;
    double cx = j->ox, cy = j->oy;
    if (j->native) {
        int i, k;
        if (!geo_dem_cell(d, j->ox - j->dem->off[0], j->oy - j->dem->off[1], &i, &k)) {
            snprintf(j->err, sizeof j->err, "observer (%.1f, %.1f) is off the DEM", j->ox, j->oy);
            j->status = TW_ERR_ARG;
            return;
        }
        geo_dem_cell_center(d, i, k, &cx, &cy);
        cx += j->dem->off[0], cy += j->dem->off[1];
    }
    int h = (int)ceil(j->radius / c);
    if (h < 1) h = 1;
    int n = 2 * h + 1;
    tw_grid g = {
        .x0 = cx - (h + 0.5) * c, .y0 = cy - (h + 0.5) * c, .dx = c, .dy = c, .nx = n, .ny = n};
    size_t cells = (size_t)n * n;
    float *z = malloc(cells * sizeof *z), *roof = malloc(cells * sizeof *roof);
    uint8_t *vis = malloc(cells);
    if (!z || !roof || !vis) {
        snprintf(j->err, sizeof j->err, "out of memory for %d x %d cells", n, n);
        j->status = TW_ERR_NOMEM;
        goto done;
    }
    /* Heights; off the DEM very low, so such cells hide nothing. */
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            float v = app__dem_height(d, g.x0 + (x + 0.5) * c - j->dem->off[0],
                                      g.y0 + (y + 0.5) * c - j->dem->off[1]);
            z[(size_t)y * n + x] = isfinite(v) ? v : -1e4f;
        }
    app__raise(j, &g, z, roof);
    if (z[(size_t)h * n + h] <= -1e4f) {
        snprintf(j->err, sizeof j->err, "observer (%.1f, %.1f) is off the DEM", j->ox, j->oy);
        j->status = TW_ERR_ARG;
        goto done;
    }
    j->eye_z = z[(size_t)h * n + h] + j->observer_h;
    tw_viewshed_desc vd = {.z = z,
                           .nx = n,
                           .ny = n,
                           .dx = c,
                           .dy = c,
                           .ox = h,
                           .oy = h,
                           .observer_h = j->observer_h,
                           .target_h = j->target_h,
                           .radius = j->radius,
                           .visible = 255};
    j->status = tw_viewshed_compute(&vd, vis, &j->st);
    if (j->status == TW_OK) j->status = app__mesh(j, &g, vis, roof);
    if (j->status == TW_OK) j->status = app__ground_grid(j, &g);
    if (j->status != TW_OK) {
        snprintf(j->err, sizeof j->err, "viewshed: %s", tw_result_str(j->status));
        goto done;
    }
    if (j->export_path && !j->coarse) {
        if (j->native) {
            j->exported = app__export_native(j);
        } else {
            /* The grid as it is, north-up. */
            for (int y = 0; y < n; y++)
                memcpy((uint8_t *)roof + (size_t)y * n, vis + (size_t)(n - 1 - y) * n, n);
            double gt[6] = {g.x0 - j->dem->off[0], c, 0, g.y0 + n * c - j->dem->off[1], 0, -c};
            j->exported = geo_viewshed_write(j->export_path, (uint8_t *)roof, n, n, gt, d->srs,
                                             j->err, sizeof j->err) == TW_OK;
        }
    }
done:
    free(z);
    free(roof);
    if (j->status == TW_OK) {
        j->vis = vis, j->n = n, j->x0 = g.x0, j->y0 = g.y0, j->size = n * c;
        vis = NULL;
    }
    free(vis);
    j->ms = (tw_time_mono_s() - t0) * 1e3;
}
