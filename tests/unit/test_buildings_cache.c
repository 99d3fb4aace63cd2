/* The buildings cache file: a round trip gives back every array as it was
 * loaded; a file cut at any length, a flipped byte, another key or another
 * format version is rejected with a reason, never trusted, never a crash
 * (run under ASan/UBSan in CI). */
#include "geo_buildings.h"
#include "geo_buildings_int.h"
#include "tw_file.h"
#include "tw_test.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static geo_frame *frame;
/* loaded: for the cache (its triangles kept, no mesh made); eager: the same
 * source with every mesh made at load, what a read's made meshes must be. */
static geo_buildings loaded, eager;
static char dir[256], key[8192], path[4400];

static bool same_mesh(const tw_mesh *a, const tw_mesh *b)
{
    if (a->attrs & TW_MESH_GPU16) {
        /* As the GPU takes them: the same strip and list, uint16 ids. */
        size_t ni = (size_t)a->strip_count + a->list_count;
        return a->vertex_count == b->vertex_count && a->index_count == b->index_count &&
               a->attrs == b->attrs && a->strip_count == b->strip_count &&
               a->list_count == b->list_count && !a->indices && !b->indices &&
               ((a->attrs & TW_MESH_XY16)
                    ? memcmp(a->xy16, b->xy16, a->vertex_count * 4) == 0
                    : memcmp(a->positions, b->positions, a->vertex_count * 12) == 0) &&
               (!(a->attrs & TW_MESH_IDS) || memcmp(a->id16, b->id16, a->vertex_count * 2) == 0) &&
               memcmp(a->ix16, b->ix16, ni * 2) == 0;
    }
    return a->vertex_count == b->vertex_count && a->index_count == b->index_count &&
           a->attrs == b->attrs &&
           ((a->attrs & TW_MESH_XY16)
                ? memcmp(a->xy16, b->xy16, a->vertex_count * 4) == 0
                : memcmp(a->positions, b->positions, a->vertex_count * 12) == 0) &&
           (!(a->attrs & TW_MESH_NORMALS) ||
            memcmp(a->normals, b->normals, a->vertex_count * 12) == 0) &&
           (!(a->attrs & TW_MESH_COLORS) ||
            memcmp(a->colors, b->colors, a->vertex_count * 4) == 0) &&
           (!(a->attrs & TW_MESH_IDS) || memcmp(a->ids, b->ids, a->vertex_count * 4) == 0) &&
           memcmp(a->indices, b->indices, a->index_count * 4) == 0;
}

/* What same_mesh and the round trip leave out: floors, rings' kinds,
 * class offsets, chunk boxes, far errors, and the roof triangles kept for
 * the meshes (both sets must have them). */
static bool same_rest(const geo_buildings *x, const geo_buildings *y)
{
    int n = x->polys.count, rings = x->polys.ring_count;
    if (n != y->polys.count || rings != y->polys.ring_count || x->chunk_count != y->chunk_count)
        return false;
    bool same = memcmp(x->floors, y->floors, (size_t)n * sizeof *x->floors) == 0 &&
                memcmp(x->height, y->height, (size_t)n * sizeof *x->height) == 0 &&
                memcmp(x->polys.ring_outer, y->polys.ring_outer, (size_t)rings) == 0 &&
                memcmp(x->polys.xy, y->polys.xy, (size_t)x->polys.ring_start[rings] * 16) == 0 &&
                (!x->class_at) == (!y->class_at) &&
                (!x->class_at || memcmp(x->class_at, y->class_at, (size_t)n * 4) == 0);
    for (int k = 0; same && k < x->chunk_count; k++) {
        const geo_buildings_chunk *a = &x->chunks[k], *b = &y->chunks[k];
        same = memcmp(a->box, b->box, sizeof a->box) == 0 && a->far_err == b->far_err &&
               memcmp(a->origin, b->origin, sizeof a->origin) == 0;
    }
    const geo_btris *tx = geo_blater_tris(x), *ty = geo_blater_tris(y);
    same = same && tx && ty;
    for (int f = 0; same && f < n; f++) {
        same = tx->n[f] == ty->n[f];
        for (uint32_t k = 0; same && k < tx->n[f]; k++)
            same = geo_btris_ix(tx, f, k) == geo_btris_ix(ty, f, k);
    }
    return same;
}

/* Every chunk of b made, each the same as eager's (walls, roofs in them,
 * far boxes, first wall vertices). */
