/* Scene positions kept between a live feed's snapshots (app_live_reuse.h). */
#include "app_live_reuse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct app_live_reuse {
    char *crs; /* NULL: lon/lat */
    geo_frame *frame;
    unsigned ground_gen;
    bool has_ground;
    size_t n, cap;
    double *rx, *ry; /* the raw positions */
    double *x, *y;   /* their scene positions (NaN: did not transform) */
    float *gz;
};

void app_live_reuse_free(app_live_reuse *c)
{
    if (!c) return;
    free(c->crs);
    if (c->frame) geo_frame_destroy(c->frame);
    free(c->rx), free(c->ry), free(c->x), free(c->y), free(c->gz);
    free(c);
}

static bool app__same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Bit for bit: the transform is a function of the bits given. */
static bool app__same_pos(const app_live_reuse *c, size_t i, double x, double y)
{
    return memcmp(&c->rx[i], &x, sizeof x) == 0 && memcmp(&c->ry[i], &y, sizeof y) == 0;
}

/* The cache made to hold n positions under key (contents left to fill). */
static app_live_reuse *app__fit(app_live_reuse *c, const app_live_reuse_key *key, size_t n)
{
    if (!c && !(c = calloc(1, sizeof *c))) return NULL;
    if (!app__same_text(c->crs, key->crs)) {
        free(c->crs);
        c->crs = key->crs ? strdup(key->crs) : NULL;
        if (key->crs && !c->crs) goto fail;
    }
    if (c->frame != key->frame) {
        if (c->frame) geo_frame_destroy(c->frame);
        c->frame = key->frame ? geo_frame_ref(key->frame) : NULL;
    }
    c->ground_gen = key->ground_gen, c->has_ground = key->has_ground;
    c->n = 0;
    if (n > c->cap) {
        double *a = realloc(c->rx, n * sizeof *a);
        if (a) c->rx = a;
        double *b = realloc(c->ry, n * sizeof *b);
        if (b) c->ry = b;
        double *d = realloc(c->x, n * sizeof *d);
        if (d) c->x = d;
        double *e = realloc(c->y, n * sizeof *e);
        if (e) c->y = e;
        float *f = realloc(c->gz, n * sizeof *f);
        if (f) c->gz = f;
        if (!a || !b || !d || !e || !f) goto fail;
        c->cap = n;
    }
    return c;
fail:
    app_live_reuse_free(c);
    return NULL;
}

long app_live_reuse_positions(app_live_reuse **cache, const app_live_reuse_key *key, size_t n,
                              const double *rx, const double *ry, double *x, double *y, float *gz,
                              app_live_xy_fn xy, app_live_z_fn z, void *user)
{
    app_live_reuse *c = *cache;
    bool pos_ok = c && c->frame == key->frame && app__same_text(c->crs, key->crs);
    bool z_ok = pos_ok && c->has_ground == key->has_ground && c->ground_gen == key->ground_gen;
    size_t kept = pos_ok ? (c->n < n ? c->n : n) : 0;
    /* The positions not kept, gathered for one transform call. */
    size_t miss = 0;
    for (size_t i = 0; i < n; i++)
        if (!(i < kept && app__same_pos(c, i, rx[i], ry[i]))) x[miss] = rx[i], y[miss++] = ry[i];
    if (miss && !xy(user, miss, x, y)) {
        for (size_t i = 0; i < n; i++) x[i] = y[i] = NAN, gz[i] = 0;
        app_live_reuse_free(c);
        *cache = NULL;
        return -1;
    }
    /* Spread back from the end (the gathered ones are a prefix, in order). */
    long reused = 0;
    for (size_t i = n, m = miss; i-- > 0;) {
        if (i < kept && app__same_pos(c, i, rx[i], ry[i])) {
            x[i] = c->x[i], y[i] = c->y[i];
            gz[i] = z_ok ? c->gz[i] : isfinite(x[i]) && isfinite(y[i]) ? z(user, x[i], y[i]) : 0;
            reused++;
            continue;
        }
        m--;
        x[i] = x[m], y[i] = y[m];
        gz[i] = isfinite(x[i]) && isfinite(y[i]) ? z(user, x[i], y[i]) : 0;
    }
    if ((c = app__fit(c, key, n))) {
        memcpy(c->rx, rx, n * sizeof *rx), memcpy(c->ry, ry, n * sizeof *ry);
        memcpy(c->x, x, n * sizeof *x), memcpy(c->y, y, n * sizeof *y);
        memcpy(c->gz, gz, n * sizeof *gz);
        c->n = n;
    }
    *cache = c;
    return reused;
}
