/* GeoPackage geometry blobs read as they are (geo_vector_polys.c's fast
 * path for whole reads of a GeoPackage layer): the standard header, then
 * the ISO WKB of a Polygon or a MultiPolygon, walked ring by ring without
 * building OGR geometries. Anything else a blob may hold (collections,
 * curves, the extended header, a malformed blob) is left to OGR. */
#ifndef GEO_GPKG_H
#define GEO_GPKG_H

#include <gdal.h>
#include <ogr_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* For a whole read of a GeoPackage table: an SQL layer over it that gives
 * the layer's features in the layer's order, with their FIDs, their
 * fields at the layer's indices (those OGR_L_SetIgnoredFields left out
 * as NULLs) and one more field, the last (*blob_field), the geometry's
 * blob without its first byte: with its magic whole, OGR's SQL layer would
 * take the column for a geometry and build one for every feature, which
 * is what this path saves. NULL when ds is no GeoPackage, the layer no
 * table with a geometry and an FID column, or OGR says no; release it
 * with GDALDatasetReleaseResultSet. CITYTWIN_GPKG_BLOBS=0 turns the path
 * off (tests compare the two). */
OGRLayerH geo_gpkg_blob_layer(GDALDatasetH ds, OGRLayerH layer, int *blob_field);

typedef enum geo_gpkg_kind {
    GEO_GPKG_POLYGONS, /* a Polygon or MultiPolygon with points: geo_gpkg_rings walks it */
    GEO_GPKG_EMPTY,    /* the header's empty flag, or polygons without a point */
    GEO_GPKG_OTHER     /* anything else: read it with OGR */
} geo_gpkg_kind;

/* What blob (a GeoPackage geometry blob without its first byte, the 'G'
 * of its magic: geo_gpkg_sql says why) of n bytes holds; for
 * GEO_GPKG_POLYGONS *wkb and *wkb_n are its WKB, checked whole. */
geo_gpkg_kind geo_gpkg_check(const uint8_t *blob, size_t n, const uint8_t **wkb, size_t *wkb_n);

/* Called for each ring in order: its n points of dims doubles each (x, y
 * first; 2 to 4), unaligned, byte-swapped when swap; ring 0 of a polygon
 * is its outer ring. False stops the walk. */
typedef bool (*geo_gpkg_ring_fn)(void *user, const uint8_t *points, uint32_t n, int dims, bool swap,
                                 uint32_t ring);

/* Walks the rings of WKB that geo_gpkg_check accepted; false when fn
 * stopped it (or the WKB was not checked). */
bool geo_gpkg_rings(const uint8_t *wkb, size_t n, geo_gpkg_ring_fn fn, void *user);

/* A point of a ring: x, y of point i (unaligned, swapped as needed). */
void geo_gpkg_point(const uint8_t *points, uint32_t i, int dims, bool swap, double *x, double *y);

/* Blobs walked by the loaders so far in this process (tests: that the
 * path ran); geo_gpkg_count adds a load's. */
long geo_gpkg_walked(void);
void geo_gpkg_count(long walked);

#endif
