// Widens each segment into a screen-space quad of u_width pixels, after
// clipping it against the near plane.
layout(lines) in;
layout(triangle_strip, max_vertices = 4) out;

uniform vec2 u_viewport;
uniform float u_width;

void main()
{
    vec4 a = gl_in[0].gl_Position;
    vec4 b = gl_in[1].gl_Position;
    float da = a.z + a.w, db = b.z + b.w;
    if (da < 0.0 && db < 0.0) return;
    if (da < 0.0) a = mix(a, b, da / (da - db));
    if (db < 0.0) b = mix(b, a, db / (db - da));
    a.w = max(a.w, 1e-5);
    b.w = max(b.w, 1e-5);
    vec2 half_vp = 0.5 * u_viewport;
    vec2 sa = a.xy / a.w * half_vp, sb = b.xy / b.w * half_vp;
    vec2 dir = sb - sa;
    float len = length(dir);
    dir = len > 1e-4 ? dir / len : vec2(1.0, 0.0);
    vec2 off = vec2(-dir.y, dir.x) * (0.5 * u_width) / half_vp;
    gl_Position = a + vec4(off * a.w, 0.0, 0.0);
    EmitVertex();
    gl_Position = a - vec4(off * a.w, 0.0, 0.0);
    EmitVertex();
    gl_Position = b + vec4(off * b.w, 0.0, 0.0);
    EmitVertex();
    gl_Position = b - vec4(off * b.w, 0.0, 0.0);
    EmitVertex();
    EndPrimitive();
}
