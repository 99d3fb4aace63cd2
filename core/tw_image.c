/* CPU image allocation. */
#include "tw_image.h"

#include <stdlib.h>

tw_result tw_image_alloc(tw_image *img, int width, int height, int channels)
{
    img->pixels = NULL;
    img->width = img->height = img->channels = 0;
    if (width <= 0 || height <= 0 || channels <= 0 || channels > 4) return TW_ERR_ARG;
    img->pixels = calloc((size_t)width * (size_t)height, (size_t)channels);
    if (!img->pixels) return TW_ERR_NOMEM;
    img->width = width;
    img->height = height;
    img->channels = channels;
    return TW_OK;
}

void tw_image_free(tw_image *img)
{
    free(img->pixels);
    img->pixels = NULL;
    img->width = img->height = img->channels = 0;
}
