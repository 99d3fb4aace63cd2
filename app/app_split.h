/* The split view's before side for analyses (sun hours, viewshed): the
 * obstacles without the scenario's planned buildings and with its edited
 * buildings back at their source's heights. The sets and the edits are
 * taken on the main thread; the heights are undone on a worker. */
#ifndef APP_SPLIT_H
#define APP_SPLIT_H

#include "app_layer.h"

/* An edited building back at its source's height: prisms with this id and
 * top at base + after_m (below the base when removed) get base + h0_m. */
typedef struct app_split_undo {
    long fid;
    double after_m, h0_m;
    bool removed;
} app_split_undo;

/* Whether the before side differs from the plan: the split view is on and
 * a scenario names its planned buildings and edits. */
bool app_split_has_before(const app_world *w);
/* References to the sets the before side sees (every published set but the
 * scenario's own, at most max; returns how many) and the edits to undo
 * (*undo malloc'ed, sorted by fid; those not applied yet are left out).
 * Main thread. */
int app_split_before(const app_world *w, tw_obstacles **sets, int max, app_split_undo **undo,
                     int *undo_count);
/* The top of prism (id, base, top) on the before side. */
float app_split_top(const app_split_undo *u, int n, long id, float base, float top);
/* A set with the undone tops: a new set, or another reference to o when
 * none of its prisms changes (NULL: out of memory). Any thread. */
tw_obstacles *app_split_undone(tw_obstacles *o, const app_split_undo *u, int n);

#endif
