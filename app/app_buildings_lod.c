/* Buildings layer: the level a chunk is drawn at, by screen-space error.
 *
 * Each level below the full meshes drops some detail of a known size in
 * metres: the far boxes lose a building's shape (at most about its
 * footprint; the chunk's building spacing, the square root of its area
 * per building, stands for it, at most a block cell: a finer level never
 * loses more than a coarser one), the blocks lose everything inside a cell
 * (the chunk's side / the grid's side). Seen from the chunk's nearest
 * point, that size spans size * focal / distance pixels (focal: pixels per
 * metre at one metre from the eye); what the boxes lose lies on the
 * ground, so it is further foreshortened by the root of the sine of the
 * angle the chunk is seen at (the root of its area on screen). The
 * coarsest level whose error is under its threshold (far_px for the boxes,
 * block_px for the blocks) is drawn, as 3D GIS engines choose their tiles'
 * levels. Unlike the chunk's longer side on screen, this follows the size
 * of what is lost, so the slivers of a grazing view, whose buildings are a
 * pixel or two each, are drawn as boxes and blocks while the chunks near
 * the eye stay in full. The far boxes are turned to each footprint
 * (geo_buildings_obox) and what they lose is measured: the root of the
 * mean area they add to the footprints (chunk far_err, at least
 * APP_FAR_ERR_MIN_M); times APP_FAR_ERR_SCALE it stands for the spacing
 * when smaller (a chunk of turned rectangles loses nothing and is drawn
 * as boxes nearer; the grazing district's L-shapes, 9 m, as before). The
 * thresholds keep the goldens' views (640 x 360,
 * chunks 3 to 6 km away) as they were.
 *
 * Tried and left (the goldens hold them back): the grazing discount on
 * the blocks (the gaps between buildings across the view are not
 * foreshortened: buildings_lod_grazing's far rows merged into striped
 * slabs, 0.76 % of its pixels off); far_px 2.5 with block_px 4 (Cheongna
 * 0.17 %, Yeouido 0.11 %, grazing 0.28 % off, and no chunk of the grazing
 * view left in full); the grazing factor's floor at 0.03 (a
 * street view's distant towers, as boxes, widen on the skyline: 0.22 %
 * of the 600,000 set's street view off, for 17 % fewer triangles). At 600,000 buildings most of a
 * street or oblique view's triangles are full chunks (34 triangles a building) and far boxes (10);
 * fewer needs a level between them that the goldens accept, or occlusion. */
#include "app_buildings_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double app_bview_focal(const rn_view *v)
{
    /* view_proj's second row is the vertical scale (1 / tan(fov_y / 2))
     * times the camera's up axis, a unit vector: its length is the scale. */
    const float *m = v->view_proj;
    double f = sqrt((double)m[1] * m[1] + (double)m[5] * m[5] + (double)m[9] * m[9]);
    return 0.5 * v->height * f;
}

/* The chunk's building spacing (what the far boxes lose) and its longer
 * side (a block cell is side / the grid's side). */
static double app__spacing(const geo_buildings_chunk *c, double *side)
{
    const double *b = c->box;
    double w = fmax(b[3] - b[0], 1), h = fmax(b[4] - b[1], 1);
    *side = fmax(w, h);
    /* A coarser level's error bounds a finer one's: the boxes lose no more
     * than the finest blocks (a sparse chunk's spacing overstates its
     * buildings). */
    return fmin(sqrt(w * h / (double)(c->f1 - c->f0)), *side / GEO_BUILDINGS_BLOCK_N);
}

/* What the far boxes lose (geo_buildings_obox): the root of the mean
 * area a building's box adds to its footprint, at least APP_FAR_ERR_MIN_M
 * (a turned rectangle's box is itself) and at most the spacing (a finer
 * level never loses more than a coarser one). */
static double app__far_err(const geo_buildings_chunk *c)
{
    return c->far_err >= APP_FAR_ERR_MIN_M ? c->far_err : APP_FAR_ERR_MIN_M;
}

