/* Sun position against an independent algorithm (the Astronomical
 * Almanac's low-precision formulae, Michalsky 1988) and the facts in
 * SUNLIGHT.md; sun hours with known answers: flat ground, a north wall, the
 * shadow of one box, a far ridge. */
#include "tw_sun.h"
#include "tw_sunhours.h"
#include "tw_test.h"

#define PI        3.14159265358979323846
#define SEOUL_LAT 37.5665
#define SEOUL_LON 126.9780

/* The Astronomical Almanac's sun (Michalsky 1988): true elevation, azimuth. */
static void aa_sun(double epoch, double lat, double lon, double *az, double *el)
{
    double n = epoch / 86400.0 + 2440587.5 - 2451545.0;
    double ut = fmod(epoch / 3600.0, 24.0);
    double L = fmod(280.460 + 0.9856474 * n, 360.0), g = fmod(357.528 + 0.9856003 * n, 360.0);
    double lam = (L + 1.915 * sin(g * PI / 180) + 0.020 * sin(2 * g * PI / 180)) * PI / 180;
    double eps = (23.439 - 0.0000004 * n) * PI / 180;
    double ra = atan2(cos(eps) * sin(lam), cos(lam));
    double dec = asin(sin(eps) * sin(lam));
    double gmst = fmod(6.697375 + 0.0657098242 * n + ut, 24.0);
    double ha = (gmst + lon / 15.0) * 15.0 * PI / 180 - ra;
    double phi = lat * PI / 180;
    *el = asin(sin(dec) * sin(phi) + cos(dec) * cos(phi) * cos(ha)) * 180 / PI;
    double a = atan2(-cos(dec) * sin(ha), sin(dec) * cos(phi) - cos(dec) * cos(ha) * sin(phi));
    *az = fmod(a * 180 / PI + 360.0, 360.0);
}

static void test_against_almanac(void)
{
    double worst_el = 0, worst_az = 0;
    int n = 0;
    /* Every 7 h 13 min through 2026, plus the years around, at three places. */
    const double places[3][2] = {{SEOUL_LAT, SEOUL_LON}, {35.18, 129.08}, {33.5, 126.5}};
    for (double t = 1735689600.0; t < 1735689600.0 + 3 * 365 * 86400.0; t += 7 * 3600 + 13 * 60)
        for (int k = 0; k < 3; k++) {
            tw_sun_pos p;
            tw_sun_position(t, places[k][0], places[k][1], &p);
            double az, el;
            aa_sun(t, places[k][0], places[k][1], &az, &el);
            if (el < 0.5 || el > 85) continue;
            double daz = fabs(fmod(p.azimuth_deg - az + 540.0, 360.0) - 180.0);
            worst_el = fmax(worst_el, fabs(p.true_elevation_deg - el));
            worst_az = fmax(worst_az, daz);
            n++;
        }
    fprintf(stderr, "  %d positions: worst |d elevation| %.4f deg, |d azimuth| %.4f deg\n", n,
            worst_el, worst_az);
    TW_CHECK(n > 1000);
    TW_CHECK(worst_el < 0.05);
    TW_CHECK(worst_az < 0.05);
}

/* Refraction against Bennett's formula (independent of NOAA's fit). */
static void test_refraction(void)
{
    for (double h = 5; h <= 80; h += 5) {
        double r = 1.0 / tan((h + 7.31 / (h + 4.4)) * PI / 180) / 60.0;
        TW_CHECK_NEAR(tw_sun_refraction_deg(h), r, 0.01);
    }
    TW_CHECK_NEAR(tw_sun_refraction_deg(0), 1735.0 / 3600, 1e-9); /* about 29' at the horizon */
    TW_CHECK(tw_sun_refraction_deg(89) == 0);
}

/* SUNLIGHT.md: Seoul, winter solstice: up about 07:44-17:16 KST,
 * culminating at about 29 degrees; summer solstice at about 76. Its
 * culmination times (12:35, 12:30) are rounded and the wrong way round:
 * mean noon at 126.98 E is 12:32.1 KST, and the equation of time moves it
 * to about 12:30.5 in December and 12:33.8 in June; the almanac's sun must
 * culminate at the same minute. */
