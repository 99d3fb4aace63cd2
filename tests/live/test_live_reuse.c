/* app_live_reuse: positions kept between a feed's snapshots give, bit for
 * bit, what transforming every position afresh gives, on the real
 * responses of the shipped recording (assets/recordings/seoul-demo: four
 * feeds, values changing between responses) and on ../shared/data/feeds'
 * Seoul recordings when present; only new positions are transformed, a
 * moved one alone is transformed again, and a change of CRS, frame or
 * ground is not reused. And a GeoJSON FeatureCollection read one feature
 * at a time gives the same snapshot, or the same error, as reading it as
 * one document (CITYTWIN_GEOJSON_WHOLE=1), on crafted documents (some
 * take the whole-document road) and a 20,000-feature one like the
 * simulator's bulk feed. */
#include "app_live_reuse.h"
#include "live_fetch.h"
#include "live_formats.h"
#include "live_internal.h"
#include "tw_test.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct counts {
    geo_xform *xf;
    size_t xy_points; /* positions transformed */
    size_t z_calls;
    double z_shift; /* a different ground */
} counts;

static bool count_xy(void *user, size_t n, double *x, double *y)
{
    counts *c = user;
    c->xy_points += n;
    geo_xform_to_scene(c->xf, n, x, y, NULL);
    return true;
}

static bool no_xy(void *user, size_t n, double *x, double *y)
{
    (void)user, (void)n, (void)x, (void)y;
    return false;
}

static float ground(void *user, double x, double y)
{
    counts *c = user;
    c->z_calls++;
    return (float)(fmod(fabs(x) * 0.001 + fabs(y) * 0.002, 300.0) + c->z_shift);
}

static geo_frame *frame_5186(void)
{
    geo_frame *f = NULL;
    char err[256];
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &f, err, sizeof err) != TW_OK)
        printf("  frame: %s\n", err);
    return f;
}

typedef struct positions {
    double *x, *y;
    size_t n;
    const char *crs;
} positions;

/* The positions of one parsed response (entities' x y, in their CRS). */
static bool parse_positions(live_format fmt, const char *body, size_t len, positions *out,
                            tw_obs_snapshot **snap)
{
    live_options opt = {0};
    char err[256] = "";
    tw_result r = TW_ERR_FORMAT;
    *snap = NULL;
    switch (fmt) {
    case LIVE_FORMAT_GEOJSON:
        r = live_geojson_parse(body, len, &opt, snap, err, sizeof err);
        break;
    case LIVE_FORMAT_NGSILD:
        r = live_ngsild_parse(body, len, &opt, snap, err, sizeof err);
        break;
    case LIVE_FORMAT_SEOUL:
        r = live_seoul_parse(body, len, &opt, snap, NULL, err, sizeof err);
        break;
    case LIVE_FORMAT_STA:
        r = live_sta_things(body, len, &opt, snap, NULL, err, sizeof err);
        if (r == TW_OK) live_sta_finish(*snap, &opt);
        break;
    default:
        break;
    }
    if (r != TW_OK || !*snap) {
        printf("  parse: %s\n", err);
        return false;
    }
    size_t n = (size_t)(*snap)->entity_count;
    out->x = malloc((n + 1) * sizeof *out->x), out->y = malloc((n + 1) * sizeof *out->y);
    if (!out->x || !out->y) return false;
    for (size_t i = 0; i < n; i++)
        out->x[i] = (*snap)->entities[i].x, out->y[i] = (*snap)->entities[i].y;
    out->n = n, out->crs = (*snap)->crs;
    return true;
}

