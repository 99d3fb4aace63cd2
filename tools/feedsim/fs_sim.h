/* The simulated demo district (Seoul: City Hall / Jung-gu and Yeouido): fixed
 * tables of places, and values that are pure functions of (seed, entity,
 * tick), so a seed and a clock give the same data on every run. */
#ifndef FS_SIM_H
#define FS_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_place {
    const char *name;    /* Korean, as the real feeds name places */
    const char *address; /* Korean street address (gu + road) */
    double lon, lat;     /* WGS 84 */
    int size;            /* parking: total spots; others: unused */
} fs_place;

typedef struct fs_road {
    const char *name;
    double lonlat[3][2]; /* a short LineString */
} fs_road;

typedef enum fs_quantity {
    FS_Q_TILT,      /* degrees from the installed position */
    FS_Q_VIBRATION, /* mm/s peak particle velocity */
    FS_Q_CRACK,     /* mm crack width */
    FS_Q_COUNT
} fs_quantity;

/* Tables (static data; counts below). */
extern const fs_place fs_sim_parking[];
extern const int fs_sim_parking_count;
extern const fs_place fs_sim_air[];
extern const int fs_sim_air_count;
extern const fs_place fs_sim_weather[];
extern const int fs_sim_weather_count;
extern const fs_road fs_sim_roads[];
extern const int fs_sim_road_count;
extern const fs_place fs_sim_facilities[]; /* facility-safety structures */
extern const int fs_sim_facility_count;
const char *fs_sim_quantity_name(fs_quantity q);     /* "tilt", "vibration", "crack" */
const char *fs_sim_quantity_korean(fs_quantity q);   /* "기울기", ... */
const char *fs_sim_quantity_unit(fs_quantity q);     /* "deg", "mm/s", "mm" */
const char *fs_sim_quantity_unitcode(fs_quantity q); /* UN/CEFACT code */

/* The simulated clock: real time shifted to a start instant, or frozen. */
typedef struct fs_clock {
    pthread_mutex_t lock;
    double start_s;   /* simulated epoch seconds at base_mono */
    double base_mono; /* monotonic seconds when start_s was set */
    bool frozen;
    double tick_s; /* data change step (values are constant within a tick) */
} fs_clock;

void fs_clock_init(fs_clock *c, double start_s, bool frozen, double tick_s);
void fs_clock_destroy(fs_clock *c);
/* Sets the simulated time (and freezes or unfreezes it). */
void fs_clock_set(fs_clock *c, double epoch_s, bool frozen);
double fs_clock_now(fs_clock *c);
bool fs_clock_frozen(fs_clock *c);
/* Current tick number (simulated time / tick_s). */
int64_t fs_clock_tick(fs_clock *c);

/* Values at a tick; tick_s is the step in seconds (for the time of day). */
typedef struct fs_sim {
    uint64_t seed;
    double tick_s;
} fs_sim;

int fs_sim_parking_free(const fs_sim *s, int i, int64_t tick);
void fs_sim_air_values(const fs_sim *s, int i, int64_t tick, double *pm10, double *pm25,
                       double *no2, double *o3);
void fs_sim_weather_values(const fs_sim *s, int i, int64_t tick, double *temp_c, double *humidity,
                           double *wind_ms, double *wind_dir);
void fs_sim_traffic_values(const fs_sim *s, int i, int64_t tick, double *speed_kmh, int *intensity,
                           double *occupancy);
double fs_sim_facility_value(const fs_sim *s, int i, fs_quantity q, int64_t tick);

/* "YYYY-MM-DDTHH:MM:SSZ" (ISO 8601, UTC) and "YYYY-MM-DD HH:MM:SS" (KST). */
void fs_sim_iso(double epoch_s, char *buf, size_t n);
void fs_sim_kst(double epoch_s, char *buf, size_t n);

#endif
