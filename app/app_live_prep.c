/* Making a live snapshot ready off the main thread: a worker job (under the
 * layer's token) transforms the positions into the scene CRS, samples the
 * ground under them, works out each entity's value, colour, band and alert,
 * adds the values to the history rings and builds the marker list for the
 * view the main thread had when it asked; the main thread then only swaps
 * pointers and uploads that list (app_live_take). With 100,000 entities
 * this work held the frame 75-270 ms when it ran on the main thread.
 * One job per layer at a time; a snapshot arriving meanwhile waits, and a
 * newer one replaces it (the older is never shown). */
#define _GNU_SOURCE /* qsort_r: a comparison with a user pointer */
#include "app_live_int.h"

#include "app_live_reuse.h"
#include "app_markers.h"
#include "geo_crs.h"
#include "tw_log.h"
#include "tw_pace.h"
#include "tw_time.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct app__prep {
    app_live *lv; /* touched only on the main thread (done) */
    live_fetch_result *r;
    app_live_cfg cfg; /* a copy: scalars and bands only are read */
    geo_frame *frame;
    app_ground *ground;
    app_live_hist *hist;
    app_live_view view;
    bool want_list;
    double fallback_t;     /* the fetch's wall time, for entities without one */
    unsigned ground_gen;   /* of ground */
    app_live_reuse *reuse; /* the layer's, while the job has it */
    app_live_data d;
    char err[256];
    long arrived;           /* the main thread's frame when the result came */
    double cpu_ms, wall_ms; /* the worker's, for this snapshot */
} app__prep;

double app_live_number(bool parking, const tw_obs_snapshot *s, const tw_obs_entity *e)
{
    if (parking) {
        double fr, tot;
        return app_live_spaces(s, e, &fr, &tot) ? 1.0 - fr / tot : NAN;
    }
    const tw_obs_value *v = tw_obs_main(s, e);
    return v && !v->text ? v->number : NAN;
}

int app_live_band_of(const app_live_cfg *cfg, double v)
{
    if (cfg->band_count <= 0 || !isfinite(v)) return -1;
    for (int b = 0; b < cfg->band_count; b++)
        if (v <= cfg->bands[b].max) return b;
    return cfg->band_count - 1;
}

static rn_rgba app__color(const app_live_cfg *cfg, const app_live_data *d, int i, double v)
{
    const double *t = cfg->thresholds;
    if (!isfinite(v)) return (rn_rgba){150, 150, 150, 255};
    if (d->band[i] >= 0) return cfg->bands[d->band[i]].color;
    if (cfg->parking && !cfg->has_thresholds) /* room, nearly full, full */
        return v < 0.7   ? (rn_rgba){60, 190, 90, 255}
               : v < 0.9 ? (rn_rgba){245, 170, 40, 255}
                         : (rn_rgba){225, 60, 50, 255};
    if (cfg->has_thresholds)
        return v < t[0]   ? (rn_rgba){60, 190, 90, 255}
               : v < t[1] ? (rn_rgba){245, 170, 40, 255}
                          : (rn_rgba){225, 60, 50, 255};
    return app_markers_ramp(d->vmax > d->vmin ? (v - d->vmin) / (d->vmax - d->vmin) : 0.5);
}

void app_live_data_free(app_live_data *d)
{
    if (!d) return;
    if (d->shared) { /* the arrays go with the last holder */
        if (atomic_fetch_sub(d->shared, 1) > 1)
            d->xy = NULL, d->gz = NULL, d->color = NULL, d->alert = NULL;
        else
            free((void *)d->shared);
    }
    if (d->texts && d->snap)
        for (int i = 0; i < d->snap->entity_count; i++) free(d->texts[i]);
    tw_obs_free(d->snap);
    free(d->xy), free(d->gz), free(d->labels), free(d->texts), free(d->color);
    free(d->band), free(d->alert), free(d->alerts);
    app_live_list_free(&d->list);
    app_live_grid_free(&d->grid);
    for (int c = 0; c < APP_TRAFFIC_CLASSES; c++) tw_mesh_free(&d->lines[c]);
    memset(d, 0, sizeof *d);
}

static int app__far_first(const void *a, const void *b, void *user)
{
    const float *d = user;
    int ia = *(const int *)a, ib = *(const int *)b;
    return d[ia] < d[ib] ? 1 : d[ia] > d[ib] ? -1 : ia - ib;
}

void app_live_list_free(app_live_list *l)
{
    free(l->items), free(l->entity), free(l->image), free(l->over);
    memset(l, 0, sizeof *l);
}

