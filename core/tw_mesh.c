/* CPU mesh allocation; the wall quads' strip (what the GPU is given). */
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
    bool g16 = attrs & TW_MESH_GPU16;
    if (attrs & TW_MESH_XY16)
        m->xy16 = malloc(nv * 2 * sizeof(int16_t));
    else
        m->positions = malloc(nv * 3 * sizeof(float));
    if (g16)
        m->ix16 = malloc(ni * sizeof(uint16_t));
    else
        m->indices = malloc(ni * sizeof(uint32_t));
    if (attrs & TW_MESH_NORMALS) m->normals = malloc(nv * 3 * sizeof(float));
    if (attrs & TW_MESH_UVS) m->uvs = malloc(nv * 2 * sizeof(float));
    if (attrs & TW_MESH_COLORS) m->colors = malloc(nv * 4);
    if ((attrs & TW_MESH_IDS) && g16)
        m->id16 = malloc(nv * sizeof(uint16_t));
    else if (attrs & TW_MESH_IDS)
        m->ids = malloc(nv * sizeof(uint32_t));
    if ((!m->positions && !m->xy16) || (!m->indices && !m->ix16) ||
        ((attrs & TW_MESH_NORMALS) && !m->normals) || ((attrs & TW_MESH_UVS) && !m->uvs) ||
        ((attrs & TW_MESH_COLORS) && !m->colors) ||
        ((attrs & TW_MESH_IDS) && !m->ids && !m->id16)) {
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
    free(m->ix16);
    free(m->id16);
    m->positions = m->normals = m->uvs = NULL;
    m->xy16 = NULL;
    m->colors = NULL;
    m->ids = NULL;
    m->indices = NULL;
    m->ix16 = m->id16 = NULL;
    m->vertex_count = m->index_count = 0;
    m->strip_count = m->list_count = 0;
}

size_t tw_mesh_bytes(const tw_mesh *m)
{
    size_t per_vertex = m->xy16 ? 2 * sizeof(int16_t) : 3 * sizeof(float);
    if (m->normals) per_vertex += 3 * sizeof(float);
    if (m->uvs) per_vertex += 2 * sizeof(float);
    if (m->colors) per_vertex += 4;
    if (m->ids) per_vertex += sizeof(uint32_t);
    if (m->id16) per_vertex += sizeof(uint16_t);
    size_t ix = m->ix16 ? ((size_t)m->strip_count + m->list_count) * sizeof(uint16_t)
                        : (size_t)m->index_count * sizeof(uint32_t);
    return (size_t)m->vertex_count * per_vertex + ix;
}

/* Whether indices ix[0..5] are a wall quad: bottom a, b (even), top a + 1,
 * b + 1, as (a, b, b + 1) and (a, b + 1, a + 1). */
static bool tw__quad(const uint32_t *ix)
{
    uint32_t a = ix[0], b = ix[1];
    return !(a & 1) && !(b & 1) && ix[2] == b + 1 && ix[3] == a && ix[4] == b + 1 && ix[5] == a + 1;
}

/* Index i of the output, 32 or 16 bits wide. */
static inline void tw__put(uint32_t *o32, uint16_t *o16, uint32_t i, uint32_t v)
{
    if (o16)
        o16[i] = (uint16_t)v;
    else
        o32[i] = v;
}

/* A triangle list's wall quads as one strip (a ring's quads share their
 * edges: a, a + 1, b, b + 1, c, c + 1 ...; a run after another joined by
 * repeating its last index and the next run's first, four triangles
 * without area) into the output's [0 .. *strip - 1], the rest of the list
 * after it (*list indices). A run of n quads takes 2n + 4 indices instead
 * of 6n: a building's walls about 2.5x fewer. False (the output untouched)
 * when that would not save any. */
