/* The buildings' features ordered by grid cell (geo_buildings.c's load,
 * after the footprints are read, triangulated and repaired): each chunk a
 * run of features. */
#ifndef GEO_BUILDINGS_ORDER_H
#define GEO_BUILDINGS_ORDER_H

#include "geo_buildings_int.h"

/* Orders the features (and their heights, floors, values and triangles)
 * by grid cell of side cm, ties in the source's order; their rings and
 * points stay where they are. */
tw_result geo_bsort(geo_buildings *b, geo_btris *t, double cm);

#endif
