/*
 * trace.h: what an event trace (.mlyze) recorded over time, kept beside the
 * graph: totals, one row per allocation site, the live-bytes series, and the
 * markers and garbage collections.  The Memlyze importer fills it while it
 * reads the events; the graph owns it (ms__graph.trace) and frees it.
 *
 *   sites    ms__trace_site[S]   48 bytes each, in first-seen order
 *   samples  ms_trace_sample[P]  40 bytes each, P <= MS__TRACE_SAMPLES
 *   marks    ms__trace_mark[M]   48 bytes each, M <= MS__TRACE_MARKS
 *
 * The series stays bounded however long the trace: when it holds
 * MS__TRACE_SAMPLES points, neighbours are merged two by two and from then on
 * every stored point covers twice as many raw points (min and max keep the
 * extremes).  So the series never takes more than MS__TRACE_SAMPLES x 40
 * bytes (2.6 MB) however many events come, and the peak is exact because
 * it is tracked on every event, not read from the series.
 */
#ifndef MS_TRACE_H
#define MS_TRACE_H

#include "../util/util.h"

#define MS__TRACE_SAMPLES 65536u
#define MS__TRACE_MARKS (1u << 20)
#define MS__TRACE_SITES ((1u << 24) - 1u)

typedef struct ms__trace_site {
    uint32_t name; /* string id of the site string: the site's key */
    uint32_t node; /* node in a site graph, MS_NODE_NONE otherwise */
    uint64_t alloc_events, free_events, alloc_bytes, freed_bytes;
    int64_t live_bytes;
} ms__trace_site;

typedef struct ms__trace_mark {
    uint64_t time_us, offset;
    int64_t live_bytes;
    uint64_t objects, bytes; /* GC */
    uint32_t name;           /* MARKER: string id */
    uint32_t kind;           /* ms_mark_kind */
} ms__trace_mark;

typedef struct ms__trace {
    ms_trace_info info;
    ms__trace_site *sites;
    ms_trace_sample *samples;
    ms__trace_mark *marks;
    uint32_t site_cap, sample_cap, mark_cap;

    /* Building the series: the open point (events at one time), and the
     * point being merged from `stride` raw points. */
    int64_t live;
    bool open, acc_open;
    ms_trace_sample cur, acc;
    uint64_t stride, acc_n;
} ms__trace;

/* A new empty trace (*out, owned by the caller: ms__trace_free, or the
 * graph that takes it).  Errors: MS_ENOMEM. */
int ms__trace_new(ms__trace **out, ms_error *err);
/* Frees the trace and its arrays; accepts NULL. */
void ms__trace_free(ms__trace *t);

/* Adds a site named by string id `name`; *index gets its index.
 * Errors: MS_ELIMIT (more than MS__TRACE_SITES), MS_ENOMEM. */
int ms__trace_add_site(ms__trace *t, uint32_t name, uint32_t *index, ms_error *err);

/* Live bytes change by `delta` bytes at time `time_us` (microseconds,
 * never earlier than the previous call's) through one event.  Updates the series and the peak.
 * Errors: MS_ELIMIT (live bytes beyond +-2^63), MS_ENOMEM. */
int ms__trace_live(ms__trace *t, uint64_t time_us, int64_t delta, ms_error *err);

/* Records a marker (name = string id) or a GC (objects and bytes
 * collected) at time_us, found at byte `offset` of the input; kept up to
 * MS__TRACE_MARKS, counted in marks_dropped beyond.  Errors: MS_ENOMEM. */
int ms__trace_add_mark(ms__trace *t, ms_mark_kind kind, uint64_t time_us, uint64_t offset,
                   uint32_t name, uint64_t objects, uint64_t bytes, ms_error *err);

/* Closes the series and the totals (after the last event). Errors: MS_ENOMEM. */
int ms__trace_finish(ms__trace *t, ms_error *err);

/* The bytes the trace holds: its struct, its arrays by capacity (the
 * series as trace.c counts it). */
uint64_t ms__trace_memory(const ms__trace *t);

#endif /* MS_TRACE_H */
