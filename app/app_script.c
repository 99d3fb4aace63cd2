/* --script FILE: input events played through the same path as a window's
 * (app_handle_input), one command at a time, each once the view is
 * complete again (layers that recompute after an event, sun hours or a
 * viewshed, finish first), so headless runs can walk through what a user
 * does. One command a line; '#' starts a comment; pixels from the top left:
 *   key NAME          a key: a letter, digit or sign, or Enter, Escape,
 *                     Backspace, Space, Left, Right, Up, Down, Home, F1
 *   move X Y          the cursor to a pixel
 *   click X Y         left press and release there
 *   dclick X Y        two clicks there (a double click)
 *   drag X0 Y0 X1 Y1  left press at the first pixel, moves, release at the last
 *   wait N            N frames */
#include "app_internal.h"

#include "tw_log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_SCRIPT_MAX_LINES 4096

typedef enum app__cmd_op {
    CMD_KEY,
    CMD_MOVE,
    CMD_CLICK,
    CMD_DCLICK,
    CMD_DRAG,
    CMD_WAIT
} app__cmd_op;

typedef struct app__cmd {
    app__cmd_op op;
    int key, line;
    double v[4];
} app__cmd;

struct app_script {
    app__cmd *cmds;
    int count, next;
    int wait;   /* frames left of a wait */
    int settle; /* frames the view is checked again after an event */
    bool has_cursor;
    double cursor[2];
};

static const struct {
    const char *name;
    int key;
} app__keys[] = {{"enter", RN_KEY_ENTER},         {"escape", RN_KEY_ESCAPE}, {"esc", RN_KEY_ESCAPE},
                 {"backspace", RN_KEY_BACKSPACE}, {"space", RN_KEY_SPACE},   {"left", RN_KEY_LEFT},
                 {"right", RN_KEY_RIGHT},         {"up", RN_KEY_UP},         {"down", RN_KEY_DOWN},
                 {"home", RN_KEY_HOME},           {"f1", RN_KEY_F1}};

static bool app__key_code(const char *name, int *key)
{
    if (strlen(name) == 1) {
        *key = toupper((unsigned char)name[0]);
        return *key > 32 && *key < 127;
    }
    char low[16];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof low; i++) low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = 0;
    for (size_t k = 0; k < sizeof app__keys / sizeof *app__keys; k++)
        if (strcmp(low, app__keys[k].name) == 0) {
            *key = app__keys[k].key;
            return true;
        }
    return false;
}

void app_script_free(app_script *s)
{
    if (!s) return;
    free(s->cmds);
    free(s);
}

static bool app__parse_line(char *text, app__cmd *c, char *why, size_t n)
{
    char word[16], arg[32];
    double v[4];
    int got;
    if (sscanf(text, "%15s", word) != 1) return false;
    if (strcmp(word, "key") == 0) {
        if (sscanf(text, "%*s %31s %n", arg, &got) != 1 || text[got] ||
            !app__key_code(arg, &c->key)) {
            snprintf(why, n,
                     "key wants one key name (a letter, digit or sign, Enter, Escape, "
                     "Backspace, Space, Left, Right, Up, Down, Home, F1)");
            return false;
        }
        c->op = CMD_KEY;
        return true;
    }
    static const struct {
        const char *name;
        app__cmd_op op;
        int args;
    } ops[] = {{"move", CMD_MOVE, 2},
               {"click", CMD_CLICK, 2},
               {"dclick", CMD_DCLICK, 2},
               {"drag", CMD_DRAG, 4},
               {"wait", CMD_WAIT, 1}};
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        if (strcmp(word, ops[k].name) != 0) continue;
        int want = ops[k].args, m = 0;
        got = 0;
        if (want == 1)
            m = sscanf(text, "%*s %lf %n", &v[0], &got);
        else if (want == 2)
            m = sscanf(text, "%*s %lf %lf %n", &v[0], &v[1], &got);
        else
            m = sscanf(text, "%*s %lf %lf %lf %lf %n", &v[0], &v[1], &v[2], &v[3], &got);
        bool ok = m == want && !text[got];
        for (int i = 0; ok && i < want; i++) ok = v[i] >= 0 && v[i] < 1e6;
        if (!ok) {
            snprintf(why, n, "%s wants %d numbers (pixels from the top left%s)", word, want,
                     want == 1 ? ", frames" : "");
            return false;
        }
        c->op = ops[k].op;
        memcpy(c->v, v, sizeof v);
        return true;
    }
    snprintf(why, n, "unknown command '%s' (key, move, click, dclick, drag, wait)", word);
    return false;
}

