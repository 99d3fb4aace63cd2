/* Building meshes: each footprint triangulated once, while OGR reads the
 * next ones (batches handed to worker threads), then chunks built on every
 * core from those triangles. */
#include "geo_buildings_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GEO_BATCH_FEATURES    GEO_BTRIS_SEG
#define GEO_BPIPE_MAX_WORKERS 7

int geo_bthreads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static bool geo__grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}

/* Triangles of rings rs[r0] .. (ring r1 excluded) of the point array xy,
 * appended to out relative to point rs[r0]; false for a bad fill. */
static bool geo__tri_rings(const double *xy, const int *rs, const bool *ro, int r0, int r1,
                           double area, tw_tri_out *out, bool *nomem)
{
    int base = rs[r0];
    double sum = 0;
    bool ok = true;
    for (int r = r0; r < r1;) {
        int r2 = r + 1;
        while (r2 < r1 && !ro[r2]) r2++;
        if (ro[r]) {
            size_t from = out->index_count;
            tw_result res = tw_triangulate(xy, &rs[r], r2 - r, rs[r2], out);
            if (res == TW_ERR_NOMEM) *nomem = true;
            if (res != TW_OK) {
                ok = false;
            } else {
                for (size_t k = from; k + 2 < out->index_count; k += 3) {
                    const double *u = &xy[out->indices[k] * 2], *v = &xy[out->indices[k + 1] * 2],
                                 *w = &xy[out->indices[k + 2] * 2];
                    sum +=
                        0.5 * fabs((v[0] - u[0]) * (w[1] - u[1]) - (w[0] - u[0]) * (v[1] - u[1]));
                }
                for (size_t k = from; k < out->index_count; k++) out->indices[k] -= (uint32_t)base;
            }
        }
        r = r2;
    }
    return ok && sum > 0 && fabs(sum - area) <= 0.01 * fabs(area);
}

static bool geo__btris_room(geo_btris *t, int f)
{
    size_t need = (size_t)f + 1;
    if (need <= t->features) return true;
    size_t cap = t->features ? t->features : 1024;
    while (cap < need) cap *= 2;
    size_t *first = realloc(t->first, cap * sizeof *first);
    if (first) t->first = first;
    uint32_t *n = realloc(t->n, cap * sizeof *n);
    if (n) t->n = n;
    unsigned char *bad = realloc(t->bad, cap);
    if (bad) t->bad = bad;
    if (!first || !n || !bad) return false;
    t->features = cap;
    return true;
}

bool geo_btris_feature(geo_btris *t, const geo_polygons *p, int f, tw_tri_out *scratch)
{
    const geo_polygon *pf = &p->features[f];
    bool nomem = false;
    scratch->index_count = 0;
    bool good = geo__tri_rings(p->xy, p->ring_start, p->ring_outer, pf->ring_first,
                               pf->ring_first + pf->ring_count, pf->area, scratch, &nomem);
    if (nomem || !geo__btris_room(t, f) ||
        !geo__grow((void **)&t->idx, &t->cap, t->count + scratch->index_count, sizeof *t->idx))
        return false;
    t->first[f] = t->count;
    t->n[f] = (uint32_t)scratch->index_count;
    t->bad[f] = !good;
    memcpy(&t->idx[t->count], scratch->indices, scratch->index_count * sizeof *t->idx);
    t->count += scratch->index_count;
    return true;
}

void geo_btris_free(geo_btris *t)
{
    free(t->idx);
    free(t->first);
    free(t->n);
    free(t->bad);
    for (int k = 0; t->seg && k < t->segs; k++) free(t->seg[k]);
    free(t->seg);
    for (int k = 0; t->box_seg && k < t->box_segs; k++) free(t->box_seg[k]);
    free(t->box_seg);
    free(t->orig);
    memset(t, 0, sizeof *t);
}

/* Where reading-order feature o's box is kept, or NULL. */
static double *geo__box_at(const geo_btris *t, int o)
{
    int k = o / GEO_BTRIS_SEG;
    if (o < 0 || !t->box_seg || k >= t->box_segs || !t->box_seg[k]) return NULL;
    return t->box_seg[k] + (size_t)(o % GEO_BTRIS_SEG) * 9;
}

const double *geo_btris_box(const geo_btris *t, int f)
{
    const double *q = t->orig ? geo__box_at(t, t->orig[f]) : NULL;
    return q && !isnan(q[8]) ? q : NULL;
}

void geo_btris_box_stale(geo_btris *t, int f)
{
    double *q = geo__box_at(t, f); /* before ordering: f is its reading order */
    if (q) q[8] = NAN;
}

/* A batch of features copied from the reader: their rings, then (filled by
 * whoever triangulates it) their triangles. */
