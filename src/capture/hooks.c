/*
 * hooks.c: the libgc entry points this library interposes, and what they
 * record.
 *
 * libgc 8.2 calls its own exported functions through the PLT, and programs
 * call them through theirs, so a definition that comes earlier in the
 * symbol lookup order (the executable, an LD_PRELOAD library, or this
 * library linked before -lgc) receives every call; it records what it
 * needs and forwards to the real function found with dlsym(RTLD_NEXT):
 *
 *   GC_push_all, GC_push_all_eager   every root range the collector scans,
 *                                    while a capture is marking
 *   GC_malloc and relatives          the allocation site, stored in the last
 *                                    word of the object (8 bytes more)
 *   GC_add_roots / remove / clear    registered root ranges (no getter in libgc)
 *   GC_register_displacement (+debug) valid interior offsets when the program
 *                                    turned all-interior-pointers off (Guile)
 *
 * Nothing here may keep a heap address in this library's static data: the
 * collector scans our .data/.bss as a root like any module's.  Tables live
 * in one anonymous mapping, which the collector does not scan.
 */
#define _GNU_SOURCE
#include "capture_int.h"

#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

ms__gc_real ms__real;
_Atomic int ms__capture_pending;

/* ---- the shared mapping ----------------------------------------------------
 *
 *   push      MS__PUSH_MAX x {lo, hi}                 1 MiB
 *   roots     MS__ADD_ROOTS_MAX x {lo, hi}            16 KiB
 *   displ     MS__DISPL_MAX bits                      512 B
 *   threads   MS__THREADS_MAX x ms__thread_slot       160 KiB
 *   stacks    MS__STACKS_MAX x (1 + depth) words      17 MiB (touched as used)
 *   slots     2 * MS__STACKS_MAX x u32 (stack hash)   512 KiB
 *
 * Reserved with MAP_NORESERVE: pages cost memory only once written. */
#define MS__STACKS_MAX 65536u
#define MS__STACK_STRIDE (MS__STACK_MAX_DEPTH + 1)

typedef struct hook_state {
    ms__range push[MS__PUSH_MAX];
    ms__range roots[MS__ADD_ROOTS_MAX];
    uint64_t displ[MS__DISPL_MAX / 64];
    ms__thread_slot threads[MS__THREADS_MAX];
    _Atomic uint32_t slots[2 * MS__STACKS_MAX];
    uint64_t stacks[(size_t)MS__STACKS_MAX * MS__STACK_STRIDE];
} hook_state;

static hook_state *hs;
static _Atomic int push_recording;
static _Atomic size_t push_count;
static size_t nroots;
static pthread_mutex_t roots_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint32_t nstacks;
static _Atomic unsigned bt_depth;
static _Atomic int sites_on = 1;
static pthread_key_t thread_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic int ready;
static __thread int tls_registered __attribute__((tls_model("initial-exec")));

/* Whether f is defined in this library. */
static bool is_ours(void *f)
{
    Dl_info a, b;
    return f && dladdr(f, &a) && dladdr((void *)&ms__hooks_init, &b) && a.dli_fbase == b.dli_fbase;
}

/* The definition the program uses: the first in the global lookup order,
 * or, when that is ours, the next one. */
static void *resolve(const char *name)
{
    void *f = dlsym(RTLD_DEFAULT, name);
    if (!f || is_ours(f))
        f = dlsym(RTLD_NEXT, name);
    return is_ours(f) ? NULL : f;
}

static void on_thread_exit(void *slot)
{
    ms__thread_slot *s = slot;
    atomic_store(&s->state, 0);
}