app_script *app_script_load(const char *path, char *err, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "--script %s: cannot read it", path);
        return NULL;
    }
    app_script *s = calloc(1, sizeof *s);
    char text[512];
    int line = 0;
    bool ok = s != NULL;
    while (ok && fgets(text, sizeof text, f)) {
        line++;
        char *hash = strchr(text, '#');
        if (hash) *hash = 0;
        char *p = text;
        while (isspace((unsigned char)*p)) p++;
        size_t len = strlen(p);
        while (len && isspace((unsigned char)p[len - 1])) p[--len] = 0;
        if (!*p) continue;
        if (s->count >= APP_SCRIPT_MAX_LINES) {
            snprintf(err, n, "--script %s: more than %d commands", path, APP_SCRIPT_MAX_LINES);
            ok = false;
            break;
        }
        if (s->count % 64 == 0) {
            app__cmd *g = realloc(s->cmds, (size_t)(s->count + 64) * sizeof *g);
            if (!g) {
                snprintf(err, n, "--script %s: out of memory", path);
                ok = false;
                break;
            }
            s->cmds = g;
        }
        app__cmd *c = &s->cmds[s->count];
        memset(c, 0, sizeof *c);
        c->line = line;
        char why[200];
        why[0] = 0;
        if (!app__parse_line(p, c, why, sizeof why)) {
            snprintf(err, n, "--script %s:%d: %s", path, line, why[0] ? why : "bad line");
            ok = false;
            break;
        }
        s->count++;
    }
    fclose(f);
    if (!ok) {
        if (!s) snprintf(err, n, "--script %s: out of memory", path);
        app_script_free(s);
        return NULL;
    }
    return s;
}

bool app_script_cursor(const app_script *s, double *x, double *y)
{
    if (!s || !s->has_cursor) return false;
    *x = s->cursor[0], *y = s->cursor[1];
    return true;
}

static rn_event app__ev(rn_event_type type, double x, double y)
{
    return (rn_event){.type = type, .x = x, .y = y, .button = RN_BUTTON_LEFT};
}

bool app_script_step(app *a)
{
    app_script *s = a->script;
    if (!s) return false;
    if (s->wait > 0) {
        s->wait--;
        return true;
    }
    /* A few frames for what an event changes to reach every layer (edits,
     * then obstacles, then the analyses), each checking the view again. */
    if (s->settle > 0) {
        s->settle--;
        if (a->phase == APP_PHASE_RUNNING) a->phase = APP_PHASE_SETTLING;
        return true;
    }
    if (s->next >= s->count) return false;
    if (!app_view_ready(a) || a->flight.active) return true;
    const app__cmd *c = &s->cmds[s->next++];
    rn_event ev[40];
    int n = 0;
    double x = c->v[0], y = c->v[1];
    switch (c->op) {
    case CMD_WAIT:
        s->wait = (int)c->v[0];
        return true;
    case CMD_KEY:
        ev[n++] = (rn_event){.type = RN_EV_KEY, .key = c->key, .action = RN_PRESS};
        ev[n++] = (rn_event){.type = RN_EV_KEY, .key = c->key, .action = RN_RELEASE};
        break;
    case CMD_MOVE:
        ev[n++] = app__ev(RN_EV_MOVE, x, y);
        break;
    case CMD_CLICK:
    case CMD_DCLICK:
        ev[n++] = app__ev(RN_EV_MOVE, x, y);
        for (int k = 0; k < (c->op == CMD_DCLICK ? 2 : 1); k++) {
            ev[n] = app__ev(RN_EV_BUTTON, x, y), ev[n++].action = RN_PRESS;
            ev[n] = app__ev(RN_EV_BUTTON, x, y), ev[n++].action = RN_RELEASE;
        }
        break;
    case CMD_DRAG: {
        ev[n++] = app__ev(RN_EV_MOVE, x, y);
        ev[n] = app__ev(RN_EV_BUTTON, x, y), ev[n++].action = RN_PRESS;
        for (int k = 1; k <= 16; k++)
            ev[n++] = app__ev(RN_EV_MOVE, x + (c->v[2] - x) * k / 16, y + (c->v[3] - y) * k / 16);
        x = c->v[2], y = c->v[3];
        ev[n] = app__ev(RN_EV_BUTTON, x, y), ev[n++].action = RN_RELEASE;
        break;
    }
    }
    if (c->op != CMD_KEY) {
        s->has_cursor = true;
        s->cursor[0] = x, s->cursor[1] = y;
        a->cursor[0] = x, a->cursor[1] = y;
    }
    TW_INFO("script", "line %d played", c->line);
    app_handle_input(a, ev, n);
    /* What the event changes is computed before the next command. */
    if (a->phase == APP_PHASE_RUNNING) a->phase = APP_PHASE_SETTLING;
    s->settle = 3;
    return true;
}
