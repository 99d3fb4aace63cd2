/* What a building source offers for streaming by view, tile rectangles
 * taken into its CRS, and the pool of open datasets its tile reads share. */
#include "geo_buildings.h"
#include "geo_buildings_pool.h"

#include <cpl_error.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEO_EDGE_SAMPLES 8

/* The bounding rectangle of rect's edges, sampled, through xf either way. */
static void geo__rect_map(geo_xform *xf, bool to_scene, const double rect[4], double out[4])
{
    double x[4 * GEO_EDGE_SAMPLES], y[4 * GEO_EDGE_SAMPLES];
    int n = 0;
    for (int i = 0; i < GEO_EDGE_SAMPLES; i++) {
        double t = (double)i / GEO_EDGE_SAMPLES;
        double xs = rect[0] + (rect[2] - rect[0]) * t, ys = rect[1] + (rect[3] - rect[1]) * t;
        x[n] = xs, y[n++] = rect[1];
        x[n] = rect[2], y[n++] = ys;
        x[n] = rect[2] - (xs - rect[0]), y[n++] = rect[3];
        x[n] = rect[0], y[n++] = rect[3] - (ys - rect[1]);
    }
    if (to_scene)
        geo_xform_to_scene(xf, (size_t)n, x, y, NULL);
    else
        geo_xform_from_scene(xf, (size_t)n, x, y, NULL);
    out[0] = out[1] = HUGE_VAL, out[2] = out[3] = -HUGE_VAL;
    for (int i = 0; i < n; i++) {
        if (x[i] == HUGE_VAL || y[i] == HUGE_VAL) continue;
        out[0] = fmin(out[0], x[i]), out[1] = fmin(out[1], y[i]);
        out[2] = fmax(out[2], x[i]), out[3] = fmax(out[3], y[i]);
    }
    if (out[0] > out[2]) memcpy(out, rect, 4 * sizeof *out); /* nothing mapped: as given */
}

void geo_buildings_rect_to_source(const geo_vector_source *s, const double rect[4], double out[4])
{
    if (geo_xform_is_identity(s->xf)) {
        memcpy(out, rect, 4 * sizeof *out);
        return;
    }
    geo__rect_map(s->xf, false, rect, out);
    /* A little margin: sampled edges can miss a bulge by centimetres. */
    double mx = (out[2] - out[0]) * 1e-3, my = (out[3] - out[1]) * 1e-3;
    out[0] -= mx, out[1] -= my, out[2] += mx, out[3] += my;
}

/* True when the PostGIS table behind layer has a GiST index on the layer's
 * geometry column. Asked with the table's name as OGR gives it (schema.table,
 * "(column)" cut off when the table has several geometry columns); any
 * doubt (an error, a name PostgreSQL does not find) answers false. */
static bool geo__pg_gist(GDALDatasetH ds, OGRLayerH layer)
{
    char table[256], column[128], sql[1024];
    const char *name = OGR_L_GetName(layer), *col = OGR_L_GetGeometryColumn(layer);
    size_t k = 0;
    for (const char *c = name; *c && *c != '(' && k + 2 < sizeof table; c++) {
        if (*c == '\'') table[k++] = '\''; /* quoted for the SQL literal */
        table[k++] = *c;
    }
    table[k] = 0;
    k = 0;
    for (const char *c = col ? col : ""; *c && k + 2 < sizeof column; c++) {
        if (*c == '\'') column[k++] = '\'';
        column[k++] = *c;
    }
    column[k] = 0;
    if (!table[0] || !column[0]) return false;
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
             "JOIN pg_am am ON am.oid = ic.relam JOIN pg_attribute a ON a.attrelid = "
             "i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = to_regclass('%s') "
             "AND am.amname = 'gist' AND a.attname = '%s'",
             table, column);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRLayerH r = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
    CPLPopErrorHandler();
    CPLErrorReset();
    if (!r) return false;
    OGRFeatureH f = OGR_L_GetNextFeature(r);
    bool yes = f && OGR_F_GetFieldAsInteger64(f, 0) > 0;
    if (f) OGR_F_Destroy(f);
    GDALDatasetReleaseResultSet(ds, r);
    return yes;
}

