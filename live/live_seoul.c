/* Seoul Open Data Plaza parking feeds (GetParkInfo, GetParkingInfo): the
 * service wrapper {"<service>": {"list_total_count", "RESULT", "row": [...]}}
 * with field names that changed case (and, in 2023, names) over the years.
 * Numbers sometimes arrive as strings; absent values as null or "". Times are
 * Korea Standard Time (UTC+9, no daylight saving). Read with core/tw_jscan.h. */
#include "live_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A member by name (the last of that exact name, as json-c keeps it), else
 * the first whose name matches ignoring ASCII case; -1 when none. */
static int live__get_ci(const tw_jdoc *d, int o, const char *key)
{
    int v = tw_jget(d, o, key);
    if (v >= 0 || !tw_jis(d, o, TW_J_OBJECT)) return v;
    size_t n = strlen(key);
    for (int k = tw_jfirst(d, o); k >= 0; k = tw_jnext(d, o, k))
        if (d->nodes[k].len == n && strncasecmp(d->nodes[k].s, key, n) == 0 &&
            !memchr(d->nodes[k].s, '\0', n))
            return k + 1;
    return -1;
}

/* A field under any of its names (NULL-terminated) that is not null. */
static int live__field(const tw_jdoc *d, int row, const char *const *names)
{
    for (; *names; names++) {
        int v = live__get_ci(d, row, *names);
        if (v >= 0 && !tw_jis(d, v, TW_J_NULL)) return v;
    }
    return -1;
}

/* A number, or a string that is wholly one; false otherwise. */
static bool live__num(const tw_jdoc *d, int v, double *out)
{
    if (tw_jis(d, v, TW_J_NUMBER)) return tw_jnumber(d, v, out) && isfinite(*out);
    if (!tw_jis(d, v, TW_J_STRING)) return false;
    char text[256];
    if (!tw_jstr_copy(d, v, text, sizeof text)) return false; /* no number is that long */
    char *end;
    *out = strtod(text, &end);
    while (*end == ' ') end++;
    return end != text && *end == '\0' && isfinite(*out);
}

/* RESULT.CODE / MESSAGE as text: a string, a number's digits, else the
 * JSON type's name; NULL when absent or null. */
