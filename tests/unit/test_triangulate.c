/* core/tw_triangulate: ear clipping with holes. Valid polygons must be covered
 * exactly (area, every triangle inside the outer ring and outside the holes);
 * broken ones must end quickly with valid indices. */
#include "tri_grid.h"
#include "tw_json.h"
#include "tw_test.h"
#include "tw_time.h"
#include "tw_triangulate.h"

#include <stdint.h>
#include <unistd.h>

/* Plain shoelace (not tw_triangulate_signed_area), about the first point:
 * products of raw longitudes and latitudes would cancel away the area of a
 * small island. */
static double shoelace(const double *xy, int start, int end)
{
    double sum = 0, x0 = xy[2 * start], y0 = xy[2 * start + 1];
    for (int k = start; k < end; k++) {
        int j = k + 1 < end ? k + 1 : start;
        sum += (xy[2 * k] - x0) * (xy[2 * j + 1] - y0) - (xy[2 * j] - x0) * (xy[2 * k + 1] - y0);
    }
    return sum / 2;
}

static int ring_end(const int *starts, int rings, int points, int k)
{
    return k + 1 < rings ? starts[k + 1] : points;
}

static bool ring_contains(const double *xy, int start, int end, double x, double y)
{
    bool in = false;
    for (int k = start; k < end; k++) {
        int j = k + 1 < end ? k + 1 : start;
        double ax = xy[2 * k], ay = xy[2 * k + 1], bx = xy[2 * j], by = xy[2 * j + 1];
        if ((ay > y) != (by > y) && x < (bx - ax) * (y - ay) / (by - ay) + ax) in = !in;
    }
    return in;
}

static double tri_area(const double *xy, const uint32_t *t)
{
    const double *a = xy + 2 * t[0], *b = xy + 2 * t[1], *c = xy + 2 * t[2];
    return ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])) / 2;
}

/* Indices in range, every triangle counter-clockwise; returns the summed
 * area of triangles [from, out->index_count). */
static double check_triangles(const double *xy, int points, const tw_tri_out *out, size_t from)
{
    double sum = 0;
    int bad_index = 0, not_ccw = 0;
    for (size_t k = from; k + 3 <= out->index_count; k += 3) {
        const uint32_t *t = out->indices + k;
        if (t[0] >= (uint32_t)points || t[1] >= (uint32_t)points || t[2] >= (uint32_t)points) {
            bad_index++;
            continue;
        }
        double a = tri_area(xy, t);
        if (!(a > 0)) not_ccw++;
        sum += a;
    }
    TW_CHECK(out->index_count % 3 == 0);
    TW_CHECK_MSG(bad_index == 0, "%d triangles index past %d points", bad_index, points);
    TW_CHECK_MSG(not_ccw == 0, "%d triangles not counter-clockwise", not_ccw);
    return sum;
}

/* Triangulates a valid polygon and checks area, coverage and, when given,
 * the triangle count. */
static void check_polygon(const char *what, const double *xy, const int *starts, int rings,
                          int points, int expect_triangles)
{
    tw_tri_out out = {0};
    tw_result r = tw_triangulate(xy, starts, rings, points, &out);
    TW_CHECK_MSG(r == TW_OK, "%s: %s", what, tw_result_str(r));
    double want = fabs(shoelace(xy, starts[0], ring_end(starts, rings, points, 0)));
    for (int k = 1; k < rings; k++)
        want -= fabs(shoelace(xy, starts[k], ring_end(starts, rings, points, k)));
    double got = check_triangles(xy, points, &out, 0);
    TW_CHECK_MSG(fabs(got - want) <= 1e-12 * want, "%s: area %.17g, expected %.17g", what, got,
                 want);
    if (expect_triangles >= 0)
        TW_CHECK_MSG(out.index_count == 3 * (size_t)expect_triangles, "%s: %zu triangles, not %d",
                     what, out.index_count / 3, expect_triangles);
    int outside = 0, in_hole = 0;
    for (size_t k = 0; k < out.index_count; k += 3) {
        const uint32_t *t = out.indices + k;
        /* A sliver from nearly collinear points has its centroid on an edge. */
        if (tri_area(xy, t) <= 1e-9 * want) continue;
        double cx = (xy[2 * t[0]] + xy[2 * t[1]] + xy[2 * t[2]]) / 3;
        double cy = (xy[2 * t[0] + 1] + xy[2 * t[1] + 1] + xy[2 * t[2] + 1]) / 3;
        if (!ring_contains(xy, starts[0], ring_end(starts, rings, points, 0), cx, cy)) outside++;
        for (int h = 1; h < rings; h++)
            if (ring_contains(xy, starts[h], ring_end(starts, rings, points, h), cx, cy)) in_hole++;
    }
    TW_CHECK_MSG(outside == 0, "%s: %d triangles outside the outer ring", what, outside);
    TW_CHECK_MSG(in_hole == 0, "%s: %d triangles inside a hole", what, in_hole);
    tw_tri_out_free(&out);
}

static void reverse_ring(double *xy, int start, int end)
{
    for (int i = start, j = end - 1; i < j; i++, j--) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        xy[2 * i] = xy[2 * j];
        xy[2 * i + 1] = xy[2 * j + 1];
        xy[2 * j] = x;
        xy[2 * j + 1] = y;
    }
}

