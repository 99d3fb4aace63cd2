/* The on-disk cache of buildings read whole: see geo_buildings.h.
 *
 * File: "CTBLDG" 0 1, u32 format version, u32 key length, the key, zeros
 * to a multiple of 8 bytes, u64 payload length, the payload, u64 checksum
 * of the payload (geo_buildings_cache_sum). The payload is every array of
 * a geo_buildings after its load (footprints, field names, the class
 * field's texts, heights, chunks), then what its chunks' meshes are made
 * from besides the footprints (each footprint's roof triangles: geo_btris),
 * not the meshes, little-endian as this machine writes it. Each array is a u64
 * offset (from the payload's start) then zeros up to it and the array:
 * offsets are multiples of 8 and the payload starts at a multiple of 8 in
 * the file, so a read maps the file and points the arrays into the
 * mapping, each aligned for its type. The points come first, after their
 * count and a zero u32, at an offset that may leave up to 2 MB of zeros
 * before them: a large load writes them into the cache's temporary file
 * as it reads, at file offset GEO_FARRAY_AT (geo_farray.h), and the
 * writer writes the rest around them. The reader checks every length
 * against what is left and every offset, and every triangle's points. */
#define _LARGEFILE64_SOURCE 1 /* VSIStatBufL */
#include "geo_buildings.h"

#include "tw_file.h"

