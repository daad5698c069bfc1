/*
 * boehm.c: the importer of memsnap's Boehm GC captures (docs/formats/boehm.md),
 * written by libmemsnap_capture (src/capture/).
 *
 * The capture holds every object the collector had marked (address, slot
 * size, kind, site) and, for objects the collector scans, the words that
 * lay between its plausible heap bounds; likewise for every root range.
 * Pointers are resolved here, conservatively, as the collector resolves
 * them (mark.c GC_mark_and_push / GC_mark_and_push_stack):
 *   - a word is an edge when it points into a captured object: objects are
 *     sorted by address, each word is binary-searched;
 *   - when the program kept all-interior-pointers on (libgc's default), any
 *     address inside the slot counts; otherwise, for words in objects and
 *     static data, only the object's start and the registered displacements
 *     (GC_register_displacement, recorded by the capture) do, while words
 *     on stacks and in registers may point anywhere inside (libgc pushes
 *     stacks without the offset check).
 *
 * Which objects become nodes (the capture cannot tell, the graph can):
 *   1. live: reached from the user's roots (data of modules other than
 *      libgc, stacks, registers, GC_add_roots ranges, uncollectable
 *      objects) without passing through the collector's per-thread records
 *      (GC_Thread_Rep: an object the collector's own data points to that
 *      holds a suspended thread's id, or a thread's recorded handle);
 *   2. dropped: reached only through libgc's own data (its thread table
 *      and thread-local free lists: marked, but not program objects);
 *   3. kept under "(marked, retainer not recorded)": the rest, which the
 *      collector marked for reasons the capture did not record (a custom
 *      mark procedure, a thread stack the fallback did not know), except
 *      objects shaped like free-list entries that nothing kept points to
 *      (thread-local free lists, which the collector marks directly).
 *
 * Graph: node 0 is the root; below it one synthetic node per root group
 * ("(data of prog)", "(stack of thread 0x...)", "(registers of ...)",
 * "(registered roots)", "(uncollectable objects)"); then the objects in
 * address order, id = address, self size = slot size, name = class (the
 * recorded type name, else the symbolized allocation site, else
 * "(size class N)").  Object-to-object edges are "element" edges whose
 * index is the byte offset of the field (4294967295 when unknown); root
 * edges are "property" edges named by the global's symbol, the register,
 * or the address.
 *
 * Hostile input: every count is checked against the bytes of its section
 * and arrays grow only as data arrives; errors name the byte offset.
 */
#include "import.h"

#include "dwarf.h"
#include "../capture/format.h"
#include "../snapshot/builder.h"
#include "../util/bitset.h"
#include "../util/map.h"
#include "../util/vec.h"

#include <stdio.h>
#include <string.h>

#define NONE UINT32_MAX
#define STRING_MAX 4096
#define MAX_MODULES 65536
#define MAX_SEGMENTS 256
#define MAX_DEPTH_FRAMES 64
#define DISPL_MAX 4096
#define PROGRESS_EVERY (1u << 16)

enum { ST_NEW = 0, ST_LIVE, ST_DROPPED, ST_UNREACHED, ST_INTERNAL /* during classify */ };

typedef struct bmod {
    uint64_t path; /* offset into text */
    uint64_t base;
    uint8_t build_id[64];
    uint32_t build_id_len, flags;
} bmod;

typedef struct bthr {
    uint64_t id, lo, hi, handle;
    uint32_t flags;
} bthr;

typedef struct bsite {
    uint8_t type;
    uint32_t module;
    uint64_t pc, line;
    uint64_t file, file_len, tname, tname_len, fn, fn_len; /* offsets into text */
    uint64_t frames, depth;                               /* into frames[] (module+1, pc pairs) */
    uint32_t site_sid, class_sid;                         /* string ids once named */
    uint32_t file_sid; /* DESC, DEBUG: the source file as recorded; NONE otherwise */
} bsite;

typedef struct brange {
    uint8_t kind, flags;
    uint32_t owner;
    uint64_t lo, len;
    uint32_t group; /* group node, once numbered */
} brange;

typedef struct bobj {
    uint64_t addr, size;
} bobj;

typedef struct bedge {
    uint32_t from, to; /* objects */
    uint32_t offset;   /* of the word in `from`, bytes; UINT32_MAX when unknown */
} bedge;

typedef struct broot {
    uint32_t range, to; /* root range, object */
    uint64_t addr;      /* of the root word */
} broot;

typedef struct bx {
    ms__reader *r;
    ms__progress *progress;
    ms_error *err;
    uint64_t sec_end;
    const char *sec;

    /* INFO */
    uint64_t info_flags, gc_version, debug_header, kept;
    uint64_t pid;
    uint64_t program, program_len; /* offset into text */
    /* PROCESS (optional) */
    bool have_process;
    uint64_t start_ticks, boot_id, boot_id_len; /* boot_id: offset into text */
    uint64_t valid_off[DISPL_MAX / 64]; /* bit per byte offset a pointer may have */
    bool interior, any_debug;

    bmod *mods;
    uint32_t nmods;
    bthr *thr;
    uint32_t nthr;
    bsite *sites;
    uint32_t nsites;
    ms__sbuf text;
    uint64_t *frames;
    uint64_t nframes, frames_cap;

    /* objects, sorted by address */
    uint64_t n, cap;
    bobj *o;             /* address and slot size, side by side: one cache line per lookup */
    /* bucket index: bucket b covers [base + (b << shift), ...); pidx[b] is
     * the first object ending after the bucket's start (4 bytes per bucket,
     * at most two buckets per object) */
    uint32_t *pidx;
    uint64_t pbase, pend, nbuckets;
    unsigned pshift;
    uint8_t *kind, *oflags;
    uint32_t *site, *ncand;

    /* object edges */
    bedge *e;
    uint64_t ne, ecap;

    /* roots */
    brange *ranges;
    uint32_t nranges;
    broot *re; /* root words that point to an object */
    uint64_t nre, recap;

    ms__builder b;
} bx;

/* ---- errors and reading ------------------------------------------------------ */

/* Errors name the input and the byte offset (ms__input_fail). */
#define fail(ctx, code, off, ...) ms__input_fail((ctx)->err, (code), (ctx)->r->name, (off), __VA_ARGS__)

static inline uint64_t pos(const bx *x)
{
    return ms__reader_offset(x->r);
}

/* Makes n bytes of the current section available at x->r->p. */
static int need(bx *x, size_t n, const char *what)
{
    uint64_t off = pos(x);
    int64_t have;
    if (n > x->sec_end - off)
        return fail(x, MS_EFORMAT, off, "section %s ends inside %s", x->sec, what);
    have = ms__reader_fill(x->r, n, x->err);
    if (have < 0)
        return (int)have;
    if ((size_t)have < n)
        return fail(x, MS_ETRUNC, pos(x) + (uint64_t)have,
                    "the file ends inside section %s (reading %s)", x->sec, what);
    return MS_OK;
}

static int get_u8(bx *x, uint8_t *v, const char *what)
{
    int rc;
    if (x->r->p < x->r->end && pos(x) < x->sec_end) {
        *v = *x->r->p++;
        return MS_OK;
    }
    if ((rc = need(x, 1, what)) < 0)
        return rc;
    *v = *x->r->p++;
    return MS_OK;
}

static int varint_slow(bx *x, uint64_t *v, const char *what)
{
    uint64_t off = pos(x), out = 0;
    for (unsigned i = 0;; i++) {
        uint8_t c;
        int rc = get_u8(x, &c, what);
        if (rc < 0)
            return rc;
        if (i == 9 && c > 1)
            return fail(x, MS_EFORMAT, off, "%s does not fit 64 bits", what);
        out |= (uint64_t)(c & 0x7f) << (7 * i);
        if (!(c & 0x80))
            break;
    }
    *v = out;
    return MS_OK;
}

/* One varint; the fast path decodes in the window, up to the section's end;
 * a varint the window cuts goes byte by byte with refills. */
static inline int get_varint(bx *x, uint64_t *v, const char *what)
{
    uint64_t left = x->sec_end - pos(x);
    const uint8_t *end = (size_t)(x->r->end - x->r->p) < left ? x->r->end : x->r->p + left;
    int rc = ms__leb128(&x->r->p, end, v);
    if (MS_LIKELY(rc == 1))
        return MS_OK;
    if (rc < 0)
        return fail(x, MS_EFORMAT, pos(x), "%s does not fit 64 bits", what);
    return varint_slow(x, v, what);
}

