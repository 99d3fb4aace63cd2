/* Texture pool. */
#include "rn_texture.h"

#include "tw_slots.h"

#include <epoxy/gl.h>
#include <stdlib.h>

typedef struct rn__gpu_texture {
    GLuint name;
    rn_texture_format format;
    bool mipmaps;
} rn__gpu_texture;

static struct {
    tw_slots slots;
    rn__gpu_texture *tex;
} rn__tex;

tw_result rn_texture_setup(uint32_t capacity)
{
    tw_result r = tw_slots_init(&rn__tex.slots, capacity ? capacity : 4096);
    if (r != TW_OK) return r;
    rn__tex.tex = calloc(rn__tex.slots.capacity, sizeof *rn__tex.tex);
    if (!rn__tex.tex) {
        tw_slots_shutdown(&rn__tex.slots);
        return TW_ERR_NOMEM;
    }
    return TW_OK;
}

void rn_texture_shutdown(void)
{
    if (!rn__tex.tex) return;
    for (uint32_t i = 0; i < rn__tex.slots.capacity; i++)
        if (rn__tex.tex[i].name) glDeleteTextures(1, &rn__tex.tex[i].name);
    free(rn__tex.tex);
    rn__tex.tex = NULL;
    tw_slots_shutdown(&rn__tex.slots);
}

static void rn__formats(rn_texture_format f, GLint *internal, GLenum *format, GLenum *type,
                        int *bpp)
{
    switch (f) {
    case RN_TEX_R8:
        *internal = GL_R8, *format = GL_RED, *type = GL_UNSIGNED_BYTE, *bpp = 1;
        break;
    case RN_TEX_R32F:
        *internal = GL_R32F, *format = GL_RED, *type = GL_FLOAT, *bpp = 4;
        break;
    default:
        *internal = GL_RGBA8, *format = GL_RGBA, *type = GL_UNSIGNED_BYTE, *bpp = 4;
        break;
    }
}

rn_texture rn_texture_make(const rn_texture_desc *d)
{
    if (d->width <= 0 || d->height <= 0) return (rn_texture){0};
    uint32_t id = tw_slots_alloc(&rn__tex.slots);
    if (!id) return (rn_texture){0};
    rn__gpu_texture *t = &rn__tex.tex[tw_slots_index(id)];
    GLint internal;
    GLenum format, type;
    int bpp;
    rn__formats(d->format, &internal, &format, &type, &bpp);
    glGenTextures(1, &t->name);
    glBindTexture(GL_TEXTURE_2D, t->name);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexImage2D(GL_TEXTURE_2D, 0, internal, d->width, d->height, 0, format, type, d->pixels);
    GLint wrap = d->repeat ? GL_REPEAT : GL_CLAMP_TO_EDGE;
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, wrap);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, wrap);
    GLint mag = d->nearest ? GL_NEAREST : GL_LINEAR;
    GLint min = d->mipmaps ? GL_LINEAR_MIPMAP_LINEAR : mag;
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, mag);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, min);
    if (d->mipmaps) glGenerateMipmap(GL_TEXTURE_2D);
    t->format = d->format;
    t->mipmaps = d->mipmaps;
    return (rn_texture){id};
}

void rn_texture_update(rn_texture tex, int x, int y, int w, int h, int row_length,
                       const void *pixels)
{
    if (!rn_texture_valid(tex) || w <= 0 || h <= 0) return;
    rn__gpu_texture *t = &rn__tex.tex[tw_slots_index(tex.id)];
    GLint internal;
    GLenum format, type;
    int bpp;
    rn__formats(t->format, &internal, &format, &type, &bpp);
    glBindTexture(GL_TEXTURE_2D, t->name);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, row_length);
    glTexSubImage2D(GL_TEXTURE_2D, 0, x, y, w, h, format, type, pixels);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    if (t->mipmaps) glGenerateMipmap(GL_TEXTURE_2D);
}

void rn_texture_destroy(rn_texture tex)
{
    if (!rn_texture_valid(tex)) return;
    rn__gpu_texture *t = &rn__tex.tex[tw_slots_index(tex.id)];
    glDeleteTextures(1, &t->name);
    *t = (rn__gpu_texture){0};
    tw_slots_release(&rn__tex.slots, tex.id);
}

bool rn_texture_valid(rn_texture tex)
{
    return rn__tex.tex && tw_slots_valid(&rn__tex.slots, tex.id);
}

bool rn_texture_bind(rn_texture tex, int unit)
{
    glActiveTexture(GL_TEXTURE0 + (GLenum)unit);
    if (!rn_texture_valid(tex)) {
        glBindTexture(GL_TEXTURE_2D, 0);
        return false;
    }
    glBindTexture(GL_TEXTURE_2D, rn__tex.tex[tw_slots_index(tex.id)].name);
    return true;
}
