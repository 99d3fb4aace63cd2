/* Building loading: heights from a field, floors or a default; meshes from
 * the shared polygon builders. */
#include "geo_buildings_int.h"
#include "geo_buildings_order.h"
#include "geo_farray.h"

#include <math.h>
#include <cpl_string.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Field names tried in order when the scene names none: heights in metres
 * (OSM, CityGML exports, NYC's heightroof, 건물통합정보 A16), then floors
 * above ground (OSM, 건물통합정보 GRND_FLR / 지상층수 / GRO_FLO_CO). */
static const char *const GEO_HEIGHT_NAMES[] = {
    "height", "HEIGHT", "height_m", "building:height", "measuredHeight", "heightroof", "A16", NULL};
static const char *const GEO_FLOOR_NAMES[] = {
    "building:levels", "building_levels", "levels", "GRND_FLR", "지상층수", "GRO_FLO_CO", NULL};

/* OSM tags read from an "other_tags" field (GDAL's OSM driver keeps the
 * tags its configuration does not list there, as hstore text) when no field
 * of that name exists: heights, then floors. */
static const char *const GEO_HEIGHT_TAGS[] = {"height", "building:height", NULL};
static const char *const GEO_FLOOR_TAGS[] = {"building:levels", "levels", NULL};

#define GEO_MAX_FLOORS 300

typedef struct geo__ctx {
    geo_buildings *b;
    const geo_buildings_desc *desc;
    int idx[GEO_BUILDINGS_SOURCES];      /* field index of each source tried */
    bool numeric[GEO_BUILDINGS_SOURCES]; /* an integer or real field: read as a number */
    const char *tag[GEO_BUILDINGS_SOURCES]; /* an OSM tag in the field's hstore text, or NULL */
    int class_i;                         /* desc->class_field's index, -1 none */
    bool recode;                         /* text that is not UTF-8 is CP949 */
    bool ready;
    char missing[160]; /* a field the scene names that the source lacks */
    size_t cap;
    double floor_m, default_m;
    signed char *src_of; /* per feature: the height source used, -1 the default */
    geo_bpipe *pipe;     /* triangulation while reading; NULL: after */
} geo__ctx;

bool geo_buildings_parse_number(const char *text, double *out)
{
    if (!text) return false;
    while (*text == ' ' || *text == '\t') text++;
    char *end;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v)) return false;
    *out = v;
    return true;
}

bool geo_buildings_hstore_get(const char *text, const char *key, char *out, size_t n)
{
    /* "key"=>"value","key2"=>"value2", with \" and \\ escaped inside quotes. */
    size_t klen = strlen(key);
    const char *p = text;
    while (p && *p) {
        char buf[2][256];
        for (int part = 0; part < 2; part++) {
            while (*p == ' ' || *p == ',' || (part && (*p == '=' || *p == '>'))) p++;
            if (*p != '"') return false;
            size_t len = 0;
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) p++;
                if (len + 1 < sizeof buf[part]) buf[part][len++] = *p;
            }
            if (*p != '"') return false; /* unterminated */
            p++;
            buf[part][len] = 0;
        }
        if (strlen(buf[0]) == klen && strcmp(buf[0], key) == 0) {
            snprintf(out, n, "%s", buf[1]);
            return true;
        }
    }
    return false;
}

static void geo__add_source(geo__ctx *c, OGRFeatureDefnH def, const char *name, bool floors)
{
    geo_buildings *b = c->b;
    int i = OGR_FD_GetFieldIndex(def, name);
    if (i < 0 || b->source_count >= GEO_BUILDINGS_SOURCES) return;
    for (int k = 0; k < b->source_count; k++)
        if (c->idx[k] == i) return; /* OGR matches names case-insensitively */
    geo_buildings_source *s = &b->sources[b->source_count];
    snprintf(s->field, sizeof s->field, "%s", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i)));
    s->floors = floors;
    OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(def, i));
    c->numeric[b->source_count] = t == OFTInteger || t == OFTInteger64 || t == OFTReal;
    c->idx[b->source_count++] = i;
}

/* An OSM tag of the "other_tags" field as a source, unless a field of
 * that name is one already. */
