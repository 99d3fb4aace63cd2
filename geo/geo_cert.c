/* Certification data: both files are read strictly, entry by entry, so one bad
 * record, scheme year or source is skipped with a warning and the rest loads.
 * Strings live in chunks freed with the database; cities and the code index
 * are derived from the records and rebuilt when records are dropped. */
#include "geo_cert_int.h"

#include "tw_file.h"
#include "tw_json.h"
#include "tw_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEO_CERT_FILE_MAX  (16u * 1024u * 1024u)
#define GEO_CERT_CHUNK     (64u * 1024u)
#define GEO_CERT_CODES_MAX 1024 /* admin codes of one record */
#define GEO_CERT_WHY       512

#define GEO_CERT_TAG "cert"

static const char geo__records_schema[] = "citytwin-certifications/1";
static const char geo__scheme_schema[] = "citytwin-cert-scheme/1";

/* Keys of a scheme year and of a record; others are warned about. */
static const char *const geo__scheme_keys[] = {"year",
                                               "sources",
                                               "applicant_classes",
                                               "indicators",
                                               "indicator_items",
                                               "domains",
                                               "points",
                                               "pass_mark",
                                               "grades",
                                               "maturity_stages",
                                               "review_period_years",
                                               "call_frequency",
                                               "legal_basis",
                                               "note",
                                               NULL};
static const char *const geo__record_keys[] = {
    "year",  "name_ko",       "name_en",       "province_code", "admin_codes",  "class", "status",
    "grade", "highlights_ko", "highlights_en", "source",        "class_source", "note",  NULL};

/* Member flags: required and non-null unless said otherwise. */
enum { GEO__NULLABLE = 1, GEO__OPTIONAL = 2 };

/* Who a warning is about: "PATH: record N (name year)". A NULL name or a 0
 * year shows as "?"; an empty name or a year of -1 is left out. */
typedef struct geo__entry {
    const char *path, *kind, *name;
    int index, year;
} geo__entry;

static void *geo__alloc(geo_cert_db *db, size_t size)
{
    size_t a = sizeof(max_align_t);
    size = (size + a - 1) / a * a;
    geo__chunk *c = db->chunks;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > GEO_CERT_CHUNK ? size : GEO_CERT_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) {
            db->nomem = true;
            return NULL;
        }
        c->next = db->chunks;
        c->used = 0;
        c->cap = cap;
        db->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

static const char *geo__dup(geo_cert_db *db, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = geo__alloc(db, n);
    if (p) memcpy(p, s, n);
    return p;
}

static bool geo__fail(char *why, size_t n, const char *fmt, ...) TW_PRINTF(3, 4);

/* Writes why and returns false, so a check reads "return geo__fail(...)". */
static bool geo__fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return false;
}

static void geo__warn(const geo__entry *e, const char *why)
{
    char year[16] = "?";
    const char *name = e->name ? e->name : "?";
    if (e->year > 0) snprintf(year, sizeof year, "%d", e->year);
    if (e->year < 0) year[0] = 0;
    TW_WARN(GEO_CERT_TAG, "%s: %s %d (%s%s%s): %s", e->path, e->kind, e->index, name,
            name[0] && year[0] ? " " : "", year, why);
}

static void geo__unknown_key(const char *key, void *user)
{
    char why[GEO_CERT_WHY];
    snprintf(why, sizeof why, "unknown key \"%s\" ignored", key);
    geo__warn(user, why);
}

/* Member key of o, present or not, as *v; false (with why) when it is absent
 * and not GEO__OPTIONAL. */
static bool geo__member(json_object *o, const char *key, int flags, json_object **v, bool *found,
                        char *why, size_t n)
{
    *v = NULL;
    *found = json_object_object_get_ex(o, key, v);
    if (*found || (flags & GEO__OPTIONAL)) return true;
    return geo__fail(why, n, "\"%s\" is missing", key);
}

static bool geo__type_error(const char *key, const char *want, int flags, json_object *v, char *why,
                            size_t n)
{
    return geo__fail(why, n, "\"%s\" must be %s%s, not %s", key, want,
                     (flags & GEO__NULLABLE) ? " or null" : "", tw_json_type_name(v));
}

