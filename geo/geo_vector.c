/* OGR vector loading: polygon rings and lines become densified line
 * segments in the scene frame; each feature gets a label point. */
#include "geo_vector.h"

#include "geo_gdal.h"
#include "tw_log.h"
#include "tw_time.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Caps on what one source may add, so a hostile file cannot exhaust memory. */
#define GEO_VECTOR_MAX_VERTICES (64u * 1024u * 1024u)

void geo_skips_add_n(geo_skips *s, const char *reason, int n)
{
    if (n <= 0) return;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->reason[i], reason) == 0) {
            s->count[i] += n;
            return;
        }
    if (s->n < GEO_SKIP_REASONS) {
        s->reason[s->n] = reason;
        s->count[s->n] = n;
        s->n++;
    } else {
        s->count[GEO_SKIP_REASONS - 1] += n; /* the last slot collects the rest */
    }
}

void geo_skips_add(geo_skips *s, const char *reason)
{
    geo_skips_add_n(s, reason, 1);
}

void geo_skips_describe(const geo_skips *s, char *out, size_t n)
{
    size_t at = 0;
    if (n) out[0] = 0;
    for (int i = 0; i < s->n && at < n; i++) {
        int w = snprintf(out + at, n - at, "%s%d %s", i ? ", " : "", s->count[i], s->reason[i]);
        if (w < 0) break;
        at += (size_t)w;
    }
}

OGRFeatureH geo_vector_next(OGRLayerH layer, bool filtered, char *why, size_t n)
{
    CPLErrorReset();
    OGRFeatureH f = OGR_L_GetNextFeature(layer);
    if (!f && !filtered && CPLGetLastErrorType() >= CE_Failure && why && n && !why[0])
        snprintf(why, n, "%s", geo_gdal_last_error());
    /* A remote read that failed on the way: what follows cannot be trusted. */
    const char *net = geo_gdal_net_failure();
    if (net[0] && why && n && !why[0]) snprintf(why, n, "%s", net);
    if (net[0] && f) {
        OGR_F_Destroy(f);
        f = NULL;
    }
    return f;
}

int geo_skips_total(const geo_skips *s)
{
    int t = 0;
    for (int i = 0; i < s->n; i++) t += s->count[i];
    return t;
}

typedef struct geo__lines {
    double *xy; /* scene coordinates */
    uint32_t *ix;
    size_t nv, cap_v, ni, cap_i;
} geo__lines;

static bool geo__push_vertex(geo__lines *l, double x, double y)
{
    if (l->nv == l->cap_v) {
        size_t cap = l->cap_v ? l->cap_v * 2 : 4096;
        if (cap > GEO_VECTOR_MAX_VERTICES) return false;
        double *p = realloc(l->xy, cap * 2 * sizeof *p);
        if (!p) return false;
        l->xy = p;
        l->cap_v = cap;
    }
    l->xy[l->nv * 2] = x;
    l->xy[l->nv * 2 + 1] = y;
    l->nv++;
    return true;
}

static bool geo__push_index(geo__lines *l, uint32_t a, uint32_t b)
{
    if (l->ni + 2 > l->cap_i) {
        size_t cap = l->cap_i ? l->cap_i * 2 : 8192;
        uint32_t *p = realloc(l->ix, cap * sizeof *p);
        if (!p) return false;
        l->ix = p;
        l->cap_i = cap;
    }
    l->ix[l->ni++] = a;
    l->ix[l->ni++] = b;
    return true;
}

/* Appends one transformed, densified polyline. False when out of room. */
static bool geo__add_path(geo__lines *l, const double *x, const double *y, int n, double max_seg)
{
    bool have_prev = false;
    uint32_t prev = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] == HUGE_VAL) {
            have_prev = false;
            continue;
        }
        if (have_prev) {
            double px = l->xy[prev * 2], py = l->xy[prev * 2 + 1];
            double len = hypot(x[i] - px, y[i] - py);
            int pieces = (int)ceil(len / max_seg);
            if (pieces > 4096) pieces = 4096;
            for (int k = 1; k <= pieces; k++) {
                double t = (double)k / pieces;
                if (!geo__push_vertex(l, px + (x[i] - px) * t, py + (y[i] - py) * t)) return false;
                uint32_t cur = (uint32_t)(l->nv - 1);
                if (!geo__push_index(l, prev, cur)) return false;
                prev = cur;
            }
        } else {
            if (!geo__push_vertex(l, x[i], y[i])) return false;
            prev = (uint32_t)(l->nv - 1);
            have_prev = true;
        }
    }
    return true;
}

