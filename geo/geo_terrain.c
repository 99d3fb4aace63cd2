/* Terrain tiles: quadtree geometry, grid meshes with skirts, normals that
 * agree across tile edges, and the overview heightfield. */
#include "geo_terrain.h"

#include "tw_horizon.h"
#include "tw_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct geo_terrain {
    geo_raster *raster;
    geo_terrain_info info;
    tw_heightfield hf;
    float *hf_low; /* tw_horizon_lower_bound of hf, for occlusion culling */
    float *hf_err; /* per heightfield cell (south-west sample): its geometric error */
    int fill_passes;
};

const geo_terrain_info *geo_terrain_info_get(const geo_terrain *t)
{
    return &t->info;
}

const tw_heightfield *geo_terrain_heightfield(const geo_terrain *t)
{
    return &t->hf;
}

const float *geo_terrain_heightfield_low(const geo_terrain *t)
{
    return t->hf_low;
}

void geo_terrain_tile_bounds(const geo_terrain_info *info, geo_tile_key key, double b[4])
{
    double size = info->root_size / (double)(1 << key.level);
    b[0] = info->root_x0 + key.x * size;
    b[1] = info->root_y0 + key.y * size;
    b[2] = b[0] + size;
    b[3] = b[1] + size;
}

void geo_terrain_tile_grid(const geo_terrain_info *info, geo_tile_key key, int n, geo_grid *out)
{
    double step = info->root_size / (double)(1 << key.level) / (n - 1);
    *out = (geo_grid){.x0 = info->root_x0,
                      .y0 = info->root_y0,
                      .dx = step,
                      .dy = step,
                      .nx = n,
                      .ny = n,
                      .i0 = (long)key.x * (n - 1),
                      .j0 = (long)key.y * (n - 1)};
}

double geo_terrain_level_spacing(const geo_terrain_info *info, int level)
{
    return info->root_size / (double)(1 << level) / (info->tile_samples - 1);
}

bool geo_terrain_tile_exists(const geo_terrain_info *info, geo_tile_key key)
{
    if (key.level < 0 || key.level > info->max_level) return false;
    int n = 1 << key.level;
    if (key.x < 0 || key.y < 0 || key.x >= n || key.y >= n) return false;
    double b[4];
    geo_terrain_tile_bounds(info, key, b);
    const double *e = info->raster.extent;
    return b[0] < e[2] && b[2] > e[0] && b[1] < e[3] && b[3] > e[1];
}

/* Replaces nodata samples of a grid by the mean of their known neighbours,
 * ring by ring; what no pass reaches gets `fallback`. Returns samples filled. */
static int geo__fill_grid(float *z, uint8_t *st, int nx, int ny, float fallback)
{
    int filled = 0, remaining = 0;
    for (int k = 0; k < nx * ny; k++) remaining += st[k] == GEO_SAMPLE_NODATA;
    if (!remaining) return 0;
    uint8_t *next = malloc((size_t)nx * ny);
    if (!next) return 0;
    for (int pass = 0; pass < nx + ny && remaining; pass++) {
        memcpy(next, st, (size_t)nx * ny);
        int progress = 0;
        for (int j = 0; j < ny; j++) {
            for (int i = 0; i < nx; i++) {
                int k = j * nx + i;
                if (st[k] != GEO_SAMPLE_NODATA) continue;
                double sum = 0;
                int cnt = 0;
                for (int dj = -1; dj <= 1; dj++)
                    for (int di = -1; di <= 1; di++) {
                        int ii = i + di, jj = j + dj;
                        if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
                        if (st[jj * nx + ii] != GEO_SAMPLE_VALID) continue;
                        sum += z[jj * nx + ii];
                        cnt++;
                    }
                if (cnt) {
                    z[k] = (float)(sum / cnt);
                    next[k] = 3; /* becomes valid after this pass */
                    progress++;
                }
            }
        }
        for (int k = 0; k < nx * ny; k++)
            if (next[k] == 3) st[k] = GEO_SAMPLE_VALID;
        filled += progress;
        remaining -= progress;
        if (!progress) break;
    }
    for (int k = 0; k < nx * ny; k++)
        if (st[k] == GEO_SAMPLE_NODATA) {
            z[k] = fallback;
            st[k] = GEO_SAMPLE_VALID;
            filled++;
        }
    free(next);
    return filled;
}

