/* National certification map. */
#include "app_certmap.h"

#include "app_mapui.h"
#include "geo_polymesh.h"
#include "rn_fill.h"
#include "rn_lines.h"
#include "tw_json.h"
#include "tw_log.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_MAP_STOREY 9000.0 /* metres of extrusion per certification */

struct app_certmap {
    const app_map_cfg *cfg; /* the scene's, alive as long as the layer */
    app_world *world;
    app_layer_info cert_layer, muni_layer, prov_layer;
    geo_cert_db *db;
    geo_polygons muni, prov;
    bool muni_ok, prov_ok;
    tw_mesh fill_cpu;  /* positions and colours; kept to recolour */
    uint32_t *feat_v0; /* vertex range of municipality i: feat_v0[i]..feat_v0[i+1] */
    tw_mesh walls_cpu; /* four vertices per ring edge: bottom a, b, top b, a */
    uint32_t *wall_v0; /* like feat_v0, for the walls */
    bool extrude;      /* municipalities raised by their number of certifications */
    rn_mesh fill, walls, muni_lines, prov_lines;
    double origin[3];
    int *feat_city; /* municipality -> city shown in the current year, -1 */
    int year, hover, selected;
    geo_label *labels; /* certified cities, then provinces */
    double *label_z;
    int label_count, label_cap;
    double extent[4];
    bool has_extent;
};

/* A source as the worker needs it: the job's own copy, since the scene may
 * be left while the job runs. */
typedef struct app__poly_src {
    app_source_job src;
    char *code_field, *label_field, *label_field_en;
} app__poly_src;

typedef struct app__map_job {
    app_certmap *m;
    char *cert_path, *scheme_path;
    app__poly_src muni_src, prov_src;
    geo_cert_db *db;
    geo_polygons muni, prov;
    tw_result cert_r, muni_r, prov_r;
    char cert_err[512], muni_err[512], prov_err[512];
    int dropped;
    tw_mesh fill, walls, muni_lines, prov_lines;
    uint32_t *feat_v0, *wall_v0;
    double origin[3];
} app__map_job;

/* ---- worker side ---- */

static char *app__dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void app__poly_src_set(app__poly_src *d, const app_map_source *s, const geo_frame *frame)
{
    app_source_job_set(&d->src, &s->src, frame);
    d->code_field = app__dup(s->code_field ? s->code_field : "code");
    d->label_field = app__dup(s->label_field ? s->label_field : "name");
    d->label_field_en = app__dup(s->label_field_en ? s->label_field_en : "name_eng");
}

static void app__poly_src_free(app__poly_src *d)
{
    app_source_job_free(&d->src);
    free(d->code_field);
    free(d->label_field);
    free(d->label_field_en);
}

static tw_result app__load_polys(const app__poly_src *s, geo_polygons *out, char *err, size_t n)
{
    if (!s->src.path) return snprintf(err, n, "out of memory"), TW_ERR_NOMEM;
    geo_vector_desc d = app_source_job_vector(&s->src);
    d.label_field = s->label_field;
    d.label_field_en = s->label_field_en;
    return geo_vector_load_polygons(&d, s->code_field, s->src.frame, out, err, n);
}

