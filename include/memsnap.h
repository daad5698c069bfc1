/*
 * memsnap.h: the public interface of the memsnap library.
 *
 * memsnap imports heap snapshots (V8 .heapsnapshot today; Memlyze .mlyze and
 * Boehm GC captures later) into one compact object graph and answers the
 * questions users bring to a heap: what is in it (summary), what keeps an
 * object alive (retained sizes, dominators, retention paths) and what grew.
 *
 * Conventions (docs/conventions.md):
 *  - Every fallible call returns an ms_status (0 = MS_OK, negative = failure)
 *    and fills the caller-owned ms_error, which may be NULL.  Messages are one
 *    line and name the input file and the byte offset when there is one.
 *  - `ms_x **out` parameters give the caller ownership; free with ms_x_free(),
 *    which accepts NULL.  Pointers returned directly are borrowed and live as
 *    long as the object they came from.
 *  - Sizes are bytes, times are seconds, nodes are 32-bit indices into the
 *    snapshot's node arrays (0 .. node_count - 1).
 *  - An ms_snapshot caches derived analyses (classes, sizes) on first use, so
 *    one snapshot must not be used from two threads at once.
 *  - The library never prints and never exits.
 */
#ifndef MEMSNAP_H
#define MEMSNAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEMSNAP_VERSION "0.1.0"

/* ------------------------------------------------------------------------ */
/* Status and errors                                                         */
/* ------------------------------------------------------------------------ */

/* Values never change once released; the CLI maps them to exit codes. */
typedef enum ms_status {
    MS_OK = 0,
    MS_ERROR = -1,     /* anything else; see ms_error.message */
    MS_ENOMEM = -2,    /* an allocation failed */
    MS_EIO = -3,       /* open/read/write failed; errno text in the message */
    MS_EFORMAT = -4,   /* input is not the format it claims, or is corrupt */
    MS_ETRUNC = -5,    /* input ends early */
    MS_ELIMIT = -6,    /* a count or size exceeds what the input or memsnap can hold */
    MS_ENOTFOUND = -7, /* a node id or class is not in the snapshot */
    MS_EINVAL = -8,    /* the caller passed a bad argument */
    MS_ECANCEL = -9    /* the progress callback asked to stop */
} ms_status;

#define MS_ERROR_MESSAGE_MAX 512

/* Caller-owned error record.  `offset` is the byte offset in the input the
 * message refers to, or UINT64_MAX when there is none. */
typedef struct ms_error {
    ms_status code;
    uint64_t offset;
    char message[MS_ERROR_MESSAGE_MAX];
} ms_error;

#define MS_ERROR_INIT { MS_OK, UINT64_MAX, { 0 } }

/* Static name of a status, e.g. "MS_EFORMAT". Never NULL. */
const char *ms_status_name(int status);

/* ------------------------------------------------------------------------ */
/* Opening snapshots                                                         */
/* ------------------------------------------------------------------------ */

typedef struct ms_snapshot ms_snapshot;
typedef uint32_t ms_node;
#define MS_NODE_NONE UINT32_MAX

typedef enum ms_format {
    MS_FORMAT_AUTO = 0,         /* detect from the content, never the file name */
    MS_FORMAT_HEAPSNAPSHOT = 1, /* V8 .heapsnapshot (JSON) */
    MS_FORMAT_MLYZE = 2,        /* Memlyze .mlyze trace (Python), and memsnap's graph extension */
    MS_FORMAT_BOEHM = 3         /* memsnap's Boehm GC capture (C/C++) */
} ms_format;

/* Static name of a format: "heapsnapshot", ... */
const char *ms_format_name(ms_format format);

/* Progress callback: `phase` is a static string, `fraction` in [0, 1].
 * Return non-zero to cancel; the call in progress then fails with MS_ECANCEL. */
typedef int (*ms_progress_fn)(const char *phase, double fraction, void *payload);

typedef struct ms_open_options {
    unsigned version;        /* MS_OPEN_OPTIONS_VERSION */
    ms_format format;        /* MS_FORMAT_AUTO sniffs the first bytes */
    ms_progress_fn progress; /* may be NULL */
    void *payload;           /* passed to progress */
    unsigned threads;        /* since version 2: 2 or more lets the V8 importer parse
                                the numbers on a second thread while it builds the
                                graph; 0 or 1: one thread */
} ms_open_options;

/* Version 1 (without `threads`) is still accepted. */
#define MS_OPEN_OPTIONS_VERSION 2
#define MS_OPEN_OPTIONS_INIT { MS_OPEN_OPTIONS_VERSION, MS_FORMAT_AUTO, NULL, NULL, 1 }

/* Imports the file at `path` into a new snapshot (*out, owned by the caller).
 * The file is streamed, never held in memory whole; zstd-compressed input
 * (.zst) is decompressed on the fly.  Errors: MS_EIO (cannot open/read),
 * MS_EFORMAT / MS_ETRUNC / MS_ELIMIT (bad input, message names the byte
 * offset), MS_ENOMEM, MS_ECANCEL.  On failure *out is NULL. */
