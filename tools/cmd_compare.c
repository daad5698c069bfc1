/*
 * cmd_compare.c: `memsnap compare BEFORE AFTER` - what grew between two
 * snapshots and what holds the new objects; `memsnap leaks BASELINE TARGET
 * FINAL` - memlab's leaked objects.  Both check CI budgets (--fail-on).
 */
#include "budget.h"
#include "cli_opt.h"
#include "trace_compare.h"
#include "cli_paths.h"
#include "commands.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BUDGETS 64

/* ---- budgets ---------------------------------------------------------- */

typedef struct budgets {
    budget b[MAX_BUDGETS];
    size_t n;
} budgets;

static int add_budget(budgets *bs, const char *text, bool leaks)
{
    char why[256];
    budget *b;
    if (bs->n == MAX_BUDGETS)
        return cli_usage_error("at most %d --fail-on budgets", MAX_BUDGETS);
    b = &bs->b[bs->n];
    if (!budget_parse(text, b, why, sizeof why))
        return cli_usage_error("--fail-on '%s': %s", text, why);
    if (leaks && (b->metric == BUDGET_NEW || b->metric == BUDGET_NEW_RETAINED ||
                  b->metric == BUDGET_TOTAL || b->metric == BUDGET_OBJECTS))
        return cli_usage_error("--fail-on '%s': leaks measures leaks and class:NAME", text);
    if (!leaks && b->metric == BUDGET_LEAKS)
        return cli_usage_error("--fail-on '%s': leaks is measured by `memsnap leaks`", text);
    if (leaks && b->form != BUDGET_ABSOLUTE)
        return cli_usage_error("--fail-on '%s': leaks has no BEFORE to change from: write a "
                               "limit without a sign",
                               text);
    bs->n++;
    return CLI_OK;
}

/* Checks every budget: prints one line per exceeded one on stderr, adds
 * them to json (array, may be NULL); returns how many were exceeded.  A
 * budget that cannot be measured counts as exceeded: CI must not pass
 * blind. */
static size_t check_budgets(const budgets *bs, const budget_facts *f, cJSON *json, bool *exceeded_out)
{
    size_t bad = 0;
    for (size_t i = 0; i < bs->n; i++) {
        char msg[512];
        bool exceeded;
        double value;
        bool ok = budget_check(&bs->b[i], f, &exceeded, &value, msg, sizeof msg);
        exceeded_out[i] = !ok || exceeded;
        if (!ok)
            fprintf(stderr, "memsnap: budget %s cannot be measured: %s\n", bs->b[i].text, msg);
        else if (exceeded)
            fprintf(stderr, "memsnap: budget exceeded: %s: %s\n", bs->b[i].text, msg);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "expr", cli_json_string(bs->b[i].text, strlen(bs->b[i].text)));
            cJSON_AddBoolToObject(o, "measured", ok);
            if (ok)
                cJSON_AddNumberToObject(o, "value", value);
            cJSON_AddNumberToObject(o, "limit", bs->b[i].limit);
            cJSON_AddBoolToObject(o, "exceeded", exceeded_out[i]);
            cJSON_AddItemToObject(o, "message", cli_json_string(msg, strlen(msg)));
            cJSON_AddItemToArray(json, o);
        }
        bad += exceeded_out[i];
    }
    return bad;
}

static void md_budgets(FILE *f, const budgets *bs, const bool *exceeded)
{
    size_t bad = 0;
    for (size_t i = 0; i < bs->n; i++)
        bad += exceeded[i];
    if (!bs->n)
        return;
    if (bad) {
        fprintf(f, "**Memory budget exceeded** (%zu of %zu):\n\n", bad, bs->n);
        for (size_t i = 0; i < bs->n; i++)
            if (exceeded[i]) {
                fputs("- ", f);
                cli_md_text(f, bs->b[i].text);
                fputc('\n', f);
            }
        fputc('\n', f);
    } else {
        fprintf(f, "Memory budgets: all %zu met.\n\n", bs->n);
    }
}

/* ---- options ------------------------------------------------------------ */

/* compare's and leaks' own options (the shared ones are in cli_common).
 * .leaks says which command parses: leaks' budgets measure leaks. */
typedef struct ci_args {
    bool leaks;
    budgets bs;       /* --fail-on */
    ignore_list ign;  /* --ignore; freed by the command */
    uint64_t groups;  /* compare --groups */
    int by, match, interfaces; /* compare: ms_compare_options' group, match, interfaces */
    bool no_paths;
} ci_args;

static int on_fail_on(const char *cmd, const char *value, void *args)
{
    ci_args *a = args;
    (void)cmd;
    return add_budget(&a->bs, value, a->leaks);
}

static int on_ignore(const char *cmd, const char *value, void *args)
{
    ci_args *a = args;
    if (a->ign.nclasses || a->ign.npaths)
        return cli_usage_error("%s: one --ignore file", cmd);
    return ignore_load(value, &a->ign);
}

