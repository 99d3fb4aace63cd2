/* The mass-consistent wind solver on cases with a known answer: uniform flow
 * over flat ground stays uniform, flow through a channel keeps its flux
 * through every cross-section, flow goes around a block and not into it, the
 * divergence falls by at least 1e-3, and the multigrid converges in a
 * bounded number of cycles whatever the grid size. */
#include "tw_test.h"
#include "tw_windsolve.h"

#include <stdlib.h>

typedef struct case_grid {
    tw_windsolve_grid g;
    size_t cells, cols;
    float *top, *u0, *v0, *w0, *u, *v, *w;
} case_grid;

static void case_init(case_grid *c, int nx, int ny, int nz, double dx, double dz)
{
    memset(c, 0, sizeof *c);
    c->g = (tw_windsolve_grid){.nx = nx, .ny = ny, .nz = nz, .dx = dx, .dy = dx, .dz = dz};
    c->cols = (size_t)nx * ny;
    c->cells = c->cols * nz;
    c->top = calloc(c->cols, sizeof(float));
    float **arrays[6] = {&c->u0, &c->v0, &c->w0, &c->u, &c->v, &c->w};
    for (int i = 0; i < 6; i++) *arrays[i] = calloc(c->cells, sizeof(float));
}

static void case_free(case_grid *c)
{
    free(c->top);
    free(c->u0);
    free(c->v0);
    free(c->w0);
    free(c->u);
    free(c->v);
    free(c->w);
}

static size_t at(const case_grid *c, int i, int j, int k)
{
    return ((size_t)k * c->g.ny + j) * c->g.nx + i;
}

static bool solid(const case_grid *c, int i, int j, int k)
{
    return (k + 0.5) * c->g.dz < c->top[(size_t)j * c->g.nx + i];
}

static tw_result solve(case_grid *c, bool lid, tw_windsolve_stats *st)
{
    return tw_windsolve_run(
        &(tw_windsolve_desc){
            .grid = c->g, .top = c->top, .u0 = c->u0, .v0 = c->v0, .w0 = c->w0, .rigid_lid = lid},
        c->u, c->v, c->w, st);
}

static void test_uniform_flat(void)
{
    case_grid c;
    case_init(&c, 40, 24, 8, 10, 5);
    /* A neutral log profile over flat ground: horizontally uniform and
     * divergence-free already, so the solver must leave it alone. */
    tw_windsolve_initial_desc id = {.grid = c.g, .u_ref = 5, .v_ref = -2, .z0 = 0.3};
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, c.w0) == TW_OK);
    tw_windsolve_stats st;
    TW_CHECK(solve(&c, false, &st) == TW_OK);
    double dev = 0;
    for (size_t n = 0; n < c.cells; n++) {
        dev = fmax(dev, fabs(c.u[n] - c.u0[n]));
        dev = fmax(dev, fabs(c.v[n] - c.v0[n]));
        dev = fmax(dev, fabs(c.w[n]));
    }
    TW_CHECK_MSG(dev < 1e-5, "max deviation %g m/s", dev);
    TW_CHECK(st.div0 < 1e-6);
    TW_CHECK_NEAR(c.u[at(&c, 20, 12, 3)], c.u[at(&c, 0, 0, 3)], 1e-6);
    case_free(&c);
}