static void geo__add_tag(geo__ctx *c, OGRFeatureDefnH def, const char *tag, bool floors)
{
    geo_buildings *b = c->b;
    int i = OGR_FD_GetFieldIndex(def, "other_tags");
    if (i < 0 || OGR_FD_GetFieldIndex(def, tag) >= 0 || b->source_count >= GEO_BUILDINGS_SOURCES)
        return;
    geo_buildings_source *s = &b->sources[b->source_count];
    snprintf(s->field, sizeof s->field, "%s", tag);
    s->floors = floors;
    c->numeric[b->source_count] = false;
    c->tag[b->source_count] = tag;
    c->idx[b->source_count++] = i;
}

/* First feature: the attribute names and the height sources, in order. */
static bool geo__setup(geo__ctx *c, OGRFeatureDefnH def)
{
    geo_buildings *b = c->b;
    const geo_buildings_desc *d = c->desc;
    c->ready = true;
    b->field_count = OGR_FD_GetFieldCount(def);
    b->fields = calloc(b->field_count > 0 ? (size_t)b->field_count : 1, sizeof *b->fields);
    if (!b->fields) return false;
    for (int i = 0; i < b->field_count; i++)
        if (!(b->fields[i] = strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i))))) return false;
    c->class_i =
        d->class_field && d->class_field[0] ? OGR_FD_GetFieldIndex(def, d->class_field) : -1;
    if (c->class_i >= 0) {
        /* Room for every feature the layer says it has (a guess: grown when short). */
        c->b->class_cap = 1 << 16;
        c->b->class_text = malloc(c->b->class_cap);
        if (!c->b->class_text) return false;
    }
    const char *named[2] = {d->height_field, d->floors_field};
    const char *keys[2] = {"height_field", "floors_field"};
    for (int k = 0; k < 2; k++) {
        if (!named[k] || !named[k][0]) continue;
        if (OGR_FD_GetFieldIndex(def, named[k]) < 0) {
            snprintf(c->missing, sizeof c->missing, "has no field '%s' (the scene's \"%s\")",
                     named[k], keys[k]);
            return false;
        }
        geo__add_source(c, def, named[k], k == 1);
    }
    if ((d->height_field && d->height_field[0]) || (d->floors_field && d->floors_field[0]))
        return true;
    for (int k = 0; GEO_HEIGHT_NAMES[k]; k++) geo__add_source(c, def, GEO_HEIGHT_NAMES[k], false);
    for (int k = 0; GEO_HEIGHT_TAGS[k]; k++) geo__add_tag(c, def, GEO_HEIGHT_TAGS[k], false);
    for (int k = 0; GEO_FLOOR_NAMES[k]; k++) geo__add_source(c, def, GEO_FLOOR_NAMES[k], true);
    for (int k = 0; GEO_FLOOR_TAGS[k]; k++) geo__add_tag(c, def, GEO_FLOOR_TAGS[k], true);
    return true;
}

/* Before the first feature: the height sources and the class field from
 * the layer's fields, and every other field ignored (OGR then neither
 * fetches nor converts them: a building register has dozens, which a
 * pick reads by FID), unless a "where" filter may need them. */
static bool geo__layer(void *user, OGRLayerH layer)
{
    geo__ctx *c = user;
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(layer);
    if (!c->ready && !geo__setup(c, def)) return false;
    const char *where = c->desc->src.where;
    if (where && where[0]) return true;
    int n = OGR_FD_GetFieldCount(def), k = 0;
    const char **skip = calloc((size_t)n + 2, sizeof *skip);
    if (!skip) return true; /* every field read, as before */
    for (int i = 0; i < n; i++) {
        bool used = i == c->class_i;
        for (int s = 0; s < c->b->source_count && !used; s++) used = c->idx[s] == i;
        if (!used) skip[k++] = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i));
    }
    skip[k++] = "OGR_STYLE";
    OGR_L_SetIgnoredFields(layer, skip);
    free(skip);
    return true;
}

static bool geo__grow(geo__ctx *c, int need)
{
    geo_buildings *b = c->b;
    if ((size_t)need <= c->cap) return true;
    size_t cap = c->cap ? c->cap * 2 : 1024;
    while (cap < (size_t)need) cap *= 2;
    double *h = realloc(b->height, cap * sizeof *h);
    if (h) b->height = h;
    double *fl = realloc(b->floors, cap * sizeof *fl);
    if (fl) b->floors = fl;
    bool v = true;
    if (c->class_i >= 0) {
        uint32_t *ca = realloc(b->class_at, cap * sizeof *ca);
        if (ca) b->class_at = ca;
        v = ca != NULL;
    }
    signed char *so = realloc(c->src_of, cap * sizeof *so);
    if (so) c->src_of = so;
    if (!h || !fl || !v || !so) return false;
    c->cap = cap;
    return true;
}

