/* GDAL process set-up and error routing. */
#define _LARGEFILE64_SOURCE 1
#include "geo_gdal.h"

#include "tw_file.h"

#include "tw_log.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_http.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ctype.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <string.h>

static struct {
    bool ready;
    double http_timeout_s;
} geo__gdal;

/* This thread's first remote read that got no answer or a failure since
 * geo_gdal_net_reset ("" none). */
static _Thread_local char geo__net_fail[320];

static void CPL_STDCALL geo__cpl_handler(CPLErr cls, CPLErrorNum num, const char *msg)
{
    /* /vsicurl/ says a range it fetched failed only in its debug line
     * (CPL_DEBUG=VSICURL, geo_gdal_init), and some drivers (FlatGeobuf in
     * GDAL 3.6) then end the layer as if at its end, with no error. */
    static const char dl[] = "VSICURL: DownloadRegion(";
    if (cls == CE_Debug && msg && strncmp(msg, dl, sizeof dl - 1) == 0 && !geo__net_fail[0]) {
        const char *rc = strstr(msg, "response_code=");
        int code = rc ? atoi(rc + strlen("response_code=")) : 200;
        /* "DownloadRegion(URL): response_code=0, msg=Operation timed out
         * after 2001 milliseconds ...": said as "no answer from URL:
         * Operation timed out ..." (or "HTTP 503 from URL"). */
        const char *url = msg + sizeof dl - 1, *end = rc ? strstr(url, "): ") : NULL;
        const char *why = strstr(msg, "msg=");
        int ul = end ? (int)(end - url) : 0;
        if (code != 200 && code != 206 && code > 0)
            snprintf(geo__net_fail, sizeof geo__net_fail, "HTTP %d from %.*s", code, ul, url);
        else if (code != 200 && code != 206)
            snprintf(geo__net_fail, sizeof geo__net_fail, "no answer from %.*s%s%s", ul, url,
                     why && why[4] ? ": " : "", why && why[4] ? why + 4 : "");
    }
    /* The code that called GDAL reports one clear line with its own context;
     * GDAL's own words go to the log at debug level (shown with --verbose). */
    tw_log_level lvl = cls == CE_Fatal ? TW_LOG_ERROR : TW_LOG_DEBUG;
    tw_log(lvl, "gdal", "%s (CPLE %d)", msg ? msg : "", (int)num);
}

/* Every call applies its options: each scene brings its own timeouts, and
 * GDAL reads these settings at each request. Drivers register once. */
tw_result geo_gdal_init(const geo_gdal_desc *desc)
{
    geo_gdal_desc d = desc ? *desc : (geo_gdal_desc){0};
    char v[32];
    geo__gdal.http_timeout_s = d.http_timeout_s > 0 ? ceil(d.http_timeout_s) : 30;
    snprintf(v, sizeof v, "%d", (int)geo__gdal.http_timeout_s);
    CPLSetConfigOption("GDAL_HTTP_TIMEOUT", v);
    snprintf(v, sizeof v, "%d", d.http_connect_s > 0 ? (int)(d.http_connect_s + 0.999) : 10);
    CPLSetConfigOption("GDAL_HTTP_CONNECTTIMEOUT", v);
    snprintf(v, sizeof v, "%dMB", d.cache_mb > 0 ? d.cache_mb : 256);
    CPLSetConfigOption("GDAL_CACHEMAX", v);
    /* Remote rasters: no directory listing probes, no retries that would hide
     * a dead server for minutes; the error reaches the layer quickly. */
    CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
    CPLSetConfigOption("GDAL_HTTP_MAX_RETRY", "0");
    CPLSetConfigOption("CPL_VSIL_CURL_CHUNK_SIZE", "65536");
    /* Never write .aux.xml next to a user's data. */
    CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");
    /* /vsicurl/'s debug lines, to the log at debug level: the only word of
     * a range that failed mid-read (geo_gdal_net_failure). A user's own
     * CPL_DEBUG stays. */
    if (!CPLGetConfigOption("CPL_DEBUG", NULL)) CPLSetConfigOption("CPL_DEBUG", "VSICURL");
    if (geo__gdal.ready) return TW_OK;
    CPLSetErrorHandler(geo__cpl_handler);
    GDALAllRegister();
    geo__gdal.ready = true;
    return TW_OK;
}

