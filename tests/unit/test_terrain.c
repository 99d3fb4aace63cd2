/* Terrain from GDAL rasters: sampling agrees with gdallocationinfo, nodata
 * (declared, scene-given, undeclared -9999 sentinels, holes inside the
 * raster) leaves no pits or spikes, tile edges agree exactly, reprojection
 * lands heights where they belong (also through the approximate
 * transformation imagery uses), and bad rasters fail with clear errors. */
#include "geo_gdal.h"
#include "geo_terrain.h"
#include "tw_horizon.h"
#include "tw_log.h"
#include "tw_test.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <unistd.h>

static char tmpdir[256];
static geo_frame *frame;

/* A smooth hill: z = 100 + 50 sin(x/700) cos(y/900), in scene metres. */
static double hill(double x, double y)
{
    return 100 + 50 * sin(x / 700.0) * cos(y / 900.0);
}

typedef struct dem_spec {
    const char *name;
    const char *crs; /* NULL: none */
    int w, h;
    double x0, y0, px; /* north-west corner, pixel size */
    bool declare_nodata;
    double nodata;
    int hole_x, hole_y, hole_w, hole_h; /* pixels set to hole_value */
    double hole_value;
    double base;     /* added to every height (bathymetry: below zero) */
    bool geographic; /* x0/y0/px in degrees; heights from hill() at the 5186 position */
} dem_spec;

static void make_path(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
}

/* Writes a Float32 GeoTIFF; heights follow hill() at each pixel centre. */
static void make_dem(const dem_spec *s, char *path, size_t n)
{
    make_path(s->name, path, n);
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    GDALDatasetH ds = GDALCreate(drv, path, s->w, s->h, 1, GDT_Float32, NULL);
    double gt[6] = {s->x0, s->px, 0, s->y0, 0, -s->px};
    GDALSetGeoTransform(ds, gt);
    OGRCoordinateTransformationH ct = NULL;
    if (s->crs) {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
        OSRSetFromUserInput(srs, s->crs);
        GDALSetSpatialRef(ds, srs);
        if (s->geographic) {
            OGRSpatialReferenceH dst = OSRNewSpatialReference(NULL);
            OSRSetFromUserInput(dst, "EPSG:5186");
            OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
            OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
            ct = OCTNewCoordinateTransformation(srs, dst);
            OSRDestroySpatialReference(dst);
        }
        OSRDestroySpatialReference(srs);
    }
    float *row = malloc((size_t)s->w * sizeof *row);
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    for (int j = 0; j < s->h; j++) {
        for (int i = 0; i < s->w; i++) {
            double x = s->x0 + (i + 0.5) * s->px, y = s->y0 - (j + 0.5) * s->px;
            if (ct) OCTTransform(ct, 1, &x, &y, NULL);
            row[i] = (float)(hill(x, y) + s->base);
            if (i >= s->hole_x && i < s->hole_x + s->hole_w && j >= s->hole_y &&
                j < s->hole_y + s->hole_h)
                row[i] = (float)s->hole_value;
        }
        if (GDALRasterIO(b, GF_Write, 0, j, s->w, 1, row, s->w, 1, GDT_Float32, 0, 0) != CE_None)
            fprintf(stderr, "note: write failed at row %d of %s\n", j, path);
    }
    if (s->declare_nodata) GDALSetRasterNoDataValue(b, s->nodata);
    free(row);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    GDALClose(ds);
}

static geo_terrain *open_terrain(const char *path, const geo_terrain_desc *extra, tw_result *r,
                                 char *err, size_t n)
{
    geo_terrain_desc d = extra ? *extra : (geo_terrain_desc){0};
    d.raster.path = path;
    d.raster.workers = 2;
    geo_terrain *t = NULL;
    *r = geo_terrain_open(&d, frame, 0, &t, err, n);
    return t;
}

