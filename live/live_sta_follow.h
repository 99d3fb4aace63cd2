/* SensorThings without $expand: the separate requests a Things list needs
 * before it can be shown. For each Thing with no place, GET
 * Things(id)/Locations; with no Datastreams, GET Things(id)/Datastreams; for
 * each Datastream with no value, GET Datastreams(id)/Observations?$top=1
 * ordered newest first. Internal to live/: live_fetch asks for the URLs one
 * at a time on the feed's handle and hands each body back; at most 4,000
 * requests a fetch. */
#ifndef LIVE_STA_FOLLOW_H
#define LIVE_STA_FOLLOW_H

#include "live_formats.h"

typedef struct live_sta_follow live_sta_follow;

/* NULL when the list is complete already (expanded) or on no memory; snap
 * is merged into (not owned) and must outlive the follow. */
live_sta_follow *live_sta_follow_begin(tw_obs_snapshot *snap, const char *things_url);
/* The next URL to GET, or NULL when every request was made. */
const char *live_sta_follow_url(live_sta_follow *f);
/* The last URL given without the service root ("/Things(3)/Locations"),
 * for messages: no part of the scene's URL, so no secret in it. */
const char *live_sta_follow_what(const live_sta_follow *f);
/* Merges the answer to the URL last given. An error names the request. */
tw_result live_sta_follow_take(live_sta_follow *f, const char *body, size_t len, char *err,
                               size_t errlen);
void live_sta_follow_free(live_sta_follow *f);

#endif
