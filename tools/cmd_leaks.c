/*
 * cmd_leaks.c: `memsnap leaks BASELINE TARGET FINAL` - memlab's leaked
 * objects, with CI budgets (--fail-on).  The library runs the whole job
 * (ms_leaks_files); this file prints it.
 */
#include "ci.h"
#include "cli_doc.h"
#include "cli_paths.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

static const cli_cmd leaks_cmd = {
    .name = "leaks",
    .forms = {{"BASELINE TARGET FINAL", 3, 3}},
    .opts = (const cli_opt[]){
        CLI_OPT_TOP(10, "show the N largest classes and groups (default 10, 0: all)"),
        CLI_OPT_JSON("JSON output (schema memsnap.leaks/3, docs/schema/leaks.schema.json)"),
        CLI_OPT_MARKDOWN,
        CI_OPT_FAIL_ON("exit 1 when EXPR holds: 'leaks>0' (count), 'leaks>1MB' (retained), "
                       "'class:Foo>10' (repeatable; docs/ci.md)"),
        CI_OPT_IGNORE,
        CI_OPT_SORT,
        CI_OPT_INTERNALS,
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load and analysis seconds as JSON on stderr"),
        CLI_OPT_FULL,
        CLI_OPT_TAIL,
    },
    .description =
        "memlab's leak model: the objects allocated between BASELINE and TARGET (ids\n"
        "in TARGET, not in BASELINE) that are still alive in FINAL, after the action\n"
        "under test was undone.  Listed per class, then grouped by cause in FINAL:\n"
        "each group is the objects that one kind of reference holds, named by the\n"
        "program's class, the reference to cut and the code that holds it, the\n"
        "program's groups first, largest retained first.  The three snapshots must\n"
        "come from one process.\n",
    .epilog = CI_EXIT_STATUS,
};

/* The classes and groups a report lists, in order (ci_leaks_order). */
typedef struct listing {
    size_t *classes, nc;
    size_t *groups, ng;
    ci_folded cf, gf;    /* the runtime's classes and groups left out */
} listing;

/* leaks' JSON groups, one at a time. */
typedef struct leak_stream {
    ms_snapshot *final;
    const ms_path_groups *g;
    const size_t *order;
    size_t shown, at;
} leak_stream;

static cJSON *next_leak_group(void *ctx, bool *failed)
{
    leak_stream *s = ctx;
    cJSON *gj;
    if (s->at >= s->shown)
        return NULL;
    gj = ci_group_json(s->final, ms_path_groups_get(s->g, s->order[s->at++]));
    if (!gj)
        *failed = true;
    return gj;
}

/* leaks' JSON document (memsnap.leaks/3), the groups streamed. */
static int leaks_json(ms_leaks *lk, const listing *l, ci_args *ca, const cli_common *opt)
{
    const ms_leaks_totals *t = ms_leaks_totals_get(lk);
    const ms_path_groups *g = ms_leaks_groups(lk);
    size_t ncls = l->nc, ngroups = l->ng;
    cJSON *doc = cJSON_CreateObject(), *cls = cJSON_CreateArray(), *bj = cJSON_CreateArray();
    leak_stream ls = {ms_leaks_final(lk), g, l->groups, cli_shown(opt->top, ngroups), 0};
    int rc;
    ci_check_budgets(&ca->bs, NULL, lk, bj);
    cJSON_AddStringToObject(doc, "schema", "memsnap.leaks/3");
    cJSON_AddItemToObject(doc, "baseline", cli_input_json(ms_leaks_input(lk, 0)));
    cJSON_AddItemToObject(doc, "target", cli_input_json(ms_leaks_input(lk, 1)));
    cJSON_AddItemToObject(doc, "final", cli_input_json(ms_leaks_input(lk, 2)));
    cJSON_AddStringToObject(doc, "sizes", opt->raw_sizes ? "raw" : "devtools");
    cJSON_AddNumberToObject(doc, "count", (double)t->count);
    cJSON_AddNumberToObject(doc, "shallow_size", (double)t->shallow_size);
    cJSON_AddNumberToObject(doc, "retained_size", (double)t->retained_size);
    cJSON_AddNumberToObject(doc, "program_count", (double)t->program_count);
    cJSON_AddNumberToObject(doc, "program_retained_size", (double)t->program_retained_size);
    cJSON_AddNumberToObject(doc, "class_count", (double)ncls);
    cli_add_numbers(cJSON_AddObjectToObject(doc, "folded"), (const cli_number[]){
        {"classes", l->cf.classes}, {"count", l->cf.added_count},
        {"retained_size", (double)l->cf.size_delta}, {"groups", l->gf.classes}, {NULL, 0}});
    for (size_t i = 0; i < cli_shown(opt->top, ncls); i++) {
        const ms_class_row *r = ms_leaks_class_get(lk, l->classes[i]);
        cJSON *o = cli_class_json(ms_leaks_final(lk), r);
        cJSON_AddStringToObject(
            o, "origin", cli_origin_name(ms_class_origin(ms_leaks_final(lk), r->key, r->name)));
        cJSON_AddItemToArray(cls, o);
    }
    cJSON_AddItemToObject(doc, "classes", cls);
    cJSON_AddNumberToObject(doc, "group_count", (double)ngroups);
    cJSON_AddItemToObject(doc, "groups", cJSON_CreateArray()); /* printed one at a time */
    cJSON_AddItemToObject(doc, "budgets", bj);
    rc = cli_write_json_streamed(doc, "groups", next_leak_group, &ls, opt->output);
    cJSON_Delete(doc);
    return rc;
}

