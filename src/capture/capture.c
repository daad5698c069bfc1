/*
 * capture.c: ms_capture_write: a full collection, and what it marked.
 *
 * libgc 8.2 has no "live set" API; GC_enumerate_reachable_objects_inner
 * reports every object whose mark bit is set, which at MARK_END (world
 * stopped, lock held, marking complete) is the live set plus three kinds
 * of objects that are not the program's (../shared/reference/boehm-capture.md):
 * entries of thread-local free lists (marked by the collector so they
 * survive), the unused slots of a fresh uncollectable block (all marked),
 * and the collector's own per-thread records.  So:
 *
 *   before:       modules, this thread's stack and registers, registered
 *                 roots, buffer sizes (malloc allowed: world running)
 *   MARK_START:   start recording the ranges the collector pushes as roots
 *   MARK_END:     enumerate marked objects: address, slot size, kind, the
 *   (stopped)     site footer, and every word that could be a heap pointer
 *                 (it lies between the collector's plausible heap bounds);
 *                 then the words of every root range.  mmap memory only.
 *   RECLAIM_END:  re-check each object's mark bit: free-list entries and
 *   (lock held)   unused uncollectable slots have been unmarked by now.
 *   after:        sort, encode, compress, write (world running).
 *
 * Pointers are not resolved here: the importer does that offline, from the
 * words written (src/import/boehm.c), and also drops what only the
 * collector's own data reaches (thread-local free lists).  That keeps the
 * stopped-world work to one sequential pass over the marked objects, with
 * no lookup per word (docs/performance.md has the numbers).
 *
 * Threads: with the GC_push_all hook (hooks.c) the other threads' stacks
 * are exactly the ranges the collector scanned.  Without it (libgc linked
 * statically) they come from the thread registry and are scanned whole,
 * marked approximate.
 */
#define _GNU_SOURCE
#include "capture_int.h"

#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

extern void *__libc_stack_end; /* ld.so: the primordial thread's initial stack pointer */

#define TIDS_MAX 4096
#define SITE_SLOTS (1u << 18) /* site hash: at most half full */
#define SITE_CACHE 64
#define OFFSET_MAX MS_GCCAP_OFFSET_UNKNOWN

