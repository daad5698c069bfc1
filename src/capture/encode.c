/*
 * encode.c: writes a capture file (docs/formats/boehm.md) from what the
 * stopped-world phase recorded, with the world running.
 *
 * Objects were recorded in the collector's block order, as runs of
 * ascending addresses (one heap block each); sorting the runs by their
 * first address sorts the objects (checked: if two runs overlapped, every
 * object is sorted instead).  Sections are length-prefixed, so the two big
 * ones (OBJECTS, WORDS) are sized in a first pass and streamed in a second:
 * nothing proportional to the object count is allocated here.
 *
 * Column order inside OBJECTS (all address deltas, then all sizes, ...)
 * lets zstd see long runs of similar bytes (docs/performance.md has the
 * bytes per object).
 */
#define _GNU_SOURCE
#include "capture_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define IN_BUF (1u << 16)

typedef struct out {
    ZSTD_CCtx *z;
    int fd;
    uint8_t *in, *obuf;
    size_t inlen, ocap;
    uint64_t written;
    int failed; /* errno, or -1 for a zstd error */
} out;

static void write_all(out *o, const uint8_t *p, size_t n)
{
    while (n && !o->failed) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->failed = errno;
            return;
        }
        p += w;
        n -= (size_t)w;
        o->written += (uint64_t)w;
    }
}

static void compress(out *o, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer ib = {o->in, o->inlen, 0};
    for (;;) {
        ZSTD_outBuffer ob = {o->obuf, o->ocap, 0};
        size_t r = ZSTD_compressStream2(o->z, &ob, &ib, mode);
        if (ZSTD_isError(r)) {
            o->failed = -1;
            return;
        }
        write_all(o, o->obuf, ob.pos);
        if (o->failed)
            return;
        if (mode == ZSTD_e_end ? r == 0 : ib.pos == ib.size)
            break;
    }
    o->inlen = 0;
}

static inline void put(out *o, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        size_t k = IN_BUF - o->inlen < n ? IN_BUF - o->inlen : n;
        memcpy(o->in + o->inlen, b, k);
        o->inlen += k;
        b += k;
        n -= k;
        if (o->inlen == IN_BUF)
            compress(o, ZSTD_e_continue);
    }
}

static inline void put_u8(out *o, uint8_t v)
{
    if (o->inlen == IN_BUF)
        compress(o, ZSTD_e_continue);
    o->in[o->inlen++] = v;
}

static inline void put_varint(out *o, uint64_t v)
{
    if (o->inlen + 10 > IN_BUF)
        compress(o, ZSTD_e_continue);
    o->inlen += ms__gccap_put_varint(o->in + o->inlen, v);
}

/* ---- small sections, built in memory ------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} buf;

static void b_room(buf *b, size_t n)
{
    if (b->oom || b->len + n <= b->cap)
        return;
    {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        uint8_t *p;
        while (cap < b->len + n)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

static void b_varint(buf *b, uint64_t v)
{
    b_room(b, 10);
    if (!b->oom)
        b->len += ms__gccap_put_varint(b->p + b->len, v);
}

static void b_bytes(buf *b, const void *p, size_t n)
{
    b_room(b, n);
    if (!b->oom && n) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
}

static void b_string(buf *b, const char *s, size_t n)
{
    b_varint(b, n);
    b_bytes(b, s, n);
}

static void b_u8(buf *b, uint8_t v)
{
    b_bytes(b, &v, 1);
}

static void put_section(out *o, uint8_t id, const buf *b)
{
    put_u8(o, id);
    put_varint(o, b->len);
    put(o, b->p, b->len);
}

/* ---- object order ----------------------------------------------------------------- */

typedef struct objref {
    uint32_t i, r; /* object, its run */
} objref;

typedef struct order {
    const ms__capture *c;
    objref *perm; /* NULL: walk the sorted runs */
} order;

typedef struct iter {
    const order *o;
    size_t run, k, pos;
} iter;

