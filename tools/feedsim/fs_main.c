/* citytwin-feedsim: the demo feed server. Prints the address it listens on
 * as its first line of output, serves until SIGINT or SIGTERM. */
#include "fs_server.h"

#include "tw_log.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: citytwin-feedsim [--port P] [--seed S] [--fault MODE] [OPTIONS]\n"
    "Serves simulated live feeds of a Seoul demo district on 127.0.0.1 only.\n"
    "  --port P          listen port (0, the default, picks a free one)\n"
    "  --seed S          data seed (default 1); same seed and time, same bodies\n"
    "  --start EPOCH     simulated time at start, seconds since 1970 (default: now)\n"
    "  --freeze          simulated time stands still (tests)\n"
    "  --tick S          seconds between data changes (default 10)\n"
    "  --fault MODE      none slow hang 500 503 truncated malformed huge wrongtype\n"
    "                    redirect-loop 503-date (POST /_control/fault?mode=M&path=P at run time)\n"
    "  --fault-path P    apply --fault only under this path prefix\n"
    "  --api-key K       Seoul Open API key accepted (default citytwin)\n"
    "  --hang-cap S      a hung request is dropped after S seconds (default 120)\n"
    "  --slow-bytes N    bytes per drip in slow mode (default 64, every 100 ms)\n"
    "  --huge-mb N       body size in huge mode (default 64)\n"
    "  --bulk-sensors N  also serve /geojson/bulk.geojson: N point sensors whose values\n"
    "                    change every tick (the live frame bench)\n"
    "  --verbose         log every request\n"
    "  --help\n";

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "citytwin-feedsim: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return 2;
}

static bool num(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    double v = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end || !(v >= lo && v <= hi)) return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    fs_server_desc d = {0};
    bool verbose = false;
    double v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(a, "--freeze") == 0) {
            d.frozen = true;
        } else if (strcmp(a, "--port") == 0) {
            if (!num(next, 0, 65535, &v)) return bad("bad --port", next);
            d.port = (int)v, i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (!num(next, 0, 4e18, &v)) return bad("bad --seed", next);
            d.seed = (uint64_t)v, i++;
        } else if (strcmp(a, "--start") == 0) {
            if (!num(next, 1, 1e11, &v)) return bad("bad --start", next);
            d.start_s = v, i++;
        } else if (strcmp(a, "--tick") == 0) {
            if (!num(next, 0.1, 86400, &v)) return bad("bad --tick", next);
            d.tick_s = v, i++;
        } else if (strcmp(a, "--hang-cap") == 0) {
            if (!num(next, 0.1, 86400, &v)) return bad("bad --hang-cap", next);
            d.hang_cap_s = v, i++;
        } else if (strcmp(a, "--slow-bytes") == 0) {
            if (!num(next, 1, 1 << 20, &v)) return bad("bad --slow-bytes", next);
            d.slow_bytes = (size_t)v, i++;
        } else if (strcmp(a, "--huge-mb") == 0) {
            if (!num(next, 1, 4096, &v)) return bad("bad --huge-mb", next);
            d.huge_bytes = (uint64_t)v << 20, i++;
        } else if (strcmp(a, "--bulk-sensors") == 0) {
            if (!num(next, 1, 10000000, &v) || v != (int)v) return bad("bad --bulk-sensors", next);
            d.bulk_sensors = (int)v, i++;
        } else if (strcmp(a, "--fault") == 0) {
            if (!fs_fault_parse(next, &d.fault)) return bad("unknown --fault mode", next);
            i++;
        } else if (strcmp(a, "--fault-path") == 0) {
            if (!next || next[0] != '/') return bad("--fault-path needs a path", next);
            d.fault_path = next, i++;
        } else if (strcmp(a, "--api-key") == 0) {
            if (!next || !next[0] || strlen(next) > 60 || strchr(next, '/'))
                return bad("bad --api-key", next);
            d.api_key = next, i++;
        } else {
            fputs(usage, stderr);
            return bad("unknown option", a);
        }
    }

    tw_log_init(verbose ? TW_LOG_DEBUG : TW_LOG_INFO);
    /* Every thread the daemon starts inherits this mask; main takes the
     * signals with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    fs_server *srv = NULL;
    tw_result r = fs_server_start(&d, &srv);
    if (r != TW_OK) {
        fprintf(stderr, "citytwin-feedsim: cannot start: %s\n", tw_result_str(r));
        tw_log_shutdown();
        return 1;
    }
    printf("citytwin-feedsim: listening on http://127.0.0.1:%d\n", fs_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    TW_INFO("feedsim", "signal %d: stopping", sig);
    fs_server_stop(srv);
    tw_log_shutdown();
    return 0;
}
