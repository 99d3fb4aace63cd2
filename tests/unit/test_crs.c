/* Coordinates: the scene transformation agrees to millimetres with an
 * independent transverse Mercator; a KOSTAT-style Bessel shapefile whose
 * .prj has no datum shift lands within 10 m of the WGS 84 original; a
 * geographic scene CRS becomes a local frame; unknown CRSs are errors. */
#include "geo_crs.h"
#include "geo_gdal.h"
#include "geo_vector.h"
#include "tm_ref.h"
#include "tw_log.h"
#include "tw_test.h"

#include <stdio.h>
#include <unistd.h>

static const double places[][2] = {
    {126.9779, 37.5663}, /* Seoul City Hall */
    {126.9882, 37.5512}, /* N Seoul Tower */
    {126.6050, 37.5330}, /* Cheongna, Incheon */
    {127.3845, 36.3504}, /* Daejeon */
    {128.6014, 35.8714}, /* Daegu */
    {129.0756, 35.1796}, /* Busan */
    {126.5312, 33.4996}, /* Jeju */
    {128.8961, 37.7519}, /* Gangneung */
};

static void check_frame(const char *crs, tm_ref_params p)
{
    geo_frame *f;
    geo_xform *xf;
    char err[256];
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = crs}, &f, err, sizeof err) == TW_OK);
    TW_CHECK(geo_xform_create_lonlat(f, &xf, err, sizeof err) == TW_OK);
    double worst = 0, worst_back = 0;
    for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
        double x = places[i][0], y = places[i][1], rx, ry;
        TW_CHECK(geo_xform_to_scene(xf, 1, &x, &y, NULL) == 1);
        tm_ref_forward(&p, places[i][0], places[i][1], &rx, &ry);
        worst = fmax(worst, hypot(x - rx, y - ry));
        double lon = x, lat = y;
        TW_CHECK(geo_xform_from_scene(xf, 1, &lon, &lat, NULL) == 1);
        worst_back = fmax(worst_back, fmax(fabs(lon - places[i][0]), fabs(lat - places[i][1])));
    }
    TW_CHECK_MSG(worst < 0.001, "%s: worst difference to the reference %.6f m", crs, worst);
    TW_CHECK_MSG(worst_back < 1e-9, "%s: round trip %.3g deg", crs, worst_back);
    geo_xform_destroy(xf);
    geo_frame_destroy(f);
}

static void test_scene_crs_matches_reference_formulas(void)
{
    check_frame("EPSG:5186", tm_ref_epsg5186());
    check_frame("EPSG:5179", tm_ref_epsg5179());
    /* A known point: Seoul City Hall in EPSG:5186 (computed by the reference). */
    tm_ref_params p = tm_ref_epsg5186();
    double x, y;
    tm_ref_forward(&p, 126.9779, 37.5663, &x, &y);
    TW_CHECK(fabs(x - 198047.5) < 1 && fabs(y - 551862.8) < 1);
}

static void test_geographic_scene_becomes_local_frame(void)
{
    geo_frame *f;
    geo_xform *xf;
    char err[256];
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = "EPSG:4326",
                                                .has_center = true,
                                                .center_lon = 126.98,
                                                .center_lat = 37.57},
                              &f, err, sizeof err) == TW_OK);
    TW_CHECK(geo_frame_is_local(f));
    TW_CHECK(geo_xform_create_lonlat(f, &xf, err, sizeof err) == TW_OK);
    double x = 126.98, y = 37.57;
    geo_xform_to_scene(xf, 1, &x, &y, NULL);
    TW_CHECK_NEAR(x, 0, 1e-6);
    TW_CHECK_NEAR(y, 0, 1e-6);
    /* Metres: 0.01 degree of latitude is about 1109 m there. */
    double x2 = 126.98, y2 = 37.58;
    geo_xform_to_scene(xf, 1, &x2, &y2, NULL);
    TW_CHECK_NEAR(y2, 1109.6, 1.0);
    geo_xform_destroy(xf);
    geo_frame_destroy(f);
}

static void test_unknown_crs_is_an_error(void)
{
    geo_frame *f = NULL;
    char err[256] = "";
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = "EPSG:999999"}, &f, err, sizeof err) ==
             TW_ERR_CRS);
    TW_CHECK(f == NULL);
    TW_CHECK(strstr(err, "unknown CRS 'EPSG:999999'") != NULL);
    OGRSpatialReferenceH srs;
    TW_CHECK(geo_srs_from_text("+proj=nonsense", &srs, err, sizeof err) == TW_ERR_CRS);
}

/* The shape of KOSTAT's .prj files: Bessel 1841, central meridian 127°0'10.405",
 * and no TOWGS84, so PROJ knows of no datum shift. */