static void test_square_either_winding(void)
{
    double sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
    int s0 = 0;
    check_polygon("ccw square", sq, &s0, 1, 4, 2);
    reverse_ring(sq, 0, 4);
    check_polygon("cw square", sq, &s0, 1, 4, 2);
    TW_CHECK_NEAR(tw_triangulate_signed_area(sq, 4), -1, 0);
    reverse_ring(sq, 0, 4);
    TW_CHECK_NEAR(tw_triangulate_signed_area(sq, 4), 1, 0);
}

static void test_concave_l_and_u(void)
{
    double l[] = {0, 0, 4, 0, 4, 1, 1, 1, 1, 5, 0, 5};
    int s0 = 0;
    check_polygon("L", l, &s0, 1, 6, 4);
    double u[] = {0, 0, 6, 0, 6, 5, 5, 5, 5, 1, 1, 1, 1, 5, 0, 5};
    check_polygon("U", u, &s0, 1, 8, 6);
    reverse_ring(u, 0, 8);
    check_polygon("U clockwise", u, &s0, 1, 8, 6);
}

/* A comb: a spine along the bottom and thin teeth, every tooth gap a
 * reflex pair that blocks most candidate ears. */
static void test_comb(void)
{
    enum { TEETH = 200 };
    static double xy[2 * (4 * TEETH + 3)];
    int n = 0;
    xy[n++] = 0, xy[n++] = 0;
    xy[n++] = 2 * TEETH, xy[n++] = 0;
    for (int t = TEETH - 1; t >= 0; t--) {
        double x = 2.0 * t;
        xy[n++] = x + 1.5, xy[n++] = 1;
        xy[n++] = x + 1.5, xy[n++] = 10 + (t % 7);
        xy[n++] = x + 0.5, xy[n++] = 10 + (t % 7);
        xy[n++] = x + 0.5, xy[n++] = 1;
    }
    /* The last tooth ends at x = 0.5; close along x = 0 up to y = 1. */
    xy[n++] = 0, xy[n++] = 1;
    int points = n / 2, s0 = 0;
    check_polygon("comb", xy, &s0, 1, points, points - 2);
}

static void test_one_hole(void)
{
    double xy[] = {0, 0, 10, 0, 10, 10, 0, 10, /* hole, same winding as the outer */
                   4, 4, 6,  4, 6,  6,  4, 6};
    int starts[] = {0, 4};
    check_polygon("one hole", xy, starts, 2, 8, 8);
    reverse_ring(xy, 4, 8);
    check_polygon("one hole, opposite winding", xy, starts, 2, 8, 8);
}

static void test_several_holes(void)
{
    /* Outer: a 30 x 30 square with a notch between holes; 3 x 3 holes of mixed
     * shapes and windings. */
    double xy[2 * 64];
    int starts[16], rings = 0, n = 0;
    starts[rings++] = 0;
    const double outer[] = {0, 0, 30, 0, 30, 30, 10.5, 30, 10, 19, 9.5, 30, 0, 30};
    for (int k = 0; k < 14; k++) xy[n++] = outer[k];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double x = 3 + 9 * i, y = 3 + 9 * j;
            starts[rings++] = n / 2;
            if ((i + j) % 3 == 0) { /* triangle */
                xy[n++] = x, xy[n++] = y;
                xy[n++] = x + 5, xy[n++] = y;
                xy[n++] = x + 2, xy[n++] = y + 4;
            } else if ((i + j) % 3 == 1) { /* diamond, clockwise */
                xy[n++] = x + 2, xy[n++] = y;
                xy[n++] = x, xy[n++] = y + 2;
                xy[n++] = x + 2, xy[n++] = y + 4;
                xy[n++] = x + 4, xy[n++] = y + 2;
            } else { /* square with a closing point */
                xy[n++] = x, xy[n++] = y;
                xy[n++] = x + 4, xy[n++] = y;
                xy[n++] = x + 4, xy[n++] = y + 4;
                xy[n++] = x, xy[n++] = y + 4;
                xy[n++] = x, xy[n++] = y;
            }
        }
    check_polygon("nine holes", xy, starts, rings, n / 2, -1);
}

/* Holes that touch the outer ring (at a vertex, and on an edge) and each
 * other: still a valid polygon (OGC allows touching at points). */
static void test_touching_holes(void)
{
    double xy[] = {0, 0, 10, 0, 10, 10, 0, 10, /* outer */
                   7, 4, 10, 5, 7,  6,         /* tip on the outer edge x = 10 */
                   3, 3, 5,  5, 3,  7,         /* shares (5,5) with the next */
                   5, 5, 6,  8, 4,  8,         /* */
                   1, 8, 2,  9, 0,  10};       /* touches the outer corner */
    int starts[] = {0, 4, 7, 10, 13};
    check_polygon("touching holes", xy, starts, 5, 16, -1);
}

static void test_duplicates_and_collinear(void)
{
    double xy[] = {0, 0, 0, 0, 0.5, 0, 1, 0, 1, 0, 1, 0.25, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0.5, 0, 0};
    int s0 = 0;
    check_polygon("duplicates, collinear, closing point", xy, &s0, 1, 12, -1);
    /* A zero-width spike out of a square adds nothing. */
    double spike[] = {0, 0, 1, 0, 1, 0.5, 3, 0.5, 1, 0.5, 1, 1, 0, 1};
    check_polygon("spike", spike, &s0, 1, 7, -1);
    /* A ring touching itself at a vertex: two squares sharing a corner. */
    double eight[] = {0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 1, 2, 1, 1, 0, 1};
    check_polygon("self-touching", eight, &s0, 1, 8, 4);
}

