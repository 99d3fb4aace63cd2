/* bench/buildings: a Seoul-scale building set against its floors, in one run.
 *
 * bench_buildings_gen makes N footprints (default 600,000; --count N or
 * $CITYTWIN_BENCH_BUILDINGS) from the real ones over a Seoul-sized extent in
 * EPSG:5186, as GPKG and FlatGeobuf (kept in --data DIR, default
 * bench-data/, so only the first run pays for them), and a smaller set of
 * --app-count footprints (default 20,000; the same generator, so a denser
 * sample of the same city is not what it is: it is the first 20,000 cells
 * of the grid spread over the same extent) for the rows that draw, since
 * llvmpipe takes about 45 s to draw the 20 M triangles of 600,000 once.
 * Then, each as a ratio to a floor measured in the same run:
 *   - load (read + transform + heights + chunks + triangulate + extrude,
 *     geo_buildings_load on one thread) / a plain OGR read of every vertex
 *     of the same file;
 *   - triangulation alone, ns per footprint on one thread;
 *   - heap per building after the load (malloc's in-use bytes), and the
 *     app's peak RSS per building;
 *   - the app (headless, 1280x720) on the app set: time to the first
 *     complete frame / the in-process load of the same file, and mean frame
 *     time / one plain draw of the same triangles (every chunk, the same
 *     fill shader, no culling) in an EGL context of this process; at an
 *     overview read whole, a street view read whole and streamed by view;
 *     also / "same": the frames after the first (which pays the first
 *     use of every mesh and state: llvmpipe compiles shaders then) / the
 *     same chunks at the same levels drawn alone (the app's
 *     CITYTWIN_PLAIN_FLOOR: after each frame the layer draws the items it
 *     just drew again in one pass, GL finished before and after: no
 *     culling, levels or sort, ground, HUD, MSAA resolve, shadow map), the
 *     issue's "plain draw of the same visible triangles"; the plain draw
 *     above draws every chunk in full, visible or not, and its rate per
 *     triangle is not that of the triangles the app keeps (most of a
 *     street view's are off screen and clipped early);
 *   - warm start from the on-disk cache / cold (a GeoJSON copy, read whole):
 *     time to the first complete frame.
 *
 *   - with --full: the app on the full set (--count, GPKG, read whole, no
 *     cache) at the overview, an oblique view (eye 2.5 km up, 10 km south
 *     of its target) and the street view, 1280x720: time to the first
 *     complete frame and mean frame time, for the deck.gl figures
 *     (13.4 s to the first frame, 9.4 s a frame with 600,000 extruded
 *     buildings on this software renderer; deck.gl itself is not run
 *     here), triangles drawn per pixel of the screen (bounded by the
 *     screen: 0.5 or less), the chunks drawn at each level, and the frame
 *     / a plain draw of as many triangles at the rate the plain draw of
 *     the app set managed in the same view (the full set's plain draw
 *     itself takes most of a minute a frame), and / the same chunks drawn
 *     alone in the app (as above). Every draw here, app and floors, goes
 *     to the same 4x multisampled 1280x720 target, without shadows (the
 *     scenes have no time).
 *
 *   bench_buildings [--count N] [--app-count N] [--data DIR] [--wait-s S]
 *                   [--no-app] [--no-fgb] [--no-load] [--full] [--repeat N]
 *                   [--block-px PX] [--far-px PX]
 *
 *   --repeat N (with --full, at most BENCH_REPEAT_MAX): the full set's
 *   three views run in turn N times, each reported for its median run by
 *   the first complete frame (with the range), and N cold / warm pairs
 *   (each cold into a cache of its own), their medians: this machine's
 *   speed drifts by tens of percent within minutes, which one run each
 *   cannot tell from a change.
 *
 *   --no-load: skips the load rows (the app's rows only).
 *   --far-px PX: the layer's far_px in every app run, as --block-px.
 *
 *   --block-px PX: the layer's block_px in every app run (0: no block
 *   level, the far boxes of every building as before it; absent: the
 *   app's default), to compare the two in the same conditions. */
#include "app_camera.h"
#include "bench_buildings_gen.h"
#include "geo_buildings.h"
#include "geo_crs.h"
#include "rn_context.h"
#include "rn_fill.h"
#include "rn_mesh.h"
#include "rn_shader.h"
#include "tw_hugepages.h"
#include "tw_run.h"
#include "tw_triangulate.h"

#include <epoxy/gl.h>
#include <gdal.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define WIDTH  1280
#define HEIGHT 720
#define BENCH_REPEAT_MAX 9

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && st.st_size > 0;
}

