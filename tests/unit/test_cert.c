/* Certification data: assets/cert/ loads whole and agrees with the numbers of
 * shared/reference/CERTIFICATION.md (written here from the reference, not
 * from the data file), its admin codes exist in the KOSTAT 2018 boundaries,
 * the map's lookups pick the right record, unknown stays unknown, and each bad
 * input is skipped or refused with one line that names the file. */
#include "geo_cert.h"
#include "tw_json.h"
#include "tw_log.h"
#include "tw_test.h"

#include <unistd.h>

#define MAX_LINES 32

/* Warnings captured from the logger. */
typedef struct capture {
    int n;
    char line[MAX_LINES][1024];
} capture;

static capture cap;

static void capture_sink(tw_log_level level, const char *tag, const char *msg, void *user)
{
    capture *c = user;
    (void)tag;
    if (level == TW_LOG_WARN && c->n < MAX_LINES)
        snprintf(c->line[c->n++], sizeof c->line[0], "%s", msg);
}

static void capture_start(void)
{
    memset(&cap, 0, sizeof cap);
    tw_log_set_threshold(TW_LOG_WARN);
    tw_log_set_sink(capture_sink, &cap);
}

static void capture_stop(void)
{
    tw_log_set_sink(NULL, NULL);
}

/* The one captured warning that contains every fragment, or NULL. */
static const char *captured(const char *a, const char *b, const char *c)
{
    for (int i = 0; i < cap.n; i++)
        if (strstr(cap.line[i], a) && (!b || strstr(cap.line[i], b)) &&
            (!c || strstr(cap.line[i], c)))
            return cap.line[i];
    return NULL;
}

static void source_path(const char *rel, char *out, size_t n)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(out, n, "%s/%s", src ? src : ".", rel);
}

static geo_cert_db *load(const char *records_rel, char *records, size_t n)
{
    char scheme[1024], err[2048] = "";
    geo_cert_db *db = NULL;
    source_path(records_rel, records, n);
    source_path("assets/cert/scheme.json", scheme, sizeof scheme);
    tw_result r = geo_cert_load(records, scheme, &db, err, sizeof err);
    TW_CHECK_MSG(r == TW_OK && db, "%s: %s", records_rel, err);
    return db;
}

static geo_cert_db *load_assets(void)
{
    char path[1024];
    return load("assets/cert/certifications.json", path, sizeof path);
}

static const geo_cert_record *find(const geo_cert_db *db, const char *name_ko, int year)
{
    for (int i = 0; i < geo_cert_record_count(db); i++) {
        const geo_cert_record *r = geo_cert_record_at(db, i);
        if (r->year == year && strcmp(r->name_ko, name_ko) == 0) return r;
    }
    return NULL;
}

static void test_assets_load(void)
{
    static const char *const cities_2021[] = {"대구광역시",  "대전광역시", "부천시",
                                              "서울특별시",  "안양시",     "서울 강남구",
                                              "서울 구로구", "서울 성동구"};
    capture_start();
    geo_cert_db *db = load_assets();
    capture_stop();
    if (!db) return;
    TW_CHECK(geo_cert_skipped_count(db) == 0);
    TW_CHECK_MSG(cap.n == 0, "first warning: %s", cap.line[0]);
    for (int i = 0; i < 8; i++) {
        const geo_cert_record *r = find(db, cities_2021[i], 2021);
        TW_CHECK_MSG(r != NULL, "2021 %s is missing", cities_2021[i]);
        if (!r) continue;
        TW_CHECK(r->grade == 3 && r->status == GEO_CERT_CERTIFIED);
        TW_CHECK(r->highlights_ko && r->highlights_en);
    }
    int later = 0, in_2021 = 0;
    for (int i = 0; i < geo_cert_record_count(db); i++) {
        const geo_cert_record *r = geo_cert_record_at(db, i);
        in_2021 += r->year == 2021;
        if (r->year == 2021) continue;
        later++;
        /* No grade after 2021 was published: unknown, never filled in. */
        TW_CHECK_MSG(r->grade == 0, "%s %d has grade %d", r->name_ko, r->year, r->grade);
        TW_CHECK(r->highlights_ko == NULL && r->highlights_en == NULL);
    }
    TW_CHECK(in_2021 == 8 && later > 0);
    geo_cert_free(db);
}

