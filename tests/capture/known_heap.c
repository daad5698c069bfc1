/*
 * known_heap.c: a Boehm GC program that builds a heap whose every object,
 * edge and root is known, captures it, and writes down what it built, for
 * check_known_heap.c to compare with what memsnap imports.
 *
 *   known_heap CAPTURE EXPECT [--thread] [--no-hook]
 *
 * What it builds (the acceptance test of issue 8):
 *   g_list  (global)  -> 1000-node linked list                (list)
 *   local   (stack)   -> A -> B -> C -> A, and C.aux = B + 8   (cycle, interior pointer)
 *   g_buf   (global)  -> 4 KiB pointer-free buffer holding the addresses of garbage
 *   hidden pointer    -> uncollectable U -> X
 *   GC_add_roots'd malloc block -> R
 *   g_dbg   (global)  -> a GC_debug_malloc object (pointer to its user data, base + 32)
 *   g_thing (global)  -> MS_GC_NEW(struct thing) (type name recorded)
 *   --thread: T, held only by a second thread's stack variable
 *   garbage: a 100-node chain nothing reaches (collected)
 *
 * EXPECT lines (addresses are object bases, as the collector reports them):
 *   object ROLE ADDR KIND FILE LINE      KIND: normal atomic uncollectable
 *   edge FROM TO OFFSET                   OFFSET: byte offset of the field
 *   root ROLE ADDR HOW                    HOW: g_list, stack, uncollectable, registered,
 *                                         thread, g_buf, g_dbg, g_thing
 *   garbage ADDR
 * FILE LINE is the allocation call, as the source says (__FILE__, __LINE__).
 *
 * Globals are volatile and not static: gcc -O2 deletes stores to
 * write-only statics, and the collector would then free the list.
 */
#define _GNU_SOURCE
#define GC_THREADS 1
#include <gc/gc.h>

#include "memsnap/capture.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    long value;
    void *aux;
};

struct thing {
    long a, b;
    struct node *link;
};

struct node *volatile g_list;
void *volatile g_buf;
void *volatile g_dbg;
struct thing *volatile g_thing;
volatile uintptr_t g_hidden; /* ~address of U: invisible to the collector */
void **g_roots;              /* malloc'd, registered with GC_add_roots */

static FILE *expect;

static int new_node_line; /* the line of new_node's allocation */

static inline struct node *new_node(long v)
{
    struct node *n = GC_MALLOC(sizeof *n); new_node_line = __LINE__;
    n->value = v;
    return n;
}

__attribute__((noinline)) static struct node *new_node_noinline(long v)
{
    return new_node(v);
}

static void object(const char *role, const void *p, const char *kind, int line)
{
    fprintf(expect, "object %s %p %s known_heap.c %d\n", role, p, kind, line);
}

static void edge(const void *from, const void *to, size_t offset)
{
    fprintf(expect, "edge %p %p %zu\n", from, to, offset);
}

__attribute__((noinline)) static void build_list(void)
{
    struct node *head = NULL, *tail = NULL;
    int line = 0;
    for (long i = 0; i < 1000; i++) {
        struct node *n = GC_MALLOC(sizeof *n); line = __LINE__;
        n->value = i;
        if (tail)
            tail->next = n;
        else
            head = n;
        tail = n;
    }
    g_list = head;
    for (struct node *n = head; n; n = n->next) {
        object(n == head ? "list-head" : n->next ? "list" : "list-tail", n, "normal", line);
        if (n->next)
            edge(n, n->next, offsetof(struct node, next));
    }
    fprintf(expect, "root list-head %p g_list\n", (void *)head);
}

/* The cycle; at -O2 new_node is inlined here (the site is new_node's line). */
__attribute__((noinline)) static struct node *make_cycle(void)
{
    struct node *a = new_node(1), *b = new_node(2), *c = new_node(3);
    a->next = b;
    b->next = c;
    c->next = a;
    c->aux = (char *)b + 8; /* interior pointer */
    object("cycle-a", a, "normal", new_node_line);
    object("cycle-b", b, "normal", new_node_line);
    object("cycle-c", c, "normal", new_node_line);
    edge(a, b, 0);
    edge(b, c, 0);
    edge(c, a, 0);
    edge(c, b, offsetof(struct node, aux));
    return a;
}

