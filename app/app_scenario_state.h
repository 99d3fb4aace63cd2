/* The scenario layer's state, shared by its files: the layer
 * (app_scenario.c) and its input, footprint drawing and floors entry
 * (app_scenario_ui.c). */
#ifndef APP_SCENARIO_STATE_H
#define APP_SCENARIO_STATE_H

#include "app_layer.h"
#include "app_scenario_int.h"
#include "rn_mesh.h"

typedef struct app_sc_cfg {
    char *name, *source, *save;
    bool before; /* "show": "before" */
    bool split;  /* "split": true: the split view at the start */
    double floor_m;
    float color[4];
} app_sc_cfg;

typedef struct app_scenario {
    app_layer_info info;
    const app_sc_cfg *cfg;
    app_layer *layer;
    app_world *world;
    app_sc_list items;
    bool loaded, before, dirty;
    bool split_set; /* "split": true has turned the split view on */
    app_building_edit *edits;
    int edit_count;
    bool edits_set, obstacles_set;
    /* added buildings */
    double *base;
    unsigned ground_gen;
    double exag;
    rn_mesh roofs, walls;
    double origin[3];
    float top_max;
    int added, raised, removed;
    double cursor[2];
    bool has_cursor;
    int saves;
    bool saving;
    /* input (app_scenario_ui.c) */
    int current;                         /* the item the floors entry sets, -1: none */
    bool entering;                       /* digits typed are its floors */
    char entry[8];                       /* the digits so far */
    bool drawing;                        /* Z: clicks add footprint vertices */
    int draft_n;                         /* vertices so far */
    double draft[3 * APP_SC_MAX_POINTS]; /* x y z (z exaggerated, for drawing) */
    double last_click_px[2];
} app_scenario;

/* The building under the cursor (not a planned one): id and height. */
bool app_sc_under(const app_scenario *s, long *fid, double *height);
/* J: saves the items on a worker; false when it could not start. */
bool app_sc_submit_save(app_scenario *s);
/* Keys, clicks and the overlay of app_scenario_ui.c. */
bool app_sc_key(app_scenario *s, int key);
bool app_sc_click(app_scenario *s, const app_pick_query *q);
void app_sc_overlay(const app_scenario *s, const app_ui_ctx *ui);

#endif