typedef struct year_expect {
    int year, certified, cert_large, cert_small, extended, ext_large, ext_small;
} year_expect;

/* From CERTIFICATION.md's tables; -1 where it states no class split. The
 * extended classes of 2023 are those of the 2021 cities (5 large, 3 gu);
 * 2024's 7 extended cities are the 2022 ones but 수원 and 시흥 (김해 and 인천
 * large, the other five small/mid, as in 2022). */
static const year_expect expected[] = {
    {2021, 8, 5, 3, 0, 0, 0}, {2022, 9, 4, 5, 0, 0, 0},   {2023, 6, -1, -1, 8, 5, 3},
    {2024, 4, 1, 3, 7, 2, 5}, {2025, 9, 4, 5, 7, -1, -1},
};

static void check_year(const geo_cert_db *db, const year_expect *e)
{
    geo_cert_counts c;
    geo_cert_counts_get(db, e->year, &c);
    TW_CHECK_MSG(c.certified == e->certified, "%d: %d certified", e->year, c.certified);
    TW_CHECK_MSG(c.extended == e->extended, "%d: %d extended", e->year, c.extended);
    TW_CHECK(c.records == e->certified + e->extended);
    TW_CHECK(c.large + c.small_mid == c.records);
    if (e->cert_large >= 0)
        TW_CHECK_MSG(c.by[GEO_CERT_CERTIFIED][GEO_CERT_LARGE] == e->cert_large &&
                         c.by[GEO_CERT_CERTIFIED][GEO_CERT_SMALL_MID] == e->cert_small,
                     "%d: certified classes", e->year);
    if (e->ext_large >= 0)
        TW_CHECK_MSG(c.by[GEO_CERT_EXTENDED][GEO_CERT_LARGE] == e->ext_large &&
                         c.by[GEO_CERT_EXTENDED][GEO_CERT_SMALL_MID] == e->ext_small,
                     "%d: extended classes", e->year);
}

static void test_counts_match_reference(void)
{
    geo_cert_db *db = load_assets();
    if (!db) return;
    int n = (int)(sizeof expected / sizeof expected[0]), total = 0;
    for (int i = 0; i < n; i++) {
        check_year(db, &expected[i]);
        total += expected[i].certified + expected[i].extended;
    }
    geo_cert_counts c;
    geo_cert_counts_get(db, 0, &c);
    TW_CHECK(c.records == total);
    /* The bar chart: every scheme year, whatever year was asked for. */
    TW_CHECK(c.year_count == n);
    for (int i = 0; i < n && i < c.year_count; i++) {
        TW_CHECK(c.per_year[i].year == expected[i].year);
        TW_CHECK(c.per_year[i].certified == expected[i].certified);
        TW_CHECK(c.per_year[i].extended == expected[i].extended);
    }
    /* Seoul 2021: the city and 강남, 구로, 성동. 2025: 성동, 구로, 강남, 은평
     * certified; 서울, 관악, 송파, 종로 extended. 2022 Gyeonggi: 수원, 시흥, 오산. */
    geo_cert_counts_get(db, 2021, &c);
    TW_CHECK(c.province[11] == 4 && c.province[21] == 0 && c.province[25] == 1);
    geo_cert_counts_get(db, 2025, &c);
    TW_CHECK(c.province[11] == 8 && c.province[36] == 1);
    geo_cert_counts_get(db, 2022, &c);
    TW_CHECK(c.province[31] == 3 && c.province[23] == 1);
    /* 2024: 김해 and 인천 (named by newsis) and 강릉 (named by the Economist)
     * are extended; 수원 was not. */
    TW_CHECK(find(db, "강릉시", 2024) && find(db, "강릉시", 2024)->status == GEO_CERT_EXTENDED);
    TW_CHECK(find(db, "수원시", 2024) == NULL);
    TW_CHECK(find(db, "김해시", 2024) && find(db, "김해시", 2024)->status == GEO_CERT_EXTENDED);
    TW_CHECK(find(db, "인천광역시", 2024) &&
             find(db, "인천광역시", 2024)->status == GEO_CERT_EXTENDED);
    TW_CHECK(find(db, "세종특별자치시", 2024) &&
             find(db, "세종특별자치시", 2024)->cls == GEO_CERT_SMALL_MID);
    geo_cert_free(db);
}

