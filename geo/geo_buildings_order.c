/* The buildings' features ordered by grid cell: keys sorted, the features
 * moved in place, their rings and points copied once in the new order on
 * every core into arrays sized (and faulted in) ahead. */
#include "geo_buildings_order.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct geo__key {
    long cell;
    int f;
} geo__key;

static int geo__key_cmp(const void *a, const void *b)
{
    const geo__key *x = a, *y = b;
    if (x->cell != y->cell) return x->cell < y->cell ? -1 : 1;
    return (x->f > y->f) - (x->f < y->f);
}

/* The features' keys (cell, then reading order) sorted: counted by cell
 * (stable, so ties keep their order) where the cells are few beside the
 * features, the usual case (a city's extent in 500 m cells); else sorted. */
static void geo__keys_sort(const geo_buildings *b, geo__key *k, double cm, long nx)
{
    int n = b->polys.count;
    double rows = floor((b->polys.extent[3] - b->polys.extent[1]) / cm) + 1;
    long cells = rows > 0 && rows * (double)nx <= 4.0 * n + 1024 ? nx * (long)rows : 0;
    geo__key *tmp = cells > 0 ? malloc((size_t)n * sizeof *tmp + 1) : NULL;
    size_t *at = tmp ? calloc((size_t)cells + 1, sizeof *at) : NULL;
    bool counted = at != NULL;
    for (int f = 0; f < n; f++) {
        long c = geo_bcell(b, f, cm, nx);
        k[f] = (geo__key){c, f};
        if (counted && c >= 0 && c < cells)
            at[c + 1]++;
        else
            counted = false; /* a cell past the count: sorted instead */
    }
    if (counted) {
        memcpy(tmp, k, (size_t)n * sizeof *k);
        for (long c = 0; c < cells; c++) at[c + 1] += at[c];
        for (int f = 0; f < n; f++) k[at[tmp[f].cell]++] = tmp[f];
    } else {
        qsort(k, (size_t)n, sizeof *k, geo__key_cmp);
    }
    free(at);
    free(tmp);
}

/* Features f0 .. f1 - 1's rings and points copied in the features' order
 * into xy, rs and ro from ring r and point k on (each feature's rings
 * from ring_first, as they were). */
typedef struct geo__copy {
    geo_polygons *p;
    double *xy;
    int *rs;
    bool *ro;
    int f0, f1, r, k;
} geo__copy;

static void *geo__copy_rings(void *arg)
{
    geo__copy *c = arg;
    geo_polygons *p = c->p;
    int r = c->r, k = c->k;
    for (int f = c->f0; f < c->f1; f++) {
        geo_polygon *g = &p->features[f];
        int q0 = g->ring_first, q1 = q0 + g->ring_count;
        int a = p->ring_start[q0], m = p->ring_start[q1] - a;
        memcpy(c->xy + 2 * (size_t)k, p->xy + 2 * (size_t)a, (size_t)m * 2 * sizeof *c->xy);
        for (int q = q0; q < q1; q++, r++) {
            c->rs[r] = k + p->ring_start[q] - a;
            c->ro[r] = p->ring_outer[q];
        }
        g->ring_first = r - g->ring_count;
        k += m;
    }
    return NULL;
}

static void geo__sorted_count(const geo_polygons *p, geo_bsorted *o)
{
    o->rings = o->points = 0;
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *g = &p->features[f];
        o->rings += g->ring_count;
        o->points += p->ring_start[g->ring_first + g->ring_count] - p->ring_start[g->ring_first];
    }
}

void geo_bsorted_free(geo_bsorted *o)
{
    geo_prefault_join(&o->pf);
    free(o->xy), free(o->rs), free(o->ro);
    memset(o, 0, sizeof *o);
}

/* Room for p's rings and points as they are now (and spare when asked),
 * the points' pages faulted in on another core. */
tw_result geo_bsorted_alloc(const geo_polygons *p, geo_bsorted *o, bool spare)
{
    memset(o, 0, sizeof *o);
    geo__sorted_count(p, o);
    size_t np = (size_t)o->points, nr = (size_t)o->rings;
    o->cap_xy = spare ? np + np / 32 + 4096 : np;
    o->cap_rings = spare ? nr + nr / 32 + 1024 : nr;
    o->xy = malloc(o->cap_xy * 2 * sizeof *o->xy + 1);
    o->rs = malloc((o->cap_rings + 1) * sizeof *o->rs);
    o->ro = malloc(o->cap_rings + 1);
    if (!o->xy || !o->rs || !o->ro) {
        geo_bsorted_free(o);
        return TW_ERR_NOMEM;
    }
    if (p->count >= 20000) geo_prefault_start(&o->pf, o->xy, np * 2 * sizeof *o->xy);
    return TW_OK;
}

