/* The live kinds' hover tooltip: the entity under the cursor (the pick's
 * hit test) gets a small box next to the cursor with its name, its value
 * with the unit (parking: address, free / total spaces, the fee when the
 * feed says), the time it was observed in the scene's time zone (from the
 * data's own timestamp) and, on a stale layer, since when it is stale. The
 * box is kept on screen: it flips left of or above the cursor near an edge.
 * NGSI-LD unit codes (UN/CEFACT) are shown as their symbols everywhere a
 * value is (tooltip, labels, panel, alerts); a value without one gets the
 * usual unit of its name (pm10 ㎍/㎥, km/h, °C). */
#include "app_live_int.h"

#include "rn_ui.h"
#include "tw_time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A unit as shown: the UN/CEFACT codes that FIWARE's AirQualityObserved,
 * WeatherObserved and NoiseLevelObserved use, as symbols; others (a
 * SensorThings unitOfMeasurement.symbol, already one) as given. */
const char *app_live_unit(const char *u)
{
    static const char *const map[][2] = {
        {"GQ", "㎍/㎥"}, {"GP", "㎎/㎥"},  {"KMH", "km/h"}, {"CEL", "°C"},   {"FAH", "°F"},
        {"P1", "%"},     {"MTS", "m/s"},   {"MTR", "m"},    {"MMT", "mm"},   {"CMT", "cm"},
        {"A97", "hPa"},  {"HUR", "h"},     {"SEC", "s"},    {"MIN", "min"},  {"2N", "dB"},
        {"59", "ppm"},   {"61", "ppb"},    {"DD", "°"},     {"D54", "W/m²"}, {"KEL", "K"},
        {"PAL", "Pa"},   {"KGM", "kg/m³"}, {"H87", "pcs"},  {"E30", "mm/h"},
    };
    if (!u) return NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i][0]) == 0) return map[i][1];
    return u;
}

/* A value's unit: its own, else the usual one of a well-known name (FIWARE
 * keyValues answers carry no unitCode); NULL when unknown. */
const char *app_live_unit_of(const tw_obs_value *v)
{
    static const char *const by_name[][2] = {
        {"pm10", "㎍/㎥"},
        {"pm25", "㎍/㎥"},
        {"pm1", "㎍/㎥"},
        {"no2", "ppm"},
        {"o3", "ppm"},
        {"so2", "ppm"},
        {"co", "ppm"},
        {"temperature", "°C"},
        {"relativeHumidity", "%"},
        {"humidity", "%"},
        {"averageVehicleSpeed", "km/h"},
        {"windSpeed", "m/s"},
        {"LAeq", "dB"},
        {"LAmax", "dB"},
        {"atmosphericPressure", "hPa"},
    };
    if (!v) return NULL;
    if (v->unit) return app_live_unit(v->unit);
    for (size_t i = 0; v->name && i < sizeof by_name / sizeof by_name[0]; i++)
        if (strcmp(v->name, by_name[i][0]) == 0) return by_name[i][1];
    return NULL;
}

/* A value by any of names: the first that the entity has. */
static const tw_obs_value *app__find(const tw_obs_snapshot *s, const tw_obs_entity *e,
                                     const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        const tw_obs_value *v = tw_obs_find_value(s, e, names[i]);
        if (v) return v;
    }
    return NULL;
}

/* "12.5 µg/m³", or the text value. */
static void app__value_text(const tw_obs_value *v, char *out, size_t n)
{
    const char *u = app_live_unit_of(v);
    if (v->text)
        snprintf(out, n, "%s", v->text);
    else
        snprintf(out, n, "%g%s%s", v->number, u ? " " : "", u ? u : "");
}

static void app__when(const app_live *lv, double epoch, char *out, size_t n)
{
    const app_world *w = lv->world;
    tw_time_format(epoch, w->utc_offset_h, w->tz_label ? w->tz_label : "KST", out, n);
}