/* The report's head: totals and the class table's header. */
static void leaks_head(FILE *f, const ms_leaks *lk, bool markdown)
{
    const ms_leaks_totals *t = ms_leaks_totals_get(lk);
    const char *file[3] = {ms_leaks_input(lk, 0)->name, ms_leaks_input(lk, 1)->name,
                           ms_leaks_input(lk, 2)->name};
    bool classes = ms_leaks_class_count(lk) > 0;
    char a[32], b[32], d[32], e[32];
    if (markdown) {
        fputs("### memsnap leaks\n\n", f);
        fprintf(f, "**%s objects** allocated between ", cli_count(t->count, a));
        cli_md_text(f, file[0]);
        fputs(" and ", f);
        cli_md_text(f, file[1]);
        fputs(" are still alive in ", f);
        cli_md_text(f, file[2]);
        fprintf(f, ": %s, retaining **%s**; the program holds **%s** of them, retaining %s "
                   "(the rest are the engine's and runtime's own).\n\n",
                cli_size(t->shallow_size, b), cli_size(t->retained_size, d),
                cli_count(t->program_count, a), cli_size(t->program_retained_size, e));
        if (classes)
            fputs("| Class | Count | Shallow | Retained |\n| --- | ---: | ---: | ---: |\n", f);
    } else {
        fprintf(f, "%s objects allocated between %s and %s are still alive in %s:\n",
                cli_count(t->count, a), file[0], file[1], file[2]);
        fprintf(f, "%s shallow, retaining %s; the program holds %s of them, retaining %s (the "
                   "rest are the engine's and runtime's own)\n",
                cli_size(t->shallow_size, b), cli_size(t->retained_size, d),
                cli_count(t->program_count, a), cli_size(t->program_retained_size, e));
        if (classes)
            fprintf(f, "\n%12s  %11s  %11s  %s\n", "count", "shallow", "retained", "class");
    }
}

/* What leaks' text or Markdown report prints. */
typedef struct report {
    const ms_leaks *lk;
    const listing *l;
    uint64_t top;         /* -n: classes and groups shown */
    bool markdown;
} report;

/* "... N more WHAT" in the report's format. */
static void print_more(FILE *f, size_t shown, size_t n, const char *what, bool markdown)
{
    if (markdown)
        cli_md_more(f, shown, n, what);
    else
        cli_print_more(f, shown, n, what, false);
}

/* leaks' text or Markdown report after the budgets (ctx: a report): the
 * classes, then the groups. */
