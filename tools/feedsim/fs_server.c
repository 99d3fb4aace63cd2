/* HTTP side of the demo feed server. Each request: control paths first, then
 * the fault that applies to the path (longest matching prefix wins), then the
 * simulated document with ETag, Last-Modified and X-Citytwin-Simulated. */
#include "fs_server.h"

#include "fs_docs.h"
#include "fs_sim.h"
#include "tw_log.h"
#include "tw_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define TAG             "feedsim"
#define MAX_RULES       16
#define MAX_PREFIX      128
#define MAX_CONNECTIONS 64
#define CONTROL_PREFIX  "/_control/"

typedef struct fs_rule {
    char prefix[MAX_PREFIX];
    fs_fault mode;
} fs_rule;

struct fs_server {
    struct MHD_Daemon *daemon;
    int port;
    fs_sim sim;
    fs_clock clock;
    fs_docs_cfg docs;
    char api_key[64];
    double hang_cap_s;
    size_t slow_bytes;
    int slow_interval_ms;
    uint64_t huge_bytes;

    pthread_mutex_t lock; /* guards the fields below */
    pthread_cond_t changed;
    fs_rule rules[MAX_RULES];
    int nrules;
    bool stopping;
    unsigned long requests;
};

static const char *fault_names[FS_FAULT_COUNT] = {"none",      "slow",          "hang",      "500",
                                                  "503",       "truncated",     "malformed", "huge",
                                                  "wrongtype", "redirect-loop", "503-date"};

const char *fs_fault_name(fs_fault f)
{
    return f < FS_FAULT_COUNT ? fault_names[f] : "?";
}

bool fs_fault_parse(const char *name, fs_fault *out)
{
    for (int k = 0; name && k < FS_FAULT_COUNT; k++)
        if (strcmp(name, fault_names[k]) == 0) {
            *out = (fs_fault)k;
            return true;
        }
    return false;
}

/* ---- fault rules (callers hold the lock) ---- */

static fs_fault rules_match(const fs_server *s, const char *path)
{
    size_t best = 0;
    fs_fault mode = FS_FAULT_NONE;
    bool found = false;
    for (int k = 0; k < s->nrules; k++) {
        size_t n = strlen(s->rules[k].prefix);
        if (strncmp(path, s->rules[k].prefix, n) == 0 && (!found || n >= best)) {
            best = n;
            mode = s->rules[k].mode;
            found = true;
        }
    }
    return mode;
}

static void rules_remove(fs_server *s, const char *prefix)
{
    for (int k = 0; k < s->nrules; k++)
        if (strcmp(s->rules[k].prefix, prefix) == 0) {
            s->rules[k] = s->rules[--s->nrules];
            return;
        }
}

/* mode none without a prefix clears every rule; with one it heals that
 * prefix (removing its rule, or shadowing a shorter one that still breaks it). */
static tw_result rules_set(fs_server *s, const char *prefix, fs_fault mode)
{
    if (!prefix) prefix = "";
    if (strlen(prefix) >= MAX_PREFIX) return TW_ERR_TOOBIG;
    if (mode == FS_FAULT_NONE && prefix[0] == '\0') {
        s->nrules = 0;
        return TW_OK;
    }
    rules_remove(s, prefix);
    if (mode == FS_FAULT_NONE && rules_match(s, prefix) == FS_FAULT_NONE) return TW_OK;
    if (s->nrules >= MAX_RULES) return TW_ERR_TOOBIG;
    snprintf(s->rules[s->nrules].prefix, MAX_PREFIX, "%s", prefix);
    s->rules[s->nrules].mode = mode;
    s->nrules++;
    return TW_OK;
}

/* ---- helpers ---- */

/* FNV-1a over 8-byte words, then the tail a byte at a time: an ETag for a
 * 22 MB body in a few milliseconds instead of tens. */
