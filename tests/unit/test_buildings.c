/* Buildings without GL: the shared fills and walls on the real footprints
 * (areas, containment, vertices used; wall count, vertical walls, no normals),
 * the grid chunks, heights from named fields, the common names, floors and
 * OSM text, invalid and empty geometry, the base of a building on a slope,
 * and self-intersecting footprints repaired. */
#include "geo_buildings.h"
#include "geo_gdal.h"
#include "mesh_hash.h"
#include "tw_log.h"
#include "tw_test.h"
#include "tw_triangulate.h"

#include <math.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Vertex v's x, y in metres from the mesh origin (float or int16 positions). */
static void vxy(const tw_mesh *m, uint32_t v, double out[2])
{
    if (m->xy16) {
        out[0] = (double)m->xy16[v * 2] / TW_MESH_XY16_PER_M;
        out[1] = (double)m->xy16[v * 2 + 1] / TW_MESH_XY16_PER_M;
    } else {
        out[0] = m->positions[v * 3], out[1] = m->positions[v * 3 + 1];
    }
}

/* A mesh's triangles as a uint32 list and its ids as uint32: its own
 * arrays, or unpacked from the GPU's layout (TW_MESH_GPU16: a strip then
 * a list, uint16); free with listed_free. */
typedef struct listed {
    uint32_t *ix, *ids;
    bool own;
} listed;

static listed listed_of(const tw_mesh *m)
{
    if (!(m->attrs & TW_MESH_GPU16)) return (listed){m->indices, m->ids, false};
    listed l = {malloc(((size_t)m->index_count + 1) * sizeof *l.ix),
                malloc(((size_t)m->vertex_count + 1) * sizeof *l.ids), true};
    if (!l.ix || !l.ids) abort();
    tw_mesh_unpack16(m, l.ix, l.ids);
    return l;
}

/* Vertex v's id (uint16 in the GPU's layout). */
static uint32_t id_of(const tw_mesh *m, uint32_t v)
{
    return m->id16 ? m->id16[v] : m->ids[v];
}

static void listed_free(listed *l)
{
    if (l->own) free(l->ix), free(l->ids);
    *l = (listed){0};
}

static geo_frame *frame;
static char cheongna[1024], yeouido[1024];
static char tmpdir[64];

static bool load(const char *path, const char *height, const char *floors, double floor_m,
                 geo_buildings *b, char *err, size_t n)
{
    geo_buildings_desc d = {.src = {.path = path},
                            .height_field = height,
                            .floors_field = floors,
                            .floor_height_m = floor_m,
                            .class_field = "name"};
    return geo_buildings_load(&d, frame, b, err, n) == TW_OK;
}

/* FIDs of the features OGR (GEOS) calls invalid, read here independently. */
static int invalid_fids(const char *path, long *out, int max)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) return -1;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    int n = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g && !OGR_G_IsValid(g) && n < max) out[n++] = (long)OGR_F_GetFID(f);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    return n;
}

static double tri_area(const double *a, const double *b, const double *c)
{
    return 0.5 * ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]));
}

/* The fill of every real footprint, in double precision (the triangulation
 * geo_polymesh_fill uses, part by part) and in the float mesh it builds. */
static void check_fills(const char *path)
{
    char err[512];
    geo_buildings b;
    TW_CHECK_MSG(load(path, NULL, NULL, 0, &b, err, sizeof err), "%s: %s", path, err);
    if (!b.polys.count) return;
    long bad[16];
    int nbad = invalid_fids(path, bad, 16);
    TW_CHECK(nbad >= 0);
    const geo_polygons *p = &b.polys;
    int area_off = 0, outside = 0, checked = 0;
    tw_tri_out tri = {0};
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *pf = &p->features[f];
        bool valid = true;
        for (int k = 0; k < nbad; k++) valid = valid && bad[k] != pf->fid;
        if (!valid) continue;
        checked++;
        double sum = 0;
        int end = pf->ring_first + pf->ring_count;
        for (int r0 = pf->ring_first; r0 < end;) {
            int r1 = r0 + 1;
            while (r1 < end && !p->ring_outer[r1]) r1++;
            int starts[64], nr = 0, base = p->ring_start[r0];
            for (int r = r0; r < r1 && nr < 64; r++) starts[nr++] = p->ring_start[r] - base;
            tri.index_count = 0;
            TW_CHECK(tw_triangulate(&p->xy[base * 2], starts, nr, p->ring_start[r1] - base, &tri) ==
                     TW_OK);
            for (size_t k = 0; k < tri.index_count; k += 3) {
                const double *a = &p->xy[(base + tri.indices[k]) * 2],
                             *bb = &p->xy[(base + tri.indices[k + 1]) * 2],
                             *c = &p->xy[(base + tri.indices[k + 2]) * 2];
                sum += fabs(tri_area(a, bb, c));
                double cx = (a[0] + bb[0] + c[0]) / 3, cy = (a[1] + bb[1] + c[1]) / 3;
                if (fabs(tri_area(a, bb, c)) > 1e-9 && !geo_polygon_contains(p, f, cx, cy))
                    outside++;
            }
            r0 = r1;
        }
        if (fabs(sum - pf->area) > 1e-9 * pf->area) {
            if (area_off < 3)
                fprintf(stderr, "  fid %ld: triangles %.12g m2, polygon %.12g m2\n", pf->fid, sum,
                        pf->area);
            area_off++;
        }
    }
    tw_tri_out_free(&tri);
    TW_CHECK_MSG(area_off == 0, "%s: %d of %d footprints' triangles miss their area", path,
                 area_off, checked);
    TW_CHECK_MSG(outside == 0, "%s: %d triangles outside their footprint", path, outside);
    /* Roofs are triangles of the walls' mesh on their top (odd) vertices:
     * no vertex of their own (8 bytes each, 62 MB at 600,000 buildings);
     * each roof triangle's vertices are its own building's. */
    int stray = 0, v0_off = 0, roof_verts = 0;
    uint32_t roof_tris = 0;
    for (int c = 0; c < b.chunk_count; c++) {
        const geo_buildings_chunk *ch = &b.chunks[c];
        const tw_mesh *m = &ch->walls;
        roof_verts += ch->roofs.vertex_count + ch->roofs.index_count;
        listed l = listed_of(m);
        for (uint32_t k = 0; k + 2 < m->index_count; k += 3) {
            const uint32_t *ix = &l.ix[k];
            if (!(ix[0] & ix[1] & ix[2] & 1)) continue;
            roof_tris++;
            stray += l.ids[ix[0]] != l.ids[ix[1]] || l.ids[ix[0]] != l.ids[ix[2]];
        }
        listed_free(&l);
        v0_off += ch->wall_v0[ch->f1 - ch->f0] != m->vertex_count;
        TW_CHECK((m->attrs & TW_MESH_IDS) && !(m->attrs & TW_MESH_COLORS));
        /* No normals: the fill shader lights each triangle by its plane. */
        TW_CHECK(!(m->attrs & TW_MESH_NORMALS) && !m->normals);
    }
    TW_CHECK_MSG(roof_verts == 0, "%d roof vertices or indices outside the walls' mesh",
                 roof_verts);
    TW_CHECK_MSG(stray == 0, "%d roof triangles across buildings", stray);
    TW_CHECK(v0_off == 0 && b.roofless == 0);
    fprintf(stderr,
            "  %s: %d footprints (%d invalid skipped), %u roof triangles, %d chunks, %d repaired\n",
            path, p->count, p->count - checked, roof_tris, b.chunk_count, b.repaired);
    geo_buildings_free(&b);
}

