/* Shader loading and compile/link error reporting. */
#include "rn_shader.h"

#include "tw_file.h"
#include "tw_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RN_SHADER_MAX_BYTES (256 * 1024)

static struct {
    char dir[1024];
} rn__shader = {"shaders"};

void rn_shader_set_dir(const char *dir)
{
    snprintf(rn__shader.dir, sizeof rn__shader.dir, "%s", dir);
}

const char *rn_shader_dir(void)
{
    return rn__shader.dir;
}

static tw_result rn__compile(const char *name, const char *ext, GLenum type, const char *defs,
                             GLuint *out, bool optional, char *err, size_t n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.%s", rn__shader.dir, name, ext);
    *out = 0;
    if (optional && !tw_file_exists(path)) return TW_OK;
    char *src = NULL;
    tw_result r = tw_file_read(path, RN_SHADER_MAX_BYTES, &src, NULL);
    if (r != TW_OK) {
        snprintf(err, n, "%s: %s", path, tw_result_str(r));
        return r;
    }
    /* #line 1 keeps the driver's line numbers equal to the file's. */
    const char *parts[4] = {"#version 330 core\n", defs ? defs : "", "\n#line 1\n", src};
    GLuint sh = glCreateShader(type);
    glShaderSource(sh, 4, parts, NULL);
    glCompileShader(sh);
    free(src);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetShaderInfoLog(sh, sizeof log, NULL, log);
        for (char *p = log; *p; p++)
            if (*p == '\n') *p = ' ';
        /* Mesa writes "0:LINE(COL): error: ...": name the file in front. */
        snprintf(err, n, "%s: %s", path, log);
        glDeleteShader(sh);
        return TW_ERR_GL;
    }
    *out = sh;
    return TW_OK;
}

tw_result rn_shader_load(const char *name, GLuint *program, char *err, size_t n)
{
    return rn_shader_load_defs(name, NULL, program, err, n);
}

tw_result rn_shader_load_defs(const char *name, const char *defs, GLuint *program, char *err,
                              size_t n)
{
    GLuint vs = 0, fs = 0, gs = 0;
    *program = 0;
    tw_result r = rn__compile(name, "vert", GL_VERTEX_SHADER, defs, &vs, false, err, n);
    if (r == TW_OK) r = rn__compile(name, "geom", GL_GEOMETRY_SHADER, defs, &gs, true, err, n);
    if (r == TW_OK) r = rn__compile(name, "frag", GL_FRAGMENT_SHADER, defs, &fs, false, err, n);
    if (r != TW_OK) {
        if (vs) glDeleteShader(vs);
        if (gs) glDeleteShader(gs);
        if (fs) glDeleteShader(fs);
        return r;
    }
    GLuint p = glCreateProgram();
    glAttachShader(p, vs);
    if (gs) glAttachShader(p, gs);
    glAttachShader(p, fs);
    glBindAttribLocation(p, 0, "a_position");
    glBindAttribLocation(p, 1, "a_normal");
    glBindAttribLocation(p, 2, "a_uv");
    glBindAttribLocation(p, 3, "a_color");
    glLinkProgram(p);
    glDeleteShader(vs);
    glDeleteShader(fs);
    if (gs) glDeleteShader(gs);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetProgramInfoLog(p, sizeof log, NULL, log);
        for (char *q = log; *q; q++)
            if (*q == '\n') *q = ' ';
        snprintf(err, n, "%s/%s: link failed: %s", rn__shader.dir, name, log);
        glDeleteProgram(p);
        return TW_ERR_GL;
    }
    *program = p;
    return TW_OK;
}
