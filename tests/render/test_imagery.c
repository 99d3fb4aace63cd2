/* Draped imagery through the real binary: an RGB GeoTIFF in EPSG:4326 over
 * a DEM in EPSG:5186 shows its colours where it lies (and the terrain's own
 * colours around it); bad imagery fails its own layer, never the terrain. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <ogr_srs_api.h>

/* The DEM: 4 km square, 10 m pixels, on the central meridian of EPSG:5186
 * (x 200000) where its grid is aligned with longitude. */
#define DEM_X0 198000.0
#define DEM_Y1 554000.0
#define DEM_N  400
#define DEM_PX 10.0

static char dem[512];

static void tmp_path(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tw_run_tmpdir(), name);
}

static void make_dem_named(const char *name, double roughness)
{
    tmp_path(name, dem, sizeof dem);
    GDALDatasetH ds =
        GDALCreate(GDALGetDriverByName("GTiff"), dem, DEM_N, DEM_N, 1, GDT_Float32, NULL);
    double gt[6] = {DEM_X0, DEM_PX, 0, DEM_Y1, 0, -DEM_PX};
    GDALSetGeoTransform(ds, gt);
    tw_run_georef(ds, NULL, 5186);
    float row[DEM_N];
    for (int j = 0; j < DEM_N; j++) {
        for (int i = 0; i < DEM_N; i++)
            row[i] = (float)(100 + 40 * sin(i / 37.0) * cos(j / 53.0) + j * 0.1 +
                             roughness * (((unsigned)(i * 7919 + j * 104729) % 1000) / 500.0 - 1));
        TW_CHECK(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, j, DEM_N, 1, row, DEM_N, 1,
                              GDT_Float32, 0, 0) == CE_None);
    }
    GDALClose(ds);
}

static void make_dem(void)
{
    make_dem_named("dem.tif", 0);
}

/* EPSG:4326 RGB imagery over the DEM's middle (1 km in from each edge):
 * the western half pure red, the eastern half pure blue; with 4 bands the
 * fourth is alpha, opaque over the red half only. */
static void make_imagery(const char *path, int bands, int epsg)
{
    OGRSpatialReferenceH s5186 = OSRNewSpatialReference(NULL), wgs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(s5186, 5186);
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(s5186, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(s5186, wgs);
    double x[2] = {DEM_X0 + 1000, DEM_X0 + DEM_N * DEM_PX - 1000};
    double y[2] = {DEM_Y1 - DEM_N * DEM_PX + 1000, DEM_Y1 - 1000};
    TW_CHECK(ct && OCTTransform(ct, 2, x, y, NULL));
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(s5186);
    OSRDestroySpatialReference(wgs);
    const int n = 200;
    char *rgba[] = {"PHOTOMETRIC=RGB", "ALPHA=YES", NULL};
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, n, n, bands, GDT_Byte,
                                 bands == 4 ? rgba : NULL);
    double gt[6] = {x[0], (x[1] - x[0]) / n, 0, y[1], 0, -(y[1] - y[0]) / n};
    GDALSetGeoTransform(ds, gt);
    if (epsg) tw_run_georef(ds, NULL, epsg);
    unsigned char row[200];
    for (int b = 1; b <= bands; b++)
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++)
                row[i] = bands < 3 ? 128
                         : b == 1  ? (i < n / 2 ? 255 : 0)
                         : b == 3  ? (i < n / 2 ? 0 : 255)
                         : b == 4  ? (i < n / 2 ? 255 : 0) /* alpha: the blue half transparent */
                                   : 0;
            TW_CHECK(GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, j, n, 1, row, n, 1,
                                  GDT_Byte, 0, 0) == CE_None);
        }
    GDALClose(ds);
}

