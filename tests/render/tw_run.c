/* Test helpers for running citytwin and comparing pictures. */
#include "tw_run.h"

#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "tw_file.h"

#include <stb_image.h>
#include <stb_image_write.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tw__tmp[256];

const char *tw_run_tmpdir(void)
{
    if (!tw__tmp[0]) {
        snprintf(tw__tmp, sizeof tw__tmp, "/tmp/citytwin-test-XXXXXX");
        if (!mkdtemp(tw__tmp)) snprintf(tw__tmp, sizeof tw__tmp, "/tmp");
        /* nginx's workers run as another user and must read the files. */
        chmod(tw__tmp, 0755);
    }
    return tw__tmp;
}

void tw_run_finish(int failures)
{
    if (!tw__tmp[0] || strcmp(tw__tmp, "/tmp") == 0) return;
    if (failures || getenv("CITYTWIN_KEEP_TEST_FILES")) {
        fprintf(stderr, "test files kept in %s\n", tw__tmp);
        return;
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tw__tmp);
    if (tw_run_shell(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", tw__tmp);
}

const char *tw_run_bin(void)
{
    const char *b = getenv("CITYTWIN_BIN");
    return b && b[0] ? b : NULL;
}

int tw_run_shell(const char *cmd)
{
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

int tw_run_citytwin(const char *args, const char *err_path)
{
    const char *bin = tw_run_bin();
    if (!bin) return -1;
    size_t n = strlen(bin) + strlen(args) + (err_path ? strlen(err_path) : 0) + 64;
    char *cmd = malloc(n);
    snprintf(cmd, n, "'%s' %s </dev/null 2>'%s'", bin, args, err_path ? err_path : "/dev/null");
    int rc = tw_run_shell(cmd);
    free(cmd);
    return rc;
}

int tw_run_citytwin_start(const char *args, const char *err_path)
{
    const char *bin = tw_run_bin();
    if (!bin) return -1;
    size_t n = strlen(bin) + strlen(args) + (err_path ? strlen(err_path) : 0) + 64;
    char *cmd = malloc(n);
    if (!cmd) return -1;
    /* exec: the shell becomes citytwin, so the id is citytwin's. */
    snprintf(cmd, n, "exec '%s' %s </dev/null 2>'%s'", bin, args,
             err_path ? err_path : "/dev/null");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    free(cmd);
    return pid > 0 ? (int)pid : -1;
}

int tw_run_wait(int pid, double timeout_s)
{
    int status;
    for (double t = 0; t < timeout_s; t += 0.05) {
        pid_t r = waitpid((pid_t)pid, &status, WNOHANG);
        if (r == (pid_t)pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0) return -1;
        usleep(50000);
    }
    kill((pid_t)pid, SIGKILL);
    waitpid((pid_t)pid, &status, 0);
    return -2;
}

char *tw_run_read_text(const char *path)
{
    char *text = NULL;
    if (tw_file_read(path, 64u << 20, &text, NULL) != TW_OK) return NULL;
    return text;
}

int tw_run_count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; p && *p; p++) n += *p == '\n';
    return n;
}

json_object *tw_run_load_json(const char *path)
{
    return json_object_from_file(path);
}

json_object *tw_run_layer(json_object *report, const char *kind)
{
    json_object *layers;
    if (!json_object_object_get_ex(report, "layers", &layers)) return NULL;
    for (size_t i = 0; i < json_object_array_length(layers); i++) {
        json_object *l = json_object_array_get_idx(layers, i), *k;
        if (json_object_object_get_ex(l, "kind", &k) &&
            strcmp(json_object_get_string(k), kind) == 0)
            return l;
    }
    return NULL;
}

bool tw_run_have_gl(void)
{
    char err[512];
    snprintf(err, sizeof err, "%s/gl-probe.err", tw_run_tmpdir());
    /* --help needs no GL; a tiny empty scene does. */
    char scene[512];
    snprintf(scene, sizeof scene, "%s/empty.json", tw_run_tmpdir());
    FILE *f = fopen(scene, "w");
    if (!f) return false;
    fputs("{ \"name\": \"probe\" }\n", f);
    fclose(f);
    char args[1200], png[600];
    snprintf(png, sizeof png, "%s/probe.png", tw_run_tmpdir());
    snprintf(args, sizeof args, "--headless --size 64x64 --snapshot '%s' '%s'", png, scene);
    return tw_run_citytwin(args, err) == 0;
}

bool tw_img_load(const char *path, tw_image *out)
{
    int w, h, c;
    unsigned char *p = stbi_load(path, &w, &h, &c, 4);
    if (!p) return false;
    if (tw_image_alloc(out, w, h, 4) != TW_OK) {
        stbi_image_free(p);
        return false;
    }
    memcpy(out->pixels, p, (size_t)w * h * 4);
    stbi_image_free(p);
    return true;
}

tw_img_diff tw_img_compare(const tw_image *a, const tw_image *b, int threshold)
{
    tw_img_diff d = {0};
    if (a->width != b->width || a->height != b->height || a->channels != b->channels) {
        d.mad = 255;
        d.share_off = 1;
        return d;
    }
    d.same_size = true;
    size_t px = (size_t)a->width * a->height, off = 0;
    double sum = 0;
    for (size_t i = 0; i < px; i++) {
        int worst = 0;
        for (int c = 0; c < a->channels; c++) {
            int v = abs((int)a->pixels[i * a->channels + c] - (int)b->pixels[i * b->channels + c]);
            sum += v;
            if (v > worst) worst = v;
        }
        if (worst > threshold) off++;
    }
    d.mad = sum / (double)(px * a->channels);
    d.share_off = (double)off / (double)px;
    return d;
}

tw_img_diff tw_run_compare(const char *tag_a, const char *tag_b)
{
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/%s.png", tw_run_tmpdir(), tag_a);
    snprintf(b, sizeof b, "%s/%s.png", tw_run_tmpdir(), tag_b);
    tw_image x = {0}, y = {0};
    tw_img_diff d = {.mad = 255, .share_off = 1};
    if (tw_img_load(a, &x) && tw_img_load(b, &y)) d = tw_img_compare(&x, &y, TW_GOLDEN_THRESHOLD);
    tw_image_free(&x), tw_image_free(&y);
    return d;
}

bool tw_golden_check(const char *picture, const char *name)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    char golden[1024];
    snprintf(golden, sizeof golden, "%s/tests/render/golden/%s.png", src ? src : ".", name);
    const char *update = getenv("CITYTWIN_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        char cmd[2200];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", picture, golden);
        bool ok = tw_run_shell(cmd) == 0;
        fprintf(stderr, "golden %s %s\n", golden, ok ? "updated" : "NOT updated");
        return ok;
    }
    tw_image a = {0}, b = {0};
    if (!tw_img_load(picture, &a)) {
        fprintf(stderr, "cannot read %s\n", picture);
        return false;
    }
    if (!tw_img_load(golden, &b)) {
        fprintf(stderr, "cannot read golden %s (run with CITYTWIN_UPDATE_GOLDEN=1 to make it)\n",
                golden);
        tw_image_free(&a);
        return false;
    }
    tw_img_diff d = tw_img_compare(&a, &b, TW_GOLDEN_THRESHOLD);
    bool ok = d.same_size && d.mad <= TW_GOLDEN_MAX_MAD && d.share_off <= TW_GOLDEN_MAX_SHARE;
    fprintf(
        stderr,
        "golden %s: mean abs diff %.3f (max %.2f), pixels off by >%d: %.3f%% (max %.2f%%) -> %s\n",
        name, d.mad, TW_GOLDEN_MAX_MAD, TW_GOLDEN_THRESHOLD, d.share_off * 100,
        TW_GOLDEN_MAX_SHARE * 100, ok ? "match" : "DIFFERENT");
    if (!ok) {
        char keep[1200];
        snprintf(keep, sizeof keep, "%s/%s.actual.png", tw_run_tmpdir(), name);
        stbi_write_png(keep, a.width, a.height, 4, a.pixels, a.width * 4);
        fprintf(stderr, "the new picture is at %s\n", keep);
    }
    tw_image_free(&a);
    tw_image_free(&b);
    return ok;
}

