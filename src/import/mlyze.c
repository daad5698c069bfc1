/*
 * mlyze.c: Memlyze .mlyze importer: v1 event traces as the real Memlyze
 * tracer writes them, and memsnap's extension 1 (SITE_FREE, zstd blocks and
 * a heap snapshot).  The format, quirks included, is in
 * docs/formats/mlyze.md; this file follows its sections.
 *
 *   header      256 bytes: "MTRC", u32 version 1, u64 start us, u32 metadata length
 *   metadata    JSON (cJSON; at most 64 MiB): stacks, files, functions
 *   records     v1 events (types 0-3, not self-describing) and length-prefixed
 *               records (types 0x40-0xFF)
 *
 * What it builds.  The events go into the trace (src/snapshot/trace.h): per
 * site totals, the live-bytes series, markers and GCs.  The graph is the
 * heap snapshot when the file has one (objects, references, roots), else a
 * site graph: the root and one node per allocation site sized by its live
 * bytes.
 *
 * Streaming: records are decoded straight from the reader's window; a record
 * is decoded completely before it changes any state, so a record cut by the
 * end of the window is simply decoded again once the window holds it.  A
 * zstd block is decompressed whole (at most 64 MiB) and its content parsed
 * the same way.  Memory is the graph, the trace (bounded, trace.h), two
 * small id maps, and the address map of live ALLOCs (16 bytes per live
 * allocation with a non-zero address; Memlyze writes none).
 *
 * Hostile input: every count is checked against the record length before
 * anything is sized from it; varints longer than 10 bytes or beyond 2^64,
 * times and byte totals beyond 2^63, unknown critical types, references to
 * strings or objects that do not exist, and any truncation are errors that
 * name the byte offset.
 */
#include "import.h"
#include "../snapshot/builder.h"
#include "../snapshot/trace.h"
#include "../util/map.h"
#include "../util/vec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>

#define HEADER_BYTES 256u
#define METADATA_MAX (64u << 20)
#define RECORD_MAX (1u << 26)    /* payload limit of length-prefixed records */
#define V1_EVENT_MAX 41u         /* 1 + 10 + 8 + 10 + 10 + 2: the longest v1 event */
#define EXT_HEADER_MAX 21u       /* type + two varints */
#define NONE32 UINT32_MAX
#define BATCH 1024u
#define DIRECT_STACKS (1u << 20) /* stack ids looked up in a plain array: 4 MiB at most */

enum {
    EV_ALLOC = 0,
    EV_FREE = 1,
    EV_GC = 2,
    EV_MARKER = 3,
    EXT_FIRST = 0x40,
    EXT_ZSTD_BLOCK = 0x40,
    EXT_SITE_FREE = 0x41,
    EXT_HEAP_BEGIN = 0x48,
    EXT_HEAP_STRINGS = 0x49,
    EXT_HEAP_OBJECTS = 0x4A,
    EXT_HEAP_REFS = 0x4B,
    EXT_HEAP_ROOTS = 0x4C,
    EXT_HEAP_END = 0x4D,
    EXT_HEAP_CLASS_ORIGINS = 0x68,  /* ancillary: older readers skip them */
    EXT_HEAP_OBJECT_ORIGINS = 0x69,
    EXT_HEAP_CLASS_SOURCES = 0x6A,
    EXT_ANCILLARY_BIT = 0x20
};

/* ---- small maps ------------------------------------------------------- */

/* Ids to string ids and trace sites (ms__map64; NONE32 cannot be stored).
 * A map is zeroed until its first insert. */
static bool idmap_get(const ms__map64 *m, uint64_t key, uint32_t *val)
{
    uint32_t v = m->vals ? ms__map64_get(m, key) : MS_MAP_NONE;
    if (v == MS_MAP_NONE)
        return false;
    *val = v;
    return true;
}

/* Adds key -> val; the key must not be in the map yet. */
static int idmap_put(ms__map64 *m, uint64_t key, uint32_t val, ms_error *err)
{
    uint32_t stored;
    if (!m->vals && ms__map64_init(m, 128, err) < 0)
        return MS_ENOMEM;
    return ms__map64_put(m, key, val, &stored, NULL, err);
}

/* Live ALLOCs by address: 16-byte slots, address 0 = empty (Memlyze's
 * "no address"), size (40 bits) and site (24 bits) packed in one word;
 * linear probing at load <= 0.7 with backward-shift deletion (no
 * tombstones, so long traces of alloc/free pairs do not degrade it). */
typedef struct addrslot {
    uint64_t addr, packed;
} addrslot;

typedef struct addrmap {
    addrslot *s;
    uint64_t mask, count;
} addrmap;

#define ADDR_SIZE_MAX ((1ull << 40) - 1)

static int addrmap_put(addrmap *m, uint64_t addr, uint64_t size, uint32_t site, ms_error *err)
{
    uint64_t i;
    if (!m->s || (m->count + 1) * 10 > (m->mask + 1) * 7) {
        uint64_t cap = m->s ? (m->mask + 1) * 2 : 1024;
        addrslot *n;
        if (ms__alloc_array_zero(&n, cap, sizeof *n, "live allocations", err) < 0)
            return MS_ENOMEM;
        for (uint64_t j = 0; m->s && j <= m->mask; j++) {
            if (!m->s[j].addr)
                continue;
            for (i = ms__hash64(m->s[j].addr) & (cap - 1); n[i].addr; i = (i + 1) & (cap - 1))
                ;
            n[i] = m->s[j];
        }
        free(m->s);
        m->s = n;
        m->mask = cap - 1;
    }
    for (i = ms__hash64(addr) & m->mask; m->s[i].addr && m->s[i].addr != addr; i = (i + 1) & m->mask)
        ;
    /* An address allocated again without a FREE in between: the FREE was
     * lost (Memlyze's ring buffer drops events); the old block stays
     * counted as live, and the address now names the new one. */
    if (!m->s[i].addr)
        m->count++;
    m->s[i].addr = addr;
    m->s[i].packed = size << 24 | site;
    return MS_OK;
}

static bool addrmap_take(addrmap *m, uint64_t addr, uint64_t *size, uint32_t *site)
{
    uint64_t i, j;
    if (!m->s)
        return false;
    for (i = ms__hash64(addr) & m->mask; m->s[i].addr != addr; i = (i + 1) & m->mask)
        if (!m->s[i].addr)
            return false;
    *size = m->s[i].packed >> 24;
    *site = (uint32_t)(m->s[i].packed & 0xFFFFFF);
    for (j = i;;) {
        uint64_t k;
        j = (j + 1) & m->mask;
        if (!m->s[j].addr)
            break;
        k = ms__hash64(m->s[j].addr) & m->mask;
        /* Slot j may move to the hole at i unless its home k lies
         * cyclically in (i, j]. */
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        m->s[i] = m->s[j];
        i = j;
    }
    m->s[i].addr = 0;
    m->count--;
    return true;
}

/* ---- state -------------------------------------------------------------- */

typedef struct root_entry {
    uint32_t kind, name, object;
} root_entry;

typedef struct class_source {
    uint32_t cls, file, line;
} class_source;

typedef struct mlyze {
    ms__reader *r;
    ms__progress *progress;
    ms_error *err;
    ms__builder b;
    ms__trace *t;

    /* where records are read from: the file, or a zstd block's content */
    bool in_block;
    uint64_t block_off;

    /* time */
    bool batch_rule;
    uint64_t now;
    bool last_mem;
    uint64_t last_delta;

    ms__map64 stacks;     /* stack id -> site string id */
    uint32_t *site_by_stack; /* stack id (< DIRECT_STACKS) -> trace site + 1, 0 = not yet */
    uint64_t site_by_stack_cap;
    ms__map64 functions;  /* function id -> string id (marker names) */
    ms__map64 site_index; /* site string id -> trace site */
    addrmap live;
    uint64_t last_stack;
    uint32_t last_site; /* NONE32: no cached stack */

    /* heap snapshot */
    int heap;         /* 0 none yet, 1 open, 2 finished */
    uint64_t heap_off;
    uint32_t *hstr;   /* file string id -> interned id */
    uint64_t hstr_count, hstr_cap;
    uint64_t objects, refs;
    root_entry *roots;
    uint64_t root_count, root_cap;
    uint64_t max_object;     /* largest object index a reference or root names, +1 */
    uint64_t max_object_off; /* the record that named it */
    /* whose the classes and objects are (HEAP_*_ORIGINS), until HEAP_END:
     * class string ids (interned) and object indices, each with its origin */
    uint32_t *corg_sid, *oorg_obj;
    uint8_t *corg_val, *oorg_val;
    uint64_t corg_count, corg_cap, corg_vcap, oorg_count, oorg_cap, oorg_vcap;
    uint64_t max_origin_object, max_origin_off; /* as max_object, for HEAP_OBJECT_ORIGINS */
    /* where classes are (HEAP_CLASS_SOURCES), until HEAP_END: class, file
     * (interned string ids) and line per class */
    class_source *csrc;
    uint64_t csrc_count, csrc_cap;
    uint32_t empty_sid;

    ZSTD_DCtx *zd;
    uint8_t *block;
    size_t block_cap;

    /* one batch of object nodes */
    uint8_t col_type[BATCH];
    uint32_t col_name[BATCH];
    uint64_t col_id[BATCH], col_self[BATCH];
} mlyze;

