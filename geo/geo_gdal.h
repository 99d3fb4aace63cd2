/* GDAL set-up for the whole process: driver registration (once, on the main
 * thread), the error handler that routes CPL messages into the project's
 * logger, and configuration for remote sources (timeouts, caches). */
#ifndef GEO_GDAL_H
#define GEO_GDAL_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct geo_gdal_desc {
    double http_timeout_s; /* whole request; 0: 30 s */
    double http_connect_s; /* connection; 0: 10 s */
    int cache_mb;          /* GDAL block cache; 0: 256 MB */
} geo_gdal_desc;

/* Registers the drivers (first call, main thread) and applies desc's remote
 * settings; a later call (the next scene) applies its own timeouts. */
tw_result geo_gdal_init(const geo_gdal_desc *desc);
void geo_gdal_shutdown(void);

/* This thread's last GDAL error text, folded to one line ("" if none). */
const char *geo_gdal_last_error(void);
void geo_gdal_clear_error(void);
/* A remote range this thread fetched since geo_gdal_net_reset that got no
 * answer (a timeout, a dropped connection) or an HTTP failure: /vsicurl/'s
 * words ("" none). A read that ends after one was cut, whatever the
 * driver says. */
const char *geo_gdal_net_failure(void);
void geo_gdal_net_reset(void);
/* Classifies this thread's last GDAL error: timeout, network or format. */
tw_result geo_gdal_last_error_kind(void);
/* The whole-request timeout GDAL was given, seconds. */
double geo_gdal_http_timeout_s(void);
/* Error text and code for a remote open or read that failed after
 * elapsed_s: GDAL reports a request that timed out as "HTTP response code
 * ... 0", so an answerless failure that lasted about the timeout is one. */
tw_result geo_gdal_describe_remote_error(double elapsed_s, char *err, size_t n);
/* One line for a GDALOpenEx of path that failed after elapsed_s; what is
 * "raster" or "vector source". Says what the source is when its first bytes
 * or the server's answer tell (HTTP 404, an HTML page, JSON null, binary
 * noise), else passes GDAL's own words on. */
tw_result geo_gdal_describe_open_failure(const char *path, const char *what, double elapsed_s,
                                         char *err, size_t n);
/* True for /vsicurl/, http(s):// and other network paths. */
bool geo_gdal_is_remote(const char *path);
/* Checks that a local path exists before GDAL tries it, so a missing file
 * gets "file not found" rather than a driver's guess. Remote paths pass. */
tw_result geo_gdal_check_path(const char *path, char *err, size_t n);

#endif