/* A string member; *out is NULL for null or absence where flags allow them. */
static bool geo__str(json_object *o, const char *key, int flags, const char **out, char *why,
                     size_t n)
{
    json_object *v;
    bool found;
    *out = NULL;
    if (!geo__member(o, key, flags, &v, &found, why, n)) return false;
    if (!found || (!v && (flags & GEO__NULLABLE))) return true;
    if (!json_object_is_type(v, json_type_string))
        return geo__type_error(key, "a string", flags, v, why, n);
    *out = json_object_get_string(v);
    return true;
}

/* An integer member in lo..hi; *out is 0 for null or absence where allowed. */
static bool geo__int(json_object *o, const char *key, int flags, int lo, int hi, int *out,
                     char *why, size_t n)
{
    json_object *v;
    bool found;
    *out = 0;
    if (!geo__member(o, key, flags, &v, &found, why, n)) return false;
    if (!found || (!v && (flags & GEO__NULLABLE))) return true;
    if (!json_object_is_type(v, json_type_int))
        return geo__type_error(key, "an integer", flags, v, why, n);
    int64_t x = json_object_get_int64(v);
    if (x < lo || x > hi) {
        return geo__fail(why, n, "\"%s\" is %lld, not in %d..%d", key, (long long)x, lo, hi);
    }
    *out = (int)x;
    return true;
}

/* An object or array member (type), or NULL for null or absence. */
static bool geo__sub(json_object *o, const char *key, json_type type, json_object **out, char *why,
                     size_t n)
{
    bool found;
    if (!geo__member(o, key, GEO__OPTIONAL, out, &found, why, n)) return false;
    if (!*out || json_object_is_type(*out, type)) return true;
    return geo__type_error(key, type == json_type_object ? "an object" : "an array", GEO__NULLABLE,
                           *out, why, n);
}