static bool same_bits(const void *a, const void *b, size_t bytes)
{
    return memcmp(a, b, bytes) == 0;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Field by field; the first difference is printed. */
static bool same_snapshot(const tw_obs_snapshot *a, const tw_obs_snapshot *b)
{
#define DIFF(cond, ...)                                                                            \
    if (!(cond)) {                                                                                 \
        printf("  differ: " __VA_ARGS__);                                                          \
        printf("\n");                                                                              \
        return false;                                                                              \
    }
    DIFF(a->entity_count == b->entity_count, "entities %d / %d", a->entity_count, b->entity_count);
    DIFF(a->vertex_count == b->vertex_count && a->value_count == b->value_count, "counts");
    DIFF(same_str(a->crs, b->crs), "crs");
    DIFF(same_num(a->newest_at, b->newest_at), "newest_at");
    DIFF(memcmp(a->skipped, b->skipped, sizeof a->skipped) == 0, "skipped");
    DIFF(a->dropped_entities == b->dropped_entities && a->dropped_values == b->dropped_values &&
             a->dropped_vertices == b->dropped_vertices &&
             a->truncated_strings == b->truncated_strings && a->nomem == b->nomem,
         "dropped");
    for (int i = 0; i < a->entity_count; i++) {
        const tw_obs_entity *p = &a->entities[i], *q = &b->entities[i];
        DIFF(same_str(p->id, q->id) && same_str(p->type, q->type) && same_str(p->name, q->name),
             "entity %d id/type/name", i);
        DIFF(p->geom == q->geom && same_num(p->x, q->x) && same_num(p->y, q->y) &&
                 p->vertex_first == q->vertex_first && p->vertex_count == q->vertex_count &&
                 p->value_first == q->value_first && p->value_count == q->value_count &&
                 p->main_value == q->main_value && same_num(p->observed_at, q->observed_at),
             "entity %d fields", i);
    }
    for (int i = 0; i < a->value_count; i++) {
        const tw_obs_value *p = &a->values[i], *q = &b->values[i];
        DIFF(same_str(p->name, q->name) && same_str(p->text, q->text) &&
                 same_num(p->number, q->number) && same_str(p->unit, q->unit) &&
                 same_str(p->ref, q->ref) && same_num(p->observed_at, q->observed_at),
             "value %d", i);
    }
    for (int i = 0; i < 2 * a->vertex_count; i++)
        DIFF(same_num(a->coords[i], b->coords[i]), "vertex %d", i / 2);
#undef DIFF
    return true;
}

/* Streamed against whole; returns entities read (-1: an error, the same). */
static int check_geojson(const char *what, const char *body, size_t len)
{
    live_options opt = {.value = "value"};
    tw_obs_snapshot *a = NULL, *b = NULL;
    char ea[256] = "", eb[256] = "";
    unsetenv("CITYTWIN_GEOJSON_WHOLE");
    tw_result ra = live_geojson_parse(body, len, &opt, &a, ea, sizeof ea);
    setenv("CITYTWIN_GEOJSON_WHOLE", "1", 1);
    tw_result rb = live_geojson_parse(body, len, &opt, &b, eb, sizeof eb);
    unsetenv("CITYTWIN_GEOJSON_WHOLE");
    TW_CHECK_MSG(ra == rb && strcmp(ea, eb) == 0, "%s: %d \"%s\" streamed, %d \"%s\" whole", what,
                 ra, ea, rb, eb);
    TW_CHECK_MSG((!a && !b) || (a && b && same_snapshot(a, b)), "%s: snapshots differ", what);
    int n = ra == TW_OK && a ? a->entity_count : -1;
    tw_obs_free(a), tw_obs_free(b);
    return n;
}

/* One response through *cache, against a fresh transform of the same
 * positions, then again (nothing transformed). True when it had entities. */
static bool check_body(live_format fmt, const char *body, size_t len, geo_frame *frame,
                       geo_xform *xf, app_live_reuse **cache, size_t *reused_total,
                       const char *path, double t)
{
    positions p = {0};
    tw_obs_snapshot *snap = NULL;
    bool checked = false;
    if (parse_positions(fmt, body, len, &p, &snap) && p.n > 0) {
        size_t n = p.n;
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
        float *gz = malloc(n * sizeof *gz), *fgz = malloc(n * sizeof *fgz);
        counts c = {.xf = xf}, fc = {.xf = xf};
        app_live_reuse_key key = {
            .crs = p.crs, .frame = frame, .ground_gen = 1, .has_ground = true};
        app_live_reuse *fresh = NULL;
        long r = app_live_reuse_positions(cache, &key, n, p.x, p.y, x, y, gz, count_xy, ground, &c);
        long r0 =
            app_live_reuse_positions(&fresh, &key, n, p.x, p.y, fx, fy, fgz, count_xy, ground, &fc);
        TW_CHECK(r0 == 0 && fc.xy_points == n);
        TW_CHECK_MSG(same_bits(x, fx, n * sizeof *x) && same_bits(y, fy, n * sizeof *y) &&
                         same_bits(gz, fgz, n * sizeof *gz),
                     "%s: response at %.3f s: reused positions differ from fresh ones", path, t);
        TW_CHECK(r >= 0 && (size_t)r + c.xy_points == n);
        *reused_total += (size_t)(r > 0 ? r : 0);
        /* The same response again: nothing is transformed or sampled. */
        c.xy_points = c.z_calls = 0;
        r = app_live_reuse_positions(cache, &key, n, p.x, p.y, x, y, gz, count_xy, ground, &c);
        TW_CHECK_MSG((size_t)r == n && c.xy_points == 0 && c.z_calls == 0,
                     "%s again: %ld reused of %zu, %zu transformed", path, r, n, c.xy_points);
        TW_CHECK(same_bits(x, fx, n * sizeof *x) && same_bits(gz, fgz, n * sizeof *gz));
        app_live_reuse_free(fresh);
        free(x), free(y), free(fx), free(fy), free(gz), free(fgz);
        checked = true;
    }
    free(p.x), free(p.y);
    tw_obs_free(snap);
    return checked;
}

/* Each response of a recording, in order, through one cache, against a
 * fresh transform of the same positions. Returns responses checked. */
static int check_recording(const char *path, geo_frame *frame, size_t *reused_total)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char line[4096], fmt_name[64] = "";
    live_format fmt = LIVE_FORMAT_COUNT;
    int checked = 0;
    app_live_reuse *cache = NULL;
    geo_xform *xf = NULL;
    char err[256];
    TW_CHECK(geo_xform_create_lonlat(frame, &xf, err, sizeof err) == TW_OK);
    while (xf && fgets(line, sizeof line, f)) {
        if (sscanf(line, "format %63s", fmt_name) == 1) {
            TW_CHECK(live_format_from_name(fmt_name, &fmt));
            continue;
        }
        double t;
        long status;
        long long rc;
        size_t elen, blen;
        if (line[0] != '@' ||
            sscanf(line, "@ %lf %ld %lld %zu %zu", &t, &status, &rc, &elen, &blen) != 5)
            continue;
        char *body = malloc(elen + blen + 1);
        if (!body || fread(body, 1, elen + blen, f) != elen + blen) {
            free(body);
            break;
        }
        body[elen + blen] = '\0';
        if (status == 200 && blen > 0 && fmt == LIVE_FORMAT_GEOJSON)
            TW_CHECK(check_geojson(path, body + elen, blen) > 0);
        if (status == 200 && blen > 0 &&
            check_body(fmt, body + elen, blen, frame, xf, &cache, reused_total, path, t))
            checked++;
        free(body);
    }
    app_live_reuse_free(cache);
    if (xf) geo_xform_destroy(xf);
    fclose(f);
    return checked;
}

