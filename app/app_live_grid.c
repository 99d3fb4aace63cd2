/* Entities by grid cell, made by the worker that prepares a snapshot, so
 * that the main thread's per-frame passes over a layer's entities (the
 * labels near the eye) visit the cells near a point instead of all
 * 100,000 entities every frame. */
#include "app_live_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cells per side at most (a feed spread over a continent gets larger cells). */
#define APP_LIVE_GRID_MAX  256
#define APP_LIVE_GRID_CELL 500.0 /* m, the smallest cell */

void app_live_grid_free(app_live_grid *g)
{
    free(g->start), free(g->idx);
    memset(g, 0, sizeof *g);
}

bool app_live_grid_build(app_live_grid *g, const double *xy, int n)
{
    memset(g, 0, sizeof *g);
    if (n <= 0) return false;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < n; i++) {
        x0 = fmin(x0, xy[2 * i]), x1 = fmax(x1, xy[2 * i]);
        y0 = fmin(y0, xy[2 * i + 1]), y1 = fmax(y1, xy[2 * i + 1]);
    }
    g->ext[0] = x0, g->ext[1] = y0, g->ext[2] = x1, g->ext[3] = y1;
    double cell = fmax(APP_LIVE_GRID_CELL, fmax(x1 - x0, y1 - y0) / (APP_LIVE_GRID_MAX - 1));
    int nx = (int)((x1 - x0) / cell) + 1, ny = (int)((y1 - y0) / cell) + 1;
    nx = nx > APP_LIVE_GRID_MAX ? APP_LIVE_GRID_MAX : nx;
    ny = ny > APP_LIVE_GRID_MAX ? APP_LIVE_GRID_MAX : ny;
    size_t cells = (size_t)nx * (size_t)ny;
    int *start = calloc(cells + 1, sizeof *start), *idx = malloc((size_t)n * sizeof *idx);
    int *at = malloc((size_t)n * sizeof *at);
    if (!start || !idx || !at) {
        free(start), free(idx), free(at);
        return false;
    }
    g->x0 = x0, g->y0 = y0, g->cell = cell, g->nx = nx, g->ny = ny;
    for (int i = 0; i < n; i++) {
        int cx = (int)((xy[2 * i] - x0) / cell), cy = (int)((xy[2 * i + 1] - y0) / cell);
        cx = cx < 0 ? 0 : cx >= nx ? nx - 1 : cx, cy = cy < 0 ? 0 : cy >= ny ? ny - 1 : cy;
        at[i] = cy * nx + cx;
        start[at[i] + 1]++;
    }
    for (size_t c = 0; c < cells; c++) start[c + 1] += start[c];
    /* Filled in entity order: each cell's entities ascending. */
    int *fill = malloc(cells * sizeof *fill);
    if (!fill) {
        free(start), free(idx), free(at);
        return false;
    }
    memcpy(fill, start, cells * sizeof *fill);
    for (int i = 0; i < n; i++) idx[fill[at[i]]++] = i;
    free(fill), free(at);
    g->start = start, g->idx = idx;
    return true;
}

int app_live_grid_near(const app_live_grid *g, double x, double y, double r, int **out)
{
    *out = NULL;
    if (!g->start || !(r >= 0)) return -1;
    double fx0 = floor((x - r - g->x0) / g->cell), fx1 = floor((x + r - g->x0) / g->cell);
    double fy0 = floor((y - r - g->y0) / g->cell), fy1 = floor((y + r - g->y0) / g->cell);
    if (!(fx1 >= 0 && fy1 >= 0 && fx0 < g->nx && fy0 < g->ny)) return 0;
    int cx0 = fx0 < 0 ? 0 : (int)fx0, cy0 = fy0 < 0 ? 0 : (int)fy0;
    int cx1 = fx1 >= g->nx ? g->nx - 1 : (int)fx1, cy1 = fy1 >= g->ny ? g->ny - 1 : (int)fy1;
    size_t count = 0;
    for (int cy = cy0; cy <= cy1; cy++)
        count += (size_t)(g->start[cy * g->nx + cx1 + 1] - g->start[cy * g->nx + cx0]);
    if (count == 0) return 0;
    int *v = malloc(count * sizeof *v);
    if (!v) return -1;
    size_t k = 0;
    for (int cy = cy0; cy <= cy1; cy++) { /* a row's cells are one run of idx */
        int a = g->start[cy * g->nx + cx0], b = g->start[cy * g->nx + cx1 + 1];
        memcpy(v + k, g->idx + a, (size_t)(b - a) * sizeof *v);
        k += (size_t)(b - a);
    }
    *out = v;
    return (int)count;
}
