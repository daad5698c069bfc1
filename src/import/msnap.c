/*
 * msnap.c: the native graph file's container and the graph's sections
 * (msnap.h; the format: docs/formats/msnap.md).
 *
 * Reading trusts nothing: the footer's directory offset, every section's
 * offset, size and chunk sizes are checked against the file's size (and
 * each other) when the file is opened, before anything is allocated from
 * them; element counts are checked against what the graph's counts call
 * for, so an array is only ever allocated at the size the META section
 * claims and the file proves it holds (each chunk of 2^shift elements
 * takes at least MS__MSNAP_FRAME_MIN bytes of the file, so a file of B
 * bytes claims at most B / 8 x 2^16 elements of a section); a chunk must
 * decompress to exactly its size; then every value is checked where it is
 * read (chunk_ok for each chunk, ms__graph_check once the graph is whole).
 */
#define _GNU_SOURCE /* pread, F_DUPFD_CLOEXEC */
#include "msnap.h"

#include "import.h"

#include "../snapshot/trace.h"
#include "../util/bitset.h"
#include "../util/task.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

const uint8_t ms__msnap_magic[8] = {0x89, 'M', 'S', 'N', 'A', 'P', '\r', '\n'};
static const uint8_t end_magic[8] = {'M', 'S', 'N', 'A', 'P', 'E', 'N', 'D'};

#define META_FIXED 144u /* bytes of META before the type names and the trace */
#define TRACE_INFO 176u /* bytes of the trace facts in META */

enum {
    META_DOM_STATE = 1,
    META_ANALYSES = 2,
    META_TRACE = 4,
    META_PROCESS = 8,
    META_KNOWN = 15
};

/* ---- XXH64 (Yann Collet's xxHash, 64-bit; the spec's constants) ----------------- */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }
static inline uint64_t round1(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
static inline uint64_t merge(uint64_t acc, uint64_t v) { return (acc ^ round1(0, v)) * P1 + P4; }

/* State: v[4], total, buffered bytes (mem[4] = 32 bytes), their count. */
typedef struct xxh {
    uint64_t v[4], total, mem[4], memsize;
} xxh;

static void xxh_init(xxh *h)
{
    memset(h, 0, sizeof *h);
    h->v[0] = P1 + P2;
    h->v[1] = P2;
    h->v[2] = 0;
    h->v[3] = 0 - P1;
}

static void xxh_stripe(xxh *h, const uint8_t *p)
{
    for (int i = 0; i < 4; i++)
        h->v[i] = round1(h->v[i], ms__le64(p + 8 * i));
}

static void xxh_update(xxh *h, const void *data, size_t len)
{
    const uint8_t *p = data, *end = p + len;
    uint8_t *mem = (uint8_t *)h->mem;
    h->total += len;
    if (h->memsize + len < 32) {
        memcpy(mem + h->memsize, p, len);
        h->memsize += len;
        return;
    }
    if (h->memsize) {
        size_t k = 32 - (size_t)h->memsize;
        memcpy(mem + h->memsize, p, k);
        xxh_stripe(h, mem);
        p += k;
        h->memsize = 0;
    }
    if ((size_t)(end - p) >= 32) {
        /* the lanes in registers: through h, every byte store could alias
         * them (p is bytes), which halves the speed */
        uint64_t v0 = h->v[0], v1 = h->v[1], v2 = h->v[2], v3 = h->v[3];
        do {
            v0 = round1(v0, ms__le64(p));
            v1 = round1(v1, ms__le64(p + 8));
            v2 = round1(v2, ms__le64(p + 16));
            v3 = round1(v3, ms__le64(p + 24));
            p += 32;
        } while ((size_t)(end - p) >= 32);
        h->v[0] = v0;
        h->v[1] = v1;
        h->v[2] = v2;
        h->v[3] = v3;
    }
    memcpy(mem, p, (size_t)(end - p));
    h->memsize = (uint64_t)(end - p);
}

static uint64_t xxh_digest(const xxh *h)
{
    const uint8_t *p = (const uint8_t *)h->mem, *end = p + h->memsize;
    uint64_t acc;
    if (h->total >= 32) {
        acc = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) + rotl(h->v[3], 18);
        for (int i = 0; i < 4; i++)
            acc = merge(acc, h->v[i]);
    } else {
        acc = h->v[2] + P5;
    }
    acc += h->total;
    for (; end - p >= 8; p += 8) {
        acc ^= round1(0, ms__le64(p));
        acc = rotl(acc, 27) * P1 + P4;
    }
    if (end - p >= 4) {
        acc ^= (uint64_t)ms__le32(p) * P1;
        acc = rotl(acc, 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; p++) {
        acc ^= *p * P5;
        acc = rotl(acc, 11) * P1;
    }
    acc ^= acc >> 33;
    acc *= P2;
    acc ^= acc >> 29;
    acc *= P3;
    acc ^= acc >> 32;
    return acc;
}

/* XXH64 of n bytes at p. */
static uint64_t xxh64(const void *p, size_t n)
{
    xxh h;
    xxh_init(&h);
    xxh_update(&h, p, n);
    return xxh_digest(&h);
}

/* The footer's hash from the blocks' hashes. */
static uint64_t combine(const uint64_t *digests, size_t n)
{
    xxh h;
    xxh_init(&h);
    for (size_t i = 0; i < n; i++) {
        uint8_t b[8];
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(digests[i] >> (8 * k));
        xxh_update(&h, b, 8);
    }
    return xxh_digest(&h);
}

uint64_t ms__msnap_hash(const void *p, size_t n)
{
    size_t blocks = (n + MS__MSNAP_HASH_BLOCK - 1) / MS__MSNAP_HASH_BLOCK;
    uint64_t *d = malloc((blocks ? blocks : 1) * 8), h;
    if (!d)
        return 0;
    for (size_t i = 0; i < blocks; i++) {
        size_t at = i * MS__MSNAP_HASH_BLOCK, len = n - at < MS__MSNAP_HASH_BLOCK ? n - at
                                                                                 : MS__MSNAP_HASH_BLOCK;
        d[i] = xxh64((const uint8_t *)p + at, len);
    }
    h = combine(d, blocks);
    free(d);
    return h;
}

/* ---- Little-endian encoding ------------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- Filters ------------------------------------------------------------------------ */

static void filter_apply(unsigned filter, unsigned elem, void *p, size_t n)
{
    if (filter != MS__FILTER_DELTA || n == 0)
        return;
    if (elem == 4) {
        uint32_t *a = p;
        for (size_t i = n - 1; i > 0; i--)
            a[i] -= a[i - 1];
    } else if (elem == 8) {
        uint64_t *a = p;
        for (size_t i = n - 1; i > 0; i--)
            a[i] -= a[i - 1];
    } else if (elem == 1) {
        uint8_t *a = p;
        for (size_t i = n - 1; i > 0; i--)
            a[i] = (uint8_t)(a[i] - a[i - 1]);
    }
}

static void filter_undo(unsigned filter, unsigned elem, void *p, size_t n)
{
    if (filter != MS__FILTER_DELTA)
        return;
    if (elem == 4) {
        uint32_t *a = p;
        for (size_t i = 1; i < n; i++)
            a[i] += a[i - 1];
    } else if (elem == 8) {
        uint64_t *a = p;
        for (size_t i = 1; i < n; i++)
            a[i] += a[i - 1];
    } else if (elem == 1) {
        uint8_t *a = p;
        for (size_t i = 1; i < n; i++)
            a[i] = (uint8_t)(a[i] + a[i - 1]);
    }
}

/* The byte order of the arrays: the file's is little-endian; a big-endian
 * host swaps each element after reading and before writing. */
static void to_host(unsigned elem, void *p, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    if (elem == 4) {
        uint32_t *a = p;
        for (size_t i = 0; i < n; i++)
            a[i] = __builtin_bswap32(a[i]);
    } else if (elem == 8) {
        uint64_t *a = p;
        for (size_t i = 0; i < n; i++)
            a[i] = __builtin_bswap64(a[i]);
    }
#else
    (void)elem;
    (void)p;
    (void)n;
#endif
}

/* ---- Writing --------------------------------------------------------------------------- */

/* Feeds n bytes to the file's hash, block by block. */
static int hash_bytes(ms__msnap_writer *w, const uint8_t *p, size_t n, ms_error *err)
{
    while (n) {
        size_t k = MS__MSNAP_HASH_BLOCK - (size_t)w->block_fill;
        if (k > n)
            k = n;
        xxh_update((xxh *)w->hash, p, k);
        w->block_fill += k;
        p += k;
        n -= k;
        if (w->block_fill == MS__MSNAP_HASH_BLOCK) {
            if (w->ndigests == w->digests_cap) {
                size_t cap = w->digests_cap ? w->digests_cap * 2 : 64;
                uint64_t *d = realloc(w->digests, cap * 8);
                if (!d)
                    return ms__oom(err, "hash");
                w->digests = d;
                w->digests_cap = cap;
            }
            w->digests[w->ndigests++] = xxh_digest((xxh *)w->hash);
            xxh_init((xxh *)w->hash);
            w->block_fill = 0;
        }
    }
    return MS_OK;
}

static int emit(ms__msnap_writer *w, const void *p, size_t n, ms_error *err)
{
    int rc;
    if (n == 0)
        return MS_OK;
    if ((rc = w->sink(w->ctx, p, n, err)) < 0 || (rc = hash_bytes(w, p, n, err)) < 0)
        return rc;
    w->off += n;
    return MS_OK;
}

int ms__msnap_writer_init(ms__msnap_writer *w, ms__msnap_sink sink, void *ctx, int level,
                          unsigned threads, ms_error *err)
{
    uint8_t h[MS__MSNAP_HEADER];
    _Static_assert(sizeof(xxh) <= sizeof w->hash, "hash state");
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->ctx = ctx;
    w->level = level;
    w->threads = threads > 1 ? 2 : 1;
    xxh_init((xxh *)w->hash);
    memcpy(h, ms__msnap_magic, 8);
    put32(h + 8, MS__MSNAP_VERSION);
    put32(h + 12, MS__MSNAP_HEADER);
    return emit(w, h, sizeof h, err);
}

void ms__msnap_writer_free(ms__msnap_writer *w)
{
    free(w->digests);
    w->digests = NULL;
    for (uint32_t i = 0; i < w->nsections; i++)
        free(w->sec[i].chunk_off);
    free(w->sec);
    w->sec = NULL;
    w->nsections = w->cap = 0;
}

/* Compressing one section's chunks: each thread takes every other chunk
 * into its own buffer; the frames are written in order afterwards. */
typedef struct put_job {
    const uint8_t *data;
    unsigned elem, filter;
    uint64_t count, chunks;
    int level;
    unsigned stride, start;
    uint8_t **frames;    /* [chunks] */
    size_t *frame_len;   /* [chunks] */
} put_job;

static int put_run(void *arg, ms_error *err)
{
    put_job *j = arg;
    const size_t chunk_elems = (size_t)1 << MS__MSNAP_SHIFT;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    uint8_t *tmp = malloc(chunk_elems * j->elem);
    int rc = MS_OK;
    if (!cc || !tmp) {
        rc = ms__oom(err, "compression");
        goto done;
    }
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, j->level);
    for (uint64_t c = j->start; c < j->chunks; c += j->stride) {
        uint64_t first = c << MS__MSNAP_SHIFT;
        size_t n = (size_t)(j->count - first < chunk_elems ? j->count - first : chunk_elems);
        size_t bytes = n * j->elem, bound = ZSTD_compressBound(bytes), got;
        memcpy(tmp, j->data + first * j->elem, bytes);
        filter_apply(j->filter, j->elem, tmp, n);
        to_host(j->elem, tmp, n);
        if (!(j->frames[c] = malloc(bound))) {
            rc = ms__oom(err, "compressed chunk");
            goto done;
        }
        got = ZSTD_compress2(cc, j->frames[c], bound, tmp, bytes);
        if (ZSTD_isError(got)) {
            rc = ms__fail(err, MS_ERROR, UINT64_MAX, "zstd: %s", ZSTD_getErrorName(got));
            goto done;
        }
        j->frame_len[c] = got;
    }
done:
    ZSTD_freeCCtx(cc);
    free(tmp);
    return rc;
}

