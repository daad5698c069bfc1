/*
 * cmd_summary.c: `memsnap summary SNAP` - objects grouped by class.
 */
#include "cli.h"
#include "cli_opt.h"
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
        CLI_OPT_JSON("JSON output (schema memsnap.summary/1)"),
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

static int trace_summary(ms_snapshot *snap, const char *file, ms_summary_sort sort, bool json,
                         uint64_t top, const char *out)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    uint32_t n = in->site_count;
    ms_trace_site *rows = calloc(n ? n : 1, sizeof *rows);
    uint64_t events = 0, live = 0;
    size_t shown;
    int rc;

    if (!rows) {
        fprintf(stderr, "memsnap: out of memory\n");
        return CLI_FAILED;
    }
    for (uint32_t i = 0; i < n; i++) {
        ms_trace_site_get(snap, i, &rows[i]);
        events += rows[i].alloc_events;
        live += rows[i].live_bytes > 0 ? (uint64_t)rows[i].live_bytes : 0;
    }
    site_sort = sort;
    qsort(rows, n, sizeof *rows, site_cmp);
    shown = top == 0 || top > n ? n : (size_t)top;
    if (json) {
        cJSON *doc = cJSON_CreateObject(), *snapj = cJSON_CreateObject(), *list = cJSON_CreateArray();
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "schema", "memsnap.summary/1");
        cJSON_AddItemToObject(snapj, "file", cli_json_string(file, strlen(file)));
        cJSON_AddStringToObject(snapj, "format", ms_format_name(ms_snapshot_format(snap)));
        cJSON_AddNumberToObject(snapj, "node_count", ms_snapshot_node_count(snap));
        cJSON_AddNumberToObject(snapj, "edge_count", (double)ms_snapshot_edge_count(snap));
        cJSON_AddItemToObject(doc, "snapshot", snapj);
        cJSON_AddStringToObject(doc, "sizes", "raw");
        cJSON_AddStringToObject(doc, "group", "site");
        cJSON_AddNumberToObject(doc, "object_count", (double)events);
        cJSON_AddNumberToObject(doc, "shallow_size", (double)live);
        cJSON_AddNumberToObject(doc, "class_count", n);
        cJSON_AddNumberToObject(t, "alloc_events", (double)in->alloc_events);
        cJSON_AddNumberToObject(t, "free_events", (double)in->free_events);
        cJSON_AddNumberToObject(t, "unsized_frees", (double)in->unsized_frees);
        cJSON_AddNumberToObject(t, "alloc_bytes", (double)in->alloc_bytes);
        cJSON_AddNumberToObject(t, "freed_bytes", (double)in->freed_bytes);
        cJSON_AddNumberToObject(t, "live_bytes", (double)in->final_bytes);
        cJSON_AddItemToObject(doc, "trace", t);
        for (size_t i = 0; i < shown; i++) {
            const ms_trace_site *r = &rows[i];
            uint64_t size = r->live_bytes > 0 ? (uint64_t)r->live_bytes : 0;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "key", cli_json_string(r->site, strlen(r->site)));
            cJSON_AddItemToObject(o, "name", cli_json_string(r->site, strlen(r->site)));
            cJSON_AddNumberToObject(o, "count", (double)r->alloc_events);
            cJSON_AddNumberToObject(o, "shallow_size", (double)size);
            cJSON_AddNumberToObject(o, "retained_size", (double)size);
            cJSON_AddNumberToObject(o, "distance", 1);
            cJSON_AddNumberToObject(o, "example_id", (double)ms_node_id(snap, r->node));
            cJSON_AddNumberToObject(o, "alloc_events", (double)r->alloc_events);
            cJSON_AddNumberToObject(o, "free_events", (double)r->free_events);
            cJSON_AddNumberToObject(o, "alloc_bytes", (double)r->alloc_bytes);
            cJSON_AddNumberToObject(o, "freed_bytes", (double)r->freed_bytes);
            cJSON_AddNumberToObject(o, "live_bytes", (double)r->live_bytes);
            cJSON_AddItemToArray(list, o);
        }
        cJSON_AddItemToObject(doc, "classes", list);
        rc = cli_write_json(doc, out);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        char a[32], b[32], c[32], d[32], e[32];
        if ((rc = cli_output_open(&o, out)) != CLI_OK)
            goto done;
        fprintf(o.f, "%s: %s allocation %s, %s live; event trace: %s ALLOC, %s frees", file,
                cli_count(n, a), n == 1 ? "site" : "sites", cli_size_i64(in->final_bytes, b),
                cli_count(in->alloc_events, c), cli_count(in->free_events, d));
        if (in->unsized_frees)
            fprintf(o.f, " (%s without a size)", cli_count(in->unsized_frees, b));
        fputs("\n\n", o.f);
        fprintf(o.f, "%12s  %11s  %11s  %9s  %9s  %s\n", "live", "allocated", "freed", "allocs",
                "frees", "allocation site");
        for (size_t i = 0; i < shown; i++) {
            const ms_trace_site *r = &rows[i];
            fprintf(o.f, "%12s  %11s  %11s  %9s  %9s  ", cli_size_i64(r->live_bytes, a),
                    cli_size(r->alloc_bytes, b), cli_size(r->freed_bytes, c),
                    cli_count(r->alloc_events, d), cli_count(r->free_events, e));
            cli_print_name(o.f, r->site, strlen(r->site), 100);
            fputc('\n', o.f);
        }
        if (shown < n)
            fprintf(o.f, "... %s more sites (-n 0 shows all)\n", cli_count(n - shown, a));
        if (in->unsized_frees)
            fputs("\nFREE events without an address carry no size (all of Memlyze's): live bytes\n"
                  "count what was allocated, an upper bound (memsnap timeline shows when).\n",
                  o.f);
        rc = cli_output_close(&o, true);
    }
