/* Wind fields from files: grib2json JSON (cambecc/earth), webgl-wind PNG +
 * JSON (mapbox/webgl-wind) and any GDAL raster with u and v bands (2-band
 * GeoTIFF, GRIB2, netCDF), local or over /vsicurl/. A field is a regular
 * lon/lat grid of grid points (value (i, j) belongs to the point
 * lon0 + i*dlon, lat0 + j*dlat, not to a cell area) with u (eastward) and v
 * (northward) in m/s; NaN is nodata.
 *
 * Sampling is bilinear between grid points and wraps at the antimeridian for
 * global grids. geo_wind_field_to_scene resamples a field onto a scene grid
 * and rotates (east, north) into the scene's (x, y) axes: grid north of a
 * projected CRS is not true north away from its central meridian. */
#ifndef GEO_WIND_H
#define GEO_WIND_H

#include "geo_crs.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct geo_wind_field {
    int nx, ny;
    double lon0, lat0; /* grid point (0, 0), degrees; lon0 in [-180, 360) */
    double dlon, dlat; /* step between grid points; dlat < 0 for north-to-south rows */
    bool wrap;         /* the grid spans 360 degrees of longitude: column nx wraps to 0 */
    float *u, *v;      /* nx*ny, index j*nx + i; m/s eastward / northward; NaN = nodata */
    long nodata_count; /* grid points where u or v is NaN (allowed, but counted) */
    char time[40];     /* ISO 8601 valid time of the field from the data itself, "" if unknown */
    char source[160];  /* producer / centre / file as the data names it */
    char format[16];   /* "grib2json", "webgl-wind" or "gdal" */
    char name[256];    /* the path or URL it came from (for messages) */
} geo_wind_field;

typedef struct geo_wind_open_desc {
    const char *path;   /* local file or GDAL path (/vsicurl/https://...) */
    const char *format; /* "grib2json", "webgl-wind", "gdal"; NULL: recognised from the file */
    const char *u_band; /* band number as text ("1"), or band description / variable /
                           GRIB element ("UGRD", "u10"); NULL: detected (bands named like
                           u/v, else the first two bands) */
    const char *v_band;
    long max_points; /* cap on nx*ny; 0: 16,777,216 */
} geo_wind_open_desc;

/* Reads a wind field. On failure *out is NULL and err holds one line naming
 * the file and what is wrong (TW_ERR_IO, TW_ERR_FORMAT, TW_ERR_TOOBIG,
 * TW_ERR_CRS, TW_ERR_UNSUPPORTED). A webgl-wind PNG needs its JSON beside it
 * (same base name, .json). GDAL rasters must be geographic (lon/lat, any
 * datum treated as WGS 84) and north-up (no rotation terms); a projected
 * raster is refused with TW_ERR_UNSUPPORTED. */
tw_result geo_wind_open(const geo_wind_open_desc *d, geo_wind_field **out, char *err, size_t n);

/* Parses grib2json text (a JSON array of records with "header" and "data")
 * from memory. name is used in messages (may be NULL: "grib2json"); max_points
 * 0 is the default cap. The U record has parameterCategory 2 and
 * parameterNumber 2, V parameterNumber 3. */
tw_result geo_wind_parse_grib2json(const char *buf, size_t len, const char *name, long max_points,
                                   geo_wind_field **out, char *err, size_t n);

/* Decodes a webgl-wind field from its metadata JSON text and an RGB(A) image
 * (rows from the top, channels 3 or 4): lon = x - 180, lat = 90 - y,
 * u = uMin + R/255 (uMax - uMin), v likewise from G. The webgl-wind encoder
 * floors, so decoded values are up to one step (~0.19 m/s for the shipped
 * field) low; that is left as the file says. */
tw_result geo_wind_from_webgl(const char *json, size_t json_len, const unsigned char *pixels,
                              int width, int height, int channels, const char *name,
                              geo_wind_field **out, char *err, size_t n);

void geo_wind_field_destroy(geo_wind_field *f);

/* Bilinear between the four surrounding grid points; wraps in longitude for
 * global grids (lon in any range of degrees). False outside the grid or when
 * any of the four points is nodata (u, v untouched). */
bool geo_wind_field_sample(const geo_wind_field *f, double lon, double lat, double *u, double *v);

/* Grid spacing in degrees (the larger of |dlon| and |dlat|). */
double geo_wind_field_resolution_deg(const geo_wind_field *f);

/* Directions of true east and true north in the scene's (x, y) axes at a
 * scene point, as unit vectors, found by mapping small steps east and north
 * of the point's lon/lat into the scene. The meridian convergence, the angle
 * from grid north to true north counter-clockwise, is
 * atan2(-north[0], north[1]): in a transverse Mercator it is about
 * (lon - lon_0) sin(lat), positive east of the central meridian (true north
 * leans west there). xf: a geo_xform_create_lonlat transformation, which is
 * per thread. */
tw_result geo_wind_scene_axes(geo_xform *xf, double x, double y, double east[2], double north[2],
                              char *err, size_t n);

/* Resamples f onto nx*ny cell centres over area (scene metres: xmin ymin
 * xmax ymax; cell (i, j) centre at xmin + (i + 0.5)(xmax - xmin)/nx, rows from
 * the south, index j*nx + i) and rotates each (u east, v north) into the
 * scene's x/y axes. Bilinear in the field. TW_ERR_ARG when the field does
 * not cover the area or a needed point is nodata (message names the field
 * and where). */
tw_result geo_wind_field_to_scene(const geo_wind_field *f, const geo_frame *frame,
                                  const double area[4], int nx, int ny, float *u, float *v,
                                  char *err, size_t n);

#endif
