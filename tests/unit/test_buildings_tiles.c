/* Tiles and picking without the app: four tiles of Cheongna read with
 * has_keep hold every building exactly once; the probe tells indexed
 * sources (GPKG, FlatGeobuf) from plain ones (GeoJSON); tile reads share
 * an open dataset through the pool; a pick that skips
 * chunks by their boxes finds what testing every building finds. */
#include "geo_buildings.h"
#include "geo_buildings_pool.h"
#include "tw_log.h"
#include "tw_test.h"

#include <gdal_utils.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static geo_frame *frame;
static char cheongna[1024], dir[256];

static void test_tiles_hold_each_building_once(void)
{
    char err[512];
    geo_buildings whole;
    geo_buildings_desc d = {.src = {.path = cheongna}, .height_field = "height_m"};
    TW_CHECK(geo_buildings_load(&d, frame, &whole, err, sizeof err) == TW_OK);
    const double *e = whole.polys.extent;
    double mx = floor(0.5 * (e[0] + e[2])), my = floor(0.5 * (e[1] + e[3]));
    long fid_sum = 0, whole_sum = 0;
    int count = 0, outside = 0, defaulted = 0;
    for (int f = 0; f < whole.polys.count; f++) whole_sum += whole.polys.features[f].fid;
    for (int q = 0; q < 4; q++) {
        geo_buildings t;
        d.has_keep = true;
        d.keep[0] = q & 1 ? mx : e[0] - 1, d.keep[2] = q & 1 ? e[2] + 1 : mx;
        d.keep[1] = q & 2 ? my : e[1] - 1, d.keep[3] = q & 2 ? e[3] + 1 : my;
        TW_CHECK_MSG(geo_buildings_load(&d, frame, &t, err, sizeof err) == TW_OK, "%s", err);
        count += t.polys.count, outside += t.outside, defaulted += t.defaulted;
        for (int f = 0; f < t.polys.count; f++) {
            const double *bb = t.polys.features[f].bbox;
            double cx = 0.5 * (bb[0] + bb[2]), cy = 0.5 * (bb[1] + bb[3]);
            TW_CHECK(cx >= d.keep[0] && cx < d.keep[2] && cy >= d.keep[1] && cy < d.keep[3]);
            fid_sum += t.polys.features[f].fid;
        }
        geo_buildings_free(&t);
    }
    TW_CHECK_MSG(count == whole.polys.count && fid_sum == whole_sum,
                 "tiles hold %d buildings, the whole read %d", count, whole.polys.count);
    TW_CHECK(outside > 0); /* the spatial filter let in neighbours' buildings, dropped */
    TW_CHECK(defaulted == whole.defaulted);
    geo_buildings_free(&whole);
}