/* Max vertical deviation of a triangulated nx*ny grid (split along the
 * a(i,j)-d(i+1,j+1) diagonals, as the tile meshes are) from a grid of
 * (2nx-1)*(2ny-1) samples at half its spacing over the same square. cz/cst: the
 * coarse heights and states with a stride of cstride and an offset of coff
 * samples (tiles keep a ring around them); fz/fst: the fine ones. Only
 * samples valid in both count. */
static float geo__grid_error(const float *cz, const uint8_t *cst, int cstride, int coff, int nx,
                             int ny, const float *fz, const uint8_t *fst, float *cell_err)
{
    int F = 2 * nx - 1, FY = 2 * ny - 1;
    double worst = 0;
#define CZ(i, j) cz[(size_t)((j) + coff) * cstride + (i) + coff]
#define CS(i, j) cst[(size_t)((j) + coff) * cstride + (i) + coff]
    for (int fj = 0; fj < FY; fj++) {
        for (int fi = 0; fi < F; fi++) {
            if (fst[(size_t)fj * F + fi] != GEO_SAMPLE_VALID) continue;
            int i = fi / 2, j = fj / 2, oi = fi & 1, oj = fj & 1;
            int i1 = i + oi, j1 = j + oj;
            if (CS(i, j) == GEO_SAMPLE_OUTSIDE || CS(i1, j1) == GEO_SAMPLE_OUTSIDE) continue;
            /* Even-even: a vertex; otherwise the midpoint of an edge or of
             * the cell's diagonal, linear between its two ends. */
            double m = 0.5 * ((double)CZ(i, j) + CZ(i1, j1));
            double dev = fabs(fz[(size_t)fj * F + fi] - m);
            if (dev > worst) worst = dev;
            if (cell_err) {
                /* The sample belongs to the cells on both sides of it. */
                for (int cj = (fj - 1) / 2; cj <= fj / 2; cj++)
                    for (int ci = (fi - 1) / 2; ci <= fi / 2; ci++) {
                        if (ci < 0 || cj < 0 || ci >= nx || cj >= ny) continue;
                        float *c = &cell_err[(size_t)cj * nx + ci];
                        if (dev > *c) *c = (float)dev;
                    }
            }
        }
    }
#undef CZ
#undef CS
    return (float)worst;
}

/* Samples far below sea level next to nodata, or next to ground 500 m
 * higher (a cliff no terrain has): the signature of nodata sentinels
 * smeared into valid pixels by resampling. Deep bathymetry passes. */
static int geo__implausible_low(const float *z, const uint8_t *st, int nx, int ny, double *lowest)
{
    int count = 0;
    *lowest = 0;
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            size_t k = (size_t)j * nx + i;
            if (st[k] != GEO_SAMPLE_VALID || z[k] >= GEO_TERRAIN_IMPLAUSIBLE_Z) continue;
            bool odd = false;
            for (int dj = -1; dj <= 1 && !odd; dj++)
                for (int di = -1; di <= 1; di++) {
                    int ii = i + di, jj = j + dj;
                    if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
                    size_t q = (size_t)jj * nx + ii;
                    if (st[q] == GEO_SAMPLE_NODATA ||
                        (st[q] == GEO_SAMPLE_VALID && z[q] > z[k] - GEO_TERRAIN_IMPLAUSIBLE_Z))
                        odd = true;
                }
            if (!odd) continue;
            count++;
            *lowest = fmin(*lowest, z[k]);
        }
    return count;
}

/* In a DEM flagged at open, marks the implausible samples (and the deep
 * ones connected to them) nodata, so hole filling replaces them: a smeared
 * edge then costs no more than a clean one. */
static void geo__drop_implausible(const float *z, uint8_t *st, int nx, int ny)
{
    for (int pass = 0; pass < nx + ny; pass++) {
        bool changed = false;
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                size_t k = (size_t)j * nx + i;
                if (st[k] != GEO_SAMPLE_VALID || z[k] >= GEO_TERRAIN_IMPLAUSIBLE_Z) continue;
                bool odd = false;
                for (int dj = -1; dj <= 1 && !odd; dj++)
                    for (int di = -1; di <= 1; di++) {
                        int ii = i + di, jj = j + dj;
                        if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
                        size_t q = (size_t)jj * nx + ii;
                        if (st[q] == GEO_SAMPLE_NODATA ||
                            (st[q] == GEO_SAMPLE_VALID && z[q] > z[k] - GEO_TERRAIN_IMPLAUSIBLE_Z))
                            odd = true;
                    }
                if (odd) st[k] = GEO_SAMPLE_NODATA, changed = true;
            }
        if (!changed) break;
    }
}

