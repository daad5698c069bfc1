/*
 * native.h: what a native file (.msnap) stores beside its graph, read into
 * and written from a snapshot (native.c; docs/formats/msnap.md).
 */
#ifndef MS_API_NATIVE_H
#define MS_API_NATIVE_H

#include "snapshot.h"

/* The largest objects a file lists in order (ms_top answers from them). */
#define MS__NATIVE_TOP 4096u
/* The other retainers a file keeps per node (`why`'s --paths, 3 by default). */
#define MS__NATIVE_OTHERS 4u

/* Reads the analyses the native file of s->g (s->g->native, NULL for other
 * inputs: nothing to do) stores into s, checking each (docs/formats/
 * msnap.md), then closes the file; threads (1 or 2) decompress.  Also
 * sets the source's input and graph sizes.  Errors: MS_EFORMAT ("FILE:
 * offset N: what"), MS_EIO, MS_ENOMEM; s keeps no stored analysis then. */
int ms__native_adopt(ms_snapshot *s, unsigned threads, ms_error *err);

/* Makes every part of s's graph that is not in memory yet be there (a
 * native file read lazily); a no-op otherwise.  Errors: MS_EFORMAT,
 * MS_EIO, MS_ENOMEM. */
int ms__snapshot_whole(ms_snapshot *s, ms_error *err);

/* MS_OK, or the first failure met reading s's file on demand (getters
 * cannot return it: they read zeros there), copied to *err when it holds
 * none. */
int ms__native_status(const ms_snapshot *s, ms_error *err);

/* Frees an analysis array of s (*p, NULL after), whether it is still read
 * on demand from the file or memory of its own. */
void ms__native_free_array(ms_snapshot *s, void **p);

/* Touches for the analyses' arrays of a snapshot read on demand: element
 * n of the array arr (s->distance, ...).  No-ops otherwise. */
static inline void ms__need(const ms_snapshot *s, const void *arr, uint64_t n)
{
    ms__touch_at(s->g, arr, n);
}

/* Elements [first, first + count) of the graph array or analysis array
 * at base (whole arrays, for scans).  No-op unless read on demand. */
void ms__native_need_range(const ms_snapshot *s, const void *base, uint64_t first,
                           uint64_t count);

/* Why n is alive (ms_why_compute with k other paths) from what a native
 * file read on demand stores: 1 with *out set (owned by the caller), 0
 * when the file cannot answer it alone (not read on demand, raw sizes, or
 * more paths asked than it keeps: the caller computes it), or a negative
 * status: MS_ENOMEM, or a damaged part met on the way. */
int ms__native_why(ms_snapshot *s, uint32_t n, size_t k, ms_why **out, ms_error *err);

/* The edge by which `from`, one of n's other retainers a file lists,
 * holds n: its last edge to n that is not weak (ms__why's order prefers
 * a node's later edges); UINT64_MAX when there is none. */
uint64_t ms__native_other_edge(const ms__graph *g, uint32_t from, uint32_t n);

/* How nodes[count] are reached, named (ms_retention_edges with named),
 * into out[count], from what a native file read on demand stores for its
 * largest objects: 1 when every node is one of them, 0 otherwise (out
 * undefined; the caller computes them). */
int ms__native_top_reach(const ms_snapshot *s, const uint32_t *nodes, size_t count,
                         uint64_t *out);

/* Before s is compared: drops classes read from a file, which lack the
 * naming data a comparison names the other snapshot with (they are made
 * again when asked for).  Cannot fail. */
void ms__native_for_compare(ms_snapshot *s);

#endif /* MS_API_NATIVE_H */
