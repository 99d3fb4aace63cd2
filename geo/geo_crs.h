/* The scene's coordinate frame and transformations into it.
 *
 * A scene has one projected CRS (default EPSG:5186). A geographic scene CRS
 * is replaced by a local transverse Mercator centred on the data, so that
 * scene coordinates are always metres. Transformations are per thread
 * (OGR/PROJ objects are not shared): each worker makes its own geo_xform.
 *
 * Korean Bessel data whose CRS carries no datum shift (KOSTAT-style .prj
 * files naming only the Bessel 1841 ellipsoid) would land ~300 m off; such a
 * source gets the Korean 1985 -> WGS 84 shift, with a warning. */
#ifndef GEO_CRS_H
#define GEO_CRS_H

#include "tw_result.h"

#include <ogr_srs_api.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct geo_frame geo_frame;
typedef struct geo_xform geo_xform;

typedef struct geo_frame_desc {
    const char *crs; /* any OGR user input (EPSG:5186, WKT, PROJ); NULL: EPSG:5186 */
    bool has_center; /* centre of the data, used for a geographic scene CRS */
    double center_lon, center_lat;
} geo_frame_desc;

enum {
    GEO_XFORM_NO_BESSEL_FIX = 1 << 0, /* tests: show what happens without it */
};

tw_result geo_frame_create(const geo_frame_desc *desc, geo_frame **out, char *err, size_t n);
/* Frames are reference counted, so that a job still running on a worker
 * keeps the frame of a scene that was left: ref takes one, destroy drops
 * one (the last frees it). Thread-safe. */
geo_frame *geo_frame_ref(const geo_frame *frame);
void geo_frame_destroy(geo_frame *frame);
/* WKT of the projected scene CRS (thread-safe: a string, not an OGR object). */
const char *geo_frame_wkt(const geo_frame *frame);
/* The CRS as the scene named it, e.g. "EPSG:5186". */
const char *geo_frame_name(const geo_frame *frame);
/* True when a geographic scene CRS became a local transverse Mercator. */
bool geo_frame_is_local(const geo_frame *frame);

/* Parses a CRS given by a user (scene source_crs); an unknown CRS is an
 * error naming the text. The caller destroys *out with OSRDestroySpatialReference. */
tw_result geo_srs_from_text(const char *text, OGRSpatialReferenceH *out, char *err, size_t n);
/* True when srs is on the Bessel 1841 ellipsoid with no datum shift PROJ could
 * use (no TOWGS84, no named datum). */
bool geo_srs_is_unshifted_bessel(OGRSpatialReferenceH srs);
/* Short name for messages: "EPSG:5186" or the CRS's own name. */
void geo_srs_describe(OGRSpatialReferenceH srs, char *out, size_t n);

/* Warns, naming `what` and src's CRS, when the extent ext (xmin ymin xmax
 * ymax in src's units) lies wholly outside the area of use of the scene CRS
 * (as PROJ's database gives it). True when it warned. Local frames have
 * no such area. */
bool geo_frame_warn_outside_area(const geo_frame *frame, OGRSpatialReferenceH src,
                                 const double ext[4], const char *what);
/* Transformation from src into the scene frame (and back). src is cloned. */
tw_result geo_xform_create(const geo_frame *frame, OGRSpatialReferenceH src, unsigned flags,
                           geo_xform **out, char *err, size_t n);
/* WGS 84 longitude/latitude (degrees, lon first) <-> scene. */
tw_result geo_xform_create_lonlat(const geo_frame *frame, geo_xform **out, char *err, size_t n);
void geo_xform_destroy(geo_xform *xf);
bool geo_xform_is_identity(const geo_xform *xf);
/* True when the Korean Bessel datum shift was applied to the source. */
bool geo_xform_bessel_fixed(const geo_xform *xf);
/* In-place transformation of n points (z may be NULL). Points that fail are
 * set to HUGE_VAL. Returns how many succeeded. */
size_t geo_xform_to_scene(geo_xform *xf, size_t n, double *x, double *y, double *z);
size_t geo_xform_from_scene(geo_xform *xf, size_t n, double *x, double *y, double *z);

#endif