static void test_degenerate_input(void)
{
    tw_tri_out out = {0};
    double line[] = {0, 0, 1, 1, 2, 2, 3, 3, 1, 1};
    int s0 = 0;
    TW_CHECK(tw_triangulate(line, &s0, 1, 5, &out) == TW_OK);
    TW_CHECK(out.index_count == 0);
    double two[] = {0, 0, 1, 0, 0, 0};
    TW_CHECK(tw_triangulate(two, &s0, 1, 3, &out) == TW_OK);
    TW_CHECK(tw_triangulate(two, &s0, 1, 2, &out) == TW_OK);
    TW_CHECK(tw_triangulate(NULL, NULL, 0, 0, &out) == TW_OK);
    TW_CHECK(out.index_count == 0);
    /* A hole with no area, and one outside the outer ring, are ignored. */
    double xy[] = {0, 0, 4, 0, 4, 4, 0, 4, 1, 1, 2, 2, 3, 3, 10, 10, 11, 10, 11, 11};
    int starts[] = {0, 4, 7};
    TW_CHECK(tw_triangulate(xy, starts, 3, 10, &out) == TW_OK);
    TW_CHECK_NEAR(check_triangles(xy, 10, &out, 0), 16, 1e-12);

    /* Errors leave out as it was. */
    size_t before = out.index_count;
    double nan_xy[] = {0, 0, 1, 0, NAN, 1, 0, 1};
    TW_CHECK(tw_triangulate(nan_xy, &s0, 1, 4, &out) == TW_ERR_ARG);
    nan_xy[4] = INFINITY;
    TW_CHECK(tw_triangulate(nan_xy, &s0, 1, 4, &out) == TW_ERR_ARG);
    int bad[] = {0, 5};
    TW_CHECK(tw_triangulate(xy, bad, 2, 4, &out) == TW_ERR_ARG);
    int backwards[] = {4, 0};
    TW_CHECK(tw_triangulate(xy, backwards, 2, 10, &out) == TW_ERR_ARG);
    TW_CHECK(tw_triangulate(xy, &s0, 1, -1, &out) == TW_ERR_ARG);
    TW_CHECK(tw_triangulate(xy, &s0, 1, 4, NULL) == TW_ERR_ARG);
    TW_CHECK(tw_triangulate(xy, &s0, 1, TW_TRIANGULATE_MAX_POINTS + 1, &out) == TW_ERR_TOOBIG);
    TW_CHECK(out.index_count == before);
    tw_tri_out_free(&out);
    TW_CHECK(out.indices == NULL && out.index_count == 0 && out.capacity == 0);
}

/* Random sets of grid cells traced into one outer ring and holes: the
 * triangles must cover exactly the filled cells. Pinch corners make rings
 * touch themselves or each other, straight runs make collinear points, a
 * bridge's sight line often runs through another hole's corner. */
