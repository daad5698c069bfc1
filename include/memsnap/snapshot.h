/*
 * memsnap/snapshot.h: opening a heap snapshot, and what it holds: the
 * object graph's nodes and edges as the input recorded them.  Analyses of
 * the graph (sizes, dominators, classes) are in memsnap/analyses.h.
 *
 * Inputs: V8 .heapsnapshot files (Node.js, Chrome, Electron, Deno, Bun),
 * Memlyze .mlyze traces and Python heaps recorded by memsnap_record, and
 * Boehm GC captures (memsnap/capture.h); zstd-compressed or not.  Every
 * format becomes the same graph: typed nodes with names, ids and self
 * sizes, typed named edges, one synthetic root.  A snapshot can be saved
 * as memsnap's native file (.msnap, ms_snapshot_save) with its analyses,
 * which opens as the snapshot it came from, without computing them again.
 */
#ifndef MEMSNAP_SNAPSHOT_H
#define MEMSNAP_SNAPSHOT_H

#include "common.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ms_open_options {
    unsigned version;        /* MS_OPEN_OPTIONS_VERSION */
    ms_format format;        /* MS_FORMAT_AUTO sniffs the first bytes */
    ms_progress_fn progress; /* may be NULL */
    void *payload;           /* passed to progress */
    unsigned threads;        /* 2 or more: the V8 importer parses the numbers on a
                                second thread while it builds the graph, and the
                                analyses may use two threads (ms_snapshot_set_threads);
                                0 or 1: one thread */
    /* Called (with payload) when the library has freed most of a graph and
     * its next memory peak follows (a comparison's BEFORE): the program may
     * give free memory back to the system there (glibc: malloc_trim(0)),
     * which the library does not do for it.  May be NULL. */
    void (*release_memory)(void *payload);
} ms_open_options;

#define MS_OPEN_OPTIONS_VERSION 1
#define MS_OPEN_OPTIONS_INIT { MS_OPEN_OPTIONS_VERSION, MS_FORMAT_AUTO, NULL, NULL, 1, NULL }

/* Imports the file at `path` into a new snapshot (*out, owned by the
 * caller).  The file is streamed, never held in memory whole;
 * zstd-compressed input is decompressed on the fly.  A native .msnap is
 * hashed whole, then read part by part as questions need them: it stays
 * open (one descriptor) until the snapshot is freed or an analysis reads
 * it whole; what a part read later finds wrong is kept for
 * ms_snapshot_status.  opts may be NULL
 * (defaults).  Errors: MS_EIO (cannot open/read), MS_EFORMAT / MS_ETRUNC /
 * MS_ELIMIT (bad input, the message names the byte offset), MS_ENOMEM,
 * MS_ECANCEL, MS_EINVAL (bad arguments or options).  On failure *out is
 * NULL. */
MS_EXPORT ms_status ms_snapshot_open(ms_snapshot **out, const char *path,
                                     const ms_open_options *opts, ms_error *err);

/* As ms_snapshot_open, from `size` bytes at `data` (not copied, only read
 * during the call).  `name` is used in messages (may be NULL). */
MS_EXPORT ms_status ms_snapshot_open_memory(ms_snapshot **out, const void *data, size_t size,
                                            const char *name, const ms_open_options *opts,
                                            ms_error *err);

/* Frees a snapshot and everything borrowed from it.  Accepts NULL. */
MS_EXPORT void ms_snapshot_free(ms_snapshot *snap);

/* MS_OK, or what went wrong reading snap since it was opened, where no
 * call could say so: a native file (.msnap) is read part by part as
 * questions need them, and a part that fails its checks (a file made to
 * pass its hash with wrong content) is found by a getter, which reads
 * zeros there and cannot fail; the first such failure is kept, with its
 * message ("FILE: offset N: ..."), and anything printed since is not to be
 * trusted.  Other inputs are read whole when opened: always MS_OK.
 * Errors: MS_EFORMAT, MS_EIO, MS_ENOMEM (as kept), MS_EINVAL (snap NULL). */
MS_EXPORT ms_status ms_snapshot_status(const ms_snapshot *snap, ms_error *err);

/* How ms_snapshot_save writes. */
typedef struct ms_save_options {
    unsigned version;   /* MS_SAVE_OPTIONS_VERSION */
    int level;          /* zstd level, 1 to 19 (default 3) */
    unsigned threads;   /* 2 or more: compress on two threads; 0 or 1: one */
    const char *name;   /* the output's name, for messages (may be NULL) */
} ms_save_options;

#define MS_SAVE_OPTIONS_VERSION 1
#define MS_SAVE_OPTIONS_INIT { MS_SAVE_OPTIONS_VERSION, 3, 1, NULL }

/* Writes snap as a native .msnap file (docs/formats/msnap.md) to `out`,
 * from its current position, sequentially (a pipe will do): the graph,
 * zstd-compressed by section, and beside it the analyses a file stores
 * (distances, immediate dominators, retained sizes, classes, retention
 * paths, script names; in DevTools' sizes, whatever ms_snapshot_sizes
 * says), which this computes first when they are not.  Opening the file
 * gives the same snapshot, reporting the format, input size and graph size
 * of the one it came from.  Writes are not atomic here: the caller writes
 * to a temporary file and renames it (the CLI's `convert` does).  `out`
 * is flushed, not closed; it stays the caller's.  opts may be NULL.
 * Memory: the analyses (about 36 bytes per node), plus while writing the
 * compressed frames of one section and 40 bytes per node for `why`'s
 * lists of other retainers.  Errors: MS_EIO (a write failed), MS_ENOMEM,
 * MS_EINVAL (bad arguments, or a snapshot kept only for a comparison). */
