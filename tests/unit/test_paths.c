/*
 * test_paths.c: retention paths, why and cycles, against brute force on
 * random graphs and on hand-drawn graphs with known answers.
 *
 * Graphs use the plain rules (non-V8 format): every non-weak edge retains,
 * distances are BFS hops from the root.
 */
#include "helpers.h"

#include "graph/scc.h"
#include "paths/paths.h"
#include "snapshot/builder.h"
#include "api/snapshot.h"

#include <stdio.h>
#include <stdlib.h>

#define MAXN 64
#define MAXE (MAXN * 6)

typedef struct tg {
    int n, m;
    int from[MAXE], to[MAXE], type[MAXE];
    int ename[MAXE]; /* index into node_names: the edge's name (non-indexed types) */
    int name[MAXN];  /* index into node_names */
} tg;

/* Few names, so that retainers tie on them; "" sorts first. */
static const char *const node_names[] = {"x", "b", "", "bb", "a"};

static ms_snapshot *make(const tg *t)
{
    ms__builder b;
    ms__graph *g = NULL;
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t names[5];
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    for (int k = 0; k < 5; k++)
        assert_int_equal(ms__builder_string(&b, node_names[k], strlen(node_names[k]), &names[k],
                                            NULL, &err),
                         MS_OK);
    for (int i = 0; i < t->n; i++)
        assert_int_equal(ms__builder_node(&b, i == 0 ? MS_NT_SYNTHETIC : MS_NT_OBJECT,
                                          names[t->name[i]], (uint64_t)i + 100, 10, 0, &err),
                         MS_OK);
    for (int e = 0; e < t->m; e++)
        assert_int_equal(ms__builder_edge(&b, (uint32_t)t->from[e], (uint32_t)t->to[e],
                                          (unsigned)t->type[e],
                                          ms__edge_type_is_indexed((unsigned)t->type[e])
                                              ? (uint32_t)e
                                              : names[t->ename[e]],
                                          &err),
                         MS_OK);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    ms__builder_discard(&b);
    assert_int_equal(ms__snapshot_from_graph(g, MS_FORMAT_BOEHM, "test", &s, &err), MS_OK);
    return s;
}

static const int types[] = {MS_ET_PROPERTY, MS_ET_ELEMENT, MS_ET_INTERNAL, MS_ET_HIDDEN,
                            MS_ET_WEAK, MS_ET_PROPERTY, MS_ET_INTERNAL};

static void random_tg(tg *t, unsigned seed)
{
    srand(seed);
    memset(t, 0, sizeof *t);
    t->n = 2 + rand() % 30;
    t->m = rand() % (t->n * 3);
    for (int i = 0; i < t->n; i++)
        t->name[i] = rand() % 5;
    for (int e = 0; e < t->m; e++) {
        t->from[e] = rand() % t->n;
        t->to[e] = rand() % 8 == 0 ? t->from[e] : rand() % t->n;
        t->type[e] = types[rand() % 7];
    }
}

/* Brute force: BFS distances over t. */
static void oracle_distances(const tg *t, int *dist)
{
    int q[MAXN], head = 0, tail = 0;
    for (int i = 0; i < t->n; i++)
        dist[i] = -1;
    dist[0] = 0;
    q[tail++] = 0;
    while (head < tail) {
        int v = q[head++];
        for (int e = 0; e < t->m; e++) {
            if (t->from[e] == v && t->type[e] != MS_ET_WEAK && dist[t->to[e]] < 0) {
                dist[t->to[e]] = dist[v] + 1;
                q[tail++] = t->to[e];
            }
        }
    }
}

/* Brute force of DevTools' Retainers view: of w's strong retainers one hop
 * nearer the root, the one whose node name is smallest, then the last
 * edge (the snapshot's edge index). */
static uint64_t oracle_parent(const tg *t, ms_snapshot *s, const int *dist, int w)
{
    uint64_t best = UINT64_MAX;
    int best_from = -1;
    for (int v = 0; v < t->n; v++) {
        uint64_t first, count = ms_node_edges(s, (ms_node)v, &first);
        if (dist[v] < 0 || dist[v] != dist[w] - 1)
            continue;
        for (uint64_t e = first; e < first + count; e++) {
            ms_edge_info info;
            int c;
            ms_edge_get(s, e, &info);
            if (info.to != (ms_node)w || strcmp(info.type, "weak") == 0)
                continue;
            c = best_from < 0 ? -1 : strcmp(node_names[t->name[v]], node_names[t->name[best_from]]);
            if (c < 0 || (c == 0 && e > best)) {
                best = e;
                best_from = v;
            }
        }
    }
    return best;
}

