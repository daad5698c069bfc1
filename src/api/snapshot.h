/*
 * snapshot.h: the ms_snapshot handle: a graph, the format's rules, and the
 * analyses computed on it, each built on first use and kept until the
 * snapshot is freed or the planner frees it to lower a memory peak.
 *
 * src/api is the one place that decides what runs when: which analyses a
 * question needs, which of them run on a second thread, and what is freed
 * before the next peak (compute.c).  The layers below get a heap view
 * (graph/heap.h) of what is computed, and compute nothing by themselves.
 */
#ifndef MS_API_SNAPSHOT_H
#define MS_API_SNAPSHOT_H

#include "memsnap/advanced.h"

#include "../graph/heap.h"
#include "../paths/paths.h"
#include "../util/pool.h"
#include "../util/task.h"
#include "../v8/v8.h"

/* ms_analysis bits: 1 << k for k < MS__ANALYSIS_COUNT. */
#define MS__ANALYSIS_COUNT 8

struct ms_snapshot {
    ms__graph *g;
    ms_format format;
    char *name;
    uint64_t input_bytes;
    double load_seconds;           /* wall time of the import */
    ms_size_mode sizes;
    ms__pool pool;                 /* scratch blocks reused between analyses */
    ms__rules rules;               /* what the format's edges and nodes mean */
    ms__v8 v8;                     /* V8 snapshots: the data of DevTools' rules */

    /* Computed on first use (NULL until then), kept until freed. */
    uint64_t *shallow;             /* u64[N] the rules' shallow sizes */
    ms__classes *classes;          /* class of every node */
    void *class_defs;              /* the naming data of classes freed since (V8's
                                      interface definitions), so that computing them
                                      again skips inferring them */
    void (*class_defs_free)(void *defs);
    ms__classes *sites;            /* allocation site of every node, as classes */
    uint32_t *by_id;               /* u32[N] node indices sorted by object id */
    unsigned id_lookups;           /* lookups done without by_id */
    int32_t *distance;             /* i32[N] */
    uint32_t *idom;                /* u32[N] immediate dominators */
    uint32_t *order;               /* u32[N] DFS order, until retained sizes exist */
    uint64_t *retained;            /* u64[N] retained sizes in `sizes` mode */
    uint32_t *dom_first, *dom_child; /* dominator tree CSR */
    uint32_t *parent_edge;         /* u32[N] last edge of each node's retention path */
    uint32_t *rev_first, *rev_edge; /* retainer index */
    unsigned threads;              /* ms_snapshot_set_threads; 0 or 1: one thread */
    void (*release_memory)(void *payload); /* ms_open_options' hook, or NULL */
    void *payload;
    double seconds[MS__ANALYSIS_COUNT]; /* wall seconds per analysis (ms_snapshot_seconds) */
    /* ms_snapshot_keep_for_compare: only the edges classes read are left;
     * file_edges is the edge count read from the file. */
    bool compare_base;
    uint64_t file_edges;

    /* Read from a native file (native.c). */
    bool native_classes;           /* the classes were read, without their naming data */
    bool native_sources;           /* V8 sources read into v8.sources, not asked for yet */
    uint64_t native_graph_bytes;   /* the graph's bytes as the source's import held it; 0 */
    uint32_t *top;                 /* u32[top_count] nodes by retained size (DevTools'
                                      sizes), largest first; NULL */
    uint32_t top_count;
    uint32_t *top_reach;           /* u32[top_count] their named reach edges (native file) */
    uint32_t *ret_counts;          /* u32[2N] edges into each node, weak ones (native file) */
    uint32_t *other_first;         /* u32[N+1] CSR into other_from (native file) */
    uint32_t *other_from;          /* why's other retainers, MS__NATIVE_OTHERS at most each */
    uint64_t other_count;
    bool lazy_failed;              /* completing the file failed: lazy_error says why */
    ms_error lazy_error;
};

/* Wraps a finished graph (taking it over) in a snapshot of the given
 * format, with the format's rules; for the importers' shared tail and for
 * tests.  Errors: MS_ENOMEM (g freed). */
int ms__snapshot_from_graph(ms__graph *g, ms_format format, const char *name, ms_snapshot **out,
                            ms_error *err);

/* A view of what is computed on s (graph/heap.h), valid until the next
 * call that computes or frees analyses of s. */
void ms__snapshot_heap(const ms_snapshot *s, ms__heap *h);

/* ---- compute.c: the planner ----------------------------------------------- */

/* How ms__snapshot_compute may lay out the work. */
typedef enum ms__plan {
    /* With two threads, the dominator tree (and the edge rules) on the
     * second one, distances and classes next to it on this one: fastest,
     * about 12 bytes per node more at the peak. */
    MS__PLAN_FAST,
    /* Overlap only where it does not raise the peak: the distances next
     * to the dominators' DFS (joined before the predecessor lists), the
     * classes next to the retained sizes, with the scratch pool drained
     * around them.  For the last grouping of a comparison. */
    MS__PLAN_LEAN
} ms__plan;

