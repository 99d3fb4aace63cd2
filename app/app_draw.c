/* The picture of a frame: the view, every layer's passes in order, the
 * labels, the HUD with the layers' overlays and the layer panel, and what
 * --pick finds under a pixel. */
#include "app_internal.h"

#include "rn_fill.h"
#include "rn_shadow.h"
#include "rn_ui.h"
#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define APP_FADE_S 0.35

static const float APP_SKY[3] = {0.74f, 0.82f, 0.90f};

double app_exag(const app *a)
{
    return a->world.exaggeration > 0 ? a->world.exaggeration : 1.0;
}

const tw_heightfield *app_ground_hf(const app *a)
{
    return app_ground_heightfield(a->world.ground);
}

static void app__view(const app *a, int w, int h, rn_view *v)
{
    memset(v, 0, sizeof *v);
    app_camera_eye(&a->cam, v->eye);
    double ground = 0, agl;
    if (app_world_ground(&a->world, v->eye[0], v->eye[1], &ground)) ground *= app_exag(a);
    agl = fmax(v->eye[2] - ground, 1.0);
    double near_m = fmin(fmax(fmin(agl, a->cam.distance) * 0.05, 0.5), 2000.0);
    double span = a->world.ground ? a->world.ground_span : a->cam.distance * 4;
    double far_m = a->cam.distance * 20 + span * 3;
    app_camera_view_proj(&a->cam, w, h, near_m, far_m, v->view_proj);
    v->width = w;
    v->height = h;
    /* Sun from the south-east, 45 degrees up; the true sun once the
     * scene's time is set (a little sky light when it is down). */
    v->sun[0] = 0.5f, v->sun[1] = -0.5f, v->sun[2] = 0.7071f;
    tw_sun_pos sp;
    if (a->world.time_set) {
        app_world_sun(&a->world, a->cam.target[0], a->cam.target[1], &sp);
        double s[3];
        sp.elevation_deg = fmax(sp.elevation_deg, 2.0);
        tw_sun_vector(&sp, s);
        for (int k = 0; k < 3; k++) v->sun[k] = (float)s[k];
    }
    v->exaggeration = (float)app_exag(a);
    memcpy(v->sky, APP_SKY, sizeof v->sky);
    v->fog_start = (float)(a->cam.distance * 2.5 + span * 0.5);
    v->fog_end = (float)(a->cam.distance * 12 + span * 2);
}

void app_ui_ctx_get(const app *a, app_ui_ctx *ui)
{
    int w, h;
    float scale;
    rn_context_size(a->ctx, &w, &h, &scale);
    *ui = (app_ui_ctx){.width = w,
                       .height = h,
                       .scale = scale > 0 ? scale : 1,
                       .labels_en = a->labels_en,
                       .cursor = {a->cursor[0], a->cursor[1]},
                       .show_cursor_tip =
                           (!rn_context_headless(a->ctx) || a->opt.hover) && !a->tour.active,
                       .caption = a->tour.active ? a->tour.caption : NULL,
                       .attrib_top = (float)h,
                       .cam = &a->cam};
}

void app_pick_query_at(const app *a, const app_ui_ctx *ui, double px, double py, app_pick_query *q)
{
    *q = (app_pick_query){.px = px, .py = py, .ui = ui};
    q->has_ground = app_camera_pick(&a->cam, ui->width, ui->height, px, py, app_ground_hf(a),
                                    app_exag(a), 0, q->ground);
}

/* Loading progress: layers first, then what the view still waits for. */
static double app__progress(const app *a, const char **status)
{
    int loading = 0, infos = 0;
    *status = NULL;
    if (a->framing) {
        *status = "data extent";
        return 0.02;
    }
    for (int i = 0; i < a->layer_count; i++)
        for (int k = 0; k < a->layers[i]->info_count; k++) {
            infos++;
            if (a->layers[i]->info[k]->status == APP_LAYER_LOADING) {
                loading++;
                *status = a->layers[i]->info[k]->kind;
            }
        }
    double p = infos ? 1.0 - (double)loading / infos : 1.0;
    if (loading) return p * 0.5;
    for (int i = 0; i < a->layer_count; i++) {
        const app_layer *l = a->layers[i];
        if (l->self && l->kind->view_ready && !l->kind->view_ready(l->self))
            return 0.5 + 0.5 * (l->kind->progress ? l->kind->progress(l->self, status) : 0);
    }
    return p;
}

