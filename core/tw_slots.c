/* Handle slots: a free stack plus a generation counter per slot. */
#include "tw_slots.h"

#include <stdlib.h>

tw_result tw_slots_init(tw_slots *s, uint32_t capacity)
{
    s->capacity = 0;
    s->live = 0;
    s->free_count = 0;
    if (capacity == 0 || capacity >= TW_SLOTS_INDEX_MASK) return TW_ERR_ARG;
    s->generation = calloc(capacity, sizeof *s->generation);
    s->free_stack = malloc(capacity * sizeof *s->free_stack);
    if (!s->generation || !s->free_stack) {
        free(s->generation);
        free(s->free_stack);
        s->generation = NULL;
        s->free_stack = NULL;
        return TW_ERR_NOMEM;
    }
    s->capacity = capacity;
    for (uint32_t i = 0; i < capacity; i++) s->free_stack[i] = capacity - 1 - i;
    s->free_count = capacity;
    return TW_OK;
}

void tw_slots_shutdown(tw_slots *s)
{
    free(s->generation);
    free(s->free_stack);
    s->generation = NULL;
    s->free_stack = NULL;
    s->capacity = s->free_count = s->live = 0;
}

uint32_t tw_slots_alloc(tw_slots *s)
{
    if (s->free_count == 0) return 0;
    uint32_t index = s->free_stack[--s->free_count];
    uint16_t gen = (uint16_t)(s->generation[index] + 1);
    s->generation[index] = gen;
    s->live++;
    uint32_t gen_bits = (uint32_t)(gen & 0xFFFu);
    return (gen_bits << TW_SLOTS_INDEX_BITS) | (index + 1u);
}

bool tw_slots_valid(const tw_slots *s, uint32_t id)
{
    uint32_t low = id & TW_SLOTS_INDEX_MASK;
    if (low == 0 || low > s->capacity) return false;
    uint16_t gen = s->generation[low - 1u];
    return (gen & 1u) && (uint32_t)(gen & 0xFFFu) == (id >> TW_SLOTS_INDEX_BITS);
}

void tw_slots_release(tw_slots *s, uint32_t id)
{
    if (!tw_slots_valid(s, id)) return;
    uint32_t index = tw_slots_index(id);
    s->generation[index]++; /* even: free */
    s->free_stack[s->free_count++] = index;
    s->live--;
}
