/* Open datasets of one building source, kept for the reads of a layer
 * streamed by view (geo_buildings_stream.c): a tile read takes an idle one
 * or opens one, and gives it back, so a layer holds at most as many open
 * datasets (PostGIS connections, HTTP sessions, file handles) as reads run
 * at once (its workers), not one per tile. Reference counted: the layer
 * and every job out hold one; the last release closes them all. */
#ifndef GEO_BUILDINGS_POOL_H
#define GEO_BUILDINGS_POOL_H

#include "geo_vector.h"

typedef struct geo_buildings_pool geo_buildings_pool;

geo_buildings_pool *geo_buildings_pool_new(void);
geo_buildings_pool *geo_buildings_pool_ref(geo_buildings_pool *p);
void geo_buildings_pool_release(geo_buildings_pool *p);
/* An open dataset of src for one read on this thread (set it as
 * src->dataset): an idle one, else opened now; NULL (err says why) when it
 * cannot be opened. */
GDALDatasetH geo_buildings_pool_take(geo_buildings_pool *p, const geo_vector_desc *src,
                                     const geo_frame *frame, char *err, size_t n);
/* Back after the read; keep false (a failed read: maybe a dropped
 * connection) closes it. */
void geo_buildings_pool_give(geo_buildings_pool *p, GDALDatasetH ds, bool keep);
/* Closes the idle ones (a layer read whole needs none after its read). */
void geo_buildings_pool_drain(geo_buildings_pool *p);
/* Datasets opened so far, and open now (idle or in a read). */
int geo_buildings_pool_opened(geo_buildings_pool *p);
int geo_buildings_pool_open_now(geo_buildings_pool *p);

#endif
