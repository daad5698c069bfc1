/*
 * graph.h: the compact object graph every importer builds and every analysis
 * reads.  Structure of arrays, 32-bit node indices, CSR out-edges.
 *
 *   out-edges of node i are edges first_edge[i] .. first_edge[i+1]-1
 *
 *   node_type    u8 [N]    MS_NT_* (index into node_type_names)
 *   node_name    u32[N]    string id
 *   node_id_lo   u32[N]    object id, low 32 bits
 *   node_id_hi   u32[N]    high 32 bits; NULL while every id < 2^32 (V8)
 *   self_lo      u32[N]    self size in bytes, low 32 bits
 *   self_hi      u32[N]    high 32 bits; NULL while every size < 2^32
 *   first_edge   u32[N+1]  first_edge[N] = E
 *   detachedness u8 [N]    V8 DOM state 0/1/2; NULL when the input has none
 *   node_site    u32[N]    allocation site (string id, MS_SITE_NONE = unknown);
 *                          NULL when the input records no sites
 *   node_origin  u8 [N]    whose the object is, as the input tells it
 *                          (MS__ORIGIN_*); NULL when it tells none
 *
 *   edge_word    u32[E]    target node index (low 28 bits) | edge type << 28
 *   edge_name    u32[E]    string id, or the index for element/hidden edges
 *
 *   locations    {node, position}[L], sorted by node; positions {script,
 *                line, column}[P] are interned (few constructors, many objects)
 *
 *   class_origins {name, origin}[C], sorted by the names' text: whose the
 *                classes (node names) are, as the input tells it
 *
 * Bytes per node: 1 + 4 + 4 + 4 + 4 = 17 (+4 +4 +1 +4 +1 when the optional
 * arrays exist).  Bytes per edge: 4 + 4 = 8.  Per location: 8.  Per class
 * origin: 8.  Strings: strtab.h.
 * docs/graph.md quotes these numbers; update both together.
 *
 * The edge type rides in the target word because 9 bytes per edge would be
 * 12% more memory for the largest array; read edges only through
 * ms__edge_to() and ms__edge_type().
 *
 * Limits (the builder fails cleanly beyond them): N < 2^28 = 268,435,456
 * nodes (a V8 snapshot of about 30 GB); E < 2^32 edges; 16 edge types and
 * 255 node types.
 */
#ifndef MS_GRAPH_H
#define MS_GRAPH_H

#include "strtab.h"

/* Node types.  The first 16 are V8's, in V8's order; an importer may
 * register more by name (ms__builder_node_type). */
enum {
    MS_NT_HIDDEN = 0,
    MS_NT_ARRAY,
    MS_NT_STRING,
    MS_NT_OBJECT,
    MS_NT_CODE,
    MS_NT_CLOSURE,
    MS_NT_REGEXP,
    MS_NT_NUMBER,
    MS_NT_NATIVE,
    MS_NT_SYNTHETIC,
    MS_NT_CONS_STRING,
    MS_NT_SLICED_STRING,
    MS_NT_SYMBOL,
    MS_NT_BIGINT,
    MS_NT_OBJECT_SHAPE,
    MS_NT_WASM_OBJECT,
    MS_NT_BUILTIN_COUNT
};

/* Edge types: V8's seven, in V8's order, then DevTools' "invisible". */
enum {
    MS_ET_CONTEXT = 0,
    MS_ET_ELEMENT,
    MS_ET_PROPERTY,
    MS_ET_INTERNAL,
    MS_ET_HIDDEN,
    MS_ET_SHORTCUT,
    MS_ET_WEAK,
    MS_ET_INVISIBLE,
    MS_ET_BUILTIN_COUNT
};

#define MS_TYPE_LIMIT 255
#define MS_EDGE_TYPE_LIMIT 16
#define MS_NODE_LIMIT ((1u << 28) - 1u)   /* node indices fit the 28-bit target field */
#define MS_EDGE_LIMIT UINT32_MAX
#define MS_EDGE_TO_MASK ((1u << 28) - 1u)
#define MS_SITE_NONE UINT32_MAX

/* Edge types whose name field is a number, not a string id (V8's rule). */
static inline bool ms__edge_type_is_indexed(unsigned type)
{
    return type == MS_ET_ELEMENT || type == MS_ET_HIDDEN;
}

/* A source position (V8 "locations": where an object's constructor is).
 * Other formats' importers locate objects the base rules' way (rules.h:
 * ms__recorded_location): script_id is the string id of the source file,
 * line 1-based (0 unknown), column 0 (unknown). */
typedef struct ms__position {
    uint32_t script_id;
    uint32_t line;   /* 0-based, as V8 writes them (base rules: 1-based) */
    uint32_t column; /* 0-based */
} ms__position;

typedef struct ms__location {
    uint32_t node;
    uint32_t position; /* index into positions */
} ms__location;

/* Whose an object or a class is: the program's, the runtime's (engine,
 * interpreter, standard library, shared libraries, module loader), or it
 * cannot tell (plain data).  The rules answer it (rules.h: ms__rules.origin);
 * where the input says (node_origin, class_origins: a Python heap's
 * recorder, a Boehm capture's importer), the base rules answer what it
 * says.  V8 snapshots say nothing of it: their rules tell it from the
 * graph (src/v8/sources.c). */