bool tw_nginx_available(void)
{
    return tw_run_shell("command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx") == 0;
}

static int tw__free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = 0;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0) close(s);
    return port;
}

static bool tw__port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    if (s >= 0) close(s);
    return ok;
}

bool tw_nginx_start(tw_nginx *ng, const char *root)
{
    memset(ng, 0, sizeof *ng);
    snprintf(ng->dir, sizeof ng->dir, "%s/nginx", tw_run_tmpdir());
    snprintf(ng->log, sizeof ng->log, "%s/access.log", ng->dir);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/tmp'", ng->dir);
    if (tw_run_shell(cmd) != 0) return false;
    ng->port = tw__free_port();
    char conf[600];
    snprintf(conf, sizeof conf, "%s/nginx.conf", ng->dir);
    FILE *f = fopen(conf, "w");
    if (!f || !ng->port) {
        if (f) fclose(f);
        return false;
    }
    fprintf(f,
            "worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
            "events { worker_connections 64; }\n"
            "http {\n  log_format t '$status $bytes_sent \"$http_range\" $uri';\n"
            "  access_log %s t;\n  client_body_temp_path %s/tmp;\n  proxy_temp_path %s/tmp;\n"
            "  fastcgi_temp_path %s/tmp;\n  uwsgi_temp_path %s/tmp;\n  scgi_temp_path %s/tmp;\n"
            "  types { image/tiff tif; }\n"
            "  server { listen 127.0.0.1:%d; root %s; }\n}\n",
            ng->dir, ng->dir, ng->log, ng->dir, ng->dir, ng->dir, ng->dir, ng->dir, ng->port, root);
    fclose(f);
    snprintf(cmd, sizeof cmd, "nginx -p '%s' -c '%s' -e '%s/error.log' 2>'%s/start.err'", ng->dir,
             conf, ng->dir, ng->dir);
    if (tw_run_shell(cmd) != 0) {
        /* Debian puts nginx in /usr/sbin, which may not be on PATH. */
        snprintf(cmd, sizeof cmd,
                 "/usr/sbin/nginx -p '%s' -c '%s' -e '%s/error.log' 2>'%s/start.err'", ng->dir,
                 conf, ng->dir, ng->dir);
        if (tw_run_shell(cmd) != 0) return false;
    }
    for (int i = 0; i < 100 && !tw__port_open(ng->port); i++) {
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    ng->running = tw__port_open(ng->port);
    return ng->running;
}

void tw_nginx_stop(tw_nginx *ng)
{
    if (!ng->running) return;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "kill $(cat '%s/nginx.pid') 2>/dev/null", ng->dir);
    tw_run_shell(cmd);
    ng->running = false;
}

