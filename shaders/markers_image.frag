// The markers' picture: the texture holds each pixel at its framebuffer
// place (rows from the top), the picture the u_size pixels from u_origin,
// premultiplied; greyed towards its luminance when the layer is stale.
uniform sampler2D u_image;
uniform float u_opacity;
uniform float u_grey;
uniform int u_height;
uniform ivec2 u_origin;
uniform ivec2 u_size;

out vec4 o_color;

void main()
{
    ivec2 q = ivec2(gl_FragCoord.x, float(u_height) - gl_FragCoord.y);
    ivec2 p = q - u_origin;
    if (p.x < 0 || p.y < 0 || p.x >= u_size.x || p.y >= u_size.y) discard;
    vec4 c = texelFetch(u_image, q, 0);
    float l = dot(c.rgb, vec3(0.299, 0.587, 0.114));
    c.rgb = mix(c.rgb, vec3(l), u_grey);
    o_color = c * u_opacity;
}
