/* Obstacle sets: copied once, shared by reference, rasterized by scanline. */
#include "tw_obstacles.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct tw__obstacles {
    tw_obstacles pub; /* first: the public view */
    atomic_int refs;
    void *xy_keep; /* tw_obstacles_desc.xy_keep: xy is not ours to free */
    bool own_end;  /* ring_end is an array of its own, not ring_first + 1 */
    void (*xy_release)(void *keep);
} tw__obstacles;

static void tw__free(tw__obstacles *o)
{
    if (o->own_end) free(o->pub.ring_end);
    free(o->pub.ring_first);
    free(o->pub.ring_start);
    if (o->xy_keep)
        o->xy_release(o->xy_keep);
    else
        free(o->pub.xy);
    free(o->pub.base);
    free(o->pub.top);
    free(o->pub.id);
    free(o);
}

static void tw__finish(tw__obstacles *o, const double *bbox);

/* The rings d's ring_start numbers (ring_first[count] without ring_end). */
static int tw__rings(const tw_obstacles_desc *d)
{
    return d->ring_end ? d->rings : d->count > 0 ? d->ring_first[d->count] : 0;
}

tw_result tw_obstacles_create(const tw_obstacles_desc *d, tw_obstacles **out)
{
    *out = NULL;
    if (!d || d->count < 0 ||
        (d->count > 0 && (!d->ring_first || !d->ring_start || !d->xy || !d->base || !d->top)))
        return TW_ERR_ARG;
    tw__obstacles *o = calloc(1, sizeof *o);
    if (!o) return TW_ERR_NOMEM;
    tw_obstacles *p = &o->pub;
    int n = d->count;
    int rings = tw__rings(d);
    int points = rings > 0 ? d->ring_start[rings] : 0;
    if (rings < 0 || points < 0) {
        free(o);
        return TW_ERR_ARG;
    }
    p->count = n;
    p->ring_count = rings;
    p->ring_first = malloc(((size_t)n + 1) * sizeof *p->ring_first);
    o->own_end = d->ring_end != NULL;
    if (o->own_end)
        p->ring_end = malloc((size_t)n * sizeof *p->ring_end + 1);
    else if (p->ring_first)
        p->ring_end = p->ring_first + 1;
    p->ring_start = malloc(((size_t)rings + 1) * sizeof *p->ring_start);
    p->xy = malloc((size_t)points * 2 * sizeof *p->xy + 1);
    p->base = malloc((size_t)n * sizeof *p->base + 1);
    p->top = malloc((size_t)n * sizeof *p->top + 1);
    p->id = malloc((size_t)n * sizeof *p->id + 1);
    if (!p->ring_first || !p->ring_end || !p->ring_start || !p->xy || !p->base || !p->top ||
        !p->id) {
        tw__free(o);
        return TW_ERR_NOMEM;
    }
    if (n > 0) {
        memcpy(p->ring_first, d->ring_first, ((size_t)n + !d->ring_end) * sizeof *p->ring_first);
        if (d->ring_end) memcpy(p->ring_end, d->ring_end, (size_t)n * sizeof *p->ring_end);
        memcpy(p->ring_start, d->ring_start, ((size_t)rings + 1) * sizeof *p->ring_start);
        memcpy(p->xy, d->xy, (size_t)points * 2 * sizeof *p->xy);
        memcpy(p->base, d->base, (size_t)n * sizeof *p->base);
        memcpy(p->top, d->top, (size_t)n * sizeof *p->top);
    } else {
        p->ring_first[0] = 0;
        p->ring_start[0] = 0;
    }
    for (int i = 0; i < n; i++) p->id[i] = d->id ? d->id[i] : i;
    tw__finish(o, d->bbox);
    *out = p;
    return TW_OK;
}

