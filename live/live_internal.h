/* Helpers shared by the feed parsers in live/ (not part of the module's
 * interface): JSON parse with a positioned message, times, GeoJSON
 * geometries, scalar values, and the choice of "the value". */
#ifndef LIVE_INTERNAL_H
#define LIVE_INTERNAL_H

#include "live_formats.h"
#include "tw_jscan.h"
#include "tw_json.h"

#include <stdbool.h>

/* Parses len bytes; on failure err gets "bad JSON at line L, column C: why". */
tw_result live__json(const char *buf, size_t len, json_object **out, char *err, size_t errlen);
/* Streams a top-level JSON array: each element is parsed alone, handed to
 * each (NULL for a JSON null) and freed, so a large answer never exists as
 * one tree. TW_ERR_FORMAT when the bytes are not a well-formed array (the
 * caller then parses the whole document, for its message or its other
 * form); elements already handed over stay handed over. */
tw_result live__each(const char *buf, size_t len, void (*each)(json_object *, void *), void *user);
/* ISO 8601 date-time ("2018-09-21T12:00:00Z", "2016-11-30T07:00:00.00Z",
 * "2020-02-21 16:17:16", "+09:00" offsets) to seconds since the epoch. A
 * time without a zone is taken at utc_offset_h. NAN when it is not one. */
double live__time(const char *text, double utc_offset_h);
/* A time member that is a string or an NGSI-LD {"@type": "DateTime",
 * "@value": ...} object; NAN otherwise. */
double live__time_json(json_object *v);
/* Reads a GeoJSON geometry (or a Feature holding one) into the current
 * entity. lonlat: check WGS 84 ranges. False with *why on failure. */
bool live__geometry(tw_obs_snapshot *s, json_object *g, bool lonlat, tw_obs_skip *why);
/* Adds a number, boolean (1 / 0) or string member as a value; anything else
 * is ignored. NULL when nothing was added. */
tw_obs_value *live__scalar(tw_obs_snapshot *s, const char *name, json_object *v);
/* An id that is a string or an integer, copied into the snapshot; NULL when
 * it is neither. */
const char *live__id(tw_obs_snapshot *s, json_object *v);
/* Sets e->main_value: the value named wanted, else the first preset present. */
void live__pick_main(tw_obs_snapshot *s, tw_obs_entity *e, const char *wanted,
                     const char *const *presets);
/* A new snapshot with the options' limits; NOMEM message on failure. */
tw_obs_snapshot *live__create(const live_options *opt, char *err, size_t errlen);
/* Hands the snapshot over, or frees it and reports NOMEM when an
 * allocation failed while it was built. */
tw_result live__done(tw_obs_snapshot *s, tw_obs_snapshot **out, char *err, size_t errlen);
/* The same helpers over a flat document (core/tw_jscan.h), for GeoJSON and
 * NGSI-LD: nodes are indices into d, -1 for "absent". */
/* Parses the whole of buf into d; on failure err gets "bad JSON at line L,
 * column C (byte N): why". */
tw_result live__jparse(tw_jdoc *d, const char *buf, size_t len, char *err, size_t errlen);
/* Writes d's parse error as "bad JSON at ..." into err. */
void live__jerror(const tw_jdoc *d, const char *buf, size_t len, char *err, size_t errlen);
double live__jtime(const tw_jdoc *d, int v);
bool live__jgeometry(tw_obs_snapshot *s, const tw_jdoc *d, int g, bool lonlat, tw_obs_skip *why);
/* A scalar v as a value named by the key node key. */
tw_obs_value *live__jscalar(tw_obs_snapshot *s, const tw_jdoc *d, int key, int v);
const char *live__jid(tw_obs_snapshot *s, const tw_jdoc *d, int v);
/* A copy of string node v in the snapshot, or NULL when v is not a string. */
const char *live__jstr(tw_obs_snapshot *s, const tw_jdoc *d, int v);
/* Copies a string into a fixed buffer when it fits, else leaves it empty. */
void live__copy(char *dst, size_t n, const char *src);

#endif