static int vfail(mlyze *m, int code, uint64_t off, const char *fmt, va_list ap) MS_PRINTF(4, 0);

static int vfail(mlyze *m, int code, uint64_t off, const char *fmt, va_list ap)
{
    char msg[360];
    if (!m->in_block)
        return ms__input_vfail(m->err, code, m->r->name, off, fmt, ap);
    vsnprintf(msg, sizeof msg, fmt, ap);
    return ms__fail(m->err, code, m->block_off,
                    "%s: offset %llu: in the zstd block there, at byte %llu of its content: %s",
                    m->r->name, (unsigned long long)m->block_off, (unsigned long long)off, msg);
}

static int fail(mlyze *m, int code, uint64_t off, const char *fmt, ...) MS_PRINTF(4, 5);

static int fail(mlyze *m, int code, uint64_t off, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = vfail(m, code, off, fmt, ap);
    va_end(ap);
    return rc;
}

/* A failure from a helper that has no offset (the builder, the trace): the
 * message gets the file and the record's offset. */
static int forward(mlyze *m, int rc, uint64_t off)
{
    if (m->err && m->err->code != MS_OK && m->err->offset == UINT64_MAX) {
        char msg[MS_ERROR_MESSAGE_MAX];
        int code = m->err->code;
        snprintf(msg, sizeof msg, "%s", m->err->message);
        m->err->code = MS_OK;
        return fail(m, code, off, "%s", msg);
    }
    return rc;
}

/* ---- sites and time ----------------------------------------------------- */

static int intern(mlyze *m, const char *s, size_t len, uint32_t *sid)
{
    return ms__builder_string(&m->b, s, len, sid, NULL, m->err);
}

#define internf(m, sid, ...) ms__builder_stringf(&(m)->b, (sid), (m)->err, __VA_ARGS__)

/* The site string of a stack id: from the metadata, else "stack <id>". */
static int stack_site(mlyze *m, uint64_t stack, uint32_t *sid)
{
    if (idmap_get(&m->stacks, stack, sid))
        return MS_OK;
    if (internf(m, sid, "stack %llu", (unsigned long long)stack) < 0)
        return MS_ENOMEM;
    return idmap_put(&m->stacks, stack, *sid, m->err);
}

/* site_of() for a stack id neither cached nor in the stack table: its
 * site string, its trace site (created on first use), its table entry
 * (ids below DIRECT_STACKS).  Out of line: the hit path, taken for nearly
 * every event, keeps its registers. */
__attribute__((noinline, cold)) static int new_stack(mlyze *m, uint64_t stack, uint64_t off,
                                                     uint32_t *site)
{
    uint32_t sid;
    if (stack_site(m, stack, &sid) < 0)
        return forward(m, MS_ENOMEM, off);
    if (!idmap_get(&m->site_index, sid, site)) {
        if (ms__trace_add_site(m->t, sid, site, m->err) < 0 ||
            idmap_put(&m->site_index, sid, *site, m->err) < 0)
            return forward(m, m->err ? m->err->code : MS_ENOMEM, off);
    }
    if (stack < DIRECT_STACKS) {
        if (stack >= m->site_by_stack_cap) {
            uint64_t old = m->site_by_stack_cap;
            if (ms__grow(&m->site_by_stack, &m->site_by_stack_cap, stack + 1, 1024, 4,
                         "stack table", m->err) < 0)
                return forward(m, MS_ENOMEM, off);
            memset(m->site_by_stack + old, 0, (size_t)(m->site_by_stack_cap - old) * 4);
        }
        m->site_by_stack[stack] = *site + 1;
    }
    return MS_OK;
}

/* The trace site of a stack id, created on first use.  Writers number
 * stacks from 0, so small ids go through a plain array, not two hash
 * look-ups per event (docs/performance.md, Memlyze traces). */
static int site_of(mlyze *m, uint64_t stack, uint64_t off, uint32_t *site)
{
    int rc;
    if (m->last_site != NONE32 && m->last_stack == stack) {
        *site = m->last_site;
        return MS_OK;
    }
    if (stack < m->site_by_stack_cap && m->site_by_stack[stack])
        *site = m->site_by_stack[stack] - 1;
    else if ((rc = new_stack(m, stack, off, site)) < 0)
        return rc;
    m->last_stack = stack;
    m->last_site = *site;
    return MS_OK;
}

/* Applies an event's delta (docs/formats/mlyze.md, "Time"). */
static int advance(mlyze *m, uint64_t delta, bool mem, uint64_t off)
{
    if (!(m->batch_rule && mem && m->last_mem && delta == m->last_delta)) {
        uint64_t t;
        if (__builtin_add_overflow(m->now, delta, &t) || t > (uint64_t)INT64_MAX)
            return fail(m, MS_ELIMIT, off, "the event time passes 2^63 microseconds");
        m->now = t;
    }
    m->last_mem = mem;
    m->last_delta = delta;
    m->t->info.end_time_us = m->now;
    return MS_OK;
}

static int add_u64(mlyze *m, uint64_t *sum, uint64_t v, uint64_t off, const char *what)
{
    if (__builtin_add_overflow(*sum, v, sum) || *sum > (uint64_t)INT64_MAX)
        return fail(m, MS_ELIMIT, off, "%s pass 2^63", what);
    return MS_OK;
}

static int live_change(mlyze *m, ms__trace_site *s, int64_t delta, uint64_t off)
{
    if (s && __builtin_add_overflow(s->live_bytes, delta, &s->live_bytes))
        return fail(m, MS_ELIMIT, off, "the live bytes of a site pass 2^63");
    if (ms__trace_live(m->t, m->now, delta, m->err) < 0)
        return forward(m, m->err ? m->err->code : MS_ENOMEM, off);
    return MS_OK;
}

static int on_alloc(mlyze *m, uint64_t off, uint64_t delta, uint64_t addr, uint64_t size,
                    uint64_t stack)
{
    ms_trace_info *in = &m->t->info;
    ms__trace_site *s;
    uint32_t site;
    int rc = MS_OK;
    MS_TRY(advance(m, delta, true, off));
    MS_TRY(site_of(m, stack, off, &site));
    s = &m->t->sites[site];
    MS_TRY(add_u64(m, &in->alloc_bytes, size, off, "allocated bytes"));
    MS_TRY(add_u64(m, &s->alloc_bytes, size, off, "allocated bytes"));
    in->alloc_events++;
    s->alloc_events++;
    MS_TRY(live_change(m, s, (int64_t)size, off));
    /* Sizes of a terabyte and more are not paired (the packed slot holds
     * 40 bits); their FREE counts as unsized. */
    if (addr && size <= ADDR_SIZE_MAX && addrmap_put(&m->live, addr, size, site, m->err) < 0)
        rc = forward(m, MS_ENOMEM, off);
done:
    return rc;
}

static int freed(mlyze *m, uint32_t site, uint64_t size, uint64_t off)
{
    ms__trace_site *s = &m->t->sites[site];
    int rc = MS_OK;
    MS_TRY(add_u64(m, &m->t->info.freed_bytes, size, off, "freed bytes"));
    MS_TRY(add_u64(m, &s->freed_bytes, size, off, "freed bytes"));
    s->free_events++;
    MS_TRY(live_change(m, s, -(int64_t)size, off));
done:
    return rc;
}

static int on_free(mlyze *m, uint64_t off, uint64_t delta, uint64_t addr)
{
    uint64_t size;
    uint32_t site;
    int rc = MS_OK;
    MS_TRY(advance(m, delta, true, off));
    m->t->info.free_events++;
    if (addr && addrmap_take(&m->live, addr, &size, &site))
        return freed(m, site, size, off);
    m->t->info.unsized_frees++;
    MS_TRY(live_change(m, NULL, 0, off));
done:
    return rc;
}