static void test_fills_cheongna(void)
{
    check_fills(cheongna);
}

static void test_fills_yeouido(void)
{
    check_fills(yeouido);
}

/* Walls: each ring point once at the bottom and once on top (even and odd
 * vertex, the same plan position), two triangles per edge of non-zero
 * length, every triangle vertical (no area in plan) and reaching from the
 * base to the roof once raised; no normals (lit by their planes). */
static void test_walls(void)
{
    const char *paths[2] = {cheongna, yeouido};
    for (int k = 0; k < 2; k++) {
        char err[512];
        geo_buildings b;
        TW_CHECK_MSG(load(paths[k], NULL, NULL, 0, &b, err, sizeof err), "%s", err);
        const geo_polygons *p = &b.polys;
        double *base = calloc((size_t)p->count + 1, sizeof *base);
        TW_CHECK(base != NULL);
        for (int f = 0; base && f < p->count; f++) base[f] = 5;
        if (base) geo_buildings_raise(&b, base, 1);
        int count_off = 0, pair_off = 0, slanted = 0, flat = 0, edges_all = 0, normals = 0;
        uint32_t wall_i = 0;
        for (int c = 0; c < b.chunk_count; c++) {
            const tw_mesh *m = &b.chunks[c].walls;
            normals += m->normals != NULL || (m->attrs & TW_MESH_NORMALS);
            listed l = listed_of(m);
            for (uint32_t t = 0; t + 2 < m->index_count; t += 3) {
                double q[3][2];
                int tops = 0;
                for (int j = 0; j < 3; j++) {
                    vxy(m, l.ix[t + (uint32_t)j], q[j]);
                    tops += l.ix[t + (uint32_t)j] & 1;
                }
                if (tops == 3) continue; /* a roof's, on the top vertices */
                wall_i += 3;
                double plan = (q[1][0] - q[0][0]) * (q[2][1] - q[0][1]) -
                              (q[2][0] - q[0][0]) * (q[1][1] - q[0][1]);
                slanted += fabs(plan) > 1e-3;
                flat += tops == 0 || tops == 3;
            }
            listed_free(&l);
        }
        for (int f = 0; f < p->count; f++) {
            const geo_polygon *pf = &p->features[f];
            int edges = 0;
            for (int r = pf->ring_first; r < pf->ring_first + pf->ring_count; r++) {
                int a0 = p->ring_start[r], n = p->ring_start[r + 1] - a0;
                for (int i = 0; i < n; i++) {
                    const double *a = &p->xy[(a0 + i) * 2], *c = &p->xy[(a0 + (i + 1) % n) * 2];
                    edges += hypot(c[0] - a[0], c[1] - a[1]) > 0;
                }
            }
            edges_all += edges;
            const geo_buildings_chunk *ch = b.chunks;
            while (f >= ch->f1) ch++;
            const tw_mesh *m = &ch->walls;
            uint32_t v0 = ch->wall_v0[f - ch->f0], v1 = ch->wall_v0[f - ch->f0 + 1];
            count_off += (int)(v1 - v0) != edges * 2 || (v0 & 1);
            /* The building's id in the chunk * 2 at the bottom, + 1 on top
             * (the table raises them). */
            uint32_t id = (uint32_t)(f - ch->f0);
            for (uint32_t v = v0; v + 1 < v1; v += 2) {
                double a[2], t[2];
                vxy(m, v, a), vxy(m, v + 1, t);
                pair_off += a[0] != t[0] || a[1] != t[1] || id_of(m, v) != id * 2 ||
                            id_of(m, v + 1) != id * 2 + 1;
            }
        }
        TW_CHECK_MSG(count_off == 0, "%d buildings whose wall vertices are not 2 per edge",
                     count_off);
        TW_CHECK(wall_i == (uint32_t)edges_all * 6);
        TW_CHECK_MSG(pair_off == 0, "%d wall vertex pairs not bottom/top of one point", pair_off);
        TW_CHECK_MSG(slanted == 0 && flat == 0, "%d wall triangles not vertical, %d not spanning",
                     slanted, flat);
        TW_CHECK(normals == 0);
        free(base);
        geo_buildings_free(&b);
    }
}

/* Once uploaded the app releases a chunk's meshes: the arrays go, the
 * vertex and index counts stay (reports and triangle counts read them),
 * geo_buildings_mesh_bytes falls to 0, and freeing the set afterwards is clean. */
