/* What every 3D pass needs to know about the camera. Positions are drawn
 * relative to the eye: each item's double-precision origin minus the eye
 * becomes a float offset, so city-scale coordinates never jitter. */
#ifndef RN_VIEW_H
#define RN_VIEW_H

typedef struct rn_view {
    double eye[3];            /* camera position, scene metres (z already exaggerated) */
    float view_proj[16];      /* projection * rotation-only view, column-major */
    int width, height;        /* framebuffer pixels */
    float sun[3];             /* unit vector towards the sun */
    float exaggeration;       /* vertical scale applied to terrain heights */
    float sky[3];             /* horizon colour, also the fog colour */
    float fog_start, fog_end; /* metres from the eye */
} rn_view;

#endif