int ms_snapshot_open(ms_snapshot **out, const char *path, const ms_open_options *opts,
                     ms_error *err);

/* As ms_snapshot_open, from `size` bytes at `data` (not copied, only read
 * during the call).  `name` is used in messages (may be NULL). */
int ms_snapshot_open_memory(ms_snapshot **out, const void *data, size_t size, const char *name,
                            const ms_open_options *opts, ms_error *err);

/* Frees a snapshot and everything borrowed from it. Accepts NULL. */
void ms_snapshot_free(ms_snapshot *snap);

/* ------------------------------------------------------------------------ */
/* Whole-snapshot facts (getters; cannot fail)                               */
/* ------------------------------------------------------------------------ */

ms_format ms_snapshot_format(const ms_snapshot *snap);
uint32_t ms_snapshot_node_count(const ms_snapshot *snap);
uint64_t ms_snapshot_edge_count(const ms_snapshot *snap);
uint32_t ms_snapshot_string_count(const ms_snapshot *snap);
ms_node ms_snapshot_root(const ms_snapshot *snap);
/* Sum of the self sizes recorded in the file (bytes). */
uint64_t ms_snapshot_total_self_size(const ms_snapshot *snap);
/* Bytes read from the input (after decompression) and from the file. */
uint64_t ms_snapshot_input_bytes(const ms_snapshot *snap);
/* Bytes the in-memory graph uses (arrays and strings), not counting
 * analyses computed later. */
uint64_t ms_snapshot_graph_bytes(const ms_snapshot *snap);
/* The name the snapshot was opened with (path or memory name). Borrowed. */
const char *ms_snapshot_name(const ms_snapshot *snap);

/* ------------------------------------------------------------------------ */
/* Nodes and edges (getters; `n` must be < node_count)                       */
/* ------------------------------------------------------------------------ */

/* Node type name as the input spells it ("object", "closure", "hidden" ...).
 * Static or borrowed. */
const char *ms_node_type(const ms_snapshot *snap, ms_node n);
/* Raw node name from the input (UTF-8, may contain invalid sequences from
 * lone UTF-16 surrogates). Borrowed; *len (if non-NULL) gets its length. */
const char *ms_node_name(const ms_snapshot *snap, ms_node n, size_t *len);
/* The input's object id (V8: the heap profiler's stable id). */
uint64_t ms_node_id(const ms_snapshot *snap, ms_node n);
/* Self size in bytes as recorded in the input (V8's self_size). */
uint64_t ms_node_self_size(const ms_snapshot *snap, ms_node n);
/* Outgoing edges of n are the edge indices [*first, *first + count). */
uint64_t ms_node_edges(const ms_snapshot *snap, ms_node n, uint64_t *first);
/* How ids are best shown to people.  V8's ids are the heap profiler's
 * counters ("@12345"); Boehm GC captures use object addresses, shown in
 * hex ("0x7f3a5c000010"), as debuggers and the program's own logs do.
 * Synthetic nodes (the root and its groups) have small ids in both. */
typedef enum ms_id_style {
    MS_IDS_NUMBERS = 0,   /* "@" and decimal */
    MS_IDS_ADDRESSES = 1  /* "0x" and hex */
} ms_id_style;
ms_id_style ms_snapshot_id_style(const ms_snapshot *snap);

/* Finds the node with object id `id`. MS_NODE_NONE when absent.
 * The first call builds an id index (8 bytes per node). */
ms_node ms_snapshot_find_id(ms_snapshot *snap, uint64_t id);

typedef struct ms_edge_info {
    ms_node from;      /* MS_NODE_NONE unless asked through ms_edge_get */
    ms_node to;
    const char *type;  /* "property", "element", "weak", ... (static or borrowed) */
    const char *name;  /* borrowed; NULL for element and hidden edges, see index */
    uint32_t index;    /* element/hidden index; 0 otherwise */
} ms_edge_info;

/* Fills *out for edge index e (< edge_count). `from` is left MS_NODE_NONE. */
void ms_edge_get(const ms_snapshot *snap, uint64_t e, ms_edge_info *out);

/* ------------------------------------------------------------------------ */
/* Analyses: sizes, distances, dominators, retained sizes, classes           */
/* ------------------------------------------------------------------------ */

typedef enum ms_size_mode {
    /* V8: Chrome DevTools' shallow sizes, where the self size of hidden and
     * array nodes owned by exactly one object is moved into that owner
     * (HeapSnapshot.ts calculateShallowSizes).  Other formats: as recorded. */
    MS_SIZES_DEVTOOLS = 0,
    /* The self sizes recorded in the input, unchanged. */
    MS_SIZES_RAW = 1
} ms_size_mode;

