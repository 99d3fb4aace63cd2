/* JSON parsing with positions, and small typed getters over json-c. */
#include "tw_json.h"

#include "tw_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tw__line_col(const char *text, size_t offset, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++; /* count UTF-8 code points, not bytes */
        }
    }
    *line = l;
    *col = c;
}

tw_result tw_json_parse(const char *text, size_t len, json_object **out, char *err, size_t errlen)
{
    *out = NULL;
    /* A UTF-8 byte order mark (Windows editors write one) is not JSON, but
     * it carries no meaning either: skip it. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok) return TW_ERR_NOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    if (len > 0x7fffffff) {
        json_tokener_free(tok);
        snprintf(err, errlen, "document larger than the 2 GB a JSON parse may take");
        return TW_ERR_TOOBIG;
    }
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    tw_result r = TW_OK;
    int line, col;
    if (!obj && jerr == json_tokener_success && end > 0) {
        /* json-c returns NULL for the JSON value null itself. */
        snprintf(err, errlen, "the document is the JSON value null; an object was expected");
        r = TW_ERR_FORMAT;
    } else if (jerr == json_tokener_continue || (!obj && jerr == json_tokener_success)) {
        tw__line_col(text, len, &line, &col);
        snprintf(err, errlen, "line %d, column %d: unexpected end of document", line, col);
        r = TW_ERR_FORMAT;
    } else if (jerr != json_tokener_success) {
        tw__line_col(text, end, &line, &col);
        snprintf(err, errlen, "line %d, column %d: %s", line, col, json_tokener_error_desc(jerr));
        r = TW_ERR_FORMAT;
    } else {
        size_t i = end;
        while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
            i++;
        if (i < len) {
            tw__line_col(text, i, &line, &col);
            snprintf(err, errlen, "line %d, column %d: unexpected text after the document", line,
                     col);
            r = TW_ERR_FORMAT;
        }
    }
    json_tokener_free(tok);
    if (r != TW_OK) {
        json_object_put(obj);
        return r;
    }
    *out = obj;
    return TW_OK;
}

tw_result tw_json_load_file(const char *path, size_t cap, json_object **out, char *err,
                            size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    tw_result r = tw_file_read(path, cap, &text, &len);
    if (r != TW_OK) {
        if (r == TW_ERR_TOOBIG)
            tw_file_toobig_str(cap, err, errlen);
        else
            snprintf(err, errlen, "cannot read file");
        return r;
    }
    r = tw_json_parse(text, len, out, err, errlen);
    free(text);
    return r;
}

json_object *tw_json_get(json_object *obj, const char *key, json_type type)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object)) return NULL;
    if (!json_object_object_get_ex(obj, key, &v)) return NULL;
    if (!json_object_is_type(v, type)) return NULL;
    return v;
}

bool tw_json_has(json_object *obj, const char *key)
{
    return obj && json_object_is_type(obj, json_type_object) &&
           json_object_object_get_ex(obj, key, NULL);
}

bool tw_json_number(json_object *obj, const char *key, double *out)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object)) return false;
    if (!json_object_object_get_ex(obj, key, &v)) return false;
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
        return false;
    *out = json_object_get_double(v);
    return true;
}

const char *tw_json_string(json_object *obj, const char *key)
{
    json_object *v = tw_json_get(obj, key, json_type_string);
    return v ? json_object_get_string(v) : NULL;
}

bool tw_json_bool(json_object *obj, const char *key, bool dflt)
{
    json_object *v = tw_json_get(obj, key, json_type_boolean);
    return v ? json_object_get_boolean(v) : dflt;
}

bool tw_json_numbers(json_object *obj, const char *key, double *out, int n)
{
    json_object *a = tw_json_get(obj, key, json_type_array);
    if (!a || (int)json_object_array_length(a) != n) return false;
    for (int i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(a, (size_t)i);
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
            return false;
        out[i] = json_object_get_double(v);
    }
    return true;
}

int tw_json_unknown_keys(json_object *obj, const char *const *known,
                         void (*warn)(const char *key, void *user), void *user)
{
    if (!obj || !json_object_is_type(obj, json_type_object)) return 0;
    int n = 0;
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        bool ok = false;
        for (const char *const *k = known; *k; k++)
            if (strcmp(*k, key) == 0) ok = true;
        if (!ok) {
            n++;
            if (warn) warn(key, user);
        }
    }
    return n;
}

const char *tw_json_type_name(json_object *obj)
{
    switch (json_object_get_type(obj)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "boolean";
    case json_type_double:
    case json_type_int:
        return "number";
    case json_type_object:
        return "object";
    case json_type_array:
        return "array";
    case json_type_string:
        return "string";
    }
    return "?";
}
