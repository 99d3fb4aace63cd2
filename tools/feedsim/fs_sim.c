/* Simulated data for the demo feed server. Every value is computed from
 * (seed, entity, tick) with a hash for noise and daily cycles in Korean time,
 * so nothing is stored and two runs with one seed and clock agree. */
#include "fs_sim.h"

#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

/* Places are plausible, not surveyed: the server says its data is simulated. */
const fs_place fs_sim_parking[] = {
    {"시청앞 공영주차장", "중구 세종대로 110", 126.9779, 37.5663, 180},
    {"세종로 공영주차장", "종로구 세종대로 189", 126.9766, 37.5726, 1050},
    {"무교동 공영주차장", "중구 무교로 15", 126.9800, 37.5681, 120},
    {"을지로입구 공영주차장", "중구 을지로 40", 126.9829, 37.5660, 90},
    {"명동 공영주차장", "중구 명동길 25", 126.9857, 37.5637, 150},
    {"남대문시장 공영주차장", "중구 남대문시장4길 21", 126.9771, 37.5594, 210},
    {"서소문 공영주차장", "중구 서소문로 115", 126.9737, 37.5628, 110},
    {"정동 공영주차장", "중구 정동길 21", 126.9705, 37.5659, 60},
    {"덕수궁 공영주차장", "중구 세종대로 99", 126.9751, 37.5657, 70},
    {"청계광장 공영주차장", "중구 태평로1가 1", 126.9788, 37.5690, 80},
    {"회현 공영주차장", "중구 퇴계로 100", 126.9810, 37.5585, 130},
    {"남산한옥마을 공영주차장", "중구 퇴계로34길 28", 126.9945, 37.5592, 140},
    {"충무로 공영주차장", "중구 충무로 15", 126.9925, 37.5612, 100},
    {"서울역 서부 공영주차장", "중구 청파로 426", 126.9700, 37.5560, 240},
    {"여의도공원 공영주차장", "영등포구 여의공원로 68", 126.9227, 37.5257, 400},
    {"여의도한강공원 1주차장", "영등포구 여의동로 330", 126.9340, 37.5284, 300},
    {"여의도한강공원 2주차장", "영등포구 여의동로 290", 126.9305, 37.5295, 280},
    {"여의도한강공원 3주차장", "영등포구 여의동로 250", 126.9265, 37.5318, 250},
    {"여의도한강공원 4주차장", "영등포구 여의동로 210", 126.9230, 37.5335, 220},
    {"여의나루역 공영주차장", "영등포구 여의동로 343", 126.9325, 37.5271, 160},
    {"의사당대로 공영주차장", "영등포구 의사당대로 1", 126.9142, 37.5307, 200},
    {"여의도역 환승주차장", "영등포구 여의나루로 40", 126.9245, 37.5215, 180},
    {"여의도 환승센터 주차장", "영등포구 여의대로 66", 126.9268, 37.5240, 120},
    {"국제금융로 공영주차장", "영등포구 국제금융로 10", 126.9252, 37.5253, 350},
    {"샛강생태공원 주차장", "영등포구 여의동로 48", 126.9295, 37.5180, 90},
};
const int fs_sim_parking_count = (int)(sizeof fs_sim_parking / sizeof fs_sim_parking[0]);

const fs_place fs_sim_air[] = {
    {"중구 도시대기측정소", "중구 덕수궁길 15", 126.9747, 37.5643, 0},
    {"종로구 도시대기측정소", "종로구 종로35가길 19", 126.9720, 37.5720, 0},
    {"세종대로 도로변측정소", "중구 세종대로 136", 126.9770, 37.5680, 0},
    {"남산 대기측정소", "중구 남산공원길 105", 126.9882, 37.5512, 0},
    {"여의도 도시대기측정소", "영등포구 여의공원로 101", 126.9240, 37.5265, 0},
    {"여의대로 도로변측정소", "영등포구 여의대로 24", 126.9255, 37.5232, 0},
};
const int fs_sim_air_count = (int)(sizeof fs_sim_air / sizeof fs_sim_air[0]);