/* Chooses the shallow sizes that retained sizes and summaries add up
 * (default MS_SIZES_DEVTOOLS).  Changing it drops retained sizes computed
 * before. */
void ms_snapshot_set_sizes(ms_snapshot *snap, ms_size_mode mode);
ms_size_mode ms_snapshot_sizes(const ms_snapshot *snap);

/* What ms_snapshot_compute computes; each is kept until the snapshot is freed. */
typedef enum ms_analysis {
    MS_ANALYSIS_DISTANCES = 1,      /* BFS distance from the GC roots */
    MS_ANALYSIS_DOMINATORS = 2,     /* immediate dominators (Lengauer-Tarjan) */
    MS_ANALYSIS_RETAINED = 4,       /* retained sizes (implies dominators) */
    MS_ANALYSIS_CLASSES = 8,        /* the class of every node (docs/summary.md) */
    MS_ANALYSIS_DOMINATOR_TREE = 16,/* children lists of the dominator tree */
    MS_ANALYSIS_PATHS = 32,         /* shortest retention paths (implies distances) */
    MS_ANALYSIS_RETAINERS = 64      /* an index of every node's retaining edges: 4 bytes per
                                       edge and per node, makes ms_node_retainers O(degree) */
} ms_analysis;

/* Computes the analyses in `what` (a set of ms_analysis bits) not computed
 * yet.  For V8 snapshots the results equal Chrome DevTools' (docs/analyses.md).
 * Errors: MS_ENOMEM. */
int ms_snapshot_compute(ms_snapshot *snap, unsigned what, ms_error *err);

/* For a snapshot that will only be ms_compare_compute's BEFORE: computes
 * what the comparison reads of it (DevTools' shallow sizes, the id order)
 * and frees the rest: every edge but plain objects' properties (they name
 * the objects' classes, docs/summary.md), the analyses and their scratch.
 * Edges are about 3/4 of a V8 graph's memory, so memsnap compare loads
 * AFTER next to a quarter of BEFORE.  Afterwards the node getters, classes
 * and ms_snapshot_edge_count (the file's count) still work; the edge
 * getters see only the kept edges, and ms_snapshot_compute of anything but
 * MS_ANALYSIS_CLASSES fails with MS_EINVAL.  With two threads
 * (ms_snapshot_set_threads) the id order is sorted on the second one.
 * Errors: MS_ENOMEM (nothing freed then). */
int ms_snapshot_keep_for_compare(ms_snapshot *snap, ms_error *err);

/* How many threads ms_snapshot_compute may use (default 1).  With 2 or
 * more, on graphs of 10,000 nodes or more, the dominator tree is computed
 * on a second thread while distances and classes are computed on the
 * calling one; results are the same, peak memory is higher (about 12 bytes
 * per node: both sets of scratch arrays at once).  No other call may use snap meanwhile. */
void ms_snapshot_set_threads(ms_snapshot *snap, unsigned threads);

/* Wall-clock seconds ms_snapshot_compute spent on one analysis (a single
 * ms_analysis bit), 0 when it has not run.  MS_ANALYSIS_DOMINATORS includes
 * DevTools' edge rules (page-owned nodes, WeakMap edges) when they were
 * computed for it; MS_ANALYSIS_RETAINED includes DevTools' shallow sizes.
 * Analyses run on two threads overlap in time. */
double ms_snapshot_seconds(const ms_snapshot *snap, ms_analysis what);

/* Distance sentinels (DevTools' values). */
#define MS_DISTANCE_UNREACHABLE (-5)         /* no strong path from the roots */
#define MS_DISTANCE_SYSTEM_BASE 100000000    /* added when only system roots reach it */

/* After MS_ANALYSIS_DISTANCES: hops from the user roots (V8: the global
 * objects are at 1; nodes only system roots reach get
 * MS_DISTANCE_SYSTEM_BASE + hops) or from the root (other formats; root 0);
 * MS_DISTANCE_UNREACHABLE when weak edges alone (or nothing) reach it. */
int32_t ms_node_distance(const ms_snapshot *snap, ms_node n);

/* After MS_ANALYSIS_DOMINATORS: the immediate dominator (the root's is the
 * root itself). */
ms_node ms_node_dominator(const ms_snapshot *snap, ms_node n);

/* After MS_ANALYSIS_RETAINED: bytes freed if n were gone (its dominator
 * subtree's shallow sizes), and its shallow size, in the snapshot's size
 * mode. */
uint64_t ms_node_retained_size(const ms_snapshot *snap, ms_node n);
uint64_t ms_node_shallow_size(const ms_snapshot *snap, ms_node n);

/* After MS_ANALYSIS_DOMINATOR_TREE: the nodes n immediately dominates, in
 * node order (*children is borrowed); returns how many. */
uint32_t ms_node_dominated(const ms_snapshot *snap, ms_node n, const ms_node **children);

