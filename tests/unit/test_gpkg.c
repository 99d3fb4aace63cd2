/* GeoPackage geometry blobs walked as they are (geo_gpkg.h): the walker on
 * blobs made here byte by byte (both byte orders, Z and M, each envelope,
 * the empty and extended flags, every cut-short prefix), and whole loads
 * of GeoPackages through the blob path against the same loads through OGR
 * geometries (CITYTWIN_GPKG_BLOBS=0): the same polygons, point for point,
 * the same FIDs, heights and skip counts, with the blob path taken. */
#include "geo_buildings.h"
#include "geo_gdal.h"
#include "geo_gpkg.h"
#include "tw_log.h"
#include "tw_test.h"

#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdint.h>
#include <unistd.h>

static geo_frame *frame;
static char tmpdir[64];

/* A blob under construction, without the magic's first byte. */
typedef struct blob {
    uint8_t b[4096];
    size_t n;
    bool big; /* the WKB's byte order: big-endian */
} blob;

static void put(blob *o, const void *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_u32(blob *o, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(o->big ? v >> (24 - 8 * i) : v >> (8 * i));
    put(o, b, 4);
}

static void put_f64(blob *o, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(o->big ? u >> (56 - 8 * i) : u >> (8 * i));
    put(o, b, 8);
}

/* 'P', version 0, flags, srs id 5186 (little-endian header), env_bytes of envelope. */
static void header(blob *o, uint8_t flags, size_t env_bytes)
{
    o->n = 0;
    const uint8_t h[3] = {'P', 0, flags};
    put(o, h, 3);
    const uint8_t srs[4] = {0x42, 0x14, 0, 0};
    put(o, srs, 4);
    for (size_t i = 0; i < env_bytes / 8; i++) {
        double e = (double)i;
        put(o, &e, 8);
    }
}

static void wkb_type(blob *o, uint32_t type)
{
    const uint8_t order = o->big ? 0 : 1;
    put(o, &order, 1);
    put_u32(o, type);
}

/* A square ring of side s at (x, y), closed, dims doubles a point. */
static void ring(blob *o, double x, double y, double s, int dims)
{
    put_u32(o, 5);
    const double c[5][2] = {{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}};
    for (int i = 0; i < 5; i++) {
        put_f64(o, c[i][0]), put_f64(o, c[i][1]);
        for (int d = 2; d < dims; d++) put_f64(o, 7.5);
    }
}

typedef struct walk {
    int rings, points;
    double sum; /* of every x + 2 y */
    uint32_t ring_index[8];
} walk;

static bool on_ring(void *user, const uint8_t *pts, uint32_t n, int dims, bool swap, uint32_t r)
{
    walk *w = user;
    if (w->rings < 8) w->ring_index[w->rings] = r;
    w->rings++;
    for (uint32_t i = 0; i < n; i++) {
        double x, y;
        geo_gpkg_point(pts, i, dims, swap, &x, &y);
        w->sum += x + 2 * y;
        w->points++;
    }
    return true;
}

static geo_gpkg_kind check_walk(const blob *o, walk *w)
{
    const uint8_t *wkb;
    size_t wn;
    memset(w, 0, sizeof *w);
    geo_gpkg_kind k = geo_gpkg_check(o->b, o->n, &wkb, &wn);
    if (k == GEO_GPKG_POLYGONS) {
        TW_CHECK(wkb > o->b && wkb + wn <= o->b + o->n);
        TW_CHECK(geo_gpkg_rings(wkb, wn, on_ring, w));
    }
    return k;
}

/* Every prefix of a good blob: never read past its end (ASan would say),
 * never taken for polygons (each is cut short). */
static void check_prefixes(const blob *o)
{
    for (size_t n = 0; n < o->n; n++) {
        const uint8_t *wkb;
        size_t wn;
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, o->b, n);
        geo_gpkg_kind k = geo_gpkg_check(copy, n, &wkb, &wn);
        TW_CHECK_MSG(k != GEO_GPKG_POLYGONS, "a prefix of %zu of %zu bytes", n, o->n);
        free(copy);
    }
}

