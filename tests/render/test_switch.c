/* Leaving a scene never waits on a dead server: a headless tour starts in a
 * scene whose terrain is a COG on a loopback server that accepts and never
 * answers, then switches to a local scene. The switch (fade out, start the
 * local scene, fade in) must happen while the remote read still hangs, and
 * the process must end once the server lets go.
 *
 * Why the hung stop is shown only after ~30 s: a tour stop is shown once its
 * scene is running, and a scene with a layer still loading runs when the
 * view is complete or 30 s after the load cap (--load-cap-s 0 here). The
 * scene's http_timeout_s (60) outlasts that, so the read is still hanging
 * when the tour leaves; this test then releases the server itself, so the
 * process does not sit out the whole timeout at exit. */
#include "tw_run.h"
#include "tw_test.h"

#include "tw_time.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HUNG_TIMEOUT_S 60  /* the scene's http_timeout_s */
#define HOLD_S         0.2 /* each stop's hold */
#define FLIGHT_S       1.5 /* the shortest camera flight (app_camera.c): to "here" */
#define SWITCH_MAX_S   3.0 /* fades 0.35 + 0.35 s, loading a small local DEM */
#define RELEASE_AT_S   120 /* the server lets go by itself after this */
#define KILL_AT_S      180 /* and the run is killed after this */

/* A server on 127.0.0.1 that accepts, reads and never answers; it holds
 * every connection until released (or until RELEASE_AT_S), then closes them
 * and ends. */
typedef struct hung_server {
    int listen_fd, port;
    pthread_t thread;
    double t0;
    atomic_bool release, stop;
    atomic_int accepted, held, closed_by_client;
    int held_at_release;
} hung_server;

static void *hung_serve(void *arg)
{
    hung_server *s = arg;
    enum { MAX_CONN = 32 };
    struct pollfd p[MAX_CONN + 1];
    int n = 0;
    p[0] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
    while (!atomic_load(&s->stop)) {
        if (!atomic_load(&s->release) && tw_time_mono_s() - s->t0 > RELEASE_AT_S)
            atomic_store(&s->release, true);
        if (atomic_load(&s->release) && n > 0) {
            s->held_at_release = n;
            for (int i = 1; i <= n; i++) close(p[i].fd);
            n = 0;
            atomic_store(&s->held, 0);
        }
        if (poll(p, (nfds_t)n + 1, 50) <= 0) continue;
        for (int i = n; i >= 1; i--) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            ssize_t got = recv(p[i].fd, buf, sizeof buf, 0);
            if (got > 0 || (got < 0 && errno == EINTR)) continue;
            /* The client gave up (its own timeout): the read is over. */
            close(p[i].fd);
            p[i] = p[n--];
            atomic_fetch_add(&s->closed_by_client, 1);
            atomic_store(&s->held, n);
        }
        if (p[0].revents & POLLIN) {
            int c = accept(s->listen_fd, NULL, NULL);
            if (c < 0) continue;
            atomic_fetch_add(&s->accepted, 1);
            if (n == MAX_CONN || atomic_load(&s->release)) {
                close(c);
                continue;
            }
            p[++n] = (struct pollfd){.fd = c, .events = POLLIN};
            atomic_store(&s->held, n);
        }
    }
    for (int i = 1; i <= n; i++) close(p[i].fd);
    return NULL;
}

static bool hung_start(hung_server *s)
{
    memset(s, 0, sizeof *s);
    s->t0 = tw_time_mono_s();
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 16) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        if (s->listen_fd >= 0) close(s->listen_fd);
        return false;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->thread, NULL, hung_serve, s) != 0) {
        close(s->listen_fd);
        return false;
    }
    return true;
}

static void hung_stop(hung_server *s)
{
    atomic_store(&s->release, true);
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs(text, f);
    return fclose(f) == 0;
}

