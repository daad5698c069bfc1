/*
 * rules.h: what a graph's nodes and edges mean to the analyses, where that
 * depends on the format: which edges retain an object, which ones the
 * distance BFS follows and where it starts, the shallow sizes, how objects
 * are named and grouped into classes, which references a program writes.
 *
 * The analyses (src/graph and above) take an ms__rules and know no format.
 * A zeroed struct with ms__rules_init's defaults is every format's base
 * behaviour (HeapSnapshot.ts's HeapSnapshot); the V8 module (src/v8)
 * overrides it with Chrome DevTools' rules, as JSHeapSnapshot overrides
 * HeapSnapshot.  Hooks are NULL where the base behaviour applies, but for
 * the origins and locations the input recorded (ms__rules_init's hooks).
 *
 * The per-edge questions of the hot loops (dominators, BFS, paths) are
 * answered from data (type masks, bitsets) by the inline functions below;
 * hooks are called only for the few nodes that flag them, so an analysis
 * costs the same whatever the format.
 */
#ifndef MS_RULES_H
#define MS_RULES_H

#include "graph.h"

#include "../util/bitset.h"

struct ms__pool;     /* util/pool.h */

/* Where a node's code is, as the rules know it (ms__rules.location). */
typedef struct ms__source {
    uint32_t file;      /* string id of the script name or source file, UINT32_MAX unknown */
    uint32_t script_id; /* the format's script number (V8), 0 when none */
    uint32_t line;      /* 1-based; 0 unknown */
    uint32_t column;    /* 1-based; 0 unknown */
} ms__source;

/* Whose a node is (ms__rules.origin): MS__ORIGIN_* (graph.h). */
struct ms__classes;  /* snapshot/classtab.h */

typedef struct ms__rules ms__rules;

struct ms__rules {
    /* ---- Which edges retain (dominators, retained sizes). ----
     * Edge e from node `from` to `to` retains unless
     *  - its type is in never_types (a bit per edge type), or to == from;
     *  - from is not the root and its type is in root_only_types;
     *  - owned is set, `to` is owned and `from` is not (a bit per node);
     *  - check is set, `from` is in it (a bit per node) and check_edge says
     *    no.
     * owned and check belong to the rules' edge data (ready_edges). */
    uint32_t never_types;
    uint32_t root_only_types;
    const uint64_t *owned;
    const uint64_t *check;
    bool (*check_edge)(const ms__rules *r, const ms__graph *g, uint32_t from, uint64_t e);
    /* Whether the edge data (owned, check, pair) is computed: formats
     * whose rules need it set edges_needed, and the caller computes it
     * (the V8 module: ms__v8_edges_make) before the analyses that read
     * edges. */
    bool edges_needed, edges_ready;

    /* ---- Distances and retention paths. ----
     * The BFS follows edges whose type is not in never_types.  With
     * user_root, the root's children it accepts start at distance 1, what
     * only the others reach gets MS_DISTANCE_SYSTEM_BASE + hops, and the
     * root MS_DISTANCE_SYSTEM_BASE; without it the root is at 0. */
    bool (*user_root)(const ms__rules *r, const ms__graph *g, uint32_t n);
    /* Edges out of nodes named follow_names[0 .. follow_name_count) also
     * ask follow: 0 = never followed, 2 = followed (no other rule
     * applies), 1 = no rule of follow's applies. */
    uint32_t follow_names[2];
    unsigned follow_name_count;
    int (*follow)(const ms__rules *r, const ms__graph *g, uint32_t n, uint64_t e);
    /* Paired edges: pair[sid] (per string id; NULL when none) is the pair
     * number + 1 of internal edges named sid, 0 for other names.  Of the
     * two edges of a pair, the BFS skips the first one it meets. */
    const uint32_t *pair;
    uint32_t pair_count;

    /* ---- Cycles. ----
     * Whether the format tells the references a program writes (property,
     * element, context edges and data stores) from runtime plumbing. */
    bool program_refs;

    /* ---- Sizes and names (hooks; NULL: the base behaviour). ---- */
    /* Shallow sizes (bytes) into out[N]; NULL: the recorded self sizes. */
    int (*shallow_sizes)(const ms__rules *r, const ms__graph *g, struct ms__pool *pool,
                         uint64_t *out, ms_error *err);
    /* The class of every node (*out owned by the caller); defs (may be
     * NULL) are another snapshot's naming data (ms__classes.defs) to name
     * with instead of the graph's own.  NULL: classes by node name. */
    int (*classes)(const ms__rules *r, const ms__graph *g, const void *defs,
                   struct ms__pool *pool, struct ms__classes **out, ms_error *err);
    /* Whether the class of node n depends on its edges of the types in
     * class_edge_types (what a comparison base keeps of a graph).  NULL:
     * no class reads edges. */
    bool (*class_reads_edges)(const ms__rules *r, const ms__graph *g, uint32_t n);
    uint32_t class_edge_types;
    /* The name people are shown for n, appended to *out: 1 when written,
     * 0 to use the node name.  NULL: the node name. */
    int (*label)(const ms__rules *r, const ms__graph *g, uint32_t n, ms__sbuf *out,
                 ms_error *err);