static void test_grid_regions(void)
{
    uint32_t seed = 2024;
    int tested = 0, with_holes = 0, self_touching = 0, failed = 0, rot_failed = 0;
    static tri_grid_poly g;
    static double rot[sizeof g.xy / sizeof g.xy[0]];
    tw_tri_out out = {0};
    for (int sample = 0; sample < 6000; sample++) {
        seed = seed * 1664525u + 1013904223u;
        int w = 3 + (int)(seed >> 8) % 14, h = 3 + (int)(seed >> 16) % 14;
        int fill = 45 + (int)(seed >> 24) % 40;
        uint8_t cells[TRI_GRID_MAX * TRI_GRID_MAX];
        for (int k = 0; k < w * h; k++) {
            seed = seed * 1664525u + 1013904223u;
            cells[k] = (int)(seed >> 16) % 100 < fill;
        }
        seed = seed * 1664525u + 1013904223u;
        tri_grid_trace(cells, w, h, seed, (unsigned)sample & 3, &g);
        if (g.outers != 1) continue;
        tested++;
        with_holes += g.rings > 1;
        int touching = 0; /* a point repeated within a ring */
        for (int r = 0; r < g.rings && !touching; r++) {
            int e = r + 1 < g.rings ? g.starts[r + 1] : g.points;
            for (int a = g.starts[r]; a < e; a++)
                for (int b = a + 1; b < e; b++)
                    touching |= g.xy[2 * a] == g.xy[2 * b] && g.xy[2 * a + 1] == g.xy[2 * b + 1];
        }
        self_touching += touching;
        out.index_count = 0;
        tw_result r = tw_triangulate(g.xy, g.starts, g.rings, g.points, &out);
        double area = check_triangles(g.xy, g.points, &out, 0);
        int outside = 0;
        for (size_t k = 0; k < out.index_count; k += 3) {
            const uint32_t *t = out.indices + k;
            double sx = g.xy[2 * t[0]] + g.xy[2 * t[1]] + g.xy[2 * t[2]];
            double sy = g.xy[2 * t[0] + 1] + g.xy[2 * t[1] + 1] + g.xy[2 * t[2] + 1];
            if (fmod(sx, 3) == 0 || fmod(sy, 3) == 0) continue; /* centroid on a grid line */
            outside += !tri_grid_filled(cells, w, h, (int)floor(sx / 3), (int)floor(sy / 3));
        }
        /* The same rings turned and shrunk to lon/lat-like degrees: collinear
         * points now only nearly so, touching points still equal. */
        double ang = sample * 0.0071, sc = pow(10, -(sample % 6)), c = cos(ang), sn = sin(ang);
        for (int k = 0; k < g.points; k++)
            rot[2 * k] = 127.3 + sc * (c * g.xy[2 * k] - sn * g.xy[2 * k + 1]),
                    rot[2 * k + 1] = 37.5 + sc * (sn * g.xy[2 * k] + c * g.xy[2 * k + 1]);
        double want = 0;
        for (int k = 0; k < g.rings; k++)
            want += (k ? -1 : 1) *
                    fabs(shoelace(rot, g.starts[k], ring_end(g.starts, g.rings, g.points, k)));
        size_t from = out.index_count;
        tw_result r2 = tw_triangulate(rot, g.starts, g.rings, g.points, &out);
        double got = check_triangles(rot, g.points, &out, from);
        if (r2 != TW_OK || !(fabs(got - want) <= 1e-9 * want)) {
            if (rot_failed++ < 3)
                fprintf(stderr, "grid sample %d turned %.4g rad, %g per cell: area off by %.3g\n",
                        sample, ang, sc, (got - want) / want);
        }
        if (r != TW_OK || area != g.cells || outside) {
            if (failed++ < 3) {
                fprintf(stderr,
                        "grid sample %d (%dx%d, %d rings): area %g of %d cells, %d "
                        "triangles outside:",
                        sample, w, h, g.rings, area, g.cells, outside);
                for (int k = 0; k < w * h; k++) fprintf(stderr, "%s%d", k % w ? "" : " ", cells[k]);
                fputc('\n', stderr);
            }
        }
    }
    tw_tri_out_free(&out);
    TW_CHECK_MSG(failed == 0, "%d of %d grid polygons not covered exactly", failed, tested);
    TW_CHECK_MSG(rot_failed == 0, "%d of %d turned grid polygons off by over 1e-9", rot_failed,
                 tested);
    TW_CHECK(tested >= 1000 && with_holes >= 100 && self_touching >= 100);
    fprintf(stderr, "note: %d grid polygons, %d with holes, %d with a ring touching itself\n",
            tested, with_holes, self_touching);
}

/* Grid polygons that once failed after turning (found by the stress above at
 * larger counts), kept as fixed cases. */
static void turn(const double *xy, int n, double ang, double sc, double *out)
{
    double c = cos(ang), sn = sin(ang);
    for (int k = 0; k < n; k++) {
        out[2 * k] = 127.3 + sc * (c * xy[2 * k] - sn * xy[2 * k + 1]);
        out[2 * k + 1] = 37.5 + sc * (sn * xy[2 * k] + c * xy[2 * k + 1]);
    }
}

static void test_turned_regressions(void)
{
    /* One ring touching itself at (2,4) next to collinear points: the last
     * nodes left are a spike whose sides are only nearly collinear. */
    const double pinch[] = {0, 0, 2, 0, 2, 1, 3, 1, 3, 4, 2, 4, 2, 5,
                            0, 5, 0, 4, 2, 4, 2, 3, 1, 3, 1, 2, 0, 2};
    double xy[2 * 34];
    int s0 = 0;
    turn(pinch, 14, 3.9263, 0.1, xy);
    check_polygon("turned pinch", xy, &s0, 1, 14, -1);
    /* The sight line from (4,6) to the outer corner (10,8) runs through the
     * corner (7,7) of another hole: the bridge must stop there. */
    const double holes[] = {1,  0, 11, 0, 11, 1, 12, 1, 12, 8, 11, 8, 11, 7, 10, 7,
                            10, 8, 0,  8, 0,  5, 1,  5, 1,  4, 0,  4, 0,  1, 1,  1, /* outer */
                            3,  3, 3,  4, 4,  4, 4,  5, 5,  5, 5,  3,               /* */
                            8,  3, 8,  4, 7,  4, 7,  7, 8,  7, 8,  4, 10, 4, 10, 3, /* */
                            2,  5, 2,  6, 4,  6, 4,  5};
    int starts[] = {0, 16, 22, 30};
    turn(holes, 34, 5.2469, 1e-5, xy);
    check_polygon("turned sight line through a corner", xy, starts, 4, 34, -1);
}

/* Calls append, and indices stay in the caller's array: two polygons of one
 * point array, as a MultiPolygon is passed. */
static void test_appends_across_polygons(void)
{
    double xy[] = {0, 0, 1, 0, 1, 1, 0, 1, 5, 5, 7, 5, 7, 7, 5, 7, 5.5, 5.5, 6.5, 5.5, 6, 6.5};
    int starts[] = {0, 4, 8};
    tw_tri_out out = {0};
    TW_CHECK(tw_triangulate(xy, starts, 1, 4, &out) == TW_OK);
    TW_CHECK(out.index_count == 6);
    TW_CHECK(tw_triangulate(xy, starts + 1, 2, 11, &out) == TW_OK);
    double area = check_triangles(xy, 11, &out, 6);
    TW_CHECK_NEAR(area, 4 - 0.5, 1e-12);
    for (size_t k = 6; k < out.index_count; k++) TW_CHECK(out.indices[k] >= 4);
    tw_tri_out_free(&out);
}

