/*
 * memsnap/analyses.h: what the graph means: shallow and retained sizes,
 * distances from the GC roots, dominators and the dominator tree, classes,
 * the largest objects, the class summary, and reference cycles.  For V8
 * snapshots every number equals Chrome DevTools' (docs/analyses.md).
 *
 * Analyses are computed on first use (by the calls that need them, or
 * ahead with ms_snapshot_compute) and kept in the snapshot until it is
 * freed.
 */
#ifndef MEMSNAP_ANALYSES_H
#define MEMSNAP_ANALYSES_H

#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Computing                                                                  */
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
MS_EXPORT void ms_snapshot_set_sizes(ms_snapshot *snap, ms_size_mode mode);
MS_EXPORT ms_size_mode ms_snapshot_sizes(const ms_snapshot *snap);

/* What ms_snapshot_compute computes; each is kept until the snapshot is freed. */
typedef enum ms_analysis {
    MS_ANALYSIS_DISTANCES = 1,      /* BFS distance from the GC roots */
    MS_ANALYSIS_DOMINATORS = 2,     /* immediate dominators (Lengauer-Tarjan) */
    MS_ANALYSIS_RETAINED = 4,       /* retained sizes (implies dominators) */
    MS_ANALYSIS_CLASSES = 8,        /* the class of every node (docs/summary.md) */
    MS_ANALYSIS_DOMINATOR_TREE = 16,/* children lists of the dominator tree */
    MS_ANALYSIS_PATHS = 32,         /* shortest retention paths (implies distances) */
    MS_ANALYSIS_RETAINERS = 64,     /* an index of every node's retaining edges: 4 bytes per
                                       edge and per node, makes ms_node_retainers O(degree) */
    MS_ANALYSIS_SOURCES = 128       /* V8: script names read from the graph and closure
                                       scopes (ms_node_location's file, ms_node_scope) */
} ms_analysis;

/* Computes the analyses in `what` (a set of ms_analysis bits) not computed
 * yet.  Errors: MS_ENOMEM, MS_EINVAL (a snapshot reduced by
 * ms_snapshot_keep_for_compare, which keeps only its classes). */
MS_EXPORT ms_status ms_snapshot_compute(ms_snapshot *snap, unsigned what, ms_error *err);

/* How many threads the analyses may use (default 1).  With 2 or more, on
 * graphs of 10,000 nodes or more, the dominator tree is computed on a
 * second thread while distances and classes are computed on the calling
 * one; results are the same, the peak memory about 12 bytes per node
 * higher.  No other call may use snap meanwhile. */
MS_EXPORT void ms_snapshot_set_threads(ms_snapshot *snap, unsigned threads);

/* Wall seconds the snapshot spent on one analysis (a single ms_analysis
 * bit), 0 when it has not run.  MS_ANALYSIS_DOMINATORS includes DevTools'
 * edge rules (page-owned nodes, WeakMap edges) when they were computed for
 * it; MS_ANALYSIS_RETAINED includes DevTools' shallow sizes.  Analyses run
 * on two threads overlap in time. */
MS_EXPORT double ms_snapshot_seconds(const ms_snapshot *snap, ms_analysis what);

/* ------------------------------------------------------------------------ */
/* Per node (after the analysis named; `n` < the node count)                 */
/* ------------------------------------------------------------------------ */

/* Distance sentinels (DevTools' values). */
#define MS_DISTANCE_UNREACHABLE (-5)         /* no strong path from the roots */
#define MS_DISTANCE_SYSTEM_BASE 100000000    /* added when only system roots reach it */

/* After MS_ANALYSIS_DISTANCES: hops from the user roots (V8: the global
 * objects are at 1; nodes only system roots reach get
 * MS_DISTANCE_SYSTEM_BASE + hops) or from the root (other formats; root 0);
 * MS_DISTANCE_UNREACHABLE when weak edges alone (or nothing) reach it. */
MS_EXPORT int32_t ms_node_distance(const ms_snapshot *snap, ms_node n);

/* After MS_ANALYSIS_DOMINATORS: the immediate dominator (the root's is the
 * root itself); MS_NODE_NONE before. */
MS_EXPORT ms_node ms_node_dominator(const ms_snapshot *snap, ms_node n);

