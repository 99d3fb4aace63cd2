/* The demo feed server over real HTTP on 127.0.0.1: each format's document
 * has the shape its parsers expect, pagination returns every entity once,
 * ETag / 304 work, a seed and a frozen clock give the same bytes, and every
 * fault mode breaks a feed the way it says, switchable at run time. Every
 * request has a timeout; the whole test stays well under a minute. */
#include "tw_feedsim.h"
#include "tw_test.h"

#include "tw_json.h"
#include "tw_time.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_T   1700000000.0 /* 2023-11-14T22:13:20Z, 07:13 KST */
#define REQ_MS    5000L        /* ordinary requests */
#define BODY_CAP  (8u << 20)   /* what the client keeps of a body */
#define MAX_PAGES 50

/* ---- the server process ---- */

typedef tw_feedsim server;

static const char *bin(void)
{
    return getenv("CITYTWIN_FEEDSIM_BIN");
}

/* Starts citytwin-feedsim with args (NULL-terminated, after the binary);
 * its first line must give the port. */
static bool server_start(server *s, const char *const *args)
{
    bool ok = tw_feedsim_start(s, args);
    TW_CHECK_MSG(ok, "citytwin-feedsim did not start with \"listening on http://127.0.0.1:PORT\"");
    return ok;
}

/* SIGTERM; returns the exit status, or -1 when it did not stop in 10 s. */
static int server_stop(server *s)
{
    return tw_feedsim_stop(s);
}

/* ---- HTTP client ---- */

typedef struct fetch_opts {
    bool post;
    long timeout_ms; /* default REQ_MS */
    const char *if_none_match;
    bool follow;
    size_t cap; /* body cap; default BODY_CAP */
} fetch_opts;

typedef struct reply {
    CURLcode rc;
    long status;
    char *body;
    size_t len;
    curl_off_t content_length;
    char etag[64], modified[64], count[32], ctype[96], simulated[8], retry_after[16];
    double ms;
} reply;

typedef struct sink {
    reply *r;
    size_t cap;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    sink *s = user;
    size_t bytes = size * n;
    if (s->r->len + bytes > s->cap) return 0; /* over the cap: abort */
    char *nb = realloc(s->r->body, s->r->len + bytes + 1);
    if (!nb) return 0;
    memcpy(nb + s->r->len, p, bytes);
    s->r->body = nb;
    s->r->len += bytes;
    nb[s->r->len] = '\0';
    return bytes;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':') return;
    const char *v = line + k + 1;
    while (*v == ' ') v++;
    size_t len = n - (size_t)(v - line);
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n')) len--;
    if (len >= cap) len = cap - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
    reply *r = user;
    size_t bytes = size * n;
    header_value(p, bytes, "ETag", r->etag, sizeof r->etag);
    header_value(p, bytes, "Last-Modified", r->modified, sizeof r->modified);
    header_value(p, bytes, "NGSILD-Results-Count", r->count, sizeof r->count);
    header_value(p, bytes, "Content-Type", r->ctype, sizeof r->ctype);
    header_value(p, bytes, "X-Citytwin-Simulated", r->simulated, sizeof r->simulated);
    header_value(p, bytes, "Retry-After", r->retry_after, sizeof r->retry_after);
    char cl[32] = "";
    header_value(p, bytes, "Content-Length", cl, sizeof cl);
    if (cl[0]) r->content_length = (curl_off_t)strtoll(cl, NULL, 10);
    return bytes;
}

static reply fetch(const char *url, const fetch_opts *o)
{
    static const fetch_opts dflt = {0};
    if (!o) o = &dflt;
    reply r = {0};
    sink sk = {.r = &r, .cap = o->cap ? o->cap : BODY_CAP};
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char inm[128];
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sk);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : REQ_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sk.cap);
    if (o->post) curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    if (o->follow) {
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    }
    if (o->if_none_match) {
        snprintf(inm, sizeof inm, "If-None-Match: %s", o->if_none_match);
        hdr = curl_slist_append(hdr, inm);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    }
    double t0 = tw_time_mono_s();
    r.rc = curl_easy_perform(c);
    r.ms = (tw_time_mono_s() - t0) * 1000.0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return r;
}

static void reply_free(reply *r)
{
    free(r->body);
    r->body = NULL;
}

static reply get(const server *s, const char *path)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    return fetch(url, NULL);
}

