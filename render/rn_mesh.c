/* Mesh pool: one VAO and separate attribute buffers per mesh; indices go
 * up as uint16 when the mesh has fewer than 65,535 vertices. Runs of wall
 * quads in a triangle list (bottom / top vertex pairs) go up as one
 * triangle strip, the other triangles as a list after it (tw_mesh_strip);
 * a TW_MESH_GPU16 mesh was made that way on a worker and
 * goes up as it is. */
#include "rn_mesh.h"

#include "rn_sync.h"
#include "tw_log.h"
#include "tw_slots.h"

#include <epoxy/gl.h>
#include <stdlib.h>

typedef struct rn__gpu_mesh {
    GLuint vao, vbo[5], ibo;
    GLenum prim, index_type;
    float xy_scale;       /* metres per position unit: 1, or 1 / TW_MESH_XY16_PER_M */
    uint32_t index_count; /* as made: the list's */
    uint32_t strip, list; /* uploaded: strip indices first, then list indices */
    size_t bytes;
} rn__gpu_mesh;

static struct {
    tw_slots slots;
    rn__gpu_mesh *meshes;
    size_t bytes;
} rn__mesh;

tw_result rn_mesh_setup(uint32_t capacity)
{
    tw_result r = tw_slots_init(&rn__mesh.slots, capacity ? capacity : 65536);
    if (r != TW_OK) return r;
    rn__mesh.meshes = calloc(rn__mesh.slots.capacity, sizeof *rn__mesh.meshes);
    if (!rn__mesh.meshes) {
        tw_slots_shutdown(&rn__mesh.slots);
        return TW_ERR_NOMEM;
    }
    rn__mesh.bytes = 0;
    return TW_OK;
}

static void rn__release(rn__gpu_mesh *g)
{
    glDeleteVertexArrays(1, &g->vao);
    glDeleteBuffers(5, g->vbo);
    glDeleteBuffers(1, &g->ibo);
    rn__mesh.bytes -= g->bytes;
    *g = (rn__gpu_mesh){0};
}

void rn_mesh_shutdown(void)
{
    if (!rn__mesh.meshes) return;
    for (uint32_t i = 0; i < rn__mesh.slots.capacity; i++)
        if (rn__mesh.meshes[i].vao) rn__release(&rn__mesh.meshes[i]);
    free(rn__mesh.meshes);
    rn__mesh.meshes = NULL;
    tw_slots_shutdown(&rn__mesh.slots);
}

static GLuint rn__buffer(GLenum target, const void *data, size_t bytes)
{
    GLuint b;
    glGenBuffers(1, &b);
    glBindBuffer(target, b);
    glBufferData(target, (GLsizeiptr)bytes, data, GL_STATIC_DRAW);
    return b;
}

