/* Helpers for tests that run the citytwin binary: run a command line with
 * its stderr captured, read the --report JSON, compare pictures. */
#ifndef TW_RUN_H
#define TW_RUN_H

#include "tw_image.h"

#include <gdal.h>
#include <json.h>
#include <stdbool.h>
#include <stddef.h>

/* Folder for this test's files (made once, under /tmp). */
const char *tw_run_tmpdir(void);
/* Removes the folder when the test passed; keeps it for a look otherwise. */
void tw_run_finish(int failures);
/* Path of the citytwin binary ($CITYTWIN_BIN) or NULL. */
const char *tw_run_bin(void);
/* Runs `citytwin ARGS` with stderr into err_path (may be NULL); returns the
 * exit status, or -1 when it did not exit normally (a crash). */
int tw_run_citytwin(const char *args, const char *err_path);
/* Starts `citytwin ARGS` in the background (stderr into err_path); its
 * process id, or -1. */
int tw_run_citytwin_start(const char *args, const char *err_path);
/* Waits up to timeout_s for a process from tw_run_citytwin_start: its exit
 * status, -1 when a signal ended it, -2 when it was still running (it is
 * then killed). */
int tw_run_wait(int pid, double timeout_s);
/* Runs any shell command; same return convention. */
int tw_run_shell(const char *cmd);
/* Whole text file, NUL-terminated (caller frees), or NULL. */
char *tw_run_read_text(const char *path);
/* Lines in a text file. */
int tw_run_count_lines(const char *text);
json_object *tw_run_load_json(const char *path);
/* The report's layer of a kind (first match), or NULL. */
json_object *tw_run_layer(json_object *report, const char *kind);
/* Member key of o; NULL when o is NULL or has none. */
json_object *tw_run_get(json_object *o, const char *key);
/* Member key of o as a number; NaN when o is NULL or the member is
 * missing or null. */
double tw_run_num(json_object *o, const char *key);
/* Writes text to path (nothing on error: the test's next step fails). */
void tw_run_write_text(const char *path, const char *text);
/* Writes scene_text as TAG.json in the temporary folder and runs the app on
 * it headless, deterministic, 640x360, with extra arguments, a snapshot
 * TAG.png and a report; returns the report (NULL: none), *rc the status. */
json_object *tw_run_scene(const char *scene_text, const char *tag, const char *extra, int *rc);
/* True when a headless EGL context can be made here (else tests skip). */
bool tw_run_have_gl(void);

/* A real HTTP server for remote sources: Debian's nginx serving `root` on
 * 127.0.0.1, with Range requests, logging "status bytes range uri" lines. */
typedef struct tw_nginx {
    int port;
    char dir[512]; /* config, logs, pid */
    char log[600];
    bool running;
} tw_nginx;

bool tw_nginx_available(void);
bool tw_nginx_start(tw_nginx *ng, const char *root);
void tw_nginx_stop(tw_nginx *ng);
/* Totals over the access log since start (or since the last reset). */
typedef struct tw_nginx_totals {
    int requests, partial; /* partial: 206 answers */
    int full;              /* 200 answers with the body of the given file */
    long long bytes;
} tw_nginx_totals;
tw_nginx_totals tw_nginx_read_log(const tw_nginx *ng, const char *file);
void tw_nginx_reset_log(const tw_nginx *ng);

/* Gives a raster the geotransform gt and the CRS EPSG:epsg (test DEMs). */
void tw_run_georef(GDALDatasetH ds, const double gt[6], int epsg);
/* The EPSG:5186 centroid (of a WGS84 source's feature) and FID of the
 * first feature of path's first layer whose "name" is name, read with OGR
 * here, independently of the app. */
bool tw_run_find_feature(const char *path, const char *name, double xy[2], long *fid);

/* Picture comparison: mean absolute difference over all channels (0-255)
 * and the share of pixels with some channel off by more than threshold. */
typedef struct tw_img_diff {
    double mad;
    double share_off;
    bool same_size;
} tw_img_diff;

bool tw_img_load(const char *path, tw_image *out);
tw_img_diff tw_img_compare(const tw_image *a, const tw_image *b, int threshold);
/* tw_img_compare of the pictures TAG_A.png and TAG_B.png in tw_run_tmpdir()
 * (as tw_run_scene writes them) at TW_GOLDEN_THRESHOLD; a picture that
 * cannot be read differs wholly (mad 255, share 1, not the same size). */
tw_img_diff tw_run_compare(const char *tag_a, const char *tag_b);
/* The tolerance every golden test uses; stated once, here. */
#define TW_GOLDEN_MAX_MAD   0.6
#define TW_GOLDEN_MAX_SHARE 0.001
#define TW_GOLDEN_THRESHOLD 32
/* Compares a fresh picture with tests/render/golden/NAME.png; with
 * CITYTWIN_UPDATE_GOLDEN=1 it writes the golden instead. Prints numbers. */
bool tw_golden_check(const char *picture, const char *name);

#endif