/* GET and parse; NULL (with a failed check) unless 200 and valid JSON. */
static json_object *get_json(const server *s, const char *path, reply *keep)
{
    reply r = get(s, path);
    json_object *o = NULL;
    char err[160] = "";
    TW_CHECK_MSG(r.rc == CURLE_OK && r.status == 200, "%s: curl %d, HTTP %ld", path, r.rc,
                 r.status);
    if (r.rc == CURLE_OK && r.body) tw_json_parse(r.body, r.len, &o, err, sizeof err);
    TW_CHECK_MSG(o != NULL, "%s: not JSON: %s", path, err);
    TW_CHECK_MSG(strcmp(r.simulated, "1") == 0, "%s: no X-Citytwin-Simulated", path);
    if (keep)
        *keep = r;
    else
        reply_free(&r);
    return o;
}

static void control(const server *s, const char *query, long want)
{
    char url[512];
    snprintf(url, sizeof url, "%s/_control/%s", s->base, query);
    reply r = fetch(url, &(fetch_opts){.post = true});
    TW_CHECK_MSG(r.rc == CURLE_OK && r.status == want, "POST %s: curl %d, HTTP %ld", query, r.rc,
                 r.status);
    reply_free(&r);
}

/* ---- shape helpers ---- */

static json_object *at(json_object *o, const char *path)
{
    /* "a.b.0.c": members and array indices; "@iot.x" is one member. */
    const char *p = path;
    while (o && *p) {
        const char *dot = strchr(strncmp(p, "@iot.", 5) == 0 ? p + 5 : p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[96];
        if (n >= sizeof key) return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)atoi(key));
        else if (!json_object_object_get_ex(o, key, &o))
            o = NULL;
        p += n + (dot ? 1 : 0);
    }
    return o;
}

static bool is_num(json_object *o)
{
    return o && (json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double));
}