/* After MS_ANALYSIS_RETAINED: bytes freed if n were gone (its dominator
 * subtree's shallow sizes), in the snapshot's size mode; 0 before. */
MS_EXPORT uint64_t ms_node_retained_size(const ms_snapshot *snap, ms_node n);
/* n's shallow size in the snapshot's size mode (DevTools' once computed by
 * an analysis that needs them, the recorded self size before). */
MS_EXPORT uint64_t ms_node_shallow_size(const ms_snapshot *snap, ms_node n);

/* After MS_ANALYSIS_DOMINATOR_TREE: the nodes n immediately dominates, in
 * node order (*children is borrowed); returns how many. */
MS_EXPORT uint32_t ms_node_dominated(const ms_snapshot *snap, ms_node n,
                                     const ms_node **children);

/* After MS_ANALYSIS_CLASSES: the class name and DevTools class key of n;
 * "" before.  Borrowed. */
MS_EXPORT const char *ms_node_class(const ms_snapshot *snap, ms_node n);
MS_EXPORT const char *ms_node_class_key(const ms_snapshot *snap, ms_node n);

/* The name DevTools shows for n (HeapSnapshot.ts JSHeapSnapshotNode.name):
 * concatenated strings joined up to 1024 characters, plain objects as their
 * property names "{a, b, ..., z}", otherwise the node name.  Writes a
 * NUL-terminated UTF-8 string of at most cap - 1 bytes into buf; returns its
 * length before truncation. */
MS_EXPORT size_t ms_node_label(ms_snapshot *snap, ms_node n, char *buf, size_t cap);

/* Where a node's code is. */
typedef struct ms_location {
    const char *file;   /* V8: the script's name or URL (after MS_ANALYSIS_SOURCES; NULL
                           before, and for a script no surviving closure names); borrowed */
    uint32_t script_id; /* V8's script id; 0 for other formats */
    uint32_t line;      /* 1-based; 0 when only the file is known (a closure scope) */
    uint32_t column;    /* 1-based; 0 when unknown */
} ms_location;

/* Where n's code is: for V8, a function's own position, an object's
 * constructor's (the snapshot's "locations"), a closure scope's script.
 * Returns 1 and fills *out when known, 0 otherwise (other formats: their
 * allocation sites are ms_node_site). */
MS_EXPORT int ms_node_location(const ms_snapshot *snap, ms_node n, ms_location *out);

/* V8: the name or URL of script script_id, read from the graph (after
 * MS_ANALYSIS_SOURCES); NULL when no surviving closure names it, and for
 * other formats.  Borrowed. */
MS_EXPORT const char *ms_script_name(const ms_snapshot *snap, uint32_t script_id);

typedef enum ms_origin {
    MS_ORIGIN_UNKNOWN = 0, /* plain data: arrays, strings, plain objects, numbers */
    MS_ORIGIN_USER = 1,    /* the program's: its classes' objects, its functions and scopes */
    MS_ORIGIN_RUNTIME = 2  /* the engine's and runtime's: compiled code, "system / *" objects,
                              objects and functions of Node's own modules */
} ms_origin;

/* Whose n is (docs/paths.md "User code and runtime"); V8 only, other
 * formats MS_ORIGIN_UNKNOWN.  Needs MS_ANALYSIS_SOURCES to tell scopes. */
MS_EXPORT ms_origin ms_node_origin(const ms_snapshot *snap, ms_node n);

/* Whose a class is, from its key and name (ms_class_row, ms_compare_row):
 * V8, MS_ORIGIN_USER when its constructor is in one of the program's
 * scripts, MS_ORIGIN_RUNTIME for the engine's and the runtime's own
 * classes ("(compiled code)", "(object shape)", "(system)", "system / *",
 * Node's natives "Node / *", constructors in Node's scripts),
 * MS_ORIGIN_UNKNOWN for plain data ("Object", "Array", strings, "Map", a
 * class in eval'd code).  Script names need MS_ANALYSIS_SOURCES.  Other
 * formats: MS_ORIGIN_UNKNOWN. */
MS_EXPORT ms_origin ms_class_origin(const ms_snapshot *snap, const char *key, const char *name);

