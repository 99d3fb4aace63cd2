// The markers' picture, pixel for pixel from u_origin (framebuffer pixels
// from the top-left; rows from the top), premultiplied;
// greyed towards its luminance when the layer is stale.
uniform sampler2D u_image;
uniform float u_opacity;
uniform float u_grey;
uniform int u_height;
uniform ivec2 u_origin;

out vec4 o_color;

void main()
{
    ivec2 size = textureSize(u_image, 0);
    ivec2 p = ivec2(gl_FragCoord.x, float(u_height) - gl_FragCoord.y) - u_origin;
    if (p.x < 0 || p.y < 0 || p.x >= size.x || p.y >= size.y) discard;
    vec4 c = texelFetch(u_image, p, 0);
    float l = dot(c.rgb, vec3(0.299, 0.587, 0.114));
    c.rgb = mix(c.rgb, vec3(l), u_grey);
    o_color = c * u_opacity;
}
