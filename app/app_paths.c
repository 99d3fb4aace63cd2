/* Data folder lookup. */
#include "app_paths.h"

#include "tw_file.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool app__has_data(const char *dir)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/shaders/terrain.vert", dir);
    if (!tw_file_exists(p)) return false;
    snprintf(p, sizeof p, "%s/assets", dir);
    return tw_dir_exists(p);
}

bool app_paths_data_dir(char *out, size_t n)
{
    const char *env = getenv("CITYTWIN_DATA");
    if (env && env[0] && app__has_data(env)) {
        snprintf(out, n, "%s", env);
        return true;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char dir[PATH_MAX];
        tw_path_dirname(exe, dir, sizeof dir);
        const char *rel[] = {"../share/citytwin", ".", "..", "../.."};
        for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof cand, "%s/%s", dir, rel[i]);
            char real[PATH_MAX];
            if (realpath(cand, real) && app__has_data(real)) {
                snprintf(out, n, "%s", real);
                return true;
            }
        }
    }
#ifdef CITYTWIN_SOURCE_DIR
    if (app__has_data(CITYTWIN_SOURCE_DIR)) {
        snprintf(out, n, "%s", CITYTWIN_SOURCE_DIR);
        return true;
    }
#endif
    return false;
}
