/*
 * ci.c: what compare and leaks share (ci.h): budgets, allow-lists, the
 * groups of new objects as text and JSON.
 */
#define _GNU_SOURCE
#include "ci.h"

#include "cli_doc.h"
#include "cli_cause.h"
#include "cli_paths.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- budgets -------------------------------------------------------------- */

int ci_add_budget(ci_budgets *bs, const char *text, bool leaks)
{
    ms_error err = MS_ERROR_INIT;
    ms_budget *b;
    if (bs->n == CI_MAX_BUDGETS)
        return cli_usage_error("at most %d --fail-on budgets", CI_MAX_BUDGETS);
    b = &bs->b[bs->n];
    if (ms_budget_parse(text, b, &err) < 0)
        return cli_usage_error("--fail-on '%s': %s", text, err.message);
    if (leaks && (b->measure == MS_BUDGET_NEW || b->measure == MS_BUDGET_NEW_RETAINED ||
                  b->measure == MS_BUDGET_TOTAL || b->measure == MS_BUDGET_OBJECTS))
        return cli_usage_error("--fail-on '%s': leaks measures leaks and class:NAME", text);
    if (!leaks && b->measure == MS_BUDGET_LEAKS)
        return cli_usage_error("--fail-on '%s': leaks is measured by `memsnap leaks`", text);
    if (leaks && b->form != MS_BUDGET_ABSOLUTE)
        return cli_usage_error("--fail-on '%s': leaks has no BEFORE to change from: write a "
                               "limit without a sign",
                               text);
    bs->n++;
    return CLI_OK;
}

void ci_check_budgets(ci_budgets *bs, const ms_compare *cmp, const ms_leaks *leaks, cJSON *json)
{
    for (size_t i = 0; i < bs->n; i++) {
        const ms_budget *b = &bs->b[i];
        ms_budget_result *r = &bs->result[i];
        if (cmp)
            ms_budget_check_compare(b, cmp, r);
        else
            ms_budget_check_leaks(b, leaks, r);
        if (!r->measured)
            fprintf(stderr, "memsnap: budget %s cannot be measured: %s\n", b->text, r->message);
        else if (r->exceeded)
            fprintf(stderr, "memsnap: budget exceeded: %s: %s\n", b->text, r->message);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "expr", cli_json_string(b->text, strlen(b->text)));
            cJSON_AddBoolToObject(o, "measured", r->measured);
            if (r->measured)
                cJSON_AddNumberToObject(o, "value", r->value);
            cJSON_AddNumberToObject(o, "limit", b->limit);
            cJSON_AddBoolToObject(o, "exceeded", r->exceeded);
            cJSON_AddItemToObject(o, "message", cli_json_string(r->message, strlen(r->message)));
            cJSON_AddItemToArray(json, o);
        }
    }
}

/* How many of the budgets checked were exceeded. */
static size_t exceeded(const ci_budgets *bs)
{
    size_t bad = 0;
    for (size_t i = 0; i < bs->n; i++)
        bad += bs->result[i].exceeded != 0;
    return bad;
}

int ci_exit(const ci_budgets *bs, int rc)
{
    return rc == CLI_OK && exceeded(bs) ? CLI_BUDGET : rc;
}

/* The budgets' lines of a Markdown report (nothing without budgets). */
static void md_budgets(FILE *f, const ci_budgets *bs)
{
    size_t bad = exceeded(bs);
    if (!bs->n)
        return;
    if (bad) {
        fprintf(f, "**Memory budget exceeded** (%zu of %zu):\n\n", bad, bs->n);
        for (size_t i = 0; i < bs->n; i++)
            if (bs->result[i].exceeded) {
                fputs("- ", f);
                cli_md_text(f, bs->b[i].text);
                fputc('\n', f);
            }
        fputc('\n', f);
    } else {
        fprintf(f, "Memory budgets: all %zu met.\n\n", bs->n);
    }
}

/* ---- the report ----------------------------------------------------------- */

/* What ci_write_report's text callback needs. */
typedef struct report {
    const ci_budgets *bs;
    bool markdown;
    void (*body)(FILE *f, void *ctx);
    void *ctx;
} report;

static int report_text(FILE *f, void *ctx)
{
    const report *r = ctx;
    if (r->markdown)
        md_budgets(f, r->bs);
    r->body(f, r->ctx);
    return CLI_OK;
}

