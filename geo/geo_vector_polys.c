/* OGR polygon loading: rings in the scene frame with their features' codes
 * and names, and point-in-polygon queries (the boundaries' regions). */
#include "geo_vector.h"

#include "geo_farray.h"
#include "geo_gpkg.h"
#include "geo_gdal.h"
#include "geo_prefault.h"
#include "tw_log.h"

#include <gdal.h>
#include <limits.h>
#include <math.h>
#include <ogr_api.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Growable arrays of geo_polygons while loading; a large layer's features
 * and points (once guessed) are sized ahead and their pages faulted in on
 * another core (geo_prefault.h), joined before they move. */
typedef struct geo__poly_build {
    geo_polygons *p;
    size_t cap_f, cap_r, cap_xy, nxy;
    long expect;    /* features the layer says it has, -1 unknown */
    int next_guess; /* features read at the next guess of the points */
    geo_prefault pf_f, pf_xy;
    geo_farray *xy_file; /* the points' file (desc xy_file), NULL: the heap */
} geo__poly_build;

/* Large layers only: below this many features the arrays are small
 * (tests lower it: geo_vector_set_ahead_from). */
static _Atomic int geo__ahead_min = 20000;

int geo_vector_set_ahead_from(int features)
{
    return atomic_exchange(&geo__ahead_min, features > 0 ? features : 1);
}

static bool geo__grow(void **ptr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*ptr, c * size);
    if (!q) return false;
    *ptr = q;
    *cap = c;
    return true;
}

/* Adds one ring in scene metres; rings with fewer than 3 usable points are
 * dropped. Returns false on allocation failure. */
/* x,y pairs into the scene frame in place, in batches (failed points
 * become HUGE_VAL, as geo_xform_to_scene makes them). */
static void geo__xform_xy(geo_xform *xf, size_t n, double *xy)
{
    if (geo_xform_is_identity(xf)) return;
    double bx[256], by[256];
    for (size_t a = 0; a < n; a += 256) {
        size_t m = n - a < 256 ? n - a : 256;
        for (size_t i = 0; i < m; i++) bx[i] = xy[(a + i) * 2], by[i] = xy[(a + i) * 2 + 1];
        geo_xform_to_scene(xf, m, bx, by, NULL);
        for (size_t i = 0; i < m; i++) xy[(a + i) * 2] = bx[i], xy[(a + i) * 2 + 1] = by[i];
    }
}

/* Room for a ring of n points after those kept so far: where its first
 * point goes (NULL: out of memory). */
static double *geo__poly_ring_room(geo__poly_build *b, size_t n)
{
    geo_polygons *p = b->p;
    if ((b->nxy + n) * 2 > b->cap_xy) geo_prefault_join(&b->pf_xy); /* it moves */
    size_t cap_start = b->cap_r, cap_outer = b->cap_r, cap_xy = b->cap_xy * sizeof *p->xy;
    if (!geo__grow((void **)&p->ring_start, &cap_start, (size_t)p->ring_count + 2,
                   sizeof *p->ring_start) ||
        !geo__grow((void **)&p->ring_outer, &cap_outer, (size_t)p->ring_count + 2,
                   sizeof *p->ring_outer) ||
        !geo_farray_room(b->xy_file, (void **)&p->xy, &cap_xy, b->nxy * 2 * sizeof *p->xy,
                         (b->nxy + n) * 2 * sizeof *p->xy, false))
        return NULL;
    b->cap_xy = cap_xy / sizeof *p->xy;
    b->cap_r = cap_start < cap_outer ? cap_start : cap_outer;
    return &p->xy[b->nxy * 2];
}

/* The ring whose n points were put in its room: transformed as one batch,
 * its unusable points dropped, and kept when it still has an inside. */