static void test_paths__random_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 3000; seed++) {
        tg t;
        ms_snapshot *s;
        ms_error err = MS_ERROR_INIT;
        int dist[MAXN];
        ms_hop hops[MAXN + 1];
        random_tg(&t, seed);
        s = make(&t);
        oracle_distances(&t, dist);
        assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_PATHS, &err), MS_OK);
        for (int w = 0; w < t.n; w++) {
            size_t len = ms_retention_path(s, (ms_node)w, hops, MAXN + 1);
            if (dist[w] < 0) {
                assert_int_equal(len, 0);
                assert_int_equal(ms_node_distance(s, (ms_node)w), MS_DISTANCE_UNREACHABLE);
                continue;
            }
            assert_int_equal(ms_node_distance(s, (ms_node)w), dist[w]);
            /* shortest: one node per hop of distance */
            assert_int_equal(len, (size_t)dist[w] + 1);
            assert_int_equal(hops[0].node, 0);
            assert_int_equal(hops[len - 1].node, (ms_node)w);
            assert_true(hops[len - 1].edge == UINT64_MAX);
            for (size_t i = 0; i + 1 < len; i++) {
                ms_edge_info e;
                ms_edge_get(s, hops[i].edge, &e);
                /* a real, strong edge from this hop to the next */
                assert_int_equal(ms_edge_source(s, hops[i].edge), hops[i].node);
                assert_int_equal(e.to, hops[i + 1].node);
                assert_string_not_equal(e.type, "weak");
                assert_int_equal(ms_node_distance(s, hops[i + 1].node), ms_node_distance(s, hops[i].node) + 1);
            }
            /* and the retainer DevTools' Retainers view lists first */
            if (w != 0) {
                uint64_t want = oracle_parent(&t, s, dist, w);
                if (hops[len - 2].edge != want)
                    print_error("seed %u node %d: path's last edge %llu, DevTools' first %llu\n",
                                seed, w, (unsigned long long)hops[len - 2].edge,
                                (unsigned long long)want);
                assert_true(hops[len - 2].edge == want);
            }
        }
        ms_snapshot_free(s);
    }
}

/* The index of edge sources names, for every edge, the node whose edge
 * range holds it: graphs whose nodes have no edges (runs of them at block
 * boundaries too), a few, or hundreds (a node spanning several 64-edge
 * blocks), and the first and last edges. */
static void test_paths__edge_sources(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 200; seed++) {
        ms__builder b;
        ms__graph *g = NULL;
        ms__edge_sources src;
        ms_error err = MS_ERROR_INIT;
        uint32_t name, n;
        srand(seed);
        n = 1 + (uint32_t)(rand() % 2000);
        assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
        assert_int_equal(ms__builder_string(&b, "x", 1, &name, NULL, &err), MS_OK);
        for (uint32_t i = 0; i < n; i++)
            assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, name, (uint64_t)i + 1, 8, 0, &err), MS_OK);
        for (uint32_t i = 0; i < n; i++) {
            int r = rand() % 10, degree = r < 5 ? 0 : r < 9 ? 1 + rand() % 5 : 60 + rand() % 240;
            for (int k = 0; k < degree; k++)
                assert_int_equal(ms__builder_edge(&b, i, (uint32_t)(rand() % (int)n), MS_ET_PROPERTY,
                                                  name, &err),
                                 MS_OK);
        }
        assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
        ms__builder_discard(&b);
        assert_int_equal(ms__edge_sources_init(g, &src, &err), MS_OK);
        for (uint64_t e = 0; e < g->edge_count; e++) {
            uint32_t s = ms__edge_sources_get(&src, e);
            assert_true(s < g->node_count);
            assert_true(g->first_edge[s] <= e && e < g->first_edge[s + 1]);
            assert_int_equal(s, ms__edge_source(g, e));
        }
        ms__edge_sources_free(&src);
        assert_null(src.block);
        ms__graph_free(g);
    }
}

/* SCCs against mutual reachability. */
static void reach(const tg *t, int from, bool *seen)
{
    int st[MAXN], sp = 0;
    memset(seen, 0, sizeof(bool) * MAXN);
    seen[from] = true;
    st[sp++] = from;
    while (sp) {
        int v = st[--sp];
        for (int e = 0; e < t->m; e++)
            if (t->from[e] == v && t->type[e] != MS_ET_WEAK && !seen[t->to[e]]) {
                seen[t->to[e]] = true;
                st[sp++] = t->to[e];
            }
    }
}

static bool keep_strong(const ms__graph *g, void *p, uint32_t from, uint64_t e)
{
    (void)p;
    (void)from;
    return ms__edge_type(g, e) != MS_ET_WEAK;
}

static void test_paths__scc_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 2000; seed++) {
        tg t;
        ms_snapshot *s;
        ms_error err = MS_ERROR_INIT;
        uint32_t comp[MAXN], count;
        bool r[MAXN][MAXN];
        ms_cycles *cyc = NULL;
        size_t nontrivial = 0, covered = 0;
        random_tg(&t, seed);
        s = make(&t);
        for (int v = 0; v < t.n; v++)
            reach(&t, v, r[v]);
        assert_int_equal(ms__scc(s->g, keep_strong, NULL, NULL, comp, &count, &err), MS_OK);
        for (int a = 0; a < t.n; a++)
            for (int b = 0; b < t.n; b++)
                assert_int_equal(comp[a] == comp[b], r[a][b] && r[b][a]);
        /* completion order: an edge between components goes to an earlier one */
        for (int e = 0; e < t.m; e++)
            if (t.type[e] != MS_ET_WEAK)
                assert_true(comp[t.to[e]] <= comp[t.from[e]]);
        /* cycles: the components of 2+ nodes, and self-referring nodes */
        assert_int_equal(ms_cycles_compute(s, MS_CYCLE_EDGES_STRONG, &cyc, &err), MS_OK);
        for (uint32_t k = 0; k < count; k++) {
            int size = 0;
            bool self = false;
            for (int v = 0; v < t.n; v++)
                if (comp[v] == k) {
                    size++;
                    for (int e = 0; e < t.m; e++)
                        self |= t.from[e] == v && t.to[e] == v && t.type[e] != MS_ET_WEAK;
                }
            if (size > 1 || self) {
                nontrivial++;
                covered += (size_t)size;
            }
        }
        assert_int_equal(ms_cycles_count(cyc), nontrivial);
        for (size_t i = 0; i < ms_cycles_count(cyc); i++) {
            const ms_cycle *cy = ms_cycles_get(cyc, i);
            covered -= cy->size;
            for (uint32_t j = 1; j < cy->size; j++)
                assert_int_equal(comp[cy->members[j]], comp[cy->members[0]]);
            assert_int_equal(cy->shallow_size, 10ull * cy->size);
            if (i > 0)
                assert_true(ms_cycles_get(cyc, i - 1)->shallow_size >= cy->shallow_size);
        }
        assert_int_equal(covered, 0);
        ms_cycles_free(cyc);
        ms_snapshot_free(s);
    }
}

