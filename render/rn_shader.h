/* GLSL programs from files: shaders/NAME.vert + NAME.frag (+ NAME.geom when
 * present). One place adds the #version line; a broken shader is reported
 * with its file and GLSL line. Internal to render/. */
#ifndef RN_SHADER_H
#define RN_SHADER_H

#include "tw_result.h"

#include <epoxy/gl.h>
#include <stddef.h>

/* Directory holding the .vert/.frag files; set once before loading. */
void rn_shader_set_dir(const char *dir);
const char *rn_shader_dir(void);
tw_result rn_shader_load(const char *name, GLuint *program, char *err, size_t n);
/* The same with lines (defs, e.g. "#define RN_SHADOWS 0") before each
 * file's first line: variants of one source. */
tw_result rn_shader_load_defs(const char *name, const char *defs, GLuint *program, char *err,
                              size_t n);

#endif
