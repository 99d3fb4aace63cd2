/* Measurement against known geodesic values (GeographicLib's published
 * examples: JFK to Heathrow, pole to pole, the area of Antarctica, an
 * octant), scene distances and areas in Seoul against PROJ on lon/lat the
 * test transforms itself (1 mm per km), planar polygons, profiles and
 * lines of sight over a known surface. */
#include "geo_gdal.h"
#include "geo_measure.h"
#include "tw_test.h"

#include <geodesic.h>
#include <ogr_srs_api.h>

static void test_known_geodesics(void)
{
    double a1, a2;
    double s = geo_geodesic_inverse(40.6, -73.8, 51.6, -0.5, &a1, &a2);
    TW_CHECK_NEAR(s, 5551759.400318679, 1e-6);
    TW_CHECK_NEAR(a1, 51.19888284557982, 1e-9);
    TW_CHECK_NEAR(a2, 107.82177673551425, 1e-9);
    TW_CHECK_NEAR(geo_geodesic_inverse(90, 0, -90, 0, NULL, NULL), 20003931.458625447, 1e-6);
    static const double lat[] = {-72.9, -71.9, -74.9, -74.3, -77.5, -77.4, -71.7, -65.9, -65.7,
                                 -66.6, -66.9, -69.8, -70.0, -71.0, -77.3, -77.9, -74.7, -63.1};
    static const double lon[] = {-74, -102, -102, -131, -163, 163, 172, 140, 113,
                                 88,  59,   25,   -4,   -14,  -33, -46, -61, -58};
    double area, per;
    geo_geodesic_polygon(lat, lon, 18, &area, &per);
    TW_CHECK_NEAR(area, 13662703680020.1, 0.5);
    TW_CHECK_NEAR(per, 16831067.893, 1e-3);
    /* An octant: (0, 0), (0, 90), (90, 0), counter-clockwise. */
    geo_geodesic_polygon((const double[]){0, 0, 90}, (const double[]){0, 90, 0}, 3, &area, &per);
    TW_CHECK_NEAR(area, 63758202715511.06, 0.5);
}

static void test_planar(void)
{
    double a, p;
    geo_planar_polygon(
        (const double[]){200000, 550000, 201000, 550000, 201000, 551000, 200000, 551000}, 4, &a,
        &p);
    TW_CHECK_NEAR(a, 1e6, 1e-6);
    TW_CHECK_NEAR(p, 4000, 1e-9);
    /* Clockwise is negative. */
    geo_planar_polygon((const double[]){0, 0, 0, 10, 10, 0}, 3, &a, &p);
    TW_CHECK_NEAR(a, -50, 1e-12);
}

