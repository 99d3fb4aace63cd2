/* Viewsheds on a DEM's own grid (see geo_viewshed.h). */
#include "geo_viewshed.h"

#include "geo_gdal.h"

#include <gdal.h>
#include <ogr_srs_api.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tw_result geo_dem_read(const char *path, geo_dem *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    tw_result r = geo_gdal_check_path(path, err, n);
    if (r != TW_OK) return r;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return geo_gdal_describe_open_failure(path, "raster", 0, err, n);
    r = TW_ERR_FORMAT;
    int nx = GDALGetRasterXSize(ds), ny = GDALGetRasterYSize(ds);
    if (GDALGetRasterCount(ds) < 1 || nx <= 0 || ny <= 0) {
        snprintf(err, n, "%s: no raster band", path);
        goto done;
    }
    if ((double)nx * ny > 400e6) {
        snprintf(err, n, "%s: %d x %d cells is over the viewshed's limit", path, nx, ny);
        r = TW_ERR_TOOBIG;
        goto done;
    }
    if (GDALGetGeoTransform(ds, out->gt) != CE_None || out->gt[2] != 0 || out->gt[4] != 0 ||
        out->gt[1] == 0 || out->gt[5] == 0) {
        snprintf(err, n, "%s: no north-up geotransform", path);
        goto done;
    }
    out->z = malloc((size_t)nx * ny * sizeof *out->z);
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
    if (srs) out->srs = OSRClone(srs);
    if (!out->z || (srs && !out->srs)) {
        snprintf(err, n, "%s: out of memory", path);
        r = TW_ERR_NOMEM;
        goto done;
    }
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    int has = 0;
    out->nodata = GDALGetRasterNoDataValue(b, &has);
    out->has_nodata = has != 0;
    if (GDALRasterIO(b, GF_Read, 0, 0, nx, ny, out->z, nx, ny, GDT_Float32, 0, 0) != CE_None) {
        snprintf(err, n, "%s: read failed: %s", path, geo_gdal_last_error());
        r = TW_ERR_IO;
        goto done;
    }
    out->nx = nx, out->ny = ny;
    r = TW_OK;
done:
    GDALClose(ds);
    if (r != TW_OK) geo_dem_free(out);
    return r;
}

void geo_dem_free(geo_dem *dem)
{
    if (!dem) return;
    free(dem->z);
    if (dem->srs) OSRRelease(dem->srs);
    memset(dem, 0, sizeof *dem);
}

bool geo_dem_cell(const geo_dem *dem, double x, double y, int *i, int *j)
{
    double fi = (x - dem->gt[0]) / dem->gt[1], fj = (y - dem->gt[3]) / dem->gt[5];
    if (!(fi >= 0 && fj >= 0 && fi < dem->nx && fj < dem->ny)) return false;
    *i = (int)fi, *j = (int)fj;
    return true;
}

void geo_dem_cell_center(const geo_dem *dem, int i, int j, double *x, double *y)
{
    *x = dem->gt[0] + (i + 0.5) * dem->gt[1];
    *y = dem->gt[3] + (j + 0.5) * dem->gt[5];
}

tw_result geo_viewshed_dem(const geo_dem *dem, const geo_viewshed_desc *d, uint8_t *out,
                           tw_viewshed_stats *st, char *err, size_t n)
{
    int i, j;
    if (!geo_dem_cell(dem, d->x, d->y, &i, &j)) {
        snprintf(err, n, "observer (%.1f, %.1f) is off the DEM", d->x, d->y);
        return TW_ERR_ARG;
    }
    tw_viewshed_desc v = {.z = dem->z,
                          .nx = dem->nx,
                          .ny = dem->ny,
                          .dx = fabs(dem->gt[1]),
                          .dy = fabs(dem->gt[5]),
                          .ox = i,
                          .oy = j,
                          .observer_h = d->observer_h,
                          .target_h = d->target_h,
                          .radius = d->radius,
                          .visible = 255};
    tw_result r = tw_viewshed_compute(&v, out, st);
    if (r != TW_OK) snprintf(err, n, "viewshed failed: %s", tw_result_str(r));
    return r;
}

