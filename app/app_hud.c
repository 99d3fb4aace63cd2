/* HUD drawing over the scene with the render UI batch. Text is bilingual:
 * Korean first, English beside it, as on Seoul's own signage. */
#include "app_hud.h"

#include "app_layer.h"

#include "rn_ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rn_rgba HUD_TEXT = {255, 255, 255, 255};
static const rn_rgba HUD_DIM = {215, 222, 230, 255};
static const rn_rgba HUD_PANEL = {16, 24, 36, 170};
static const rn_rgba HUD_HALO = {20, 28, 40, 230};
static const rn_rgba HUD_ERROR = {255, 120, 110, 255};
static const rn_rgba HUD_WARN = {250, 200, 90, 255};
static const rn_rgba HUD_ACCENT = {90, 200, 250, 255};

typedef struct app__rect {
    float x0, y0, x1, y1;
} app__rect;

typedef struct app__order {
    double area;
    int index;
} app__order;

/* Grown to the labels offered, so none is dropped for lack of room. */
struct app_hud {
    app__rect *placed;
    int placed_count, placed_cap;
    app__order *order;
    int order_cap;
};

app_hud *app_hud_create(void)
{
    return calloc(1, sizeof(app_hud));
}

void app_hud_destroy(app_hud *hud)
{
    if (hud) {
        free(hud->placed);
        free(hud->order);
    }
    free(hud);
}

static float app__panel_text(float x, float y, float px, rn_rgba c, const char *text, float pad)
{
    float w, h;
    rn_ui_text_size(px, text, &w, &h);
    rn_ui_rect(x - pad, y - px - pad * 0.5f, w + 2 * pad, px * 1.35f + pad, HUD_PANEL);
    rn_ui_text(x, y, px, c, text);
    return w;
}

/* 1, 2 or 5 times a power of ten, no longer than max_m. */
static double app__nice_length(double max_m)
{
    double p = pow(10, floor(log10(max_m)));
    if (5 * p <= max_m) return 5 * p;
    if (2 * p <= max_m) return 2 * p;
    return p;
}

static void app__scale_bar(const app_hud_frame *f, float s)
{
    const app_camera *cam = f->camera;
    /* Metres per pixel at the target, where the eye's attention is. */
    double mpp = cam->distance * 2 * tan(cam->fov_y * M_PI / 360.0) / f->height;
    if (!(mpp > 0)) return;
    double len_m = app__nice_length(mpp * 140 * s);
    float len_px = (float)(len_m / mpp);
    float x = 18 * s, y = f->height - 62 * s;
    char text[64];
    if (len_m >= 1000)
        snprintf(text, sizeof text, "%g km", len_m / 1000);
    else
        snprintf(text, sizeof text, "%g m", len_m);
    rn_ui_rect(x - 8 * s, y - 22 * s, len_px + 16 * s, 34 * s, HUD_PANEL);
    rn_ui_rect(x, y, len_px, 4 * s, HUD_TEXT);
    rn_ui_rect(x, y - 6 * s, 2 * s, 10 * s, HUD_TEXT);
    rn_ui_rect(x + len_px - 2 * s, y - 6 * s, 2 * s, 10 * s, HUD_TEXT);
    rn_ui_text(x, y - 8 * s, 13 * s, HUD_TEXT, text);
}

static void app__north_arrow(const app_hud_frame *f, float s)
{
    /* North on screen: the heading turns the map; tilt does not change the
     * direction of north at the centre. */
    double a = -f->camera->heading * M_PI / 180.0;
    float cx = f->width - 44 * s, cy = 96 * s, r = 20 * s;
    float ux = (float)sin(a), uy = (float)-cos(a); /* screen y grows down */
    float px = -uy, py = ux;
    rn_ui_rect(cx - 28 * s, cy - 28 * s, 56 * s, 56 * s, HUD_PANEL);
    rn_ui_triangle(cx + ux * r, cy + uy * r, cx + px * r * 0.45f, cy + py * r * 0.45f,
                   cx - px * r * 0.45f, cy - py * r * 0.45f, (rn_rgba){230, 70, 60, 255});
    rn_ui_triangle(cx - ux * r, cy - uy * r, cx + px * r * 0.45f, cy + py * r * 0.45f,
                   cx - px * r * 0.45f, cy - py * r * 0.45f, HUD_TEXT);
    float w, h;
    rn_ui_text_size(12 * s, "N 북", &w, &h);
    rn_ui_text(cx - w * 0.5f, cy + 28 * s + 12 * s, 12 * s, HUD_TEXT, "N 북");
}

