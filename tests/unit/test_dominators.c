/*
 * test_dominators.c: immediate dominators, retained sizes and distances
 * against brute force on thousands of random small graphs, and on
 * hand-drawn graphs with known answers.
 *
 * The oracle is the definition: d dominates w when w cannot be reached from
 * the root once d is removed.  Nodes the root does not reach are attached as
 * DevTools attaches them: a node with no retaining edge at all hangs from the
 * root (so what it reaches is dominated through it), and whatever is left
 * (groups that only retain each other) is dominated by the root directly.
 */
#include "helpers.h"

#include "dominators/dominators.h"
#include "graph/distances.h"
#include "snapshot/builder.h"

#include <stdio.h>
#include <stdlib.h>

#define MAXN 48

typedef struct tgraph {
    int n;
    int root;
    int m;
    int from[MAXN * 8], to[MAXN * 8];
    int weak[MAXN * 8];
    uint64_t size[MAXN];
} tgraph;

static ms__graph *build(const tgraph *t)
{
    ms__builder b;
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t name;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "x", 1, &name, NULL, &err), MS_OK);
    for (int i = 0; i < t->n; i++)
        assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, name, (uint64_t)i * 2 + 1, t->size[i], 0, &err),
                         MS_OK);
    for (int e = 0; e < t->m; e++)
        assert_int_equal(ms__builder_edge(&b, (uint32_t)t->from[e], (uint32_t)t->to[e],
                                          t->weak[e] ? MS_ET_WEAK : MS_ET_PROPERTY, name, &err),
                         MS_OK);
    ms__builder_set_root(&b, (uint32_t)t->root);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    ms__builder_discard(&b);
    return g;
}

static bool retains(const tgraph *t, int e)
{
    return !t->weak[e] && t->from[e] != t->to[e];
}

/* Nodes reachable from `start` over retaining edges, plus the extra root
 * edges `virt`, without entering `banned` (-1: none). */
static void reach(const tgraph *t, const bool *virt, int start, int banned, bool *seen)
{
    int stack[MAXN], sp = 0;
    memset(seen, 0, sizeof(bool) * MAXN);
    if (start == banned)
        return;
    seen[start] = true;
    stack[sp++] = start;
    while (sp) {
        int v = stack[--sp];
        for (int e = 0; e < t->m; e++) {
            if (t->from[e] != v || !retains(t, e) || t->to[e] == banned || seen[t->to[e]])
                continue;
            seen[t->to[e]] = true;
            stack[sp++] = t->to[e];
        }
        if (v == t->root) {
            for (int w = 0; w < t->n; w++) {
                if (virt[w] && w != banned && !seen[w]) {
                    seen[w] = true;
                    stack[sp++] = w;
                }
            }
        }
    }
}

/* The expected idom of every node, by the definition. */
static void oracle_idom(const tgraph *t, int *idom)
{
    bool virt[MAXN] = {false}, base[MAXN], seen[MAXN];
    static bool dom[MAXN][MAXN]; /* dom[d][w]: d dominates w */
    bool none[MAXN] = {false};
    reach(t, none, t->root, -1, base);
    /* Nodes with no retaining edge that the root does not reach. */
    for (int w = 0; w < t->n; w++) {
        bool retained = false;
        for (int e = 0; e < t->m; e++)
            retained |= retains(t, e) && t->to[e] == w;
        virt[w] = !base[w] && !retained;
    }
    reach(t, virt, t->root, -1, base);
    for (int d = 0; d < t->n; d++) {
        reach(t, virt, t->root, d, seen);
        for (int w = 0; w < t->n; w++)
            dom[d][w] = base[w] && !seen[w];
    }
    for (int w = 0; w < t->n; w++) {
        int ndom = 0;
        idom[w] = t->root;
        if (w == t->root || !base[w])
            continue; /* unreached groups: the root */
        for (int d = 0; d < t->n; d++)
            ndom += dom[d][w];
        /* the strict dominator dominated by all the others */
        for (int d = 0; d < t->n; d++) {
            int nd = 0;
            if (d == w || !dom[d][w])
                continue;
            for (int k = 0; k < t->n; k++)
                nd += dom[k][d];
            if (nd == ndom - 1)
                idom[w] = d;
        }
    }
}

static void random_graph(tgraph *t, unsigned seed)
{
    srand(seed);
    t->n = 1 + rand() % 30;
    t->root = rand() % 4 == 0 ? rand() % t->n : 0;
    t->m = rand() % (t->n * 3 + 1);
    for (int i = 0; i < t->n; i++)
        t->size[i] = (uint64_t)(rand() % 5) * 8;
    for (int e = 0; e < t->m; e++) {
        t->from[e] = rand() % t->n;
        /* some self loops, mostly forward-ish edges to make long chains */
        t->to[e] = rand() % 10 == 0 ? t->from[e] : rand() % 3 ? (t->from[e] + 1 + rand() % 3) % t->n : rand() % t->n;
        t->weak[e] = rand() % 6 == 0;
    }
}

/* Compares with the oracle; returns the number of mismatching nodes.
 * Runs both step-3 variants (semi-NCA and the paper's buckets). */