/* Samples the grid g (nx*ny, its heights in cz/cst) at half its spacing
 * (fill_passes 0: holes do not count) and returns the deviation, or -1 when
 * the read fails. */
static float geo__measure_error(geo_raster *r, int worker, const geo_grid *g, const float *cz,
                                const uint8_t *cst, int cstride, int coff, float *cell_err,
                                bool drop)
{
    int F = 2 * g->nx - 1, FY = 2 * g->ny - 1;
    geo_grid fg = {g->x0, g->y0, g->dx / 2, g->dy / 2, F, FY, g->i0 * 2, g->j0 * 2};
    float *fz = malloc((size_t)F * FY * sizeof *fz);
    uint8_t *fst = malloc((size_t)F * FY);
    float e = -1;
    char err[256];
    if (fz && fst &&
        geo_raster_sample(r, worker, &fg, 0, 1, 0, fz, fst, NULL, err, sizeof err) == TW_OK) {
        if (drop) geo__drop_implausible(fz, fst, F, FY);
        e = geo__grid_error(cz, cst, cstride, coff, g->nx, g->ny, fz, fst, cell_err);
    }
    free(fz);
    free(fst);
    return e;
}

static tw_result geo__build_heightfield(geo_terrain *t, const char *path, int worker,
                                        int max_samples, char *err, size_t n)
{
    const geo_raster_info *ri = geo_raster_info_get(t->raster);
    double w = ri->extent[2] - ri->extent[0], h = ri->extent[3] - ri->extent[1];
    double spacing = fmax(ri->pixel_m, fmax(w, h) / (max_samples - 1));
    int nx = (int)ceil(w / spacing) + 1, ny = (int)ceil(h / spacing) + 1;
    if (nx < 2) nx = 2;
    if (ny < 2) ny = 2;
    tw_result r = tw_heightfield_alloc(&t->hf, nx, ny);
    if (r != TW_OK) return r;
    t->hf.x0 = ri->extent[0];
    t->hf.y0 = ri->extent[1];
    t->hf.dx = t->hf.dy = spacing;
    uint8_t *st = malloc((size_t)nx * ny);
    if (!st) return TW_ERR_NOMEM;
    geo_grid g = {t->hf.x0, t->hf.y0, spacing, spacing, nx, ny, 0, 0};
    r = geo_raster_sample(t->raster, worker, &g, 0, 1, t->fill_passes, t->hf.z, st, NULL, err, n);
    if (r == TW_OK) {
        /* Smeared nodata first, so that it shapes neither the range nor
         * the error; filling then replaces it like any hole. */
        double lowest = 0;
        t->info.implausible_low = geo__implausible_low(t->hf.z, st, nx, ny, &lowest);
        if (t->info.implausible_low > 0) {
            TW_WARN("terrain",
                    "%s: %d elevation sample(s) far below sea level (down to %.0f m) next to "
                    "nodata or a 500 m cliff: likely nodata smeared by resampling (e.g. gdalwarp "
                    "without -srcnodata); treating them as nodata",
                    path, t->info.implausible_low, lowest);
            geo__drop_implausible(t->hf.z, st, nx, ny);
        }
        double zmin = HUGE_VAL, zmax = -HUGE_VAL;
        for (int k = 0; k < nx * ny; k++) {
            if (st[k] != GEO_SAMPLE_VALID) continue;
            zmin = fmin(zmin, t->hf.z[k]);
            zmax = fmax(zmax, t->hf.z[k]);
        }
        if (zmin == HUGE_VAL) {
            snprintf(err, n, "holds no valid elevation (every sample is nodata)");
            r = TW_ERR_FORMAT;
        } else {
            /* Against the data at half the spacing, unfilled: the error of
             * each cell, for estimates before tiles load. */
            t->hf_err = calloc((size_t)nx * ny, sizeof *t->hf_err);
            float e = geo__measure_error(t->raster, worker, &g, t->hf.z, st, nx, 0, t->hf_err,
                                         t->info.implausible_low > 0);
            t->info.hf_error_m = e >= 0 ? e : zmax - zmin;
            t->info.zmin = zmin;
            t->info.zmax = zmax;
            geo__fill_grid(t->hf.z, st, nx, ny, (float)zmin);
            /* Off the raster stays unknown for the camera and picks. */
            for (int k = 0; k < nx * ny; k++)
                if (st[k] == GEO_SAMPLE_OUTSIDE) t->hf.z[k] = NAN;
        }
    }
    free(st);
    return r;
}

