// Wind trails: vertex 2k and 2k+1 are the ends of one segment of one
// particle's trail, read from the ring of past states (no vertex data).
// Heights come from the terrain heightfield, like the draped lines.
uniform mat4 u_view_proj;
uniform vec3 u_offset; // origin - eye (x, y), -eye z
uniform vec2 u_to_hf;  // origin - heightfield sample (0, 0)
uniform vec4 u_hf;     // 1/dx, 1/dy, nx, ny
uniform sampler2D u_heights;
uniform int u_has_heights;
uniform float u_exag;
uniform float u_height; // metres above the ground
uniform sampler2DArray u_trail;
uniform ivec3 u_ring; // newest layer, layers, layers filled
uniform int u_w;
uniform float u_speed_min, u_speed_max; // the colour ramp's ends, m/s
uniform float u_opacity;

out vec4 v_color;

vec3 ramp(float t)
{
    // deep blue, cyan, green, yellow, orange-red: slow to fast
    const vec3 c0 = vec3(0.20, 0.35, 0.95), c1 = vec3(0.15, 0.80, 0.95);
    const vec3 c2 = vec3(0.30, 0.90, 0.35), c3 = vec3(0.98, 0.90, 0.25);
    const vec3 c4 = vec3(0.98, 0.35, 0.20);
    t = clamp(t, 0.0, 1.0) * 4.0;
    if (t < 1.0) return mix(c0, c1, t);
    if (t < 2.0) return mix(c1, c2, t - 1.0);
    if (t < 3.0) return mix(c2, c3, t - 2.0);
    return mix(c3, c4, t - 3.0);
}

void main()
{
    int segs = u_ring.z - 1;
    int vid = gl_VertexID;
    int particle = vid / (2 * segs);
    int seg = (vid / 2) % segs;
    int end = vid & 1;
    ivec2 px = ivec2(particle % u_w, particle / u_w);
    int newer = (u_ring.x - seg + u_ring.y) % u_ring.y;
    int older = (newer - 1 + u_ring.y) % u_ring.y;
    vec4 a = texelFetch(u_trail, ivec3(px, newer), 0);
    vec4 b = texelFetch(u_trail, ivec3(px, older), 0);
    if (b.z < 0.0 || a.z != b.z + 1.0) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // outside the clip volume
        v_color = vec4(0.0);
        return;
    }
    vec4 s = end == 0 ? a : b;
    float z = 0.0;
    if (u_has_heights != 0) {
        vec2 g = (s.xy + u_to_hf) * u_hf.xy;
        z = texture(u_heights, (g + 0.5) / u_hf.zw).r;
    }
    vec3 rel = u_offset + vec3(s.xy, z * u_exag + u_height);
    gl_Position = u_view_proj * vec4(rel, 1.0);
    float fade = 1.0 - (float(seg + end) / float(segs));
    // born and dying particles fade in and out over a few steps
    float young = clamp(s.z / 4.0, 0.0, 1.0);
    v_color = vec4(ramp((s.w - u_speed_min) / (u_speed_max - u_speed_min)), fade * fade * young * u_opacity);
}
