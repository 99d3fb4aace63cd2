/* Texture-buffer tables. */
#include "rn_table.h"

#include <epoxy/gl.h>

static size_t rn__table_bytes;
static uint32_t rn__table_rev; /* bumped by every make, update, destroy */

rn_table rn_table_make(const void *data, uint32_t rows)
{
    rn_table t = {0};
    size_t bytes = (size_t)(rows ? rows : 1) * RN_TABLE_ROW_BYTES;
    glGenBuffers(1, &t.buffer);
    glBindBuffer(GL_TEXTURE_BUFFER, t.buffer);
    glBufferData(GL_TEXTURE_BUFFER, (GLsizeiptr)bytes, rows ? data : NULL, GL_DYNAMIC_DRAW);
    glGenTextures(1, &t.texture);
    glBindTexture(GL_TEXTURE_BUFFER, t.texture);
    glTexBuffer(GL_TEXTURE_BUFFER, GL_RGBA32UI, t.buffer);
    glBindTexture(GL_TEXTURE_BUFFER, 0);
    glBindBuffer(GL_TEXTURE_BUFFER, 0);
    if (!t.buffer || !t.texture) {
        rn_table_destroy(&t);
        return t;
    }
    t.rows = rows;
    rn__table_bytes += bytes;
    rn__table_rev++;
    return t;
}

void rn_table_update(rn_table *t, uint32_t first, uint32_t count, const void *data)
{
    if (!t->buffer || first >= t->rows || count == 0) return;
    if (count > t->rows - first) count = t->rows - first;
    glBindBuffer(GL_TEXTURE_BUFFER, t->buffer);
    glBufferSubData(GL_TEXTURE_BUFFER, (GLintptr)first * RN_TABLE_ROW_BYTES,
                    (GLsizeiptr)count * RN_TABLE_ROW_BYTES, data);
    glBindBuffer(GL_TEXTURE_BUFFER, 0);
    /* Attached again: a driver may give the buffer new storage when all
     * of it is rewritten (llvmpipe's texture then kept reading the old). */
    glBindTexture(GL_TEXTURE_BUFFER, t->texture);
    glTexBuffer(GL_TEXTURE_BUFFER, GL_RGBA32UI, t->buffer);
    glBindTexture(GL_TEXTURE_BUFFER, 0);
    rn__table_rev++;
}

void rn_table_destroy(rn_table *t)
{
    if (t->texture) glDeleteTextures(1, &t->texture);
    if (t->buffer) {
        glDeleteBuffers(1, &t->buffer);
        rn__table_bytes -= (size_t)(t->rows ? t->rows : 1) * RN_TABLE_ROW_BYTES;
    }
    *t = (rn_table){0};
    rn__table_rev++;
}

bool rn_table_valid(const rn_table *t)
{
    return t && t->texture != 0;
}

void rn_table_bind(const rn_table *t, int unit)
{
    glActiveTexture(GL_TEXTURE0 + (GLenum)unit);
    glBindTexture(GL_TEXTURE_BUFFER, t ? t->texture : 0);
    glActiveTexture(GL_TEXTURE0);
}

size_t rn_table_gpu_bytes(void)
{
    return rn__table_bytes;
}

uint32_t rn_table_revision(void)
{
    return rn__table_rev;
}
