/* The reading pipe (geo_buildings_load of a layer read whole: footprints
 * triangulated and their far boxes made on worker threads while OGR reads,
 * batch by batch, ring arrays handed from batch to batch, triangles
 * gathered on two cores, features ordered by a count of their cells)
 * against the single-threaded path a tile takes (read, then triangulated,
 * boxes made with the meshes): the same buildings, triangles, meshes and
 * far boxes, on a generated set of many batches with holes, multipolygons
 * and self-intersecting footprints that get repaired. */
#include "geo_buildings.h"
#include "geo_buildings_int.h"
#include "geo_farray.h"
#include "geo_gdal.h"
#include "mesh_hash.h"
#include "tw_log.h"
#include "tw_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static geo_frame *frame;
static char tmpdir[64], path[128];

#define PIPE_FEATURES 12000

/* Footprints on a grid, 30 m apart: rectangles turned by a few degrees, L
 * shapes, squares with a hole, two-part buildings and, every 499th, a
 * bowtie (repaired with OGR). */
static bool write_set(void)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (int i = 0; i < PIPE_FEATURES; i++) {
        double x = 200000 + (i % 150) * 30.0, y = 550000 + (i / 150) * 30.0;
        fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"height\":%d},\"geometry\":",
                i ? ",\n" : "", 3 + i % 40);
        if (i % 499 == 7) {
            fprintf(f,
                    "{\"type\":\"Polygon\",\"coordinates\":[[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],"
                    "[%.2f,%.2f],[%.2f,%.2f]]]}}",
                    x, y, x + 20, y + 20, x + 20, y, x, y + 20, x, y);
        } else if (i % 4 == 0) {
            double a = (i % 17) * 0.05, c = cos(a), s = sin(a), w = 8 + i % 9, h = 6 + i % 7;
            double px[4] = {0, w, w, 0}, py[4] = {0, 0, h, h};
            fprintf(f, "{\"type\":\"Polygon\",\"coordinates\":[[");
            for (int k = 0; k <= 4; k++)
                fprintf(f, "%s[%.3f,%.3f]", k ? "," : "", x + c * px[k % 4] - s * py[k % 4],
                        y + s * px[k % 4] + c * py[k % 4]);
            fprintf(f, "]]}}");
        } else if (i % 4 == 1) {
            fprintf(f,
                    "{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                    "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}",
                    x, y, x + 18, y, x + 18, y + 6, x + 7, y + 6, x + 7, y + 16, x, y + 16, x, y);
        } else if (i % 4 == 2) {
            fprintf(f,
                    "{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                    "[%.1f,%.1f],[%.1f,%.1f]],[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                    "[%.1f,%.1f]]]}}",
                    x, y, x + 20, y, x + 20, y + 20, x, y + 20, x, y, x + 5, y + 5, x + 5, y + 15,
                    x + 15, y + 15, x + 15, y + 5, x + 5, y + 5);
        } else {
            fprintf(f,
                    "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[%.1f,%.1f],[%.1f,%.1f],"
                    "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]],[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                    "[%.1f,%.1f],[%.1f,%.1f]]]]}}",
                    x, y, x + 8, y, x + 8, y + 8, x, y + 8, x, y, x + 12, y, x + 20, y, x + 20,
                    y + 9, x + 12, y + 9, x + 12, y);
        }
    }
    fprintf(f, "]}\n");
    return fclose(f) == 0;
}

static bool load(bool whole, geo_buildings *b)
{
    char err[512];
    geo_buildings_desc d = {.src = {.path = path, .source_crs = "EPSG:5186"}};
    if (!whole) { /* one tile holding everything: read, then triangulated on this thread */
        d.has_keep = true;
        d.keep[0] = -1e9, d.keep[1] = -1e9, d.keep[2] = 1e9, d.keep[3] = 1e9;
    }
    bool ok = geo_buildings_load(&d, frame, b, err, sizeof err) == TW_OK;
    TW_CHECK_MSG(ok, "%s: %s", path, err);
    return ok;
}