static bool geo__digits(const char *s, size_t len)
{
    if (strlen(s) != len) return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* ---- sources */

static bool geo__source(geo_cert_db *db, const char *id, json_object *v, char *why, size_t n)
{
    const char *title, *url, *date;
    if (!json_object_is_type(v, json_type_object)) {
        return geo__fail(why, n, "must be an object, not %s", tw_json_type_name(v));
    }
    if (!geo__str(v, "title", 0, &title, why, n) || !geo__str(v, "url_or_ref", 0, &url, why, n) ||
        !geo__str(v, "date", GEO__NULLABLE | GEO__OPTIONAL, &date, why, n))
        return false;
    if (db->source_count == db->source_cap) {
        int cap = db->source_cap ? db->source_cap * 2 : 16;
        geo_cert_source *p = realloc(db->sources, (size_t)cap * sizeof *p);
        if (!p) {
            db->nomem = true;
            return geo__fail(why, n, "out of memory");
        }
        db->sources = p;
        db->source_cap = cap;
    }
    db->sources[db->source_count++] = (geo_cert_source){
        .id = geo__dup(db, id),
        .title = geo__dup(db, title),
        .url_or_ref = geo__dup(db, url),
        .date = geo__dup(db, date),
    };
    return true;
}

/* Both files carry the same sources; an id read once keeps its first entry. */
static void geo__read_sources(geo_cert_db *db, json_object *root, const char *path)
{
    json_object *sources = tw_json_get(root, "sources", json_type_object);
    if (!sources) return;
    int i = 0;
    json_object_object_foreach(sources, id, v)
    {
        char why[GEO_CERT_WHY];
        geo__entry e = {.path = path, .kind = "source", .name = id, .index = i++, .year = -1};
        if (geo_cert_source_find(db, id)) continue;
        if (!geo__source(db, id, v, why, sizeof why)) {
            geo__warn(&e, why);
            db->skipped++;
        }
    }
}

/* ---- scheme */

/* key: an array of exactly count objects or null; string member names[j] of
 * object i goes to cols[j][i]. *got is count, or 0 for null. */
static bool geo__table(geo_cert_db *db, json_object *o, const char *key, int count,
                       const char *const *names, int nnames, const char **cols[], int *got,
                       char *why, size_t n)
{
    json_object *a;
    *got = 0;
    if (!geo__sub(o, key, json_type_array, &a, why, n)) return false;
    if (!a) return true;
    if ((int)json_object_array_length(a) != count) {
        return geo__fail(why, n, "\"%s\" must have %d entries, not %d", key, count,
                         (int)json_object_array_length(a));
    }
    for (int i = 0; i < count; i++) {
        json_object *item = json_object_array_get_idx(a, (size_t)i);
        if (!json_object_is_type(item, json_type_object)) {
            return geo__fail(why, n, "\"%s\"[%d] must be an object, not %s", key, i,
                             tw_json_type_name(item));
        }
        for (int j = 0; j < nnames; j++) {
            const char *s;
            if (!geo__str(item, names[j], 0, &s, why, n)) return false;
            cols[j][i] = geo__dup(db, s);
        }
    }
    *got = count;
    return true;
}

/* "certified": [1, .., k] or null gives k (0 for null). */
static bool geo__certified_grades(json_object *grades, int *out, char *why, size_t n)
{
    json_object *a;
    *out = 0;
    if (!grades) return true;
    if (!geo__sub(grades, "certified", json_type_array, &a, why, n)) return false;
    int len = a ? (int)json_object_array_length(a) : 0;
    for (int i = 0; i < len; i++) {
        json_object *g = json_object_array_get_idx(a, (size_t)i);
        if (!json_object_is_type(g, json_type_int) || json_object_get_int64(g) != i + 1) {
            return geo__fail(why, n, "\"certified\" must list the grades 1, 2, .. in order");
        }
    }
    *out = len;
    return true;
}

static bool geo__scheme_numbers(json_object *y, geo_cert_scheme *s, char *why, size_t n)
{
    const int f = GEO__NULLABLE | GEO__OPTIONAL, big = 1000000;
    json_object *points, *pass, *grades;
    return geo__int(y, "indicators", f, 1, big, &s->indicators, why, n) &&
           geo__int(y, "indicator_items", f, 1, big, &s->items, why, n) &&
           geo__int(y, "review_period_years", f, 1, 100, &s->review_years, why, n) &&
           geo__sub(y, "points", json_type_object, &points, why, n) &&
           geo__int(points, "total", f, 1, big, &s->total_points, why, n) &&
           geo__int(points, "quantitative", f, 0, big, &s->quantitative_points, why, n) &&
           geo__int(points, "qualitative", f, 0, big, &s->qualitative_points, why, n) &&
           geo__sub(y, "pass_mark", json_type_object, &pass, why, n) &&
           geo__int(pass, "points", f, 1, big, &s->pass_points, why, n) &&
           geo__int(pass, "percent_of_total", f, 1, 100, &s->pass_percent, why, n) &&
           geo__str(pass, "rule_ko", f, &s->pass_rule_ko, why, n) &&
           geo__str(pass, "rule_en", f, &s->pass_rule_en, why, n) &&
           geo__sub(y, "grades", json_type_object, &grades, why, n) &&
           geo__int(grades, "count", f, 1, 100, &s->grade_count, why, n) &&
           geo__certified_grades(grades, &s->certified_grades, why, n) &&
           geo__str(y, "note", GEO__OPTIONAL, &s->note, why, n);
}

static bool geo__scheme_year(geo_cert_db *db, json_object *y, geo_cert_scheme *s, char *why,
                             size_t n)
{
    static const char *const domain_keys[] = {"id", "name_ko", "name_en"};
    static const char *const stage_keys[] = {"ko", "en"};
    const char **domains[] = {s->domain_id, s->domain_ko, s->domain_en};
    const char **stages[] = {s->stage_ko, s->stage_en};
    if (!geo__scheme_numbers(y, s, why, n)) return false;
    if (!geo__table(db, y, "domains", GEO_CERT_DOMAINS, domain_keys, 3, domains, &s->domain_count,
                    why, n) ||
        !geo__table(db, y, "maturity_stages", GEO_CERT_STAGES, stage_keys, 2, stages,
                    &s->stage_count, why, n))
        return false;
    if (s->certified_grades > s->grade_count && s->grade_count) {
        return geo__fail(why, n, "%d grades certified of %d", s->certified_grades, s->grade_count);
    }
    /* Borrowed strings from the JSON become the database's own. */
    s->pass_rule_ko = geo__dup(db, s->pass_rule_ko);
    s->pass_rule_en = geo__dup(db, s->pass_rule_en);
    s->note = geo__dup(db, s->note);
    return true;
}

static int geo__scheme_cmp(const void *a, const void *b)
{
    const geo_cert_scheme *x = a, *y = b;
    return (x->year > y->year) - (x->year < y->year);
}

/* One entry of "years": its year must be new, and room must be left. */
static bool geo__scheme_entry(geo_cert_db *db, json_object *y, geo_cert_scheme *s, char *why,
                              size_t n)
{
    if (!json_object_is_type(y, json_type_object))
        return geo__fail(why, n, "must be an object, not %s", tw_json_type_name(y));
    if (!geo__int(y, "year", 0, 1900, 2999, &s->year, why, n)) return false;
    if (geo_cert__year_index(db, s->year) >= 0)
        return geo__fail(why, n, "year %d appears twice", s->year);
    if (db->scheme_count == GEO_CERT_YEARS_MAX)
        return geo__fail(why, n, "more than %d years", GEO_CERT_YEARS_MAX);
    return geo__scheme_year(db, y, s, why, n);
}

static void geo__read_schemes(geo_cert_db *db, json_object *root, const char *path)
{
    json_object *years = tw_json_get(root, "years", json_type_array);
    int len = (int)json_object_array_length(years);
    db->schemes = calloc(GEO_CERT_YEARS_MAX, sizeof *db->schemes);
    if (!db->schemes) {
        db->nomem = true;
        return;
    }
    for (int i = 0; i < len; i++) {
        json_object *y = json_object_array_get_idx(years, (size_t)i);
        geo__entry e = {.path = path, .kind = "year entry", .name = "", .index = i};
        geo_cert_scheme s = {0};
        char why[GEO_CERT_WHY] = "";
        bool ok = geo__scheme_entry(db, y, &s, why, sizeof why);
        e.year = s.year;
        if (!ok) {
            geo__warn(&e, why);
            db->skipped++;
            continue;
        }
        tw_json_unknown_keys(y, geo__scheme_keys, geo__unknown_key, &e);
        db->schemes[db->scheme_count++] = s;
    }
    qsort(db->schemes, (size_t)db->scheme_count, sizeof *db->schemes, geo__scheme_cmp);
}

/* ---- records */

static bool geo__codes(geo_cert_db *db, json_object *o, const char *prov, geo_cert_record *r,
                       char *why, size_t n)
{
    json_object *a = tw_json_get(o, "admin_codes", json_type_array);
    int len = a ? (int)json_object_array_length(a) : 0;
    if (len < 1 || len > GEO_CERT_CODES_MAX) {
        return geo__fail(why, n, "\"admin_codes\" must be an array of 1..%d strings",
                         GEO_CERT_CODES_MAX);
    }
    const char **codes = geo__alloc(db, (size_t)len * sizeof *codes);
    if (!codes) return geo__fail(why, n, "out of memory");
    for (int i = 0; i < len; i++) {
        json_object *v = json_object_array_get_idx(a, (size_t)i);
        const char *c = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        if (!geo__digits(c, 5))
            return geo__fail(why, n, "admin_codes[%d] is not a 5-digit string", i);
        if (strncmp(c, prov, 2) != 0)
            return geo__fail(why, n, "admin code %s does not start with province_code %s", c, prov);
        for (int j = 0; j < i; j++)
            if (strcmp(codes[j], c) == 0)
                return geo__fail(why, n, "admin code %s is listed twice", c);
        codes[i] = geo__dup(db, c);
    }
    r->admin_codes = (const char *const *)codes;
    r->admin_code_count = len;
    return true;
}

/* A string member that must be one of names; its index into *out. */
static bool geo__enum(json_object *o, const char *key, const char *const *names, int count,
                      int *out, char *why, size_t n)
{
    const char *s;
    if (!geo__str(o, key, 0, &s, why, n)) return false;
    for (int i = 0; i < count; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return true;
        }
    return geo__fail(why, n, "\"%s\" is \"%s\", not \"%s\" or \"%s\"", key, s, names[0], names[1]);
}

static bool geo__source_ref(const geo_cert_db *db, const char *key, const char *id, char *why,
                            size_t n)
{
    if (!id || geo_cert_source_find(db, id)) return true;
    return geo__fail(why, n, "%s \"%s\" is not in \"sources\"", key, id);
}

/* The record's fields, its own JSON strings still borrowed. */
static bool geo__record_fields(geo_cert_db *db, json_object *o, geo_cert_record *r, char *why,
                               size_t n)
{
    static const char *const classes[] = {"large", "small-mid"};
    static const char *const statuses[] = {"certified", "extended"};
    const int nul = GEO__NULLABLE, opt = GEO__OPTIONAL;
    int cls = 0, status = 0;
    if (!geo__str(o, "name_ko", 0, &r->name_ko, why, n) ||
        !geo__int(o, "year", 0, 1900, 2999, &r->year, why, n) ||
        !geo__str(o, "name_en", 0, &r->name_en, why, n) ||
        !geo__str(o, "province_code", 0, &r->province_code, why, n))
        return false;
    if (!geo__digits(r->province_code, 2) || atoi(r->province_code) < 11 ||
        atoi(r->province_code) >= GEO_CERT_PROVINCES)
        return geo__fail(why, n, "province_code \"%s\" is not a code 11..39", r->province_code);
    if (!geo__codes(db, o, r->province_code, r, why, n) ||
        !geo__enum(o, "class", classes, 2, &cls, why, n) ||
        !geo__enum(o, "status", statuses, 2, &status, why, n) ||
        !geo__int(o, "grade", nul, 1, 5, &r->grade, why, n) ||
        !geo__str(o, "highlights_ko", nul, &r->highlights_ko, why, n) ||
        !geo__str(o, "highlights_en", nul, &r->highlights_en, why, n) ||
        !geo__str(o, "source", 0, &r->source, why, n) ||
        !geo__str(o, "class_source", opt, &r->class_source, why, n) ||
        !geo__str(o, "note", opt, &r->note, why, n) ||
        !geo__source_ref(db, "source", r->source, why, n) ||
        !geo__source_ref(db, "class_source", r->class_source, why, n))
        return false;
    r->cls = (geo_cert_class)cls;
    r->status = (geo_cert_status)status;
    return true;
}

static bool geo__same_place(const geo_cert_record *a, const geo_cert_record *b)
{
    if (strcmp(a->name_en, b->name_en) != 0 || strcmp(a->province_code, b->province_code) != 0 ||
        a->admin_code_count != b->admin_code_count)
        return false;
    for (int i = 0; i < a->admin_code_count; i++)
        if (strcmp(a->admin_codes[i], b->admin_codes[i]) != 0) return false;
    return true;
}

/* Checks against the records already taken: (name_ko, year) is unique and a
 * city is the same place in every year. */
static bool geo__record_fits(const geo_cert_db *db, const geo_cert_record *r, char *why, size_t n)
{
    if (geo_cert__year_index(db, r->year) < 0)
        return geo__fail(why, n, "year %d is not in %s", r->year, db->scheme_path);
    for (int i = 0; i < db->record_count; i++) {
        const geo_cert_record *o = &db->records[i];
        if (strcmp(o->name_ko, r->name_ko) != 0) continue;
        if (o->year == r->year)
            return geo__fail(why, n, "duplicate of record %d (same name_ko and year)",
                             o->file_index);
        if (!geo__same_place(o, r))
            return geo__fail(why, n,
                             "name_en, province_code or admin_codes differ from record %d "
                             "of the same name_ko",
                             o->file_index);
    }
    return true;
}

static bool geo__record(geo_cert_db *db, json_object *o, geo_cert_record *r, char *why, size_t n)
{
    if (!json_object_is_type(o, json_type_object))
        return geo__fail(why, n, "must be an object, not %s", tw_json_type_name(o));
    if (!geo__record_fields(db, o, r, why, n) || !geo__record_fits(db, r, why, n)) return false;
    r->name_ko = geo__dup(db, r->name_ko);
    r->name_en = geo__dup(db, r->name_en);
    r->province_code = geo__dup(db, r->province_code);
    r->highlights_ko = geo__dup(db, r->highlights_ko);
    r->highlights_en = geo__dup(db, r->highlights_en);
    r->source = geo__dup(db, r->source);
    r->class_source = geo__dup(db, r->class_source);
    r->note = geo__dup(db, r->note);
    return !db->nomem;
}

static void geo__read_records(geo_cert_db *db, json_object *root, const char *path)
{
    json_object *records = tw_json_get(root, "records", json_type_array);
    int len = (int)json_object_array_length(records);
    db->records = calloc(len > 0 ? (size_t)len : 1, sizeof *db->records);
    if (!db->records) {
        db->nomem = true;
        return;
    }
    for (int i = 0; i < len && !db->nomem; i++) {
        json_object *o = json_object_array_get_idx(records, (size_t)i);
        geo__entry e = {.path = path, .kind = "record", .index = i};
        geo_cert_record r = {.file_index = i};
        char why[GEO_CERT_WHY] = "";
        e.name = tw_json_string(o, "name_ko");
        json_object *y = tw_json_get(o, "year", json_type_int);
        e.year = y ? (int)json_object_get_int64(y) : 0;
        if (!geo__record(db, o, &r, why, sizeof why)) {
            geo__warn(&e, why);
            db->skipped++;
            continue;
        }
        tw_json_unknown_keys(o, geo__record_keys, geo__unknown_key, &e);
        db->records[db->record_count++] = r;
    }
}

/* ---- cities and the code index */

static int geo__code_cmp(const void *a, const void *b)
{
    const geo__code *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c) return c;
    if (x->ncodes != y->ncodes) return x->ncodes - y->ncodes; /* most specific first */
    return x->city - y->city;
}

