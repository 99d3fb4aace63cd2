/* Buildings streamed by view: the source's extent cut into square tiles;
 * every update finds the tiles the camera sees (frustum, within range_m,
 * at least read_px big on screen), sends reads for the nearest missing ones
 * (a few at a time, on workers: the frame never waits) and evicts the
 * tiles seen longest ago once the layer holds more than its cap. */
#include "app_buildings_int.h"

#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_BTILE_MAX   4000000 /* tiles in a grid, at most */
#define APP_BTILE_ZLO   -200.0  /* a tile's box before it is read: metres */
#define APP_BTILE_ZHI   800.0
#define APP_BTILE_CANDS 4096 /* missing tiles considered per update */

void app_bstream_begin(app_buildings *p, const geo_buildings_probe *pr)
{
    double t = p->cfg->tile_m > 0 ? p->cfg->tile_m : APP_BTILE_M;
    const double *e = pr->extent;
    double w = fmax(e[2] - e[0], 1), h = fmax(e[3] - e[1], 1);
    /* A grid too fine for the extent grows its tiles. */
    while ((floor(w / t) + 1) * (floor(h / t) + 1) > APP_BTILE_MAX) t *= 2;
    int nx = (int)floor(w / t) + 1, ny = (int)floor(h / t) + 1;
    app_btile **tiles = calloc((size_t)nx * (size_t)ny, sizeof *tiles);
    if (!tiles) {
        app_layer_info_fail(&p->info, tw_time_mono_s(), "out of memory for %d x %d tiles", nx, ny);
        return;
    }
    /* The whole-source tile the probe came in on goes. */
    for (int i = 0; i < p->nx * p->ny; i++) app_btile_free(p->tiles[i]);
    free(p->tiles);
    p->tiles = tiles;
    p->nx = nx, p->ny = ny;
    p->grid[0] = e[0], p->grid[1] = e[1];
    p->grid[2] = e[0] + nx * t, p->grid[3] = e[1] + ny * t;
    p->streamed = true;
    p->same_crs = pr->same_crs;
    p->indexed = pr->indexed;
    p->source_features = pr->features;
    p->loaded = true;
    snprintf(p->driver, sizeof p->driver, "%s", pr->driver);
    p->extent_from = pr->extent_from;
    app_layer_info_ok(&p->info, tw_time_mono_s(), 0);
    TW_INFO("buildings", "%s: %s %s: streamed by view in %d x %d tiles of %.0f m", p->info.source,
            pr->driver,
            pr->indexed
                ? "with a spatial index"
                : "without a spatial index (\"stream\": true; each tile reads the file through)",
            nx, ny, t);
}

static void app__tile_rect(const app_buildings *p, int ix, int iy, double r[4])
{
    double tx = (p->grid[2] - p->grid[0]) / p->nx, ty = (p->grid[3] - p->grid[1]) / p->ny;
    r[0] = p->grid[0] + ix * tx, r[1] = p->grid[1] + iy * ty;
    r[2] = r[0] + tx, r[3] = r[1] + ty;
}

/* In the frustum (the view's matrix works in eye-relative metres) and more
 * than APP_CHUNK_MIN_PX on screen; a box reaching behind the eye counts as
 * big. */
app_bseen app_bbox_seen(const double b[6], const rn_view *v, mat4 vp, vec4 planes[6], float *px_out)
{
    if (px_out) *px_out = HUGE_VALF;
    vec3 box[2];
    for (int k = 0; k < 3; k++) {
        box[0][k] = (float)(b[k] - v->eye[k]);
        box[1][k] = (float)(b[k + 3] - v->eye[k]);
    }
    if (!glm_aabb_frustum(box, planes)) return APP_OUTSIDE;
    float lo[2] = {HUGE_VALF, HUGE_VALF}, hi[2] = {-HUGE_VALF, -HUGE_VALF};
    for (int i = 0; i < 8; i++) {
        vec4 q = {box[i & 1][0], box[(i >> 1) & 1][1], box[(i >> 2) & 1][2], 1}, r;
        glm_mat4_mulv(vp, q, r);
        if (r[3] <= 1e-6f) return APP_SEEN; /* px_out stays huge: drawn in full */
        for (int k = 0; k < 2; k++) {
            lo[k] = fminf(lo[k], r[k] / r[3]);
            hi[k] = fmaxf(hi[k], r[k] / r[3]);
        }
    }
    float px =
        fmaxf((hi[0] - lo[0]) * 0.5f * (float)v->width, (hi[1] - lo[1]) * 0.5f * (float)v->height);
    if (px_out) *px_out = px;
    return px >= APP_CHUNK_MIN_PX ? APP_SEEN : APP_SMALL;
}

typedef struct app__cand {
    int i;
    double d2;
} app__cand;