__attribute__((noinline)) static void build_garbage(void *buf)
{
    struct node *prev = NULL;
    void **slots = buf;
    for (int i = 0; i < 100; i++) {
        struct node *n = new_node_noinline(i);
        n->next = prev;
        prev = n;
        slots[i] = n; /* in a pointer-free buffer: must not retain */
        fprintf(expect, "garbage %p\n", (void *)n);
    }
}

/* Overwrites the dead part of the stack, where build_garbage's frames were. */
__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char junk[64 * 1024];
    memset((char *)junk, 0, sizeof junk);
}

static void *thread_main(void *arg)
{
    struct node *volatile t = GC_MALLOC(sizeof *t); int line = __LINE__;
    pthread_barrier_t *bar = arg;
    t->value = 7;
    object("thread-t", t, "normal", line);
    fprintf(expect, "root thread-t %p thread\n", (void *)t);
    fflush(expect);
    pthread_barrier_wait(&bar[0]); /* built */
    pthread_barrier_wait(&bar[1]); /* captured */
    return (void *)t->next;
}

int main(int argc, char **argv)
{
    int with_thread = 0, no_hook = 0, line;
    pthread_t th;
    pthread_barrier_t bar[2];
    struct node *volatile cycle;
    ms_capture_options opts = MS_CAPTURE_OPTIONS_INIT;
    ms_capture_stats stats;
    ms_error err = MS_ERROR_INIT;
    void *u, *x, *r;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: known_heap CAPTURE EXPECT [--thread] [--no-hook]\n");
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        with_thread |= strcmp(argv[i], "--thread") == 0;
        no_hook |= strcmp(argv[i], "--no-hook") == 0;
    }
    GC_INIT();
    expect = fopen(argv[2], "w");
    if (!expect) {
        perror(argv[2]);
        return 1;
    }
    fprintf(expect, "program known_heap\n");

    build_list();
    cycle = make_cycle();

    g_buf = GC_MALLOC_ATOMIC(4096); line = __LINE__;
    object("buffer", g_buf, "atomic", line);
    fprintf(expect, "root buffer %p g_buf\n", g_buf);
    build_garbage(g_buf);

    u = GC_MALLOC_UNCOLLECTABLE(32); line = __LINE__;
    object("uncollectable-u", u, "uncollectable", line);
    x = GC_MALLOC(16); line = __LINE__;
    object("uncollectable-x", x, "normal", line);
    *(void **)u = x;
    edge(u, x, 0);
    fprintf(expect, "root uncollectable-u %p uncollectable\n", u);
    g_hidden = ~(uintptr_t)u;
    u = x = NULL;

    g_roots = calloc(4, sizeof *g_roots);
    GC_add_roots(g_roots, g_roots + 4);
    r = GC_MALLOC(16); line = __LINE__;
    g_roots[1] = r;
    object("registered-r", r, "normal", line);
    fprintf(expect, "root registered-r %p registered\n", r);
    r = NULL;

    g_dbg = (char *)GC_debug_malloc(24, __FILE__, __LINE__) + 0; line = __LINE__;
    object("debug", GC_base(g_dbg), "normal", line);
    fprintf(expect, "root debug %p g_dbg\n", GC_base(g_dbg));

    g_thing = MS_GC_NEW(struct thing); line = __LINE__;
    object("thing", g_thing, "normal", line);
    fprintf(expect, "root thing %p g_thing\n", (void *)g_thing);

    if (with_thread) {
        pthread_barrier_init(&bar[0], NULL, 2);
        pthread_barrier_init(&bar[1], NULL, 2);
        pthread_create(&th, NULL, thread_main, bar);
        pthread_barrier_wait(&bar[0]);
    }
    fprintf(expect, "root cycle-a %p stack\n", (void *)cycle);
    fflush(expect);

    scrub_stack();
    if (no_hook)
        opts.flags |= MS_CAPTURE_NO_PUSH_HOOK;
    opts.stats = &stats;
    rc = ms_capture_write(argv[1], &opts, &err);
    if (rc < 0) {
        fprintf(stderr, "known_heap: %s\n", err.message);
        return 1;
    }
    fprintf(expect, "stats objects %llu dropped %llu hook %d\n",
            (unsigned long long)stats.objects, (unsigned long long)stats.dropped, stats.push_hook);
    if (with_thread) {
        pthread_barrier_wait(&bar[1]);
        pthread_join(th, NULL);
    }
    fclose(expect);
    /* Keep everything alive until after the capture. */
    return cycle->value == 1 && g_list && g_dbg && g_thing ? 0 : 3;
}