static void write_scene(const char *path, const char *imagery)
{
    FILE *f = fopen(path, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{ \"name\": \"Imagery\", \"terrain\": { \"source\": \"%s\" },\n", dem);
    if (imagery)
        fprintf(f, "  \"imagery\": { \"source\": \"%s\", \"attribution\": \"Test ortho\" },\n",
                imagery);
    fprintf(f, "  \"bookmarks\": [ { \"name\": \"down\", \"eye\": [200000, 551900, 5200],"
               " \"target\": [200000, 552000, 100] },\n"
               "    { \"name\": \"low\", \"eye\": [200000, 550200, 700],"
               " \"target\": [200000, 552000, 100] } ] }\n");
    fclose(f);
}

typedef struct outcome {
    int rc;
    char *err;
    json_object *report;
    tw_image img;
} outcome;

static outcome run_at(const char *tag, const char *imagery, const char *bookmark)
{
    char scene[512], png[512], rep[512], err[512], args[2400];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.json.report", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    write_scene(scene, imagery);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 640x360 --bookmark %s --snapshot '%s' "
             "--report '%s' '%s'",
             bookmark, png, rep, scene);
    outcome o = {0};
    o.rc = tw_run_citytwin(args, err);
    o.err = tw_run_read_text(err);
    o.report = tw_run_load_json(rep);
    TW_CHECK_MSG(tw_img_load(png, &o.img), "%s: no picture", tag);
    return o;
}

static outcome run(const char *tag, const char *imagery)
{
    return run_at(tag, imagery, "down");
}

static void done(outcome *o)
{
    free(o->err);
    json_object_put(o->report);
    tw_image_free(&o->img);
}

static const char *field(json_object *layer, const char *key)
{
    json_object *v;
    return layer && json_object_object_get_ex(layer, key, &v) && v ? json_object_get_string(v) : "";
}

static double terrain_num(json_object *report, const char *key)
{
    json_object *t, *v;
    return report && json_object_object_get_ex(report, "terrain", &t) &&
                   json_object_object_get_ex(t, key, &v)
               ? json_object_get_double(v)
               : NAN;
}

typedef enum { RED, BLUE } hue;

/* Share of pixels in columns [x0, x1) and rows [y0, y1) (fractions of the
 * picture) that are strongly of a hue. */
static double share(const tw_image *img, double x0, double x1, double y0, double y1, hue h)
{
    if (!img->pixels) return 0;
    long n = 0, hit = 0;
    for (int y = (int)(y0 * img->height); y < (int)(y1 * img->height); y++)
        for (int x = (int)(x0 * img->width); x < (int)(x1 * img->width); x++) {
            const unsigned char *p = img->pixels + ((size_t)y * img->width + x) * 4;
            int r = p[0], g = p[1], b = p[2];
            n++;
            if (h == RED) hit += r > 150 && g < 60 && b < 60;
            if (h == BLUE) hit += b > 150 && r < 60 && g < 60;
        }
    return n ? (double)hit / n : 0;
}

/* Mean absolute difference (0-255, over RGB) of two pictures in a region. */
static double region_mad(const tw_image *a, const tw_image *b, double x0, double x1, double y0,
                         double y1)
{
    if (!a->pixels || !b->pixels || a->width != b->width || a->height != b->height) return 255;
    double sum = 0;
    long n = 0;
    for (int y = (int)(y0 * a->height); y < (int)(y1 * a->height); y++)
        for (int x = (int)(x0 * a->width); x < (int)(x1 * a->width); x++) {
            size_t k = ((size_t)y * a->width + x) * 4;
            for (int c = 0; c < 3; c++) sum += abs(a->pixels[k + c] - b->pixels[k + c]);
            n += 3;
        }
    return n ? sum / n : 255;
}

/* Column of the middle row where red turns to blue, or -1. */
static int red_blue_edge(const tw_image *img)
{
    if (!img->pixels) return -1;
    const unsigned char *row = img->pixels + (size_t)(img->height / 2) * img->width * 4;
    for (int x = 1; x < img->width; x++) {
        const unsigned char *l = row + (x - 1) * 4, *r = row + x * 4;
        if (l[0] > l[2] && r[2] > r[0]) return x;
    }
    return -1;
}

/* The same scene without imagery, rendered once. */
static tw_image plain;

