/* Sun position after NOAA's solar calculator (the Meeus series it uses),
 * and the civil-time helpers of the scene's clock. */
#include "tw_sun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TW_SUN_PI 3.14159265358979323846
#define RAD(d)    ((d) * (TW_SUN_PI / 180.0))
#define DEG(r)    ((r) * (180.0 / TW_SUN_PI))

static double tw__wrap360(double a)
{
    a = fmod(a, 360.0);
    return a < 0 ? a + 360.0 : a;
}

double tw_sun_refraction_deg(double e)
{
    if (e > 85.0) return 0;
    double te = tan(RAD(e)), r;
    if (e > 5.0)
        r = 58.1 / te - 0.07 / (te * te * te) + 0.000086 / pow(te, 5);
    else if (e > -0.575)
        r = 1735.0 + e * (-518.2 + e * (103.4 + e * (-12.79 + e * 0.711)));
    else
        r = -20.774 / te;
    return r / 3600.0;
}

void tw_sun_position(double epoch_s, double lat, double lon, tw_sun_pos *out)
{
    double jd = epoch_s / 86400.0 + 2440587.5;
    double t = (jd - 2451545.0) / 36525.0; /* Julian centuries since J2000 */
    double l0 = tw__wrap360(280.46646 + t * (36000.76983 + t * 0.0003032));
    double m = 357.52911 + t * (35999.05029 - 0.0001537 * t);
    double e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
    double c = sin(RAD(m)) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
               sin(RAD(2 * m)) * (0.019993 - 0.000101 * t) + sin(RAD(3 * m)) * 0.000289;
    double omega = 125.04 - 1934.136 * t;
    double lambda = l0 + c - 0.00569 - 0.00478 * sin(RAD(omega)); /* apparent longitude */
    double eps0 =
        23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0;
    double eps = eps0 + 0.00256 * cos(RAD(omega));
    double decl = DEG(asin(sin(RAD(eps)) * sin(RAD(lambda))));
    double y = tan(RAD(eps / 2));
    y *= y;
    double eot = 4.0 * DEG(y * sin(2 * RAD(l0)) - 2 * e * sin(RAD(m)) +
                           4 * e * y * sin(RAD(m)) * cos(2 * RAD(l0)) -
                           0.5 * y * y * sin(4 * RAD(l0)) - 1.25 * e * e * sin(2 * RAD(m)));
    double utc_min = fmod(epoch_s, 86400.0) / 60.0;
    if (utc_min < 0) utc_min += 1440.0;
    double tst = fmod(utc_min + eot + 4.0 * lon, 1440.0); /* true solar time, minutes */
    if (tst < 0) tst += 1440.0;
    double ha = tst / 4.0 - 180.0;
    double cz = sin(RAD(lat)) * sin(RAD(decl)) + cos(RAD(lat)) * cos(RAD(decl)) * cos(RAD(ha));
    cz = fmax(-1.0, fmin(1.0, cz));
    double zen = DEG(acos(cz));
    /* Azimuth from north, clockwise: atan2 of the east and north parts. */
    double east = -cos(RAD(decl)) * sin(RAD(ha));
    double north = sin(RAD(decl)) * cos(RAD(lat)) - cos(RAD(decl)) * sin(RAD(lat)) * cos(RAD(ha));
    out->azimuth_deg = tw__wrap360(DEG(atan2(east, north)));
    out->true_elevation_deg = 90.0 - zen;
    out->elevation_deg = out->true_elevation_deg + tw_sun_refraction_deg(out->true_elevation_deg);
    out->declination_deg = decl;
    out->eot_min = eot;
}

void tw_sun_vector(const tw_sun_pos *p, double out[3])
{
    double az = RAD(p->azimuth_deg), el = RAD(p->elevation_deg);
    out[0] = cos(el) * sin(az);
    out[1] = cos(el) * cos(az);
    out[2] = sin(el);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static long tw__days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void tw__civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

double tw_sun_epoch(int year, int month, int day, double hours, double utc_offset_h)
{
    return (double)tw__days_from_civil(year, month, day) * 86400.0 +
           (hours - utc_offset_h) * 3600.0;
}

void tw_sun_civil(double epoch_s, double utc_offset_h, int *year, int *month, int *day,
                  double *hours)
{
    double local = epoch_s + utc_offset_h * 3600.0;
    long days = (long)floor(local / 86400.0);
    tw__civil_from_days(days, year, month, day);
    if (hours) *hours = (local - (double)days * 86400.0) / 3600.0;
}

static bool tw__valid_date(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    int n = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= n;
}

/* Reads exactly n digits. */
static bool tw__digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9') return false;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return true;
}