static bool app__overlaps(const app_hud *hud, app__rect r)
{
    for (int i = 0; i < hud->placed_count; i++) {
        const app__rect *p = &hud->placed[i];
        if (r.x0 < p->x1 && r.x1 > p->x0 && r.y0 < p->y1 && r.y1 > p->y0) return true;
    }
    return false;
}

static int app__cmp_area(const void *a, const void *b)
{
    const app__order *x = a, *y = b;
    if (x->area != y->area) return x->area < y->area ? 1 : -1;
    return x->index - y->index; /* stable: same input, same picture */
}

/* Greedy placement, largest features first: a label that would overlap
 * one already placed is left out this frame. */
static int app__labels(app_hud *hud, const app_hud_frame *f, float s)
{
    int n = f->label_count;
    int need = n + f->reserved_count + 8;
    if (need > hud->order_cap) {
        app__order *o = realloc(hud->order, (size_t)need * sizeof *o);
        app__rect *r = realloc(hud->placed, (size_t)need * sizeof *r);
        if (o) hud->order = o;
        if (r) hud->placed = r;
        if (!o || !r) return 0;
        hud->order_cap = hud->placed_cap = need;
    }
    for (int i = 0; i < n; i++) hud->order[i] = (app__order){f->labels[i].label->area, i};
    qsort(hud->order, (size_t)n, sizeof *hud->order, app__cmp_area);
    /* The HUD's own corners and bottom strip are taken. */
    hud->placed_count = 0;
    float bottom = (34 + 16 * f->layer_count) * s;
    hud->placed[hud->placed_count++] = (app__rect){0, 0, 300 * s, 70 * s};
    hud->placed[hud->placed_count++] = (app__rect){f->width - 170 * s, 0, (float)f->width, 50 * s};
    hud->placed[hud->placed_count++] = (app__rect){f->width - 80 * s, 0, (float)f->width, 150 * s};
    hud->placed[hud->placed_count++] =
        (app__rect){0, f->height - bottom, (float)f->width, (float)f->height};
    hud->placed[hud->placed_count++] =
        (app__rect){0, f->height - 90 * s, 180 * s, (float)f->height};
    for (int i = 0; i < f->reserved_count && hud->placed_count < hud->placed_cap; i++)
        hud->placed[hud->placed_count++] =
            (app__rect){f->reserved[i][0], f->reserved[i][1], f->reserved[i][2], f->reserved[i][3]};
    int placed = 0;
    for (int k = 0; k < n; k++) {
        const app_hud_label *l = &f->labels[hud->order[k].index];
        float scale = l->size > 0 ? l->size : 1, px = 15 * s * scale, px_en = 11 * s * scale;
        const char *ko = l->label->text ? l->label->text : l->label->text_en;
        if (!ko) continue;
        const char *en =
            f->labels_en && l->label->text && l->label->text_en ? l->label->text_en : NULL;
        double sx, sy;
        if (!app_camera_project(f->camera, f->width, f->height, l->pos, &sx, &sy)) continue;
        sy += l->dy_px * s;
        float w, h, w2 = 0, h2 = 0;
        rn_ui_text_size(px, ko, &w, &h);
        if (en) rn_ui_text_size(px_en, en, &w2, &h2);
        float bw = fmaxf(w, w2);
        float x0 = (float)sx - bw * 0.5f, y0 = (float)sy - px;
        app__rect r = {x0 - 3 * s, y0 - 3 * s, x0 + bw + 3 * s, (float)sy + (en ? h2 : 0) + 5 * s};
        if (r.x0 < 0 || r.y0 < 0 || r.x1 > f->width || r.y1 > f->height) continue;
        if (app__overlaps(hud, r)) continue;
        if (hud->placed_count < hud->placed_cap) hud->placed[hud->placed_count++] = r;
        rn_ui_text_halo((float)sx - w * 0.5f, (float)sy, px, HUD_TEXT, HUD_HALO, ko);
        if (en)
            rn_ui_text_halo((float)sx - w2 * 0.5f, (float)sy + h2, px_en, HUD_DIM, HUD_HALO, en);
        placed++;
    }
    return placed;
}