/* Sprites drawn over the picture each frame at most (pulsing ones past
 * it are painted, still). */
#define APP_LIVE_OVER_MAX 4096

void app_live_list_build(app_live_list *out, const app_live_data *d, const app_live_cfg *cfg,
                         const app_ground *g, const app_live_view *v)
{
    int n = d->n;
    app_live_list_free(out);
    size_t n1 = (size_t)n + 1;
    rn_marker *items = malloc(n1 * sizeof *items);
    int *ent = malloc(n1 * sizeof *ent), *order = malloc(n1 * sizeof *order);
    int *list_ent = malloc(n1 * sizeof *list_ent);
    float *dist = malloc(n1 * sizeof *dist), *head = malloc(n1 * 4 * sizeof *head);
    rn_marker *over =
        malloc(((size_t)(n < APP_LIVE_OVER_MAX ? n : APP_LIVE_OVER_MAX) + 2) * sizeof *over);
    if (!items || !ent || !order || !list_ent || !dist || !head || !over) {
        free(items), free(ent), free(order), free(list_ent), free(dist), free(head), free(over);
        return;
    }
    app_ui_ctx ui = {.width = v->width, .height = v->height, .scale = v->scale, .cam = &v->cam};
    double eye[3];
    app_camera_eye(&v->cam, eye);
    bool gz_ok = d->gz && d->ground_gen == v->ground_gen;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if ((i & 4095) == 4095) tw_pace_point();
        float *h = &head[4 * m];
        double z = gz_ok ? d->gz[i] : NAN;
        if (!app_markers_head_at(g, v->exag, &ui, d->xy[2 * i], d->xy[2 * i + 1], z, eye, &h[0],
                                 &h[1], &h[2], &h[3]))
            continue;
        double dx = d->xy[2 * i] - eye[0], dy = d->xy[2 * i + 1] - eye[1];
        dist[m] = (float)(dx * dx + dy * dy);
        ent[m++] = i;
    }
    /* Far to near (ties: input order), as app_markers_order. */
    for (int k = 0; k < m; k++) order[k] = k;
    qsort_r(order, (size_t)m, sizeof *order, app__far_first, dist);
    float s = v->scale, size = (float)cfg->size_px;
    int over_n = 0;
    rn_marker *paint = malloc(((size_t)m + 1) * sizeof *paint);
    int paint_n = 0;
    tw_pace_point();
    for (int k = 0; k < m; k++) {
        if ((k & 8191) == 8191) tw_pace_point();
        int j = order[k], i = ent[j];
        const float *h = &head[4 * j];
        bool pulse = d->alert && d->alert[i];
        items[k] = (rn_marker){.x = h[0],
                               .y = h[1],
                               .ground_y = h[2],
                               .radius = size * 0.5f * s * h[3],
                               .rim = 1.5f * s * h[3],
                               .pulse = pulse ? 1.0f : 0.0f,
                               .fill = d->color[i],
                               .rim_color = {20, 28, 40, 220}};
        list_ent[k] = i;
        if (pulse && over_n < APP_LIVE_OVER_MAX)
            over[over_n++] = items[k];
        else if (paint)
            paint[paint_n++] = items[k];
    }
    tw_pace_point();
    /* Only the pixels the markers cover are painted (and uploaded). */
    const rn_marker *pl = paint ? paint : items;
    int pn = paint ? paint_n : m, box[4];
    uint8_t *image = NULL;
    if (rn_markers_bounds(pl, pn, 1.5f * s, v->width, v->height, box) &&
        (image = malloc((size_t)(box[2] - box[0]) * (size_t)(box[3] - box[1]) * 4)))
        rn_markers_paint(pl, pn, 1.5f * s, (rn_rgba){20, 28, 40, 220}, image, box[0], box[1],
                         box[2] - box[0], box[3] - box[1]);
    free(paint), free(order), free(ent), free(dist), free(head);
    *out = (app_live_list){.valid = true,
                           .view = *v,
                           .items = items,
                           .entity = list_ent,
                           .count = m,
                           .image = image,
                           .image_box = {box[0], box[1], box[2], box[3]},
                           .over = over,
                           .over_count = over_n};
}

/* ---- a list for a new view ---- */

typedef struct app__list_job {
    app_live *lv;
    app_live_data d; /* copies of what the list needs */
    app_live_cfg cfg;
    app_ground *ground;
    app_live_view view;
} app__list_job;

static void app__list_run(void *job, int worker)
{
    (void)worker;
    app__list_job *j = job;
    app_live_list_build(&j->d.list, &j->d, &j->cfg, j->ground, &j->view);
}

