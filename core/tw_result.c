/* Messages for tw_result codes. */
#include "tw_result.h"

const char *tw_result_str(tw_result r)
{
    switch (r) {
    case TW_OK:
        return "ok";
    case TW_ERR_ARG:
        return "invalid argument";
    case TW_ERR_IO:
        return "cannot read";
    case TW_ERR_FORMAT:
        return "invalid format";
    case TW_ERR_CRS:
        return "coordinate reference system problem";
    case TW_ERR_NOMEM:
        return "out of memory";
    case TW_ERR_TOOBIG:
        return "input too large";
    case TW_ERR_TIMEOUT:
        return "timed out";
    case TW_ERR_NET:
        return "network error";
    case TW_ERR_GL:
        return "graphics error";
    case TW_ERR_UNSUPPORTED:
        return "unsupported";
    case TW_ERR_CANCELLED:
        return "cancelled";
    case TW_ERR_COUNT:
        break;
    }
    return "unknown error";
}
