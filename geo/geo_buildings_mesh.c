/* Building meshes, second part: the features (in cell order) cut into
 * chunks, and each chunk's walls, roofs and far boxes built on every core
 * from the triangles and boxes geo_buildings_pipe.c made, in one mapping
 * for a large load (at load, or when first wanted: geo_buildings_later.c). */
#include "geo_buildings_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

long geo_bcell(const geo_buildings *b, int f, double cm, long nx)
{
    const double *e = b->polys.extent, *bb = b->polys.features[f].bbox;
    long ix = (long)floor((0.5 * (bb[0] + bb[2]) - e[0]) / cm);
    long iy = (long)floor((0.5 * (bb[1] + bb[3]) - e[1]) / cm);
    ix = ix < 0 ? 0 : ix >= nx ? nx - 1 : ix;
    return (iy < 0 ? 0 : iy) * nx + ix;
}

long geo_bnx(const geo_buildings *b, double cm)
{
    return (long)floor((b->polys.extent[2] - b->polys.extent[0]) / cm) + 1;
}

/* ---- the chunks' meshes in one mapping ---- */

/* Loads this large carve their chunks' meshes out of one mapping, asked for
 * huge pages: fresh mesh memory was a page fault every 4 KB (tests lower
 * it: geo_bchunks_set_arena_from). */
static _Atomic int geo__arena_from = 20000;
#define GEO_ARENA_ALIGN 64

int geo_bchunks_set_arena_from(int features)
{
    return atomic_exchange(&geo__arena_from, features);
}

static size_t geo__up(size_t n)
{
    return (n + GEO_ARENA_ALIGN - 1) & ~(size_t)(GEO_ARENA_ALIGN - 1);
}

/* Bytes of a mesh's arrays as laid out in the arena: positions (float
 * xyz, or int16 xy when packed), ids, indices (uint32, or uint16 with g16:
 * TW_MESH_GPU16). */
static size_t geo__mesh_span(size_t nv, size_t ni, bool packed, bool g16)
{
    size_t vn = nv ? nv : 1, in = ni ? ni : 1, w = g16 ? 2 : 4;
    return geo__up(vn * (packed ? 4 : 12)) + geo__up(vn * w) + geo__up(in * w);
}

/* A mesh with ids and no normals, positions as int16 x, y when packed,
 * ids and indices as the GPU takes them with g16 (TW_MESH_GPU16: ni
 * bounds strip + list), in the arena while it has room, else its own
 * allocation (geo_bmesh_in_arena tells them apart). */
static tw_result geo__mesh_alloc(geo_barena *a, tw_mesh *m, uint32_t nv, uint32_t ni, bool packed,
                                 bool g16)
{
    unsigned attrs = TW_MESH_IDS | (packed ? TW_MESH_XY16 : 0) | (g16 ? TW_MESH_GPU16 : 0);
    size_t vn = nv ? nv : 1, need = geo__mesh_span(nv, ni, packed, g16), w = g16 ? 2 : 4;
    size_t at = a && a->base ? atomic_fetch_add(&a->used, need) : 0;
    if (!a || !a->base || at + need > a->size) return tw_mesh_alloc(m, nv, ni, attrs);
    tw_prim prim = m->prim;
    memset(m, 0, sizeof *m);
    m->prim = prim;
    m->attrs = attrs;
    m->vertex_count = nv, m->index_count = ni;
    uint8_t *p = a->base + at;
    size_t pos = geo__up(vn * (packed ? 4 : 12));
    if (packed)
        m->xy16 = (int16_t *)p;
    else
        m->positions = (float *)p;
    if (g16) {
        m->id16 = (uint16_t *)(p + pos);
        m->ix16 = (uint16_t *)(p + pos + geo__up(vn * w));
    } else {
        m->ids = (uint32_t *)(p + pos);
        m->indices = (uint32_t *)(p + pos + geo__up(vn * w));
    }
    return TW_OK;
}

/* Vertex v: x, y (scene metres) from the origin, the building's id in the
 * chunk times 2 plus 1 on top (float positions also get z 0 / 1). */
