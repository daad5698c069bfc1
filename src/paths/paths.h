/*
 * paths.h: shortest retention paths (retention.c) and their uses (why.c).
 */
#ifndef MS_PATHS_H
#define MS_PATHS_H

#include "../graph/v8rules.h"

struct ms__pool;

/* How much an edge type costs on a path, among equally short paths: the
 * edges a person can act on (a property, an array element, a closure
 * variable) before engine plumbing (internal, hidden, shortcut). */
unsigned ms__edge_rank(unsigned type);

/* The shortest-path tree: parent[n] gets the edge by which the chosen
 * shortest retention path reaches n (UINT32_MAX for the root and for nodes
 * no strong path reaches).  Paths follow the distances in dist[] (each hop
 * +1; V8: the first hop from the root to a user root lands at 1) over the
 * edges the distance BFS follows, and among equally short paths take the one
 * with the smallest sum of ms__edge_rank, then the first found.
 * x: the V8 rules, or NULL.  Scratch from pool.  Errors: MS_ENOMEM. */
int ms__path_tree(const ms__graph *g, const ms__v8_edges *x, const int32_t *dist,
                  struct ms__pool *pool, uint32_t *parent, ms_error *err);

/* The reverse CSR: the edges into n are (*edge)[(*first)[n] .. (*first)[n+1]),
 * in edge order.  Both arrays owned by the caller.  Errors: MS_ENOMEM. */
int ms__retainer_index(const ms__graph *g, uint32_t **first, uint32_t **edge, ms_error *err);

/* The last node in [lo, hi] whose first edge is <= e (one must be): the
 * node edge e comes from, when the answer lies in that range. */
static inline uint32_t ms__edge_source_in(const ms__graph *g, uint32_t lo, uint32_t hi, uint64_t e)
{
    const uint32_t *first = g->first_edge;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (first[mid] <= e)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The node edge e comes from (binary search over first_edge). */
uint32_t ms__edge_source(const ms__graph *g, uint64_t e);

/* The same for many edges: the source of every 64th edge narrows each
 * search to a few neighbouring entries of first_edge (one cache line
 * instead of ~20 misses on a heap of millions of nodes).  4 bytes per 64
 * edges, owned by the struct (ms__edge_sources_free).  Errors: MS_ENOMEM. */
typedef struct ms__edge_sources {
    const ms__graph *g;
    uint32_t *block; /* [E/64 + 2]: source of edge 64k (the last node when past E) */
} ms__edge_sources;

int ms__edge_sources_init(const ms__graph *g, ms__edge_sources *s, ms_error *err);
void ms__edge_sources_free(ms__edge_sources *s);

static inline uint32_t ms__edge_sources_get(const ms__edge_sources *s, uint64_t e)
{
    return ms__edge_source_in(s->g, s->block[e >> 6], s->block[(e >> 6) + 1], e);
}

/* Groups the members (a bitset over snap's nodes, `instances` of them) by
 * path signature, as ms_why_nodes_compute (per_class: a group's retained
 * size counts members no other member of the same class dominates;
 * otherwise no other member at all).  group_of (u32[N], may be NULL) gets
 * each member's group index.  Computes the analyses it needs one stage at
 * a time (retained sizes; the dominator tree; classes; paths) so that the
 * dominators' scratch is the peak; with `lean` the dominator tree and the
 * immediate dominators are freed once used (12 bytes per node; a later
 * request computes them again, so only for a last grouping), and with two
 * threads the distances run next to the dominators' DFS and the classes
 * next to the retained sizes (MS__ANALYSIS_LEAN).
 * Errors: MS_ENOMEM. */
int ms__group_members(ms_snapshot *snap, const uint64_t *member, uint64_t instances,
                      bool per_class, bool lean, uint32_t *group_of, ms_why_class **out,
                      ms_error *err);

#endif /* MS_PATHS_H */