app_blod app_bchunk_shadow_lod(const geo_buildings_chunk *c, double texel_m)
{
    if (c->f1 <= c->f0 || !(texel_m > 0)) return APP_LOD_FULL;
    double side, spacing = app__spacing(c, &side);
    if (spacing >= texel_m) return APP_LOD_FULL;
    for (int l = APP_BLOCK_LEVELS - 1; l >= 0; l--)
        if (side / (GEO_BUILDINGS_BLOCK_N >> l) < texel_m) return (app_blod)(APP_LOD_BLOCK + l);
    return APP_LOD_FAR;
}

app_blod app_bchunk_lod(const app_buildings_cfg *cfg, const geo_buildings_chunk *c,
                        const rn_view *v, double focal)
{
    if (!(cfg->far_px > 0) || c->f1 <= c->f0) return APP_LOD_FULL;
    const double *b = c->box;
    double d2 = 0, dz = 0;
    for (int k = 0; k < 3; k++) {
        double e = v->eye[k], o = e < b[k] ? b[k] - e : e > b[k + 3] ? e - b[k + 3] : 0;
        d2 += o * o;
        dz = o; /* k == 2 last: the height above (below) the chunk */
    }
    double d = fmax(sqrt(d2), 1e-3);
    /* Pixels per metre at the chunk's nearest point (an eye inside: huge). */
    double ppm = focal / d;
    /* What the boxes lose lies on the ground: seen at a grazing angle it
     * is foreshortened across the screen by the sine of the angle (the
     * sliver a chunk makes there), not along it; the square root of its
     * area on screen is its size times the root of that sine (at least
     * 0.1: a street view's horizon still keeps some of the factor's
     * margin). */
    double foreshort = sqrt(fmax(dz / d, 0.1));
    double side, spacing = app__spacing(c, &side);
    /* The boxes are good enough when what they lose is under far_px, or
     * (turned or not) when the buildings are under far_px apart. */
    double far = fmin(app__far_err(c) * APP_FAR_ERR_SCALE, spacing);
    if (far * ppm * foreshort >= cfg->far_px) return APP_LOD_FULL;
    if (!(cfg->block_px > 0)) return APP_LOD_FAR;
    /* The coarsest block grid whose cell is under block_px. */
    for (int l = APP_BLOCK_LEVELS - 1; l >= 0; l--)
        if (side / (GEO_BUILDINGS_BLOCK_N >> l) * ppm < cfg->block_px)
            return (app_blod)(APP_LOD_BLOCK + l);
    return APP_LOD_FAR;
}

/* Front to back, so the depth test rejects what nearer chunks hide
 * before it is shaded (a software rasterizer shades only what passes). */
typedef struct app__bkey {
    float d2;
    int i;
} app__bkey;

static int app__bkey_cmp(const void *a, const void *b)
{
    float x = ((const app__bkey *)a)->d2, y = ((const app__bkey *)b)->d2;
    return x < y ? -1 : x > y;
}

void app_bitems_sort(rn_fill_item *items, int n, const double eye[3])
{
    if (n < 2) return;
    for (int i = 0; i < n; i++)
        if (items[i].opacity > 0 && items[i].opacity < 1) return; /* blended: as they are */
    app__bkey *key = malloc((size_t)n * sizeof *key);
    rn_fill_item *tmp = malloc((size_t)n * sizeof *tmp);
    if (key && tmp) {
        for (int i = 0; i < n; i++) {
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
                double o = items[i].origin[k] - eye[k];
                d2 += o * o;
            }
            key[i] = (app__bkey){(float)d2, i};
        }
        qsort(key, (size_t)n, sizeof *key, app__bkey_cmp);
        for (int i = 0; i < n; i++) tmp[i] = items[key[i].i];
        memcpy(items, tmp, (size_t)n * sizeof *items);
    }
    free(key);
    free(tmp);
}