static void test_walker(void)
{
    blob o = {0};
    walk w;
    /* A Polygon with a hole, XY, little-endian, the 32-byte envelope. */
    header(&o, 1 | (1 << 1), 32);
    wkb_type(&o, 3);
    put_u32(&o, 2);
    ring(&o, 0, 0, 10, 2);
    ring(&o, 2, 2, 1, 2);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_POLYGONS);
    TW_CHECK(w.rings == 2 && w.points == 10 && w.ring_index[0] == 0 && w.ring_index[1] == 1);
    /* x + 2y over the square (0,0) 10: 0 + 10 + 30 + 20 + 0; the hole (2,2) 1: 6 + 7 + 9 + 8 + 6.
     */
    TW_CHECK_NEAR(w.sum, 60 + 36, 1e-12);
    check_prefixes(&o);
    /* The same, big-endian WKB, Z (ISO 1003), no envelope. */
    o.big = true;
    header(&o, 1, 0);
    wkb_type(&o, 1003);
    put_u32(&o, 2);
    ring(&o, 0, 0, 10, 3);
    ring(&o, 2, 2, 1, 3);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_POLYGONS);
    TW_CHECK(w.rings == 2 && w.points == 10);
    TW_CHECK_NEAR(w.sum, 96, 1e-12);
    check_prefixes(&o);
    /* A MultiPolygon of a ZM polygon and an XY one (each its own type),
     * with GDAL's old 2.5D flag on the first, the 64-byte envelope. */
    o.big = false;
    header(&o, 1 | (4 << 1), 64);
    wkb_type(&o, 6);
    put_u32(&o, 3);
    wkb_type(&o, 3003);
    put_u32(&o, 1);
    ring(&o, 100, 0, 5, 4);
    wkb_type(&o, 0x80000003u);
    put_u32(&o, 1);
    ring(&o, 200, 0, 5, 3);
    wkb_type(&o, 3);
    put_u32(&o, 0); /* a polygon without rings */
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_POLYGONS);
    TW_CHECK(w.rings == 2 && w.points == 10 && w.ring_index[1] == 0);
    /* (100,0) 5: 100 + 105 + 115 + 110 + 100; (200,0) 5: 200 + 205 + 215 + 210 + 200. */
    TW_CHECK_NEAR(w.sum, 530 + 1030, 1e-9);
    check_prefixes(&o);
    /* The empty flag, and polygons without a point: empty. */
    header(&o, 1 | (1 << 4), 0);
    wkb_type(&o, 3);
    put_u32(&o, 0);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_EMPTY);
    header(&o, 1, 0);
    wkb_type(&o, 6);
    put_u32(&o, 1);
    wkb_type(&o, 3);
    put_u32(&o, 1);
    put_u32(&o, 0);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_EMPTY);
    /* Left to OGR: the extended flag, an envelope code past 4, a point, a
     * curve polygon, a collection, EWKB's SRID flag, a multipolygon holding
     * a point, a byte-order byte that is neither, both Z flags at once, no
     * 'P'. */
    header(&o, 1 | (1 << 5), 0);
    wkb_type(&o, 3);
    put_u32(&o, 1);
    ring(&o, 0, 0, 1, 2);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_OTHER);
    header(&o, 1 | (5 << 1), 0);
    wkb_type(&o, 3);
    put_u32(&o, 0);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_OTHER);
    static const uint32_t others[] = {1, 10, 7, 1010, 17, 0x20000003u};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        header(&o, 1, 0);
        wkb_type(&o, others[i]);
        put_u32(&o, 1);
        ring(&o, 0, 0, 1, 2);
        TW_CHECK_MSG(check_walk(&o, &w) == GEO_GPKG_OTHER, "type %u", others[i]);
    }
    header(&o, 1, 0);
    wkb_type(&o, 6);
    put_u32(&o, 1);
    wkb_type(&o, 1);
    put_f64(&o, 1), put_f64(&o, 2);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_OTHER);
    header(&o, 1, 0);
    const uint8_t bad_order = 2;
    put(&o, &bad_order, 1);
    put_u32(&o, 3);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_OTHER);
    header(&o, 1, 0);
    wkb_type(&o, 0x80000000u | 1003);
    put_u32(&o, 0);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_OTHER);
    o.b[0] = 'G';
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_OTHER);
    /* A point count past the end. */
    header(&o, 1, 0);
    wkb_type(&o, 3);
    put_u32(&o, 1);
    put_u32(&o, 0x7fffffffu);
    put_f64(&o, 1), put_f64(&o, 2);
    TW_CHECK(check_walk(&o, &w) == GEO_GPKG_OTHER);
}

