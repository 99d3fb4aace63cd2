/* Boundaries layer. */
#include "app_boundaries.h"

#include "tw_time.h"

#include <stdlib.h>
#include <string.h>

struct app_boundaries {
    app_layer layer;
    const app_boundary_cfg *cfg;
    const geo_frame *frame;
    geo_outlines outlines; /* labels kept; line arrays freed after upload */
    bool loaded;
    rn_mesh mesh;
    double origin[3];
};

typedef struct app__load_job {
    app_boundaries *owner;
    geo_outlines result;
    tw_result status;
    char err[512];
} app__load_job;

static void app__load_run(void *job, int worker)
{
    app__load_job *j = job;
    const app_boundary_cfg *c = j->owner->cfg;
    geo_vector_desc d = {
        .path = c->src.path,
        .layer = c->src.layer,
        .where = c->src.where,
        .source_crs = c->src.source_crs,
        .encoding = c->src.encoding,
        .label_field = c->label_field,
        .label_field_en = c->label_field_en,
    };
    j->status = geo_vector_load_outlines(&d, j->owner->frame, &j->result, j->err, sizeof j->err);
}

static void app__load_done(void *job, tw_result pool_status)
{
    app__load_job *j = job;
    app_boundaries *b = j->owner;
    double now = tw_time_mono_s();
    if (pool_status != TW_OK) {
        app_layer_fail(&b->layer, now, "cancelled");
        geo_outlines_free(&j->result);
    } else if (j->status != TW_OK) {
        app_layer_fail(&b->layer, now, "%s", j->err);
    } else {
        b->outlines = j->result;
        b->mesh = rn_mesh_make(&b->outlines.lines);
        memcpy(b->origin, b->outlines.lines.origin, sizeof b->origin);
        /* The GPU has the lines now; keep only labels and extent. */
        tw_mesh_free(&b->outlines.lines);
        b->layer.skipped = b->outlines.skipped;
        b->loaded = true;
        app_layer_ok(&b->layer, now, b->outlines.features);
    }
    free(j);
}

app_boundaries *app_boundaries_create(const app_boundary_cfg *cfg, const geo_frame *frame,
                                      tw_pool *pool, double now)
{
    app_boundaries *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cfg = cfg;
    b->frame = frame;
    app_layer_begin(&b->layer, "boundaries", cfg->name, cfg->src.path, cfg->src.attribution, now);
    app__load_job *j = calloc(1, sizeof *j);
    if (!j) {
        app_layer_fail(&b->layer, now, "out of memory");
        return b;
    }
    j->owner = b;
    tw_pool_submit(
        pool,
        &(tw_job_desc){.job = j, .run = app__load_run, .done = app__load_done, .priority = 900});
    return b;
}

void app_boundaries_destroy(app_boundaries *b)
{
    if (!b) return;
    rn_mesh_destroy(b->mesh);
    geo_outlines_free(&b->outlines);
    free(b);
}

app_layer *app_boundaries_layer(app_boundaries *b)
{
    return &b->layer;
}

bool app_boundaries_extent(const app_boundaries *b, double ext[4])
{
    if (!b->loaded) return false;
    memcpy(ext, b->outlines.extent, 4 * sizeof *ext);
    return true;
}

const geo_label *app_boundaries_labels(const app_boundaries *b, int *count)
{
    *count = b->loaded ? b->outlines.label_count : 0;
    return b->outlines.labels;
}

void app_boundaries_draw(app_boundaries *b, const rn_view *view, const rn_drape *drape)
{
    if (!b->loaded) return;
    rn_lines_item it = {
        .mesh = b->mesh, .origin = {b->origin[0], b->origin[1], 0}, .width_px = b->cfg->width_px};
    memcpy(it.color, b->cfg->color, sizeof it.color);
    rn_lines_draw(view, drape, &it, 1);
}
