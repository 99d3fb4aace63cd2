/* The camera: what a user's drag, wheel and orbit must do to the picture. */
#include "app_camera.h"
#include "tw_test.h"
#include "tw_time.h"

#include <math.h>

enum { W = 800, H = 600 };

static app_camera cam_at(double heading, double tilt, double dist)
{
    app_camera c;
    app_camera_default(&c);
    c.target[0] = 200000, c.target[1] = 550000, c.target[2] = 50;
    c.heading = heading, c.tilt = tilt, c.distance = dist;
    return c;
}

static void test_look_round_trip(void)
{
    app_camera c = cam_at(30, 50, 2000), d;
    app_camera_default(&d);
    double eye[3];
    app_camera_eye(&c, eye);
    app_camera_look(&d, eye, c.target);
    TW_CHECK_NEAR(d.heading, 30, 1e-9);
    TW_CHECK_NEAR(d.tilt, 50, 1e-9);
    TW_CHECK_NEAR(d.distance, 2000, 1e-6);
}

static void test_project_matches_ray(void)
{
    app_camera c = cam_at(120, 60, 5000);
    double o[3], dir[3], p[3], px, py;
    app_camera_ray(&c, W, H, 123, 456, o, dir);
    for (int i = 0; i < 3; i++) p[i] = o[i] + dir[i] * 3000;
    TW_CHECK(app_camera_project(&c, W, H, p, &px, &py));
    TW_CHECK_NEAR(px, 123, 1e-6);
    TW_CHECK_NEAR(py, 456, 1e-6);
    /* The target is at the centre of the picture. */
    TW_CHECK(app_camera_project(&c, W, H, c.target, &px, &py));
    TW_CHECK_NEAR(px, W / 2.0, 1e-6);
    TW_CHECK_NEAR(py, H / 2.0, 1e-6);
    /* North is up on the screen when the heading is 0. */
    app_camera n = cam_at(0, 30, 1000);
    double north[3] = {n.target[0], n.target[1] + 100, n.target[2]};
    TW_CHECK(app_camera_project(&n, W, H, north, &px, &py));
    TW_CHECK(py < H / 2.0 && fabs(px - W / 2.0) < 1e-6);
}

static void test_drag_pan_keeps_ground_under_cursor(void)
{
    app_camera c = cam_at(45, 55, 3000);
    double grab[3];
    TW_CHECK(app_camera_pick(&c, W, H, 300, 350, NULL, 1, 50, grab));
    app_camera_drag_pan(&c, W, H, grab, 420, 300);
    double px, py;
    TW_CHECK(app_camera_project(&c, W, H, grab, &px, &py));
    TW_CHECK_NEAR(px, 420, 1e-6);
    TW_CHECK_NEAR(py, 300, 1e-6);
    TW_CHECK_NEAR(c.heading, 45, 1e-9); /* pan never turns the view */
    TW_CHECK_NEAR(c.tilt, 55, 1e-9);
}

static void test_zoom_keeps_point_under_cursor(void)
{
    app_camera c = cam_at(10, 40, 8000);
    double p[3], px, py;
    TW_CHECK(app_camera_pick(&c, W, H, 600, 420, NULL, 1, 50, p));
    app_camera_zoom_to(&c, p, 0.5);
    TW_CHECK_NEAR(c.distance, 4000, 1e-6);
    TW_CHECK(app_camera_project(&c, W, H, p, &px, &py));
    TW_CHECK_NEAR(px, 600, 1e-6);
    TW_CHECK_NEAR(py, 420, 1e-6);
    app_camera_zoom_to(&c, p, 1e-6); /* never closer than the minimum */
    TW_CHECK(c.distance >= APP_CAMERA_MIN_DISTANCE - 1e-9);
}