int ms__cap_fail(ms_error *err, int code, const char *fmt, ...)
{
    if (err && err->code == MS_OK) {
        va_list ap;
        err->code = (ms_status)code;
        err->offset = UINT64_MAX;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- mmap arenas ------------------------------------------------------------ */

bool ms__arena_reserve(ms__cap_arena *a, size_t more)
{
    size_t need = a->len + more, cap;
    void *p;
    if (need > a->peak)
        a->peak = need;
    if (need <= a->cap)
        return true;
    cap = a->cap ? a->cap : 1u << 16;
    while (cap < need)
        cap *= 2;
    if (!a->p)
        p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
    else
        p = mremap(a->p, a->cap, cap, MREMAP_MAYMOVE);
    if (p == MAP_FAILED)
        return false;
    a->p = p;
    a->cap = cap;
    return true;
}

void ms__arena_free(ms__cap_arena *a)
{
    if (a->p)
        munmap(a->p, a->cap);
    memset(a, 0, sizeof *a);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* This thread's CPU time (the stopped-world work on a loaded machine also
 * waits for a CPU; wall and CPU time together tell the two apart). */
static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ---- the capture context ------------------------------------------------------ */

typedef struct site_slot {
    uint64_t a, b;   /* key: footer word, or debug (file pointer, line) */
    uint32_t index;  /* site index + 1; 0 = empty */
    uint32_t type;
} site_slot;

typedef struct site_key {
    uint64_t a, b;
    uint32_t type;
} site_key;

typedef struct ctx {
    pthread_t thread;
    int active;
    bool use_hook, saw_mark_end, saw_reclaim_end, overflow, hblk_4k, interior, measure_resolve;
    double resolve_us;
    uint64_t resolved;
    int mark_ends;

    /* objects */
    ms__cap_arena a_off, a_oflags, a_site, a_cend, a_cand, a_runs;
    size_t n, ncand, nruns, obj_cap;
    uint64_t lo, span;          /* plausible heap bounds: lo .. lo + span */
    uint64_t last_page, last_end, last_bytes, run_addr;
    uint64_t sc_key[SITE_CACHE]; /* direct-mapped cache of footer -> site */
    uint32_t sc_val[SITE_CACHE];

    /* sites */
    ms__cap_arena a_slots, a_keys;
    size_t nsites;
    bool sites_full, slots_dirty;

    /* roots */
    ms__cap_arena a_ranges, a_raddr, a_rval;
    size_t nranges, nroot;

    /* inputs prepared with the world running */
    ms__modules *mods;
    ms__range addroots[MS__ADD_ROOTS_MAX];
    size_t naddroots;
    uint64_t regs[MS_GCCAP_REGISTER_COUNT];
    uint64_t cfa, stack_hi, map_lo, handle;
    ms__thread_slot *reg_threads; /* registry snapshot */
    size_t nreg;

    /* filled during the collection */
    uint64_t tids[TIDS_MAX];
    size_t ntids;
    ms__cap_thread threads[TIDS_MAX + 2];
    size_t nthreads;
    bool threads_approx;
    double pause_us, pause_cpu_us, locked_us;
    uint64_t dropped, in_use;
} ctx;

static _Atomic(ctx *) g_ctx;
static GC_on_collection_event_proc prev_event;
static GC_on_thread_event_proc prev_thread_event;
static pthread_mutex_t capture_mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int in_capture __attribute__((tls_model("initial-exec")));

/* ---- allocation sites while stopped --------------------------------------------- */

static inline uint64_t hash2(uint64_t a, uint64_t b)
{
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 32);
}

/* Site index + 1 for a key, adding it; 0 when the table is full. */
static uint32_t site_lookup(ctx *x, uint32_t type, uint64_t a, uint64_t b)
{
    site_slot *slots = (site_slot *)(void *)x->a_slots.p;
    uint32_t mask = SITE_SLOTS - 1, i = (uint32_t)hash2(a, b ^ type) & mask;
    for (;;) {
        site_slot *s = &slots[i];
        if (s->index == 0) {
            site_key *k;
            if (x->nsites >= SITE_SLOTS / 2 ||
                !ms__arena_reserve(&x->a_keys, sizeof(site_key))) {
                x->sites_full = true;
                return 0;
            }
            k = (site_key *)(void *)(x->a_keys.p + x->a_keys.len);
            x->a_keys.len += sizeof(site_key);
            k->a = a;
            k->b = b;
            k->type = type;
            s->a = a;
            s->b = b;
            s->type = type;
            s->index = (uint32_t)++x->nsites;
            x->slots_dirty = true;
            return s->index;
        }
        if (s->a == a && s->b == b && s->type == type)
            return s->index;
        i = (i + 1) & mask;
    }
}

#define START_FLAG 0xFEDCEDCBfedcedcbull /* libgc dbg_mlc.c: oh_sf = START_FLAG ^ (base + 32) */

/* ---- MARK_END: enumeration ----------------------------------------------------- */

static bool grow(ctx *x, ms__cap_arena *a, size_t more)
{
    if (__builtin_expect(a->len + more <= a->cap, 1)) {
        if (a->len + more > a->peak)
            a->peak = a->len + more;
        return true;
    }
    if (!ms__arena_reserve(a, more)) {
        x->overflow = true;
        return false;
    }
    return true;
}

/* Makes room for more objects in the four per-object arrays. */
static bool grow_objects(ctx *x)
{
    size_t more = x->obj_cap ? x->obj_cap : 4096;
    x->a_off.len = x->n * 2;
    x->a_oflags.len = x->n;
    x->a_site.len = x->a_cend.len = x->n * 4;
    if (!ms__arena_reserve(&x->a_off, more * 2) || !ms__arena_reserve(&x->a_oflags, more) ||
        !ms__arena_reserve(&x->a_site, more * 4) || !ms__arena_reserve(&x->a_cend, more * 4)) {
        x->overflow = true;
        return false;
    }
    x->obj_cap = x->n + more;
    return true;
}

/* Whether the object at addr continues the last run (heap block): same
 * 4 KiB page, same slot size, ascending, offset within 16 bits. */
static inline bool continues_run(const ctx *x, uint64_t addr, size_t bytes)
{
    return x->nruns && x->hblk_4k && bytes <= 2048 && bytes == x->last_bytes &&
           (addr >> 12) == x->last_page && addr >= x->last_end &&
           (addr - x->run_addr) / 16 <= 0xFFFF;
}

/* A new run from object i at addr; its kind is asked of libgc.  NULL when
 * out of memory. */
static ms__cap_run *new_run(ctx *x, void *obj, uint64_t addr, size_t bytes, size_t i)
{
    ms__cap_run *run;
    if (!grow(x, &x->a_runs, sizeof *run))
        return NULL;
    run = (ms__cap_run *)(void *)x->a_runs.p + x->nruns++;
    x->a_runs.len += sizeof *run;
    run->addr = x->run_addr = addr;
    run->first = (uint32_t)i;
    run->count = 0;
    run->size_g = (uint32_t)(bytes / 16);
    run->kind = (uint8_t)GC_get_kind_and_size(obj, NULL);
    x->last_page = addr >> 12;
    x->last_bytes = bytes;
    return run;
}

/* The object's allocation site (index + 1, 0 = none): from memsnap's
 * footer in its last word (through a small cache: sites repeat), or from
 * libgc's debug header (then *oflags gets MS_GCCAP_OBJ_DEBUG). */
static inline uint32_t site_of(ctx *x, const uint64_t *w, size_t nw, uint64_t addr, size_t bytes,
                               uint8_t *oflags)
{
    uint64_t f = w[nw - 1];
    unsigned tag = (unsigned)(f >> MS__TAG_SHIFT);
    if (tag == MS__TAG_PC || tag == MS__TAG_DESC || tag == MS__TAG_STACK) {
        unsigned slot = (unsigned)(f ^ (f >> 9)) & (SITE_CACHE - 1);
        if (x->sc_key[slot] != f) {
            x->sc_key[slot] = f;
            x->sc_val[slot] = site_lookup(x, tag, f & MS__PAYLOAD_MASK, 0);
        }
        return x->sc_val[slot];
    }
    if (bytes >= 48 && w[3] == (START_FLAG ^ (addr + 32))) {
        *oflags |= MS_GCCAP_OBJ_DEBUG;
        return site_lookup(x, MS_GCCAP_SITE_DEBUG, w[0], w[1]);
    }
    return 0;
}

/* The words of an object the collector scans that lie between the
 * plausible heap bounds, each with its offset (OFFSET_MAX beyond); and
 * what they tell of the object (*oflags): the shape of a free-list entry
 * (cleared, a link in word 0), or the collector's record of a thread (it
 * holds a thread's id).  False when out of memory. */
static inline bool copy_candidates(ctx *x, const uint64_t *w, size_t nw, size_t bytes,
                                   unsigned kind, uint32_t site, uint8_t *oflags)
{
    /* One extra slot lets the loop store unconditionally. */
    uint64_t lo = x->lo, span = x->span, *out;
    size_t j, first = x->ncand;
    if (!grow(x, &x->a_cand, (nw + 1) * 8))
        return false;
    out = (uint64_t *)(void *)x->a_cand.p + x->ncand;
    for (j = 0; j < nw && j < OFFSET_MAX; j++) {
        uint64_t v = w[j];
        *out = v | (uint64_t)j << 47;
        out += (v - lo) <= span;
    }
    for (; j < nw; j++) {
        uint64_t v = w[j];
        *out = v | (uint64_t)OFFSET_MAX << 47;
        out += (v - lo) <= span;
    }
    x->ncand = (size_t)(out - (uint64_t *)(void *)x->a_cand.p);
    x->a_cand.len = x->ncand * 8;
    if (kind == MS_GCCAP_KIND_NORMAL && site == 0 && x->ncand - first <= 1) {
        for (j = 1; j < nw && w[j] == 0; j++)
            ;
        if (j == nw)
            *oflags |= MS_GCCAP_OBJ_FREE_SHAPE;
    }
    if (kind == MS_GCCAP_KIND_NORMAL && bytes >= 512 && bytes <= 4096 && x->ntids) {
        for (j = 0; j < nw && !(*oflags & MS_GCCAP_OBJ_THREAD_REP); j++)
            for (size_t t = 0; t < x->ntids; t++)
                if (w[j] == x->tids[t])
                    *oflags |= MS_GCCAP_OBJ_THREAD_REP;
    }
    return true;
}

/* Whether the words w[0..nw) of a pointer-free object without a site have
 * the shape of a free-list entry: a link to another heap slot (or none) in
 * word 0, zeros after it.  The collector marks the entries of its
 * thread-local free lists itself (GC_mark_thread_local_free_lists), and
 * pointer-free objects have no candidate words to show the links; a
 * program's data seldom looks like this (the collector's allocation never
 * leaves it so: a site's footer is in the last word). */
static inline bool free_shaped(const ctx *x, const uint64_t *w, size_t nw)
{
    if (w[0] != 0 && (w[0] - x->lo) > x->span)
        return false;
    for (size_t j = 1; j < nw; j++)
        if (w[j] != 0)
            return false;
    return true;
}

/* Called by libgc for every marked object, block by block (world stopped).
 * Per object it stores 11 bytes (offset in its run, flags, site, end of
 * its candidates) and 8 per candidate word; per heap block one run.  The
 * kind is asked of libgc once per run: a run never leaves its 4 KiB page,
 * and with heap blocks of at least 4 KiB a page is one block.  Its steps
 * are inline: this is the stopped-world loop over every object. */
static void on_object(void *obj, size_t bytes, void *cd)
{
    ctx *x = cd;
    uint64_t addr = (uint64_t)(uintptr_t)obj;
    const uint64_t *w = obj;
    size_t nw = bytes / 8, i = x->n;
    uint8_t oflags = 0;
    uint32_t site = 0;
    ms__cap_run *run;
    unsigned kind;

    if (__builtin_expect(i >= x->obj_cap, 0) && (x->overflow || !grow_objects(x)))
        return;
    if (continues_run(x, addr, bytes))
        run = (ms__cap_run *)(void *)x->a_runs.p + x->nruns - 1;
    else if (!(run = new_run(x, obj, addr, bytes, i)))
        return;
    run->count++;
    kind = run->kind;
    x->last_end = addr + bytes;
    if (nw >= 2)
        site = site_of(x, w, nw, addr, bytes, &oflags);
    if (kind != MS_GCCAP_KIND_PTRFREE && kind != MS_GCCAP_KIND_AUNCOLLECTABLE &&
        !copy_candidates(x, w, nw, bytes, kind, site, &oflags))
        return;
    if (kind == MS_GCCAP_KIND_PTRFREE && site == 0 && free_shaped(x, w, nw))
        oflags |= MS_GCCAP_OBJ_FREE_SHAPE;
    ((uint16_t *)(void *)x->a_off.p)[i] = (uint16_t)((addr - x->run_addr) / 16);
    ((uint8_t *)x->a_oflags.p)[i] = oflags;
    ((uint32_t *)(void *)x->a_site.p)[i] = site;
    ((uint32_t *)(void *)x->a_cend.p)[i] = (uint32_t)x->ncand;
    x->n = i + 1;
}

/* ---- MARK_END: roots ------------------------------------------------------------- */

static void add_range(ctx *x, uint8_t kind, uint8_t flags, uint32_t owner, uint64_t lo,
                      uint64_t hi, const uint64_t *words, uint64_t addr0)
{
    ms__cap_root_range *r;
    uint64_t span = x->span, plo = x->lo;
    size_t nw = (size_t)((hi - lo) / 8);
    if (!grow(x, &x->a_ranges, sizeof *r) || !grow(x, &x->a_raddr, (nw + 1) * 8) ||
        !grow(x, &x->a_rval, (nw + 1) * 8))
        return;
    r = (ms__cap_root_range *)(void *)x->a_ranges.p + x->nranges++;
    x->a_ranges.len += sizeof *r;
    r->kind = kind;
    r->flags = flags;
    r->owner = owner;
    r->lo = lo;
    r->hi = hi;
    r->first = x->nroot;
    {
        uint64_t *ra = (uint64_t *)(void *)x->a_raddr.p, *rv = (uint64_t *)(void *)x->a_rval.p;
        size_t k = x->nroot;
        for (size_t j = 0; j < nw; j++) {
            uint64_t v = words[j];
            ra[k] = addr0 + j * 8;
            rv[k] = v;
            k += (v - plo) <= span;
        }
        r->count = k - x->nroot;
        x->nroot = k;
        x->a_raddr.len = x->a_rval.len = k * 8;
    }
}

static void add_memory_range(ctx *x, uint8_t kind, uint8_t flags, uint32_t owner, uint64_t lo,
                             uint64_t hi)
{
    lo = (lo + 7) & ~7ull;
    hi &= ~7ull;
    if (hi > lo)
        add_range(x, kind, flags, owner, lo, hi, (const uint64_t *)(uintptr_t)lo, lo);
}

/* Thread index for a stack range the collector pushed: the capturing
 * thread (0), the primordial thread (its range holds __libc_stack_end), or
 * the suspended thread whose id (glibc: its TCB, just above its stack)
 * follows the range most closely.  -1 when none fits. */
static int thread_of_range(ctx *x, uint64_t lo, uint64_t hi)
{
    uint64_t best = UINT64_MAX;
    int who = -1;
    uint64_t se = (uint64_t)(uintptr_t)__libc_stack_end;
    if (hi > x->map_lo && lo < x->stack_hi)
        return 0;
    for (size_t t = 1; t < x->nthreads; t++) {
        const ms__cap_thread *th = &x->threads[t];
        if ((th->flags & MS_GCCAP_THR_MAIN) && se >= lo && se <= hi + 4096)
            return (int)t;
        if (th->id >= hi && th->id - hi < (1u << 20) && th->id - hi < best) {
            best = th->id - hi;
            who = (int)t;
        }
    }
    return who;
}

/* Shell sort of small arrays of ranges by lo (no qsort: it may malloc). */
static void sort_ranges(ms__range *r, size_t n)
{
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof *gaps; g++) {
        size_t gap = gaps[g];
        for (size_t i = gap; i < n; i++) {
            ms__range t = r[i];
            size_t j = i;
            while (j >= gap && r[j - gap].lo > t.lo) {
                r[j] = r[j - gap];
                j -= gap;
            }
            r[j] = t;
        }
    }
}

