/* Small helpers the live tests share (header only): a path in the test's
 * temporary folder, a string member of a report object, a report's layer by
 * name. */
#ifndef TW_LIVE_UTIL_H
#define TW_LIVE_UTIL_H

#include "tw_run.h"

#include <json.h>
#include <stdio.h>
#include <string.h>

/* tw_run_tmpdir()/name; the last 8 stay valid. */
static inline const char *tw_live_tmp(const char *name)
{
    static char buf[8][600];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tw_run_tmpdir(), name);
    return buf[k];
}

/* The string member key of o; "" when o, the member or its value is absent. */
static inline const char *tw_live_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

/* The layer of a report named name (NULL: none). */
static inline json_object *tw_live_layer(json_object *rep, const char *name)
{
    json_object *ls = NULL;
    if (!rep || !json_object_object_get_ex(rep, "layers", &ls)) return NULL;
    for (size_t i = 0; i < json_object_array_length(ls); i++) {
        json_object *l = json_object_array_get_idx(ls, i);
        if (strcmp(tw_live_str(l, "name"), name) == 0) return l;
    }
    return NULL;
}

#endif
