/*
 * cmd_summary.c: `memsnap summary SNAP` - objects grouped by class.
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_ROWS 25

/* summary's own options (the shared ones are in cli_common). */
typedef struct summary_args {
    int by, sort; /* ms_summary_options' group and sort */
} summary_args;

static const cli_choice by_choices[] = {
    {"class", MS_GROUP_CLASS}, {"site", MS_GROUP_SITE}, {NULL, 0}};
static const cli_choice sort_choices[] = {
    {"retained", MS_SORT_RETAINED}, {"shallow", MS_SORT_SHALLOW}, {"count", MS_SORT_COUNT},
    {NULL, 0}};

static const cli_cmd summary_cmd = {
    .name = "summary",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        CLI_OPT_TOP(DEFAULT_ROWS, "show the N largest classes (default 25; 0 = all; --json: all)"),
        {.name = "by",
         .help = "group by class (default) or by allocation site, for inputs that record one "
                 "(Python and Boehm captures; objects without one are \"(unknown site)\").  An "
                 ".mlyze event trace without a heap snapshot (Memlyze's files) always shows its "
                 "allocation sites: live bytes, bytes allocated and freed, events per site",
         CLI_CHOICE(summary_args, by, by_choices, MS_GROUP_CLASS)},
        {.name = "sort", .help = "order by retained (default, as DevTools), shallow or count",
         CLI_CHOICE(summary_args, sort, sort_choices, MS_SORT_RETAINED)},
        CLI_OPT_JSON("JSON output (schema memsnap.summary/2)"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TAIL,
    },
    .description =
        "Objects grouped by class as Chrome DevTools' Summary view groups them\n"
        "(docs/summary.md): per class the count, total shallow size, retained size\n"
        "(what the class's objects keep alive together) and smallest distance from\n"
        "the GC roots.  Objects with a shallow size of 0 are not counted, as in\n"
        "DevTools.\n",
};

/* ---- event traces ---------------------------------------------------------
 * A trace without a heap snapshot (Memlyze's files) is a graph of allocation
 * sites: its summary is the sites' own numbers (events, bytes allocated and
 * freed, live bytes), which the graph alone cannot hold. */

/* qsort order of sites: by ALLOC events first when site_sort asks for
 * count, then live bytes, bytes allocated (descending) and the site. */
static ms_summary_sort site_sort;

static int site_cmp(const void *a, const void *b)
{
    const ms_trace_site *x = a, *y = b;
    if (site_sort == MS_SORT_COUNT && x->alloc_events != y->alloc_events)
        return x->alloc_events > y->alloc_events ? -1 : 1;
    if (x->live_bytes != y->live_bytes)
        return x->live_bytes > y->live_bytes ? -1 : 1;
    if (x->alloc_bytes != y->alloc_bytes)
        return x->alloc_bytes > y->alloc_bytes ? -1 : 1;
    return strcmp(x->site, y->site);
}

/* A trace's sites, sorted, and what the summary shows of them. */
typedef struct trace_result {
    const cli_input *in;
    const ms_trace_info *info;
    ms_trace_site *rows;  /* every site, in the order asked for; owned */
    uint32_t n;
    size_t shown;         /* rows listed (-n) */
    uint64_t events;      /* ALLOC events, all sites */
    uint64_t live;        /* live bytes of the sites that have any */
} trace_result;

/* Reads and sorts the sites into r.  CLI_OK, or CLI_FAILED after printing
 * that memory ran out. */
static int trace_sites(trace_result *r, ms_summary_sort sort, uint64_t top)
{
    r->info = ms_snapshot_trace(r->in->snap);
    r->n = r->info->site_count;
    r->rows = calloc(r->n ? r->n : 1, sizeof *r->rows);
    if (!r->rows)
        return cli_out_of_memory();
    for (uint32_t i = 0; i < r->n; i++) {
        ms_trace_site_get(r->in->snap, i, &r->rows[i]);
        r->events += r->rows[i].alloc_events;
        r->live += r->rows[i].live_bytes > 0 ? (uint64_t)r->rows[i].live_bytes : 0;
    }
    site_sort = sort;
    qsort(r->rows, r->n, sizeof *r->rows, site_cmp);
    r->shown = cli_shown(top, r->n);
    return CLI_OK;
}

/* A site as a row of the JSON "classes": a class row (its live bytes as
 * both sizes, its ALLOC events as the count) with the site's own numbers. */
