/* The live kinds' memory and alarms: a bounded ring of recent values per
 * entity (by id), filled from each new snapshot, drawn as a chart under the
 * pinned panel of a selected sensor; and the alert panel listing sensors at
 * or past the scene's upper threshold, or in an alert band (e.g. PM10 81+
 * ㎍/㎥, 나쁨 and worse), each with its value, unit and band name.
 * Memory is bounded: `history` samples per entity, APP_LIVE_HIST_MAX
 * entities per layer (later ids are not tracked, counted). */
#include "app_live_int.h"

#include "app_markers.h"
#include "rn_ui.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_LIVE_HIST_MAX   8192
#define APP_LIVE_ALERT_ROWS 6

typedef struct app__ring {
    char *id;
    double *t, *v;
    int head, count;
} app__ring;

struct app_live_hist {
    atomic_int refs;
    pthread_mutex_t lock; /* a worker adds while the main thread reads */
    int cap;              /* samples per entity */
    app__ring *rings;
    int ring_count;
    int *slot; /* open addressing over ids: ring index + 1, 0 empty */
    int slot_cap;
    long untracked;
};

app_live_hist *app_live_hist_create(int cap)
{
    app_live_hist *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->cap = cap < 2 ? 2 : cap;
    h->slot_cap = 256;
    h->slot = calloc((size_t)h->slot_cap, sizeof *h->slot);
    if (!h->slot) return free(h), NULL;
    atomic_init(&h->refs, 1);
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

app_live_hist *app_live_hist_ref(app_live_hist *h)
{
    if (h) atomic_fetch_add(&h->refs, 1);
    return h;
}

void app_live_hist_free(app_live_hist *h)
{
    if (!h || atomic_fetch_sub(&h->refs, 1) > 1) return;
    pthread_mutex_destroy(&h->lock);
    for (int i = 0; i < h->ring_count; i++)
        free(h->rings[i].id), free(h->rings[i].t), free(h->rings[i].v);
    free(h->rings);
    free(h->slot);
    free(h);
}

static uint64_t app__hash(const char *s)
{
    uint64_t x = 1469598103934665603ull;
    while (*s) x = (x ^ (unsigned char)*s++) * 1099511628211ull;
    return x;
}

static app__ring *app__find(const app_live_hist *h, const char *id)
{
    for (size_t k = app__hash(id) & (size_t)(h->slot_cap - 1); h->slot[k];
         k = (k + 1) & (size_t)(h->slot_cap - 1))
        if (strcmp(h->rings[h->slot[k] - 1].id, id) == 0) return &h->rings[h->slot[k] - 1];
    return NULL;
}

static bool app__grow(app_live_hist *h)
{
    int cap = h->slot_cap * 2;
    int *slot = calloc((size_t)cap, sizeof *slot);
    if (!slot) return false;
    for (int i = 0; i < h->ring_count; i++) {
        size_t k = app__hash(h->rings[i].id) & (size_t)(cap - 1);
        while (slot[k]) k = (k + 1) & (size_t)(cap - 1);
        slot[k] = i + 1;
    }
    free(h->slot);
    h->slot = slot, h->slot_cap = cap;
    return true;
}

static app__ring *app__add_ring(app_live_hist *h, const char *id)
{
    if (h->ring_count >= APP_LIVE_HIST_MAX) return h->untracked++, NULL;
    if ((h->ring_count + 1) * 2 > h->slot_cap && !app__grow(h)) return NULL;
    if ((h->ring_count & (h->ring_count - 1)) == 0) { /* 0, 1, 2, 4, ...: grow the array */
        app__ring *r =
            realloc(h->rings, (size_t)(h->ring_count ? h->ring_count * 2 : 1) * sizeof *r);
        if (!r) return NULL;
        h->rings = r;
    }
    app__ring *r = &h->rings[h->ring_count];
    *r = (app__ring){.id = strdup(id),
                     .t = malloc((size_t)h->cap * sizeof(double)),
                     .v = malloc((size_t)h->cap * sizeof(double))};
    if (!r->id || !r->t || !r->v) {
        free(r->id), free(r->t), free(r->v);
        return NULL;
    }
    size_t k = app__hash(id) & (size_t)(h->slot_cap - 1);
    while (h->slot[k]) k = (k + 1) & (size_t)(h->slot_cap - 1);
    h->slot[k] = ++h->ring_count;
    return r;
}

static void app__add(app_live_hist *h, const char *id, double t, double v)
{
    app__ring *r = app__find(h, id);
    if (!r && !(r = app__add_ring(h, id))) return;
    if (r->count > 0) {
        int last = (r->head + r->count - 1) % h->cap;
        if (r->t[last] == t) return; /* the same observation again */
    }
    int at = (r->head + r->count) % h->cap;
    if (r->count == h->cap)
        r->head = (r->head + 1) % h->cap;
    else
        r->count++;
    r->t[at] = t, r->v[at] = v;
}

void app_live_hist_add(app_live_hist *h, const char *id, double t, double v)
{
    if (!h || !id || !isfinite(v)) return;
    pthread_mutex_lock(&h->lock);
    app__add(h, id, t, v);
    pthread_mutex_unlock(&h->lock);
}

int app_live_hist_get(const app_live_hist *h, const char *id, double *t, double *v, int max)
{
    if (!h || !id) return 0;
    pthread_mutex_lock((pthread_mutex_t *)&h->lock);
    const app__ring *r = app__find(h, id);
    int n = 0;
    for (int i = 0; r && i < r->count && n < max; i++, n++) {
        int k = (r->head + i) % h->cap;
        if (t) t[n] = r->t[k];
        v[n] = r->v[k];
    }
    pthread_mutex_unlock((pthread_mutex_t *)&h->lock);
    return n;
}

int app_live_hist_try_get(const app_live_hist *h, const char *id, double *v, int max)
{
    if (!h || !id) return 0;
    if (pthread_mutex_trylock((pthread_mutex_t *)&h->lock) != 0) return -1;
    const app__ring *r = app__find(h, id);
    int n = 0;
    for (int i = 0; r && i < r->count && n < max; i++, n++) v[n] = r->v[(r->head + i) % h->cap];
    pthread_mutex_unlock((pthread_mutex_t *)&h->lock);
    return n;
}

int app_live_hist_tracked(const app_live_hist *h)
{
    if (!h) return 0;
    pthread_mutex_lock((pthread_mutex_t *)&h->lock);
    int n = h->ring_count;
    pthread_mutex_unlock((pthread_mutex_t *)&h->lock);
    return n;
}

int app_live_hist_cap(const app_live_hist *h)
{
    return h ? h->cap : 0;
}

/* ---- drawing ---- */

void app_live_chart_box(const app_live *lv, const app_ui_ctx *ui, const float panel[4],
                        float out[4])
{
    (void)lv;
    float s = ui->scale;
    out[0] = panel[0], out[2] = panel[2];
    out[1] = panel[3] + 6 * s, out[3] = out[1] + 96 * s;
}

void app_live_chart_draw(const app_live *lv, const app_ui_ctx *ui, const float panel[4],
                         const char *id, const char *unit)
{
    int cap = app_live_hist_cap(lv->hist);
    if (cap <= 0) return;
    double *v = malloc((size_t)cap * sizeof *v);
    if (!v) return;
    /* Never wait for the preparation thread (SCHED_IDLE: preempted while
     * it holds the lock, it may not run again for a while): when it is
     * filing a snapshot, the series read last for this entity is drawn. */
    app_live *m = (app_live *)lv; /* main thread: the cache only */
    int n = app_live_hist_try_get(lv->hist, id, v, cap);
    bool cached = m->chart_v && m->chart_cap == cap && strcmp(m->chart_id, id) == 0;
    if (n < 0 && cached) {
        n = m->chart_n;
        memcpy(v, m->chart_v, (size_t)n * sizeof *v);
    } else {
        if (n < 0) n = app_live_hist_get(lv->hist, id, NULL, v, cap); /* nothing to show else */
        if (!m->chart_v || m->chart_cap != cap) {
            free(m->chart_v);
            m->chart_v = malloc((size_t)cap * sizeof *m->chart_v);
            m->chart_cap = m->chart_v ? cap : 0;
        }
        if (m->chart_v) {
            memcpy(m->chart_v, v, (size_t)n * sizeof *v);
            m->chart_n = n;
            snprintf(m->chart_id, sizeof m->chart_id, "%s", id);
        }
    }
    float b[4], s = ui->scale;
    app_live_chart_box(lv, ui, panel, b);
    rn_ui_rect(b[0], b[1], b[2] - b[0], b[3] - b[1], (rn_rgba){16, 24, 36, 215});
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    char line[160];
    if (n == 0) {
        snprintf(line, sizeof line, "이력 history: —");
    } else {
        snprintf(line, sizeof line, "이력 history: %d  %g–%g%s%s", n, lo, hi, unit ? " " : "",
                 unit ? unit : "");
    }
    rn_ui_text(b[0] + 10 * s, b[1] + 16 * s, 11 * s, (rn_rgba){235, 240, 245, 255}, line);
    float x0 = b[0] + 10 * s, x1 = b[2] - 10 * s, y0 = b[3] - 8 * s, y1 = b[1] + 26 * s;
    rn_ui_line(x0, y0, x1, y0, 1 * s, (rn_rgba){120, 130, 140, 255});
    if (n >= 1) {
        double span = hi > lo ? hi - lo : 1;
        float px = 0, py = 0;
        for (int i = 0; i < n; i++) {
            float x = n > 1 ? x0 + (x1 - x0) * (float)i / (float)(n - 1) : (x0 + x1) * 0.5f;
            float y = y0 - (y0 - y1) * (float)((v[i] - lo) / span) * (hi > lo ? 1.0f : 0.5f);
            if (i) rn_ui_line(px, py, x, y, 2 * s, (rn_rgba){90, 200, 250, 255});
            px = x, py = y;
        }
        rn_ui_rect(px - 2 * s, py - 2 * s, 4 * s, 4 * s, (rn_rgba){250, 250, 250, 255});
    }
    free(v);
}

/* The alert boxes of all live layers stack from the top left: where the
 * next one goes in this frame. */
static struct {
    long frame;
    float y;
} app__stack = {.frame = -1};

void app_live_alerts_draw(const app_live *lv, const app_ui_ctx *ui, float opacity)
{
    if (lv->alert_count <= 0 || !lv->snap) return;
    float s = ui->scale;
    if (app__stack.frame != lv->frame_no) app__stack.frame = lv->frame_no, app__stack.y = 64 * s;
    int rows = lv->alert_count < APP_LIVE_ALERT_ROWS ? lv->alert_count : APP_LIVE_ALERT_ROWS;
    float x = 10 * s, y = app__stack.y, w = 300 * s, h = (28 + 16 * (float)rows + 6) * s;
    app__stack.y += h + 6 * s;
    rn_ui_rect(x, y, w, h, (rn_rgba){60, 14, 14, (uint8_t)(215 * opacity)});
    char line[400];
    snprintf(line, sizeof line, "경보 alerts · %s (%d)", lv->info.name, lv->alert_count);
    rn_ui_text(x + 8 * s, y + 18 * s, 12 * s, (rn_rgba){255, 190, 170, (uint8_t)(255 * opacity)},
               line);
    for (int i = 0; i < rows; i++) {
        const tw_obs_entity *e = &lv->snap->entities[lv->alerts[i]];
        const tw_obs_value *v = tw_obs_main(lv->snap, e);
        const char *unit = app_live_unit_of(v), *band = app_live_band_name(lv, lv->alerts[i]);
        snprintf(line, sizeof line, "%s  %g%s%s%s%s",
                 e->name ? e->name
                 : e->id ? e->id
                         : "?",
                 v ? v->number : NAN, unit ? " " : "", unit ? unit : "", band ? "  " : "",
                 band ? band : "");
        rn_ui_text(x + 8 * s, y + (36 + 16 * (float)i) * s, 11 * s,
                   (rn_rgba){245, 235, 235, (uint8_t)(255 * opacity)}, line);
    }
}
