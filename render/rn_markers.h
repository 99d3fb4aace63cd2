/* Screen-space markers: a disc with a rim at a head position and a stem
 * down to the ground point below it. Two ways to draw them, both uploaded
 * only when they change: a picture of many markers (made on the CPU, on a
 * worker, and drawn as one full-screen quad) and a short list of point
 * sprites drawn over it each frame (the pulsing and the selected ones).
 * llvmpipe spends some 10 µs a primitive, so 100,000 markers drawn as
 * primitives every frame held each frame for seconds. Main thread only,
 * except rn_markers_paint (any thread, no GL). */
#ifndef RN_MARKERS_H
#define RN_MARKERS_H

#include "rn_ui.h"

#include <stdbool.h>
#include <stdint.h>

/* One marker (32 bytes), framebuffer pixels with the origin top-left. */
typedef struct rn_marker {
    float x, y;     /* the disc's centre */
    float ground_y; /* the stem's foot (x, ground_y); <= y: no stem */
    float radius;   /* of the fill */
    float rim;      /* width of the rim around it */
    float pulse;    /* 1: scaled by the draw's pulse factor (alerts), 0: not */
    rn_rgba fill, rim_color;
} rn_marker;

typedef struct rn_markers rn_markers;

rn_markers *rn_markers_create(void);
void rn_markers_destroy(rn_markers *m);
/* Replaces the list (one buffer upload). False when GL memory runs out. */
bool rn_markers_set(rn_markers *m, const rn_marker *items, int count);
/* Paints markers (pulse ignored, in order: later over earlier) into a w x h
 * premultiplied RGBA8 picture of the framebuffer's pixels from (x0, y0),
 * rows from the top, cleared first. No GL. */
void rn_markers_paint(const rn_marker *items, int count, float stem_px, rn_rgba stem, uint8_t *rgba,
                      int x0, int y0, int w, int h);
/* The pixels markers cover (x0 y0 x1 y1, x1 y1 exclusive) within a
 * framebuffer of w x h; false when none. */
bool rn_markers_bounds(const rn_marker *items, int count, float stem_px, int w, int h, int out[4]);
/* Replaces the picture (NULL: none): w x h framebuffer pixels from (x0, y0)
 * (top-left). False when GL memory runs out. The texture (one of two,
 * taken in turn) keeps each pixel at its framebuffer place and only grows,
 * so a new picture is one sub-image upload. */
bool rn_markers_set_image(rn_markers *m, const uint8_t *rgba, int x0, int y0, int w, int h);
/* Makes the picture's texture hold a w x h framebuffer now (before data
 * comes), so that the first picture is a sub-image upload too. */
bool rn_markers_reserve(rn_markers *m, int w, int h);
int rn_markers_count(const rn_markers *m);

typedef struct rn_markers_draw_desc {
    int width, height; /* the framebuffer */
    float opacity;     /* multiplies every alpha; 0 is taken as 1 */
    float grey;        /* 0..1: how far the picture's colours go to grey (stale) */
    float pulse;       /* size factor of pulsing markers; 0 is taken as 1 */
    float stem_px;     /* stem width; 0: 1.5 */
    rn_rgba stem;      /* stem colour */
} rn_markers_draw_desc;

void rn_markers_draw(const rn_markers *m, const rn_markers_draw_desc *d);
/* Frees the shared program (context shutdown). */
void rn_markers_shutdown(void);

#endif
