/* A bound on the drawing a software rasterizer holds in flight. */
#include "rn_sync.h"

#include <epoxy/gl.h>
#include <string.h>

static struct {
    uint32_t every, flush_every;
    uint64_t since, count, since_flush, flushes;
} rn__sync;

bool rn_sync_software(const char *renderer)
{
    static const char *const cpu[] = {"llvmpipe", "softpipe", "SwiftShader", "swrast"};
    for (size_t k = 0; renderer && k < sizeof cpu / sizeof *cpu; k++)
        if (strstr(renderer, cpu[k])) return true;
    return false;
}

void rn_sync_every(uint32_t indices)
{
    rn__sync.every = indices;
    rn__sync.since = 0;
}

uint32_t rn_sync_every_get(void)
{
    return rn__sync.every;
}

void rn_sync_flush_every(uint32_t indices)
{
    rn__sync.flush_every = indices;
    rn__sync.since_flush = 0;
}

uint32_t rn_sync_flush_every_get(void)
{
    return rn__sync.flush_every;
}

void rn_sync_drawn(uint32_t indices)
{
    rn__sync.since += indices, rn__sync.since_flush += indices;
    if (rn__sync.every && rn__sync.since >= rn__sync.every) {
        /* The rasterizer empties its scenes; their memory is reused by
         * the next ones instead of more being taken. */
        glFinish();
        rn__sync.since = rn__sync.since_flush = 0;
        rn__sync.count++;
    } else if (rn__sync.flush_every && rn__sync.since_flush >= rn__sync.flush_every) {
        glFlush(); /* what is binned goes to the rasterizer's threads now */
        rn__sync.since_flush = 0;
        rn__sync.flushes++;
    }
}

uint64_t rn_sync_count(void)
{
    return rn__sync.count;
}

uint64_t rn_sync_flush_count(void)
{
    return rn__sync.flushes;
}
