/*
 * bench_capture.c: what a capture costs a Boehm GC program (bench/boehm.sh
 * runs it and writes the table in docs/performance.md).
 *
 *   bench_capture N REPS OUT.gcsnap [--resolve]
 *
 * The heap: N objects of 16 bytes (32-byte slots with the site footer and
 * libgc's extra byte), allocated from four call sites, each held by one of
 * 1000 bucket arrays, and half of them holding one random earlier object:
 * 1.5 pointers per object.  (The workload of the probe in
 * ../shared/reference/boehm-capture.md, for comparison.)
 *
 * Measured per run: the world-stopped time of a plain GC_gcollect and of a
 * capture (from the collector's own PRE_STOP_WORLD/POST_START_WORLD events),
 * the capture's own stopped work (MARK_END), the lock-held re-check, the
 * write, file size and the capture's transient memory.  One JSON line per
 * repetition on stdout.  --resolve also measures GC_base on every candidate
 * word while stopped (MS_CAPTURE_MEASURE_RESOLVE).
 */
#define _GNU_SOURCE
#define GC_THREADS 1
#include <gc/gc.h>

#include "memsnap/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct obj {
    struct obj *extra;
    long payload;
};

#define BUCKETS 1000

struct obj **volatile *volatile g_buckets;

static double t_stop, t_start, stopped_us;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void GC_CALLBACK on_event(GC_EventType e)
{
    if (e == GC_EVENT_PRE_STOP_WORLD)
        t_stop = now_us();
    else if (e == GC_EVENT_POST_START_WORLD) {
        t_start = now_us();
        stopped_us += t_start - t_stop; /* a collection may stop the world twice */
    }
}

/* Four call sites; the empty asm keeps the call from being a tail call
 * (which would attribute the site to the caller's caller). */
#define SITE(name)                                                                                 \
    __attribute__((noinline)) static struct obj *name(void)                                       \
    {                                                                                              \
        struct obj *p = GC_MALLOC(sizeof *p);                                                      \
        __asm__ volatile("" : : "r"(p) : "memory");                                                \
        return p;                                                                                  \
    }
SITE(alloc_a)
SITE(alloc_b)
SITE(alloc_c)
SITE(alloc_d)

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    long n, reps;
    const char *out;
    int resolve;
    struct obj *(*const sites[4])(void) = {alloc_a, alloc_b, alloc_c, alloc_d};
    unsigned long long rnd = 88172645463325252ull;
    size_t per;
    if (argc < 4) {
        fprintf(stderr, "usage: bench_capture N REPS OUT.gcsnap [--resolve]\n");
        return 2;
    }
    n = atol(argv[1]);
    reps = atol(argv[2]);
    out = argv[3];
    resolve = argc > 4 && strcmp(argv[4], "--resolve") == 0;
    GC_INIT();
    GC_set_on_collection_event(on_event);
    per = (size_t)(n + BUCKETS - 1) / BUCKETS;
    g_buckets = GC_MALLOC(BUCKETS * sizeof *g_buckets);
    for (int b = 0; b < BUCKETS; b++)
        g_buckets[b] = GC_MALLOC(per * sizeof(struct obj *));
    for (long i = 0; i < n; i++) {
        struct obj *o = sites[i & 3]();
        o->payload = i;
        g_buckets[i % BUCKETS][i / BUCKETS] = o;
        if ((i & 1) && i > 0) {
            long j;
            rnd ^= rnd << 13;
            rnd ^= rnd >> 7;
            rnd ^= rnd << 17;
            j = (long)(rnd % (unsigned long long)i);
            o->extra = g_buckets[j % BUCKETS][j / BUCKETS];
        }
    }
    for (long r = 0; r < reps; r++) {
        double t0, plain_us, plain_stopped, rss0;
        ms_capture_options o = MS_CAPTURE_OPTIONS_INIT;
        ms_capture_stats st;
        ms_error err = MS_ERROR_INIT;

        stopped_us = 0;
        t0 = now_us();
        GC_gcollect();
        plain_us = now_us() - t0;
        plain_stopped = stopped_us;

        memset(&st, 0, sizeof st);
        o.stats = &st;
        o.flags = resolve ? MS_CAPTURE_MEASURE_RESOLVE : 0;
        rss0 = (double)max_rss_kb();
        stopped_us = 0;
        if (ms_capture_write(out, &o, &err) < 0) {
            fprintf(stderr, "bench_capture: %s\n", err.message);
            return 1;
        }
        printf("{\"n\": %ld, \"rep\": %ld, \"plain_gc_ms\": %.2f, \"plain_stopped_ms\": %.2f, "
               "\"capture_gc_ms\": %.2f, \"capture_stopped_ms\": %.2f, \"pause_ms\": %.2f, "
               "\"pause_cpu_ms\": %.2f, "
               "\"locked_ms\": %.2f, \"write_ms\": %.2f, \"resolve_ms\": %.2f, "
               "\"objects\": %llu, \"candidates\": %llu, \"file_bytes\": %llu, "
               "\"transient_bytes\": %llu, \"maxrss_growth_kb\": %.0f}\n",
               n, r, plain_us / 1e3, plain_stopped / 1e3, st.gc_us / 1e3, stopped_us / 1e3,
               st.pause_us / 1e3, st.pause_cpu_us / 1e3, st.locked_us / 1e3, st.write_us / 1e3, st.resolve_us / 1e3,
               (unsigned long long)st.objects, (unsigned long long)st.candidate_words,
               (unsigned long long)st.file_bytes, (unsigned long long)st.transient_bytes,
               (double)max_rss_kb() - rss0);
        fflush(stdout);
    }
    return 0;
}
