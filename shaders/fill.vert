// Filled polygons: position relative to the item origin, colour per vertex,
// an optional normal (zero when the mesh has none: flat map fills).
in vec3 a_position;
in vec3 a_normal;
in vec4 a_color;

uniform mat4 u_view_proj;
uniform vec3 u_offset; // item origin - eye

out vec4 v_color;
out vec3 v_normal;
out vec3 v_rel;

void main()
{
    v_color = a_color;
    v_normal = a_normal;
    v_rel = u_offset + a_position;
    gl_Position = u_view_proj * vec4(v_rel, 1.0);
}