/* Self-intersecting rings have no right answer; the call must end with
 * valid triangles covering roughly the ring's extent. */
static void test_self_intersecting(void)
{
    double bowtie[] = {0, 0, 4, 4, 4, 0, 0, 3};
    int s0 = 0;
    tw_tri_out out = {0};
    TW_CHECK(tw_triangulate(bowtie, &s0, 1, 4, &out) == TW_OK);
    double a = check_triangles(bowtie, 4, &out, 0);
    TW_CHECK(a > 0 && a <= 16);

    /* A random walk of 5000 points crosses itself everywhere. */
    enum { N = 5000 };
    static double walk[2 * N];
    uint32_t seed = 12345;
    double x = 0, y = 0;
    for (int k = 0; k < N; k++) {
        seed = seed * 1664525u + 1013904223u;
        x += (double)(seed >> 16 & 0xff) - 127.5;
        seed = seed * 1664525u + 1013904223u;
        y += (double)(seed >> 16 & 0xff) - 127.5;
        walk[2 * k] = x, walk[2 * k + 1] = y;
    }
    tw_tri_out_free(&out);
    double t0 = tw_time_mono_s();
    TW_CHECK(tw_triangulate(walk, &s0, 1, N, &out) == TW_OK);
    double dt = tw_time_mono_s() - t0;
    check_triangles(walk, N, &out, 0);
    TW_CHECK(out.index_count <= 3 * (size_t)N);
    TW_CHECK(out.index_count > 0);
    fprintf(stderr, "note: %d-point random walk: %zu triangles in %.1f ms\n", N,
            out.index_count / 3, dt * 1e3);
    tw_tri_out_free(&out);
}

/* n points on alternating radii around (cx, cy): every other vertex reflex. */
static void make_star(double *xy, int n, double cx, double cy)
{
    for (int k = 0; k < n; k++) {
        double t = 2 * M_PI * k / n, r = k % 2 ? 60 : 100 + 10 * sin(7 * t);
        xy[2 * k] = cx + r * cos(t), xy[2 * k + 1] = cy + r * sin(t);
    }
}

static void test_star_20k(void)
{
    enum { N = 20000 };
    static double xy[2 * N];
    make_star(xy, N, 500, 300);
    int s0 = 0;
    tw_tri_out out = {0};
    double t0 = tw_time_mono_s();
    TW_CHECK(tw_triangulate(xy, &s0, 1, N, &out) == TW_OK);
    double dt = tw_time_mono_s() - t0;
    double want = shoelace(xy, 0, N), got = check_triangles(xy, N, &out, 0);
    TW_CHECK_MSG(fabs(got - want) <= 1e-9 * want, "area %.17g, expected %.17g", got, want);
    TW_CHECK(out.index_count == 3 * (size_t)(N - 2));
    fprintf(stderr, "note: %d-point star: %zu triangles in %.1f ms\n", N, out.index_count / 3,
            dt * 1e3);
    tw_tri_out_free(&out);
}

/* A 4000-point star as a hole in a square (bridging, then the z-order hash
 * over the merged ring). */
static void test_star_hole(void)
{
    enum { N = 4000 };
    static double xy[2 * (N + 4)];
    const double sq[] = {0, 0, 1000, 0, 1000, 1000, 0, 1000};
    memcpy(xy, sq, sizeof sq);
    make_star(xy + 8, N, 500, 300);
    int starts[] = {0, 4};
    check_polygon("star hole", xy, starts, 2, N + 4, N + 4);
}

/* Every vertex of the ring (repeats dropped) turns the same way. */
static bool turns_one_way(const double *xy, int m)
{
    double p[2 * 100];
    int n = 0;
    for (int k = 0; k < m; k++)
        if (n == 0 || xy[2 * k] != p[2 * n - 2] || xy[2 * k + 1] != p[2 * n - 1])
            p[2 * n] = xy[2 * k], p[2 * n + 1] = xy[2 * k + 1], n++;
    if (n > 1 && p[0] == p[2 * n - 2] && p[1] == p[2 * n - 1]) n--;
    int pos = 0, neg = 0;
    for (int k = 0; k < n; k++) {
        const double *a = p + 2 * k, *b = p + 2 * ((k + 1) % n), *c = p + 2 * ((k + 2) % n);
        double o = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        pos += o > 0, neg += o < 0;
    }
    return pos == n || neg == n;
}

/* Single rings of up to 65 points take a path of their own (flat arrays, a
 * bit mask of reflex vertices) that must cut the same triangles as the
 * general clipper (a convex one is fanned, as before). A second ring of 2
 * points (no area, skipped) sends the same ring through the general one:
 * random stars of 3 to 70 points (many reflex vertices), either winding,
 * with repeated and closing points, must come out index for index the same,
 * and cover the ring. */
