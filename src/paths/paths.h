/*
 * paths.h: why objects are alive: the shortest retention paths as a tree
 * (retention.c), the retainers of a node (retainers.c), the answer to
 * "why is n alive" (why.c), objects grouped by the shape of their paths
 * (groups.c), and reference cycles (cycles.c).  Everything reads a heap
 * view (graph/heap.h) whose analyses the caller computed first, as each
 * function says.
 */
#ifndef MS_PATHS_H
#define MS_PATHS_H

#include "../graph/heap.h"

struct ms__pool;

/* ---- retention.c ------------------------------------------------------- */

/* DevTools' order of two retainers of one node at the same distance
 * (its Retainers view: HeapSnapshot.ts, ComparatorConfig('!edgeDistance',
 * true, 'name', true)): retainer (v, e) before (u, f) when v's name
 * (JSHeapSnapshotNode.name(): the rules' label, else the node name) is
 * smaller as bytes (UTF-8 order: UTF-16's but for characters past U+FFFF
 * against U+E000..U+FFFF), then when e is the later edge.  <0, 0 (the same
 * edge), >0.  bufs: two zeroed scratch buffers, reused across calls (the
 * caller frees them). */
int ms__retainer_cmp(const ms__graph *g, const ms__rules *r, uint32_t v, uint64_t e, uint32_t u,
                     uint64_t f, ms__sbuf bufs[2]);

/* The shortest-path tree: parent[n] gets the edge by which the chosen
 * shortest retention path reaches n (UINT32_MAX for the root and for nodes
 * no strong path reaches).  Paths follow the distances in dist[] (each hop
 * +1; the first hop from the root to a user root lands at 1) over the
 * edges the distance BFS follows under the rules r, and among equally
 * short paths take the one DevTools' Retainers view shows first: each
 * node's parent edge is its first retainer one hop nearer the root in
 * ms__retainer_cmp's order.  Scratch from pool (may be NULL).
 * Errors: MS_ENOMEM. */
int ms__path_tree(const ms__graph *g, const ms__rules *r, const int32_t *dist,
                  struct ms__pool *pool, uint32_t *parent, ms_error *err);

/* The parent edge ms__path_tree would give each of nodes[count] (out[i],
 * UINT64_MAX for the root, unreached nodes and indices out of range),
 * from the distances alone: one pass over the edges (those out of nodes at
 * a wanted distance), N/8 bytes and a few per node asked, for a few nodes
 * when the whole tree is not wanted.  With `named`, retainers holding the
 * node by a property, element or variable come before the others (then
 * ms__retainer_cmp).  Errors: MS_ENOMEM. */
int ms__parent_edges(const ms__graph *g, const ms__rules *r, const int32_t *dist,
                     const uint32_t *nodes, size_t count, bool named, uint64_t *out,
                     ms_error *err);

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

/* The retention path root -> n along h->parent_edge, one hop per node,
 * into out (at most cap hops, root first); returns its length (0 when no
 * strong path reaches n; 1 for the root).  src: an edge-source index, or
 * NULL (binary searches). */
size_t ms__retention_path(const ms__heap *h, const ms__edge_sources *src, uint32_t n, ms_hop *out,
                          size_t cap);

/* ---- retainers.c ------------------------------------------------------- */

/* The reverse CSR: the edges into n are (*edge)[(*first)[n] .. (*first)[n+1]),
 * in edge order.  Both arrays owned by the caller.  Errors: MS_ENOMEM. */
int ms__retainer_index(const ms__graph *g, uint32_t **first, uint32_t **edge, ms_error *err);

/* The edges into n, of every type, in edge order: *out (owned by the
 * caller, free()) gets *count edge indices.  With h's retainer index
 * O(degree); without it a scan of every edge (two threads past 16 M
 * edges).  Errors: MS_ENOMEM. */
int ms__retainers(const ms__heap *h, uint32_t n, uint64_t **out, size_t *count, ms_error *err);

/* ---- why.c --------------------------------------------------------------- */

/* Why n is alive (ms_why): status, retention path, dominator chain, and
 * up to k further paths through other retainers.  Reads h's distances,
 * paths, immediate dominators (and its retainer index if there is one).
 * *out owned by the caller (ms_why_free).  Errors: MS_ENOMEM. */
int ms__why(const ms__heap *h, uint32_t n, size_t k, ms_why **out, ms_error *err);

/* The same answer from what is known of n's retainers (a native file
 * stores it): nret edges into n, nweak of them weak, and the other
 * retainers' edges ms__why would take (other[nother], in its order, one
 * per retaining node).  Reads h's paths, distances and dominators only
 * for n, its chain and those retainers, touching them first (graph.h).
 * Errors: MS_ENOMEM. */
int ms__why_known(const ms__heap *h, uint32_t n, size_t nret, size_t nweak,
                  const uint64_t *other, size_t nother, ms_why **out, ms_error *err);

/* The other retainers' edges ms__why takes for n, at most k, from n's
 * retainers ret[nret] (edges into n): into out[k], *count of them.
 * Errors: MS_ENOMEM. */
int ms__why_candidates(const ms__heap *h, uint32_t n, const uint64_t *ret, size_t nret, size_t k,
                       uint64_t *out, size_t *count, ms_error *err);

/* The order in which ms__why lists other retainers: the retainer a_from by
 * edge a_edge before (< 0) or after (> 0) b_from by b_edge (DevTools'
 * Retainers view: nearer first, then ms__retainer_cmp).  bufs: two
 * scratch buffers, kept between calls. */