int ci_write_report(ci_budgets *bs, const ms_compare *cmp, const ms_leaks *leaks,
                    const cli_common *opt, void (*body)(FILE *f, void *ctx), void *ctx)
{
    ci_check_budgets(bs, cmp, leaks, NULL);
    return cli_write_text(opt->output, report_text, &(report){bs, opt->markdown, body, ctx});
}

/* ---- options -------------------------------------------------------------- */

static void ignore_apply(const ci_ignore_list *list, ms_compare_options *o)
{
    o->ignore_classes = (const char *const *)list->classes;
    o->ignore_class_count = list->nclasses;
    o->ignore_paths = (const char *const *)list->paths;
    o->ignore_path_count = list->npaths;
}

ms_compare_options ci_compare_options(const ci_args *ca, const cli_common *opt)
{
    ms_compare_options o = MS_COMPARE_OPTIONS_INIT;
    o.sizes = opt->raw_sizes ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS;
    ignore_apply(&ca->ign, &o);
    if (!ca->leaks) {
        o.group = (ms_summary_group)ca->by;
        o.match = (ms_compare_match)ca->match;
        o.interfaces = (ms_compare_interfaces)ca->interfaces;
        o.paths = ca->no_paths ? MS_COMPARE_PATHS_NONE : MS_COMPARE_PATHS_GROUP;
    }
    return o;
}

int ci_on_fail_on(const char *cmd, const char *value, void *args)
{
    ci_args *a = args;
    (void)cmd;
    return ci_add_budget(&a->bs, value, a->leaks);
}

int ci_on_ignore(const char *cmd, const char *value, void *args)
{
    ci_args *a = args;
    (void)cmd; /* given twice, cli_parse_args refuses it first */
    return ci_ignore_load(value, &a->ign);
}

/* ---- the order of the classes --------------------------------------------- */

const cli_choice ci_sort_choices[] = {{"user", CI_SORT_USER}, {"delta", CI_SORT_DELTA}, {NULL, 0}};

/* A class's place by origin: the program's 0, plain data 1, the runtime's 2. */
static int origin_rank(ms_origin o)
{
    return o == MS_ORIGIN_USER ? 0 : o == MS_ORIGIN_RUNTIME ? 2 : 1;
}

typedef struct order_ctx {
    const ms_compare *c;
    const int *rank;   /* per row: 0 user, 1 plain data, 2 runtime */
} order_ctx;

static int order_cmp(const void *a, const void *b, void *ctx)
{
    const order_ctx *o = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const ms_compare_row *rx = ms_compare_row_get(o->c, x), *ry = ms_compare_row_get(o->c, y);
    if (o->rank[x] != o->rank[y])
        return o->rank[x] < o->rank[y] ? -1 : 1;
    if (o->rank[x] == 0 && rx->added_retained != ry->added_retained)
        return rx->added_retained > ry->added_retained ? -1 : 1;
    return x < y ? -1 : x > y; /* the comparison's own order */
}

size_t *ci_compare_order(const ms_compare *c, const ms_snapshot *after, int sort, bool internals,
                         size_t *n, ci_folded *folded)
{
    size_t rows = ms_compare_row_count(c), k = 0;
    size_t *out = malloc((rows ? rows : 1) * sizeof *out);
    int *rank = malloc((rows ? rows : 1) * sizeof *rank);
    *folded = (ci_folded){0, 0, 0};
    *n = 0;
    if (!out || !rank) {
        free(out);
        free(rank);
        return NULL;
    }
    for (size_t i = 0; i < rows; i++) {
        const ms_compare_row *r = ms_compare_row_get(c, i);
        rank[i] = origin_rank(ms_class_origin(after, r->key, r->name));
        if (!r->changed)
            continue;
        if (sort == CI_SORT_USER && rank[i] == 2 && !internals) {
            folded->classes++;
            folded->added_count += r->added_count;
            folded->size_delta += r->size_delta;
            continue;
        }
        out[k++] = i;
    }
    if (sort == CI_SORT_USER)
        qsort_r(out, k, sizeof *out, order_cmp, &(order_ctx){c, rank});
    free(rank);
    *n = k;
    return out;
}

/* Stable order of idx[0..n) by rank[idx[i]] (0, 1, 2); those of rank 2
 * left out (counted in *dropped) unless keep_runtime. */