static bool in_addroots(const ctx *x, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < x->naddroots; i++)
        if (lo >= x->addroots[i].lo && hi <= x->addroots[i].hi)
            return true;
    return false;
}

/* Sorts the ranges the collector pushed by start and merges the
 * overlapping ones, in place (the hook's table is ours until the next
 * capture; touching ranges may be two modules' and stay apart).  Returns
 * how many are left. */
static size_t merge_ranges(ms__range *r, size_t n)
{
    size_t m = 0;
    sort_ranges(r, n);
    for (size_t i = 0; i < n; i++) {
        if (r[i].hi <= r[i].lo)
            continue;
        if (m && r[i].lo < r[m - 1].hi) {
            if (r[i].hi > r[m - 1].hi)
                r[m - 1].hi = r[i].hi;
        } else {
            r[m++] = r[i];
        }
    }
    return m;
}

/* One range the collector pushed: object contents (a mark procedure's:
 * skipped), a registered root range, a module's data, this thread's stack
 * (scanned exactly already), another thread's stack, or other memory. */
static void pushed_range(ctx *x, uint64_t lo, uint64_t hi)
{
    const ms__module *mods = x->mods->m;
    int mod, t;
    if (GC_is_heap_ptr((void *)(uintptr_t)lo))
        return;
    if (in_addroots(x, lo, hi)) {
        add_memory_range(x, MS_GCCAP_ROOT_REGISTERED, 0, 0, lo, hi);
        return;
    }
    mod = ms__modules_find(x->mods, lo, PF_W, NULL);
    if (mod >= 0) {
        uint32_t f = mods[mod].flags;
        if (!(f & MS_GCCAP_MOD_SELF))
            add_memory_range(x, (f & MS_GCCAP_MOD_LIBGC) ? MS_GCCAP_ROOT_LIBGC : MS_GCCAP_ROOT_DATA,
                             0, (uint32_t)mod, lo, hi);
        return;
    }
    t = thread_of_range(x, lo, hi);
    if (t == 0)
        return;
    if (t < 0) {
        add_memory_range(x, MS_GCCAP_ROOT_OTHER, 0, 0, lo, hi);
        return;
    }
    if (!x->threads[t].stack_lo || lo < x->threads[t].stack_lo)
        x->threads[t].stack_lo = lo;
    if (hi > x->threads[t].stack_hi)
        x->threads[t].stack_hi = hi;
    add_memory_range(x, MS_GCCAP_ROOT_STACK, 0, (uint32_t)t, lo, hi);
}