static void geo__poly_ring_keep(geo__poly_build *b, size_t n, geo_xform *xf, bool outer,
                                bool *added)
{
    geo_polygons *p = b->p;
    double *x = &p->xy[b->nxy * 2];
    size_t first = b->nxy, kept = 0;
    geo__xform_xy(xf, n, x);
    for (size_t i = 0; i < n; i++) {
        double px = x[i * 2], py = x[i * 2 + 1];
        if (px == HUGE_VAL || !isfinite(px) || !isfinite(py)) continue;
        x[kept * 2] = px;
        x[kept * 2 + 1] = py;
        kept++;
    }
    /* Fewer than 3 distinct points (a closing point and repeats aside) is
     * no ring: it has no inside to fill. */
    size_t distinct = kept;
    for (size_t i = 1; i < kept; i++)
        distinct -= x[i * 2] == x[(i - 1) * 2] && x[i * 2 + 1] == x[(i - 1) * 2 + 1];
    if (kept > 1 && x[(kept - 1) * 2] == x[0] && x[(kept - 1) * 2 + 1] == x[1]) distinct--;
    if (distinct < 3) return;
    p->ring_start[p->ring_count] = (int)first;
    p->ring_outer[p->ring_count] = outer;
    p->ring_count++;
    b->nxy += kept;
    p->ring_start[p->ring_count] = (int)b->nxy;
    *added = true;
}

static bool geo__poly_ring(geo__poly_build *b, OGRGeometryH ring, geo_xform *xf, bool outer,
                           bool *added)
{
    *added = false;
    int n = OGR_G_GetPointCount(ring);
    if (n < 3) return true;
    double *x = geo__poly_ring_room(b, (size_t)n);
    if (!x) return false;
    OGR_G_GetPoints(ring, x, 2 * sizeof *x, x + 1, 2 * sizeof *x, NULL, 0);
    geo__poly_ring_keep(b, (size_t)n, xf, outer, added);
    return true;
}

/* A GeoPackage blob's rings (geo_gpkg_rings), as geo__poly_geometry
 * takes an OGR polygon's: a polygon's holes only after its outer ring. */
typedef struct geo__wkb_poly {
    geo__poly_build *b;
    geo_xform *xf;
    int rings;
    bool outer_added, skip, nomem;
} geo__wkb_poly;

static bool geo__wkb_ring(void *user, const uint8_t *pts, uint32_t n, int dims, bool swap,
                          uint32_t ring)
{
    geo__wkb_poly *w = user;
    if (ring == 0) w->skip = false, w->outer_added = false;
    /* A hole without its outer ring would be filled as land. */
    if (w->skip || (ring > 0 && !w->outer_added)) {
        w->skip = true;
        return true;
    }
    bool added = false;
    if (n >= 3) {
        double *x = geo__poly_ring_room(w->b, n);
        if (!x) {
            w->nomem = true;
            return false;
        }
        if (dims == 2 && !swap)
            memcpy(x, pts, (size_t)n * 16);
        else
            for (uint32_t i = 0; i < n; i++)
                geo_gpkg_point(pts, i, dims, swap, &x[i * 2], &x[i * 2 + 1]);
        geo__poly_ring_keep(w->b, n, w->xf, ring == 0, &added);
    }
    if (ring == 0) w->outer_added = added;
    w->rings += added;
    return true;
}

/* The features array's pages from feature f0 up to (not past) f1, faulted
 * in ahead (the array was sized for the count the layer gave). */
static void geo__poly_ahead_features(geo__poly_build *b, size_t f0, size_t f1)
{
    geo_prefault_join(&b->pf_f);
    f1 = f1 < b->cap_f ? f1 : b->cap_f;
    if (f1 > f0)
        geo_prefault_start(&b->pf_f, b->p->features + f0, (f1 - f0) * sizeof *b->p->features);
}

/* At a sixteenth of a large layer read, then each time the count of
 * features read doubles: its points guessed from those so far, the array
 * grown to the guess and the next stretch of it faulted in ahead, the
 * features' too (at most twice what was read so far, so a poor guess
 * costs little). */
