/* Clock helpers over clock_gettime. */
#define _POSIX_C_SOURCE 200809L
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

double tw_time_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double tw_time_wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void tw_time_format(double epoch_s, double utc_offset_h, const char *label, char *buf, size_t n)
{
    time_t t = (time_t)floor(epoch_s + utc_offset_h * 3600.0);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d %s", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, label ? label : "");
}

void tw_time_sleep_s(double s)
{
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}
