/*
 * cmd_info.c: `memsnap info SNAP` - what the file is and how big.
 */
#include "cli_doc.h"
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

/* What info reports. */
typedef struct report {
    cli_input in;
    ms_snapshot_info info;
} report;

/* info's JSON document (memsnap.info/1). */
static cJSON *info_json(const report *r)
{
    ms_snapshot *snap = r->in.snap;
    const ms_snapshot_info *i = &r->info;
    size_t rlen;
    const char *rname = ms_node_name(snap, i->root, &rlen);
    cJSON *doc = cJSON_CreateObject(), *root;
    cJSON_AddStringToObject(doc, "schema", "memsnap.info/1");
    cJSON_AddItemToObject(doc, "file", cli_json_string(r->in.file, strlen(r->in.file)));
    cJSON_AddStringToObject(doc, "format", ms_format_name(i->format));
    cli_add_numbers(doc, (const cli_number[]){
        {"node_count", i->node_count}, {"edge_count", i->edge_count},
        {"string_count", i->string_count}, {"total_self_size", i->total_self_size}, {NULL, 0}});
    root = cJSON_AddObjectToObject(doc, "root");
    cJSON_AddNumberToObject(root, "index", i->root);
    cJSON_AddNumberToObject(root, "id", (double)ms_node_id(snap, i->root));
    cJSON_AddStringToObject(root, "type", ms_node_type(snap, i->root));
    cJSON_AddItemToObject(root, "name", cli_json_string(rname, rlen));
    cli_add_numbers(doc, (const cli_number[]){{"input_bytes", i->input_bytes},
                                              {"graph_bytes", i->graph_bytes},
                                              {"load_seconds", r->in.seconds},
                                              {NULL, 0}});
    return doc;
}

/* info's text: one fact per line. */
static int info_text(FILE *f, void *ctx)
{
    const report *r = ctx;
    ms_snapshot *snap = r->in.snap;
    const ms_snapshot_info *i = &r->info;
    size_t rlen;
    const char *rname = ms_node_name(snap, i->root, &rlen);
    char a[32], b[32];
    fprintf(f, "file:            %s\n", r->in.file);
    fprintf(f, "format:          %s\n", ms_format_name(i->format));
    fprintf(f, "nodes:           %s\n", cli_count(i->node_count, a));
    fprintf(f, "edges:           %s\n", cli_count(i->edge_count, a));
    fprintf(f, "strings:         %s\n", cli_count(i->string_count, a));
    fprintf(f, "total self size: %s (%s bytes)\n", cli_size(i->total_self_size, a),
            cli_count(i->total_self_size, b));
    fprintf(f, "root:            node %u, %s, %s \"", i->root, cli_node_id(snap, i->root, b),
            ms_node_type(snap, i->root));
    cli_print_name(f, rname, rlen, 60);
    fprintf(f, "\"\n");
    fprintf(f, "input:           %s\n", cli_size(i->input_bytes, a));
    fprintf(f, "graph in memory: %s\n", cli_size(i->graph_bytes, a));
    fprintf(f, "load time:       %.3f s\n", r->in.seconds);
    return CLI_OK;
}

int cmd_info(int argc, char **argv)
{
    report r;
    cli_common opt;
    int rc;

    if ((rc = cli_start(&info_cmd, argc, argv, &opt, NULL, &r.in)) != CLI_RUN)
        return rc;
    ms_snapshot_info_get(r.in.snap, &r.info);
    rc = opt.json ? cli_write_doc(info_json(&r), opt.output)
                  : cli_write_text(opt.output, info_text, &r);
    cli_close_input(&r.in);
    return rc;
}
