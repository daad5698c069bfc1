/*
 * cmd_info.c: `memsnap info SNAP` - what the file is and how big.
 */
#include "cli.h"
#include "cli_opt.h"
#include "commands.h"

#include <string.h>

static const cli_cmd info_cmd = {
    .name = "info",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        CLI_OPT_JSON("JSON output (schema memsnap.info/1, docs/schema/info.schema.json)"),
        CLI_OPT_TAIL,
    },
    .description = "Format, node/edge/string counts, total self size, the root node,\n"
                   "and how long loading took.\n",
};

int cmd_info(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    cli_common opt;
    const char *file;
    double secs;
    int rc;
    ms_node root;
    size_t rlen;
    const char *rname;

    if ((rc = cli_parse_args(&info_cmd, argc, argv, &opt, NULL)) != CLI_RUN)
        return rc;
    file = opt.operands[0];
    if (cli_open(file, &snap, &secs, &err) < 0)
        return cli_fail(&err);

    root = ms_snapshot_root(snap);
    rname = ms_node_name(snap, root, &rlen);
    if (opt.json) {
        cJSON *doc = cJSON_CreateObject(), *r = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "schema", "memsnap.info/1");
        cJSON_AddItemToObject(doc, "file", cli_json_string(file, strlen(file)));
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
        rc = cli_write_json(doc, opt.output);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        char a[32], b[32];
        if ((rc = cli_output_open(&o, opt.output)) != CLI_OK)
            goto done;
        fprintf(o.f, "file:            %s\n", file);
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