/* Without the push hook: the writable segments of the modules (minus
 * RELRO; not memsnap's, not the vDSO), the registered roots, and the
 * registry's threads' stacks, whole (approximate). */
static void computed_roots(ctx *x)
{
    x->use_hook = false;
    for (uint32_t mi = 0; mi < x->mods->count; mi++) {
        const ms__module *md = &x->mods->m[mi];
        uint8_t kind = (md->flags & MS_GCCAP_MOD_LIBGC) ? MS_GCCAP_ROOT_LIBGC : MS_GCCAP_ROOT_DATA;
        if (md->flags & (MS_GCCAP_MOD_SELF | MS_GCCAP_MOD_VDSO))
            continue;
        for (uint32_t s = 0; s < md->nseg; s++) {
            uint64_t lo = md->base + md->seg[s].vaddr, hi = lo + md->seg[s].memsz;
            if (!(md->seg[s].flags & PF_W))
                continue;
            if (md->relro_hi > lo && md->relro_lo < hi) { /* minus RELRO */
                if (md->relro_lo > lo)
                    add_memory_range(x, kind, 0, mi, lo, md->relro_lo);
                lo = md->relro_hi > lo ? md->relro_hi : lo;
            }
            if (hi > lo)
                add_memory_range(x, kind, 0, mi, lo, hi);
        }
    }
    for (size_t i = 0; i < x->naddroots; i++)
        add_memory_range(x, MS_GCCAP_ROOT_REGISTERED, 0, 0, x->addroots[i].lo, x->addroots[i].hi);
    for (size_t i = 0; i < x->nreg; i++) {
        const ms__thread_slot *s = &x->reg_threads[i];
        size_t t;
        if (s->id == (uint64_t)x->thread || !s->stack_lo || s->stack_hi <= s->stack_lo)
            continue;
        for (t = 1; t < x->nthreads && x->threads[t].id != s->id; t++)
            ;
        if (t == x->nthreads) {
            if (x->nthreads >= sizeof x->threads / sizeof *x->threads)
                continue;
            memset(&x->threads[t], 0, sizeof x->threads[t]);
            x->threads[t].id = s->id;
            x->nthreads++;
        }
        x->threads[t].stack_lo = s->stack_lo;
        x->threads[t].stack_hi = s->stack_hi;
        x->threads[t].handle = s->handle;
        add_memory_range(x, MS_GCCAP_ROOT_STACK, MS_GCCAP_RANGE_APPROX, (uint32_t)t, s->stack_lo,
                         s->stack_hi);
        x->threads_approx = true;
    }
}

/* The root ranges: this thread's registers and stack, then what the
 * collector pushed (with the hook) or what it would have (without). */
static void scan_roots(ctx *x)
{
    const ms__range *pushed = NULL;
    size_t npushed = x->use_hook ? ms__push_record_stop(&pushed) : 0;

    /* This thread: the caller's callee-saved registers, and its stack from
     * the caller's frame up (memsnap's and libgc's frames below it hold
     * stale values). */
    add_range(x, MS_GCCAP_ROOT_REGISTERS, 0, 0, 0, MS_GCCAP_REGISTER_COUNT * 8, x->regs, 0);
    add_memory_range(x, MS_GCCAP_ROOT_STACK, 0, 0, x->cfa, x->stack_hi);
    if (npushed) {
        ms__range *r = (ms__range *)pushed;
        size_t m = merge_ranges(r, npushed);
        for (size_t i = 0; i < m; i++)
            pushed_range(x, r[i].lo, r[i].hi);
    } else {
        computed_roots(x);
    }
}

/* ---- collection events ------------------------------------------------------------ */

static void reset_objects(ctx *x)
{
    x->n = x->ncand = x->nruns = x->nsites = 0;
    x->nranges = x->nroot = 0;
    x->obj_cap = x->a_off.cap / 2; /* all four arrays were reserved alike */
    if (x->a_oflags.cap < x->obj_cap)
        x->obj_cap = x->a_oflags.cap;
    if (x->a_site.cap / 4 < x->obj_cap)
        x->obj_cap = x->a_site.cap / 4;
    if (x->a_cend.cap / 4 < x->obj_cap)
        x->obj_cap = x->a_cend.cap / 4;
    x->a_off.len = x->a_oflags.len = 0;
    x->a_site.len = x->a_cend.len = x->a_cand.len = x->a_runs.len = 0;
    memset(x->sc_key, 0, sizeof x->sc_key);
    x->a_ranges.len = x->a_raddr.len = x->a_rval.len = x->a_keys.len = 0;
    if (x->slots_dirty) /* a second MARK_END in one capture: rare */
        memset(x->a_slots.p, 0, x->a_slots.len);
    x->nthreads = 1;
    x->last_page = UINT64_MAX;
    x->last_end = 0;
    x->last_bytes = 0;
    x->sites_full = false;
    x->overflow = false;
    x->saw_mark_end = x->saw_reclaim_end = false;
}

static void on_mark_end(ctx *x)
{
    double t0 = now_us(), c0 = cpu_us(), resolve_cpu = 0;
    uint64_t lo = (uint64_t)(uintptr_t)GC_least_plausible_heap_addr;
    uint64_t hi = (uint64_t)(uintptr_t)GC_greatest_plausible_heap_addr;
    x->lo = lo;
    x->span = hi >= lo ? hi - lo : 0;
    /* Threads: this one (0), the suspended ones, the primordial one. */
    for (size_t t = 0; t < x->ntids && x->nthreads < TIDS_MAX; t++) {
        ms__cap_thread *th = &x->threads[x->nthreads++];
        memset(th, 0, sizeof *th);
        th->id = x->tids[t];
        th->flags = MS_GCCAP_THR_SUSPENDED;
    }
    if (!(x->threads[0].flags & MS_GCCAP_THR_MAIN)) {
        ms__cap_thread *th = &x->threads[x->nthreads++];
        memset(th, 0, sizeof *th);
        th->flags = MS_GCCAP_THR_MAIN;
    }
    if (hi >= (1ull << 47))
        x->span = 0; /* values would not fit the packed candidate words */
    GC_enumerate_reachable_objects_inner(on_object, x);
    x->a_off.len = x->n * 2;
    x->a_oflags.len = x->n;
    x->a_site.len = x->a_cend.len = x->n * 4;
    {
        ms__cap_arena *per[] = {&x->a_off, &x->a_oflags, &x->a_site, &x->a_cend};
        for (size_t k = 0; k < 4; k++)
            if (per[k]->len > per[k]->peak)
                per[k]->peak = per[k]->len;
    }
    scan_roots(x);
    if (x->measure_resolve) {
        double t1 = now_us();
        resolve_cpu = cpu_us();
        const uint64_t *cand = (const uint64_t *)(void *)x->a_cand.p;
        uint64_t hits = 0;
        for (size_t k = 0; k < x->ncand; k++)
            hits += GC_base((void *)(uintptr_t)(cand[k] & MS__CAND_VALUE_MASK)) != NULL;
        x->resolved = hits;
        x->resolve_us = now_us() - t1;
        resolve_cpu = cpu_us() - resolve_cpu;
    }
    x->saw_mark_end = true;
    x->mark_ends++;
    x->pause_us = now_us() - t0 - x->resolve_us;
    x->pause_cpu_us = cpu_us() - c0 - resolve_cpu;
}

