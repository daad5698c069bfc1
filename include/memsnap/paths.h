/*
 * memsnap/paths.h: why an object is alive: its shortest retention path
 * from the GC roots, its retainers, its dominator chain, and objects
 * grouped by the shape of their retention paths (docs/paths.md).
 */
#ifndef MEMSNAP_PATHS_H
#define MEMSNAP_PATHS_H

#include "analyses.h"

#ifdef __cplusplus
extern "C" {
#endif

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
MS_EXPORT size_t ms_retention_path(const ms_snapshot *snap, ms_node n, ms_hop *out, size_t cap);

/* The last edge of the retention path of each of nodes[count] (what
 * ms_retention_path's next-to-last hop leaves by) into out[count]:
 * UINT64_MAX for the root and for nodes no strong path reaches.  With
 * `named` non-zero, among the retainers one hop nearer the roots, one
 * holding the node by a name the program wrote (a property, an element, a
 * variable) comes first: how a person would reach it, for naming it.
 * Reads the paths when MS_ANALYSIS_PATHS is computed and !named; otherwise
 * computes distances if needed and makes one pass over the edges (for a
 * few objects, without the whole path tree), which trusts the distances:
 * a node they reach only through a weak edge from the root (V8's user
 * roots count at distance 1 however held) has no retention path, but may
 * get an edge here.
 * Errors: MS_ENOMEM, MS_EINVAL (a node out of range). */
MS_EXPORT ms_status ms_retention_edges(ms_snapshot *snap, const ms_node *nodes, size_t count,
                                       int named, uint64_t *out, ms_error *err);

/* What hop i of path p (a Map or a Set, V8) does: when it leaves through
 * its backing store (hop i + 1) by one of the collection's entries (the
 * edge of hop i + 1), MS_ENTRY_MAP with *key the entry's key
 * (MS_NODE_NONE when the key is no object, such as a small integer),
 * MS_ENTRY_MAP_KEY (the hop reaches an entry's key), or MS_ENTRY_SET (a
 * member); MS_ENTRY_NONE otherwise.  People read
 * `cache.get("user-42")` where the graph has Map --table--> (array)
 * --42-->. */
typedef enum ms_entry_kind {
    MS_ENTRY_NONE = 0,
    MS_ENTRY_MAP = 1,     /* a map entry's value; *key its key */
    MS_ENTRY_SET = 2,     /* a set's member */
    MS_ENTRY_MAP_KEY = 3  /* a map entry's key (the hop reaches the key itself) */
} ms_entry_kind;
MS_EXPORT ms_entry_kind ms_path_entry(const ms_snapshot *snap, const ms_path *p, size_t i,
                                      ms_node *key);

/* The edges pointing at n, of every type (weak ones too), in edge order:
 * *out (owned by the caller, free()) gets *count edge indices.  Scans every
 * edge, O(E), unless MS_ANALYSIS_RETAINERS was computed (then O(degree)).
 * Errors: MS_ENOMEM. */
MS_EXPORT ms_status ms_node_retainers(const ms_snapshot *snap, ms_node n, uint64_t **out,
                                      size_t *count, ms_error *err);

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
MS_EXPORT ms_status ms_why_compute(ms_snapshot *snap, ms_node n, size_t k, ms_why **out,
                                   ms_error *err);
MS_EXPORT void ms_why_free(ms_why *why);

/* ------------------------------------------------------------------------ */
/* Objects grouped by retention path                                         */
/* ------------------------------------------------------------------------ */

/* Objects of one class that share a path signature (ms_path_signature), as
 * memlab clusters its leak traces. */
typedef struct ms_path_group {
    uint64_t count;          /* objects in the group */
    uint64_t shallow_size;   /* bytes, their shallow sizes */
    uint64_t retained_size;  /* bytes they retain, objects dominated by another
                                object of the set (of the class) not counted twice */
    ms_node example;         /* one object (the one retaining most; for compare and
                                leaks, of the class the group is named after) */
    ms_path path;            /* its retention path (empty for unreachable ones) */
    uint64_t class_count;    /* objects of the example's class in the group */
    uint64_t entries;        /* objects that are the first of the set on their own
                                path: how many times the reference was taken */
    size_t entry_hop;        /* the first object of the set on the example's path
                                (hop index; 0 for an empty path): the hop before
                                it leaves by the reference to cut */
} ms_path_group;

/* A set of objects grouped by path: the groups, largest retained first. */
typedef struct ms_path_groups ms_path_groups;

/* Groups the objects whose class is `name`: a class name (every class of
 * that name, whatever its location), a class key, or a name with its
 * location as memsnap shows it ("Poller  server.js:43:14", "Poller
 * (server.js:43)", the file as shown, whole, or "script N"; line and
 * column 1-based, the column optional).  A group's retained size leaves
 * out objects another object of the class dominates.
 * *out owned by the caller (ms_path_groups_free).
 * Errors: MS_ENOTFOUND (no object of that class), MS_ENOMEM. */
MS_EXPORT ms_status ms_path_groups_by_class(ms_snapshot *snap, const char *name,
                                            ms_path_groups **out, ms_error *err);
/* Groups any set of nodes (duplicates ignored) the same way; a group's
 * retained size counts its members not dominated by another member of the
 * same class.  Errors: MS_EINVAL (a node out of range), MS_ENOMEM. */
MS_EXPORT ms_status ms_path_groups_of_nodes(ms_snapshot *snap, const ms_node *nodes, size_t count,
                                            ms_path_groups **out, ms_error *err);
/* Objects grouped. */
MS_EXPORT uint64_t ms_path_groups_instances(const ms_path_groups *g);
/* Bytes retained by all the grouped objects together, each byte once. */
MS_EXPORT uint64_t ms_path_groups_retained(const ms_path_groups *g);
MS_EXPORT size_t ms_path_groups_count(const ms_path_groups *g);
MS_EXPORT const ms_path_group *ms_path_groups_get(const ms_path_groups *g, size_t i);
MS_EXPORT void ms_path_groups_free(ms_path_groups *g);

/* A path's signature as one line of text, what groups share: each hop's
 * class and the edge it leaves by, "Class --name-->", indices written "[]"
 * and a hop repeating the one before it left out; the last hop is the
 * object's class.  E.g. "(GC roots) --global--> Object --cache--> Map
 * --table--> (system) --[]--> Leaky".  Uses the classes when computed,
 * node names before.  Writes a NUL-terminated UTF-8 string of at most
 * cap - 1 bytes; returns its length before truncation. */
MS_EXPORT size_t ms_path_signature(const ms_snapshot *snap, const ms_path *path, char *buf,
                                   size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_PATHS_H */