/* CPU seconds of the whole process (every thread), and of this thread: on
 * a shared machine they tell the work apart from the waiting. */
static double cpu_s(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Resident memory now (VmRSS), bytes. */
static double rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = NAN;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atof(line + 6);
    if (f) fclose(f);
    return kb * 1024;
}

static double heap_bytes(void)
{
    struct mallinfo2 m = mallinfo2();
    return (double)m.uordblks + (double)m.hblkhd;
}

/* The floor: every feature's every vertex through OGR, nothing else. */
static double plain_read(const char *path, long *features, long *vertices, double *cpu)
{
    double t0 = now_s(), c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID), sum = 0;
    *features = *vertices = 0;
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) return NAN;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRFeatureH f;
    double *xy = NULL;
    int cap = 0;
    while ((f = OGR_L_GetNextFeature(l))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        int parts = g && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon
                        ? OGR_G_GetGeometryCount(g)
                        : 1;
        for (int p = 0; g && p < parts; p++) {
            OGRGeometryH poly = parts > 1 || wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon
                                    ? OGR_G_GetGeometryRef(g, p)
                                    : g;
            for (int r = 0; r < OGR_G_GetGeometryCount(poly); r++) {
                OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
                int np = OGR_G_GetPointCount(ring);
                if (np > cap) {
                    cap = np * 2;
                    xy = realloc(xy, (size_t)cap * 2 * sizeof *xy);
                }
                OGR_G_GetPoints(ring, xy, 2 * sizeof *xy, xy + 1, 2 * sizeof *xy, NULL, 0);
                for (int i = 0; i < np; i++) sum += xy[2 * i] - xy[2 * i + 1];
                *vertices += np;
            }
        }
        (*features)++;
        OGR_F_Destroy(f);
    }
    free(xy);
    GDALClose(ds);
    if (sum == 42.0) fprintf(stderr, " "); /* keep the sum alive */
    *cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    return now_s() - t0;
}

/* Every footprint of a loaded set triangulated again on this thread. */
static double triangulate_all(const geo_buildings *b, long *tris)
{
    const geo_polygons *p = &b->polys;
    tw_tri_out out = {0};
    int starts[4096];
    double t0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    *tris = 0;
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *g = &p->features[f];
        int r = g->ring_first, end = g->ring_first + g->ring_count;
        while (r < end) {
            int k = 0, base = p->ring_start[r];
            do starts[k++] = p->ring_start[r] - base;
            while (++r < end && !p->ring_outer[r] && k < 4096);
            out.index_count = 0;
            if (tw_triangulate(p->xy + 2 * base, starts, k, p->ring_start[r] - base, &out) == TW_OK)
                *tris += (long)out.index_count / 3;
        }
    }
    double t = cpu_s(CLOCK_THREAD_CPUTIME_ID) - t0;
    tw_tri_out_free(&out);
    return t;
}

/* Every footprint's far box (geo_buildings_obox) again on this thread;
 * the sum of their lost area keeps the work alive. */
static double oboxes_all(const geo_buildings *b, double *lost)
{
    double q[4][2], t0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    *lost = 0;
    for (int f = 0; f < b->polys.count; f++) *lost += geo_buildings_obox(&b->polys, f, q);
    return cpu_s(CLOCK_THREAD_CPUTIME_ID) - t0;
}

typedef struct loaded {
    double seconds, cpu, heap, rss;
    long features, triangles;
    geo_buildings b;
    bool ok;
} loaded;

static loaded load(const char *path, const geo_frame *frame)
{
    loaded r = {0};
    geo_buildings_desc d = {.src = {.path = path}};
    char err[512] = "";
    malloc_trim(0);
    double h0 = heap_bytes(), r0 = rss_bytes(), t0 = now_s(), c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    r.ok = geo_buildings_load(&d, frame, &r.b, err, sizeof err) == TW_OK;
    r.seconds = now_s() - t0;
    r.cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    r.heap = heap_bytes() - h0;
    malloc_trim(0);
    r.rss = rss_bytes() - r0;
    if (!r.ok) {
        fprintf(stderr, "load %s: %s\n", path, err);
        return r;
    }
    r.features = r.b.polys.count;
    for (int k = 0; k < r.b.chunk_count; k++)
        r.triangles +=
            (long)(r.b.chunks[k].roofs.index_count + r.b.chunks[k].walls.index_count) / 3;
    return r;
}

static void look(app_camera *cam, const double eye[3], const double target[3])
{
    app_camera_default(cam);
    app_camera_look(cam, eye, target);
}

/* The floor frame: every chunk of b with the fill shader, no culling, the
 * same view the app computes for the bookmark; mean ms per frame. */
