/* The live layer kinds "sensors" and "parking": a feed polled by the live
 * thread (live_fetch), each snapshot placed into the scene CRS on the main
 * thread and drawn with the shared markers (app_markers). Sensors are
 * coloured green / amber / red by the scene's thresholds (or on the ramp
 * without them), parking by occupancy (1 - free/total) with "free/total" in
 * its label. Status: loading until the first good snapshot, then ok, stale
 * once the last successful fetch (200 or 304) is older than stale_after_s
 * (markers greyed, "stale since HH:MM:SS"), error while there never was a
 * good one. A secret put in the URL from the environment (or a Seoul key in
 * its path) is shown as *** wherever the URL is printed or reported. */
#include "app_live.h"

#include "app_live_int.h"
#include "app_live_reuse.h"

#include "app_markers.h"
#include "live_fetch.h"
#include "tw_json.h"
#include "tw_time.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- data from the live thread ---- */

static const tw_obs_value *app__value(const tw_obs_snapshot *s, const tw_obs_entity *e,
                                      const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        const tw_obs_value *v = tw_obs_find_value(s, e, names[i]);
        if (v && !v->text && isfinite(v->number)) return v;
    }
    return NULL;
}

/* Parking: free and total spaces (NGSI-LD available/total, Seoul capacity
 * minus cur_parking); false when the entity does not say. */
bool app_live_spaces(const tw_obs_snapshot *s, const tw_obs_entity *e, double *freec, double *total)
{
    const tw_obs_value *t =
        app__value(s, e, (const char *const[]){"totalSpotNumber", "capacity", NULL});
    const tw_obs_value *a = app__value(s, e, (const char *const[]){"availableSpotNumber", NULL});
    const tw_obs_value *u = app__value(s, e, (const char *const[]){"cur_parking", NULL});
    if (!t || t->number <= 0 || (!a && !u)) return false;
    *total = t->number;
    *freec = a ? a->number : t->number - u->number;
    *freec = fmin(fmax(*freec, 0), *total);
    return true;
}

static double app__number(const app_live *lv, const tw_obs_entity *e)
{
    return app_live_number(lv->cfg->parking, lv->snap, e);
}

/* The label of an entity: its name, then "free/total" or the value. */
static char *app__label_text(const app_live *lv, const tw_obs_entity *e)
{
    char buf[400], val[64] = "";
    double fr, tot;
    const tw_obs_value *v = tw_obs_main(lv->snap, e);
    if (lv->cfg->parking && app_live_spaces(lv->snap, e, &fr, &tot))
        snprintf(val, sizeof val, "%.0f/%.0f", fr, tot);
    else if (v && !v->text) {
        const char *u = app_live_unit_of(v);
        snprintf(val, sizeof val, "%g%s%s", v->number, u ? " " : "", u ? u : "");
    } else if (v && v->text)
        snprintf(val, sizeof val, "%s", v->text);
    const char *name = e->name ? e->name : e->id;
    snprintf(buf, sizeof buf, "%s%s%s", name ? name : "", val[0] ? "  " : "", val);
    return strdup(buf);
}

static void app__free_run(void *job, int worker)
{
    (void)worker;
    app_live_data_free(job);
}

static void app__free_done(void *job, tw_result status)
{
    (void)status;
    app_live_data_free(job);
    free(job);
}

/* Frees data on a worker (a 100,000-entity snapshot is many blocks). */
static void app__free_later(app_live *lv, app_live_data *d)
{
    if (app_live_bg_free(d)) return; /* on the live layers' own thread */
    app_live_data *old = malloc(sizeof *old);
    if (old) {
        *old = *d;
        memset(d, 0, sizeof *d);
        if (tw_pool_submit(
                lv->world->pool,
                &(tw_job_desc){.job = old, .run = app__free_run, .done = app__free_done}) == TW_OK)
            return;
        *d = *old;
        free(old);
    }
    app_live_data_free(d);
}