static inline uint64_t obj_addr(const ms__capture *c, const ms__cap_run *r, size_t i)
{
    return r->addr + (uint64_t)c->off_g[i] * 16;
}

/* The next object written (dropped ones are skipped): *i and its run.
 * Inline: it runs seven times per object. */
static inline bool next_object(iter *it, size_t *out_i, const ms__cap_run **out_r)
{
    const ms__capture *c = it->o->c;
    for (;;) {
        size_t i, r;
        if (__builtin_expect(it->o->perm != NULL, 0)) {
            if (it->pos >= c->n)
                return false;
            i = it->o->perm[it->pos].i;
            r = it->o->perm[it->pos++].r;
        } else {
            if (__builtin_expect(it->run >= c->nruns, 0))
                return false;
            if (__builtin_expect(it->k >= c->runs[it->run].count, 0)) {
                do {
                    if (++it->run >= c->nruns)
                        return false;
                } while (c->runs[it->run].count == 0);
                it->k = 0;
            }
            r = it->run;
            i = c->runs[r].first + it->k++;
        }
        if (__builtin_expect(!(c->oflags[i] & MS__OBJ_DROPPED), 1)) {
            *out_i = i;
            *out_r = &c->runs[r];
            return true;
        }
    }
}

static int cmp_run(const void *a, const void *b)
{
    uint64_t x = ((const ms__cap_run *)a)->addr, y = ((const ms__cap_run *)b)->addr;
    return x < y ? -1 : x > y;
}

static int cmp_obj(const void *a, const void *b, void *arg)
{
    const ms__capture *c = arg;
    const objref *p = a, *q = b;
    uint64_t x = obj_addr(c, &c->runs[p->r], p->i), y = obj_addr(c, &c->runs[q->r], q->i);
    return x < y ? -1 : x > y;
}

static int make_order(ms__capture *c, order *o, uint64_t *transient, ms_error *err)
{
    bool ok = true;
    size_t k = 0;
    o->c = c;
    o->perm = NULL;
    qsort(c->runs, c->nruns, sizeof *c->runs, cmp_run);
    for (size_t r = 0; r + 1 < c->nruns && ok; r++) {
        const ms__cap_run *a = &c->runs[r];
        ok = !a->count ||
             obj_addr(c, a, a->first + a->count - 1) + (uint64_t)a->size_g * 16 <= c->runs[r + 1].addr;
    }
    if (ok)
        return MS_OK;
    o->perm = malloc((c->n ? c->n : 1) * sizeof *o->perm);
    if (!o->perm)
        return ms__cap_fail(err, MS_ENOMEM, "memsnap capture: out of memory sorting objects");
    *transient += c->n * sizeof *o->perm;
    for (size_t r = 0; r < c->nruns; r++)
        for (uint32_t j = 0; j < c->runs[r].count; j++)
            o->perm[k++] = (objref){c->runs[r].first + j, (uint32_t)r};
    qsort_r(o->perm, k, sizeof *o->perm, cmp_obj, c);
    return MS_OK;
}

/* ---- the sections --------------------------------------------------------------------- */

static void info_section(const ms__capture *c, buf *b, uint64_t kept)
{
    b_varint(b, c->info_flags);
    b_varint(b, 8);  /* word size */
    b_varint(b, 16); /* granule */
    b_varint(b, c->gc_version);
    b_varint(b, c->debug_header);
    b_varint(b, c->pid);
    b_varint(b, c->time);
    b_varint(b, c->gc_no);
    b_string(b, c->program, strlen(c->program));
    b_varint(b, c->heap_size);
    b_varint(b, c->free_bytes);
    b_varint(b, c->pause_us);
    b_varint(b, c->enumerated);
    b_varint(b, c->dropped);
    b_varint(b, kept);
    b_varint(b, c->ndispl);
    for (size_t i = 0; i < c->ndispl; i++)
        b_varint(b, c->displ[i]);
}

/* PROCESS: when the process started (docs/formats/boehm.md). */
static void process_section(const ms__capture *c, buf *b)
{
    b_varint(b, c->start_ticks);
    b_varint(b, c->ticks_per_second);
    b_string(b, c->boot_id, strlen(c->boot_id));
}

