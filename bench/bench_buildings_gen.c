/* Seoul-scale footprints from the real ones: see bench_buildings_gen.h. */
#include "bench_buildings_gen.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One real footprint's rings, centred on its bounding box's middle. */
typedef struct bbg_tmpl {
    double *xy; /* x y pairs, all rings */
    int *ring;  /* ring k: ring[k] .. ring[k + 1] - 1 */
    int rings, points;
    double radius; /* farthest vertex from the centre */
    double height; /* metres, NAN when the source has none */
} bbg_tmpl;

typedef struct bbg_set {
    bbg_tmpl *t;
    int n, cap;
} bbg_set;

static uint64_t bbg__next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double bbg__unit(uint64_t *s)
{
    return (double)(bbg__next(s) >> 11) / 9007199254740992.0;
}

static bool bbg__add_polygon(bbg_set *set, OGRGeometryH poly, double height)
{
    int rings = OGR_G_GetGeometryCount(poly), points = 0;
    for (int r = 0; r < rings; r++) points += OGR_G_GetPointCount(OGR_G_GetGeometryRef(poly, r));
    if (rings < 1 || points < 4) return true;
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 1024;
        bbg_tmpl *t = realloc(set->t, (size_t)set->cap * sizeof *t);
        if (!t) return false;
        set->t = t;
    }
    bbg_tmpl *t = &set->t[set->n];
    t->xy = malloc((size_t)points * 2 * sizeof *t->xy);
    t->ring = malloc((size_t)(rings + 1) * sizeof *t->ring);
    if (!t->xy || !t->ring) {
        free(t->xy);
        free(t->ring);
        return false;
    }
    OGREnvelope env;
    OGR_G_GetEnvelope(poly, &env);
    double cx = (env.MinX + env.MaxX) / 2, cy = (env.MinY + env.MaxY) / 2;
    int k = 0;
    t->radius = 0;
    for (int r = 0; r < rings; r++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
        t->ring[r] = k;
        for (int i = 0; i < OGR_G_GetPointCount(ring); i++, k++) {
            t->xy[2 * k] = OGR_G_GetX(ring, i) - cx;
            t->xy[2 * k + 1] = OGR_G_GetY(ring, i) - cy;
            t->radius = fmax(t->radius, hypot(t->xy[2 * k], t->xy[2 * k + 1]));
        }
    }
    t->ring[rings] = k;
    t->rings = rings;
    t->points = k;
    t->height = height;
    if (t->radius > 0.5) set->n++;
    return true;
}

/* Every polygon of a real file, in EPSG:5186. */
static bool bbg__read(bbg_set *set, const char *path, OGRSpatialReferenceH dst)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) return false;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH src = OSRClone(OGR_L_GetSpatialRef(l));
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
    int hf = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "height_m");
    bool ok = ct != NULL;
    OGRFeatureH f;
    while (ok && (f = OGR_L_GetNextFeature(l))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        double h =
            hf >= 0 && OGR_F_IsFieldSetAndNotNull(f, hf) ? OGR_F_GetFieldAsDouble(f, hf) : NAN;
        if (g) {
            g = OGR_G_Clone(g);
            if (OGR_G_Transform(g, ct) == OGRERR_NONE) {
                OGRwkbGeometryType ty = wkbFlatten(OGR_G_GetGeometryType(g));
                if (ty == wkbPolygon) ok = bbg__add_polygon(set, g, h);
                if (ty == wkbMultiPolygon)
                    for (int i = 0; ok && i < OGR_G_GetGeometryCount(g); i++)
                        ok = bbg__add_polygon(set, OGR_G_GetGeometryRef(g, i), h);
            }
            OGR_G_DestroyGeometry(g);
        }
        OGR_F_Destroy(f);
    }
    if (ct) OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(src);
    GDALClose(ds);
    return ok;
}

static OGRGeometryH bbg__ring(const double *xy, int count, double x, double y)
{
    OGRGeometryH r = OGR_G_CreateGeometry(wkbLinearRing);
    for (int i = 0; i < count; i++) OGR_G_AddPoint_2D(r, x + xy[2 * i], y + xy[2 * i + 1]);
    return r;
}

static OGRGeometryH bbg__rect(double x, double y, double w, double h, double a, bool cw)
{
    double c = cos(a), s = sin(a), xy[10];
    const double u[5] = {-0.5, 0.5, 0.5, -0.5, -0.5}, v[5] = {-0.5, -0.5, 0.5, 0.5, -0.5};
    for (int i = 0; i < 5; i++) {
        int j = cw ? 4 - i : i;
        xy[2 * i] = u[j] * w * c - v[j] * h * s;
        xy[2 * i + 1] = u[j] * w * s + v[j] * h * c;
    }
    return bbg__ring(xy, 5, x, y);
}