static void test_sampling_matches_gdallocationinfo(void)
{
    char seoul[1024];
    tw_test_shipped("assets/data/dem/seoul_dem.tif", seoul, sizeof seoul);
    char path[512];
    dem_spec s = {.name = "hill.tif",
                  .crs = "EPSG:5186",
                  .w = 120,
                  .h = 90,
                  .x0 = 190000,
                  .y0 = 560000,
                  .px = 30};
    make_dem(&s, path, sizeof path);
    const char *files[2] = {path, seoul};
    for (int f = 0; f < 2; f++) {
        char err[512];
        tw_result r;
        geo_terrain *t = open_terrain(files[f], NULL, &r, err, sizeof err);
        TW_CHECK_MSG(r == TW_OK, "%s: %s", files[f], err);
        if (!t) continue;
        const geo_raster_info *ri = &geo_terrain_info_get(t)->raster;
        double gt_x0 = ri->extent[0], gt_y1 = ri->extent[3];
        int checked = 0;
        for (int k = 0; k < 12; k++) {
            /* Pixel centres spread over the raster, skipping the edge rows. */
            int i = 3 + k * (ri->width - 6) / 11, j = 2 + (k * 7 % 11) * (ri->height - 4) / 11;
            double x = gt_x0 + (i + 0.5) * ri->pixel_m, y = gt_y1 - (j + 0.5) * ri->pixel_m;
            char cmd[1400];
            snprintf(cmd, sizeof cmd, "gdallocationinfo -valonly -geoloc '%s' %.3f %.3f", files[f],
                     x, y);
            FILE *p = popen(cmd, "r");
            double expect = NAN;
            if (p) {
                if (fscanf(p, "%lf", &expect) != 1) expect = NAN;
                pclose(p);
            }
            if (isnan(expect)) TW_SKIP("gdallocationinfo (gdal-bin) is not installed");
            double z;
            TW_CHECK(geo_terrain_sample_point(t, 1, x, y, &z) == TW_OK);
            TW_CHECK_MSG(fabs(z - expect) < 1e-3, "%s at %.1f,%.1f: %.4f vs gdallocationinfo %.4f",
                         files[f], x, y, z, expect);
            checked++;
        }
        TW_CHECK(checked == 12);
        geo_terrain_close(t);
    }
}

static void check_no_pits_or_spikes(geo_terrain *t, double lo, double hi, const char *what)
{
    const geo_terrain_info *info = geo_terrain_info_get(t);
    int level = info->max_level, n = 1 << level, bad = 0, tiles = 0;
    char err[256];
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            geo_tile_key k = {level, x, y};
            if (!geo_terrain_tile_exists(info, k)) continue;
            geo_tile tile;
            TW_CHECK(geo_terrain_load_tile(t, 0, k, &tile, err, sizeof err) == TW_OK);
            tiles++;
            /* Grid vertices that triangles use (skirts hang below on purpose;
             * samples off the raster belong to no triangle). */
            int N = info->tile_samples;
            for (uint32_t q = 0; q < tile.mesh.index_count; q++) {
                uint32_t v = tile.mesh.indices[q];
                if (v >= (uint32_t)(N * N)) continue;
                float z = tile.mesh.positions[v * 3 + 2];
                if (z < lo || z > hi) bad++;
            }
            geo_tile_free(&tile);
        }
    TW_CHECK(tiles > 0);
    TW_CHECK_MSG(bad == 0, "%s: %d vertices outside %.1f..%.1f", what, bad, lo, hi);
}

static void test_declared_nodata_hole_inside(void)
{
    char path[512], err[512];
    dem_spec s = {.name = "hole.tif",
                  .crs = "EPSG:5186",
                  .w = 160,
                  .h = 120,
                  .x0 = 190000,
                  .y0 = 560000,
                  .px = 30,
                  .declare_nodata = true,
                  .nodata = -32767,
                  .hole_x = 70,
                  .hole_y = 50,
                  .hole_w = 12,
                  .hole_h = 9,
                  .hole_value = -32767};
    make_dem(&s, path, sizeof path);
    tw_result r;
    geo_terrain *t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (!t) return;
    check_no_pits_or_spikes(t, 49, 151, "declared nodata");
    /* The middle of the hole is filled with a height like its surroundings. */
    double cx = 190000 + 76 * 30.0, cy = 560000 - 54 * 30.0, z;
    const tw_heightfield *hf = geo_terrain_heightfield(t);
    TW_CHECK(tw_heightfield_sample(hf, cx, cy, &z));
    TW_CHECK_MSG(fabs(z - hill(cx, cy)) < 12, "filled %.1f, true surface %.1f", z, hill(cx, cy));
    geo_terrain_close(t);
}

