/* UTF-8 checks for text from outside (scene files, data): where the first
 * byte that is not UTF-8 lies, and a copy with such bytes replaced by
 * U+FFFD, so that what we write (the report) is always valid. */
#ifndef TW_UTF8_H
#define TW_UTF8_H

#include <stddef.h>

/* Offset of the first byte of s[0..len) that is not part of well-formed
 * UTF-8 (no overlongs, surrogates or code points past U+10FFFF); len when
 * all of it is. */
size_t tw_utf8_invalid_at(const char *s, size_t len);
/* A NUL-terminated copy of s[0..len) with each ill-formed byte replaced by
 * U+FFFD; its length in *out_len (may be NULL). NULL when out of memory.
 * The caller frees. */
char *tw_utf8_sanitize(const char *s, size_t len, size_t *out_len);

#endif
