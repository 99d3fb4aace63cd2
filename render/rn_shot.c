/* PNG output through Debian's compiled stb_image_write. */
#include "rn_shot.h"

#include <stb_image_write.h>

tw_result rn_shot_write_png(const char *path, const tw_image *img)
{
    if (!img->pixels || img->width <= 0 || img->height <= 0) return TW_ERR_ARG;
    int ok = stbi_write_png(path, img->width, img->height, img->channels, img->pixels,
                            img->width * img->channels);
    return ok ? TW_OK : TW_ERR_IO;
}
