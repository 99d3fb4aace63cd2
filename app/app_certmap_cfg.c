/* The certification map's scene keys: "map": { "certifications",
 * "scheme", "municipalities", "provinces", "year", "extrude", "twins" }. */
#include "app_certmap.h"

#include "tw_json.h"

#include <stdlib.h>
#include <string.h>

const app_twin *app_map_cfg_twin(const app_map_cfg *cfg, const char *city)
{
    for (int i = 0; cfg && city && i < cfg->twin_count; i++)
        if (strcmp(cfg->twins[i].city, city) == 0) return &cfg->twins[i];
    return NULL;
}

/* ---- scene file ---- */

static void app__map_source_free(app_map_source *s)
{
    app_source_free(&s->src);
    free(s->code_field);
    free(s->label_field);
    free(s->label_field_en);
}

void app_map_cfg_free(void *p)
{
    app_map_cfg *m = p;
    if (!m) return;
    free(m->certifications);
    free(m->scheme);
    app__map_source_free(&m->provinces);
    app__map_source_free(&m->municipalities);
    for (int i = 0; i < m->twin_count; i++) {
        free(m->twins[i].city);
        free(m->twins[i].scene);
        free(m->twins[i].bookmark);
    }
    free(m->twins);
    free(m);
}

static bool app__map_source(app_cfg *c, json_object *root, const char *key, app_map_source *m)
{
    static const char *const extra[] = {"code_field", "label_field", "label_field_en", NULL};
    json_object *o = tw_json_get(root, key, json_type_object);
    if (!o) return app_cfg_fail(c, key, "must be an object with a \"source\"");
    return app_cfg_source(c, o, &m->src, extra) &&
           app_cfg_string(c, o, "code_field", &m->code_field) &&
           app_cfg_string(c, o, "label_field", &m->label_field) &&
           app_cfg_string(c, o, "label_field_en", &m->label_field_en);
}

static bool app__twins(app_cfg *c, json_object *arr, app_map_cfg *m)
{
    static const char *const known[] = {"city", "scene", "bookmark", NULL};
    int n = (int)json_object_array_length(arr);
    m->twins = calloc(n > 0 ? (size_t)n : 1, sizeof *m->twins);
    if (!m->twins) return app_cfg_fail(c, "twins", "is too large");
    for (int i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        app_cfg_at(c, "map.twins[%d]", i);
        if (!json_object_is_type(o, json_type_object))
            return app_cfg_fail(c, "twins", "entries must be objects");
        app_twin *t = &m->twins[m->twin_count++];
        const char *city = tw_json_string(o, "city");
        if (!city || !city[0]) return app_cfg_fail(c, "city", "is missing (name_ko of the city)");
        t->city = strdup(city);
        if (!app_cfg_path(c, o, "scene", true, &t->scene) ||
            !app_cfg_string(c, o, "bookmark", &t->bookmark))
            return false;
        app_cfg_unknown(c, o, known, NULL);
    }
    return true;
}

static bool app__parse_map(app_cfg *c, json_object *o, app_map_cfg *m)
{
    static const char *const known[] = {"certifications", "scheme", "provinces",
                                        "municipalities", "year",   "twins",
                                        "extrude",        "name",   NULL};
    const char *where = c->where;
    if (!app_cfg_path(c, o, "certifications", true, &m->certifications) ||
        !app_cfg_path(c, o, "scheme", true, &m->scheme) || !app_cfg_year(c, o, &m->year) ||
        !app_cfg_bool(c, o, "extrude", &m->extrude))
        return false;
    if (!tw_json_has(o, "municipalities"))
        return app_cfg_fail(c, "municipalities", "is missing (the boundaries of the cities)");
    if (!app__map_source(c, o, "municipalities", &m->municipalities)) return false;
    c->where = where;
    if (tw_json_has(o, "provinces") && !app__map_source(c, o, "provinces", &m->provinces))
        return false;
    c->where = where;
    if (tw_json_has(o, "twins")) {
        json_object *a = tw_json_get(o, "twins", json_type_array);
        if (!a) return app_cfg_fail(c, "twins", "must be an array");
        if (!app__twins(c, a, m)) return false;
    }
    c->where = where;
    app_cfg_unknown(c, o, known, NULL);
    return true;
}

void *app_map_cfg_parse(app_cfg *c, json_object *o)
{
    app_map_cfg *m = calloc(1, sizeof *m);
    if (!m) return app_cfg_fail(c, "map", "is too large"), NULL;
    if (!app__parse_map(c, o, m)) {
        app_map_cfg_free(m);
        return NULL;
    }
    return m;
}