static bool same_as_eager(geo_buildings *b)
{
    int *ks = malloc((size_t)b->chunk_count * sizeof *ks + 1);
    for (int k = 0; ks && k < b->chunk_count; k++) ks[k] = k;
    bool same = ks && geo_buildings_chunks_make(b, ks, b->chunk_count) == TW_OK &&
                b->chunk_count == eager.chunk_count && !b->later;
    free(ks);
    for (int k = 0; same && k < b->chunk_count; k++) {
        const geo_buildings_chunk *x = &eager.chunks[k], *y = &b->chunks[k];
        same = y->roofs.vertex_count == 0 && y->roofs.index_count == 0 &&
               same_mesh(&x->walls, &y->walls) && same_mesh(&x->far, &y->far) && x->f0 == y->f0 &&
               x->f1 == y->f1 &&
               memcmp(x->wall_v0, y->wall_v0, ((size_t)(x->f1 - x->f0) + 1) * 4) == 0;
    }
    return same;
}

static void test_round_trip(void)
{
    char why[600];
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    geo_buildings c;
    TW_CHECK_MSG(geo_buildings_cache_read(dir, key, &c, why, sizeof why) == TW_OK, "%s", why);
    const geo_polygons *a = &loaded.polys, *b = &c.polys;
    TW_CHECK(a->count == b->count && a->ring_count == b->ring_count);
    if (a->count != b->count || a->ring_count != b->ring_count) return;
    int points = a->ring_start[a->ring_count];
    TW_CHECK(memcmp(a->xy, b->xy, (size_t)points * 16) == 0);
    TW_CHECK(memcmp(a->ring_start, b->ring_start, ((size_t)a->ring_count + 1) * 4) == 0);
    bool feats = true, vals = true;
    for (int f = 0; f < a->count; f++) {
        const geo_polygon *x = &a->features[f], *y = &b->features[f];
        feats = feats && x->fid == y->fid && x->area == y->area && x->ring_first == y->ring_first &&
                memcmp(x->bbox, y->bbox, sizeof x->bbox) == 0;
        feats = feats && loaded.height[f] == c.height[f];
    }
    int named = 0;
    for (int f = 0; f < a->count; f++) {
        const char *x = geo_buildings_class(&loaded, f), *y = geo_buildings_class(&c, f);
        vals = vals && ((!x && !y) || (x && y && strcmp(x, y) == 0));
        named += x != NULL;
    }
    TW_CHECK(named > 0); /* the class field's texts are there to compare */
    TW_CHECK(feats);
    TW_CHECK(vals);
    TW_CHECK(loaded.field_count == c.field_count && loaded.defaulted == c.defaulted &&
             loaded.hmax == c.hmax && loaded.chunk_count == c.chunk_count);
    TW_CHECK(geo_skips_total(&loaded.polys.skipped) == geo_skips_total(&c.polys.skipped));
    TW_CHECK(loaded.roofless == c.roofless && loaded.repaired == c.repaired);
    TW_CHECK(same_rest(&loaded, &c));
    /* No mesh in the file: every chunk still to make. */
    TW_CHECK(geo_buildings_chunks_left(&c) == c.chunk_count && geo_buildings_mesh_bytes(&c) == 0);
    /* Read in place: the large arrays point into the mapped file, each
     * aligned for its type; height is a copy (edits rewrite it). */
    const geo_btris *t = geo_blater_tris(&c);
    TW_CHECK(c.cache_map != NULL && geo_buildings_in_map(&c, c.polys.xy) &&
             geo_buildings_in_map(&c, c.polys.features) &&
             geo_buildings_in_map(&c, c.polys.ring_start) && geo_buildings_in_map(&c, c.floors) &&
             !geo_buildings_in_map(&c, c.height));
    /* Cheongna's footprints are small: the triangles' indices as uint16. */
    TW_CHECK(t && !t->idx && geo_buildings_in_map(&c, t->idx16) &&
             geo_buildings_in_map(&c, t->first) && geo_buildings_in_map(&c, t->n));
    TW_CHECK(t && (uintptr_t)t->idx16 % 2 == 0 && (uintptr_t)t->first % 8 == 0 &&
             (uintptr_t)t->n % 4 == 0);
    TW_CHECK((uintptr_t)c.polys.xy % 8 == 0 && (uintptr_t)c.polys.features % 8 == 0);
    /* Its chunks made are the load's, byte for byte. */
    TW_CHECK(same_as_eager(&c));
    /* What the app does once a chunk is uploaded: released (its pages go
     * back; nothing in the mapping is freed: ASan would say), counts kept. */
    for (int k = 0; k < c.chunk_count; k++) geo_buildings_chunk_release(&c, &c.chunks[k]);
    TW_CHECK(geo_buildings_mesh_bytes(&c) == 0 &&
             c.chunks[0].walls.vertex_count == eager.chunks[0].walls.vertex_count);
    /* The footprints still read after the meshes went. */
    TW_CHECK(memcmp(a->xy, b->xy, (size_t)points * 16) == 0);
    geo_buildings_free(&c);
}