/* Side of the window geo__detail_m reads, in native pixels. */
#define GEO_DETAIL_PROBE 256

/* Along the probe's rows or columns (stride 1 or n): samples counted, kinks
 * (runs of samples whose second difference exceeds float rounding) and
 * samples in them. */
static void geo__kinks(const float *z, const uint8_t *st, int n, int step, int across,
                       long *samples, long *kinks, long *bent)
{
    for (int a = 0; a < n; a++) {
        bool in_kink = false;
        for (int b = 1; b + 1 < n; b++) {
            size_t k = (size_t)a * across + (size_t)b * step;
            if (st[k - step] != GEO_SAMPLE_VALID || st[k] != GEO_SAMPLE_VALID ||
                st[k + step] != GEO_SAMPLE_VALID) {
                in_kink = false;
                continue;
            }
            double d2 = (double)z[k - step] - 2.0 * z[k] + z[k + step];
            double eps = 1e-4 + 8 * 1.2e-7 * fabs(z[k]);
            bool kink = fabs(d2) > eps;
            (*samples)++;
            if (kink && !in_kink) (*kinks)++;
            *bent += kink;
            in_kink = kink;
        }
    }
}

/* The finest spacing the data holds. A DEM resampled up (bilinear) from
 * coarser pixels is linear along its rows and columns between the source's
 * pixel centres: its second differences vanish but where a source pixel's
 * edge passes. In a window at the centre, when most vanish, the mean run
 * between kinks is the source's spacing. Floating-point data only: integer
 * heights on gentle slopes are flat between steps without being resampled. */
static double geo__detail_m(geo_terrain *t, int worker)
{
    const geo_raster_info *ri = &t->info.raster;
    double p = ri->pixel_m;
    if (!(p > 0) || strncmp(ri->data_type, "Float", 5) != 0) return p;
    int n = GEO_DETAIL_PROBE;
    double cx = 0.5 * (ri->extent[0] + ri->extent[2]), cy = 0.5 * (ri->extent[1] + ri->extent[3]);
    geo_grid g = {cx - p * n / 2, cy - p * n / 2, p, p, n, n, 0, 0};
    float *z = malloc((size_t)n * n * sizeof *z);
    uint8_t *st = malloc((size_t)n * n);
    double detail = p;
    char err[256];
    if (z && st &&
        geo_raster_sample(t->raster, worker, &g, 0, 1, 0, z, st, NULL, err, sizeof err) == TW_OK) {
        long rs = 0, rk = 0, rb = 0, cs = 0, ck = 0, cb = 0;
        geo__kinks(z, st, n, 1, n, &rs, &rk, &rb);
        geo__kinks(z, st, n, n, 1, &cs, &ck, &cb);
        /* Enough samples, most of them straight (real data bends almost
         * everywhere), enough kinks to measure (a plane has none), and runs
         * of at least 4 pixels in both directions. */
        if (rs > n * n / 4 && cs > n * n / 4 && rb * 4 < rs && cb * 4 < cs && rk >= 2 * n &&
            ck >= 2 * n) {
            double run = fmin((double)rs / rk, (double)cs / ck);
            if (run >= 4) detail = p * run;
        }
    }
    free(z);
    free(st);
    return detail;
}