/* The options compare and leaks share beyond cli_common's. */
#define OPT_FAIL_ON(help_)                                                                         \
    {.name = "fail-on", .arg = "EXPR", .help = (help_), CLI_CALL(on_fail_on), .repeat = true}
#define OPT_IGNORE                                                                                 \
    {.name = "ignore", .arg = "FILE",                                                              \
     .help = "known, accepted retainers: lines 'class NAME' or 'path PATTERN' (matched against "  \
             "path signatures)",                                                                   \
     CLI_CALL(on_ignore)}
#define EXIT_STATUS "Exit status: 0 ok, 1 a budget was exceeded, 2 usage, 3 bad input.\n"

static const cli_choice by_choices[] = {
    {"class", MS_GROUP_CLASS}, {"site", MS_GROUP_SITE}, {NULL, 0}};
static const cli_choice match_choices[] = {
    {"auto", MS_MATCH_AUTO}, {"id", MS_MATCH_BY_ID}, {"class", MS_MATCH_BY_CLASS}, {NULL, 0}};
static const cli_choice interfaces_choices[] = {
    {"after", MS_INTERFACES_AFTER}, {"own", MS_INTERFACES_OWN}, {NULL, 0}};

static const cli_opt compare_opts[] = {
    CLI_OPT_TOP(20, "show the N classes that changed most (default 20, 0: all)"),
    {.name = "groups", .arg = "K",
     .help = "show where the new objects of the K classes that grew most are held (default 5, "
             "0: none)",
     CLI_U64(ci_args, groups, 5, 0, 1000)},
    CLI_OPT_JSON("JSON output (schema memsnap.compare/1, docs/schema/compare.schema.json)"),
    CLI_OPT_MARKDOWN,
    OPT_FAIL_ON("exit 1 when EXPR holds, e.g. 'total>+5%', 'total>+2MB', 'class:Foo>+100', "
                "'new-retained>1MB' (repeatable; docs/ci.md)"),
    OPT_IGNORE,
    {.name = "by", .help = "rows per class (default) or per allocation site",
     CLI_CHOICE(ci_args, by, by_choices, MS_GROUP_CLASS)},
    {.name = "match",
     .help = "match objects by id (auto: unless the snapshots come from different processes) or "
             "compare per class only",
     CLI_CHOICE(ci_args, match, match_choices, MS_MATCH_AUTO)},
    {.name = "interfaces",
     .help = "name BEFORE's plain objects \"{a, b}\" with AFTER's definitions (DevTools' Memory "
             "panel, default) or its own (heap-snapshot-toolkit's diff)",
     CLI_CHOICE(ci_args, interfaces, interfaces_choices, MS_INTERFACES_AFTER)},
    {.name = "no-paths", .help = "skip the retention paths and retained sizes (faster)",
     CLI_BOOL(ci_args, no_paths)},
    CLI_OPT_RAW_SIZES,
    CLI_OPT_TIMINGS("print load and compare seconds as JSON on stderr"),
    CLI_OPT_OUTPUT,
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_cmd compare_cmd = {
    .name = "compare",
    .forms = {{"BEFORE AFTER", 2, 2}},
    .description =
        "What grew between two snapshots of one process.  Per class, as Chrome\n"
        "DevTools' Comparison view: objects matched by id, new ones (# New, Alloc.\n"
        "Size), deleted ones (# Deleted, Freed Size) and the deltas, largest growth\n"
        "first; then, for the classes that grew most, where their new objects are\n"
        "held: grouped by retention path in AFTER, with what they retain.\n"
        "Snapshots of different processes (their ids name different objects) are\n"
        "compared per class only, with a warning.  Two Memlyze event traces\n"
        "(.mlyze without a heap snapshot) are compared per allocation site: live\n"
        "bytes and events per site, largest growth first.\n",
    .opts = compare_opts,
    .epilog = EXIT_STATUS,
};

static const cli_opt leaks_opts[] = {
    CLI_OPT_TOP(10, "show the N largest classes and groups (default 10, 0: all)"),
    CLI_OPT_JSON("JSON output (schema memsnap.leaks/1, docs/schema/leaks.schema.json)"),
    CLI_OPT_MARKDOWN,
    OPT_FAIL_ON("exit 1 when EXPR holds: 'leaks>0' (count), 'leaks>1MB' (retained), "
                "'class:Foo>10' (repeatable; docs/ci.md)"),
    OPT_IGNORE,
    CLI_OPT_RAW_SIZES,
    CLI_OPT_TIMINGS("print load and analysis seconds as JSON on stderr"),
    CLI_OPT_OUTPUT,
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_cmd leaks_cmd = {
    .name = "leaks",
    .forms = {{"BASELINE TARGET FINAL", 3, 3}},
    .description =
        "memlab's leak model: the objects allocated between BASELINE and TARGET (ids\n"
        "in TARGET, not in BASELINE) that are still alive in FINAL, after the action\n"
        "under test was undone.  Listed per class, then grouped by retention path in\n"
        "FINAL, largest retained first.  The three snapshots must come from one\n"
        "process.\n",
    .opts = leaks_opts,
    .epilog = EXIT_STATUS,
};

/* ---- groups of new objects, shared by compare and leaks ---------------- */

static cJSON *group_json(ms_snapshot *snap, const ms_path_group *g)
{
    cJSON *o = cJSON_CreateObject();
    char sig[2048];
    size_t len = ms_path_signature(snap, &g->path, sig, sizeof sig);
    const char *cls = ms_node_class(snap, g->example);
    cJSON_AddItemToObject(o, "class", cli_json_string(cls, strlen(cls)));
    cJSON_AddNumberToObject(o, "count", (double)g->count);
    cJSON_AddNumberToObject(o, "shallow_size", (double)g->shallow_size);
    cJSON_AddNumberToObject(o, "retained_size", (double)g->retained_size);
    cJSON_AddItemToObject(o, "signature", cli_json_string(sig, len < sizeof sig ? len : sizeof sig - 1));
    cJSON_AddItemToObject(o, "example", cli_object_json(snap, g->example));
    cJSON_AddItemToObject(o, "path", cli_path_json(snap, &g->path));
    return o;
}

static void group_text(FILE *f, ms_snapshot *snap, const ms_path_group *g, size_t number,
                       bool markdown)
{
    char a[32], b[32];
    if (markdown) {
        fprintf(f, "<details><summary>#%zu: %s ", number, cli_count(g->count, a));
        cli_md_text(f, ms_node_class(snap, g->example));
        fprintf(f, " retaining %s</summary>\n\n```\n", cli_size(g->retained_size, b));
    } else {
        fprintf(f, "  #%zu  %s object%s retaining %s; for example %s:\n", number,
                cli_count(g->count, a), g->count == 1 ? "" : "s", cli_size(g->retained_size, b),
                cli_id(snap, g->example));
    }
    if (g->path.length)
        cli_print_path(f, snap, &g->path, markdown ? "" : "    ");
    else
        fputs(markdown ? "(no strong path from the GC roots)\n"
                       : "    (no strong path from the GC roots: weakly held or garbage)\n",
              f);
    if (markdown)
        fputs("```\n</details>\n\n", f);
}

/* ---- compare ------------------------------------------------------------ */

static void totals_json(cJSON *doc, const ms_compare *c)
{
    const ms_compare_totals *t = ms_compare_totals_get(c);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "before_nodes", t->before_nodes);
    cJSON_AddNumberToObject(o, "after_nodes", t->after_nodes);
    cJSON_AddNumberToObject(o, "before_size", (double)t->before_size);
    cJSON_AddNumberToObject(o, "after_size", (double)t->after_size);
    cJSON_AddNumberToObject(o, "size_delta", (double)t->after_size - (double)t->before_size);
    cJSON_AddNumberToObject(o, "added_count", (double)t->added_count);
    cJSON_AddNumberToObject(o, "added_size", (double)t->added_size);
    cJSON_AddNumberToObject(o, "removed_count", (double)t->removed_count);
    cJSON_AddNumberToObject(o, "removed_size", (double)t->removed_size);
    cJSON_AddNumberToObject(o, "new_count", (double)t->new_count);
    cJSON_AddNumberToObject(o, "new_size", (double)t->new_size);
    if (ms_compare_groups(c))
        cJSON_AddNumberToObject(o, "new_retained", (double)t->new_retained);
    else
        cJSON_AddNullToObject(o, "new_retained");
    cJSON_AddNumberToObject(o, "shared_ids", (double)t->shared_ids);
    cJSON_AddNumberToObject(o, "mismatched_ids", (double)t->mismatched_ids);
    cJSON_AddItemToObject(doc, "totals", o);
}

static cJSON *row_json(const ms_compare_row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "key", cli_json_string(r->key, strlen(r->key)));
    cJSON_AddItemToObject(o, "name", cli_json_string(r->name, strlen(r->name)));
    cJSON_AddNumberToObject(o, "before_count", (double)r->before_count);
    cJSON_AddNumberToObject(o, "after_count", (double)r->after_count);
    cJSON_AddNumberToObject(o, "before_size", (double)r->before_size);
    cJSON_AddNumberToObject(o, "after_size", (double)r->after_size);
    cJSON_AddNumberToObject(o, "added_count", (double)r->added_count);
    cJSON_AddNumberToObject(o, "removed_count", (double)r->removed_count);
    cJSON_AddNumberToObject(o, "added_size", (double)r->added_size);
    cJSON_AddNumberToObject(o, "removed_size", (double)r->removed_size);
    cJSON_AddNumberToObject(o, "count_delta", (double)r->count_delta);
    cJSON_AddNumberToObject(o, "size_delta", (double)r->size_delta);
    cJSON_AddNumberToObject(o, "added_retained", (double)r->added_retained);
    cJSON_AddBoolToObject(o, "ignored", r->ignored);
    return o;
}

