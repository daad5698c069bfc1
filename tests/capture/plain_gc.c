/*
 * plain_gc.c: an ordinary Boehm GC program that knows nothing of memsnap,
 * captured with LD_PRELOAD (the test of "without the program's
 * cooperation").
 *
 *   MEMSNAP_CAPTURE=out.gcsnap LD_PRELOAD=libmemsnap_capture.so plain_gc EXPECT
 *
 * It builds a 1000-node list from g_list and a 3-object cycle from g_cycle,
 * drops a 100-node chain, and keeps a chain of CHURN nodes from g_churn
 * (only in EXPECT.1); writes what it built to EXPECT.1 and EXPECT (the
 * format of known_heap.c), raises SIGUSR2 and allocates once (memsnap then
 * writes out.gcsnap.1, before that allocation), keeps that last object in
 * g_after (only in EXPECT); then frees the churn chain (GC_FREE) and builds
 * another of CHURN nodes from g_churn at another allocation site (only in
 * EXPECT), whose nodes take the freed slots, as a long-running program's
 * allocations do: many addresses of the two captures hold different
 * objects.  It returns from main (memsnap writes out.gcsnap at exit).
 * EXPECT starts with "pid N", the process's.
 */
#define _GNU_SOURCE
#include <gc/gc.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct node {
    struct node *next;
    long value;
};

struct node *volatile g_list;
struct node *volatile g_cycle;
struct node *volatile g_churn;
void *volatile g_after;
static FILE *expect, *expect1;

#define OUT(...) (fprintf(expect, __VA_ARGS__), fprintf(expect1, __VA_ARGS__))

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
        OUT("object %s %p normal plain_gc.c %d\n",
                n == head ? "list-head" : n->next ? "list" : "list-tail", (void *)n, line);
        if (n->next)
            OUT("edge %p %p 0\n", (void *)n, (void *)n->next);
    }
    OUT("root list-head %p g_list\n", (void *)head);
}

__attribute__((noinline)) static void build_cycle(void)
{
    struct node *n[3];
    int line = 0;
    for (int i = 0; i < 3; i++) {
        n[i] = GC_MALLOC(sizeof *n[i]); line = __LINE__;
    }
    for (int i = 0; i < 3; i++) {
        n[i]->next = n[(i + 1) % 3];
        OUT("object cycle-%c %p normal plain_gc.c %d\n", 'a' + i, (void *)n[i], line);
        OUT("edge %p %p 0\n", (void *)n[i], (void *)n[(i + 1) % 3]);
    }
    g_cycle = n[0];
    OUT("root cycle-a %p g_cycle\n", (void *)n[0]);
}

__attribute__((noinline)) static void build_garbage(void)
{
    struct node *prev = NULL;
    for (int i = 0; i < 100; i++) {
        struct node *n = GC_MALLOC(sizeof *n);
        n->next = prev;
        prev = n;
        OUT("garbage %p\n", (void *)n);
    }
}

#define CHURN 1000

/* Writes the chain from head (allocated at `line`) to out as `tag`
 * objects, its links and its root g_churn. */
static void write_churn(FILE *out, struct node *head, const char *tag, int line)
{
    for (struct node *n = head; n; n = n->next) {
        fprintf(out, "object %s %p normal plain_gc.c %d\n", tag, (void *)n, line);
        if (n->next)
            fprintf(out, "edge %p %p 0\n", (void *)n, (void *)n->next);
    }
    fprintf(out, "root %s %p g_churn\n", tag, (void *)head);
}

/* A chain of CHURN nodes from g_churn, written to out only. */
__attribute__((noinline)) static void churn_first(FILE *out)
{
    struct node *head = NULL;
    int line = 0;
    for (int i = 0; i < CHURN; i++) {
        struct node *n = GC_MALLOC(sizeof *n); line = __LINE__;
        n->next = head;
        head = n;
    }
    g_churn = head;
    write_churn(out, head, "churn", line);
}

/* Frees the chain and builds another at this site, written to out only. */
__attribute__((noinline)) static void churn_again(FILE *out)
{
    struct node *head = NULL, *next;
    int line = 0;
    for (struct node *n = g_churn; n; n = next) {
        next = n->next;
        GC_FREE(n);
    }
    g_churn = NULL;
    for (int i = 0; i < CHURN; i++) {
        struct node *n = GC_MALLOC(sizeof *n); line = __LINE__;
        n->next = head;
        head = n;
    }
    g_churn = head;
    write_churn(out, head, "churn2", line);
}

__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char junk[64 * 1024];
    memset((char *)junk, 0, sizeof junk);
}

int main(int argc, char **argv)
{
    int line;
    if (argc < 2) {
        fprintf(stderr, "usage: plain_gc EXPECT\n");
        return 2;
    }
    GC_INIT();
    {
        char path1[4096];
        snprintf(path1, sizeof path1, "%s.1", argv[1]);
        expect = fopen(argv[1], "w");
        expect1 = fopen(path1, "w");
        if (!expect || !expect1)
            return 1;
    }
    OUT("program plain_gc\n");
    OUT("pid %d\n", (int)getpid());
    build_list();
    build_cycle();
    build_garbage();
    churn_first(expect1);
    fclose(expect1);
    scrub_stack();
    /* memsnap's SIGUSR2 handler only sets a flag; the capture happens in
     * the next allocation, before it. */
    raise(SIGUSR2);
    g_after = GC_MALLOC_ATOMIC(100); line = __LINE__;
    fprintf(expect, "object after %p atomic plain_gc.c %d\n", g_after, line);
    fprintf(expect, "root after %p g_after\n", g_after);
    churn_again(expect);
    fclose(expect);
    scrub_stack();
    return 0;
}
