/*
 * bytes.h: a growing byte buffer for the unit tests that write input
 * files byte by byte from the format documents (the Boehm capture and
 * Memlyze tests): raw bytes, little-endian integers, LEB128 varints.
 */
#ifndef MEMSNAP_TEST_BYTES_H
#define MEMSNAP_TEST_BYTES_H

#include "helpers.h"

#include <stdlib.h>

typedef struct buf {
    uint8_t *p; /* malloc'd; free(p) when done */
    size_t len, cap;
} buf;

/* Appends n bytes at p (the test fails when memory runs out). */
static inline void put(buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void u8(buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}

/* The low `bytes` (at most 8) bytes of v, little-endian. */
static inline void uN(buf *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        u8(b, (unsigned)(v >> (8 * i)) & 0xFF);
}

/* v as an unsigned LEB128 varint. */
static inline void var(buf *b, uint64_t v)
{
    while (v > 127) {
        u8(b, (unsigned)(v & 0x7F) | 0x80);
        v >>= 7;
    }
    u8(b, (unsigned)v);
}

#endif /* MEMSNAP_TEST_BYTES_H */
