/*
 * ci.h: what `memsnap compare` and `memsnap leaks` share: their CI budgets
 * (--fail-on, checked by the library's ms_budget_*), allow-lists
 * (--ignore FILE), the options that read them, and the groups of new or
 * leaked objects as text and JSON.
 */
#ifndef MEMSNAP_CI_H
#define MEMSNAP_CI_H

#include "cli.h"
#include "cli_opt.h"

#define CI_MAX_BUDGETS 64

/* The --fail-on budgets given, and their results once checked. */
typedef struct ci_budgets {
    ms_budget b[CI_MAX_BUDGETS];
    ms_budget_result result[CI_MAX_BUDGETS];
    size_t n;
} ci_budgets;

/* Parses a --fail-on expression (ms_budget_parse) and checks that the
 * command can measure it (leaks: leaks and class:NAME, without a sign;
 * compare: all but leaks).  CLI_OK, or CLI_USAGE with the reason printed. */
int ci_add_budget(ci_budgets *bs, const char *text, bool leaks);

/* Checks every budget against the comparison, or the leaks when cmp is
 * NULL: one line on stderr per budget exceeded or not measurable (a
 * budget that cannot be measured counts as exceeded: CI must not pass
 * blind), one object per budget in json (an array, may be NULL).  The
 * results stay in bs (ci_exit reads them). */
void ci_check_budgets(ci_budgets *bs, const ms_compare *cmp, const ms_leaks *leaks, cJSON *json);

/* compare's and leaks' exit code once their output is written with exit
 * code rc: CLI_BUDGET when rc is CLI_OK and a budget was exceeded. */
int ci_exit(const ci_budgets *bs, int rc);

/* compare's and leaks' text or Markdown report, written to opt->output:
 * checks the budgets (ci_check_budgets against cmp, or leaks when cmp is
 * NULL), lists them first in Markdown, then body(f, ctx) prints the
 * report.  Returns the exit code of writing it. */
int ci_write_report(ci_budgets *bs, const ms_compare *cmp, const ms_leaks *leaks,
                    const cli_common *opt, void (*body)(FILE *f, void *ctx), void *ctx);

/* An allow-list file's class names and path patterns (strings owned by the
 * list). */
typedef struct ci_ignore_list {
    char **classes, **paths;
    size_t nclasses, npaths;
} ci_ignore_list;
/* Reads an allow-list file into *list: lines "class NAME", "path PATTERN"
 * or a bare class NAME; '#' starts a comment.  Returns CLI_OK, or CLI_USAGE
 * (CLI_FAILED when out of memory) with a message printed. */
int ci_ignore_load(const char *path, ci_ignore_list *list);
/* Frees what the list holds and empties it. */
void ci_ignore_free(ci_ignore_list *list);

/* compare's and leaks' own options (the shared ones are in cli_common).
 * .leaks says which command parses: leaks' budgets measure leaks. */
typedef struct ci_args {
    bool leaks;
    ci_budgets bs;       /* --fail-on */
    ci_ignore_list ign;  /* --ignore; freed by the command */
    uint64_t groups;     /* compare --groups */
    int by, match, interfaces; /* compare: ms_compare_options' group, match, interfaces */
    bool no_paths;
    bool internals;      /* --internals: the runtime's classes listed, not folded */
    int sort;            /* --sort: CI_SORT_* */
} ci_args;

/* The order of a report's classes (--sort). */
enum { CI_SORT_USER = 0, CI_SORT_DELTA = 1 };
extern const cli_choice ci_sort_choices[];

/* The classes a report lists, in the order people read them: with
 * CI_SORT_USER, the program's classes first (ms_class_origin), by the
 * bytes their new objects retain, then plain data in the comparison's
 * order, and the runtime's own classes last, counted apart (*folded) unless
 * internals; with CI_SORT_DELTA, the comparison's order (DevTools': the
 * largest change first), everything listed.  rows[] (malloc'd, the caller
 * frees it) gets the row indices whose row has changed, *n of them.  NULL
 * when out of memory. */
