/* Camera math in double precision; cglm builds the float matrices that the
 * GPU gets, which are eye-relative and so need no doubles. */
#include "app_camera.h"

#include <cglm/cglm.h>
#include <math.h>
#include <string.h>

#define DEG (M_PI / 180.0)

void app_camera_default(app_camera *cam)
{
    memset(cam, 0, sizeof *cam);
    cam->distance = 10000;
    cam->tilt = 40;
    cam->fov_y = 45;
}

void app_camera_basis(const app_camera *cam, double f[3], double r[3], double u[3])
{
    double h = cam->heading * DEG, t = cam->tilt * DEG;
    f[0] = sin(h) * sin(t);
    f[1] = cos(h) * sin(t);
    f[2] = -cos(t);
    /* Right stays horizontal, defined by the heading even when looking down. */
    r[0] = cos(h);
    r[1] = -sin(h);
    r[2] = 0;
    u[0] = r[1] * f[2] - r[2] * f[1];
    u[1] = r[2] * f[0] - r[0] * f[2];
    u[2] = r[0] * f[1] - r[1] * f[0];
}

void app_camera_eye(const app_camera *cam, double eye[3])
{
    double f[3], r[3], u[3];
    app_camera_basis(cam, f, r, u);
    for (int i = 0; i < 3; i++) eye[i] = cam->target[i] - f[i] * cam->distance;
}

void app_camera_look(app_camera *cam, const double eye[3], const double target[3])
{
    double d[3] = {target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]};
    double len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    /* Non-finite or overflowing input leaves the camera as it was. */
    if (!(len >= 1e-6) || !isfinite(len) || !isfinite(target[0]) || !isfinite(target[1]) ||
        !isfinite(target[2]))
        return;
    double horiz = hypot(d[0], d[1]);
    double tilt = atan2(horiz, -d[2]) / DEG;
    if (horiz > 1e-9) cam->heading = atan2(d[0], d[1]) / DEG;
    if (tilt > APP_CAMERA_MAX_TILT) tilt = APP_CAMERA_MAX_TILT;
    cam->tilt = tilt;
    cam->distance = fmax(len, APP_CAMERA_MIN_DISTANCE);
    memcpy(cam->target, target, sizeof cam->target);
}

void app_camera_view_proj(const app_camera *cam, int width, int height, double near_m, double far_m,
                          float out[16])
{
    double f[3], r[3], u[3];
    app_camera_basis(cam, f, r, u);
    mat4 view, proj, vp;
    vec3 eye = {0, 0, 0}, dir = {(float)f[0], (float)f[1], (float)f[2]},
         up = {(float)u[0], (float)u[1], (float)u[2]};
    glm_look(eye, dir, up, view);
    glm_perspective((float)(cam->fov_y * DEG), (float)width / (float)(height > 0 ? height : 1),
                    (float)near_m, (float)far_m, proj);
    glm_mat4_mul(proj, view, vp);
    memcpy(out, vp, 16 * sizeof(float));
}

void app_camera_ray(const app_camera *cam, int width, int height, double px, double py,
                    double origin[3], double dir[3])
{
    double f[3], r[3], u[3];
    app_camera_basis(cam, f, r, u);
    double ty = tan(cam->fov_y * DEG * 0.5), tx = ty * width / (double)(height > 0 ? height : 1);
    double nx = (2.0 * px / width - 1.0) * tx, ny = (1.0 - 2.0 * py / height) * ty;
    app_camera_eye(cam, origin);
    double len = 0;
    for (int i = 0; i < 3; i++) {
        dir[i] = f[i] + r[i] * nx + u[i] * ny;
        len += dir[i] * dir[i];
    }
    len = sqrt(len);
    for (int i = 0; i < 3; i++) dir[i] /= len;
}

bool app_camera_project(const app_camera *cam, int width, int height, const double p[3], double *px,
                        double *py)
{
    double f[3], r[3], u[3], eye[3];
    app_camera_basis(cam, f, r, u);
    app_camera_eye(cam, eye);
    double d[3] = {p[0] - eye[0], p[1] - eye[1], p[2] - eye[2]};
    double zf = d[0] * f[0] + d[1] * f[1] + d[2] * f[2];
    if (zf <= 1e-6) return false;
    double xr = d[0] * r[0] + d[1] * r[1] + d[2] * r[2];
    double yu = d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
    double ty = tan(cam->fov_y * DEG * 0.5), tx = ty * width / (double)(height > 0 ? height : 1);
    *px = (xr / zf / tx + 1.0) * 0.5 * width;
    *py = (1.0 - yu / zf / ty) * 0.5 * height;
    return true;
}