static void add(tg *t, int from, int to, int type)
{
    t->from[t->m] = from;
    t->to[t->m] = to;
    t->type[t->m] = type;
    t->m++;
}

/* Hand-drawn: 0 root; 1 and 2 both reach 3 in two hops (a tie on
 * distance and name: the later edge, 2's, comes first as in DevTools); 4 only weakly held; 5 and 6 hold
 * each other but nothing reachable holds them; 7 is referenced by nothing;
 * 8 refers to itself; 3 -> 9 -> 10 a chain. */
static void test_paths__hand_drawn_why(void **state)
{
    (void)state;
    tg t;
    ms_snapshot *s;
    ms_error err = MS_ERROR_INIT;
    ms_why *w = NULL;
    ms_cycles *cyc = NULL;
    memset(&t, 0, sizeof t);
    t.n = 11;
    add(&t, 0, 1, MS_ET_INTERNAL);
    add(&t, 0, 2, MS_ET_PROPERTY);
    add(&t, 1, 3, MS_ET_INTERNAL); /* first found, but the earlier edge */
    add(&t, 2, 3, MS_ET_PROPERTY);
    add(&t, 2, 4, MS_ET_WEAK);
    add(&t, 5, 6, MS_ET_PROPERTY);
    add(&t, 6, 5, MS_ET_PROPERTY);
    add(&t, 0, 8, MS_ET_PROPERTY);
    add(&t, 8, 8, MS_ET_PROPERTY);
    add(&t, 3, 9, MS_ET_PROPERTY);
    add(&t, 9, 10, MS_ET_ELEMENT);
    s = make(&t);

    assert_int_equal(ms_why_compute(s, 3, 3, &w, &err), MS_OK);
    assert_int_equal(w->status, MS_WHY_RETAINED);
    assert_int_equal(w->path.length, 3);
    assert_int_equal(w->path.hops[1].node, 2); /* via the later edge */
    assert_int_equal(w->retainer_count, 2);
    assert_int_equal(w->dominator_count, 0); /* only the root dominates 3 */
    assert_int_equal(w->other_count, 1);     /* the path through node 1 */
    assert_int_equal(w->others[0].length, 3);
    assert_int_equal(w->others[0].hops[1].node, 1);
    assert_int_equal(w->others[0].hops[2].node, 3);
    ms_why_free(w);

    assert_int_equal(ms_why_compute(s, 10, 3, &w, &err), MS_OK);
    assert_int_equal(w->status, MS_WHY_RETAINED);
    assert_int_equal(w->path.length, 5);
    assert_int_equal(w->dominator_count, 2); /* 9, then 3 */
    assert_int_equal(w->dominators[0], 9);
    assert_int_equal(w->dominators[1], 3);
    ms_why_free(w);

    assert_int_equal(ms_why_compute(s, 4, 3, &w, &err), MS_OK);
    assert_int_equal(w->status, MS_WHY_WEAK_ONLY);
    assert_int_equal(w->path.length, 0);
    assert_int_equal(w->weak_retainer_count, 1);
    ms_why_free(w);

    assert_int_equal(ms_why_compute(s, 5, 3, &w, &err), MS_OK);
    assert_int_equal(w->status, MS_WHY_GARBAGE);
    ms_why_free(w);

    assert_int_equal(ms_why_compute(s, 7, 3, &w, &err), MS_OK);
    assert_int_equal(w->status, MS_WHY_UNREFERENCED);
    assert_int_equal(w->retainer_count, 0);
    ms_why_free(w);

    assert_int_equal(ms_why_compute(s, 0, 3, &w, &err), MS_OK);
    assert_int_equal(w->status, MS_WHY_ROOT);
    ms_why_free(w);

    assert_int_equal(ms_why_compute(s, 11, 3, &w, &err), MS_EINVAL);

    /* cycles: {5, 6} and the self-referring 8 */
    assert_int_equal(ms_cycles_compute(s, MS_CYCLE_EDGES_STRONG, &cyc, &err), MS_OK);
    assert_int_equal(ms_cycles_count(cyc), 2);
    assert_int_equal(ms_cycles_get(cyc, 0)->size, 2);
    assert_int_equal(ms_cycles_get(cyc, 0)->members[0], 5);
    assert_int_equal(ms_cycles_get(cyc, 1)->size, 1);
    assert_int_equal(ms_cycles_get(cyc, 1)->entry, 8);
    ms_cycles_free(cyc);

    /* the retainer index gives the same answers as the scan */
    {
        uint64_t *a, *b;
        size_t na, nb;
        assert_int_equal(ms_node_retainers(s, 3, &a, &na, &err), MS_OK);
        assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINERS, &err), MS_OK);
        for (ms_node n = 0; n < 11; n++) {
            uint64_t *x, *y;
            size_t nx, ny;
            assert_int_equal(ms_node_retainers(s, n, &x, &nx, &err), MS_OK);
            /* brute force */
            y = calloc((size_t)t.m + 1, 8);
            ny = 0;
            for (uint64_t e = 0; e < ms_snapshot_edge_count(s); e++) {
                ms_edge_info info;
                ms_edge_get(s, e, &info);
                if (info.to == n)
                    y[ny++] = e;
            }
            assert_int_equal(nx, ny);
            if (nx)
                assert_memory_equal(x, y, nx * 8);
            free(x);
            free(y);
        }
        assert_int_equal(ms_node_retainers(s, 3, &b, &nb, &err), MS_OK);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * 8);
        free(a);
        free(b);
    }
    ms_snapshot_free(s);
}

