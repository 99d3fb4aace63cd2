/* GeoPackage geometry blobs walked without OGR geometries (geo_gpkg.h).
 *
 * The blob (OGC 12-128r18, 2.1.3): magic "GP", a version byte, a flags
 * byte (bit 0: the header's byte order, bits 1-3: which envelope, bit 4:
 * empty, bit 5: extended), the srs id (4 bytes), the envelope (0, 32, 48
 * or 64 bytes), then ISO WKB: a byte order byte, a uint32 type (1000s
 * for Z, M, ZM; GDAL's old 2.5D flag 0x80000000 read too), then for a
 * Polygon its ring count and each ring's point count and points, for a
 * MultiPolygon its polygon count and each polygon as WKB of its own. */
#include "geo_gpkg.h"

#include <cpl_error.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { GEO_WKB_POLYGON = 3, GEO_WKB_MULTIPOLYGON = 6 };

static _Atomic long geo__walked;

long geo_gpkg_walked(void)
{
    return atomic_load(&geo__walked);
}

void geo_gpkg_count(long walked)
{
    atomic_fetch_add(&geo__walked, walked);
}

static bool geo__host_little(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static uint32_t geo__u32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    if (swap) v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
    return v;
}

static double geo__f64(const uint8_t *p, bool swap)
{
    uint8_t b[8];
    memcpy(b, p, 8);
    if (swap)
        for (int i = 0; i < 4; i++) {
            uint8_t t = b[i];
            b[i] = b[7 - i], b[7 - i] = t;
        }
    double v;
    memcpy(&v, b, 8);
    return v;
}

void geo_gpkg_point(const uint8_t *points, uint32_t i, int dims, bool swap, double *x, double *y)
{
    const uint8_t *p = points + (size_t)i * (size_t)dims * 8;
    *x = geo__f64(p, swap);
    *y = geo__f64(p + 8, swap);
}

/* A WKB geometry's header at wkb[*at]: its byte order and type; the
 * type's base (3 polygon...) and dimensions (2 to 4), or false. */
static bool geo__type(const uint8_t *wkb, size_t n, size_t *at, bool *swap, uint32_t *base,
                      int *dims)
{
    if (n - *at < 5 || wkb[*at] > 1) return false;
    *swap = (wkb[*at] == 1) != geo__host_little();
    uint32_t t = geo__u32(wkb + *at + 1, *swap);
    *at += 5;
    bool z = t & 0x80000000u, m = t & 0x40000000u;
    if (t & 0x30000000u) return false; /* EWKB's SRID flag and the like: not GeoPackage WKB */
    t &= 0x0fffffffu;
    uint32_t iso = t / 1000;
    if (iso > 3 || ((z || m) && iso)) return false;
    if (iso) z = iso & 1, m = iso & 2;
    *base = t % 1000;
    *dims = 2 + z + m;
    return true;
}

/* One Polygon's WKB at wkb[*at] (after its type): checked, its points
 * counted, and its rings given to fn when fn is set. */
static bool geo__polygon(const uint8_t *wkb, size_t n, size_t *at, bool swap, int dims,
                         uint64_t *points, geo_gpkg_ring_fn fn, void *user)
{
    if (n - *at < 4) return false;
    uint32_t rings = geo__u32(wkb + *at, swap);
    *at += 4;
    size_t stride = (size_t)dims * 8;
    for (uint32_t r = 0; r < rings; r++) {
        if (n - *at < 4) return false;
        uint32_t np = geo__u32(wkb + *at, swap);
        *at += 4;
        if (np > (n - *at) / stride) return false;
        if (fn && !fn(user, wkb + *at, np, dims, swap, r)) return false;
        *at += np * stride;
        *points += np;
    }
    return true;
}

/* The whole WKB walked once: false when it is no Polygon or MultiPolygon
 * of polygons, or is cut short. */
static bool geo__walk(const uint8_t *wkb, size_t n, uint64_t *points, geo_gpkg_ring_fn fn,
                      void *user, size_t *used)
{
    size_t at = 0;
    bool swap;
    uint32_t base;
    int dims;
    *points = 0;
    if (!geo__type(wkb, n, &at, &swap, &base, &dims)) return false;
    if (base == GEO_WKB_POLYGON) {
        if (!geo__polygon(wkb, n, &at, swap, dims, points, fn, user)) return false;
    } else if (base == GEO_WKB_MULTIPOLYGON) {
        if (n - at < 4) return false;
        uint32_t parts = geo__u32(wkb + at, swap);
        at += 4;
        for (uint32_t k = 0; k < parts; k++) {
            bool s2;
            uint32_t b2;
            int d2;
            if (!geo__type(wkb, n, &at, &s2, &b2, &d2) || b2 != GEO_WKB_POLYGON ||
                !geo__polygon(wkb, n, &at, s2, d2, points, fn, user))
                return false;
        }
    } else {
        return false;
    }
    if (used) *used = at;
    return true;
}