/* A GeoPackage of every geometry the walker takes or leaves, in the
 * scene's CRS, with a height field and a text field. */
static bool write_mixed(const char *path)
{
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH ds = drv ? GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!ds) return false;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 5186);
    OGRLayerH l = GDALDatasetCreateLayer(ds, "mixed", srs, wkbUnknown, NULL);
    OSRRelease(srs);
    bool ok = l != NULL;
    OGRFieldDefnH fh = OGR_Fld_Create("height", OFTReal), fn = OGR_Fld_Create("name", OFTString);
    ok = ok && OGR_L_CreateField(l, fh, TRUE) == OGRERR_NONE &&
         OGR_L_CreateField(l, fn, TRUE) == OGRERR_NONE;
    OGR_Fld_Destroy(fh), OGR_Fld_Destroy(fn);
    static const char *const wkt[] = {
        "POLYGON ((200000 550000,200020 550000,200020 550015,200000 550015,200000 550000))",
        "POLYGON ((200100 550000,200140 550000,200140 550040,200100 550040,200100 550000),"
        "(200110 550010,200120 550010,200120 550020,200110 550020,200110 550010))",
        "MULTIPOLYGON (((200200 550000,200210 550000,200210 550010,200200 550000)),"
        "((200230 550000,200240 550000,200240 550010,200230 550010,200230 550000)))",
        "POLYGON Z ((200300 550000 5,200320 550000 5,200320 550020 6,200300 550000 5))",
        "POLYGON M ((200400 550000 1,200420 550000 1,200420 550020 1,200400 550000 1))",
        "CURVEPOLYGON (CIRCULARSTRING (200500 550000,200510 550010,200500 550000))",
        "GEOMETRYCOLLECTION (POLYGON ((200600 550000,200610 550000,200610 550010,"
        "200600 550000)),POINT (200650 550050))",
        "POINT (200700 550000)",
        "POLYGON EMPTY",
        NULL, /* no geometry */
        "POLYGON ((200800 550000,200800 550000,200800 550000,200800 550000))",
        "POLYGON ((200900 550000,200910 550010,200910 550000,200900 550010,200900 550000))",
        "MULTIPOLYGON (((201000 550000,201010 550000,201010 550010,201000 550000)),"
        "((201020 550000,201030 550000,201030 550010,201020 550000),"
        "(201022 550001,201024 550001,201024 550002,201022 550001)))",
        "MULTISURFACE (CURVEPOLYGON (COMPOUNDCURVE (CIRCULARSTRING (201100 550000,"
        "201110 550010,201120 550000),(201120 550000,201100 550000))))",
        "POLYHEDRALSURFACE Z (((201200 550000 0,201210 550000 0,201210 550010 0,"
        "201200 550000 0)))"};
    int n = (int)(sizeof wkt / sizeof *wkt);
    for (int i = 0; ok && i < n; i++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
        OGR_F_SetFieldDouble(f, 0, 3.0 * (i + 1));
        char name[32];
        snprintf(name, sizeof name, "f%d", i);
        OGR_F_SetFieldString(f, 1, name);
        if (wkt[i]) {
            OGRGeometryH g = NULL;
            char *w = (char *)wkt[i];
            ok = OGR_G_CreateFromWkt(&w, NULL, &g) == OGRERR_NONE;
            if (ok) OGR_F_SetGeometryDirectly(f, g);
        }
        ok = ok && OGR_L_CreateFeature(l, f) == OGRERR_NONE;
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return ok;
}

