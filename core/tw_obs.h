/* Observation snapshots: what a live feed said at one moment, as plain data
 * that crosses threads whole (the live thread builds one, posts it, and the
 * main thread reads it and frees it). Entities with an id, a type, a name, a
 * position (a point, or a line / polygon with its vertices and a centroid),
 * named values (number or text, with a unit when the payload gives one) and
 * an observation time. Everything that grows from input has a cap, and what
 * a cap or a bad record dropped is counted, never silent.
 *
 * All strings and arrays belong to the snapshot: one tw_obs_free releases
 * them. Values and vertices live in snapshot-wide arrays; an entity holds
 * index ranges into them (tw_obs_values / tw_obs_vertices). */
#ifndef TW_OBS_H
#define TW_OBS_H

#include <stdbool.h>
#include <stddef.h>

/* Why an entity (or, for TW_OBS_SKIP_BAD_VALUE, one value) was left out. */
typedef enum tw_obs_skip {
    TW_OBS_SKIP_NOT_OBJECT,   /* an array element that is not a JSON object */
    TW_OBS_SKIP_NO_ID,        /* id missing or of the wrong type */
    TW_OBS_SKIP_NO_LOCATION,  /* no position at all */
    TW_OBS_SKIP_BAD_GEOMETRY, /* a position that is malformed or out of range */
    TW_OBS_SKIP_BAD_VALUE,    /* a value that should be a number and is not (kept as text) */
    TW_OBS_SKIP_COUNT
} tw_obs_skip;

typedef enum tw_obs_geom {
    TW_OBS_GEOM_NONE = 0, /* not located (yet) */
    TW_OBS_GEOM_POINT,
    TW_OBS_GEOM_LINE,    /* vertices: the line */
    TW_OBS_GEOM_POLYGON, /* vertices: the outer ring */
} tw_obs_geom;

/* Caps; zero fields mean the defaults below. */
typedef struct tw_obs_limits {
    int max_entities; /* default 200000 */
    int max_values;   /* per entity, default 64 */
    int max_vertices; /* per entity, default 4096 */
    int max_string;   /* bytes per string, default 1024 (cut on a UTF-8 boundary) */
} tw_obs_limits;

typedef struct tw_obs_value {
    const char *name;
    const char *text;   /* NULL for a number */
    double number;      /* NAN for text */
    const char *unit;   /* NULL when the payload gives none */
    const char *ref;    /* the source's id for this value (a SensorThings Datastream), or NULL */
    double observed_at; /* seconds since the epoch, UTC; NAN when absent */
} tw_obs_value;

typedef struct tw_obs_entity {
    const char *id;
    const char *type;
    const char *name; /* UTF-8, may be NULL */
    tw_obs_geom geom;
    double x, y; /* the point, or the centroid of a line / polygon */
    int vertex_first, vertex_count;
    int value_first, value_count;
    int main_value;     /* index among the entity's values of "the value"; -1 none */
    double observed_at; /* seconds since the epoch, UTC; NAN when absent */
} tw_obs_entity;

typedef struct tw_obs_snapshot {
    tw_obs_entity *entities;
    int entity_count;
    tw_obs_value *values; /* all entities' values */
    int value_count;
    double *coords; /* all entities' vertices, x y pairs */
    int vertex_count;
    const char *crs;  /* NULL: lon/lat WGS 84; else the declared CRS as text */
    double newest_at; /* newest observed_at of any entity; NAN when none */
    int skipped[TW_OBS_SKIP_COUNT];
    int dropped_entities;  /* over max_entities */
    int dropped_values;    /* over max_values */
    int dropped_vertices;  /* over max_vertices, or parts of a multi-geometry */
    int truncated_strings; /* cut to max_string */
    bool nomem;            /* an allocation failed: the snapshot is incomplete */
    tw_obs_limits limits;
    /* building state, private */
    int entity_alloc, value_alloc, coord_alloc;
    int current; /* entity being built, -1 none */
    struct tw_obs__block *arena;
} tw_obs_snapshot;

/* An empty snapshot, or NULL when out of memory. */
tw_obs_snapshot *tw_obs_create(const tw_obs_limits *limits);
void tw_obs_free(tw_obs_snapshot *s);
/* Short English name of a skip reason ("no location"). */
const char *tw_obs_skip_str(tw_obs_skip reason);

static inline tw_obs_value *tw_obs_values(const tw_obs_snapshot *s, const tw_obs_entity *e)
{
    return s->values ? s->values + e->value_first : NULL; /* no arithmetic on NULL */
}
/* x y pairs, vertex_count of them. */
static inline const double *tw_obs_vertices(const tw_obs_snapshot *s, const tw_obs_entity *e)
{
    return s->coords ? s->coords + 2 * e->vertex_first : NULL;
}
/* "The value" of an entity, or NULL. */
const tw_obs_value *tw_obs_main(const tw_obs_snapshot *s, const tw_obs_entity *e);
/* Value by name, or NULL. */
const tw_obs_value *tw_obs_find_value(const tw_obs_snapshot *s, const tw_obs_entity *e,
                                      const char *name);
/* Entity by id, or -1. Linear: meant for merging small documents. */
int tw_obs_find(const tw_obs_snapshot *s, const char *id);

/* Building (the parsers' side). A failed allocation sets s->nomem and the
 * call does nothing; check nomem once at the end. */

/* Copy of n bytes (n < 0: up to the NUL) owned by the snapshot, cut to
 * max_string. NULL when str is NULL or memory ran out. */
const char *tw_obs_str(tw_obs_snapshot *s, const char *str, long n);
/* Starts a new entity and makes it current; NULL when at max_entities
 * (counted in dropped_entities) or out of memory. The pointer is valid until
 * the next begin or reopen. Every 1,024 entities, a paced thread waits
 * here while over its share (tw_pace_point). */
tw_obs_entity *tw_obs_begin(tw_obs_snapshot *s);
/* Keeps the current entity (newest_at follows its observed_at). */
void tw_obs_commit(tw_obs_snapshot *s);
/* Drops the current entity and counts why. */
void tw_obs_cancel(tw_obs_snapshot *s, tw_obs_skip reason);
/* Makes a committed entity current again so values and vertices can be
 * added to it (moves its ranges to the end). Commit it again after. */
tw_obs_entity *tw_obs_reopen(tw_obs_snapshot *s, int index);
/* Appends a value to the current entity; NULL when at max_values (counted)
 * or out of memory. number is NAN and the rest NULL until set. The pointer
 * is valid until the next value is added. */
tw_obs_value *tw_obs_add_value(tw_obs_snapshot *s, const char *name);
/* The same with a name of name_len bytes (not NUL-terminated; < 0: up to the NUL). */
tw_obs_value *tw_obs_add_value_n(tw_obs_snapshot *s, const char *name, long name_len);
/* Appends a vertex to the current entity (counted when over max_vertices). */
void tw_obs_add_vertex(tw_obs_snapshot *s, double x, double y);
/* Sets the current entity's geometry from its vertices: a point takes the
 * first, a line the mean of its vertices, a polygon its area centroid. False
 * when there are no vertices. */
bool tw_obs_set_geometry(tw_obs_snapshot *s, tw_obs_geom geom);
/* Removes committed entities without a position, counted as no location. */
void tw_obs_drop_unlocated(tw_obs_snapshot *s);
/* Counts a skip that is not a whole entity (a bad value). */
void tw_obs_count(tw_obs_snapshot *s, tw_obs_skip reason);

#endif
