/* bench/earcut: our triangulator against the reference JavaScript earcut
 * (the `earcut` npm package under node) on the same footprints, in one run.
 *
 * The footprints are the real ones shipped in assets/data/buildings
 * (Cheongna, 2,204 buildings, and Yeouido, 592), in EPSG:5186 metres around
 * their middle, every Polygon and every part of a MultiPolygon one
 * footprint with its holes, laid out --copies times (default 16) side by
 * side; --source FILE takes every polygon of another OGR file instead (e.g.
 * bench_buildings' generated set). They are written once to a flat binary
 * file that bench/earcut/run.mjs reads; each side builds its inputs before
 * the clock starts, warms up, then times --passes passes (default 7) on one
 * thread in CPU time (this machine is shared: wall time would count the
 * others), and the median pass gives ns per footprint. Prints both, the
 * triangle counts and the ratio tw_triangulate / earcut (target <= 0.5).
 *
 * node and the package: `npm install --prefix bench/earcut` (the version
 * pinned in bench/earcut/package.json), or $CITYTWIN_EARCUT naming an earcut
 * package folder; without either, the earcut half is skipped with the reason
 * and only our figure is printed. Not part of CI.
 *
 * --only-tw times ours alone (for a profiler).
 *
 *   CITYTWIN_SOURCE=.. bench/bench_earcut [--copies N] [--passes N] [--source FILE] [--only-tw] */
#include "tw_triangulate.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct polys {
    double *xy;      /* x y per point */
    uint32_t *ring;  /* first point of ring r, rings + 1 */
    uint32_t *first; /* first ring of polygon p, count + 1 */
    uint32_t count, rings, points;
    uint32_t cap_xy, cap_ring, cap_first;
    long holes; /* polygons with at least one hole */
} polys;

/* CPU time of this thread: on a shared machine wall time counts the other
 * processes too (node's side counts its process's CPU time likewise). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap) return true;
    uint32_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *q = realloc(*p, (size_t)c * size);
    if (!q) return false;
    *p = q, *cap = c;
    return true;
}

static bool add_polygon(polys *s, OGRGeometryH poly, double dx, double dy)
{
    int rings = OGR_G_GetGeometryCount(poly);
    if (rings < 1) return true;
    if (!grow((void **)&s->first, &s->cap_first, s->count + 2, sizeof *s->first) ||
        !grow((void **)&s->ring, &s->cap_ring, s->rings + (uint32_t)rings + 1, sizeof *s->ring))
        return false;
    if (s->count == 0) s->first[0] = 0, s->ring[0] = 0;
    for (int r = 0; r < rings; r++) {
        OGRGeometryH g = OGR_G_GetGeometryRef(poly, r);
        int n = OGR_G_GetPointCount(g);
        if (!grow((void **)&s->xy, &s->cap_xy, 2 * (s->points + (uint32_t)n), sizeof *s->xy))
            return false;
        for (int i = 0; i < n; i++) {
            s->xy[2 * s->points] = OGR_G_GetX(g, i) + dx;
            s->xy[2 * s->points + 1] = OGR_G_GetY(g, i) + dy;
            s->points++;
        }
        s->ring[++s->rings] = s->points;
    }
    s->first[++s->count] = s->rings;
    s->holes += rings > 1;
    return true;
}

/* Every polygon of path in EPSG:5186, moved by (dx, dy) after its middle
 * (mid, from the first file read) is taken off. */
