/* The live kinds' scene entries (see README "Scene files"): the keys,
 * ${NAME} from the environment (${FEEDSIM}: the demo feed server, started
 * on demand by app_feedsim), secrets shown as ***; and the process-wide
 * --record / --replay set-up. */
#include "app_live.h"

#include "app_feedsim.h"
#include "app_live_int.h"
#include "live_fetch.h"
#include "tw_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool app_live_start(const app_options *opt, char *err, size_t n)
{
    app_world fixed = {.deterministic = true};
    app_feedsim_configure(opt->deterministic, app_world_clock(&fixed), opt->replay_dir != NULL);
    if (opt->record_dir) return live_fetch_record_to(opt->record_dir, err, n) == TW_OK;
    if (opt->replay_dir) return live_fetch_replay_from(opt->replay_dir, err, n) == TW_OK;
    return true;
}

/* ---- scene file ---- */

void app_live_cfg_free(void *cfg)
{
    app_live_cfg *c = cfg;
    if (!c) return;
    free(c->url);
    free(c->label);
    for (int i = 0; i < c->header_count; i++) free(c->headers[i]);
    free(c->value);
    free(c->name);
    free(c->attribution);
    free(c);
}

/* An environment variable; FEEDSIM, when not set, is the demo feed server
 * the app starts (app_feedsim). */
static const char *app__env(const char *name)
{
    const char *v = getenv(name);
    return v || strcmp(name, "FEEDSIM") != 0 ? v : app_feedsim_ensure();
}

/* Replaces ${NAME} from the environment into *out; the shown form (label,
 * may be NULL) has *** instead. False with the missing name in missing. */
static bool app__expand(const char *in, char **out, char **label, char *missing, size_t mn)
{
    size_t cap = strlen(in) + 1, lcap = cap;
    for (const char *p = strstr(in, "${"); p; p = strstr(p + 2, "${")) {
        const char *e = strchr(p, '}');
        if (!e) break;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(e - p - 2), p + 2);
        const char *v = app__env(name);
        if (!v) {
            snprintf(missing, mn, "%s", name);
            return false;
        }
        cap += strlen(v);
        lcap += 3;
    }
    char *o = malloc(cap), *l = malloc(lcap);
    if (!o || !l) {
        free(o), free(l);
        snprintf(missing, mn, "%s", "");
        return false;
    }
    size_t on = 0, ln = 0;
    for (const char *p = in; *p;) {
        const char *e = p[0] == '$' && p[1] == '{' ? strchr(p, '}') : NULL;
        if (e) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(e - p - 2), p + 2);
            const char *v = app__env(name);
            size_t n = strlen(v);
            memcpy(o + on, v, n), on += n;
            memcpy(l + ln, "***", 3), ln += 3;
            p = e + 1;
        } else {
            o[on++] = *p, l[ln++] = *p++;
        }
    }
    o[on] = l[ln] = '\0';
    *out = o;
    if (label)
        *label = l;
    else
        free(l);
    return true;
}

