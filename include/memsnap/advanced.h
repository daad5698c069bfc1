/*
 * memsnap/advanced.h: the steps the whole jobs of memsnap/compare.h are
 * made of, for callers that schedule them differently (e.g. load the
 * snapshots themselves, or from memory).  Less stable than the rest of
 * the API: these may change between minor versions, as the jobs' plan
 * changes.  ms_compare_files shows their order:
 *
 *   ms_snapshot_open(&before);  ms_snapshot_keep_for_compare(before);
 *   ms_snapshot_open(&after);
 *   opts.paths = MS_COMPARE_PATHS_LATER;  ms_compare_compute(before, after, &opts, &cmp);
 *   ms_snapshot_free(before);   (the comparison keeps what it needs)
 *   opts.paths = MS_COMPARE_PATHS_GROUP;  ms_compare_add_paths(cmp, &opts);
 */
#ifndef MEMSNAP_ADVANCED_H
#define MEMSNAP_ADVANCED_H

#include "compare.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For a snapshot that will only be a comparison's BEFORE (or leaks'
 * BASELINE and TARGET): computes what the comparison reads of it (the
 * rules' shallow sizes, the id order) and frees the rest: every edge but
 * those its classes read (V8: plain objects' properties, which name them),
 * the analyses and their scratch.  Edges are about 3/4 of a V8 graph's
 * memory, so AFTER loads next to a quarter of BEFORE.  Afterwards the node
 * getters, classes and ms_snapshot_edge_count (the file's count) still
 * work; the edge getters see only the kept edges, and ms_snapshot_compute
 * of anything but MS_ANALYSIS_CLASSES fails with MS_EINVAL.  With two
 * threads the id order is sorted on the second one.  Errors: MS_ENOMEM
 * (nothing freed then). */
MS_EXPORT ms_status ms_snapshot_keep_for_compare(ms_snapshot *snap, ms_error *err);

/* Groups AFTER's new objects by retention path and sums what they retain,
 * as MS_COMPARE_PATHS_GROUP does inside ms_compare_compute, for a
 * comparison computed with MS_COMPARE_PATHS_LATER.  In between the caller
 * can free BEFORE, so that AFTER's dominator tree and paths are not
 * computed with both graphs in memory.  opts: the same ignore lists as
 * given to ms_compare_compute.  Replaces the totals' new_count and
 * new_size with the grouped ones and fills the rows' added_retained.
 * Errors: MS_EINVAL (matched per class, rows per site, or paths already
 * there), MS_ENOMEM. */
MS_EXPORT ms_status ms_compare_add_paths(ms_compare *c, const ms_compare_options *opts,
                                         ms_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_ADVANCED_H */
