/* libFuzzer: any bytes as a SensorThings response (Things, then merged again as
 * Locations, a Thing's Datastreams and a Datastream's Observations) must give
 * a snapshot or an error with a message, within the caps (small here, so the cap paths run),
 * and every string, value and vertex of the snapshot must be readable. */
#include "live_formats.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t walk(const tw_obs_snapshot *s)
{
    size_t sum = 0;
    for (int i = 0; i < s->entity_count; i++) {
        const tw_obs_entity *e = &s->entities[i];
        sum += strlen(e->id) + (e->type ? strlen(e->type) : 0) + (e->name ? strlen(e->name) : 0);
        const tw_obs_value *v = tw_obs_values(s, e);
        for (int k = 0; k < e->value_count; k++)
            sum += strlen(v[k].name) + (v[k].text ? strlen(v[k].text) : 0) +
                   (v[k].unit ? strlen(v[k].unit) : 0) + (isnan(v[k].number) ? 1 : 0);
        const double *xy = tw_obs_vertices(s, e);
        for (int k = 0; k < 2 * e->vertex_count; k++) sum += xy[k] > 0;
        if (e->main_value >= e->value_count) abort();
        if (e->value_count > s->limits.max_values || e->vertex_count > s->limits.max_vertices)
            abort();
    }
    if (s->entity_count > s->limits.max_entities) abort();
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    live_options opt = {
        .value = "v",
        .limits = {.max_entities = 64, .max_values = 8, .max_vertices = 16, .max_string = 32}};
    tw_obs_snapshot *s = NULL;
    live_paging pg;
    char err[256];
    err[0] = '\0';
    if (live_sta_things(text, size, &opt, &s, &pg, err, sizeof err) != TW_OK) {
        if (s || !err[0]) abort();
        return 0;
    }
    /* The same bytes as the other documents, merged into what came out. */
    live_sta_merge_locations(s, text, size, &pg, err, sizeof err);
    if (s->entity_count > 0) {
        char id[64];
        snprintf(id, sizeof id, "%s", s->entities[0].id);
        live_sta_merge_datastreams(s, id, text, size, &pg, err, sizeof err);
        const tw_obs_entity *e = &s->entities[0];
        if (e->value_count > 0 && tw_obs_values(s, e)[0].ref) {
            snprintf(id, sizeof id, "%s", tw_obs_values(s, e)[0].ref);
            live_sta_merge_observations(s, id, text, size, &pg, err, sizeof err);
        }
    }
    live_sta_finish(s, &opt);
    walk(s);
    tw_obs_free(s);
    return 0;
}