typedef struct app__overlay_args {
    app *a;
    const app_ui_ctx *ui;
    const app_draw_ctx *d;
    const float (*reserved)[4];
    int nr;
} app__overlay_args;

/* Inside the HUD's UI batch, before the labels: the layers' markers. */
static void app__underlay(void *user)
{
    app__overlay_args *o = user;
    app *a = o->a;
    app_draw_ctx d = *o->d;
    for (int i = 0; i < a->layer_count; i++) {
        app_layer *l = a->layers[i];
        if (!l->self || !l->visible || !l->kind->draw) continue;
        d.opacity = l->opacity;
        l->kind->draw(l->self, APP_PASS_MARKERS, &d);
    }
}

/* The split view's divider, its handle and the sides' names. */
static void app__split_marks(const app *a, const app_ui_ctx *ui)
{
    float s = ui->scale, x = (float)app_split_x(a, ui->width), y = ui->height * 0.5f;
    const rn_rgba white = {255, 255, 255, 255}, bg = {16, 24, 36, 215};
    rn_ui_rect(x - 1.5f * s, 0, 3 * s, (float)ui->height, white);
    rn_ui_rect(x - 7 * s, y - 18 * s, 14 * s, 36 * s, bg);
    rn_ui_rect(x - 1 * s, y - 12 * s, 2 * s, 24 * s, white);
    static const char *const names[2] = {"이전 before", "이후 after"};
    for (int k = 0; k < 2; k++) {
        float tw, th, px = 14 * s;
        rn_ui_text_size(px, names[k], &tw, &th);
        float tx = k ? x + 14 * s : x - 14 * s - tw, ty = ui->height * 0.28f;
        rn_ui_rect(tx - 6 * s, ty - px - 4 * s, tw + 12 * s, px + 12 * s, bg);
        rn_ui_text(tx, ty, px, white, names[k]);
    }
}

/* Inside the HUD's UI batch, last: the layers' panels, the tour caption and
 * the layer panel. */
static void app__overlay(void *user)
{
    app__overlay_args *o = user;
    app *a = o->a;
    for (int i = 0; i < a->layer_count; i++) {
        app_layer *l = a->layers[i];
        if (l->self && l->visible && l->kind->draw) l->kind->draw(l->self, APP_PASS_OVERLAY, o->d);
    }
    const char *cap = o->ui->caption;
    if (cap && cap[0]) {
        float s = o->ui->scale, px = 20 * s, tw, th;
        rn_ui_text_size(px, cap, &tw, &th);
        /* Bottom centre, above any panel there (the map's year strip). */
        float x = (o->ui->width - tw) * 0.5f, y = o->ui->height - 100 * s;
        for (int i = 0; i < o->nr; i++)
            if (o->reserved[i][0] < o->ui->width * 0.5f &&
                o->reserved[i][2] > o->ui->width * 0.5f && o->reserved[i][3] >= o->ui->height - 1)
                y = fminf(y, o->reserved[i][1] - 16 * s);
        rn_ui_rect(x - 12 * s, y - px - 8 * s, tw + 24 * s, px + 18 * s,
                   (rn_rgba){16, 24, 36, 200});
        rn_ui_text(x, y, px, (rn_rgba){255, 255, 255, 255}, cap);
    }
    if (a->split) app__split_marks(a, o->ui);
    app_timeslider_draw(a, o->ui);
    app_panel_draw(a, o->ui);
}

static void app__frame_stats(app *a, double t0, double draw_ms)
{
    a->frame_ms[a->frame_samples % APP_FRAME_SAMPLES] = draw_ms;
    a->frame_samples++;
    if (a->frame_samples > 10 && a->last_frame_t > 0)
        a->frame_gap_ms[a->gap_samples++ % APP_FRAME_SAMPLES] = (t0 - a->last_frame_t) * 1000;
    a->last_frame_t = t0;
}

