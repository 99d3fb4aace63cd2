/* The buildings cache's checksum and its file mapped (see
 * geo_buildings_cache.c for the format): a read points a geo_buildings'
 * large arrays into the mapping, so their pages are the page cache's
 * instead of fresh memory filled page by page (on this kind of machine
 * 4.5 to 8 ms a MB), and hands them back as meshes are released. */
#include "geo_buildings.h"
#include "geo_buildings_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the checksum ---- */

/* Four independent lanes over 64-bit words (a multiply, a rotate and a
 * multiply each: the core keeps the four in flight), the bytes after the
 * last 32-byte block folded in as words and one last partial word, then
 * the length: about 0.05 s for 400 MB where a byte-at-a-time FNV-1a took
 * 0.4 s. Not cryptographic: it tells a cut, corrupt or stale file. */
#define GEO_SUM_P1 0x9e3779b185ebca87ull
#define GEO_SUM_P2 0xc2b2ae3d27d4eb4full
#define GEO_SUM_P3 0x165667b19e3779f9ull

static inline uint64_t geo__rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t geo__word(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w); /* any alignment */
    return w;
}

static inline uint64_t geo__mix(uint64_t lane, uint64_t w)
{
    return geo__rotl(lane + w * GEO_SUM_P2, 31) * GEO_SUM_P1;
}

void geo_bsum_init(geo_bsum *s)
{
    memset(s, 0, sizeof *s);
    s->lane[0] = GEO_SUM_P1 + GEO_SUM_P2, s->lane[1] = GEO_SUM_P2;
    s->lane[2] = 0, s->lane[3] = 0 - GEO_SUM_P1;
}

static void geo__sum_blocks(geo_bsum *s, const uint8_t *p, size_t blocks)
{
    uint64_t a = s->lane[0], b = s->lane[1], c = s->lane[2], d = s->lane[3];
    for (size_t i = 0; i < blocks; i++, p += 32) {
        a = geo__mix(a, geo__word(p));
        b = geo__mix(b, geo__word(p + 8));
        c = geo__mix(c, geo__word(p + 16));
        d = geo__mix(d, geo__word(p + 24));
    }
    s->lane[0] = a, s->lane[1] = b, s->lane[2] = c, s->lane[3] = d;
}

void geo_bsum_put(geo_bsum *s, const void *v, size_t n)
{
    const uint8_t *p = v;
    s->total += n;
    if (s->ntail) {
        size_t k = 32 - s->ntail < n ? 32 - s->ntail : n;
        memcpy(s->tail + s->ntail, p, k);
        s->ntail += k, p += k, n -= k;
        if (s->ntail < 32) return;
        geo__sum_blocks(s, s->tail, 1);
        s->ntail = 0;
    }
    geo__sum_blocks(s, p, n / 32);
    memcpy(s->tail, p + n / 32 * 32, n % 32);
    s->ntail = n % 32;
}

uint64_t geo_bsum_end(const geo_bsum *s)
{
    uint64_t h = geo__rotl(s->lane[0], 1) + geo__rotl(s->lane[1], 7) + geo__rotl(s->lane[2], 12) +
                 geo__rotl(s->lane[3], 18);
    for (int i = 0; i < 4; i++) h = (h ^ geo__mix(0, s->lane[i])) * GEO_SUM_P1 + GEO_SUM_P3;
    h += s->total;
    size_t k = 0;
    for (; k + 8 <= s->ntail; k += 8)
        h = geo__rotl(h ^ geo__mix(0, geo__word(s->tail + k)), 27) * GEO_SUM_P1 + GEO_SUM_P3;
    if (k < s->ntail) {
        uint64_t w = 0;
        memcpy(&w, s->tail + k, s->ntail - k);
        h = geo__rotl(h ^ (w * GEO_SUM_P1), 23) * GEO_SUM_P2 + GEO_SUM_P3;
    }
    h ^= h >> 33, h *= GEO_SUM_P2;
    h ^= h >> 29, h *= GEO_SUM_P3;
    return h ^ (h >> 32);
}

size_t geo_bsum_cut(size_t n)
{
    return n / 2 / 32 * 32;
}