static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8);
        h ^= w;
        h *= 0x100000001b3ull;
    }
    for (; k < n; k++) {
        h ^= (unsigned char)p[k];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void http_date(double epoch_s, char *buf, size_t n)
{
    time_t t = (time_t)floor(epoch_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(buf, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *conn_arg(void *ctx, const char *key)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_GET_ARGUMENT_KIND, key);
}

/* "http://host:port" from the Host header when it looks sane. */
static void base_url(const fs_server *s, struct MHD_Connection *c, char *buf, size_t n)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    bool ok = host && strlen(host) < 100 && host[0];
    for (const char *p = host; ok && *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *p))
            ok = false;
    if (ok)
        snprintf(buf, n, "http://%s", host);
    else
        snprintf(buf, n, "http://127.0.0.1:%d", s->port);
}

typedef struct meta {
    char etag[40];
    char modified[40];
} meta;

static void add_headers(struct MHD_Response *r, const char *ctype, const meta *m)
{
    MHD_add_response_header(r, "X-Citytwin-Simulated", "1");
    if (ctype) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (m && m->etag[0]) MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, m->etag);
    if (m && m->modified[0]) MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, m->modified);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
}

static void meta_of(fs_server *s, const char *body, size_t len, double now_s, meta *m)
{
    snprintf(m->etag, sizeof m->etag, "\"fs-%016llx\"", (unsigned long long)fnv1a(body, len));
    double tick_start = floor(now_s / s->sim.tick_s) * s->sim.tick_s;
    http_date(tick_start, m->modified, sizeof m->modified);
}

/* Queues a copy of body; returns MHD's verdict. */
static enum MHD_Result send_buffer(struct MHD_Connection *c, int status, const char *ctype,
                                   const char *body, size_t len, const meta *m, const fs_doc *extra)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    add_headers(r, ctype, m);
    for (int k = 0; extra && k < extra->nheaders; k++)
        MHD_add_response_header(r, extra->hname[k], extra->hvalue[k]);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Queues doc's body itself (no copy: the bulk document is 22 MB); MHD
 * frees it once sent. */
static enum MHD_Result send_doc(struct MHD_Connection *c, fs_doc *doc, const meta *m)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(doc->len, doc->body, MHD_RESPMEM_MUST_FREE);
    if (!r) return MHD_NO;
    doc->body = NULL; /* the response's now */
    add_headers(r, doc->content_type, m);
    for (int k = 0; k < doc->nheaders; k++)
        MHD_add_response_header(r, doc->hname[k], doc->hvalue[k]);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)doc->status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_text(fs_server *s, struct MHD_Connection *c, int status,
                                 const char *ctype, const char *text, double now_s)
{
    meta m;
    meta_of(s, text, strlen(text), now_s, &m);
    return send_buffer(c, status, ctype, text, strlen(text), &m, NULL);
}

/* ---- streamed bodies (slow, truncated, huge) ---- */

typedef struct stream {
    fs_server *srv;
    fs_fault mode;
    char *body; /* slow / truncated: the document */
    uint64_t len;
    uint64_t cut; /* truncated: bytes actually sent */
} stream;