const fs_place fs_sim_weather[] = {
    {"서울시청 기상관측소", "중구 세종대로 110", 126.9783, 37.5667, 0},
    {"남산 기상관측소", "중구 삼일대로 231", 126.9882, 37.5512, 0},
    {"여의도 기상관측소", "영등포구 여의공원로 68", 126.9230, 37.5262, 0},
    {"여의도한강공원 기상관측소", "영등포구 여의동로 330", 126.9338, 37.5290, 0},
};
const int fs_sim_weather_count = (int)(sizeof fs_sim_weather / sizeof fs_sim_weather[0]);

const fs_road fs_sim_roads[] = {
    {"세종대로 (광화문-시청)", {{126.9769, 37.5720}, {126.9774, 37.5690}, {126.9778, 37.5665}}},
    {"세종대로 (시청-숭례문)", {{126.9778, 37.5665}, {126.9765, 37.5630}, {126.9752, 37.5600}}},
    {"을지로 (시청-을지로3가)", {{126.9790, 37.5662}, {126.9870, 37.5660}, {126.9920, 37.5662}}},
    {"남대문로", {{126.9810, 37.5690}, {126.9800, 37.5640}, {126.9775, 37.5600}}},
    {"퇴계로", {{126.9760, 37.5590}, {126.9850, 37.5605}, {126.9950, 37.5615}}},
    {"청계천로", {{126.9790, 37.5695}, {126.9870, 37.5690}, {126.9950, 37.5688}}},
    {"여의대로", {{126.9180, 37.5300}, {126.9240, 37.5250}, {126.9290, 37.5200}}},
    {"의사당대로", {{126.9150, 37.5290}, {126.9250, 37.5275}, {126.9330, 37.5260}}},
    {"국제금융로", {{126.9230, 37.5220}, {126.9260, 37.5260}, {126.9290, 37.5290}}},
    {"마포대교", {{126.9340, 37.5300}, {126.9370, 37.5370}, {126.9400, 37.5430}}},
};
const int fs_sim_road_count = (int)(sizeof fs_sim_roads / sizeof fs_sim_roads[0]);

const fs_place fs_sim_facilities[] = {
    {"서울로7017 보행고가", "중구 청파로 432", 126.9696, 37.5565, 0},
    {"서울시청 신청사", "중구 세종대로 110", 126.9781, 37.5664, 0},
    {"서울도서관", "중구 세종대로 110", 126.9774, 37.5660, 0},
    {"덕수궁 대한문", "중구 세종대로 99", 126.9766, 37.5653, 0},
    {"숭례문", "중구 세종대로 40", 126.9753, 37.5600, 0},
    {"청계천 광통교", "중구 남대문로 1", 126.9818, 37.5689, 0},
    {"을지로 지하상가", "중구 을지로 지하 31", 126.9855, 37.5661, 0},
    {"명동 지하상가", "중구 남대문로 지하 2", 126.9840, 37.5630, 0},
    {"회현 지하보도", "중구 퇴계로 지하 54", 126.9795, 37.5588, 0},
    {"마포대교 남단", "영등포구 여의동로 지하 1", 126.9345, 37.5310, 0},
    {"여의2교", "영등포구 여의동로 2", 126.9215, 37.5200, 0},
    {"서울교", "영등포구 여의대로 지하 2", 126.9180, 37.5228, 0},
    {"여의도 환승센터 지하보도", "영등포구 여의대로 66", 126.9268, 37.5242, 0},
    {"국회대로 지하차도", "영등포구 국회대로 지하 780", 126.9120, 37.5290, 0},
    {"여의도한강공원 물빛광장", "영등포구 여의동로 330", 126.9336, 37.5281, 0},
};
const int fs_sim_facility_count = (int)(sizeof fs_sim_facilities / sizeof fs_sim_facilities[0]);

const char *fs_sim_quantity_name(fs_quantity q)
{
    static const char *names[FS_Q_COUNT] = {"tilt", "vibration", "crack"};
    return q < FS_Q_COUNT ? names[q] : "?";
}

const char *fs_sim_quantity_korean(fs_quantity q)
{
    static const char *names[FS_Q_COUNT] = {"기울기", "진동", "균열폭"};
    return q < FS_Q_COUNT ? names[q] : "?";
}

const char *fs_sim_quantity_unit(fs_quantity q)
{
    static const char *names[FS_Q_COUNT] = {"deg", "mm/s", "mm"};
    return q < FS_Q_COUNT ? names[q] : "?";
}