static void geo__poly_guess(geo__poly_build *b)
{
    geo_prefault_join(&b->pf_xy);
    int count = b->p->count;
    b->next_guess = count < INT_MAX / 2 ? count * 2 : INT_MAX;
    geo__poly_ahead_features(b, (size_t)count, (size_t)count * 3);
    size_t guess = (size_t)((double)b->nxy * (double)b->expect / (double)count);
    size_t upto = guess * 95 / 100; /* points */
    upto = upto < b->nxy * 3 ? upto : b->nxy * 3;
    if (upto <= b->nxy) return;
    size_t cap = upto * 2 + upto / 4; /* doubles, an eighth to spare */
    size_t cap_xy = b->cap_xy * sizeof(double);
    /* Into the points' file (if any) from now on: the points read so far
     * are moved there once. */
    if (cap > b->cap_xy &&
        !geo_farray_room(b->xy_file, (void **)&b->p->xy, &cap_xy, b->nxy * 2 * sizeof(double),
                         cap * sizeof(double), true))
        return; /* grown as it comes instead */
    b->cap_xy = cap_xy / sizeof(double);
    geo_prefault_start(&b->pf_xy, b->p->xy + b->nxy * 2, (upto - b->nxy) * 2 * sizeof(double));
}

static bool geo__poly_geometry(geo__poly_build *b, OGRGeometryH g, geo_xform *xf, int *rings)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbTriangle) {
        bool outer_added = false;
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
            bool added;
            /* A hole without its outer ring would be filled as land. */
            if (i > 0 && !outer_added) break;
            if (!geo__poly_ring(b, OGR_G_GetGeometryRef(g, i), xf, i == 0, &added)) return false;
            if (i == 0) outer_added = added;
            *rings += added;
        }
        return true;
    }
    if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            if (!geo__poly_geometry(b, OGR_G_GetGeometryRef(g, i), xf, rings)) return false;
    }
    return true;
}

/* What a feature's geometry is to a reader of footprints: polygons (a
 * Polygon, Triangle, MultiPolygon or a collection, which may hold
 * some), a 3D surface (PolyhedralSurface, TIN: faces, walls among them,
 * not a footprint) or something else. Curves are linearized before
 * (geo__linear). */
static const char *geo__not_polygons(OGRwkbGeometryType t)
{
    if (t == wkbPolygon || t == wkbTriangle || t == wkbMultiPolygon || t == wkbGeometryCollection)
        return NULL;
    if (t == wkbPolyhedralSurface || t == wkbTIN) return "a 3D surface, not a footprint";
    return "not a polygon";
}

/* A geometry of a curve type (CurvePolygon, MultiSurface, a
 * CompoundCurve or CircularString ring, any of them in a collection;
 * with arcs or only straight segments) as OGR's linear types, arcs as
 * straight segments: a new geometry the caller destroys, NULL when it is
 * linear already (or on no memory: then it is counted as what it is). */
static OGRGeometryH geo__linear(OGRGeometryH g)
{
    if (!g || !OGR_G_HasCurveGeometry(g, FALSE)) return NULL;
    return OGR_G_GetLinearGeometry(g, 0, NULL);
}

/* A feature skipped for reason, counted unless the read is a tile's
 * (desc has_keep) and the geometry's middle lies in another tile: a
 * feature read by every tile its box overlaps is counted once. */
static void geo__skip(geo_polygons *out, const geo_vector_desc *desc, geo_xform *xf, OGRGeometryH g,
                      const char *reason)
{
    if (desc->has_keep && g && !OGR_G_IsEmpty(g)) {
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        double x = 0.5 * (e.MinX + e.MaxX), y = 0.5 * (e.MinY + e.MaxY);
        geo_xform_to_scene(xf, 1, &x, &y, NULL);
        const double *k = desc->keep;
        if (!(x >= k[0] && x < k[2] && y >= k[1] && y < k[3])) return;
    }
    geo_skips_add(&out->skipped, reason);
}

static double geo__ring_area(const double *xy, int n)
{
    double a = 0;
    for (int i = 0, j = n - 1; i < n; j = i++)
        a += (xy[j * 2] + xy[i * 2]) * (xy[j * 2 + 1] - xy[i * 2 + 1]);
    return 0.5 * a;
}

