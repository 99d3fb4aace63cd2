/* The certification database's private parts, shared by the loader
 * (geo_cert.c) and the queries (geo_cert_query.c). Not for other modules. */
#ifndef GEO_CERT_INT_H
#define GEO_CERT_INT_H

#include "geo_cert.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct geo__chunk {
    struct geo__chunk *next;
    size_t used, cap;
    max_align_t data[];
} geo__chunk;

/* One admin code of one city; sorted so a lookup is a binary search. */
typedef struct geo__code {
    const char *code;
    int ncodes, city;
} geo__code;

struct geo_cert_db {
    geo__chunk *chunks;
    bool nomem;
    const char *records_path, *scheme_path;
    geo_cert_record *records;
    int record_count;
    geo_cert_scheme *schemes;
    int scheme_count;
    geo_cert_source *sources;
    int source_count, source_cap;
    geo_cert_city *cities;
    int city_count;
    int *city_records;
    geo__code *codes;
    int code_count;
    int skipped;
};

/* Index of a scheme year, -1 when the scheme has no such year. */
int geo_cert__year_index(const geo_cert_db *db, int year);

#endif
