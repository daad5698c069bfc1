/*
 * capture_int.h: what the parts of the capture library share.
 *
 *   capture.c  ms_capture_write: the collection event hook, the enumeration
 *              of marked objects and the root scan while the world is stopped
 *   hooks.c    the interposed libgc entry points (GC_push_all, the GC_malloc
 *              family, GC_add_roots, GC_register_displacement), allocation
 *              site footers, backtraces, the thread registry
 *   modules.c  the loaded modules (dl_iterate_phdr), build ids
 *   encode.c   the file: sorting, encoding, zstd (no libgc here, so tests
 *              can write synthetic captures)
 *   preload.c  LD_PRELOAD mode: MEMSNAP_CAPTURE, SIGUSR2, capture at exit
 *
 * Memory while the world is stopped comes from mmap only (ms__cap_arena):
 * stopped threads may hold malloc's or stdio's locks.
 *
 * The library links nothing of the analyzer (it runs inside the captured
 * program, often preloaded), so it keeps its own small versions of what
 * src/util shares there: the error record (ms__cap_fail), growing arrays
 * (arenas; realloc in encode.c and modules.c, with the world running),
 * the site table's hashing (in an arena, usable while stopped), and
 * sorting (qsort_r, Shell sort of the pushed ranges: qsort may malloc).
 */
#ifndef MS_CAPTURE_INT_H
#define MS_CAPTURE_INT_H

#include "memsnap/capture.h"
#include "format.h"

#include <stdatomic.h>
#include <stdbool.h>

#define MS__HIDDEN __attribute__((visibility("hidden")))

/* ---- mmap arenas: growable arrays usable with the world stopped ---------- */

typedef struct ms__cap_arena {
    uint8_t *p;
    size_t len;  /* bytes in use */
    size_t cap;  /* bytes mapped */
    size_t peak; /* bytes touched at most */
} ms__cap_arena;

/* Makes room for `more` bytes beyond len (mmap/mremap; no malloc).  False
 * when the kernel refuses. */
MS__HIDDEN bool ms__arena_reserve(ms__cap_arena *a, size_t more);
MS__HIDDEN void ms__arena_free(ms__cap_arena *a);

/* ---- allocation-site footers -------------------------------------------- */

/* The last word of a wrapped object's slot: a 16-bit tag and 48 bits of
 * payload.  Tags are chosen so a footer is never a plausible heap address
 * (user space ends at 2^47), so it retains nothing. */
#define MS__TAG_SHIFT 48
#define MS__TAG_PC 0xA5C1u    /* payload: return address */
#define MS__TAG_DESC 0xA5C2u  /* payload: address of an ms_capture_site */
#define MS__TAG_STACK 0xA5C3u /* payload: backtrace id (index into the stack table) */
#define MS__PAYLOAD_MASK ((1ull << MS__TAG_SHIFT) - 1)

/* The footer word of a tag and a payload (cut to 48 bits). */
static inline uint64_t ms__footer(unsigned tag, uint64_t payload)
{
    return (uint64_t)tag << MS__TAG_SHIFT | (payload & MS__PAYLOAD_MASK);
}

/* Backtraces recorded for MS__TAG_STACK footers: frames[id * stride ...]. */
#define MS__STACK_MAX_DEPTH 32
/* Backtrace `id`: its return addresses (*frames, borrowed from the hook
 * state, innermost first) and their number; false when there is none. */
MS__HIDDEN bool ms__stack_get(uint64_t id, const uint64_t **frames, unsigned *depth);

/* ---- the real libgc functions, resolved past our interposers ------------- */

typedef struct ms__gc_real {
    void *(*malloc)(size_t);
    void *(*malloc_atomic)(size_t);
    void *(*malloc_uncollectable)(size_t);
    void *(*malloc_atomic_uncollectable)(size_t);
    void *(*malloc_ignore_off_page)(size_t);
    void *(*malloc_atomic_ignore_off_page)(size_t);
    void *(*realloc)(void *, size_t);
    void (*push_all)(void *, void *);
    void (*push_all_eager)(void *, void *);
    void (*add_roots)(void *, void *);
    void (*remove_roots)(void *, void *);
    void (*clear_roots)(void);
    void (*register_displacement)(size_t);
    void (*debug_register_displacement)(size_t);
} ms__gc_real;

