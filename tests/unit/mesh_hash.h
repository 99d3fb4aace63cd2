/* A building mesh's arrays hashed byte for byte (FNV-1a): tests that a
 * path leaves meshes untouched, or that two paths make the same ones. */
#ifndef TW_TEST_MESH_HASH_H
#define TW_TEST_MESH_HASH_H

#include "tw_mesh.h"

#include <stddef.h>
#include <stdint.h>

static inline uint64_t mesh_hash(const tw_mesh *m)
{
    uint64_t h = 1469598103934665603u;
    const uint8_t *parts[5] = {m->xy16 ? (const uint8_t *)m->xy16 : (const uint8_t *)m->positions,
                               (const uint8_t *)m->ids, (const uint8_t *)m->indices,
                               (const uint8_t *)m->id16, (const uint8_t *)m->ix16};
    size_t bytes[5] = {(size_t)m->vertex_count * (m->xy16 ? 4 : 12), (size_t)m->vertex_count * 4,
                       (size_t)m->index_count * 4, (size_t)m->vertex_count * 2,
                       ((size_t)m->strip_count + m->list_count) * 2};
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; parts[k] && i < bytes[k]; i++) h = (h ^ parts[k][i]) * 1099511628211u;
    return h;
}

#endif
