/*
 * pool.c: scratch array reuse (see pool.h).
 */
#include "pool.h"

#include <string.h>

#define MIN_POOLED (1u << 20)

int ms__pool_alloc(ms__pool *pool, void *out_ptr, uint64_t n, size_t size, bool zero,
                   const char *what, ms_error *err)
{
    uint64_t bytes;
    int best = -1;
    if (!pool || ms__mul_overflow(n, size, &bytes))
        return zero ? ms__alloc_array_zero(out_ptr, n, size, what, err)
                    : ms__alloc_array(out_ptr, n, size, what, err);
    for (unsigned i = 0; i < pool->count; i++)
        if (pool->bytes[i] >= bytes && (best < 0 || pool->bytes[i] < pool->bytes[best]))
            best = (int)i;
    if (best < 0)
        return zero ? ms__alloc_array_zero(out_ptr, n, size, what, err)
                    : ms__alloc_array(out_ptr, n, size, what, err);
    {
        void *p = pool->block[best];
        uint64_t have = pool->bytes[best];
        pool->count--;
        pool->block[best] = pool->block[pool->count];
        pool->bytes[best] = pool->bytes[pool->count];
        if (have - bytes > MIN_POOLED && have - bytes > have / 4) {
            /* Much larger than asked: give the tail back to the kernel, or
             * its touched pages would stay resident for nothing. */
            void *q = realloc(p, (size_t)bytes);
            if (q)
                p = q;
        }
        if (zero)
            memset(p, 0, (size_t)bytes);
        memcpy(out_ptr, &p, sizeof p);
    }
    return MS_OK;
}

void ms__pool_release(ms__pool *pool, void *p, uint64_t n, size_t size)
{
    uint64_t bytes = n * size;
    if (!p)
        return;
    if (!pool || bytes < MIN_POOLED) {
        free(p);
        return;
    }
    if (pool->count == MS_POOL_MAX) {
        /* Full: keep the larger blocks. */
        unsigned smallest = 0;
        for (unsigned i = 1; i < pool->count; i++)
            if (pool->bytes[i] < pool->bytes[smallest])
                smallest = i;
        if (pool->bytes[smallest] >= bytes) {
            free(p);
            return;
        }
        free(pool->block[smallest]);
        pool->block[smallest] = p;
        pool->bytes[smallest] = bytes;
        return;
    }
    pool->block[pool->count] = p;
    pool->bytes[pool->count] = bytes;
    pool->count++;
}

void ms__pool_drain(ms__pool *pool)
{
    for (unsigned i = 0; i < pool->count; i++)
        free(pool->block[i]);
    pool->count = 0;
}
