/* CPU images (8-bit channels, rows top to bottom). */
#ifndef TW_IMAGE_H
#define TW_IMAGE_H

#include "tw_result.h"

#include <stdint.h>

typedef struct tw_image {
    int width, height, channels; /* channels: 1, 3 or 4 */
    uint8_t *pixels;
} tw_image;

tw_result tw_image_alloc(tw_image *img, int width, int height, int channels);
void tw_image_free(tw_image *img);

#endif