static int on_gc(mlyze *m, uint64_t off, uint64_t delta, uint64_t objects, uint64_t bytes)
{
    ms_trace_info *in = &m->t->info;
    int rc = MS_OK;
    MS_TRY(advance(m, delta, false, off));
    in->gc_events++;
    MS_TRY(add_u64(m, &in->gc_objects, objects, off, "collected objects"));
    MS_TRY(add_u64(m, &in->gc_bytes, bytes, off, "GC bytes"));
    if (ms__trace_add_mark(m->t, MS_MARK_GC, m->now, m->in_block ? m->block_off : off, NONE32, objects,
                       bytes, m->err) < 0)
        rc = forward(m, MS_ENOMEM, off);
done:
    return rc;
}

static int on_marker(mlyze *m, uint64_t off, uint64_t delta, uint64_t name_id)
{
    uint32_t sid;
    int rc = MS_OK;
    MS_TRY(advance(m, delta, false, off));
    m->t->info.marker_events++;
    if (!idmap_get(&m->functions, name_id, &sid) &&
        internf(m, &sid, "marker %llu", (unsigned long long)name_id) < 0)
        return forward(m, MS_ENOMEM, off);
    if (ms__trace_add_mark(m->t, MS_MARK_MARKER, m->now, m->in_block ? m->block_off : off, sid, 0, 0,
                       m->err) < 0)
        rc = forward(m, MS_ENOMEM, off);
done:
    return rc;
}

/* ---- the heap snapshot (extension records 0x48-0x4D) -------------------- */

static int heap_open(mlyze *m, uint64_t off, const char *what)
{
    if (m->heap != 1)
        return fail(m, MS_EFORMAT, off, "%s record outside a heap snapshot (no HEAP_BEGIN before it)",
                    what);
    return MS_OK;
}

/* The interned id of file string `s`, which must be written already. */
static int heap_string(mlyze *m, uint32_t s, uint64_t off, const char *what, uint32_t *sid)
{
    if (s >= m->hstr_count)
        return fail(m, MS_EFORMAT, off, "%s names string %u, but only %llu strings are written before it",
                    what, s, (unsigned long long)m->hstr_count);
    *sid = m->hstr[s];
    return MS_OK;
}

/* An object index named by a reference or root: checked against the object
 * count at HEAP_END (objects may come after the references to them). */
static int heap_object_ref(mlyze *m, uint32_t obj, uint64_t off)
{
    if (obj >= MS_NODE_LIMIT - 1)
        return fail(m, MS_ELIMIT, off, "object index %u is beyond memsnap's limit of %u nodes", obj,
                    MS_NODE_LIMIT);
    if ((uint64_t)obj + 1 > m->max_object) {
        m->max_object = (uint64_t)obj + 1;
        m->max_object_off = m->in_block ? m->block_off : off;
    }
    return MS_OK;
}

static int heap_begin(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint32_t version, flags;
    if (m->heap)
        return fail(m, MS_EFORMAT, off,
                    "a second heap snapshot (the first began at offset %llu); a file holds one",
                    (unsigned long long)m->heap_off);
    if (len != 8)
        return fail(m, MS_EFORMAT, off, "HEAP_BEGIN has %llu bytes, not 8", (unsigned long long)len);
    version = ms__le32(p);
    flags = ms__le32(p + 4);
    if (version != 1)
        return fail(m, MS_EFORMAT, off, "heap snapshot version %u; this memsnap reads version 1",
                    version);
    if (flags != 0)
        return fail(m, MS_EFORMAT, off, "HEAP_BEGIN flags 0x%x are not defined in version 1", flags);
    m->heap = 1;
    m->heap_off = m->in_block ? m->block_off : off;
    m->t->info.has_heap = 1;
    m->t->info.heap_time_us = m->now;
    return MS_OK;
}

static int heap_strings(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t n, at, total = 0;
    if (heap_open(m, off, "HEAP_STRINGS") < 0)
        return MS_EFORMAT;
    if (len < 4)
        return fail(m, MS_EFORMAT, off, "HEAP_STRINGS has %llu bytes, less than its count",
                    (unsigned long long)len);
    n = ms__le32(p);
    if (4 + 4 * n > len)
        return fail(m, MS_EFORMAT, off, "HEAP_STRINGS counts %llu strings but has %llu bytes",
                    (unsigned long long)n, (unsigned long long)len);
    for (uint64_t i = 0; i < n; i++)
        total += ms__le32(p + 4 + 4 * i);
    if (4 + 4 * n + total != len)
        return fail(m, MS_EFORMAT, off,
                    "HEAP_STRINGS has %llu bytes, but its %llu lengths add up to %llu",
                    (unsigned long long)len, (unsigned long long)n,
                    (unsigned long long)(4 + 4 * n + total));
    if (m->hstr_count + n > (uint64_t)NONE32 - 1)
        return fail(m, MS_ELIMIT, off, "more than %u strings in the heap snapshot", NONE32 - 1);
    if (ms__grow(&m->hstr, &m->hstr_cap, m->hstr_count + n, 1024, 4, "heap strings", m->err) < 0)
        return MS_ENOMEM;
    at = 4 + 4 * n;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t l = ms__le32(p + 4 + 4 * i);
        if (intern(m, (const char *)p + at, l, &m->hstr[m->hstr_count]) < 0)
            return forward(m, MS_ENOMEM, off);
        m->hstr_count++;
        at += l;
    }
    return MS_OK;
}

/* Opens a heap record of fixed-size entries: "u32 n, then n entries of
 * `each` bytes" must fill the record exactly.  *n gets the count. */
static int heap_array(mlyze *m, const char *what, const char *entries, unsigned each,
                      const uint8_t *p, uint64_t len, uint64_t off, uint64_t *n)
{
    if (heap_open(m, off, what) < 0)
        return MS_EFORMAT;
    *n = len >= 4 ? ms__le32(p) : 0;
    if (len < 4 || len != 4 + (uint64_t)each * *n)
        return fail(m, MS_EFORMAT, off, "%s has %llu bytes; %llu %s take %llu", what,
                    (unsigned long long)len, (unsigned long long)*n, entries,
                    (unsigned long long)(4 + (uint64_t)each * *n));
    return MS_OK;
}

static int heap_objects(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t n;
    if (heap_array(m, "HEAP_OBJECTS", "objects", 24, p, len, off, &n) < 0)
        return MS_EFORMAT;
    if (m->objects + n >= MS_NODE_LIMIT - 1)
        return fail(m, MS_ELIMIT, off, "more than %u objects (memsnap's limit; graph.h)",
                    MS_NODE_LIMIT - 2);
    for (uint64_t i0 = 0; i0 < n; i0 += BATCH) {
        uint32_t k = (uint32_t)(n - i0 < BATCH ? n - i0 : BATCH);
        uint32_t first = ms__builder_node_count(&m->b);
        ms__node_batch nb = {m->col_type, m->col_name, m->col_id, m->col_self, NULL};
        for (uint32_t j = 0; j < k; j++) {
            uint64_t i = i0 + j;
            m->col_type[j] = MS_NT_OBJECT;
            m->col_id[j] = ms__le64(p + 4 + 8 * i);
            if (heap_string(m, ms__le32(p + 4 + 8 * n + 4 * i), off, "an object's class",
                            &m->col_name[j]) < 0)
                return MS_EFORMAT;
            m->col_self[j] = ms__le64(p + 4 + 12 * n + 8 * i);
        }
        if (ms__builder_nodes(&m->b, k, &nb, m->err) < 0)
            return forward(m, m->err ? m->err->code : MS_ENOMEM, off);
        for (uint32_t j = 0; j < k; j++) {
            uint32_t site = ms__le32(p + 4 + 20 * n + 4 * (i0 + j)), sid;
            if (!site)
                continue;
            if (stack_site(m, site - 1u, &sid) < 0 || ms__builder_site(&m->b, first + j, sid, m->err) < 0)
                return forward(m, MS_ENOMEM, off);
        }
    }
    m->objects += n;
    return MS_OK;
}

