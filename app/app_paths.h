/* Finds the shaders/ and assets/ folders wherever the binary runs from: the
 * build tree, an install prefix, or $CITYTWIN_DATA. */
#ifndef APP_PATHS_H
#define APP_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* Fills out with the folder that holds shaders/ and assets/. */
bool app_paths_data_dir(char *out, size_t n);

#endif
