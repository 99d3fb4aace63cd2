/* The process around the scenes: the window or headless context with its
 * shaders and HUD, the first scene from the command line (parsed once for
 * every use), the snapshot, and the orderly end. */
#include "app_internal.h"
#include "app_live.h"

#include "geo_gdal.h"
#include "rn_fill.h"
#include "rn_shadow.h"
#include "rn_lines.h"
#include "rn_markers.h"
#include "rn_mesh.h"
#include "rn_shader.h"
#include "rn_shot.h"
#include "rn_sync.h"
#include "rn_terrain.h"
#include "rn_texture.h"
#include "rn_ui.h"
#include "tw_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The window or the headless context, shaders, HUD. */
int app_shell_start(app *a, char *err, size_t n)
{
    const char *title = a->opt.map ? "citytwin: smart city certification map" : "citytwin";
    rn_context_desc cd = {.width = a->opt.width > 0 ? a->opt.width : APP_CLI_DEFAULT_W,
                          .height = a->opt.height > 0 ? a->opt.height : APP_CLI_DEFAULT_H,
                          .headless = a->opt.headless,
                          .fullscreen = a->opt.fullscreen || (a->opt.tour && !a->opt.headless),
                          .monitor = a->opt.monitor,
                          .samples = a->opt.samples,
                          .title = title};
    char cerr[512];
    if (rn_context_create(&cd, &a->ctx, cerr, sizeof cerr) != TW_OK) {
        snprintf(err, n, "%s", cerr);
        return 3;
    }
    TW_INFO("render", "%s", rn_context_renderer(a->ctx));
    /* A software renderer finishes every so many indices, bounding the
     * memory its queued scenes take (rn_sync.h); CITYTWIN_SW_SYNC_INDICES
     * sets the bound (0: never). */
    const char *sync = getenv("CITYTWIN_SW_SYNC_INDICES");
    bool sw = rn_sync_software(rn_context_renderer(a->ctx));
    rn_sync_every(sync && *sync ? (uint32_t)strtoul(sync, NULL, 10) : sw ? RN_SYNC_SW_INDICES : 0);
    /* And flushes every so many, so it rasterizes while the frame is
     * still being drawn (CITYTWIN_SW_FLUSH_INDICES; 0: never). */
    const char *flush = getenv("CITYTWIN_SW_FLUSH_INDICES");
    rn_sync_flush_every(flush && *flush ? (uint32_t)strtoul(flush, NULL, 10)
                        : sw            ? RN_SYNC_SW_FLUSH_INDICES
                                        : 0);
    /* CITYTWIN_FILL_PLAIN=1: fills drawn as before their two shortcuts
     * (rn_fill_set_plain; tests compare the pictures). */
    const char *plain = getenv("CITYTWIN_FILL_PLAIN");
    rn_fill_set_plain(plain && plain[0] == '1');
    char shader_dir[PATH_MAX + 16];
    snprintf(shader_dir, sizeof shader_dir, "%s/shaders", a->data_dir);
    rn_shader_set_dir(shader_dir);
    char rerr[1024];
    if (rn_mesh_setup(0) != TW_OK || rn_texture_setup(0) != TW_OK ||
        rn_terrain_setup(rerr, sizeof rerr) != TW_OK ||
        rn_lines_setup(rerr, sizeof rerr) != TW_OK || rn_fill_setup(rerr, sizeof rerr) != TW_OK ||
        rn_ui_setup(&(rn_ui_desc){0}, rerr, sizeof rerr) != TW_OK) {
        snprintf(err, n, "%s", rerr);
        return 3;
    }
    /* Sun shadows are an extra: without them the scene still draws. */
    if (rn_shadow_setup(rerr, sizeof rerr) != TW_OK) TW_WARN("render", "no sun shadows: %s", rerr);
    a->hud = app_hud_create();
    /* Flat ground for scenes without terrain: a square 2,000 km wide, drawn
     * around the camera's target (float metres are exact enough at that
     * size for a plane). */
    tw_mesh q = {.prim = TW_PRIM_TRIANGLES};
    if (tw_mesh_alloc(&q, 4, 6, TW_MESH_COLORS) == TW_OK) {
        static const float c[4][3] = {
            {-1e6f, -1e6f, 0}, {1e6f, -1e6f, 0}, {1e6f, 1e6f, 0}, {-1e6f, 1e6f, 0}};
        static const uint32_t ix[6] = {0, 1, 2, 0, 2, 3};
        memcpy(q.positions, c, sizeof c);
        memcpy(q.indices, ix, sizeof ix);
        for (int i = 0; i < 4; i++) memcpy(&q.colors[i * 4], (uint8_t[4]){214, 219, 205, 255}, 4);
        a->ground_plane = rn_mesh_make(&q);
        tw_mesh_free(&q);
    }
    return 0;
}

