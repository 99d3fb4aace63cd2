/* Viewsheds: known answers on synthetic grids (flat ground, a wall, a
 * pit), and cell-by-cell agreement with GDAL's own gdal_viewshed (-cc 0)
 * on the real Seoul DEM, through the GeoTIFF export on the DEM's grid. */
#include "geo_gdal.h"
#include "geo_viewshed.h"
#include "tw_test.h"

#include <gdal.h>
#include <stdint.h>
#include <unistd.h>

#define N 101

static float g_z[N * N];

static tw_viewshed_desc flat_desc(void)
{
    for (int i = 0; i < N * N; i++) g_z[i] = 10;
    return (tw_viewshed_desc){.z = g_z,
                              .nx = N,
                              .ny = N,
                              .dx = 1,
                              .dy = 1,
                              .ox = 50,
                              .oy = 50,
                              .observer_h = 1.6,
                              .radius = 30,
                              .visible = 255,
                              .outside = 7};
}

static void test_flat(void)
{
    static uint8_t out[N * N];
    tw_viewshed_desc d = flat_desc();
    tw_viewshed_stats st;
    TW_CHECK(tw_viewshed_compute(&d, out, &st) == TW_OK);
    /* Every cell within 30 m is seen, none beyond. */
    long inside = 0;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++) {
            double r2 = (i - 50.0) * (i - 50.0) + (j - 50.0) * (j - 50.0);
            uint8_t v = out[j * N + i];
            if (r2 <= 900) {
                inside++;
                TW_CHECK_MSG(v == 255, "cell %d %d = %d", i, j, v);
            } else {
                TW_CHECK_MSG(v == 7, "cell %d %d = %d", i, j, v);
            }
        }
    TW_CHECK(st.in_range == inside && st.visible == inside);
    TW_CHECK_NEAR(inside, 3.14159 * 900, 60);
    /* An observer off the grid is an error. */
    d.ox = N;
    TW_CHECK(tw_viewshed_compute(&d, out, &st) == TW_ERR_ARG);
}

static void test_wall(void)
{
    static uint8_t out[N * N];
    tw_viewshed_desc d = flat_desc();
    d.radius = 0;
    /* A wall 20 m high across x = 60: ground behind it up to where the
     * line over its top comes down (eye 11.6, top 30 at 10 cells: never
     * within the grid) is hidden; a 40 m tower behind is seen over it
     * when tall enough. */
    for (int j = 0; j < N; j++) g_z[j * N + 60] = 30;
    TW_CHECK(tw_viewshed_compute(&d, out, NULL) == TW_OK);
    TW_CHECK(out[50 * N + 60] == 255); /* the wall itself */
    TW_CHECK(out[50 * N + 61] == 0);
    TW_CHECK(out[50 * N + 90] == 0);
    TW_CHECK(out[50 * N + 40] == 255); /* the other way */
    /* A target 200 m high at x 90: the sight line over the wall is at
     * 11.6 + 18.4 * 40 / 10 = 85.2 m there. */
    g_z[50 * N + 90] = 200;
    TW_CHECK(tw_viewshed_compute(&d, out, NULL) == TW_OK);
    TW_CHECK(out[50 * N + 90] == 255);
    g_z[50 * N + 90] = 80;
    TW_CHECK(tw_viewshed_compute(&d, out, NULL) == TW_OK);
    TW_CHECK(out[50 * N + 90] == 0);
    /* The target height lifts it into view. */
    d.target_h = 6;
    TW_CHECK(tw_viewshed_compute(&d, out, NULL) == TW_OK);
    TW_CHECK(out[50 * N + 90] == 255);
}

/* Runs gdal_viewshed and our export for one observer; returns the
 * agreement over the cells in range, -1 when the tool is missing. */
