/*
 * reader.c: buffered, optionally zstd-decompressing input (see reader.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* The fuzz build (MEMSNAP_FUZZ) sets a tiny window, so that inputs of a
 * few KB cross window boundaries everywhere, as gigabyte files do. */
#ifdef MS_READER_WINDOW
#define WINDOW_BYTES MS_READER_WINDOW
#else
#define WINDOW_BYTES (1u << 20)
#endif

static const uint8_t zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};

static void reader_zero(ms__reader *r)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

/* Raw (possibly compressed) bytes from the source into dst; 0 at its end. */
static int64_t raw_read(ms__reader *r, uint8_t *dst, size_t len, ms_error *err)
{
    if (r->mem) {
        size_t left = r->mem_len - (size_t)r->src_pos;
        size_t n = len < left ? len : left;
        memcpy(dst, r->mem + r->src_pos, n);
        r->src_pos += n;
        return (int64_t)n;
    }
    for (;;) {
        ssize_t n = read(r->fd, dst, len);
        if (n >= 0) {
            r->src_pos += (uint64_t)n;
            return n;
        }
        if (errno != EINTR)
            return ms__fail(err, MS_EIO, ms__reader_offset(r), "%s: read failed: %s", r->name,
                            strerror(errno));
    }
}

static int start_zstd(ms__reader *r, ms_error *err)
{
    r->zd = ZSTD_createDCtx();
    r->zin_cap = ZSTD_DStreamInSize();
    r->zin = malloc(r->zin_cap);
    if (!r->zd || !r->zin)
        return ms__oom(err, "decompression buffers");
    return MS_OK;
}

/* Decompresses into dst; 0 at the end of the compressed stream. */
static int64_t zstd_read(ms__reader *r, uint8_t *dst, size_t len, ms_error *err)
{
    ZSTD_outBuffer out = {dst, len, 0};
    while (out.pos == 0) {
        ZSTD_inBuffer in;
        size_t ret;
        if (r->zin_pos == r->zin_len) {
            int64_t n;
            if (r->src_eof) {
                if (r->zframe_open)
                    return ms__fail(err, MS_ETRUNC, ms__reader_offset(r),
                                    "%s: compressed data ends inside a zstd frame", r->name);
                return 0;
            }
            n = raw_read(r, r->zin, r->zin_cap, err);
            if (n < 0)
                return n;
            if (n == 0) {
                r->src_eof = true;
                continue;
            }
            r->zin_pos = 0;
            r->zin_len = (size_t)n;
        }
        in = (ZSTD_inBuffer){r->zin, r->zin_len, r->zin_pos};
        ret = ZSTD_decompressStream(r->zd, &out, &in);
        r->zin_pos = in.pos;
        if (ZSTD_isError(ret))
            return ms__fail(err, MS_EFORMAT, ms__reader_offset(r),
                            "%s: corrupt zstd data near compressed byte %llu: %s", r->name,
                            (unsigned long long)(r->src_pos - (r->zin_len - r->zin_pos)),
                            ZSTD_getErrorName(ret));
        r->zframe_open = ret != 0;
    }
    return (int64_t)out.pos;
}

static int detect_compression(ms__reader *r, ms_error *err)
{
    uint8_t head[4];
    size_t have = 0;
    if (r->mem) {
        if (r->mem_len >= 4 && memcmp(r->mem, zstd_magic, 4) == 0)
            return start_zstd(r, err);
        return MS_OK;
    }
    while (have < 4) {
        int64_t n = raw_read(r, head + have, 4 - have, err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
        have += (size_t)n;
    }
    if (have == 4 && memcmp(head, zstd_magic, 4) == 0) {
        if (start_zstd(r, err) < 0)
            return MS_ENOMEM;
        memcpy(r->zin, head, 4);
        r->zin_len = 4;
        return MS_OK;
    }
    memcpy(r->buf, head, have);
    r->end = r->buf + have;
    return MS_OK;
}

/* The read window of WINDOW_BYTES, empty; on failure the reader is closed.
 * Errors: MS_ENOMEM. */
static int alloc_window(ms__reader *r, ms_error *err)
{
    r->cap = WINDOW_BYTES;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        ms__reader_close(r);
        return ms__oom(err, "read buffer");
    }
    r->win = r->buf;
    r->p = r->end = r->buf;
    return MS_OK;
}