#include "geo_buildings_int.h"
#include "geo_farray.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
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
 * list count in the header, uint16 ids and indices); 11: each array at an
 * offset aligned to 8 (read in place from a mapping), the features as one
 * array after their texts, each chunk's far_err stored, a checksum over
 * 64-bit words in four lanes; 12: no meshes (each footprint's roof
 * triangles instead, uint16 where they fit: the meshes made when first
 * drawn, as a large load's are, far boxes from the footprints): about
 * half the bytes, written after a load that makes no mesh; 13: the
 * checksum is the join of its two halves' (geo_bsum_cut), which two
 * threads write and sum at once; 14: the points first, at an offset
 * with up to 2 MB of zeros before it (where a load wrote them); 15: the
 * features without texts or label points (56 bytes each, not 96; no
 * count of features with texts before them) */
#define GEO_CACHE_VERSION GEO_BUILDINGS_CACHE_VERSION
#define GEO_CACHE_NULL    0xffffffffu
#define GEO_CACHE_ALIGN   8u /* of every array's offset, and of the payload in the file */

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

/* The file is written in two shares at once, each by its own thread
 * (above geo__par_min's payloads): the payload bytes before a file offset
 * that is a multiple of the write piece and those after it. Each share
 * puts the whole payload through geo__payload and keeps its bytes, its
 * sum (the checksum's two halves: geo_buildings_cache_sum) and its
 * writes, skipping the rest without making it where that is cheap. Each
 * writes a piece at a time at offsets that are multiples of the piece
 * (2 MB): the page cache then holds the file in folios of that size where
 * the file system makes them, and the next start maps each with one entry
 * instead of 512 (geo_bmap_open; a new mapping's first touch of a 4 KB
 * page was most of a start from the cache). */
static _Atomic size_t geo__write_piece = (size_t)2 << 20;

size_t geo_bcache_set_write_piece(size_t bytes)
{
    return atomic_exchange(&geo__write_piece, bytes ? bytes : 1);
}

/* Bytes are counted (fd < 0), or those of the share go to the file. n is
 * also the position in the payload, which the arrays' offsets are counted
 * from. */
typedef struct geo__buf {
    int fd;        /* -1: count only */
    size_t n;      /* payload bytes put */
    size_t w0, w1; /* payload bytes [w0, w1) are written by this share */
    size_t s0, s1; /* and [s0, s1) summed into s */
    geo_bsum s;
    size_t head;  /* the payload's offset in the file */
    size_t piece; /* geo__write_piece */
    uint8_t *stage;
    size_t stage_at, stage_n; /* file offset of stage[0], bytes in it */
    bool bad;
    int err; /* the failed write's errno */
    /* The points' offset in the payload (0: the next multiple of 8), and
     * whether they and the zeros before them are in the file already (a
     * load's points file, geo_farray.h): summed, not written. */
    size_t xy_at;
    bool xy_in_file, in_file;
} geo__buf;

static bool geo__flush(geo__buf *b)
{
    for (size_t done = 0; done < b->stage_n && !b->bad;) {
        ssize_t w = pwrite(b->fd, b->stage + done, b->stage_n - done, (off_t)(b->stage_at + done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) b->bad = true, b->err = w < 0 ? errno : ENOSPC;
        if (w > 0) done += (size_t)w;
    }
    b->stage_at += b->stage_n, b->stage_n = 0;
    return !b->bad;
}

/* Payload bytes [at, at + n) at p: what lies in the share summed, then
 * written, a piece (up to the next multiple of the piece in the file) at
 * a time, so the write reads what the sum just read from the core's
 * cache; a whole piece straight from p, the rest through the stage. */
static void geo__share(geo__buf *b, const uint8_t *p, size_t at, size_t n)
{
    if (b->in_file && b->stage_n) geo__flush(b); /* what comes before, where it goes */
    while (n > 0 && !b->bad) {
        size_t file = b->head + at;
        size_t k = b->piece - file % b->piece;
        k = k < n ? k : n;
        size_t a = at > b->s0 ? at : b->s0, e = at + k < b->s1 ? at + k : b->s1;
        if (a < e) geo_bsum_put(&b->s, p + (a - at), e - a);
        a = at > b->w0 ? at : b->w0, e = at + k < b->w1 ? at + k : b->w1;
        if (b->in_file) e = a; /* in the file already */
        if (a < e && b->stage_n == 0 && a == at && e - a == b->piece) {
            b->stage_at = b->head + a, b->stage_n = b->piece; /* the flush's offset */
            uint8_t *keep = b->stage;
            b->stage = (uint8_t *)(p + (a - at));
            geo__flush(b);
            b->stage = keep;
        } else if (a < e) {
            if (b->stage_n == 0) b->stage_at = b->head + a;
            memcpy(b->stage + b->stage_n, p + (a - at), e - a);
            b->stage_n += e - a;
            if ((b->head + e) % b->piece == 0) geo__flush(b);
        }
        p += k, at += k, n -= k;
    }
}

static void geo__put(geo__buf *b, const void *v, size_t n)
{
    if (b->bad || n == 0) return;
    size_t at = b->n;
    b->n += n;
    if (b->fd < 0 || (at + n <= b->w0 && at + n <= b->s0) || (at >= b->w1 && at >= b->s1)) return;
    geo__share(b, v, at, n);
}

/* One share: the payload through geo__put, its last piece written. */
typedef struct geo__wshare {
    geo__buf o;
    const geo_buildings *b;
} geo__wshare;

static void geo__payload(geo__buf *o, const geo_buildings *b);

static void *geo__wshare_main(void *arg)
{
    geo__wshare *w = arg;
    geo__payload(&w->o, w->b);
    if (!w->o.bad) geo__flush(&w->o);
    return NULL;
}

/* Payloads at least this large are written, and read, on two threads
 * (tests lower it to reach that path with a small cache). */
static _Atomic size_t geo__par_min = (size_t)8 << 20;

/* True when the next n bytes are outside the share (or only counted):
 * then they are passed over (n advances) and need not be made. */
static bool geo__pass(geo__buf *b, size_t n)
{
    size_t at = b->n;
    bool out = b->fd < 0 || ((at + n <= b->w0 || at >= b->w1) && (at + n <= b->s0 || at >= b->s1));
    if (out) b->n += n;
    return out;
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

/* An array: its offset (at, or the next multiple of 8 when at is 0 or
 * too near), the zeros up to it, its bytes; the zeros and bytes only
 * summed when in_file (the file has them). */
static void geo__arr_put_at(geo__buf *b, const void *v, size_t n, uint64_t at, bool in_file)
{
    static const uint8_t zeros[4096];
    uint64_t next = b->n + sizeof at;
    next += (GEO_CACHE_ALIGN - next % GEO_CACHE_ALIGN) % GEO_CACHE_ALIGN;
    at = at >= next ? at : next;
    geo__put(b, &at, sizeof at);
    b->in_file = in_file;
    for (size_t pad = (size_t)(at - b->n); pad > 0;) {
        size_t k = pad < sizeof zeros ? pad : sizeof zeros;
        if (!geo__pass(b, k)) geo__put(b, zeros, k);
        pad -= k;
    }
    geo__put(b, v, n);
    b->in_file = false;
}

static void geo__arr_put(geo__buf *b, const void *v, size_t n)
{
    geo__arr_put_at(b, v, n, 0, false);
}

/* Every feature's roof triangles (b->later's, in feature order): their
 * counts, where each feature's start, the indices (relative to the
 * feature's first point; uint16 where every feature has 65,536 points or
 * fewer, else uint32). Not the far boxes: a chunk made from a read makes
 * them from its footprints (geo_buildings_obox, a third of a microsecond a
 * footprint), and they were as many bytes as the triangles. Written in
 * runs so nothing the size of an array is held twice. */
static void geo__tris(geo__buf *o, const geo_buildings *b)
{
    const geo_btris *t = geo_blater_tris(b);
    const geo_polygons *p = &b->polys;
    enum { RUN = 1024 };
    uint32_t run32[RUN];
    uint16_t run16[RUN];
    uint64_t run64[RUN], total = 0;
    int most = 0;
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *g = &p->features[f];
        int np = p->ring_start[g->ring_first + g->ring_count] - p->ring_start[g->ring_first];
        most = np > most ? np : most;
    }
    uint32_t width = most <= 65536 ? 2 : 4;
    geo__arr_put(o, NULL, 0); /* n: the runs follow the offset */
    for (int f = 0; f < p->count; f += RUN) {
        int k = p->count - f < RUN ? p->count - f : RUN;
        if (geo__pass(o, (size_t)k * sizeof *run32)) continue;
        for (int i = 0; i < k; i++) run32[i] = t->n[f + i];
        geo__put(o, run32, (size_t)k * sizeof *run32);
    }
    geo__arr_put(o, NULL, 0); /* first */
    for (int f = 0; f < p->count; f += RUN) {
        int k = p->count - f < RUN ? p->count - f : RUN;
        for (int i = 0; i < k; i++) run64[i] = total, total += t->n[f + i];
        geo__put(o, run64, (size_t)k * sizeof *run64);
    }
    geo__put(o, &total, sizeof total);
    geo__u32(o, width);
    geo__arr_put(o, NULL, 0); /* the indices, in runs */
    if (geo__pass(o, (size_t)total * width)) return; /* counted, or another share's */
    size_t k = 0;
    for (int f = 0; f < p->count; f++) {
        uint32_t m = t->n[f];
        const uint16_t *q16;
        const uint32_t *q = geo_btris_get(t, f, &q16);
        if (q16 && width == 2) { /* a cache read's or the pipe's uint16, as they are */
            for (uint32_t i = 0; i < m;) {
                uint32_t take = m - i < RUN - k ? m - i : (uint32_t)(RUN - k);
                memcpy(run16 + k, q16 + i, take * sizeof *q16);
                i += take, k += take;
                if (k == RUN) geo__put(o, run16, k * width), k = 0;
            }
            continue;
        }
        for (uint32_t i = 0; i < m; i++) {
            uint32_t v = q16 ? q16[i] : q[i];
            if (width == 2)
                run16[k++] = (uint16_t)v;
            else
                run32[k++] = v;
            if (k == RUN) geo__put(o, width == 2 ? (void *)run16 : (void *)run32, k * width), k = 0;
        }
    }
    geo__put(o, width == 2 ? (void *)run16 : (void *)run32, k * width);
}

/* The features, as they are: a load of buildings has no texts (geo_polygons
 * texts), so the whole array goes straight to the file. */
static void geo__features(geo__buf *o, const geo_polygons *p)
{
    geo__arr_put(o, p->features, (size_t)p->count * sizeof *p->features);
}

static void geo__payload(geo__buf *o, const geo_buildings *b)
{
    const geo_polygons *p = &b->polys;
    int points = p->ring_count ? p->ring_start[p->ring_count] : 0;
    /* The points first, where a load's points file has them already. */
    geo__put(o, &points, sizeof points);
    geo__u32(o, 0); /* the points' offset at a multiple of 8 */
    geo__arr_put_at(o, p->xy, (size_t)points * 2 * sizeof *p->xy, o->xy_at, o->xy_in_file);
    geo__put(o, &p->count, sizeof p->count);
    geo__put(o, &p->ring_count, sizeof p->ring_count);
    geo__features(o, p);
    geo__arr_put(o, p->ring_start, ((size_t)p->ring_count + 1) * sizeof *p->ring_start);
    geo__arr_put(o, p->ring_outer, (size_t)p->ring_count * sizeof *p->ring_outer);
    geo__u32(o, (uint32_t)p->skipped.n);
    for (int i = 0; i < p->skipped.n; i++) {
        geo__str(o, p->skipped.reason[i]);
        geo__u32(o, (uint32_t)p->skipped.count[i]);
    }
    geo__put(o, p->extent, sizeof p->extent);
    geo__put(o, p->crs, sizeof p->crs);
    geo__arr_put(o, b->height, (size_t)p->count * sizeof *b->height);
    geo__arr_put(o, b->floors, (size_t)p->count * sizeof *b->floors);
    geo__put(o, &b->field_count, sizeof b->field_count);
    for (int i = 0; i < b->field_count; i++) geo__str(o, b->fields[i]);
    uint64_t cl = b->class_at ? (uint64_t)b->class_len : UINT64_MAX;
    geo__put(o, &cl, sizeof cl);
    if (b->class_at) {
        geo__arr_put(o, b->class_text, b->class_len);
        geo__arr_put(o, b->class_at, (size_t)p->count * sizeof *b->class_at);
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
        geo__put(o, &c->far_err, sizeof c->far_err);
    }
    geo__tris(o, b);
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

/* Zeros after the key so the payload starts at a multiple of 8. */
static size_t geo__head_pad(uint32_t klen)
{
    size_t at = 8 + 4 + 4 + (size_t)klen;
    return (GEO_CACHE_ALIGN - at % GEO_CACHE_ALIGN) % GEO_CACHE_ALIGN;
}

/* A key's parts (geo_buildings_cache_key: "v12|PATH|size=N|mtime=N|etag=E|
 * layer=..."): the version field [0, *path), the source's path or URL
 * [*path, *ver), which may hold any character, and the source's version
 * [*ver, *rest) (size, mtime, ETag); false when the key is not of that
 * form (an older format's: kept). */
static bool geo__key_parts(const char *key, size_t n, size_t *path, size_t *ver, size_t *rest)
{
    const char *bar = memchr(key, '|', n);
    if (!bar) return false;
    *path = (size_t)(bar - key) + 1;
    for (size_t i = *path; i + 6 <= n; i++) {
        if (memcmp(key + i, "|size=", 6) != 0) continue;
        size_t k = i + 6;
        while (k < n && key[k] >= '0' && key[k] <= '9') k++;
        if (k + 7 > n || memcmp(key + k, "|mtime=", 7) != 0) continue;
        k += 7;
        if (k < n && key[k] == '-') k++;
        while (k < n && key[k] >= '0' && key[k] <= '9') k++;
        if (k + 6 > n || memcmp(key + k, "|etag=", 6) != 0) continue;
        for (size_t j = k + 6; j + 7 <= n; j++)
            if (memcmp(key + j, "|layer=", 7) == 0) {
                *ver = i, *rest = j;
                return true;
            }
    }
    return false;
}

/* Whether the cache file at path (its header, up to 64 KB of key) holds a
 * key for key's source (the same path or URL) that is stale beside key:
 * another format version, or the source as it was (size, mtime, ETag).
 * Another setting on the same source is not stale (another scene may use
 * it). */
static bool geo__stale_sibling(const char *path, const char *key)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char magic[8];
    uint32_t version = 0, klen = 0;
    bool head = fread(magic, 1, 8, f) == 8 && fread(&version, 4, 1, f) == 1 &&
                fread(&klen, 4, 1, f) == 1 && memcmp(magic, GEO_CACHE_MAGIC, 8) == 0 && klen > 0 &&
                klen <= 65536;
    char *other = head ? malloc(klen) : NULL;
    bool got = other && fread(other, 1, klen, f) == klen;
    fclose(f);
    size_t mlen = strlen(key), p0, v0, r0, p1, v1, r1;
    bool stale = got && geo__key_parts(key, mlen, &p0, &v0, &r0) &&
                 geo__key_parts(other, klen, &p1, &v1, &r1) && v0 - p0 == v1 - p1 &&
                 memcmp(key + p0, other + p1, v0 - p0) == 0 &&
                 (version != GEO_CACHE_VERSION || r0 - v0 != r1 - v1 ||
                  memcmp(key + v0, other + v1, r0 - v0) != 0);
    free(other);
    return stale;
}

/* After a write: the source's caches that can no longer hit go (the file
 * changed, or an older citytwin wrote them): each was hundreds of MB at
 * city scale and stayed forever. A temporary file whose writer is gone
 * (a crash mid-write) goes too. Files of other sources and settings stay. */
static void geo__prune(const char *dir, const char *key, const char *written)
{
    DIR *d = opendir(dir);
    if (!d) return;
    const char *base = strrchr(written, '/');
    base = base ? base + 1 : written;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        size_t n = strlen(name);
        if (strncmp(name, "buildings-", 10) != 0 || strcmp(name, base) == 0) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        const char *tmp = n > 4 ? name + n - 4 : name;
        if (strcmp(tmp, ".tmp") == 0) {
            /* name.bin.PID.tmp: the writer's process id. */
            const char *dot = tmp - 1;
            while (dot > name && *dot != '.') dot--;
            long pid = strtol(dot + 1, NULL, 10);
            if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) unlink(path);
        } else if (n > 4 && strcmp(name + n - 4, ".bin") == 0 && geo__stale_sibling(path, key)) {
            unlink(path);
        }
    }
    closedir(d);
}

