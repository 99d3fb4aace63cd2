// Shadow map: casters' depth seen from the sun (orthographic). Positions
// are relative to the item origin; u_offset is that origin relative to the
// map's reference point; terrain scales its heights here (u_zscale).
in vec3 a_position;

uniform mat4 u_light;
uniform vec3 u_offset;
uniform float u_zscale;

void main()
{
    gl_Position = u_light * vec4(u_offset + vec3(a_position.xy, a_position.z * u_zscale), 1.0);
}
