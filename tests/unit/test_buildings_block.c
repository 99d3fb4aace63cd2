/* The block level of the buildings' chunks (geo_buildings_block) on the real
 * Cheongna footprints, from a table of rows (bases on uneven ground,
 * heights, a colour each, as the app draws them), at 8, 4, 2 and 1 cells a side: at most
 * side^2 boxes of 10 triangles a chunk and fewer triangles than the far boxes, every building's
 * box inside the block box of its cell and under its top, the block mesh's
 * extent that of the buildings, the tallest building's block as tall as it,
 * each block's colour within the range of its buildings' (an area-weighted
 * mean of them), a raise after an edit
 * showing in the blocks, and an empty chunk giving an empty mesh. The cast
 * form (tops the renderer ray-casts) gives back the same boxes. */
#include "geo_buildings.h"
#include "geo_gdal.h"
#include "tw_log.h"
#include "tw_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static geo_frame *frame;
static char cheongna[1024];

/* A box of corners lo..hi of mesh m's vertices v0 .. v0 + 7. */
static void box_of(const tw_mesh *m, uint32_t v0, float b[6])
{
    for (int k = 0; k < 3; k++) b[k] = HUGE_VALF, b[k + 3] = -HUGE_VALF;
    for (uint32_t v = v0; v < v0 + 8; v++)
        for (int k = 0; k < 3; k++) {
            float x = m->positions[v * 3 + k];
            b[k] = fminf(b[k], x), b[k + 3] = fmaxf(b[k + 3], x);
        }
}

/* Feature c->f0 + i's box as drawn: its footprint's bounding box from its
 * row's base to its top, in the chunk's coordinates. */
static void building_box(const geo_buildings *b, const geo_buildings_chunk *c,
                         const geo_buildings_row *rows, uint32_t i, float q[6])
{
    const double *bb = b->polys.features[c->f0 + (int)i].bbox;
    const geo_buildings_row *r = &rows[c->f0 + (int)i];
    q[0] = (float)(bb[0] - c->origin[0]), q[1] = (float)(bb[1] - c->origin[1]);
    q[3] = (float)(bb[2] - c->origin[0]), q[4] = (float)(bb[3] - c->origin[1]);
    q[2] = r->base, q[5] = r->base + r->height;
}

/* The cast form of the same blocks (GEO_BLOCKS_CAST): box b's top as 4
 * corners counter-clockwise seen from above (2 triangles, facing up), in
 * its colour, each corner's normal reaching the box's opposite bottom
 * corner: the boxes come back exactly from the tops. */
static void check_cast(const geo_buildings *bs, const geo_buildings_chunk *c,
                       const geo_buildings_row *rows, int side, const tw_mesh *boxes)
{
    tw_mesh m;
    TW_CHECK(geo_buildings_block(bs, c, rows + c->f0, side, GEO_BLOCKS_CAST, &m) == TW_OK);
    uint32_t n = boxes->vertex_count / 8;
    TW_CHECK_MSG(m.vertex_count == n * 4 && m.index_count == n * 6, "%u vertices for %u boxes",
                 m.vertex_count, n);
    TW_CHECK((m.attrs & TW_MESH_GPU16) && m.normals && m.colors && m.strip_count == 0 &&
             m.list_count == n * 6);
    TW_CHECK(m.origin[0] == boxes->origin[0] && m.origin[1] == boxes->origin[1]);
    int wrong = 0, facing = 0;
    for (uint32_t b = 0; b < n && m.vertex_count == n * 4; b++) {
        float q[6], got[6];
        box_of(boxes, b * 8, q);
        for (int k = 0; k < 3; k++) got[k] = HUGE_VALF, got[k + 3] = -HUGE_VALF;
        for (uint32_t v = b * 4; v < b * 4 + 4; v++) {
            const float *p = &m.positions[v * 3], *o = &m.normals[v * 3];
            wrong += p[2] != q[5]; /* on the top */
            for (int k = 0; k < 3; k++) {
                float e[2] = {p[k], p[k] + o[k]};
                for (int j = 0; j < 2; j++)
                    got[k] = fminf(got[k], e[j]), got[k + 3] = fmaxf(got[k + 3], e[j]);
            }
            /* The opposite corner is across both sides and at the bottom. */
            wrong += o[0] == 0 && q[3] > q[0];
            wrong += o[1] == 0 && q[4] > q[1];
            wrong += fabsf(p[2] + o[2] - q[2]) > 1e-4f;
            wrong += memcmp(&m.colors[v * 4], &boxes->colors[b * 8 * 4], 4) != 0;
        }
        for (int k = 0; k < 6; k++) wrong += fabsf(got[k] - q[k]) > 1e-3f;
    }
    for (uint32_t t = 0; t + 2 < m.list_count; t += 3) {
        const uint16_t *ix = &m.ix16[t];
        const float *a = &m.positions[ix[0] * 3], *b = &m.positions[ix[1] * 3],
                    *d = &m.positions[ix[2] * 3];
        float z = (b[0] - a[0]) * (d[1] - a[1]) - (b[1] - a[1]) * (d[0] - a[0]);
        facing += z > 0;
        wrong += ix[0] / 4 != ix[1] / 4 || ix[0] / 4 != ix[2] / 4; /* one block's corners */
    }
    TW_CHECK_MSG(wrong == 0, "%d cast corners off their boxes", wrong);
    TW_CHECK_MSG(facing == (int)(n * 2), "%d of %u top triangles face up", facing, n * 2);
    tw_mesh_free(&m);
}

