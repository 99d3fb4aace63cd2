/* Buildings layer: block groups, the blocks of neighbouring chunks drawn
 * as one mesh.
 *
 * An overview of a large set draws nearly every chunk as blocks of a few
 * hundred triangles each: at 600,000 buildings 4,362 meshes, each made on
 * the main thread the first time it is drawn (a vertex array and three
 * buffers) and each a draw call of its own, so the first frame spent more
 * on making and binding them than on their triangles. The chunks are
 * therefore grouped by the square of APP_BGROUP_CELLS x APP_BGROUP_CELLS
 * chunk cells their middle falls in (at most APP_BGROUP_MAX chunks a
 * group); when a frame draws every chunk of a group, all at the same
 * block level, the group's mesh for that level (every member's blocks as
 * geo_buildings_blocks makes them, the same boxes as their own meshes) is
 * drawn instead of theirs: one mesh made and one draw call. A group with
 * one member out of the view or too small, at another level, holding the
 * selection, or drawn for the split view's before side is drawn chunk by
 * chunk as before, so the picture is the same either way.
 * CITYTWIN_BLOCK_GROUPS=0 turns the groups off (tests compare the two). */
#include "app_buildings_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct app__gkey {
    long gx, gy;
    int k;
} app__gkey;

static int app__gkey_cmp(const void *a, const void *b)
{
    const app__gkey *x = a, *y = b;
    if (x->gy != y->gy) return x->gy < y->gy ? -1 : 1;
    if (x->gx != y->gx) return x->gx < y->gx ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

bool app_bgroups_make(app_btile *t)
{
    int n = t->b.chunk_count;
    const char *env = getenv("CITYTWIN_BLOCK_GROUPS");
    if (n < 2 || (env && env[0] == '0')) return true; /* none: every chunk on its own */
    app__gkey *key = malloc((size_t)n * sizeof *key);
    t->group_start = malloc(((size_t)n + 1) * sizeof *t->group_start);
    t->group_chunk = malloc((size_t)n * sizeof *t->group_chunk);
    t->chunk_group = malloc((size_t)n * sizeof *t->chunk_group);
    if (!key || !t->group_start || !t->group_chunk || !t->chunk_group) {
        free(key);
        app_bgroups_free(t);
        return false;
    }
    double side = APP_BGROUP_CELLS * GEO_BUILDINGS_CHUNK_M;
    for (int k = 0; k < n; k++) {
        const double *box = t->b.chunks[k].box;
        key[k] = (app__gkey){.gx = (long)floor(0.5 * (box[0] + box[3]) / side),
                             .gy = (long)floor(0.5 * (box[1] + box[4]) / side),
                             .k = k};
    }
    qsort(key, (size_t)n, sizeof *key, app__gkey_cmp);
    int g = 0;
    for (int i = 0; i < n; i++) {
        bool same = i > 0 && key[i].gx == key[i - 1].gx && key[i].gy == key[i - 1].gy &&
                    i - t->group_start[g - 1] < APP_BGROUP_MAX;
        if (!same) t->group_start[g++] = i;
        t->group_chunk[i] = key[i].k;
        t->chunk_group[key[i].k] = g - 1;
    }
    t->group_start[g] = n;
    t->group_count = g;
    free(key);
    size_t nl = (size_t)g * APP_BLOCK_SLOTS + 1;
    t->gblock = calloc(nl, sizeof *t->gblock);
    t->gblock_tris = calloc(nl, sizeof *t->gblock_tris);
    t->gblock_ok = calloc(nl, sizeof *t->gblock_ok);
    if (!t->gblock || !t->gblock_tris || !t->gblock_ok) {
        app_bgroups_free(t);
        return false;
    }
    return true;
}

void app_bgroups_free(app_btile *t)
{
    for (int i = 0; t->gblock && i < t->group_count * APP_BLOCK_SLOTS; i++)
        rn_mesh_destroy(t->gblock[i]);
    free(t->group_start), free(t->group_chunk), free(t->chunk_group);
    free(t->gblock), free(t->gblock_tris), free(t->gblock_ok);
    t->group_start = t->group_chunk = t->chunk_group = NULL;
    t->gblock = NULL, t->gblock_tris = NULL, t->gblock_ok = NULL;
    t->group_count = 0;
}

void app_bgroups_stale(app_btile *t, int k)
{
    if (!t->gblock_ok) return;
    if (k < 0)
        memset(t->gblock_ok, 0, (size_t)t->group_count * APP_BLOCK_SLOTS);
    else if (k < t->b.chunk_count)
        memset(t->gblock_ok + (size_t)APP_BLOCK_SLOTS * t->chunk_group[k], 0, APP_BLOCK_SLOTS);
}

rn_mesh app_bgroup_block(app_btile *t, int g, int l, bool cast)
{
    if (!t->gblock || g < 0 || g >= t->group_count || l < 0 || l >= APP_BLOCK_LEVELS || !t->rows)
        return (rn_mesh){0};
    int i = APP_BLOCK_SLOTS * g + l + (cast ? APP_BLOCK_LEVELS : 0);
    if (t->gblock_ok[i]) return t->gblock[i];
    rn_mesh_destroy(t->gblock[i]);
    t->gblock[i] = (rn_mesh){0};
    const int *members = t->group_chunk + t->group_start[g];
    int count = t->group_start[g + 1] - t->group_start[g];
    tw_mesh m;
    if (geo_buildings_blocks(&t->b, members, count, t->rows, GEO_BUILDINGS_BLOCK_N >> l,
                             cast ? GEO_BLOCKS_CAST : GEO_BLOCKS_BOXES,
                             t->b.chunks[members[0]].origin, &m) == TW_OK &&
        m.index_count)
        t->gblock[i] = rn_mesh_make(&m);
    t->gblock_tris[i] = rn_mesh_valid(t->gblock[i]) ? m.index_count / 3 : 0;
    tw_mesh_free(&m);
    t->gblock_ok[i] = 1;
    t->blocks_made += count;
    t->block_groups_made++;
    return t->gblock[i];
}