MS__HIDDEN extern ms__gc_real ms__real;
/* Resolves ms__real once (idempotent, thread-safe). */
MS__HIDDEN void ms__hooks_init(void);

/* ---- what the interposers record ----------------------------------------- */

/* GC_add_roots ranges, in a fixed table (there is no getter in libgc). */
#define MS__ADD_ROOTS_MAX 1024
typedef struct ms__range {
    uint64_t lo, hi;
} ms__range;

/* Copies the recorded GC_add_roots ranges into out (at most max); returns
 * how many there are. */
MS__HIDDEN size_t ms__add_roots_get(ms__range *out, size_t max);

/* Displacements registered with GC_register_displacement (bitmap over
 * offsets 0..MS__DISPL_MAX-1). */
#define MS__DISPL_MAX 4096
/* The registered displacements (byte offsets, ascending) into out, at most
 * max; returns how many there are. */
MS__HIDDEN size_t ms__displacements_get(uint32_t *out, size_t max);

/* Root ranges pushed by the collector while recording is on: start
 * empties the table and records; stop ends recording and lends the table
 * (*ranges, valid until the next start), returning how many ranges it
 * holds (at most MS__PUSH_MAX; 0 without the hook state). */
#define MS__PUSH_MAX 65536
MS__HIDDEN void ms__push_record_start(void);
MS__HIDDEN size_t ms__push_record_stop(const ms__range **ranges);
MS__HIDDEN bool ms__push_hook_live(void); /* some range was recorded since start */

/* Thread registry (fallback for other threads' stacks; collector handles). */
#define MS__THREADS_MAX 4096
typedef struct ms__thread_slot {
    _Atomic uint32_t state; /* 0 free, 1 claimed, 2 live */
    uint64_t id;            /* pthread_t */
    uint64_t stack_lo, stack_hi;
    uint64_t handle;        /* GC thread handle (GC_get_my_stackbottom) */
} ms__thread_slot;
/* The registry's slots (*count of them, all of the table; NULL and 0
 * without the hook state), read with their state's atomics. */
MS__HIDDEN ms__thread_slot *ms__registry(size_t *count);
/* Registers the calling thread (its stack and collector handle) once. */
MS__HIDDEN void ms__thread_register_self(void);

/* Signal-requested captures (preload.c): checked by the allocation wrappers.
 * ms__preload_capture_at takes the capture with the program's registers
 * and stack pointer saved at the wrapper's entry (x86-64);
 * ms__preload_pending_capture from inside the wrapper (elsewhere). */
MS__HIDDEN extern _Atomic int ms__capture_pending;
MS__HIDDEN void ms__preload_pending_capture(void);
MS__HIDDEN void ms__preload_capture_at(const uint64_t *regs, uint64_t cfa);

/* The work behind ms_capture_write, from saved registers and the caller's
 * stack pointer (capture.c). */
MS__HIDDEN int ms__capture_impl(const char *path, const ms_capture_options *opts, ms_error *err,
                                const uint64_t *regs, uint64_t cfa);

/* ---- modules ------------------------------------------------------------- */

typedef struct ms__segment {
    uint64_t vaddr, memsz; /* link-time, relative to the load base */
    uint32_t flags;        /* PF_R | PF_W | PF_X */
} ms__segment;

typedef struct ms__module {
    char *path;
    uint64_t base;         /* dlpi_addr */
    uint8_t build_id[64];
    uint32_t build_id_len;
    uint32_t flags;        /* MS_GCCAP_MOD_* */
    ms__segment *seg;
    uint32_t nseg;
    uint64_t relro_lo, relro_hi; /* absolute; 0, 0 when none */
} ms__module;

typedef struct ms__modules {
    ms__module *m;
    uint32_t count;
} ms__modules;

/* Lists the loaded modules into *mods (malloc'd, so with the world
 * running; free with ms__modules_free).  Returns MS_OK, or MS_ENOMEM (mods
 * empty). */
MS__HIDDEN int ms__modules_load(ms__modules *mods);
/* Frees the list and zeroes mods. */
MS__HIDDEN void ms__modules_free(ms__modules *mods);
/* Index of the module with a segment (any flags when want_flags is 0)
 * containing addr, or -1; *seg_end (may be NULL) gets that segment's end
 * address. */
