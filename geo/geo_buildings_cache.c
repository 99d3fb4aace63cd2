/* The on-disk cache of buildings read whole: see geo_buildings.h.
 *
 * File: "CTBLDG" 0 1, u32 format version, u32 key length, the key, u64
 * payload length, the payload, u64 FNV-1a of the payload. The payload is
 * every array of a geo_buildings after its load (footprints, field names,
 * the class field's texts, heights, chunks with their meshes), little-endian as this machine writes
 * it; the reader checks every length against what is left. */
#define _LARGEFILE64_SOURCE 1 /* VSIStatBufL */
#include "geo_buildings.h"

#include "tw_file.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEO_CACHE_MAGIC "CTBLDG\0\1"
/* 3: /vsicurl/ keys; 4: meshes without normals, walls two vertices a point;
 * 5: no attribute texts (read on pick), one class field's; 6: (never
 * released); 7: meshes with a building id per vertex (id * 2 + 1 on top)
 * instead of colours (raised and coloured by a table in the vertex
 * shader), int16 x, y where a chunk allows (TW_MESH_XY16); 9: far boxes
 * turned to each footprint (geo_buildings_obox), the layout as 8's; 10:
 * meshes as the GPU takes them where they fit (TW_MESH_GPU16: a strip and
 * list count in the header, uint16 ids and indices) */
#define GEO_CACHE_VERSION GEO_BUILDINGS_CACHE_VERSION
#define GEO_CACHE_NULL    0xffffffffu

static uint64_t geo__fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

bool geo_buildings_cache_dir(char *out, size_t n)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(out, n, "%s/citytwin", xdg);
    else if (home && home[0])
        snprintf(out, n, "%s/.cache/citytwin", home);
    else
        return false;
    return true;
}

/* A file over HTTP (/vsicurl/): its size and Last-Modified time from
 * GDAL's stat (a HEAD request, or the first GET's headers) and its ETag
 * when the server sends one, so a file changed on the server misses. */
static bool geo__http_version(const char *path, long long *size, long long *mtime, char *etag,
                              size_t n)
{
    VSIStatBufL st;
    etag[0] = 0;
    if (VSIStatExL(path, &st, VSI_STAT_EXISTS_FLAG | VSI_STAT_SIZE_FLAG) != 0 ||
        VSI_ISDIR(st.st_mode))
        return false;
    *size = (long long)st.st_size, *mtime = (long long)st.st_mtime;
    char **h = VSIGetFileMetadata(path, "HEADERS", NULL);
    const char *e = h ? CSLFetchNameValue(h, "ETag") : NULL;
    if (e) snprintf(etag, n, "%s", e);
    CSLDestroy(h);
    /* Neither a time nor a tag: a changed file of the same size would hit. */
    return *mtime > 0 || etag[0];
}

static bool geo__is_http(const char *path)
{
    return strncmp(path, "/vsicurl/", 9) == 0 || strncmp(path, "/vsicurl?", 9) == 0;
}

bool geo_buildings_cache_key(const geo_buildings_desc *d, const geo_frame *frame, char *key,
                             size_t n)
{
    const char *path = d->src.path;
    if (!path || d->has_keep || tw_path_is_connection(path)) return false;
    char real[4096], etag[256] = "";
    long long size = 0, mtime = 0;
    if (geo__is_http(path)) {
        if (!geo__http_version(path, &size, &mtime, etag, sizeof etag)) return false;
        snprintf(real, sizeof real, "%s", path);
    } else {
        struct stat st;
        if (strncmp(path, "/vsi", 4) == 0 || stat(path, &st) != 0 || S_ISDIR(st.st_mode))
            return false;
        if (!realpath(path, real)) snprintf(real, sizeof real, "%s", path);
        size = (long long)st.st_size, mtime = (long long)st.st_mtime;
    }
    int k = snprintf(key, n,
                     "v%u|%s|size=%lld|mtime=%lld|etag=%s|layer=%s|where=%s|source_crs=%s|"
                     "encoding=%s|height=%s|floors=%s|floor_m=%.6g|default_m=%.6g|chunk_m=%.6g|"
                     "class=%s|frame=%s",
                     GEO_CACHE_VERSION, real, size, mtime, etag, d->src.layer ? d->src.layer : "",
                     d->src.where ? d->src.where : "", d->src.source_crs ? d->src.source_crs : "",
                     d->src.encoding ? d->src.encoding : "", d->height_field ? d->height_field : "",
                     d->floors_field ? d->floors_field : "", d->floor_height_m, d->default_height_m,
                     d->chunk_m, d->class_field ? d->class_field : "", geo_frame_wkt(frame));
    return k > 0 && (size_t)k < n;
}

