/* Raster sampling: per-worker GDAL handles, overview choice, windowed reads,
 * deterministic hole filling and bilinear sampling on scene grids. */
#include "geo_raster.h"

#include "geo_gdal.h"
#include "tw_log.h"
#include "tw_time.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEO_RASTER_MAX_WORKERS 16
/* An overview may be this much coarser than the grid spacing: tile vertices
 * then sample pixels that already average their neighbourhood, and reading
 * one power-of-two level finer would cost four times the bytes. */
#define GEO_OVERVIEW_SLACK 1.5
/* Largest window read in one go, per band; beyond it reads are decimated. */
#define GEO_RASTER_WINDOW_CAP (2048 * 2048)
/* Lattice spacing, in samples, of the approximate transformation. */
#define GEO_APPROX_STEP 16

/* Values that mean "no data" in rasters that declare none. Exact matches
 * only: real depths below -9000 m (bathymetry) are left alone. */
static const double GEO_SENTINELS[] = {-9999.0, -32768.0, -32767.0, -99999.0,
                                       -3.4028234663852886e38};

typedef struct geo__worker {
    GDALDatasetH ds;
    geo_xform *xf; /* source <-> scene */
    bool failed;
} geo__worker;

struct geo_raster {
    geo_raster_desc desc;
    char *path;
    char *crs_wkt; /* the source CRS as used (scene override or the file's) */
    const geo_frame *frame;
    geo_raster_info info;
    double gt[6], inv_gt[6];
    bool guess_sentinels;
    atomic_bool sentinel_warned;
    int workers;
    geo__worker w[GEO_RASTER_MAX_WORKERS];
};

/* One line for a failed GDALOpenEx, which took elapsed_s. */
static tw_result geo__describe_open_error(const char *path, double elapsed_s, char *err, size_t n)
{
    return geo_gdal_describe_open_failure(path, "raster", elapsed_s, err, n);
}

static tw_result geo__open_worker(geo_raster *r, int worker, char *err, size_t n)
{
    geo__worker *w = &r->w[worker];
    if (w->ds) return TW_OK;
    if (w->failed) {
        snprintf(err, n, "raster could not be opened on this worker");
        return TW_ERR_IO;
    }
    geo_gdal_clear_error();
    double t0 = tw_time_mono_s();
    w->ds = GDALOpenEx(r->path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!w->ds) {
        w->failed = true;
        return geo__describe_open_error(r->path, tw_time_mono_s() - t0, err, n);
    }
    OGRSpatialReferenceH src = OSRNewSpatialReference(r->crs_wkt);
    tw_result res =
        src ? geo_xform_create(r->frame, src, r->desc.xform_flags, &w->xf, err, n) : TW_ERR_CRS;
    if (src) OSRDestroySpatialReference(src);
    if (res != TW_OK) {
        GDALClose(w->ds);
        w->ds = NULL;
        w->failed = true;
    }
    return res;
}

/* Scene-frame bounding box of the raster's footprint, from a densified
 * outline, and the size of one pixel near the centre in scene metres. */
