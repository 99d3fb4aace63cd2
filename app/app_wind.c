/* The wind layer: solves on workers (app_wind_solve), particles on the GPU
 * (render/rn_particles), the legend and the report here.
 *
 * Each preset field (and a station's wind) is a slot, solved over the scene
 * when the ground or the obstacles change (a new solve replaces the old one
 * when it arrives; the frame never waits). The slot in view also gets a
 * fine grid nested over the district the camera looks at, solved again
 * when the view moves on. C steps to the next slot with a crossfade. */
#include "app_wind.h"
#include "app_wind_advect.h"

#include "app_wind_cfg.h"
#include "app_wind_solve.h"
#include "live_fetch.h"
#include "rn_particles.h"
#include "rn_ui.h"
#include "tw_file.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_wind_int.h"

static unsigned app__gen(const app_world *w)
{
    app_world_obstacles_settle(w);
    return w->ground_gen * 65599u + w->obstacles_gen;
}

static app_wind_solve_job *app__job(app_wind *p, int slot)
{
    app_wind_solve_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    const app_wind_cfg *c = p->cfg;
    j->layer = p->layer;
    j->frame = geo_frame_ref(p->world->frame);
    j->ground = app_world_ground_ref(p->world);
    j->obstacle_count = app_world_obstacles_ref(p->world, j->obstacles, APP_WORLD_OBSTACLES);
    if (slot < c->field_count) {
        const app_wind_field_cfg *f = &c->fields[slot];
        j->path = strdup(f->path);
        j->format = f->format ? strdup(f->format) : NULL;
        j->u_band = c->u_band ? strdup(c->u_band) : NULL;
        j->v_band = c->v_band ? strdup(c->v_band) : NULL;
    } else {
        j->station_speed = p->live ? p->live_speed : c->station_speed;
        j->station_dir = p->live ? p->live_dir : c->station_dir;
        p->slots[slot].live_gen = p->live_gen;
    }
    memcpy(j->area, p->area, sizeof j->area);
    j->res_m = c->resolution_m;
    j->height_m = c->height_m;
    j->levels = (int)c->levels;
    j->slot = slot;
    j->gen = app__gen(p->world);
    return j;
}

/* The district in view, for a fine grid; false when the view is too wide
 * for one to show. */
static bool app__fine_area(const app_wind *p, double a[4], double center[2])
{
    const app_wind_cfg *c = p->cfg;
    if (c->fine_m <= 0 || !p->has_cam || p->cam.distance > c->fine_size_m * 2.5) return false;
    double h = 0.5 * c->fine_size_m;
    center[0] = p->cam.target[0], center[1] = p->cam.target[1];
    a[0] = center[0] - h, a[1] = center[1] - h, a[2] = center[0] + h, a[3] = center[1] + h;
    return true;
}

static void app__done(void *job, tw_result status);

/* The district grids of a field, forgotten when its coarse solution is
 * replaced (they were nested in the old one). */
static void app__fine_clear(app__slot *s)
{
    for (int i = 0; i < APP__FINE_KEEP; i++) app_wind_plane_free(&s->cache[i].plane);
    memset(s->cache, 0, sizeof s->cache);
    memset(&s->fine, 0, sizeof s->fine);
}

/* Keeps a new district grid (in place of the one least recently shown)
 * and shows it. */
static void app__fine_put(app__slot *s, const double center[2], app_wind_plane *plane)
{
    int k = 0;
    for (int i = 1; i < APP__FINE_KEEP; i++)
        if (s->cache[i].used < s->cache[k].used) k = i;
    app_wind_plane_free(&s->cache[k].plane);
    s->cache[k].plane = *plane;
    plane->cells = NULL;
    memcpy(s->cache[k].center, center, sizeof s->cache[k].center);
    s->cache[k].used = ++s->uses;
    s->fine = s->cache[k].plane;
    memcpy(s->fine_center, center, sizeof s->fine_center);
    s->dirty = true;
}

