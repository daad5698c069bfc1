/*
 * lengauer_tarjan.c: immediate dominators of the retention graph.
 *
 * T. Lengauer, R. E. Tarjan, "A fast algorithm for finding dominators in a
 * flowgraph", ACM TOPLAS 1(1):121-141, 1979.  doi:10.1145/357062.357071
 * "Simple" EVAL/LINK with path compression, O(E log N).
 *
 * Must agree with Chrome DevTools (HeapSnapshot.ts,
 * calculateDominatorsAndRetainedSizes) on every node, so it keeps DevTools'
 * choices where the paper leaves room:
 *   - vertices are numbered 1..N (0 = none), node n is vertex n + 1;
 *   - the DFS follows each node's edges in file order;
 *   - after the DFS from the root, each node (in node order) that is still
 *     unnumbered and has no retaining edge at all gets a DFS of its own, as a
 *     child of the root ("only weak retainers");
 *   - nodes still unnumbered (groups that only retain each other) are
 *     numbered in node order as children of the root, without a DFS;
 *   - a node with no retaining edge takes the root as its semidominator;
 *   - dom[0] is the root, so nodes whose bucket is never processed end up
 *     dominated by the root in the final step.
 * Checked against a brute-force oracle on random graphs
 * (tests/unit/test_dominators.c) and against DevTools node by node
 * (tests/integration/oracle-nodes.test.mjs).
 *
 * Step 3 (turning semidominators into immediate dominators) is done by
 * semi-NCA instead of the paper's buckets: L. Georgiadis, R. E. Tarjan,
 * R. F. Werneck, "Finding dominators in practice", J. Graph Algorithms Appl.
 * 10(1):69-94, 2006.  It needs no bucket arrays (8 bytes per node less at
 * the memory peak) and is faster on heap graphs.  The result is the same as
 * DevTools': the dominators of every vertex the DFS reaches are unique, and
 * the vertices numbered without a DFS get the root from both (their
 * semidominators lie among themselves, and DevTools never processes their
 * buckets).  Semi-NCA's climbs can be quadratic on crafted graphs, so they
 * run under a budget; past it the bucket version runs instead.
 *
 * Memory: predecessors are what the paper's step 2 needs, and most of them
 * need no storage: for an edge v -> w with DFS number v < w, EVAL(v) is v
 * itself when w is processed (v is processed later), so only the smallest
 * such v matters; it is kept in label[w], which is not read before w is
 * processed.  Only cross and back edges (v > w) go into a reverse index,
 * 3 bytes an entry while vertex numbers fit in 24 bits (4 beyond).
 * No recursion: the DFS keeps a next-edge cursor per vertex, COMPRESS an
 * explicit stack.
 */
#include "dominators.h"

#include "../util/bitset.h"
#include "../util/pool.h"
#include "../util/vec.h"

#include <string.h>

#define NONE UINT32_MAX

#define PREFETCH_AHEAD 8

/* Predecessor k in a list of rw-byte entries: 3 bytes while vertex numbers
 * fit (N < 2^24 - 1: 25 % less at the peak), else 4.  Little-endian bytes,
 * spelled out so the layout is the same on any host. */
static inline uint32_t rev_get(const uint8_t *r, unsigned rw, uint64_t k)
{
    const uint8_t *p = r + k * rw;
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return rw == 4 ? v | (uint32_t)p[3] << 24 : v;
}

static inline void rev_put(uint8_t *r, unsigned rw, uint64_t k, uint32_t v)
{
    uint8_t *p = r + k * rw;
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    if (rw == 4)
        p[3] = (uint8_t)(v >> 24);
}

/* Files essential edge e (from v, numbered sv) to the numbered w under w's
 * predecessors: the smallest smaller one in label, a count of larger ones. */
static inline void classify(ms__dom_run *t, uint32_t sv, uint64_t e, uint32_t w)
{
    ms__dom_vtx *W = &t->v[w];
    if (sv < W->semi) {
        if (sv < W->label)
            W->label = sv;
    } else {
        W->ancestor++;
        ms__bit_set(t->high, e);
        t->high_count++;
    }
}