const char *fs_sim_quantity_unitcode(fs_quantity q)
{
    static const char *names[FS_Q_COUNT] = {"DD", "C16", "MMT"};
    return q < FS_Q_COUNT ? names[q] : "?";
}

/* ---- clock ---- */

void fs_clock_init(fs_clock *c, double start_s, bool frozen, double tick_s)
{
    pthread_mutex_init(&c->lock, NULL);
    c->start_s = start_s;
    c->base_mono = tw_time_mono_s();
    c->frozen = frozen;
    c->tick_s = tick_s > 0 ? tick_s : 10.0;
}

void fs_clock_destroy(fs_clock *c)
{
    pthread_mutex_destroy(&c->lock);
}

void fs_clock_set(fs_clock *c, double epoch_s, bool frozen)
{
    pthread_mutex_lock(&c->lock);
    c->start_s = epoch_s;
    c->base_mono = tw_time_mono_s();
    c->frozen = frozen;
    pthread_mutex_unlock(&c->lock);
}

double fs_clock_now(fs_clock *c)
{
    pthread_mutex_lock(&c->lock);
    double t = c->frozen ? c->start_s : c->start_s + (tw_time_mono_s() - c->base_mono);
    pthread_mutex_unlock(&c->lock);
    return t;
}

bool fs_clock_frozen(fs_clock *c)
{
    pthread_mutex_lock(&c->lock);
    bool f = c->frozen;
    pthread_mutex_unlock(&c->lock);
    return f;
}

int64_t fs_clock_tick(fs_clock *c)
{
    return (int64_t)floor(fs_clock_now(c) / c->tick_s);
}

/* ---- values ---- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Noise in [-1, 1] for (seed, stream, entity, tick). */
static double noise(const fs_sim *s, unsigned stream, int i, int64_t tick)
{
    uint64_t h = mix64(s->seed ^ mix64(((uint64_t)stream << 32) ^ (uint64_t)(uint32_t)i));
    h = mix64(h ^ (uint64_t)tick);
    return (double)(h >> 11) / (double)(1ull << 52) - 1.0;
}

/* A per-entity constant in [0, 1) (phase, base level). */
static double trait(const fs_sim *s, unsigned stream, int i)
{
    return (noise(s, stream + 1000u, i, 0) + 1.0) * 0.5;
}

