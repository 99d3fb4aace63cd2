/* The block level of a chunk (geo_buildings_block): its buildings' boxes
 * (footprint bounding boxes from their rows' base to top), binned into a
 * coarse grid, one box a non-empty cell. */
#include "geo_buildings.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct geo__cell {
    float box[6];  /* xmin ymin zmin xmax ymax zmax, mesh coordinates */
    float area;    /* of its buildings' boxes, the colour's weights */
    float rgba[4]; /* area-weighted sums */
    int count;
} geo__cell;

/* Feature f0 + i's box in the chunk's coordinates (x, y from its origin, z as drawn). */
static void geo__box(const geo_buildings *b, const geo_buildings_chunk *c,
                     const geo_buildings_row *rows, int i, float out[6])
{
    const double *bb = b->polys.features[c->f0 + i].bbox;
    out[0] = (float)(bb[0] - c->origin[0]), out[1] = (float)(bb[1] - c->origin[1]);
    out[3] = (float)(bb[2] - c->origin[0]), out[4] = (float)(bb[3] - c->origin[1]);
    out[2] = rows[i].base, out[5] = rows[i].base + rows[i].height;
}

/* Chunk ch's buildings binned into the n_side x n_side cells at cells
 * (zeroed); boxes in the chunk's coordinates shifted by (dx, dy). Returns
 * the cells used. */
static int geo__bin(const geo_buildings *b, const geo_buildings_chunk *ch,
                    const geo_buildings_row *rows, int n_side, float dx, float dy, geo__cell *cells)
{
    uint32_t n = rows && ch->f1 > ch->f0 ? (uint32_t)(ch->f1 - ch->f0) : 0;
    float ext[4] = {FLT_MAX, FLT_MAX, -FLT_MAX, -FLT_MAX};
    for (uint32_t i = 0; i < n; i++) {
        float q[6];
        geo__box(b, ch, rows, (int)i, q);
        ext[0] = q[0] < ext[0] ? q[0] : ext[0], ext[1] = q[1] < ext[1] ? q[1] : ext[1];
        ext[2] = q[3] > ext[2] ? q[3] : ext[2], ext[3] = q[4] > ext[3] ? q[4] : ext[3];
    }
    /* Square cells: the extent's longer side over n_side. */
    float side = ext[2] - ext[0] > ext[3] - ext[1] ? ext[2] - ext[0] : ext[3] - ext[1];
    float cell = side > 0 ? side / (float)n_side : 1;
    const int N = n_side;
    int used = 0;
    for (uint32_t i = 0; i < n; i++) {
        float q[6];
        geo__box(b, ch, rows, (int)i, q);
        int ix = (int)((0.5f * (q[0] + q[3]) - ext[0]) / cell);
        int iy = (int)((0.5f * (q[1] + q[4]) - ext[1]) / cell);
        ix = ix < 0 ? 0 : ix >= N ? N - 1 : ix;
        iy = iy < 0 ? 0 : iy >= N ? N - 1 : iy;
        geo__cell *c = &cells[iy * N + ix];
        if (!c->count++) {
            memcpy(c->box, q, sizeof q);
            used++;
        }
        for (int k = 0; k < 3; k++) {
            float lo = q[k] < q[k + 3] ? q[k] : q[k + 3], hi = q[k] < q[k + 3] ? q[k + 3] : q[k];
            c->box[k] = lo < c->box[k] ? lo : c->box[k];
            c->box[k + 3] = hi > c->box[k + 3] ? hi : c->box[k + 3];
        }
        /* A footprint's box area, at least a square metre. */
        float w = (q[3] - q[0]) * (q[4] - q[1]);
        w = w > 1 ? w : 1;
        c->area += w;
        for (int k = 0; k < 4; k++) c->rgba[k] += w * rows[i].rgba[k];
    }
    /* Into the mesh's origin: after the binning, which stays the chunk's
     * own whatever mesh it goes into. */
    for (int k = 0; k < N * N && (dx != 0 || dy != 0); k++)
        if (cells[k].count)
            cells[k].box[0] += dx, cells[k].box[3] += dx, cells[k].box[1] += dy,
                cells[k].box[4] += dy;
    return used;
}

/* The blocks of count chunks, one (its rows one_rows) or b's chunks
 * listed (the tile's rows), into one mesh at origin. */
