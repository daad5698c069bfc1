/*
 * cmd_compare.c: `memsnap compare BEFORE AFTER` - what grew between two
 * snapshots and what holds the new objects, with CI budgets (--fail-on).
 * The library runs the whole job (ms_compare_files); this file prints it.
 */
#include "ci.h"
#include "cli_doc.h"
#include "cli_paths.h"
#include "commands.h"
#include "trace_compare.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const cli_choice by_choices[] = {
    {"class", MS_GROUP_CLASS}, {"site", MS_GROUP_SITE}, {NULL, 0}};
static const cli_choice match_choices[] = {
    {"auto", MS_MATCH_AUTO}, {"id", MS_MATCH_BY_ID}, {"class", MS_MATCH_BY_CLASS}, {NULL, 0}};
static const cli_choice interfaces_choices[] = {
    {"after", MS_INTERFACES_AFTER}, {"own", MS_INTERFACES_OWN}, {NULL, 0}};

static const cli_cmd compare_cmd = {
    .name = "compare",
    .forms = {{"BEFORE AFTER", 2, 2}},
    .opts = (const cli_opt[]){
        CLI_OPT_TOP(20, "show the N classes that changed most (default 20, 0: all)"),
        {.name = "groups", .arg = "K",
         .help = "show the K first groups of new objects by cause: what holds them, "
                 "where in the code (default 5, 0: none)",
         CLI_U64(ci_args, groups, 5, 0, 1000)},
        CLI_OPT_JSON("JSON output (schema memsnap.compare/3, docs/schema/compare.schema.json)"),
        CLI_OPT_MARKDOWN,
        CI_OPT_FAIL_ON("exit 1 when EXPR holds, e.g. 'total>+5%', 'total>+2MB', "
                       "'class:Foo>+100', 'new-retained>1MB' (repeatable; docs/ci.md)"),
        CI_OPT_IGNORE,
        {.name = "by", .help = "rows per class (default) or per allocation site",
         CLI_CHOICE(ci_args, by, by_choices, MS_GROUP_CLASS)},
        {.name = "match",
         .help = "match objects by id (auto: unless the snapshots come from different "
                 "processes) or compare per class only",
         CLI_CHOICE(ci_args, match, match_choices, MS_MATCH_AUTO)},
        {.name = "interfaces",
         .help = "name BEFORE's plain objects \"{a, b}\" with AFTER's definitions (DevTools' "
                 "Memory panel, default) or its own (heap-snapshot-toolkit's diff)",
         CLI_CHOICE(ci_args, interfaces, interfaces_choices, MS_INTERFACES_AFTER)},
        {.name = "no-paths", .help = "skip the retention paths and retained sizes (faster)",
         CLI_BOOL(ci_args, no_paths)},
        CI_OPT_SORT,
        CI_OPT_INTERNALS,
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load and compare seconds as JSON on stderr"),
        CLI_OPT_FULL,
        CLI_OPT_TAIL,
    },
    .description =
        "What grew between two snapshots of one process.  Per class, as Chrome\n"
        "DevTools' Comparison view: objects matched by id, new ones (# New, Alloc.\n"
        "Size), deleted ones (# Deleted, Freed Size) and the deltas, largest growth\n"
        "first; then where the new objects are held, grouped by cause in AFTER:\n"
        "the reference to cut, the code that holds it, what cutting it frees.\n"
        "Snapshots of different processes (their ids name different objects) are\n"
        "compared per class only, with a warning.  Two Memlyze event traces\n"
        "(.mlyze without a heap snapshot) are compared per allocation site: live\n"
        "bytes and events per site, largest growth first.\n",
    .epilog = CI_EXIT_STATUS,
};

/* ---- compare ------------------------------------------------------------ */

