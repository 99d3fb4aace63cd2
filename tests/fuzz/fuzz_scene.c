/* libFuzzer: any bytes as a scene file must parse or fail cleanly. */
#include "app_scene.h"
#include "tw_log.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        tw_log_init(TW_LOG_LEVEL_COUNT); /* count, never print */
        quiet = 1;
    }
    app_scene s;
    char err[256];
    if (app_scene_parse((const char *)data, size, "fuzz", &s, err, sizeof err) == TW_OK)
        app_scene_free(&s);
    return 0;
}
