/* The layer contract's shared parts: status records, the ground service,
 * and making, submitting for and destroying layers of any kind. */
#include "app_layer.h"

#include "tw_file.h"
#include "tw_time.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fixed instant for --deterministic runs: 2026-01-01 12:00:00 KST. */
#define APP_FIXED_EPOCH 1767236400.0

void app_layer_info_begin(app_layer_info *l, const char *kind, const char *name, const char *source,
                          const char *attribution, double now)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    source = source ? source : "";
    snprintf(l->name, sizeof l->name, "%s", name && name[0] ? name : tw_path_basename(source));
    snprintf(l->source, sizeof l->source, "%s", source);
    l->status = APP_LAYER_LOADING;
    l->t_start = now;
    l->attribution_given = attribution && attribution[0];
    snprintf(l->attribution, sizeof l->attribution, "%s",
             l->attribution_given ? attribution : tw_path_basename(source));
}

void app_layer_info_fail(app_layer_info *l, double now, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->error, sizeof l->error, fmt, ap);
    va_end(ap);
    l->status = APP_LAYER_ERROR;
    l->load_ms = (now - l->t_start) * 1000.0;
    TW_ERROR(l->kind, "%s: %s", l->source, l->error);
}

void app_layer_info_ok(app_layer_info *l, double now, long features)
{
    l->status = APP_LAYER_OK;
    l->features = features;
    l->load_ms = (now - l->t_start) * 1000.0;
}

const char *app_layer_status_str(app_layer_status s)
{
    switch (s) {
    case APP_LAYER_LOADING:
        return "loading";
    case APP_LAYER_OK:
        return "ok";
    case APP_LAYER_ERROR:
        return "error";
    case APP_LAYER_STALE:
        return "stale";
    }
    return "?";
}

/* ---- a source for a worker job ---- */

static bool app__dup_into(char **out, const char *s)
{
    *out = s ? strdup(s) : NULL;
    return !s || *out;
}

bool app_source_job_set(app_source_job *j, const app_source *s, const geo_frame *frame)
{
    memset(j, 0, sizeof *j);
    bool ok = app__dup_into(&j->path, s->path) && app__dup_into(&j->layer, s->layer) &&
              app__dup_into(&j->where, s->where) && app__dup_into(&j->source_crs, s->source_crs) &&
              app__dup_into(&j->encoding, s->encoding);
    j->has_nodata = s->has_nodata;
    j->nodata = s->nodata;
    j->frame = ok ? geo_frame_ref(frame) : NULL;
    if (!ok) app_source_job_free(j);
    return ok;
}

void app_source_job_free(app_source_job *j)
{
    geo_frame_destroy(j->frame);
    free(j->path);
    free(j->layer);
    free(j->where);
    free(j->source_crs);
    free(j->encoding);
    memset(j, 0, sizeof *j);
}

geo_vector_desc app_source_job_vector(const app_source_job *j)
{
    return (geo_vector_desc){.path = j->path,
                             .layer = j->layer,
                             .where = j->where,
                             .source_crs = j->source_crs,
                             .encoding = j->encoding};
}

/* ---- ground ---- */

struct app_ground {
    atomic_int refs;
    tw_heightfield hf;
};

bool app_ground_sample(const app_ground *g, double x, double y, double *z)
{
    *z = 0;
    return g && tw_heightfield_sample(&g->hf, x, y, z);
}

const tw_heightfield *app_ground_heightfield(const app_ground *g)
{
    return g ? &g->hf : NULL;
}

app_ground *app_ground_ref(app_ground *g)
{
    if (g) atomic_fetch_add(&g->refs, 1);
    return g;
}

void app_ground_release(app_ground *g)
{
    if (!g || atomic_fetch_sub(&g->refs, 1) != 1) return;
    tw_heightfield_free(&g->hf);
    free(g);
}

bool app_world_ground(const app_world *w, double x, double y, double *z)
{
    *z = 0;
    return w && app_ground_sample(w->ground, x, y, z);
}

app_ground *app_world_ground_ref(const app_world *w)
{
    return w ? app_ground_ref(w->ground) : NULL;
}

void app_world_set_ground(app_world *w, const tw_heightfield *hf, rn_texture tex, double zmin,
                          double zmax, double span)
{
    app_ground *g = calloc(1, sizeof *g);
    if (!g || tw_heightfield_alloc(&g->hf, hf->nx, hf->ny) != TW_OK) {
        free(g);
        return;
    }
    atomic_init(&g->refs, 1);
    float *z = g->hf.z;
    g->hf = *hf;
    g->hf.z = z;
    memcpy(z, hf->z, (size_t)hf->nx * hf->ny * sizeof *z);
    app_ground_release(w->ground);
    w->ground = g;
    w->ground_tex = tex;
    w->ground_zmin = zmin;
    w->ground_zmax = zmax;
    w->ground_span = span;
    w->ground_gen++;
}

/* ---- obstacles ---- */

void app_world_set_obstacles(app_world *w, const void *owner, tw_obstacles *set)
{
    int i = 0;
    while (i < w->obstacle_count && w->obstacles[i].owner != owner) i++;
    if (i == w->obstacle_count) {
        if (!set) return;
        if (i == APP_WORLD_OBSTACLES) {
            TW_WARN("layers", "more than %d layers with obstacles; the last is ignored",
                    APP_WORLD_OBSTACLES);
            tw_obstacles_release(set);
            return;
        }
        w->obstacle_count++;
    }
    tw_obstacles_release(w->obstacles[i].set);
    w->obstacles[i].owner = owner;
    w->obstacles[i].set = set;
    if (!set) { /* close the gap */
        w->obstacles[i] = w->obstacles[--w->obstacle_count];
        w->obstacles[w->obstacle_count].owner = NULL;
        w->obstacles[w->obstacle_count].set = NULL;
    }
    w->obstacles_gen++;
}

