/* Screenshots: RGBA images written as PNG (stb_image_write). */
#ifndef RN_SHOT_H
#define RN_SHOT_H

#include "tw_image.h"
#include "tw_result.h"

tw_result rn_shot_write_png(const char *path, const tw_image *img);

#endif
