/*
 * util.h: the small shared base of the library: error reporting, checked
 * arithmetic, array allocation and propagation macros.
 *
 * Every fallible internal function returns an int status (MS_OK or a negative
 * ms_status) and takes an ms_error * (may be NULL).  ms__fail() formats the
 * message into the caller's record without allocating, so it also works when
 * memory is exhausted.
 */
#ifndef MS_UTIL_H
#define MS_UTIL_H

#include "memsnap.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define MS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MS_LIKELY(x) __builtin_expect(!!(x), 1)
#define MS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MS_PRINTF(f, a)
#define MS_LIKELY(x) (x)
#define MS_UNLIKELY(x) (x)
#endif

/* Records a failure: code, byte offset (UINT64_MAX = none) and a one-line
 * message.  Returns `code` so callers can `return ms__fail(...)`.  The first
 * failure wins: a record that already holds an error is not overwritten, so
 * the innermost, most precise message reaches the user. */
int ms__fail(ms_error *err, int code, uint64_t offset, const char *fmt, ...) MS_PRINTF(4, 5);

/* Checks the version field of a public options struct (`type` names it):
 * MS_EINVAL, "TYPE.version is GOT, expected WANT", when they differ. */
int ms__check_version(ms_error *err, const char *type, unsigned got, unsigned want);

/* Puts a failure about input `name` into the one message format,
 * "NAME: offset N: what is wrong" (docs/robustness.md), for messages from
 * layers that do not know the file (builder, allocation) or the position:
 * "what" and "NAME: what" get the offset err->offset, or `offset` when the
 * error has none (then err->offset is set to it).  Messages already in the
 * format, MS_EINVAL (about the caller, not the input) and a NULL or
 * successful err are left alone.  Never allocates. */
void ms__error_locate(ms_error *err, const char *name, uint64_t offset);

/* A failure about input `name` at byte `offset`, in the one message format
 * of importers: "NAME: offset N: what is wrong" ("NAME: what is wrong" when
 * offset is UINT64_MAX); what is wrong is cut at 400 bytes, so that the
 * name and offset always fit.  Returns `code`.  Never allocates. */
int ms__input_fail(ms_error *err, int code, const char *name, uint64_t offset, const char *fmt,
                   ...) MS_PRINTF(5, 6);
/* The same with a va_list. */
int ms__input_vfail(ms_error *err, int code, const char *name, uint64_t offset, const char *fmt,
                    va_list ap) MS_PRINTF(5, 0);

/* Records "out of memory allocating WHAT" and returns MS_ENOMEM; never
 * allocates. */
int ms__oom(ms_error *err, const char *what);

/* Propagates a failure from `expr` to the function's `done:` label. */
#define MS_TRY(expr)                                                                               \
    do {                                                                                           \
        int ms__rc_ = (expr);                                                                      \
        if (ms__rc_ < 0) {                                                                         \
            rc = ms__rc_;                                                                          \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

/* Checked arithmetic: return true on overflow. */
static inline bool ms__mul_overflow(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}
static inline bool ms__add_overflow(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_add_overflow(a, b, out);
}

/* Unsigned LEB128 (the varints of the .mlyze and Boehm capture formats) at
 * *pp, reading no byte at or past end: 1 with *v set and *pp advanced; 0
 * when the bytes end first (*pp unchanged); -1 when it is longer than 10
 * bytes or beyond 2^64 - 1. */
static inline int ms__leb128(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    if (MS_LIKELY(p < end && *p < 0x80)) {
        *v = *p;
        *pp = p + 1;
        return 1;
    }
    for (unsigned shift = 0; shift < 70; shift += 7) {
        uint8_t c;
        if (p == end)
            return 0;
        c = *p++;
        if (shift == 63 && c > 1)
            return -1;
        x |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *v = x;
            *pp = p;
            return 1;
        }
    }
    return -1;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MS__FROM_LE32(v) __builtin_bswap32(v)
#define MS__FROM_LE64(v) __builtin_bswap64(v)
#else
#define MS__FROM_LE32(v) (v)
#define MS__FROM_LE64(v) (v)
#endif

/* The little-endian integer of 4 or 8 bytes at p (a file format's), on any
 * host; p need not be aligned.  The caller checks the bytes are there. */
static inline uint32_t ms__le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return MS__FROM_LE32(v);
}

static inline uint64_t ms__le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return MS__FROM_LE64(v);
}

/* Allocates n items of `size` bytes (uninitialised, or zeroed with the
 * _zero variant) into *out_ptr (any pointer type), owned by the caller
 * (free()); n == 0 yields a valid unique pointer.  Errors: MS_ENOMEM naming
 * `what`, when n * size overflows or memory is exhausted (*out_ptr
 * unchanged). */
int ms__alloc_array(void *out_ptr, uint64_t n, size_t size, const char *what, ms_error *err);
int ms__alloc_array_zero(void *out_ptr, uint64_t n, size_t size, const char *what, ms_error *err);
/* Resizes the array *ptr_ptr (any pointer type, malloc'd or NULL) to n
 * items of `size` bytes, keeping its contents up to the smaller size.
 * Errors: MS_ENOMEM naming `what` (the array unchanged). */
int ms__realloc_array(void *ptr_ptr, uint64_t n, size_t size, const char *what, ms_error *err);

/* A growable byte buffer; zero-initialise, free with ms__sbuf_free. */
typedef struct ms__sbuf {
    char *data;
    size_t len, cap;
} ms__sbuf;

/* Makes room for `need` bytes in total (the capacity doubles, from 256).
 * Errors: MS_ENOMEM (b unchanged). */
int ms__sbuf_reserve(ms__sbuf *b, size_t need, ms_error *err);
/* Appends n bytes at p and keeps a NUL after them (not counted in len).
 * Errors: MS_ENOMEM (b unchanged). */
int ms__sbuf_append(ms__sbuf *b, const void *p, size_t n, ms_error *err);
/* Frees the bytes and zeroes b (ready for reuse); accepts a zeroed b. */
void ms__sbuf_free(ms__sbuf *b);

/* A malloc'd copy of the NUL-terminated string s, owned by the caller
 * (free()); NULL when memory is exhausted (no error record). */
char *ms__strdup(const char *s);

/* The monotonic clock, in seconds (for durations only). */
double ms__now(void);

#endif /* MS_UTIL_H */
