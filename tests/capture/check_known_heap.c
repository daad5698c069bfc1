/*
 * check_known_heap.c: imports a capture written by known_heap.c and checks
 * it against what the program says it built (its EXPECT file), through
 * the public API only.
 *
 *   check_known_heap CAPTURE EXPECT [--thread] [--no-hook]
 *
 * Checked (issue 8's acceptance test):
 *   - the objects are exactly the expected ones (by address), none of the
 *     garbage chain; node types follow the allocation kind;
 *   - object-to-object edges are exactly the expected ones, with the byte
 *     offset of the field (interior pointer C.aux = B + 8 included; none
 *     from the pointer-free buffer full of garbage addresses);
 *   - every object's allocation site names known_heap.c and the line of its
 *     allocation call (DWARF at -O0 and -O2, the debug header, the macro),
 *     and MS_GC_NEW's object has the class "struct thing";
 *   - every expected root: the globals by their symbol from "(data of
 *     ...)", the cycle from the capturing thread's stack, U from
 *     "(uncollectable objects)", R from "(registered roots)", T from
 *     another thread's stack;
 *   - `why` on the list's tail: the shortest retention path is root ->
 *     data group -[g_list]-> head -> ... -> tail, 999 hops after the head
 *     (BFS over edges; becomes `memsnap why` once that command exists);
 *   - `cycles`: the strongly connected component of A is exactly {A, B, C}
 *     (nodes reachable from A that reach A; becomes `memsnap cycles`).
 */
#include "memsnap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJ 4096
#define MAX_EDGE 4096

typedef struct obj {
    char role[32], kind[32], file[64];
    uint64_t addr;
    int line;
} obj;

typedef struct edge {
    uint64_t from, to, offset;
    int seen;
} edge;

typedef struct root {
    char role[32], how[32];
    uint64_t addr;
} root;

static obj objs[MAX_OBJ];
static edge edges[MAX_EDGE];
static root roots[64];
static uint64_t garbage[256];
static int nobj, nedge, nroot, ngarbage, failures;
static char data_group[96] = "(data of known_heap";
static int stats_hook = -1;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void read_expect(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof line, f)) {
        char w[32];
        if (sscanf(line, "%31s", w) != 1)
            continue;
        if (strcmp(w, "object") == 0 && nobj < MAX_OBJ) {
            obj *o = &objs[nobj];
            if (sscanf(line, "object %31s %" SCNx64 " %31s %63s %d", o->role, &o->addr, o->kind,
                       o->file, &o->line) == 5)
                nobj++;
        } else if (strcmp(w, "edge") == 0 && nedge < MAX_EDGE) {
            edge *e = &edges[nedge];
            if (sscanf(line, "edge %" SCNx64 " %" SCNx64 " %" SCNu64, &e->from, &e->to,
                       &e->offset) == 3)
                nedge++;
        } else if (strcmp(w, "root") == 0 && nroot < 64) {
            root *r = &roots[nroot];
            if (sscanf(line, "root %31s %" SCNx64 " %31s", r->role, &r->addr, r->how) == 3)
                nroot++;
        } else if (strcmp(w, "garbage") == 0 && ngarbage < 256) {
            if (sscanf(line, "garbage %" SCNx64, &garbage[ngarbage]) == 1)
                ngarbage++;
        } else if (strcmp(w, "program") == 0) {
            char prog[64];
            if (sscanf(line, "program %63s", prog) == 1)
                snprintf(data_group, sizeof data_group, "(data of %s", prog);
        } else if (strcmp(w, "stats") == 0) {
            unsigned long long a, b;
            (void)sscanf(line, "stats objects %llu dropped %llu hook %d", &a, &b, &stats_hook);
        }
    }
    fclose(f);
}

static const obj *find_obj(uint64_t addr)
{
    for (int i = 0; i < nobj; i++)
        if (objs[i].addr == addr)
            return &objs[i];
    return NULL;
}

static const char *name_of(ms_snapshot *s, ms_node n)
{
    return ms_node_name(s, n, NULL);
}

/* Reverse edges: for each node, its retainers (node, edge index). */
typedef struct rev {
    uint64_t *first;
    ms_node *from;
    uint64_t *edge;
} rev;

