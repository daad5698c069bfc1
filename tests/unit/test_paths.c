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

#define MAXN 40
#define MAXE (MAXN * 6)

typedef struct tg {
    int n, m;
    int from[MAXE], to[MAXE], type[MAXE];
    int name[MAXN]; /* index into node_names */
} tg;

/* Few names, so that retainers tie on them; "" sorts first. */
static const char *const node_names[] = {"x", "b", "", "bb", "a"};

static ms_snapshot *make(const tg *t)
{
    ms__builder b;
    ms__graph *g = NULL;
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t name, names[5];
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    for (int k = 0; k < 5; k++)
        assert_int_equal(ms__builder_string(&b, node_names[k], strlen(node_names[k]), &names[k],
                                            NULL, &err),
                         MS_OK);
    name = names[0];
    for (int i = 0; i < t->n; i++)
        assert_int_equal(ms__builder_node(&b, i == 0 ? MS_NT_SYNTHETIC : MS_NT_OBJECT,
                                          names[t->name[i]], (uint64_t)i + 100, 10, 0, &err),
                         MS_OK);
    for (int e = 0; e < t->m; e++)
        assert_int_equal(ms__builder_edge(&b, (uint32_t)t->from[e], (uint32_t)t->to[e],
                                          (unsigned)t->type[e], ms__edge_type_is_indexed((unsigned)t->type[e]) ? (uint32_t)e : name, &err),
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
    };
    return cmocka_run_group_tests_name("paths/why+cycles", tests, NULL, NULL);
}