static void test_sentinel_guess_and_bathymetry(void)
{
    char path[512], err[512];
    tw_log_init(TW_LOG_ERROR);
    unsigned warn0 = tw_log_count(TW_LOG_WARN);
    /* No nodata declared, -9999 inside: treated as nodata, with a warning. */
    dem_spec s = {.name = "sentinel.tif",
                  .crs = "EPSG:5186",
                  .w = 160,
                  .h = 120,
                  .x0 = 190000,
                  .y0 = 560000,
                  .px = 30,
                  .declare_nodata = false,
                  .nodata = 0,
                  .hole_x = 40,
                  .hole_y = 30,
                  .hole_w = 8,
                  .hole_h = 20,
                  .hole_value = -9999};
    make_dem(&s, path, sizeof path);
    tw_result r;
    geo_terrain *t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (t) {
        TW_CHECK(tw_log_count(TW_LOG_WARN) > warn0);
        TW_CHECK(geo_terrain_info_get(t)->zmin > 0);
        check_no_pits_or_spikes(t, 49, 151, "sentinel");
        geo_terrain_close(t);
    }
    /* Bathymetry between -10050 and -9950 m with no nodata: nothing is
     * dropped, no warning, the deep values stay. */
    unsigned warn1 = tw_log_count(TW_LOG_WARN);
    dem_spec b = {.name = "deep.tif",
                  .crs = "EPSG:5186",
                  .w = 100,
                  .h = 80,
                  .x0 = 190000,
                  .y0 = 560000,
                  .px = 30,
                  .declare_nodata = false,
                  .nodata = 0,
                  .hole_x = 0,
                  .hole_y = 0,
                  .hole_w = 0,
                  .hole_h = 0,
                  .hole_value = 0,
                  .base = -10100};
    make_dem(&b, path, sizeof path);
    t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (t) {
        TW_CHECK(tw_log_count(TW_LOG_WARN) == warn1);
        TW_CHECK(geo_terrain_info_get(t)->zmin < -10040 && geo_terrain_info_get(t)->zmax > -9960);
        check_no_pits_or_spikes(t, -10051, -9949, "bathymetry");
        geo_terrain_close(t);
    }
}