/* Walks a geometry, adding every ring and line; returns false on overflow. */
static bool geo__add_geometry(geo__lines *l, OGRGeometryH g, geo_xform *xf, double max_seg,
                              int *paths)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbLineString || t == wkbLinearRing) {
        int n = OGR_G_GetPointCount(g);
        if (n < 2) return true;
        double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
        if (!x || !y) {
            free(x);
            free(y);
            return false;
        }
        OGR_G_GetPoints(g, x, sizeof(double), y, sizeof(double), NULL, 0);
        geo_xform_to_scene(xf, (size_t)n, x, y, NULL);
        bool ok = geo__add_path(l, x, y, n, max_seg);
        free(x);
        free(y);
        (*paths)++;
        return ok;
    }
    int parts = OGR_G_GetGeometryCount(g);
    for (int i = 0; i < parts; i++)
        if (!geo__add_geometry(l, OGR_G_GetGeometryRef(g, i), xf, max_seg, paths)) return false;
    return true;
}

/* Label anchor: a point inside the largest polygon part (or the middle of a
 * line), and the feature's area for placement priority. */
bool geo_vector_label_point(OGRGeometryH g, double *x, double *y, double *area)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    OGRGeometryH part = g;
    *area = 0;
    if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        double best = -1;
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
            OGRGeometryH p = OGR_G_GetGeometryRef(g, i);
            double a = OGR_G_Area(p);
            *area += a;
            if (a > best) {
                best = a;
                part = p;
            }
        }
    } else {
        *area = OGR_G_Area(g);
    }
    OGRGeometryH pt = OGR_G_PointOnSurface(part);
    if (pt && !OGR_G_IsEmpty(pt)) {
        *x = OGR_G_GetX(pt, 0);
        *y = OGR_G_GetY(pt, 0);
        OGR_G_DestroyGeometry(pt);
        return true;
    }
    if (pt) OGR_G_DestroyGeometry(pt);
    OGREnvelope env;
    OGR_G_GetEnvelope(part, &env);
    *x = 0.5 * (env.MinX + env.MaxX);
    *y = 0.5 * (env.MinY + env.MaxY);
    return isfinite(*x) && isfinite(*y);
}

typedef geo_vector_source geo__source;

static void geo__source_close(geo__source *s)
{
    geo_xform_destroy(s->xf);
    if (s->ds && !s->borrowed) GDALClose(s->ds);
    memset(s, 0, sizeof *s);
}

/* Once per loaded layer: data that lies outside the scene CRS's area. An
 * estimate will do (unforced: PostGIS answers from its index or statistics
 * instead of reading every row, 4.6 s at 6,000,000). */
static void geo__check_area(const geo_vector_desc *desc, const geo_frame *frame, OGRLayerH layer,
                            OGRSpatialReferenceH srs)
{
    OGREnvelope env;
    if (!OGR_L_TestCapability(layer, OLCFastGetExtent) ||
        OGR_L_GetExtent(layer, &env, 0) != OGRERR_NONE)
        return;
    /* An empty layer's header gives 0, 0, 0, 0: nothing lies anywhere. Not
     * its feature count: a PostGIS "fast" count is SELECT count(*), a scan
     * of the table (2-2.6 s at 6,000,000 rows before a streamed layer's
     * first tile, bench_buildings_scale). */
    if (env.MinX == 0 && env.MinY == 0 && env.MaxX == 0 && env.MaxY == 0) return;
    double ext[4] = {env.MinX, env.MinY, env.MaxX, env.MaxY};
    geo_frame_warn_outside_area(frame, srs, ext, desc->path);
}

