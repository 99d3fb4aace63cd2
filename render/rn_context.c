/* GLFW window or EGL surfaceless context, plus the scene framebuffers. */
#include "rn_context.h"

#include "tw_log.h"

#include <epoxy/egl.h>
#include <epoxy/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RN_EVENT_QUEUE 256

_Static_assert(RN_KEY_ESCAPE == GLFW_KEY_ESCAPE, "key codes follow GLFW");
_Static_assert(RN_KEY_F11 == GLFW_KEY_F11, "key codes follow GLFW");
_Static_assert(RN_KEY_HOME == GLFW_KEY_HOME, "key codes follow GLFW");
_Static_assert(RN_KEY_KP_ADD == GLFW_KEY_KP_ADD, "key codes follow GLFW");
_Static_assert(RN_MOD_CONTROL == GLFW_MOD_CONTROL, "modifier bits follow GLFW");

struct rn_context {
    bool headless;
    /* window */
    GLFWwindow *window;
    bool fullscreen;
    int windowed_pos[2], windowed_size[2];
    float ui_scale;
    /* headless */
    EGLDisplay egl_display;
    EGLContext egl_context;
    /* framebuffers: ms (drawn into) -> resolve (read and shown) */
    int width, height, samples;
    GLuint ms_fbo, ms_color, ms_depth;
    GLuint rs_fbo, rs_color, rs_depth;
    bool close_requested;
    bool capture_next;
    tw_image capture;
    rn_event events[RN_EVENT_QUEUE];
    int event_count;
    double cursor[2];
    char renderer[192];
};

static void rn__glfw_error(int code, const char *msg)
{
    tw_log(TW_LOG_ERROR, "glfw", "%s (GLFW error 0x%x)", msg, code);
}

static void rn__push(rn_context *ctx, rn_event ev)
{
    if (ctx->event_count < RN_EVENT_QUEUE) ctx->events[ctx->event_count++] = ev;
}

/* Window coordinates -> framebuffer pixels (they differ on HiDPI screens). */
static void rn__to_fb(rn_context *ctx, double *x, double *y)
{
    int ww, wh, fw, fh;
    glfwGetWindowSize(ctx->window, &ww, &wh);
    glfwGetFramebufferSize(ctx->window, &fw, &fh);
    if (ww > 0 && wh > 0) {
        *x *= (double)fw / ww;
        *y *= (double)fh / wh;
    }
}

static void rn__on_key(GLFWwindow *w, int key, int scancode, int action, int mods)
{
    rn_context *ctx = glfwGetWindowUserPointer(w);
    rn__push(ctx, (rn_event){.type = RN_EV_KEY,
                             .key = key,
                             .action = action,
                             .mods = mods,
                             .x = ctx->cursor[0],
                             .y = ctx->cursor[1]});
}

static void rn__on_button(GLFWwindow *w, int button, int action, int mods)
{
    rn_context *ctx = glfwGetWindowUserPointer(w);
    rn__push(ctx, (rn_event){.type = RN_EV_BUTTON,
                             .button = button,
                             .action = action,
                             .mods = mods,
                             .x = ctx->cursor[0],
                             .y = ctx->cursor[1]});
}

static void rn__on_move(GLFWwindow *w, double x, double y)
{
    rn_context *ctx = glfwGetWindowUserPointer(w);
    rn__to_fb(ctx, &x, &y);
    ctx->cursor[0] = x;
    ctx->cursor[1] = y;
    rn__push(ctx, (rn_event){.type = RN_EV_MOVE, .x = x, .y = y});
}

static void rn__on_scroll(GLFWwindow *w, double dx, double dy)
{
    rn_context *ctx = glfwGetWindowUserPointer(w);
    rn__push(
        ctx,
        (rn_event){
            .type = RN_EV_SCROLL, .dx = dx, .dy = dy, .x = ctx->cursor[0], .y = ctx->cursor[1]});
}

static void rn__on_resize(GLFWwindow *w, int width, int height)
{
    rn_context *ctx = glfwGetWindowUserPointer(w);
    rn__push(ctx, (rn_event){.type = RN_EV_RESIZE, .x = width, .y = height});
}

static void rn__on_scale(GLFWwindow *w, float sx, float sy)
{
    rn_context *ctx = glfwGetWindowUserPointer(w);
    ctx->ui_scale = sx > sy ? sx : sy;
}

static void rn__free_targets(rn_context *ctx)
{
    GLuint fbos[2] = {ctx->ms_fbo, ctx->rs_fbo};
    GLuint rbs[4] = {ctx->ms_color, ctx->ms_depth, ctx->rs_color, ctx->rs_depth};
    glDeleteFramebuffers(2, fbos);
    glDeleteRenderbuffers(4, rbs);
    ctx->ms_fbo = ctx->rs_fbo = 0;
    ctx->ms_color = ctx->ms_depth = ctx->rs_color = ctx->rs_depth = 0;
}

