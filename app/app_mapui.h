/* The certification map's panels: legend, year strip (clickable), summary
 * panel with a bar chart by year, tooltip for the city under the cursor and
 * the card of the selected one. 2D UI only: it reads the map's state and
 * draws inside the HUD's UI batch. */
#ifndef APP_MAPUI_H
#define APP_MAPUI_H

#include "geo_cert.h"
#include "geo_vector.h"

#include <stdbool.h>
#include <stdint.h>

/* Map fill colours (RGBA8), shared by the map's fills and its legend.
 * Certified with a published grade is the darkest: the one fact the
 * sources give in full. */
typedef struct app_map_palette {
    uint8_t land[4], grade[4], cert[4], ext[4];
    uint8_t times[3][4]; /* 1, 2, 3+ certifications */
    uint8_t sel[4];      /* the selected city */
} app_map_palette;

extern const app_map_palette app_map_colors;

/* What the panels show. */
typedef struct app_mapui_state {
    const geo_cert_db *db; /* NULL: nothing to show */
    int year;              /* 0: all years */
    int hover, selected;   /* cities, -1 none */
    const geo_polygons *prov;
    bool prov_ok;
} app_mapui_state;

/* Where and how. */
typedef struct app_mapui_screen {
    int width, height;
    float scale;
    bool labels_en;
    double cursor[2]; /* for the tooltip */
    bool show_cursor_tip;
    const char *twin_hint; /* "Enter: ..." when the selected city has a twin */
} app_mapui_screen;

void app_mapui_draw(const app_mapui_state *m, const app_mapui_screen *ui);
/* Screen rectangles the panels take (x0 y0 x1 y1), for label placement. */
int app_mapui_reserved(const app_mapui_state *m, const app_mapui_screen *ui, float (*out)[4],
                       int max);
/* The year strip entry at a pixel: true and the year (0: all) when hit. */
bool app_mapui_year_at(const app_mapui_state *m, const app_mapui_screen *ui, double x, double y,
                       int *year);

#endif