static void geo__sort_by_year(const geo_cert_db *db, int *idx, int n)
{
    for (int i = 1; i < n; i++) {
        int v = idx[i], j = i;
        for (; j > 0 && db->records[idx[j - 1]].year > db->records[v].year; j--)
            idx[j] = idx[j - 1];
        idx[j] = v;
    }
}

static void geo__clear_index(geo_cert_db *db)
{
    free(db->cities);
    free(db->city_records);
    free(db->codes);
    db->cities = NULL;
    db->city_records = NULL;
    db->codes = NULL;
    db->city_count = db->code_count = 0;
}

static void geo__assign_cities(geo_cert_db *db)
{
    for (int i = 0; i < db->record_count; i++) {
        geo_cert_record *r = &db->records[i];
        int c = 0;
        while (c < db->city_count && strcmp(db->cities[c].name_ko, r->name_ko) != 0) c++;
        if (c == db->city_count)
            db->cities[db->city_count++] = (geo_cert_city){
                .name_ko = r->name_ko,
                .name_en = r->name_en,
                .province_code = r->province_code,
                .admin_codes = r->admin_codes,
                .admin_code_count = r->admin_code_count,
            };
        r->city = c;
        db->cities[c].record_count++;
    }
}

/* Cities from the records, each with its history, and the sorted code index. */
static tw_result geo__index(geo_cert_db *db)
{
    geo__clear_index(db);
    size_t n = db->record_count > 0 ? (size_t)db->record_count : 1;
    db->cities = calloc(n, sizeof *db->cities);
    db->city_records = calloc(n, sizeof *db->city_records);
    if (!db->cities || !db->city_records) goto nomem;
    geo__assign_cities(db);
    int ncodes = 0, *fill = db->city_records;
    for (int c = 0; c < db->city_count; c++) {
        geo_cert_city *city = &db->cities[c];
        city->records = fill;
        for (int i = 0; i < db->record_count; i++)
            if (db->records[i].city == c) *fill++ = i;
        geo__sort_by_year(db, fill - city->record_count, city->record_count);
        ncodes += city->admin_code_count;
    }
    db->codes = calloc(ncodes > 0 ? (size_t)ncodes : 1, sizeof *db->codes);
    if (!db->codes) goto nomem;
    for (int c = 0; c < db->city_count; c++)
        for (int k = 0; k < db->cities[c].admin_code_count; k++)
            db->codes[db->code_count++] = (geo__code){.code = db->cities[c].admin_codes[k],
                                                      .ncodes = db->cities[c].admin_code_count,
                                                      .city = c};
    qsort(db->codes, (size_t)db->code_count, sizeof *db->codes, geo__code_cmp);
    return TW_OK;
nomem:
    geo__clear_index(db);
    return TW_ERR_NOMEM;
}