void geo_gdal_shutdown(void)
{
    if (!geo__gdal.ready) return;
    CPLSetErrorHandler(NULL);
    geo__gdal.ready = false;
}

const char *geo_gdal_last_error(void)
{
    const char *m = CPLGetLastErrorMsg();
    return m ? m : "";
}

void geo_gdal_clear_error(void)
{
    CPLErrorReset();
}

void geo_gdal_net_reset(void)
{
    geo__net_fail[0] = 0;
}

const char *geo_gdal_net_failure(void)
{
    return geo__net_fail;
}

static bool geo__contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return true;
    return false;
}

tw_result geo_gdal_last_error_kind(void)
{
    const char *m = geo_gdal_last_error();
    if (geo__contains_ci(m, "timed out") || geo__contains_ci(m, "timeout")) return TW_ERR_TIMEOUT;
    if (geo__contains_ci(m, "HTTP") || geo__contains_ci(m, "curl") ||
        geo__contains_ci(m, "connect") || geo__contains_ci(m, "resolve"))
        return TW_ERR_NET;
    return TW_ERR_FORMAT;
}

double geo_gdal_http_timeout_s(void)
{
    return geo__gdal.http_timeout_s;
}

tw_result geo_gdal_describe_remote_error(double elapsed_s, char *err, size_t n)
{
    const char *msg = geo_gdal_last_error();
    tw_result kind = geo_gdal_last_error_kind();
    bool no_answer = strstr(msg, "response code") && strstr(msg, ": 0") ? true : !msg[0];
    if (kind == TW_ERR_TIMEOUT || (no_answer && elapsed_s >= 0.8 * geo__gdal.http_timeout_s)) {
        snprintf(err, n, "timed out: no answer within %.0f s", geo__gdal.http_timeout_s);
        return TW_ERR_TIMEOUT;
    }
    if (no_answer) {
        snprintf(err, n, "cannot fetch: the server did not answer (connection refused or reset)");
        return TW_ERR_NET;
    }
    snprintf(err, n, "cannot fetch: %s", msg);
    return kind == TW_ERR_FORMAT ? TW_ERR_NET : kind;
}

bool geo_gdal_is_remote(const char *path)
{
    return strncmp(path, "/vsicurl", 8) == 0 || strncmp(path, "/vsis3", 6) == 0 ||
           strncmp(path, "/vsigs", 6) == 0 || strncmp(path, "/vsiaz", 6) == 0 ||
           strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0 ||
           strstr(path, "/vsicurl/") != NULL;
}

tw_result geo_gdal_check_path(const char *path, char *err, size_t n)
{
    if (!path || !path[0]) {
        snprintf(err, n, "no path given");
        return TW_ERR_ARG;
    }
    if (geo_gdal_is_remote(path) || strncmp(path, "/vsi", 4) == 0 || tw_path_is_connection(path))
        return TW_OK;
    VSIStatBufL st;
    if (VSIStatL(path, &st) != 0) {
        snprintf(err, n, "file not found");
        return TW_ERR_IO;
    }
    if (VSI_ISDIR(st.st_mode)) return TW_OK; /* e.g. a shapefile directory */
    if (st.st_size == 0) {
        snprintf(err, n, "file is empty");
        return TW_ERR_FORMAT;
    }
    return TW_OK;
}

/* Says what the first bytes of a source really are when that explains why
 * no driver took it: an HTML page, a bare JSON null, or binary noise. */
