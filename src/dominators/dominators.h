/*
 * dominators.h: immediate dominators and retained sizes.
 *
 * A node d dominates n when every path from the root to n passes through d:
 * free d and n goes too.  The immediate dominator is the closest such d; the
 * retained size of d is the shallow size summed over the nodes it dominates
 * (itself included): the memory freed if d were gone.
 */
#ifndef MS_DOMINATORS_H
#define MS_DOMINATORS_H

#include "../graph/v8rules.h"

/* Which edges retain: x != NULL applies DevTools' V8 rules
 * (ms__v8_essential); x == NULL (other graphs) keeps every edge that is not
 * weak and not a self edge. */
static inline bool ms__essential(const ms__graph *g, const ms__v8_edges *x, uint32_t from,
                                 uint64_t e)
{
    if (x)
        return ms__v8_essential(g, x, from, e);
    return ms__edge_type(g, e) != MS_ET_WEAK && ms__edge_to(g, e) != from;
}

/* Immediate dominators by Lengauer & Tarjan's algorithm, "simple" EVAL/LINK
 * with path compression: T. Lengauer, R. E. Tarjan, "A fast algorithm for
 * finding dominators in a flowgraph", ACM TOPLAS 1(1):121-141, 1979,
 * doi:10.1145/357062.357071.  Follows Chrome DevTools'
 * calculateDominatorsAndRetainedSizes step for step, including how it
 * attaches nodes the root does not reach (lengauer_tarjan.c), so results
 * equal DevTools' for every node.
 *
 * *idom gets u32[N+1]: each node's immediate dominator (node indices; the
 * root's is itself).  *order gets u32[N+1]: the nodes in DFS order (order[0]
 * is the root); a node's dominator always comes before it, so summing sizes
 * over order from the end gives retained sizes.  Both are owned by the caller
 * (free(), or give back to the pool).  Scratch comes from pool (may be NULL).
 * Iterative; scratch of about 36 bytes per node plus 3 per cross or back
 * edge (4 from 2^24 - 1 nodes on), freed before return.  Errors: MS_ENOMEM. */
int ms__dominators(const ms__graph *g, const ms__v8_edges *x, struct ms__pool *pool, uint32_t **idom,
                   uint32_t **order, ms_error *err);

/* A call made once, from inside ms__dominators_hooked, right before the
 * predecessor lists are allocated (the peak; until then the scratch is
 * about 20 bytes per node): a caller running other work next to the DFS
 * waits for it there, so that the peak is not raised by its scratch. */
typedef struct ms__dominators_hook {
    void (*fn)(void *arg);
    void *arg;
    bool called;
} ms__dominators_hook;

/* ms__dominators, calling hook (may be NULL) as it describes; the hook runs
 * once, also when the bucket version runs after semi-NCA's budget ran out. */
int ms__dominators_hooked(const ms__graph *g, const ms__v8_edges *x, struct ms__pool *pool,
                          ms__dominators_hook *hook, uint32_t **idom, uint32_t **order,
                          ms_error *err);

/* Tests: store predecessors in `bytes` (3 or 4) bytes whatever the node
 * count; 0 goes back to choosing by it.  Not thread-safe. */
void ms__dominators_force_pred_bytes(unsigned bytes);

/* The same with the paper's bucket step 3 only (no semi-NCA); for tests. */
int ms__dominators_buckets(const ms__graph *g, const ms__v8_edges *x, struct ms__pool *pool,
                           uint32_t **idom, uint32_t **order, ms_error *err);

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

#endif /* MS_DOMINATORS_H */