static int check_dir(const char *dir, geo_frame *frame, size_t *reused)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".rec") != 0) continue;
        char path[2048];
        snprintf(path, sizeof path, "%.1000s/%.1000s", dir, e->d_name);
        int k = check_recording(path, frame, reused);
        printf("  %s: %d responses\n", e->d_name, k);
        n += k;
    }
    if (d) closedir(d);
    return n;
}

static void test_recordings(void)
{
    geo_frame *frame = frame_5186();
    TW_CHECK(frame != NULL);
    if (!frame) return;
    size_t reused = 0;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/assets/recordings/seoul-demo", getenv("CITYTWIN_SOURCE"));
    int n = check_dir(dir, frame, &reused);
    TW_CHECK_MSG(n >= 8, "only %d responses in the shipped recording", n);
    TW_CHECK_MSG(reused > 0, "no position was reused over %d responses", n);
    const char *shared = getenv("CITYTWIN_SHARED_DATA");
    static const struct {
        const char *path;
        live_format fmt;
    } files[] = {
        {"feeds/seoul_openapi/seoul_GetParkInfo_20200221_excerpt.json", LIVE_FORMAT_SEOUL},
        {"feeds/fiware/AirQualityObserved_example-normalized.jsonld", LIVE_FORMAT_NGSILD},
        {"feeds/fiware/OffStreetParking_example.json", LIVE_FORMAT_NGSILD},
        {"feeds/fiware/WeatherObserved_example-normalized.jsonld", LIVE_FORMAT_NGSILD},
    };
    geo_xform *xf = NULL;
    char err[256];
    TW_CHECK(geo_xform_create_lonlat(frame, &xf, err, sizeof err) == TW_OK);
    int shared_n = 0;
    for (size_t k = 0; xf && shared && shared[0] && k < sizeof files / sizeof files[0]; k++) {
        snprintf(dir, sizeof dir, "%s/%s", shared, files[k].path);
        FILE *f = fopen(dir, "rb");
        if (!f) continue;
        static char buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        app_live_reuse *cache = NULL;
        bool ok = check_body(files[k].fmt, buf, len, frame, xf, &cache, &reused, dir, 0);
        TW_CHECK_MSG(ok, "%s: no entity", dir);
        shared_n += ok;
        app_live_reuse_free(cache);
    }
    if (!shared_n)
        printf("  (no ../shared/data feeds: the shared payloads are not checked)\n");
    else
        printf("  %d shared payloads\n", shared_n);
    if (xf) geo_xform_destroy(xf);
    geo_frame_destroy(frame);
}