static void app__map_run(void *job, int worker)
{
    (void)worker;
    app__map_job *j = job;
    j->cert_r =
        geo_cert_load(j->cert_path, j->scheme_path, &j->db, j->cert_err, sizeof j->cert_err);
    j->muni_r = app__load_polys(&j->muni_src, &j->muni, j->muni_err, sizeof j->muni_err);
    j->prov_r = j->prov_src.src.path
                    ? app__load_polys(&j->prov_src, &j->prov, j->prov_err, sizeof j->prov_err)
                    : TW_ERR_ARG;
    const geo_polygons *ext = j->muni_r == TW_OK ? &j->muni : j->prov_r == TW_OK ? &j->prov : NULL;
    if (ext) {
        j->origin[0] = 0.5 * (ext->extent[0] + ext->extent[2]);
        j->origin[1] = 0.5 * (ext->extent[1] + ext->extent[3]);
    }
    if (j->cert_r == TW_OK && j->muni_r == TW_OK) {
        const char **codes = malloc(((size_t)j->muni.count + 1) * sizeof *codes);
        int n = 0;
        for (int i = 0; codes && i < j->muni.count; i++)
            if (geo_polygons_text(&j->muni, i)->code)
                codes[n++] = geo_polygons_text(&j->muni, i)->code;
        if (codes) j->dropped = geo_cert_check_codes(j->db, codes, n, j->muni_src.src.path);
        free(codes);
    }
    if (j->muni_r == TW_OK) {
        if (geo_polymesh_fill(&j->muni, j->origin, &j->fill, &j->feat_v0) != TW_OK ||
            geo_polymesh_walls(&j->muni, j->origin, &j->walls, &j->wall_v0) != TW_OK ||
            geo_polymesh_lines(&j->muni, j->origin, &j->muni_lines) != TW_OK) {
            j->muni_r = TW_ERR_NOMEM;
            snprintf(j->muni_err, sizeof j->muni_err, "out of memory building the map");
        }
    }
    if (j->prov_r == TW_OK && geo_polymesh_lines(&j->prov, j->origin, &j->prov_lines) != TW_OK) {
        j->prov_r = TW_ERR_NOMEM;
        snprintf(j->prov_err, sizeof j->prov_err, "out of memory building the map");
    }
}

/* Frees what the job still holds (what was handed over is NULL here). */
static void app__map_job_free(app__map_job *j)
{
    free(j->cert_path);
    free(j->scheme_path);
    app__poly_src_free(&j->muni_src);
    app__poly_src_free(&j->prov_src);
    geo_cert_free(j->db);
    geo_polygons_free(&j->muni);
    geo_polygons_free(&j->prov);
    tw_mesh_free(&j->fill);
    tw_mesh_free(&j->walls);
    tw_mesh_free(&j->muni_lines);
    tw_mesh_free(&j->prov_lines);
    free(j->feat_v0);
    free(j->wall_v0);
    free(j);
}

/* ---- main thread ---- */

/* Height of a municipality in the 3D view: its city's number of
 * certifications (all years), APP_MAP_STOREY metres each. */
static double app__height_of(const app_certmap *m, int city)
{
    if (!m->extrude || city < 0 || !m->db) return 0;
    return APP_MAP_STOREY * geo_cert_city_at(m->db, city)->record_count;
}

static void app__labels_rebuild(app_certmap *m)
{
    m->label_count = 0;
    int need = (m->db ? geo_cert_city_count(m->db) : 0) + (m->prov_ok ? m->prov.count : 0);
    if (need > m->label_cap) {
        geo_label *l = realloc(m->labels, (size_t)need * sizeof *l);
        if (l) m->labels = l;
        double *z = realloc(m->label_z, (size_t)need * sizeof *z);
        if (z) m->label_z = z;
        if (!l || !z) return;
        m->label_cap = need;
    }
    if (m->db && m->muni_ok) {
        int cities = geo_cert_city_count(m->db);
        for (int c = 0; c < cities && m->label_count < m->label_cap; c++) {
            if (m->year && !geo_cert_city_record(m->db, c, m->year)) continue;
            double sx = 0, sy = 0, sw = 0;
            for (int f = 0; f < m->muni.count; f++) {
                if (m->feat_city[f] != c) continue;
                const geo_polygon *p = &m->muni.features[f];
                const geo_polygon_text *t = geo_polygons_text(&m->muni, f);
                sx += t->label_x * p->area;
                sy += t->label_y * p->area;
                sw += p->area;
            }
            if (sw <= 0) continue;
            const geo_cert_city *city = geo_cert_city_at(m->db, c);
            m->label_z[m->label_count] = app__height_of(m, c);
            m->labels[m->label_count++] = (geo_label){.text = (char *)city->name_ko,
                                                      .text_en = (char *)city->name_en,
                                                      .x = sx / sw,
                                                      .y = sy / sw,
                                                      .area = 1e13 + sw};
        }
    }
    for (int i = 0; m->prov_ok && i < m->prov.count && m->label_count < m->label_cap; i++) {
        const geo_polygon *p = &m->prov.features[i];
        const geo_polygon_text *t = geo_polygons_text(&m->prov, i);
        m->label_z[m->label_count] = 0;
        m->labels[m->label_count++] = (geo_label){.text = t->name,
                                                  .text_en = t->name_en,
                                                  .x = t->label_x,
                                                  .y = t->label_y,
                                                  .area = p->area};
    }
}