static void geo__vertex(tw_mesh *m, uint32_t v, double x, double y, const double origin[3],
                        uint32_t id, uint32_t top)
{
    if (m->xy16) {
        m->xy16[v * 2] = (int16_t)lround((x - origin[0]) * TW_MESH_XY16_PER_M);
        m->xy16[v * 2 + 1] = (int16_t)lround((y - origin[1]) * TW_MESH_XY16_PER_M);
    } else {
        float *pos = &m->positions[(size_t)v * 3];
        pos[0] = (float)(x - origin[0]), pos[1] = (float)(y - origin[1]), pos[2] = (float)top;
    }
    if (m->id16)
        m->id16[v] = (uint16_t)(id * 2 + top);
    else
        m->ids[v] = id * 2 + top;
}

/* A worker's uint32 triangle list, reused chunk after chunk (warm pages),
 * from which a TW_MESH_GPU16 mesh's strip and list are made. */
typedef struct geo__scratch {
    uint32_t *ix;
    size_t cap;
} geo__scratch;

/* Where mesh m's ni list indices go: its own (uint32), or the scratch
 * (TW_MESH_GPU16, packed by geo__pack); NULL out of memory. */
static uint32_t *geo__list(tw_mesh *m, geo__scratch *s, size_t ni)
{
    if (!m->ix16) return m->indices;
    return geo_bgrow((void **)&s->ix, &s->cap, ni ? ni : 1, sizeof *s->ix) ? s->ix : NULL;
}

/* A TW_MESH_GPU16 mesh's strip and list from the list in the scratch. */
static void geo__pack(tw_mesh *m, const uint32_t *ix)
{
    if (m->ix16) tw_mesh_strip16(ix, m->index_count, m->ix16, &m->strip_count, &m->list_count);
}

/* A mesh's first array (where its arrays start). */
static const void *geo__mesh_first(const tw_mesh *m)
{
    return m->xy16 ? (const void *)m->xy16 : (const void *)m->positions;
}

bool geo_bmesh_in_arena(const geo_buildings *b, const tw_mesh *m)
{
    const uint8_t *p = geo__mesh_first(m), *a = b->mesh_arena;
    return a && p >= a && p < a + b->mesh_arena_size;
}

/* The arena goes back to the kernel by 2 MB regions (a huge page each
 * where the kernel gave them): one madvise per region once no mesh is left
 * in it. Returning each mesh's own pages as it went made 13,000 calls at
 * 600,000 buildings, each splitting a huge page and flushing every core's
 * TLB: about a tenth of the whole start-up in this process. */
#define GEO_ARENA_REGION_SHIFT 21

static void geo__region_span(const geo_buildings *b, const tw_mesh *m, size_t *r0, size_t *r1,
                             uintptr_t *lo, uintptr_t *hi)
{
    uintptr_t base = (uintptr_t)b->mesh_arena >> GEO_ARENA_REGION_SHIFT;
    *lo = (uintptr_t)geo__mesh_first(m);
    *hi = *lo + geo__mesh_span(m->vertex_count, m->index_count, m->xy16 != NULL, m->ix16 != NULL);
    *r0 = (*lo >> GEO_ARENA_REGION_SHIFT) - base;
    *r1 = ((*hi - 1) >> GEO_ARENA_REGION_SHIFT) - base;
}

void geo_barena_add(geo_buildings *b, const geo_buildings_chunk *c)
{
    if (!b->mesh_arena_live) return; /* not counting yet: the first release counts it */
    uintptr_t a = (uintptr_t)b->mesh_arena;
    const tw_mesh *m[3] = {&c->roofs, &c->walls, &c->far};
    for (int i = 0; i < 3; i++) {
        if (!geo__mesh_first(m[i]) || !geo_bmesh_in_arena(b, m[i])) continue;
        size_t r0, r1;
        uintptr_t lo, hi;
        geo__region_span(b, m[i], &r0, &r1, &lo, &hi);
        for (size_t r = r0; r <= r1; r++) {
            uintptr_t s = (r + (a >> GEO_ARENA_REGION_SHIFT)) << GEO_ARENA_REGION_SHIFT;
            uintptr_t e = s + ((uintptr_t)1 << GEO_ARENA_REGION_SHIFT);
            b->mesh_arena_live_regions += b->mesh_arena_live[r] == 0;
            b->mesh_arena_live[r] += (uint32_t)((hi < e ? hi : e) - (lo > s ? lo : s));
        }
    }
}