static int heap_refs(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    static const uint8_t edge_type[4] = {MS_ET_ELEMENT, MS_ET_PROPERTY, MS_ET_INTERNAL, MS_ET_WEAK};
    uint64_t n;
    if (heap_array(m, "HEAP_REFS", "references", 13, p, len, off, &n) < 0)
        return MS_EFORMAT;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t from = ms__le32(p + 4 + 4 * i), to = ms__le32(p + 4 + 4 * n + 4 * i);
        uint32_t name = ms__le32(p + 4 + 8 * n + 4 * i), sid = 0;
        uint8_t kind = p[4 + 12 * n + i];
        if (kind > 3)
            return fail(m, MS_EFORMAT, off, "reference %llu has kind %u (0-3 are defined)",
                        (unsigned long long)i, kind);
        if (heap_object_ref(m, from, off) < 0 || heap_object_ref(m, to, off) < 0)
            return MS_ELIMIT;
        if (kind == 0)
            sid = name;
        else if (name == NONE32)
            sid = m->empty_sid;
        else if (heap_string(m, name, off, "a reference's name", &sid) < 0)
            return MS_EFORMAT;
        if (ms__builder_edge(&m->b, from + 1, to + 1, edge_type[kind], sid, m->err) < 0)
            return forward(m, m->err ? m->err->code : MS_ENOMEM, off);
    }
    m->refs += n;
    return MS_OK;
}

static int heap_roots(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t n;
    if (heap_array(m, "HEAP_ROOTS", "roots", 12, p, len, off, &n) < 0)
        return MS_EFORMAT;
    if (ms__grow(&m->roots, &m->root_cap, m->root_count + n, 256, sizeof *m->roots, "roots",
                 m->err) < 0)
        return MS_ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        root_entry *e = &m->roots[m->root_count + i];
        uint32_t name = ms__le32(p + 4 + 4 * n + 4 * i);
        e->object = ms__le32(p + 4 + 8 * n + 4 * i);
        if (heap_string(m, ms__le32(p + 4 + 4 * i), off, "a root's kind", &e->kind) < 0 ||
            (name != NONE32 && heap_string(m, name, off, "a root's name", &e->name) < 0))
            return MS_EFORMAT;
        if (name == NONE32)
            e->name = NONE32;
        if (heap_object_ref(m, e->object, off) < 0)
            return MS_ELIMIT;
    }
    m->root_count += n;
    return MS_OK;
}

/* Checks an origin byte of a HEAP_*_ORIGINS record (MS__ORIGIN_*). */
static int origin_value(mlyze *m, const char *what, uint64_t i, uint8_t v, uint64_t off)
{
    if (v > MS__ORIGIN_RUNTIME)
        return fail(m, MS_EFORMAT, off, "%s entry %llu has origin %u (0-2 are defined)", what,
                    (unsigned long long)i, v);
    return MS_OK;
}

/* HEAP_CLASS_ORIGINS: u32 n, u32 class[n] (string ids), u8 origin[n]; kept
 * until HEAP_END. */
static int heap_class_origins(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t n;
    if (heap_array(m, "HEAP_CLASS_ORIGINS", "classes", 5, p, len, off, &n) < 0)
        return MS_EFORMAT;
    if (ms__grow(&m->corg_sid, &m->corg_cap, m->corg_count + n, 64, 4, "class origins", m->err) < 0 ||
        ms__grow(&m->corg_val, &m->corg_vcap, m->corg_count + n, 64, 1, "class origins", m->err) < 0)
        return forward(m, MS_ENOMEM, off);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t v = p[4 + 4 * n + i];
        if (heap_string(m, ms__le32(p + 4 + 4 * i), off, "a class origin",
                        &m->corg_sid[m->corg_count + i]) < 0 ||
            origin_value(m, "HEAP_CLASS_ORIGINS", i, v, off) < 0)
            return MS_EFORMAT;
        m->corg_val[m->corg_count + i] = v;
    }
    m->corg_count += n;
    return MS_OK;
}

/* HEAP_OBJECT_ORIGINS: u32 n, u32 object[n], u8 origin[n]: objects whose
 * origin is not their class's; kept until HEAP_END (objects may come
 * later). */
static int heap_object_origins(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t n;
    if (heap_array(m, "HEAP_OBJECT_ORIGINS", "objects", 5, p, len, off, &n) < 0)
        return MS_EFORMAT;
    if (ms__grow(&m->oorg_obj, &m->oorg_cap, m->oorg_count + n, 64, 4, "object origins", m->err) < 0 ||
        ms__grow(&m->oorg_val, &m->oorg_vcap, m->oorg_count + n, 64, 1, "object origins", m->err) < 0)
        return forward(m, MS_ENOMEM, off);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t obj = ms__le32(p + 4 + 4 * i);
        uint8_t v = p[4 + 4 * n + i];
        if (origin_value(m, "HEAP_OBJECT_ORIGINS", i, v, off) < 0)
            return MS_EFORMAT;
        if ((uint64_t)obj + 1 > m->max_origin_object) {
            m->max_origin_object = (uint64_t)obj + 1;
            m->max_origin_off = m->in_block ? m->block_off : off;
        }
        m->oorg_obj[m->oorg_count + i] = obj;
        m->oorg_val[m->oorg_count + i] = v;
    }
    m->oorg_count += n;
    return MS_OK;
}

/* HEAP_CLASS_SOURCES: u32 n, u32 class[n], u32 file[n] (string ids), u32
 * line[n] (1-based, 0 unknown); kept until HEAP_END. */
static int heap_class_sources(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t n;
    if (heap_array(m, "HEAP_CLASS_SOURCES", "classes", 12, p, len, off, &n) < 0)
        return MS_EFORMAT;
    if (ms__grow(&m->csrc, &m->csrc_cap, m->csrc_count + n, 64, sizeof *m->csrc, "class sources",
                 m->err) < 0)
        return forward(m, MS_ENOMEM, off);
    for (uint64_t i = 0; i < n; i++) {
        class_source *c = &m->csrc[m->csrc_count + i];
        if (heap_string(m, ms__le32(p + 4 + 4 * i), off, "a class source", &c->cls) < 0 ||
            heap_string(m, ms__le32(p + 4 + 4 * n + 4 * i), off, "a class source's file",
                        &c->file) < 0)
            return MS_EFORMAT;
        c->line = ms__le32(p + 4 + 8 * n + 4 * i);
    }
    m->csrc_count += n;
    return MS_OK;
}

/* At HEAP_END: each object of a class HEAP_CLASS_SOURCES names is located
 * at its class's file and line (the base rules' location: graph.h's
 * positions, the file's string id as the script).  A class named twice
 * takes the last.  Errors: MS_ENOMEM. */
static int apply_sources(mlyze *m, uint64_t off)
{
    ms__map64 by_class = {0}; /* class string id -> its entry in csrc */
    ms__graph *g = m->b.g;
    int rc = MS_OK;
    if (!m->csrc_count)
        return MS_OK;
    if (ms__map64_init(&by_class, m->csrc_count, m->err) < 0)
        return forward(m, MS_ENOMEM, off);
    for (uint64_t i = m->csrc_count; i-- > 0;) {
        uint32_t got;
        if (ms__map64_put(&by_class, m->csrc[i].cls, (uint32_t)i, &got, NULL, m->err) < 0) {
            rc = forward(m, MS_ENOMEM, off);
            goto done;
        }
    }
    for (uint64_t i = 0; i < m->objects; i++) {
        uint32_t node = (uint32_t)i + 1, k = ms__map64_get(&by_class, g->node_name[node]);
        if (k != MS_MAP_NONE &&
            ms__builder_location(&m->b, node, m->csrc[k].file, m->csrc[k].line, 0, m->err) < 0) {
            rc = forward(m, m->err ? m->err->code : MS_ENOMEM, off);
            goto done;
        }
    }
done:
    ms__map64_free(&by_class);
    return rc;
}

/* At HEAP_END: the classes' origins, and each object's (its class's, or
 * its own where HEAP_OBJECT_ORIGINS says).  Objects are nodes 1 ..
 * objects.  Errors: MS_ENOMEM, MS_EFORMAT (an object beyond the count). */
static int apply_origins(mlyze *m, uint64_t off)
{
    ms__map64 by_class = {0}; /* class string id -> its first entry in corg_* */
    ms__graph *g = m->b.g;
    int rc = MS_OK;
    if (m->max_origin_object > m->objects)
        return fail(m, MS_EFORMAT, m->max_origin_off,
                    "an object origin names object %llu, but the heap snapshot has %llu objects",
                    (unsigned long long)(m->max_origin_object - 1), (unsigned long long)m->objects);
    for (uint64_t i = 0; i < m->corg_count; i++) {
        uint32_t first;
        bool added;
        if (ms__builder_class_origin(&m->b, m->corg_sid[i], m->corg_val[i], m->err) < 0 ||
            (!by_class.vals && ms__map64_init(&by_class, m->corg_count, m->err) < 0) ||
            ms__map64_put(&by_class, m->corg_sid[i], (uint32_t)i, &first, &added, m->err) < 0) {
            rc = forward(m, m->err ? m->err->code : MS_ENOMEM, off);
            goto done;
        }
        /* a class told twice with two origins is unknown (as the builder
         * keeps it) */
        if (!added && m->corg_val[first] != m->corg_val[i])
            m->corg_val[first] = MS__ORIGIN_UNKNOWN;
    }
    for (uint64_t i = 0; i < m->objects && m->corg_count; i++) {
        uint32_t node = (uint32_t)i + 1, k = ms__map64_get(&by_class, g->node_name[node]);
        if (k != MS_MAP_NONE && ms__builder_origin(&m->b, node, m->corg_val[k], m->err) < 0) {
            rc = forward(m, MS_ENOMEM, off);
            goto done;
        }
    }
    for (uint64_t i = 0; i < m->oorg_count; i++)
        if (ms__builder_origin(&m->b, m->oorg_obj[i] + 1, m->oorg_val[i], m->err) < 0) {
            rc = forward(m, MS_ENOMEM, off);
            goto done;
        }
done:
    ms__map64_free(&by_class);
    return rc;
}