void geo_buildings_cache_path(const char *dir, const char *key, char *out, size_t n)
{
    snprintf(out, n, "%s/buildings-%016llx.bin", dir,
             (unsigned long long)geo__fnv((const uint8_t *)key, strlen(key)));
}

/* ---- writing ---- */

/* Bytes go straight to a file (hashed when asked), or are only counted:
 * a cache of 600,000 buildings is about 400 MB, which a buffer would
 * hold twice over while it grows. */
typedef struct geo__buf {
    FILE *f;   /* NULL: count only */
    size_t n;  /* bytes put */
    bool hash; /* h: the FNV-1a of the bytes put */
    uint64_t h;
    bool bad;
} geo__buf;

static void geo__put(geo__buf *b, const void *v, size_t n)
{
    if (b->bad || n == 0) return;
    b->n += n;
    if (!b->f) return;
    if (b->hash) {
        const uint8_t *s = v;
        uint64_t h = b->h;
        for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
        b->h = h;
    }
    if (fwrite(v, 1, n, b->f) != n) b->bad = true;
}

static void geo__u32(geo__buf *b, uint32_t v)
{
    geo__put(b, &v, sizeof v);
}

static void geo__str(geo__buf *b, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : GEO_CACHE_NULL;
    geo__u32(b, n);
    if (s) geo__put(b, s, n);
}

static void geo__mesh(geo__buf *b, const tw_mesh *m)
{
    geo__put(b, m, offsetof(tw_mesh, positions)); /* origin, prim, attrs, counts */
    size_t nv = m->vertex_count;
    if (m->attrs & TW_MESH_XY16)
        geo__put(b, m->xy16, (size_t)m->vertex_count * 2 * sizeof(int16_t));
    else
        geo__put(b, m->positions, (size_t)m->vertex_count * 3 * sizeof(float));
    if (m->attrs & TW_MESH_NORMALS) geo__put(b, m->normals, (size_t)m->vertex_count * 3 * 4);
    if (m->attrs & TW_MESH_UVS) geo__put(b, m->uvs, (size_t)m->vertex_count * 2 * 4);
    if (m->attrs & TW_MESH_COLORS) geo__put(b, m->colors, (size_t)m->vertex_count * 4);
    if (m->attrs & TW_MESH_GPU16) {
        if (m->attrs & TW_MESH_IDS) geo__put(b, m->id16, nv * 2);
        geo__put(b, m->ix16, ((size_t)m->strip_count + m->list_count) * 2);
        return;
    }
    if (m->attrs & TW_MESH_IDS) geo__put(b, m->ids, nv * 4);
    geo__put(b, m->indices, (size_t)m->index_count * sizeof(uint32_t));
}

