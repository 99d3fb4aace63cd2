/* CPU mesh allocation. */
#include "tw_mesh.h"

#include <stdlib.h>
#include <string.h>

tw_result tw_mesh_alloc(tw_mesh *m, uint32_t vertex_count, uint32_t index_count, unsigned attrs)
{
    tw_prim prim = m->prim;
    memset(m, 0, sizeof *m);
    m->prim = prim;
    m->attrs = attrs;
    m->vertex_count = vertex_count;
    m->index_count = index_count;
    size_t nv = vertex_count ? vertex_count : 1, ni = index_count ? index_count : 1;
    if (attrs & TW_MESH_XY16)
        m->xy16 = malloc(nv * 2 * sizeof(int16_t));
    else
        m->positions = malloc(nv * 3 * sizeof(float));
    m->indices = malloc(ni * sizeof(uint32_t));
    if (attrs & TW_MESH_NORMALS) m->normals = malloc(nv * 3 * sizeof(float));
    if (attrs & TW_MESH_UVS) m->uvs = malloc(nv * 2 * sizeof(float));
    if (attrs & TW_MESH_COLORS) m->colors = malloc(nv * 4);
    if (attrs & TW_MESH_IDS) m->ids = malloc(nv * sizeof(uint32_t));
    if ((!m->positions && !m->xy16) || !m->indices || ((attrs & TW_MESH_NORMALS) && !m->normals) ||
        ((attrs & TW_MESH_UVS) && !m->uvs) || ((attrs & TW_MESH_COLORS) && !m->colors) ||
        ((attrs & TW_MESH_IDS) && !m->ids)) {
        tw_mesh_free(m);
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}

void tw_mesh_free(tw_mesh *m)
{
    free(m->positions);
    free(m->xy16);
    free(m->normals);
    free(m->uvs);
    free(m->colors);
    free(m->ids);
    free(m->indices);
    m->positions = m->normals = m->uvs = NULL;
    m->xy16 = NULL;
    m->colors = NULL;
    m->ids = NULL;
    m->indices = NULL;
    m->vertex_count = m->index_count = 0;
}

size_t tw_mesh_bytes(const tw_mesh *m)
{
    size_t per_vertex = m->xy16 ? 2 * sizeof(int16_t) : 3 * sizeof(float);
    if (m->normals) per_vertex += 3 * sizeof(float);
    if (m->uvs) per_vertex += 2 * sizeof(float);
    if (m->colors) per_vertex += 4;
    if (m->ids) per_vertex += sizeof(uint32_t);
    return (size_t)m->vertex_count * per_vertex + (size_t)m->index_count * sizeof(uint32_t);
}
