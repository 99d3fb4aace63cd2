/* The world's building edits service (see app_layer.h): a scenario sets
 * them, buildings layers apply them to their heights. */
#include "app_layer.h"
#include "geo_buildings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Below the base: drawn under the ground, under every other obstacle. */
#define APP_REMOVED_HEIGHT (-2.0)

void app_world_set_edits(app_world *w, const void *owner, app_building_edit *e, int n)
{
    if (!e || n < 0) {
        if (w->edits_owner != owner) return;
        w->edits_owner = NULL, w->edits = NULL, w->edit_count = 0;
    } else {
        w->edits_owner = owner, w->edits = e, w->edit_count = n;
    }
    w->edits_gen++;
}

bool app_world_apply_edits(const app_world *w, const char *layer, struct geo_buildings *b,
                           double **height0, unsigned *gen)
{
    if (*gen == w->edits_gen) return false;
    *gen = w->edits_gen;
    int n = b->polys.count;
    if (!*height0) {
        if (w->edit_count == 0) return false; /* nothing to undo either */
        *height0 = malloc(((size_t)n + 1) * sizeof **height0);
        if (!*height0) return false;
        memcpy(*height0, b->height, (size_t)n * sizeof **height0);
    }
    memcpy(b->height, *height0, (size_t)n * sizeof *b->height);
    for (int k = 0; k < w->edit_count; k++) {
        const app_building_edit *e = &w->edits[k];
        if (e->layer && e->layer[0] && (!layer || strcmp(e->layer, layer) != 0)) continue;
        for (int f = 0; f < n; f++)
            if (b->polys.features[f].fid == e->fid) {
                b->height[f] = e->removed ? APP_REMOVED_HEIGHT : e->height_m;
                w->edits[k].height0_m = (*height0)[f]; /* the owner's array */
            }
    }
    b->hmin = INFINITY, b->hmax = -INFINITY;
    for (int f = 0; f < n; f++)
        if (b->height[f] > 0)
            b->hmin = fmin(b->hmin, b->height[f]), b->hmax = fmax(b->hmax, b->height[f]);
    if (!isfinite(b->hmin)) b->hmin = b->hmax = 0;
    return true;
}