static inline void number(ms__dom_run *t, uint32_t v)
{
    t->v[v].semi = ++t->n;
    t->vertex[t->n] = v;
}

/* Room for one more frame on the DFS path: out of line, so that dfs()
 * keeps its registers for its loop. */
__attribute__((noinline, cold)) static int grow_path(ms__dom_run *t, ms_error *err)
{
    return ms__grow(&t->path, &t->path_cap, t->path_cap + 1, 1024, sizeof *t->path,
                    "dominator DFS", err);
}

/* DevTools' dfs(): follows each vertex's essential edges in order,
 * descending into the first unnumbered target and resuming after it.
 * Iterative, with the path on an explicit stack.  Every essential edge out
 * of a vertex it numbers is classified once, when its target is numbered. */
static int dfs(ms__dom_run *t, uint32_t root, ms_error *err)
{
    const ms__graph *g = t->g;
    const uint64_t E = g->edge_count;
    uint64_t sp = 0;
    number(t, root);
    t->path[sp++] = (ms__dom_frame){root, g->first_edge[root - 1]};
    while (sp) {
        ms__dom_frame *f = &t->path[sp - 1];
        uint32_t v = f->v, e = f->edge, end = g->first_edge[v], sv = t->v[v].semi;
        bool descended = false;
        for (; e < end; e++) {
            uint32_t w;
            if (e + PREFETCH_AHEAD < E) {
                uint32_t ahead = ms__edge_to(g, e + PREFETCH_AHEAD);
                __builtin_prefetch(&t->v[ahead + 1]);
                __builtin_prefetch(&g->first_edge[ahead]);
            }
            if (!ms__retains(g, t->r, v - 1, e))
                continue;
            w = ms__edge_to(g, e) + 1;
            if (t->v[w].semi == 0) {
                t->v[w].parent = v;
                number(t, w);
                classify(t, sv, e, w); /* a tree edge: w is larger */
                f->edge = e + 1;
                if (sp == t->path_cap && grow_path(t, err) < 0)
                    return MS_ENOMEM;
                t->path[sp++] = (ms__dom_frame){w, g->first_edge[w - 1]};
                descended = true;
                break;
            }
            classify(t, sv, e, w);
        }
        if (!descended)
            sp--;
    }
    return MS_OK;
}

/* Room for one more entry on the COMPRESS stack: out of line, so that
 * compress() keeps its registers for its loops. */
__attribute__((noinline, cold)) static int grow_stack(ms__dom_run *t, ms_error *err)
{
    return ms__grow(&t->stack, &t->stack_cap, t->stack_cap + 1, 1024, 4, "dominator stack",
                    err);
}

/* COMPRESS(v) with an explicit stack (the path can be millions long). */
static int compress(ms__dom_run *t, uint32_t v, ms_error *err)
{
    ms__dom_vtx *V = t->v;
    uint64_t sp = 0;
    while (V[V[v].ancestor].ancestor != 0) {
        if (sp == t->stack_cap && grow_stack(t, err) < 0)
            return MS_ENOMEM;
        t->stack[sp++] = v;
        v = V[v].ancestor;
    }
    while (sp > 0) {
        uint32_t w = t->stack[--sp], a = V[w].ancestor;
        if (V[V[a].label].semi < V[V[w].label].semi)
            V[w].label = V[a].label;
        V[w].ancestor = V[a].ancestor;
    }
    return MS_OK;
}

/* semi(EVAL(v)) */
static inline int eval_semi(ms__dom_run *t, uint32_t v, uint32_t *semi, uint32_t *out_vertex,
                            ms_error *err)
{
    ms__dom_vtx *V = t->v;
    if (V[v].ancestor == 0) {
        *out_vertex = v;
        *semi = V[v].semi;
        return MS_OK;
    }
    if (V[V[v].ancestor].ancestor != 0 && compress(t, v, err) < 0)
        return MS_ENOMEM;
    *out_vertex = V[v].label;
    *semi = V[V[v].label].semi;
    return MS_OK;
}

