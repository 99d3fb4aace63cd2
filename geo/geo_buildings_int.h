/* The loader's parts shared by geo_buildings.c (reading, heights, repair,
 * order), geo_buildings_pipe.c (triangulation while reading),
 * geo_buildings_mesh.c (chunks and their meshes on every core) and
 * geo_buildings_later.c (meshes made when first wanted). */
#ifndef GEO_BUILDINGS_INT_H
#define GEO_BUILDINGS_INT_H

#include "geo_buildings.h"
#include "tw_triangulate.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every feature's roof triangles, made once: feature f's are idx[first[f]]
 * .. idx[first[f] + n[f] - 1], index triples relative to the feature's
 * first point (p->ring_start[ring_first]), so they survive the rings being
 * moved as long as each feature's points stay in order. bad[f]: the
 * triangulator failed on a part or its fill misses the polygon's area by
 * more than 1 % (the loader repairs those with OGR_G_MakeValid). */
typedef struct geo_btris {
    uint32_t *idx; /* triangles added one feature at a time (geo_btris_feature) */
    size_t count, cap;
    /* Where feature f's triangles start (geo_btris_at): in idx, or with
     * GEO_BTRIS_IN_SEG in seg[k] (the pipe's batches' own lists, kept
     * where the workers made them: gathered into one array they were
     * 70 MB of fresh pages and a copy at 600,000 buildings). */
    size_t *first;
    uint32_t **seg;
    /* A segment whose features all have at most 65,536 points (every
     * batch but one with a larger footprint): its indices as uint16 in
     * seg16[k] (seg[k] NULL), half the fresh memory of uint32 ones. */
    uint16_t **seg16;
    int segs;
    uint32_t *n;
    unsigned char *bad;
    size_t features; /* entries in first, n, bad */
    /* Every feature's far box (geo_buildings_obox's four corners, then
     * what it adds), made by the pipe's workers next to its triangles
     * while OGR reads on: box_seg[k] holds 9 doubles a feature for the
     * features k * GEO_BTRIS_SEG on, in reading order (NULL: none, made
     * with the meshes); orig[f]: feature f's place in reading order once
     * ordered (geo_bsort). A tile has none. */
    double **box_seg;
    int box_segs;
    int *orig;
    /* A cache read's indices as uint16 (every feature of fewer than 65,537
     * points): feature f's at idx16[first[f]]; idx unused. */
    uint16_t *idx16;
} geo_btris;

/* Features a batch of the pipe holds (and a segment of geo_btris.box_seg). */
#define GEO_BTRIS_SEG 2048
/* first[f] with this bit: segment (first >> GEO_BTRIS_SEG_SHIFT) & 0xffffff,
 * at first & GEO_BTRIS_AT_MASK in it. */
#define GEO_BTRIS_IN_SEG    ((size_t)1 << 63)
#define GEO_BTRIS_SEG_SHIFT 36
#define GEO_BTRIS_AT_MASK   (((size_t)1 << GEO_BTRIS_SEG_SHIFT) - 1)

/* Feature f's n[f] triangle indices (relative to its first point) where
 * they are uint16 in a segment (seg16), else NULL; not with idx16. */
static inline const uint16_t *geo_btris_at16(const geo_btris *t, int f)
{
    size_t v = t->first[f];
    if (!(v & GEO_BTRIS_IN_SEG) || !t->seg16) return NULL;
    const uint16_t *s = t->seg16[(v >> GEO_BTRIS_SEG_SHIFT) & 0xffffff];
    return s ? s + (v & GEO_BTRIS_AT_MASK) : NULL;
}

/* Feature f's n[f] triangle indices where they are uint32 (not with
 * idx16, nor where geo_btris_at16 gives them; geo_btris_ix reads any). */
static inline const uint32_t *geo_btris_at(const geo_btris *t, int f)
{
    size_t v = t->first[f];
    if (!(v & GEO_BTRIS_IN_SEG)) return t->idx + v;
    return t->seg[(v >> GEO_BTRIS_SEG_SHIFT) & 0xffffff] + (v & GEO_BTRIS_AT_MASK);
}

