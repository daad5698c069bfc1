/*
 * cmd_cycles.c: `memsnap cycles SNAP` - reference cycles (strongly
 * connected components) grouped by shape: the program's first, largest
 * first, the runtime's folded into one line unless --internals.
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_CLASSES 5       /* member classes a group's text lists */
#define TEXT_SHAPE_EDGES 6   /* shape edges a group's text lists */
#define JSON_MEMBERS_MAX 1000
#define JSON_SHAPE_MAX 1000  /* classes and shape edges JSON lists per group */

/* cycles' own options (the shared ones are in cli_common). */
typedef struct cycles_args {
    cli_size_arg min_size;
    bool all_edges;
    bool internals;
    const char *cls;
} cycles_args;

static const cli_cmd cycles_cmd = {
    .name = "cycles",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        CLI_OPT_TOP(10, "show the N largest groups of cycles (default 10; 0 = all)"),
        {.name = "min-size", .arg = "SIZE",
         .help = "leave out groups whose cycles add up to less than SIZE shallow (bytes, or K, "
                 "M, G; default 0)",
         CLI_SIZE(cycles_args, min_size, "0", false)},
        {.name = "class", .arg = "NAME",
         .help = "only cycles holding an object of class NAME (its name, its name and location "
                 "as summary shows it, or its key)",
         CLI_STRING(cycles_args, cls)},
        {.name = "internals",
         .help = "list the cycles among the runtime's own objects too, after the program's",
         CLI_BOOL(cycles_args, internals)},
        {.name = "all-edges", .help = "every strong edge, engine plumbing included",
         CLI_BOOL(cycles_args, all_edges)},
        CLI_OPT_JSON("JSON output (schema memsnap.cycles/3)"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load, analysis and cycle-finding seconds as JSON on stderr"),
        CLI_OPT_FULL,
        CLI_OPT_TAIL,
    },
    .description =
        "Reference cycles: groups of objects that all reach each other (strongly\n"
        "connected components of two objects or more, or an object referring to\n"
        "itself), grouped by shape: cycles with the same member classes and the\n"
        "same references between them are one line.  For each group: how many\n"
        "cycles, objects per cycle, their shallow size, what they retain together,\n"
        "the member classes, the shape, and one cycle with the shortest path from\n"
        "the GC roots into it.  The program's cycles come first, largest retained\n"
        "size first; those among the runtime's own objects (V8: Node's modules,\n"
        "builtins) are counted in one line unless --internals.\n"
        "\n"
        "By default only references a program writes count (V8: properties, array\n"
        "elements, closure variables and the engine's data stores; other inputs:\n"
        "every strong reference).  --all-edges adds engine plumbing (maps,\n"
        "prototypes, function contexts), which joins most of a V8 heap into one\n"
        "cycle.  Weak references never count.  In a Python heap, a cycle is freed\n"
        "only by the cycle collector once unreachable: each group says so, and the\n"
        "heading counts the cycles already unreachable.\n",
};

/* What cycles found. */
typedef struct cycles_result {
    cli_input in;
    bool all;              /* --all-edges */
    bool internals;        /* --internals: the runtime's groups are listed */
    bool origins;          /* the format tells the program's objects from the runtime's */
    bool python;           /* a Python heap: cycles need the cycle collector */
    const char *cls;       /* --class */
    uint64_t min_size;     /* --min-size: smaller groups are not listed */
    ms_cycle_groups *cg;   /* owned */
    size_t candidates;     /* groups that may be listed: the program's, with --internals all */
    size_t shown;          /* groups listed: of min_size or more, at most -n */
    double t_analysis, t_cycles; /* seconds of each phase (--timings) */
} cycles_result;

/* The analyses, then the groups.  CLI_OK, or the exit code after printing
 * why. */