/* Checks chunk c's blocks against its buildings' boxes; returns the blocks' triangles. */
static long check_chunk(const geo_buildings *bs, const geo_buildings_chunk *c,
                        const geo_buildings_row *rows, int side, float *tallest_block,
                        float *tallest)
{
    tw_mesh m;
    TW_CHECK(geo_buildings_block(bs, c, rows + c->f0, side, GEO_BLOCKS_BOXES, &m) == TW_OK);
    uint32_t boxes = m.vertex_count / 8, n = (uint32_t)(c->f1 - c->f0);
    TW_CHECK(m.vertex_count == boxes * 8 && m.index_count == boxes * 30);
    TW_CHECK_MSG(boxes >= 1 && boxes <= (uint32_t)(side * side) && boxes <= n,
                 "%u blocks for %u buildings", boxes, n);
    /* As the GPU takes them: the walls a strip, the roofs a list, uint16. */
    TW_CHECK(m.attrs & TW_MESH_GPU16);
    TW_CHECK(m.strip_count == boxes * 12 - 2 && m.list_count == boxes * 6);
    for (uint32_t i = 0; i < m.strip_count + m.list_count; i++)
        TW_CHECK(m.ix16[i] < m.vertex_count);
    TW_CHECK(m.origin[0] == c->origin[0] && m.origin[1] == c->origin[1] && m.origin[2] == 0);
    float ext[6], fext[6] = {HUGE_VALF, HUGE_VALF, HUGE_VALF, -HUGE_VALF, -HUGE_VALF, -HUGE_VALF};
    for (int k = 0; k < 3; k++) ext[k] = HUGE_VALF, ext[k + 3] = -HUGE_VALF;
    for (uint32_t b = 0; b < boxes; b++) {
        float q[6];
        box_of(&m, b * 8, q);
        for (int k = 0; k < 3; k++)
            ext[k] = fminf(ext[k], q[k]), ext[k + 3] = fmaxf(ext[k + 3], q[k + 3]);
    }
    int outside = 0, colour = 0;
    /* Per block: does some building inside it have its colour? */
    /* Per block and channel: the range of the colours of buildings centred in it. */
    int(*range)[8] = calloc(boxes + 1, sizeof *range);
    for (uint32_t b = 0; b < boxes; b++)
        for (int j = 0; j < 4; j++) range[b][j] = 255, range[b][4 + j] = 0;
    float ht = -HUGE_VALF, hb = -HUGE_VALF;
    for (uint32_t i = 0; i < n; i++) {
        float f[6];
        building_box(bs, c, rows, i, f);
        for (int k = 0; k < 3; k++)
            fext[k] = fminf(fext[k], f[k]), fext[k + 3] = fmaxf(fext[k + 3], f[k + 3]);
        float cx = 0.5f * (f[0] + f[3]), cy = 0.5f * (f[1] + f[4]);
        /* Covered: some block holds its box, from below its base to at
         * least its top; its colour is that of a building centred in it. */
        int in = -1;
        float q[6];
        for (uint32_t b = 0; b < boxes; b++) {
            box_of(&m, b * 8, q);
            if (cx < q[0] || cy < q[1] || cx > q[3] || cy > q[4]) continue;
            for (int j = 0; j < 4; j++) {
                int x = rows[c->f0 + (int)i].rgba[j];
                range[b][j] = x < range[b][j] ? x : range[b][j];
                range[b][4 + j] = x > range[b][4 + j] ? x : range[b][4 + j];
            }
            if (f[0] >= q[0] && f[1] >= q[1] && f[3] <= q[3] && f[4] <= q[4] && q[5] >= f[5] &&
                q[2] <= f[2] && in < 0)
                in = (int)b;
        }
        if (in < 0) {
            outside++;
            continue;
        }
        box_of(&m, (uint32_t)in * 8, q);
        if (f[5] > ht) ht = f[5], hb = q[5];
    }
    for (uint32_t b = 0; b < boxes; b++)
        for (uint32_t v = 0; v < 8; v++)
            for (int j = 0; j < 4; j++) {
                int x = m.colors[(b * 8 + v) * 4 + (uint32_t)j];
                colour += x < range[b][j] || x > range[b][4 + j];
            }
    free(range);
    TW_CHECK_MSG(outside == 0, "%d buildings in no block reaching their base and top", outside);
    TW_CHECK_MSG(colour == 0, "%d block colours outside their buildings' range", colour);
    for (int k = 0; k < 6; k++)
        TW_CHECK_MSG(ext[k] == fext[k], "extent %d: %g vs %g", k, ext[k], fext[k]);
    if (ht > *tallest) *tallest = ht, *tallest_block = hb;
    long tris = m.index_count / 3;
    TW_CHECK(tris <= (long)c->far.index_count / 3);
    check_cast(bs, c, rows, side, &m);
    tw_mesh_free(&m);
    return tris;
}

