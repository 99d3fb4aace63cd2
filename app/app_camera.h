/* The camera people know from Google Earth / Cesium: a target on the
 * ground, a distance, a heading and a tilt. Pan grabs the ground under the
 * cursor, orbit turns about the point under the cursor, zoom moves toward
 * the cursor, and the eye never goes under the terrain. Pure math (no GL),
 * so it is tested directly. Heights are in the drawn (exaggerated) space. */
#ifndef APP_CAMERA_H
#define APP_CAMERA_H

#include "tw_heightfield.h"

#include <stdbool.h>

typedef struct app_camera {
    double target[3];
    double distance; /* eye to target, metres */
    double heading;  /* degrees clockwise from north, the way the camera looks */
    double tilt;     /* degrees from looking straight down (0) towards the horizon */
    double fov_y;    /* vertical field of view, degrees */
} app_camera;

#define APP_CAMERA_MAX_TILT     85.0
#define APP_CAMERA_MIN_DISTANCE 5.0

void app_camera_default(app_camera *cam);
void app_camera_eye(const app_camera *cam, double eye[3]);
/* Unit vectors: forward (view direction), right, up. */
void app_camera_basis(const app_camera *cam, double f[3], double r[3], double u[3]);
/* Sets the camera to look from eye at target (tilt and distance clamped). */
void app_camera_look(app_camera *cam, const double eye[3], const double target[3]);
/* Projection * rotation-only view, for eye-relative drawing (column-major). */
void app_camera_view_proj(const app_camera *cam, int width, int height, double near_m, double far_m,
                          float out[16]);
/* World ray through pixel (px, py), from the top-left of a width x height view. */
void app_camera_ray(const app_camera *cam, int width, int height, double px, double py,
                    double origin[3], double dir[3]);
/* Pixel position of a world point; false when behind the eye. */
bool app_camera_project(const app_camera *cam, int width, int height, const double p[3], double *px,
                        double *py);
/* Looks at an extent (xmin ymin xmax ymax) so that all of it is in view. */
void app_camera_frame(app_camera *cam, const double ext[4], double z, int width, int height);
/* The same with a chosen tilt and margin (1: the extent just fits). */
void app_camera_frame_tilt(app_camera *cam, const double ext[4], double z, int width, int height,
                           double tilt, double margin);

/* Ground point under a pixel: the heightfield (scaled by exaggeration) when
 * the ray hits it, else the plane z = fallback_z. False if the ray points up. */
bool app_camera_pick(const app_camera *cam, int width, int height, double px, double py,
                     const tw_heightfield *hf, double exaggeration, double fallback_z,
                     double hit[3]);
/* Moves the camera so that ground point `grab` appears under pixel (px, py)
 * (the plane z = grab z stands in for the ground while dragging). */
void app_camera_drag_pan(app_camera *cam, int width, int height, const double grab[3], double px,
                         double py);
/* Turns about a pivot: heading and tilt changes in degrees. */
void app_camera_orbit(app_camera *cam, const double pivot[3], double d_heading, double d_tilt);
/* Scales the distance to a point by factor (< 1 moves closer). */
void app_camera_zoom_to(app_camera *cam, const double point[3], double factor);
/* Keeps the eye at least `clearance` metres above the ground. */
void app_camera_clamp(app_camera *cam, const tw_heightfield *hf, double exaggeration,
                      double clearance);

/* A smooth flight between two cameras: eases in and out and rises on the
 * way when the two are far apart. */
typedef struct app_flight {
    app_camera from, to;
    double start, duration;
    bool active;
} app_flight;

void app_flight_start(app_flight *f, const app_camera *from, const app_camera *to, double now);
/* Camera at time now; false (and the final camera) once the flight is over. */
bool app_flight_step(app_flight *f, double now, app_camera *out);

#endif