/* A temporary file's name beside path: path.N.PID.tmp (N counts this
 * process's files; geo__prune reads the PID). */
static void geo__tmp_name(const char *path, char *out, size_t n)
{
    static atomic_uint seq;
    snprintf(out, n, "%s.%u.%ld.tmp", path, atomic_fetch_add(&seq, 1), (long)getpid());
}

bool geo_buildings_cache_points_file(const char *dir, const char *key, char *out, size_t n)
{
    char path[4200];
    geo_buildings_cache_path(dir, key, path, sizeof path);
    geo__tmp_name(path, out, n);
    return geo__mkdirs(dir) == TW_OK;
}

/* b's points file opened for writing the rest of the cache around the
 * points (*tmp its path), or -1: none, another file now, or the points'
 * offset out of reach of a header of head bytes. */
static int geo__open_points_file(const geo_buildings *b, size_t head, char *tmp, size_t n)
{
    if (!b->points_path || !geo_buildings_in_map(b, b->polys.xy) || head + 16 > GEO_FARRAY_AT)
        return -1;
    int fd = open(b->points_path, O_WRONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_dev == b->points_dev &&
        (uint64_t)st.st_ino == b->points_ino) {
        snprintf(tmp, n, "%s", b->points_path);
        return fd;
    }
    if (fd >= 0) close(fd);
    return -1;
}

