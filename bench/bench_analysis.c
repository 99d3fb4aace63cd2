/* bench/analysis (sun part): sun hours of a 1 km² district at 1 m with 97
 * steps (the winter solstice 08:00-16:00 every 5 minutes) against floors
 * measured in the same run.
 *
 * The district is the square kilometre around the centre of Cheongna
 * (assets/data/buildings, heights from height_m, flat ground), with the
 * surface model grown towards the sun by up to 1 km as the sun_hours layer
 * does. The time covers what the layer's worker does: the surface model,
 * facade points, 97 sweeps and the facade tests.
 *
 * Two floors, each 97 x one depth image of the same district at 1 m:
 *  - the GL floor, the one the issue names: 97 x one shadow-map render of
 *    the district's prisms by the app's depth pass (shaders/shadow.*, the
 *    state of render/rn_shadow.c) into a 1000 x 1000 depth texture of 1 m
 *    texels over the square, each ended by glFinish, in wall time
 *    (bench_analysis_gl.c). Here GL is llvmpipe, a CPU rasterizer on its
 *    own threads (the machine's cores, shared with whatever else runs), so
 *    it is compared with the sun hours' wall time. Without a GL context it
 *    prints NaN and the rest runs.
 *  - the CPU floor, the stricter one: the obstacles rasterized onto the
 *    1000 x 1000 grid (tw_obstacles_rasterize), which is what a shadow-map
 *    pass of these prisms rasterizes, without the vertex work, the depth
 *    test's interpolation or the driver, on one thread. It and the sun
 *    hours are timed in thread CPU time (the shared machine's load
 *    inflates wall time) and in wall time.
 * Target ratio <= 1.5; every ratio is printed. The CPU floor's buffer,
 * the surface model and the results come from tw_sunhours_alloc.
 *
 *   bench_analysis [--source DIR] [--check] [--runs N] [--no-gl]
 *   (source default: CITYTWIN_SOURCE or .; N measurements, 1-64, each
 *   cold: fresh buffers; with N > 1, best / median / worst are printed)
 *
 * --check also runs the full sweep (untimed) and prints how many cells and
 * facade points the two engines disagree on. The first line's results
 * hash (over every cell's and facade point's fields) tells whether a
 * change to the engine left its results bit-identical. */
#include "bench_analysis_gl.h"
#include "tw_obstacles.h"
#include "tw_sun.h"
#include "tw_sunhours.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { STEPS = 97 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* This thread's CPU time: what a loaded machine does not inflate. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Footprints (outer rings of every polygon) within 2.5 km of (cx, cy). */
static tw_obstacles *load(const char *path, double cx, double cy)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) return NULL;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL), tm = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs, 4326), OSRImportFromEPSG(tm, 5186);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(tm, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(wgs, tm);
    int cap = 1 << 16, pcap = 1 << 20, n = 0, np = 0;
    int *rf = malloc((size_t)cap * sizeof *rf), *rs = malloc((size_t)cap * sizeof *rs);
    double *xy = malloc((size_t)pcap * 2 * sizeof *xy);
    float *base = calloc((size_t)cap, sizeof *base), *top = malloc((size_t)cap * sizeof *top);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        int hi = OGR_F_GetFieldIndex(f, "height_m");
        double h = hi >= 0 && OGR_F_IsFieldSetAndNotNull(f, hi) ? OGR_F_GetFieldAsDouble(f, hi) : 0;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (h <= 0 || !g) {
            OGR_F_Destroy(f);
            continue;
        }
        g = OGR_G_Clone(g);
        OGR_G_Transform(g, ct);
        int parts =
            wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon ? OGR_G_GetGeometryCount(g) : 1;
        for (int p = 0; p < parts && n < cap - 1; p++) {
            OGRGeometryH poly = parts > 1 || wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon
                                    ? OGR_G_GetGeometryRef(g, p)
                                    : g;
            OGRGeometryH ring = OGR_G_GetGeometryRef(poly, 0);
            int k = ring ? OGR_G_GetPointCount(ring) : 0;
            if (k < 4 || np + k > pcap) continue;
            if (fabs(OGR_G_GetX(ring, 0) - cx) > 2500 || fabs(OGR_G_GetY(ring, 0) - cy) > 2500)
                continue;
            rf[n] = n, rs[n] = np, top[n] = (float)h;
            for (int i = 0; i < k - 1; i++, np++)
                xy[2 * np] = OGR_G_GetX(ring, i), xy[2 * np + 1] = OGR_G_GetY(ring, i);
            n++;
        }
        OGR_G_DestroyGeometry(g);
        OGR_F_Destroy(f);
    }
    rf[n] = n, rs[n] = np;
    tw_obstacles *o = NULL;
    tw_obstacles_create(
        &(tw_obstacles_desc){
            .count = n, .ring_first = rf, .ring_start = rs, .xy = xy, .base = base, .top = top},
        &o);
    free(rf), free(rs), free(xy), free(base), free(top);
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(wgs), OSRDestroySpatialReference(tm);
    GDALClose(ds);
    return o;
}