static void geo__payload(geo__buf *o, const geo_buildings *b)
{
    const geo_polygons *p = &b->polys;
    int points = p->ring_count ? p->ring_start[p->ring_count] : 0;
    geo__put(o, &p->count, sizeof p->count);
    geo__put(o, &p->ring_count, sizeof p->ring_count);
    geo__put(o, &points, sizeof points);
    for (int f = 0; f < p->count; f++) {
        geo_polygon g = p->features[f];
        geo__str(o, g.code), geo__str(o, g.name), geo__str(o, g.name_en);
        g.code = g.name = g.name_en = NULL;
        geo__put(o, &g, sizeof g);
    }
    geo__put(o, p->xy, (size_t)points * 2 * sizeof *p->xy);
    geo__put(o, p->ring_start, ((size_t)p->ring_count + 1) * sizeof *p->ring_start);
    geo__put(o, p->ring_outer, (size_t)p->ring_count * sizeof *p->ring_outer);
    geo__u32(o, (uint32_t)p->skipped.n);
    for (int i = 0; i < p->skipped.n; i++) {
        geo__str(o, p->skipped.reason[i]);
        geo__u32(o, (uint32_t)p->skipped.count[i]);
    }
    geo__put(o, p->extent, sizeof p->extent);
    geo__put(o, p->crs, sizeof p->crs);
    geo__put(o, b->height, (size_t)p->count * sizeof *b->height);
    geo__put(o, b->floors, (size_t)p->count * sizeof *b->floors);
    geo__put(o, &b->field_count, sizeof b->field_count);
    for (int i = 0; i < b->field_count; i++) geo__str(o, b->fields[i]);
    uint64_t cl = b->class_at ? (uint64_t)b->class_len : UINT64_MAX;
    geo__put(o, &cl, sizeof cl);
    if (b->class_at) {
        geo__put(o, b->class_text, b->class_len);
        geo__put(o, b->class_at, (size_t)p->count * sizeof *b->class_at);
    }
    geo__put(o, &b->defaulted, sizeof b->defaulted);
    geo__put(o, &b->source_count, sizeof b->source_count);
    geo__put(o, b->sources, sizeof b->sources);
    geo__put(o, &b->hmin, sizeof b->hmin);
    geo__put(o, &b->hmax, sizeof b->hmax);
    geo__put(o, &b->roofless, sizeof b->roofless);
    geo__put(o, &b->repaired, sizeof b->repaired);
    geo__put(o, &b->chunk_count, sizeof b->chunk_count);
    for (int k = 0; k < b->chunk_count; k++) {
        const geo_buildings_chunk *c = &b->chunks[k];
        geo__put(o, &c->f0, sizeof c->f0);
        geo__put(o, &c->f1, sizeof c->f1);
        geo__put(o, c->origin, sizeof c->origin);
        geo__put(o, c->box, sizeof c->box);
        geo__mesh(o, &c->walls); /* roofs included: c->roofs is empty */
        geo__mesh(o, &c->far);
        geo__put(o, c->wall_v0, ((size_t)(c->f1 - c->f0) + 1) * sizeof *c->wall_v0);
    }
}

static tw_result geo__mkdirs(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) return TW_ERR_IO;
        *s = '/';
    }
    return mkdir(p, 0755) == 0 || errno == EEXIST ? TW_OK : TW_ERR_IO;
}