int ms__msnap_put(ms__msnap_writer *w, uint32_t id, unsigned elem, unsigned filter,
                  uint64_t count, const void *data, ms_error *err)
{
    uint64_t chunks = (count + (1u << MS__MSNAP_SHIFT) - 1) >> MS__MSNAP_SHIFT;
    put_job jobs[2];
    ms__task task;
    ms__msnap_section *s;
    int rc = MS_OK;

    memset(&task, 0, sizeof task);
    memset(jobs, 0, sizeof jobs);
    if (chunks > UINT32_MAX)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "section %u: too many chunks", id);
    if (w->nsections == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 32;
        ms__msnap_section *ns = realloc(w->sec, cap * sizeof *ns);
        if (!ns)
            return ms__oom(err, "sections");
        w->sec = ns;
        w->cap = cap;
    }
    s = &w->sec[w->nsections];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->elem = (uint8_t)elem;
    s->filter = (uint8_t)filter;
    s->shift = MS__MSNAP_SHIFT;
    s->count = count;
    s->offset = w->off;
    s->chunks = (uint32_t)chunks;
    MS_TRY(ms__alloc_array(&s->chunk_off, chunks + 1, 8, "sections", err));
    w->nsections++;

    jobs[0] = (put_job){data, elem, filter, count, chunks, w->level, 1, 0, NULL, NULL};
    MS_TRY(ms__alloc_array_zero(&jobs[0].frames, chunks ? chunks : 1, sizeof(uint8_t *),
                                "compressed chunks", err));
    MS_TRY(ms__alloc_array(&jobs[0].frame_len, chunks ? chunks : 1, sizeof(size_t),
                           "compressed chunks", err));
    if (w->threads > 1 && chunks > 1) {
        jobs[1] = jobs[0];
        jobs[0].stride = jobs[1].stride = 2;
        jobs[1].start = 1;
        ms__task_start(&task, put_run, &jobs[1]);
        if (!task.started)
            jobs[0].stride = 1;
    }
    rc = put_run(&jobs[0], err);
    rc = ms__task_join(&task, rc, err, NULL);
    if (rc < 0)
        goto done;
    for (uint64_t c = 0; c < chunks; c++) {
        s->chunk_off[c] = w->off;
        MS_TRY(emit(w, jobs[0].frames[c], jobs[0].frame_len[c], err));
    }
    s->chunk_off[chunks] = w->off;
    s->bytes = w->off - s->offset;
done:
    if (jobs[0].frames)
        for (uint64_t c = 0; c < chunks; c++)
            free(jobs[0].frames[c]);
    free(jobs[0].frames);
    free(jobs[0].frame_len);
    return rc;
}

int ms__msnap_writer_finish(ms__msnap_writer *w, ms_error *err)
{
    uint64_t dir_off = w->off, dir_bytes = 0;
    uint8_t e[MS__MSNAP_ENTRY], f[MS__MSNAP_FOOTER];
    int rc = MS_OK;
    for (uint32_t i = 0; i < w->nsections; i++) {
        const ms__msnap_section *s = &w->sec[i];
        memset(e, 0, sizeof e);
        put32(e, s->id);
        e[4] = s->elem;
        e[5] = s->filter;
        e[6] = s->shift;
        put64(e + 8, s->count);
        put64(e + 16, s->offset);
        put64(e + 24, s->bytes);
        put32(e + 32, s->chunks);
        MS_TRY(emit(w, e, sizeof e, err));
    }
    for (uint32_t i = 0; i < w->nsections; i++) {
        const ms__msnap_section *s = &w->sec[i];
        for (uint32_t c = 0; c < s->chunks; c++) {
            uint8_t b[4];
            put32(b, (uint32_t)(s->chunk_off[c + 1] - s->chunk_off[c]));
            MS_TRY(emit(w, b, 4, err));
        }
    }
    dir_bytes = w->off - dir_off;
    memset(f, 0, sizeof f);
    put64(f, dir_off);
    put64(f + 8, dir_bytes);
    put32(f + 16, w->nsections);
    MS_TRY(emit(w, f, 24, err));
    /* the last block (the file is never empty there: the header) */
    if (w->block_fill) {
        if (w->ndigests == w->digests_cap) {
            uint64_t *d = realloc(w->digests, (w->digests_cap + 1) * 8);
            if (!d) {
                rc = ms__oom(err, "hash");
                goto done;
            }
            w->digests = d;
            w->digests_cap++;
        }
        w->digests[w->ndigests++] = xxh_digest((xxh *)w->hash);
    }
    put64(f + 24, combine(w->digests, w->ndigests));
    memcpy(f + 32, end_magic, 8);
    rc = w->sink(w->ctx, f + 24, 16, err);
    w->off += 16;
done:
    return rc;
}

/* ---- Reading ------------------------------------------------------------------------------ */

int ms__msnap_probe(const uint8_t *head, size_t len)
{
    return len >= 8 && memcmp(head, ms__msnap_magic, 8) == 0 ? 100 : 0;
}

/* A failure at file offset off, "FILE: offset N: ..." (f in scope). */
#define FAIL(code, off, ...) ms__input_fail(err, code, f->name, off, __VA_ARGS__)

