/* Buildings layer: the chunks' meshes to the GPU, lazily. A chunk's
 * walls, roofs and far boxes go up when a frame first draws it at their
 * level (app_buildings.c's passes call app_bchunk_upload), so the first
 * complete frame of an overview, which draws nearly every chunk as blocks
 * made from the rows, waits for almost none of them; after it, the rest go
 * up a few MB a frame in the background, nearest the eye first (by runs of
 * consecutive chunks, which share their memory pages), and each
 * chunk's CPU copies are freed once all of its meshes are up. */
#include "app_buildings_int.h"

#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
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
    /* Not made yet (app_bchunks_make makes a frame's ahead, on every core). */
    if (!geo_buildings_chunk_made(&t->b, k)) app_bchunks_make(t, &k, 1);
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

/* The background goes by runs of consecutive chunks of about this many
 * bytes of CPU copies: a large load's meshes lie in its mesh arena in
 * chunk order, which gives its pages back by 2 MB regions once every mesh
 * in one is released; chunk by chunk in order of distance, nearly every
 * region would keep a mesh not yet up until the end, and the CPU copies
 * and the GPU's would be held at once (+100 MB of peak RSS at 600,000
 * buildings on llvmpipe, where the GPU's memory is the process's). */
#define APP_UPLOAD_RUN_BYTES (8u << 20)

typedef struct app__run {
    double d2; /* from the eye to its nearest chunk's box, squared */
    int ti, k0, k1;
} app__run;

static int app__run_cmp(const void *a, const void *b)
{
    const app__run *x = a, *y = b;
    return x->d2 < y->d2 ? -1 : x->d2 > y->d2 ? 1 : x->ti != y->ti ? x->ti - y->ti : x->k0 - y->k0;
}

static double app__d2(const double eye[3], const double *b)
{
    double d2 = 0;
    for (int a = 0; a < 3; a++) {
        double e = eye[a], o = e < b[a] ? b[a] - e : e > b[a + 3] ? e - b[a + 3] : 0;
        d2 += o * o;
    }
    return d2;
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

/* Chunks whose meshes a frame needs now (drawn in full or as far boxes)
 * made before it draws, together, on every core. */
void app_bchunks_make(app_btile *t, const int *ks, int n)
{
    if (n > 0 && geo_buildings_chunks_make(&t->b, ks, n) != TW_OK && !t->make_failed) {
        t->make_failed = true;
        TW_WARN("buildings", "out of memory making chunk meshes: some chunks stay empty");
    }
}

/* After the first frame drawn with the view ready, the chunks no frame has
 * needed yet are made a batch at a time, nearest the eye first, so their
 * meshes can go up in the background and a later view finds them made:
 * APP_MAKE_SHARE of the time between frames (at least APP_MAKE_MS, at
 * most APP_MAKE_MAX_MS) of the main thread a frame, on every core (at
 * 600,000 buildings on llvmpipe every chunk is made within 30 s). */
#define APP_MAKE_MS     4.0
#define APP_MAKE_MAX_MS 40.0
#define APP_MAKE_SHARE  0.1
#define APP_MAKE_BATCH  16

static void app__make_background(app_buildings *p)
{
    double t0 = tw_time_mono_s();
    double gap_ms = p->make_last > 0 ? (t0 - p->make_last) * 1000 : 0;
    p->make_last = t0;
    double budget = fmin(fmax(APP_MAKE_MS, APP_MAKE_SHARE * gap_ms), APP_MAKE_MAX_MS);
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        app_btile *t = p->tiles[ti];
        if (!t || t->state != APP_BTILE_READY || !geo_buildings_chunks_left(&t->b)) continue;
        int left = geo_buildings_chunks_left(&t->b);
        app__run *q = malloc((size_t)left * sizeof *q);
        if (!q) return;
        int m = 0;
        for (int k = 0; k < t->b.chunk_count && m < left; k++)
            if (!geo_buildings_chunk_made(&t->b, k))
                q[m++] = (app__run){.d2 = app__d2(p->eye, t->b.chunks[k].box), .ti = ti, .k0 = k};
        qsort(q, (size_t)m, sizeof *q, app__run_cmp);
        int ks[APP_MAKE_BATCH];
        for (int i = 0; i < m && (tw_time_mono_s() - t0) * 1000 < budget;) {
            int n = 0;
            while (i < m && n < APP_MAKE_BATCH) ks[n++] = q[i++].k0;
            app_bchunks_make(t, ks, n);
            p->made_background += n;
        }
        free(q);
        if ((tw_time_mono_s() - t0) * 1000 >= budget) return;
    }
}

void app_buildings_upload_background(app_buildings *p)
{
    double budget = p->cfg->upload_mb * 1048576.0;
    /* upload_mb 0: nothing in the background (meshes made and uploaded
     * only when drawn). */
    if (!p->drew_ready || !(budget > 0)) return;
    app__make_background(p);
    int n = 0;
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        const app_btile *t = p->tiles[ti];
        if (t && t->state == APP_BTILE_READY && t->uploaded) n += t->b.chunk_count - t->up_n;
    }
    if (!n) return;
    app__run *q = malloc((size_t)n * sizeof *q);
    if (!q) return;
    /* Runs of chunks still holding CPU copies, nearest first. */
    int m = 0;
    for (int ti = 0; ti < p->nx * p->ny; ti++) {
        const app_btile *t = p->tiles[ti];
        if (!t || t->state != APP_BTILE_READY || !t->uploaded) continue;
        size_t bytes = 0;
        for (int k = 0; k < t->b.chunk_count && m < n; k++) {
            if (t->up[k] == APP_UP_ALL || !geo_buildings_chunk_made(&t->b, k)) continue;
            double d2 = app__d2(p->eye, t->b.chunks[k].box);
            if (bytes && bytes < APP_UPLOAD_RUN_BYTES) {
                q[m - 1].k1 = k + 1;
                q[m - 1].d2 = fmin(q[m - 1].d2, d2);
            } else {
                q[m++] = (app__run){.d2 = d2, .ti = ti, .k0 = k, .k1 = k + 1};
                bytes = 0;
            }
            bytes += app__pending_bytes(t, k) + 1;
        }
    }
    qsort(q, (size_t)m, sizeof *q, app__run_cmp);
    /* At least one chunk a frame, however large. */
    double sent = 0;
    const app_btile *trim = NULL;
    for (int i = 0; i < m && sent < budget; i++) {
        app_btile *t = p->tiles[q[i].ti];
        for (int k = q[i].k0; k < q[i].k1 && sent < budget; k++) {
            if (t->up[k] == APP_UP_ALL || !geo_buildings_chunk_made(&t->b, k)) continue;
            sent += (double)app__pending_bytes(t, k);
            app_bchunk_upload(t, k, APP_UP_ALL);
            p->up_background++;
            trim = t;
        }
    }
    free(q);
    /* The copies a cache read made were allocated on a worker, and freed
     * here they stay in its malloc arena, which the GPU's copies (on
     * llvmpipe, the main thread's allocations) do not reuse: their pages
     * go back a frame's worth at a time, not all at the end (+90 MB of
     * peak RSS at 600,000 buildings). */
    if (trim) app_btile_trim(trim);
}