/* A grid of lon/lat points; one moved, one changed CRS, frame, ground. */
static void test_changes(void)
{
    geo_frame *frame = frame_5186(), *other = frame_5186();
    TW_CHECK(frame && other);
    if (!frame || !other) return;
    geo_xform *xf = NULL;
    char err[256];
    TW_CHECK(geo_xform_create_lonlat(frame, &xf, err, sizeof err) == TW_OK);
    enum { N = 1000 };
    static double lon[N], lat[N], x[N], y[N], fx[N], fy[N];
    static float gz[N], fgz[N];
    for (int i = 0; i < N; i++) lon[i] = 126.8 + 0.0003 * i, lat[i] = 37.4 + 0.0002 * (i % 37);
    lon[7] = NAN; /* no position: not finite, kept so, not sampled */
    app_live_reuse *cache = NULL, *fresh = NULL;
    app_live_reuse_key key = {.crs = NULL, .frame = frame, .ground_gen = 3, .has_ground = true};
    counts c = {.xf = xf};
    TW_CHECK(app_live_reuse_positions(&cache, &key, N, lon, lat, x, y, gz, count_xy, ground, &c) ==
             0);
    TW_CHECK(c.xy_points == N && c.z_calls == N - 1);
    TW_CHECK(!isfinite(x[7]) && gz[7] == 0);
    /* One moved, the list one shorter: one transformed, the rest kept. */
    lat[500] += 1e-6;
    c.xy_points = c.z_calls = 0;
    long r =
        app_live_reuse_positions(&cache, &key, N - 1, lon, lat, x, y, gz, count_xy, ground, &c);
    TW_CHECK_MSG(r == N - 2 && c.xy_points == 1 && c.z_calls == 1, "%ld reused, %zu transformed", r,
                 c.xy_points);
    counts fc = {.xf = xf};
    app_live_reuse_positions(&fresh, &key, N - 1, lon, lat, fx, fy, fgz, count_xy, ground, &fc);
    TW_CHECK(same_bits(x, fx, sizeof x[0] * (N - 1)) && same_bits(y, fy, sizeof y[0] * (N - 1)));
    TW_CHECK(same_bits(gz, fgz, sizeof gz[0] * (N - 1)));
    /* Longer again: the new tail is transformed. */
    c.xy_points = 0;
    r = app_live_reuse_positions(&cache, &key, N, lon, lat, x, y, gz, count_xy, ground, &c);
    TW_CHECK(r == N - 1 && c.xy_points == 1);
    /* Another ground: positions kept, every height sampled again. */
    key.ground_gen = 4;
    c.xy_points = c.z_calls = 0, c.z_shift = 10;
    r = app_live_reuse_positions(&cache, &key, N, lon, lat, x, y, gz, count_xy, ground, &c);
    TW_CHECK(c.xy_points == 0 && c.z_calls == N - 1);
    TW_CHECK(fabsf(gz[0] - fgz[0] - 10.0f) < 1e-3f);
    /* Another CRS or frame: nothing kept. */
    key.crs = "EPSG:4326";
    c.xy_points = 0;
    r = app_live_reuse_positions(&cache, &key, N, lon, lat, x, y, gz, count_xy, ground, &c);
    TW_CHECK(r == 0 && c.xy_points == N);
    key.frame = other;
    c.xy_points = 0;
    r = app_live_reuse_positions(&cache, &key, N, lon, lat, x, y, gz, count_xy, ground, &c);
    TW_CHECK(r == 0 && c.xy_points == N);
    /* No transform: all NaN, cache dropped; then all transformed again. */
    key.crs = "EPSG:5186";
    r = app_live_reuse_positions(&cache, &key, N, lon, lat, x, y, gz, no_xy, ground, &c);
    TW_CHECK(r == -1 && cache == NULL && isnan(x[0]) && isnan(y[N - 1]));
    c.xy_points = 0;
    r = app_live_reuse_positions(&cache, &key, N, lon, lat, x, y, gz, count_xy, ground, &c);
    TW_CHECK(r == 0 && c.xy_points == N);
    app_live_reuse_free(cache), app_live_reuse_free(fresh);
    geo_xform_destroy(xf);
    geo_frame_destroy(frame), geo_frame_destroy(other);
}

