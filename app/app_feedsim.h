/* The demo feed server started by the app. A scene URL or header using
 * ${FEEDSIM}, with no FEEDSIM in the environment, starts citytwin-feedsim
 * ($CITYTWIN_FEEDSIM_BIN, else the one beside the citytwin binary) on a
 * free loopback port, once per process; it stops when the app exits (and,
 * should the app die, by the parent-death signal). Under --deterministic it
 * serves seed 1 at the fixed instant, frozen; under --replay none starts.
 * When it cannot start, ${FEEDSIM} points at a closed loopback port, so the
 * live layers show the connection error and the rest of the scene runs. */
#ifndef APP_FEEDSIM_H
#define APP_FEEDSIM_H

#include <stdbool.h>
#include <sys/types.h>

void app_feedsim_configure(bool deterministic, double fixed_epoch, bool replay);
/* The base URL ${FEEDSIM} stands for (starting the server the first time). */
const char *app_feedsim_ensure(void);
/* The server's process id, 0 when the app did not start one. */
pid_t app_feedsim_pid(void);

#endif