static void test_initial_profile(void)
{
    case_grid c;
    case_init(&c, 4, 3, 10, 10, 4); /* centres at 2, 6, 10, ... m */
    c.top[0] = 8;                   /* column 0: solid up to 8 m */
    tw_windsolve_initial_desc id = {.grid = c.g, .top = c.top, .u_ref = 6, .v_ref = 0, .z0 = 0.5};
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, c.w0) == TW_OK);
    TW_CHECK_NEAR(c.u0[at(&c, 1, 0, 2)], 6.0, 1e-5); /* 10 m above ground: the reference */
    double want = 6.0 * log((2 + 0.5) / 0.5) / log((10 + 0.5) / 0.5);
    TW_CHECK_NEAR(c.u0[at(&c, 1, 0, 0)], want, 1e-5);
    TW_CHECK(c.u0[at(&c, 0, 0, 0)] == 0 && c.u0[at(&c, 0, 0, 1)] == 0); /* solid */
    /* Above a raised column the profile starts from its top (no ground given):
     * at 10 m the height above it is 2 m. */
    TW_CHECK_NEAR(c.u0[at(&c, 0, 0, 2)], want, 1e-5);
    id.profile = TW_WIND_PROFILE_POWER;
    id.exponent = 0.2;
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, c.w0) == TW_OK);
    TW_CHECK_NEAR(c.u0[at(&c, 1, 0, 2)], 6.0, 1e-5);
    TW_CHECK_NEAR(c.u0[at(&c, 1, 0, 4)], 6.0 * pow(18.0 / 10.0, 0.2), 1e-5);
    /* Per-column synoptic input. */
    float ur[12], vr[12];
    for (int n = 0; n < 12; n++) ur[n] = (float)n, vr[n] = -1;
    id = (tw_windsolve_initial_desc){.grid = c.g, .u_ref2d = ur, .v_ref2d = vr};
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, NULL) == TW_OK);
    TW_CHECK_NEAR(c.u0[at(&c, 3, 2, 2)], 11.0, 1e-5);
    TW_CHECK_NEAR(c.v0[at(&c, 3, 2, 2)], -1.0, 1e-5);
    id.v_ref2d = NULL;
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, NULL) == TW_ERR_ARG);
    case_free(&c);
}

/* A straight channel with walls on both sides that narrows to half its
 * width over a stretch, under a rigid lid: the flux through every
 * cross-section is the same, and the flow is faster in the narrows. */
static void test_channel(void)
{
    case_grid c;
    const int nx = 64, ny = 20, nz = 6;
    case_init(&c, nx, ny, nz, 10, 10);
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            bool wall = j < 2 || j >= ny - 2 || (i >= 26 && i < 38 && j < 10);
            c.top[(size_t)j * nx + i] = wall ? 1000.0f : 0.0f;
        }
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++)
                if (!solid(&c, i, j, k)) c.u0[at(&c, i, j, k)] = 3.0f;
    tw_windsolve_stats st;
    TW_CHECK(solve(&c, true, &st) == TW_OK);
    double q[64], qmin = INFINITY, qmax = 0;
    for (int i = 0; i < nx; i++) {
        q[i] = 0;
        for (int k = 0; k < nz; k++)
            for (int j = 0; j < ny; j++) q[i] += c.u[at(&c, i, j, k)] * c.g.dy * c.g.dz;
        qmin = fmin(qmin, q[i]);
        qmax = fmax(qmax, q[i]);
    }
    TW_CHECK_MSG((qmax - qmin) / qmax < 1e-3, "flux %g .. %g m3/s", qmin, qmax);
    TW_CHECK_MSG(qmin > 0.5 * 3.0 * 16 * 10 * 60, "flux %g m3/s", qmin);
    double narrows = c.u[at(&c, 32, 14, 3)], open = c.u[at(&c, 5, 10, 3)];
    TW_CHECK_MSG(narrows > 1.5 * open, "u %g in the narrows, %g upstream", narrows, open);
    TW_CHECK_MSG(st.div <= 1e-3 * st.div0, "div %g of %g", st.div, st.div0);
    for (size_t n = 0; n < c.cells; n++)
        if (solid(&c, (int)(n % nx), (int)(n / nx % ny), (int)(n / c.cols)))
            TW_CHECK(c.u[n] == 0 && c.v[n] == 0 && c.w[n] == 0);
    case_free(&c);
}

/* A 50 m cube-ish block in a boundary layer: no flow into it, the flow goes
 * around it (faster beside it than upstream, slow in its lee). */
