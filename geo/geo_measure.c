/* Measurement (see geo_measure.h). */
#include "geo_measure.h"

#include <geodesic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* WGS 84: the lon/lat the scene transforms to. Made per call (cheap), so
 * threads share nothing. */
static void geo__wgs84(struct geod_geodesic *g)
{
    geod_init(g, 6378137.0, 1 / 298.257223563);
}

double geo_geodesic_inverse(double lat1, double lon1, double lat2, double lon2, double *azi1,
                            double *azi2)
{
    double s = 0, a1 = 0, a2 = 0;
    struct geod_geodesic g;
    geo__wgs84(&g);
    geod_inverse(&g, lat1, lon1, lat2, lon2, &s, &a1, &a2);
    if (azi1) *azi1 = a1;
    if (azi2) *azi2 = a2;
    return s;
}

void geo_geodesic_polygon(const double *lat, const double *lon, int n, double *area,
                          double *perimeter)
{
    double a = 0, p = 0;
    if (n >= 2) {
        struct geod_geodesic g;
        geo__wgs84(&g);
        struct geod_polygon poly;
        geod_polygon_init(&poly, 0);
        for (int i = 0; i < n; i++) geod_polygon_addpoint(&g, &poly, lat[i], lon[i]);
        geod_polygon_compute(&g, &poly, 0, 1, &a, &p);
    }
    if (area) *area = a;
    if (perimeter) *perimeter = p;
}

void geo_planar_polygon(const double *xy, int n, double *area, double *perimeter)
{
    double a = 0, p = 0;
    for (int i = 0; i < n; i++) {
        int k = (i + 1) % n;
        /* Relative to the first vertex: exact enough at national coordinates. */
        double x0 = xy[2 * i] - xy[0], y0 = xy[2 * i + 1] - xy[1];
        double x1 = xy[2 * k] - xy[0], y1 = xy[2 * k + 1] - xy[1];
        a += x0 * y1 - x1 * y0;
        p += hypot(x1 - x0, y1 - y0);
    }
    if (area) *area = a / 2;
    if (perimeter) *perimeter = n >= 2 ? p : 0;
}

struct geo_measure {
    geo_xform *ll;
};

tw_result geo_measure_create(const geo_frame *frame, geo_measure **out, char *err, size_t n)
{
    *out = NULL;
    geo_measure *m = calloc(1, sizeof *m);
    if (!m) return TW_ERR_NOMEM;
    tw_result r = geo_xform_create_lonlat(frame, &m->ll, err, n);
    if (r != TW_OK) {
        free(m);
        return r;
    }
    *out = m;
    return TW_OK;
}

void geo_measure_destroy(geo_measure *m)
{
    if (!m) return;
    geo_xform_destroy(m->ll);
    free(m);
}

bool geo_measure_lonlat(geo_measure *m, double x, double y, double *lon, double *lat)
{
    if (geo_xform_from_scene(m->ll, 1, &x, &y, NULL) != 1) return false;
    *lon = x, *lat = y;
    return true;
}

tw_result geo_measure_distance(geo_measure *m, const double *xy, int n, geo_distance *out)
{
    *out = (geo_distance){0};
    if (n < 2) return TW_ERR_ARG;
    double lon0, lat0;
    if (!geo_measure_lonlat(m, xy[0], xy[1], &lon0, &lat0)) return TW_ERR_CRS;
    for (int i = 1; i < n; i++) {
        double lon1, lat1, azi;
        if (!geo_measure_lonlat(m, xy[2 * i], xy[2 * i + 1], &lon1, &lat1)) return TW_ERR_CRS;
        out->planar_m += hypot(xy[2 * i] - xy[2 * i - 2], xy[2 * i + 1] - xy[2 * i - 1]);
        out->geodesic_m += geo_geodesic_inverse(lat0, lon0, lat1, lon1, &azi, NULL);
        if (i == 1) out->azimuth_deg = azi < 0 ? azi + 360 : azi;
        lon0 = lon1, lat0 = lat1;
    }
    return TW_OK;
}

tw_result geo_measure_area(geo_measure *m, const double *xy, int n, geo_area *out)
{
    *out = (geo_area){0};
    if (n < 3) return TW_ERR_ARG;
    double *ll = malloc(2 * (size_t)n * sizeof *ll);
    if (!ll) return TW_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        if (!geo_measure_lonlat(m, xy[2 * i], xy[2 * i + 1], &ll[i], &ll[n + i])) {
            free(ll);
            return TW_ERR_CRS;
        }
    double a, p;
    geo_geodesic_polygon(ll + n, ll, n, &a, &p);
    out->geodesic_m2 = fabs(a), out->perimeter_geodesic_m = p;
    geo_planar_polygon(xy, n, &a, &p);
    out->planar_m2 = fabs(a), out->perimeter_planar_m = p;
    free(ll);
    return TW_OK;
}

int geo_profile(const double *xy, int n, double step, geo_height_fn fn, void *user, double *dist,
                double *z, int max)
{
    if (n < 1 || max < 1) return 0;
    if (!(step > 0)) step = 1;
    int k = 0;
    double d0 = 0;
    for (int i = 0; i < n && k < max; i++) {
        int legs = 1;
        double len = 0;
        if (i + 1 < n) {
            len = hypot(xy[2 * i + 2] - xy[2 * i], xy[2 * i + 3] - xy[2 * i + 1]);
            legs = (int)ceil(len / step);
            if (legs < 1) legs = 1;
        }
        /* The vertex, then the samples along its leg (the last vertex ends it). */
        int count = i + 1 < n ? legs : 1;
        for (int s = 0; s < count && k < max; s++) {
            double t = i + 1 < n ? (double)s / legs : 0;
            double x = xy[2 * i] + t * (i + 1 < n ? xy[2 * i + 2] - xy[2 * i] : 0);
            double y = xy[2 * i + 1] + t * (i + 1 < n ? xy[2 * i + 3] - xy[2 * i + 1] : 0);
            double h;
            dist[k] = d0 + t * len;
            z[k] = fn(user, x, y, &h) ? h : NAN;
            k++;
        }
        d0 += len;
    }
    return k;
}

geo_sight geo_line_of_sight(const double a[2], const double b[2], double h_from, double h_to,
                            double step, geo_height_fn fn, void *user)
{
    geo_sight s = {.visible = true, .block_d = -1};
    double za = 0, zb = 0;
    fn(user, a[0], a[1], &za);
    fn(user, b[0], b[1], &zb);
    s.z_from = za + h_from, s.z_to = zb + h_to;
    s.length_m = hypot(b[0] - a[0], b[1] - a[1]);
    if (!(step > 0)) step = 1;
    int n = (int)ceil(s.length_m / step);
    /* The end points themselves never block. */
    for (int i = 1; i < n; i++) {
        double t = (double)i / n, z;
        if (!fn(user, a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), &z)) continue;
        if (z > s.z_from + t * (s.z_to - s.z_from)) {
            s.visible = false;
            s.block_d = t * s.length_m;
            break;
        }
    }
    return s;
}