typedef struct ci_folded {
    size_t classes;            /* the runtime's classes left out of the list */
    uint64_t added_count;      /* their new objects */
    int64_t size_delta;        /* their size change, bytes */
} ci_folded;
/* The same for leaks: *classes gets the class rows in that order (*nc,
 * the runtime's counted in *cf: classes and objects; size_delta holds
 * their retained bytes), *groups the groups, the program's classes'
 * first, then plain data's, then (with internals) the runtime's, each in
 * the library's order (*ng; the runtime's counted in *gf: classes =
 * groups, added_count = objects).  CLI_OK or CLI_FAILED (out of memory,
 * printed); the caller frees both arrays. */
int ci_leaks_order(const ms_leaks *lk, int sort, bool internals, size_t **classes, size_t *nc,
                   ci_folded *cf, size_t **groups, size_t *ng, ci_folded *gf);
/* The groups alone in that order (of compare or leaks; g may be NULL; a
 * group named by plain data whose first new object, or the object holding
 * it, is the runtime's counts as the runtime's):
 * *groups (malloc'd, the caller frees it, also on failure) gets *ng group
 * indices; the runtime's left out are counted in *gf (classes = groups,
 * added_count = objects, size_delta = their retained bytes).  CLI_OK or
 * CLI_FAILED (out of memory, printed). */
int ci_group_order(ms_snapshot *snap, const ms_path_groups *g, int sort, bool internals,
                   size_t **groups, size_t *ng, ci_folded *gf);

size_t *ci_compare_order(const ms_compare *c, const ms_snapshot *after, int sort, bool internals,
                         size_t *n, ci_folded *folded);

/* The options the library compares with: the sizes opt asks for, the
 * --ignore lists (borrowed from ca) and compare's own choices (leaks keeps
 * the library's defaults for those). */
ms_compare_options ci_compare_options(const ci_args *ca, const cli_common *opt);

/* --fail-on's option callback (args: a ci_args): adds the budget
 * (ci_add_budget).  CLI_OK, or CLI_USAGE with the reason printed. */
int ci_on_fail_on(const char *cmd, const char *value, void *args);
/* --ignore's option callback (args: a ci_args): reads the file into its
 * ignore list (ci_ignore_load; cli_parse_args takes one --ignore only).  CLI_OK, or the exit code
 * with the reason printed. */
int ci_on_ignore(const char *cmd, const char *value, void *args);

#define CI_OPT_INTERNALS                                                                           \
    {.name = "internals",                                                                          \
     .help = "list the engine's and runtime's own classes ((compiled code), system / *, Node's " \
             "natives and modules) instead of folding them into one line",                       \
     CLI_BOOL(ci_args, internals)}
#define CI_OPT_SORT                                                                                \
    {.name = "sort",                                                                               \
     .help = "user: the program's classes first, by what their new objects retain (default); "   \
             "delta: DevTools' order, the largest change first, everything listed",              \
     CLI_CHOICE(ci_args, sort, ci_sort_choices, CI_SORT_USER)}
#define CI_OPT_FAIL_ON(help_)                                                                      \
    {.name = "fail-on", .arg = "EXPR", .help = (help_), CLI_CALL(ci_on_fail_on), .repeat = true}
#define CI_OPT_IGNORE                                                                              \
    {.name = "ignore", .arg = "FILE",                                                              \
     .help = "known, accepted retainers: lines 'class NAME' or 'path PATTERN' (matched against "  \
             "path signatures)",                                                                   \
     CLI_CALL(ci_on_ignore)}
#define CI_EXIT_STATUS "Exit status: 0 ok, 1 a budget was exceeded, 2 usage, 3 bad input.\n"

/* A group of new (or leaked) objects as JSON: the class it is named after
 * and its count, the group's count and sizes, its cause (the reference to
 * cut, the first new object's hop on the path, how many objects that
 * reference was taken for, the program's code that holds them), signature,
 * example and its path. */
cJSON *ci_group_json(ms_snapshot *snap, const ms_path_group *g);
/* The same as text (or Markdown): the cause (cli_print_cause) and the
 * example's path. */
void ci_group_text(FILE *f, ms_snapshot *snap, const ms_path_group *g, size_t number,
                   bool markdown);

#endif /* MEMSNAP_CI_H */