/* A count of items that each take at least `min_bytes` of the section. */
static int get_count(bx *x, uint64_t *v, uint64_t min_bytes, uint64_t limit, const char *what)
{
    uint64_t off = pos(x);
    int rc = get_varint(x, v, what);
    if (rc < 0)
        return rc;
    if (*v > (x->sec_end - pos(x)) / min_bytes)
        return fail(x, MS_EFORMAT, off, "%s %llu cannot fit the %llu bytes left in section %s",
                    what, (unsigned long long)*v, (unsigned long long)(x->sec_end - pos(x)),
                    x->sec);
    if (*v > limit)
        return fail(x, MS_ELIMIT, off, "%s %llu is more than memsnap reads (%llu)", what,
                    (unsigned long long)*v, (unsigned long long)limit);
    return MS_OK;
}

/* A string appended to x->text (NUL-terminated); *at gets its offset. */
static int get_string(bx *x, uint64_t *at, uint64_t *len, const char *what)
{
    uint64_t off = pos(x), n;
    int rc;
    if ((rc = get_varint(x, &n, what)) < 0)
        return rc;
    if (n > STRING_MAX)
        return fail(x, MS_EFORMAT, off, "%s is %llu bytes long (at most %u)", what,
                    (unsigned long long)n, STRING_MAX);
    if ((rc = need(x, (size_t)n, what)) < 0)
        return rc;
    *at = x->text.len;
    *len = n;
    if ((rc = ms__sbuf_append(&x->text, x->r->p, (size_t)n, x->err)) < 0 ||
        (rc = ms__sbuf_append(&x->text, "", 1, x->err)) < 0)
        return rc;
    x->r->p += n;
    return MS_OK;
}

static inline const char *text(const bx *x, uint64_t at)
{
    return x->text.data + at;
}

/* ---- header and the small sections ------------------------------------------------- */

static int read_header(bx *x)
{
    int64_t have = ms__reader_fill(x->r, MS_GCCAP_MAGIC_LEN + 4, x->err);
    uint32_t version;
    if (have < 0)
        return (int)have;
    if (have < MS_GCCAP_MAGIC_LEN || memcmp(x->r->p, MS_GCCAP_MAGIC, MS_GCCAP_MAGIC_LEN) != 0)
        return fail(x, have < MS_GCCAP_MAGIC_LEN ? MS_ETRUNC : MS_EFORMAT, 0,
                    "not a memsnap Boehm GC capture (no \"MSBOEHM\" magic)");
    if (have < MS_GCCAP_MAGIC_LEN + 4)
        return fail(x, MS_ETRUNC, (uint64_t)have, "the file ends inside the header");
    version = ms__le32(x->r->p + MS_GCCAP_MAGIC_LEN);
    if (version != MS_GCCAP_VERSION)
        return fail(x, MS_EFORMAT, 8,
                    "capture format version %u; this memsnap reads version %u", version,
                    MS_GCCAP_VERSION);
    x->r->p += MS_GCCAP_MAGIC_LEN + 4;
    return MS_OK;
}

static int read_info(bx *x)
{
    uint64_t v, word, granule, ndispl;
    int rc;
    MS_TRY(get_varint(x, &x->info_flags, "INFO flags"));
    MS_TRY(get_varint(x, &word, "word size"));
    MS_TRY(get_varint(x, &granule, "granule size"));
    if (word != 8 || granule != 16)
        return fail(x, MS_EFORMAT, pos(x),
                    "word size %llu, granule %llu: memsnap reads 64-bit captures (8, 16)",
                    (unsigned long long)word, (unsigned long long)granule);
    MS_TRY(get_varint(x, &x->gc_version, "collector version"));
    MS_TRY(get_varint(x, &x->debug_header, "debug header size"));
    MS_TRY(get_varint(x, &x->pid, "pid"));
    MS_TRY(get_varint(x, &v, "time"));
    MS_TRY(get_varint(x, &v, "collection number"));
    MS_TRY(get_string(x, &x->program, &x->program_len, "program"));
    MS_TRY(get_varint(x, &v, "heap size"));
    MS_TRY(get_varint(x, &v, "free bytes"));
    MS_TRY(get_varint(x, &v, "pause"));
    MS_TRY(get_varint(x, &v, "objects enumerated"));
    MS_TRY(get_varint(x, &v, "objects dropped"));
    MS_TRY(get_varint(x, &x->kept, "object count"));
    MS_TRY(get_count(x, &ndispl, 1, DISPL_MAX, "displacement count"));
    for (uint64_t i = 0; i < ndispl; i++) {
        uint64_t off = pos(x);
        MS_TRY(get_varint(x, &v, "displacement"));
        if (v >= DISPL_MAX)
            return fail(x, MS_EFORMAT, off, "displacement %llu is beyond %u",
                        (unsigned long long)v, DISPL_MAX);
        ms__bit_set(x->valid_off, v);
    }
    ms__bit_set(x->valid_off, 0); /* the object's start is always valid */
    x->interior = (x->info_flags & MS_GCCAP_INFO_INTERIOR) != 0;
    rc = MS_OK;
done:
    return rc;
}

static int skip_section(bx *x);

/* PROCESS: when the process started.  Bytes after the fields known here
 * are left for later additions. */
static int read_process(bx *x)
{
    uint64_t v, off;
    int rc = MS_OK;
    MS_TRY(get_varint(x, &x->start_ticks, "start time"));
    MS_TRY(get_varint(x, &v, "clock ticks per second"));
    off = pos(x);
    MS_TRY(get_string(x, &x->boot_id, &x->boot_id_len, "boot id"));
    if (x->boot_id_len > MS_GCCAP_BOOT_ID_MAX)
        return fail(x, MS_EFORMAT, off, "boot id of %llu bytes (at most %u)",
                    (unsigned long long)x->boot_id_len, MS_GCCAP_BOOT_ID_MAX);
    x->have_process = true;
    MS_TRY(skip_section(x));
done:
    return rc;
}

static int read_modules(bx *x)
{
    uint64_t count;
    int rc = MS_OK;
    uint64_t cap = 0;
    MS_TRY(get_count(x, &count, 5, MAX_MODULES, "module count"));
    for (uint64_t i = 0; i < count; i++) {
        bmod *m;
        MS_TRY(ms__grow(&x->mods, &cap, i + 1, 256, sizeof *x->mods, "modules", x->err));
        m = &x->mods[i];
        memset(m, 0, sizeof *m);
        uint64_t len, bid, nseg, v;
        uint64_t off;
        MS_TRY(get_string(x, &m->path, &len, "module path"));
        MS_TRY(get_varint(x, &m->base, "module base"));
        off = pos(x);
        MS_TRY(get_varint(x, &bid, "build id length"));
        if (bid > sizeof m->build_id)
            return fail(x, MS_EFORMAT, off, "build id of %llu bytes (at most 64)",
                        (unsigned long long)bid);
        MS_TRY(need(x, (size_t)bid, "build id"));
        memcpy(m->build_id, x->r->p, (size_t)bid);
        x->r->p += bid;
        m->build_id_len = (uint32_t)bid;
        MS_TRY(get_varint(x, &v, "module flags"));
        m->flags = (uint32_t)v;
        MS_TRY(get_count(x, &nseg, 3, MAX_SEGMENTS, "segment count"));
        for (uint64_t s = 0; s < nseg * 3; s++)
            MS_TRY(get_varint(x, &v, "segment"));
        x->nmods++;
    }
done:
    return rc;
}

static int read_threads(bx *x)
{
    uint64_t count, v, cap = 0;
    int rc = MS_OK;
    MS_TRY(get_count(x, &count, 5, 1u << 20, "thread count"));
    for (uint64_t i = 0; i < count; i++) {
        bthr *t;
        MS_TRY(ms__grow(&x->thr, &cap, i + 1, 256, sizeof *x->thr, "threads", x->err));
        t = &x->thr[i];
        memset(t, 0, sizeof *t);
        MS_TRY(get_varint(x, &t->id, "thread id"));
        MS_TRY(get_varint(x, &v, "thread flags"));
        t->flags = (uint32_t)v;
        MS_TRY(get_varint(x, &t->lo, "stack start"));
        MS_TRY(get_varint(x, &t->hi, "stack end"));
        MS_TRY(get_varint(x, &t->handle, "thread handle"));
        x->nthr++;
    }
done:
    return rc;
}

static int module_index(bx *x, uint64_t off, uint64_t v, uint32_t *out)
{
    if (v >= x->nmods)
        return fail(x, MS_EFORMAT, off, "module %llu of %u", (unsigned long long)v, x->nmods);
    *out = (uint32_t)v;
    return MS_OK;
}