int app_live_tip_lines(const app_live *lv, int i, char (*lines)[APP_LIVE_TIP_CHARS], int max,
                       int *stale_line)
{
    *stale_line = -1;
    if (!lv->snap || i < 0 || i >= lv->snap->entity_count || max < 6) return 0;
    const tw_obs_snapshot *s = lv->snap;
    const tw_obs_entity *e = &s->entities[i];
    const tw_obs_value *m = tw_obs_main(s, e);
    char val[128], when[64];
    int n = 0;
    snprintf(lines[n++], APP_LIVE_TIP_CHARS, "%s", e->name ? e->name : e->id ? e->id : "?");
    if (lv->cfg->parking) {
        const tw_obs_value *a =
            app__find(s, e, (const char *const[]){"addr", "address", "streetAddress", NULL});
        if (a && a->text && a->text[0])
            snprintf(lines[n++], APP_LIVE_TIP_CHARS, "주소 Address: %s", a->text);
        double fr, tot;
        if (app_live_spaces(s, e, &fr, &tot))
            snprintf(lines[n++], APP_LIVE_TIP_CHARS, "빈자리 Free: %.0f / %.0f", fr, tot);
        const tw_obs_value *p = app__find(s, e, (const char *const[]){"pay_yn", NULL});
        const tw_obs_value *f =
            app__find(s, e, (const char *const[]){"fee", "rates", "charge", NULL});
        if (f) {
            app__value_text(f, val, sizeof val);
            snprintf(lines[n++], APP_LIVE_TIP_CHARS, "요금 Fee: %s", val);
        } else if (p && p->text && (p->text[0] == 'Y' || p->text[0] == 'N')) {
            snprintf(lines[n++], APP_LIVE_TIP_CHARS, "요금 Fee: %s",
                     p->text[0] == 'Y' ? "유료 paid" : "무료 free");
        }
    } else if (m) {
        app__value_text(m, val, sizeof val);
        const char *what = m->name ? m->name : "value";
        if (lv->cfg->traffic && !m->text && strcmp(what, "congested") == 0)
            snprintf(lines[n++], APP_LIVE_TIP_CHARS, "혼잡 Congested: %s",
                     m->number != 0 ? "예 yes" : "아니오 no");
        else if (lv->cfg->traffic && !m->text)
            snprintf(lines[n++], APP_LIVE_TIP_CHARS, "속도 Speed: %s%s", val,
                     app_live_unit_of(m) ? "" : " km/h");
        else {
            const char *band = app_live_band_name(lv, i);
            snprintf(lines[n++], APP_LIVE_TIP_CHARS, "%s: %s%s%s", what, val, band ? "  " : "",
                     band ? band : "");
        }
    }
    if (lv->cfg->traffic && e->name && e->id) { /* an NGSI-LD urn: its last part */
        const char *c = strrchr(e->id, ':');
        snprintf(lines[n++], APP_LIVE_TIP_CHARS, "도로 Road id: %s",
                 strncmp(e->id, "urn:", 4) == 0 && c && c[1] ? c + 1 : e->id);
    }
    double t = m && isfinite(m->observed_at) ? m->observed_at : e->observed_at;
    if (isfinite(t)) {
        app__when(lv, t, when, sizeof when);
        snprintf(lines[n++], APP_LIVE_TIP_CHARS, "관측 Observed %s", when);
    } else {
        snprintf(lines[n++], APP_LIVE_TIP_CHARS, "관측 시각 없음 (no time observed)");
    }
    if (lv->info.status == APP_LAYER_STALE && n < max) {
        app__when(lv, lv->last_ok_wall, when, sizeof when);
        *stale_line = n;
        snprintf(lines[n++], APP_LIVE_TIP_CHARS, "오래됨 Stale since %s", when);
    }
    return n;
}

/* Sizes (scale 1): the first line, the others, the line step, padding. */
#define APP_TIP_PX0 14.0f
#define APP_TIP_PX  12.0f
#define APP_TIP_ROW 18.0f
#define APP_TIP_PAD 8.0f