void app_camera_frame(app_camera *cam, const double ext[4], double z, int width, int height)
{
    /* A tilted view foreshortens the far half; 1.25 leaves a margin. */
    app_camera_frame_tilt(cam, ext, z, width, height, 35, 1.25);
}

void app_camera_frame_tilt(app_camera *cam, const double ext[4], double z, int width, int height,
                           double tilt, double margin)
{
    double w = ext[2] - ext[0], h = ext[3] - ext[1];
    double aspect = width / (double)(height > 0 ? height : 1);
    cam->target[0] = 0.5 * (ext[0] + ext[2]);
    cam->target[1] = 0.5 * (ext[1] + ext[3]);
    cam->target[2] = z;
    cam->heading = 0;
    cam->tilt = fmin(fmax(tilt, 0), APP_CAMERA_MAX_TILT);
    double half = 0.5 * fmax(w / aspect, h);
    cam->distance = fmax(half / tan(cam->fov_y * DEG * 0.5) * margin, APP_CAMERA_MIN_DISTANCE);
}

bool app_camera_pick(const app_camera *cam, int width, int height, double px, double py,
                     const tw_heightfield *hf, double exaggeration, double fallback_z,
                     double hit[3])
{
    double o[3], d[3];
    app_camera_ray(cam, width, height, px, py, o, d);
    for (int i = 0; i < 3; i++)
        if (!isfinite(o[i]) || !isfinite(d[i])) return false;
    if (hf && hf->z && exaggeration > 0) {
        /* March in true heights: scale the ray's z instead of the field. */
        double os[3] = {o[0], o[1], o[2] / exaggeration};
        double ds[3] = {d[0], d[1], d[2] / exaggeration};
        double max_t = cam->distance * 20 + 1e5;
        if (tw_heightfield_raycast(hf, os, ds, max_t, hit)) {
            hit[2] *= exaggeration;
            return true;
        }
    }
    if (d[2] >= -1e-9) return false;
    double t = (fallback_z - o[2]) / d[2];
    if (!(t > 0) || !isfinite(t)) return false;
    for (int i = 0; i < 3; i++) hit[i] = o[i] + d[i] * t;
    return isfinite(hit[0]) && isfinite(hit[1]) && isfinite(hit[2]);
}

void app_camera_drag_pan(app_camera *cam, int width, int height, const double grab[3], double px,
                         double py)
{
    double o[3], d[3];
    app_camera_ray(cam, width, height, px, py, o, d);
    if (d[2] >= -1e-6) return; /* the cursor is above the horizon */
    double t = (grab[2] - o[2]) / d[2];
    if (t <= 0) return;
    double q[2] = {o[0] + d[0] * t, o[1] + d[1] * t};
    /* Limit one drag step so a cursor near the horizon cannot fling the view. */
    double dx = grab[0] - q[0], dy = grab[1] - q[1];
    double step = hypot(dx, dy), cap = cam->distance * 4;
    if (step > cap) {
        dx *= cap / step;
        dy *= cap / step;
    }
    cam->target[0] += dx;
    cam->target[1] += dy;
}

static void app__rotate_z(double p[3], const double c[3], double a)
{
    double x = p[0] - c[0], y = p[1] - c[1];
    p[0] = c[0] + x * cos(a) - y * sin(a);
    p[1] = c[1] + x * sin(a) + y * cos(a);
}

/* Rodrigues rotation of p about the axis k (unit) through c. */
static void app__rotate_axis(double p[3], const double c[3], const double k[3], double a)
{
    double v[3] = {p[0] - c[0], p[1] - c[1], p[2] - c[2]};
    double kv[3] = {k[1] * v[2] - k[2] * v[1], k[2] * v[0] - k[0] * v[2],
                    k[0] * v[1] - k[1] * v[0]};
    double kd = k[0] * v[0] + k[1] * v[1] + k[2] * v[2];
    for (int i = 0; i < 3; i++)
        p[i] = c[i] + v[i] * cos(a) + kv[i] * sin(a) + k[i] * kd * (1 - cos(a));
}

