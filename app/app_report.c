/* The --report file: one JSON object describing what loaded, how long it
 * took, what the frame cost and what the camera saw. */
#include "app_internal.h"

#include "rn_mesh.h"
#include "rn_shadow.h"
#include "rn_fill.h"
#include "rn_sync.h"
#include "tw_log.h"
#include "tw_time.h"
#include "tw_utf8.h"

#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int app__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

long long app_read_bytes(void)
{
    long long n = 0;
    char line[256];
    FILE *f = fopen("/proc/self/io", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "rchar: %lld", &n) == 1) break;
        fclose(f);
    }
    return n;
}

/* Peak resident memory (kB) from /proc. */
static long app__peak_rss_kb(void)
{
    long kb = 0;
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld", &kb) == 1) break;
        fclose(f);
    }
    return kb;
}

static json_object *app__layer_json(const app_layer *owner, int k)
{
    const app_layer_info *l = owner->info[k];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(l->name));
    json_object_object_add(o, "kind", json_object_new_string(l->kind));
    json_object_object_add(o, "source", json_object_new_string(l->source));
    json_object_object_add(o, "status", json_object_new_string(app_layer_status_str(l->status)));
    json_object_object_add(o, "features", json_object_new_int64(l->features));
    json_object *sk = json_object_new_object();
    for (int i = 0; i < l->skipped.n; i++)
        json_object_object_add(sk, l->skipped.reason[i], json_object_new_int(l->skipped.count[i]));
    json_object_object_add(o, "skipped", sk);
    json_object_object_add(o, "error",
                           l->status == APP_LAYER_ERROR ? json_object_new_string(l->error) : NULL);
    json_object_object_add(o, "load_ms", json_object_new_double(l->load_ms));
    if (l->warning[0]) json_object_object_add(o, "warning", json_object_new_string(l->warning));
    json_object_object_add(o, "attribution", json_object_new_string(l->attribution));
    json_object_object_add(o, "visible", json_object_new_boolean(owner->visible));
    json_object_object_add(o, "opacity", json_object_new_double(owner->opacity));
    if (owner->self && owner->kind->report_entry) owner->kind->report_entry(owner->self, k, o);
    return o;
}

static json_object *app__vec3(const double v[3])
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < 3; i++) json_object_array_add(a, json_object_new_double(v[i]));
    return a;
}

/* The pick: today's fields (kind, position, the map's city), and the layer
 * hit as every kind reports it. */
static void app__pick_json(const app_pick *p, json_object *root)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(p->kind));
    if (p->panel[0]) json_object_object_add(o, "panel", json_object_new_string(p->panel));
    if (p->ground) {
        double v[3] = {p->x, p->y, p->z};
        json_object_object_add(o, "position", app__vec3(v));
        json_object_object_add(o, "lon", json_object_new_double(p->lon));
        json_object_object_add(o, "lat", json_object_new_double(p->lat));
    }
    /* The map's attributes stand at the top too, as they always have. */
    static const char *const flat[] = {"admin_code", "name_ko", "name_en",
                                       "year",       "status",  "grade"};
    json_object *v;
    for (size_t i = 0; p->attributes && i < sizeof flat / sizeof *flat; i++)
        if (json_object_object_get_ex(p->attributes, flat[i], &v))
            json_object_object_add(o, flat[i], json_object_get(v));
    if (p->layer[0]) {
        json_object *h = json_object_new_object();
        json_object_object_add(h, "kind", json_object_new_string(p->layer_kind));
        json_object_object_add(h, "layer", json_object_new_string(p->layer));
        json_object_object_add(h, "fid", p->fid >= 0 ? json_object_new_int64(p->fid) : NULL);
        json_object_object_add(h, "attributes", json_object_get(p->attributes));
        json_object_object_add(o, "hit", h);
    }
    json_object_object_add(root, "pick", o);
}

