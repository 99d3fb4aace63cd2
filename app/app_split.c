/* The split view's before side for analyses (see app_split.h). */
#include "app_split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool app_split_has_before(const app_world *w)
{
    return w->split && w->edits_owner;
}

static int app__undo_cmp(const void *a, const void *b)
{
    long x = ((const app_split_undo *)a)->fid, y = ((const app_split_undo *)b)->fid;
    return (x > y) - (x < y);
}

int app_split_before(const app_world *w, tw_obstacles **sets, int max, app_split_undo **undo,
                     int *undo_count)
{
    int n = 0;
    app_world_obstacles_settle(w);
    for (int i = 0; i < w->obstacle_count && n < max; i++)
        if (w->obstacles[i].owner != w->edits_owner)
            sets[n++] = tw_obstacles_ref(w->obstacles[i].set);
    *undo_count = 0;
    *undo = calloc((size_t)w->edit_count + 1, sizeof **undo);
    for (int k = 0; *undo && k < w->edit_count; k++) {
        const app_building_edit *e = &w->edits[k];
        if (isnan(e->height0_m)) continue; /* not applied yet: as the source */
        (*undo)[(*undo_count)++] = (app_split_undo){
            .fid = e->fid, .after_m = e->height_m, .h0_m = e->height0_m, .removed = e->removed};
    }
    if (*undo) qsort(*undo, (size_t)*undo_count, sizeof **undo, app__undo_cmp);
    return n;
}

float app_split_top(const app_split_undo *u, int n, long id, float base, float top)
{
    int lo = 0, hi = n;
    while (lo < hi) { /* the first undo with fid >= id */
        int m = (lo + hi) / 2;
        if (u[m].fid < id)
            lo = m + 1;
        else
            hi = m;
    }
    for (int k = lo; k < n && u[k].fid == id; k++)
        if (u[k].removed ? top < base : fabs(top - (base + u[k].after_m)) < 0.05)
            return (float)(base + u[k].h0_m);
    return top;
}

tw_obstacles *app_split_undone(tw_obstacles *o, const app_split_undo *u, int n)
{
    float *top = n > 0 ? malloc((size_t)o->count * sizeof *top + 1) : NULL;
    bool changed = false;
    for (int k = 0; top && k < o->count; k++) {
        top[k] = app_split_top(u, n, o->id[k], o->base[k], o->top[k]);
        changed = changed || top[k] != o->top[k];
    }
    if (!changed) {
        free(top);
        return n > 0 && !top ? NULL : tw_obstacles_ref(o);
    }
    tw_obstacles *out = NULL;
    tw_obstacles_create(&(tw_obstacles_desc){.count = o->count,
                                             .ring_first = o->ring_first,
                                             .ring_end = o->ring_end,
                                             .rings = o->ring_count,
                                             .ring_start = o->ring_start,
                                             .xy = o->xy,
                                             .base = o->base,
                                             .top = top,
                                             .id = o->id},
                        &out);
    free(top);
    return out;
}
