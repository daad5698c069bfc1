/*
 * compare.h: two or three snapshots side by side: DevTools' Comparison
 * (compare.c), memlab's leaks (leaks.c), and the user's ignore lists
 * (ignore.c).  Everything reads heap views (graph/heap.h) whose analyses
 * the caller computed first (src/api plans that, one graph at a time where
 * it can).
 */
#ifndef MS_COMPARE_H
#define MS_COMPARE_H

#include "../graph/heap.h"

/* A comparison (ms_compare_*): rows per class, totals, and AFTER's new
 * objects, grouped by path once the caller adds the groups. */
struct ms_compare {
    int by_id;
    char note[256];
    ms_compare_totals totals;
    ms_compare_row *rows;
    size_t count;
    ms__strtab text;            /* row identities: origin byte + key */
    ms__sbuf names;             /* each row's key and name, NUL-terminated */
    const ms__graph *ag;        /* AFTER's graph (borrowed) */
    const ms__classes *acl;     /* AFTER's classes (borrowed) */
    uint32_t *row_of_aclass;    /* AFTER class -> row, UINT32_MAX when not listed */
    const uint64_t *ashallow;   /* AFTER's shallow sizes (borrowed), NULL: raw */
    ms_path_groups *groups;
    uint64_t *member;           /* by id: bit per AFTER node, new and not synthetic */
    uint64_t instances;         /* bits set in member */
    void *after;                /* AFTER's handle (src/api), for the paths added later */
    void *before;               /* BEFORE's handle while it is kept, else NULL */
    ms_snapshot_info input[2];  /* BEFORE's and AFTER's facts; names in input_name */
    char *input_name[2];
    ms_trace_diff *trace;       /* two site traces: growth per site */
    int64_t trace_final[2];     /* their live bytes at the end */
    double seconds;             /* the comparison's wall time */
    /* What the comparison owns besides (the snapshots of a whole job):
     * released by ms_compare_free through release(owner). */
    void *owner;
    void (*release)(void *owner);
};

/* Leaked objects (ms_leaks_*). */
struct ms_leaks {
    ms_leaks_totals totals;
    ms_class_row *rows;
    uint64_t *row_program;      /* per row: its objects the program holds */
    size_t nrows;
    ms_path_groups *groups;
    void *final;                /* FINAL's handle (src/api) */
    ms_snapshot_info input[3];  /* names in input_name */
    char *input_name[3];
    double seconds;
    void *owner;                /* as in ms_compare */
    void (*release)(void *owner);
};

/* Keeps a copy of info (its name too) as input `which` of names/infos;
 * Errors: MS_ENOMEM. */
int ms__keep_input(ms_snapshot_info *infos, char **names, unsigned which,
                   const ms_snapshot_info *info, ms_error *err);

/* How two snapshots' ids overlap: *shared gets the ids both hold, and
 * *mismatched those of them naming nodes of a different type or name.  One
 * process keeps an object's id for its whole life, so there mismatches are
 * rare (a few in 10 000: V8 reuses an address's id when a new object lands
 * where a dead one was); in two processes the same ids name unrelated
 * objects.  Walks both id orders (by_id) once. */
void ms__id_overlap(const ms__heap *a, const ms__heap *b, uint64_t *shared, uint64_t *mismatched);

/* For heaps whose format records their process (ms__process.known in
 * both): false when a and b come from one process; else true, with why[n]
 * saying how they differ ("pid 12 and pid 34", "both pid 12, started at
 * different times" ...).  Their ids are not looked at: within one process
 * a Boehm capture's ids, addresses, are reused by other objects. */
bool ms__process_differs(const ms__graph *a, const ms__graph *b, char *why, size_t n);

/* Whether the overlap says "two different processes": no shared id, or
 * more than 1 % of the shared ids naming different objects (far above what
 * one process shows, far below two: docs/compare.md). */
static inline bool ms__other_process(uint64_t shared, uint64_t mismatched)
{
    return shared == 0 || mismatched * 100 > shared;
}

/* What ms__compare_rows is told about the two inputs besides their heaps. */
typedef struct ms__compare_inputs {
    const ms__heap *before, *after; /* shallow sizes and id orders computed */
    const ms__classes *bcl, *acl;   /* their classes (or sites), AFTER's names first */
    bool before_sites, after_sites; /* site traces: nodes are allocation sites */
} ms__compare_inputs;

