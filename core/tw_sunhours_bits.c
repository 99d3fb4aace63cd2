/* Bit and memory helpers of the fast sun-hours engine (tw_sunhours_fast.c):
 * the scratch arena, the 64 x 64 bit transpose, bit extraction and the
 * fold of a cell's lit steps into its hours. */
#include "tw_sunhours_int.h"

#include <stdlib.h>

/* A block of at least 4 MiB (tw_sunhours_alloc's huge-page path; only
 * the pages touched cost). */
bool tw_sh__arena_init(tw_sh__arena *a, size_t bytes)
{
    a->cap = bytes < ((size_t)4 << 20) ? (size_t)4 << 20 : bytes, a->used = 0;
#ifdef TW__ARENA_EACH
    a->n = 0;
    a->base = (char *)a; /* non-NULL: ready */
    return true;
#else
    a->base = tw_sunhours_alloc(a->cap, false);
    return a->base != NULL;
#endif
}

/* n bytes, 64-byte aligned (NULL when the block is full). */
void *tw_sh__take(tw_sh__arena *a, size_t n)
{
    size_t at = (a->used + 63) & ~(size_t)63;
    if (!a->base || at + n > a->cap) return NULL;
    a->used = at + n;
#ifdef TW__ARENA_EACH
    if (a->n == 64) return NULL;
    return a->each[a->n++] = malloc(n ? n : 1);
#else
    return a->base + at;
#endif
}

void tw_sh__arena_free(tw_sh__arena *a)
{
#ifdef TW__ARENA_EACH
    for (int k = 0; a->base && k < a->n; k++) free(a->each[k]);
#else
    free(a->base);
#endif
    a->base = NULL;
}

/* One round of the 64 x 64 bit transpose: the j x j blocks off the
 * diagonal swapped (j a constant once inlined, so the loop over k
 * vectorizes). */
static inline __attribute__((always_inline)) void tw__t64_round(uint64_t a[64], const int j,
                                                                const uint64_t m)
{
    for (int b = 0; b < 64; b += 2 * j)
        for (int k = b; k < b + j; k++) {
            uint64_t t = ((a[k] >> j) ^ a[k + j]) & m;
            a[k] ^= t << j;
            a[k + j] ^= t;
        }
}

/* Transposes a 64 x 64 bit matrix: bit c of a[r] <-> bit r of a[c].
 * With GCC on x86-64, also built for AVX2 (four words a vector instead
 * of two), picked once at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
void tw_sh__t64(uint64_t a[64])
{
    /* all clear or all set (open ground, a wide shadow): its own transpose */
    uint64_t any = 0, all = ~0ull;
    for (int k = 0; k < 64; k++) any |= a[k], all &= a[k];
    if (any == 0 || all == ~0ull) return;
    tw__t64_round(a, 32, 0x00000000FFFFFFFFull);
    tw__t64_round(a, 16, 0x0000FFFF0000FFFFull);
    tw__t64_round(a, 8, 0x00FF00FF00FF00FFull);
    tw__t64_round(a, 4, 0x0F0F0F0F0F0F0F0Full);
    tw__t64_round(a, 2, 0x3333333333333333ull);
    tw__t64_round(a, 1, 0x5555555555555555ull);
}

/* dst (sw * 64 rows of dw words) = the transpose of src (rows rows of sw
 * words); dw = (rows + 63) / 64. */
void tw_sh__transpose(const uint64_t *src, int rows, int sw, uint64_t *dst, int dw)
{
    uint64_t blk[64];
    for (int rb = 0; rb < dw; rb++)
        for (int cb = 0; cb < sw; cb++) {
            for (int r = 0; r < 64; r++) {
                int rr = rb * 64 + r;
                blk[r] = rr < rows ? src[(size_t)rr * sw + cb] : 0;
            }
            tw_sh__t64(blk);
            for (int c = 0; c < 64; c++) dst[(size_t)(cb * 64 + c) * dw + rb] = blk[c];
        }
}

/* n bits of src (sw words) from bit s into dst. */
void tw_sh__extract(const uint64_t *src, int sw, int s, int n, uint64_t *dst)
{
    int nw = (n + 63) >> 6;
    for (int w = 0; w < nw; w++) {
        int pos = s + 64 * w, q = pos >> 6, sh = pos & 63;
        uint64_t lo = q < sw ? src[q] : 0, hi = sh && q + 1 < sw ? src[q + 1] : 0;
        dst[w] = sh ? lo >> sh | hi << (64 - sh) : lo;
    }
    if (n & 63) dst[nw - 1] &= (1ull << (n & 63)) - 1;
}

/* Adds a chunk of n steps' lit bits (bit t: step t lit) to r; *run carries
 * the 09-15 run across chunks. P*: prefix sums of the chunk's weights. */
void tw_sh__fold(tw_sunhours_result *r, float *run, uint64_t lit, int n, const double *Pt,
                 const double *P8, const double *P9)
{
    if (n < 64) lit &= (1ull << n) - 1;
    double carry = (lit & 1) ? *run : 0, last = 0;
    int last_end = -1;
    while (lit) {
        int a = __builtin_ctzll(lit);
        uint64_t x = ~(lit >> a);
        int e = x ? a + __builtin_ctzll(x) : 64;
        if (e > n) e = n;
        r->hours += (float)(Pt[e] - Pt[a]);
        r->hours_8_16 += (float)(P8[e] - P8[a]);
        double c = (a == 0 ? carry : 0) + (P9[e] - P9[a]);
        if ((float)c > r->cont_9_15) r->cont_9_15 = (float)c;
        last = c, last_end = e;
        lit = e >= 64 ? 0 : lit & (~0ull << e);
    }
    *run = last_end == n ? (float)last : 0;
}