void app_live_take(app_live *lv, app_live_data *d)
{
    app__free_later(lv, &lv->data);
    lv->data = *d;
    lv->data.gen = ++lv->gen;
    memset(d, 0, sizeof *d);
    lv->cost.now.installs++;
    tw_obs_snapshot *s = lv->data.snap;
    int n = s->entity_count;
    lv->snap = s, lv->xy = lv->data.xy;
    lv->alerts = lv->data.alerts, lv->alert_count = lv->data.alert_count;
    lv->gpu_dirty = lv->hover_dirty = true;
    if (lv->selected >= n) lv->selected = -1;
    if (lv->hovered >= 0) { /* the same entity in the new snapshot */
        lv->hovered = -1;
        const app_live_data *dt = &lv->data;
        if (strcmp(dt->hover_id, lv->hover_id) == 0) /* the worker looked for it */
            lv->hovered = dt->hover_at;
        else
            for (int i = 0; i < n && lv->hover_id[0]; i++)
                if (s->entities[i].id && strcmp(s->entities[i].id, lv->hover_id) == 0)
                    lv->hovered = i;
    }
    lv->info.features = n;
    memset(&lv->info.skipped, 0, sizeof lv->info.skipped);
    for (int r = 0; r < TW_OBS_SKIP_COUNT && lv->info.skipped.n < GEO_SKIP_REASONS; r++) {
        if (!s->skipped[r]) continue;
        geo_skips *k = &lv->info.skipped;
        k->reason[k->n] = tw_obs_skip_str((tw_obs_skip)r);
        k->count[k->n++] = s->skipped[r];
    }
    lv->info.data_time = isfinite(s->newest_at) ? s->newest_at : lv->last_ok_wall;
    if (lv->cfg->traffic) {
        const tw_obs_value *m = n ? tw_obs_main(s, &s->entities[0]) : NULL;
        lv->lines.by_congested = m && m->name && strcmp(m->name, "congested") == 0;
        app_live_traffic_take(lv);
    }
    if (!lv->has_data) {
        lv->has_data = true;
        lv->info.error[0] = '\0';
        app_layer_info_ok(&lv->info, tw_time_mono_s(), n);
        TW_INFO(lv->cfg->kind, "%s: ok, %d entities", lv->info.name, n);
    }
}

static void app__on_result(void *job, tw_result status)
{
    live_fetch_result *r = job;
    if (status != TW_OK) { /* the layer is gone */
        live_fetch_result_free(r);
        return;
    }
    app_live *lv = r->user;
    app_live_cost_begin(&lv->cost);
    double now = tw_time_mono_s();
    lv->fetches = r->fetches;
    if (r->success) {
        lv->last_ok_mono = now, lv->last_ok_wall = r->wall_at;
        lv->error[0] = '\0'; /* last_error: a failure since the last success */
        if (r->not_modified) lv->skipped_fetches++;
        if (r->snap) { /* made ready on a worker, shown by app_live_take */
            app_live_prep_submit(lv, r);
            app_live_cost_end(&lv->cost, APP_LIVE_COST_INSTALL);
            return;
        }
    } else {
        /* Before the first good snapshot the layer's error line says it. */
        if (lv->has_data && strcmp(lv->error, r->error) != 0)
            TW_WARN(lv->cfg->kind, "%s: %s: %s", lv->info.name, lv->cfg->label, r->error);
        snprintf(lv->error, sizeof lv->error, "%s", r->error);
        if (!lv->has_data && lv->info.status != APP_LAYER_ERROR)
            app_layer_info_fail(&lv->info, now, "%s", r->error);
        else if (!lv->has_data)
            snprintf(lv->info.error, sizeof lv->info.error, "%s", r->error);
    }
    live_fetch_result_free(r);
    app_live_cost_end(&lv->cost, APP_LIVE_COST_INSTALL);
}

void app_live_clock_text(const app_live *lv, double epoch, bool date, char *out, size_t n)
{
    const app_world *w = lv->world;
    char t[64];
    tw_time_format(epoch, w ? w->utc_offset_h : 9, w && w->tz_label ? w->tz_label : "KST", t,
                   sizeof t);
    snprintf(out, n, "%s", date || strlen(t) < 11 ? t : t + 11); /* past "YYYY-MM-DD " */
}

void app_live_age_text(const app_live *lv, char *out, size_t n)
{
    out[0] = '\0';
    if (!lv->has_data) return;
    char when[64];
    if (lv->info.status == APP_LAYER_STALE) {
        app_live_clock_text(lv, lv->last_ok_wall, false, when, sizeof when);
        snprintf(out, n, "stale since %s", when);
        return;
    }
    double t = lv->info.data_time;
    if (!(t > 0)) return;
    double age = app_world_clock(lv->world) - t;
    app_live_clock_text(lv, t, !(age < 86400), when, sizeof when);
    if (!(age >= 0)) { /* the data's clock ahead of ours: its time alone */
        snprintf(out, n, "%s", when);
        return;
    }
    char a[32];
    if (age < 120)
        snprintf(a, sizeof a, "%.0f s", age);
    else if (age < 7200)
        snprintf(a, sizeof a, "%.0f min", age / 60);
    else if (age < 172800)
        snprintf(a, sizeof a, "%.0f h", age / 3600);
    else
        snprintf(a, sizeof a, "%.0f days", age / 86400);
    snprintf(out, n, "%s · %s old", when, a);
}