uint64_t geo_bsum_join(uint64_t first, uint64_t second)
{
    uint64_t h = first * GEO_SUM_P1 ^ geo__rotl(second, 31);
    h ^= h >> 33, h *= GEO_SUM_P2;
    h ^= h >> 29, h *= GEO_SUM_P3;
    return h ^ (h >> 32);
}

uint64_t geo_bsum_part(const void *data, size_t n)
{
    geo_bsum s;
    geo_bsum_init(&s);
    geo_bsum_put(&s, data, n);
    return geo_bsum_end(&s);
}

/* Two halves summed on their own and joined: the writer's two shares
 * each sum one (geo_buildings_cache.c). */
uint64_t geo_buildings_cache_sum(const void *data, size_t n)
{
    size_t cut = geo_bsum_cut(n);
    return geo_bsum_join(geo_bsum_part(data, cut),
                         geo_bsum_part((const uint8_t *)data + cut, n - cut));
}

/* ---- the mapping ---- */

tw_result geo_bmap_open(const char *path, geo_bmap **out, char *why, size_t n)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return TW_ERR_IO; /* no cache yet */
    struct stat st;
    size_t size = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
    /* Populated at once: every page is read for the checksum anyway, and
     * one call maps them far faster than a fault each. Asked for huge
     * pages first: a file the page cache holds in 2 MB folios (the writer
     * writes 2 MB at a time) or reads in them (readahead for a huge-page
     * mapping) is then mapped 2 MB an entry, and a mapping's first touch
     * of each entry, not the reading, was most of a start from the cache
     * (237 MB at 600,000 buildings: 65-77 ms in 4 KB pages, 2-3 ms in
     * 2 MB ones, on the test machines). */
#ifdef MADV_POPULATE_READ
    void *m = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    int err = errno;
    if (m != MAP_FAILED) {
        madvise(m, size, MADV_HUGEPAGE);
        madvise(m, size, MADV_POPULATE_READ); /* else each page on its first touch */
    }
#else
    void *m = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : MAP_FAILED;
    int err = errno;
#endif
    close(fd);
    if (!size) return TW_OK; /* empty: the parse says it is no cache */
    geo_bmap *map = m != MAP_FAILED ? calloc(1, sizeof *map) : NULL;
    if (!map) {
        if (m != MAP_FAILED) munmap(m, size), err = ENOMEM;
        snprintf(why, n, "cannot map %s: %s", path, strerror(err));
        return TW_ERR_IO;
    }
    map->addr = m, map->size = size;
    atomic_init(&map->refs, 1);
    *out = map;
    return TW_OK;
}

bool geo_buildings_in_map(const geo_buildings *b, const void *p)
{
    const uint8_t *q = p, *a = b->cache_map ? b->cache_map->addr : NULL;
    return a && q >= a && q < a + b->cache_map->size;
}

geo_bmap *geo_buildings_map_keep(const geo_buildings *b, const void *p)
{
    if (!geo_buildings_in_map(b, p)) return NULL;
    atomic_fetch_add(&b->cache_map->refs, 1);
    return b->cache_map;
}

void geo_buildings_map_drop(void *keep)
{
    geo_bmap *m = keep;
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1) return;
    if (!m->view) munmap(m->addr, m->size);
    free(m);
}

/* Every pointer into the mapping cleared (none is freed on its own), the
 * mapping let go (unmapped unless another owner keeps it). */
void geo_bcache_disown(geo_buildings *b)
{
    if (!b->cache_map) return;
#define GEO__DROP(p)                                                                               \
    do {                                                                                           \
        if (geo_buildings_in_map(b, (p))) (p) = NULL;                                              \
    } while (0)
    if (geo_buildings_in_map(b, b->polys.features)) b->polys.features = NULL, b->polys.count = 0;
    GEO__DROP(b->polys.xy);
    GEO__DROP(b->polys.ring_start);
    GEO__DROP(b->polys.ring_outer);
    GEO__DROP(b->height);
    GEO__DROP(b->floors);
    GEO__DROP(b->class_text);
    GEO__DROP(b->class_at);
    geo_blater_disown(b); /* the roof triangles kept */
#undef GEO__DROP
    geo_buildings_map_drop(b->cache_map);
    b->cache_map = NULL;
}