/* HEAP_END: the totals must match; then the roots become synthetic nodes,
 * one per kind, below the root, and the objects get their origins. */
static int heap_end(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t want[4];
    static const char *const what[4] = {"objects", "references", "roots", "strings"};
    uint64_t have[4] = {m->objects, m->refs, m->root_count, m->hstr_count};
    ms__map64 kinds = {0};
    uint32_t *per_kind = NULL, nkinds = 0;
    int rc = MS_OK;

    MS_TRY(heap_open(m, off, "HEAP_END"));
    if (len != 32)
        return fail(m, MS_EFORMAT, off, "HEAP_END has %llu bytes, not 32", (unsigned long long)len);
    for (int i = 0; i < 4; i++) {
        want[i] = ms__le64(p + 8 * i);
        if (want[i] != have[i])
            return fail(m, MS_EFORMAT, off,
                        "HEAP_END counts %llu %s, but the snapshot has %llu (a record is missing "
                        "or the file was cut)",
                        (unsigned long long)want[i], what[i], (unsigned long long)have[i]);
    }
    if (m->max_object > m->objects)
        return fail(m, MS_EFORMAT, m->max_object_off,
                    "a reference or root names object %llu, but the heap snapshot has %llu objects",
                    (unsigned long long)(m->max_object - 1), (unsigned long long)m->objects);
    MS_TRY(apply_origins(m, off));
    MS_TRY(apply_sources(m, off));
    MS_TRY(ms__alloc_array(&per_kind, m->root_count ? m->root_count : 1, 4, "roots", m->err));
    for (uint64_t i = 0; i < m->root_count; i++) {
        root_entry *e = &m->roots[i];
        uint32_t k, node;
        if (!idmap_get(&kinds, e->kind, &k)) {
            size_t klen;
            const char *kname = ms__strtab_get(&m->b.g->strings, e->kind, &klen);
            ms__sbuf name = {0};
            uint32_t sid;
            if (ms__sbuf_append(&name, "(", 1, m->err) < 0 ||
                ms__sbuf_append(&name, kname, klen, m->err) < 0 ||
                ms__sbuf_append(&name, ")", 1, m->err) < 0 ||
                intern(m, name.data, name.len, &sid) < 0) {
                ms__sbuf_free(&name);
                rc = forward(m, MS_ENOMEM, off);
                goto done;
            }
            ms__sbuf_free(&name);
            k = nkinds++;
            per_kind[k] = 0;
            node = ms__builder_node_count(&m->b);
            if (idmap_put(&kinds, e->kind, k, m->err) < 0 ||
                ms__builder_node(&m->b, MS_NT_SYNTHETIC, sid, 1 + (uint64_t)k, 0, 0, m->err) < 0 ||
                ms__builder_edge(&m->b, 0, node, MS_ET_ELEMENT, k, m->err) < 0) {
                rc = forward(m, m->err ? m->err->code : MS_ENOMEM, off);
                goto done;
            }
        }
        node = 1 + (uint32_t)m->objects + k;
        if ((e->name == NONE32
                 ? ms__builder_edge(&m->b, node, e->object + 1, MS_ET_ELEMENT, per_kind[k]++, m->err)
                 : ms__builder_edge(&m->b, node, e->object + 1, MS_ET_PROPERTY, e->name, m->err)) < 0) {
            rc = forward(m, m->err ? m->err->code : MS_ENOMEM, off);
            goto done;
        }
    }
    m->heap = 2;
    free(m->roots);
    m->roots = NULL;
    m->root_count = m->root_cap = 0;
done:
    ms__map64_free(&kinds);
    free(per_kind);
    return rc;
}

/* ---- records ------------------------------------------------------------ */

static int records(mlyze *m, const uint8_t *buf, size_t n, uint64_t base, bool final,
                   size_t *used, size_t *need);

static const char *ext_name(unsigned type)
{
    switch (type) {
    case EXT_ZSTD_BLOCK: return "ZSTD_BLOCK";
    case EXT_SITE_FREE: return "SITE_FREE";
    case EXT_HEAP_BEGIN: return "HEAP_BEGIN";
    case EXT_HEAP_STRINGS: return "HEAP_STRINGS";
    case EXT_HEAP_OBJECTS: return "HEAP_OBJECTS";
    case EXT_HEAP_REFS: return "HEAP_REFS";
    case EXT_HEAP_ROOTS: return "HEAP_ROOTS";
    case EXT_HEAP_END: return "HEAP_END";
    case EXT_HEAP_CLASS_ORIGINS: return "HEAP_CLASS_ORIGINS";
    case EXT_HEAP_OBJECT_ORIGINS: return "HEAP_OBJECT_ORIGINS";
    case EXT_HEAP_CLASS_SOURCES: return "HEAP_CLASS_SOURCES";
    default: return "extension";
    }
}

static int zstd_block(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off)
{
    uint64_t size, declared;
    size_t got, used = 0, need = 0;
    int rc;
    if (m->in_block)
        return fail(m, MS_EFORMAT, off, "a ZSTD_BLOCK inside a ZSTD_BLOCK");
    if (len < 4)
        return fail(m, MS_EFORMAT, off, "ZSTD_BLOCK has %llu bytes, less than its size field",
                    (unsigned long long)len);
    size = ms__le32(p);
    if (size > RECORD_MAX)
        return fail(m, MS_ELIMIT, off, "ZSTD_BLOCK content of %llu bytes is beyond memsnap's 64 MiB limit",
                    (unsigned long long)size);
    declared = ZSTD_getFrameContentSize(p + 4, (size_t)len - 4);
    if (declared == ZSTD_CONTENTSIZE_ERROR)
        return fail(m, MS_EFORMAT, off, "ZSTD_BLOCK does not hold a zstd frame");
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != size)
        return fail(m, MS_EFORMAT, off, "ZSTD_BLOCK says %llu bytes, its zstd frame %llu",
                    (unsigned long long)size, (unsigned long long)declared);
    if (!m->zd && !(m->zd = ZSTD_createDCtx()))
        return ms__oom(m->err, "zstd context");
    if (size > m->block_cap || !m->block) {
        free(m->block);
        m->block_cap = 0;
        if (!(m->block = malloc(size ? (size_t)size : 1)))
            return ms__oom(m->err, "zstd block");
        m->block_cap = (size_t)size;
    }
    got = ZSTD_decompressDCtx(m->zd, m->block, (size_t)size, p + 4, (size_t)len - 4);
    if (ZSTD_isError(got))
        return fail(m, MS_EFORMAT, off, "ZSTD_BLOCK does not decompress: %s", ZSTD_getErrorName(got));
    if (got != size)
        return fail(m, MS_EFORMAT, off, "ZSTD_BLOCK says %llu bytes but holds %llu",
                    (unsigned long long)size, (unsigned long long)got);
    m->in_block = true;
    m->block_off = off;
    rc = records(m, m->block, (size_t)size, 0, true, &used, &need);
    m->in_block = false;
    return rc;
}

static int site_free(mlyze *m, const uint8_t *p, uint64_t len, uint64_t off, uint64_t delta)
{
    const uint8_t *q = p, *end = p + len;
    uint64_t stack, size;
    uint32_t site;
    int rc = MS_OK;
    if (ms__leb128(&q, end, &stack) != 1 || ms__leb128(&q, end, &size) != 1)
        return fail(m, MS_EFORMAT, off, "SITE_FREE does not hold two varints (stack id, size)");
    if (q != end)
        return fail(m, MS_EFORMAT, off, "SITE_FREE has %llu bytes after its stack id and size",
                    (unsigned long long)(end - q));
    if (size > (uint64_t)INT64_MAX)
        return fail(m, MS_ELIMIT, off, "SITE_FREE size passes 2^63");
    MS_TRY(advance(m, delta, true, off));
    MS_TRY(site_of(m, stack, off, &site));
    m->t->info.free_events++;
    MS_TRY(freed(m, site, size, off));
done:
    return rc;
}

