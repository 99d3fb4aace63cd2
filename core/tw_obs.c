/* Observation snapshots: growable arrays for entities, values and vertices,
 * and a block arena for strings, so a snapshot of 100k entities costs a few
 * dozen allocations and one free. */
#include "tw_obs.h"

#include "tw_pace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TW_OBS_BLOCK (64 * 1024)

typedef struct tw_obs__block {
    struct tw_obs__block *next;
    size_t used, size;
    char data[];
} tw_obs__block;

static const tw_obs_limits tw_obs__defaults = {
    .max_entities = 200000, .max_values = 64, .max_vertices = 4096, .max_string = 1024};

tw_obs_snapshot *tw_obs_create(const tw_obs_limits *limits)
{
    tw_obs_snapshot *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->limits = tw_obs__defaults;
    if (limits) {
        if (limits->max_entities > 0) s->limits.max_entities = limits->max_entities;
        if (limits->max_values > 0) s->limits.max_values = limits->max_values;
        if (limits->max_vertices > 0) s->limits.max_vertices = limits->max_vertices;
        if (limits->max_string > 0) s->limits.max_string = limits->max_string;
    }
    s->newest_at = NAN;
    s->current = -1;
    return s;
}

void tw_obs_free(tw_obs_snapshot *s)
{
    if (!s) return;
    for (tw_obs__block *b = s->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(s->entities);
    free(s->values);
    free(s->coords);
    free(s);
}

const char *tw_obs_skip_str(tw_obs_skip reason)
{
    switch (reason) {
    case TW_OBS_SKIP_NOT_OBJECT:
        return "not an object";
    case TW_OBS_SKIP_NO_ID:
        return "no id";
    case TW_OBS_SKIP_NO_LOCATION:
        return "no location";
    case TW_OBS_SKIP_BAD_GEOMETRY:
        return "bad geometry";
    case TW_OBS_SKIP_BAD_VALUE:
        return "value not a number";
    case TW_OBS_SKIP_COUNT:
        break;
    }
    return "?";
}

const tw_obs_value *tw_obs_main(const tw_obs_snapshot *s, const tw_obs_entity *e)
{
    if (e->main_value < 0 || e->main_value >= e->value_count) return NULL;
    return s->values + e->value_first + e->main_value;
}

const tw_obs_value *tw_obs_find_value(const tw_obs_snapshot *s, const tw_obs_entity *e,
                                      const char *name)
{
    for (int i = 0; i < e->value_count; i++) {
        const tw_obs_value *v = s->values + e->value_first + i;
        if (v->name && strcmp(v->name, name) == 0) return v;
    }
    return NULL;
}

int tw_obs_find(const tw_obs_snapshot *s, const char *id)
{
    for (int i = 0; i < s->entity_count; i++)
        if (s->entities[i].id && strcmp(s->entities[i].id, id) == 0) return i;
    return -1;
}

/* Grows *arr to hold need items of size sz; false (and nomem) on failure. */
static bool tw_obs__grow(tw_obs_snapshot *s, void **arr, int *alloc, int need, size_t sz)
{
    if (need <= *alloc) return true;
    size_t n = *alloc ? (size_t)*alloc : 64;
    while (n < (size_t)need) n *= 2;
    void *p = realloc(*arr, n * sz);
    if (!p) {
        s->nomem = true;
        return false;
    }
    *arr = p;
    *alloc = (int)n;
    return true;
}

static char *tw_obs__alloc(tw_obs_snapshot *s, size_t n)
{
    tw_obs__block *b = s->arena;
    if (!b || b->size - b->used < n) {
        size_t size = n > TW_OBS_BLOCK ? n : TW_OBS_BLOCK;
        b = malloc(sizeof *b + size);
        if (!b) {
            s->nomem = true;
            return NULL;
        }
        b->size = size;
        b->used = 0;
        b->next = s->arena;
        s->arena = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

const char *tw_obs_str(tw_obs_snapshot *s, const char *str, long n)
{
    if (!str) return NULL;
    size_t len = n < 0 ? strlen(str) : (size_t)n;
    if (len > (size_t)s->limits.max_string) {
        len = (size_t)s->limits.max_string;
        /* Do not cut a UTF-8 sequence in half. */
        while (len > 0 && ((unsigned char)str[len] & 0xC0) == 0x80) len--;
        s->truncated_strings++;
    }
    char *p = tw_obs__alloc(s, len + 1);
    if (!p) return NULL;
    memcpy(p, str, len);
    p[len] = '\0';
    return p;
}

tw_obs_entity *tw_obs_begin(tw_obs_snapshot *s)
{
    if (s->current >= 0) tw_obs_commit(s);
    /* Every parser starts each entity here: a paced thread (the live
     * thread's parse) waits here while over its share. */
    if ((s->entity_count & 1023) == 1023) tw_pace_point();
    if (s->entity_count >= s->limits.max_entities) {
        s->dropped_entities++;
        return NULL;
    }
    if (!tw_obs__grow(s, (void **)&s->entities, &s->entity_alloc, s->entity_count + 1,
                      sizeof *s->entities))
        return NULL;
    tw_obs_entity *e = &s->entities[s->entity_count];
    *e = (tw_obs_entity){.value_first = s->value_count,
                         .vertex_first = s->vertex_count,
                         .main_value = -1,
                         .x = NAN,
                         .y = NAN,
                         .observed_at = NAN};
    s->current = s->entity_count++;
    return e;
}

void tw_obs_commit(tw_obs_snapshot *s)
{
    if (s->current < 0) return;
    double t = s->entities[s->current].observed_at;
    if (isfinite(t) && (!isfinite(s->newest_at) || t > s->newest_at)) s->newest_at = t;
    s->current = -1;
}

void tw_obs_cancel(tw_obs_snapshot *s, tw_obs_skip reason)
{
    if (s->current < 0) return;
    tw_obs_entity *e = &s->entities[s->current];
    /* A fresh entity is the last one and owns the tails of both arrays; a
     * reopened one may be in the middle: only ever cancel fresh ones. */
    s->value_count = e->value_first;
    s->vertex_count = e->vertex_first;
    s->entity_count = s->current;
    s->current = -1;
    if (reason < TW_OBS_SKIP_COUNT) s->skipped[reason]++;
}

tw_obs_entity *tw_obs_reopen(tw_obs_snapshot *s, int index)
{
    if (s->current >= 0) tw_obs_commit(s);
    if (index < 0 || index >= s->entity_count) return NULL;
    tw_obs_entity *e = &s->entities[index];
    if (e->value_first + e->value_count != s->value_count) {
        if (!tw_obs__grow(s, (void **)&s->values, &s->value_alloc, s->value_count + e->value_count,
                          sizeof *s->values))
            return NULL;
        memmove(s->values + s->value_count, s->values + e->value_first,
                (size_t)e->value_count * sizeof *s->values);
        e->value_first = s->value_count;
        s->value_count += e->value_count;
    }
    if (e->vertex_first + e->vertex_count != s->vertex_count) {
        if (!tw_obs__grow(s, (void **)&s->coords, &s->coord_alloc,
                          2 * (s->vertex_count + e->vertex_count), sizeof *s->coords))
            return NULL;
        memmove(s->coords + 2 * s->vertex_count, s->coords + 2 * e->vertex_first,
                (size_t)e->vertex_count * 2 * sizeof *s->coords);
        e->vertex_first = s->vertex_count;
        s->vertex_count += e->vertex_count;
    }
    s->current = index;
    return e;
}

tw_obs_value *tw_obs_add_value(tw_obs_snapshot *s, const char *name)
{
    return tw_obs_add_value_n(s, name, -1);
}

tw_obs_value *tw_obs_add_value_n(tw_obs_snapshot *s, const char *name, long name_len)
{
    if (s->current < 0) return NULL;
    tw_obs_entity *e = &s->entities[s->current];
    if (e->value_count >= s->limits.max_values) {
        s->dropped_values++;
        return NULL;
    }
    const char *n = tw_obs_str(s, name, name_len);
    if (!n || !tw_obs__grow(s, (void **)&s->values, &s->value_alloc, s->value_count + 1,
                            sizeof *s->values))
        return NULL;
    tw_obs_value *v = &s->values[s->value_count++];
    *v = (tw_obs_value){.name = n, .number = NAN, .observed_at = NAN};
    e->value_count++;
    return v;
}

void tw_obs_add_vertex(tw_obs_snapshot *s, double x, double y)
{
    if (s->current < 0) return;
    tw_obs_entity *e = &s->entities[s->current];
    if (e->vertex_count >= s->limits.max_vertices) {
        s->dropped_vertices++;
        return;
    }
    if (!tw_obs__grow(s, (void **)&s->coords, &s->coord_alloc, 2 * (s->vertex_count + 1),
                      sizeof *s->coords))
        return;
    s->coords[2 * s->vertex_count] = x;
    s->coords[2 * s->vertex_count + 1] = y;
    s->vertex_count++;
    e->vertex_count++;
}

bool tw_obs_set_geometry(tw_obs_snapshot *s, tw_obs_geom geom)
{
    if (s->current < 0) return false;
    tw_obs_entity *e = &s->entities[s->current];
    int n = e->vertex_count;
    if (n == 0 || geom == TW_OBS_GEOM_NONE) return false;
    const double *v = s->coords + 2 * e->vertex_first;
    e->geom = geom;
    if (geom == TW_OBS_GEOM_POINT) {
        e->x = v[0];
        e->y = v[1];
        return true;
    }
    /* Relative to the first vertex, so large projected coordinates keep
     * their precision. */
    double sx = 0, sy = 0, a2 = 0, cx = 0, cy = 0;
    for (int i = 0; i < n; i++) {
        double xi = v[2 * i] - v[0], yi = v[2 * i + 1] - v[1];
        sx += xi;
        sy += yi;
        if (geom == TW_OBS_GEOM_POLYGON) {
            int j = (i + 1) % n;
            double xj = v[2 * j] - v[0], yj = v[2 * j + 1] - v[1];
            double c = xi * yj - xj * yi;
            a2 += c;
            cx += (xi + xj) * c;
            cy += (yi + yj) * c;
        }
    }
    if (geom == TW_OBS_GEOM_POLYGON && fabs(a2) > 1e-18) {
        e->x = v[0] + cx / (3 * a2);
        e->y = v[1] + cy / (3 * a2);
    } else {
        e->x = v[0] + sx / n;
        e->y = v[1] + sy / n;
    }
    return true;
}

void tw_obs_drop_unlocated(tw_obs_snapshot *s)
{
    if (s->current >= 0) tw_obs_commit(s);
    int k = 0;
    s->newest_at = NAN;
    for (int i = 0; i < s->entity_count; i++) {
        if (s->entities[i].geom == TW_OBS_GEOM_NONE) {
            s->skipped[TW_OBS_SKIP_NO_LOCATION]++;
            continue;
        }
        double t = s->entities[i].observed_at;
        if (isfinite(t) && (!isfinite(s->newest_at) || t > s->newest_at)) s->newest_at = t;
        s->entities[k++] = s->entities[i];
    }
    s->entity_count = k;
}

void tw_obs_count(tw_obs_snapshot *s, tw_obs_skip reason)
{
    if (reason < TW_OBS_SKIP_COUNT) s->skipped[reason]++;
}
