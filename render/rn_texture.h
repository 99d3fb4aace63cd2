/* GPU textures behind generation-checked handles (font atlas, heightfield
 * for draping, imagery). Main thread only. */
#ifndef RN_TEXTURE_H
#define RN_TEXTURE_H

#include "tw_result.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rn_texture {
    uint32_t id;
} rn_texture;

typedef enum rn_texture_format {
    RN_TEX_RGBA8 = 0,
    RN_TEX_R8,
    RN_TEX_R32F,
} rn_texture_format;

typedef struct rn_texture_desc {
    int width, height;
    rn_texture_format format;
    const void *pixels; /* rows from the top for images, from the south for grids */
    bool nearest;       /* default: linear filtering */
    bool mipmaps;
    bool repeat; /* default: clamp to edge */
} rn_texture_desc;

tw_result rn_texture_setup(uint32_t capacity);
void rn_texture_shutdown(void);
rn_texture rn_texture_make(const rn_texture_desc *desc);
/* Replaces a rectangle; pixels has row_length pixels per row. */
void rn_texture_update(rn_texture tex, int x, int y, int w, int h, int row_length,
                       const void *pixels);
void rn_texture_destroy(rn_texture tex);
bool rn_texture_valid(rn_texture tex);
/* Binds to a texture unit (render-internal); false for a stale handle. */
bool rn_texture_bind(rn_texture tex, int unit);

#endif
