// Draped tint: the vertex colour, where the mask (if any) says so, scaled
// by the layer's opacity.
in vec4 v_color;
in vec2 v_mask_uv;

uniform float u_opacity;
uniform sampler2D u_mask;
uniform int u_has_mask;

out vec4 o_color;

void main()
{
    if (u_has_mask != 0 && texture(u_mask, v_mask_uv).r < 0.5) discard;
    o_color = vec4(v_color.rgb, v_color.a * u_opacity);
}