static tw_result geo__write(const char *dir, const char *key, const geo_buildings *b, bool alone,
                            char *why, size_t n)
{
    /* The payload's length first (counted), then the file: header,
     * payload (its two shares summed and written at once), its checksum.
     * A temporary file renamed into place: a process that has the old
     * file mapped keeps reading it (its inode lives on), never a
     * half-written one. A load's points file (desc points_file) is that
     * temporary file, its points in place already. */
    if (!geo_blater_tris(b)) {
        snprintf(why, n, "its triangles are not kept (every chunk's meshes made)");
        return TW_ERR_ARG;
    }
    uint32_t klen = (uint32_t)strlen(key);
    size_t head = 8 + 4 + 4 + klen + geo__head_pad(klen) + sizeof(uint64_t);
    char path[4200], tmp[4400];
    geo_buildings_cache_path(dir, key, path, sizeof path);
    tw_result r = geo__mkdirs(dir);
    int fd = geo__open_points_file(b, head, tmp, sizeof tmp);
    bool in_file = fd >= 0;
    if (!in_file) {
        geo__tmp_name(path, tmp, sizeof tmp);
        fd = r == TW_OK ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666) : -1;
    }
    int err = fd < 0 ? errno : 0;
    size_t xy_at = in_file ? GEO_FARRAY_AT - head : 0;
    geo__buf count = {.fd = -1, .xy_at = xy_at};
    geo__payload(&count, b);
    uint64_t plen = count.n;
    bool ok = fd >= 0;
    if (ok) {
        /* The header, then the two shares (module comment above), then
         * the checksum after the payload. */
        uint8_t *h = calloc(1, head);
        if (h) {
            uint32_t version = GEO_CACHE_VERSION;
            memcpy(h, GEO_CACHE_MAGIC, 8);
            memcpy(h + 8, &version, 4);
            memcpy(h + 12, &klen, 4);
            memcpy(h + 16, key, klen);
            memcpy(h + head - sizeof plen, &plen, sizeof plen);
        }
        geo__buf hb = {.fd = fd, .stage = h, .stage_n = head};
        ok = h && geo__flush(&hb);
        free(h);
        /* The shares split the bytes to write in two (the points in the
         * file already are only summed, by whichever share sums them). */
        const geo_polygons *p = &b->polys;
        size_t points = p->ring_count ? (size_t)p->ring_start[p->ring_count] : 0;
        size_t skip = in_file ? xy_at + points * 16 : 0;
        skip = skip < plen ? skip : (size_t)plen;
        size_t piece = atomic_load(&geo__write_piece);
        size_t mid = (size_t)(head + skip + (plen - skip) / 2) / piece * piece;
        size_t split = mid > head ? mid - head : 0, cut = geo_bsum_cut((size_t)plen);
        split = split < plen ? split : (size_t)plen;
        geo__wshare w[2];
        for (int i = 0; i < 2; i++) {
            w[i] = (geo__wshare){.o = {.fd = fd,
                                       .w0 = i ? split : 0,
                                       .w1 = i ? (size_t)plen : split,
                                       .s0 = i ? cut : 0,
                                       .s1 = i ? (size_t)plen : cut,
                                       .head = head,
                                       .piece = piece,
                                       .stage = malloc(piece),
                                       .bad = !ok,
                                       .xy_at = xy_at,
                                       .xy_in_file = in_file},
                                 .b = b};
            geo_bsum_init(&w[i].o.s);
            if (!w[i].o.stage) w[i].o.bad = true, w[i].o.err = ENOMEM;
        }
        pthread_t th;
        bool two = !alone && plen >= atomic_load(&geo__par_min) &&
                   pthread_create(&th, NULL, geo__wshare_main, &w[1]) == 0;
        geo__wshare_main(&w[0]);
        if (two)
            pthread_join(th, NULL);
        else
            geo__wshare_main(&w[1]);
        uint64_t sum = geo_bsum_join(geo_bsum_end(&w[0].o.s), geo_bsum_end(&w[1].o.s));
        geo__buf tb = {
            .fd = fd, .stage = (uint8_t *)&sum, .stage_at = head + plen, .stage_n = sizeof sum};
        for (int i = 0; i < 2; i++) {
            ok = ok && !w[i].o.bad && w[i].o.n == plen;
            err = w[i].o.err ? w[i].o.err : err;
            free(w[i].o.stage);
        }
        ok = ok && geo__flush(&tb);
        err = hb.err ? hb.err : tb.err ? tb.err : err;
        /* A points file was allocated ahead of the points (2 MB at a
         * time): cut to the cache's length. */
        if (ok && ftruncate(fd, (off_t)(head + plen + sizeof sum)) != 0) ok = false, err = errno;
        if (close(fd) != 0) ok = false, err = errno;
    }
    if (!ok || rename(tmp, path) != 0) {
        if (ok) err = errno;
        snprintf(why, n, "cannot write %s: %s", fd >= 0 ? tmp : dir, strerror(err ? err : EIO));
        unlink(tmp);
        return TW_ERR_IO;
    }
    geo__prune(dir, key, path);
    return TW_OK;
}