static cJSON *site_json(ms_snapshot *snap, const ms_trace_site *s)
{
    uint64_t size = s->live_bytes > 0 ? (uint64_t)s->live_bytes : 0;
    ms_class_row row = {s->site, s->site, s->alloc_events, size, size, 1, s->node};
    cJSON *o = cli_class_json(snap, &row);
    cli_add_numbers(o, (const cli_number[]){
        {"example_id", ms_node_id(snap, s->node)}, {"alloc_events", s->alloc_events},
        {"free_events", s->free_events}, {"alloc_bytes", s->alloc_bytes},
        {"freed_bytes", s->freed_bytes}, {"live_bytes", s->live_bytes}, {NULL, 0}});
    return o;
}

/* A trace's summary as JSON: memsnap.summary/2 grouped by site, with the
 * trace's totals. */
static cJSON *trace_json(const trace_result *r)
{
    const ms_trace_info *in = r->info;
    cli_input recorded = *r->in;
    cJSON *doc, *list;
    recorded.raw = true; /* a trace's sizes are the recorded ones, whatever was asked */
    doc = cli_json_doc("memsnap.summary/2", &recorded);
    cJSON_AddStringToObject(doc, "group", "site");
    cJSON_AddNumberToObject(doc, "object_count", (double)r->events);
    cJSON_AddNumberToObject(doc, "shallow_size", (double)r->live);
    cJSON_AddNumberToObject(doc, "class_count", r->n);
    cli_add_numbers(cJSON_AddObjectToObject(doc, "trace"), (const cli_number[]){
        {"alloc_events", in->alloc_events}, {"free_events", in->free_events},
        {"unsized_frees", in->unsized_frees}, {"alloc_bytes", in->alloc_bytes},
        {"freed_bytes", in->freed_bytes}, {"live_bytes", in->final_bytes}, {NULL, 0}});
    list = cJSON_AddArrayToObject(doc, "classes");
    for (size_t i = 0; i < r->shown; i++)
        cJSON_AddItemToArray(list, site_json(r->in->snap, &r->rows[i]));
    return doc;
}

/* A trace's summary as text: its totals, then one line per site. */
static int trace_text(FILE *f, void *ctx)
{
    const trace_result *r = ctx;
    const ms_trace_info *in = r->info;
    char a[32], b[32], c[32], d[32], e[32];
    fprintf(f, "%s: %s allocation %s, %s live; event trace: %s ALLOC, %s frees", r->in->file,
            cli_count(r->n, a), r->n == 1 ? "site" : "sites", cli_size_i64(in->final_bytes, b),
            cli_count(in->alloc_events, c), cli_count(in->free_events, d));
    if (in->unsized_frees)
        fprintf(f, " (%s without a size)", cli_count(in->unsized_frees, b));
    fputs("\n\n", f);
    fprintf(f, "%12s  %11s  %11s  %9s  %9s  %s\n", "live", "allocated", "freed", "allocs",
            "frees", "allocation site");
    for (size_t i = 0; i < r->shown; i++) {
        const ms_trace_site *s = &r->rows[i];
        fprintf(f, "%12s  %11s  %11s  %9s  %9s  ", cli_size_i64(s->live_bytes, a),
                cli_size(s->alloc_bytes, b), cli_size(s->freed_bytes, c),
                cli_count(s->alloc_events, d), cli_count(s->free_events, e));
        cli_print_name(f, s->site, strlen(s->site), 100);
        fputc('\n', f);
    }
    cli_print_more(f, r->shown, r->n, "sites", false);
    if (in->unsized_frees)
        fputs("\nFREE events without an address carry no size (all of Memlyze's): live bytes\n"
              "count what was allocated, an upper bound (memsnap timeline shows when).\n",
              f);
    return CLI_OK;
}

/* summary of an event trace without a heap snapshot: its sites. */
static int trace_summary(const cli_input *in, ms_summary_sort sort, uint64_t top,
                         const cli_common *opt)
{
    trace_result r = {.in = in};
    int rc = trace_sites(&r, sort, top);
    if (rc == CLI_OK)
        rc = opt->json ? cli_write_doc(trace_json(&r), opt->output)
                       : cli_write_text(opt->output, trace_text, &r);
    free(r.rows);
    return rc;
}

/* ---- heaps ---------------------------------------------------------------- */

/* A heap's summary and what of it is shown. */
typedef struct summary_result {
    cli_input in;
    bool by_site;          /* --by site */
    ms_summary *sum;       /* owned */
    size_t rows, shown;    /* classes (or sites), and those listed (-n) */
    uint64_t objects;      /* objects counted */
    uint64_t total;        /* their shallow size */
} summary_result;

/* Groups the objects (ms_summary_compute) and adds up the totals.  CLI_OK,
 * or the exit code after printing why. */