void app_marks_write(app *a)
{
    static const char *const names[APP_MARKS] = {"step",  "input",  "drain", "update", "draw",
                                                 "scene", "labels", "hud",   "end"};
    if (!a->marks_out) return;
    if (ftell(a->marks_out) == 0) { /* the header: what each column took */
        fprintf(a->marks_out, "frame gap_ms");
        for (int k = 1; k < APP_MARKS; k++) fprintf(a->marks_out, " %s", names[k]);
        fprintf(a->marks_out, " span_ms cpu_ms nivcsw\n");
    }
    fprintf(a->marks_out, "%ld %.3f", a->frame_no,
            a->gap_samples ? a->frame_gap_ms[(a->gap_samples - 1) % APP_FRAME_SAMPLES] : 0.0);
    for (int k = 1; k < APP_MARKS; k++)
        fprintf(a->marks_out, " %.3f", (a->marks[k] - a->marks[k - 1]) * 1000);
    /* The process's CPU time (all its threads) and involuntary context
     * switches since the last frame's end, beside that span's wall time:
     * a long frame with the same CPU and more switches waited for a core
     * (other processes), one with more CPU did more work. One app per
     * process writes marks, hence the statics. */
    static double last_end, last_cpu;
    static long last_ivcsw;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    double end = a->marks[APP_MARKS - 1];
    fprintf(a->marks_out, " %.3f %.3f %ld\n", last_end > 0 ? (end - last_end) * 1000 : 0.0,
            last_end > 0 ? (cpu - last_cpu) * 1000 : 0.0,
            last_end > 0 ? ru.ru_nivcsw - last_ivcsw : 0);
    last_end = end, last_cpu = cpu, last_ivcsw = ru.ru_nivcsw;
}

int app_split_x(const app *a, int width)
{
    double f = a->split_at > 0 ? a->split_at : 0.5;
    return (int)lround(width * fmin(fmax(f, 0.05), 0.95));
}

/* The 3D scene: the sun's shadow map, the ground, every layer's passes up
 * to the markers; drawn in the columns x0 .. x0 + cw (the split view). */
static void app__scene(app *a, const rn_view *vp, app_draw_ctx *dp, int x0, int cw, int h)
{
    const rn_view view = *vp;
    app_draw_ctx d = *dp;
    int w = view.width;
    rn_context_scissor(a->ctx, 0, 0, 0, 0);
    /* Sun shadows once the scene has a time: the casters' depth from the
     * sun over a square sized to the view (the map has none). */
    rn_shadow_clear();
    if (a->world.time_set && !a->top_down &&
        rn_shadow_begin(view.sun, a->cam.target, a->cam.distance * 1.5 + 300)) {
        for (int i = 0; i < a->layer_count; i++) {
            app_layer *l = a->layers[i];
            if (l->self && l->visible && l->kind->draw) l->kind->draw(l->self, APP_PASS_SHADOW, &d);
        }
        rn_shadow_end(w, h);
    }
    if (cw < w) rn_context_scissor(a->ctx, x0, 0, cw, h);
    /* A scene without terrain stands on flat ground at 0 m (not the map,
     * whose land is its own). */
    if (!a->world.ground && !a->top_down && rn_mesh_valid(a->ground_plane))
        rn_fill_draw(&view,
                     &(rn_fill_item){.mesh = a->ground_plane,
                                     .origin = {a->cam.target[0], a->cam.target[1], 0}},
                     1);
    for (int pass = APP_PASS_OPAQUE; pass < APP_PASS_MARKERS; pass++)
        for (int i = 0; i < a->layer_count; i++) {
            app_layer *l = a->layers[i];
            if (!l->self || !l->visible || !l->kind->draw) continue;
            d.opacity = l->opacity;
            l->kind->draw(l->self, (app_pass)pass, &d);
        }
}