/* A footprint for cell index i at (x, y), at most `room` metres across. */
static OGRGeometryH bbg__footprint(const bbg_set *set, long i, double x, double y, double room,
                                   uint64_t *rng, bbg_counts *c, double *height)
{
    double a = bbg__unit(rng) * 2 * M_PI;
    OGRGeometryH g = OGR_G_CreateGeometry(wkbPolygon);
    *height = NAN;
    if (i % 50 == 7) { /* a courtyard block: one hole */
        double w = room * (0.6 + 0.3 * bbg__unit(rng)), h = room * (0.5 + 0.3 * bbg__unit(rng));
        OGR_G_AddGeometryDirectly(g, bbg__rect(x, y, w, h, a, false));
        OGR_G_AddGeometryDirectly(g, bbg__rect(x, y, w * 0.4, h * 0.4, a, true));
        c->holes++;
    } else if (i % 60 == 11) { /* two wings as one MultiPolygon */
        OGR_G_DestroyGeometry(g);
        g = OGR_G_CreateGeometry(wkbMultiPolygon);
        for (int k = 0; k < 2; k++) {
            OGRGeometryH p = OGR_G_CreateGeometry(wkbPolygon);
            double dx = (k ? 0.25 : -0.25) * room * cos(a), dy = (k ? 0.25 : -0.25) * room * sin(a);
            OGR_G_AddGeometryDirectly(p, bbg__rect(x + dx, y + dy, room * 0.35, room * 0.6, a, 0));
            OGR_G_AddGeometryDirectly(g, p);
        }
        c->multis++;
    } else if (i % 997 == 3) { /* a bowtie: self-intersecting */
        double s = room * 0.3, xy[10] = {-s, -s, s, s, s, -s, -s, s, -s, -s};
        OGR_G_AddGeometryDirectly(g, bbg__ring(xy, 5, x, y));
        c->invalid++;
    } else if (i % 1499 == 5) { /* a repeated point and a spike */
        double s = room * 0.3;
        double xy[16] = {-s, -s, s, -s, s, -s, s, 0, 2 * s, 0.01, s, 0.02, s, s, -s, s};
        OGRGeometryH r = bbg__ring(xy, 8, x, y);
        OGR_G_AddPoint_2D(r, x - s, y - s);
        OGR_G_AddGeometryDirectly(g, r);
        c->invalid++;
    } else {
        const bbg_tmpl *t = &set->t[bbg__next(rng) % (uint64_t)set->n];
        double s = fmin(1.0, room * 0.5 / t->radius) * (0.85 + 0.15 * bbg__unit(rng));
        double ca = cos(a) * s, sa = sin(a) * s;
        for (int r = 0; r < t->rings; r++) {
            OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
            for (int k = t->ring[r]; k < t->ring[r + 1]; k++) {
                double u = t->xy[2 * k], v = t->xy[2 * k + 1];
                OGR_G_AddPoint_2D(ring, x + u * ca - v * sa, y + u * sa + v * ca);
            }
            OGR_G_AddGeometryDirectly(g, ring);
        }
        *height = t->height;
    }
    return g;
}

static OGRLayerH bbg__create(const char *driver, const char *path, OGRSpatialReferenceH srs,
                             GDALDatasetH *ds)
{
    GDALDriverH drv = GDALGetDriverByName(driver);
    if (!drv) return NULL;
    VSIUnlink(path);
    *ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    if (!*ds) return NULL;
    OGRLayerH l = GDALDatasetCreateLayer(*ds, "buildings", srs, wkbUnknown, NULL);
    if (!l) return NULL;
    OGRFieldDefnH fd = OGR_Fld_Create("height", OFTReal);
    OGR_L_CreateField(l, fd, TRUE);
    OGR_Fld_Destroy(fd);
    fd = OGR_Fld_Create("floors", OFTInteger);
    OGR_L_CreateField(l, fd, TRUE);
    OGR_Fld_Destroy(fd);
    fd = OGR_Fld_Create("use", OFTString);
    OGR_L_CreateField(l, fd, TRUE);
    OGR_Fld_Destroy(fd);
    return l;
}

/* bx x by blocks of count footprints, each Seoul-sized, block (0, 0) on
 * Seoul's extent with bbg_generate's seed (the same features), the others
 * east and north of it with seeds of their own. */
static bool bbg__write(const char *assets_dir, long count, int bx, int by, const char *gpkg,
                       const char *fgb, bbg_counts *out, char *err, size_t n);