/* The class field's text of a feature, appended to the arena. */
static bool geo__class(geo__ctx *c, OGRFeatureH f, int index)
{
    geo_buildings *b = c->b;
    b->class_at[index] = 0;
    if (!OGR_F_IsFieldSetAndNotNull(f, c->class_i)) return true;
    const char *v = OGR_F_GetFieldAsString(f, c->class_i);
    char *u = v && c->recode && !CPLIsUTF8(v, -1) ? CPLRecode(v, "CP949", CPL_ENC_UTF8) : NULL;
    const char *t = u ? u : v ? v : "";
    size_t len = strlen(t) + 1;
    bool ok = b->class_len + len < UINT32_MAX;
    if (ok && b->class_len + len > b->class_cap) {
        size_t cap = b->class_cap * 2;
        while (cap < b->class_len + len) cap *= 2;
        char *a = realloc(b->class_text, cap);
        if (a) b->class_text = a, b->class_cap = cap;
        ok = a != NULL;
    }
    if (ok) {
        memcpy(b->class_text + b->class_len, t, len);
        b->class_at[index] = (uint32_t)b->class_len + 1;
        b->class_len += len;
    }
    CPLFree(u);
    return ok;
}

static bool geo__feature(void *user, OGRFeatureH f, int index)
{
    geo__ctx *c = user;
    geo_buildings *b = c->b;
    if (!c->ready && !geo__setup(c, OGR_F_GetDefnRef(f))) return false;
    if (!geo__grow(c, index + 1)) return false;
    if (c->class_i >= 0 && !geo__class(c, f, index)) return false;
    /* The first source with a usable value wins; 0, null and text that is
     * no number fall through to the next one, then the default. Only these
     * fields are read: the rest wait for a pick. */
    double h = NAN, floors = NAN;
    c->src_of[index] = -1;
    for (int k = 0; k < b->source_count; k++) {
        double v;
        int i = c->idx[k];
        char tv[64];
        if (!OGR_F_IsFieldSetAndNotNull(f, i)) continue;
        if (c->numeric[k])
            v = OGR_F_GetFieldAsDouble(f, i);
        else if (c->tag[k] ? !geo_buildings_hstore_get(OGR_F_GetFieldAsString(f, i), c->tag[k],
                                                       tv, sizeof tv) ||
                                 !geo_buildings_parse_number(tv, &v)
                           : !geo_buildings_parse_number(OGR_F_GetFieldAsString(f, i), &v))
            continue;
        if (!isfinite(v) || v <= 0) continue;
        if (b->sources[k].floors) {
            if (v > GEO_MAX_FLOORS) continue;
            if (isnan(floors)) floors = v;
            if (isnan(h)) {
                h = v * c->floor_m;
                b->sources[k].count++;
                c->src_of[index] = (signed char)k;
            }
        } else if (isnan(h) && v < GEO_BUILDINGS_MAX_M) {
            h = v;
            b->sources[k].count++;
            c->src_of[index] = (signed char)k;
        }
    }
    if (isnan(h)) {
        h = c->default_m;
        b->defaulted++;
    }
    b->height[index] = h;
    b->floors[index] = floors;
    b->hmin = index == 0 ? h : fmin(b->hmin, h);
    b->hmax = index == 0 ? h : fmax(b->hmax, h);
    return !c->pipe || geo_bpipe_add(c->pipe, &b->polys, index);
}

/* Feature f as OGR polygons (scene metres): each outer ring with its holes. */
static OGRGeometryH geo__to_ogr(const geo_polygons *p, int f)
{
    const geo_polygon *pf = &p->features[f];
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon), poly = NULL;
    for (int r = pf->ring_first; mp && r < pf->ring_first + pf->ring_count; r++) {
        if (p->ring_outer[r]) {
            if (poly) OGR_G_AddGeometryDirectly(mp, poly);
            poly = OGR_G_CreateGeometry(wkbPolygon);
        }
        if (!poly) continue; /* a hole before any outer ring */
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
        for (int i = p->ring_start[r]; i < p->ring_start[r + 1]; i++)
            OGR_G_AddPoint_2D(ring, p->xy[i * 2], p->xy[i * 2 + 1]);
        OGR_G_CloseRings(ring);
        OGR_G_AddGeometryDirectly(poly, ring);
    }
    if (poly) OGR_G_AddGeometryDirectly(mp, poly);
    return mp;
}

