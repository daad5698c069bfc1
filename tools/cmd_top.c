/*
 * cmd_top.c: `memsnap top SNAP` - the objects with the largest retained size.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ROWS 20

static void help(FILE *f)
{
    fputs("usage: memsnap top [-n N] [--json] [--raw-sizes] [--all] [--timings] [-o FILE] SNAPSHOT\n"
          "\n"
          "The objects with the largest retained size (the memory that would be freed\n"
          "if the object were gone: the shallow sizes of everything it dominates),\n"
          "with class, @id, shallow size and distance from the GC roots.  Numbers are\n"
          "Chrome DevTools' (docs/analyses.md).\n"
          "\n"
          "  -n, --top N   how many objects (default 20)\n"
          "  --json        JSON output (schema memsnap.top/1)\n"
          "  --raw-sizes   V8's self sizes instead of DevTools' shallow sizes\n"
          "  --all         include synthetic nodes (the root, \"(GC roots)\" and its groups)\n"
          "  --timings     print how long each phase took, as JSON on stderr\n"
          "  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
          "  -h, --help    this help\n",
          f);
}

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
    static const struct option opts[] = {{"top", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"raw-sizes", no_argument, NULL, 'r'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"timings", no_argument, NULL, 't'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    const char *out = NULL;
    bool json = false, raw = false, all = false, timings = false;
    uint64_t k = DEFAULT_ROWS;
    ms_node *top = NULL;
    size_t count = 0;
    double t0, t_load, t_analyses, t_top;
    uint64_t total;
    int c, rc = CLI_OK;

    optind = 1;
    while ((c = getopt_long(argc, argv, "hn:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!cli_parse_u64(optarg, &k) || k == 0 || k > 100000000)
                return cli_usage_error("top: -n needs a positive integer, not '%s'", optarg);
            break;
        case 'j': json = true; break;
        case 'r': raw = true; break;
        case 'a': all = true; break;
        case 't': timings = true; break;
        case 'o': out = optarg; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 1) {
        help(stderr);
        return CLI_USAGE;
    }
    if (cli_open(argv[optind], &snap, &t_load, &err) < 0)
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
    if (ms_top(snap, k, all, top, &count, &err) < 0)
        goto fail;
    t_top = cli_now() - t0;
    total = ms_node_retained_size(snap, ms_snapshot_root(snap));

    if (timings)
        cli_print_timings(snap, t_load, t_analyses, "top", t_top);

    if (json) {
        cJSON *doc = cJSON_CreateObject(), *sj = cJSON_CreateObject(), *list = cJSON_CreateArray();
        cJSON_AddStringToObject(doc, "schema", "memsnap.top/1");
        cJSON_AddItemToObject(sj, "file", cli_json_string(argv[optind], strlen(argv[optind])));
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
        rc = cli_write_json(doc, out);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        char a[32], b[32], d[16];
        if ((rc = cli_output_open(&o, out)) != CLI_OK)
            goto done;
        fprintf(o.f, "%s: the %zu largest of %s objects by retained size; heap %s (%s sizes)\n\n",
                argv[optind], count, cli_count(ms_snapshot_node_count(snap), a), cli_size(total, b),
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