static int extension(mlyze *m, unsigned type, uint64_t delta, const uint8_t *p, uint64_t len,
                     uint64_t off)
{
    int rc = MS_OK;
    switch (type) {
    case EXT_ZSTD_BLOCK:
        MS_TRY(advance(m, delta, false, off));
        return zstd_block(m, p, len, off);
    case EXT_SITE_FREE:
        return site_free(m, p, len, off, delta);
    case EXT_HEAP_BEGIN:
    case EXT_HEAP_STRINGS:
    case EXT_HEAP_OBJECTS:
    case EXT_HEAP_REFS:
    case EXT_HEAP_ROOTS:
    case EXT_HEAP_END:
        MS_TRY(advance(m, delta, false, off));
        switch (type) {
        case EXT_HEAP_BEGIN: return heap_begin(m, p, len, off);
        case EXT_HEAP_STRINGS: return heap_strings(m, p, len, off);
        case EXT_HEAP_OBJECTS: return heap_objects(m, p, len, off);
        case EXT_HEAP_REFS: return heap_refs(m, p, len, off);
        case EXT_HEAP_ROOTS: return heap_roots(m, p, len, off);
        default: return heap_end(m, p, len, off);
        }
    case EXT_HEAP_CLASS_ORIGINS:
        MS_TRY(advance(m, delta, false, off));
        return heap_class_origins(m, p, len, off);
    case EXT_HEAP_OBJECT_ORIGINS:
        MS_TRY(advance(m, delta, false, off));
        return heap_object_origins(m, p, len, off);
    case EXT_HEAP_CLASS_SOURCES:
        MS_TRY(advance(m, delta, false, off));
        return heap_class_sources(m, p, len, off);
    default:
        if (!(type & EXT_ANCILLARY_BIT))
            return fail(m, MS_EFORMAT, off,
                        "record type 0x%02x is a critical extension record this memsnap does not "
                        "know (it needs a newer memsnap)",
                        type);
        MS_TRY(advance(m, delta, false, off));
        m->t->info.skipped_records++;
        return MS_OK;
    }
done:
    return rc;
}

/* Traces with addresses spend their time waiting for the address map's
 * slots (a random line of a table of megabytes per event).  A cursor runs
 * PREFETCH_AHEAD events ahead of the one being applied and starts loading
 * their slots.  Only a hint: a wrong or stale guess costs nothing, and the
 * cursor stops at anything it cannot skip. */
#define PREFETCH_AHEAD 8

static inline const uint8_t *prefetch_next(const mlyze *m, const uint8_t *p, const uint8_t *end)
{
    uint64_t x;
    unsigned type;
    if (!p || end - p < 12)
        return NULL;
    type = *p++;
    if (ms__leb128(&p, end, &x) != 1)
        return NULL;
    if (type == EV_ALLOC || type == EV_FREE) {
        uint64_t addr;
        if (end - p < 8)
            return NULL;
        addr = ms__le64(p);
        p += 8;
        if (addr)
            __builtin_prefetch(&m->live.s[ms__hash64(addr) & m->live.mask]);
        if (type == EV_FREE)
            return p;
        if (ms__leb128(&p, end, &x) != 1 || ms__leb128(&p, end, &x) != 1 || end - p < 2)
            return NULL;
        return p + 2;
    }
    return NULL;
}

/* What is cut when a record is incomplete at the end of the input. */
static int truncated(mlyze *m, uint64_t off, unsigned type, uint64_t have, uint64_t need)
{
    const char *what = type == EV_ALLOC    ? "an ALLOC event"
                       : type == EV_FREE   ? "a FREE event"
                       : type == EV_GC     ? "a GC event"
                       : type == EV_MARKER ? "a MARKER event"
                                           : NULL;
    const char *where = m->in_block ? "the zstd block's content" : "the file";
    if (what)
        return fail(m, MS_ETRUNC, off, "%s ends inside %s (%llu bytes of it are there)", where,
                    what, (unsigned long long)have);
    if (need)
        return fail(m, MS_ETRUNC, off,
                    "%s ends inside a %s record (type 0x%02x) of %llu bytes (%llu are there)", where,
                    ext_name(type), type, (unsigned long long)need, (unsigned long long)have);
    return fail(m, MS_ETRUNC, off, "%s ends inside the header of a %s record (type 0x%02x)", where,
                ext_name(type), type);
}

/* Moves the prefetch cursor one event on, or, once the records read have
 * caught up with it, restarts it PREFETCH_AHEAD events past q.  It waits
 * at what it cannot skip until q passes it. */
static inline const uint8_t *prefetch_ahead(const mlyze *m, const uint8_t *ahead,
                                            const uint8_t *q, const uint8_t *end)
{
    const uint8_t *nx;
    if (ahead <= q) {
        ahead = q;
        for (int k = 0; k < PREFETCH_AHEAD && (nx = prefetch_next(m, ahead, end)); k++)
            ahead = nx;
    } else if ((nx = prefetch_next(m, ahead, end))) {
        ahead = nx;
    }
    return ahead;
}

/* A malformed varint at p, in the record at rec (offset off). */
static int bad_varint(mlyze *m, uint64_t off, const uint8_t *rec, const uint8_t *p)
{
    return fail(m, MS_EFORMAT, off + (uint64_t)(p - rec),
                "malformed varint (longer than 10 bytes or beyond 2^64)");
}

static int undefined_event(mlyze *m, uint64_t off, unsigned type)
{
    return fail(m, MS_EFORMAT, off,
                "event type %u is not defined by Memlyze v1 (0-3; 4, 5 and 6 are reserved for "
                "its future object types, reference chains and heap snapshots); v1 events are "
                "not self-describing, so nothing after it can be read",
                type);
}

/* The len-byte payload at *qp of a length-prefixed record (types
 * 0x40-0xFF) that starts at rec: applied (1, *qp past it); 0 when the
 * input in view ends inside it and more may come (*need: the record's
 * bytes); or an error (a truncation when final). */
static int ext_record(mlyze *m, unsigned type, uint64_t delta, uint64_t off, const uint8_t *rec,
                      const uint8_t **qp, uint64_t len, const uint8_t *end, bool final,
                      size_t *need)
{
    const uint8_t *q = *qp;
    int rc;
    if (len > RECORD_MAX)
        return fail(m, MS_ELIMIT, off,
                    "%s record (type 0x%02x) of %llu bytes is beyond the 64 MiB limit",
                    ext_name(type), type, (unsigned long long)len);
    if ((uint64_t)(end - q) < len) {
        if (final)
            return truncated(m, off, type, (uint64_t)(end - rec), (uint64_t)(q - rec) + len);
        *need = (size_t)((uint64_t)(q - rec) + len);
        return 0;
    }
    if ((rc = extension(m, type, delta, q, len, off)) < 0)
        return rc;
    *qp = q + len;
    return 1;
}

/* Reads the complete records in buf[0..n) (buf[0] is at offset `base`).
 * *used gets the bytes they took; when the last one is incomplete and more
 * input may come (!final), *need gets how many bytes from its start would
 * complete it (an upper bound for v1 events).  When final, an incomplete
 * record is a truncation error.  The loop of every event: the v1 events
 * are decoded here, in the switch, with no call but their handler's. */
