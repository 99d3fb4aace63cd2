/* Meshes from polygons: fills, outlines, walls. */
#include "geo_polymesh.h"

#include "tw_triangulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Appends the triangles of one outer ring and its holes to the growing fill. */
static bool geo__fill_part(const geo_polygons *p, int r0, int r1, tw_tri_out *tri, double *xy,
                           int *starts, uint32_t *remap, const double origin[3], tw_mesh *m,
                           uint32_t *nv, uint32_t *ni)
{
    int np = 0, nr = 0;
    for (int r = r0; r < r1; r++) {
        int a = p->ring_start[r], b = p->ring_start[r + 1];
        starts[nr++] = np;
        memcpy(&xy[np * 2], &p->xy[a * 2], (size_t)(b - a) * 2 * sizeof *xy);
        np += b - a;
    }
    tri->index_count = 0;                                              /* tw_triangulate appends */
    if (tw_triangulate(xy, starts, nr, np, tri) != TW_OK) return true; /* skip, not fatal */
    if (*nv + (uint32_t)np > m->vertex_count || *ni + tri->index_count > m->index_count)
        return false;
    /* Only the points a triangle uses become vertices (closing points,
     * duplicates and points the triangulator dropped do not). */
    for (int i = 0; i < np; i++) remap[i] = UINT32_MAX;
    uint32_t used = 0;
    for (size_t k = 0; k < tri->index_count; k++) {
        uint32_t i = tri->indices[k];
        if (remap[i] == UINT32_MAX) {
            remap[i] = *nv + used++;
            m->positions[remap[i] * 3] = (float)(xy[i * 2] - origin[0]);
            m->positions[remap[i] * 3 + 1] = (float)(xy[i * 2 + 1] - origin[1]);
            m->positions[remap[i] * 3 + 2] = 0;
        }
        m->indices[*ni + k] = remap[i];
    }
    *nv += used;
    *ni += (uint32_t)tri->index_count;
    return true;
}

tw_result geo_polymesh_fill(const geo_polygons *p, const double origin[3], tw_mesh *m,
                            uint32_t **feat_v0)
{
    uint32_t points = (uint32_t)p->ring_start[p->ring_count];
    /* A simple polygon of n points has n - 2 triangles; holes add two each. */
    uint32_t max_idx = (points + 2u * (uint32_t)p->ring_count) * 3u;
    m->prim = TW_PRIM_TRIANGLES;
    tw_result r = tw_mesh_alloc(m, points, max_idx, TW_MESH_COLORS);
    if (r != TW_OK) return r;
    memcpy(m->origin, origin, sizeof m->origin);
    *feat_v0 = calloc((size_t)p->count + 1, sizeof **feat_v0);
    double *xy = malloc((size_t)points * 2 * sizeof *xy);
    int *starts = malloc(((size_t)p->ring_count + 1) * sizeof *starts);
    uint32_t *remap = malloc(((size_t)points + 1) * sizeof *remap);
    tw_tri_out tri = {0};
    uint32_t nv = 0, ni = 0;
    bool ok = *feat_v0 && xy && starts && remap;
    for (int f = 0; ok && f < p->count; f++) {
        const geo_polygon *pf = &p->features[f];
        (*feat_v0)[f] = nv;
        int end = pf->ring_first + pf->ring_count;
        for (int ring = pf->ring_first; ok && ring < end;) {
            int r1 = ring + 1;
            while (r1 < end && !p->ring_outer[r1]) r1++;
            if (p->ring_outer[ring])
                ok = geo__fill_part(p, ring, r1, &tri, xy, starts, remap, origin, m, &nv, &ni);
            ring = r1;
        }
    }
    if (ok) (*feat_v0)[p->count] = nv;
    tw_tri_out_free(&tri);
    free(xy);
    free(starts);
    free(remap);
    if (!ok) {
        free(*feat_v0);
        *feat_v0 = NULL;
        tw_mesh_free(m);
        return TW_ERR_NOMEM;
    }
    m->vertex_count = nv;
    m->index_count = ni;
    memset(m->colors, 255, (size_t)nv * 4);
    return TW_OK;
}

