/* The block level of a chunk (geo_buildings_block): its buildings' far
 * boxes, as raised and coloured, binned into a coarse grid, one box a
 * non-empty cell. */
#include "geo_buildings.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

typedef struct geo__cell {
    float box[6];  /* xmin ymin zmin xmax ymax zmax, mesh coordinates */
    float area;    /* of its buildings' boxes, the colour's weights */
    float rgba[4]; /* area-weighted sums */
    int count;
} geo__cell;

tw_result geo_buildings_block(const tw_mesh *far, int n_side, tw_mesh *out)
{
    memset(out, 0, sizeof *out);
    if (n_side < 1 || n_side > GEO_BUILDINGS_BLOCK_N) return TW_ERR_ARG;
    uint32_t n = far->positions ? far->vertex_count / GEO_BUILDINGS_FAR_V : 0;
    float ext[4] = {FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
    for (uint32_t v = 0; v < n * GEO_BUILDINGS_FAR_V; v++) {
        const float *p = &far->positions[v * 3];
        ext[0] = p[0] < ext[0] ? p[0] : ext[0], ext[1] = p[1] < ext[1] ? p[1] : ext[1];
        ext[2] = p[0] > ext[2] ? p[0] : ext[2], ext[3] = p[1] > ext[3] ? p[1] : ext[3];
    }
    /* Square cells: the extent's longer side over n_side. */
    float side = ext[2] - ext[0] > ext[3] - ext[1] ? ext[2] - ext[0] : ext[3] - ext[1];
    float cell = side > 0 ? side / (float)n_side : 1;
    const int N = n_side;
    geo__cell *cells = n ? calloc((size_t)(N * N), sizeof *cells) : NULL;
    if (n && !cells) return TW_ERR_NOMEM;
    int used = 0;
    for (uint32_t i = 0; i < n; i++) {
        const float *q = &far->positions[i * GEO_BUILDINGS_FAR_V * 3];
        float b[6] = {FLT_MAX, FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX, -FLT_MAX};
        for (int v = 0; v < GEO_BUILDINGS_FAR_V; v++)
            for (int k = 0; k < 3; k++) {
                float x = q[v * 3 + k];
                b[k] = x < b[k] ? x : b[k];
                b[k + 3] = x > b[k + 3] ? x : b[k + 3];
            }
        int ix = (int)((0.5f * (b[0] + b[3]) - ext[0]) / cell);
        int iy = (int)((0.5f * (b[1] + b[4]) - ext[1]) / cell);
        ix = ix < 0 ? 0 : ix >= N ? N - 1 : ix;
        iy = iy < 0 ? 0 : iy >= N ? N - 1 : iy;
        geo__cell *c = &cells[iy * N + ix];
        if (!c->count++) {
            memcpy(c->box, b, sizeof b);
            used++;
        }
        for (int k = 0; k < 3; k++) {
            c->box[k] = b[k] < c->box[k] ? b[k] : c->box[k];
            c->box[k + 3] = b[k + 3] > c->box[k + 3] ? b[k + 3] : c->box[k + 3];
        }
        /* A footprint's box area, at least a square metre. */
        float w = (b[3] - b[0]) * (b[4] - b[1]);
        w = w > 1 ? w : 1;
        c->area += w;
        for (int k = 0; k < 4; k++)
            c->rgba[k] += w * (far->colors ? far->colors[i * GEO_BUILDINGS_FAR_V * 4 + k] : 255);
    }
    tw_result r = tw_mesh_alloc(out, (uint32_t)used * 8, (uint32_t)used * 30, TW_MESH_COLORS);
    if (r != TW_OK) {
        free(cells);
        return r;
    }
    memcpy(out->origin, far->origin, sizeof out->origin);
    out->prim = far->prim;
    static const uint32_t tri[30] = {4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4, 1, 2, 6,
                                     1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7};
    uint32_t o = 0;
    for (int k = 0; k < N * N && used; k++) {
        const geo__cell *c = &cells[k];
        if (!c->count) continue;
        const float q[4][2] = {{c->box[0], c->box[1]},
                               {c->box[3], c->box[1]},
                               {c->box[3], c->box[4]},
                               {c->box[0], c->box[4]}};
        for (uint32_t v = 0; v < 8; v++) {
            float *p = &out->positions[(o * 8 + v) * 3];
            p[0] = q[v & 3][0], p[1] = q[v & 3][1], p[2] = v >= 4 ? c->box[5] : c->box[2];
            for (int j = 0; j < 4; j++)
                out->colors[(o * 8 + v) * 4 + j] = (uint8_t)(c->rgba[j] / c->area + 0.5f);
        }
        for (int t = 0; t < 30; t++) out->indices[o * 30 + (uint32_t)t] = o * 8 + tri[t];
        o++;
    }
    free(cells);
    return TW_OK;
}
