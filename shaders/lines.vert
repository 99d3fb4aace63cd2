// Draped lines: height from the terrain heightfield texture, then pulled a
// little towards the eye so the line is not buried by coarser terrain tiles.
in vec3 a_position;

uniform mat4 u_view_proj;
uniform vec3 u_offset;     // line origin - eye (x, y), -eye z
uniform vec2 u_to_hf;      // line origin - heightfield sample (0, 0)
uniform vec4 u_hf;         // 1/dx, 1/dy, nx, ny
uniform sampler2D u_heights;
uniform int u_has_heights;
uniform float u_exag;

void main()
{
    float z = 0.0;
    if (u_has_heights != 0) {
        vec2 g = (a_position.xy + u_to_hf) * u_hf.xy;
        z = texture(u_heights, (g + 0.5) / u_hf.zw).r;
    }
    vec3 rel = u_offset + vec3(a_position.xy, z * u_exag);
    float d = length(rel);
    rel -= rel / max(d, 1e-3) * min(3.0 + d * 0.004, d * 0.5);
    gl_Position = u_view_proj * vec4(rel, 1.0);
}
