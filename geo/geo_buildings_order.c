/* The buildings' features ordered by grid cell: keys sorted, the features
 * moved in place. Their rings and points stay where they were read: each
 * feature names its own (ring_first), and the obstacles take them in that
 * layout (tw_obstacles_desc.ring_end), so the 125 MB of points at 600,000
 * buildings are not copied into fresh memory once more. */
#include "geo_buildings_order.h"

#include <math.h>
#include <stdint.h>
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

/* The features in order of cell, then of reading (order[i]: the feature
 * that goes to place i): counted by cell (stable, so ties keep their
 * order) where the cells are few beside the features, the usual case (a
 * city's extent in 500 m cells), from 4 bytes a feature; else sorted by
 * key. False when out of memory. */
static bool geo__order(const geo_buildings *b, int *order, double cm, long nx)
{
    int n = b->polys.count;
    double rows = floor((b->polys.extent[3] - b->polys.extent[1]) / cm) + 1;
    long cells = rows > 0 && rows * (double)nx <= 4.0 * n + 1024 ? nx * (long)rows : 0;
    int *cell = cells > 0 ? malloc((size_t)n * sizeof *cell + 1) : NULL;
    size_t *at = cell ? calloc((size_t)cells + 1, sizeof *at) : NULL;
    bool counted = at != NULL;
    for (int f = 0; f < n && counted; f++) {
        long c = geo_bcell(b, f, cm, nx);
        if (c >= 0 && c < cells)
            at[c + 1]++, cell[f] = (int)c;
        else
            counted = false; /* a cell past the count: sorted instead */
    }
    if (counted) {
        for (long c = 0; c < cells; c++) at[c + 1] += at[c];
        for (int f = 0; f < n; f++) order[at[cell[f]]++] = f;
    }
    free(at);
    free(cell);
    if (counted) return true;
    geo__key *k = malloc((size_t)n * sizeof *k + 1);
    if (!k) return false;
    for (int f = 0; f < n; f++) k[f] = (geo__key){geo_bcell(b, f, cm, nx), f};
    qsort(k, (size_t)n, sizeof *k, geo__key_cmp);
    for (int i = 0; i < n; i++) order[i] = k[i].f;
    free(k);
    return true;
}

/* Orders the features (and their heights, floors, values and triangles)
 * by grid cell, so each chunk is a run of features; ties keep the
 * source's order. Moved in place, one cycle of the permutation at a time:
 * fresh memory costs more than the moves here (each new page is zeroed by
 * the kernel; 60 MB of copies at 600,000 buildings). */
tw_result geo_bsort(geo_buildings *b, geo_btris *t, double cm)
{
    int n = b->polys.count;
    long nx = geo_bnx(b, cm);
    int *order = malloc((size_t)n * sizeof *order + 1);
    uint8_t *moved = calloc((size_t)n / 8 + 1, 1); /* a bit a place */
    if (!order || !moved || !geo__order(b, order, cm, nx)) {
        free(order), free(moved);
        return TW_ERR_NOMEM;
    }
    geo_polygon *pf = b->polys.features;
    uint32_t *v = b->class_at;
#define GEO__MOVED(j) (moved[(j) >> 3] >> ((j)&7) & 1)
#define GEO__MOVE(j)  (moved[(j) >> 3] |= (uint8_t)(1u << ((j)&7)))
    for (int i = 0; i < n; i++) {
        if (GEO__MOVED(i) || order[i] == i) continue; /* moved, or in place */
        /* The cycle through i: slot j takes what order[j] holds. */
        geo_polygon p0 = pf[i];
        double h0 = b->height[i], fl0 = b->floors[i];
        size_t tf0 = t->first[i];
        uint32_t tn0 = t->n[i], v0 = v ? v[i] : 0;
        int j = i;
        for (;;) {
            int s = order[j];
            GEO__MOVE(j);
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
#undef GEO__MOVED
#undef GEO__MOVE
    free(moved);
    /* Where each feature came from: its far box was made in reading order. */
    if (t->box_seg)
        t->orig = order;
    else
        free(order);
    return TW_OK;
}