static void test_imagery_drapes_in_its_own_crs(void)
{
    char img[512];
    tmp_path("ortho_4326.tif", img, sizeof img);
    make_imagery(img, 3, 4326);
    outcome p = run("plain", NULL);
    TW_CHECK(p.rc == 0);
    TW_CHECK(tw_run_layer(p.report, "imagery") == NULL);
    TW_CHECK(terrain_num(p.report, "imagery_tiles") == 0);
    TW_CHECK(share(&p.img, 0, 1, 0, 1, RED) < 0.001 && share(&p.img, 0, 1, 0, 1, BLUE) < 0.001);
    plain = p.img;
    p.img = (tw_image){0};
    done(&p);

    outcome o = run("drape", img);
    TW_CHECK_MSG(o.rc == 0, "exit %d: %s", o.rc, o.err ? o.err : "");
    json_object *t = tw_run_layer(o.report, "terrain"), *im = tw_run_layer(o.report, "imagery");
    TW_CHECK_STR(field(t, "status"), "ok");
    TW_CHECK_STR(field(im, "status"), "ok");
    TW_CHECK_MSG(atol(field(im, "features")) == 200 * 200, "features %s", field(im, "features"));
    TW_CHECK_STR(field(im, "attribution"), "Test ortho");
    TW_CHECK(terrain_num(o.report, "imagery_tiles") >= 1);
    /* The imagery covers the middle 2 km of the 4 km DEM (picture columns
     * ~0.37-0.63): red west of the centre line, blue east of it. */
    double red_l = share(&o.img, 0.39, 0.48, 0.35, 0.65, RED);
    double blue_r = share(&o.img, 0.52, 0.61, 0.35, 0.65, BLUE);
    double red_r = share(&o.img, 0.52, 0.61, 0.35, 0.65, RED);
    double blue_l = share(&o.img, 0.39, 0.48, 0.35, 0.65, BLUE);
    TW_CHECK_MSG(red_l > 0.95, "red on the left %.3f", red_l);
    TW_CHECK_MSG(blue_r > 0.95, "blue on the right %.3f", blue_r);
    TW_CHECK_MSG(red_r < 0.01 && blue_l < 0.01, "red right %.3f, blue left %.3f", red_r, blue_l);
    /* The red/blue line is longitude 127 E, x 200000 in EPSG:5186: the
     * picture's centre column, under the camera (a pixel is ~12 m). */
    int edge = red_blue_edge(&o.img);
    TW_CHECK_MSG(abs(edge - o.img.width / 2) <= 2, "red/blue edge at column %d of %d", edge,
                 o.img.width);
    /* Beyond the imagery's edges the terrain has its own colours. */
    double mad_w = region_mad(&o.img, &plain, 0.25, 0.34, 0.3, 0.7);
    double mad_e = region_mad(&o.img, &plain, 0.66, 0.75, 0.3, 0.7);
    TW_CHECK_MSG(mad_w < 1 && mad_e < 1, "off the imagery differs by %.2f / %.2f", mad_w, mad_e);
    json_object *log;
    TW_CHECK(json_object_object_get_ex(o.report, "log", &log) &&
             json_object_get_int(json_object_object_get(log, "errors")) == 0);
    done(&o);
}

/* Error lines on stderr: exactly one, naming the file and the reason. */
static int error_lines(const char *text, const char *file, const char *reason)
{
    int n = 0;
    for (const char *p = text; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        if (strstr(line, "error")) {
            n++;
            TW_CHECK_MSG(strstr(line, file) && strstr(line, reason), "line '%s' lacks '%s'/'%s'",
                         line, file, reason);
        }
        p = end ? end + 1 : NULL;
    }
    return n;
}

static void test_alpha_band_shows_the_terrain(void)
{
    char img[512];
    tmp_path("ortho_rgba.tif", img, sizeof img);
    make_imagery(img, 4, 4326);
    outcome o = run("alpha", img);
    TW_CHECK(o.rc == 0);
    TW_CHECK_STR(field(tw_run_layer(o.report, "imagery"), "status"), "ok");
    double red_l = share(&o.img, 0.39, 0.48, 0.35, 0.65, RED);
    double mad_e = region_mad(&o.img, &plain, 0.52, 0.75, 0.3, 0.7);
    TW_CHECK_MSG(red_l > 0.95, "red on the left %.3f", red_l);
    TW_CHECK_MSG(mad_e < 1, "the transparent half differs from the terrain by %.2f", mad_e);
    done(&o);
}