/* Feature f's n[f] triangle indices: uint16 in *ix16 (a cache read's or
 * a segment's), else the uint32 ones returned (*ix16 NULL). For loops
 * over a feature's indices (one test a feature, not one an index). */
static inline const uint32_t *geo_btris_get(const geo_btris *t, int f, const uint16_t **ix16)
{
    *ix16 = t->idx16 ? t->idx16 + t->first[f] : geo_btris_at16(t, f);
    return *ix16 ? NULL : geo_btris_at(t, f);
}

/* Feature f's k-th triangle index. */
static inline uint32_t geo_btris_ix(const geo_btris *t, int f, uint32_t k)
{
    if (t->idx16) return t->idx16[t->first[f] + k];
    const uint16_t *s = geo_btris_at16(t, f);
    return s ? s[k] : geo_btris_at(t, f)[k];
}

/* Triangulates feature f of p (each outer ring with its holes) and puts
 * its triangles at the end of t->idx (t->first[f], n[f], bad[f] set);
 * false only when out of memory. */
bool geo_btris_feature(geo_btris *t, const geo_polygons *p, int f, tw_tri_out *scratch);
void geo_btris_free(geo_btris *t);
/* Feature f's far box made while reading (reading order; 8 corner
 * coordinates, then what the box adds), or NULL: none made, or its
 * footprint changed since (geo_btris_box_stale). */
const double *geo_btris_box(const geo_btris *t, int f);
void geo_btris_box_stale(geo_btris *t, int f);

/* Triangulation next to the reading: geo_bpipe_add copies a feature just
 * read into a batch (ring arrays handed on from batches done); full
 * batches go to worker threads (started with the first full batch, one per
 * core but the reader's), so they are triangulated and their far boxes
 * made while OGR reads the next; the reader takes a batch itself when the
 * workers fall behind. geo_bpipe_finish triangulates what is left, waits
 * for the workers and hands every batch's triangles to t (t->seg, each
 * feature's place in t->first, in reading order), with the boxes
 * (t->box_seg). */
typedef struct geo_bpipe geo_bpipe;
geo_bpipe *geo_bpipe_create(void);
bool geo_bpipe_add(geo_bpipe *q, const geo_polygons *p, int f);
bool geo_bpipe_finish(geo_bpipe *q, geo_btris *t, int features);
void geo_bpipe_free(geo_bpipe *q);

/* *p grown (doubling, from 64) to hold need items of size bytes; false
 * out of memory (*p as it was). */
bool geo_bgrow(void **p, size_t *cap, size_t need, size_t size);

/* Cuts the features (ordered by grid cell of side cm) into chunks (their
 * boxes and origins) and builds every chunk's roofs (from t), walls and
 * far boxes, chunks spread over the cores; with later, none: t is kept
 * for geo_buildings_chunks_make (geo_blater_start takes it; the caller
 * decides by size or for the cache). */
tw_result geo_bchunks_build(geo_buildings *b, geo_btris *t, double cm, bool later);
/* Chunk c's box (x, y; z NAN until raised) and origin from its features. */
void geo_bchunk_frame(const geo_buildings *b, geo_buildings_chunk *c);

/* A large load's mesh arena (b->mesh_arena): meshes are carved from it
 * by bumping used. */
typedef struct geo_barena {
    uint8_t *base;
    size_t size;
    atomic_size_t used;
} geo_barena;
/* Makes the meshes of chunks list[0 .. count - 1] (every chunk when list
 * is NULL) from t, in arena when not NULL, on every core when share. */
tw_result geo_bchunks_run(geo_buildings *b, const geo_btris *t, geo_barena *arena, const int *list,
                          int count, bool share);