void app_shell_stop(app *a)
{
    app_hud_destroy(a->hud);
    if (a->ctx) {
        rn_mesh_destroy(a->ground_plane);
        rn_ui_shutdown();
        rn_markers_shutdown();
        rn_fill_shutdown();
        rn_shadow_shutdown();
        rn_lines_shutdown();
        rn_terrain_shutdown();
        rn_texture_shutdown();
        rn_mesh_shutdown();
        rn_context_destroy(a->ctx);
    }
}

void app_free(app *a)
{
    app_world_stop(a);
    app_shell_stop(a);
    app_tour_free(a);
    app_live_bg_stop(); /* it hands its last jobs to the pool */
    /* Workers last: a job stuck on a dead server is waited for here, at
     * exit, never during a scene change. */
    tw_pool_destroy(a->pool);
    geo_gdal_shutdown();
    json_object_put(a->pick.attributes);
    app_script_free(a->script);
    free(a);
}

/* The first scene: the command line's, parsed once for every use. */
int app_first_scene(app *a, app_scene **first, const char **first_path, char *err, size_t n)
{
    if (a->opt.scene)
        snprintf(a->home_path, sizeof a->home_path, "%s", a->opt.scene);
    else
        snprintf(a->home_path, sizeof a->home_path, "%s/assets/scenes/seoul.json", a->data_dir);
    snprintf(a->map_path, sizeof a->map_path, "%s/assets/scenes/korea.json", a->data_dir);
    char serr[1024];
    app_scene *home = app_scene_open(a->home_path, serr, sizeof serr);
    bool home_is_map = home && app_scene_find(home, "map");
    *first = home;
    *first_path = a->home_path;
    /* --map shows the scene given when it is a map, else the national map. */
    if (a->opt.map) {
        if (home_is_map) snprintf(a->map_path, sizeof a->map_path, "%s", a->home_path);
        snprintf(a->return_path, sizeof a->return_path, "%s", home_is_map ? "" : a->home_path);
        if (!home_is_map) *first = NULL, *first_path = a->map_path;
    }
    if (a->opt.tour) {
        if (!home) {
            snprintf(err, n, "[tour] %.700s: %.300s", a->home_path, serr);
            return 2;
        }
        if (!app_tour_start(a, home, err, n)) {
            app_scene_close(home);
            return 2;
        }
        bool here = a->tour.scene->tour[0].kind == APP_STOP_BOOKMARK;
        *first = here ? home : NULL;
        *first_path = here ? a->home_path : a->map_path;
    }
    if (*first != home) app_scene_close(home);
    /* A bad scene file fails before any window opens. */
    if (!*first) *first = app_scene_open(*first_path, serr, sizeof serr);
    if (!*first) {
        snprintf(err, n, "[scene] %.700s: %.300s", *first_path, serr);
        return 2;
    }
    return 0;
}

int app_snapshot(app *a)
{
    tw_image img = {0};
    tw_result r = rn_context_take_capture(a->ctx, &img);
    if (r == TW_OK) r = rn_shot_write_png(a->opt.snapshot, &img);
    tw_image_free(&img);
    if (r != TW_OK) {
        TW_ERROR("snapshot", "%s: cannot write the picture (%s)", a->opt.snapshot,
                 tw_result_str(r));
        return 1;
    }
    a->snapshot_written = true;
    TW_INFO("snapshot", "wrote %s", a->opt.snapshot);
    return 0;
}