/* A kept district grid near c, shown again; false when none is. */
static bool app__fine_get(app__slot *s, const double c[2], double near_m)
{
    for (int i = 0; i < APP__FINE_KEEP; i++) {
        if (!s->cache[i].plane.cells ||
            hypot(c[0] - s->cache[i].center[0], c[1] - s->cache[i].center[1]) >= near_m)
            continue;
        s->cache[i].used = ++s->uses;
        if (s->fine.cells != s->cache[i].plane.cells) {
            s->fine = s->cache[i].plane;
            memcpy(s->fine_center, s->cache[i].center, sizeof s->fine_center);
            s->dirty = true;
        }
        return true;
    }
    return false;
}

static void app__submit(app_wind *p, app_wind_solve_job *j)
{
    if (!j) return;
    if (app_layer_submit(p->layer, j, app_wind_solve_run, app__done, 600))
        p->jobs++;
    else
        app_wind_solve_job_free(j);
}

static void app__submit_all(app_wind *p)
{
    p->gen = app__gen(p->world);
    p->gen_set = true;
    for (int s = 0; s < p->slot_count; s++) {
        if (p->live && !p->live_has && s == p->cfg->field_count) continue; /* no values yet */
        app_wind_solve_job *j = app__job(p, s);
        if (!j) continue;
        double c[2];
        if (s == p->cur && app__fine_area(p, j->fine_area, c)) {
            j->fine_m = p->cfg->fine_m;
            memcpy(j->fine_center, c, sizeof c);
            memcpy(p->slots[s].fine_center, c, sizeof c);
            p->slots[s].fine_pending = true;
        }
        p->slots[s].pending = true;
        app__submit(p, j);
    }
}

static void app__submit_fine(app_wind *p)
{
    app__slot *s = &p->slots[p->cur];
    double a[4], c[2];
    if (!s->coarse || s->fine_pending || s->pending || !app__fine_area(p, a, c)) return;
    double near_m = p->cfg->fine_size_m * 0.25;
    if (s->fine.cells && hypot(c[0] - s->fine_center[0], c[1] - s->fine_center[1]) < near_m) return;
    if (app__fine_get(s, c, near_m)) return;
    app_wind_solve_job *j = app__job(p, p->cur);
    if (!j) return;
    memcpy(j->fine_area, a, sizeof a);
    memcpy(j->fine_center, c, sizeof c);
    j->fine_m = p->cfg->fine_m;
    j->coarse_in = app_wind_coarse_ref(s->coarse);
    memcpy(s->fine_center, c, sizeof c);
    s->fine_pending = true;
    app__submit(p, j);
}

static void app__take_plane(app_wind_plane *dst, app_wind_plane *src)
{
    if (!src->cells) return;
    app_wind_plane_free(dst);
    *dst = *src;
    src->cells = NULL;
}