/* A copy of a GeoJSON as a GeoPackage (ogr2ogr's library call), in the
 * scene's CRS or (reproject false) in its own. */
static bool to_gpkg(const char *src, const char *dst, bool reproject)
{
    GDALDatasetH in = GDALOpenEx(src, GDAL_OF_VECTOR, NULL, NULL, NULL);
    char *argv[] = {"-f", "GPKG", reproject ? "-t_srs" : NULL, "EPSG:5186", NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH out = in && o ? GDALVectorTranslate(dst, NULL, 1, &in, o, NULL) : NULL;
    GDALVectorTranslateOptionsFree(o);
    if (out) GDALClose(out);
    if (in) GDALClose(in);
    return out != NULL;
}

static bool load(const char *path, bool blobs, geo_buildings *b, char *err, size_t n)
{
    setenv("CITYTWIN_GPKG_BLOBS", blobs ? "1" : "0", 1);
    geo_buildings_desc d = {.src = {.path = path}};
    bool ok = geo_buildings_load(&d, frame, b, err, n) == TW_OK;
    unsetenv("CITYTWIN_GPKG_BLOBS");
    return ok;
}

static int skipped(const geo_polygons *p, const char *reason)
{
    for (int i = 0; i < p->skipped.n; i++)
        if (strcmp(p->skipped.reason[i], reason) == 0) return p->skipped.count[i];
    return 0;
}

/* The two loads of path: the same in every array; returns the features. */
static int check_same(const char *path, long expect_walked)
{
    char err[512];
    geo_buildings a, b;
    long before = geo_gpkg_walked();
    TW_CHECK_MSG(load(path, true, &a, err, sizeof err), "%s: %s", path, err);
    long walked = geo_gpkg_walked() - before;
    TW_CHECK_MSG(walked == expect_walked, "%s: %ld blobs walked, expected %ld", path, walked,
                 expect_walked);
    before = geo_gpkg_walked();
    TW_CHECK_MSG(load(path, false, &b, err, sizeof err), "%s: %s", path, err);
    TW_CHECK(geo_gpkg_walked() == before);
    const geo_polygons *p = &a.polys, *q = &b.polys;
    TW_CHECK_MSG(p->count == q->count && p->ring_count == q->ring_count,
                 "%d/%d features %d/%d rings", p->count, q->count, p->ring_count, q->ring_count);
    int same = p->count == q->count && p->ring_count == q->ring_count;
    for (int i = 0; same && i < p->count; i++) {
        const geo_polygon *f = &p->features[i], *g = &q->features[i];
        same = f->fid == g->fid && f->ring_first == g->ring_first &&
               f->ring_count == g->ring_count && f->area == g->area &&
               memcmp(f->bbox, g->bbox, sizeof f->bbox) == 0 && a.height[i] == b.height[i];
        TW_CHECK_MSG(same, "%s: feature %d (fid %ld / %ld) differs", path, i, f->fid, g->fid);
    }
    for (int r = 0; same && r <= p->ring_count; r++) {
        same = p->ring_start[r] == q->ring_start[r] &&
               (r == p->ring_count || p->ring_outer[r] == q->ring_outer[r]);
        TW_CHECK_MSG(same, "%s: ring %d differs", path, r);
    }
    if (same) {
        size_t np = (size_t)p->ring_start[p->ring_count];
        TW_CHECK_MSG(memcmp(p->xy, q->xy, np * 2 * sizeof *p->xy) == 0, "%s: the points differ",
                     path);
    }
    static const char *const reasons[] = {"no geometry", "empty geometry", "not a polygon",
                                          "a 3D surface, not a footprint"};
    for (int k = 0; k < 4; k++)
        TW_CHECK_MSG(skipped(p, reasons[k]) == skipped(q, reasons[k]), "%s: %s %d / %d", path,
                     reasons[k], skipped(p, reasons[k]), skipped(q, reasons[k]));
    TW_CHECK(a.defaulted == b.defaulted && a.hmin == b.hmin && a.hmax == b.hmax);
    int n = p->count;
    geo_buildings_free(&a);
    geo_buildings_free(&b);
    return n;
}

static void test_mixed(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/mixed.gpkg", tmpdir);
    TW_CHECK(write_mixed(path));
    /* Walked: the two polygons, the multipolygon, Z, M, the repeated
     * point (a ring without an inside), the bow tie, the last
     * multipolygon; read by OGR: the curve, the collection, the point,
     * the MultiSurface, the polyhedral surface; empty: the empty polygon
     * and the feature without a geometry. */
    int n = check_same(path, 8);
    /* Kept: 2 + 1 + Z + M + the curve (a circle of segments) + the
     * collection's polygon + the bow tie + the last multipolygon + the
     * MultiSurface; the point and the 3D surface are no footprints, the
     * repeated point an empty geometry. */
    TW_CHECK_MSG(n == 10, "%d buildings", n);
}

static void test_real(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    static const char *const files[] = {
        "assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson",
        "assets/data/buildings/seoul_yeouido_osm_buildings.geojson",
        "assets/data/buildings/seoul_yeouido_osm_buildings.geojson"};
    for (int i = 0; i < 3; i++) {
        char in[1024], out[256];
        snprintf(in, sizeof in, "%s/%s", src ? src : ".", files[i]);
        snprintf(out, sizeof out, "%s/real%d.gpkg", tmpdir, i);
        /* The last kept in longitude and latitude (EPSG:4326): the walked
         * points go through the same transformation as OGR's. */
        TW_CHECK_MSG(to_gpkg(in, out, i < 2), "%s", in);
        /* Every feature of these is a Polygon or MultiPolygon: all walked. */
        GDALDatasetH ds = GDALOpenEx(out, GDAL_OF_VECTOR, NULL, NULL, NULL);
        long count = ds ? (long)OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), TRUE) : -1;
        if (ds) GDALClose(ds);
        int kept = check_same(out, count);
        TW_CHECK_MSG(kept > 500, "%s: %d buildings", out, kept);
    }
}