void app_bstream_update(app_buildings *p, const app_update_ctx *u)
{
    if (!p->streamed || !u->cam || u->width <= 0 || u->height <= 0) return;
    rn_view v = {.width = u->width, .height = u->height};
    app_camera_eye(u->cam, v.eye);
    double range = p->cfg->range_m > 0 ? p->cfg->range_m : APP_BTILE_RANGE_M;
    app_camera_view_proj(u->cam, u->width, u->height, 1.0, range * 2, v.view_proj);
    mat4 vp;
    vec4 planes[6];
    memcpy(vp, v.view_proj, sizeof vp);
    glm_frustum_planes(vp, planes);
    double ex = p->world->exaggeration > 0 ? p->world->exaggeration : 1;
    double tx = (p->grid[2] - p->grid[0]) / p->nx, ty = (p->grid[3] - p->grid[1]) / p->ny;
    double now = tw_time_mono_s(); /* a failed tile's retry_at is on this clock */
    int x0 = (int)floor((v.eye[0] - range - p->grid[0]) / tx);
    int x1 = (int)floor((v.eye[0] + range - p->grid[0]) / tx);
    int y0 = (int)floor((v.eye[1] - range - p->grid[1]) / ty);
    int y1 = (int)floor((v.eye[1] + range - p->grid[1]) / ty);
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 >= p->nx ? p->nx - 1 : x1, y1 = y1 >= p->ny ? p->ny - 1 : y1;
    app__cand cand[APP_BTILE_CANDS];
    int nc = 0;
    p->visible = 0;
    /* Pixels per metre at one metre from the eye. */
    double focal = 0.5 * u->height / tan(u->cam->fov_y * M_PI / 360);
    float read_px =
        (float)(p->cfg->read_px > 0
                    ? p->cfg->read_px
                    : fmax(APP_CHUNK_MIN_PX, fmax(u->width, u->height) / APP_BTILE_READ_DIV));
    for (int iy = y0; iy <= y1; iy++)
        for (int ix = x0; ix <= x1; ix++) {
            int i = iy * p->nx + ix;
            app_btile *t = p->tiles[i];
            double r[4], box[6];
            app__tile_rect(p, ix, iy, r);
            box[0] = r[0], box[1] = r[1], box[3] = r[2], box[4] = r[3];
            box[2] = box[5] = NAN;
            if (t && t->state == APP_BTILE_READY && t->b.chunk_count) {
                box[2] = HUGE_VAL, box[5] = -HUGE_VAL;
                for (int k = 0; k < t->b.chunk_count; k++)
                    box[2] = fmin(box[2], t->b.chunks[k].box[2]),
                    box[5] = fmax(box[5], t->b.chunks[k].box[5]);
            }
            if (!(box[2] <= box[5])) /* not read yet, or not raised yet */
                box[2] = APP_BTILE_ZLO * ex, box[5] = APP_BTILE_ZHI * ex;
            double cx = 0.5 * (r[0] + r[2]) - v.eye[0], cy = 0.5 * (r[1] + r[3]) - v.eye[1];
            double d2 = cx * cx + cy * cy;
            /* Its side on screen faced from its nearest point: a tile near
             * the horizon of a street view is small however tall its box. */
            double nx = fmax(r[0] - v.eye[0], fmax(0, v.eye[0] - r[2]));
            double ny = fmax(r[1] - v.eye[1], fmax(0, v.eye[1] - r[3]));
            double near = sqrt(nx * nx + ny * ny + v.eye[2] * v.eye[2]);
            if (d2 > range * range || app_bbox_seen(box, &v, vp, planes, NULL) != APP_SEEN ||
                fmin(tx, ty) * focal < read_px * near)
                continue;
            p->visible++;
            if (!t && !(t = p->tiles[i] = app_btile_new(ix, iy))) continue;
            t->seen = u->frame_no;
            if (t->state == APP_BTILE_EMPTY && (!t->failed || now >= t->retry_at) &&
                nc < APP_BTILE_CANDS)
                cand[nc++] = (app__cand){i, d2};
        }
    /* The nearest missing tiles first, a few reads out at a time. */
    while (nc > 0 && p->in_flight < APP_BTILE_IN_FLIGHT) {
        int best = 0;
        for (int k = 1; k < nc; k++)
            if (cand[k].d2 < cand[best].d2) best = k;
        int i = cand[best].i;
        cand[best] = cand[--nc];
        double r[4];
        app__tile_rect(p, p->tiles[i]->ix, p->tiles[i]->iy, r);
        p->retried += p->tiles[i]->failed;
        if (!app_btile_submit(p, p->tiles[i], r)) break;
        p->requested++;
    }
    /* Over the cap: the tiles seen longest ago go (never one in view). */
    long cap = p->cfg->cache_features; /* 0: only the tiles in view stay */
    long held = app_buildings_features(p);
    while (held > cap) {
        int old = -1;
        for (int i = 0; i < p->nx * p->ny; i++) {
            const app_btile *t = p->tiles[i];
            if (!t || t->state != APP_BTILE_READY || t->bases_pending || t->seen == u->frame_no)
                continue;
            if (old < 0 || t->seen < p->tiles[old]->seen) old = i;
        }
        if (old < 0) break;
        held -= p->tiles[old]->b.polys.count;
        app_btile_evict(p, p->tiles[old], old);
    }
}

/* Complete once every tile in view is read (or failed) and stands on the
 * current ground. */
bool app_bstream_ready(const app_buildings *p)
{
    if (p->in_flight > 0) return false;
    for (int i = 0; i < p->nx * p->ny; i++) {
        const app_btile *t = p->tiles[i];
        if (!t || t->seen != p->last_frame) continue;
        if ((t->state == APP_BTILE_EMPTY && !t->failed) || t->state == APP_BTILE_LOADING ||
            !app_btile_settled(p, t))
            return false;
    }
    return true;
}
