/* Internals shared by geo_wind*.c: field allocation and checks, ISO 8601
 * time helpers, the readers of each format. */
#ifndef GEO_WIND_INT_H
#define GEO_WIND_INT_H

#include "geo_wind.h"

#include <stddef.h>

enum {
    GEO_WIND_MAX_POINTS = 16777216, /* default cap on nx*ny */
    GEO_WIND_JSON_MAX = 256 << 20,  /* largest JSON file read (bytes) */
    GEO_WIND_META_MAX = 64 << 10,   /* largest webgl-wind metadata JSON */
};

/* A field of nx*ny points with u, v allocated (NaN-filled), or NULL. */
geo_wind_field *geo_wind__alloc(int nx, int ny, const char *name, const char *format);
/* Counts nodata, sets wrap, checks the grid; on failure fills err (naming the
 * field) and returns the error; the caller destroys the field. */
tw_result geo_wind__finish(geo_wind_field *f, char *err, size_t n);
/* Caps: nx, ny positive and nx*ny within max_points (0: default). */
tw_result geo_wind__check_size(const char *name, long nx, long ny, long max_points, char *err,
                               size_t n);

/* Seconds since 1970 of a civil UTC date and time. */
double geo_wind__epoch(int y, int mo, int d, int h, int mi, double s);
/* Parses ISO 8601 ("2014-01-31T00:00:00.000Z", "2016-11-20T00:00Z",
 * "2016-11-20 00:00:00") as UTC; false when it is not one. */
bool geo_wind__parse_iso(const char *text, double *epoch_s);
/* Formats as "YYYY-MM-DDTHH:MM:SSZ". */
void geo_wind__format_iso(double epoch_s, char *out, size_t n);

/* Reads a whole file through GDAL's VSI layer (so /vsicurl/ works), at most
 * cap bytes, NUL-terminated. err gets the reason without the path. */
tw_result geo_wind__read_vsi(const char *path, size_t cap, char **out, size_t *len, char *err,
                             size_t n);

tw_result geo_wind__open_webgl(const char *png_path, long max_points, geo_wind_field **out,
                               char *err, size_t n);
tw_result geo_wind__open_gdal(const geo_wind_open_desc *d, long max_points, geo_wind_field **out,
                              char *err, size_t n);

#endif