/* Unmaps the arena past used. */
void geo_barena_trim(geo_buildings *b, size_t used);
/* Counts chunk c's arena meshes in their regions (once counting began). */
void geo_barena_add(geo_buildings *b, const geo_buildings_chunk *c);
/* The arena from this many features (20,000); returns the old value. */
int geo_bchunks_set_arena_from(int features);
typedef struct geo_blater geo_blater;
/* Meshes made when first wanted (geo_buildings_later.c): takes t (zeroed),
 * works out every chunk's far_err from its far boxes. */
tw_result geo_blater_start(geo_buildings *b, geo_btris *t);
/* The same for a cache read, whose chunks have their far_err: takes t. */
tw_result geo_blater_adopt(geo_buildings *b, geo_btris *t);
/* The roof triangles (and, from a load, far boxes) kept for the chunks
 * not made yet; NULL once every chunk is made (or none was made later). */
geo_btris *geo_blater_tris(const geo_buildings *b);
/* Frees what is kept, the arrays in b's mapped cache file aside. */
void geo_blater_free(geo_buildings *b);
/* Clears the kept arrays' pointers into b's mapped cache file (before it
 * goes: geo_bcache_disown). */
void geo_blater_disown(geo_buildings *b);
/* The grid cell of feature f's bounding-box centre, row-major (nx cells a row). */
long geo_bcell(const geo_buildings *b, int f, double cm, long nx);
long geo_bnx(const geo_buildings *b, double cm);

/* True when m's arrays are in b's mesh arena (not freed one by one). */
bool geo_bmesh_in_arena(const geo_buildings *b, const tw_mesh *m);
void geo_bmesh_arena_free(geo_buildings *b);
/* The cache's checksum fed in pieces (geo_buildings_cache_sum in one). */
typedef struct geo_bsum {
    uint64_t lane[4];
    uint8_t tail[32]; /* bytes not yet a whole block */
    size_t ntail;
    uint64_t total;
} geo_bsum;
void geo_bsum_init(geo_bsum *s);
void geo_bsum_put(geo_bsum *s, const void *v, size_t n);
uint64_t geo_bsum_end(const geo_bsum *s);
/* The checksum of n bytes is that of the bytes before geo_bsum_cut(n)
 * joined with that of the rest (the two halves are summed at once). */
size_t geo_bsum_cut(size_t n);
uint64_t geo_bsum_join(uint64_t first, uint64_t second);
/* One part's sum (init, put, end). */
uint64_t geo_bsum_part(const void *data, size_t n);

/* A cache file mapped read-only (geo_buildings_cache_map.c), counted so
 * another owner (the obstacles that take the footprints' points) can keep
 * it after the geo_buildings goes. */
struct geo_bmap {
    uint8_t *addr;
    size_t size;
    atomic_int refs;
    bool view; /* a caller's bytes (geo_bcache_parse_view): never unmapped */
};
/* geo_buildings_cache_parse with the arrays pointing into data, as a
 * mapped read does, so the fuzzer reaches that path; data must outlive
 * out. */
tw_result geo_bcache_parse_view(const uint8_t *data, size_t size, const char *key, const char *name,
                                geo_buildings *out, char *why, size_t n);
/* path mapped into *out (NULL for an empty file); TW_ERR_IO when there is
 * no such file (why empty) or it cannot be mapped (why says). */
tw_result geo_bmap_open(const char *path, geo_bmap **out, char *why, size_t n);
/* Payloads of at least this many bytes are summed and checked on two
 * threads (geo_buildings_cache.c; tests lower it to reach that path with
 * a small cache). Returns the old value. */
size_t geo_bcache_set_two_threads_from(size_t bytes);
/* The cache is written this many bytes at a time, at file offsets that
 * are multiples of it (2 MB; tests lower it to write a small cache in
 * many pieces). Returns the old value. */
size_t geo_bcache_set_write_piece(size_t bytes);
/* A mapped cache's side of geo_buildings_free (geo_buildings_cache_map.c):
 * every pointer into the mapping cleared and the mapping let go, before
 * the rest is freed. */
void geo_bcache_disown(geo_buildings *b);

/* Threads that help a load (the caller included): the cores, at most 8. */
int geo_bthreads(void);

#endif
