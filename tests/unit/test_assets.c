/* Shipped data tells the truth: the Seoul gu outlines the demo scene draws
 * lie on the KOSTAT 2018 municipalities (GRS80) that the certification map
 * uses, to within the simplification. The old 2013 Seoul file, converted
 * from Bessel without a datum shift, sits hundreds of metres off and must
 * fail the same check. Distances are in EPSG:5186 metres. */
#include "geo_gdal.h"
#include "tw_json.h"
#include "tw_log.h"
#include "tw_test.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_GU 64

/* One gu's outline as a list of segments in EPSG:5186. */
typedef struct gu {
    char code[16];
    double *xy; /* points; a ring ends where `brk` is set */
    unsigned char *brk;
    size_t n, cap;
} gu;

typedef struct gu_set {
    gu g[MAX_GU];
    int count;
} gu_set;

static void gu_push(gu *g, double x, double y, bool brk)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 256;
        g->xy = realloc(g->xy, g->cap * 2 * sizeof *g->xy);
        g->brk = realloc(g->brk, g->cap);
    }
    g->xy[g->n * 2] = x;
    g->xy[g->n * 2 + 1] = y;
    g->brk[g->n] = brk;
    g->n++;
}

static void add_rings(gu *g, OGRGeometryH geom)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(geom));
    if (t == wkbLineString || t == wkbLinearRing) {
        int n = OGR_G_GetPointCount(geom);
        for (int i = 0; i < n; i++)
            gu_push(g, OGR_G_GetX(geom, i), OGR_G_GetY(geom, i), i == n - 1);
        return;
    }
    for (int i = 0; i < OGR_G_GetGeometryCount(geom); i++)
        add_rings(g, OGR_G_GetGeometryRef(geom, i));
}

/* Reads the Seoul gu (codes 11xxx) of a WGS 84 vector file into EPSG:5186. */
static bool load_gu(const char *path, gu_set *out)
{
    memset(out, 0, sizeof *out);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    TW_CHECK_MSG(ds != NULL, "cannot open %s", path);
    if (!ds) return false;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL), tm = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs, 4326);
    OSRImportFromEPSG(tm, 5186);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(tm, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(wgs, tm);
    int fc = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "code");
    TW_CHECK_MSG(fc >= 0, "%s has no field 'code'", path);
    OGRFeatureH f;
    while (fc >= 0 && (f = OGR_L_GetNextFeature(l)) != NULL) {
        const char *code = OGR_F_GetFieldAsString(f, fc);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (strncmp(code, "11", 2) == 0 && g && out->count < MAX_GU) {
            OGRGeometryH c = OGR_G_Clone(g);
            TW_CHECK(OGR_G_Transform(c, ct) == OGRERR_NONE);
            gu *u = &out->g[out->count++];
            snprintf(u->code, sizeof u->code, "%s", code);
            add_rings(u, c);
            OGR_G_DestroyGeometry(c);
        }
        OGR_F_Destroy(f);
    }
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(wgs);
    OSRDestroySpatialReference(tm);
    GDALClose(ds);
    return out->count > 0;
}

static void free_gu(gu_set *s)
{
    for (int i = 0; i < s->count; i++) {
        free(s->g[i].xy);
        free(s->g[i].brk);
    }
}

