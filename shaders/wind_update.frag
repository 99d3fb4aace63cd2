// Wind particle update: a midpoint (RK2) step through the bilinear wind
// field; a particle is reborn at a hashed position when its life ends, it
// leaves the keep rectangle, or it stands in a solid cell (a building).
// app/app_wind_advect.c is the same rule on the CPU: change both together.
uniform sampler2D u_state; // x, y (metres from the origin), age (steps), speed (m/s)
uniform sampler2D u_coarse0, u_fine0, u_coarse1, u_fine1;
uniform vec4 u_crect0, u_frect0, u_crect1, u_frect1; // x0, y0 (from the origin), dx, dy
uniform int u_has_fine0, u_has_fine1;
uniform float u_mix;  // 0: field 0, 1: field 1
uniform float u_dt;   // seconds of air per step
uniform uint u_seed;
uniform uint u_step;  // this step's number, from 1
uniform vec4 u_spawn; // xmin ymin xmax ymax, from the origin
uniform vec4 u_keep;
uniform ivec2 u_life; // min, range (steps)

layout(location = 0) out vec4 o_state;
layout(location = 1) out vec4 o_trail;

uint pcg(uint v)
{
    uint s = v * 747796405u + 2891336453u;
    uint w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
    return (w >> 22u) ^ w;
}

float unit(uint h)
{
    return float(h >> 8u) * (1.0 / 16777216.0);
}

// Bilinear between cell centres, clamped at the edges.
vec4 grid(sampler2D t, vec4 r, vec2 p)
{
    ivec2 n = textureSize(t, 0);
    vec2 g = (p - r.xy) / r.zw - 0.5;
    vec2 f = floor(g);
    vec2 w = g - f;
    ivec2 i0 = clamp(ivec2(f), ivec2(0), n - 1);
    ivec2 i1 = clamp(ivec2(f) + 1, ivec2(0), n - 1);
    vec4 a = texelFetch(t, ivec2(i0.x, i0.y), 0);
    vec4 b = texelFetch(t, ivec2(i1.x, i0.y), 0);
    vec4 c = texelFetch(t, ivec2(i0.x, i1.y), 0);
    vec4 d = texelFetch(t, ivec2(i1.x, i1.y), 0);
    return mix(mix(a, b, w.x), mix(c, d, w.x), w.y);
}

// The fine grid where it covers p, blended into the coarse over its
// outermost four cells.
vec4 field(sampler2D c, vec4 cr, sampler2D f, vec4 fr, int has_fine, vec2 p)
{
    vec4 v = grid(c, cr, p);
    if (has_fine == 0) return v;
    vec2 size = vec2(textureSize(f, 0)) * fr.zw;
    vec2 e = min(p - fr.xy, fr.xy + size - p) / (4.0 * fr.zw);
    float k = clamp(min(e.x, e.y), 0.0, 1.0);
    if (k <= 0.0) return v;
    return mix(v, grid(f, fr, p), k);
}

vec4 wind(vec2 p)
{
    vec4 a = field(u_coarse0, u_crect0, u_fine0, u_frect0, u_has_fine0, p);
    if (u_mix <= 0.0) return a;
    vec4 b = field(u_coarse1, u_crect1, u_fine1, u_frect1, u_has_fine1, p);
    return mix(a, b, u_mix);
}

void main()
{
    ivec2 px = ivec2(gl_FragCoord.xy);
    uint id = uint(px.y * textureSize(u_state, 0).x + px.x);
    vec4 s = texelFetch(u_state, px, 0);
    vec2 p = s.xy;
    float age = s.z;
    bool born = age < 0.0;
    uint birth = u_step - uint(max(age, 0.0));
    uint life = uint(u_life.x) + pcg(u_seed ^ pcg(id * 2u + 1u) ^ pcg(birth)) % uint(u_life.y);
    bool reborn = born || uint(age) + 1u >= life;
    vec4 w = vec4(0.0);
    if (!reborn) {
        vec4 w1 = wind(p);
        vec2 m = p + 0.5 * u_dt * w1.xy;
        w = wind(m);
        p += u_dt * w.xy;
        reborn = any(lessThan(p, u_keep.xy)) || any(greaterThan(p, u_keep.zw)) ||
                 wind(p).z >= 0.5;
        age += 1.0;
    }
    if (reborn) {
        uint h = pcg(u_seed ^ pcg(id * 2u) ^ pcg(u_step + 0x9e3779b9u));
        // The first birth starts part-way through a life, so that deaths
        // are spread over time rather than all at once.
        age = born ? float(pcg(h ^ 0x1b56c4e9u) % uint(u_life.x)) : 0.0;
        // A few tries for a place outside the buildings; failing those the
        // particle stays unborn (hidden) and tries again next step.
        for (int t = 0; t < 4; t++) {
            p = u_spawn.xy +
                vec2(unit(pcg(h)), unit(pcg(h ^ 0x68e31da4u))) * (u_spawn.zw - u_spawn.xy);
            w = wind(p);
            if (w.z < 0.5) break;
            h = pcg(h);
        }
        if (w.z >= 0.5) age = -1.0;
    }
    o_state = vec4(p, age, length(w.xy));
    o_trail = o_state;
}