/* The JSON document's "totals": both heaps and what changed between them. */
static void totals_json(cJSON *doc, const ms_compare *c)
{
    const ms_compare_totals *t = ms_compare_totals_get(c);
    cJSON *o = cJSON_AddObjectToObject(doc, "totals");
    cli_add_numbers(o, (const cli_number[]){
        {"before_nodes", t->before_nodes}, {"after_nodes", t->after_nodes},
        {"before_size", t->before_size}, {"after_size", t->after_size},
        {"size_delta", (double)t->after_size - (double)t->before_size},
        {"added_count", t->added_count}, {"added_size", t->added_size},
        {"removed_count", t->removed_count}, {"removed_size", t->removed_size},
        {"new_count", t->new_count}, {"new_size", t->new_size}, {NULL, 0}});
    /* unknown (null) when the new objects were not grouped by path */
    if (ms_compare_groups(c))
        cJSON_AddNumberToObject(o, "new_retained", (double)t->new_retained);
    else
        cJSON_AddNullToObject(o, "new_retained");
    cli_add_numbers(o, (const cli_number[]){
        {"shared_ids", t->shared_ids}, {"mismatched_ids", t->mismatched_ids}, {NULL, 0}});
}

/* One class (or site) of the JSON "classes". */
static cJSON *row_json(const ms_snapshot *after, const ms_compare_row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "key", cli_json_string(r->key, strlen(r->key)));
    cJSON_AddItemToObject(o, "name", cli_json_string(r->name, strlen(r->name)));
    cli_add_class_location(o, after, r->key);
    cJSON_AddStringToObject(o, "origin", cli_origin_name(ms_class_origin(after, r->key, r->name)));
    cli_add_numbers(o, (const cli_number[]){
        {"before_count", r->before_count}, {"after_count", r->after_count},
        {"before_size", r->before_size}, {"after_size", r->after_size},
        {"added_count", r->added_count}, {"removed_count", r->removed_count},
        {"added_size", r->added_size}, {"removed_size", r->removed_size},
        {"count_delta", r->count_delta}, {"size_delta", r->size_delta},
        {"added_retained", r->added_retained}, {NULL, 0}});
    cJSON_AddBoolToObject(o, "ignored", r->ignored);
    return o;
}

/* The classes and groups a report lists and in which order
 * (ci_compare_order, ci_group_order). */
typedef struct listing {
    size_t *order;      /* row indices, n of them */
    size_t n;
    ci_folded folded;   /* the runtime's classes left out */
    size_t *groups;     /* group indices, ng of them */
    size_t ng;
    ci_folded gfolded;  /* the runtime's groups left out */
} listing;

/* Whether a Markdown report lists the row: a pull-request comment lists
 * what grew or shrank, and classes whose objects were only replaced one
 * for one stay in the JSON and text. */
static bool md_listed(const ms_compare_row *r)
{
    return r->count_delta != 0 || r->size_delta != 0;
}

/* How the heap changed as a whole. */
typedef struct change {
    int64_t size, nodes;  /* AFTER less BEFORE: bytes, objects */
    double percent;       /* of BEFORE's size */
} change;

/* AFTER's totals against BEFORE's. */
static change change_of(const ms_compare_totals *t)
{
    change d = {(int64_t)t->after_size - (int64_t)t->before_size,
                (int64_t)t->after_nodes - (int64_t)t->before_nodes, 0};
    d.percent = t->before_size ? (double)d.size * 100.0 / (double)t->before_size : 0;
    return d;
}

