/* The scenario layer's input: the keys (B before / after, J save, K a box
 * tower, U raise, Y remove, Z draw a footprint), footprint drawing (clicks
 * on the ground add vertices; Enter or a double click closes it, Backspace
 * takes the last vertex back, Esc cancels) and the floors entry that
 * follows a new or raised building (digits, then Enter for floors or M for
 * metres; any other key ends it). */
#include "app_scenario_state.h"

#include "app_camera.h"
#include "rn_context.h"
#include "rn_ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Floors and metres a typed size may have. */
#define APP_SC_MAX_FLOORS 300
#define APP_SC_MAX_M      1500

bool app_sc_under(const app_scenario *s, long *fid, double *height)
{
    float best = -INFINITY;
    app_world_obstacles_settle(s->world);
    for (int k = 0; k < s->world->obstacle_count; k++) {
        const tw_obstacles *o = s->world->obstacles[k].set;
        if (s->world->obstacles[k].owner == s || !o) continue;
        int i = tw_obstacles_find(o, s->cursor[0], s->cursor[1]);
        if (i < 0 || o->top[i] <= best) continue;
        best = o->top[i];
        *fid = o->id[i], *height = o->top[i] - o->base[i];
    }
    return isfinite(best);
}

static void app__edit(app_scenario *s, const app_sc_item *it)
{
    s->current = (int)(it - s->items.items);
    s->entering = true;
    s->entry[0] = 0;
    s->dirty = true;
}

/* The drawn footprint becomes a planned building of 20 floors. */
static void app__close(app_scenario *s)
{
    double area = 0;
    for (int q = 0; q < s->draft_n; q++) {
        int r = (q + 1) % s->draft_n;
        area += s->draft[3 * q] * s->draft[3 * r + 1] - s->draft[3 * r] * s->draft[3 * q + 1];
    }
    if (s->draft_n < 3 || fabs(area) * 0.5 < 1.0) return; /* keep drawing */
    app_sc_item *it = app_sc_push(&s->items);
    s->drawing = false;
    if (!it) return;
    it->op = APP_SC_ADD, it->n = s->draft_n, it->floors = 20;
    it->height_m = 20 * s->cfg->floor_m;
    for (int q = 0; q < s->draft_n; q++)
        it->xy[2 * q] = s->draft[3 * q], it->xy[2 * q + 1] = s->draft[3 * q + 1];
    snprintf(it->name, sizeof it->name, "drawn %d", s->items.count);
    s->draft_n = 0;
    app__edit(s, it);
}

/* The typed number as the current item's floors (or metres). */
static void app__set_size(app_scenario *s, bool metres)
{
    s->entering = false;
    double v = atof(s->entry);
    if (s->current < 0 || s->current >= s->items.count || !(v > 0)) return;
    app_sc_item *it = &s->items.items[s->current];
    if (it->op == APP_SC_REMOVE) return;
    if (metres) {
        it->height_m = fmin(v, APP_SC_MAX_M), it->floors = NAN;
    } else {
        it->floors = fmin(v, APP_SC_MAX_FLOORS);
        it->height_m = it->floors * s->cfg->floor_m;
    }
    s->dirty = true;
}

static bool app__entry_key(app_scenario *s, int key)
{
    size_t len = strlen(s->entry);
    if (key >= '0' && key <= '9') {
        if (len + 1 < sizeof s->entry) s->entry[len] = (char)key, s->entry[len + 1] = 0;
        return true;
    }
    if (key == RN_KEY_BACKSPACE) {
        if (len) s->entry[len - 1] = 0;
        return true;
    }
    if (key == RN_KEY_ENTER || key == RN_KEY_KP_ENTER || key == 'M') {
        app__set_size(s, key == 'M');
        return true;
    }
    s->entering = false;
    return key == RN_KEY_ESCAPE;
}

