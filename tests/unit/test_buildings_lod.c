/* The level a buildings chunk is drawn at (app_buildings_lod.c): chosen by
 * the screen-space error of what each level drops, from the chunk's
 * nearest point, not by the chunk's longer side on screen. Dense 500 m
 * chunks 15 and 20 km ahead of an eye 2.5 km up are slivers over 20 px
 * wide (the old rule drew them in full) whose buildings are a pixel or two
 * apart: boxes and blocks now; a chunk near the eye stays in full; a
 * top-down overview keeps the coarsest blocks as before; 0 turns a level
 * off. */
#include "app_buildings_int.h"
#include "tw_test.h"

#include <math.h>
#include <string.h>

#define W 1280
#define H 720

/* A view as the app makes it: eye-relative, 45 degrees vertical. */
static void view_at(rn_view *v, const double eye[3], const double target[3])
{
    memset(v, 0, sizeof *v);
    memcpy(v->eye, eye, sizeof v->eye);
    v->width = W, v->height = H;
    vec3 o = {0, 0, 0}, dir, up = {0, 0, 1};
    for (int k = 0; k < 3; k++) dir[k] = (float)(target[k] - eye[k]);
    if (fabsf(dir[0]) < 1e-3f && fabsf(dir[1]) < 1e-3f) up[1] = 1, up[2] = 0; /* straight down */
    mat4 view, proj, vp;
    glm_look(o, dir, up, view);
    glm_perspective(glm_rad(45), (float)W / H, 1, 200000, proj);
    glm_mat4_mul(proj, view, vp);
    memcpy(v->view_proj, vp, sizeof v->view_proj);
}

/* A 500 m chunk at (x, y) holding n buildings up to 30 m, whose boxes
 * add 7 m squared each to their footprints (7 m * APP_FAR_ERR_SCALE is
 * about the 31.6 m spacing of 250 buildings: the boxes' level as by the
 * spacing alone). */
static geo_buildings_chunk chunk_at(double x, double y, int n)
{
    geo_buildings_chunk c = {.f0 = 0, .f1 = n, .origin = {x, y, 0}, .far_err = 7};
    double b[6] = {x, y, 0, x + 500, y + 500, 30};
    memcpy(c.box, b, sizeof b);
    return c;
}

static app_blod lod(const app_buildings_cfg *cfg, const geo_buildings_chunk *c, const rn_view *v)
{
    return app_bchunk_lod(cfg, c, v, app_bview_focal(v));
}

/* The old rule's measure: the chunk's longer side on screen. */
static float longer_px(const geo_buildings_chunk *c, const rn_view *v)
{
    mat4 vp;
    vec4 planes[6];
    memcpy(vp, v->view_proj, sizeof vp);
    glm_frustum_planes(vp, planes);
    float px = 0;
    TW_CHECK(app_bbox_seen(c->box, v, vp, planes, &px) == APP_SEEN);
    return px;
}

static void test_focal(void)
{
    rn_view v;
    view_at(&v, (double[3]){0, 0, 2500}, (double[3]){0, 10000, 0});
    /* 360 px / tan(22.5 degrees). */
    TW_CHECK_NEAR(app_bview_focal(&v), 0.5 * H / tan(M_PI / 8), 0.01);
}