/* After MS_ANALYSIS_CLASSES: the class name and DevTools class key of n.
 * Borrowed. */
const char *ms_node_class(const ms_snapshot *snap, ms_node n);
const char *ms_node_class_key(const ms_snapshot *snap, ms_node n);

/* The name DevTools shows for n (HeapSnapshot.ts JSHeapSnapshotNode.name):
 * concatenated strings joined up to 1024 characters, plain objects as their
 * property names "{a, b, ..., z}", otherwise the node name.  Writes a
 * NUL-terminated UTF-8 string of at most cap - 1 bytes into buf; returns its
 * length before truncation. */
size_t ms_node_label(ms_snapshot *snap, ms_node n, char *buf, size_t cap);

/* Where n was allocated ("file.py:12", a function, ...), as the input
 * recorded it; NULL when unknown (V8 snapshots record none).  Borrowed. */
const char *ms_node_site(const ms_snapshot *snap, ms_node n, size_t *len);

/* Whether n is a synthetic node (the root, "(GC roots)" and its groups):
 * bookkeeping, not an object. */
int ms_node_is_synthetic(const ms_snapshot *snap, ms_node n);

/* The k objects with the largest retained size, largest first (ties: node
 * order), into out[k]; synthetic nodes are left out unless
 * include_synthetic.  Computes retained sizes if needed.  *count gets how
 * many were written.  Errors: MS_ENOMEM. */
int ms_top(ms_snapshot *snap, size_t k, int include_synthetic, ms_node *out, size_t *count,
           ms_error *err);

/* ------------------------------------------------------------------------ */
/* Why is it alive: retention paths, dominator chains, cycles                */
/* ------------------------------------------------------------------------ */

/* The node edge e comes from. */
ms_node ms_edge_source(const ms_snapshot *snap, uint64_t e);

/* One hop of a retention path: a node and the edge from it to the next hop
 * (UINT64_MAX on the last hop, the object itself). */
typedef struct ms_hop {
    ms_node node;
    uint64_t edge;
} ms_hop;

typedef struct ms_path {
    size_t length;        /* hops, root first */
    const ms_hop *hops;
} ms_path;

/* After MS_ANALYSIS_PATHS: the shortest retention path root -> n over
 * retaining edges, one hop per node (docs/paths.md: hop counts follow the
 * distances, edges a person can act on are preferred among equally short
 * paths).  Writes at most cap hops to out, root first; returns the path's
 * length (so a larger buffer can be used), 0 when no strong path reaches n.
 * For the root itself: 1. */
size_t ms_retention_path(const ms_snapshot *snap, ms_node n, ms_hop *out, size_t cap);

/* The edges pointing at n, of every type (weak ones too), in edge order:
 * *out (owned by the caller, free()) gets *count edge indices.  Scans every
 * edge, O(E), unless MS_ANALYSIS_RETAINERS was computed (then O(degree)).
 * Errors: MS_ENOMEM. */
int ms_node_retainers(const ms_snapshot *snap, ms_node n, uint64_t **out, size_t *count,
                      ms_error *err);

typedef enum ms_why_status {
    MS_WHY_RETAINED = 0,     /* a strong path from the GC roots keeps it alive */
    MS_WHY_ROOT = 1,         /* it is the root itself */
    MS_WHY_WEAK_ONLY = 2,    /* only weak references point at it: it can be collected */
    MS_WHY_GARBAGE = 3,      /* strong references point at it, but only from objects
                                no strong path reaches (a group retaining itself) */
    MS_WHY_UNREFERENCED = 4  /* nothing points at it */
} ms_why_status;

/* The answer to "why is n still alive?". */
typedef struct ms_why {
    ms_node node;
    ms_why_status status;
    ms_path path;              /* shortest retention path (empty unless RETAINED) */
    size_t dominator_count;    /* the objects that alone keep it alive: free any one */
    const ms_node *dominators; /* and it goes; nearest first, the root left out */
    size_t other_count;        /* further shortest paths, each through a different */
    const ms_path *others;     /* retainer, shortest first */
    size_t retainer_count;     /* edges pointing at it (all types) */
    size_t weak_retainer_count;
} ms_why;

/* Explains why n is alive: path, dominator chain, and up to k further paths
 * through other retainers.  Computes distances, paths and dominators if
 * needed.  *out owned by the caller (ms_why_free).
 * Errors: MS_ENOMEM, MS_EINVAL (n out of range). */
int ms_why_compute(ms_snapshot *snap, ms_node n, size_t k, ms_why **out, ms_error *err);
void ms_why_free(ms_why *why);

/* Instances of a class grouped by the signature of their shortest retention
 * path (the classes and edge names along it; indices, numeric names, and
 * repeats of the same hop collapsed), as memlab clusters its leak traces. */