/* Frees what a run holds (any stage). */
static void run_free(ms__dom_run *t)
{
    ms__pool *pool = t->pool;
    const uint32_t N = t->g ? t->g->node_count : 0;
    const uint64_t E = t->g ? t->g->edge_count : 0;
    ms__pool_release(pool, t->v, (uint64_t)N + 1, sizeof *t->v);
    ms__pool_release(pool, t->vertex, (uint64_t)N + 1, 4);
    ms__pool_release(pool, t->dom, (uint64_t)N + 1, 4);
    ms__pool_release(pool, t->head, (uint64_t)N + 1, 4);
    ms__pool_release(pool, t->next, (uint64_t)N + 1, 4);
    ms__pool_release(pool, t->high, ms__bitset_words(E) + 1, 8);
    free(t->stack);
    free(t->path);
    t->v = NULL;
    t->vertex = t->dom = t->head = t->next = t->stack = NULL;
    t->high = NULL;
    t->path = NULL;
    t->stack_cap = t->path_cap = 0;
}

/* Step 1, after the DFS from the root: a DFS from each node (in node
 * order) that is still unnumbered and has no retaining edge at all ("only
 * weak retainers").  Retaining edges into unnumbered nodes can only come
 * from unnumbered nodes. */
static int number_weakly_held(ms__dom_run *t, ms_error *err)
{
    const ms__graph *g = t->g;
    const uint32_t N = g->node_count, r = g->root + 1;
    ms__dom_vtx *V = t->v;
    uint64_t *retained_by = NULL;
    int rc = MS_OK;
    MS_TRY(ms__bitset_alloc(&retained_by, (uint64_t)N + 1, "dominators", err));
    for (uint32_t v = 1; v <= N; v++) {
        if (V[v].semi != 0)
            continue;
        for (uint64_t e = g->first_edge[v - 1]; e < g->first_edge[v]; e++)
            if (ms__retains(g, t->r, v - 1, e))
                ms__bit_set(retained_by, ms__edge_to(g, e) + 1);
    }
    for (uint32_t v = 1; v <= N; v++) {
        if (V[v].semi == 0 && !ms__bit(retained_by, v)) {
            V[v].parent = r;
            MS_TRY(dfs(t, v, err));
        }
    }
done:
    free(retained_by);
    return rc;
}

/* Step 1, last: the nodes still unnumbered (groups that only retain each
 * other) as bare children of the root, without a DFS; their edges are
 * classified once all are numbered. */
static void number_bare(ms__dom_run *t)
{
    const ms__graph *g = t->g;
    const uint32_t N = g->node_count, r = g->root + 1;
    ms__dom_vtx *V = t->v;
    uint32_t first_bare = t->n + 1;
    for (uint32_t v = 1; v <= N; v++) {
        if (V[v].semi == 0) {
            V[v].parent = r;
            number(t, v);
        }
    }
    for (uint32_t i = first_bare; i <= N; i++) {
        uint32_t v = t->vertex[i];
        for (uint64_t e = g->first_edge[v - 1]; e < g->first_edge[v]; e++)
            if (ms__retains(g, t->r, v - 1, e))
                classify(t, i, e, ms__edge_to(g, e) + 1);
    }
}

/* The cross and back predecessors as one array, the lists laid out in
 * decreasing DFS order so that step 2 reads it front to back.  Until a
 * vertex is processed its semi field is only its DFS number, which step 2
 * knows anyway: it holds the vertex's fill cursor, then its list's end.
 * The root's list is never read: its predecessors are not stored. */
