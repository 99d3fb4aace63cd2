/* Strict JSON into a flat node array: an explicit stack instead of
 * recursion, strings left in place unless they hold escapes, numbers
 * checked against the grammar here and converted only when read. */
#include "tw_jscan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TW_JSCAN_BLOCK (64 * 1024)

typedef struct tw_jscan__block {
    struct tw_jscan__block *next;
    size_t used, size;
    char data[];
} tw_jscan__block;

void tw_jdoc_init(tw_jdoc *d)
{
    memset(d, 0, sizeof *d);
}

static void tw_jscan__free_blocks(tw_jscan__block *b)
{
    while (b) {
        tw_jscan__block *next = b->next;
        free(b);
        b = next;
    }
}

void tw_jdoc_free(tw_jdoc *d)
{
    free(d->nodes);
    tw_jscan__free_blocks(d->text);
    tw_jdoc_init(d);
}

/* Keeps the first (newest) text block for the next parse, emptied. */
static void tw_jscan__reset(tw_jdoc *d)
{
    d->count = 0;
    d->err_at = 0;
    d->err_why = NULL;
    d->nomem = false;
    if (d->text) {
        tw_jscan__free_blocks(d->text->next);
        d->text->next = NULL;
        d->text->used = 0;
    }
}

static char *tw_jscan__text(tw_jdoc *d, size_t n)
{
    tw_jscan__block *b = d->text;
    if (!b || b->size - b->used < n) {
        size_t size = n > TW_JSCAN_BLOCK ? n : TW_JSCAN_BLOCK;
        b = malloc(sizeof *b + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        b->next = d->text;
        d->text = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

static int tw_jscan__node(tw_jdoc *d, size_t hint)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : (hint < 64 ? 64 : hint);
        if (cap > 0x7fffffff) return -1;
        tw_jnode *n = realloc(d->nodes, cap * sizeof *n);
        if (!n) return -1;
        d->nodes = n;
        d->cap = cap;
    }
    return (int)d->count++;
}

size_t tw_jscan_ws(const char *b, size_t i, size_t len)
{
    while (i < len && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
    return i;
}

static int tw_jscan__hex(const char *p)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static char *tw_jscan__utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Decodes the escaped string body b[i..end) (end at the closing quote,
 * already checked to exist) into the document's text; NULL on a bad escape
 * (*at set) or no memory. */
static const char *tw_jscan__decode(tw_jdoc *d, const char *b, size_t i, size_t end, size_t *at,
                                    uint32_t *out_len)
{
    char *out = tw_jscan__text(d, end - i + 1), *o = out;
    if (!out) {
        d->nomem = true;
        *at = i;
        return NULL;
    }
    while (i < end) {
        char c = b[i];
        if (c != '\\') {
            *o++ = c;
            i++;
            continue;
        }
        *at = i;
        char e = b[i + 1];
        i += 2;
        switch (e) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '/':
            *o++ = '/';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            int cp = i + 4 <= end ? tw_jscan__hex(b + i) : -1;
            if (cp < 0) return NULL;
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= end && b[i] == '\\' && b[i + 1] == 'u') {
                int lo = tw_jscan__hex(b + i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* a lone surrogate */
            o = tw_jscan__utf8(o, (unsigned)cp);
            break;
        }
        default:
            return NULL;
        }
    }
    *out_len = (uint32_t)(o - out);
    return out;
}

/* A string starting at the quote b[*pi] into node k; false with the error
 * set. */
static bool tw_jscan__string(tw_jdoc *d, const char *b, size_t len, size_t *pi, int k)
{
    size_t i = *pi + 1, start = i;
    bool escaped = false;
    for (;;) {
        /* Control characters pass, as json-c's strict mode lets them, but a
         * NUL byte ends the text there as it does for json-c. */
        while (i < len && b[i] != '"' && b[i] != '\\' && b[i] != '\0') i++;
        if (i >= len || b[i] == '\0') {
            d->err_at = i;
            d->err_why = "unexpected end of document in a string";
            return false;
        }
        if (b[i] == '"') break;
        escaped = true; /* a backslash: skip what it escapes */
        if (i + 1 >= len) {
            d->err_at = len;
            d->err_why = "unexpected end of document in a string";
            return false;
        }
        i += 2;
    }
    tw_jnode *n = &d->nodes[k];
    n->type = TW_J_STRING;
    n->end = (uint32_t)k + 1;
    if (!escaped) {
        n->s = b + start;
        n->len = (uint32_t)(i - start);
    } else {
        size_t at = start;
        const char *s = tw_jscan__decode(d, b, start, i, &at, &n->len);
        if (!s) {
            d->err_at = at;
            d->err_why = d->nomem ? "out of memory" : "bad escape in a string";
            return false;
        }
        n->s = s;
    }
    *pi = i + 1;
    return true;
}

static bool tw_jscan__digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number by the JSON grammar starting at b[*pi]. */
static bool tw_jscan__number(tw_jdoc *d, const char *b, size_t len, size_t *pi, int k)
{
    size_t i = *pi, start = i;
    if (i < len && b[i] == '-') i++;
    if (i < len && b[i] == '0') {
        i++;
    } else if (i < len && b[i] >= '1' && b[i] <= '9') {
        while (i < len && tw_jscan__digit(b[i])) i++;
    } else {
        d->err_at = start;
        d->err_why = i >= len ? "unexpected end of document" : "unexpected character";
        return false;
    }
    if (i < len && b[i] == '.') {
        i++;
        if (i >= len || !tw_jscan__digit(b[i])) {
            d->err_at = i;
            d->err_why = "a digit must follow the decimal point";
            return false;
        }
        while (i < len && tw_jscan__digit(b[i])) i++;
    }
    if (i < len && (b[i] == 'e' || b[i] == 'E')) {
        i++;
        if (i < len && (b[i] == '+' || b[i] == '-')) i++;
        if (i >= len || !tw_jscan__digit(b[i])) {
            d->err_at = i;
            d->err_why = "a digit must follow the exponent";
            return false;
        }
        while (i < len && tw_jscan__digit(b[i])) i++;
    }
    d->nodes[k] = (tw_jnode){
        .s = b + start, .len = (uint32_t)(i - start), .end = (uint32_t)k + 1, .type = TW_J_NUMBER};
    *pi = i;
    return true;
}

static bool tw_jscan__fail(tw_jdoc *d, size_t at, const char *why)
{
    d->err_at = at;
    d->err_why = why;
    return false;
}

/* An object key and its colon, from b[*pi] (white space skipped). */
static bool tw_jscan__key(tw_jdoc *d, const char *b, size_t len, size_t *pi)
{
    size_t i = tw_jscan_ws(b, *pi, len);
    if (i >= len) return tw_jscan__fail(d, len, "unexpected end of document");
    if (b[i] != '"') return tw_jscan__fail(d, i, "expected a string key");
    int k = tw_jscan__node(d, 0);
    if (k < 0) return tw_jscan__fail(d, i, "out of memory");
    if (!tw_jscan__string(d, b, len, &i, k)) return false;
    i = tw_jscan_ws(b, i, len);
    if (i >= len) return tw_jscan__fail(d, len, "unexpected end of document");
    if (b[i] != ':') return tw_jscan__fail(d, i, "expected ':' after a key");
    *pi = i + 1;
    return true;
}

/* hint: how many nodes to make room for at first. */
static bool tw_jscan__value(tw_jdoc *d, const char *b, size_t len, size_t *pos, size_t hint)
{
    tw_jscan__reset(d);
    if (len >= 0xffffffffu) return tw_jscan__fail(d, 0, "document over 4 GB");
    uint32_t stack[TW_JSCAN_MAX_DEPTH];
    int depth = 0;
    size_t i = *pos;
    for (;;) {
        /* A value at i. */
        i = tw_jscan_ws(b, i, len);
        if (i >= len) return tw_jscan__fail(d, len, "unexpected end of document");
        int k = tw_jscan__node(d, hint);
        if (k < 0) return tw_jscan__fail(d, i, "out of memory");
        char c = b[i];
        if (c == '{' || c == '[') {
            if (depth == TW_JSCAN_MAX_DEPTH) return tw_jscan__fail(d, i, "nesting too deep");
            d->nodes[k] = (tw_jnode){.type = c == '{' ? TW_J_OBJECT : TW_J_ARRAY};
            i = tw_jscan_ws(b, i + 1, len);
            if (i < len && b[i] == (c == '{' ? '}' : ']')) {
                d->nodes[k].end = (uint32_t)d->count;
                i++;
                goto closed;
            }
            stack[depth++] = (uint32_t)k;
            if (c == '{' && !tw_jscan__key(d, b, len, &i)) return false;
            continue;
        }
        if (c == '"') {
            if (!tw_jscan__string(d, b, len, &i, k)) return false;
        } else if (c == '-' || tw_jscan__digit(c)) {
            if (!tw_jscan__number(d, b, len, &i, k)) return false;
        } else {
            static const char *const lit[] = {"null", "false", "true"};
            int t = c == 'n' ? 0 : c == 'f' ? 1 : c == 't' ? 2 : -1;
            size_t n = t < 0 ? 0 : strlen(lit[t]);
            if (t < 0 || len - i < n || memcmp(b + i, lit[t], n) != 0)
                return tw_jscan__fail(d, i,
                                      len - i < n && t >= 0 && memcmp(b + i, lit[t], len - i) == 0
                                          ? "unexpected end of document"
                                          : "unexpected character");
            d->nodes[k] = (tw_jnode){.type = (uint8_t)(TW_J_NULL + t), .end = (uint32_t)k + 1};
            i += n;
        }
    closed:
        /* A value ended at i: separators and closing brackets. */
        for (;;) {
            if (depth == 0) {
                *pos = i;
                return true;
            }
            tw_jnode *p = &d->nodes[stack[depth - 1]];
            p->len++;
            i = tw_jscan_ws(b, i, len);
            if (i >= len) return tw_jscan__fail(d, len, "unexpected end of document");
            bool obj = p->type == TW_J_OBJECT;
            if (b[i] == ',') {
                i++;
                if (obj && !tw_jscan__key(d, b, len, &i)) return false;
                break;
            }
            if (b[i] != (obj ? '}' : ']'))
                return tw_jscan__fail(d, i, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            p->end = (uint32_t)d->count;
            depth--;
            i++;
        }
    }
}

bool tw_jparse_value(tw_jdoc *d, const char *buf, size_t len, size_t *pos)
{
    return tw_jscan__value(d, buf, len, pos, 256);
}

bool tw_jparse(tw_jdoc *d, const char *buf, size_t len)
{
    size_t i = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    /* About one node per eight bytes in feed payloads. */
    if (!tw_jscan__value(d, buf, len, &i, len / 8 + 64)) return false;
    i = tw_jscan_ws(buf, i, len);
    if (i < len) return tw_jscan__fail(d, i, "unexpected text after the document");
    return true;
}

void tw_jdoc_set_error(tw_jdoc *d, size_t at, const char *why)
{
    d->err_at = at;
    d->err_why = why;
}

const char *tw_jtype_name(const tw_jdoc *d, int i)
{
    switch (tw_jtype_of(d, i)) {
    case TW_J_NULL:
        return "null";
    case TW_J_FALSE:
    case TW_J_TRUE:
        return "boolean";
    case TW_J_NUMBER:
        return "number";
    case TW_J_STRING:
        return "string";
    case TW_J_ARRAY:
        return "array";
    case TW_J_OBJECT:
        return "object";
    }
    return "?";
}

size_t tw_jdoc_error(const tw_jdoc *d, const char **why)
{
    if (why) *why = d->err_why ? d->err_why : "no error";
    return d->err_at;
}

void tw_jdoc_error_text(const tw_jdoc *d, const char *buf, size_t len, char *out, size_t n)
{
    const char *why;
    size_t at = tw_jdoc_error(d, &why);
    if (at > len) at = len;
    long line = 1, col = 1;
    for (size_t i = 0; i < at; i++) {
        if (buf[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    snprintf(out, n, "line %ld, column %ld (byte %zu): %s", line, col, at, why);
}

int tw_jget(const tw_jdoc *d, int obj, const char *key)
{
    if (!tw_jis(d, obj, TW_J_OBJECT)) return -1;
    size_t kl = strlen(key);
    int found = -1;
    for (int c = tw_jfirst(d, obj); c >= 0; c = tw_jnext(d, obj, c)) {
        const tw_jnode *n = &d->nodes[c];
        if (n->len == kl && memcmp(n->s, key, kl) == 0) found = c + 1;
    }
    return found;
}

int tw_jat(const tw_jdoc *d, int arr, int i)
{
    if (!tw_jis(d, arr, TW_J_ARRAY) || i < 0 || i >= (int)d->nodes[arr].len) return -1;
    int c = arr + 1;
    while (i-- > 0) c = (int)d->nodes[c].end;
    return c;
}

bool tw_jstr_is(const tw_jdoc *d, int i, const char *lit)
{
    if (!tw_jis(d, i, TW_J_STRING)) return false;
    size_t n = strlen(lit);
    return d->nodes[i].len == n && memcmp(d->nodes[i].s, lit, n) == 0;
}

bool tw_jinteger(const tw_jdoc *d, int i)
{
    if (!tw_jis(d, i, TW_J_NUMBER)) return false;
    const tw_jnode *n = &d->nodes[i];
    for (uint32_t k = 0; k < n->len; k++)
        if (n->s[k] == '.' || n->s[k] == 'e' || n->s[k] == 'E') return false;
    return true;
}

bool tw_jnumber(const tw_jdoc *d, int i, double *out)
{
    if (!tw_jis(d, i, TW_J_NUMBER)) return false;
    const tw_jnode *n = &d->nodes[i];
    const char *p = n->s, *e = n->s + n->len;
    /* Fast path: at most 15 significant digits and a power of ten up to 22,
     * where one multiplication or division of exact doubles is correctly
     * rounded (Clinger). The text is already known to be a JSON number. */
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    bool neg = *p == '-';
    if (neg) p++;
    uint64_t m = 0;
    int digits = 0, scale = 0;
    for (; p < e && tw_jscan__digit(*p); p++) {
        if (m || *p != '0') digits++;
        m = m * 10 + (uint64_t)(*p - '0');
        if (digits > 15) break;
    }
    if (digits <= 15 && p < e && *p == '.') {
        for (p++; p < e && tw_jscan__digit(*p); p++) {
            if (m || *p != '0') digits++;
            m = m * 10 + (uint64_t)(*p - '0');
            scale--;
            if (digits > 15) break;
        }
    }
    if (digits <= 15 && p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = *p == '-';
        if (*p == '+' || *p == '-') p++;
        int x = 0;
        for (; p < e && x < 10000; p++) x = x * 10 + (*p - '0');
        if (p == e) scale += eneg ? -x : x;
    }
    if (digits <= 15 && p == e && scale >= -22 && scale <= 22) {
        double v = (double)m;
        v = scale < 0 ? v / pow10[-scale] : v * pow10[scale];
        *out = neg ? -v : v;
        return true;
    }
    char tmp[128], *heap = NULL, *text = tmp;
    if (n->len >= sizeof tmp) {
        if (!(heap = malloc((size_t)n->len + 1))) return false;
        text = heap;
    }
    memcpy(text, n->s, n->len);
    text[n->len] = '\0';
    *out = strtod(text, NULL);
    free(heap);
    return true;
}

bool tw_jstr_copy(const tw_jdoc *d, int i, char *out, size_t n)
{
    if (!tw_jis(d, i, TW_J_STRING) || d->nodes[i].len >= n) return false;
    memcpy(out, d->nodes[i].s, d->nodes[i].len);
    out[d->nodes[i].len] = '\0';
    return true;
}