static void test_block(void)
{
    case_grid c;
    const int nx = 64, ny = 48, nz = 16;
    case_init(&c, nx, ny, nz, 5, 5);
    const int bi0 = 26, bi1 = 34, bj0 = 20, bj1 = 28; /* 40 m x 40 m, 50 m tall */
    for (int j = bj0; j < bj1; j++)
        for (int i = bi0; i < bi1; i++) c.top[(size_t)j * nx + i] = 50;
    float ground[64 * 48] = {0};
    tw_windsolve_initial_desc id = {.grid = c.g, .top = c.top, .ground = ground, .u_ref = 5};
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, c.w0) == TW_OK);
    tw_windsolve_stats st;
    TW_CHECK(solve(&c, false, &st) == TW_OK);
    const int k = 4; /* 22.5 m */
    double far = c.u0[at(&c, 2, 2, k)];
    double beside = hypot(c.u[at(&c, 30, bj0 - 1, k)], c.v[at(&c, 30, bj0 - 1, k)]);
    double lee = hypot(c.u[at(&c, bi1 + 1, 24, k)], c.v[at(&c, bi1 + 1, 24, k)]);
    double front = c.u[at(&c, bi0 - 1, 24, k)];
    TW_CHECK_MSG(beside > 1.1 * far, "beside %g, undisturbed %g", beside, far);
    TW_CHECK_MSG(beside > 2 * lee, "beside %g, lee %g", beside, lee);
    TW_CHECK_MSG(front < 0.6 * far, "u %g in front of the block (undisturbed %g)", front, far);
    /* Deflected sideways at the front corners: v < 0 on the south side. */
    TW_CHECK_MSG(c.v[at(&c, bi0 - 1, bj0, k)] < -0.3, "v %g", c.v[at(&c, bi0 - 1, bj0, k)]);
    /* In front of the windward face the flow splits: up over the block in
     * its upper part, down towards the ground in the lower part. */
    double w_up = c.w[at(&c, bi0 - 1, 24, 8)], w_down = c.w[at(&c, bi0 - 1, 24, 1)];
    TW_CHECK_MSG(w_up > 1 && w_down < -0.3, "w %g at 42.5 m, %g at 7.5 m", w_up, w_down);
    long bad = 0;
    for (int kk = 0; kk < nz; kk++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++)
                if (solid(&c, i, j, kk) &&
                    (c.u[at(&c, i, j, kk)] != 0 || c.v[at(&c, i, j, kk)] != 0 ||
                     c.w[at(&c, i, j, kk)] != 0))
                    bad++;
    TW_CHECK(bad == 0);
    TW_CHECK(st.div0 > 1e-3);
    TW_CHECK_MSG(st.div <= 1e-3 * st.div0, "div %g of %g after %d cycles", st.div, st.div0,
                 st.cycles);
    TW_CHECK_MSG(st.cycles <= 8, "%d cycles", st.cycles);
    /* The measure of the initial field is the one the solver reports. */
    double rms0;
    tw_windsolve_divergence(&c.g, c.top, c.u0, c.v0, c.w0, &rms0, NULL);
    TW_CHECK_NEAR(rms0, st.div0, 1e-6 * st.div0);
    fprintf(stderr, "  block: %d cycles, %d levels, div %.3g -> %.3g (max %.3g), %.1f ms\n",
            st.cycles, st.levels, st.div0, st.div, st.max_div, st.ms);
    case_free(&c);
}

/* Terrain: a ridge and a valley. The number of cycles stays bounded as the
 * grid is refined (multigrid), here at two sizes. */