/* Distance from (x, y) to the nearest segment of g. */
static double dist_to(const gu *g, double x, double y)
{
    double best = INFINITY;
    for (size_t i = 0; i + 1 < g->n; i++) {
        if (g->brk[i]) continue; /* the last point of a ring starts no segment */
        double ax = g->xy[i * 2], ay = g->xy[i * 2 + 1];
        double dx = g->xy[i * 2 + 2] - ax, dy = g->xy[i * 2 + 3] - ay;
        double len2 = dx * dx + dy * dy, t = 0;
        if (len2 > 0) t = fmin(1, fmax(0, ((x - ax) * dx + (y - ay) * dy) / len2));
        best = fmin(best, hypot(x - ax - t * dx, y - ay - t * dy));
    }
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median over all vertices of `test` of the distance to the same-code
 * polygon of `truth`; *matched counts the gu found in both. */
static double median_distance(const gu_set *test, const gu_set *truth, int *matched)
{
    size_t total = 0, k = 0;
    for (int i = 0; i < test->count; i++) total += test->g[i].n;
    double *d = malloc((total ? total : 1) * sizeof *d);
    *matched = 0;
    for (int i = 0; i < test->count; i++) {
        const gu *ref = NULL;
        for (int j = 0; j < truth->count; j++)
            if (strcmp(truth->g[j].code, test->g[i].code) == 0) ref = &truth->g[j];
        TW_CHECK_MSG(ref != NULL, "gu %s has no 2018 counterpart", test->g[i].code);
        if (!ref) continue;
        (*matched)++;
        for (size_t v = 0; v < test->g[i].n; v++)
            d[k++] = dist_to(ref, test->g[i].xy[v * 2], test->g[i].xy[v * 2 + 1]);
    }
    double med = INFINITY;
    if (k > 0) {
        qsort(d, k, sizeof *d, cmp_double);
        med = k % 2 ? d[k / 2] : 0.5 * (d[k / 2 - 1] + d[k / 2]);
    }
    free(d);
    return med;
}

static char source_dir[1024];
static gu_set truth;

/* The boundaries file assets/scenes/seoul.json draws, as a path. */
static bool demo_boundaries(char *out, size_t n)
{
    char scene[1200], err[256];
    snprintf(scene, sizeof scene, "%s/assets/scenes/seoul.json", source_dir);
    json_object *root = NULL;
    TW_CHECK_MSG(tw_json_load_file(scene, 1 << 20, &root, err, sizeof err) == TW_OK, "%s: %s",
                 scene, err);
    json_object *b = tw_json_get(root, "boundaries", json_type_array);
    json_object *first =
        b && json_object_array_length(b) > 0 ? json_object_array_get_idx(b, 0) : NULL;
    const char *src = tw_json_string(first, "source");
    TW_CHECK_MSG(src != NULL, "%s has no boundaries[0].source", scene);
    if (src) snprintf(out, n, "%s/assets/scenes/%s", source_dir, src);
    json_object_put(root);
    return src != NULL;
}

static void test_demo_gu_lie_on_kostat_2018(void)
{
    char path[2400];
    if (!demo_boundaries(path, sizeof path)) return;
    gu_set shipped;
    if (!load_gu(path, &shipped)) return;
    int matched;
    double med = median_distance(&shipped, &truth, &matched);
    fprintf(stderr, "demo gu (%s): %d of 25 gu, median vertex distance %.2f m\n",
            strrchr(path, '/') + 1, matched, med);
    TW_CHECK_MSG(shipped.count == 25 && matched == 25, "%d gu, %d matched", shipped.count, matched);
    TW_CHECK_MSG(med < 20, "median vertex distance to KOSTAT 2018: %.1f m (limit 20 m)", med);
    free_gu(&shipped);
}

/* The check can fail: the unshifted 2013 file is far off. */
static void test_old_2013_file_fails_the_check(void)
{
    const char *shared = getenv("CITYTWIN_SHARED_DATA");
    char path[1200];
    snprintf(path, sizeof path, "%s/admin/seoul_municipalities_2013_geo_simple.json",
             shared ? shared : "../shared/data");
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "skipping this half: %s is absent (the shared data folder)\n", path);
        return;
    }
    gu_set old;
    if (!load_gu(path, &old)) return;
    int matched;
    double med = median_distance(&old, &truth, &matched);
    fprintf(stderr, "2013 gu: %d matched, median vertex distance %.1f m\n", matched, med);
    TW_CHECK(matched == 25);
    TW_CHECK_MSG(med > 100, "the unshifted 2013 outlines should be > 100 m off, got %.1f m", med);
    free_gu(&old);
}

int main(void)
{
    tw_log_init(TW_LOG_ERROR);
    geo_gdal_init(NULL);
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(source_dir, sizeof source_dir, "%s", src ? src : ".");
    char ref[1200];
    snprintf(ref, sizeof ref, "%s/assets/data/admin/skorea-municipalities-2018-geo-simple.geojson",
             source_dir);
    if (access(ref, R_OK) != 0) TW_SKIP("%s is missing", ref);
    if (!load_gu(ref, &truth)) return TW_TEST_END();
    TW_CHECK(truth.count == 25);
    TW_RUN(test_demo_gu_lie_on_kostat_2018);
    TW_RUN(test_old_2013_file_fails_the_check);
    free_gu(&truth);
    return TW_TEST_END();
}