/* Whether the ray towards the sun from p, at some step, passes over p's
 * own footprint below its top (the full sweep's facade test skips its own
 * building's cells). */
static int self_shaded(const tw_obstacles *o, const tw_facade_point *p, const tw_sunhours_step *st,
                       int n)
{
    int k = p->prism;
    for (int s = 0; s < n; s++) {
        if (st[s].elevation_deg <= 0) continue;
        double az = st[s].azimuth_deg * M_PI / 180, te = tan(st[s].elevation_deg * M_PI / 180);
        double ux = sin(az), uy = cos(az);
        if (p->nx * ux + p->ny * uy <= 0) continue;
        for (double t = 0.5; p->z + t * te < o->top[k] && t < 300; t += 0.5) {
            double x = p->x + ux * t, y = p->y + uy * t;
            bool in = false;
            for (int r = o->ring_first[k]; r < o->ring_end[k]; r++)
                for (int i = o->ring_start[r], j = o->ring_start[r + 1] - 1;
                     i < o->ring_start[r + 1]; j = i++) {
                    double xi = o->xy[2 * i], yi = o->xy[2 * i + 1];
                    double xj = o->xy[2 * j], yj = o->xy[2 * j + 1];
                    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
                }
            if (in) return 1;
        }
    }
    return 0;
}

/* FNV-1a over the results' fields (not their padding): equal hashes,
 * bit-identical results. */
static uint64_t hash(const tw_sunhours_result *r, int n)
{
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < n; k++) {
        uint32_t v[4] = {0, 0, 0, r[k].pass};
        memcpy(&v[0], &r[k].hours, 4), memcpy(&v[1], &r[k].hours_8_16, 4);
        memcpy(&v[2], &r[k].cont_9_15, 4);
        for (int q = 0; q < 4; q++) h = (h ^ v[q]) * 1099511628211ull;
    }
    return h;
}

/* One measurement: the floors, then sun hours as the layer's worker does
 * it; out: CPU ratio, wall ratio (CPU floor), sun hours CPU and wall
 * seconds, GL floor wall seconds, sun hours wall / GL floor. */