/* ---- loading */

/* Reads path and checks the top: an object with "schema" and the array
 * array_key (and "sources", an object, when need_sources). */
static tw_result geo__open(const char *path, const char *schema, const char *array_key,
                           bool need_sources, json_object **out, char *err, size_t n)
{
    char jerr[256] = "";
    *out = NULL;
    tw_result r = tw_json_load_file(path, GEO_CERT_FILE_MAX, out, jerr, sizeof jerr);
    if (r != TW_OK) {
        bool gone = r == TW_ERR_IO && !tw_file_exists(path);
        snprintf(err, n, "%s: %s", path, gone ? "file not found" : jerr);
        return r;
    }
    const char *s = tw_json_string(*out, "schema");
    json_object *src = NULL;
    bool has_src = json_object_object_get_ex(*out, "sources", &src);
    if (!json_object_is_type(*out, json_type_object))
        snprintf(err, n, "%s: the top must be a JSON object, not %s", path,
                 tw_json_type_name(*out));
    else if (!s || strcmp(s, schema) != 0)
        snprintf(err, n, "%s: \"schema\" must be \"%s\"", path, schema);
    else if (!tw_json_get(*out, array_key, json_type_array))
        snprintf(err, n, "%s: \"%s\" must be an array", path, array_key);
    else if (has_src ? !json_object_is_type(src, json_type_object) : need_sources)
        snprintf(err, n, "%s: \"sources\" must be an object", path);
    else
        return TW_OK;
    json_object_put(*out);
    *out = NULL;
    return TW_ERR_FORMAT;
}

