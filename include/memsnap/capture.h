/*
 * memsnap/capture.h: heap captures of C and C++ programs that use the
 * Boehm-Demers-Weiser collector (libgc 8.2, shared library).
 *
 * A program links libmemsnap_capture (before libgc: `-lmemsnap_capture -lgc`)
 * and calls ms_capture_write(), or runs unmodified under
 *     MEMSNAP_CAPTURE=out.gcsnap LD_PRELOAD=.../libmemsnap_capture.so prog
 * which writes a capture at exit and on SIGUSR2 (docs/capture.md).  The
 * capture holds every live collected object (address, size, kind, allocation
 * site), the words of each object that could be heap pointers, the roots the
 * collector scanned, and the loaded modules with their load addresses and
 * build ids.  `memsnap` resolves pointers and symbolizes allocation sites
 * offline; nothing of the analyzer runs inside the captured program.
 *
 * This header needs only memsnap/common.h for the error record; the
 * capture library does not link the analyzer.
 */
#ifndef MEMSNAP_CAPTURE_H
#define MEMSNAP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What one capture measured (all optional reading; times in microseconds). */
typedef struct ms_capture_stats {
    uint64_t objects;          /* objects written */
    uint64_t dropped;          /* marked at MARK_END but unmarked before reclaim
                                  (free-list entries, unused uncollectable slots) */
    uint64_t candidate_words;  /* object words that may be heap pointers */
    uint64_t root_ranges;      /* root ranges scanned */
    uint64_t root_words;       /* root words that may be heap pointers */
    uint64_t sites;            /* distinct allocation sites */
    uint64_t file_bytes;       /* size of the file written */
    uint64_t transient_bytes;  /* peak memory the capture itself touched */
    double gc_us;              /* the whole GC_gcollect() including the capture's part */
    double pause_us;           /* capture work while the world was stopped (MARK_END) */
    double pause_cpu_us;       /* the same, this thread's CPU time (on a loaded machine
                                  the wall time also waits for a CPU) */
    double locked_us;          /* capture work while only the allocation lock was
                                  held (RECLAIM_END re-check) */
    double write_us;           /* sorting, encoding, compressing, writing */
    double resolve_us;         /* MS_CAPTURE_MEASURE_RESOLVE: GC_base on every candidate
                                  word while stopped (what in-pause resolution would add) */
    uint64_t resolved;         /* MS_CAPTURE_MEASURE_RESOLVE: candidates GC_base mapped */
    int push_hook;             /* 1 when roots came from the collector's own pushes */
} ms_capture_stats;

typedef struct ms_capture_options {
    unsigned version;          /* MS_CAPTURE_OPTIONS_VERSION */
    int level;                 /* zstd level, 1..19 (0: level 1 with a 512 KiB window,
                                  to keep the compressor's memory small) */
    unsigned flags;            /* MS_CAPTURE_* below */
    ms_capture_stats *stats;   /* filled when non-NULL */
} ms_capture_options;

#define MS_CAPTURE_OPTIONS_VERSION 1
#define MS_CAPTURE_OPTIONS_INIT { MS_CAPTURE_OPTIONS_VERSION, 0, 0, NULL }

/* Ignore the root ranges recorded from the collector's own GC_push_all
 * calls and compute them instead (module data segments, this thread's stack,
 * other threads' whole stacks).  For testing the fallback. */
#define MS_CAPTURE_NO_PUSH_HOOK 1u

/* For benchmarks: after the enumeration, while the world is still stopped,
 * map every candidate word with GC_base (the first step of resolving
 * pointers in the paused process) and report the time in resolve_us; the
 * result is discarded.  The file is unchanged. */
#define MS_CAPTURE_MEASURE_RESOLVE 2u

