/*
 * cmd_cycles.c: `memsnap cycles SNAP` - reference cycles (strongly
 * connected components), largest first.
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#define HISTOGRAM_CLASSES 5
#define JSON_MEMBERS_MAX 1000

/* cycles' own options (the shared ones are in cli_common). */
typedef struct cycles_args {
    cli_size_arg min_size;
    bool all_edges;
} cycles_args;

static const cli_cmd cycles_cmd = {
    .name = "cycles",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        CLI_OPT_TOP(10, "show the N largest cycles (default 10; 0 = all)"),
        {.name = "min-size", .arg = "SIZE",
         .help = "leave out cycles smaller than SIZE in total (bytes, or K, M, G; default 0)",
         CLI_SIZE(cycles_args, min_size, "0", false)},
        {.name = "all-edges", .help = "every strong edge, engine plumbing included",
         CLI_BOOL(cycles_args, all_edges)},
        CLI_OPT_JSON("JSON output (schema memsnap.cycles/2)"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load, analysis and cycle-finding seconds as JSON on stderr"),
        CLI_OPT_FULL,
        CLI_OPT_TAIL,
    },
    .description =
        "Reference cycles: groups of objects that all reach each other (strongly\n"
        "connected components of two objects or more, or an object referring to\n"
        "itself), largest total shallow size first.  For each: its size, what it\n"
        "retains as a whole, the classes of its members, and the shortest path\n"
        "from the GC roots into it.  No mainstream heap tool reports these.\n"
        "\n"
        "By default only references a program writes count (V8: properties, array\n"
        "elements, closure variables and the engine's data stores; other inputs:\n"
        "every strong reference).  --all-edges adds engine plumbing (maps,\n"
        "prototypes, function contexts), which joins most of a V8 heap into one\n"
        "cycle.  Weak references never count.\n",
};

/* A member class and how many members it has. */
typedef struct class_count {
    const char *name;
    uint64_t count;
} class_count;

