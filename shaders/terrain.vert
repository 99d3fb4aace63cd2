// Terrain tiles: positions are metres relative to the tile origin; u_offset
// is the origin relative to the eye, so the world is drawn eye-centred.
in vec3 a_position;
in vec3 a_normal;
in vec2 a_uv;

uniform mat4 u_view_proj;
uniform vec3 u_offset;
uniform float u_exag;

out vec3 v_normal;
out vec2 v_uv;
out float v_height;
out float v_dist;
out vec3 v_rel;

void main()
{
    vec3 rel = u_offset + vec3(a_position.xy, a_position.z * u_exag);
    // The surface z = e*f(x, y) has its normal's horizontal part scaled by e.
    v_normal = normalize(vec3(a_normal.xy * u_exag, a_normal.z));
    v_uv = a_uv;
    v_height = a_position.z;
    v_dist = length(rel);
    v_rel = rel;
    gl_Position = u_view_proj * vec4(rel, 1.0);
}