static bool geo__sniff(const unsigned char *b, size_t len, char *err, size_t n)
{
    char text[1025];
    size_t i = 0;
    if (len > sizeof text - 1) len = sizeof text - 1;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) i = 3; /* UTF-8 BOM */
    while (i < len && isspace(b[i])) i++;
    size_t tl = len - i;
    memcpy(text, b + i, tl);
    text[tl] = 0;
    for (size_t k = 0; k < tl; k++)
        if (!text[k]) text[k] = ' '; /* so the searches below see the whole buffer */
    if (text[0] == '<' && (geo__contains_ci(text, "<!doctype html") ||
                           geo__contains_ci(text, "<html") || geo__contains_ci(text, "<body"))) {
        snprintf(err, n,
                 "is an HTML page, not GIS data (a sign-in or error page in place of the "
                 "file?); point \"source\" at the data file itself");
        return true;
    }
    if (strncmp(text, "null", 4) == 0) {
        size_t k = 4;
        while (k < tl && isspace((unsigned char)text[k])) k++;
        if (k == tl) {
            snprintf(err, n, "holds only the JSON value null: no GeoJSON, no features");
            return true;
        }
    }
    size_t binary = 0;
    for (size_t k = i; k < len; k++)
        if (b[k] < 0x09 || (b[k] > 0x0d && b[k] < 0x20) || b[k] == 0x7f) binary++;
    if (len > i && binary * 20 > len - i) {
        snprintf(err, n,
                 "is in no format GDAL knows: its first bytes (%02x %02x %02x %02x) start no "
                 "raster or vector format (a damaged download, or not a GIS file?)",
                 b[0], len > 1 ? b[1] : 0, len > 2 ? b[2] : 0, len > 3 ? b[3] : 0);
        return true;
    }
    return false;
}

/* The URL behind a GDAL network path, or NULL for other kinds. */
static const char *geo__http_url(const char *path)
{
    if (strncmp(path, "/vsicurl/", 9) == 0) path += 9;
    return strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0 ? path : NULL;
}

/* Asks the server for the first kilobyte itself, since GDAL's failed open
 * does not say whether the server answered 404 or sent an HTML page. */
static bool geo__probe_url(const char *url, char *err, size_t n)
{
    char timeout[32];
    snprintf(timeout, sizeof timeout, "TIMEOUT=%d", (int)geo__gdal.http_timeout_s);
    const char *const opts[] = {timeout, "HEADERS=Range: bytes=0-1023", "MAX_RETRY=0", NULL};
    CPLHTTPResult *res = CPLHTTPFetch(url, (CSLConstList)opts);
    if (!res) return false;
    bool told = false;
    const char *code = res->pszErrBuf ? strstr(res->pszErrBuf, "HTTP error code") : NULL;
    const char *colon = code ? strchr(code, ':') : NULL;
    int status = colon ? atoi(colon + 1) : 0;
    if (status == 404 || status == 410) {
        snprintf(err, n, "HTTP %d not found: the server has no file at this URL; check the address",
                 status);
        told = true;
    } else if (status == 401 || status == 403) {
        snprintf(err, n,
                 "HTTP %d: the server refuses access; the URL needs credentials or a "
                 "signed address",
                 status);
        told = true;
    } else if (status >= 400) {
        snprintf(err, n, "HTTP %d from the server: it failed to send the file", status);
        told = true;
    } else if (res->nStatus == 0 && res->pabyData) {
        told = geo__sniff(res->pabyData, (size_t)res->nDataLen, err, n);
    }
    CPLHTTPDestroyResult(res);
    return told;
}

tw_result geo_gdal_describe_open_failure(const char *path, const char *what, double elapsed_s,
                                         char *err, size_t n)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", geo_gdal_last_error());
    tw_result kind = geo_gdal_last_error_kind();
    if (geo_gdal_is_remote(path)) {
        if (kind != TW_ERR_FORMAT || strstr(msg, "response code"))
            return geo_gdal_describe_remote_error(elapsed_s, err, n);
        const char *url = geo__http_url(path);
        if (url && geo__probe_url(url, err, n))
            return strncmp(err, "HTTP", 4) == 0 ? TW_ERR_NET : TW_ERR_FORMAT;
    } else {
        VSILFILE *f = VSIFOpenL(path, "rb");
        if (f) {
            unsigned char head[1024];
            size_t got = VSIFReadL(head, 1, sizeof head, f);
            VSIFCloseL(f);
            if (geo__sniff(head, got, err, n)) return TW_ERR_FORMAT;
        }
    }
    snprintf(err, n, "not a %s GDAL can read%s%s%s", what, msg[0] ? " (GDAL: " : "", msg,
             msg[0] ? ")" : "");
    return TW_ERR_FORMAT;
}
