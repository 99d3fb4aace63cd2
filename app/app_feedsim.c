/* The demo feed server started by the app: see app_feedsim.h. */
#define _GNU_SOURCE
#include "app_feedsim.h"

#include "tw_log.h"
#include "tw_time.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where the layers point when the server is not there: the discard port on
 * loopback, which refuses the connection at once. */
#define APP_FEEDSIM_NOWHERE "http://127.0.0.1:9"

static struct {
    bool tried, deterministic, replay;
    double fixed_epoch;
    pid_t pid;
    int out_fd;
    char base[64];
} app__fs = {.out_fd = -1};

void app_feedsim_configure(bool deterministic, double fixed_epoch, bool replay)
{
    app__fs.deterministic = deterministic;
    app__fs.fixed_epoch = fixed_epoch;
    app__fs.replay = replay;
}

/* The binary: $CITYTWIN_FEEDSIM_BIN, else citytwin-feedsim beside this one. */
static bool app__binary(char *out, size_t n)
{
    const char *env = getenv("CITYTWIN_FEEDSIM_BIN");
    if (env && env[0]) return snprintf(out, n, "%s", env) < (int)n;
    char self[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) return false;
    self[k] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash) return false;
    *slash = '\0';
    return snprintf(out, n, "%s/citytwin-feedsim", self) < (int)n;
}

static void app__stop(void)
{
    if (app__fs.pid <= 0) return;
    kill(app__fs.pid, SIGTERM);
    int status;
    pid_t r = 0;
    for (int i = 0; i < 150 && (r = waitpid(app__fs.pid, &status, WNOHANG)) == 0; i++)
        tw_time_sleep_s(0.02);
    if (r != app__fs.pid) {
        kill(app__fs.pid, SIGKILL);
        waitpid(app__fs.pid, &status, 0);
    }
    if (app__fs.out_fd >= 0) close(app__fs.out_fd);
    app__fs.pid = 0, app__fs.out_fd = -1;
}

/* Starts the server and reads its address from its first line; false with
 * the reason in why. */
static bool app__spawn(char *why, size_t wn)
{
    char bin[PATH_MAX + 32], start[32];
    if (!app__binary(bin, sizeof bin)) return snprintf(why, wn, "no path to it"), false;
    if (access(bin, X_OK) != 0) return snprintf(why, wn, "%s is not there", bin), false;
    snprintf(start, sizeof start, "%.0f", app__fs.fixed_epoch);
    const char *argv[10] = {bin, "--port", "0"};
    if (app__fs.deterministic) {
        argv[3] = "--seed", argv[4] = "1", argv[5] = "--start", argv[6] = start;
        argv[7] = "--freeze";
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return snprintf(why, wn, "no pipe"), false;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return snprintf(why, wn, "cannot fork"), false;
    }
    if (pid == 0) {
        /* It goes when the app goes, however the app ends. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(1);
        dup2(fds[1], 1);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    app__fs.pid = pid, app__fs.out_fd = fds[0];
    char line[256];
    size_t got = 0;
    double until = tw_time_mono_s() + 5.0;
    while (got < sizeof line - 1 && !memchr(line, '\n', got) && tw_time_mono_s() < until) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t r = read(fds[0], line + got, sizeof line - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    line[got] = '\0';
    const char *prefix = "citytwin-feedsim: listening on http://127.0.0.1:";
    int port = strncmp(line, prefix, strlen(prefix)) == 0 ? atoi(line + strlen(prefix)) : 0;
    if (port <= 0) {
        app__stop();
        return snprintf(why, wn, "%s did not say where it listens within 5 s", bin), false;
    }
    snprintf(app__fs.base, sizeof app__fs.base, "http://127.0.0.1:%d", port);
    atexit(app__stop);
    return true;
}

const char *app_feedsim_ensure(void)
{
    const char *set = getenv("FEEDSIM");
    if (set) return set;
    if (!app__fs.tried) {
        app__fs.tried = true;
        char why[PATH_MAX + 96];
        if (app__fs.replay) {
            snprintf(app__fs.base, sizeof app__fs.base, "%s", APP_FEEDSIM_NOWHERE);
        } else if (app__spawn(why, sizeof why)) {
            TW_INFO("feedsim", "the demo feed server (simulated data) listens on %s", app__fs.base);
        } else {
            snprintf(app__fs.base, sizeof app__fs.base, "%s", APP_FEEDSIM_NOWHERE);
            TW_WARN("feedsim",
                    "the demo feed server could not start (%s): live layers will "
                    "show errors",
                    why);
        }
    }
    return app__fs.base;
}

pid_t app_feedsim_pid(void)
{
    return app__fs.pid;
}