static void test_scene_nodata_overrides(void)
{
    char path[512], err[512];
    /* Zeros mark a hole; the file does not say so, the scene does. */
    dem_spec s = {.name = "zeros.tif",
                  .crs = "EPSG:5186",
                  .w = 100,
                  .h = 80,
                  .x0 = 190000,
                  .y0 = 560000,
                  .px = 30,
                  .declare_nodata = false,
                  .nodata = 0,
                  .hole_x = 45,
                  .hole_y = 35,
                  .hole_w = 6,
                  .hole_h = 6,
                  .hole_value = 0};
    make_dem(&s, path, sizeof path);
    geo_terrain_desc d = {.raster = {.has_nodata = true, .nodata = 0}};
    tw_result r;
    geo_terrain *t = open_terrain(path, &d, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (!t) return;
    check_no_pits_or_spikes(t, 49, 151, "scene nodata");
    geo_terrain_close(t);
}

static void test_tile_edges_agree(void)
{
    char path[512], err[512];
    dem_spec s = {.name = "seams.tif",
                  .crs = "EPSG:5186",
                  .w = 257,
                  .h = 203,
                  .x0 = 190000,
                  .y0 = 560000,
                  .px = 20,
                  .declare_nodata = true,
                  .nodata = -32767,
                  .hole_x = 100,
                  .hole_y = 90,
                  .hole_w = 5,
                  .hole_h = 5,
                  .hole_value = -32767};
    make_dem(&s, path, sizeof path);
    tw_result r;
    geo_terrain *t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (!t) return;
    const geo_terrain_info *info = geo_terrain_info_get(t);
    TW_CHECK(info->max_level >= 2);
    int N = info->tile_samples, mismatches = 0, compared = 0;
    for (int level = 1; level <= info->max_level; level++) {
        int n = 1 << level;
        for (int y = 0; y < n; y++)
            for (int x = 0; x + 1 < n; x++) {
                geo_tile_key a = {level, x, y}, b = {level, x + 1, y}, c = {level, x, y + 1};
                if (!geo_terrain_tile_exists(info, a) || !geo_terrain_tile_exists(info, b))
                    continue;
                geo_tile ta, tb, tc;
                /* Different workers: separate GDAL handles must agree too. */
                TW_CHECK(geo_terrain_load_tile(t, 0, a, &ta, err, sizeof err) == TW_OK);
                TW_CHECK(geo_terrain_load_tile(t, 1, b, &tb, err, sizeof err) == TW_OK);
                for (int j = 0; j < N; j++) {
                    int va = j * N + (N - 1), vb = j * N;
                    compared++;
                    if (ta.mesh.positions[va * 3 + 2] != tb.mesh.positions[vb * 3 + 2] ||
                        ta.mesh.normals[va * 3] != tb.mesh.normals[vb * 3])
                        mismatches++;
                }
                if (geo_terrain_tile_exists(info, c)) {
                    TW_CHECK(geo_terrain_load_tile(t, 1, c, &tc, err, sizeof err) == TW_OK);
                    for (int i = 0; i < N; i++) {
                        int va = (N - 1) * N + i, vc = i;
                        compared++;
                        if (ta.mesh.positions[va * 3 + 2] != tc.mesh.positions[vc * 3 + 2] ||
                            ta.mesh.normals[va * 3 + 1] != tc.mesh.normals[vc * 3 + 1])
                            mismatches++;
                    }
                    geo_tile_free(&tc);
                }
                geo_tile_free(&ta);
                geo_tile_free(&tb);
            }
    }
    TW_CHECK(compared > 1000);
    TW_CHECK_MSG(mismatches == 0, "%d of %d edge vertices differ", mismatches, compared);
    geo_terrain_close(t);
}

static void test_reprojected_raster(void)
{
    char path[512], err[512];
    /* A lon/lat DEM around Seoul whose heights were computed at the EPSG:5186
     * position of each pixel: sampled in the scene, it must give hill(). */
    dem_spec s = {.name = "lonlat.tif",
                  .crs = "EPSG:4326",
                  .w = 200,
                  .h = 150,
                  .x0 = 126.90,
                  .y0 = 37.60,
                  .px = 0.0005};
    s.geographic = true;
    make_dem(&s, path, sizeof path);
    tw_result r;
    geo_terrain *t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (!t) return;
    const geo_raster_info *ri = &geo_terrain_info_get(t)->raster;
    TW_CHECK(ri->extent[0] > 190000 && ri->extent[2] < 210000);
    int checked = 0;
    for (int k = 0; k < 20; k++) {
        double x = ri->extent[0] + (ri->extent[2] - ri->extent[0]) * (0.2 + 0.03 * k);
        double y = ri->extent[1] + (ri->extent[3] - ri->extent[1]) * (0.25 + 0.025 * k);
        double z;
        if (geo_terrain_sample_point(t, 0, x, y, &z) != TW_OK) continue;
        /* Bilinear between 45 m pixels of a smooth surface: within 0.5 m. */
        TW_CHECK_MSG(fabs(z - hill(x, y)) < 0.5, "at %.0f,%.0f: %.2f vs %.2f", x, y, z, hill(x, y));
        checked++;
    }
    TW_CHECK(checked == 20);
    geo_terrain_close(t);
}

/* Imagery grids interpolate between exactly transformed samples: a raster
 * whose bands hold each pixel's own column and row shows, through bilinear
 * sampling, where each sample landed in the source. */
static void test_approximate_transformation(void)
{
    char path[512], err[512];
    make_path("pixel_index.tif", path, sizeof path);
    const int w = 400, h = 300;
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, w, h, 2, GDT_Float32, NULL);
    double gt[6] = {126.90, 0.0005, 0, 37.60, 0, -0.0005};
    GDALSetGeoTransform(ds, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    GDALSetSpatialRef(ds, srs);
    OSRDestroySpatialReference(srs);
    float *row = malloc((size_t)w * sizeof *row);
    for (int b = 1; b <= 2; b++)
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < w; i++) row[i] = (float)(b == 1 ? i : j);
            TW_CHECK(GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, j, w, 1, row, w, 1,
                                  GDT_Float32, 0, 0) == CE_None);
        }
    free(row);
    GDALClose(ds);

    double tol[3] = {0, 0.125, 1e-9};
    geo_raster *r[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++) {
        geo_raster_desc d = {.path = path, .approx_px = tol[k]};
        TW_CHECK_MSG(geo_raster_open(&d, frame, 0, &r[k], err, sizeof err) == TW_OK, "%s", err);
    }
    if (!r[0] || !r[1] || !r[2]) goto done;
    /* 300 x 300 samples over the middle of the raster, 20 m apart (finer
     * than its ~45 m pixels, so full resolution is read). */
    const double *e = geo_raster_info_get(r[0])->extent;
    geo_grid g = {.x0 = (e[0] + e[2]) / 2 - 3000,
                  .y0 = (e[1] + e[3]) / 2 - 3000,
                  .dx = 20,
                  .dy = 20,
                  .nx = 300,
                  .ny = 300};
    size_t np = (size_t)g.nx * g.ny;
    float *v[3];
    uint8_t *st[3];
    for (int k = 0; k < 3; k++) {
        v[k] = malloc(np * 2 * sizeof *v[k]);
        st[k] = malloc(np);
        TW_CHECK(geo_raster_sample(r[k], 0, &g, 0, 2, 0, v[k], st[k], NULL, err, sizeof err) ==
                 TW_OK);
    }
    double worst[3] = {0, 0, 0};
    int valid = 0;
    for (size_t i = 0; i < np; i++) {
        if (st[0][i] != GEO_SAMPLE_VALID) continue;
        valid++;
        for (int k = 1; k < 3; k++) {
            TW_CHECK(st[k][i] == GEO_SAMPLE_VALID);
            double dx = v[k][i * 2] - v[0][i * 2], dy = v[k][i * 2 + 1] - v[0][i * 2 + 1];
            worst[k] = fmax(worst[k], sqrt(dx * dx + dy * dy));
        }
    }
    TW_CHECK(valid == (int)np);
    /* Within the tolerance; and where no cell may be interpolated, exact. */
    TW_CHECK_MSG(worst[1] <= 0.125, "approximate: %.4f px off", worst[1]);
    TW_CHECK_MSG(worst[2] < 1e-3, "tolerance 1e-9: %.6f px off", worst[2]);
    for (int k = 0; k < 3; k++) {
        free(v[k]);
        free(st[k]);
    }
