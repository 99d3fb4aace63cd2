/* JSON helpers over json-c: parse with line/column errors, typed getters,
 * and a check for unknown keys. */
#ifndef TW_JSON_H
#define TW_JSON_H

#include "tw_result.h"

#include <json.h>
#include <stdbool.h>
#include <stddef.h>

/* Strict parse of len bytes. On failure, err gets "line L, column C: reason"
 * and *out is NULL. Trailing non-space text after the value is an error. */
tw_result tw_json_parse(const char *text, size_t len, json_object **out, char *err, size_t errlen);
/* Reads and parses a file of at most cap bytes; err names no path (the
 * caller adds it). */
tw_result tw_json_load_file(const char *path, size_t cap, json_object **out, char *err,
                            size_t errlen);

/* Member of an object when present with the given type, else NULL. */
json_object *tw_json_get(json_object *obj, const char *key, json_type type);
/* True when key is present at all (any type, null included). */
bool tw_json_has(json_object *obj, const char *key);
/* Number member (int or double) into *out; false when absent or not a number. */
bool tw_json_number(json_object *obj, const char *key, double *out);
/* String member or NULL. The pointer lives as long as obj. */
const char *tw_json_string(json_object *obj, const char *key);
/* Boolean member with a default when absent or not a boolean. */
bool tw_json_bool(json_object *obj, const char *key, bool dflt);
/* Reads an array of n numbers; false unless the member is exactly that. */
bool tw_json_numbers(json_object *obj, const char *key, double *out, int n);
/* Counts, and passes to warn(), keys of obj not in the NULL-terminated known
 * list. */
int tw_json_unknown_keys(json_object *obj, const char *const *known,
                         void (*warn)(const char *key, void *user), void *user);
/* Human name of a json-c type ("string", "number", ...). */
const char *tw_json_type_name(json_object *obj);

#endif