/* ---- cycles grouped by shape ---------------------------------------------- */

static void add_named(tg *t, int from, int to, int type, int ename)
{
    t->ename[t->m] = ename;
    add(t, from, to, type);
}

static int line_cmp(const void *a, const void *b) { return strcmp(a, b); }

/* Group i's shape as text, for comparing with the oracle's: sorted lines
 * "M class xcount" and "E type from name to xcount". */
static void group_form(const ms_cycle_group *g, char *buf, size_t cap)
{
    char lines[256][96];
    size_t n = 0, at = 0;
    assert_true(g->class_count + g->edge_count <= 256);
    for (size_t k = 0; k < g->class_count; k++)
        snprintf(lines[n++], sizeof lines[0], "M %s x%u", g->classes[k].name, g->classes[k].count);
    for (size_t k = 0; k < g->edge_count; k++) {
        const ms_cycle_shape_edge *e = &g->edges[k];
        assert_true(e->from < g->class_count && e->to < g->class_count);
        snprintf(lines[n++], sizeof lines[0], "E %s %s %s %s x%u", e->type,
                 g->classes[e->from].name, e->name, g->classes[e->to].name, e->count);
    }
    qsort(lines, n, sizeof lines[0], line_cmp);
    buf[0] = 0;
    for (size_t k = 0; k < n; k++)
        at += (size_t)snprintf(buf + at, at < cap ? cap - at : 0, "%s;", lines[k]);
    assert_true(at < cap);
}

/* The oracle's shape of the component of node v (comp from mutual
 * reachability): its members' names and the non-weak edges between them by
 * type, source name, edge name ("[]" for element and hidden edges) and
 * target name, counted, sorted, as text. */
static const char *const type_names[] = {"context", "element", "property", "internal",
                                         "hidden",  "shortcut", "weak"};

static void oracle_form(const tg *t, const int *comp, int v, char *buf, size_t cap)
{
    char lines[MAXN + MAXE][96], out[MAXN + MAXE][104];
    size_t n = 0, k = 0, at = 0;
    for (int u = 0; u < t->n; u++)
        if (comp[u] == comp[v])
            snprintf(lines[n++], sizeof lines[0], "M %s", node_names[t->name[u]]);
    for (int e = 0; e < t->m; e++)
        if (comp[t->from[e]] == comp[v] && comp[t->to[e]] == comp[v] && t->type[e] != MS_ET_WEAK)
            snprintf(lines[n++], sizeof lines[0], "E %s %s %s %s", type_names[t->type[e]],
                     node_names[t->name[t->from[e]]],
                     ms__edge_type_is_indexed((unsigned)t->type[e]) ? "[]"
                                                                   : node_names[t->ename[e]],
                     node_names[t->name[t->to[e]]]);
    qsort(lines, n, sizeof lines[0], line_cmp);
    for (size_t i = 0; i < n; i++) { /* runs of equal lines, counted */
        size_t j = i;
        while (j + 1 < n && strcmp(lines[j + 1], lines[i]) == 0)
            j++;
        snprintf(out[k++], sizeof out[0], "%s x%zu", lines[i], j - i + 1);
        i = j;
    }
    buf[0] = 0;
    for (size_t i = 0; i < k; i++)
        at += (size_t)snprintf(buf + at, at < cap ? cap - at : 0, "%s;", out[i]);
    assert_true(at < cap);
}

/* Components by mutual reachability (over non-weak edges); returns how
 * many are cycles (2+ nodes or a self reference), *is_cycle per node. */
static int oracle_components(const tg *t, int *comp, bool *is_cycle)
{
    static bool r[MAXN][MAXN];
    int cycles = 0;
    for (int v = 0; v < t->n; v++)
        reach(t, v, r[v]);
    for (int v = 0; v < t->n; v++) {
        comp[v] = v;
        for (int u = 0; u < v; u++)
            if (r[u][v] && r[v][u]) {
                comp[v] = comp[u];
                break;
            }
    }
    for (int v = 0; v < t->n; v++) {
        int size = 0;
        bool self = false;
        for (int u = 0; u < t->n; u++)
            size += comp[u] == comp[v];
        for (int e = 0; e < t->m; e++)
            self |= t->from[e] == v && t->to[e] == v && t->type[e] != MS_ET_WEAK;
        is_cycle[v] = size > 1 || self;
    }
    for (int v = 0; v < t->n; v++) {
        bool any = false;
        for (int u = 0; u < t->n; u++)
            any |= comp[u] == v && is_cycle[u];
        cycles += any;
    }
    return cycles;
}

