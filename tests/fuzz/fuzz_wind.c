/* libFuzzer: any bytes as grib2json text must give a field or an error with
 * a message naming the input, within the size cap (small here, so the cap
 * path runs), and a field's values, time and sampling must be readable. */
#include "geo_wind.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    geo_wind_field *f = NULL;
    char err[512];
    err[0] = '\0';
    tw_result r =
        geo_wind_parse_grib2json((const char *)data, size, "fuzz.json", 4096, &f, err, sizeof err);
    if (r != TW_OK) {
        if (f || !strstr(err, "fuzz.json")) abort();
        return 0;
    }
    if (!f || f->nx < 2 || f->ny < 2 || (long)f->nx * f->ny > 4096) abort();
    if (f->nodata_count >= (long)f->nx * f->ny) abort();
    double sum = 0;
    for (long i = 0; i < (long)f->nx * f->ny; i++)
        if (!isnan(f->u[i])) sum += f->u[i] + f->v[i];
    sum += strlen(f->time) + strlen(f->source) + geo_wind_field_resolution_deg(f);
    for (int k = 0; k < 16; k++) {
        double u, v, lon = f->lon0 + (k - 3) * 0.37 * f->dlon * f->nx / 8;
        double lat = f->lat0 + (k - 5) * 0.41 * f->dlat * f->ny / 8;
        if (geo_wind_field_sample(f, lon, lat, &u, &v) && (!isfinite(u) || !isfinite(v))) abort();
    }
    geo_wind_field_destroy(f);
    return sum == 1234.5678 ? 1 : 0;
}