enum { MS__ORIGIN_UNKNOWN = 0, MS__ORIGIN_USER = 1, MS__ORIGIN_RUNTIME = 2 };

/* One class name whose origin the input tells. */
typedef struct ms__class_origin {
    uint32_t name;   /* string id of the class name (a node name) */
    uint32_t origin; /* MS__ORIGIN_* */
} ms__class_origin;

/* The process a heap was taken from, where the format records it (Boehm
 * captures): the comparisons match objects by id only within one process,
 * and these fields, not the ids, say which (src/compare).  Strings are
 * kept as 64-bit FNV-1a hashes (ms__fnv1a), so that the graph's string
 * table holds only what its nodes and edges name.  known false: the format
 * does not say (V8, .mlyze), and the ids' overlap decides.  48 bytes,
 * once per graph. */
typedef struct ms__process {
    bool known;
    uint64_t pid;
    uint64_t program;     /* hash of the executable's path */
    uint64_t build_id;    /* hash of its NT_GNU_BUILD_ID; 0: not recorded */
    uint64_t start_ticks; /* clock ticks after boot when it started; 0: not recorded */
    uint64_t boot;        /* hash of the kernel's boot id (with start_ticks) */
} ms__process;

/* 64-bit FNV-1a of len bytes at p (never 0 for a non-empty input in
 * practice; 0 stands for "not recorded"). */