tw_result geo_cert_load(const char *records_path, const char *scheme_path, geo_cert_db **out,
                        char *err, size_t errlen)
{
    json_object *recs = NULL, *scheme = NULL;
    *out = NULL;
    geo_cert_db *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return TW_ERR_NOMEM;
    }
    tw_result r = geo__open(records_path, geo__records_schema, "records", true, &recs, err, errlen);
    if (r == TW_OK)
        r = geo__open(scheme_path, geo__scheme_schema, "years", false, &scheme, err, errlen);
    if (r == TW_OK) {
        db->records_path = geo__dup(db, records_path);
        db->scheme_path = geo__dup(db, scheme_path);
        geo__read_sources(db, recs, records_path);
        geo__read_sources(db, scheme, scheme_path);
        geo__read_schemes(db, scheme, scheme_path);
        geo__read_records(db, recs, records_path);
        r = db->nomem ? TW_ERR_NOMEM : geo__index(db);
        if (r != TW_OK) snprintf(err, errlen, "%s: out of memory", records_path);
    }
    json_object_put(recs);
    json_object_put(scheme);
    if (r != TW_OK) {
        geo_cert_free(db);
        return r;
    }
    *out = db;
    return TW_OK;
}

void geo_cert_free(geo_cert_db *db)
{
    if (!db) return;
    geo__clear_index(db);
    free(db->records);
    free(db->schemes);
    free(db->sources);
    while (db->chunks) {
        geo__chunk *next = db->chunks->next;
        free(db->chunks);
        db->chunks = next;
    }
    free(db);
}

