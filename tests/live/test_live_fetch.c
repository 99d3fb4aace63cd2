/* The live thread (live_fetch) against citytwin-feedsim on 127.0.0.1, no GL,
 * so it runs under the sanitizers: a feed's snapshot arrives through the
 * hand-off queue; the next poll is a 304; NGSI-LD pages are gathered into
 * one snapshot, SensorThings by @iot.nextLink and Seoul by /START/END/
 * too, dropping repeated ids; 5xx and timeouts back off (503 no sooner than
 * its Retry-After) and recover; the size cap and the
 * scheme list hold; removing a feed with a request hanging returns at once
 * and its late results are dropped; a live background thread runs at
 * SCHED_IDLE and a higher nice value, as CITYTWIN_LIVE_SCHED says. */
#define _GNU_SOURCE /* SCHED_IDLE, gettid */
#include "live_fetch.h"
#include "tw_feedsim.h"
#include "tw_test.h"
#include "tw_time.h"

#include <curl/curl.h>
#include <json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#endif

#define MAX_RESULTS 64

static tw_feedsim sim;
static tw_pool *pool;
static live_fetch_result *got[MAX_RESULTS];
static int ngot, ncancelled;

static void on_done(void *job, tw_result status)
{
    if (status != TW_OK || ngot >= MAX_RESULTS) {
        ncancelled += status != TW_OK;
        live_fetch_result_free(job);
        return;
    }
    got[ngot++] = job;
}

static void reset(void)
{
    for (int i = 0; i < ngot; i++) live_fetch_result_free(got[i]);
    ngot = 0;
    ncancelled = 0;
}

/* Drains the queue until n results came or timeout_s passed. */
static bool wait_results(int n, double timeout_s)
{
    for (double until = tw_time_mono_s() + timeout_s; ngot < n && tw_time_mono_s() < until;) {
        tw_pool_wait(pool, 0.05);
        tw_pool_drain(pool, 0.05);
    }
    return ngot >= n;
}

static live_feed add(const char *path, live_format format, double poll_s, live_feed_desc extra,
                     tw_token *token)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", strstr(path, "://") ? "" : sim.base, path);
    extra.url = url;
    extra.format = format;
    extra.poll_s = poll_s;
    extra.pool = pool;
    extra.done = on_done;
    extra.token = token;
    live_feed f;
    tw_result r = live_fetch_add(&extra, &f);
    TW_CHECK_MSG(r == TW_OK, "live_fetch_add: %s", tw_result_str(r));
    return f;
}

static long geojson_count(void)
{
    char *b = tw_feedsim_get(&sim, "/geojson/sensors.geojson", NULL, NULL, 0);
    json_object *o = b ? json_tokener_parse(b) : NULL, *f = NULL;
    long n =
        o && json_object_object_get_ex(o, "features", &f) ? (long)json_object_array_length(f) : -1;
    json_object_put(o);
    free(b);
    return n;
}

static void test_snapshot_then_304(void)
{
    reset();
    live_feed f =
        add("/geojson/sensors.geojson", LIVE_FORMAT_GEOJSON, 0.2, (live_feed_desc){0}, NULL);
    TW_CHECK(wait_results(2, 10));
    live_fetch_remove(f);
    TW_CHECK(ngot >= 2);
    if (ngot < 2) return;
    TW_CHECK_MSG(got[0]->success && got[0]->snap, "first: %s", got[0]->error);
    if (got[0]->snap)
        TW_CHECK_MSG(got[0]->snap->entity_count == geojson_count(), "entities %d, served %ld",
                     got[0]->snap->entity_count, geojson_count());
    TW_CHECK_MSG(got[1]->success && got[1]->not_modified && !got[1]->snap,
                 "second: success %d, 304 %d", got[1]->success, got[1]->not_modified);
    TW_CHECK(got[1]->fetches == 2);
}