bool bbg_generate(const char *assets_dir, long count, const char *gpkg, const char *fgb,
                  bbg_counts *out, char *err, size_t n)
{
    return bbg__write(assets_dir, count, 1, 1, gpkg, fgb, out, err, n);
}

bool bbg_generate_national(const char *assets_dir, long per_block, int bx, int by, const char *fgb,
                           bbg_counts *out, char *err, size_t n)
{
    return bbg__write(assets_dir, per_block, bx, by, NULL, fgb, out, err, n);
}

static bool bbg__write(const char *assets_dir, long count, int bx, int by, const char *gpkg,
                       const char *fgb, bbg_counts *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 5186);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    bbg_set set = {0};
    char path[1200];
    const char *files[] = {"incheon_cheongna_buildings_2p5km.geojson",
                           "seoul_yeouido_osm_buildings.geojson"};
    bool ok = true;
    for (int i = 0; ok && i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", assets_dir, files[i]);
        ok = bbg__read(&set, path, srs);
        if (!ok) snprintf(err, n, "%s: cannot read the real footprints", path);
    }
    out->templates = set.n;
    GDALDatasetH ds[2] = {NULL, NULL};
    OGRLayerH l[2] = {NULL, NULL};
    const char *paths[2] = {gpkg, fgb}, *drivers[2] = {"GPKG", "FlatGeobuf"};
    for (int k = 0; ok && k < 2; k++) {
        if (!paths[k]) continue;
        l[k] = bbg__create(drivers[k], paths[k], srs, &ds[k]);
        if (!l[k]) {
            snprintf(err, n, "%s: cannot create (%s)", paths[k], CPLGetLastErrorMsg());
            ok = false;
        }
    }
    if (ok && ds[0]) GDALDatasetStartTransaction(ds[0], FALSE);
    double w = BBG_XMAX - BBG_XMIN, h = BBG_YMAX - BBG_YMIN, cell = sqrt(w * h / (double)count);
    long cols = (long)ceil(w / cell);
    static const char *uses[] = {"주거", "상업", "업무", "공업", "교육", "공공"};
    OGRFeatureDefnH defn = ok && set.n ? OGR_L_GetLayerDefn(l[0] ? l[0] : l[1]) : NULL;
    for (long b = 0; ok && defn && b < (long)bx * by; b++) {
        uint64_t rng = 20260601 + (uint64_t)b * 7919;
        double ox = (double)(b % bx) * w, oy = (double)(b / bx) * h;
        for (long i = 0; ok && defn && i < count; i++) {
            double x = ox + BBG_XMIN + ((double)(i % cols) + 0.5) * cell;
            double y = oy + BBG_YMIN + ((double)(i / cols) + 0.5) * cell;
            double room = cell * (0.55 + 0.3 * bbg__unit(&rng));
            x += (bbg__unit(&rng) - 0.5) * (cell - room);
            y += (bbg__unit(&rng) - 0.5) * (cell - room);
            double th;
            OGRGeometryH g = bbg__footprint(&set, i, x, y, room, &rng, out, &th);
            int floors = 1 + (int)(pow(bbg__unit(&rng), 3) * 40);
            double height = isnan(th) ? floors * 3.3 : th * (0.8 + 0.4 * bbg__unit(&rng));
            OGRFeatureH f = OGR_F_Create(defn);
            OGR_F_SetGeometryDirectly(f, g);
            if (i % 20 == 13)
                out->null_heights++;
            else
                OGR_F_SetFieldDouble(f, 0, round(height * 10) / 10);
            OGR_F_SetFieldInteger(f, 1, floors);
            OGR_F_SetFieldString(f, 2, uses[bbg__next(&rng) % 6]);
            for (int k = 0; ok && k < 2; k++) {
                if (!l[k]) continue;
                OGR_F_SetFID(f, OGRNullFID);
                if (OGR_L_CreateFeature(l[k], f) != OGRERR_NONE) {
                    snprintf(err, n, "%s: write failed (%s)", paths[k], CPLGetLastErrorMsg());
                    ok = false;
                }
            }
            OGR_F_Destroy(f);
            out->features++;
        }
    }
    if (!defn && ok) {
        snprintf(err, n, "no footprints read from %s", assets_dir);
        ok = false;
    }
    if (ds[0]) {
        if (ok) GDALDatasetCommitTransaction(ds[0]);
        GDALClose(ds[0]);
    }
    if (ds[1]) GDALClose(ds[1]);
    for (int i = 0; i < set.n; i++) {
        free(set.t[i].xy);
        free(set.t[i].ring);
    }
    free(set.t);
    OSRDestroySpatialReference(srs);
    return ok;
}