/* Nodes that lose every path from the root when `cut` goes (and cut). */
static void oracle_dominated(const tg *t, int cut, bool *out)
{
    int st[MAXN], sp = 0;
    bool seen[MAXN] = {false};
    seen[0] = cut != 0;
    if (cut != 0)
        st[sp++] = 0;
    seen[cut] = true; /* never entered */
    while (sp) {
        int v = st[--sp];
        for (int e = 0; e < t->m; e++)
            if (t->from[e] == v && t->type[e] != MS_ET_WEAK && !seen[t->to[e]]) {
                seen[t->to[e]] = true;
                st[sp++] = t->to[e];
            }
    }
    for (int v = 0; v < t->n; v++)
        out[v] = !seen[v] || v == cut;
}

/* Hand-drawn: two cycles alike with their nodes and edges in other orders,
 * one more of that shape that nothing reachable holds, one differing by an
 * edge name, one by a class, two rings told apart only by their indices
 * (made alike), and a self reference. */
static void test_paths__cycle_groups_hand_drawn(void **state)
{
    enum { X = 0, B = 1, BB = 3, A = 4 }; /* node_names: "x", "b", "", "bb", "a" */
    tg t;
    ms_snapshot *s;
    ms_error err = MS_ERROR_INIT;
    ms_cycle_groups *cg = NULL;
    ms_cycle_options o = MS_CYCLE_OPTIONS_INIT;
    const ms_cycle_group *g;
    char form[1024];
    (void)state;
    memset(&t, 0, sizeof t);
    t.n = 19;
    /* 1 (a) <-> 2 (b): a --x--> b, b --b--> a */
    t.name[1] = A, t.name[2] = B;
    add_named(&t, 0, 1, MS_ET_PROPERTY, X);
    add_named(&t, 1, 2, MS_ET_PROPERTY, X);
    add_named(&t, 2, 1, MS_ET_PROPERTY, B);
    /* 3 (b) <-> 4 (a): the same shape, nodes and edges the other way round */
    t.name[3] = B, t.name[4] = A;
    add_named(&t, 3, 4, MS_ET_PROPERTY, B);
    add_named(&t, 0, 3, MS_ET_PROPERTY, X);
    add_named(&t, 4, 3, MS_ET_PROPERTY, X);
    /* 5 (a) <-> 6 (b): the same shape, unreachable */
    t.name[5] = A, t.name[6] = B;
    add_named(&t, 5, 6, MS_ET_PROPERTY, X);
    add_named(&t, 6, 5, MS_ET_PROPERTY, B);
    /* 7 (a) <-> 8 (b): b --bb--> a, one edge name differs */
    t.name[7] = A, t.name[8] = B;
    add_named(&t, 0, 7, MS_ET_PROPERTY, X);
    add_named(&t, 7, 8, MS_ET_PROPERTY, X);
    add_named(&t, 8, 7, MS_ET_PROPERTY, BB);
    /* 9 (a) <-> 10 (bb): one class differs */
    t.name[9] = A, t.name[10] = BB;
    add_named(&t, 0, 9, MS_ET_PROPERTY, X);
    add_named(&t, 9, 10, MS_ET_PROPERTY, X);
    add_named(&t, 10, 9, MS_ET_PROPERTY, B);
    /* rings of three x by element edges: 11 -> 12 -> 13 -> 11, and
     * 16 -> 15 -> 14 -> 16 (other indices, another order) */
    for (int i = 11; i <= 16; i++)
        t.name[i] = X;
    add_named(&t, 0, 11, MS_ET_PROPERTY, X);
    add(&t, 11, 12, MS_ET_ELEMENT);
    add(&t, 12, 13, MS_ET_ELEMENT);
    add(&t, 13, 11, MS_ET_ELEMENT);
    add_named(&t, 0, 14, MS_ET_PROPERTY, X);
    add(&t, 14, 16, MS_ET_ELEMENT);
    add(&t, 16, 15, MS_ET_ELEMENT);
    add(&t, 15, 14, MS_ET_ELEMENT);
    /* 17 refers to itself; 18 holds 1 (so 1's cycle has more below it) */
    t.name[17] = B, t.name[18] = X;
    add_named(&t, 0, 17, MS_ET_PROPERTY, X);
    add_named(&t, 17, 17, MS_ET_PROPERTY, A);
    add_named(&t, 2, 18, MS_ET_PROPERTY, X);
    s = make(&t);

    assert_int_equal(ms_cycle_groups_compute(s, NULL, &cg, &err), MS_OK);
    assert_int_equal(ms_cycle_groups_totals(cg)->cycles, 8);
    assert_int_equal(ms_cycle_groups_totals(cg)->groups, 5);
    assert_int_equal(ms_cycle_groups_totals(cg)->user_cycles, 8); /* no origins: the program's */
    assert_int_equal(ms_cycle_groups_totals(cg)->runtime_cycles, 0);
    assert_int_equal(ms_cycle_groups_totals(cg)->unreachable, 1);
    assert_int_equal(ms_cycle_groups_count(cg), 5);
    /* Largest retained first: the pairs' group (3 x 20 bytes + node 18),
     * then the rings (2 x 30). */
    g = ms_cycle_groups_get(cg, 0);
    assert_int_equal(g->count, 3);
    assert_int_equal(g->size, 2);
    assert_int_equal(g->shallow_size, 60);
    assert_int_equal(g->retained_size, 70);
    assert_int_equal(g->unreachable, 1);
    assert_true(g->user);
    assert_int_equal(g->example->members[0], 1); /* reachable, and retains most */
    group_form(g, form, sizeof form);
    assert_string_equal(form, "E property a x b x1;E property b b a x1;M a x1;M b x1;");
    assert_int_equal(ms_cycle_groups_cycle(cg, 0, 0)->size, 2);
    {
        /* its cycles: {1, 2}, {3, 4}, {5, 6} */
        unsigned seen = 0;
        for (size_t k = 0; k < 3; k++)
            seen |= 1u << ms_cycle_groups_cycle(cg, 0, k)->members[0];
        assert_int_equal(seen, (1u << 1) | (1u << 3) | (1u << 5));
    }
    g = ms_cycle_groups_get(cg, 1);
    assert_int_equal(g->count, 2);
    assert_int_equal(g->size, 3);
    assert_int_equal(g->retained_size, 60);
    group_form(g, form, sizeof form);
    assert_string_equal(form, "E element x [] x x3;M x x3;");
    /* then the three of one cycle each: 20, 20 and 10 bytes retained */
    for (size_t i = 2; i < 5; i++)
        assert_int_equal(ms_cycle_groups_get(cg, i)->count, 1);
    assert_int_equal(ms_cycle_groups_get(cg, 4)->size, 1);
    group_form(ms_cycle_groups_get(cg, 4), form, sizeof form);
    assert_string_equal(form, "E property b a b x1;M b x1;");
    /* one edge name or one class apart: other shapes, other signatures */
    for (size_t i = 0; i < 5; i++)
        for (size_t j = i + 1; j < 5; j++)
            assert_true(ms_cycle_groups_get(cg, i)->signature !=
                        ms_cycle_groups_get(cg, j)->signature);
    ms_cycle_groups_free(cg);

    /* --class: only the group with a "bb" member; none with "z" */
    o.class_name = "bb";
    assert_int_equal(ms_cycle_groups_compute(s, &o, &cg, &err), MS_OK);
    assert_int_equal(ms_cycle_groups_count(cg), 1);
    assert_int_equal(ms_cycle_groups_get(cg, 0)->example->members[0], 9);
    assert_int_equal(ms_cycle_groups_totals(cg)->cycles, 8);
    assert_int_equal(ms_cycle_groups_totals(cg)->user_cycles, 1);
    ms_cycle_groups_free(cg);
    o.class_name = "z";
    assert_int_equal(ms_cycle_groups_compute(s, &o, &cg, &err), MS_ENOTFOUND);
    assert_null(cg);
    assert_non_null(strstr(err.message, "no class named \"z\""));
    o.class_name = NULL;
    o.version = 99;
    assert_int_equal(ms_cycle_groups_compute(s, &o, &cg, &err), MS_EINVAL);
    ms_snapshot_free(s);
}

