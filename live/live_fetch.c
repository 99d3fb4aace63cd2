/* The live thread: a curl_multi_poll loop over all feeds, parse on this
 * thread, post whole results to the hand-off queue. The main thread only
 * adds and removes feeds (under the lock, with curl_multi_wakeup); the feed
 * structs are otherwise the thread's, and freed by it (or, once it stopped,
 * by whoever stopped it). */
#define _GNU_SOURCE /* pthread_setname_np, gettid */
#include "live_fetch.h"

#include "live_pages.h"
#include "live_record.h"
#include "live_sta_follow.h"
#include "tw_log.h"
#include "tw_pace.h"
#include "tw_time.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

#define LIVE__MAX_FEEDS     64
#define LIVE__BACKOFF_CAP_S 60.0
#define LIVE__MAX_PAGES     200 /* per fetch, for formats that page by link or range */
/* A request that reaches its total timeout while its body still comes
 * (bytes in, the low-speed limit not hit: a large body on a slow or busy
 * link, not a dead server) gets twice the time on the next, up to this,
 * unless the scene set timeout_s. */
#define LIVE__TIMEOUT_GROW_CAP_S 300.0

typedef struct live__feed {
    uint32_t id;
    bool removed; /* set by the main thread; the thread frees it */
    char *url, *label, *value, *id_field, *name_field;
    struct curl_slist *headers;
    live_format format;
    live_options opt;
    double poll_s, connect_s, timeout_s;
    double timeout_now; /* the total timeout of the next request (grows, above) */
    bool timeout_given; /* the scene's: never grown */
    size_t max_bytes;
    int page_size;
    tw_pool *pool;
    tw_token *token;
    tw_job_done_fn done;
    void *user;
    /* the thread's */
    CURL *easy;
    struct curl_slist *req_headers;
    char *buf;
    size_t len, cap;
    bool toobig;
    char etag[256], last_mod[128], new_etag[256], new_lm[128];
    long long results_count; /* NGSILD-Results-Count, -1 none */
    double retry_after;      /* Retry-After seconds of the last answer, 0 none */
    char *pages;             /* NGSI-LD: the array members gathered so far */
    size_t pages_len;
    long long offset;
    bool paged, multi_page_last;
    char *next_url;       /* SensorThings / Seoul: the next page, NULL: the first */
    tw_obs_snapshot *acc; /* their pages merged so far */
    live_idset ids;
    int pages_done;
    long duplicates;
    double next_at, started_at;
    int failures;
    long fetches;
    unsigned rng;
    char errbuf[CURL_ERROR_SIZE];
    live_rec *rec;                /* recording to, or replaying from; NULL: neither */
    live_sta_follow *follow;      /* SensorThings: separate requests under way */
    tw_obs_snapshot *follow_snap; /* the Things list they complete */
    double added_at;              /* when the feed was added (recorded times count from it) */
    char rec_error[300];          /* replay: why there is nothing to play; posted once */
} live__feed;

/* The module's state: one thread, one multi handle, the feed slots. */
static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    bool running, quit;
    CURLM *multi;
    live__feed *feeds[LIVE__MAX_FEEDS];
    int count;
    uint32_t gen;
    bool curl_ready;
} live__g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const char *const live__format_names[LIVE_FORMAT_COUNT] = {"geojson", "ngsi-ld",
                                                                  "sensorthings", "seoul-openapi"};

const char *live_format_name(live_format f)
{
    return f >= 0 && f < LIVE_FORMAT_COUNT ? live__format_names[f] : "?";
}

bool live_format_from_name(const char *name, live_format *out)
{
    for (int i = 0; name && i < LIVE_FORMAT_COUNT; i++)
        if (strcmp(name, live__format_names[i]) == 0) return *out = (live_format)i, true;
    return false;
}

void live_fetch_result_free(live_fetch_result *r)
{
    if (!r) return;
    tw_obs_free(r->snap);
    free(r);
}

