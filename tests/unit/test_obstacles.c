/* The obstacles service's set: copies, adopted arrays, references, rasterization of
 * footprints with holes and several parts, point lookup. */
#include "tw_obstacles.h"
#include "tw_test.h"

#include <stdlib.h>
#include <string.h>

/* A 10 x 10 square at (0, 0) with a 4 x 4 hole in its middle, top 30 m;
 * and an L of two rectangles (one prism, two outer rings) at x 20..30. */
static tw_obstacles *make(void)
{
    static const double xy[] = {
        0,  0, 10, 0, 10, 10, 0,  10, /* square */
        3,  3, 3,  7, 7,  7,  7,  3,  /* hole (clockwise) */
        20, 0, 30, 0, 30, 2,  20, 2,  /* L foot */
        20, 2, 22, 2, 22, 10, 20, 10, /* L stem */
    };
    static const int ring_start[] = {0, 4, 8, 12, 16};
    static const int ring_first[] = {0, 2, 4};
    static const float base[] = {5, 1}, top[] = {30, 12};
    static const long id[] = {101, 202};
    tw_obstacles *o = NULL;
    TW_CHECK(tw_obstacles_create(&(tw_obstacles_desc){.count = 2,
                                                      .ring_first = ring_first,
                                                      .ring_start = ring_start,
                                                      .xy = xy,
                                                      .base = base,
                                                      .top = top,
                                                      .id = id},
                                 &o) == TW_OK);
    return o;
}

static void test_rasterize(void)
{
    tw_obstacles *o = make();
    if (!o) return;
    TW_CHECK(o->count == 2 && o->id[1] == 202);
    TW_CHECK_NEAR(o->bbox[0], 0, 0);
    TW_CHECK_NEAR(o->bbox[2], 30, 0);
    TW_CHECK_NEAR(o->top_max, 30, 0);
    /* 1 m cells over x -5..35, y -5..15. */
    tw_grid g = {.x0 = -5, .y0 = -5, .dx = 1, .dy = 1, .nx = 40, .ny = 20};
    float z[40 * 20];
    for (int i = 0; i < 40 * 20; i++) z[i] = -INFINITY;
    long n = tw_obstacles_rasterize(o, &g, z);
    /* Square 100 - hole 16 = 84 cells; the L 20 + 16 = 36 cells. */
    TW_CHECK_MSG(n == 84 + 36, "raised %ld", n);
#define AT(x, y) z[((int)((y) + 5)) * 40 + (int)((x) + 5)]
    TW_CHECK(AT(0.5, 0.5) == 30);
    TW_CHECK(AT(9.5, 9.5) == 30);
    TW_CHECK(isinf(AT(5.5, 5.5)));  /* in the hole */
    TW_CHECK(isinf(AT(10.5, 5.5))); /* outside */
    TW_CHECK(AT(29.5, 1.5) == 12);
    TW_CHECK(AT(20.5, 9.5) == 12);
    TW_CHECK(isinf(AT(25.5, 5.5))); /* the L's empty corner */
    /* A value already higher stays. */
    AT(0.5, 0.5) = 99;
    tw_obstacles_rasterize(o, &g, z);
    TW_CHECK(AT(0.5, 0.5) == 99);
#undef AT
    /* A grid away from everything, and bad grids, raise nothing. */
    tw_grid far = {.x0 = 1000, .y0 = 1000, .dx = 1, .dy = 1, .nx = 4, .ny = 4};
    TW_CHECK(tw_obstacles_rasterize(o, &far, z) == 0);
    tw_grid bad = {.dx = 0, .dy = 1, .nx = 4, .ny = 4};
    TW_CHECK(tw_obstacles_rasterize(o, &bad, z) == 0);
    tw_obstacles_release(o);
}

static void test_find_and_refs(void)
{
    tw_obstacles *o = make();
    if (!o) return;
    TW_CHECK(tw_obstacles_find(o, 1, 1) == 0);
    TW_CHECK(tw_obstacles_find(o, 5, 5) == -1); /* hole */
    TW_CHECK(tw_obstacles_find(o, 21, 8) == 1);
    TW_CHECK(tw_obstacles_find(o, 40, 8) == -1);
    /* References outlive the creator's. */
    tw_obstacles *r = tw_obstacles_ref(o);
    tw_obstacles_release(o);
    TW_CHECK(r->count == 2 && tw_obstacles_find(r, 1, 1) == 0);
    tw_obstacles_release(r);
    /* Bad descriptions are refused; an empty set is fine. */
    tw_obstacles *e = NULL;
    TW_CHECK(tw_obstacles_create(&(tw_obstacles_desc){.count = 3}, &e) != TW_OK && !e);
    TW_CHECK(tw_obstacles_create(&(tw_obstacles_desc){.count = 0}, &e) == TW_OK && e);
    TW_CHECK(e && e->count == 0 && isinf(e->top_max));
    tw_obstacles_release(e);
}

