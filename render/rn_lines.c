/* Draped line pass. */
#include "rn_lines.h"

#include "rn_shader.h"

#include <epoxy/gl.h>

static struct {
    GLuint program;
    GLint u_view_proj, u_offset, u_to_hf, u_hf, u_heights, u_has_heights, u_exag, u_viewport,
        u_width, u_color;
} rn__lines;

tw_result rn_lines_setup(char *err, size_t n)
{
    tw_result r = rn_shader_load("lines", &rn__lines.program, err, n);
    if (r != TW_OK) return r;
    GLuint p = rn__lines.program;
    rn__lines.u_view_proj = glGetUniformLocation(p, "u_view_proj");
    rn__lines.u_offset = glGetUniformLocation(p, "u_offset");
    rn__lines.u_to_hf = glGetUniformLocation(p, "u_to_hf");
    rn__lines.u_hf = glGetUniformLocation(p, "u_hf");
    rn__lines.u_heights = glGetUniformLocation(p, "u_heights");
    rn__lines.u_has_heights = glGetUniformLocation(p, "u_has_heights");
    rn__lines.u_exag = glGetUniformLocation(p, "u_exag");
    rn__lines.u_viewport = glGetUniformLocation(p, "u_viewport");
    rn__lines.u_width = glGetUniformLocation(p, "u_width");
    rn__lines.u_color = glGetUniformLocation(p, "u_color");
    return TW_OK;
}

void rn_lines_shutdown(void)
{
    if (rn__lines.program) glDeleteProgram(rn__lines.program);
    rn__lines.program = 0;
}

void rn_lines_draw(const rn_view *view, const rn_drape *drape, const rn_lines_item *items,
                   int count)
{
    if (!rn__lines.program || count <= 0) return;
    glUseProgram(rn__lines.program);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LEQUAL);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    glDepthMask(GL_FALSE);
    glUniformMatrix4fv(rn__lines.u_view_proj, 1, GL_FALSE, view->view_proj);
    glUniform1f(rn__lines.u_exag, view->exaggeration);
    glUniform2f(rn__lines.u_viewport, (float)view->width, (float)view->height);
    const rn_drape_uniforms du = {rn__lines.u_heights, rn__lines.u_has_heights, rn__lines.u_hf,
                                  rn__lines.u_to_hf, rn__lines.u_offset};
    bool has = rn_drape_bind(drape, &du);
    for (int i = 0; i < count; i++) {
        const rn_lines_item *it = &items[i];
        if (!rn_mesh_valid(it->mesh)) continue;
        rn_drape_item(drape, has, view, it->origin, &du);
        glUniform4fv(rn__lines.u_color, 1, it->color);
        glUniform1f(rn__lines.u_width, it->width_px > 0 ? it->width_px : 1.5f);
        rn_mesh_draw(it->mesh);
    }
    glBindVertexArray(0);
    glDepthMask(GL_TRUE);
    glDisable(GL_BLEND);
}

bool rn_drape_bind(const rn_drape *d, const rn_drape_uniforms *u)
{
    glUniform1i(u->heights, 0);
    bool has = d && rn_texture_bind(d->heights, 0);
    glUniform1i(u->has_heights, has ? 1 : 0);
    if (has)
        glUniform4f(u->hf, (float)(1.0 / d->dx), (float)(1.0 / d->dy), (float)d->nx, (float)d->ny);
    return has;
}

void rn_drape_item(const rn_drape *d, bool has, const rn_view *view, const double origin[2],
                   const rn_drape_uniforms *u)
{
    float off[3] = {(float)(origin[0] - view->eye[0]), (float)(origin[1] - view->eye[1]),
                    (float)(-view->eye[2])};
    glUniform3fv(u->offset, 1, off);
    if (has) glUniform2f(u->to_hf, (float)(origin[0] - d->x0), (float)(origin[1] - d->y0));
}