static char *live__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void live__feed_free(live__feed *f)
{
    if (!f) return;
    if (f->easy) {
        if (live__g.multi) curl_multi_remove_handle(live__g.multi, f->easy);
        curl_easy_cleanup(f->easy);
    }
    curl_slist_free_all(f->req_headers);
    curl_slist_free_all(f->headers);
    if (f->token) tw_token_release(f->token);
    free(f->url);
    free(f->label);
    free(f->value);
    free(f->id_field);
    free(f->name_field);
    free(f->buf);
    free(f->pages);
    free(f->next_url);
    tw_obs_free(f->acc);
    free(f->ids.slot);
    live_rec_close(f->rec);
    live_sta_follow_free(f->follow);
    tw_obs_free(f->follow_snap);
    free(f);
}

/* ---- callbacks (on the thread, inside curl_multi_perform) ---- */

static size_t live__write(char *data, size_t size, size_t n, void *user)
{
    live__feed *f = user;
    size_t add = size * n;
    if (f->len + add > f->max_bytes) {
        f->toobig = true;
        return 0; /* aborts the transfer */
    }
    if (f->len + add + 1 > f->cap) {
        size_t cap = f->cap ? f->cap : 16384;
        while (cap < f->len + add + 1) cap *= 2;
        char *b = realloc(f->buf, cap);
        if (!b) return 0;
        f->buf = b, f->cap = cap;
    }
    memcpy(f->buf + f->len, data, add);
    f->len += add;
    f->buf[f->len] = '\0';
    return add;
}

/* Copies a header's value (trimmed) into out when the line is that header. */
static bool live__header(const char *line, size_t n, const char *name, char *out, size_t outn)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':') return false;
    const char *v = line + k + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    size_t len = (size_t)(end - v);
    if (len >= outn) return true; /* too long to keep: not kept */
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

static size_t live__on_header(char *data, size_t size, size_t n, void *user)
{
    live__feed *f = user;
    size_t len = size * n;
    char num[32];
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) { /* a new response (redirects) */
        f->new_etag[0] = f->new_lm[0] = '\0';
        f->results_count = -1;
        f->retry_after = 0;
    } else if (live__header(data, len, "Retry-After", num, sizeof num)) {
        /* Seconds, or an HTTP date (RFC 9110 allows both). */
        char *end;
        double secs = strtod(num, &end);
        if (end == num || *end) {
            time_t at = curl_getdate(num, NULL);
            secs = at > 0 ? (double)at - tw_time_wall_s() : 0;
        }
        f->retry_after = fmax(secs, 0);
    } else if (live__header(data, len, "NGSILD-Results-Count", num, sizeof num)) {
        f->results_count = atoll(num);
    } else if (!live__header(data, len, "ETag", f->new_etag, sizeof f->new_etag)) {
        live__header(data, len, "Last-Modified", f->new_lm, sizeof f->new_lm);
    }
    return len;
}

/* ---- requests ---- */

static bool live__has_param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t k = strlen(name);
    for (const char *p = q; p; p = strchr(p + 1, '&'))
        if (strncmp(p + 1, name, k) == 0 && p[1 + k] == '=') return true;
    return false;
}

static bool live__start(live__feed *f, double now)
{
    if (live_rec_replaying()) { /* the recording answers, on its own schedule */
        if (f->offset == 0 && !f->next_url) f->started_at = now;
        return true;
    }
    char *url = f->next_url ? f->next_url : f->url, *paged_url = NULL;
    if (f->follow) url = (char *)live_sta_follow_url(f->follow);
    if (!url) return false;
    if (f->paged && !f->follow) {
        size_t n = strlen(f->url) + 96;
        paged_url = malloc(n);
        if (!paged_url) return false;
        snprintf(paged_url, n, "%s%climit=%d&offset=%lld&count=true", f->url,
                 strchr(f->url, '?') ? '&' : '?', f->page_size, f->offset);
        url = paged_url;
    }
    CURL *e = curl_easy_init();
    if (!e) return free(paged_url), false;
    curl_slist_free_all(f->req_headers);
    f->req_headers = NULL;
    bool ok = true;
    for (struct curl_slist *h = f->headers; h && ok; h = h->next)
        ok = (f->req_headers = curl_slist_append(f->req_headers, h->data)) != NULL;
    /* Conditional only for a whole document: a paged answer's first page
     * says nothing of the others. */
    bool first = f->offset == 0 && !f->next_url && !f->follow;
    if (ok && first && !f->multi_page_last) {
        char line[300];
        if (f->etag[0]) {
            snprintf(line, sizeof line, "If-None-Match: %s", f->etag);
            ok = (f->req_headers = curl_slist_append(f->req_headers, line)) != NULL;
        } else if (f->last_mod[0]) {
            snprintf(line, sizeof line, "If-Modified-Since: %s", f->last_mod);
            ok = (f->req_headers = curl_slist_append(f->req_headers, line)) != NULL;
        }
    }
    f->len = 0;
    f->toobig = false;
    f->errbuf[0] = f->new_etag[0] = f->new_lm[0] = '\0';
    f->results_count = -1;
    f->retry_after = 0;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, f);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, live__write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, live__on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->req_headers);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(f->connect_s * 1000));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(f->timeout_now * 1000));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 16L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)fmax(f->timeout_s / 2, 2));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_bytes);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "citytwin/0.1");
    free(paged_url);
    if (!ok || curl_multi_add_handle(live__g.multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        return false;
    }
    f->easy = e;
    if (first) f->started_at = now;
    return true;
}

