/* Texture-buffer tables. */
#include "rn_table.h"

#include "tw_log.h"

#include <epoxy/gl.h>
#include <stdlib.h>

static size_t rn__table_bytes;
static uint32_t rn__table_rev; /* bumped by every make, update, destroy */

/* This GL's texture buffer size in rows, and whether it binds ranges. */
static struct {
    bool known, ranges;
    uint32_t max_rows, align_rows;
} rn__tb;

static void rn__tb_limits(void)
{
    if (rn__tb.known) return;
    rn__tb.known = true;
    GLint max = 0, align = 16;
    glGetIntegerv(GL_MAX_TEXTURE_BUFFER_SIZE, &max);
    rn__tb.max_rows = max > 0 ? (uint32_t)max : 65536;
    const char *env = getenv("CITYTWIN_MAX_TABLE_ROWS");
    long cap = env ? strtol(env, NULL, 10) : 0;
    if (cap >= 64 && (uint32_t)cap < rn__tb.max_rows) rn__tb.max_rows = (uint32_t)cap;
    rn__tb.ranges =
        epoxy_gl_version() >= 43 || epoxy_has_gl_extension("GL_ARB_texture_buffer_range");
    if (rn__tb.ranges) glGetIntegerv(GL_TEXTURE_BUFFER_OFFSET_ALIGNMENT, &align);
    rn__tb.align_rows = align > RN_TABLE_ROW_BYTES ? (uint32_t)align / RN_TABLE_ROW_BYTES : 1;
}

/* Points t's texture (bound to GL_TEXTURE_BUFFER of the active unit) at
 * rows window0 .. window0 + window_rows - 1. */
static void rn__window(rn_table *t, uint32_t first)
{
    t->window0 = first / rn__tb.align_rows * rn__tb.align_rows;
    t->window_rows = t->rows - t->window0;
    if (t->window_rows > rn__tb.max_rows) t->window_rows = rn__tb.max_rows;
    glTexBufferRange(GL_TEXTURE_BUFFER, GL_RGBA32UI, t->buffer,
                     (GLintptr)t->window0 * RN_TABLE_ROW_BYTES,
                     (GLsizeiptr)t->window_rows * RN_TABLE_ROW_BYTES);
}

rn_table rn_table_make(const void *data, uint32_t rows)
{
    rn_table t = {0};
    rn__tb_limits();
    if (rows > rn__tb.max_rows && !rn__tb.ranges) {
        static bool warned;
        if (!warned)
            TW_WARN("render",
                    "a table of %u rows (one tile's buildings) is over this GL's texture buffer "
                    "size (%u rows) and it binds no ranges: not drawn; a layer streamed by view "
                    "(\"stream\": true) has smaller tiles",
                    rows, rn__tb.max_rows);
        warned = true;
        return t;
    }
    size_t bytes = (size_t)(rows ? rows : 1) * RN_TABLE_ROW_BYTES;
    glGenBuffers(1, &t.buffer);
    glBindBuffer(GL_TEXTURE_BUFFER, t.buffer);
    glBufferData(GL_TEXTURE_BUFFER, (GLsizeiptr)bytes, rows ? data : NULL, GL_DYNAMIC_DRAW);
    glGenTextures(1, &t.texture);
    glBindTexture(GL_TEXTURE_BUFFER, t.texture);
    t.rows = rows;
    t.window_rows = rows;
    if (rows > rn__tb.max_rows)
        rn__window(&t, 0);
    else
        glTexBuffer(GL_TEXTURE_BUFFER, GL_RGBA32UI, t.buffer);
    glBindTexture(GL_TEXTURE_BUFFER, 0);
    glBindBuffer(GL_TEXTURE_BUFFER, 0);
    if (!t.buffer || !t.texture) {
        rn_table_destroy(&t);
        return t;
    }
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
    if (t->rows > rn__tb.max_rows)
        rn__window(t, t->window0);
    else
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

uint32_t rn_table_first(const rn_table *t, int unit, uint32_t first)
{
    if (!t || t->rows <= rn__tb.max_rows) return first;
    if (first < t->window0 || first - t->window0 > t->window_rows / 2) {
        /* The window is the table's own state, not what it holds: moved
         * for a draw through a const table. */
        rn_table *w = (rn_table *)t;
        glActiveTexture(GL_TEXTURE0 + (GLenum)unit);
        glBindTexture(GL_TEXTURE_BUFFER, t->texture);
        rn__window(w, first);
        glActiveTexture(GL_TEXTURE0);
    }
    return first - t->window0;
}

size_t rn_table_gpu_bytes(void)
{
    return rn__table_bytes;
}

uint32_t rn_table_revision(void)
{
    return rn__table_rev;
}