static void app__done(void *job, tw_result status)
{
    app_wind_solve_job *j = job;
    if (status != TW_OK) {
        app_wind_solve_job_free(j); /* the layer is gone */
        return;
    }
    app_wind *p = j->layer->self;
    p->jobs--;
    app__slot *s = &p->slots[j->slot];
    double now = tw_time_mono_s();
    bool fine_only = j->coarse_in != NULL;
    if (!fine_only) s->pending = false;
    if (j->fine_m > 0) s->fine_pending = false;
    if (j->status != TW_OK && (fine_only || (j->coarse && j->plane.cells))) {
        /* the coarse field stands; the district keeps the coarse flow */
        TW_WARN("wind", "%s: %s", p->info.source, j->err);
    } else if (j->status != TW_OK) {
        s->failed = true;
        snprintf(s->err, sizeof s->err, "%s", j->err);
        if (j->slot == 0 || p->info.status == APP_LAYER_LOADING) {
            bool any = false;
            for (int i = 0; i < p->slot_count; i++) any = any || p->slots[i].ready;
            if (!any) app_layer_info_fail(&p->info, now, "%s", j->err);
        }
        if (p->info.status != APP_LAYER_ERROR)
            snprintf(p->info.warning, sizeof p->info.warning, "%.250s", j->err);
    }
    if (!fine_only && j->plane.cells) {
        app__take_plane(&s->plane, &j->plane);
        app__fine_clear(s);
        app_wind_coarse_release(s->coarse);
        s->coarse = j->coarse;
        j->coarse = NULL;
        snprintf(s->time, sizeof s->time, "%s", j->time);
        snprintf(s->source, sizeof s->source, "%s", j->source);
        snprintf(s->format, sizeof s->format, "%s", j->format_out);
        s->resolution_deg = j->resolution_deg;
        s->has_center = j->has_center;
        s->center_u = j->center_u, s->center_v = j->center_v;
        s->ready = true;
        s->failed = false;
        s->dirty = true;
        if (!s->label[0]) snprintf(s->label, sizeof s->label, "%s", s->time[0] ? s->time : "?");
        /* Until the first picture, the first field that is ready is shown
         * (the order of the scene file, not of the workers). */
        if (!p->gpu)
            for (int i = 0; i < p->slot_count; i++)
                if (p->slots[i].ready) {
                    p->cur = p->prev = i;
                    break;
                }
        if (p->info.status == APP_LAYER_LOADING || p->info.status == APP_LAYER_ERROR)
            app_layer_info_ok(&p->info, now, (long)s->plane.nx * s->plane.ny);
    }
    /* a district grid nested in the solution shown now (not an older one) */
    if (j->fine.cells && (!fine_only || j->coarse_in == s->coarse))
        app__fine_put(s, j->fine_center, &j->fine);
    app_wind_solve_job_free(j);
}

/* ---- a live station ---- */

static bool app__wind_values(const tw_obs_snapshot *s, const tw_obs_entity *e, double *speed,
                             double *dir)
{
    const tw_obs_value *v = tw_obs_values(s, e);
    bool hs = false, hd = false;
    for (int i = 0; v && i < e->value_count; i++) {
        if (!v[i].name || v[i].text || !isfinite(v[i].number)) continue;
        if (!strcmp(v[i].name, "windSpeed")) *speed = v[i].number, hs = true;
        if (!strcmp(v[i].name, "windDirection")) *dir = v[i].number, hd = true;
    }
    return hs && hd && *speed >= 0 && *speed < 150;
}

/* A station feed that failed or said nothing useful: the layer's error
 * while the station is all it has, else a warning (logged once a change). */
static void app__live_fail(app_wind *p, const char *what)
{
    const char *url = p->cfg->station_url;
    if (!p->live_has && p->slot_count == 1 && p->info.status != APP_LAYER_ERROR) {
        app_layer_info_fail(&p->info, tw_time_mono_s(), "%s: %s", url, what);
    } else if (strcmp(p->live_err, what)) {
        TW_WARN("wind", "%s: %s", url, what);
    }
    snprintf(p->live_err, sizeof p->live_err, "%s", what);
    if (p->info.status != APP_LAYER_ERROR)
        snprintf(p->info.warning, sizeof p->info.warning, "station %.120s: %.120s", url, what);
}