/* "kind: attribution", then the data's age where the layer has no legend
 * of its own to show it (live layers). */
static void app__attribution_line(const app_layer_info *l, char *line, size_t n)
{
    snprintf(line, n, "%s: %s%s%s%s", l->kind, l->attribution,
             l->attribution_given ? "" : " (no attribution given)", l->data_age[0] ? " · " : "",
             l->data_age);
}

/* Attribution lines, bottom right; above the cursor line when the screen is
 * too narrow for both side by side. */
static float app__attribution(const app_hud_frame *f, float s, float cursor_w)
{
    float px = 11 * s, y = f->height - 8 * s, widest = 0;
    for (int i = 0; i < f->layer_count; i++) {
        char line[400];
        const app_layer_info *l = f->layers[i];
        app__attribution_line(l, line, sizeof line);
        float w, h;
        rn_ui_text_size(px, line, &w, &h);
        widest = fmaxf(widest, w);
    }
    if (cursor_w + widest + 40 * s > f->width) y -= 26 * s;
    for (int i = f->layer_count - 1; i >= 0; i--) {
        const app_layer_info *l = f->layers[i];
        if (l->status != APP_LAYER_OK) continue;
        char line[400];
        app__attribution_line(l, line, sizeof line);
        float w, h;
        rn_ui_text_size(px, line, &w, &h);
        float x = f->width - w - 10 * s;
        rn_ui_rect(x - 4 * s, y - px - 2 * s, w + 8 * s, px * 1.45f, HUD_PANEL);
        rn_ui_text(x, y, px, HUD_DIM, line);
        y -= px * 1.5f;
    }
    return y + px * 0.5f - 2 * s;
}

static float app__cursor_line(const app_hud_frame *f, float s)
{
    char line[256];
    if (f->cursor_valid) {
        char elev[48] = "";
        if (f->cursor_has_z) snprintf(elev, sizeof elev, "   고도 Elev %.1f m", f->cursor_z);
        snprintf(line, sizeof line, "경위도 Lon/Lat %.5f°%c %.5f°%c   %s %.1f E %.1f N%s",
                 fabs(f->cursor_lon), f->cursor_lon >= 0 ? 'E' : 'W', fabs(f->cursor_lat),
                 f->cursor_lat >= 0 ? 'N' : 'S', f->crs_name, f->cursor_x, f->cursor_y, elev);
    } else
        snprintf(line, sizeof line, "경위도 Lon/Lat —   %s", f->crs_name);
    return app__panel_text(12 * s, f->height - 16 * s, 12 * s, HUD_TEXT, line, 5 * s);
}

static void app__progress(const app_hud_frame *f, float s)
{
    if (f->progress >= 1) return;
    float w = fminf(420 * s, f->width * 0.6f), x = (f->width - w) * 0.5f, y = 18 * s;
    char text[128];
    snprintf(text, sizeof text, "불러오는 중 Loading %s… %d%%",
             f->status_line ? f->status_line : "", (int)(f->progress * 100));
    rn_ui_rect(x - 8 * s, y - 8 * s, w + 16 * s, 44 * s, HUD_PANEL);
    rn_ui_rect(x, y, w, 6 * s, (rn_rgba){255, 255, 255, 60});
    rn_ui_rect(x, y, w * (float)fmax(f->progress, 0.02), 6 * s, HUD_ACCENT);
    rn_ui_text(x, y + 26 * s, 13 * s, HUD_TEXT, text);
}

