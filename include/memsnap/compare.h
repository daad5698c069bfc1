/*
 * memsnap/compare.h: what grew between two snapshots of one process
 * (Chrome DevTools' Comparison view, plus where the new objects are held),
 * memlab's leaks over three, and CI budgets over either (docs/compare.md,
 * docs/ci.md).
 *
 * The whole jobs, ms_compare_files and ms_leaks_files, open the files
 * themselves in the order that keeps the memory peak low: BEFORE (or
 * BASELINE and TARGET) reduced to what the comparison reads before the
 * next file loads, BEFORE freed before AFTER's dominators and paths -
 * about one graph at a time.  ms_compare_compute and ms_leaks_compute
 * compare snapshots the caller opened; the step-by-step calls the jobs
 * are made of are in memsnap/advanced.h.
 */
#ifndef MEMSNAP_COMPARE_H
#define MEMSNAP_COMPARE_H

#include "paths.h"
#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ms_compare_match {
    /* By object id, as DevTools' Comparison view, unless the two snapshots
     * come from different processes (ms_compare_note says why): then per
     * class only.  Boehm GC captures record their process (pid, start
     * time, executable); for V8 snapshots the ids' overlap tells. */
    MS_MATCH_AUTO = 0,
    MS_MATCH_BY_ID = 1,    /* by object id even then */
    MS_MATCH_BY_CLASS = 2  /* counts and sizes per class (or site) only */
} ms_compare_match;

typedef enum ms_compare_interfaces {
    /* DevTools' Memory panel: BEFORE's plain objects are named with AFTER's
     * interface definitions ("{a, b}"), so the names line up. */
    MS_INTERFACES_AFTER = 0,
    /* Each snapshot names its own (heap-snapshot-toolkit's diff()). */
    MS_INTERFACES_OWN = 1
} ms_compare_interfaces;

typedef enum ms_compare_paths {
    MS_COMPARE_PATHS_NONE = 0,  /* rows only: no grouping, no retained sizes (faster) */
    MS_COMPARE_PATHS_GROUP = 1, /* group the new objects by cause in AFTER and
                                   sum what they retain (needs AFTER's dominators and paths) */
    MS_COMPARE_PATHS_LATER = 2  /* not now: ms_compare_add_paths will follow
                                   (memsnap/advanced.h) */
} ms_compare_paths;

typedef struct ms_compare_options {
    unsigned version;                 /* MS_COMPARE_OPTIONS_VERSION */
    ms_compare_match match;
    ms_compare_interfaces interfaces;
    ms_summary_group group;           /* rows per class or per allocation site */
    ms_compare_paths paths;
    ms_size_mode sizes;               /* the whole jobs: the size mode of the snapshots they
                                         open (ms_compare_compute uses the snapshots' own) */
    /* New (or leaked) objects to leave out of the groups and retained
     * totals: classes by name or key, and paths whose signature
     * (ms_path_signature) matches a pattern (fnmatch(3): * ? [...]). */
    const char *const *ignore_classes;
    size_t ignore_class_count;
    const char *const *ignore_paths;
    size_t ignore_path_count;
} ms_compare_options;

#define MS_COMPARE_OPTIONS_VERSION 1
#define MS_COMPARE_OPTIONS_INIT                                                                    \
    { MS_COMPARE_OPTIONS_VERSION, MS_MATCH_AUTO, MS_INTERFACES_AFTER, MS_GROUP_CLASS,              \
      MS_COMPARE_PATHS_GROUP, MS_SIZES_DEVTOOLS, NULL, 0, NULL, 0 }

/* ------------------------------------------------------------------------ */
/* Comparing two snapshots                                                   */
/* ------------------------------------------------------------------------ */

/* One class (or site) of the comparison.  Objects are those with a non-zero
 * shallow size, as in the summary. */