/* Counts every arena mesh's bytes in its regions (at the first release:
 * from then on a mesh made later is counted as it is made). */
static bool geo__arena_count(geo_buildings *b)
{
    uintptr_t a = (uintptr_t)b->mesh_arena;
    size_t regions =
        (((a + b->mesh_arena_size - 1) >> GEO_ARENA_REGION_SHIFT) - (a >> GEO_ARENA_REGION_SHIFT)) +
        1;
    b->mesh_arena_live = calloc(regions, sizeof *b->mesh_arena_live);
    if (!b->mesh_arena_live) return false;
    for (int k = 0; k < b->chunk_count; k++) geo_barena_add(b, &b->chunks[k]);
    return true;
}

/* Mesh m (in the arena) released: its bytes leave their regions; the
 * regions left empty go back to the kernel. */
static void geo__arena_release(geo_buildings *b, const tw_mesh *m)
{
    if (!b->mesh_arena_live && !geo__arena_count(b)) return; /* no counts: kept till the end */
    uintptr_t a = (uintptr_t)b->mesh_arena, end = a + b->mesh_arena_size;
    size_t r0, r1;
    uintptr_t lo, hi;
    geo__region_span(b, m, &r0, &r1, &lo, &hi);
    for (size_t r = r0; r <= r1; r++) {
        uintptr_t s = (r + (a >> GEO_ARENA_REGION_SHIFT)) << GEO_ARENA_REGION_SHIFT;
        uintptr_t e = s + ((uintptr_t)1 << GEO_ARENA_REGION_SHIFT);
        uint32_t n = (uint32_t)((hi < e ? hi : e) - (lo > s ? lo : s));
        b->mesh_arena_live[r] -= n < b->mesh_arena_live[r] ? n : b->mesh_arena_live[r];
        if (b->mesh_arena_live[r] || !n) continue;
        b->mesh_arena_live_regions--;
        /* The region as far as it lies in the arena (page-aligned ends). */
        uintptr_t ms = s > a ? s : a, me = e < end ? e : end;
        if (me > ms) madvise((void *)ms, me - ms, MADV_DONTNEED);
    }
}

void geo_buildings_chunk_release(geo_buildings *b, geo_buildings_chunk *c)
{
    tw_mesh *m[3] = {&c->roofs, &c->walls, &c->far};
    for (int k = 0; k < 3; k++) {
        uint32_t nv = m[k]->vertex_count, ni = m[k]->index_count;
        if (!geo__mesh_first(m[k])) continue;
        if (geo_bmesh_in_arena(b, m[k])) {
            geo__arena_release(b, m[k]);
            tw_prim prim = m[k]->prim;
            double origin[3];
            memcpy(origin, m[k]->origin, sizeof origin);
            memset(m[k], 0, sizeof *m[k]);
            m[k]->prim = prim;
            memcpy(m[k]->origin, origin, sizeof origin);
        } else {
            tw_mesh_free(m[k]);
        }
        m[k]->vertex_count = nv, m[k]->index_count = ni;
    }
    /* Every mesh released (and none left to make): the arena goes (its
     * address space too). */
    if (b->mesh_arena && b->mesh_arena_live && b->mesh_arena_live_regions == 0 && !b->later)
        geo_bmesh_arena_free(b);
}

size_t geo_buildings_mesh_bytes(const geo_buildings *b)
{
    size_t n = 0;
    for (int k = 0; k < b->chunk_count; k++) {
        const geo_buildings_chunk *c = &b->chunks[k];
        const tw_mesh *m[3] = {&c->roofs, &c->walls, &c->far};
        for (int i = 0; i < 3; i++)
            if (geo__mesh_first(m[i])) n += tw_mesh_bytes(m[i]);
    }
    return n;
}