MS_EXPORT ms_status ms_snapshot_save(ms_snapshot *snap, FILE *out, const ms_save_options *opts,
                                     ms_error *err);

/* ------------------------------------------------------------------------ */
/* Whole-snapshot facts (cannot fail)                                        */
/* ------------------------------------------------------------------------ */

/* The facts of a snapshot in one record (the getters below give each). */
typedef struct ms_snapshot_info {
    const char *name;          /* the name it was opened with (path or memory name); borrowed */
    ms_format format;
    uint32_t node_count;
    uint64_t edge_count;       /* as read from the file */
    uint32_t string_count;
    ms_node root;
    uint64_t total_self_size;  /* bytes: the self sizes recorded in the file */
    uint64_t input_bytes;      /* bytes read (after decompression) */
    uint64_t graph_bytes;      /* bytes of the in-memory graph, analyses not counted */
    double load_seconds;       /* wall seconds ms_snapshot_open took */
} ms_snapshot_info;

/* Fills *out. */
MS_EXPORT void ms_snapshot_info_get(const ms_snapshot *snap, ms_snapshot_info *out);

MS_EXPORT ms_format ms_snapshot_format(const ms_snapshot *snap);
MS_EXPORT uint32_t ms_snapshot_node_count(const ms_snapshot *snap);
/* Edges read from the file (also after ms_snapshot_keep_for_compare). */
MS_EXPORT uint64_t ms_snapshot_edge_count(const ms_snapshot *snap);
MS_EXPORT uint32_t ms_snapshot_string_count(const ms_snapshot *snap);
MS_EXPORT ms_node ms_snapshot_root(const ms_snapshot *snap);
/* Sum of the self sizes recorded in the file (bytes). */
MS_EXPORT uint64_t ms_snapshot_total_self_size(const ms_snapshot *snap);
/* Bytes read from the input (after decompression). */
MS_EXPORT uint64_t ms_snapshot_input_bytes(const ms_snapshot *snap);
/* Bytes the in-memory graph uses (arrays and strings), not counting
 * analyses computed later. */
MS_EXPORT uint64_t ms_snapshot_graph_bytes(const ms_snapshot *snap);
/* The name the snapshot was opened with (path or memory name). Borrowed. */
MS_EXPORT const char *ms_snapshot_name(const ms_snapshot *snap);

/* How ids are best shown to people.  V8's ids are the heap profiler's
 * counters ("@12345"); Boehm GC captures use object addresses, shown in
 * hex ("0x7f3a5c000010"), as debuggers and the program's own logs do.
 * Synthetic nodes (the root and its groups) have small ids in both. */
typedef enum ms_id_style {
    MS_IDS_NUMBERS = 0,   /* "@" and decimal */
    MS_IDS_ADDRESSES = 1  /* "0x" and hex */
} ms_id_style;
MS_EXPORT ms_id_style ms_snapshot_id_style(const ms_snapshot *snap);

/* The node with object id `id`, MS_NODE_NONE when absent.  The first few
 * calls scan the ids; later ones build an index sorted by id (4 bytes per
 * node) and search it. */
MS_EXPORT ms_node ms_snapshot_find_id(ms_snapshot *snap, uint64_t id);

/* ------------------------------------------------------------------------ */
/* Nodes and edges (`n` must be < the node count, `e` < the edge count)      */
/* ------------------------------------------------------------------------ */

/* Node type name as the input spells it ("object", "closure", "hidden" ...).
 * Static or borrowed. */
MS_EXPORT const char *ms_node_type(const ms_snapshot *snap, ms_node n);
/* Raw node name from the input (UTF-8, may contain invalid sequences from
 * lone UTF-16 surrogates). Borrowed; *len (if non-NULL) gets its length. */
MS_EXPORT const char *ms_node_name(const ms_snapshot *snap, ms_node n, size_t *len);
/* The input's object id (V8: the heap profiler's stable id; Boehm: the
 * object's address). */
MS_EXPORT uint64_t ms_node_id(const ms_snapshot *snap, ms_node n);
/* Self size in bytes as recorded in the input (V8's self_size). */
MS_EXPORT uint64_t ms_node_self_size(const ms_snapshot *snap, ms_node n);
/* Outgoing edges of n are the edge indices [*first, *first + count). */
MS_EXPORT uint64_t ms_node_edges(const ms_snapshot *snap, ms_node n, uint64_t *first);
/* Where n was allocated ("file.py:12", a function, ...), as the input
 * recorded it; NULL when unknown (V8 snapshots record none).  Borrowed. */
MS_EXPORT const char *ms_node_site(const ms_snapshot *snap, ms_node n, size_t *len);
/* Whether n is a synthetic node (the root, "(GC roots)" and its groups):
 * bookkeeping, not an object. */
MS_EXPORT int ms_node_is_synthetic(const ms_snapshot *snap, ms_node n);

typedef struct ms_edge_info {
    ms_node from;      /* MS_NODE_NONE (ms_edge_source finds it) */
    ms_node to;
    const char *type;  /* "property", "element", "weak", ... (static or borrowed) */
    const char *name;  /* borrowed; NULL for element and hidden edges, see index */
    uint32_t index;    /* element/hidden index; 0 otherwise */
} ms_edge_info;

/* Fills *out for edge e. */
MS_EXPORT void ms_edge_get(const ms_snapshot *snap, uint64_t e, ms_edge_info *out);
/* The node edge e comes from (a binary search over the edge offsets). */
MS_EXPORT ms_node ms_edge_source(const ms_snapshot *snap, uint64_t e);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_SNAPSHOT_H */