done:
    for (int k = 0; k < 3; k++) geo_raster_close(r[k]);
}

static void expect_open_error(const char *path, const geo_terrain_desc *d, tw_result want,
                              const char *fragment)
{
    char err[512] = "";
    tw_result r;
    geo_terrain *t = open_terrain(path, d, &r, err, sizeof err);
    TW_CHECK_MSG(r == want, "%s: got %s (%s), want %s", path, tw_result_str(r), err,
                 tw_result_str(want));
    TW_CHECK_MSG(strstr(err, fragment) != NULL, "%s: '%s' lacks '%s'", path, err, fragment);
    TW_CHECK(strchr(err, '\n') == NULL);
    geo_terrain_close(t);
}

static void test_bad_rasters(void)
{
    char path[512], bad[512];
    expect_open_error("/no/such/dem.tif", NULL, TW_ERR_IO, "file not found");

    /* No CRS in the file and none in the scene. */
    dem_spec s = {
        .name = "nocrs.tif", .crs = NULL, .w = 40, .h = 30, .x0 = 190000, .y0 = 560000, .px = 30};
    make_dem(&s, path, sizeof path);
    expect_open_error(path, NULL, TW_ERR_CRS, "no coordinate reference system");
    geo_terrain_desc with_crs = {.raster = {.source_crs = "EPSG:5186"}};
    char err[512];
    tw_result r;
    geo_terrain *t = open_terrain(path, &with_crs, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "with source_crs: %s", err);
    geo_terrain_close(t);
    geo_terrain_desc unknown = {.raster = {.source_crs = "EPSG:999999"}};
    expect_open_error(path, &unknown, TW_ERR_CRS, "unknown CRS 'EPSG:999999'");

    /* An RGB image given as terrain. */
    make_path("rgb.tif", bad, sizeof bad);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), bad, 32, 32, 3, GDT_Byte, NULL);
    double gt[6] = {190000, 30, 0, 560000, 0, -30};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, "EPSG:5186");
    GDALClose(ds);
    expect_open_error(bad, NULL, TW_ERR_FORMAT, "colour image");

    /* A TIFF cut short: the header survives, the pixels do not. */
    dem_spec big = {.name = "whole.tif",
                    .crs = "EPSG:5186",
                    .w = 300,
                    .h = 300,
                    .x0 = 190000,
                    .y0 = 560000,
                    .px = 30};
    make_dem(&big, path, sizeof path);
    make_path("truncated.tif", bad, sizeof bad);
    FILE *in = fopen(path, "rb"), *out = fopen(bad, "wb");
    char buf[4096];
    size_t total = 0, k;
    while (in && out && (k = fread(buf, 1, sizeof buf, in)) > 0 && total < 60000) {
        fwrite(buf, 1, k, out);
        total += k;
    }
    if (in) fclose(in);
    if (out) fclose(out);
    expect_open_error(bad, NULL, TW_ERR_FORMAT, "truncated or corrupt");

    /* Not a raster at all. */
    make_path("text.tif", bad, sizeof bad);
    out = fopen(bad, "w");
    if (out) {
        fputs("this is not a TIFF\n", out);
        fclose(out);
    }
    expect_open_error(bad, NULL, TW_ERR_FORMAT, "not a raster GDAL can read");
}

/* Windows are read with a small margin; the margin hole filling needs only
 * where the window holds nodata. Samples near a hole still get filled. */