/* Random graphs made of a few small strongly connected templates, each
 * copied a few times with its nodes numbered in another order, its edges
 * in another order and its indices changed, some copies changed by one
 * edge name or one class; plus edges from later copies to earlier ones
 * (which join no components).  The grouping must be the partition by the
 * oracle's shape; each group's shape, counts and sizes the oracle's, what
 * it retains the nodes some member dominates (by the definition), and the
 * signatures the same when the whole graph is numbered in another order. */
static void random_shapes(tg *t, unsigned seed, bool permute)
{
    int perm[MAXN];
    tg raw;
    srand(seed);
    memset(&raw, 0, sizeof raw);
    raw.n = 1;
    for (int tpl = 0, ntpl = 1 + rand() % 3; tpl < ntpl; tpl++) {
        int k = 1 + rand() % 4, cls[4], et[12], ef[12], eto[12], en[12], ne = 0;
        for (int i = 0; i < k; i++)
            cls[i] = rand() % 3;
        for (int i = 0; i < k; i++) { /* a ring holds them together */
            ef[ne] = i, eto[ne] = (i + 1) % k, et[ne] = types[rand() % 4], en[ne++] = rand() % 3;
        }
        for (int x = rand() % 4; x > 0; x--) {
            ef[ne] = rand() % k, eto[ne] = rand() % k, et[ne] = types[rand() % 7];
            en[ne++] = rand() % 3;
        }
        for (int copy = 0, ncopy = 1 + rand() % 4; copy < ncopy && raw.n + k < MAXN; copy++) {
            int base = raw.n, p[4], order[12], change = rand() % 4;
            for (int i = 0; i < k; i++)
                p[i] = i;
            for (int i = k - 1; i > 0; i--) {
                int j = rand() % (i + 1), x = p[i];
                p[i] = p[j], p[j] = x;
            }
            for (int i = 0; i < k; i++)
                raw.name[base + p[i]] = cls[i];
            if (change == 1) /* one class changed */
                raw.name[base + p[rand() % k]] = 3 + rand() % 2;
            for (int i = 0; i < ne; i++)
                order[i] = i;
            for (int i = ne - 1; i > 0; i--) {
                int j = rand() % (i + 1), x = order[i];
                order[i] = order[j], order[j] = x;
            }
            for (int i = 0; i < ne; i++) {
                int e = order[i];
                add_named(&raw, base + p[ef[e]], base + p[eto[e]], et[e], en[e]);
            }
            if (change == 2) { /* one edge name changed: a named edge's */
                for (int i = raw.m - ne; i < raw.m; i++)
                    if (!ms__edge_type_is_indexed((unsigned)raw.type[i])) {
                        raw.ename[i] = 3 + rand() % 2;
                        break;
                    }
            }
            add_named(&raw, 0, base + p[0], MS_ET_PROPERTY, 0);
            if (base > 1 && rand() % 2)
                add_named(&raw, base + p[rand() % k], 1 + rand() % (base - 1), types[rand() % 7],
                          rand() % 5);
            raw.n += k;
        }
    }
    for (int i = 0; i < raw.n; i++)
        perm[i] = i;
    for (int i = raw.n - 1; permute && i > 1; i--) { /* the root stays first */
        int j = 1 + rand() % i, x = perm[i];
        perm[i] = perm[j], perm[j] = x;
    }
    memset(t, 0, sizeof *t);
    t->n = raw.n;
    for (int i = 0; i < raw.n; i++)
        t->name[perm[i]] = raw.name[i];
    for (int e = 0; e < raw.m; e++) {
        int at = permute ? rand() % (t->m + 1) : t->m; /* edges in another order too */
        for (int x = t->m; x > at; x--) {
            t->from[x] = t->from[x - 1], t->to[x] = t->to[x - 1], t->type[x] = t->type[x - 1];
            t->ename[x] = t->ename[x - 1];
        }
        t->from[at] = perm[raw.from[e]], t->to[at] = perm[raw.to[e]], t->type[at] = raw.type[e];
        t->ename[at] = raw.ename[e];
        t->m++;
    }
}