static int check_one(const tgraph *t, bool plant_bug, bool buckets, unsigned pred_bytes);

static int check(const tgraph *t, bool plant_bug)
{
    int bad = check_one(t, plant_bug, false, 0) + check_one(t, plant_bug, true, 0);
    /* predecessors stored in 4 bytes, as past 2^24 nodes */
    bad += check_one(t, plant_bug, false, 4);
    return bad;
}

/* Both phases, as the planner runs them (other work may go between);
 * semi-NCA must finish without giving way to the bucket version on these
 * graphs (the budget only stops crafted ones: test_dominators__fallback). */
static void dominators(const ms__graph *g, bool buckets, unsigned pred_bytes, uint32_t **idom,
                       uint32_t **order)
{
    ms__dominators_options o = {pred_bytes, buckets};
    ms__dom_run run;
    ms__rules rules;
    ms_error err = MS_ERROR_INIT;
    ms__rules_init(&rules);
    assert_int_equal(ms__dominators_begin(&run, g, &rules, NULL, &o, &err), MS_OK);
    assert_int_equal(ms__dominators_end(&run, idom, order, &err), MS_OK);
    assert_false(run.fell_back);
}

static int check_one(const tgraph *t, bool plant_bug, bool buckets, unsigned pred_bytes)
{
    ms__graph *g = build(t);
    uint32_t *idom = NULL, *order = NULL;
    uint64_t *retained = malloc(sizeof(uint64_t) * (size_t)t->n);
    int32_t *dist = malloc(sizeof(int32_t) * (size_t)t->n);
    int want[MAXN], bad = 0;
    ms__rules rules;
    ms_error err = MS_ERROR_INIT;
    ms__rules_init(&rules);
    dominators(g, buckets, pred_bytes, &idom, &order);
    if (plant_bug)
        idom[t->n - 1] = idom[t->n - 1] == (uint32_t)t->root ? (uint32_t)(t->n - 1) : (uint32_t)t->root;
    oracle_idom(t, want);
    for (int w = 0; w < t->n; w++)
        bad += (int)idom[w] != want[w];
    /* order: a permutation with every node after its dominator */
    {
        int pos[MAXN];
        bool seen[MAXN] = {false};
        for (int i = 0; i < t->n; i++) {
            assert_true(order[i] < (uint32_t)t->n && !seen[order[i]]);
            seen[order[i]] = true;
            pos[order[i]] = i;
        }
        assert_int_equal(order[0], t->root);
        for (int w = 0; w < t->n && !plant_bug; w++)
            if (w != t->root)
                assert_true(pos[want[w]] < pos[w]);
    }
    if (!plant_bug && !bad) {
        /* retained: self size summed over the oracle's dominator subtree */
        ms__retained_sizes(g, NULL, idom, order, retained);
        for (int d = 0; d < t->n; d++) {
            uint64_t sum = 0;
            for (int w = 0; w < t->n; w++) {
                int x = w;
                while (x != d && x != t->root)
                    x = want[x];
                if (x == d)
                    sum += t->size[w];
            }
            if (retained[d] != sum)
                bad++;
        }
        /* distances: plain BFS over retaining edges from the root */
        assert_int_equal(ms__distances(g, &rules, NULL, dist, &err), MS_OK);
        for (int w = 0; w < t->n; w++) {
            int d[MAXN], q[MAXN], head = 0, tail = 0;
            for (int k = 0; k < t->n; k++)
                d[k] = MS_DISTANCE_UNREACHABLE;
            d[t->root] = 0;
            q[tail++] = t->root;
            while (head < tail) {
                int v = q[head++];
                for (int e = 0; e < t->m; e++) {
                    if (t->from[e] == v && !t->weak[e] && d[t->to[e]] == MS_DISTANCE_UNREACHABLE) {
                        d[t->to[e]] = d[v] + 1;
                        q[tail++] = t->to[e];
                    }
                }
            }
            if (dist[w] != d[w])
                bad++;
        }
    }
    free(idom);
    free(order);
    free(retained);
    free(dist);
    ms__graph_free(g);
    return bad;
}

static void test_dominators__random_vs_brute_force(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 5000; seed++) {
        tgraph t;
        int bad;
        memset(&t, 0, sizeof t);
        random_graph(&t, seed);
        bad = check(&t, false);
        if (bad)
            print_error("seed %u: %d nodes differ from the brute-force oracle\n", seed, bad);
        assert_int_equal(bad, 0);
    }
}

/* The oracle must notice a single wrong entry. */
static void test_dominators__oracle_catches_a_planted_bug(void **state)
{
    (void)state;
    int caught = 0, tried = 0;
    for (unsigned seed = 1; seed <= 300; seed++) {
        tgraph t;
        memset(&t, 0, sizeof t);
        random_graph(&t, seed);
        if (t.n < 2 || t.n - 1 == t.root)
            continue;
        tried++;
        caught += check_one(&t, true, false, 0) > 0;
        caught += check_one(&t, true, true, 0) > 0;
        tried++;
    }
    assert_true(tried > 200);
    assert_int_equal(caught, tried);
}

