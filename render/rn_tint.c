/* Draped tint pass. */
#include "rn_tint.h"

#include "rn_shader.h"
#include "tw_log.h"

#include <epoxy/gl.h>

static struct {
    GLuint program;
    bool failed;
    GLint u_view_proj, u_offset, u_to_hf, u_hf, u_heights, u_has_heights, u_exag, u_opacity;
    GLint u_mask, u_has_mask, u_to_mask;
} rn__tint;

static bool rn__tint_setup(void)
{
    if (rn__tint.program) return true;
    if (rn__tint.failed) return false;
    char err[512];
    if (rn_shader_load("tint", &rn__tint.program, err, sizeof err) != TW_OK) {
        TW_WARN("render", "tint: %s", err);
        rn__tint.failed = true;
        return false;
    }
    GLuint p = rn__tint.program;
    rn__tint.u_view_proj = glGetUniformLocation(p, "u_view_proj");
    rn__tint.u_offset = glGetUniformLocation(p, "u_offset");
    rn__tint.u_to_hf = glGetUniformLocation(p, "u_to_hf");
    rn__tint.u_hf = glGetUniformLocation(p, "u_hf");
    rn__tint.u_heights = glGetUniformLocation(p, "u_heights");
    rn__tint.u_has_heights = glGetUniformLocation(p, "u_has_heights");
    rn__tint.u_exag = glGetUniformLocation(p, "u_exag");
    rn__tint.u_opacity = glGetUniformLocation(p, "u_opacity");
    rn__tint.u_mask = glGetUniformLocation(p, "u_mask");
    rn__tint.u_has_mask = glGetUniformLocation(p, "u_has_mask");
    rn__tint.u_to_mask = glGetUniformLocation(p, "u_to_mask");
    return true;
}

void rn_tint_shutdown(void)
{
    if (rn__tint.program) glDeleteProgram(rn__tint.program);
    rn__tint.program = 0;
    rn__tint.failed = false;
}

void rn_tint_draw(const rn_view *view, const rn_drape *drape, const rn_tint_item *items, int count)
{
    if (count <= 0 || !rn__tint_setup()) return;
    glUseProgram(rn__tint.program);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LEQUAL);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    glDepthMask(GL_FALSE);
    glUniformMatrix4fv(rn__tint.u_view_proj, 1, GL_FALSE, view->view_proj);
    glUniform1f(rn__tint.u_exag, view->exaggeration);
    glUniform1i(rn__tint.u_mask, 1);
    const rn_drape_uniforms du = {rn__tint.u_heights, rn__tint.u_has_heights, rn__tint.u_hf,
                                  rn__tint.u_to_hf, rn__tint.u_offset};
    bool has = rn_drape_bind(drape, &du);
    for (int i = 0; i < count; i++) {
        const rn_tint_item *it = &items[i];
        if (!rn_mesh_valid(it->mesh)) continue;
        rn_drape_item(drape, has, view, it->origin, &du);
        glUniform1f(rn__tint.u_opacity, it->opacity > 0 ? it->opacity : 1.0f);
        bool mask = it->mask_size > 0 && rn_texture_bind(it->mask, 1);
        glUniform1i(rn__tint.u_has_mask, mask ? 1 : 0);
        if (mask)
            glUniform3f(rn__tint.u_to_mask, (float)(it->origin[0] - it->mask_x0),
                        (float)(it->origin[1] - it->mask_y0), (float)(1.0 / it->mask_size));
        rn_mesh_draw(it->mesh);
    }
    glBindVertexArray(0);
    glDepthMask(GL_TRUE);
    glDisable(GL_BLEND);
}
