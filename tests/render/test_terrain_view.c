/* Terrain views through the real binary on DEMs made here: a DEM whose
 * nodata edge was smeared by resampling still completes a view far from
 * the edge (with the warning about implausible elevations), a DEM resampled
 * up from coarse data stops refining at the source's spacing, and the tile
 * cache keeps under the scene's "cache_mb". */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <math.h>

static double num(json_object *o, const char *path)
{
    char key[64];
    const char *dot = strchr(path, '.');
    if (!dot) {
        json_object *v;
        return json_object_object_get_ex(o, path, &v) ? json_object_get_double(v) : NAN;
    }
    snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
    json_object *sub;
    return json_object_object_get_ex(o, key, &sub) ? num(sub, dot + 1) : NAN;
}

/* Writes an n x n Float32 DEM with `pixel` m pixels (nodata -9999, with
 * overviews) whose heights are z(i, j, user). */
static void write_dem(const char *path, int n, double pixel, double (*z)(int, int, const void *),
                      const void *user)
{
    char *opts[] = {"TILED=YES", "COMPRESS=DEFLATE", NULL};
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, n, n, 1, GDT_Float32, opts);
    TW_CHECK(ds != NULL);
    if (!ds) return;
    tw_run_georef(ds, (double[6]){190000, pixel, 0, 560000, 0, -pixel}, 5186);
    GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), -9999);
    float *row = malloc((size_t)n * sizeof *row);
    for (int j = 0; j < n && row; j++) {
        for (int i = 0; i < n; i++) row[i] = (float)z(i, j, user);
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, j, n, 1, row, n, 1,
                              GDT_Float32, 0, 0) == CE_None);
    }
    free(row);
    int levels[] = {2, 4, 8, 16};
    TW_CHECK(GDALBuildOverviews(ds, "NEAREST", 4, levels, 0, NULL, NULL, NULL) == CE_None);
    GDALClose(ds);
}

/* Coarse 60 m heights, -9999 (nodata) east of column 34 and south of row 36. */
#define COARSE   40
#define COARSE_M 60.0
static double coarse(int i, int j)
{
    if (i >= 34 || j >= 36) return -9999;
    return 150 + 90 * sin(i * 0.45) * cos(j * 0.37) + 25 * sin(i * 1.3 + j * 0.9);
}

/* The coarse heights resampled bilinearly to `ratio` times finer pixels
 * without telling the resampler about nodata: the edge smears from -9999
 * up to the ground, as gdalwarp -r bilinear without -srcnodata does. */
static double upsampled(int i, int j, const void *user)
{
    int ratio = *(const int *)user;
    double u = (i + 0.5) / ratio - 0.5, v = (j + 0.5) / ratio - 0.5;
    u = fmin(fmax(u, 0), COARSE - 1.001), v = fmin(fmax(v, 0), COARSE - 1.001);
    int i0 = (int)u, j0 = (int)v;
    double fu = u - i0, fv = v - j0;
    double a = coarse(i0, j0), b = coarse(i0 + 1, j0), c = coarse(i0, j0 + 1),
           d = coarse(i0 + 1, j0 + 1);
    /* Past the smear, nodata proper. */
    if (a == -9999 && b == -9999 && c == -9999 && d == -9999) return -9999;
    return (a * (1 - fu) + b * fu) * (1 - fv) + (c * (1 - fu) + d * fu) * fv;
}

