/* Logger: one mutex, one sink, per-level counters. Messages are folded onto a
 * single line so that every error stays one line on stderr. */
#include "tw_log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define TW_LOG_MSG_MAX 1024

static struct {
    pthread_mutex_t lock;
    tw_log_level threshold;
    tw_log_sink_fn sink;
    void *sink_user;
    unsigned counts[TW_LOG_LEVEL_COUNT];
} tw__log = {PTHREAD_MUTEX_INITIALIZER, TW_LOG_INFO, NULL, NULL, {0}};

void tw_log_init(tw_log_level threshold)
{
    pthread_mutex_lock(&tw__log.lock);
    tw__log.threshold = threshold;
    memset(tw__log.counts, 0, sizeof tw__log.counts);
    pthread_mutex_unlock(&tw__log.lock);
}

void tw_log_shutdown(void)
{
    tw_log_set_sink(NULL, NULL);
}

void tw_log_set_threshold(tw_log_level threshold)
{
    pthread_mutex_lock(&tw__log.lock);
    tw__log.threshold = threshold;
    pthread_mutex_unlock(&tw__log.lock);
}

void tw_log_set_sink(tw_log_sink_fn sink, void *user)
{
    pthread_mutex_lock(&tw__log.lock);
    tw__log.sink = sink;
    tw__log.sink_user = user;
    pthread_mutex_unlock(&tw__log.lock);
}

unsigned tw_log_count(tw_log_level level)
{
    if (level < 0 || level >= TW_LOG_LEVEL_COUNT) return 0;
    pthread_mutex_lock(&tw__log.lock);
    unsigned n = tw__log.counts[level];
    pthread_mutex_unlock(&tw__log.lock);
    return n;
}

const char *tw_log_level_str(tw_log_level level)
{
    switch (level) {
    case TW_LOG_DEBUG:
        return "debug";
    case TW_LOG_INFO:
        return "info";
    case TW_LOG_WARN:
        return "warning";
    case TW_LOG_ERROR:
        return "error";
    default:
        return "?";
    }
}

void tw_logv(tw_log_level level, const char *tag, const char *fmt, va_list ap)
{
    char msg[TW_LOG_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* One message, one line: fold newlines and trim trailing blanks. */
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\r')) msg[--n] = 0;
    for (size_t i = 0; i < n; i++)
        if (msg[i] == '\n' || msg[i] == '\r') msg[i] = ' ';

    pthread_mutex_lock(&tw__log.lock);
    if (level >= 0 && level < TW_LOG_LEVEL_COUNT) tw__log.counts[level]++;
    if (level >= tw__log.threshold) {
        if (tw__log.sink)
            tw__log.sink(level, tag ? tag : "", msg, tw__log.sink_user);
        else
            fprintf(stderr, "citytwin: %s: [%s] %s\n", tw_log_level_str(level), tag ? tag : "",
                    msg);
    }
    pthread_mutex_unlock(&tw__log.lock);
}

void tw_log(tw_log_level level, const char *tag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tw_logv(level, tag, fmt, ap);
    va_end(ap);
}
