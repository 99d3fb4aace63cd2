/* Paging helpers of the live thread: see live_pages.h. */
#include "live_pages.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The "/START/END" of a Seoul Open API URL (the last two numeric path
 * segments): where START begins and END ends in url. */
static bool live__seoul_range(const char *url, size_t *a, size_t *b, long long *start,
                              long long *end)
{
    bool found = false;
    for (const char *p = strchr(url, '/'); p; p = strchr(p + 1, '/')) {
        if (p[1] < '0' || p[1] > '9') continue;
        char *x, *y;
        long long s0 = strtoll(p + 1, &x, 10);
        if (*x != '/' || x[1] < '0' || x[1] > '9') continue;
        long long e0 = strtoll(x + 1, &y, 10);
        if (*y != '/' && *y != '\0' && *y != '?') continue;
        *a = (size_t)(p + 1 - url), *b = (size_t)(y - url), *start = s0, *end = e0;
        found = true;
    }
    return found && *start >= 1 && *end >= *start;
}

/* The next page's URL (caller frees), or NULL when this page was the last:
 * SensorThings follows @iot.nextLink while pages are not empty; Seoul moves
 * its /START/END/ window while list_total_count says there are more rows
 * and the page was full. */
char *live_pages_next(live_format format, const char *cur, const tw_obs_snapshot *page,
                      const live_paging *pg)
{
    int got = page->entity_count + page->dropped_entities;
    for (int k = 0; k < TW_OBS_SKIP_COUNT; k++)
        if (k != TW_OBS_SKIP_BAD_VALUE) got += page->skipped[k];
    if (format == LIVE_FORMAT_STA)
        return pg->next_link[0] && got > 0 ? strdup(pg->next_link) : NULL;
    size_t a = 0, b = 0;
    long long s0 = 0, e0 = 0;
    if (format != LIVE_FORMAT_SEOUL || !live__seoul_range(cur, &a, &b, &s0, &e0)) return NULL;
    long long size = e0 - s0 + 1;
    if (pg->count <= e0 || got < size) return NULL; /* all rows, or a short page */
    size_t n = strlen(cur) + 48;
    char *u = malloc(n);
    if (u) snprintf(u, n, "%.*s%lld/%lld%s", (int)a, cur, e0 + 1, e0 + size, cur + b);
    return u;
}

static uint64_t live__hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

/* Adds id; false when it was there already (or memory ran out: then the
 * entity is kept, a duplicate is the lesser harm). */
static bool live__ids_add(live_idset *set, const char *id)
{
    if (set->n * 2 >= set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 256;
        const char **slot = calloc(cap, sizeof *slot);
        if (!slot) return true;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slot[i]) continue;
            size_t k = live__hash(set->slot[i]) & (cap - 1);
            while (slot[k]) k = (k + 1) & (cap - 1);
            slot[k] = set->slot[i];
        }
        free(set->slot);
        set->slot = slot, set->cap = cap;
    }
    size_t k = live__hash(id) & (set->cap - 1);
    for (; set->slot[k]; k = (k + 1) & (set->cap - 1))
        if (strcmp(set->slot[k], id) == 0) return false;
    set->slot[k] = id;
    set->n++;
    return true;
}

/* Copies a page's entities into the fetch's merged snapshot, dropping ids
 * already taken (counted in duplicates). False when out of memory. */
bool live_pages_merge(tw_obs_snapshot *d, live_idset *ids, long *duplicates,
                      const tw_obs_snapshot *page)
{
    if (!d->crs && page->crs) d->crs = tw_obs_str(d, page->crs, -1);
    for (int k = 0; k < TW_OBS_SKIP_COUNT; k++) d->skipped[k] += page->skipped[k];
    d->dropped_entities += page->dropped_entities;
    d->dropped_values += page->dropped_values;
    d->dropped_vertices += page->dropped_vertices;
    d->truncated_strings += page->truncated_strings;
    for (int i = 0; i < page->entity_count && !d->nomem; i++) {
        const tw_obs_entity *e = &page->entities[i];
        const char *id = tw_obs_str(d, e->id, -1);
        if (!id) continue;
        if (!live__ids_add(ids, id)) {
            (*duplicates)++;
            continue;
        }
        tw_obs_entity *n = tw_obs_begin(d);
        if (!n) continue;
        n->id = id;
        n->type = tw_obs_str(d, e->type, -1);
        n->name = tw_obs_str(d, e->name, -1);
        n->observed_at = e->observed_at;
        const double *v = tw_obs_vertices(page, e);
        for (int k = 0; v && k < e->vertex_count; k++) tw_obs_add_vertex(d, v[2 * k], v[2 * k + 1]);
        const tw_obs_value *val = tw_obs_values(page, e);
        for (int k = 0; val && k < e->value_count; k++) {
            tw_obs_value *nv = tw_obs_add_value(d, val[k].name);
            if (!nv) break;
            nv->text = tw_obs_str(d, val[k].text, -1);
            nv->number = val[k].number;
            nv->unit = tw_obs_str(d, val[k].unit, -1);
            nv->ref = tw_obs_str(d, val[k].ref, -1);
            nv->observed_at = val[k].observed_at;
        }
        n = &d->entities[d->current]; /* adding may have moved it */
        n->main_value = e->main_value;
        if (e->vertex_count > 0) {
            tw_obs_set_geometry(d, e->geom);
        } else {
            n->geom = e->geom;
            n->x = e->x, n->y = e->y;
        }
        tw_obs_commit(d);
    }
    return !d->nomem;
}
