/*
 * sort.h: sorts the analyses need, without qsort's global-state comparators
 * (analyses of two snapshots may run on two threads).
 */
#ifndef MS_SORT_H
#define MS_SORT_H

#include "util.h"

/* Three-way comparison of two u32 items (node or string ids) with a payload. */
typedef int (*ms__cmp_u32)(uint32_t a, uint32_t b, const void *ctx);

/* Stable sort of a[0..n) by cmp (bottom-up merge sort, O(n log n); n u32 of
 * scratch).  ms__sort's algorithm written for 32-bit items: it moves words
 * where ms__sort copies items of any size byte by byte (memcpy), and the
 * analyses sort node and string ids on their hot paths.
 * Errors: MS_ENOMEM (a unchanged). */
int ms__sort_u32(uint32_t *a, uint64_t n, ms__cmp_u32 cmp, const void *ctx, ms_error *err);

/* Three-way comparison of two items (rows, records) with a payload. */
typedef int (*ms__cmp)(const void *a, const void *b, const void *ctx);

/* Stable sort of n items of `size` bytes at base by cmp (merge sort,
 * O(n log n); n * size bytes of scratch): qsort with a context instead of
 * file-static state.  Errors: MS_ENOMEM (base unchanged). */
int ms__sort(void *base, uint64_t n, size_t size, ms__cmp cmp, const void *ctx, ms_error *err);

/* Stable LSD radix sort of a[0..n) by bits 8*skip_bytes..63 of each value
 * (the bytes below are carried along unsorted: pack a payload there, e.g.
 * id << 32 | node).  Byte positions where every value agrees are skipped,
 * so small keys cost few passes.  n u64 of scratch.  Errors: MS_ENOMEM. */
int ms__radix_sort_u64(uint64_t *a, uint64_t n, unsigned skip_bytes, ms_error *err);

/* The same for separate keys and u32 values (keys of all 64 bits): both
 * arrays are permuted together.  12 bytes per item of scratch.
 * Errors: MS_ENOMEM. */
int ms__radix_sort_kv(uint64_t *keys, uint32_t *vals, uint64_t n, ms_error *err);

#endif /* MS_SORT_H */
