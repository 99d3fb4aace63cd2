/* libFuzzer: any bytes as a certifications file must load or fail cleanly,
 * and every lookup the map makes must stay in bounds on what loaded. The
 * scheme is the shipped one (CITYTWIN_SOURCE, else the source tree). */
#include "geo_cert.h"
#include "tw_log.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char scheme[1024], records[64];

static void setup(void)
{
    tw_log_init(TW_LOG_LEVEL_COUNT); /* count, never print */
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(scheme, sizeof scheme, "%s/assets/cert/scheme.json", src ? src : CITYTWIN_SOURCE_DIR);
    snprintf(records, sizeof records, "/tmp/fuzz_cert_%d.json", (int)getpid());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    FILE *f = fopen(records, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    geo_cert_db *db = NULL;
    char err[512];
    if (geo_cert_load(records, scheme, &db, err, sizeof err) != TW_OK) return 0;
    static const char *const codes[] = {"11010", "11230", "31011", "22040", "25010"};
    geo_cert_check_codes(db, codes, 5, "fuzz");
    for (int year = 0; year <= 2026; year += year ? 1 : 2021) {
        geo_cert_counts c;
        geo_cert_counts_get(db, year, &c);
        for (int k = 0; k < 5; k++) {
            const geo_cert_record *all[8];
            geo_cert_lookup(db, codes[k], year);
            geo_cert_lookup_all(db, codes[k], year, all, 8);
        }
    }
    for (int i = 0; i < geo_cert_city_count(db); i++) {
        const geo_cert_city *c = geo_cert_city_at(db, i);
        for (int k = 0; k < c->record_count; k++) geo_cert_record_at(db, c->records[k]);
        geo_cert_city_record(db, i, 0);
    }
    geo_cert_free(db);
    return 0;
}