static int records(mlyze *m, const uint8_t *buf, size_t n, uint64_t base, bool final,
                   size_t *used, size_t *need)
{
    const uint8_t *end = buf + n, *ahead = buf;
    size_t i = 0;
    int rc = MS_OK;
    *need = 0;
    while (i < n) {
        const uint8_t *q = buf + i + 1;
        const uint64_t off = base + i;
        const unsigned type = buf[i];
        uint64_t delta = 0, a = 0, b = 0, c = 0; /* zeroed only for -Wmaybe-uninitialized */
        int v = ms__leb128(&q, end, &delta);

        if (v < 0)
            return bad_varint(m, off, buf + i, q);
        switch (type) {
        case EV_ALLOC:
            if (v == 0 || end - q < 8)
                goto incomplete;
            a = ms__le64(q);
            q += 8;
            if ((v = ms__leb128(&q, end, &b)) == 1 && (v = ms__leb128(&q, end, &c)) == 1 &&
                end - q < 2)
                v = 0;
            if (v <= 0)
                goto bad_or_incomplete;
            q += 2; /* thread: the low 16 bits of threading.get_ident(), unused */
            MS_TRY(on_alloc(m, off, delta, a, b, c));
            break;
        case EV_FREE:
            if (v == 0 || end - q < 8)
                goto incomplete;
            a = ms__le64(q);
            q += 8;
            MS_TRY(on_free(m, off, delta, a));
            break;
        case EV_GC:
            if (v == 1 && (v = ms__leb128(&q, end, &a)) == 1)
                v = ms__leb128(&q, end, &b);
            if (v <= 0)
                goto bad_or_incomplete;
            MS_TRY(on_gc(m, off, delta, a, b));
            break;
        case EV_MARKER:
            if (v == 0 || (v = ms__leb128(&q, end, &a)) <= 0)
                goto bad_or_incomplete;
            MS_TRY(on_marker(m, off, delta, a));
            break;
        default:
            if (type < EXT_FIRST)
                return undefined_event(m, off, type);
            if (v == 0 || (v = ms__leb128(&q, end, &a)) == 0)
                goto incomplete;
            if (v < 0)
                goto bad_or_incomplete;
            MS_TRY(v = ext_record(m, type, delta, off, buf + i, &q, a, end, final, need));
            if (v == 0)
                goto out;
            break;
        }
        m->t->info.records++;
        i = (size_t)(q - buf);
        if (m->live.s)
            ahead = prefetch_ahead(m, ahead, q, end);
        continue;
    bad_or_incomplete:
        if (v < 0)
            return bad_varint(m, off, buf + i, q);
    incomplete:
        if (final)
            return truncated(m, off, type, n - i, 0);
        *need = type < EXT_FIRST ? V1_EVENT_MAX : EXT_HEADER_MAX;
        break;
    }
out:
    *used = i;
done:
    return rc;
}

/* ---- header and metadata ------------------------------------------------ */

static int probe(const uint8_t *p, size_t n)
{
    return n >= 4 && memcmp(p, "MTRC", 4) == 0 ? 100 : 0;
}

/* A decimal id used as a JSON key ("0", "17"). */
static bool parse_id(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

static bool json_uint(const cJSON *v, uint64_t *out)
{
    double d;
    if (!cJSON_IsNumber(v))
        return false;
    d = v->valuedouble;
    if (!(d >= 0) || d != floor(d) || d > 9007199254740992.0)
        return false;
    *out = (uint64_t)d;
    return true;
}

/* Checks one of the id-keyed maps: an object whose keys are decimal ids,
 * each once; NULL (absent) is an empty map. */
static int id_map_member(mlyze *m, const cJSON *root, const char *name, const cJSON **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    *out = NULL;
    if (!v)
        return MS_OK;
    if (!cJSON_IsObject(v))
        return fail(m, MS_EFORMAT, HEADER_BYTES, "metadata: \"%s\" is not an object", name);
    *out = v;
    return MS_OK;
}

static int item_id(mlyze *m, const cJSON *item, const char *map, uint64_t *id)
{
    if (!parse_id(item->string, id))
        return fail(m, MS_EFORMAT, HEADER_BYTES, "metadata: %s key \"%.40s\" is not a decimal id",
                    map, item->string ? item->string : "");
    return MS_OK;
}

/* The site string of one stack: the last (most recent) frame's
 * "file:line", with " in function" when the name is known and not empty. */
static int stack_string(mlyze *m, const ms__map64 *files, uint64_t id, const cJSON *frames,
                        uint32_t *sid)
{
    const cJSON *f, *last = NULL;
    uint64_t file, line, func = 0, i = 0;
    bool has_func = false;
    ms__sbuf s = {0};
    char num[32];
    uint32_t fsid;
    int rc = MS_OK;

    if (!cJSON_IsArray(frames))
        return fail(m, MS_EFORMAT, HEADER_BYTES, "metadata: stack_traces[\"%llu\"] is not a list of frames",
                    (unsigned long long)id);
    cJSON_ArrayForEach(f, frames) {
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(f, "func_id");
        if (!cJSON_IsObject(f) ||
            !json_uint(cJSON_GetObjectItemCaseSensitive(f, "file_id"), &file) ||
            !json_uint(cJSON_GetObjectItemCaseSensitive(f, "line"), &line) ||
            (fn && !json_uint(fn, &func)))
            return fail(m, MS_EFORMAT, HEADER_BYTES,
                        "metadata: stack_traces[\"%llu\"][%llu] is not a frame {\"file_id\", "
                        "\"line\", \"func_id\"} of non-negative integers",
                        (unsigned long long)id, (unsigned long long)i);
        has_func = fn != NULL;
        last = f;
        i++;
    }
    if (!last)
        return internf(m, sid, "stack %llu", (unsigned long long)id);
    if (idmap_get(files, file, &fsid)) {
        size_t len;
        const char *text = ms__strtab_get(&m->b.g->strings, fsid, &len);
        MS_TRY(ms__sbuf_append(&s, text, len, m->err));
    } else {
        int n = snprintf(num, sizeof num, "file %llu", (unsigned long long)file);
        MS_TRY(ms__sbuf_append(&s, num, (size_t)n, m->err));
    }
    {
        int n = snprintf(num, sizeof num, ":%llu", (unsigned long long)line);
        MS_TRY(ms__sbuf_append(&s, num, (size_t)n, m->err));
    }
    if (has_func && idmap_get(&m->functions, func, &fsid)) {
        size_t len;
        const char *text = ms__strtab_get(&m->b.g->strings, fsid, &len);
        if (len) {
            MS_TRY(ms__sbuf_append(&s, " in ", 4, m->err));
            text = ms__strtab_get(&m->b.g->strings, fsid, &len); /* the table may have moved */
            MS_TRY(ms__sbuf_append(&s, text, len, m->err));
        }
    }
    rc = intern(m, s.data, s.len, sid);
done:
    ms__sbuf_free(&s);
    return rc;
}

/* metadata.functions or metadata.files: a string per decimal id, each id
 * once, interned into map.  NULL (absent): nothing. */
static int id_strings(mlyze *m, const cJSON *obj, const char *name, ms__map64 *map)
{
    const cJSON *item;
    int rc = MS_OK;
    cJSON_ArrayForEach(item, obj) {
        uint64_t id = 0;
        uint32_t sid;
        MS_TRY(item_id(m, item, name, &id));
        if (!cJSON_IsString(item))
            return fail(m, MS_EFORMAT, HEADER_BYTES, "metadata: %s[\"%llu\"] is not a string",
                        name, (unsigned long long)id);
        if (idmap_get(map, id, &sid))
            return fail(m, MS_EFORMAT, HEADER_BYTES, "metadata: %s lists id %llu twice", name,
                        (unsigned long long)id);
        MS_TRY(intern(m, item->valuestring, strlen(item->valuestring), &sid));
        MS_TRY(idmap_put(map, id, sid, m->err));
    }
done:
    return rc;
}

/* metadata.stack_traces: the site string of each stack id, each id once. */
static int stack_strings(mlyze *m, const cJSON *stacks, const ms__map64 *files)
{
    const cJSON *item;
    int rc = MS_OK;
    cJSON_ArrayForEach(item, stacks) {
        uint64_t id = 0;
        uint32_t sid;
        MS_TRY(item_id(m, item, "stack_traces", &id));
        if (idmap_get(&m->stacks, id, &sid))
            return fail(m, MS_EFORMAT, HEADER_BYTES,
                        "metadata: stack_traces lists id %llu twice", (unsigned long long)id);
        MS_TRY(stack_string(m, files, id, item, &sid));
        MS_TRY(idmap_put(&m->stacks, id, sid, m->err));
        m->t->info.stack_count++;
    }
done:
    return rc;
}

/* The metadata's "memsnap" member, when there is one: the extension. */
static int metadata_extension(mlyze *m, const cJSON *root)
{
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(root, "memsnap");
    uint64_t v;
    if (!ext)
        return MS_OK;
    if (!cJSON_IsObject(ext) ||
        !json_uint(cJSON_GetObjectItemCaseSensitive(ext, "extension"), &v) || v < 1 ||
        v > UINT32_MAX)
        return fail(m, MS_EFORMAT, HEADER_BYTES,
                    "metadata: \"memsnap\" must be an object with an integer \"extension\" >= 1");
    m->t->info.extension = (uint32_t)v;
    m->batch_rule = false;
    return MS_OK;
}

/* The JSON object of len bytes at p (only whitespace or NULs after it);
 * *root owned by the caller (cJSON_Delete). */
static int parse_metadata(mlyze *m, const uint8_t *p, size_t len, cJSON **root)
{
    const uint64_t off = HEADER_BYTES;
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts((const char *)p, len, &end, false);
    if (!*root) {
        uint64_t at = end && end >= (const char *)p ? (uint64_t)(end - (const char *)p) : 0;
        return fail(m, MS_EFORMAT, off + at, "the metadata is not valid JSON");
    }
    for (const char *q = end; q < (const char *)p + len; q++)
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != 0)
            return fail(m, MS_EFORMAT, off + (uint64_t)(q - (const char *)p),
                        "data after the metadata's JSON object");
    if (!cJSON_IsObject(*root))
        return fail(m, MS_EFORMAT, off, "the metadata is not a JSON object");
    return MS_OK;
}