static int read_sites(bx *x)
{
    uint64_t count, v, cap = 0;
    int rc = MS_OK;
    MS_TRY(get_count(x, &count, 2, UINT32_MAX - 1, "site count"));
    for (uint64_t i = 0; i < count; i++) {
        bsite *s;
        uint64_t off = pos(x);
        MS_TRY(ms__grow(&x->sites, &cap, i + 1, 256, sizeof *x->sites, "sites", x->err));
        s = &x->sites[i];
        memset(s, 0, sizeof *s);
        s->site_sid = s->class_sid = s->file_sid = NONE;
        MS_TRY(get_u8(x, &s->type, "site type"));
        switch (s->type) {
        case MS_GCCAP_SITE_PC:
            off = pos(x);
            MS_TRY(get_varint(x, &v, "site module"));
            MS_TRY(module_index(x, off, v, &s->module));
            MS_TRY(get_varint(x, &s->pc, "site address"));
            break;
        case MS_GCCAP_SITE_DESC:
            MS_TRY(get_string(x, &s->file, &s->file_len, "site file"));
            MS_TRY(get_varint(x, &s->line, "site line"));
            MS_TRY(get_string(x, &s->tname, &s->tname_len, "site type name"));
            MS_TRY(get_string(x, &s->fn, &s->fn_len, "site function"));
            break;
        case MS_GCCAP_SITE_DEBUG:
            MS_TRY(get_string(x, &s->file, &s->file_len, "site file"));
            MS_TRY(get_varint(x, &s->line, "site line"));
            break;
        case MS_GCCAP_SITE_STACK:
            off = pos(x);
            MS_TRY(get_count(x, &s->depth, 2, MAX_DEPTH_FRAMES, "stack depth"));
            if (s->depth == 0)
                return fail(x, MS_EFORMAT, off, "a stack site without frames");
            s->frames = x->nframes;
            MS_TRY(ms__grow(&x->frames, &x->frames_cap, x->nframes + 2 * s->depth, 256, 8,
                            "frames", x->err));
            for (uint64_t k = 0; k < s->depth; k++) {
                off = pos(x);
                MS_TRY(get_varint(x, &v, "frame module"));
                if (v > x->nmods)
                    return fail(x, MS_EFORMAT, off, "frame module %llu of %u",
                                (unsigned long long)v, x->nmods);
                x->frames[x->nframes++] = v;
                MS_TRY(get_varint(x, &x->frames[x->nframes++], "frame address"));
            }
            break;
        case MS_GCCAP_SITE_ABS:
            MS_TRY(get_varint(x, &s->pc, "site address"));
            break;
        default:
            return fail(x, MS_EFORMAT, off, "unknown site type %u", s->type);
        }
        x->nsites++;
    }
done:
    return rc;
}

/* ---- objects ------------------------------------------------------------------------- */

static int build_index(bx *x);

static int read_objects(bx *x)
{
    uint64_t count, v, prev = 0, off;
    int rc = MS_OK;
    MS_TRY(get_count(x, &count, 6, MS_NODE_LIMIT, "object count"));
    if (count != x->kept)
        return fail(x, MS_EFORMAT, pos(x), "%llu objects, but INFO announced %llu",
                    (unsigned long long)count, (unsigned long long)x->kept);
    /* Addresses: the array grows as they arrive (the count is a claim). */
    for (uint64_t i = 0; i < count; i++) {
        off = pos(x);
        MS_TRY(get_varint(x, &v, "address"));
        if (i > 0 && v == 0)
            return fail(x, MS_EFORMAT, off, "object %llu has the address of object %llu",
                        (unsigned long long)i, (unsigned long long)i - 1);
        if (v > (UINT64_MAX - prev) / 16)
            return fail(x, MS_EFORMAT, off, "address of object %llu is beyond 2^64",
                        (unsigned long long)i);
        prev += v * 16;
        if (i == x->cap)
            MS_TRY(ms__grow(&x->o, &x->cap, i + 1, 256, sizeof *x->o, "objects", x->err));
        x->o[i].addr = prev;
    }
    x->n = count;
    MS_TRY(ms__alloc_array(&x->kind, count, 1, "object kinds", x->err));
    MS_TRY(ms__alloc_array(&x->oflags, count, 1, "object flags", x->err));
    MS_TRY(ms__alloc_array(&x->site, count, 4, "object sites", x->err));
    MS_TRY(ms__alloc_array(&x->ncand, count, 4, "word counts", x->err));
    for (uint64_t i = 0; i < count; i++) {
        off = pos(x);
        MS_TRY(get_varint(x, &v, "size"));
        if (v == 0 || v > (UINT64_MAX - x->o[i].addr) / 16)
            return fail(x, MS_EFORMAT, off, "object %llu has size %llu granules",
                        (unsigned long long)i, (unsigned long long)v);
        x->o[i].size = v * 16;
        if (i > 0 && x->o[i - 1].addr + x->o[i - 1].size > x->o[i].addr)
            return fail(x, MS_EFORMAT, off, "object %llu (0x%llx) overlaps the next one",
                        (unsigned long long)i - 1, (unsigned long long)x->o[i - 1].addr);
    }
    for (uint64_t i = 0; i < count; i++)
        MS_TRY(get_u8(x, &x->kind[i], "kind"));
    for (uint64_t i = 0; i < count; i++) {
        MS_TRY(get_u8(x, &x->oflags[i], "object flags"));
        if (x->oflags[i] & MS_GCCAP_OBJ_DEBUG)
            x->any_debug = true;
    }
    for (uint64_t i = 0; i < count; i++) {
        off = pos(x);
        MS_TRY(get_varint(x, &v, "site"));
        if (v > x->nsites)
            return fail(x, MS_EFORMAT, off, "object %llu has site %llu of %u",
                        (unsigned long long)i, (unsigned long long)v, x->nsites);
        x->site[i] = (uint32_t)v;
    }
    for (uint64_t i = 0; i < count; i++) {
        off = pos(x);
        MS_TRY(get_varint(x, &v, "word count"));
        if (v > x->o[i].size / 8)
            return fail(x, MS_EFORMAT, off, "object %llu has %llu words of %llu",
                        (unsigned long long)i, (unsigned long long)v,
                        (unsigned long long)x->o[i].size / 8);
        if (v > UINT32_MAX)
            return fail(x, MS_ELIMIT, off, "object %llu has %llu words: memsnap reads at most %u",
                        (unsigned long long)i, (unsigned long long)v, UINT32_MAX);
        x->ncand[i] = (uint32_t)v;
    }
    /* GC_debug_malloc'd objects are reached at base + header size. */
    if (x->any_debug && x->debug_header < DISPL_MAX)
        ms__bit_set(x->valid_off, x->debug_header);
    MS_TRY(build_index(x));
done:
    return rc;
}

/* Builds the bucket index over the sorted objects: buckets of 2^k bytes,
 * k >= 4 the smallest with at most two buckets per object (dense heaps:
 * one or two objects per bucket).  A lookup then reads one index entry and
 * about one object, where a binary search over all of them would take a
 * cache miss per step, for every word (docs/performance.md). */
static int build_index(bx *x)
{
    uint64_t span, j = 0;
    if (!x->n)
        return MS_OK;
    x->pbase = x->o[0].addr & ~(uint64_t)4095;
    x->pend = x->o[x->n - 1].addr + x->o[x->n - 1].size;
    span = x->pend - x->pbase;
    x->pshift = 4;
    while ((span >> x->pshift) > 2 * x->n + 1024)
        x->pshift++;
    x->nbuckets = (span >> x->pshift) + 2;
    if (ms__alloc_array(&x->pidx, x->nbuckets, 4, "page index", x->err) < 0)
        return MS_ENOMEM;
    for (uint64_t b = 0; b < x->nbuckets; b++) {
        uint64_t start = x->pbase + (b << x->pshift);
        while (j < x->n && x->o[j].addr + x->o[j].size <= start)
            j++;
        x->pidx[b] = (uint32_t)j;
    }
    return MS_OK;
}

/* The object a word points to, as the collector decides it; NONE if none.
 * `anywhere`: stacks and registers, where any interior address counts. */
static inline uint32_t resolve(const bx *x, uint64_t v, bool anywhere)
{
    uint64_t lo, hi, off, b;
    if (v < x->pbase || v >= x->pend)
        return NONE;
    b = (v - x->pbase) >> x->pshift;
    lo = x->pidx[b];               /* first object ending after the bucket start */
    hi = x->pidx[b + 1] + 1;       /* past the last object starting in the bucket */
    if (hi > x->n)
        hi = x->n;
    if (lo >= hi || v < x->o[lo].addr)
        return NONE;
    while (hi - lo > 1) {          /* last object starting at or below v */
        uint64_t mid = lo + (hi - lo) / 2;
        if (x->o[mid].addr <= v)
            lo = mid;
        else
            hi = mid;
    }
    off = v - x->o[lo].addr;
    if (off >= x->o[lo].size)
        return NONE;
    if (off == 0 || x->interior || anywhere ||
        (off < DISPL_MAX && ms__bit(x->valid_off, off)))
        return (uint32_t)lo;
    return NONE;
}

