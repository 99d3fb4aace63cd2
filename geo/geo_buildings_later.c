/* Buildings: a large layer read whole with its chunk meshes made when
 * first wanted (geo_buildings_desc.meshes_later). At 600,000 buildings
 * the walls, roofs and far boxes of every chunk took about a sixth of the
 * load (and 230 MB of fresh pages) before the first frame, which at an
 * overview draws none of them (blocks, made from the rows) and at a street
 * or oblique view a fifth. The load now ends with each chunk's features,
 * box, origin and far_err (all the level of detail needs); the caller
 * makes the meshes of the chunks a frame draws in full or as far boxes
 * before drawing them, and the rest in the background, a few at a time.
 * Each call is a fork and join over the cores from the one thread that
 * also releases the meshes, so the arena's bump pointer and its regions'
 * counts (geo_buildings_mesh.c) are never touched by two calls at once. */
#include "geo_buildings_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int geo__later_from = 20000;

int geo_buildings_set_later_from(int features)
{
    return features < 0 ? atomic_load(&geo__later_from)
                        : atomic_exchange(&geo__later_from, features);
}

struct geo_blater {
    geo_btris t;   /* every feature's roof triangles and far box */
    size_t used;   /* the arena's bump pointer between calls */
    uint8_t *made; /* per chunk */
    int left;      /* chunks not made yet */
    int pins;      /* readers on other threads (geo_buildings_later_pin) */
};

/* b->later from t (taken); far_err worked out from the boxes unless the
 * chunks have theirs (a cache read). */
static tw_result geo__later(geo_buildings *b, geo_btris *t, bool far_err)
{
    geo_blater *l = calloc(1, sizeof *l);
    uint8_t *made = calloc((size_t)b->chunk_count + 1, 1);
    if (!l || !made) {
        free(l), free(made);
        return TW_ERR_NOMEM;
    }
    /* What the far boxes lose, as geo__far_boxes works it out (the level
     * of detail needs it before the boxes are made). */
    for (int k = 0; far_err && k < b->chunk_count; k++) {
        geo_buildings_chunk *c = &b->chunks[k];
        double lost = 0, q[4][2];
        for (int f = c->f0; f < c->f1; f++) {
            const double *made_box = geo_btris_box(t, f);
            lost += made_box ? made_box[8] : geo_buildings_obox(&b->polys, f, q);
        }
        uint32_t n = (uint32_t)(c->f1 - c->f0);
        c->far_err = n ? (float)sqrt(lost / n) : 0;
    }
    l->t = *t;
    memset(t, 0, sizeof *t);
    l->made = made;
    l->left = b->chunk_count;
    b->later = l;
    if (l->left == 0) geo_blater_free(b);
    return TW_OK;
}

tw_result geo_blater_start(geo_buildings *b, geo_btris *t)
{
    return geo__later(b, t, true);
}

tw_result geo_blater_adopt(geo_buildings *b, geo_btris *t)
{
    return geo__later(b, t, false);
}

geo_btris *geo_blater_tris(const geo_buildings *b)
{
    return b->later ? &b->later->t : NULL;
}

void geo_blater_disown(geo_buildings *b)
{
    geo_btris *t = geo_blater_tris(b);
    if (!t) return;
    if (geo_buildings_in_map(b, t->idx)) t->idx = NULL;
    if (geo_buildings_in_map(b, t->first)) t->first = NULL;
    if (geo_buildings_in_map(b, t->n)) t->n = NULL;
    if (geo_buildings_in_map(b, t->idx16)) t->idx16 = NULL;
}

void geo_blater_free(geo_buildings *b)
{
    geo_blater *l = b->later;
    if (!l) return;
    geo_blater_disown(b); /* a cache read's arrays are the mapping's */
    geo_btris_free(&l->t);
    free(l->made);
    free(l);
    b->later = NULL;
}

bool geo_buildings_chunk_made(const geo_buildings *b, int k)
{
    return !b->later || (k >= 0 && k < b->chunk_count && b->later->made[k]);
}

int geo_buildings_chunks_left(const geo_buildings *b)
{
    return b->later ? b->later->left : 0;
}

tw_result geo_buildings_chunks_make(geo_buildings *b, const int *ks, int n)
{
    geo_blater *l = b->later;
    if (!l || n <= 0) return TW_OK;
    int *todo = malloc((size_t)n * sizeof *todo);
    if (!todo) return TW_ERR_NOMEM;
    int m = 0;
    for (int i = 0; i < n; i++) {
        int k = ks[i];
        if (k < 0 || k >= b->chunk_count || l->made[k]) continue;
        l->made[k] = 1; /* a chunk asked for twice is made once */
        todo[m++] = k;
    }
    geo_barena a = {.base = b->mesh_arena, .size = b->mesh_arena_size};
    atomic_init(&a.used, l->used);
    /* A few chunks on this thread; more on every core. */
    tw_result r = geo_bchunks_run(b, &l->t, a.base ? &a : NULL, todo, m, m >= 8);
    l->used = atomic_load(&a.used);
    for (int i = 0; i < m; i++) geo_barena_add(b, &b->chunks[todo[i]]);
    free(todo);
    l->left -= m;
    if (l->left == 0) {
        /* Every chunk made: what was kept for them goes (once no reader
         * holds it), and the arena's tail no mesh took. */
        geo_barena_trim(b, l->used);
        if (!l->pins) geo_blater_free(b);
    }
    return r;
}

void geo_buildings_later_pin(geo_buildings *b, bool pin)
{
    geo_blater *l = b->later;
    if (!l) return;
    l->pins += pin ? 1 : -1;
    if (l->pins <= 0 && l->left == 0) geo_blater_free(b);
}
