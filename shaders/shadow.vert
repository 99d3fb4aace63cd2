// Shadow map: casters' depth seen from the sun (orthographic). Positions
// are relative to the item origin; u_offset is that origin relative to the
// map's reference point; terrain scales its heights here (u_zscale). With
// a table (buildings, rn_table) x, y are scaled by u_xy_scale and the
// vertex's id is its row * 2 + 1 on top: z = the row's base (+ height).
in vec3 a_position;
layout(location = 4) in uint a_id;

uniform mat4 u_light;
uniform vec3 u_offset;
uniform float u_zscale;
uniform int u_table_on;
uniform usamplerBuffer u_table;
uniform int u_table_first;
uniform float u_xy_scale;

void main()
{
    vec2 xy = a_position.xy;
    float z = a_position.z * u_zscale;
    if (u_table_on != 0) {
        uvec4 row = texelFetch(u_table, u_table_first + int(a_id >> 1u));
        xy *= u_xy_scale;
        z = uintBitsToFloat(row.x) + float(a_id & 1u) * uintBitsToFloat(row.y);
    }
    gl_Position = u_light * vec4(u_offset + vec3(xy, z), 1.0);
}