static int by_count_desc(const void *a, const void *b)
{
    const class_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The member classes, most frequent first; *n gets how many distinct. */
static class_count *histogram(ms_snapshot *snap, const ms_cycle *cy, size_t *n)
{
    class_count *h = malloc(cy->size * sizeof *h);
    size_t k = 0;
    if (!h)
        return NULL;
    for (uint32_t i = 0; i < cy->size; i++) {
        const char *name = ms_node_class(snap, cy->members[i]);
        size_t j;
        for (j = 0; j < k && (h[j].name != name && strcmp(h[j].name, name) != 0); j++)
            ;
        if (j == k) {
            if (k >= 64) { /* enough for a histogram: count the rest as "other" */
                for (j = 0; j < k && strcmp(h[j].name, "(other classes)") != 0; j++)
                    ;
                if (j == k)
                    h[k++] = (class_count){"(other classes)", 0};
            } else {
                h[k++] = (class_count){name, 0};
            }
        }
        h[j].count++;
    }
    qsort(h, k, sizeof *h, by_count_desc);
    *n = k;
    return h;
}

/* What cycles found. */
typedef struct cycles_result {
    cli_input in;
    bool all;            /* --all-edges */
    uint64_t min_size;   /* --min-size: smaller cycles are not listed */
    ms_cycles *cyc;      /* owned */
    size_t count;        /* cycles found */
    size_t shown;        /* cycles listed: of min_size or more, at most -n */
    double t_analysis, t_cycles; /* seconds of each phase (--timings) */
} cycles_result;

/* The analyses, then the cycles.  CLI_OK, or the exit code after printing
 * why. */
static int cycles_compute(cycles_result *r, uint64_t top)
{
    ms_error err = MS_ERROR_INIT;
    double t0 = cli_now();
    int rc;
    if ((rc = cli_compute(r->in.snap, MS_ANALYSIS_RETAINED | MS_ANALYSIS_PATHS |
                                       MS_ANALYSIS_CLASSES)) != CLI_OK)
        return rc;
    r->t_analysis = cli_now() - t0;
    t0 = cli_now();
    if (ms_cycles_compute(r->in.snap, r->all ? MS_CYCLE_EDGES_ALL : MS_CYCLE_EDGES_STRONG, &r->cyc,
                          &err) < 0)
        return cli_fail(&err);
    r->t_cycles = cli_now() - t0;
    r->count = ms_cycles_count(r->cyc);
    for (size_t i = 0; i < r->count; i++)
        if (ms_cycles_get(r->cyc, i)->shallow_size >= r->min_size)
            r->shown++;
    if (top && top < r->shown)
        r->shown = (size_t)top;
    return CLI_OK;
}

/* The next cycle listed from index *at on (those under min_size are
 * skipped); *at moves past it. */
static const ms_cycle *next_listed(const cycles_result *r, size_t *at)
{
    const ms_cycle *cy;
    do
        cy = ms_cycles_get(r->cyc, (*at)++);
    while (cy->shallow_size < r->min_size);
    return cy;
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

/* One cycle as JSON: sizes, member classes, entry and the path to it,
 * member ids (at most JSON_MEMBERS_MAX). */
static cJSON *cycle_json(ms_snapshot *snap, const ms_cycle *cy, ms_hop **hops)
{
    cJSON *cj = cJSON_CreateObject(), *hist = cJSON_CreateArray(), *members = cJSON_CreateArray();
    size_t nh = 0;
    class_count *h = histogram(snap, cy, &nh);
    ms_path path;
    cJSON_AddNumberToObject(cj, "size", cy->size);
    cJSON_AddNumberToObject(cj, "shallow_size", (double)cy->shallow_size);
    cJSON_AddNumberToObject(cj, "retained_size", (double)cy->retained_size);
    for (size_t j = 0; h && j < nh; j++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToObject(e, "class", cli_json_string(h[j].name, strlen(h[j].name)));
        cJSON_AddNumberToObject(e, "count", (double)h[j].count);
        cJSON_AddItemToArray(hist, e);
    }
    free(h);
    cJSON_AddItemToObject(cj, "classes", hist);
    cJSON_AddItemToObject(cj, "entry", cli_object_json(snap, cy->entry));
    path_to(snap, cy->entry, hops, &path);
    cJSON_AddItemToObject(cj, "path", cli_path_json(snap, &path));
    for (uint32_t j = 0; j < cy->size && j < JSON_MEMBERS_MAX; j++)
        cJSON_AddItemToArray(members,
                             cJSON_CreateNumber((double)ms_node_id(snap, cy->members[j])));
    cJSON_AddItemToObject(cj, "member_ids", members);
    return cj;
}

/* cycles' JSON document (memsnap.cycles/2). */
static cJSON *cycles_json(const cycles_result *r)
{
    cJSON *doc = cli_json_doc("memsnap.cycles/2", &r->in), *list;
    ms_hop *hops = NULL;
    size_t at = 0;
    cJSON_AddStringToObject(doc, "edges", r->all ? "all" : "strong");
    cJSON_AddNumberToObject(doc, "cycle_count", (double)r->count);
    list = cJSON_AddArrayToObject(doc, "cycles");
    for (size_t k = 0; k < r->shown; k++)
        cJSON_AddItemToArray(list, cycle_json(r->in.snap, next_listed(r, &at), &hops));
    free(hops);
    return doc;
}

/* One cycle as text: its sizes, its most frequent member classes, where
 * it is entered and the path there. */
static void cycle_text(FILE *f, ms_snapshot *snap, const ms_cycle *cy, size_t number,
                       ms_hop **hops)
{
    char a[32], b[32], d[32], dd[16];
    size_t nh = 0;
    class_count *h;
    ms_path path;
    fprintf(f, "\n#%zu  %s object%s, %s shallow, %s retained\n", number, cli_count(cy->size, a),
            cy->size == 1 ? " (referring to itself)" : "s", cli_size(cy->shallow_size, b),
            cli_size(cy->retained_size, d));
    h = histogram(snap, cy, &nh);
    fputs("    classes: ", f);
    for (size_t j = 0; h && j < nh && j < HISTOGRAM_CLASSES; j++) {
        fprintf(f, "%s%s ", j ? ", " : "", cli_count(h[j].count, a));
        cli_print_name(f, h[j].name, strlen(h[j].name), 40);
    }
    if (nh > HISTOGRAM_CLASSES)
        fprintf(f, ", ... (%zu classes)", nh);
    fputc('\n', f);
    free(h);
    fputs("    entered at ", f);
    cli_print_object(f, snap, cy->entry);
    fprintf(f, " (distance %s)\n", cli_distance_text(ms_node_distance(snap, cy->entry), dd));
    if (path_to(snap, cy->entry, hops, &path))
        cli_print_path(f, snap, &path, "    ");
    else
        fputs("    (no strong path from the GC roots: the whole cycle is garbage)\n", f);
}

/* cycles' text report: a heading, then each cycle listed. */
static int cycles_text(FILE *f, void *ctx)
{
    const cycles_result *r = ctx;
    ms_hop *hops = NULL;
    size_t at = 0;
    char a[32];
    fprintf(f, "%s: %s reference cycle%s (%s)\n", r->in.file, cli_count(r->count, a),
            r->count == 1 ? "" : "s",
            r->all ? "every strong edge"
                   : "references the program holds, engine plumbing left out");
    for (size_t k = 0; k < r->shown; k++)
        cycle_text(f, r->in.snap, next_listed(r, &at), k + 1, &hops);
    cli_print_more(f, r->shown, r->count, "cycles", true);
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
    r.min_size = ca.min_size.bytes;
    if ((rc = cycles_compute(&r, opt.top)) == CLI_OK) {
        if (opt.timings)
            fprintf(stderr, "{\"load\": %.3f, \"analysis\": %.3f, \"cycles\": %.3f}\n",
                    r.in.seconds, r.t_analysis, r.t_cycles);
        rc = opt.json ? cli_write_doc(cycles_json(&r), opt.output)
                      : cli_write_text(opt.output, cycles_text, &r);
    }
    ms_cycles_free(r.cyc);
    ms_snapshot_free(r.in.snap);
    return rc;
}
