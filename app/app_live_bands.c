/* Named bands of a sensors layer (the scene's "bands"): each value falls in
 * one band (up to its max, inclusive; the last is open-ended), which gives
 * its colour, its name beside the value in the alert panel and tooltip,
 * and whether it is an alert. AirKorea's grades for PM10 and PM2.5 are
 * presets ("airkorea-pm10", "airkorea-pm25"); a legend lists the bands. */
#include "app_live_int.h"

#include "rn_ui.h"
#include "tw_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Colours by band count: good to bad (blue, green, amber, red, purple). */
static rn_rgba app__default_color(int i, int n)
{
    static const rn_rgba five[5] = {{50, 130, 230, 255},
                                    {60, 190, 90, 255},
                                    {245, 170, 40, 255},
                                    {225, 60, 50, 255},
                                    {140, 60, 170, 255}};
    static const int pick[6][5] = {{0}, {1}, {1, 3}, {1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3, 4}};
    if (n <= 5) return five[pick[n][i]];
    return five[(i * 4) / (n - 1)]; /* more than five: spread over them */
}

static bool app__hex(const char *s, rn_rgba *out)
{
    unsigned r, g, b;
    if (!s || strlen(s) != 7 || s[0] != '#' || sscanf(s + 1, "%2x%2x%2x", &r, &g, &b) != 3)
        return false;
    *out = (rn_rgba){(uint8_t)r, (uint8_t)g, (uint8_t)b, 255};
    return true;
}

/* AirKorea (한국환경공단) grades, µg/m³: 좋음 / 보통 / 나쁨 / 매우나쁨. */
static bool app__preset(const char *name, app_live_cfg *p)
{
    static const char *const grades[4] = {"좋음 good", "보통 moderate", "나쁨 bad",
                                          "매우나쁨 very bad"};
    double pm10[3] = {30, 80, 150}, pm25[3] = {15, 35, 75};
    const double *max = strcmp(name, "airkorea-pm10") == 0   ? pm10
                        : strcmp(name, "airkorea-pm25") == 0 ? pm25
                                                             : NULL;
    if (!max) return false;
    for (int i = 0; i < 4; i++) {
        app_live_band *b = &p->bands[i];
        snprintf(b->name, sizeof b->name, "%s", grades[i]);
        b->max = i < 3 ? max[i] : INFINITY;
        b->color = app__default_color(i, 4);
        b->alert = i >= 2;
    }
    p->band_count = 4;
    return true;
}

bool app_live_parse_bands(app_cfg *c, json_object *o, app_live_cfg *p)
{
    json_object *a = NULL;
    if (!json_object_object_get_ex(o, "bands", &a)) return true;
    if (json_object_is_type(a, json_type_string)) {
        if (app__preset(json_object_get_string(a), p)) return true;
        return app_cfg_fail(c, "bands", "must be \"airkorea-pm10\", \"airkorea-pm25\" or a list");
    }
    int n = json_object_is_type(a, json_type_array) ? (int)json_object_array_length(a) : 0;
    if (n < 1 || n > APP_LIVE_MAX_BANDS)
        return app_cfg_fail(c, "bands",
                            "must be a list of 1 to 8 { \"name\", \"max\", \"color\", \"alert\" }");
    static const char *const keys[] = {"name", "max", "color", "alert", NULL};
    for (int i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(a, (size_t)i), *v = NULL;
        char what[200];
        if (!json_object_is_type(b, json_type_object)) {
            snprintf(what, sizeof what, "[%d] must be an object", i);
            return app_cfg_fail(c, "bands", what);
        }
        app_cfg_unknown(c, b, keys, NULL);
        app_live_band *d = &p->bands[i];
        const char *name = tw_json_string(b, "name");
        if (!name || !name[0] || strlen(name) >= sizeof d->name) {
            snprintf(what, sizeof what, "[%d] needs a \"name\" (up to %d bytes)", i,
                     (int)sizeof d->name - 1);
            return app_cfg_fail(c, "bands", what);
        }
        snprintf(d->name, sizeof d->name, "%s", name);
        d->max = INFINITY;
        if (json_object_object_get_ex(b, "max", &v)) {
            bool num =
                json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
            d->max = num ? json_object_get_double(v) : NAN;
            if (!isfinite(d->max) || (i > 0 && d->max <= p->bands[i - 1].max)) {
                snprintf(what, sizeof what, "[%d] \"max\" must be a number above the band before",
                         i);
                return app_cfg_fail(c, "bands", what);
            }
        } else if (i < n - 1) {
            snprintf(what, sizeof what, "[%d] needs a \"max\" (only the last band has none)", i);
            return app_cfg_fail(c, "bands", what);
        }
        if (i == n - 1) d->max = INFINITY; /* the last one takes all above */
        d->color = app__default_color(i, n);
        if (json_object_object_get_ex(b, "color", &v) &&
            !app__hex(json_object_get_string(v), &d->color)) {
            snprintf(what, sizeof what, "[%d] \"color\" must be \"#rrggbb\"", i);
            return app_cfg_fail(c, "bands", what);
        }
        if (json_object_object_get_ex(b, "alert", &v)) {
            if (!json_object_is_type(v, json_type_boolean)) {
                snprintf(what, sizeof what, "[%d] \"alert\" must be true or false", i);
                return app_cfg_fail(c, "bands", what);
            }
            d->alert = json_object_get_boolean(v);
        }
    }
    p->band_count = n;
    return true;
}

