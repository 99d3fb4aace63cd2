/* The wind layer's scene keys (parsed once per scene load). */
#ifndef APP_WIND_CFG_H
#define APP_WIND_CFG_H

#include "app_cfg.h"

#include <json.h>
#include <stdbool.h>
#include <stdint.h>

#define APP_WIND_FIELDS 8

typedef struct app_wind_field_cfg {
    char *path, *format, *label;
} app_wind_field_cfg;

typedef struct app_wind_cfg {
    char *name, *attribution;
    char *u_band, *v_band;
    app_wind_field_cfg fields[APP_WIND_FIELDS]; /* "source" is the first */
    int field_count;
    bool has_station;
    double station_speed, station_dir;
    /* a live station: a WeatherObserved-like feed (windSpeed, windDirection) */
    char *station_url, *station_entity;
    int station_format; /* live_format */
    double station_poll_s;
    double particles, speed_scale, trail, height_m, resolution_m, levels, fine_m, fine_size_m;
    bool has_seed;
    double seed;
    bool has_area;
    double area[4];
    app_source src; /* for the frame's centre: the first field's path */
} app_wind_cfg;

void *app_wind_cfg_parse(app_cfg *c, json_object *o);
void app_wind_cfg_free(void *cfg);

#endif