/* Growing ring arrays for the repaired set of polygons. */
typedef struct geo__rings {
    double *xy;
    int *start;
    bool *outer;
    int points, rings, cap_points, cap_rings;
} geo__rings;

static bool geo__rings_add(geo__rings *o, const double *xy, int n, bool outer)
{
    if (o->points + n > o->cap_points) {
        int cap = (o->points + n) * 2;
        double *v = realloc(o->xy, (size_t)cap * 2 * sizeof *v);
        if (!v) return false;
        o->xy = v, o->cap_points = cap;
    }
    if (o->rings + 2 > o->cap_rings) {
        int cap = (o->rings + 2) * 2;
        int *s = realloc(o->start, (size_t)cap * sizeof *s);
        if (s) o->start = s;
        bool *b = realloc(o->outer, (size_t)cap * sizeof *b);
        if (b) o->outer = b;
        if (!s || !b) return false;
        o->cap_rings = cap;
    }
    memcpy(&o->xy[o->points * 2], xy, (size_t)n * 2 * sizeof *xy);
    o->start[o->rings] = o->points;
    o->outer[o->rings++] = outer;
    o->points += n;
    o->start[o->rings] = o->points;
    return true;
}

/* The polygons of a valid geometry (MakeValid may give a collection with
 * lines or points where the input collapsed; those are dropped). */
static bool geo__add_valid(geo__rings *o, OGRGeometryH g, double *area)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon) {
        *area += OGR_G_Area(g);
        for (int k = 0; k < OGR_G_GetGeometryCount(g); k++) {
            OGRGeometryH ring = OGR_G_GetGeometryRef(g, k);
            int n = OGR_G_GetPointCount(ring) - 1; /* without the closing point */
            if (n < 3) continue;
            double *xy = malloc((size_t)n * 2 * sizeof *xy);
            if (!xy) return false;
            for (int i = 0; i < n; i++)
                xy[i * 2] = OGR_G_GetX(ring, i), xy[i * 2 + 1] = OGR_G_GetY(ring, i);
            bool ok = geo__rings_add(o, xy, n, k == 0);
            free(xy);
            if (!ok) return false;
        }
    } else if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int k = 0; k < OGR_G_GetGeometryCount(g); k++)
            if (!geo__add_valid(o, OGR_G_GetGeometryRef(g, k), area)) return false;
    }
    return true;
}

/* Footprints the triangulator rejected, filled to nothing, or whose fill
 * missed the polygon's area by more than 1 % (t->bad: self-intersecting
 * rings, bowties) are made valid with OGR (GEOS): their new rings are
 * appended and triangulated again; counted in b->repaired. */