static bool read_file(polys *s, const char *path, int copies, double mid[2], bool *have_mid)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) return false;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH dst = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(dst, 5186);
    OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(l) ? OSRClone(OGR_L_GetSpatialRef(l)) : NULL;
    if (src) OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = src ? OCTNewCoordinateTransformation(src, dst) : NULL;
    OGREnvelope env;
    bool ok = true;
    if (!*have_mid && OGR_L_GetExtent(l, &env, TRUE) == OGRERR_NONE) {
        double x[1] = {(env.MinX + env.MaxX) / 2}, y[1] = {(env.MinY + env.MaxY) / 2};
        if (ct) OCTTransform(ct, 1, x, y, NULL);
        mid[0] = x[0], mid[1] = y[0], *have_mid = true;
    }
    int side = (int)ceil(sqrt(copies));
    for (int c = 0; ok && c < copies; c++) {
        double dx = -mid[0] + (c % side) * 3000.0, dy = -mid[1] + (c / side) * 3000.0;
        OGR_L_ResetReading(l);
        OGRFeatureH f;
        while (ok && (f = OGR_L_GetNextFeature(l))) {
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            if (g) {
                g = OGR_G_Clone(g);
                if (!ct || OGR_G_Transform(g, ct) == OGRERR_NONE) {
                    OGRwkbGeometryType ty = wkbFlatten(OGR_G_GetGeometryType(g));
                    if (ty == wkbPolygon) ok = add_polygon(s, g, dx, dy);
                    if (ty == wkbMultiPolygon)
                        for (int i = 0; ok && i < OGR_G_GetGeometryCount(g); i++)
                            ok = add_polygon(s, OGR_G_GetGeometryRef(g, i), dx, dy);
                }
                OGR_G_DestroyGeometry(g);
            }
            OGR_F_Destroy(f);
        }
    }
    if (ct) OCTDestroyCoordinateTransformation(ct);
    if (src) OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(dst);
    GDALClose(ds);
    return ok;
}

static bool write_polys(const polys *s, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    uint32_t h[3] = {s->count, s->rings, s->points};
    bool ok = fwrite("CTEC", 1, 4, f) == 4 && fwrite(h, 4, 3, f) == 3 &&
              fwrite(s->first, 4, s->count + 1, f) == s->count + 1 &&
              fwrite(s->ring, 4, s->rings + 1, f) == s->rings + 1 &&
              fwrite(s->xy, 8, 2 * (size_t)s->points, f) == 2 * (size_t)s->points;
    return fclose(f) == 0 && ok;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One pass of tw_triangulate over every polygon: seconds, triangles. */
static double tw_pass(const polys *s, tw_tri_out *out, int *starts, long *tris)
{
    double t0 = cpu_s();
    long t = 0;
    for (uint32_t p = 0; p < s->count; p++) {
        uint32_t r0 = s->first[p], r1 = s->first[p + 1], v0 = s->ring[r0];
        for (uint32_t r = r0; r < r1; r++) starts[r - r0] = (int)(s->ring[r] - v0);
        out->index_count = 0;
        if (tw_triangulate(s->xy + 2 * (size_t)v0, starts, (int)(r1 - r0), (int)(s->ring[r1] - v0),
                           out) == TW_OK)
            t += (long)out->index_count / 3;
    }
    *tris = t;
    return cpu_s() - t0;
}

/* The median of the passes' nanoseconds in the JSON line run.mjs printed. */
static bool parse_node(const char *line, double *median_ns, long *tris, char *version, size_t vn)
{
    const char *v = strstr(line, "\"version\":\""), *t = strstr(line, "\"triangles\":"),
               *ns = strstr(line, "\"ns\":[");
    if (!v || !t || !ns) return false;
    v += 11;
    size_t k = 0;
    while (v[k] && v[k] != '"' && k + 1 < vn) version[k] = v[k], k++;
    version[k] = 0;
    *tris = atol(t + 12);
    double vals[256];
    int n = 0;
    for (const char *p = ns + 6; *p && *p != ']' && n < 256;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p) break;
        vals[n++] = x;
        p = *end == ',' ? end + 1 : end;
    }
    if (n == 0) return false;
    qsort(vals, (size_t)n, sizeof *vals, cmp_double);
    *median_ns = vals[n / 2];
    return true;
}

