/* Boundaries layer. */
#include "app_boundaries.h"

#include "rn_lines.h"
#include "tw_json.h"
#include "tw_time.h"

#include <stdlib.h>
#include <string.h>

typedef struct app_boundary_cfg {
    app_source src;
    char *name;
    char *label_field, *label_field_en;
    float color[4];
    float width_px;
} app_boundary_cfg;

typedef struct app_boundaries {
    app_layer_info layer;
    const app_boundary_cfg *cfg; /* the scene's, alive as long as the layer */
    app_world *world;
    geo_outlines outlines; /* labels kept; line arrays freed after upload */
    bool loaded;
    rn_mesh mesh;
    double origin[3];
    app_hud_label *labels; /* with their ground heights, once */
    double labels_exag;
} app_boundaries;

/* Everything the worker reads is the job's own. */
typedef struct app__load_job {
    app_boundaries *owner;
    app_source_job src;
    char *label_field, *label_field_en;
    geo_outlines result;
    tw_result status;
    char err[512];
} app__load_job;

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void app__job_free(app__load_job *j)
{
    app_source_job_free(&j->src);
    free(j->label_field);
    free(j->label_field_en);
    free(j);
}

static void app__load_run(void *job, int worker)
{
    (void)worker;
    app__load_job *j = job;
    geo_vector_desc d = app_source_job_vector(&j->src);
    d.label_field = j->label_field;
    d.label_field_en = j->label_field_en;
    j->status = geo_vector_load_outlines(&d, j->src.frame, &j->result, j->err, sizeof j->err);
}

static void app__load_done(void *job, tw_result pool_status)
{
    app__load_job *j = job;
    if (pool_status != TW_OK) {
        geo_outlines_free(&j->result);
        app__job_free(j);
        return;
    }
    app_boundaries *b = j->owner;
    double now = tw_time_mono_s();
    if (j->status != TW_OK) {
        app_layer_info_fail(&b->layer, now, "%s", j->err);
    } else {
        b->outlines = j->result;
        b->mesh = rn_mesh_make(&b->outlines.lines);
        memcpy(b->origin, b->outlines.lines.origin, sizeof b->origin);
        /* The GPU has the lines now; keep only labels and extent. */
        tw_mesh_free(&b->outlines.lines);
        b->layer.skipped = b->outlines.skipped;
        b->loaded = true;
        app_layer_info_ok(&b->layer, now, b->outlines.features);
    }
    app__job_free(j);
}

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_boundary_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_boundaries *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cfg = cfg;
    b->world = w;
    app_layer_info_begin(&b->layer, "boundaries", cfg->name, cfg->src.path, cfg->src.attribution,
                         now);
    app_layer_add_info(l, &b->layer);
    app__load_job *j = calloc(1, sizeof *j);
    if (!j) {
        app_layer_info_fail(&b->layer, now, "out of memory");
        return b;
    }
    j->owner = b;
    j->label_field = app__dup(cfg->label_field);
    j->label_field_en = app__dup(cfg->label_field_en);
    if (!app_source_job_set(&j->src, &cfg->src, w->frame) ||
        !app_layer_submit(l, j, app__load_run, app__load_done, 900)) {
        app__job_free(j);
        app_layer_info_fail(&b->layer, now, "out of memory");
    }
    return b;
}

static void app__destroy(void *self)
{
    app_boundaries *b = self;
    rn_mesh_destroy(b->mesh);
    geo_outlines_free(&b->outlines);
    free(b->labels);
    free(b);
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    const app_boundaries *b = self;
    (void)z;
    *has_z = false;
    if (!b->loaded) return false;
    memcpy(ext, b->outlines.extent, 4 * sizeof *ext);
    return true;
}

/* Labels sit on the ground at their anchor. */
static int app__labels(void *self, const app_ui_ctx *ui, app_hud_label *out, int max)
{
    (void)ui;
    app_boundaries *b = self;
    if (!b->loaded) return 0;
    double exag = b->world->exaggeration > 0 ? b->world->exaggeration : 1;
    int n = 0;
    for (int k = 0; k < b->outlines.label_count && n < max; k++) {
        const geo_label *gl = &b->outlines.labels[k];
        double z = 0;
        if (app_world_ground(b->world, gl->x, gl->y, &z)) z *= exag;
        out[n++] = (app_hud_label){.label = gl, .pos = {gl->x, gl->y, z}};
    }
    return n;
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_boundaries *b = self;
    if (pass != APP_PASS_DRAPED || !b->loaded) return;
    rn_lines_item it = {
        .mesh = b->mesh, .origin = {b->origin[0], b->origin[1], 0}, .width_px = b->cfg->width_px};
    memcpy(it.color, b->cfg->color, sizeof it.color);
    it.color[3] *= d->opacity;
    rn_lines_draw(d->view, d->drape, &it, 1);
}

/* ---- scene file ---- */

static void app__cfg_free(void *p)
{
    app_boundary_cfg *b = p;
    if (!b) return;
    app_source_free(&b->src);
    free(b->name);
    free(b->label_field);
    free(b->label_field_en);
    free(b);
}

static void *app__parse(app_cfg *c, json_object *o)
{
    static const char *const extra[] = {"label_field", "label_field_en", "color", "width", NULL};
    app_boundary_cfg *b = calloc(1, sizeof *b);
    if (!b) return app_cfg_fail(c, "boundaries", "is too large"), NULL;
    b->color[0] = 1, b->color[1] = 1, b->color[2] = 1, b->color[3] = 0.9f;
    b->width_px = 1.5f;
    double width = b->width_px;
    if (!app_cfg_source(c, o, &b->src, extra) ||
        !app_cfg_string(c, o, "label_field", &b->label_field) ||
        !app_cfg_string(c, o, "label_field_en", &b->label_field_en) ||
        !app_cfg_string(c, o, "name", &b->name) || !app_cfg_color(c, o, "color", b->color) ||
        !app_cfg_number(c, o, "width", &width, 0.5, 20)) {
        app__cfg_free(b);
        return NULL;
    }
    b->width_px = (float)width;
    return b;
}

static const app_source *app__cfg_source(const void *cfg)
{
    return &((const app_boundary_cfg *)cfg)->src;
}

const app_layer_kind app_boundaries_kind = {
    .name = "boundaries",
    .parse = app__parse,
    .cfg_free = app__cfg_free,
    .cfg_source = app__cfg_source,
    .create = app__create,
    .destroy = app__destroy,
    .draw = app__draw,
    .labels = app__labels,
    .extent = app__extent,
};
