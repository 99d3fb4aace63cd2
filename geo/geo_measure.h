/* Measurement: distances and areas in the scene CRS (planar) and on the
 * WGS 84 ellipsoid (geodesic, PROJ's geod_* API: Karney's algorithms, as
 * GeographicLib), elevation profiles and lines of sight over any height
 * function. A geo_measure holds a scene <-> lon/lat transformation: one
 * per thread. */
#ifndef GEO_MEASURE_H
#define GEO_MEASURE_H

#include "geo_crs.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- on lon/lat (degrees), WGS 84 ---- */

/* Geodesic distance (metres) and azimuths at both ends (degrees from north). */
double geo_geodesic_inverse(double lat1, double lon1, double lat2, double lon2, double *azi1,
                            double *azi2);
/* Area (m², counter-clockwise positive) and perimeter of a polygon whose
 * edges are geodesics (not closed by repeating the first vertex). */
void geo_geodesic_polygon(const double *lat, const double *lon, int n, double *area,
                          double *perimeter);
/* Planar area (shoelace, counter-clockwise positive) and perimeter of a
 * ring of n x y pairs. */
void geo_planar_polygon(const double *xy, int n, double *area, double *perimeter);

/* ---- scene points ---- */

typedef struct geo_measure geo_measure;

tw_result geo_measure_create(const geo_frame *frame, geo_measure **out, char *err, size_t n);
void geo_measure_destroy(geo_measure *m);
bool geo_measure_lonlat(geo_measure *m, double x, double y, double *lon, double *lat);

typedef struct geo_distance {
    double planar_m, geodesic_m; /* along the polyline */
    double azimuth_deg;          /* of the first leg, geodesic */
} geo_distance;

/* Along a polyline of n >= 2 scene points (x y pairs). */
tw_result geo_measure_distance(geo_measure *m, const double *xy, int n, geo_distance *out);

typedef struct geo_area {
    double planar_m2, geodesic_m2; /* absolute */
    double perimeter_planar_m, perimeter_geodesic_m;
} geo_area;

/* A polygon of n >= 3 scene points (not closed). */
tw_result geo_measure_area(geo_measure *m, const double *xy, int n, geo_area *out);

/* ---- profiles and sight lines over a height function ---- */

/* Height at a scene point; false where unknown. */
typedef bool (*geo_height_fn)(void *user, double x, double y, double *z);

/* Samples along a polyline every step metres (and at every vertex): the
 * distance from the start and the height (NAN where unknown). Returns the
 * samples written (at most max). */
int geo_profile(const double *xy, int n, double step, geo_height_fn fn, void *user, double *dist,
                double *z, int max);

typedef struct geo_sight {
    bool visible;
    double z_from, z_to; /* eye and target heights (ground + the given heights) */
    double block_d;      /* where the line first passes under the surface, -1: nowhere */
    double length_m;     /* planar */
} geo_sight;

/* Line of sight from a (h_from above the surface) to b (h_to above it),
 * checked every step metres. */
geo_sight geo_line_of_sight(const double a[2], const double b[2], double h_from, double h_to,
                            double step, geo_height_fn fn, void *user);

#endif
