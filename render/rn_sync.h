/* A bound on the drawing a software rasterizer holds in flight.
 *
 * llvmpipe bins each triangle into the screen tiles it covers and
 * rasterizes a "scene" of bins on its own threads while the next scene is
 * being set up; a frame of a few million triangles fills several scenes
 * (tens of MB each) before the first is done. Finishing every `every`
 * indices drawn keeps at most about that many in flight: at 600,000
 * buildings this is 200-300 MB of peak memory at a street or oblique
 * view. A hardware GPU gains nothing from it and would stall, so the
 * app asks for it only on a software renderer (rn_sync_software). */
#ifndef RN_SYNC_H
#define RN_SYNC_H

#include <stdbool.h>
#include <stdint.h>

/* Indices between finishes on a software renderer, by default: about as
 * many triangles (walls go up as strips), some 40 MB of llvmpipe's bins
 * at a street view. */
#define RN_SYNC_SW_INDICES 250000u
/* Indices between flushes on a software renderer, by default: a flush
 * hands the scene binned so far to the rasterizer's threads, which then
 * fill it while this thread goes on binning the next (llvmpipe
 * rasterizes nothing before a flush or a finish; a frame of 2,000,000
 * indices was binned whole with the other core idle). */
#define RN_SYNC_SW_FLUSH_INDICES 100000u

/* True for a renderer string (GL_RENDERER) of a CPU rasterizer. */
bool rn_sync_software(const char *renderer);
/* Indices drawn between finishes; 0: never (the default). */
void rn_sync_every(uint32_t indices);
uint32_t rn_sync_every_get(void);
/* Indices drawn between flushes; 0: never (the default). */
void rn_sync_flush_every(uint32_t indices);
uint32_t rn_sync_flush_every_get(void);
/* Counts indices a draw just submitted, flushing and finishing GL at
 * each bound. */
void rn_sync_drawn(uint32_t indices);
/* The finishes so far, and the flushes. */
uint64_t rn_sync_count(void);
uint64_t rn_sync_flush_count(void);

#endif