static bool server_stopping(fs_server *s)
{
    pthread_mutex_lock(&s->lock);
    bool st = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return st;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *st = cls;
    if (st->mode == FS_FAULT_SLOW) {
        if (server_stopping(st->srv)) return MHD_CONTENT_READER_END_WITH_ERROR;
        tw_time_sleep_s(st->srv->slow_interval_ms / 1000.0);
        size_t n = st->srv->slow_bytes;
        if (n > max) n = max;
        if (n > st->len - pos) n = (size_t)(st->len - pos);
        memcpy(buf, st->body + pos, n);
        return (ssize_t)n;
    }
    if (st->mode == FS_FAULT_TRUNCATED) {
        if (pos >= st->cut) return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = max;
        if (n > st->cut - pos) n = (size_t)(st->cut - pos);
        memcpy(buf, st->body + pos, n);
        return (ssize_t)n;
    }
    /* huge: a JSON-looking array of filler records, never closed properly
     * before the size is reached. */
    if (server_stopping(st->srv)) return MHD_CONTENT_READER_END_WITH_ERROR;
    static const char rec[] =
        "{\"id\":\"urn:ngsi-ld:Filler:0\",\"simulated\":true,\"pad\":\"xx\"},";
    size_t rl = sizeof rec - 1;
    size_t n = max;
    if (n > st->len - pos) n = (size_t)(st->len - pos);
    for (size_t k = 0; k < n; k++) {
        uint64_t at = pos + k;
        buf[k] = at == 0 ? '[' : rec[(at - 1) % rl];
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream *st = cls;
    free(st->body);
    free(st);
}

static enum MHD_Result send_stream(fs_server *s, struct MHD_Connection *c, fs_fault mode,
                                   fs_doc *doc, const meta *m)
{
    stream *st = calloc(1, sizeof *st);
    if (!st) return MHD_NO;
    st->srv = s;
    st->mode = mode;
    const char *ctype = "application/json";
    if (mode == FS_FAULT_HUGE) {
        st->len = s->huge_bytes;
    } else {
        st->body = doc->body; /* taken */
        doc->body = NULL;
        st->len = doc->len;
        st->cut = doc->len / 2;
        ctype = doc->content_type;
    }
    size_t block = mode == FS_FAULT_SLOW ? (s->slow_bytes ? s->slow_bytes : 1) : 64 * 1024;
    struct MHD_Response *r =
        MHD_create_response_from_callback(st->len, block, stream_read, st, stream_free);
    if (!r) {
        stream_free(st);
        return MHD_NO;
    }
    add_headers(r, ctype, m);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

/* ---- control ---- */

static json_object *state_json(fs_server *s)
{
    json_object *o = json_object_new_object(), *faults = json_object_new_array(),
                *modes = json_object_new_array();
    pthread_mutex_lock(&s->lock);
    for (int k = 0; k < s->nrules; k++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "path", json_object_new_string(s->rules[k].prefix));
        json_object_object_add(r, "mode", json_object_new_string(fs_fault_name(s->rules[k].mode)));
        json_object_array_add(faults, r);
    }
    unsigned long requests = s->requests;
    pthread_mutex_unlock(&s->lock);
    for (int k = 0; k < FS_FAULT_COUNT; k++)
        json_object_array_add(modes, json_object_new_string(fs_fault_name((fs_fault)k)));
    json_object_object_add(o, "simulated", json_object_new_boolean(true));
    json_object_object_add(o, "seed", json_object_new_int64((int64_t)s->sim.seed));
    json_object_object_add(o, "time", json_object_new_double(fs_clock_now(&s->clock)));
    json_object_object_add(o, "frozen", json_object_new_boolean(fs_clock_frozen(&s->clock)));
    json_object_object_add(o, "tick_s", json_object_new_double(s->sim.tick_s));
    json_object_object_add(o, "requests", json_object_new_int64((int64_t)requests));
    json_object_object_add(o, "faults", faults);
    json_object_object_add(o, "modes", modes);
    return o;
}

static enum MHD_Result send_json(fs_server *s, struct MHD_Connection *c, int status, json_object *o)
{
    const char *text =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    enum MHD_Result r =
        send_text(s, c, status, "application/json", text ? text : "{}", fs_clock_now(&s->clock));
    json_object_put(o);
    return r;
}

static enum MHD_Result control_error(fs_server *s, struct MHD_Connection *c, int status,
                                     const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(msg));
    return send_json(s, c, status, o);
}

static enum MHD_Result handle_control(fs_server *s, struct MHD_Connection *c, const char *url,
                                      const char *method)
{
    const char *what = url + strlen(CONTROL_PREFIX);
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(what, "state") == 0) {
        if (strcmp(method, "GET") != 0) return control_error(s, c, 405, "use GET");
        return send_json(s, c, 200, state_json(s));
    }
    if (strcmp(what, "fault") == 0) {
        if (!post) return control_error(s, c, 405, "use POST");
        fs_fault mode;
        const char *name = conn_arg(c, "mode");
        if (!fs_fault_parse(name, &mode)) return control_error(s, c, 400, "unknown fault mode");
        const char *path = conn_arg(c, "path");
        pthread_mutex_lock(&s->lock);
        tw_result r = rules_set(s, path, mode);
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        if (r != TW_OK) return control_error(s, c, 400, "too many fault rules or path too long");
        TW_INFO(TAG, "fault %s on %s", fs_fault_name(mode), path && path[0] ? path : "every path");
        return send_json(s, c, 200, state_json(s));
    }
    if (strcmp(what, "time") == 0) {
        if (!post) return control_error(s, c, 405, "use POST");
        const char *t = conn_arg(c, "t"), *fr = conn_arg(c, "frozen");
        char *end = NULL;
        double v = t ? strtod(t, &end) : 0;
        if (!t || end == t || *end || !isfinite(v)) return control_error(s, c, 400, "bad t");
        fs_clock_set(&s->clock, v, !fr || strcmp(fr, "0") != 0);
        return send_json(s, c, 200, state_json(s));
    }
    return control_error(s, c, 404, "unknown control path");
}