static bool tw__strip(const uint32_t *ix, uint32_t count, uint32_t *o32, uint16_t *o16,
                      uint32_t *strip, uint32_t *list)
{
    uint32_t quads = 0, runs = 0, last = UINT32_MAX;
    /* Counted first: the list part goes after the strip. */
    for (uint32_t k = 0; k + 6 <= count; k += 6)
        if (tw__quad(&ix[k])) quads++, runs += ix[k] != last, last = ix[k + 1];
    if (!quads) return false;
    uint32_t want = quads * 2 + runs * 4 - 2, rest = count - quads * 6;
    if (want + rest >= count) return false;
    uint32_t ns = 0, nl = want, k = 0, prev = 0;
    last = UINT32_MAX;
    for (; k + 6 <= count; k += 6) {
        if (!tw__quad(&ix[k])) {
            for (uint32_t j = 0; j < 6; j++) tw__put(o32, o16, nl++, ix[k + j]);
            continue;
        }
        uint32_t a = ix[k], b = ix[k + 1];
        /* Top before bottom: the strip's triangles (a + 1, a, b + 1) and
         * (b + 1, a, b) are the list's two, wound the same way (bottom
         * first would wind them the other way round: boxes, drawn with
         * back faces culled, would show their inside). Runs start at even
         * positions, so the joins keep that. */
        if (a != last) {
            if (ns) tw__put(o32, o16, ns++, prev), tw__put(o32, o16, ns++, a + 1); /* the join */
            tw__put(o32, o16, ns++, a + 1), tw__put(o32, o16, ns++, a);
        }
        tw__put(o32, o16, ns++, b + 1), tw__put(o32, o16, ns++, b);
        last = prev = b;
    }
    for (; k < count; k++) tw__put(o32, o16, nl++, ix[k]);
    *strip = ns, *list = nl - want;
    return ns == want;
}

bool tw_mesh_strip(const uint32_t *ix, uint32_t count, uint32_t *out, uint32_t *strip,
                   uint32_t *list)
{
    return tw__strip(ix, count, out, NULL, strip, list);
}

void tw_mesh_strip16(const uint32_t *ix, uint32_t count, uint16_t *out, uint32_t *strip,
                     uint32_t *list)
{
    if (tw__strip(ix, count, NULL, out, strip, list)) return;
    for (uint32_t i = 0; i < count; i++) out[i] = (uint16_t)ix[i];
    *strip = 0, *list = count;
}

tw_result tw_mesh_pack16(tw_mesh *m)
{
    if ((m->attrs & TW_MESH_GPU16) || m->prim != TW_PRIM_TRIANGLES || !m->indices ||
        m->vertex_count >= 65535)
        return TW_OK;
    uint32_t nv = m->vertex_count, ni = m->index_count;
    for (uint32_t v = 0; m->ids && v < nv; v++)
        if (m->ids[v] > 0xffff) return TW_OK;
    uint16_t *ix = malloc((ni ? ni : 1) * sizeof *ix);
    uint16_t *id = m->ids ? malloc((nv ? nv : 1) * sizeof *id) : NULL;
    if (!ix || (m->ids && !id)) {
        free(ix), free(id);
        return TW_ERR_NOMEM;
    }
    tw_mesh_strip16(m->indices, ni, ix, &m->strip_count, &m->list_count);
    for (uint32_t v = 0; id && v < nv; v++) id[v] = (uint16_t)m->ids[v];
    free(m->indices), free(m->ids);
    m->indices = NULL, m->ids = NULL;
    m->ix16 = ix, m->id16 = id;
    m->attrs |= TW_MESH_GPU16;
    return TW_OK;
}

void tw_mesh_unpack16(const tw_mesh *m, uint32_t *out, uint32_t *ids)
{
    uint32_t n = 0;
    const uint16_t *s = m->ix16;
    for (uint32_t i = 0; i + 2 < m->strip_count; i++) {
        uint32_t t[3] = {s[i], s[i + 1], s[i + 2]};
        if (i & 1) t[0] = s[i + 1], t[1] = s[i];                    /* as GL reads a strip */
        if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) continue; /* a join */
        for (int k = 0; k < 3 && n + 3 <= m->index_count; k++) out[n++] = t[k];
    }
    for (uint32_t i = 0; i < m->list_count && n < m->index_count; i++)
        out[n++] = s[m->strip_count + i];
    for (uint32_t v = 0; ids && v < m->vertex_count; v++) ids[v] = m->id16 ? m->id16[v] : 0;
}