typedef struct ms_path_group {
    uint64_t count;          /* instances with this path signature */
    uint64_t shallow_size;   /* bytes, their shallow sizes */
    uint64_t retained_size;  /* bytes they retain, instances dominated by another
                                instance of the class not counted twice */
    ms_node example;         /* one instance (the one retaining most) */
    ms_path path;            /* its retention path (empty for unreachable ones) */
} ms_path_group;

typedef struct ms_why_class ms_why_class;

/* Groups the objects whose class name (or class key) is `name`; *out owned
 * by the caller (ms_why_class_free).  Groups are sorted by retained size.
 * Errors: MS_ENOTFOUND (no object of that class), MS_ENOMEM. */
int ms_why_class_compute(ms_snapshot *snap, const char *name, ms_why_class **out,
                         ms_error *err);
/* Groups any set of nodes (duplicates ignored) the same way; a group's
 * retained size counts its members not dominated by another member of the
 * same class.  Errors: MS_EINVAL (a node out of range), MS_ENOMEM. */
int ms_why_nodes_compute(ms_snapshot *snap, const ms_node *nodes, size_t count, ms_why_class **out,
                         ms_error *err);
uint64_t ms_why_class_instances(const ms_why_class *w);
/* Bytes retained by all the grouped objects together, each byte once. */
uint64_t ms_why_class_retained(const ms_why_class *w);
size_t ms_why_class_group_count(const ms_why_class *w);
const ms_path_group *ms_why_class_group(const ms_why_class *w, size_t i);
void ms_why_class_free(ms_why_class *w);

/* A path's signature as one line of text, what groups share: each hop's
 * class and the edge it leaves by, "Class --name-->", indices written "[]"
 * and a hop repeating the one before it left out; the last hop is the
 * object's class.  E.g. "(GC roots) --global--> Object --cache--> Map
 * --table--> (system) --[]--> Leaky".  Writes a NUL-terminated UTF-8 string
 * of at most cap - 1 bytes; returns its length before truncation. */
size_t ms_path_signature(const ms_snapshot *snap, const ms_path *path, char *buf, size_t cap);

/* Strongly connected components with more than one node, or a node
 * referring to itself: reference cycles. */
typedef enum ms_cycle_edges {
    /* V8: references the program wrote (property, element, closure variable)
     * and the engine's data stores (internal edges into and out of arrays:
     * elements, Map and Set tables); other formats: every edge that is not weak */
    MS_CYCLE_EDGES_STRONG = 0,
    /* every edge that is not weak, engine plumbing included (V8: maps,
     * prototypes, contexts: most of a V8 heap is then one component) */
    MS_CYCLE_EDGES_ALL = 1
} ms_cycle_edges;

typedef struct ms_cycle {
    uint32_t size;           /* member count */
    uint64_t shallow_size;   /* bytes, the members' shallow sizes */
    uint64_t retained_size;  /* bytes freed if the whole cycle went */
    ms_node entry;           /* the member closest to the GC roots */
    const ms_node *members;  /* borrowed, `size` of them, in node order */
} ms_cycle;

typedef struct ms_cycles ms_cycles;

/* Finds the cycles (Tarjan 1972, iterative), largest total shallow size
 * first.  Computes distances and retained sizes if needed.  *out owned by
 * the caller (ms_cycles_free).  Errors: MS_ENOMEM. */
int ms_cycles_compute(ms_snapshot *snap, ms_cycle_edges edges, ms_cycles **out, ms_error *err);
size_t ms_cycles_count(const ms_cycles *c);
const ms_cycle *ms_cycles_get(const ms_cycles *c, size_t i);
void ms_cycles_free(ms_cycles *c);

/* ------------------------------------------------------------------------ */
/* Summary: objects grouped by class                                         */
/* ------------------------------------------------------------------------ */

typedef enum ms_summary_sort {
    MS_SORT_RETAINED = 0, /* DevTools' default */
    MS_SORT_SHALLOW = 1,
    MS_SORT_COUNT = 2
} ms_summary_sort;

typedef enum ms_summary_group {
    MS_GROUP_CLASS = 0, /* by class (docs/summary.md) */
    MS_GROUP_SITE = 1   /* by allocation site; "(unknown site)" when none is recorded */
} ms_summary_group;

typedef struct ms_summary_options {
    unsigned version;       /* MS_SUMMARY_OPTIONS_VERSION */
    ms_summary_sort sort;
    ms_summary_group group;
} ms_summary_options;

#define MS_SUMMARY_OPTIONS_VERSION 3
#define MS_SUMMARY_OPTIONS_INIT { MS_SUMMARY_OPTIONS_VERSION, MS_SORT_RETAINED, MS_GROUP_CLASS }