static void test_release(void)
{
    char err[512];
    geo_buildings b;
    TW_CHECK_MSG(load(cheongna, NULL, NULL, 0, &b, err, sizeof err), "%s", err);
    size_t before = geo_buildings_mesh_bytes(&b);
    uint32_t vc = 0, ic = 0;
    for (int k = 0; k < b.chunk_count; k++)
        vc += b.chunks[k].walls.vertex_count, ic += b.chunks[k].walls.index_count;
    TW_CHECK(before > 0 && vc > 0 && ic > 0);
    int held = 0;
    for (int k = 0; k < b.chunk_count; k++) {
        geo_buildings_chunk_release(&b, &b.chunks[k]);
        const geo_buildings_chunk *c = &b.chunks[k];
        held += c->roofs.positions || c->roofs.xy16 || c->walls.xy16 || c->walls.positions ||
                c->far.xy16 || c->far.positions || c->walls.ids || c->walls.indices ||
                c->walls.id16 || c->walls.ix16 || c->far.id16 || c->far.ix16;
        vc -= c->walls.vertex_count, ic -= c->walls.index_count;
    }
    TW_CHECK_MSG(held == 0 && vc == 0 && ic == 0, "%d chunks hold arrays; counts off %u %u", held,
                 vc, ic);
    TW_CHECK(geo_buildings_mesh_bytes(&b) == 0);
    fprintf(stderr, "  cheongna: %zu mesh bytes released\n", before);
    geo_buildings_free(&b);
}

static uint64_t chunk_hash(const geo_buildings_chunk *c)
{
    return mesh_hash(&c->roofs) ^ (mesh_hash(&c->walls) * 3) ^ (mesh_hash(&c->far) * 7);
}

/* Resident bytes of the mesh arena (mincore). */
static size_t arena_resident(const geo_buildings *b)
{
    if (!b->mesh_arena) return 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (b->mesh_arena_size + page - 1) / page, in = 0;
    unsigned char *v = malloc(n);
    if (v && mincore(b->mesh_arena, b->mesh_arena_size, v) == 0)
        for (size_t i = 0; i < n; i++) in += v[i] & 1;
    free(v);
    return in * page;
}

/* A large load's meshes share one mapping, given back by 2 MB regions as
 * chunks are released in upload order: no chunk's arrays change before its
 * own release (a region that went back too early would read as zeros), the
 * memory goes back along the way (not only at the end), and the mapping
 * goes once every chunk is released. 40,000 generated squares. */
static void test_release_arena(void)
{
    char path[1100], err[512];
    snprintf(path, sizeof path, "%s/squares.geojson", tmpdir);
    FILE *f = fopen(path, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < 40000; i++) {
        double x = 126.9 + (i % 200) * 0.0004, y = 37.5 + (i / 200) * 0.0003;
        fprintf(f,
                "%s{\"type\":\"Feature\",\"properties\":{\"height\":%d},\"geometry\":{"
                "\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],"
                "[%.6f,%.6f],[%.6f,%.6f]]]}}",
                i ? "," : "", 5 + i % 20, x, y, x + 0.0002, y, x + 0.0002, y + 0.00015, x,
                y + 0.00015, x, y);
    }
    fprintf(f, "]}\n");
    fclose(f);
    geo_buildings b;
    TW_CHECK_MSG(load(path, NULL, NULL, 0, &b, err, sizeof err), "%s", err);
    TW_CHECK_MSG(b.mesh_arena != NULL, "a load of %d features has no arena", b.polys.count);
    if (!b.mesh_arena || b.chunk_count < 4) return geo_buildings_free(&b);
    uint64_t *hash = malloc((size_t)b.chunk_count * sizeof *hash);
    for (int k = 0; hash && k < b.chunk_count; k++) hash[k] = chunk_hash(&b.chunks[k]);
    size_t full = arena_resident(&b), half = 0;
    int changed = 0;
    for (int k = 0; hash && k < b.chunk_count; k++) {
        changed += chunk_hash(&b.chunks[k]) != hash[k];
        geo_buildings_chunk_release(&b, &b.chunks[k]);
        if (k == b.chunk_count / 2) half = arena_resident(&b);
        if (k + 1 < b.chunk_count) TW_CHECK(b.mesh_arena != NULL);
    }
    TW_CHECK_MSG(changed == 0, "%d of %d chunks changed before their release", changed,
                 b.chunk_count);
    TW_CHECK_MSG(half < full * 3 / 4, "half the chunks released, %zu of %zu bytes still resident",
                 half, full);
    TW_CHECK_MSG(b.mesh_arena == NULL && b.mesh_arena_live == NULL,
                 "every chunk released, the arena is still mapped");
    fprintf(stderr, "  %d squares, %d chunks: arena %zu bytes resident, %zu at half\n",
            b.polys.count, b.chunk_count, full, half);
    free(hash);
    geo_buildings_free(&b);
}

/* Chunks: Cheongna (2.5 km) is cut into many; every feature is in exactly
 * one, whose 500 m cell holds its footprint's centre and whose box holds
 * its footprint; each chunk's meshes are only its own features'. */
