/*
 * builder.h: the only way importers make a graph.
 *
 * An importer adds strings, nodes and edges, then calls ms__builder_finish(),
 * which checks every invariant of graph.h and hands over the immutable graph.
 * Importers never touch the graph arrays themselves, so the invariants live
 * in one place (here), which is also what the fuzzers exercise.
 *
 * Two ways to add edges, chosen at init:
 *  - MS__BUILD_SEQUENTIAL: each node declares its out-degree when added, and
 *    edges are then appended in node order (V8 writes them that way).  The
 *    source of each edge is implicit; no sorting, no extra memory.
 *  - MS__BUILD_ANY_ORDER: edges name their source and may come in any order;
 *    finish() groups them by source with a stable counting sort (keeps the
 *    insertion order within a node).  Costs 4 bytes per edge until finish.
 *
 * Arrays grow geometrically; ms__builder_reserve() avoids regrowth when the
 * importer knows (bounded) counts up front.
 */
#ifndef MS_BUILDER_H
#define MS_BUILDER_H

#include "graph.h"

#include "../util/map.h"

typedef enum { MS__BUILD_SEQUENTIAL = 0, MS__BUILD_ANY_ORDER = 1 } ms__build_mode;

typedef struct ms__builder {
    ms__graph *g;
    ms__build_mode mode;
    uint64_t node_cap;
    uint64_t edge_cap;
    uint64_t edges_declared; /* SEQUENTIAL: sum of declared degrees */
    uint32_t *edge_from;     /* ANY_ORDER only */
    uint32_t location_cap, position_cap;
    uint32_t class_origin_cap;
    ms__map64 positions;     /* source position -> index (intern_position) */
} ms__builder;

/* Columns of a batch of nodes for ms__builder_nodes. */
typedef struct ms__node_batch {
    const uint8_t *type;
    const uint32_t *name;
    const uint64_t *id;
    const uint64_t *self_size;
    const uint64_t *degree; /* SEQUENTIAL mode only; may be NULL otherwise */
} ms__node_batch;

/* Starts an empty graph, owned by the builder until ms__builder_finish,
 * with the builtin node and edge types registered.  Errors: MS_ENOMEM. */
int ms__builder_init(ms__builder *b, ms__build_mode mode, ms_error *err);
/* Frees everything not yet handed over. Safe after finish and on a zeroed builder. */
void ms__builder_discard(ms__builder *b);

/* Room for `nodes` nodes and `edges` edges (each capped at the graph's
 * limit): a hint that saves regrowth, not a limit.  Errors: MS_ENOMEM. */
int ms__builder_reserve(ms__builder *b, uint64_t nodes, uint64_t edges, ms_error *err);

/* Interns len bytes at s; *id gets its id, *added (may be NULL) whether it
 * is new (strtab.h).  Errors: MS_ENOMEM, MS_ELIMIT (2^32 - 2 strings). */
int ms__builder_string(ms__builder *b, const char *s, size_t len, uint32_t *id, bool *added,
                       ms_error *err);
/* Interns the text printf would write (cut at 1023 bytes); *id gets its
 * id.  Errors: as ms__builder_string. */
int ms__builder_stringf(ms__builder *b, uint32_t *id, ms_error *err, const char *fmt, ...)
    MS_PRINTF(4, 5);
/* Strings interned so far. */
static inline uint32_t ms__builder_string_count(const ms__builder *b)
{
    return b->g->strings.count;
}

/* Registers a node or edge type by name and returns its code in *code; a name
 * equal to a builtin type's returns the builtin code.  Errors: MS_ELIMIT
 * (more than 255 node types or 16 edge types), MS_ENOMEM. */
int ms__builder_node_type(ms__builder *b, const char *name, unsigned *code, ms_error *err);
int ms__builder_edge_type(ms__builder *b, const char *name, unsigned *code, ms_error *err);

/* Adds a node; its index is the number of nodes added before it.  `degree`
 * is its out-degree in SEQUENTIAL mode and ignored otherwise.  `name` is a
 * string id that may be added later (checked at finish).
 * Errors: MS_ELIMIT (more than MS_NODE_LIMIT nodes or MS_EDGE_LIMIT declared
 * edges, or self sizes adding up past 2^64 - 1 bytes), MS_ENOMEM. */