/* The "code" property of every feature; the strings live as long as *root. */
static int boundary_codes(const char *path, json_object **root, const char **codes, int max)
{
    char err[256];
    if (tw_json_load_file(path, 64u << 20, root, err, sizeof err) != TW_OK) {
        TW_CHECK_MSG(0, "%s: %s", path, err);
        return 0;
    }
    json_object *features = tw_json_get(*root, "features", json_type_array);
    int n = 0;
    for (size_t i = 0; features && i < json_object_array_length(features) && n < max; i++) {
        json_object *props =
            tw_json_get(json_object_array_get_idx(features, i), "properties", json_type_object);
        const char *code = tw_json_string(props, "code");
        if (code) codes[n++] = code;
    }
    return n;
}

static bool has_code(const char *const *codes, int n, const char *code)
{
    for (int i = 0; i < n; i++)
        if (strcmp(codes[i], code) == 0) return true;
    return false;
}

static int codes_with_prefix(const char *const *codes, int n, const char *prefix)
{
    int k = 0;
    for (int i = 0; i < n; i++) k += strncmp(codes[i], prefix, strlen(prefix)) == 0;
    return k;
}

static void check_all_codes_known(geo_cert_db *db, const char *const *codes, int n,
                                  const char *path)
{
    for (int i = 0; i < geo_cert_record_count(db); i++) {
        const geo_cert_record *r = geo_cert_record_at(db, i);
        for (int k = 0; k < r->admin_code_count; k++)
            TW_CHECK_MSG(has_code(codes, n, r->admin_codes[k]), "%s %d: %s", r->name_ko, r->year,
                         r->admin_codes[k]);
    }
    /* A metropolitan city is all the gu of its province. */
    const geo_cert_record *seoul = find(db, "서울특별시", 2021);
    TW_CHECK(seoul && seoul->admin_code_count == codes_with_prefix(codes, n, "11"));
    TW_CHECK(geo_cert_check_codes(db, codes, n, path) == 0);
}

static void test_codes_in_boundaries(void)
{
    static const char *codes[1024];
    char path[1024], records[1024];
    source_path("assets/data/admin/skorea-municipalities-2018-geo-simple.geojson", path,
                sizeof path);
    json_object *root = NULL;
    int n = boundary_codes(path, &root, codes, 1024);
    TW_CHECK(n == 250);
    geo_cert_db *db = load_assets();
    if (db) check_all_codes_known(db, codes, n, path);
    geo_cert_free(db);

    /* A code KOSTAT does not have: that record goes, with one line naming the
     * record, the code and the boundary file; the other record stays. */
    db = load("tests/data/cert/unknown_code.json", records, sizeof records);
    if (db) {
        capture_start();
        TW_CHECK(geo_cert_check_codes(db, codes, n, path) == 1);
        capture_stop();
        TW_CHECK(cap.n == 1 && captured(records, "record 1 (오산시 2022)", "31999"));
        TW_CHECK(captured(path, NULL, NULL) != NULL);
        TW_CHECK(geo_cert_record_count(db) == 1 && geo_cert_city_count(db) == 1);
        TW_CHECK(geo_cert_lookup(db, "31140", 0) == NULL);
        TW_CHECK(geo_cert_lookup(db, "11040", 2021) != NULL);
    }
    geo_cert_free(db);
    json_object_put(root);
}