static double aa_culmination(int y, int m, int d)
{
    double best = -90, best_h = 0;
    for (double h = 11.5; h < 13.5; h += 1.0 / 120) {
        double az, el;
        aa_sun(tw_sun_epoch(y, m, d, h, 9), SEOUL_LAT, SEOUL_LON, &az, &el);
        if (el > best) best = el, best_h = h;
    }
    return best_h;
}

static void test_seoul_facts(void)
{
    int m, d;
    tw_sun_winter_solstice(2026, 9, &m, &d);
    TW_CHECK(m == 12 && d == 22); /* 2026-12-21 20:50 UTC = 22 Dec 05:50 KST */
    tw_sun_winter_solstice(2025, 9, &m, &d);
    TW_CHECK(m == 12 && d == 22); /* 2025-12-21 15:03 UTC = 22 Dec 00:03 KST */
    double rise, set;
    TW_CHECK(tw_sun_rise_set(2026, 12, 22, 9, SEOUL_LAT, SEOUL_LON, &rise, &set));
    fprintf(stderr, "  2026-12-22 Seoul: sunrise %.2f min, sunset %.2f min after midnight KST\n",
            rise * 60, set * 60);
    TW_CHECK_NEAR(rise * 60, 7 * 60 + 44, 2);
    TW_CHECK_NEAR(set * 60, 17 * 60 + 16, 2);
    double best = -90, best_h = 0;
    for (double h = 11.5; h < 13.5; h += 1.0 / 120) {
        tw_sun_pos p;
        tw_sun_position(tw_sun_epoch(2026, 12, 22, h, 9), SEOUL_LAT, SEOUL_LON, &p);
        if (p.elevation_deg > best) best = p.elevation_deg, best_h = h;
    }
    TW_CHECK_NEAR(best_h * 60, aa_culmination(2026, 12, 22) * 60, 1);
    TW_CHECK_NEAR(best_h * 60, 12 * 60 + 30.5, 1);
    double dec_noon = best_h;
    /* 90 - 37.5665 - 23.44 plus ~1.7' of refraction */
    TW_CHECK_NEAR(best, 90 - SEOUL_LAT - 23.436 + 0.029, 0.05);
    best = -90;
    for (double h = 11.5; h < 13.5; h += 1.0 / 120) {
        tw_sun_pos p;
        tw_sun_position(tw_sun_epoch(2026, 6, 21, h, 9), SEOUL_LAT, SEOUL_LON, &p);
        if (p.elevation_deg > best) best = p.elevation_deg, best_h = h;
    }
    TW_CHECK_NEAR(best_h * 60, aa_culmination(2026, 6, 21) * 60, 1);
    TW_CHECK_NEAR(best_h * 60, 12 * 60 + 33.8, 1);
    TW_CHECK_NEAR(best, 76, 0.3);
    tw_sun_pos noon;
    tw_sun_position(tw_sun_epoch(2026, 12, 22, dec_noon, 9), SEOUL_LAT, SEOUL_LON, &noon);
    TW_CHECK_NEAR(noon.azimuth_deg, 180, 0.2);
}

static void test_time_parsing(void)
{
    double t, off;
    TW_CHECK(tw_sun_parse_time("2026-12-22T12:00:00+09:00", 0, &t, &off));
    TW_CHECK_NEAR(t, 1797908400.0, 1e-6);
    TW_CHECK_NEAR(off, 9, 0);
    TW_CHECK(tw_sun_parse_time("2026-12-22T03:00Z", 9, &t, &off));
    TW_CHECK_NEAR(t, 1797908400.0, 1e-6);
    TW_CHECK(tw_sun_parse_time("2026-12-22 12:00", 9, &t, &off)); /* local at the default */
    TW_CHECK_NEAR(t, 1797908400.0, 1e-6);
    TW_CHECK(!tw_sun_parse_time("2026-02-30T12:00", 9, &t, &off));
    TW_CHECK(!tw_sun_parse_time("2026-12-22", 9, &t, &off));
    TW_CHECK(!tw_sun_parse_time("2026-12-22T25:00", 9, &t, &off));
    TW_CHECK(!tw_sun_parse_time("2026-12-22T12:00+9", 9, &t, &off));
    TW_CHECK(!tw_sun_parse_time("noon", 9, &t, &off));
    TW_CHECK_NEAR(tw_sun_epoch(2000, 1, 1, 12, 0), 946728000.0, 1e-6);
    char buf[64];
    tw_sun_format(1797908400.0, 9, buf, sizeof buf);
    TW_CHECK_STR(buf, "2026-12-22T12:00:00+09:00");
    int y, m, d;
    TW_CHECK(tw_sun_parse_date("2024-02-29", &y, &m, &d) && d == 29);
    TW_CHECK(!tw_sun_parse_date("2023-02-29", &y, &m, &d));
    double h;
    TW_CHECK(tw_sun_parse_clock("08:30", &h) && fabs(h - 8.5) < 1e-12);
    TW_CHECK(!tw_sun_parse_clock("8:30", &h));
}

