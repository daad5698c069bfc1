/*
 * cmd_top.c: `memsnap top SNAP` - the objects with the largest retained size.
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

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
        CLI_OPT_JSON("JSON output (schema memsnap.top/2)"),
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

/* What top found. */
typedef struct top_result {
    cli_input in;
    ms_node *objects;  /* the largest, largest first; owned */
    uint64_t *reach;   /* the last edge of each one's retention path; owned */
    uint64_t *holder_reach; /* and of the source of that edge; owned */
    size_t count;
    uint64_t total;    /* the heap: the root's retained size */
    double t_analyses, t_top; /* seconds of each phase (--timings) */
} top_result;

/* The analyses, then ms_top's k largest objects (k >= 1) into r.  CLI_OK,
 * or the exit code after printing why. */
static int top_compute(top_result *r, uint64_t k, bool all)
{
    ms_error err = MS_ERROR_INIT;
    double t0 = cli_now();
    int rc;
    /* All at once: with two threads the dominator tree is computed next to
     * the distances, classes and shallow sizes (ms_snapshot_set_threads). */
    if ((rc = cli_compute(r->in.snap, MS_ANALYSIS_RETAINED | MS_ANALYSIS_DISTANCES |
                                       MS_ANALYSIS_CLASSES | MS_ANALYSIS_SOURCES)) != CLI_OK)
        return rc;
    r->t_analyses = cli_now() - t0;
    t0 = cli_now();
    r->objects = malloc(k * sizeof *r->objects);
    if (!r->objects)
        return cli_out_of_memory();
    if (ms_top(r->in.snap, k, all, r->objects, &r->count, &err) < 0)
        return cli_fail(&err);
    /* how each is reached, to name it (two passes over the edges) */
    if ((rc = cli_reach_edges(r->in.snap, r->objects, r->count, &r->reach, &r->holder_reach)) !=
        CLI_OK)
        return rc;
    r->t_top = cli_now() - t0;
    r->total = ms_node_retained_size(r->in.snap, ms_snapshot_root(r->in.snap));
    return CLI_OK;
}

/* One object of the JSON "objects" list. */
static cJSON *object_json(ms_snapshot *snap, ms_node n, uint64_t reach, uint64_t holder_reach)
{
    cJSON *o = cJSON_CreateObject();
    const char *cls = ms_node_class(snap, n), *key = ms_node_class_key(snap, n);
    cJSON_AddNumberToObject(o, "id", (double)ms_node_id(snap, n));
    cJSON_AddNumberToObject(o, "index", n);
    cJSON_AddStringToObject(o, "type", ms_node_type(snap, n));
    cJSON_AddItemToObject(o, "class", cli_json_string(cls, strlen(cls)));
    cJSON_AddItemToObject(o, "class_key", cli_json_string(key, strlen(key)));
    cJSON_AddItemToObject(o, "name", cli_label_json(snap, n, 256));
    cli_add_node_details(o, snap, n);
    cli_add_node_sizes(o, snap, n);
    cJSON_AddNumberToObject(o, "dominator_id",
                            (double)ms_node_id(snap, ms_node_dominator(snap, n)));
    cli_add_reached_by(o, snap, reach, holder_reach);
    return o;
}

/* top's JSON document (memsnap.top/2). */
static cJSON *top_json(const top_result *r)
{
    cJSON *doc = cli_json_doc("memsnap.top/2", &r->in), *list;
    cJSON_AddNumberToObject(doc, "total_size", (double)r->total);
    list = cJSON_AddArrayToObject(doc, "objects");
    for (size_t i = 0; i < r->count; i++)
        cJSON_AddItemToArray(list, object_json(r->in.snap, r->objects[i], r->reach[i], r->holder_reach[i]));
    return doc;
}

/* top's text report: a heading, then one line per object. */
static int top_text(FILE *f, void *ctx)
{
    const top_result *r = ctx;
    char a[32], b[32], d[16];
    fprintf(f, "%s: the %zu largest of %s objects by retained size; heap %s (%s)\n\n",
            r->in.file, r->count, cli_count(ms_snapshot_node_count(r->in.snap), a),
            cli_size(r->total, b), cli_sizes_text(&r->in));
    fprintf(f, "%11s  %6s  %11s  %5s  %s\n", "retained", "%", "shallow", "dist", "object");
    for (size_t i = 0; i < r->count; i++) {
        ms_node n = r->objects[i];
        uint64_t size = ms_node_retained_size(r->in.snap, n);
        fprintf(f, "%11s  %5.1f%%  %11s  %5s  ", cli_size(size, a),
                r->total ? 100.0 * (double)size / (double)r->total : 0.0,
                cli_size(ms_node_shallow_size(r->in.snap, n), b),
                cli_distance_text(ms_node_distance(r->in.snap, n), d));
        cli_print_reached_object(f, r->in.snap, n, r->reach[i], r->holder_reach[i]);
        fputc('\n', f);
    }
    return CLI_OK;
}

int cmd_top(int argc, char **argv)
{
    top_result r = {0};
    cli_common opt;
    top_args ta;
    int rc;

    if ((rc = cli_start(&top_cmd, argc, argv, &opt, &ta, &r.in)) != CLI_RUN)
        return rc;
    if ((rc = top_compute(&r, opt.top, ta.all)) == CLI_OK) {
        if (opt.timings)
            cli_print_timings(r.in.snap, r.in.seconds, r.t_analyses, "top", r.t_top);
        rc = opt.json ? cli_write_doc(top_json(&r), opt.output)
                      : cli_write_text(opt.output, top_text, &r);
    }
    free(r.objects);
    free(r.reach);
    free(r.holder_reach);
    cli_close_input(&r.in);
    return rc;
}
