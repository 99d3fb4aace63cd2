/* The sun's position for any instant and place: NOAA's solar calculator
 * (Meeus, "Astronomical Algorithms", low-precision series), with standard
 * atmospheric refraction, good to about 0.01 degree for 1900-2100. Also
 * the local date and time parsing the scene's clock needs ("time",
 * --time). No GDAL, no GL: sun hours run it on workers. */
#ifndef TW_SUN_H
#define TW_SUN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tw_sun_pos {
    double azimuth_deg;   /* clockwise from true north, 0..360 */
    double elevation_deg; /* apparent: with refraction (NOAA's formula) */
    double true_elevation_deg;
    double declination_deg;
    double eot_min; /* equation of time, minutes */
} tw_sun_pos;

/* The sun seen from lat, lon (degrees, east positive) at epoch_s (UTC). */
void tw_sun_position(double epoch_s, double lat_deg, double lon_deg, tw_sun_pos *out);
/* A unit vector towards the sun in a local east-north-up frame. */
void tw_sun_vector(const tw_sun_pos *p, double out[3]);
/* Atmospheric refraction in degrees at a true elevation (NOAA's fit). */
double tw_sun_refraction_deg(double true_elevation_deg);

/* Seconds since 1970-01-01 UTC of a civil date and time at a UTC offset. */
double tw_sun_epoch(int year, int month, int day, double hours, double utc_offset_h);
/* The civil date of epoch_s at a UTC offset, and the local hour. */
void tw_sun_civil(double epoch_s, double utc_offset_h, int *year, int *month, int *day,
                  double *hours);
/* Parses "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]" (a space may stand for T);
 * without an offset the time is local at default_offset_h. *offset_h gets
 * the offset used. False for anything else or an impossible date. */
bool tw_sun_parse_time(const char *s, double default_offset_h, double *epoch_s, double *offset_h);
/* "YYYY-MM-DD" -> y, m, d (checked). */
bool tw_sun_parse_date(const char *s, int *year, int *month, int *day);
/* "HH:MM" -> hours (0..24). */
bool tw_sun_parse_clock(const char *s, double *hours);
/* The local date of the December solstice of a year (21 or 22 December
 * at the offset): the day whose noon is nearest the solstice instant. */
void tw_sun_winter_solstice(int year, double utc_offset_h, int *month, int *day);
/* Sunrise and sunset (apparent upper limb on the horizon: elevation
 * -0.833 degrees true, i.e. refraction plus semi-diameter) on a local date,
 * as local hours; false when the sun does not rise or set that day. */
bool tw_sun_rise_set(int year, int month, int day, double utc_offset_h, double lat_deg,
                     double lon_deg, double *rise_h, double *set_h);
/* "YYYY-MM-DDTHH:MM:SS+HH:MM" */
void tw_sun_format(double epoch_s, double utc_offset_h, char *buf, size_t n);

#endif