/* Steps of the solstice 08:00-16:00 every 5 min in Seoul, weighted as the
 * sun_hours layer does. */
/* Which engine the sun-hours tests run: the fast one (raised cells only)
 * or the full sweep; main runs them with both. */
static bool g_full;

static int solstice_steps(tw_sunhours_step *st, double from, double to, double step_min)
{
    int n = 0;
    double step_h = step_min / 60.0;
    for (double h = from; h <= to + 1e-9; h += step_h) {
        tw_sun_pos p;
        tw_sun_position(tw_sun_epoch(2026, 12, 22, h, 9), SEOUL_LAT, SEOUL_LON, &p);
        double a = fmax(h - step_h / 2, from), b = fmin(h + step_h / 2, to);
        st[n] = (tw_sunhours_step){
            .azimuth_deg = p.azimuth_deg,
            .elevation_deg = p.elevation_deg,
            .w_total = fmax(0, b - a),
            .w_8_16 = fmax(0, fmin(b, 16) - fmax(a, 8)),
            .w_9_15 = fmax(0, fmin(b, 15) - fmax(a, 9)),
        };
        n++;
    }
    return n;
}

static void test_flat_ground(void)
{
    tw_sunhours_step st[1000];
    int n = solstice_steps(st, 8, 16, 5);
    TW_CHECK(n == 97);
    float dsm[40 * 30];
    for (int i = 0; i < 40 * 30; i++) dsm[i] = 12.5f;
    tw_sunhours_result res[20 * 10];
    tw_sunhours_desc d = {.dsm = dsm,
                          .grid = {.x0 = 1000, .y0 = 2000, .dx = 2, .dy = 2, .nx = 40, .ny = 30},
                          .ax0 = 10,
                          .ay0 = 10,
                          .anx = 20,
                          .any = 10,
                          .steps = st,
                          .step_count = n,
                          .full_sweep = g_full};
    TW_CHECK(tw_sunhours_run(&d, res, NULL) == TW_OK);
    for (int i = 0; i < 200; i++) {
        TW_CHECK_NEAR(res[i].hours, 8, 1e-3);
        TW_CHECK_NEAR(res[i].cont_9_15, 6, 1e-3);
        TW_CHECK(res[i].pass);
    }
    /* Sun up at 07:44 and down at 17:16: 07:00-18:00 still gives 9.53 h at most. */
    n = solstice_steps(st, 7, 18, 1);
    d.step_count = n;
    TW_CHECK(tw_sunhours_run(&d, res, NULL) == TW_OK);
    TW_CHECK_NEAR(res[0].hours, 17 + 16 / 60.0 - (7 + 44 / 60.0), 2.0 / 60);
}

/* A 10 x 10 m box of height h standing at the middle of a 1 m grid. */
static void box_scene(float *dsm, int nx, int ny, double h, tw_obstacles **o)
{
    for (int i = 0; i < nx * ny; i++) dsm[i] = 0;
    double cx = nx / 2.0, cy = ny / 2.0;
    int ring_first[2] = {0, 1}, ring_start[2] = {0, 4};
    double xy[8] = {cx - 5, cy - 5, cx + 5, cy - 5, cx + 5, cy + 5, cx - 5, cy + 5};
    float base = 0, top = (float)h;
    long id = 42;
    tw_obstacles_desc od = {.count = 1,
                            .ring_first = ring_first,
                            .ring_start = ring_start,
                            .xy = xy,
                            .base = &base,
                            .top = &top,
                            .id = &id};
    TW_CHECK(tw_obstacles_create(&od, o) == TW_OK);
    tw_grid g = {.x0 = 0, .y0 = 0, .dx = 1, .dy = 1, .nx = nx, .ny = ny};
    TW_CHECK(tw_obstacles_rasterize(*o, &g, dsm) == 100);
}

