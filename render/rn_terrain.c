/* Terrain pass. */
#include "rn_terrain.h"

#include "rn_shader.h"
#include "rn_shadow.h"

#include <epoxy/gl.h>

static struct {
    GLuint program;
    GLint u_view_proj, u_offset, u_exag, u_zrange, u_sun, u_hillshade, u_imagery, u_has_imagery,
        u_sky, u_fog;
} rn__terrain;

tw_result rn_terrain_setup(char *err, size_t n)
{
    tw_result r = rn_shader_load("terrain", &rn__terrain.program, err, n);
    if (r != TW_OK) return r;
    GLuint p = rn__terrain.program;
    rn__terrain.u_view_proj = glGetUniformLocation(p, "u_view_proj");
    rn__terrain.u_offset = glGetUniformLocation(p, "u_offset");
    rn__terrain.u_exag = glGetUniformLocation(p, "u_exag");
    rn__terrain.u_zrange = glGetUniformLocation(p, "u_zrange");
    rn__terrain.u_sun = glGetUniformLocation(p, "u_sun");
    rn__terrain.u_hillshade = glGetUniformLocation(p, "u_hillshade");
    rn__terrain.u_imagery = glGetUniformLocation(p, "u_imagery");
    rn__terrain.u_has_imagery = glGetUniformLocation(p, "u_has_imagery");
    rn__terrain.u_sky = glGetUniformLocation(p, "u_sky");
    rn__terrain.u_fog = glGetUniformLocation(p, "u_fog");
    return TW_OK;
}

void rn_terrain_shutdown(void)
{
    if (rn__terrain.program) glDeleteProgram(rn__terrain.program);
    rn__terrain.program = 0;
}

long rn_terrain_draw(const rn_view *view, const rn_terrain_style *style,
                     const rn_terrain_item *items, int count)
{
    if (!rn__terrain.program || count <= 0) return 0;
    glUseProgram(rn__terrain.program);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LESS);
    glDisable(GL_CULL_FACE); /* skirts face both ways */
    glDisable(GL_BLEND);
    if (style->wireframe) glPolygonMode(GL_FRONT_AND_BACK, GL_LINE);
    glUniformMatrix4fv(rn__terrain.u_view_proj, 1, GL_FALSE, view->view_proj);
    glUniform1f(rn__terrain.u_exag, view->exaggeration);
    float span = style->zmax - style->zmin;
    glUniform2f(rn__terrain.u_zrange, style->zmin, span > 1 ? span : 1);
    glUniform3fv(rn__terrain.u_sun, 1, view->sun);
    rn_shadow_apply(rn__terrain.program, view);
    glUniform1f(rn__terrain.u_hillshade, style->hillshade ? 1.0f : 0.0f);
    glUniform3fv(rn__terrain.u_sky, 1, view->sky);
    glUniform2f(rn__terrain.u_fog, view->fog_start, view->fog_end);
    glUniform1i(rn__terrain.u_imagery, 0);
    long tris = 0;
    for (int i = 0; i < count; i++) {
        const rn_terrain_item *it = &items[i];
        if (!rn_mesh_valid(it->mesh)) continue;
        float off[3] = {(float)(it->origin[0] - view->eye[0]),
                        (float)(it->origin[1] - view->eye[1]),
                        (float)(it->origin[2] * view->exaggeration - view->eye[2])};
        glUniform3fv(rn__terrain.u_offset, 1, off);
        bool img = rn_texture_bind(it->imagery, 0);
        glUniform1i(rn__terrain.u_has_imagery, img ? 1 : 0);
        rn_mesh_draw(it->mesh);
        tris += rn_mesh_index_count(it->mesh) / 3;
    }
    if (style->wireframe) glPolygonMode(GL_FRONT_AND_BACK, GL_FILL);
    glBindVertexArray(0);
    return tris;
}
