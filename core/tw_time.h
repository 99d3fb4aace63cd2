/* Clocks. Monotonic time for frame timing; wall time for the HUD, which a
 * deterministic run replaces by a fixed instant. */
#ifndef TW_TIME_H
#define TW_TIME_H

#include <stddef.h>

/* Seconds on a monotonic clock (arbitrary epoch). */
double tw_time_mono_s(void);
/* Seconds since 1970-01-01 UTC. */
double tw_time_wall_s(void);
/* Formats an instant as "YYYY-MM-DD HH:MM:SS LABEL" at a fixed UTC offset
 * (Korea has no daylight saving, so an offset is exact for KST). */
void tw_time_format(double epoch_s, double utc_offset_h, const char *label, char *buf, size_t n);
void tw_time_sleep_s(double s);

#endif
