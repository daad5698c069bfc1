/*
 * cmd_compare.c: `memsnap compare BEFORE AFTER` - what grew between two
 * snapshots and what holds the new objects, with CI budgets (--fail-on).
 * The library runs the whole job (ms_compare_files); this file prints it.
 */
#include "ci.h"
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
         .help = "show where the new objects of the K classes that grew most are held "
                 "(default 5, 0: none)",
         CLI_U64(ci_args, groups, 5, 0, 1000)},
        CLI_OPT_JSON("JSON output (schema memsnap.compare/1, docs/schema/compare.schema.json)"),
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
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load and compare seconds as JSON on stderr"),
        CLI_OPT_TAIL,
    },
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
    .epilog = CI_EXIT_STATUS,
};

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
    const ms_path_groups *g = ms_compare_groups(c);
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
            for (size_t q = 0; q < ms_path_groups_count(g); q++) {
                const ms_path_group *grp = ms_path_groups_get(g, q);
                if (ms_compare_node_row(c, grp->example) != grow[i])
                    continue;
                total_groups++;
                if (shown_groups < GROUPS_PER_CLASS)
                    ci_group_text(f, after, grp, ++shown_groups, markdown);
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
    const ms_path_groups *g;
    size_t shown, top;
    size_t at;            /* next group to look at */
} group_stream;

static cJSON *next_group(void *ctx, bool *failed)
{
    group_stream *s = ctx;
    while (s->at < ms_path_groups_count(s->g)) {
        const ms_path_group *grp = ms_path_groups_get(s->g, s->at++);
        size_t r = ms_compare_node_row(s->cmp, grp->example);
        const char *key;
        cJSON *gj;
        if (r == SIZE_MAX || (s->top && r >= s->shown))
            continue; /* groups of the classes listed */
        key = ms_compare_row_get(s->cmp, r)->key;
        gj = ci_group_json(s->after, grp);
        if (!gj || !cJSON_AddItemToObject(gj, "key", cli_json_string(key, strlen(key)))) {
            cJSON_Delete(gj);
            *failed = true;
            return NULL;
        }
        return gj;
    }
    return NULL;
}

/* compare's JSON document (memsnap.compare/1), the groups streamed. */
static int compare_json(ms_compare *cmp, ci_args *ca, const cli_common *opt, const char *out)
{
    const ms_path_groups *g = ms_compare_groups(cmp);
    ms_snapshot *after = ms_compare_after(cmp);
    const ms_trace_diff *trace = ms_compare_trace_diff(cmp);
    cJSON *doc = cJSON_CreateObject(), *rows = cJSON_CreateArray(), *bj = cJSON_CreateArray();
    size_t changed = 0, shown, top = (size_t)opt->top;
    int rc;

    ci_check_budgets(&ca->bs, cmp, NULL, bj);
    cJSON_AddStringToObject(doc, "schema", "memsnap.compare/1");
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
    for (size_t i = 0; i < ms_compare_row_count(cmp); i++)
        changed += ms_compare_row_get(cmp, i)->changed != 0;
    shown = top && top < changed ? top : changed;
    cJSON_AddNumberToObject(doc, "class_count", (double)changed);
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(rows, row_json(ms_compare_row_get(cmp, i)));
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
        group_stream gs = {cmp, after, g, shown, top, 0};
        rc = cli_write_json_streamed(doc, "groups", next_group, &gs, out);
    } else {
        rc = cli_write_json(doc, out);
    }
    cJSON_Delete(doc);
    return rc;
}

/* compare's text or Markdown report. */
static int compare_report(ms_compare *cmp, ci_args *ca, const cli_common *opt, const char *out)
{
    const ms_trace_diff *trace = ms_compare_trace_diff(cmp);
    const char *bname = ms_compare_input(cmp, 0)->name, *aname = ms_compare_input(cmp, 1)->name;
    cli_output o;
    int rc;
    ci_check_budgets(&ca->bs, cmp, NULL, NULL);
    if ((rc = cli_output_open(&o, out)) != CLI_OK)
        return rc;
    if (opt->markdown)
        ci_md_budgets(o.f, &ca->bs);
    if (trace)
        trace_compare_text(o.f, ms_compare_before(cmp), ms_compare_after(cmp), trace, bname, aname,
                           (size_t)opt->top, opt->markdown);
    else
        compare_text(o.f, ms_compare_after(cmp), cmp, bname, aname, (size_t)opt->top,
                     (size_t)ca->groups, opt->markdown);
    return cli_output_close(&o, true);
}

int cmd_compare(int argc, char **argv)
{
    ms_compare_options copts = MS_COMPARE_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    ms_open_options open;
    cli_progress progress;
    ms_compare *cmp = NULL;
    cli_common opt;
    ci_args ca = {.leaks = false};
    size_t bad = 0;
    int rc;

    if ((rc = cli_parse_args(&compare_cmd, argc, argv, &opt, &ca)) != CLI_RUN)
        goto done;
    copts.group = (ms_summary_group)ca.by;
    copts.match = (ms_compare_match)ca.match;
    copts.interfaces = (ms_compare_interfaces)ca.interfaces;
    copts.paths = ca.no_paths ? MS_COMPARE_PATHS_NONE : MS_COMPARE_PATHS_GROUP;
    copts.sizes = opt.raw_sizes ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS;
    ci_ignore_apply(&ca.ign, &copts);
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
    rc = opt.json ? compare_json(cmp, &ca, &opt, opt.output)
                  : compare_report(cmp, &ca, &opt, opt.output);
    for (size_t i = 0; i < ca.bs.n; i++)
        bad += ca.bs.result[i].exceeded != 0;
    if (rc == CLI_OK && bad)
        rc = CLI_BUDGET;
done:
    ms_compare_free(cmp);
    ci_ignore_free(&ca.ign);
    return rc;
}
