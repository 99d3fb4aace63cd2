/* The one log path. GLFW's error callback, GDAL's CPL error handler and curl's
 * error buffer all end here, each message with a level and a tag. Thread-safe.
 * Tests install a sink and count what was logged. */
#ifndef TW_LOG_H
#define TW_LOG_H

#include <stdarg.h>

typedef enum tw_log_level {
    TW_LOG_DEBUG,
    TW_LOG_INFO,
    TW_LOG_WARN,
    TW_LOG_ERROR,
    TW_LOG_LEVEL_COUNT
} tw_log_level;

/* Called for every message at or above the threshold, under the log lock. */
typedef void (*tw_log_sink_fn)(tw_log_level level, const char *tag, const char *msg, void *user);

void tw_log_init(tw_log_level threshold);
void tw_log_shutdown(void);
void tw_log_set_threshold(tw_log_level threshold);
/* Replaces the stderr writer; NULL restores it. */
void tw_log_set_sink(tw_log_sink_fn sink, void *user);
/* Messages logged at a level since init, including those under the threshold. */
unsigned tw_log_count(tw_log_level level);
const char *tw_log_level_str(tw_log_level level);

#if defined(__GNUC__)
#define TW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TW_PRINTF(a, b)
#endif

void tw_log(tw_log_level level, const char *tag, const char *fmt, ...) TW_PRINTF(3, 4);
void tw_logv(tw_log_level level, const char *tag, const char *fmt, va_list ap);

#define TW_DEBUG(tag, ...) tw_log(TW_LOG_DEBUG, tag, __VA_ARGS__)
#define TW_INFO(tag, ...)  tw_log(TW_LOG_INFO, tag, __VA_ARGS__)
#define TW_WARN(tag, ...)  tw_log(TW_LOG_WARN, tag, __VA_ARGS__)
#define TW_ERROR(tag, ...) tw_log(TW_LOG_ERROR, tag, __VA_ARGS__)

#endif