static tw_result geo__source_open(const geo_vector_desc *desc, const geo_frame *frame,
                                  bool check_area, geo__source *s, char *crs_name, size_t crs_n,
                                  char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    tw_result r = geo_gdal_check_path(desc->path, err, n);
    if (r != TW_OK) return r;
    char opt[96];
    const char *open_opts[16] = {NULL};
    int no = 0;
    if (desc->encoding && desc->encoding[0]) {
        snprintf(opt, sizeof opt, "ENCODING=%s", desc->encoding);
        open_opts[no++] = opt;
    }
    for (const char *const *o = desc->open_options; o && *o && no < 15; o++) open_opts[no++] = *o;
    geo_gdal_clear_error();
    double t0 = tw_time_mono_s();
    s->borrowed = desc->dataset != NULL;
    s->ds = s->borrowed ? desc->dataset
                        : GDALOpenEx(desc->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                                     open_opts[0] ? open_opts : NULL, NULL);
    if (!s->ds)
        return geo_gdal_describe_open_failure(desc->path, "vector source", tw_time_mono_s() - t0,
                                              err, n);
    if (desc->layer && desc->layer[0]) {
        s->layer = GDALDatasetGetLayerByName(s->ds, desc->layer);
        if (!s->layer) {
            snprintf(err, n, "has no layer named '%s'", desc->layer);
            geo__source_close(s);
            return TW_ERR_ARG;
        }
    } else if (GDALDatasetGetLayerCount(s->ds) > 0) {
        s->layer = GDALDatasetGetLayer(s->ds, 0);
        for (int i = 0; desc->want_polygons && i < GDALDatasetGetLayerCount(s->ds); i++) {
            OGRLayerH l = GDALDatasetGetLayer(s->ds, i);
            OGRwkbGeometryType t = l ? wkbFlatten(OGR_L_GetGeomType(l)) : wkbUnknown;
            /* Polygons, with arcs or not (CurvePolygon, MultiSurface). */
            if (t != wkbUnknown && (OGR_GT_IsSubClassOf(t, wkbCurvePolygon) ||
                                    OGR_GT_IsSubClassOf(t, wkbMultiSurface))) {
                s->layer = l;
                break;
            }
        }
    }
    if (!s->layer) {
        snprintf(err, n, "has no layers");
        geo__source_close(s);
        return TW_ERR_FORMAT;
    }
    if (desc->has_bbox)
        OGR_L_SetSpatialFilterRect(s->layer, desc->bbox[0], desc->bbox[1], desc->bbox[2],
                                   desc->bbox[3]);
    else if (s->borrowed)
        OGR_L_SetSpatialFilter(s->layer, NULL); /* the last read's */
    if (s->borrowed && !(desc->where && desc->where[0])) OGR_L_SetAttributeFilter(s->layer, NULL);
    if (s->borrowed) OGR_L_SetIgnoredFields(s->layer, NULL); /* the last read's */
    if (desc->where && desc->where[0]) {
        geo_gdal_clear_error();
        if (OGR_L_SetAttributeFilter(s->layer, desc->where) != OGRERR_NONE) {
            snprintf(err, n, "bad \"where\" filter '%s': %s", desc->where, geo_gdal_last_error());
            geo__source_close(s);
            return TW_ERR_ARG;
        }
    }
    OGRSpatialReferenceH srs = NULL;
    bool own = false;
    const char *drv = GDALGetDriverShortName(GDALGetDatasetDriver(s->ds));
    if (desc->source_crs && desc->source_crs[0]) {
        r = geo_srs_from_text(desc->source_crs, &srs, err, n);
        if (r != TW_OK) {
            geo__source_close(s);
            return r;
        }
        own = true;
    } else {
        srs = OGR_L_GetSpatialRef(s->layer);
        if (!srs && (strcasecmp(drv, "GeoJSON") == 0 || strcasecmp(drv, "TopoJSON") == 0 ||
                     strcasecmp(drv, "GeoJSONSeq") == 0)) {
            /* RFC 7946 (and TopoJSON by convention): WGS 84 lon/lat. */
            r = geo_srs_from_text("EPSG:4326", &srs, err, n);
            if (r != TW_OK) {
                geo__source_close(s);
                return r;
            }
            own = true;
        }
        if (!srs) {
            snprintf(err, n,
                     "has no coordinate reference system; give \"source_crs\" in the scene");
            geo__source_close(s);
            return TW_ERR_CRS;
        }
    }
    geo_srs_describe(srs, crs_name, crs_n);
    if (check_area && !s->borrowed) geo__check_area(desc, frame, s->layer, srs);
    r = geo_xform_create(frame, srs, desc->xform_flags, &s->xf, err, n);
    if (own) OSRDestroySpatialReference(srs);
    if (r != TW_OK) geo__source_close(s);
    return r;
}