static void build_rev(ms_snapshot *s, rev *r)
{
    uint32_t n = ms_snapshot_node_count(s);
    uint64_t e = ms_snapshot_edge_count(s), *fill;
    r->first = calloc(n + 1, 8);
    r->from = malloc(e * sizeof *r->from + 1);
    r->edge = malloc(e * 8 + 1);
    fill = calloc(n + 1, 8);
    for (ms_node a = 0; a < n; a++) {
        uint64_t f, c = ms_node_edges(s, a, &f);
        for (uint64_t k = 0; k < c; k++) {
            ms_edge_info ei;
            ms_edge_get(s, f + k, &ei);
            r->first[ei.to + 1]++;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        r->first[i + 1] += r->first[i];
    for (ms_node a = 0; a < n; a++) {
        uint64_t f, c = ms_node_edges(s, a, &f);
        for (uint64_t k = 0; k < c; k++) {
            ms_edge_info ei;
            uint64_t at;
            ms_edge_get(s, f + k, &ei);
            at = r->first[ei.to] + fill[ei.to]++;
            r->from[at] = a;
            r->edge[at] = f + k;
        }
    }
    free(fill);
}

/* Whether some group node whose name starts with `group` has an edge to
 * n named `edge_name` (NULL: any name). */
static int rooted_by(ms_snapshot *s, const rev *r, ms_node n, const char *group,
                     const char *edge_name)
{
    for (uint64_t k = r->first[n]; k < r->first[n + 1]; k++) {
        ms_node g = r->from[k];
        ms_edge_info ei;
        if (!ms_node_is_synthetic(s, g) || strncmp(name_of(s, g), group, strlen(group)) != 0)
            continue;
        ms_edge_get(s, r->edge[k], &ei);
        if (!edge_name || (ei.name && strcmp(ei.name, edge_name) == 0))
            return 1;
    }
    return 0;
}

static void check_roots(ms_snapshot *s, const rev *r, int with_thread)
{
    int saw_thread = 0;
    for (int i = 0; i < nroot; i++) {
        const root *rt = &roots[i];
        ms_node n = ms_snapshot_find_id(s, rt->addr);
        CHECK(n != MS_NODE_NONE, "root %s 0x%" PRIx64 " is not in the graph", rt->role, rt->addr);
        if (n == MS_NODE_NONE)
            continue;
        if (strncmp(rt->how, "g_", 2) == 0) {
            CHECK(rooted_by(s, r, n, data_group, rt->how),
                  "%s is not retained by the global %s", rt->role, rt->how);
        } else if (strcmp(rt->how, "stack") == 0) {
            CHECK(rooted_by(s, r, n, "(stack of the main thread", NULL),
                  "%s is not retained by the capturing thread's stack", rt->role);
        } else if (strcmp(rt->how, "uncollectable") == 0) {
            CHECK(rooted_by(s, r, n, "(uncollectable objects)", NULL),
                  "%s is not retained as an uncollectable object", rt->role);
            CHECK(strcmp(ms_node_type(s, n), "uncollectable") == 0, "%s has type %s", rt->role,
                  ms_node_type(s, n));
        } else if (strcmp(rt->how, "registered") == 0) {
            CHECK(rooted_by(s, r, n, "(registered roots)", NULL),
                  "%s is not retained by the GC_add_roots range", rt->role);
        } else if (strcmp(rt->how, "thread") == 0) {
            saw_thread = 1;
            CHECK(rooted_by(s, r, n, "(stack of thread 0x", NULL),
                  "%s is not retained by the second thread's stack", rt->role);
        }
    }
    CHECK(saw_thread == with_thread, "thread root expected %d, saw %d", with_thread, saw_thread);
}

/* The shortest retention path of the list's tail, from BFS distances. */
static void check_list_path(ms_snapshot *s, const rev *r)
{
    uint64_t head = 0, tail = 0;
    ms_node nh, nt, cur;
    int hops = 0;
    for (int i = 0; i < nobj; i++) {
        if (strcmp(objs[i].role, "list-head") == 0)
            head = objs[i].addr;
        if (strcmp(objs[i].role, "list-tail") == 0)
            tail = objs[i].addr;
    }
    if (!head)
        return; /* this program built no list */
    nh = ms_snapshot_find_id(s, head);
    nt = ms_snapshot_find_id(s, tail);
    CHECK(nh != MS_NODE_NONE && nt != MS_NODE_NONE, "list head or tail missing");
    if (nh == MS_NODE_NONE || nt == MS_NODE_NONE)
        return;
    CHECK(ms_node_distance(s, nt) == ms_node_distance(s, nh) + 999,
          "tail at distance %d, head at %d: expected 999 hops between", ms_node_distance(s, nt),
          ms_node_distance(s, nh));
    /* walk back along retainers one hop closer each time */
    cur = nt;
    while (cur != nh && hops < 2000) {
        ms_node next = MS_NODE_NONE;
        for (uint64_t k = r->first[cur]; k < r->first[cur + 1]; k++)
            if (ms_node_distance(s, r->from[k]) == ms_node_distance(s, cur) - 1)
                next = r->from[k];
        CHECK(next != MS_NODE_NONE, "no retainer one hop closer at node %u", cur);
        if (next == MS_NODE_NONE)
            return;
        cur = next;
        hops++;
    }
    CHECK(hops == 999, "path from head to tail has %d hops", hops);
    /* the head: retained by the global g_list, one hop from its group,
     * which hangs off the root */
    CHECK(r->first[nh + 1] - r->first[nh] == 1, "list head has %llu retainers",
          (unsigned long long)(r->first[nh + 1] - r->first[nh]));
    CHECK(rooted_by(s, r, nh, data_group, "g_list"), "head not retained by g_list");
    CHECK(ms_node_distance(s, nh) == 2, "head at distance %d, expected 2 (root, group, head)",
          ms_node_distance(s, nh));
}

/* Nodes reachable from a (forward when fwd, else backward). */
static void reach(ms_snapshot *s, const rev *r, ms_node a, int fwd, unsigned char *seen)
{
    uint32_t n = ms_snapshot_node_count(s), head = 0, tail = 0;
    ms_node *q = malloc(n * sizeof *q);
    memset(seen, 0, n);
    seen[a] = 1;
    q[tail++] = a;
    while (head < tail) {
        ms_node x = q[head++];
        if (fwd) {
            uint64_t f, c = ms_node_edges(s, x, &f);
            for (uint64_t k = 0; k < c; k++) {
                ms_edge_info ei;
                ms_edge_get(s, f + k, &ei);
                if (!seen[ei.to]) {
                    seen[ei.to] = 1;
                    q[tail++] = ei.to;
                }
            }
        } else {
            for (uint64_t k = r->first[x]; k < r->first[x + 1]; k++)
                if (!seen[r->from[k]]) {
                    seen[r->from[k]] = 1;
                    q[tail++] = r->from[k];
                }
        }
    }
    free(q);
}

static void check_cycle(ms_snapshot *s, const rev *r)
{
    uint32_t n = ms_snapshot_node_count(s), scc = 0;
    unsigned char *f = malloc(n), *b = malloc(n);
    ms_node a = MS_NODE_NONE;
    int members = 0, built = 0;
    for (int i = 0; i < nobj; i++)
        if (strcmp(objs[i].role, "cycle-a") == 0) {
            a = ms_snapshot_find_id(s, objs[i].addr);
            built = 1;
        }
    CHECK(!built || a != MS_NODE_NONE, "cycle A missing");
    if (a != MS_NODE_NONE) {
        reach(s, r, a, 1, f);
        reach(s, r, a, 0, b);
        for (uint32_t i = 0; i < n; i++)
            if (f[i] && b[i]) {
                const obj *o = find_obj(ms_node_id(s, i));
                scc++;
                members += o && strncmp(o->role, "cycle-", 6) == 0;
            }
        CHECK(scc == 3 && members == 3, "the SCC of A has %u nodes, %d of them the cycle's", scc,
              members);
    }
    free(f);
    free(b);
}

int main(int argc, char **argv)
{
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    int with_thread = 0, no_hook = 0;
    uint32_t objects = 0;
    uint64_t obj_edges = 0;
    rev r = {0};
    if (argc < 3) {
        fprintf(stderr, "usage: check_known_heap CAPTURE EXPECT [--thread] [--no-hook]\n");
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        with_thread |= strcmp(argv[i], "--thread") == 0;
        no_hook |= strcmp(argv[i], "--no-hook") == 0;
    }
    read_expect(argv[2]);
    if (ms_snapshot_open(&s, argv[1], NULL, &err) < 0) {
        fprintf(stderr, "FAIL: %s\n", err.message);
        return 1;
    }
    CHECK(ms_snapshot_format(s) == MS_FORMAT_BOEHM, "format %s", ms_format_name(ms_snapshot_format(s)));
    CHECK(stats_hook == -1 || stats_hook == !no_hook, "capture used the push hook: %d", stats_hook);
    if (ms_snapshot_compute(s, MS_ANALYSIS_DISTANCES, &err) < 0) {
        fprintf(stderr, "FAIL: %s\n", err.message);
        return 1;
    }
    build_rev(s, &r);

    /* objects: exactly the expected ones */
    for (ms_node n = 0; n < ms_snapshot_node_count(s); n++) {
        const obj *o;
        const char *site;
        char want[96];
        if (ms_node_is_synthetic(s, n))
            continue;
        objects++;
        o = find_obj(ms_node_id(s, n));
        CHECK(o != NULL, "unexpected object 0x%" PRIx64 " (%s, %s)", ms_node_id(s, n),
              ms_node_type(s, n), name_of(s, n));
        if (!o)
            continue;
        CHECK(strcmp(ms_node_type(s, n), strcmp(o->kind, "normal") == 0 ? "object" : o->kind) == 0,
              "%s has type %s, expected %s", o->role, ms_node_type(s, n), o->kind);
        site = ms_node_site(s, n, NULL);
        snprintf(want, sizeof want, "%s:%d", o->file, o->line);
        CHECK(site && strstr(site, want), "%s 0x%" PRIx64 ": site \"%s\", expected %s", o->role,
              o->addr, site ? site : "(none)", want);
        if (strcmp(o->role, "thing") == 0)
            CHECK(strcmp(name_of(s, n), "struct thing") == 0, "thing has class %s", name_of(s, n));
        /* edges out of it: each must be expected (counted) */
        {
            uint64_t f, c = ms_node_edges(s, n, &f);
            for (uint64_t k = 0; k < c; k++) {
                ms_edge_info ei;
                int found = 0;
                ms_edge_get(s, f + k, &ei);
                obj_edges++;
                for (int e = 0; e < nedge && !found; e++)
                    if (edges[e].from == o->addr && edges[e].to == ms_node_id(s, ei.to) &&
                        edges[e].offset == ei.index && !edges[e].seen)
                        found = edges[e].seen = 1;
                CHECK(found, "unexpected edge 0x%" PRIx64 " [+%u] -> 0x%" PRIx64, o->addr,
                      ei.index, ms_node_id(s, ei.to));
            }
        }
    }
    CHECK(objects == (uint32_t)nobj, "%u objects imported, %d built", objects, nobj);
    for (int i = 0; i < nobj; i++)
        CHECK(ms_snapshot_find_id(s, objs[i].addr) != MS_NODE_NONE, "missing %s 0x%" PRIx64,
              objs[i].role, objs[i].addr);
    for (int e = 0; e < nedge; e++)
        CHECK(edges[e].seen, "missing edge 0x%" PRIx64 " [+%" PRIu64 "] -> 0x%" PRIx64,
              edges[e].from, edges[e].offset, edges[e].to);
    CHECK(obj_edges == (uint64_t)nedge, "%llu object edges, %d expected",
          (unsigned long long)obj_edges, nedge);
    /* (a garbage slot collected early, by incremental collection, may hold
     * a later object: then it is expected under that role) */
    for (int g = 0; g < ngarbage; g++)
        CHECK(find_obj(garbage[g]) || ms_snapshot_find_id(s, garbage[g]) == MS_NODE_NONE,
              "garbage 0x%" PRIx64 " imported", garbage[g]);

    check_roots(s, &r, with_thread);
    check_list_path(s, &r);
    check_cycle(s, &r);

    free(r.first);
    free(r.from);
    free(r.edge);
    ms_snapshot_free(s);
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("ok: %u objects, %llu edges, %d roots as built\n", objects,
           (unsigned long long)obj_edges, nroot);
    return 0;
}