static int metadata(mlyze *m, const uint8_t *p, size_t len)
{
    const cJSON *files, *functions, *stacks;
    cJSON *root = NULL;
    ms__map64 file_ids = {0};
    int rc = MS_OK;

    if (len == 0)
        return MS_OK; /* no metadata at all: as empty */
    MS_TRY(parse_metadata(m, p, len, &root));
    MS_TRY(metadata_extension(m, root));
    MS_TRY(id_map_member(m, root, "files", &files));
    MS_TRY(id_map_member(m, root, "functions", &functions));
    MS_TRY(id_map_member(m, root, "stack_traces", &stacks));
    MS_TRY(id_strings(m, functions, "functions", &m->functions));
    MS_TRY(id_strings(m, files, "files", &file_ids));
    MS_TRY(stack_strings(m, stacks, &file_ids));
done:
    if (rc < 0)
        rc = forward(m, rc, HEADER_BYTES);
    ms__map64_free(&file_ids);
    cJSON_Delete(root);
    return rc;
}

static int header(mlyze *m, uint64_t *meta_len)
{
    ms__reader *r = m->r;
    int64_t n = ms__reader_fill(r, HEADER_BYTES, m->err);
    uint32_t version;
    if (n < 0)
        return (int)n;
    if (n < 4 || memcmp(r->p, "MTRC", 4) != 0)
        return fail(m, MS_EFORMAT, 0, "not a Memlyze .mlyze file (it does not start with \"MTRC\")");
    if (n < HEADER_BYTES)
        return fail(m, MS_ETRUNC, (uint64_t)n, "the file ends inside the 256-byte header");
    version = ms__le32(r->p + 4);
    if (version == 0x01000000u)
        return fail(m, MS_EFORMAT, 4,
                    "format version 1 written big-endian; .mlyze v1 is little-endian");
    if (version != 1)
        return fail(m, MS_EFORMAT, 4, "format version %u; memsnap reads version 1", version);
    m->t->info.version = version;
    m->t->info.start_time_us = ms__le64(r->p + 8);
    *meta_len = ms__le32(r->p + 16);
    r->p += HEADER_BYTES;
    if (*meta_len > METADATA_MAX)
        return fail(m, MS_ELIMIT, 16, "metadata of %llu bytes is beyond memsnap's 64 MiB limit",
                    (unsigned long long)*meta_len);
    if (!ms__reader_compressed(r) && r->src_size && HEADER_BYTES + *meta_len > r->src_size)
        return fail(m, MS_ETRUNC, r->src_size,
                    "the file ends inside the metadata (the header says %llu bytes, %llu are there)",
                    (unsigned long long)*meta_len, (unsigned long long)(r->src_size - HEADER_BYTES));
    n = ms__reader_fill(r, (size_t)*meta_len, m->err);
    if (n < 0)
        return (int)n;
    if ((uint64_t)n < *meta_len)
        return fail(m, MS_ETRUNC, HEADER_BYTES + (uint64_t)n,
                    "the file ends inside the metadata (the header says %llu bytes, %llu are there)",
                    (unsigned long long)*meta_len, (unsigned long long)n);
    return MS_OK;
}

/* ---- the whole file ----------------------------------------------------- */

/* The graph of a file without a heap snapshot: the root and one node per
 * allocation site (docs/formats/mlyze.md). */
static int site_graph(mlyze *m)
{
    unsigned site_type;
    int rc = MS_OK;
    MS_TRY(ms__builder_node_type(&m->b, "site", &site_type, m->err));
    for (uint32_t i = 0; i < m->t->info.site_count; i++) {
        ms__trace_site *s = &m->t->sites[i];
        uint32_t node = ms__builder_node_count(&m->b);
        MS_TRY(ms__builder_node(&m->b, site_type, s->name, (uint64_t)i + 1,
                                s->live_bytes > 0 ? (uint64_t)s->live_bytes : 0, 0, m->err));
        MS_TRY(ms__builder_site(&m->b, node, s->name, m->err));
        MS_TRY(ms__builder_edge(&m->b, 0, node, MS_ET_ELEMENT, i, m->err));
        s->node = node;
    }
done:
    return rc;
}

/* The records after the metadata, window by window: a record the window
 * cuts is read again once the window holds it. */
static int read_records(mlyze *m)
{
    ms__reader *r = m->r;
    size_t want = 64;
    int rc = MS_OK;
    for (;;) {
        const uint64_t off = ms__reader_offset(r);
        const bool sized = !ms__reader_compressed(r) && r->src_size;
        size_t ask = want, used = 0, need = 0;
        int64_t n;
        bool final;
        /* In a file of known size, never ask for more than is left: a
         * record longer than the rest is reported as cut without reading
         * (or allocating) up to its 64 MiB. */
        if (sized && off + ask > r->src_size)
            ask = r->src_size > off ? (size_t)(r->src_size - off) : 0;
        if ((n = ms__reader_fill(r, ask, m->err)) < 0)
            return (int)n;
        if (n == 0)
            break;
        final = r->eof || (sized && off + (uint64_t)n >= r->src_size);
        MS_TRY(records(m, r->p, (size_t)n, off, final, &used, &need));
        r->p += used;
        if (final)
            break;
        want = need > (size_t)n - used ? need : (size_t)n - used + 64;
        if (want < 64)
            want = 64;
        MS_TRY(ms__progress_report(m->progress, r, "reading events", m->err));
    }
done:
    return rc;
}

/* After the last record: the heap snapshot must be closed; the trace's
 * series is closed, the site graph made when there is no heap, and the
 * graph handed over with the trace. */
static int finish(mlyze *m, ms__graph **out)
{
    int rc = MS_OK;
    if (m->heap == 1)
        return fail(m, MS_ETRUNC, m->heap_off,
                    "the heap snapshot that begins here has no HEAP_END record: the file was cut");
    if (ms__trace_finish(m->t, m->err) < 0)
        return MS_ENOMEM;
    if (!m->heap)
        MS_TRY(site_graph(m));
    MS_TRY(ms__builder_finish(&m->b, out, m->err));
    (*out)->trace = m->t;
    m->t = NULL;
done:
    return rc;
}

static void mlyze_free(mlyze *m)
{
    ms__builder_discard(&m->b);
    ms__trace_free(m->t);
    ms__map64_free(&m->stacks);
    free(m->site_by_stack);
    ms__map64_free(&m->functions);
    ms__map64_free(&m->site_index);
    free(m->live.s);
    free(m->hstr);
    free(m->roots);
    free(m->corg_sid);
    free(m->corg_val);
    free(m->oorg_obj);
    free(m->oorg_val);
    free(m->csrc);
    ZSTD_freeDCtx(m->zd);
    free(m->block);
    free(m);
}

static int run(ms__reader *r, ms__progress *progress, ms__graph **out, ms_error *err)
{
    mlyze *m = calloc(1, sizeof *m);
    uint64_t meta_len = 0;
    uint32_t sid;
    int rc = MS_OK;

    *out = NULL;
    if (!m)
        return ms__oom(err, "importer");
    m->r = r;
    m->progress = progress;
    m->err = err;
    m->last_site = NONE32;
    m->batch_rule = true;
    MS_TRY(ms__builder_init(&m->b, MS__BUILD_ANY_ORDER, err));
    MS_TRY(ms__trace_new(&m->t, err));
    MS_TRY(intern(m, "(root)", 6, &sid));
    MS_TRY(ms__builder_node(&m->b, MS_NT_SYNTHETIC, sid, 0, 0, 0, err));
    MS_TRY(intern(m, "", 0, &m->empty_sid));

    MS_TRY(header(m, &meta_len));
    MS_TRY(metadata(m, r->p, (size_t)meta_len));
    r->p += meta_len;
    m->t->info.batch_timing = m->batch_rule;
    MS_TRY(read_records(m));
    MS_TRY(finish(m, out));
done:
    mlyze_free(m);
    return rc;
}

const ms__importer ms__importer_mlyze = {MS_FORMAT_MLYZE, "mlyze", probe, run};
