/* Vector sources through OGR: outlines of polygons and lines in the scene
 * frame (boundaries), densified so they can follow the terrain, with one
 * label point per feature. Runs on worker threads. */
#ifndef GEO_VECTOR_H
#define GEO_VECTOR_H

#include "geo_crs.h"

#include <gdal.h>
#include "tw_mesh.h"

#define GEO_SKIP_REASONS 8

/* Why features were left out, reason -> count. */
typedef struct geo_skips {
    int n;
    const char *reason[GEO_SKIP_REASONS];
    int count[GEO_SKIP_REASONS];
} geo_skips;

void geo_skips_add(geo_skips *s, const char *reason);
/* n features skipped for reason at once (n <= 0: none). */
void geo_skips_add_n(geo_skips *s, const char *reason, int n);
int geo_skips_total(const geo_skips *s);
/* The layer's next feature, NULL at its end; a /vsicurl/ range that got
 * no answer or an HTTP failure (geo_gdal_net_failure), or, unless the
 * layer has a spatial filter, an error GDAL raises on the call that ends
 * the reading (a connection that drops, a file cut short mid-feature), is
 * no end: its message goes to why (n bytes, left as it is unless it is
 * empty), which the caller then reports. With a spatial filter a driver
 * that filters itself (a shapefile without .qix) passes over records it
 * cannot decode on that call, raising their errors: not a cut. */
OGRFeatureH geo_vector_next(OGRLayerH layer, bool filtered, char *why, size_t n);
/* "797 no geometry, 2 not a polygon" into out (n bytes; cut short to fit). */
void geo_skips_describe(const geo_skips *s, char *out, size_t n);

typedef struct geo_vector_desc {
    const char *path;
    const char *layer;      /* NULL: the first layer */
    const char *where;      /* OGR attribute filter */
    const char *source_crs; /* for sources without a CRS */
    const char *encoding;   /* e.g. CP949 for KOSTAT shapefiles */
    const char *label_field;
    const char *label_field_en;
    double densify_m; /* longest segment after densifying; 0: 50 m */
    unsigned xform_flags;
    const char *const *open_options; /* driver open options, NULL-terminated; may be NULL */
    bool has_bbox;                   /* spatial filter, in the source's CRS */
    bool no_labels; /* geo_vector_load_polygons: label points are bbox centres (no GEOS call) */
    /* With no layer named, the first layer of polygons (an OSM file's
     * "multipolygons", after its points and lines) rather than the first
     * layer; the first layer when none is. geo_vector_load_polygons and the
     * buildings' readers set it. */
    bool want_polygons;
    /* geo_vector_load_polygons: where a large layer's points go from its
     * first guess of their number on, instead of the heap (the buildings
     * cache's file, geo_farray.h); the result's xy then lies in it unless
     * the file could not grow (geo_farray_holds says), and is not freed
     * with the polygons. NULL: the heap. */
    struct geo_farray *xy_file;
    double bbox[4]; /* xmin ymin xmax ymax */
    /* geo_vector_load_polygons, a tile's read: a skipped feature (not a
     * polygon, empty) is counted only when its box's middle, in scene
     * metres, lies in keep (xmin <= x < xmax, ymin <= y < ymax), the
     * tile's own share, as the features kept are chosen. */
    bool has_keep;
    double keep[4];
    /* geo_vector_load_polygons: called for every feature it keeps, with its
     * index in geo_polygons (attributes the caller wants beyond the code and
     * names); false (out of memory) stops the load. NULL: none. */
    bool (*feature_fn)(void *user, OGRFeatureH f, int index);
    void *feature_user;
    /* geo_vector_load_polygons: called once with the layer before its first
     * feature is read (with feature_user), e.g. to have OGR skip the fields
     * the caller will not read (OGR_L_SetIgnoredFields; a source opened
     * again, or borrowed, starts with none ignored); false stops the load
     * as feature_fn's does. NULL: none. */
    bool (*layer_fn)(void *user, OGRLayerH layer);
    /* This source already open (a pool's, reused across reads, one thread
     * at a time): its layer's filters are set anew and it is not closed.
     * NULL: opened here. */
    GDALDatasetH dataset;
} geo_vector_desc;

/* An open vector source: its layer (filters applied) and the transformation
 * into the scene frame. For loaders of other geometry (geo_points). */
typedef struct geo_vector_source {
    GDALDatasetH ds;
    OGRLayerH layer;
    geo_xform *xf;
    bool borrowed; /* ds is desc->dataset: not closed */
} geo_vector_source;