static void lay_out_predecessors(ms__dom_run *t)
{
    ms__dom_vtx *V = t->v;
    uint64_t at = 0;
    for (uint32_t i = t->n; i >= 2; i--) {
        ms__dom_vtx *W = &V[t->vertex[i]];
        uint32_t count;
        /* vertex[] is read in order, the records it names are not */
        if (i > PREFETCH_AHEAD + 1)
            __builtin_prefetch(&V[t->vertex[i - PREFETCH_AHEAD]], 1);
        count = W->ancestor;
        W->ancestor = 0;
        W->semi = (uint32_t)at;
        at += count;
    }
    V[t->g->root + 1].ancestor = 0;
}

/* Step 1: DFS numbering from the root, then from each node without a
 * retaining edge, then the rest without a DFS; every retaining edge is
 * classified (tree and forward ones into label; cross and back ones counted
 * and marked in high), and the cross and back predecessors' lists are laid
 * out. */
static int number_vertices(ms__dom_run *t, ms_error *err)
{
    const ms__graph *g = t->g;
    const uint32_t N = g->node_count;
    const uint64_t E = g->edge_count;
    int rc = MS_OK;

    t->path_cap = 1024;
    MS_TRY(ms__alloc_array(&t->path, t->path_cap, sizeof *t->path, "dominator DFS", err));
    MS_TRY(ms__pool_alloc(t->pool, &t->high, ms__bitset_words(E) + 1, 8, true, "dominators", err));
    MS_TRY(ms__pool_alloc(t->pool, &t->v, (uint64_t)N + 1, sizeof *t->v, true, "dominators", err));
    MS_TRY(ms__pool_alloc(t->pool, &t->vertex, (uint64_t)N + 1, 4, false, "dominators", err));
    for (uint32_t v = 1; v <= N; v++)
        t->v[v].label = NONE;
    MS_TRY(dfs(t, g->root + 1, err));
    if (t->n < N)
        MS_TRY(number_weakly_held(t, err));
    if (t->n < N)
        number_bare(t);
    free(t->path);
    t->path = NULL;
    t->path_cap = 0;
    lay_out_predecessors(t);
done:
    return rc;
}

/* The predecessor lists (the peak of the computation: high_count entries
 * of rw bytes next to the vertex records), filled in one pass over the
 * edges; the edge marks go.  *out is owned by the caller (pool). */
static int fill_predecessors(ms__dom_run *t, uint8_t **out, ms_error *err)
{
    const ms__graph *g = t->g;
    const uint32_t N = g->node_count, r = g->root + 1;
    const uint64_t E = g->edge_count;
    const unsigned rw = t->rw;
    ms__dom_vtx *V = t->v;
    uint8_t *rev_from = NULL;
    if (ms__pool_alloc(t->pool, &rev_from, t->high_count * rw + 1, 1, false, "predecessors", err) < 0)
        return MS_ENOMEM;
    for (uint32_t n = 0; n < N; n++) {
        uint64_t end = g->first_edge[n + 1];
        for (uint64_t e = g->first_edge[n]; e < end; e++) {
            /* Two-stage prefetch: the target's cursor far ahead, the slot
             * it points to nearer (both are random accesses). */
            if (e + 2 * PREFETCH_AHEAD < E)
                __builtin_prefetch(&V[ms__edge_to(g, e + 2 * PREFETCH_AHEAD) + 1]);
            if (e + PREFETCH_AHEAD < E && ms__bit(t->high, e + PREFETCH_AHEAD))
                __builtin_prefetch(
                    &rev_from[(uint64_t)V[ms__edge_to(g, e + PREFETCH_AHEAD) + 1].semi * rw], 1);
            if (ms__bit(t->high, e)) {
                uint32_t w = ms__edge_to(g, e) + 1;
                if (w != r)
                    rev_put(rev_from, rw, V[w].semi++, n + 1);
            }
        }
    }
    ms__pool_release(t->pool, t->high, ms__bitset_words(E) + 1, 8);
    t->high = NULL;
    *out = rev_from;
    return MS_OK;
}

/* Step 2: semidominators, in decreasing DFS order; with buckets, step 3
 * (implicit immediate dominators) as in the paper and DevTools. */