tw_result tw_obstacles_adopt(const tw_obstacles_desc *d, tw_obstacles **out)
{
    *out = NULL;
    tw_result r = TW_ERR_ARG;
    tw__obstacles *o = NULL;
    if (!d || d->count < 0 || !d->ring_first || !d->ring_start || !d->xy || !d->base || !d->top ||
        !d->id || (d->xy_keep && !d->xy_release))
        goto fail;
    int n = d->count, rings = tw__rings(d);
    if (rings < 0 || d->ring_start[rings] < 0) goto fail;
    o = calloc(1, sizeof *o);
    r = TW_ERR_NOMEM;
    if (!o) goto fail;
    o->xy_keep = d->xy_keep, o->xy_release = d->xy_release;
    tw_obstacles *p = &o->pub;
    p->count = n;
    p->ring_count = rings;
    /* The caller's arrays, as they are: the set frees them. */
    p->ring_first = (int *)d->ring_first, p->ring_start = (int *)d->ring_start;
    o->own_end = d->ring_end != NULL;
    p->ring_end = o->own_end ? (int *)d->ring_end : p->ring_first + 1;
    p->xy = (double *)d->xy;
    p->base = (float *)d->base, p->top = (float *)d->top;
    p->id = (long *)d->id;
    tw__finish(o, d->bbox);
    *out = p;
    return TW_OK;
fail:
    if (d && d->xy_keep && d->xy_release) d->xy_release(d->xy_keep);
    return r;
}

/* The bounding box (the caller's when it gives one), the tallest top and
 * one reference. */
static void tw__finish(tw__obstacles *o, const double *bbox)
{
    tw_obstacles *p = &o->pub;
    int n = p->count, points = p->ring_count > 0 ? p->ring_start[p->ring_count] : 0;
    p->bbox[0] = p->bbox[1] = INFINITY;
    p->bbox[2] = p->bbox[3] = -INFINITY;
    p->top_max = -INFINITY;
    if (bbox && points > 0) {
        memcpy(p->bbox, bbox, sizeof p->bbox);
        points = 0;
    }
    for (int k = 0; k < points; k++) {
        double x = p->xy[2 * k], y = p->xy[2 * k + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        p->bbox[0] = fmin(p->bbox[0], x), p->bbox[1] = fmin(p->bbox[1], y);
        p->bbox[2] = fmax(p->bbox[2], x), p->bbox[3] = fmax(p->bbox[3], y);
    }
    for (int i = 0; i < n; i++)
        if (isfinite(p->top[i])) p->top_max = fmaxf(p->top_max, p->top[i]);
    atomic_init(&o->refs, 1);
}

tw_obstacles *tw_obstacles_ref(tw_obstacles *p)
{
    if (p) atomic_fetch_add(&((tw__obstacles *)p)->refs, 1);
    return p;
}

void tw_obstacles_release(tw_obstacles *p)
{
    tw__obstacles *o = (tw__obstacles *)p;
    if (o && atomic_fetch_sub(&o->refs, 1) == 1) tw__free(o);
}

static void tw__prism_bbox(const tw_obstacles *o, int i, double b[4])
{
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
    for (int r = o->ring_first[i]; r < o->ring_end[i]; r++)
        for (int k = o->ring_start[r]; k < o->ring_start[r + 1]; k++) {
            double x = o->xy[2 * k], y = o->xy[2 * k + 1];
            b[0] = fmin(b[0], x), b[1] = fmin(b[1], y);
            b[2] = fmax(b[2], x), b[3] = fmax(b[3], y);
        }
}

static int tw__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Crossings of prism i's edges with the line y = yc (half-open rule, so a
 * vertex on the line counts once), sorted; at most max. */