int ms__reader_open_file(ms__reader *r, const char *path, ms_error *err)
{
    struct stat st;
    reader_zero(r);
    r->name = path;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return ms__fail(err, MS_EIO, UINT64_MAX, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(r->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ms__reader_close(r);
            return ms__fail(err, MS_EIO, UINT64_MAX, "%s: is a directory", path);
        }
        if (S_ISREG(st.st_mode))
            r->src_size = (uint64_t)st.st_size;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    if (alloc_window(r, err) < 0)
        return MS_ENOMEM;
    if (detect_compression(r, err) < 0) {
        ms__reader_close(r);
        return err ? err->code : MS_EIO;
    }
    return MS_OK;
}

int ms__reader_open_memory(ms__reader *r, const void *data, size_t len, const char *name,
                           ms_error *err)
{
    reader_zero(r);
    r->name = name ? name : "<memory>";
    r->mem = data ? data : (const uint8_t *)"";
    r->mem_len = data ? len : 0;
    r->src_size = r->mem_len;
    if (detect_compression(r, err) < 0) {
        ms__reader_close(r);
        return err ? err->code : MS_ENOMEM;
    }
    if (!r->zd) {
        /* Read in place: the window is the whole input. */
        r->win = (uint8_t *)(uintptr_t)r->mem;
        r->p = r->mem;
        r->end = r->mem + r->mem_len;
        r->src_pos = r->mem_len;
        r->eof = true;
        return MS_OK;
    }
    return alloc_window(r, err);
}

void ms__reader_close(ms__reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    free(r->zin);
    ZSTD_freeDCtx(r->zd);
    reader_zero(r);
}

int64_t ms__reader_fill(ms__reader *r, size_t need, ms_error *err)
{
    size_t have = (size_t)(r->end - r->p);
    if (have >= need || r->eof)
        return (int64_t)have;
    /* Slide the unread bytes to the front, growing the window if a caller
     * needs more than it holds. */
    if (need > r->cap) {
        size_t off = (size_t)(r->p - r->buf), len = have;
        uint8_t *nb = malloc(need);
        if (!nb)
            return ms__oom(err, "read buffer");
        memcpy(nb, r->buf + off, len);
        r->base += off;
        free(r->buf);
        r->buf = r->win = nb;
        r->cap = need;
        r->p = nb;
        r->end = nb + len;
    } else if (r->p != r->buf) {
        r->base += (uint64_t)(r->p - r->buf);
        memmove(r->buf, r->p, have);
        r->p = r->buf;
        r->end = r->buf + have;
    }
    r->win = r->buf;
    while ((size_t)(r->end - r->p) < need) {
        size_t room = r->cap - (size_t)(r->end - r->buf);
        int64_t n = r->zd ? zstd_read(r, (uint8_t *)r->end, room, err)
                          : raw_read(r, (uint8_t *)r->end, room, err);
        if (n < 0)
            return n;
        if (n == 0) {
            r->eof = true;
            break;
        }
        r->end += n;
    }
    return (int64_t)(r->end - r->p);
}

int ms__reader_seek(ms__reader *r, uint64_t off, ms_error *err)
{
    if (r->mem && !r->zd) {
        if (off > r->mem_len)
            return ms__fail(err, MS_ETRUNC, off, "%s: offset %llu is past the end", r->name,
                            (unsigned long long)off);
        r->p = r->win + off;
        return MS_OK;
    }
    if (off >= r->base && off <= r->base + (uint64_t)(r->end - r->win)) {
        r->p = r->win + (off - r->base);
        return MS_OK;
    }
    if (!r->zd) {
        if (lseek(r->fd, (off_t)off, SEEK_SET) < 0)
            return ms__fail(err, MS_EIO, off, "%s: cannot seek: %s", r->name, strerror(errno));
        r->src_pos = off;
        r->base = off;
        r->win = r->buf;
        r->p = r->end = r->buf;
        r->eof = false;
        return MS_OK;
    }
    /* Compressed: start over and skip forward. */
    if (off < r->base) {
        ZSTD_DCtx_reset(r->zd, ZSTD_reset_session_only);
        if (r->mem) {
            r->src_pos = 0;
        } else {
            if (lseek(r->fd, 0, SEEK_SET) < 0)
                return ms__fail(err, MS_EIO, off, "%s: cannot seek: %s", r->name,
                                strerror(errno));
            r->src_pos = 0;
        }
        r->src_eof = false;
        r->zframe_open = false;
        r->zin_pos = r->zin_len = 0;
        r->base = 0;
        r->win = r->buf;
        r->p = r->end = r->buf;
        r->eof = false;
    }
    while (r->base + (uint64_t)(r->end - r->win) < off) {
        int64_t n;
        r->p = r->end;
        n = ms__reader_fill(r, 1, err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return ms__fail(err, MS_ETRUNC, off, "%s: offset %llu is past the end", r->name,
                            (unsigned long long)off);
    }
    r->p = r->win + (off - r->base);
    return MS_OK;
}