/* Room for one more record in the full array *arr (*cap records, all
 * used), which may hold `limit` at most: the word at `off` would pass it.
 * Errors: MS_ELIMIT, MS_ENOMEM. */
static int room(bx *x, void *arr, uint64_t *cap, size_t size, uint64_t limit, const char *what,
                uint64_t off)
{
    if (*cap >= limit)
        return fail(x, MS_ELIMIT, off, "more than %llu %s", (unsigned long long)limit, what);
    return ms__grow(arr, cap, *cap + 1, 1024, size, what, x->err);
}

static int read_words(bx *x)
{
    int rc = MS_OK;
    for (uint64_t i = 0; i < x->n; i++) {
        uint64_t prev = 0, maxw = x->o[i].size / 8;
        if ((i & (PROGRESS_EVERY - 1)) == 0)
            MS_TRY(ms__progress_report(x->progress, x->r, "reading words", x->err));
        for (uint32_t k = 0; k < x->ncand[i]; k++) {
            uint64_t off = pos(x), d, code, value;
            uint32_t j;
            MS_TRY(get_varint(x, &d, "word offset"));
            if (d > MS_GCCAP_OFFSET_UNKNOWN - prev)
                return fail(x, MS_EFORMAT, off, "word offset beyond the object");
            prev += d;
            if (prev >= maxw && prev != MS_GCCAP_OFFSET_UNKNOWN)
                return fail(x, MS_EFORMAT, off,
                            "word %llu of object 0x%llx, which has %llu words",
                            (unsigned long long)prev, (unsigned long long)x->o[i].addr,
                            (unsigned long long)maxw);
            off = pos(x);
            MS_TRY(get_varint(x, &code, "word value"));
            if (!ms__gccap_decode_value(code, x->o[i].addr, &value))
                return fail(x, MS_EFORMAT, off, "word value out of range");
            j = resolve(x, value, false);
            if (j == NONE)
                continue;
            if (x->ne == x->ecap)
                MS_TRY(room(x, &x->e, &x->ecap, sizeof *x->e, MS_EDGE_LIMIT, "edges", off));
            x->e[x->ne++] = (bedge){(uint32_t)i, j,
                                    prev == MS_GCCAP_OFFSET_UNKNOWN ? UINT32_MAX
                                                                    : (uint32_t)(prev * 8)};
        }
    }
done:
    return rc;
}

static int read_roots(bx *x)
{
    uint64_t count, cap = 0;
    int rc = MS_OK;
    MS_TRY(get_count(x, &count, 6, 1u << 24, "root range count"));
    for (uint64_t r = 0; r < count; r++) {
        brange *g;
        uint64_t off = pos(x), v, n, prev = 0;
        MS_TRY(ms__grow(&x->ranges, &cap, r + 1, 256, sizeof *x->ranges, "root ranges", x->err));
        g = &x->ranges[r];
        memset(g, 0, sizeof *g);
        bool anywhere;
        MS_TRY(get_u8(x, &g->kind, "root kind"));
        if (g->kind == 0 || g->kind > MS_GCCAP_ROOT_KIND_MAX)
            return fail(x, MS_EFORMAT, off, "unknown root kind %u", g->kind);
        off = pos(x);
        MS_TRY(get_varint(x, &v, "root owner"));
        if (((g->kind == MS_GCCAP_ROOT_DATA || g->kind == MS_GCCAP_ROOT_LIBGC) && v >= x->nmods) ||
            ((g->kind == MS_GCCAP_ROOT_STACK || g->kind == MS_GCCAP_ROOT_REGISTERS) &&
             v >= x->nthr))
            return fail(x, MS_EFORMAT, off, "root range owner %llu does not exist",
                        (unsigned long long)v);
        g->owner = (uint32_t)v;
        MS_TRY(get_varint(x, &v, "root flags"));
        g->flags = (uint8_t)v;
        MS_TRY(get_varint(x, &g->lo, "root start"));
        off = pos(x);
        MS_TRY(get_varint(x, &g->len, "root length"));
        if (g->len > UINT64_MAX - g->lo)
            return fail(x, MS_EFORMAT, off, "root range beyond 2^64");
        MS_TRY(get_count(x, &n, 2, g->len / 8, "root word count"));
        anywhere = g->kind == MS_GCCAP_ROOT_STACK || g->kind == MS_GCCAP_ROOT_REGISTERS;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t d, value;
            uint32_t j;
            off = pos(x);
            MS_TRY(get_varint(x, &d, "root word offset"));
            if (d > g->len / 8 - prev || prev + d >= g->len / 8)
                return fail(x, MS_EFORMAT, off, "root word beyond its range");
            prev += d;
            MS_TRY(get_varint(x, &value, "root word"));
            j = resolve(x, value, anywhere);
            if (j == NONE)
                continue;
            if (x->nre == x->recap)
                MS_TRY(room(x, &x->re, &x->recap, sizeof *x->re, UINT32_MAX, "root words", off));
            x->re[x->nre++] = (broot){(uint32_t)r, j, g->lo + prev * 8};
        }
        x->nranges++;
    }
done:
    return rc;
}

static int skip_section(bx *x)
{
    while (pos(x) < x->sec_end) {
        uint64_t left = x->sec_end - pos(x);
        int64_t have = ms__reader_fill(x->r, 1, x->err);
        if (have < 0)
            return (int)have;
        if (have == 0)
            return fail(x, MS_ETRUNC, pos(x), "the file ends inside section %s", x->sec);
        x->r->p += (uint64_t)have < left ? (uint64_t)have : left;
    }
    return MS_OK;
}

static const char *section_name(unsigned id)
{
    static const char *const names[] = {"END", "INFO", "MODULES", "THREADS",
                                        "SITES", "OBJECTS", "WORDS", "ROOTS"};
    return id < sizeof names / sizeof *names ? names[id] : "(unknown)";
}

static int read_file(bx *x)
{
    unsigned expect = MS_GCCAP_INFO;
    int rc = MS_OK;
    MS_TRY(read_header(x));
    for (;;) {
        uint8_t id;
        uint64_t len, start, off = pos(x);
        int64_t have;
        x->sec = "header";
        x->sec_end = UINT64_MAX;
        have = ms__reader_fill(x->r, 1, x->err);
        if (have < 0)
            return (int)have;
        if (have == 0)
            return fail(x, MS_ETRUNC, off, "the file ends before section %s",
                        section_name(expect <= MS_GCCAP_ROOTS ? expect : MS_GCCAP_END));
        id = *x->r->p++;
        MS_TRY(get_varint(x, &len, "section length"));
        start = pos(x);
        if (len > UINT64_MAX - start)
            return fail(x, MS_EFORMAT, off, "section length beyond 2^64");
        x->sec_end = start + len;
        x->sec = section_name(id);
        /* Uncompressed input of known size: a section cannot be longer
         * than what is left (compressed input: counts still cannot exceed
         * what the section holds, and arrays grow only as entries parse). */
        if (!ms__reader_compressed(x->r) && x->r->src_size && x->sec_end > x->r->src_size)
            return fail(x, MS_ETRUNC, off,
                        "section %s claims %llu bytes; the file has %llu left", x->sec,
                        (unsigned long long)len, (unsigned long long)(x->r->src_size - start));
        if (id == MS_GCCAP_END) {
            if (expect != MS_GCCAP_ROOTS + 1)
                return fail(x, MS_EFORMAT, off, "the file ends before section %s",
                            section_name(expect));
            if (len != 0)
                return fail(x, MS_EFORMAT, off, "END section with %llu bytes",
                            (unsigned long long)len);
            have = ms__reader_fill(x->r, 1, x->err);
            if (have < 0)
                return (int)have;
            if (have > 0)
                return fail(x, MS_EFORMAT, pos(x), "data after the END section");
            return MS_OK;
        }
        if (id == MS_GCCAP_PROCESS) {
            x->sec = "PROCESS";
            if (x->have_process)
                return fail(x, MS_EFORMAT, off, "a second PROCESS section");
            MS_TRY(read_process(x));
            continue;
        }
        if (id >= MS_GCCAP_FIRST_OPTIONAL) {
            x->sec = "(optional)";
            MS_TRY(skip_section(x));
            continue;
        }
        if (id != expect)
            return fail(x, MS_EFORMAT, off, "section %s (id %u) where %s was expected",
                        section_name(id), id,
                        section_name(expect <= MS_GCCAP_ROOTS ? expect : MS_GCCAP_END));
        switch (id) {
        case MS_GCCAP_INFO: MS_TRY(read_info(x)); break;
        case MS_GCCAP_MODULES: MS_TRY(read_modules(x)); break;
        case MS_GCCAP_THREADS: MS_TRY(read_threads(x)); break;
        case MS_GCCAP_SITES: MS_TRY(read_sites(x)); break;
        case MS_GCCAP_OBJECTS: MS_TRY(read_objects(x)); break;
        case MS_GCCAP_WORDS: MS_TRY(read_words(x)); break;
        case MS_GCCAP_ROOTS: MS_TRY(read_roots(x)); break;
        }
        if (pos(x) != x->sec_end)
            return fail(x, MS_EFORMAT, pos(x), "section %s has %llu bytes left over", x->sec,
                        (unsigned long long)(x->sec_end - pos(x)));
        expect++;
    }
done:
    return rc;
}