/* A cache rewritten (renamed into place) while a read of the old file
 * holds it mapped: the old read stays whole, the new file reads. */
static void test_rewritten_while_mapped(void)
{
    char why[600];
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    geo_buildings old, fresh;
    TW_CHECK(geo_buildings_cache_read(dir, key, &old, why, sizeof why) == TW_OK);
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    TW_CHECK(geo_buildings_cache_read(dir, key, &fresh, why, sizeof why) == TW_OK);
    TW_CHECK(old.polys.count == loaded.polys.count && same_rest(&loaded, &old) &&
             same_rest(&loaded, &fresh));
    geo_buildings_free(&old);
    geo_buildings_free(&fresh);
}

/* The payload of the cache file (read whole into *data): its offset. */
static size_t payload_at(char **data, size_t *len)
{
    *data = NULL;
    if (tw_file_read(path, 1 << 28, data, len) != TW_OK || *len < 64) return 0;
    uint32_t klen;
    memcpy(&klen, *data + 12, 4);
    size_t at = 16 + klen;
    at += (8 - at % 8) % 8;
    return at + 8;
}

/* Where, in the payload at p, the features' offset lies: after the
 * points (their count at 0, their offset at 8), count and rings (two
 * int32). */
static size_t features_offset_at(const char *p)
{
    int32_t points;
    uint64_t xy;
    memcpy(&points, p, 4);
    memcpy(&xy, p + 8, 8);
    return (size_t)xy + (size_t)points * 16 + 8;
}

/* Array offsets that are misaligned, leave a gap or point past the end
 * are rejected even under a checksum that matches (a file made so, not
 * cut or corrupted on the way): the features' offset (no gap allowed) and
 * the points' (zeros allowed before them, as a load's points file leaves:
 * not the first point's bytes). */
static void test_bad_array_offsets(void)
{
    char why[600];
    const int64_t deltas[] = {4, 1, 8, 16, 1ll << 40, -8};
    const int n = (int)(sizeof deltas / sizeof *deltas);
    int rejected = 0;
    for (int i = 0; i < 2 * n; i++) {
        TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
        char *data;
        size_t len, at = payload_at(&data, &len);
        TW_CHECK(at > 0);
        if (!at) return free(data);
        size_t field = at + (i < n ? features_offset_at(data + at) : 8);
        uint64_t off, plen = len - at - 8;
        memcpy(&off, data + field, 8);
        off += (uint64_t)deltas[i % n];
        memcpy(data + field, &off, 8);
        uint64_t sum = geo_buildings_cache_sum(data + at, plen);
        memcpy(data + at + plen, &sum, 8);
        FILE *f = fopen(path, "wb");
        if (f) fwrite(data, 1, len, f), fclose(f);
        free(data);
        geo_buildings c;
        tw_result r = geo_buildings_cache_read(dir, key, &c, why, sizeof why);
        if (r == TW_ERR_FORMAT && strstr(why, "inconsistent"))
            rejected++;
        else
            fprintf(stderr, "%s offset %+lld: %d %s\n", i < n ? "features'" : "points'",
                    (long long)deltas[i % n], r, why);
        geo_buildings_free(&c);
    }
    TW_CHECK_MSG(rejected == 2 * n, "%d of %d rejected", rejected, 2 * n);
    /* The same file with the offset as written is trusted: the test can fail. */
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    geo_buildings c;
    TW_CHECK_MSG(geo_buildings_cache_read(dir, key, &c, why, sizeof why) == TW_OK, "%s", why);
    geo_buildings_free(&c);
}

/* The last array (the roof triangles' uint16 indices, which end the
 * payload) moved 4 bytes (on, zeros before it, or back over 4 of its
 * padding's zeros), the payload's length and checksum made again: a file
 * whose every other check passes, so only the offset's alignment (every
 * array at a multiple of 8) can reject it. */