static void app__list_job_free(app__list_job *j)
{
    app_live_data_free(&j->d);
    if (j->ground) app_ground_release(j->ground);
    free(j);
}

static void app__list_job_release(void *j)
{
    app__list_job_free(j);
}

static void app__list_free(void *l)
{
    app_live_list_free(l);
    free(l);
}

static void app__list_done(void *job, tw_result status)
{
    app__list_job *j = job;
    if (status == TW_OK) {
        app_live *lv = j->lv;
        app_live_cost_begin(&lv->cost);
        lv->list_busy = false;
        if (j->d.gen == lv->data.gen && j->d.list.valid) { /* still the data shown */
            app_live_list *old = malloc(sizeof *old);
            if (old) {
                *old = lv->data.list;
                app_live_bg_release(old, app__list_free); /* 100,000 markers' blocks */
            } else {
                app_live_list_free(&lv->data.list);
            }
            lv->data.list = j->d.list;
            memset(&j->d.list, 0, sizeof j->d.list);
            lv->gpu_dirty = true;
        }
        /* The ground's reference is dropped here, the copies there. */
        if (j->ground) app_ground_release(j->ground);
        j->ground = NULL;
        app_live_bg_release(j, app__list_job_release);
        app_live_cost_end(&lv->cost, APP_LIVE_COST_INSTALL);
        return;
    }
    app__list_job_free(j);
}

/* The job reads d's arrays where they are (they are never written once
 * made): shared, not copied (2.5 MB at 100,000 entities, on the main
 * thread, at every view change). */
static bool app__share(app_live_data *d, app_live_data *out)
{
    if (!d->shared) {
        if (!(d->shared = malloc(sizeof *d->shared))) return false;
        atomic_init(d->shared, 1);
    }
    atomic_fetch_add(d->shared, 1);
    out->shared = d->shared;
    out->xy = d->xy, out->gz = d->gz, out->color = d->color, out->alert = d->alert;
    return true;
}

void app_live_list_submit(app_live *lv, const app_live_view *v)
{
    app_live_data *d = &lv->data;
    app__list_job *j = calloc(1, sizeof *j);
    if (!j) return;
    j->lv = lv, j->cfg = *lv->cfg, j->view = *v;
    j->d.n = d->n, j->d.gen = d->gen, j->d.ground_gen = d->ground_gen;
    if (!app__share(d, &j->d)) {
        free(j);
        return;
    }
    j->ground = app_world_ground_ref(lv->world);
    if (!j->d.xy || !j->d.color ||
        !app_live_bg_submit(lv->layer, j, app__list_run, app__list_done)) {
        app__list_job_free(j);
        return;
    }
    lv->list_busy = true;
}

/* ---- the job ---- */

static geo_xform *app__xform(app__prep *p, const char *crs)
{
    geo_xform *xf = NULL;
    char err[256] = "";
    if (!crs || strstr(crs, "CRS84") || strcmp(crs, "EPSG:4326") == 0) {
        if (geo_xform_create_lonlat(p->frame, &xf, err, sizeof err) != TW_OK) xf = NULL;
    } else {
        OGRSpatialReferenceH srs = NULL;
        tw_result r = geo_srs_from_text(crs, &srs, err, sizeof err);
        if (r == TW_OK) r = geo_xform_create(p->frame, srs, 0, &xf, err, sizeof err);
        if (srs) OSRDestroySpatialReference(srs);
        if (r != TW_OK) xf = NULL;
    }
    if (!xf)
        snprintf(p->err, sizeof p->err, "the feed's CRS %.60s: %.150s", crs ? crs : "CRS84", err);
    return xf;
}

typedef struct app__xy_user {
    app__prep *p;
    geo_xform *xf; /* made at the first call */
    bool tried;
} app__xy_user;

static bool app__xy(void *user, size_t n, double *x, double *y)
{
    app__xy_user *u = user;
    if (!u->tried) u->xf = app__xform(u->p, u->p->r->snap->crs), u->tried = true;
    if (!u->xf) return false;
    geo_xform_to_scene(u->xf, n, x, y, NULL);
    return true;
}

static float app__z(void *user, double x, double y)
{
    const app__xy_user *u = user;
    double z = 0;
    if (u->p->ground) app_ground_sample(u->p->ground, x, y, &z);
    return (float)z;
}

static double app__thread_cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void app__prepare(app__prep *p);

static void app__run(void *job, int worker)
{
    (void)worker;
    app__prep *p = job;
    double cpu0 = app__thread_cpu_s(), wall0 = tw_time_mono_s();
    app__prepare(p);
    p->cpu_ms = (app__thread_cpu_s() - cpu0) * 1000, p->wall_ms = (tw_time_mono_s() - wall0) * 1000;
}