static int tw__crossings(const tw_obstacles *o, int i, double yc, double *xs, int max)
{
    int n = 0;
    for (int r = o->ring_first[i]; r < o->ring_end[i]; r++) {
        int s = o->ring_start[r], e = o->ring_start[r + 1];
        for (int k = s; k < e && n < max; k++) {
            int k2 = k + 1 < e ? k + 1 : s;
            double x1 = o->xy[2 * k], y1 = o->xy[2 * k + 1];
            double x2 = o->xy[2 * k2], y2 = o->xy[2 * k2 + 1];
            if ((y1 <= yc) == (y2 <= yc)) continue;
            xs[n++] = x1 + (yc - y1) / (y2 - y1) * (x2 - x1);
        }
    }
    qsort(xs, (size_t)n, sizeof *xs, tw__cmp_double);
    return n;
}

static int tw__edges(const tw_obstacles *o, int i)
{
    int edges = 0;
    for (int r = o->ring_first[i]; r < o->ring_end[i]; r++)
        edges += o->ring_start[r + 1] - o->ring_start[r];
    return edges;
}

long tw_obstacles_rasterize(const tw_obstacles *o, const tw_grid *g, float *out)
{
    if (!o || !g || !out || g->nx <= 0 || g->ny <= 0 || !(g->dx > 0) || !(g->dy > 0)) return 0;
    long raised = 0;
    double *xs = NULL;
    int cap = 0;
    for (int i = 0; i < o->count; i++) {
        float top = o->top[i];
        if (!isfinite(top)) continue;
        double b[4];
        tw__prism_bbox(o, i, b);
        if (!(b[0] <= b[2])) continue;
        /* Cells whose centres lie inside the box. */
        double fj0 = ceil((b[1] - g->y0) / g->dy - 0.5), fj1 = floor((b[3] - g->y0) / g->dy - 0.5);
        double fi0 = ceil((b[0] - g->x0) / g->dx - 0.5), fi1 = floor((b[2] - g->x0) / g->dx - 0.5);
        if (fj1 < 0 || fi1 < 0 || fj0 > g->ny - 1 || fi0 > g->nx - 1) continue;
        int j0 = (int)fmax(fj0, 0), j1 = (int)fmin(fj1, g->ny - 1);
        int i0 = (int)fmax(fi0, 0), i1 = (int)fmin(fi1, g->nx - 1);
        int edges = tw__edges(o, i);
        if (edges > cap) {
            double *nx = realloc(xs, (size_t)edges * sizeof *xs);
            if (!nx) break;
            xs = nx, cap = edges;
        }
        for (int j = j0; j <= j1; j++) {
            double yc = g->y0 + (j + 0.5) * g->dy;
            int n = tw__crossings(o, i, yc, xs, cap);
            for (int k = 0; k + 1 < n; k += 2) {
                double a = ceil((xs[k] - g->x0) / g->dx - 0.5);
                double c = floor((xs[k + 1] - g->x0) / g->dx - 0.5);
                /* A centre exactly on the right edge is outside (half-open). */
                if (g->x0 + (c + 0.5) * g->dx >= xs[k + 1]) c -= 1;
                int ia = (int)fmax(a, i0), ic = (int)fmin(c, i1);
                for (int ii = ia; ii <= ic; ii++) {
                    float *cell = &out[(long)j * g->nx + ii];
                    if (!(*cell >= top)) *cell = top;
                    raised++;
                }
            }
        }
    }
    free(xs);
    return raised;
}

int tw_obstacles_find(const tw_obstacles *o, double x, double y)
{
    if (!o) return -1;
    int best = -1;
    for (int i = 0; i < o->count; i++) {
        bool in = false;
        for (int r = o->ring_first[i]; r < o->ring_end[i]; r++) {
            int s = o->ring_start[r], e = o->ring_start[r + 1];
            for (int k = s, p = e - 1; k < e; p = k++) {
                double xk = o->xy[2 * k], yk = o->xy[2 * k + 1];
                double xp = o->xy[2 * p], yp = o->xy[2 * p + 1];
                if ((yk > y) != (yp > y) && x < (xp - xk) * (y - yk) / (yp - yk) + xk) in = !in;
            }
        }
        if (in && (best < 0 || o->top[i] > o->top[best])) best = i;
    }
    return best;
}