/* ---- requests ---- */

/* Waits while the path's fault is hang; false when the connection should be
 * dropped (cap reached or the server stopping). */
static bool wait_hang(fs_server *s, const char *url, fs_fault *mode)
{
    double until = tw_time_mono_s() + s->hang_cap_s;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping && (*mode = rules_match(s, url)) == FS_FAULT_HANG) {
        double left = until - tw_time_mono_s();
        if (left <= 0) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double step = left < 0.5 ? left : 0.5;
        ts.tv_sec += (time_t)step;
        ts.tv_nsec += (long)((step - floor(step)) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->changed, &s->lock, &ts);
    }
    bool go_on = !s->stopping && *mode != FS_FAULT_HANG;
    pthread_mutex_unlock(&s->lock);
    return go_on;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    fs_server *s = cls;
    if (!*con_cls) { /* first call: headers only; mark the request as seen */
        *con_cls = s;
        return MHD_YES;
    }
    if (*upload_data_size) { /* request bodies are not used: drop them */
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->lock);
    s->requests++;
    fs_fault mode = rules_match(s, url);
    pthread_mutex_unlock(&s->lock);
    TW_DEBUG(TAG, "%s %s (fault %s)", method, url, fs_fault_name(mode));

    if (strncmp(url, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) == 0)
        return handle_control(s, c, url, method);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_text(s, c, 405, "application/json", "{\"error\":\"method not allowed\"}",
                         fs_clock_now(&s->clock));
    if (mode == FS_FAULT_HANG && !wait_hang(s, url, &mode)) return MHD_NO;

    double now = fs_clock_now(&s->clock);
    char base[160];
    base_url(s, c, base, sizeof base);
    switch (mode) {
    case FS_FAULT_500:
        return send_text(s, c, 500, "application/json",
                         "{\"error\":\"simulated internal server error\"}", now);
    case FS_FAULT_503:
    case FS_FAULT_503_DATE: {
        const char *t = "{\"error\":\"simulated service unavailable\"}";
        meta m;
        meta_of(s, t, strlen(t), now, &m);
        fs_doc extra = {.nheaders = 1};
        snprintf(extra.hname[0], sizeof extra.hname[0], "Retry-After");
        if (mode == FS_FAULT_503_DATE) { /* the other form RFC 9110 allows */
            time_t at = time(NULL) + 8;
            struct tm tm;
            gmtime_r(&at, &tm);
            strftime(extra.hvalue[0], sizeof extra.hvalue[0], "%a, %d %b %Y %H:%M:%S GMT", &tm);
        } else {
            snprintf(extra.hvalue[0], sizeof extra.hvalue[0], "5");
        }
        return send_buffer(c, 503, "application/json", t, strlen(t), &m, &extra);
    }
    case FS_FAULT_WRONGTYPE:
        return send_text(s, c, 200, "text/html; charset=utf-8",
                         "<!DOCTYPE html>\n<html><head><title>점검 중</title></head><body>"
                         "<h1>서비스 점검 중입니다</h1><p>citytwin-feedsim: simulated "
                         "maintenance page</p></body></html>\n",
                         now);
    case FS_FAULT_REDIRECT: {
        fs_doc extra = {.nheaders = 1};
        snprintf(extra.hname[0], sizeof extra.hname[0], "Location");
        size_t nb = strlen(base), nu = strlen(url);
        if (nb + nu >= sizeof extra.hvalue[0]) nu = 0; /* an over-long path loops on "/" */
        memcpy(extra.hvalue[0], base, nb);
        memcpy(extra.hvalue[0] + nb, nu ? url : "/", nu ? nu : 1);
        extra.hvalue[0][nb + (nu ? nu : 1)] = '\0';
        const char *t = "{\"redirect\":\"loop\"}";
        meta m;
        meta_of(s, t, strlen(t), now, &m);
        return send_buffer(c, 302, "application/json", t, strlen(t), &m, &extra);
    }
    case FS_FAULT_HUGE: {
        meta m = {0};
        snprintf(m.etag, sizeof m.etag, "\"fs-huge-%llu\"", (unsigned long long)s->huge_bytes);
        return send_stream(s, c, mode, NULL, &m);
    }
    default:
        break;
    }

    fs_req req = {.path = url,
                  .arg = conn_arg,
                  .ctx = c,
                  .base_url = base,
                  .accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept")};
    fs_doc doc;
    if (fs_docs_render(&s->docs, now, &req, &doc) != TW_OK) {
        fs_doc_free(&doc);
        return MHD_NO;
    }
    meta m;
    meta_of(s, doc.body, doc.len, now, &m);
    enum MHD_Result ok;
    if (mode == FS_FAULT_SLOW || mode == FS_FAULT_TRUNCATED) {
        ok = send_stream(s, c, mode, &doc, &m);
    } else if (mode == FS_FAULT_MALFORMED) {
        /* The first half of the real document, then bytes no parser accepts. */
        static const char junk[] = ",]}{\"";
        size_t half = doc.len / 2, j = sizeof junk - 1;
        if (j > doc.len - half) j = doc.len - half;
        memcpy(doc.body + half, junk, j);
        size_t n = half + j;
        meta_of(s, doc.body, n, now, &m);
        ok = send_buffer(c, 200, doc.content_type, doc.body, n, &m, NULL);
    } else {
        const char *inm =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
        if (doc.status == 200 && inm && (strstr(inm, m.etag) || strcmp(inm, "*") == 0))
            ok = send_buffer(c, 304, NULL, "", 0, &m, NULL);
        else
            ok = send_doc(c, &doc, &m);
    }
    fs_doc_free(&doc);
    return ok;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    tw_logv(TW_LOG_WARN, TAG, fmt, ap);
}