tw_nginx_totals tw_nginx_read_log(const tw_nginx *ng, const char *file)
{
    tw_nginx_totals t = {0};
    FILE *f = fopen(ng->log, "r");
    if (!f) return t;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        int status;
        long long bytes;
        if (sscanf(line, "%d %lld", &status, &bytes) != 2) continue;
        t.requests++;
        t.bytes += bytes;
        if (status == 206) t.partial++;
        if (status == 200 && bytes > 4096 && file && strstr(line, file)) t.full++;
    }
    fclose(f);
    return t;
}

void tw_nginx_reset_log(const tw_nginx *ng)
{
    FILE *f = fopen(ng->log, "w");
    if (f) fclose(f);
    char cmd[1400];
    /* nginx keeps writing to its open file descriptor: ask it to reopen. */
    snprintf(cmd, sizeof cmd, "kill -USR1 $(cat '%s/nginx.pid') 2>/dev/null", ng->dir);
    tw_run_shell(cmd);
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
}

void tw_run_georef(GDALDatasetH ds, const double gt[6], int epsg)
{
    if (gt) GDALSetGeoTransform(ds, (double *)gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, epsg);
    GDALSetSpatialRef(ds, srs);
    OSRDestroySpatialReference(srs);
}

json_object *tw_run_get(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

double tw_run_num(json_object *o, const char *key)
{
    json_object *v = tw_run_get(o, key);
    return v ? json_object_get_double(v) : NAN;
}

void tw_run_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

json_object *tw_run_scene(const char *scene_text, const char *tag, const char *extra, int *rc)
{
    char scene[512], png[512], rep[512], err[512], args[3000];
    snprintf(scene, sizeof scene, "%s/%s.json", tw_run_tmpdir(), tag);
    snprintf(png, sizeof png, "%s/%s.png", tw_run_tmpdir(), tag);
    snprintf(rep, sizeof rep, "%s/%s.report.json", tw_run_tmpdir(), tag);
    snprintf(err, sizeof err, "%s/%s.err", tw_run_tmpdir(), tag);
    FILE *f = fopen(scene, "w");
    if (!f) return NULL;
    fputs(scene_text, f);
    fclose(f);
    snprintf(args, sizeof args,
             "--headless --deterministic --size 640x360 --snapshot '%s' --report '%s' %s '%s'", png,
             rep, extra, scene);
    *rc = tw_run_citytwin(args, err);
    return tw_run_load_json(rep);
}

bool tw_run_find_feature(const char *path, const char *name, double xy[2], long *fid)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
    if (!ds) return false;
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL), tm = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs, 4326);
    OSRImportFromEPSG(tm, 5186);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(tm, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(wgs, tm);
    bool found = false;
    OGRFeatureH f;
    while (!found && (f = OGR_L_GetNextFeature(l)) != NULL) {
        int i = OGR_F_GetFieldIndex(f, "name");
        if (i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) &&
            strcmp(OGR_F_GetFieldAsString(f, i), name) == 0) {
            OGRGeometryH g = OGR_G_Clone(OGR_F_GetGeometryRef(f));
            OGR_G_Transform(g, ct);
            OGRGeometryH c = OGR_G_CreateGeometry(wkbPoint);
            OGR_G_Centroid(g, c);
            xy[0] = OGR_G_GetX(c, 0), xy[1] = OGR_G_GetY(c, 0);
            *fid = (long)OGR_F_GetFID(f);
            OGR_G_DestroyGeometry(c);
            OGR_G_DestroyGeometry(g);
            found = true;
        }
        OGR_F_Destroy(f);
    }
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(wgs);
    OSRDestroySpatialReference(tm);
    GDALClose(ds);
    return found;
}
