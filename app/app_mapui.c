/* The certification map's panels: legend, year strip, summary with a bar
 * chart by year, tooltip and the card of the selected city, drawn inside
 * the HUD's UI batch. Screen-space UI only; the map layer owns the data. */
#include "app_mapui.h"

#include "rn_ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const app_map_palette app_map_colors = {
    .land = {226, 224, 216, 255},
    .grade = {24, 96, 170, 255},
    .cert = {66, 146, 214, 255},
    .ext = {240, 150, 40, 255},
    .times = {{150, 200, 225, 255}, {66, 146, 214, 255}, {20, 80, 150, 255}},
    .sel = {255, 214, 60, 255},
};
#define MAP_LAND  app_map_colors.land
#define MAP_GRADE app_map_colors.grade
#define MAP_CERT  app_map_colors.cert
#define MAP_EXT   app_map_colors.ext
#define MAP_TIMES app_map_colors.times

static const rn_rgba UI_TEXT = {255, 255, 255, 255};
static const rn_rgba UI_DIM = {205, 214, 224, 255};
static const rn_rgba UI_PANEL = {16, 24, 36, 200};
static const rn_rgba UI_ACCENT = {90, 200, 250, 255};
static const rn_rgba UI_SEL = {255, 214, 60, 255};

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
static int app__year_strip(const app_mapui_state *m, const app_mapui_screen *ui, bool draw,
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

bool app_mapui_year_at(const app_mapui_state *m, const app_mapui_screen *ui, double x, double y,
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

static void app__legend(const app_mapui_state *m, const app_mapui_screen *ui)
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

static void app__summary(const app_mapui_state *m, const app_mapui_screen *ui, float out[4])
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
        for (int i = 0; m->prov_ok && i < m->prov->count; i++)
            if (geo_polygons_text(m->prov, i)->code &&
                strcmp(geo_polygons_text(m->prov, i)->code, code) == 0)
                name = ui->labels_en && geo_polygons_text(m->prov, i)->name_en
                           ? geo_polygons_text(m->prov, i)->name_en
                           : geo_polygons_text(m->prov, i)->name;
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

static void app__card(const app_mapui_state *m, const app_mapui_screen *ui, float out[4])
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

static void app__tooltip(const app_mapui_state *m, const app_mapui_screen *ui)
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

int app_mapui_reserved(const app_mapui_state *m, const app_mapui_screen *ui, float (*out)[4],
                       int max)
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

void app_mapui_draw(const app_mapui_state *m, const app_mapui_screen *ui)
{
    if (!m->db) return;
    float box[4];
    app__legend(m, ui);
    app__year_strip(m, ui, true, NULL, NULL, 0);
    app__summary(m, ui, box);
    if (m->selected >= 0) app__card(m, ui, box);
    app__tooltip(m, ui);
}