void app_live_age_shown(const app_live *lv, char *out, size_t n)
{
    if (lv->world && lv->world->deterministic) /* which recorded answer a picture shows varies */
        out[0] = '\0';
    else
        app_live_age_text(lv, out, n);
}

rn_rgba app_live_age_rgba(const app_live *lv, float opacity)
{
    rn_rgba c = lv->info.status == APP_LAYER_STALE ? (rn_rgba){240, 170, 80, 255}
                                                   : (rn_rgba){170, 178, 190, 255};
    c.a = (uint8_t)(255 * opacity);
    return c;
}

static void app__update_status(app_live *lv);

/* The frame's sample closes here: it covers the last frame's draw, the
 * end of frame, this pass's input and hand-off drain, and this update. */
static void app__update(void *self, const app_update_ctx *u)
{
    app_live *lv = self;
    app_live_cost_begin(&lv->cost);
    app_live_bg_drain();
    lv->frame_no = u->frame_no, lv->now = u->now;
    app__update_status(lv);
    app_live_cost_end(&lv->cost, APP_LIVE_COST_UPDATE);
    app_live_cost_frame(&lv->cost);
}

bool app_live_has_legend(const app_live *lv)
{
    return lv->cfg->band_count > 0 || lv->cfg->traffic;
}

static void app__update_status(app_live *lv)
{
    if (!lv->has_data) return;
    /* The data age after the attribution line, where no legend shows it. */
    if (app_live_has_legend(lv))
        lv->info.data_age[0] = '\0';
    else
        app_live_age_shown(lv, lv->info.data_age, sizeof lv->info.data_age);
    bool stale = tw_time_mono_s() - lv->last_ok_mono > lv->cfg->stale_after_s;
    app_layer_status want = stale ? APP_LAYER_STALE : APP_LAYER_OK;
    if (want == lv->info.status) return;
    char at[64];
    app_live_clock_text(lv, lv->last_ok_wall, false, at, sizeof at);
    if (stale) {
        snprintf(lv->info.warning, sizeof lv->info.warning, "stale since %.40s%s%.180s", at,
                 lv->error[0] ? ": " : "", lv->error);
        TW_WARN(lv->cfg->kind, "%s: stale since %s (%s)", lv->info.name, at,
                lv->error[0] ? lv->error : "no answer");
    } else {
        lv->info.warning[0] = '\0';
        TW_INFO(lv->cfg->kind, "%s: ok again", lv->info.name);
    }
    lv->info.status = want;
}

/* ---- layer ---- */

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_live_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_live *lv = calloc(1, sizeof *lv);
    if (!lv) return NULL;
    lv->cfg = cfg;
    lv->world = w;
    lv->layer = l;
    lv->gpu_selected = -1;
    lv->selected = lv->hovered = -1;
    app_layer_info_begin(&lv->info, cfg->kind, cfg->name ? cfg->name : cfg->kind, cfg->label,
                         cfg->attribution, now);
    app_layer_add_info(l, &lv->info);
    lv->hist = app_live_hist_create(cfg->history);
    char err[256];
    if (geo_xform_create_lonlat(w->frame, &lv->xf, err, sizeof err) != TW_OK) {
        app_layer_info_fail(&lv->info, now, "%s", err);
        return lv;
    }
    live_feed_desc d = {.url = cfg->url,
                        .headers = (const char *const *)cfg->headers,
                        .header_count = cfg->header_count,
                        .label = cfg->label,
                        .format = cfg->format,
                        .options = {.value = cfg->value},
                        .poll_s = cfg->poll_s,
                        .pool = w->pool,
                        .token = l->token,
                        .done = app__on_result,
                        .user = lv};
    tw_result r = live_fetch_add(&d, &lv->feed);
    if (r != TW_OK) app_layer_info_fail(&lv->info, now, "cannot poll: %s", tw_result_str(r));
    return lv;
}