bool app_sc_key(app_scenario *s, int key)
{
    if (!s->loaded) return false;
    if (s->drawing) {
        if (key == RN_KEY_ESCAPE) {
            s->drawing = false, s->draft_n = 0;
            return true;
        }
        if (key == RN_KEY_BACKSPACE) {
            if (s->draft_n) s->draft_n--;
            return true;
        }
        if (key == RN_KEY_ENTER || key == RN_KEY_KP_ENTER) {
            app__close(s);
            return true;
        }
        return false; /* the camera still moves */
    }
    if (s->entering && app__entry_key(s, key)) return true;
    if (key == 'B') {
        s->before = !s->before;
        s->dirty = true;
        return true;
    }
    if (key == 'J') {
        if (!s->saving) s->saving = app_sc_submit_save(s);
        return true;
    }
    if (key == 'Z') {
        if (s->before) return true;
        s->drawing = true, s->draft_n = 0;
        s->entering = false;
        return true;
    }
    if ((key != 'K' && key != 'U' && key != 'Y') || !s->has_cursor || s->before) return false;
    long fid = -1;
    double h = 0;
    if (key != 'K' && !app_sc_under(s, &fid, &h)) return true;
    app_sc_item *it = NULL;
    /* An existing edit of the same building changes. */
    for (int i = 0; key != 'K' && i < s->items.count; i++)
        if (s->items.items[i].op != APP_SC_ADD && s->items.items[i].fid == fid)
            it = &s->items.items[i];
    if (!it && !(it = app_sc_push(&s->items))) return true;
    double fl = s->cfg->floor_m;
    if (key == 'K') {
        double x = s->cursor[0], y = s->cursor[1];
        double box[8] = {x - 15, y - 15, x + 15, y - 15, x + 15, y + 15, x - 15, y + 15};
        it->op = APP_SC_ADD, it->n = 4, it->floors = 20, it->height_m = 20 * fl;
        memcpy(it->xy, box, sizeof box);
        snprintf(it->name, sizeof it->name, "planned %d", s->items.count);
    } else if (key == 'U') {
        it->op = APP_SC_RAISE, it->fid = fid;
        double floors = (h > 0 ? round(h / fl) : 0) + 10;
        it->floors = floors, it->height_m = floors * fl;
    } else {
        it->op = APP_SC_REMOVE, it->fid = fid;
    }
    s->dirty = true;
    if (key != 'Y') app__edit(s, it);
    return true;
}

bool app_sc_click(app_scenario *s, const app_pick_query *q)
{
    if (!s->drawing) return false;
    if (!q->has_ground) return true;
    /* A second click where the last one was: a double click closes. */
    if (s->draft_n >= 3 && fabs(q->px - s->last_click_px[0]) < 6 &&
        fabs(q->py - s->last_click_px[1]) < 6) {
        app__close(s);
        return true;
    }
    s->last_click_px[0] = q->px, s->last_click_px[1] = q->py;
    if (s->draft_n >= APP_SC_MAX_POINTS) return true;
    memcpy(&s->draft[3 * s->draft_n], q->ground, 3 * sizeof *q->ground);
    s->draft_n++;
    return true;
}

static void app__hint(const app_ui_ctx *ui, const char *text)
{
    float s = ui->scale, px = 13 * s, w, h;
    rn_ui_text_size(px, text, &w, &h);
    float x = (ui->width - w) * 0.5f, y = ui->height * 0.78f;
    rn_ui_rect(x - 10 * s, y - px - 6 * s, w + 20 * s, px + 14 * s, (rn_rgba){16, 24, 36, 215});
    rn_ui_text(x, y, px, (rn_rgba){255, 255, 255, 255}, text);
}

void app_sc_overlay(const app_scenario *s, const app_ui_ctx *ui)
{
    char line[200];
    if (s->entering && s->current >= 0 && s->current < s->items.count) {
        snprintf(line, sizeof line,
                 "층수 floors: %s_   숫자 digits, Enter 층 floors, M 미터 metres, Esc", s->entry);
        app__hint(ui, line);
    }
    if (!s->drawing) return;
    float sc = ui->scale;
    const rn_rgba col = {90, 200, 250, 255};
    double prev[2] = {0, 0}, first[2] = {0, 0};
    bool have_prev = false;
    for (int q = 0; q < s->draft_n; q++) {
        double sx, sy;
        if (!app_camera_project(ui->cam, ui->width, ui->height, &s->draft[3 * q], &sx, &sy)) {
            have_prev = false;
            continue;
        }
        if (have_prev)
            rn_ui_line((float)prev[0], (float)prev[1], (float)sx, (float)sy, 2 * sc, col);
        else if (q == 0)
            first[0] = sx, first[1] = sy;
        rn_ui_rect((float)sx - 3 * sc, (float)sy - 3 * sc, 6 * sc, 6 * sc, col);
        prev[0] = sx, prev[1] = sy, have_prev = true;
    }
    /* To the cursor and back to the first vertex: the footprint if closed. */
    if (have_prev && s->draft_n >= 1) {
        rn_rgba dim = {90, 200, 250, 140};
        rn_ui_line((float)prev[0], (float)prev[1], (float)ui->cursor[0], (float)ui->cursor[1],
                   1.5f * sc, dim);
        if (s->draft_n >= 2)
            rn_ui_line((float)ui->cursor[0], (float)ui->cursor[1], (float)first[0], (float)first[1],
                       1 * sc, dim);
    }
    snprintf(line, sizeof line,
             "건물 그리기 footprint: %d 점 vertices — 클릭 click 추가 add, Enter / 더블클릭 "
             "double-click 완료 close, Backspace, Esc",
             s->draft_n);
    app__hint(ui, line);
}
