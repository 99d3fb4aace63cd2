/* File and path helpers. Reads are capped: input from outside never grows a
 * buffer without bound. */
#ifndef TW_FILE_H
#define TW_FILE_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

/* Reads a whole file into a NUL-terminated buffer the caller frees. Files
 * larger than cap bytes fail with TW_ERR_TOOBIG. */
tw_result tw_file_read(const char *path, size_t cap, char **out, size_t *len);
/* "file is larger than the 16 MB limit" for a read that failed with
 * TW_ERR_TOOBIG under cap, so the message names the limit. */
void tw_file_toobig_str(size_t cap, char *out, size_t n);
tw_result tw_file_write(const char *path, const void *data, size_t len);
bool tw_file_exists(const char *path);
bool tw_dir_exists(const char *path);
/* True for "/x", for GDAL virtual paths ("/vsicurl/..."), URLs and database
 * connection strings ("PG:host=... dbname=..."). */
bool tw_path_is_absolute(const char *path);
/* True for GDAL's database connection strings ("PG:host=... dbname=..."),
 * which name no file. */
bool tw_path_is_connection(const char *path);
/* dir + "/" + rel into out, unless rel is absolute (then rel alone). */
void tw_path_join(const char *dir, const char *rel, char *out, size_t n);
/* Directory part of a path ("." when there is none). */
void tw_path_dirname(const char *path, char *out, size_t n);
/* Last path component, without directories. */
const char *tw_path_basename(const char *path);

#endif
