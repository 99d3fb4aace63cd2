/* National certification map. */
#include "app_certmap.h"

#include "rn_fill.h"
#include "rn_lines.h"
#include "rn_ui.h"
#include "tw_log.h"
#include "tw_time.h"
#include "tw_triangulate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_MAP_MAX_CODES 512
#define APP_MAP_STOREY    9000.0 /* metres of extrusion per certification */

/* Fill colours (RGBA8). Certified with a published grade is the darkest:
 * the one fact the sources give in full. */
static const uint8_t MAP_LAND[4] = {226, 224, 216, 255};
static const uint8_t MAP_GRADE[4] = {24, 96, 170, 255}; /* certified, grade published */
static const uint8_t MAP_CERT[4] = {66, 146, 214, 255}; /* certified, grade not published */
static const uint8_t MAP_EXT[4] = {240, 150, 40, 255};  /* extended */
static const uint8_t MAP_TIMES[3][4] = {
    {150, 200, 225, 255}, {66, 146, 214, 255}, {20, 80, 150, 255}}; /* 1, 2, 3+ certifications */

static const rn_rgba UI_TEXT = {255, 255, 255, 255};
static const rn_rgba UI_DIM = {205, 214, 224, 255};
static const rn_rgba UI_PANEL = {16, 24, 36, 200};
static const rn_rgba UI_ACCENT = {90, 200, 250, 255};
static const rn_rgba UI_SEL = {255, 214, 60, 255};

struct app_certmap {
    const app_map_cfg *cfg;
    const geo_frame *frame;
    app_layer cert_layer, muni_layer, prov_layer;
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
    geo_label labels[256];
    double label_z[256];
    int label_count;
    double extent[4];
    bool has_extent;
};