/* n bytes at file offset off into dst.  Errors: MS_EIO, MS_ETRUNC. */
static int read_at(ms__msnap *f, uint64_t off, void *dst, size_t n, ms_error *err)
{
    uint8_t *p = dst;
    if (off > f->size || n > f->size - off)
        return FAIL(MS_ETRUNC, f->size, "the file ends at %llu bytes, inside what starts at %llu",
                    (unsigned long long)f->size, (unsigned long long)off);
    if (f->mem) {
        memcpy(dst, f->mem + off, n);
        return MS_OK;
    }
    while (n) {
        ssize_t got = pread(f->fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return FAIL(MS_EIO, off, "cannot read: %s", strerror(errno));
        if (got == 0)
            return FAIL(MS_ETRUNC, off, "the file ends early (it shrank while open?)");
        p += got;
        off += (uint64_t)got;
        n -= (size_t)got;
    }
    return MS_OK;
}

void ms__msnap_close(ms__msnap *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    ZSTD_freeDCtx(f->dctx);
    free(f->cbuf);
    free(f->sec);
    free(f->offsets);
    free(f->name);
    free(f);
}

/* Hashing a file's blocks: each thread takes every other block, mapped
 * (read 1 MiB at a time where it cannot be).  Like any program that maps
 * a file, memsnap dies of SIGBUS if the file is cut while it hashes it;
 * cut before, the footer or the hash refuses it. */
typedef struct hash_job {
    ms__msnap *f;
    uint64_t *digests;
    size_t blocks, start;
    uint64_t len;
} hash_job;

static int hash_run(void *arg, ms_error *err)
{
    hash_job *j = arg;
    ms__msnap *f = j->f;
    const size_t cap = 1u << 20;
    uint8_t *buf = f->mem ? NULL : malloc(cap);
    int rc = MS_OK;
    if (!f->mem && !buf)
        return ms__oom(err, "hash buffer");
    for (size_t b = j->start; b < j->blocks && rc == MS_OK; b += 2) {
        uint64_t at = (uint64_t)b * MS__MSNAP_HASH_BLOCK;
        uint64_t end = j->len - at < MS__MSNAP_HASH_BLOCK ? j->len : at + MS__MSNAP_HASH_BLOCK;
        void *map;
        xxh h;
        xxh_init(&h);
        if (f->mem) {
            xxh_update(&h, f->mem + at, (size_t)(end - at));
        } else if ((map = mmap(NULL, (size_t)(end - at), PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                               f->fd, (off_t)at)) != MAP_FAILED) {
            /* One block mapped at a time (the page cache, no copy: a
             * third of an open's time is this hash); blocks are 16 MiB,
             * a multiple of any page size. */
            xxh_update(&h, map, (size_t)(end - at));
            munmap(map, (size_t)(end - at));
        } else {
            for (uint64_t off = at; off < end && rc == MS_OK;) {
                size_t n = (size_t)(end - off < cap ? end - off : cap);
                if ((rc = read_at(f, off, buf, n, err)) == MS_OK)
                    xxh_update(&h, buf, n);
                off += n;
            }
        }
        j->digests[b] = xxh_digest(&h);
    }
    free(buf);
    return rc;
}

/* Checks the hash of bytes [0, size - 16) against the footer's, hashing
 * the blocks on two threads. */
static int verify_hash(ms__msnap *f, uint64_t want, unsigned threads, ms_error *err)
{
    const uint64_t len = f->size - 16;
    const size_t blocks = (size_t)((len + MS__MSNAP_HASH_BLOCK - 1) / MS__MSNAP_HASH_BLOCK);
    hash_job jobs[2];
    ms__task task;
    uint64_t *digests = NULL;
    int rc = MS_OK;
    memset(&task, 0, sizeof task);
    MS_TRY(ms__alloc_array(&digests, blocks ? blocks : 1, 8, "hash", err));
    jobs[0] = (hash_job){f, digests, blocks, 0, len};
    jobs[1] = (hash_job){f, digests, blocks, 1, len};
    if (blocks > 1 && (threads < 2 || !ms__task_start(&task, hash_run, &jobs[1]))) {
        rc = hash_run(&jobs[1], err); /* no second thread: both halves here */
        if (rc < 0)
            goto done;
    }
    rc = hash_run(&jobs[0], err);
    rc = ms__task_join(&task, rc, err, NULL);
    if (rc < 0)
        goto done;
    if (combine(digests, blocks) != want)
        rc = FAIL(MS_EFORMAT, f->size - 16,
                  "the file's hash does not match its content: the file is damaged");
done:
    free(digests);
    return rc;
}

int ms__msnap_open(ms__msnap **out, ms__reader *r, bool verify, unsigned threads,
                   ms_error *err)
{
    ms__msnap *f = calloc(1, sizeof *f);
    uint8_t head[MS__MSNAP_HEADER], foot[MS__MSNAP_FOOTER], *dir = NULL;
    uint64_t dir_off, dir_bytes, at, total_chunks = 0;
    uint32_t nsec;
    int rc = MS_OK;

    *out = NULL;
    if (!f || !(f->name = ms__strdup(r->name))) {
        free(f);
        return ms__oom(err, "native file");
    }
    f->fd = -1;
    if (ms__reader_compressed(r)) {
        rc = FAIL(MS_EFORMAT, 0,
                  "a .msnap file is compressed already, by section; decompress this copy "
                  "(zstd -d) and open the .msnap itself");
        goto done;
    }
    if (r->mem) {
        f->mem = r->mem;
        f->size = r->mem_len;
    } else {
        struct stat st;
        if (fstat(r->fd, &st) < 0 || (f->fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
            rc = FAIL(MS_EIO, UINT64_MAX, "cannot read: %s", strerror(errno));
            goto done;
        }
        f->size = (uint64_t)st.st_size;
    }
    if (f->size < MS__MSNAP_HEADER + MS__MSNAP_FOOTER) {
        rc = FAIL(MS_ETRUNC, f->size, "the file ends after %llu bytes, before its footer",
                  (unsigned long long)f->size);
        goto done;
    }
    MS_TRY(read_at(f, 0, head, sizeof head, err));
    if (memcmp(head, ms__msnap_magic, 8) != 0) {
        rc = FAIL(MS_EFORMAT, 0, "not a .msnap file (its magic is missing)");
        goto done;
    }
    f->version = ms__le32(head + 8);
    if (f->version != MS__MSNAP_VERSION) {
        rc = FAIL(MS_EFORMAT, 8,
                  ".msnap version %u; this memsnap reads version %u (convert the snapshot again)",
                  f->version, MS__MSNAP_VERSION);
        goto done;
    }
    if (ms__le32(head + 12) != MS__MSNAP_HEADER) {
        rc = FAIL(MS_EFORMAT, 12, "header size %u, expected %u", ms__le32(head + 12),
                  MS__MSNAP_HEADER);
        goto done;
    }
    MS_TRY(read_at(f, f->size - MS__MSNAP_FOOTER, foot, sizeof foot, err));
    if (memcmp(foot + 32, end_magic, 8) != 0) {
        rc = FAIL(MS_ETRUNC, f->size - 8,
                  "no footer at the end of the file (\"MSNAPEND\"): the file is cut short or "
                  "was not finished");
        goto done;
    }
    dir_off = ms__le64(foot);
    dir_bytes = ms__le64(foot + 8);
    nsec = ms__le32(foot + 16);
    at = f->size - MS__MSNAP_FOOTER;
    if (dir_off < MS__MSNAP_HEADER || dir_off > at || dir_bytes != at - dir_off) {
        rc = FAIL(MS_EFORMAT, at, "directory at %llu of %llu bytes does not end at the footer",
                  (unsigned long long)dir_off, (unsigned long long)dir_bytes);
        goto done;
    }
    if (ms__le32(foot + 20) != 0) {
        rc = FAIL(MS_EFORMAT, at + 20, "reserved footer field is not 0");
        goto done;
    }
    if (nsec == 0 || (uint64_t)nsec > dir_bytes / MS__MSNAP_ENTRY) {
        rc = FAIL(MS_EFORMAT, at + 16, "%u sections cannot fit a directory of %llu bytes", nsec,
                  (unsigned long long)dir_bytes);
        goto done;
    }
    if (verify)
        MS_TRY(verify_hash(f, ms__le64(foot + 24), threads, err));
    /* The directory is at most the file's size: read it whole. */
    MS_TRY(ms__alloc_array(&dir, dir_bytes, 1, "directory", err));
    MS_TRY(read_at(f, dir_off, dir, (size_t)dir_bytes, err));
    MS_TRY(ms__alloc_array_zero(&f->sec, nsec, sizeof *f->sec, "directory", err));
    f->nsections = nsec;
    at = MS__MSNAP_HEADER;
    for (uint32_t i = 0; i < nsec; i++) {
        ms__msnap_section *s = &f->sec[i];
        const uint8_t *e = dir + (uint64_t)i * MS__MSNAP_ENTRY;
        uint64_t eoff = dir_off + (uint64_t)i * MS__MSNAP_ENTRY, need;
        s->id = ms__le32(e);
        s->elem = e[4];
        s->filter = e[5];
        s->shift = e[6];
        s->count = ms__le64(e + 8);
        s->offset = ms__le64(e + 16);
        s->bytes = ms__le64(e + 24);
        s->chunks = ms__le32(e + 32);
        if (e[7] != 0 || ms__le32(e + 36) != 0) {
            rc = FAIL(MS_EFORMAT, eoff, "section %u: reserved fields are not 0", s->id);
            goto done;
        }
        for (uint32_t k = 0; k < i; k++)
            if (f->sec[k].id == s->id) {
                rc = FAIL(MS_EFORMAT, eoff, "section %u appears twice", s->id);
                goto done;
            }
        if (s->id < 0x8000 && (s->id == 0 || (s->id >= MS__SEC_GRAPH_END && s->id < MS__SEC_A_SHALLOW) ||
                               s->id >= MS__SEC_A_END)) {
            rc = FAIL(MS_EFORMAT, eoff, "unknown required section %u (a newer memsnap wrote it)",
                      s->id);
            goto done;
        }
        if ((s->elem != 1 && s->elem != 4 && s->elem != 8) || s->filter > MS__FILTER_DELTA ||
            s->shift < MS__MSNAP_SHIFT_MIN || s->shift > MS__MSNAP_SHIFT_MAX ||
            ((uint64_t)s->elem << s->shift) > MS__MSNAP_CHUNK_MAX) {
            rc = FAIL(MS_EFORMAT, eoff + 4,
                      "section %u: element size %u, filter %u, chunk shift %u not supported",
                      s->id, s->elem, s->filter, s->shift);
            goto done;
        }
        need = (s->count >> s->shift) + ((s->count & ((1ull << s->shift) - 1)) != 0);
        if (need != s->chunks) {
            rc = FAIL(MS_EFORMAT, eoff + 32, "section %u: %u chunks for %llu elements (%llu)",
                      s->id, s->chunks, (unsigned long long)s->count, (unsigned long long)need);
            goto done;
        }
        if (s->offset != at || s->bytes > dir_off - at ||
            s->bytes < (uint64_t)s->chunks * MS__MSNAP_FRAME_MIN) {
            rc = FAIL(MS_EFORMAT, eoff + 16,
                      "section %u: %llu bytes at %llu do not follow the previous section (at "
                      "%llu) inside the file",
                      s->id, (unsigned long long)s->bytes, (unsigned long long)s->offset,
                      (unsigned long long)at);
            goto done;
        }
        at += s->bytes;
        total_chunks += s->chunks;
    }
    if (at != dir_off) {
        rc = FAIL(MS_EFORMAT, dir_off, "%llu bytes between the last section and the directory",
                  (unsigned long long)(dir_off - at));
        goto done;
    }
    if (total_chunks * 4 != dir_bytes - (uint64_t)nsec * MS__MSNAP_ENTRY) {
        rc = FAIL(MS_EFORMAT, dir_off + (uint64_t)nsec * MS__MSNAP_ENTRY,
                  "the chunk table holds %llu bytes, the sections have %llu chunks",
                  (unsigned long long)(dir_bytes - (uint64_t)nsec * MS__MSNAP_ENTRY),
                  (unsigned long long)total_chunks);
        goto done;
    }
    /* total_chunks <= the directory's bytes / 4: the offsets are bounded by the file. */
    MS_TRY(ms__alloc_array(&f->offsets, total_chunks + nsec, 8, "chunk table", err));
    {
        const uint8_t *c = dir + (uint64_t)nsec * MS__MSNAP_ENTRY;
        uint64_t *o = f->offsets;
        for (uint32_t i = 0; i < nsec; i++) {
            ms__msnap_section *s = &f->sec[i];
            uint64_t pos = s->offset;
            s->chunk_off = o;
            for (uint32_t k = 0; k < s->chunks; k++, c += 4) {
                uint32_t len = ms__le32(c);
                if (len < MS__MSNAP_FRAME_MIN || len > s->offset + s->bytes - pos) {
                    rc = FAIL(MS_EFORMAT, (uint64_t)(c - dir) + dir_off,
                              "section %u: chunk %u of %u bytes does not fit the section", s->id,
                              k, len);
                    goto done;
                }
                *o++ = pos;
                pos += len;
            }
            if (pos != s->offset + s->bytes) {
                rc = FAIL(MS_EFORMAT, s->offset,
                          "section %u: its chunks add up to %llu bytes, not %llu", s->id,
                          (unsigned long long)(pos - s->offset), (unsigned long long)s->bytes);
                goto done;
            }
            *o++ = pos;
        }
    }
    if (!(f->dctx = ZSTD_createDCtx())) {
        rc = ms__oom(err, "zstd context");
        goto done;
    }
    *out = f;
    f = NULL;
done:
    free(dir);
    ms__msnap_close(f);
    return rc;
}

const ms__msnap_section *ms__msnap_find(const ms__msnap *f, uint32_t id)
{
    for (uint32_t i = 0; i < f->nsections; i++)
        if (f->sec[i].id == id)
            return &f->sec[i];
    return NULL;
}

int ms__msnap_expect(const ms__msnap *f, uint32_t id, unsigned elem, uint64_t count,
                     bool optional, const ms__msnap_section **out, ms_error *err)
{
    const ms__msnap_section *s = ms__msnap_find(f, id);
    *out = s;
    if (!s) {
        if (optional)
            return MS_OK;
        return ms__input_fail(err, MS_EFORMAT, f->name, f->size - MS__MSNAP_FOOTER,
                              "section %u is missing", id);
    }
    if (s->elem != elem || (count != UINT64_MAX && s->count != count))
        return ms__input_fail(err, MS_EFORMAT, f->name, s->offset,
                              "section %u holds %llu elements of %u bytes, expected %llu of %u",
                              id, (unsigned long long)s->count, s->elem,
                              (unsigned long long)count, elem);
    return MS_OK;
}

/* Decompresses chunk c of s into dst with dctx, reading it through buf
 * (*cap bytes, grown) unless the file is in memory. */
static int read_chunk(ms__msnap *f, const ms__msnap_section *s, uint64_t c, uint8_t *dst,
                      ZSTD_DCtx *dctx, uint8_t **buf, size_t *cap, ms_error *err)
{
    uint64_t off = s->chunk_off[c], len = s->chunk_off[c + 1] - off;
    uint64_t first = c << s->shift;
    size_t n = (size_t)(s->count - first < (1ull << s->shift) ? s->count - first
                                                             : 1ull << s->shift);
    size_t want = n * s->elem, got;
    const uint8_t *src;
    if (f->mem) {
        src = f->mem + off;
    } else {
        if (len > *cap) {
            uint8_t *nb = realloc(*buf, (size_t)len);
            if (!nb)
                return ms__oom(err, "compressed chunk");
            *buf = nb;
            *cap = (size_t)len;
        }
        int rc = read_at(f, off, *buf, (size_t)len, err);
        if (rc < 0)
            return rc;
        src = *buf;
    }
    got = ZSTD_decompressDCtx(dctx, dst, want, src, (size_t)len);
    if (ZSTD_isError(got) || got != want ||
        ZSTD_findFrameCompressedSize(src, (size_t)len) != len)
        return FAIL(MS_EFORMAT, off, "section %u, chunk %llu: %s", s->id, (unsigned long long)c,
                    ZSTD_isError(got) ? ZSTD_getErrorName(got)
                                      : "does not decompress to its size (or has bytes after it)");
    to_host(s->elem, dst, n);
    filter_undo(s->filter, s->elem, dst, n);
    return MS_OK;
}

int ms__msnap_read_chunks(ms__msnap *f, const ms__msnap_section *s, uint64_t first, uint64_t n,
                          void *dst, ms_error *err)
{
    uint8_t *d = dst;
    for (uint64_t c = first; c < first + n && c < s->chunks; c++) {
        int rc = read_chunk(f, s, c, d + ((c - first) << s->shift) * s->elem, f->dctx, &f->cbuf,
                            &f->cbuf_cap, err);
        if (rc < 0)
            return rc;
    }
    return MS_OK;
}

typedef struct read_job {
    ms__msnap *f;
    const ms__msnap_section *s;
    uint8_t *dst;
    uint64_t start, stride;
} read_job;

static int read_run(void *arg, ms_error *err)
{
    read_job *j = arg;
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = MS_OK;
    if (!dctx)
        return ms__oom(err, "zstd context");
    for (uint64_t c = j->start; c < j->s->chunks && rc == MS_OK; c += j->stride)
        rc = read_chunk(j->f, j->s, c, j->dst + (c << j->s->shift) * j->s->elem, dctx, &buf, &cap,
                        err);
    ZSTD_freeDCtx(dctx);
    free(buf);
    return rc;
}

int ms__msnap_read_all(ms__msnap *f, const ms__msnap_section *s, void *dst, unsigned threads,
                       ms_error *err)
{
    read_job jobs[2] = {{f, s, dst, 0, 1}, {f, s, dst, 1, 2}};
    ms__task task;
    int rc;
    memset(&task, 0, sizeof task);
    if (threads > 1 && s->chunks > 3) {
        jobs[0].stride = 2;
        if (!ms__task_start(&task, read_run, &jobs[1]))
            jobs[0].stride = 1;
    }
    if (jobs[0].stride == 1)
        rc = ms__msnap_read_chunks(f, s, 0, s->chunks, dst, err);
    else
        rc = read_run(&jobs[0], err);
    return ms__task_join(&task, rc, err, NULL);
}

int ms__msnap_read_blob(ms__msnap *f, const ms__msnap_section *s, uint8_t **out, size_t *len,
                        ms_error *err)
{
    uint8_t *p = NULL;
    int rc = MS_OK;
    *out = NULL;
    *len = 0;
    MS_TRY(ms__alloc_array(&p, s->count + 1, 1, "section", err));
    MS_TRY(ms__msnap_read_chunks(f, s, 0, s->chunks, p, err));
    p[s->count] = 0;
    *out = p;
    *len = (size_t)s->count;
    p = NULL;
done:
    free(p);
    return rc;
}

/* ---- The graph's sections ------------------------------------------------------------------- */

/* A cursor over a byte blob being decoded; `bad` once anything ran past
 * the end. */
typedef struct cur {
    const uint8_t *p, *end;
    bool bad;
} cur;

static uint32_t get32(cur *c)
{
    if (c->end - c->p < 4) {
        c->bad = true;
        c->p = c->end;
        return 0;
    }
    c->p += 4;
    return ms__le32(c->p - 4);
}

static uint64_t get64(cur *c)
{
    if (c->end - c->p < 8) {
        c->bad = true;
        c->p = c->end;
        return 0;
    }
    c->p += 8;
    return ms__le64(c->p - 8);
}

/* A growing output blob. */
static int b32(ms__sbuf *b, uint32_t v, ms_error *err)
{
    uint8_t x[4];
    put32(x, v);
    return ms__sbuf_append(b, x, 4, err);
}

static int b64(ms__sbuf *b, uint64_t v, ms_error *err)
{
    uint8_t x[8];
    put64(x, v);
    return ms__sbuf_append(b, x, 8, err);
}

static int put_names(ms__sbuf *b, const char *const *names, unsigned count, ms_error *err)
{
    int rc = MS_OK;
    for (unsigned i = 0; i < count; i++) {
        size_t len = strlen(names[i]);
        MS_TRY(b32(b, (uint32_t)len, err));
        MS_TRY(ms__sbuf_append(b, names[i], len, err));
    }
done:
    return rc;
}

/* The trace facts, in a fixed order (TRACE_INFO bytes). */
static int put_trace_info(ms__sbuf *b, const ms_trace_info *t, ms_error *err)
{
    const uint64_t v[] = {t->start_time_us, t->end_time_us, t->heap_time_us, t->records,
                          t->alloc_events, t->free_events, t->unsized_frees, t->gc_events,
                          t->marker_events, t->skipped_records, t->alloc_bytes, t->freed_bytes,
                          (uint64_t)t->final_bytes, (uint64_t)t->peak_bytes, t->peak_time_us,
                          t->gc_objects, t->gc_bytes, t->marks_dropped};
    int rc = MS_OK;
    MS_TRY(b32(b, t->version, err));
    MS_TRY(b32(b, t->extension, err));
    MS_TRY(b32(b, (uint32_t)t->batch_timing, err));
    MS_TRY(b32(b, (uint32_t)t->has_heap, err));
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        MS_TRY(b64(b, v[i], err));
    MS_TRY(b32(b, t->stack_count, err));
    MS_TRY(b32(b, t->site_count, err));
    MS_TRY(b32(b, t->sample_count, err));
    MS_TRY(b32(b, t->mark_count, err));
done:
    return rc;
}

static void get_trace_info(cur *c, ms_trace_info *t)
{
    uint64_t v[18];
    t->version = get32(c);
    t->extension = get32(c);
    t->batch_timing = (int)get32(c);
    t->has_heap = (int)get32(c);
    for (size_t i = 0; i < 18; i++)
        v[i] = get64(c);
    t->start_time_us = v[0];
    t->end_time_us = v[1];
    t->heap_time_us = v[2];
    t->records = v[3];
    t->alloc_events = v[4];
    t->free_events = v[5];
    t->unsized_frees = v[6];
    t->gc_events = v[7];
    t->marker_events = v[8];
    t->skipped_records = v[9];
    t->alloc_bytes = v[10];
    t->freed_bytes = v[11];
    t->final_bytes = (int64_t)v[12];
    t->peak_bytes = (int64_t)v[13];
    t->peak_time_us = v[14];
    t->gc_objects = v[15];
    t->gc_bytes = v[16];
    t->marks_dropped = v[17];
    t->stack_count = get32(c);
    t->site_count = get32(c);
    t->sample_count = get32(c);
    t->mark_count = get32(c);
}

static int write_meta(ms__msnap_writer *w, const ms__graph *g, const ms__msnap_meta *m,
                      ms_error *err)
{
    ms__sbuf b = {0};
    uint32_t flags = (g->dom_state_done ? META_DOM_STATE : 0) | (m->analyses ? META_ANALYSES : 0) |
                     (g->trace ? META_TRACE : 0) | (g->process.known ? META_PROCESS : 0);
    int rc = MS_OK;
    MS_TRY(b32(&b, (uint32_t)m->source_format, err));
    MS_TRY(b32(&b, flags, err));
    MS_TRY(b32(&b, g->node_count, err));
    MS_TRY(b32(&b, g->root, err));
    MS_TRY(b64(&b, g->edge_count, err));
    MS_TRY(b32(&b, g->strings.count, err));
    MS_TRY(b32(&b, g->location_count, err));
    MS_TRY(b64(&b, g->strings.bytes_len, err));
    MS_TRY(b32(&b, g->position_count, err));
    MS_TRY(b32(&b, (g->node_id_hi ? 1u : 0) | (g->self_hi ? 2u : 0) | (g->detachedness ? 4u : 0) |
                       (g->node_site ? 8u : 0) | (g->node_origin ? 16u : 0),
               err));
    MS_TRY(b64(&b, g->total_self_size, err));
    MS_TRY(b64(&b, m->input_bytes, err));
    MS_TRY(b64(&b, m->graph_bytes, err));
    MS_TRY(b64(&b, g->process.pid, err));
    MS_TRY(b64(&b, g->process.program, err));
    MS_TRY(b64(&b, g->process.build_id, err));
    MS_TRY(b64(&b, g->process.start_ticks, err));
    MS_TRY(b64(&b, g->process.boot, err));
    MS_TRY(b32(&b, g->node_type_count, err));
    MS_TRY(b32(&b, g->edge_type_count, err));
    MS_TRY(b32(&b, g->class_origin_count, err));
    MS_TRY(b32(&b, 0, err)); /* reserved */
    MS_TRY(b64(&b, 0, err));
    MS_TRY(b64(&b, 0, err));
    if (b.len != META_FIXED) {
        rc = ms__fail(err, MS_ERROR, UINT64_MAX, "META layout: %zu bytes", b.len);
        goto done;
    }
    MS_TRY(put_names(&b, g->node_type_names, g->node_type_count, err));
    MS_TRY(put_names(&b, g->edge_type_names, g->edge_type_count, err));
    if (g->trace)
        MS_TRY(put_trace_info(&b, &g->trace->info, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_META, 1, MS__FILTER_NONE, b.len, b.data, err));
done:
    ms__sbuf_free(&b);
    return rc;
}

static int write_trace(ms__msnap_writer *w, const ms__trace *t, ms_error *err)
{
    const ms_trace_info *in = &t->info;
    uint64_t *v = NULL;
    uint64_t n = (uint64_t)in->site_count * 6;
    int rc = MS_OK;
    if ((uint64_t)in->sample_count * 5 > n)
        n = (uint64_t)in->sample_count * 5;
    if ((uint64_t)in->mark_count * 6 > n)
        n = (uint64_t)in->mark_count * 6;
    MS_TRY(ms__alloc_array(&v, n ? n : 1, 8, "trace", err));
    for (uint32_t i = 0; i < in->site_count; i++) {
        const ms__trace_site *s = &t->sites[i];
        uint64_t *o = v + (uint64_t)i * 6;
        o[0] = s->name | (uint64_t)s->node << 32;
        o[1] = s->alloc_events;
        o[2] = s->free_events;
        o[3] = s->alloc_bytes;
        o[4] = s->freed_bytes;
        o[5] = (uint64_t)s->live_bytes;
    }
    MS_TRY(ms__msnap_put(w, MS__SEC_TRACE_SITES, 8, MS__FILTER_NONE, (uint64_t)in->site_count * 6,
                         v, err));
    for (uint32_t i = 0; i < in->sample_count; i++) {
        const ms_trace_sample *s = &t->samples[i];
        uint64_t *o = v + (uint64_t)i * 5;
        o[0] = s->time_us;
        o[1] = (uint64_t)s->live_bytes;
        o[2] = (uint64_t)s->min_bytes;
        o[3] = (uint64_t)s->max_bytes;
        o[4] = s->events;
    }
    MS_TRY(ms__msnap_put(w, MS__SEC_TRACE_SAMPLES, 8, MS__FILTER_NONE,
                         (uint64_t)in->sample_count * 5, v, err));
    for (uint32_t i = 0; i < in->mark_count; i++) {
        const ms__trace_mark *m = &t->marks[i];
        uint64_t *o = v + (uint64_t)i * 6;
        o[0] = m->time_us;
        o[1] = m->offset;
        o[2] = (uint64_t)m->live_bytes;
        o[3] = m->objects;
        o[4] = m->bytes;
        o[5] = m->name | (uint64_t)m->kind << 32;
    }
    MS_TRY(ms__msnap_put(w, MS__SEC_TRACE_MARKS, 8, MS__FILTER_NONE, (uint64_t)in->mark_count * 6,
                         v, err));
done:
    free(v);
    return rc;
}

int ms__msnap_write_graph(ms__msnap_writer *w, const ms__graph *g, const ms__msnap_meta *m,
                          ms_error *err)
{
    const uint64_t N = g->node_count, E = g->edge_count;
    uint32_t *tmp = NULL;
    int rc = MS_OK;

    MS_TRY(write_meta(w, g, m, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_STR_BYTES, 1, MS__FILTER_NONE, g->strings.bytes_len,
                         g->strings.bytes, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_STR_ENDS, 8, MS__FILTER_DELTA, g->strings.count,
                         g->strings.offsets + 1, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_NODE_TYPE, 1, MS__FILTER_NONE, N, g->node_type, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_NODE_NAME, 4, MS__FILTER_NONE, N, g->node_name, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_NODE_ID_LO, 4, MS__FILTER_DELTA, N, g->node_id_lo, err));
    if (g->node_id_hi)
        MS_TRY(ms__msnap_put(w, MS__SEC_NODE_ID_HI, 4, MS__FILTER_DELTA, N, g->node_id_hi, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_SELF_LO, 4, MS__FILTER_NONE, N, g->self_lo, err));
    if (g->self_hi)
        MS_TRY(ms__msnap_put(w, MS__SEC_SELF_HI, 4, MS__FILTER_NONE, N, g->self_hi, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_FIRST_EDGE, 4, MS__FILTER_DELTA, N + 1, g->first_edge, err));
    if (g->detachedness)
        MS_TRY(ms__msnap_put(w, MS__SEC_DETACHED, 1, MS__FILTER_NONE, N, g->detachedness, err));
    if (g->node_site)
        MS_TRY(ms__msnap_put(w, MS__SEC_NODE_SITE, 4, MS__FILTER_NONE, N, g->node_site, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_EDGE_WORD, 4, MS__FILTER_NONE, E, g->edge_word, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_EDGE_NAME, 4, MS__FILTER_NONE, E, g->edge_name, err));
    MS_TRY(ms__alloc_array(&tmp, (uint64_t)g->location_count * 2 + 1, 4, "locations", err));
    for (uint32_t i = 0; i < g->location_count; i++) {
        tmp[2 * (uint64_t)i] = g->locations[i].node;
        tmp[2 * (uint64_t)i + 1] = g->locations[i].position;
    }
    MS_TRY(ms__msnap_put(w, MS__SEC_LOCATIONS, 4, MS__FILTER_NONE, (uint64_t)g->location_count * 2,
                         tmp, err));
    free(tmp);
    tmp = NULL;
    MS_TRY(ms__alloc_array(&tmp, (uint64_t)g->position_count * 3 + 1, 4, "positions", err));
    for (uint32_t i = 0; i < g->position_count; i++) {
        tmp[3 * (uint64_t)i] = g->positions[i].script_id;
        tmp[3 * (uint64_t)i + 1] = g->positions[i].line;
        tmp[3 * (uint64_t)i + 2] = g->positions[i].column;
    }
    MS_TRY(ms__msnap_put(w, MS__SEC_POSITIONS, 4, MS__FILTER_NONE, (uint64_t)g->position_count * 3,
                         tmp, err));
    if (g->trace)
        MS_TRY(write_trace(w, g->trace, err));
    if (g->node_origin)
        MS_TRY(ms__msnap_put(w, MS__SEC_NODE_ORIGIN, 1, MS__FILTER_NONE, N, g->node_origin, err));
    _Static_assert(sizeof(ms__class_origin) == 8, "class origins are u32 pairs");
    MS_TRY(ms__msnap_put(w, MS__SEC_CLASS_ORIGINS, 4, MS__FILTER_NONE,
                         (uint64_t)g->class_origin_count * 2, g->class_origins, err));
done:
    free(tmp);
    return rc;
}

/* Type names: count of them, each (u32 length, bytes); the builtin ones
 * must be the builtin names, the others are copied (*have counts the
 * names registered, so that the graph frees them whatever happens). */
static int get_names(ms__msnap *f, cur *c, const char **names, unsigned *have, unsigned count,
                     unsigned builtin, uint64_t base, ms_error *err)
{
    for (unsigned i = 0; i < count; i++) {
        uint32_t len = get32(c);
        char *s;
        if (c->bad || len > (uint64_t)(c->end - c->p) || len > 1024)
            return FAIL(MS_EFORMAT, base, "META: type name %u does not fit", i);
        if (memchr(c->p, 0, len))
            return FAIL(MS_EFORMAT, base, "META: type name %u holds a NUL byte", i);
        if (i < builtin) {
            if (strlen(names[i]) != len || memcmp(names[i], c->p, len) != 0)
                return FAIL(MS_EFORMAT, base, "META: builtin type %u is not \"%s\"", i, names[i]);
        } else {
            for (unsigned k = 0; k < i; k++)
                if (strlen(names[k]) == len && memcmp(names[k], c->p, len) == 0)
                    return FAIL(MS_EFORMAT, base, "META: type name %u repeats type %u", i, k);
            if (!(s = malloc((size_t)len + 1)))
                return ms__oom(err, "type names");
            memcpy(s, c->p, len);
            s[len] = 0;
            names[i] = s;
            *have = i + 1;
        }
        c->p += len;
    }
    return MS_OK;
}

int ms__msnap_read_meta(ms__msnap *f, ms__graph *g, ms__msnap_meta *m, ms_error *err)
{
    const ms__msnap_section *s;
    uint8_t *blob = NULL;
    size_t len;
    uint32_t flags, opt, ntypes, etypes;
    cur c;
    int rc = MS_OK;

    MS_TRY(ms__msnap_expect(f, MS__SEC_META, 1, UINT64_MAX, false, &s, err));
    if (s->count > (1u << 20)) {
        rc = FAIL(MS_EFORMAT, s->offset, "META: %llu bytes, at most 1 MiB",
                  (unsigned long long)s->count);
        goto done;
    }
    MS_TRY(ms__msnap_read_blob(f, s, &blob, &len, err));
    c = (cur){blob, blob + len, false};
    if (len < META_FIXED) {
        rc = FAIL(MS_EFORMAT, s->offset, "META: %zu bytes, fewer than %u", len, META_FIXED);
        goto done;
    }
    m->source_format = (ms_format)get32(&c);
    flags = get32(&c);
    g->node_count = get32(&c);
    g->root = get32(&c);
    g->edge_count = get64(&c);
    g->strings.count = get32(&c);
    g->location_count = get32(&c);
    g->strings.bytes_len = get64(&c);
    g->position_count = get32(&c);
    opt = get32(&c);
    g->total_self_size = get64(&c);
    m->input_bytes = get64(&c);
    m->graph_bytes = get64(&c);
    g->process.pid = get64(&c);
    g->process.program = get64(&c);
    g->process.build_id = get64(&c);
    g->process.start_ticks = get64(&c);
    g->process.boot = get64(&c);
    ntypes = get32(&c);
    etypes = get32(&c);
    g->class_origin_count = get32(&c);
    if (get32(&c) | get64(&c) | get64(&c)) {
        rc = FAIL(MS_EFORMAT, s->offset, "META: reserved fields are not 0");
        goto done;
    }
    g->process.known = (flags & META_PROCESS) != 0;
    g->dom_state_done = (flags & META_DOM_STATE) != 0;
    m->analyses = (flags & META_ANALYSES) != 0;
    if (m->source_format < MS_FORMAT_HEAPSNAPSHOT || m->source_format > MS_FORMAT_BOEHM ||
        (flags & ~(uint32_t)META_KNOWN) || opt > 31) {
        rc = FAIL(MS_EFORMAT, s->offset, "META: source format %u, flags %u, arrays %u unknown",
                  (unsigned)m->source_format, flags, opt);
        goto done;
    }
    if (g->node_count == 0 || g->node_count > MS_NODE_LIMIT || g->root >= g->node_count ||
        g->edge_count > MS_EDGE_LIMIT || g->strings.count == 0 || g->strings.count > UINT32_MAX - 1) {
        rc = FAIL(MS_EFORMAT, s->offset, "META: %u nodes, %llu edges, %u strings, root %u: "
                  "beyond memsnap's limits",
                  g->node_count, (unsigned long long)g->edge_count, g->strings.count, g->root);
        goto done;
    }
    if (ntypes < MS_NT_BUILTIN_COUNT || ntypes > MS_TYPE_LIMIT || etypes < MS_ET_BUILTIN_COUNT ||
        etypes > MS_EDGE_TYPE_LIMIT) {
        rc = FAIL(MS_EFORMAT, s->offset, "META: %u node types, %u edge types", ntypes, etypes);
        goto done;
    }
    g->node_type_count = MS_NT_BUILTIN_COUNT;
    g->edge_type_count = MS_ET_BUILTIN_COUNT;
    MS_TRY(get_names(f, &c, g->node_type_names, &g->node_type_count, ntypes, MS_NT_BUILTIN_COUNT,
                     s->offset, err));
    MS_TRY(get_names(f, &c, g->edge_type_names, &g->edge_type_count, etypes, MS_ET_BUILTIN_COUNT,
                     s->offset, err));
    /* The optional arrays' flags are kept for read_arrays in the pointers'
     * place: which ones the file must hold. */
    m->optional = opt;
    if (flags & META_TRACE) {
        ms_trace_info *t;
        MS_TRY(ms__trace_new(&g->trace, err));
        t = &g->trace->info;
        if ((uint64_t)(c.end - c.p) < TRACE_INFO) {
            rc = FAIL(MS_EFORMAT, s->offset, "META: the trace facts are cut short");
            goto done;
        }
        get_trace_info(&c, t);
        if (t->site_count > MS__TRACE_SITES || t->sample_count > MS__TRACE_SAMPLES ||
            t->mark_count > MS__TRACE_MARKS) {
            rc = FAIL(MS_EFORMAT, s->offset, "META: the trace holds %u sites, %u points, %u marks",
                      t->site_count, t->sample_count, t->mark_count);
            goto done;
        }
    }
    if (c.bad || c.p != c.end) {
        rc = FAIL(MS_EFORMAT, s->offset, "META: %zu bytes, of which %zu are understood", len,
                  (size_t)(c.p - blob));
        goto done;
    }
done:
    free(blob);
    return rc;
}

int ms__msnap_read_strings(ms__msnap *f, ms__graph *g, ms_error *err)
{
    const ms__msnap_section *sb, *se;
    ms__strtab *t = &g->strings;
    const uint32_t count = t->count;
    const uint64_t bytes = t->bytes_len;
    int rc = MS_OK;

    MS_TRY(ms__msnap_expect(f, MS__SEC_STR_BYTES, 1, bytes, false, &sb, err));
    MS_TRY(ms__msnap_expect(f, MS__SEC_STR_ENDS, 8, count, false, &se, err));
    t->count = 0;
    t->bytes_len = 0;
    MS_TRY(ms__alloc_array(&t->bytes, bytes ? bytes : 1, 1, "string bytes", err));
    MS_TRY(ms__alloc_array(&t->offsets, (uint64_t)count + 1, 8, "string offsets", err));
    MS_TRY(ms__msnap_read_chunks(f, sb, 0, sb->chunks, t->bytes, err));
    MS_TRY(ms__msnap_read_chunks(f, se, 0, se->chunks, t->offsets + 1, err));
    t->offsets[0] = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t a = t->offsets[i], b = t->offsets[i + 1];
        if (b <= a || b > bytes || t->bytes[b - 1] != 0) {
            rc = FAIL(MS_EFORMAT, se->offset,
                      "string %u: ends at %llu after %llu, of %llu bytes, or without a NUL", i,
                      (unsigned long long)b, (unsigned long long)a, (unsigned long long)bytes);
            goto done;
        }
    }
    if (t->offsets[count] != bytes) {
        rc = FAIL(MS_EFORMAT, se->offset, "the strings end at %llu of %llu bytes",
                  (unsigned long long)t->offsets[count], (unsigned long long)bytes);
        goto done;
    }
    t->count = count;
    t->cap = count;
    t->bytes_len = t->bytes_cap = bytes;
done:
    return rc;
}

static int read_trace(ms__msnap *f, ms__graph *g, ms_error *err)
{
    ms__trace *t = g->trace;
    ms_trace_info *in = &t->info;
    uint64_t *v = NULL;
    const ms__msnap_section *s;
    int rc = MS_OK;

    MS_TRY(ms__msnap_expect(f, MS__SEC_TRACE_SITES, 8, (uint64_t)in->site_count * 6, false, &s,
                            err));
    MS_TRY(ms__alloc_array(&v, s->count ? s->count : 1, 8, "trace", err));
    MS_TRY(ms__msnap_read_all(f, s, v, 1, err));
    MS_TRY(ms__alloc_array(&t->sites, in->site_count ? in->site_count : 1, sizeof *t->sites,
                           "trace sites", err));
    t->site_cap = in->site_count;
    for (uint32_t i = 0; i < in->site_count; i++) {
        const uint64_t *o = v + (uint64_t)i * 6;
        ms__trace_site *x = &t->sites[i];
        x->name = (uint32_t)o[0];
        x->node = (uint32_t)(o[0] >> 32);
        if (x->name >= g->strings.count || (x->node != MS_NODE_NONE && x->node >= g->node_count)) {
            rc = FAIL(MS_EFORMAT, s->offset, "trace site %u: name %u or node %u out of range", i,
                      x->name, x->node);
            goto done;
        }
        x->alloc_events = o[1];
        x->free_events = o[2];
        x->alloc_bytes = o[3];
        x->freed_bytes = o[4];
        x->live_bytes = (int64_t)o[5];
        /* what the trace holds by construction (trace.h), as readers rely on */
        if (x->live_bytes != (int64_t)(x->alloc_bytes - x->freed_bytes) ||
            (in->has_heap ? x->node != MS_NODE_NONE : x->node == MS_NODE_NONE)) {
            rc = FAIL(MS_EFORMAT, s->offset,
                      "trace site %u: live bytes are not allocated minus freed, or its node is "
                      "not what the trace's kind gives",
                      i);
            goto done;
        }
    }
    if (in->peak_bytes < 0 || in->peak_bytes < in->final_bytes) {
        rc = FAIL(MS_EFORMAT, f->size, "the trace's peak (%lld bytes) is below 0 or its end",
                  (long long)in->peak_bytes);
        goto done;
    }
    free(v);
    v = NULL;
    MS_TRY(ms__msnap_expect(f, MS__SEC_TRACE_SAMPLES, 8, (uint64_t)in->sample_count * 5, false, &s,
                            err));
    MS_TRY(ms__alloc_array(&v, s->count ? s->count : 1, 8, "trace", err));
    MS_TRY(ms__msnap_read_all(f, s, v, 1, err));
    MS_TRY(ms__alloc_array(&t->samples, in->sample_count ? in->sample_count : 1,
                           sizeof *t->samples, "trace series", err));
    t->sample_cap = in->sample_count;
    for (uint32_t i = 0; i < in->sample_count; i++) {
        const uint64_t *o = v + (uint64_t)i * 5;
        ms_trace_sample *x = &t->samples[i];
        *x = (ms_trace_sample){o[0], (int64_t)o[1], (int64_t)o[2], (int64_t)o[3], o[4]};
        if (x->min_bytes > x->live_bytes || x->live_bytes > x->max_bytes ||
            x->max_bytes > in->peak_bytes || x->time_us > in->end_time_us ||
            (i > 0 && x->time_us <= t->samples[i - 1].time_us)) {
            rc = FAIL(MS_EFORMAT, s->offset,
                      "trace point %u: outside its own range or the peak, or out of time order",
                      i);
            goto done;
        }
    }
    free(v);
    v = NULL;
    MS_TRY(ms__msnap_expect(f, MS__SEC_TRACE_MARKS, 8, (uint64_t)in->mark_count * 6, false, &s,
                            err));
    MS_TRY(ms__alloc_array(&v, s->count ? s->count : 1, 8, "trace", err));
    MS_TRY(ms__msnap_read_all(f, s, v, 1, err));
    MS_TRY(ms__alloc_array(&t->marks, in->mark_count ? in->mark_count : 1, sizeof *t->marks,
                           "trace marks", err));
    t->mark_cap = in->mark_count;
    for (uint32_t i = 0; i < in->mark_count; i++) {
        const uint64_t *o = v + (uint64_t)i * 6;
        ms__trace_mark *x = &t->marks[i];
        x->time_us = o[0];
        x->offset = o[1];
        x->live_bytes = (int64_t)o[2];
        x->objects = o[3];
        x->bytes = o[4];
        x->name = (uint32_t)o[5];
        x->kind = (uint32_t)(o[5] >> 32);
        if (x->kind > MS_MARK_GC || (x->kind == MS_MARK_MARKER && x->name >= g->strings.count) ||
            x->time_us > in->end_time_us) {
            rc = FAIL(MS_EFORMAT, s->offset, "trace mark %u: kind %u, name %u", i, x->kind,
                      x->name);
            goto done;
        }
    }
done:
    free(v);
    return rc;
}

/* ---- Reading on demand ------------------------------------------------------------------------ */

/* The reservation of an array: its bytes rounded up to whole pages. */
static size_t page_bytes(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static lazy_array *find_array(ms__msnap *f, void **owner)
{
    for (unsigned i = 0; i < f->narrays; i++)
        if (owner && f->arrays[i].owner == owner)
            return &f->arrays[i];
    return NULL;
}

/* The array whose reservation starts at base. */
static lazy_array *array_at(ms__msnap *f, const void *base)
{
    for (unsigned i = 0; i < f->narrays; i++)
        if (base && f->arrays[i].map == base)
            return &f->arrays[i];
    return NULL;
}

/* Records the first failure met while reading on demand. */
static void sticky(ms__msnap *f, const ms_error *e)
{
    if (!f->failed) {
        f->failed = true;
        f->error = *e;
    }
}

/* The first element of p[0..n) at or past `limit` (below means valid), n
 * when there is none. */
#define FIRST_BAD(T, p, n, cond)                                                                   \
    do {                                                                                           \
        const T *x_ = (const T *)(const void *)(p);                                                \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                      \
            T v = x_[i_];                                                                          \
            if (!(cond))                                                                           \
                return i_;                                                                         \
        }                                                                                          \
        return (n);                                                                                \
    } while (0)

/* The first element of chunk c of array a (n elements at p) whose value
 * the array's kind does not allow; n when all are allowed.  One loop per
 * kind (a chunk is checked as it is read, on the way to an answer). */
static size_t first_bad(const ms__msnap *f, const lazy_array *a, const uint8_t *p, uint64_t c,
                        size_t n)
{
    const ms__graph *g = f->g;
    const uint64_t first = c << a->s->shift, E = g->edge_count, last = a->s->count - 1;
    const uint32_t N = g->node_count, S = g->strings.count;
    switch (a->kind) {
    case LK_TYPE: FIRST_BAD(uint8_t, p, n, v < g->node_type_count);
    case LK_STRING: FIRST_BAD(uint32_t, p, n, v < S);
    case LK_SITE: FIRST_BAD(uint32_t, p, n, v < S || v == MS_SITE_NONE);
    case LK_DETACHED: FIRST_BAD(uint8_t, p, n, v <= 2);
    case LK_FIRST_EDGE: {
        const uint32_t *x = (const uint32_t *)(const void *)p;
        for (size_t i = 0; i < n; i++)
            if (x[i] > a->limit || (i > 0 && x[i] < x[i - 1]) || (first + i == 0 && x[i] != 0) ||
                (first + i == last && x[i] != a->limit))
                return i;
        return n;
    }
    case LK_EDGE_WORD:
        FIRST_BAD(uint32_t, p, n, (v & MS_EDGE_TO_MASK) < N && (v >> 28) < g->edge_type_count);
    case LK_DISTANCE:
        FIRST_BAD(uint32_t, p, n, (int32_t)v >= 0 || (int32_t)v == MS_DISTANCE_UNREACHABLE);
    case LK_NODE: FIRST_BAD(uint32_t, p, n, v < N);
    case LK_EDGE_OR_NONE: FIRST_BAD(uint32_t, p, n, v < E || v == UINT32_MAX);
    case LK_BELOW:
        if (a->s->elem == 4)
            FIRST_BAD(uint32_t, p, n, v < a->limit);
        FIRST_BAD(uint64_t, p, n, v < a->limit);
    default: return n;
    }
}

/* Whether chunk c of a (n elements at p) is all allowed; *bad gets the
 * first element that is not. */
static bool chunk_ok(const ms__msnap *f, const lazy_array *a, const uint8_t *p, uint64_t c,
                     size_t n, uint64_t *bad)
{
    size_t i = first_bad(f, a, p, c, n);
    *bad = (c << a->s->shift) + i;
    return i == n;
}

/* Edge names: string ids where the edge's type is not an index's. */
static bool names_ok(const ms__msnap *f, const uint32_t *word, const uint32_t *name, uint64_t c,
                     unsigned shift, size_t n, uint64_t *bad)
{
    for (size_t i = 0; i < n; i++)
        if (!ms__edge_type_is_indexed(word[i] >> 28) && name[i] >= f->g->strings.count) {
            *bad = (c << shift) + i;
            return false;
        }
    return true;
}

/* LK_PARENT: chunk c of a, read at p (n sources), becomes the edges:
 * source's first edge + rank (from the second section's chunk c), checked
 * against the source's edge count; the graph's edge offsets must be
 * readable whole.  Errors: as read_chunk, MS_EFORMAT (into *e). */
static int parent_edges(ms__msnap *f, const lazy_array *a, uint32_t *p, uint64_t c, size_t n,
                        ZSTD_DCtx *dctx, uint8_t **buf, size_t *cap, bool whole, ms_error *e)
{
    const ms__graph *g = f->g;
    /* once whole, the distances are in memory: each hop comes one nearer
     * (the root's to a user root lands at 1), so no path is a cycle */
    const int32_t *dist = whole && a->aux && !array_at(f, *a->aux) ? *a->aux : NULL;
    uint32_t *rank = malloc(n ? n * 4 : 4);
    int rc = MS_OK;
    if (!rank)
        return ms__oom(e, "path edges");
    if ((rc = read_chunk(f, a->s2, c, (uint8_t *)rank, dctx, buf, cap, e)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = p[i];
        if (u == UINT32_MAX) {
            if (rank[i] != 0)
                break;
            continue;
        }
        if (u >= g->node_count || rank[i] >= g->first_edge[u + 1] - g->first_edge[u] ||
            g->first_edge[u + 1] < g->first_edge[u]) {
            rc = ms__input_fail(e, MS_EFORMAT, f->name, a->s->chunk_off[c],
                                "section %u: node %llu's path comes from no edge of node %u",
                                a->s->id, (unsigned long long)((c << a->s->shift) + i), u);
            goto done;
        }
        p[i] = g->first_edge[u] + rank[i];
        if (dist) {
            int32_t dn = dist[(c << a->s->shift) + i], du = dist[u];
            if (du < 0 || (dn != du + 1 && !(u == g->root && dn == 1))) {
                rc = ms__input_fail(e, MS_EFORMAT, f->name, a->s->chunk_off[c],
                                    "section %u: node %llu's path comes from node %u at distance "
                                    "%d, not one hop nearer than its %d",
                                    a->s->id, (unsigned long long)((c << a->s->shift) + i), u, du,
                                    dn);
                goto done;
            }
        }
    }
done:
    free(rank);
    return rc;
}

/* Elements in chunk c of a. */
static size_t chunk_len(const lazy_array *a, uint64_t c)
{
    uint64_t first = c << a->s->shift, left = a->s->count - first;
    return (size_t)(left < (1ull << a->s->shift) ? left : 1ull << a->s->shift);
}

static void load_chunk(ms__msnap *f, lazy_array *a, uint64_t c);
static void lazy_offsets(ms__lazy *l);

/* After chunk c of a is in place at p: its checks, and the ones that need
 * a neighbour (edge names with their edge words, offsets across chunks).
 * A chunk that fails reads as zeros. */
static void check_chunk(ms__msnap *f, lazy_array *a, uint8_t *p, uint64_t c, ms_error *e)
{
    size_t n = chunk_len(a, c);
    uint64_t bad = 0;
    bool ok = chunk_ok(f, a, p, c, n, &bad);
    if (ok && a->kind == LK_EDGE_NAME) {
        lazy_array *w = find_array(f, (void **)&f->g->edge_word);
        if (w && c < w->s->chunks && w->s->shift == a->s->shift) {
            load_chunk(f, w, c);
            ok = names_ok(f, (const uint32_t *)(const void *)(w->map + (c << w->s->shift) * 4),
                          (const uint32_t *)(const void *)p, c, a->s->shift, n, &bad);
        }
    }
    if (ok && a->kind == LK_FIRST_EDGE && a->map) {
        const uint32_t *v = (const uint32_t *)(const void *)a->map;
        uint64_t lo = c << a->s->shift;
        if (c > 0 && ms__bit(a->loaded, c - 1) && v[lo - 1] > v[lo])
            ok = false, bad = lo;
        if (c + 1 < a->s->chunks && ms__bit(a->loaded, c + 1) && v[lo + n - 1] > v[lo + n])
            ok = false, bad = lo + n;
    }
    if (!ok) {
        ms__input_fail(e, MS_EFORMAT, f->name, a->s->chunk_off[c],
                       "section %u: element %llu is out of range", a->s->id,
                       (unsigned long long)bad);
        memset(p, 0, n * a->s->elem);
    }
}

/* Decompresses chunk c of a into its reservation, once. */
static void load_chunk(ms__msnap *f, lazy_array *a, uint64_t c)
{
    const size_t chunk_bytes = (size_t)a->s->elem << a->s->shift;
    uint8_t *p;
    ms_error e = MS_ERROR_INIT;
    if (c >= a->s->chunks || ms__bit(a->loaded, c))
        return;
    ms__bit_set(a->loaded, c);
    if (--a->left == 0 && a->field) {
        /* every chunk is in: the field's touches stop when all its arrays are */
        unsigned all = a->field;
        for (unsigned i = 0; i < f->ngraph; i++)
            if ((f->arrays[i].field & a->field) && f->arrays[i].left)
                all = 0;
        f->lazy.complete |= all;
    }
    p = a->map + c * chunk_bytes;
    {
        /* the pages of the chunk become readable (chunks are whole pages,
         * or share them with their neighbours: then those are readable
         * early, which costs only the fault a missing touch would give) */
        size_t pg = page_bytes();
        uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(pg - 1);
        uintptr_t hi = ((uintptr_t)p + chunk_len(a, c) * a->s->elem + pg - 1) & ~(uintptr_t)(pg - 1);
        /* Scattered chunks split the mapping: past the kernel's limit of
         * mappings, the whole reservation becomes readable (one mapping
         * again), which only gives up the fault a missing touch makes. */
        if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE) != 0 &&
            mprotect(a->map, a->map_bytes, PROT_READ | PROT_WRITE) != 0) {
            ms__input_fail(&e, MS_ENOMEM, f->name, UINT64_MAX, "cannot map memory: %s",
                           strerror(errno));
            sticky(f, &e);
            return;
        }
    }
    if (a->kind == LK_PARENT)
        lazy_offsets(&f->lazy); /* (before the chunk: it reads the offsets) */
    if (read_chunk(f, a->s, c, p, f->dctx, &f->cbuf, &f->cbuf_cap, &e) < 0 ||
        (a->kind == LK_PARENT && parent_edges(f, a, (uint32_t *)(void *)p, c, chunk_len(a, c),
                                              f->dctx, &f->cbuf, &f->cbuf_cap, false, &e) < 0)) {
        /* (a path edge of zeros would name edge 0: none instead) */
        memset(p, a->kind == LK_PARENT ? 0xff : 0, chunk_len(a, c) * a->s->elem);
        sticky(f, &e);
        return;
    }
    check_chunk(f, a, p, c, &e);
    if (e.code != MS_OK)
        sticky(f, &e);
}

