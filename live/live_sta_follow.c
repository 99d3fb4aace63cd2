/* See live_sta_follow.h. */
#include "live_sta_follow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_STA_FOLLOW_MAX 4000 /* requests for one fetch */

typedef enum { LIVE__LOC, LIVE__DS, LIVE__OBS } live__step_kind;

typedef struct live__step {
    live__step_kind kind;
    char *id; /* Thing id (LOC, DS) or Datastream id (OBS) */
} live__step;

struct live_sta_follow {
    tw_obs_snapshot *snap; /* not owned */
    char *root;            /* service root: the Things URL up to "/Things" */
    live__step *steps;
    int count, cap, next;
    int requests;
    char url[2048];
};

static bool live__push(live_sta_follow *f, live__step_kind kind, const char *id)
{
    if (f->count == f->cap) {
        int cap = f->cap ? f->cap * 2 : 64;
        live__step *s = realloc(f->steps, (size_t)cap * sizeof *s);
        if (!s) return false;
        f->steps = s, f->cap = cap;
    }
    char *copy = strdup(id);
    if (!copy) return false;
    f->steps[f->count++] = (live__step){.kind = kind, .id = copy};
    return true;
}

/* Observations for the entity's values that have a Datastream but no value. */
static bool live__push_observations(live_sta_follow *f, const tw_obs_entity *e)
{
    const tw_obs_value *v = tw_obs_values(f->snap, e);
    for (int k = 0; v && k < e->value_count; k++)
        if (v[k].ref && !v[k].text && !isfinite(v[k].number) && !live__push(f, LIVE__OBS, v[k].ref))
            return false;
    return true;
}

live_sta_follow *live_sta_follow_begin(tw_obs_snapshot *snap, const char *things_url)
{
    const char *at = things_url ? strstr(things_url, "/Things") : NULL;
    if (!snap || !at) return NULL;
    live_sta_follow *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->snap = snap;
    f->root = strndup(things_url, (size_t)(at - things_url));
    bool ok = f->root != NULL;
    for (int i = 0; ok && i < snap->entity_count; i++) {
        const tw_obs_entity *e = &snap->entities[i];
        if (e->geom == TW_OBS_GEOM_NONE) ok = live__push(f, LIVE__LOC, e->id);
        if (ok && e->value_count == 0) ok = live__push(f, LIVE__DS, e->id);
        if (ok) ok = live__push_observations(f, e);
    }
    if (!ok || f->count == 0) {
        live_sta_follow_free(f);
        return NULL;
    }
    return f;
}

const char *live_sta_follow_url(live_sta_follow *f)
{
    if (!f || f->next >= f->count || f->requests >= LIVE_STA_FOLLOW_MAX) return NULL;
    const live__step *s = &f->steps[f->next];
    switch (s->kind) {
    case LIVE__LOC:
        snprintf(f->url, sizeof f->url, "%s/Things(%s)/Locations", f->root, s->id);
        break;
    case LIVE__DS:
        snprintf(f->url, sizeof f->url, "%s/Things(%s)/Datastreams", f->root, s->id);
        break;
    default:
        snprintf(f->url, sizeof f->url,
                 "%s/Datastreams(%s)/Observations?$top=1&$orderby=phenomenonTime%%20desc", f->root,
                 s->id);
    }
    return f->url;
}

const char *live_sta_follow_what(const live_sta_follow *f)
{
    size_t n = f && f->root ? strlen(f->root) : 0;
    return f && strlen(f->url) >= n ? f->url + n : "";
}

tw_result live_sta_follow_take(live_sta_follow *f, const char *body, size_t len, char *err,
                               size_t errlen)
{
    if (!f || f->next >= f->count) return TW_OK;
    const live__step *s = &f->steps[f->next++];
    f->requests++;
    tw_result r;
    switch (s->kind) {
    case LIVE__LOC:
        r = live_sta_merge_thing_location(f->snap, s->id, body, len, err, errlen);
        break;
    case LIVE__DS: {
        r = live_sta_merge_datastreams(f->snap, s->id, body, len, NULL, err, errlen);
        int i = r == TW_OK ? tw_obs_find(f->snap, s->id) : -1;
        if (i >= 0 && !live__push_observations(f, &f->snap->entities[i])) r = TW_ERR_NOMEM;
        break;
    }
    default:
        r = live_sta_merge_observations(f->snap, s->id, body, len, NULL, err, errlen);
    }
    if (r != TW_OK) {
        char what[200];
        snprintf(what, sizeof what, "%s", err);
        snprintf(err, errlen, "%s(%s): %s", s->kind == LIVE__OBS ? "Datastreams" : "Things", s->id,
                 what);
    }
    return r;
}

void live_sta_follow_free(live_sta_follow *f)
{
    if (!f) return;
    for (int i = 0; i < f->count; i++) free(f->steps[i].id);
    free(f->steps);
    free(f->root);
    free(f);
}
