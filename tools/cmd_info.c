/*
 * cmd_info.c: `memsnap info SNAP` - what the file is and how big.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <string.h>

static void help(FILE *f)
{
    fputs("usage: memsnap info [--json] [-o FILE] SNAPSHOT\n"
          "\n"
          "Format, node/edge/string counts, total self size, the root node,\n"
          "and how long loading took.\n"
          "\n"
          "  --json        JSON output (schema memsnap.info/1, docs/schema/info.schema.json)\n"
          "  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
          "  -h, --help    this help\n",
          f);
}

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    const char *out = NULL;
    bool json = false;
    double secs;
    int c, rc;
    ms_node root;
    size_t rlen;
    const char *rname;

    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'o': out = optarg; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 1) {
        help(stderr);
        return CLI_USAGE;
    }
    if (cli_open(argv[optind], &snap, &secs, &err) < 0)
        return cli_fail(&err);

    root = ms_snapshot_root(snap);
    rname = ms_node_name(snap, root, &rlen);
    if (json) {
        cJSON *doc = cJSON_CreateObject(), *r = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "schema", "memsnap.info/1");
        cJSON_AddItemToObject(doc, "file", cli_json_string(argv[optind], strlen(argv[optind])));
        cJSON_AddStringToObject(doc, "format", ms_format_name(ms_snapshot_format(snap)));
        cJSON_AddNumberToObject(doc, "node_count", ms_snapshot_node_count(snap));
        cJSON_AddNumberToObject(doc, "edge_count", (double)ms_snapshot_edge_count(snap));
        cJSON_AddNumberToObject(doc, "string_count", ms_snapshot_string_count(snap));
        cJSON_AddNumberToObject(doc, "total_self_size", (double)ms_snapshot_total_self_size(snap));
        cJSON_AddNumberToObject(r, "index", root);
        cJSON_AddNumberToObject(r, "id", (double)ms_node_id(snap, root));
        cJSON_AddStringToObject(r, "type", ms_node_type(snap, root));
        cJSON_AddItemToObject(r, "name", cli_json_string(rname, rlen));
        cJSON_AddItemToObject(doc, "root", r);
        cJSON_AddNumberToObject(doc, "input_bytes", (double)ms_snapshot_input_bytes(snap));
        cJSON_AddNumberToObject(doc, "graph_bytes", (double)ms_snapshot_graph_bytes(snap));
        cJSON_AddNumberToObject(doc, "load_seconds", secs);
        rc = cli_write_json(doc, out);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        char a[32], b[32];
        if ((rc = cli_output_open(&o, out)) != CLI_OK)
            goto done;
        fprintf(o.f, "file:            %s\n", argv[optind]);
        fprintf(o.f, "format:          %s\n", ms_format_name(ms_snapshot_format(snap)));
        fprintf(o.f, "nodes:           %s\n", cli_count(ms_snapshot_node_count(snap), a));
        fprintf(o.f, "edges:           %s\n", cli_count(ms_snapshot_edge_count(snap), a));
        fprintf(o.f, "strings:         %s\n", cli_count(ms_snapshot_string_count(snap), a));
        fprintf(o.f, "total self size: %s (%s bytes)\n", cli_size(ms_snapshot_total_self_size(snap), a),
                cli_count(ms_snapshot_total_self_size(snap), b));
        fprintf(o.f, "root:            node %u, %s, %s \"", root, cli_node_id(snap, root, b),
                ms_node_type(snap, root));
        cli_print_name(o.f, rname, rlen, 60);
        fprintf(o.f, "\"\n");
        fprintf(o.f, "input:           %s\n", cli_size(ms_snapshot_input_bytes(snap), a));
        fprintf(o.f, "graph in memory: %s\n", cli_size(ms_snapshot_graph_bytes(snap), a));
        fprintf(o.f, "load time:       %.3f s\n", secs);
        rc = cli_output_close(&o, true);
    }
done:
    ms_snapshot_free(snap);
    return rc;
}