/* Documents that read streamed, and ones that must take the whole road. */
static void test_geojson_streamed(void)
{
    static const char *const docs[] = {
        /* plain, with a BOM, escapes, a bad feature, null properties */
        "\xEF\xBB\xBF{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"id\":\"a\\u0041\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[127.0,37.5]},"
        "\"properties\":{\"name\":\"\\uC11C\\uC6B8\",\"value\":3.5,\"time\":"
        "\"2024-01-02T03:04:05Z\"}}, 7, {\"type\":\"Feature\",\"id\":2,\"geometry\":{\"type\":"
        "\"Point\",\"coordinates\":[127.1,37.6]},\"properties\":null}]}  \n",
        /* crs before the features: positions in EPSG:5186 */
        "{\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::5186\"}},"
        "\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"p\","
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[200000,550000]},\"properties\":{}}]}",
        /* crs after the features: whole road */
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"p\","
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[200000,550000]},\"properties\":{}}],"
        "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:5186\"}}}",
        /* type after the features, extra members, an empty list */
        "{\"features\":[],\"bbox\":[1,2,3,4],\"type\":\"FeatureCollection\"}",
        /* errors: the same message either way */
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\"},]}",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\"}]} x",
        "{\"type\":\"FeatureCollection\",\"features\":{}}",
        "{\"type\":\"Collection\",\"features\":[]}",
        "{\"features\":[]}",
        "{\"type\":\"FeatureCollection\",\"type\":\"FeatureCollection\",\"features\":[]}",
        "{\"type\":\"FeatureCollection\",\"features\":[],\"features\":[1]}",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":1,"
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[127,37]},\"properties\":{}}",
        "{\"type\":\"Feature\",\"id\":\"one\",\"geometry\":{\"type\":\"Point\",\"coordinates\":"
        "[127,37]},\"properties\":{\"value\":1}}",
        "[]",
        "",
        "{",
        "{\"type\":\"FeatureCollection\",\"features\":[",
    };
    int read = 0, streamed = 0;
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        char what[32];
        snprintf(what, sizeof what, "document %zu", k);
        read += check_geojson(what, docs[k], strlen(docs[k])) > 0;
        tw_obs_snapshot *s = live__geojson_stream(docs[k], strlen(docs[k]), NULL);
        TW_CHECK_MSG((s != NULL) == (k == 0 || k == 1 || k == 3), "%s %s streamed", what,
                     s ? "was" : "was not");
        streamed += s != NULL;
        tw_obs_free(s);
    }
    TW_CHECK_MSG(read == 4 && streamed == 3, "%d documents read, %d streamed", read, streamed);
    /* A large one, as citytwin-feedsim --bulk-sensors writes. */
    enum { N = 20000 };
    size_t cap = (size_t)N * 200 + 100, len = 0;
    char *big = malloc(cap);
    TW_CHECK(big != NULL);
    if (!big) return;
    len += (size_t)snprintf(big, cap, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(big + len, cap - len,
                                "%s{\"type\":\"Feature\",\"id\":\"s%05d\",\"geometry\":{\"type\":"
                                "\"Point\",\"coordinates\":[%.6f,%.6f]},\"properties\":{\"name\":"
                                "\"S %d\",\"value\":%.2f}}",
                                i ? "," : "", i, 126.8 + 0.00001 * i, 37.4 + 0.00002 * (i % 97), i,
                                (i * 7919) % 1000 / 10.0);
    len += (size_t)snprintf(big + len, cap - len, "]}");
    TW_CHECK(check_geojson("bulk", big, len) == N);
    tw_obs_snapshot *s = live__geojson_stream(big, len, NULL);
    TW_CHECK(s && s->entity_count == N);
    tw_obs_free(s);
    free(big);
}

int main(void)
{
    if (!getenv("CITYTWIN_SOURCE")) TW_SKIP("CITYTWIN_SOURCE is not set (run through ctest)");
    TW_RUN(test_recordings);
    TW_RUN(test_changes);
    TW_RUN(test_geojson_streamed);
    return TW_TEST_END();
}