/* Hour of day in Korean time (UTC+9) at the start of a tick, 0..24. */
static double kst_hour(const fs_sim *s, int64_t tick)
{
    double t = (double)tick * s->tick_s + 9.0 * 3600.0;
    double d = fmod(t, 86400.0);
    if (d < 0) d += 86400.0;
    return d / 3600.0;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double bump(double h, double centre, double width)
{
    double d = (h - centre) / width;
    return exp(-d * d);
}

int fs_sim_parking_free(const fs_sim *s, int i, int64_t tick)
{
    double h = kst_hour(s, tick);
    int total = fs_sim_parking[i].size;
    /* Office lots fill at midday, Han river lots in the evening. */
    double peak = fs_sim_parking[i].lon < 126.95 && i >= 15 && i <= 18 ? 18.5 : 13.0;
    double occ = 0.25 + 0.6 * bump(h, peak, 4.0) + 0.1 * (trait(s, 1, i) - 0.5) +
                 0.04 * noise(s, 1, i, tick);
    occ = clampd(occ, 0.0, 1.0);
    int free_spots = (int)lround((double)total * (1.0 - occ));
    return free_spots < 0 ? 0 : free_spots > total ? total : free_spots;
}

void fs_sim_air_values(const fs_sim *s, int i, int64_t tick, double *pm10, double *pm25,
                       double *no2, double *o3)
{
    double h = kst_hour(s, tick);
    double base = 30.0 + 25.0 * trait(s, 2, i);
    double rush = bump(h, 8.5, 2.0) + bump(h, 18.5, 2.5);
    double p = base + 20.0 * rush + 6.0 * noise(s, 2, i, tick);
    *pm10 = round(clampd(p, 3.0, 400.0));
    *pm25 = round(clampd(p * (0.5 + 0.1 * trait(s, 3, i)), 1.0, 300.0));
    *no2 = round(clampd(0.018 + 0.02 * rush + 0.004 * noise(s, 4, i, tick), 0.002, 0.2) * 1000) /
           1000.0;
    *o3 =
        round(clampd(0.02 + 0.03 * bump(h, 15.0, 3.0) + 0.003 * noise(s, 5, i, tick), 0.001, 0.2) *
              1000) /
        1000.0;
}

void fs_sim_weather_values(const fs_sim *s, int i, int64_t tick, double *temp_c, double *humidity,
                           double *wind_ms, double *wind_dir)
{
    double h = kst_hour(s, tick);
    double day = sin((h - 9.0) / 24.0 * 2.0 * M_PI);
    *temp_c =
        round((14.0 + 6.0 * day + 0.8 * trait(s, 6, i) + 0.3 * noise(s, 6, i, tick)) * 10) / 10.0;
    *humidity =
        round(clampd(0.6 - 0.15 * day + 0.03 * noise(s, 7, i, tick), 0.1, 1.0) * 100) / 100.0;
    /* Stronger, steadier wind on the river than between City Hall's towers. */
    double river = fs_sim_weather[i].lon < 126.95 ? 1.5 : 0.0;
    double w = 2.0 + river + 1.2 * bump(h, 15.0, 4.0) + 0.6 * noise(s, 8, i, tick);
    *wind_ms = round(clampd(w, 0.0, 30.0) * 10) / 10.0;
    double dir = 290.0 + 35.0 * sin(h / 24.0 * 2.0 * M_PI) + 15.0 * noise(s, 9, i, tick);
    dir = fmod(dir, 360.0);
    if (dir < 0) dir += 360.0;
    *wind_dir = round(dir);
}

void fs_sim_traffic_values(const fs_sim *s, int i, int64_t tick, double *speed_kmh, int *intensity,
                           double *occupancy)
{
    double h = kst_hour(s, tick);
    double rush = bump(h, 8.0, 1.5) + bump(h, 18.5, 2.0);
    double night = bump(h, 3.0, 3.0);
    double v =
        38.0 + 12.0 * trait(s, 10, i) - 20.0 * rush + 12.0 * night + 3.0 * noise(s, 10, i, tick);
    *speed_kmh = round(clampd(v, 4.0, 80.0) * 10) / 10.0;
    double flow = 400.0 + 900.0 * (rush + bump(h, 13.0, 4.0)) * (0.7 + 0.6 * trait(s, 11, i)) +
                  60.0 * noise(s, 11, i, tick);
    *intensity = (int)lround(clampd(flow * (1.0 - 0.8 * night), 10.0, 4000.0));
    *occupancy =
        round(clampd(0.1 + 0.6 * rush + 0.05 * noise(s, 12, i, tick), 0.0, 1.0) * 100) / 100.0;
}

double fs_sim_facility_value(const fs_sim *s, int i, fs_quantity q, int64_t tick)
{
    double h = kst_hour(s, tick);
    switch (q) {
    case FS_Q_TILT: {
        /* One structure per seed leans more, so a threshold of 2.5 deg trips
         * now and then in the demo. */
        int leaner = (int)(mix64(s->seed) % (uint64_t)fs_sim_facility_count);
        double base = i == leaner ? 2.2 : 0.1 + 0.9 * trait(s, 13, i);
        double v = base + 0.15 * sin(h / 24.0 * 2.0 * M_PI) + 0.08 * noise(s, 13, i, tick);
        return round(clampd(v, 0.0, 10.0) * 1000) / 1000.0;
    }
    case FS_Q_VIBRATION: {
        double v = 0.2 + 0.8 * trait(s, 14, i) + 0.7 * (bump(h, 8.0, 2.0) + bump(h, 18.5, 2.0)) +
                   0.15 * noise(s, 14, i, tick);
        return round(clampd(v, 0.0, 50.0) * 1000) / 1000.0;
    }
    case FS_Q_CRACK:
    default: {
        double v = 0.05 + 0.3 * trait(s, 15, i) + 0.01 * noise(s, 15, i, tick);
        return round(clampd(v, 0.0, 5.0) * 1000) / 1000.0;
    }
    }
}

void fs_sim_iso(double epoch_s, char *buf, size_t n)
{
    time_t t = (time_t)floor(epoch_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fs_sim_kst(double epoch_s, char *buf, size_t n)
{
    time_t t = (time_t)floor(epoch_s) + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}