static void test_orbit_turns_about_pivot(void)
{
    app_camera c = cam_at(0, 45, 4000);
    double pivot[3], px0, py0, px, py;
    TW_CHECK(app_camera_pick(&c, W, H, 500, 380, NULL, 1, 50, pivot));
    TW_CHECK(app_camera_project(&c, W, H, pivot, &px0, &py0));
    double eye0[3], eye1[3];
    app_camera_eye(&c, eye0);
    app_camera_orbit(&c, pivot, 30, 0);
    TW_CHECK_NEAR(c.heading, 30, 1e-6);
    app_camera_eye(&c, eye1);
    /* The eye stays at the same distance from the pivot. */
    double d0 =
        sqrt(pow(eye0[0] - pivot[0], 2) + pow(eye0[1] - pivot[1], 2) + pow(eye0[2] - pivot[2], 2));
    double d1 =
        sqrt(pow(eye1[0] - pivot[0], 2) + pow(eye1[1] - pivot[1], 2) + pow(eye1[2] - pivot[2], 2));
    TW_CHECK_NEAR(d0, d1, 1e-6);
    /* A pure heading turn keeps the pivot where it was on the screen. */
    TW_CHECK(app_camera_project(&c, W, H, pivot, &px, &py));
    TW_CHECK_NEAR(px, px0, 1e-6);
    TW_CHECK_NEAR(py, py0, 1e-6);
    app_camera_orbit(&c, pivot, 0, 10);
    TW_CHECK_NEAR(c.tilt, 55, 1e-6);
    app_camera_orbit(&c, pivot, 0, 80); /* clamped short of the horizon */
    TW_CHECK(c.tilt <= APP_CAMERA_MAX_TILT + 1e-9);
}

static void test_never_under_terrain(void)
{
    tw_heightfield hf = {.x0 = 190000, .y0 = 540000, .dx = 100, .dy = 100};
    TW_CHECK(tw_heightfield_alloc(&hf, 201, 201) == TW_OK);
    for (int i = 0; i < 201 * 201; i++) hf.z[i] = 600; /* a plateau at 600 m */
    app_camera c = cam_at(0, 80, 300);
    double eye[3], g;
    app_camera_eye(&c, eye);
    TW_CHECK(eye[2] < 600);
    app_camera_clamp(&c, &hf, 1.0, 2.0);
    app_camera_eye(&c, eye);
    TW_CHECK(tw_heightfield_sample(&hf, eye[0], eye[1], &g));
    TW_CHECK(eye[2] >= 602 - 1e-6);
    /* Exaggeration raises the ground the eye must clear. */
    app_camera_clamp(&c, &hf, 2.0, 2.0);
    app_camera_eye(&c, eye);
    TW_CHECK(eye[2] >= 1202 - 1e-6);
    tw_heightfield_free(&hf);
}

/* Rays and cameras from absurd input return at once: a bookmark at 1e200
 * once sent the pick's ray march into an endless loop (t += inf). */
