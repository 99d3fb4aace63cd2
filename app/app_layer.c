/* Layer status bookkeeping. */
#include "app_layer.h"

#include "tw_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void app_layer_begin(app_layer *l, const char *kind, const char *name, const char *source,
                     const char *attribution, double now)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    snprintf(l->name, sizeof l->name, "%s", name && name[0] ? name : tw_path_basename(source));
    snprintf(l->source, sizeof l->source, "%s", source);
    l->status = APP_LAYER_LOADING;
    l->t_start = now;
    l->attribution_given = attribution && attribution[0];
    snprintf(l->attribution, sizeof l->attribution, "%s",
             l->attribution_given ? attribution : tw_path_basename(source));
}

void app_layer_fail(app_layer *l, double now, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->error, sizeof l->error, fmt, ap);
    va_end(ap);
    l->status = APP_LAYER_ERROR;
    l->load_ms = (now - l->t_start) * 1000.0;
    TW_ERROR(l->kind, "%s: %s", l->source, l->error);
}

void app_layer_ok(app_layer *l, double now, long features)
{
    l->status = APP_LAYER_OK;
    l->features = features;
    l->load_ms = (now - l->t_start) * 1000.0;
}

const char *app_layer_status_str(app_layer_status s)
{
    switch (s) {
    case APP_LAYER_LOADING:
        return "loading";
    case APP_LAYER_OK:
        return "ok";
    case APP_LAYER_ERROR:
        return "error";
    case APP_LAYER_STALE:
        return "stale";
    }
    return "?";
}