static int cycles_compute(cycles_result *r, uint64_t top)
{
    ms_cycle_options o = MS_CYCLE_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    const ms_cycle_totals *t;
    double t0 = cli_now();
    int rc;
    if ((rc = cli_compute(r->in.snap, MS_ANALYSIS_RETAINED | MS_ANALYSIS_PATHS |
                                       MS_ANALYSIS_CLASSES | MS_ANALYSIS_DOMINATOR_TREE)) != CLI_OK)
        return rc;
    r->t_analysis = cli_now() - t0;
    t0 = cli_now();
    o.edges = r->all ? MS_CYCLE_EDGES_ALL : MS_CYCLE_EDGES_STRONG;
    o.class_name = r->cls;
    if (ms_cycle_groups_compute(r->in.snap, &o, &r->cg, &err) < 0)
        return cli_fail(&err);
    r->t_cycles = cli_now() - t0;
    t = ms_cycle_groups_totals(r->cg);
    r->candidates = (size_t)(t->user_groups + (r->internals ? t->runtime_groups : 0));
    for (size_t i = 0; i < r->candidates; i++)
        if (ms_cycle_groups_get(r->cg, i)->shallow_size >= r->min_size)
            r->shown++;
    if (top && top < r->shown)
        r->shown = (size_t)top;
    return CLI_OK;
}

/* The next group listed from index *at on (those under min_size are
 * skipped); *at moves past it. */
static const ms_cycle_group *next_listed(const cycles_result *r, size_t *at)
{
    const ms_cycle_group *g;
    do
        g = ms_cycle_groups_get(r->cg, (*at)++);
    while (g->shallow_size < r->min_size);
    return g;
}

/* The shortest path from the GC roots to n into *path, its hops in *hops
 * (grown as needed, freed by the caller).  Returns the path's length, 0
 * when no strong path reaches n; path->length is 0 also when memory ran
 * out. */
static size_t path_to(ms_snapshot *snap, ms_node n, ms_hop **hops, ms_path *path)
{
    size_t len = ms_retention_path(snap, n, NULL, 0);
    ms_hop *h = realloc(*hops, (len ? len : 1) * sizeof *h);
    if (h)
        *hops = h;
    path->hops = *hops;
    path->length = h ? ms_retention_path(snap, n, h, len) : 0;
    return len;
}

/* ---- JSON ------------------------------------------------------------------ */

/* One cycle as JSON: sizes, entry and the path to it, member ids (at most
 * JSON_MEMBERS_MAX). */
static cJSON *cycle_json(ms_snapshot *snap, const ms_cycle *cy, ms_hop **hops)
{
    cJSON *cj = cJSON_CreateObject(), *members = cJSON_CreateArray();
    ms_path path;
    cJSON_AddNumberToObject(cj, "size", cy->size);
    cJSON_AddNumberToObject(cj, "shallow_size", (double)cy->shallow_size);
    cJSON_AddNumberToObject(cj, "retained_size", (double)cy->retained_size);
    cJSON_AddItemToObject(cj, "entry", cli_object_json(snap, cy->entry));
    path_to(snap, cy->entry, hops, &path);
    cJSON_AddItemToObject(cj, "path", cli_path_json(snap, &path));
    for (uint32_t j = 0; j < cy->size && j < JSON_MEMBERS_MAX; j++)
        cJSON_AddItemToArray(members,
                             cJSON_CreateNumber((double)ms_node_id(snap, cy->members[j])));
    cJSON_AddItemToObject(cj, "member_ids", members);
    return cj;
}