/* The layer's extent. An exact extent of a database table reads every row
 * (PostGIS's ST_Extent: 4.6 s for 6,000,000 buildings, at every start). A
 * GiST index's head holds every row's box, its float4 corners rounded
 * outward, and OGR's estimate (ST_EstimatedExtent) reads that; without the
 * index the estimate comes from a sample of rows and may miss some, so the
 * table is scanned. Files keep their extent in a header or an R-tree:
 * asked exactly, it costs nothing. */
static bool geo__extent(GDALDatasetH ds, OGRLayerH layer, OGREnvelope *env, const char **from)
{
    *from = "source";
    const char *driver = GDALGetDriverShortName(GDALGetDatasetDriver(ds));
    if (strcmp(driver, "PostgreSQL") == 0) {
        if (geo__pg_gist(ds, layer) && OGR_L_GetExtent(layer, env, FALSE) == OGRERR_NONE) {
            *from = "index";
            return true;
        }
        *from = "scan";
    }
    return OGR_L_GetExtent(layer, env, TRUE) == OGRERR_NONE;
}

/* The source's polygon layer as a whole (no bounding box). */
static tw_result geo__open_whole(const geo_buildings_desc *desc, const geo_frame *frame,
                                 geo_vector_source *s, char *err, size_t n)
{
    geo_vector_desc d = desc->src;
    d.has_bbox = false;
    d.want_polygons = true;
    char crs[64];
    return geo_vector_open(&d, frame, s, crs, sizeof crs, err, n);
}

tw_result geo_buildings_probe_source(const geo_buildings_desc *desc, const geo_frame *frame,
                                     geo_buildings_probe *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    geo_vector_source s;
    tw_result r = geo__open_whole(desc, frame, &s, err, n);
    if (r != TW_OK) return r;
    /* A field the scene names must be there: said once for the layer
     * here, not by every tile read. */
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(s.layer);
    const char *named[2] = {desc->height_field, desc->floors_field};
    const char *keys[2] = {"height_field", "floors_field"};
    for (int k = 0; k < 2; k++) {
        if (!named[k] || !named[k][0] || OGR_FD_GetFieldIndex(def, named[k]) >= 0) continue;
        snprintf(err, n, "has no field '%s' (the scene's \"%s\")", named[k], keys[k]);
        geo_vector_close(&s);
        return TW_ERR_ARG;
    }
    /* An empty layer is not streamed: read whole, it says so. The count
     * only from drivers that keep it (a PostGIS "fast" count is a scan of
     * the table: seconds at national scale). */
    const char *drv = GDALGetDriverShortName(GDALGetDatasetDriver(s.ds));
    bool kept = drv && (strcmp(drv, "ESRI Shapefile") == 0 || strcmp(drv, "GPKG") == 0 ||
                        strcmp(drv, "FlatGeobuf") == 0);
    bool where = desc->src.where && desc->src.where[0];
    out->features = kept && !where && OGR_L_TestCapability(s.layer, OLCFastFeatureCount)
                        ? (long)OGR_L_GetFeatureCount(s.layer, FALSE)
                        : -1;
    if (out->features == 0) {
        snprintf(err, n, "holds no polygons: the layer has no features");
        geo_vector_close(&s);
        return TW_ERR_FORMAT;
    }
    out->indexed = OGR_L_TestCapability(s.layer, OLCFastSpatialFilter) != 0;
    out->same_crs = geo_xform_is_identity(s.xf);
    snprintf(out->driver, sizeof out->driver, "%s",
             GDALGetDriverShortName(GDALGetDatasetDriver(s.ds)));
    OGREnvelope env;
    if (!geo__extent(s.ds, s.layer, &env, &out->extent_from)) {
        snprintf(err, n, "no extent (no features with a geometry?)");
        geo_vector_close(&s);
        return TW_ERR_FORMAT;
    }
    double rect[4] = {env.MinX, env.MinY, env.MaxX, env.MaxY};
    if (out->same_crs)
        memcpy(out->extent, rect, sizeof rect);
    else
        geo__rect_map(s.xf, true, rect, out->extent);
    geo_vector_close(&s);
    return TW_OK;
}