int ms__why_order(const ms__heap *h, uint32_t a_from, uint64_t a_edge, uint32_t b_from,
                  uint64_t b_edge, ms__sbuf bufs[2]);

/* ---- groups.c: objects grouped by the shape of their paths --------------- */

/* Whether edge e (out of `from`) is named by an index or a key, so that
 * signatures make its name alike ("[]"): indexed edge types (element,
 * hidden), numeric names ("1419": V8 names a Map table's and an elements
 * store's slots so), and any edge out of a collection (an object of more
 * than 2048 out-edges: a dictionary-mode JS object, a Python dict used as
 * a cache, whose property names are keys, data rather than structure). */
bool ms__edge_alike(const ms__graph *g, uint32_t from, uint64_t e);

/* A path's signature (ms_path_signature), with h's classes (or node names
 * when h has none). */
size_t ms__path_signature(const ms__heap *h, const ms_path *path, char *buf, size_t cap);

/* How members are grouped (ms__group_begin):
 *   MS__GROUP_SET: one set (why --class): by signature and class; a
 *     group's retained size counts the members no other member dominates;
 *   MS__GROUP_CLASS: as SET, but a member is left out of a group's
 *     retained size only when a member of its own class dominates it;
 *   MS__GROUP_CAUSE (compare, leaks): by the first member on each
 *     member's retention path, its entry: the members that entered through
 *     one kind of reference (the entry's signature and class) are one
 *     group whatever their own class, so one root cause is one group;
 *     retained sizes as SET, and per class as CLASS. */
typedef enum ms__group_by { MS__GROUP_SET, MS__GROUP_CLASS, MS__GROUP_CAUSE } ms__group_by;

/* Grouping members (a bitset over the nodes), in two phases so that the
 * caller can compute what the second needs after the first has used what
 * it needs (ms__group_members in src/api plans that):
 *   ms__group_begin: which members another member dominates.  Reads h's
 *     dominator tree, retained sizes and (CLASS, CAUSE) classes.
 *   ms__group_end: the groups, largest retained first, each with its
 *     example's retention path.  Reads h's paths, classes, shallow and
 *     retained sizes.  group_of (u32[N], may be NULL) gets each member's
 *     group.  *out owned by the caller (ms_path_groups_free).
 *   ms__group_abort: frees what begin made, when end is not called.
 * Errors: MS_ENOMEM (the grouping is freed). */
typedef struct ms__grouping {
    const uint64_t *member;
    uint64_t instances;
    ms__group_by by;
    uint64_t *top;          /* bit per node: no member of its class (CLASS, CAUSE) or no
                               member at all (SET) dominates it */
    uint64_t *top_any;      /* CAUSE: no member at all dominates it; else NULL (top) */
    uint64_t retained_total;
} ms__grouping;

int ms__group_begin(const ms__heap *h, const uint64_t *member, uint64_t instances,
                    ms__group_by by, ms__grouping *gr, ms_error *err);
int ms__group_end(const ms__heap *h, ms__grouping *gr, uint32_t *group_of, ms_path_groups **out,
                  ms_error *err);
/* Bytes retained by the grouped members of class c (of the classes the
 * grouping read), members dominated by another of c not counted twice:
 * DevTools' class retained size over the members; 0 for SET groupings. */
uint64_t ms__path_groups_class_retained(const ms_path_groups *w, uint32_t c);
void ms__group_abort(ms__grouping *gr);

/* ---- cycles.c ------------------------------------------------------------- */

/* Whether edge e (out of `from`) takes part in cycles over `edges`:
 * never a weak edge; with MS_CYCLE_EDGES_STRONG on a format whose edges
 * tell the program's references from the runtime's plumbing
 * (program_refs: ms__rules.program_refs), only property, element and
 * context edges and internal edges into or out of arrays. */
bool ms__cycle_edge(const ms__graph *g, bool program_refs, ms_cycle_edges edges, uint32_t from,
                    uint64_t e);

/* The reference cycles (ms_cycles_compute).  Reads h's shallow sizes,
 * distances, immediate dominators and retained sizes.  Scratch from pool
 * (may be NULL).  *out owned by the caller (ms_cycles_free).
 * Errors: MS_ENOMEM. */
int ms__cycles(const ms__heap *h, ms_cycle_edges edges, struct ms__pool *pool, ms_cycles **out,
               ms_error *err);

/* ---- cycle_groups.c ------------------------------------------------------ */

/* The reference cycles grouped by shape (ms_cycle_groups_compute).
 * class_wanted (bool per class of h's classes; NULL: all) lists only the
 * groups with a member of a wanted class.  Reads h's shallow sizes,
 * distances, immediate dominators, retained sizes, dominator tree,
 * classes, paths (parent_edge; NULL: no holder is asked about) and the
 * rules' origins.  Scratch from pool (may be NULL).  *out owned by the
 * caller (ms_cycle_groups_free).  Errors: MS_ENOMEM, MS_ELIMIT (2^32 - 2
 * shapes, or a form of 2^32 distinct lines). */
int ms__cycle_groups(const ms__heap *h, ms_cycle_edges edges, const bool *class_wanted,
                     struct ms__pool *pool, ms_cycle_groups **out, ms_error *err);

#endif /* MS_PATHS_H */