static void test_misaligned_last_array(void)
{
    char why[600];
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    char *data;
    size_t len, at = payload_at(&data, &len);
    TW_CHECK(at > 0);
    if (!at) return free(data);
    uint64_t plen = len - at - 8, bytes = 0;
    for (int f = 0; f < loaded.polys.count; f++) bytes += geo_blater_tris(&loaded)->n[f] * 2;
    uint64_t v = plen - bytes, field = 0, pad = 0, off = 0;
    /* Its offset field: 8 bytes ending 0 to 7 bytes before the array. */
    for (uint64_t p = 0; p < 8 && !field; p++) {
        memcpy(&off, data + at + v - p - 8, 8);
        if (off == v) field = v - p - 8, pad = p;
    }
    TW_CHECK_MSG(field > 0, "no offset field before the last array");
    int64_t d = pad < 4 ? 4 : -4; /* the gap stays under 8 bytes of zeros */
    char *moved = field ? calloc(1, len + 4) : NULL;
    if (moved) {
        uint64_t nplen = plen + (uint64_t)d, nv = v + (uint64_t)d;
        memcpy(moved, data, at - 8);
        memcpy(moved + at - 8, &nplen, 8);
        memcpy(moved + at, data + at, d > 0 ? v : nv); /* up to the array (zeros after) */
        memcpy(moved + at + field, &nv, 8);
        memcpy(moved + at + nv, data + at + v, bytes);
        uint64_t sum = geo_buildings_cache_sum(moved + at, nplen);
        memcpy(moved + at + nplen, &sum, 8);
        FILE *f = fopen(path, "wb");
        if (f) fwrite(moved, 1, at + nplen + 8, f), fclose(f);
        geo_buildings c;
        TW_CHECK_MSG(geo_buildings_cache_read(dir, key, &c, why, sizeof why) == TW_ERR_FORMAT &&
                         strstr(why, "inconsistent"),
                     "a misaligned array (moved %+lld): %s", (long long)d, why);
        geo_buildings_free(&c);
    }
    free(moved);
    free(data);
}

/* The checksum: every byte and the length count, at any alignment. */
static void test_sum(void)
{
    uint8_t buf[200];
    for (int i = 0; i < 200; i++) buf[i] = (uint8_t)(i * 7 + 1);
    uint64_t whole = geo_buildings_cache_sum(buf, 200);
    int same = 0;
    for (int i = 0; i < 200; i++) {
        buf[i] ^= 0x10;
        same += geo_buildings_cache_sum(buf, 200) == whole;
        buf[i] ^= 0x10;
    }
    TW_CHECK_MSG(same == 0, "%d flipped bytes unseen", same);
    for (size_t n = 0; n < 199; n++) same += geo_buildings_cache_sum(buf, n) == whole;
    TW_CHECK(same == 0 && geo_buildings_cache_sum(buf, 0) != geo_buildings_cache_sum(buf, 1));
    uint8_t *odd = malloc(201);
    if (odd) memcpy(odd + 1, buf, 200);
    TW_CHECK(odd && geo_buildings_cache_sum(odd + 1, 200) == whole);
    free(odd);
}

static long file_size(void)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void test_cut_short_anywhere(void)
{
    char why[600];
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    long size = file_size();
    TW_CHECK(size > 1000);
    int rejected = 0, tries = 0;
    for (long cut = 0; cut < size; cut += size / 15 + 1, tries++) {
        TW_CHECK(truncate(path, cut) == 0);
        geo_buildings c;
        if (geo_buildings_cache_read(dir, key, &c, why, sizeof why) == TW_ERR_FORMAT &&
            (cut == 0 || strstr(why, "cut short") || strstr(why, "not a buildings cache")))
            rejected++;
        else
            fprintf(stderr, "cut at %ld: %s\n", cut, why);
        geo_buildings_free(&c);
        geo_buildings_cache_write(dir, key, &loaded, why, sizeof why);
    }
    TW_CHECK_MSG(rejected == tries, "%d of %d cut files rejected", rejected, tries);
}