static void test_box_shadow_length(void)
{
    enum { N = 240 };
    static float dsm[N * N];
    static tw_sunhours_result res[N * N];
    tw_obstacles *o = NULL;
    double h = 20;
    box_scene(dsm, N, N, h, &o);
    /* 10:00, 12:35 and 14:40 KST on the solstice: the sun at three azimuths. */
    const double hours[3] = {10.0, 12 + 35 / 60.0, 14 + 40 / 60.0};
    for (int k = 0; k < 3; k++) {
        tw_sun_pos p;
        tw_sun_position(tw_sun_epoch(2026, 12, 22, hours[k], 9), SEOUL_LAT, SEOUL_LON, &p);
        tw_sunhours_step st = {.azimuth_deg = p.azimuth_deg,
                               .elevation_deg = p.elevation_deg,
                               .w_total = 1,
                               .w_8_16 = 1,
                               .w_9_15 = 1};
        tw_sunhours_desc d = {.dsm = dsm,
                              .grid = {.x0 = 0, .y0 = 0, .dx = 1, .dy = 1, .nx = N, .ny = N},
                              .anx = N,
                              .any = N,
                              .steps = &st,
                              .step_count = 1,
                              .full_sweep = g_full};
        TW_CHECK(tw_sunhours_run(&d, res, NULL) == TW_OK);
        double az = p.azimuth_deg * PI / 180, ux = sin(az), uy = cos(az);
        double length = h / tan(p.elevation_deg * PI / 180);
        /* Along the ray from the box's centre away from the sun, the shadow
         * ends where the footprint ends plus h / tan(elevation). */
        double expect = 5 / fmax(fabs(ux), fabs(uy)) + length, tip = 0;
        for (double t = 0; t < 110; t += 0.1) {
            int i = (int)floor(N / 2.0 - ux * t), j = (int)floor(N / 2.0 - uy * t);
            if (i < 0 || j < 0 || i >= N || j >= N) break;
            if (res[j * N + i].hours == 0) tip = t;
        }
        fprintf(stderr, "  az %.1f el %.2f: shadow tip %.2f m, expected %.2f m\n", p.azimuth_deg,
                p.elevation_deg, tip, expect);
        TW_CHECK_NEAR(tip, expect, 1.0);
        /* The box's own roof is lit, the ground on the sun side too. */
        TW_CHECK(res[(N / 2) * N + N / 2].hours == 1);
        TW_CHECK(res[(int)(N / 2 + uy * 12) * N + (int)(N / 2 + ux * 12)].hours == 1);
    }
    tw_obstacles_release(o);
}

static void test_facades(void)
{
    enum { N = 120 };
    static float dsm[N * N];
    static tw_sunhours_result res[N * N];
    tw_obstacles *o = NULL;
    box_scene(dsm, N, N, 30, &o);
    tw_sunhours_step st[1000];
    int n = solstice_steps(st, 8, 16, 5);
    double area[4] = {0, 0, N, N};
    tw_facade_point *pts = NULL;
    int np = 0;
    TW_CHECK(tw_sunhours_facades(o, area, 3, 2, st, n, &pts, &np) == TW_OK);
    /* East, south and west walls face the solstice sun; north never does. */
    TW_CHECK(np == 3 * 10);
    for (int i = 0; i < np; i++) TW_CHECK(pts[i].ny < 0.5 && pts[i].id == 42);
    /* Add a north-facing point by hand: it must get 0 h. */
    tw_facade_point *all = realloc(pts, (size_t)(np + 1) * sizeof *all);
    TW_CHECK(all != NULL);
    if (!all) return;
    all[np] = (tw_facade_point){.x = N / 2.0,
                                .y = N / 2.0 + 5.05,
                                .z = 1.5,
                                .nx = 0,
                                .ny = 1,
                                .prism = 0,
                                .id = 42,
                                .floor = 1};
    tw_sunhours_result fr[31];
    tw_sunhours_desc d = {.dsm = dsm,
                          .grid = {.x0 = 0, .y0 = 0, .dx = 1, .dy = 1, .nx = N, .ny = N},
                          .anx = N,
                          .any = N,
                          .steps = st,
                          .step_count = n,
                          .points = all,
                          .point_count = np + 1,
                          .obstacles = o,
                          .full_sweep = g_full};
    TW_CHECK(tw_sunhours_run(&d, res, fr) == TW_OK);
    TW_CHECK(fr[np].hours == 0 && !fr[np].pass);
    for (int i = 0; i < np; i++) {
        if (all[i].ny < -0.9) { /* south wall: unobstructed, the sun all day */
            TW_CHECK_NEAR(fr[i].hours, 8, 1e-3);
            TW_CHECK(fr[i].pass);
        } else { /* east: morning only, west: afternoon only */
            TW_CHECK(fr[i].hours > 2 && fr[i].hours < 6);
        }
    }
    free(all);
    tw_obstacles_release(o);
}