static double plain_draw(const geo_buildings *b, const double eye[3], const double target[3],
                         int frames)
{
    app_camera cam;
    look(&cam, eye, target);
    rn_view v = {0};
    app_camera_eye(&cam, v.eye);
    double near_m = fmin(fmax(fmin(v.eye[2], cam.distance) * 0.05, 0.5), 2000.0);
    app_camera_view_proj(&cam, WIDTH, HEIGHT, near_m, cam.distance * 20 + cam.distance * 12,
                         v.view_proj);
    v.width = WIDTH;
    v.height = HEIGHT;
    v.sun[0] = 0.5f, v.sun[1] = -0.5f, v.sun[2] = 0.7071f;
    v.exaggeration = 1;
    v.sky[0] = v.sky[1] = v.sky[2] = 0.8f;
    v.fog_start = 1e9f, v.fog_end = 2e9f;
    int n = 2 * b->chunk_count;
    rn_fill_item *items = calloc((size_t)n, sizeof *items);
    /* The meshes are raised and coloured by a table, as in the app. */
    geo_buildings_row *rows = calloc((size_t)b->polys.count + 1, sizeof *rows);
    if (!items || !rows) return free(items), free(rows), NAN;
    for (int f = 0; f < b->polys.count; f++) {
        geo_buildings_row_raise(&rows[f], 0, b->height[f], 1);
        memset(rows[f].rgba, 220, 4);
    }
    rn_table table = rn_table_make(rows, (uint32_t)b->polys.count);
    free(rows);
    for (int k = 0; k < b->chunk_count; k++)
        for (int m = 0; m < 2; m++)
            items[2 * k + m] =
                (rn_fill_item){.mesh = rn_mesh_make(m ? &b->chunks[k].roofs : &b->chunks[k].walls),
                               .origin = {b->chunks[k].origin[0], b->chunks[k].origin[1], 0},
                               .opacity = 1,
                               .flat_normals = true,
                               .table = &table,
                               .table_first = (uint32_t)b->chunks[k].f0};
    glViewport(0, 0, WIDTH, HEIGHT);
    glFinish();
    double t0 = now_s();
    for (int i = 0; i < frames; i++) {
        glClearColor(0.8f, 0.8f, 0.8f, 1);
        glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
        rn_fill_draw(&v, items, n);
        glFinish();
    }
    double ms = (now_s() - t0) * 1000 / frames;
    for (int i = 0; i < n; i++) rn_mesh_destroy(items[i].mesh);
    rn_table_destroy(&table);
    free(items);
    return ms;
}

static char g_block[128]; /* --block-px, --far-px as scene keys, or empty */

/* Every app run here says "upload_mb": 0: the chunks a frame draws go up
 * when first drawn, as by default, but none in the background after the
 * first complete frame, so the frames timed after it are frames of
 * drawing, not of uploading chunks the view does not draw (16 MB a frame
 * by default, about 0.1 s of fresh pages on llvmpipe, for several seconds
 * at 600,000). Peak RSS is then that of the drawn set and the CPU copies
 * of the rest, about what the default reaches once all is up. */

typedef struct app_run {
    double complete_ms, frame_ms, steady_ms, same_ms;
    double context_ms; /* the GL context made: the load starts */
    /* The first complete frame, or the cache's write after it (a large
     * read's: app_buildings_write.c) when that ends later: the issue's
     * cold ingest ends when both are done. */
    double ingest_ms;
    long peak_kb, drawn, triangles, features, far_chunks, block_chunks, chunks, draw_calls;
    char cache[16];
    bool ok;
} app_run;

static double jget(json_object *o, const char *a, const char *b)
{
    json_object *x, *y;
    if (!o || !json_object_object_get_ex(o, a, &x)) return NAN;
    if (!b) return json_object_get_double(x);
    return json_object_object_get_ex(x, b, &y) ? json_object_get_double(y) : NAN;
}