static void test_flipped_byte_anywhere(void)
{
    char why[600];
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    long size = file_size();
    int rejected = 0, tries = 0;
    for (long at = 3; at < size; at += size / 17 + 1, tries++) {
        FILE *f = fopen(path, "r+b");
        fseek(f, at, SEEK_SET);
        int ch = fgetc(f);
        fseek(f, at, SEEK_SET);
        fputc(ch ^ 0x5a, f);
        fclose(f);
        geo_buildings c;
        if (geo_buildings_cache_read(dir, key, &c, why, sizeof why) == TW_ERR_FORMAT) rejected++;
        geo_buildings_free(&c);
        geo_buildings_cache_write(dir, key, &loaded, why, sizeof why);
    }
    TW_CHECK_MSG(rejected == tries, "%d of %d corrupt files rejected", rejected, tries);
}

static void test_other_key_and_no_file(void)
{
    char why[600], other[8300];
    geo_buildings c;
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    /* A key that hashes to the same file name cannot be made here; a file
     * under the other key's name holding this key is what a collision is. */
    snprintf(other, sizeof other, "%s|changed", key);
    char opath[4400];
    geo_buildings_cache_path(dir, other, opath, sizeof opath);
    TW_CHECK(rename(path, opath) == 0);
    TW_CHECK(geo_buildings_cache_read(dir, other, &c, why, sizeof why) == TW_ERR_FORMAT &&
             strstr(why, "another source"));
    geo_buildings_free(&c);
    TW_CHECK(geo_buildings_cache_read(dir, key, &c, why, sizeof why) == TW_ERR_IO && !why[0]);
    geo_buildings_free(&c);
    unlink(opath);
}

static void test_key_follows_the_source_and_settings(void)
{
    char k2[8192], src[512];
    snprintf(src, sizeof src, "%s/copy.geojson", dir);
    char cmd[1200];
    geo_buildings_desc d = {.src = {.path = src}, .height_field = "height_m"};
    tw_test_shipped("assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", cmd,
                    sizeof cmd);
    FILE *in = fopen(cmd, "rb"), *out = fopen(src, "wb");
    int ch;
    while (in && out && (ch = fgetc(in)) != EOF) fputc(ch, out);
    if (in) fclose(in);
    if (out) fclose(out);
    char k1[8192];
    TW_CHECK(geo_buildings_cache_key(&d, frame, k1, sizeof k1));
    d.default_height_m = 12;
    TW_CHECK(geo_buildings_cache_key(&d, frame, k2, sizeof k2) && strcmp(k1, k2) != 0);
    d.default_height_m = 0;
    d.class_field = "style"; /* the texts kept per building */
    TW_CHECK(geo_buildings_cache_key(&d, frame, k2, sizeof k2) && strcmp(k1, k2) != 0);
    d.class_field = NULL;
    out = fopen(src, "ab");
    if (out) fputs(" ", out), fclose(out);
    TW_CHECK(geo_buildings_cache_key(&d, frame, k2, sizeof k2) && strcmp(k1, k2) != 0);
    /* Databases and tiles are not cached. */
    d.src.path = "PG:dbname=city";
    TW_CHECK(!geo_buildings_cache_key(&d, frame, k2, sizeof k2));
    /* Nor a URL whose server cannot be asked its size and time. */
    d.src.path = "/vsicurl/http://127.0.0.1:9/none.geojson";
    TW_CHECK(!geo_buildings_cache_key(&d, frame, k2, sizeof k2));
    d.src.path = src;
    d.has_keep = true;
    TW_CHECK(!geo_buildings_cache_key(&d, frame, k2, sizeof k2));
}

/* The fuzzer's seed in the current format (a file with key "fuzz" after
 * one odd byte) parses: three buildings with their roof triangles and far
 * boxes, whose chunks once made carry a building id per vertex (id * 2 + 1
 * on top, no colours), each a building of its chunk. */