/* A ridge 300 m high beyond the surface model, 2 km south: it shades the
 * area only while the sun is low. */
static void test_far_ridge(void)
{
    tw_heightfield hf = {0};
    TW_CHECK(tw_heightfield_alloc(&hf, 100, 100) == TW_OK);
    hf.x0 = -5000, hf.y0 = -5000, hf.dx = hf.dy = 100;
    for (int j = 0; j < 100; j++)
        for (int i = 0; i < 100; i++) hf.z[j * 100 + i] = (j == 30) ? 300.0f : 0.0f;
    float dsm[20 * 20] = {0};
    tw_sunhours_result res[20 * 20];
    tw_sun_pos noon, early;
    tw_sun_position(tw_sun_epoch(2026, 12, 22, 12.5, 9), SEOUL_LAT, SEOUL_LON, &noon);
    tw_sun_position(tw_sun_epoch(2026, 12, 22, 8.25, 9), SEOUL_LAT, SEOUL_LON, &early);
    /* Low suns from three azimuths (lines entering across every edge):
     * ~2.1 km of shadow along 180, 2.4 km needed along 215 at 6 degrees,
     * 4 km along 240 at 3 degrees; all reach the area. */
    tw_sunhours_step st[4] = {
        {.azimuth_deg = noon.azimuth_deg, .elevation_deg = noon.elevation_deg, .w_total = 1},
        {.azimuth_deg = early.azimuth_deg, .elevation_deg = 8, .w_total = 10},
        {.azimuth_deg = 215, .elevation_deg = 6, .w_total = 100},
        {.azimuth_deg = 240, .elevation_deg = 3, .w_total = 1000}};
    /* 300 m / tan(29) ~ 540 m: the noon sun clears it; at 8 degrees the
     * shadow reaches ~2.1 km along the azimuth. */
    st[1].azimuth_deg = 180;
    tw_sunhours_desc d = {.dsm = dsm,
                          .grid = {.x0 = -20, .y0 = -20, .dx = 2, .dy = 2, .nx = 20, .ny = 20},
                          .anx = 20,
                          .any = 20,
                          .far = &hf,
                          .steps = st,
                          .step_count = 4,
                          .full_sweep = g_full};
    TW_CHECK(tw_sunhours_run(&d, res, NULL) == TW_OK);
    for (int c = 0; c < 400; c++) TW_CHECK_NEAR(res[c].hours, 1, 1e-6);
    /* Without the ridge, every step is lit. */
    for (int k = 0; k < 100 * 100; k++) hf.z[k] = 0;
    TW_CHECK(tw_sunhours_run(&d, res, NULL) == TW_OK);
    for (int c = 0; c < 400; c++) TW_CHECK_NEAR(res[c].hours, 1111, 1e-3);
    tw_heightfield_free(&hf);
}

/* Random towers (rotated boxes, 6-80 m) on flat ground at 7 m: the fast
 * engine and the full sweep agree on the ground, roofs and facades. */