static void app__destroy(void *self)
{
    app_live *lv = self;
    app_world_release_panel(lv->world, lv);
    live_fetch_remove(lv->feed); /* late results: the token is cancelled */
    if (lv->prep_next) live_fetch_result_free(lv->prep_next);
    app_live_data_free(&lv->data);
    rn_markers_destroy(lv->gpu);
    app_live_traffic_free(lv);
    app_live_hist_free(lv->hist);
    app_live_reuse_free(lv->reuse);
    app_live_cost_free(&lv->cost);
    free(lv->chart_v);
    if (lv->xf) geo_xform_destroy(lv->xf);
    free(lv);
}

/* ---- drawing ---- */

static void app__panel(const app_live *lv, const app_ui_ctx *ui)
{
    if (!lv->snap || lv->selected < 0 || lv->selected >= lv->snap->entity_count) return;
    const tw_obs_entity *e = &lv->snap->entities[lv->selected];
    const char *keys[APP_MARKERS_PANEL_ROWS], *vals[APP_MARKERS_PANEL_ROWS];
    char texts[APP_MARKERS_PANEL_ROWS][128];
    int n = 0;
    keys[n] = "id", vals[n++] = e->id;
    keys[n] = "type", vals[n++] = e->type;
    const tw_obs_value *v = tw_obs_values(lv->snap, e);
    for (int i = 0; v && i < e->value_count && n < APP_MARKERS_PANEL_ROWS; i++) {
        if (v[i].text)
            snprintf(texts[n], sizeof texts[n], "%s", v[i].text);
        else
            snprintf(texts[n], sizeof texts[n], "%g%s%s", v[i].number,
                     app_live_unit_of(&v[i]) ? " " : "",
                     app_live_unit_of(&v[i]) ? app_live_unit_of(&v[i]) : "");
        keys[n] = v[i].name, vals[n] = texts[n], n++;
    }
    app_markers_panel(ui, e->name ? e->name : lv->info.name, keys, vals, n);
    float box[4];
    app_markers_panel_box(ui, n, box);
    const tw_obs_value *m = tw_obs_main(lv->snap, e);
    app_live_chart_draw(lv, ui, box, e->id,
                        lv->cfg->parking ? "occupied"
                        : m              ? app_live_unit_of(m)
                                         : NULL);
}

void app_live_view_get(const app_live *lv, const app_ui_ctx *ui, app_live_view *out)
{
    memset(out, 0, sizeof *out); /* padding too: views are compared whole */
    out->cam = *ui->cam;
    out->width = ui->width, out->height = ui->height, out->scale = ui->scale;
    out->exag = lv->world->exaggeration > 0 ? lv->world->exaggeration : 1;
    out->ground_gen = lv->world->ground_gen;
}