static void on_reclaim_end(ctx *x)
{
    double t0 = now_us();
    const ms__cap_run *runs = (const ms__cap_run *)(void *)x->a_runs.p;
    const uint16_t *off = (const uint16_t *)(void *)x->a_off.p;
    uint8_t *oflags = x->a_oflags.p;
    x->dropped = 0;
    for (size_t r = 0; r < x->nruns; r++)
        for (uint32_t k = 0; k < runs[r].count; k++) {
            uint32_t i = runs[r].first + k;
            if (!GC_is_marked((void *)(uintptr_t)(runs[r].addr + (uint64_t)off[i] * 16))) {
                oflags[i] |= MS__OBJ_DROPPED;
                x->dropped++;
            }
        }
    x->saw_reclaim_end = true;
    x->locked_us = now_us() - t0;
}

static void GC_CALLBACK on_event(GC_EventType e)
{
    ctx *x = atomic_load_explicit(&g_ctx, memory_order_acquire);
    if (prev_event)
        prev_event(e);
    if (!x || !x->active || !pthread_equal(pthread_self(), x->thread))
        return;
    switch (e) {
    case GC_EVENT_START:
        x->ntids = 0;
        break;
    case GC_EVENT_MARK_START:
        /* A collection may finish an incremental cycle first: only the
         * last MARK_END counts. */
        reset_objects(x);
        if (x->use_hook)
            ms__push_record_start();
        break;
    case GC_EVENT_MARK_END:
        on_mark_end(x);
        break;
    case GC_EVENT_RECLAIM_END:
        if (x->saw_mark_end && !x->saw_reclaim_end)
            on_reclaim_end(x);
        break;
    default:
        break;
    }
}

static void GC_CALLBACK on_thread_event(GC_EventType e, void *thread_id)
{
    ctx *x = atomic_load_explicit(&g_ctx, memory_order_acquire);
    if (prev_thread_event)
        prev_thread_event(e, thread_id);
    if (x && x->active && e == GC_EVENT_THREAD_SUSPENDED && x->ntids < TIDS_MAX)
        x->tids[x->ntids++] = (uint64_t)(uintptr_t)thread_id;
}

/* Installs the handlers, chaining whatever the program installed (the
 * slots are single; the program may have replaced ours since). */
static void arm(void)
{
    GC_on_collection_event_proc cur = GC_get_on_collection_event();
    GC_on_thread_event_proc tcur = GC_get_on_thread_event();
    if (cur != on_event) {
        prev_event = cur;
        GC_set_on_collection_event(on_event);
    }
    if (tcur != on_thread_event) {
        prev_thread_event = tcur;
        GC_set_on_thread_event(on_thread_event);
    }
}

/* Zeroes the dead stack below this frame, where earlier deep calls left
 * stale pointers: the collector scans its own thread's stack from its
 * stack pointer, through the frames it is about to push over that area,
 * and would keep garbage alive for this collection (libgc does the same
 * in GC_clear_stack). */
__attribute__((noinline)) static void clear_dead_stack(void)
{
    volatile uint64_t area[2048];
    for (size_t i = 0; i < sizeof area / sizeof *area; i++)
        area[i] = 0;
}

/* ---- after the collection: sites, threads, the file ------------------------------ */

/* Length of the NUL-terminated string at p if it lies in a readable
 * segment of a loaded module (at most 4096 bytes); -1 otherwise. */
static long module_string(const ms__modules *mods, uint64_t p)
{
    uint64_t end;
    size_t n;
    if (!p || ms__modules_find(mods, p, PF_R, &end) < 0)
        return -1;
    n = strnlen((const char *)(uintptr_t)p, end - p < 4096 ? (size_t)(end - p) : 4096);
    if (n == end - p || n == 4096)
        return -1;
    return (long)n;
}

static void set_pc_site(const ms__modules *mods, ms__cap_site *s, uint64_t pc)
{
    int m = ms__modules_find(mods, pc, PF_X, NULL);
    if (m >= 0) {
        s->type = MS_GCCAP_SITE_PC;
        s->module = (uint32_t)m;
        s->pc = pc - mods->m[m].base;
    } else {
        s->type = MS_GCCAP_SITE_ABS;
        s->pc = pc;
    }
}

static int build_sites(ctx *x, ms__capture *c, ms_error *err)
{
    const site_key *keys = (const site_key *)(void *)x->a_keys.p;
    c->nsites = x->nsites;
    c->sites = calloc(x->nsites ? x->nsites : 1, sizeof *c->sites);
    if (!c->sites)
        return ms__cap_fail(err, MS_ENOMEM, "memsnap capture: out of memory (sites)");
    for (size_t i = 0; i < x->nsites; i++) {
        ms__cap_site *s = &c->sites[i];
        const site_key *k = &keys[i];
        if (k->type == MS__TAG_PC) {
            set_pc_site(x->mods, s, k->a);
        } else if (k->type == MS__TAG_STACK) {
            const uint64_t *frames;
            unsigned depth;
            if (ms__stack_get(k->a, &frames, &depth)) {
                s->type = MS_GCCAP_SITE_STACK;
                s->depth = depth;
                s->frames = frames;
            } else {
                s->type = MS_GCCAP_SITE_ABS;
                s->pc = 0;
            }
        } else if (k->type == MS__TAG_DESC) {
            const ms_capture_site *d = (const ms_capture_site *)(uintptr_t)k->a;
            uint64_t end;
            long fl, tl = 0, nl = 0;
            if (ms__modules_find(x->mods, k->a, PF_R, &end) < 0 || end - k->a < sizeof *d ||
                d->magic != MS_CAPTURE_SITE_MAGIC ||
                (fl = module_string(x->mods, (uint64_t)(uintptr_t)d->file)) < 0 ||
                (d->type && (tl = module_string(x->mods, (uint64_t)(uintptr_t)d->type)) < 0) ||
                (d->function &&
                 (nl = module_string(x->mods, (uint64_t)(uintptr_t)d->function)) < 0)) {
                s->type = MS_GCCAP_SITE_ABS; /* not a site description after all */
                s->pc = k->a;
                continue;
            }
            s->type = MS_GCCAP_SITE_DESC;
            s->file = d->file;
            s->file_len = (size_t)fl;
            s->type_name = d->type;
            s->type_len = (size_t)tl;
            s->function = d->function;
            s->function_len = (size_t)nl;
            s->line = d->line;
        } else { /* MS_GCCAP_SITE_DEBUG: (file pointer, line) */
            long fl = module_string(x->mods, k->a);
            s->type = MS_GCCAP_SITE_DEBUG;
            s->file = fl >= 0 ? (const char *)(uintptr_t)k->a : "?";
            s->file_len = fl >= 0 ? (size_t)fl : 1;
            s->line = (uint32_t)k->b;
        }
    }
    return MS_OK;
}