static int summary_compute(summary_result *r, const ms_summary_options *so, uint64_t top)
{
    ms_error err = MS_ERROR_INIT;
    if (ms_summary_compute(r->in.snap, so, &r->sum, &err) < 0)
        return cli_fail(&err);
    r->rows = ms_summary_row_count(r->sum);
    for (size_t i = 0; i < r->rows; i++) {
        r->total += ms_summary_row_get(r->sum, i)->shallow_size;
        r->objects += ms_summary_row_get(r->sum, i)->count;
    }
    r->shown = cli_shown(top, r->rows);
    return CLI_OK;
}

/* summary's JSON document (memsnap.summary/2). */
static cJSON *summary_json(const summary_result *r)
{
    cJSON *doc = cli_json_doc("memsnap.summary/2", &r->in), *list;
    cJSON_AddStringToObject(doc, "group", r->by_site ? "site" : "class");
    cJSON_AddNumberToObject(doc, "object_count", (double)r->objects);
    cJSON_AddNumberToObject(doc, "shallow_size", (double)r->total);
    cJSON_AddNumberToObject(doc, "class_count", (double)r->rows);
    list = cJSON_AddArrayToObject(doc, "classes");
    for (size_t i = 0; i < r->shown; i++) {
        const ms_class_row *row = ms_summary_row_get(r->sum, i);
        cJSON *o = cli_class_json(r->in.snap, row);
        cJSON_AddNumberToObject(o, "example_id", (double)ms_node_id(r->in.snap, row->first));
        cJSON_AddItemToArray(list, o);
    }
    return doc;
}

/* One class (or site) of the text report. */
static void row_text(FILE *f, const ms_snapshot *snap, const ms_class_row *r, uint64_t heap)
{
    char a[32], b[32], c[32], d[16];
    fprintf(f, "%12s  %11s  %11s  %5.1f%%  %5s  ", cli_count(r->count, a),
            cli_size(r->shallow_size, b), cli_size(r->retained_size, c),
            heap ? 100.0 * (double)r->retained_size / (double)heap : 0.0,
            cli_distance_text(r->distance, d));
    /* classes split by constructor location: where, as editors count */
    cli_print_class(f, snap, r->name, r->key, 80);
    fputc('\n', f);
}

/* summary's text report: the totals, then one line per class (or site). */
static int summary_text(FILE *f, void *ctx)
{
    const summary_result *r = ctx;
    uint64_t heap = ms_node_retained_size(r->in.snap, ms_snapshot_root(r->in.snap));
    const char *what = r->by_site ? (r->rows == 1 ? "site" : "sites")
                                  : (r->rows == 1 ? "class" : "classes");
    char a[32], b[32], c[32];
    fprintf(f, "%s: %s objects in %s %s, %s (%s); %% of the heap retained\n\n", r->in.file,
            cli_count(r->objects, a), cli_count(r->rows, b), what, cli_size(r->total, c),
            cli_sizes_text(&r->in));
    fprintf(f, "%12s  %11s  %11s  %6s  %5s  %s\n", "count", "shallow", "retained", "%", "dist",
            r->by_site ? "allocation site" : "class");
    for (size_t i = 0; i < r->shown; i++)
        row_text(f, r->in.snap, ms_summary_row_get(r->sum, i), heap);
    cli_print_more(f, r->shown, r->rows, r->by_site ? "sites" : "classes", false);
    return CLI_OK;
}

int cmd_summary(int argc, char **argv)
{
    ms_summary_options so = MS_SUMMARY_OPTIONS_INIT;
    summary_result r = {0};
    cli_common opt;
    summary_args sa;
    uint64_t top;
    int rc;

    if ((rc = cli_start(&summary_cmd, argc, argv, &opt, &sa, &r.in)) != CLI_RUN)
        return rc;
    so.group = (ms_summary_group)sa.by;
    so.sort = (ms_summary_sort)sa.sort;
    r.by_site = so.group == MS_GROUP_SITE;
    /* --json lists every row unless -n is given */
    top = opt.json && !cli_opt_given(&summary_cmd, &opt, "top") ? 0 : opt.top;
    if (ms_snapshot_is_site_trace(r.in.snap))
        rc = trace_summary(&r.in, so.sort, top, &opt);
    else if ((rc = cli_compute(r.in.snap, MS_ANALYSIS_SOURCES)) == CLI_OK &&
             (rc = summary_compute(&r, &so, top)) == CLI_OK)
        rc = opt.json ? cli_write_doc(summary_json(&r), opt.output)
                      : cli_write_text(opt.output, summary_text, &r);
    ms_summary_free(r.sum);
    cli_close_input(&r.in);
    return rc;
}
