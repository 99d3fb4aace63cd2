/* The wind layer's scene keys:
 * { "kind": "wind", "source", "format", "u_band", "v_band", "label",
 *   "fields": [{ "source", "format", "label" }, ...], "station":
 *   { "speed_ms", "direction_deg" }, "particles", "speed_scale", "trail",
 *   "height_m", "seed", "resolution_m", "levels", "fine_m", "fine_size_m",
 *   "area": [xmin, ymin, xmax, ymax] } */
#include "app_wind_cfg.h"

#include "live_fetch.h"
#include "tw_json.h"

#include <stdlib.h>
#include <string.h>

static const char *const app__keys[] = {
    "kind",   "name",         "source",    "format", "u_band",      "v_band",      "label",
    "fields", "station",      "particles", "trail",  "speed_scale", "seed",        "height_m",
    "levels", "resolution_m", "fine_m",    "area",   "fine_size_m", "attribution", NULL};

void app_wind_cfg_free(void *cfg)
{
    app_wind_cfg *c = cfg;
    if (!c) return;
    for (int i = 0; i < c->field_count; i++) {
        free(c->fields[i].path);
        free(c->fields[i].format);
        free(c->fields[i].label);
    }
    free(c->name);
    free(c->attribution);
    free(c->u_band);
    free(c->v_band);
    free(c->station_url);
    free(c->station_entity);
    app_source_free(&c->src);
    free(c);
}

static bool app__field(app_cfg *c, json_object *o, app_wind_cfg *w)
{
    if (w->field_count >= APP_WIND_FIELDS)
        return app_cfg_fail(c, "fields", "has more than 8 entries");
    app_wind_field_cfg *f = &w->fields[w->field_count];
    bool ok = app_cfg_path(c, o, "source", true, &f->path) &&
              app_cfg_string(c, o, "format", &f->format) &&
              app_cfg_string(c, o, "label", &f->label);
    w->field_count++; /* freed either way */
    if (ok && f->format && strcmp(f->format, "grib2json") && strcmp(f->format, "webgl-wind") &&
        strcmp(f->format, "gdal"))
        ok = app_cfg_fail(c, "format", "must be \"grib2json\", \"webgl-wind\" or \"gdal\"");
    return ok;
}

/* "station": { "url", "format" (default ngsi-ld), "poll_s", "entity" }: the
 * first entity (or the one named) with windSpeed and windDirection. */
static bool app__live_station(app_cfg *c, json_object *s, app_wind_cfg *w)
{
    char *format = NULL;
    w->station_poll_s = 60;
    bool ok = app_cfg_string(c, s, "url", &w->station_url) &&
              app_cfg_string(c, s, "entity", &w->station_entity) &&
              app_cfg_string(c, s, "format", &format) &&
              app_cfg_number(c, s, "poll_s", &w->station_poll_s, 1, 86400);
    live_format f = LIVE_FORMAT_NGSILD;
    if (ok && format && !live_format_from_name(format, &f))
        ok = app_cfg_fail(c, "station", "\"format\" is not a live format (ngsi-ld, geojson, ...)");
    if (ok && (!w->station_url || !w->station_url[0]))
        ok = app_cfg_fail(c, "station", "\"url\" must be an http(s) or file URL");
    free(format);
    w->station_format = (int)f;
    w->has_station = ok;
    return ok;
}

static bool app__station(app_cfg *c, json_object *o, app_wind_cfg *w)
{
    json_object *s = tw_json_get(o, "station", json_type_object);
    if (!s)
        return app_cfg_fail(c, "station",
                            "must be {\"speed_ms\", \"direction_deg\"} or {\"url\", ...}");
    if (tw_json_has(s, "url")) return app__live_station(c, s, w);
    w->station_speed = -1, w->station_dir = -1e9;
    bool ok = app_cfg_number(c, s, "speed_ms", &w->station_speed, 0, 100) &&
              app_cfg_number(c, s, "direction_deg", &w->station_dir, -360, 360);
    if (ok && (w->station_speed < 0 || w->station_dir < -360))
        ok = app_cfg_fail(c, "station", "needs \"speed_ms\" and \"direction_deg\"");
    w->has_station = ok;
    return ok;
}

void *app_wind_cfg_parse(app_cfg *c, json_object *o)
{
    app_wind_cfg *w = calloc(1, sizeof *w);
    if (!w) return app_cfg_fail(c, "wind", "is too large"), NULL;
    w->particles = 60000;
    w->speed_scale = 1;
    w->trail = 24;
    w->height_m = 25;
    w->resolution_m = 50;
    w->levels = 10;
    w->fine_m = 10;
    w->fine_size_m = 2400;
    app_cfg_unknown(c, o, app__keys, app_cfg_source_keys);
    bool ok = app_cfg_string(c, o, "name", &w->name) &&
              app_cfg_string(c, o, "attribution", &w->attribution) &&
              app_cfg_string(c, o, "u_band", &w->u_band) &&
              app_cfg_string(c, o, "v_band", &w->v_band) &&
              app_cfg_number(c, o, "particles", &w->particles, 1, 4000000) &&
              app_cfg_number(c, o, "speed_scale", &w->speed_scale, 0.001, 1000) &&
              app_cfg_number(c, o, "trail", &w->trail, 2, 64) &&
              app_cfg_number(c, o, "height_m", &w->height_m, 0, 2000) &&
              app_cfg_number(c, o, "resolution_m", &w->resolution_m, 5, 5000) &&
              app_cfg_number(c, o, "levels", &w->levels, 2, 64) &&
              app_cfg_number(c, o, "fine_m", &w->fine_m, 0, 1000) &&
              app_cfg_number(c, o, "fine_size_m", &w->fine_size_m, 100, 20000);
    if (ok && tw_json_has(o, "seed")) {
        ok = app_cfg_number(c, o, "seed", &w->seed, 0, 4294967295.0);
        w->has_seed = ok;
    }
    if (ok && tw_json_has(o, "area")) {
        ok = app_cfg_coords(c, o, "area", w->area, 4, "[xmin, ymin, xmax, ymax] in scene metres");
        w->has_area = ok && w->area[0] < w->area[2] && w->area[1] < w->area[3];
        if (ok && !w->has_area) ok = app_cfg_fail(c, "area", "must have xmin < xmax, ymin < ymax");
    }
    if (ok && tw_json_has(o, "source")) ok = app__field(c, o, w);
    json_object *fields = tw_json_get(o, "fields", json_type_array);
    if (ok && tw_json_has(o, "fields") && !fields)
        ok = app_cfg_fail(c, "fields", "must be a list of {\"source\", \"format\", \"label\"}");
    for (size_t i = 0; ok && fields && i < json_object_array_length(fields); i++) {
        json_object *f = json_object_array_get_idx(fields, i);
        if (!json_object_is_type(f, json_type_object))
            ok = app_cfg_fail(c, "fields", "entries must be {\"source\", \"format\", \"label\"}");
        else
            ok = app__field(c, f, w);
    }
    if (ok && tw_json_has(o, "station")) ok = app__station(c, o, w);
    if (ok && w->field_count == 0 && !w->has_station)
        ok = app_cfg_fail(c, "source",
                          "is missing (a wind field, a \"fields\" list or a "
                          "\"station\")");
    if (ok && w->field_count > 0) w->src.path = strdup(w->fields[0].path);
    if (!ok) {
        app_wind_cfg_free(w);
        return NULL;
    }
    return w;
}
