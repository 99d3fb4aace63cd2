/* Per-object tables for the vertex shader: rows of four 32-bit words in a
 * texture buffer (GL_RGBA32UI), read with texelFetch by a mesh's vertex
 * ids (TW_MESH_IDS). The buildings keep one row per building (drawn base,
 * drawn height, RGBA8, flags: geo_buildings_row) so that raising and
 * recolouring rewrite the table, not the meshes. Main thread only. */
#ifndef RN_TABLE_H
#define RN_TABLE_H

#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RN_TABLE_ROW_BYTES 16

typedef struct rn_table {
    unsigned buffer, texture;
    uint32_t rows;
    /* The rows the texture reads now: all of them, unless the table has
     * more rows than one texture buffer takes on this GL (rn_table_first). */
    uint32_t window0, window_rows;
} rn_table;

/* A table of `rows` rows, filled from data (rows * 16 bytes; NULL: zeros).
 * {0} when GL gives no buffer, or when rows is over this GL's texture
 * buffer size (GL_MAX_TEXTURE_BUFFER_SIZE: 65,536 is all GL promises)
 * and it cannot bind a range of one (GL 4.3, ARB_texture_buffer_range);
 * that is warned once. CITYTWIN_MAX_TABLE_ROWS lowers the size (tests). */
rn_table rn_table_make(const void *data, uint32_t rows);
/* Rewrites rows first .. first + count - 1 from data (count * 16 bytes). */
void rn_table_update(rn_table *t, uint32_t first, uint32_t count, const void *data);
void rn_table_destroy(rn_table *t);
bool rn_table_valid(const rn_table *t);
/* Binds t's texture to texture unit `unit` (render-internal). */
void rn_table_bind(const rn_table *t, int unit);
/* The row the shader reads as `first` (an object's first row; its rows
 * must number under half the texture buffer size) with t bound at unit:
 * first itself, unless t is larger than one texture buffer: then t's
 * window moves over first when it does not hold it with half its size to
 * spare, and first is counted from the window (render-internal). */
uint32_t rn_table_first(const rn_table *t, int unit, uint32_t first);
/* Bytes held by every table, for memory accounting. */
size_t rn_table_gpu_bytes(void);
/* Changes whenever any table is made, rewritten or destroyed: what a cache
 * of something drawn through tables (the shadow map) compares. */
uint32_t rn_table_revision(void);

#endif
