/* Helpers shared by the feed parsers in live/ (not part of the module's
 * interface): JSON parse with a positioned message, times, GeoJSON
 * geometries, scalar values, and the choice of "the value". */
#ifndef LIVE_INTERNAL_H
#define LIVE_INTERNAL_H

#include "live_formats.h"
#include "tw_jscan.h"

#include <stdbool.h>

/* Sets e->main_value: the value named wanted, else the first preset present. */
void live__pick_main(tw_obs_snapshot *s, tw_obs_entity *e, const char *wanted,
                     const char *const *presets);
/* A new snapshot with the options' limits; NOMEM message on failure. */
tw_obs_snapshot *live__create(const live_options *opt, char *err, size_t errlen);
/* GeoJSON: a plain FeatureCollection read one feature at a time (not
 * finished: live__done); NULL for anything else (live_geojson.c). */
tw_obs_snapshot *live__geojson_stream(const char *buf, size_t len, const live_options *opt);
/* Hands the snapshot over, or frees it and reports NOMEM when an
 * allocation failed while it was built. */
tw_result live__done(tw_obs_snapshot *s, tw_obs_snapshot **out, char *err, size_t errlen);
/* ISO 8601 date-time ("2018-09-21T12:00:00Z", "2016-11-30T07:00:00.00Z",
 * "2020-02-21 16:17:16", "+09:00" offsets) to seconds since the epoch. A
 * time without a zone is taken at utc_offset_h. NAN when it is not one. */
double live__time(const char *text, double utc_offset_h);
/* The JSON helpers take a flat document (core/tw_jscan.h); nodes are
 * indices into it, -1 for "absent". */
/* Parses the whole of buf into d; on failure err gets "bad JSON at line L,
 * column C (byte N): why". */
tw_result live__json(tw_jdoc *d, const char *buf, size_t len, char *err, size_t errlen);
/* Writes d's parse error as "bad JSON at ..." into err. */
void live__json_error(const tw_jdoc *d, const char *buf, size_t len, char *err, size_t errlen);
/* A time member that is a string or an NGSI-LD {"@type": "DateTime",
 * "@value": ...} object; NAN otherwise. */
double live__time_json(const tw_jdoc *d, int v);
/* Reads a GeoJSON geometry (or a Feature holding one) into the current
 * entity. lonlat: check WGS 84 ranges. False with *why on failure. */
bool live__geometry(tw_obs_snapshot *s, const tw_jdoc *d, int g, bool lonlat, tw_obs_skip *why);
/* Adds a number, boolean (1 / 0) or string v as a value named by the key
 * node key; anything else is ignored. NULL when nothing was added. */
tw_obs_value *live__scalar(tw_obs_snapshot *s, const tw_jdoc *d, int key, int v);
/* An id that is a string or an integer, copied into the snapshot; NULL when
 * it is neither. */
const char *live__id(tw_obs_snapshot *s, const tw_jdoc *d, int v);
/* A copy of string node v in the snapshot, or NULL when v is not a string. */
const char *live__str(tw_obs_snapshot *s, const tw_jdoc *d, int v);

#endif
