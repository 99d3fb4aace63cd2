/* The wind solve on the real Seoul terrain (the shipped 90 m DEM): a
 * uniform northwesterly (the winter monsoon's direction) spread with the
 * log profile over the ground, solved at 100 m. The terrain must reshape
 * it where there is terrain and leave it alone where there is none: over
 * the ridges (Bukhansan, Gwanaksan, Namsan...: ground above 250 m) the
 * speed spreads both ways (faster past the crests, slower where the flow
 * meets the slopes), on the flat Han river plain (ground below 25 m) it
 * stays the synoptic speed. That contrast is what the picture's colours
 * show. And the solve meets the divergence bound on real terrain. */
#include "geo_gdal.h"
#include "tw_test.h"
#include "tw_windsolve.h"

#include <gdal.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static char path[1024];

static void test_seoul_ridges_and_plain(void)
{
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    TW_CHECK_MSG(ds != NULL, "cannot open %s", path);
    if (!ds) return;
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
    double gt[6];
    GDALGetGeoTransform(ds, gt);
    float *dem = malloc((size_t)w * h * sizeof *dem);
    TW_CHECK(dem && GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, w, h, dem, w, h,
                                 GDT_Float32, 0, 0) == CE_None);
    GDALClose(ds);
    tw_windsolve_grid g = {.nx = (int)(w * gt[1] / 100) - 1,
                           .ny = (int)(h * -gt[5] / 100) - 1,
                           .nz = 14,
                           .dx = 100,
                           .dy = 100,
                           .dz = 80};
    g.x0 = gt[0] + 50, g.y0 = gt[3] + h * gt[5] + 50;
    size_t cols = (size_t)g.nx * g.ny, cells = cols * g.nz;
    float *top = malloc(cols * sizeof *top), *arr[6];
    for (int i = 0; i < 6; i++) arr[i] = malloc(cells * sizeof(float));
    for (int j = 0; j < g.ny; j++)
        for (int i = 0; i < g.nx; i++) { /* nearest DEM cell; -9999 (none) as 0 m */
            double x = g.x0 + (i + 0.5) * g.dx, y = g.y0 + (j + 0.5) * g.dy;
            int px = (int)((x - gt[0]) / gt[1]), py = (int)((y - gt[3]) / gt[5]);
            px = px < 0 ? 0 : px >= w ? w - 1 : px;
            py = py < 0 ? 0 : py >= h ? h - 1 : py;
            float z = dem[(size_t)py * w + px];
            top[(size_t)j * g.nx + i] = z < -1000 ? 0 : z;
        }
    /* northwesterly 5 m/s at 10 m: blowing towards the southeast */
    tw_windsolve_initial_desc id = {.grid = g, .top = top, .u_ref = 3.5, .v_ref = -3.5};
    TW_CHECK(tw_windsolve_initial(&id, arr[0], arr[1], arr[2]) == TW_OK);
    tw_windsolve_desc d = {.grid = g, .top = top, .u0 = arr[0], .v0 = arr[1], .w0 = arr[2]};
    tw_windsolve_stats st;
    TW_CHECK(tw_windsolve_run(&d, arr[3], arr[4], arr[5], &st) == TW_OK);
    TW_CHECK_MSG(st.div <= 1e-3 * st.div0, "divergence %g of %g", st.div, st.div0);
    /* speed in each column's lowest fluid cell, solved / initial: on the
     * ridges (ground above 250 m) and on the flat river plain (below 25 m,
     * slope under 0.5 %) */
    float *ridge = malloc(cols * sizeof(float)), *plain = malloc(cols * sizeof(float));
    long nr = 0, np = 0;
    for (size_t c = 0; c < cols; c++) {
        int i = (int)(c % g.nx), j = (int)(c / g.nx);
        int k = (int)ceil(top[c] / g.dz - 0.5);
        if (k < 0) k = 0;
        if (k >= g.nz || i == 0 || j == 0 || i == g.nx - 1 || j == g.ny - 1) continue;
        size_t at = (size_t)k * cols + c;
        float s0 = hypotf(arr[0][at], arr[1][at]), s = hypotf(arr[3][at], arr[4][at]);
        if (!(s0 > 0.1f)) continue;
        float gx = (top[c + 1] - top[c - 1]) / 200, gy = (top[c + g.nx] - top[c - g.nx]) / 200;
        if (top[c] > 250) ridge[nr++] = s / s0;
        if (top[c] < 25 && fabsf(gx) < 0.005f && fabsf(gy) < 0.005f) plain[np++] = s / s0;
    }
    qsort(ridge, (size_t)nr, sizeof *ridge, cmp_float);
    qsort(plain, (size_t)np, sizeof *plain, cmp_float);
    TW_CHECK_MSG(nr > 1000 && np > 5000, "%ld ridge and %ld plain columns", nr, np);
    if (nr > 1000 && np > 5000) {
        float r10 = ridge[nr / 10], r50 = ridge[nr / 2], r90 = ridge[nr * 9 / 10];
        float p10 = plain[np / 10], p50 = plain[np / 2], p90 = plain[np * 9 / 10];
        fprintf(stderr,
                "  Seoul at 100 m: %d cycles, divergence ratio %.1e; solved / initial speed "
                "10/50/90th percentile: ridges (%ld columns) %.2f/%.2f/%.2f, flat river plain "
                "(%ld) %.2f/%.2f/%.2f\n",
                st.cycles, st.div / st.div0, nr, r10, r50, r90, np, p10, p50, p90);
        /* the ridges reshape the flow both ways (sped up past the crests,
         * slowed where it meets the slopes) ... */
        TW_CHECK_MSG(r90 > 1.2 && r10 < 0.8, "ridges %g .. %g: the terrain left the flow alone",
                     r10, r90);
        /* ... while the plain carries the synoptic flow evenly */
        TW_CHECK_MSG(p90 - p10 < 0.1 && fabsf(p50 - 1) < 0.05, "plain %g / %g / %g", p10, p50, p90);
        TW_CHECK(r90 - r10 > 4 * (p90 - p10));
    }
    free(ridge);
    free(plain);
    for (int i = 0; i < 6; i++) free(arr[i]);
    free(top);
    free(dem);
}

int main(void)
{
    geo_gdal_init(&(geo_gdal_desc){0});
    tw_test_shipped("assets/data/dem/seoul_dem.tif", path, sizeof path);
    TW_RUN(test_seoul_ridges_and_plain);
    geo_gdal_shutdown();
    return TW_TEST_END();
}