/* One row of the summary: all objects of one class (or site). */
typedef struct ms_class_row {
    const char *key;        /* DevTools' class key: ",Name" or "script,line,col,Name";
                               by site: the site */
    const char *name;       /* class (or site) name shown to users */
    uint64_t count;         /* objects with a non-zero shallow size */
    uint64_t shallow_size;  /* bytes, sum of shallow sizes */
    uint64_t retained_size; /* bytes retained by the class's objects together: the
                               retained sizes of those not dominated by another
                               object of the class (DevTools' calculateClassesRetainedSize) */
    int32_t distance;       /* smallest distance of the class's objects */
    ms_node first;          /* one instance (the first in node order) */
} ms_class_row;

typedef struct ms_summary ms_summary;

/* Groups the snapshot's objects by class as Chrome DevTools' Summary view does
 * (docs/summary.md): constructor names for objects, "(string)", "(array)",
 * "(compiled code)", "(system)", "Function", ... by node type, property-set
 * names "{a, b}" for plain objects; objects whose shallow size is 0 are not
 * counted.  Computes classes, distances and retained sizes if needed.  *out
 * is owned by the caller; rows borrow from it and from snap.
 * Errors: MS_ENOMEM, MS_EINVAL. */
int ms_summary_compute(ms_snapshot *snap, const ms_summary_options *opts, ms_summary **out,
                       ms_error *err);
size_t ms_summary_row_count(const ms_summary *s);
const ms_class_row *ms_summary_row(const ms_summary *s, size_t i);
void ms_summary_free(ms_summary *s);

/* ------------------------------------------------------------------------ */
/* Comparing snapshots: what grew, what is new, what leaked                  */
/* ------------------------------------------------------------------------ */

typedef enum ms_compare_match {
    /* By object id, as DevTools' Comparison view, unless the two snapshots
     * look like different processes (ms_compare_note says why): then per
     * class only. */
    MS_MATCH_AUTO = 0,
    MS_MATCH_BY_ID = 1,    /* by object id even then */
    MS_MATCH_BY_CLASS = 2  /* counts and sizes per class (or site) only */
} ms_compare_match;

typedef enum ms_compare_interfaces {
    /* DevTools' Memory panel: BEFORE's plain objects are named with AFTER's
     * interface definitions ("{a, b}"), so the names line up. */
    MS_INTERFACES_AFTER = 0,
    /* Each snapshot names its own (heap-snapshot-toolkit's diff()). */
    MS_INTERFACES_OWN = 1
} ms_compare_interfaces;

typedef struct ms_compare_options {
    unsigned version;                 /* MS_COMPARE_OPTIONS_VERSION */
    ms_compare_match match;
    ms_compare_interfaces interfaces;
    ms_summary_group group;           /* rows per class or per allocation site */
    int paths;                        /* nonzero: group the new objects by retention
                                         path and compute their retained sizes (needs
                                         AFTER's dominators and paths);
                                         MS_COMPARE_PATHS_LATER: not now, but
                                         ms_compare_add_paths will follow (its first
                                         step starts next to the class table) */
    /* New (or leaked) objects to leave out of the groups and retained
     * totals: classes by name or key, and paths whose signature
     * (ms_path_signature) matches a pattern (fnmatch(3): * ? [...]). */
    const char *const *ignore_classes;
    size_t ignore_class_count;
    const char *const *ignore_paths;
    size_t ignore_path_count;
} ms_compare_options;

#define MS_COMPARE_OPTIONS_VERSION 1
#define MS_COMPARE_PATHS_LATER 2
#define MS_COMPARE_OPTIONS_INIT                                                                    \
    { MS_COMPARE_OPTIONS_VERSION, MS_MATCH_AUTO, MS_INTERFACES_AFTER, MS_GROUP_CLASS, 1, NULL, 0,  \
      NULL, 0 }

/* One class (or site) of the comparison.  Objects are those with a non-zero
 * shallow size, as in the summary. */
typedef struct ms_compare_row {
    const char *key;          /* DevTools' class key (borrowed from the comparison) */
    const char *name;
    uint64_t before_count, after_count;
    uint64_t before_size, after_size;     /* bytes, shallow sizes */
    /* By id (zero when matched per class): objects only in AFTER ("# New",
     * "Alloc. Size") and only in BEFORE ("# Deleted", "Freed Size"). */
    uint64_t added_count, added_size;
    uint64_t removed_count, removed_size;
    /* By id: added - removed (DevTools' "# Delta", "Size Delta"); per class:
     * after - before. */
    int64_t count_delta, size_delta;
    /* Bytes the new objects of the row retain in AFTER (those no other new
     * object of the row dominates); 0 without paths.  Ignored objects are
     * left out. */
    uint64_t added_retained;
    int ignored;              /* the row's class is in ignore_classes */
    int changed;              /* by id: objects were added or removed; per class: the count
                                 or size changed.  DevTools lists only these rows. */
} ms_compare_row;