static void test_grazing(void)
{
    app_buildings_cfg cfg = {.far_px = APP_FAR_PX, .block_px = APP_BLOCK_PX};
    rn_view v;
    view_at(&v, (double[3]){0, 0, 2500}, (double[3]){0, 10000, 0});
    /* 250 buildings a chunk (31.6 m apart, as in the Seoul bench set). */
    geo_buildings_chunk far = chunk_at(-250, 19750, 250), mid = chunk_at(-250, 14750, 250);
    float px_far = longer_px(&far, &v), px_mid = longer_px(&mid, &v);
    fprintf(stderr, "  20 km: %.1f px (old rule: full), level %d; 15 km: %.1f px, level %d\n",
            px_far, lod(&cfg, &far, &v), px_mid, lod(&cfg, &mid, &v));
    TW_CHECK(px_far > 20 && px_mid > 20); /* the old rule drew both in full */
    TW_CHECK(lod(&cfg, &far, &v) >= APP_LOD_BLOCK);
    TW_CHECK(lod(&cfg, &mid, &v) == APP_LOD_FAR);
    /* At 15 km the 8 x 8 cells (62.5 m) are over block_px across the view
     * but under it foreshortened by the root of the sine (0.4): the blocks
     * take no grazing discount (the gaps between buildings across the view
     * are not foreshortened; with it buildings_lod_grazing was 0.76 % off,
     * its far rows merged into striped slabs). */
    double dz = 2500 - 30, d = sqrt(14750.0 * 14750.0 + dz * dz); /* the chunk's nearest point */
    double across = 62.5 * app_bview_focal(&v) / d;
    TW_CHECK_MSG(across > APP_BLOCK_PX && across * sqrt(dz / d) < APP_BLOCK_PX,
                 "cells %.2f px across", across);
    /* Near the eye (the chunk under it, 2.5 km down): in full; so is a
     * sparse chunk at 10 km (3 buildings, 290 m apart, counted as a block
     * cell's 62.5 m: their boxes would show), where a dense one is boxes. */
    geo_buildings_chunk under = chunk_at(-250, -250, 250), sparse = chunk_at(-250, 9750, 3);
    TW_CHECK_MSG(lod(&cfg, &under, &v) == APP_LOD_FULL, "under the eye: level %d",
                 lod(&cfg, &under, &v));
    sparse.far_err = 20; /* large buildings' boxes add more */
    TW_CHECK(lod(&cfg, &sparse, &v) == APP_LOD_FULL);
    geo_buildings_chunk dense = chunk_at(-250, 9750, 250);
    TW_CHECK(lod(&cfg, &dense, &v) == APP_LOD_FAR);
    /* A street view: the chunk the eye stands in is in full. */
    rn_view s;
    view_at(&s, (double[3]){100, 100, 60}, (double[3]){400, 900, 20});
    geo_buildings_chunk here = chunk_at(0, 0, 250);
    TW_CHECK(lod(&cfg, &here, &s) == APP_LOD_FULL);
    /* Levels turned off. */
    app_buildings_cfg nofar = cfg, noblock = cfg;
    nofar.far_px = 0, noblock.block_px = 0;
    TW_CHECK(lod(&nofar, &far, &v) == APP_LOD_FULL);
    TW_CHECK(lod(&noblock, &far, &v) == APP_LOD_FAR);
    /* An empty chunk is never drawn coarser (nothing to lose). */
    geo_buildings_chunk empty = chunk_at(-250, 19750, 0);
    TW_CHECK(lod(&cfg, &empty, &v) == APP_LOD_FULL);
}

/* Top-down from 60 km (the bench's overview): a 500 m chunk is 7 px and
 * drawn as the coarsest blocks, as the old rule did; from 17 km (26 px,
 * 31.6 m apart is 1.6 px) as boxes; from 6 km (72 px) in full. */
static void test_overview(void)
{
    app_buildings_cfg cfg = {.far_px = APP_FAR_PX, .block_px = APP_BLOCK_PX};
    rn_view v;
    geo_buildings_chunk c = chunk_at(-250, -250, 250);
    view_at(&v, (double[3]){0, 0, 60000}, (double[3]){0, 0, 0});
    TW_CHECK(lod(&cfg, &c, &v) == APP_LOD_BLOCK + APP_BLOCK_LEVELS - 1);
    view_at(&v, (double[3]){0, 0, 17000}, (double[3]){0, 0, 0});
    TW_CHECK(lod(&cfg, &c, &v) == APP_LOD_FAR);
    view_at(&v, (double[3]){0, 0, 6000}, (double[3]){0, 0, 0});
    TW_CHECK(lod(&cfg, &c, &v) == APP_LOD_FULL);
}