static void test_fill_margin_only_where_needed(void)
{
    char path[512], err[512];
    dem_spec s = {.name = "margin.tif",
                  .crs = "EPSG:5186",
                  .w = 200,
                  .h = 200,
                  .x0 = 190000,
                  .y0 = 560000,
                  .px = 10,
                  .declare_nodata = true,
                  .nodata = -32767,
                  .hole_x = 150,
                  .hole_y = 150,
                  .hole_w = 6,
                  .hole_h = 6,
                  .hole_value = -32767};
    make_dem(&s, path, sizeof path);
    geo_raster_desc d = {.path = path};
    geo_raster *r = NULL;
    TW_CHECK_MSG(geo_raster_open(&d, frame, 0, &r, err, sizeof err) == TW_OK, "%s", err);
    if (!r) return;
    const int n = 40, passes = 16;
    float z[40 * 40];
    uint8_t st[40 * 40];
    geo_sample_stats stats;
    /* 40 x 40 samples on pixel centres far from the hole: 40 + 2 x 2 a side. */
    geo_grid far = {190000 + 20 * 10 + 5, 560000 - 20 * 10 - 5 - (n - 1) * 10, 10, 10, n, n, 0, 0};
    TW_CHECK(geo_raster_sample(r, 0, &far, 0, 1, passes, z, st, &stats, err, sizeof err) == TW_OK);
    printf("  no nodata: %ld pixels read\n", stats.pixels_read);
    TW_CHECK(stats.nodata_pixels == 0);
    TW_CHECK(stats.pixels_read <= (n + 6) * (n + 6));
    /* Over the hole: the filling margin is read, and every sample is filled. */
    geo_grid hole = {
        190000 + 130 * 10 + 5, 560000 - 130 * 10 - 5 - (n - 1) * 10, 10, 10, n, n, 0, 0};
    TW_CHECK(geo_raster_sample(r, 0, &hole, 0, 1, passes, z, st, &stats, err, sizeof err) == TW_OK);
    printf("  with a hole: %ld pixels read, %ld nodata\n", stats.pixels_read, stats.nodata_pixels);
    TW_CHECK(stats.nodata_pixels == 36);
    TW_CHECK(stats.pixels_read >= (n + 2 * passes) * (n + 2 * passes) / 2);
    int bad = 0;
    for (int k = 0; k < n * n; k++) bad += st[k] != GEO_SAMPLE_VALID || !(z[k] > 40 && z[k] < 160);
    TW_CHECK_MSG(bad == 0, "%d samples not filled", bad);
    geo_raster_close(r);
}

/* Writes a w*h Float32 DEM in EPSG:5186 (north-west corner x0, y0, pixel
 * px) with heights from f at each pixel centre; NAN becomes nodata -9999. */
static void make_dem_fn(const char *name, int w, int h, double x0, double y0, double px,
                        double (*f)(double x, double y), char *path, size_t n)
{
    make_path(name, path, n);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, w, h, 1, GDT_Float32, NULL);
    double gt[6] = {x0, px, 0, y0, 0, -px};
    GDALSetGeoTransform(ds, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRSetFromUserInput(srs, "EPSG:5186");
    GDALSetSpatialRef(ds, srs);
    OSRDestroySpatialReference(srs);
    GDALRasterBandH b = GDALGetRasterBand(ds, 1);
    GDALSetRasterNoDataValue(b, -9999);
    float *row = malloc((size_t)w * sizeof *row);
    for (int j = 0; j < h; j++) {
        for (int i = 0; i < w; i++) {
            double z = f(x0 + (i + 0.5) * px, y0 - (j + 0.5) * px);
            row[i] = isnan(z) ? -9999.0f : (float)z;
        }
        if (GDALRasterIO(b, GF_Write, 0, j, w, 1, row, w, 1, GDT_Float32, 0, 0) != CE_None)
            fprintf(stderr, "note: write failed at row %d of %s\n", j, path);
    }
    free(row);
    GDALClose(ds);
}

static double plane(double x, double y)
{
    return 50 + 0.02 * (x - 190000) - 0.01 * (y - 560000);
}

static double bumpy(double x, double y)
{
    return hill(x, y) + 6 * sin(x / 23.0) * cos(y / 17.0);
}

/* A 90 m grid of hill() heights, bilinearly interpolated: what gdalwarp
 * -r bilinear makes of a coarse DEM (oversampled, smooth between posts). */
static double oversampled(double x, double y)
{
    double u = (x - 190000) / 90.0, v = (y - 560000) / 90.0;
    double iu = floor(u), iv = floor(v), fu = u - iu, fv = v - iv;
    double x0 = 190000 + iu * 90, y0 = 560000 + iv * 90;
    double a = hill(x0, y0), b = hill(x0 + 90, y0), c = hill(x0, y0 + 90),
           d = hill(x0 + 90, y0 + 90);
    return (1 - fv) * ((1 - fu) * a + fu * b) + fv * ((1 - fu) * c + fu * d);
}