/* A group's classes and shape as JSON arrays (at most JSON_SHAPE_MAX each). */
static void shape_json(cJSON *gj, const ms_snapshot *snap, const ms_cycle_group *g)
{
    cJSON *classes = cJSON_AddArrayToObject(gj, "classes");
    cJSON *shape = cJSON_AddArrayToObject(gj, "shape");
    for (size_t k = 0; k < g->class_count && k < JSON_SHAPE_MAX; k++) {
        const ms_cycle_class *c = &g->classes[k];
        cJSON *cj = cJSON_CreateObject();
        cJSON_AddItemToObject(cj, "class", cli_json_string(c->name, strlen(c->name)));
        cJSON_AddItemToObject(cj, "key", cli_json_string(c->key, strlen(c->key)));
        cli_add_class_location(cj, snap, c->key);
        cJSON_AddNumberToObject(cj, "count", c->count);
        cJSON_AddItemToArray(classes, cj);
    }
    for (size_t k = 0; k < g->edge_count && k < JSON_SHAPE_MAX; k++) {
        const ms_cycle_shape_edge *e = &g->edges[k];
        cJSON *ej = cJSON_CreateObject();
        cJSON_AddNumberToObject(ej, "from", e->from);
        cJSON_AddItemToObject(ej, "from_class", cli_json_string(g->classes[e->from].name,
                                                                strlen(g->classes[e->from].name)));
        cJSON_AddStringToObject(ej, "type", e->type);
        cJSON_AddItemToObject(ej, "name", cli_json_string(e->name, strlen(e->name)));
        cJSON_AddNumberToObject(ej, "to", e->to);
        cJSON_AddItemToObject(ej, "to_class", cli_json_string(g->classes[e->to].name,
                                                              strlen(g->classes[e->to].name)));
        cJSON_AddNumberToObject(ej, "count", e->count);
        cJSON_AddItemToArray(shape, ej);
    }
}

/* One group as JSON. */
static cJSON *group_json(const cycles_result *r, const ms_cycle_group *g, ms_hop **hops)
{
    cJSON *gj = cJSON_CreateObject();
    char sig[20];
    snprintf(sig, sizeof sig, "%016llx", (unsigned long long)g->signature);
    cJSON_AddNumberToObject(gj, "count", (double)g->count);
    cJSON_AddNumberToObject(gj, "size", g->size);
    cJSON_AddNumberToObject(gj, "shallow_size", (double)g->shallow_size);
    cJSON_AddNumberToObject(gj, "retained_size", (double)g->retained_size);
    cJSON_AddNumberToObject(gj, "unreachable", (double)g->unreachable);
    cJSON_AddStringToObject(gj, "origin", g->user ? "user" : "runtime");
    cJSON_AddBoolToObject(gj, "collector_only", r->python);
    cJSON_AddStringToObject(gj, "signature", sig);
    shape_json(gj, r->in.snap, g);
    cJSON_AddItemToObject(gj, "example", cycle_json(r->in.snap, g->example, hops));
    return gj;
}

/* {cycle_count, group_count} */
static cJSON *side_json(uint64_t cycles, uint64_t groups)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "cycle_count", (double)cycles);
    cJSON_AddNumberToObject(o, "group_count", (double)groups);
    return o;
}

/* cycles' JSON document (memsnap.cycles/3). */
static cJSON *cycles_json(const cycles_result *r)
{
    const ms_cycle_totals *t = ms_cycle_groups_totals(r->cg);
    cJSON *doc = cli_json_doc("memsnap.cycles/3", &r->in), *list;
    ms_hop *hops = NULL;
    size_t at = 0;
    cJSON_AddStringToObject(doc, "edges", r->all ? "all" : "strong");
    if (r->cls)
        cJSON_AddItemToObject(doc, "class", cli_json_string(r->cls, strlen(r->cls)));
    cJSON_AddBoolToObject(doc, "internals", r->internals);
    cJSON_AddNumberToObject(doc, "cycle_count", (double)t->cycles);
    cJSON_AddNumberToObject(doc, "shape_count", (double)t->groups);
    cJSON_AddItemToObject(doc, "user", side_json(t->user_cycles, t->user_groups));
    cJSON_AddItemToObject(doc, "runtime", side_json(t->runtime_cycles, t->runtime_groups));
    cJSON_AddNumberToObject(doc, "unreachable_count", (double)t->unreachable);
    list = cJSON_AddArrayToObject(doc, "groups");
    for (size_t k = 0; k < r->shown; k++)
        cJSON_AddItemToArray(list, group_json(r, next_listed(r, &at), &hops));
    free(hops);
    return doc;
}

/* ---- text ------------------------------------------------------------------ */