static void test_engines_agree(void)
{
    enum { N = 300, B = 40 };
    static float dsm[N * N];
    static tw_sunhours_result a[200 * 200], b[200 * 200];
    int ring_first[B + 1], ring_start[B + 1];
    double xy[8 * B];
    float base[B], top[B];
    unsigned seed = 12345;
    for (int k = 0; k < B; k++) {
        seed = seed * 1103515245u + 12345u;
        double cx = 40 + (seed >> 8) % 220, cy = 40 + (seed >> 16) % 220;
        seed = seed * 1103515245u + 12345u;
        double w = 4 + (seed >> 8) % 20, h = 4 + (seed >> 16) % 20,
               an = (seed >> 4) % 90 * PI / 180;
        ring_first[k] = k, ring_start[k] = 4 * k;
        for (int c = 0; c < 4; c++) {
            double px = (c == 1 || c == 2 ? 1 : -1) * w / 2, py = (c >= 2 ? 1 : -1) * h / 2;
            xy[8 * k + 2 * c] = cx + px * cos(an) - py * sin(an);
            xy[8 * k + 2 * c + 1] = cy + px * sin(an) + py * cos(an);
        }
        seed = seed * 1103515245u + 12345u;
        base[k] = 7, top[k] = 7 + 6 + (float)((seed >> 8) % 75);
    }
    ring_first[B] = B, ring_start[B] = 4 * B;
    tw_obstacles *o = NULL;
    TW_CHECK(tw_obstacles_create(&(tw_obstacles_desc){.count = B,
                                                      .ring_first = ring_first,
                                                      .ring_start = ring_start,
                                                      .xy = xy,
                                                      .base = base,
                                                      .top = top},
                                 &o) == TW_OK);
    if (!o) return;
    for (int i = 0; i < N * N; i++) dsm[i] = 7;
    tw_grid g = {.x0 = 0, .y0 = 0, .dx = 1, .dy = 1, .nx = N, .ny = N};
    tw_obstacles_rasterize(o, &g, dsm);
    tw_sunhours_step st[200];
    int n = solstice_steps(st, 8, 16, 5);
    double area[4] = {50, 50, 250, 250};
    tw_facade_point *pts = NULL;
    int np = 0;
    TW_CHECK(tw_sunhours_facades(o, area, 3, 2, st, n, &pts, &np) == TW_OK);
    tw_sunhours_result *fa = calloc((size_t)np + 1, sizeof *fa),
                       *fb = calloc((size_t)np + 1, sizeof *fb);
    tw_sunhours_desc d = {.dsm = dsm,
                          .grid = g,
                          .ax0 = 50,
                          .ay0 = 50,
                          .anx = 200,
                          .any = 200,
                          .steps = st,
                          .step_count = n,
                          .points = pts,
                          .point_count = np,
                          .obstacles = o};
    TW_CHECK(tw_sunhours_run(&d, a, fa) == TW_OK);
    d.full_sweep = true;
    TW_CHECK(tw_sunhours_run(&d, b, fb) == TW_OK);
    int differ = 0, shaded = 0;
    for (int c = 0; c < 200 * 200; c++) {
        differ += fabsf(a[c].hours - b[c].hours) > 1e-3f ||
                  fabsf(a[c].cont_9_15 - b[c].cont_9_15) > 1e-3f || a[c].pass != b[c].pass;
        shaded += b[c].hours < 7.99f;
    }
    int fdiffer = 0;
    double sum = 0;
    int lower = 0;
    for (int p = 0; p < np; p++) {
        fdiffer += fabsf(fa[p].hours - fb[p].hours) > 0.6f;
        sum += fa[p].hours - fb[p].hours, lower += fa[p].hours < fb[p].hours - 0.6f;
        if (getenv("SUN_DEBUG") && fabsf(fa[p].hours - fb[p].hours) > 0.25f)
            fprintf(stderr, "   p %d prism %d n %.2f %.2f z %.1f: fast %.2f sweep %.2f\n", p,
                    pts[p].prism, pts[p].nx, pts[p].ny, pts[p].z, fa[p].hours, fb[p].hours);
    }
    fprintf(stderr, "  facade mean difference %.3f h, %d lower\n", sum / np, lower);
    fprintf(stderr,
            "  %d of %d cells shaded, %d differ; %d of %d facade points differ by > 36 min\n",
            shaded, 200 * 200, differ, fdiffer, np);
    TW_CHECK(shaded > 4000);
    TW_CHECK(differ <= 200 * 200 / 1000);
    /* Facade points: both are exact to about a cell, at grazing suns
     * that is a few steps either way. */
    TW_CHECK(np > 100 && fdiffer <= np / 50);
    TW_CHECK(fabs(sum / np) < 0.1);
    free(fa), free(fb), free(pts);
    tw_obstacles_release(o);
}