static void init_once(void)
{
    void *p = mmap(NULL, sizeof(hook_state), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED)
        hs = p;
    ms__real.malloc = resolve("GC_malloc");
    ms__real.malloc_atomic = resolve("GC_malloc_atomic");
    ms__real.malloc_uncollectable =
        resolve("GC_malloc_uncollectable");
    ms__real.malloc_atomic_uncollectable =
        resolve("GC_malloc_atomic_uncollectable");
    ms__real.malloc_ignore_off_page =
        resolve("GC_malloc_ignore_off_page");
    ms__real.malloc_atomic_ignore_off_page =
        resolve("GC_malloc_atomic_ignore_off_page");
    ms__real.realloc = resolve("GC_realloc");
    ms__real.push_all = resolve("GC_push_all");
    ms__real.push_all_eager = resolve("GC_push_all_eager");
    ms__real.add_roots = resolve("GC_add_roots");
    ms__real.remove_roots = resolve("GC_remove_roots");
    ms__real.clear_roots = resolve("GC_clear_roots");
    ms__real.register_displacement =
        resolve("GC_register_displacement");
    ms__real.debug_register_displacement =
        resolve("GC_debug_register_displacement");
    (void)pthread_key_create(&thread_key, on_thread_exit);
    {
        const char *s = getenv("MEMSNAP_SITES");
        if (s && strcmp(s, "0") == 0)
            atomic_store(&sites_on, 0);
        s = getenv("MEMSNAP_BACKTRACE");
        if (s && *s)
            ms_capture_set_backtrace((unsigned)strtoul(s, NULL, 10));
    }
    atomic_store_explicit(&ready, 1, memory_order_release);
}

void ms__hooks_init(void)
{
    if (!atomic_load_explicit(&ready, memory_order_acquire))
        pthread_once(&once, init_once);
}

__attribute__((constructor)) static void hooks_constructor(void)
{
    ms__hooks_init();
}

/* ---- root pushes -------------------------------------------------------- */

static inline void record_push(void *lo, void *hi)
{
    if (atomic_load_explicit(&push_recording, memory_order_relaxed) && hs) {
        size_t i = atomic_fetch_add_explicit(&push_count, 1, memory_order_relaxed);
        if (i < MS__PUSH_MAX) {
            hs->push[i].lo = (uint64_t)(uintptr_t)lo;
            hs->push[i].hi = (uint64_t)(uintptr_t)hi;
        }
    }
}

void GC_push_all(void *lo, void *hi)
{
    ms__hooks_init();
    record_push(lo, hi);
    ms__real.push_all(lo, hi);
}

void GC_push_all_eager(void *lo, void *hi)
{
    ms__hooks_init();
    record_push(lo, hi);
    ms__real.push_all_eager(lo, hi);
}

void ms__push_record_start(void)
{
    atomic_store(&push_count, 0);
    atomic_store(&push_recording, 1);
}

size_t ms__push_record_stop(const ms__range **ranges)
{
    size_t n;
    atomic_store(&push_recording, 0);
    n = atomic_load(&push_count);
    *ranges = hs ? hs->push : NULL;
    return hs ? (n < MS__PUSH_MAX ? n : MS__PUSH_MAX) : 0;
}

bool ms__push_hook_live(void)
{
    return hs && atomic_load(&push_count) > 0;
}

/* ---- registered roots and displacements ---------------------------------- */

void GC_add_roots(void *lo, void *hi)
{
    ms__hooks_init();
    pthread_mutex_lock(&roots_mu);
    if (hs && nroots < MS__ADD_ROOTS_MAX && (uintptr_t)lo < (uintptr_t)hi) {
        hs->roots[nroots].lo = (uint64_t)(uintptr_t)lo;
        hs->roots[nroots].hi = (uint64_t)(uintptr_t)hi;
        nroots++;
    }
    pthread_mutex_unlock(&roots_mu);
    ms__real.add_roots(lo, hi);
}

void GC_remove_roots(void *lo, void *hi)
{
    ms__hooks_init();
    pthread_mutex_lock(&roots_mu);
    /* libgc removes the registered ranges lying inside [lo, hi). */
    for (size_t i = 0; hs && i < nroots;) {
        if (hs->roots[i].lo >= (uint64_t)(uintptr_t)lo && hs->roots[i].hi <= (uint64_t)(uintptr_t)hi)
            hs->roots[i] = hs->roots[--nroots];
        else
            i++;
    }
    pthread_mutex_unlock(&roots_mu);
    ms__real.remove_roots(lo, hi);
}

void GC_clear_roots(void)
{
    ms__hooks_init();
    pthread_mutex_lock(&roots_mu);
    nroots = 0;
    pthread_mutex_unlock(&roots_mu);
    ms__real.clear_roots();
}

size_t ms__add_roots_get(ms__range *out, size_t max)
{
    size_t n;
    pthread_mutex_lock(&roots_mu);
    n = nroots;
    if (hs)
        memcpy(out, hs->roots, (n < max ? n : max) * sizeof *out);
    pthread_mutex_unlock(&roots_mu);
    return n;
}