MS__HIDDEN int ms__modules_find(const ms__modules *mods, uint64_t addr, uint32_t want_flags,
                                uint64_t *seg_end);

/* ---- the capture as it is handed to the encoder -------------------------- */

typedef struct ms__cap_site {
    uint8_t type;          /* MS_GCCAP_SITE_* */
    uint32_t module;
    uint64_t pc;           /* relative pc (PC) or absolute (ABS) */
    const char *file;      /* DESC, DEBUG (borrowed) */
    size_t file_len;
    const char *type_name; /* DESC */
    size_t type_len;
    const char *function;  /* DESC */
    size_t function_len;
    uint32_t line;
    uint32_t depth;        /* STACK */
    const uint64_t *frames;/* STACK: absolute return addresses */
} ms__cap_site;

typedef struct ms__cap_thread {
    uint64_t id, stack_lo, stack_hi, handle;
    uint32_t flags;
} ms__cap_thread;

typedef struct ms__cap_root_range {
    uint8_t kind;
    uint8_t flags;
    uint32_t owner;
    uint64_t lo, hi;
    uint64_t first, count; /* candidates in root_addr/root_value */
} ms__cap_root_range;

/* Objects come in runs of increasing address, one heap block (and so one
 * slot size and one kind) each; the encoder writes the runs in address
 * order.  An object is run.addr + off_g * 16. */
typedef struct ms__cap_run {
    uint64_t addr;
    uint32_t first, count;
    uint32_t size_g; /* slot size in 16-byte granules */
    uint8_t kind;
} ms__cap_run;

typedef struct ms__capture {
    /* INFO */
    uint32_t info_flags;
    uint32_t gc_version, debug_header;
    uint64_t pid, time, gc_no, heap_size, free_bytes;
    uint64_t pause_us, enumerated, dropped;
    const char *program;
    /* PROCESS: when the process started (its identity with pid and boot):
     * clock ticks after boot, /proc/self/stat's starttime, and the kernel's
     * boot id; start_ticks 0 when /proc could not tell (then no section) */
    uint64_t start_ticks, ticks_per_second;
    char boot_id[MS_GCCAP_BOOT_ID_MAX + 1];
    uint32_t *displ;
    size_t ndispl;

    ms__modules mods;
    ms__cap_thread *threads;
    size_t nthreads;
    ms__cap_site *sites;
    size_t nsites;

    /* objects, structure of arrays (mmap arenas): 11 bytes each */
    uint16_t *off_g;      /* granules from its run's address */
    uint8_t *oflags;      /* MS_GCCAP_OBJ_* | MS__OBJ_DROPPED */
    uint32_t *site;       /* site index + 1, 0 = none */
    uint32_t *cand_end;   /* candidates of object i end here (exclusive) */
    size_t n;
    /* candidate words: value | slot offset in words << 47 */
    uint64_t *cand;
    size_t ncand;
    ms__cap_run *runs;    /* about one per 4 KiB of heap */
    size_t nruns;

    ms__cap_root_range *ranges;
    size_t nranges;
    uint64_t *root_addr, *root_value;
    size_t nroot;
} ms__capture;

#define MS__OBJ_DROPPED 0x80 /* not written */
#define MS__CAND_VALUE_MASK ((1ull << 47) - 1)

/* Sorts the runs (or, when two overlap, every object) and writes the
 * capture to `path` atomically (a temporary file renamed), zstd level
 * `level` (0: the default, see capture.h).  *bytes gets the file size;
 * *transient grows by the bytes the encoder held (the order, the
 * compressor).  c's runs are reordered.  Errors: MS_EIO, MS_ENOMEM,
 * MS_EFORMAT (an object not 16-byte aligned: a bug). */
MS__HIDDEN int ms__capture_encode(ms__capture *c, const char *path, int level, uint64_t *bytes,
                                  uint64_t *transient, ms_error *err);

/* Records a failure in *err (may be NULL) unless it holds one already, as
 * ms__fail does in the analyzer, whose library this one does not link;
 * returns code.  Never allocates. */
MS__HIDDEN int ms__cap_fail(ms_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* MS_CAPTURE_INT_H */