void geo_bmesh_arena_free(geo_buildings *b)
{
    if (b->mesh_arena) munmap(b->mesh_arena, b->mesh_arena_size);
    free(b->mesh_arena_live);
    b->mesh_arena = NULL, b->mesh_arena_size = 0;
    b->mesh_arena_live = NULL, b->mesh_arena_live_regions = 0;
}

/* The far mesh: each building's smallest box, corner k's bottom (z 0) at
 * vertex 2k and its top (z 1) at 2k + 1, four walls and a roof; no normals (drawn
 * with flat normals). */
static tw_result geo__far_boxes(const geo_buildings *b, const geo_btris *t, geo_barena *a,
                                geo__scratch *s, geo_buildings_chunk *c, bool packed)
{
    uint32_t n = (uint32_t)(c->f1 - c->f0);
    bool g16 = (size_t)n * GEO_BUILDINGS_FAR_V < 65535;
    tw_result r = geo__mesh_alloc(a, &c->far, n * GEO_BUILDINGS_FAR_V, n * 30, packed, g16);
    if (r != TW_OK) return r;
    uint32_t *ix = geo__list(&c->far, s, (size_t)n * 30);
    if (!ix) return TW_ERR_NOMEM;
    memcpy(c->far.origin, c->origin, sizeof c->origin);
    /* Corner k's bottom at vertex 2k, its top at 2k + 1: the four walls
     * (bottom a, b, top b, a) go up as one strip (tw_mesh_strip16), then the roof. */
    static const uint32_t tri[30] = {0, 2, 3, 0, 3, 1, 2, 4, 5, 2, 5, 3, 4, 6, 7,
                                     4, 7, 5, 6, 0, 1, 6, 1, 7, 1, 3, 5, 1, 5, 7};
    double lost = 0;
    for (uint32_t i = 0; i < n; i++) {
        double q[4][2]; /* the smallest box, turned or not (geo_buildings_block.c) */
        const double *made = geo_btris_box(t, c->f0 + (int)i);
        if (made)
            memcpy(q, made, sizeof q), lost += made[8];
        else
            lost += geo_buildings_obox(&b->polys, c->f0 + (int)i, q);
        uint32_t v0 = i * GEO_BUILDINGS_FAR_V;
        for (uint32_t k = 0; k < 8; k++)
            geo__vertex(&c->far, v0 + k, q[k >> 1][0], q[k >> 1][1], c->origin, i, k & 1);
        for (int k = 0; k < 30; k++) ix[i * 30 + (uint32_t)k] = v0 + tri[k];
    }
    geo__pack(&c->far, ix);
    c->far_err = n ? (float)sqrt(lost / n) : 0;
    return TW_OK;
}

/* Whether the ring turns straight back at b (a spike's tip: a to b, then
 * back along the same line towards a): the two walls there would stand
 * back to back, a fin of no thickness sticking out of the building. */
static bool geo__spike(const double *a, const double *b, const double *c)
{
    double ux = b[0] - a[0], uy = b[1] - a[1], vx = c[0] - b[0], vy = c[1] - b[1];
    double cross = ux * vy - uy * vx, dot = ux * vx + uy * vy;
    /* The sine of the turn under 1e-9, squared: no root per point. */
    return dot < 0 && cross * cross <= 1e-18 * (ux * ux + uy * uy) * (vx * vx + vy * vy);
}

/* The ring's points keep[0 .. return - 1] (indices into pts, count of
 * them, no two in a row equal) without its spikes' tips, the ring taken
 * round (a tip at its start too): what its walls go along. Under 3: no
 * walls (a ring that only goes out and back). */
