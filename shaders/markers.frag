// Screen-space markers: the fill inside the radius, the rim around it, the
// stem from the disc down to the ground point; nothing elsewhere.
flat in vec3 v_head;
flat in vec3 v_box;
flat in vec2 v_radii;
flat in vec4 v_fill;
flat in vec4 v_rim;

uniform float u_opacity;
uniform float u_stem_px;
uniform vec4 u_stem;

out vec4 o_color;

void main()
{
    // gl_PointCoord runs from the sprite's top-left corner, as pixels do here.
    vec2 px = v_box.xy + gl_PointCoord * v_box.z;
    float d = distance(px, v_head.xy);
    vec4 c;
    if (d <= v_radii.x)
        c = v_fill;
    else if (d <= v_radii.y)
        c = v_rim;
    else if (abs(px.x - v_head.x) <= u_stem_px * 0.5 && px.y >= v_head.y && px.y <= v_head.z)
        c = u_stem;
    else
        discard;
    o_color = vec4(c.rgb, c.a * u_opacity);
}