static void modules_section(const ms__capture *c, buf *b)
{
    b_varint(b, c->mods.count);
    for (uint32_t i = 0; i < c->mods.count; i++) {
        const ms__module *m = &c->mods.m[i];
        b_string(b, m->path, strlen(m->path));
        b_varint(b, m->base);
        b_varint(b, m->build_id_len);
        b_bytes(b, m->build_id, m->build_id_len);
        b_varint(b, m->flags);
        b_varint(b, m->nseg);
        for (uint32_t s = 0; s < m->nseg; s++) {
            b_varint(b, m->seg[s].vaddr);
            b_varint(b, m->seg[s].memsz);
            b_varint(b, m->seg[s].flags);
        }
    }
}

static void threads_section(const ms__capture *c, buf *b)
{
    b_varint(b, c->nthreads);
    for (size_t i = 0; i < c->nthreads; i++) {
        const ms__cap_thread *t = &c->threads[i];
        b_varint(b, t->id);
        b_varint(b, t->flags);
        b_varint(b, t->stack_lo);
        b_varint(b, t->stack_hi);
        b_varint(b, t->handle);
    }
}

static void sites_section(const ms__capture *c, buf *b)
{
    b_varint(b, c->nsites);
    for (size_t i = 0; i < c->nsites; i++) {
        const ms__cap_site *s = &c->sites[i];
        b_u8(b, s->type);
        switch (s->type) {
        case MS_GCCAP_SITE_PC:
            b_varint(b, s->module);
            b_varint(b, s->pc);
            break;
        case MS_GCCAP_SITE_DESC:
            b_string(b, s->file, s->file_len);
            b_varint(b, s->line);
            b_string(b, s->type_name ? s->type_name : "", s->type_len);
            b_string(b, s->function ? s->function : "", s->function_len);
            break;
        case MS_GCCAP_SITE_DEBUG:
            b_string(b, s->file, s->file_len);
            b_varint(b, s->line);
            break;
        case MS_GCCAP_SITE_STACK:
            b_varint(b, s->depth);
            for (uint32_t k = 0; k < s->depth; k++) {
                uint64_t pc = s->frames[k];
                int m = ms__modules_find(&c->mods, pc, 1 /* PF_X */, NULL);
                b_varint(b, m >= 0 ? (uint64_t)m + 1 : 0);
                b_varint(b, m >= 0 ? pc - c->mods.m[m].base : pc);
            }
            break;
        default: /* MS_GCCAP_SITE_ABS */
            b_varint(b, s->pc);
            break;
        }
    }
}

static void roots_section(const ms__capture *c, buf *b)
{
    b_varint(b, c->nranges);
    for (size_t r = 0; r < c->nranges; r++) {
        const ms__cap_root_range *g = &c->ranges[r];
        uint64_t prev = 0;
        b_u8(b, g->kind);
        b_varint(b, g->owner);
        b_varint(b, g->flags);
        b_varint(b, g->lo);
        b_varint(b, g->hi - g->lo);
        b_varint(b, g->count);
        for (uint64_t k = g->first; k < g->first + g->count; k++) {
            uint64_t w = (c->root_addr[k] - g->lo) / 8;
            b_varint(b, w - prev);
            prev = w;
            b_varint(b, c->root_value[k]);
        }
    }
}

static inline uint64_t cand_first(const ms__capture *c, size_t i)
{
    return i ? c->cand_end[i - 1] : 0;
}

/* The OBJECTS section (columns) and the WORDS section; `emit` false only
 * counts the bytes. */