rn_mesh rn_mesh_make(const tw_mesh *m)
{
    bool g16 = (m->attrs & TW_MESH_GPU16) && m->ix16;
    if ((!m->positions && !m->xy16) || (!m->indices && !g16) || m->index_count == 0 ||
        (g16 && m->strip_count + m->list_count == 0))
        return (rn_mesh){0};
    uint32_t id = tw_slots_alloc(&rn__mesh.slots);
    if (!id) {
        TW_WARN("render", "mesh pool full (%u meshes)", rn__mesh.slots.capacity);
        return (rn_mesh){0};
    }
    rn__gpu_mesh *g = &rn__mesh.meshes[tw_slots_index(id)];
    glGenVertexArrays(1, &g->vao);
    glBindVertexArray(g->vao);
    size_t nv = m->vertex_count;
    if (m->xy16) {
        /* Whole units as floats; the shader scales them (rn_mesh_xy_scale). */
        g->vbo[0] = rn__buffer(GL_ARRAY_BUFFER, m->xy16, nv * 2 * sizeof(int16_t));
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 2, GL_SHORT, GL_FALSE, 0, 0);
        g->bytes = nv * 2 * sizeof(int16_t);
        g->xy_scale = 1.0f / TW_MESH_XY16_PER_M;
    } else {
        g->vbo[0] = rn__buffer(GL_ARRAY_BUFFER, m->positions, nv * 3 * sizeof(float));
        glEnableVertexAttribArray(0);
        glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 0, 0);
        g->bytes = nv * 3 * sizeof(float);
        g->xy_scale = 1;
    }
    if (m->normals) {
        g->vbo[1] = rn__buffer(GL_ARRAY_BUFFER, m->normals, nv * 3 * sizeof(float));
        glEnableVertexAttribArray(1);
        glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 0, 0);
        g->bytes += nv * 3 * sizeof(float);
    }
    if (m->uvs) {
        g->vbo[2] = rn__buffer(GL_ARRAY_BUFFER, m->uvs, nv * 2 * sizeof(float));
        glEnableVertexAttribArray(2);
        glVertexAttribPointer(2, 2, GL_FLOAT, GL_FALSE, 0, 0);
        g->bytes += nv * 2 * sizeof(float);
    }
    if (m->colors) {
        g->vbo[3] = rn__buffer(GL_ARRAY_BUFFER, m->colors, nv * 4);
        glEnableVertexAttribArray(3);
        glVertexAttribPointer(3, 4, GL_UNSIGNED_BYTE, GL_TRUE, 0, 0);
        g->bytes += nv * 4;
    }
    if (m->id16) {
        /* Made for the GPU (TW_MESH_GPU16): as it is. */
        g->vbo[4] = rn__buffer(GL_ARRAY_BUFFER, m->id16, nv * sizeof *m->id16);
        glEnableVertexAttribArray(4);
        glVertexAttribIPointer(4, 1, GL_UNSIGNED_SHORT, 0, 0);
        g->bytes += nv * sizeof *m->id16;
    } else if (m->ids) {
        /* uint16 where every id fits (a chunk's buildings * 2: always but
         * for a chunk of over 32,767 buildings): 2 bytes a vertex less. */
        uint32_t top = 0;
        for (size_t v = 0; v < nv; v++) top = m->ids[v] > top ? m->ids[v] : top;
        uint16_t *id16 = top < 65536 ? malloc(nv * sizeof *id16 + 1) : NULL;
        if (id16) {
            for (size_t v = 0; v < nv; v++) id16[v] = (uint16_t)m->ids[v];
            g->vbo[4] = rn__buffer(GL_ARRAY_BUFFER, id16, nv * sizeof *id16);
            glEnableVertexAttribArray(4);
            glVertexAttribIPointer(4, 1, GL_UNSIGNED_SHORT, 0, 0);
            g->bytes += nv * sizeof *id16;
            free(id16);
        } else {
            g->vbo[4] = rn__buffer(GL_ARRAY_BUFFER, m->ids, nv * sizeof(uint32_t));
            glEnableVertexAttribArray(4);
            glVertexAttribIPointer(4, 1, GL_UNSIGNED_INT, 0, 0);
            g->bytes += nv * sizeof(uint32_t);
        }
    }
    /* Wall quads as a strip where that saves indices (made so already
     * with TW_MESH_GPU16). */
    const uint32_t *ix = m->indices;
    uint32_t ni = g16 ? m->strip_count + m->list_count : m->index_count;
    g->strip = g16 ? m->strip_count : 0, g->list = g16 ? m->list_count : ni;
    uint32_t *st = m->prim == TW_PRIM_TRIANGLES && !g16 ? malloc((size_t)ni * sizeof *st) : NULL;
    if (st && tw_mesh_strip(m->indices, ni, st, &g->strip, &g->list))
        ix = st, ni = g->strip + g->list;
    /* Half the index bytes where every index fits 16 bits. */
    uint16_t *small = nv < 65535 && !g16 ? malloc((size_t)ni * sizeof *small) : NULL;
    if (g16) {
        g->ibo = rn__buffer(GL_ELEMENT_ARRAY_BUFFER, m->ix16, ni * sizeof *m->ix16);
        g->bytes += ni * sizeof *m->ix16;
        g->index_type = GL_UNSIGNED_SHORT;
    } else if (small) {
        for (uint32_t i = 0; i < ni; i++) small[i] = (uint16_t)ix[i];
        g->ibo = rn__buffer(GL_ELEMENT_ARRAY_BUFFER, small, ni * sizeof *small);
        g->bytes += ni * sizeof *small;
        g->index_type = GL_UNSIGNED_SHORT;
        free(small);
    } else {
        g->ibo = rn__buffer(GL_ELEMENT_ARRAY_BUFFER, ix, ni * sizeof(uint32_t));
        g->bytes += ni * sizeof(uint32_t);
        g->index_type = GL_UNSIGNED_INT;
    }
    free(st);
    glBindVertexArray(0);
    g->prim = m->prim == TW_PRIM_LINES ? GL_LINES : GL_TRIANGLES;
    g->index_count = m->index_count;
    rn__mesh.bytes += g->bytes;
    return (rn_mesh){id};
}

void rn_mesh_destroy(rn_mesh mesh)
{
    if (!tw_slots_valid(&rn__mesh.slots, mesh.id)) return;
    rn__release(&rn__mesh.meshes[tw_slots_index(mesh.id)]);
    tw_slots_release(&rn__mesh.slots, mesh.id);
}

bool rn_mesh_valid(rn_mesh mesh)
{
    return rn__mesh.meshes && tw_slots_valid(&rn__mesh.slots, mesh.id);
}

size_t rn_mesh_gpu_bytes(void)
{
    return rn__mesh.bytes;
}

int rn_mesh_live(void)
{
    return (int)rn__mesh.slots.live;
}

void rn_mesh_draw(rn_mesh mesh)
{
    if (!rn_mesh_valid(mesh)) return;
    rn__gpu_mesh *g = &rn__mesh.meshes[tw_slots_index(mesh.id)];
    glBindVertexArray(g->vao);
    if (g->strip) glDrawElements(GL_TRIANGLE_STRIP, (GLsizei)g->strip, g->index_type, 0);
    if (g->list) {
        size_t at = g->strip * (g->index_type == GL_UNSIGNED_SHORT ? 2u : 4u);
        glDrawElements(g->prim, (GLsizei)g->list, g->index_type, (const void *)at);
    }
    rn_sync_drawn(g->strip + g->list);
}

float rn_mesh_xy_scale(rn_mesh mesh)
{
    if (!rn_mesh_valid(mesh)) return 1;
    return rn__mesh.meshes[tw_slots_index(mesh.id)].xy_scale;
}

uint32_t rn_mesh_index_count(rn_mesh mesh)
{
    if (!rn_mesh_valid(mesh)) return 0;
    return rn__mesh.meshes[tw_slots_index(mesh.id)].index_count;
}

bool rn_mesh_strip(const uint32_t *ix, uint32_t count, uint32_t *out, uint32_t *strip,
                   uint32_t *list)
{
    return tw_mesh_strip(ix, count, out, strip, list);
}