/* "A --name (type)--> B x2" */
static void print_shape_edge(FILE *f, const ms_cycle_group *g, const ms_cycle_shape_edge *e)
{
    char a[32];
    cli_print_name(f, g->classes[e->from].name, strlen(g->classes[e->from].name), 40);
    fputs(" --", f);
    cli_print_name(f, e->name, strlen(e->name), 40);
    fprintf(f, " (%s)--> ", e->type);
    cli_print_name(f, g->classes[e->to].name, strlen(g->classes[e->to].name), 40);
    if (e->count > 1)
        fprintf(f, " x%s", cli_count(e->count, a));
}

/* The member classes and the shape of a group, two lines or more. */
static void shape_text(FILE *f, const ms_snapshot *snap, const ms_cycle_group *g)
{
    char a[32], b[32];
    uint64_t edges = 0;
    fputs(g->count > 1 ? "    classes, in each: " : "    classes: ", f);
    for (size_t j = 0; j < g->class_count && j < TEXT_CLASSES; j++) {
        fprintf(f, "%s%s ", j ? ", " : "", cli_count(g->classes[j].count, a));
        cli_print_class(f, snap, g->classes[j].name, g->classes[j].key, 40);
    }
    if (g->class_count > TEXT_CLASSES)
        fprintf(f, ", ... (%s classes)", cli_count(g->class_count, b));
    fputs("\n    shape: ", f);
    for (size_t j = 0; j < g->edge_count; j++) {
        edges += g->edges[j].count;
        if (j >= TEXT_SHAPE_EDGES)
            continue;
        if (j)
            fputs(",\n           ", f);
        print_shape_edge(f, g, &g->edges[j]);
    }
    if (g->edge_count > TEXT_SHAPE_EDGES)
        fprintf(f, ",\n           ... (%s references of %s kinds)", cli_count(edges, a),
                cli_count(g->edge_count, b));
    fputc('\n', f);
}

/* One group as text: counts and sizes, classes and shape, what Python's
 * collector has to do with it, then its example: where it is entered and
 * the path there. */
static void group_text(FILE *f, const cycles_result *r, const ms_cycle_group *g, size_t number,
                       ms_hop **hops)
{
    ms_snapshot *snap = r->in.snap;
    const ms_cycle *cy = g->example;
    char a[32], b[32], d[32], e[32], dd[16];
    ms_path path;
    if (g->count == 1)
        fprintf(f, "\n#%zu  1 cycle of %s object%s, %s shallow, %s retained\n", number,
                cli_count(g->size, a), g->size == 1 ? " (referring to itself)" : "s",
                cli_size(g->shallow_size, b), cli_size(g->retained_size, d));
    else
        fprintf(f, "\n#%zu  %s cycles of %s object%s each, %s shallow, %s retained together\n",
                number, cli_count(g->count, e), cli_count(g->size, a),
                g->size == 1 ? " (referring to itself)" : "s", cli_size(g->shallow_size, b),
                cli_size(g->retained_size, d));
    shape_text(f, snap, g);
    if (r->python)
        fputs("    freed only by the cycle collector when unreachable\n", f);
    if (g->unreachable)
        fprintf(f, "    %s of %s unreachable%s\n", cli_count(g->unreachable, a),
                g->count == 1 ? "it" : "them",
                r->python ? " (garbage the cycle collector has not collected yet)"
                          : ": no strong path from the GC roots");
    fputs(g->count > 1 ? "    for example, entered at " : "    entered at ", f);
    cli_print_object(f, snap, cy->entry);
    fprintf(f, " (distance %s)\n", cli_distance_text(ms_node_distance(snap, cy->entry), dd));
    if (path_to(snap, cy->entry, hops, &path))
        cli_print_path(f, snap, &path, "    ");
    else
        fputs("    (no strong path from the GC roots: the whole cycle is garbage)\n", f);
}

/* "N cycles of K shapes" */
static void print_counted(FILE *f, uint64_t cycles, uint64_t groups)
{
    char a[32], b[32];
    fprintf(f, "%s cycle%s of %s shape%s", cli_count(cycles, a), cycles == 1 ? "" : "s",
            cli_count(groups, b), groups == 1 ? "" : "s");
}