tw_result geo_buildings_cache_write(const char *dir, const char *key, const geo_buildings *b,
                                    char *why, size_t n)
{
    /* The payload's length first (counted), then the file in one pass:
     * header, payload (hashed as it goes), its checksum. */
    geo__buf count = {0};
    geo__payload(&count, b);
    uint32_t klen = (uint32_t)strlen(key);
    uint64_t plen = count.n;
    char path[4200], tmp[4300];
    geo_buildings_cache_path(dir, key, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    tw_result r = geo__mkdirs(dir);
    FILE *f = r == TW_OK ? fopen(tmp, "wb") : NULL;
    bool ok = f != NULL;
    if (f) {
        geo__buf head = {.f = f}, body = {.f = f, .hash = true, .h = geo__fnv(NULL, 0)};
        geo__put(&head, GEO_CACHE_MAGIC, 8);
        geo__u32(&head, GEO_CACHE_VERSION);
        geo__u32(&head, klen);
        geo__put(&head, key, klen);
        geo__put(&head, &plen, sizeof plen);
        geo__payload(&body, b);
        geo__put(&head, &body.h, sizeof body.h);
        ok = !head.bad && !body.bad && body.n == plen;
        if (fclose(f) != 0) ok = false;
    }
    if (!ok || rename(tmp, path) != 0) {
        snprintf(why, n, "cannot write %s: %s", f ? tmp : dir, strerror(errno));
        unlink(tmp);
        return TW_ERR_IO;
    }
    return TW_OK;
}

/* ---- reading ---- */

/* Read straight from the file (hashed when asked): the cache is not
 * held in memory beside what it is read into. left: the bytes of the
 * part being read (header or payload) not read yet. */
typedef struct geo__rd {
    FILE *f;
    size_t left;
    bool hash;
    uint64_t h;
    bool bad;
} geo__rd;

static void geo__hash(geo__rd *r, const uint8_t *p, size_t n)
{
    uint64_t h = r->h;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    r->h = h;
}

static bool geo__get(geo__rd *r, void *v, size_t n)
{
    if (r->bad || n > r->left || (n && fread(v, 1, n, r->f) != n)) {
        r->bad = true;
        return false;
    }
    if (r->hash) geo__hash(r, v, n);
    r->left -= n;
    return true;
}

/* An array of count items of size each, allocated (at least 1 byte). */
static void *geo__arr(geo__rd *r, long count, size_t size)
{
    if (r->bad || count < 0 || (size_t)count > r->left / (size ? size : 1) + 1) {
        r->bad = true;
        return NULL;
    }
    void *a = malloc((size_t)count * size + 1);
    if (!a || !geo__get(r, a, (size_t)count * size)) {
        free(a);
        r->bad = true;
        return NULL;
    }
    return a;
}

static char *geo__rstr(geo__rd *r)
{
    uint32_t n;
    if (!geo__get(r, &n, sizeof n) || n == GEO_CACHE_NULL) return NULL;
    char *s = geo__arr(r, n, 1);
    if (s) s[n] = 0;
    return s;
}

/* Skip reasons are static texts in a load; from a cache they are kept
 * here, one copy of each for the process. */
static const char *geo__intern(const char *s)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static char *pool[64];
    static int count;
    const char *out = "skipped";
    pthread_mutex_lock(&mu);
    for (int i = 0; i < count; i++)
        if (strcmp(pool[i], s) == 0) out = pool[i];
    if (strcmp(out, s) != 0 && count < 64 && (pool[count] = strdup(s))) out = pool[count++];
    pthread_mutex_unlock(&mu);
    return out;
}

/* A TW_MESH_GPU16 mesh's indices below its vertex count and its strip and
 * list the triangles index_count stands for (the strip's joins aside). */
static bool geo__rgpu16(const tw_mesh *m)
{
    const uint16_t *s = m->ix16;
    uint32_t n = m->strip_count + m->list_count, tris = m->list_count / 3;
    for (uint32_t i = 0; i < n; i++)
        if (s[i] >= m->vertex_count) return false;
    for (uint32_t i = 0; i + 2 < m->strip_count; i++)
        tris += s[i] != s[i + 1] && s[i + 1] != s[i + 2] && s[i] != s[i + 2];
    return m->list_count % 3 == 0 && m->index_count % 3 == 0 && tris == m->index_count / 3;
}

