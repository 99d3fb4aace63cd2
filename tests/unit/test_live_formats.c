/* Feed formats on real payloads (tests/data/feeds, see its README) and on
 * broken variants: exact ids, Korean names, positions, values, units and
 * times; errors and skip counts where the input is wrong, never a crash. */
#include "live_formats.h"
#include "tw_file.h"
#include "tw_test.h"

#include <math.h>

#define EPS 1e-6

static char *load(const char *name, size_t *len)
{
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "tests/data/feeds/%s", name);
    char *text = NULL;
    if (tw_file_read(tw_test_shipped(rel, path, sizeof path), 1 << 24, &text, len) != TW_OK) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    return text;
}

static char *load_asset(const char *rel, size_t *len)
{
    char path[1024];
    char *text = NULL;
    if (tw_file_read(tw_test_shipped(rel, path, sizeof path), 1 << 24, &text, len) != TW_OK) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    return text;
}

typedef tw_result (*parse_fn)(const char *, size_t, const live_options *, tw_obs_snapshot **,
                              char *, size_t);

/* Parses a shipped file; the test fails (and NULL comes back) on an error. */
static tw_obs_snapshot *parse_file(parse_fn fn, const char *name, const live_options *opt)
{
    size_t len;
    char *text = load(name, &len);
    tw_obs_snapshot *s = NULL;
    char err[256] = "";
    tw_result r = fn(text, len, opt, &s, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s: %s", name, err);
    free(text);
    return s;
}

static tw_result parse_text(parse_fn fn, const char *text, const live_options *opt,
                            tw_obs_snapshot **s, char *err, size_t n)
{
    return fn(text, strlen(text), opt, s, err, n);
}

static int skips(const tw_obs_snapshot *s)
{
    int n = 0;
    for (int i = 0; i < TW_OBS_SKIP_COUNT; i++) n += s->skipped[i];
    return n;
}

static void check_number(const tw_obs_snapshot *s, const tw_obs_entity *e, const char *name,
                         double want)
{
    const tw_obs_value *v = tw_obs_find_value(s, e, name);
    TW_CHECK_MSG(v != NULL, "value %s missing", name);
    if (v) TW_CHECK_NEAR(v->number, want, 1e-9);
}

static void test_ngsild_offstreet(void)
{
    tw_obs_snapshot *s =
        parse_file(live_ngsild_parse, "OffStreetParking_example-normalized.jsonld", NULL);
    if (!s) return;
    TW_CHECK(s->entity_count == 1 && skips(s) == 0);
    tw_obs_entity *e = &s->entities[0];
    TW_CHECK_STR(e->id, "urn:ngsi-ld:OffStreetParking:porto-ParkingLot-23889");
    TW_CHECK_STR(e->type, "OffStreetParking");
    TW_CHECK_STR(e->name, "Parque de estacionamento Trindade");
    TW_CHECK(e->geom == TW_OBS_GEOM_POINT);
    TW_CHECK_NEAR(e->x, -8.60961198807, EPS);
    TW_CHECK_NEAR(e->y, 41.150691773, EPS);
    const tw_obs_value *m = tw_obs_main(s, e);
    TW_CHECK(m && strcmp(m->name, "availableSpotNumber") == 0);
    if (m) TW_CHECK_NEAR(m->number, 132, 0);
    TW_CHECK_NEAR(e->observed_at, 1537531200.0, 1e-3); /* 2018-09-21T12:00:00Z, its observedAt */
    TW_CHECK_NEAR(s->newest_at, 1537531200.0, 1e-3);
    check_number(s, e, "totalSpotNumber", 414);
    check_number(s, e, "occupancy", 0.68);
    /* Structured values (fourWheelerSlots) are not scalar values, but a
     * PostalAddress is one text, locality first (the tooltip shows it);
     * a {"@type": "DateTime"} value is kept as its text. */
    TW_CHECK(tw_obs_find_value(s, e, "fourWheelerSlots") == NULL);
    const tw_obs_value *ad = tw_obs_find_value(s, e, "address");
    TW_CHECK(ad && ad->text && strcmp(ad->text, "Porto Rua de Fernandes Tomas") == 0);
    const tw_obs_value *t = tw_obs_find_value(s, e, "observationDateTime");
    TW_CHECK(t && t->text && strcmp(t->text, "2021-03-11T15:51:02Z") == 0);
    tw_obs_free(s);

    s = parse_file(live_ngsild_parse, "OffStreetParking_example.json", NULL);
    if (!s) return;
    e = &s->entities[0];
    TW_CHECK(s->entity_count == 1);
    TW_CHECK_STR(e->id, "porto-ParkingLot-23889");
    TW_CHECK_STR(e->name, "Parque de estacionamento Trindade");
    m = tw_obs_main(s, e);
    TW_CHECK(m && strcmp(m->name, "availableSpotNumber") == 0 && m->number == 132);
    /* keyValues has no observedAt: the entity's observationDateTime. */
    TW_CHECK_NEAR(e->observed_at, 1615477862.0, 1e-3);
    tw_obs_free(s);

    /* A value named by the caller wins over the preset. */
    s = parse_file(live_ngsild_parse, "OffStreetParking_example.json",
                   &(live_options){.value = "occupancy"});
    if (!s) return;
    m = tw_obs_main(s, &s->entities[0]);
    TW_CHECK(m && m->number == 0.68);
    tw_obs_free(s);
}

static void check_text(const tw_obs_snapshot *s, const tw_obs_entity *e, const char *name,
                       const char *want)
{
    const tw_obs_value *v = tw_obs_find_value(s, e, name);
    TW_CHECK_MSG(v && v->text && strcmp(v->text, want) == 0, "%s: %s, want %s", name,
                 v && v->text ? v->text : "(none)", want);
}

/* The parking fee (what the hover's "요금 Fee" line shows) from the smart
 * data models' "category" (feeCharged / free) and "chargeType", in both
 * forms; the OnStreetParking payloads are written from the model's spec
 * (its category and chargeType enums), there is no sample of it here. */
static void test_ngsild_parking_fee(void)
{
    const char *files[] = {"OffStreetParking_example-normalized.jsonld",
                           "OffStreetParking_example.json"};
    for (int i = 0; i < 2; i++) {
        tw_obs_snapshot *s = parse_file(live_ngsild_parse, files[i], NULL);
        if (!s) continue;
        check_text(s, &s->entities[0], "fee", "유료 paid (temporaryPrice)");
        TW_CHECK(tw_obs_find_value(s, &s->entities[0], "category") == NULL);
        tw_obs_free(s);
    }
    const char *text =
        "[{\"id\": \"urn:ngsi-ld:OnStreetParking:a\", \"type\": \"OnStreetParking\","
        " \"category\": {\"type\": \"Property\", \"value\": [\"free\", \"shortTerm\"]},"
        " \"location\": {\"type\": \"GeoProperty\", \"value\": {\"type\": \"Point\","
        " \"coordinates\": [127.0, 37.5]}}},"
        "{\"id\": \"b\", \"type\": \"OnStreetParking\", \"chargeType\": [\"free\"],"
        " \"location\": {\"type\": \"Point\", \"coordinates\": [127.0, 37.5]}},"
        "{\"id\": \"c\", \"type\": \"OnStreetParking\", \"category\": [\"blueZone\"],"
        " \"chargeType\": [\"flat\", \"free\"],"
        " \"location\": {\"type\": \"Point\", \"coordinates\": [127.0, 37.5]}},"
        "{\"id\": \"d\", \"type\": \"OnStreetParking\", \"category\": [\"feeCharged\"],"
        " \"fee\": \"2000 KRW / 30 min\","
        " \"location\": {\"type\": \"Point\", \"coordinates\": [127.0, 37.5]}},"
        "{\"id\": \"e\", \"type\": \"OnStreetParking\", \"category\": [\"blueZone\"],"
        " \"location\": {\"type\": \"Point\", \"coordinates\": [127.0, 37.5]}}]";
    tw_obs_snapshot *s = NULL;
    char err[256];
    TW_CHECK_MSG(parse_text(live_ngsild_parse, text, NULL, &s, err, sizeof err) == TW_OK, "%s",
                 err);
    if (!s) return;
    TW_CHECK(s->entity_count == 5);
    check_text(s, &s->entities[0], "fee", "무료 free");
    check_text(s, &s->entities[1], "fee", "무료 free");
    check_text(s, &s->entities[2], "fee", "유료 paid (flat)");
    check_text(s, &s->entities[3], "fee", "2000 KRW / 30 min"); /* its own, not a second one */
    TW_CHECK(s->entities[3].value_count == 1);
    TW_CHECK(tw_obs_find_value(s, &s->entities[4], "fee") == NULL); /* nothing said */
    tw_obs_free(s);
}

static void test_ngsild_parking_spot(void)
{
    tw_obs_snapshot *s =
        parse_file(live_ngsild_parse, "ParkingSpot_example-normalized.jsonld", NULL);
    if (!s) return;
    tw_obs_entity *e = &s->entities[0];
    TW_CHECK_STR(e->id, "urn:ngsi-ld:ParkingSpot:santander:daoiz_velarde_1_5:3");
    TW_CHECK_STR(e->name, "A-13");
    TW_CHECK_NEAR(e->x, -3.80356167695194, EPS);
    TW_CHECK_NEAR(e->y, 43.46296641666926, EPS);
    const tw_obs_value *m = tw_obs_main(s, e);
    TW_CHECK(m && m->text && strcmp(m->text, "free") == 0 && isnan(m->number));
    TW_CHECK_NEAR(e->observed_at, 1537531200.0, 1e-3);
    TW_CHECK(tw_obs_find_value(s, e, "refParkingSite") == NULL); /* a Relationship */
    tw_obs_free(s);

    s = parse_file(live_ngsild_parse, "ParkingSpot_example.json", NULL);
    if (!s) return;
    e = &s->entities[0];
    TW_CHECK_STR(e->id, "santander:daoiz_velarde_1_5:3");
    m = tw_obs_main(s, e);
    TW_CHECK(m && m->text && strcmp(m->text, "free") == 0);
    TW_CHECK(isnan(e->observed_at));
    TW_CHECK(isnan(s->newest_at));
    tw_obs_free(s);
}

static void test_ngsild_air_weather_device(void)
{
    tw_obs_snapshot *s =
        parse_file(live_ngsild_parse, "AirQualityObserved_example-normalized.jsonld", NULL);
    if (!s) return;
    tw_obs_entity *e = &s->entities[0];
    TW_CHECK_STR(e->type, "AirQualityObserved");
    const tw_obs_value *m = tw_obs_main(s, e);
    TW_CHECK(m && strcmp(m->name, "no2") == 0 && m->number == 69);
    TW_CHECK(m && m->unit && strcmp(m->unit, "GQ") == 0);
    TW_CHECK_NEAR(e->x, -3.712247222222222, EPS);
    TW_CHECK_NEAR(e->y, 40.423852777777775, EPS);
    /* dateObserved without a zone is read as UTC. */
    TW_CHECK_NEAR(e->observed_at, 1458039600.0, 1e-3);
    tw_obs_free(s);

    /* The keyValues example has no no2 / pm10: the next preset. */
    s = parse_file(live_ngsild_parse, "AirQualityObserved_example.json", NULL);
    if (!s) return;
    m = tw_obs_main(s, &s->entities[0]);
    TW_CHECK(m && strcmp(m->name, "airQualityIndex") == 0 && m->number == 65);
    tw_obs_free(s);

    const char *weather[] = {"WeatherObserved_example-normalized.jsonld",
                             "WeatherObserved_example.json"};
    for (int i = 0; i < 2; i++) {
        s = parse_file(live_ngsild_parse, weather[i], NULL);
        if (!s) return;
        e = &s->entities[0];
        m = tw_obs_main(s, e);
        TW_CHECK(m && strcmp(m->name, "temperature") == 0 && m->number == 3.3);
        check_number(s, e, "windSpeed", 2);
        check_number(s, e, "windDirection", 135);
        TW_CHECK_NEAR(e->x, -4.754444444, EPS);
        TW_CHECK_NEAR(e->y, 41.640833333, EPS);
        TW_CHECK_NEAR(e->observed_at, 1480489200.0, 1e-3); /* 2016-11-30T07:00:00.00Z */
        tw_obs_free(s);
    }

    /* The normalized example types its location "Property", not
     * "GeoProperty"; its coordinates are as published (lat, lon swapped). */
    const char *device[] = {"DeviceMeasurement_example-normalized.jsonld",
                            "DeviceMeasurement_example.json"};
    for (int i = 0; i < 2; i++) {
        s = parse_file(live_ngsild_parse, device[i], NULL);
        if (!s) return;
        TW_CHECK(s->entity_count == 1);
        if (s->entity_count != 1) continue;
        e = &s->entities[0];
        TW_CHECK_STR(e->id, "urn:ngsi-ld:MEASUREMENT:id:PMZY:77452386");
        TW_CHECK_STR(e->name, "Simple measurement");
        m = tw_obs_main(s, e);
        TW_CHECK(m && strcmp(m->name, "numValue") == 0 && m->number == 55.2);
        TW_CHECK_NEAR(e->x, 60.170833, EPS);
        TW_CHECK_NEAR(e->y, 24.9375, EPS);
        TW_CHECK_NEAR(e->observed_at, 1630654398.0, 1e-3);
        tw_obs_free(s);
    }
}

/* All ten examples as one array, as a broker's answer would be. */
static void test_ngsild_array(void)
{
    const char *files[] = {
        "OffStreetParking_example-normalized.jsonld",   "OffStreetParking_example.json",
        "ParkingSpot_example-normalized.jsonld",        "ParkingSpot_example.json",
        "AirQualityObserved_example-normalized.jsonld", "AirQualityObserved_example.json",
        "WeatherObserved_example-normalized.jsonld",    "WeatherObserved_example.json",
        "DeviceMeasurement_example-normalized.jsonld",  "DeviceMeasurement_example.json"};
    size_t cap = 1 << 16, used = 1;
    char *all = malloc(cap);
    all[0] = '[';
    for (int i = 0; i < 10; i++) {
        size_t len;
        char *t = load(files[i], &len);
        if (i) all[used++] = ',';
        memcpy(all + used, t, len);
        used += len;
        free(t);
    }
    all[used++] = ']';
    tw_obs_snapshot *s = NULL;
    char err[256];
    TW_CHECK(live_ngsild_parse(all, used, NULL, &s, err, sizeof err) == TW_OK);
    if (s) {
        TW_CHECK(s->entity_count == 10 && skips(s) == 0);
        TW_CHECK_NEAR(s->newest_at, 1630654398.0, 1e-3); /* the DeviceMeasurement */
        tw_obs_free(s);
    }
    free(all);
}

/* TrafficFlowObserved on a road segment (made up in the shape of the
 * model's examples): a LineString keeps its vertices. */
static void test_ngsild_traffic_line(void)
{
    const char *text =
        "[{\"id\": \"urn:ngsi-ld:TrafficFlowObserved:gangnam-1\", \"type\": "
        "\"TrafficFlowObserved\", \"name\": {\"type\": \"Property\", \"value\": \"테헤란로\"},"
        "\"location\": {\"type\": \"GeoProperty\", \"value\": {\"type\": \"LineString\","
        "\"coordinates\": [[127.02, 37.50], [127.04, 37.50], [127.06, 37.51]]}},"
        "\"averageVehicleSpeed\": {\"type\": \"Property\", \"value\": 17.5, \"unitCode\": "
        "\"KMH\", \"observedAt\": \"2024-05-01T08:30:00+09:00\"},"
        "\"congested\": {\"type\": \"Property\", \"value\": true},"
        "\"refRoadSegment\": {\"type\": \"Relationship\", \"object\": \"urn:x\"}}]";
    tw_obs_snapshot *s = NULL;
    char err[256];
    TW_CHECK(parse_text(live_ngsild_parse, text, NULL, &s, err, sizeof err) == TW_OK);
    if (!s) return;
    tw_obs_entity *e = &s->entities[0];
    TW_CHECK_STR(e->name, "테헤란로");
    TW_CHECK(e->geom == TW_OBS_GEOM_LINE && e->vertex_count == 3);
    TW_CHECK_NEAR(tw_obs_vertices(s, e)[4], 127.06, EPS);
    TW_CHECK_NEAR(e->x, 127.04, EPS);
    TW_CHECK_NEAR(e->y, (37.50 + 37.50 + 37.51) / 3, EPS);
    const tw_obs_value *m = tw_obs_main(s, e);
    TW_CHECK(m && m->number == 17.5 && m->unit && strcmp(m->unit, "KMH") == 0);
    TW_CHECK_NEAR(e->observed_at, 1714519800.0, 1e-3); /* 08:30 KST = 23:30 UTC the day before */
    check_number(s, e, "congested", 1);
    tw_obs_free(s);
}

static void test_ngsild_broken(void)
{
    size_t len;
    char *text = load("OffStreetParking_example-normalized.jsonld", &len);
    tw_obs_snapshot *s = NULL;
    char err[256] = "";
    TW_CHECK(live_ngsild_parse(text, len / 2, NULL, &s, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK(s == NULL);
    TW_CHECK_MSG(strncmp(err, "bad JSON at line ", 17) == 0, "%s", err);
    free(text);

    TW_CHECK(parse_text(live_ngsild_parse, "\"hello\"", NULL, &s, err, sizeof err) ==
             TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "not an NGSI-LD entity array") != NULL, "%s", err);
    TW_CHECK(parse_text(live_ngsild_parse,
                        "{\"type\": \"https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound\","
                        "\"title\": \"Entity not found\"}",
                        NULL, &s, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "Entity not found") != NULL, "%s", err);

    const char *bad = "[42, {\"type\": \"ParkingSpot\"},"
                      "{\"id\": \"a\", \"type\": \"ParkingSpot\"},"
                      "{\"id\": \"b\", \"location\": {\"type\": \"Point\", \"coordinates\": [10, "
                      "200]}},"
                      "{\"id\": \"c\", \"location\": \"here\"},"
                      "{\"id\": \"d\", \"location\": {\"type\": \"Point\", \"coordinates\": "
                      "[\"x\", 1]}},"
                      "{\"id\": 7, \"type\": [\"ParkingSpot\"], \"status\": [\"free\"],"
                      " \"location\": {\"type\": \"Point\", \"coordinates\": [1, 2]}}]";
    TW_CHECK(parse_text(live_ngsild_parse, bad, NULL, &s, err, sizeof err) == TW_OK);
    if (s) {
        TW_CHECK(s->entity_count == 1);
        TW_CHECK(s->skipped[TW_OBS_SKIP_NOT_OBJECT] == 1);
        TW_CHECK(s->skipped[TW_OBS_SKIP_NO_ID] == 1);
        TW_CHECK(s->skipped[TW_OBS_SKIP_NO_LOCATION] == 1);
        TW_CHECK(s->skipped[TW_OBS_SKIP_BAD_GEOMETRY] == 3);
        TW_CHECK_STR(s->entities[0].id, "7");
        TW_CHECK(tw_obs_main(s, &s->entities[0]) == NULL); /* an array is no value */
        tw_obs_free(s);
    }

    /* A name of 1 MB of Korean text is cut at the cap on a UTF-8 boundary. */
    size_t big = 1 << 20;
    char *huge = malloc(big + 256);
    int n = snprintf(huge, 256, "{\"id\": \"x\", \"name\": \"");
    for (size_t i = 0; i + 3 <= big; i += 3) memcpy(huge + n + i, "가", 3);
    n += (int)(big / 3 * 3);
    n += snprintf(huge + n, 256,
                  "\", \"location\": {\"type\": \"Point\", \"coordinates\": [127, 37]}}");
    TW_CHECK(live_ngsild_parse(huge, (size_t)n, NULL, &s, err, sizeof err) == TW_OK);
    if (s) {
        TW_CHECK(s->truncated_strings == 1);
        TW_CHECK(strlen(s->entities[0].name) == 1023); /* 341 whole characters */
        tw_obs_free(s);
    }
    free(huge);

    /* Caps on entities and values per entity are counted. */
    const char *many =
        "[{\"id\": \"1\", \"location\": {\"type\": \"Point\", \"coordinates\": [1, 1]},"
        " \"a\": 1, \"b\": 2, \"c\": 3},"
        "{\"id\": \"2\", \"location\": {\"type\": \"Point\", \"coordinates\": [1, 1]}},"
        "{\"id\": \"3\", \"location\": {\"type\": \"Point\", \"coordinates\": [1, 1]}}]";
    live_options capped = {.limits = {.max_entities = 2, .max_values = 2}};
    TW_CHECK(parse_text(live_ngsild_parse, many, &capped, &s, err, sizeof err) == TW_OK);
    if (s) {
        TW_CHECK(s->entity_count == 2 && s->dropped_entities == 1);
        TW_CHECK(s->entities[0].value_count == 2 && s->dropped_values == 1);
        tw_obs_free(s);
    }
}

static void test_geojson(void)
{
    size_t len;
    char *text = load_asset("assets/data/points/seoul_subway_stations_2024.geojson", &len);
    tw_obs_snapshot *s = NULL;
    char err[256] = "";
    live_options opt = {.id_field = "statn_id", .value = "route"};
    TW_CHECK_MSG(live_geojson_parse(text, len, &opt, &s, err, sizeof err) == TW_OK, "%s", err);
    free(text);
    if (s) {
        TW_CHECK(s->entity_count == 771 && skips(s) == 0);
        TW_CHECK(s->crs == NULL);
        tw_obs_entity *e = &s->entities[0];
        TW_CHECK_STR(e->id, "9996");
        TW_CHECK_STR(e->name, "미사");
        TW_CHECK_NEAR(e->x, 127.193877, EPS);
        TW_CHECK_NEAR(e->y, 37.560927, EPS);
        const tw_obs_value *m = tw_obs_main(s, e);
        TW_CHECK(m && m->text && strcmp(m->text, "5호선") == 0);
        tw_obs_free(s);
    }

    text = load_asset("assets/data/admin/seoul_gu_2018.geojson", &len);
    TW_CHECK(live_geojson_parse(text, len, &(live_options){.id_field = "code"}, &s, err,
                                sizeof err) == TW_OK);
    free(text);
    if (s) {
        TW_CHECK(s->entity_count == 25);
        tw_obs_entity *e = &s->entities[0];
        TW_CHECK_STR(e->id, "11010");
        TW_CHECK_STR(e->name, "종로구");
        TW_CHECK(e->geom == TW_OBS_GEOM_POLYGON && e->vertex_count == 60);
        TW_CHECK_NEAR(e->x, 126.977295399, EPS); /* area centroid of the ring */
        TW_CHECK_NEAR(e->y, 37.594924628, EPS);
        tw_obs_free(s);
    }

    const char *bad =
        "{\"type\": \"FeatureCollection\", \"crs\": {\"type\": \"name\", \"properties\": "
        "{\"name\": \"urn:ogc:def:crs:EPSG::5186\"}}, \"features\": ["
        "{\"type\": \"Feature\", \"id\": 1, \"geometry\": null, \"properties\": {}},"
        "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 2]}},"
        "{\"type\": \"Feature\", \"id\": \"p\", \"geometry\": {\"type\": \"MultiPoint\","
        "\"coordinates\": [[200000.5, 550000.25], [3, 4]]}, \"properties\": {\"v\": 3, "
        "\"observedAt\": \"2024-01-01T00:00:00Z\"}},"
        "\"junk\"]}";
    TW_CHECK(parse_text(live_geojson_parse, bad, &(live_options){.value = "v"}, &s, err,
                        sizeof err) == TW_OK);
    if (s) {
        TW_CHECK_STR(s->crs, "urn:ogc:def:crs:EPSG::5186");
        TW_CHECK(s->entity_count == 1 && s->dropped_vertices == 1);
        TW_CHECK(s->skipped[TW_OBS_SKIP_NO_LOCATION] == 1 && s->skipped[TW_OBS_SKIP_NO_ID] == 1 &&
                 s->skipped[TW_OBS_SKIP_NOT_OBJECT] == 1);
        TW_CHECK_NEAR(s->entities[0].x, 200000.5, EPS);
        TW_CHECK_NEAR(s->entities[0].observed_at, 1704067200.0, 1e-3);
        const tw_obs_value *m = tw_obs_main(s, &s->entities[0]);
        TW_CHECK(m && m->number == 3);
        tw_obs_free(s);
    }
    TW_CHECK(parse_text(live_geojson_parse, "{\"type\": \"Feature\"", NULL, &s, err, sizeof err) ==
             TW_ERR_FORMAT);
    TW_CHECK_MSG(strncmp(err, "bad JSON at line 1", 18) == 0, "%s", err);
    TW_CHECK(parse_text(live_geojson_parse, "{\"type\": \"Topology\"}", NULL, &s, err,
                        sizeof err) == TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "not a GeoJSON FeatureCollection") != NULL, "%s", err);
}

static tw_result merge_file(tw_obs_snapshot *s, int which, const char *id, const char *name,
                            live_paging *pg)
{
    size_t len;
    char *text = load(name, &len);
    char err[256] = "";
    tw_result r = which == 0   ? live_sta_merge_locations(s, text, len, pg, err, sizeof err)
                  : which == 1 ? live_sta_merge_datastreams(s, id, text, len, pg, err, sizeof err)
                               : live_sta_merge_observations(s, id, text, len, pg, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK, "%s: %s", name, err);
    free(text);
    return r;
}

static void test_sta_toronto(void)
{
    size_t len;
    char *text = load("toronto-bike_Things.json", &len);
    tw_obs_snapshot *s = NULL;
    live_paging pg;
    char err[256] = "";
    TW_CHECK_MSG(live_sta_things(text, len, NULL, &s, &pg, err, sizeof err) == TW_OK, "%s", err);
    free(text);
    if (!s) return;
    TW_CHECK(s->entity_count == 100);
    TW_CHECK(pg.count == 199);
    TW_CHECK_STR(pg.next_link, "https://toronto-bike-snapshot.sensorup.com/v1.0/"
                               "Things?$top=100&$skip=100");
    TW_CHECK_STR(s->entities[0].id, "206047");
    TW_CHECK_STR(s->entities[0].name, "7061:Bloor St / Brunswick Ave");
    TW_CHECK(s->entities[0].geom == TW_OBS_GEOM_NONE);

    merge_file(s, 0, NULL, "toronto-bike_Locations.json", &pg);
    TW_CHECK(pg.count == 199);
    merge_file(s, 1, "206047", "toronto-bike_Things-206047_Datastreams.json", &pg);
    TW_CHECK(pg.count == 2 && pg.next_link[0] == '\0');
    merge_file(s, 2, "206051", "toronto-bike_Datastreams-206051_Observations.json", &pg);
    TW_CHECK(pg.count == 3511);
    live_sta_finish(s, &(live_options){.value = "available_docks"});
    TW_CHECK(s->entity_count == 100 && skips(s) == 0);
    tw_obs_entity *e = &s->entities[0];
    TW_CHECK_NEAR(e->x, -79.407224, EPS);
    TW_CHECK_NEAR(e->y, 43.665876, EPS);
    TW_CHECK(e->value_count == 2);
    const tw_obs_value *m = tw_obs_main(s, e);
    TW_CHECK(m && strcmp(m->name, "7061:Bloor St / Brunswick Ave:available_docks") == 0);
    if (m) {
        TW_CHECK(m->number == 23); /* "23" in the payload */
        TW_CHECK(m->unit && strcmp(m->unit, "{TOT}") == 0);
        TW_CHECK_STR(m->ref, "206051");
        TW_CHECK_NEAR(m->observed_at, 1487282112.233, 1e-3); /* 2017-02-16T21:55:12.233Z */
    }
    const tw_obs_value *bikes =
        tw_obs_find_value(s, e, "7061:Bloor St / Brunswick Ave:available_bikes");
    TW_CHECK(bikes && isnan(bikes->number)); /* its Observations were not merged */
    TW_CHECK_NEAR(e->observed_at, 1487282112.233, 1e-3);
    TW_CHECK_NEAR(s->newest_at, 1487282112.233, 1e-3);
    tw_obs_free(s);

    /* Without the Locations, every Thing is dropped and counted. */
    text = load("toronto-bike_Things.json", &len);
    TW_CHECK(live_sta_things(text, len, NULL, &s, NULL, err, sizeof err) == TW_OK);
    free(text);
    if (s) {
        live_sta_finish(s, NULL);
        TW_CHECK(s->entity_count == 0 && s->skipped[TW_OBS_SKIP_NO_LOCATION] == 100);
        tw_obs_free(s);
    }
}

/* An expanded answer in the shape of the standard's $expand examples (made
 * up: no clean real one was found, see the data README). */
static void test_sta_expanded(void)
{
    const char *text =
        "{\"@iot.count\": 3, \"value\": ["
        "{\"@iot.id\": \"t1\", \"name\": \"성수 센서\", \"Locations\": [{\"location\": "
        "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [127.05, "
        "37.54]}}}], \"Datastreams\": [{\"@iot.id\": 11, \"name\": \"pm10\", "
        "\"unitOfMeasurement\": {\"symbol\": \"ug/m3\"}, \"Observations\": ["
        "{\"phenomenonTime\": \"2024-03-01T00:00:00Z/2024-03-01T01:00:00Z\", \"result\": 41.5},"
        "{\"phenomenonTime\": \"2024-02-29T23:00:00Z\", \"result\": 30}]},"
        "{\"@iot.id\": 12, \"name\": \"status\", \"Observations\": [{\"resultTime\": "
        "\"2024-03-01T00:30:00Z\", \"result\": \"n/a\"}]}]},"
        "{\"@iot.id\": \"t2\", \"Locations\": [{\"location\": {\"type\": \"Point\", "
        "\"coordinates\": [\"a\", 1]}}]},"
        "{\"name\": \"no id\"}]}";
    tw_obs_snapshot *s = NULL;
    live_paging pg;
    char err[256] = "";
    TW_CHECK_MSG(live_sta_things(text, strlen(text), NULL, &s, &pg, err, sizeof err) == TW_OK, "%s",
                 err);
    if (!s) return;
    live_sta_finish(s, &(live_options){.value = "pm10"});
    TW_CHECK(pg.count == 3 && pg.next_link[0] == '\0');
    TW_CHECK(s->entity_count == 1);
    TW_CHECK(s->skipped[TW_OBS_SKIP_BAD_GEOMETRY] == 1 && s->skipped[TW_OBS_SKIP_NO_ID] == 1);
    TW_CHECK(s->skipped[TW_OBS_SKIP_BAD_VALUE] == 1); /* "n/a" */
    tw_obs_entity *e = &s->entities[0];
    TW_CHECK_STR(e->name, "성수 센서");
    TW_CHECK_NEAR(e->x, 127.05, EPS);
    const tw_obs_value *m = tw_obs_main(s, e);
    TW_CHECK(m && m->number == 41.5 && strcmp(m->unit, "ug/m3") == 0);
    TW_CHECK_NEAR(e->observed_at, 1709254800.0, 1e-3); /* the end of the interval */
    const tw_obs_value *st = tw_obs_find_value(s, e, "status");
    TW_CHECK(st && st->text && strcmp(st->text, "n/a") == 0 && isnan(st->number));
    tw_obs_free(s);

    TW_CHECK(live_sta_things("{\"@iot.count\": 1}", 17, NULL, &s, NULL, err, sizeof err) ==
             TW_ERR_FORMAT);
    TW_CHECK_MSG(strstr(err, "SensorThings: no \"value\" array") != NULL, "%s", err);
    TW_CHECK(live_sta_things("{\"value\": [", 11, NULL, &s, NULL, err, sizeof err) ==
             TW_ERR_FORMAT);
    TW_CHECK(live_sta_things("{\"value\": []}", 13, NULL, &s, NULL, err, sizeof err) == TW_OK);
    if (s) {
        TW_CHECK(live_sta_merge_datastreams(s, "9", "{\"value\": []}", 13, NULL, err, sizeof err) ==
                 TW_ERR_ARG);
        TW_CHECK(live_sta_merge_observations(s, "9", "{\"value\": []}", 13, NULL, err,
                                             sizeof err) == TW_ERR_ARG);
        tw_obs_free(s);
    }
}

static void test_seoul(void)
{
    size_t len;
    char *text = load("seoul_GetParkInfo_20200221_excerpt.json", &len);
    tw_obs_snapshot *s = NULL;
    live_paging pg;
    char err[256] = "";
    TW_CHECK_MSG(live_seoul_parse(text, len, NULL, &s, &pg, err, sizeof err) == TW_OK, "%s", err);
    free(text);
    if (!s) return;
    TW_CHECK(pg.count == 15078);
    TW_CHECK(s->entity_count == 9 && skips(s) == 0);
    tw_obs_entity *e = &s->entities[0];
    TW_CHECK_STR(e->id, "1037932");
    TW_CHECK_STR(e->name, "구로디지털단지역 환승주차장(시)");
    TW_CHECK_NEAR(e->x, 126.90124331, EPS);
    TW_CHECK_NEAR(e->y, 37.48543179, EPS);
    const tw_obs_value *m = tw_obs_main(s, e);
    TW_CHECK(m && strcmp(m->name, "cur_parking") == 0 && m->number == 82);
    check_number(s, e, "capacity", 93);
    const tw_obs_value *addr = tw_obs_find_value(s, e, "addr");
    TW_CHECK(addr && addr->text && strcmp(addr->text, "구로구 구로동 810-3") == 0);
    TW_CHECK_NEAR(e->observed_at, 1582269436.0, 1e-3); /* 2020-02-21 16:17:16 KST */
    TW_CHECK_STR(s->entities[1].name, "개포로24길33(구)");
    TW_CHECK(isnan(s->entities[3].observed_at));     /* cur_parking_time "" */
    TW_CHECK_NEAR(s->newest_at, 1582269511.0, 1e-3); /* 구파발역, 16:18:31 KST */
    tw_obs_free(s);

    /* Upper-case names, numbers as strings, nulls, a row without position. */
    const char *upper =
        "{\"GetParkingInfo\": {\"list_total_count\": \"2\", \"RESULT\": {\"CODE\": \"INFO-000\","
        "\"MESSAGE\": \"정상\"}, \"row\": [{\"PARKING_CODE\": \"171721\", \"PARKING_NAME\": "
        "\"세종로 공영주차장(시)\", \"LAT\": \"37.57340419\", \"LNG\": \"126.97588117\","
        "\"CAPACITY\": \"1260\", \"CUR_PARKING\": null, \"PAY_YN\": \"Y\"},"
        "{\"PARKING_CODE\": \"2\", \"LAT\": null, \"LNG\": null}]}}";
    TW_CHECK(live_seoul_parse(upper, strlen(upper), NULL, &s, &pg, err, sizeof err) == TW_OK);
    if (s) {
        TW_CHECK(pg.count == 2 && s->entity_count == 1);
        TW_CHECK(s->skipped[TW_OBS_SKIP_NO_LOCATION] == 1);
        e = &s->entities[0];
        TW_CHECK_STR(e->name, "세종로 공영주차장(시)");
        TW_CHECK_NEAR(e->y, 37.57340419, EPS);
        check_number(s, e, "capacity", 1260);
        TW_CHECK(tw_obs_main(s, e) == NULL); /* cur_parking is null */
        tw_obs_free(s);
    }

    const char *error = "{\"RESULT\": {\"CODE\": \"ERROR-336\", \"MESSAGE\": \"데이터요청은 한번에 "
                        "최대 1000건을 넘을 수 없습니다.\\n다시 요청하세요\"}}";
    TW_CHECK(live_seoul_parse(error, strlen(error), NULL, &s, &pg, err, sizeof err) ==
             TW_ERR_FORMAT);
    TW_CHECK_STR(err, "Seoul Open API error ERROR-336: 데이터요청은 한번에 최대 1000건을 넘을 수 "
                      "없습니다.");
    const char *none = "{\"GetParkInfo\": {\"RESULT\": {\"CODE\": \"INFO-200\", \"MESSAGE\": "
                       "\"해당하는 데이터가 없습니다.\"}}}";
    TW_CHECK(live_seoul_parse(none, strlen(none), NULL, &s, &pg, err, sizeof err) == TW_OK);
    if (s) {
        TW_CHECK(s->entity_count == 0);
        tw_obs_free(s);
    }
    TW_CHECK(live_seoul_parse("[1]", 3, NULL, &s, &pg, err, sizeof err) == TW_ERR_FORMAT);
    text = load("seoul_GetParkInfo_20200221_excerpt.json", &len);
    TW_CHECK(live_seoul_parse(text, len - 40, NULL, &s, &pg, err, sizeof err) == TW_ERR_FORMAT);
    TW_CHECK_MSG(strncmp(err, "bad JSON at line ", 17) == 0, "%s", err);
    free(text);
}

int main(void)
{
    TW_RUN(test_ngsild_offstreet);
    TW_RUN(test_ngsild_parking_fee);
    TW_RUN(test_ngsild_parking_spot);
    TW_RUN(test_ngsild_air_weather_device);
    TW_RUN(test_ngsild_array);
    TW_RUN(test_ngsild_traffic_line);
    TW_RUN(test_ngsild_broken);
    TW_RUN(test_geojson);
    TW_RUN(test_sta_toronto);
    TW_RUN(test_sta_expanded);
    TW_RUN(test_seoul);
    return TW_TEST_END();
}