static const char *city_name(const geo_cert_db *db, int city)
{
    const geo_cert_city *c = geo_cert_city_at(db, city);
    return c ? c->name_ko : "(none)";
}

static void check_lookup(const geo_cert_db *db, const char *code, int year, const char *name_ko,
                         int record_year, geo_cert_status status)
{
    const geo_cert_record *r = geo_cert_lookup(db, code, year);
    TW_CHECK_MSG(r && strcmp(r->name_ko, name_ko) == 0 && r->year == record_year &&
                     r->status == status,
                 "%s in %d: %s %d", code, year, r ? r->name_ko : "(none)", r ? r->year : 0);
}

static void test_lookups(void)
{
    geo_cert_db *db = load_assets();
    if (!db) return;
    const geo_cert_record *r = geo_cert_lookup(db, "11010", 2021);
    TW_CHECK(r && strcmp(r->name_ko, "서울특별시") == 0 && r->grade == 3);
    check_lookup(db, "11010", 2021, "서울특별시", 2021, GEO_CERT_CERTIFIED);
    check_lookup(db, "11020", 2023, "서울특별시", 2023, GEO_CERT_EXTENDED);
    /* 종로구 (11010) is also its own city, certified in 2023: the gu wins the
     * fill, and the card can list both. */
    check_lookup(db, "11010", 2023, "서울 종로구", 2023, GEO_CERT_CERTIFIED);
    const geo_cert_record *all[4];
    TW_CHECK(geo_cert_lookup_all(db, "11010", 2023, all, 4) == 2);
    TW_CHECK(strcmp(all[1]->name_ko, "서울특별시") == 0 && all[1]->status == GEO_CERT_EXTENDED);
    /* The gu of a city with gu are that city; its history is by year. */
    static const char *const suwon[] = {"31011", "31012", "31013", "31014"};
    for (int i = 0; i < 4; i++)
        TW_CHECK_STR(city_name(db, geo_cert_city_for_code(db, suwon[i], 2022)), "수원시");
    const geo_cert_city *city = geo_cert_city_at(db, geo_cert_city_for_code(db, "31013", 0));
    TW_CHECK(city && city->record_count == 2 && city->admin_code_count == 4);
    if (city && city->record_count == 2) {
        TW_CHECK(geo_cert_record_at(db, city->records[0])->year == 2022);
        TW_CHECK(geo_cert_record_at(db, city->records[1])->year == 2025);
    }
    /* Busan (21) has no certified place in the reference: nothing there. */
    for (int i = 0; i < geo_cert_record_count(db); i++)
        TW_CHECK(strcmp(geo_cert_record_at(db, i)->province_code, "21") != 0);
    TW_CHECK(geo_cert_lookup(db, "21010", 0) == NULL && geo_cert_lookup(db, "21310", 2021) == NULL);
    TW_CHECK(geo_cert_city_for_code(db, "21010", 0) == -1);
    /* A city in a year without its record: nothing; all years: the latest. */
    TW_CHECK(geo_cert_lookup(db, "31050", 2022) == NULL);
    check_lookup(db, "31050", 0, "부천시", 2025, GEO_CERT_CERTIFIED);
    check_lookup(db, "11020", 0, "서울특별시", 2025, GEO_CERT_EXTENDED);
    check_lookup(db, "25030", 0, "대전광역시", 2023, GEO_CERT_EXTENDED);
    city = geo_cert_city_at(db, geo_cert_city_for_code(db, "11020", 0));
    TW_CHECK(city && city->record_count == 3); /* 2021, 2023, 2025 */
    /* The card's source. */
    r = geo_cert_lookup(db, "11040", 2021);
    const geo_cert_source *s = r ? geo_cert_source_find(db, r->source) : NULL;
    TW_CHECK(s && strstr(s->title, "국토교통부 보도자료") && s->url_or_ref &&
             strcmp(s->date, "2021-09-09") == 0);
    s = geo_cert_source_find(db, "keyzard-2022");
    TW_CHECK(s && s->date == NULL && strcmp(s->url_or_ref, "https://keyzard.org/auct/tt/13") == 0);
    TW_CHECK(geo_cert_source_find(db, "etnews-20251124000063") != NULL);
    TW_CHECK(geo_cert_source_find(db, "no-such-source") == NULL);
    geo_cert_free(db);
}

