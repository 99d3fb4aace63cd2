/* Draped imagery: RGB(A) rasters resampled into scene-frame squares. */
#include "geo_imagery.h"

#include "tw_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEO_IMAGERY_MIN_PX 16

struct geo_imagery {
    geo_raster *raster;
    int tile_px;
    int nbands; /* 3, or 4 when band 4 is alpha */
};

tw_result geo_imagery_open(const geo_imagery_desc *desc, const geo_frame *frame, int worker,
                           geo_imagery **out, char *err, size_t n)
{
    *out = NULL;
    geo_imagery *im = calloc(1, sizeof *im);
    if (!im) return TW_ERR_NOMEM;
    geo_raster_desc rd = desc->raster;
    rd.elevation = false;
    rd.min_bands = 3;
    if (!(rd.approx_px > 0)) rd.approx_px = 0.125; /* GDAL's default for warping */
    tw_result r = geo_raster_open(&rd, frame, worker, &im->raster, err, n);
    if (r != TW_OK) {
        free(im);
        return r;
    }
    const geo_raster_info *info = geo_raster_info_get(im->raster);
    im->tile_px = desc->tile_px >= GEO_IMAGERY_MIN_PX ? desc->tile_px : 256;
    im->nbands = info->alpha_band == 4 ? 4 : 3;
    if (strcmp(info->data_type, "Byte") != 0)
        TW_WARN("imagery", "%s: %s pixels; values are shown as 8-bit (0-255), clamped",
                desc->raster.path, info->data_type);
    *out = im;
    return TW_OK;
}

void geo_imagery_close(geo_imagery *im)
{
    if (!im) return;
    geo_raster_close(im->raster);
    free(im);
}

const geo_raster_info *geo_imagery_info(const geo_imagery *im)
{
    return geo_raster_info_get(im->raster);
}

int geo_imagery_square_px(const geo_imagery *im, double size)
{
    int cap = im->tile_px;
    double px = geo_raster_info_get(im->raster)->pixel_m;
    /* One sample per source pixel, plus one: samples lie on both edges. */
    double need = px > 0 ? ceil(size / px) + 1 : cap;
    int s = need < cap ? (int)need : cap;
    return s < GEO_IMAGERY_MIN_PX ? GEO_IMAGERY_MIN_PX : s;
}

static uint8_t geo__byte(double v)
{
    return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5);
}

tw_result geo_imagery_read(geo_imagery *im, int worker, const geo_grid *grid, tw_image *out,
                           long *covered, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    *covered = 0;
    const geo_raster_info *info = geo_raster_info_get(im->raster);
    const double *e = info->extent;
    double x0 = grid->x0 + (double)grid->i0 * grid->dx, y0 = grid->y0 + (double)grid->j0 * grid->dy;
    double x1 = x0 + (grid->nx - 1) * grid->dx, y1 = y0 + (grid->ny - 1) * grid->dy;
    if (fmax(x0, x1) < e[0] || fmin(x0, x1) > e[2] || fmax(y0, y1) < e[1] || fmin(y0, y1) > e[3])
        return TW_OK; /* the square misses the imagery altogether */
    int nb = im->nbands;
    size_t np = (size_t)grid->nx * grid->ny;
    float *v = malloc(np * nb * sizeof *v);
    uint8_t *st = malloc(np);
    tw_result r = v && st ? TW_OK : TW_ERR_NOMEM;
    if (r == TW_OK) r = geo_raster_sample(im->raster, worker, grid, 0, nb, 0, v, st, NULL, err, n);
    long hit = 0;
    for (size_t k = 0; r == TW_OK && k < np; k++) hit += st[k] == GEO_SAMPLE_VALID;
    if (r == TW_OK && hit > 0) r = tw_image_alloc(out, grid->nx, grid->ny, 4);
    if (r == TW_OK && hit > 0) {
        for (int j = 0; j < grid->ny; j++) {
            uint8_t *row = out->pixels + (size_t)(grid->ny - 1 - j) * grid->nx * 4;
            for (int i = 0; i < grid->nx; i++) {
                size_t k = (size_t)j * grid->nx + i;
                uint8_t *p = row + (size_t)i * 4;
                if (st[k] != GEO_SAMPLE_VALID) continue; /* calloc'd: transparent black */
                const float *s = &v[k * nb];
                /* Premultiplied, so linear filtering at the imagery's edge
                 * fades to the terrain colours instead of to black. */
                uint8_t a = nb == 4 ? geo__byte(s[3]) : 255;
                for (int c = 0; c < 3; c++) p[c] = geo__byte(geo__byte(s[c]) * (a / 255.0));
                p[3] = a;
            }
        }
        *covered = hit;
    }
    free(v);
    free(st);
    return r;
}