static app_run run_app(const char *source, const char *keys, const double eye[3],
                       const double target[3], double wait_s)
{
    app_run res = {0};
    char scene[600], rep[600], err[600], args[2000];
    snprintf(scene, sizeof scene, "%s/bench.json", tw_run_tmpdir());
    snprintf(rep, sizeof rep, "%s/bench.report.json", tw_run_tmpdir());
    snprintf(err, sizeof err, "%s/bench.err", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    if (!f) return res;
    fprintf(f,
            "{ \"name\": \"bench\", \"crs\": \"EPSG:5186\",\n"
            "  \"layers\": [ { \"kind\": \"buildings\", \"source\": \"%s\", \"upload_mb\": 0 %s%s "
            "} ],\n"
            "  \"bookmarks\": [ { \"name\": \"view\", \"eye\": [%.1f, %.1f, %.1f],"
            " \"target\": [%.1f, %.1f, %.1f] } ] }\n",
            source, keys, g_block, eye[0], eye[1], eye[2], target[0], target[1], target[2]);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --size %dx%d --wait-s %g --report '%s' --bookmark view '%s'", WIDTH,
             HEIGHT, wait_s, rep, scene);
    int rc = tw_run_citytwin(args, err);
    json_object *r = tw_run_load_json(rep);
    json_object *l = r ? tw_run_layer(r, "buildings") : NULL;
    if (rc != 0 || !l) {
        char *text = tw_run_read_text(err);
        fprintf(stderr, "run failed (%d): %s\n", rc, text ? text : "");
        free(text);
        json_object_put(r);
        return res;
    }
    res.ok = true;
    res.complete_ms = jget(r, "complete_frame_ms", NULL);
    res.context_ms = jget(r, "context_ms", NULL);
    double written = jget(l, "cache_written_ms", NULL);
    res.ingest_ms = isfinite(written) && written > res.complete_ms ? written : res.complete_ms;
    res.frame_ms = jget(r, "frames", "mean_ms");
    res.same_ms = jget(l, "plain_ms", NULL);
    res.steady_ms = jget(r, "frames", "mean_after_first_ms");
    res.peak_kb = (long)jget(r, "memory", "peak_rss_kb");
    res.drawn = (long)jget(l, "drawn", NULL);
    res.triangles = (long)jget(l, "triangles", NULL);
    res.features = (long)jget(l, "features", NULL);
    res.far_chunks = (long)jget(l, "far_chunks", NULL);
    res.block_chunks = (long)jget(l, "block_chunks", NULL);
    res.chunks = (long)jget(l, "chunks_drawn", NULL);
    res.draw_calls = (long)jget(l, "draw_calls", NULL);
    json_object *c;
    if (json_object_object_get_ex(l, "cache", &c))
        snprintf(res.cache, sizeof res.cache, "%s", json_object_get_string(c));
    json_object_put(r);
    return res;
}

/* Both files of a count, made when missing. */
static bool dataset(const char *real, const char *assets, long count, char *gpkg, char *fgb,
                    size_t n)
{
    snprintf(gpkg, n, "%s/seoul_buildings_%ld.gpkg", real, count);
    snprintf(fgb, n, "%s/seoul_buildings_%ld.fgb", real, count);
    if (exists(gpkg) && exists(fgb)) return true;
    char err[512] = "";
    bbg_counts c;
    double t0 = now_s();
    if (!bbg_generate(assets, count, gpkg, fgb, &c, err, sizeof err)) {
        fprintf(stderr, "generator: %s\n", err);
        return false;
    }
    fprintf(stderr,
            "generated %ld footprints from %ld real ones in %.1f s: %ld with a hole, %ld "
            "MultiPolygons, %ld invalid, %ld without a height\n",
            c.features, c.templates, now_s() - t0, c.holes, c.multis, c.invalid, c.null_heights);
    return true;
}

static void app_row(const char *name, app_run a, double load_s, double floor_ms)
{
    if (!a.ok) {
        printf("%-22s failed\n", name);
        return;
    }
    printf("%-22s %7.0fms %6.2fx %7.1fms %6.2fx %7.1fms %6.2fx %7.1fms %8ld %10ld %6.0fB %s\n",
           name, a.complete_ms, a.complete_ms / 1000 / load_s, a.frame_ms, a.frame_ms / floor_ms,
           floor_ms, a.steady_ms / a.same_ms, a.same_ms, a.drawn, a.triangles,
           a.peak_kb * 1024.0 / (double)(a.features > 0 ? a.features : 1), a.cache);
}