static uint64_t objects_section(const ms__capture *c, const order *ord, out *o, bool emit,
                                uint64_t kept)
{
    uint64_t bytes = 0, prev;
    const ms__cap_run *r;
    iter it;
    size_t i;
#define V(v)                                                                                       \
    do {                                                                                           \
        uint64_t v_ = (v);                                                                         \
        if (emit)                                                                                  \
            put_varint(o, v_);                                                                     \
        else                                                                                       \
            bytes += ms__gccap_varint_len(v_);                                                     \
    } while (0)
#define B(v)                                                                                       \
    do {                                                                                           \
        if (emit)                                                                                  \
            put_u8(o, (uint8_t)(v));                                                               \
        else                                                                                       \
            bytes++;                                                                               \
    } while (0)
    V(kept);
    prev = 0;
    for (it = (iter){ord, 0, 0, 0}; next_object(&it, &i, &r);) {
        uint64_t a = obj_addr(c, r, i);
        V((a - prev) / 16);
        prev = a;
    }
    for (it = (iter){ord, 0, 0, 0}; next_object(&it, &i, &r);)
        V(r->size_g);
    for (it = (iter){ord, 0, 0, 0}; next_object(&it, &i, &r);)
        B(r->kind);
    for (it = (iter){ord, 0, 0, 0}; next_object(&it, &i, &r);)
        B(c->oflags[i] & ~MS__OBJ_DROPPED);
    for (it = (iter){ord, 0, 0, 0}; next_object(&it, &i, &r);)
        V(c->site[i]);
    for (it = (iter){ord, 0, 0, 0}; next_object(&it, &i, &r);)
        V(c->cand_end[i] - cand_first(c, i));
    return bytes;
}

static uint64_t words_section(const ms__capture *c, const order *ord, out *o, bool emit)
{
    uint64_t bytes = 0;
    const ms__cap_run *r;
    iter it;
    size_t i;
    for (it = (iter){ord, 0, 0, 0}; next_object(&it, &i, &r);) {
        uint64_t prev = 0, base = obj_addr(c, r, i);
        for (uint64_t k = cand_first(c, i); k < c->cand_end[i]; k++) {
            uint64_t w = c->cand[k], off = w >> 47;
            V(off - prev);
            prev = off;
            V(ms__gccap_encode_value(w & MS__CAND_VALUE_MASK, base));
        }
    }
    return bytes;
#undef V
#undef B
}

/* The compressor, its buffers, and a temporary file next to path (*tmp,
 * malloc'd; NULL when none was made).  The default (level 0) is zstd
 * level 1 with a 512 KiB window: far less compressor state than level 3,
 * for a slightly larger file (docs/performance.md); an explicit level
 * keeps zstd's own window.  Errors: MS_ENOMEM, MS_EIO. */