typedef struct app__map_job {
    app_certmap *m;
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

static tw_result app__load_polys(const app_map_source *s, const geo_frame *frame, geo_polygons *out,
                                 char *err, size_t n)
{
    geo_vector_desc d = {
        .path = s->src.path,
        .layer = s->src.layer,
        .where = s->src.where,
        .source_crs = s->src.source_crs,
        .encoding = s->src.encoding,
        .label_field = s->label_field ? s->label_field : "name",
        .label_field_en = s->label_field_en ? s->label_field_en : "name_eng",
    };
    return geo_vector_load_polygons(&d, s->code_field ? s->code_field : "code", frame, out, err, n);
}

/* Appends the triangles of one outer ring and its holes to the growing fill. */
static bool app__fill_part(const geo_polygons *p, int r0, int r1, tw_tri_out *tri, double *xy,
                           int *starts, const double origin[3], tw_mesh *m, uint32_t *nv,
                           uint32_t *ni)
{
    int np = 0, nr = 0;
    for (int r = r0; r < r1; r++) {
        int a = p->ring_start[r], b = p->ring_start[r + 1];
        starts[nr++] = np;
        memcpy(&xy[np * 2], &p->xy[a * 2], (size_t)(b - a) * 2 * sizeof *xy);
        np += b - a;
    }
    tri->index_count = 0;                                              /* tw_triangulate appends */
    if (tw_triangulate(xy, starts, nr, np, tri) != TW_OK) return true; /* skip, not fatal */
    if (*nv + (uint32_t)np > m->vertex_count || *ni + tri->index_count > m->index_count)
        return false;
    for (int i = 0; i < np; i++) {
        m->positions[(*nv + i) * 3] = (float)(xy[i * 2] - origin[0]);
        m->positions[(*nv + i) * 3 + 1] = (float)(xy[i * 2 + 1] - origin[1]);
        m->positions[(*nv + i) * 3 + 2] = 0;
    }
    for (size_t k = 0; k < tri->index_count; k++) m->indices[*ni + k] = *nv + tri->indices[k];
    *nv += (uint32_t)np;
    *ni += (uint32_t)tri->index_count;
    return true;
}

static tw_result app__build_fill(const geo_polygons *p, const double origin[3], tw_mesh *m,
                                 uint32_t **feat_v0)
{
    uint32_t points = (uint32_t)p->ring_start[p->ring_count];
    /* A simple polygon of n points has n - 2 triangles; holes add two each. */
    uint32_t max_idx = (points + 2u * (uint32_t)p->ring_count) * 3u;
    m->prim = TW_PRIM_TRIANGLES;
    tw_result r = tw_mesh_alloc(m, points, max_idx, TW_MESH_COLORS);
    if (r != TW_OK) return r;
    memcpy(m->origin, origin, sizeof m->origin);
    *feat_v0 = calloc((size_t)p->count + 1, sizeof **feat_v0);
    double *xy = malloc((size_t)points * 2 * sizeof *xy);
    int *starts = malloc(((size_t)p->ring_count + 1) * sizeof *starts);
    tw_tri_out tri = {0};
    uint32_t nv = 0, ni = 0;
    bool ok = *feat_v0 && xy && starts;
    for (int f = 0; ok && f < p->count; f++) {
        const geo_polygon *pf = &p->features[f];
        (*feat_v0)[f] = nv;
        int end = pf->ring_first + pf->ring_count;
        for (int ring = pf->ring_first; ok && ring < end;) {
            int r1 = ring + 1;
            while (r1 < end && !p->ring_outer[r1]) r1++;
            if (p->ring_outer[ring])
                ok = app__fill_part(p, ring, r1, &tri, xy, starts, origin, m, &nv, &ni);
            ring = r1;
        }
    }
    if (ok) (*feat_v0)[p->count] = nv;
    tw_tri_out_free(&tri);
    free(xy);
    free(starts);
    if (!ok) {
        free(*feat_v0);
        *feat_v0 = NULL;
        tw_mesh_free(m);
        return TW_ERR_NOMEM;
    }
    m->vertex_count = nv;
    m->index_count = ni;
    memset(m->colors, 255, (size_t)nv * 4);
    return TW_OK;
}

static tw_result app__build_lines(const geo_polygons *p, const double origin[3], tw_mesh *m)
{
    uint32_t points = (uint32_t)p->ring_start[p->ring_count];
    m->prim = TW_PRIM_LINES;
    tw_result r = tw_mesh_alloc(m, points, points * 2, 0);
    if (r != TW_OK) return r;
    memcpy(m->origin, origin, sizeof m->origin);
    uint32_t ni = 0;
    for (int ring = 0; ring < p->ring_count; ring++) {
        uint32_t a = (uint32_t)p->ring_start[ring], b = (uint32_t)p->ring_start[ring + 1];
        for (uint32_t i = a; i < b; i++) {
            m->positions[i * 3] = (float)(p->xy[i * 2] - origin[0]);
            m->positions[i * 3 + 1] = (float)(p->xy[i * 2 + 1] - origin[1]);
            m->positions[i * 3 + 2] = 0;
            m->indices[ni++] = i;
            m->indices[ni++] = i + 1 < b ? i + 1 : a;
        }
    }
    m->index_count = ni;
    return TW_OK;
}

/* Side walls of every ring, flat at z 0 until app__recolor raises them;
 * normals face out of the solid part. */
static tw_result app__build_walls(const geo_polygons *p, const double origin[3], tw_mesh *m,
                                  uint32_t **wall_v0)
{
    uint32_t points = (uint32_t)p->ring_start[p->ring_count];
    m->prim = TW_PRIM_TRIANGLES;
    tw_result r = tw_mesh_alloc(m, points * 4, points * 6, TW_MESH_NORMALS | TW_MESH_COLORS);
    if (r != TW_OK) return r;
    memcpy(m->origin, origin, sizeof m->origin);
    *wall_v0 = calloc((size_t)p->count + 1, sizeof **wall_v0);
    if (!*wall_v0) {
        tw_mesh_free(m);
        return TW_ERR_NOMEM;
    }
    uint32_t nv = 0, ni = 0;
    for (int f = 0; f < p->count; f++) {
        const geo_polygon *pf = &p->features[f];
        (*wall_v0)[f] = nv;
        for (int ring = pf->ring_first; ring < pf->ring_first + pf->ring_count; ring++) {
            int a0 = p->ring_start[ring], n = p->ring_start[ring + 1] - a0;
            double area = tw_triangulate_signed_area(&p->xy[a0 * 2], n);
            /* Counter-clockwise outer rings face right of each edge; holes the other way. */
            double side = (area > 0) == p->ring_outer[ring] ? 1 : -1;
            for (int i = 0; i < n; i++) {
                const double *pa = &p->xy[(a0 + i) * 2], *pb = &p->xy[(a0 + (i + 1) % n) * 2];
                double dx = pb[0] - pa[0], dy = pb[1] - pa[1], len = hypot(dx, dy);
                if (len <= 0) continue;
                float nx = (float)(side * dy / len), ny = (float)(-side * dx / len);
                const double *q[4] = {pa, pb, pb, pa};
                for (int k = 0; k < 4; k++) {
                    float *pos = &m->positions[(nv + k) * 3], *nor = &m->normals[(nv + k) * 3];
                    pos[0] = (float)(q[k][0] - origin[0]);
                    pos[1] = (float)(q[k][1] - origin[1]);
                    pos[2] = 0;
                    nor[0] = nx, nor[1] = ny, nor[2] = 0;
                }
                uint32_t *ix = &m->indices[ni];
                ix[0] = nv, ix[1] = nv + 1, ix[2] = nv + 2, ix[3] = nv, ix[4] = nv + 2,
                ix[5] = nv + 3;
                nv += 4;
                ni += 6;
            }
        }
    }
    (*wall_v0)[p->count] = nv;
    m->vertex_count = nv;
    m->index_count = ni;
    memset(m->colors, 255, (size_t)nv * 4);
    return TW_OK;
}

static void app__map_run(void *job, int worker)
{
    (void)worker;
    app__map_job *j = job;
    const app_map_cfg *c = j->m->cfg;
    j->cert_r =
        geo_cert_load(c->certifications, c->scheme, &j->db, j->cert_err, sizeof j->cert_err);
    j->muni_r =
        app__load_polys(&c->municipalities, j->m->frame, &j->muni, j->muni_err, sizeof j->muni_err);
    j->prov_r = c->provinces.src.path ? app__load_polys(&c->provinces, j->m->frame, &j->prov,
                                                        j->prov_err, sizeof j->prov_err)
                                      : TW_ERR_ARG;
    const geo_polygons *ext = j->muni_r == TW_OK ? &j->muni : j->prov_r == TW_OK ? &j->prov : NULL;
    if (ext) {
        j->origin[0] = 0.5 * (ext->extent[0] + ext->extent[2]);
        j->origin[1] = 0.5 * (ext->extent[1] + ext->extent[3]);
    }
    if (j->cert_r == TW_OK && j->muni_r == TW_OK) {
        const char *codes[APP_MAP_MAX_CODES];
        int n = 0;
        for (int i = 0; i < j->muni.count && n < APP_MAP_MAX_CODES; i++)
            if (j->muni.features[i].code) codes[n++] = j->muni.features[i].code;
        j->dropped = geo_cert_check_codes(j->db, codes, n, c->municipalities.src.path);
    }
    if (j->muni_r == TW_OK) {
        if (app__build_fill(&j->muni, j->origin, &j->fill, &j->feat_v0) != TW_OK ||
            app__build_walls(&j->muni, j->origin, &j->walls, &j->wall_v0) != TW_OK ||
            app__build_lines(&j->muni, j->origin, &j->muni_lines) != TW_OK) {
            j->muni_r = TW_ERR_NOMEM;
            snprintf(j->muni_err, sizeof j->muni_err, "out of memory building the map");
        }
    }
    if (j->prov_r == TW_OK && app__build_lines(&j->prov, j->origin, &j->prov_lines) != TW_OK) {
        j->prov_r = TW_ERR_NOMEM;
        snprintf(j->prov_err, sizeof j->prov_err, "out of memory building the map");
    }
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
    if (m->db && m->muni_ok) {
        int cities = geo_cert_city_count(m->db);
        for (int c = 0; c < cities && m->label_count < 200; c++) {
            if (m->year && !geo_cert_city_record(m->db, c, m->year)) continue;
            double sx = 0, sy = 0, sw = 0;
            for (int f = 0; f < m->muni.count; f++) {
                if (m->feat_city[f] != c) continue;
                const geo_polygon *p = &m->muni.features[f];
                sx += p->label_x * p->area;
                sy += p->label_y * p->area;
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
    for (int i = 0; m->prov_ok && i < m->prov.count && m->label_count < 256; i++) {
        const geo_polygon *p = &m->prov.features[i];
        m->label_z[m->label_count] = 0;
        m->labels[m->label_count++] = (geo_label){.text = p->name,
                                                  .text_en = p->name_en,
                                                  .x = p->label_x,
                                                  .y = p->label_y,
                                                  .area = p->area};
    }
}

static const uint8_t *app__color_of(const app_certmap *m, int city)
{
    if (city < 0 || !m->db) return MAP_LAND;
    if (m->year == 0) {
        int n = geo_cert_city_at(m->db, city)->record_count;
        return MAP_TIMES[n >= 3 ? 2 : n <= 1 ? 0 : 1];
    }
    const geo_cert_record *r = geo_cert_city_record(m->db, city, m->year);
    if (!r) return MAP_LAND;
    if (r->status == GEO_CERT_EXTENDED) return MAP_EXT;
    return r->grade > 0 ? MAP_GRADE : MAP_CERT;
}

static void app__recolor(app_certmap *m)
{
    if (!m->muni_ok || !m->feat_v0) return;
    for (int f = 0; f < m->muni.count; f++) {
        const char *code = m->muni.features[f].code;
        m->feat_city[f] = m->db && code ? geo_cert_city_for_code(m->db, code, m->year) : -1;
        int city = m->feat_city[f];
        uint8_t c[4];
        memcpy(c, app__color_of(m, city), 4);
        if (city >= 0 && city == m->selected) {
            for (int k = 0; k < 3; k++) c[k] = (uint8_t)(c[k] * 0.45 + 0.55 * (&UI_SEL.r)[k]);
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
    app_certmap *m = j->m;
    double now = tw_time_mono_s();
    if (status != TW_OK) {
        app_layer_fail(&m->cert_layer, now, "cancelled");
        app_layer_fail(&m->muni_layer, now, "cancelled");
        app_layer_fail(&m->prov_layer, now, "cancelled");
        geo_cert_free(j->db);
        geo_polygons_free(&j->muni);
        geo_polygons_free(&j->prov);
        tw_mesh_free(&j->fill);
        tw_mesh_free(&j->walls);
        free(j->wall_v0);
        tw_mesh_free(&j->muni_lines);
        tw_mesh_free(&j->prov_lines);
        free(j->feat_v0);
        free(j);
        return;
    }
    memcpy(m->origin, j->origin, sizeof m->origin);
    if (j->cert_r == TW_OK) {
        m->db = j->db;
        app_layer_ok(&m->cert_layer, now, geo_cert_record_count(m->db));
        int skipped = geo_cert_skipped_count(m->db) + j->dropped;
        for (int i = 0; i < skipped; i++) geo_skips_add(&m->cert_layer.skipped, "invalid record");
    } else {
        /* The loader's message starts with the path the layer line names. */
        const char *msg = j->cert_err;
        size_t pl = strlen(m->cfg->certifications);
        if (strncmp(msg, m->cfg->certifications, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0)
            msg += pl + 2;
        app_layer_fail(&m->cert_layer, now, "%s", msg);
    }
    if (j->muni_r == TW_OK) {
        m->muni = j->muni;
        m->muni_ok = true;
        m->fill_cpu = j->fill;
        m->feat_v0 = j->feat_v0;
        m->walls_cpu = j->walls;
        m->wall_v0 = j->wall_v0;
        m->feat_city = calloc((size_t)m->muni.count, sizeof *m->feat_city);
        m->muni_lines = rn_mesh_make(&j->muni_lines);
        m->muni_layer.skipped = m->muni.skipped;
        app_layer_ok(&m->muni_layer, now, m->muni.count);
        memcpy(m->extent, m->muni.extent, sizeof m->extent);
        m->has_extent = true;
    } else {
        geo_polygons_free(&j->muni);
        tw_mesh_free(&j->fill);
        tw_mesh_free(&j->walls);
        free(j->feat_v0);
        free(j->wall_v0);
        app_layer_fail(&m->muni_layer, now, "%s", j->muni_err);
    }
    if (j->prov_r == TW_OK) {
        m->prov = j->prov;
        m->prov_ok = true;
        m->prov_lines = rn_mesh_make(&j->prov_lines);
        m->prov_layer.skipped = m->prov.skipped;
        app_layer_ok(&m->prov_layer, now, m->prov.count);
        if (!m->has_extent) memcpy(m->extent, m->prov.extent, sizeof m->extent);
        m->has_extent = true;
    } else if (m->cfg->provinces.src.path) {
        geo_polygons_free(&j->prov);
        app_layer_fail(&m->prov_layer, now, "%s", j->prov_err);
    }
    tw_mesh_free(&j->muni_lines);
    tw_mesh_free(&j->prov_lines);
    free(j);
    app__recolor(m);
}

app_certmap *app_certmap_create(const app_map_cfg *cfg, const geo_frame *frame, tw_pool *pool,
                                double now)
{
    app_certmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->cfg = cfg;
    m->frame = frame;
    m->year = cfg->year;
    m->extrude = cfg->extrude;
    m->hover = m->selected = -1;
    app_layer_begin(&m->cert_layer, "certification", "certifications", cfg->certifications,
                    "MOLIT press release 2021-09-09 and news reports (assets/cert/README.md)", now);
    app_layer_begin(&m->muni_layer, "boundaries", "municipalities", cfg->municipalities.src.path,
                    cfg->municipalities.src.attribution, now);
    if (cfg->provinces.src.path)
        app_layer_begin(&m->prov_layer, "boundaries", "provinces", cfg->provinces.src.path,
                        cfg->provinces.src.attribution, now);
    app__map_job *j = calloc(1, sizeof *j);
    if (!j) {
        app_layer_fail(&m->cert_layer, now, "out of memory");
        app_layer_fail(&m->muni_layer, now, "out of memory");
        if (cfg->provinces.src.path) app_layer_fail(&m->prov_layer, now, "out of memory");
        return m;
    }
    j->m = m;
    tw_pool_submit(
        pool,
        &(tw_job_desc){.job = j, .run = app__map_run, .done = app__map_done, .priority = 900});
    return m;
}

void app_certmap_destroy(app_certmap *m)
{
    if (!m) return;
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
    free(m);
}

int app_certmap_layers(app_certmap *m, app_layer **out, int max)
{
    int n = 0;
    if (n < max) out[n++] = &m->cert_layer;
    if (n < max) out[n++] = &m->muni_layer;
    if (n < max && m->cfg->provinces.src.path) out[n++] = &m->prov_layer;
    return n;
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
    if (admin_code) *admin_code = m->muni.features[f].code;
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
        const char *code = m->muni.features[f].code;
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

void app_certmap_draw(app_certmap *m, const rn_view *view)
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

int app_certmap_labels(app_certmap *m, app_hud_label *out, int max)
{
    int n = 0;
    for (int i = 0; i < m->label_count && n < max; i++)
        out[n++] =
            (app_hud_label){.label = &m->labels[i], .pos = {m->labels[i].x, m->labels[i].y, 0}};
    return n;
}

/* ---- panels ---- */

static void app__rect_ui(float x, float y, float w, float h, const uint8_t c[4])
{
    rn_ui_rect(x, y, w, h, (rn_rgba){c[0], c[1], c[2], c[3]});
}

static const char *app__year_label(int year, char *buf, size_t n)
{
    if (year == 0)
        snprintf(buf, n, "전체 All");
    else
        snprintf(buf, n, "%d", year);
    return buf;
}

/* The year strip, bottom centre: every scheme year, then "all". Writes the
 * boxes of the entries when boxes is not NULL. */
static int app__year_strip(const app_certmap *m, const app_certmap_ui *ui, bool draw,
                           float (*boxes)[4], int *years, int max)
{
    if (!m->db) return 0;
    float s = ui->scale, px = 14 * s, pad = 10 * s;
    int n = geo_cert_scheme_count(m->db), count = 0;
    float total = 0, widths[GEO_CERT_YEARS_MAX + 1];
    char buf[32];
    for (int i = 0; i <= n && i <= GEO_CERT_YEARS_MAX; i++) {
        int y = i < n ? geo_cert_scheme_at(m->db, i)->year : 0;
        float w, h;
        rn_ui_text_size(px, app__year_label(y, buf, sizeof buf), &w, &h);
        widths[i] = w + 2 * pad;
        total += widths[i];
    }
    float x = (ui->width - total) * 0.5f, y0 = ui->height - 104 * s, h = 26 * s;
    if (draw) rn_ui_rect(x - 6 * s, y0 - 6 * s, total + 12 * s, h + 12 * s, UI_PANEL);
    for (int i = 0; i <= n && i <= GEO_CERT_YEARS_MAX; i++) {
        int y = i < n ? geo_cert_scheme_at(m->db, i)->year : 0;
        if (draw) {
            if (y == m->year) rn_ui_rect(x, y0, widths[i], h, UI_ACCENT);
            rn_ui_text(x + pad, y0 + h - 8 * s, px,
                       y == m->year ? (rn_rgba){10, 20, 30, 255} : UI_TEXT,
                       app__year_label(y, buf, sizeof buf));
        }
        if (boxes && count < max) {
            boxes[count][0] = x, boxes[count][1] = y0;
            boxes[count][2] = x + widths[i], boxes[count][3] = y0 + h;
            years[count] = y;
        }
        count++;
        x += widths[i];
    }
    return count;
}

bool app_certmap_year_at(const app_certmap *m, const app_certmap_ui *ui, double x, double y,
                         int *year)
{
    float boxes[GEO_CERT_YEARS_MAX + 1][4];
    int years[GEO_CERT_YEARS_MAX + 1];
    int n = app__year_strip(m, ui, false, boxes, years, GEO_CERT_YEARS_MAX + 1);
    for (int i = 0; i < n && i <= GEO_CERT_YEARS_MAX; i++)
        if (x >= boxes[i][0] && x <= boxes[i][2] && y >= boxes[i][1] && y <= boxes[i][3]) {
            *year = years[i];
            return true;
        }
    return false;
}

static void app__legend(const app_certmap *m, const app_certmap_ui *ui)
{
    float s = ui->scale, px = 12 * s, row = 19 * s;
    static const char *const year_rows[] = {"인증 · 등급 공개 certified, grade published",
                                            "인증 · 등급 미공개 certified, grade not published",
                                            "인증 연장 extended", "해당 없음 not certified"};
    static const char *const all_rows[] = {"인증 1회 certified once", "인증 2회 twice",
                                           "인증 3회 이상 three times or more",
                                           "해당 없음 not certified"};
    const uint8_t *colors[4];
    if (m->year) {
        colors[0] = MAP_GRADE, colors[1] = MAP_CERT, colors[2] = MAP_EXT, colors[3] = MAP_LAND;
    } else {
        colors[0] = MAP_TIMES[0], colors[1] = MAP_TIMES[1], colors[2] = MAP_TIMES[2];
        colors[3] = MAP_LAND;
    }
    const char *const *rows = m->year ? year_rows : all_rows;
    float w = 0;
    for (int i = 0; i < 4; i++) {
        float tw, th;
        rn_ui_text_size(px, rows[i], &tw, &th);
        w = fmaxf(w, tw);
    }
    float x = 16 * s, y = ui->height - 118 * s - 4 * row;
    rn_ui_rect(x - 8 * s, y - 24 * s, w + 40 * s, 4 * row + 30 * s, UI_PANEL);
    rn_ui_text(x, y - 8 * s, px, UI_ACCENT, "범례 Legend");
    for (int i = 0; i < 4; i++) {
        app__rect_ui(x, y + i * row, 16 * s, 12 * s, colors[i]);
        rn_ui_text(x + 24 * s, y + i * row + 11 * s, px, UI_TEXT, rows[i]);
    }
}

static const char *app__status_text(const geo_cert_record *r, char *buf, size_t n)
{
    char grade[64];
    if (r->grade > 0)
        snprintf(grade, sizeof grade, "%d등급 grade %d", r->grade, r->grade);
    else
        snprintf(grade, sizeof grade, "등급 미공개 grade not published");
    snprintf(buf, n, "%d  %s · %s · %s", r->year,
             r->status == GEO_CERT_EXTENDED ? "인증 연장 extended" : "인증 certified", grade,
             r->cls == GEO_CERT_LARGE ? "대도시 large" : "중소도시 small/mid");
    return buf;
}

static void app__summary(const app_certmap *m, const app_certmap_ui *ui, float out[4])
{
    float s = ui->scale, px = 12 * s, w = 250 * s;
    float x = ui->width - w - 16 * s, y = 170 * s;
    geo_cert_counts c;
    geo_cert_counts_get(m->db, m->year, &c);
    float h = 190 * s + 14 * s * 6;
    rn_ui_rect(x - 8 * s, y - 22 * s, w + 16 * s, h, UI_PANEL);
    char line[512], yl[32];
    snprintf(line, sizeof line, "인증 현황 Summary · %s", app__year_label(m->year, yl, sizeof yl));
    rn_ui_text(x, y - 6 * s, 13 * s, UI_ACCENT, line);
    /* Bars by year: certified (blue) with extended (orange) stacked on top. */
    int maxv = 1;
    for (int i = 0; i < c.year_count; i++)
        maxv = c.per_year[i].certified + c.per_year[i].extended > maxv
                   ? c.per_year[i].certified + c.per_year[i].extended
                   : maxv;
    float bx = x + 4 * s, base = y + 96 * s, bh = 76 * s, bw = w / (c.year_count + 0.5f);
    for (int i = 0; i < c.year_count; i++) {
        float hc = bh * c.per_year[i].certified / maxv, he = bh * c.per_year[i].extended / maxv;
        float xb = bx + i * bw;
        bool cur = m->year == c.per_year[i].year;
        app__rect_ui(xb, base - hc, bw * 0.6f, hc, MAP_CERT);
        app__rect_ui(xb, base - hc - he, bw * 0.6f, he, MAP_EXT);
        snprintf(line, sizeof line, "%d", c.per_year[i].certified + c.per_year[i].extended);
        rn_ui_text(xb, base - hc - he - 4 * s, 11 * s, UI_TEXT, line);
        snprintf(line, sizeof line, "%d", c.per_year[i].year);
        rn_ui_text(xb - 2 * s, base + 14 * s, 10.5f * s, cur ? UI_SEL : UI_DIM, line);
    }
    float ty = base + 36 * s;
    snprintf(line, sizeof line, "인증 certified %d · 연장 extended %d", c.certified, c.extended);
    rn_ui_text(x, ty, px, UI_TEXT, line);
    ty += 18 * s;
    snprintf(line, sizeof line, "대도시 large %d · 중소도시 small/mid %d", c.large, c.small_mid);
    rn_ui_text(x, ty, px, UI_TEXT, line);
    ty += 20 * s;
    rn_ui_text(x, ty, px, UI_ACCENT, "시도별 By province");
    ty += 16 * s;
    /* Provinces with records, most first, as "name n" pairs on a few lines. */
    int order[GEO_CERT_PROVINCES], n = 0;
    for (int p = 0; p < GEO_CERT_PROVINCES; p++)
        if (c.province[p] > 0) order[n++] = p;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (c.province[order[b]] > c.province[order[a]]) {
                int t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
    line[0] = 0;
    int rows = 0;
    for (int k = 0; k < n && rows < 5; k++) {
        char code[8], item[96];
        snprintf(code, sizeof code, "%02d", order[k]);
        const char *name = code;
        for (int i = 0; m->prov_ok && i < m->prov.count; i++)
            if (m->prov.features[i].code && strcmp(m->prov.features[i].code, code) == 0)
                name = ui->labels_en && m->prov.features[i].name_en ? m->prov.features[i].name_en
                                                                    : m->prov.features[i].name;
        snprintf(item, sizeof item, "%s%s %d", line[0] ? " · " : "", name, c.province[order[k]]);
        float tw, th;
        char next[640];
        snprintf(next, sizeof next, "%.500s%s", line, item);
        rn_ui_text_size(11 * s, next, &tw, &th);
        if (tw > w && line[0]) {
            rn_ui_text(x, ty, 11 * s, UI_DIM, line);
            ty += 15 * s;
            rows++;
            snprintf(line, sizeof line, "%s %d", name, c.province[order[k]]);
        } else {
            snprintf(line, sizeof line, "%.500s", next);
        }
    }
    if (line[0] && rows < 5) rn_ui_text(x, ty, 11 * s, UI_DIM, line);
    out[0] = x - 8 * s, out[1] = y - 22 * s, out[2] = x + w + 8 * s, out[3] = y - 22 * s + h;
}

/* Word-wraps text into width, drawing each line; returns the y after it. */
static float app__wrap(float x, float y, float width, float px, rn_rgba c, const char *text,
                       int max_lines)
{
    char line[512] = "";
    const char *p = text;
    int lines = 0;
    while (*p && lines < max_lines) {
        const char *sp = strchr(p, ' ');
        size_t wl = sp ? (size_t)(sp - p) : strlen(p);
        char cand[1024];
        snprintf(cand, sizeof cand, "%s%s%.*s", line, line[0] ? " " : "",
                 (int)(wl < 500 ? wl : 500), p);
        float w, h;
        rn_ui_text_size(px, cand, &w, &h);
        if (w > width && line[0]) {
            rn_ui_text(x, y, px, c, line);
            y += px * 1.4f;
            lines++;
            snprintf(line, sizeof line, "%.*s", (int)(wl < 500 ? wl : 500), p);
        } else {
            snprintf(line, sizeof line, "%.500s", cand);
        }
        p += wl;
        while (*p == ' ') p++;
    }
    if (line[0] && lines < max_lines) {
        rn_ui_text(x, y, px, c, line);
        y += px * 1.4f;
    }
    return y;
}

static void app__card(const app_certmap *m, const app_certmap_ui *ui, float out[4])
{
    const geo_cert_city *c = geo_cert_city_at(m->db, m->selected);
    float s = ui->scale, px = 12 * s, w = 360 * s, x = 16 * s, y = 112 * s;
    float top = y - 24 * s;
    /* Measure by drawing into a panel sized for the worst case. */
    rn_ui_rect(x - 8 * s, top, w + 16 * s, ui->height * 0.56f, UI_PANEL);
    char line[512];
    snprintf(line, sizeof line, "%s", c->name_ko);
    rn_ui_text(x, y, 20 * s, UI_TEXT, line);
    y += 20 * s;
    rn_ui_text(x, y, 13 * s, UI_DIM, c->name_en);
    y += 22 * s;
    rn_ui_text(x, y, px, UI_ACCENT, "인증 이력 Certification history");
    y += 17 * s;
    const geo_cert_record *latest = NULL;
    for (int i = 0; i < c->record_count; i++) {
        const geo_cert_record *r = geo_cert_record_at(m->db, c->records[i]);
        rn_ui_text(x, y, px, r->year == m->year ? UI_SEL : UI_TEXT,
                   app__status_text(r, line, sizeof line));
        y += 16 * s;
        latest = r;
    }
    const geo_cert_record *hl = NULL;
    for (int i = 0; i < c->record_count; i++) {
        const geo_cert_record *r = geo_cert_record_at(m->db, c->records[i]);
        if (r->highlights_ko) hl = r;
    }
    if (hl) {
        y += 6 * s;
        snprintf(line, sizeof line, "%d 우수 성과 Highlights", hl->year);
        rn_ui_text(x, y, px, UI_ACCENT, line);
        y += 17 * s;
        y = app__wrap(x, y, w, px, UI_TEXT, hl->highlights_ko, 6);
        if (ui->labels_en && hl->highlights_en)
            y = app__wrap(x, y, w, 11 * s, UI_DIM, hl->highlights_en, 4);
    }
    /* The scheme of the year shown when the city has a record then, else
     * of its latest record. */
    const geo_cert_record *shown =
        m->year ? geo_cert_city_record(m->db, m->selected, m->year) : NULL;
    if (!shown) shown = latest;
    const geo_cert_scheme *sc = shown ? geo_cert_scheme_for_year(m->db, shown->year) : NULL;
    if (sc) {
        y += 6 * s;
        snprintf(line, sizeof line, "%d 평가 체계 Scheme", sc->year);
        rn_ui_text(x, y, px, UI_ACCENT, line);
        y += 17 * s;
        char dom[256] = "";
        for (int i = 0; i < sc->domain_count; i++)
            snprintf(dom + strlen(dom), sizeof dom - strlen(dom), "%s%s", i ? ", " : "",
                     ui->labels_en ? sc->domain_en[i] : sc->domain_ko[i]);
        char ind[48];
        if (sc->indicators)
            snprintf(ind, sizeof ind, "%d개 지표 indicators", sc->indicators);
        else
            snprintf(ind, sizeof ind, "지표 수 미상 indicators unknown");
        snprintf(line, sizeof line, "%d개 분야 domains (%s) · %s", sc->domain_count, dom, ind);
        y = app__wrap(x, y, w, 11 * s, UI_TEXT, line, 3);
        if (sc->total_points) {
            char pass[96] = "인증선 미공개 pass mark not published", split[96] = "";
            if (sc->pass_points)
                snprintf(pass, sizeof pass, "%d점 이상 인증 certified at %d+", sc->pass_points,
                         sc->pass_points);
            if (sc->quantitative_points && sc->qualitative_points)
                snprintf(split, sizeof split, " (정량 %d + 정성 %d)", sc->quantitative_points,
                         sc->qualitative_points);
            snprintf(line, sizeof line, "%d점 points%s · %s", sc->total_points, split, pass);
            y = app__wrap(x, y, w, 11 * s, UI_TEXT, line, 2);
        }
        if (sc->grade_count) {
            char cert[64] = "", stages[64] = "";
            if (sc->certified_grades)
                snprintf(cert, sizeof cert, ", 1–%d등급 인증 grades 1-%d certified",
                         sc->certified_grades, sc->certified_grades);
            if (sc->stage_count)
                snprintf(stages, sizeof stages, " · 성숙도 %d단계 maturity stages",
                         sc->stage_count);
            snprintf(line, sizeof line, "%d개 등급 grades%s%s", sc->grade_count, cert, stages);
            y = app__wrap(x, y, w, 11 * s, UI_TEXT, line, 2);
        }
    }
    const geo_cert_source *src = shown ? geo_cert_source_find(m->db, shown->source) : NULL;
    if (src) {
        y += 4 * s;
        snprintf(line, sizeof line, "출처 Source: %s", src->title);
        y = app__wrap(x, y, w, 10.5f * s, UI_DIM, line, 2);
    }
    if (ui->twin_hint) {
        y += 6 * s;
        rn_ui_text(x, y, 13 * s, UI_SEL, ui->twin_hint);
        y += 16 * s;
    }
    out[0] = x - 8 * s, out[1] = top, out[2] = x + w + 8 * s, out[3] = top + ui->height * 0.56f;
}

static void app__tooltip(const app_certmap *m, const app_certmap_ui *ui)
{
    if (m->hover < 0 || !ui->show_cursor_tip) return;
    const geo_cert_city *c = geo_cert_city_at(m->db, m->hover);
    const geo_cert_record *r = geo_cert_city_record(m->db, m->hover, m->year);
    char line[512], st[256];
    if (r)
        snprintf(line, sizeof line, "%s %s · %s", c->name_ko, c->name_en,
                 app__status_text(r, st, sizeof st));
    else
        snprintf(line, sizeof line, "%s %s", c->name_ko, c->name_en);
    float s = ui->scale, px = 12 * s, w, h;
    rn_ui_text_size(px, line, &w, &h);
    float x = (float)ui->cursor[0] + 14 * s, y = (float)ui->cursor[1] + 26 * s;
    if (x + w + 10 * s > ui->width) x = ui->width - w - 10 * s;
    rn_ui_rect(x - 5 * s, y - px - 4 * s, w + 10 * s, px + 10 * s, UI_PANEL);
    rn_ui_text(x, y, px, UI_TEXT, line);
}

int app_certmap_reserved(const app_certmap *m, const app_certmap_ui *ui, float (*out)[4], int max)
{
    float s = ui->scale;
    int n = 0;
    if (!m->db || max < 4) return 0;
    /* Summary (right), legend (bottom left), year strip, card (left). */
    out[n][0] = ui->width - 290 * s, out[n][1] = 140 * s, out[n][2] = (float)ui->width;
    out[n][3] = 140 * s + 290 * s;
    n++;
    out[n][0] = 0, out[n][1] = ui->height - 220 * s, out[n][2] = 330 * s;
    out[n][3] = (float)ui->height;
    n++;
    out[n][0] = ui->width * 0.25f, out[n][1] = ui->height - 114 * s, out[n][2] = ui->width * 0.75f;
    out[n][3] = (float)ui->height;
    n++;
    if (m->selected >= 0) {
        out[n][0] = 0, out[n][1] = 80 * s, out[n][2] = 390 * s;
        out[n][3] = 80 * s + ui->height * 0.56f;
        n++;
    }
    return n;
}

void app_certmap_draw_ui(app_certmap *m, const app_certmap_ui *ui)
{
    if (!m->db) return;
    float box[4];
    app__legend(m, ui);
    app__year_strip(m, ui, true, NULL, NULL, 0);
    app__summary(m, ui, box);
    if (m->selected >= 0) app__card(m, ui, box);
    app__tooltip(m, ui);
    if (ui->caption && ui->caption[0]) {
        float s = ui->scale, px = 20 * s, w, h;
        rn_ui_text_size(px, ui->caption, &w, &h);
        float x = (ui->width - w) * 0.5f, y = ui->height - 130 * s;
        rn_ui_rect(x - 12 * s, y - px - 8 * s, w + 24 * s, px + 18 * s, UI_PANEL);
        rn_ui_text(x, y, px, UI_TEXT, ui->caption);
    }
}
