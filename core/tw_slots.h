/* Generation-checked handles. A handle is { index + generation } packed in a
 * uint32; releasing a slot bumps its generation, so a stale handle (a tile
 * that was unloaded) is detected instead of dereferenced. Id 0 is never valid. */
#ifndef TW_SLOTS_H
#define TW_SLOTS_H

#include "tw_result.h"

#include <stdbool.h>
#include <stdint.h>

#define TW_SLOTS_INDEX_BITS 20u
#define TW_SLOTS_INDEX_MASK ((1u << TW_SLOTS_INDEX_BITS) - 1u)

typedef struct tw_slots {
    uint32_t capacity;
    uint32_t live;
    uint16_t *generation; /* per slot; odd while in use */
    uint32_t *free_stack;
    uint32_t free_count;
} tw_slots;

tw_result tw_slots_init(tw_slots *s, uint32_t capacity);
void tw_slots_shutdown(tw_slots *s);
/* New id, or 0 when every slot is taken. */
uint32_t tw_slots_alloc(tw_slots *s);
void tw_slots_release(tw_slots *s, uint32_t id);
bool tw_slots_valid(const tw_slots *s, uint32_t id);
/* Slot index of a valid id (0..capacity-1). */
static inline uint32_t tw_slots_index(uint32_t id)
{
    return (id & TW_SLOTS_INDEX_MASK) - 1u;
}

#endif