tw_result geo_viewshed_write(const char *path, const uint8_t *grid, int nx, int ny,
                             const double gt[6], const void *srs, char *err, size_t n)
{
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    if (!drv) {
        snprintf(err, n, "%s: no GeoTIFF driver", path);
        return TW_ERR_UNSUPPORTED;
    }
    char *opts[] = {NULL};
    GDALDatasetH ds = GDALCreate(drv, path, nx, ny, 1, GDT_Byte, opts);
    if (!ds) {
        snprintf(err, n, "%s: cannot create: %s", path, geo_gdal_last_error());
        return TW_ERR_IO;
    }
    double g[6];
    memcpy(g, gt, sizeof g);
    GDALSetGeoTransform(ds, g);
    if (srs) GDALSetSpatialRef(ds, (OGRSpatialReferenceH)srs);
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    CPLErr e = GDALRasterIO(b, GF_Write, 0, 0, nx, ny, (void *)grid, nx, ny, GDT_Byte, 0, 0);
    GDALClose(ds);
    if (e != CE_None) {
        snprintf(err, n, "%s: write failed: %s", path, geo_gdal_last_error());
        return TW_ERR_IO;
    }
    return TW_OK;
}

tw_result geo_viewshed_file(const char *dem_path, const geo_viewshed_desc *d, const char *out_path,
                            tw_viewshed_stats *st, char *err, size_t n)
{
    tw_result r = geo_gdal_check_path(dem_path, err, n);
    if (r != TW_OK) return r;
    GDALDatasetH ds = GDALOpenEx(dem_path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return geo_gdal_describe_open_failure(dem_path, "raster", 0, err, n);
    geo_dem g = {.nx = GDALGetRasterXSize(ds), .ny = GDALGetRasterYSize(ds)};
    float *z = NULL;
    uint8_t *vis = NULL;
    GDALDatasetH out = NULL;
    r = TW_ERR_FORMAT;
    if (GDALGetRasterCount(ds) < 1 || GDALGetGeoTransform(ds, g.gt) != CE_None || g.gt[2] != 0 ||
        g.gt[4] != 0 || g.gt[1] == 0 || g.gt[5] == 0) {
        snprintf(err, n, "%s: no north-up geotransform", dem_path);
        goto done;
    }
    int oi, oj;
    if (!geo_dem_cell(&g, d->x, d->y, &oi, &oj)) {
        snprintf(err, n, "observer (%.1f, %.1f) is off the DEM", d->x, d->y);
        r = TW_ERR_ARG;
        goto done;
    }
    /* The window the radius reaches. */
    int x0 = 0, y0 = 0, x1 = g.nx, y1 = g.ny;
    if (d->radius > 0) {
        int rx = (int)ceil(d->radius / fabs(g.gt[1])), ry = (int)ceil(d->radius / fabs(g.gt[5]));
        x0 = oi - rx > 0 ? oi - rx : 0, x1 = oi + rx + 1 < g.nx ? oi + rx + 1 : g.nx;
        y0 = oj - ry > 0 ? oj - ry : 0, y1 = oj + ry + 1 < g.ny ? oj + ry + 1 : g.ny;
    }
    int w = x1 - x0, h = y1 - y0;
    z = malloc((size_t)w * h * sizeof *z);
    vis = malloc((size_t)w * h);
    if (!z || !vis) {
        snprintf(err, n, "%s: out of memory", dem_path);
        r = TW_ERR_NOMEM;
        goto done;
    }
    if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, x0, y0, w, h, z, w, h, GDT_Float32, 0, 0) !=
        CE_None) {
        snprintf(err, n, "%s: read failed: %s", dem_path, geo_gdal_last_error());
        r = TW_ERR_IO;
        goto done;
    }
    tw_viewshed_desc v = {.z = z,
                          .nx = w,
                          .ny = h,
                          .dx = fabs(g.gt[1]),
                          .dy = fabs(g.gt[5]),
                          .ox = oi - x0,
                          .oy = oj - y0,
                          .observer_h = d->observer_h,
                          .target_h = d->target_h,
                          .radius = d->radius,
                          .visible = 255};
    r = tw_viewshed_compute(&v, vis, st);
    if (r != TW_OK) {
        snprintf(err, n, "viewshed failed: %s", tw_result_str(r));
        goto done;
    }
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    char *opts[] = {"SPARSE_OK=TRUE", NULL};
    out = drv ? GDALCreate(drv, out_path, g.nx, g.ny, 1, GDT_Byte, opts) : NULL;
    if (!out) {
        snprintf(err, n, "%s: cannot create: %s", out_path, geo_gdal_last_error());
        r = TW_ERR_IO;
        goto done;
    }
    GDALSetGeoTransform(out, g.gt);
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
    if (srs) GDALSetSpatialRef(out, srs);
    if (GDALRasterIO(GDALGetRasterBand(out, 1), GF_Write, x0, y0, w, h, vis, w, h, GDT_Byte, 0,
                     0) != CE_None) {
        snprintf(err, n, "%s: write failed: %s", out_path, geo_gdal_last_error());
        r = TW_ERR_IO;
    }
done:
    if (out) GDALClose(out);
    GDALClose(ds);
    free(z);
    free(vis);
    return r;
}