static void test_small_ring_path(void)
{
    enum { MAXN = 80 };
    double xy[2 * (MAXN * 2 + 4)];
    unsigned seed = 12345;
    int same = 0, cases = 0, convex = 0;
    for (int n = 3; n <= 70; n++) {
        for (int variant = 0; variant < 8; variant++) {
            int m = 0;
            for (int k = 0; k < n; k++) {
                seed = seed * 1103515245u + 12345u;
                double r = 30 + (seed >> 16) % 70, t = 2 * M_PI * (k + 0.5 * (variant & 1)) / n;
                xy[2 * m] = 500 + r * cos(t), xy[2 * m + 1] = 200 + r * sin(t);
                m++;
                if ((variant & 2) && k % 5 == 2) { /* a repeated point */
                    xy[2 * m] = xy[2 * m - 2], xy[2 * m + 1] = xy[2 * m - 1];
                    m++;
                }
            }
            if (variant & 4) { /* a closing point */
                xy[2 * m] = xy[0], xy[2 * m + 1] = xy[1];
                m++;
            }
            if (variant & 1) reverse_ring(xy, 0, m);
            xy[2 * m] = 0, xy[2 * m + 1] = 0; /* the 2-point ring */
            xy[2 * m + 2] = 1, xy[2 * m + 3] = 1;
            char what[64];
            snprintf(what, sizeof what, "star of %d points (variant %d)", n, variant);
            int starts[2] = {0, m};
            check_polygon(what, xy, starts, 1, m, n - 2);
            if (turns_one_way(xy, m)) {
                convex++;
                continue;
            }
            tw_tri_out one = {0}, general = {0};
            TW_CHECK(tw_triangulate(xy, starts, 1, m, &one) == TW_OK);
            TW_CHECK(tw_triangulate(xy, starts, 2, m + 2, &general) == TW_OK);
            bool eq =
                one.index_count == general.index_count &&
                memcmp(one.indices, general.indices, one.index_count * sizeof *one.indices) == 0;
            TW_CHECK_MSG(eq, "%s: %zu triangles alone, %zu through the general clipper", what,
                         one.index_count / 3, general.index_count / 3);
            same += eq;
            cases++;
            tw_tri_out_free(&one);
            tw_tri_out_free(&general);
        }
    }
    TW_CHECK(same == cases);
    TW_CHECK_MSG(cases > 400 && convex > 10, "%d stars compared, %d convex", cases, convex);

    /* A ring touching itself (two points at one place) is handed to the
     * general clipper: still covered exactly. */
    double pinch[] = {0, 0, 4, 0, 4, 4, 2, 2, 0, 4, 2, 2};
    int s0 = 0;
    tw_tri_out out = {0};
    TW_CHECK(tw_triangulate(pinch, &s0, 1, 6, &out) == TW_OK);
    TW_CHECK_NEAR(check_triangles(pinch, 6, &out, 0), 8, 1e-12);
    /* NaN in a ring past the small path's size, and in a ring of 2. */
    size_t before = out.index_count;
    double big[2 * 100];
    make_star(big, 100, 0, 0);
    big[2 * 60 + 1] = NAN;
    TW_CHECK(tw_triangulate(big, &s0, 1, 100, &out) == TW_ERR_ARG);
    TW_CHECK(tw_triangulate(big + 2 * 59, &s0, 1, 2, &out) == TW_ERR_ARG);
    TW_CHECK(out.index_count == before);
    tw_tri_out_free(&out);
}

/* Every polygon of the 2018 municipalities (250 features, 53 MultiPolygons,
 * islands and holes), the points of a feature in one array. */
/* The small path against the general clipper on every single ring of up
 * to 65 points in the shipped building footprints that it does not fan
 * (either winding, near collinear points, closing points as shipped), in
 * degrees as shipped, in local metres and in metres far from 0: index for
 * index the same triangles. */
