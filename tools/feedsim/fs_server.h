/* The demo feed server: libmicrohttpd on 127.0.0.1, one thread per
 * connection, serving fs_docs documents with ETag / Last-Modified, and fault
 * modes per path prefix that a control path switches at run time. */
#ifndef FS_SERVER_H
#define FS_SERVER_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum fs_fault {
    FS_FAULT_NONE,
    FS_FAULT_SLOW,      /* drip the body a few bytes per interval */
    FS_FAULT_HANG,      /* accept and never answer (until cleared or a cap) */
    FS_FAULT_500,       /* internal server error */
    FS_FAULT_503,       /* unavailable, with Retry-After */
    FS_FAULT_TRUNCATED, /* Content-Length says more than is sent, then close */
    FS_FAULT_MALFORMED, /* invalid JSON with a JSON content type */
    FS_FAULT_HUGE,      /* a very large streamed body */
    FS_FAULT_WRONGTYPE, /* an HTML page, text/html */
    FS_FAULT_REDIRECT,  /* 302 to itself, forever */
    FS_FAULT_503_DATE,  /* unavailable, Retry-After as an HTTP date 8 s ahead */
    FS_FAULT_COUNT
} fs_fault;

/* Command-line / control name ("none", "slow", ..., "redirect-loop"). */
const char *fs_fault_name(fs_fault f);
bool fs_fault_parse(const char *name, fs_fault *out);

/* Zero means the default for every field. */
typedef struct fs_server_desc {
    int port;               /* 0: a free port */
    uint64_t seed;          /* default 1 */
    double start_s;         /* simulated epoch at start; 0: the real clock */
    bool frozen;            /* simulated time stands still (tests) */
    double tick_s;          /* data step, default 10 s */
    const char *api_key;    /* Seoul Open API key, default "citytwin" */
    fs_fault fault;         /* initial fault ... */
    const char *fault_path; /* ... for this path prefix (default: every path) */
    double hang_cap_s;      /* default 120 */
    size_t slow_bytes;      /* per drip, default 64 */
    int slow_interval_ms;   /* default 100 */
    uint64_t huge_bytes;    /* default 64 MiB */
    int bulk_sensors;       /* /geojson/bulk.geojson features; 0: not served */
} fs_server_desc;

typedef struct fs_server fs_server;

tw_result fs_server_start(const fs_server_desc *desc, fs_server **out);
int fs_server_port(const fs_server *s);
/* Wakes hung requests, stops the daemon and frees everything. */
void fs_server_stop(fs_server *s);

#endif
