/*
 * bitset.h: one bit per item (node, edge, class) in an array of 64-bit
 * words: bit i is word i / 64, bit i % 64.  N items take (N + 63) / 64
 * words.  The analyses keep membership (new objects, spent BFS nodes,
 * edges from a larger DFS number) this way: 1/8 byte per item.
 */
#ifndef MS_BITSET_H
#define MS_BITSET_H

#include "util.h"

/* The 64-bit words n bits take. */
static inline uint64_t ms__bitset_words(uint64_t n)
{
    return (n + 63) / 64;
}

/* Bit i of b; i must be below the set's size (not checked: these are the
 * hot loops' tests). */
static inline bool ms__bit(const uint64_t *b, uint64_t i)
{
    return b[i >> 6] >> (i & 63) & 1;
}

/* Sets bit i of b (i below the set's size). */
static inline void ms__bit_set(uint64_t *b, uint64_t i)
{
    b[i >> 6] |= 1ull << (i & 63);
}

/* Clears bit i of b (i below the set's size). */
static inline void ms__bit_clear(uint64_t *b, uint64_t i)
{
    b[i >> 6] &= ~(1ull << (i & 63));
}

/* A bitset of n bits, all clear, owned by the caller (free()).
 * Errors: MS_ENOMEM naming `what`. */
static inline int ms__bitset_alloc(uint64_t **out, uint64_t n, const char *what, ms_error *err)
{
    return ms__alloc_array_zero(out, ms__bitset_words(n), 8, what, err);
}

#endif /* MS_BITSET_H */