tw_result geo_polymesh_lines(const geo_polygons *p, const double origin[3], tw_mesh *m)
{
    uint32_t points = (uint32_t)p->ring_start[p->ring_count];
    m->prim = TW_PRIM_LINES;
    tw_result r = tw_mesh_alloc(m, points, points * 2, 0);
    if (r != TW_OK) return r;
    memcpy(m->origin, origin, sizeof m->origin);
    uint32_t ni = 0;
    for (int ring = 0; ring < p->ring_count; ring++) {
        uint32_t a = (uint32_t)p->ring_start[ring], b = (uint32_t)p->ring_start[ring + 1];
        for (uint32_t i = a; i < b; i++) {
            m->positions[i * 3] = (float)(p->xy[i * 2] - origin[0]);
            m->positions[i * 3 + 1] = (float)(p->xy[i * 2 + 1] - origin[1]);
            m->positions[i * 3 + 2] = 0;
            m->indices[ni++] = i;
            m->indices[ni++] = i + 1 < b ? i + 1 : a;
        }
    }
    m->index_count = ni;
    return TW_OK;
}

tw_result geo_polymesh_walls(const geo_polygons *p, const double origin[3], tw_mesh *m,
                             uint32_t **wall_v0)
{
    uint32_t points = (uint32_t)p->ring_start[p->ring_count];
    m->prim = TW_PRIM_TRIANGLES;
    tw_result r = tw_mesh_alloc(m, points * 4, points * 6, TW_MESH_NORMALS | TW_MESH_COLORS);
    if (r != TW_OK) return r;
    memcpy(m->origin, origin, sizeof m->origin);
    *wall_v0 = calloc((size_t)p->count + 1, sizeof **wall_v0);
    if (!*wall_v0) {
        tw_mesh_free(m);
        return TW_ERR_NOMEM;
    }
    uint32_t nv = 0, ni = 0;
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *pf = &p->features[f];
        (*wall_v0)[f] = nv;
        for (int ring = pf->ring_first; ring < pf->ring_first + pf->ring_count; ring++) {
            int a0 = p->ring_start[ring], n = p->ring_start[ring + 1] - a0;
            double area = tw_triangulate_signed_area(&p->xy[a0 * 2], n);
            /* Counter-clockwise outer rings face right of each edge; holes the other way. */
            double side = (area > 0) == p->ring_outer[ring] ? 1 : -1;
            for (int i = 0; i < n; i++) {
                const double *pa = &p->xy[(a0 + i) * 2], *pb = &p->xy[(a0 + (i + 1) % n) * 2];
                double dx = pb[0] - pa[0], dy = pb[1] - pa[1], len = hypot(dx, dy);
                if (len <= 0) continue;
                float nx = (float)(side * dy / len), ny = (float)(-side * dx / len);
                const double *q[4] = {pa, pb, pb, pa};
                for (int k = 0; k < 4; k++) {
                    float *pos = &m->positions[(nv + k) * 3], *nor = &m->normals[(nv + k) * 3];
                    pos[0] = (float)(q[k][0] - origin[0]);
                    pos[1] = (float)(q[k][1] - origin[1]);
                    pos[2] = 0;
                    nor[0] = nx, nor[1] = ny, nor[2] = 0;
                }
                uint32_t *ix = &m->indices[ni];
                ix[0] = nv, ix[1] = nv + 1, ix[2] = nv + 2, ix[3] = nv, ix[4] = nv + 2,
                ix[5] = nv + 3;
                nv += 4;
                ni += 6;
            }
        }
    }
    (*wall_v0)[p->count] = nv;
    m->vertex_count = nv;
    m->index_count = ni;
    memset(m->colors, 255, (size_t)nv * 4);
    return TW_OK;
}
