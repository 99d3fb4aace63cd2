// Terrain colour: hypsometric ramp (or draped imagery), sun lighting,
// optional cartographic hillshade, and distance fog towards the sky colour.
in vec3 v_normal;
in vec2 v_uv;
in float v_height;
in float v_dist;
in vec3 v_rel;

uniform vec2 u_zrange;      // zmin, zmax - zmin
uniform vec3 u_sun;
uniform float u_hillshade;  // 0 or 1
uniform sampler2D u_imagery;
uniform int u_has_imagery;
uniform vec3 u_sky;
uniform vec2 u_fog;         // start, end (metres)

out vec4 o_color;

// Sun shadow (rn_shadow): 1 lit, 0 in shadow; four filtered taps.
uniform int u_shadow_on;
uniform sampler2DShadow u_shadow_map;
uniform mat4 u_light;
uniform vec3 u_shadow_eye;     // eye - the map's reference point
uniform float u_shadow_texel_m;
uniform float u_shadow_bias;

float sun_lit(vec3 rel, vec3 n)
{
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
}

vec3 ramp(float t)
{
    // Lowland green, foothill olive, brown, grey rock, snow.
    const vec3 c0 = vec3(0.33, 0.55, 0.34);
    const vec3 c1 = vec3(0.60, 0.68, 0.40);
    const vec3 c2 = vec3(0.72, 0.62, 0.42);
    const vec3 c3 = vec3(0.62, 0.55, 0.50);
    const vec3 c4 = vec3(0.95, 0.95, 0.95);
    t = clamp(t, 0.0, 1.0);
    if (t < 0.25) return mix(c0, c1, t / 0.25);
    if (t < 0.55) return mix(c1, c2, (t - 0.25) / 0.30);
    if (t < 0.85) return mix(c2, c3, (t - 0.55) / 0.30);
    return mix(c3, c4, (t - 0.85) / 0.15);
}

void main()
{
    vec3 n = normalize(v_normal);
    vec3 base = ramp((v_height - u_zrange.x) / u_zrange.y);
    if (u_has_imagery != 0) {
        // The tile's imagery has samples on its edges (uv 0 and 1 are texel
        // centres) and rows from the north; it is premultiplied, and where
        // it is transparent (off the imagery) the ramp shows.
        vec2 size = vec2(textureSize(u_imagery, 0));
        vec2 uv = vec2(v_uv.x, 1.0 - v_uv.y);
        vec4 img = texture(u_imagery, (uv * (size - 1.0) + 0.5) / size);
        base = base * (1.0 - img.a) + img.rgb;
    }
    float diffuse = max(dot(n, u_sun), 0.0) * sun_lit(v_rel, n);
    vec3 lit = base * (0.45 + 0.65 * diffuse);
    if (u_hillshade > 0.5) {
        // Classic hillshade: light from azimuth 315 degrees, altitude 45 degrees.
        vec3 l = normalize(vec3(-0.5, 0.5, 0.7071));
        float hs = clamp(dot(n, l), 0.0, 1.0);
        lit *= 0.35 + 0.85 * hs;
    }
    float fog = smoothstep(u_fog.x, u_fog.y, v_dist);
    o_color = vec4(mix(lit, u_sky, fog * 0.85), 1.0);
}