static tw_result geo__footprint(geo_raster *r, geo__worker *w, char *err, size_t n)
{
    enum { PER_EDGE = 32 };
    double x[4 * PER_EDGE + 2], y[4 * PER_EDGE + 2];
    int W = r->info.width, H = r->info.height, k = 0;
    for (int e = 0; e < 4; e++) {
        for (int i = 0; i < PER_EDGE; i++) {
            double t = (double)i / PER_EDGE, px, py;
            switch (e) {
            case 0:
                px = t * W, py = 0;
                break;
            case 1:
                px = W, py = t * H;
                break;
            case 2:
                px = W - t * W, py = H;
                break;
            default:
                px = 0, py = H - t * H;
                break;
            }
            x[k] = r->gt[0] + px * r->gt[1] + py * r->gt[2];
            y[k] = r->gt[3] + px * r->gt[4] + py * r->gt[5];
            k++;
        }
    }
    /* Two points one pixel apart at the centre, for the pixel size. */
    double cx = W * 0.5, cy = H * 0.5;
    x[k] = r->gt[0] + cx * r->gt[1] + cy * r->gt[2];
    y[k] = r->gt[3] + cx * r->gt[4] + cy * r->gt[5];
    k++;
    x[k] = r->gt[0] + (cx + 1) * r->gt[1] + (cy + 1) * r->gt[2];
    y[k] = r->gt[3] + (cx + 1) * r->gt[4] + (cy + 1) * r->gt[5];
    k++;
    geo_xform_to_scene(w->xf, (size_t)k, x, y, NULL);
    double e[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (int i = 0; i < k - 2; i++) {
        if (x[i] == HUGE_VAL) continue;
        e[0] = fmin(e[0], x[i]);
        e[1] = fmin(e[1], y[i]);
        e[2] = fmax(e[2], x[i]);
        e[3] = fmax(e[3], y[i]);
    }
    if (!(e[0] < e[2] && e[1] < e[3])) {
        snprintf(err, n, "its footprint cannot be placed in the scene CRS");
        return TW_ERR_CRS;
    }
    memcpy(r->info.extent, e, sizeof e);
    double a = x[k - 2], b = y[k - 2], c = x[k - 1], d = y[k - 1];
    double diag = (a == HUGE_VAL || c == HUGE_VAL) ? 0 : hypot(c - a, d - b) / sqrt(2.0);
    if (!(diag > 0)) diag = fmax(e[2] - e[0], e[3] - e[1]) / fmax(W, H);
    r->info.pixel_m = diag;
    return TW_OK;
}

tw_result geo_raster_open(const geo_raster_desc *desc, const geo_frame *frame, int worker,
                          geo_raster **out, char *err, size_t n)
{
    *out = NULL;
    tw_result res = geo_gdal_check_path(desc->path, err, n);
    if (res != TW_OK) return res;
    geo_raster *r = calloc(1, sizeof *r);
    if (!r) return TW_ERR_NOMEM;
    r->desc = *desc;
    r->path = strdup(desc->path);
    r->frame = frame;
    r->workers = desc->workers > 0 ? desc->workers : 1;
    if (r->workers > GEO_RASTER_MAX_WORKERS) r->workers = GEO_RASTER_MAX_WORKERS;
    if (worker < 0 || worker >= r->workers) worker = 0;
    r->desc.path = r->path;
    r->desc.source_crs = NULL; /* not kept: crs_wkt holds what is used */
    r->info.remote = geo_gdal_is_remote(desc->path);
    atomic_init(&r->sentinel_warned, false);

    geo__worker *w = &r->w[worker];
    geo_gdal_clear_error();
    double t0 = tw_time_mono_s();
    w->ds = GDALOpenEx(r->path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!w->ds) {
        res = geo__describe_open_error(r->path, tw_time_mono_s() - t0, err, n);
        goto fail;
    }
    GDALDatasetH ds = w->ds;
    r->info.width = GDALGetRasterXSize(ds);
    r->info.height = GDALGetRasterYSize(ds);
    r->info.bands = GDALGetRasterCount(ds);
    snprintf(r->info.driver, sizeof r->info.driver, "%s",
             GDALGetDriverShortName(GDALGetDatasetDriver(ds)));
    if (r->info.bands < 1 || r->info.width < 1 || r->info.height < 1) {
        snprintf(err, n, "has no raster bands");
        res = TW_ERR_FORMAT;
        goto fail;
    }
    if (r->info.bands < desc->min_bands) {
        snprintf(err, n, "has %d band(s); at least %d needed", r->info.bands, desc->min_bands);
        res = TW_ERR_FORMAT;
        goto fail;
    }
    GDALRasterBandH b1 = GDALGetRasterBand(ds, 1);
    snprintf(r->info.data_type, sizeof r->info.data_type, "%s",
             GDALGetDataTypeName(GDALGetRasterDataType(b1)));
    for (int b = r->info.bands; b >= 1 && !r->info.alpha_band; b--)
        if (GDALGetRasterColorInterpretation(GDALGetRasterBand(ds, b)) == GCI_AlphaBand)
            r->info.alpha_band = b;
    if (desc->elevation) {
        GDALColorInterp ci = GDALGetRasterColorInterpretation(b1);
        GDALDataType dt = GDALGetRasterDataType(b1);
        if (ci == GCI_PaletteIndex || ci == GCI_RedBand || (r->info.bands >= 3 && dt == GDT_Byte)) {
            snprintf(err, n,
                     "is a colour image (%d bands of %s), not an elevation raster; use it as "
                     "\"imagery\"",
                     r->info.bands, GDALGetDataTypeName(dt));
            res = TW_ERR_FORMAT;
            goto fail;
        }
    }
    r->info.overviews = GDALGetOverviewCount(b1);
    if (GDALGetGeoTransform(ds, r->gt) != CE_None ||
        (r->gt[1] == 1 && r->gt[5] == 1 && r->gt[0] == 0 && r->gt[3] == 0)) {
        snprintf(err, n, "has no georeferencing (no geotransform)");
        res = TW_ERR_CRS;
        goto fail;
    }
    if (!GDALInvGeoTransform(r->gt, r->inv_gt)) {
        snprintf(err, n, "has a degenerate geotransform");
        res = TW_ERR_CRS;
        goto fail;
    }

    OGRSpatialReferenceH src = NULL;
    if (desc->source_crs && desc->source_crs[0]) {
        res = geo_srs_from_text(desc->source_crs, &src, err, n);
        if (res != TW_OK) goto fail;
    } else {
        OGRSpatialReferenceH file_srs = GDALGetSpatialRef(ds);
        if (!file_srs ||
            (!OSRIsProjected(file_srs) && !OSRIsGeographic(file_srs) && !OSRIsCompound(file_srs))) {
            snprintf(err, n,
                     "has no coordinate reference system; give \"source_crs\" in the scene");
            res = TW_ERR_CRS;
            goto fail;
        }
        src = OSRClone(file_srs);
    }
    geo_srs_describe(src, r->info.crs, sizeof r->info.crs);
    {
        double W = r->info.width, H = r->info.height,
               ext[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
        for (int c = 0; c < 4; c++) {
            double px = (c & 1) ? W : 0, py = (c & 2) ? H : 0;
            double x = r->gt[0] + px * r->gt[1] + py * r->gt[2];
            double y = r->gt[3] + px * r->gt[4] + py * r->gt[5];
            ext[0] = fmin(ext[0], x), ext[1] = fmin(ext[1], y);
            ext[2] = fmax(ext[2], x), ext[3] = fmax(ext[3], y);
        }
        geo_frame_warn_outside_area(frame, src, ext, r->path);
    }
    if (OSRExportToWkt(src, &r->crs_wkt) != OGRERR_NONE) {
        OSRDestroySpatialReference(src);
        snprintf(err, n, "its CRS cannot be expressed as WKT");
        res = TW_ERR_CRS;
        goto fail;
    }
    res = geo_xform_create(frame, src, desc->xform_flags, &w->xf, err, n);
    OSRDestroySpatialReference(src);
    if (res != TW_OK) goto fail;
    r->info.bessel_fixed = geo_xform_bessel_fixed(w->xf);
    if (r->info.bessel_fixed)
        TW_WARN("crs", "%s: Bessel 1841 CRS without datum shift; applying Korean 1985 -> WGS 84",
                r->path);

    if (desc->has_nodata) {
        r->info.nodata_known = true;
        r->info.nodata = desc->nodata;
    } else {
        int has = 0;
        double v = GDALGetRasterNoDataValue(b1, &has);
        if (has) {
            r->info.nodata_known = true;
            r->info.nodata = v;
        }
    }
    r->guess_sentinels = desc->elevation && !r->info.nodata_known;

    res = geo__footprint(r, w, err, n);
    if (res != TW_OK) goto fail;
    *out = r;
    return TW_OK;
fail:
    geo_raster_close(r);
    return res;
}

void geo_raster_close(geo_raster *r)
{
    if (!r) return;
    for (int i = 0; i < GEO_RASTER_MAX_WORKERS; i++) {
        if (r->w[i].ds) GDALClose(r->w[i].ds);
        geo_xform_destroy(r->w[i].xf);
    }
    CPLFree(r->crs_wkt);
    free(r->path);
    free(r);
}

const geo_raster_info *geo_raster_info_get(const geo_raster *r)
{
    return &r->info;
}

bool geo_raster_sentinel_seen(const geo_raster *r)
{
    return atomic_load(&((geo_raster *)r)->sentinel_warned);
}

static bool geo__is_sentinel(double v)
{
    for (size_t i = 0; i < sizeof GEO_SENTINELS / sizeof *GEO_SENTINELS; i++)
        if (v == GEO_SENTINELS[i]) return true;
    /* Float32 rasters store the lowest float as -3.4028234663852886e38 exactly;
     * a Float64 band may hold the same value rounded. */
    return v <= -3.4e38;
}

/* Fills invalid pixels from their valid 8-neighbours, one ring per pass.
 * After p passes a pixel depends only on pixels within p of it, so two
 * windows that both contain that neighbourhood agree exactly. */
static void geo__fill(float *val, uint8_t *ok, int w, int h, int nb, int passes)
{
    size_t npix = (size_t)w * h;
    uint8_t *next = malloc(npix);
    if (!next) return;
    for (int p = 0; p < passes; p++) {
        bool changed = false;
        memcpy(next, ok, npix);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * w + x;
                if (ok[i]) continue;
                float sum[4] = {0, 0, 0, 0};
                int cnt = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h) continue;
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx;
                        if (xx < 0 || xx >= w || (dx == 0 && dy == 0)) continue;
                        size_t k = (size_t)yy * w + xx;
                        if (!ok[k]) continue;
                        for (int b = 0; b < nb; b++) sum[b] += val[k * nb + b];
                        cnt++;
                    }
                }
                if (cnt) {
                    for (int b = 0; b < nb; b++) val[i * nb + b] = sum[b] / cnt;
                    next[i] = 2; /* filled this pass: not a source until the next */
                    changed = true;
                }
            }
        }
        for (size_t i = 0; i < npix; i++) ok[i] = next[i] ? 1 : 0;
        if (!changed) break;
    }
    free(next);
}