static void need(ms__msnap *f, lazy_array *a, uint64_t first, uint64_t count)
{
    if (!a || !a->map || !a->left || count == 0 || first >= a->s->count)
        return;
    if (count > a->s->count - first)
        count = a->s->count - first;
    for (uint64_t c = first >> a->s->shift; c <= (first + count - 1) >> a->s->shift; c++)
        load_chunk(f, a, c);
}

void ms__msnap_need(ms__msnap *f, const void *base, uint64_t first, uint64_t count)
{
    need(f, array_at(f, base), first, count);
}

#define LAZY_OF(l) ((ms__msnap *)(void *)((char *)(l) - offsetof(ms__msnap, lazy)))

static void lazy_node(ms__lazy *l, uint32_t n, unsigned which)
{
    ms__msnap *f = LAZY_OF(l);
    for (unsigned i = 0; i < f->ngraph; i++) {
        lazy_array *a = &f->arrays[i];
        if (a->field & which)
            need(f, a, n, a->kind == LK_FIRST_EDGE ? 2 : 1);
    }
}

static void lazy_edge(ms__lazy *l, uint64_t e)
{
    ms__msnap *f = LAZY_OF(l);
    need(f, find_array(f, (void **)&f->g->edge_word), e, 1);
    need(f, find_array(f, (void **)&f->g->edge_name), e, 1);
}

