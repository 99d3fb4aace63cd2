/* A strict JSON (RFC 8259) reader for large feed payloads: one pass over the
 * bytes into a flat array of nodes, no allocation per value. Strings without
 * escapes point into the input (which must outlive the document); strings
 * with escapes are decoded into the document's own blocks. Numbers keep
 * their text and are converted when read. A value's subtree is the nodes
 * from its index up to its `end`; an object's members are a key node (a
 * string) followed by the value's subtree.
 *
 * Bad input gives false and a position and reason (tw_jdoc_error). Depth is
 * capped (TW_JSCAN_MAX_DEPTH), as json-c's tokener caps it. */
#ifndef TW_JSCAN_H
#define TW_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_JSCAN_MAX_DEPTH 64

typedef enum tw_jtype {
    TW_J_NULL,
    TW_J_FALSE,
    TW_J_TRUE,
    TW_J_NUMBER,
    TW_J_STRING,
    TW_J_ARRAY,
    TW_J_OBJECT,
} tw_jtype;

typedef struct tw_jnode {
    const char *s; /* string: its UTF-8 bytes (not NUL-terminated); number: its text */
    uint32_t len;  /* string, number: bytes; array: elements; object: members */
    uint32_t end;  /* index of the first node after this value's subtree */
    uint8_t type;  /* tw_jtype */
} tw_jnode;

typedef struct tw_jdoc {
    tw_jnode *nodes;
    size_t count;
    /* private */
    size_t cap;
    struct tw_jscan__block *text;
    size_t err_at;
    const char *err_why;
    bool nomem;
} tw_jdoc;

/* An empty document (all zero is one too). */
void tw_jdoc_init(tw_jdoc *d);
void tw_jdoc_free(tw_jdoc *d);

/* Reads the whole of buf as one JSON document (a UTF-8 byte order mark and
 * surrounding white space allowed) into d, replacing what it held. The root
 * is node 0. */
bool tw_jparse(tw_jdoc *d, const char *buf, size_t len);
/* Reads one value starting at buf[*pos] (white space before it skipped) into
 * d, replacing what it held; *pos is then just after the value. For walking
 * a large array element by element with a small document. */
bool tw_jparse_value(tw_jdoc *d, const char *buf, size_t len, size_t *pos);
/* After a failed parse: the byte offset where the input went wrong, and why
 * ("unexpected end of document", "expected ',' or ']'", "out of memory"...). */
size_t tw_jdoc_error(const tw_jdoc *d, const char **why);
/* Sets the error a caller found around the parser (a separator missing
 * between the values of tw_jparse_value); why must be a static string. */
void tw_jdoc_set_error(tw_jdoc *d, size_t at, const char *why);
/* Human name of node i's type ("string", "number", "object"...). */
const char *tw_jtype_name(const tw_jdoc *d, int i);
/* "line L, column C (byte N): why" for the failed parse of buf (columns count
 * UTF-8 code points). */
void tw_jdoc_error_text(const tw_jdoc *d, const char *buf, size_t len, char *out, size_t n);

/* Index just past white space from i (at most len). */
size_t tw_jscan_ws(const char *buf, size_t i, size_t len);

static inline tw_jtype tw_jtype_of(const tw_jdoc *d, int i)
{
    return i >= 0 ? (tw_jtype)d->nodes[i].type : TW_J_NULL;
}
static inline bool tw_jis(const tw_jdoc *d, int i, tw_jtype t)
{
    return i >= 0 && d->nodes[i].type == t;
}
/* The value of member key in object node obj (the last one when the key is
 * repeated, as json-c keeps it), or -1 (also when obj is not an object). */
int tw_jget(const tw_jdoc *d, int obj, const char *key);
/* The i-th element of array node arr, or -1. Linear in i. */
int tw_jat(const tw_jdoc *d, int arr, int i);
/* Number of elements (array) or members (object); 0 otherwise. */
static inline int tw_jcount(const tw_jdoc *d, int i)
{
    return i >= 0 && d->nodes[i].type >= TW_J_ARRAY ? (int)d->nodes[i].len : 0;
}
/* Node i is a string equal to lit. */
bool tw_jstr_is(const tw_jdoc *d, int i, const char *lit);
/* Node i's number (false when it is not a number). Correctly rounded. */
bool tw_jnumber(const tw_jdoc *d, int i, double *out);
/* Node i is a number written without fraction or exponent. */
bool tw_jinteger(const tw_jdoc *d, int i);
/* Copies string node i into out as a NUL-terminated string; false when it
 * is not a string or does not fit. */
bool tw_jstr_copy(const tw_jdoc *d, int i, char *out, size_t n);

/* Iteration over children: for (int c = tw_jfirst(d, a); c >= 0; c = tw_jnext(d, a, c)).
 * For an object, c is a key node and c + 1 its value. */
static inline int tw_jfirst(const tw_jdoc *d, int i)
{
    return i >= 0 && d->nodes[i].type >= TW_J_ARRAY && d->nodes[i].len > 0 ? i + 1 : -1;
}
static inline int tw_jnext(const tw_jdoc *d, int parent, int c)
{
    int n = (int)d->nodes[d->nodes[parent].type == TW_J_OBJECT ? c + 1 : c].end;
    return n < (int)d->nodes[parent].end ? n : -1;
}

#endif
