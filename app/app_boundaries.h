/* A boundaries layer: polygon outlines from any OGR source, loaded on a
 * worker, drawn draped on the terrain, with one label per feature. */
#ifndef APP_BOUNDARIES_H
#define APP_BOUNDARIES_H

#include "app_layer.h"
#include "app_scene.h"
#include "geo_vector.h"
#include "rn_lines.h"
#include "tw_pool.h"

typedef struct app_boundaries app_boundaries;

app_boundaries *app_boundaries_create(const app_boundary_cfg *cfg, const geo_frame *frame,
                                      tw_pool *pool, double now);
/* Call after the pool is destroyed. */
void app_boundaries_destroy(app_boundaries *b);
app_layer *app_boundaries_layer(app_boundaries *b);
/* Extent in scene metres; false until loaded. */
bool app_boundaries_extent(const app_boundaries *b, double ext[4]);
const geo_label *app_boundaries_labels(const app_boundaries *b, int *count);
void app_boundaries_draw(app_boundaries *b, const rn_view *view, const rn_drape *drape);

#endif