static void app__help(const app_hud_frame *f, float s)
{
    static const char *const lines[] = {
        "도움말 Keys",
        "드래그 Drag: 이동 pan    오른쪽 드래그 / Ctrl+드래그 Right-drag: 회전 orbit",
        "휠 Wheel: 확대/축소 zoom to cursor    +/-: zoom    방향키/WASD: pan",
        "Q/E: 회전 rotate    R/F: 기울기 tilt    1-9: 북마크 bookmarks    Home: 전체 reset",
        "H: 음영 hillshade    X: 과장 exaggeration    L: 영문 English labels    P: 레이어 layers",
        "M: 인증 지도 certification map / back    지도 map: 클릭 click = card, Enter = twin",
        "[ ] , . : 연도 years    1-5: 연도 year    0: 전체 all years    B: 3D    Esc: 닫기 close",
        "[ ] , . : 시각 hour / 날짜 day    T: 하루 재생 play the day    시간 막대 time slider: "
        "drag",
        "K/U/Y: 상자 box, 올리기 raise, 철거 remove    Z: 건물 그리기 draw (Enter, Esc)    숫자 "
        "digits: 층 floors",
        "B: 이전/이후 before/after    I: 나란히 split (drag the divider)    J: 계획 저장 save the "
        "plan",
        "F11: 전체 화면 fullscreen    F1: 도움말 help    Esc: 종료 quit",
    };
    float px = 13 * s, y = f->height * 0.3f;
    float wmax = 0;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        float w, h;
        rn_ui_text_size(px, lines[i], &w, &h);
        wmax = fmaxf(wmax, w);
    }
    float x = (f->width - wmax) * 0.5f;
    rn_ui_rect(x - 14 * s, y - 24 * s, wmax + 28 * s,
               px * 1.6f * (float)(sizeof lines / sizeof *lines) + 20 * s, HUD_PANEL);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        rn_ui_text(x, y, px, i == 0 ? HUD_ACCENT : HUD_TEXT, lines[i]);
        y += px * 1.6f;
    }
}

int app_hud_draw(app_hud *hud, const app_hud_frame *f)
{
    float s = f->ui_scale > 0 ? f->ui_scale : 1;
    rn_ui_begin(f->width, f->height);
    if (f->underlay) f->underlay(f->overlay_user);
    int placed = app__labels(hud, f, s);

    /* Title block: Korean name, English name, frame time, layer problems. */
    float x = 16 * s, y = 34 * s;
    char line[768];
    app__panel_text(x, y, 22 * s, HUD_TEXT, f->scene_name ? f->scene_name : "citytwin", 6 * s);
    y += 24 * s;
    if (f->frame_ms >= 0)
        snprintf(line, sizeof line, "%s%s%.1f ms", f->scene_name_en ? f->scene_name_en : "",
                 f->scene_name_en ? "   " : "", f->frame_ms);
    else
        snprintf(line, sizeof line, "%s", f->scene_name_en ? f->scene_name_en : "");
    if (line[0]) {
        app__panel_text(x, y, 13 * s, HUD_DIM, line, 6 * s);
        y += 22 * s;
    }
    for (int i = 0; i < f->layer_count; i++) {
        const app_layer_info *l = f->layers[i];
        bool warn = l->status == APP_LAYER_OK && l->warning[0];
        if (l->status != APP_LAYER_ERROR && l->status != APP_LAYER_STALE && !warn) continue;
        snprintf(line, sizeof line, "%s %s: %s",
                 warn                           ? "경고 warning"
                 : l->status == APP_LAYER_ERROR ? "오류 error"
                                                : "지연 stale",
                 l->name, warn ? l->warning : l->error);
        app__panel_text(x, y, 12 * s, warn ? HUD_WARN : HUD_ERROR, line, 5 * s);
        y += 20 * s;
    }

    if (f->clock_text) {
        float w, h;
        rn_ui_text_size(13 * s, f->clock_text, &w, &h);
        app__panel_text(f->width - w - 16 * s, 34 * s, 13 * s, HUD_TEXT, f->clock_text, 6 * s);
    }
    app__north_arrow(f, s);
    float cursor_w = app__cursor_line(f, s);
    app__scale_bar(f, s);
    float top = app__attribution(f, s, cursor_w);
    if (f->attrib_top) *f->attrib_top = top;
    if (f->overlay) f->overlay(f->overlay_user);
    app__progress(f, s);
    if (f->help) app__help(f, s);
    if (f->fade > 0)
        rn_ui_rect(0, 0, (float)f->width, (float)f->height,
                   (rn_rgba){0, 0, 0, (uint8_t)(fmin(f->fade, 1.0) * 255)});
    rn_ui_end();
    return placed;
}
