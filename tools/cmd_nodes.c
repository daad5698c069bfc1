/*
 * cmd_nodes.c: `memsnap nodes SNAP` - one line per node, for scripts; with
 * --json, one object per node in a memsnap.nodes/1 document.
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "commands.h"

#include <inttypes.h>
#include <string.h>

/* Names are cut here in both outputs (a V8 string's value can be megabytes). */
#define NAME_MAX_CHARS 200

static const cli_cmd nodes_cmd = {
    .name = "nodes",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        CLI_OPT_JSON("JSON output (schema memsnap.nodes/1, docs/schema/nodes.schema.json): the "
                     "same fields, one object per node"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TAIL,
    },
    .description =
        "Every node as a tab-separated line, for scripts and spreadsheets:\n"
        "  index  id  type  class  shallow  retained  dominator_id  distance  name\n"
        "Sizes are bytes: a V8 snapshot's DevTools shallow sizes unless --raw-sizes,\n"
        "other formats' recorded sizes; distance is -5 for nodes no strong path\n"
        "reaches, 100000000 + hops for nodes only system roots reach (DevTools'\n"
        "values); names are escaped, at most 200 characters.\n",
};

/* The table: a header line, then one line per node (ctx: a cli_input). */
static int nodes_text(FILE *f, void *ctx)
{
    ms_snapshot *snap = ((const cli_input *)ctx)->snap;
    fputs("index\tid\ttype\tclass\tshallow\tretained\tdominator_id\tdistance\tname\n", f);
    for (ms_node n = 0; n < ms_snapshot_node_count(snap); n++) {
        size_t len;
        const char *name = ms_node_name(snap, n, &len);
        const char *cls = ms_node_class(snap, n);
        fprintf(f, "%u\t%" PRIu64 "\t%s\t", n, ms_node_id(snap, n), ms_node_type(snap, n));
        cli_print_name(f, cls, strlen(cls), NAME_MAX_CHARS);
        fprintf(f, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRId32 "\t",
                ms_node_shallow_size(snap, n), ms_node_retained_size(snap, n),
                ms_node_id(snap, ms_node_dominator(snap, n)), ms_node_distance(snap, n));
        cli_print_name(f, name, len, NAME_MAX_CHARS);
        fputc('\n', f);
    }
    return CLI_OK;
}

/* The "nodes" array's elements, one line each, written directly: a cJSON
 * item per node would cost more than the rest of the command. */
static bool nodes_items(FILE *f, void *ctx)
{
    ms_snapshot *snap = ((const cli_input *)ctx)->snap;
    for (ms_node n = 0; n < ms_snapshot_node_count(snap); n++) {
        size_t len;
        const char *name = ms_node_name(snap, n, &len);
        const char *cls = ms_node_class(snap, n);
        fprintf(f, "%s\n\t\t{\"index\": %u, \"id\": %" PRIu64 ", \"type\": ", n ? "," : "", n,
                ms_node_id(snap, n));
        cli_json_put_string(f, ms_node_type(snap, n), strlen(ms_node_type(snap, n)), 0);
        fputs(", \"class\": ", f);
        cli_json_put_string(f, cls, strlen(cls), NAME_MAX_CHARS);
        fprintf(f,
                ", \"shallow_size\": %" PRIu64 ", \"retained_size\": %" PRIu64
                ", \"dominator_id\": %" PRIu64 ", \"distance\": %" PRId32 ", \"name\": ",
                ms_node_shallow_size(snap, n), ms_node_retained_size(snap, n),
                ms_node_id(snap, ms_node_dominator(snap, n)), ms_node_distance(snap, n));
        cli_json_put_string(f, name, len, NAME_MAX_CHARS);
        fputc('}', f);
    }
    if (ms_snapshot_node_count(snap))
        fputs("\n\t", f);
    return true;
}

/* nodes' JSON document (memsnap.nodes/1), the nodes written one by one. */
static int nodes_json(const cli_input *in, const char *path)
{
    cJSON *doc = cli_json_doc("memsnap.nodes/1", in);
    int rc;
    if (!doc)
        return cli_out_of_memory();
    cJSON_AddNumberToObject(doc, "node_count", ms_snapshot_node_count(in->snap));
    cJSON_AddItemToObject(doc, "nodes", cJSON_CreateArray()); /* written by nodes_items */
    rc = cli_write_json_items(doc, "nodes", nodes_items, (void *)in, path);
    cJSON_Delete(doc);
    return rc;
}

int cmd_nodes(int argc, char **argv)
{
    cli_input in;
    cli_common opt;
    int rc;

    if ((rc = cli_start(&nodes_cmd, argc, argv, &opt, NULL, &in)) != CLI_RUN)
        return rc;
    if ((rc = cli_compute(in.snap, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED |
                                       MS_ANALYSIS_CLASSES)) == CLI_OK)
        rc = opt.json ? nodes_json(&in, opt.output) : cli_write_text(opt.output, nodes_text, &in);
    cli_close_input(&in);
    return rc;
}
