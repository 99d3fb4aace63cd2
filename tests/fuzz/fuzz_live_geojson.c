/* libFuzzer: any bytes as a GeoJSON FeatureCollection must give a snapshot or an
 * error with a message, within the caps (small here, so the cap paths run),
 * and every string, value and vertex of the snapshot must be readable. */
#include "live_formats.h"

#include <math.h>
#include <stdint.h>
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
        .id_field = (size & 1) ? "id" : NULL,
        .value = "v",
        .limits = {.max_entities = 64, .max_values = 8, .max_vertices = 16, .max_string = 32}};
    tw_obs_snapshot *s = NULL;
    live_paging pg;
    char err[256];
    err[0] = '\0';
    (void)pg;
    if (live_geojson_parse(text, size, &opt, &s, err, sizeof err) == TW_OK) {
        walk(s);
        tw_obs_free(s);
    } else if (s || !err[0]) {
        abort(); /* an error leaves no snapshot and always says why */
    }
    return 0;
}
