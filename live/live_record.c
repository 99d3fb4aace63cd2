/* See live_record.h. */
#include "live_record.h"

#include "tw_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum { LIVE_REC_NONE, LIVE_REC_RECORD, LIVE_REC_REPLAY } live__rec_mode;

static struct {
    live__rec_mode mode;
    char dir[1024];
} live__rec;

struct live_rec {
    FILE *out; /* recording */
    live_rec_entry *e;
    int count, next;
    double offset, poll_s; /* replay: loops shift the times by offset */
};

tw_result live_fetch_record_to(const char *dir, char *err, size_t n)
{
    if (!dir || !dir[0] || strlen(dir) >= sizeof live__rec.dir - 32)
        return snprintf(err, n, "--record wants a folder"), TW_ERR_ARG;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return snprintf(err, n, "--record %s: cannot make the folder: %s", dir, strerror(errno)),
               TW_ERR_IO;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return snprintf(err, n, "--record %s: not a folder", dir), TW_ERR_IO;
    snprintf(live__rec.dir, sizeof live__rec.dir, "%s", dir);
    live__rec.mode = LIVE_REC_RECORD;
    return TW_OK;
}

tw_result live_fetch_replay_from(const char *dir, char *err, size_t n)
{
    struct stat st;
    if (!dir || !dir[0] || strlen(dir) >= sizeof live__rec.dir - 32 || stat(dir, &st) != 0 ||
        !S_ISDIR(st.st_mode))
        return snprintf(err, n, "--replay %s: not a folder", dir ? dir : ""), TW_ERR_IO;
    snprintf(live__rec.dir, sizeof live__rec.dir, "%s", dir);
    live__rec.mode = LIVE_REC_REPLAY;
    return TW_OK;
}

bool live_rec_replaying(void)
{
    return live__rec.mode == LIVE_REC_REPLAY;
}

static void live__rec_path(const char *label, live_format fmt, char *out, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    const char *parts[2] = {live_format_name(fmt), label ? label : ""};
    for (int k = 0; k < 2; k++) {
        for (const char *s = parts[k]; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    snprintf(out, n, "%s/%016" PRIx64 ".rec", live__rec.dir, h);
}

static void live__rec_free_entries(live_rec *r)
{
    for (int i = 0; i < r->count; i++) free(r->e[i].error), free(r->e[i].body);
    free(r->e);
    r->e = NULL, r->count = 0;
}

/* Reads a whole recording; false with the reason. */
static bool live__rec_load(live_rec *r, FILE *f, const char *path, char *err, size_t n)
{
    char line[4096];
    if (!fgets(line, sizeof line, f) || strcmp(line, "citytwin-recording 1\n") != 0)
        return snprintf(err, n, "%s is not a citytwin recording", path), false;
    int cap = 0;
    for (;;) {
        int c = fgetc(f);
        if (c == EOF) break;
        ungetc(c, f);
        if (!fgets(line, sizeof line, f)) break;
        if (line[0] != '@') continue; /* format / url lines */
        live_rec_entry e = {0};
        size_t el = 0;
        if (sscanf(line, "@ %lf %ld %lld %zu %zu", &e.t, &e.status, &e.results_count, &el,
                   &e.len) != 5 ||
            el > 4096 || e.len > ((size_t)256 << 20))
            return snprintf(err, n, "%s: bad entry %d", path, r->count + 1), false;
        e.error = malloc(el + 1), e.body = malloc(e.len + 1);
        if (!e.error || !e.body || fread(e.error, 1, el, f) != el ||
            fread(e.body, 1, e.len, f) != e.len || fgetc(f) != '\n') {
            free(e.error), free(e.body);
            return snprintf(err, n, "%s: entry %d is cut short", path, r->count + 1), false;
        }
        e.error[el] = e.body[e.len] = '\0';
        if (r->count == cap) {
            cap = cap ? cap * 2 : 64;
            live_rec_entry *m = realloc(r->e, (size_t)cap * sizeof *m);
            if (!m) {
                free(e.error), free(e.body);
                return snprintf(err, n, "%s: out of memory", path), false;
            }
            r->e = m;
        }
        r->e[r->count++] = e;
    }
    if (r->count == 0) return snprintf(err, n, "%s holds no responses", path), false;
    return true;
}

live_rec *live_rec_open(const char *label, live_format fmt, double poll_s, char *err, size_t n)
{
    err[0] = '\0';
    if (live__rec.mode == LIVE_REC_NONE) return NULL;
    char path[1200];
    live__rec_path(label, fmt, path, sizeof path);
    live_rec *r = calloc(1, sizeof *r);
    if (!r) return snprintf(err, n, "out of memory"), NULL;
    r->poll_s = poll_s;
    if (live__rec.mode == LIVE_REC_RECORD) {
        r->out = fopen(path, "wb");
        if (!r->out) {
            TW_WARN("live", "%s: cannot record to %s: %s", label, path, strerror(errno));
            free(r);
            return NULL;
        }
        fprintf(r->out, "citytwin-recording 1\nformat %s\nurl %s\n", live_format_name(fmt),
                label ? label : "");
        return r;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, n, "no recording of this feed in %s (%s)", live__rec.dir, path);
        free(r);
        return NULL;
    }
    bool ok = live__rec_load(r, f, path, err, n);
    fclose(f);
    if (!ok) {
        live__rec_free_entries(r);
        free(r);
        return NULL;
    }
    return r;
}

void live_rec_write(live_rec *r, double t, long status, long long results_count, const char *error,
                    const char *body, size_t len)
{
    if (!r || !r->out) return;
    size_t el = error ? strlen(error) : 0;
    fprintf(r->out, "@ %.3f %ld %lld %zu %zu\n", t, status, results_count, el, body ? len : 0);
    if (el) fwrite(error, 1, el, r->out);
    if (body && len) fwrite(body, 1, len, r->out);
    fputc('\n', r->out);
    fflush(r->out);
}

const live_rec_entry *live_rec_next(live_rec *r, double t)
{
    if (!r || !r->count) return NULL;
    if (r->next >= r->count) { /* played through: again, one poll later */
        r->offset += r->e[r->count - 1].t + r->poll_s;
        r->next = 0;
    }
    if (t < r->offset + r->e[r->next].t) return NULL;
    return &r->e[r->next++];
}

void live_rec_close(live_rec *r)
{
    if (!r) return;
    if (r->out) fclose(r->out);
    live__rec_free_entries(r);
    free(r);
}
