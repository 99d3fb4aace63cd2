/* CPU-side meshes: the plain data that geo builds on workers and render
 * uploads on the main thread. Vertices are float32 metres relative to
 * `origin`, an absolute scene position in double precision. */
#ifndef TW_MESH_H
#define TW_MESH_H

#include "tw_result.h"

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
};

#define TW_MESH_XY16_PER_M 32

typedef struct tw_mesh {
    double origin[3];
    tw_prim prim;
    unsigned attrs;
    uint32_t vertex_count, index_count;
    float *positions; /* xyz per vertex; NULL with TW_MESH_XY16 */
    int16_t *xy16;    /* TW_MESH_XY16: x, y per vertex */
    float *normals;
    float *uvs;
    uint8_t *colors;
    uint32_t *ids;
    uint32_t *indices;
} tw_mesh;

/* Allocates arrays for the attributes asked for; on failure frees what it took. */
tw_result tw_mesh_alloc(tw_mesh *m, uint32_t vertex_count, uint32_t index_count, unsigned attrs);
void tw_mesh_free(tw_mesh *m);
/* Bytes held by the arrays, for memory accounting. */
size_t tw_mesh_bytes(const tw_mesh *m);

#endif