static int terrain_cycles(int n, int nz)
{
    case_grid c;
    case_init(&c, n, n, nz, 1200.0 / n, 300.0 / nz);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double x = (i + 0.5) / n, y = (j + 0.5) / n;
            c.top[(size_t)j * n + i] =
                (float)(120 * exp(-pow((x - 0.5) / 0.12, 2)) * (0.6 + 0.4 * sin(6.0 * y)) +
                        40 * (x > 0.7 && y > 0.3 && y < 0.4));
        }
    tw_windsolve_initial_desc id = {.grid = c.g, .top = c.top, .u_ref = 4, .v_ref = 1};
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, c.w0) == TW_OK);
    tw_windsolve_stats st;
    TW_CHECK(solve(&c, false, &st) == TW_OK);
    TW_CHECK_MSG(st.div <= 1e-3 * st.div0, "n %d: div %g of %g", n, st.div, st.div0);
    fprintf(stderr, "  terrain %dx%dx%d: %d cycles, %d levels, %.1f ms\n", n, n, nz, st.cycles,
            st.levels, st.ms);
    case_free(&c);
    return st.cycles;
}

static void test_multigrid_convergence(void)
{
    int c1 = terrain_cycles(32, 8), c2 = terrain_cycles(96, 24);
    TW_CHECK_MSG(c1 <= 8 && c2 <= 8, "%d and %d cycles", c1, c2);
    TW_CHECK_MSG(c2 <= c1 + 2, "%d cycles at 32, %d at 96", c1, c2);
}

/* A workspace kept between solves gives the same answer as a fresh solve:
 * a block, then (same grid shape) a wider block, then a grid of another
 * shape, each compared with a solve without one. */
static void test_workspace(void)
{
    tw_windsolve_workspace *ws = tw_windsolve_workspace_create();
    TW_CHECK(ws != NULL);
    for (int round = 0; round < 3; round++) {
        case_grid c;
        int nx = round == 2 ? 40 : 32;
        case_init(&c, nx, 24, 8, 5, 5);
        for (int j = 8; j < 16; j++)
            for (int i = 12; i < (round == 0 ? 18 : 24); i++) c.top[(size_t)j * nx + i] = 20;
        tw_windsolve_initial_desc id = {.grid = c.g, .top = c.top, .u_ref = 5, .v_ref = 1};
        TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, c.w0) == TW_OK);
        tw_windsolve_stats a, b;
        TW_CHECK(solve(&c, false, &a) == TW_OK);
        float *u = malloc(c.cells * sizeof *u), *v = malloc(c.cells * sizeof *v),
              *w = malloc(c.cells * sizeof *w);
        tw_windsolve_desc d = {
            .grid = c.g, .top = c.top, .u0 = c.u0, .v0 = c.v0, .w0 = c.w0, .ws = ws};
        TW_CHECK(tw_windsolve_run(&d, u, v, w, &b) == TW_OK);
        long differ = 0;
        for (size_t n = 0; n < c.cells; n++)
            if (u[n] != c.u[n] || v[n] != c.v[n] || w[n] != c.w[n]) differ++;
        TW_CHECK_MSG(differ == 0 && a.cycles == b.cycles, "round %d: %ld cells differ", round,
                     differ);
        TW_CHECK(b.div <= 1e-3 * b.div0);
        free(u);
        free(v);
        free(w);
        case_free(&c);
    }
    tw_windsolve_workspace_destroy(ws);
}

