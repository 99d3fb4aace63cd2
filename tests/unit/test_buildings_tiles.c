/* Tiles and picking without the app: four tiles of Cheongna read with
 * has_keep hold every building exactly once; the probe tells indexed
 * sources (GPKG, FlatGeobuf) from plain ones (GeoJSON); a pick that skips
 * chunks by their boxes finds what testing every building finds. */
#include "geo_buildings.h"
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

static void test_probe(void)
{
    char gpkg[400], fgb[400], err[512];
    snprintf(gpkg, sizeof gpkg, "%s/c.gpkg", dir);
    snprintf(fgb, sizeof fgb, "%s/c.fgb", dir);
    TW_CHECK(translate("GPKG", gpkg) && translate("FlatGeobuf", fgb));
    geo_buildings_probe p;
    TW_CHECK(geo_buildings_probe_source(&(geo_vector_desc){.path = gpkg}, frame, &p, err,
                                        sizeof err) == TW_OK &&
             p.indexed && p.same_crs && strcmp(p.driver, "GPKG") == 0);
    TW_CHECK(geo_buildings_probe_source(&(geo_vector_desc){.path = fgb}, frame, &p, err,
                                        sizeof err) == TW_OK &&
             p.indexed && strcmp(p.driver, "FlatGeobuf") == 0);
    TW_CHECK(geo_buildings_probe_source(&(geo_vector_desc){.path = cheongna}, frame, &p, err,
                                        sizeof err) == TW_OK &&
             !p.indexed && !p.same_crs);
    /* Its extent, taken into the scene, covers every footprint. */
    geo_buildings b;
    geo_buildings_desc d = {.src = {.path = cheongna}};
    TW_CHECK(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK);
    const double *e = b.polys.extent;
    TW_CHECK(p.extent[0] <= e[0] + 1e-6 && p.extent[1] <= e[1] + 1e-6 &&
             p.extent[2] >= e[2] - 1e-6 && p.extent[3] >= e[3] - 1e-6);
    geo_buildings_free(&b);
    TW_CHECK(geo_buildings_probe_source(&(geo_vector_desc){.path = "/nonexistent.gpkg"}, frame, &p,
                                        err, sizeof err) != TW_OK);
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
    TW_RUN(test_pick_by_chunk_boxes);
    geo_frame_destroy(frame);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return TW_TEST_END();
}