static double rough(double x, double y)
{
    return oversampled(x, y) + 3 * sin(x / 7.0 + 1) * sin(y / 5.0) + 2 * sin(x / 13.0 - y / 11.0);
}

/* Error of the tile over (x, y) at a level. */
static float tile_error_at(geo_terrain *t, int level, double x, double y)
{
    const geo_terrain_info *info = geo_terrain_info_get(t);
    double size = info->root_size / (double)(1 << level);
    geo_tile_key k = {level, (int)((x - info->root_x0) / size), (int)((y - info->root_y0) / size)};
    geo_tile tile;
    char err[256];
    if (geo_terrain_load_tile(t, 0, k, &tile, err, sizeof err) != TW_OK) {
        fprintf(stderr, "tile %d/%d/%d: %s\n", k.level, k.x, k.y, err);
        return -1;
    }
    float e = tile.error_m;
    geo_tile_free(&tile);
    return e;
}

static void test_tile_geometric_error(void)
{
    char path[512], err[512];
    tw_result r;
    make_dem_fn("plane.tif", 256, 256, 190000, 567680, 30, plane, path, sizeof path);
    geo_terrain *t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (t) {
        /* A plane is drawn exactly (tiles off the raster's edge, where
         * sampling clamps to the last pixel centres). */
        for (int l = 2; l < geo_terrain_info_get(t)->max_level; l++)
            TW_CHECK_NEAR(tile_error_at(t, l, 193000, 563000), 0, 0.01);
        geo_terrain_close(t);
    }
    make_dem_fn("bumpy.tif", 256, 256, 190000, 567680, 30, bumpy, path, sizeof path);
    t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (t) {
        float e0 = tile_error_at(t, 0, 193000, 563000);
        TW_CHECK_MSG(e0 > 1.0f, "bumpy level 0 error %.3f", e0);
        /* The deepest level stands for nothing finer. */
        TW_CHECK_NEAR(tile_error_at(t, geo_terrain_info_get(t)->max_level, 193000, 563000), 0,
                      1e-6);
        geo_terrain_close(t);
    }
}

/* The level at which the tile under a point is within `limit` metres. */
static int level_needed(geo_terrain *t, double limit)
{
    const geo_terrain_info *info = geo_terrain_info_get(t);
    for (int l = 0; l < info->max_level; l++)
        if (tile_error_at(t, l, 192100, 563100) <= limit) return l;
    return info->max_level;
}

static void test_smooth_dem_stops_shallower(void)
{
    char path[512], err[512];
    tw_result r;
    /* 2 m pixels over 1 km: 10 levels of 65-sample tiles. */
    make_dem_fn("smooth2m.tif", 1024, 1024, 191500, 563900, 2, oversampled, path, sizeof path);
    geo_terrain *s = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    make_dem_fn("rough2m.tif", 1024, 1024, 191500, 563900, 2, rough, path, sizeof path);
    geo_terrain *q = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (s && q) {
        int ls = level_needed(s, 0.1), lq = level_needed(q, 0.1);
        fprintf(stderr, "  level for 0.1 m: smooth %d, rough %d (max %d)\n", ls, lq,
                geo_terrain_info_get(s)->max_level);
        TW_CHECK(ls < lq);
        /* Resampled up from coarse data, its levels stop early as well. */
        TW_CHECK(geo_terrain_info_get(s)->max_level < geo_terrain_info_get(q)->max_level);
    }
    geo_terrain_close(s);
    geo_terrain_close(q);
}

/* Seoul-like: valid ground in a disc, -9999 outside, and between them a
 * band where resampling smeared the sentinel into the heights. */
static double smeared(double x, double y)
{
    double r = hypot(x - 195000, y - 563000);
    if (r > 3000) return NAN;
    if (r > 2850) return -9999 + (3000 - r) / 150 * (hill(x, y) + 9999);
    return hill(x, y);
}