static inline uint64_t ms__fnv1a(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

/* A graph read on demand (a native file, src/import/msnap.c): its arrays
 * are reserved whole and filled a chunk at a time, when code that may run
 * before the graph is whole touches what it is about to read
 * (ms__touch_*).  Reading an untouched part faults (the reservation is not
 * readable), so a missing touch shows in tests instead of reading zeros.
 * The analyses never run on such a graph: src/api makes it whole first
 * (ms__snapshot_whole).  Each callback loads what it names; a part that
 * fails its checks is recorded in the file's error (src/api's
 * ms_snapshot_status) and reads as zeros. */
/* Which node arrays a touch of one node reads (ms__touch_some). */
enum {
    MS__T_TYPE = 1,
    MS__T_NAME = 2,
    MS__T_ID = 4,     /* node_id_lo, node_id_hi */
    MS__T_SELF = 8,   /* self_lo, self_hi */
    MS__T_EDGES = 16, /* first_edge[n], first_edge[n + 1] */
    MS__T_OTHER = 32, /* detachedness, node_site */
    MS__T_ALL = 63
};

typedef struct ms__lazy {
    /* node n in the node arrays `which` names (MS__T_*) */
    void (*node)(struct ms__lazy *l, uint32_t n, unsigned which);
    void (*edges)(struct ms__lazy *l, uint32_t n);  /* node n and its out-edges */
    void (*edge)(struct ms__lazy *l, uint64_t e);   /* edge e */
    void (*offsets)(struct ms__lazy *l);            /* every node's edge offsets */
    /* elements [first, first + count) of the array reserved at base (an
     * analysis kept beside the graph: distances, dominators, ...); arrays
     * not read on demand are left alone */
    void (*array)(struct ms__lazy *l, const void *base, uint64_t first, uint64_t count);
    /* MS__T_* of the node arrays read whole already: their touches are
     * skipped inline (a scan of every node costs a test per node). */
    unsigned complete;
} ms__lazy;

typedef struct ms__graph {
    uint32_t node_count;
    uint64_t edge_count;
    uint32_t root;

    uint8_t *node_type;
    uint32_t *node_name;
    uint32_t *node_id_lo;
    uint32_t *node_id_hi;
    uint32_t *self_lo;
    uint32_t *self_hi;
    uint32_t *first_edge;
    uint8_t *detachedness;
    uint32_t *node_site;
    uint8_t *node_origin;

    uint32_t *edge_word;
    uint32_t *edge_name;

    ms__strtab strings;

    /* Sorted by node, at most one per node. */
    ms__location *locations;
    uint32_t location_count;
    ms__position *positions;
    uint32_t position_count;

    /* Sorted by the names' text (strcmp), one per name. */
    ms__class_origin *class_origins;
    uint32_t class_origin_count;

    /* Names of node and edge types: static strings for the builtin ones,
     * owned copies for the ones an importer registered. */
    const char *node_type_names[MS_TYPE_LIMIT];
    const char *edge_type_names[MS_TYPE_LIMIT];
    unsigned node_type_count, edge_type_count;

    uint64_t total_self_size;

    /* What an event trace (.mlyze) recorded over time: timeline, sites,
     * markers (trace.h).  NULL for inputs that are not traces. */
    struct ms__trace *trace;

    ms__process process;

    /* Whether DevTools' DOM state pass ran (it renames detached nodes, so
     * it runs once; a native file records it). */
    bool dom_state_done;

    /* The native file (.msnap) the graph was read from, kept open for what
     * is stored beside the graph (src/api/native.c reads it); closed with
     * the graph by native_free.  NULL for other inputs. */
    void *native;
    void (*native_free)(void *native);
    /* Non-NULL while the graph is read on demand (ms__lazy above). */
    ms__lazy *lazy;
} ms__graph;

/* Touches: what code that may run on a graph read on demand calls before
 * reading (no-ops on a graph in memory).  Node n's entries in every node
 * array; n and its out-edges (edge_word, edge_name); edge e; every node's
 * edge offsets (binary searches over first_edge). */
static inline void ms__touch(const ms__graph *g, uint32_t n)
{
    if (MS_UNLIKELY(g->lazy != NULL))
        g->lazy->node(g->lazy, n, MS__T_ALL);
}

/* Node n in the arrays `which` names (MS__T_*): for getters of one field
 * that scans call for every node. */
static inline void ms__touch_some(const ms__graph *g, uint32_t n, unsigned which)
{
    if (MS_UNLIKELY(g->lazy != NULL) && (which & ~g->lazy->complete))
        g->lazy->node(g->lazy, n, which & ~g->lazy->complete);
}

static inline void ms__touch_edges(const ms__graph *g, uint32_t n)
{
    if (MS_UNLIKELY(g->lazy != NULL))
        g->lazy->edges(g->lazy, n);
}

static inline void ms__touch_edge(const ms__graph *g, uint64_t e)
{
    if (MS_UNLIKELY(g->lazy != NULL))
        g->lazy->edge(g->lazy, e);
}

static inline void ms__touch_offsets(const ms__graph *g)
{
    if (MS_UNLIKELY(g->lazy != NULL))
        g->lazy->offsets(g->lazy);
}

/* Element i of an analysis array beside g (base: the array's pointer). */
static inline void ms__touch_at(const ms__graph *g, const void *base, uint64_t i)
{
    if (MS_UNLIKELY(g->lazy != NULL) && base)
        g->lazy->array(g->lazy, base, i, 1);
}

/* The target node of edge e (< edge_count). */
static inline uint32_t ms__edge_to(const ms__graph *g, uint64_t e)
{
    return g->edge_word[e] & MS_EDGE_TO_MASK;
}

/* The type code of edge e (MS_ET_*, or one an importer registered). */
static inline unsigned ms__edge_type(const ms__graph *g, uint64_t e)
{
    return g->edge_word[e] >> 28;
}

/* The id (V8's, an address, ...) and the self size in bytes of node n,
 * 64 bits from the low and optional high halves. */
static inline uint64_t ms__node_id(const ms__graph *g, uint32_t n)
{
    return g->node_id_lo[n] | (g->node_id_hi ? (uint64_t)g->node_id_hi[n] << 32 : 0);
}

static inline uint64_t ms__node_self(const ms__graph *g, uint32_t n)
{
    return g->self_lo[n] | (g->self_hi ? (uint64_t)g->self_hi[n] << 32 : 0);
}

/* The name of node n, NUL-terminated, borrowed from the string table;
 * *len (may be NULL) gets its length in bytes. */
static inline const char *ms__node_name(const ms__graph *g, uint32_t n, size_t *len)
{
    return ms__strtab_get(&g->strings, g->node_name[n], len);
}

/* The source position of node n (borrowed from g), or NULL when it has
 * none; a binary search of the locations. */
const ms__position *ms__graph_position(const ms__graph *g, uint32_t n);

/* Whether the input told whose the objects or classes are (node_origin,
 * class_origins). */
static inline bool ms__graph_has_origins(const ms__graph *g)
{
    return g->node_origin || g->class_origin_count;
}

/* MS__ORIGIN_* of node n as the input told it; unknown when it did
 * not. */
static inline int ms__graph_node_origin(const ms__graph *g, uint32_t n)
{
    return g->node_origin ? g->node_origin[n] : MS__ORIGIN_UNKNOWN;
}

/* MS__ORIGIN_* of the class named `name` (NUL-terminated) as the
 * input told it, unknown for a name it did not tell; a binary search of
 * class_origins, O(log C) string comparisons. */
int ms__graph_class_origin(const ms__graph *g, const char *name);

/* Checks every invariant listed above (offsets monotone and ending at E,
 * targets < N, names in range, types registered, root < N).  Used by the
 * builder, tests and fuzzers.  Errors: MS_EFORMAT with a message naming the
 * first violation. */
int ms__graph_check(const ms__graph *g, ms_error *err);

/* The bytes the graph holds: its arrays by count (capacity left over is
 * not counted), the trace, and the string table by capacity (what `info`
 * prints as the graph in memory). */
uint64_t ms__graph_memory(const ms__graph *g);

/* Registers the builtin node and edge type names (MS_NT_*, MS_ET_*) in a
 * new graph: node_type_count and edge_type_count become the builtin
 * counts.  Cannot fail. */
void ms__graph_builtin_types(ms__graph *g);

/* Frees the graph, its arrays and its native file. Accepts NULL. */
void ms__graph_free(ms__graph *g);

#endif /* MS_GRAPH_H */