static void lazy_edges(ms__lazy *l, uint32_t n)
{
    ms__msnap *f = LAZY_OF(l);
    const ms__graph *g = f->g;
    uint32_t a, b;
    lazy_node(l, n, MS__T_ALL);
    if (n >= g->node_count)
        return;
    a = g->first_edge[n];
    b = g->first_edge[n + 1];
    if (b > a) {
        need(f, find_array(f, (void **)&f->g->edge_word), a, b - a);
        need(f, find_array(f, (void **)&f->g->edge_name), a, b - a);
    }
}

static void lazy_offsets(ms__lazy *l)
{
    ms__msnap *f = LAZY_OF(l);
    need(f, find_array(f, (void **)&f->g->first_edge), 0, (uint64_t)f->g->node_count + 1);
}

static void lazy_array_cb(ms__lazy *l, const void *base, uint64_t first, uint64_t count)
{
    ms__msnap_need(LAZY_OF(l), base, first, count);
}

int ms__msnap_lazy_add(ms__msnap *f, uint32_t id, unsigned elem, uint64_t count, bool optional,
                       unsigned kind, uint64_t limit, void **owner, ms_error *err)
{
    const ms__msnap_section *s;
    lazy_array *a;
    size_t pg = page_bytes(), bytes;
    int rc = MS_OK;
    *owner = NULL;
    MS_TRY(ms__msnap_expect(f, id, elem, count, optional, &s, err));
    if (!s)
        goto done;
    if (f->narrays >= MS__MSNAP_LAZY_MAX) {
        rc = ms__fail(err, MS_ERROR, UINT64_MAX, "too many arrays read on demand");
        goto done;
    }
    a = &f->arrays[f->narrays];
    memset(a, 0, sizeof *a);
    a->s = s;
    a->owner = owner;
    a->kind = kind;
    a->limit = limit;
    a->left = s->chunks;
    bytes = (size_t)(count ? count : 1) * elem;
    a->map_bytes = (bytes + pg - 1) / pg * pg;
    a->map = mmap(NULL, a->map_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                  0);
    if (a->map == MAP_FAILED) {
        a->map = NULL;
        rc = ms__oom(err, "an array's reservation");
        goto done;
    }
    if ((rc = ms__bitset_alloc(&a->loaded, s->chunks ? s->chunks : 1, "chunks read", err)) < 0) {
        munmap(a->map, a->map_bytes);
        goto done;
    }
    *owner = a->map;
    f->narrays++;
done:
    return rc;
}