static size_t by_rank(size_t *idx, size_t n, const int *rank, bool keep_runtime, size_t *dropped)
{
    size_t k = 0;
    *dropped = 0;
    for (int want = 0; want <= 2; want++)
        for (size_t i = 0; i < n; i++) {
            if (rank[i] != want)
                continue;
            if (want == 2 && !keep_runtime) {
                (*dropped)++;
                continue;
            }
            idx[k++] = i;
        }
    return k;
}

int ci_group_order(ms_snapshot *snap, const ms_path_groups *g, int sort, bool internals,
                   size_t **groups, size_t *ng, ci_folded *gf)
{
    size_t ngrp = g ? ms_path_groups_count(g) : 0, dropped;
    bool all = sort == CI_SORT_DELTA;
    int *grank = malloc((ngrp ? ngrp : 1) * sizeof *grank);
    *groups = malloc((ngrp ? ngrp : 1) * sizeof **groups);
    *gf = (ci_folded){0, 0, 0};
    *ng = 0;
    if (!grank || !*groups) {
        free(grank);
        return cli_out_of_memory();
    }
    for (size_t i = 0; i < ngrp; i++) {
        const ms_path_group *grp = ms_path_groups_get(g, i);
        ms_node x = grp->example;
        grank[i] = all ? 1
                       : origin_rank(ms_class_origin(snap, ms_node_class_key(snap, x),
                                                     ms_node_class(snap, x)));
        /* plain data the runtime's objects took in or hold (strings of
         * compiled code, a number in Node's timers) is the runtime's */
        if (grank[i] == 1 && !all && grp->path.length &&
            (ms_node_origin(snap, grp->path.hops[grp->entry_hop].node) == MS_ORIGIN_RUNTIME ||
             (grp->entry_hop > 0 &&
              ms_node_origin(snap, grp->path.hops[grp->entry_hop - 1].node) == MS_ORIGIN_RUNTIME)))
            grank[i] = 2;
        if (grank[i] == 2 && !internals) {
            gf->added_count += grp->count;
            gf->size_delta += (int64_t)grp->retained_size;
        }
    }
    *ng = by_rank(*groups, ngrp, grank, all || internals, &dropped);
    gf->classes = dropped;
    free(grank);
    return CLI_OK;
}

int ci_leaks_order(const ms_leaks *lk, int sort, bool internals, size_t **classes, size_t *nc,
                   ci_folded *cf, size_t **groups, size_t *ng, ci_folded *gf)
{
    ms_snapshot *final = ms_leaks_final(lk);
    size_t ncls = ms_leaks_class_count(lk), dropped;
    bool all = sort == CI_SORT_DELTA;
    int *crank = malloc((ncls ? ncls : 1) * sizeof *crank);
    *classes = malloc((ncls ? ncls : 1) * sizeof **classes);
    *groups = NULL;
    *cf = (ci_folded){0, 0, 0};
    if (!crank || !*classes) {
        free(crank);
        return cli_out_of_memory();
    }
    for (size_t i = 0; i < ncls; i++) {
        const ms_class_row *r = ms_leaks_class_get(lk, i);
        crank[i] = all ? 1 : origin_rank(ms_class_origin(final, r->key, r->name));
        /* a class none of whose leaked objects the program holds is the
         * runtime's leftover (a browser's IntersectionObserver) */
        if (!all && crank[i] < 2 && ms_leaks_class_program_count(lk, i) == 0)
            crank[i] = 2;
        if (crank[i] == 2 && !internals) {
            cf->added_count += r->count;
            cf->size_delta += (int64_t)r->retained_size;
        }
    }
    *nc = by_rank(*classes, ncls, crank, all || internals, &dropped);
    cf->classes = dropped;
    free(crank);
    return ci_group_order(final, ms_leaks_groups(lk), sort, internals, groups, ng, gf);
}

/* ---- groups of new (or leaked) objects -------------------------------------- */