/* The classes that grew most by size and have new objects, in row order:
 * up to k row indices into out[]. */
static size_t growing_rows(const ms_compare *c, size_t k, size_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < ms_compare_row_count(c) && n < k; i++) {
        const ms_compare_row *r = ms_compare_row_get(c, i);
        if (r->changed && r->added_count && r->size_delta > 0 && !r->ignored)
            out[n++] = i;
    }
    return n;
}

#define GROUPS_PER_CLASS 3

static void compare_text(FILE *f, ms_snapshot *after, const ms_compare *c, const char *bname,
                         const char *aname, size_t top, size_t k, bool markdown)
{
    const ms_compare_totals *t = ms_compare_totals_get(c);
    const ms_why_class *g = ms_compare_groups(c);
    bool by_id = ms_compare_by_id(c);
    size_t changed = 0, shown, *grow = NULL, ngrow = 0;
    int64_t dsize = (int64_t)t->after_size - (int64_t)t->before_size;
    int64_t dnodes = (int64_t)t->after_nodes - (int64_t)t->before_nodes;
    double pct = t->before_size ? (double)dsize * 100.0 / (double)t->before_size : 0;
    char a[32], b[32], d[32], e[32], h[32], i2[32], j[32];

    for (size_t i = 0; i < ms_compare_row_count(c); i++)
        changed += ms_compare_row_get(c, i)->changed != 0;
    shown = top && top < changed ? top : changed;
    /* A pull-request comment lists what grew or shrank: classes whose
     * objects were only replaced one for one stay in the JSON and text. */
    if (markdown) {
        size_t net = 0;
        for (size_t i = 0; i < changed; i++) {
            const ms_compare_row *r = ms_compare_row_get(c, i);
            net += r->count_delta != 0 || r->size_delta != 0;
        }
        changed = net;
        shown = top && top < changed ? top : changed;
    }

    if (markdown) {
        fputs("### memsnap compare: ", f);
        cli_md_text(f, bname);
        fputs(" → ", f);
        cli_md_text(f, aname);
        fputs("\n\n", f);
        if (!by_id && ms_compare_note(c))
            fprintf(f, "> **Warning:** %s; compared per class only.\n\n", ms_compare_note(c));
        fprintf(f, "**Total size** %s → %s (**%s, %+.1f%%**); objects %s",
                cli_size(t->before_size, a), cli_size(t->after_size, b), cli_ssize(dsize, d), pct,
                cli_scount(dnodes, e));
        if (by_id)
            fprintf(f, "; %s new objects (%s)", cli_count(t->new_count, h), cli_size(t->new_size, i2));
        if (g)
            fprintf(f, " retaining **%s**", cli_size(t->new_retained, j));
        fputs(".\n\n", f);
    } else {
        fprintf(f, "%s -> %s: %s\n", bname, aname,
                by_id ? "objects matched by id" : "compared per class only");
        fprintf(f, "\n  %-16s %14s %14s %14s\n", "", "before", "after", "change");
        fprintf(f, "  %-16s %14s %14s %14s\n", "objects", cli_count(t->before_nodes, a),
                cli_count(t->after_nodes, b), cli_scount(dnodes, d));
        fprintf(f, "  %-16s %14s %14s %14s (%+.1f%%)\n", "total size", cli_size(t->before_size, a),
                cli_size(t->after_size, b), cli_ssize(dsize, d), pct);
        if (by_id) {
            fprintf(f, "  %-16s %14s %14s   %s\n", "new objects", "", cli_count(t->added_count, a),
                    cli_size(t->added_size, b));
            fprintf(f, "  %-16s %14s %14s   %s\n", "deleted objects", "",
                    cli_count(t->removed_count, a), cli_size(t->removed_size, b));
            if (g)
                fprintf(f, "  %-16s %14s %14s\n", "new retain", "", cli_size(t->new_retained, a));
        }
        fputc('\n', f);
    }

    /* The class table. */
    if (markdown) {
        if (by_id)
            fputs("| Class | # New | # Deleted | # Delta | Alloc. Size | Freed Size | Size Delta |\n"
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
                  f);
        else
            fputs("| Class | Before | After | # Delta | Size before | Size after | Size Delta |\n"
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
                  f);
    } else if (by_id) {
        fprintf(f, "%9s %9s %9s %11s %11s %11s %11s  %s\n", "# new", "# deleted", "# delta",
                "alloc size", "freed size", "size delta", "new retain", "class");
    } else {
        fprintf(f, "%9s %9s %9s %11s %11s %11s  %s\n", "before", "after", "# delta", "size before",
                "size after", "size delta", "class");
    }
    for (size_t i = 0, listed = 0; listed < shown && i < ms_compare_row_count(c); i++) {
        const ms_compare_row *r = ms_compare_row_get(c, i);
        if (!r->changed || (markdown && r->count_delta == 0 && r->size_delta == 0))
            continue;
        listed++;
        if (markdown) {
            fputs("| ", f);
            cli_md_text(f, r->name);
            if (by_id)
                fprintf(f, " | %s | %s | %s | %s | %s | %s |\n", cli_count(r->added_count, a),
                        cli_count(r->removed_count, b), cli_scount(r->count_delta, d),
                        cli_size(r->added_size, e), cli_size(r->removed_size, h),
                        cli_ssize(r->size_delta, i2));
            else
                fprintf(f, " | %s | %s | %s | %s | %s | %s |\n", cli_count(r->before_count, a),
                        cli_count(r->after_count, b), cli_scount(r->count_delta, d),
                        cli_size(r->before_size, e), cli_size(r->after_size, h),
                        cli_ssize(r->size_delta, i2));
            continue;
        }
        if (by_id)
            fprintf(f, "%9s %9s %9s %11s %11s %11s %11s  ", cli_count(r->added_count, a),
                    cli_count(r->removed_count, b), cli_scount(r->count_delta, d),
                    cli_size(r->added_size, e), cli_size(r->removed_size, h),
                    cli_ssize(r->size_delta, i2), g ? cli_size(r->added_retained, j) : "-");
        else
            fprintf(f, "%9s %9s %9s %11s %11s %11s  ", cli_count(r->before_count, a),
                    cli_count(r->after_count, b), cli_scount(r->count_delta, d),
                    cli_size(r->before_size, e), cli_size(r->after_size, h),
                    cli_ssize(r->size_delta, i2));
        cli_print_name(f, r->name, strlen(r->name), 80);
        if (r->ignored)
            fputs("  (ignored)", f);
        fputc('\n', f);
    }
    if (shown < changed)
        fprintf(f, "%s... %s more classes changed (-n 0 shows all)\n", markdown ? "\n" : "",
                cli_count(changed - shown, a));
    if (changed == 0)
        fputs(markdown ? "\nNo class grew or shrank.\n" : "(no class changed)\n", f);

    /* Where the new objects of the classes that grew most are held. */
    if (g && k) {
        grow = calloc(k, sizeof *grow);
        ngrow = grow ? growing_rows(c, k, grow) : 0;
    }
    if (ngrow) {
        fputs(markdown ? "\n#### Where the new objects are held\n\n"
                       : "\nWhere the new objects are held (in AFTER), for the classes that grew "
                         "most:\n",
              f);
        for (size_t i = 0; i < ngrow; i++) {
            const ms_compare_row *r = ms_compare_row_get(c, grow[i]);
            size_t shown_groups = 0, total_groups = 0;
            if (markdown) {
                cli_md_text(f, r->name);
                fprintf(f, ": %s new, retaining %s\n\n", cli_count(r->added_count, a),
                        cli_size(r->added_retained, b));
            } else {
                fputc('\n', f);
                cli_print_name(f, r->name, strlen(r->name), 80);
                fprintf(f, ": %s new, retaining %s\n", cli_count(r->added_count, a),
                        cli_size(r->added_retained, b));
            }
            for (size_t q = 0; q < ms_why_class_group_count(g); q++) {
                const ms_path_group *grp = ms_why_class_group(g, q);
                if (ms_compare_node_row(c, grp->example) != grow[i])
                    continue;
                total_groups++;
                if (shown_groups < GROUPS_PER_CLASS)
                    group_text(f, after, grp, ++shown_groups, markdown);
            }
            if (total_groups > shown_groups)
                fprintf(f, "%s  ... %s more path groups (--json lists all)\n", markdown ? "" : "",
                        cli_count(total_groups - shown_groups, a));
        }
    }
    free(grow);
}

