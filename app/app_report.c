/* The --report file: one JSON object describing what loaded, how long it
 * took, what the frame cost and what the camera saw. */
#include "app_internal.h"

#include "rn_mesh.h"
#include "tw_log.h"
#include "tw_time.h"

#include <json.h>
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

static json_object *app__layer_json(const app_layer *l)
{
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
    json_object_object_add(o, "attribution", json_object_new_string(l->attribution));
    return o;
}

static json_object *app__vec3(const double v[3])
{
    json_object *a = json_object_new_array();
    for (int i = 0; i < 3; i++) json_object_array_add(a, json_object_new_double(v[i]));
    return a;
}

static void app__map_json(const app *a, json_object *root)
{
    json_object *m = json_object_new_object();
    int year = app_certmap_year(a->map);
    json_object_object_add(m, "year",
                           year ? json_object_new_int(year) : json_object_new_string("all"));
    json_object_object_add(m, "extrude", json_object_new_boolean(app_certmap_extruded(a->map)));
    const geo_cert_db *db = app_certmap_db(a->map);
    int sel = app_certmap_selected(a->map);
    json_object_object_add(
        m, "selected",
        db && sel >= 0 ? json_object_new_string(geo_cert_city_at(db, sel)->name_ko) : NULL);
    if (db) {
        geo_cert_counts c;
        geo_cert_counts_get(db, year, &c);
        json_object_object_add(m, "records", json_object_new_int(c.records));
        json_object_object_add(m, "certified", json_object_new_int(c.certified));
        json_object_object_add(m, "extended", json_object_new_int(c.extended));
    }
    json_object_object_add(root, "map", m);
}

static void app__pick_json(const app_pick *p, json_object *root)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(p->kind));
    if (p->ground) {
        double v[3] = {p->x, p->y, p->z};
        json_object_object_add(o, "position", app__vec3(v));
        json_object_object_add(o, "lon", json_object_new_double(p->lon));
        json_object_object_add(o, "lat", json_object_new_double(p->lat));
    }
    if (p->code[0]) json_object_object_add(o, "admin_code", json_object_new_string(p->code));
    if (p->name[0]) {
        json_object_object_add(o, "name_ko", json_object_new_string(p->name));
        json_object_object_add(o, "name_en", json_object_new_string(p->name_en));
    }
    if (p->status[0]) {
        json_object_object_add(o, "year", json_object_new_int(p->year));
        json_object_object_add(o, "status", json_object_new_string(p->status));
        json_object_object_add(o, "grade", p->grade ? json_object_new_int(p->grade) : NULL);
    }
    json_object_object_add(root, "pick", o);
}

static void app__tour_json(const app_tour *t, json_object *root)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "stops", json_object_new_int(t->scene.tour_count));
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
    json_object_object_add(root, "name", json_object_new_string(a->scene.name));
    json_object_object_add(root, "crs", json_object_new_string(a->scene.crs));
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
    if (a->ctx)
        json_object_object_add(root, "renderer",
                               json_object_new_string(rn_context_renderer(a->ctx)));
    json_object *layers = json_object_new_array();
    for (int i = 0; i < a->layer_count; i++)
        json_object_array_add(layers, app__layer_json(a->layers[i]));
    json_object_object_add(root, "layers", layers);

    double ms = 1000.0;
    json_object_object_add(root, "first_frame_ms", json_object_new_double(a->first_frame_ms));
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
            free(s);
        }
    }
    json_object_object_add(root, "frames", fr);

    json_object *cam = json_object_new_object();
    double eye[3];
    app_camera_eye(&a->cam, eye);
    json_object_object_add(cam, "eye", app__vec3(eye));
    json_object_object_add(cam, "target", app__vec3(a->cam.target));
    json_object_object_add(cam, "heading", json_object_new_double(a->cam.heading));
    json_object_object_add(cam, "tilt", json_object_new_double(a->cam.tilt));
    json_object_object_add(cam, "distance", json_object_new_double(a->cam.distance));
    json_object_object_add(root, "camera", cam);

    if (a->terrain && app_terrain_info(a->terrain)) {
        const geo_terrain_info *ti = app_terrain_info(a->terrain);
        const app_terrain_stats *ts = app_terrain_stats_get(a->terrain);
        json_object *t = json_object_new_object();
        json_object_object_add(t, "width", json_object_new_int(ti->raster.width));
        json_object_object_add(t, "height", json_object_new_int(ti->raster.height));
        json_object_object_add(t, "overviews", json_object_new_int(ti->raster.overviews));
        json_object_object_add(t, "pixel_m", json_object_new_double(ti->raster.pixel_m));
        json_object_object_add(t, "crs", json_object_new_string(ti->raster.crs));
        json_object_object_add(t, "zmin", json_object_new_double(ti->zmin));
        json_object_object_add(t, "zmax", json_object_new_double(ti->zmax));
        json_object_object_add(t, "max_level", json_object_new_int(ti->max_level));
        json_object_object_add(t, "center_level", json_object_new_int(ts->center_level));
        json_object_object_add(t, "tiles_drawn", json_object_new_int(ts->drawn));
        json_object_object_add(t, "tiles_resident", json_object_new_int(ts->resident));
        json_object_object_add(t, "tiles_loaded_first_view",
                               json_object_new_int(ts->loaded_first_view));
        json_object_object_add(t, "complete", json_object_new_boolean(ts->complete));
        json_object_object_add(t, "triangles", json_object_new_int64(ts->triangles));
        json_object_object_add(t, "imagery_tiles", json_object_new_int(ts->imagery_tiles));
        json_object *per = json_object_new_array();
        for (int l = 0; l <= ti->max_level && l < 25; l++)
            json_object_array_add(per, json_object_new_int(ts->drawn_per_level[l]));
        json_object_object_add(t, "drawn_per_level", per);
        json_object_object_add(root, "terrain", t);
    }
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
    json_object_object_add(root, "memory", mem);
    json_object *log = json_object_new_object();
    json_object_object_add(log, "warnings", json_object_new_int((int)tw_log_count(TW_LOG_WARN)));
    json_object_object_add(log, "errors", json_object_new_int((int)tw_log_count(TW_LOG_ERROR)));
    json_object_object_add(root, "log", log);
    json_object_object_add(root, "mode",
                           json_object_new_string(a->opt.tour ? "tour"
                                                  : a->map    ? "map"
                                                              : "scene"));
    if (a->map) app__map_json(a, root);
    if (a->pick.done) app__pick_json(&a->pick, root);
    if (a->opt.tour) app__tour_json(&a->tour, root);
    if (a->opt.snapshot)
        json_object_object_add(
            root, "snapshot", a->snapshot_written ? json_object_new_string(a->opt.snapshot) : NULL);
    int rc = json_object_to_file_ext(path, root,
                                     JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    json_object_put(root);
    if (rc != 0) {
        TW_ERROR("report", "%s: cannot write the report", path);
        return 1;
    }
    return 0;
}