int geo_cert_skipped_count(const geo_cert_db *db)
{
    return db->skipped;
}

static int geo__strptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first admin code of r that is not in the sorted known list, or NULL. */
static const char *geo__unknown_code(const geo_cert_record *r, const char **known, int n)
{
    for (int k = 0; k < r->admin_code_count; k++)
        if (!bsearch(&r->admin_codes[k], known, (size_t)n, sizeof *known, geo__strptr_cmp))
            return r->admin_codes[k];
    return NULL;
}

int geo_cert_check_codes(geo_cert_db *db, const char *const *known_codes, int n,
                         const char *boundary_path)
{
    const char **known = malloc((n > 0 ? (size_t)n : 1) * sizeof *known);
    if (!known) {
        TW_ERROR(GEO_CERT_TAG, "%s: out of memory checking admin codes", boundary_path);
        return -1;
    }
    if (n > 0) memcpy(known, known_codes, (size_t)n * sizeof *known);
    qsort(known, n > 0 ? (size_t)n : 0, sizeof *known, geo__strptr_cmp);
    int kept = 0, dropped = 0;
    for (int i = 0; i < db->record_count; i++) {
        const geo_cert_record *r = &db->records[i];
        const char *bad = geo__unknown_code(r, known, n);
        if (bad) {
            TW_WARN(GEO_CERT_TAG, "%s: record %d (%s %d): admin code %s is not in %s",
                    db->records_path, r->file_index, r->name_ko, r->year, bad, boundary_path);
            dropped++;
        } else {
            db->records[kept++] = *r;
        }
    }
    free(known);
    db->record_count = kept;
    if (dropped && geo__index(db) != TW_OK)
        TW_ERROR(GEO_CERT_TAG, "%s: out of memory; no city lookups", db->records_path);
    return dropped;
}

/* ---- access */