static void live__post(live__feed *f, live_fetch_result *r)
{
    r->user = f->user;
    r->wall_at = tw_time_wall_s();
    r->fetches = f->fetches;
    r->retry_in_s = f->next_at - tw_time_mono_s();
    tw_job_desc d = {.job = r, .done = f->done, .token = f->token};
    if (tw_pool_submit(f->pool, &d) != TW_OK) live_fetch_result_free(r);
}

static void live__fail(live__feed *f, live_fetch_result *r, double now)
{
    f->failures++;
    double base = f->poll_s * pow(2.0, f->failures < 16 ? f->failures : 16);
    double jitter = 0.75 + 0.5 * (rand_r(&f->rng) / (double)RAND_MAX);
    double wait = fmax(fmin(base, LIVE__BACKOFF_CAP_S) * jitter, f->poll_s);
    /* A server that says when to come back (503, 429) is not asked sooner. */
    if ((r->http_status == 503 || r->http_status == 429) && f->retry_after > 0)
        wait = fmax(wait, fmin(f->retry_after, LIVE__BACKOFF_CAP_S));
    f->next_at = now + wait;
    f->offset = 0;
    f->pages_len = 0;
    free(f->next_url);
    f->next_url = NULL;
    tw_obs_free(f->acc);
    f->acc = NULL;
    f->pages_done = 0;
    live_sta_follow_free(f->follow);
    f->follow = NULL;
    tw_obs_free(f->follow_snap);
    f->follow_snap = NULL;
    TW_DEBUG("live", "%s: %s (retry in %.1f s)", f->label, r->error, f->next_at - now);
    live__post(f, r);
}

/* Appends a page's array members to the pages gathered. */
static bool live__gather(live__feed *f)
{
    const char *a = memchr(f->buf, '[', f->len), *b = f->buf + f->len;
    while (b > f->buf && b[-1] != ']') b--;
    if (!a || b <= a + 1) return false;
    size_t n = (size_t)(b - 1 - (a + 1));
    char *p = realloc(f->pages, f->pages_len + n + 3);
    if (!p) return false;
    f->pages = p;
    if (f->pages_len && n) p[f->pages_len++] = ',';
    memcpy(p + f->pages_len, a + 1, n);
    f->pages_len += n;
    return true;
}

static tw_result live__parse(live__feed *f, const char *buf, size_t len, tw_obs_snapshot **snap,
                             live_paging *pg, char *err, size_t errlen)
{
    switch (f->format) {
    case LIVE_FORMAT_GEOJSON:
        return live_geojson_parse(buf, len, &f->opt, snap, err, errlen);
    case LIVE_FORMAT_NGSILD:
        return live_ngsild_parse(buf, len, &f->opt, snap, err, errlen);
    case LIVE_FORMAT_SEOUL:
        return live_seoul_parse(buf, len, &f->opt, snap, pg, err, errlen);
    case LIVE_FORMAT_STA: {
        /* finished once complete (live__sta_complete) */
        return live_sta_things(buf, len, &f->opt, snap, pg, err, errlen);
    }
    default:
        snprintf(err, errlen, "unknown format");
        return TW_ERR_ARG;
    }
}

/* Starts the next separate request; on failure the fetch fails. */
static void live__follow_next(live__feed *f, live_fetch_result *r, double now)
{
    if (live__start(f, now)) {
        free(r);
        return;
    }
    snprintf(r->error, sizeof r->error, "cannot start a SensorThings request");
    live__fail(f, r, now);
}