tw_result geo_buildings_cache_write(const char *dir, const char *key, const geo_buildings *b,
                                    char *why, size_t n)
{
    return geo__write(dir, key, b, false, why, n);
}

tw_result geo_buildings_cache_write_alone(const char *dir, const char *key, const geo_buildings *b,
                                          char *why, size_t n)
{
    return geo__write(dir, key, b, true, why, n);
}

/* ---- reading ---- */

/* The payload's bytes: the file's mapping (borrow: arrays point into it,
 * which the geo_buildings keeps) or a caller's buffer (arrays copied). */
typedef struct geo__rd {
    const uint8_t *p;
    size_t at, size;
    bool borrow;
    bool bad;
} geo__rd;

static size_t geo__left(const geo__rd *r)
{
    return r->size - r->at;
}

static bool geo__get(geo__rd *r, void *v, size_t n)
{
    if (r->bad || n > geo__left(r)) {
        r->bad = true;
        return false;
    }
    if (n) memcpy(v, r->p + r->at, n);
    r->at += n;
    return true;
}

/* An array of count items of size each (align: what the type needs, at
 * most GEO_CACHE_ALIGN): its offset must be a multiple of 8, past the
 * offset itself by at most gap zeros (geo__arr: fewer than 8), its bytes
 * within what is left. Borrowed: a pointer into the view; else a copy (at
 * least 1 byte). Never NULL unless r->bad. */