int ms__builder_node(ms__builder *b, unsigned type, uint32_t name, uint64_t id,
                     uint64_t self_size, uint64_t degree, ms_error *err);
/* Adds n nodes at once (the fast path for large imports); same rules. */
int ms__builder_nodes(ms__builder *b, size_t n, const ms__node_batch *batch, ms_error *err);
/* Nodes added so far. */
static inline uint32_t ms__builder_node_count(const ms__builder *b)
{
    return b->g->node_count;
}

/* SEQUENTIAL: appends n edges to the next free slots (in node order). Targets
 * must be < the node count of the final graph (checked at finish).
 * Errors: MS_EFORMAT (more edges than the nodes declared, or a target beyond
 * MS_NODE_LIMIT), MS_ENOMEM. */
int ms__builder_append_edges(ms__builder *b, const uint32_t *to, const uint8_t *type,
                             const uint32_t *name, size_t n, ms_error *err);

/* ANY_ORDER: adds one edge from -> to (from is checked against the node
 * count at finish).  Errors: MS_ENOMEM, MS_ELIMIT (more than MS_EDGE_LIMIT
 * edges), MS_EFORMAT (a target beyond MS_NODE_LIMIT or a type beyond the
 * limit). */
int ms__builder_edge(ms__builder *b, uint32_t from, uint32_t to, unsigned type, uint32_t name,
                     ms_error *err);

/* The root node (default: node 0; checked against the node count at
 * finish). */
void ms__builder_set_root(ms__builder *b, uint32_t root);

/* The process the heap was taken from (graph.h; default: not known). */
void ms__builder_set_process(ms__builder *b, const ms__process *p);

/* Records V8's DOM detachedness (0 unknown, 1 attached, 2 detached) of node
 * n (< node count); the array is created on the first non-zero state.
 * Errors: MS_ENOMEM. */
int ms__builder_detachedness(ms__builder *b, uint32_t n, unsigned state, ms_error *err);

/* Records node n's (< node count) allocation site as string id `site`
 * (a source position "file.py:12", a function, a stack: what the input
 * knows).  The array is created on the first call; nodes without a site
 * read MS_SITE_NONE.  Errors: MS_ENOMEM. */
int ms__builder_site(ms__builder *b, uint32_t n, uint32_t site, ms_error *err);

/* Records whose node n (< node count) is, MS__ORIGIN_* (graph.h):
 * what the input tells of it.  The array is created on the first call
 * (nodes not told are unknown); more nodes may be added afterwards.
 * Errors: MS_ENOMEM. */
int ms__builder_origin(ms__builder *b, uint32_t n, unsigned origin, ms_error *err);

/* Records whose the class named by string id `name` is (MS__ORIGIN_*;
 * the classes of non-V8 graphs are node names).  A name told twice with
 * two origins is unknown; finish() sorts them by text.  Errors: MS_ENOMEM,
 * MS_ELIMIT (2^32 - 1 names). */
int ms__builder_class_origin(ms__builder *b, uint32_t name, unsigned origin, ms_error *err);

/* Attaches a source location to node n (any order; finish() sorts them, and
 * a later location for the same node replaces the earlier, as in DevTools'
 * buildLocationMap); equal positions are stored once.  Errors: MS_ENOMEM,
 * MS_ELIMIT (more than 2^32 - 1 locations or positions). */
int ms__builder_location(ms__builder *b, uint32_t n, uint32_t script_id, uint32_t line,
                         uint32_t column, ms_error *err);

/* Rewrites string ids through map[0..count): node names, class origins'
 * names and the names of string-named edges whose id is < count.  For importers whose input string
 * numbering differs from the interned ids (duplicate strings). */
void ms__builder_remap_strings(ms__builder *b, const uint32_t *map, uint32_t count);

/* Groups ANY_ORDER edges by source, sorts the locations and the class
 * origins, checks the
 * invariants (ms__graph_check) and hands the graph to *out, owned by the
 * caller (ms__graph_free); unused capacity stays allocated (never touched,
 * it costs no memory).  The builder is empty afterwards.  Errors:
 * MS_EFORMAT (invariant broken: a bug in the importer or input it failed
 * to reject), MS_ENOMEM. */
int ms__builder_finish(ms__builder *b, ms__graph **out, ms_error *err);

#endif /* MS_BUILDER_H */