static double compare_gdal(const char *dem_path, const geo_dem *dem, double x, double y,
                           double radius, long *cells, double *frac)
{
    char ours[256], theirs[256], cmd[2600], err[512];
    snprintf(ours, sizeof ours, "/tmp/tw_vs_ours_%d.tif", (int)getpid());
    snprintf(theirs, sizeof theirs, "/tmp/tw_vs_gdal_%d.tif", (int)getpid());
    snprintf(cmd, sizeof cmd,
             "gdal_viewshed -q -cc 0 -oz 1.6 -tz 0 -md %.3f -ox %.3f -oy %.3f '%s' '%s' "
             ">/dev/null 2>&1",
             radius, x, y, dem_path, theirs);
    if (system(cmd) != 0) return -1;
    uint8_t *vis = malloc((size_t)dem->nx * dem->ny);
    tw_viewshed_stats st;
    geo_viewshed_desc d = {.x = x, .y = y, .observer_h = 1.6, .radius = radius};
    TW_CHECK(geo_viewshed_dem(dem, &d, vis, &st, err, sizeof err) == TW_OK);
    TW_CHECK(geo_viewshed_write(ours, vis, dem->nx, dem->ny, dem->gt, dem->srs, err, sizeof err) ==
             TW_OK);
    *cells = st.in_range;
    *frac = st.in_range ? (double)st.visible / st.in_range : 0;
    /* Ours reads back with the DEM's size and geotransform. */
    GDALDatasetH a = GDALOpen(ours, GA_ReadOnly), b = GDALOpen(theirs, GA_ReadOnly);
    TW_CHECK(a && b);
    double agree = 0;
    if (a && b) {
        double ga[6], gb[6];
        GDALGetGeoTransform(a, ga);
        GDALGetGeoTransform(b, gb);
        TW_CHECK(GDALGetRasterXSize(a) == dem->nx && GDALGetRasterYSize(a) == dem->ny);
        for (int k = 0; k < 6; k++) TW_CHECK_NEAR(ga[k], dem->gt[k], 1e-9);
        int bx = GDALGetRasterXSize(b), by = GDALGetRasterYSize(b);
        uint8_t *gv = malloc((size_t)bx * by), *ov = malloc((size_t)dem->nx * dem->ny);
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(b, 1), GF_Read, 0, 0, bx, by, gv, bx, by, GDT_Byte,
                              0, 0) == CE_None);
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(a, 1), GF_Read, 0, 0, dem->nx, dem->ny, ov, dem->nx,
                              dem->ny, GDT_Byte, 0, 0) == CE_None);
        /* GDAL's output is cut to the radius's window: place it by its origin. */
        int ox = (int)lround((gb[0] - ga[0]) / ga[1]), oy = (int)lround((gb[3] - ga[3]) / ga[5]);
        long same = 0, n = 0, mine_vis = 0;
        for (int j = 0; j < dem->ny; j++)
            for (int i = 0; i < dem->nx; i++) {
                double cx, cy;
                geo_dem_cell_center(dem, i, j, &cx, &cy);
                int oi, oj;
                geo_dem_cell(dem, x, y, &oi, &oj);
                double ddx = (i - oi) * dem->gt[1], ddy = (j - oj) * dem->gt[5];
                if (ddx * ddx + ddy * ddy > radius * radius) continue;
                int bi = i - ox, bj = j - oy;
                uint8_t g = (bi >= 0 && bj >= 0 && bi < bx && bj < by) ? gv[bj * bx + bi] : 0;
                uint8_t o = ov[j * dem->nx + i];
                n++;
                same += (g == 255) == (o == 255);
                mine_vis += o == 255;
            }
        TW_CHECK(n == st.in_range && mine_vis == st.visible);
        /* The file-to-file way (window only, sparse) writes the same cells. */
        tw_viewshed_stats st2;
        TW_CHECK(geo_viewshed_file(dem_path, &d, ours, &st2, err, sizeof err) == TW_OK);
        TW_CHECK(st2.in_range == st.in_range && st2.visible == st.visible);
        GDALDatasetH c = GDALOpen(ours, GA_ReadOnly);
        TW_CHECK(c && GDALGetRasterXSize(c) == dem->nx && GDALGetRasterYSize(c) == dem->ny);
        if (c) {
            uint8_t *cv = malloc((size_t)dem->nx * dem->ny);
            TW_CHECK(GDALRasterIO(GDALGetRasterBand(c, 1), GF_Read, 0, 0, dem->nx, dem->ny, cv,
                                  dem->nx, dem->ny, GDT_Byte, 0, 0) == CE_None);
            TW_CHECK(memcmp(cv, ov, (size_t)dem->nx * dem->ny) == 0);
            free(cv);
            GDALClose(c);
        }
        agree = n ? (double)same / n : 0;
        free(gv);
        free(ov);
    }
    if (a) GDALClose(a);
    if (b) GDALClose(b);
    free(vis);
    unlink(ours);
    unlink(theirs);
    return agree;
}

static void test_gdal_agreement(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/assets/data/dem/seoul_dem.tif", src ? src : ".");
    geo_dem dem;
    TW_CHECK(geo_dem_read(path, &dem, err, sizeof err) == TW_OK);
    if (!dem.z) return;
    /* Namsan's top, Bukhansan, flat Yeouido, the Han at Jamsil; radius
     * 10 km (5 km near the DEM's edge). */
    static const double obs[][3] = {{198957, 550187, 10000},
                                    {198059, 562118, 5000},
                                    {193095, 547138, 10000},
                                    {209500, 546000, 8000}};
    for (size_t k = 0; k < sizeof obs / sizeof *obs; k++) {
        long cells = 0;
        double frac = 0;
        double a = compare_gdal(path, &dem, obs[k][0], obs[k][1], obs[k][2], &cells, &frac);
        if (a < 0) {
            printf("gdal_viewshed not found: agreement with GDAL not checked\n");
            break;
        }
        printf("observer %.0f %.0f radius %.0f: %ld cells, visible_fraction %.3f, agreement "
               "with gdal_viewshed %.4f\n",
               obs[k][0], obs[k][1], obs[k][2], cells, frac, a);
        TW_CHECK_MSG(a >= 0.97, "agreement %.4f", a);
        TW_CHECK(cells > 1000 && frac > 0.01 && frac < 1);
    }
    /* Off the DEM: one clear error. */
    uint8_t one = 0;
    geo_viewshed_desc d = {.x = 0, .y = 0, .observer_h = 1.6, .radius = 100};
    TW_CHECK(geo_viewshed_dem(&dem, &d, &one, NULL, err, sizeof err) == TW_ERR_ARG);
    TW_CHECK(strstr(err, "off the DEM") != NULL);
    geo_dem_free(&dem);
    TW_CHECK(geo_dem_read("/nonexistent/dem.tif", &dem, err, sizeof err) != TW_OK);
}

int main(void)
{
    geo_gdal_init(NULL);
    TW_RUN(test_flat);
    TW_RUN(test_wall);
    TW_RUN(test_gdal_agreement);
    geo_gdal_shutdown();
    return tw_test_failures ? 1 : 0;
}
