/* core/: logger, worker pool, JSON errors, handles, heightfield, files. */
#include "tw_file.h"
#include "tw_heightfield.h"
#include "tw_json.h"
#include "tw_log.h"
#include "tw_pool.h"
#include "tw_slots.h"
#include "tw_test.h"
#include "tw_utf8.h"
#include "tw_time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static int captured;
static char last_msg[256];

static void sink(tw_log_level level, const char *tag, const char *msg, void *user)
{
    (void)level;
    (void)tag;
    (void)user;
    captured++;
    snprintf(last_msg, sizeof last_msg, "%s", msg);
}

static void test_log_counts_and_folds_lines(void)
{
    tw_log_init(TW_LOG_INFO);
    tw_log_set_sink(sink, NULL);
    TW_DEBUG("t", "hidden");
    TW_WARN("t", "two\nlines\n");
    TW_ERROR("t", "boom %d", 3);
    TW_CHECK(tw_log_count(TW_LOG_DEBUG) == 1); /* counted even below the threshold */
    TW_CHECK(tw_log_count(TW_LOG_WARN) == 1);
    TW_CHECK(tw_log_count(TW_LOG_ERROR) == 1);
    TW_CHECK(captured == 2);
    TW_CHECK_STR(last_msg, "boom 3");
    TW_WARN("t", "a\nb\n");
    TW_CHECK_STR(last_msg, "a b");
    tw_log_set_sink(NULL, NULL);
}

typedef struct job {
    int input, output;
    int worker;
    atomic_int *ran_on_main;
} job;

static void job_run(void *p, int worker)
{
    job *j = p;
    j->output = j->input * j->input;
    j->worker = worker;
}

static int done_count, done_sum;

static void job_done(void *p, tw_result status)
{
    job *j = p;
    if (status == TW_OK) {
        done_count++;
        done_sum += j->output;
    }
    free(j);
}

static void test_pool_runs_jobs_and_hands_back(void)
{
    tw_pool *pool = tw_pool_create(3);
    TW_CHECK(pool != NULL);
    TW_CHECK(tw_pool_workers(pool) == 3);
    done_count = done_sum = 0;
    int expect = 0;
    for (int i = 0; i < 200; i++) {
        job *j = calloc(1, sizeof *j);
        j->input = i;
        expect += i * i;
        tw_pool_submit(
            pool, &(tw_job_desc){.job = j, .run = job_run, .done = job_done, .priority = i % 7});
    }
    double t0 = tw_time_mono_s();
    while (tw_pool_pending(pool) > 0 && tw_time_mono_s() - t0 < 10) {
        tw_pool_wait(pool, 0.05);
        tw_pool_drain(pool, 1.0);
    }
    TW_CHECK(done_count == 200);
    TW_CHECK(done_sum == expect);
    TW_CHECK(tw_pool_pending(pool) == 0);
    tw_pool_destroy(pool);
}

static int cancelled;

static void slow_run(void *p, int worker)
{
    (void)p;
    (void)worker;
    tw_time_sleep_s(0.05);
}

static void count_done(void *p, tw_result status)
{
    if (status == TW_ERR_CANCELLED) cancelled++;
    free(p);
}

static void test_pool_destroy_hands_back_unrun_jobs(void)
{
    tw_pool *pool = tw_pool_create(1);
    cancelled = 0;
    for (int i = 0; i < 20; i++)
        tw_pool_submit(pool, &(tw_job_desc){.job = malloc(8), .run = slow_run, .done = count_done});
    tw_pool_destroy(pool); /* no leak, and most jobs never ran */
    TW_CHECK(cancelled >= 15);
}

/* ---- cancellation tokens ---- */

static atomic_bool release_blockers;
static atomic_int runs, payload_frees;
static int done_ok, done_cancelled;

static void block_run(void *p, int worker)
{
    (void)p, (void)worker;
    while (!atomic_load(&release_blockers)) usleep(1000);
}

static void quick_run(void *p, int worker)
{
    (void)p, (void)worker;
    atomic_fetch_add(&runs, 1);
}

static void tally_done(void *p, tw_result status)
{
    (void)p;
    if (status == TW_OK) done_ok++;
    if (status == TW_ERR_CANCELLED) done_cancelled++;
}

static void count_free(void *payload)
{
    (void)payload;
    atomic_fetch_add(&payload_frees, 1);
}

static void drain_until(tw_pool *pool, int *counter, int want, double timeout_s)
{
    double t0 = tw_time_mono_s();
    while (*counter < want && tw_time_mono_s() - t0 < timeout_s) {
        tw_pool_wait(pool, 0.01);
        tw_pool_drain(pool, 0.01);
    }
}

/* Cancelling a token skips its queued jobs (their done gets CANCELLED)
 * and frees its payload once the last job has been handed back. */