static void test_scheme(void)
{
    static const char *const stages_ko[] = {"착수", "일부요건 충족", "요건 충족", "발전", "최적화"};
    geo_cert_db *db = load_assets();
    if (!db) return;
    TW_CHECK(geo_cert_scheme_count(db) == 5);
    for (int i = 0; i < geo_cert_scheme_count(db); i++)
        TW_CHECK(geo_cert_scheme_at(db, i)->year == 2021 + i);
    const geo_cert_scheme *s = geo_cert_scheme_for_year(db, 2021);
    TW_CHECK(s && s->indicators == 63 && s->items == 10);
    if (s) {
        TW_CHECK(s->total_points == 2000 && s->pass_points == 1400);
        TW_CHECK(s->quantitative_points == 1000 && s->qualitative_points == 1000);
        TW_CHECK(s->grade_count == 5 && s->certified_grades == 3 && s->review_years == 2);
        TW_CHECK(s->domain_count == 3 && s->stage_count == 5);
        TW_CHECK_STR(s->domain_ko[0], "혁신성");
        TW_CHECK_STR(s->domain_ko[1], "거버넌스 및 제도");
        TW_CHECK_STR(s->domain_ko[2], "서비스 기술 및 인프라");
        for (int i = 0; i < 5; i++) TW_CHECK_STR(s->stage_ko[i], stages_ko[i]);
    }
    s = geo_cert_scheme_for_year(db, 2023);
    TW_CHECK(s && s->indicators == 53 && s->pass_points == 1400 && s->total_points == 2000);
    /* Unknown stays unknown: no grades or stages are stated for 2023. */
    TW_CHECK(s && s->grade_count == 0 && s->certified_grades == 0 && s->stage_count == 0);
    TW_CHECK(s && s->items == 0 && s->quantitative_points == 0 && s->domain_count == 3);
    s = geo_cert_scheme_for_year(db, 2022);
    TW_CHECK(s && s->indicators == 56 && s->total_points == 0 && s->pass_points == 0);
    TW_CHECK(geo_cert_scheme_for_year(db, 2019) == NULL);
    geo_cert_free(db);
}

/* Loads a fixture, expecting that many records and one warning per skip, each
 * naming the file and "record N (name year)". */
static geo_cert_db *load_fixture(const char *name, int records, int skipped, const char *who)
{
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "tests/data/cert/%s", name);
    capture_start();
    geo_cert_db *db = load(rel, path, sizeof path);
    capture_stop();
    if (!db) return NULL;
    TW_CHECK_MSG(geo_cert_record_count(db) == records, "%s: %d records", name,
                 geo_cert_record_count(db));
    TW_CHECK_MSG(geo_cert_skipped_count(db) == skipped && cap.n == skipped,
                 "%s: %d skipped, %d "
                 "warnings",
                 name, geo_cert_skipped_count(db), cap.n);
    if (who) TW_CHECK_MSG(captured(path, who, NULL) != NULL, "%s: no warning names %s", name, who);
    return db;
}