static void test_nest(void)
{
    case_grid c;
    case_init(&c, 20, 20, 10, 50, 10);
    tw_windsolve_initial_desc id = {.grid = c.g, .u_ref = 3, .v_ref = 4};
    TW_CHECK(tw_windsolve_initial(&id, c.u0, c.v0, c.w0) == TW_OK);
    /* A fine grid of 10 m cells over the middle 200 m, with a tower. */
    tw_windsolve_grid fg = {
        .nx = 20, .ny = 20, .nz = 50, .dx = 10, .dy = 10, .dz = 2, .x0 = 400, .y0 = 400};
    float ftop[400] = {0};
    ftop[10 * 20 + 10] = 30;
    size_t fc = 20 * 20 * 50;
    float *u0 = calloc(fc, 4), *v0 = calloc(fc, 4), *w0 = calloc(fc, 4);
    TW_CHECK(tw_windsolve_nest(&c.g, c.top, c.u0, c.v0, c.w0, &fg, ftop, u0, v0, w0) == TW_OK);
    /* Fine centre z = 15 m (k = 7) is the coarse centre k = 1: same value. */
    TW_CHECK_NEAR(u0[(7 * 20 + 3) * 20 + 3], c.u0[at(&c, 10, 10, 1)], 1e-5);
    TW_CHECK_NEAR(v0[(7 * 20 + 3) * 20 + 3], c.v0[at(&c, 10, 10, 1)], 1e-5);
    /* Half-way between coarse centres 15 and 25 m (fine k = 9, 19 m... use 20 m
     * = k 9.5: take k = 10, centre 21 m): linear in between. */
    double t = (21.0 - 15.0) / 10.0;
    TW_CHECK_NEAR(u0[(10 * 20 + 3) * 20 + 3],
                  (1 - t) * c.u0[at(&c, 10, 10, 1)] + t * c.u0[at(&c, 10, 10, 2)], 1e-5);
    TW_CHECK(u0[(5 * 20 + 10) * 20 + 10] == 0); /* inside the tower */
    fg.x0 = 900;                                /* sticks out of the coarse grid */
    TW_CHECK(tw_windsolve_nest(&c.g, c.top, c.u0, c.v0, c.w0, &fg, ftop, u0, v0, w0) == TW_ERR_ARG);
    free(u0);
    free(v0);
    free(w0);
    case_free(&c);
}

static void test_station_direction(void)
{
    double u, v;
    tw_windsolve_uv_from_direction(5, 0, &u, &v); /* from the north: blows south */
    TW_CHECK_NEAR(u, 0, 1e-12);
    TW_CHECK_NEAR(v, -5, 1e-12);
    tw_windsolve_uv_from_direction(4, 270, &u, &v); /* a westerly: blows east */
    TW_CHECK_NEAR(u, 4, 1e-12);
    TW_CHECK_NEAR(v, 0, 1e-12);
    tw_windsolve_uv_from_direction(2, 135, &u, &v); /* from the south-east */
    TW_CHECK_NEAR(u, -sqrt(2), 1e-12);
    TW_CHECK_NEAR(v, sqrt(2), 1e-12);
}

static void test_bad_args(void)
{
    case_grid c;
    case_init(&c, 8, 8, 4, 10, 10);
    tw_windsolve_desc d = {.grid = c.g, .u0 = c.u0, .v0 = c.v0};
    d.grid.nx = 0;
    TW_CHECK(tw_windsolve_run(&d, c.u, c.v, c.w, NULL) == TW_ERR_ARG);
    d.grid = c.g;
    d.grid.dz = -1;
    TW_CHECK(tw_windsolve_run(&d, c.u, c.v, c.w, NULL) == TW_ERR_ARG);
    d.grid = c.g;
    d.grid.nx = d.grid.ny = 1 << 15;
    TW_CHECK(tw_windsolve_run(&d, c.u, c.v, c.w, NULL) == TW_ERR_TOOBIG);
    d.grid = c.g;
    c.top[3] = 25;
    c.u0[100] = 4; /* something to solve */
    d.top = c.top;
    volatile int cancel = 1;
    d.cancel = &cancel;
    TW_CHECK(tw_windsolve_run(&d, c.u, c.v, c.w, NULL) == TW_ERR_CANCELLED);
    case_free(&c);
}

int main(void)
{
    TW_RUN(test_uniform_flat);
    TW_RUN(test_initial_profile);
    TW_RUN(test_channel);
    TW_RUN(test_block);
    TW_RUN(test_multigrid_convergence);
    TW_RUN(test_workspace);
    TW_RUN(test_nest);
    TW_RUN(test_station_direction);
    TW_RUN(test_bad_args);
    return TW_TEST_END();
}