static void test_pipe_equals_single_thread(void)
{
    geo_buildings a, s;
    if (!load(true, &a)) return;
    if (!load(false, &s)) {
        geo_buildings_free(&a);
        return;
    }
    fprintf(stderr, "  %d buildings, %d chunks, %d repaired, %d defaulted\n", a.polys.count,
            a.chunk_count, a.repaired, a.defaulted);
    TW_CHECK(a.polys.count == PIPE_FEATURES && s.polys.count == PIPE_FEATURES);
    TW_CHECK(a.repaired == s.repaired && a.repaired == (PIPE_FEATURES + 491) / 499);
    TW_CHECK(a.defaulted == s.defaulted && a.roofless == s.roofless);
    TW_CHECK(a.chunk_count == s.chunk_count && a.chunk_count > 1);
    int fid_off = 0, xy_off = 0, mesh_off = 0, err_off = 0, order_off = 0;
    for (int f = 0; f < a.polys.count && f < s.polys.count; f++)
        fid_off += a.polys.features[f].fid != s.polys.features[f].fid || a.height[f] != s.height[f];
    int np = a.polys.ring_start[a.polys.ring_count];
    TW_CHECK(np == s.polys.ring_start[s.polys.ring_count]);
    if (np == s.polys.ring_start[s.polys.ring_count])
        xy_off = memcmp(a.polys.xy, s.polys.xy, (size_t)np * 2 * sizeof *a.polys.xy) != 0;
    for (int k = 0; k < a.chunk_count && k < s.chunk_count; k++) {
        const geo_buildings_chunk *x = &a.chunks[k], *y = &s.chunks[k];
        mesh_off += x->f0 != y->f0 || x->f1 != y->f1 ||
                    mesh_hash(&x->walls) != mesh_hash(&y->walls) ||
                    mesh_hash(&x->roofs) != mesh_hash(&y->roofs) ||
                    mesh_hash(&x->far) != mesh_hash(&y->far);
        err_off += x->far_err != y->far_err;
        /* A chunk's buildings in reading order (ties of the cell sort kept). */
        for (int f = x->f0 + 1; f < x->f1; f++)
            order_off += a.polys.features[f].fid <= a.polys.features[f - 1].fid;
    }
    TW_CHECK_MSG(order_off == 0, "%d buildings out of reading order in their chunk", order_off);
    TW_CHECK_MSG(fid_off == 0, "%d buildings in another order or height", fid_off);
    TW_CHECK_MSG(xy_off == 0, "the points differ");
    TW_CHECK_MSG(mesh_off == 0, "%d chunks' meshes differ", mesh_off);
    TW_CHECK_MSG(err_off == 0, "%d chunks' far_err differ", err_off);
    geo_buildings_free(&a);
    geo_buildings_free(&s);
}

/* Every far box corner where geo_buildings_obox puts it for the footprint
 * as it ends up, each chunk's far_err as geo_buildings_far_err makes it,
 * exactly: the repaired bowties' boxes were made from the rings they had. */
static void test_far_boxes(void)
{
    geo_buildings b;
    if (!load(true, &b)) return;
    int off = 0, err_off = 0;
    for (int k = 0; k < b.chunk_count; k++) {
        const geo_buildings_chunk *c = &b.chunks[k];
        const tw_mesh *m = &c->far;
        for (int f = c->f0; f < c->f1; f++) {
            double q[4][2];
            geo_buildings_obox(&b.polys, f, q);
            for (uint32_t i = 0; i < 8; i++) {
                uint32_t v = (uint32_t)(f - c->f0) * GEO_BUILDINGS_FAR_V + i;
                double vx =
                    m->xy16 ? (double)m->xy16[v * 2] / TW_MESH_XY16_PER_M : m->positions[v * 3];
                double vy = m->xy16 ? (double)m->xy16[v * 2 + 1] / TW_MESH_XY16_PER_M
                                    : m->positions[v * 3 + 1];
                off += fabs(vx - (q[i >> 1][0] - m->origin[0])) > 0.6 / TW_MESH_XY16_PER_M ||
                       fabs(vy - (q[i >> 1][1] - m->origin[1])) > 0.6 / TW_MESH_XY16_PER_M;
            }
        }
        err_off += c->far_err != geo_buildings_far_err(&b, c);
    }
    TW_CHECK_MSG(off == 0, "%d far box corners not where obox puts them", off);
    TW_CHECK_MSG(err_off == 0, "%d chunks' far_err not the polygons'", err_off);
    geo_buildings_free(&b);
}