tw_result geo_buildings_count_source(const geo_buildings_desc *desc, const geo_frame *frame,
                                     long *count, char *err, size_t n)
{
    *count = -1;
    geo_vector_source s;
    tw_result r = geo__open_whole(desc, frame, &s, err, n);
    if (r != TW_OK) return r;
    CPLErrorReset();
    GIntBig c = OGR_L_GetFeatureCount(s.layer, TRUE);
    if (c < 0 || CPLGetLastErrorType() >= CE_Failure) {
        snprintf(err, n, "cannot count its features: %s",
                 CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "the driver says no");
        r = TW_ERR_IO;
    } else {
        *count = (long)c;
    }
    geo_vector_close(&s);
    return r;
}

/* ---- the pool of open datasets (geo_buildings_pool.h) ---- */

#define GEO_POOL_IDLE 16 /* idle datasets kept, at most */

struct geo_buildings_pool {
    pthread_mutex_t mu;
    int refs;
    GDALDatasetH idle[GEO_POOL_IDLE];
    int idle_n;
    int opened, open_now;
};

geo_buildings_pool *geo_buildings_pool_new(void)
{
    geo_buildings_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->refs = 1;
    return p;
}

geo_buildings_pool *geo_buildings_pool_ref(geo_buildings_pool *p)
{
    if (!p) return NULL;
    pthread_mutex_lock(&p->mu);
    p->refs++;
    pthread_mutex_unlock(&p->mu);
    return p;
}

void geo_buildings_pool_drain(geo_buildings_pool *p)
{
    if (!p) return;
    GDALDatasetH close_these[GEO_POOL_IDLE];
    pthread_mutex_lock(&p->mu);
    int n = p->idle_n;
    memcpy(close_these, p->idle, (size_t)n * sizeof *close_these);
    p->idle_n = 0;
    p->open_now -= n;
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < n; i++) GDALClose(close_these[i]);
}

void geo_buildings_pool_release(geo_buildings_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    bool last = --p->refs == 0;
    pthread_mutex_unlock(&p->mu);
    if (!last) return;
    geo_buildings_pool_drain(p);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

GDALDatasetH geo_buildings_pool_take(geo_buildings_pool *p, const geo_vector_desc *src,
                                     const geo_frame *frame, char *err, size_t n)
{
    pthread_mutex_lock(&p->mu);
    GDALDatasetH ds = p->idle_n > 0 ? p->idle[--p->idle_n] : NULL;
    pthread_mutex_unlock(&p->mu);
    if (ds) return ds;
    /* Opened the way every read opens it (encoding, open options), with
     * no filter: each read sets its own. */
    geo_vector_desc d = *src;
    d.dataset = NULL, d.has_bbox = false, d.where = NULL;
    d.want_polygons = true;
    geo_vector_source s;
    char crs[64];
    if (geo_vector_open(&d, frame, &s, crs, sizeof crs, err, n) != TW_OK) return NULL;
    ds = s.ds;
    s.ds = NULL; /* kept: only the transformation goes */
    geo_vector_close(&s);
    pthread_mutex_lock(&p->mu);
    p->opened++, p->open_now++;
    pthread_mutex_unlock(&p->mu);
    return ds;
}

void geo_buildings_pool_give(geo_buildings_pool *p, GDALDatasetH ds, bool keep)
{
    if (!ds) return;
    pthread_mutex_lock(&p->mu);
    if (keep && p->idle_n < GEO_POOL_IDLE)
        p->idle[p->idle_n++] = ds, ds = NULL;
    else
        p->open_now--;
    pthread_mutex_unlock(&p->mu);
    if (ds) GDALClose(ds);
}

int geo_buildings_pool_opened(geo_buildings_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->opened;
    pthread_mutex_unlock(&p->mu);
    return n;
}

int geo_buildings_pool_open_now(geo_buildings_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->open_now;
    pthread_mutex_unlock(&p->mu);
    return n;
}
