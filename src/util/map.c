/*
 * map.c: hash map from 64-bit keys to 32-bit values (see map.h).
 */
#include "map.h"

#include <string.h>

static int alloc_slots(ms__map64 *m, uint64_t slots, ms_error *err)
{
    uint64_t *keys = NULL;
    uint32_t *vals = NULL;
    if (ms__alloc_array(&keys, slots, 8, "hash map", err) < 0)
        return MS_ENOMEM;
    if (ms__alloc_array(&vals, slots, 4, "hash map", err) < 0) {
        free(keys);
        return MS_ENOMEM;
    }
    memset(vals, 0xFF, slots * 4); /* MS_MAP_NONE */
    m->keys = keys;
    m->vals = vals;
    m->mask = slots - 1;
    return MS_OK;
}

int ms__map64_init(ms__map64 *m, uint64_t expected, ms_error *err)
{
    uint64_t slots = 16;
    memset(m, 0, sizeof *m);
    while (slots < 2 * expected) {
        if (slots > UINT64_MAX / 4)
            return ms__oom(err, "hash map");
        slots *= 2;
    }
    return alloc_slots(m, slots, err);
}

void ms__map64_free(ms__map64 *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

uint32_t ms__map64_get(const ms__map64 *m, uint64_t key)
{
    for (uint64_t i = ms__hash64(key) & m->mask; m->vals[i] != MS_MAP_NONE; i = (i + 1) & m->mask)
        if (m->keys[i] == key)
            return m->vals[i];
    return MS_MAP_NONE;
}

/* Doubles the slots, moving every entry. */
static int grow(ms__map64 *m, ms_error *err)
{
    ms__map64 old = *m;
    if (alloc_slots(m, (old.mask + 1) * 2, err) < 0) {
        *m = old;
        return MS_ENOMEM;
    }
    for (uint64_t j = 0; j <= old.mask; j++) {
        uint64_t i;
        if (old.vals[j] == MS_MAP_NONE)
            continue;
        for (i = ms__hash64(old.keys[j]) & m->mask; m->vals[i] != MS_MAP_NONE; i = (i + 1) & m->mask)
            ;
        m->keys[i] = old.keys[j];
        m->vals[i] = old.vals[j];
    }
    free(old.keys);
    free(old.vals);
    return MS_OK;
}

int ms__map64_put(ms__map64 *m, uint64_t key, uint32_t val_if_new, uint32_t *val, bool *added,
                  ms_error *err)
{
    uint64_t i;
    if ((m->count + 1) * 2 > m->mask + 1 && grow(m, err) < 0)
        return MS_ENOMEM;
    for (i = ms__hash64(key) & m->mask; m->vals[i] != MS_MAP_NONE; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) {
            *val = m->vals[i];
            if (added)
                *added = false;
            return MS_OK;
        }
    }
    m->keys[i] = key;
    m->vals[i] = val_if_new;
    m->count++;
    *val = val_if_new;
    if (added)
        *added = true;
    return MS_OK;
}