/* Completing: each thread takes every other chunk not read yet into the
 * new array; chunks read already are copied. */
typedef struct finish_job {
    ms__msnap *f;
    lazy_array *a;
    uint8_t *dst;
    uint64_t start, stride;
    ms_error err;
    bool failed;
} finish_job;

static int finish_run(void *arg, ms_error *err)
{
    finish_job *j = arg;
    ms__msnap *f = j->f;
    lazy_array *a = j->a;
    const size_t chunk_bytes = (size_t)a->s->elem << a->s->shift;
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = MS_OK;
    if (!dctx)
        return ms__oom(err, "zstd context");
    for (uint64_t c = j->start; c < a->s->chunks && rc == MS_OK; c += j->stride) {
        uint8_t *p = j->dst + c * chunk_bytes;
        size_t n = chunk_len(a, c);
        uint64_t bad;
        /* (a path chunk read on demand is read again: its hops are
         * checked against the distances only now) */
        if (ms__bit(a->loaded, c) && a->kind != LK_PARENT) {
            memcpy(p, a->map + c * chunk_bytes, n * a->s->elem);
            continue;
        }
        if ((rc = read_chunk(f, a->s, c, p, dctx, &buf, &cap, err)) < 0)
            break;
        if (a->kind == LK_PARENT) {
            rc = parent_edges(f, a, (uint32_t *)(void *)p, c, n, dctx, &buf, &cap, true, err);
            continue;
        }
        if (!chunk_ok(f, a, p, c, n, &bad))
            rc = ms__input_fail(err, MS_EFORMAT, f->name, a->s->chunk_off[c],
                                "section %u: element %llu is out of range", a->s->id,
                                (unsigned long long)bad);
    }
    ZSTD_freeDCtx(dctx);
    free(buf);
    return rc;
}