const char *app_live_band_name(const app_live *lv, int entity)
{
    if (!lv->data.band || entity < 0 || !lv->snap || entity >= lv->snap->entity_count) return NULL;
    int b = lv->data.band[entity];
    return b >= 0 && b < lv->cfg->band_count ? lv->cfg->bands[b].name : NULL;
}

/* The legends stack down from the top centre (the corners hold the title,
 * the clock, the compass, the other legends and the attributions). */
static struct {
    long frame;
    float y;
} app__stack = {.frame = -1};

/* The band legend's width: two columns of bands, or the title and the
 * data age on one row, whichever is wider. */
static float app__bands_width(const app_live *lv, const app_ui_ctx *ui, char *age, size_t n)
{
    float s = ui->scale, tw = 0, aw = 0, h = 0;
    app_live_age_shown(lv, age, n);
    rn_ui_text_size(11 * s, lv->info.name, &tw, &h);
    rn_ui_text_size(10 * s, age, &aw, &h);
    return fmaxf(2 * 140 * s + 12 * s, tw + aw + 32 * s);
}

void app_live_bands_draw(const app_live *lv, const app_ui_ctx *ui, float opacity)
{
    const app_live_cfg *cfg = lv->cfg;
    if (cfg->band_count <= 0 || !lv->snap) return;
    char age[128];
    float s = ui->scale, row = 16 * s, cell = 140 * s,
          w = app__bands_width(lv, ui, age, sizeof age);
    if (app__stack.frame != lv->frame_no) app__stack.frame = lv->frame_no, app__stack.y = 10 * s;
    int rows = (cfg->band_count + 1) / 2;
    float h = 24 * s + row * (float)rows;
    float x = ((float)ui->width - w) * 0.5f, y = app__stack.y;
    app__stack.y += h + 6 * s;
    bool stale = lv->info.status == APP_LAYER_STALE;
    rn_ui_rect(x, y, w, h, (rn_rgba){20, 24, 30, (uint8_t)(200 * opacity)});
    rn_rgba text = {235, 235, 235, (uint8_t)(255 * opacity)};
    char line[200];
    rn_ui_text(x + 8 * s, y + 15 * s, 11 * s, text, lv->info.name);
    float aw = 0, ah = 0;
    rn_ui_text_size(10 * s, age, &aw, &ah);
    rn_ui_text(x + w - 8 * s - aw, y + 15 * s, 10 * s, app_live_age_rgba(lv, opacity), age);
    for (int i = 0; i < cfg->band_count; i++) {
        const app_live_band *b = &cfg->bands[i];
        rn_rgba col = stale ? (rn_rgba){150, 150, 150, 255} : b->color;
        col.a = (uint8_t)(255 * opacity);
        float bx = x + 8 * s + cell * (float)(i % 2), by = y + 22 * s + row * (float)(i / 2);
        rn_ui_rect(bx, by + 2 * s, 12 * s, 9 * s, col);
        if (isfinite(b->max))
            snprintf(line, sizeof line, "%s ≤%g%s", b->name, b->max, b->alert ? " !" : "");
        else if (i > 0)
            snprintf(line, sizeof line, "%s >%g%s", b->name, cfg->bands[i - 1].max,
                     b->alert ? " !" : "");
        else
            snprintf(line, sizeof line, "%s", b->name);
        rn_ui_text(bx + 16 * s, by + 11 * s, 10.5f * s, text, line);
    }
}

/* The legend's box for reserved space: the first of the stack. */
void app_live_bands_box(const app_live *lv, const app_ui_ctx *ui, float out[4])
{
    char age[128];
    float s = ui->scale, w = app__bands_width(lv, ui, age, sizeof age);
    int rows = (lv->cfg->band_count + 1) / 2;
    out[0] = ((float)ui->width - w) * 0.5f, out[1] = 10 * s;
    out[2] = out[0] + w, out[3] = out[1] + 24 * s + 16 * s * (float)rows;
}