static GLuint rn__renderbuffer(GLenum format, int samples, int w, int h)
{
    GLuint rb;
    glGenRenderbuffers(1, &rb);
    glBindRenderbuffer(GL_RENDERBUFFER, rb);
    if (samples > 1)
        glRenderbufferStorageMultisample(GL_RENDERBUFFER, samples, format, w, h);
    else
        glRenderbufferStorage(GL_RENDERBUFFER, format, w, h);
    return rb;
}

static bool rn__make_targets(rn_context *ctx, int w, int h)
{
    rn__free_targets(ctx);
    ctx->width = w;
    ctx->height = h;
    if (ctx->samples > 1) {
        glGenFramebuffers(1, &ctx->ms_fbo);
        glBindFramebuffer(GL_FRAMEBUFFER, ctx->ms_fbo);
        ctx->ms_color = rn__renderbuffer(GL_RGBA8, ctx->samples, w, h);
        glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                                  ctx->ms_color);
        ctx->ms_depth = rn__renderbuffer(GL_DEPTH24_STENCIL8, ctx->samples, w, h);
        glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                                  ctx->ms_depth);
        if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) return false;
    }
    glGenFramebuffers(1, &ctx->rs_fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, ctx->rs_fbo);
    ctx->rs_color = rn__renderbuffer(GL_RGBA8, 0, w, h);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, ctx->rs_color);
    ctx->rs_depth = rn__renderbuffer(GL_DEPTH24_STENCIL8, 0, w, h);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                              ctx->rs_depth);
    return glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
}

static tw_result rn__create_headless(rn_context *ctx, char *err, size_t n)
{
    /* eglGetPlatformDisplay (EGL 1.5) aborts in libepoxy 1.5 on Mesa; the
     * EXT entry point with the surfaceless platform works without X. With
     * no EGL driver at all libepoxy aborts on that call too: asked first. */
    if (!epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_EXT_platform_base")) {
        snprintf(err, n, "no EGL driver with EGL_EXT_platform_base; is Mesa installed?");
        return TW_ERR_GL;
    }
    ctx->egl_display =
        eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
    EGLint major = 0, minor = 0;
    if (ctx->egl_display == EGL_NO_DISPLAY || !eglInitialize(ctx->egl_display, &major, &minor)) {
        snprintf(err, n, "no EGL surfaceless display (EGL error 0x%x); is Mesa installed?",
                 eglGetError());
        return TW_ERR_GL;
    }
    if (!eglBindAPI(EGL_OPENGL_API)) {
        snprintf(err, n, "EGL cannot bind desktop OpenGL");
        return TW_ERR_GL;
    }
    const EGLint attrs[] = {EGL_CONTEXT_MAJOR_VERSION,
                            3,
                            EGL_CONTEXT_MINOR_VERSION,
                            3,
                            EGL_CONTEXT_OPENGL_PROFILE_MASK,
                            EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                            EGL_NONE};
    ctx->egl_context = eglCreateContext(ctx->egl_display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attrs);
    if (ctx->egl_context == EGL_NO_CONTEXT ||
        !eglMakeCurrent(ctx->egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx->egl_context)) {
        snprintf(err, n, "cannot create an OpenGL 3.3 core context through EGL (0x%x)",
                 eglGetError());
        return TW_ERR_GL;
    }
    ctx->ui_scale = 1;
    return TW_OK;
}

static GLFWmonitor *rn__monitor(int index)
{
    int count = 0;
    GLFWmonitor **mons = glfwGetMonitors(&count);
    if (!mons || count == 0) return NULL;
    if (index < 0 || index >= count) {
        TW_WARN("window", "monitor %d does not exist (%d connected); using the primary", index,
                count);
        return glfwGetPrimaryMonitor();
    }
    return mons[index];
}