static tw_result one_run(const tw_obstacles *o, const tw_sunhours_step *st, double cx, double cy,
                         bool check, bool first, double out[6])
{
    const int N = 1000;
    tw_grid area = {.x0 = cx - 500, .y0 = cy - 500, .dx = 1, .dy = 1, .nx = N, .ny = N};
    /* GL floor: 97 shadow-map renders of the district's prisms. */
    double gl_s = bench_gl_floor(st, STEPS);
    /* Floor: 97 depth images of the district's prisms at 1 m. */
    float *img = tw_sunhours_alloc((size_t)N * N * sizeof *img, false);
    double t0 = now_s(), c0 = cpu_s();
    long raised = 0;
    for (int k = 0; k < STEPS; k++) {
        for (int c = 0; c < N * N; c++) img[c] = -INFINITY;
        raised += tw_obstacles_rasterize(o, &area, img);
    }
    double floor_s = now_s() - t0, floor_c = cpu_s() - c0;
    /* Sun hours, as the layer's worker does it. */
    t0 = now_s(), c0 = cpu_s();
    double margin[4] = {0};
    for (int k = 0; k < STEPS; k++) {
        if (st[k].elevation_deg <= 0) continue;
        double len = fmin(o->top_max / tan(fmax(st[k].elevation_deg, 2.0) * M_PI / 180), 1000);
        double az = st[k].azimuth_deg * M_PI / 180;
        margin[0] = fmax(margin[0], -sin(az) * len), margin[2] = fmax(margin[2], sin(az) * len);
        margin[1] = fmax(margin[1], -cos(az) * len), margin[3] = fmax(margin[3], cos(az) * len);
    }
    int mw = (int)ceil(margin[0]), ms = (int)ceil(margin[1]), me = (int)ceil(margin[2]),
        mn = (int)ceil(margin[3]);
    tw_grid g = {.x0 = area.x0 - mw,
                 .y0 = area.y0 - ms,
                 .dx = 1,
                 .dy = 1,
                 .nx = N + mw + me,
                 .ny = N + ms + mn};
    float *dsm = tw_sunhours_alloc((size_t)g.nx * g.ny * sizeof *dsm, true);
    tw_obstacles_rasterize(o, &g, dsm);
    double box[4] = {area.x0, area.y0, area.x0 + N, area.y0 + N};
    tw_facade_point *pts = NULL;
    int np = 0;
    tw_sunhours_facades(o, box, 3, 2, st, STEPS, &pts, &np);
    tw_sunhours_result *res = tw_sunhours_alloc((size_t)N * N * sizeof *res, false);
    tw_sunhours_result *pres = malloc(((size_t)np + 1) * sizeof *pres);
    tw_sunhours_desc d = {.dsm = dsm,
                          .grid = g,
                          .ax0 = mw,
                          .ay0 = ms,
                          .anx = N,
                          .any = N,
                          .steps = st,
                          .step_count = STEPS,
                          .points = pts,
                          .point_count = np,
                          .obstacles = o};
    tw_result rc = tw_sunhours_run(&d, res, pres);
    double sun_s = now_s() - t0, sun_c = cpu_s() - c0;
    double mean = 0;
    for (int c = 0; c < N * N; c++) mean += res[c].hours;
    mean /= (double)N * N;
    if (first)
        printf("bench_analysis (sun hours): %d prisms, district 1000 x 1000 at 1 m, surface model "
               "%d x %d, %d facade points, %d steps, mean %.2f h (%s), results hash %016llx\n",
               o->count, g.nx, g.ny, np, STEPS, mean, rc == TW_OK ? "ok" : "FAILED",
               (unsigned long long)(hash(res, N * N) ^ hash(pres, np) * 31));
    printf("  CPU floor: 97 x depth image of the prisms at 1 m: %.3f s CPU, %.3f s wall (%.2f ms "
           "CPU each, %ld cells raised)\n",
           floor_c, floor_s, floor_c * 1000 / STEPS, raised / STEPS);
    printf("  sun hours (one thread): %.3f s CPU, %.3f s wall (%.2f ms CPU a step)\n", sun_c, sun_s,
           sun_c * 1000 / STEPS);
    printf("  GL floor: 97 x shadow-map render of the prisms at 1 m: %.3f s wall (%.2f ms each)\n",
           gl_s, gl_s * 1000 / STEPS);
    printf("  ratio sun hours / CPU floor: %.2f on CPU time, %.2f on wall time; / GL floor: %.2f "
           "on wall time (target <= 1.5)\n",
           sun_c / floor_c, sun_s / floor_s, sun_s / gl_s);
    out[0] = sun_c / floor_c, out[1] = sun_s / floor_s, out[2] = sun_c, out[3] = sun_s;
    out[4] = gl_s, out[5] = sun_s / gl_s;
    if (check && rc == TW_OK) {
        tw_sunhours_result *r2 = tw_sunhours_alloc((size_t)N * N * sizeof *r2, false);
        tw_sunhours_result *p2 = malloc(((size_t)np + 1) * sizeof *p2);
        d.full_sweep = true;
        if (r2 && p2 && tw_sunhours_run(&d, r2, p2) == TW_OK) {
            long cells = 0, pts_off = 0, self = 0;
            double fsum = 0;
            for (int c = 0; c < N * N; c++)
                cells += fabsf(res[c].hours - r2[c].hours) > 1e-3f || res[c].pass != r2[c].pass;
            for (int k = 0; k < np; k++) {
                pts_off += fabsf(pres[k].hours - p2[k].hours) > 0.6f;
                if (fabsf(pres[k].hours - p2[k].hours) > 0.6f)
                    self += self_shaded(o, &pts[k], st, STEPS);
                fsum += pres[k].hours - p2[k].hours;
            }
            printf(
                "  check against the full sweep: %ld of %d cells differ; %ld of %d facade points "
                "differ by > 36 min (mean %+.3f h), %ld of them see their own building towards "
                "the sun at some step (the full sweep skips it)\n",
                cells, N * N, pts_off, np, np ? fsum / np : 0.0, self);
        }
        free(r2), free(p2);
    }
    free(img), free(dsm), free(pts), free(res), free(pres);
    return rc;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    bool check = false, gl = true;
    int runs = 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
            src = argv[++i];
        else if (strcmp(argv[i], "--check") == 0)
            check = true;
        else if (strcmp(argv[i], "--no-gl") == 0)
            gl = false;
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]), runs = runs < 1 ? 1 : runs > 64 ? 64 : runs;
    char path[1024];
    snprintf(path, sizeof path, "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson",
             src ? src : ".");
    GDALAllRegister();
    const double cx = 167625, cy = 548208;
    tw_obstacles *o = load(path, cx, cy);
    if (!o) {
        fprintf(stderr, "bench_analysis: cannot read %s\n", path);
        return 1;
    }
    /* The steps: Cheongna, 2026-12-22 08:00-16:00 every 5 min. */
    tw_sunhours_step st[STEPS];
    for (int k = 0; k < STEPS; k++) {
        double h = 8 + k * 5 / 60.0, a = fmax(h - 2.5 / 60, 8), b = fmin(h + 2.5 / 60, 16);
        tw_sun_pos p;
        tw_sun_position(tw_sun_epoch(2026, 12, 22, h, 9), 37.533, 126.634, &p);
        st[k] = (tw_sunhours_step){.azimuth_deg = p.azimuth_deg,
                                   .elevation_deg = p.elevation_deg,
                                   .w_total = b - a,
                                   .w_8_16 = b - a,
                                   .w_9_15 = fmax(0, fmin(b, 15) - fmax(a, 9))};
    }
    double box[4] = {cx - 500, cy - 500, cx + 500, cy + 500};
    char err[512] = "";
    long tris = 0;
    if (!gl)
        printf("GL floor: off (--no-gl)\n");
    else if (!bench_gl_init(src ? src : ".", o, box, err, sizeof err))
        printf("GL floor: no GL context here (%s): it prints NaN\n", err);
    else {
        const char *name = bench_gl_renderer(&tris);
        printf("GL floor: %s, %ld triangles, a 1000 x 1000 depth target (%ld texels covered at "
               "noon)\n",
               name, tris, bench_gl_covered(&st[STEPS / 2]));
    }
    double(*r)[6] = malloc((size_t)runs * sizeof *r);
    tw_result rc = r ? TW_OK : TW_ERR_NOMEM;
    for (int k = 0; k < runs && rc == TW_OK; k++)
        rc = one_run(o, st, cx, cy, check && k == runs - 1, k == 0, r[k]);
    if (rc == TW_OK && runs > 1) {
        static const char *what[6] = {"ratio / CPU floor (CPU)", "ratio / CPU floor (wall)",
                                      "sun hours CPU s",         "sun hours wall s",
                                      "GL floor wall s",         "ratio / GL floor (wall)"};
        double v[64];
        for (int q = 0; q < 6; q++) {
            for (int k = 0; k < runs; k++) v[k] = r[k][q];
            qsort(v, (size_t)runs, sizeof *v, cmp_d);
            printf("  %d runs, %s: best %.3f, median %.3f, worst %.3f\n", runs, what[q], v[0],
                   v[runs / 2], v[runs - 1]);
        }
    }
    free(r);
    bench_gl_done();
    tw_obstacles_release(o);
    return rc == TW_OK ? 0 : 1;
}