static void leaks_text(FILE *f, void *ctx)
{
    const report *rep = ctx;
    const ms_leaks *lk = rep->lk;
    uint64_t top = rep->top;
    bool markdown = rep->markdown;
    const listing *l = rep->l;
    const ms_path_groups *g = ms_leaks_groups(lk);
    size_t ncls = l->nc, ngroups = l->ng;
    size_t shown_cls = cli_shown(top, ncls), shown_groups = cli_shown(top, ngroups);
    char a[32], b[32], d[32];
    leaks_head(f, lk, markdown);
    for (size_t i = 0; i < shown_cls; i++) {
        const ms_class_row *r = ms_leaks_class_get(lk, l->classes[i]);
        if (markdown) {
            fputs("| ", f);
            cli_md_class(f, ms_leaks_final(lk), r->name, r->key);
            fprintf(f, " | %s | %s | %s |\n", cli_count(r->count, a), cli_size(r->shallow_size, b),
                    cli_size(r->retained_size, d));
        } else {
            fprintf(f, "%12s  %11s  %11s  ", cli_count(r->count, a), cli_size(r->shallow_size, b),
                    cli_size(r->retained_size, d));
            cli_print_class(f, ms_leaks_final(lk), r->name, r->key, 80);
            fputc('\n', f);
        }
    }
    print_more(f, shown_cls, ncls, "classes", markdown);
    if (l->cf.classes)
        fprintf(f, "%s%s of the engine's and runtime's own classes (%s objects, retaining %s)%s\n",
                markdown ? "\n" : "", cli_count(l->cf.classes, a), cli_count(l->cf.added_count, b),
                cli_size((uint64_t)l->cf.size_delta, d),
                markdown ? "." : "; --internals lists them");
    if (ngroups)
        fputs(markdown ? "\n#### Where they are held\n\n"
                       : "\nWhere they are held (in FINAL), by cause: the program's first, "
                         "largest retained first:\n",
              f);
    for (size_t i = 0; i < shown_groups; i++)
        ci_group_text(f, ms_leaks_final(lk), ms_path_groups_get(g, l->groups[i]), i + 1, markdown);
    print_more(f, shown_groups, ngroups, "groups", markdown);
    if (l->gf.classes)
        fprintf(f, "%s%s groups of the runtime's own objects (%s objects) not shown%s\n",
                markdown ? "\n" : "", cli_count(l->gf.classes, a), cli_count(l->gf.added_count, b),
                markdown ? "." : "; --internals shows them");
}

int cmd_leaks(int argc, char **argv)
{
    ms_compare_options copts;
    ms_error err = MS_ERROR_INIT;
    ms_open_options open;
    cli_progress progress;
    ms_leaks *lk = NULL;
    cli_common opt;
    ci_args ca = {.leaks = true};
    listing l = {NULL, 0, NULL, 0, {0, 0, 0}, {0, 0, 0}};
    int rc;

    if ((rc = cli_parse_args(&leaks_cmd, argc, argv, &opt, &ca)) != CLI_RUN)
        goto done;
    cli_set_full_paths(opt.full_paths);
    copts = ci_compare_options(&ca, &opt);
    cli_open_options(&open, &progress);
    rc = ms_leaks_files(opt.operands[0], opt.operands[1], opt.operands[2], &open, &copts, &lk,
                        &err);
    cli_progress_end(&progress);
    if (rc < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    if (opt.timings)
        fprintf(stderr, "{\"load\": %.3f, \"leaks\": %.3f}\n",
                ms_leaks_input(lk, 0)->load_seconds + ms_leaks_input(lk, 1)->load_seconds +
                    ms_leaks_input(lk, 2)->load_seconds,
                ms_leaks_seconds(lk));
    if ((rc = ci_leaks_order(lk, ca.sort, ca.internals, &l.classes, &l.nc, &l.cf, &l.groups,
                             &l.ng, &l.gf)) != CLI_OK)
        goto done;
    rc = ci_exit(&ca.bs, opt.json ? leaks_json(lk, &l, &ca, &opt)
                                  : ci_write_report(&ca.bs, NULL, lk, &opt, leaks_text,
                                                    &(report){lk, &l, opt.top, opt.markdown}));
done:
    free(l.classes);
    free(l.groups);
    ms_leaks_free(lk);
    ci_ignore_free(&ca.ign);
    return rc;
}