static void app__on_live(void *job, tw_result status)
{
    live_fetch_result *r = job;
    if (status != TW_OK) { /* the layer is gone */
        live_fetch_result_free(r);
        return;
    }
    app_wind *p = r->user;
    const app_wind_cfg *c = p->cfg;
    if (!r->success) {
        app__live_fail(p, r->error);
    } else if (r->snap) {
        const tw_obs_snapshot *s = r->snap;
        double speed = 0, dir = 0;
        const tw_obs_entity *hit = NULL;
        for (int i = 0; i < s->entity_count && !hit; i++) {
            const tw_obs_entity *e = &s->entities[i];
            if (c->station_entity && (!e->id || strcmp(e->id, c->station_entity))) continue;
            if (app__wind_values(s, e, &speed, &dir)) hit = e;
        }
        if (!hit) {
            app__live_fail(p, c->station_entity ? "that entity has no windSpeed and windDirection"
                                                : "no entity with windSpeed and windDirection");
        } else {
            if (!p->live_has || fabs(speed - p->live_speed) > 0.05 || fabs(dir - p->live_dir) > 0.5)
                p->live_gen++;
            p->live_has = true;
            p->live_speed = speed, p->live_dir = dir;
            p->live_at = hit->observed_at;
            if (isfinite(hit->observed_at)) p->info.data_time = hit->observed_at;
            if (!strncmp(p->info.warning, "station ", 8)) p->info.warning[0] = 0;
            p->live_err[0] = 0;
            app__slot *st = &p->slots[c->field_count];
            snprintf(st->label, sizeof st->label, "station %.60s: %.1f m/s from %.0f°",
                     hit->name ? hit->name : (hit->id ? hit->id : "?"), speed, dir);
        }
    }
    live_fetch_result_free(r);
}

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_wind_cfg *cfg = cfgp;
    app_wind *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->cfg = cfg;
    p->world = w;
    p->layer = l;
    p->t0 = tw_time_mono_s();
    p->seed = cfg->has_seed ? (uint32_t)cfg->seed : w->seed;
    const char *src = cfg->field_count ? cfg->fields[0].path : "station";
    app_layer_info_begin(&p->info, "wind", cfg->name ? cfg->name : "wind", src, cfg->attribution,
                         p->t0);
    app_layer_add_info(l, &p->info);
    for (int i = 0; i < cfg->field_count; i++)
        snprintf(p->slots[i].label, sizeof p->slots[i].label, "%s",
                 cfg->fields[i].label ? cfg->fields[i].label : "");
    p->slot_count = cfg->field_count;
    if (cfg->has_station) {
        snprintf(p->slots[p->slot_count].label, sizeof p->slots[0].label,
                 "station %.1f m/s from %.0f°", cfg->station_speed, cfg->station_dir);
        p->slot_count++;
    }
    if (cfg->has_area) {
        memcpy(p->area, cfg->area, sizeof p->area);
        p->has_area = true;
    }
    if (cfg->station_url) {
        p->live = true;
        snprintf(p->slots[p->slot_count - 1].label, sizeof p->slots[0].label,
                 "station (waiting for %.100s)", cfg->station_url);
        live_feed_desc d = {.url = cfg->station_url,
                            .label = cfg->station_url,
                            .format = (live_format)cfg->station_format,
                            .poll_s = cfg->station_poll_s,
                            .pool = w->pool,
                            .token = l->token,
                            .done = app__on_live,
                            .user = p};
        tw_result r = live_fetch_add(&d, &p->feed);
        if (r != TW_OK) app__live_fail(p, tw_result_str(r));
    }
    return p;
}

static void app__destroy(void *self)
{
    app_wind *p = self;
    if (p->live) live_fetch_remove(p->feed); /* late results: the token is cancelled */
    rn_particles_destroy(p->gpu);
    for (int i = 0; i < p->slot_count; i++) {
        app_wind_plane_free(&p->slots[i].plane);
        app__fine_clear(&p->slots[i]);
        app_wind_coarse_release(p->slots[i].coarse);
    }
    free(p);
}

/* The scene's area: the terrain's, else the camera's surroundings. */
static bool app__area(app_wind *p, double now)
{
    if (p->has_area) return true;
    const tw_heightfield *hf = p->world->ground ? app_ground_heightfield(p->world->ground) : NULL;
    if (hf && hf->nx > 1 && hf->ny > 1) {
        p->area[0] = hf->x0, p->area[1] = hf->y0;
        p->area[2] = hf->x0 + (hf->nx - 1) * hf->dx, p->area[3] = hf->y0 + (hf->ny - 1) * hf->dy;
        return p->has_area = true;
    }
    if (now - p->t0 < APP__WAIT_AREA || !p->has_cam) return false;
    double h = fmax(4000, p->cam.distance);
    p->area[0] = p->cam.target[0] - h, p->area[1] = p->cam.target[1] - h;
    p->area[2] = p->cam.target[0] + h, p->area[3] = p->cam.target[1] + h;
    return p->has_area = true;
}

