// Vertex colour, shaded by the sun where the mesh has normals.
// RN_CAST 1: boxes ray-cast from their tops (fill.vert, rn_fill.h).
#ifndef RN_CAST
#define RN_CAST 0
#endif
in vec4 v_color;
in vec3 v_normal;
#if RN_CAST
centroid in vec3 v_rel;
flat in vec3 v_lo;
flat in vec3 v_hi;
uniform mat4 u_view_proj;
#else
in vec3 v_rel;
#endif

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

#if RN_CAST
// The box v_lo .. v_hi (from the eye) where the ray through this fragment
// of its grown top enters it: the top, or a wall facing the eye.
void main()
{
    vec3 dir = v_rel;
    dir += vec3(lessThan(abs(dir), vec3(1e-7))) * 1e-7;
    vec3 t0 = v_lo / dir, t1 = v_hi / dir;
    vec3 tn = min(t0, t1), tf = max(t0, t1);
    float tin = max(max(tn.x, tn.y), tn.z), tout = min(min(tf.x, tf.y), tf.z);
    // The grown top's corners: beside the box's outline.
    if (tout < tin * (1.0 - 1e-5))
        discard;
    vec3 hit = dir * tin;
    vec4 clip = u_view_proj * vec4(hit, 1.0);
    gl_FragDepth = clip.z / clip.w * 0.5 + 0.5;
    // The walls' share of the pixel, on each axis: the strip between the
    // top's edge on the side facing the eye and the outline (its width in
    // the top's plane as the vertex shader grew it), against the pixel's
    // span there (in the top's plane: fwidth); a wall under a pixel wide
    // is blended in by its share of the part of the pixel the box covers.
    vec2 q = v_rel.xy, px = max(fwidth(q), vec2(1e-6));
    vec2 facing = step(0.0, dir.xy); // 1: the low side's wall faces the eye
    vec2 beyond = mix(q - v_hi.xy, v_lo.xy - q, facing) / px;
    float h = v_hi.z - v_lo.z;
    vec2 strip = h * abs(mix(v_hi.xy, v_lo.xy, facing)) / max(h - dir.z, 1e-6) / px;
    vec2 a = min(beyond + 0.5, strip);
    vec2 share = max(a - max(beyond - 0.5, 0.0), 0.0) / max(a - beyond + 0.5, 1e-6);
    share = clamp(share, 0.0, 1.0);
    float w = max(share.x, share.y);
    // The wall hit; beside the walls (the share of a pixel on the top), the
    // larger share's.
    bool wall_x = tin == tn.x || (tin != tn.y && share.x >= share.y);
    vec3 n_wall = wall_x ? vec3(-sign(dir.x), 0.0, 0.0) : vec3(0.0, -sign(dir.y), 0.0);
    vec3 sun = normalize(u_sun);
    vec3 up = vec3(0.0, 0.0, 1.0);
    float top = w < 1.0 ? 0.55 + 0.45 * max(sun.z, 0.0) * sun_lit(hit, up) : 0.0;
    float side = w > 0.0 ? 0.55 + 0.45 * max(dot(n_wall, sun), 0.0) * sun_lit(hit, n_wall) : 0.0;
    o_color = vec4(v_color.rgb * mix(top, side, w), v_color.a * u_opacity);
}
#else
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
#endif
