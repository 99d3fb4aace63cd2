/* File and path helpers over stdio and stat. */
#define _POSIX_C_SOURCE 200809L
#include "tw_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

tw_result tw_file_read(const char *path, size_t cap, char **out, size_t *len)
{
    *out = NULL;
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return TW_ERR_IO;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return TW_ERR_IO;
    }
    if ((size_t)st.st_size > cap) {
        fclose(f);
        return TW_ERR_TOOBIG;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        return TW_ERR_NOMEM;
    }
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    if (got != size) {
        free(buf);
        return TW_ERR_IO;
    }
    buf[size] = 0;
    *out = buf;
    if (len) *len = size;
    return TW_OK;
}

tw_result tw_file_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return TW_ERR_IO;
    size_t put = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return (put == len && rc == 0) ? TW_OK : TW_ERR_IO;
}

bool tw_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool tw_dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool tw_path_is_connection(const char *path)
{
    static const char *const db[] = {"PG:", "MySQL:", "MSSQL:", "OCI:", "ODBC:", NULL};
    for (int k = 0; path && db[k]; k++)
        if (strncmp(path, db[k], strlen(db[k])) == 0) return true;
    return false;
}

bool tw_path_is_absolute(const char *path)
{
    return path[0] == '/' || strstr(path, "://") != NULL || tw_path_is_connection(path);
}

void tw_path_join(const char *dir, const char *rel, char *out, size_t n)
{
    if (tw_path_is_absolute(rel) || !dir || !dir[0])
        snprintf(out, n, "%s", rel);
    else
        snprintf(out, n, "%s/%s", dir, rel);
}

void tw_path_dirname(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, n, ".");
    } else if (slash == path) {
        snprintf(out, n, "/");
    } else {
        size_t k = (size_t)(slash - path);
        if (k >= n) k = n - 1;
        memcpy(out, path, k);
        out[k] = 0;
    }
}

const char *tw_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void tw_file_toobig_str(size_t cap, char *out, size_t n)
{
    if (cap >= 1024u * 1024u && cap % (1024u * 1024u) == 0)
        snprintf(out, n, "file is larger than the %zu MB limit", cap / (1024u * 1024u));
    else
        snprintf(out, n, "file is larger than the %zu byte limit", cap);
}