/* o fitted to p's rings and points now (after repairs): grown when short. */
static tw_result geo__sorted_fit(const geo_polygons *p, geo_bsorted *o)
{
    geo__sorted_count(p, o);
    if ((size_t)o->points > o->cap_xy) {
        geo_prefault_join(&o->pf); /* it moves */
        double *xy = realloc(o->xy, (size_t)o->points * 2 * sizeof *xy + 1);
        if (!xy) return TW_ERR_NOMEM;
        o->xy = xy, o->cap_xy = (size_t)o->points;
    }
    if ((size_t)o->rings > o->cap_rings) {
        int *rs = realloc(o->rs, ((size_t)o->rings + 1) * sizeof *rs);
        if (rs) o->rs = rs;
        bool *ro = realloc(o->ro, (size_t)o->rings + 1);
        if (ro) o->ro = ro;
        if (!rs || !ro) return TW_ERR_NOMEM;
        o->cap_rings = (size_t)o->rings;
    }
    return TW_OK;
}

/* The rings and points in the features' order (each feature's rings
 * from ring_first, as they were) into o's arrays, which p then takes: a
 * layer read whole hands its points to the obstacles as they are, which
 * take them in that order. The copy is shared out among the cores by
 * points. */
static void geo__order_rings(geo_polygons *p, geo_bsorted *o)
{
    int n = p->count, rings = o->rings, points = o->points;
    double *xy = o->xy;
    int *rs = o->rs;
    bool *ro = o->ro;
    enum { GEO_COPY_MAX = 8 };
    geo__copy job[GEO_COPY_MAX];
    int parts = n >= 20000 ? geo_bthreads() : 1, count = 0;
    parts = parts > GEO_COPY_MAX ? GEO_COPY_MAX : parts;
    /* Part j starts at the first feature at or past j / parts of the points. */
    int r = 0, k = 0;
    for (int f = 0; f <= n && count < parts; f++) {
        if (f == n || (long)k * parts >= (long)points * count) {
            if (count > 0) job[count - 1].f1 = f;
            if (f == n) break;
            job[count++] = (geo__copy){p, xy, rs, ro, f, n, r, k};
        }
        const geo_polygon *g = &p->features[f];
        r += g->ring_count;
        k += p->ring_start[g->ring_first + g->ring_count] - p->ring_start[g->ring_first];
    }
    pthread_t th[GEO_COPY_MAX];
    bool started[GEO_COPY_MAX] = {false};
    for (int j = 1; j < count; j++)
        started[j] = pthread_create(&th[j], NULL, geo__copy_rings, &job[j]) == 0;
    for (int j = 0; j < count; j++)
        if (j == 0 || !started[j]) geo__copy_rings(&job[j]);
    for (int j = 1; j < count; j++)
        if (started[j]) pthread_join(th[j], NULL);
    geo_prefault_join(&o->pf);
    rs[rings] = points;
    free(p->xy), free(p->ring_start), free(p->ring_outer);
    p->xy = xy, p->ring_start = rs, p->ring_outer = ro;
    p->ring_count = rings;
}

/* Orders the features (and their heights, floors, values and triangles)
 * by grid cell, so each chunk is a run of features; ties keep the
 * source's order. Moved in place, one cycle of the permutation at a time:
 * fresh memory costs more than the moves here (each new page is zeroed by
 * the kernel; 60 MB of copies at 600,000 buildings). */
tw_result geo_bsort(geo_buildings *b, geo_btris *t, double cm, geo_bsorted *o)
{
    int n = b->polys.count;
    long nx = geo_bnx(b, cm);
    tw_result r = o->xy ? geo__sorted_fit(&b->polys, o) : geo_bsorted_alloc(&b->polys, o, false);
    geo__key *k = r == TW_OK ? malloc((size_t)n * sizeof *k + 1) : NULL;
    if (!k) {
        geo_bsorted_free(o);
        return TW_ERR_NOMEM;
    }
    geo__keys_sort(b, k, cm, nx);
    /* Where each feature came from: its far box was made in reading order. */
    if (t->box_seg && (t->orig = malloc((size_t)n * sizeof *t->orig + 1)) != NULL)
        for (int i = 0; i < n; i++) t->orig[i] = k[i].f;
    geo_polygon *pf = b->polys.features;
    uint32_t *v = b->class_at;
    for (int i = 0; i < n; i++) {
        if (k[i].f < 0 || k[i].f == i) continue; /* moved, or in place */
        /* The cycle through i: slot j takes what k[j].f holds. */
        geo_polygon p0 = pf[i];
        double h0 = b->height[i], fl0 = b->floors[i];
        size_t tf0 = t->first[i];
        uint32_t tn0 = t->n[i], v0 = v ? v[i] : 0;
        int j = i;
        for (;;) {
            int s = k[j].f;
            k[j].f = -1;
            if (s == i) {
                pf[j] = p0, b->height[j] = h0, b->floors[j] = fl0;
                t->first[j] = tf0, t->n[j] = tn0;
                if (v) v[j] = v0;
                break;
            }
            pf[j] = pf[s], b->height[j] = b->height[s], b->floors[j] = b->floors[s];
            t->first[j] = t->first[s], t->n[j] = t->n[s];
            if (v) v[j] = v[s];
            j = s;
        }
    }
    free(k);
    geo__order_rings(&b->polys, o);
    memset(o, 0, sizeof *o); /* p's now */
    return TW_OK;
}