bool app_live_view_equal(const app_live_view *a, const app_live_view *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* Layers with up to this many entities make a new view's marker list at
 * once; larger ones on a worker, showing the last list meanwhile. */
#define APP_LIVE_SYNC_MAX 4000

/* The marker list for the view on the GPU: made again when the view or the
 * data changed (a worker made it already when the view stood still), and
 * uploaded with the selected marker drawn over it. */
static void app__markers_sync(app_live *lv, const app_ui_ctx *ui)
{
    app_live_view v;
    app_live_view_get(lv, ui, &v);
    lv->drawn_view = v;
    app_live_list *l = &lv->data.list;
    if (!l->valid || !app_live_view_equal(&v, &l->view)) {
        if (lv->data.n <= APP_LIVE_SYNC_MAX || (!l->valid && lv->world->deterministic)) {
            app_live_list_build(l, &lv->data, lv->cfg, lv->world->ground, &v);
            lv->gpu_dirty = true;
        } else if (!lv->list_busy) {
            app_live_list_submit(lv, &v);
        }
    }
    if (lv->selected != lv->gpu_selected) lv->gpu_dirty = true;
    if (!lv->gpu_dirty || !l->valid) return;
    if (!lv->gpu && !(lv->gpu = rn_markers_create())) return;
    const int *b = l->image_box;
    rn_markers_set_image(lv->gpu, l->image, b[0], b[1], b[2] - b[0], b[3] - b[1]);
    /* The pulsing ones, then the selected one over everything. */
    int n = l->over_count, sel = -1;
    for (int k = 0; k < l->count && lv->selected >= 0; k++)
        if (l->entity[k] == lv->selected) sel = k;
    rn_marker *up = l->over;
    if (sel >= 0) {
        up = malloc(((size_t)n + 1) * sizeof *up);
        if (!up) return;
        if (n) memcpy(up, l->over, (size_t)n * sizeof *up);
        rn_marker m = l->items[sel];
        float outer = m.radius + m.rim;
        m.radius *= 1.3f;
        m.rim = fmaxf(outer - m.radius, 0);
        m.rim_color = (rn_rgba){255, 214, 60, 255};
        up[n++] = m;
    }
    rn_markers_set(lv->gpu, up, n);
    if (up != l->over) free(up);
    lv->gpu_dirty = false, lv->gpu_selected = lv->selected;
}

static int app__hit(const app_live *lv, const app_pick_query *q);

/* The tooltip follows what is under a still cursor: a new snapshot or a
 * moved view hits again at the cursor. */
static void app__hover_refresh(app_live *lv, const app_ui_ctx *ui)
{
    app_live_view v;
    app_live_view_get(lv, ui, &v);
    if (!lv->hover_on || (!lv->hover_dirty && app_live_view_equal(&v, &lv->hover_view))) return;
    app_pick_query q = {.ui = ui, .px = ui->cursor[0], .py = ui->cursor[1]};
    lv->hovered = lv->snap ? app__hit(lv, &q) : -1;
    const char *id = lv->hovered >= 0 ? lv->snap->entities[lv->hovered].id : NULL;
    snprintf(lv->hover_id, sizeof lv->hover_id, "%s", id ? id : "");
    lv->hover_view = v, lv->hover_dirty = false;
}

static void app__draw_pass(app_live *lv, app_pass pass, const app_draw_ctx *d);

/* In the first frame drawn (before the first picture: a snapshot that
 * came while loading waits for its marker list): the marker picture's
 * program, its texture (the framebuffer's size) and llvmpipe's code for
 * its draw are made now, with one transparent pixel (no visible change),
 * not in the frame that first shows 100,000 markers (measured: 90-230 ms
 * of main-thread wall time, 30-83 ms CPU, in that frame on the loaded
 * 2-core machine). */
static void app__warm(app_live *lv, const app_draw_ctx *d)
{
    lv->warmed = true;
    if (lv->cfg->traffic || (!lv->gpu && !(lv->gpu = rn_markers_create()))) return;
    static const uint8_t clear[4] = {0, 0, 0, 0};
    rn_markers_reserve(lv->gpu, d->ui->width, d->ui->height);
    rn_markers_set_image(lv->gpu, clear, 0, 0, 1, 1);
    rn_markers_draw(lv->gpu, &(rn_markers_draw_desc){
                                 .width = d->ui->width, .height = d->ui->height, .opacity = 1.0f});
    rn_markers_set_image(lv->gpu, NULL, 0, 0, 0, 0);
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_live *lv = self;
    if (!lv->warmed && pass == APP_PASS_MARKERS) {
        app_live_cost_begin(&lv->cost);
        app__warm(lv, d);
        app_live_cost_end(&lv->cost, APP_LIVE_COST_UPLOAD);
    }
    if (!lv->snap) return;
    app_live_cost_begin(&lv->cost);
    app__draw_pass(lv, pass, d);
    app_live_cost_end(&lv->cost, APP_LIVE_COST_DRAW);
}

static void app__draw_pass(app_live *lv, app_pass pass, const app_draw_ctx *d)
{
    const app_ui_ctx *ui = d->ui;
    if (lv->cfg->traffic) app_live_traffic_draw(lv, pass, d);
    if (pass == APP_PASS_OVERLAY) {
        app__hover_refresh(lv, ui);
        app_live_alerts_draw(lv, ui, d->opacity);
        app_live_bands_draw(lv, ui, d->opacity);
        app__panel(lv, ui);
        app_live_tip_draw(lv, ui);
        return;
    }
    if (lv->cfg->traffic) return; /* lines, no markers */
    if (pass != APP_PASS_MARKERS) return;
    bool stale = lv->info.status == APP_LAYER_STALE;
    /* The upload is timed apart from the draw (the span is split here). */
    app_live_cost_end(&lv->cost, APP_LIVE_COST_DRAW);
    app_live_cost_begin(&lv->cost);
    app__markers_sync(lv, ui);
    app_live_cost_end(&lv->cost, APP_LIVE_COST_UPLOAD);
    app_live_cost_begin(&lv->cost);
    /* Alerts pulse (a fixed size in golden pictures). */
    float pulse = stale ? 1.0f
                  : lv->world->deterministic
                      ? 1.3f
                      : 1.0f + 0.3f * (float)(0.5 + 0.5 * sin(lv->now * 2 * M_PI));
    rn_markers_draw(lv->gpu, &(rn_markers_draw_desc){.width = ui->width,
                                                     .height = ui->height,
                                                     .opacity = d->opacity,
                                                     .grey = stale ? 1.0f : 0.0f,
                                                     .pulse = pulse,
                                                     .stem_px = 1.5f * ui->scale,
                                                     .stem = {20, 28, 40, 220}});
}

static int app__labels_of(app_live *lv, const app_ui_ctx *ui, app_hud_label *out, int max);

static int app__cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int app__labels(void *self, const app_ui_ctx *ui, app_hud_label *out, int max)
{
    app_live *lv = self;
    app_live_cost_begin(&lv->cost);
    int m = app__labels_of(lv, ui, out, max);
    app_live_cost_end(&lv->cost, APP_LIVE_COST_LABELS);
    return m;
}

static int app__labels_of(app_live *lv, const app_ui_ctx *ui, app_hud_label *out, int max)
{
    app_live_data *dt = &lv->data;
    if (!lv->snap || !dt->labels) return 0;
    double eye[3], lim2 = 6000.0 * 6000.0;
    app_camera_eye(ui->cam, eye);
    double exag = lv->world->exaggeration > 0 ? lv->world->exaggeration : 1;
    bool gz_ok = dt->gz && dt->ground_gen == lv->world->ground_gen;
    /* Only the cells within reach of the eye (every entity without a grid),
     * in entity order as the whole pass. */
    int *near = NULL, nn = app_live_grid_near(&dt->grid, eye[0], eye[1], 6000.0, &near);
    if (nn == 0) return 0;
    if (nn > 0) qsort(near, (size_t)nn, sizeof *near, app__cmp_int);
    int count = nn > 0 ? nn : lv->snap->entity_count;
    int m = 0;
    for (int k = 0; k < count && m < max; k++) {
        int i = nn > 0 ? near[k] : k;
        double g[3];
        if (gz_ok)
            g[0] = dt->labels[i].x, g[1] = dt->labels[i].y, g[2] = dt->gz[i] * exag;
        else
            app_markers_ground(lv->world, dt->labels[i].x, dt->labels[i].y, g);
        double dx = g[0] - eye[0], dy = g[1] - eye[1], dz = g[2] - eye[2];
        if (dx * dx + dy * dy + dz * dz > lim2) continue;
        if (!dt->texts[i]) dt->texts[i] = app__label_text(lv, &lv->snap->entities[i]);
        if (!dt->texts[i]) continue;
        dt->labels[i].text = dt->texts[i];
        out[m++] = (app_hud_label){.label = &dt->labels[i],
                                   .pos = {g[0], g[1], g[2]},
                                   .dy_px = -(float)(12 + lv->cfg->size_px * 0.5 + 6),
                                   .size = 0.8f};
    }
    free(near);
    return m;
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    const app_live *lv = self;
    (void)z;
    *has_z = false;
    if (!lv->snap || lv->snap->entity_count == 0) return false;
    ext[0] = ext[1] = INFINITY, ext[2] = ext[3] = -INFINITY;
    if (lv->data.grid.start) /* found by the worker */
        memcpy(ext, lv->data.grid.ext, 4 * sizeof *ext);
    for (int i = 0; !lv->data.grid.start && i < lv->snap->entity_count; i++) {
        ext[0] = fmin(ext[0], lv->xy[2 * i]), ext[2] = fmax(ext[2], lv->xy[2 * i]);
        ext[1] = fmin(ext[1], lv->xy[2 * i + 1]), ext[3] = fmax(ext[3], lv->xy[2 * i + 1]);
    }
    if (ext[2] - ext[0] < 200) ext[0] -= 100, ext[2] += 100;
    if (ext[3] - ext[1] < 200) ext[1] -= 100, ext[3] += 100;
    return true;
}

static int app__hit(const app_live *lv, const app_pick_query *q)
{
    const app_ui_ctx *ui = q->ui;
    double eye[3];
    app_camera_eye(ui->cam, eye);
    float reach = (float)(lv->cfg->size_px * 0.5 + 4) * ui->scale;
    double best = reach * reach;
    int hit = -1;
    app_live_view v;
    app_live_view_get(lv, ui, &v);
    const app_live_list *l = &lv->data.list;
    if (!lv->cfg->traffic && l->valid && app_live_view_equal(&v, &l->view)) {
        /* The markers on screen, far to near: the nearest of equals wins. */
        for (int k = 0; k < l->count; k++) {
            const rn_marker *m = &l->items[k];
            double d2 = (m->x - q->px) * (m->x - q->px) + (m->y - q->py) * (m->y - q->py);
            if (d2 <= best) best = d2, hit = l->entity[k];
        }
        return hit;
    }
    for (int i = 0; lv->snap && i < lv->snap->entity_count; i++) {
        float hx, hy, gy, k;
        if (!app_markers_head(lv->world, ui, lv->xy[2 * i], lv->xy[2 * i + 1], eye, &hx, &hy, &gy,
                              &k))
            continue;
        if (lv->cfg->traffic) hy = gy; /* a road: its middle, on the ground */
        double d2 = (hx - q->px) * (hx - q->px) + (hy - q->py) * (hy - q->py);
        if (d2 <= best) best = d2, hit = i;
    }
    return hit;
}

static bool app__pick(void *self, const app_pick_query *q, app_pick_hit *out)
{
    app_live *lv = self;
    int i = app__hit(lv, q);
    if (i < 0) return false;
    const tw_obs_entity *e = &lv->snap->entities[i];
    json_object *a = json_object_new_object();
    json_object_object_add(a, "id", json_object_new_string(e->id ? e->id : ""));
    if (e->name) json_object_object_add(a, "name", json_object_new_string(e->name));
    const tw_obs_value *v = tw_obs_values(lv->snap, e);
    for (int k = 0; v && k < e->value_count; k++)
        json_object_object_add(a, v[k].name,
                               v[k].text ? json_object_new_string(v[k].text)
                                         : json_object_new_double(v[k].number));
    out->kind = lv->cfg->parking ? "parking" : lv->cfg->traffic ? "road" : "sensor";
    out->fid = i;
    out->attributes = a;
    lv->selected = i;
    app_world_claim_panel(lv->world, lv);
    return true;
}

static bool app__click(void *self, const app_pick_query *q)
{
    app_live *lv = self;
    int i = app__hit(lv, q);
    if (i < 0) return false;
    lv->selected = i;
    app_world_claim_panel(lv->world, lv);
    return true;
}

static void app__hover(void *self, const app_pick_query *q)
{
    app_live *lv = self;
    lv->hovered = app__hit(lv, q);
    lv->hover_on = true, lv->hover_dirty = false;
    app_live_view_get(lv, q->ui, &lv->hover_view);
    const char *id = lv->hovered >= 0 ? lv->snap->entities[lv->hovered].id : NULL;
    snprintf(lv->hover_id, sizeof lv->hover_id, "%s", id ? id : "");
}

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    app_live *lv = self;
    (void)ui;
    if (key != RN_KEY_ESCAPE || lv->selected < 0) return false;
    lv->selected = -1;
    return true;
}

