// Vertex colour, shaded by the sun where the mesh has normals.
in vec4 v_color;
in vec3 v_normal;

uniform vec3 u_sun;
uniform float u_opacity;

out vec4 o_color;

void main()
{
    float shade = 1.0;
    if (dot(v_normal, v_normal) > 0.25)
        shade = 0.55 + 0.45 * max(dot(normalize(v_normal), normalize(u_sun)), 0.0);
    o_color = vec4(v_color.rgb * shade, v_color.a * u_opacity);
}