static void expect_load_error(const char *records, const char *scheme, tw_result want,
                              const char *fragment)
{
    char err[2048] = "";
    geo_cert_db *db = (geo_cert_db *)&err; /* must come back NULL */
    tw_result r = geo_cert_load(records, scheme, &db, err, sizeof err);
    TW_CHECK_MSG(r == want && db == NULL, "%s: %s", records, tw_result_str(r));
    TW_CHECK_MSG(strstr(err, fragment) && strchr(err, '\n') == NULL, "error '%s' lacks '%s'", err,
                 fragment);
}

static void test_bad_fixtures(void)
{
    geo_cert_db *db = load_fixture("good_minimal.json", 2, 0, NULL);
    TW_CHECK(db && find(db, "오산시", 2022) && find(db, "오산시", 2022)->grade == 0);
    geo_cert_free(db);
    db = load_fixture("wrong_type.json", 1, 1, "record 0 (서울 성동구 ?)");
    TW_CHECK(db && captured("\"year\" must be an integer, not string", NULL, NULL));
    TW_CHECK(db && find(db, "오산시", 2022) != NULL);
    geo_cert_free(db);
    db = load_fixture("duplicate.json", 1, 1, "record 1 (서울 성동구 2021)");
    TW_CHECK(db && captured("duplicate of record 0", NULL, NULL));
    geo_cert_free(db);
    db = load_fixture("year_outside_scheme.json", 1, 1, "record 1 (오산시 2019)");
    TW_CHECK(db && captured("year 2019 is not in", "scheme.json", NULL));
    TW_CHECK(db && find(db, "서울 성동구", 2021) != NULL);
    geo_cert_free(db);

    /* 31999 has the right form, so only the boundary check can catch it. */
    static const char *const known[] = {"11040", "31140"};
    db = load_fixture("unknown_code.json", 2, 0, NULL);
    if (db) {
        capture_start();
        TW_CHECK(geo_cert_check_codes(db, known, 2, "boundaries.geojson") == 1);
        capture_stop();
        TW_CHECK(cap.n == 1 && captured("unknown_code.json: record 1 (오산시 2022)", "31999",
                                        "boundaries.geojson"));
        TW_CHECK(geo_cert_record_count(db) == 1 && geo_cert_city_count(db) == 1);
        TW_CHECK(geo_cert_check_codes(db, known, 2, "boundaries.geojson") == 0);
    }
    geo_cert_free(db);
}

/* bad_records.json: one defect per record, except records 0 and 9. */
static void test_bad_records(void)
{
    static const char *const why[][2] = {
        {"record 1 (오산시 2022)", "\"class\" is \"medium\""},
        {"record 2 (오산시 2023)", "\"status\" is \"renewed\""},
        {"record 3 (오산시 2024)", "\"grade\" is 6, not in 1..5"},
        {"record 4 (오산시 2025)", "\"name_en\" is missing"},
        {"record 5 (가상시 2023)", "admin code 99999 does not start with province_code 31"},
        {"record 6 (가상시2 2023)", "admin_codes[0] is not a 5-digit string"},
        {"record 7 (가상시3 2024)", "province_code \"40\" is not"},
        {"record 8 (가상시4 2025)", "source \"nowhere\" is not in \"sources\""},
        {"record 10 (오산시 2023)", "differ from record 9"},
        {"record 11 (오산시 2024)", "\"grade\" must be an integer or null, not number"},
        {"record 12 (? ?)", "must be an object, not string"},
    };
    int n = (int)(sizeof why / sizeof why[0]);
    geo_cert_db *db = load_fixture("bad_records.json", 2, n, NULL);
    for (int i = 0; db && i < n; i++)
        TW_CHECK_MSG(captured("bad_records.json: ", why[i][0], why[i][1]), "no warning: %s: %s",
                     why[i][0], why[i][1]);
    TW_CHECK(db && find(db, "서울 성동구", 2021) && find(db, "오산시", 2022));
    TW_CHECK(db && geo_cert_city_count(db) == 2);
    geo_cert_free(db);
}