void app_draw(app *a)
{
    double t0 = tw_time_mono_s();
    if (a->marks_out) a->marks[APP_MARK_DRAW] = t0;
    app_ui_ctx ui;
    app_ui_ctx_get(a, &ui);
    int w = ui.width, h = ui.height;
    rn_view view;
    app__view(a, w, h, &view);
    rn_context_begin_frame(a->ctx);
    rn_ui_clear(APP_SKY[0], APP_SKY[1], APP_SKY[2]);
    const tw_heightfield *hf = app_ground_hf(a);
    rn_drape drape = {0};
    if (hf)
        drape = (rn_drape){.heights = a->world.ground_tex,
                           .x0 = hf->x0,
                           .y0 = hf->y0,
                           .dx = hf->dx,
                           .dy = hf->dy,
                           .nx = hf->nx,
                           .ny = hf->ny};
    app_draw_ctx d = {.view = &view,
                      .drape = &drape,
                      .hillshade = a->hillshade,
                      .wireframe = a->wireframe,
                      .ui = &ui};
    if (a->split) {
        /* Before on the left, after on the right, the same camera. */
        int xs = app_split_x(a, w);
        d.before = true;
        app__scene(a, &view, &d, 0, xs, h);
        d.before = false;
        app__scene(a, &view, &d, xs, w - xs, h);
        rn_context_scissor(a->ctx, 0, 0, 0, 0);
    } else {
        app__scene(a, &view, &d, 0, w, h);
    }
    d.opacity = 1;
    APP_MARK(a, APP_MARK_SCENE);

    /* Labels and status of every layer, for the HUD (grown as needed). */
    int label_cap = 0, info_count = 0;
    for (int i = 0; i < a->layer_count; i++) info_count += a->layers[i]->info_count;
    const app_layer_info **infos = calloc(info_count > 0 ? (size_t)info_count : 1, sizeof *infos);
    info_count = 0;
    for (int i = 0; infos && i < a->layer_count; i++)
        for (int k = 0; k < a->layers[i]->info_count; k++)
            infos[info_count++] = a->layers[i]->info[k];
    app_hud_label *labels = NULL;
    int nl = 0;
    for (int i = 0; i < a->layer_count; i++) {
        app_layer *l = a->layers[i];
        if (!l->self || !l->visible || !l->kind->labels) continue;
        /* A layer that fills what is left may have more: grow and ask again. */
        for (int got = label_cap - nl; got >= label_cap - nl;) {
            int cap = label_cap ? label_cap * 2 : 1024;
            app_hud_label *g = realloc(labels, (size_t)cap * sizeof *g);
            if (!g) break;
            labels = g;
            label_cap = cap;
            got = l->kind->labels(l->self, &ui, &labels[nl], label_cap - nl);
            if (got < label_cap - nl) nl += got;
        }
    }

    char clock[128];
    tw_time_format(app_world_clock(&a->world), a->scene->tz_offset_h, a->scene->tz_label, clock,
                   sizeof clock);
    if (a->world.time_set) { /* the analysis time and its sun instead */
        char when[64];
        tw_sun_pos sp;
        app_world_sun(&a->world, a->cam.target[0], a->cam.target[1], &sp);
        tw_time_format(a->world.time_s, a->world.utc_offset_h, a->scene->tz_label, when,
                       sizeof when);
        snprintf(clock, sizeof clock, "%.16s %s  sun az %.0f el %.0f%s", when, a->scene->tz_label,
                 sp.azimuth_deg, sp.elevation_deg, a->sun_play ? " >" : "");
    }
    app_hud_frame hf_in = {
        .width = w,
        .height = h,
        .ui_scale = ui.scale,
        .scene_name = a->scene->name,
        .scene_name_en = a->scene->name_en,
        .crs_name = geo_frame_name(a->frame),
        /* Hidden until a frame has been timed, and in golden pictures. */
        .frame_ms = a->opt.deterministic || !a->frame_samples
                        ? -1
                        : a->frame_ms[(a->frame_samples - 1) % APP_FRAME_SAMPLES],
        .clock_text = clock,
        .camera = &a->cam,
        .layers = (const app_layer_info *const *)infos,
        .layer_count = infos ? info_count : 0,
        .labels = labels,
        .label_count = labels ? nl : 0,
        .labels_en = a->labels_en,
        .help = a->help,
    };
    hf_in.progress = app__progress(a, &hf_in.status_line);
    float reserved[16][4];
    int nr = 0;
    for (int i = 0; i < a->layer_count && nr < 12; i++) {
        const app_layer *l = a->layers[i];
        if (l->self && l->visible && l->kind->reserved)
            nr += l->kind->reserved(l->self, &ui, &reserved[nr], 12 - nr);
    }
    if (app_panel_rect(a, &ui, reserved[nr])) nr++;
    if (app_timeslider_rect(a, &ui, reserved[nr])) nr++;
    hf_in.reserved = (const float(*)[4])reserved;
    hf_in.reserved_count = nr;
    hf_in.attrib_top = &ui.attrib_top;
    app__overlay_args oargs = {a, &ui, &d, (const float(*)[4])reserved, nr};
    hf_in.underlay = app__underlay;
    hf_in.overlay = app__overlay;
    hf_in.overlay_user = &oargs;
    if (a->go.state) {
        double t = (a->now - a->go.t0) / APP_FADE_S;
        hf_in.fade = a->go.state == 1 ? t : 1 - t;
    }
    /* The cursor: in a window where the mouse is; headless, the view centre. */
    double cx = a->cursor[0], cy = a->cursor[1];
    if (rn_context_headless(a->ctx) || a->opt.deterministic) cx = w * 0.5, cy = h * 0.5;
    double hit[3];
    if (app_camera_pick(&a->cam, w, h, cx, cy, hf, app_exag(a), 0, hit)) {
        /* Over terrain: where it has heights; without terrain: anywhere. */
        double z = 0;
        hf_in.cursor_has_z = hf && tw_heightfield_sample(hf, hit[0], hit[1], &z);
        hf_in.cursor_valid = hf_in.cursor_has_z || !hf; /* no terrain: the 0 m plane */
        hf_in.cursor_x = hit[0];
        hf_in.cursor_y = hit[1];
        hf_in.cursor_z = z;
        double lx = hit[0], ly = hit[1];
        if (hf_in.cursor_valid && a->lonlat &&
            geo_xform_from_scene(a->lonlat, 1, &lx, &ly, NULL) == 1) {
            hf_in.cursor_lon = lx;
            hf_in.cursor_lat = ly;
        }
    }
    APP_MARK(a, APP_MARK_LABELS);
    if (a->hud) app_hud_draw(a->hud, &hf_in);
    free(labels);
    free(infos);
    APP_MARK(a, APP_MARK_HUD);
    rn_context_end_frame(a->ctx);
    double t1 = tw_time_mono_s();
    if (a->marks_out) a->marks[APP_MARK_END] = t1;
    if (a->first_frame_ms <= 0) a->first_frame_ms = (t1 - a->t_start) * 1000;
    app__frame_stats(a, t0, (t1 - t0) * 1000);
    app_marks_write(a);
}