static void record_displacement(size_t d)
{
    if (hs && d < MS__DISPL_MAX)
        __atomic_fetch_or(&hs->displ[d / 64], 1ull << (d % 64), __ATOMIC_RELAXED);
}

void GC_register_displacement(size_t d)
{
    ms__hooks_init();
    record_displacement(d);
    ms__real.register_displacement(d);
}

void GC_debug_register_displacement(size_t d)
{
    ms__hooks_init();
    /* libgc registers d and d + the debug header size. */
    record_displacement(d);
    record_displacement(d + (size_t)GC_get_debug_header_size());
    ms__real.debug_register_displacement(d);
}

size_t ms__displacements_get(uint32_t *out, size_t max)
{
    size_t n = 0;
    for (size_t d = 0; hs && d < MS__DISPL_MAX; d++)
        if (__atomic_load_n(&hs->displ[d / 64], __ATOMIC_RELAXED) & (1ull << (d % 64))) {
            if (n < max)
                out[n] = (uint32_t)d;
            n++;
        }
    return n;
}

/* ---- thread registry ------------------------------------------------------- */

void ms__thread_register_self(void)
{
    struct GC_stack_base sb = {0};
    pthread_attr_t attr;
    void *handle, *stack = NULL;
    size_t size = 0;
    tls_registered = 1;
    if (!hs || !GC_is_init_called() || !GC_thread_is_registered())
        return;
    handle = GC_get_my_stackbottom(&sb);
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        (void)pthread_attr_getstack(&attr, &stack, &size);
        pthread_attr_destroy(&attr);
    }
    for (size_t i = 0; i < MS__THREADS_MAX; i++) {
        ms__thread_slot *s = &hs->threads[i];
        uint32_t expect = 0;
        if (atomic_compare_exchange_strong(&s->state, &expect, 1)) {
            s->id = (uint64_t)pthread_self();
            s->handle = (uint64_t)(uintptr_t)handle;
            s->stack_lo = (uint64_t)(uintptr_t)stack;
            s->stack_hi = sb.mem_base ? (uint64_t)(uintptr_t)sb.mem_base
                                      : (uint64_t)(uintptr_t)stack + size;
            atomic_store(&s->state, 2);
            (void)pthread_setspecific(thread_key, s);
            return;
        }
    }
}

ms__thread_slot *ms__registry(size_t *count)
{
    *count = hs ? MS__THREADS_MAX : 0;
    return hs ? hs->threads : NULL;
}

void ms_capture_thread_attach(void)
{
    ms__hooks_init();
    if (!tls_registered)
        ms__thread_register_self();
}

/* ---- backtraces ------------------------------------------------------------ */

unsigned ms_capture_set_backtrace(unsigned depth)
{
    void *warm[2];
    if (depth > MS__STACK_MAX_DEPTH)
        depth = MS__STACK_MAX_DEPTH;
    /* The first backtrace() loads libgcc_s (malloc, dlopen): do it here,
     * not inside an allocation. */
    if (depth)
        (void)backtrace(warm, 2);
    atomic_store(&bt_depth, depth);
    return depth;
}

/* Interns frames[0..depth) in the lock-free stack table; false when full.
 * An entry is written completely before its hash slot publishes it. */
static bool stack_intern(void *const *frames, unsigned depth, uint64_t *id)
{
    uint64_t h = 1469598103934665603ull;
    uint32_t mask = 2 * MS__STACKS_MAX - 1, i, mine = 0;
    for (unsigned k = 0; k < depth; k++)
        h = (h ^ (uint64_t)(uintptr_t)frames[k]) * 1099511628211ull;
    i = (uint32_t)(h ^ h >> 29) & mask;
    for (uint32_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
        uint32_t s = atomic_load_explicit(&hs->slots[i], memory_order_acquire);
        if (s == 0) {
            if (!mine) {
                uint32_t n = atomic_fetch_add(&nstacks, 1);
                uint64_t *e;
                if (n >= MS__STACKS_MAX)
                    return false;
                e = &hs->stacks[(size_t)n * MS__STACK_STRIDE];
                e[0] = depth;
                for (unsigned k = 0; k < depth; k++)
                    e[1 + k] = (uint64_t)(uintptr_t)frames[k];
                mine = n + 1;
            }
            if (atomic_compare_exchange_strong_explicit(&hs->slots[i], &s, mine,
                                                        memory_order_release,
                                                        memory_order_acquire)) {
                *id = mine - 1;
                return true;
            }
        }
        if (s) {
            const uint64_t *e = &hs->stacks[(size_t)(s - 1) * MS__STACK_STRIDE];
            bool same = e[0] == depth;
            for (unsigned k = 0; same && k < depth; k++)
                same = e[1 + k] == (uint64_t)(uintptr_t)frames[k];
            if (same) {
                if (mine) /* our unpublished copy becomes an unused entry */
                    hs->stacks[(size_t)(mine - 1) * MS__STACK_STRIDE] = 0;
                *id = s - 1;
                return true;
            }
        }
    }
    return false;
}