/* Completes array a into a malloc'd copy that replaces the reservation. */
static int finish_array(ms__msnap *f, lazy_array *a, unsigned threads, ms_error *err)
{
    finish_job jobs[2];
    ms__task task;
    uint8_t *dst = NULL;
    int rc = MS_OK;
    memset(&task, 0, sizeof task);
    MS_TRY(ms__alloc_array(&dst, a->s->count ? a->s->count : 1, a->s->elem, "graph arrays", err));
    jobs[0] = (finish_job){f, a, dst, 0, 1, MS_ERROR_INIT, false};
    jobs[1] = (finish_job){f, a, dst, 1, 2, MS_ERROR_INIT, false};
    if (threads > 1 && a->s->chunks > 3) {
        jobs[0].stride = 2;
        if (!ms__task_start(&task, finish_run, &jobs[1]))
            jobs[0].stride = 1;
    }
    rc = finish_run(&jobs[0], err);
    rc = ms__task_join(&task, rc, err, NULL);
    if (rc < 0)
        goto done;
    munmap(a->map, a->map_bytes);
    a->map = NULL;
    *a->owner = dst;
    dst = NULL;
done:
    free(dst);
    return rc;
}

int ms__msnap_finish(ms__msnap *f, unsigned threads, ms_error *err)
{
    ms__graph *g = f->g;
    uint64_t total = 0;
    int rc = MS_OK;
    if (f->failed) {
        if (err && err->code == MS_OK)
            *err = f->error;
        return f->error.code;
    }
    for (unsigned i = 0; i < f->narrays; i++)
        if (f->arrays[i].map)
            MS_TRY(finish_array(f, &f->arrays[i], threads, err));
    g->lazy = NULL;
    if ((rc = ms__graph_check(g, err)) < 0) {
        ms__error_locate(err, f->name, f->size - MS__MSNAP_FOOTER);
        goto done;
    }
    for (uint32_t n = 0; n < g->node_count; n++)
        if (ms__add_overflow(total, ms__node_self(g, n), &total))
            break;
    if (total != g->total_self_size) {
        rc = FAIL(MS_EFORMAT, ms__msnap_find(f, MS__SEC_SELF_LO)->offset,
                  "the self sizes add up to %llu bytes, META says %llu",
                  (unsigned long long)total, (unsigned long long)g->total_self_size);
        goto done;
    }
done:
    return rc;
}