/* A small area in a larger surface model with roofs around it: the
 * sweep's window (the area grown by 64 cells and towards the sun) cuts
 * through roofs at its edges, where the fast engine's lists without the
 * cells inside runs hand over to the full ones. The model is mostly flat,
 * so that the fast engine runs at all (before, three cells in ten were
 * raised and both runs were the full sweep). Both engines agree on every
 * ground cell; roofs as below. */
static void test_engines_agree_window(void)
{
    enum { N = 640, B = 200, A = 160, A0 = 240 };
    static float dsm[N * N];
    static tw_sunhours_result a[A * A], b[A * A];
    int ring_first[B + 1], ring_start[B + 1];
    static double xy[8 * B];
    float base[B], top[B];
    unsigned seed = 777;
    tw_sunhours_step st[200];
    int n = solstice_steps(st, 8, 16, 5);
    for (int k = 0; k < B; k++) {
        seed = seed * 1103515245u + 12345u;
        double cx = 10 + (seed >> 8) % (N - 20), cy = 10 + (seed >> 16) % (N - 20);
        seed = seed * 1103515245u + 12345u;
        /* one in eight a long slab (up to 300 m) crossing the window's edges */
        double w = k % 8 == 0 ? 100 + (seed >> 8) % 200 : 6 + (seed >> 8) % 16,
               h = k % 8 == 0 ? 3 + (seed >> 16) % 4 : 6 + (seed >> 16) % 16,
               an = (seed >> 4) % 90 * PI / 180;
        ring_first[k] = k, ring_start[k] = 4 * k;
        for (int c = 0; c < 4; c++) {
            double px = (c == 1 || c == 2 ? 1 : -1) * w / 2, py = (c >= 2 ? 1 : -1) * h / 2;
            xy[8 * k + 2 * c] = cx + px * cos(an) - py * sin(an);
            xy[8 * k + 2 * c + 1] = cy + px * sin(an) + py * cos(an);
        }
        if (k < 16) { /* slabs 400 m long along the sun's azimuth at a step, through the area */
            double az = st[k * n / 16].azimuth_deg * PI / 180;
            cx = A0 + 20 + (k * 37) % (A - 40), cy = A0 + 20 + (k * 53) % (A - 40);
            w = 400, h = 4, an = PI / 2 - az;
            for (int c = 0; c < 4; c++) {
                double px = (c == 1 || c == 2 ? 1 : -1) * w / 2, py = (c >= 2 ? 1 : -1) * h / 2;
                xy[8 * k + 2 * c] = cx + px * cos(an) - py * sin(an);
                xy[8 * k + 2 * c + 1] = cy + px * sin(an) + py * cos(an);
            }
        }
        seed = seed * 1103515245u + 12345u;
        base[k] = 0, top[k] = 3 + (float)((seed >> 8) % 12); /* low: narrow windows */
    }
    ring_first[B] = B, ring_start[B] = 4 * B;
    tw_obstacles *o = NULL;
    TW_CHECK(tw_obstacles_create(&(tw_obstacles_desc){.count = B,
                                                      .ring_first = ring_first,
                                                      .ring_start = ring_start,
                                                      .xy = xy,
                                                      .base = base,
                                                      .top = top},
                                 &o) == TW_OK);
    if (!o) return;
    for (int i = 0; i < N * N; i++) dsm[i] = 0;
    tw_grid g = {.x0 = 0, .y0 = 0, .dx = 1, .dy = 1, .nx = N, .ny = N};
    tw_obstacles_rasterize(o, &g, dsm);
    /* Mostly flat (a quarter of the cells raised or fewer), so that
     * tw_sunhours_run picks the fast engine: otherwise both runs are the
     * full sweep and agree whatever the fast engine does. */
    int raised = 0;
    for (int i = 0; i < N * N; i++) raised += dsm[i] > 0;
    fprintf(stderr, "  window edges: %.1f %% of the model raised\n", 100.0 * raised / (N * N));
    TW_CHECK(raised < N * N / 6);
    /* A ridge 250 m high 700 m south of the model: lines entering across
     * the window's edges carry its shadow while the sun is low. */
    tw_heightfield hf = {0};
    TW_CHECK(tw_heightfield_alloc(&hf, 80, 80) == TW_OK);
    hf.x0 = -2000, hf.y0 = -2000, hf.dx = hf.dy = 60;
    for (int j = 0; j < 80; j++)
        for (int i = 0; i < 80; i++) hf.z[j * 80 + i] = (j == 22) ? 250.0f : 0.0f;
    /* The area in the middle, and against each side of the model in turn:
     * the window then ends at the model's edge on that side and inside it
     * on the others, where lines that cross the area enter and leave it
     * through roofs. */
    static const int at[5][2] = {{A0, A0}, {8, A0}, {N - A - 8, A0}, {A0, 8}, {A0, N - A - 8}};
    int all_roofs = 0, all_steps = 0;
    for (int v = 0; v < 5; v++) {
        tw_sunhours_desc d = {.dsm = dsm,
                              .grid = g,
                              .ax0 = at[v][0],
                              .ay0 = at[v][1],
                              .anx = A,
                              .any = A,
                              .far = &hf,
                              .steps = st,
                              .step_count = n};
        TW_CHECK(tw_sunhours_run(&d, a, NULL) == TW_OK);
        d.full_sweep = true;
        TW_CHECK(tw_sunhours_run(&d, b, NULL) == TW_OK);
        /* Ground cells agree exactly. A roof is a run of equal heights the
         * fast engine shades in one piece from the height that came into
         * it, the sweep cell by cell: along the long slabs the two round
         * differently, which moves a roof cell's shadow by a step (5 min)
         * at times (its longest run 09-15 can then split), two at most. */
        int differ = 0, steps = 0, shaded = 0, roofs = 0;
        double sum = 0;
        for (int c = 0; c < A * A; c++) {
            bool roof = dsm[(size_t)(d.ay0 + c / A) * N + d.ax0 + c % A] > 0;
            float dh = fabsf(a[c].hours - b[c].hours), dc = fabsf(a[c].cont_9_15 - b[c].cont_9_15);
            bool off = dh > 1e-3f || dc > 1e-3f || a[c].pass != b[c].pass;
            bool step = roof && dh < 0.17f;
            differ += off && !step, steps += off && step;
            sum += a[c].hours - b[c].hours;
            shaded += b[c].hours < 7.99f, roofs += roof;
            if (getenv("SUN_DEBUG") && off && !step)
                fprintf(stderr, "   cell %d %d z %.1f: fast %.3f sweep %.3f\n", d.ax0 + c % A,
                        d.ay0 + c / A, dsm[(size_t)(d.ay0 + c / A) * N + d.ax0 + c % A], a[c].hours,
                        b[c].hours);
        }
        fprintf(stderr,
                "  window edges, area at %d %d: %d of %d cells shaded, %d roofs, %d differ, %d "
                "roof cells by a step or two (mean %+.4f h)\n",
                d.ax0, d.ay0, shaded, A * A, roofs, differ, steps, sum / (A * A));
        TW_CHECK(shaded > A * A / 10 && roofs > A * A / 20);
        TW_CHECK(differ <= 2);
        TW_CHECK(fabs(sum / (A * A)) < 0.002);
        all_roofs += roofs, all_steps += steps;
    }
    /* About one roof cell in 80 here (a run's end at the window's edge
     * left undrawn, a fault this test was written for, makes it one in
     * 50). */
    fprintf(stderr, "  window edges: %d of %d roof cells a step or two apart\n", all_steps,
            all_roofs);
    TW_CHECK(all_steps <= all_roofs / 64);
    tw_heightfield_free(&hf);
    tw_obstacles_release(o);
}

int main(void)
{
    TW_RUN(test_against_almanac);
    TW_RUN(test_refraction);
    TW_RUN(test_seoul_facts);
    TW_RUN(test_time_parsing);
    for (int e = 0; e < 2; e++) {
        g_full = e == 1;
        fprintf(stderr, "sun hours engine: %s\n", g_full ? "full sweep" : "fast");
        TW_RUN(test_flat_ground);
        TW_RUN(test_box_shadow_length);
        TW_RUN(test_facades);
        TW_RUN(test_far_ridge);
    }
    TW_RUN(test_engines_agree);
    TW_RUN(test_engines_agree_window);
    return tw_test_failures ? 1 : 0;
}