static void test_token_cancels_queued_jobs(void)
{
    atomic_store(&release_blockers, false);
    atomic_store(&runs, 0);
    atomic_store(&payload_frees, 0);
    done_ok = done_cancelled = 0;
    tw_pool *pool = tw_pool_create(2);
    tw_token *busy = tw_token_create(NULL, NULL);
    tw_token *t = tw_token_create(&runs, count_free);
    for (int i = 0; i < 2; i++)
        tw_pool_submit(pool, &(tw_job_desc){.run = block_run, .done = tally_done, .token = busy});
    usleep(20000); /* both workers hold a blocker */
    for (int i = 0; i < 5; i++)
        tw_pool_submit(pool, &(tw_job_desc){.run = quick_run, .done = tally_done, .token = t});
    tw_token_cancel(t);
    tw_token_release(t); /* the owner leaves; its jobs still hold the token */
    TW_CHECK(atomic_load(&payload_frees) == 0);
    atomic_store(&release_blockers, true);
    drain_until(pool, &done_cancelled, 5, 5.0);
    TW_CHECK(atomic_load(&runs) == 0);
    TW_CHECK(done_cancelled == 5);
    TW_CHECK(atomic_load(&payload_frees) == 1);
    drain_until(pool, &done_ok, 2, 5.0);
    tw_token_release(busy);
    tw_pool_destroy(pool);
}

/* Workers stuck in jobs whose owner left (a read on a dead server) are
 * replaced, so new work runs at once rather than after the read. */
static void test_stuck_workers_are_replaced(void)
{
    atomic_store(&release_blockers, false);
    atomic_store(&runs, 0);
    done_ok = done_cancelled = 0;
    tw_pool *pool = tw_pool_create(2);
    tw_token *old = tw_token_create(NULL, NULL), *now = tw_token_create(NULL, NULL);
    for (int i = 0; i < 2; i++)
        tw_pool_submit(pool, &(tw_job_desc){.run = block_run, .done = tally_done, .token = old});
    usleep(20000);
    tw_token_cancel(old);
    for (int i = 0; i < 3; i++)
        tw_pool_submit(pool, &(tw_job_desc){.run = quick_run, .done = tally_done, .token = now});
    drain_until(pool, &done_ok, 3, 3.0);
    TW_CHECK_MSG(done_ok == 3 && atomic_load(&runs) == 3, "ran %d of 3 while the old jobs hang",
                 atomic_load(&runs));
    atomic_store(&release_blockers, true);
    drain_until(pool, &done_cancelled, 2, 5.0);
    TW_CHECK(done_cancelled == 2);
    /* The replacement threads serve on, and the stuck ones are gone. */
    for (int i = 0; i < 3; i++)
        tw_pool_submit(pool, &(tw_job_desc){.run = quick_run, .done = tally_done, .token = now});
    drain_until(pool, &done_ok, 6, 3.0);
    TW_CHECK(done_ok == 6);
    tw_token_release(old);
    tw_token_release(now);
    tw_pool_destroy(pool);
}