static tw_result geo__blocks(const geo_buildings *b, const geo_buildings_chunk *one,
                             const geo_buildings_row *one_rows, const int *chunks, int count,
                             const geo_buildings_row *rows, int n_side, geo_blocks_form form,
                             const double origin[2], tw_mesh *out)
{
    memset(out, 0, sizeof *out);
    if (n_side < 1 || n_side > GEO_BUILDINGS_BLOCK_N || count < 0 ||
        (form != GEO_BLOCKS_BOXES && form != GEO_BLOCKS_CAST))
        return TW_ERR_ARG;
    const int N = n_side;
    geo__cell *cells = count ? calloc((size_t)count * (size_t)(N * N), sizeof *cells) : NULL;
    if (count && !cells) return TW_ERR_NOMEM;
    long used = 0;
    for (int j = 0; j < count; j++) {
        const geo_buildings_chunk *ch = one ? one : &b->chunks[chunks[j]];
        const geo_buildings_row *cr = one ? one_rows : rows ? rows + ch->f0 : NULL;
        /* The shift in double, then float: what the chunk's own mesh adds
         * to its origin. */
        float dx = (float)(ch->origin[0] - origin[0]), dy = (float)(ch->origin[1] - origin[1]);
        used += geo__bin(b, ch, cr, N, dx, dy, cells + (size_t)j * (size_t)(N * N));
    }
    /* As the GPU takes them (TW_MESH_GPU16: the walls a strip, uint16). */
    bool cast = form == GEO_BLOCKS_CAST;
    const uint32_t nv = cast ? 4 : 8, ni = cast ? 6 : 30;
    if (used * (long)nv > 65535) {
        free(cells);
        return TW_ERR_TOOBIG;
    }
    uint32_t *ix = used ? malloc((size_t)used * ni * sizeof *ix) : NULL;
    tw_result r =
        used && !ix ? TW_ERR_NOMEM
                    : tw_mesh_alloc(out, (uint32_t)used * nv, (uint32_t)used * ni,
                                    TW_MESH_COLORS | TW_MESH_GPU16 | (cast ? TW_MESH_NORMALS : 0));
    if (r != TW_OK) {
        free(ix);
        free(cells);
        return r;
    }
    out->origin[0] = origin[0], out->origin[1] = origin[1], out->origin[2] = 0;
    out->prim = TW_PRIM_TRIANGLES;
    /* Boxes: corner k's bottom at vertex 2k, its top at 2k + 1: the four
     * walls (bottom a, b, top b, a) go up as one strip (tw_mesh_strip16),
     * then the roof. Cast: the top's corners k. */
    static const uint32_t tri[30] = {0, 2, 3, 0, 3, 1, 2, 4, 5, 2, 5, 3, 4, 6, 7,
                                     4, 7, 5, 6, 0, 1, 6, 1, 7, 1, 3, 5, 1, 5, 7};
    static const uint32_t top[6] = {0, 1, 2, 0, 2, 3};
    uint32_t o = 0;
    for (long k = 0; k < (long)count * N * N && used; k++) {
        const geo__cell *c = &cells[k];
        if (!c->count) continue;
        const float q[4][2] = {{c->box[0], c->box[1]},
                               {c->box[3], c->box[1]},
                               {c->box[3], c->box[4]},
                               {c->box[0], c->box[4]}};
        for (uint32_t v = 0; v < nv; v++) {
            uint32_t corner = cast ? v : v >> 1, i = o * nv + v;
            float *p = &out->positions[i * 3];
            p[0] = q[corner][0], p[1] = q[corner][1];
            p[2] = cast || (v & 1) ? c->box[5] : c->box[2];
            if (cast) { /* to the opposite corner (k + 2) % 4, at the bottom */
                float *n = &out->normals[i * 3];
                n[0] = q[(corner + 2) & 3][0] - p[0], n[1] = q[(corner + 2) & 3][1] - p[1];
                n[2] = c->box[2] - c->box[5];
            }
            for (int j = 0; j < 4; j++)
                out->colors[i * 4 + j] = (uint8_t)(c->rgba[j] / c->area + 0.5f);
        }
        for (uint32_t t = 0; t < ni; t++) ix[o * ni + t] = o * nv + (cast ? top[t] : tri[t]);
        o++;
    }
    free(cells);
    if (used) tw_mesh_strip16(ix, out->index_count, out->ix16, &out->strip_count, &out->list_count);
    free(ix);
    return TW_OK;
}

tw_result geo_buildings_blocks(const geo_buildings *b, const int *chunks, int count,
                               const geo_buildings_row *rows, int n_side, geo_blocks_form form,
                               const double origin[2], tw_mesh *out)
{
    for (int j = 0; j < count; j++)
        if (chunks[j] < 0 || chunks[j] >= b->chunk_count) {
            memset(out, 0, sizeof *out);
            return TW_ERR_ARG;
        }
    return geo__blocks(b, NULL, NULL, chunks, count, rows, n_side, form, origin, out);
}

tw_result geo_buildings_block(const geo_buildings *b, const geo_buildings_chunk *ch,
                              const geo_buildings_row *rows, int n_side, geo_blocks_form form,
                              tw_mesh *out)
{
    return geo__blocks(b, ch, rows, NULL, 1, NULL, n_side, form, ch->origin, out);
}

/* Directions tried at most: the axes, and every edge of up to 63 (an
 * outline of more takes every edges / 32-th). */
#define GEO_OBOX_MAX (2 * GEO_BUILDINGS_OBOX_DIRS + 1)