static tw_result geo__repair(geo_buildings *b, geo_btris *t, geo_farray *xy_file)
{
    geo_polygons *p = &b->polys;
    tw_tri_out tri = {0};
    geo__rings o = {0}; /* the repaired rings, appended to p's at the end */
    int *fixed = NULL, nfixed = 0, cap = 0;
    tw_result r = TW_OK;
    for (int f = 0; r == TW_OK && f < p->count; f++) {
        if (!t->bad[f]) continue;
        int first = o.rings, points = o.points;
        OGRGeometryH g = geo__to_ogr(p, f);
        OGRGeometryH v = g ? OGR_G_MakeValid(g) : NULL;
        double area = 0;
        bool ok = v && geo__add_valid(&o, v, &area) && o.rings > first && o.outer[first];
        if (ok && nfixed == cap) {
            cap = cap ? cap * 2 : 64;
            int *q = realloc(fixed, (size_t)cap * sizeof *q);
            if (q)
                fixed = q;
            else
                ok = false, r = TW_ERR_NOMEM;
        }
        if (ok) {
            /* Rings as they will be numbered once appended. */
            geo_polygon *pf = &p->features[f];
            pf->area = area;
            pf->ring_first = p->ring_count + first;
            pf->ring_count = o.rings - first;
            fixed[nfixed++] = f;
            geo_btris_box_stale(t, f); /* made from the rings it had */
            b->repaired++;
        } else {
            o.rings = first, o.points = points; /* kept as it was */
        }
        OGR_G_DestroyGeometry(v);
        OGR_G_DestroyGeometry(g);
    }
    if (r == TW_OK && nfixed) {
        /* The old rings of the repaired features stay, unused. */
        size_t np = (size_t)p->ring_start[p->ring_count], nr = (size_t)p->ring_count;
        size_t have = geo_farray_holds(xy_file, p->xy) ? geo_farray_cap(xy_file) : np * 16;
        double *xy = geo_farray_room(xy_file, (void **)&p->xy, &have, np * 16,
                                     (np + (size_t)o.points) * 16, false)
                         ? p->xy
                         : NULL;
        int *st = realloc(p->ring_start, (nr + (size_t)o.rings + 1) * sizeof *st);
        if (st) p->ring_start = st;
        bool *ou = realloc(p->ring_outer, (nr + (size_t)o.rings + 1) * sizeof *ou);
        if (ou) p->ring_outer = ou;
        if (!xy || !st || !ou) r = TW_ERR_NOMEM;
        if (r == TW_OK) {
            memcpy(&p->xy[np * 2], o.xy, (size_t)o.points * 2 * sizeof *xy);
            for (int k = 0; k < o.rings; k++) {
                p->ring_start[nr + (size_t)k] = (int)np + o.start[k];
                p->ring_outer[nr + (size_t)k] = o.outer[k];
            }
            p->ring_count += o.rings;
            p->ring_start[p->ring_count] = (int)np + o.points;
        }
        for (int k = 0; r == TW_OK && k < nfixed; k++) {
            geo_polygon *pf = &p->features[fixed[k]];
            pf->bbox[0] = pf->bbox[1] = HUGE_VAL, pf->bbox[2] = pf->bbox[3] = -HUGE_VAL;
            for (int i = p->ring_start[pf->ring_first];
                 i < p->ring_start[pf->ring_first + pf->ring_count]; i++) {
                pf->bbox[0] = fmin(pf->bbox[0], p->xy[i * 2]);
                pf->bbox[1] = fmin(pf->bbox[1], p->xy[i * 2 + 1]);
                pf->bbox[2] = fmax(pf->bbox[2], p->xy[i * 2]);
                pf->bbox[3] = fmax(pf->bbox[3], p->xy[i * 2 + 1]);
            }
            if (!geo_btris_feature(t, p, fixed[k], &tri)) r = TW_ERR_NOMEM;
        }
    }
    free(o.xy);
    free(o.start);
    free(o.outer);
    free(fixed);
    tw_tri_out_free(&tri);
    return r;
}

/* Keeps the features whose bounding-box centre is in desc->keep (a tile),
 * in order, with their heights, floors and values; the counts follow. */
static void geo__keep(geo__ctx *c, const double keep[4])
{
    geo_buildings *b = c->b;
    geo_polygons *p = &b->polys;
    int m = 0;
    b->defaulted = 0;
    for (int k = 0; k < b->source_count; k++) b->sources[k].count = 0;
    for (int f = 0; f < p->count; f++) {
        const double *bb = p->features[f].bbox;
        double cx = 0.5 * (bb[0] + bb[2]), cy = 0.5 * (bb[1] + bb[3]);
        if (!(cx >= keep[0] && cx < keep[2] && cy >= keep[1] && cy < keep[3])) {
            b->outside++;
            continue;
        }
        p->features[m] = p->features[f];
        b->height[m] = b->height[f], b->floors[m] = b->floors[f];
        if (b->class_at) b->class_at[m] = b->class_at[f];
        if (c->src_of[f] >= 0)
            b->sources[c->src_of[f]].count++;
        else
            b->defaulted++;
        b->hmin = m == 0 ? b->height[m] : fmin(b->hmin, b->height[m]);
        b->hmax = m == 0 ? b->height[m] : fmax(b->hmax, b->height[m]);
        m++;
    }
    p->count = m;
}

/* Every feature triangulated on this thread (a tile, once trimmed). */
static bool geo__triangulate_all(const geo_buildings *b, geo_btris *t)
{
    tw_tri_out tri = {0};
    bool ok = true;
    for (int f = 0; ok && f < b->polys.count; f++) ok = geo_btris_feature(t, &b->polys, f, &tri);
    tw_tri_out_free(&tri);
    return ok;
}