/* The Markdown report's heading and totals. */
static void head_md(FILE *f, const ms_compare *c, const char *bname, const char *aname)
{
    const ms_compare_totals *t = ms_compare_totals_get(c);
    change d = change_of(t);
    char a[32], b[32], e[32], h[32];
    fputs("### memsnap compare: ", f);
    cli_md_text(f, bname);
    fputs(" → ", f);
    cli_md_text(f, aname);
    fputs("\n\n", f);
    if (!ms_compare_by_id(c) && ms_compare_note(c))
        fprintf(f, "> **Warning:** %s; compared per class only.\n\n", ms_compare_note(c));
    fprintf(f, "**Total size** %s → %s (**%s, %+.1f%%**); objects %s",
            cli_size(t->before_size, a), cli_size(t->after_size, b), cli_ssize(d.size, e),
            d.percent, cli_scount(d.nodes, h));
    /* The text's count: every object only in AFTER, the sum of the table's
     * # New (new_count, which the `new` budget measures, leaves out
     * synthetic nodes and ignored classes). */
    if (ms_compare_by_id(c))
        fprintf(f, "; %s new objects (%s)", cli_count(t->added_count, a),
                cli_size(t->added_size, b));
    if (ms_compare_groups(c))
        fprintf(f, " retaining **%s**", cli_size(t->new_retained, a));
    fputs(".\n\n", f);
}

/* The text report's heading and table of totals. */
static void head_text(FILE *f, const ms_compare *c, const char *bname, const char *aname)
{
    const ms_compare_totals *t = ms_compare_totals_get(c);
    change d = change_of(t);
    bool by_id = ms_compare_by_id(c);
    char a[32], b[32], e[32];
    fprintf(f, "%s -> %s: %s\n", bname, aname,
            by_id ? "objects matched by id" : "compared per class only");
    fprintf(f, "\n  %-16s %14s %14s %14s\n", "", "before", "after", "change");
    fprintf(f, "  %-16s %14s %14s %14s\n", "objects", cli_count(t->before_nodes, a),
            cli_count(t->after_nodes, b), cli_scount(d.nodes, e));
    fprintf(f, "  %-16s %14s %14s %14s (%+.1f%%)\n", "total size", cli_size(t->before_size, a),
            cli_size(t->after_size, b), cli_ssize(d.size, e), d.percent);
    if (by_id) {
        fprintf(f, "  %-16s %14s %14s   %s\n", "new objects", "", cli_count(t->added_count, a),
                cli_size(t->added_size, b));
        fprintf(f, "  %-16s %14s %14s   %s\n", "deleted objects", "",
                cli_count(t->removed_count, a), cli_size(t->removed_size, b));
        if (ms_compare_groups(c))
            fprintf(f, "  %-16s %14s %14s\n", "new retain", "", cli_size(t->new_retained, a));
    }
    fputc('\n', f);
}

/* The class table's header: DevTools' columns when objects are matched by
 * id (new, deleted), else before and after. */
static void table_head(FILE *f, bool by_id, bool markdown)
{
    if (markdown && by_id)
        fputs("| Class | # New | # Deleted | # Delta | Alloc. Size | Freed Size | Size Delta |\n"
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
              f);
    else if (markdown)
        fputs("| Class | Before | After | # Delta | Size before | Size after | Size Delta |\n"
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
              f);
    else if (by_id)
        fprintf(f, "%9s %9s %9s %11s %11s %11s %11s  %s\n", "# new", "# deleted", "# delta",
                "alloc size", "freed size", "size delta", "new retain", "class");
    else
        fprintf(f, "%9s %9s %9s %11s %11s %11s  %s\n", "before", "after", "# delta", "size before",
                "size after", "size delta", "class");
}

/* One row of the class table; with_retained: the new objects' retained
 * size is known (text, by id). */