done:
    free(rows);
    return rc;
}

int cmd_summary(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_summary_options so = MS_SUMMARY_OPTIONS_INIT;
    ms_snapshot *snap = NULL;
    ms_summary *sum = NULL;
    cli_common opt;
    summary_args sa;
    const char *file, *out;
    bool json, top_given, raw;
    uint64_t top, total = 0, objects = 0;
    size_t rows, shown;
    int rc = CLI_OK;

    if ((rc = cli_parse_args(&summary_cmd, argc, argv, &opt, &sa)) != CLI_RUN)
        return rc;
    so.group = (ms_summary_group)sa.by;
    so.sort = (ms_summary_sort)sa.sort;
    file = opt.operands[0];
    out = opt.output;
    json = opt.json;
    raw = opt.raw_sizes;
    top = opt.top;
    top_given = cli_opt_given(&summary_cmd, &opt, "top");
    if (cli_open(file, &snap, NULL, &err) < 0)
        return cli_fail(&err);
    if (ms_snapshot_is_site_trace(snap)) {
        rc = trace_summary(snap, file, so.sort, json, json && !top_given ? 0 : top, out);
        goto done;
    }
    ms_snapshot_set_sizes(snap, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    if (ms_summary_compute(snap, &so, &sum, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    rows = ms_summary_row_count(sum);
    for (size_t i = 0; i < rows; i++) {
        total += ms_summary_row_get(sum, i)->shallow_size;
        objects += ms_summary_row_get(sum, i)->count;
    }
    if (json && !top_given)
        top = 0;
    shown = top == 0 || top > rows ? rows : (size_t)top;

    if (json) {
        cJSON *doc = cJSON_CreateObject(), *snapj = cJSON_CreateObject(), *list = cJSON_CreateArray();
        cJSON_AddStringToObject(doc, "schema", "memsnap.summary/1");
        cJSON_AddItemToObject(snapj, "file", cli_json_string(file, strlen(file)));
        cJSON_AddStringToObject(snapj, "format", ms_format_name(ms_snapshot_format(snap)));
        cJSON_AddNumberToObject(snapj, "node_count", ms_snapshot_node_count(snap));
        cJSON_AddNumberToObject(snapj, "edge_count", (double)ms_snapshot_edge_count(snap));
        cJSON_AddItemToObject(doc, "snapshot", snapj);
        cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
        cJSON_AddStringToObject(doc, "group", so.group == MS_GROUP_SITE ? "site" : "class");
        cJSON_AddNumberToObject(doc, "object_count", (double)objects);
        cJSON_AddNumberToObject(doc, "shallow_size", (double)total);
        cJSON_AddNumberToObject(doc, "class_count", (double)rows);
        for (size_t i = 0; i < shown; i++) {
            const ms_class_row *r = ms_summary_row_get(sum, i);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "key", cli_json_string(r->key, strlen(r->key)));
            cJSON_AddItemToObject(o, "name", cli_json_string(r->name, strlen(r->name)));
            cJSON_AddNumberToObject(o, "count", (double)r->count);
            cJSON_AddNumberToObject(o, "shallow_size", (double)r->shallow_size);
            cJSON_AddNumberToObject(o, "retained_size", (double)r->retained_size);
            cJSON_AddNumberToObject(o, "distance", r->distance);
            cJSON_AddNumberToObject(o, "example_id", (double)ms_node_id(snap, r->first));
            cJSON_AddItemToArray(list, o);
        }
        cJSON_AddItemToObject(doc, "classes", list);
        rc = cli_write_json(doc, out);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        char a[32], b[32];
        if ((rc = cli_output_open(&o, out)) != CLI_OK)
            goto done;
        fprintf(o.f, "%s: %s objects in %s %s, %s (%s sizes); %% of the heap retained\n\n", file,
                cli_count(objects, a), cli_count(rows, b),
                so.group == MS_GROUP_SITE ? (rows == 1 ? "site" : "sites") : (rows == 1 ? "class" : "classes"),
                cli_size(total, (char[32]){0}), raw ? "raw" : "DevTools");
        fprintf(o.f, "%12s  %11s  %11s  %6s  %5s  %s\n", "count", "shallow", "retained", "%", "dist",
                so.group == MS_GROUP_SITE ? "allocation site" : "class");
        for (size_t i = 0; i < shown; i++) {
            const ms_class_row *r = ms_summary_row_get(sum, i);
            char d[16], e[32];
            uint64_t heap = ms_node_retained_size(snap, ms_snapshot_root(snap));
            if (r->distance < 0 || r->distance >= MS_DISTANCE_SYSTEM_BASE)
                strcpy(d, "-");
            else
                snprintf(d, sizeof d, "%d", (int)r->distance);
            fprintf(o.f, "%12s  %11s  %11s  %5.1f%%  %5s  ", cli_count(r->count, a),
                    cli_size(r->shallow_size, b), cli_size(r->retained_size, e),
                    heap ? 100.0 * (double)r->retained_size / (double)heap : 0.0, d);
            cli_print_name(o.f, r->name, strlen(r->name), 80);
            if (r->key[0] != ',') {
                /* Classes split by constructor location "script,line,column,Name"
                 * (0-based in the key): show where, 1-based as editors count. */
                unsigned sc, li, co;
                if (sscanf(r->key, "%u,%u,%u,", &sc, &li, &co) == 3)
                    fprintf(o.f, "  (script %u, line %u:%u)", sc, li + 1, co + 1);
            }
            fputc('\n', o.f);
        }
        if (shown < rows)
            fprintf(o.f, "... %s more %s (-n 0 shows all)\n", cli_count(rows - shown, a),
                    so.group == MS_GROUP_SITE ? "sites" : "classes");
        rc = cli_output_close(&o, true);
    }
done:
    ms_summary_free(sum);
    ms_snapshot_free(snap);
    return rc;
}