static int semidominators(ms__dom_run *t, const uint8_t *rev_from, ms_error *err)
{
    const uint32_t N = t->g->node_count, r = t->g->root + 1;
    const unsigned rw = t->rw;
    const bool buckets = t->opts.buckets;
    ms__dom_vtx *V = t->v;
    uint32_t k1 = 0;
    int rc = MS_OK;
    if (buckets) {
        MS_TRY(ms__pool_alloc(t->pool, &t->head, (uint64_t)N + 1, 4, true, "dominators", err));
        MS_TRY(ms__pool_alloc(t->pool, &t->dom, (uint64_t)N + 1, 4, true, "dominators", err));
        MS_TRY(ms__pool_alloc(t->pool, &t->next, (uint64_t)N + 1, 4, false, "dominators", err));
    }
    for (uint32_t i = t->n; i >= 2; i--) {
        uint32_t w, low, s = i, p;
        uint32_t k0 = k1;
        bool orphan;
        if (i > PREFETCH_AHEAD + 1)
            __builtin_prefetch(&V[t->vertex[i - PREFETCH_AHEAD]], 1);
        w = t->vertex[i];
        low = V[w].label;
        k1 = V[w].semi; /* the end of w's predecessor list */
        V[w].semi = i;
        orphan = low == NONE && k0 == k1;
        if (low != NONE && low < s)
            s = low;
        for (uint32_t k = k0; k < k1; k++) {
            uint32_t u, su;
            if (k + PREFETCH_AHEAD < k1)
                __builtin_prefetch(&V[rev_get(rev_from, rw, k + PREFETCH_AHEAD)]);
            MS_TRY(eval_semi(t, rev_get(rev_from, rw, k), &su, &u, err));
            if (su < s)
                s = su;
        }
        if (orphan)
            s = V[r].semi; /* no retainer: the root is its only predecessor */
        V[w].semi = s;
        V[w].label = w;
        p = V[w].parent;
        V[w].ancestor = p; /* LINK(parent(w), w) */
        if (!buckets)
            continue;
        t->next[w] = t->head[t->vertex[s]]; /* add w to bucket(vertex(semi(w))) */
        t->head[t->vertex[s]] = w;
        for (uint32_t v = t->head[p]; v != 0; v = t->next[v]) {
            uint32_t u, su;
            MS_TRY(eval_semi(t, v, &su, &u, err));
            t->dom[v] = su < V[v].semi ? u : p;
        }
        t->head[p] = 0;
    }
done:
    return rc;
}

/* Step 4 of the paper: explicit immediate dominators.  dom[0] = root so
 * that nodes whose bucket was never processed fall to the root, as in
 * DevTools. */
static void explicit_dominators(ms__dom_run *t)
{
    const uint32_t r = t->g->root + 1;
    t->dom[0] = t->dom[r] = r;
    for (uint32_t i = 2; i <= t->n; i++) {
        uint32_t w = t->vertex[i];
        if (t->dom[w] != t->vertex[t->v[w].semi])
            t->dom[w] = t->dom[t->dom[w]];
    }
}

/* Semi-NCA: in increasing DFS order, the immediate dominator of w is the
 * nearest common ancestor of its DFS parent and its semidominator in the
 * dominator tree built so far: climb from the parent while the vertex lies
 * below the semidominator.  DFS numbers go in the ancestor field,
 * immediate dominators in label.  Linear in practice; a budget stops
 * crafted inputs that would make the climbs quadratic: *finished false then
 * (the bucket version must run instead). */