tw_result geo_terrain_open(const geo_terrain_desc *desc, const geo_frame *frame, int worker,
                           geo_terrain **out, char *err, size_t n)
{
    *out = NULL;
    geo_terrain *t = calloc(1, sizeof *t);
    if (!t) return TW_ERR_NOMEM;
    geo_raster_desc rd = desc->raster;
    rd.elevation = true;
    tw_result r = geo_raster_open(&rd, frame, worker, &t->raster, err, n);
    if (r != TW_OK) {
        free(t);
        return r;
    }
    t->fill_passes = desc->fill_passes == 0 ? 16 : desc->fill_passes < 0 ? 0 : desc->fill_passes;
    geo_terrain_info *info = &t->info;
    info->raster = *geo_raster_info_get(t->raster);
    info->tile_samples = desc->tile_samples >= 3 ? desc->tile_samples : 65;
    const double *e = info->raster.extent;
    info->root_size = fmax(e[2] - e[0], e[3] - e[1]);
    info->root_x0 = e[0];
    info->root_y0 = e[1];
    double px = info->raster.pixel_m > 0 ? info->raster.pixel_m : info->root_size;
    double need = info->root_size / ((info->tile_samples - 1) * px);
    info->max_level = need > 1 ? (int)ceil(log2(need) - 1e-9) : 0;
    if (info->max_level > 24) info->max_level = 24;

    info->dem_max_level = info->max_level;
    r = geo__build_heightfield(t, rd.path, worker,
                               desc->heightfield_max >= 2 ? desc->heightfield_max : 256, err, n);
    if (r != TW_OK) {
        geo_terrain_close(t);
        return r;
    }
    /* A DEM resampled up from coarser data gets no levels finer than its
     * source: they would only cut the corners between its pixels. */
    info->detail_m = geo__detail_m(t, worker);
    if (info->detail_m > px) {
        double coarse = info->root_size / ((info->tile_samples - 1) * info->detail_m);
        int level = coarse > 1 ? (int)ceil(log2(coarse) - 1e-9) : 0;
        if (level < info->max_level) {
            TW_INFO("terrain",
                    "%s: %.1f m pixels resampled from ~%.0f m data; levels stop at %d of %d",
                    rd.path, px, info->detail_m, level, info->max_level);
            info->max_level = info->dem_max_level = level;
        }
    }
    t->hf_low = malloc((size_t)t->hf.nx * t->hf.ny * sizeof *t->hf_low);
    if (t->hf_low) tw_horizon_lower_bound(&t->hf, t->hf_low);
    *out = t;
    return TW_OK;
}

void geo_terrain_close(geo_terrain *t)
{
    if (!t) return;
    geo_raster_close(t->raster);
    tw_heightfield_free(&t->hf);
    free(t->hf_low);
    free(t->hf_err);
    free(t);
}

int geo_terrain_deepen(geo_terrain *t, double pixel_m, int samples)
{
    geo_terrain_info *info = &t->info;
    if (!(pixel_m > 0) || samples < 2) return 0;
    double need = info->root_size / ((samples - 1) * pixel_m);
    int level = need > 1 ? (int)ceil(log2(need) - 1e-9) : 0;
    if (level > 24) level = 24;
    if (level <= info->max_level) return 0;
    int added = level - info->max_level;
    info->max_level = level;
    return added;
}

void geo_tile_free(geo_tile *tile)
{
    tw_mesh_free(&tile->mesh);
}

bool geo_terrain_range_estimate(const geo_terrain *t, const double b[4], float *zmin, float *zmax)
{
    const tw_heightfield *hf = &t->hf;
    /* The samples around the square too: the surface between them reaches in. */
    int i0 = (int)floor((b[0] - hf->x0) / hf->dx), i1 = (int)ceil((b[2] - hf->x0) / hf->dx);
    int j0 = (int)floor((b[1] - hf->y0) / hf->dy), j1 = (int)ceil((b[3] - hf->y0) / hf->dy);
    i0 = i0 < 0 ? 0 : i0, j0 = j0 < 0 ? 0 : j0;
    i1 = i1 > hf->nx - 1 ? hf->nx - 1 : i1, j1 = j1 > hf->ny - 1 ? hf->ny - 1 : j1;
    float lo = INFINITY, hi = -INFINITY;
    for (int j = j0; j <= j1; j++)
        for (int i = i0; i <= i1; i++) {
            float z = hf->z[(size_t)j * hf->nx + i];
            if (isnan(z)) continue;
            lo = fminf(lo, z);
            hi = fmaxf(hi, z);
        }
    if (lo > hi) return false;
    *zmin = lo - (float)t->info.hf_error_m;
    *zmax = hi + (float)t->info.hf_error_m;
    return true;
}