static void test_fuzz_seed_is_current(void)
{
    char seed[1024], why[600];
    tw_test_shipped("tests/fuzz/corpus/fuzz_buildings_cache/three_buildings_v15_file", seed,
                    sizeof seed);
    char *data = NULL;
    size_t len = 0;
    TW_CHECK(tw_file_read(seed, 1 << 20, &data, &len) == TW_OK && len > 1);
    if (!data || len < 2) return free(data);
    geo_buildings b;
    TW_CHECK_MSG(geo_buildings_cache_parse((const uint8_t *)data + 1, len - 1, "fuzz", "seed", &b,
                                           why, sizeof why) == TW_OK,
                 "%s", why);
    TW_CHECK(b.polys.count == 3 && b.chunk_count >= 1 && geo_blater_tris(&b) &&
             geo_blater_tris(&b)->count > 0);
    int *ks = malloc((size_t)b.chunk_count * sizeof *ks + 1);
    for (int k = 0; ks && k < b.chunk_count; k++) ks[k] = k;
    TW_CHECK(ks && geo_buildings_chunks_make(&b, ks, b.chunk_count) == TW_OK);
    free(ks);
    int bad = 0;
    for (int k = 0; k < b.chunk_count; k++) {
        const geo_buildings_chunk *c = &b.chunks[k];
        const tw_mesh *m[2] = {&c->walls, &c->far}; /* roofs are the walls' */
        bad += c->roofs.vertex_count != 0 || c->walls.index_count == 0;
        for (int i = 0; i < 2; i++) {
            bad += !(m[i]->attrs & TW_MESH_IDS) || (m[i]->attrs & TW_MESH_COLORS) != 0;
            /* As the GPU takes them (since format 10): uint16 ids, a strip and a list. */
            bad += !(m[i]->attrs & TW_MESH_GPU16) || !m[i]->id16 || !m[i]->ix16;
            for (uint32_t v = 0; m[i]->id16 && v < m[i]->vertex_count; v++)
                bad += (m[i]->id16[v] >> 1) >= (uint32_t)(c->f1 - c->f0);
        }
    }
    TW_CHECK_MSG(bad == 0, "%d bad meshes or vertices in the seed", bad);
    geo_buildings_free(&b);
    free(data);
}

/* A cache whose every array lies where it should, under a checksum that
 * matches, but with a roof triangle on a point past its footprint's (just
 * past, or far past) (a file made so), is rejected: checked on one thread
 * or two (the chunks' checks beside the parse), in the first chunk or the
 * last. The same file unchanged is trusted. */
static void test_bad_triangle_in_place(void)
{
    char why[600];
    int rejected = 0, tries = 0;
    geo_btris *t = geo_blater_tris(&loaded);
    TW_CHECK(t != NULL);
    if (!t) return;
    for (int two = 0; two < 2; two++) {
        size_t was = geo_bcache_set_two_threads_from(two ? 0 : SIZE_MAX);
        for (int which = 0; which < 4; which++) {
            const geo_buildings_chunk *c = &loaded.chunks[which & 1 ? loaded.chunk_count - 1 : 0];
            int f = which & 1 ? c->f1 - 1 : c->f0;
            while (f > c->f0 && f < c->f1 - 1 && t->n[f] == 0) f += which & 1 ? -1 : 1;
            const geo_polygon *g = &loaded.polys.features[f];
            uint32_t np = (uint32_t)(loaded.polys.ring_start[g->ring_first + g->ring_count] -
                                     loaded.polys.ring_start[g->ring_first]);
            TW_CHECK(t->n[f] > 0);
            if (t->n[f] == 0) continue;
            /* The last index, uint16 or uint32 as the pipe left it. */
            uint16_t *ix16 = (uint16_t *)geo_btris_at16(t, f);
            uint32_t *ix = ix16 ? NULL : (uint32_t *)geo_btris_at(t, f);
            uint32_t last = t->n[f] - 1, keep = ix16 ? ix16[last] : ix[last];
            uint32_t bad = which & 2 ? 65535 : np;
            if (ix16)
                ix16[last] = (uint16_t)bad;
            else
                ix[last] = bad;
            TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
            if (ix16)
                ix16[last] = (uint16_t)keep;
            else
                ix[last] = keep;
            geo_buildings b;
            tw_result r = geo_buildings_cache_read(dir, key, &b, why, sizeof why);
            tries++;
            if (r == TW_ERR_FORMAT && strstr(why, "inconsistent"))
                rejected++;
            else
                fprintf(stderr, "%s threads, case %d: %d %s\n", two ? "two" : "one", which, r, why);
            geo_buildings_free(&b);
        }
        TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
        geo_buildings b;
        TW_CHECK_MSG(geo_buildings_cache_read(dir, key, &b, why, sizeof why) == TW_OK, "%s", why);
        TW_CHECK(same_rest(&loaded, &b));
        geo_buildings_free(&b);
        geo_bcache_set_two_threads_from(was);
    }
    TW_CHECK_MSG(rejected == tries && tries == 8, "%d of %d rejected", rejected, tries);
}

/* The file is the same, byte for byte, written by one thread or two (the
 * two shares at once), whatever the piece each writes at a time: 2 MB
 * (the whole test file in one share's last piece), 4 KB, 64 bytes or
 * 1 (pieces that cut the header, every array and the split between the
 * shares); each is read back whole. The checksum is that of its halves
 * joined (geo_bsum_cut), which the two shares sum apart. */