/* Adopted arrays are the set's own, not copies (ASan: freed once, by the
 * set), and give the same set as a copy; a description missing an array
 * is refused and leaves them to the caller. */
static void test_adopt(void)
{
    tw_obstacles *c = make();
    if (!c) return;
    int rings = c->ring_count, points = c->ring_start[rings];
    int *rf = malloc(3 * sizeof *rf), *rs = malloc(((size_t)rings + 1) * sizeof *rs);
    double *xy = malloc((size_t)points * 2 * sizeof *xy);
    float *base = malloc(2 * sizeof *base), *top = malloc(2 * sizeof *top);
    long *id = malloc(2 * sizeof *id);
    TW_CHECK(rf && rs && xy && base && top && id);
    if (!rf || !rs || !xy || !base || !top || !id) return;
    memcpy(rf, c->ring_first, 3 * sizeof *rf);
    memcpy(rs, c->ring_start, ((size_t)rings + 1) * sizeof *rs);
    memcpy(xy, c->xy, (size_t)points * 2 * sizeof *xy);
    memcpy(base, c->base, 2 * sizeof *base), memcpy(top, c->top, 2 * sizeof *top);
    memcpy(id, c->id, 2 * sizeof *id);
    tw_obstacles_desc d = {.count = 2,
                           .ring_first = rf,
                           .ring_start = rs,
                           .xy = xy,
                           .base = base,
                           .top = top,
                           .id = NULL};
    tw_obstacles *a = NULL;
    TW_CHECK(tw_obstacles_adopt(&d, &a) == TW_ERR_ARG && !a); /* no id: refused */
    d.id = id;
    TW_CHECK(tw_obstacles_adopt(&d, &a) == TW_OK && a);
    if (!a) return;
    TW_CHECK(a->xy == xy && a->ring_start == rs && a->id == id); /* the same arrays */
    TW_CHECK(a->count == 2 && a->ring_count == rings && a->id[1] == 202);
    for (int k = 0; k < 4; k++) TW_CHECK(a->bbox[k] == c->bbox[k]);
    TW_CHECK(a->top_max == c->top_max);
    /* A box the caller knows is taken as it is (the points not read for it). */
    const double known[4] = {-100, -50, 100, 50};
    tw_obstacles *kb = NULL;
    TW_CHECK(tw_obstacles_create(&(tw_obstacles_desc){.count = 2,
                                                      .ring_first = c->ring_first,
                                                      .ring_start = c->ring_start,
                                                      .xy = c->xy,
                                                      .base = c->base,
                                                      .top = c->top,
                                                      .id = c->id,
                                                      .bbox = known},
                                 &kb) == TW_OK);
    for (int k = 0; kb && k < 4; k++) TW_CHECK(kb->bbox[k] == known[k]);
    TW_CHECK(kb && kb->top_max == c->top_max);
    tw_obstacles_release(kb);
    tw_grid g = {.x0 = -5, .y0 = -5, .dx = 1, .dy = 1, .nx = 40, .ny = 20};
    float za[40 * 20], zc[40 * 20];
    for (int i = 0; i < 40 * 20; i++) za[i] = zc[i] = -INFINITY;
    TW_CHECK(tw_obstacles_rasterize(a, &g, za) == tw_obstacles_rasterize(c, &g, zc));
    TW_CHECK(memcmp(za, zc, sizeof za) == 0);
    TW_CHECK(tw_obstacles_find(a, 21, 8) == 1);
    tw_obstacles_release(a);
    tw_obstacles_release(c);
}

static int kept_releases;
static void kept_release(void *keep)
{
    kept_releases += keep == &kept_releases;
}

/* Points that live in another's memory (a mapped cache file): the set
 * lets them go through xy_release once, when its last reference goes (or
 * at once when the description is refused), never free() (ASan: a static
 * array freed would be reported). */
static void test_adopt_kept_points(void)
{
    static double xy[8] = {0, 0, 2, 0, 2, 2, 0, 2};
    int *rf = malloc(2 * sizeof *rf), *rs = malloc(2 * sizeof *rs);
    float *base = malloc(sizeof *base), *top = malloc(sizeof *top);
    long *id = malloc(sizeof *id);
    TW_CHECK(rf && rs && base && top && id);
    if (!rf || !rs || !base || !top || !id) return;
    rf[0] = 0, rf[1] = 1, rs[0] = 0, rs[1] = 4, base[0] = 0, top[0] = 10, id[0] = 7;
    tw_obstacles_desc d = {.count = 1,
                           .ring_first = rf,
                           .ring_start = rs,
                           .xy = xy,
                           .base = base,
                           .top = top,
                           .id = NULL,
                           .xy_keep = &kept_releases,
                           .xy_release = kept_release};
    tw_obstacles *a = NULL;
    kept_releases = 0;
    TW_CHECK(tw_obstacles_adopt(&d, &a) == TW_ERR_ARG && !a && kept_releases == 1);
    d.id = id;
    kept_releases = 0;
    TW_CHECK(tw_obstacles_adopt(&d, &a) == TW_OK && a && a->xy == xy);
    if (!a) return;
    TW_CHECK(tw_obstacles_find(a, 1, 1) == 0);
    tw_obstacles_ref(a);
    tw_obstacles_release(a);
    TW_CHECK(kept_releases == 0); /* one reference left */
    tw_obstacles_release(a);
    TW_CHECK(kept_releases == 1);
}

