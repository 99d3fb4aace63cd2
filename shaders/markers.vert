// Screen-space markers, one point sprite each, in framebuffer pixels (origin
// top-left): a square around the disc and the stem below it.
layout(location = 0) in vec3 a_head; // x, y, ground_y
layout(location = 1) in vec3 a_size; // radius, rim, pulse
layout(location = 2) in vec4 a_fill;
layout(location = 3) in vec4 a_rim;

uniform vec2 u_viewport;
uniform float u_pulse;
uniform float u_stem_px;

flat out vec3 v_head;
flat out vec3 v_box; // the sprite's top-left corner and its size
flat out vec2 v_radii; // fill radius, outer radius
flat out vec4 v_fill;
flat out vec4 v_rim;

void main()
{
    float k = a_size.z > 0.5 ? u_pulse : 1.0;
    float r = a_size.x * k, outer = r + a_size.y;
    float top = a_head.y - outer - 1.0, bottom = max(a_head.y + outer, a_head.z) + 1.0;
    float size = ceil(max(bottom - top, 2.0 * max(outer, u_stem_px * 0.5) + 2.0));
    vec2 centre = vec2(a_head.x, top + size * 0.5);
    v_head = a_head;
    v_box = vec3(centre - 0.5 * size, size);
    v_radii = vec2(r, outer);
    v_fill = a_fill;
    v_rim = a_rim;
    gl_PointSize = size;
    vec2 ndc = centre / u_viewport * 2.0 - 1.0;
    gl_Position = vec4(ndc.x, -ndc.y, 0.0, 1.0);
}
