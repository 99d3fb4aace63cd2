// Draped tint: height from the terrain heightfield texture, never below the
// vertex's own z (a roof), then pulled a little towards the eye.
in vec3 a_position;
in vec4 a_color;

uniform mat4 u_view_proj;
uniform vec3 u_offset;     // item origin - eye (x, y), -eye z
uniform vec2 u_to_hf;      // item origin - heightfield sample (0, 0)
uniform vec4 u_hf;         // 1/dx, 1/dy, nx, ny
uniform sampler2D u_heights;
uniform int u_has_heights;
uniform float u_exag;
uniform vec3 u_to_mask;    // item origin - mask corner (x, y), 1 / mask side

out vec4 v_color;
out vec2 v_mask_uv;

void main()
{
    float z = a_position.z;
    if (u_has_heights != 0) {
        vec2 g = (a_position.xy + u_to_hf) * u_hf.xy;
        z = max(z, texture(u_heights, (g + 0.5) / u_hf.zw).r);
    }
    vec3 rel = u_offset + vec3(a_position.xy, z * u_exag);
    float d = length(rel);
    rel -= rel / max(d, 1e-3) * min(3.0 + d * 0.004, d * 0.5);
    v_color = a_color;
    v_mask_uv = (a_position.xy + u_to_mask.xy) * u_to_mask.z;
    gl_Position = u_view_proj * vec4(rel, 1.0);
}
