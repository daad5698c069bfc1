/*
 * trace_compare.h: `memsnap compare` of two .mlyze event traces without a
 * heap snapshot (Memlyze's own files): their growth per allocation site
 * (ms_trace_diff) as text and JSON.
 */
#ifndef MEMSNAP_TRACE_COMPARE_H
#define MEMSNAP_TRACE_COMPARE_H

#include "cli.h"

#include <cjson/cJSON.h>

/* Text (or Markdown) report: totals, then up to top changed sites (0: all). */
void trace_compare_text(FILE *f, const ms_snapshot *before, const ms_snapshot *after,
                        const ms_trace_diff *d, const char *bname, const char *aname, size_t top,
                        bool markdown);

/* The "trace" member of compare's JSON: both traces' totals and the changed
 * sites (up to top; 0: all).  Owned by the caller. */
cJSON *trace_compare_json(const ms_snapshot *before, const ms_snapshot *after,
                          const ms_trace_diff *d, size_t top);

#endif /* MEMSNAP_TRACE_COMPARE_H */
