/* Point loading. */
#include "geo_points.h"

#include "geo_gdal.h"

#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest a source may be, in features: a point layer of a city is
 * thousands; a country's is millions, which wants a tiled kind. */
#define GEO_POINTS_MAX 2000000

/* CSV columns GDAL should read as coordinates (case-insensitive). */
static const char *const GEO_CSV_OPTIONS[] = {
    "X_POSSIBLE_NAMES=x,lon,lng,long,longitude,easting,crdnt_x,경도",
    "Y_POSSIBLE_NAMES=y,lat,latitude,northing,crdnt_y,위도", "KEEP_GEOM_COLUMNS=YES", NULL};

static bool geo__is_csv(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

static char *geo__text(OGRFeatureH f, int idx)
{
    if (idx < 0 || !OGR_F_IsFieldSetAndNotNull(f, idx)) return NULL;
    const char *v = OGR_F_GetFieldAsString(f, idx);
    return v ? strdup(v) : NULL;
}

/* A field's index, or -1 with err set when the layer has none by that name. */
static int geo__field_index(OGRFeatureDefnH def, const char *name, const char *key, char *err,
                            size_t n)
{
    if (!name || !name[0]) return -1;
    int i = OGR_FD_GetFieldIndex(def, name);
    if (i < 0) snprintf(err, n, "has no field '%s' (the scene's \"%s\")", name, key);
    return i;
}

static bool geo__grow(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap) return true;
    int c = *cap ? *cap * 2 : 256;
    while (c < need) c *= 2;
    void *g = realloc(*p, (size_t)c * size);
    if (!g) return false;
    *p = g;
    *cap = c;
    return true;
}

typedef struct geo__build {
    int point_cap, feature_cap;
} geo__build;

/* Adds the feature's attributes; false when out of memory. */
static bool geo__add_feature(geo_points *p, geo__build *b, OGRFeatureH f, int label_i,
                             int label_en_i)
{
    int k = p->features;
    if (!geo__grow((void **)&p->fids, &b->feature_cap, k + 1, sizeof *p->fids)) return false;
    int cap = b->feature_cap;
    char **l = realloc(p->labels, (size_t)cap * sizeof *l);
    if (l) p->labels = l;
    char **le = realloc(p->labels_en, (size_t)cap * sizeof *le);
    if (le) p->labels_en = le;
    char **v =
        realloc(p->values, (size_t)cap * (size_t)(p->field_count ? p->field_count : 1) * sizeof *v);
    if (v) p->values = v;
    if (!l || !le || !v) return false;
    p->fids[k] = (long)OGR_F_GetFID(f);
    p->labels[k] = geo__text(f, label_i);
    p->labels_en[k] = geo__text(f, label_en_i);
    for (int i = 0; i < p->field_count; i++) p->values[k * p->field_count + i] = geo__text(f, i);
    p->features++;
    return true;
}

static bool geo__add_point(geo_points *p, geo__build *b, double x, double y, double value)
{
    if (!geo__grow((void **)&p->points, &b->point_cap, p->count + 1, sizeof *p->points))
        return false;
    p->points[p->count++] = (geo_point){.x = x, .y = y, .feature = p->features, .value = value};
    p->extent[0] = fmin(p->extent[0], x);
    p->extent[1] = fmin(p->extent[1], y);
    p->extent[2] = fmax(p->extent[2], x);
    p->extent[3] = fmax(p->extent[3], y);
    return true;
}

/* The points of a Point or MultiPoint in the scene frame; other geometry
 * gives none (*kind_ok false). */
static int geo__points_of(OGRGeometryH g, geo_xform *xf, double *xs, double *ys, int max,
                          bool *kind_ok)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    int n = 0;
    *kind_ok = t == wkbPoint || t == wkbMultiPoint;
    if (t == wkbPoint) {
        xs[0] = OGR_G_GetX(g, 0), ys[0] = OGR_G_GetY(g, 0);
        n = 1;
    } else if (t == wkbMultiPoint) {
        int parts = OGR_G_GetGeometryCount(g);
        for (int i = 0; i < parts && n < max; i++) {
            OGRGeometryH pt = OGR_G_GetGeometryRef(g, i);
            if (OGR_G_IsEmpty(pt)) continue;
            xs[n] = OGR_G_GetX(pt, 0), ys[n] = OGR_G_GetY(pt, 0);
            n++;
        }
    }
    for (int i = 0; i < n; i++)
        if (!isfinite(xs[i]) || !isfinite(ys[i])) return -1;
    if (n > 0 && geo_xform_to_scene(xf, (size_t)n, xs, ys, NULL) != (size_t)n) return -1;
    return n;
}