static void test_chunks(void)
{
    char err[512];
    geo_buildings b;
    TW_CHECK_MSG(load(cheongna, NULL, NULL, 0, &b, err, sizeof err), "%s", err);
    const geo_polygons *p = &b.polys;
    TW_CHECK_MSG(b.chunk_count >= 16 && b.chunk_count <= 100, "%d chunks", b.chunk_count);
    int next = 0, outside = 0, spread = 0, fids = 0;
    for (int c = 0; c < b.chunk_count; c++) {
        const geo_buildings_chunk *ch = &b.chunks[c];
        TW_CHECK(ch->f0 == next && ch->f1 > ch->f0);
        next = ch->f1;
        double lo[2] = {HUGE_VAL, HUGE_VAL}, hi[2] = {-HUGE_VAL, -HUGE_VAL};
        for (int f = ch->f0; f < ch->f1; f++) {
            const double *bb = p->features[f].bbox;
            double cx = 0.5 * (bb[0] + bb[2]), cy = 0.5 * (bb[1] + bb[3]);
            lo[0] = fmin(lo[0], cx), lo[1] = fmin(lo[1], cy);
            hi[0] = fmax(hi[0], cx), hi[1] = fmax(hi[1], cy);
            outside += bb[0] < ch->box[0] || bb[1] < ch->box[1] || bb[2] > ch->box[3] ||
                       bb[3] > ch->box[4];
        }
        spread += hi[0] - lo[0] > GEO_BUILDINGS_CHUNK_M || hi[1] - lo[1] > GEO_BUILDINGS_CHUNK_M;
        TW_CHECK(ch->wall_v0[ch->f1 - ch->f0] == ch->walls.vertex_count);
    }
    TW_CHECK(next == p->count);
    TW_CHECK_MSG(outside == 0, "%d footprints outside their chunk's box", outside);
    TW_CHECK_MSG(spread == 0, "%d chunks wider than a cell", spread);
    /* Ordering kept each feature's own attributes: FIDs are all different. */
    for (int f = 1; f < p->count; f++) fids += p->features[f].fid == p->features[f - 1].fid;
    TW_CHECK(fids == 0);
    fprintf(stderr, "  cheongna: %d chunks\n", b.chunk_count);
    geo_buildings_free(&b);
}

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs(text, f);
    return fclose(f) == 0;
}

/* A GeoJSON collection of ~10 m squares, one per properties object, spread east. */
static bool write_squares(const char *path, const char *const *props, int n)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs("{\"type\":\"FeatureCollection\",\"features\":[\n", f);
    for (int i = 0; i < n; i++) {
        double x = 126.90 + 0.001 * i, y = 37.52, d = 0.0001;
        fprintf(f,
                "%s{\"type\":\"Feature\",\"properties\":%s,\"geometry\":{\"type\":"
                "\"Polygon\",\"coordinates\":[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],"
                "[%.4f,%.4f]]]}}\n",
                i ? "," : "", props[i], x, y, x + d, y, x + d, y + d, x, y + d, x, y);
    }
    fputs("]}\n", f);
    return fclose(f) == 0;
}

/* The height of the building named name (the class field kept: "name"). */
static double height_of(const geo_buildings *b, const char *name)
{
    for (int f = 0; f < b->polys.count; f++) {
        const char *v = geo_buildings_class(b, f);
        if (v && strcmp(v, name) == 0) return b->height[f];
    }
    return NAN;
}

/* Attributes are read back from the source by FID (as on pick): every
 * building's "name" read so equals the class text the load kept, and its
 * height text is there too. */
static void check_attrs_by_fid(const char *path, const geo_buildings *b)
{
    char err[256];
    int same = 0;
    for (int f = 0; f < b->polys.count; f++) {
        geo_battrs a;
        geo_vector_desc src = {.path = path};
        TW_CHECK_MSG(geo_buildings_read_attrs(&src, frame, b->polys.features[f].fid, &a, err,
                                              sizeof err) == TW_OK,
                     "%s", err);
        const char *name = NULL;
        for (int i = 0; i < a.count; i++)
            if (strcmp(a.names[i], "name") == 0) name = a.values[i];
        const char *c = geo_buildings_class(b, f);
        same += name && c && strcmp(name, c) == 0;
        geo_battrs_free(&a);
    }
    TW_CHECK(same == b->polys.count);
    geo_battrs a;
    geo_vector_desc src = {.path = path};
    TW_CHECK(geo_buildings_read_attrs(&src, frame, 999999, &a, err, sizeof err) == TW_ERR_IO);
    TW_CHECK_MSG(strstr(err, "999999"), "%s", err);
}

/* OSM-style text heights, the common names in order, floors x floor height
 * and the default; a named field that is text defaults every building. */
static void test_heights(void)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/osm.geojson", tmpdir);
    static const char *const osm[] = {
        "{\"name\":\"a\",\"height\":\"12\"}",
        "{\"name\":\"b\",\"height\":\"45 m\",\"building_levels\":\"3\"}",
        "{\"name\":\"c\",\"height\":\"0\",\"building_levels\":\"4\"}",
        "{\"name\":\"d\",\"height\":\"tall\"}", "{\"name\":\"e\"}"};
    TW_CHECK(write_squares(path, osm, 5));
    geo_buildings b;
    TW_CHECK_MSG(load(path, NULL, NULL, 3.0, &b, err, sizeof err), "%s", err);
    TW_CHECK(b.polys.count == 5);
    TW_CHECK_NEAR(height_of(&b, "a"), 12, 1e-9);
    TW_CHECK_NEAR(height_of(&b, "b"), 45, 1e-9);
    TW_CHECK_NEAR(height_of(&b, "c"), 12, 1e-9); /* 0 falls back to 4 floors x 3 m */
    TW_CHECK_NEAR(height_of(&b, "d"), GEO_BUILDINGS_DEFAULT_M, 1e-9);
    TW_CHECK_NEAR(height_of(&b, "e"), GEO_BUILDINGS_DEFAULT_M, 1e-9);
    TW_CHECK(b.defaulted == 2);
    TW_CHECK(b.source_count == 2 && strcmp(b.sources[0].field, "height") == 0 &&
             b.sources[0].count == 2 && strcmp(b.sources[1].field, "building_levels") == 0 &&
             b.sources[1].floors && b.sources[1].count == 1);
    TW_CHECK_NEAR(b.hmin, 10, 1e-9);
    TW_CHECK_NEAR(b.hmax, 45, 1e-9);
    check_attrs_by_fid(path, &b);
    geo_buildings_free(&b);
    /* Named fields: floors only, at the default 3.3 m. */
    TW_CHECK(load(path, NULL, "building_levels", 0, &b, err, sizeof err));
    TW_CHECK_NEAR(height_of(&b, "b"), 3 * 3.3, 1e-9);
    TW_CHECK(b.defaulted == 3);
    geo_buildings_free(&b);
    /* A named height field of text: every building gets the default. */
    TW_CHECK(load(path, "name", NULL, 0, &b, err, sizeof err));
    TW_CHECK(b.defaulted == 5);
    geo_buildings_free(&b);
    /* A field the source does not have is an error that names it. */
    TW_CHECK(!load(path, "hgt", NULL, 0, &b, err, sizeof err));
    TW_CHECK_MSG(strstr(err, "'hgt'") && strstr(err, "height_field"), "%s", err);

    /* 건물통합정보-style names: GRND_FLR floors when nothing gives metres. */
    snprintf(path, sizeof path, "%s/gis.geojson", tmpdir);
    static const char *const gis[] = {"{\"name\":\"x\",\"GRND_FLR\":7,\"A16\":null}",
                                      "{\"name\":\"y\",\"GRND_FLR\":7,\"A16\":21.5}"};
    TW_CHECK(write_squares(path, gis, 2));
    TW_CHECK(load(path, NULL, NULL, 0, &b, err, sizeof err));
    TW_CHECK_NEAR(height_of(&b, "x"), 7 * 3.3, 1e-9);
    TW_CHECK_NEAR(height_of(&b, "y"), 21.5, 1e-9);
    TW_CHECK(b.defaulted == 0);
    geo_buildings_free(&b);

    double v;
    TW_CHECK(geo_buildings_parse_number(" 45 m", &v) && v == 45);
    TW_CHECK(geo_buildings_parse_number("12;15", &v) && v == 12);
    TW_CHECK(!geo_buildings_parse_number("m 45", &v) && !geo_buildings_parse_number("", &v));
}

