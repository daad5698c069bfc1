/*
 * dominators.h: immediate dominators, the dominator tree, retained sizes.
 *
 * A node d dominates n when every path from the root to n passes through d:
 * free d and n goes too.  The immediate dominator is the closest such d; the
 * retained size of d is the shallow size summed over the nodes it dominates
 * (itself included): the memory freed if d were gone.  Which edges are
 * paths is the format's rules' question (ms__retains, snapshot/rules.h).
 */
#ifndef MS_DOMINATORS_H
#define MS_DOMINATORS_H

#include "../snapshot/rules.h"

struct ms__pool;

typedef struct ms__dominators_options {
    unsigned pred_bytes; /* bytes per stored predecessor, 3 or 4; 0: 3 while node
                            numbers fit 24 bits, else 4 */
    bool buckets;        /* the paper's bucket step 3 instead of semi-NCA */
} ms__dominators_options;

/* Per-vertex fields the inner loops read together, in one cache line
 * (the arrays are far larger than the caches: one miss instead of four).
 * Until step 2, `ancestor` counts the vertex's cross and back predecessors
 * and `label` holds its smallest tree or forward predecessor. */
typedef struct ms__dom_vtx {
    uint32_t semi, label, ancestor, parent;
} ms__dom_vtx;

typedef struct ms__dom_frame {
    uint32_t v;    /* vertex */
    uint32_t edge; /* next edge to look at */
} ms__dom_frame;

/* A computation between its two phases (fields private to
 * lengauer_tarjan.c, but for fell_back). */
typedef struct ms__dom_run {
    const ms__graph *g;
    const ms__rules *r;
    struct ms__pool *pool;
    ms__dominators_options opts;
    unsigned rw;              /* bytes per predecessor */
    ms__dom_vtx *v;           /* [N+1], vertex 0 unused */
    uint32_t *vertex;         /* [N+1] DFS number -> vertex */
    uint32_t *dom;            /* [N+1] */
    uint32_t *head, *next;    /* buckets */
    uint32_t *stack;          /* COMPRESS path, grown on demand */
    uint64_t stack_cap;
    ms__dom_frame *path;      /* DFS path, grown on demand */
    uint64_t path_cap;
    uint64_t *high;           /* bit per edge: retaining, from a larger DFS number */
    uint64_t high_count;
    uint32_t n;               /* vertices numbered so far */
    bool fell_back;           /* semi-NCA's budget ran out: the bucket version ran */
} ms__dom_run;

/* Immediate dominators by Lengauer & Tarjan's algorithm, "simple" EVAL/LINK
 * with path compression: T. Lengauer, R. E. Tarjan, "A fast algorithm for
 * finding dominators in a flowgraph", ACM TOPLAS 1(1):121-141, 1979,
 * doi:10.1145/357062.357071; step 3 by semi-NCA (Georgiadis, Tarjan,
 * Werneck, "Finding dominators in practice", JGAA 10(1), 2006) unless
 * o->buckets.  Follows Chrome DevTools' calculateDominatorsAndRetainedSizes
 * step for step, including how it attaches nodes the root does not reach
 * (lengauer_tarjan.c), so results equal DevTools' for every node.
 *
 * Two phases, so that a caller can run other work next to the first (a
 * DFS: about 20 bytes per node) and finish it before the second's peak
 * (the predecessor lists: 3 bytes, from 2^24 - 1 nodes 4, per cross or
 * back edge, next to the vertex records):
 *   ms__dominators_begin: step 1, the DFS numbering (run is the caller's,
 *     filled here; o may be NULL).  On failure nothing is left to free.
 *   ms__dominators_end: steps 2 to 4.  *idom gets u32[N+1]: each node's
 *     immediate dominator (node indices; the root's is itself); *order gets
 *     u32[N+1]: the nodes in DFS order (order[0] is the root), a node's
 *     dominator always before it.  Both owned by the caller (free(), or
 *     back to the pool).  When semi-NCA's climbs exceed their budget
 *     (crafted graphs), the bucket version runs from the start instead and
 *     run->fell_back is set.  The run is freed either way.
 *   ms__dominators_abort: frees a run begun and not ended.
 * Scratch from pool (may be NULL).  Errors: MS_ENOMEM. */
int ms__dominators_begin(ms__dom_run *run, const ms__graph *g, const ms__rules *r,
                         struct ms__pool *pool, const ms__dominators_options *o, ms_error *err);
int ms__dominators_end(ms__dom_run *run, uint32_t **idom, uint32_t **order, ms_error *err);
void ms__dominators_abort(ms__dom_run *run);

/* Both phases at once: the same outputs, ownership and errors. */
int ms__dominators(const ms__graph *g, const ms__rules *r, struct ms__pool *pool,
                   const ms__dominators_options *o, uint32_t **idom, uint32_t **order,
                   ms_error *err);

/* retained[n] = shallow size summed over n's dominator subtree (bytes), from
 * shallow[N] (bytes; NULL = the graph's self sizes), idom and order as
 * ms__dominators gives them. */
void ms__retained_sizes(const ms__graph *g, const uint64_t *shallow, const uint32_t *idom,
                        const uint32_t *order, uint64_t *retained);

/* The dominator tree as CSR: the children of n are child[first[n] ..
 * first[n+1]), in node order.  first[N+1] and child[N] are allocated here and
 * owned by the caller.  Errors: MS_ENOMEM. */
int ms__dominator_children(const ms__graph *g, const uint32_t *idom, uint32_t **first,
                           uint32_t **child, ms_error *err);

/* The k nodes with the largest retained[] (bytes), largest first (ties:
 * node order), into out[k]; synthetic nodes left out unless
 * include_synthetic.  Returns how many were written.  A heap of k: O(N log k). */
size_t ms__top_retained(const ms__graph *g, const uint64_t *retained, size_t k,
                        bool include_synthetic, uint32_t *out);

/* Which members no other member dominates, in one walk down the dominator
 * tree (dom_first/dom_child, ms__dominator_children) keeping, per key, the
 * members on the current path (explicit stack, no recursion):
 *   top (bitset, N bits, the caller's, zeroed) gets the members no other
 *     member of the same key dominates; key[n] (may be NULL: one key for
 *     all) is each node's key, below nkeys;
 *   top_any (may be NULL) gets those no other member at all dominates, and
 *     *retained_any (may be NULL) their retained[] summed (bytes): what the
 *     members retain together, each byte once.
 * DevTools' calculateClassesRetainedSize is this walk with classes as keys.
 * member: bitset of N bits.  Errors: MS_ENOMEM. */
int ms__dominated_tops(const ms__graph *g, const uint32_t *dom_first, const uint32_t *dom_child,
                       const uint64_t *retained, const uint64_t *member, const uint32_t *key,
                       uint32_t nkeys, uint64_t *top, uint64_t *top_any, uint64_t *retained_any,
                       ms_error *err);

#endif /* MS_DOMINATORS_H */