/* A city's history is by year whatever the file order; year 0 is the latest. */
static void test_history_order(void)
{
    geo_cert_db *db = load_fixture("history_order.json", 2, 0, NULL);
    if (!db) return;
    const geo_cert_city *c = geo_cert_city_at(db, 0);
    TW_CHECK(geo_cert_city_count(db) == 1 && c && c->record_count == 2);
    if (c && c->record_count == 2) {
        TW_CHECK(geo_cert_record_at(db, c->records[0])->year == 2022);
        TW_CHECK(geo_cert_record_at(db, c->records[1])->year == 2025);
    }
    check_lookup(db, "31140", 0, "오산시", 2025, GEO_CERT_CERTIFIED);
    check_lookup(db, "31140", 2022, "오산시", 2022, GEO_CERT_CERTIFIED);
    geo_cert_free(db);
}

/* A bad scheme year is skipped like a bad record, and its records with it. */
static void test_bad_scheme_year(void)
{
    char records[1024], scheme[1024], err[2048] = "";
    geo_cert_db *db = NULL;
    source_path("tests/data/cert/good_minimal.json", records, sizeof records);
    source_path("tests/data/cert/scheme_bad_years.json", scheme, sizeof scheme);
    capture_start();
    tw_result r = geo_cert_load(records, scheme, &db, err, sizeof err);
    capture_stop();
    TW_CHECK_MSG(r == TW_OK, "%s", err);
    if (!db) return;
    TW_CHECK(geo_cert_scheme_count(db) == 1 &&
             geo_cert_scheme_for_year(db, 2021)->indicators == 63);
    TW_CHECK(geo_cert_skipped_count(db) == 3 && cap.n == 3);
    TW_CHECK(
        captured("scheme_bad_years.json: year entry 1 (2021)", "year 2021 appears twice", NULL));
    TW_CHECK(captured("scheme_bad_years.json: year entry 2 (2022)",
                      "\"indicators\" must be an integer or null, not string", NULL));
    TW_CHECK(captured("good_minimal.json: record 1 (오산시 2022)", "year 2022 is not in", NULL));
    TW_CHECK(geo_cert_record_count(db) == 1);
    geo_cert_free(db);
}

static void test_load_errors(void)
{
    char records[1024], scheme[1024], bad[1024];
    source_path("assets/cert/certifications.json", records, sizeof records);
    source_path("assets/cert/scheme.json", scheme, sizeof scheme);
    source_path("tests/data/cert/not_json.json", bad, sizeof bad);
    char want[1200];
    snprintf(want, sizeof want, "%s: line 28, column 7: ", bad);
    expect_load_error(bad, scheme, TW_ERR_FORMAT, want);
    expect_load_error("/no/such/certifications.json", scheme, TW_ERR_IO,
                      "/no/such/certifications.json: file not found");
    expect_load_error(records, "/no/such/scheme.json", TW_ERR_IO,
                      "/no/such/scheme.json: file not found");
    snprintf(want, sizeof want, "%s: \"schema\" must be \"citytwin-certifications/1\"", scheme);
    expect_load_error(scheme, scheme, TW_ERR_FORMAT, want);
    snprintf(want, sizeof want, "%s: \"schema\" must be \"citytwin-cert-scheme/1\"", records);
    expect_load_error(records, records, TW_ERR_FORMAT, want);
}

int main(void)
{
    tw_log_init(TW_LOG_WARN);
    TW_RUN(test_assets_load);
    TW_RUN(test_counts_match_reference);
    TW_RUN(test_codes_in_boundaries);
    TW_RUN(test_lookups);
    TW_RUN(test_scheme);
    TW_RUN(test_bad_fixtures);
    TW_RUN(test_bad_records);
    TW_RUN(test_history_order);
    TW_RUN(test_bad_scheme_year);
    TW_RUN(test_load_errors);
    return TW_TEST_END();
}