/* The fields a load does not read (every one but the height sources and
 * the class field) are skipped while it reads (OGR_L_SetIgnoredFields) and
 * read again after it on the same open source (a pool's, which a pick then
 * reads by FID); a "where" on such a field still filters. */
static void test_skipped_fields(void)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/fields.geojson", tmpdir);
    static const char *const props[] = {
        "{\"name\":\"a\",\"height\":12,\"owner\":\"kim\",\"year\":1990}",
        "{\"name\":\"b\",\"height\":30,\"owner\":\"lee\",\"year\":2005}",
        "{\"name\":\"c\",\"levels\":4,\"owner\":\"kim\",\"year\":2011}"};
    TW_CHECK(write_squares(path, props, 3));
    /* As a GeoPackage, whose reads leave ignored columns out of their SQL
     * (GetFeature too): the GeoJSON driver keeps every field in memory. */
    GDALDatasetH js = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    char *argv[] = {"-f", "GPKG", "-nln", "fields", NULL};
    GDALVectorTranslateOptions *o = GDALVectorTranslateOptionsNew(argv, NULL);
    snprintf(path, sizeof path, "%s/fields.gpkg", tmpdir);
    GDALDatasetH out = js && o ? GDALVectorTranslate(path, NULL, 1, &js, o, NULL) : NULL;
    GDALVectorTranslateOptionsFree(o);
    if (out) GDALClose(out);
    if (js) GDALClose(js);
    GDALDatasetH ds = out ? GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL) : NULL;
    TW_CHECK(ds != NULL);
    if (!ds) return;
    geo_buildings_desc d = {.src = {.path = path, .dataset = ds}, .class_field = "name"};
    geo_buildings b;
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    TW_CHECK(b.polys.count == 3 && b.field_count == 5);
    TW_CHECK_NEAR(height_of(&b, "a"), 12, 1e-9);
    TW_CHECK_NEAR(height_of(&b, "b"), 30, 1e-9);
    TW_CHECK_NEAR(height_of(&b, "c"), 4 * 3.3, 1e-9);
    /* The same open layer reads every field again. */
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRFeatureH f = OGR_L_GetFeature(l, b.polys.features[0].fid);
    int owner = OGR_F_GetFieldIndex(f, "owner"), year = OGR_F_GetFieldIndex(f, "year");
    TW_CHECK(f && owner >= 0 && year >= 0 && OGR_F_IsFieldSetAndNotNull(f, owner) &&
             OGR_F_IsFieldSetAndNotNull(f, year));
    OGR_F_Destroy(f);
    /* And as the pick does, through the load's source. */
    geo_battrs at;
    TW_CHECK(geo_buildings_read_attrs(&d.src, frame, b.polys.features[1].fid, &at, err,
                                      sizeof err) == TW_OK);
    int set = 0;
    for (int i = 0; i < at.count; i++) set += at.values[i] != NULL;
    TW_CHECK_MSG(at.count == 5 && set == 4, "%d attributes, %d set", at.count, set);
    geo_battrs_free(&at);
    geo_buildings_free(&b);
    /* A filter on fields the load does not read: still applied. */
    d.src.where = "owner = 'kim' AND year > 2000";
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    TW_CHECK(b.polys.count == 1 && height_of(&b, "c") > 0);
    geo_buildings_free(&b);
    GDALClose(ds);
}