static tw_result rn__create_window(rn_context *ctx, const rn_context_desc *d, char *err, size_t n)
{
    glfwSetErrorCallback(rn__glfw_error);
    if (!glfwInit()) {
        snprintf(err, n, "cannot open a window: no display (set DISPLAY, or use --headless)");
        return TW_ERR_GL;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    glfwWindowHint(GLFW_SAMPLES, 0); /* multisampling happens in our own framebuffer */
    int w = d->width > 0 ? d->width : 1280, h = d->height > 0 ? d->height : 720;
    ctx->window = glfwCreateWindow(w, h, d->title ? d->title : "citytwin", NULL, NULL);
    if (!ctx->window) {
        snprintf(err, n, "cannot create an OpenGL 3.3 core window");
        glfwTerminate();
        return TW_ERR_GL;
    }
    glfwSetWindowUserPointer(ctx->window, ctx);
    glfwMakeContextCurrent(ctx->window);
    glfwSwapInterval(d->no_vsync ? 0 : 1);
    glfwSetKeyCallback(ctx->window, rn__on_key);
    glfwSetMouseButtonCallback(ctx->window, rn__on_button);
    glfwSetCursorPosCallback(ctx->window, rn__on_move);
    glfwSetScrollCallback(ctx->window, rn__on_scroll);
    glfwSetFramebufferSizeCallback(ctx->window, rn__on_resize);
    glfwSetWindowContentScaleCallback(ctx->window, rn__on_scale);
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(ctx->window, &sx, &sy);
    ctx->ui_scale = sx > sy ? sx : sy;
    if (d->fullscreen) rn_context_set_fullscreen(ctx, true, d->monitor);
    return TW_OK;
}

tw_result rn_context_create(const rn_context_desc *desc, rn_context **out, char *err, size_t n)
{
    *out = NULL;
    rn_context_desc d = desc ? *desc : (rn_context_desc){0};
    rn_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return TW_ERR_NOMEM;
    ctx->headless = d.headless;
    ctx->samples = d.samples == 0 ? 4 : d.samples < 0 ? 0 : d.samples;
    tw_result r =
        d.headless ? rn__create_headless(ctx, err, n) : rn__create_window(ctx, &d, err, n);
    if (r != TW_OK) {
        rn_context_destroy(ctx);
        return r;
    }
    if (epoxy_gl_version() < 33) {
        snprintf(err, n, "OpenGL 3.3 is needed; this driver offers %d.%d", epoxy_gl_version() / 10,
                 epoxy_gl_version() % 10);
        rn_context_destroy(ctx);
        return TW_ERR_GL;
    }
    GLint max_samples = 0;
    glGetIntegerv(GL_MAX_SAMPLES, &max_samples);
    if (ctx->samples > max_samples) ctx->samples = max_samples;
    snprintf(ctx->renderer, sizeof ctx->renderer, "%s | %s", (const char *)glGetString(GL_RENDERER),
             (const char *)glGetString(GL_VERSION));
    int fw = d.width > 0 ? d.width : 1280, fh = d.height > 0 ? d.height : 720;
    if (ctx->window) glfwGetFramebufferSize(ctx->window, &fw, &fh);
    if (!rn__make_targets(ctx, fw > 0 ? fw : 1, fh > 0 ? fh : 1)) {
        snprintf(err, n, "cannot create a %dx%d framebuffer", fw, fh);
        rn_context_destroy(ctx);
        return TW_ERR_GL;
    }
    *out = ctx;
    return TW_OK;
}

void rn_context_destroy(rn_context *ctx)
{
    if (!ctx) return;
    if (ctx->rs_fbo || ctx->ms_fbo) rn__free_targets(ctx);
    tw_image_free(&ctx->capture);
    if (ctx->window) {
        glfwDestroyWindow(ctx->window);
        glfwTerminate();
    }
    if (ctx->egl_display != EGL_NO_DISPLAY && ctx->egl_display) {
        eglMakeCurrent(ctx->egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        if (ctx->egl_context) eglDestroyContext(ctx->egl_display, ctx->egl_context);
        eglTerminate(ctx->egl_display);
    }
    free(ctx);
}

bool rn_context_headless(const rn_context *ctx)
{
    return ctx->headless;
}

void rn_context_size(const rn_context *ctx, int *width, int *height, float *ui_scale)
{
    if (width) *width = ctx->width;
    if (height) *height = ctx->height;
    if (ui_scale) *ui_scale = ctx->ui_scale > 0 ? ctx->ui_scale : 1;
}

bool rn_context_should_close(const rn_context *ctx)
{
    return ctx->close_requested || (ctx->window && glfwWindowShouldClose(ctx->window));
}

void rn_context_request_close(rn_context *ctx)
{
    ctx->close_requested = true;
}

int rn_context_poll(rn_context *ctx, rn_event *out, int max)
{
    if (ctx->window) glfwPollEvents();
    int k = ctx->event_count < max ? ctx->event_count : max;
    memcpy(out, ctx->events, (size_t)k * sizeof *out);
    ctx->event_count = 0;
    return k;
}

void rn_context_cursor(const rn_context *ctx, double *x, double *y)
{
    *x = ctx->cursor[0];
    *y = ctx->cursor[1];
}

void rn_context_begin_frame(rn_context *ctx)
{
    if (ctx->window) {
        int fw, fh;
        glfwGetFramebufferSize(ctx->window, &fw, &fh);
        /* A minimised window has a 0x0 framebuffer: keep the old targets. */
        if (fw > 0 && fh > 0 && (fw != ctx->width || fh != ctx->height))
            rn__make_targets(ctx, fw, fh);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, ctx->ms_fbo ? ctx->ms_fbo : ctx->rs_fbo);
    glViewport(0, 0, ctx->width, ctx->height);
}

/* Reads the bound read framebuffer into the capture image. */
static void rn__capture(rn_context *ctx)
{
    tw_image *out = &ctx->capture;
    tw_image_free(out);
    if (tw_image_alloc(out, ctx->width, ctx->height, 4) != TW_OK) return;
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, ctx->width, ctx->height, GL_RGBA, GL_UNSIGNED_BYTE, out->pixels);
    /* GL rows start at the bottom; images start at the top. */
    size_t row = (size_t)ctx->width * 4;
    unsigned char *tmp = malloc(row);
    if (tmp) {
        for (int y = 0; y < ctx->height / 2; y++) {
            unsigned char *a = out->pixels + (size_t)y * row;
            unsigned char *b = out->pixels + (size_t)(ctx->height - 1 - y) * row;
            memcpy(tmp, a, row);
            memcpy(a, b, row);
            memcpy(b, tmp, row);
        }
        free(tmp);
    }
    /* The picture is opaque, whatever alpha the passes left behind. */
    for (size_t i = 3; i < (size_t)ctx->width * ctx->height * 4; i += 4) out->pixels[i] = 255;
}

void rn_context_scissor(rn_context *ctx, int x, int y, int w, int h)
{
    if (w <= 0 || h <= 0) {
        glDisable(GL_SCISSOR_TEST);
        return;
    }
    glEnable(GL_SCISSOR_TEST);
    glScissor(x, ctx->height - y - h, w, h);
}

void rn_context_warm(rn_context *ctx)
{
    if (ctx->window || !ctx->ms_fbo) return;
    glBindFramebuffer(GL_READ_FRAMEBUFFER, ctx->ms_fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, ctx->rs_fbo);
    glBlitFramebuffer(0, 0, 1, 1, 0, 0, 1, 1, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, ctx->ms_fbo);
}

void rn_context_end_frame(rn_context *ctx)
{
    if (ctx->ms_fbo) {
        glBindFramebuffer(GL_READ_FRAMEBUFFER, ctx->ms_fbo);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, ctx->rs_fbo);
        glBlitFramebuffer(0, 0, ctx->width, ctx->height, 0, 0, ctx->width, ctx->height,
                          GL_COLOR_BUFFER_BIT, GL_NEAREST);
    }
    if (ctx->window) {
        glBindFramebuffer(GL_READ_FRAMEBUFFER, ctx->rs_fbo);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
        glBlitFramebuffer(0, 0, ctx->width, ctx->height, 0, 0, ctx->width, ctx->height,
                          GL_COLOR_BUFFER_BIT, GL_NEAREST);
        if (ctx->capture_next) {
            glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
            glReadBuffer(GL_BACK);
            rn__capture(ctx);
        }
        glfwSwapBuffers(ctx->window);
    } else {
        if (ctx->capture_next) {
            glBindFramebuffer(GL_READ_FRAMEBUFFER, ctx->rs_fbo);
            rn__capture(ctx);
        }
        glFlush();
    }
    ctx->capture_next = false;
}