static void test_json_errors_have_line_and_column(void)
{
    char err[256];
    json_object *o = NULL;
    const char *bad = "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}";
    TW_CHECK(tw_json_parse(bad, strlen(bad), &o, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK(o == NULL);
    TW_CHECK_MSG(strncmp(err, "line 3, column", 14) == 0, "err = %s", err);
    const char *trunc = "{\"a\": [1, 2";
    TW_CHECK(tw_json_parse(trunc, strlen(trunc), &o, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "unexpected end") != NULL, "err = %s", err);
    const char *trailing = "{} x";
    TW_CHECK(tw_json_parse(trailing, strlen(trailing), &o, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "column 4") != NULL, "err = %s", err);
    const char *good = "{\"n\": 2.5, \"s\": \"x\", \"v\": [1, 2, 3]}";
    TW_CHECK(tw_json_parse(good, strlen(good), &o, err, sizeof err) == TW_OK);
    double d, v[3];
    TW_CHECK(tw_json_number(o, "n", &d) && d == 2.5);
    TW_CHECK(!tw_json_number(o, "s", &d));
    TW_CHECK_STR(tw_json_string(o, "s"), "x");
    TW_CHECK(tw_json_numbers(o, "v", v, 3) && v[2] == 3);
    TW_CHECK(!tw_json_numbers(o, "v", v, 2));
    json_object_put(o);
}

static void test_slots_detect_stale_handles(void)
{
    tw_slots s;
    TW_CHECK(tw_slots_init(&s, 4) == TW_OK);
    uint32_t a = tw_slots_alloc(&s), b = tw_slots_alloc(&s);
    TW_CHECK(a && b && a != b);
    TW_CHECK(tw_slots_valid(&s, a));
    tw_slots_release(&s, a);
    TW_CHECK(!tw_slots_valid(&s, a));
    uint32_t c = tw_slots_alloc(&s); /* reuses a's slot with a new generation */
    TW_CHECK(tw_slots_index(c) == tw_slots_index(a));
    TW_CHECK(c != a && !tw_slots_valid(&s, a) && tw_slots_valid(&s, c));
    TW_CHECK(!tw_slots_valid(&s, 0));
    tw_slots_alloc(&s);
    tw_slots_alloc(&s);
    TW_CHECK(tw_slots_alloc(&s) == 0); /* full */
    tw_slots_shutdown(&s);
}

static void test_heightfield_sample_and_raycast(void)
{
    tw_heightfield hf = {.x0 = 100, .y0 = 200, .dx = 10, .dy = 10};
    TW_CHECK(tw_heightfield_alloc(&hf, 11, 11) == TW_OK);
    /* A plane z = x - 100, so bilinear sampling is exact. */
    for (int j = 0; j < 11; j++)
        for (int i = 0; i < 11; i++) hf.z[j * 11 + i] = (float)(i * 10);
    double z;
    TW_CHECK(tw_heightfield_sample(&hf, 155, 250, &z));
    TW_CHECK_NEAR(z, 55, 1e-4);
    TW_CHECK(!tw_heightfield_sample(&hf, 99, 250, &z));
    double o[3] = {150, 250, 500}, d[3] = {0, 0, -1}, hit[3];
    TW_CHECK(tw_heightfield_raycast(&hf, o, d, 1000, hit));
    TW_CHECK_NEAR(hit[2], 50, 0.01);
    double up[3] = {0, 0, 1};
    TW_CHECK(!tw_heightfield_raycast(&hf, o, up, 1000, hit));
    hf.z[5 * 11 + 5] = NAN;
    TW_CHECK(!tw_heightfield_sample(&hf, 150, 250, &z));
    tw_heightfield_free(&hf);
}

/* Ill-formed UTF-8 is found and replaced by U+FFFD, well-formed text kept. */
static void test_utf8_invalid_and_sanitize(void)
{
    const char *good = "서울 Seoul \xF0\x9F\x8C\x86";
    TW_CHECK(tw_utf8_invalid_at(good, strlen(good)) == strlen(good));
    static const struct {
        const char *in;
        size_t at;
        const char *out;
    } cases[] = {
        {"caf\xE9", 3, "caf\xEF\xBF\xBD"},                           /* Latin-1 */
        {"a\xC0\xAFz", 1, "a\xEF\xBF\xBD\xEF\xBF\xBDz"},             /* overlong */
        {"\xED\xA0\x80", 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* surrogate */
        {"x\xF4\x90\x80\x80", 1,
         "x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* past U+10FFFF */
        {"\xEC\x84", 0, "\xEF\xBF\xBD\xEF\xBF\xBD"},           /* truncated */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = strlen(cases[i].in), out_len = 0;
        TW_CHECK_MSG(tw_utf8_invalid_at(cases[i].in, len) == cases[i].at, "case %zu", i);
        char *s = tw_utf8_sanitize(cases[i].in, len, &out_len);
        TW_CHECK(s != NULL);
        if (!s) continue;
        TW_CHECK_MSG(strcmp(s, cases[i].out) == 0, "case %zu", i);
        TW_CHECK(out_len == strlen(s));
        TW_CHECK(tw_utf8_invalid_at(s, out_len) == out_len);
        free(s);
    }
}

static void test_paths(void)
{
    char out[256];
    tw_path_join("scenes", "../data/x.tif", out, sizeof out);
    TW_CHECK_STR(out, "scenes/../data/x.tif");
    tw_path_join("scenes", "/vsicurl/http://h/x.tif", out, sizeof out);
    TW_CHECK_STR(out, "/vsicurl/http://h/x.tif");
    tw_path_join("scenes", "PG:host=127.0.0.1 dbname=city", out, sizeof out);
    TW_CHECK_STR(out, "PG:host=127.0.0.1 dbname=city");
    tw_path_dirname("a/b/c.json", out, sizeof out);
    TW_CHECK_STR(out, "a/b");
    tw_path_dirname("c.json", out, sizeof out);
    TW_CHECK_STR(out, ".");
    TW_CHECK_STR(tw_path_basename("a/b/c.json"), "c.json");
    char *text;
    TW_CHECK(tw_file_read("/nonexistent/file", 10, &text, NULL) == TW_ERR_IO);
}

int main(void)
{
    TW_RUN(test_log_counts_and_folds_lines);
    TW_RUN(test_pool_runs_jobs_and_hands_back);
    TW_RUN(test_pool_destroy_hands_back_unrun_jobs);
    TW_RUN(test_token_cancels_queued_jobs);
    TW_RUN(test_stuck_workers_are_replaced);
    TW_RUN(test_json_errors_have_line_and_column);
    TW_RUN(test_slots_detect_stale_handles);
    TW_RUN(test_heightfield_sample_and_raycast);
    TW_RUN(test_paths);
    TW_RUN(test_utf8_invalid_and_sanitize);
    return TW_TEST_END();
}