int main(int argc, char **argv)
{
    tw_hugepages_reexec(argv); /* as the app runs (app/main.c) */
    setvbuf(stdout, NULL, _IOLBF, 0);
    long count =
        getenv("CITYTWIN_BENCH_BUILDINGS") ? atol(getenv("CITYTWIN_BENCH_BUILDINGS")) : 600000;
    long app_count = 20000;
    const char *data = "bench-data";
    double wait_s = 2;
    bool with_app = true, with_fgb = true, full = false, with_load = true;
    int repeat = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atol(argv[++i]);
        else if (strcmp(argv[i], "--app-count") == 0 && i + 1 < argc)
            app_count = atol(argv[++i]);
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--wait-s") == 0 && i + 1 < argc)
            wait_s = atof(argv[++i]);
        else if (strcmp(argv[i], "--no-app") == 0)
            with_app = false;
        else if (strcmp(argv[i], "--no-fgb") == 0)
            with_fgb = false;
        else if (strcmp(argv[i], "--full") == 0)
            full = true;
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-load") == 0)
            with_load = false;
        else if ((strcmp(argv[i], "--block-px") == 0 || strcmp(argv[i], "--far-px") == 0) &&
                 i + 1 < argc) {
            size_t at = strlen(g_block);
            snprintf(g_block + at, sizeof g_block - at, ", \"%s_px\": %g",
                     argv[i][2] == 'b' ? "block" : "far", atof(argv[i + 1]));
            i++;
        }
    }
    repeat = repeat < 1 ? 1 : repeat > BENCH_REPEAT_MAX ? BENCH_REPEAT_MAX : repeat;
    count = count < 100 ? 100 : count;
    app_count = app_count < 100 ? 100 : app_count > count ? count : app_count;
    const char *src = getenv("CITYTWIN_SOURCE") ? getenv("CITYTWIN_SOURCE") : ".";
    GDALAllRegister();
    char cmd[3 * PATH_MAX], gpkg[PATH_MAX + 64], fgb[PATH_MAX + 64], agpkg[PATH_MAX + 64],
        afgb[PATH_MAX + 64], assets[1200], real[PATH_MAX];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", data);
    tw_run_shell(cmd);
    if (!realpath(data, real)) return 1;
    snprintf(assets, sizeof assets, "%s/assets/data/buildings", src);
    if (!dataset(real, assets, count, gpkg, fgb, sizeof gpkg) ||
        !dataset(real, assets, app_count, agpkg, afgb, sizeof agpkg))
        return 1;
    geo_frame *frame = NULL;
    char err[512];
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK) {
        fprintf(stderr, "frame: %s\n", err);
        return 1;
    }
    struct stat st1, st2;
    stat(gpkg, &st1);
    stat(fgb, &st2);
    printf("bench/buildings: %ld footprints over Seoul's extent (EPSG:5186); GPKG %.0f MB, "
           "FlatGeobuf %.0f MB\n\n",
           count, st1.st_size / 1e6, st2.st_size / 1e6);
    const char *paths[2] = {gpkg, fgb}, *names[2] = {"GPKG", "FlatGeobuf"};
    double gpkg_read_s = NAN; /* the plain read of the whole GPKG */
    for (int k = 0; k < (!with_load ? 0 : with_fgb ? 2 : 1); k++) {
        long nf, nv;
        double floor_cpu;
        plain_read(paths[k], &nf, &nv, &floor_cpu); /* warms the page cache */
        double floor_s = plain_read(paths[k], &nf, &nv, &floor_cpu);
        if (k == 0) gpkg_read_s = floor_s;
        loaded r = load(paths[k], frame);
        if (!r.ok) continue;
        printf("%-10s plain OGR read %7.0f ms, %7.0f ms CPU (%ld features, %ld vertices)\n",
               names[k], floor_s * 1000, floor_cpu * 1000, nf, nv);
        printf("%-10s load+triangulate %5.0f ms  = %5.2fx the plain read; CPU %5.0f ms (all "
               "threads) = %5.2fx; %ld buildings, %ld triangles, %d chunks, %d repaired, %d "
               "roofless\n",
               names[k], r.seconds * 1000, r.seconds / floor_s, r.cpu * 1000, r.cpu / floor_cpu,
               r.features, r.triangles, r.b.chunk_count, r.b.repaired, r.b.roofless);
        printf("%-10s heap after load  %5.0f MB  = %5.0f bytes per building; RSS +%5.0f MB = "
               "%5.0f bytes per building\n",
               names[k], r.heap / 1048576, r.heap / (double)r.features, r.rss / 1048576,
               r.rss / (double)r.features);
        if (k == 0) {
            long tris;
            /* The best of five: the machine is shared. */
            double t = HUGE_VAL;
            for (int rep = 0; rep < 5; rep++) t = fmin(t, triangulate_all(&r.b, &tris));
            printf("triangulation alone (one thread, CPU time, best of 5): %.0f ns per footprint "
                   "(%ld triangles)\n",
                   t * 1e9 / (double)r.features, tris);
            double lost;
            t = HUGE_VAL;
            for (int rep = 0; rep < 5; rep++) t = fmin(t, oboxes_all(&r.b, &lost));
            printf("far boxes alone (one thread, CPU time, best of 5): %.0f ns per footprint "
                   "(%.0f m2 over the footprints' area)\n",
                   t * 1e9 / (double)r.features, lost);
        }
        geo_buildings_free(&r.b);
        printf("\n");
    }
    if (!with_app) {
        geo_frame_destroy(frame);
        tw_run_finish(0);
        return 0;
    }
    /* The drawing rows, on the app set. */
    loaded keep = load(agpkg, frame);
    /* Overview, street, oblique (eye 2.5 km up, 10 km south of its target). */
    double eyes[3][3] = {{198000, 545000, 60000}, {197600, 550200, 120}, {198000, 541000, 2500}};
    double targets[3][3] = {{198000, 551000, 0}, {198000, 550800, 10}, {198000, 551000, 0}};
    double floor_ms[3] = {NAN, NAN, NAN};
    long floor_tris = keep.triangles;
    rn_context *ctx = NULL;
    char shaders[1300];
    snprintf(shaders, sizeof shaders, "%s/shaders", src);
    rn_shader_set_dir(shaders);
    if (keep.ok &&
        rn_context_create(&(rn_context_desc){.width = WIDTH, .height = HEIGHT, .headless = true},
                          &ctx, err, sizeof err) == TW_OK &&
        rn_mesh_setup((uint32_t)keep.b.chunk_count * 2 + 16) == TW_OK &&
        rn_fill_setup(err, sizeof err) == TW_OK) {
        double *base = calloc((size_t)keep.features + 1, sizeof *base);
        geo_buildings_raise(&keep.b, base, 1);
        free(base);
        for (int v = 0; v < 3; v++) {
            rn_context_begin_frame(ctx);
            floor_ms[v] = plain_draw(&keep.b, eyes[v], targets[v], v ? 10 : 5);
            rn_context_end_frame(ctx);
        }
        rn_fill_shutdown();
        rn_mesh_shutdown();
    } else if (keep.ok) {
        printf("no headless GL here (%s): frame floors are NaN\n", err);
    }
    if (ctx) rn_context_destroy(ctx);
    if (!keep.ok || !tw_run_bin()) {
        printf("CITYTWIN_BIN not set or the app set did not load: the app's rows are skipped\n");
        if (keep.ok) geo_buildings_free(&keep.b);
        geo_frame_destroy(frame);
        tw_run_finish(0);
        return 0;
    }
    /* The GL driver's shader cache (Mesa's, under XDG_CACHE_HOME unless
     * MESA_SHADER_CACHE_DIR says) belongs to the machine, not to the data:
     * every run below keeps the one the user's runs use, though the cache
     * runs take an XDG_CACHE_HOME of their own. Else a cold run would
     * compile the GL's shader variants (about 0.25 s of CPU on the main
     * thread, beside the load) as only a first start on a machine does;
     * that case is its own row at the end. */
    if (!getenv("MESA_SHADER_CACHE_DIR")) {
        char gl[PATH_MAX + 64];
        const char *xdg0 = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (xdg0 && xdg0[0] == '/')
            snprintf(gl, sizeof gl, "%s/mesa_shader_cache", xdg0);
        else if (home && home[0] == '/')
            snprintf(gl, sizeof gl, "%s/.cache/mesa_shader_cache", home);
        else
            snprintf(gl, sizeof gl, "%s/gl_shader_cache", tw_run_tmpdir());
        setenv("MESA_SHADER_CACHE_DIR", gl, 1);
    }
    printf("the app, %ld footprints (GPKG; in-process load %.0f ms), %dx%d:\n", keep.features,
           keep.seconds * 1000, WIDTH, HEIGHT);
    printf("%-22s %9s %7s %9s %7s %9s %7s %9s %8s %10s %7s\n", "view", "complete", "/load", "frame",
           "/plain", "plain", "/same", "same", "drawn", "triangles", "RSS/bld");
    /* The app's buildings time the chunks they drew, drawn again alone. */
    setenv("CITYTWIN_PLAIN_FLOOR", "1", 1);
    app_row("overview, whole",
            run_app(agpkg, ", \"stream\": false, \"cache\": false", eyes[0], targets[0], wait_s),
            keep.seconds, floor_ms[0]);
    app_row("street, whole",
            run_app(agpkg, ", \"stream\": false, \"cache\": false", eyes[1], targets[1], wait_s),
            keep.seconds, floor_ms[1]);
    app_row("street, streamed", run_app(agpkg, "", eyes[1], targets[1], wait_s), keep.seconds,
            floor_ms[1]);
    app_row("oblique, whole",
            run_app(agpkg, ", \"stream\": false, \"cache\": false", eyes[2], targets[2], wait_s),
            keep.seconds, floor_ms[2]);
    /* The cache: a GeoJSON copy read whole, cold then warm. */
    char gj[PATH_MAX + 64], xdg[700];
    snprintf(gj, sizeof gj, "%s/seoul_buildings_%ld.geojson", real, app_count);
    if (!exists(gj)) {
        snprintf(cmd, sizeof cmd, "ogr2ogr -f GeoJSON '%s' '%s' > /dev/null 2>&1", gj, agpkg);
        tw_run_shell(cmd);
    }
    snprintf(xdg, sizeof xdg, "%s/xdg", tw_run_tmpdir());
    setenv("XDG_CACHE_HOME", xdg, 1);
    app_run cold = run_app(gj, "", eyes[0], targets[0], wait_s);
    app_run warm = run_app(gj, "", eyes[0], targets[0], wait_s);
    app_row("overview, GeoJSON cold", cold, keep.seconds, floor_ms[0]);
    app_row("overview, GeoJSON warm", warm, keep.seconds, floor_ms[0]);
    if (cold.ok && warm.ok)
        printf("warm start (cache %s) / cold (%s): %.2fx to the first complete frame from the "
               "GL context (%.0f / %.0f ms; from process start %.2fx)\n",
               warm.cache, cold.cache,
               (warm.complete_ms - warm.context_ms) / (cold.ingest_ms - cold.context_ms),
               warm.complete_ms - warm.context_ms, cold.ingest_ms - cold.context_ms,
               warm.complete_ms / cold.ingest_ms);
    if (full) {
        /* The whole set in the app: what deck.gl's figures are about. */
        const char *views[3] = {"overview", "street", "oblique"};
        /* --repeat N: the views in turn N times (the machine's speed
         * drifts by tens of percent within minutes), each printed for its
         * median run by the first complete frame, with the range. */
        app_run all[3][BENCH_REPEAT_MAX];
        for (int r = 0; r < repeat; r++)
            for (int v = 0; v < 3; v++)
                all[v][r] = run_app(gpkg, ", \"stream\": false, \"cache\": false", eyes[v],
                                    targets[v], wait_s);
        for (int v = 0; v < 3; v++) {
            double t[BENCH_REPEAT_MAX];
            int m = 0;
            for (int r = 0; r < repeat; r++)
                if (all[v][r].ok) t[m++] = all[v][r].complete_ms;
            if (!m) {
                printf("full set in the app, %s: failed\n", views[v]);
                continue;
            }
            qsort(t, (size_t)m, sizeof *t, cmp_double);
            app_run a = all[v][0];
            for (int r = 0; r < repeat; r++)
                if (all[v][r].ok && all[v][r].complete_ms == t[(m - 1) / 2]) a = all[v][r];
            if (m > 1)
                printf("full set, %s: first complete frame over %d runs: median %.2f s, %.2f to "
                       "%.2f s (the run below is the median one)\n",
                       views[v], m, t[(m - 1) / 2] / 1000, t[0] / 1000, t[m - 1] / 1000);
            /* The floor: as many triangles at the plain draw's rate of the
             * app set in the same view. */
            double plain = floor_ms[v] / (double)(floor_tris > 0 ? floor_tris : 1) * a.triangles;
            printf("full set, %ld buildings, %s %dx%d: first complete frame %.1f s (%.2fx "
                   "deck.gl's 13.4 s), %.0f ms a frame (%.2fx deck.gl's 9.4 s; %.2fx a plain "
                   "draw of as many triangles, %.0f ms; after the first frame %.0f ms, %.2fx "
                   "the same chunks drawn alone, %.0f ms), %ld drawn, %ld triangles (%.3f a "
                   "pixel), chunks %ld (far %ld, blocks %ld), %ld draw calls, peak RSS %.0f MB; "
                   "deck.gl is not run here\n",
                   a.features, views[v], WIDTH, HEIGHT, a.complete_ms / 1000, a.complete_ms / 13400,
                   a.frame_ms, a.frame_ms / 9400, a.frame_ms / plain, plain, a.steady_ms,
                   a.steady_ms / a.same_ms, a.same_ms, a.drawn, a.triangles,
                   a.triangles / (double)(WIDTH * HEIGHT), a.chunks, a.far_chunks, a.block_chunks,
                   a.draw_calls, a.peak_kb / 1024.0);
        }
        /* The cold ingest and warm start on the whole set: from the
         * GL context (the file opened) to the first complete frame of the
         * overview, cold with the cache on (every chunk built, the cache
         * written: the later of the frame and the write's end), then warm
         * from that cache. */
        /* --repeat N: N pairs, each cold into a cache folder of its own;
         * the medians of the colds and of the warms. */
        /* Each pair has its own floor, read just before it (the host's
         * speed drifts by tens of percent within minutes, and that read
         * also brings the file back into the page cache, which this VM's
         * host trims while it idles): the ratios are medians of the
         * pairs' own. */
        double cs[BENCH_REPEAT_MAX], ws[BENCH_REPEAT_MAX], cr[BENCH_REPEAT_MAX],
            wr[BENCH_REPEAT_MAX], fs[BENCH_REPEAT_MAX];
        int pairs = 0;
        app_run c = {0}, w = {0};
        for (int r = 0; r < repeat; r++) {
            char fx[760];
            snprintf(fx, sizeof fx, "%s/xdg_full%d", tw_run_tmpdir(), r);
            setenv("XDG_CACHE_HOME", fx, 1);
            long nf, nv;
            double fcpu, fl = plain_read(gpkg, &nf, &nv, &fcpu);
            app_run ci = run_app(gpkg, ", \"stream\": false", eyes[0], targets[0], wait_s);
            app_run wi = run_app(gpkg, ", \"stream\": false", eyes[0], targets[0], wait_s);
            if (!ci.ok || !wi.ok || !(fl > 0)) continue;
            c = ci, w = wi;
            cs[pairs] = (ci.ingest_ms - ci.context_ms) / 1000;
            ws[pairs] = (wi.complete_ms - wi.context_ms) / 1000;
            fs[pairs] = fl, cr[pairs] = cs[pairs] / fl, wr[pairs] = ws[pairs] / cs[pairs];
            if (repeat > 1)
                printf("full set, overview, pair %d: plain read %.2f s, cold %.2f s = %.2fx it, "
                       "warm %.2f s = %.2fx the cold\n",
                       r + 1, fl, cs[pairs], cr[pairs], ws[pairs], wr[pairs]);
            pairs++;
            /* 430 MB a cache: only the last pair's is kept. */
            if (r + 1 < repeat) {
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx);
                tw_run_shell(cmd);
            }
        }
        if (pairs) {
            qsort(cs, (size_t)pairs, sizeof *cs, cmp_double);
            qsort(ws, (size_t)pairs, sizeof *ws, cmp_double);
            qsort(cr, (size_t)pairs, sizeof *cr, cmp_double);
            qsort(wr, (size_t)pairs, sizeof *wr, cmp_double);
            qsort(fs, (size_t)pairs, sizeof *fs, cmp_double);
            double cm = cs[(pairs - 1) / 2], wm = ws[(pairs - 1) / 2];
            if (pairs > 1)
                printf("full set, overview, each pair against its own plain read (medians of "
                       "the pairs' ratios): cold ingest %.2fx the plain read (median read %.2f "
                       "s), warm start %.2fx the cold\n",
                       cr[(pairs - 1) / 2], fs[(pairs - 1) / 2], wr[(pairs - 1) / 2]);
            printf("full set, %ld buildings, overview: cold ingest (cache %s) %.2f s from the GL "
                   "context to the first complete frame and the cache written = %.2fx the plain "
                   "OGR read (%.2f s); warm "
                   "start (cache %s) %.2f s = %.2fx the cold%s; peak RSS cold %.0f MB, warm %.0f "
                   "MB\n",
                   c.features, c.cache, cm, cm / gpkg_read_s, gpkg_read_s, w.cache, wm, wm / cm,
                   pairs > 1 ? " (medians of the pairs above)" : "", c.peak_kb / 1024.0,
                   w.peak_kb / 1024.0);
            /* A first start on a machine: the GL's shader cache empty too. */
            char fx[760], gl0[PATH_MAX + 64];
            snprintf(fx, sizeof fx, "%s/xdg_first", tw_run_tmpdir());
            snprintf(gl0, sizeof gl0, "%s", getenv("MESA_SHADER_CACHE_DIR"));
            setenv("XDG_CACHE_HOME", fx, 1);
            setenv("MESA_SHADER_CACHE_DIR", fx, 1);
            app_run f1 = run_app(gpkg, ", \"stream\": false", eyes[0], targets[0], wait_s);
            setenv("MESA_SHADER_CACHE_DIR", gl0, 1);
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx);
            tw_run_shell(cmd);
            if (f1.ok)
                printf("full set, overview, a first start on a machine (the GL's shader cache "
                       "empty as well): cold ingest %.2f s = %.2fx the plain OGR read\n",
                       (f1.ingest_ms - f1.context_ms) / 1000,
                       (f1.ingest_ms - f1.context_ms) / 1000 / gpkg_read_s);
        }
    }
    geo_buildings_free(&keep.b);
    geo_frame_destroy(frame);
    tw_run_finish(0);
    return 0;
}