static int geo__ring_walls(const double *pts, int count, int *keep)
{
    int k = 0;
    for (int i = 0; i < count; i++) {
        keep[k++] = i;
        while (k >= 3 &&
               geo__spike(&pts[keep[k - 3] * 2], &pts[keep[k - 2] * 2], &pts[keep[k - 1] * 2])) {
            keep[k - 2] = keep[k - 1], k--;
            /* Back where it was: the point once. */
            const double *p = &pts[keep[k - 2] * 2], *q = &pts[keep[k - 1] * 2];
            if (p[0] == q[0] && p[1] == q[1]) k--;
        }
    }
    /* Round the start: a tip at its last or first point. */
    for (bool again = true; again && k >= 3;) {
        again = false;
        if (geo__spike(&pts[keep[k - 2] * 2], &pts[keep[k - 1] * 2], &pts[keep[0] * 2])) {
            k--, again = true;
        } else if (geo__spike(&pts[keep[k - 1] * 2], &pts[keep[0] * 2], &pts[keep[1] * 2])) {
            memmove(keep, keep + 1, (size_t)(k - 1) * sizeof *keep), k--, again = true;
        }
        const double *p = &pts[keep[k - 1] * 2], *q = &pts[keep[0] * 2];
        if (k >= 2 && p[0] == q[0] && p[1] == q[1]) k--, again = true;
    }
    return k >= 3 ? k : 0;
}

/* Walls and roofs of chunk c's features in one mesh: each point of a ring
 * once at the bottom (even vertex, z 0) and once on top (odd, z 1), ids
 * from c->f0, two triangles per edge of non-zero length (none along a
 * spike: geo__ring_walls), then the feature's roof triangles (from t) on
 * the top vertices of the points they use: a roof adds no vertex. No
 * normals (drawn with flat normals). */
static tw_result geo__walls(const geo_buildings *b, const geo_btris *t, geo_barena *ar,
                            geo__scratch *s, geo_buildings_chunk *c, uint32_t points, bool packed)
{
    const geo_polygons *cp = &b->polys;
    tw_mesh *m = &c->walls;
    int f0 = c->f0, f1 = c->f1;
    size_t nroof = 0, maxp = 0;
    for (int f = f0; f < f1; f++) {
        const geo_polygon *pf = &cp->features[f];
        size_t np = (size_t)(cp->ring_start[pf->ring_first + pf->ring_count] -
                             cp->ring_start[pf->ring_first]);
        nroof += t->n[f];
        maxp = np > maxp ? np : maxp;
    }
    m->prim = TW_PRIM_TRIANGLES;
    c->wall_v0 = calloc((size_t)(f1 - f0) + 1, sizeof *c->wall_v0);
    /* The bottom vertex of each of a feature's points (a repeat: its twin's);
     * a ring's points once each, and those its walls go along. */
    uint32_t *at = malloc((maxp + 1) * sizeof *at);
    double *pts = malloc((maxp + 1) * 2 * sizeof *pts);
    int *keep = malloc((maxp + 1) * sizeof *keep);
    tw_result r = c->wall_v0 && at && pts && keep ? TW_OK : TW_ERR_NOMEM;
    /* As the GPU takes them where every vertex and id fits 16 bits. */
    bool g16 = (size_t)points * 2 < 65535 && f1 - f0 <= 32768;
    uint32_t *lx = NULL;
    if (r == TW_OK)
        r = geo__mesh_alloc(ar, m, points * 2, points * 6 + (uint32_t)nroof, packed, g16);
    if (r == TW_OK && !(lx = geo__list(m, s, (size_t)points * 6 + nroof))) r = TW_ERR_NOMEM;
    if (r != TW_OK) {
        free(at), free(pts), free(keep);
        return r;
    }
    memcpy(m->origin, c->origin, sizeof m->origin);
    uint32_t nv = 0, ni = 0;
    for (int f = f0; f < f1; f++) {
        const geo_polygon *pf = &cp->features[f];
        int fa = cp->ring_start[pf->ring_first];
        c->wall_v0[f - f0] = nv;
        for (int ring = pf->ring_first; ring < pf->ring_first + pf->ring_count; ring++) {
            int a0 = cp->ring_start[ring], n = cp->ring_start[ring + 1] - a0;
            /* Repeated points (the closing one included) are one vertex pair. */
            uint32_t first = nv;
            const double *prev = NULL, *p0 = &cp->xy[a0 * 2];
            for (int i = 0; i < n; i++) {
                const double *pa = &cp->xy[(a0 + i) * 2];
                if (prev && pa[0] == prev[0] && pa[1] == prev[1]) {
                    at[a0 - fa + i] = nv - 2;
                    continue;
                }
                for (uint32_t k = 0; k < 2; k++)
                    geo__vertex(m, nv + k, pa[0], pa[1], c->origin, (uint32_t)(f - f0), k);
                pts[(nv - first) / 2 * 2] = pa[0], pts[(nv - first) / 2 * 2 + 1] = pa[1];
                at[a0 - fa + i] = nv;
                nv += 2;
                prev = pa;
            }
            /* The closing point (and repeats of it) is the first one again. */
            while (nv - first > 2 && prev && prev[0] == p0[0] && prev[1] == p0[1]) {
                nv -= 2;
                prev = NULL;
            }
            for (int i = 0; i < n; i++)
                if (at[a0 - fa + i] >= nv) at[a0 - fa + i] = first;
            int walls = geo__ring_walls(pts, (int)(nv - first) / 2, keep);
            for (int i = 0; i < walls; i++) {
                /* Bottom a, b, top b, a as two triangles. */
                uint32_t va = first + 2 * (uint32_t)keep[i];
                uint32_t vb = first + 2 * (uint32_t)keep[(i + 1) % walls];
                uint32_t *ix = &lx[ni];
                ix[0] = va, ix[1] = vb, ix[2] = vb + 1, ix[3] = va, ix[4] = vb + 1, ix[5] = va + 1;
                ni += 6;
            }
        }
        /* The roof on the top vertices. */
        uint32_t np = (uint32_t)(cp->ring_start[pf->ring_first + pf->ring_count] - fa);
        const uint16_t *q16;
        const uint32_t *q = geo_btris_get(t, f, &q16);
        for (uint32_t k = 0; np && k < t->n[f]; k++) {
            uint32_t i = q16 ? q16[k] : q[k];
            lx[ni++] = at[i < np ? i : 0] + 1;
        }
    }
    c->wall_v0[f1 - f0] = nv;
    m->vertex_count = nv;
    m->index_count = ni;
    geo__pack(m, lx);
    free(at), free(pts), free(keep);
    return TW_OK;
}