tw_result geo_vector_open(const geo_vector_desc *desc, const geo_frame *frame, geo_vector_source *s,
                          char *crs, size_t crs_n, char *err, size_t n)
{
    geo_gdal_net_reset(); /* a read starts: an earlier one's failure is not its */
    return geo__source_open(desc, frame, true, s, crs, crs_n, err, n);
}

void geo_vector_close(geo_vector_source *s)
{
    geo__source_close(s);
}

tw_result geo_vector_extent(const geo_vector_desc *desc, const geo_frame *frame, double ext[4],
                            char *err, size_t n)
{
    geo__source s;
    char crs[128];
    tw_result r = geo__source_open(desc, frame, false, &s, crs, sizeof crs, err, n);
    if (r != TW_OK) return r;
    OGREnvelope env;
    if (OGR_L_GetExtent(s.layer, &env, 1) != OGRERR_NONE) {
        snprintf(err, n, "has no features to measure");
        geo__source_close(&s);
        return TW_ERR_FORMAT;
    }
    double x[4] = {env.MinX, env.MaxX, env.MinX, env.MaxX};
    double y[4] = {env.MinY, env.MinY, env.MaxY, env.MaxY};
    geo_xform_to_scene(s.xf, 4, x, y, NULL);
    ext[0] = ext[1] = HUGE_VAL;
    ext[2] = ext[3] = -HUGE_VAL;
    for (int i = 0; i < 4; i++) {
        if (x[i] == HUGE_VAL) continue;
        ext[0] = fmin(ext[0], x[i]);
        ext[1] = fmin(ext[1], y[i]);
        ext[2] = fmax(ext[2], x[i]);
        ext[3] = fmax(ext[3], y[i]);
    }
    geo__source_close(&s);
    if (!(ext[0] <= ext[2])) {
        snprintf(err, n, "its extent cannot be placed in the scene CRS");
        return TW_ERR_CRS;
    }
    return TW_OK;
}

static bool geo__valid_utf8(const unsigned char *s)
{
    while (*s) {
        int extra = *s < 0x80             ? 0
                    : (*s & 0xE0) == 0xC0 ? 1
                    : (*s & 0xF0) == 0xE0 ? 2
                    : (*s & 0xF8) == 0xF0 ? 3
                                          : -1;
        if (extra < 0 || (extra == 1 && *s < 0xC2)) return false;
        s++;
        for (int i = 0; i < extra; i++, s++)
            if ((*s & 0xC0) != 0x80) return false;
    }
    return true;
}

/* A field's text as UTF-8. Korean shapefiles (KOSTAT, NGII) are CP949, and
 * without a .cpg (or the scene's "encoding") GDAL hands the bytes over as
 * they are; text that is not UTF-8 is then read as CP949 and *recoded set. */
char *geo_vector_field_text(OGRFeatureH f, int idx, bool *recoded)
{
    if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx)) return NULL;
    const char *v = OGR_F_GetFieldAsString(f, idx);
    if (!v || !v[0]) return NULL;
    if (!recoded || geo__valid_utf8((const unsigned char *)v)) return strdup(v);
    char *u = CPLRecode(v, "CP949", CPL_ENC_UTF8);
    char *out = u ? strdup(u) : NULL;
    CPLFree(u);
    *recoded = true;
    return out;
}

void geo_vector_note_recoded(const geo_vector_desc *desc, bool recoded)
{
    if (recoded)
        TW_INFO("vector",
                "%s: text is not UTF-8 and the source names no encoding (no .cpg); read it as "
                "CP949 (Korean). Add \"encoding\": \"CP949\" to this source in the scene to "
                "say so",
                desc->path);
}