/* Label point, bbox and area of a feature from its rings in scene metres. */
static void geo__poly_measure(geo_polygons *p, geo_polygon *f, geo_polygon_text *t, OGRGeometryH g,
                              geo_xform *xf, bool labels)
{
    /* Comparisons, not fmin/fmax (library calls for their NaN rules): the
     * rings hold finite points only (geo__poly_ring), and this runs on the
     * reader for every point of a large layer. */
    double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
    f->area = 0;
    for (int r = f->ring_first; r < f->ring_first + f->ring_count; r++) {
        const double *xy = &p->xy[p->ring_start[r] * 2];
        int n = p->ring_start[r + 1] - p->ring_start[r];
        double a = fabs(geo__ring_area(xy, n));
        f->area += p->ring_outer[r] ? a : -a;
        for (int i = 0; i < n; i++) {
            double x = xy[i * 2], y = xy[i * 2 + 1];
            x0 = x < x0 ? x : x0, y0 = y < y0 ? y : y0;
            x1 = x > x1 ? x : x1, y1 = y > y1 ? y : y1;
        }
    }
    f->bbox[0] = x0, f->bbox[1] = y0, f->bbox[2] = x1, f->bbox[3] = y1;
    if (!t) return;
    double lx, ly, area;
    t->label_x = 0.5 * (f->bbox[0] + f->bbox[2]);
    t->label_y = 0.5 * (f->bbox[1] + f->bbox[3]);
    if (labels && geo_vector_label_point(g, &lx, &ly, &area)) {
        geo_xform_to_scene(xf, 1, &lx, &ly, NULL);
        if (lx != HUGE_VAL) t->label_x = lx, t->label_y = ly;
    }
}

