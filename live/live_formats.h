/* Live feed formats: bytes of one HTTP response in, an observation snapshot
 * (core/tw_obs.h) out. Pure functions, no I/O, safe on any thread. Each
 * returns TW_OK and a snapshot, or an error code with a one-line message in
 * err that says what is wrong and where; *out is NULL then. Unknown fields are
 * ignored; a record missing a required field is skipped and counted in the
 * snapshot's skipped[] by reason. */
#ifndef LIVE_FORMATS_H
#define LIVE_FORMATS_H

#include "tw_obs.h"
#include "tw_result.h"

#include <stddef.h>

/* Zero means "default" everywhere. */
typedef struct live_options {
    /* The attribute shown as "the value". NULL: the preset of the entity's
     * type (NGSI-LD), cur_parking (Seoul), none (GeoJSON, SensorThings). */
    const char *value;
    const char *id_field;   /* GeoJSON: property holding the id; NULL: the feature's "id" */
    const char *name_field; /* GeoJSON: property holding the name; NULL: "name" */
    tw_obs_limits limits;
} live_options;

/* Paging information a response carries, for the caller's next request. */
typedef struct live_paging {
    long long count;      /* @iot.count or list_total_count; -1 when absent */
    char next_link[2048]; /* @iot.nextLink; empty when absent (or too long to keep) */
} live_paging;

/* GeoJSON FeatureCollection (or one Feature). Points, lines and polygons
 * (multi-geometries keep their first part). Scalar properties become values.
 * A legacy "crs" member is kept as text in the snapshot's crs. */
tw_result live_geojson_parse(const char *buf, size_t len, const live_options *opt,
                             tw_obs_snapshot **out, char *err, size_t errlen);

/* NGSI-LD entities: an array, or one entity object; normalized and
 * keyValues forms recognised per attribute. Relationships are ignored. */
tw_result live_ngsild_parse(const char *buf, size_t len, const live_options *opt,
                            tw_obs_snapshot **out, char *err, size_t errlen);
/* The preset attributes of an NGSI-LD type, in order of preference
 * (NULL-terminated), or NULL when the type has none. */
const char *const *live_ngsild_presets(const char *type);

/* OGC SensorThings. live_sta_things reads a Things list; with
 * $expand=Locations,Datastreams/Observations the result is complete. Without
 * it, Things come out unlocated, and the merge functions add separate GET
 * responses: Locations (matched to a Thing by an expanded Things list, else
 * by equal name), a Thing's Datastreams (one value each, named by the
 * Datastream's name, unit from unitOfMeasurement.symbol) and a Datastream's
 * Observations (the newest by phenomenonTime sets its value). Call
 * live_sta_finish after the merges: it drops Things still without a
 * location (counted) and picks "the value". paging may be NULL. */
tw_result live_sta_things(const char *buf, size_t len, const live_options *opt,
                          tw_obs_snapshot **out, live_paging *paging, char *err, size_t errlen);
tw_result live_sta_merge_locations(tw_obs_snapshot *snap, const char *buf, size_t len,
                                   live_paging *paging, char *err, size_t errlen);
/* A Thing's own Locations list (GET Things(id)/Locations): its first
 * Location places it, unless it has a place already. */
tw_result live_sta_merge_thing_location(tw_obs_snapshot *snap, const char *thing_id,
                                        const char *buf, size_t len, char *err, size_t errlen);
tw_result live_sta_merge_datastreams(tw_obs_snapshot *snap, const char *thing_id, const char *buf,
                                     size_t len, live_paging *paging, char *err, size_t errlen);
tw_result live_sta_merge_observations(tw_obs_snapshot *snap, const char *datastream_id,
                                      const char *buf, size_t len, live_paging *paging, char *err,
                                      size_t errlen);
void live_sta_finish(tw_obs_snapshot *snap, const live_options *opt);

/* Seoul Open Data API parking (GetParkInfo / GetParkingInfo): the service
 * wrapper, RESULT.CODE (INFO-000 ok, INFO-200 "no data" gives an empty
 * snapshot, any other code is an error carrying the server's message), and
 * its rows, with field names in upper or lower case. Times are KST. */
tw_result live_seoul_parse(const char *buf, size_t len, const live_options *opt,
                           tw_obs_snapshot **out, live_paging *paging, char *err, size_t errlen);

#endif