/* ---- which objects are nodes -------------------------------------------------------- */

/* The object edges as out-edge lists (CSR): first[i] .. first[i + 1] in
 * adj[], in the order of the words.  count[] is n entries of scratch. */
static int out_edges(bx *x, uint32_t *count, uint32_t **first_out, uint32_t **adj_out)
{
    uint32_t *first = NULL, *adj = NULL;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&first, x->n + 1, 4, "edge offsets", x->err));
    MS_TRY(ms__alloc_array(&adj, x->ne, 4, "edge targets", x->err));
    for (uint64_t e = 0; e < x->ne; e++)
        first[x->e[e].from + 1]++;
    for (uint64_t i = 0; i < x->n; i++)
        first[i + 1] += first[i];
    memset(count, 0, x->n * 4);
    for (uint64_t e = 0; e < x->ne; e++) {
        uint32_t f = x->e[e].from;
        adj[first[f] + count[f]++] = x->e[e].to;
    }
    *first_out = first;
    *adj_out = adj;
    first = adj = NULL;
done:
    free(first);
    free(adj);
    return rc;
}

/* The collector's per-thread records (GC_Thread_Rep): objects libgc's data
 * points to that hold a suspended thread's id, and the threads' recorded
 * handles.  They get state ST_INTERNAL, which no traversal enters. */
static void mark_internal(const bx *x, uint8_t *state)
{
    for (uint64_t e = 0; e < x->nre; e++) {
        uint32_t j = x->re[e].to;
        if (x->ranges[x->re[e].range].kind == MS_GCCAP_ROOT_LIBGC &&
            (x->oflags[j] & MS_GCCAP_OBJ_THREAD_REP))
            state[j] = ST_INTERNAL;
    }
    for (uint32_t t = 0; t < x->nthr; t++) {
        uint32_t j;
        if (x->thr[t].handle && (j = resolve(x, x->thr[t].handle, false)) != NONE &&
            x->o[j].addr == x->thr[t].handle)
            state[j] = ST_INTERNAL;
    }
}

/* Breadth-first from queue[0..tail): every object reached that has no
 * state yet gets `mark`. */
static void spread(const uint32_t *first, const uint32_t *adj, uint8_t *state, uint32_t *queue,
                   uint64_t tail, uint8_t mark)
{
    for (uint64_t head = 0; head < tail;) {
        uint32_t i = queue[head++];
        for (uint32_t k = first[i]; k < first[i + 1]; k++) {
            uint32_t j = adj[k];
            if (!state[j]) {
                state[j] = mark;
                queue[tail++] = j;
            }
        }
    }
}

/* Puts object j in the queue with state `mark` unless it has one. */
static inline void enqueue(uint8_t *state, uint32_t *queue, uint64_t *tail, uint32_t j,
                           uint8_t mark)
{
    if (!state[j]) {
        state[j] = mark;
        queue[(*tail)++] = j;
    }
}

static bool uncollectable(const bx *x, uint64_t i)
{
    return x->kind[i] == MS_GCCAP_KIND_UNCOLLECTABLE ||
           x->kind[i] == MS_GCCAP_KIND_AUNCOLLECTABLE;
}

/* 3. of the file comment: the objects nothing kept reaches, from entry
 * points first (nothing else unreached points to them), then whatever
 * cycles remain, in address order.  Objects shaped like free-list entries
 * start nothing: the collector marks thread-local free lists itself
 * (GC_mark_thread_local_free_lists), not through a root range; they are
 * kept only if another kept object points to them.  roots[] gets the
 * starts. */
static int mark_unreached(bx *x, const uint32_t *first, const uint32_t *adj, uint8_t *state,
                          uint32_t *queue, uint32_t *roots, uint64_t *nroots)
{
    uint32_t *indeg = NULL;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&indeg, x->n, 4, "in-degrees", x->err));
    for (uint64_t i = 0; i < x->n; i++)
        if (!state[i])
            for (uint32_t k = first[i]; k < first[i + 1]; k++)
                if (!state[adj[k]])
                    indeg[adj[k]]++;
    *nroots = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint64_t s = 0; s < x->n; s++) {
            if (state[s] || (pass == 0 && indeg[s]) || (x->oflags[s] & MS_GCCAP_OBJ_FREE_SHAPE))
                continue;
            roots[(*nroots)++] = (uint32_t)s;
            state[s] = ST_UNREACHED;
            queue[0] = (uint32_t)s;
            spread(first, adj, state, queue, 1, ST_UNREACHED);
        }
    }
done:
    free(indeg);
    return rc;
}

/* state[i]: ST_LIVE, ST_DROPPED or ST_UNREACHED for every object (see the
 * file comment); the collector's own records are never live.  unreached[]
 * gets the starts of the unreached objects (mark_unreached).  Iterative
 * BFS, one queue. */
static int classify(bx *x, uint8_t *state, uint32_t *unreached, uint64_t *nunreached)
{
    uint32_t *first = NULL, *adj = NULL, *queue = NULL;
    uint64_t tail = 0;
    int rc = MS_OK;

    MS_TRY(ms__alloc_array(&queue, x->n, 4, "queue", x->err));
    MS_TRY(out_edges(x, queue, &first, &adj));
    memset(state, ST_NEW, x->n);
    mark_internal(x, state);
    /* 1. live: from the user's roots and the uncollectable objects */
    for (uint64_t e = 0; e < x->nre; e++)
        if (x->ranges[x->re[e].range].kind != MS_GCCAP_ROOT_LIBGC)
            enqueue(state, queue, &tail, x->re[e].to, ST_LIVE);
    for (uint64_t i = 0; i < x->n; i++)
        if (uncollectable(x, i))
            enqueue(state, queue, &tail, (uint32_t)i, ST_LIVE);
    spread(first, adj, state, queue, tail, ST_LIVE);
    /* 2. dropped: what only libgc's data reaches (through its records too) */
    tail = 0;
    for (uint64_t i = 0; i < x->n; i++)
        if (state[i] == ST_INTERNAL) {
            state[i] = ST_NEW;
            enqueue(state, queue, &tail, (uint32_t)i, ST_DROPPED);
        }
    for (uint64_t e = 0; e < x->nre; e++)
        if (x->ranges[x->re[e].range].kind == MS_GCCAP_ROOT_LIBGC)
            enqueue(state, queue, &tail, x->re[e].to, ST_DROPPED);
    spread(first, adj, state, queue, tail, ST_DROPPED);
    /* 3. the rest */
    MS_TRY(mark_unreached(x, first, adj, state, queue, unreached, nunreached));
    for (uint64_t i = 0; i < x->n; i++)
        if (!state[i])
            state[i] = ST_DROPPED;
done:
    free(first);
    free(adj);
    free(queue);
    return rc;
}

/* ---- names ------------------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

static int intern(bx *x, const char *s, size_t len, uint32_t *id)
{
    return ms__builder_string(&x->b, s, len, id, NULL, x->err);
}

#define internf(x, id, ...) ms__builder_stringf(&(x)->b, (id), (x)->err, __VA_ARGS__)

/* A query per code address of the sites, and per data root word, for one
 * module, answered by ms__symbolize.  qs/qsite/qframe say what each is. */
typedef struct symq {
    ms__sym_query *q;
    uint32_t *site;    /* site index, or NONE for a data query */
    uint32_t *frame;   /* frame within the site, or the root edge for data */
    size_t n;
    uint64_t cap;
} symq;

