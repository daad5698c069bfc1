/*
 * pool.h: reuse of large scratch arrays between analyses.
 *
 * The analyses of a snapshot each need a few arrays of one word per node
 * (tens to hundreds of MB) for a short while.  Freeing them returns the
 * pages to the kernel, and the next analysis pays for fresh, zeroed pages
 * again; on virtual machines that first touch costs more than the work
 * done in the memory (docs/performance.md, "First touch of memory").  The
 * pool keeps freed blocks of at least 1 MiB and hands them out again (best
 * fit; a block much larger than the request is trimmed, since its touched
 * pages stay resident), so a sequence of analyses touches little more
 * memory than its largest step.
 *
 * Pooled blocks are ordinary malloc() blocks: whoever ends up owning one may
 * free() it.
 */
#ifndef MS_POOL_H
#define MS_POOL_H

#include "util.h"

#define MS_POOL_MAX 16

typedef struct ms__pool {
    void *block[MS_POOL_MAX];
    uint64_t bytes[MS_POOL_MAX];
    unsigned count;
} ms__pool;

/* Like ms__alloc_array(_zero): n items of `size` bytes into *out_ptr,
 * owned by the caller (give it back with ms__pool_release, or free()),
 * taking the smallest pooled block that fits when there is one.  pool may
 * be NULL.  Errors: MS_ENOMEM naming `what`. */
int ms__pool_alloc(ms__pool *pool, void *out_ptr, uint64_t n, size_t size, bool zero,
                   const char *what, ms_error *err);

/* Gives back a block of n * size bytes (p may be NULL); small blocks are
 * freed.  pool may be NULL (then p is freed). */
void ms__pool_release(ms__pool *pool, void *p, uint64_t n, size_t size);

/* Frees every pooled block. */
void ms__pool_drain(ms__pool *pool);

#endif /* MS_POOL_H */