tw_result geo_vector_load_polygons(const geo_vector_desc *desc, const char *code_field,
                                   const geo_frame *frame, geo_polygons *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    geo_vector_source s;
    geo_vector_desc d = *desc;
    d.want_polygons = true;
    tw_result r = geo_vector_open(&d, frame, &s, out->crs, sizeof out->crs, err, n);
    if (r != TW_OK) return r;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(s.layer);
    int fc = code_field ? OGR_FD_GetFieldIndex(defn, code_field) : -1;
    int fn = desc->label_field ? OGR_FD_GetFieldIndex(defn, desc->label_field) : -1;
    int fe = desc->label_field_en ? OGR_FD_GetFieldIndex(defn, desc->label_field_en) : -1;
    if (code_field && fc < 0)
        TW_WARN("boundaries", "%s: no field '%s' for codes", desc->path, code_field);
    geo__poly_build b = {.p = out, .expect = -1, .xy_file = desc->xy_file};
    /* Texts and label points only where asked for. */
    bool texts = !desc->no_labels || fc >= 0 || fn >= 0 || fe >= 0;
    size_t cap_t = 0;
    bool ok = true;
    if (!desc->has_bbox && !(desc->where && desc->where[0]) &&
        OGR_L_TestCapability(s.layer, OLCFastFeatureCount))
        b.expect = (long)OGR_L_GetFeatureCount(s.layer, FALSE);
    long ahead_min = atomic_load(&geo__ahead_min);
    if (b.expect >= ahead_min && b.expect < INT_MAX) {
        b.next_guess = (int)(b.expect / 16);
        out->features = malloc((size_t)b.expect * sizeof *out->features);
        if (out->features) {
            b.cap_f = (size_t)b.expect;
            geo__poly_ahead_features(&b, 0, (size_t)b.next_guess * 3);
        }
    }
    bool recode = !(desc->encoding && desc->encoding[0]), recoded = false;
    if (desc->layer_fn) ok = desc->layer_fn(desc->feature_user, s.layer);
    OGR_L_ResetReading(s.layer);
    /* A GeoPackage table read whole, without labels: its features through
     * an SQL layer that gives each geometry's blob, walked as it is
     * (geo_gpkg.h), instead of an OGR geometry built for each one; a blob
     * the walk leaves (a curve, a collection, a malformed one) is read by
     * its FID from the layer, as before. */
    int blob_i = -1;
    OGRLayerH blobs = ok && desc->no_labels && !desc->has_bbox && !(desc->where && desc->where[0])
                          ? geo_gpkg_blob_layer(s.ds, s.layer, &blob_i)
                          : NULL;
    OGRFeatureH f;
    long read = 0, walked = 0;
    char cut[300] = ""; /* why the reading stopped before the layer's end */
    while (ok && (f = geo_vector_next(blobs ? blobs : s.layer, desc->has_bbox, cut, sizeof cut)) !=
                     NULL) {
        read++;
        OGRFeatureH whole = NULL; /* the layer's own feature, for a blob left to OGR */
        OGRGeometryH g = NULL;
        const uint8_t *wkb = NULL;
        size_t wkb_n = 0;
        geo_gpkg_kind kind = GEO_GPKG_OTHER;
        if (blobs) {
            int nb = 0;
            const GByte *blob = OGR_F_IsFieldSetAndNotNull(f, blob_i)
                                    ? OGR_F_GetFieldAsBinary(f, blob_i, &nb)
                                    : NULL;
            kind = blob && nb > 0 ? geo_gpkg_check(blob, (size_t)nb, &wkb, &wkb_n) : GEO_GPKG_EMPTY;
            if (kind == GEO_GPKG_OTHER && (whole = OGR_L_GetFeature(s.layer, OGR_F_GetFID(f))))
                g = OGR_F_GetGeometryRef(whole);
        } else {
            g = OGR_F_GetGeometryRef(f);
        }
        bool walk = kind == GEO_GPKG_POLYGONS;
        OGRGeometryH lin = walk ? NULL : geo__linear(g);
        if (lin) g = lin;
        const char *not_polygons =
            walk || !g ? NULL : geo__not_polygons(wkbFlatten(OGR_G_GetGeometryType(g)));
        if (!walk && (!g || OGR_G_IsEmpty(g))) {
            geo__skip(out, desc, s.xf, NULL, "no geometry");
        } else if (not_polygons) {
            geo__skip(out, desc, s.xf, g, not_polygons);
        } else {
            int first = out->ring_count, rings = 0;
            if ((size_t)out->count + 1 > b.cap_f) geo_prefault_join(&b.pf_f); /* it moves */
            if (walk) {
                geo__wkb_poly w = {.b = &b, .xf = s.xf};
                /* Checked whole: only running out of memory stops it. */
                ok = geo_gpkg_rings(wkb, wkb_n, geo__wkb_ring, &w);
                rings = w.rings;
                walked++;
            } else {
                ok = geo__poly_geometry(&b, g, s.xf, &rings);
            }
            ok = ok &&
                 geo__grow((void **)&out->features, &b.cap_f, (size_t)out->count + 1,
                           sizeof *out->features) &&
                 (!texts || geo__grow((void **)&out->texts, &cap_t, (size_t)out->count + 1,
                                      sizeof *out->texts));
            if (ok && rings == 0) geo__skip(out, desc, s.xf, g, "empty geometry");
            if (ok && rings > 0) {
                geo_polygon *pf = &out->features[out->count++];
                memset(pf, 0, sizeof *pf);
                pf->ring_first = first;
                pf->ring_count = rings;
                geo_polygon_text *pt = texts ? &out->texts[out->count - 1] : NULL;
                if (pt) {
                    memset(pt, 0, sizeof *pt);
                    pt->code = geo_vector_field_text(f, fc, NULL);
                    pt->name = geo_vector_field_text(f, fn, recode ? &recoded : NULL);
                    pt->name_en = geo_vector_field_text(f, fe, recode ? &recoded : NULL);
                }
                pf->fid = (long)OGR_F_GetFID(f);
                /* g (NULL for a walked blob) only for the label point. */
                geo__poly_measure(out, pf, pt, g, s.xf, !desc->no_labels);
                if (desc->feature_fn) ok = desc->feature_fn(desc->feature_user, f, out->count - 1);
                if (b.expect >= ahead_min && out->count >= b.next_guess && out->count < b.expect)
                    geo__poly_guess(&b);
            }
        }
        if (lin) OGR_G_DestroyGeometry(lin);
        if (whole) OGR_F_Destroy(whole);
        OGR_F_Destroy(f);
    }
    if (blobs) GDALDatasetReleaseResultSet(s.ds, blobs);
    geo_gpkg_count(walked);
    geo_prefault_join(&b.pf_f);
    geo_prefault_join(&b.pf_xy);
    if (desc->layer_fn) OGR_L_SetIgnoredFields(s.layer, NULL); /* a borrowed layer, as it was */
    geo_vector_close(&s);
    geo_vector_note_recoded(desc, recoded);
    if (geo_farray_holds(b.xy_file, out->xy) && (!ok || cut[0] || out->count == 0))
        out->xy = NULL; /* the file's: its owner lets it go */
    if (!ok) {
        geo_polygons_free(out);
        snprintf(err, n, "out of memory reading its polygons");
        return TW_ERR_NOMEM;
    }
    if (cut[0]) {
        /* Not a smaller layer: nothing of it is kept (nor cached). */
        geo_polygons_free(out);
        snprintf(err, n, "reading stopped after %ld features: %s", read, cut);
        return TW_ERR_IO;
    }
    if (out->count == 0) {
        /* The skips stay: a tile of only skipped features still says so. */
        geo_skips skipped = out->skipped;
        geo_polygons_free(out);
        out->skipped = skipped;
        /* Say why when a filter left nothing: a CSV's empty text is not
         * NULL, so a "where" written for another format can match none. */
        if (read == 0 && desc->where && desc->where[0])
            snprintf(err, n, "holds no polygons: no feature matches \"where\": %s", desc->where);
        else if (read == 0 && !desc->has_bbox)
            snprintf(err, n, "holds no polygons: the layer has no features");
        else
            snprintf(err, n, "holds no polygons");
        return TW_ERR_FORMAT;
    }
    double *e = out->extent;
    e[0] = e[1] = HUGE_VAL;
    e[2] = e[3] = -HUGE_VAL;
    for (int i = 0; i < out->count; i++) {
        e[0] = fmin(e[0], out->features[i].bbox[0]);
        e[1] = fmin(e[1], out->features[i].bbox[1]);
        e[2] = fmax(e[2], out->features[i].bbox[2]);
        e[3] = fmax(e[3], out->features[i].bbox[3]);
    }
    return TW_OK;
}

