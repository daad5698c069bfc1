/*
 * cmd_nodes.c: `memsnap nodes SNAP` - one line per node, for scripts.
 */
#include "cli.h"
#include "cli_opt.h"
#include "commands.h"

#include <inttypes.h>
#include <string.h>

static const cli_cmd nodes_cmd = {
    .name = "nodes",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TAIL,
    },
    .description =
        "Every node as a tab-separated line, for scripts and spreadsheets:\n"
        "  index  id  type  class  shallow  retained  dominator_id  distance  name\n"
        "Sizes are bytes (DevTools' shallow sizes unless --raw-sizes); distance is\n"
        "-5 for nodes no strong path reaches, 100000000 + hops for nodes only\n"
        "system roots reach (DevTools' values); names are escaped, at most 200\n"
        "characters.\n",
};

int cmd_nodes(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    cli_common opt;
    cli_output o;
    int rc;

    if ((rc = cli_parse_args(&nodes_cmd, argc, argv, &opt, NULL)) != CLI_RUN)
        return rc;
    if (cli_open(opt.operands[0], &snap, NULL, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(snap, opt.raw_sizes ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    if (ms_snapshot_compute(snap, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES,
                            &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    if ((rc = cli_output_open(&o, opt.output)) != CLI_OK)
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
