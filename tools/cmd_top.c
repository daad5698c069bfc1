/*
 * cmd_top.c: `memsnap top SNAP` - the objects with the largest retained size.
 */
#include "cli.h"
#include "cli_opt.h"
#include "commands.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ROWS 20

/* top's own options (the shared ones are in cli_common). */
typedef struct top_args {
    bool all;
} top_args;

static const cli_cmd top_cmd = {
    .name = "top",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        /* The rows are allocated up front: the bound keeps that small. */
        CLI_OPT_TOP_EX(DEFAULT_ROWS, 1, 100000000, 0, "how many objects (default 20)"),
        CLI_OPT_JSON("JSON output (schema memsnap.top/1)"),
        CLI_OPT_RAW_SIZES,
        {.name = "all", .help = "include synthetic nodes (the root, \"(GC roots)\" and its groups)",
         CLI_BOOL(top_args, all)},
        CLI_OPT_TIMINGS("print how long each phase took, as JSON on stderr"),
        CLI_OPT_TAIL,
    },
    .description =
        "The objects with the largest retained size (the memory that would be freed\n"
        "if the object were gone: the shallow sizes of everything it dominates),\n"
        "with class, @id, shallow size and distance from the GC roots.  Numbers are\n"
        "Chrome DevTools' (docs/analyses.md).\n",
};

/* Distance as DevTools shows it: "-" beyond the user roots' reach. */
static const char *distance_text(int32_t d, char buf[16])
{
    if (d < 0 || d >= MS_DISTANCE_SYSTEM_BASE)
        return "-";
    snprintf(buf, 16, "%" PRId32, d);
    return buf;
}

int cmd_top(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    cli_common opt;
    top_args ta;
    const char *file;
    bool raw;
    uint64_t k;
    ms_node *top = NULL;
    size_t count = 0;
    double t0, t_load, t_analyses, t_top;
    uint64_t total;
    int rc = CLI_OK;

    if ((rc = cli_parse_args(&top_cmd, argc, argv, &opt, &ta)) != CLI_RUN)
        return rc;
    file = opt.operands[0];
    raw = opt.raw_sizes;
    k = opt.top;
    if (cli_open(file, &snap, &t_load, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(snap, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    t0 = cli_now();
    /* All at once: with two threads the dominator tree is computed next to
     * the distances, classes and shallow sizes (ms_snapshot_set_threads). */
    if (ms_snapshot_compute(snap, MS_ANALYSIS_RETAINED | MS_ANALYSIS_DISTANCES | MS_ANALYSIS_CLASSES,
                            &err) < 0)
        goto fail;
    t_analyses = cli_now() - t0;
    t0 = cli_now();
    top = malloc(k * sizeof *top);
    if (!top) {
        fprintf(stderr, "memsnap: out of memory\n");
        rc = CLI_FAILED;
        goto done;
    }
    if (ms_top(snap, k, ta.all, top, &count, &err) < 0)
        goto fail;
    t_top = cli_now() - t0;
    total = ms_node_retained_size(snap, ms_snapshot_root(snap));

    if (opt.timings)
        cli_print_timings(snap, t_load, t_analyses, "top", t_top);

    if (opt.json) {
        cJSON *doc = cJSON_CreateObject(), *sj = cJSON_CreateObject(), *list = cJSON_CreateArray();
        cJSON_AddStringToObject(doc, "schema", "memsnap.top/1");
        cJSON_AddItemToObject(sj, "file", cli_json_string(file, strlen(file)));
        cJSON_AddStringToObject(sj, "format", ms_format_name(ms_snapshot_format(snap)));
        cJSON_AddNumberToObject(sj, "node_count", ms_snapshot_node_count(snap));
        cJSON_AddNumberToObject(sj, "edge_count", (double)ms_snapshot_edge_count(snap));
        cJSON_AddItemToObject(doc, "snapshot", sj);
        cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
        cJSON_AddNumberToObject(doc, "total_size", (double)total);
        for (size_t i = 0; i < count; i++) {
            ms_node n = top[i];
            cJSON *o = cJSON_CreateObject();
            char label[256];
            size_t ll = ms_node_label(snap, n, label, sizeof label);
            const char *cls = ms_node_class(snap, n), *key = ms_node_class_key(snap, n);
            cJSON_AddNumberToObject(o, "id", (double)ms_node_id(snap, n));
            cJSON_AddNumberToObject(o, "index", n);
            cJSON_AddStringToObject(o, "type", ms_node_type(snap, n));
            cJSON_AddItemToObject(o, "class", cli_json_string(cls, strlen(cls)));
            cJSON_AddItemToObject(o, "class_key", cli_json_string(key, strlen(key)));
            cJSON_AddItemToObject(o, "name", cli_json_string(label, ll < sizeof label ? ll : sizeof label - 1));
            cJSON_AddNumberToObject(o, "shallow_size", (double)ms_node_shallow_size(snap, n));
            cJSON_AddNumberToObject(o, "retained_size", (double)ms_node_retained_size(snap, n));
            cJSON_AddNumberToObject(o, "distance", ms_node_distance(snap, n));
            cJSON_AddNumberToObject(o, "dominator_id", (double)ms_node_id(snap, ms_node_dominator(snap, n)));
            cJSON_AddItemToArray(list, o);
        }
        cJSON_AddItemToObject(doc, "objects", list);
        rc = cli_write_json(doc, opt.output);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        char a[32], b[32], d[16];
        if ((rc = cli_output_open(&o, opt.output)) != CLI_OK)
            goto done;
        fprintf(o.f, "%s: the %zu largest of %s objects by retained size; heap %s (%s sizes)\n\n",
                file, count, cli_count(ms_snapshot_node_count(snap), a), cli_size(total, b),
                raw ? "raw" : "DevTools");
        fprintf(o.f, "%11s  %6s  %11s  %5s  %s\n", "retained", "%", "shallow", "dist", "object");
        for (size_t i = 0; i < count; i++) {
            ms_node n = top[i];
            uint64_t r = ms_node_retained_size(snap, n);
            char label[128];
            size_t ll = ms_node_label(snap, n, label, sizeof label);
            const char *cls = ms_node_class(snap, n);
            fprintf(o.f, "%11s  %5.1f%%  %11s  %5s  ", cli_size(r, a),
                    total ? 100.0 * (double)r / (double)total : 0.0,
                    cli_size(ms_node_shallow_size(snap, n), b), distance_text(ms_node_distance(snap, n), d));
            cli_print_name(o.f, cls, strlen(cls), 60);
            fprintf(o.f, " %s", cli_node_id(snap, n, a));
            if (ll && (ll != strlen(cls) || memcmp(label, cls, ll) != 0)) {
                fputs("  ", o.f);
                cli_print_name(o.f, label, ll < sizeof label ? ll : sizeof label - 1, 50);
            }
            fputc('\n', o.f);
        }
        rc = cli_output_close(&o, true);
    }
    goto done;
fail:
    rc = cli_fail(&err);
done:
    free(top);
    ms_snapshot_free(snap);
    return rc;
}