bool tw_sun_parse_date(const char *s, int *year, int *month, int *day)
{
    const char *p = s;
    if (!s || !tw__digits(&p, 4, year) || *p++ != '-' || !tw__digits(&p, 2, month) || *p++ != '-' ||
        !tw__digits(&p, 2, day) || *p)
        return false;
    return tw__valid_date(*year, *month, *day);
}

bool tw_sun_parse_clock(const char *s, double *hours)
{
    const char *p = s;
    int h, m;
    if (!s || !tw__digits(&p, 2, &h) || *p++ != ':' || !tw__digits(&p, 2, &m) || *p) return false;
    if (h > 24 || m > 59 || (h == 24 && m > 0)) return false;
    *hours = h + m / 60.0;
    return true;
}

bool tw_sun_parse_time(const char *s, double default_offset_h, double *epoch_s, double *offset_h)
{
    const char *p = s;
    int y, mo, d, h, mi, sec = 0;
    if (!s || !tw__digits(&p, 4, &y) || *p++ != '-' || !tw__digits(&p, 2, &mo) || *p++ != '-' ||
        !tw__digits(&p, 2, &d) || (*p != 'T' && *p != ' ') || !(++p) || !tw__digits(&p, 2, &h) ||
        *p++ != ':' || !tw__digits(&p, 2, &mi))
        return false;
    if (*p == ':' && (++p, !tw__digits(&p, 2, &sec))) return false;
    if (!tw__valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60) return false;
    double off = default_offset_h;
    if (*p == 'Z') {
        off = 0, p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!tw__digits(&p, 2, &oh)) return false;
        if (*p == ':') p++;
        if (*p && !tw__digits(&p, 2, &om)) return false;
        if (oh > 14 || om > 59) return false;
        off = sign * (oh + om / 60.0);
    }
    if (*p) return false;
    *epoch_s = tw_sun_epoch(y, mo, d, h + mi / 60.0 + sec / 3600.0, off);
    if (offset_h) *offset_h = off;
    return true;
}

void tw_sun_winter_solstice(int year, double utc_offset_h, int *month, int *day)
{
    /* The declination is least at the solstice; its noon values around it
     * are nearly symmetric, so the least of 20-23 December is that day. */
    double best = 1e9;
    *month = 12, *day = 21;
    for (int d = 20; d <= 23; d++) {
        tw_sun_pos p;
        tw_sun_position(tw_sun_epoch(year, 12, d, 12.0, utc_offset_h), 0, 0, &p);
        if (p.declination_deg < best) best = p.declination_deg, *day = d;
    }
}

static double tw__true_elev(double epoch, double lat, double lon)
{
    tw_sun_pos p;
    tw_sun_position(epoch, lat, lon, &p);
    return p.true_elevation_deg + 0.833;
}

static double tw__bisect(double a, double b, double lat, double lon)
{
    double fa = tw__true_elev(a, lat, lon);
    for (int i = 0; i < 40; i++) {
        double m = 0.5 * (a + b), fm = tw__true_elev(m, lat, lon);
        if ((fm > 0) == (fa > 0))
            a = m, fa = fm;
        else
            b = m;
    }
    return 0.5 * (a + b);
}

bool tw_sun_rise_set(int year, int month, int day, double utc_offset_h, double lat, double lon,
                     double *rise_h, double *set_h)
{
    double t0 = tw_sun_epoch(year, month, day, 0, utc_offset_h), step = 600.0;
    bool got_rise = false, got_set = false;
    double prev = tw__true_elev(t0, lat, lon);
    for (double t = t0 + step; t <= t0 + 86400.0 + 0.5; t += step) {
        double v = tw__true_elev(t, lat, lon);
        if (prev <= 0 && v > 0 && !got_rise) {
            *rise_h = (tw__bisect(t - step, t, lat, lon) - t0) / 3600.0;
            got_rise = true;
        } else if (prev > 0 && v <= 0 && !got_set) {
            *set_h = (tw__bisect(t - step, t, lat, lon) - t0) / 3600.0;
            got_set = true;
        }
        prev = v;
    }
    return got_rise && got_set;
}

void tw_sun_format(double epoch_s, double utc_offset_h, char *buf, size_t n)
{
    int y, m, d;
    double h;
    double rounded = floor(epoch_s + 0.5);
    tw_sun_civil(rounded, utc_offset_h, &y, &m, &d, &h);
    long secs = lround(h * 3600.0);
    int off_min = (int)lround(fabs(utc_offset_h) * 60.0);
    snprintf(buf, n, "%04d-%02d-%02dT%02ld:%02ld:%02ld%c%02d:%02d", y, m, d, secs / 3600,
             (secs / 60) % 60, secs % 60, utc_offset_h < 0 ? '-' : '+', off_min / 60, off_min % 60);
}