/* Empty, null, point and self-intersecting geometry: counted, no crash. */
static void test_invalid_and_empty(void)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/bad.geojson", tmpdir);
    TW_CHECK(write_text(
        path, "{\"type\":\"FeatureCollection\",\"features\":[\n"
              "{\"type\":\"Feature\",\"properties\":{\"name\":\"ok\"},\"geometry\":{\"type\":"
              "\"Polygon\",\"coordinates\":[[[126.9,37.52],[126.9001,37.52],[126.9001,37.5201],"
              "[126.9,37.52]]]}},\n"
              "{\"type\":\"Feature\",\"properties\":{\"name\":\"null\"},\"geometry\":null},\n"
              "{\"type\":\"Feature\",\"properties\":{\"name\":\"empty\"},\"geometry\":{\"type\":"
              "\"Polygon\",\"coordinates\":[]}},\n"
              "{\"type\":\"Feature\",\"properties\":{\"name\":\"point\"},\"geometry\":{\"type\":"
              "\"Point\",\"coordinates\":[126.9,37.5]}},\n"
              "{\"type\":\"Feature\",\"properties\":{\"name\":\"line\"},\"geometry\":{\"type\":"
              "\"Polygon\",\"coordinates\":[[[126.9,37.5],[126.9001,37.5],[126.9,37.5]]]}},\n"
              "{\"type\":\"Feature\",\"properties\":{\"name\":\"bowtie\"},\"geometry\":{\"type\":"
              "\"Polygon\",\"coordinates\":[[[126.95,37.5],[126.9501,37.5001],[126.9501,37.5],"
              "[126.95,37.5001],[126.95,37.5]]]}}\n"
              "]}\n"));
    geo_buildings b;
    TW_CHECK_MSG(load(path, NULL, NULL, 0, &b, err, sizeof err), "%s", err);
    TW_CHECK_MSG(b.polys.count == 2, "%d buildings", b.polys.count); /* ok and bowtie */
    int nogeom = 0, empty = 0, notpoly = 0;
    for (int i = 0; i < b.polys.skipped.n; i++) {
        if (strcmp(b.polys.skipped.reason[i], "no geometry") == 0)
            nogeom = b.polys.skipped.count[i];
        if (strcmp(b.polys.skipped.reason[i], "empty geometry") == 0)
            empty = b.polys.skipped.count[i];
        if (strcmp(b.polys.skipped.reason[i], "not a polygon") == 0)
            notpoly = b.polys.skipped.count[i];
    }
    TW_CHECK_MSG(nogeom == 2 && empty == 1 && notpoly == 1,
                 "no geometry %d, empty %d, not a polygon %d", nogeom, empty, notpoly);
    geo_buildings_free(&b);
    /* Nothing but points: an error that says so. */
    snprintf(path, sizeof path, "%s/points.geojson", tmpdir);
    TW_CHECK(write_text(path, "{\"type\":\"FeatureCollection\",\"features\":["
                              "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
                              "\"Point\",\"coordinates\":[126.9,37.5]}}]}\n"));
    TW_CHECK(!load(path, NULL, NULL, 0, &b, err, sizeof err));
    TW_CHECK_MSG(strstr(err, "no polygons") != NULL, "%s", err);
}

/* Spikes (the ring going out and straight back, as digitizing slips
 * leave them): no walls along them, which would stand back to back as a
 * fin sticking out of the building; a tip at the ring's start too. Each
 * footprint keeps the 5 walls of its outline (6 indices each), none
 * reaching a tip; the roofs are untouched (the triangulator drops spikes). */
static void test_spikes(void)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/spikes.geojson", tmpdir);
    TW_CHECK(write_text(
        path, "{\"type\":\"FeatureCollection\",\"features\":["
              "{\"type\":\"Feature\",\"properties\":{\"height\":20},\"geometry\":{\"type\":"
              "\"Polygon\",\"coordinates\":[[[1000,2000],[1040,2000],[1040,2010],[1060,2010],"
              "[1040,2010],[1040,2030],[1000,2030],[1000,2000]]]}},\n"
              "{\"type\":\"Feature\",\"properties\":{\"height\":20},\"geometry\":{\"type\":"
              "\"Polygon\",\"coordinates\":[[[1160,2010],[1140,2010],[1140,2030],[1100,2030],"
              "[1100,2000],[1140,2000],[1140,2010],[1160,2010]]]}}]}\n"));
    geo_buildings_desc d = {.src = {.path = path, .source_crs = "EPSG:5186"}};
    geo_buildings b;
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    if (b.polys.count != 2 || b.chunk_count != 1) {
        TW_CHECK_MSG(false, "%d buildings in %d chunks", b.polys.count, b.chunk_count);
        geo_buildings_free(&b);
        return;
    }
    const geo_buildings_chunk *ch = &b.chunks[0];
    const tw_mesh *m = &ch->walls;
    listed l = listed_of(m);
    int walls = 0, tips = 0;
    for (uint32_t t = 0; t + 2 < m->index_count; t += 3) {
        int tops = 0, tip = 0;
        for (int j = 0; j < 3; j++) {
            double q[2];
            vxy(m, l.ix[t + (uint32_t)j], q);
            tops += l.ix[t + (uint32_t)j] & 1;
            tip += fabs(q[0] + ch->origin[0] - 1060) < 0.01 ||
                   fabs(q[0] + ch->origin[0] - 1160) < 0.01;
        }
        if (tops == 3) continue; /* a roof's */
        walls++;
        tips += tip > 0;
    }
    listed_free(&l);
    TW_CHECK_MSG(walls == 2 * 5 * 2 && tips == 0, "%d wall triangles (20 wanted), %d at a tip",
                 walls, tips);
    geo_buildings_free(&b);
}

/* A square building on a plane rising east and north stands on the lowest
 * ground under its corners (the south-west one); the walls run from there
 * to base + height, the roof is at the top, times the exaggeration; a ray
 * straight down hits its roof. */