static void test_smeared_nodata_edge(void)
{
    char path[512], err[512];
    tw_result r;
    tw_log_init(TW_LOG_ERROR);
    unsigned warn0 = tw_log_count(TW_LOG_WARN);
    make_dem_fn("smeared.tif", 220, 220, 191700, 566300, 30, smeared, path, sizeof path);
    geo_terrain *t = open_terrain(path, NULL, &r, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (t) {
        const geo_terrain_info *info = geo_terrain_info_get(t);
        TW_CHECK(tw_log_count(TW_LOG_WARN) > warn0);
        TW_CHECK(info->implausible_low > 0);
        /* Nothing implausible is left to deepen the range or the tiles
         * (the smear's shallow end, above -500 m, stays as heights). */
        TW_CHECK_MSG(info->zmin >= GEO_TERRAIN_IMPLAUSIBLE_Z, "zmin %.0f", info->zmin);
        geo_tile_key k = {0, 0, 0};
        geo_tile tile;
        if (geo_terrain_load_tile(t, 0, k, &tile, err, sizeof err) == TW_OK) {
            TW_CHECK_MSG(tile.zmin >= GEO_TERRAIN_IMPLAUSIBLE_Z, "root zmin %.0f", tile.zmin);
            TW_CHECK_MSG(tile.error_m < 1000, "root error %.0f", tile.error_m);
            geo_tile_free(&tile);
        }
        geo_terrain_close(t);
    }
}

/* A ridge 200 m high and 600 m wide across y = 1200 m of a plain at 0 m. */
static void test_horizon_culls_behind_ridge(void)
{
    tw_heightfield hf;
    TW_CHECK(tw_heightfield_alloc(&hf, 101, 101) == TW_OK);
    hf.x0 = 0, hf.y0 = 0, hf.dx = hf.dy = 50;
    for (int j = 0; j < 101; j++)
        for (int i = 0; i < 101; i++)
            hf.z[j * 101 + i] = fabs(j * 50.0 - 1200) <= 300 ? 200.0f : 0.0f;
    float *low = malloc(101 * 101 * sizeof *low);
    static float block[720 * 200];
    tw_horizon_lower_bound(&hf, low);
    tw_horizon h;
    tw_result r = tw_horizon_build(&h, &(tw_horizon_desc){.hf = &hf,
                                                          .low = low,
                                                          .block = block,
                                                          .block_cap = 720 * 200,
                                                          .eye = {2500, 200, 20},
                                                          .margin = 1});
    TW_CHECK(r == TW_OK);
    /* Behind the ridge, low: hidden. */
    TW_CHECK(tw_horizon_occludes(&h, (double[]){2300, 2000, -1}, (double[]){2700, 2400, 5}));
    /* Behind it but tall enough to show over it: drawn. */
    TW_CHECK(!tw_horizon_occludes(&h, (double[]){2300, 2000, -1}, (double[]){2700, 2400, 900}));
    /* In front of the ridge: drawn. */
    TW_CHECK(!tw_horizon_occludes(&h, (double[]){2300, 500, -1}, (double[]){2700, 600, 5}));
    /* Beside the eye, in the other direction (no ridge): drawn. */
    TW_CHECK(!tw_horizon_occludes(&h, (double[]){2300, 0, -1}, (double[]){2400, 100, 5}));
    /* Below the horizon of the plain itself: from 20 m up, a box sunk 50 m
     * under the ground 2 km away is hidden; at ground level it is not. */
    TW_CHECK(tw_horizon_occludes(&h, (double[]){4300, 150, -60}, (double[]){4500, 250, -50}));
    TW_CHECK(!tw_horizon_occludes(&h, (double[]){4300, 150, -60}, (double[]){4500, 250, 1}));
    /* A margin as deep as the ridge is high: nothing is sure any more. */
    tw_horizon_build(&h, &(tw_horizon_desc){.hf = &hf,
                                            .low = low,
                                            .block = block,
                                            .block_cap = 720 * 200,
                                            .eye = {2500, 200, 20},
                                            .margin = 250});
    TW_CHECK(!tw_horizon_occludes(&h, (double[]){2300, 2000, -1}, (double[]){2700, 2400, 5}));
    free(low);
    tw_heightfield_free(&hf);
}

int main(void)
{
    tw_log_init(TW_LOG_ERROR);
    geo_gdal_init(NULL);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/citytwin-terrain-XXXXXX");
    if (!mkdtemp(tmpdir)) TW_SKIP("cannot make a temporary folder");
    char err[256];
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK) {
        fprintf(stderr, "frame: %s\n", err);
        return 1;
    }
    TW_RUN(test_sampling_matches_gdallocationinfo);
    TW_RUN(test_declared_nodata_hole_inside);
    TW_RUN(test_sentinel_guess_and_bathymetry);
    TW_RUN(test_scene_nodata_overrides);
    TW_RUN(test_tile_edges_agree);
    TW_RUN(test_reprojected_raster);
    TW_RUN(test_approximate_transformation);
    TW_RUN(test_bad_rasters);
    TW_RUN(test_fill_margin_only_where_needed);
    TW_RUN(test_tile_geometric_error);
    TW_RUN(test_smooth_dem_stops_shallower);
    TW_RUN(test_smeared_nodata_edge);
    TW_RUN(test_horizon_culls_behind_ridge);
    geo_frame_destroy(frame);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", tmpdir);
    return TW_TEST_END();
}