typedef struct ms_compare_totals {
    uint32_t before_nodes, after_nodes;
    uint64_t before_size, after_size;     /* bytes, all shallow sizes */
    uint64_t added_count, added_size;     /* by id, every row */
    uint64_t removed_count, removed_size;
    /* New objects that are not ignored: how many, their shallow sizes, and
     * the bytes they retain in AFTER together, each byte once (with paths). */
    uint64_t new_count, new_size, new_retained;
    uint64_t shared_ids;      /* ids in both snapshots */
    uint64_t mismatched_ids;  /* of those, naming objects of another type or name */
} ms_compare_totals;

typedef struct ms_compare ms_compare;

/* Compares two snapshots (reference: DevTools' HeapSnapshot.ts
 * calculateSnapshotDiff / calculateDiffForClass): per class key, objects
 * matched by id; rows sorted by size delta, largest growth first.  With
 * paths, also groups AFTER's new objects by retention path.  Every class of
 * either snapshot has a row; the unchanged ones (changed == 0) come last.  Computes the
 * analyses it needs on both snapshots; neither is changed otherwise, and
 * the result borrows from after (free it first).  When paths are asked
 * for (now or later) and AFTER may use two threads, AFTER's edge rules are
 * made on the second thread next to the class table.  *out owned by the
 * caller (ms_compare_free).  Errors: MS_EINVAL (bad options), MS_ENOMEM. */
int ms_compare_compute(ms_snapshot *before, ms_snapshot *after, const ms_compare_options *opts,
                       ms_compare **out, ms_error *err);
/* Groups AFTER's new objects by retention path and sums what they retain,
 * as opts->paths does inside ms_compare_compute, for a comparison computed
 * without paths.  In between the caller can free BEFORE, so that AFTER's
 * dominator tree and paths are not computed with both graphs in memory
 * (memsnap compare: peak about one graph less).  opts: the ignore lists
 * (the same as given to ms_compare_compute).  Replaces the totals'
 * new_count and new_size with the grouped ones and fills the rows'
 * added_retained.  Errors: MS_EINVAL (matched per class, rows per site, or
 * paths already there), MS_ENOMEM. */
int ms_compare_add_paths(ms_compare *c, const ms_compare_options *opts, ms_error *err);
/* 1 when objects were matched by id, 0 when per class only. */
int ms_compare_by_id(const ms_compare *c);
/* Why objects were not matched by id (different processes), or NULL. */
const char *ms_compare_note(const ms_compare *c);
const ms_compare_totals *ms_compare_totals_get(const ms_compare *c);
size_t ms_compare_row_count(const ms_compare *c);
const ms_compare_row *ms_compare_row_get(const ms_compare *c, size_t i);
/* The new objects (not ignored) grouped by retention path in AFTER, or NULL
 * without paths.  Borrowed. */
const ms_why_class *ms_compare_groups(const ms_compare *c);
/* The row of an AFTER node; SIZE_MAX for nodes counted in no row. */
size_t ms_compare_node_row(const ms_compare *c, ms_node n);
void ms_compare_free(ms_compare *c);

/* memlab's leak model over three snapshots of one process: objects
 * allocated between BASELINE and TARGET (ids in TARGET, not in BASELINE)
 * that are still alive in FINAL, minus the ignored ones (options: only the
 * ignore lists are used).  Objects are FINAL's nodes with a non-zero
 * shallow size that a strong path reaches. */
typedef struct ms_leaks ms_leaks;

/* Errors: MS_EFORMAT (snapshots of different processes: the message says
 * which pair), MS_EINVAL (bad options), MS_ENOMEM.  *out owned by the caller (ms_leaks_free); it
 * borrows from final. */
int ms_leaks_compute(ms_snapshot *baseline, ms_snapshot *target, ms_snapshot *final,
                     const ms_compare_options *opts, ms_leaks **out, ms_error *err);
/* Leaked objects, their shallow sizes, and what they retain together in
 * FINAL (each byte once). */
uint64_t ms_leaks_count(const ms_leaks *l);
uint64_t ms_leaks_size(const ms_leaks *l);
uint64_t ms_leaks_retained(const ms_leaks *l);
/* Leaked objects per class, largest retained first (retained: those no
 * other leaked object of the class dominates). */
size_t ms_leaks_class_count(const ms_leaks *l);
const ms_class_row *ms_leaks_class(const ms_leaks *l, size_t i);
/* Leaked objects grouped by retention path (borrowed). */
const ms_why_class *ms_leaks_groups(const ms_leaks *l);
void ms_leaks_free(ms_leaks *l);

/* ------------------------------------------------------------------------ */
/* Event traces (.mlyze): timeline and allocation sites                      */
/* ------------------------------------------------------------------------ */

/* What an .mlyze input recorded over time (docs/formats/mlyze.md).  Times are
 * microseconds after the header's start time; bytes are bytes.  "Live bytes"
 * are the sum of ALLOC sizes minus the frees whose size is known (a FREE
 * paired with its ALLOC by address, or a memsnap SITE_FREE): Memlyze's own
 * FREE events carry no size and address 0, so for its files this is an upper
 * bound (see unsized_frees). */
