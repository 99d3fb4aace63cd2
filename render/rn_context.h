/* The GL context: a GLFW window (OpenGL 3.3 core) or an EGL surfaceless
 * context for headless runs. Either way the scene is drawn into the same
 * off-screen framebuffer (multisampled, then resolved), so a headless
 * snapshot shows exactly what the window shows; the window then blits it.
 * Main thread only. */
#ifndef RN_CONTEXT_H
#define RN_CONTEXT_H

#include "tw_image.h"
#include "tw_result.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rn_context rn_context;

typedef struct rn_context_desc {
    int width, height; /* window size in screen units, or headless pixels; 0: 1280x720 */
    bool headless;
    bool fullscreen;
    int monitor; /* 0-based monitor index for fullscreen */
    bool no_vsync;
    int samples; /* MSAA samples; 0: 4, -1: none */
    const char *title;
} rn_context_desc;

typedef enum rn_event_type {
    RN_EV_KEY,
    RN_EV_BUTTON,
    RN_EV_MOVE,
    RN_EV_SCROLL,
    RN_EV_RESIZE,
} rn_event_type;

/* Key and button numbers are GLFW's (printable keys are their ASCII code). */
enum {
    RN_KEY_SPACE = 32,
    RN_KEY_0 = 48,
    RN_KEY_9 = 57,
    RN_KEY_A = 65,
    RN_KEY_Z = 90,
    RN_KEY_MINUS = 45,
    RN_KEY_EQUAL = 61,
    RN_KEY_ESCAPE = 256,
    RN_KEY_ENTER = 257,
    RN_KEY_BACKSPACE = 259,
    RN_KEY_KP_ENTER = 335,
    RN_KEY_RIGHT = 262,
    RN_KEY_LEFT = 263,
    RN_KEY_DOWN = 264,
    RN_KEY_UP = 265,
    RN_KEY_PAGE_UP = 266,
    RN_KEY_PAGE_DOWN = 267,
    RN_KEY_HOME = 268,
    RN_KEY_F1 = 290,
    RN_KEY_F11 = 300,
    RN_KEY_KP_ADD = 334,
    RN_KEY_KP_SUBTRACT = 333,
    RN_BUTTON_LEFT = 0,
    RN_BUTTON_RIGHT = 1,
    RN_BUTTON_MIDDLE = 2,
    RN_MOD_SHIFT = 1,
    RN_MOD_CONTROL = 2,
    RN_MOD_ALT = 4,
    RN_PRESS = 1,
    RN_RELEASE = 0,
    RN_REPEAT = 2,
};

typedef struct rn_event {
    rn_event_type type;
    int key, button, action, mods;
    double x, y;   /* cursor, framebuffer pixels from the top-left */
    double dx, dy; /* scroll offsets */
} rn_event;

tw_result rn_context_create(const rn_context_desc *desc, rn_context **out, char *err, size_t n);
void rn_context_destroy(rn_context *ctx);
bool rn_context_headless(const rn_context *ctx);
/* Framebuffer size in pixels and the UI scale (HiDPI content scale). */
void rn_context_size(const rn_context *ctx, int *width, int *height, float *ui_scale);
bool rn_context_should_close(const rn_context *ctx);
void rn_context_request_close(rn_context *ctx);
/* Polls window events; returns how many input events were copied to out. */
int rn_context_poll(rn_context *ctx, rn_event *out, int max);
void rn_context_cursor(const rn_context *ctx, double *x, double *y);
/* Binds the scene framebuffer, sized to the window. */
void rn_context_begin_frame(rn_context *ctx);
/* Limits drawing to a rectangle of the frame (pixels from the top left),
 * for views side by side; w or h <= 0 lifts the limit. */
void rn_context_scissor(rn_context *ctx, int x, int y, int w, int h);
/* Resolves the frame; in a window, shows it (blit + swap). */
void rn_context_end_frame(rn_context *ctx);
/* Headless: rn_context_end_frame's copy out of the multisampled picture,
 * one pixel of it, so that the GL's first-draw work for it is done ahead
 * of the first frame (rn_fill_warm); the frame's own copy overwrites it. */
void rn_context_warm(rn_context *ctx);
/* Asks the next rn_context_end_frame to keep a copy of the picture: in a
 * window, what was put on the window (its back buffer, just before the
 * swap); headless, the resolved framebuffer. */
void rn_context_capture_next(rn_context *ctx);
/* Takes the captured picture (RGBA, top row first); the caller frees it.
 * TW_ERR_ARG when no frame was captured. */
tw_result rn_context_take_capture(rn_context *ctx, tw_image *out);
void rn_context_set_fullscreen(rn_context *ctx, bool on, int monitor);
bool rn_context_fullscreen(const rn_context *ctx);
void rn_context_set_cursor_hidden(rn_context *ctx, bool hidden);
/* "llvmpipe (LLVM 15...) | 4.5 (Core Profile) Mesa ..." */
const char *rn_context_renderer(const rn_context *ctx);

#endif
