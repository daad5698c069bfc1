/*
 * util.c: error records, checked allocation, clock.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"
#include "vec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int ms__fail(ms_error *err, int code, uint64_t offset, const char *fmt, ...)
{
    if (err && err->code == MS_OK) {
        va_list ap;
        err->code = (ms_status)code;
        err->offset = offset;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        /* Messages quote bytes of the input (names, keys): keep them one
         * printable line whatever those bytes are. */
        for (char *c = err->message; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    }
    return code;
}

int ms__check_version(ms_error *err, const char *type, unsigned got, unsigned want)
{
    if (got != want)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "%s.version is %u, expected %u", type, got,
                        want);
    return MS_OK;
}

void ms__error_locate(ms_error *err, const char *name, uint64_t offset)
{
    char rest[sizeof err->message];
    const char *m;
    size_t nl;
    if (!err || err->code == MS_OK || err->code == MS_EINVAL || !name)
        return;
    m = err->message;
    nl = strlen(name);
    if (strncmp(m, name, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ') {
        m += nl + 2;
        if (strncmp(m, "offset ", 7) == 0 && m[7] >= '0' && m[7] <= '9')
            return; /* already "NAME: offset N: ..." */
    }
    if (err->offset == UINT64_MAX)
        err->offset = offset;
    {
        size_t len = strlen(m), head;
        memcpy(rest, m, len + 1);
        head = (size_t)snprintf(err->message, sizeof err->message, "%s: offset %llu: ", name,
                                (unsigned long long)err->offset);
        if (head < sizeof err->message) { /* the rest as fits, cut like vsnprintf cuts */
            size_t room = sizeof err->message - 1 - head;
            len = len < room ? len : room;
            memcpy(err->message + head, rest, len);
            err->message[head + len] = 0;
        }
    }
}

int ms__input_vfail(ms_error *err, int code, const char *name, uint64_t offset, const char *fmt,
                    va_list ap)
{
    char what[400];
    vsnprintf(what, sizeof what, fmt, ap);
    if (offset == UINT64_MAX)
        return ms__fail(err, code, offset, "%s: %s", name, what);
    return ms__fail(err, code, offset, "%s: offset %llu: %s", name, (unsigned long long)offset,
                    what);
}

int ms__input_fail(ms_error *err, int code, const char *name, uint64_t offset, const char *fmt,
                   ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = ms__input_vfail(err, code, name, offset, fmt, ap);
    va_end(ap);
    return rc;
}

int ms__oom(ms_error *err, const char *what)
{
    return ms__fail(err, MS_ENOMEM, UINT64_MAX, "out of memory allocating %s", what);
}

const char *ms_version(void)
{
    return MEMSNAP_VERSION;
}

const char *ms_status_name(ms_status status)
{
    switch (status) {
    case MS_OK: return "MS_OK";
    case MS_ERROR: return "MS_ERROR";
    case MS_ENOMEM: return "MS_ENOMEM";
    case MS_EIO: return "MS_EIO";
    case MS_EFORMAT: return "MS_EFORMAT";
    case MS_ETRUNC: return "MS_ETRUNC";
    case MS_ELIMIT: return "MS_ELIMIT";
    case MS_ENOTFOUND: return "MS_ENOTFOUND";
    case MS_EINVAL: return "MS_EINVAL";
    case MS_ECANCEL: return "MS_ECANCEL";
    default: return "MS_UNKNOWN";
    }
}

static int alloc_common(void *out_ptr, uint64_t n, size_t size, bool zero, const char *what,
                        ms_error *err)
{
    uint64_t bytes;
    void *p;
    if (ms__mul_overflow(n, size, &bytes) || bytes > (uint64_t)PTRDIFF_MAX)
        return ms__fail(err, MS_ENOMEM, UINT64_MAX, "out of memory: %s would need %llu x %zu bytes",
                        what, (unsigned long long)n, size);
    if (bytes == 0)
        bytes = 1;
    p = zero ? calloc(1, (size_t)bytes) : malloc((size_t)bytes);
    if (!p)
        return ms__fail(err, MS_ENOMEM, UINT64_MAX, "out of memory allocating %s (%llu bytes)",
                        what, (unsigned long long)bytes);
    memcpy(out_ptr, &p, sizeof p);
    return MS_OK;
}

int ms__alloc_array(void *out_ptr, uint64_t n, size_t size, const char *what, ms_error *err)
{
    return alloc_common(out_ptr, n, size, false, what, err);
}

int ms__alloc_array_zero(void *out_ptr, uint64_t n, size_t size, const char *what, ms_error *err)
{
    return alloc_common(out_ptr, n, size, true, what, err);
}

int ms__realloc_array(void *ptr_ptr, uint64_t n, size_t size, const char *what, ms_error *err)
{
    uint64_t bytes;
    void *old, *p;
    memcpy(&old, ptr_ptr, sizeof old);
    if (ms__mul_overflow(n, size, &bytes) || bytes > (uint64_t)PTRDIFF_MAX)
        return ms__fail(err, MS_ENOMEM, UINT64_MAX, "out of memory: %s would need %llu x %zu bytes",
                        what, (unsigned long long)n, size);
    if (bytes == 0)
        bytes = 1;
    p = realloc(old, (size_t)bytes);
    if (!p)
        return ms__fail(err, MS_ENOMEM, UINT64_MAX, "out of memory growing %s to %llu bytes", what,
                        (unsigned long long)bytes);
    memcpy(ptr_ptr, &p, sizeof p);
    return MS_OK;
}

char *ms__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

double ms__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ms__sbuf_reserve(ms__sbuf *b, size_t need, ms_error *err)
{
    uint64_t cap = b->cap;
    if (need <= b->cap)
        return MS_OK;
    if (ms__grow(&b->data, &cap, need, 256, 1, "string buffer", err) < 0)
        return MS_ENOMEM;
    b->cap = (size_t)cap;
    return MS_OK;
}

int ms__sbuf_append(ms__sbuf *b, const void *p, size_t n, ms_error *err)
{
    if (ms__sbuf_reserve(b, b->len + n + 1, err) < 0)
        return MS_ENOMEM;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return MS_OK;
}

void ms__sbuf_free(ms__sbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

int ms__grow(void *data_ptr, uint64_t *cap, uint64_t need, uint64_t min, size_t size,
             const char *what, ms_error *err)
{
    uint64_t c = *cap ? *cap : (min ? min : 1);
    if (need <= *cap)
        return MS_OK;
    while (c < need) {
        if (c > UINT64_MAX / 2)
            return ms__oom(err, what);
        c *= 2;
    }
    if (ms__realloc_array(data_ptr, c, size, what, err) < 0)
        return MS_ENOMEM;
    *cap = c;
    return MS_OK;
}

int ms__grow32(void *data_ptr, uint32_t *cap, uint64_t need, uint64_t min, size_t size,
               const char *what, ms_error *err)
{
    uint64_t c = *cap;
    if (need <= c)
        return MS_OK;
    if (need > UINT32_MAX)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "too many %s (more than %u)", what, UINT32_MAX);
    if (ms__grow(data_ptr, &c, need, min, size, what, err) < 0)
        return MS_ENOMEM;
    *cap = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
    return MS_OK;
}

const char *ms_count_text(uint64_t v, char buf[32])
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

const char *ms_size_text(uint64_t v, char buf[32])
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double d = (double)v;
    int u = 0;
    if (v < 1024) {
        snprintf(buf, 32, "%llu B", (unsigned long long)v);
        return buf;
    }
    while (d >= 1024 && u < 5) {
        d /= 1024;
        u++;
    }
    snprintf(buf, 32, d < 10 ? "%.2f %s" : d < 100 ? "%.1f %s" : "%.0f %s", d, units[u]);
    return buf;
}
