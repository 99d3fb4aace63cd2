/* libFuzzer: any bytes as a scenario GeoJSON must parse or fail cleanly. */
#include "app_scenario_int.h"
#include "geo_gdal.h"
#include "tw_log.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static geo_frame *frame;
    if (!frame) {
        tw_log_init(TW_LOG_LEVEL_COUNT); /* count, never print */
        geo_gdal_init(NULL);
        char err[256];
        if (geo_frame_create(&(geo_frame_desc){.crs = "EPSG:5186"}, &frame, err, sizeof err) !=
            TW_OK)
            return 0;
    }
    app_sc_list l;
    char err[512];
    if (app_sc_parse((const char *)data, size, "fuzz", frame, 3.3, &l, err, sizeof err) == TW_OK)
        app_sc_list_free(&l);
    return 0;
}
