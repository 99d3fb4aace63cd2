/* libFuzzer: geo_gpkg's GeoPackage blob walker against OGR's WKB reader on
 * any bytes (a blob without its first byte, as the loader's SQL gives it).
 * Whatever the bytes, the walk stays inside them; a blob it takes for
 * polygons OGR reads too, as a Polygon or MultiPolygon with the same rings
 * holding the same points, bit for bit. */
#include "geo_gpkg.h"

#include <ogr_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct seen {
    double xy[2 * 4096];
    uint32_t ring_n[256];
    int rings, points;
    bool over;
} seen;

static bool on_ring(void *user, const uint8_t *pts, uint32_t n, int dims, bool swap, uint32_t r)
{
    (void)r;
    seen *s = user;
    if (s->rings < 256) s->ring_n[s->rings] = n;
    s->rings++;
    for (uint32_t i = 0; i < n; i++) {
        double x, y;
        geo_gpkg_point(pts, i, dims, swap, &x, &y);
        if (s->points < 4096) s->xy[2 * s->points] = x, s->xy[2 * s->points + 1] = y;
        s->points++;
    }
    s->over = s->rings > 256 || s->points > 4096;
    return true;
}

/* OGR's ring r of polygon p against what the walk saw from *ring, *point. */
static void same_polygon(OGRGeometryH p, const seen *s, int *ring, int *point)
{
    for (int k = 0; k < OGR_G_GetGeometryCount(p); k++, (*ring)++) {
        OGRGeometryH r = OGR_G_GetGeometryRef(p, k);
        int n = OGR_G_GetPointCount(r);
        if (*ring >= s->rings || s->ring_n[*ring] != (uint32_t)n) abort();
        for (int i = 0; i < n; i++, (*point)++) {
            double x = OGR_G_GetX(r, i), y = OGR_G_GetY(r, i);
            const double *q = &s->xy[2 * *point];
            if (memcmp(&x, &q[0], 8) != 0 || memcmp(&y, &q[1], 8) != 0) abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: ASan sees any read past them. */
    uint8_t *blob = malloc(size ? size : 1);
    memcpy(blob, data, size);
    const uint8_t *wkb;
    size_t wn;
    geo_gpkg_kind k = geo_gpkg_check(blob, size, &wkb, &wn);
    if (k == GEO_GPKG_POLYGONS) {
        if (wkb < blob || wkb + wn > blob + size) abort();
        seen *s = calloc(1, sizeof *s);
        if (!geo_gpkg_rings(wkb, wn, on_ring, s)) abort();
        OGRGeometryH g = NULL;
        if (OGR_G_CreateFromWkbEx(wkb, NULL, &g, wn) != OGRERR_NONE || !g) abort();
        OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
        if (t != wkbPolygon && t != wkbMultiPolygon) abort();
        if (!s->over) {
            int ring = 0, point = 0;
            if (t == wkbPolygon)
                same_polygon(g, s, &ring, &point);
            else
                for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
                    same_polygon(OGR_G_GetGeometryRef(g, i), s, &ring, &point);
            if (ring != s->rings || point != s->points) abort();
        }
        OGR_G_DestroyGeometry(g);
        free(s);
    }
    free(blob);
    return 0;
}
