/* The world's obstacles service with sets still being made: a layer
 * announces a publish under way (app_world_obstacles_pending) and every
 * reader finishes it first (app_world_obstacles_settle, inside
 * app_world_obstacles_ref and _rasterize), so a reader sees the set as if
 * it had been published at once; each publish is finished once, and a
 * callback that does not end its own entry cannot make a read loop. */
#include "app_layer.h"
#include "tw_test.h"

#include <stdlib.h>
#include <string.h>

/* A publishing layer: its set is made "on a worker" and published when
 * the world asks (or never, for the careless one). */
typedef struct fake_layer {
    app_world *w;
    int settles;
    bool careless; /* does not end its entry */
    float top;
} fake_layer;

static tw_obstacles *square(float top)
{
    static const double xy[] = {0, 0, 10, 0, 10, 10, 0, 10};
    static const int ring_start[] = {0, 4}, ring_first[] = {0, 1};
    float base[] = {0}, tops[] = {top};
    static const long id[] = {7};
    tw_obstacles *o = NULL;
    TW_CHECK(tw_obstacles_create(&(tw_obstacles_desc){.count = 1,
                                                      .ring_first = ring_first,
                                                      .ring_start = ring_start,
                                                      .xy = xy,
                                                      .base = base,
                                                      .top = tops,
                                                      .id = id},
                                 &o) == TW_OK);
    return o;
}

static void fake_settle(void *owner)
{
    fake_layer *l = owner;
    l->settles++;
    if (l->careless) return;
    app_world_obstacles_pending(l->w, l, NULL);
    app_world_set_obstacles(l->w, l, square(l->top));
}

static void test_settled_by_readers(void)
{
    app_world w;
    memset(&w, 0, sizeof w);
    fake_layer a = {.w = &w, .top = 30}, b = {.w = &w, .top = 50};
    app_world_obstacles_pending(&w, &a, fake_settle);
    app_world_obstacles_pending(&w, &b, fake_settle);
    app_world_obstacles_pending(&w, &a, fake_settle); /* again: still one entry */
    TW_CHECK(w.obstacles_pending_count == 2 && w.obstacle_count == 0);
    unsigned gen = w.obstacles_gen;
    /* A worker's references: both publishes finished first, once each. */
    tw_obstacles *sets[APP_WORLD_OBSTACLES];
    int n = app_world_obstacles_ref(&w, sets, APP_WORLD_OBSTACLES);
    TW_CHECK_MSG(n == 2 && a.settles == 1 && b.settles == 1 && w.obstacles_pending_count == 0 &&
                     w.obstacles_gen == gen + 2,
                 "%d sets, settles %d %d, %d pending", n, a.settles, b.settles,
                 w.obstacles_pending_count);
    for (int i = 0; i < n; i++) tw_obstacles_release(sets[i]);
    /* Nothing under way: reading again finishes nothing. */
    app_world_obstacles_settle(&w);
    TW_CHECK(a.settles == 1 && b.settles == 1);
    /* Rasterizing a grid is a read too: the new set is in it. */
    app_world_obstacles_pending(&w, &a, fake_settle);
    a.top = 80;
    float cells[4] = {0};
    tw_grid g = {.x0 = 0, .y0 = 0, .dx = 5, .dy = 5, .nx = 2, .ny = 2};
    app_world_obstacles_rasterize(&w, &g, cells);
    TW_CHECK_MSG(a.settles == 2 && cells[0] == 80, "settles %d, cell %.1f", a.settles, cells[0]);
    /* Ended without a read (the layer's own end): no longer pending. */
    app_world_obstacles_pending(&w, &b, fake_settle);
    app_world_obstacles_pending(&w, &b, NULL);
    app_world_obstacles_pending(&w, &b, NULL); /* not pending: nothing */
    app_world_obstacles_settle(&w);
    TW_CHECK(b.settles == 1 && w.obstacles_pending_count == 0);
    /* A callback that leaves its entry: a read still returns. */
    fake_layer c = {.w = &w, .careless = true};
    app_world_obstacles_pending(&w, &c, fake_settle);
    app_world_obstacles_settle(&w);
    TW_CHECK_MSG(c.settles >= 1 && c.settles <= APP_WORLD_OBSTACLES, "settles %d", c.settles);
    app_world_obstacles_pending(&w, &c, NULL);
    app_world_set_obstacles(&w, &a, NULL);
    app_world_set_obstacles(&w, &b, NULL);
    TW_CHECK(w.obstacle_count == 0);
}

int main(void)
{
    TW_RUN(test_settled_by_readers);
    return TW_TEST_END();
}
