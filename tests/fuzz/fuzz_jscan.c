/* libFuzzer: core/tw_jscan against json-c on any bytes. Both must agree on
 * whether the bytes are one JSON document (json-c's strict mode), and when
 * they are, on every type, member, string and number; a failed parse must
 * name a position inside the input. Element-by-element reading of an array
 * must see the same elements as the whole parse. */
#include "tw_jscan.h"
#include "tw_json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same(const tw_jdoc *d, int i, json_object *o, bool strings)
{
    switch (json_object_get_type(o)) {
    case json_type_null:
        return tw_jis(d, i, TW_J_NULL);
    case json_type_boolean:
        return tw_jis(d, i, json_object_get_boolean(o) ? TW_J_TRUE : TW_J_FALSE);
    case json_type_int: {
        int64_t v = json_object_get_int64(o);
        double x;
        if (!tw_jnumber(d, i, &x)) return false;
        /* json-c saturates integers past int64; ours are doubles. */
        return v == INT64_MAX || v == INT64_MIN || x == (double)v;
    }
    case json_type_double: {
        double x, y = json_object_get_double(o);
        return tw_jnumber(d, i, &x) && (x == y || (x != x && y != y));
    }
    case json_type_string:
        return tw_jis(d, i, TW_J_STRING) &&
               (!strings ||
                (d->nodes[i].len == (uint32_t)json_object_get_string_len(o) &&
                 memcmp(d->nodes[i].s, json_object_get_string(o), d->nodes[i].len) == 0));
    case json_type_array: {
        size_t n = json_object_array_length(o);
        if (!tw_jis(d, i, TW_J_ARRAY) || (size_t)tw_jcount(d, i) != n) return false;
        int c = tw_jfirst(d, i);
        for (size_t k = 0; k < n; k++, c = tw_jnext(d, i, c))
            if (c < 0 || !same(d, c, json_object_array_get_idx(o, k), strings)) return false;
        return c < 0;
    }
    case json_type_object: {
        if (!tw_jis(d, i, TW_J_OBJECT) || tw_jcount(d, i) < json_object_object_length(o))
            return false;
        if (!strings) return true; /* keys may hold escapes decoded differently */
        json_object_object_foreach(o, key, val)
        {
            if (!same(d, tw_jget(d, i, key), val, strings)) return false;
        }
        return true;
    }
    }
    return false;
}

/* Whether t[0..n) is a number by the JSON grammar. */
static bool json_number(const char *t, size_t n)
{
    size_t i = 0;
    if (i < n && t[i] == '-') i++;
    if (i < n && t[i] == '0') {
        i++;
    } else {
        size_t d = i;
        while (i < n && t[i] >= '0' && t[i] <= '9') i++;
        if (i == d || t[d] == '0') return false;
    }
    if (i < n && t[i] == '.') {
        size_t d = ++i;
        while (i < n && t[i] >= '0' && t[i] <= '9') i++;
        if (i == d) return false;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-')) i++;
        size_t d = i;
        while (i < n && t[i] >= '0' && t[i] <= '9') i++;
        if (i == d) return false;
    }
    return i == n;
}

/* json-c's strict mode still takes some numbers JSON does not ("06.2",
 * "00", "0.", "1.e5", "-.25", NaN, Infinity); tw_jscan keeps to the
 * grammar. True when the error at `at` is in one of those. */
static bool jsonc_lenient_number(const char *t, size_t size, size_t at)
{
    size_t lo = at > 12 ? at - 12 : 0, hi = at + 9 < size ? at + 9 : size;
    for (size_t i = lo; i < hi; i++)
        if ((hi - i >= 3 && memcmp(t + i, "NaN", 3) == 0) ||
            (hi - i >= 8 && memcmp(t + i, "Infinity", 8) == 0))
            return true;
    if (at >= size) return false;
    size_t s = at, e = at;
    while (s > 0 && t[s - 1] && strchr("0123456789.eE+-", t[s - 1])) s--;
    while (e < size && t[e] && strchr("0123456789.eE+-", t[e])) e++;
    return e > s && !json_number(t + s, e - s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    tw_jdoc d;
    tw_jdoc_init(&d);
    bool ok = tw_jparse(&d, text, size);
    if (!ok) {
        const char *why = NULL;
        if (tw_jdoc_error(&d, &why) > size || !why || !why[0]) abort();
        char msg[256];
        tw_jdoc_error_text(&d, text, size, msg, sizeof msg);
    } else {
        /* Every node's subtree ends inside the array and after itself. */
        for (size_t i = 0; i < d.count; i++)
            if (d.nodes[i].end <= i || d.nodes[i].end > d.count) abort();
    }
    /* Escapes (\u0000 in a key, lone surrogates) and deep nesting are where
     * json-c and we may differ in detail: compare structure only there. */
    bool escapes = false, deep = false;
    int depth = 0;
    for (size_t i = 0; i < size; i++) {
        if (text[i] == '\\') escapes = true;
        if (text[i] == '[' || text[i] == '{') depth++;
    }
    deep = depth >= TW_JSCAN_MAX_DEPTH - 2;
    json_object *o = NULL;
    char err[256];
    tw_result r = tw_json_parse(text, size, &o, err, sizeof err);
    bool jc_ok = r == TW_OK || strstr(err, "JSON value null") != NULL;
    bool lenient = jc_ok && !ok && jsonc_lenient_number(text, size, d.err_at);
    /* A bare number or literal is no document for json-c given no
     * terminator (it waits for more). */
    bool bare = !jc_ok && ok && tw_jtype_of(&d, 0) <= TW_J_NUMBER && strstr(err, "end of document");
    /* A NUL byte: json-c's tokener stops there, and its verdict on what
     * follows depends on the document before it (a bare null is taken, an
     * object with bytes after the NUL is not); both answers are fair, so
     * only the structure is compared then. */
    bool nul = memchr(text, 0, size) != NULL;
    if (!deep && !lenient && !bare && !nul && jc_ok != ok) {
        fprintf(stderr, "json-c %s, tw_jscan %s\n", jc_ok ? "accepts" : err,
                ok ? "accepts" : d.err_why);
        abort();
    }
    if (ok && jc_ok && !same(&d, 0, o, !escapes)) abort();
    json_object_put(o);

    /* A top-level array read element by element gives the same elements. */
    size_t i = size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    i = tw_jscan_ws(text, i, size);
    if (ok && i < size && text[i] == '[' && d.nodes[0].len > 0) {
        tw_jdoc e;
        tw_jdoc_init(&e);
        int c = tw_jfirst(&d, 0);
        i++;
        while (c >= 0) {
            if (!tw_jparse_value(&e, text, size, &i)) abort();
            if (e.count != d.nodes[c].end - (uint32_t)c) abort();
            for (size_t k = 0; k < e.count; k++)
                if (e.nodes[k].type != d.nodes[c + (int)k].type ||
                    e.nodes[k].len != d.nodes[c + (int)k].len)
                    abort();
            c = tw_jnext(&d, 0, c);
            i = tw_jscan_ws(text, i, size) + 1; /* the ',' or ']' */
        }
        tw_jdoc_free(&e);
    }
    tw_jdoc_free(&d);
    return 0;
}