static void app__tour_json(const app_tour *t, json_object *root)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "stops", json_object_new_int(t->scene ? t->scene->tour_count : 0));
    json_object_object_add(o, "passes", json_object_new_int(t->passes));
    json_object *log = json_object_new_array();
    for (int i = 0; i < t->log_count; i++) {
        const app_tour_entry *e = &t->log[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "stop", json_object_new_int(e->stop));
        json_object_object_add(x, "kind", json_object_new_string(e->kind));
        json_object_object_add(x, "name", json_object_new_string(e->name));
        json_object_object_add(x, "status", json_object_new_string(e->status));
        if (e->reason[0]) json_object_object_add(x, "reason", json_object_new_string(e->reason));
        json_object_object_add(x, "t_s", json_object_new_double(e->t_s));
        json_object_array_add(log, x);
    }
    json_object_object_add(o, "log", log);
    json_object_object_add(root, "tour", o);
}

int app_report_write(const app *a, const char *path)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "scene", json_object_new_string(a->scene_path));
    json_object_object_add(root, "name", json_object_new_string(a->scene ? a->scene->name : ""));
    json_object_object_add(root, "crs", json_object_new_string(a->scene ? a->scene->crs : ""));
    if (a->frame) {
        /* Where the scene origin lies: for a geographic scene CRS, the centre
         * of the local transverse Mercator. */
        json_object *f = json_object_new_object();
        json_object_object_add(f, "local", json_object_new_boolean(geo_frame_is_local(a->frame)));
        double lon = 0, lat = 0;
        if (a->lonlat && geo_xform_from_scene(a->lonlat, 1, &lon, &lat, NULL) == 1) {
            json_object_object_add(f, "origin_lon", json_object_new_double(lon));
            json_object_object_add(f, "origin_lat", json_object_new_double(lat));
        }
        json_object_object_add(root, "frame", f);
    }
    if (a->scene) {
        /* The sun at the analysis time over the view's centre. */
        tw_sun_pos sp;
        char when[64];
        app_world_sun(&a->world, a->cam.target[0], a->cam.target[1], &sp);
        tw_sun_format(a->world.time_s, a->world.utc_offset_h, when, sizeof when);
        json_object *sun = json_object_new_object();
        json_object_object_add(sun, "time", json_object_new_string(when));
        json_object_object_add(sun, "azimuth_deg", json_object_new_double(sp.azimuth_deg));
        json_object_object_add(sun, "elevation_deg", json_object_new_double(sp.elevation_deg));
        json_object_object_add(root, "sun", sun);
    }
    /* The split view (I, --split): where the divider is, as a fraction of
     * the width; null when off. */
    json_object *split = NULL;
    if (a->split) {
        split = json_object_new_object();
        json_object_object_add(split, "divider",
                               json_object_new_double(a->split_at > 0 ? a->split_at : 0.5));
    }
    json_object_object_add(root, "split", split);
    if (a->ctx)
        json_object_object_add(root, "renderer",
                               json_object_new_string(rn_context_renderer(a->ctx)));
    json_object *layers = json_object_new_array();
    for (int i = 0; i < a->layer_count; i++)
        for (int k = 0; k < a->layers[i]->info_count; k++)
            json_object_array_add(layers, app__layer_json(a->layers[i], k));
    json_object_object_add(root, "layers", layers);
    /* The scene's obstacles service: what analyses see of solid things. */
    json_object *ob = json_object_new_object();
    long prisms = 0;
    double top = -HUGE_VAL;
    app_world_obstacles_settle(&a->world);
    for (int i = 0; i < a->world.obstacle_count; i++) {
        prisms += a->world.obstacles[i].set->count;
        top = fmax(top, a->world.obstacles[i].set->top_max);
    }
    json_object_object_add(ob, "sets", json_object_new_int(a->world.obstacle_count));
    json_object_object_add(ob, "prisms", json_object_new_int64(prisms));
    json_object_object_add(ob, "top_max_m", isfinite(top) ? json_object_new_double(top) : NULL);
    json_object_object_add(root, "obstacles", ob);

    double ms = 1000.0;
    json_object_object_add(root, "context_ms",
                           json_object_new_double((a->t_context - a->t_start) * ms));
    json_object_object_add(root, "first_frame_ms", json_object_new_double(a->first_frame_ms));
    /* Headless: the draws out of sight while loading (app__warm), or null. */
    json_object_object_add(root, "warm_ms",
                           a->warm_ms > 0 ? json_object_new_double(a->warm_ms) : NULL);
    /* When it began, from the process start. */
    json_object_object_add(root, "warm_at_ms",
                           a->t_warm > 0 ? json_object_new_double((a->t_warm - a->t_start) * ms)
                                         : NULL);
    json_object_object_add(
        root, "loaded_ms",
        json_object_new_double(a->t_loaded > 0 ? (a->t_loaded - a->t_start) * ms : -1));
    json_object_object_add(
        root, "complete_frame_ms",
        json_object_new_double(a->t_complete > 0 ? (a->t_complete - a->t_start) * ms : -1));
    long n = a->frame_samples < APP_FRAME_SAMPLES ? a->frame_samples : APP_FRAME_SAMPLES;
    json_object *fr = json_object_new_object();
    json_object_object_add(fr, "count", json_object_new_int64(a->frame_samples));
    if (n > 0) {
        double *s = malloc((size_t)n * sizeof *s);
        if (s) {
            memcpy(s, a->frame_ms, (size_t)n * sizeof *s);
            qsort(s, (size_t)n, sizeof *s, app__cmp_double);
            double sum = 0;
            for (long i = 0; i < n; i++) sum += s[i];
            json_object_object_add(fr, "mean_ms", json_object_new_double(sum / n));
            json_object_object_add(fr, "p50_ms", json_object_new_double(s[n / 2]));
            json_object_object_add(fr, "p95_ms", json_object_new_double(s[(long)(n * 0.95)]));
            json_object_object_add(fr, "max_ms", json_object_new_double(s[n - 1]));
            /* Without the first frame, which pays the renderer's first use
             * of every mesh and state (a software one compiles its shaders
             * then): the frames that follow, in order. */
            if (a->frame_samples > 1 && a->frame_samples <= APP_FRAME_SAMPLES) {
                double rest = 0;
                for (long i = 1; i < n; i++) rest += a->frame_ms[i];
                json_object_object_add(fr, "first_ms", json_object_new_double(a->frame_ms[0]));
                json_object_object_add(fr, "mean_after_first_ms",
                                       json_object_new_double(rest / (double)(n - 1)));
            }
            free(s);
        }
    }
    n = a->gap_samples < APP_FRAME_SAMPLES ? a->gap_samples : APP_FRAME_SAMPLES;
    json_object_object_add(fr, "gaps", json_object_new_int64(a->gap_samples));
    double *g = n > 0 ? malloc((size_t)n * sizeof *g) : NULL;
    if (g) { /* frame start to frame start, the whole loop pass */
        /* In frame order too (benchmarks take equal windows of two runs). */
        json_object *seq = json_object_new_array();
        for (long i = 0; i < n; i++)
            json_object_array_add(
                seq, json_object_new_double(
                         a->frame_gap_ms[(a->gap_samples - n + i) % APP_FRAME_SAMPLES]));
        json_object_object_add(fr, "gaps_ms", seq);
        memcpy(g, a->frame_gap_ms, (size_t)n * sizeof *g);
        qsort(g, (size_t)n, sizeof *g, app__cmp_double);
        json_object_object_add(fr, "gap_p50_ms", json_object_new_double(g[n / 2]));
        json_object_object_add(fr, "gap_max_ms", json_object_new_double(g[n - 1]));
        free(g);
    }
    json_object_object_add(root, "frames", fr);
    /* The sun's shadow map: depth passes that drew it, and those that found
     * it up to date (a still sun over still casters). */
    long renders, reuses;
    rn_shadow_counts(&renders, &reuses);
    json_object *sm = json_object_new_object();
    json_object_object_add(sm, "renders", json_object_new_int64(renders));
    json_object_object_add(sm, "reuses", json_object_new_int64(reuses));
    json_object_object_add(root, "shadow_map", sm);

    json_object *cam = json_object_new_object();
    double eye[3];
    app_camera_eye(&a->cam, eye);
    json_object_object_add(cam, "eye", app__vec3(eye));
    json_object_object_add(cam, "target", app__vec3(a->cam.target));
    json_object_object_add(cam, "heading", json_object_new_double(a->cam.heading));
    json_object_object_add(cam, "tilt", json_object_new_double(a->cam.tilt));
    json_object_object_add(cam, "distance", json_object_new_double(a->cam.distance));
    json_object_object_add(root, "camera", cam);

    for (int i = 0; i < a->layer_count; i++) {
        const app_layer *l = a->layers[i];
        if (l->self && l->kind->report) l->kind->report(l->self, root);
    }
    /* --hover over nothing a layer shows a tooltip for */
    if (a->opt.hover && !json_object_object_get_ex(root, "hover", NULL))
        json_object_object_add(root, "hover", NULL);
    json_object *mem = json_object_new_object();
    json_object_object_add(mem, "peak_rss_kb", json_object_new_int64(app__peak_rss_kb()));
    json_object_object_add(mem, "read_bytes", json_object_new_int64(app_read_bytes()));
    /* What loading the scene read, from set-up (shaders, font) to the first
     * complete frame. */
    json_object_object_add(mem, "read_bytes_to_complete_frame",
                           json_object_new_int64(a->read_at_complete > 0
                                                     ? a->read_at_complete - a->read_at_start
                                                     : -1));
    json_object_object_add(mem, "gpu_mesh_bytes",
                           json_object_new_int64((int64_t)rn_mesh_gpu_bytes()));
    /* The software renderer's finishes that bound its queued scenes. */
    json_object_object_add(mem, "sync_every_indices", json_object_new_int64(rn_sync_every_get()));
    json_object_object_add(mem, "syncs", json_object_new_int64((int64_t)rn_sync_count()));
    json_object_object_add(mem, "flush_every_indices",
                           json_object_new_int64(rn_sync_flush_every_get()));
    json_object_object_add(mem, "flushes", json_object_new_int64((int64_t)rn_sync_flush_count()));
    /* Fills drawn without blending (opaque), draws without the shadow taps. */
    uint64_t unblended = 0, unshadowed = 0;
    rn_fill_counts(&unblended, &unshadowed);
    json_object_object_add(mem, "fill_unblended_items", json_object_new_int64((int64_t)unblended));
    json_object_object_add(mem, "fill_unshadowed_draws",
                           json_object_new_int64((int64_t)unshadowed));
    json_object_object_add(root, "memory", mem);
    json_object *log = json_object_new_object();
    json_object_object_add(log, "warnings", json_object_new_int((int)tw_log_count(TW_LOG_WARN)));
    json_object_object_add(log, "errors", json_object_new_int((int)tw_log_count(TW_LOG_ERROR)));
    json_object_object_add(root, "log", log);
    json_object_object_add(root, "mode",
                           json_object_new_string(a->opt.tour  ? "tour"
                                                  : app_map(a) ? "map"
                                                               : "scene"));
    if (a->pick.done) app__pick_json(&a->pick, root);
    if (a->opt.tour) app__tour_json(&a->tour, root);
    if (a->opt.snapshot)
        json_object_object_add(
            root, "snapshot", a->snapshot_written ? json_object_new_string(a->opt.snapshot) : NULL);
    /* json-c copies string bytes as they are; text from the scene or the
     * data may not be UTF-8. Ill-formed bytes are never JSON syntax, so
     * repairing the whole text repairs every string and key in it. */
    const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = 0;
    char *clean = text ? tw_utf8_sanitize(text, strlen(text), &len) : NULL;
    json_object_put(root);
    FILE *f = clean ? fopen(path, "w") : NULL;
    int rc = f ? 0 : -1;
    if (f && (fwrite(clean, 1, len, f) != len || fputc('\n', f) == EOF)) rc = -1;
    if (f && fclose(f) != 0) rc = -1;
    free(clean);
    if (rc != 0) {
        TW_ERROR("report", "%s: cannot write the report", path);
        return 1;
    }
    return 0;
}