tw_result geo_vector_load_outlines(const geo_vector_desc *desc, const geo_frame *frame,
                                   geo_outlines *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    geo__source s;
    tw_result r = geo__source_open(desc, frame, true, &s, out->crs, sizeof out->crs, err, n);
    if (r != TW_OK) return r;
    out->bessel_fixed = geo_xform_bessel_fixed(s.xf);
    if (out->bessel_fixed)
        TW_WARN("crs", "%s: Bessel 1841 CRS without datum shift; applying Korean 1985 -> WGS 84",
                desc->path);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(s.layer);
    int fi = -1, fi_en = -1;
    if (desc->label_field && desc->label_field[0]) {
        fi = OGR_FD_GetFieldIndex(defn, desc->label_field);
        if (fi < 0)
            TW_WARN("boundaries", "%s: no field '%s' for labels", desc->path, desc->label_field);
    }
    if (desc->label_field_en && desc->label_field_en[0])
        fi_en = OGR_FD_GetFieldIndex(defn, desc->label_field_en);
    double max_seg = desc->densify_m > 0 ? desc->densify_m : 50.0;
    bool recode = !(desc->encoding && desc->encoding[0]), recoded = false;
    geo__lines l = {0};
    size_t label_cap = 0;
    bool full = false;
    OGR_L_ResetReading(s.layer);
    OGRFeatureH f;
    char gdal_err[384] = "", cut[320] = "";
    geo_gdal_clear_error();
    while (!full && (f = geo_vector_next(s.layer, desc->has_bbox, cut, sizeof cut)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (!g || OGR_G_IsEmpty(g)) {
            /* A driver that cannot decode a shape (a corrupt .shp) says so and
             * hands the feature over without geometry. */
            bool broken = CPLGetLastErrorType() >= CE_Failure;
            if (broken && !gdal_err[0])
                snprintf(gdal_err, sizeof gdal_err, "%s", geo_gdal_last_error());
            geo_skips_add(&out->skipped, broken ? "unreadable geometry" : "no geometry");
            geo_gdal_clear_error();
            OGR_F_Destroy(f);
            continue;
        }
        OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
        if (t == wkbPoint || t == wkbMultiPoint) {
            geo_skips_add(&out->skipped, "not a line or polygon");
            OGR_F_Destroy(f);
            continue;
        }
        size_t before = l.nv;
        int paths = 0;
        if (!geo__add_geometry(&l, g, s.xf, max_seg, &paths)) {
            full = true;
            TW_WARN("boundaries", "%s: too many vertices; the rest of the layer is left out",
                    desc->path);
        }
        if (l.nv == before) {
            geo_skips_add(&out->skipped, paths ? "outside the scene CRS" : "empty geometry");
            OGR_F_Destroy(f);
            continue;
        }
        out->features++;
        double lx, ly, area;
        if (geo_vector_label_point(g, &lx, &ly, &area)) {
            geo_xform_to_scene(s.xf, 1, &lx, &ly, NULL);
            if (lx != HUGE_VAL && (size_t)out->label_count == label_cap) {
                size_t cap = label_cap ? label_cap * 2 : 64;
                geo_label *p = realloc(out->labels, cap * sizeof *p);
                if (p) {
                    out->labels = p;
                    label_cap = cap;
                }
            }
            if (lx != HUGE_VAL && (size_t)out->label_count < label_cap) {
                geo_label *lab = &out->labels[out->label_count++];
                lab->text = geo_vector_field_text(f, fi, recode ? &recoded : NULL);
                lab->text_en = geo_vector_field_text(f, fi_en, recode ? &recoded : NULL);
                lab->x = lx;
                lab->y = ly;
                lab->area = area;
            }
        }
        OGR_F_Destroy(f);
    }
    geo_vector_note_recoded(desc, recoded);
    /* A read cut short (geo_vector_next) is said as shapes not read. */
    if (!gdal_err[0] && cut[0]) snprintf(gdal_err, sizeof gdal_err, "%s", cut);
    if (!gdal_err[0] && CPLGetLastErrorType() >= CE_Failure)
        snprintf(gdal_err, sizeof gdal_err, "%s", geo_gdal_last_error());
    geo__source_close(&s);
    if (l.nv == 0) {
        free(l.xy);
        free(l.ix);
        geo_outlines_free(out);
        if (gdal_err[0])
            snprintf(err, n,
                     "is damaged, GDAL cannot read its shapes (%s); export or download it again",
                     gdal_err);
        else
            snprintf(err, n, "holds no lines or polygons to draw");
        return TW_ERR_FORMAT;
    }
    if (gdal_err[0])
        TW_WARN("boundaries", "%s: some shapes cannot be read and are left out: %s", desc->path,
                gdal_err);
    double e[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (size_t i = 0; i < l.nv; i++) {
        e[0] = fmin(e[0], l.xy[i * 2]);
        e[1] = fmin(e[1], l.xy[i * 2 + 1]);
        e[2] = fmax(e[2], l.xy[i * 2]);
        e[3] = fmax(e[3], l.xy[i * 2 + 1]);
    }
    memcpy(out->extent, e, sizeof e);
    out->lines.prim = TW_PRIM_LINES;
    r = tw_mesh_alloc(&out->lines, (uint32_t)l.nv, (uint32_t)l.ni, 0);
    if (r == TW_OK) {
        out->lines.origin[0] = 0.5 * (e[0] + e[2]);
        out->lines.origin[1] = 0.5 * (e[1] + e[3]);
        for (size_t i = 0; i < l.nv; i++) {
            out->lines.positions[i * 3] = (float)(l.xy[i * 2] - out->lines.origin[0]);
            out->lines.positions[i * 3 + 1] = (float)(l.xy[i * 2 + 1] - out->lines.origin[1]);
            out->lines.positions[i * 3 + 2] = 0;
        }
        memcpy(out->lines.indices, l.ix, l.ni * sizeof *l.ix);
    }
    free(l.xy);
    free(l.ix);
    if (r != TW_OK) geo_outlines_free(out);
    return r;
}

void geo_outlines_free(geo_outlines *o)
{
    tw_mesh_free(&o->lines);
    for (int i = 0; i < o->label_count; i++) {
        free(o->labels[i].text);
        free(o->labels[i].text_en);
    }
    free(o->labels);
    o->labels = NULL;
    o->label_count = 0;
}

tw_result geo_source_center_lonlat(const char *path, const char *source_crs, double *lon,
                                   double *lat, char *err, size_t n)
{
    tw_result r = geo_gdal_check_path(path, err, n);
    if (r != TW_OK) return r;
    GDALDatasetH ds =
        GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        snprintf(err, n, "GDAL cannot open it to find its centre");
        return TW_ERR_FORMAT;
    }
    double x = NAN, y = NAN, gt[6];
    OGRSpatialReferenceH srs = NULL;
    if (GDALGetRasterCount(ds) > 0 && GDALGetGeoTransform(ds, gt) == CE_None) {
        double px = GDALGetRasterXSize(ds) * 0.5, py = GDALGetRasterYSize(ds) * 0.5;
        x = gt[0] + px * gt[1] + py * gt[2];
        y = gt[3] + px * gt[4] + py * gt[5];
        srs = GDALGetSpatialRef(ds);
    } else if (GDALDatasetGetLayerCount(ds) > 0) {
        OGRLayerH l = GDALDatasetGetLayer(ds, 0);
        OGREnvelope env;
        if (OGR_L_GetExtent(l, &env, 1) == OGRERR_NONE) {
            x = 0.5 * (env.MinX + env.MaxX);
            y = 0.5 * (env.MinY + env.MaxY);
        }
        srs = OGR_L_GetSpatialRef(l);
    }
    OGRSpatialReferenceH own = NULL, wgs = OSRNewSpatialReference(NULL);
    if (source_crs && source_crs[0] && geo_srs_from_text(source_crs, &own, err, n) == TW_OK)
        srs = own;
    if (!srs && OSRImportFromEPSG((own = OSRNewSpatialReference(NULL)), 4326) == OGRERR_NONE)
        srs = own; /* GeoJSON and friends: WGS 84 */
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReferenceH src = srs ? OSRClone(srs) : NULL;
    if (src) OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = src ? OCTNewCoordinateTransformation(src, wgs) : NULL;
    bool ok = ct && isfinite(x) && isfinite(y) && OCTTransform(ct, 1, &x, &y, NULL);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    if (src) OSRDestroySpatialReference(src);
    OSRDestroySpatialReference(wgs);
    if (own) OSRDestroySpatialReference(own);
    GDALClose(ds);
    if (!ok || fabs(x) > 180 || fabs(y) > 90) {
        snprintf(err, n, "its centre cannot be placed on the globe");
        return TW_ERR_CRS;
    }
    *lon = x;
    *lat = y;
    return TW_OK;
}
