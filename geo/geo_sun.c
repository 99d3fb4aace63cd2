/* The sun_hours exports: a north-up Float32 GeoTIFF and a GeoJSON file. */
#include "geo_sun.h"

#include "tw_file.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

tw_result geo_sun_write_tif(const char *path, const geo_frame *frame, const tw_grid *g,
                            const float *hours, char *err, size_t n)
{
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    if (!drv) {
        snprintf(err, n, "GDAL has no GTiff driver");
        return TW_ERR_UNSUPPORTED;
    }
    char **opts = CSLSetNameValue(NULL, "COMPRESS", "DEFLATE");
    GDALDatasetH ds = GDALCreate(drv, path, g->nx, g->ny, 1, GDT_Float32, opts);
    CSLDestroy(opts);
    if (!ds) {
        snprintf(err, n, "cannot create the GeoTIFF: %s", CPLGetLastErrorMsg());
        return TW_ERR_IO;
    }
    double gt[6] = {g->x0, g->dx, 0, g->y0 + g->ny * g->dy, 0, -g->dy};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, geo_frame_wkt(frame));
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    GDALSetRasterNoDataValue(b, GEO_SUN_NODATA);
    GDALSetDescription(b, "hours of direct sun");
    float *row = malloc((size_t)g->nx * sizeof *row);
    tw_result rc = row ? TW_OK : TW_ERR_NOMEM;
    for (int j = 0; rc == TW_OK && j < g->ny; j++) {
        const float *src = hours + (size_t)(g->ny - 1 - j) * g->nx; /* north first */
        for (int i = 0; i < g->nx; i++) row[i] = isnan(src[i]) ? (float)GEO_SUN_NODATA : src[i];
        if (GDALRasterIO(b, GF_Write, 0, j, g->nx, 1, row, g->nx, 1, GDT_Float32, 0, 0) !=
            CE_None) {
            snprintf(err, n, "cannot write the GeoTIFF: %s", CPLGetLastErrorMsg());
            rc = TW_ERR_IO;
        }
    }
    free(row);
    GDALClose(ds);
    return rc;
}

tw_result geo_sun_write_facades(const char *path, const geo_frame *frame,
                                const tw_facade_point *pts, const tw_sunhours_result *res,
                                int count, char *err, size_t n)
{
    geo_xform *xf = NULL;
    char xerr[256];
    if (geo_xform_create_lonlat(frame, &xf, xerr, sizeof xerr) != TW_OK) {
        snprintf(err, n, "no WGS 84 for the facade points: %s", xerr);
        return TW_ERR_FORMAT;
    }
    json_object *fc = json_object_new_object();
    json_object *feats = json_object_new_array();
    json_object_object_add(fc, "type", json_object_new_string("FeatureCollection"));
    for (int i = 0; i < count; i++) {
        double x = pts[i].x, y = pts[i].y;
        if (geo_xform_from_scene(xf, 1, &x, &y, NULL) != 1) continue;
        json_object *f = json_object_new_object(), *g = json_object_new_object();
        json_object *c = json_object_new_array(), *p = json_object_new_object();
        json_object_object_add(f, "type", json_object_new_string("Feature"));
        json_object_array_add(c, json_object_new_double(round(x * 1e7) / 1e7));
        json_object_array_add(c, json_object_new_double(round(y * 1e7) / 1e7));
        json_object_array_add(c, json_object_new_double(round(pts[i].z * 100) / 100));
        json_object_object_add(g, "type", json_object_new_string("Point"));
        json_object_object_add(g, "coordinates", c);
        json_object_object_add(f, "geometry", g);
        json_object_object_add(p, "building_id", json_object_new_int64(pts[i].id));
        json_object_object_add(p, "floor", json_object_new_int(pts[i].floor));
        json_object_object_add(p, "hours", json_object_new_double(round(res[i].hours * 100) / 100));
        json_object_object_add(p, "continuous_h",
                               json_object_new_double(round(res[i].cont_9_15 * 100) / 100));
        json_object_object_add(p, "hours_8_16",
                               json_object_new_double(round(res[i].hours_8_16 * 100) / 100));
        json_object_object_add(p, "pass", json_object_new_boolean(res[i].pass));
        json_object_object_add(
            p, "facing_deg",
            json_object_new_double(
                round(fmod(atan2(pts[i].nx, pts[i].ny) * 180 / 3.14159265358979 + 360, 360))));
        json_object_object_add(p, "x", json_object_new_double(round(pts[i].x * 100) / 100));
        json_object_object_add(p, "y", json_object_new_double(round(pts[i].y * 100) / 100));
        json_object_object_add(f, "properties", p);
        json_object_array_add(feats, f);
    }
    json_object_object_add(fc, "features", feats);
    geo_xform_destroy(xf);
    size_t len = 0;
    const char *text = json_object_to_json_string_length(fc, JSON_C_TO_STRING_PLAIN, &len);
    tw_result rc = tw_file_write(path, text, len);
    if (rc != TW_OK) snprintf(err, n, "cannot write the GeoJSON");
    json_object_put(fc);
    return rc;
}