/* V8 closure scopes (Context nodes) named for people: "module scope" (a
 * script's top level), "script scope" (the top level of a browser page's
 * classic scripts), "scope of handle()" (a function's), "closure scope"
 * (an anonymous function's); "" for other nodes.  After
 * MS_ANALYSIS_SOURCES.  Writes a NUL-terminated string of at most cap - 1
 * bytes; returns its length before truncation. */
MS_EXPORT size_t ms_node_scope(const ms_snapshot *snap, ms_node n, char *buf, size_t cap);

/* ------------------------------------------------------------------------ */
/* The largest objects                                                       */
/* ------------------------------------------------------------------------ */

/* The k objects with the largest retained size, largest first (ties: node
 * order), into out[k]; synthetic nodes are left out unless
 * include_synthetic.  Computes retained sizes if needed.  *count gets how
 * many were written.  Errors: MS_ENOMEM. */
MS_EXPORT ms_status ms_top(ms_snapshot *snap, size_t k, int include_synthetic, ms_node *out,
                           size_t *count, ms_error *err);

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

#define MS_SUMMARY_OPTIONS_VERSION 1
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
 * counted.  Computes classes, distances and retained sizes if needed.  opts
 * may be NULL (defaults).  *out is owned by the caller; rows borrow from it
 * and from snap.  Errors: MS_ENOMEM, MS_EINVAL. */
MS_EXPORT ms_status ms_summary_compute(ms_snapshot *snap, const ms_summary_options *opts,
                                       ms_summary **out, ms_error *err);
MS_EXPORT size_t ms_summary_row_count(const ms_summary *s);
MS_EXPORT const ms_class_row *ms_summary_row_get(const ms_summary *s, size_t i);
MS_EXPORT void ms_summary_free(ms_summary *s);

/* ------------------------------------------------------------------------ */
/* Reference cycles                                                          */
/* ------------------------------------------------------------------------ */

/* Which edges make a cycle. */
typedef enum ms_cycle_edges {
    /* V8: references the program wrote (property, element, closure variable)
     * and the engine's data stores (internal edges into and out of arrays:
     * elements, Map and Set tables); Python heaps alike; other formats: every
     * edge that is not weak */
    MS_CYCLE_EDGES_STRONG = 0,
    /* every edge that is not weak, engine plumbing included (V8: maps,
     * prototypes, contexts: most of a V8 heap is then one component) */
    MS_CYCLE_EDGES_ALL = 1
} ms_cycle_edges;

/* A strongly connected component with more than one node, or a node
 * referring to itself. */
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
MS_EXPORT ms_status ms_cycles_compute(ms_snapshot *snap, ms_cycle_edges edges, ms_cycles **out,
                                      ms_error *err);
MS_EXPORT size_t ms_cycles_count(const ms_cycles *c);
MS_EXPORT const ms_cycle *ms_cycles_get(const ms_cycles *c, size_t i);
MS_EXPORT void ms_cycles_free(ms_cycles *c);

/* ------------------------------------------------------------------------ */
/* Reference cycles grouped by shape                                         */
/* ------------------------------------------------------------------------ */

typedef struct ms_cycle_options {
    unsigned version;       /* MS_CYCLE_OPTIONS_VERSION */
    ms_cycle_edges edges;   /* which edges make a cycle */
    /* NULL: every group; else only the groups whose cycles hold an object
     * of this class: its name, its key, or its name as summary displays it
     * with its location ("Poller  server.js:43:14", docs/paths.md) */
    const char *class_name;
} ms_cycle_options;

#define MS_CYCLE_OPTIONS_VERSION 1
#define MS_CYCLE_OPTIONS_INIT { MS_CYCLE_OPTIONS_VERSION, MS_CYCLE_EDGES_STRONG, NULL }

/* A class in a shape: how many members of each cycle are of it. */
typedef struct ms_cycle_class {
    const char *name;  /* class name; borrowed from the snapshot */
    const char *key;   /* DevTools' class key ("script,line,column,Name" or ",Name"); borrowed */
    uint32_t count;    /* members of this class in each cycle */
} ms_cycle_class;

/* An edge in a shape: the references between members of each cycle from
 * a class to a class by one name. */