/* Checks the grouping of t against the oracle; returns the signatures of
 * the oracle's shapes (forms[k] in sigs[k], *nforms of them). */
static void check_cycle_groups(const tg *t, char forms[][1024], uint64_t *sigs, int *nforms)
{
    ms_snapshot *s = make(t);
    ms_error err = MS_ERROR_INIT;
    ms_cycle_groups *cg = NULL;
    int comp[MAXN], seen_forms = 0;
    bool is_cycle[MAXN], counted[MAXN] = {false};
    int cycles = oracle_components(t, comp, is_cycle);
    char form[1024], oform[1024];
    uint64_t total = 0;
    assert_int_equal(ms_cycle_groups_compute(s, NULL, &cg, &err), MS_OK);
    assert_int_equal(ms_cycle_groups_totals(cg)->cycles, (uint64_t)cycles);
    assert_int_equal(ms_cycle_groups_totals(cg)->groups, ms_cycle_groups_count(cg));
    *nforms = 0;
    for (size_t i = 0; i < ms_cycle_groups_count(cg); i++) {
        const ms_cycle_group *g = ms_cycle_groups_get(cg, i);
        bool dominated[MAXN] = {false};
        uint64_t retained = 0;
        group_form(g, form, sizeof form);
        for (size_t k = 0; k < g->count; k++) {
            const ms_cycle *cy = ms_cycle_groups_cycle(cg, i, k);
            int v = (int)cy->members[0];
            assert_true(is_cycle[v]);
            assert_false(counted[comp[v]]); /* each cycle in one group */
            counted[comp[v]] = true;
            assert_int_equal(cy->size, g->size);
            oracle_form(t, comp, v, oform, sizeof oform);
            assert_string_equal(form, oform);
            for (uint32_t j = 0; j < cy->size; j++) {
                bool d[MAXN];
                oracle_dominated(t, (int)cy->members[j], d);
                for (int u = 0; u < t->n; u++)
                    dominated[u] |= d[u];
            }
        }
        for (int u = 0; u < t->n; u++)
            retained += dominated[u] ? 10 : 0;
        assert_int_equal(g->retained_size, retained);
        assert_int_equal(g->shallow_size, 10 * g->count * g->size);
        assert_int_equal(g->unreachable, 0);
        total += g->count;
        /* no other group has this shape */
        for (int f = 0; f < *nforms; f++)
            assert_string_not_equal(forms[f], form);
        strcpy(forms[*nforms], form);
        sigs[(*nforms)++] = g->signature;
        seen_forms++;
        if (i > 0) {
            const ms_cycle_group *p = ms_cycle_groups_get(cg, i - 1);
            assert_true(p->retained_size > g->retained_size ||
                        (p->retained_size == g->retained_size &&
                         p->shallow_size >= g->shallow_size));
        }
    }
    assert_int_equal(total, (uint64_t)cycles);
    ms_cycle_groups_free(cg);
    ms_snapshot_free(s);
}