/* Writes one byte per page of the first `bytes` of an arena. */
static void prefault(ms__cap_arena *a, uint64_t bytes)
{
    if (bytes > a->cap)
        bytes = a->cap;
    for (uint64_t o = 0; o < bytes; o += 4096)
        ((volatile uint8_t *)a->p)[o] = 0;
    if (bytes > a->peak)
        a->peak = (size_t)bytes;
}

static void free_ctx_arenas(ctx *x)
{
    ms__cap_arena *all[] = {&x->a_off, &x->a_oflags, &x->a_site,
                            &x->a_cend, &x->a_cand, &x->a_runs, &x->a_slots, &x->a_keys,
                            &x->a_ranges, &x->a_raddr, &x->a_rval};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        ms__arena_free(all[i]);
}

static uint64_t arena_peak(const ctx *x)
{
    const ms__cap_arena *all[] = {&x->a_off, &x->a_oflags, &x->a_site,
                                  &x->a_cend, &x->a_cand, &x->a_runs, &x->a_keys,
                                  &x->a_ranges, &x->a_raddr, &x->a_rval};
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sum += all[i]->peak;
    /* site slots: only the pages holding used slots are touched */
    sum += x->nsites * sizeof(site_slot) < x->a_slots.len ? x->nsites * 4096 : x->a_slots.len;
    return sum;
}

/* Why no capture can be taken now, if so: the options, the collector's
 * state, a capture already running in this thread.  Errors: MS_EINVAL. */
static int check_can_capture(const char *path, const ms_capture_options *opts, ms_error *err)
{
    if (!path || !*path)
        return ms__cap_fail(err, MS_EINVAL, "ms_capture_write: no path");
    if (opts->version != MS_CAPTURE_OPTIONS_VERSION)
        return ms__cap_fail(err, MS_EINVAL, "ms_capture_options.version is %u, expected %u",
                            opts->version, MS_CAPTURE_OPTIONS_VERSION);
    ms__hooks_init();
    if (!GC_is_init_called())
        return ms__cap_fail(err, MS_EINVAL, "%s: the collector is not initialised (GC_INIT)", path);
    if (!GC_thread_is_registered())
        return ms__cap_fail(err, MS_EINVAL,
                            "%s: this thread is not registered with the collector", path);
    if (GC_is_disabled())
        return ms__cap_fail(err, MS_EINVAL,
                            "%s: collection is disabled (GC_disable or GC_DONT_GC), so nothing "
                            "is marked to capture",
                            path);
    if (in_capture)
        return ms__cap_fail(err, MS_EINVAL, "%s: a capture is already running in this thread",
                            path);
    return MS_OK;
}

/* With the world running, what the stopped phase will need: this thread's
 * stack bounds and registers (thread 0), the registered root ranges, a
 * snapshot of the thread registry, and whether the primordial thread is
 * this one.  The modules are loaded already. */
static void prepare_threads(ctx *x, const uint64_t *regs, uint64_t cfa)
{
    struct GC_stack_base sb = {0};
    pthread_attr_t attr = {0};
    size_t cap;
    ms__thread_slot *reg = ms__registry(&cap);
    uint64_t se = (uint64_t)(uintptr_t)__libc_stack_end;

    x->handle = (uint64_t)(uintptr_t)GC_get_my_stackbottom(&sb);
    x->stack_hi = (uint64_t)(uintptr_t)sb.mem_base;
    x->cfa = cfa;
    x->map_lo = cfa;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *stack;
        size_t size;
        if (pthread_attr_getstack(&attr, &stack, &size) == 0 && stack)
            x->map_lo = (uint64_t)(uintptr_t)stack;
        pthread_attr_destroy(&attr);
    }
    memcpy(x->regs, regs, sizeof x->regs);
    x->naddroots = ms__add_roots_get(x->addroots, MS__ADD_ROOTS_MAX);
    if (x->naddroots > MS__ADD_ROOTS_MAX)
        x->naddroots = MS__ADD_ROOTS_MAX;
    x->reg_threads = calloc(cap ? cap : 1, sizeof *x->reg_threads);
    for (size_t i = 0; x->reg_threads && i < cap; i++)
        if (atomic_load(&reg[i].state) == 2)
            x->reg_threads[x->nreg++] = reg[i];
    /* Thread 0 is this one; the primordial thread gets an entry too. */
    x->threads[0].id = (uint64_t)pthread_self();
    x->threads[0].handle = x->handle;
    x->threads[0].stack_lo = cfa;
    x->threads[0].stack_hi = x->stack_hi;
    x->threads[0].flags = MS_GCCAP_THR_CAPTURING;
    x->nthreads = 1;
    if (se >= x->map_lo && se <= x->stack_hi)
        x->threads[0].flags |= MS_GCCAP_THR_MAIN;
}

/* Counts of the previous capture, for pre-faulting the next one. */
static uint64_t prev_in_use, prev_objs, prev_cands;

/* With the world running, the buffers the stopped phase writes: reserved
 * for the worst case (every granule an object, every word a candidate:
 * address space only), and their first pages touched as far as this
 * capture will probably write (the previous capture's counts scaled to
 * the heap in use, or one object per 32 bytes in use and one candidate
 * word each), so that the page faults happen now. */