static int symq_add(symq *s, uint64_t pc, bool data, uint32_t site, uint32_t frame, ms_error *err)
{
    if (s->n == s->cap) {
        uint64_t cap = s->cap;
        if (ms__grow(&s->q, &cap, s->n + 1, 64, sizeof *s->q, "symbol queries", err) < 0 ||
            ms__realloc_array(&s->site, cap, 4, "symbol queries", err) < 0 ||
            ms__realloc_array(&s->frame, cap, 4, "symbol queries", err) < 0)
            return MS_ENOMEM;
        s->cap = cap;
    }
    s->q[s->n].pc = pc;
    s->q[s->n].data = data;
    s->q[s->n].text = NULL;
    s->site[s->n] = site;
    s->frame[s->n] = frame;
    s->n++;
    return MS_OK;
}

static void symq_free(symq *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->q[i].text);
    free(s->q);
    free(s->site);
    free(s->frame);
    memset(s, 0, sizeof *s);
}

/* The symbolizer's queries, per module: the code address of every used
 * site (each frame of a stack site; return address - 1, the call) and the
 * address of every used data root word. */
static int collect_queries(bx *x, symq *per, const uint8_t *used_site, const uint8_t *used_root)
{
    int rc = MS_OK;
    for (uint32_t s = 0; s < x->nsites; s++) {
        const bsite *st = &x->sites[s];
        if (!used_site[s])
            continue;
        if (st->type == MS_GCCAP_SITE_PC)
            MS_TRY(symq_add(&per[st->module], st->pc ? st->pc - 1 : 0, false, s, 0, x->err));
        else if (st->type == MS_GCCAP_SITE_STACK)
            for (uint64_t k = 0; k < st->depth; k++) {
                uint64_t m = x->frames[st->frames + 2 * k], pc = x->frames[st->frames + 2 * k + 1];
                if (m)
                    MS_TRY(symq_add(&per[m - 1], pc ? pc - 1 : 0, false, s, (uint32_t)k, x->err));
            }
    }
    for (uint64_t e = 0; e < x->nre; e++) {
        const brange *g = &x->ranges[x->re[e].range];
        if (used_root[e] && g->kind == MS_GCCAP_ROOT_DATA)
            MS_TRY(symq_add(&per[g->owner], x->re[e].addr - x->mods[g->owner].base, true, NONE,
                            (uint32_t)e, x->err));
    }
done:
    return rc;
}

/* The symbolizer's answers (or "module+0xoffset" where it had none): the
 * names of PC sites and data root words; each stack frame's text in
 * frame_text[], indexed as x->frames / 2. */
static int use_answers(bx *x, const symq *per, uint32_t *root_name, char **frame_text)
{
    int rc = MS_OK;
    for (uint32_t m = 0; m < x->nmods; m++)
        for (size_t i = 0; i < per[m].n; i++) {
            uint32_t s = per[m].site[i];
            const char *mod = base_name(text(x, x->mods[m].path));
            char buf[1200];
            const char *t = per[m].q[i].text;
            if (!t) {
                snprintf(buf, sizeof buf, "%s+0x%llx", mod,
                         (unsigned long long)(per[m].q[i].pc + !per[m].q[i].data));
                t = buf;
            }
            if (s == NONE) {
                MS_TRY(intern(x, t, strlen(t), &root_name[per[m].frame[i]]));
            } else if (x->sites[s].type == MS_GCCAP_SITE_PC) {
                MS_TRY(intern(x, t, strlen(t), &x->sites[s].site_sid));
            } else {
                size_t k = (size_t)(x->sites[s].frames / 2 + per[m].frame[i]);
                frame_text[k] = ms__strdup(t);
                if (!frame_text[k])
                    return ms__oom(x->err, "frames");
            }
        }
done:
    return rc;
}

/* A stack site's name: its frames joined innermost first, "a at x.c:1 <
 * b at x.c:9" (the address where a frame has no text). */
static int stack_site_name(bx *x, bsite *st, char *const *frame_text)
{
    ms__sbuf b = {0};
    int rc = MS_OK;
    for (uint64_t k = 0; k < st->depth; k++) {
        const char *t = frame_text[st->frames / 2 + k];
        char buf[64];
        if (!t) {
            snprintf(buf, sizeof buf, "0x%llx",
                     (unsigned long long)x->frames[st->frames + 2 * k + 1]);
            t = buf;
        }
        if (k)
            MS_TRY(ms__sbuf_append(&b, " < ", 3, x->err));
        MS_TRY(ms__sbuf_append(&b, t, strlen(t), x->err));
    }
    rc = intern(x, b.data ? b.data : "", b.len, &st->site_sid);
done:
    ms__sbuf_free(&b);
    return rc;
}

/* A used site's site_sid (PC sites have theirs from the symbolizer) and
 * class_sid: the recorded type name, else the site. */
static int site_names(bx *x, bsite *st, char *const *frame_text)
{
    int rc = MS_OK;
    switch (st->type) {
    case MS_GCCAP_SITE_PC:
        break;
    case MS_GCCAP_SITE_DESC:
        if (st->fn_len)
            MS_TRY(internf(x, &st->site_sid, "%s at %s:%llu", text(x, st->fn),
                           base_name(text(x, st->file)), (unsigned long long)st->line));
        else
            MS_TRY(internf(x, &st->site_sid, "%s:%llu", base_name(text(x, st->file)),
                           (unsigned long long)st->line));
        if (st->tname_len)
            MS_TRY(intern(x, text(x, st->tname), st->tname_len, &st->class_sid));
        break;
    case MS_GCCAP_SITE_DEBUG:
        MS_TRY(internf(x, &st->site_sid, "%s:%llu", base_name(text(x, st->file)),
                       (unsigned long long)st->line));
        break;
    case MS_GCCAP_SITE_STACK:
        MS_TRY(stack_site_name(x, st, frame_text));
        break;
    default:
        MS_TRY(internf(x, &st->site_sid, "0x%llx", (unsigned long long)st->pc));
        break;
    }
    if (st->class_sid == NONE)
        st->class_sid = st->site_sid;
    if ((st->type == MS_GCCAP_SITE_DESC || st->type == MS_GCCAP_SITE_DEBUG) && st->file_len)
        MS_TRY(intern(x, text(x, st->file), st->file_len, &st->file_sid));
done:
    return rc;
}

/* Names every used site (site_sid, class_sid) and every used data root
 * word (root_name[e]), symbolizing each module's addresses in one batch. */
static int name_sites(bx *x, const uint8_t *used_site, const uint8_t *used_root,
                      uint32_t *root_name)
{
    const uint32_t nper = x->nmods ? x->nmods : 1;
    const uint64_t nframes = x->nframes / 2 + 1;
    symq *per = NULL;
    char **frame_text = NULL;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&per, nper, sizeof *per, "symbol queries", x->err));
    MS_TRY(collect_queries(x, per, used_site, used_root));
    for (uint32_t m = 0; m < x->nmods; m++)
        if (per[m].n)
            MS_TRY(ms__symbolize(text(x, x->mods[m].path), x->mods[m].build_id,
                                 x->mods[m].build_id_len, per[m].q, per[m].n, NULL, x->err));
    MS_TRY(ms__alloc_array_zero(&frame_text, nframes, sizeof *frame_text, "frames", x->err));
    MS_TRY(use_answers(x, per, root_name, frame_text));
    for (uint32_t s = 0; s < x->nsites; s++)
        if (used_site[s])
            MS_TRY(site_names(x, &x->sites[s], frame_text));
done:
    for (uint32_t m = 0; per && m < nper; m++)
        symq_free(&per[m]);
    free(per);
    for (uint64_t k = 0; frame_text && k < nframes; k++)
        free(frame_text[k]);
    free(frame_text);
    return rc;
}

/* ---- the graph ---------------------------------------------------------------------------- */

static const char *thread_label(const bx *x, uint32_t t, char *buf, size_t cap)
{
    const bthr *th = &x->thr[t];
    if (th->flags & MS_GCCAP_THR_MAIN)
        snprintf(buf, cap, "the main thread%s",
                 th->flags & MS_GCCAP_THR_CAPTURING ? ", which captured" : "");
    else
        snprintf(buf, cap, "thread 0x%llx%s", (unsigned long long)th->id,
                 th->flags & MS_GCCAP_THR_CAPTURING ? ", which captured" : "");
    return buf;
}