static void app__update(void *self, const app_update_ctx *u)
{
    app_wind *p = self;
    p->now = u->now;
    p->cam = *u->cam;
    p->has_cam = true;
    if (!app__area(p, tw_time_mono_s())) return;
    if ((!p->gen_set || p->gen != app__gen(p->world)) && p->jobs == 0) {
        app__submit_all(p);
    } else if (p->live && p->live_has && p->gen_set) {
        /* new station values: that preset alone is solved again */
        int k = p->cfg->field_count;
        app__slot *st = &p->slots[k];
        if (st->live_gen != p->live_gen && !st->pending) {
            app_wind_solve_job *j = app__job(p, k);
            double c[2];
            if (j && k == p->cur && app__fine_area(p, j->fine_area, c)) {
                j->fine_m = p->cfg->fine_m;
                memcpy(j->fine_center, c, sizeof c);
                st->fine_pending = true;
            }
            st->pending = j != NULL;
            app__submit(p, j);
        }
    }
    if (p->cfg->fine_m > 0) app__submit_fine(p);
}

/* ---- GPU ---- */

static void app__rect(const app_wind *p, double grow, float out[4])
{
    double h = p->cam.distance * (0.9 + p->cam.tilt / 45.0) * grow;
    double r[4] = {p->cam.target[0] - h, p->cam.target[1] - h, p->cam.target[0] + h,
                   p->cam.target[1] + h};
    const app_wind_plane *g = &p->slots[p->cur].plane;
    double a[4] = {g->x0, g->y0, g->x0 + g->nx * g->dx, g->y0 + g->ny * g->dy};
    for (int i = 0; i < 2; i++) r[i] = fmax(r[i], a[i]), r[i + 2] = fmin(r[i + 2], a[i + 2]);
    if (r[2] <= r[0] || r[3] <= r[1]) memcpy(r, a, sizeof r);
    for (int i = 0; i < 4; i++) out[i] = (float)r[i];
}

static void app__upload(app_wind *p)
{
    for (int i = 0; i < p->slot_count; i++) {
        app__slot *s = &p->slots[i];
        if (!s->dirty || !s->plane.cells) continue;
        s->dirty = false;
        rn_wind_grid c = {.nx = s->plane.nx,
                          .ny = s->plane.ny,
                          .x0 = s->plane.x0,
                          .y0 = s->plane.y0,
                          .dx = s->plane.dx,
                          .dy = s->plane.dy,
                          .cells = s->plane.cells};
        rn_wind_grid f = {.nx = s->fine.nx,
                          .ny = s->fine.ny,
                          .x0 = s->fine.x0,
                          .y0 = s->fine.y0,
                          .dx = s->fine.dx,
                          .dy = s->fine.dy,
                          .cells = s->fine.cells};
        if (!rn_particles_set_field(p->gpu, i, &c, s->fine.cells ? &f : NULL))
            TW_WARN("wind", "%s: cannot upload the wind field to the GPU", p->info.source);
        if (p->world->deterministic) p->warm_steps = 0; /* start the picture over */
    }
}

static void app__step(app_wind *p, int steps)
{
    double mix = p->prev == p->cur ? 0 : app_wind_fade(p->now, p->fade_t0, APP__FADE_S);
    if (mix >= 1) p->prev = p->cur, mix = 0;
    rn_particles_step_desc s = {.slot_a = p->prev == p->cur ? p->cur : p->prev,
                                .slot_b = p->cur,
                                .mix = (float)mix,
                                .seed = p->seed,
                                .life_min = (int)fmax(30, p->cfg->trail * 2),
                                .life_range = (int)p->cfg->trail * 3};
    /* speed_scale 1: air at 5 m/s crosses about a fifth of the view a second */
    p->dt_scale = APP__STEP_S * p->cfg->speed_scale * fmax(p->cam.distance, 50) / 50.0;
    s.dt_scale = (float)p->dt_scale;
    app__rect(p, 1.0, s.spawn);
    app__rect(p, 1.3, s.keep);
    for (int i = 0; i < steps; i++) rn_particles_step(p->gpu, &s);
}