cJSON *ci_group_json(ms_snapshot *snap, const ms_path_group *g)
{
    cJSON *o = cJSON_CreateObject();
    char sig[2048];
    size_t len = ms_path_signature(snap, &g->path, sig, sizeof sig);
    const char *cls = ms_node_class(snap, g->example);
    cli_cause c;
    cli_cause_get(snap, g, &c);
    cJSON_AddItemToObject(o, "class", cli_json_string(cls, strlen(cls)));
    cJSON_AddNumberToObject(o, "class_count", (double)g->class_count);
    cJSON_AddNumberToObject(o, "count", (double)g->count);
    cJSON_AddNumberToObject(o, "shallow_size", (double)g->shallow_size);
    cJSON_AddNumberToObject(o, "retained_size", (double)g->retained_size);
    cJSON_AddItemToObject(o, "cause", cli_cause_json(snap, g, &c));
    cJSON_AddItemToObject(o, "signature",
                          cli_json_string(sig, len < sizeof sig ? len : sizeof sig - 1));
    cJSON_AddItemToObject(o, "example", cli_object_json(snap, g->example));
    cJSON_AddItemToObject(o, "path", cli_path_json(snap, &g->path));
    return o;
}

void ci_group_text(FILE *f, ms_snapshot *snap, const ms_path_group *g, size_t number,
                   bool markdown)
{
    char a[32], b[32];
    cli_cause c;
    if (!markdown) {
        cli_print_cause(f, snap, g, number, "  ");
        if (g->path.length)
            cli_print_path(f, snap, &g->path, "    ");
        else
            fputs("    (no strong path from the GC roots: weakly held or garbage)\n", f);
        return;
    }
    cli_cause_get(snap, g, &c);
    fprintf(f, "<details><summary>#%zu: %s ", number, cli_count(g->class_count, a));
    cli_md_text(f, ms_node_class(snap, g->example));
    if (c.reference_len) {
        fputs(" held by ", f);
        cli_md_text(f, c.reference);
    }
    if (c.code_len) {
        fputs(" (", f);
        cli_md_text(f, c.code_text);
        fputs(")", f);
    }
    fprintf(f, ": cutting it frees %s</summary>\n\n```\n", cli_size(g->retained_size, b));
    if (g->path.length)
        cli_print_path(f, snap, &g->path, "");
    else
        fputs("(no strong path from the GC roots)\n", f);
    fputs("```\n</details>\n\n", f);
}

/* ---- --ignore files ------------------------------------------------------ */

static int push(char ***list, size_t *n, const char *s, size_t len)
{
    char **nl = realloc(*list, (*n + 1) * sizeof *nl);
    if (!nl)
        return -1;
    *list = nl;
    nl[*n] = strndup(s, len);
    if (!nl[*n])
        return -1;
    (*n)++;
    return 0;
}

int ci_ignore_load(const char *path, ci_ignore_list *list)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned lineno = 0;
    int rc = CLI_OK;
    if (!f) {
        fprintf(stderr, "memsnap: %s: %s\n", path, strerror(errno));
        return CLI_USAGE;
    }
    while ((got = getline(&line, &cap, f)) >= 0) {
        char *s = line, *e = line + got;
        lineno++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        while (s < e && isspace((unsigned char)*s))
            s++;
        if (s == e || *s == '#')
            continue;
        if ((size_t)(e - s) > 5 && strncmp(s, "path", 4) == 0 && isspace((unsigned char)s[4])) {
            s += 5;
            while (s < e && isspace((unsigned char)*s))
                s++;
            if (push(&list->paths, &list->npaths, s, (size_t)(e - s)) < 0)
                goto oom;
        } else if ((size_t)(e - s) > 6 && strncmp(s, "class", 5) == 0 &&
                   isspace((unsigned char)s[5])) {
            s += 6;
            while (s < e && isspace((unsigned char)*s))
                s++;
            if (push(&list->classes, &list->nclasses, s, (size_t)(e - s)) < 0)
                goto oom;
        } else if (strncmp(s, "path", 4) == 0 && (size_t)(e - s) == 4) {
            fprintf(stderr, "memsnap: %s: line %u: 'path' needs a pattern\n", path, lineno);
            rc = CLI_USAGE;
            break;
        } else {
            if (push(&list->classes, &list->nclasses, s, (size_t)(e - s)) < 0)
                goto oom;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "memsnap: %s: %s\n", path, strerror(errno));
        rc = CLI_USAGE;
    }
    free(line);
    fclose(f);
    return rc;
oom:
    free(line);
    fclose(f);
    fprintf(stderr, "memsnap: %s: out of memory\n", path);
    return CLI_FAILED;
}

void ci_ignore_free(ci_ignore_list *list)
{
    for (size_t i = 0; i < list->nclasses; i++)
        free(list->classes[i]);
    for (size_t i = 0; i < list->npaths; i++)
        free(list->paths[i]);
    free(list->classes);
    free(list->paths);
    memset(list, 0, sizeof *list);
}