static const uint8_t *app__color_of(const app_certmap *m, int city)
{
    const app_map_palette *p = &app_map_colors;
    if (city < 0 || !m->db) return p->land;
    if (m->year == 0) {
        int n = geo_cert_city_at(m->db, city)->record_count;
        return p->times[n >= 3 ? 2 : n <= 1 ? 0 : 1];
    }
    const geo_cert_record *r = geo_cert_city_record(m->db, city, m->year);
    if (!r) return p->land;
    if (r->status == GEO_CERT_EXTENDED) return p->ext;
    return r->grade > 0 ? p->grade : p->cert;
}

static void app__recolor(app_certmap *m)
{
    if (!m->muni_ok || !m->feat_v0) return;
    for (int f = 0; f < m->muni.count; f++) {
        const char *code = geo_polygons_text(&m->muni, f)->code;
        m->feat_city[f] = m->db && code ? geo_cert_city_for_code(m->db, code, m->year) : -1;
        int city = m->feat_city[f];
        uint8_t c[4];
        memcpy(c, app__color_of(m, city), 4);
        if (city >= 0 && city == m->selected) {
            for (int k = 0; k < 3; k++)
                c[k] = (uint8_t)(c[k] * 0.45 + 0.55 * app_map_colors.sel[k]);
        } else if (city >= 0 && city == m->hover) {
            for (int k = 0; k < 3; k++) c[k] = (uint8_t)(c[k] + (255 - c[k]) * 0.35);
        }
        float h = (float)app__height_of(m, city);
        for (uint32_t v = m->feat_v0[f]; v < m->feat_v0[f + 1]; v++) {
            memcpy(&m->fill_cpu.colors[v * 4], c, 4);
            m->fill_cpu.positions[v * 3 + 2] = h;
        }
        for (uint32_t v = m->wall_v0[f]; v < m->wall_v0[f + 1]; v++) {
            memcpy(&m->walls_cpu.colors[v * 4], c, 4);
            m->walls_cpu.positions[v * 3 + 2] = (v & 3) >= 2 ? h : 0;
        }
    }
    rn_mesh_destroy(m->fill);
    m->fill = rn_mesh_make(&m->fill_cpu);
    rn_mesh_destroy(m->walls);
    m->walls = m->extrude ? rn_mesh_make(&m->walls_cpu) : (rn_mesh){0};
    app__labels_rebuild(m);
}

