/* Result codes shared by every module. Recoverable failures are values:
 * a function returns a tw_result and the caller decides what to do. */
#ifndef TW_RESULT_H
#define TW_RESULT_H

typedef enum tw_result {
    TW_OK = 0,
    TW_ERR_ARG,         /* bad argument or option */
    TW_ERR_IO,          /* file missing, unreadable, short read */
    TW_ERR_FORMAT,      /* the bytes are not what the format says */
    TW_ERR_CRS,         /* no CRS, unknown CRS, impossible transformation */
    TW_ERR_NOMEM,       /* allocation failed */
    TW_ERR_TOOBIG,      /* input over a size cap */
    TW_ERR_TIMEOUT,     /* remote source did not answer in time */
    TW_ERR_NET,         /* network failure other than a timeout */
    TW_ERR_GL,          /* OpenGL / EGL / window failure */
    TW_ERR_UNSUPPORTED, /* valid input we do not handle */
    TW_ERR_CANCELLED,   /* the work was no longer wanted */
    TW_ERR_COUNT
} tw_result;

/* Short English text for a result code; never NULL. */
const char *tw_result_str(tw_result r);

#endif