tw_result fs_server_start(const fs_server_desc *d, fs_server **out)
{
    *out = NULL;
    if (d->port < 0 || d->port > 65535) return TW_ERR_ARG;
    fs_server *s = calloc(1, sizeof *s);
    if (!s) return TW_ERR_NOMEM;
    s->sim.seed = d->seed ? d->seed : 1;
    s->sim.tick_s = d->tick_s > 0 ? d->tick_s : 10.0;
    double start = d->start_s > 0 ? d->start_s : tw_time_wall_s();
    fs_clock_init(&s->clock, start, d->frozen, s->sim.tick_s);
    snprintf(s->api_key, sizeof s->api_key, "%s", d->api_key ? d->api_key : "citytwin");
    s->docs = (fs_docs_cfg){.sim = &s->sim, .api_key = s->api_key, .bulk_sensors = d->bulk_sensors};
    s->hang_cap_s = d->hang_cap_s > 0 ? d->hang_cap_s : 120.0;
    s->slow_bytes = d->slow_bytes ? d->slow_bytes : 64;
    s->slow_interval_ms = d->slow_interval_ms > 0 ? d->slow_interval_ms : 100;
    s->huge_bytes = d->huge_bytes ? d->huge_bytes : 64ull << 20;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->changed, NULL);
    if (d->fault != FS_FAULT_NONE) rules_set(s, d->fault_path, d->fault);
    fs_docs_init();

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)d->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                             MHD_USE_ERROR_LOG | MHD_USE_POLL,
                         0, NULL, NULL, handle, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS, MHD_OPTION_END);
    if (!s->daemon) {
        TW_ERROR(TAG, "cannot listen on 127.0.0.1:%d", d->port);
        fs_server_stop(s);
        return TW_ERR_NET;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : d->port;
    *out = s;
    return TW_OK;
}

int fs_server_port(const fs_server *s)
{
    return s->port;
}

void fs_server_stop(fs_server *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    if (s->daemon) MHD_stop_daemon(s->daemon);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    fs_clock_destroy(&s->clock);
    free(s);
}