static bool geo__rmesh(geo__rd *r, tw_mesh *m)
{
    tw_mesh h;
    if (!geo__get(r, &h, offsetof(tw_mesh, positions))) return false;
    size_t pos = (h.attrs & TW_MESH_XY16) ? 4 : 12; /* bytes of a vertex's position */
    bool g16 = h.attrs & TW_MESH_GPU16;
    /* GPU16: the strip and list as read (index_count is checked against them). */
    uint64_t ni = g16 ? (uint64_t)h.strip_count + h.list_count : h.index_count;
    if ((size_t)h.vertex_count * pos > r->left || ni * (g16 ? 2 : 4) > r->left ||
        (g16 && (h.vertex_count >= 65535 || h.prim != TW_PRIM_TRIANGLES)) ||
        tw_mesh_alloc(m, h.vertex_count, (uint32_t)ni, h.attrs) != TW_OK) {
        r->bad = true;
        return false;
    }
    memcpy(m->origin, h.origin, sizeof h.origin);
    m->prim = h.prim;
    m->index_count = h.index_count;
    if (h.attrs & TW_MESH_XY16)
        geo__get(r, m->xy16, (size_t)h.vertex_count * 4);
    else
        geo__get(r, m->positions, (size_t)h.vertex_count * 12);
    if (h.attrs & TW_MESH_NORMALS) geo__get(r, m->normals, (size_t)h.vertex_count * 12);
    if (h.attrs & TW_MESH_UVS) geo__get(r, m->uvs, (size_t)h.vertex_count * 8);
    if (h.attrs & TW_MESH_COLORS) geo__get(r, m->colors, (size_t)h.vertex_count * 4);
    if (g16) {
        m->strip_count = h.strip_count, m->list_count = h.list_count;
        if (h.attrs & TW_MESH_IDS) geo__get(r, m->id16, (size_t)h.vertex_count * 2);
        geo__get(r, m->ix16, (size_t)ni * 2);
        if (!r->bad && !geo__rgpu16(m)) r->bad = true;
        return !r->bad;
    }
    if (h.attrs & TW_MESH_IDS) geo__get(r, m->ids, (size_t)h.vertex_count * 4);
    geo__get(r, m->indices, (size_t)h.index_count * 4);
    for (uint32_t i = 0; !r->bad && i < h.index_count; i++)
        if (m->indices[i] >= h.vertex_count) r->bad = true;
    return !r->bad;
}