/* Scene points in Seoul (EPSG:5186) against PROJ on lon/lat made here. */
static void test_scene(void)
{
    char err[256];
    geo_frame *frame = NULL;
    TW_CHECK(geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) ==
             TW_OK);
    geo_measure *m = NULL;
    TW_CHECK(frame && geo_measure_create(frame, &m, err, sizeof err) == TW_OK);
    if (!m) goto done;
    OGRSpatialReferenceH tm = OSRNewSpatialReference(NULL), ll = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(tm, 5186);
    OSRImportFromEPSG(ll, 4326);
    OSRSetAxisMappingStrategy(tm, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(tm, ll);
    /* Namsan to Gangnam and on to Jamsil (about 13 km), and the same far
     * from the central meridian (Incheon, 60 km west). */
    static const double lines[2][6] = {{198957, 550187, 202441, 544271, 209500, 546000},
                                       {140000, 545000, 150000, 549000, 152000, 541000}};
    for (int k = 0; k < 2; k++) {
        geo_distance d;
        TW_CHECK(geo_measure_distance(m, lines[k], 3, &d) == TW_OK);
        double x[3], y[3], want = 0, planar = 0;
        for (int i = 0; i < 3; i++) x[i] = lines[k][2 * i], y[i] = lines[k][2 * i + 1];
        OCTTransform(ct, 3, x, y, NULL);
        struct geod_geodesic g;
        geod_init(&g, 6378137, 1 / 298.257223563);
        for (int i = 0; i < 2; i++) {
            double s, a1, a2;
            geod_inverse(&g, y[i], x[i], y[i + 1], x[i + 1], &s, &a1, &a2);
            want += s;
            planar += hypot(lines[k][2 * i + 2] - lines[k][2 * i],
                            lines[k][2 * i + 3] - lines[k][2 * i + 1]);
        }
        printf("line %d: planar %.4f m, geodesic %.4f m (PROJ here %.4f m)\n", k, d.planar_m,
               d.geodesic_m, want);
        TW_CHECK_NEAR(d.planar_m, planar, 1e-9);
        TW_CHECK_NEAR(d.geodesic_m, want, 1e-3 * want / 1000);
        /* Transverse Mercator scale: they differ, by more far from the meridian. */
        TW_CHECK(fabs(d.geodesic_m - d.planar_m) < 2e-4 * d.planar_m);
    }
    /* A 1 km square at Jamsil: planar 1 km², geodesic as PROJ says. */
    static const double sq[8] = {209000, 545000, 210000, 545000, 210000, 546000, 209000, 546000};
    geo_area a;
    TW_CHECK(geo_measure_area(m, sq, 4, &a) == TW_OK);
    double x[4], y[4], area, per;
    for (int i = 0; i < 4; i++) x[i] = sq[2 * i], y[i] = sq[2 * i + 1];
    OCTTransform(ct, 4, x, y, NULL);
    geo_geodesic_polygon(y, x, 4, &area, &per);
    printf("square: planar %.3f m², geodesic %.3f m² (PROJ here %.3f)\n", a.planar_m2,
           a.geodesic_m2, area);
    TW_CHECK_NEAR(a.planar_m2, 1e6, 1e-6);
    TW_CHECK_NEAR(a.geodesic_m2, fabs(area), 1e-3);
    TW_CHECK_NEAR(a.perimeter_geodesic_m, per, 1e-6);
    TW_CHECK_NEAR(a.geodesic_m2, 1e6, 1e3);
    TW_CHECK(geo_measure_area(m, sq, 2, &a) == TW_ERR_ARG);
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(tm);
    OSRDestroySpatialReference(ll);
done:
    geo_measure_destroy(m);
    geo_frame_destroy(frame);
}

/* A plane rising 1 m per 10 m eastwards, with a 50 m wall at x 500..510. */
static bool surface(void *user, double x, double y, double *z)
{
    (void)user, (void)y;
    if (x < -1000) return false;
    *z = x / 10 + (x >= 500 && x <= 510 ? 50 : 0);
    return true;
}

static void test_profile_and_sight(void)
{
    double d[64], z[64];
    int n = geo_profile((const double[]){0, 0, 100, 0, 100, 50}, 3, 25, surface, NULL, d, z, 64);
    /* 0 25 50 75 | 100 125 | 150 */
    TW_CHECK(n == 7);
    TW_CHECK_NEAR(d[4], 100, 1e-9);
    TW_CHECK_NEAR(d[6], 150, 1e-9);
    TW_CHECK_NEAR(z[3], 7.5, 1e-9);
    TW_CHECK_NEAR(z[6], 10, 1e-9);
    geo_sight s = geo_line_of_sight((const double[]){0, 0}, (const double[]){1000, 0}, 1.6, 0, 1,
                                    surface, NULL);
    TW_CHECK(!s.visible);
    TW_CHECK_NEAR(s.block_d, 500, 1.01);
    TW_CHECK_NEAR(s.z_from, 1.6, 1e-9);
    TW_CHECK_NEAR(s.z_to, 100, 1e-9);
    s = geo_line_of_sight((const double[]){0, 0}, (const double[]){400, 0}, 1.6, 0, 1, surface,
                          NULL);
    TW_CHECK(s.visible && s.block_d < 0);
    /* From high enough, over the wall. */
    s = geo_line_of_sight((const double[]){0, 0}, (const double[]){1000, 0}, 150, 0, 1, surface,
                          NULL);
    TW_CHECK(s.visible);
}

int main(void)
{
    geo_gdal_init(NULL);
    TW_RUN(test_known_geodesics);
    TW_RUN(test_planar);
    TW_RUN(test_scene);
    TW_RUN(test_profile_and_sight);
    geo_gdal_shutdown();
    return tw_test_failures ? 1 : 0;
}
