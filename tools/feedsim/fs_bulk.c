/* See fs_bulk.h. */
#include "fs_bulk.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
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

tw_result fs_bulk_render(const fs_sim *sim, int count, double now_s, fs_doc *out)
{
    int64_t tick = (int64_t)floor(now_s / sim->tick_s);
    char observed[40];
    fs_sim_iso((double)tick * sim->tick_s, observed, sizeof observed);
    /* A grid over Seoul (126.80-127.18 E, 37.43-37.70 N), rows of cols. */
    int cols = (int)ceil(sqrt(count * 1.4));
    int rows = (count + cols - 1) / cols;
    double dlon = 0.38 / cols, dlat = 0.27 / (rows > 1 ? rows : 1);
    bulk_buf b = {.cap = (size_t)count * 190 + 256};
    b.p = malloc(b.cap);
    if (!b.p) return TW_ERR_NOMEM;
    put(&b, "{\"type\": \"FeatureCollection\", \"name\": \"citytwin-feedsim bulk sensors "
            "(simulated)\", \"features\": [");
    for (int i = 0; i < count && !b.failed; i++) {
        uint64_t h = bulk_mix(sim->seed ^ bulk_mix((uint64_t)(uint32_t)i) ^ (uint64_t)tick);
        double value = 20.0 + (double)(h >> 11) / (double)(1ull << 53) * 80.0;
        put(&b,
            "%s{\"type\": \"Feature\", \"id\": \"bulk-%06d\", \"geometry\": {\"type\": \"Point\", "
            "\"coordinates\": [%.6f, %.6f]}, \"properties\": {\"name\": \"bulk %d\", \"value\": "
            "%.2f, \"unit\": \"ug/m3\", \"observed\": \"%s\"}}",
            i ? ", " : "", i, 126.80 + (i % cols + 0.5) * dlon, 37.43 + (i / cols + 0.5) * dlat, i,
            value, observed);
    }
    put(&b, "]}");
    if (b.failed) {
        free(b.p);
        return TW_ERR_NOMEM;
    }
    out->body = b.p;
    out->len = b.len;
    out->status = 200;
    out->content_type = "application/geo+json";
    return TW_OK;
}