/* Scene points -> source georeferenced coordinates -> full-resolution pixel
 * coordinates, in place (HUGE_VAL where the transformation fails). */
static void geo__to_pixels(const geo_raster *r, geo__worker *w, size_t n, double *x, double *y)
{
    geo_xform_from_scene(w->xf, n, x, y, NULL);
    const double *ig = r->inv_gt;
    for (size_t k = 0; k < n; k++) {
        if (x[k] == HUGE_VAL) continue;
        double px = ig[0] + x[k] * ig[1] + y[k] * ig[2];
        double py = ig[3] + x[k] * ig[4] + y[k] * ig[5];
        x[k] = px;
        y[k] = py;
    }
}

static double geo__grid_x(const geo_grid *g, int i)
{
    return g->x0 + (double)(g->i0 + i) * g->dx;
}

static double geo__grid_y(const geo_grid *g, int j)
{
    return g->y0 + (double)(g->j0 + j) * g->dy;
}

/* Source pixel coordinates of every grid sample into px, py (nx*ny each).
 * With approx_px, like GDAL's approximate transformer: only a lattice of
 * every GEO_APPROX_STEP-th sample is transformed exactly and the samples in
 * between are interpolated bilinearly, in each lattice cell whose centre
 * shows an error within approx_px; the other cells are transformed exactly.
 * Map projections are smooth at this scale, so it costs a fraction of the
 * exact transformations, which dominate large imagery grids. */
