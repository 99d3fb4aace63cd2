/* Building meshes, first part: each footprint triangulated once (roof
 * triangles and far box), while OGR reads the next ones: batches handed to
 * worker threads (geo_bpipe), gathered in reading order (geo_btris).
 * geo_buildings_mesh.c makes the chunks' meshes from them. */
#include "geo_buildings_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GEO_BATCH_FEATURES    GEO_BTRIS_SEG
#define GEO_BPIPE_MAX_WORKERS 7

int geo_bthreads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

bool geo_bgrow(void **p, size_t *cap, size_t need, size_t size)
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
        !geo_bgrow((void **)&t->idx, &t->cap, t->count + scratch->index_count, sizeof *t->idx))
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
    for (int k = 0; t->seg16 && k < t->segs; k++) free(t->seg16[k]);
    free(t->seg16);
    for (int k = 0; t->box_seg && k < t->box_segs; k++) free(t->box_seg[k]);
    free(t->box_seg);
    free(t->orig);
    free(t->idx16);
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

/* What a batch needs of each feature only until it is triangulated (90 KB
 * a batch), handed on with its rings: not fresh memory for every batch. */
typedef struct geo__work {
    int fr[GEO_BATCH_FEATURES + 1]; /* feature i's rings: fr[i] .. fr[i + 1] - 1 */
    double area[GEO_BATCH_FEATURES];
    double bbox[GEO_BATCH_FEATURES][4];
} geo__work;

/* A batch of features copied from the reader: their rings, then (filled by
 * whoever triangulates it) their triangles. */
typedef struct geo__batch {
    int f0, nf;
    double *xy;
    size_t np, cap_p;
    int *rs; /* ring starts in xy, one more than rings */
    bool *ro;
    size_t nr, cap_r, cap_o;
    geo__work *w;
    double *box; /* 9 doubles a feature: geo_btris.box_seg's, made with the triangles */
    tw_tri_out tri; /* every feature's triangles, relative to its first point */
    uint16_t *tri16; /* the same as uint16 once made, when they fit (tri then handed on) */
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
    geo__work *w;
    uint32_t *tix; /* a triangle list made uint16 (tri16): the next batch's to fill */
    size_t tcap;
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
    const geo__work *w = b->w;
    for (int i = 0; i < b->nf; i++) {
        b->tfirst[i] = (uint32_t)b->tri.index_count;
        b->bad[i] = !geo__tri_rings(b->xy, b->rs, b->ro, w->fr[i], w->fr[i + 1], w->area[i],
                                    &b->tri, &b->nomem);
        if (!b->box) continue;
        g.ring_first = w->fr[i], g.ring_count = w->fr[i + 1] - w->fr[i], g.area = w->area[i];
        memcpy(g.bbox, w->bbox[i], sizeof g.bbox);
        double *bx = &b->box[(size_t)i * 9];
        bx[8] = geo_buildings_obox(&view, 0, (double(*)[2])bx);
    }
    b->tfirst[b->nf] = (uint32_t)b->tri.index_count;
    /* Kept as uint16 where every feature's points fit (as the cache keeps
     * them): 2 bytes of fresh memory an index, not 4; the uint32 list goes
     * on to the next batch with the rings. */
    bool fit = !b->nomem;
    for (int i = 0; fit && i < b->nf; i++) fit = b->rs[w->fr[i + 1]] - b->rs[w->fr[i]] <= 65536;
    size_t nt = b->tri.index_count;
    b->tri16 = fit ? malloc((nt ? nt : 1) * sizeof *b->tri16) : NULL;
    for (size_t k = 0; b->tri16 && k < nt; k++) b->tri16[k] = (uint16_t)b->tri.indices[k];
    b->done = true;
    /* The rings were only needed for this: the next batch's, or freed. */
    geo__rings_buf r = {b->xy, b->rs, b->ro, b->cap_p, b->cap_r, b->cap_o, b->w, NULL, 0};
    if (b->tri16) {
        r.tix = b->tri.indices, r.tcap = b->tri.capacity;
        b->tri.indices = NULL, b->tri.capacity = 0;
    }
    pthread_mutex_lock(&q->mu);
    bool kept = q->spare_n < GEO_BPIPE_SPARE;
    if (kept) q->spare[q->spare_n++] = r;
    pthread_mutex_unlock(&q->mu);
    if (!kept) free(r.xy), free(r.rs), free(r.ro), free(r.w), free(r.tix);
    b->xy = NULL, b->rs = NULL, b->ro = NULL, b->w = NULL;
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
            b->w = r.w;
            b->tri.indices = r.tix, b->tri.capacity = r.tcap;
        }
        pthread_mutex_unlock(&q->mu);
        if (!b->w && (b->w = malloc(sizeof *b->w)) == NULL) {
            free(b->xy), free(b->rs), free(b->ro), free(b->tri.indices), free(b);
            return false;
        }
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
    if (!geo_bgrow((void **)&b->xy, &b->cap_p, (b->np + e - a) * 2, sizeof *b->xy) ||
        !geo_bgrow((void **)&b->rs, &b->cap_r, rings, sizeof *b->rs) ||
        !geo_bgrow((void **)&b->ro, &b->cap_o, rings, sizeof *b->ro))
        return false;
    memcpy(&b->xy[b->np * 2], &p->xy[a * 2], (e - a) * 2 * sizeof *b->xy);
    geo__work *w = b->w;
    w->fr[b->nf] = (int)b->nr;
    for (int r = r0; r < r1; r++) {
        b->rs[b->nr] = (int)(b->np + (size_t)(p->ring_start[r] - (int)a));
        b->ro[b->nr++] = p->ring_outer[r];
    }
    b->np += e - a;
    b->rs[b->nr] = (int)b->np;
    memcpy(w->bbox[b->nf], pf->bbox, sizeof w->bbox[0]);
    w->area[b->nf++] = pf->area;
    w->fr[b->nf] = (int)b->nr;
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
    t->seg16 = calloc((size_t)batches + 1, sizeof *t->seg16);
    if (!t->seg || !t->seg16) return false;
    t->box_segs = (features + GEO_BTRIS_SEG - 1) / GEO_BTRIS_SEG;
    t->box_seg = calloc((size_t)t->box_segs + 1, sizeof *t->box_seg);
    int f = 0;
    for (geo__batch *b = q->all; b; b = b->next) {
        if (b->f0 != f || f + b->nf > features || t->segs > 0xffffff) return false;
        /* The batch's list is the segment's (no copy): its uint16 one, or
         * its uint32 one spare room and all (room never written holds no
         * memory, and a shrinking realloc per batch, an mremap, would wait
         * on any page faulting in ahead: geo_prefault.h). */
        size_t k = (size_t)t->segs++;
        if (b->tri16) {
            t->seg16[k] = b->tri16, b->tri16 = NULL;
        } else {
            t->seg[k] = b->tri.indices;
            b->tri.indices = NULL, b->tri.index_count = b->tri.capacity = 0;
        }
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
        free(b->w);
        free(b->box);
        tw_tri_out_free(&b->tri);
        free(b->tri16);
        free(b);
    }
    for (int k = 0; k < q->spare_n; k++)
        free(q->spare[k].xy), free(q->spare[k].rs), free(q->spare[k].ro), free(q->spare[k].w),
            free(q->spare[k].tix);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}