typedef struct ms_compare_row {
    const char *key;          /* DevTools' class key (borrowed from the comparison) */
    const char *name;
    uint64_t before_count, after_count;
    uint64_t before_size, after_size;     /* bytes, shallow sizes */
    /* By id (zero when matched per class): objects only in AFTER ("# New",
     * "Alloc. Size") and only in BEFORE ("# Deleted", "Freed Size"). */
    uint64_t added_count, added_size;
    uint64_t removed_count, removed_size;
    /* By id: added - removed (DevTools' "# Delta", "Size Delta"); per class:
     * after - before. */
    int64_t count_delta, size_delta;
    /* Bytes the new objects of the row retain in AFTER (those no other new
     * object of the row dominates); 0 without paths.  Ignored objects are
     * left out. */
    uint64_t added_retained;
    int ignored;              /* the row's class is in ignore_classes */
    int changed;              /* by id: objects were added or removed; per class: the count
                                 or size changed.  DevTools lists only these rows. */
} ms_compare_row;

typedef struct ms_compare_totals {
    uint32_t before_nodes, after_nodes;
    uint64_t before_size, after_size;     /* bytes, all shallow sizes */
    uint64_t added_count, added_size;     /* by id, every row */
    uint64_t removed_count, removed_size;
    /* New objects that are not ignored: how many, their shallow sizes, and
     * the bytes they retain in AFTER together, each byte once (with paths). */
    uint64_t new_count, new_size, new_retained;
    uint64_t shared_ids;      /* ids in both snapshots */
    uint64_t mismatched_ids;  /* of those, naming objects of another type or name */
} ms_compare_totals;

typedef struct ms_compare ms_compare;

/* Compares the files BEFORE and AFTER (paths), opening them with `open`
 * (may be NULL: defaults) and opts (may be NULL), about one graph in memory
 * at a time: BEFORE is reduced to its ids, shallow sizes and class names
 * (ms_snapshot_keep_for_compare) before AFTER loads, and freed before
 * AFTER's dominators and paths are computed.  Two Memlyze event traces
 * (no heap) are compared per allocation site as well
 * (ms_compare_trace_diff), and both are kept.  *out owned by the caller
 * (ms_compare_free); it owns the snapshots it kept.  Errors: as
 * ms_snapshot_open (the message names the file), MS_EINVAL (bad options),
 * MS_ENOMEM. */
MS_EXPORT ms_status ms_compare_files(const char *before, const char *after,
                                     const ms_open_options *open, const ms_compare_options *opts,
                                     ms_compare **out, ms_error *err);

/* Compares two snapshots the caller opened (reference: DevTools'
 * HeapSnapshot.ts calculateSnapshotDiff / calculateDiffForClass): per class
 * key, objects matched by id; rows sorted by size delta, largest growth
 * first, the unchanged ones (changed == 0) last; with paths, AFTER's new
 * objects grouped by cause (docs/compare.md "Groups by cause").  Computes the analyses it needs on
 * both; neither is changed otherwise.  The result borrows from both (free
 * it first).  Errors: MS_EINVAL (bad options), MS_ENOMEM. */
MS_EXPORT ms_status ms_compare_compute(ms_snapshot *before, ms_snapshot *after,
                                       const ms_compare_options *opts, ms_compare **out,
                                       ms_error *err);

/* 1 when objects were matched by id, 0 when per class only. */
MS_EXPORT int ms_compare_by_id(const ms_compare *c);
/* Why objects were not matched by id (different processes, formats, site
 * traces), or NULL. */
MS_EXPORT const char *ms_compare_note(const ms_compare *c);
MS_EXPORT const ms_compare_totals *ms_compare_totals_get(const ms_compare *c);
MS_EXPORT size_t ms_compare_row_count(const ms_compare *c);
MS_EXPORT const ms_compare_row *ms_compare_row_get(const ms_compare *c, size_t i);
/* The new objects (not ignored) grouped by cause in AFTER: each group the
 * objects whose first new object on their retention path (the entry) has
 * one path signature and class; named after the program's class in it
 * (ms_path_group.example, class_count; docs/compare.md "Groups by
 * cause"), largest retained first.  NULL without paths.  Borrowed. */