/* Not a GeoPackage table read whole: OGR's way, no blob walked. */
static void test_not_taken(void)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/mixed.gpkg", tmpdir);
    geo_buildings b;
    long before = geo_gpkg_walked();
    geo_buildings_desc d = {.src = {.path = path, .where = "height > 10"}};
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    TW_CHECK(geo_gpkg_walked() == before && b.polys.count > 0);
    geo_buildings_free(&b);
    snprintf(path, sizeof path, "%s/mixed.geojson", tmpdir);
    FILE *f = fopen(path, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fputs("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
          "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[126.9,37.52],[126.9001,37.52],"
          "[126.9001,37.5201],[126.9,37.52]]]}}]}\n",
          f);
    fclose(f);
    d = (geo_buildings_desc){.src = {.path = path}};
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    TW_CHECK(geo_gpkg_walked() == before && b.polys.count == 1);
    geo_buildings_free(&b);
}

int main(void)
{
    tw_log_init(TW_LOG_WARN);
    geo_gdal_init(NULL);
    char err[512];
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK)
        TW_SKIP("no EPSG:5186 frame: %s", err);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/citytwin-gpkg-XXXXXX");
    if (!mkdtemp(tmpdir)) TW_SKIP("no temporary folder");
    TW_RUN(test_walker);
    TW_RUN(test_mixed);
    TW_RUN(test_real);
    TW_RUN(test_not_taken);
    geo_frame_destroy(frame);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return TW_TEST_END();
}