typedef struct geo__batch {
    int f0, nf;
    double *xy;
    size_t np, cap_p;
    int *rs; /* ring starts in xy, one more than rings */
    bool *ro;
    size_t nr, cap_r, cap_o;
    int fr[GEO_BATCH_FEATURES + 1]; /* feature i's rings: fr[i] .. fr[i + 1] - 1 */
    double area[GEO_BATCH_FEATURES];
    double bbox[GEO_BATCH_FEATURES][4];
    double *box; /* 9 doubles a feature: geo_btris.box_seg's, made with the triangles */
    tw_tri_out tri; /* every feature's triangles, relative to its first point */
    uint32_t tfirst[GEO_BATCH_FEATURES + 1];
    unsigned char bad[GEO_BATCH_FEATURES];
    bool nomem, done;
    struct geo__batch *next, *qnext; /* every batch in order; the queue */
} geo__batch;

/* A batch's ring arrays, handed from a batch done to the next one read:
 * their pages stay mapped (fresh ones cost a fault and a zeroed page each,
 * 4 KB at a time) and they come at their size (no reallocs as they fill). */
typedef struct geo__rings_buf {
    double *xy;
    int *rs;
    bool *ro;
    size_t cap_p, cap_r, cap_o;
} geo__rings_buf;

#define GEO_BPIPE_SPARE 4

struct geo_bpipe {
    pthread_mutex_t mu;
    geo__rings_buf spare[GEO_BPIPE_SPARE]; /* under mu */
    int spare_n;
    pthread_cond_t cv;
    geo__batch *queue, *queue_tail; /* full batches no worker took yet */
    int queued;                     /* batches in the queue */
    geo__batch *all, *all_tail;     /* every batch in reading order */
    geo__batch *cur;
    pthread_t workers[GEO_BPIPE_MAX_WORKERS];
    int worker_count;
    bool started, closing;
};

static void geo__batch_run(geo_bpipe *q, geo__batch *b)
{
    b->tri.index_count = 0;
    /* Room for every triangle at once (n points and h holes make at most
     * n + 2h - 2 a polygon): no reallocs copying the list as it grows. */
    size_t most = 3 * (b->np + 2 * b->nr) + 3;
    if (b->tri.capacity < most) {
        uint32_t *ix = realloc(b->tri.indices, most * sizeof *ix);
        if (ix) b->tri.indices = ix, b->tri.capacity = most;
    }
    /* The far boxes too (the slowest part of building the meshes after
     * the read, here on a core the reader leaves idle much of the time);
     * none kept when there is no room (made with the meshes then). */
    b->box = malloc((size_t)(b->nf ? b->nf : 1) * 9 * sizeof *b->box);
    geo_polygon g = {0};
    geo_polygons view = {.features = &g, .count = 1, .xy = b->xy, .ring_start = b->rs,
                         .ring_outer = b->ro, .ring_count = (int)b->nr};
    for (int i = 0; i < b->nf; i++) {
        b->tfirst[i] = (uint32_t)b->tri.index_count;
        b->bad[i] = !geo__tri_rings(b->xy, b->rs, b->ro, b->fr[i], b->fr[i + 1], b->area[i],
                                    &b->tri, &b->nomem);
        if (!b->box) continue;
        g.ring_first = b->fr[i], g.ring_count = b->fr[i + 1] - b->fr[i], g.area = b->area[i];
        memcpy(g.bbox, b->bbox[i], sizeof g.bbox);
        double *bx = &b->box[(size_t)i * 9];
        bx[8] = geo_buildings_obox(&view, 0, (double(*)[2])bx);
    }
    b->tfirst[b->nf] = (uint32_t)b->tri.index_count;
    b->done = true;
    /* The rings were only needed for this: the next batch's, or freed. */
    geo__rings_buf r = {b->xy, b->rs, b->ro, b->cap_p, b->cap_r, b->cap_o};
    pthread_mutex_lock(&q->mu);
    bool kept = q->spare_n < GEO_BPIPE_SPARE;
    if (kept) q->spare[q->spare_n++] = r;
    pthread_mutex_unlock(&q->mu);
    if (!kept) free(r.xy), free(r.rs), free(r.ro);
    b->xy = NULL, b->rs = NULL, b->ro = NULL;
    b->cap_p = b->cap_r = b->cap_o = 0;
}

/* The oldest queued batch, taken (q->mu held), or NULL. */
static geo__batch *geo__pop(geo_bpipe *q)
{
    geo__batch *b = q->queue;
    if (!b) return NULL;
    q->queue = b->qnext;
    if (!q->queue) q->queue_tail = NULL;
    q->queued--;
    return b;
}

static void *geo__worker(void *arg)
{
    geo_bpipe *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->queue && !q->closing) pthread_cond_wait(&q->cv, &q->mu);
        geo__batch *b = geo__pop(q);
        if (!b) break;
        pthread_mutex_unlock(&q->mu);
        geo__batch_run(q, b);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

