/* The buildings' features ordered by grid cell (geo_buildings.c's load,
 * after the footprints are read, triangulated and repaired): each chunk a
 * run of features, their rings and points in that order. */
#ifndef GEO_BUILDINGS_ORDER_H
#define GEO_BUILDINGS_ORDER_H

#include "geo_buildings_int.h"
#include "geo_prefault.h"

/* The new arrays of the rings and points. A layer read whole sizes them
 * as soon as it is read (repairs may change the counts a little: room to
 * spare, grown if short), so that their pages are faulted in on another
 * core while the triangles are gathered, footprints repaired and the
 * features ordered. */
typedef struct geo_bsorted {
    double *xy;
    int *rs;
    bool *ro;
    int rings, points;        /* as the features have them now */
    size_t cap_rings, cap_xy; /* room in rs and ro (less one), in xy (points) */
    geo_prefault pf;
} geo_bsorted;

/* Room for p's rings and points as they are now (and to spare when
 * asked), the points' pages faulted in on another core. */
tw_result geo_bsorted_alloc(const geo_polygons *p, geo_bsorted *o, bool spare);
void geo_bsorted_free(geo_bsorted *o);

/* Orders the features (and their heights, floors, values and triangles)
 * by grid cell of side cm, ties in the source's order; the rings and
 * points follow into o's arrays (taken here when o has none), which b's
 * polygons then own (o is left empty). */
tw_result geo_bsort(geo_buildings *b, geo_btris *t, double cm, geo_bsorted *o);

#endif
