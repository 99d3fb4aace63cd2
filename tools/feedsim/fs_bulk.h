/* A GeoJSON FeatureCollection of many point sensors (the live frame bench):
 * /geojson/bulk.geojson when the simulator runs with --bulk-sensors N.
 * Every feature's value changes every tick. The text is written once; each
 * render copies it and writes the tick's values and time in place, so
 * 100,000 features cost the server a copy of 22 MB, not their formatting. */
#ifndef FS_BULK_H
#define FS_BULK_H

#include "fs_docs.h"

/* Renders count features at simulated time now_s into out (TW_ERR_NOMEM
 * when memory ran out). */
tw_result fs_bulk_render(const fs_sim *sim, int count, double now_s, fs_doc *out);

#endif