static int app__layout(const app_live *lv, const app_ui_ctx *ui, char (*lines)[APP_LIVE_TIP_CHARS],
                       int *stale_line, float box[4])
{
    if (!ui->show_cursor_tip || lv->hovered < 0) return 0;
    int n = app_live_tip_lines(lv, lv->hovered, lines, APP_LIVE_TIP_LINES, stale_line);
    if (n == 0) return 0;
    float s = ui->scale, w = 0;
    for (int k = 0; k < n; k++) {
        float tw, th;
        rn_ui_text_size((k == 0 ? APP_TIP_PX0 : APP_TIP_PX) * s, lines[k], &tw, &th);
        w = fmaxf(w, tw);
    }
    w += 2 * APP_TIP_PAD * s;
    float h = (APP_TIP_ROW * (float)n + APP_TIP_PAD) * s;
    float cx = (float)ui->cursor[0], cy = (float)ui->cursor[1], m = 4 * s;
    float x = cx + 16 * s, y = cy + 18 * s;
    if (x + w > ui->width - m) x = cx - 12 * s - w;  /* left of the cursor */
    if (y + h > ui->height - m) y = cy - 12 * s - h; /* above it */
    x = fmaxf(m, fminf(x, ui->width - m - w));
    y = fmaxf(m, fminf(y, ui->height - m - h));
    box[0] = x, box[1] = y, box[2] = x + w, box[3] = y + h;
    return n;
}

bool app_live_tip_box(const app_live *lv, const app_ui_ctx *ui, float out[4])
{
    char lines[APP_LIVE_TIP_LINES][APP_LIVE_TIP_CHARS];
    int stale;
    return app__layout(lv, ui, lines, &stale, out) > 0;
}

void app_live_tip_draw(const app_live *lv, const app_ui_ctx *ui)
{
    char lines[APP_LIVE_TIP_LINES][APP_LIVE_TIP_CHARS];
    int stale;
    float b[4], s = ui->scale;
    int n = app__layout(lv, ui, lines, &stale, b);
    if (n == 0) return;
    rn_ui_rect(b[0], b[1], b[2] - b[0], b[3] - b[1], (rn_rgba){16, 24, 36, 230});
    rn_ui_rect(b[0], b[1], 3 * s, b[3] - b[1], (rn_rgba){90, 200, 250, 255});
    for (int k = 0; k < n; k++) {
        rn_rgba c = k == 0       ? (rn_rgba){90, 200, 250, 255}
                    : k == stale ? (rn_rgba){245, 170, 40, 255}
                                 : (rn_rgba){235, 240, 245, 255};
        rn_ui_text(b[0] + APP_TIP_PAD * s, b[1] + APP_TIP_ROW * s * (float)(k + 1) - 2 * s,
                   (k == 0 ? APP_TIP_PX0 : APP_TIP_PX) * s, c, lines[k]);
    }
}

void app_live_tip_report(const app_live *lv, json_object *root)
{
    char lines[APP_LIVE_TIP_LINES][APP_LIVE_TIP_CHARS];
    int stale;
    if (json_object_object_get_ex(root, "hover", NULL)) return;
    int n = app_live_tip_lines(lv, lv->hovered, lines, APP_LIVE_TIP_LINES, &stale);
    if (n == 0) return;
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    json_object_object_add(o, "kind", json_object_new_string(lv->cfg->kind));
    json_object_object_add(o, "layer", json_object_new_string(lv->info.name));
    const char *id = lv->snap->entities[lv->hovered].id;
    json_object_object_add(o, "id", json_object_new_string(id ? id : ""));
    for (int k = 0; k < n; k++) json_object_array_add(arr, json_object_new_string(lines[k]));
    json_object_object_add(o, "lines", arr);
    json_object_object_add(o, "stale", json_object_new_boolean(stale >= 0));
    json_object_object_add(root, "hover", o);
}