static const char *live__text(const tw_jdoc *d, int v, char *buf, size_t n)
{
    if (v < 0 || tw_jis(d, v, TW_J_NULL)) return NULL;
    if (tw_jis(d, v, TW_J_STRING) || tw_jis(d, v, TW_J_NUMBER)) {
        size_t len = d->nodes[v].len < n ? d->nodes[v].len : n - 1;
        memcpy(buf, d->nodes[v].s, len);
        buf[len] = '\0';
        return buf;
    }
    snprintf(buf, n, "(%s)", tw_jtype_name(d, v));
    return buf;
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

static void live__row(tw_obs_snapshot *s, const tw_jdoc *d, int row, const live_options *opt)
{
    if (!tw_jis(d, row, TW_J_OBJECT)) {
        tw_obs_count(s, TW_OBS_SKIP_NOT_OBJECT);
        return;
    }
    tw_obs_entity *e = tw_obs_begin(s);
    if (!e) return;
    e->id = live__id(s, d, live__field(d, row, live__f_id));
    if (!e->id) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_ID);
        return;
    }
    e->type = "ParkingLot";
    int name = live__field(d, row, live__f_name);
    if (tw_jis(d, name, TW_J_STRING) && d->nodes[name].len > 0) e->name = live__str(s, d, name);
    double lat, lng;
    int jlat = live__field(d, row, live__f_lat), jlng = live__field(d, row, live__f_lng);
    if (jlat < 0 || jlng < 0) {
        tw_obs_cancel(s, TW_OBS_SKIP_NO_LOCATION);
        return;
    }
    if (!live__num(d, jlat, &lat) || !live__num(d, jlng, &lng) || fabs(lat) > 90 ||
        fabs(lng) > 180) {
        tw_obs_cancel(s, TW_OBS_SKIP_BAD_GEOMETRY);
        return;
    }
    if (lat == 0 && lng == 0) { /* the API's way of saying "unknown" */
        tw_obs_cancel(s, TW_OBS_SKIP_NO_LOCATION);
        return;
    }
    tw_obs_add_vertex(s, lng, lat);
    tw_obs_set_geometry(s, TW_OBS_GEOM_POINT);

    char t[128];
    if (tw_jstr_copy(d, live__field(d, row, live__f_time), t, sizeof t))
        e->observed_at = live__time(t, 9.0);
    for (size_t i = 0; i < sizeof live__seoul_values / sizeof live__seoul_values[0]; i++) {
        const live__seoul_value *f = &live__seoul_values[i];
        int v = live__field(d, row, f->alias);
        if (v < 0) continue;
        double x;
        if (f->number) {
            if (!live__num(d, v, &x)) {
                tw_obs_count(s, TW_OBS_SKIP_BAD_VALUE);
                continue;
            }
            tw_obs_value *val = tw_obs_add_value(s, f->name);
            if (val) val->number = x;
        } else if (tw_jis(d, v, TW_J_STRING)) {
            tw_obs_value *val = tw_obs_add_value(s, f->name);
            if (val) val->text = live__str(s, d, v);
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
    tw_jdoc d;
    tw_jdoc_init(&d);
    tw_result r = live__json(&d, buf, len, err, errlen);
    if (r != TW_OK) {
        tw_jdoc_free(&d);
        return r;
    }
    const int root = 0;
    if (!tw_jis(&d, root, TW_J_OBJECT)) {
        snprintf(err, errlen, "Seoul Open API: the document is a %s, not the service object",
                 tw_jtype_name(&d, root));
        tw_jdoc_free(&d);
        return TW_ERR_FORMAT;
    }
    /* The service object is the first member holding RESULT or row; an
     * error answer may carry RESULT at the top. */
    int svc = -1;
    for (int k = tw_jfirst(&d, root); k >= 0 && svc < 0; k = tw_jnext(&d, root, k))
        if (live__get_ci(&d, k + 1, "RESULT") >= 0 || live__get_ci(&d, k + 1, "row") >= 0)
            svc = k + 1;
    int result = live__get_ci(&d, svc >= 0 ? svc : root, "RESULT");
    char code_buf[128], msg_buf[256];
    const char *code = live__text(&d, live__get_ci(&d, result, "CODE"), code_buf, sizeof code_buf);
    const char *msg = live__text(&d, live__get_ci(&d, result, "MESSAGE"), msg_buf, sizeof msg_buf);
    if (svc < 0 && result < 0) {
        snprintf(err, errlen, "Seoul Open API: no service object with \"RESULT\" or \"row\"");
        tw_jdoc_free(&d);
        return TW_ERR_FORMAT;
    }
    if (code && strcmp(code, "INFO-000") != 0 && strcmp(code, "INFO-200") != 0) {
        /* The message may span lines; keep the first. */
        char line[256];
        snprintf(line, sizeof line, "%s", msg ? msg : "(no message)");
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(err, errlen, "Seoul Open API error %s: %s", code, line);
        tw_jdoc_free(&d);
        return TW_ERR_FORMAT;
    }
    double total;
    if (paging && live__num(&d, live__get_ci(&d, svc, "list_total_count"), &total))
        paging->count = (long long)total;
    int rows = live__get_ci(&d, svc, "row");
    bool empty = code && strcmp(code, "INFO-200") == 0; /* "no data": an empty answer */
    if (!empty && !tw_jis(&d, rows, TW_J_ARRAY)) {
        snprintf(err, errlen, "Seoul Open API: no \"row\" array");
        tw_jdoc_free(&d);
        return TW_ERR_FORMAT;
    }
    tw_obs_snapshot *s = live__create(opt, err, errlen);
    if (!s) {
        tw_jdoc_free(&d);
        return TW_ERR_NOMEM;
    }
    if (tw_jis(&d, rows, TW_J_ARRAY))
        for (int c = tw_jfirst(&d, rows); c >= 0 && !s->nomem; c = tw_jnext(&d, rows, c))
            live__row(s, &d, c, opt);
    tw_jdoc_free(&d);
    return live__done(s, out, err, errlen);
}