void app_camera_orbit(app_camera *cam, const double pivot[3], double d_heading, double d_tilt)
{
    double eye[3], tgt[3];
    app_camera_eye(cam, eye);
    memcpy(tgt, cam->target, sizeof tgt);
    /* Heading: turn eye and target about the vertical through the pivot
     * (clockwise seen from above for a positive heading change). */
    double a = -d_heading * DEG;
    app__rotate_z(eye, pivot, a);
    app__rotate_z(tgt, pivot, a);
    app_camera c2 = *cam;
    c2.heading = cam->heading + d_heading;
    memcpy(c2.target, tgt, sizeof tgt);
    double new_tilt = cam->tilt + d_tilt;
    if (new_tilt > APP_CAMERA_MAX_TILT) new_tilt = APP_CAMERA_MAX_TILT;
    if (new_tilt < 0) new_tilt = 0;
    double dt = (new_tilt - cam->tilt) * DEG;
    if (fabs(dt) > 0) {
        /* Tilt: turn about the horizontal axis (camera right) through the pivot. */
        double f[3], r[3], u[3];
        app_camera_basis(&c2, f, r, u);
        app__rotate_axis(eye, pivot, r, dt);
        app__rotate_axis(tgt, pivot, r, dt);
    }
    double heading = c2.heading;
    app_camera_look(cam, eye, tgt);
    if (fabs(cam->tilt) < 1e-6) cam->heading = heading; /* looking straight down keeps it */
    cam->heading = fmod(cam->heading + 360.0, 360.0);
}

void app_camera_zoom_to(app_camera *cam, const double point[3], double factor)
{
    double eye[3];
    app_camera_eye(cam, eye);
    if (cam->distance * factor < APP_CAMERA_MIN_DISTANCE)
        factor = APP_CAMERA_MIN_DISTANCE / cam->distance;
    double e2[3], t2[3];
    for (int i = 0; i < 3; i++) {
        e2[i] = point[i] + (eye[i] - point[i]) * factor;
        t2[i] = point[i] + (cam->target[i] - point[i]) * factor;
    }
    /* Scaling about the point keeps the view direction and the point under
     * the cursor; the target slides along towards the point. */
    double heading = cam->heading, tilt = cam->tilt;
    app_camera_look(cam, e2, t2);
    cam->heading = heading;
    cam->tilt = tilt;
}

void app_camera_clamp(app_camera *cam, const tw_heightfield *hf, double exaggeration,
                      double clearance)
{
    double eye[3], g;
    app_camera_eye(cam, eye);
    if (!hf || !tw_heightfield_sample(hf, eye[0], eye[1], &g)) return;
    g *= exaggeration;
    if (eye[2] >= g + clearance) return;
    eye[2] = g + clearance;
    double heading = cam->heading;
    app_camera_look(cam, eye, cam->target);
    cam->heading = heading;
}

static double app__ease(double s)
{
    return s * s * (3 - 2 * s);
}

void app_flight_start(app_flight *f, const app_camera *from, const app_camera *to, double now)
{
    f->from = *from;
    f->to = *to;
    f->start = now;
    double travel = hypot(to->target[0] - from->target[0], to->target[1] - from->target[1]);
    double scale = fmax(fmax(from->distance, to->distance), 1.0);
    /* Longer trips take longer, within 1.5 .. 4 seconds. */
    f->duration = fmin(4.0, 1.5 + log2(1.0 + travel / scale));
    f->active = true;
}

bool app_flight_step(app_flight *f, double now, app_camera *out)
{
    if (!f->active) return false;
    double s = (now - f->start) / f->duration;
    if (s >= 1) {
        *out = f->to;
        f->active = false;
        return false;
    }
    if (s < 0) s = 0;
    double e = app__ease(s);
    const app_camera *a = &f->from, *b = &f->to;
    for (int i = 0; i < 3; i++) out->target[i] = a->target[i] + (b->target[i] - a->target[i]) * e;
    double dh = fmod(b->heading - a->heading + 540.0, 360.0) - 180.0;
    out->heading = a->heading + dh * e;
    out->tilt = a->tilt + (b->tilt - a->tilt) * e;
    out->fov_y = a->fov_y + (b->fov_y - a->fov_y) * e;
    double la = log(a->distance), lb = log(b->distance);
    double travel = hypot(b->target[0] - a->target[0], b->target[1] - a->target[1]);
    double arc = travel / fmax(fmax(a->distance, b->distance), 1.0);
    /* Rise in the middle of a long flight, so the view passes over the land. */
    double lift = log(1.0 + 0.5 * fmin(arc, 8.0)) * sin(M_PI * s);
    out->distance = exp(la + (lb - la) * e + lift);
    return true;
}
