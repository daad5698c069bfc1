/*
 * trace_compare.h: `memsnap compare` of two .mlyze event traces without a
 * heap snapshot (Memlyze's own files): growth per allocation site.
 */
#ifndef MEMSNAP_TRACE_COMPARE_H
#define MEMSNAP_TRACE_COMPARE_H

#include "cli.h"

#include <cjson/cJSON.h>

/* One allocation site of either trace, matched by its site key
 * (ms_trace_site.site, stable across files: docs/formats/mlyze.md). */
typedef struct site_diff {
    const char *site;        /* borrowed from the trace that has it */
    ms_trace_site before;    /* zeros when only AFTER has the site */
    ms_trace_site after;     /* zeros when only BEFORE has it */
    bool in_before, in_after;
    int64_t live_delta;      /* bytes: after.live_bytes - before.live_bytes */
} site_diff;

/* The sites of two site-graph traces matched by key, largest live growth
 * first (then by key).  *out is malloc'ed (caller frees); it borrows the
 * site strings from both snapshots.  Returns false when out of memory. */
bool trace_sites_diff(const ms_snapshot *before, const ms_snapshot *after, site_diff **out,
                      size_t *count);

/* Text (or Markdown) report: totals, then up to top changed sites (0: all). */
void trace_compare_text(FILE *f, const ms_snapshot *before, const ms_snapshot *after,
                        const site_diff *d, size_t n, const char *bname, const char *aname,
                        size_t top, bool markdown);

/* The "trace" member of compare's JSON: both traces' totals and the changed
 * sites (up to top; 0: all).  Owned by the caller. */
cJSON *trace_compare_json(const ms_snapshot *before, const ms_snapshot *after, const site_diff *d,
                          size_t n, size_t top);

#endif /* MEMSNAP_TRACE_COMPARE_H */