/* The points' file let go: its pages unmapped unless b's points lie in
 * it, then kept as b's mapping (sealed) with the file's identity. */
static void geo__points_file_end(geo_buildings *b, geo_farray *a, bool keep)
{
    if (!a) return;
    if (!keep || !geo_farray_holds(a, b->polys.xy) || b->cache_map) {
        if (geo_farray_holds(a, b->polys.xy)) b->polys.xy = NULL; /* the polygons are let go too */
        geo_farray_discard(a);
        return;
    }
    b->points_path = strdup(geo_farray_path(a));
    geo_bmap *m = b->points_path ? calloc(1, sizeof *m) : NULL;
    if (!m) {
        free(b->points_path), b->points_path = NULL;
        /* The points to the heap: the file goes. */
        size_t np = (size_t)b->polys.ring_start[b->polys.ring_count];
        double *h = malloc(np * 16 + 1);
        if (h) memcpy(h, b->polys.xy, np * 16);
        b->polys.xy = h;
        geo_farray_discard(a);
        return;
    }
    void *addr;
    size_t size;
    geo_farray_seal(a, &addr, &size, &b->points_dev, &b->points_ino);
    m->addr = addr, m->size = size;
    atomic_init(&m->refs, 1);
    b->cache_map = m;
}

tw_result geo_buildings_load(const geo_buildings_desc *desc, const geo_frame *frame,
                             geo_buildings *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    geo__ctx c = {
        .b = out,
        .desc = desc,
        .floor_m = desc->floor_height_m > 0 ? desc->floor_height_m : GEO_BUILDINGS_FLOOR_M,
        .default_m = desc->default_height_m > 0 ? desc->default_height_m : GEO_BUILDINGS_DEFAULT_M,
        .class_i = -1,
        .recode = !(desc->src.encoding && desc->src.encoding[0])};
    geo_vector_desc vd = desc->src;
    vd.feature_fn = geo__feature;
    vd.layer_fn = geo__layer;
    vd.feature_user = &c;
    /* No texts or label points (geo_polygons texts stays NULL): the
     * attributes are read on a pick. */
    vd.no_labels = true;
    vd.label_field = vd.label_field_en = NULL;
    vd.want_polygons = true;
    /* A tile counts the features it skips as it keeps the others: those
     * whose middle lies in its rectangle. */
    vd.has_keep = desc->has_keep;
    if (desc->has_keep) memcpy(vd.keep, desc->keep, sizeof vd.keep);
    /* A large read for the cache writes its points into the cache's file. */
    geo_farray *xy_file = desc->points_file && desc->for_cache && !desc->has_keep
                              ? geo_farray_create(desc->points_file)
                              : NULL;
    vd.xy_file = xy_file;
    /* A tile drops the features it leaves to others: triangulated after. */
    c.pipe = desc->has_keep ? NULL : geo_bpipe_create();
    tw_result r = desc->has_keep || c.pipe ? TW_OK : TW_ERR_NOMEM;
    if (desc->has_keep && !vd.has_bbox) {
        /* The tile's rectangle in the source's CRS: its spatial filter. */
        geo_vector_source s;
        char crs[64];
        r = geo_vector_open(&vd, frame, &s, crs, sizeof crs, err, n);
        if (r == TW_OK) {
            geo_buildings_rect_to_source(&s, desc->keep, vd.bbox);
            vd.has_bbox = true;
            geo_vector_close(&s);
        }
    }
    if (r == TW_OK) r = geo_vector_load_polygons(&vd, NULL, frame, &out->polys, err, n);
    if (desc->features_read) desc->features_read(desc->features_read_user);
    if (desc->has_keep && r == TW_ERR_FORMAT &&
        strncmp(err, "holds no polygons", strlen("holds no polygons")) == 0) {
        /* A tile with no polygon in it (what it skipped still counted). */
        geo_skips skipped = out->polys.skipped;
        free(c.src_of);
        geo_bpipe_free(c.pipe);
        geo_buildings_free(out);
        out->polys.skipped = skipped;
        geo_farray_discard(xy_file);
        err[0] = 0;
        return TW_OK;
    }
    if (r == TW_OK && !c.missing[0] && desc->has_keep) geo__keep(&c, desc->keep);
    free(c.src_of);
    geo_btris t = {0};
    bool tris_ok =
        r != TW_OK || c.missing[0] ||
        (c.pipe ? geo_bpipe_finish(c.pipe, &t, out->polys.count) : geo__triangulate_all(out, &t));
    geo_bpipe_free(c.pipe);
    if (r == TW_OK && !c.missing[0] && !tris_ok) {
        snprintf(err, n, "out of memory triangulating its footprints");
        r = TW_ERR_NOMEM;
    }
    if (r != TW_OK || c.missing[0]) {
        if (c.missing[0]) snprintf(err, n, "%s", c.missing), r = TW_ERR_ARG;
        /* geo_vector_load_polygons freed its polygons; the rest is ours. */
        geo_btris_free(&t);
        geo__points_file_end(out, xy_file, false);
        geo_buildings_free(out);
        return r;
    }
    if (out->polys.count == 0) { /* a tile whose features all lie in others */
        geo_btris_free(&t);
        geo__points_file_end(out, xy_file, false);
        return TW_OK;
    }
    double cm = desc->chunk_m > 0 ? desc->chunk_m : GEO_BUILDINGS_CHUNK_M;
    r = geo__repair(out, &t, xy_file);
    geo__points_file_end(out, xy_file, r == TW_OK);
    if (r == TW_OK) r = geo_bsort(out, &t, cm);
    /* Meshes made when first wanted: a large read whole, or one for the
     * cache (which holds the triangles, not the meshes). */
    bool later = !desc->has_keep &&
                 (desc->for_cache ||
                  (desc->meshes_later && out->polys.count >= geo_buildings_set_later_from(-1)));
    if (r == TW_OK) r = geo_bchunks_build(out, &t, cm, later);
    geo_btris_free(&t);
    if (r != TW_OK) {
        geo_buildings_free(out);
        snprintf(err, n, "out of memory building its meshes");
        return r;
    }
    return TW_OK;
}