/* Computes the analyses in `what` (ms_analysis bits) not computed yet. */
int ms__snapshot_compute(ms_snapshot *s, unsigned what, ms__plan plan, ms_error *err);

/* Shallow sizes in the snapshot's mode; computes and caches the rules'
 * ones on first use.  *out points into the snapshot (or is NULL for the
 * recorded self sizes).  Errors: MS_ENOMEM. */
int ms__snapshot_shallow(ms_snapshot *s, const uint64_t **out, ms_error *err);

/* Node indices sorted by object id (ties in node order), built on first use
 * (LSD radix sort, 4 bytes per node kept, 16 more while sorting).  *out
 * points into the snapshot.  Errors: MS_ENOMEM. */
int ms__snapshot_by_id(ms_snapshot *s, const uint32_t **out, ms_error *err);

/* The classes (by class or by allocation site), computed on first use.
 * Errors: MS_ENOMEM. */
int ms__snapshot_classes(ms_snapshot *s, ms_summary_group group, const ms__classes **out,
                         ms_error *err);

/* Makes the rules' edge data when the format's rules need it and it is
 * not there.  Errors: MS_EINVAL (a comparison base), MS_ENOMEM. */
int ms__snapshot_edge_rules(ms_snapshot *s, ms_error *err);

/* The rules' edge data made on a second thread while the caller does
 * other work that reads the graph (but not the pool).  Start does nothing
 * unless the snapshot may use two threads, is large enough, and its rules
 * need edge data not made yet; join waits (once; a job never started
 * joins at once) and installs what was made.  Join returns rc, or the
 * job's status when rc is MS_OK (its error in *err): MS_ENOMEM. */
typedef struct ms__edges_job {
    ms_snapshot *s;
    ms__v8_edges x;
    bool made;
    ms__task task;
} ms__edges_job;

void ms__snapshot_edges_start(ms_snapshot *s, ms__edges_job *j);
int ms__snapshot_edges_join(ms_snapshot *s, ms__edges_job *j, int rc, ms_error *err);

/* What ms__snapshot_forget frees. */
enum {
    MS__FORGET_ID_ORDER = 1,
    MS__FORGET_SHALLOW = 2,
    MS__FORGET_CLASSES = 4,    /* the node classes (not the site groups; their naming
                                  data stays, freed by ms_snapshot_free) */
    MS__FORGET_DOMINATORS = 8, /* immediate dominators, DFS order, dominator tree */
    MS__FORGET_EDGE_ANALYSES = 16, /* all that reads edges: the rules' edge data,
                                      distances, the dominators as above, retained
                                      sizes, paths, the retainer index */
    MS__FORGET_IDOM = 32           /* the immediate dominators alone (the tree stays) */
};

/* Frees the cached analyses in `what` (MS__FORGET_* bits); each is computed
 * again when next asked for.  The pool is left as it is. */
void ms__snapshot_forget(ms_snapshot *s, unsigned what);

/* Whether s may put a second thread to work (enough nodes to pay). */
bool ms__snapshot_two_threads(const ms_snapshot *s);

/* ---- group.c: grouping by retention path ------------------------------------ */

/* Groups the members (a bitset over snap's nodes, `instances` of them) by
 * path signature (paths/groups.c), computing the analyses it needs one
 * stage at a time so that the dominators' scratch is the peak: retained
 * sizes, the dominator tree, classes, then paths.  by: how
 * (ms__group_by in paths/paths.h).  lean: the plan MS__PLAN_LEAN, and the dominator tree and the
 * immediate dominators are freed once used (12 bytes per node; computed
 * again when asked for: for a last grouping).  group_of (u32[N], may be
 * NULL) gets each member's group.  Errors: MS_ENOMEM. */
int ms__group_members(ms_snapshot *snap, const uint64_t *member, uint64_t instances,
                      ms__group_by by, bool lean, uint32_t *group_of, ms_path_groups **out,
                      ms_error *err);

/* Groups the members after removing those whose class (name or key) is in
 * the options' ignore_classes and then those whose group's path signature
 * matches an ignore_paths pattern; *instances and member are updated.
 * Errors: MS_ENOMEM. */
int ms__group_new(ms_snapshot *snap, uint64_t *member, uint64_t *instances,
                  const ms_compare_options *o, ms_path_groups **out, ms_error *err);

/* The classes `name` names, as ms_path_groups_by_class takes a class: its
 * name, its key ("82,42,13,Poller"), or its name as summary displays it
 * with its location ("Poller  server.js:43:14", "Poller (server.js:43)",
 * the file as shown, whole or "script N"; docs/paths.md).  *has_class
 * (bool per class of snap's classes, malloc'd, the caller frees it) marks
 * them.  Needs the classes computed.  Errors: MS_ENOMEM, MS_ENOTFOUND
 * ("SNAP: no class named "NAME"", *has_class NULL), MS_EINVAL (no
 * classes computed). */
int ms__classes_named(const ms_snapshot *snap, const char *name, bool **has_class,
                      ms_error *err);

#endif /* MS_API_SNAPSHOT_H */