static bool translate(const char *driver, const char *out)
{
    GDALDatasetH src = GDALOpenEx(cheongna, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!src) return false;
    char *argv[] = {"-f", (char *)driver, "-t_srs", "EPSG:5186", NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    GDALDatasetH d = GDALVectorTranslate(out, NULL, 1, &src, o, NULL);
    GDALVectorTranslateOptionsFree(o);
    if (d) GDALClose(d);
    GDALClose(src);
    return d != NULL;
}

static int area_warnings;

static void count_area_warnings(tw_log_level level, const char *tag, const char *msg, void *user)
{
    (void)user;
    if (level == TW_LOG_WARN && strcmp(tag, "crs") == 0 && strstr(msg, "area of use"))
        area_warnings++;
}

static void test_probe(void)
{
    char gpkg[400], fgb[400], err[512];
    snprintf(gpkg, sizeof gpkg, "%s/c.gpkg", dir);
    snprintf(fgb, sizeof fgb, "%s/c.fgb", dir);
    TW_CHECK(translate("GPKG", gpkg) && translate("FlatGeobuf", fgb));
    geo_buildings_probe p;
    TW_CHECK(geo_buildings_probe_source(&(geo_buildings_desc){.src = {.path = gpkg}}, frame, &p,
                                        err, sizeof err) == TW_OK &&
             p.indexed && p.same_crs && strcmp(p.driver, "GPKG") == 0);
    TW_CHECK(geo_buildings_probe_source(&(geo_buildings_desc){.src = {.path = fgb}}, frame, &p, err,
                                        sizeof err) == TW_OK &&
             p.indexed && strcmp(p.driver, "FlatGeobuf") == 0);
    TW_CHECK(geo_buildings_probe_source(&(geo_buildings_desc){.src = {.path = cheongna}}, frame, &p,
                                        err, sizeof err) == TW_OK &&
             !p.indexed && !p.same_crs);
    /* Its extent, taken into the scene, covers every footprint. */
    geo_buildings b;
    geo_buildings_desc d = {.src = {.path = cheongna}};
    TW_CHECK(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK);
    /* A GeoPackage's own count: every feature, whatever is skipped; none
     * from a GeoJSON (a driver that keeps no count) or under a "where". */
    TW_CHECK(p.features == -1);
    geo_buildings_probe pf;
    TW_CHECK(geo_buildings_probe_source(&(geo_buildings_desc){.src = {.path = gpkg}}, frame, &pf,
                                        err, sizeof err) == TW_OK);
    TW_CHECK_MSG(pf.features == b.polys.count + geo_skips_total(&b.polys.skipped), "%ld features",
                 pf.features);
    geo_buildings_desc filtered = {.src = {.path = gpkg, .where = "height_m > 10"}};
    TW_CHECK(geo_buildings_probe_source(&filtered, frame, &pf, err, sizeof err) == TW_OK &&
             pf.features == -1);
    const double *e = b.polys.extent;
    TW_CHECK(p.extent[0] <= e[0] + 1e-6 && p.extent[1] <= e[1] + 1e-6 &&
             p.extent[2] >= e[2] - 1e-6 && p.extent[3] >= e[3] - 1e-6);
    geo_buildings_free(&b);
    TW_CHECK(geo_buildings_probe_source(&(geo_buildings_desc){.src = {.path = "/nonexistent.gpkg"}},
                                        frame, &p, err, sizeof err) != TW_OK);
    /* A field the scene names that the source lacks: the probe says so
     * (the layer fails once, not each of its tiles). */
    geo_buildings_desc miss = {.src = {.path = gpkg}, .floors_field = "no_such_floors"};
    TW_CHECK(geo_buildings_probe_source(&miss, frame, &p, err, sizeof err) == TW_ERR_ARG);
    TW_CHECK_MSG(strstr(err, "no field 'no_such_floors'") && strstr(err, "floors_field"), "%s",
                 err);
    /* An empty layer is not streamed (read whole, it says it is empty). */
    char empty[400];
    snprintf(empty, sizeof empty, "%s/empty.gpkg", dir);
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH ds = drv ? GDALCreate(drv, empty, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 5186);
    TW_CHECK(ds && GDALDatasetCreateLayer(ds, "none", srs, wkbPolygon, NULL));
    OSRRelease(srs);
    if (ds) GDALClose(ds);
    TW_CHECK(geo_buildings_probe_source(&(geo_buildings_desc){.src = {.path = empty}}, frame, &p,
                                        err, sizeof err) != TW_OK);
    TW_CHECK_MSG(strstr(err, "no features") != NULL, "%s", err);
    /* An empty shapefile's header gives 0, 0, 0, 0 as its extent: in
     * EPSG:4326 that lies far outside the scene CRS's area, but nothing
     * lies there, so no warning says it does. */
    char shp[400];
    snprintf(shp, sizeof shp, "%s/empty4326.shp", dir);
    drv = GDALGetDriverByName("ESRI Shapefile");
    ds = drv ? GDALCreate(drv, shp, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    TW_CHECK(ds && GDALDatasetCreateLayer(ds, "empty4326", srs, wkbPolygon, NULL));
    OSRRelease(srs);
    if (ds) GDALClose(ds);
    area_warnings = 0;
    tw_log_set_sink(count_area_warnings, NULL);
    TW_CHECK(geo_buildings_probe_source(&(geo_buildings_desc){.src = {.path = shp}}, frame, &p, err,
                                        sizeof err) != TW_OK);
    tw_log_set_sink(NULL, NULL);
    TW_CHECK_MSG(area_warnings == 0, "%d warnings of data outside the CRS's area", area_warnings);
}

/* Skipped features are counted once whatever the tiles: a line crossing
 * every tile, points, a 3D surface are counted by the tile their middle
 * lies in; a tile holding only skipped features still counts them; a
 * curve polygon (a circle, a MultiSurface with a CompoundCurve ring) is
 * linearized and kept. */
static void test_tiles_count_skips_once(void)
{
    char path[400], err[512];
    snprintf(path, sizeof path, "%s/skips.gpkg", dir);
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH ds = drv ? GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 5186);
    OGRLayerH l = ds ? GDALDatasetCreateLayer(ds, "skips", srs, wkbUnknown, NULL) : NULL;
    OSRRelease(srs);
    TW_CHECK(l != NULL);
    /* The tiles split at (200100, 550100); the south-east quarter holds
     * only skipped features. */
    static const char *const wkt[] = {
        "POLYGON ((200000 550000,200020 550000,200020 550020,200000 550020,200000 550000))",
        "POLYGON ((200000 550150,200020 550150,200020 550170,200000 550170,200000 550150))",
        "POLYGON ((200150 550150,200170 550150,200170 550170,200150 550170,200150 550150))",
        "CURVEPOLYGON (CIRCULARSTRING (200030 550030,200050 550050,200030 550030))",
        "MULTISURFACE (CURVEPOLYGON (COMPOUNDCURVE (CIRCULARSTRING (200070 550120,"
        "200080 550130,200090 550120),(200090 550120,200070 550120))))",
        "TRIANGLE ((200040 550150,200060 550150,200050 550170,200040 550150))",
        "LINESTRING (200010 550010,200190 550190)",
        "LINESTRING (200150 550010,200190 550050)",
        "POINT (200160 550060)",
        "MULTIPOINT ((200050 550050),(200150 550150))",
        "POLYHEDRALSURFACE Z (((200120 550020 0,200140 550020 0,200140 550040 0,"
        "200120 550020 0)))"};
    int n = (int)(sizeof wkt / sizeof *wkt);
    for (int i = 0; l && i < n; i++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
        OGRGeometryH g = NULL;
        char *w = (char *)wkt[i];
        TW_CHECK_MSG(OGR_G_CreateFromWkt(&w, NULL, &g) == OGRERR_NONE, "%s", wkt[i]);
        OGR_F_SetGeometryDirectly(f, g);
        TW_CHECK(OGR_L_CreateFeature(l, f) == OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    if (ds) GDALClose(ds);
    static const char *const reasons[] = {"not a polygon", "a 3D surface, not a footprint"};
    geo_buildings whole;
    geo_buildings_desc d = {.src = {.path = path}};
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &whole, err, sizeof err) == TW_OK, "%s", err);
    /* The three squares, the circle, the MultiSurface, the triangle. */
    TW_CHECK_MSG(whole.polys.count == 6, "%d kept", whole.polys.count);
    int want[2] = {4, 1}, got[2] = {0, 0};
    for (int k = 0; k < 2; k++)
        for (int r = 0; r < whole.polys.skipped.n; r++)
            if (strcmp(whole.polys.skipped.reason[r], reasons[k]) == 0)
                TW_CHECK_MSG(whole.polys.skipped.count[r] == want[k], "%s: %d", reasons[k],
                             whole.polys.skipped.count[r]);
    /* The circle of radius about 14 m: its area, within its segments'. */
    for (int f = 0; f < whole.polys.count; f++)
        if (whole.polys.features[f].fid == 4)
            TW_CHECK_MSG(fabs(whole.polys.features[f].area - M_PI * 200) < 0.01 * M_PI * 200,
                         "circle area %.2f", whole.polys.features[f].area);
    int kept = 0;
    for (int q = 0; q < 4; q++) {
        geo_buildings t;
        d.has_keep = true;
        d.keep[0] = q & 1 ? 200100 : 199000, d.keep[2] = q & 1 ? 201000 : 200100;
        d.keep[1] = q & 2 ? 550100 : 549000, d.keep[3] = q & 2 ? 551000 : 550100;
        /* Each tile reads what its rectangle overlaps (the spatial filter). */
        d.src.has_bbox = true;
        memcpy(d.src.bbox, d.keep, sizeof d.keep);
        TW_CHECK_MSG(geo_buildings_load(&d, frame, &t, err, sizeof err) == TW_OK, "%s", err);
        kept += t.polys.count;
        for (int k = 0; k < 2; k++)
            for (int r = 0; r < t.polys.skipped.n; r++)
                if (strcmp(t.polys.skipped.reason[r], reasons[k]) == 0)
                    got[k] += t.polys.skipped.count[r];
        if (q == 1) /* south-east: the short line, the point, the surface; no polygon */
            TW_CHECK_MSG(t.polys.count == 0 && geo_skips_total(&t.polys.skipped) == 3,
                         "south-east: %d kept, %d skipped", t.polys.count,
                         geo_skips_total(&t.polys.skipped));
        geo_buildings_free(&t);
    }
    TW_CHECK_MSG(kept == whole.polys.count, "tiles kept %d", kept);
    TW_CHECK_MSG(got[0] == want[0] && got[1] == want[1], "tiles skipped %d + %d, not %d + %d",
                 got[0], got[1], want[0], want[1]);
    geo_buildings_free(&whole);
}

/* The pool of open datasets: a read gives its dataset back and the next
 * takes the same one (its filters set anew: a tile, then the whole set,
 * then the tile again read what fresh opens read); two reads at once hold
 * two; a failed read's is closed; a source that does not open says why. */
static void test_pool_reuses_datasets(void)
{
    char gpkg[400], err[512];
    snprintf(gpkg, sizeof gpkg, "%s/c.gpkg", dir);
    geo_buildings_pool *pool = geo_buildings_pool_new();
    geo_buildings_desc whole = {.src = {.path = gpkg}, .height_field = "height_m"};
    geo_buildings fresh, b;
    TW_CHECK(geo_buildings_load(&whole, frame, &fresh, err, sizeof err) == TW_OK);
    const double *e = fresh.polys.extent;
    geo_buildings_desc tile = whole;
    tile.has_keep = true;
    tile.keep[0] = e[0] - 1, tile.keep[1] = e[1] - 1;
    tile.keep[2] = 0.5 * (e[0] + e[2]), tile.keep[3] = 0.5 * (e[1] + e[3]);
    geo_buildings fresh_tile;
    TW_CHECK(geo_buildings_load(&tile, frame, &fresh_tile, err, sizeof err) == TW_OK);
    TW_CHECK(fresh_tile.polys.count > 0 && fresh_tile.polys.count < fresh.polys.count);
    GDALDatasetH first = NULL;
    geo_buildings_desc *order[3] = {&tile, &whole, &tile};
    int expect[3] = {fresh_tile.polys.count, fresh.polys.count, fresh_tile.polys.count};
    for (int k = 0; k < 3; k++) {
        geo_buildings_desc d = *order[k];
        d.src.dataset = geo_buildings_pool_take(pool, &d.src, frame, err, sizeof err);
        TW_CHECK_MSG(d.src.dataset != NULL, "%s", err);
        if (k == 0) first = d.src.dataset;
        TW_CHECK(d.src.dataset == first); /* the same one, reused */
        TW_CHECK(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK);
        TW_CHECK_MSG(b.polys.count == expect[k], "read %d: %d buildings, fresh opens %d", k,
                     b.polys.count, expect[k]);
        geo_buildings_free(&b);
        geo_buildings_pool_give(pool, d.src.dataset, true);
    }
    TW_CHECK(geo_buildings_pool_opened(pool) == 1 && geo_buildings_pool_open_now(pool) == 1);
    GDALDatasetH x = geo_buildings_pool_take(pool, &whole.src, frame, err, sizeof err);
    GDALDatasetH y = geo_buildings_pool_take(pool, &whole.src, frame, err, sizeof err);
    TW_CHECK(x && y && x != y && geo_buildings_pool_opened(pool) == 2);
    geo_buildings_pool_give(pool, x, true);
    geo_buildings_pool_give(pool, y, false); /* a failed read: closed */
    TW_CHECK(geo_buildings_pool_open_now(pool) == 1);
    geo_buildings_pool *held = geo_buildings_pool_ref(pool);
    geo_buildings_pool_release(pool); /* a job still holds it */
    TW_CHECK(geo_buildings_pool_open_now(held) == 1);
    geo_buildings_pool_drain(held);
    TW_CHECK(geo_buildings_pool_open_now(held) == 0);
    geo_vector_desc none = {.path = "/nonexistent.gpkg"};
    err[0] = 0;
    TW_CHECK(!geo_buildings_pool_take(held, &none, frame, err, sizeof err) && err[0]);
    geo_buildings_pool_release(held);
    geo_buildings_free(&fresh);
    geo_buildings_free(&fresh_tile);
}

static void test_pick_by_chunk_boxes(void)
{
    char err[512];
    geo_buildings b;
    geo_buildings_desc d = {.src = {.path = cheongna}, .height_field = "height_m"};
    TW_CHECK(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK);
    double *base = calloc((size_t)b.polys.count, sizeof *base);
    for (int f = 0; f < b.polys.count; f++) base[f] = (f % 7) * 1.5;
    geo_buildings_raise(&b, base, 1.5);
    geo_buildings brute = b;
    brute.chunk_count = 0; /* every building tested */
    const double *e = b.polys.extent;
    int same = 0, hits = 0, n = 0;
    double t_chunks = 0, t_all = 0;
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < 20; j++, n++) {
            /* Oblique rays from 900 m up over a 20 x 20 grid. */
            double o[3] = {e[0] + (e[2] - e[0]) * (i + 0.5) / 20,
                           e[1] + (e[3] - e[1]) * (j + 0.5) / 20, 900};
            double ray[3] = {0.3, 0.2, -1}, ta = 0, tb = 0;
            clock_t c0 = clock();
            int a = geo_buildings_hit(&b, base, 1.5, o, ray, &ta);
            clock_t c1 = clock();
            int z = geo_buildings_hit(&brute, base, 1.5, o, ray, &tb);
            clock_t c2 = clock();
            t_chunks += (double)(c1 - c0), t_all += (double)(c2 - c1);
            same += a == z && (a < 0 || ta == tb);
            hits += a >= 0;
        }
    TW_CHECK_MSG(same == n, "%d of %d picks agree", same, n);
    TW_CHECK(hits > 20);
    fprintf(stderr, "  %d picks (%d hits): chunk boxes %.2fx the time of every building\n", n, hits,
            t_all > 0 ? t_chunks / t_all : 0);
    free(base);
    geo_buildings_free(&b);
}

int main(void)
{
    char err[512];
    GDALAllRegister();
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK)
        return 1;
    tw_test_shipped("assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", cheongna,
                    sizeof cheongna);
    snprintf(dir, sizeof dir, "/tmp/citytwin-tiles-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    TW_RUN(test_tiles_hold_each_building_once);
    TW_RUN(test_probe);
    TW_RUN(test_tiles_count_skips_once);
    TW_RUN(test_pool_reuses_datasets);
    TW_RUN(test_pick_by_chunk_boxes);
    geo_frame_destroy(frame);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return TW_TEST_END();
}
