/*
 * budget.h: CI budgets (--fail-on EXPR) and allow-lists (--ignore FILE) for
 * compare and leaks (docs/ci.md).
 */
#ifndef MEMSNAP_BUDGET_H
#define MEMSNAP_BUDGET_H

#include "cli.h"

typedef enum budget_metric {
    BUDGET_TOTAL,        /* total shallow size (bytes) */
    BUDGET_OBJECTS,      /* node count */
    BUDGET_NEW,          /* new objects (count; with a unit: their shallow bytes) */
    BUDGET_NEW_RETAINED, /* bytes the new objects retain */
    BUDGET_CLASS,        /* one class: count (with a unit: shallow bytes) */
    BUDGET_LEAKS         /* leaked objects (count; with a unit: bytes retained) */
} budget_metric;

typedef enum budget_form {
    BUDGET_ABSOLUTE, /* "total>500MB": the value in AFTER (or FINAL) */
    BUDGET_CHANGE,   /* "total>+2MB": AFTER minus BEFORE */
    BUDGET_PERCENT   /* "total>+5%": the change relative to BEFORE */
} budget_form;

typedef struct budget {
    const char *text;    /* as given (borrowed from argv) */
    budget_metric metric;
    char cls[512];       /* BUDGET_CLASS: the class name or key */
    budget_form form;
    bool or_equal;       /* ">=" rather than ">" */
    bool bytes;          /* the limit had a size unit */
    double limit;        /* count, bytes or percent (sign included) */
} budget;

/* Parses one --fail-on expression:
 *   METRIC (">" | ">=") [+|-]NUMBER[%|B|KB|MB|GB] (1 KB = 1024 B, as memsnap
 *   prints sizes; KiB, MiB, GiB and K, M, G are accepted too)
 *   METRIC = total | objects | new | new-retained | leaks | class:NAME
 * Returns false with a reason in why[] when it is not one. */
bool budget_parse(const char *text, budget *out, char *why, size_t why_len);

/* The measurements budgets are checked against. */
typedef struct budget_facts {
    bool have_before;                    /* compare (false for leaks) */
    uint64_t before_total, after_total;  /* bytes */
    uint64_t before_objects, after_objects;
    uint64_t new_count, new_size, new_retained;
    bool have_new, have_retained;        /* matched by id; paths computed */
    uint64_t leak_count, leak_retained;
    bool have_leaks;
    const ms_compare *cmp;               /* class lookups (compare) */
    const ms_leaks *leaks;               /* class lookups (leaks) */
} budget_facts;

/* Checks b against the facts: *exceeded, and a one-line account in msg[]
 * ("total size grew by 6.2% (45.2 MB -> 48.0 MB)").  Returns false with
 * msg[] saying why when the budget cannot be measured here (e.g. leaks in
 * compare, new objects without ids). */
bool budget_check(const budget *b, const budget_facts *f, bool *exceeded, double *value,
                  char *msg, size_t msg_len);

/* An allow-list file: lines "class NAME", "path PATTERN" or a bare class
 * NAME; '#' starts a comment.  Fills the options' ignore lists (strings
 * owned by *list).  Returns CLI_OK or CLI_USAGE with a message printed. */
typedef struct ignore_list {
    char **classes, **paths;
    size_t nclasses, npaths;
} ignore_list;
int ignore_load(const char *path, ignore_list *list);
void ignore_apply(const ignore_list *list, ms_compare_options *o);
void ignore_free(ignore_list *list);

#endif /* MEMSNAP_BUDGET_H */
