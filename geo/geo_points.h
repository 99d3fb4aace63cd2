/* Point sources through OGR (GeoJSON, CSV with x/y columns, GPKG,
 * shapefiles, any CRS): positions in the scene frame, a label, a numeric
 * value for colouring, and every attribute as text for the pick panel.
 * Runs on worker threads. */
#ifndef GEO_POINTS_H
#define GEO_POINTS_H

#include "geo_vector.h"

typedef struct geo_points_desc {
    geo_vector_desc src;     /* path, filters, label fields, bbox */
    const char *value_field; /* numeric attribute for colour; NULL: none */
} geo_points_desc;

typedef struct geo_point {
    double x, y;  /* scene metres */
    int feature;  /* index of its feature (a MultiPoint gives several points) */
    double value; /* NAN when the feature has none */
} geo_point;

typedef struct geo_points {
    geo_point *points;
    int count;
    int features;     /* features shown; a multipart feature counts once */
    long *fids;       /* per feature */
    char **labels;    /* per feature, may be NULL entries */
    char **labels_en; /* per feature, may be NULL entries */
    char **fields;    /* attribute names */
    int field_count;
    char **values;     /* features * field_count texts, NULL for null */
    double vmin, vmax; /* range of the values present */
    bool has_values;
    geo_skips skipped;
    double extent[4];
    char crs[128];
} geo_points;

tw_result geo_points_load(const geo_points_desc *desc, const geo_frame *frame, geo_points *out,
                          char *err, size_t n);
void geo_points_free(geo_points *p);

#endif
