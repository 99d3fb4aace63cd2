// Vertex colour, shaded by the sun where the mesh has normals.
in vec4 v_color;
in vec3 v_normal;
in vec3 v_rel;

uniform vec3 u_sun;
uniform float u_opacity;
uniform int u_flat; // no normals: each triangle's plane, facing the eye

out vec4 o_color;

// Sun shadow (rn_shadow): 1 lit, 0 in shadow; four filtered taps.
uniform int u_shadow_on;
uniform sampler2DShadow u_shadow_map;
uniform mat4 u_light;
uniform vec3 u_shadow_eye;     // eye - the map's reference point
uniform float u_shadow_texel_m;
uniform float u_shadow_bias;

// RN_SHADOWS 0: the program drawn while there is no shadow map (rn_fill.c),
// without the taps: llvmpipe paid for them with u_shadow_on 0 too.
#ifndef RN_SHADOWS
#define RN_SHADOWS 1
#endif

float sun_lit(vec3 rel, vec3 n)
{
#if RN_SHADOWS == 0
    return 1.0;
#else
    if (u_shadow_on == 0)
        return 1.0;
    // Normal offset: a texel out of the surface, against acne on slopes.
    vec4 l = u_light * vec4(rel + u_shadow_eye + n * u_shadow_texel_m, 1.0);
    vec3 c = l.xyz * 0.5 + 0.5;
    if (any(lessThan(c, vec3(0.0))) || any(greaterThan(c, vec3(1.0))))
        return 1.0;
    vec2 t = 0.5 / vec2(textureSize(u_shadow_map, 0));
    float s = texture(u_shadow_map, vec3(c.xy + vec2(-t.x, -t.y), c.z - u_shadow_bias));
    s += texture(u_shadow_map, vec3(c.xy + vec2(t.x, -t.y), c.z - u_shadow_bias));
    s += texture(u_shadow_map, vec3(c.xy + vec2(-t.x, t.y), c.z - u_shadow_bias));
    s += texture(u_shadow_map, vec3(c.xy + vec2(t.x, t.y), c.z - u_shadow_bias));
    return s * 0.25;
#endif
}

void main()
{
    float shade = 1.0;
    bool has_normal = u_flat != 0 || dot(v_normal, v_normal) > 0.25;
    vec3 n = vec3(0.0, 0.0, 1.0);
    if (u_flat != 0) {
        n = normalize(cross(dFdx(v_rel), dFdy(v_rel)));
        // Screen-space derivatives give a normal that faces the eye.
        if (dot(n, v_rel) > 0.0)
            n = -n;
    } else if (has_normal) {
        n = normalize(v_normal);
    }
    float lit = sun_lit(v_rel, n);
    if (has_normal)
        shade = 0.55 + 0.45 * max(dot(n, normalize(u_sun)), 0.0) * lit;
    else
        shade = mix(0.72, 1.0, lit);
    o_color = vec4(v_color.rgb * shade, v_color.a * u_opacity);
}