static void test_ngsild_pages(void)
{
    reset();
    char hv[32];
    free(tw_feedsim_get(&sim, "/ngsi-ld/v1/entities?type=OffStreetParking&limit=1&count=true",
                        "NGSILD-Results-Count", hv, sizeof hv));
    long total = atol(hv);
    TW_CHECK(total > 10);
    live_feed f = add("/ngsi-ld/v1/entities?type=OffStreetParking", LIVE_FORMAT_NGSILD, 5,
                      (live_feed_desc){.page_size = 10}, NULL);
    TW_CHECK(wait_results(1, 10));
    live_fetch_remove(f);
    if (ngot < 1) return;
    TW_CHECK_MSG(got[0]->success && got[0]->snap, "%s", got[0]->error);
    if (got[0]->snap)
        TW_CHECK_MSG(got[0]->snap->entity_count == total, "entities %d of %ld over pages of 10",
                     got[0]->snap->entity_count, total);
}

/* One fetch result (the first) of a feed, then the feed removed. */
static live_fetch_result *one(const char *path, live_format format)
{
    reset();
    live_feed f = add(path, format, 30, (live_feed_desc){0}, NULL);
    TW_CHECK_MSG(wait_results(1, 15), "%s: no result", path);
    live_fetch_remove(f);
    if (ngot < 1) return NULL;
    TW_CHECK_MSG(got[0]->success && got[0]->snap, "%s: %s", path, got[0]->error);
    return got[0]->snap ? got[0] : NULL;
}

static void test_sta_and_seoul_pages(void)
{
    char *b = tw_feedsim_get(&sim, "/sta/v1.1/Things?$top=1&$count=true", NULL, NULL, 0);
    json_object *o = b ? json_tokener_parse(b) : NULL, *v = NULL;
    long things = o && json_object_object_get_ex(o, "@iot.count", &v) ? json_object_get_int(v) : -1;
    json_object_put(o);
    free(b);
    b = tw_feedsim_get(&sim, "/citytwin/json/GetParkInfo/1/1/", NULL, NULL, 0);
    o = b ? json_tokener_parse(b) : NULL;
    long rows = -1;
    json_object *svc = NULL;
    if (o && json_object_object_get_ex(o, "GetParkInfo", &svc) &&
        json_object_object_get_ex(svc, "list_total_count", &v))
        rows = json_object_get_int(v);
    json_object_put(o);
    free(b);
    TW_CHECK_MSG(things > 4 && rows > 10, "served: %ld Things, %ld rows", things, rows);
    /* Things 4 at a time by @iot.nextLink */
    live_fetch_result *r = one("/sta/v1.1/Things?$top=4&$expand=Locations", LIVE_FORMAT_STA);
    if (r)
        TW_CHECK_MSG(r->snap->entity_count == things && r->fetches > 1,
                     "%d Things in %ld requests, served %ld", r->snap->entity_count, r->fetches,
                     things);
    /* Seoul rows 10 at a time: /1/10/, /11/20/, ... */
    r = one("/citytwin/json/GetParkInfo/1/10/", LIVE_FORMAT_SEOUL);
    if (r)
        TW_CHECK_MSG(r->snap->entity_count == rows && r->fetches == (rows + 9) / 10,
                     "%d rows in %ld requests, served %ld", r->snap->entity_count, r->fetches,
                     rows);
}

/* Pages that overlap (an entity moved between requests): the second copy of
 * an id is dropped and counted. file:// pages, as a recorded feed would be. */
static void test_duplicate_ids_dropped(void)
{
    char dir[] = "/tmp/citytwin-live-fetch-XXXXXX", p1[128], p2[128], url[160];
    if (!mkdtemp(dir)) return;
    snprintf(p1, sizeof p1, "%s/p1.json", dir);
    snprintf(p2, sizeof p2, "%s/p2.json", dir);
    const char *thing = "{\"@iot.id\": %d, \"name\": \"t%d\", \"Locations\": [{\"location\": "
                        "{\"type\": \"Point\", \"coordinates\": [126.97, 37.56]}}]}";
    FILE *f = fopen(p1, "w");
    if (f) {
        fprintf(f, "{\"@iot.nextLink\": \"file://%s\", \"value\": [", p2);
        fprintf(f, thing, 1, 1), fputc(',', f), fprintf(f, thing, 2, 2);
        fprintf(f, "]}");
        fclose(f);
    }
    f = fopen(p2, "w");
    if (f) {
        fprintf(f, "{\"value\": [");
        fprintf(f, thing, 2, 2), fputc(',', f), fprintf(f, thing, 3, 3);
        fprintf(f, "]}");
        fclose(f);
    }
    snprintf(url, sizeof url, "file://%s", p1);
    live_fetch_result *r = one(url, LIVE_FORMAT_STA);
    if (r)
        TW_CHECK_MSG(r->snap->entity_count == 3 && r->duplicates == 1, "%d Things, %ld duplicates",
                     r->snap->entity_count, r->duplicates);
    remove(p1);
    remove(p2);
    rmdir(dir);
}