typedef struct ms_trace_info {
    uint32_t version;          /* header format version (1) */
    uint32_t extension;        /* memsnap extension version from the metadata; 0 = plain Memlyze */
    int batch_timing;          /* 1 when Memlyze's batch rule timed the events (plain files) */
    int has_heap;              /* 1 when the file holds a heap snapshot: the graph is its objects;
                                  0: the graph is the root and one node per allocation site */
    uint64_t start_time_us;    /* header: microseconds since the Unix epoch */
    uint64_t end_time_us;      /* time of the last record */
    uint64_t heap_time_us;     /* when the heap snapshot began (has_heap) */
    uint64_t records;          /* events and extension records read (inside zstd blocks too) */
    uint64_t alloc_events;     /* ALLOC */
    uint64_t free_events;      /* FREE and SITE_FREE */
    uint64_t unsized_frees;    /* FREEs whose size is unknown: address 0, or no live ALLOC there */
    uint64_t gc_events, marker_events;
    uint64_t skipped_records;  /* ancillary extension records memsnap does not know */
    uint64_t alloc_bytes;      /* sum of ALLOC sizes */
    uint64_t freed_bytes;      /* sum of the frees whose size is known */
    int64_t final_bytes;       /* live bytes after the last event */
    int64_t peak_bytes;        /* highest live bytes (0 before any event) */
    uint64_t peak_time_us;     /* first time the peak was reached */
    uint64_t gc_objects, gc_bytes; /* sums over GC events */
    uint32_t stack_count;      /* stacks in the metadata (0 in Memlyze's own files) */
    uint32_t site_count;       /* allocation sites events named */
    uint32_t sample_count;     /* points of the live-bytes series */
    uint32_t mark_count;       /* markers and GC events kept (see marks_dropped) */
    uint64_t marks_dropped;    /* markers and GCs beyond the 1,048,576 kept (counted in the totals) */
} ms_trace_info;

/* The trace facts of an .mlyze input; NULL for other formats.  Borrowed. */
const ms_trace_info *ms_snapshot_trace(const ms_snapshot *snap);
/* 1 when snap is an event trace without a heap snapshot (Memlyze's own
 * files): its nodes are allocation sites, not objects, so nothing can be
 * matched by id and its summary is per site; 0 otherwise. */
int ms_snapshot_is_site_trace(const ms_snapshot *snap);

/* One allocation site of the event stream. */
typedef struct ms_trace_site {
    const char *site;        /* "app.py:12", "app.py:12 in load", "stack 7": the site's stable
                                key across files (docs/formats/mlyze.md); borrowed */
    ms_node node;            /* its node in a site graph; MS_NODE_NONE when the graph is a heap */
    uint64_t alloc_events;   /* ALLOC events at the site */
    uint64_t free_events;    /* frees attributed to it (by address, or SITE_FREE) */
    uint64_t alloc_bytes, freed_bytes;
    int64_t live_bytes;      /* alloc_bytes - freed_bytes */
} ms_trace_site;

/* Site i (< ms_trace_info.site_count), in the order the events first named
 * them.  Requires an .mlyze snapshot. */
void ms_trace_site_get(const ms_snapshot *snap, uint32_t i, ms_trace_site *out);

/* One point of the live-bytes series: the interval since the previous point.
 * Events at the same time share a point; beyond 65,536 points, neighbouring
 * points are merged two by two (min and max keep the extremes, so the peak
 * stays visible). */
typedef struct ms_trace_sample {
    uint64_t time_us;        /* end of the interval */
    int64_t live_bytes;      /* at time_us */
    int64_t min_bytes, max_bytes; /* lowest and highest after any event of the interval */
    uint64_t events;         /* ALLOC and free events in the interval */
} ms_trace_sample;

/* The series (*count points, in time order); NULL when not an .mlyze input.
 * Borrowed. */
const ms_trace_sample *ms_trace_samples(const ms_snapshot *snap, uint32_t *count);

typedef enum ms_mark_kind { MS_MARK_MARKER = 0, MS_MARK_GC = 1 } ms_mark_kind;

/* A marker or a garbage collection, in time order. */
typedef struct ms_trace_mark {
    ms_mark_kind kind;
    uint64_t time_us;
    int64_t live_bytes;      /* live bytes at that moment */
    const char *name;        /* MARKER: its name ("marker <id>" when the metadata lacks it);
                                GC: NULL.  Borrowed. */
    uint64_t objects, bytes; /* GC: objects collected, bytes freed (Memlyze writes 0) */
    uint64_t offset;         /* byte offset of the record in the (decompressed) input */
} ms_trace_mark;

/* Mark i (< ms_trace_info.mark_count).  Requires an .mlyze snapshot. */
void ms_trace_mark_get(const ms_snapshot *snap, uint32_t i, ms_trace_mark *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_H */