void app_world_obstacles_pending(app_world *w, const void *owner, void (*settle)(void *owner))
{
    int i = 0;
    while (i < w->obstacles_pending_count && w->obstacles_pending[i].owner != owner) i++;
    if (!settle) { /* no longer: close the gap */
        if (i < w->obstacles_pending_count)
            w->obstacles_pending[i] = w->obstacles_pending[--w->obstacles_pending_count];
        return;
    }
    if (i == w->obstacles_pending_count) {
        if (i == APP_WORLD_OBSTACLES) {
            settle((void *)owner); /* no room: finished at once */
            return;
        }
        w->obstacles_pending_count++;
    }
    w->obstacles_pending[i].owner = owner;
    w->obstacles_pending[i].settle = settle;
}

void app_world_obstacles_settle(const app_world *w)
{
    /* Each settle ends its own entry (app_world_obstacles_pending NULL);
     * at most one call an entry whatever it does. */
    for (int k = 0; w && k < APP_WORLD_OBSTACLES && w->obstacles_pending_count > 0; k++) {
        int n = w->obstacles_pending_count;
        w->obstacles_pending[n - 1].settle((void *)w->obstacles_pending[n - 1].owner);
    }
}

int app_world_obstacles_ref(const app_world *w, tw_obstacles **out, int max)
{
    app_world_obstacles_settle(w);
    int n = 0;
    for (int i = 0; w && i < w->obstacle_count && n < max; i++)
        out[n++] = tw_obstacles_ref(w->obstacles[i].set);
    return n;
}

long app_world_obstacles_rasterize(const app_world *w, const tw_grid *g, float *out)
{
    app_world_obstacles_settle(w);
    long n = 0;
    for (int i = 0; w && i < w->obstacle_count; i++)
        n += tw_obstacles_rasterize(w->obstacles[i].set, g, out);
    return n;
}

double app_world_clock(const app_world *w)
{
    return w && w->deterministic ? APP_FIXED_EPOCH : tw_time_wall_s();
}

bool app_world_sun(const app_world *w, double x, double y, tw_sun_pos *out)
{
    double lon = 127.0, lat = 37.5;
    bool ok = w->lonlat && w->lonlat(w->app, x, y, &lon, &lat);
    tw_sun_position(w->time_s, lat, lon, out);
    return ok;
}

void app_world_claim_panel(app_world *w, const void *owner)
{
    w->panel_owner = owner;
}

void app_world_release_panel(app_world *w, const void *owner)
{
    if (w->panel_owner == owner) w->panel_owner = NULL;
}

bool app_world_panel_mine(const app_world *w, const void *owner)
{
    return !w->panel_owner || w->panel_owner == owner;
}

void app_world_step_time(app_world *w, double dt)
{
    w->time_s += dt;
    w->time_set = true;
    w->time_gen++;
}

/* ---- layers ---- */

static app_layer *app__layer_new(const app_layer_kind *k, app_world *w, const char *name)
{
    app_layer *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->kind = k;
    l->world = w;
    l->visible = true;
    l->opacity = 1;
    snprintf(l->name, sizeof l->name, "%s", name ? name : k ? k->name : "?");
    l->token = tw_token_create(NULL, NULL);
    return l;
}

app_layer *app_layer_create(const app_layer_kind *k, const void *cfg, app_world *w,
                            const char *name)
{
    app_layer *l = app__layer_new(k, w, name);
    if (!l) return NULL;
    l->self = l->token ? k->create(l, cfg, w) : NULL;
    if (!l->self) {
        l->info_count = 0;
        app_layer_info_begin(&l->own, k->name, l->name, "", NULL, tw_time_mono_s());
        app_layer_info_fail(&l->own, tw_time_mono_s(), "out of memory");
        app_layer_add_info(l, &l->own);
    }
    if (l->info_count > 0 && l->info[0]->name[0])
        snprintf(l->name, sizeof l->name, "%s", l->info[0]->name);
    return l;
}

app_layer *app_layer_create_unknown(const char *kind, app_world *w)
{
    app_layer *l = app__layer_new(NULL, w, kind);
    if (!l) return NULL;
    /* The scene load already warned, naming the kind. */
    app_layer_info_begin(&l->own, l->name, kind, "", NULL, tw_time_mono_s());
    l->own.attribution[0] = 0;
    l->own.status = APP_LAYER_ERROR;
    snprintf(l->own.error, sizeof l->own.error, "unknown layer kind \"%s\"", kind);
    app_layer_add_info(l, &l->own);
    return l;
}

void app_layer_destroy(app_layer *l)
{
    if (!l) return;
    tw_token_cancel(l->token);
    if (l->self) l->kind->destroy(l->self);
    tw_token_release(l->token);
    free(l);
}

void app_layer_add_info(app_layer *l, app_layer_info *info)
{
    if (l->info_count < APP_LAYER_INFOS) l->info[l->info_count++] = info;
}

bool app_layer_submit(app_layer *l, void *job, tw_job_run_fn run, tw_job_done_fn done, int priority)
{
    return tw_pool_submit(l->world->pool, &(tw_job_desc){.job = job,
                                                         .run = run,
                                                         .done = done,
                                                         .priority = priority,
                                                         .token = l->token}) == TW_OK;
}

bool app_layer_loading(const app_layer *l)
{
    for (int i = 0; i < l->info_count; i++)
        if (l->info[i]->status == APP_LAYER_LOADING) return true;
    return false;
}