static void app__prepare(app__prep *p)
{
    tw_obs_snapshot *s = p->r->snap;
    app_live_data *d = &p->d;
    int n = s->entity_count;
    size_t n1 = (size_t)n + 1;
    d->xy = malloc(n1 * 2 * sizeof *d->xy);
    d->gz = malloc(n1 * sizeof *d->gz);
    d->texts = calloc(n1, sizeof *d->texts);
    d->labels = calloc(n1, sizeof *d->labels);
    d->color = malloc(n1 * sizeof *d->color);
    d->band = malloc(n1 * sizeof *d->band);
    d->alert = calloc(n1, sizeof *d->alert);
    d->alerts = malloc(n1 * sizeof *d->alerts);
    double *x = malloc(n1 * sizeof *x), *y = malloc(n1 * sizeof *y);
    double *rx = malloc(n1 * sizeof *rx), *ry = malloc(n1 * sizeof *ry);
    if (!d->xy || !d->gz || !d->texts || !d->labels || !d->color || !d->band || !d->alert ||
        !d->alerts || !x || !y || !rx || !ry) {
        free(x), free(y), free(rx), free(ry);
        app_live_data_free(d);
        snprintf(p->err, sizeof p->err, "out of memory for %d entities", n);
        return;
    }
    for (int i = 0; i < n; i++) rx[i] = s->entities[i].x, ry[i] = s->entities[i].y;
    /* Positions and ground heights of the last snapshot are kept where the
     * position is the same (app_live_reuse.h): the transform is made only
     * when some position is new. */
    app__xy_user u = {.p = p};
    app_live_reuse_key key = {.crs = s->crs,
                              .frame = p->frame,
                              .ground_gen = p->ground_gen,
                              .has_ground = p->ground != NULL};
    if (getenv("CITYTWIN_LIVE_NO_REUSE")) { /* comparisons: every position afresh */
        app_live_reuse_free(p->reuse);
        p->reuse = NULL;
    }
    app_live_reuse_positions(&p->reuse, &key, (size_t)n, rx, ry, x, y, d->gz, app__xy, app__z, &u);
    tw_pace_point();
    free(rx), free(ry);
    /* Positions that did not transform (out of the CRS's range, or no
     * usable CRS) are not drawn: dropped and counted. */
    int kept = 0;
    for (int i = 0; i < n; i++) {
        bool ok = isfinite(x[i]) && isfinite(y[i]) && fabs(x[i]) < 1e8 && fabs(y[i]) < 1e8;
        if (!ok) {
            d->bad++;
            continue;
        }
        if (kept != i) s->entities[kept] = s->entities[i];
        d->xy[2 * kept] = x[kept] = x[i], d->xy[2 * kept + 1] = y[kept] = y[i];
        d->gz[kept] = d->gz[i];
        kept++;
    }
    free(x), free(y);
    s->entity_count = n = d->n = kept;
    s->skipped[TW_OBS_SKIP_BAD_GEOMETRY] += d->bad;
    d->snap = s, p->r->snap = NULL;
    d->ground_gen = p->ground_gen;
    d->vmin = INFINITY, d->vmax = -INFINITY;
    const app_live_cfg *cfg = &p->cfg;
    bool sensors = !cfg->parking && !cfg->traffic;
    tw_pace_point();
    for (int i = 0; i < n; i++) {
        d->labels[i] = (geo_label){.x = d->xy[2 * i], .y = d->xy[2 * i + 1]};
        double v = app_live_number(cfg->parking, s, &s->entities[i]);
        if (isfinite(v)) d->vmin = fmin(d->vmin, v), d->vmax = fmax(d->vmax, v);
    }
    for (int i = 0; i < n; i++) {
        if ((i & 4095) == 4095) tw_pace_point();
        const tw_obs_entity *e = &s->entities[i];
        double v = app_live_number(cfg->parking, s, e);
        int b = sensors ? app_live_band_of(cfg, v) : -1;
        d->band[i] = (signed char)b;
        d->color[i] = app__color(cfg, d, i, v);
        bool alert =
            sensors && isfinite(v) &&
            (b >= 0 ? cfg->bands[b].alert : cfg->has_thresholds && v >= cfg->thresholds[1]);
        if (alert) d->alert[i] = 1, d->alerts[d->alert_count++] = i;
        double t = isfinite(e->observed_at) ? e->observed_at
                   : isfinite(s->newest_at) ? s->newest_at
                                            : p->fallback_t;
        app_live_hist_add(p->hist, e->id, t, v);
    }
    /* What the main thread would otherwise look for among every entity:
     * the cells for labels near the eye and the extent, the hovered id. */
    tw_pace_point();
    app_live_grid_build(&d->grid, d->xy, n);
    tw_pace_point();
    d->hover_at = -1;
    for (int i = 0; d->hover_id[0] && i < n; i++)
        if (s->entities[i].id && strcmp(s->entities[i].id, d->hover_id) == 0) {
            d->hover_at = i;
            break;
        }
    tw_pace_point();
    if (p->want_list && !cfg->traffic) app_live_list_build(&d->list, d, cfg, p->ground, &p->view);
    /* Traffic: the road segments' meshes here too (the main thread only
     * uploads them); the same transform as the positions'. */
    if (cfg->traffic) {
        if (!u.tried) u.xf = app__xform(p, s->crs), u.tried = true;
        app_live_traffic_build(d, cfg, u.xf);
    }
    if (u.xf) geo_xform_destroy(u.xf);
}

