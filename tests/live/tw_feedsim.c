/* See tw_feedsim.h. */
#include "tw_feedsim.h"

#include "tw_time.h"

#include <curl/curl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

bool tw_feedsim_start(tw_feedsim *s, const char *const *args)
{
    memset(s, 0, sizeof *s);
    const char *bin = getenv("CITYTWIN_FEEDSIM_BIN");
    int fds[2];
    if (!bin || pipe(fds) != 0) return false;
    const char *argv[24] = {bin};
    int n = 1;
    for (; args[n - 1] && n < 23; n++) argv[n] = args[n - 1];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    s->pid = pid;
    s->out_fd = fds[0];
    char line[256];
    size_t got = 0;
    double until = tw_time_mono_s() + 10.0;
    while (got < sizeof line - 1 && !memchr(line, '\n', got) && tw_time_mono_s() < until) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, 200) <= 0) continue;
        ssize_t r = read(fds[0], line + got, sizeof line - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    line[got] = '\0';
    const char *prefix = "citytwin-feedsim: listening on http://127.0.0.1:";
    if (strncmp(line, prefix, strlen(prefix)) != 0) {
        tw_feedsim_stop(s);
        return false;
    }
    s->port = atoi(line + strlen(prefix));
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    return s->port > 0;
}

int tw_feedsim_stop(tw_feedsim *s)
{
    if (s->pid <= 0) return -1;
    kill(s->pid, SIGTERM);
    int status = 0, rc = -1;
    pid_t r = 0;
    for (int i = 0; i < 500 && (r = waitpid(s->pid, &status, WNOHANG)) == 0; i++)
        tw_time_sleep_s(0.02);
    if (r == s->pid) {
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    } else {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
    }
    close(s->out_fd);
    s->pid = 0;
    return rc;
}

typedef struct tw__body {
    char *buf;
    size_t len;
    const char *header;
    char *hv;
    size_t hvn;
} tw__body;

static size_t tw__write(char *d, size_t size, size_t n, void *user)
{
    tw__body *b = user;
    char *p = realloc(b->buf, b->len + size * n + 1);
    if (!p) return 0;
    memcpy(p + b->len, d, size * n);
    b->buf = p, b->len += size * n;
    p[b->len] = '\0';
    return size * n;
}

static size_t tw__header(char *d, size_t size, size_t n, void *user)
{
    tw__body *b = user;
    size_t len = size * n, k = b->header ? strlen(b->header) : 0;
    if (k && len > k + 1 && strncasecmp(d, b->header, k) == 0 && d[k] == ':') {
        snprintf(b->hv, b->hvn, "%.*s", (int)(len - k - 1), d + k + 1);
        char *e = b->hv + strlen(b->hv);
        while (e > b->hv && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ')) *--e = '\0';
    }
    return len;
}

static char *tw__request(const char *url, bool post, const char *header, char *hv, size_t hvn,
                         long *status)
{
    tw__body b = {.header = header, .hv = hv, .hvn = hvn};
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tw__write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, tw__header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &b);
    if (post) curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        free(b.buf);
        return NULL;
    }
    return b.buf ? b.buf : strdup("");
}

bool tw_feedsim_fault(const tw_feedsim *s, const char *mode, const char *path)
{
    char url[512];
    long status;
    snprintf(url, sizeof url, "%s/_control/fault?mode=%s%s%s", s->base, mode, path ? "&path=" : "",
             path ? path : "");
    free(tw__request(url, true, NULL, NULL, 0, &status));
    return status == 200;
}

char *tw_feedsim_get(const tw_feedsim *s, const char *path, const char *header, char *hv,
                     size_t hvn)
{
    char url[1024];
    long status;
    if (hv && hvn) hv[0] = '\0';
    snprintf(url, sizeof url, "%s%s", s->base, path);
    char *body = tw__request(url, false, header, hv, hvn, &status);
    if (status != 200) free(body), body = NULL;
    return body;
}