/* The JSON groups of the classes listed, one at a time. */
typedef struct group_stream {
    const ms_compare *cmp;
    ms_snapshot *after;
    const ms_why_class *g;
    size_t shown, top;
    size_t at;            /* next group to look at */
} group_stream;

static cJSON *next_group(void *ctx, bool *failed)
{
    group_stream *s = ctx;
    while (s->at < ms_why_class_group_count(s->g)) {
        const ms_path_group *grp = ms_why_class_group(s->g, s->at++);
        size_t r = ms_compare_node_row(s->cmp, grp->example);
        const char *key;
        cJSON *gj;
        if (r == SIZE_MAX || (s->top && r >= s->shown))
            continue; /* groups of the classes listed */
        key = ms_compare_row_get(s->cmp, r)->key;
        gj = group_json(s->after, grp);
        if (!gj || !cJSON_AddItemToObject(gj, "key", cli_json_string(key, strlen(key)))) {
            cJSON_Delete(gj);
            *failed = true;
            return NULL;
        }
        return gj;
    }
    return NULL;
}

int cmd_compare(int argc, char **argv)
{
    ms_compare_options copts = MS_COMPARE_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *before = NULL, *after = NULL;
    ms_compare *cmp = NULL;
    cli_common opt;
    ci_args ca = {.leaks = false};
    bool exceeded[MAX_BUDGETS] = {false};
    char **files;
    const char *out;
    cJSON *before_json = NULL;
    bool json, markdown, raw, timings;
    uint64_t top, k;
    double t_before, t_after, t0, t_compare;
    size_t bad = 0, nsites = 0;
    site_diff *sites = NULL;
    bool traces = false;
    int rc = CLI_OK, want_paths;

    if ((rc = cli_parse_args(&compare_cmd, argc, argv, &opt, &ca)) != CLI_RUN)
        goto done;
    rc = CLI_OK;
    files = opt.operands;
    out = opt.output;
    json = opt.json;
    markdown = opt.markdown;
    raw = opt.raw_sizes;
    timings = opt.timings;
    top = opt.top;
    k = ca.groups;
    copts.group = (ms_summary_group)ca.by;
    copts.match = (ms_compare_match)ca.match;
    copts.interfaces = (ms_compare_interfaces)ca.interfaces;
    if (ca.no_paths)
        copts.paths = 0;
    ignore_apply(&ca.ign, &copts);
    /* One graph at a time where possible: BEFORE shrinks to what the
     * comparison reads of it before AFTER loads, and is freed before
     * AFTER's dominators and paths are computed. */
    if (cli_open(files[0], &before, &t_before, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    ms_snapshot_set_sizes(before, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    before_json = cli_snapshot_json(before, files[0]);
    t_compare = 0;
    if (!ms_snapshot_is_site_trace(before)) {
        t0 = cli_now();
        if (ms_snapshot_keep_for_compare(before, &err) < 0) {
            rc = cli_fail(&err);
            goto done;
        }
        t_compare = cli_now() - t0;
    }
    if (cli_open(files[1], &after, &t_after, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    ms_snapshot_set_sizes(after, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    t0 = cli_now();
    want_paths = copts.paths;
    copts.paths = want_paths ? MS_COMPARE_PATHS_LATER : 0;
    if (ms_compare_compute(before, after, &copts, &cmp, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    copts.paths = want_paths;
    traces = ms_snapshot_is_site_trace(before) && ms_snapshot_is_site_trace(after);
    if (traces && !trace_sites_diff(before, after, &sites, &nsites)) {
        fprintf(stderr, "memsnap: out of memory comparing allocation sites\n");
        rc = CLI_FAILED;
        goto done;
    }
    if (!traces) { /* BEFORE is no longer needed; its memory goes back first */
        ms_snapshot_free(before);
        before = NULL;
    }
    if (want_paths && ms_compare_by_id(cmp) && copts.group == MS_GROUP_CLASS &&
        ms_compare_add_paths(cmp, &copts, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    t_compare += cli_now() - t0;
    if (!traces && !ms_compare_by_id(cmp) && ms_compare_note(cmp))
        fprintf(stderr, "memsnap: warning: %s; comparing per class only (counts and sizes), not "
                        "object by object\n",
                ms_compare_note(cmp));
    if (timings)
        fprintf(stderr, "{\"load_before\": %.3f, \"load_after\": %.3f, \"compare\": %.3f}\n",
                t_before, t_after, t_compare);

    {
        const ms_compare_totals *t = ms_compare_totals_get(cmp);
        budget_facts facts = {0};
        cJSON *doc = NULL, *bj = NULL;
        facts.have_before = true;
        facts.before_total = t->before_size;
        facts.after_total = t->after_size;
        facts.before_objects = t->before_nodes;
        facts.after_objects = t->after_nodes;
        facts.have_new = ms_compare_by_id(cmp);
        facts.have_retained = ms_compare_groups(cmp) != NULL;
        facts.new_count = t->new_count;
        facts.new_size = t->new_size;
        facts.new_retained = t->new_retained;
        facts.cmp = cmp;
        if (traces) { /* live bytes at the end of each trace */
            const ms_trace_info *tb = ms_snapshot_trace(before), *ta = ms_snapshot_trace(after);
            facts.before_total = tb->final_bytes > 0 ? (uint64_t)tb->final_bytes : 0;
            facts.after_total = ta->final_bytes > 0 ? (uint64_t)ta->final_bytes : 0;
        }
        if (json) {
            doc = cJSON_CreateObject();
            bj = cJSON_CreateArray();
        }
        bad = check_budgets(&ca.bs, &facts, bj, exceeded);
        if (json) {
            cJSON *rows = cJSON_CreateArray(), *groups = cJSON_CreateArray();
            const ms_why_class *g = ms_compare_groups(cmp);
            size_t changed = 0, shown;
            cJSON_AddStringToObject(doc, "schema", "memsnap.compare/1");
            cJSON_AddItemToObject(doc, "before", before_json);
            before_json = NULL;
            cJSON_AddItemToObject(doc, "after", cli_snapshot_json(after, files[1]));
            cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
            cJSON_AddStringToObject(doc, "by", copts.group == MS_GROUP_SITE ? "site" : "class");
            cJSON_AddStringToObject(doc, "match", ms_compare_by_id(cmp) ? "id" : "class");
            if (ms_compare_note(cmp))
                cJSON_AddStringToObject(doc, "note", ms_compare_note(cmp));
            else
                cJSON_AddNullToObject(doc, "note");
            totals_json(doc, cmp);
            for (size_t i = 0; i < ms_compare_row_count(cmp); i++)
                changed += ms_compare_row_get(cmp, i)->changed != 0;
            shown = top && top < changed ? top : changed;
            cJSON_AddNumberToObject(doc, "class_count", (double)changed);
            for (size_t i = 0; i < shown; i++)
                cJSON_AddItemToArray(rows, row_json(ms_compare_row_get(cmp, i)));
            cJSON_AddItemToObject(doc, "classes", rows);
            /* Groups are printed one at a time (cli_write_json_streamed). */
            if (g)
                cJSON_AddItemToObject(doc, "groups", groups);
            else {
                cJSON_Delete(groups);
                cJSON_AddNullToObject(doc, "groups");
            }
            cJSON_AddItemToObject(doc, "trace", traces ? trace_compare_json(before, after, sites,
                                                                             nsites, (size_t)top)
                                                       : cJSON_CreateNull());
            cJSON_AddItemToObject(doc, "budgets", bj);
            if (g) {
                group_stream gs = {cmp, after, g, shown, (size_t)top, 0};
                rc = cli_write_json_streamed(doc, "groups", next_group, &gs, out);
            } else {
                rc = cli_write_json(doc, out);
            }
            cJSON_Delete(doc);
        } else {
            cli_output o;
            if ((rc = cli_output_open(&o, out)) == CLI_OK) {
                if (markdown)
                    md_budgets(o.f, &ca.bs, exceeded);
                if (traces)
                    trace_compare_text(o.f, before, after, sites, nsites, files[0], files[1],
                                       (size_t)top, markdown);
                else
                    compare_text(o.f, after, cmp, files[0], files[1], (size_t)top, (size_t)k,
                                 markdown);
                rc = cli_output_close(&o, true);
            }
        }
    }
    if (rc == CLI_OK && bad)
        rc = CLI_BUDGET;
done:
    free(sites);
    cJSON_Delete(before_json);
    ms_compare_free(cmp);
    ms_snapshot_free(before);
    ms_snapshot_free(after);
    ignore_free(&ca.ign);
    return rc;
}

/* ---- leaks -------------------------------------------------------------- */

/* leaks' JSON groups, one at a time. */
typedef struct leak_stream {
    ms_snapshot *final;
    const ms_why_class *g;
    size_t shown, at;
} leak_stream;

static cJSON *next_leak_group(void *ctx, bool *failed)
{
    leak_stream *s = ctx;
    cJSON *gj;
    if (s->at >= s->shown)
        return NULL;
    gj = group_json(s->final, ms_why_class_group(s->g, s->at++));
    if (!gj)
        *failed = true;
    return gj;
}

int cmd_leaks(int argc, char **argv)
{
    ms_compare_options copts = MS_COMPARE_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snaps[3] = {NULL, NULL, NULL};
    ms_leaks *lk = NULL;
    cli_common opt;
    ci_args ca = {.leaks = true};
    bool exceeded[MAX_BUDGETS] = {false};
    char **files;
    const char *out;
    bool json, markdown, raw, timings;
    uint64_t top;
    double t_load = 0, t0, t_leaks;
    size_t bad = 0;
    int rc = CLI_OK;

    if ((rc = cli_parse_args(&leaks_cmd, argc, argv, &opt, &ca)) != CLI_RUN)
        goto done;
    rc = CLI_OK;
    files = opt.operands;
    out = opt.output;
    json = opt.json;
    markdown = opt.markdown;
    raw = opt.raw_sizes;
    timings = opt.timings;
    top = opt.top;
    ignore_apply(&ca.ign, &copts);
    for (int i = 0; i < 3; i++) {
        double t;
        if (cli_open(files[i], &snaps[i], &t, &err) < 0) {
            rc = cli_fail(&err);
            goto done;
        }
        t_load += t;
        ms_snapshot_set_sizes(snaps[i], raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
        /* BASELINE and TARGET are read for their ids only: shrink each
         * before the next loads. */
        if (i < 2 && ms_snapshot_keep_for_compare(snaps[i], &err) < 0) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    t0 = cli_now();
    if (ms_leaks_compute(snaps[0], snaps[1], snaps[2], &copts, &lk, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    t_leaks = cli_now() - t0;
    if (timings)
        fprintf(stderr, "{\"load\": %.3f, \"leaks\": %.3f}\n", t_load, t_leaks);
    {
        ms_snapshot *fin = snaps[2];
        const ms_why_class *g = ms_leaks_groups(lk);
        size_t ncls = ms_leaks_class_count(lk), ngroups = ms_why_class_group_count(g);
        size_t shown_cls = top && top < ncls ? top : ncls;
        size_t shown_groups = top && top < ngroups ? top : ngroups;
        budget_facts facts = {0};
        cJSON *bj = json ? cJSON_CreateArray() : NULL;
        char a[32], b[32], d[32];
        facts.have_leaks = true;
        facts.leak_count = ms_leaks_count(lk);
        facts.leak_retained = ms_leaks_retained(lk);
        facts.leaks = lk;
        bad = check_budgets(&ca.bs, &facts, bj, exceeded);
        if (json) {
            cJSON *doc = cJSON_CreateObject(), *cls = cJSON_CreateArray(), *gl = cJSON_CreateArray();
            cJSON_AddStringToObject(doc, "schema", "memsnap.leaks/1");
            cJSON_AddItemToObject(doc, "baseline", cli_snapshot_json(snaps[0], files[0]));
            cJSON_AddItemToObject(doc, "target", cli_snapshot_json(snaps[1], files[1]));
            cJSON_AddItemToObject(doc, "final", cli_snapshot_json(fin, files[2]));
            cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
            cJSON_AddNumberToObject(doc, "count", (double)ms_leaks_count(lk));
            cJSON_AddNumberToObject(doc, "shallow_size", (double)ms_leaks_size(lk));
            cJSON_AddNumberToObject(doc, "retained_size", (double)ms_leaks_retained(lk));
            cJSON_AddNumberToObject(doc, "class_count", (double)ncls);
            for (size_t i = 0; i < shown_cls; i++) {
                const ms_class_row *r = ms_leaks_class(lk, i);
                cJSON *o = cJSON_CreateObject();
                cJSON_AddItemToObject(o, "key", cli_json_string(r->key, strlen(r->key)));
                cJSON_AddItemToObject(o, "name", cli_json_string(r->name, strlen(r->name)));
                cJSON_AddNumberToObject(o, "count", (double)r->count);
                cJSON_AddNumberToObject(o, "shallow_size", (double)r->shallow_size);
                cJSON_AddNumberToObject(o, "retained_size", (double)r->retained_size);
                cJSON_AddNumberToObject(o, "distance", r->distance);
                cJSON_AddItemToArray(cls, o);
            }
            cJSON_AddItemToObject(doc, "classes", cls);
            cJSON_AddNumberToObject(doc, "group_count", (double)ngroups);
            cJSON_AddItemToObject(doc, "groups", gl); /* printed one at a time */
            cJSON_AddItemToObject(doc, "budgets", bj);
            {
                leak_stream ls = {fin, g, shown_groups, 0};
                rc = cli_write_json_streamed(doc, "groups", next_leak_group, &ls, out);
            }
            cJSON_Delete(doc);
        } else {
            cli_output o;
            if ((rc = cli_output_open(&o, out)) == CLI_OK) {
                FILE *f = o.f;
                if (markdown) {
                    md_budgets(f, &ca.bs, exceeded);
                    fputs("### memsnap leaks\n\n", f);
                    fprintf(f, "**%s objects** allocated between ", cli_count(ms_leaks_count(lk), a));
                    cli_md_text(f, files[0]);
                    fputs(" and ", f);
                    cli_md_text(f, files[1]);
                    fputs(" are still alive in ", f);
                    cli_md_text(f, files[2]);
                    fprintf(f, ": %s, retaining **%s**.\n\n", cli_size(ms_leaks_size(lk), b),
                            cli_size(ms_leaks_retained(lk), d));
                    if (ncls)
                        fputs("| Class | Count | Shallow | Retained |\n| --- | ---: | ---: | ---: |\n",
                              f);
                } else {
                    fprintf(f, "%s objects allocated between %s and %s are still alive in %s:\n",
                            cli_count(ms_leaks_count(lk), a), files[0], files[1], files[2]);
                    fprintf(f, "%s shallow, retaining %s\n", cli_size(ms_leaks_size(lk), b),
                            cli_size(ms_leaks_retained(lk), d));
                    if (ncls)
                        fprintf(f, "\n%12s  %11s  %11s  %s\n", "count", "shallow", "retained",
                                "class");
                }
                for (size_t i = 0; i < shown_cls; i++) {
                    const ms_class_row *r = ms_leaks_class(lk, i);
                    if (markdown) {
                        fputs("| ", f);
                        cli_md_text(f, r->name);
                        fprintf(f, " | %s | %s | %s |\n", cli_count(r->count, a),
                                cli_size(r->shallow_size, b), cli_size(r->retained_size, d));
                    } else {
                        fprintf(f, "%12s  %11s  %11s  ", cli_count(r->count, a),
                                cli_size(r->shallow_size, b), cli_size(r->retained_size, d));
                        cli_print_name(f, r->name, strlen(r->name), 80);
                        fputc('\n', f);
                    }
                }
                if (shown_cls < ncls)
                    fprintf(f, "%s... %s more classes (-n 0 shows all)\n", markdown ? "\n" : "",
                            cli_count(ncls - shown_cls, a));
                if (ngroups)
                    fputs(markdown ? "\n#### Where they are held\n\n"
                                   : "\nWhere they are held (in FINAL), largest retained first:\n",
                          f);
                for (size_t i = 0; i < shown_groups; i++)
                    group_text(f, fin, ms_why_class_group(g, i), i + 1, markdown);
                if (shown_groups < ngroups)
                    fprintf(f, "... %s more groups (-n 0 shows all)\n",
                            cli_count(ngroups - shown_groups, a));
                rc = cli_output_close(&o, true);
            }
        }
    }
    if (rc == CLI_OK && bad)
        rc = CLI_BUDGET;
done:
    ms_leaks_free(lk);
    for (int i = 0; i < 3; i++)
        ms_snapshot_free(snaps[i]);
    ignore_free(&ca.ign);
    return rc;
}