static int group_name(bx *x, const brange *g, uint32_t *sid)
{
    char t[128];
    switch (g->kind) {
    case MS_GCCAP_ROOT_DATA:
        return internf(x, sid, "(data of %s)",
                       base_name(text(x, x->mods[g->owner].path)));
    case MS_GCCAP_ROOT_STACK:
        return internf(x, sid, "(stack of %s%s)", thread_label(x, g->owner, t, sizeof t),
                       g->flags & MS_GCCAP_RANGE_APPROX ? "; whole mapping, approximate" : "");
    case MS_GCCAP_ROOT_REGISTERS:
        return internf(x, sid, "(registers of %s)", thread_label(x, g->owner, t, sizeof t));
    case MS_GCCAP_ROOT_REGISTERED:
        return internf(x, sid, "(registered roots)");
    default:
        return internf(x, sid, "(other root ranges)");
    }
}

/* Same group for ranges of one kind and owner (and approximation). */
static uint64_t group_key(const brange *g)
{
    uint32_t owner = g->kind == MS_GCCAP_ROOT_REGISTERED || g->kind == MS_GCCAP_ROOT_OTHER ? 0
                                                                                          : g->owner;
    return (uint64_t)g->kind << 40 | (uint64_t)(g->flags & MS_GCCAP_RANGE_APPROX) << 32 | owner;
}

/* What build_graph works out before it adds anything. */
typedef struct plan {
    uint8_t *state;      /* per object: ST_* (classify) */
    uint32_t *unreached; /* starts of the unreached objects */
    uint64_t nunreached;
    uint8_t *used_root;  /* per root word: it is an edge of the graph */
    uint32_t *root_name; /* per data root word: its symbol's string id */
    uint8_t *used_site;  /* per site: a kept object has it */
    uint32_t *node_of;   /* per object: its node, NONE when dropped */
    uint8_t *site_origin; /* per site: MS__ORIGIN_*; NULL: the capture tells no origins */
    uint32_t ngroups;    /* group nodes are 1 .. ngroups */
    uint32_t uncoll_group, unreached_group; /* NONE when there are none */
    uint64_t kept, nroot_edges;
} plan;

static void plan_free(plan *p)
{
    free(p->state);
    free(p->unreached);
    free(p->used_root);
    free(p->root_name);
    free(p->used_site);
    free(p->node_of);
    free(p->site_origin);
}

/* The root words that become edges (from the user's roots to live
 * objects), and the group node of every root range: one per group_key, in
 * the order of the first edge (ranges without an edge share their group's
 * number, or have none); then the uncollectable and unreached groups. */
static int number_groups(bx *x, plan *p)
{
    ms__map64 groups = {0}; /* group_key -> group node */
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&p->used_root, x->nre + 1, 1, "root flags", x->err));
    MS_TRY(ms__alloc_array_zero(&p->root_name, x->nre + 1, 4, "root names", x->err));
    MS_TRY(ms__map64_init(&groups, 64, x->err));
    for (uint64_t e = 0; e < x->nre; e++) {
        brange *g = &x->ranges[x->re[e].range];
        if (g->kind == MS_GCCAP_ROOT_LIBGC || p->state[x->re[e].to] != ST_LIVE)
            continue;
        p->used_root[e] = 1;
        p->nroot_edges++;
        if (g->group == 0) {
            bool added;
            MS_TRY(ms__map64_put(&groups, group_key(g), p->ngroups + 1, &g->group, &added,
                                 x->err));
            p->ngroups += added;
        }
    }
    for (uint32_t r = 0; r < x->nranges; r++) {
        brange *g = &x->ranges[r];
        uint32_t node = g->group ? NONE : ms__map64_get(&groups, group_key(g));
        if (node != MS_MAP_NONE)
            g->group = node;
    }
    for (uint64_t i = 0; i < x->n; i++)
        if (uncollectable(x, i) && p->state[i] == ST_LIVE) {
            p->uncoll_group = ++p->ngroups;
            break;
        }
    if (p->nunreached)
        p->unreached_group = ++p->ngroups;
done:
    ms__map64_free(&groups);
    return rc;
}

/* Node numbers: root 0, the groups, then the kept objects by address; and
 * the sites they use. */
static int number_nodes(bx *x, plan *p)
{
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&p->used_site, x->nsites + 1, 1, "site flags", x->err));
    MS_TRY(ms__alloc_array(&p->node_of, x->n, 4, "node numbers", x->err));
    for (uint64_t i = 0; i < x->n; i++) {
        if (p->state[i] == ST_LIVE || p->state[i] == ST_UNREACHED) {
            p->node_of[i] = (uint32_t)(1 + p->ngroups + p->kept++);
            if (x->site[i])
                p->used_site[x->site[i] - 1] = 1;
        } else {
            p->node_of[i] = NONE;
        }
    }
    if (1 + p->ngroups + p->kept > MS_NODE_LIMIT)
        rc = ms__fail(x->err, MS_ELIMIT, UINT64_MAX, "%s: more than %u nodes", x->r->name,
                      MS_NODE_LIMIT);
done:
    return rc;
}

/* The root node and the group nodes, each group an element of the root. */
static int add_groups(bx *x, const plan *p)
{
    uint32_t name;
    int rc = MS_OK;
    MS_TRY(intern(x, "(GC roots)", 10, &name));
    MS_TRY(ms__builder_node(&x->b, MS_NT_SYNTHETIC, name, 0, 0, 0, x->err));
    for (uint32_t k = 0; k < p->ngroups; k++) {
        uint32_t sid = NONE;
        if (k + 1 == p->uncoll_group) {
            MS_TRY(intern(x, "(uncollectable objects)", 23, &sid));
        } else if (k + 1 == p->unreached_group) {
            MS_TRY(intern(x, "(marked, retainer not recorded)", 31, &sid));
        } else {
            for (uint32_t r = 0; r < x->nranges && sid == NONE; r++)
                if (x->ranges[r].group == k + 1)
                    MS_TRY(group_name(x, &x->ranges[r], &sid));
        }
        MS_TRY(ms__builder_node(&x->b, MS_NT_SYNTHETIC, sid, k + 1, 0, 0, x->err));
        MS_TRY(ms__builder_edge(&x->b, 0, k + 1, MS_ET_ELEMENT, k, x->err));
    }
done:
    return rc;
}

/* ---- whose the objects are ------------------------------------------------------ */

/* Whose code a module is: the executable's is the program's, every shared
 * library's (libc, libgc, memsnap's capture library, the vDSO, the
 * program's own libraries too) the runtime's. */
static int module_origin(const bx *x, uint32_t m)
{
    return x->mods[m].flags & MS_GCCAP_MOD_MAIN ? MS__ORIGIN_USER : MS__ORIGIN_RUNTIME;
}

/* Whose code allocated at site s: a return address's module (a stack's
 * first frame, the allocation site proper); the MS_GC_* macros and
 * GC_debug_malloc headers name the program's source files (the program's);
 * an address in no module cannot tell (code made at run time). */
static int site_origin(const bx *x, const bsite *s)
{
    switch (s->type) {
    case MS_GCCAP_SITE_PC:
        return module_origin(x, s->module);
    case MS_GCCAP_SITE_DESC:
    case MS_GCCAP_SITE_DEBUG:
        return MS__ORIGIN_USER;
    case MS_GCCAP_SITE_STACK:
        /* frames are (module index + 1, address) pairs; 0: no module */
        return x->frames[s->frames] ? module_origin(x, (uint32_t)(x->frames[s->frames] - 1))
                                    : MS__ORIGIN_UNKNOWN;
    default:
        return MS__ORIGIN_UNKNOWN;
    }
}

/* p->site_origin for the used sites, or NULL when no kept object was
 * allocated by the program itself: a program whose every allocation is a
 * library's (an interpreter such as guile-3.0, whose objects are all
 * libguile's) would otherwise be all runtime, its data folded away, and
 * its captures tell no origins, as before.  Errors: MS_ENOMEM. */
static int site_origins(bx *x, plan *p)
{
    bool any_user = false;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array_zero(&p->site_origin, x->nsites + 1, 1, "site origins", x->err));
    for (uint32_t s = 0; s < x->nsites; s++) {
        if (!p->used_site[s])
            continue;
        p->site_origin[s] = (uint8_t)site_origin(x, &x->sites[s]);
        any_user |= p->site_origin[s] == MS__ORIGIN_USER;
    }
    if (!any_user) {
        free(p->site_origin);
        p->site_origin = NULL;
    }
done:
    return rc;
}

/* The classes the sites name (their type name or the site itself), each
 * with its site's origin: a name two sites of different origins share is
 * unknown (the builder's rule).  "(size class N)" is not told: unknown. */