bool ms__stack_get(uint64_t id, const uint64_t **frames, unsigned *depth)
{
    const uint64_t *e;
    if (!hs || id >= atomic_load(&nstacks) || id >= MS__STACKS_MAX)
        return false;
    e = &hs->stacks[(size_t)id * MS__STACK_STRIDE];
    if (e[0] == 0 || e[0] > MS__STACK_MAX_DEPTH)
        return false;
    *depth = (unsigned)e[0];
    *frames = e + 1;
    return true;
}

/* ---- allocation wrappers ----------------------------------------------------- */

/* The footer for an allocation whose caller returns to `ra`. */
static inline uint64_t site_footer(void *ra)
{
    unsigned depth = atomic_load_explicit(&bt_depth, memory_order_relaxed);
    if (depth && hs) {
        void *frames[MS__STACK_MAX_DEPTH + 1];
        int n = backtrace(frames, (int)depth + 1);
        uint64_t id;
        /* frames[0] is this library's wrapper; the caller's is frames[1]. */
        if (n > 1 && stack_intern(frames + 1, (unsigned)(n - 1), &id))
            return ms__footer(MS__TAG_STACK, id);
    }
    return ms__footer(MS__TAG_PC, (uint64_t)(uintptr_t)ra);
}

static inline void put_footer(void *p, uint64_t footer)
{
    size_t sz = GC_size(p);
    if (sz >= 16)
        ((uint64_t *)p)[sz / 8 - 1] = footer;
}

static inline void after_alloc(void)
{
    if (__builtin_expect(!tls_registered, 0))
        ms__thread_register_self();
}

/* The interposed allocation functions.  On x86-64 each exported name is
 * a few instructions of assembly in front of the C body: when a signal
 * asked for a capture, they save the program's callee-saved registers and
 * stack pointer before any compiled code of this library runs, and take
 * the capture from there (ms__preload_capture_at), so the stack scan starts
 * at the program's own frame, not in memsnap's (whose stale slots would
 * retain garbage).  Then, or otherwise, they jump to the C body, which sees
 * the program's return address.  Elsewhere the C body checks the flag
 * itself (frames of this library are scanned too: approximate). */