static void test_small_path_real_footprints(void)
{
    static const char *const files[] = {
        "assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson",
        "assets/data/buildings/seoul_yeouido_osm_buildings.geojson"};
    int compared = 0, clockwise = 0, differ = 0;
    for (int f = 0; f < 2; f++) {
        char path[1024], err[256];
        tw_test_shipped(files[f], path, sizeof path);
        json_object *root = NULL;
        TW_CHECK_MSG(tw_json_load_file(path, 64u << 20, &root, err, sizeof err) == TW_OK, "%s",
                     err);
        json_object *features = root ? tw_json_get(root, "features", json_type_array) : NULL;
        TW_CHECK(features != NULL);
        for (size_t i = 0; features && i < json_object_array_length(features); i++) {
            json_object *geom =
                tw_json_get(json_object_array_get_idx(features, i), "geometry", json_type_object);
            const char *type = geom ? tw_json_string(geom, "type") : NULL;
            json_object *coords = geom ? tw_json_get(geom, "coordinates", json_type_array) : NULL;
            if (!type || !coords) continue;
            bool multi = strcmp(type, "MultiPolygon") == 0;
            size_t parts = multi ? json_object_array_length(coords) : 1;
            for (size_t p = 0; p < parts; p++) {
                json_object *poly = multi ? json_object_array_get_idx(coords, p) : coords;
                if (json_object_array_length(poly) != 1) continue;
                json_object *ring = json_object_array_get_idx(poly, 0);
                int m = (int)json_object_array_length(ring);
                if (m < 4 || m > 65) continue;
                double xy[2 * 67];
                for (int k = 0; k < m; k++) {
                    json_object *pt = json_object_array_get_idx(ring, (size_t)k);
                    xy[2 * k] = json_object_get_double(json_object_array_get_idx(pt, 0));
                    xy[2 * k + 1] = json_object_get_double(json_object_array_get_idx(pt, 1));
                }
                /* Convex rings are fanned, as before (test_small_ring_path). */
                if (turns_one_way(xy, m)) continue;
                clockwise += shoelace(xy, 0, m) < 0;
                /* Degrees, local metres, metres as in a national grid. */
                for (int metres = 0; metres < 3; metres++) {
                    for (int k = 0; metres && k < m; k++) {
                        xy[2 * k] =
                            metres == 1 ? (xy[2 * k] - 126.63) * 88200.0 : xy[2 * k] + 183000.0;
                        xy[2 * k + 1] = metres == 1 ? (xy[2 * k + 1] - 37.53) * 111000.0
                                                    : xy[2 * k + 1] + 547000.0;
                    }
                    xy[2 * m] = 0, xy[2 * m + 1] = 0; /* a ring of 2: no area, skipped */
                    xy[2 * m + 2] = 1, xy[2 * m + 3] = 1;
                    int starts[2] = {0, m};
                    tw_tri_out one = {0}, general = {0};
                    TW_CHECK(tw_triangulate(xy, starts, 1, m, &one) == TW_OK);
                    TW_CHECK(tw_triangulate(xy, starts, 2, m + 2, &general) == TW_OK);
                    bool eq = one.index_count == general.index_count &&
                              memcmp(one.indices, general.indices,
                                     one.index_count * sizeof *one.indices) == 0;
                    if (!eq && differ++ < 5)
                        fprintf(stderr,
                                "%s feature %zu part %zu (%d points%s): %zu triangles "
                                "alone, %zu through the general clipper\n",
                                files[f], i, p, m, metres ? ", metres" : "", one.index_count / 3,
                                general.index_count / 3);
                    compared++;
                    tw_tri_out_free(&one);
                    tw_tri_out_free(&general);
                }
            }
        }
        json_object_put(root);
    }
    TW_CHECK_MSG(differ == 0, "%d of %d rings differ", differ, compared);
    TW_CHECK_MSG(compared > 2000 && clockwise > 0, "%d rings compared, %d clockwise", compared,
                 clockwise);
    fprintf(stderr, "note: %d real rings the same both ways (%d clockwise)\n", compared, clockwise);
}

static int sgn(double v)
{
    return (v > 0) - (v < 0);
}

/* Two edges of the polygon cross at a point inside both (touching does not
 * count): such a polygon has no exact answer. */
static bool polygon_crosses(const double *xy, const int *starts, int rings, int points)
{
    for (int r = 0; r < rings; r++)
        for (int a = starts[r]; a < ring_end(starts, rings, points, r); a++) {
            int ea = ring_end(starts, rings, points, r), a2 = a + 1 < ea ? a + 1 : starts[r];
            const double *p = xy + 2 * a, *q = xy + 2 * a2;
            for (int t = r; t < rings; t++)
                for (int b = t == r ? a + 1 : starts[t]; b < ring_end(starts, rings, points, t);
                     b++) {
                    int eb = ring_end(starts, rings, points, t),
                        b2 = b + 1 < eb ? b + 1 : starts[t];
                    const double *u = xy + 2 * b, *v = xy + 2 * b2;
                    if (fmax(p[0], q[0]) < fmin(u[0], v[0]) ||
                        fmax(u[0], v[0]) < fmin(p[0], q[0]) ||
                        fmax(p[1], q[1]) < fmin(u[1], v[1]) || fmax(u[1], v[1]) < fmin(p[1], q[1]))
                        continue;
                    int o1 = sgn((q[0] - p[0]) * (u[1] - p[1]) - (q[1] - p[1]) * (u[0] - p[0]));
                    int o2 = sgn((q[0] - p[0]) * (v[1] - p[1]) - (q[1] - p[1]) * (v[0] - p[0]));
                    int o3 = sgn((v[0] - u[0]) * (p[1] - u[1]) - (v[1] - u[1]) * (p[0] - u[0]));
                    int o4 = sgn((v[0] - u[0]) * (q[1] - u[1]) - (v[1] - u[1]) * (q[0] - u[0]));
                    if (o1 * o2 < 0 && o3 * o4 < 0) return true;
                }
        }
    return false;
}