static void test_blocks(void)
{
    char err[512];
    geo_buildings_desc d = {.src = {.path = cheongna}};
    geo_buildings b;
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    if (!b.chunk_count) return;
    double *base = calloc((size_t)b.polys.count, sizeof *base);
    for (int f = 0; f < b.polys.count; f++) base[f] = 2.0 + (f % 7); /* uneven ground */
    geo_buildings_raise(&b, base, 1.0);
    /* A row per building: base, height and a colour (as a class colouring would give). */
    geo_buildings_row *rows = calloc((size_t)b.polys.count, sizeof *rows);
    for (int f = 0; f < b.polys.count; f++) {
        uint32_t i = (uint32_t)f;
        geo_buildings_row_raise(&rows[f], base[f], b.height[f], 1.0);
        uint8_t rgba[4] = {(uint8_t)(i * 37), (uint8_t)(i * 91), (uint8_t)(i >> 3), 255};
        memcpy(rows[f].rgba, rgba, 4);
    }
    for (int side = GEO_BUILDINGS_BLOCK_N; side >= 1; side /= 2) {
        long far = 0, blocks = 0;
        float tallest = -HUGE_VALF, tallest_block = 0;
        for (int k = 0; k < b.chunk_count; k++) {
            blocks += check_chunk(&b, &b.chunks[k], rows, side, &tallest_block, &tallest);
            far += b.chunks[k].far.index_count / 3;
        }
        TW_CHECK_MSG(tallest_block == tallest, "tallest %g, its block %g", tallest, tallest_block);
        TW_CHECK(blocks <= (long)b.chunk_count * side * side * 10);
        /* Cheongna's chunks hold ~90 buildings, many big blocks of flats. */
        TW_CHECK_MSG(blocks * 3 < far * 2, "%d a side: blocks %ld triangles, far boxes %ld", side,
                     blocks, far);
        fprintf(stderr, "  cheongna, %d x %d: %d buildings, far boxes %ld triangles, blocks %ld\n",
                side, side, b.polys.count, far, blocks);
    }
    /* Several chunks in one mesh (a block group): each chunk's boxes and
     * colours as its own mesh has them, moved from its origin to the
     * group's, in the order given. */
    int pick[3] = {b.chunk_count - 1, 0, b.chunk_count / 2};
    double org[2] = {b.chunks[pick[0]].origin[0] + 0.5, b.chunks[pick[0]].origin[1] - 0.25};
    for (int side = GEO_BUILDINGS_BLOCK_N; side >= 1; side /= 2) {
        tw_mesh g;
        TW_CHECK(geo_buildings_blocks(&b, pick, 3, rows, side, GEO_BLOCKS_BOXES, org, &g) == TW_OK);
        TW_CHECK(g.origin[0] == org[0] && g.origin[1] == org[1] && g.origin[2] == 0);
        TW_CHECK(g.attrs & TW_MESH_GPU16);
        uint32_t v0 = 0, off = 0;
        for (int j = 0; j < 3; j++) {
            const geo_buildings_chunk *c = &b.chunks[pick[j]];
            tw_mesh one;
            TW_CHECK(geo_buildings_block(&b, c, rows + c->f0, side, GEO_BLOCKS_BOXES, &one) ==
                     TW_OK);
            double dx = c->origin[0] - org[0], dy = c->origin[1] - org[1];
            for (uint32_t v = 0; v < one.vertex_count && v0 + v < g.vertex_count; v++) {
                const float *a = &one.positions[v * 3], *q = &g.positions[(v0 + v) * 3];
                off += fabs(a[0] + dx - q[0]) > 1e-3 || fabs(a[1] + dy - q[1]) > 1e-3 ||
                       a[2] != q[2] || memcmp(&one.colors[v * 4], &g.colors[(v0 + v) * 4], 4) != 0;
            }
            v0 += one.vertex_count;
            tw_mesh_free(&one);
        }
        TW_CHECK_MSG(v0 == g.vertex_count && g.index_count == v0 / 8 * 30,
                     "%d a side: %u vertices in the group, %u in its chunks", side, g.vertex_count,
                     v0);
        TW_CHECK_MSG(off == 0, "%d a side: %u group vertices unlike their chunk's", side, off);
        /* Its triangles as a list: each box's 10 on its own 8 vertices. */
        uint32_t *ix = malloc((size_t)g.index_count * sizeof *ix + 1);
        tw_mesh_unpack16(&g, ix, NULL);
        uint32_t wrong = 0;
        for (uint32_t t = 0; t < g.index_count / 3; t++)
            wrong += ix[3 * t] / 8 != ix[3 * t + 1] / 8 || ix[3 * t] / 8 != ix[3 * t + 2] / 8;
        TW_CHECK_MSG(wrong == 0, "%u triangles across boxes", wrong);
        free(ix);
        tw_mesh_free(&g);
    }
    tw_mesh m;
    TW_CHECK(geo_buildings_blocks(&b, (int[1]){b.chunk_count}, 1, rows, 4, GEO_BLOCKS_BOXES, org,
                                  &m) == TW_ERR_ARG);
    TW_CHECK(geo_buildings_blocks(&b, (int[1]){-1}, 1, rows, 4, GEO_BLOCKS_BOXES, org, &m) ==
             TW_ERR_ARG);
    TW_CHECK(geo_buildings_blocks(&b, pick, 3, rows, 0, GEO_BLOCKS_BOXES, org, &m) == TW_ERR_ARG);
    TW_CHECK(geo_buildings_blocks(&b, pick, 0, rows, 4, GEO_BLOCKS_BOXES, org, &m) == TW_OK &&
             m.vertex_count == 0);
    tw_mesh_free(&m);
    TW_CHECK(geo_buildings_block(&b, &b.chunks[0], rows, 0, GEO_BLOCKS_BOXES, &m) == TW_ERR_ARG);
    TW_CHECK(geo_buildings_block(&b, &b.chunks[0], rows, GEO_BUILDINGS_BLOCK_N + 1,
                                 GEO_BLOCKS_BOXES, &m) == TW_ERR_ARG);

    /* An edit raises one building far above the rest: its block follows. */
    int f = b.chunks[0].f0;
    b.height[f] = 400;
    geo_buildings_row_raise(&rows[f], base[f], b.height[f], 1.0);
    TW_CHECK(geo_buildings_block(&b, &b.chunks[0], rows + b.chunks[0].f0, 4, GEO_BLOCKS_BOXES,
                                 &m) == TW_OK);
    float top = -HUGE_VALF;
    for (uint32_t v = 0; v < m.vertex_count; v++) top = fmaxf(top, m.positions[v * 3 + 2]);
    TW_CHECK_MSG(fabsf(top - (float)(base[f] + 400)) < 0.01f, "raised top %g", top);
    tw_mesh_free(&m);
    free(rows);
    free(base);
    geo_buildings_free(&b);
}

