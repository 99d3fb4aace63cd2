/* Certification queries: records, schemes, cities, the code index, counts
 * per year and sources, over a database geo_cert.c loaded. */
#include "geo_cert_int.h"

#include <stdlib.h>
#include <string.h>

int geo_cert__year_index(const geo_cert_db *db, int year)
{
    for (int i = 0; i < db->scheme_count; i++)
        if (db->schemes[i].year == year) return i;
    return -1;
}

int geo_cert_record_count(const geo_cert_db *db)
{
    return db->record_count;
}

const geo_cert_record *geo_cert_record_at(const geo_cert_db *db, int i)
{
    return i >= 0 && i < db->record_count ? &db->records[i] : NULL;
}

int geo_cert_scheme_count(const geo_cert_db *db)
{
    return db->scheme_count;
}

const geo_cert_scheme *geo_cert_scheme_at(const geo_cert_db *db, int i)
{
    return i >= 0 && i < db->scheme_count ? &db->schemes[i] : NULL;
}

const geo_cert_scheme *geo_cert_scheme_for_year(const geo_cert_db *db, int year)
{
    return geo_cert_scheme_at(db, geo_cert__year_index(db, year));
}

int geo_cert_city_count(const geo_cert_db *db)
{
    return db->city_count;
}

const geo_cert_city *geo_cert_city_at(const geo_cert_db *db, int i)
{
    return i >= 0 && i < db->city_count ? &db->cities[i] : NULL;
}

const geo_cert_record *geo_cert_city_record(const geo_cert_db *db, int city, int year)
{
    const geo_cert_city *c = geo_cert_city_at(db, city);
    if (!c || c->record_count == 0) return NULL;
    if (year == 0) return &db->records[c->records[c->record_count - 1]];
    for (int i = 0; i < c->record_count; i++)
        if (db->records[c->records[i]].year == year) return &db->records[c->records[i]];
    return NULL;
}

/* Index of the first entry of code in the sorted code index. */
static int geo__code_first(const geo_cert_db *db, const char *code)
{
    int lo = 0, hi = db->code_count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(db->codes[mid].code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int geo_cert_lookup_all(const geo_cert_db *db, const char *admin_code, int year,
                        const geo_cert_record **out, int max)
{
    int count = 0;
    if (!admin_code) return 0;
    for (int i = geo__code_first(db, admin_code);
         i < db->code_count && strcmp(db->codes[i].code, admin_code) == 0; i++) {
        const geo_cert_record *r = geo_cert_city_record(db, db->codes[i].city, year);
        if (!r) continue;
        if (count < max) out[count] = r;
        count++;
    }
    return count;
}

const geo_cert_record *geo_cert_lookup(const geo_cert_db *db, const char *admin_code, int year)
{
    const geo_cert_record *r = NULL;
    return geo_cert_lookup_all(db, admin_code, year, &r, 1) > 0 ? r : NULL;
}

int geo_cert_city_for_code(const geo_cert_db *db, const char *admin_code, int year)
{
    const geo_cert_record *r = geo_cert_lookup(db, admin_code, year);
    return r ? r->city : -1;
}

void geo_cert_counts_get(const geo_cert_db *db, int year, geo_cert_counts *out)
{
    memset(out, 0, sizeof *out);
    out->year_count = db->scheme_count;
    for (int i = 0; i < db->scheme_count; i++) out->per_year[i].year = db->schemes[i].year;
    for (int i = 0; i < db->record_count; i++) {
        const geo_cert_record *r = &db->records[i];
        int y = geo_cert__year_index(db, r->year);
        if (r->status == GEO_CERT_CERTIFIED)
            out->per_year[y].certified++;
        else
            out->per_year[y].extended++;
        if (year && r->year != year) continue;
        out->records++;
        out->by[r->status][r->cls]++;
        out->province[atoi(r->province_code)]++;
    }
    out->certified = out->by[GEO_CERT_CERTIFIED][GEO_CERT_LARGE] +
                     out->by[GEO_CERT_CERTIFIED][GEO_CERT_SMALL_MID];
    out->extended =
        out->by[GEO_CERT_EXTENDED][GEO_CERT_LARGE] + out->by[GEO_CERT_EXTENDED][GEO_CERT_SMALL_MID];
    out->large =
        out->by[GEO_CERT_CERTIFIED][GEO_CERT_LARGE] + out->by[GEO_CERT_EXTENDED][GEO_CERT_LARGE];
    out->small_mid = out->by[GEO_CERT_CERTIFIED][GEO_CERT_SMALL_MID] +
                     out->by[GEO_CERT_EXTENDED][GEO_CERT_SMALL_MID];
}

const geo_cert_source *geo_cert_source_find(const geo_cert_db *db, const char *id)
{
    if (!id) return NULL;
    for (int i = 0; i < db->source_count; i++)
        if (strcmp(db->sources[i].id, id) == 0) return &db->sources[i];
    return NULL;
}