geo_bpipe *geo_bpipe_create(void)
{
    geo_bpipe *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    return q;
}

/* A full batch: to the workers (started now if there are none yet), or
 * kept for geo_bpipe_finish on a single core. */
static void geo__dispatch(geo_bpipe *q, geo__batch *b)
{
    if (!q->started) {
        q->started = true;
        int n = geo_bthreads() - 1;
        n = n > GEO_BPIPE_MAX_WORKERS ? GEO_BPIPE_MAX_WORKERS : n;
        for (int k = 0; k < n; k++)
            if (pthread_create(&q->workers[q->worker_count], NULL, geo__worker, q) == 0)
                q->worker_count++;
    }
    if (q->worker_count == 0) return;
    pthread_mutex_lock(&q->mu);
    if (q->queue_tail)
        q->queue_tail->qnext = b;
    else
        q->queue = b;
    q->queue_tail = b;
    q->queued++;
    /* Workers falling behind (triangles and boxes can cost more than the
     * reading): the reader takes the oldest batch itself rather than let
     * the queue (and the memory of its rings) grow. */
    geo__batch *own = q->queued > 2 * q->worker_count ? geo__pop(q) : NULL;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (own) geo__batch_run(q, own);
}

bool geo_bpipe_add(geo_bpipe *q, const geo_polygons *p, int f)
{
    geo__batch *b = q->cur;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return false;
        pthread_mutex_lock(&q->mu);
        if (q->spare_n > 0) {
            geo__rings_buf r = q->spare[--q->spare_n];
            b->xy = r.xy, b->rs = r.rs, b->ro = r.ro;
            b->cap_p = r.cap_p, b->cap_r = r.cap_r, b->cap_o = r.cap_o;
        }
        pthread_mutex_unlock(&q->mu);
        b->f0 = f;
        if (q->all_tail)
            q->all_tail->next = b;
        else
            q->all = b;
        q->all_tail = b;
        q->cur = b;
    }
    if (f != b->f0 + b->nf) return false; /* features come in order */
    const geo_polygon *pf = &p->features[f];
    int r0 = pf->ring_first, r1 = r0 + pf->ring_count;
    size_t a = (size_t)p->ring_start[r0], e = (size_t)p->ring_start[r1];
    size_t rings = b->nr + (size_t)(r1 - r0) + 1;
    if (!geo__grow((void **)&b->xy, &b->cap_p, (b->np + e - a) * 2, sizeof *b->xy) ||
        !geo__grow((void **)&b->rs, &b->cap_r, rings, sizeof *b->rs) ||
        !geo__grow((void **)&b->ro, &b->cap_o, rings, sizeof *b->ro))
        return false;
    memcpy(&b->xy[b->np * 2], &p->xy[a * 2], (e - a) * 2 * sizeof *b->xy);
    b->fr[b->nf] = (int)b->nr;
    for (int r = r0; r < r1; r++) {
        b->rs[b->nr] = (int)(b->np + (size_t)(p->ring_start[r] - (int)a));
        b->ro[b->nr++] = p->ring_outer[r];
    }
    b->np += e - a;
    b->rs[b->nr] = (int)b->np;
    memcpy(b->bbox[b->nf], pf->bbox, sizeof b->bbox[0]);
    b->area[b->nf++] = pf->area;
    b->fr[b->nf] = (int)b->nr;
    if (b->nf == GEO_BATCH_FEATURES) {
        q->cur = NULL;
        geo__dispatch(q, b);
    }
    return true;
}

static void geo__join(geo_bpipe *q)
{
    pthread_mutex_lock(&q->mu);
    q->closing = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (int k = 0; k < q->worker_count; k++) pthread_join(q->workers[k], NULL);
    q->worker_count = 0;
}