static const char *str_at(json_object *o, const char *path)
{
    json_object *v = at(o, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool in_district(json_object *coords)
{
    double lon = json_object_get_double(json_object_array_get_idx(coords, 0));
    double lat = json_object_get_double(json_object_array_get_idx(coords, 1));
    return lon > 126.90 && lon < 127.00 && lat > 37.51 && lat < 37.58;
}

static server srv_a;

/* ---- tests ---- */

static void test_ngsi_shapes(void)
{
    static const char *types[] = {"OffStreetParking", "AirQualityObserved", "WeatherObserved",
                                  "TrafficFlowObserved", "DeviceMeasurement"};
    static const char *attr[] = {"availableSpotNumber", "pm10", "windSpeed", "averageVehicleSpeed",
                                 "numValue"};
    for (int t = 0; t < 5; t++) {
        char path[200], prefix[80];
        snprintf(path, sizeof path, "/ngsi-ld/v1/entities?type=%s&limit=1000", types[t]);
        snprintf(prefix, sizeof prefix, "urn:ngsi-ld:%s:", types[t]);
        json_object *arr = get_json(&srv_a, path, NULL);
        TW_CHECK_MSG(arr && json_object_is_type(arr, json_type_array) &&
                         json_object_array_length(arr) > 0,
                     "%s: not a non-empty array", types[t]);
        for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            const char *id = str_at(e, "id");
            TW_CHECK_MSG(id && strncmp(id, prefix, strlen(prefix)) == 0, "%s id", types[t]);
            TW_CHECK_STR(str_at(e, "type"), types[t]);
            TW_CHECK_STR(str_at(e, "location.type"), "GeoProperty");
            json_object *v = at(e, attr[t]);
            TW_CHECK_MSG(v && is_num(at(v, "value")) && str_at(v, "observedAt"),
                         "%s: %s is not an observed number Property", types[t], attr[t]);
            if (t == 3) {
                TW_CHECK_STR(str_at(e, "location.value.type"), "LineString");
                TW_CHECK(in_district(at(e, "location.value.coordinates.0")));
            } else {
                TW_CHECK_STR(str_at(e, "location.value.type"), "Point");
                TW_CHECK(in_district(at(e, "location.value.coordinates")));
            }
            if (t == 0) {
                int avail = json_object_get_int(at(e, "availableSpotNumber.value"));
                int total = json_object_get_int(at(e, "totalSpotNumber.value"));
                TW_CHECK(avail >= 0 && avail <= total && total > 0);
                TW_CHECK(str_at(e, "name.value") != NULL);
            }
            if (t == 1) TW_CHECK(is_num(at(e, "no2.value")));
            if (t == 2) TW_CHECK(is_num(at(e, "windDirection.value")));
            if (t == 4) {
                const char *cp = str_at(e, "controlledProperty.value");
                TW_CHECK(cp &&
                         (!strcmp(cp, "tilt") || !strcmp(cp, "vibration") || !strcmp(cp, "crack")));
            }
        }
        json_object_put(arr);
    }
    /* keyValues: plain values, GeoJSON location. */
    json_object *kv =
        get_json(&srv_a, "/ngsi-ld/v1/entities?type=OffStreetParking&options=keyValues", NULL);
    TW_CHECK(kv && json_object_is_type(at(kv, "0.availableSpotNumber"), json_type_int));
    TW_CHECK_STR(str_at(kv, "0.location.type"), "Point");
    TW_CHECK(str_at(kv, "0.name") && strstr(str_at(kv, "0.name"), "주차장"));
    json_object_put(kv);
    /* Bad requests are answered as NGSI-LD errors. */
    reply r = get(&srv_a, "/ngsi-ld/v1/entities?type=Nope");
    TW_CHECK(r.status == 400);
    reply_free(&r);
    r = get(&srv_a, "/ngsi-ld/v1/entities?type=OffStreetParking&limit=1001");
    TW_CHECK(r.status == 400);
    reply_free(&r);
}

static void test_sta_shapes(void)
{
    json_object *o = get_json(&srv_a,
                              "/sta/v1.1/Things?$expand=Locations,Datastreams/"
                              "Observations($top=1;$orderby=phenomenonTime%20desc)",
                              NULL);
    json_object *things = at(o, "value");
    TW_CHECK(things && json_object_array_length(things) > 0);
    for (size_t i = 0; things && i < json_object_array_length(things); i++) {
        json_object *t = json_object_array_get_idx(things, i);
        TW_CHECK(is_num(at(t, "@iot.id")) && str_at(t, "name"));
        TW_CHECK_STR(str_at(t, "Locations.0.location.type"), "Point");
        TW_CHECK(in_district(at(t, "Locations.0.location.coordinates")));
        json_object *ds = at(t, "Datastreams");
        TW_CHECK(ds && json_object_array_length(ds) == 3);
        for (size_t k = 0; ds && k < json_object_array_length(ds); k++) {
            json_object *obs = at(json_object_array_get_idx(ds, k), "Observations");
            TW_CHECK(obs && json_object_array_length(obs) == 1);
            json_object *res = at(obs, "0.result");
            /* Numbers, or numbers in strings as some real servers send. */
            bool ok = is_num(res) || (json_object_is_type(res, json_type_string) &&
                                      strtod(json_object_get_string(res), NULL) >= 0);
            TW_CHECK(ok && str_at(obs, "0.phenomenonTime"));
        }
    }
    json_object_put(o);
    o = get_json(&srv_a, "/sta/v1.1/Things(2)/Datastreams", NULL);
    TW_CHECK(at(o, "value") && json_object_array_length(at(o, "value")) == 3);
    json_object_put(o);
    o = get_json(&srv_a, "/sta/v1.1/Datastreams(21)/Observations?$top=5", NULL);
    json_object *v = at(o, "value");
    TW_CHECK(v && json_object_array_length(v) == 5);
    for (size_t i = 1; v && i < json_object_array_length(v); i++) /* newest first */
        TW_CHECK(strcmp(str_at(v, "0.phenomenonTime"),
                        str_at(json_object_array_get_idx(v, i), "phenomenonTime")) > 0);
    json_object_put(o);
}

static void test_geojson_and_seoul(void)
{
    json_object *o = get_json(&srv_a, "/geojson/sensors.geojson", NULL);
    TW_CHECK_STR(str_at(o, "type"), "FeatureCollection");
    json_object *f = at(o, "features");
    TW_CHECK(f && json_object_array_length(f) > 0);
    for (size_t i = 0; f && i < json_object_array_length(f); i++) {
        json_object *e = json_object_array_get_idx(f, i);
        TW_CHECK_STR(str_at(e, "geometry.type"), "Point");
        TW_CHECK(str_at(e, "properties.id") && str_at(e, "properties.name"));
        TW_CHECK(is_num(at(e, "properties.value")));
    }
    json_object_put(o);

    o = get_json(&srv_a, "/citytwin/json/GetParkInfo/1/5/", NULL);
    TW_CHECK_STR(str_at(o, "GetParkInfo.RESULT.CODE"), "INFO-000");
    TW_CHECK(json_object_get_int(at(o, "GetParkInfo.list_total_count")) >= 20);
    json_object *rows = at(o, "GetParkInfo.row");
    TW_CHECK(rows && json_object_array_length(rows) == 5);
    for (size_t i = 0; rows && i < json_object_array_length(rows); i++) {
        json_object *r = json_object_array_get_idx(rows, i);
        TW_CHECK(str_at(r, "parking_name") && str_at(r, "addr"));
        int cap = json_object_get_int(at(r, "capacity")),
            cur = json_object_get_int(at(r, "cur_parking"));
        TW_CHECK(cap > 0 && cur >= 0 && cur <= cap);
        TW_CHECK(is_num(at(r, "lat")) && is_num(at(r, "lng")));
    }
    json_object_put(o);
    o = get_json(&srv_a, "/WRONGKEY/json/GetParkInfo/1/5/", NULL);
    TW_CHECK_STR(str_at(o, "RESULT.CODE"), "INFO-100");
    json_object_put(o);
    o = get_json(&srv_a, "/citytwin/json/GetParkInfo/1/1001/", NULL);
    TW_CHECK_STR(str_at(o, "RESULT.CODE"), "ERROR-336");
    json_object_put(o);
}

/* Walks offset/limit pages until an empty one; every id once, the total
 * equals NGSILD-Results-Count. */
static void ngsi_walk(const char *type, int limit)
{
    char path[200];
    snprintf(path, sizeof path, "/ngsi-ld/v1/entities?type=%s&count=true&limit=1", type);
    reply r;
    json_object *first = get_json(&srv_a, path, &r);
    int total = atoi(r.count);
    TW_CHECK_MSG(total > limit, "%s: NGSILD-Results-Count \"%s\"", type, r.count);
    reply_free(&r);
    json_object_put(first);
    char ids[256][96];
    int n = 0, dup = 0;
    for (int page = 0, offset = 0; page < MAX_PAGES; page++, offset += limit) {
        snprintf(path, sizeof path, "/ngsi-ld/v1/entities?type=%s&limit=%d&offset=%d", type, limit,
                 offset);
        json_object *arr = get_json(&srv_a, path, NULL);
        size_t len = arr ? json_object_array_length(arr) : 0;
        TW_CHECK(len <= (size_t)limit);
        for (size_t i = 0; i < len && n < 256; i++) {
            const char *id = str_at(json_object_array_get_idx(arr, i), "id");
            for (int k = 0; id && k < n; k++) dup += strcmp(ids[k], id) == 0;
            snprintf(ids[n++], sizeof ids[0], "%s", id ? id : "");
        }
        json_object_put(arr);
        if (len == 0) break;
    }
    TW_CHECK_MSG(n == total && dup == 0, "%s: %d ids (%d repeated), count %d", type, n, dup, total);
}

static void test_pagination(void)
{
    /* The default page is 20 entities. */
    json_object *arr = get_json(&srv_a, "/ngsi-ld/v1/entities?type=OffStreetParking", NULL);
    TW_CHECK(arr && json_object_array_length(arr) == 20);
    json_object_put(arr);
    ngsi_walk("OffStreetParking", 7);
    ngsi_walk("DeviceMeasurement", 10);

    /* SensorThings: follow @iot.nextLink to the end. */
    static const char *starts[] = {"/sta/v1.1/Things?$top=4&$count=true&$expand=Locations",
                                   "/sta/v1.1/Datastreams(11)/Observations?$top=5&$count=true"};
    for (int s = 0; s < 2; s++) {
        char url[1200];
        snprintf(url, sizeof url, "%s%s", srv_a.base, starts[s]);
        long ids[128];
        int n = 0, pages = 0, dup = 0;
        long count = -1;
        while (pages < MAX_PAGES) {
            reply r = fetch(url, NULL);
            json_object *o = NULL;
            if (r.rc == CURLE_OK && r.status == 200) tw_json_parse(r.body, r.len, &o, NULL, 0);
            reply_free(&r);
            TW_CHECK_MSG(o != NULL, "page %d of %s", pages, starts[s]);
            if (!o) break;
            pages++;
            count = json_object_get_int64(at(o, "@iot.count"));
            json_object *v = at(o, "value");
            for (size_t i = 0; v && i < json_object_array_length(v) && n < 128; i++) {
                long id =
                    (long)json_object_get_int64(at(json_object_array_get_idx(v, i), "@iot.id"));
                for (int k = 0; k < n; k++) dup += ids[k] == id;
                ids[n++] = id;
            }
            const char *next = str_at(o, "@iot.nextLink");
            if (next) snprintf(url, sizeof url, "%s", next);
            json_object_put(o);
            if (!next) break;
        }
        TW_CHECK_MSG(pages > 1 && pages < MAX_PAGES && n == count && dup == 0,
                     "%s: %d pages, %d ids (%d repeated), @iot.count %ld", starts[s], pages, n, dup,
                     count);
    }

    /* Seoul Open API pages add up to list_total_count. */
    int rows = 0, total = -1;
    for (int start = 1; start < 200; start += 10) {
        char path[100];
        snprintf(path, sizeof path, "/citytwin/json/GetParkInfo/%d/%d/", start, start + 9);
        json_object *o = get_json(&srv_a, path, NULL);
        const char *code = str_at(o, "GetParkInfo.RESULT.CODE");
        if (!code) code = str_at(o, "RESULT.CODE");
        bool more = code && strcmp(code, "INFO-000") == 0; /* code lives in o */
        if (more) {
            total = json_object_get_int(at(o, "GetParkInfo.list_total_count"));
            rows += (int)json_object_array_length(at(o, "GetParkInfo.row"));
        }
        json_object_put(o);
        if (!more) break;
    }
    TW_CHECK_MSG(rows == total && total > 10, "%d rows, list_total_count %d", rows, total);
}

static void test_etag(void)
{
    reply a = get(&srv_a, "/geojson/sensors.geojson");
    TW_CHECK(a.status == 200 && a.etag[0] && a.modified[0]);
    char url[256];
    snprintf(url, sizeof url, "%s/geojson/sensors.geojson", srv_a.base);
    reply b = fetch(url, &(fetch_opts){.if_none_match = a.etag});
    TW_CHECK_MSG(b.status == 304 && b.len == 0, "HTTP %ld, %zu bytes", b.status, b.len);
    TW_CHECK_STR(b.etag, a.etag);
    reply c = fetch(url, &(fetch_opts){.if_none_match = "\"fs-0000000000000000\""});
    TW_CHECK(c.status == 200 && c.len == a.len);
    reply d = get(&srv_a, "/ngsi-ld/v1/entities?type=AirQualityObserved");
    TW_CHECK(d.etag[0] && strcmp(d.etag, a.etag) != 0);
    reply_free(&a);
    reply_free(&b);
    reply_free(&c);
    reply_free(&d);
}

static const char *det_paths[] = {
    "/ngsi-ld/v1/entities?type=OffStreetParking&limit=100",
    "/ngsi-ld/v1/entities?type=DeviceMeasurement&limit=100",
    "/sta/v1.1/Things?$expand=Locations,Datastreams/Observations($top=1)",
    "/geojson/sensors.geojson",
    "/citytwin/json/GetParkInfo/1/100/",
};
#define NDET (int)(sizeof det_paths / sizeof det_paths[0])

/* Removes every occurrence of text from a body. */
static void strip(reply *r, const char *text)
{
    size_t n = strlen(text), o = 0;
    for (size_t i = 0; r->body && i < r->len;) {
        if (i + n <= r->len && memcmp(r->body + i, text, n) == 0) {
            i += n;
        } else {
            r->body[o++] = r->body[i++];
        }
    }
    r->len = o;
}

static void test_determinism(void)
{
    server b, c;
    const char *args_b[] = {"--port",  "0",          "--seed",   "7",
                            "--start", "1700000000", "--freeze", NULL};
    const char *args_c[] = {"--port",  "0",          "--seed",   "8",
                            "--start", "1700000000", "--freeze", NULL};
    if (!server_start(&b, args_b) || !server_start(&c, args_c)) {
        TW_CHECK_MSG(false, "second and third servers did not start");
        server_stop(&b);
        server_stop(&c);
        return;
    }
    int differ = 0;
    for (int i = 0; i < NDET; i++) {
        reply ra = get(&srv_a, det_paths[i]), rb = get(&b, det_paths[i]),
              rc = get(&c, det_paths[i]);
        /* SensorThings links name each server's port: compare without them. */
        strip(&ra, srv_a.base);
        strip(&rb, b.base);
        strip(&rc, c.base);
        TW_CHECK_MSG(ra.len == rb.len && ra.body && rb.body && !memcmp(ra.body, rb.body, ra.len),
                     "%s: same seed, different body", det_paths[i]);
        if (!strstr(det_paths[i], "/sta/")) TW_CHECK_STR(ra.etag, rb.etag);
        differ += rc.len != ra.len || !rc.body || !ra.body || memcmp(rc.body, ra.body, ra.len);
        reply_free(&ra);
        reply_free(&rb);
        reply_free(&rc);
    }
    TW_CHECK_MSG(differ >= 4, "only %d documents differ between seeds 7 and 8", differ);
    TW_CHECK(server_stop(&b) == 0);
    TW_CHECK(server_stop(&c) == 0);

    /* Simulated time moves the data: 6 hours later, other values; back, the
     * same bytes. */
    reply before = get(&srv_a, det_paths[0]);
    control(&srv_a, "time?t=1700021600", 200);
    reply later = get(&srv_a, det_paths[0]);
    control(&srv_a, "time?t=1700000000", 200);
    reply again = get(&srv_a, det_paths[0]);
    TW_CHECK(before.len &&
             (later.len != before.len || memcmp(later.body, before.body, before.len)));
    TW_CHECK(again.len == before.len && !memcmp(again.body, before.body, before.len));
    TW_CHECK(strcmp(later.etag, before.etag) != 0 && strcmp(again.etag, before.etag) == 0);
    reply_free(&before);
    reply_free(&later);
    reply_free(&again);
}

static void test_faults(void)
{
    const char *park = "/ngsi-ld/v1/entities?type=OffStreetParking&limit=1";
    char url[256], sta_url[256];
    snprintf(url, sizeof url, "%s%s", srv_a.base, park);
    snprintf(sta_url, sizeof sta_url, "%s/sta/v1.1/Things", srv_a.base);
    reply healthy = get(&srv_a, park);
    TW_CHECK(healthy.status == 200 && healthy.len > 300);

    control(&srv_a, "fault?mode=500", 200);
    reply r = get(&srv_a, park);
    TW_CHECK_MSG(r.status == 500, "500: HTTP %ld", r.status);
    reply_free(&r);

    control(&srv_a, "fault?mode=503", 200);
    r = get(&srv_a, park);
    TW_CHECK_MSG(r.status == 503 && atoi(r.retry_after) > 0, "503: HTTP %ld, Retry-After \"%s\"",
                 r.status, r.retry_after);
    reply_free(&r);
    control(&srv_a, "fault?mode=none", 200);

    /* hang on one prefix: that feed times out, the others answer; healed, it
     * answers again. */
    control(&srv_a, "fault?mode=hang&path=/sta", 200);
    r = fetch(sta_url, &(fetch_opts){.timeout_ms = 1000});
    TW_CHECK_MSG(r.rc == CURLE_OPERATION_TIMEDOUT, "hang: curl %d after %.0f ms", r.rc, r.ms);
    reply_free(&r);
    r = get(&srv_a, park);
    TW_CHECK(r.rc == CURLE_OK && r.status == 200);
    reply_free(&r);
    control(&srv_a, "fault?mode=none&path=/sta", 200);
    r = fetch(sta_url, &(fetch_opts){.timeout_ms = 2000});
    TW_CHECK_MSG(r.rc == CURLE_OK && r.status == 200, "healed: curl %d HTTP %ld", r.rc, r.status);
    reply_free(&r);

    /* slow: the same body, dripped (64 bytes per 100 ms). */
    control(&srv_a, "fault?mode=slow&path=/ngsi-ld", 200);
    r = fetch(url, &(fetch_opts){.timeout_ms = 15000});
    TW_CHECK_MSG(r.rc == CURLE_OK && r.len == healthy.len && r.ms > 500.0,
                 "slow: curl %d, %zu of %zu bytes in %.0f ms", r.rc, r.len, healthy.len, r.ms);
    reply_free(&r);

    /* truncated: Content-Length promises more than arrives. */
    control(&srv_a, "fault?mode=truncated&path=/ngsi-ld", 200);
    r = fetch(url, NULL);
    TW_CHECK_MSG(r.rc == CURLE_PARTIAL_FILE && r.len < (size_t)r.content_length,
                 "truncated: curl %d, %zu of %ld bytes", r.rc, r.len, (long)r.content_length);
    reply_free(&r);

    /* malformed: 200 with a JSON type, but not JSON. */
    control(&srv_a, "fault?mode=malformed&path=/ngsi-ld", 200);
    r = fetch(url, NULL);
    json_object *o = NULL;
    TW_CHECK(r.status == 200 && strstr(r.ctype, "json"));
    TW_CHECK(r.body && tw_json_parse(r.body, r.len, &o, NULL, 0) != TW_OK);
    json_object_put(o);
    reply_free(&r);

    /* huge: more than the client's cap of 1 MiB. */
    control(&srv_a, "fault?mode=huge&path=/ngsi-ld", 200);
    r = fetch(url, &(fetch_opts){.cap = 1u << 20});
    TW_CHECK_MSG((r.rc == CURLE_FILESIZE_EXCEEDED || r.rc == CURLE_WRITE_ERROR) &&
                     r.content_length > (1 << 20),
                 "huge: curl %d, Content-Length %ld", r.rc, (long)r.content_length);
    reply_free(&r);

    /* wrongtype: an HTML page. */
    control(&srv_a, "fault?mode=wrongtype&path=/ngsi-ld", 200);
    r = fetch(url, NULL);
    TW_CHECK_MSG(r.status == 200 && strncmp(r.ctype, "text/html", 9) == 0, "wrongtype: \"%s\"",
                 r.ctype);
    reply_free(&r);

    /* redirect-loop: curl gives up at its limit. */
    control(&srv_a, "fault?mode=redirect-loop&path=/ngsi-ld", 200);
    r = fetch(url, &(fetch_opts){.follow = true});
    TW_CHECK_MSG(r.rc == CURLE_TOO_MANY_REDIRECTS, "redirect: curl %d", r.rc);
    reply_free(&r);

    /* The state lists the rule; a bad mode is refused; none heals all. */
    json_object *st = get_json(&srv_a, "/_control/state", NULL);
    TW_CHECK_STR(str_at(st, "faults.0.mode"), "redirect-loop");
    TW_CHECK_STR(str_at(st, "faults.0.path"), "/ngsi-ld");
    json_object_put(st);
    control(&srv_a, "fault?mode=explode", 400);
    control(&srv_a, "fault?mode=none", 200);
    st = get_json(&srv_a, "/_control/state", NULL);
    TW_CHECK(at(st, "faults") && json_object_array_length(at(st, "faults")) == 0);
    json_object_put(st);
    r = get(&srv_a, park);
    TW_CHECK(r.status == 200 && r.len == healthy.len && !memcmp(r.body, healthy.body, r.len));
    reply_free(&r);
    reply_free(&healthy);
}

static void test_command_line(void)
{
    /* --fault from the command line, healed at run time. */
    server d;
    const char *args[] = {"--port", "0", "--fault", "503", "--freeze", NULL};
    if (server_start(&d, args)) {
        reply r = get(&d, "/geojson/sensors.geojson");
        TW_CHECK(r.status == 503);
        reply_free(&r);
        control(&d, "fault?mode=none", 200);
        r = get(&d, "/geojson/sensors.geojson");
        TW_CHECK(r.status == 200);
        reply_free(&r);
        /* SIGTERM ends it cleanly even with a request hanging. */
        control(&d, "fault?mode=hang", 200);
        char url[128];
        snprintf(url, sizeof url, "%s/geojson/sensors.geojson", d.base);
        r = fetch(url, &(fetch_opts){.timeout_ms = 300});
        reply_free(&r);
        double t0 = tw_time_mono_s();
        TW_CHECK(server_stop(&d) == 0);
        TW_CHECK(tw_time_mono_s() - t0 < 5.0);
    }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' --help > /dev/null", bin());
    TW_CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "'%s' --fault explode 2> /dev/null", bin());
    int st = system(cmd);
    TW_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

/* --bulk-sensors N: /geojson/bulk.geojson has N point sensors over Seoul,
 * each with its own id and a number that changes from one tick to the next;
 * without the option the path is not served. */
static void test_bulk_sensors(void)
{
    reply r = get(&srv_a, "/geojson/bulk.geojson");
    TW_CHECK_MSG(r.status == 404, "without --bulk-sensors: HTTP %ld", r.status);
    reply_free(&r);
    server b;
    const char *args[] = {"--port", "0",       "--tick",     "1",        "--bulk-sensors",
                          "500",    "--start", "1700000000", "--freeze", NULL};
    if (!server_start(&b, args)) return;
    json_object *t0 = get_json(&b, "/geojson/bulk.geojson", NULL);
    control(&b, "time?t=1700000001", 200);
    json_object *t1 = get_json(&b, "/geojson/bulk.geojson", NULL);
    json_object *f0 = at(t0, "features"), *f1 = at(t1, "features");
    size_t n = f0 ? json_object_array_length(f0) : 0;
    TW_CHECK_MSG(n == 500, "%zu features", n);
    TW_CHECK(f1 && json_object_array_length(f1) == n);
    int changed = 0, outside = 0, bad = 0, dup = 0;
    for (size_t i = 0; i < n && f1; i++) {
        json_object *a = json_object_array_get_idx(f0, i), *c = json_object_array_get_idx(f1, i);
        json_object *xy = at(a, "geometry.coordinates");
        double lon = json_object_get_double(json_object_array_get_idx(xy, 0));
        double lat = json_object_get_double(json_object_array_get_idx(xy, 1));
        outside += !(lon > 126.79 && lon < 127.19 && lat > 37.42 && lat < 37.71);
        bad += !is_num(at(a, "properties.value")) || !str_at(a, "id") ||
               !str_at(a, "geometry.type") || strcmp(str_at(a, "geometry.type"), "Point") != 0;
        if (i > 0)
            dup += strcmp(str_at(a, "id"), str_at(json_object_array_get_idx(f0, i - 1), "id")) == 0;
        changed += json_object_get_double(at(a, "properties.value")) !=
                   json_object_get_double(at(c, "properties.value"));
    }
    TW_CHECK_MSG(outside == 0 && bad == 0 && dup == 0,
                 "%d outside Seoul, %d malformed, %d repeated", outside, bad, dup);
    TW_CHECK_MSG(changed > (int)n * 9 / 10, "only %d of %zu values changed in a tick", changed, n);
    /* Each tick's time is written into every feature (the first and the last). */
    for (size_t i = 0; n > 0 && f1 && i < n; i += n - 1) {
        TW_CHECK_STR(str_at(json_object_array_get_idx(f0, i), "properties.observed"),
                     "2023-11-14T22:13:20Z");
        TW_CHECK_STR(str_at(json_object_array_get_idx(f1, i), "properties.observed"),
                     "2023-11-14T22:13:21Z");
        if (n == 1) break;
    }
    json_object_put(t0);
    json_object_put(t1);
    TW_CHECK(server_stop(&b) == 0);
}

int main(void)
{
    if (!bin() || access(bin(), X_OK) != 0) {
        fprintf(stderr, "skip: CITYTWIN_FEEDSIM_BIN is not set to the built citytwin-feedsim\n");
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    double t0 = tw_time_mono_s();
    const char *args[] = {"--port", "0", "--seed", "7", "--start", "1700000000", "--freeze", NULL};
    if (!server_start(&srv_a, args)) {
        fprintf(stderr, "FAIL: the feed server did not start\n");
        server_stop(&srv_a);
        return 1;
    }
    TW_RUN(test_ngsi_shapes);
    TW_RUN(test_sta_shapes);
    TW_RUN(test_geojson_and_seoul);
    TW_RUN(test_pagination);
    TW_RUN(test_etag);
    TW_RUN(test_determinism);
    TW_RUN(test_faults);
    TW_RUN(test_command_line);
    TW_RUN(test_bulk_sensors);
    TW_CHECK(server_stop(&srv_a) == 0);
    double took = tw_time_mono_s() - t0;
    TW_CHECK_MSG(took < 60.0, "took %.1f s", took);
    fprintf(stderr, "%d failures, %.1f s\n", tw_test_failures, took);
    curl_global_cleanup();
    return tw_test_failures ? 1 : 0;
}