/* The comparison of two snapshots (reference: HeapSnapshot.ts
 * calculateSnapshotDiff / calculateDiffForClass, see compare.c): rows per
 * class key and origin, matched by id or per class (options, and whether
 * the snapshots look like two processes), sorted by size delta, largest
 * growth first; the new objects marked for grouping.  *out owned by the
 * caller (ms_compare_free); it borrows AFTER's graph, classes and shallow
 * sizes.  Errors: MS_ENOMEM. */
int ms__compare_rows(const ms__compare_inputs *in, const ms_compare_options *o, ms_compare **out,
                     ms_error *err);

/* Takes the grouping of the new objects (computed on AFTER, whose classes
 * and shallow sizes h now holds): replaces the totals' new_count and
 * new_size with the grouped ones and fills the rows' added_retained. */
void ms__compare_set_groups(ms_compare *c, const ms__heap *after, ms_path_groups *groups);

/* Whether class c of cl is in the options' ignore list (name or key). */
bool ms__class_ignored(const ms__classes *cl, uint32_t c, const ms_compare_options *o);

/* Removes from member (a bitset; *instances of them) the nodes whose class
 * in h is ignored.  Errors: MS_ENOMEM. */
int ms__drop_ignored_classes(const ms__heap *h, uint64_t *member, uint64_t *instances,
                             const ms_compare_options *o, ms_error *err);

/* Removes from member the nodes whose group in w (group_of[n]) has a path
 * signature that matches an ignored pattern (fnmatch); *dropped tells
 * whether any was.  Errors: MS_ENOMEM. */
int ms__drop_ignored_paths(const ms__heap *h, const ms_path_groups *w, const uint32_t *group_of,
                           uint64_t *member, uint64_t *instances, const ms_compare_options *o,
                           bool *dropped, ms_error *err);

/* ---- trace_diff.c --------------------------------------------------------- */

/* The per-site growth between the traces of two graphs (ms_trace_diff_compute);
 * both must be traces (g->trace).  Errors: MS_ENOMEM. */
int ms__trace_diff(const ms__graph *before, const ms__graph *after, ms_trace_diff **out,
                   ms_error *err);

/* A trace's site i as the public record (site string borrowed from g). */
void ms__trace_site_info(const ms__graph *g, uint32_t i, ms_trace_site *out);

/* ---- leaks.c ------------------------------------------------------------ */

/* Fails (MS_EFORMAT, naming an and bn) when a and b do not look like
 * snapshots of one process.  Reads their id orders. */
int ms__same_process(const ms__heap *a, const char *an, const ms__heap *b, const char *bn,
                     ms_error *err);

/* memlab's leaked objects: FINAL's nodes with a non-zero shallow size that
 * a strong path reaches, whose id TARGET has and BASELINE has not, as a
 * bitset *member (owned by the caller, N bits of FINAL) of *instances.
 * Reads the three id orders and FINAL's shallow sizes and distances.
 * Errors: MS_ENOMEM. */
int ms__leak_members(const ms__heap *baseline, const ms__heap *target, const ms__heap *final,
                     uint64_t **member, uint64_t *instances, ms_error *err);

/* The leaked objects (member: bitset over FINAL's nodes) the program
 * holds (ms_leaks_totals.program_count): those whose nearest dominator of
 * known origin (the object first; synthetic nodes and plain data pass on
 * their dominator's) is the program's or the GC roots.  *count and
 * *retained (bytes they retain together, each once) get them; *held (may
 * be NULL; a bitset over FINAL's nodes the caller frees) which they are.
 * Needs FINAL's dominator tree, retained sizes and sources.
 * Errors: MS_ENOMEM. */
int ms__leaks_program(const ms__heap *final, const uint64_t *member, uint64_t *count,
                      uint64_t *retained, uint64_t **held, ms_error *err);

/* The leaks result from the members (after the ignore lists), those the
 * program holds (held, ms__leaks_program) and their grouping (taken
 * over): per-class rows, largest retained first, each with how many of
 * its objects the program holds, and the totals.  Reads FINAL's classes,
 * shallow sizes and distances.  *out owned by the caller (ms_leaks_free).
 * Errors: MS_ENOMEM (groups freed). */
int ms__leaks_finish(const ms__heap *final, const uint64_t *member, const uint64_t *held,
                     ms_path_groups *groups, ms_leaks **out, ms_error *err);

#endif /* MS_COMPARE_H */
