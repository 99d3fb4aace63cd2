// The markers' picture: one quad over the pixels it covers (u_origin,
// u_size; framebuffer pixels from the top-left).
uniform ivec2 u_origin;
uniform ivec2 u_size;
uniform vec2 u_viewport;

void main()
{
    vec2 corner = vec2((gl_VertexID & 1) != 0 ? 1.0 : 0.0, (gl_VertexID & 2) != 0 ? 1.0 : 0.0);
    vec2 p = vec2(u_origin) + corner * vec2(u_size);
    vec2 ndc = p / u_viewport * 2.0 - 1.0;
    gl_Position = vec4(ndc.x, -ndc.y, 0.0, 1.0);
}