/* Opens desc's source on this thread; crs gets its CRS's short name. */
tw_result geo_vector_open(const geo_vector_desc *desc, const geo_frame *frame, geo_vector_source *s,
                          char *crs, size_t crs_n, char *err, size_t n);
void geo_vector_close(geo_vector_source *s);

typedef struct geo_label {
    char *text;    /* UTF-8, may be NULL */
    char *text_en; /* may be NULL */
    double x, y;   /* scene metres */
    double area;   /* m^2 of the feature, for placement priority */
} geo_label;

typedef struct geo_outlines {
    tw_mesh lines; /* TW_PRIM_LINES, z 0: draped on the terrain when drawn */
    geo_label *labels;
    int label_count;
    int features; /* features drawn; a multipart feature counts once */
    geo_skips skipped;
    double extent[4];
    bool bessel_fixed;
    char crs[128];
} geo_outlines;

tw_result geo_vector_load_outlines(const geo_vector_desc *desc, const geo_frame *frame,
                                   geo_outlines *out, char *err, size_t n);
void geo_outlines_free(geo_outlines *o);

/* Opens a vector source and returns its layer's extent in scene metres
 * (used to frame the data before anything else is loaded). */
tw_result geo_vector_extent(const geo_vector_desc *desc, const geo_frame *frame, double ext[4],
                            char *err, size_t n);

/* Polygons kept whole (not only their outlines), for filled maps and for
 * picking: every feature's rings in scene metres, with a code and names. */
typedef struct geo_polygon {
    int ring_first, ring_count; /* rings of this feature in geo_polygons */
    double bbox[4];             /* xmin ymin xmax ymax */
    double area;                /* m^2, holes subtracted */
    long fid;                   /* the source's feature id (OGRNullFID: none) */
} geo_polygon;

/* A feature's texts and label point, apart from its geometry: a load of
 * buildings (no labels, no code or name field) has none, and its 600,000
 * features are 56 bytes each instead of 96. */
typedef struct geo_polygon_text {
    char *code, *name, *name_en; /* attribute values, may be NULL */
    double label_x, label_y;     /* a point inside the largest part */
} geo_polygon_text;

typedef struct geo_polygons {
    geo_polygon *features;
    /* One a feature; NULL when the load wanted no labels and no code or
     * name field (geo_polygons_text gives an empty one then). */
    geo_polygon_text *texts;
    int count;
    double *xy;       /* x y per point, all rings one after another */
    int *ring_start;  /* ring r is points ring_start[r] .. ring_start[r + 1] - 1 */
    bool *ring_outer; /* true for an outer ring; its holes follow it */
    int ring_count;
    geo_skips skipped;
    double extent[4];
    char crs[128];
} geo_polygons;

/* Layers of at least this many features (20,000; the layer's count when
 * it gives one fast) have their arrays sized ahead from a guess, and
 * their points go to desc xy_file; returns the old value (tests). */
int geo_vector_set_ahead_from(int features);
/* Loads the polygons of a source (Polygon and MultiPolygon mixed); other
 * geometry types are skipped and counted. code_field may be NULL. */
tw_result geo_vector_load_polygons(const geo_vector_desc *desc, const char *code_field,
                                   const geo_frame *frame, geo_polygons *out, char *err, size_t n);
void geo_polygons_free(geo_polygons *p);
/* Feature f's texts and label point; all NULL and 0 when none were loaded. */
const geo_polygon_text *geo_polygons_text(const geo_polygons *p, int f);
/* The feature containing scene point (x, y), or -1 (even-odd over its rings). */
int geo_polygons_find(const geo_polygons *p, double x, double y);
bool geo_polygon_contains(const geo_polygons *p, int feature, double x, double y);

/* Shared by the outline and polygon loaders (geo_vector.c,
 * geo_vector_polys.c): a field's text as UTF-8, or NULL when unset or empty
 * (when recoded is given, text that is not UTF-8 is read as CP949 and
 * *recoded set); the one-line note that text was recoded; a feature's label
 * point (a point on its largest part; *area its area). */
char *geo_vector_field_text(OGRFeatureH f, int idx, bool *recoded);
void geo_vector_note_recoded(const geo_vector_desc *desc, bool recoded);
bool geo_vector_label_point(OGRGeometryH g, double *x, double *y, double *area);

/* Longitude and latitude of the middle of a raster or vector source (its
 * first layer), to centre a local frame on the data. */
tw_result geo_source_center_lonlat(const char *path, const char *source_crs, double *lon,
                                   double *lat, char *err, size_t n);

#endif
