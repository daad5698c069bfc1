/*
 * vec.h: growing arrays.  A growable array is a pointer, a count and a
 * capacity (in items) kept by its owner; ms__grow makes room before an
 * append, doubling the capacity so that n appends cost O(n) copies.
 */
#ifndef MS_VEC_H
#define MS_VEC_H

#include "util.h"

/* Makes room for `need` items of `size` bytes in the array *data_ptr
 * (any pointer type) of capacity *cap items: when need > *cap, the capacity
 * doubles (starting from `min` items) until it holds them, and the array is
 * reallocated, contents kept.  Nothing changes when it fits already.
 * Errors: MS_ENOMEM naming `what` (the array and *cap unchanged). */
int ms__grow(void *data_ptr, uint64_t *cap, uint64_t need, uint64_t min, size_t size,
             const char *what, ms_error *err);

/* The same for a capacity kept as 32 bits (tables of names, sites, marks),
 * which stops at UINT32_MAX.  Errors: MS_ELIMIT when need passes
 * UINT32_MAX items ("too many WHAT"), MS_ENOMEM. */
int ms__grow32(void *data_ptr, uint32_t *cap, uint64_t need, uint64_t min, size_t size,
               const char *what, ms_error *err);

#endif /* MS_VEC_H */