void ms__msnap_damaged(ms__msnap *f, const ms__msnap_section *s, const char *what)
{
    ms_error e = MS_ERROR_INIT;
    ms__input_fail(&e, MS_EFORMAT, f->name, s ? s->offset : f->size, "section %u: %s",
                   s ? s->id : 0, what);
    sticky(f, &e);
}

int ms__msnap_lazy_pair(ms__msnap *f, void **owner, uint32_t id2, void **dist, ms_error *err)
{
    lazy_array *a = find_array(f, owner);
    const ms__msnap_section *s2;
    int rc;
    if (!a)
        return MS_OK;
    if ((rc = ms__msnap_expect(f, id2, 4, a->s->count, false, &s2, err)) < 0)
        return rc;
    if (s2->shift != a->s->shift || a->s->elem != 4)
        return FAIL(MS_EFORMAT, s2->offset, "section %u is not cut as section %u is", id2,
                    a->s->id);
    a->s2 = s2;
    a->aux = dist;
    return MS_OK;
}

bool ms__msnap_drop(ms__msnap *f, void **owner)
{
    lazy_array *a = array_at(f, *owner);
    if (!a || !a->map)
        return false;
    munmap(a->map, a->map_bytes);
    a->map = NULL;
    free(a->loaded);
    a->loaded = NULL;
    a->owner = NULL; /* the slot is not found again */
    *owner = NULL;
    return true;
}

int ms__msnap_status(const ms__msnap *f, ms_error *err)
{
    if (!f || !f->failed)
        return MS_OK;
    if (err && err->code == MS_OK)
        *err = f->error;
    return f->error.code;
}

/* The graph's arrays, reserved; locations, positions and the trace read
 * whole (they are small and searched, not indexed). */
static int lazy_graph(ms__msnap *f, ms__graph *g, ms_error *err)
{
    const uint64_t N = g->node_count, E = g->edge_count;
    const unsigned opt = f->meta.optional;
    const ms__msnap_section *s;
    int rc = MS_OK;
    const struct {
        uint32_t id;
        unsigned elem, kind;
        uint64_t count;
        unsigned flag, field;
        void **dst;
    } arrays[] = {
        {MS__SEC_NODE_TYPE, 1, LK_TYPE, N, 0, MS__T_TYPE, (void **)&g->node_type},
        {MS__SEC_NODE_NAME, 4, LK_STRING, N, 0, MS__T_NAME, (void **)&g->node_name},
        {MS__SEC_NODE_ID_LO, 4, LK_ANY, N, 0, MS__T_ID, (void **)&g->node_id_lo},
        {MS__SEC_NODE_ID_HI, 4, LK_ANY, N, 1, MS__T_ID, (void **)&g->node_id_hi},
        {MS__SEC_SELF_LO, 4, LK_ANY, N, 0, MS__T_SELF, (void **)&g->self_lo},
        {MS__SEC_SELF_HI, 4, LK_ANY, N, 2, MS__T_SELF, (void **)&g->self_hi},
        {MS__SEC_FIRST_EDGE, 4, LK_FIRST_EDGE, N + 1, 0, MS__T_EDGES, (void **)&g->first_edge},
        {MS__SEC_DETACHED, 1, LK_DETACHED, N, 4, MS__T_OTHER, (void **)&g->detachedness},
        {MS__SEC_NODE_SITE, 4, LK_SITE, N, 8, MS__T_OTHER, (void **)&g->node_site},
        {MS__SEC_NODE_ORIGIN, 1, LK_DETACHED, N, 16, MS__T_OTHER, (void **)&g->node_origin},
        {MS__SEC_EDGE_WORD, 4, LK_EDGE_WORD, E, 0, 0, (void **)&g->edge_word},
        {MS__SEC_EDGE_NAME, 4, LK_EDGE_NAME, E, 0, 0, (void **)&g->edge_name},
    };
    f->g = g;
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++) {
        bool optional = arrays[i].flag != 0;
        MS_TRY(ms__msnap_lazy_add(f, arrays[i].id, arrays[i].elem, arrays[i].count,
                                  optional && !(opt & arrays[i].flag), arrays[i].kind,
                                  arrays[i].kind == LK_FIRST_EDGE ? E : 0, arrays[i].dst, err));
        if (*arrays[i].dst)
            f->arrays[f->narrays - 1].field = arrays[i].field;
        /* an optional array the META does not announce must not be there */
        if (optional && !(opt & arrays[i].flag) && ms__msnap_find(f, arrays[i].id)) {
            rc = FAIL(MS_EFORMAT, ms__msnap_find(f, arrays[i].id)->offset,
                      "section %u is not announced by META", arrays[i].id);
            goto done;
        }
    }
    f->ngraph = f->narrays;
    /* locations and positions */
    MS_TRY(ms__msnap_expect(f, MS__SEC_LOCATIONS, 4, (uint64_t)g->location_count * 2, false, &s,
                            err));
    /* (pairs and triples of u32 are the structs' layout: read in place) */
    _Static_assert(sizeof(ms__location) == 8 && sizeof(ms__position) == 12, "layouts");
    MS_TRY(ms__alloc_array(&g->locations, g->location_count ? g->location_count : 1,
                           sizeof *g->locations, "locations", err));
    MS_TRY(ms__msnap_read_all(f, s, g->locations, f->threads, err));
    for (uint32_t i = 0; i < g->location_count; i++) {
        if (g->locations[i].node >= g->node_count ||
            g->locations[i].position >= g->position_count ||
            (i > 0 && g->locations[i].node <= g->locations[i - 1].node)) {
            rc = FAIL(MS_EFORMAT, s->offset, "location %u: node %u, position %u out of order", i,
                      g->locations[i].node, g->locations[i].position);
            goto done;
        }
    }
    MS_TRY(ms__msnap_expect(f, MS__SEC_POSITIONS, 4, (uint64_t)g->position_count * 3, false, &s,
                            err));
    MS_TRY(ms__alloc_array(&g->positions, g->position_count ? g->position_count : 1,
                           sizeof *g->positions, "positions", err));
    MS_TRY(ms__msnap_read_all(f, s, g->positions, f->threads, err));
    if (g->trace)
        MS_TRY(read_trace(f, g, err));
    /* class origins: read whole (a few per class), sorted by text */
    MS_TRY(ms__msnap_expect(f, MS__SEC_CLASS_ORIGINS, 4, (uint64_t)g->class_origin_count * 2,
                            false, &s, err));
    MS_TRY(ms__alloc_array(&g->class_origins, g->class_origin_count ? g->class_origin_count : 1,
                           sizeof *g->class_origins, "class origins", err));
    MS_TRY(ms__msnap_read_all(f, s, g->class_origins, 1, err));
    for (uint32_t i = 0; i < g->class_origin_count; i++) {
        const ms__class_origin *k = &g->class_origins[i];
        if (k->name >= g->strings.count || k->origin > MS__ORIGIN_RUNTIME ||
            (i > 0 && strcmp(ms__strtab_get(&g->strings, k[-1].name, NULL),
                             ms__strtab_get(&g->strings, k->name, NULL)) >= 0)) {
            rc = FAIL(MS_EFORMAT, s->offset, "class origin %u: name %u, origin %u out of range "
                      "or order", i, k->name, k->origin);
            goto done;
        }
    }
    f->lazy = (ms__lazy){lazy_node, lazy_edges, lazy_edge, lazy_offsets, lazy_array_cb, 0};
    g->lazy = &f->lazy;
    /* The node types, whole: a byte per node, compressed to almost nothing,
     * and what scans of every node ask first (is it synthetic?). */
    need(f, find_array(f, (void **)&g->node_type), 0, g->node_count);
done:
    return rc;
}

/* ---- The importer ---------------------------------------------------------------------------- */

/* Frees the file and the reservations still held (the arrays' pointers
 * are cleared, so that the graph does not free them). */
static void native_free(void *p)
{
    ms__msnap *f = p;
    for (unsigned i = 0; i < f->narrays; i++) {
        lazy_array *a = &f->arrays[i];
        if (a->map) {
            munmap(a->map, a->map_bytes);
            if (a->owner)
                *a->owner = NULL;
        }
        free(a->loaded);
    }
    if (f->g)
        f->g->lazy = NULL;
    f->narrays = 0;
    ms__msnap_close(f);
}

void ms__msnap_release(ms__msnap *f)
{
    if (f)
        native_free(f);
}

static int run(ms__reader *r, ms__progress *progress, ms__graph **out, ms_error *err)
{
    ms__msnap *f = NULL;
    ms__graph *g = calloc(1, sizeof *g);
    int rc = MS_OK;

    *out = NULL;
    if (!g)
        return ms__oom(err, "graph");
    ms__graph_builtin_types(g);
    MS_TRY(ms__msnap_open(&f, r, true, progress && progress->threads > 1 ? 2 : 1, err));
    f->threads = progress && progress->threads > 1 ? 2 : 1;
    MS_TRY(ms__msnap_read_meta(f, g, &f->meta, err));
    MS_TRY(ms__msnap_read_strings(f, g, err));
    g->native = f;
    g->native_free = native_free;
    f = NULL;
    MS_TRY(lazy_graph(g->native, g, err));
    *out = g;
    g = NULL;
done:
    ms__msnap_close(f);
    ms__graph_free(g);
    return rc;
}

const ms__importer ms__importer_msnap = {MS_FORMAT_MSNAP, "msnap", ms__msnap_probe, run};
