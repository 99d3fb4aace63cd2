/* The registry of layer kinds: scene-file name -> table. Adding a kind is
 * its own files, one line here, and its lines in CMakeLists.txt. */
#include "app_boundaries.h"
#include "app_buildings.h"
#include "app_certmap.h"
#include "app_live.h"
#include "app_measure.h"
#include "app_points.h"
#include "app_scenario.h"
#include "app_sun_hours.h"
#include "app_terrain.h"
#include "app_viewshed.h"
#include "app_wind.h"

#include <string.h>

/* One per line, so that adding a kind is a one-line change. */
// clang-format off
static const app_layer_kind *const APP_KINDS[] = {
    &app_terrain_kind,
    &app_boundaries_kind,
    &app_map_kind,
    &app_points_kind,
    &app_buildings_kind,
    &app_sensors_kind,
    &app_parking_kind,
    &app_traffic_kind,
    &app_viewshed_kind,
    &app_measure_kind,
    &app_scenario_kind,
    &app_sun_hours_kind,
    &app_wind_kind,
};
// clang-format on

const app_layer_kind *app_kind_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof APP_KINDS / sizeof *APP_KINDS; i++)
        if (strcmp(APP_KINDS[i]->name, name) == 0) return APP_KINDS[i];
    return NULL;
}