typedef struct ms_cycle_shape_edge {
    uint32_t from, to; /* indices into the group's classes */
    const char *type;  /* the edge type as the input names it ("property", "element",
                          "internal", ...); borrowed */
    const char *name;  /* the edge name; "[]" for an index or a collection's key (made
                          alike: docs/paths.md); borrowed or static */
    uint32_t count;    /* such edges in each cycle */
} ms_cycle_shape_edge;

/* Cycles of one shape: the same classes with the same number of members
 * of each, and the same edges between them counted by (source class, edge
 * type, edge name with indices and keys made alike, target class); and
 * the same side, the program's or the runtime's (docs/paths.md "Cycles"). */
typedef struct ms_cycle_group {
    uint64_t count;           /* cycles of this shape */
    uint32_t size;            /* objects in each */
    uint64_t shallow_size;    /* bytes: every member of every one of them */
    uint64_t retained_size;   /* bytes freed if all of them went: each byte once (members
                                 another member of the group dominates are not added) */
    uint64_t unreachable;     /* how many of them no strong path from the GC roots reaches
                                 (garbage not collected yet: Python heaps, docs/paths.md) */
    int user;                 /* 1: the program's (a member's code is the program's, or, all
                                 of them plain data, what holds the cycle is; always, in formats
                                 without origins); 0: the runtime's (ms_node_origin) */
    uint64_t signature;       /* a 64-bit hash of the shape, from class keys and edge names:
                                 the same in snapshots of one process */
    const ms_cycle *example;  /* the cycle the roots reach that retains most (any when none
                                 is reached); borrowed */
    size_t class_count;
    const ms_cycle_class *classes;    /* most members first, then by name; borrowed */
    size_t edge_count;
    const ms_cycle_shape_edge *edges; /* most first, then by class and edge name; borrowed */
} ms_cycle_group;

/* What was found, and what the groups listed hold. */
typedef struct ms_cycle_totals {
    uint64_t cycles;          /* every cycle in the snapshot */
    uint64_t groups;          /* every shape */
    uint64_t user_cycles, user_groups;       /* listed (of class_name when given), the
                                                program's */
    uint64_t runtime_cycles, runtime_groups; /* listed, the runtime's */
    uint64_t unreachable;     /* listed cycles no strong path from the GC roots reaches */
} ms_cycle_totals;

typedef struct ms_cycle_groups ms_cycle_groups;

/* Finds the cycles (as ms_cycles_compute) and groups them by shape: the
 * program's groups first, then the runtime's, each side largest retained
 * size first (then shallow size).  Two cycles are one shape when their
 * canonical forms are equal (the sorted member classes and edge triples
 * above, compared whole: no two shapes share a group, even on a hash
 * collision); the signature is that form's hash.  opts may be NULL
 * (defaults).  Computes distances, retained sizes, the dominator tree,
 * classes, paths and (V8) sources if needed.  *out owned by the caller
 * (ms_cycle_groups_free); what it returns borrows from it and from snap.
 * Errors: MS_ENOMEM, MS_EINVAL (bad options), MS_ENOTFOUND (class_name
 * names no class), MS_ELIMIT (2^32 - 2 shapes). */
MS_EXPORT ms_status ms_cycle_groups_compute(ms_snapshot *snap, const ms_cycle_options *opts,
                                            ms_cycle_groups **out, ms_error *err);
/* How many groups are listed (of class_name when given; the program's
 * and the runtime's), and group i (i < that), borrowed from g. */
MS_EXPORT size_t ms_cycle_groups_count(const ms_cycle_groups *g);
MS_EXPORT const ms_cycle_group *ms_cycle_groups_get(const ms_cycle_groups *g, size_t i);
/* The k-th cycle (k < its count) of group i, largest shallow size first;
 * borrowed from g. */
MS_EXPORT const ms_cycle *ms_cycle_groups_cycle(const ms_cycle_groups *g, size_t i, size_t k);
/* The counts of what was found and listed; borrowed from g. */
MS_EXPORT const ms_cycle_totals *ms_cycle_groups_totals(const ms_cycle_groups *g);
/* Frees g and everything borrowed from it; accepts NULL. */
MS_EXPORT void ms_cycle_groups_free(ms_cycle_groups *g);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_ANALYSES_H */