static int semi_nca(ms__dom_run *t, bool *finished, ms_error *err)
{
    const uint32_t N = t->g->node_count, r = t->g->root + 1;
    ms__dom_vtx *V = t->v;
    uint64_t steps = 0, budget = 8 * ((uint64_t)N + t->high_count) + 4096;
    *finished = false;
    for (uint32_t i = 1; i <= t->n; i++) {
        if (i + PREFETCH_AHEAD <= t->n)
            __builtin_prefetch(&V[t->vertex[i + PREFETCH_AHEAD]], 1);
        V[t->vertex[i]].ancestor = i;
    }
    V[r].label = r;
    for (uint32_t i = 2; i <= t->n; i++) {
        uint32_t w, sw, xv;
        /* two stages: the vertex's record, then its parent's */
        if (i + 2 * PREFETCH_AHEAD <= t->n)
            __builtin_prefetch(&V[t->vertex[i + 2 * PREFETCH_AHEAD]]);
        if (i + PREFETCH_AHEAD <= t->n)
            __builtin_prefetch(&V[V[t->vertex[i + PREFETCH_AHEAD]].parent]);
        w = t->vertex[i];
        sw = V[w].semi;
        xv = V[w].parent;
        while (V[xv].ancestor > sw) {
            xv = V[xv].label;
            if (++steps > budget)
                return MS_OK;
        }
        V[w].label = xv;
    }
    if (ms__pool_alloc(t->pool, &t->dom, (uint64_t)N + 1, 4, false, "dominators", err) < 0)
        return MS_ENOMEM;
    for (uint32_t v = 1; v <= N; v++)
        t->dom[v] = V[v].label;
    *finished = true;
    return MS_OK;
}

int ms__dominators_begin(ms__dom_run *t, const ms__graph *g, const ms__rules *r, ms__pool *pool,
                         const ms__dominators_options *o, ms_error *err)
{
    const uint32_t N = g->node_count;
    int rc;
    memset(t, 0, sizeof *t);
    t->g = g;
    t->r = r;
    t->pool = pool;
    if (o)
        t->opts = *o;
    t->rw = t->opts.pred_bytes              ? t->opts.pred_bytes
            : (uint64_t)N + 1 < (1u << 24) ? 3
                                            : 4; /* bytes per predecessor */
    if ((rc = number_vertices(t, err)) < 0)
        run_free(t);
    return rc;
}

void ms__dominators_abort(ms__dom_run *t)
{
    run_free(t);
}

int ms__dominators_end(ms__dom_run *t, uint32_t **idom_out, uint32_t **order_out, ms_error *err)
{
    const ms__graph *g = t->g;
    const uint32_t N = g->node_count;
    uint8_t *rev_from = NULL;
    bool finished = true;
    int rc = MS_OK;

    *idom_out = *order_out = NULL;
    MS_TRY(fill_predecessors(t, &rev_from, err));
    MS_TRY(semidominators(t, rev_from, err));
    ms__pool_release(t->pool, rev_from, t->high_count * t->rw + 1, 1);
    rev_from = NULL;
    if (t->opts.buckets)
        explicit_dominators(t);
    else
        MS_TRY(semi_nca(t, &finished, err));
    if (!finished) {
        /* Semi-NCA's budget ran out: the bucket version, from the start. */
        ms__dominators_options o = t->opts;
        ms__pool *pool = t->pool;
        const ms__rules *r = t->r;
        run_free(t);
        o.buckets = true;
        MS_TRY(ms__dominators_begin(t, g, r, pool, &o, err));
        t->fell_back = true;
        return ms__dominators_end(t, idom_out, order_out, err);
    }
    /* The results reuse dom[] and vertex[]: shift to node indices in place. */
    for (uint32_t n = 0; n < N; n++)
        t->dom[n] = t->dom[n + 1] - 1;
    for (uint32_t i = 0; i < N; i++)
        t->vertex[i] = t->vertex[i + 1] - 1;
    *idom_out = t->dom;
    *order_out = t->vertex;
    t->dom = t->vertex = NULL;
done:
    ms__pool_release(t->pool, rev_from, t->high_count * t->rw + 1, 1);
    run_free(t);
    return rc;
}

int ms__dominators(const ms__graph *g, const ms__rules *r, ms__pool *pool,
                   const ms__dominators_options *o, uint32_t **idom, uint32_t **order,
                   ms_error *err)
{
    ms__dom_run run;
    int rc = ms__dominators_begin(&run, g, r, pool, o, err);
    if (rc == MS_OK)
        rc = ms__dominators_end(&run, idom, order, err);
    return rc;
}