#if defined(__x86_64__) && defined(__ELF__)
#define MS__PENDING_IN_ASM 1
#define STUB(name)                                                                                 \
    __asm__(".text\n"                                                                              \
            ".globl " #name "\n"                                                                   \
            ".type " #name ", @function\n"                                                         \
            ".p2align 4\n" #name ":\n"                                                             \
            "    endbr64\n"                                                                        \
            "    movl ms__capture_pending(%rip), %eax\n"                                           \
            "    testl %eax, %eax\n"                                                               \
            "    jnz 1f\n"                                                                         \
            "    jmp ms__impl_" #name "\n"                                                         \
            "1:  pushq %rdi\n"                                                                     \
            "    pushq %rsi\n"                                                                     \
            "    subq $56, %rsp\n"                                                                 \
            "    movq %rbx, 0(%rsp)\n"                                                             \
            "    movq %rbp, 8(%rsp)\n"                                                             \
            "    movq %r12, 16(%rsp)\n"                                                            \
            "    movq %r13, 24(%rsp)\n"                                                            \
            "    movq %r14, 32(%rsp)\n"                                                            \
            "    movq %r15, 40(%rsp)\n"                                                            \
            "    movq %rsp, %rdi\n"                                                                \
            "    leaq 80(%rsp), %rsi\n" /* the caller's stack pointer before the call */            \
            "    call ms__preload_capture_at\n"                                                    \
            "    addq $56, %rsp\n"                                                                 \
            "    popq %rsi\n"                                                                      \
            "    popq %rdi\n"                                                                      \
            "    jmp ms__impl_" #name "\n"                                                         \
            ".size " #name ", .-" #name "\n");
#else
#define MS__PENDING_IN_ASM 0
#define STUB(name)
#endif

static inline void check_pending(void)
{
#if !MS__PENDING_IN_ASM
    if (__builtin_expect(atomic_load_explicit(&ms__capture_pending, memory_order_relaxed), 0))
        ms__preload_pending_capture();
#endif
}

#if MS__PENDING_IN_ASM
#define IMPL(name) ms__impl_##name
#else
#define IMPL(name) name
#endif

#define WRAP(name, field)                                                                          \
    STUB(name)                                                                                     \
    MS__HIDDEN void *IMPL(name)(size_t n);                                                         \
    MS__HIDDEN __attribute__((used, noinline)) void *IMPL(name)(size_t n)                          \
    {                                                                                              \
        void *p;                                                                                   \
        ms__hooks_init();                                                                          \
        check_pending();                                                                           \
        if (!atomic_load_explicit(&sites_on, memory_order_relaxed) || n > SIZE_MAX - 16)          \
            return ms__real.field(n);                                                              \
        p = ms__real.field(n + 8);                                                                 \
        if (p) {                                                                                   \
            put_footer(p, site_footer(__builtin_return_address(0)));                               \
            after_alloc();                                                                         \
        }                                                                                          \
        return p;                                                                                  \
    }

WRAP(GC_malloc, malloc)
WRAP(GC_malloc_atomic, malloc_atomic)
WRAP(GC_malloc_uncollectable, malloc_uncollectable)
WRAP(GC_malloc_atomic_uncollectable, malloc_atomic_uncollectable)
WRAP(GC_malloc_ignore_off_page, malloc_ignore_off_page)
WRAP(GC_malloc_atomic_ignore_off_page, malloc_atomic_ignore_off_page)

STUB(GC_realloc)
MS__HIDDEN void *IMPL(GC_realloc)(void *old, size_t n);
MS__HIDDEN __attribute__((used, noinline)) void *IMPL(GC_realloc)(void *old, size_t n)
{
    uint64_t footer = 0;
    void *p;
    ms__hooks_init();
    check_pending();
    if (!atomic_load_explicit(&sites_on, memory_order_relaxed) || n > SIZE_MAX - 16 ||
        (old && n == 0))
        return ms__real.realloc(old, n);
    if (old) {
        size_t sz = GC_size(old);
        uint64_t f = sz >= 16 ? ((uint64_t *)old)[sz / 8 - 1] : 0;
        unsigned tag = (unsigned)(f >> MS__TAG_SHIFT);
        if (tag == MS__TAG_PC || tag == MS__TAG_DESC || tag == MS__TAG_STACK)
            footer = f; /* the object keeps the site it was allocated at */
    }
    p = ms__real.realloc(old, n + 8);
    if (p) {
        put_footer(p, footer ? footer : site_footer(__builtin_return_address(0)));
        after_alloc();
    }
    return p;
}

static void *malloc_at(void *(*fn)(size_t), size_t n, const ms_capture_site *site, void *ra)
{
    void *p;
    if (n > SIZE_MAX - 16)
        return fn(n);
    p = fn(n + 8);
    if (p) {
        put_footer(p, site ? ms__footer(MS__TAG_DESC, (uint64_t)(uintptr_t)site)
                           : ms__footer(MS__TAG_PC, (uint64_t)(uintptr_t)ra));
        after_alloc();
    }
    return p;
}

void *ms_capture_malloc_at(size_t n, const ms_capture_site *site)
{
    ms__hooks_init();
    return malloc_at(ms__real.malloc, n, site, __builtin_return_address(0));
}

void *ms_capture_malloc_atomic_at(size_t n, const ms_capture_site *site)
{
    ms__hooks_init();
    return malloc_at(ms__real.malloc_atomic, n, site, __builtin_return_address(0));
}

void *ms_capture_malloc_uncollectable_at(size_t n, const ms_capture_site *site)
{
    ms__hooks_init();
    return malloc_at(ms__real.malloc_uncollectable, n, site, __builtin_return_address(0));
}