static int open_output(out *o, const char *path, int level, char **tmp, ms_error *err)
{
    size_t plen = strlen(path);
    o->z = ZSTD_createCCtx();
    o->in = malloc(IN_BUF);
    o->ocap = ZSTD_CStreamOutSize();
    o->obuf = malloc(o->ocap);
    *tmp = malloc(plen + 16);
    if (!o->z || !o->in || !o->obuf || !*tmp) {
        free(*tmp);
        *tmp = NULL;
        return ms__cap_fail(err, MS_ENOMEM, "%s: out of memory for the compressor", path);
    }
    ZSTD_CCtx_setParameter(o->z, ZSTD_c_compressionLevel, level ? level : 1);
    if (!level)
        ZSTD_CCtx_setParameter(o->z, ZSTD_c_windowLog, 19);
    ZSTD_CCtx_setParameter(o->z, ZSTD_c_checksumFlag, 1);
    snprintf(*tmp, plen + 16, "%s.tmp.XXXXXX", path);
    o->fd = mkstemp(*tmp);
    if (o->fd < 0) {
        int e = errno;
        free(*tmp);
        *tmp = NULL;
        return ms__cap_fail(err, MS_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    (void)fchmod(o->fd, 0644);
    return MS_OK;
}

/* The whole file into the compressor: magic, version, the small sections
 * (built in b), OBJECTS and WORDS (sized, then streamed), ROOTS, END. */
static void write_sections(const ms__capture *c, const order *ord, uint64_t kept, out *o,
                           buf *b)
{
    static const struct {
        uint8_t id;
        void (*fill)(const ms__capture *c, buf *b);
    } small[] = {{MS_GCCAP_MODULES, modules_section},
                 {MS_GCCAP_THREADS, threads_section},
                 {MS_GCCAP_SITES, sites_section}};
    uint8_t version[4] = {MS_GCCAP_VERSION & 0xff, 0, 0, 0};
    put(o, MS_GCCAP_MAGIC, MS_GCCAP_MAGIC_LEN);
    put(o, version, 4);
    info_section(c, b, kept);
    put_section(o, MS_GCCAP_INFO, b);
    if (c->start_ticks) {
        b->len = 0;
        process_section(c, b);
        put_section(o, MS_GCCAP_PROCESS, b);
    }
    for (size_t k = 0; k < sizeof small / sizeof *small; k++) {
        b->len = 0;
        small[k].fill(c, b);
        put_section(o, small[k].id, b);
    }
    b->len = 0;
    put_u8(o, MS_GCCAP_OBJECTS);
    put_varint(o, objects_section(c, ord, o, false, kept));
    objects_section(c, ord, o, true, kept);
    put_u8(o, MS_GCCAP_WORDS);
    put_varint(o, words_section(c, ord, o, false));
    words_section(c, ord, o, true);
    roots_section(c, b);
    put_section(o, MS_GCCAP_ROOTS, b);
    put_u8(o, MS_GCCAP_END);
    put_u8(o, 0);
}

/* Flushes the compressor, syncs and closes the temporary file and renames
 * it to path.  Errors: MS_EIO (the temporary file is left to the caller
 * to remove: o->fd is -1 once closed). */
static int finish_output(out *o, const char *tmp, const char *path, ms_error *err)
{
    compress(o, ZSTD_e_end);
    if (!o->failed && fsync(o->fd) != 0)
        o->failed = errno;
    if (o->failed)
        return ms__cap_fail(err, MS_EIO, "%s: write failed: %s", path,
                            o->failed > 0 ? strerror(o->failed) : "zstd error");
    if (close(o->fd) != 0) {
        o->fd = -1;
        return ms__cap_fail(err, MS_EIO, "%s: write failed: %s", path, strerror(errno));
    }
    o->fd = -1;
    if (rename(tmp, path) != 0)
        return ms__cap_fail(err, MS_EIO, "%s: cannot rename into place: %s", path,
                            strerror(errno));
    return MS_OK;
}

int ms__capture_encode(ms__capture *c, const char *path, int level, uint64_t *bytes,
                       uint64_t *transient, ms_error *err)
{
    out o;
    order ord = {0};
    buf b = {0};
    char *tmp = NULL;
    uint64_t kept = 0;
    int rc = MS_OK;

    memset(&o, 0, sizeof o);
    o.fd = -1;
    *bytes = 0;
    for (size_t i = 0; i < c->n; i++)
        kept += !(c->oflags[i] & MS__OBJ_DROPPED);
    for (size_t r = 0; r < c->nruns; r++)
        if (c->runs[r].addr & 15)
            return ms__cap_fail(err, MS_EFORMAT, "%s: object at 0x%llx is not 16-byte aligned",
                                path, (unsigned long long)c->runs[r].addr);
    if ((rc = make_order(c, &ord, transient, err)) < 0)
        return rc;
    if ((rc = open_output(&o, path, level, &tmp, err)) < 0)
        goto done;
    write_sections(c, &ord, kept, &o, &b);
    if (b.oom) {
        rc = ms__cap_fail(err, MS_ENOMEM, "%s: out of memory encoding", path);
        goto done;
    }
    if ((rc = finish_output(&o, tmp, path, err)) < 0)
        goto done;
    free(tmp);
    tmp = NULL;
    *bytes = o.written;
    *transient += ZSTD_sizeof_CCtx(o.z) + IN_BUF + o.ocap + b.cap;
done:
    if (o.fd >= 0)
        close(o.fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    ZSTD_freeCCtx(o.z);
    free(o.in);
    free(o.obuf);
    free(b.p);
    free(ord.perm);
    return rc;
}