/* Seoul puts its key as the first path segment: shown as ***. */
static void app__redact_seoul(char *label)
{
    char *p = strstr(label, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (!p) return;
    char *end = strchr(p + 1, '/');
    if (!end || end == p + 1) return;
    memmove(p + 4, end, strlen(end) + 1);
    memcpy(p + 1, "***", 3);
}

void *app_live_parse(app_cfg *c, json_object *o, const char *kind)
{
    static const char *const keys[] = {
        "kind",       "url",  "format",      "poll_s",  "value",   "stale_after_s", "headers",
        "thresholds", "name", "attribution", "size_px", "history", "bands",         NULL};
    app_cfg_unknown(c, o, keys, NULL);
    app_live_cfg *p = calloc(1, sizeof *p);
    if (!p) return app_cfg_fail(c, kind, "is too large"), NULL;
    p->kind = kind;
    p->parking = strcmp(kind, "parking") == 0;
    p->traffic = strcmp(kind, "traffic") == 0;
    p->poll_s = 10;
    p->size_px = 11;
    p->stale_after_s = -1;
    double history = 120;
    char *url = NULL, *format = NULL, missing[128] = "";
    bool ok = app_cfg_string(c, o, "url", &url) && app_cfg_string(c, o, "format", &format) &&
              app_cfg_string(c, o, "value", &p->value) && app_cfg_string(c, o, "name", &p->name) &&
              app_cfg_string(c, o, "attribution", &p->attribution) &&
              app_cfg_number(c, o, "poll_s", &p->poll_s, 0.1, 86400) &&
              app_cfg_number(c, o, "stale_after_s", &p->stale_after_s, 0.1, 864000) &&
              app_cfg_number(c, o, "size_px", &p->size_px, 2, 64) &&
              app_cfg_number(c, o, "history", &history, 2, 100000);
    p->history = (int)history;
    if (ok && !url) ok = app_cfg_fail(c, "url", "is required");
    if (ok && !format)
        ok = app_cfg_fail(c, "format",
                          "is required: \"geojson\", \"ngsi-ld\", \"sensorthings\" or "
                          "\"seoul-openapi\"");
    if (ok && !live_format_from_name(format, &p->format))
        ok = app_cfg_fail(
            c, "format", "must be \"geojson\", \"ngsi-ld\", \"sensorthings\" or \"seoul-openapi\"");
    if (ok && !app__expand(url, &p->url, &p->label, missing, sizeof missing)) {
        char what[200];
        snprintf(what, sizeof what, "needs the environment variable %s, which is not set", missing);
        ok = app_cfg_fail(c, "url", what);
    }
    if (ok && strncmp(p->url, "http://", 7) != 0 && strncmp(p->url, "https://", 8) != 0 &&
        strncmp(p->url, "file://", 7) != 0)
        ok = app_cfg_fail(c, "url", "must be http://, https:// or file://");
    if (ok && p->format == LIVE_FORMAT_SEOUL) app__redact_seoul(p->label);
    json_object *h = NULL;
    if (ok && json_object_object_get_ex(o, "headers", &h)) {
        if (!json_object_is_type(h, json_type_object))
            ok = app_cfg_fail(c, "headers", "must be an object");
        json_object_object_foreach(h, hk, hv)
        {
            if (!ok) break;
            char *val = NULL, line[600];
            if (!json_object_is_type(hv, json_type_string) || strpbrk(hk, ":\r\n")) {
                ok = app_cfg_fail(c, "headers", "must map names to strings");
            } else if (p->header_count >= APP_LIVE_MAX_HEADERS) {
                ok = app_cfg_fail(c, "headers", "has too many entries (16 at most)");
            } else if (!app__expand(json_object_get_string(hv), &val, NULL, missing,
                                    sizeof missing)) {
                char what[200];
                snprintf(what, sizeof what, "needs the environment variable %s, which is not set",
                         missing);
                ok = app_cfg_fail(c, "headers", what);
            } else {
                snprintf(line, sizeof line, "%s: %s", hk, val);
                ok = strpbrk(val, "\r\n") == NULL ? true
                                                  : app_cfg_fail(c, "headers", "has a line break");
                if (ok) p->headers[p->header_count++] = strdup(line);
            }
            free(val);
        }
    }
    if (ok && tw_json_has(o, "thresholds")) {
        ok = app_cfg_numbers(c, o, "thresholds", p->thresholds, 2, "[a, b]");
        p->has_thresholds = ok && p->thresholds[0] <= p->thresholds[1];
        if (ok && !p->has_thresholds)
            ok = app_cfg_fail(c, "thresholds", "must be [a, b] with a <= b");
    }
    if (ok && tw_json_has(o, "bands")) {
        if (strcmp(kind, "sensors") != 0)
            ok = app_cfg_fail(c, "bands", "is for sensors layers");
        else if (p->has_thresholds)
            ok = app_cfg_fail(c, "bands", "and \"thresholds\" cannot both be given");
        else
            ok = app_live_parse_bands(c, o, p);
    }
    if (p->stale_after_s < 0) p->stale_after_s = 3 * p->poll_s;
    free(url);
    free(format);
    if (!ok) {
        app_live_cfg_free(p);
        return NULL;
    }
    return p;
}
