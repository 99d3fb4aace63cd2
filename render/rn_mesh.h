/* GPU meshes behind generation-checked handles. A handle to a mesh that was
 * destroyed (a tile unloaded) is detected as stale, never dereferenced.
 * Main thread only. */
#ifndef RN_MESH_H
#define RN_MESH_H

#include "tw_mesh.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rn_mesh {
    uint32_t id;
} rn_mesh;

tw_result rn_mesh_setup(uint32_t capacity);
void rn_mesh_shutdown(void);
/* Uploads a CPU mesh; {0} when out of slots or GL memory. The CPU mesh is
 * only read (the caller still owns and frees it). A TW_MESH_GPU16 mesh
 * goes up as it is; others are converted (strip, uint16 where they fit). */
rn_mesh rn_mesh_make(const tw_mesh *m);
void rn_mesh_destroy(rn_mesh mesh);
bool rn_mesh_valid(rn_mesh mesh);
/* Bytes of vertex and index data on the GPU, all meshes together. */
size_t rn_mesh_gpu_bytes(void);
int rn_mesh_live(void);
/* Draws the mesh with whatever program is bound (render-internal). */
void rn_mesh_draw(rn_mesh mesh);
uint32_t rn_mesh_index_count(rn_mesh mesh);
/* Metres per unit of the mesh's x, y as uploaded (1; 1 / TW_MESH_XY16_PER_M
 * for TW_MESH_XY16): what a shader multiplies a_position.xy by. */
float rn_mesh_xy_scale(rn_mesh mesh);

/* A triangle list's wall quads (bottom a, b even, top a + 1, b + 1, as
 * (a, b, b + 1) and (a, b + 1, a + 1)) as one triangle strip, wound as the
 * list, into out[0 .. *strip - 1], the rest of the list after it (*list
 * indices); false, out untouched, when that saves nothing. out holds count.
 * What rn_mesh_make uploads (no GL: exposed for tests; tw_mesh_strip). */
bool rn_mesh_strip(const uint32_t *ix, uint32_t count, uint32_t *out, uint32_t *strip,
                   uint32_t *list);

#endif