/* Hand-drawn graphs. "a>b" is an edge, "a~b" a weak one; node 0 is the root. */
static void parse(tgraph *t, int n, const char *spec)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    for (const char *p = spec; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        t->from[t->m] = p[0] - 'a';
        t->weak[t->m] = p[1] == '~';
        t->to[t->m] = p[2] - 'a';
        t->m++;
        p += 3;
    }
    for (int i = 0; i < n; i++)
        t->size[i] = 1u << i;
}

static void expect_idoms(int n, const char *spec, const char *want)
{
    tgraph t;
    ms__graph *g;
    uint32_t *idom, *order;
    parse(&t, n, spec);
    g = build(&t);
    for (int buckets = 0; buckets < 2; buckets++) {
        dominators(g, buckets != 0, 0, &idom, &order);
        for (int w = 0; w < n; w++) {
            if ((int)idom[w] != want[w] - 'a')
                print_error("%s: idom(%c) = %c, want %c\n", spec, 'a' + w, 'a' + idom[w], want[w]);
            assert_int_equal(idom[w], (uint32_t)(want[w] - 'a'));
        }
        free(idom);
        free(order);
    }
    ms__graph_free(g);
}

static void test_dominators__hand_drawn(void **state)
{
    (void)state;
    /* idoms listed per node a, b, c, ... */
    expect_idoms(4, "a>b a>c b>d c>d", "aaaa");                /* diamond */
    expect_idoms(5, "a>b b>c c>d d>e", "aabcd");               /* chain */
    expect_idoms(4, "a>b b>c c>b c>d", "aabc");                /* loop */
    expect_idoms(3, "a>b b>b b>c", "aab");                     /* self loop */
    expect_idoms(4, "a>b a~c b>c c>d", "aabc");                /* weak edge ignored */
    expect_idoms(5, "a>b b>c a>d d>c c>e", "aaaac");           /* join */
    /* Lengauer & Tarjan's figure-like graph: dominance through a cycle */
    expect_idoms(6, "a>b b>c c>d d>b b>e e>f d>f", "aabcbb");
    /* c has only a weak retainer: it hangs from the root; d through it */
    expect_idoms(4, "a>b b~c c>d", "aaac");
    /* c and d only retain each other: both under the root */
    expect_idoms(4, "a>b c>d d>c", "aaaa");
}

/* A graph crafted to make semi-NCA's climbs quadratic: a chain of K nodes
 * from the root, M leaves under the chain's end, and an edge from the root
 * to every leaf after its edge into the chain.  The DFS puts every leaf
 * under the chain's end, each leaf's semidominator is the root, and each
 * climb from the chain's end to the root takes K steps: K * M in all,
 * past the budget (8 per node and cross edge), so the bucket version must
 * take over, and give the right answer: the chain dominates itself in
 * order, the root every leaf. */
static void test_dominators__fallback(void **state)
{
    enum { K = 1000, M = 1000 };
    ms__builder b;
    ms__graph *g = NULL;
    ms__rules rules;
    ms__dom_run run;
    uint32_t *idom = NULL, *order = NULL, name;
    ms_error err = MS_ERROR_INIT;
    (void)state;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "x", 1, &name, NULL, &err), MS_OK);
    for (uint32_t i = 0; i < 1 + K + M; i++)
        assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, name, i * 2 + 1, 8, 0, &err), MS_OK);
    /* node 0: the root; 1..K: the chain; K+1..K+M: the leaves */
    assert_int_equal(ms__builder_edge(&b, 0, 1, MS_ET_PROPERTY, name, &err), MS_OK);
    for (uint32_t j = 0; j < M; j++)
        assert_int_equal(ms__builder_edge(&b, 0, K + 1 + j, MS_ET_PROPERTY, name, &err), MS_OK);
    for (uint32_t i = 1; i < K; i++)
        assert_int_equal(ms__builder_edge(&b, i, i + 1, MS_ET_PROPERTY, name, &err), MS_OK);
    for (uint32_t j = 0; j < M; j++)
        assert_int_equal(ms__builder_edge(&b, K, K + 1 + j, MS_ET_PROPERTY, name, &err), MS_OK);
    ms__builder_set_root(&b, 0);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    ms__builder_discard(&b);
    ms__rules_init(&rules);
    assert_int_equal(ms__dominators_begin(&run, g, &rules, NULL, NULL, &err), MS_OK);
    assert_int_equal(ms__dominators_end(&run, &idom, &order, &err), MS_OK);
    assert_true(run.fell_back);
    for (uint32_t i = 1; i <= K; i++)
        assert_int_equal(idom[i], i - 1);
    for (uint32_t j = 0; j < M; j++)
        assert_int_equal(idom[K + 1 + j], 0);
    free(idom);
    free(order);
    ms__graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dominators__hand_drawn),
        cmocka_unit_test(test_dominators__fallback),
        cmocka_unit_test(test_dominators__random_vs_brute_force),
        cmocka_unit_test(test_dominators__oracle_catches_a_planted_bug),
    };
    return cmocka_run_group_tests_name("dominators/lengauer_tarjan", tests, NULL, NULL);
}