/* ---- picking (--pick) ---- */

void app_do_pick(app *a)
{
    app_pick *p = &a->pick;
    json_object_put(p->attributes);
    memset(p, 0, sizeof *p);
    p->done = true;
    p->kind = "none";
    p->fid = -1;
    app_ui_ctx ui;
    app_ui_ctx_get(a, &ui);
    double px = a->opt.pick_x, py = a->opt.pick_y;
    /* Over a panel, the panel is what is there. */
    float r[16][4];
    int nr = 0;
    for (int i = 0; i < a->layer_count && nr < 12; i++) {
        const app_layer *l = a->layers[i];
        if (l->self && l->visible && l->kind->reserved)
            nr += l->kind->reserved(l->self, &ui, &r[nr], 12 - nr);
    }
    int panel_at = app_panel_rect(a, &ui, r[nr]) ? nr++ : -1;
    int slider_at = app_timeslider_rect(a, &ui, r[nr]) ? nr++ : -1;
    for (int i = 0; i < nr; i++)
        if (px >= r[i][0] && px <= r[i][2] && py >= r[i][1] && py <= r[i][3]) {
            p->kind = "panel";
            snprintf(p->panel, sizeof p->panel, "%s",
                     i == panel_at    ? "layers"
                     : i == slider_at ? "time"
                                      : "map");
            return;
        }
    app_pick_query q;
    app_pick_query_at(a, &ui, px, py, &q);
    if (!q.has_ground) return;
    p->ground = true;
    p->kind = "ground";
    p->x = q.ground[0], p->y = q.ground[1], p->z = q.ground[2] / app_exag(a);
    double lx = q.ground[0], ly = q.ground[1];
    if (a->lonlat && geo_xform_from_scene(a->lonlat, 1, &lx, &ly, NULL) == 1)
        p->lon = lx, p->lat = ly;
    /* The topmost layer that claims the pixel wins. */
    for (int i = a->layer_count - 1; i >= 0; i--) {
        app_layer *l = a->layers[i];
        app_pick_hit hit = {.fid = -1};
        if (!l->self || !l->visible || !l->kind->pick || !l->kind->pick(l->self, &q, &hit))
            continue;
        p->kind = hit.kind ? hit.kind : l->kind->name;
        snprintf(p->layer_kind, sizeof p->layer_kind, "%s", l->kind->name);
        snprintf(p->layer, sizeof p->layer, "%s", l->name);
        p->fid = hit.fid;
        p->attributes = hit.attributes;
        return;
    }
}