static void expect_imagery_error(const char *tag, const char *path, const char *file,
                                 const char *reason)
{
    outcome o = run(tag, path);
    TW_CHECK_MSG(o.rc == 0, "%s: exit %d", tag, o.rc);
    TW_CHECK_MSG(error_lines(o.err, file, reason) == 1, "%s: stderr was: %s", tag,
                 o.err ? o.err : "");
    json_object *t = tw_run_layer(o.report, "terrain"), *im = tw_run_layer(o.report, "imagery");
    TW_CHECK_STR(field(t, "status"), "ok");
    TW_CHECK_STR(field(im, "status"), "error");
    TW_CHECK_MSG(strstr(field(im, "error"), reason) != NULL, "%s: report error '%s'", tag,
                 field(im, "error"));
    TW_CHECK_MSG(strstr(field(im, "source"), file) != NULL, "%s: source '%s'", tag,
                 field(im, "source"));
    TW_CHECK(terrain_num(o.report, "imagery_tiles") == 0);
    /* The terrain shows just as it does without imagery (below the HUD's
     * error line). */
    double mad = region_mad(&o.img, &plain, 0.2, 0.8, 0.2, 0.75);
    TW_CHECK_MSG(mad < 0.5, "%s: picture differs from the scene without imagery by %.2f", tag, mad);
    done(&o);
}

static void test_bad_imagery_fails_only_its_layer(void)
{
    char path[512];
    expect_imagery_error("missing", "no_such_ortho.tif", "no_such_ortho.tif", "file not found");
    tmp_path("gray.tif", path, sizeof path);
    make_imagery(path, 1, 4326);
    expect_imagery_error("oneband", path, "gray.tif", "at least 3 needed");
    tmp_path("nocrs.tif", path, sizeof path);
    make_imagery(path, 3, 0);
    expect_imagery_error("nocrs", path, "nocrs.tif", "no coordinate reference system");
}

/* A COG cut short: its header opens, tile reads past the cut fail. */
static void make_cut_imagery(const char *src, const char *dst, double keep)
{
    char cog[600], cmd[3200];
    snprintf(cog, sizeof cog, "%s.cog.tif", dst);
    snprintf(cmd, sizeof cmd,
             "gdal_translate -q -of COG -co BLOCKSIZE=128 -co COMPRESS=NONE -co OVERVIEWS=NONE "
             "'%s' '%s' && size=$(stat -c %%s '%s') && head -c $(( size * %d / 1000 )) '%s' > '%s'",
             src, cog, cog, (int)(keep * 1000), cog, dst);
    TW_CHECK(tw_run_shell(cmd) == 0);
}

/* Imagery whose every tile read fails is an error, not "ok" with skips;
 * one that fails in part is ok, with the counts and a warning on screen. */
static void test_unreadable_imagery_is_reported(void)
{
    char src[512], none[512], part[512];
    tmp_path("ortho_src.tif", src, sizeof src);
    tmp_path("ortho_none.tif", none, sizeof none);
    tmp_path("ortho_part.tif", part, sizeof part);
    make_imagery(src, 3, 4326);
    make_cut_imagery(src, none, 0.01);
    make_cut_imagery(src, part, 0.55);
    outcome o = run("cut_none", none);
    TW_CHECK(o.rc == 0);
    json_object *im = tw_run_layer(o.report, "imagery");
    TW_CHECK_STR(field(tw_run_layer(o.report, "terrain"), "status"), "ok");
    TW_CHECK_STR(field(im, "status"), "error");
    TW_CHECK_MSG(strstr(field(im, "error"), "no tile could be read"), "error '%s'",
                 field(im, "error"));
    done(&o);
    /* Low and close over rough ground: several terrain tiles, some over the
     * part that reads. */
    char smooth[sizeof dem];
    snprintf(smooth, sizeof smooth, "%s", dem);
    make_dem_named("dem_rough.tif", 8);
    o = run_at("cut_part", part, "low");
    snprintf(dem, sizeof dem, "%s", smooth);
    TW_CHECK(o.rc == 0);
    im = tw_run_layer(o.report, "imagery");
    TW_CHECK_STR(field(im, "status"), "ok");
    TW_CHECK_MSG(strstr(field(im, "warning"), "could not be read"), "warning '%s'",
                 field(im, "warning"));
    TW_CHECK(terrain_num(o.report, "imagery_tiles") >= 1);
    done(&o);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    GDALAllRegister();
    make_dem();
    TW_RUN(test_imagery_drapes_in_its_own_crs);
    TW_RUN(test_alpha_band_shows_the_terrain);
    TW_RUN(test_bad_imagery_fails_only_its_layer);
    TW_RUN(test_unreadable_imagery_is_reported);
    tw_image_free(&plain);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