static bool load_later(geo_buildings *b)
{
    char err[512];
    geo_buildings_desc d = {.src = {.path = path, .source_crs = "EPSG:5186"}, .meshes_later = true};
    bool ok = geo_buildings_load(&d, frame, b, err, sizeof err) == TW_OK;
    TW_CHECK_MSG(ok, "%s: %s", path, err);
    return ok;
}

static bool same_chunk_meshes(const geo_buildings_chunk *x, const geo_buildings_chunk *y)
{
    return mesh_hash(&x->walls) == mesh_hash(&y->walls) &&
           mesh_hash(&x->roofs) == mesh_hash(&y->roofs) &&
           mesh_hash(&x->far) == mesh_hash(&y->far) &&
           x->walls.index_count == y->walls.index_count &&
           x->far.index_count == y->far.index_count && x->far_err == y->far_err;
}

/* Meshes made when first wanted (meshes_later, both loads in a mesh
 * arena): the chunks, boxes and far_err at load as a load that makes every
 * mesh; then, made in any order, a few at a time or many on every core,
 * with some released on the way (their pages going back by 2 MB regions
 * of the arena, which later meshes share), the same meshes byte for byte. */
static void test_meshes_later(void)
{
    int was_arena = geo_bchunks_set_arena_from(1000);
    int was_later = geo_buildings_set_later_from(1000);
    geo_buildings a, l;
    bool ok_a = load(true, &a), ok_l = ok_a && load_later(&l);
    geo_buildings_set_later_from(was_later);
    geo_bchunks_set_arena_from(was_arena);
    if (!ok_a || !ok_l) {
        if (ok_a) geo_buildings_free(&a);
        return;
    }
    int n = a.chunk_count;
    TW_CHECK(a.mesh_arena && l.mesh_arena && !a.later && l.later);
    TW_CHECK(l.chunk_count == n && geo_buildings_chunks_left(&l) == n && n > 8);
    TW_CHECK(l.roofless == a.roofless && l.polys.count == a.polys.count);
    int frame_off = 0, made = 0;
    for (int k = 0; k < n && k < l.chunk_count; k++) {
        const geo_buildings_chunk *x = &a.chunks[k], *y = &l.chunks[k];
        frame_off += x->f0 != y->f0 || x->f1 != y->f1 || x->far_err != y->far_err ||
                     memcmp(x->origin, y->origin, sizeof x->origin) != 0 ||
                     x->box[0] != y->box[0] || x->box[4] != y->box[4];
        made += geo_buildings_chunk_made(&l, k) || y->walls.index_count || y->far.index_count;
    }
    TW_CHECK_MSG(frame_off == 0 && made == 0, "%d chunks' frames differ, %d made at load",
                 frame_off, made);
    /* The cache holds what the meshes are made from: written before any is. */
    char why[300];
    TW_CHECK_MSG(geo_buildings_cache_write(tmpdir, "later", &l, why, sizeof why) == TW_OK, "%s",
                 why);
    /* Two chunks (with a repeat and two out of range), the first released,
     * one more, the second released: the third shares their region. */
    uint64_t h5;
    TW_CHECK(geo_buildings_chunks_make(&l, (int[]){n - 1, 3, 3, -1, n}, 5) == TW_OK);
    TW_CHECK(geo_buildings_chunks_left(&l) == n - 2 && geo_buildings_chunk_made(&l, 3) &&
             geo_buildings_chunk_made(&l, n - 1) && !geo_buildings_chunk_made(&l, 0));
    TW_CHECK(same_chunk_meshes(&l.chunks[3], &a.chunks[3]) &&
             same_chunk_meshes(&l.chunks[n - 1], &a.chunks[n - 1]));
    geo_buildings_chunk_release(&l, &l.chunks[n - 1]);
    TW_CHECK(geo_buildings_chunks_make(&l, (int[]){5}, 1) == TW_OK);
    h5 = mesh_hash(&l.chunks[5].walls);
    geo_buildings_chunk_release(&l, &l.chunks[3]);
    TW_CHECK_MSG(h5 == mesh_hash(&a.chunks[5].walls) &&
                     same_chunk_meshes(&l.chunks[5], &a.chunks[5]),
                 "a chunk made after a release lost its meshes to the next release");
    /* The rest on every core, in reverse. */
    int *ks = malloc((size_t)n * sizeof *ks);
    if (ks) {
        for (int k = 0; k < n; k++) ks[k] = n - 1 - k;
        TW_CHECK(geo_buildings_chunks_make(&l, ks, n) == TW_OK);
        free(ks);
    }
    TW_CHECK(!l.later && geo_buildings_chunks_left(&l) == 0);
    /* Every mesh made, the triangles are gone: no cache then. */
    TW_CHECK(geo_buildings_cache_write(tmpdir, "later2", &l, why, sizeof why) == TW_ERR_ARG);
    int off = 0, counts = 0;
    for (int k = 0; k < n; k++) {
        if (k == 3 || k == n - 1)
            counts += l.chunks[k].walls.index_count != a.chunks[k].walls.index_count ||
                      l.chunks[k].far.index_count != a.chunks[k].far.index_count;
        else
            off += !same_chunk_meshes(&l.chunks[k], &a.chunks[k]);
    }
    TW_CHECK_MSG(off == 0 && counts == 0, "%d chunks' meshes differ, %d released counts", off,
                 counts);
    /* Every mesh released: the arena goes, as a load's does. */
    for (int k = 0; k < n; k++) geo_buildings_chunk_release(&l, &l.chunks[k]);
    TW_CHECK(l.mesh_arena == NULL && geo_buildings_mesh_bytes(&l) == 0);
    /* The cache read back: nothing made, each chunk made from its
     * triangles and boxes (in the mapped file) as the load's, byte for byte. */
    geo_buildings c;
    TW_CHECK_MSG(geo_buildings_cache_read(tmpdir, "later", &c, why, sizeof why) == TW_OK, "%s",
                 why);
    if (c.chunk_count == n) {
        TW_CHECK(geo_buildings_chunks_left(&c) == n && c.cache_map &&
                 geo_buildings_in_map(&c, geo_blater_tris(&c)->idx16) &&
                 geo_buildings_in_map(&c, geo_blater_tris(&c)->first));
        TW_CHECK(geo_buildings_chunks_make(&c, (int[]){2}, 1) == TW_OK &&
                 same_chunk_meshes(&c.chunks[2], &a.chunks[2]));
        geo_buildings_chunk_release(&c, &c.chunks[2]);
        ks = malloc((size_t)n * sizeof *ks);
        for (int k = 0; ks && k < n; k++) ks[k] = k;
        /* Pinned (a writer reads the triangles on another thread): the
         * last chunk made keeps them, and the cache is still written from
         * them; the unpin lets them go. */
        geo_buildings_later_pin(&c, true);
        TW_CHECK(ks && geo_buildings_chunks_make(&c, ks, n) == TW_OK && c.later &&
                 geo_buildings_chunks_left(&c) == 0);
        TW_CHECK_MSG(geo_buildings_cache_write_alone(tmpdir, "pinned", &c, why, sizeof why) ==
                         TW_OK,
                     "%s", why);
        geo_buildings_later_pin(&c, false);
        TW_CHECK(!c.later);
        free(ks);
        geo_buildings p;
        TW_CHECK_MSG(geo_buildings_cache_read(tmpdir, "pinned", &p, why, sizeof why) == TW_OK, "%s",
                     why);
        TW_CHECK(p.chunk_count == n && p.polys.count == a.polys.count);
        geo_buildings_free(&p);
        off = 0;
        for (int k = 0; k < n; k++) off += k != 2 && !same_chunk_meshes(&c.chunks[k], &a.chunks[k]);
        TW_CHECK_MSG(off == 0, "%d chunks made from the cache differ", off);
    }
    geo_buildings_free(&c);
    geo_buildings_free(&a);
    geo_buildings_free(&l);
}