/* SensorThings: a complete Things list still missing places or values gets
 * its separate requests (true: started, the result waits for them); else
 * it is finished here. */
static bool live__sta_complete(live__feed *f, live_fetch_result **rp, double now)
{
    live_fetch_result *r = *rp;
    live_sta_follow *fo = live_sta_follow_begin(r->snap, f->url);
    if (!fo) {
        live_sta_finish(r->snap, &f->opt);
        return false;
    }
    f->follow = fo, f->follow_snap = r->snap;
    r->snap = NULL;
    live__follow_next(f, r, now);
    return true;
}

/* The answer to one separate SensorThings request. */
static void live__follow_answer(live__feed *f, live_fetch_result *r, long status, double now)
{
    if (status != 200 && status != 0) {
        snprintf(r->error, sizeof r->error, "HTTP %ld for %.200s", status,
                 live_sta_follow_what(f->follow));
        return live__fail(f, r, now);
    }
    if (live_sta_follow_take(f->follow, f->buf ? f->buf : "", f->len, r->error, sizeof r->error) !=
        TW_OK)
        return live__fail(f, r, now);
    if (live_sta_follow_url(f->follow)) return live__follow_next(f, r, now);
    r->snap = f->follow_snap;
    f->follow_snap = NULL;
    live_sta_follow_free(f->follow);
    f->follow = NULL;
    live_sta_finish(r->snap, &f->opt);
    /* The Things list may not change while its Observations do: asked
     * again in full each time. */
    f->etag[0] = f->last_mod[0] = '\0';
    r->success = true;
    f->failures = 0;
    f->next_at = fmax(now, f->started_at + f->poll_s);
    live__post(f, r);
}

/* A response, from the network or a recording: status, the transfer's
 * error (NULL: none) and the body in f->buf / f->len. */
static void live__complete(live__feed *f, long status, const char *xfer_error, double now)
{
    f->fetches++;
    live_fetch_result *r = calloc(1, sizeof *r);
    if (!r) {
        f->next_at = now + f->poll_s;
        return;
    }
    r->http_status = status;
    if (xfer_error) {
        snprintf(r->error, sizeof r->error, "%s", xfer_error);
        return live__fail(f, r, now);
    }
    if (f->follow) return live__follow_answer(f, r, status, now);
    if (status == 304) {
        r->success = r->not_modified = true;
        f->failures = 0;
        f->next_at = fmax(now, f->started_at + f->poll_s);
        return live__post(f, r);
    }
    if (status != 200 && status != 0) { /* 0: file:// */
        snprintf(r->error, sizeof r->error, "HTTP %ld", status);
        return live__fail(f, r, now);
    }
    const char *body = f->buf ? f->buf : "";
    size_t body_len = f->len;
    if (f->paged) {
        if (!live__gather(f)) {
            snprintf(r->error, sizeof r->error, "page at offset %lld is not a JSON array",
                     f->offset);
            return live__fail(f, r, now);
        }
        long long next = f->offset + f->page_size;
        if (f->results_count > next && f->pages_len < f->max_bytes) {
            if (f->offset == 0) snprintf(f->etag, sizeof f->etag, "%s", "");
            f->offset = next;
            free(r);
            if (!live__start(f, now)) {
                f->offset = 0, f->pages_len = 0;
                f->next_at = now + f->poll_s;
            }
            return;
        }
        f->multi_page_last = f->offset != 0;
        f->offset = 0;
        f->pages[f->pages_len] = ']';
        /* The gathered members, as one array: "[" + members + "]". */
        char *doc = malloc(f->pages_len + 3);
        if (!doc)
            return snprintf(r->error, sizeof r->error, "out of memory"), live__fail(f, r, now);
        doc[0] = '[';
        memcpy(doc + 1, f->pages, f->pages_len + 1);
        doc[f->pages_len + 2] = '\0';
        f->pages_len = 0;
        tw_result pr = live__parse(f, doc, strlen(doc), &r->snap, NULL, r->error, sizeof r->error);
        free(doc);
        if (pr != TW_OK) return live__fail(f, r, now);
    } else {
        tw_obs_snapshot *page = NULL;
        live_paging pg = {.count = -1};
        if (live__parse(f, body, body_len, &page, &pg, r->error, sizeof r->error) != TW_OK)
            return live__fail(f, r, now);
        char *next = live_pages_next(f->format, f->next_url ? f->next_url : f->url, page, &pg);
        if (!next && !f->acc) {
            r->snap = page; /* one page: as it came */
            f->multi_page_last = false;
        } else {
            if (!f->acc) {
                f->acc = tw_obs_create(&f->opt.limits);
                f->ids.n = 0;
                if (f->ids.slot) memset(f->ids.slot, 0, f->ids.cap * sizeof *f->ids.slot);
            }
            bool merged = f->acc && live_pages_merge(f->acc, &f->ids, &f->duplicates, page);
            tw_obs_free(page);
            if (!merged) {
                free(next);
                snprintf(r->error, sizeof r->error, "out of memory");
                return live__fail(f, r, now);
            }
            if (next && ++f->pages_done < LIVE__MAX_PAGES) {
                free(f->next_url);
                f->next_url = next;
                free(r);
                if (live__start(f, now)) return;
                r = calloc(1, sizeof *r);
                if (!r) return (void)(f->next_at = now + f->poll_s);
                snprintf(r->error, sizeof r->error, "out of memory");
                return live__fail(f, r, now);
            }
            free(next);
            r->snap = f->acc;
            r->duplicates = f->duplicates;
            f->acc = NULL;
            f->multi_page_last = true;
            free(f->next_url);
            f->next_url = NULL;
            f->pages_done = 0;
            f->duplicates = 0;
        }
    }
    if (f->format == LIVE_FORMAT_STA && r->snap && live__sta_complete(f, &r, now)) return;
    snprintf(f->etag, sizeof f->etag, "%s", f->new_etag);
    snprintf(f->last_mod, sizeof f->last_mod, "%s", f->new_lm);
    r->success = true;
    f->failures = 0;
    f->next_at = fmax(now, f->started_at + f->poll_s);
    live__post(f, r);
}