geo_gpkg_kind geo_gpkg_check(const uint8_t *blob, size_t n, const uint8_t **wkb, size_t *wkb_n)
{
    *wkb = NULL, *wkb_n = 0;
    /* 'P', the version, the flags, the srs id. */
    if (!blob || n < 7 || blob[0] != 'P') return GEO_GPKG_OTHER;
    uint8_t flags = blob[2];
    static const size_t env_bytes[8] = {0, 32, 48, 48, 64, 0, 0, 0};
    unsigned env = (flags >> 1) & 7u;
    if (env > 4 || (flags & 0x20u)) return GEO_GPKG_OTHER; /* no such envelope; extended */
    if (flags & 0x10u) return GEO_GPKG_EMPTY;
    size_t head = 7 + env_bytes[env];
    if (n < head) return GEO_GPKG_OTHER;
    uint64_t points;
    size_t used;
    if (!geo__walk(blob + head, n - head, &points, NULL, NULL, &used)) return GEO_GPKG_OTHER;
    if (points == 0) return GEO_GPKG_EMPTY;
    *wkb = blob + head, *wkb_n = used;
    return GEO_GPKG_POLYGONS;
}

bool geo_gpkg_rings(const uint8_t *wkb, size_t n, geo_gpkg_ring_fn fn, void *user)
{
    uint64_t points;
    return wkb && fn && geo__walk(wkb, n, &points, fn, user, NULL);
}

/* text appended to a growing buffer (*buf of *cap bytes, *len used); an
 * identifier quoted ("..." with its quotes doubled) when quote. */
static bool geo__sql_add(char **buf, size_t *len, size_t *cap, const char *text, bool quote)
{
    size_t need = *len + 2 * strlen(text) + 3;
    if (need > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < need) c *= 2;
        char *b = realloc(*buf, c);
        if (!b) return false;
        *buf = b, *cap = c;
    }
    char *o = *buf + *len;
    if (quote) *o++ = '"';
    for (const char *t = text; *t; t++) {
        if (quote && *t == '"') *o++ = '"';
        *o++ = *t;
    }
    if (quote) *o++ = '"';
    *o = 0;
    *len = (size_t)(o - *buf);
    return true;
}

OGRLayerH geo_gpkg_blob_layer(GDALDatasetH ds, OGRLayerH layer, int *blob_field)
{
    *blob_field = -1;
    const char *off = getenv("CITYTWIN_GPKG_BLOBS");
    if ((off && off[0] == '0') || !ds || !layer) return NULL;
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    if (!drv || strcmp(GDALGetDriverShortName(drv), "GPKG") != 0) return NULL;
    const char *fid = OGR_L_GetFIDColumn(layer), *geom = OGR_L_GetGeometryColumn(layer);
    if (!fid || !fid[0] || !geom || !geom[0] || OGR_L_GetGeomType(layer) == wkbNone) return NULL;
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(layer);
    int nf = OGR_FD_GetFieldCount(def);
    char *sql = NULL;
    size_t len = 0, cap = 0;
    bool ok = geo__sql_add(&sql, &len, &cap, "SELECT ", false) &&
              geo__sql_add(&sql, &len, &cap, fid, true);
    for (int i = 0; ok && i < nf; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(def, i);
        const char *name = OGR_Fld_GetNameRef(fd);
        ok = geo__sql_add(&sql, &len, &cap, OGR_Fld_IsIgnored(fd) ? ", NULL AS " : ", ", false) &&
             geo__sql_add(&sql, &len, &cap, name, true);
    }
    ok = ok && geo__sql_add(&sql, &len, &cap, ", substr(", false) &&
         geo__sql_add(&sql, &len, &cap, geom, true) &&
         geo__sql_add(&sql, &len, &cap, ", 2) AS tw_gpkg_blob FROM ", false) &&
         geo__sql_add(&sql, &len, &cap, OGR_L_GetName(layer), true);
    OGRLayerH sl = NULL;
    if (ok) {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        sl = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
        CPLPopErrorHandler();
        CPLErrorReset();
    }
    free(sql);
    if (!sl) return NULL;
    /* The fields where the layer has them, the blob last and binary. */
    OGRFeatureDefnH sd = OGR_L_GetLayerDefn(sl);
    bool same = OGR_FD_GetFieldCount(sd) == nf + 1 && OGR_FD_GetGeomFieldCount(sd) == 0;
    for (int i = 0; same && i < nf; i++)
        same = strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(sd, i)),
                      OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i))) == 0;
    if (!same || OGR_Fld_GetType(OGR_FD_GetFieldDefn(sd, nf)) != OFTBinary) {
        GDALDatasetReleaseResultSet(ds, sl);
        return NULL;
    }
    *blob_field = nf;
    return sl;
}