static void test_two_shares_any_piece(void)
{
    char why[600];
    char *ref = NULL, *got = NULL;
    size_t ref_n = 0, got_n = 0;
    static const size_t pieces[] = {(size_t)2 << 20, 4096, 64, 1};
    size_t was = geo_bcache_set_two_threads_from(SIZE_MAX);
    size_t was_piece = geo_bcache_set_write_piece(pieces[0]);
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    TW_CHECK(tw_file_read(path, 1 << 30, &ref, &ref_n) == TW_OK && ref_n > 100000);
    int same = 0, tries = 0;
    for (int two = 0; two < 2; two++) {
        geo_bcache_set_two_threads_from(two ? 0 : SIZE_MAX);
        for (size_t i = 0; i < sizeof pieces / sizeof *pieces; i++) {
            geo_bcache_set_write_piece(pieces[i]);
            tries++;
            bool wrote = geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK;
            free(got), got = NULL;
            bool read = wrote && tw_file_read(path, 1 << 30, &got, &got_n) == TW_OK;
            geo_buildings b;
            bool back = read && geo_buildings_cache_read(dir, key, &b, why, sizeof why) == TW_OK;
            bool ok = read && got_n == ref_n && memcmp(got, ref, ref_n) == 0 && back &&
                      same_rest(&loaded, &b);
            if (back) geo_buildings_free(&b);
            same += ok;
            if (!ok)
                fprintf(stderr, "%s threads, piece %zu: wrote %d, %zu bytes of %zu, read %d\n",
                        two ? "two" : "one", pieces[i], wrote, got_n, ref_n, back);
        }
    }
    geo_bcache_set_write_piece(was_piece);
    geo_bcache_set_two_threads_from(was);
    TW_CHECK_MSG(same == tries, "%d of %d the same", same, tries);
    /* The trailer: the payload's halves summed apart, joined. */
    if (ref && ref_n > 100000) {
        uint32_t klen = 0;
        uint64_t plen = 0, sum = 0;
        memcpy(&klen, ref + 12, 4);
        size_t head = (16 + (size_t)klen + 7) / 8 * 8 + 8;
        memcpy(&plen, ref + head - 8, 8);
        TW_CHECK(head + plen + 8 == ref_n);
        memcpy(&sum, ref + head + plen, 8);
        const uint8_t *pl = (const uint8_t *)ref + head;
        size_t cut = geo_bsum_cut((size_t)plen);
        TW_CHECK(cut > 0 && cut < plen && cut % 32 == 0);
        TW_CHECK(sum == geo_buildings_cache_sum(pl, (size_t)plen) &&
                 sum == geo_bsum_join(geo_bsum_part(pl, cut), geo_bsum_part(pl + cut, plen - cut)));
    }
    free(ref);
    free(got);
}

/* A file in the cache folder with a header for key k (format version v):
 * all that the pruning reads. */
static void fake_cache(const char *name, uint32_t v, const char *k)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) return;
    uint32_t n = (uint32_t)strlen(k);
    fwrite("CTBLDG\0\1", 1, 8, f), fwrite(&v, 4, 1, f), fwrite(&n, 4, 1, f), fwrite(k, 1, n, f);
    fclose(f);
}