/* The workers keep a batch's roof triangles as uint16 where every
 * footprint in it has at most 65,536 points: a set with one footprint of
 * 70,000 (a round tower traced finely) keeps that batch's as uint32 and
 * the others' as uint16; every chunk's meshes, made later from them, are
 * those a tile (one thread, uint32) makes, and the cache (uint32 then)
 * reads back the same triangles. */
#define BIG_FEATURES 5001
#define BIG_AT       3000
#define BIG_POINTS   70000
static void test_big_footprint(void)
{
    char big[160], err[512], why[300];
    snprintf(big, sizeof big, "%s/big.geojson", tmpdir);
    FILE *f = fopen(big, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (int i = 0; i < BIG_FEATURES; i++) {
        double x = 200000 + (i % 100) * 30.0, y = 550000 + (i / 100) * 30.0;
        fprintf(f,
                "%s{\"type\":\"Feature\",\"properties\":{\"height\":%d},\"geometry\":"
                "{\"type\":\"Polygon\",\"coordinates\":[[",
                i ? ",\n" : "", 5 + i % 30);
        if (i == BIG_AT) {
            for (int k = 0; k <= BIG_POINTS; k++) {
                double a = 2 * M_PI * (k % BIG_POINTS) / BIG_POINTS;
                fprintf(f, "%s[%.4f,%.4f]", k ? "," : "", x + 10 + 9 * cos(a), y + 10 + 9 * sin(a));
            }
        } else {
            fprintf(f, "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]", x, y, x + 12,
                    y, x + 12, y + 9, x, y + 9, x, y);
        }
        fprintf(f, "]]}}");
    }
    fprintf(f, "]}\n");
    TW_CHECK(fclose(f) == 0);
    geo_buildings l, s;
    geo_buildings_desc d = {.src = {.path = big, .source_crs = "EPSG:5186"}, .meshes_later = true};
    int was_later = geo_buildings_set_later_from(1000);
    bool ok_l = geo_buildings_load(&d, frame, &l, err, sizeof err) == TW_OK;
    geo_buildings_set_later_from(was_later);
    TW_CHECK_MSG(ok_l, "%s: %s", big, err);
    geo_buildings_desc ds = {.src = {.path = big, .source_crs = "EPSG:5186"},
                             .has_keep = true,
                             .keep = {-1e9, -1e9, 1e9, 1e9}};
    bool ok_s = geo_buildings_load(&ds, frame, &s, err, sizeof err) == TW_OK;
    TW_CHECK_MSG(ok_s, "%s: %s", big, err);
    if (!ok_l || !ok_s) {
        if (ok_l) geo_buildings_free(&l);
        if (ok_s) geo_buildings_free(&s);
        unlink(big);
        return;
    }
    const geo_btris *t = geo_blater_tris(&l);
    TW_CHECK(t != NULL && l.polys.count == BIG_FEATURES && s.polys.count == BIG_FEATURES);
    int wide = 0, narrow = 0, bigf = -1, bad_ix = 0;
    for (int g = 0; t && g < l.polys.count; g++) {
        const geo_polygon *pg = &l.polys.features[g];
        int np = l.polys.ring_start[pg->ring_first + pg->ring_count] -
                 l.polys.ring_start[pg->ring_first];
        if (np > 65536) bigf = g;
        if (geo_btris_at16(t, g))
            narrow++;
        else
            wide++;
        for (uint32_t k = 0; k < t->n[g]; k++) bad_ix += geo_btris_ix(t, g, k) >= (uint32_t)np;
    }
    /* The second batch (features 2,048 to 4,095 as read) holds the tower. */
    fprintf(stderr, "  %d footprints' triangles uint16, %d uint32; the tower %d triangles\n",
            narrow, wide, bigf >= 0 && t ? (int)t->n[bigf] / 3 : -1);
    TW_CHECK_MSG(bigf >= 0 && t && !geo_btris_at16(t, bigf) && t->n[bigf] / 3 == BIG_POINTS - 2,
                 "the tower: %d", bigf);
    TW_CHECK_MSG(wide == 2048 && narrow == BIG_FEATURES - 2048, "uint16 %d, uint32 %d", narrow,
                 wide);
    TW_CHECK_MSG(bad_ix == 0, "%d indices past their footprint", bad_ix);
    /* Through the cache (uint32: a footprint over 65,536 points). */
    TW_CHECK_MSG(geo_buildings_cache_write(tmpdir, "big", &l, why, sizeof why) == TW_OK, "%s", why);
    geo_buildings c;
    TW_CHECK_MSG(geo_buildings_cache_read(tmpdir, "big", &c, why, sizeof why) == TW_OK, "%s", why);
    const geo_btris *tc = geo_blater_tris(&c);
    int ix_off = 0;
    for (int g = 0; t && tc && g < l.polys.count && g < c.polys.count; g++) {
        ix_off += t->n[g] != tc->n[g];
        for (uint32_t k = 0; k < t->n[g] && t->n[g] == tc->n[g]; k++)
            ix_off += geo_btris_ix(t, g, k) != geo_btris_ix(tc, g, k);
    }
    TW_CHECK_MSG(tc && ix_off == 0, "%d triangles differ read back", ix_off);
    geo_buildings_free(&c);
    /* Every chunk made from them: a tile's meshes, byte for byte. */
    int n = l.chunk_count, off = 0;
    int *ks = malloc((size_t)(n > 0 ? n : 1) * sizeof *ks);
    for (int k = 0; ks && k < n; k++) ks[k] = k;
    TW_CHECK(ks && n == s.chunk_count && geo_buildings_chunks_make(&l, ks, n) == TW_OK);
    free(ks);
    for (int k = 0; k < n && k < s.chunk_count; k++)
        off += mesh_hash(&l.chunks[k].walls) != mesh_hash(&s.chunks[k].walls) ||
               mesh_hash(&l.chunks[k].far) != mesh_hash(&s.chunks[k].far);
    TW_CHECK_MSG(off == 0, "%d chunks' meshes differ from a tile's", off);
    geo_buildings_free(&l);
    geo_buildings_free(&s);
    unlink(big);
}

/* The load for the cache with its points written into the cache's
 * temporary file (desc points_file, from the first guess of a large
 * layer's points on: the layer counts as large here from 1,000): the same
 * buildings as a load on the heap, the repaired bowties' points appended
 * in the file too; the cache written around them (the points in place at
 * GEO_FARRAY_AT, the file renamed, none left behind) reads back the same
 * points as a cache written from the heap; the file goes with the
 * buildings when no write takes it; a file that cannot be made or grow
 * (a folder that is not there, a file size limit) leaves the points on
 * the heap and the load whole. */
static bool load_for_cache(const char *points, geo_buildings *b)
{
    char err[512];
    geo_buildings_desc d = {
        .src = {.path = path, .source_crs = "EPSG:5186"}, .for_cache = true, .points_file = points};
    bool ok = geo_buildings_load(&d, frame, b, err, sizeof err) == TW_OK;
    TW_CHECK_MSG(ok, "%s: %s", path, err);
    return ok;
}

static bool same_points(const geo_buildings *a, const geo_buildings *b)
{
    int np = a->polys.ring_start[a->polys.ring_count];
    return a->polys.count == b->polys.count && a->polys.ring_count == b->polys.ring_count &&
           np == b->polys.ring_start[b->polys.ring_count] &&
           memcmp(a->polys.xy, b->polys.xy, (size_t)np * 16) == 0 &&
           memcmp(a->polys.ring_start, b->polys.ring_start,
                  ((size_t)a->polys.ring_count + 1) * sizeof *a->polys.ring_start) == 0;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Files in dir whose names end in .tmp. */
static int tmp_files(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '\\.tmp$'", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f && fscanf(f, "%d", &n) != 1) n = -1;
    if (f) pclose(f);
    return n;
}

static void test_points_file(void)
{
    int was = geo_vector_set_ahead_from(1000);
    char dir[128], dir2[128], key[64] = "points-file-test", pts[4400], why[600];
    snprintf(dir, sizeof dir, "%s/cache", tmpdir);
    snprintf(dir2, sizeof dir2, "%s/cache2", tmpdir);
    geo_buildings heap, filed;
    bool ok = load_for_cache(NULL, &heap);
    TW_CHECK(geo_buildings_cache_points_file(dir, key, pts, sizeof pts));
    ok = ok && load_for_cache(pts, &filed);
    if (!ok) {
        geo_vector_set_ahead_from(was);
        return;
    }
    TW_CHECK_MSG(filed.points_path && strcmp(filed.points_path, pts) == 0 &&
                     geo_buildings_in_map(&filed, filed.polys.xy) && exists(pts),
                 "the points are not in %s", pts);
    TW_CHECK(!heap.points_path && !geo_buildings_in_map(&heap, heap.polys.xy));
    TW_CHECK(filed.repaired == heap.repaired && filed.repaired > 0);
    TW_CHECK_MSG(same_points(&heap, &filed), "the points in the file differ from the heap's");
    /* Written around them by two threads, 4 KB at a time (the shares
     * split what is left to write): the file renamed into place, points
     * at 2 MB. */
    size_t was_two = geo_bcache_set_two_threads_from(1),
           was_piece = geo_bcache_set_write_piece(4096);
    TW_CHECK_MSG(geo_buildings_cache_write(dir, key, &filed, why, sizeof why) == TW_OK, "%s", why);
    geo_bcache_set_two_threads_from(was_two);
    geo_bcache_set_write_piece(was_piece);
    TW_CHECK_MSG(!exists(pts) && tmp_files(dir) == 0, "the points file is still there");
    char cpath[4400];
    geo_buildings_cache_path(dir, key, cpath, sizeof cpath);
    FILE *f = fopen(cpath, "rb");
    int np = heap.polys.ring_start[heap.polys.ring_count];
    double *at = malloc((size_t)np * 16 + 1);
    TW_CHECK(f && at && fseek(f, (long)GEO_FARRAY_AT, SEEK_SET) == 0 &&
             fread(at, 16, (size_t)np, f) == (size_t)np &&
             memcmp(at, heap.polys.xy, (size_t)np * 16) == 0);
    if (f) fclose(f);
    free(at);
    geo_buildings back, back2;
    TW_CHECK_MSG(geo_buildings_cache_read(dir, key, &back, why, sizeof why) == TW_OK, "%s", why);
    TW_CHECK(same_points(&heap, &back) && back.chunk_count == heap.chunk_count);
    geo_buildings_free(&back);
    /* The heap's cache (points right after their offset) reads the same. */
    TW_CHECK_MSG(geo_buildings_cache_write(dir2, key, &heap, why, sizeof why) == TW_OK, "%s", why);
    TW_CHECK_MSG(geo_buildings_cache_read(dir2, key, &back2, why, sizeof why) == TW_OK, "%s", why);
    TW_CHECK(same_points(&heap, &back2));
    geo_buildings_free(&back2);
    /* Written again from the same load (its points file gone): whole. */
    TW_CHECK_MSG(geo_buildings_cache_write(dir, key, &filed, why, sizeof why) == TW_OK, "%s", why);
    TW_CHECK_MSG(geo_buildings_cache_read(dir, key, &back, why, sizeof why) == TW_OK, "%s", why);
    TW_CHECK(same_points(&heap, &back));
    geo_buildings_free(&back);
    geo_buildings_free(&filed);
    /* No write: the file goes with the buildings. */
    TW_CHECK(geo_buildings_cache_points_file(dir, key, pts, sizeof pts));
    if (load_for_cache(pts, &filed)) {
        TW_CHECK(filed.points_path && exists(pts));
        geo_buildings_free(&filed);
        TW_CHECK_MSG(!exists(pts) && tmp_files(dir) == 0, "%s left behind", pts);
    }
    /* No such folder: the heap, the same points. */
    char nowhere[300];
    snprintf(nowhere, sizeof nowhere, "%s/not-there/x.tmp", tmpdir);
    if (load_for_cache(nowhere, &filed)) {
        TW_CHECK(!filed.points_path && !geo_buildings_in_map(&filed, filed.polys.xy));
        TW_CHECK(same_points(&heap, &filed));
        geo_buildings_free(&filed);
    }
    /* Files limited to 3 MB (the points need 4): the file cannot grow. */
    struct rlimit old, small;
    void (*was_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);
    if (getrlimit(RLIMIT_FSIZE, &old) == 0) {
        small = old;
        small.rlim_cur = 3 << 20;
        TW_CHECK(geo_buildings_cache_points_file(dir, key, pts, sizeof pts));
        TW_CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
        ok = load_for_cache(pts, &filed);
        setrlimit(RLIMIT_FSIZE, &old);
        if (ok) {
            TW_CHECK(!filed.points_path && !geo_buildings_in_map(&filed, filed.polys.xy));
            TW_CHECK(same_points(&heap, &filed) && !exists(pts));
            geo_buildings_free(&filed);
        }
    }
    signal(SIGXFSZ, was_xfsz);
    geo_buildings_free(&heap);
    geo_vector_set_ahead_from(was);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, dir2);
    TW_CHECK(system(cmd) == 0);
}

/* The array itself: moved from the heap into the file, grown in place
 * (the same address), and moved back to the heap, contents whole, when
 * the file can grow no more. */
static void test_farray(void)
{
    char fpath[128];
    snprintf(fpath, sizeof fpath, "%s/array.tmp", tmpdir);
    geo_farray *a = geo_farray_create(fpath);
    TW_CHECK(a != NULL);
    if (!a) return;
    size_t n = 1000, cap = n * sizeof(double);
    double *v = malloc(cap);
    for (size_t i = 0; v && i < n; i++) v[i] = (double)i * 0.5;
    TW_CHECK(v && geo_farray_room(a, (void **)&v, &cap, n * 8, 300000 * 8, true));
    TW_CHECK(geo_farray_holds(a, v) && v == geo_farray_data(a) && cap >= 300000 * 8);
    for (size_t i = n; i < 300000; i++) v[i] = (double)i * 0.5;
    n = 300000;
    double *was = v;
    TW_CHECK(geo_farray_room(a, (void **)&v, &cap, n * 8, 600000 * 8, false) && v == was);
    for (size_t i = n; i < 600000; i++) v[i] = (double)i * 0.5;
    n = 600000;
    struct rlimit old, small;
    void (*was_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);
    TW_CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small = old;
    small.rlim_cur = GEO_FARRAY_AT + cap;
    TW_CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    bool grown = geo_farray_room(a, (void **)&v, &cap, n * 8, cap + 8, false);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, was_xfsz);
    TW_CHECK(grown && !geo_farray_holds(a, v) && cap >= n * 8 + 8);
    int bad = 0;
    for (size_t i = 0; grown && i < n; i++) bad += v[i] != (double)i * 0.5;
    TW_CHECK_MSG(bad == 0, "%d values changed on the way to the heap", bad);
    if (!geo_farray_holds(a, v)) free(v);
    geo_farray_discard(a);
    TW_CHECK(!exists(fpath));
}

int main(void)
{
    tw_log_init(TW_LOG_WARN);
    geo_gdal_init(NULL);
    char err[512];
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK)
        TW_SKIP("no EPSG:5186 frame: %s", err);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/citytwin-pipe-XXXXXX");
    if (!mkdtemp(tmpdir)) TW_SKIP("no temporary folder");
    snprintf(path, sizeof path, "%s/set.geojson", tmpdir);
    TW_CHECK(write_set());
    TW_RUN(test_pipe_equals_single_thread);
    TW_RUN(test_far_boxes);
    TW_RUN(test_meshes_later);
    TW_RUN(test_big_footprint);
    TW_RUN(test_points_file);
    TW_RUN(test_farray);
    geo_frame_destroy(frame);
    /* The set and the caches the tests wrote beside it. */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    TW_CHECK(system(cmd) == 0);
    return TW_TEST_END();
}
