/* bench/live: cost of the feed parsers against the JSON parse under them.
 *
 * Generates, in memory, N entities (default 100000) in each format: an
 * NGSI-LD normalized response (OffStreetParking-like, with a Relationship and
 * a structured address), the same in the keyValues form, a GeoJSON
 * FeatureCollection of points, a SensorThings Things list with Locations,
 * Datastreams and Observations expanded, and a Seoul GetParkInfo response.
 * For each it prints the best of a few runs of the parser and of a plain
 * json_tokener_parse of the same bytes (the floor), and their ratio
 * ("vs_parse"). Target: at most 1.5. The parsers read through core/tw_jscan
 * (a flat node array, strings left in the input, numbers converted when
 * read) and build only the snapshot. The ratio to json_tokener_parse plus
 * json_object_put of the same bytes (a floor that frees what it builds) is
 * printed beside it ("vs_parse+put"). Times are process CPU time, best of
 * --runs; on a shared machine they still vary by tens of percent between
 * runs.
 *
 *   bench_live [--count N] [--runs R] */
#include "live_formats.h"

#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap ? b->cap * 2 : 1 << 20;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "out of memory\n");
            abort();
        }
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double lon(int i)
{
    return 126.8 + (i % 1000) * 0.0004;
}

static double lat(int i)
{
    return 37.45 + (i / 1000 % 1000) * 0.0003;
}

static void gen_ngsild(buf *b, int n)
{
    put(b, "[");
    for (int i = 0; i < n; i++)
        put(b,
            "%s{\"id\": \"urn:ngsi-ld:OffStreetParking:seoul-%d\", \"type\": \"OffStreetParking\","
            " \"name\": {\"type\": \"Property\", \"value\": \"공영주차장 %d\"},"
            " \"availableSpotNumber\": {\"type\": \"Property\", \"value\": %d, \"observedAt\": "
            "\"2024-05-01T08:%02d:%02dZ\"},"
            " \"totalSpotNumber\": {\"type\": \"Property\", \"value\": %d},"
            " \"occupancy\": {\"type\": \"Property\", \"value\": %.3f},"
            " \"address\": {\"type\": \"Property\", \"value\": {\"addressLocality\": \"Seoul\", "
            "\"streetAddress\": \"구로구 구로동 %d\"}},"
            " \"refParkingSite\": {\"type\": \"Relationship\", \"object\": "
            "\"urn:ngsi-ld:ParkingSite:%d\"},"
            " \"location\": {\"type\": \"GeoProperty\", \"value\": {\"type\": \"Point\", "
            "\"coordinates\": [%.7f, %.7f]}},"
            " \"@context\": [\"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld\"]}",
            i ? "," : "", i, i, i % 400, i / 60 % 60, i % 60, 400 + i % 100, (i % 100) / 100.0, i,
            i, lon(i), lat(i));
    put(b, "]");
}

/* The same entities in the keyValues form (options=keyValues). */
static void gen_ngsild_kv(buf *b, int n)
{
    put(b, "[");
    for (int i = 0; i < n; i++)
        put(b,
            "%s{\"id\": \"urn:ngsi-ld:OffStreetParking:seoul-%d\", \"type\": \"OffStreetParking\","
            " \"name\": \"공영주차장 %d\", \"availableSpotNumber\": %d,"
            " \"totalSpotNumber\": %d, \"occupancy\": %.3f,"
            " \"category\": [\"public\", \"feeCharged\"], \"chargeType\": [\"temporaryPrice\"],"
            " \"address\": {\"addressLocality\": \"Seoul\", \"streetAddress\": \"구로구 구로동 "
            "%d\"},"
            " \"refParkingSite\": \"urn:ngsi-ld:ParkingSite:%d\","
            " \"location\": {\"type\": \"Point\", \"coordinates\": [%.7f, %.7f]},"
            " \"observationDateTime\": \"2024-05-01T08:%02d:%02dZ\","
            " \"@context\": [\"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld\"]}",
            i ? "," : "", i, i, i % 400, 400 + i % 100, (i % 100) / 100.0, i, i, lon(i), lat(i),
            i / 60 % 60, i % 60);
    put(b, "]");
}

static void gen_geojson(buf *b, int n)
{
    put(b, "{\"type\": \"FeatureCollection\", \"features\": [");
    for (int i = 0; i < n; i++)
        put(b,
            "%s{\"type\": \"Feature\", \"id\": %d, \"geometry\": {\"type\": \"Point\", "
            "\"coordinates\": [%.7f, %.7f]}, \"properties\": {\"name\": \"센서 %d\", \"pm10\": "
            "%.1f, \"unit\": \"ug/m3\", \"observedAt\": \"2024-05-01T08:00:00Z\"}}",
            i ? "," : "", i, lon(i), lat(i), i, (i % 900) / 10.0);
    put(b, "]}");
}

static void gen_sta(buf *b, int n)
{
    put(b, "{\"@iot.count\": %d, \"value\": [", n);
    for (int i = 0; i < n; i++)
        put(b,
            "%s{\"@iot.id\": %d, \"name\": \"station %d\", \"description\": \"bike share\","
            " \"Locations\": [{\"@iot.id\": %d, \"encodingType\": \"application/vnd.geo+json\","
            " \"location\": {\"type\": \"Point\", \"coordinates\": [%.7f, %.7f]}}],"
            " \"Datastreams\": [{\"@iot.id\": %d, \"name\": \"station %d:available_bikes\","
            " \"unitOfMeasurement\": {\"symbol\": \"{TOT}\", \"name\": \"bike count\"},"
            " \"Observations\": [{\"@iot.id\": %d, \"phenomenonTime\": "
            "\"2017-02-16T21:55:12.233Z\", \"result\": \"%d\"}]}]}",
            i ? "," : "", i, i, i, lon(i), lat(i), i, i, i, i % 30);
    put(b, "]}");
}