static void app__gpu(app_wind *p, const app_draw_ctx *d)
{
    if (!p->gpu && !p->gpu_failed) {
        const app_wind_plane *g = &p->slots[p->cur].plane;
        p->gpu = rn_particles_create(
            &(rn_particles_desc){.count = (int)p->cfg->particles, .trail = (int)p->cfg->trail},
            g->x0, g->y0, p->gpu_err, sizeof p->gpu_err);
        if (!p->gpu) {
            p->gpu_failed = true;
            app_layer_info_fail(&p->info, tw_time_mono_s(), "%s", p->gpu_err);
            return;
        }
        p->last_draw = p->now;
    }
    app__upload(p);
    int steps;
    if (p->world->deterministic) {
        /* a fixed number of fixed steps, then the picture holds still */
        long want = (long)p->cfg->trail + 8;
        steps = (int)(want - p->warm_steps);
        if (steps > 0 && p->warm_steps == 0) rn_particles_reset(p->gpu);
    } else {
        p->acc += fmin(p->now - p->last_draw, 0.25);
        steps = (int)(p->acc / APP__STEP_S);
        if (steps > 4) steps = 4;
        p->acc = fmax(0, p->acc - steps * APP__STEP_S);
    }
    p->last_draw = p->now;
    if (steps > 0) {
        if (p->world->deterministic && p->warm_steps + steps > 1) {
            app__step(p, steps - 1);
            p->probes = rn_particles_read(p->gpu, APP__PROBES, &p->probe_prev[0][0]);
            app__step(p, 1);
            rn_particles_read(p->gpu, APP__PROBES, &p->probe[0][0]);
        } else {
            app__step(p, steps);
        }
        p->warm_steps += steps;
    }
    float lo, hi;
    app_wind_ramp(&p->slots[p->cur].plane, &lo, &hi);
    rn_particles_draw(p->gpu, d->view, d->drape,
                      &(rn_particles_draw_desc){.height_m = (float)p->cfg->height_m,
                                                .speed_min = lo,
                                                .speed_max = hi,
                                                .opacity = d->opacity});
}

/* ---- legend ---- */

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_wind *p = self;
    if (!p->slots[p->cur].ready || p->info.status == APP_LAYER_ERROR) return;
    if (pass == APP_PASS_TRANSLUCENT) app__gpu(p, d);
    if (pass == APP_PASS_OVERLAY && p->gpu) app_wind_legend(p, d->ui);
}

static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    app_wind *p = self;
    (void)ui;
    if (key != 'C' || p->slot_count < 2) return false;
    for (int i = 1; i < p->slot_count; i++) {
        int n = (p->cur + i) % p->slot_count;
        if (!p->slots[n].ready) continue;
        p->prev = p->cur;
        p->cur = n;
        p->fade_t0 = p->now;
        return true;
    }
    return false;
}

static bool app__view_ready(const void *self)
{
    const app_wind *p = self;
    if (p->info.status == APP_LAYER_ERROR) return true;
    /* a live station alone does not hold the view up while it is silent */
    if (p->live && !p->live_has && p->slot_count == 1) return true;
    return p->info.status != APP_LAYER_LOADING && p->jobs == 0 && p->gen == app__gen(p->world);
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    (void)self, (void)ext, (void)z;
    *has_z = false;
    return false; /* the wind covers the scene; it frames nothing itself */
}

static int app__reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    const app_wind *p = self;
    if (!p->gpu || max < 1) return 0;
    app_wind_legend_box(p, ui, out[0]);
    return 1;
}

const app_layer_kind app_wind_kind = {
    .name = "wind",
    .parse = app_wind_cfg_parse,
    .cfg_free = app_wind_cfg_free,
    .create = app__create,
    .destroy = app__destroy,
    .update = app__update,
    .draw = app__draw,
    .key = app__key,
    .view_ready = app__view_ready,
    .extent = app__extent,
    .reserved = app__reserved,
    .report_entry = app_wind_report_entry,
};
