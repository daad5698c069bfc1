/*
 * cmd_nodes.c: `memsnap nodes SNAP` - one line per node, for scripts.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

static void help(FILE *f)
{
    fputs("usage: memsnap nodes [--raw-sizes] [-o FILE] SNAPSHOT\n"
          "\n"
          "Every node as a tab-separated line, for scripts and spreadsheets:\n"
          "  index  id  type  class  shallow  retained  dominator_id  distance  name\n"
          "Sizes are bytes (DevTools' shallow sizes unless --raw-sizes); distance is\n"
          "-5 for nodes no strong path reaches, 100000000 + hops for nodes only\n"
          "system roots reach (DevTools' values); names are escaped, at most 200\n"
          "characters.\n"
          "\n"
          "  --raw-sizes   V8's self sizes instead of DevTools' shallow sizes\n"
          "  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
          "  -h, --help    this help\n",
          f);
}

int cmd_nodes(int argc, char **argv)
{
    static const struct option opts[] = {{"raw-sizes", no_argument, NULL, 'r'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    const char *out = NULL;
    bool raw = false;
    cli_output o;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'r': raw = true; break;
        case 'o': out = optarg; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 1) {
        help(stderr);
        return CLI_USAGE;
    }
    if (cli_open(argv[optind], &snap, NULL, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(snap, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    if (ms_snapshot_compute(snap, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES,
                            &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    if ((rc = cli_output_open(&o, out)) != CLI_OK)
        goto done;
    fputs("index\tid\ttype\tclass\tshallow\tretained\tdominator_id\tdistance\tname\n", o.f);
    for (ms_node n = 0; n < ms_snapshot_node_count(snap); n++) {
        size_t len;
        const char *name = ms_node_name(snap, n, &len);
        const char *cls = ms_node_class(snap, n);
        fprintf(o.f, "%u\t%" PRIu64 "\t%s\t", n, ms_node_id(snap, n), ms_node_type(snap, n));
        cli_print_name(o.f, cls, strlen(cls), 200);
        fprintf(o.f, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRId32 "\t",
                ms_node_shallow_size(snap, n), ms_node_retained_size(snap, n),
                ms_node_id(snap, ms_node_dominator(snap, n)), ms_node_distance(snap, n));
        cli_print_name(o.f, name, len, 200);
        fputc('\n', o.f);
    }
    rc = cli_output_close(&o, true);
done:
    ms_snapshot_free(snap);
    return rc;
}