const geo_polygon_text *geo_polygons_text(const geo_polygons *p, int f)
{
    static const geo_polygon_text none;
    return p->texts && f >= 0 && f < p->count ? &p->texts[f] : &none;
}

void geo_polygons_free(geo_polygons *p)
{
    for (int i = 0; p->texts && i < p->count; i++) {
        free(p->texts[i].code);
        free(p->texts[i].name);
        free(p->texts[i].name_en);
    }
    free(p->texts);
    free(p->features);
    free(p->xy);
    free(p->ring_start);
    free(p->ring_outer);
    memset(p, 0, sizeof *p);
}

bool geo_polygon_contains(const geo_polygons *p, int feature, double x, double y)
{
    if (feature < 0 || feature >= p->count) return false;
    const geo_polygon *f = &p->features[feature];
    if (x < f->bbox[0] || x > f->bbox[2] || y < f->bbox[1] || y > f->bbox[3]) return false;
    bool inside = false;
    for (int r = f->ring_first; r < f->ring_first + f->ring_count; r++) {
        const double *xy = &p->xy[p->ring_start[r] * 2];
        int n = p->ring_start[r + 1] - p->ring_start[r];
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double yi = xy[i * 2 + 1], yj = xy[j * 2 + 1];
            if ((yi > y) != (yj > y) &&
                x < (xy[j * 2] - xy[i * 2]) * (y - yi) / (yj - yi) + xy[i * 2])
                inside = !inside;
        }
    }
    return inside;
}

int geo_polygons_find(const geo_polygons *p, double x, double y)
{
    for (int i = 0; i < p->count; i++)
        if (geo_polygon_contains(p, i, x, y)) return i;
    return -1;
}
