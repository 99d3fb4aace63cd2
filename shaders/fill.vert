// Filled polygons: position relative to the item origin, colour per vertex,
// an optional normal (zero when the mesh has none: flat map fills). With a
// table (buildings, rn_table): x, y times u_xy_scale (int16 units), the
// vertex's id is its row * 2 + 1 on top, 0 at the bottom: z = the row's
// base (+ its height on top), the row's RGBA8 colour.
in vec3 a_position;
in vec3 a_normal;
in vec4 a_color;
layout(location = 4) in uint a_id;

uniform mat4 u_view_proj;
uniform vec3 u_offset; // item origin - eye
uniform int u_table_on;
uniform usamplerBuffer u_table;
uniform int u_table_first;
uniform float u_xy_scale;

out vec4 v_color;
out vec3 v_normal;
out vec3 v_rel;

void main()
{
    vec3 p = a_position;
    v_color = a_color;
    if (u_table_on != 0) {
        uvec4 row = texelFetch(u_table, u_table_first + int(a_id >> 1u));
        p.xy *= u_xy_scale;
        p.z = uintBitsToFloat(row.x) + float(a_id & 1u) * uintBitsToFloat(row.y);
        uint c = row.z;
        v_color = vec4(float(c & 255u), float((c >> 8) & 255u), float((c >> 16) & 255u),
                       float(c >> 24)) / 255.0;
    }
    v_normal = a_normal;
    v_rel = u_offset + p;
    gl_Position = u_view_proj * vec4(v_rel, 1.0);
}