static void table_row(FILE *f, const ms_snapshot *after, const ms_compare_row *r, bool by_id,
                      bool with_retained,
                      bool markdown)
{
    uint64_t n1 = by_id ? r->added_count : r->before_count;
    uint64_t n2 = by_id ? r->removed_count : r->after_count;
    uint64_t s1 = by_id ? r->added_size : r->before_size;
    uint64_t s2 = by_id ? r->removed_size : r->after_size;
    char a[32], b[32], d[32], e[32], h[32], i[32];
    if (markdown) {
        fputs("| ", f);
        cli_md_class(f, after, r->name, r->key);
        fprintf(f, " | %s | %s | %s | %s | %s | %s |\n", cli_count(n1, a), cli_count(n2, b),
                cli_scount(r->count_delta, d), cli_size(s1, e), cli_size(s2, h),
                cli_ssize(r->size_delta, i));
        return;
    }
    fprintf(f, "%9s %9s %9s %11s %11s %11s", cli_count(n1, a), cli_count(n2, b),
            cli_scount(r->count_delta, d), cli_size(s1, e), cli_size(s2, h),
            cli_ssize(r->size_delta, i));
    if (by_id)
        fprintf(f, " %11s", with_retained ? cli_size(r->added_retained, a) : "-");
    fputs("  ", f);
    cli_print_class(f, after, r->name, r->key, 80);
    if (r->ignored)
        fputs("  (ignored)", f);
    fputc('\n', f);
}

/* The runtime's classes folded into one line. */
static void folded_line(FILE *f, const ci_folded *fo, bool markdown)
{
    char a[32], b[32], d[32];
    if (!fo->classes)
        return;
    fprintf(f, "%s%s of the engine's and runtime's own classes changed (%s new objects, %s)%s\n",
            markdown ? "\n" : "", cli_count(fo->classes, a), cli_scount((int64_t)fo->added_count, b),
            cli_ssize(fo->size_delta, d),
            markdown ? "." : "; --internals lists them");
}

/* The classes that changed in the listing's order, up to top (0: all). */
static void class_table(FILE *f, const ms_snapshot *after, const ms_compare *c, const listing *l,
                        size_t top, bool markdown)
{
    bool by_id = ms_compare_by_id(c), with_retained = ms_compare_groups(c) != NULL;
    size_t changed = l->n, shown, listed = 0;
    if (markdown) {
        size_t net = 0;
        for (size_t i = 0; i < l->n; i++)
            net += md_listed(ms_compare_row_get(c, l->order[i]));
        changed = net;
    }
    shown = cli_shown(top, changed);
    table_head(f, by_id, markdown);
    for (size_t i = 0; listed < shown && i < l->n; i++) {
        const ms_compare_row *r = ms_compare_row_get(c, l->order[i]);
        if (markdown && !md_listed(r))
            continue;
        listed++;
        table_row(f, after, r, by_id, with_retained, markdown);
    }
    if (markdown)
        cli_md_more(f, shown, changed, "classes changed");
    else
        cli_print_more(f, shown, changed, "classes changed", false);
    folded_line(f, &l->folded, markdown);
    if (changed == 0 && !l->folded.classes)
        fputs(markdown ? "\nNo class grew or shrank.\n" : "(no class changed)\n", f);
}

/* Where the new objects are held: the first k groups by cause (when the
 * comparison grouped them), the program's first. */
static void where_held(FILE *f, ms_snapshot *after, const ms_compare *c, const listing *l,
                       size_t k, bool markdown)
{
    const ms_path_groups *g = ms_compare_groups(c);
    size_t shown = l->ng < k ? l->ng : k;
    char a[32], b[32], d[32];
    if (!g || !k)
        return;
    if (shown)
        fputs(markdown ? "\n#### Where the new objects are held\n\n"
                       : "\nWhere the new objects are held (in AFTER), by cause: the program's "
                         "first, largest retained first:\n",
              f);
    for (size_t i = 0; i < shown; i++)
        ci_group_text(f, after, ms_path_groups_get(g, l->groups[i]), i + 1, markdown);
    if (l->ng > shown)
        fprintf(f, markdown ? "%s more groups.\n" : "... %s more groups (--groups 0 is none; "
                                                     "--groups N shows N)\n",
                cli_count(l->ng - shown, a));
    if (l->gfolded.classes)
        fprintf(f, "%s%s groups of the runtime's own objects (%s objects, retaining %s) not "
                   "shown%s\n",
                markdown ? "\n" : "", cli_count(l->gfolded.classes, a),
                cli_count(l->gfolded.added_count, b),
                cli_size((uint64_t)l->gfolded.size_delta, d),
                markdown ? "." : "; --internals shows them");
}

