/* The national smart city certification map: municipalities filled by the
 * status and grade of their certification in a year (or by the number of
 * certifications over all years), province outlines, labels of certified
 * cities, a legend, a year strip, a summary panel with a bar chart by year,
 * a tooltip for the city under the cursor and a card for the selected one.
 * Everything loads on one worker job; the map shows what is valid of it. */
#ifndef APP_CERTMAP_H
#define APP_CERTMAP_H

#include "app_camera.h"
#include "app_hud.h"
#include "app_layer.h"
#include "app_scene.h"
#include "geo_cert.h"
#include "rn_view.h"
#include "tw_pool.h"

typedef struct app_certmap app_certmap;

app_certmap *app_certmap_create(const app_map_cfg *cfg, const geo_frame *frame, tw_pool *pool,
                                double now);
/* Call after the pool is destroyed. */
void app_certmap_destroy(app_certmap *m);
/* Its layers for the HUD and the report; returns how many (at most max). */
int app_certmap_layers(app_certmap *m, app_layer **out, int max);
bool app_certmap_extent(const app_certmap *m, double ext[4]);
/* NULL until the certification file has loaded. */
const geo_cert_db *app_certmap_db(const app_certmap *m);

/* Year shown; 0 is "all years". Stepping walks the scheme's years then all. */
int app_certmap_year(const app_certmap *m);
void app_certmap_set_year(app_certmap *m, int year);
void app_certmap_step_year(app_certmap *m, int dir);

/* 3D: each municipality raised by its city's number of certifications. */
bool app_certmap_extruded(const app_certmap *m);
void app_certmap_set_extrude(app_certmap *m, bool on);

/* The certified city at scene point (x, y) in the year shown, -1 none;
 * *admin_code (may be NULL) gets the municipality's code, or NULL. */
int app_certmap_pick(const app_certmap *m, double x, double y, const char **admin_code);
int app_certmap_city_by_name(const app_certmap *m, const char *name_ko);
/* Centre and radius (metres) of a city's municipalities, for the camera. */
bool app_certmap_city_area(const app_certmap *m, int city, double center[2], double *radius);
void app_certmap_hover(app_certmap *m, int city);
void app_certmap_select(app_certmap *m, int city);
int app_certmap_selected(const app_certmap *m);

/* Fills and outlines. */
void app_certmap_draw(app_certmap *m, const rn_view *view);
/* Labels of certified cities (then provinces) for the HUD's placement. */
int app_certmap_labels(app_certmap *m, app_hud_label *out, int max);

typedef struct app_certmap_ui {
    int width, height;
    float scale;
    bool labels_en;
    double cursor[2]; /* for the tooltip */
    bool show_cursor_tip;
    const char *twin_hint; /* "Enter: ..." when the selected city has a twin */
    const char *caption;   /* tour caption, replaces nothing, shown on top */
} app_certmap_ui;

/* Legend, year strip, summary, tooltip and card, drawn inside the HUD's UI
 * batch (app_hud_frame.overlay). */
void app_certmap_draw_ui(app_certmap *m, const app_certmap_ui *ui);
/* Screen rectangles the panels take (x0 y0 x1 y1), for label placement. */
int app_certmap_reserved(const app_certmap *m, const app_certmap_ui *ui, float (*out)[4], int max);
/* The year strip entry at a pixel: 1 and the year (0: all) when hit. */
bool app_certmap_year_at(const app_certmap *m, const app_certmap_ui *ui, double x, double y,
                         int *year);

#endif