static void gen_seoul(buf *b, int n)
{
    put(b,
        "{\"GetParkInfo\": {\"list_total_count\": %d, \"RESULT\": {\"CODE\": \"INFO-000\", "
        "\"MESSAGE\": \"정상 처리되었습니다\"}, \"row\": [",
        n);
    for (int i = 0; i < n; i++)
        put(b,
            "%s{\"parking_code\": \"%d\", \"parking_name\": \"공영주차장 %d(구)\", \"addr\": "
            "\"구로구 구로동 %d\", \"capacity\": %d, \"cur_parking\": %d, \"cur_parking_time\": "
            "\"2020-02-21 16:17:16\", \"pay_yn\": \"Y\", \"que_status\": \"1\", \"tel\": "
            "\"02-859-6318\", \"rates\": 150, \"time_rate\": 5, \"lat\": %.8f, \"lng\": %.8f}",
            i ? "," : "", i, i, i, 100 + i % 50, i % 100, lat(i), lon(i));
    put(b, "]}}");
}

typedef tw_result (*parse_fn)(const buf *b, tw_obs_snapshot **out, char *err, size_t n);

static tw_result run_ngsild(const buf *b, tw_obs_snapshot **out, char *err, size_t n)
{
    return live_ngsild_parse(b->p, b->len, NULL, out, err, n);
}

static tw_result run_geojson(const buf *b, tw_obs_snapshot **out, char *err, size_t n)
{
    return live_geojson_parse(b->p, b->len, &(live_options){.value = "pm10"}, out, err, n);
}

static tw_result run_sta(const buf *b, tw_obs_snapshot **out, char *err, size_t n)
{
    tw_result r = live_sta_things(b->p, b->len, NULL, out, NULL, err, n);
    if (r == TW_OK) live_sta_finish(*out, &(live_options){.value = "available_bikes"});
    return r;
}

static tw_result run_seoul(const buf *b, tw_obs_snapshot **out, char *err, size_t n)
{
    return live_seoul_parse(b->p, b->len, NULL, out, NULL, err, n);
}

int main(int argc, char **argv)
{
    int count = 100000, runs = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--count") == 0) count = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--runs") == 0) runs = atoi(argv[i + 1]);
    }
    if (count < 1 || runs < 1) {
        fprintf(stderr, "usage: bench_live [--count N] [--runs R]\n");
        return 2;
    }
    struct {
        const char *name;
        void (*gen)(buf *, int);
        parse_fn parse;
    } cases[] = {{"ngsi-ld", gen_ngsild, run_ngsild},
                 {"ngsi-ld-kv", gen_ngsild_kv, run_ngsild},
                 {"geojson", gen_geojson, run_geojson},
                 {"sensorthings", gen_sta, run_sta},
                 {"seoul", gen_seoul, run_seoul}};
    int worst_fail = 0;
    printf("live_ms: the feed parser; parse_ms, free_ms: json_tokener_parse and json_object_put "
           "of the same bytes;\nvs_parse = live / parse (target <= 1.5), vs_parse+put = live / "
           "(parse + put)\n");
    printf("%-13s %9s %7s %9s %9s %9s %9s %13s\n", "format", "entities", "MB", "parse_ms",
           "free_ms", "live_ms", "vs_parse", "vs_parse+put");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        buf b = {0};
        cases[c].gen(&b, count);
        double floor_s = 1e30, tok_s = 1e30, free_s = 1e30, parse_s = 1e30;
        int entities = -1;
        for (int r = 0; r < runs; r++) {
            double t0 = now_s();
            json_object *o = json_tokener_parse(b.p);
            double t1 = now_s();
            if (!o) {
                fprintf(stderr, "%s: generated text does not parse\n", cases[c].name);
                return 1;
            }
            json_object_put(o);
            double t2 = now_s();
            if (t2 - t0 < floor_s) floor_s = t2 - t0;
            if (t1 - t0 < tok_s) tok_s = t1 - t0;
            if (t2 - t1 < free_s) free_s = t2 - t1;

            tw_obs_snapshot *s = NULL;
            char err[256];
            t0 = now_s();
            tw_result res = cases[c].parse(&b, &s, err, sizeof err);
            t1 = now_s();
            if (res != TW_OK) {
                fprintf(stderr, "%s: %s\n", cases[c].name, err);
                return 1;
            }
            entities = s->entity_count;
            tw_obs_free(s);
            if (t1 - t0 < parse_s) parse_s = t1 - t0;
        }
        double ratio = parse_s / tok_s;
        if (ratio > 1.5) worst_fail = 1;
        printf("%-13s %9d %7.1f %9.1f %9.1f %9.1f %9.2f %13.2f%s\n", cases[c].name, entities,
               b.len / 1e6, tok_s * 1e3, free_s * 1e3, parse_s * 1e3, ratio, parse_s / floor_s,
               ratio > 1.5 ? "  (over 1.5)" : "");
        free(b.p);
    }
    return worst_fail ? 3 : 0;
}