/* A comparison of heaps as text or Markdown: totals, the classes that
 * changed (up to top), the first k groups of new objects by cause. */
static void compare_text(FILE *f, ms_snapshot *after, const ms_compare *c, const listing *l,
                         const char *bname, const char *aname, size_t top, size_t k, bool markdown)
{
    if (markdown)
        head_md(f, c, bname, aname);
    else
        head_text(f, c, bname, aname);
    class_table(f, after, c, l, top, markdown);
    where_held(f, after, c, l, k, markdown);
}

/* The JSON groups listed, one at a time, in the listing's order. */
typedef struct group_stream {
    const ms_compare *cmp;
    ms_snapshot *after;
    const ms_path_groups *g;
    const size_t *order;
    size_t shown, at;
} group_stream;

static cJSON *next_group(void *ctx, bool *failed)
{
    group_stream *s = ctx;
    const ms_path_group *grp;
    size_t r;
    cJSON *gj;
    if (s->at >= s->shown)
        return NULL;
    grp = ms_path_groups_get(s->g, s->order[s->at++]);
    r = ms_compare_node_row(s->cmp, grp->example);
    gj = ci_group_json(s->after, grp);
    if (!gj || (r != SIZE_MAX && !cJSON_AddItemToObject(gj, "key",
                                                        cli_json_string(ms_compare_row_get(
                                                                            s->cmp, r)->key,
                                                                        strlen(ms_compare_row_get(
                                                                            s->cmp, r)->key))))) {
        cJSON_Delete(gj);
        *failed = true;
        return NULL;
    }
    return gj;
}

/* compare's JSON document (memsnap.compare/3), the groups streamed. */
static int compare_json(ms_compare *cmp, const listing *l, ci_args *ca, const cli_common *opt)
{
    const ms_path_groups *g = ms_compare_groups(cmp);
    ms_snapshot *after = ms_compare_after(cmp);
    const ms_trace_diff *trace = ms_compare_trace_diff(cmp);
    cJSON *doc = cJSON_CreateObject(), *rows = cJSON_CreateArray(), *bj = cJSON_CreateArray();
    size_t changed = l->n, top = (size_t)opt->top, shown = cli_shown(top, changed);
    int rc;

    ci_check_budgets(&ca->bs, cmp, NULL, bj);
    cJSON_AddStringToObject(doc, "schema", "memsnap.compare/3");
    cJSON_AddItemToObject(doc, "before", cli_input_json(ms_compare_input(cmp, 0)));
    cJSON_AddItemToObject(doc, "after", cli_input_json(ms_compare_input(cmp, 1)));
    cJSON_AddStringToObject(doc, "sizes", opt->raw_sizes ? "raw" : "devtools");
    cJSON_AddStringToObject(doc, "by", ca->by == MS_GROUP_SITE ? "site" : "class");
    cJSON_AddStringToObject(doc, "match", ms_compare_by_id(cmp) ? "id" : "class");
    if (ms_compare_note(cmp))
        cJSON_AddStringToObject(doc, "note", ms_compare_note(cmp));
    else
        cJSON_AddNullToObject(doc, "note");
    totals_json(doc, cmp);
    cJSON_AddNumberToObject(doc, "class_count", (double)changed);
    cli_add_numbers(cJSON_AddObjectToObject(doc, "folded"), (const cli_number[]){
        {"classes", l->folded.classes}, {"added_count", l->folded.added_count},
        {"size_delta", l->folded.size_delta}, {NULL, 0}});
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(rows, row_json(after, ms_compare_row_get(cmp, l->order[i])));
    cJSON_AddItemToObject(doc, "classes", rows);
    /* Groups are printed one at a time (cli_write_json_streamed). */
    if (g)
        cJSON_AddItemToObject(doc, "groups", cJSON_CreateArray());
    else
        cJSON_AddNullToObject(doc, "groups");
    cJSON_AddItemToObject(doc, "trace",
                          trace ? trace_compare_json(ms_compare_before(cmp), after, trace, top)
                                : cJSON_CreateNull());
    cJSON_AddItemToObject(doc, "budgets", bj);
    if (g) {
        group_stream gs = {cmp, after, g, l->groups, cli_shown(top, l->ng), 0};
        rc = cli_write_json_streamed(doc, "groups", next_group, &gs, opt->output);
        cJSON_Delete(doc);
    } else {
        rc = cli_write_doc(doc, opt->output);
    }
    return rc;
}