static int app__reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    const app_live *lv = self;
    int n = 0;
    if (lv->cfg->traffic && lv->snap && max > n) app_live_traffic_legend_box(lv, ui, out[n++]);
    if (lv->cfg->band_count > 0 && lv->snap && max > n) app_live_bands_box(lv, ui, out[n++]);
    if (max > n && app_live_tip_box(lv, ui, out[n])) n++;
    if (!lv->snap || lv->selected < 0 || max <= n || !app_world_panel_mine(lv->world, lv)) return n;
    const tw_obs_entity *e = &lv->snap->entities[lv->selected];
    float panel[4], chart[4];
    app_markers_panel_box(ui, e->value_count + 2, panel);
    app_live_chart_box(lv, ui, panel, chart);
    out[n][0] = panel[0], out[n][1] = panel[1], out[n][2] = panel[2], out[n][3] = chart[3];
    return n + 1;
}

static void app__report_entry(const void *self, int info, json_object *entry)
{
    const app_live *lv = self;
    (void)info;
    double now = tw_time_wall_s();
    if (lv->snap && isfinite(lv->snap->newest_at))
        json_object_object_add(entry, "age_s", json_object_new_double(now - lv->snap->newest_at));
    char age[128]; /* the legend's data age, as drawn */
    app_live_age_text(lv, age, sizeof age);
    if (age[0]) json_object_object_add(entry, "legend_age", json_object_new_string(age));
    if (lv->last_ok_wall > 0) {
        char at[32];
        time_t t = (time_t)lv->last_ok_wall;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_object_add(entry, "last_success", json_object_new_string(at));
    }
    if (lv->snap) { /* what is shown, in one number: ids and values */
        uint64_t h = 1469598103934665603ull;
        for (int i = 0; i < lv->snap->entity_count; i++) {
            const tw_obs_entity *e = &lv->snap->entities[i];
            char item[400];
            snprintf(item, sizeof item, "%s=%.9g@%.1f,%.1f;", e->id ? e->id : "",
                     app__number(lv, e), lv->xy[2 * i], lv->xy[2 * i + 1]);
            for (const char *p = item; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
        }
        char hex[20];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
        json_object_object_add(entry, "digest", json_object_new_string(hex));
    }
    if (lv->alerts) {
        json_object *al = json_object_new_array();
        for (int i = 0; i < lv->alert_count; i++) {
            const tw_obs_entity *e = &lv->snap->entities[lv->alerts[i]];
            json_object *o = json_object_new_object();
            json_object_object_add(o, "id", json_object_new_string(e->id ? e->id : ""));
            if (e->name) json_object_object_add(o, "name", json_object_new_string(e->name));
            json_object_object_add(o, "value", json_object_new_double(app__number(lv, e)));
            const char *band = app_live_band_name(lv, lv->alerts[i]);
            if (band) json_object_object_add(o, "band", json_object_new_string(band));
            json_object_array_add(al, o);
        }
        json_object_object_add(entry, "alerts", al);
    }
    json_object_object_add(entry, "history_tracked",
                           json_object_new_int(app_live_hist_tracked(lv->hist)));
    if (lv->snap && lv->selected >= 0 && lv->selected < lv->snap->entity_count) {
        const tw_obs_entity *e = &lv->snap->entities[lv->selected];
        int cap = app_live_hist_cap(lv->hist);
        double *v = malloc(((size_t)cap + 1) * sizeof *v);
        int hn = v ? app_live_hist_get(lv->hist, e->id, NULL, v, cap) : 0;
        json_object *o = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(o, "id", json_object_new_string(e->id ? e->id : ""));
        for (int k = 0; k < hn; k++) json_object_array_add(arr, json_object_new_double(v[k]));
        json_object_object_add(o, "history", arr);
        json_object_object_add(o, "chart", json_object_new_boolean(true));
        json_object_object_add(entry, "selected", o);
        free(v);
    }
    if (lv->cfg->traffic) { /* segments drawn per TOPIS class */
        json_object *c = json_object_new_object();
        static const char *const names[APP_TRAFFIC_CLASSES] = {"free", "slow", "jam", "none"};
        for (int k = 0; k < APP_TRAFFIC_CLASSES; k++)
            json_object_object_add(c, names[k], json_object_new_int(lv->lines.segments[k]));
        json_object_object_add(entry, "speed_classes", c);
    }
    json_object_object_add(entry, "fetches", json_object_new_int64(lv->fetches));
    app_live_cost_report(&lv->cost, entry);
    json_object_object_add(entry, "not_modified", json_object_new_int64(lv->skipped_fetches));
    /* Snapshots made ready and shown (a newer one replaces one still waiting). */
    json_object_object_add(entry, "snapshots", json_object_new_int64((int64_t)lv->gen));
    json_object_object_add(entry, "format",
                           json_object_new_string(live_format_name(lv->cfg->format)));
    if (lv->error[0])
        json_object_object_add(entry, "last_error", json_object_new_string(lv->error));
}

static void app__report(const void *self, json_object *root)
{
    app_live_tip_report(self, root);
}

static void *app__parse_sensors(app_cfg *c, json_object *o)
{
    return app_live_parse(c, o, "sensors");
}

static void *app__parse_parking(app_cfg *c, json_object *o)
{
    return app_live_parse(c, o, "parking");
}

static void *app__parse_traffic(app_cfg *c, json_object *o)
{
    return app_live_parse(c, o, "traffic");
}

#define APP_LIVE_KIND(kname, parsefn)                                                              \
    {                                                                                              \
        .name = kname, .parse = parsefn, .cfg_free = app_live_cfg_free, .create = app__create,     \
        .destroy = app__destroy, .update = app__update, .draw = app__draw, .labels = app__labels,  \
        .extent = app__extent, .pick = app__pick, .click = app__click, .key = app__key,            \
        .hover = app__hover, .reserved = app__reserved, .report_entry = app__report_entry,         \
        .report = app__report,                                                                     \
    }

const app_layer_kind app_sensors_kind = APP_LIVE_KIND("sensors", app__parse_sensors);
const app_layer_kind app_parking_kind = APP_LIVE_KIND("parking", app__parse_parking);
const app_layer_kind app_traffic_kind = APP_LIVE_KIND("traffic", app__parse_traffic);
