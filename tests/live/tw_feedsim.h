/* Starting citytwin-feedsim ($CITYTWIN_FEEDSIM_BIN) on 127.0.0.1 for a test,
 * switching its faults and asking it small things over HTTP. */
#ifndef TW_FEEDSIM_H
#define TW_FEEDSIM_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct tw_feedsim {
    pid_t pid;
    int out_fd;
    int port;
    char base[64];
} tw_feedsim;

/* Starts it with args (NULL-terminated, after the binary) and reads the port
 * from its first line. False when the binary is missing or did not start. */
bool tw_feedsim_start(tw_feedsim *s, const char *const *args);
/* SIGTERM; its exit status, or -1 when it had to be killed (10 s). */
int tw_feedsim_stop(tw_feedsim *s);
/* POST /_control/fault?mode=MODE[&path=PATH]; true on 200. */
bool tw_feedsim_fault(const tw_feedsim *s, const char *mode, const char *path);
/* GET base+path: the body (caller frees) or NULL; the value of header
 * `header` (may be NULL) into hv. */
char *tw_feedsim_get(const tw_feedsim *s, const char *path, const char *header, char *hv,
                     size_t hvn);

#endif