/* Runs a full collection (GC_gcollect) and writes to `path` every object
 * the collector marked, with the words of each that may be heap pointers,
 * the roots it scanned and the loaded modules (docs/formats/boehm.md);
 * memsnap decides offline which marks are live objects.  `path` is created
 * or replaced atomically (a temporary file beside it is renamed into
 * place).  The world is stopped only for the collector's own marking plus
 * the enumeration of the marked objects (in libgc's MARK_END event);
 * sorting, encoding and zstd compression run after the world restarts, on
 * the calling thread.  Memory: about 11 bytes per object and 8 per
 * candidate word while it runs, all returned.  Call it from a thread
 * registered with the collector, outside signal handlers, finalizers and GC
 * callbacks; one capture runs at a time (others wait).  x86-64 records the
 * caller's callee-saved registers exactly; elsewhere they come from setjmp.
 * opts may be NULL (defaults); opts->stats, when set, is filled on success.
 * Errors: MS_EINVAL (collector not initialised or disabled, thread not
 * registered, a capture already running in this thread, bad options),
 * MS_EIO (cannot write `path`; errno text in the message), MS_ENOMEM (mmap
 * or malloc failed), MS_ERROR (the collection reported no MARK_END: another
 * collection-event handler replaced memsnap's during it). */
MS_EXPORT ms_status ms_capture_write(const char *path, const ms_capture_options *opts,
                                     ms_error *err);

/* ---- allocation sites -------------------------------------------------- */

/* A static description of one allocation site (the MS_GC_* macros create
 * one per call site). */
typedef struct ms_capture_site {
    uint64_t magic;            /* MS_CAPTURE_SITE_MAGIC */
    const char *file;          /* __FILE__ */
    const char *type;          /* type name, or NULL */
    const char *function;      /* __func__, or NULL */
    uint32_t line;             /* __LINE__ */
} ms_capture_site;

#define MS_CAPTURE_SITE_MAGIC 0x6d73736974653031ull /* "mssite01" */

/* GC_malloc / GC_malloc_atomic / GC_malloc_uncollectable that record `site`
 * in the object's last word (8 bytes more per object, no lock).  Returns
 * what the collector returns (NULL when out of memory). */
MS_EXPORT void *ms_capture_malloc_at(size_t bytes, const ms_capture_site *site);
MS_EXPORT void *ms_capture_malloc_atomic_at(size_t bytes, const ms_capture_site *site);
MS_EXPORT void *ms_capture_malloc_uncollectable_at(size_t bytes, const ms_capture_site *site);

#if defined(__GNUC__) || defined(__clang__)
#define MS__CAPTURE_SITE_(fn, n, T)                                                                \
    __extension__({                                                                                \
        static const ms_capture_site ms__site_ = {MS_CAPTURE_SITE_MAGIC, __FILE__, T, __func__,    \
                                                  __LINE__};                                       \
        fn((n), &ms__site_);                                                                       \
    })
#else
#define MS__CAPTURE_SITE_(fn, n, T) fn((n), NULL)
#endif

/* Allocation with an exact site (file:line, function, type), immune to
 * inlining and tail calls. */
#define MS_GC_MALLOC(n) MS__CAPTURE_SITE_(ms_capture_malloc_at, n, NULL)
#define MS_GC_MALLOC_ATOMIC(n) MS__CAPTURE_SITE_(ms_capture_malloc_atomic_at, n, NULL)
#define MS_GC_MALLOC_UNCOLLECTABLE(n) MS__CAPTURE_SITE_(ms_capture_malloc_uncollectable_at, n, NULL)
/* One T (collected, scanned for pointers); the type name is its class. */
#define MS_GC_NEW(T) ((T *)MS__CAPTURE_SITE_(ms_capture_malloc_at, sizeof(T), #T))

/* Records a stack of up to `depth` return addresses (at most 32) per
 * allocation instead of the caller alone, in the allocation functions that
 * have no exact site (the interposed GC_malloc family).  About 1 us per
 * allocation; 0 turns it off (the default; MEMSNAP_BACKTRACE=N sets it at
 * start-up).  Returns the depth now in force. */
MS_EXPORT unsigned ms_capture_set_backtrace(unsigned depth);

/* Records this thread's stack and collector handle for captures that
 * cannot use the collector's own root pushes (a static libgc).  Threads
 * that allocate through this library are recorded automatically. */
MS_EXPORT void ms_capture_thread_attach(void);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_CAPTURE_H */
