/* Buildings layer: the chunks' meshes to the GPU, lazily. A chunk's
 * walls, roofs and far boxes go up when a frame first draws it at their
 * level (app_buildings.c's passes call app_bchunk_upload), so the first
 * complete frame of an overview, which draws nearly every chunk as blocks
 * made from the rows, waits for almost none of them; after it, the rest go
 * up a few MB a frame in the background, nearest the eye first, and each
 * chunk's CPU copies are freed once all of its meshes are up. */
#include "app_buildings_int.h"

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define APP_TRIM_FEATURES 20000

/* A large read leaves its transient blocks (OGR's features, the
 * triangulation's batches, a cache read's meshes once freed) free in the
 * arenas of the threads that made them; their pages go back now (tens to
 * hundreds of MB at 600,000 buildings; a few ms). */
void app_btile_trim(const app_btile *t)
{
#ifdef __GLIBC__
    if (t->b.polys.count >= APP_TRIM_FEATURES) malloc_trim(0);
#else
    (void)t;
#endif
}

bool app_bchunk_upload(app_btile *t, int k, unsigned want)
{
    unsigned need = want & ~(unsigned)t->up[k] & APP_UP_ALL;
    if (!need) return false;
    geo_buildings_chunk *c = &t->b.chunks[k];
    /* Raises and colours are the table's: a mesh goes up once. */
    if (need & APP_UP_FULL) {
        t->roofs[k] = c->roofs.index_count ? rn_mesh_make(&c->roofs) : (rn_mesh){0};
        t->walls[k] = c->walls.index_count ? rn_mesh_make(&c->walls) : (rn_mesh){0};
    }
    if (need & APP_UP_FAR) t->far[k] = c->far.index_count ? rn_mesh_make(&c->far) : (rn_mesh){0};
    t->up[k] |= (uint8_t)need;
    if (t->up[k] == APP_UP_ALL) {
        geo_buildings_chunk_release(&t->b, c);
        if (++t->up_n == t->b.chunk_count) app_btile_trim(t);
    }
    return true;
}

/* The CPU copies chunk k still holds for meshes not yet up. */
static size_t app__pending_bytes(const app_btile *t, int k)
{
    const geo_buildings_chunk *c = &t->b.chunks[k];
    size_t n = 0;
    if (!(t->up[k] & APP_UP_FULL)) n += tw_mesh_bytes(&c->roofs) + tw_mesh_bytes(&c->walls);
    if (!(t->up[k] & APP_UP_FAR)) n += tw_mesh_bytes(&c->far);
    return n;
}

typedef struct app__pending {
    double d2; /* from the eye to the chunk's box, squared */
    int ti, k;
} app__pending;

static int app__pending_cmp(const void *a, const void *b)
{
    const app__pending *x = a, *y = b;
    return x->d2 < y->d2 ? -1 : x->d2 > y->d2 ? 1 : x->ti != y->ti ? x->ti - y->ti : x->k - y->k;
}

int app_buildings_chunks_up(const app_buildings *p, int *chunks)
{
    int n = 0;
    *chunks = 0;
    for (int ti = 0; p->tiles && ti < p->nx * p->ny; ti++) {
        const app_btile *t = p->tiles[ti];
        if (t && t->state == APP_BTILE_READY) n += t->up_n, *chunks += t->b.chunk_count;
    }
    return n;
}

void app_buildings_upload_background(app_buildings *p)
{
    double budget = p->cfg->upload_mb * 1048576.0;
    if (!p->drew_ready || !(budget > 0)) return;
    int n = 0;
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        const app_btile *t = p->tiles[ti];
        if (t && t->state == APP_BTILE_READY && t->uploaded) n += t->b.chunk_count - t->up_n;
    }
    if (!n) return;
    app__pending *q = malloc((size_t)n * sizeof *q);
    if (!q) return;
    int m = 0;
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        const app_btile *t = p->tiles[ti];
        if (!t || t->state != APP_BTILE_READY || !t->uploaded) continue;
        for (int k = 0; k < t->b.chunk_count && m < n; k++) {
            if (t->up[k] == APP_UP_ALL) continue;
            const double *b = t->b.chunks[k].box;
            double d2 = 0;
            for (int a = 0; a < 3; a++) {
                double e = p->eye[a], o = e < b[a] ? b[a] - e : e > b[a + 3] ? e - b[a + 3] : 0;
                d2 += o * o;
            }
            q[m++] = (app__pending){.d2 = d2, .ti = ti, .k = k};
        }
    }
    qsort(q, (size_t)m, sizeof *q, app__pending_cmp);
    /* At least one chunk a frame, however large. */
    double sent = 0;
    for (int i = 0; i < m && sent < budget; i++) {
        app_btile *t = p->tiles[q[i].ti];
        sent += (double)app__pending_bytes(t, q[i].k);
        app_bchunk_upload(t, q[i].k, APP_UP_ALL);
        p->up_background++;
    }
    free(q);
}