static void test_absurd_rays_return_quickly(void)
{
    tw_heightfield hf = {.x0 = 190000, .y0 = 540000, .dx = 100, .dy = 100};
    TW_CHECK(tw_heightfield_alloc(&hf, 201, 201) == TW_OK);
    for (int i = 0; i < 201 * 201; i++) hf.z[i] = 50;
    double hit[3];
    const double inf = INFINITY, nan = NAN;
    double t0 = tw_time_mono_s();
    /* A sane ray still hits. */
    double o[3] = {200000, 550000, 1000}, d[3] = {0.1, 0, -1};
    TW_CHECK(tw_heightfield_raycast(&hf, o, d, 1e5, hit));
    TW_CHECK_NEAR(hit[2], 50, 0.5);
    static const struct {
        double o[3], d[3], max_t;
    } bad[] = {
        {{200000, 550000, 1000}, {0, 0, -1}, INFINITY},
        {{200000, 550000, 1000}, {0, 0, -1}, NAN},
        {{200000, 550000, 1000}, {0, 0, -1}, 1e300},
        {{1e200, 1e200, 1e200}, {-1, -1, -1}, 1e300},
        {{NAN, 550000, 1000}, {0, 0, -1}, 1e5},
        {{200000, 550000, 1000}, {NAN, 0, -1}, 1e5},
        {{200000, 550000, 1000}, {1e200, 1e200, -1e200}, 1e5},
        {{200000, 550000, 1000}, {0, 0, 0}, 1e5},
        {{200000, 550000, 1000}, {0, 0, -1e-300}, 1e5},
        {{200000, 550000, 1e300}, {0, 0, -1}, 1e300},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hit[0] = hit[1] = hit[2] = 0;
        bool got = tw_heightfield_raycast(&hf, bad[i].o, bad[i].d, bad[i].max_t, hit);
        TW_CHECK_MSG(!got || (isfinite(hit[0]) && isfinite(hit[1]) && isfinite(hit[2])),
                     "case %zu: a hit at a non-finite point", i);
    }
    /* Cameras from the scene-file values that used to hang the pick. */
    app_camera cams[4];
    for (int i = 0; i < 4; i++) cams[i] = cam_at(0, 40, 3000);
    double far_eye[3] = {1e200, 1e200, 1e200}, tgt[3] = {200000, 550000, 50};
    app_camera_look(&cams[0], far_eye, tgt);
    cams[1].distance = inf;
    cams[2].target[0] = nan;
    cams[3].tilt = nan;
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 3; k++) {
            double px = k == 0 ? 400 : k == 1 ? 0 : 799, py = k == 2 ? 599 : 300;
            if (app_camera_pick(&cams[i], W, H, px, py, &hf, 1.5, 0, hit))
                TW_CHECK_MSG(isfinite(hit[0]) && isfinite(hit[1]) && isfinite(hit[2]),
                             "camera %d: a pick at a non-finite point", i);
        }
        app_camera_clamp(&cams[i], &hf, 1.5, 2);
    }
    double dt = tw_time_mono_s() - t0;
    printf("  absurd rays and cameras: %.3f s\n", dt);
    TW_CHECK_MSG(dt < 2.0, "took %.1f s", dt);
    tw_heightfield_free(&hf);
}

static void test_flight_is_smooth_and_lands(void)
{
    app_camera a = cam_at(0, 40, 30000), b = cam_at(90, 60, 500), c;
    b.target[0] += 15000;
    app_flight f;
    app_flight_start(&f, &a, &b, 100.0);
    TW_CHECK(f.duration >= 1.5 && f.duration <= 4.0);
    TW_CHECK(app_flight_step(&f, 100.0, &c));
    TW_CHECK_NEAR(c.target[0], a.target[0], 1e-6);
    double prev = c.target[0];
    bool monotonic = true;
    for (int i = 1; i < 100; i++) {
        app_flight_step(&f, 100.0 + f.duration * i / 100.0, &c);
        if (c.target[0] < prev - 1e-9) monotonic = false;
        prev = c.target[0];
    }
    TW_CHECK(monotonic);
    TW_CHECK(!app_flight_step(&f, 200.0, &c));
    TW_CHECK_NEAR(c.target[0], b.target[0], 1e-9);
    TW_CHECK_NEAR(c.distance, 500, 1e-9);
    TW_CHECK(!f.active);
}

static void test_frame_extent_shows_all_corners(void)
{
    app_camera c;
    app_camera_default(&c);
    double ext[4] = {180000, 537000, 215000, 566000};
    app_camera_frame(&c, ext, 100, W, H);
    for (int k = 0; k < 4; k++) {
        double p[3] = {ext[(k & 1) ? 2 : 0], ext[(k & 2) ? 3 : 1], 100}, px, py;
        TW_CHECK(app_camera_project(&c, W, H, p, &px, &py));
        TW_CHECK_MSG(px >= 0 && px <= W && py >= 0 && py <= H, "corner %d at %.0f,%.0f", k, px, py);
    }
}

int main(void)
{
    TW_RUN(test_look_round_trip);
    TW_RUN(test_project_matches_ray);
    TW_RUN(test_drag_pan_keeps_ground_under_cursor);
    TW_RUN(test_zoom_keeps_point_under_cursor);
    TW_RUN(test_orbit_turns_about_pivot);
    TW_RUN(test_never_under_terrain);
    TW_RUN(test_absurd_rays_return_quickly);
    TW_RUN(test_flight_is_smooth_and_lands);
    TW_RUN(test_frame_extent_shows_all_corners);
    return TW_TEST_END();
}