/* Its lanes (every direction at each point) in the widest vectors the CPU
 * has, chosen when the program starts: 270 -> 186 ns a footprint here
 * (AVX-512), the same boxes to the bit (no FMA, no reordering). GCC on
 * x86-64 only: clang 14 leaves a clone set unresolved when its function
 * is not called in the same file. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GEO_OBOX_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GEO_OBOX_CLONES
#endif

GEO_OBOX_CLONES double geo_buildings_obox(const geo_polygons *p, int f, double q[4][2])
{
    const geo_polygon *g = &p->features[f];
    const double *bb = g->bbox;
    double x0 = 0.5 * (bb[0] + bb[2]), y0 = 0.5 * (bb[1] + bb[3]);
    int edges = 0;
    for (int r = g->ring_first; r < g->ring_first + g->ring_count; r++)
        if (p->ring_outer[r]) edges += p->ring_start[r + 1] - p->ring_start[r];
    /* The directions: the axes first (a rotation must be smaller by more
     * than rounding), then the edges picked. */
    double dc[GEO_OBOX_MAX], ds[GEO_OBOX_MAX];
    int nd = 1;
    dc[0] = 1, ds[0] = 0;
    int step = edges > GEO_BUILDINGS_OBOX_DIRS ? edges / GEO_BUILDINGS_OBOX_DIRS : 1;
    int k = 0;
    for (int r = g->ring_first; r < g->ring_first + g->ring_count; r++) {
        if (!p->ring_outer[r]) continue;
        int a = p->ring_start[r], n = p->ring_start[r + 1] - a;
        for (int i = 0; i < n && nd < GEO_OBOX_MAX; i++, k++) {
            if (k % step) continue;
            int j = (i + 1) % n;
            double dx = p->xy[2 * (a + j)] - p->xy[2 * (a + i)];
            double dy = p->xy[2 * (a + j) + 1] - p->xy[2 * (a + i) + 1];
            double len = sqrt(dx * dx + dy * dy);
            if (!(len > 1e-6)) continue;
            dc[nd] = dx / len, ds[nd] = dy / len, nd++;
        }
    }
    /* Every direction's extent across u = (c, s) and v = (-s, c) about
     * (x0, y0), all directions at each point: independent lanes, not one
     * chain of comparisons a direction. */
    double u0[GEO_OBOX_MAX], v0[GEO_OBOX_MAX], u1[GEO_OBOX_MAX], v1[GEO_OBOX_MAX];
    for (int d = 0; d < nd; d++) u0[d] = v0[d] = DBL_MAX, u1[d] = v1[d] = -DBL_MAX;
    for (int r = g->ring_first; r < g->ring_first + g->ring_count; r++) {
        if (!p->ring_outer[r]) continue;
        for (int i = p->ring_start[r]; i < p->ring_start[r + 1]; i++) {
            double x = p->xy[2 * i] - x0, y = p->xy[2 * i + 1] - y0;
            for (int d = 0; d < nd; d++) {
                double u = dc[d] * x + ds[d] * y, v = dc[d] * y - ds[d] * x;
                u0[d] = u < u0[d] ? u : u0[d], u1[d] = u > u1[d] ? u : u1[d];
                v0[d] = v < v0[d] ? v : v0[d], v1[d] = v > v1[d] ? v : v1[d];
            }
        }
    }
    double best = u0[0] > u1[0] ? 0 : (u1[0] - u0[0]) * (v1[0] - v0[0]);
    if (!(best > 0)) {
        const double a[4][2] = {{bb[0], bb[1]}, {bb[2], bb[1]}, {bb[2], bb[3]}, {bb[0], bb[3]}};
        memcpy(q, a, sizeof a);
        return 0;
    }
    int bd = 0;
    for (int d = 1; d < nd; d++) {
        double area = u0[d] > u1[d] ? 0 : (u1[d] - u0[d]) * (v1[d] - v0[d]);
        if (area < best * (1 - 1e-6)) best = area, bd = d;
    }
    /* Corners counter-clockwise: (u0, v0), (u1, v0), (u1, v1), (u0, v1). */
    const double uv[4][2] = {
        {u0[bd], v0[bd]}, {u1[bd], v0[bd]}, {u1[bd], v1[bd]}, {u0[bd], v1[bd]}};
    double bc = dc[bd], bs = ds[bd];
    for (int i = 0; i < 4; i++) {
        q[i][0] = x0 + bc * uv[i][0] - bs * uv[i][1];
        q[i][1] = y0 + bs * uv[i][0] + bc * uv[i][1];
    }
    double lost = best - g->area;
    return lost > 0 ? lost : 0;
}

float geo_buildings_far_err(const geo_buildings *b, const geo_buildings_chunk *c)
{
    double lost = 0, q[4][2];
    for (int f = c->f0; f < c->f1; f++) lost += geo_buildings_obox(&b->polys, f, q);
    return c->f1 > c->f0 ? (float)sqrt(lost / (c->f1 - c->f0)) : 0;
}