static tw_result geo__grid_to_pixels(const geo_raster *r, geo__worker *w, const geo_grid *g,
                                     double *px, double *py)
{
    int nx = g->nx, ny = g->ny, S = GEO_APPROX_STEP;
    if (!(r->desc.approx_px > 0) || nx < 2 * S || ny < 2 * S) {
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                px[(size_t)j * nx + i] = geo__grid_x(g, i);
                py[(size_t)j * nx + i] = geo__grid_y(g, j);
            }
        geo__to_pixels(r, w, (size_t)nx * ny, px, py);
        return TW_OK;
    }
    /* Lattice columns 0, S, 2S, ... and the last one; rows the same. */
    int cx = (nx - 2) / S + 2, cy = (ny - 2) / S + 2;
    int *li = malloc((size_t)(cx + cy) * sizeof *li), *lj = li ? li + cx : NULL;
    size_t nl = (size_t)cx * cy, nc = (size_t)(cx - 1) * (cy - 1);
    double *lx = malloc((nl + nc) * 2 * sizeof *lx);
    if (!li || !lx) {
        free(li);
        free(lx);
        return TW_ERR_NOMEM;
    }
    double *ly = lx + nl, *mx = ly + nl, *my = mx + nc;
    for (int a = 0; a < cx; a++) li[a] = a < cx - 1 ? a * S : nx - 1;
    for (int b = 0; b < cy; b++) lj[b] = b < cy - 1 ? b * S : ny - 1;
    for (int b = 0; b < cy; b++)
        for (int a = 0; a < cx; a++) {
            lx[(size_t)b * cx + a] = geo__grid_x(g, li[a]);
            ly[(size_t)b * cx + a] = geo__grid_y(g, lj[b]);
        }
    geo__to_pixels(r, w, nl, lx, ly);
    /* Cell centres (samples nearest to them), transformed exactly. */
    for (int b = 0; b < cy - 1; b++)
        for (int a = 0; a < cx - 1; a++) {
            mx[(size_t)b * (cx - 1) + a] = geo__grid_x(g, (li[a] + li[a + 1]) / 2);
            my[(size_t)b * (cx - 1) + a] = geo__grid_y(g, (lj[b] + lj[b + 1]) / 2);
        }
    geo__to_pixels(r, w, nc, mx, my);
    double tol2 = r->desc.approx_px * r->desc.approx_px;
    for (int b = 0; b < cy - 1; b++) {
        for (int a = 0; a < cx - 1; a++) {
            int i0 = li[a], i1 = li[a + 1], j0 = lj[b], j1 = lj[b + 1];
            size_t c00 = (size_t)b * cx + a, c10 = c00 + 1, c01 = c00 + cx, c11 = c01 + 1;
            bool fine = lx[c00] != HUGE_VAL && lx[c10] != HUGE_VAL && lx[c01] != HUGE_VAL &&
                        lx[c11] != HUGE_VAL && mx[(size_t)b * (cx - 1) + a] != HUGE_VAL;
            if (fine) {
                double fu = (double)((i0 + i1) / 2 - i0) / (i1 - i0);
                double fv = (double)((j0 + j1) / 2 - j0) / (j1 - j0);
                double ex = (1 - fv) * ((1 - fu) * lx[c00] + fu * lx[c10]) +
                            fv * ((1 - fu) * lx[c01] + fu * lx[c11]) - mx[(size_t)b * (cx - 1) + a];
                double ey = (1 - fv) * ((1 - fu) * ly[c00] + fu * ly[c10]) +
                            fv * ((1 - fu) * ly[c01] + fu * ly[c11]) - my[(size_t)b * (cx - 1) + a];
                fine = ex * ex + ey * ey <= tol2;
            }
            for (int j = j0; j <= j1; j++) {
                double fv = (double)(j - j0) / (j1 - j0);
                for (int i = i0; i <= i1; i++) {
                    size_t k = (size_t)j * nx + i;
                    if (fine) {
                        double fu = (double)(i - i0) / (i1 - i0);
                        px[k] = (1 - fv) * ((1 - fu) * lx[c00] + fu * lx[c10]) +
                                fv * ((1 - fu) * lx[c01] + fu * lx[c11]);
                        py[k] = (1 - fv) * ((1 - fu) * ly[c00] + fu * ly[c10]) +
                                fv * ((1 - fu) * ly[c01] + fu * ly[c11]);
                    } else {
                        px[k] = geo__grid_x(g, i);
                        py[k] = geo__grid_y(g, j);
                    }
                }
            }
            if (fine) continue;
            /* Exactly, row by row of the cell (rows of the grid are contiguous). */
            for (int j = j0; j <= j1; j++) {
                size_t k = (size_t)j * nx + i0;
                geo__to_pixels(r, w, (size_t)(i1 - i0 + 1), px + k, py + k);
            }
        }
    }
    free(li);
    free(lx);
    return TW_OK;
}