static int reserve_buffers(ctx *x, GC_word heap, GC_word free_b, const char *path, ms_error *err)
{
    size_t objs = heap / 16 + 4096, words = heap / 8 + 4096;
    uint64_t in_use = heap > free_b ? heap - free_b : 0, est_objs, est_cands;
    if (!ms__arena_reserve(&x->a_off, objs * 2) || !ms__arena_reserve(&x->a_oflags, objs) ||
        !ms__arena_reserve(&x->a_site, objs * 4) || !ms__arena_reserve(&x->a_cend, objs * 4) ||
        !ms__arena_reserve(&x->a_cand, words * 8) ||
        !ms__arena_reserve(&x->a_runs, (heap / 4096 + 4096) * sizeof(ms__cap_run)) ||
        !ms__arena_reserve(&x->a_slots, SITE_SLOTS * sizeof(site_slot)) ||
        !ms__arena_reserve(&x->a_keys, 4096 * sizeof(site_key)) ||
        !ms__arena_reserve(&x->a_ranges, 4096 * sizeof(ms__cap_root_range)) ||
        !ms__arena_reserve(&x->a_raddr, 1u << 20) || !ms__arena_reserve(&x->a_rval, 1u << 20))
        return ms__cap_fail(err, MS_ENOMEM, "%s: cannot reserve capture buffers", path);
    x->a_slots.len = SITE_SLOTS * sizeof(site_slot);
    x->a_off.peak = x->a_oflags.peak = x->a_site.peak = x->a_cend.peak = 0;
    x->a_cand.peak = x->a_runs.peak = x->a_slots.peak = x->a_keys.peak = 0;
    x->a_ranges.peak = x->a_raddr.peak = x->a_rval.peak = 0;
    if (prev_in_use) {
        est_objs = prev_objs * in_use / prev_in_use;
        est_cands = prev_cands * in_use / prev_in_use;
    } else {
        est_objs = in_use / 32;
        est_cands = est_objs;
    }
    if (est_objs > objs)
        est_objs = objs;
    if (est_cands > words)
        est_cands = words;
    prefault(&x->a_off, est_objs * 2);
    prefault(&x->a_oflags, est_objs);
    prefault(&x->a_site, est_objs * 4);
    prefault(&x->a_cend, est_objs * 4);
    prefault(&x->a_cand, est_cands * 8);
    prefault(&x->a_runs, (in_use / 4096) * sizeof(ms__cap_run));
    x->in_use = in_use;
    return MS_OK;
}

/* The collection, with the event handlers recording into x; its wall
 * microseconds.  Fails when the handlers saw no complete collection or
 * ran out of memory with the world stopped. */
static int collect(ctx *x, double *t_gc, const char *path, ms_error *err)
{
    arm();
    clear_dead_stack();
    x->active = 1;
    atomic_store_explicit(&g_ctx, x, memory_order_release);
    *t_gc = now_us();
    GC_gcollect();
    *t_gc = now_us() - *t_gc;
    atomic_store_explicit(&g_ctx, NULL, memory_order_release);
    x->active = 0;
    if (x->use_hook)
        (void)ms__push_record_stop(&(const ms__range *){NULL});
    if (!x->saw_mark_end || !x->saw_reclaim_end)
        return ms__cap_fail(err, MS_ERROR,
                            "%s: the collection ended without reporting its marks (another "
                            "on-collection-event handler replaced memsnap's?)",
                            path);
    if (x->overflow)
        return ms__cap_fail(err, MS_ENOMEM, "%s: out of memory while the world was stopped",
                            path);
    return MS_OK;
}

/* Up to cap - 1 bytes of a small /proc file into buf, NUL-terminated;
 * 0 when it cannot be read.  No stdio: nothing here may take a lock the
 * program holds. */
static size_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    ssize_t got;
    if (fd < 0)
        return 0;
    while (len + 1 < cap && (got = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)got;
    close(fd);
    buf[len] = 0;
    return len;
}

/* When this process started, for PROCESS: /proc/self/stat's starttime
 * (field 22, clock ticks after boot; the fields after the command name,
 * which may hold spaces and parentheses, start at field 3) and the boot
 * id.  A pid with its start time and boot names one process: pids are
 * reused, and each run of a container may get the same one.  Left 0 and
 * empty when /proc does not tell. */
static void process_start(ms__capture *c)
{
    char stat[1024], *p;
    size_t len;
    c->start_ticks = 0;
    c->boot_id[0] = 0;
    if (!read_small("/proc/self/stat", stat, sizeof stat) || !(p = strrchr(stat, ')')))
        return;
    p++;
    for (int field = 3; field <= 22 && *p; field++) {
        while (*p == ' ')
            p++;
        if (field == 22)
            c->start_ticks = strtoull(p, NULL, 10);
        while (*p && *p != ' ')
            p++;
    }
    c->ticks_per_second = (uint64_t)sysconf(_SC_CLK_TCK);
    len = read_small("/proc/sys/kernel/random/boot_id", c->boot_id, sizeof c->boot_id);
    while (len && (c->boot_id[len - 1] == '\n' || c->boot_id[len - 1] == ' '))
        c->boot_id[--len] = 0;
}

/* The capture to encode, from what the collection recorded (its arrays
 * borrowed from x's arenas) and the collector's figures. */
static void describe(ctx *x, ms__capture *c, const ms__modules *mods, GC_word heap,
                     GC_word free_b, uint32_t *displ, size_t ndispl)
{
    c->info_flags = (x->interior ? MS_GCCAP_INFO_INTERIOR : 0) |
                    (x->use_hook ? MS_GCCAP_INFO_PUSH_HOOK : 0) |
                    (x->threads_approx ? MS_GCCAP_INFO_THREADS_APPROX : 0);
    c->gc_version = GC_get_version();
    c->debug_header = (uint32_t)GC_get_debug_header_size();
    c->pid = (uint64_t)getpid();
    c->time = (uint64_t)time(NULL);
    c->gc_no = GC_get_gc_no();
    c->heap_size = heap;
    c->free_bytes = free_b;
    c->pause_us = (uint64_t)x->pause_us;
    c->enumerated = x->n;
    c->dropped = x->dropped;
    c->program = mods->count ? mods->m[0].path : "";
    process_start(c);
    c->displ = displ;
    c->ndispl = ndispl < MS__DISPL_MAX ? ndispl : MS__DISPL_MAX;
    c->mods = *mods;
    /* Name the thread among the suspended ones and the primordial one. */
    for (size_t t = 0; t < x->nthreads; t++)
        for (size_t r = 0; r < x->nreg; r++)
            if (x->reg_threads[r].id == x->threads[t].id && !x->threads[t].handle)
                x->threads[t].handle = x->reg_threads[r].handle;
    c->threads = x->threads;
    c->nthreads = x->nthreads;
    c->off_g = (uint16_t *)(void *)x->a_off.p;
    c->oflags = x->a_oflags.p;
    c->site = (uint32_t *)(void *)x->a_site.p;
    c->cand_end = (uint32_t *)(void *)x->a_cend.p;
    c->n = x->n;
    c->cand = (uint64_t *)(void *)x->a_cand.p;
    c->ncand = x->ncand;
    c->runs = (ms__cap_run *)(void *)x->a_runs.p;
    c->nruns = x->nruns;
    c->ranges = (ms__cap_root_range *)(void *)x->a_ranges.p;
    c->nranges = x->nranges;
    c->root_addr = (uint64_t *)(void *)x->a_raddr.p;
    c->root_value = (uint64_t *)(void *)x->a_rval.p;
    c->nroot = x->nroot;
}