static void *geo__arr_gap(geo__rd *r, long count, size_t size, size_t align, size_t gap)
{
    uint64_t at = 0;
    if (!geo__get(r, &at, sizeof at) || count < 0 || at % GEO_CACHE_ALIGN != 0 || at < r->at ||
        at - r->at > gap || at > r->size || (size && (size_t)count > (r->size - at) / size)) {
        r->bad = true;
        return NULL;
    }
    for (size_t i = r->at; i < at; i++)
        if (r->p[i] != 0) return r->bad = true, NULL;
    size_t n = (size_t)count * size;
    const uint8_t *src = r->p + at;
    r->at = (size_t)at + n;
    if (r->borrow && (uintptr_t)src % align == 0) return (void *)src;
    void *a = malloc(n + 1);
    if (!a) return r->bad = true, NULL;
    if (n) memcpy(a, src, n);
    return a;
}

static void *geo__arr(geo__rd *r, long count, size_t size, size_t align)
{
    return geo__arr_gap(r, count, size, align, GEO_CACHE_ALIGN - 1);
}

/* A string, always a copy (NUL-terminated). */
static char *geo__rstr(geo__rd *r)
{
    uint32_t n;
    if (!geo__get(r, &n, sizeof n) || n == GEO_CACHE_NULL) return NULL;
    if (n > geo__left(r)) return r->bad = true, NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return r->bad = true, NULL;
    memcpy(s, r->p + r->at, n);
    s[n] = 0;
    r->at += n;
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

/* What the parse leaves to geo__rcheck, chunk by chunk (the bulk of a
 * read's checking, on two threads): each of its features' roof triangles
 * on the feature's own points. */
static bool geo__rcheck(const geo_buildings *b, const geo_buildings_chunk *c)
{
    const geo_btris *t = geo_blater_tris(b);
    const geo_polygons *p = &b->polys;
    if (!t) return false;
    for (int f = c->f0; f < c->f1; f++) {
        const geo_polygon *g = &p->features[f];
        uint32_t np =
            (uint32_t)(p->ring_start[g->ring_first + g->ring_count] - p->ring_start[g->ring_first]);
        /* Every index looked at (no early exit): the loops vectorize. */
        const uint16_t *q16;
        const uint32_t *q = geo_btris_get(t, f, &q16);
        uint32_t n = t->n[f];
        bool bad = false;
        if (q16)
            for (uint32_t k = 0; k < n; k++) bad |= q16[k] >= np;
        else
            for (uint32_t k = 0; k < n; k++) bad |= q[k] >= np;
        if (bad) return false;
    }
    return true;
}

/* The features, checked against the rings. */
static bool geo__rfeatures(geo__rd *r, geo_polygons *p, int count, int rings)
{
    p->features = geo__arr(r, count, sizeof *p->features, _Alignof(geo_polygon));
    if (!p->features || r->bad) return r->bad = true, false;
    p->count = count;
    for (int f = 0; f < count && !r->bad; f++) {
        const geo_polygon *g = &p->features[f];
        if (g->ring_first < 0 || g->ring_count < 0 || g->ring_first > rings - g->ring_count)
            r->bad = true;
    }
    return !r->bad;
}

/* The roof triangles (geo__tris) into b->later, every chunk to make:
 * counts that add up to where each feature's start and to the total
 * here; each triangle's points are checked with the chunks (geo__rcheck). */
static bool geo__rtris(geo__rd *r, geo_buildings *b)
{
    int n = b->polys.count;
    geo_btris t = {.features = (size_t)n};
    uint64_t total = 0;
    uint32_t width = 0;
    t.n = geo__arr(r, n, sizeof *t.n, _Alignof(uint32_t));
    t.first = geo__arr(r, n, sizeof *t.first, _Alignof(size_t));
    geo__get(r, &total, sizeof total);
    geo__get(r, &width, sizeof width);
    if (!r->bad && ((width != 2 && width != 4) || total > geo__left(r) / width)) r->bad = true;
    uint64_t at = 0;
    for (int f = 0; !r->bad && f < n; f++) {
        if (t.first[f] != at || t.n[f] % 3 != 0) r->bad = true;
        at += t.n[f];
    }
    if (!r->bad && at != total) r->bad = true;
    if (!r->bad && width == 2)
        t.idx16 = geo__arr(r, (long)total, sizeof *t.idx16, _Alignof(uint16_t));
    else if (!r->bad)
        t.idx = geo__arr(r, (long)total, sizeof *t.idx, _Alignof(uint32_t));
    t.count = t.cap = (size_t)total;
    int roofless = 0;
    for (int f = 0; !r->bad && f < n; f++) roofless += t.n[f] == 0;
    if (!r->bad && roofless != b->roofless) r->bad = true;
    if (!r->bad && geo_blater_adopt(b, &t) == TW_OK) return true;
    /* Not taken: what is not the mapping's is freed. */
    const void *mine[4] = {t.n, t.first, t.idx, t.idx16};
    for (int i = 0; i < 4; i++)
        if (geo_buildings_in_map(b, mine[i])) mine[i] = NULL;
    free((void *)mine[0]), free((void *)mine[1]), free((void *)mine[2]), free((void *)mine[3]);
    return r->bad = true, false;
}

static bool geo__rpayload(geo__rd *r, geo_buildings *b)
{
    geo_polygons *p = &b->polys;
    int points = 0, count = 0, rings = 0;
    uint32_t zero = 1;
    geo__get(r, &points, sizeof points);
    geo__get(r, &zero, sizeof zero);
    if (r->bad || points < 0 || zero != 0) return r->bad = true, false;
    /* The points may sit at a load's points file's offset (GEO_FARRAY_AT
     * in the file), zeros up to them. */
    p->xy = geo__arr_gap(r, (long)points * 2, sizeof *p->xy, _Alignof(double), GEO_FARRAY_AT);
    geo__get(r, &count, sizeof count);
    geo__get(r, &rings, sizeof rings);
    if (r->bad || count < 0 || rings < 0) return r->bad = true, false;
    if (!geo__rfeatures(r, p, count, rings)) return false;
    p->ring_start = geo__arr(r, (long)rings + 1, sizeof *p->ring_start, _Alignof(int));
    p->ring_outer = geo__arr(r, rings, sizeof *p->ring_outer, 1);
    if (r->bad) return false;
    p->ring_count = rings;
    const uint8_t *outer = (const uint8_t *)p->ring_outer; /* a bool is 0 or 1, no other byte */
    for (int i = 0; !r->bad && i <= p->ring_count; i++)
        if (p->ring_start[i] < 0 || p->ring_start[i] > points ||
            (i && p->ring_start[i] < p->ring_start[i - 1]) || (i < p->ring_count && outer[i] > 1))
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
    /* Heights are rewritten in place by a scenario's edits: a copy (the
     * mapping is read-only, so a write anywhere else would fault, never
     * pass unseen). */
    bool borrow = r->borrow;
    r->borrow = false;
    b->height = geo__arr(r, p->count, sizeof *b->height, _Alignof(double));
    r->borrow = borrow;
    b->floors = geo__arr(r, p->count, sizeof *b->floors, _Alignof(double));
    geo__get(r, &b->field_count, sizeof b->field_count);
    if (r->bad || b->field_count < 0 || (size_t)b->field_count > geo__left(r))
        return r->bad = true, false;
    b->fields = calloc((size_t)b->field_count + 1, sizeof *b->fields);
    if (!b->fields) return r->bad = true, false;
    for (int i = 0; i < b->field_count && !r->bad; i++)
        if (!(b->fields[i] = geo__rstr(r))) r->bad = true;
    uint64_t cl = 0;
    geo__get(r, &cl, sizeof cl);
    if (!r->bad && cl != UINT64_MAX) {
        /* The texts, each ending in a NUL, and every feature's offset + 1. */
        if (cl > geo__left(r) || cl >= UINT32_MAX) return r->bad = true, false;
        b->class_text = geo__arr(r, (long)cl, 1, 1);
        b->class_len = b->class_cap = (size_t)cl;
        b->class_at = geo__arr(r, p->count, sizeof *b->class_at, _Alignof(uint32_t));
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
        /* Stored since format 11: from the footprints it was most of a
         * read (a turned box per building). */
        geo__get(r, &c->far_err, sizeof c->far_err);
        if (!(c->far_err >= 0 && c->far_err < 1e30f)) return r->bad = true, false;
    }
    return !r->bad && geo__rtris(r, b) && geo__left(r) == 0;
}

/* The checksum of a payload and the chunks' checks (geo__rcheck), on a
 * second thread beside the parse: the sum while the parse runs (it needs
 * only the bytes), then chunks taken in turn with the parsing thread once
 * the parse is done. A 600,000-building cache is 410 MB: its parse was
 * 150 ms and its sum 50 ms on one thread. */
typedef struct geo__par {
    const uint8_t *data;
    size_t size;
    uint64_t sum;
    const geo_buildings *b;
    atomic_int next;
    atomic_bool bad;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state; /* 0 parsing, 1 parsed: check, 2 parse failed */
} geo__par;

size_t geo_bcache_set_two_threads_from(size_t bytes)
{
    return atomic_exchange(&geo__par_min, bytes);
}

static void geo__par_check(geo__par *q)
{
    for (;;) {
        int k = atomic_fetch_add(&q->next, 1);
        if (k >= q->b->chunk_count || atomic_load(&q->bad)) break;
        if (!geo__rcheck(q->b, &q->b->chunks[k])) atomic_store(&q->bad, true);
    }
}

static void *geo__par_main(void *arg)
{
    geo__par *q = arg;
    q->sum = geo_buildings_cache_sum(q->data, q->size);
    pthread_mutex_lock(&q->mu);
    while (q->state == 0) pthread_cond_wait(&q->cv, &q->mu);
    int state = q->state;
    pthread_mutex_unlock(&q->mu);
    if (state == 1) geo__par_check(q);
    return NULL;
}

/* The payload in pr parsed into out and checked; *sum its checksum. */
static bool geo__rpayload_checked(geo__rd *pr, geo_buildings *out, uint64_t *sum)
{
    geo__par q = {.data = pr->p, .size = pr->size, .b = out};
    atomic_init(&q.next, 0);
    atomic_init(&q.bad, false);
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    pthread_t th;
    bool two =
        pr->size >= atomic_load(&geo__par_min) && pthread_create(&th, NULL, geo__par_main, &q) == 0;
    /* Parsed whatever the checksum says (the fuzzer reaches the parser
     * with any bytes), trusted only when both agree. */
    bool parsed = geo__rpayload(pr, out);
    if (two) {
        pthread_mutex_lock(&q.mu);
        q.state = parsed ? 1 : 2;
        pthread_cond_signal(&q.cv);
        pthread_mutex_unlock(&q.mu);
    }
    if (parsed) geo__par_check(&q);
    if (two)
        pthread_join(th, NULL);
    else
        q.sum = geo_buildings_cache_sum(pr->p, pr->size);
    pthread_cond_destroy(&q.cv);
    pthread_mutex_destroy(&q.mu);
    *sum = q.sum;
    return parsed && !atomic_load(&q.bad);
}

/* A cache of size bytes at data (borrow: data is b's mapping, which
 * arrays may point into). */
static tw_result geo__parse(const uint8_t *data, size_t size, bool borrow, const char *key,
                            const char *name, geo_buildings *out, char *why, size_t n)
{
    geo__rd r = {.p = data, .size = data ? size : 0};
    char magic[8] = {0};
    uint32_t version = 0, klen = 0;
    uint64_t plen = 0, sum = 0;
    geo__get(&r, magic, 8);
    geo__get(&r, &version, sizeof version);
    geo__get(&r, &klen, sizeof klen);
    bool head_bad = r.bad || klen > geo__left(&r);
    tw_result res = TW_ERR_FORMAT;
    if (head_bad || memcmp(magic, GEO_CACHE_MAGIC, 8) != 0) {
        snprintf(why, n, "%s is not a buildings cache (or cut short)", name);
    } else if (version != GEO_CACHE_VERSION) {
        snprintf(why, n, "%s has format %u, not %u", name, version, GEO_CACHE_VERSION);
    } else if (klen != strlen(key) || memcmp(r.p + r.at, key, klen) != 0) {
        snprintf(why, n, "%s was made for another source or settings", name);
    } else {
        r.at += klen;
        size_t pad = geo__head_pad(klen);
        if (pad <= geo__left(&r)) r.at += pad;
        geo__get(&r, &plen, sizeof plen);
        if (r.bad || plen > geo__left(&r) || geo__left(&r) - plen != sizeof sum) {
            snprintf(why, n,
                     "%s is cut short or too long (%zu bytes after the header, %llu "
                     "expected)",
                     name, r.bad ? 0 : geo__left(&r), (unsigned long long)plen + sizeof sum);
        } else {
            geo__rd pr = {.p = r.p + r.at, .size = (size_t)plen, .borrow = borrow};
            memcpy(&sum, pr.p + plen, sizeof sum);
            uint64_t got = 0;
            bool parsed = geo__rpayload_checked(&pr, out, &got);
            if (got != sum)
                snprintf(why, n, "%s fails its checksum", name);
            else if (!parsed)
                snprintf(why, n, "%s holds inconsistent arrays", name);
            else
                res = TW_OK;
        }
    }
    if (res != TW_OK) geo_buildings_free(out);
    return res;
}

tw_result geo_buildings_cache_parse(const uint8_t *data, size_t size, const char *key,
                                    const char *name, geo_buildings *out, char *why, size_t n)
{
    memset(out, 0, sizeof *out);
    why[0] = 0;
    return geo__parse(data, size, false, key, name, out, why, n);
}
tw_result geo_bcache_parse_view(const uint8_t *data, size_t size, const char *key, const char *name,
                                geo_buildings *out, char *why, size_t n)
{
    memset(out, 0, sizeof *out);
    why[0] = 0;
    geo_bmap *m = data && size ? calloc(1, sizeof *m) : NULL;
    if (m) {
        m->addr = (uint8_t *)data, m->size = size, m->view = true;
        atomic_init(&m->refs, 1);
        out->cache_map = m;
    }
    return geo__parse(data, size, m != NULL, key, name, out, why, n);
}

/* ---- the file mapped ---- */

tw_result geo_buildings_cache_read(const char *dir, const char *key, geo_buildings *out, char *why,
                                   size_t n)
{
    memset(out, 0, sizeof *out);
    why[0] = 0;
    char path[4200];
    geo_buildings_cache_path(dir, key, path, sizeof path);
    tw_result r = geo_bmap_open(path, &out->cache_map, why, n);
    if (r != TW_OK) return r; /* TW_ERR_IO: no cache yet, or it cannot be mapped */
    geo_bmap *m = out->cache_map;
    return geo__parse(m ? m->addr : NULL, m ? m->size : 0, true, key, path, out, why, n);
}