/* Boxes turned to their footprints (geo_buildings_obox): a chunk of
 * rectangles, whose boxes add nothing (the 1 m floor), is drawn as boxes
 * from 6 km up where one of L-shapes (9 m squared added, as the grazing
 * district's) or the old rule by spacing alone keeps it in full; from
 * 2 km up both are in full. */
static void test_measured_far_error(void)
{
    app_buildings_cfg cfg = {.far_px = APP_FAR_PX, .block_px = APP_BLOCK_PX};
    rn_view v;
    geo_buildings_chunk rect = chunk_at(-250, -250, 250), ell = rect;
    rect.far_err = 0, ell.far_err = 9;
    view_at(&v, (double[3]){0, 0, 6000}, (double[3]){0, 0, 0});
    TW_CHECK(lod(&cfg, &rect, &v) == APP_LOD_FAR);
    TW_CHECK(lod(&cfg, &ell, &v) == APP_LOD_FULL);
    double spacing = sqrt(500.0 * 500.0 / 250) * app_bview_focal(&v) / (6000 - 30);
    TW_CHECK_MSG(spacing >= APP_FAR_PX, "the spacing alone: %.2f px", spacing);
    view_at(&v, (double[3]){0, 0, 2000}, (double[3]){0, 0, 0});
    TW_CHECK(lod(&cfg, &rect, &v) == APP_LOD_FULL);
}

/* The shadow map's level: a chunk whose buildings are under a texel
 * apart casts its far boxes' shadow, one whose block cells are under a
 * texel its blocks' (the coarsest such grid); at a street view's texel
 * (1 m) every chunk casts in full. */
static void test_shadow_lod(void)
{
    geo_buildings_chunk c = chunk_at(0, 0, 250); /* 31.6 m apart, cells 62.5 / 125 m */
    TW_CHECK(app_bchunk_shadow_lod(&c, 1.0) == APP_LOD_FULL);
    TW_CHECK(app_bchunk_shadow_lod(&c, 31.0) == APP_LOD_FULL);
    TW_CHECK(app_bchunk_shadow_lod(&c, 32.0) == APP_LOD_FAR);
    TW_CHECK(app_bchunk_shadow_lod(&c, 63.0) == APP_LOD_BLOCK);
    TW_CHECK(app_bchunk_shadow_lod(&c, 126.0) == APP_LOD_BLOCK + APP_BLOCK_LEVELS - 1);
    geo_buildings_chunk sparse = chunk_at(0, 0, 4); /* spacing capped at a cell: 62.5 m */
    TW_CHECK(app_bchunk_shadow_lod(&sparse, 40.0) == APP_LOD_FULL);
    TW_CHECK(app_bchunk_shadow_lod(&sparse, 0) == APP_LOD_FULL);
}

/* A frame's items go nearest first (the depth test then rejects what
 * they hide before shading); a translucent layer's stay as they are. */
static void test_sort(void)
{
    const double eye[3] = {0, 0, 100};
    rn_fill_item it[4] = {{.origin = {3000, 0, 0}, .opacity = 1},
                          {.origin = {0, 500, 0}, .opacity = 1},
                          {.origin = {0, 0, 0}, .opacity = 1},
                          {.origin = {-1000, -1000, 0}, .opacity = 1}};
    app_bitems_sort(it, 4, eye);
    TW_CHECK(it[0].origin[0] == 0 && it[0].origin[1] == 0);
    TW_CHECK(it[1].origin[1] == 500 && it[2].origin[0] == -1000 && it[3].origin[0] == 3000);
    rn_fill_item half[2] = {{.origin = {3000, 0, 0}, .opacity = 0.5f},
                            {.origin = {0, 0, 0}, .opacity = 0.5f}};
    app_bitems_sort(half, 2, eye);
    TW_CHECK(half[0].origin[0] == 3000);
}

int main(void)
{
    TW_RUN(test_focal);
    TW_RUN(test_grazing);
    TW_RUN(test_overview);
    TW_RUN(test_measured_far_error);
    TW_RUN(test_sort);
    TW_RUN(test_shadow_lod);
    return TW_TEST_END();
}
