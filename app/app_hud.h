/* The heads-up display: scene name, frame time, cursor position (lon/lat,
 * scene CRS, ground height), scale bar, north arrow, local time, the
 * attribution of every loaded source, a progress bar while loading, and the
 * boundary labels (Korean with English on demand), placed without overlap. */
#ifndef APP_HUD_H
#define APP_HUD_H

#include "app_camera.h"
#include "geo_vector.h"

#include <stdbool.h>

typedef struct app_layer_info app_layer_info;

typedef struct app_hud_label {
    const geo_label *label;
    double pos[3]; /* drawn position (exaggerated height) */
    float dy_px;   /* then moved this many pixels down (negative: up), x UI scale */
    float size;    /* text size relative to the default; 0: 1 */
} app_hud_label;

typedef struct app_hud_frame {
    int width, height;
    float ui_scale;
    const char *scene_name, *scene_name_en, *crs_name;
    double frame_ms;                 /* < 0: hide (deterministic runs) */
    const char *clock_text;          /* local time, already formatted */
    bool cursor_valid, cursor_has_z; /* z: the ground height is known */
    double cursor_lon, cursor_lat, cursor_x, cursor_y, cursor_z;
    const app_camera *camera;
    const app_layer_info *const *layers;
    int layer_count;
    double progress;         /* 0..1; >= 1 hides the bar */
    const char *status_line; /* e.g. "loading terrain..." or NULL */
    const app_hud_label *labels;
    int label_count;
    bool labels_en; /* English under the Korean names */
    bool help;      /* show the key help panel */
    /* Screen rectangles (x0 y0 x1 y1) labels must keep clear of. */
    const float (*reserved)[4];
    int reserved_count;
    /* Where the HUD writes the top of its attribution lines, before the
     * overlay callback runs (NULL: nowhere). */
    float *attrib_top;
    /* Drawn inside the HUD's UI batch: underlay first (markers), overlay
     * after the labels and the HUD's own panels (map panels). */
    void (*underlay)(void *user);
    void (*overlay)(void *user);
    void *overlay_user; /* for both */
    double fade;        /* 0..1: black over everything (scene changes) */
} app_hud_frame;

typedef struct app_hud app_hud;

app_hud *app_hud_create(void);
void app_hud_destroy(app_hud *hud);
/* Draws the HUD with the render UI batch; returns labels placed. */
int app_hud_draw(app_hud *hud, const app_hud_frame *f);

#endif