double geo_terrain_error_estimate(const geo_terrain *t, geo_tile_key key)
{
    const tw_heightfield *hf = &t->hf;
    const geo_terrain_info *info = &t->info;
    double step = geo_terrain_level_spacing(info, key.level), hs = fmin(hf->dx, hf->dy);
    if (!t->hf_err) return info->hf_error_m * step / hs;
    double b[4];
    geo_terrain_tile_bounds(info, key, b);
    int i0 = (int)floor((b[0] - hf->x0) / hf->dx) - 1, i1 = (int)ceil((b[2] - hf->x0) / hf->dx);
    int j0 = (int)floor((b[1] - hf->y0) / hf->dy) - 1, j1 = (int)ceil((b[3] - hf->y0) / hf->dy);
    i0 = i0 < 0 ? 0 : i0, j0 = j0 < 0 ? 0 : j0;
    i1 = i1 > hf->nx - 1 ? hf->nx - 1 : i1, j1 = j1 > hf->ny - 1 ? hf->ny - 1 : j1;
    float worst = 0;
    for (int j = j0; j <= j1; j++)
        for (int i = i0; i <= i1; i++) worst = fmaxf(worst, t->hf_err[(size_t)j * hf->nx + i]);
    return worst * step / hs;
}

tw_result geo_terrain_sample_point(geo_terrain *t, int worker, double x, double y, double *z)
{
    geo_grid g = {x, y, 0, 0, 1, 1, 0, 0};
    float v;
    uint8_t st;
    char err[256];
    tw_result r = geo_raster_sample(t->raster, worker, &g, 0, 1, 0, &v, &st, NULL, err, sizeof err);
    if (r != TW_OK) return r;
    if (st != GEO_SAMPLE_VALID) return TW_ERR_ARG;
    *z = v;
    return TW_OK;
}

