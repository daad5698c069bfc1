/*
 * memsnap/trace.h: what an .mlyze input recorded over time (Memlyze's
 * tracer and memsnap's Python recorder, docs/formats/mlyze.md): totals,
 * allocation sites, the live-bytes series, markers and collections, and
 * the growth per allocation site between two traces.
 *
 * Times are microseconds after the header's start time (fields named _us);
 * bytes are bytes.  "Live bytes" are the sum of ALLOC sizes minus the frees
 * whose size is known (a FREE paired with its ALLOC by address, or a
 * memsnap SITE_FREE): Memlyze's own FREE events carry no size and address
 * 0, so for its files this is an upper bound (see unsized_frees).
 */
#ifndef MEMSNAP_TRACE_H
#define MEMSNAP_TRACE_H

#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

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
MS_EXPORT const ms_trace_info *ms_snapshot_trace(const ms_snapshot *snap);
/* 1 when snap is an event trace without a heap snapshot (Memlyze's own
 * files): its nodes are allocation sites, not objects, so nothing can be
 * matched by id and its summary is per site; 0 otherwise. */
MS_EXPORT int ms_snapshot_is_site_trace(const ms_snapshot *snap);

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

/* The sites (0 for other formats), in the order the events first named
 * them; site i (< the count) into *out. */
MS_EXPORT uint32_t ms_trace_site_count(const ms_snapshot *snap);
MS_EXPORT void ms_trace_site_get(const ms_snapshot *snap, uint32_t i, ms_trace_site *out);

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

/* The series' points (0 for other formats), in time order; point i (< the
 * count), borrowed.  The points are one array: ms_trace_sample_get(snap,
 * 0)[i] is point i. */
MS_EXPORT uint32_t ms_trace_sample_count(const ms_snapshot *snap);
MS_EXPORT const ms_trace_sample *ms_trace_sample_get(const ms_snapshot *snap, uint32_t i);

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

/* The markers and collections kept (0 for other formats); mark i (< the
 * count) into *out. */
MS_EXPORT uint32_t ms_trace_mark_count(const ms_snapshot *snap);
MS_EXPORT void ms_trace_mark_get(const ms_snapshot *snap, uint32_t i, ms_trace_mark *out);

/* ------------------------------------------------------------------------ */
/* Growth per allocation site between two traces                             */
/* ------------------------------------------------------------------------ */

/* One allocation site of either trace, matched by its site key
 * (ms_trace_site.site, stable across files: docs/formats/mlyze.md). */
typedef struct ms_site_diff {
    const char *site;        /* borrowed from the trace that has it */
    ms_trace_site before;    /* zeros when only AFTER has the site */
    ms_trace_site after;     /* zeros when only BEFORE has it */
    int in_before, in_after;
    int64_t live_delta;      /* bytes: after.live_bytes - before.live_bytes */
} ms_site_diff;

typedef struct ms_trace_diff ms_trace_diff;

/* The sites of two traces matched by key, largest live growth first (then
 * by key): what a user asks of two Memlyze traces, which have no objects
 * to match by id.  *out owned by the caller (ms_trace_diff_free); it
 * borrows the site strings from both snapshots.  Errors: MS_EINVAL (an
 * input that is not a trace), MS_ENOMEM. */
MS_EXPORT ms_status ms_trace_diff_compute(const ms_snapshot *before, const ms_snapshot *after,
                                          ms_trace_diff **out, ms_error *err);
MS_EXPORT size_t ms_trace_diff_count(const ms_trace_diff *d);
MS_EXPORT const ms_site_diff *ms_trace_diff_get(const ms_trace_diff *d, size_t i);
MS_EXPORT void ms_trace_diff_free(ms_trace_diff *d);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_TRACE_H */
