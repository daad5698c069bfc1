/*
 * reader.h: a forward byte window over an input, for the streaming parsers.
 *
 * The input is a file (read() into a 1 MiB window, never mapped or loaded
 * whole, so memory does not grow with the file) or a caller's memory buffer
 * (read in place).  zstd-compressed input is recognised by its magic number
 * and decompressed on the fly.  Offsets are logical: they count bytes of the
 * (decompressed) content from 0, and are what error messages report.
 *
 * Parsers read r->p .. r->end directly and call ms__reader_fill() when they
 * need more bytes than the window holds.
 */
#ifndef MS_READER_H
#define MS_READER_H

#include "../util/util.h"

typedef struct ZSTD_DCtx_s ZSTD_DCtx;

typedef struct ms__reader {
    const char *name;        /* for messages */
    const uint8_t *p, *end;  /* unread bytes of the window */
    bool eof;                /* nothing beyond end */

    /* private */
    uint64_t base;           /* logical offset of win[0] */
    uint8_t *win;            /* window start (buffer, or the memory input) */
    uint8_t *buf;
    size_t cap;
    int fd;
    const uint8_t *mem;
    size_t mem_len;
    uint64_t src_pos, src_size; /* raw bytes consumed / total (0 = unknown) */
    bool src_eof;
    ZSTD_DCtx *zd;
    uint8_t *zin;
    size_t zin_pos, zin_len, zin_cap;
    bool zframe_open;
} ms__reader;

/* Opens `path` for reading (close with ms__reader_close; r is closed on
 * failure).  Errors: MS_EIO (the message has errno's text), MS_ENOMEM. */
int ms__reader_open_file(ms__reader *r, const char *path, ms_error *err);
/* Reads `len` bytes at `data` (not copied; they must outlive the reader;
 * name is for messages, "<memory>" when NULL).  Errors: MS_ENOMEM. */
int ms__reader_open_memory(ms__reader *r, const void *data, size_t len, const char *name,
                           ms_error *err);
/* Closes the file and frees the window; accepts a closed reader. */
void ms__reader_close(ms__reader *r);

/* Makes at least `need` bytes available at r->p unless the input ends first;
 * returns how many are available.  Errors (negative): MS_EIO, MS_EFORMAT
 * (corrupt compressed data), MS_ENOMEM. */
int64_t ms__reader_fill(ms__reader *r, size_t need, ms_error *err);

/* Logical offset of r->p. */
static inline uint64_t ms__reader_offset(const ms__reader *r)
{
    return r->base + (uint64_t)(r->p - r->win);
}

/* Moves to logical offset `off` (backwards or forwards).  Compressed input is
 * decompressed again from the start.  Errors: as ms__reader_fill, MS_ETRUNC. */
int ms__reader_seek(ms__reader *r, uint64_t off, ms_error *err);

/* The share of the raw input consumed, 0 to 1 (0 when the size is
 * unknown), for progress. */
static inline double ms__reader_progress(const ms__reader *r)
{
    return r->src_size ? (double)r->src_pos / (double)r->src_size : 0.0;
}

/* Whether the input is zstd-compressed. */
static inline bool ms__reader_compressed(const ms__reader *r)
{
    return r->zd != NULL;
}

#endif /* MS_READER_H */
