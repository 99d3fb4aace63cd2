/* Paging of the live thread (internal to live/): the next page's URL of a
 * SensorThings or Seoul Open API answer, and merging pages into one
 * snapshot with ids already taken dropped. */
#ifndef LIVE_PAGES_H
#define LIVE_PAGES_H

#include "live_fetch.h"

#include <stdbool.h>
#include <stddef.h>

/* Ids already taken into a fetch's merged pages (open addressing). */
typedef struct live_idset {
    const char **slot;
    size_t cap, n;
} live_idset;

/* The next page's URL (caller frees), or NULL when this page (got from
 * cur) was the last: SensorThings follows @iot.nextLink while pages are not
 * empty; Seoul moves its /START/END/ window while list_total_count says
 * there are more rows and the page was full. */
char *live_pages_next(live_format format, const char *cur, const tw_obs_snapshot *page,
                      const live_paging *pg);
/* Copies a page's entities into acc, dropping ids already in ids (counted
 * in *duplicates). False when out of memory. */
bool live_pages_merge(tw_obs_snapshot *acc, live_idset *ids, long *duplicates,
                      const tw_obs_snapshot *page);

#endif
