/*
 * snapshot.h: the ms_snapshot handle: a graph plus the analyses computed on
 * it, each built on first use and kept until the snapshot is freed.
 */
#ifndef MS_SNAPSHOT_H
#define MS_SNAPSHOT_H

#include "graph.h"
#include "../util/pool.h"

#include <pthread.h>

struct ms__classes;   /* graph/classes.h */
struct ms__interfaces_s;

/* Strings the V8 naming rules look for (ms__snapshot_known_sid). */
enum { MS__KNOWN_OBJECT, MS__KNOWN_PROTO, MS__KNOWN_FIRST, MS__KNOWN_SECOND, MS__KNOWN_COUNT };
struct ms__v8_edges;  /* graph/v8rules.h */

/* ms_analysis bits: 1 << k for k < MS__ANALYSIS_COUNT. */
#define MS__ANALYSIS_COUNT 7

/* Internal ms_snapshot_compute flag, with dominators and distances (and
 * classes) asked for together: overlap them only where that does not raise
 * the peak, instead of side by side throughout.  The distances run on a
 * second thread next to the dominators' DFS, which waits for them before it
 * allocates its predecessor lists; the classes, next to the shallow and
 * retained sizes (with retained sizes asked for too), with the scratch pool
 * drained around them. */
#define MS__ANALYSIS_LEAN (1u << 30)

struct ms_snapshot {
    ms__graph *g;
    ms_format format;
    char *name;
    uint64_t input_bytes;
    ms_size_mode sizes;
    ms__pool pool;                 /* scratch blocks reused between analyses */

    /* Computed on first use (NULL until then), kept until freed. */
    uint64_t *shallow;             /* u64[N] DevTools shallow sizes (V8), see graph/shallow.c */
    struct ms__classes *classes;   /* class of every node, see graph/classes.c */
    struct ms__interfaces_s *class_defs; /* V8: the interface definitions of classes
                                            forgotten (MS__FORGET_CLASSES), so that
                                            computing them again skips inferring them */
    struct ms__classes *sites;     /* allocation site of every node, as classes */
    uint32_t *by_id;               /* u32[N] node indices sorted by object id */
    unsigned id_lookups;           /* lookups done without by_id */
    struct ms__v8_edges *edges;    /* which V8 edges retain (page-owned flags, WeakMaps) */
    int32_t *distance;             /* i32[N] */
    uint32_t *idom;                /* u32[N] immediate dominators */
    uint32_t *order;               /* u32[N] DFS order, until retained sizes exist */
    uint64_t *retained;            /* u64[N] retained sizes in `sizes` mode */
    uint32_t *dom_first, *dom_child; /* dominator tree CSR */
    uint32_t *parent_edge;         /* u32[N] last edge of each node's retention path */
    uint32_t *rev_first, *rev_edge; /* retainers index: edges into n are
                                       rev_edge[rev_first[n] .. rev_first[n+1]) */
    unsigned threads;              /* ms_snapshot_set_threads; 0 or 1: one thread */
    double seconds[MS__ANALYSIS_COUNT]; /* wall seconds per analysis (ms_snapshot_seconds) */
    uint32_t known_sid[MS__KNOWN_COUNT]; /* ms__snapshot_known_sid, once found */
    bool known_ready;
    /* ms_snapshot_keep_for_compare: only plain objects' property edges are
     * left; file_edges is the edge count read from the file. */
    bool compare_base;
    uint64_t file_edges;
};

/* Wraps a finished graph (taking it over) in a snapshot of the given format;
 * for importers' shared tail and for tests.  Errors: MS_ENOMEM (g freed). */
int ms__snapshot_from_graph(ms__graph *g, ms_format format, const char *name, ms_snapshot **out,
                            ms_error *err);

/* Whether DevTools' V8-specific rules apply (shallow sizes, class names). */
static inline bool ms__snapshot_is_v8(const ms_snapshot *s)
{
    return s->format == MS_FORMAT_HEAPSNAPSHOT;
}