static void test_paths__cycle_groups_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 1500; seed++) {
        static char forms[2][MAXN][1024];
        uint64_t sigs[2][MAXN];
        int nforms[2];
        tg t;
        random_shapes(&t, seed, false);
        check_cycle_groups(&t, forms[0], sigs[0], &nforms[0]);
        random_shapes(&t, seed, true);
        check_cycle_groups(&t, forms[1], sigs[1], &nforms[1]);
        /* numbered in another order: the same shapes, the same signatures */
        assert_int_equal(nforms[0], nforms[1]);
        for (int i = 0; i < nforms[0]; i++) {
            int j = 0;
            while (j < nforms[1] && strcmp(forms[0][i], forms[1][j]) != 0)
                j++;
            assert_true(j < nforms[1]);
            assert_true(sigs[0][i] == sigs[1][j]);
        }
    }
}

/* Instances held by a collection (more than 2048 out-edges) under distinct
 * keys form one group; held by an ordinary object under distinct property
 * names, one group per name, unless the names differ only in their numbers
 * (keys of a small dictionary, "user-1", "user-2"): then one group. */
static void test_paths__keyed_collections_group(void **state)
{
    enum { KEYS = 3000, NAMED = 5, SMALL = 40 };
    ms__builder b;
    ms__graph *g = NULL;
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    ms_path_groups *w = NULL;
    uint32_t s_item, s_cache, s_obj, s_root, s_name;
    char key[32];
    (void)state;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "(root)", 6, &s_root, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "Item", 4, &s_item, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "Cache", 5, &s_cache, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "Holder", 6, &s_obj, NULL, &err), MS_OK);
    /* 0 root, 1 cache, 2 holder, then KEYS + NAMED items */
    assert_int_equal(ms__builder_node(&b, MS_NT_SYNTHETIC, s_root, 1, 0, 0, &err), MS_OK);
    assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, s_cache, 2, 8, 0, &err), MS_OK);
    assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, s_obj, 3, 8, 0, &err), MS_OK);
    for (uint32_t i = 0; i < KEYS + NAMED; i++)
        assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, s_item, 10 + i, 16, 0, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "cache", 5, &s_name, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_edge(&b, 0, 1, MS_ET_PROPERTY, s_name, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "holder", 6, &s_name, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_edge(&b, 0, 2, MS_ET_PROPERTY, s_name, &err), MS_OK);
    static const char *const names[NAMED] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    for (uint32_t i = 0; i < KEYS + NAMED; i++) {
        int len = i < KEYS ? snprintf(key, sizeof key, "k%u", i)
                           : snprintf(key, sizeof key, "%s", names[i - KEYS]);
        assert_int_equal(ms__builder_string(&b, key, (size_t)len, &s_name, NULL, &err), MS_OK);
        assert_int_equal(ms__builder_edge(&b, i < KEYS ? 1 : 2, 3 + i, MS_ET_PROPERTY, s_name, &err),
                         MS_OK);
    }
    /* a small dictionary: node 3 + KEYS + NAMED holds SMALL entries */
    assert_int_equal(ms__builder_string(&b, "Dict", 4, &s_obj, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, s_obj, 5, 8, 0, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "dict", 4, &s_name, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_edge(&b, 0, 3 + KEYS + NAMED, MS_ET_PROPERTY, s_name, &err), MS_OK);
    for (uint32_t i = 0; i < SMALL; i++) {
        int len = snprintf(key, sizeof key, "user-%u", 7 * i + 1);
        assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, s_item, 100000 + i, 16, 0, &err), MS_OK);
        assert_int_equal(ms__builder_string(&b, key, (size_t)len, &s_name, NULL, &err), MS_OK);
        assert_int_equal(ms__builder_edge(&b, 3 + KEYS + NAMED, 4 + KEYS + NAMED + i, MS_ET_PROPERTY,
                                          s_name, &err),
                         MS_OK);
    }
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    ms__builder_discard(&b);
    assert_int_equal(ms__snapshot_from_graph(g, MS_FORMAT_BOEHM, "test", &s, &err), MS_OK);

    assert_int_equal(ms_path_groups_by_class(s, "Item", &w, &err), MS_OK);
    assert_int_equal(ms_path_groups_instances(w), KEYS + NAMED + SMALL);
    assert_int_equal(ms_path_groups_count(w), 2 + NAMED);
    assert_int_equal(ms_path_groups_get(w, 0)->count, KEYS); /* largest first */
    assert_int_equal(ms_path_groups_get(w, 1)->count, SMALL);
    for (size_t i = 2; i < 2 + NAMED; i++)
        assert_int_equal(ms_path_groups_get(w, i)->count, 1);
    {
        char sig[256];
        ms_path_signature(s, &ms_path_groups_get(w, 1)->path, sig, sizeof sig);
        assert_string_equal(sig, "(root) --dict--> Dict --user-#--> Item");
    }
    ms_path_groups_free(w);
    ms_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths__hand_drawn_why),
        cmocka_unit_test(test_paths__keyed_collections_group),
        cmocka_unit_test(test_paths__random_vs_brute_force),
        cmocka_unit_test(test_paths__edge_sources),
        cmocka_unit_test(test_paths__scc_vs_brute_force),
        cmocka_unit_test(test_paths__cycle_groups_hand_drawn),
        cmocka_unit_test(test_paths__cycle_groups_vs_brute_force),
    };
    return cmocka_run_group_tests_name("paths/why+cycles", tests, NULL, NULL);
}