void geo_bchunk_frame(const geo_buildings *b, geo_buildings_chunk *c)
{
    const geo_polygons *p = &b->polys;
    c->box[0] = c->box[1] = HUGE_VAL, c->box[3] = c->box[4] = -HUGE_VAL;
    c->box[2] = c->box[5] = NAN; /* until geo_buildings_raise */
    for (int f = c->f0; f < c->f1; f++) {
        const double *bb = p->features[f].bbox;
        c->box[0] = fmin(c->box[0], bb[0]), c->box[1] = fmin(c->box[1], bb[1]);
        c->box[3] = fmax(c->box[3], bb[2]), c->box[4] = fmax(c->box[4], bb[3]);
    }
    c->origin[0] = floor(0.5 * (c->box[0] + c->box[3]));
    c->origin[1] = floor(0.5 * (c->box[1] + c->box[4]));
    c->origin[2] = 0;
}

/* One chunk's meshes (its box and origin set): roofs from t, walls and
 * boxes from its features. */
static tw_result geo__chunk_meshes(const geo_buildings *b, const geo_btris *t, geo_barena *a,
                                   geo__scratch *s, geo_buildings_chunk *c)
{
    const geo_polygons *p = &b->polys;
    int np = 0;
    for (int f = c->f0; f < c->f1; f++) {
        const geo_polygon *g = &p->features[f];
        np += p->ring_start[g->ring_first + g->ring_count] - p->ring_start[g->ring_first];
    }
    /* x, y as int16 (TW_MESH_XY16) where the chunk's footprints lie within
     * +-1000 m of its origin (a 500 m cell's and their own sizes): half the
     * bytes of float xyz; else float. */
    double half = fmax(fmax(c->box[3] - c->origin[0], c->origin[0] - c->box[0]),
                       fmax(c->box[4] - c->origin[1], c->origin[1] - c->box[1]));
    bool packed = half * TW_MESH_XY16_PER_M < 32000;
    tw_result r = geo__walls(b, t, a, s, c, (uint32_t)np, packed);
    if (r == TW_OK) r = geo__far_boxes(b, t, a, s, c, packed);
    return r;
}