/* Shallow sizes in the snapshot's mode; computes and caches the DevTools ones
 * on first use.  *out points into the snapshot (or is NULL for raw sizes, in
 * which case use ms__node_self).  Errors: MS_ENOMEM. */
int ms__snapshot_shallow(ms_snapshot *s, const uint64_t **out, ms_error *err);

/* Node indices sorted by object id (ties in node order), built on first use
 * (LSD radix sort, 4 bytes per node kept, 16 more while sorting).  *out
 * points into the snapshot.  Errors: MS_ENOMEM. */
int ms__snapshot_by_id(ms_snapshot *s, const uint32_t **out, ms_error *err);

/* The string id of "Object", "__proto__", "first" or "second" (which:
 * MS__KNOWN_*), UINT32_MAX when absent.  One pass over the string lengths
 * finds all four the first time (a few ms for millions of strings, where
 * building a hash index of the strings took 150 ms). */
uint32_t ms__snapshot_known_sid(ms_snapshot *s, unsigned which);

/* What ms__snapshot_forget frees. */
enum {
    MS__FORGET_ID_ORDER = 1,
    MS__FORGET_SHALLOW = 2,
    MS__FORGET_CLASSES = 4,    /* the node classes (not the site groups; the V8
                                  interface definitions stay: a few per plain
                                  object shape, freed by ms_snapshot_free) */
    MS__FORGET_DOMINATORS = 8, /* immediate dominators, DFS order, dominator tree */
    MS__FORGET_EDGE_ANALYSES = 16, /* all that reads edges: the V8 edge rules,
                                      distances, the dominators as above, retained
                                      sizes, paths, the retainer index */
    MS__FORGET_IDOM = 32           /* the immediate dominators alone (the tree stays) */
};

/* Frees the cached analyses in `what` (MS__FORGET_* bits); each is computed
 * again when next asked for.  For callers that lower a memory peak (the
 * comparison, ms_snapshot_keep_for_compare) and for ms_snapshot_free.  The
 * pool is left as it is. */
void ms__snapshot_forget(ms_snapshot *s, unsigned what);

/* The V8 edge rules, or NULL for other formats (in *out). Errors: MS_ENOMEM. */
int ms__snapshot_edges(ms_snapshot *s, const struct ms__v8_edges **out, ms_error *err);

/* A computation on a second thread, next to what the caller does: fn(arg,
 * err), its status, error and wall seconds kept for the join (snapshot.c:
 * side_start, side_wait, side_join).  Zeroed: not started. */
typedef struct ms__side_task {
    int (*fn)(void *arg, ms_error *err);
    void *arg;
    pthread_t tid;
    bool started, finished;
    int rc;
    ms_error err;
    double seconds;
} ms__side_task;

/* The V8 edge rules made on a second thread while the caller does other
 * work that reads the graph (no pool: the caller keeps using it).  Start
 * does nothing unless the snapshot may use two threads, is a V8 snapshot of
 * PARALLEL_MIN_NODES nodes or more and has no rules yet; join waits (once;
 * a job never started joins at once) and keeps the rules in the snapshot.
 * Scratch: 4 bytes per node while it runs.  Join returns rc, or the job's
 * status when rc is MS_OK (its error in *err): MS_ENOMEM. */
typedef struct ms__edges_job {
    ms_snapshot *s;
    struct ms__v8_edges *x;
    ms__side_task task;
} ms__edges_job;

void ms__snapshot_edges_start(ms_snapshot *s, ms__edges_job *j);
int ms__snapshot_edges_join(ms_snapshot *s, ms__edges_job *j, int rc, ms_error *err);

static inline uint64_t ms__shallow_of(const ms__graph *g, const uint64_t *shallow, uint32_t n)
{
    return shallow ? shallow[n] : ms__node_self(g, n);
}

#endif /* MS_SNAPSHOT_H */
