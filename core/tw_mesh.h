/* CPU-side meshes: the plain data that geo builds on workers and render
 * uploads on the main thread. Vertices are float32 metres relative to
 * `origin`, an absolute scene position in double precision. */
#ifndef TW_MESH_H
#define TW_MESH_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum tw_prim { TW_PRIM_TRIANGLES = 0, TW_PRIM_LINES } tw_prim;

enum {
    TW_MESH_NORMALS = 1 << 0, /* 3 floats per vertex */
    TW_MESH_UVS = 1 << 1,     /* 2 floats per vertex */
    TW_MESH_COLORS = 1 << 2,  /* 4 bytes (RGBA8) per vertex */
    TW_MESH_IDS = 1 << 3,     /* a uint32 per vertex (an integer attribute: a table row) */
    /* Positions as int16 x, y in 1/TW_MESH_XY16_PER_M metres (xy16) instead
     * of float xyz (positions NULL): +-1023 m around the origin. */
    TW_MESH_XY16 = 1 << 4,
    /* As the GPU takes them (render uploads them without a conversion):
     * indices as uint16 in ix16, strip_count of a triangle strip (the list's
     * wall quads, tw_mesh_strip) then list_count of the list's other
     * indices; ids (with TW_MESH_IDS) as uint16 in id16. indices and ids
     * stay NULL; index_count is the list's the mesh stands for (its
     * triangles * 3). Only for fewer than 65,535 vertices and ids below
     * 65,536. */
    TW_MESH_GPU16 = 1 << 5,
};

#define TW_MESH_XY16_PER_M 32

typedef struct tw_mesh {
    double origin[3];
    tw_prim prim;
    unsigned attrs;
    uint32_t vertex_count, index_count;
    uint32_t strip_count, list_count; /* TW_MESH_GPU16: ix16's strip, then its list */
    float *positions;                 /* xyz per vertex; NULL with TW_MESH_XY16 */
    int16_t *xy16;                    /* TW_MESH_XY16: x, y per vertex */
    float *normals;
    float *uvs;
    uint8_t *colors;
    uint32_t *ids;
    uint32_t *indices;
    uint16_t *ix16; /* TW_MESH_GPU16 */
    uint16_t *id16; /* TW_MESH_GPU16 with TW_MESH_IDS */
} tw_mesh;

/* Allocates arrays for the attributes asked for; on failure frees what it
 * took. With TW_MESH_GPU16, ix16 holds index_count (strip + list is never
 * more). */
tw_result tw_mesh_alloc(tw_mesh *m, uint32_t vertex_count, uint32_t index_count, unsigned attrs);
void tw_mesh_free(tw_mesh *m);
/* Bytes held by the arrays, for memory accounting. */
size_t tw_mesh_bytes(const tw_mesh *m);

/* A triangle list's wall quads (bottom a, b even, top a + 1, b + 1, as
 * (a, b, b + 1) and (a, b + 1, a + 1)) as one triangle strip, wound as the
 * list, into out[0 .. *strip - 1], the rest of the list after it (*list
 * indices); false, out untouched, when that saves nothing. out holds count. */
bool tw_mesh_strip(const uint32_t *ix, uint32_t count, uint32_t *out, uint32_t *strip,
                   uint32_t *list);
/* The same into uint16 (every index below 65,536); where a strip saves
 * nothing, the list as it is (*strip 0, *list count). */
void tw_mesh_strip16(const uint32_t *ix, uint32_t count, uint16_t *out, uint32_t *strip,
                     uint32_t *list);
/* A triangle mesh with uint32 indices (and ids) made TW_MESH_GPU16 in
 * place, its uint32 arrays freed; TW_OK unchanged where it does not fit
 * (65,535 vertices or more, an id over 65,535, lines, GPU16 already). */
tw_result tw_mesh_pack16(tw_mesh *m);
/* A TW_MESH_GPU16 mesh's triangles as a list into out (index_count
 * entries: the strip's without its joins, then the list), uint32; ids
 * into ids (vertex_count) where ids is not NULL. For tests and tools. */
void tw_mesh_unpack16(const tw_mesh *m, uint32_t *out, uint32_t *ids);

#endif
