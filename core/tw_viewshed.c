/* Viewshed by reference planes (see tw_viewshed.h). Heights are carried in
 * a working row per line: a visible cell keeps its own height, a hidden one
 * takes the horizon height at it, so what hides it hides the cells behind. */
#include "tw_viewshed.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct vs_ctx {
    const tw_viewshed_desc *d;
    double zo;  /* observer's eye */
    double r2;  /* squared radius, 0: none */
    int x0, x1; /* columns of the window [x0, x1) */
    uint8_t *out;
    tw_viewshed_stats st;
} vs_ctx;

/* Horizon height at step n along a line from the observer, given the
 * horizon height za one step nearer. */
static double vs_line(const vs_ctx *c, int n, double za)
{
    if (n == 1) return za;
    return za + (za - c->zo) / (n - 1);
}

/* Horizon height at (i, j) (i <= j steps) on the plane through the eye,
 * the cell one step back on both axes (za) and one step back on the
 * longer axis only (zb). */
static double vs_edge(const vs_ctx *c, int i, int j, double za, double zb)
{
    if (i == j) return vs_line(c, i, za);
    return c->zo + ((za - c->zo) * i + (zb - c->zo) * (j - i)) / (j - 1);
}

static bool vs_in_range(const vs_ctx *c, int di, int dj)
{
    if (c->r2 <= 0) return true;
    double x = di * c->d->dx, y = dj * c->d->dy;
    return x * x + y * y <= c->r2;
}

/* Marks cell i of a row against the horizon height h. */
static void vs_set(vs_ctx *c, double *row, uint8_t *out, int i, double h)
{
    if (row[i] + c->d->target_h < h) {
        row[i] = h;
        out[i] = c->d->invisible;
    } else {
        out[i] = c->d->visible;
        c->st.visible++;
    }
    c->st.in_range++;
}

/* One row dj steps from the observer's (dj >= 1): prev is the row one step
 * nearer (already done), row this one's heights. */
static void vs_row(vs_ctx *c, int dj, const double *prev, double *row, uint8_t *out)
{
    const int ox = c->d->ox;
    if (vs_in_range(c, 0, dj))
        vs_set(c, row, out, ox, vs_line(c, dj, prev[ox]));
    else
        out[ox] = c->d->outside;
    for (int side = -1; side <= 1; side += 2) {
        bool gone = !vs_in_range(c, 0, dj);
        for (int i = ox + side; i >= c->x0 && i < c->x1; i += side) {
            int di = (i - ox) * side;
            if (gone || !vs_in_range(c, di, dj)) {
                gone = true;
                out[i] = c->d->outside;
                continue;
            }
            int back = i - side; /* one step nearer the observer's column */
            double h = di >= dj ? vs_edge(c, dj, di, prev[back], row[back])
                                : vs_edge(c, di, dj, prev[back], prev[i]);
            vs_set(c, row, out, i, h);
        }
    }
}

static void vs_load(const vs_ctx *c, int y, double *row)
{
    const float *z = c->d->z + (size_t)y * c->d->nx;
    for (int i = c->x0; i < c->x1; i++) row[i] = z[i];
}

tw_result tw_viewshed_compute(const tw_viewshed_desc *d, uint8_t *out, tw_viewshed_stats *st)
{
    if (st) memset(st, 0, sizeof *st);
    if (!d || !d->z || !out || d->nx <= 0 || d->ny <= 0 || !(d->dx > 0) || !(d->dy > 0))
        return TW_ERR_ARG;
    if (d->ox < 0 || d->ox >= d->nx || d->oy < 0 || d->oy >= d->ny) return TW_ERR_ARG;
    const int nx = d->nx, ny = d->ny;
    vs_ctx c = {.d = d, .x0 = 0, .x1 = nx};
    int y0 = 0, y1 = ny;
    if (d->radius > 0) {
        c.r2 = d->radius * d->radius;
        int rx = (int)ceil(d->radius / d->dx), ry = (int)ceil(d->radius / d->dy);
        c.x0 = d->ox - rx > 0 ? d->ox - rx : 0;
        c.x1 = d->ox + rx + 1 < nx ? d->ox + rx + 1 : nx;
        y0 = d->oy - ry > 0 ? d->oy - ry : 0;
        y1 = d->oy + ry + 1 < ny ? d->oy + ry + 1 : ny;
    }
    memset(out, d->outside, (size_t)nx * ny);
    double *first = malloc(3 * (size_t)nx * sizeof *first);
    if (!first) return TW_ERR_NOMEM;
    double *prev = first + nx, *row = first + 2 * nx;
    c.out = out;

    /* The observer's row: the observer and its two neighbours see each
     * other; outwards along the row by lines. */
    const int ox = d->ox, oy = d->oy;
    uint8_t *o = out + (size_t)oy * nx;
    vs_load(&c, oy, first);
    c.zo = first[ox] + d->observer_h;
    o[ox] = d->visible;
    c.st.in_range++, c.st.visible++;
    for (int side = -1; side <= 1; side += 2) {
        bool gone = false;
        for (int i = ox + side; i >= c.x0 && i < c.x1; i += side) {
            int di = (i - ox) * side;
            if (gone || !vs_in_range(&c, di, 0)) {
                gone = true;
                o[i] = d->outside;
            } else if (di == 1) {
                o[i] = d->visible;
                c.st.in_range++, c.st.visible++;
            } else {
                vs_set(&c, first, o, i, vs_line(&c, di, first[i - side]));
            }
        }
    }
    /* Then row by row away from it, north and south. */
    for (int dir = -1; dir <= 1; dir += 2) {
        memcpy(prev + c.x0, first + c.x0, (size_t)(c.x1 - c.x0) * sizeof *prev);
        for (int y = oy + dir; y >= y0 && y < y1; y += dir) {
            vs_load(&c, y, row);
            vs_row(&c, (y - oy) * dir, prev, row, out + (size_t)y * nx);
            double *t = prev;
            prev = row;
            row = t;
        }
    }
    free(first);
    if (st) *st = c.st;
    return TW_OK;
}