static void test_503_backs_off_and_recovers(void)
{
    reset();
    /* 503 with Retry-After: 5: not asked again sooner */
    TW_CHECK(tw_feedsim_fault(&sim, "503", "/geojson"));
    live_feed f =
        add("/geojson/sensors.geojson", LIVE_FORMAT_GEOJSON, 0.1, (live_feed_desc){0}, NULL);
    TW_CHECK(wait_results(1, 10));
    live_fetch_remove(f);
    if (ngot >= 1)
        TW_CHECK_MSG(!got[0]->success && strcmp(got[0]->error, "HTTP 503") == 0 &&
                         got[0]->http_status == 503 && got[0]->retry_in_s > 4.5,
                     "%s, retry in %g s", got[0]->error, got[0]->retry_in_s);
    /* 503 with Retry-After as an HTTP date 8 s ahead: the same (the date has
     * whole seconds, so 7-8 s) */
    reset();
    TW_CHECK(tw_feedsim_fault(&sim, "503-date", "/geojson"));
    f = add("/geojson/sensors.geojson", LIVE_FORMAT_GEOJSON, 0.1, (live_feed_desc){0}, NULL);
    TW_CHECK(wait_results(1, 10));
    live_fetch_remove(f);
    if (ngot >= 1)
        TW_CHECK_MSG(!got[0]->success && got[0]->http_status == 503 && got[0]->retry_in_s > 6.5 &&
                         got[0]->retry_in_s < 9.5,
                     "%s, retry in %g s", got[0]->error, got[0]->retry_in_s);
    /* 500: plain backoff, 2, 4, 8 x poll_s, each within +-25 % */
    reset();
    TW_CHECK(tw_feedsim_fault(&sim, "500", "/geojson"));
    f = add("/geojson/sensors.geojson", LIVE_FORMAT_GEOJSON, 0.1, (live_feed_desc){0}, NULL);
    TW_CHECK(wait_results(3, 10));
    for (int i = 0; i < ngot && i < 3; i++)
        TW_CHECK_MSG(!got[i]->success && strcmp(got[i]->error, "HTTP 500") == 0, "result %d: %s", i,
                     got[i]->error);
    if (ngot >= 3)
        TW_CHECK_MSG(got[2]->retry_in_s > got[0]->retry_in_s * 2, "retry in %g then %g s",
                     got[0]->retry_in_s, got[2]->retry_in_s);
    TW_CHECK(tw_feedsim_fault(&sim, "none", NULL));
    int before = ngot;
    bool back = false;
    for (double until = tw_time_mono_s() + 15; !back && tw_time_mono_s() < until;) {
        wait_results(ngot + 1, 1);
        for (int i = before; i < ngot; i++) back = back || got[i]->success;
    }
    TW_CHECK_MSG(back, "no success after the fault was cleared");
    live_fetch_remove(f);
}

static void test_caps_and_schemes(void)
{
    reset();
    live_feed a = add("/geojson/sensors.geojson", LIVE_FORMAT_GEOJSON, 5,
                      (live_feed_desc){.max_bytes = 1000}, NULL);
    live_feed b = add("ftp://127.0.0.1/x.json", LIVE_FORMAT_GEOJSON, 5, (live_feed_desc){0}, NULL);
    TW_CHECK(wait_results(2, 10));
    live_fetch_remove(a);
    live_fetch_remove(b);
    bool cap = false, scheme = false;
    for (int i = 0; i < ngot; i++) {
        TW_CHECK(!got[i]->success);
        cap = cap || strstr(got[i]->error, "response over 1000 bytes");
        scheme = scheme || (strstr(got[i]->error, "ftp") || strstr(got[i]->error, "rotocol"));
    }
    TW_CHECK_MSG(cap, "no size-cap error");
    TW_CHECK_MSG(scheme, "ftp was not refused");
}