static void fill_stats(const ctx *x, ms_capture_stats *st, uint64_t file_bytes,
                       uint64_t transient, double t_gc, double t_write)
{
    memset(st, 0, sizeof *st);
    st->objects = x->n - x->dropped;
    st->dropped = x->dropped;
    st->candidate_words = x->ncand;
    st->root_ranges = x->nranges;
    st->root_words = x->nroot;
    st->sites = x->nsites;
    st->file_bytes = file_bytes;
    st->transient_bytes = arena_peak(x) + transient + sizeof *x;
    st->gc_us = t_gc;
    st->pause_us = x->pause_us;
    st->pause_cpu_us = x->pause_cpu_us;
    st->locked_us = x->locked_us;
    st->write_us = t_write;
    st->resolve_us = x->resolve_us;
    st->resolved = x->resolved;
    st->push_hook = x->use_hook;
}

int ms__capture_impl(const char *path, const ms_capture_options *opts, ms_error *err,
                     const uint64_t *regs, uint64_t cfa)
{
    ms_capture_options defaults = MS_CAPTURE_OPTIONS_INIT;
    ms__capture c;
    ctx *x = NULL;
    ms__modules mods = {0};
    GC_word heap = 0, free_b = 0, unmapped = 0, since = 0, total = 0;
    double t_gc = 0, t_write;
    uint64_t file_bytes = 0, transient = 0;
    uint32_t *displ = NULL;
    int rc = MS_OK;

    memset(&c, 0, sizeof c);
    if (!opts)
        opts = &defaults;
    if ((rc = check_can_capture(path, opts, err)) < 0)
        return rc;
    in_capture = 1;
    pthread_mutex_lock(&capture_mu);

    x = mmap(NULL, sizeof *x, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (x == MAP_FAILED) {
        x = NULL;
        rc = ms__cap_fail(err, MS_ENOMEM, "%s: cannot map %zu bytes", path, sizeof *x);
        goto done;
    }
    memset(x, 0, sizeof *x);
    x->thread = pthread_self();
    x->use_hook = !(opts->flags & MS_CAPTURE_NO_PUSH_HOOK);
    x->measure_resolve = (opts->flags & MS_CAPTURE_MEASURE_RESOLVE) != 0;

    /* ---- world running: what the stopped phase will need ---- */
    if (ms__modules_load(&mods) < 0) {
        rc = ms__cap_fail(err, MS_ENOMEM, "%s: out of memory listing modules", path);
        goto done;
    }
    x->mods = &mods;
    prepare_threads(x, regs, cfa);
    x->interior = GC_get_all_interior_pointers() != 0;
    /* Kinds are cached per 4 KiB page: a page never holds two heap blocks
     * when blocks are at least 4 KiB, which libgc needs anyway to unmap
     * or write-protect pages of 4 KiB (Debian's build: HBLKSIZE 4096). */
    x->hblk_4k = sysconf(_SC_PAGESIZE) == 4096;
    GC_get_heap_usage_safe(&heap, &free_b, &unmapped, &since, &total);
    if ((rc = reserve_buffers(x, heap, free_b, path, err)) < 0 ||
        (rc = collect(x, &t_gc, path, err)) < 0)
        goto done;

    /* ---- world running: the file ---- */
    t_write = now_us();
    displ = calloc(MS__DISPL_MAX, sizeof *displ);
    describe(x, &c, &mods, heap, free_b, displ,
             displ ? ms__displacements_get(displ, MS__DISPL_MAX) : 0);
    if ((rc = build_sites(x, &c, err)) < 0)
        goto done;
    prev_in_use = x->in_use;
    prev_objs = x->n;
    prev_cands = x->ncand;
    rc = ms__capture_encode(&c, path, opts->level, &file_bytes, &transient, err);
    t_write = now_us() - t_write;
    if (rc == MS_OK && opts->stats)
        fill_stats(x, opts->stats, file_bytes, transient, t_gc, t_write);
done:
    if (x) {
        free(x->reg_threads);
        free_ctx_arenas(x);
        munmap(x, sizeof *x);
    }
    free(c.sites);
    free(displ);
    ms__modules_free(&mods);
    pthread_mutex_unlock(&capture_mu);
    in_capture = 0;
    return rc;
}

/* ---- the entry point ---------------------------------------------------------------
 *
 * ms_capture_write must see the caller's callee-saved registers before any
 * compiled code can spill or reuse them (one may hold the only pointer to
 * an object), and the caller's stack pointer, above which the caller's
 * frames lie.  On x86-64 a few instructions of assembly do both: store
 * rbx, the caller's rbp, r12-r15, and pass CFA = the stack pointer before
 * the call pushed the return address. */
#if defined(__x86_64__) && defined(__ELF__)
__asm__(".text\n"
        ".globl ms_capture_write\n"
        ".type ms_capture_write, @function\n"
        ".p2align 4\n"
        "ms_capture_write:\n"
        "    .cfi_startproc\n"
        "    endbr64\n"
        "    pushq %rbp\n"
        "    .cfi_def_cfa_offset 16\n"
        "    .cfi_offset %rbp, -16\n"
        "    movq %rsp, %rbp\n"
        "    .cfi_def_cfa_register %rbp\n"
        "    subq $48, %rsp\n"
        "    movq %rbx, 0(%rsp)\n"
        "    movq 0(%rbp), %rax\n" /* the caller's rbp, saved by the push */
        "    movq %rax, 8(%rsp)\n"
        "    movq %r12, 16(%rsp)\n"
        "    movq %r13, 24(%rsp)\n"
        "    movq %r14, 32(%rsp)\n"
        "    movq %r15, 40(%rsp)\n"
        "    movq %rsp, %rcx\n"  /* regs */
        "    leaq 16(%rbp), %r8\n" /* CFA: the caller's stack pointer */
        "    call ms__capture_impl\n"
        "    leave\n"
        "    .cfi_def_cfa %rsp, 8\n"
        "    ret\n"
        "    .cfi_endproc\n"
        ".size ms_capture_write, .-ms_capture_write\n");
#else
#include <setjmp.h>
/* Elsewhere: setjmp stores the callee-saved registers (glibc mangles only
 * the stack and frame pointers and the return address). */
__attribute__((noinline)) ms_status ms_capture_write(const char *path, const ms_capture_options *opts,
                                               ms_error *err)
{
    jmp_buf jb;
    uint64_t regs[MS_GCCAP_REGISTER_COUNT] = {0};
    (void)setjmp(jb);
    memcpy(regs, &jb, sizeof regs < sizeof jb ? sizeof regs : sizeof jb);
    return ms__capture_impl(path, opts, err, regs,
                            (uint64_t)(uintptr_t)__builtin_frame_address(0) + 2 * sizeof(void *));
}
#endif
