/* The measure kind through the real binary, driven by scene keys: the
 * report's distances and areas against PROJ on lon/lat this test makes
 * itself (1 mm per km), a Yeouido tower's height from the obstacles
 * service, the height difference to the ground beside it, and lines of
 * sight over Namsan with their profiles. */
#include "tw_run.h"
#include "tw_test.h"

#include <gdal.h>
#include <geodesic.h>
#include <math.h>
#include <ogr_srs_api.h>

static char dem[1024], yeouido[1024];

static json_object *named(json_object *report, const char *name)
{
    json_object *ls = tw_run_get(report, "layers");
    for (size_t i = 0; ls && i < json_object_array_length(ls); i++) {
        json_object *l = json_object_array_get_idx(ls, i);
        const char *n = json_object_get_string(tw_run_get(l, "name"));
        if (n && strcmp(n, name) == 0) return l;
    }
    return NULL;
}

/* Geodesic length of a scene polyline through OGR and PROJ here. */
static double geodesic(const double *xy, int n, double *area)
{
    OGRSpatialReferenceH tm = OSRNewSpatialReference(NULL), ll = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(tm, 5186);
    OSRImportFromEPSG(ll, 4326);
    OSRSetAxisMappingStrategy(tm, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(tm, ll);
    double x[16], y[16], s = 0;
    for (int i = 0; i < n; i++) x[i] = xy[2 * i], y[i] = xy[2 * i + 1];
    OCTTransform(ct, n, x, y, NULL);
    struct geod_geodesic g;
    geod_init(&g, 6378137, 1 / 298.257223563);
    for (int i = 0; i + 1 < n; i++) {
        double d, a1, a2;
        geod_inverse(&g, y[i], x[i], y[i + 1], x[i + 1], &d, &a1, &a2);
        s += d;
    }
    if (area) {
        double p;
        geod_polygonarea(&g, y, x, n, area, &p);
    }
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(tm);
    OSRDestroySpatialReference(ll);
    return s;
}

static void test_report(void)
{
    static const double line[6] = {198957, 550187, 202441, 544271, 209500, 546000};
    static const double sq[8] = {209000, 545000, 210000, 545000, 210000, 546000, 209000, 546000};
    char scene[512], rep[512], err[512], args[2000], text[6000];
    snprintf(scene, sizeof scene, "%s/measure.json", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/measure.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/measure.err", tw_run_tmpdir());
    snprintf(text, sizeof text,
             "{ \"name\": \"measure\", \"crs\": \"EPSG:5186\",\n"
             "  \"terrain\": { \"source\": \"%s\" },\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\" },\n"
             "    { \"kind\": \"measure\", \"name\": \"d\", \"mode\": \"distance\",\n"
             "      \"points\": [[%g, %g], [%g, %g], [%g, %g]] },\n"
             "    { \"kind\": \"measure\", \"name\": \"a\", \"mode\": \"area\",\n"
             "      \"points\": [[%g, %g], [%g, %g], [%g, %g], [%g, %g]] },\n"
             "    { \"kind\": \"measure\", \"name\": \"h\", \"mode\": \"height\",\n"
             "      \"points\": [[193567.6, 547460.9], [193300, 546500]] },\n"
             "    { \"kind\": \"measure\", \"name\": \"s1\", \"mode\": \"sight\",\n"
             "      \"points\": [[196000, 550187], [201500, 550187]] },\n"
             "    { \"kind\": \"measure\", \"name\": \"s2\", \"mode\": \"sight\", "
             "\"observer_height_m\": "
             "600, \"target_height_m\": 30,\n"
             "      \"points\": [[196000, 550187], [201500, 550187]] },\n"
             "    { \"kind\": \"measure\", \"name\": \"bad\", \"mode\": \"circle\" } ] }\n",
             dem, yeouido, line[0], line[1], line[2], line[3], line[4], line[5], sq[0], sq[1],
             sq[2], sq[3], sq[4], sq[5], sq[6], sq[7]);
    FILE *f = fopen(scene, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
    snprintf(args, sizeof args, "--headless --deterministic --size 320x180 --report '%s' '%s'", rep,
             scene);
    int rc = tw_run_citytwin(args, err);
    /* A bad mode is a scene error naming it: nothing loads. */
    TW_CHECK(rc != 0);
    char *e = tw_run_read_text(err);
    TW_CHECK(e && strstr(e, "\"mode\" must be one of"));
    free(e);
    /* Without it. */
    char *cut = strstr(text, ",\n    { \"kind\": \"measure\", \"name\": \"bad\"");
    TW_CHECK(cut != NULL);
    if (!cut) return;
    strcpy(cut, " ] }\n");
    f = fopen(scene, "w");
    fputs(text, f);
    fclose(f);
    rc = tw_run_citytwin(args, err);
    TW_CHECK(rc == 0);
    json_object *r = tw_run_load_json(rep);
    TW_CHECK(r != NULL);
    json_object *d = named(r, "d"), *a = named(r, "a"), *h = named(r, "h");
    json_object *s1 = named(r, "s1"), *s2 = named(r, "s2");
    double want = geodesic(line, 3, NULL);
    double planar =
        hypot(line[2] - line[0], line[3] - line[1]) + hypot(line[4] - line[2], line[5] - line[3]);
    printf("distance: plane %.4f geodesic %.4f (PROJ here %.4f)\n",
           tw_run_num(d, "distance_planar_m"), tw_run_num(d, "distance_geodesic_m"), want);
    TW_CHECK_NEAR(tw_run_num(d, "distance_planar_m"), planar, 1e-6);
    TW_CHECK_NEAR(tw_run_num(d, "distance_geodesic_m"), want, 1e-3 * want / 1000);
    double area = 0;
    geodesic(sq, 4, &area);
    printf("area: plane %.3f geodesic %.3f (PROJ here %.3f)\n", tw_run_num(a, "area_planar_m2"),
           tw_run_num(a, "area_geodesic_m2"), fabs(area));
    TW_CHECK_NEAR(tw_run_num(a, "area_planar_m2"), 1e6, 1e-6);
    TW_CHECK_NEAR(tw_run_num(a, "area_geodesic_m2"), fabs(area), 1e-2);
    /* Parc.1 Tower 1 (OSM height 322 m) and the ground south of it. */
    json_object *b = tw_run_get(h, "building_a");
    printf("tower: height %.1f top %.1f; ground b %.1f; difference %.1f\n",
           tw_run_num(b, "height_m"), tw_run_num(b, "top_m"), tw_run_num(h, "ground_b_m"),
           tw_run_num(h, "height_difference_m"));
    TW_CHECK_NEAR(tw_run_num(b, "height_m"), 322, 0.01);
    TW_CHECK(tw_run_num(h, "ground_b_m") > 0 && tw_run_num(h, "ground_b_m") < 40);
    TW_CHECK_NEAR(tw_run_num(h, "height_difference_m"),
                  tw_run_num(h, "ground_b_m") - tw_run_num(b, "top_m"), 1e-6);
    /* Across Namsan at 1.6 m: blocked by the slope ahead; from 600 m up to
     * a 30 m mast: clear. */
    json_object *v1 = tw_run_get(s1, "sight"), *v2 = tw_run_get(s2, "sight");
    TW_CHECK(v1 && !json_object_get_boolean(tw_run_get(v1, "visible")));
    TW_CHECK(tw_run_num(v1, "blocked_at_m") > 100 && tw_run_num(v1, "blocked_at_m") < 5000);
    TW_CHECK(v2 && json_object_get_boolean(tw_run_get(v2, "visible")));
    json_object *p = tw_run_get(s1, "profile");
    TW_CHECK(tw_run_num(p, "z_max_m") > 200); /* Namsan's top is on the way */
    TW_CHECK_NEAR(tw_run_num(p, "length_m"), 5500, 1e-6);
    json_object_put(r);
}

/* Footprints OGR repairs keep their new rings at the end of the layer's
 * arrays, their old ones unused between the others' (the points stay
 * where they were read): the obstacles service still finds each building
 * with its own height, the repaired bowtie in either lobe, and nothing
 * outside them. */
static void test_repaired_obstacles(void)
{
    char gj[512], scene[512], rep[512], err[512], args[2000], text[4000];
    snprintf(gj, sizeof gj, "%s/repaired.geojson", tw_run_tmpdir());
    snprintf(scene, sizeof scene, "%s/repaired.json", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/repaired.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/repaired.err", tw_run_tmpdir());
#define SQ(x, y, h)                                                                                \
    "{\"type\":\"Feature\",\"properties\":{\"height\":" #h "},\"geometry\":{\"type\":"             \
    "\"Polygon\",\"coordinates\":[[[" #x ",550000],[" #y ",550000],[" #y ",550030],[" #x           \
    ",550030],[" #x ",550000]]]}}"
    FILE *f = fopen(gj, "w");
    if (!f) return;
    fputs("{\"type\":\"FeatureCollection\",\"features\":[" SQ(
              200000, 200030,
              10) ","
                  /* A bowtie, 25 m: two triangles once valid. */
                  "{\"type\":\"Feature\",\"properties\":{\"height\":25},\"geometry\":{\"type\":"
                  "\"Polygon\",\"coordinates\":[[[200100,550000],[200140,550040],[200140,550000],"
                  "[200100,550040],[200100,550000]]]}}," SQ(200200, 200230,
                                                            40) "," SQ(200300, 200330, 55) "]}\n",
          f);
    fclose(f);
#undef SQ
    snprintf(text, sizeof text,
             "{ \"name\": \"repaired\", \"crs\": \"EPSG:5186\",\n"
             "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", "
             "\"source_crs\": \"EPSG:5186\" },\n"
             "    { \"kind\": \"measure\", \"name\": \"h1\", \"mode\": \"height\",\n"
             "      \"points\": [[200015, 550015], [200215, 550015]] },\n"
             "    { \"kind\": \"measure\", \"name\": \"h2\", \"mode\": \"height\",\n"
             "      \"points\": [[200315, 550015], [200105, 550020]] },\n"
             "    { \"kind\": \"measure\", \"name\": \"h3\", \"mode\": \"height\",\n"
             "      \"points\": [[200135, 550020], [200060, 550015]] } ] }\n",
             gj);
    f = fopen(scene, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
    snprintf(args, sizeof args, "--headless --deterministic --size 320x180 --report '%s' '%s'", rep,
             scene);
    TW_CHECK(tw_run_citytwin(args, err) == 0);
    json_object *r = tw_run_load_json(rep);
    TW_CHECK(r != NULL);
    if (!r) return;
    json_object *b = named(r, "repaired.geojson");
    TW_CHECK_MSG(tw_run_num(b, "repaired") == 1, "repaired %g", tw_run_num(b, "repaired"));
    static const char *const ms[3] = {"h1", "h2", "h3"};
    /* Heights at a and b of each: 0 where no building is expected. */
    static const double want[3][2] = {{10, 40}, {55, 25}, {25, 0}};
    for (int i = 0; i < 3; i++) {
        json_object *m = named(r, ms[i]);
        for (int k = 0; k < 2; k++) {
            json_object *hit = tw_run_get(m, k ? "building_b" : "building_a");
            printf("%s %c: %s %.1f\n", ms[i], "ab"[k], hit ? "building" : "none",
                   hit ? tw_run_num(hit, "height_m") : 0.0);
            if (want[i][k] > 0) {
                TW_CHECK_MSG(hit != NULL, "%s: no building at %c", ms[i], "ab"[k]);
                TW_CHECK_NEAR(tw_run_num(hit, "height_m"), want[i][k], 0.01);
            } else {
                TW_CHECK_MSG(hit == NULL, "%s: a building at %c", ms[i], "ab"[k]);
            }
        }
    }
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(dem, sizeof dem, "%s/assets/data/dem/seoul_dem.tif", src ? src : ".");
    snprintf(yeouido, sizeof yeouido,
             "%s/assets/data/buildings/seoul_yeouido_osm_buildings.geojson", src ? src : ".");
    GDALAllRegister();
    TW_RUN(test_report);
    TW_RUN(test_repaired_obstacles);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