static int class_origins(bx *x, const plan *p)
{
    int rc = MS_OK;
    for (uint32_t s = 0; s < x->nsites && p->site_origin; s++)
        if (p->used_site[s])
            MS_TRY(ms__builder_class_origin(&x->b, x->sites[s].class_sid, p->site_origin[s],
                                            x->err));
done:
    return rc;
}

/* The kept objects, in address order: node type by kind, class by site or
 * "(size class N)", id = address, self size = slot size, origin by site
 * (when the capture tells origins: site_origins), and the source file and
 * line of the sites that record them (the macros', GC_debug_malloc's) as
 * the object's location (the base rules': graph.h's positions). */
static int add_objects(bx *x, const plan *p)
{
    static const char *const kinds[] = {"atomic", "object", "uncollectable",
                                        "atomic uncollectable"};
    unsigned type_code[256];
    ms__map64 size_class = {0}; /* slot size -> "(size class N)" string id */
    int rc = MS_OK;
    for (int k = 0; k < 256; k++)
        type_code[k] = NONE;
    MS_TRY(ms__map64_init(&size_class, 64, x->err));
    for (uint64_t i = 0; i < x->n; i++) {
        uint32_t nd = p->node_of[i], cls;
        unsigned kind = x->kind[i];
        if (nd == NONE)
            continue;
        if (type_code[kind] == NONE) {
            char tn[32];
            if (kind < 4)
                snprintf(tn, sizeof tn, "%s", kinds[kind]);
            else
                snprintf(tn, sizeof tn, "kind %u", kind);
            MS_TRY(ms__builder_node_type(&x->b, tn, &type_code[kind], x->err));
        }
        if (x->site[i]) {
            cls = x->sites[x->site[i] - 1].class_sid;
        } else if ((cls = ms__map64_get(&size_class, x->o[i].size)) == MS_MAP_NONE) {
            MS_TRY(internf(x, &cls, "(size class %llu)", (unsigned long long)x->o[i].size));
            MS_TRY(ms__map64_put(&size_class, x->o[i].size, cls, &cls, NULL, x->err));
        }
        MS_TRY(ms__builder_node(&x->b, type_code[kind], cls, x->o[i].addr, x->o[i].size, 0,
                                x->err));
        if (x->site[i])
            MS_TRY(ms__builder_site(&x->b, nd, x->sites[x->site[i] - 1].site_sid, x->err));
        if (x->site[i] && p->site_origin)
            MS_TRY(ms__builder_origin(&x->b, nd, p->site_origin[x->site[i] - 1], x->err));
        if (x->site[i] && x->sites[x->site[i] - 1].file_sid != NONE) {
            const bsite *st = &x->sites[x->site[i] - 1];
            MS_TRY(ms__builder_location(&x->b, nd, st->file_sid,
                                        st->line < UINT32_MAX ? (uint32_t)st->line : 0, 0, x->err));
        }
    }
done:
    ms__map64_free(&size_class);
    return rc;
}

/* The edges of the groups: root words (named by the global's symbol, the
 * register, or the address), the uncollectable objects, the unreached
 * starts. */
static int add_root_edges(bx *x, const plan *p)
{
    static const char *const regs[] = MS_GCCAP_REGISTER_NAMES;
    uint32_t k = 0;
    int rc = MS_OK;
    for (uint64_t e = 0; e < x->nre; e++) {
        const brange *g = &x->ranges[x->re[e].range];
        uint64_t w = (x->re[e].addr - g->lo) / 8;
        uint32_t sid;
        if (!p->used_root[e])
            continue;
        if (g->kind == MS_GCCAP_ROOT_DATA)
            sid = p->root_name[e];
        else if (g->kind == MS_GCCAP_ROOT_REGISTERS && w < MS_GCCAP_REGISTER_COUNT)
            MS_TRY(intern(x, regs[w], strlen(regs[w]), &sid));
        else if (g->kind == MS_GCCAP_ROOT_REGISTERS)
            MS_TRY(internf(x, &sid, "register %llu", (unsigned long long)w));
        else
            MS_TRY(internf(x, &sid, "0x%llx", (unsigned long long)x->re[e].addr));
        MS_TRY(ms__builder_edge(&x->b, g->group, p->node_of[x->re[e].to], MS_ET_PROPERTY, sid,
                                x->err));
    }
    for (uint64_t i = 0; i < x->n && p->uncoll_group != NONE; i++)
        if (uncollectable(x, i) && p->state[i] == ST_LIVE)
            MS_TRY(ms__builder_edge(&x->b, p->uncoll_group, p->node_of[i], MS_ET_ELEMENT, k++,
                                    x->err));
    for (uint64_t u = 0; u < p->nunreached; u++)
        MS_TRY(ms__builder_edge(&x->b, p->unreached_group, p->node_of[p->unreached[u]],
                                MS_ET_ELEMENT, (uint32_t)u, x->err));
done:
    return rc;
}

/* The process the capture was taken in (graph.h's ms__process): its pid,
 * the executable's path and build id, and, when PROCESS says, when it
 * started. */
static void set_process(bx *x)
{
    ms__process p;
    memset(&p, 0, sizeof p);
    p.known = true;
    p.pid = x->pid;
    p.program = ms__fnv1a(text(x, x->program), (size_t)x->program_len);
    for (uint32_t m = 0; m < x->nmods; m++)
        if ((x->mods[m].flags & MS_GCCAP_MOD_MAIN) && x->mods[m].build_id_len) {
            p.build_id = ms__fnv1a(x->mods[m].build_id, x->mods[m].build_id_len);
            break;
        }
    if (x->have_process && x->start_ticks) {
        p.start_ticks = x->start_ticks;
        p.boot = ms__fnv1a(text(x, x->boot_id), (size_t)x->boot_id_len);
    }
    ms__builder_set_process(&x->b, &p);
}

static int build_graph(bx *x, ms__graph **out)
{
    plan p = {0};
    int rc = MS_OK;

    p.uncoll_group = p.unreached_group = NONE;
    MS_TRY(ms__alloc_array(&p.state, x->n, 1, "object states", x->err));
    MS_TRY(ms__alloc_array(&p.unreached, x->n, 4, "unreached objects", x->err));
    MS_TRY(classify(x, p.state, p.unreached, &p.nunreached));
    MS_TRY(number_groups(x, &p));
    MS_TRY(number_nodes(x, &p));
    MS_TRY(ms__builder_init(&x->b, MS__BUILD_ANY_ORDER, x->err));
    MS_TRY(ms__builder_reserve(&x->b, 1 + p.ngroups + p.kept,
                               x->ne + p.nroot_edges + p.ngroups + 16, x->err));
    MS_TRY(name_sites(x, p.used_site, p.used_root, p.root_name));
    MS_TRY(site_origins(x, &p));
    set_process(x);
    MS_TRY(add_groups(x, &p));
    MS_TRY(add_objects(x, &p));
    MS_TRY(class_origins(x, &p));
    MS_TRY(add_root_edges(x, &p));
    /* object edges, in the order of the words */
    for (uint64_t e = 0; e < x->ne; e++) {
        uint32_t f = p.node_of[x->e[e].from], t = p.node_of[x->e[e].to];
        if (f != NONE && t != NONE)
            MS_TRY(ms__builder_edge(&x->b, f, t, MS_ET_ELEMENT, x->e[e].offset, x->err));
    }
    ms__builder_set_root(&x->b, 0);
    MS_TRY(ms__builder_finish(&x->b, out, x->err));
done:
    plan_free(&p);
    return rc;
}

/* ---- the importer ------------------------------------------------------------------------- */

static int probe(const uint8_t *p, size_t n)
{
    return n >= MS_GCCAP_MAGIC_LEN && memcmp(p, MS_GCCAP_MAGIC, MS_GCCAP_MAGIC_LEN) == 0 ? 100
                                                                                          : 0;
}

static int run(ms__reader *r, ms__progress *progress, ms__graph **out, ms_error *err)
{
    bx x;
    int rc;
    memset(&x, 0, sizeof x);
    x.r = r;
    x.progress = progress;
    x.err = err;
    rc = read_file(&x);
    if (rc == MS_OK)
        rc = build_graph(&x, out);
    ms__builder_discard(&x.b);
    ms__sbuf_free(&x.text);
    free(x.mods);
    free(x.thr);
    free(x.sites);
    free(x.frames);
    free(x.o);
    free(x.pidx);
    free(x.kind);
    free(x.oflags);
    free(x.site);
    free(x.ncand);
    free(x.e);
    free(x.ranges);
    free(x.re);
    return rc;
}

const ms__importer ms__importer_boehm = {MS_FORMAT_BOEHM, "boehm", probe, run};