static void app__map_done(void *job, tw_result status)
{
    app__map_job *j = job;
    if (status != TW_OK) {
        app__map_job_free(j); /* the layer is gone */
        return;
    }
    app_certmap *m = j->m;
    double now = tw_time_mono_s();
    memcpy(m->origin, j->origin, sizeof m->origin);
    if (j->cert_r == TW_OK) {
        m->db = j->db;
        j->db = NULL;
        app_layer_info_ok(&m->cert_layer, now, geo_cert_record_count(m->db));
        int skipped = geo_cert_skipped_count(m->db) + j->dropped;
        for (int i = 0; i < skipped; i++) geo_skips_add(&m->cert_layer.skipped, "invalid record");
    } else {
        /* The loader's message starts with the path the layer line names. */
        const char *msg = j->cert_err;
        size_t pl = strlen(m->cfg->certifications);
        if (strncmp(msg, m->cfg->certifications, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0)
            msg += pl + 2;
        app_layer_info_fail(&m->cert_layer, now, "%s", msg);
    }
    if (j->muni_r == TW_OK) {
        m->muni = j->muni;
        m->muni_ok = true;
        m->fill_cpu = j->fill;
        m->feat_v0 = j->feat_v0;
        m->walls_cpu = j->walls;
        m->wall_v0 = j->wall_v0;
        memset(&j->muni, 0, sizeof j->muni);
        memset(&j->fill, 0, sizeof j->fill);
        memset(&j->walls, 0, sizeof j->walls);
        j->feat_v0 = j->wall_v0 = NULL;
        m->feat_city = calloc((size_t)m->muni.count, sizeof *m->feat_city);
        m->muni_lines = rn_mesh_make(&j->muni_lines);
        m->muni_layer.skipped = m->muni.skipped;
        app_layer_info_ok(&m->muni_layer, now, m->muni.count);
        memcpy(m->extent, m->muni.extent, sizeof m->extent);
        m->has_extent = true;
    } else {
        app_layer_info_fail(&m->muni_layer, now, "%s", j->muni_err);
    }
    if (j->prov_r == TW_OK) {
        m->prov = j->prov;
        memset(&j->prov, 0, sizeof j->prov);
        m->prov_ok = true;
        m->prov_lines = rn_mesh_make(&j->prov_lines);
        m->prov_layer.skipped = m->prov.skipped;
        app_layer_info_ok(&m->prov_layer, now, m->prov.count);
        if (!m->has_extent) memcpy(m->extent, m->prov.extent, sizeof m->extent);
        m->has_extent = true;
    } else if (m->cfg->provinces.src.path) {
        app_layer_info_fail(&m->prov_layer, now, "%s", j->prov_err);
    }
    app__map_job_free(j);
    app__recolor(m);
}

static void *app__create(app_layer *l, const void *cfgp, app_world *w)
{
    const app_map_cfg *cfg = cfgp;
    double now = tw_time_mono_s();
    app_certmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->cfg = cfg;
    m->world = w;
    m->year = cfg->year;
    m->extrude = cfg->extrude;
    m->hover = m->selected = -1;
    app_layer_info_begin(&m->cert_layer, "certification", "certifications", cfg->certifications,
                         "MOLIT press release 2021-09-09 and news reports (assets/cert/README.md)",
                         now);
    app_layer_info_begin(&m->muni_layer, "boundaries", "municipalities",
                         cfg->municipalities.src.path, cfg->municipalities.src.attribution, now);
    app_layer_add_info(l, &m->cert_layer);
    app_layer_add_info(l, &m->muni_layer);
    if (cfg->provinces.src.path) {
        app_layer_info_begin(&m->prov_layer, "boundaries", "provinces", cfg->provinces.src.path,
                             cfg->provinces.src.attribution, now);
        app_layer_add_info(l, &m->prov_layer);
    }
    app__map_job *j = calloc(1, sizeof *j);
    if (j) {
        j->m = m;
        j->cert_path = app__dup(cfg->certifications);
        j->scheme_path = app__dup(cfg->scheme);
        app__poly_src_set(&j->muni_src, &cfg->municipalities, w->frame);
        if (cfg->provinces.src.path) app__poly_src_set(&j->prov_src, &cfg->provinces, w->frame);
        if (app_layer_submit(l, j, app__map_run, app__map_done, 900)) return m;
        app__map_job_free(j);
    }
    for (int i = 0; i < l->info_count; i++) app_layer_info_fail(l->info[i], now, "out of memory");
    return m;
}

static void app__destroy(void *self)
{
    app_certmap *m = self;
    rn_mesh_destroy(m->fill);
    rn_mesh_destroy(m->muni_lines);
    rn_mesh_destroy(m->prov_lines);
    tw_mesh_free(&m->fill_cpu);
    free(m->feat_v0);
    rn_mesh_destroy(m->walls);
    tw_mesh_free(&m->walls_cpu);
    free(m->wall_v0);
    free(m->feat_city);
    geo_polygons_free(&m->muni);
    geo_polygons_free(&m->prov);
    geo_cert_free(m->db);
    free(m->labels);
    free(m->label_z);
    free(m);
}

bool app_certmap_extent(const app_certmap *m, double ext[4])
{
    if (!m->has_extent) return false;
    memcpy(ext, m->extent, 4 * sizeof *ext);
    return true;
}

const geo_cert_db *app_certmap_db(const app_certmap *m)
{
    return m->db;
}

bool app_certmap_extruded(const app_certmap *m)
{
    return m->extrude;
}

void app_certmap_set_extrude(app_certmap *m, bool on)
{
    if (m->extrude == on) return;
    m->extrude = on;
    app__recolor(m);
}

int app_certmap_year(const app_certmap *m)
{
    return m->year;
}

void app_certmap_set_year(app_certmap *m, int year)
{
    if (m->year == year) return;
    m->year = year;
    m->hover = -1;
    m->selected = -1;
    app__recolor(m);
}

void app_certmap_step_year(app_certmap *m, int dir)
{
    if (!m->db) return;
    int n = geo_cert_scheme_count(m->db);
    if (n <= 0) return;
    /* Positions 0..n-1 are the scheme years, n is "all years". */
    int pos = n;
    for (int i = 0; i < n; i++)
        if (geo_cert_scheme_at(m->db, i)->year == m->year) pos = i;
    pos = ((pos + dir) % (n + 1) + n + 1) % (n + 1);
    app_certmap_set_year(m, pos == n ? 0 : geo_cert_scheme_at(m->db, pos)->year);
}

int app_certmap_pick(const app_certmap *m, double x, double y, const char **admin_code)
{
    if (admin_code) *admin_code = NULL;
    if (!m->muni_ok) return -1;
    int f = geo_polygons_find(&m->muni, x, y);
    if (f < 0) return -1;
    if (admin_code) *admin_code = geo_polygons_text(&m->muni, f)->code;
    return m->feat_city ? m->feat_city[f] : -1;
}

int app_certmap_city_by_name(const app_certmap *m, const char *name_ko)
{
    if (!m->db || !name_ko) return -1;
    for (int c = 0; c < geo_cert_city_count(m->db); c++)
        if (strcmp(geo_cert_city_at(m->db, c)->name_ko, name_ko) == 0) return c;
    return -1;
}

bool app_certmap_city_area(const app_certmap *m, int city, double center[2], double *radius)
{
    if (!m->db || !m->muni_ok || city < 0) return false;
    const geo_cert_city *c = geo_cert_city_at(m->db, city);
    double b[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (int f = 0; f < m->muni.count; f++) {
        const char *code = geo_polygons_text(&m->muni, f)->code;
        bool in = false;
        for (int k = 0; code && k < c->admin_code_count && !in; k++)
            in = strcmp(code, c->admin_codes[k]) == 0;
        if (!in) continue;
        const double *fb = m->muni.features[f].bbox;
        b[0] = fmin(b[0], fb[0]), b[1] = fmin(b[1], fb[1]);
        b[2] = fmax(b[2], fb[2]), b[3] = fmax(b[3], fb[3]);
    }
    if (!(b[0] <= b[2])) return false;
    center[0] = 0.5 * (b[0] + b[2]);
    center[1] = 0.5 * (b[1] + b[3]);
    *radius = 0.5 * hypot(b[2] - b[0], b[3] - b[1]);
    return true;
}

void app_certmap_hover(app_certmap *m, int city)
{
    if (m->hover == city) return;
    m->hover = city;
    app__recolor(m);
}

void app_certmap_select(app_certmap *m, int city)
{
    if (m->selected == city) return;
    m->selected = city;
    app__recolor(m);
}

int app_certmap_selected(const app_certmap *m)
{
    return m->selected;
}

static void app__draw_map(app_certmap *m, const rn_view *view)
{
    if (m->muni_ok) {
        rn_fill_item it[2] = {{.mesh = m->fill, .origin = {m->origin[0], m->origin[1], 0}},
                              {.mesh = m->walls, .origin = {m->origin[0], m->origin[1], 0}}};
        rn_fill_draw(view, it, m->extrude ? 2 : 1);
    }
    rn_lines_item lines[2];
    int n = 0;
    if (m->muni_ok)
        lines[n++] = (rn_lines_item){.mesh = m->muni_lines,
                                     .origin = {m->origin[0], m->origin[1], 0},
                                     .color = {1, 1, 1, 0.85f},
                                     .width_px = 1.0f};
    if (m->prov_ok)
        lines[n++] = (rn_lines_item){.mesh = m->prov_lines,
                                     .origin = {m->origin[0], m->origin[1], 0},
                                     .color = {0.25f, 0.28f, 0.34f, 0.95f},
                                     .width_px = 1.8f};
    rn_lines_draw(view, NULL, lines, n);
}

static int app__labels(void *self, const app_ui_ctx *ui, app_hud_label *out, int max)
{
    (void)ui;
    app_certmap *m = self;
    int n = 0;
    for (int i = 0; i < m->label_count && n < max; i++)
        out[n++] =
            (app_hud_label){.label = &m->labels[i], .pos = {m->labels[i].x, m->labels[i].y, 0}};
    return n;
}

/* ---- the layer kind ---- */

static void app__mapui_state(const app_certmap *m, app_mapui_state *st)
{
    *st = (app_mapui_state){.db = m->db,
                            .year = m->year,
                            .hover = m->hover,
                            .selected = m->selected,
                            .prov = &m->prov,
                            .prov_ok = m->prov_ok};
}

static void app__mapui_screen(const app_certmap *m, const app_ui_ctx *ui, app_mapui_screen *sc)
{
    *sc = (app_mapui_screen){.width = ui->width,
                             .height = ui->height,
                             .scale = ui->scale,
                             .labels_en = ui->labels_en,
                             .cursor = {ui->cursor[0], ui->cursor[1]},
                             .show_cursor_tip = ui->show_cursor_tip};
    if (m->db && m->selected >= 0 &&
        app_certmap_twin(m, geo_cert_city_at(m->db, m->selected)->name_ko))
        sc->twin_hint = "Enter: 디지털 트윈으로 fly into the twin";
}

static void app__draw(void *self, app_pass pass, const app_draw_ctx *d)
{
    app_certmap *m = self;
    if (pass == APP_PASS_OPAQUE) {
        app__draw_map(m, d->view);
    } else if (pass == APP_PASS_OVERLAY && m->db) {
        app_mapui_state st;
        app_mapui_screen sc;
        app__mapui_state(m, &st);
        app__mapui_screen(m, d->ui, &sc);
        app_mapui_draw(&st, &sc);
    }
}

static int app__reserved(const void *self, const app_ui_ctx *ui, float (*out)[4], int max)
{
    app_mapui_state st;
    app_mapui_screen sc;
    app__mapui_state(self, &st);
    app__mapui_screen(self, ui, &sc);
    return app_mapui_reserved(&st, &sc, out, max);
}

static bool app__extent(const void *self, double ext[4], double *z, bool *has_z)
{
    (void)z;
    *has_z = false;
    return app_certmap_extent(self, ext);
}

/* The map is seen from straight above (tilted in 3D), the panels left and
 * right of it. */
static bool app__frame_view(const void *self, const double ext[4], int w, int h, app_camera *cam)
{
    if (app_certmap_extruded(self))
        app_camera_frame_tilt(cam, ext, 0, w, h, 45, 0.95);
    else
        app_camera_frame_tilt(cam, ext, 0, w, h, 0, 1.08);
    return true;
}

static bool app__pick(void *self, const app_pick_query *q, app_pick_hit *out)
{
    app_certmap *m = self;
    if (!q->has_ground) return false;
    const char *code;
    int city = app_certmap_pick(m, q->ground[0], q->ground[1], &code);
    if (!code) return false;
    json_object *a = json_object_new_object();
    json_object_object_add(a, "admin_code", json_object_new_string(code));
    out->kind = "municipality";
    out->fid = geo_polygons_find(&m->muni, q->ground[0], q->ground[1]);
    out->attributes = a;
    if (city < 0 || !m->db) return true;
    const geo_cert_city *c = geo_cert_city_at(m->db, city);
    const geo_cert_record *r = geo_cert_city_record(m->db, city, m->year);
    out->kind = "city";
    json_object_object_add(a, "name_ko", json_object_new_string(c->name_ko));
    json_object_object_add(a, "name_en", json_object_new_string(c->name_en));
    if (r) {
        json_object_object_add(a, "year", json_object_new_int(r->year));
        json_object_object_add(
            a, "status",
            json_object_new_string(r->status == GEO_CERT_EXTENDED ? "extended" : "certified"));
        json_object_object_add(a, "grade", r->grade ? json_object_new_int(r->grade) : NULL);
    }
    app_certmap_select(m, city);
    return true;
}

static int app__city_at(const app_pick_query *q, const app_certmap *m)
{
    return q->has_ground ? app_certmap_pick(m, q->ground[0], q->ground[1], NULL) : -1;
}

static void app__hover(void *self, const app_pick_query *q)
{
    app_certmap_hover(self, app__city_at(q, self));
}

static bool app__click(void *self, const app_pick_query *q)
{
    app_certmap *m = self;
    app_mapui_state st;
    app_mapui_screen sc;
    app__mapui_state(m, &st);
    app__mapui_screen(m, q->ui, &sc);
    int year;
    if (app_mapui_year_at(&st, &sc, q->px, q->py, &year))
        app_certmap_set_year(m, year);
    else
        app_certmap_select(m, app__city_at(q, m));
    return true;
}

/* Keys that mean something else on the map. */
static bool app__key(void *self, int key, const app_ui_ctx *ui)
{
    app_certmap *m = self;
    switch (key) {
    case '[':
    case ',':
        app_certmap_step_year(m, -1);
        return true;
    case ']':
    case '.':
        app_certmap_step_year(m, 1);
        return true;
    case '0':
        app_certmap_set_year(m, 0);
        return true;
    case 'B': {
        /* 3D: raise the cities, and tilt the view so that it shows. */
        bool on = !m->extrude;
        app_certmap_set_extrude(m, on);
        app_camera to = *ui->cam;
        to.tilt = on ? 50 : 0;
        if (m->world->fly) m->world->fly(m->world->app, &to);
        return true;
    }
    case RN_KEY_ESCAPE:
        if (m->selected < 0) return false;
        app_certmap_select(m, -1);
        return true;
    case RN_KEY_ENTER:
    case RN_KEY_KP_ENTER: {
        if (m->selected < 0 || !m->db) return true;
        const char *name = geo_cert_city_at(m->db, m->selected)->name_ko;
        const app_twin *t = app_certmap_twin(m, name);
        if (t && m->world->go)
            m->world->go(m->world->app, t->scene, t->bookmark, name);
        else
            TW_INFO("map", "%s has no twin scene configured", name);
        return true;
    }
    default:
        break;
    }
    if (key >= '1' && key <= '9' && m->db) {
        int i = key - '1';
        if (i < geo_cert_scheme_count(m->db))
            app_certmap_set_year(m, geo_cert_scheme_at(m->db, i)->year);
        return true;
    }
    return false;
}

static void app__report(const void *self, json_object *root)
{
    const app_certmap *m = self;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "year",
                           m->year ? json_object_new_int(m->year) : json_object_new_string("all"));
    json_object_object_add(o, "extrude", json_object_new_boolean(m->extrude));
    json_object_object_add(
        o, "selected",
        m->db && m->selected >= 0
            ? json_object_new_string(geo_cert_city_at(m->db, m->selected)->name_ko)
            : NULL);
    if (m->db) {
        geo_cert_counts c;
        geo_cert_counts_get(m->db, m->year, &c);
        json_object_object_add(o, "records", json_object_new_int(c.records));
        json_object_object_add(o, "certified", json_object_new_int(c.certified));
        json_object_object_add(o, "extended", json_object_new_int(c.extended));
    }
    json_object_object_add(root, "map", o);
}

app_certmap *app_certmap_of(app_layer *l)
{
    return l && l->kind == &app_map_kind ? l->self : NULL;
}

const app_twin *app_certmap_twin(const app_certmap *m, const char *city)
{
    return m ? app_map_cfg_twin(m->cfg, city) : NULL;
}

static const app_source *app__cfg_source(const void *cfg)
{
    return &((const app_map_cfg *)cfg)->municipalities.src;
}

static void app__defaults(const void *cfg, app_view_defaults *d)
{
    (void)cfg;
    d->top_down = true;
}

const app_layer_kind app_map_kind = {
    .name = "map",
    .parse = app_map_cfg_parse,
    .cfg_free = app_map_cfg_free,
    .cfg_source = app__cfg_source,
    .defaults = app__defaults,
    .create = app__create,
    .destroy = app__destroy,
    .draw = app__draw,
    .labels = app__labels,
    .extent = app__extent,
    .pick = app__pick,
    .key = app__key,
    .click = app__click,
    .hover = app__hover,
    .reserved = app__reserved,
    .frame_view = app__frame_view,
    .report = app__report,
};