tw_result geo_terrain_load_tile(geo_terrain *t, int worker, geo_tile_key key, geo_tile *out,
                                char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    out->key = key;
    const geo_terrain_info *info = &t->info;
    int N = info->tile_samples, G = N + 2;
    double b[4];
    geo_terrain_tile_bounds(info, key, b);
    double step = geo_terrain_level_spacing(info, key.level);
    /* One extra ring of samples around the tile, so normals on the edge are
     * computed from the same neighbours as the adjacent tile's. */
    float *z = malloc((size_t)G * G * sizeof *z);
    uint8_t *st = malloc((size_t)G * G);
    if (!z || !st) {
        free(z);
        free(st);
        return TW_ERR_NOMEM;
    }
    geo_grid g = {info->root_x0,
                  info->root_y0,
                  step,
                  step,
                  G,
                  G,
                  (long)key.x * (N - 1) - 1,
                  (long)key.y * (N - 1) - 1};
    geo_sample_stats stats;
    tw_result r =
        geo_raster_sample(t->raster, worker, &g, 0, 1, t->fill_passes, z, st, &stats, err, n);
    if (r != TW_OK) goto done;
    out->overview = stats.level;
    if (info->implausible_low > 0) geo__drop_implausible(z, st, G, G);
    for (int k = 0; k < G * G; k++) out->nodata_samples += st[k] == GEO_SAMPLE_NODATA;
    out->filled_samples = geo__fill_grid(z, st, G, G, (float)info->zmin);

    /* Vertex grid N*N plus four skirts of N vertices each. */
    uint32_t nv = (uint32_t)(N * N + 4 * N);
    uint32_t ni = (uint32_t)((N - 1) * (N - 1) * 6 + 4 * (N - 1) * 6);
    out->mesh.prim = TW_PRIM_TRIANGLES;
    r = tw_mesh_alloc(&out->mesh, nv, ni, TW_MESH_NORMALS | TW_MESH_UVS);
    if (r != TW_OK) goto done;
    tw_mesh *m = &out->mesh;
    m->origin[0] = b[0];
    m->origin[1] = b[1];
    m->origin[2] = 0;
    float zmin = INFINITY, zmax = -INFINITY;
#define GZ(i, j) z[(size_t)((j) + 1) * G + ((i) + 1)]
#define GS(i, j) st[(size_t)((j) + 1) * G + ((i) + 1)]
    for (int j = 0; j < N; j++) {
        for (int i = 0; i < N; i++) {
            uint32_t v = (uint32_t)(j * N + i);
            float h = GZ(i, j);
            m->positions[v * 3 + 0] = (float)(i * step);
            m->positions[v * 3 + 1] = (float)(j * step);
            m->positions[v * 3 + 2] = h;
            m->uvs[v * 2 + 0] = (float)i / (N - 1);
            m->uvs[v * 2 + 1] = (float)j / (N - 1);
            /* Central differences where both neighbours are on the raster. */
            int il = GS(i - 1, j) ? i - 1 : i, ir = GS(i + 1, j) ? i + 1 : i;
            int jd = GS(i, j - 1) ? j - 1 : j, ju = GS(i, j + 1) ? j + 1 : j;
            double dzdx = ir > il ? (GZ(ir, j) - GZ(il, j)) / ((ir - il) * step) : 0;
            double dzdy = ju > jd ? (GZ(i, ju) - GZ(i, jd)) / ((ju - jd) * step) : 0;
            double len = sqrt(dzdx * dzdx + dzdy * dzdy + 1);
            m->normals[v * 3 + 0] = (float)(-dzdx / len);
            m->normals[v * 3 + 1] = (float)(-dzdy / len);
            m->normals[v * 3 + 2] = (float)(1 / len);
            if (GS(i, j) != GEO_SAMPLE_OUTSIDE) {
                zmin = fminf(zmin, h);
                zmax = fmaxf(zmax, h);
            }
        }
    }
    /* Skirts hang below the edges and hide cracks against coarser neighbours. */
    float skirt = (float)(step * 2.0 + 1.0);
    for (int e = 0; e < 4; e++) {
        for (int k = 0; k < N; k++) {
            int i = e == 0 ? k : e == 1 ? N - 1 : e == 2 ? N - 1 - k : 0;
            int j = e == 0 ? 0 : e == 1 ? k : e == 2 ? N - 1 : N - 1 - k;
            uint32_t src = (uint32_t)(j * N + i), dst = (uint32_t)(N * N + e * N + k);
            memcpy(&m->positions[dst * 3], &m->positions[src * 3], 3 * sizeof(float));
            m->positions[dst * 3 + 2] -= skirt;
            memcpy(&m->normals[dst * 3], &m->normals[src * 3], 3 * sizeof(float));
            memcpy(&m->uvs[dst * 2], &m->uvs[src * 2], 2 * sizeof(float));
        }
    }
    uint32_t *ix = m->indices, count = 0;
    for (int j = 0; j < N - 1; j++) {
        for (int i = 0; i < N - 1; i++) {
            if (!GS(i, j) || !GS(i + 1, j) || !GS(i, j + 1) || !GS(i + 1, j + 1)) continue;
            uint32_t a = (uint32_t)(j * N + i), bb = a + 1, c = a + (uint32_t)N, d = c + 1;
            ix[count++] = a, ix[count++] = bb, ix[count++] = d;
            ix[count++] = a, ix[count++] = d, ix[count++] = c;
        }
    }
    for (int e = 0; e < 4; e++) {
        for (int k = 0; k < N - 1; k++) {
            int i0 = e == 0 ? k : e == 1 ? N - 1 : e == 2 ? N - 1 - k : 0;
            int j0 = e == 0 ? 0 : e == 1 ? k : e == 2 ? N - 1 : N - 1 - k;
            int i1 = e == 0 ? k + 1 : e == 1 ? N - 1 : e == 2 ? N - 2 - k : 0;
            int j1 = e == 0 ? 0 : e == 1 ? k + 1 : e == 2 ? N - 1 : N - 2 - k;
            if (!GS(i0, j0) || !GS(i1, j1)) continue;
            uint32_t top0 = (uint32_t)(j0 * N + i0), top1 = (uint32_t)(j1 * N + i1);
            uint32_t bot0 = (uint32_t)(N * N + e * N + k), bot1 = bot0 + 1;
            ix[count++] = top0, ix[count++] = bot0, ix[count++] = bot1;
            ix[count++] = top0, ix[count++] = bot1, ix[count++] = top1;
        }
    }
#undef GZ
#undef GS
    m->index_count = count;
    if (key.level < info->dem_max_level && count > 0) {
        /* Against the next level's samples: the children's vertices. */
        geo_grid cg = {info->root_x0,         info->root_y0,        step, step, N, N,
                       (long)key.x * (N - 1), (long)key.y * (N - 1)};
        float e = geo__measure_error(t->raster, worker, &cg, z, st, G, 1, NULL,
                                     info->implausible_low > 0);
        /* A failed read must not stop refinement: assume the worst. */
        out->error_m = e >= 0 ? e : (float)(info->zmax - info->zmin);
    }
    out->empty = count == 0;
    out->zmin = zmin == INFINITY ? (float)info->zmin : zmin;
    out->zmax = zmax == -INFINITY ? (float)info->zmin : zmax;
done:
    free(z);
    free(st);
    if (r != TW_OK) geo_tile_free(out);
    return r;
}
