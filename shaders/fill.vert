// Filled polygons: position relative to the item origin, colour per vertex,
// an optional normal (zero when the mesh has none: flat map fills). With a
// table (buildings, rn_table): x, y times u_xy_scale (int16 units), the
// vertex's id is its row * 2 + 1 on top, 0 at the bottom: z = the row's
// base (+ its height on top), the row's RGBA8 colour.
// RN_CAST 1 (rn_fill_item.cast_boxes): a vertex is a corner of a box's top,
// its normal the vector to the box's opposite bottom corner; the top grows
// to the box's outline seen from the eye, the fragment shader ray-casts it.
#ifndef RN_CAST
#define RN_CAST 0
#endif
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
#if RN_CAST
// At a covered sample (the outline's edge pixels: the ray through the
// pixel's centre may miss the box).
centroid out vec3 v_rel;
flat out vec3 v_lo; // the box from the eye
flat out vec3 v_hi;
#else
out vec3 v_rel;
#endif

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
#if RN_CAST
    vec3 r = u_offset + p, o = r + a_normal;
    v_lo = min(r, o), v_hi = max(r, o);
    // The bottom seen from the eye, in the top's plane, is the bottom scaled
    // towards the eye's nadir by -r.z / (h - r.z): on a side whose wall faces
    // the eye the corner moves out by h / (h - r.z) of its distance from the
    // eye across that side; the grown top covers the box's outline.
    float h = -a_normal.z;
    vec2 out_xy = -sign(a_normal.xy); // outwards from the box at this corner
    if (r.z < 0.0) {
        vec2 grow = h / (h - r.z) * abs(r.xy);
        if (out_xy.x * r.x < 0.0)
            p.x += out_xy.x * grow.x;
        if (out_xy.y * r.y < 0.0)
            p.y += out_xy.y * grow.y;
    }
#endif
    v_rel = u_offset + p;
    gl_Position = u_view_proj * vec4(v_rel, 1.0);
}