static json_object *run_view(const char *scene, const char *tag, const char *env, char **err_text)
{
    char rep[512], err[512], args[2000];
    snprintf(rep, sizeof rep, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    snprintf(args, sizeof args,
             "--headless --size 1280x720 --load-cap-s 30 --bookmark street --report '%s' '%s'", rep,
             scene);
    if (env) setenv("CITYTWIN_TERRAIN_CACHE_MB", env, 1);
    int rc = tw_run_citytwin(args, err);
    if (env) unsetenv("CITYTWIN_TERRAIN_CACHE_MB");
    TW_CHECK_MSG(rc == 0, "%s: exit %d", tag, rc);
    *err_text = tw_run_read_text(err);
    return tw_run_load_json(rep);
}

static void write_scene(const char *path, const char *dem, const char *extra)
{
    FILE *f = fopen(path, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    /* Street level in the north-west, 1.5 km from the smeared edges,
     * looking across the DEM towards them. */
    fprintf(f,
            "{ \"name\": \"view\", \"terrain\": { \"source\": \"%s\"%s },\n"
            "  \"bookmarks\": [ { \"name\": \"street\", \"eye\": [190500, 559300, 420],"
            " \"target\": [191200, 558400, 150] } ] }\n",
            dem, extra);
    fclose(f);
}

static void test_smeared_edge_view_completes(void)
{
    char dem[512], scene[512];
    snprintf(dem, sizeof dem, "%s/smeared.tif", tw_run_tmpdir());
    snprintf(scene, sizeof scene, "%s/smeared.json", tw_run_tmpdir());
    int ratio = 30; /* 2 m pixels from 60 m data */
    write_dem(dem, COARSE * ratio, COARSE_M / ratio, upsampled, &ratio);
    write_scene(scene, "smeared.tif", "");
    char *err = NULL;
    json_object *r = run_view(scene, "smeared", NULL, &err);
    TW_CHECK(r != NULL);
    if (r) {
        TW_CHECK_MSG(num(r, "terrain.complete") == 1, "view not complete: %g tiles drawn, %g read",
                     num(r, "terrain.tiles_drawn"), num(r, "terrain.tiles_loaded_first_view"));
        TW_CHECK(num(r, "complete_frame_ms") > 0);
        /* The levels stop at the 60 m source: no finer tile is read. */
        TW_CHECK_MSG(num(r, "terrain.detail_m") > 30, "detail %g m", num(r, "terrain.detail_m"));
        TW_CHECK_MSG(num(r, "terrain.tiles_loaded_first_view") <= 64, "%g tiles read",
                     num(r, "terrain.tiles_loaded_first_view"));
    }
    TW_CHECK_MSG(err && strstr(err, "far below sea level"), "no smeared-nodata warning: %s",
                 err ? err : "");
    TW_CHECK_MSG(err && !strstr(err, "view not complete"), "%s", err ? err : "");
    free(err);
    json_object_put(r);
}

/* Real detail at every scale (no resampling), so the view refines deep. */
static double rough(int i, int j, const void *user)
{
    (void)user;
    double x = i * 2.0, y = j * 2.0;
    return 200 + 120 * sin(x / 700) * cos(y / 900) + 15 * sin(x / 37 + y / 53) +
           3 * sin(x / 5.3) * cos(y / 4.1) + 0.7 * sin(x / 1.9 + y / 2.3);
}

static void test_cache_stays_under_cap(void)
{
    char dem[512], scene[512];
    snprintf(dem, sizeof dem, "%s/rough.tif", tw_run_tmpdir());
    snprintf(scene, sizeof scene, "%s/rough.json", tw_run_tmpdir());
    write_dem(dem, 2400, 2.0, rough, NULL);
    /* Without a cap the view's tiles take more than 4 MB... */
    write_scene(scene, "rough.tif", "");
    char *err = NULL;
    json_object *r = run_view(scene, "rough_free", NULL, &err);
    double free_bytes = r ? num(r, "terrain.resident_bytes") : 0;
    TW_CHECK_MSG(free_bytes > 4 * 1048576.0, "uncapped view holds %.1f MB", free_bytes / 1048576);
    TW_CHECK(r && num(r, "terrain.error_scale") == 1);
    free(err);
    json_object_put(r);

    /* ... with "cache_mb": 4 the cache keeps under 4 MB (and a tile), the view is drawn
     * coarser and says so, and it completes. */
    write_scene(scene, "rough.tif", ", \"cache_mb\": 4");
    r = run_view(scene, "rough_capped", NULL, &err);
    TW_CHECK(r != NULL);
    if (r) {
        /* The tiles one frame draws are never evicted: the cache may pass
         * the cap by a tile until the next frame draws coarser. */
        double tile = num(r, "terrain.resident_bytes") / num(r, "terrain.tiles_resident");
        TW_CHECK_MSG(num(r, "terrain.resident_bytes") <= 4 * 1048576.0 + tile, "%.2f MB resident",
                     num(r, "terrain.resident_bytes") / 1048576);
        TW_CHECK(num(r, "terrain.resident_bytes") > 0);
        TW_CHECK_MSG(num(r, "terrain.error_scale") > 1, "error scale %g",
                     num(r, "terrain.error_scale"));
        TW_CHECK(num(r, "terrain.complete") == 1);
    }
    TW_CHECK_MSG(err && strstr(err, "over the tile cache"), "%s", err ? err : "");
    free(err);
    json_object_put(r);

    /* The environment overrides the scene: 64 MB holds the whole view. */
    r = run_view(scene, "rough_env", "64", &err);
    TW_CHECK(r && num(r, "terrain.error_scale") == 1);
    TW_CHECK(r && num(r, "terrain.resident_bytes") > 4 * 1048576.0);
    free(err);
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    TW_RUN(test_smeared_edge_view_completes);
    TW_RUN(test_cache_stays_under_cap);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
