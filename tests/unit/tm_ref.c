/* Krüger series transverse Mercator, forward and inverse. */
#include "tm_ref.h"

#include <math.h>

#define TM_PI 3.14159265358979323846
#define DEG   (TM_PI / 180.0)

tm_ref_params tm_ref_epsg5186(void)
{
    return (tm_ref_params){6378137.0, 1 / 298.257222101, 38.0, 127.0, 1.0, 200000.0, 600000.0};
}

tm_ref_params tm_ref_epsg5179(void)
{
    return (tm_ref_params){6378137.0, 1 / 298.257222101, 38.0, 127.5, 0.9996, 1000000.0, 2000000.0};
}

typedef struct tm__series {
    double n, e, A;
    double alpha[7], beta[7];
} tm__series;

static tm__series tm__setup(const tm_ref_params *p)
{
    tm__series s;
    double n = p->f / (2 - p->f), n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n;
    s.n = n;
    s.e = sqrt(p->f * (2 - p->f));
    s.A = p->a / (1 + n) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
    s.alpha[1] =
        n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180 - 127 * n5 / 288 + 7891 * n6 / 37800;
    s.alpha[2] =
        13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440 + 281 * n5 / 630 - 1983433 * n6 / 1935360;
    s.alpha[3] = 61 * n3 / 240 - 103 * n4 / 140 + 15061 * n5 / 26880 + 167603 * n6 / 181440;
    s.alpha[4] = 49561 * n4 / 161280 - 179 * n5 / 168 + 6601661 * n6 / 7257600;
    s.alpha[5] = 34729 * n5 / 80640 - 3418889 * n6 / 1995840;
    s.alpha[6] = 212378941 * n6 / 319334400;
    s.beta[1] = n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360 - 81 * n5 / 512 + 96199 * n6 / 604800;
    s.beta[2] = n2 / 48 + n3 / 15 - 437 * n4 / 1440 + 46 * n5 / 105 - 1118711 * n6 / 3870720;
    s.beta[3] = 17 * n3 / 480 - 37 * n4 / 840 - 209 * n5 / 4480 + 5569 * n6 / 90720;
    s.beta[4] = 4397 * n4 / 161280 - 11 * n5 / 504 - 830251 * n6 / 7257600;
    s.beta[5] = 4583 * n5 / 161280 - 108847 * n6 / 3991680;
    s.beta[6] = 20648693 * n6 / 638668800;
    return s;
}

/* tan of the conformal latitude for geodetic latitude phi. */
static double tm__tau_prime(const tm__series *s, double phi)
{
    double tau = tan(phi);
    double sigma = sinh(s->e * atanh(s->e * tau / sqrt(1 + tau * tau)));
    return tau * sqrt(1 + sigma * sigma) - sigma * sqrt(1 + tau * tau);
}

/* xi and eta (unscaled) of a point lam radians from the central meridian. */
static void tm__xi_eta(const tm__series *s, double phi, double lam, double *xi, double *eta)
{
    double tp = tm__tau_prime(s, phi);
    double xp = atan2(tp, cos(lam));
    double ep = asinh(sin(lam) / sqrt(tp * tp + cos(lam) * cos(lam)));
    double x = xp, y = ep;
    for (int j = 1; j <= 6; j++) {
        x += s->alpha[j] * sin(2 * j * xp) * cosh(2 * j * ep);
        y += s->alpha[j] * cos(2 * j * xp) * sinh(2 * j * ep);
    }
    *xi = x;
    *eta = y;
}

void tm_ref_forward(const tm_ref_params *p, double lon_deg, double lat_deg, double *x, double *y)
{
    tm__series s = tm__setup(p);
    double xi, eta, xi0, eta0;
    tm__xi_eta(&s, lat_deg * DEG, (lon_deg - p->lon0_deg) * DEG, &xi, &eta);
    tm__xi_eta(&s, p->lat0_deg * DEG, 0, &xi0, &eta0);
    *x = p->fe + p->k0 * s.A * eta;
    *y = p->fn + p->k0 * s.A * (xi - xi0);
}

void tm_ref_inverse(const tm_ref_params *p, double x, double y, double *lon_deg, double *lat_deg)
{
    tm__series s = tm__setup(p);
    double xi0, eta0;
    tm__xi_eta(&s, p->lat0_deg * DEG, 0, &xi0, &eta0);
    double xi = (y - p->fn) / (p->k0 * s.A) + xi0, eta = (x - p->fe) / (p->k0 * s.A);
    double xp = xi, ep = eta;
    for (int j = 1; j <= 6; j++) {
        xp -= s.beta[j] * sin(2 * j * xi) * cosh(2 * j * eta);
        ep -= s.beta[j] * cos(2 * j * xi) * sinh(2 * j * eta);
    }
    double tp = sin(xp) / sqrt(sinh(ep) * sinh(ep) + cos(xp) * cos(xp));
    /* Newton's method for tau from tau' (Karney 2011, eqs. 19-21). */
    double e2 = s.e * s.e, tau = tp;
    for (int i = 0; i < 10; i++) {
        double sigma = sinh(s.e * atanh(s.e * tau / sqrt(1 + tau * tau)));
        double tpi = tau * sqrt(1 + sigma * sigma) - sigma * sqrt(1 + tau * tau);
        double d = (tp - tpi) / sqrt(1 + tpi * tpi) * (1 + (1 - e2) * tau * tau) /
                   ((1 - e2) * sqrt(1 + tau * tau));
        tau += d;
        if (fabs(d) < 1e-15) break;
    }
    *lat_deg = atan(tau) / DEG;
    *lon_deg = p->lon0_deg + atan2(sinh(ep), cos(xp)) / DEG;
}
