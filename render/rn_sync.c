/* A bound on the drawing a software rasterizer holds in flight. */
#include "rn_sync.h"

#include <epoxy/gl.h>
#include <string.h>

static struct {
    uint32_t every;
    uint64_t since, count;
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

void rn_sync_drawn(uint32_t indices)
{
    if (!rn__sync.every) return;
    rn__sync.since += indices;
    if (rn__sync.since < rn__sync.every) return;
    /* The rasterizer empties its scenes; their memory is reused by the
     * next ones instead of more being taken. */
    glFinish();
    rn__sync.since = 0;
    rn__sync.count++;
}

uint64_t rn_sync_count(void)
{
    return rn__sync.count;
}
