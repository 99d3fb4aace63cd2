/* Building loading: heights from a field, floors or a default; meshes from
 * the shared polygon builders. */
#include "geo_buildings.h"

#include "geo_polymesh.h"

#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field names tried in order when the scene names none: heights in metres
 * (OSM, CityGML exports, NYC's heightroof, 건물통합정보 A16), then floors
 * above ground (OSM, 건물통합정보 GRND_FLR / 지상층수 / GRO_FLO_CO). */
static const char *const GEO_HEIGHT_NAMES[] = {
    "height", "HEIGHT", "height_m", "building:height", "measuredHeight", "heightroof", "A16", NULL};
static const char *const GEO_FLOOR_NAMES[] = {
    "building:levels", "building_levels", "levels", "GRND_FLR", "지상층수", "GRO_FLO_CO", NULL};

#define GEO_MAX_FLOORS 300

typedef struct geo__ctx {
    geo_buildings *b;
    const geo_buildings_desc *desc;
    int idx[GEO_BUILDINGS_SOURCES]; /* field index of each source tried */
    bool ready;
    char missing[160]; /* a field the scene names that the source lacks */
    size_t cap;
    double floor_m, default_m;
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
    for (int k = 0; GEO_FLOOR_NAMES[k]; k++) geo__add_source(c, def, GEO_FLOOR_NAMES[k], true);
    return true;
}

static bool geo__grow(geo__ctx *c, int need)
{
    geo_buildings *b = c->b;
    if ((size_t)need <= c->cap) return true;
    size_t cap = c->cap ? c->cap * 2 : 1024;
    while (cap < (size_t)need) cap *= 2;
    size_t fc = b->field_count > 0 ? (size_t)b->field_count : 1;
    double *h = realloc(b->height, cap * sizeof *h);
    if (h) b->height = h;
    double *fl = realloc(b->floors, cap * sizeof *fl);
    if (fl) b->floors = fl;
    char **v = realloc(b->values, cap * fc * sizeof *v);
    if (v) b->values = v;
    if (!h || !fl || !v) return false;
    c->cap = cap;
    return true;
}

static bool geo__feature(void *user, OGRFeatureH f, int index)
{
    geo__ctx *c = user;
    geo_buildings *b = c->b;
    if (!c->ready && !geo__setup(c, OGR_F_GetDefnRef(f))) return false;
    if (!geo__grow(c, index + 1)) return false;
    char **row = &b->values[(size_t)index * (b->field_count > 0 ? b->field_count : 1)];
    bool ok = true;
    for (int i = 0; i < b->field_count; i++) {
        const char *v = OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : NULL;
        row[i] = v ? strdup(v) : NULL;
        ok = ok && (row[i] || !v);
    }
    b->value_rows = index + 1;
    if (!ok) return false;
    /* The first source with a usable value wins; 0, null and text that is
     * no number fall through to the next one, then the default. */
    double h = NAN, floors = NAN;
    for (int k = 0; k < b->source_count; k++) {
        double v;
        int i = c->idx[k];
        if (!OGR_F_IsFieldSetAndNotNull(f, i) ||
            !geo_buildings_parse_number(OGR_F_GetFieldAsString(f, i), &v) || v <= 0)
            continue;
        if (b->sources[k].floors) {
            if (v > GEO_MAX_FLOORS) continue;
            if (isnan(floors)) floors = v;
            if (isnan(h)) {
                h = v * c->floor_m;
                b->sources[k].count++;
            }
        } else if (isnan(h) && v < GEO_BUILDINGS_MAX_M) {
            h = v;
            b->sources[k].count++;
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
    return true;
}

tw_result geo_buildings_load(const geo_buildings_desc *desc, const geo_frame *frame,
                             geo_buildings *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    geo__ctx c = {
        .b = out,
        .desc = desc,
        .floor_m = desc->floor_height_m > 0 ? desc->floor_height_m : GEO_BUILDINGS_FLOOR_M,
        .default_m = desc->default_height_m > 0 ? desc->default_height_m : GEO_BUILDINGS_DEFAULT_M};
    geo_vector_desc vd = desc->src;
    vd.feature_fn = geo__feature;
    vd.feature_user = &c;
    tw_result r = geo_vector_load_polygons(&vd, NULL, frame, &out->polys, err, n);
    if (r != TW_OK || c.missing[0]) {
        if (c.missing[0]) snprintf(err, n, "%s", c.missing), r = TW_ERR_ARG;
        /* geo_vector_load_polygons freed its polygons; the rest is ours. */
        geo_buildings_free(out);
        return r;
    }
    const double *e = out->polys.extent;
    out->origin[0] = floor(0.5 * (e[0] + e[2]));
    out->origin[1] = floor(0.5 * (e[1] + e[3]));
    r = geo_polymesh_fill(&out->polys, out->origin, &out->roofs, &out->roof_v0);
    if (r == TW_OK) r = geo_polymesh_walls(&out->polys, out->origin, &out->walls, &out->wall_v0);
    if (r != TW_OK) {
        geo_buildings_free(out);
        snprintf(err, n, "out of memory building its meshes");
        return r;
    }
    for (int f = 0; f < out->polys.count; f++)
        out->roofless += out->roof_v0[f] == out->roof_v0[f + 1];
    return TW_OK;
}

void geo_buildings_free(geo_buildings *b)
{
    for (size_t i = 0; b->values && i < (size_t)b->value_rows * (size_t)b->field_count; i++)
        free(b->values[i]);
    for (int i = 0; b->fields && i < b->field_count; i++) free(b->fields[i]);
    geo_polygons_free(&b->polys);
    tw_mesh_free(&b->roofs);
    tw_mesh_free(&b->walls);
    free(b->roof_v0);
    free(b->wall_v0);
    free(b->height);
    free(b->floors);
    free(b->values);
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
    for (int f = 0; f < b->polys.count; f++) {
        float lo = (float)((base[f] - b->origin[2]) * exaggeration);
        float hi = (float)((base[f] + b->height[f] - b->origin[2]) * exaggeration);
        for (uint32_t v = b->roof_v0[f]; v < b->roof_v0[f + 1]; v++)
            b->roofs.positions[v * 3 + 2] = hi;
        /* Walls are quads: bottom a, b, top b, a. */
        for (uint32_t v = b->wall_v0[f]; v < b->wall_v0[f + 1]; v++)
            b->walls.positions[v * 3 + 2] = (v & 3) >= 2 ? hi : lo;
    }
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

int geo_buildings_hit(const geo_buildings *b, const double *base, double exaggeration,
                      const double o[3], const double d[3], double *t_out)
{
    const geo_polygons *p = &b->polys;
    double best = HUGE_VAL;
    int hit = -1;
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *pf = &p->features[f];
        double zlo = base[f] * exaggeration, zhi = (base[f] + b->height[f]) * exaggeration;
        double lo[3] = {pf->bbox[0], pf->bbox[1], zlo}, hi[3] = {pf->bbox[2], pf->bbox[3], zhi};
        double t0, t1;
        if (!geo__ray_box(o, d, lo, hi, &t0, &t1) || t0 >= best) continue;
        /* The roof. */
        if (fabs(d[2]) > 1e-12) {
            double t = (zhi - o[2]) / d[2];
            if (t > 0 && t < best && geo_polygon_contains(p, f, o[0] + d[0] * t, o[1] + d[1] * t))
                best = t, hit = f;
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
                if (t <= 0 || t >= best || s < 0 || s > 1) continue;
                double z = o[2] + d[2] * t;
                if (z >= zlo && z <= zhi) best = t, hit = f;
            }
        }
    }
    if (hit >= 0 && t_out) *t_out = best;
    return hit;
}
