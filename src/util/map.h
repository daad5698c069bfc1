/*
 * map.h: a hash map from 64-bit keys to 32-bit values (table indices:
 * groups, classes, trie nodes, positions), by open addressing with linear
 * probing.  Keys are any 64-bit values; the map mixes them itself.  The
 * value UINT32_MAX marks an empty slot, so it cannot be stored.
 *
 * Layout: `slots` pairs of (key u64, value u32) in two arrays, a power of
 * two of them, at most half full: 24 bytes per entry at worst.
 */
#ifndef MS_MAP_H
#define MS_MAP_H

#include "util.h"

#define MS_MAP_NONE UINT32_MAX

typedef struct ms__map64 {
    uint64_t *keys;
    uint32_t *vals;  /* MS_MAP_NONE = empty slot */
    uint64_t mask;   /* slots - 1 */
    uint64_t count;
} ms__map64;

/* An empty map with room for `expected` entries before it grows.  Free
 * with ms__map64_free.  Errors: MS_ENOMEM (m zeroed). */
int ms__map64_init(ms__map64 *m, uint64_t expected, ms_error *err);
/* Frees the slots and zeroes m; accepts a zeroed m. */
void ms__map64_free(ms__map64 *m);

/* The value of `key`, or MS_MAP_NONE; m must have been initialised. */
uint32_t ms__map64_get(const ms__map64 *m, uint64_t key);

/* The value of `key` in *val; when the key is absent, stores `val_if_new`
 * (not MS_MAP_NONE) first.  *added (may be NULL) tells which.  May grow
 * the map.  Errors: MS_ENOMEM (map unchanged). */
int ms__map64_put(ms__map64 *m, uint64_t key, uint32_t val_if_new, uint32_t *val, bool *added,
                  ms_error *err);

/* The slot hash of a 64-bit key (MurmurHash3's fmix64: every key bit
 * moves every bit of the result); for tables of other shapes too. */
static inline uint64_t ms__hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    k *= 0xC4CEB9FE1A85EC53ull;
    return k ^ (k >> 33);
}

/* A 64-bit mix of v into h (splitmix64's finalizer): for keys made of
 * several fields. */
static inline uint64_t ms__mix64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

#endif /* MS_MAP_H */