void geo_buildings_free(geo_buildings *b)
{
    geo_bcache_disown(b); /* what points into a mapped cache file is not freed here */
    if (b->points_path) unlink(b->points_path); /* no cache write took it (else renamed) */
    free(b->points_path);
    geo_blater_free(b);
    for (int i = 0; b->fields && i < b->field_count; i++) free(b->fields[i]);
    geo_polygons_free(&b->polys);
    for (int i = 0; b->chunks && i < b->chunk_count; i++) {
        tw_mesh *m[3] = {&b->chunks[i].roofs, &b->chunks[i].walls, &b->chunks[i].far};
        for (int k = 0; k < 3; k++)
            if (!geo_bmesh_in_arena(b, m[k])) tw_mesh_free(m[k]);
        free(b->chunks[i].roof_v0);
        free(b->chunks[i].wall_v0);
    }
    free(b->chunks);
    geo_bmesh_arena_free(b);
    free(b->height);
    free(b->floors);
    free(b->class_text);
    free(b->class_at);
    free(b->fields);
    memset(b, 0, sizeof *b);
}

void geo_buildings_bases(const geo_buildings *b, const tw_heightfield *hf, double *base)
{
    const geo_polygons *p = &b->polys;
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *pf = &p->features[f];
        double lo = HUGE_VAL, z;
        int a = p->ring_start[pf->ring_first], e = p->ring_start[pf->ring_first + pf->ring_count];
        for (int i = a; hf && i < e; i++)
            if (tw_heightfield_sample(hf, p->xy[i * 2], p->xy[i * 2 + 1], &z)) lo = fmin(lo, z);
        base[f] = lo == HUGE_VAL ? 0 : lo;
    }
}

void geo_buildings_raise(geo_buildings *b, const double *base, double exaggeration)
{
    for (int k = 0; k < b->chunk_count; k++) {
        geo_buildings_chunk *c = &b->chunks[k];
        c->box[2] = HUGE_VAL, c->box[5] = -HUGE_VAL;
        for (int f = c->f0; f < c->f1; f++) {
            double zlo = base[f] * exaggeration, zhi = (base[f] + b->height[f]) * exaggeration;
            /* As fmin / fmax (a NaN is passed over), without their calls. */
            c->box[2] = zlo < c->box[2] ? zlo : c->box[2];
            c->box[5] = zhi > c->box[5] ? zhi : c->box[5];
        }
    }
}