static bool geo__rpayload(geo__rd *r, geo_buildings *b)
{
    geo_polygons *p = &b->polys;
    int points = 0, count = 0, rings = 0;
    geo__get(r, &count, sizeof count);
    geo__get(r, &rings, sizeof rings);
    geo__get(r, &points, sizeof points);
    if (r->bad || count < 0 || rings < 0 || points < 0) return r->bad = true, false;
    /* count grows as features are read, so a failure frees only what was;
     * ring_count is set once the rings are read. */
    p->count = 0;
    if ((size_t)count > r->left / sizeof(geo_polygon)) return r->bad = true, false;
    p->features = calloc((size_t)count + 1, sizeof *p->features);
    if (!p->features) return false;
    for (int f = 0; f < count && !r->bad; f++) {
        char *code = geo__rstr(r), *name = geo__rstr(r), *name_en = geo__rstr(r);
        geo_polygon *g = &p->features[f];
        geo__get(r, g, sizeof *g);
        g->code = code, g->name = name, g->name_en = name_en;
        p->count = f + 1;
        if (g->ring_first < 0 || g->ring_count < 0 || g->ring_first > rings - g->ring_count)
            r->bad = true;
    }
    p->xy = geo__arr(r, (long)points * 2, sizeof *p->xy);
    p->ring_start = geo__arr(r, (long)rings + 1, sizeof *p->ring_start);
    p->ring_outer = geo__arr(r, rings, sizeof *p->ring_outer);
    if (r->bad) return false;
    p->ring_count = rings;
    for (int i = 0; !r->bad && i <= p->ring_count; i++)
        if (p->ring_start[i] < 0 || p->ring_start[i] > points ||
            (i && p->ring_start[i] < p->ring_start[i - 1]))
            r->bad = true;
    uint32_t ns = 0;
    geo__get(r, &ns, sizeof ns);
    for (uint32_t i = 0; !r->bad && i < ns; i++) {
        char *why = geo__rstr(r);
        uint32_t c = 0;
        geo__get(r, &c, sizeof c);
        if (why && c > 0 && c < (1u << 30)) {
            /* Added once (a new reason, or the last slot), then counted. */
            const char *reason = geo__intern(why);
            geo_skips_add(&p->skipped, reason);
            int k = p->skipped.n - 1;
            for (int q = 0; q < p->skipped.n; q++)
                if (p->skipped.reason[q] == reason) k = q;
            if (p->skipped.count[k] < (1 << 30)) p->skipped.count[k] += (int)c - 1;
        }
        free(why);
    }
    geo__get(r, p->extent, sizeof p->extent);
    geo__get(r, p->crs, sizeof p->crs);
    p->crs[sizeof p->crs - 1] = 0;
    b->height = geo__arr(r, p->count, sizeof *b->height);
    b->floors = geo__arr(r, p->count, sizeof *b->floors);
    geo__get(r, &b->field_count, sizeof b->field_count);
    if (r->bad || b->field_count < 0 || (size_t)b->field_count > r->left)
        return r->bad = true, false;
    b->fields = calloc((size_t)b->field_count + 1, sizeof *b->fields);
    if (!b->fields) return r->bad = true, false;
    for (int i = 0; i < b->field_count && !r->bad; i++)
        if (!(b->fields[i] = geo__rstr(r))) r->bad = true;
    uint64_t cl = 0;
    geo__get(r, &cl, sizeof cl);
    if (!r->bad && cl != UINT64_MAX) {
        /* The texts, each ending in a NUL, and every feature's offset + 1. */
        if (cl > r->left || cl >= UINT32_MAX) return r->bad = true, false;
        b->class_text = geo__arr(r, (long)cl, 1);
        b->class_len = b->class_cap = (size_t)cl;
        b->class_at = geo__arr(r, p->count, sizeof *b->class_at);
        if (r->bad || (cl && b->class_text[cl - 1] != 0)) return r->bad = true, false;
        for (int f = 0; f < p->count; f++)
            if (b->class_at[f] > cl) return r->bad = true, false;
    }
    geo__get(r, &b->defaulted, sizeof b->defaulted);
    geo__get(r, &b->source_count, sizeof b->source_count);
    geo__get(r, b->sources, sizeof b->sources);
    geo__get(r, &b->hmin, sizeof b->hmin);
    geo__get(r, &b->hmax, sizeof b->hmax);
    geo__get(r, &b->roofless, sizeof b->roofless);
    geo__get(r, &b->repaired, sizeof b->repaired);
    int chunks = 0;
    geo__get(r, &chunks, sizeof chunks);
    if (r->bad || chunks < 0 || chunks > p->count + 1) return r->bad = true, false;
    b->chunks = calloc((size_t)chunks + 1, sizeof *b->chunks);
    if (!b->chunks) return r->bad = true, false;
    for (int k = 0; k < chunks && !r->bad; k++) {
        geo_buildings_chunk *c = &b->chunks[k];
        b->chunk_count = k + 1;
        geo__get(r, &c->f0, sizeof c->f0);
        geo__get(r, &c->f1, sizeof c->f1);
        if (r->bad || c->f0 < 0 || c->f1 < c->f0 || c->f1 > p->count) return r->bad = true, false;
        geo__get(r, c->origin, sizeof c->origin);
        geo__get(r, c->box, sizeof c->box);
        if (!geo__rmesh(r, &c->walls) || !geo__rmesh(r, &c->far)) return false;
        if (c->far.vertex_count != (uint32_t)(c->f1 - c->f0) * GEO_BUILDINGS_FAR_V)
            return r->bad = true, false;
        c->far_err = geo_buildings_far_err(b, c); /* not stored: from the footprints */
        /* Every vertex names a building of the chunk: its row of the table. */
        const tw_mesh *ms[2] = {&c->walls, &c->far};
        for (int i = 0; i < 2; i++) {
            if (!ms[i]->ids && !ms[i]->id16) return r->bad = true, false;
            for (uint32_t v = 0; v < ms[i]->vertex_count; v++) {
                uint32_t id = ms[i]->id16 ? ms[i]->id16[v] : ms[i]->ids[v];
                if ((id >> 1) >= (uint32_t)(c->f1 - c->f0)) return r->bad = true, false;
            }
        }
        c->wall_v0 = geo__arr(r, (long)(c->f1 - c->f0) + 1, sizeof *c->wall_v0);
        for (int i = 0; !r->bad && i <= c->f1 - c->f0; i++)
            if (c->wall_v0[i] > c->walls.vertex_count) r->bad = true;
    }
    return !r->bad && r->left == 0;
}