static void test_timeout_and_remove_while_hanging(void)
{
    reset();
    TW_CHECK(tw_feedsim_fault(&sim, "hang", "/sta"));
    live_feed t =
        add("/sta/v1.1/Things", LIVE_FORMAT_STA, 0.5, (live_feed_desc){.timeout_s = 1}, NULL);
    TW_CHECK(wait_results(1, 10));
    live_fetch_remove(t);
    if (ngot >= 1) TW_CHECK_MSG(strcmp(got[0]->error, "timeout") == 0, "%s", got[0]->error);
    /* A feed whose request hangs: removing it (the last feed: the thread
     * stops) does not wait on the server, and late results are dropped. */
    reset();
    tw_token *tok = tw_token_create(NULL, NULL);
    live_feed h = add("/sta/v1.1/Things", LIVE_FORMAT_STA, 0.5, (live_feed_desc){0}, tok);
    tw_time_sleep_s(0.5);
    double t0 = tw_time_mono_s();
    tw_token_cancel(tok);
    live_fetch_remove(h);
    double took = tw_time_mono_s() - t0;
    TW_CHECK_MSG(took < 0.5, "remove took %.2f s", took);
    tw_token_release(tok);
    wait_results(1, 0.5);
    TW_CHECK(ngot == 0);
    TW_CHECK(tw_feedsim_fault(&sim, "none", NULL));
}

/* A body that comes, but slower than the default total timeout allows
 * (1,280 bytes/s, 7.6 KB: about 6 s against 5 s): the first request times
 * out with most of it in, the next gets twice the time and succeeds. With
 * the scene's own timeout_s the time is never grown. */
static void test_timeout_grows_while_the_body_comes(void)
{
    tw_feedsim slow;
    if (!tw_feedsim_start(&slow, (const char *const[]){"--port", "0", "--seed", "1", "--freeze",
                                                       "--slow-bytes", "128", NULL})) {
        TW_CHECK_MSG(false, "a second citytwin-feedsim did not start");
        return;
    }
    TW_CHECK(tw_feedsim_fault(&slow, "slow", "/geojson"));
    char url[600];
    snprintf(url, sizeof url, "%s/geojson/sensors.geojson", slow.base);
    reset();
    live_feed f = add(url, LIVE_FORMAT_GEOJSON, 0.5, (live_feed_desc){0}, NULL);
    TW_CHECK(wait_results(2, 30));
    live_fetch_remove(f);
    TW_CHECK(ngot >= 2);
    if (ngot >= 2) {
        TW_CHECK_MSG(!got[0]->success && strcmp(got[0]->error, "timeout") == 0, "first: %s",
                     got[0]->error);
        TW_CHECK_MSG(got[1]->success && got[1]->snap, "second: %s", got[1]->error);
        if (got[1]->snap)
            TW_CHECK_MSG(got[1]->snap->entity_count == geojson_count(), "entities %d, served %ld",
                         got[1]->snap->entity_count, geojson_count());
    }
    reset();
    f = add(url, LIVE_FORMAT_GEOJSON, 0.5, (live_feed_desc){.timeout_s = 2}, NULL);
    TW_CHECK(wait_results(2, 15));
    live_fetch_remove(f);
    TW_CHECK(ngot >= 2);
    for (int i = 0; i < ngot && i < 2; i++)
        TW_CHECK_MSG(!got[i]->success && strcmp(got[i]->error, "timeout") == 0,
                     "given 2 s, request %d: %s", i + 1, got[i]->error);
    reset();
    tw_feedsim_stop(&slow);
}

#ifdef __linux__
typedef struct policy_seen {
    bool network;
    int policy, nice_before, nice_after;
} policy_seen;

static void *lowered(void *arg)
{
    policy_seen *p = arg;
    p->nice_before = getpriority(PRIO_PROCESS, (id_t)gettid());
    live_thread_background("citytwin-test", p->network);
    struct sched_param sp;
    if (pthread_getschedparam(pthread_self(), &p->policy, &sp) != 0) p->policy = -1;
    p->nice_after = getpriority(PRIO_PROCESS, (id_t)gettid());
    return NULL;
}