static const char *kostat_prj =
    "PROJCS[\"Korean_1985_Modified_Korea_Central_Belt\",GEOGCS[\"GCS_Bessel_1841\","
    "DATUM[\"D_Bessel_1841\",SPHEROID[\"Bessel_1841\",6377397.155,299.1528128]],"
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],"
    "PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"False_Easting\",200000.0],"
    "PARAMETER[\"False_Northing\",500000.0],PARAMETER[\"Central_Meridian\",127.0028902777778],"
    "PARAMETER[\"Scale_Factor\",1.0],PARAMETER[\"Latitude_Of_Origin\",38.0],UNIT[\"Meter\",1.0]]";

static void load(const char *path, const geo_frame *f, unsigned flags, geo_outlines *out)
{
    char err[512];
    geo_vector_desc d = {.path = path, .densify_m = 1e12, .xform_flags = flags};
    tw_result r = geo_vector_load_outlines(&d, f, out, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s: %s", path, err);
}

static double worst_offset(const geo_outlines *a, const geo_outlines *b)
{
    if (a->lines.vertex_count != b->lines.vertex_count) return INFINITY;
    double worst = 0;
    for (uint32_t i = 0; i < a->lines.vertex_count; i++) {
        double ax = a->lines.origin[0] + a->lines.positions[i * 3];
        double ay = a->lines.origin[1] + a->lines.positions[i * 3 + 1];
        double bx = b->lines.origin[0] + b->lines.positions[i * 3];
        double by = b->lines.origin[1] + b->lines.positions[i * 3 + 1];
        worst = fmax(worst, hypot(ax - bx, ay - by));
    }
    return worst;
}

static void test_kostat_bessel_shapefile_aligns(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char wgs[1024];
    snprintf(wgs, sizeof wgs, "%s/assets/data/admin/seoul_gu_2018.geojson", src ? src : ".");
    if (access(wgs, R_OK) != 0) TW_SKIP("%s is missing", wgs);
    if (system("command -v ogr2ogr >/dev/null 2>&1") != 0)
        TW_SKIP("ogr2ogr (gdal-bin) is not installed");
    char dir[] = "/tmp/citytwin-crs-XXXXXX";
    if (!mkdtemp(dir)) TW_SKIP("no temporary folder");
    char shp[256], prj[256], cmd[2048];
    snprintf(shp, sizeof shp, "%s/seoul_gu_bessel.shp", dir);
    snprintf(prj, sizeof prj, "%s/seoul_gu_bessel.prj", dir);
    /* Real Bessel coordinates (PROJ applies the Korean 1985 datum shift),
     * then a .prj that no longer says which datum. */
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=UTF-8 -t_srs EPSG:5174 '%s' '%s'", shp,
             wgs);
    TW_CHECK(system(cmd) == 0);
    /* The truth goes through the same shapefile writer (which turns outer
     * rings clockwise), so the two agree vertex for vertex. */
    char truth_shp[256];
    snprintf(truth_shp, sizeof truth_shp, "%s/seoul_gu_wgs84.shp", dir);
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=UTF-8 -t_srs EPSG:4326 '%s' '%s'",
             truth_shp, wgs);
    TW_CHECK(system(cmd) == 0);
    FILE *f = fopen(prj, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fputs(kostat_prj, f);
    fclose(f);

    geo_frame *frame;
    char err[256];
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) ==
             TW_OK);
    geo_outlines truth, fixed, naive;
    load(truth_shp, frame, 0, &truth);
    load(shp, frame, 0, &fixed);
    load(shp, frame, GEO_XFORM_NO_BESSEL_FIX, &naive);
    TW_CHECK(fixed.bessel_fixed && !truth.bessel_fixed);
    TW_CHECK(fixed.features == 25 && truth.features == 25);
    double good = worst_offset(&truth, &fixed), bad = worst_offset(&truth, &naive);
    fprintf(stderr, "Bessel shapefile vs WGS 84: %.2f m with the datum shift, %.0f m without\n",
            good, bad);
    TW_CHECK_MSG(good < 10, "with the Korean 1985 shift: %.2f m", good);
    TW_CHECK_MSG(bad > 100, "without it the data should be far off, got %.1f m", bad);
    geo_outlines_free(&truth);
    geo_outlines_free(&fixed);
    geo_outlines_free(&naive);
    geo_frame_destroy(frame);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    TW_CHECK(system(cmd) == 0);
}

int main(void)
{
    tw_log_init(TW_LOG_ERROR);
    geo_gdal_init(NULL);
    TW_RUN(test_scene_crs_matches_reference_formulas);
    TW_RUN(test_geographic_scene_becomes_local_frame);
    TW_RUN(test_unknown_crs_is_an_error);
    TW_RUN(test_kostat_bessel_shapefile_aligns);
    return TW_TEST_END();
}