/* A cache of size bytes from f. */
static tw_result geo__parse(FILE *f, size_t size, const char *key, const char *name,
                            geo_buildings *out, char *why, size_t n)
{
    geo__rd r = {.f = f, .left = size, .bad = !f};
    char magic[8] = {0};
    uint32_t version = 0, klen = 0;
    uint64_t plen = 0, sum = 0;
    geo__get(&r, magic, 8);
    geo__get(&r, &version, sizeof version);
    geo__get(&r, &klen, sizeof klen);
    bool head_bad = r.bad;
    /* The key (a copy to compare; a short file leaves it NULL). */
    char *k = !head_bad && klen == strlen(key) ? geo__arr(&r, klen, 1) : NULL;
    tw_result res = TW_ERR_FORMAT;
    if (head_bad || memcmp(magic, GEO_CACHE_MAGIC, 8) != 0) {
        snprintf(why, n, "%s is not a buildings cache (or cut short)", name);
    } else if (version != GEO_CACHE_VERSION) {
        snprintf(why, n, "%s has format %u, not %u", name, version, GEO_CACHE_VERSION);
    } else if (!k || memcmp(k, key, klen) != 0) {
        snprintf(why, n, "%s was made for another source or settings", name);
    } else {
        geo__get(&r, &plen, sizeof plen);
        if (r.bad || plen > r.left || r.left - plen != sizeof sum) {
            snprintf(why, n,
                     "%s is cut short or too long (%zu bytes after the header, %llu "
                     "expected)",
                     name, r.left, (unsigned long long)plen + sizeof sum);
        } else {
            geo__rd pr = {.f = f, .left = plen, .hash = true, .h = geo__fnv(NULL, 0)};
            bool parsed = geo__rpayload(&pr, out);
            /* What a failed parse left of the payload, through the hash:
             * garbage is told by its checksum, whatever it looks like. */
            uint8_t buf[1 << 14];
            while (pr.left > 0) {
                size_t m = pr.left < sizeof buf ? pr.left : sizeof buf;
                if (fread(buf, 1, m, f) != m) break;
                geo__hash(&pr, buf, m);
                pr.left -= m;
            }
            if (pr.left > 0 || fread(&sum, 1, sizeof sum, f) != sizeof sum || pr.h != sum)
                snprintf(why, n, "%s fails its checksum", name);
            else if (!parsed)
                snprintf(why, n, "%s holds inconsistent arrays", name);
            else
                res = TW_OK;
        }
    }
    free(k);
    if (res != TW_OK) geo_buildings_free(out);
    return res;
}

tw_result geo_buildings_cache_parse(const uint8_t *data, size_t size, const char *key,
                                    const char *name, geo_buildings *out, char *why, size_t n)
{
    memset(out, 0, sizeof *out);
    why[0] = 0;
    FILE *f = data && size ? fmemopen((void *)data, size, "rb") : NULL;
    tw_result res = geo__parse(f, f ? size : 0, key, name, out, why, n);
    if (f) fclose(f);
    return res;
}

tw_result geo_buildings_cache_read(const char *dir, const char *key, geo_buildings *out, char *why,
                                   size_t n)
{
    memset(out, 0, sizeof *out);
    why[0] = 0;
    char path[4200];
    geo_buildings_cache_path(dir, key, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) return TW_ERR_IO; /* no cache yet */
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) size = 0;
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    tw_result res = geo__parse(f, (size_t)size, key, path, out, why, n);
    fclose(f);
    return res;
}