bool geo_bpipe_finish(geo_bpipe *q, geo_btris *t, int features)
{
    /* The reader helps with what is still queued, then the last batch. */
    for (;;) {
        pthread_mutex_lock(&q->mu);
        geo__batch *b = geo__pop(q);
        pthread_mutex_unlock(&q->mu);
        if (!b) break;
        geo__batch_run(q, b);
    }
    geo__join(q);
    int batches = 0;
    for (geo__batch *b = q->all; b; b = b->next) {
        if (!b->done) geo__batch_run(q, b);
        if (b->nomem) return false;
        batches++;
    }
    geo_btris_free(t);
    if (features > 0 && !geo__btris_room(t, features - 1)) return false;
    t->seg = calloc((size_t)batches + 1, sizeof *t->seg);
    if (!t->seg) return false;
    t->box_segs = (features + GEO_BTRIS_SEG - 1) / GEO_BTRIS_SEG;
    t->box_seg = calloc((size_t)t->box_segs + 1, sizeof *t->box_seg);
    int f = 0;
    for (geo__batch *b = q->all; b; b = b->next) {
        if (b->f0 != f || f + b->nf > features || t->segs > 0xffffff) return false;
        /* The batch's list is the segment's (no copy): its spare room goes. */
        size_t k = (size_t)t->segs++;
        uint32_t *ix = b->tri.indices;
        if (ix && b->tri.index_count < b->tri.capacity) {
            uint32_t *fit = realloc(ix, (b->tri.index_count ? b->tri.index_count : 1) * sizeof *ix);
            if (fit) ix = fit;
        }
        t->seg[k] = ix;
        b->tri.indices = NULL, b->tri.index_count = b->tri.capacity = 0;
        if (t->box_seg && b->f0 % GEO_BTRIS_SEG == 0)
            t->box_seg[b->f0 / GEO_BTRIS_SEG] = b->box, b->box = NULL;
        for (int i = 0; i < b->nf; i++, f++) {
            t->first[f] = GEO_BTRIS_IN_SEG | k << GEO_BTRIS_SEG_SHIFT | b->tfirst[i];
            t->n[f] = b->tfirst[i + 1] - b->tfirst[i];
            t->bad[f] = b->bad[i];
        }
    }
    return f == features;
}

void geo_bpipe_free(geo_bpipe *q)
{
    if (!q) return;
    geo__join(q);
    for (geo__batch *b = q->all, *n; b; b = n) {
        n = b->next;
        free(b->xy);
        free(b->rs);
        free(b->ro);
        free(b->box);
        tw_tri_out_free(&b->tri);
        free(b);
    }
    for (int k = 0; k < q->spare_n; k++)
        free(q->spare[k].xy), free(q->spare[k].rs), free(q->spare[k].ro);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}

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
    return geo__grow((void **)&s->ix, &s->cap, ni ? ni : 1, sizeof *s->ix) ? s->ix : NULL;
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
        bool mapped = geo_buildings_in_map(b, geo__mesh_first(m[k]));
        if (mapped || geo_bmesh_in_arena(b, m[k])) {
            if (mapped)
                geo_bcache_mesh_release(b, m[k]);
            else
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

/* Walls and roofs of chunk c's features in one mesh: each point of a ring
 * once at the bottom (even vertex, z 0) and once on top (odd, z 1), ids
 * from c->f0, two triangles per edge of non-zero length, then the
 * feature's roof triangles (from t) on the top vertices of the points they
 * use: a roof adds no vertex. No normals (drawn with flat normals). */
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
    /* The bottom vertex of each of a feature's points (a repeat: its twin's). */
    uint32_t *at = malloc((maxp + 1) * sizeof *at);
    tw_result r = c->wall_v0 && at ? TW_OK : TW_ERR_NOMEM;
    /* As the GPU takes them where every vertex and id fits 16 bits. */
    bool g16 = (size_t)points * 2 < 65535 && f1 - f0 <= 32768;
    uint32_t *lx = NULL;
    if (r == TW_OK)
        r = geo__mesh_alloc(ar, m, points * 2, points * 6 + (uint32_t)nroof, packed, g16);
    if (r == TW_OK && !(lx = geo__list(m, s, (size_t)points * 6 + nroof))) r = TW_ERR_NOMEM;
    if (r != TW_OK) {
        free(at);
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
            uint32_t count = (nv - first) / 2;
            for (uint32_t i = 0; count >= 2 && i < count; i++) {
                /* Bottom a, b, top b, a as two triangles. */
                uint32_t va = first + 2 * i, vb = first + 2 * ((i + 1) % count);
                uint32_t *ix = &lx[ni];
                ix[0] = va, ix[1] = vb, ix[2] = vb + 1, ix[3] = va, ix[4] = vb + 1, ix[5] = va + 1;
                ni += 6;
            }
        }
        /* The roof on the top vertices. */
        uint32_t np = (uint32_t)(cp->ring_start[pf->ring_first + pf->ring_count] - fa);
        const uint32_t *ix = geo_btris_at(t, f);
        for (uint32_t k = 0; np && k < t->n[f]; k++) lx[ni++] = at[ix[k] < np ? ix[k] : 0] + 1;
    }
    c->wall_v0[f1 - f0] = nv;
    m->vertex_count = nv;
    m->index_count = ni;
    geo__pack(m, lx);
    free(at);
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
    if (later && n >= geo_buildings_set_later_from(-1)) return geo_blater_start(b, t);
    /* Helpers only where there is enough to share. */
    tw_result r =
        geo_bchunks_run(b, t, arena.base ? &arena : NULL, NULL, b->chunk_count, n >= 20000);
    if (r != TW_OK) return r;
    geo_barena_trim(b, atomic_load(&arena.used));
    return TW_OK;
}