tw_result geo_raster_sample(geo_raster *r, int worker, const geo_grid *grid, int band0, int nbands,
                            int fill_passes, float *out, uint8_t *state, geo_sample_stats *stats,
                            char *err, size_t n)
{
    geo_sample_stats st = {.level = -1, .decimation = 1};
    if (worker < 0 || worker >= r->workers) worker = 0;
    if (nbands < 1 || nbands > 4 || band0 < 0 || band0 + nbands > r->info.bands) {
        snprintf(err, n, "band request out of range");
        return TW_ERR_ARG;
    }
    tw_result res = geo__open_worker(r, worker, err, n);
    if (res != TW_OK) return res;
    geo__worker *w = &r->w[worker];
    size_t np = (size_t)grid->nx * grid->ny;
    double *sx = malloc(np * sizeof *sx), *sy = malloc(np * sizeof *sy);
    float *buf = NULL;
    uint8_t *ok = NULL;
    if (!sx || !sy) {
        res = TW_ERR_NOMEM;
        goto done;
    }
    res = geo__grid_to_pixels(r, w, grid, sx, sy);
    if (res != TW_OK) goto done;

    /* Coarsest overview whose pixels are no larger than the grid spacing
     * (within the slack). */
    int W = r->info.width, H = r->info.height;
    double spacing = fmin(fabs(grid->dx), fabs(grid->dy));
    if (grid->nx < 2) spacing = fabs(grid->dy);
    if (grid->ny < 2) spacing = grid->nx < 2 ? 0 : fabs(grid->dx);
    double ratio = r->info.pixel_m > 0 ? spacing / r->info.pixel_m : 0;
    GDALRasterBandH base = GDALGetRasterBand(w->ds, band0 + 1);
    int level = -1, lw = W, lh = H;
    double best = 1.0;
    for (int k = 0; k < GDALGetOverviewCount(base); k++) {
        GDALRasterBandH ov = GDALGetOverview(base, k);
        if (!ov) continue;
        int ow = GDALGetRasterBandXSize(ov), oh = GDALGetRasterBandYSize(ov);
        double f = (double)W / ow;
        if (f <= ratio * GEO_OVERVIEW_SLACK && f > best) {
            best = f;
            level = k;
            lw = ow;
            lh = oh;
        }
    }
    double fx = (double)W / lw, fy = (double)H / lh;

    /* Window of level pixels (centre-based coordinates u, v) that the
     * samples touch, plus a margin for filling and interpolation. */
    double umin = HUGE_VAL, umax = -HUGE_VAL, vmin = HUGE_VAL, vmax = -HUGE_VAL;
    for (size_t k = 0; k < np; k++) {
        double px = sx[k], py = sy[k];
        if (px == HUGE_VAL || px < 0 || py < 0 || px > W || py > H) continue;
        double u = px / fx - 0.5, v = py / fy - 0.5;
        umin = fmin(umin, u);
        umax = fmax(umax, u);
        vmin = fmin(vmin, v);
        vmax = fmax(vmax, v);
    }
    if (umin == HUGE_VAL) {
        memset(state, GEO_SAMPLE_OUTSIDE, np);
        memset(out, 0, np * nbands * sizeof *out);
        goto done;
    }
    /* Read the samples' window with a margin for interpolation first; only
     * when it holds nodata, read again with the margin hole filling needs.
     * Filling changes nodata pixels alone, so a window without any gives
     * the same samples either way, for a fraction of the bytes. */
    int margin = 2, dec = 1, bw = 0, bh = 0;
    long x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    size_t nbuf = 0;
    /* The decimation is chosen for the full margin, so that it is the same
     * whichever window is read. */
    long vw = lw, vh = lh;
    for (;;) {
        vw = (lw + dec - 1) / dec, vh = (lh + dec - 1) / dec;
        long m = fill_passes + 2;
        long cx0 = (long)floor((umin + 0.5) / dec - 0.5) - m;
        long cx1 = (long)floor((umax + 0.5) / dec - 0.5) + 1 + m;
        long cy0 = (long)floor((vmin + 0.5) / dec - 0.5) - m;
        long cy1 = (long)floor((vmax + 0.5) / dec - 0.5) + 1 + m;
        cx0 = cx0 < 0 ? 0 : cx0, cy0 = cy0 < 0 ? 0 : cy0;
        cx1 = cx1 > vw - 1 ? vw - 1 : cx1, cy1 = cy1 > vh - 1 ? vh - 1 : cy1;
        if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) <= GEO_RASTER_WINDOW_CAP) break;
        dec *= 2;
    }
    for (int attempt = 0;; attempt++) {
        margin = attempt == 0 && fill_passes > 0 ? 2 : fill_passes + 2;
        /* Virtual pixels of `dec` level pixels each, aligned to multiples of
         * dec, so decimated reads are also the same for every tile. */
        x0 = (long)floor((umin + 0.5) / dec - 0.5) - margin;
        x1 = (long)floor((umax + 0.5) / dec - 0.5) + 1 + margin;
        y0 = (long)floor((vmin + 0.5) / dec - 0.5) - margin;
        y1 = (long)floor((vmax + 0.5) / dec - 0.5) + 1 + margin;
        if (x0 < 0) x0 = 0;
        if (y0 < 0) y0 = 0;
        if (x1 > vw - 1) x1 = vw - 1;
        if (y1 > vh - 1) y1 = vh - 1;
        bw = (int)(x1 - x0 + 1), bh = (int)(y1 - y0 + 1);
        nbuf = (size_t)bw * bh;
        buf = malloc(nbuf * nbands * sizeof *buf);
        ok = malloc(nbuf);
        float *tmp = malloc(nbuf * sizeof *tmp);
        uint8_t *mask = NULL;
        if (!buf || !ok || !tmp) {
            free(tmp);
            res = TW_ERR_NOMEM;
            goto done;
        }
        memset(ok, 1, nbuf);
        int rx = (int)(x0 * dec), ry = (int)(y0 * dec);
        int rw = (int)((x1 + 1) * dec) - rx, rh = (int)((y1 + 1) * dec) - ry;
        if (rx + rw > lw) rw = lw - rx;
        if (ry + rh > lh) rh = lh - ry;
        for (int b = 0; b < nbands && res == TW_OK; b++) {
            GDALRasterBandH band = GDALGetRasterBand(w->ds, band0 + b + 1);
            if (level >= 0) band = GDALGetOverview(band, level);
            geo_gdal_clear_error();
            double t_read = tw_time_mono_s();
            if (!band || GDALRasterIO(band, GF_Read, rx, ry, rw, rh, tmp, bw, bh, GDT_Float32, 0,
                                      0) != CE_None) {
                const char *msg = geo_gdal_last_error();
                tw_result kind = geo_gdal_last_error_kind();
                double limit = geo_gdal_http_timeout_s();
                /* A server that stops sending mid-file leaves GDAL with a short
                 * block and a TIFF error, not a timeout: the time it took says. */
                if (r->info.remote &&
                    (kind == TW_ERR_TIMEOUT || tw_time_mono_s() - t_read >= 0.8 * limit)) {
                    snprintf(err, n,
                             "timed out after %.0f s reading pixels %d,%d %dx%d: the server "
                             "stopped sending; if it is only slow, raise \"http_timeout_s\" "
                             "in the scene",
                             limit, rx, ry, rw, rh);
                    res = TW_ERR_TIMEOUT;
                    break;
                }
                snprintf(err, n, "truncated or corrupt data reading pixels %d,%d %dx%d%s%s", rx, ry,
                         rw, rh, msg[0] ? ": " : "", msg);
                res = r->info.remote && kind != TW_ERR_FORMAT ? kind : TW_ERR_FORMAT;
                break;
            }
            for (size_t k = 0; k < nbuf; k++) buf[k * nbands + b] = tmp[k];
            /* A real per-dataset mask (alpha, internal mask) also marks holes. */
            int flags = GDALGetMaskFlags(band);
            if (b == 0 && !(flags & GMF_ALL_VALID) && !(flags & GMF_NODATA)) {
                mask = malloc(nbuf);
                GDALRasterBandH mb = GDALGetMaskBand(band);
                if (mask && mb &&
                    GDALRasterIO(mb, GF_Read, rx, ry, rw, rh, mask, bw, bh, GDT_Byte, 0, 0) ==
                        CE_None) {
                    for (size_t k = 0; k < nbuf; k++)
                        if (!mask[k]) ok[k] = 0;
                }
                free(mask);
                mask = NULL;
            }
        }
        free(tmp);
        if (res != TW_OK) goto done;
        TW_DEBUG("raster", "%s: level %d window %d,%d %dx%d (buffer %dx%d)", r->path, level, rx, ry,
                 rw, rh, bw, bh);
        st.level = level;
        st.decimation = dec;
        st.pixels_read = (long)nbuf * nbands;

        for (size_t k = 0; k < nbuf; k++) {
            double v = buf[k * nbands];
            if (!isfinite(v) || (r->info.nodata_known && v == (float)r->info.nodata)) {
                ok[k] = 0;
            } else if (r->guess_sentinels && geo__is_sentinel(v)) {
                ok[k] = 0;
                st.sentinel_seen = true;
            }
            if (!ok[k]) st.nodata_pixels++;
        }
        if (st.sentinel_seen && !atomic_exchange(&r->sentinel_warned, true))
            TW_WARN(
                "terrain",
                "%s: declares no nodata but holds sentinel values (e.g. -9999); treating them as "
                "nodata",
                r->path);
        if (attempt == 0 && fill_passes > 0 && st.nodata_pixels > 0) {
            free(buf);
            free(ok);
            buf = NULL;
            ok = NULL;
            st.nodata_pixels = 0;
            continue;
        }
        break;
    }
    if (fill_passes > 0 && st.nodata_pixels) geo__fill(buf, ok, bw, bh, nbands, fill_passes);

    /* Bilinear sampling between valid pixel centres. */
    double vfx = fx * dec, vfy = fy * dec;
    for (size_t k = 0; k < np; k++) {
        double px = sx[k], py = sy[k];
        if (px == HUGE_VAL || px < 0 || py < 0 || px > W || py > H) {
            state[k] = GEO_SAMPLE_OUTSIDE;
            for (int b = 0; b < nbands; b++) out[k * nbands + b] = 0;
            continue;
        }
        double u = px / vfx - 0.5 - x0, v = py / vfy - 0.5 - y0;
        u = fmin(fmax(u, 0), bw - 1);
        v = fmin(fmax(v, 0), bh - 1);
        int i0 = (int)u, j0 = (int)v;
        int i1 = i0 + 1 < bw ? i0 + 1 : i0, j1 = j0 + 1 < bh ? j0 + 1 : j0;
        double fu = u - i0, fv = v - j0;
        size_t c[4] = {(size_t)j0 * bw + i0, (size_t)j0 * bw + i1, (size_t)j1 * bw + i0,
                       (size_t)j1 * bw + i1};
        double wt[4] = {(1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv};
        double acc[4] = {0, 0, 0, 0}, wsum = 0;
        for (int q = 0; q < 4; q++) {
            if (!ok[c[q]] || wt[q] <= 0) continue;
            wsum += wt[q];
            for (int b = 0; b < nbands; b++) acc[b] += wt[q] * buf[c[q] * nbands + b];
        }
        /* Exactly on a pixel centre the other weights are zero: fall back to
         * any valid corner only when the dominant one is missing. */
        if (wsum <= 0) {
            for (int q = 0; q < 4; q++) {
                if (!ok[c[q]]) continue;
                wsum = 1;
                for (int b = 0; b < nbands; b++) acc[b] = buf[c[q] * nbands + b];
                break;
            }
        }
        if (wsum > 0) {
            state[k] = GEO_SAMPLE_VALID;
            for (int b = 0; b < nbands; b++) out[k * nbands + b] = (float)(acc[b] / wsum);
        } else {
            state[k] = GEO_SAMPLE_NODATA;
            for (int b = 0; b < nbands; b++) out[k * nbands + b] = 0;
        }
    }
done:
    free(sx);
    free(sy);
    free(buf);
    free(ok);
    if (stats) *stats = st;
    return res;
}