static void app__free_job(app__prep *p)
{
    app_live_data_free(&p->d);
    if (p->r) live_fetch_result_free(p->r);
    if (p->frame) geo_frame_destroy(p->frame);
    if (p->ground) app_ground_release(p->ground);
    app_live_hist_free(p->hist);
    app_live_reuse_free(p->reuse);
    free(p);
}

static void app__submit(app_live *lv, live_fetch_result *r, long arrived);

static void app__result_release(void *r)
{
    live_fetch_result_free(r);
}

static void app__done(void *job, tw_result status)
{
    app__prep *p = job;
    if (status != TW_OK) { /* the layer is gone */
        app__free_job(p);
        return;
    }
    app_live *lv = p->lv;
    app_live_cost_begin(&lv->cost);
    lv->prep_busy = false;
    app_live_reuse_free(lv->reuse); /* none: it was the job's */
    lv->reuse = p->reuse, p->reuse = NULL;
    if (p->err[0]) { /* logged once while it stays the same */
        if (strcmp(lv->prep_warned, p->err) != 0)
            TW_WARN(lv->cfg->kind, "%s: %s", lv->info.name, p->err);
        snprintf(lv->prep_warned, sizeof lv->prep_warned, "%s", p->err);
        snprintf(lv->error, sizeof lv->error, "%s", p->err);
    }
    if (p->d.snap) {
        app_live_take(lv, &p->d);
        app_live_cost_prep(&lv->cost, p->cpu_ms, p->wall_ms, lv->frame_no - p->arrived);
    }
    app__free_job(p);
    if (lv->prep_next) {
        live_fetch_result *next = lv->prep_next;
        lv->prep_next = NULL;
        app__submit(lv, next, lv->prep_next_arrived);
    }
    app_live_cost_end(&lv->cost, APP_LIVE_COST_INSTALL);
}

static void app__submit(app_live *lv, live_fetch_result *r, long arrived)
{
    app__prep *p = calloc(1, sizeof *p);
    if (!p) {
        live_fetch_result_free(r);
        return;
    }
    p->lv = lv, p->r = r, p->cfg = *lv->cfg, p->arrived = arrived;
    p->frame = geo_frame_ref(lv->world->frame);
    p->ground_gen = lv->world->ground_gen;
    p->ground = app_world_ground_ref(lv->world);
    p->hist = app_live_hist_ref(lv->hist);
    p->fallback_t = r->wall_at;
    p->reuse = lv->reuse, lv->reuse = NULL;
    if (lv->hovered >= 0) snprintf(p->d.hover_id, sizeof p->d.hover_id, "%s", lv->hover_id);
    /* The list for the view of the last frame drawn (none yet: built then). */
    p->view = lv->drawn_view;
    p->want_list = lv->drawn_view.width > 0;
    if (!app_live_bg_submit(lv->layer, p, app__run, app__done)) {
        p->lv = NULL;
        app__free_job(p);
        return;
    }
    lv->prep_busy = true;
}

void app_live_prep_submit(app_live *lv, live_fetch_result *r)
{
    lv->cost.fetched++;
    if (!lv->prep_busy) {
        app__submit(lv, r, lv->frame_no);
        return;
    }
    /* A newer one came: the one waiting is dropped, its 100,000 entities
     * freed on the live layers' thread. */
    if (lv->prep_next) {
        app_live_bg_release(lv->prep_next, app__result_release);
        lv->cost.dropped++;
    }
    lv->prep_next = r, lv->prep_next_arrived = lv->frame_no;
}
