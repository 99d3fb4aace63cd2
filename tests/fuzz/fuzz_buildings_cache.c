/* libFuzzer: the buildings cache reader. The input is a payload wrapped in
 * a valid header, key, padding, length and checksum (so the fuzzer reaches the
 * payload's parser), or, when its first byte is odd, a whole file as read
 * from disk; either is parsed copied and read in place. Nothing may
 * crash, leak or read out of bounds. */
#include "geo_buildings.h"
#include "geo_buildings_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The same bytes read in place, as a mapped file is: what it accepts has
 * its chunks made from its triangles and boxes and released chunk by
 * chunk as the app does (the first alone, the rest together), then freed
 * (nothing that points into the bytes may be freed). */
static void view(const uint8_t *data, size_t size)
{
    geo_buildings b;
    char why[600];
    if (geo_bcache_parse_view(data, size, "fuzz", "fuzz", &b, why, sizeof why) == TW_OK) {
        int *ks = malloc((size_t)b.chunk_count * sizeof *ks + 1);
        for (int k = 0; ks && k < b.chunk_count; k++) ks[k] = k;
        if (ks && b.chunk_count) geo_buildings_chunks_make(&b, ks, 1);
        if (ks && b.chunk_count > 1) geo_buildings_chunks_make(&b, ks + 1, b.chunk_count - 1);
        free(ks);
        for (int k = 0; k < b.chunk_count; k++) geo_buildings_chunk_release(&b, &b.chunks[k]);
    }
    geo_buildings_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char key[] = "fuzz";
    geo_buildings b;
    char why[600];
    if (size > 0 && (data[0] & 1)) {
        geo_buildings_cache_parse(data + 1, size - 1, key, "fuzz", &b, why, sizeof why);
        geo_buildings_free(&b);
        view(data + 1, size - 1);
        return 0;
    }
    const uint8_t *payload = size ? data + 1 : data;
    uint64_t plen = size ? size - 1 : 0, sum = geo_buildings_cache_sum(payload, (size_t)plen);
    uint32_t version = GEO_BUILDINGS_CACHE_VERSION,
             klen = 4; /* was 2: every payload stopped there */
    /* The key padded with zeros so the payload starts at a multiple of 8. */
    size_t n = 8 + 4 + 4 + klen + 4 + 8 + (size_t)plen + 8;
    uint8_t *f = calloc(1, n), *p = f;
    if (!f) return 0;
    memcpy(p, "CTBLDG\0\1", 8), p += 8;
    memcpy(p, &version, 4), p += 4;
    memcpy(p, &klen, 4), p += 4;
    memcpy(p, key, klen), p += klen + 4;
    memcpy(p, &plen, 8), p += 8;
    if (plen) memcpy(p, payload, (size_t)plen), p += plen;
    memcpy(p, &sum, 8);
    if (geo_buildings_cache_parse(f, n, key, "fuzz", &b, why, sizeof why) == TW_OK) {
        /* What the app does with a hit: raise and hit-test it. */
        double *base = calloc((size_t)b.polys.count + 1, sizeof *base);
        if (base) {
            geo_buildings_raise(&b, base, 1.0);
            double o[3] = {0, 0, 1000}, d[3] = {0.1, 0.1, -1}, t;
            geo_buildings_hit(&b, base, 1.0, o, d, &t);
        }
        free(base);
    }
    geo_buildings_free(&b);
    view(f, n);
    free(f);
    return 0;
}