    /* ---- Names people recognise (NULL: the format has none). ----
     * sources_make builds what location, origin and scope read, once,
     * before they are called (sources_ready after it; NULL: nothing to
     * build).  Errors: MS_ENOMEM. */
    int (*sources_make)(ms__rules *r, const ms__graph *g, ms_error *err);
    bool sources_ready;
    /* Where n's code is (a function's own position, an object's
     * constructor's, a scope's script): 1 when known (*out filled). */
    int (*location)(const ms__rules *r, const ms__graph *g, uint32_t n, ms__source *out);
    /* MS__ORIGIN_* of n. */
    int (*origin)(const ms__rules *r, const ms__graph *g, uint32_t n);
    /* MS__ORIGIN_* of a class, from its key and name (a comparison's rows
     * have no node); sources_ready for the script names. */
    int (*class_origin)(const ms__rules *r, const ms__graph *g, const char *key,
                        const char *name);
    /* The name of a closure scope ("module scope", "handle()"), appended
     * to *out: 1 when written, 0 when n is not a scope.  Errors: MS_ENOMEM. */
    int (*scope)(const ms__rules *r, const ms__graph *g, uint32_t n, ms__sbuf *out,
                 ms_error *err);
    /* Whether edge e, out of `table`, the backing store `holder` reaches
     * by its edge `via`, is an entry of a keyed collection: 1 a map entry
     * (its value; *key gets the key's node, UINT32_MAX when the key is no
     * object, e.g. a small integer), 2 a set member, 3 a map entry's key,
     * 0 none of these. */
    int (*entry)(const ms__rules *r, const ms__graph *g, uint32_t holder, uint64_t via,
                 uint32_t table, uint64_t e, uint32_t *key);

    void *impl; /* the format's own data, for its hooks */
};

/* The base rules' origins: what the importer recorded in the graph
 * (graph.h's node_origin and class_origins: Python heaps, Boehm captures),
 * so that every format whose input tells it gets origins through the same
 * hooks as V8's.  They borrow nothing and allocate nothing. */

/* origin: the node's recorded origin. */
static inline int ms__recorded_origin(const ms__rules *r, const ms__graph *g, uint32_t n)
{
    (void)r;
    ms__touch_some(g, n, MS__T_OTHER);
    return ms__graph_node_origin(g, n);
}

/* class_origin: the class name's recorded origin (the key is not read:
 * classes of the base rules are node names). */
static inline int ms__recorded_class_origin(const ms__rules *r, const ms__graph *g,
                                            const char *key, const char *name)
{
    (void)r;
    (void)key;
    return ms__graph_class_origin(g, name);
}

/* location: the node's recorded position, for the formats whose importer
 * locates objects (a Python class's file, a C allocation's file and line):
 * the position's script is the file's string id, its line 1-based (graph.h). */
static inline int ms__recorded_location(const ms__rules *r, const ms__graph *g, uint32_t n,
                                        ms__source *out)
{
    const ms__position *p = ms__graph_position(g, n);
    (void)r;
    if (!p)
        return 0;
    out->file = p->script_id;
    out->script_id = 0;
    out->line = p->line;
    out->column = p->column;
    return 1;
}

/* sources_make: nothing to build; origins can be told (sources_ready)
 * when the input recorded some.  Never fails. */
static inline int ms__recorded_sources(ms__rules *r, const ms__graph *g, ms_error *err)
{
    (void)err;
    r->sources_ready = ms__graph_has_origins(g);
    return MS_OK;
}

/* The base rules: weak edges never retain and are never followed; origins
 * and locations are what the input recorded (above; formats that tell
 * them otherwise, V8, override the four hooks). */
static inline void ms__rules_init(ms__rules *r)
{
    *r = (ms__rules){0};
    r->never_types = 1u << MS_ET_WEAK;
    r->sources_make = ms__recorded_sources;
    r->origin = ms__recorded_origin;
    r->class_origin = ms__recorded_class_origin;
    r->location = ms__recorded_location;
}

/* Whether edge e (from node `from`) retains its target: DevTools'
 * isEssentialEdge under the rules r. */
static inline bool ms__retains(const ms__graph *g, const ms__rules *r, uint32_t from, uint64_t e)
{
    unsigned t = ms__edge_type(g, e);
    uint32_t to = ms__edge_to(g, e);
    /* Cheapest tests first: the source's bits are in cache for the whole
     * edge list, the target's bit may not be. */
    if (r->check && ms__bit(r->check, from) && !r->check_edge(r, g, from, e))
        return false;
    if ((r->never_types >> t & 1) || from == to)
        return false;
    if (from != g->root) {
        if (r->root_only_types >> t & 1)
            return false;
        if (r->owned && !ms__bit(r->owned, from) && ms__bit(r->owned, to))
            return false;
    }
    return true;
}

/* Whether r tells origins now: the format has the hook and the sources it
 * reads are made (before, a node's script is unknown and every answer
 * would be a guess). */
static inline bool ms__rules_has_origins(const ms__rules *r)
{
    return r && r->origin && r->sources_ready;
}

/* r->origin of n, MS__ORIGIN_UNKNOWN when r tells none (above). */
static inline int ms__rules_origin(const ms__rules *r, const ms__graph *g, uint32_t n)
{
    return ms__rules_has_origins(r) ? r->origin(r, g, n) : MS__ORIGIN_UNKNOWN;
}

/* Whether edges out of n ask r->follow: n's name is one of
 * r->follow_names. */
static inline bool ms__rules_filters(const ms__graph *g, const ms__rules *r, uint32_t n)
{
    for (unsigned i = 0; i < r->follow_name_count; i++)
        if (g->node_name[n] == r->follow_names[i])
            return true;
    return false;
}

/* r->follow for edge e out of n, 1 when n's edges have no such rule. */
static inline int ms__rules_follow(const ms__graph *g, const ms__rules *r, uint32_t n, uint64_t e)
{
    return ms__rules_filters(g, r, n) ? r->follow(r, g, n, e) : 1;
}

#endif /* MS_RULES_H */