void rn_context_capture_next(rn_context *ctx)
{
    ctx->capture_next = true;
}

tw_result rn_context_take_capture(rn_context *ctx, tw_image *out)
{
    if (!ctx->capture.pixels) return TW_ERR_ARG;
    *out = ctx->capture;
    ctx->capture = (tw_image){0};
    return TW_OK;
}

void rn_context_set_fullscreen(rn_context *ctx, bool on, int monitor)
{
    if (!ctx->window || on == ctx->fullscreen) return;
    if (on) {
        GLFWmonitor *mon = rn__monitor(monitor);
        if (!mon) return;
        const GLFWvidmode *mode = glfwGetVideoMode(mon);
        glfwGetWindowPos(ctx->window, &ctx->windowed_pos[0], &ctx->windowed_pos[1]);
        glfwGetWindowSize(ctx->window, &ctx->windowed_size[0], &ctx->windowed_size[1]);
        glfwSetWindowMonitor(ctx->window, mon, 0, 0, mode->width, mode->height, mode->refreshRate);
    } else {
        glfwSetWindowMonitor(ctx->window, NULL, ctx->windowed_pos[0], ctx->windowed_pos[1],
                             ctx->windowed_size[0], ctx->windowed_size[1], 0);
    }
    ctx->fullscreen = on;
}

bool rn_context_fullscreen(const rn_context *ctx)
{
    return ctx->fullscreen;
}

void rn_context_set_cursor_hidden(rn_context *ctx, bool hidden)
{
    if (ctx->window)
        glfwSetInputMode(ctx->window, GLFW_CURSOR,
                         hidden ? GLFW_CURSOR_HIDDEN : GLFW_CURSOR_NORMAL);
}

const char *rn_context_renderer(const rn_context *ctx)
{
    return ctx->renderer;
}