MS_EXPORT const ms_path_groups *ms_compare_groups(const ms_compare *c);
/* The row of an AFTER node; SIZE_MAX for nodes counted in no row. */
MS_EXPORT size_t ms_compare_node_row(const ms_compare *c, ms_node n);
/* The facts of BEFORE (which = 0) and AFTER (1), as they were opened
 * (BEFORE's too once it is freed).  Borrowed. */
MS_EXPORT const ms_snapshot_info *ms_compare_input(const ms_compare *c, unsigned which);
/* AFTER, for what the groups name (classes, paths); borrowed. */
MS_EXPORT ms_snapshot *ms_compare_after(const ms_compare *c);
/* BEFORE while it is kept (ms_compare_compute; two site traces), else
 * NULL.  Borrowed. */
MS_EXPORT ms_snapshot *ms_compare_before(const ms_compare *c);
/* Two site traces: the growth per allocation site; NULL otherwise. */
MS_EXPORT const ms_trace_diff *ms_compare_trace_diff(const ms_compare *c);
/* Wall seconds of the comparison, loading left out. */
MS_EXPORT double ms_compare_seconds(const ms_compare *c);
MS_EXPORT void ms_compare_free(ms_compare *c);

/* ------------------------------------------------------------------------ */
/* memlab's leaks over three snapshots                                       */
/* ------------------------------------------------------------------------ */

/* memlab's leak model over three snapshots of one process: objects
 * allocated between BASELINE and TARGET (ids in TARGET, not in BASELINE)
 * that are still alive in FINAL, minus the ignored ones (options: the
 * ignore lists and, for ms_leaks_files, the sizes).  Objects are FINAL's
 * nodes with a non-zero shallow size that a strong path reaches. */
typedef struct ms_leaks ms_leaks;

/* Opens and analyses the three files, BASELINE and TARGET reduced to their
 * ids (ms_snapshot_keep_for_compare) before the next loads.  *out owned by
 * the caller (ms_leaks_free); it owns the snapshots.  Errors: as
 * ms_snapshot_open, MS_EFORMAT (snapshots of different processes: the
 * message says which pair), MS_EINVAL (bad options), MS_ENOMEM. */
MS_EXPORT ms_status ms_leaks_files(const char *baseline, const char *target, const char *final,
                                   const ms_open_options *open, const ms_compare_options *opts,
                                   ms_leaks **out, ms_error *err);

/* The same on snapshots the caller opened; *out borrows from final. */
MS_EXPORT ms_status ms_leaks_compute(ms_snapshot *baseline, ms_snapshot *target,
                                     ms_snapshot *final, const ms_compare_options *opts,
                                     ms_leaks **out, ms_error *err);

typedef struct ms_leaks_totals {
    uint64_t count;         /* leaked objects */
    uint64_t shallow_size;  /* bytes, their shallow sizes */
    uint64_t retained_size; /* bytes they retain in FINAL together, each byte once */
    /* Of them, those the program holds (docs/compare.md "What leaks
     * counts"): not the engine's and runtime's own objects, and not plain
     * data that only they keep alive (the nearest dominator of known
     * origin, ms_node_origin, is the program's, or the GC roots).  What
     * the `leaks` budget measures; for formats without origins, all. */
    uint64_t program_count;
    uint64_t program_retained_size; /* bytes, each once */
} ms_leaks_totals;

MS_EXPORT const ms_leaks_totals *ms_leaks_totals_get(const ms_leaks *l);
/* Leaked objects per class, largest retained first (retained: those no
 * other leaked object of the class dominates). */
MS_EXPORT size_t ms_leaks_class_count(const ms_leaks *l);
MS_EXPORT const ms_class_row *ms_leaks_class_get(const ms_leaks *l, size_t i);
/* How many of class row i's leaked objects the program holds (as
 * ms_leaks_totals.program_count counts them); the row's count for formats
 * without origins. */