static void test_empty(void)
{
    geo_buildings b = {0};
    geo_buildings_chunk c = {0};
    geo_buildings_row row = {0};
    tw_mesh m;
    TW_CHECK(geo_buildings_block(&b, &c, &row, GEO_BUILDINGS_BLOCK_N, GEO_BLOCKS_BOXES, &m) ==
             TW_OK);
    TW_CHECK(m.vertex_count == 0 && m.index_count == 0);
    tw_mesh_free(&m);
}

/* The far boxes' rectangles (geo_buildings_obox) on the real Cheongna
 * footprints: every outer point inside its rectangle, corners
 * counter-clockwise and at right angles, never larger than the axis box
 * (and smaller for some turned footprints), what it adds the rectangle's
 * area less the footprint's; a turned square's rectangle is itself. */
static void test_obox(void)
{
    geo_buildings b;
    char err[512];
    geo_buildings_desc d = {.src = {.path = cheongna}};
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    const geo_polygons *p = &b.polys;
    int turned = 0;
    double lost_sum = 0, axis_sum = 0;
    for (int f = 0; f < p->count; f++) {
        double q[4][2];
        double lost = geo_buildings_obox(p, f, q);
        const geo_polygon *g = &p->features[f];
        double ux = q[1][0] - q[0][0], uy = q[1][1] - q[0][1];
        double vx = q[3][0] - q[0][0], vy = q[3][1] - q[0][1];
        double area = ux * vy - uy * vx; /* > 0: counter-clockwise */
        double lu = sqrt(ux * ux + uy * uy), lv = sqrt(vx * vx + vy * vy);
        TW_CHECK_MSG(area > 0 && fabs(ux * vx + uy * vy) <= 1e-6 * lu * lv + 1e-9,
                     "feature %d: area %g", f, area);
        double axis = (g->bbox[2] - g->bbox[0]) * (g->bbox[3] - g->bbox[1]);
        TW_CHECK_MSG(area <= axis * (1 + 1e-9) + 1e-6, "feature %d: %g over its axis box %g", f,
                     area, axis);
        turned += area < axis * 0.95;
        TW_CHECK_NEAR(lost, fmax(area - g->area, 0), 1e-3 * axis + 1e-6);
        lost_sum += lost, axis_sum += fmax(axis - g->area, 0);
        for (int r = g->ring_first; r < g->ring_first + g->ring_count; r++) {
            if (!p->ring_outer[r]) continue;
            for (int i = p->ring_start[r]; i < p->ring_start[r + 1]; i++) {
                double x = p->xy[2 * i] - q[0][0], y = p->xy[2 * i + 1] - q[0][1];
                double u = (x * ux + y * uy) / lu, v = (x * vx + y * vy) / lv;
                TW_CHECK_MSG(u >= -1e-6 && u <= lu + 1e-6 && v >= -1e-6 && v <= lv + 1e-6,
                             "feature %d: point %d outside (%g, %g)", f, i, u, v);
            }
        }
    }
    fprintf(stderr, "  %d of %d footprints turned; boxes add %.0f m^2 (axis boxes %.0f)\n", turned,
            p->count, lost_sum, axis_sum);
    TW_CHECK(turned > p->count / 10 && lost_sum < axis_sum * 0.8);
    geo_buildings_free(&b);

    /* A 10 m square turned 30 degrees: its own rectangle, nothing added. */
    double c = cos(M_PI / 6), s = sin(M_PI / 6), xy[10];
    const double sq[5][2] = {{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}};
    for (int i = 0; i < 5; i++)
        xy[2 * i] = 1000 + c * sq[i][0] - s * sq[i][1],
               xy[2 * i + 1] = 2000 + s * sq[i][0] + c * sq[i][1];
    int start[2] = {0, 5};
    bool outer[1] = {true};
    geo_polygon g = {.ring_first = 0, .ring_count = 1, .area = 100};
    g.bbox[0] = 1000 - 10 * s, g.bbox[1] = 2000, g.bbox[2] = 1000 + 10 * c,
    g.bbox[3] = 2000 + 10 * s + 10 * c;
    geo_polygons one = {.features = &g,
                        .count = 1,
                        .xy = xy,
                        .ring_start = start,
                        .ring_outer = outer,
                        .ring_count = 1};
    double q[4][2];
    TW_CHECK_NEAR(geo_buildings_obox(&one, 0, q), 0, 1e-6);
    double ux = q[1][0] - q[0][0], uy = q[1][1] - q[0][1];
    TW_CHECK_NEAR(sqrt(ux * ux + uy * uy), 10, 1e-6);
}

int main(void)
{
    tw_log_init(TW_LOG_WARN);
    geo_gdal_init(NULL);
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(cheongna, sizeof cheongna,
             "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", src ? src : ".");
    char err[512];
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK)
        TW_SKIP("no EPSG:5186 frame: %s", err);
    TW_RUN(test_empty);
    TW_RUN(test_blocks);
    TW_RUN(test_obox);
    geo_frame_destroy(frame);
    return TW_TEST_END();
}
