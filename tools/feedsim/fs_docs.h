/* The documents the feed server answers with: NGSI-LD, OGC SensorThings,
 * GeoJSON and the Seoul Open API, built from the simulation at one instant.
 * Knows nothing of HTTP servers: a request is a path plus a query lookup. */
#ifndef FS_DOCS_H
#define FS_DOCS_H

#include "fs_sim.h"
#include "tw_result.h"

#include <stddef.h>

/* Query argument by name (already URL-decoded) or NULL. */
typedef const char *(*fs_arg_fn)(void *ctx, const char *key);

typedef struct fs_req {
    const char *path;     /* URL path, no query */
    fs_arg_fn arg;        /* query lookup */
    void *ctx;            /* for arg */
    const char *base_url; /* "http://127.0.0.1:PORT", for links */
    const char *accept;   /* Accept header or NULL */
} fs_req;

#define FS_DOC_MAX_HEADERS 4

typedef struct fs_doc {
    int status;
    char *body; /* malloc'd, NUL-terminated; len excludes the NUL */
    size_t len;
    const char *content_type;
    int nheaders;
    char hname[FS_DOC_MAX_HEADERS][48];
    char hvalue[FS_DOC_MAX_HEADERS][256];
} fs_doc;

typedef struct fs_docs_cfg {
    const fs_sim *sim;
    const char *api_key; /* Seoul Open API key that is accepted */
    int bulk_sensors;    /* features of /geojson/bulk.geojson; 0: not served */
} fs_docs_cfg;

/* Sets json-c's number format once, before any thread renders. */
void fs_docs_init(void);
/* Renders the answer to req at simulated time now_s. Unknown paths give a 404
 * document; the result is TW_ERR_NOMEM only when memory ran out. */
tw_result fs_docs_render(const fs_docs_cfg *cfg, double now_s, const fs_req *req, fs_doc *out);
/* A small document from a string (copied). */
tw_result fs_doc_text(fs_doc *out, int status, const char *content_type, const char *text);
void fs_doc_free(fs_doc *doc);

#endif
