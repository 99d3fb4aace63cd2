/* Smart city certification data (assets/cert/, see its README): the records
 * of who was certified or extended each year, the scheme of each year, and
 * the lookups the map and its cards need. Plain JSON, no GDAL, no GL.
 * A null in the data stays unknown here (0 or NULL), never a default.
 * After loading (and geo_cert_check_codes) nothing changes it, so threads may
 * read it together; every pointer it returns lives until geo_cert_free. */
#ifndef GEO_CERT_H
#define GEO_CERT_H

#include "tw_result.h"

#include <stddef.h>

#define GEO_CERT_DOMAINS   3
#define GEO_CERT_STAGES    5
#define GEO_CERT_PROVINCES 40 /* counts are indexed by the 2-digit code, 11..39 */
#define GEO_CERT_YEARS_MAX 32 /* scheme years kept; later ones are skipped */

typedef enum geo_cert_class {
    GEO_CERT_LARGE,     /* "large", 대도시 */
    GEO_CERT_SMALL_MID, /* "small-mid", 중소도시 */
    GEO_CERT_CLASS_COUNT
} geo_cert_class;

typedef enum geo_cert_status {
    GEO_CERT_CERTIFIED, /* "certified" */
    GEO_CERT_EXTENDED,  /* "extended": an earlier certification prolonged */
    GEO_CERT_STATUS_COUNT
} geo_cert_status;

/* One city in one year. Strings are UTF-8; optional ones are NULL when the
 * file has null or leaves them out. */
typedef struct geo_cert_record {
    int year;
    const char *name_ko, *name_en;
    const char *province_code;      /* 2 digits, "11".."39" */
    const char *const *admin_codes; /* 5 digits each, KOSTAT 2018 */
    int admin_code_count;
    geo_cert_class cls;
    geo_cert_status status;
    int grade; /* 1..5; 0: not published */
    const char *highlights_ko, *highlights_en;
    const char *source;       /* source id, see geo_cert_source_find */
    const char *class_source; /* NULL: the class is from source */
    const char *note;
    int city;       /* index for geo_cert_city_at */
    int file_index; /* position in the file's "records", for messages */
} geo_cert_record;

/* The scheme of one year; every number is 0 where the file has null. */
typedef struct geo_cert_scheme {
    int year;
    int indicators, items; /* 세부지표, 평가항목 */
    int total_points, quantitative_points, qualitative_points;
    int pass_points, pass_percent;
    int grade_count;
    int certified_grades; /* 3: grades 1..3 are certified */
    int domain_count;     /* 0 or GEO_CERT_DOMAINS */
    const char *domain_id[GEO_CERT_DOMAINS], *domain_ko[GEO_CERT_DOMAINS],
        *domain_en[GEO_CERT_DOMAINS];
    int stage_count; /* 0 or GEO_CERT_STAGES */
    const char *stage_ko[GEO_CERT_STAGES], *stage_en[GEO_CERT_STAGES];
    int review_years;
    const char *pass_rule_ko, *pass_rule_en, *note;
} geo_cert_scheme;

/* Records with the same name_ko are one city; their history is its records
 * sorted by year, and record_count is its number of certification events. */
typedef struct geo_cert_city {
    const char *name_ko, *name_en, *province_code;
    const char *const *admin_codes;
    int admin_code_count;
    const int *records; /* record indices, by year */
    int record_count;
} geo_cert_city;

typedef struct geo_cert_source {
    const char *id, *title, *url_or_ref, *date; /* date: NULL when unknown */
} geo_cert_source;

typedef struct geo_cert_counts {
    int records;
    int certified, extended;
    int large, small_mid;
    int by[GEO_CERT_STATUS_COUNT][GEO_CERT_CLASS_COUNT];
    int province[GEO_CERT_PROVINCES]; /* records per province code */
    /* Every scheme year, whatever the year asked for (for a bar chart). */
    int year_count;
    struct {
        int year, certified, extended;
    } per_year[GEO_CERT_YEARS_MAX];
} geo_cert_counts;

typedef struct geo_cert_db geo_cert_db;

/* Loads certifications.json and scheme.json. Fails, with err = "PATH: what",
 * only when a file is missing, not JSON or not the schema at its top; a bad
 * record, scheme year or source is skipped with one warning naming the file
 * and the entry, and counted in geo_cert_skipped_count. */
tw_result geo_cert_load(const char *records_path, const char *scheme_path, geo_cert_db **out,
                        char *err, size_t errlen);
void geo_cert_free(geo_cert_db *db);
int geo_cert_skipped_count(const geo_cert_db *db);

/* Drops, with one warning each, records with an admin code that is not among
 * the n known_codes read from boundary_path; returns how many were dropped
 * (-1: out of memory, nothing checked). Record and city indices change. */
int geo_cert_check_codes(geo_cert_db *db, const char *const *known_codes, int n,
                         const char *boundary_path);

int geo_cert_record_count(const geo_cert_db *db);
const geo_cert_record *geo_cert_record_at(const geo_cert_db *db, int i);

/* Scheme years in year order. */
int geo_cert_scheme_count(const geo_cert_db *db);
const geo_cert_scheme *geo_cert_scheme_at(const geo_cert_db *db, int i);
const geo_cert_scheme *geo_cert_scheme_for_year(const geo_cert_db *db, int year);

int geo_cert_city_count(const geo_cert_db *db);
const geo_cert_city *geo_cert_city_at(const geo_cert_db *db, int i);
/* The city's record of that year, or for year 0 its latest; NULL if none. */
const geo_cert_record *geo_cert_city_record(const geo_cert_db *db, int city, int year);

/* The city shown on a municipality: of the cities made of admin_code with a
 * record in year (0: any year), the one with the fewest codes, so a gu's own
 * certification wins over its metropolitan city's. -1 when none. */
int geo_cert_city_for_code(const geo_cert_db *db, const char *admin_code, int year);
/* geo_cert_city_record of that city: year 0 gives its latest record. */
const geo_cert_record *geo_cert_lookup(const geo_cert_db *db, const char *admin_code, int year);
/* Every city's record for admin_code, most specific first (for a card);
 * writes up to max and returns how many there are. */
int geo_cert_lookup_all(const geo_cert_db *db, const char *admin_code, int year,
                        const geo_cert_record **out, int max);

/* Totals over the records of year (0: all years). */
void geo_cert_counts_get(const geo_cert_db *db, int year, geo_cert_counts *out);

const geo_cert_source *geo_cert_source_find(const geo_cert_db *db, const char *id);

#endif
