/* The command line (ARCHITECTURE.md: "Command line contract"). */
#ifndef APP_CLI_H
#define APP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The picture size without --size. */
#define APP_CLI_DEFAULT_W 1280
#define APP_CLI_DEFAULT_H 720

typedef struct app_options {
    const char *scene; /* NULL: the demo scene */
    bool headless;
    const char *snapshot; /* PNG path; also in window mode (then exits) */
    int width, height;    /* --size; 0: APP_CLI_DEFAULT_W x APP_CLI_DEFAULT_H */
    const char *bookmark;
    double wait_s;
    const char *report;
    bool map, tour;
    bool fullscreen;
    int monitor;
    const char *pick; /* "X,Y" */
    double pick_x, pick_y;
    const char *hover; /* "X,Y": the cursor there, its tooltip shown */
    double hover_x, hover_y;
    bool frame_clock; /* time advances by frames (--frame-clock, --deterministic) */
    const char *record_dir, *replay_dir;
    bool deterministic;
    bool verbose;
    bool help, version;
    double load_cap_s;  /* headless: give up waiting for layers after this */
    int samples;        /* MSAA; 0 default */
    const char *time;   /* --time: the scene's analysis time (sun), ISO 8601 */
    bool time_slider;   /* --time-slider: the slider in headless pictures too */
    const char *script; /* --script FILE: input events played once loaded */
    bool split;         /* --split: the scenario before | after side by side */
} app_options;

/* Parses argv. On error returns false with a one-line message in err. */
bool app_cli_parse(int argc, char **argv, app_options *out, char *err, size_t n);
void app_cli_usage(FILE *f);

#endif