static void test_municipalities(void)
{
    char path[1024];
    tw_test_shipped("assets/data/admin/skorea-municipalities-2018-geo-simple.geojson", path,
                    sizeof path);
    json_object *root = NULL;
    char err[256];
    TW_CHECK_MSG(tw_json_load_file(path, 64u << 20, &root, err, sizeof err) == TW_OK, "%s", err);
    json_object *features = root ? tw_json_get(root, "features", json_type_array) : NULL;
    TW_CHECK(features && json_object_array_length(features) == 250);
    if (!features) {
        json_object_put(root);
        return;
    }
    int polygons = 0, points_total = 0, multi = 0, holes = 0, bad = 0, crossing = 0;
    double worst = 0, t_total = 0;
    const char *worst_name = "";
    double *xy = NULL;
    int *starts = NULL, *poly_first = NULL;
    for (size_t f = 0; f < json_object_array_length(features); f++) {
        json_object *feat = json_object_array_get_idx(features, f);
        json_object *geom = tw_json_get(feat, "geometry", json_type_object);
        json_object *props = tw_json_get(feat, "properties", json_type_object);
        const char *type = tw_json_string(geom, "type"), *name = tw_json_string(props, "name_eng");
        json_object *coords = tw_json_get(geom, "coordinates", json_type_array);
        TW_CHECK(type && coords);
        if (!type || !coords) continue;
        bool is_multi = strcmp(type, "MultiPolygon") == 0;
        multi += is_multi;
        int npoly = is_multi ? (int)json_object_array_length(coords) : 1;
        /* Gather the feature: all points, ring starts, each polygon's first ring. */
        int n = 0, rings = 0;
        for (int pass = 0; pass < 2; pass++) {
            n = rings = 0;
            for (int p = 0; p < npoly; p++) {
                json_object *poly = is_multi ? json_object_array_get_idx(coords, p) : coords;
                if (pass) poly_first[p] = rings;
                for (size_t r = 0; r < json_object_array_length(poly); r++) {
                    json_object *ring = json_object_array_get_idx(poly, r);
                    if (pass) starts[rings] = n;
                    rings++;
                    for (size_t k = 0; k < json_object_array_length(ring); k++, n++) {
                        if (!pass) continue;
                        json_object *pt = json_object_array_get_idx(ring, k);
                        xy[2 * n] = json_object_get_double(json_object_array_get_idx(pt, 0));
                        xy[2 * n + 1] = json_object_get_double(json_object_array_get_idx(pt, 1));
                    }
                }
            }
            if (!pass) {
                free(xy);
                free(starts);
                free(poly_first);
                xy = malloc(2 * sizeof *xy * (size_t)(n + 1));
                starts = malloc(sizeof *starts * (size_t)(rings + 1));
                poly_first = malloc(sizeof *poly_first * (size_t)(npoly + 1));
            }
        }
        poly_first[npoly] = rings;
        points_total += n;
        tw_tri_out out = {0};
        for (int p = 0; p < npoly; p++) {
            int r0 = poly_first[p], nr = poly_first[p + 1] - r0;
            int end = poly_first[p + 1] < rings ? starts[poly_first[p + 1]] : n;
            size_t from = out.index_count;
            double t0 = tw_time_mono_s();
            tw_result res = tw_triangulate(xy, starts + r0, nr, end, &out);
            t_total += tw_time_mono_s() - t0;
            TW_CHECK_MSG(res == TW_OK, "%s polygon %d: %s", name, p, tw_result_str(res));
            double want = fabs(shoelace(xy, starts[r0], ring_end(starts + r0, nr, end, 0)));
            for (int h = 1; h < nr; h++)
                want -= fabs(shoelace(xy, starts[r0 + h], ring_end(starts + r0, nr, end, h)));
            double got = check_triangles(xy, end, &out, from);
            double rel = want > 0 ? fabs(got - want) / want : fabs(got);
            if (polygon_crosses(xy, starts + r0, nr, end)) {
                /* Filled roughly; the shoelace subtracts the twisted loops. */
                crossing++;
                TW_CHECK_MSG(rel < 0.25, "%s polygon %d crosses itself: area %.17g, shoelace %.17g",
                             name, p, got, want);
                fprintf(stderr, "note: %s polygon %d crosses itself: area off by %.2g\n", name, p,
                        rel);
            } else {
                if (rel > worst) worst = rel, worst_name = name;
                if (!(rel <= 1e-9)) {
                    bad++;
                    fprintf(stderr, "%s polygon %d (%d rings): area %.17g, shoelace %.17g\n", name,
                            p, nr, got, want);
                }
            }
            polygons++;
            holes += nr - 1;
        }
        tw_tri_out_free(&out);
    }
    TW_CHECK_MSG(bad == 0, "%d polygons off by more than 1e-9 of their area", bad);
    TW_CHECK(multi == 53);
    /* GEOS (ST_IsValidReason) finds "Self-intersection" in the same 8 parts. */
    TW_CHECK_MSG(crossing == 8, "%d polygons cross themselves", crossing);
    fprintf(stderr,
            "note: %d polygons (%d holes, %d points, %d MultiPolygons), %d crossing themselves: "
            "worst relative area error of the others %.2g (%s), %.1f ms in all\n",
            polygons, holes, points_total, multi, crossing, worst, worst_name, t_total * 1e3);
    free(xy);
    free(starts);
    free(poly_first);
    json_object_put(root);
}

int main(void)
{
    TW_RUN(test_square_either_winding);
    TW_RUN(test_concave_l_and_u);
    TW_RUN(test_comb);
    TW_RUN(test_one_hole);
    TW_RUN(test_several_holes);
    TW_RUN(test_touching_holes);
    TW_RUN(test_duplicates_and_collinear);
    TW_RUN(test_degenerate_input);
    TW_RUN(test_appends_across_polygons);
    TW_RUN(test_grid_regions);
    TW_RUN(test_turned_regressions);
    TW_RUN(test_self_intersecting);
    TW_RUN(test_star_20k);
    TW_RUN(test_star_hole);
    TW_RUN(test_small_ring_path);
    TW_RUN(test_small_path_real_footprints);
    TW_RUN(test_municipalities);
    return TW_TEST_END();
}