static void live__finished(live__feed *f, CURLcode rc, double now)
{
    long status = 0;
    curl_off_t us = 0;
    curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(f->easy, CURLINFO_TOTAL_TIME_T, &us);
    curl_multi_remove_handle(live__g.multi, f->easy);
    curl_easy_cleanup(f->easy);
    f->easy = NULL;
    char error[256] = "";
    if (rc != CURLE_OK) {
        if (f->toobig || rc == CURLE_FILESIZE_EXCEEDED)
            snprintf(error, sizeof error, "response over %zu bytes", f->max_bytes);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            snprintf(error, sizeof error, "timeout");
        else
            snprintf(error, sizeof error, "%s", f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
        /* The total timeout (not the low-speed limit, which ends a stall
         * sooner) with the body coming: the next request gets more time. */
        if (rc == CURLE_OPERATION_TIMEDOUT && f->len > 0 && !f->timeout_given &&
            f->timeout_now < LIVE__TIMEOUT_GROW_CAP_S &&
            us >= (curl_off_t)(f->timeout_now * 0.95e6)) {
            double was = f->timeout_now;
            f->timeout_now = fmin(2 * was, LIVE__TIMEOUT_GROW_CAP_S);
            TW_INFO("live",
                    "%s: %.0f s were not enough for the body (%zu bytes had come); "
                    "the next requests may take %.0f s",
                    f->label, was, f->len, f->timeout_now);
        }
    }
    live_rec_write(f->rec, now - f->added_at, status, f->results_count, error,
                   rc == CURLE_OK ? f->buf : NULL, f->len);
    live__complete(f, status, error[0] ? error : NULL, now);
}

/* Replay: the recorded responses now due, in order, as if they came. */
static void live__replay(live__feed *f, double now)
{
    if (!f->rec) {
        if (!f->rec_error[0]) return;
        live_fetch_result *r = calloc(1, sizeof *r);
        if (r) {
            snprintf(r->error, sizeof r->error, "%.255s", f->rec_error);
            f->next_at = now + 3600;
            live__post(f, r);
        }
        f->rec_error[0] = '\0';
        return;
    }
    const live_rec_entry *e;
    while ((e = live_rec_next(f->rec, now - f->added_at))) {
        if (e->len + 1 > f->cap) {
            char *b = realloc(f->buf, e->len + 1);
            if (!b) return;
            f->buf = b, f->cap = e->len + 1;
        }
        memcpy(f->buf, e->body, e->len + 1);
        f->len = e->len;
        f->results_count = e->results_count;
        f->retry_after = 0;
        live__complete(f, e->status, e->error[0] ? e->error : NULL, now);
    }
}

/* ---- the thread ---- */

void live_thread_background(const char *name, bool network)
{
#ifdef __linux__
    /* Per thread on Linux (PRIO_PROCESS with a thread id); raising it
     * again needs a privilege, so it is for threads that stay background. */
    const char *env = getenv("CITYTWIN_LIVE_NICE"); /* comparisons: 0 as the others */
    int by = env && env[0] ? atoi(env) : LIVE_BACKGROUND_NICE;
    int nice_now = getpriority(PRIO_PROCESS, (id_t)gettid());
    int want = nice_now + (by > 0 ? by : 0);
    if (want != nice_now) setpriority(PRIO_PROCESS, (id_t)gettid(), want > 19 ? 19 : want);
    /* SCHED_IDLE: the thread runs only on a core no normal thread wants
     * (weight 3 against 1024 at nice 0, and any normal thread waking
     * preempts it), so llvmpipe's rasterizer threads never wait for it.
     * No privilege is needed to lower a thread to it. The nice value
     * above stays for where it is refused. */
    const char *sched = getenv("CITYTWIN_LIVE_SCHED");
    bool idle = sched && strcmp(sched, "idle") == 0     ? true
                : sched && strcmp(sched, "prep") == 0   ? !network
                : sched && strcmp(sched, "normal") == 0 ? false
                : network                               ? LIVE_BACKGROUND_IDLE_NET
                                                        : LIVE_BACKGROUND_IDLE_PREP;
    if (idle) {
        struct sched_param sp = {.sched_priority = 0};
        if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
            TW_INFO("live", "%s stays at nice %d (SCHED_IDLE refused)", name, want);
    }
    pthread_setname_np(pthread_self(), name);
#else
    (void)name, (void)network;
#endif
    const char *share = getenv("CITYTWIN_LIVE_SHARE"), *burst = getenv("CITYTWIN_LIVE_BURST_MS");
    tw_pace_setup(share && share[0] ? atof(share) : LIVE_BACKGROUND_SHARE,
                  burst && burst[0] ? atof(burst) : LIVE_BACKGROUND_BURST_MS);
    tw_pace_join();
}

static void *live__main(void *arg)
{
    (void)arg;
    live_thread_background("citytwin-live", true);
    for (;;) {
        double now = tw_time_mono_s(), wait = 1.0;
        pthread_mutex_lock(&live__g.lock);
        if (live__g.quit) {
            pthread_mutex_unlock(&live__g.lock);
            break;
        }
        for (int i = 0; i < LIVE__MAX_FEEDS; i++) {
            live__feed *f = live__g.feeds[i];
            if (!f) continue;
            if (f->removed) {
                live__feed_free(f);
                live__g.feeds[i] = NULL;
                continue;
            }
            if (live_rec_replaying()) {
                live__replay(f, now);
                wait = fmin(wait, 0.05);
                continue;
            }
            if (!f->easy && now >= f->next_at && !live__start(f, now))
                f->next_at = now + f->poll_s; /* out of memory: try later */
            if (!f->easy) wait = fmin(wait, f->next_at - now);
        }
        pthread_mutex_unlock(&live__g.lock);
        int running = 0;
        curl_multi_perform(live__g.multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(live__g.multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            live__feed *f = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
            if (f) live__finished(f, m->data.result, tw_time_mono_s());
        }
        int ms = (int)fmax(fmin(wait, 1.0) * 1000, 0);
        curl_multi_poll(live__g.multi, NULL, 0, ms, NULL);
    }
    return NULL;
}

tw_result live_fetch_add(const live_feed_desc *d, live_feed *out)
{
    *out = (live_feed){0};
    if (!d->url || !d->pool || !d->done || d->format < 0 || d->format >= LIVE_FORMAT_COUNT)
        return TW_ERR_ARG;
    if (!live__g.curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return TW_ERR_NET;
        live__g.curl_ready = true;
    }
    live__feed *f = calloc(1, sizeof *f);
    if (!f) return TW_ERR_NOMEM;
    f->url = live__dup(d->url);
    f->label = live__dup(d->label ? d->label : d->url);
    f->value = live__dup(d->options.value);
    f->id_field = live__dup(d->options.id_field);
    f->name_field = live__dup(d->options.name_field);
    f->opt = (live_options){.value = f->value,
                            .id_field = f->id_field,
                            .name_field = f->name_field,
                            .limits = d->options.limits};
    bool ok = f->url && f->label;
    for (int i = 0; ok && i < d->header_count; i++)
        ok = (f->headers = curl_slist_append(f->headers, d->headers[i])) != NULL;
    f->format = d->format;
    f->poll_s = d->poll_s > 0 ? d->poll_s : 10;
    f->connect_s = d->connect_timeout_s > 0 ? d->connect_timeout_s : 5;
    f->timeout_s = d->timeout_s > 0 ? d->timeout_s : fmin(fmax(2 * f->poll_s, 5), 60);
    f->timeout_now = f->timeout_s;
    f->timeout_given = d->timeout_s > 0;
    f->max_bytes = d->max_bytes ? d->max_bytes : (size_t)64 << 20;
    f->page_size = d->page_size > 0 ? d->page_size : 1000;
    f->paged = f->format == LIVE_FORMAT_NGSILD && !live__has_param(f->url, "limit") &&
               !live__has_param(f->url, "offset");
    f->pool = d->pool;
    f->done = d->done;
    f->user = d->user;
    f->token = d->token ? tw_token_ref(d->token) : NULL;
    f->added_at = tw_time_mono_s();
    if (ok)
        f->rec = live_rec_open(f->label, f->format, f->poll_s, f->rec_error, sizeof f->rec_error);
    if (!ok) {
        live__feed_free(f);
        return TW_ERR_NOMEM;
    }
    pthread_mutex_lock(&live__g.lock);
    int slot = -1;
    for (int i = 0; i < LIVE__MAX_FEEDS && slot < 0; i++)
        if (!live__g.feeds[i]) slot = i;
    tw_result r = slot < 0 ? TW_ERR_TOOBIG : TW_OK;
    if (r == TW_OK && !live__g.running) {
        live__g.multi = curl_multi_init();
        live__g.quit = false;
        if (!live__g.multi || pthread_create(&live__g.thread, NULL, live__main, NULL) != 0) {
            if (live__g.multi) curl_multi_cleanup(live__g.multi);
            live__g.multi = NULL;
            r = TW_ERR_NOMEM;
        } else {
            live__g.running = true;
        }
    }
    if (r == TW_OK) {
        live__g.gen = (live__g.gen + 1) & 0xffffff;
        if (!live__g.gen) live__g.gen = 1;
        f->id = live__g.gen << 8 | (uint32_t)slot;
        f->rng = f->id * 2654435761u;
        live__g.feeds[slot] = f;
        live__g.count++;
        out->id = f->id;
        curl_multi_wakeup(live__g.multi);
    }
    pthread_mutex_unlock(&live__g.lock);
    if (r != TW_OK) live__feed_free(f);
    return r;
}

void live_fetch_remove(live_feed h)
{
    if (!h.id) return;
    uint32_t slot = h.id & 0xff;
    bool stop = false;
    pthread_mutex_lock(&live__g.lock);
    live__feed *f = slot < LIVE__MAX_FEEDS ? live__g.feeds[slot] : NULL;
    if (f && f->id == h.id && !f->removed) {
        f->removed = true;
        live__g.count--;
        stop = live__g.count == 0;
        if (stop) live__g.quit = true;
        curl_multi_wakeup(live__g.multi);
    }
    pthread_mutex_unlock(&live__g.lock);
    if (!stop) return;
    /* The thread leaves its loop at once: it never waits on the network,
     * and a parse in hand finishes unpaced. */
    tw_pace_suspend(true);
    pthread_join(live__g.thread, NULL);
    tw_pace_suspend(false);
    pthread_mutex_lock(&live__g.lock);
    for (int i = 0; i < LIVE__MAX_FEEDS; i++) {
        live__feed_free(live__g.feeds[i]);
        live__g.feeds[i] = NULL;
    }
    curl_multi_cleanup(live__g.multi);
    live__g.multi = NULL;
    live__g.running = false;
    pthread_mutex_unlock(&live__g.lock);
}