static bool present(const char *name)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* Each key with field "name=" (the first after the source's version) set
 * to value, into out. */
static void key_with(const char *k, const char *field, const char *value, char *out, size_t n)
{
    const char *at = strstr(k, field);
    const char *end = at ? strchr(at + 1, '|') : NULL;
    if (!at) {
        snprintf(out, n, "%s", k);
        return;
    }
    snprintf(out, n, "%.*s%s%s%s", (int)(at - k), k, field, value, end ? end : "");
}

/* A write removes the caches of the same source that can no longer hit
 * (an older format's, the source as it was: another size, time or ETag)
 * and temporary files whose writer is gone; it keeps the same source under
 * other settings, other sources, files that are not caches and a
 * temporary file whose writer runs. */
static void test_prune_stale(void)
{
    char why[600], k[8400], v11[8400];
    /* The version field is "v12|": an older format's key is "v11|". */
    snprintf(v11, sizeof v11, "v11%s", strchr(key, '|'));
    fake_cache("buildings-00000000000000a1.bin", 11, v11);
    key_with(key, "|size=", "1", k, sizeof k);
    fake_cache("buildings-00000000000000a2.bin", GEO_BUILDINGS_CACHE_VERSION, k);
    key_with(key, "|etag=", "\"old\"", k, sizeof k);
    fake_cache("buildings-00000000000000a3.bin", GEO_BUILDINGS_CACHE_VERSION, k);
    key_with(key, "|height=", "other", k, sizeof k); /* other settings */
    fake_cache("buildings-00000000000000b1.bin", GEO_BUILDINGS_CACHE_VERSION, k);
    /* Another source whose path shares a prefix with this one's. */
    char other[8400];
    const char *bar = strchr(key, '|'), *size = strstr(key, "|size=");
    snprintf(other, sizeof other, "%.*s.other%s", (int)(size - key), key, size);
    fake_cache("buildings-00000000000000b2.bin", 11, other);
    fake_cache("notes-00000000000000b3.bin", 11, v11);
    /* A writer that died (no process has pid 2^22 + 1 here: above pid_max's
     * default) and one that runs (this test). */
    char tmp[64];
    fake_cache("buildings-00000000000000a4.bin.4194305.tmp", 12, key);
    snprintf(tmp, sizeof tmp, "buildings-00000000000000b4.bin.%ld.tmp", (long)getpid());
    fake_cache(tmp, 12, key);
    TW_CHECK(bar && size && present("buildings-00000000000000a1.bin"));
    TW_CHECK(geo_buildings_cache_write(dir, key, &loaded, why, sizeof why) == TW_OK);
    TW_CHECK_MSG(!present("buildings-00000000000000a1.bin"), "an older format's cache kept");
    TW_CHECK_MSG(!present("buildings-00000000000000a2.bin"), "a cache of another size kept");
    TW_CHECK_MSG(!present("buildings-00000000000000a3.bin"), "a cache of another ETag kept");
    TW_CHECK_MSG(!present("buildings-00000000000000a4.bin.4194305.tmp"), "a dead write kept");
    TW_CHECK_MSG(present("buildings-00000000000000b1.bin"), "other settings' cache removed");
    TW_CHECK_MSG(present("buildings-00000000000000b2.bin"), "another source's cache removed");
    TW_CHECK_MSG(present("notes-00000000000000b3.bin"), "a file not ours removed");
    TW_CHECK_MSG(present(tmp), "a running write's file removed");
    /* And the one written still reads. */
    geo_buildings c;
    TW_CHECK_MSG(geo_buildings_cache_read(dir, key, &c, why, sizeof why) == TW_OK, "%s", why);
    geo_buildings_free(&c);
}

int main(void)
{
    char err[512], src[1024];
    GDALAllRegister();
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK)
        return 1;
    tw_test_shipped("assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", src,
                    sizeof src);
    geo_buildings_desc d = {
        .src = {.path = src}, .height_field = "height_m", .class_field = "name"};
    if (geo_buildings_load(&d, frame, &eager, err, sizeof err) != TW_OK) {
        fprintf(stderr, "%s: %s\n", src, err);
        return 1;
    }
    d.for_cache = true;
    if (geo_buildings_load(&d, frame, &loaded, err, sizeof err) != TW_OK) {
        fprintf(stderr, "%s: %s\n", src, err);
        return 1;
    }
    d.for_cache = false; /* not part of the key */
    snprintf(dir, sizeof dir, "/tmp/citytwin-cache-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    TW_CHECK(geo_buildings_cache_key(&d, frame, key, sizeof key));
    geo_buildings_cache_path(dir, key, path, sizeof path);
    TW_RUN(test_round_trip);
    TW_RUN(test_cut_short_anywhere);
    TW_RUN(test_flipped_byte_anywhere);
    TW_RUN(test_other_key_and_no_file);
    TW_RUN(test_key_follows_the_source_and_settings);
    TW_RUN(test_fuzz_seed_is_current);
    TW_RUN(test_rewritten_while_mapped);
    TW_RUN(test_bad_array_offsets);
    TW_RUN(test_misaligned_last_array);
    TW_RUN(test_bad_triangle_in_place);
    TW_RUN(test_two_shares_any_piece);
    TW_RUN(test_sum);
    TW_RUN(test_prune_stale);
    geo_buildings_free(&loaded);
    geo_buildings_free(&eager);
    geo_frame_destroy(frame);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return TW_TEST_END();
}