typedef struct geo__chunk_work {
    geo_buildings *b;
    const geo_btris *t;
    geo_barena *arena;
    const int *list; /* the chunks to make; NULL: every chunk */
    int count;
    atomic_int next;
    atomic_int failed;
} geo__chunk_work;

static void *geo__chunk_worker(void *arg)
{
    geo__chunk_work *w = arg;
    geo__scratch s = {0};
    for (;;) {
        int i = atomic_fetch_add(&w->next, 1);
        if (i >= w->count || atomic_load(&w->failed)) break;
        int k = w->list ? w->list[i] : i;
        if (geo__chunk_meshes(w->b, w->t, w->arena, &s, &w->b->chunks[k]) != TW_OK)
            atomic_store(&w->failed, 1);
    }
    free(s.ix);
    return NULL;
}

tw_result geo_bchunks_run(geo_buildings *b, const geo_btris *t, geo_barena *arena, const int *list,
                          int count, bool share)
{
    geo__chunk_work w = {.b = b, .t = t, .arena = arena, .list = list, .count = count};
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, 0);
    int threads = share ? geo_bthreads() : 1;
    pthread_t th[8];
    int started = 0;
    for (int k = 1; k < threads; k++)
        if (pthread_create(&th[started], NULL, geo__chunk_worker, &w) == 0) started++;
    geo__chunk_worker(&w);
    for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
    return atomic_load(&w.failed) ? TW_ERR_NOMEM : TW_OK;
}

void geo_barena_trim(geo_buildings *b, size_t used)
{
    if (!b->mesh_arena) return;
    /* The tail no mesh took goes back. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t keep = (used < b->mesh_arena_size ? used : b->mesh_arena_size) + page - 1;
    keep -= keep % page;
    if (keep < b->mesh_arena_size && keep > 0) {
        munmap((uint8_t *)b->mesh_arena + keep, b->mesh_arena_size - keep);
        b->mesh_arena_size = keep;
    }
}

tw_result geo_bchunks_build(geo_buildings *b, geo_btris *t, double cm, bool later)
{
    int n = b->polys.count;
    long nx = geo_bnx(b, cm);
    b->chunks = calloc((size_t)n + 1, sizeof *b->chunks);
    if (!b->chunks) return TW_ERR_NOMEM;
    for (int f = 0; f < n;) {
        long cell = geo_bcell(b, f, cm, nx);
        int f1 = f + 1;
        while (f1 < n && geo_bcell(b, f1, cm, nx) == cell) f1++;
        geo_buildings_chunk *c = &b->chunks[b->chunk_count++];
        c->f0 = f, c->f1 = f1;
        geo_bchunk_frame(b, c);
        f = f1;
    }
    /* The arena: room for every mesh at its largest (roofs: a vertex per
     * point; walls: two; boxes: 8 and 30 indices), mapped but not touched. */
    geo_barena arena = {0};
    atomic_init(&arena.used, 0);
    if (n >= atomic_load(&geo__arena_from)) {
        size_t bound = (size_t)b->chunk_count * 9 * GEO_ARENA_ALIGN;
        for (int f = 0; f < n; f++) {
            const geo_polygon *pf = &b->polys.features[f];
            size_t np = (size_t)(b->polys.ring_start[pf->ring_first + pf->ring_count] -
                                 b->polys.ring_start[pf->ring_first]);
            bound += np * 16 + (size_t)t->n[f] * 4 + np * 2 * 16 + np * 6 * 4 + 8 * 16 + 30 * 4;
        }
        void *m = mmap(NULL, bound, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
            madvise(m, bound, MADV_HUGEPAGE);
#endif
            arena.base = m, arena.size = bound;
            b->mesh_arena = m, b->mesh_arena_size = bound;
        }
    }
    for (int f = 0; f < n; f++) b->roofless += t->n[f] == 0;
    /* Made when first wanted (geo_buildings_later.c): t is kept for them. */
    if (later) return geo_blater_start(b, t);
    /* Helpers only where there is enough to share. */
    tw_result r =
        geo_bchunks_run(b, t, arena.base ? &arena : NULL, NULL, b->chunk_count, n >= 20000);
    if (r != TW_OK) return r;
    geo_barena_trim(b, atomic_load(&arena.used));
    return TW_OK;
}
