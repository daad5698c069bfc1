/*
 * v8rules.h: Chrome DevTools' interpretation of V8 heap graphs.
 *
 * DevTools does more than read a .heapsnapshot: it renames detached DOM
 * nodes, moves sizes between nodes and names classes by its own rules.
 * memsnap reproduces each rule so its numbers equal DevTools'; every rule
 * cites the DevTools function it follows (front_end/entrypoints/
 * heap_snapshot_worker/HeapSnapshot.ts).  Other importers do not use these.
 */
#ifndef MS_V8RULES_H
#define MS_V8RULES_H

#include "../snapshot/graph.h"

struct ms__pool; /* util/pool.h: scratch reuse, may be NULL */

/* DevTools' user roots among the root's children: non-synthetic nodes and
 * the synthetic "(Document DOM trees)" (JSHeapSnapshot.isUserRoot). */
bool ms__v8_is_user_root(const ms__graph *g, uint32_t n);

/* Shallow sizes as DevTools shows them (calculateShallowSizes): out[N] gets
 * bytes per node.  Errors: MS_ENOMEM.  See shallow.c. */
int ms__v8_shallow_sizes(const ms__graph *g, struct ms__pool *pool, uint64_t *out, ms_error *err);

/* DevTools' DOM state propagation (propagateDOMState): attached state flows
 * from native nodes with a known state to the native nodes they reach, then
 * detached state to those not attached; detached nodes are renamed
 * "Detached <name>".  Updates g->detachedness and g->node_name in place (and
 * adds strings).  No-op when the input had no detachedness.
 * Errors: MS_ENOMEM.  See domstate.c. */
int ms__v8_propagate_dom_state(ms__graph *g, ms_error *err);

/* Whether `s` is a WeakMap ephemeron edge name (tryParseWeakMapEdgeName):
 *   "<n> / part of key (K @k) -> value (V @v) pair in WeakMap (table @t)"
 * *part_off gets where the part after "<n>" starts (the two edges of one
 * pair share it), *table_id the table's id t (*table_ok false when t does not
 * fit 64 bits). */
bool ms__v8_weakmap_edge_name(const char *s, size_t len, size_t *part_off, uint64_t *table_id,
                              bool *table_ok);

/* What DevTools needs to decide which V8 edges retain (v8edges.c). */
typedef struct ms__v8_edges {
    uint32_t *part;    /* per string id: ephemeron part id + 1, 0 = not an ephemeron name;
                          NULL when the snapshot has none */
    /* The ephemeron names' string ids (ascending) and their WeakMap tables'
     * node ids: a list, as a snapshot has few such names (2 of 288 K
     * strings in the bench pair's AFTER) and it is read only for edges out
     * of tables. */
    uint32_t *eph_sid;
    uint64_t *eph_table;
    uint32_t eph_count, eph_cap;
    ms__strtab parts;  /* the distinct parts, for pairing the two edges of a value */
    uint64_t *page;    /* bit per node: page-owned (markPageOwnedNodes) */
    uint64_t *tables;  /* bit per node: its id is some ephemeron name's table id
                          (so rule 1 needs the edge's name only out of these);
                          NULL when part is */
    bool table_ok_all;
} ms__v8_edges;

/* Computes the ephemeron names and page-owned flags. Errors: MS_ENOMEM. */
int ms__v8_edges_init(const ms__graph *g, ms__v8_edges *x, ms_error *err);
void ms__v8_edges_free(ms__v8_edges *x);

static inline bool ms__v8_page_owned(const ms__v8_edges *x, uint32_t n)
{
    return x->page[n >> 6] >> (n & 63) & 1;
}

/* The table id in ephemeron name sid (x->part[sid] != 0). */
static inline uint64_t ms__v8_ephemeron_table(const ms__v8_edges *x, uint32_t sid)
{
    uint32_t lo = 0, hi = x->eph_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (x->eph_sid[mid] < sid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return x->eph_table[lo];
}

/* DevTools' computeIsEssentialEdge: whether edge e (from node `from`)
 * retains its target for dominators and retained sizes. */
static inline bool ms__v8_essential(const ms__graph *g, const ms__v8_edges *x, uint32_t from,
                                    uint64_t e)
{
    unsigned t = ms__edge_type(g, e);
    uint32_t to = ms__edge_to(g, e);
    /* Cheapest tests first: the source's bits are in cache for the whole
     * edge list, the edge's name and the target's bit may not be. */
    if (t == MS_ET_INTERNAL && x->tables && (x->tables[from >> 6] >> (from & 63) & 1) &&
        x->part[g->edge_name[e]] &&
        ms__v8_ephemeron_table(x, g->edge_name[e]) == ms__node_id(g, from))
        return false;
    if (t == MS_ET_WEAK || from == to)
        return false;
    if (from != g->root) {
        if (t == MS_ET_SHORTCUT)
            return false;
        if (!ms__v8_page_owned(x, from) && ms__v8_page_owned(x, to))
            return false;
    }
    return true;
}

/* Sentinel distance of nodes the BFS does not reach (DevTools' noDistance). */
#define MS_DISTANCE_NONE (-5)
/* Distance given to the root when user roots exist (baseSystemDistance). */
#define MS_DISTANCE_SYSTEM 100000000

/* BFS distances (distances.c).  With x (V8 graphs): DevTools' rules
 * (calculateDistances with JSHeapSnapshot's filter): out[N] gets hops from
 * the user roots (which are at 1), or MS_DISTANCE_SYSTEM + hops for what only
 * system roots reach.  With x NULL (other graphs): hops from the root (0)
 * over non-weak edges.  Unreached nodes get MS_DISTANCE_NONE.
 * Errors: MS_ENOMEM. */
struct ms__pool;
int ms__distances(const ms__graph *g, const ms__v8_edges *x, struct ms__pool *pool, int32_t *out,
                  ms_error *err);

/* The string ids the distance BFS's static rules look for. */
typedef struct ms__bfs_names {
    uint32_t sloppy_sid, native_context_sid, descriptors_sid;
} ms__bfs_names;

void ms__bfs_names_init(const ms__graph *g, ms__bfs_names *names);

/* The static part of DevTools' distance filter for edge e out of node n:
 * 0 = never followed (a NativeContext's sloppy_function_map, a descriptor
 * link), 2 = followed (a kept descriptor slot: no other rule applies),
 * 1 = no static rule applies (the WeakMap pairing rule may still). */
int ms__v8_static_follow(const ms__graph *g, const ms__bfs_names *names, uint32_t n, uint64_t e);

#endif /* MS_V8RULES_H */