/* The heading: what was found, whose it is, and (Python) what frees it. */
static void heading_text(FILE *f, const cycles_result *r)
{
    const ms_cycle_totals *t = ms_cycle_groups_totals(r->cg);
    char a[32], b[32];
    fprintf(f, "%s: %s reference cycle%s of %s shape%s (%s)\n", r->in.file,
            cli_count(t->cycles, a), t->cycles == 1 ? "" : "s", cli_count(t->groups, b),
            t->groups == 1 ? "" : "s",
            r->all ? "every strong edge"
                   : "references the program holds, engine plumbing left out");
    if (r->cls) {
        fputs("holding an object of class ", f);
        cli_print_name(f, r->cls, strlen(r->cls), 80);
        fputs(": ", f);
        print_counted(f, t->user_cycles + t->runtime_cycles, t->user_groups + t->runtime_groups);
        fputc('\n', f);
    }
    if (r->origins) {
        fputs("the program's: ", f);
        print_counted(f, t->user_cycles, t->user_groups);
        fputs("; among the runtime's objects: ", f);
        print_counted(f, t->runtime_cycles, t->runtime_groups);
        fputc('\n', f);
    }
    if (r->python && t->user_cycles + t->runtime_cycles) {
        fputs("Python: reference counting cannot free an object in a reference cycle while the\n"
              "cycle holds; once it is unreachable, only the cycle collector (gc) frees it,\n"
              "unless the program breaks the cycle first.\n",
              f);
        fprintf(f, "%s of %s cycle%s unreachable from the roots: garbage the collector had "
                   "not\ncollected when the heap was recorded.\n",
                cli_count(t->unreachable, a), cli_count(t->user_cycles + t->runtime_cycles, b),
                t->user_cycles + t->runtime_cycles == 1 ? "" : "s");
    }
}

/* cycles' text report: the heading, each group listed, what was left out. */
static int cycles_text(FILE *f, void *ctx)
{
    const cycles_result *r = ctx;
    const ms_cycle_totals *t = ms_cycle_groups_totals(r->cg);
    ms_hop *hops = NULL;
    size_t at = 0;
    char a[32];
    heading_text(f, r);
    for (size_t k = 0; k < r->shown; k++)
        group_text(f, r, next_listed(r, &at), k + 1, &hops);
    cli_print_more(f, r->shown, r->candidates, "groups", true);
    if (!r->internals && t->runtime_cycles)
        fprintf(f, "\n%s more cycle%s among the runtime's objects (--internals shows them)\n",
                cli_count(t->runtime_cycles, a), t->runtime_cycles == 1 ? "" : "s");
    free(hops);
    return CLI_OK;
}

int cmd_cycles(int argc, char **argv)
{
    cycles_result r = {0};
    cli_common opt;
    cycles_args ca;
    int rc;

    if ((rc = cli_start(&cycles_cmd, argc, argv, &opt, &ca, &r.in)) != CLI_RUN)
        return rc;
    cli_set_full_paths(opt.full_paths);
    r.all = ca.all_edges;
    r.internals = ca.internals;
    r.cls = ca.cls;
    r.min_size = ca.min_size.bytes;
    r.origins = ms_snapshot_format(r.in.snap) == MS_FORMAT_HEAPSNAPSHOT;
    r.python = ms_snapshot_format(r.in.snap) == MS_FORMAT_MLYZE;
    if ((rc = cycles_compute(&r, opt.top)) == CLI_OK) {
        if (opt.timings)
            fprintf(stderr, "{\"load\": %.3f, \"analysis\": %.3f, \"cycles\": %.3f}\n",
                    r.in.seconds, r.t_analysis, r.t_cycles);
        rc = opt.json ? cli_write_doc(cycles_json(&r), opt.output)
                      : cli_write_text(opt.output, cycles_text, &r);
    }
    ms_cycle_groups_free(r.cg);
    cli_close_input(&r.in);
    return rc;
}
