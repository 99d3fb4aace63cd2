/* The reference transverse Mercator against published numbers. */
#include "tm_ref.h"
#include "tw_test.h"

static void test_iogp_worked_example(void)
{
    /* IOGP Guidance Note 7-2 (Coordinate Conversions and Transformations),
     * Transverse Mercator worked example, OSGB 1936 / British National Grid:
     * 50°30'N 0°30'E -> E 577274.99, N 69740.50. The note computed them with
     * the older USGS series, good to about a centimetre; the Krüger series
     * (and PROJ) give 577274.984, 69740.492, so a centimetre is the test. */
    tm_ref_params bng = {6377563.396, 1 / 299.3249646, 49, -2, 0.9996012717, 400000, -100000};
    double x, y;
    tm_ref_forward(&bng, 0.5, 50.5, &x, &y);
    TW_CHECK_NEAR(x, 577274.99, 0.011);
    TW_CHECK_NEAR(y, 69740.50, 0.011);
    double lon, lat;
    tm_ref_inverse(&bng, 577274.99, 69740.50, &lon, &lat);
    TW_CHECK_NEAR(lon, 0.5, 1e-7);
    TW_CHECK_NEAR(lat, 50.5, 1e-7);
}

/* On the central meridian the northing is the meridian arc, which a plain
 * numerical integral gives independently of any series. */
static void test_central_meridian_is_the_meridian_arc(void)
{
    tm_ref_params p = tm_ref_epsg5186();
    double e2 = p.f * (2 - p.f);
    for (double lat = 33; lat <= 39.01; lat += 1.5) {
        const int steps = 20000;
        double a = p.lat0_deg * M_PI / 180, b = lat * M_PI / 180, h = (b - a) / steps, sum = 0;
        for (int i = 0; i <= steps; i++) {
            double phi = a + i * h, s = sin(phi);
            double rho = p.a * (1 - e2) / pow(1 - e2 * s * s, 1.5);
            sum += rho * (i == 0 || i == steps ? 1 : (i % 2 ? 4 : 2));
        }
        double arc = sum * h / 3, x, y;
        tm_ref_forward(&p, p.lon0_deg, lat, &x, &y);
        TW_CHECK_NEAR(x, p.fe, 1e-6);
        TW_CHECK_NEAR(y, p.fn + p.k0 * arc, 1e-4);
    }
}

static void test_origin_maps_to_false_origin(void)
{
    tm_ref_params p = tm_ref_epsg5186();
    double x, y;
    tm_ref_forward(&p, 127, 38, &x, &y);
    TW_CHECK_NEAR(x, 200000, 1e-6);
    TW_CHECK_NEAR(y, 600000, 1e-6);
}

static void test_round_trip_over_korea(void)
{
    tm_ref_params ps[2] = {tm_ref_epsg5186(), tm_ref_epsg5179()};
    double worst = 0;
    for (int k = 0; k < 2; k++)
        for (double lat = 33; lat <= 39; lat += 0.5)
            for (double lon = 124; lon <= 132; lon += 0.5) {
                double x, y, lo, la;
                tm_ref_forward(&ps[k], lon, lat, &x, &y);
                tm_ref_inverse(&ps[k], x, y, &lo, &la);
                worst = fmax(worst, fmax(fabs(lo - lon), fabs(la - lat)));
            }
    TW_CHECK_MSG(worst < 1e-9, "worst round-trip error %.3g degrees", worst);
}

int main(void)
{
    TW_RUN(test_iogp_worked_example);
    TW_RUN(test_central_meridian_is_the_meridian_arc);
    TW_RUN(test_origin_maps_to_false_origin);
    TW_RUN(test_round_trip_over_korea);
    return TW_TEST_END();
}