static policy_seen lowered_thread(bool network)
{
    policy_seen p = {.network = network, .policy = -2};
    pthread_t t;
    if (pthread_create(&t, NULL, lowered, &p) == 0) pthread_join(t, NULL);
    return p;
}
#endif

/* live_thread_background: SCHED_IDLE only when LIVE_BACKGROUND_IDLE_PREP
 * (the preparation thread) or LIVE_BACKGROUND_IDLE_NET (the network
 * thread), and LIVE_BACKGROUND_NICE higher by default; CITYTWIN_LIVE_SCHED=
 * idle, prep and normal choose; always niced. */
static void test_background_policy(void)
{
#ifdef __linux__
    char *saved = getenv("CITYTWIN_LIVE_SCHED") ? strdup(getenv("CITYTWIN_LIVE_SCHED")) : NULL;
    unsetenv("CITYTWIN_LIVE_SCHED");
    unsetenv("CITYTWIN_LIVE_NICE");
    policy_seen p = lowered_thread(false);
    TW_CHECK_MSG(p.policy == (LIVE_BACKGROUND_IDLE_PREP ? SCHED_IDLE : SCHED_OTHER),
                 "preparation thread policy %d", p.policy);
    TW_CHECK_MSG(
        p.nice_after ==
            (p.nice_before + LIVE_BACKGROUND_NICE > 19 ? 19 : p.nice_before + LIVE_BACKGROUND_NICE),
        "nice %d after, %d before", p.nice_after, p.nice_before);
    p = lowered_thread(true);
    TW_CHECK_MSG(p.policy == (LIVE_BACKGROUND_IDLE_NET ? SCHED_IDLE : SCHED_OTHER),
                 "network thread policy %d", p.policy);
    static const struct {
        const char *env;
        int prep, net;
    } modes[] = {{"idle", SCHED_IDLE, SCHED_IDLE},
                 {"prep", SCHED_IDLE, SCHED_OTHER},
                 {"normal", SCHED_OTHER, SCHED_OTHER}};
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++) {
        setenv("CITYTWIN_LIVE_SCHED", modes[k].env, 1);
        p = lowered_thread(false);
        TW_CHECK_MSG(p.policy == modes[k].prep, "CITYTWIN_LIVE_SCHED=%s: policy %d", modes[k].env,
                     p.policy);
        TW_CHECK(p.nice_after >= p.nice_before);
        p = lowered_thread(true);
        TW_CHECK_MSG(p.policy == modes[k].net, "CITYTWIN_LIVE_SCHED=%s: network thread %d",
                     modes[k].env, p.policy);
    }
    /* The calling thread is left as it was. */
    struct sched_param sp;
    int mine = -1;
    pthread_getschedparam(pthread_self(), &mine, &sp);
    TW_CHECK(mine == SCHED_OTHER);
    if (saved)
        setenv("CITYTWIN_LIVE_SCHED", saved, 1);
    else
        unsetenv("CITYTWIN_LIVE_SCHED");
    free(saved);
#else
    printf("  (not Linux: no scheduling policy to check)\n");
#endif
}

int main(void)
{
    if (!getenv("CITYTWIN_FEEDSIM_BIN"))
        TW_SKIP("CITYTWIN_FEEDSIM_BIN is not set (run through ctest)");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!tw_feedsim_start(&sim,
                          (const char *const[]){"--port", "0", "--seed", "1", "--freeze", NULL})) {
        fprintf(stderr, "citytwin-feedsim did not start\n");
        return 1;
    }
    pool = tw_pool_create(2);
    TW_RUN(test_background_policy);
    TW_RUN(test_snapshot_then_304);
    TW_RUN(test_ngsild_pages);
    TW_RUN(test_sta_and_seoul_pages);
    TW_RUN(test_duplicate_ids_dropped);
    TW_RUN(test_503_backs_off_and_recovers);
    TW_RUN(test_caps_and_schemes);
    TW_RUN(test_timeout_and_remove_while_hanging);
    TW_RUN(test_timeout_grows_while_the_body_comes);
    reset();
    tw_pool_destroy(pool);
    tw_feedsim_stop(&sim);
    curl_global_cleanup();
    return TW_TEST_END();
}
