/* An independent transverse Mercator (Krüger n-series to sixth order, after
 * Karney 2011, "Transverse Mercator with an accuracy of a few nanometers"),
 * written here so that the CRS tests check GDAL/PROJ against something that
 * is not GDAL/PROJ. libm only. */
#ifndef TM_REF_H
#define TM_REF_H

typedef struct tm_ref_params {
    double a, f; /* ellipsoid semi-major axis (m) and flattening */
    double lat0_deg, lon0_deg;
    double k0;
    double fe, fn; /* false easting / northing (m) */
} tm_ref_params;

/* Korea 2000 / Central Belt 2010 (EPSG:5186). */
tm_ref_params tm_ref_epsg5186(void);
/* Korea 2000 / Unified CS (EPSG:5179). */
tm_ref_params tm_ref_epsg5179(void);

void tm_ref_forward(const tm_ref_params *p, double lon_deg, double lat_deg, double *x, double *y);
void tm_ref_inverse(const tm_ref_params *p, double x, double y, double *lon_deg, double *lat_deg);

#endif