/* True once geo_buildings_raise has given every chunk its heights. */
static bool geo__chunk_boxes_set(const geo_buildings *b)
{
    for (int k = 0; k < b->chunk_count; k++)
        if (!(b->chunks[k].box[2] <= b->chunks[k].box[5])) return false;
    return true;
}

/* Ray against a box: the t range inside it, false when it misses. */
static bool geo__ray_box(const double o[3], const double d[3], const double lo[3],
                         const double hi[3], double *t0, double *t1)
{
    double a = 0, b = HUGE_VAL;
    for (int k = 0; k < 3; k++) {
        if (fabs(d[k]) < 1e-12) {
            if (o[k] < lo[k] || o[k] > hi[k]) return false;
            continue;
        }
        double u = (lo[k] - o[k]) / d[k], v = (hi[k] - o[k]) / d[k];
        if (u > v) {
            double s = u;
            u = v, v = s;
        }
        a = fmax(a, u), b = fmin(b, v);
        if (a > b) return false;
    }
    *t0 = a, *t1 = b;
    return true;
}

/* Feature f against the ray: the nearer of its roof and walls, when nearer
 * than *best (which it then lowers). */
static bool geo__hit_feature(const geo_buildings *b, const double *base, double exaggeration, int f,
                             const double o[3], const double d[3], double *best)
{
    const geo_polygons *p = &b->polys;
    const geo_polygon *pf = &p->features[f];
    double zlo = base[f] * exaggeration, zhi = (base[f] + b->height[f]) * exaggeration;
    double lo[3] = {pf->bbox[0], pf->bbox[1], zlo}, hi[3] = {pf->bbox[2], pf->bbox[3], zhi};
    double t0, t1;
    bool hit = false;
    if (!geo__ray_box(o, d, lo, hi, &t0, &t1) || t0 >= *best) return false;
    /* The roof. */
    if (fabs(d[2]) > 1e-12) {
        double t = (zhi - o[2]) / d[2];
        if (t > 0 && t < *best && geo_polygon_contains(p, f, o[0] + d[0] * t, o[1] + d[1] * t))
            *best = t, hit = true;
    }
    /* The walls: the ray against each edge in plan, then the height. */
    for (int r = pf->ring_first; r < pf->ring_first + pf->ring_count; r++) {
        int a0 = p->ring_start[r], nr = p->ring_start[r + 1] - a0;
        for (int i = 0; i < nr; i++) {
            const double *pa = &p->xy[(a0 + i) * 2], *pb = &p->xy[(a0 + (i + 1) % nr) * 2];
            double ex = pb[0] - pa[0], ey = pb[1] - pa[1];
            double den = d[0] * ey - d[1] * ex;
            if (fabs(den) < 1e-12) continue;
            double wx = pa[0] - o[0], wy = pa[1] - o[1];
            double t = (wx * ey - wy * ex) / den, s = (wx * d[1] - wy * d[0]) / den;
            if (t <= 0 || t >= *best || s < 0 || s > 1) continue;
            double z = o[2] + d[2] * t;
            if (z >= zlo && z <= zhi) *best = t, hit = true;
        }
    }
    return hit;
}

int geo_buildings_hit(const geo_buildings *b, const double *base, double exaggeration,
                      const double o[3], const double d[3], double *t_out)
{
    double best = HUGE_VAL;
    int hit = -1;
    if (b->chunk_count > 0 && geo__chunk_boxes_set(b)) {
        /* Chunks the ray misses are skipped whole (their boxes are as
         * drawn: raised with the same exaggeration). */
        for (int k = 0; k < b->chunk_count; k++) {
            const geo_buildings_chunk *c = &b->chunks[k];
            double t0, t1, lo[3] = {c->box[0], c->box[1], c->box[2]},
                           hi[3] = {c->box[3], c->box[4], c->box[5]};
            if (!geo__ray_box(o, d, lo, hi, &t0, &t1) || t0 >= best) continue;
            for (int f = c->f0; f < c->f1; f++)
                if (geo__hit_feature(b, base, exaggeration, f, o, d, &best)) hit = f;
        }
    } else {
        for (int f = 0; f < b->polys.count; f++)
            if (geo__hit_feature(b, base, exaggeration, f, o, d, &best)) hit = f;
    }
    if (hit >= 0 && t_out) *t_out = best;
    return hit;
}
