/* See fs_bulk.h. */
#include "fs_bulk.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bulk_buf {
    char *p;
    size_t len, cap;
    bool failed;
} bulk_buf;

static void put(bulk_buf *b, const char *fmt, ...)
{
    while (!b->failed) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
        } else if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        } else {
            size_t cap = b->cap * 2 + (size_t)n + 1;
            char *p = realloc(b->p, cap);
            if (!p) b->failed = true;
            b->p = p ? p : b->p, b->cap = p ? cap : b->cap;
        }
    }
}

static uint64_t bulk_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* A value's text: always five characters, 20.00 to 99.99. */
enum { BULK_VALUE_LEN = 5, BULK_TIME_LEN = 20 /* 2023-11-14T22:13:20Z */ };

/* The document but for each feature's value and the tick's time, written
 * once (ids, positions and names never change): a render copies it and
 * writes those in place, instead of formatting 100,000 features a tick
 * (on the 2-core machine the simulator's formatting took cores from the
 * app it serves in bench_live_frames). */
static struct {
    pthread_mutex_t lock;
    uint64_t seed;
    int count;
    char *text;
    size_t len;
    uint32_t *value_at, *time_at; /* per feature: where its value and time go */
} bulk_tpl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool bulk_template(const fs_sim *sim, int count)
{
    if (bulk_tpl.text && bulk_tpl.seed == sim->seed && bulk_tpl.count == count) return true;
    free(bulk_tpl.text), free(bulk_tpl.value_at), free(bulk_tpl.time_at);
    bulk_tpl.text = NULL, bulk_tpl.count = 0;
    /* A grid over Seoul (126.80-127.18 E, 37.43-37.70 N), rows of cols. */
    int cols = (int)ceil(sqrt(count * 1.4));
    int rows = (count + cols - 1) / cols;
    double dlon = 0.38 / cols, dlat = 0.27 / (rows > 1 ? rows : 1);
    bulk_buf b = {.cap = (size_t)count * 190 + 256};
    b.p = malloc(b.cap);
    uint32_t *vat = malloc((size_t)count * sizeof *vat), *tat = malloc((size_t)count * sizeof *tat);
    if (!b.p || !vat || !tat) b.failed = true;
    put(&b, "{\"type\": \"FeatureCollection\", \"name\": \"citytwin-feedsim bulk sensors "
            "(simulated)\", \"features\": [");
    for (int i = 0; i < count && !b.failed; i++) {
        put(&b,
            "%s{\"type\": \"Feature\", \"id\": \"bulk-%06d\", \"geometry\": {\"type\": \"Point\", "
            "\"coordinates\": [%.6f, %.6f]}, \"properties\": {\"name\": \"bulk %d\", \"value\": ",
            i ? ", " : "", i, 126.80 + (i % cols + 0.5) * dlon, 37.43 + (i / cols + 0.5) * dlat, i);
        vat[i] = (uint32_t)b.len;
        put(&b, "00.00, \"unit\": \"ug/m3\", \"observed\": \"");
        tat[i] = (uint32_t)b.len;
        put(&b, "0000-00-00T00:00:00Z\"}}");
    }
    put(&b, "]}");
    if (b.failed || b.len > UINT32_MAX) {
        free(b.p), free(vat), free(tat);
        return false;
    }
    bulk_tpl.seed = sim->seed, bulk_tpl.count = count;
    bulk_tpl.text = b.p, bulk_tpl.len = b.len, bulk_tpl.value_at = vat, bulk_tpl.time_at = tat;
    return true;
}

tw_result fs_bulk_render(const fs_sim *sim, int count, double now_s, fs_doc *out)
{
    int64_t tick = (int64_t)floor(now_s / sim->tick_s);
    char observed[40];
    fs_sim_iso((double)tick * sim->tick_s, observed, sizeof observed);
    if (strlen(observed) != BULK_TIME_LEN) /* a year outside 1000-9999 */
        snprintf(observed, sizeof observed, "%s", "1970-01-01T00:00:00Z");
    pthread_mutex_lock(&bulk_tpl.lock);
    char *p = bulk_template(sim, count) ? malloc(bulk_tpl.len + 1) : NULL;
    if (!p) {
        pthread_mutex_unlock(&bulk_tpl.lock);
        return TW_ERR_NOMEM;
    }
    memcpy(p, bulk_tpl.text, bulk_tpl.len + 1);
    for (int i = 0; i < count; i++) {
        uint64_t h = bulk_mix(sim->seed ^ bulk_mix((uint64_t)(uint32_t)i) ^ (uint64_t)tick);
        int centi = 2000 + (int)((h >> 11) % 8000); /* 20.00 .. 99.99 */
        char *v = p + bulk_tpl.value_at[i];
        v[0] = (char)('0' + centi / 1000), v[1] = (char)('0' + centi / 100 % 10);
        v[3] = (char)('0' + centi / 10 % 10), v[4] = (char)('0' + centi % 10);
        memcpy(p + bulk_tpl.time_at[i], observed, BULK_TIME_LEN);
    }
    out->len = bulk_tpl.len;
    pthread_mutex_unlock(&bulk_tpl.lock);
    out->body = p;
    out->status = 200;
    out->content_type = "application/geo+json";
    return TW_OK;
}