/* Prisms whose rings lie anywhere (ring_end given): the L first, a ring
 * of no prism, then the square and its hole, as a buildings layer leaves
 * its footprints where they were read. Copied or adopted, the set is the
 * packed one's: the same cells raised, the same lookups, the stray ring
 * nobody's. */
static void test_rings_anywhere(void)
{
    tw_obstacles *c = make();
    if (!c) return;
    static const double xy[] = {
        20, 0,  30, 0,  30, 2,  20, 2,  /* L foot */
        20, 2,  22, 2,  22, 10, 20, 10, /* L stem */
        50, 50, 60, 50, 60, 60, 50, 60, /* no prism's */
        0,  0,  10, 0,  10, 10, 0,  10, /* square */
        3,  3,  3,  7,  7,  7,  7,  3,  /* hole */
    };
    static const int ring_start[] = {0, 4, 8, 12, 16, 20};
    static const int ring_first[] = {3, 0}, ring_end[] = {5, 2};
    tw_obstacles_desc d = {.count = 2,
                           .ring_first = ring_first,
                           .ring_end = ring_end,
                           .rings = 5,
                           .ring_start = ring_start,
                           .xy = xy,
                           .base = c->base,
                           .top = c->top,
                           .id = c->id};
    tw_obstacles *o = NULL;
    TW_CHECK(tw_obstacles_create(&d, &o) == TW_OK && o);
    /* Adopted: the same description in malloc'ed arrays. */
    int *rf = malloc(2 * sizeof *rf), *re = malloc(2 * sizeof *re), *rs = malloc(sizeof ring_start);
    double *ax = malloc(sizeof xy);
    float *base = malloc(2 * sizeof *base), *top = malloc(2 * sizeof *top);
    long *id = malloc(2 * sizeof *id);
    tw_obstacles *a = NULL;
    if (rf && re && rs && ax && base && top && id) {
        memcpy(rf, ring_first, sizeof ring_first), memcpy(re, ring_end, sizeof ring_end);
        memcpy(rs, ring_start, sizeof ring_start), memcpy(ax, xy, sizeof xy);
        memcpy(base, c->base, 2 * sizeof *base), memcpy(top, c->top, 2 * sizeof *top);
        memcpy(id, c->id, 2 * sizeof *id);
        tw_obstacles_desc da = d;
        da.ring_first = rf, da.ring_end = re, da.ring_start = rs, da.xy = ax;
        da.base = base, da.top = top, da.id = id;
        TW_CHECK(tw_obstacles_adopt(&da, &a) == TW_OK && a && a->ring_end == re);
    }
    if (!a) free(rf), free(re), free(rs), free(ax), free(base), free(top), free(id);
    tw_obstacles *sets[2] = {o, a};
    for (int s = 0; s < 2; s++) {
        tw_obstacles *x = sets[s];
        if (!x) continue;
        TW_CHECK(x->count == 2 && x->ring_count == 5);
        TW_CHECK(x->ring_first[0] == 3 && x->ring_end[0] == 5 && x->ring_end[1] == 2);
        tw_grid g = {.x0 = -5, .y0 = -5, .dx = 1, .dy = 1, .nx = 80, .ny = 80};
        static float zx[80 * 80], zc[80 * 80];
        for (int i = 0; i < 80 * 80; i++) zx[i] = zc[i] = -INFINITY;
        long n = tw_obstacles_rasterize(x, &g, zx);
        TW_CHECK_MSG(n == 84 + 36, "raised %ld", n);
        TW_CHECK(n == tw_obstacles_rasterize(c, &g, zc) && memcmp(zx, zc, sizeof zx) == 0);
        TW_CHECK(tw_obstacles_find(x, 1, 1) == 0 && tw_obstacles_find(x, 5, 5) == -1);
        TW_CHECK(tw_obstacles_find(x, 21, 8) == 1 && tw_obstacles_find(x, 55, 55) == -1);
    }
    tw_obstacles_release(a);
    tw_obstacles_release(o);
    tw_obstacles_release(c);
}

int main(void)
{
    TW_RUN(test_rasterize);
    TW_RUN(test_find_and_refs);
    TW_RUN(test_adopt);
    TW_RUN(test_adopt_kept_points);
    TW_RUN(test_rings_anywhere);
    return tw_test_failures ? 1 : 0;
}