MS_EXPORT uint64_t ms_leaks_class_program_count(const ms_leaks *l, size_t i);
/* Leaked objects grouped by cause in FINAL, as ms_compare_groups (borrowed). */
MS_EXPORT const ms_path_groups *ms_leaks_groups(const ms_leaks *l);
/* The facts of BASELINE (0), TARGET (1) and FINAL (2).  Borrowed. */
MS_EXPORT const ms_snapshot_info *ms_leaks_input(const ms_leaks *l, unsigned which);
/* FINAL, for what the groups name; borrowed. */
MS_EXPORT ms_snapshot *ms_leaks_final(const ms_leaks *l);
/* Wall seconds of the analysis, loading left out. */
MS_EXPORT double ms_leaks_seconds(const ms_leaks *l);
MS_EXPORT void ms_leaks_free(ms_leaks *l);

/* ------------------------------------------------------------------------ */
/* CI budgets (--fail-on EXPR)                                               */
/* ------------------------------------------------------------------------ */

typedef enum ms_budget_measure {
    MS_BUDGET_TOTAL,        /* "total": total shallow size (bytes) */
    MS_BUDGET_OBJECTS,      /* "objects": node count */
    MS_BUDGET_NEW,          /* "new": new objects (count; with a size unit: their shallow bytes) */
    MS_BUDGET_NEW_RETAINED, /* "new-retained": bytes the new objects retain */
    MS_BUDGET_CLASS,        /* "class:NAME": one class (count; with a size unit: shallow bytes) */
    MS_BUDGET_LEAKS         /* "leaks": leaked objects (count; with a size unit: bytes retained) */
} ms_budget_measure;

typedef enum ms_budget_form {
    MS_BUDGET_ABSOLUTE, /* "total>500MB": the value in AFTER (or FINAL) */
    MS_BUDGET_CHANGE,   /* "total>+2MB": AFTER minus BEFORE */
    MS_BUDGET_PERCENT   /* "total>+5%": the change relative to BEFORE */
} ms_budget_form;

typedef struct ms_budget {
    const char *text;          /* as given (borrowed) */
    ms_budget_measure measure;
    char cls[512];             /* MS_BUDGET_CLASS: the class name or key */
    ms_budget_form form;
    int or_equal;              /* ">=" rather than ">" */
    int bytes;                 /* the limit is bytes (a size unit, or a measure of bytes) */
    double limit;              /* count, bytes or percent (sign included) */
} ms_budget;

/* Parses one budget expression:
 *   MEASURE (">" | ">=") [+|-]NUMBER[%|B|KB|MB|GB]   (1 KB = 1024 B, as
 *   memsnap prints sizes; KiB, MiB, GiB and K, M, G are accepted too)
 *   MEASURE = total | objects | new | new-retained | leaks | class:NAME
 * A signed limit is a change from BEFORE, a percentage a relative one.
 * Errors: MS_EINVAL, the message saying what is wrong ("no '>' ...").
 * *out keeps a pointer to text. */
MS_EXPORT ms_status ms_budget_parse(const char *text, ms_budget *out, ms_error *err);

typedef struct ms_budget_result {
    int measured;             /* 0: the input cannot measure it (message says why);
                                 CI should count it as exceeded */
    int exceeded;
    double value;             /* the measured count, bytes or percent */
    char message[1024];       /* one line: "total size changed by +6.2% (45.2 MiB -> 48.0 MiB)" */
} ms_budget_result;

/* Checks a budget against a comparison (two site traces: their live bytes
 * at the end are the totals) or against leaks. */
MS_EXPORT void ms_budget_check_compare(const ms_budget *b, const ms_compare *c,
                                       ms_budget_result *out);
MS_EXPORT void ms_budget_check_leaks(const ms_budget *b, const ms_leaks *l,
                                     ms_budget_result *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMSNAP_COMPARE_H */