/* What compare's text or Markdown report prints. */
typedef struct report {
    ms_compare *cmp;
    const listing *l;
    const ci_args *ca;
    const cli_common *opt;
} report;

/* compare's text or Markdown report after the budgets (ctx: a report): the
 * heaps' or the traces' comparison. */
static void compare_report(FILE *f, void *ctx)
{
    const report *r = ctx;
    const ms_trace_diff *trace = ms_compare_trace_diff(r->cmp);
    const char *bname = ms_compare_input(r->cmp, 0)->name;
    const char *aname = ms_compare_input(r->cmp, 1)->name;
    if (trace)
        trace_compare_text(f, ms_compare_before(r->cmp), ms_compare_after(r->cmp), trace, bname,
                           aname, (size_t)r->opt->top, r->opt->markdown);
    else
        compare_text(f, ms_compare_after(r->cmp), r->cmp, r->l, bname, aname,
                     (size_t)r->opt->top, (size_t)r->ca->groups, r->opt->markdown);
}

int cmd_compare(int argc, char **argv)
{
    ms_compare_options copts;
    ms_error err = MS_ERROR_INIT;
    ms_open_options open;
    cli_progress progress;
    ms_compare *cmp = NULL;
    cli_common opt;
    ci_args ca = {.leaks = false};
    listing l = {NULL, 0, {0, 0, 0}, NULL, 0, {0, 0, 0}};
    int rc;

    if ((rc = cli_parse_args(&compare_cmd, argc, argv, &opt, &ca)) != CLI_RUN)
        goto done;
    cli_set_full_paths(opt.full_paths);
    copts = ci_compare_options(&ca, &opt);
    cli_open_options(&open, &progress);
    rc = ms_compare_files(opt.operands[0], opt.operands[1], &open, &copts, &cmp, &err);
    cli_progress_end(&progress);
    if (rc < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!ms_compare_trace_diff(cmp) && !ms_compare_by_id(cmp) && ms_compare_note(cmp))
        fprintf(stderr, "memsnap: warning: %s; comparing per class only (counts and sizes), not "
                        "object by object\n",
                ms_compare_note(cmp));
    if (opt.timings)
        fprintf(stderr, "{\"load_before\": %.3f, \"load_after\": %.3f, \"compare\": %.3f}\n",
                ms_compare_input(cmp, 0)->load_seconds, ms_compare_input(cmp, 1)->load_seconds,
                ms_compare_seconds(cmp));
    l.order = ci_compare_order(cmp, ms_compare_after(cmp), ca.sort, ca.internals, &l.n, &l.folded);
    if (!l.order) {
        rc = cli_out_of_memory();
        goto done;
    }
    if ((rc = ci_group_order(ms_compare_after(cmp), ms_compare_groups(cmp), ca.sort,
                             ca.internals, &l.groups, &l.ng, &l.gfolded)) != CLI_OK)
        goto done;
    rc = ci_exit(&ca.bs, opt.json ? compare_json(cmp, &l, &ca, &opt)
                                  : ci_write_report(&ca.bs, cmp, NULL, &opt, compare_report,
                                                    &(report){cmp, &l, &ca, &opt}));
done:
    free(l.order);
    free(l.groups);
    ms_compare_free(cmp);
    ci_ignore_free(&ca.ign);
    return rc;
}
