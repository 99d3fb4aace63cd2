/* Seoul Open Data Plaza parking feeds (GetParkInfo, GetParkingInfo): the
 * service wrapper {"<service>": {"list_total_count", "RESULT", "row": [...]}}
 * with field names that changed case (and, in 2023, names) over the years.
 * Numbers sometimes arrive as strings; absent values as null or "". Times are
 * Korea Standard Time (UTC+9, no daylight saving). */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A member by name, ignoring ASCII case. */
static json_object *live__get_ci(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_is_type(o, json_type_object)) return NULL;
    if (json_object_object_get_ex(o, key, &v)) return v;
    json_object_object_foreach(o, k, val)
    {
        if (strcasecmp(k, key) == 0) return val;
    }
    return NULL;
}

/* A field under any of its names (NULL-terminated). */
static json_object *live__field(json_object *row, const char *const *names)
{
    for (; *names; names++) {
        json_object *v = live__get_ci(row, *names);
        if (v && !json_object_is_type(v, json_type_null)) return v;
    }
    return NULL;
}

/* A number, or a string that is wholly one; false otherwise. */
static bool live__num(json_object *v, double *out)
{
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
        *out = json_object_get_double(v);
        return isfinite(*out);
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end;
        *out = strtod(s, &end);
        while (*end == ' ') end++;
        return end != s && *end == '\0' && isfinite(*out);
    }
    return false;
}

/* Field names: the 2020 GetParkInfo ones, then the 2023 GetParkingInfo ones. */
static const char *const live__f_id[] = {"parking_code", "pklt_cd", NULL};
static const char *const live__f_name[] = {"parking_name", "pklt_nm", NULL};
static const char *const live__f_lat[] = {"lat", NULL};
static const char *const live__f_lng[] = {"lng", "lot", NULL};
static const char *const live__f_time[] = {"cur_parking_time", "now_prk_vhcl_updt_tm", NULL};

typedef struct live__seoul_value {
    const char *name; /* as the snapshot names it */
    const char *const alias[3];
    bool number;
} live__seoul_value;

static const live__seoul_value live__seoul_values[] = {
    {"capacity", {"capacity", "tpkct", NULL}, true},
    {"cur_parking", {"cur_parking", "now_prk_vhcl_cnt", NULL}, true},
    {"addr", {"addr", NULL}, false},
    {"pay_yn", {"pay_yn", NULL}, false},
    {"que_status", {"que_status", "prk_stts_yn", NULL}, false},
    {"parking_type_nm", {"parking_type_nm", "prk_type_nm", NULL}, false},
    {"tel", {"tel", "telno", NULL}, false},
};

static void live__row(tw_obs_snapshot *s, json_object *row, const live_options *opt)
{
    if (!json_object_is_type(row, json_type_object)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    e->id = live__id(s, live__field(row, live__f_id));
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    e->type = "ParkingLot";
    json_object *name = live__field(row, live__f_name);
    if (json_object_is_type(name, json_type_string) && json_object_get_string_len(name) > 0)
        e->name = tw_obs_str(s, json_object_get_string(name), json_object_get_string_len(name));
    double lat, lng;
    json_object *jlat = live__field(row, live__f_lat), *jlng = live__field(row, live__f_lng);
    if (!jlat || !jlng) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_LOCATION);
        return;
    }
    if (!live__num(jlat, &lat) || !live__num(jlng, &lng) || fabs(lat) > 90 || fabs(lng) > 180) {
        tw_obs_cancel(s, TW_OBS_SKIP_BAD_GEOMETRY);
        return;
    }
    if (lat == 0 && lng == 0) { /* the API's way of saying "unknown" */
        tw_obs_cancel(s, TW_OBS_SKIP_NO_LOCATION);
        return;
    }
    tw_obs_add_vertex(s, lng, lat);
    tw_obs_set_geometry(s, TW_OBS_GEOM_POINT);

    const char *t = json_object_get_string(live__field(row, live__f_time));
    if (json_object_is_type(live__field(row, live__f_time), json_type_string))
        e->observed_at = live__time(t, 9.0);
    for (size_t i = 0; i < sizeof live__seoul_values / sizeof live__seoul_values[0]; i++) {
        const live__seoul_value *f = &live__seoul_values[i];
        json_object *v = live__field(row, f->alias);
        if (!v) continue;
        double d;
        if (f->number) {
            if (!live__num(v, &d)) {
                tw_obs_count(s, TW_OBS_SKIP_BAD_VALUE);
                continue;
            }
            tw_obs_value *val = tw_obs_add_value(s, f->name);
            if (val) val->number = d;
        } else if (json_object_is_type(v, json_type_string)) {
            live__scalar(s, f->name, v);
        }
    }
    live__pick_main(s, e, NULL,
                    (const char *const[]){opt && opt->value ? opt->value : "cur_parking", NULL});
    tw_obs_commit(s);
}

tw_result live_seoul_parse(const char *buf, size_t len, const live_options *opt,
                           tw_obs_snapshot **out, live_paging *paging, char *err, size_t errlen)
{
    *out = NULL;
    if (paging) {
        paging->count = -1;
        paging->next_link[0] = '\0';
    }
    json_object *root = NULL;
    tw_result r = live__json(buf, len, &root, err, errlen);
    if (r != TW_OK) return r;
    if (!json_object_is_type(root, json_type_object)) {
        snprintf(err, errlen, "Seoul Open API: the document is a %s, not the service object",
                 tw_json_type_name(root));
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    /* The service object is the first member holding RESULT or row; an
     * error answer may carry RESULT at the top. */
    json_object *svc = NULL;
    json_object_object_foreach(root, key, val)
    {
        (void)key;
        if (live__get_ci(val, "RESULT") || live__get_ci(val, "row")) {
            svc = val;
            break;
        }
    }
    json_object *result = live__get_ci(svc ? svc : root, "RESULT");
    const char *code = json_object_get_string(live__get_ci(result, "CODE"));
    const char *msg = json_object_get_string(live__get_ci(result, "MESSAGE"));
    if (!svc && !result) {
        snprintf(err, errlen, "Seoul Open API: no service object with \"RESULT\" or \"row\"");
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    if (code && strcmp(code, "INFO-000") != 0 && strcmp(code, "INFO-200") != 0) {
        /* The message may span lines; keep the first. */
        char line[256];
        snprintf(line, sizeof line, "%s", msg ? msg : "(no message)");
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(err, errlen, "Seoul Open API error %s: %s", code, line);
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    double total;
    if (paging && live__num(live__get_ci(svc, "list_total_count"), &total))
        paging->count = (long long)total;
    json_object *rows = live__get_ci(svc, "row");
    bool empty = code && strcmp(code, "INFO-200") == 0; /* "no data": an empty answer */
    if (!empty && !json_object_is_type(rows, json_type_array)) {
        snprintf(err, errlen, "Seoul Open API: no \"row\" array");
        json_object_put(root);
        return TW_ERR_FORMAT;
    }
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        json_object_put(root);
        return TW_ERR_NOMEM;
    }
    size_t n = json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : 0;
    for (size_t i = 0; i < n && !s->nomem; i++)
        live__row(s, json_object_array_get_idx(rows, i), opt);
    json_object_put(root);
    return live__done(s, out, err, errlen);
}