tw_result geo_points_load(const geo_points_desc *desc, const geo_frame *frame, geo_points *out,
                          char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    out->extent[0] = out->extent[1] = HUGE_VAL;
    out->extent[2] = out->extent[3] = -HUGE_VAL;
    geo_vector_desc vd = desc->src;
    if (!vd.open_options && vd.path && geo__is_csv(vd.path)) vd.open_options = GEO_CSV_OPTIONS;
    geo_vector_source s;
    tw_result r = geo_vector_open(&vd, frame, &s, out->crs, sizeof out->crs, err, n);
    if (r != TW_OK) return r;
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(s.layer);
    err[0] = 0;
    int label_i = geo__field_index(def, vd.label_field, "label_field", err, n);
    int label_en_i = geo__field_index(def, vd.label_field_en, "label_field_en", err, n);
    int value_i = geo__field_index(def, desc->value_field, "value_field", err, n);
    if (err[0]) {
        geo_vector_close(&s);
        return TW_ERR_ARG;
    }
    out->field_count = OGR_FD_GetFieldCount(def);
    out->fields = calloc(out->field_count > 0 ? (size_t)out->field_count : 1, sizeof *out->fields);
    for (int i = 0; out->fields && i < out->field_count; i++)
        out->fields[i] = strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i)));
    geo__build b = {0};
    bool oom = !out->fields;
    double xs[64], ys[64];
    OGR_L_ResetReading(s.layer);
    OGRFeatureH f;
    char cut[300] = ""; /* why the reading stopped before the layer's end */
    long read = 0;
    while (!oom && (f = geo_vector_next(s.layer, vd.has_bbox, cut, sizeof cut)) != NULL) {
        read++;
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        bool kind_ok = false;
        int np = g && !OGR_G_IsEmpty(g) ? geo__points_of(g, s.xf, xs, ys, 64, &kind_ok) : 0;
        if (!g || OGR_G_IsEmpty(g)) {
            geo_skips_add(&out->skipped, "no geometry");
        } else if (!kind_ok) {
            geo_skips_add(&out->skipped, "not a point");
        } else if (np < 0) {
            geo_skips_add(&out->skipped, "outside the scene CRS");
        } else if (np == 0) {
            geo_skips_add(&out->skipped, "no geometry");
        } else if (out->features >= GEO_POINTS_MAX) {
            geo_skips_add(&out->skipped, "over the point limit");
        } else {
            double v = NAN;
            if (value_i >= 0 && OGR_F_IsFieldSetAndNotNull(f, value_i)) {
                char *end;
                const char *txt = OGR_F_GetFieldAsString(f, value_i);
                double d = strtod(txt, &end);
                if (end != txt && isfinite(d)) v = d;
            }
            for (int i = 0; i < np && !oom; i++) oom = !geo__add_point(out, &b, xs[i], ys[i], v);
            if (!oom) oom = !geo__add_feature(out, &b, f, label_i, label_en_i);
            if (!oom && !isnan(v)) {
                out->vmin = out->has_values ? fmin(out->vmin, v) : v;
                out->vmax = out->has_values ? fmax(out->vmax, v) : v;
                out->has_values = true;
            }
        }
        OGR_F_Destroy(f);
    }
    geo_vector_close(&s);
    if (oom) {
        geo_points_free(out);
        snprintf(err, n, "out of memory reading the points");
        return TW_ERR_NOMEM;
    }
    if (cut[0]) {
        geo_points_free(out);
        snprintf(err, n, "reading stopped after %ld features: %s", read, cut);
        return TW_ERR_IO;
    }
    if (out->count == 0) {
        int skipped = geo_skips_total(&out->skipped);
        if (skipped)
            snprintf(err, n, "holds no points (%d features skipped, e.g. %s)", skipped,
                     out->skipped.reason[0]);
        else
            snprintf(err, n, "holds no points (no features%s)",
                     vd.where || vd.has_bbox ? " pass the \"where\" / \"bbox\" filter" : "");
        geo_points_free(out);
        return TW_ERR_FORMAT;
    }
    return TW_OK;
}

void geo_points_free(geo_points *p)
{
    for (int k = 0; k < p->features; k++) {
        if (p->labels) free(p->labels[k]);
        if (p->labels_en) free(p->labels_en[k]);
        for (int i = 0; p->values && i < p->field_count; i++)
            free(p->values[k * p->field_count + i]);
    }
    for (int i = 0; p->fields && i < p->field_count; i++) free(p->fields[i]);
    free(p->points);
    free(p->fids);
    free(p->labels);
    free(p->labels_en);
    free(p->values);
    free(p->fields);
    memset(p, 0, sizeof *p);
}
