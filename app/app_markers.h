/* Markers in screen space at 3D places, shared by every kind that shows
 * points (points, sensors, parking): a stem from the ground to a disc, hidden
 * where the terrain stands between the eye and the point, smaller far away;
 * a colour ramp; the attribute panel of the selected one. */
#ifndef APP_MARKERS_H
#define APP_MARKERS_H

#include "app_layer.h"
#include "rn_ui.h"

/* The ground under a scene point, drawn (exaggerated) height. */
void app_markers_ground(const app_world *w, double x, double y, double g[3]);
/* Where a marker's head is on screen and its size factor (1 near, down to
 * 0.35 far away); false when off screen or hidden by the terrain. */
bool app_markers_head(const app_world *w, const app_ui_ctx *ui, double x, double y,
                      const double eye[3], float *hx, float *hy, float *gy, float *scale);
/* The same on any thread: the ground g (NULL: flat at 0) at exaggeration
 * exag; gz is the ground height under (x, y) when known (NAN: sampled). */
bool app_markers_head_at(const app_ground *g, double exag, const app_ui_ctx *ui, double x,
                         double y, double gz, const double eye[3], float *hx, float *hy, float *gy,
                         float *scale);
/* A five-stop ramp from dark blue through green to yellow (viridis-like). */
rn_rgba app_markers_ramp(double t);
/* Orders n markers far to near by their squared distances, so near ones
 * are drawn in front (ties keep the input order). */
void app_markers_order(int *order, const double *dist2, int n);
/* One marker: stem from the ground gy to the head, a dark rim (yellow when
 * selected) and the fill. size_px is the disc's diameter at scale 1. */
void app_markers_draw(const app_ui_ctx *ui, float hx, float hy, float gy, float k, float size_px,
                      rn_rgba fill, bool selected, float opacity);
/* The attribute panel (left of the screen): its box for rows lines, and the
 * panel itself (a title, then "key: value" lines; a NULL value shows "—"). */
void app_markers_panel_box(const app_ui_ctx *ui, int rows, float box[4]);
void app_markers_panel(const app_ui_ctx *ui, const char *title, const char *const *keys,
                       const char *const *values, int rows);
/* Rows the panel shows at most. */
#define APP_MARKERS_PANEL_ROWS 24

#endif