int main(int argc, char **argv)
{
    int copies = 16, passes = 7;
    const char *source = NULL;
    bool only_tw = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--copies") == 0 && i + 1 < argc)
            copies = atoi(argv[++i]);
        else if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
            passes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
            source = argv[++i];
        else if (strcmp(argv[i], "--only-tw") == 0)
            only_tw = true;
        else {
            fprintf(stderr, "usage: bench_earcut [--copies N] [--passes N] [--source FILE] "
                            "[--only-tw]\n");
            return 2;
        }
    }
    if (copies < 1) copies = 1;
    if (passes < 1 || passes > 200) passes = 7;
    const char *root = getenv("CITYTWIN_SOURCE") ? getenv("CITYTWIN_SOURCE") : ".";
    GDALAllRegister();
    polys s = {0};
    double mid[2] = {0, 0};
    bool have_mid = false, ok = true;
    char path[2048];
    if (source) {
        ok = read_file(&s, source, copies, mid, &have_mid);
    } else {
        static const char *const files[] = {"incheon_cheongna_buildings_2p5km.geojson",
                                            "seoul_yeouido_osm_buildings.geojson"};
        for (int i = 0; ok && i < 2; i++) {
            snprintf(path, sizeof path, "%s/assets/data/buildings/%s", root, files[i]);
            ok = read_file(&s, path, copies, mid, &have_mid);
        }
    }
    if (!ok || s.count == 0) {
        fprintf(stderr,
                "cannot read the footprints (%s; run from the source folder or set "
                "CITYTWIN_SOURCE)\n",
                source ? source : path);
        return 1;
    }
    printf("earcut comparison: %u footprints (%u rings, %u vertices, %ld with holes) from %s, "
           "%d copies\n",
           s.count, s.rings, s.points, s.holes, source ? source : "the real Cheongna + Yeouido",
           copies);

    /* Ours: a warm-up pass, then the timed ones. */
    int max_rings = 1;
    for (uint32_t p = 0; p < s.count; p++)
        if ((int)(s.first[p + 1] - s.first[p]) > max_rings)
            max_rings = (int)(s.first[p + 1] - s.first[p]);
    int *starts = malloc((size_t)max_rings * sizeof *starts);
    tw_tri_out out = {0};
    long tw_tris = 0;
    double t[256];
    if (!starts) return 1;
    tw_pass(&s, &out, starts, &tw_tris);
    for (int i = 0; i < passes; i++) t[i] = tw_pass(&s, &out, starts, &tw_tris);
    qsort(t, (size_t)passes, sizeof *t, cmp_double);
    double tw_ns = t[passes / 2] * 1e9 / s.count;
    printf("  tw_triangulate: %.0f ns per footprint (median of %d passes, one thread, CPU "
           "time; %ld triangles)\n",
           tw_ns, passes, tw_tris);
    free(starts);
    tw_tri_out_free(&out);
    if (only_tw) return 0;

    /* earcut under node, on the same polygons. */
    char dir[] = "/tmp/bench-earcut-XXXXXX", bin[64], cmd[8192];
    if (!mkdtemp(dir)) return 1;
    snprintf(bin, sizeof bin, "%s/polygons.bin", dir);
    if (!write_polys(&s, bin)) {
        fprintf(stderr, "cannot write %s\n", bin);
        return 1;
    }
    const char *pkg = getenv("CITYTWIN_EARCUT");
    snprintf(cmd, sizeof cmd,
             "command -v node >/dev/null 2>&1 && node '%s/bench/earcut/run.mjs' '%s' %d %s%s%s "
             "'%s/bench/earcut/node_modules/earcut' \"$(npm root -g 2>/dev/null)/earcut\" "
             "2>&1",
             root, bin, passes, pkg ? "'" : "", pkg ? pkg : "", pkg ? "'" : "", root);
    FILE *p = popen(cmd, "r");
    char line[16384] = "";
    if (p) {
        if (!fgets(line, sizeof line, p)) line[0] = 0;
        pclose(p);
    }
    unlink(bin);
    rmdir(dir);
    double js_ns = 0;
    long js_tris = 0;
    char version[32];
    if (!line[0]) {
        printf("  earcut: skipped (node is not installed)\n");
        return 0;
    }
    if (!parse_node(line, &js_ns, &js_tris, version, sizeof version)) {
        line[strcspn(line, "\n")] = 0;
        const char *e = strstr(line, "\"error\":\""), *why = e ? e + 9 : line;
        int len = (int)strcspn(why, "\"");
        printf("  earcut: skipped (%.*s; npm install --prefix bench/earcut)\n", len, why);
        return 0;
    }
    js_ns /= s.count;
    printf("  earcut %s (npm, node): %.0f ns per footprint (median of %d passes, after 3 "
           "warm-up passes, CPU time; %ld triangles)\n",
           version, js_ns, passes, js_tris);
    printf("  ratio tw_triangulate / earcut: %.2f (target <= 0.5)\n", tw_ns / js_ns);
    return 0;
}
