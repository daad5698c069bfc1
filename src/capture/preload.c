/*
 * preload.c: captures without the program's cooperation.
 *
 *   MEMSNAP_CAPTURE=out.gcsnap LD_PRELOAD=.../libmemsnap_capture.so prog
 *
 * writes out.gcsnap when the process exits (atexit; not after _exit or a
 * fatal signal) and out.gcsnap.1, .2, ... on each SIGUSR2
 * (MEMSNAP_SIGNAL=N picks another signal number, 0 none).  A "%p" in the
 * name becomes the process id.
 *
 * A signal handler may not collect (the collector's lock, malloc, stdio may
 * be held by the very code it interrupted), so the handler only sets a flag,
 * and the next allocation through one of the interposed GC_malloc functions
 * (hooks.c) takes the capture, on the allocating thread, where a collection
 * could have started anyway.  A program that stops allocating through them
 * is captured at exit only.
 *
 * The variable is removed from the environment at start-up, so programs the
 * process starts do not overwrite the capture with their own.
 */
#define _GNU_SOURCE
#include "capture_int.h"

#define GC_THREADS 1
#define GC_NO_THREAD_REDIRECTS 1
#include <gc/gc.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char base_path[4096];
static pid_t owner_pid;
static _Atomic int seq;
static int quiet;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&ms__capture_pending, 1);
}

/* Captures to `path` from the given registers and stack pointer (all
 * locals initialised: this frame lies below the scanned range anyway, but
 * ms_capture_write's path does not). */
static void capture_to(const char *path, const uint64_t *regs, uint64_t cfa)
{
    ms_error err = MS_ERROR_INIT;
    ms_capture_stats st;
    ms_capture_options o = MS_CAPTURE_OPTIONS_INIT;
    int rc;
    memset(&st, 0, sizeof st);
    o.stats = &st;
    rc = regs ? ms__capture_impl(path, &o, &err, regs, cfa) : ms_capture_write(path, &o, &err);
    if (rc < 0) {
        fprintf(stderr, "memsnap: capture failed: %s\n", err.message);
        return;
    }
    if (!quiet)
        fprintf(stderr,
                "memsnap: wrote %s: %llu objects, %llu bytes; world stopped %.1f ms for the "
                "capture\n",
                path, (unsigned long long)st.objects, (unsigned long long)st.file_bytes,
                st.pause_us / 1000.0);
}

static bool take_pending(char *path, size_t cap)
{
    if (!atomic_exchange(&ms__capture_pending, 0) || !base_path[0] || getpid() != owner_pid)
        return false;
    snprintf(path, cap, "%s.%d", base_path, atomic_fetch_add(&seq, 1) + 1);
    return true;
}

void ms__preload_capture_at(const uint64_t *regs, uint64_t cfa)
{
    char path[sizeof base_path + 16];
    /* The collector scans this frame as part of the stack: no stale
     * values in it. */
    memset(path, 0, sizeof path);
    if (take_pending(path, sizeof path))
        capture_to(path, regs, cfa);
}

void ms__preload_pending_capture(void)
{
    char path[sizeof base_path + 16];
    memset(path, 0, sizeof path);
    if (take_pending(path, sizeof path))
        capture_to(path, NULL, 0);
}

/* At exit the program's frames are gone; what is left of the stack is
 * exit()'s, which the collector would scan too. */
static void at_exit(void)
{
    if (!base_path[0] || getpid() != owner_pid)
        return;
    if (!GC_is_init_called()) {
        fprintf(stderr, "memsnap: %s not written: the program never started the collector\n",
                base_path);
        return;
    }
    capture_to(base_path, NULL, 0);
}

/* Copies `pattern` with "%p" replaced by the process id. */
static void expand(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 24 < cap; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            o += (size_t)snprintf(out + o, cap - o, "%d", (int)getpid());
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
}

__attribute__((constructor)) static void preload_init(void)
{
    const char *path = getenv("MEMSNAP_CAPTURE");
    const char *sig = getenv("MEMSNAP_SIGNAL");
    const char *q = getenv("MEMSNAP_QUIET");
    int signo = SIGUSR2;
    if (!path || !*path)
        return;
    ms__hooks_init();
    expand(path, base_path, sizeof base_path);
    owner_pid = getpid();
    quiet = q && *q && strcmp(q, "0") != 0;
    unsetenv("MEMSNAP_CAPTURE");
    if (sig && *sig)
        signo = atoi(sig);
    if (signo > 0 && signo < NSIG) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(signo, &sa, NULL);
    }
    atexit(at_exit);
}