static void test_base_on_slope(void)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/slope.geojson", tmpdir);
    TW_CHECK(write_text(path, "{\"type\":\"FeatureCollection\",\"features\":["
                              "{\"type\":\"Feature\",\"properties\":{\"height\":20},"
                              "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[1000,2000],["
                              "1040,2000],[1040,2030],[1000,2030],[1000,2000]]]}}]}\n"));
    geo_buildings_desc d = {.src = {.path = path, .source_crs = "EPSG:5186"}};
    geo_buildings b;
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    if (b.polys.count != 1) return;
    tw_heightfield hf;
    TW_CHECK(tw_heightfield_alloc(&hf, 41, 41) == TW_OK);
    hf.x0 = 800, hf.y0 = 1800, hf.dx = hf.dy = 10;
    for (int j = 0; j < 41; j++)
        for (int i = 0; i < 41; i++)
            hf.z[j * 41 + i] = (float)(0.1 * (hf.x0 + i * 10) + 0.05 * (hf.y0 + j * 10));
    double base, flat;
    geo_buildings_bases(&b, &hf, &base);
    TW_CHECK_NEAR(base, 0.1 * 1000 + 0.05 * 2000, 1e-3); /* 200 m, the south-west corner */
    geo_buildings_bases(&b, NULL, &flat);
    TW_CHECK(flat == 0);
    geo_buildings_raise(&b, &base, 1.5);
    TW_CHECK(b.chunk_count == 1);
    const geo_buildings_chunk *ch = &b.chunks[0];
    /* The meshes stay bottom / top (id * 2, + 1): the row raises them as drawn. */
    uint32_t tops = 0;
    for (uint32_t v = 0; v < ch->walls.vertex_count; v++) tops += id_of(&ch->walls, v) == 1;
    TW_CHECK(tops * 2 == ch->walls.vertex_count);
    /* The roof (two triangles on top vertices) adds no vertex. */
    TW_CHECK(ch->roofs.vertex_count == 0 && ch->walls.index_count == 4 * 6 + 2 * 3);
    /* A 40 x 30 m building: int16 x, y (1/32 m) from the chunk's origin. */
    TW_CHECK(ch->walls.xy16 != NULL && ch->walls.positions == NULL);
    geo_buildings_row row = {0};
    geo_buildings_row_raise(&row, base, b.height[0], 1.5);
    TW_CHECK_NEAR(row.base, 200 * 1.5, 1e-3);
    TW_CHECK_NEAR(row.base + row.height, 220 * 1.5, 1e-3);
    /* The chunk's box is the building's, as drawn. */
    TW_CHECK_NEAR(ch->box[2], 300, 1e-9);
    TW_CHECK_NEAR(ch->box[5], 330, 1e-9);
    double t, o[3] = {1020, 2015, 1000}, dir[3] = {0, 0, -1};
    TW_CHECK(geo_buildings_hit(&b, &base, 1.5, o, dir, &t) == 0);
    TW_CHECK_NEAR(t, 1000 - 330, 1e-6);
    /* From the west, level with the walls: the west wall. */
    double o2[3] = {900, 2015, 310}, dir2[3] = {1, 0, 0};
    TW_CHECK(geo_buildings_hit(&b, &base, 1.5, o2, dir2, &t) == 0);
    TW_CHECK_NEAR(t, 100, 1e-6);
    double o3[3] = {900, 2015, 400}; /* above it */
    TW_CHECK(geo_buildings_hit(&b, &base, 1.5, o3, dir2, &t) == -1);
    tw_heightfield_free(&hf);
    geo_buildings_free(&b);
}

/* The roof triangles' area of feature f, from its chunk's mesh (those on top vertices). */
static double roof_area(const geo_buildings *b, int f)
{
    const geo_buildings_chunk *c = b->chunks;
    while (f >= c->f1) c++;
    uint32_t v0 = c->wall_v0[f - c->f0], v1 = c->wall_v0[f - c->f0 + 1];
    double sum = 0;
    listed l = listed_of(&c->walls);
    for (uint32_t k = 0; k + 2 < c->walls.index_count; k += 3) {
        const uint32_t *ix = &l.ix[k];
        if (ix[0] < v0 || ix[0] >= v1 || !(ix[0] & ix[1] & ix[2] & 1)) continue; /* a roof's */
        double t[3][2];
        for (int j = 0; j < 3; j++) vxy(&c->walls, ix[j], t[j]);
        sum += fabs(tri_area(t[0], t[1], t[2]));
    }
    listed_free(&l);
    return sum;
}

/* A bowtie and a pentagram (self-intersecting rings) are made valid with
 * OGR and triangulated again: counted as repaired, their area is the valid
 * geometry's (OGR's MakeValid here, independently) and the roof fills it
 * within 1 %. A plain square is left alone. */
static void test_repair(void)
{
    char path[256], err[512], star[512], text[2048];
    snprintf(path, sizeof path, "%s/invalid.geojson", tmpdir);
    int n = 0;
    n += snprintf(star + n, sizeof star - (size_t)n, "[");
    for (int i = 0; i <= 5; i++) {
        double a = M_PI / 2 + (i % 5) * 4 * M_PI / 5;
        n += snprintf(star + n, sizeof star - (size_t)n, "%s[%.3f,%.3f]", i ? "," : "",
                      1300 + 30 * cos(a), 2020 + 30 * sin(a));
    }
    snprintf(star + n, sizeof star - (size_t)n, "]");
    snprintf(text, sizeof text,
             "{\"type\":\"FeatureCollection\",\"features\":["
             "{\"type\":\"Feature\",\"properties\":{\"height\":10},\"geometry\":{\"type\":"
             "\"Polygon\",\"coordinates\":[[[1000,2000],[1040,2000],[1040,2030],[1000,2030],[1000,"
             "2000]]]}},"
             "{\"type\":\"Feature\",\"properties\":{\"height\":10},\"geometry\":{\"type\":"
             "\"Polygon\",\"coordinates\":[[[1100,2000],[1140,2040],[1140,2000],[1100,2040],[1100,"
             "2000]]]}},"
             "{\"type\":\"Feature\",\"properties\":{\"height\":10},\"geometry\":{\"type\":"
             "\"Polygon\",\"coordinates\":[%s]}}]}\n",
             star);
    TW_CHECK(write_text(path, text));
    geo_buildings_desc d = {.src = {.path = path, .source_crs = "EPSG:5186"}};
    geo_buildings b;
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    TW_CHECK(b.polys.count == 3);
    if (b.polys.count != 3) return;
    TW_CHECK_MSG(b.repaired == 2, "repaired %d", b.repaired);
    TW_CHECK(b.roofless == 0);
    /* The valid areas, by OGR from the source's own geometries. */
    double want[3] = {0, 0, 0};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    OGRLayerH l = ds ? GDALDatasetGetLayer(ds, 0) : NULL;
    OGRFeatureH f;
    for (int i = 0; l && i < 3 && (f = OGR_L_GetNextFeature(l)) != NULL; i++) {
        OGRGeometryH v = OGR_G_MakeValid(OGR_F_GetGeometryRef(f));
        want[i] = v ? OGR_G_Area(v) : 0;
        OGR_G_DestroyGeometry(v);
        OGR_F_Destroy(f);
    }
    if (ds) GDALClose(ds);
    TW_CHECK_NEAR(want[0], 1200, 1e-6);
    TW_CHECK_NEAR(want[1], 800, 1e-6);
    for (int k = 0; k < 3; k++) {
        const geo_polygon *pf = &b.polys.features[k];
        int i = pf->bbox[0] < 1050 ? 0 : pf->bbox[0] < 1200 ? 1 : 2;
        double got = roof_area(&b, k);
        fprintf(stderr, "  feature %d: area %.3f m2 (OGR valid %.3f), roof %.3f m2, %d rings\n", i,
                pf->area, want[i], got, pf->ring_count);
        TW_CHECK_NEAR(pf->area, want[i], 1e-6 * want[i]);
        TW_CHECK_MSG(fabs(got - pf->area) <= 0.01 * pf->area, "feature %d: roof %.3f, area %.3f", i,
                     got, pf->area);
    }
    geo_buildings_free(&b);
}