/* Starts `citytwin ARGS` with stderr into err_path; the child's pid. */
static pid_t spawn_citytwin(const char *args, const char *err_path)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec '%s' %s </dev/null 2>'%s'", tw_run_bin(), args, err_path);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void test_switch_leaves_a_hung_scene(void)
{
    hung_server srv;
    TW_CHECK(hung_start(&srv));
    if (!srv.port) return;
    const char *dir = tw_run_tmpdir();
    char local[600], hung[600], rep[600], errp[600], png[600], dem[1024], text[4096];
    tw_test_shipped("assets/data/dem/seoul_dem.tif", dem, sizeof dem);
    snprintf(local, sizeof local, "%s/local.json", dir);
    snprintf(hung, sizeof hung, "%s/hung.json", dir);
    snprintf(rep, sizeof rep, "%s/switch.report.json", dir);
    snprintf(errp, sizeof errp, "%s/switch.err", dir);
    snprintf(png, sizeof png, "%s/switch.png", dir);
    snprintf(text, sizeof text, "{ \"name\": \"local\", \"terrain\": { \"source\": \"%s\" } }\n",
             dem);
    TW_CHECK(write_file(local, text));
    snprintf(text, sizeof text,
             "{ \"name\": \"hung\", \"http_timeout_s\": %d,\n"
             "  \"terrain\": { \"source\": \"/vsicurl/http://127.0.0.1:%d/dem.tif\" },\n"
             /* Where the camera already is (app_camera_default: target 0,
              * 10 km away, tilted 40 degrees), so the flight is the
              * shortest. */
             "  \"bookmarks\": [{ \"name\": \"here\", \"eye\": [0, -6427.876, 7660.444],\n"
             "                   \"target\": [0, 0, 0] }],\n"
             "  \"tour\": [{ \"bookmark\": \"here\", \"hold_s\": %g },\n"
             "            { \"scene\": \"local.json\", \"hold_s\": %g }] }\n",
             HUNG_TIMEOUT_S, srv.port, HOLD_S, HOLD_S);
    TW_CHECK(write_file(hung, text));

    char args[3000];
    snprintf(args, sizeof args,
             "--tour --headless --load-cap-s 0 --size 320x180 --snapshot '%s' --report '%s' '%s'",
             png, rep, hung);
    double t_spawn = tw_time_mono_s(), t_seen = -1, t_exit = -1;
    pid_t pid = spawn_citytwin(args, errp);
    TW_CHECK(pid > 0);
    int status = 0, held_when_seen = 0;
    while (pid > 0) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        double now = tw_time_mono_s();
        if (w == pid) {
            t_exit = now;
            break;
        }
        if (t_seen < 0) {
            /* The tour logs each stop it shows; once the local one is up,
             * the server may let the hung read go. */
            char *err = tw_run_read_text(errp);
            if (err && strstr(err, "stop 2: scene")) {
                t_seen = now;
                held_when_seen = atomic_load(&srv.held);
                atomic_store(&srv.release, true);
            }
            free(err);
        }
        if (now - t_spawn > KILL_AT_S) {
            fprintf(stderr, "citytwin still running after %d s: killing it\n", KILL_AT_S);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    int closed_early = atomic_load(&srv.closed_by_client), accepted = atomic_load(&srv.accepted);
    hung_stop(&srv);
    printf("  server: %d connection(s), %d held when the local stop was shown, %d ended by the "
           "client before that\n",
           accepted, held_when_seen, closed_early);
    printf("  local stop seen %.1f s after start; exit %.1f s after that\n", t_seen - t_spawn,
           t_exit - t_seen);

    TW_CHECK_MSG(t_exit > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                 "citytwin did not end normally (status %d)", status);
    /* The app did reach the dead server, and the read was still hanging
     * when the local scene's stop was shown. */
    TW_CHECK(accepted >= 1);
    TW_CHECK_MSG(t_seen > 0, "the local scene's stop never showed");
    TW_CHECK_MSG(held_when_seen >= 1 && closed_early == 0,
                 "the hung read was over before the switch (%d held, %d ended by the client)",
                 held_when_seen, closed_early);
    /* Once the server lets go, the process ends promptly. */
    TW_CHECK_MSG(t_exit > 0 && t_seen > 0 && t_exit - t_seen < 30, "exit %.1f s after release",
                 t_exit - t_seen);

    json_object *r = tw_run_load_json(rep);
    TW_CHECK(r != NULL);
    json_object *tour = r ? json_object_object_get(r, "tour") : NULL;
    json_object *log = tour ? json_object_object_get(tour, "log") : NULL;
    TW_CHECK(log && json_object_array_length(log) == 2);
    if (log && json_object_array_length(log) == 2) {
        json_object *left = json_object_array_get_idx(log, 0);
        json_object *shown = json_object_array_get_idx(log, 1);
        TW_CHECK_STR(str(left, "kind"), "bookmark");
        TW_CHECK_STR(str(left, "status"), "shown");
        TW_CHECK_STR(str(shown, "kind"), "scene");
        TW_CHECK_STR(str(shown, "status"), "shown");
        TW_CHECK(strstr(str(shown, "name"), "local.json") != NULL);
        /* The hung stop is left after its flight and hold; the local stop
         * shows a fade out, a local load and a fade in later, far inside
         * the hung read's 60 s. */
        double gap = tw_run_num(shown, "t_s") - tw_run_num(left, "t_s");
        printf("  hung stop shown at %.1f s, local stop at %.1f s (%.1f s later; at most %.1f)\n",
               tw_run_num(left, "t_s"), tw_run_num(shown, "t_s"), gap,
               HOLD_S + FLIGHT_S + SWITCH_MAX_S);
        TW_CHECK_MSG(gap < HOLD_S + FLIGHT_S + SWITCH_MAX_S, "the switch took %.1f s", gap);
    }
    json_object *t = tw_run_layer(r, "terrain");
    TW_CHECK_STR(str(t, "status"), "ok");
    TW_CHECK(strstr(str(t, "source"), "seoul_dem.tif") != NULL);
    json_object_put(r);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    TW_RUN(test_switch_leaves_a_hung_scene);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