/* Korean text in a CP949 shapefile that lost its .cpg: the class text kept
 * at load and the attributes read back by FID (the pick panel's) are
 * UTF-8, 강남구 and not mojibake. */
static void test_cp949_attributes(void)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char gu[1024], shp[256], cpg[256], cmd[2048], err[512];
    snprintf(gu, sizeof gu, "%s/assets/data/admin/seoul_gu_2018.geojson", src ? src : ".");
    if (access(gu, R_OK) != 0) TW_SKIP("%s is missing", gu);
    if (system("command -v ogr2ogr >/dev/null 2>&1") != 0)
        TW_SKIP("ogr2ogr (gdal-bin) is not installed");
    snprintf(shp, sizeof shp, "%s/gu_cp949.shp", tmpdir);
    snprintf(cpg, sizeof cpg, "%s/gu_cp949.cpg", tmpdir);
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=CP949 -t_srs EPSG:5186 '%s' '%s'", shp, gu);
    TW_CHECK(system(cmd) == 0);
    TW_CHECK_MSG(unlink(cpg) == 0, "ogr2ogr wrote no %s", cpg);
    geo_buildings b;
    geo_buildings_desc d = {.src = {.path = shp}, .class_field = "name"};
    TW_CHECK_MSG(geo_buildings_load(&d, frame, &b, err, sizeof err) == TW_OK, "%s", err);
    int at = -1;
    for (int f = 0; f < b.polys.count; f++)
        if (geo_buildings_class(&b, f) && strcmp(geo_buildings_class(&b, f), "강남구") == 0) at = f;
    TW_CHECK_MSG(at >= 0, "no 강남구 among %d; first: '%s'", b.polys.count,
                 geo_buildings_class(&b, 0) ? geo_buildings_class(&b, 0) : "(null)");
    if (at >= 0) {
        geo_battrs a;
        TW_CHECK(geo_buildings_read_attrs(&d.src, frame, b.polys.features[at].fid, &a, err,
                                          sizeof err) == TW_OK);
        const char *name = NULL;
        for (int i = 0; i < a.count; i++)
            if (strcmp(a.names[i], "name") == 0) name = a.values[i];
        TW_CHECK_MSG(name && strcmp(name, "강남구") == 0, "'%s'", name ? name : "(null)");
        geo_battrs_free(&a);
    }
    geo_buildings_free(&b);
}

/* OSM's "other_tags" hstore text, as GDAL's OSM driver writes it. */
static void test_hstore(void)
{
    char v[16];
    const char *t = "\"building:levels\"=>\"12\",\"name:en\"=>\"A \\\"B\\\"\",\"height\"=>\"45 m\"";
    TW_CHECK(geo_buildings_hstore_get(t, "building:levels", v, sizeof v) && strcmp(v, "12") == 0);
    TW_CHECK(geo_buildings_hstore_get(t, "height", v, sizeof v) && strcmp(v, "45 m") == 0);
    TW_CHECK(geo_buildings_hstore_get(t, "name:en", v, sizeof v) && strcmp(v, "A \"B\"") == 0);
    TW_CHECK(!geo_buildings_hstore_get(t, "levels", v, sizeof v));
    TW_CHECK(!geo_buildings_hstore_get(t, "building", v, sizeof v)); /* a prefix is not a key */
    /* Cut to the buffer; broken text ends the search, never reads past it. */
    TW_CHECK(geo_buildings_hstore_get(t, "name:en", v, 3) && strcmp(v, "A ") == 0);
    TW_CHECK(!geo_buildings_hstore_get("\"height\"=>\"4", "height", v, sizeof v));
    TW_CHECK(!geo_buildings_hstore_get("\"height\"", "height", v, sizeof v));
    TW_CHECK(!geo_buildings_hstore_get("height=>5", "height", v, sizeof v));
    TW_CHECK(!geo_buildings_hstore_get("", "height", v, sizeof v));
    TW_CHECK(!geo_buildings_hstore_get(NULL, "height", v, sizeof v));
}

int main(void)
{
    tw_log_init(TW_LOG_WARN);
    geo_gdal_init(NULL);
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(cheongna, sizeof cheongna,
             "%s/assets/data/buildings/incheon_cheongna_buildings_2p5km.geojson", src ? src : ".");
    snprintf(yeouido, sizeof yeouido,
             "%s/assets/data/buildings/seoul_yeouido_osm_buildings.geojson", src ? src : ".");
    char err[512];
    if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) != TW_OK)
        TW_SKIP("no EPSG:5186 frame: %s", err);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/citytwin-bld-XXXXXX");
    if (!mkdtemp(tmpdir)) TW_SKIP("no temporary folder");
    TW_RUN(test_fills_cheongna);
    TW_RUN(test_fills_yeouido);
    TW_RUN(test_walls);
    TW_RUN(test_release);
    TW_RUN(test_release_arena);
    TW_RUN(test_chunks);
    TW_RUN(test_heights);
    TW_RUN(test_cp949_attributes);
    TW_RUN(test_hstore);
    TW_RUN(test_skipped_fields);
    TW_RUN(test_invalid_and_empty);
    TW_RUN(test_spikes);
    TW_RUN(test_base_on_slope);
    TW_RUN(test_repair);
    geo_frame_destroy(frame);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return TW_TEST_END();
}
