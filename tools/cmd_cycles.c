/*
 * cmd_cycles.c: `memsnap cycles SNAP` - reference cycles (strongly
 * connected components), largest first.
 */
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

#include <inttypes.h>
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
        CLI_OPT_JSON("JSON output (schema memsnap.cycles/1)"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load, analysis and cycle-finding seconds as JSON on stderr"),
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

int cmd_cycles(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    ms_cycles *cyc = NULL;
    cli_common opt;
    cycles_args ca;
    const char *file, *out;
    bool json, raw, all, timings;
    double t_load, t0, t_analysis, t_cycles;
    uint64_t top, min_size;
    size_t count, shown = 0;
    ms_hop *hops = NULL;
    int rc = CLI_OK;

    if ((rc = cli_parse_args(&cycles_cmd, argc, argv, &opt, &ca)) != CLI_RUN)
        return rc;
    file = opt.operands[0];
    out = opt.output;
    json = opt.json;
    raw = opt.raw_sizes;
    timings = opt.timings;
    top = opt.top;
    all = ca.all_edges;
    min_size = ca.min_size.bytes;
    if (cli_open(file, &snap, &t_load, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(snap, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    t0 = cli_now();
    if (ms_snapshot_compute(snap, MS_ANALYSIS_RETAINED | MS_ANALYSIS_PATHS | MS_ANALYSIS_CLASSES,
                            &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    t_analysis = cli_now() - t0;
    t0 = cli_now();
    if (ms_cycles_compute(snap, all ? MS_CYCLE_EDGES_ALL : MS_CYCLE_EDGES_STRONG, &cyc, &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    t_cycles = cli_now() - t0;
    if (timings)
        fprintf(stderr, "{\"load\": %.3f, \"analysis\": %.3f, \"cycles\": %.3f}\n", t_load,
                t_analysis, t_cycles);
    count = ms_cycles_count(cyc);
    for (size_t i = 0; i < count; i++)
        if (ms_cycles_get(cyc, i)->shallow_size >= min_size)
            shown++;
    if (top && top < shown)
        shown = (size_t)top;

    if (json) {
        cJSON *doc = cJSON_CreateObject(), *list = cJSON_CreateArray();
        cJSON_AddStringToObject(doc, "schema", "memsnap.cycles/1");
        cJSON_AddItemToObject(doc, "snapshot", cli_snapshot_json(snap, file));
        cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
        cJSON_AddStringToObject(doc, "edges", all ? "all" : "strong");
        cJSON_AddNumberToObject(doc, "cycle_count", (double)count);
        for (size_t i = 0, done_n = 0; i < count && done_n < shown; i++) {
            const ms_cycle *cy = ms_cycles_get(cyc, i);
            cJSON *cj, *hist, *members;
            class_count *h;
            size_t nh = 0, len;
            ms_path path;
            if (cy->shallow_size < min_size)
                continue;
            done_n++;
            cj = cJSON_CreateObject();
            hist = cJSON_CreateArray();
            members = cJSON_CreateArray();
            cJSON_AddNumberToObject(cj, "size", cy->size);
            cJSON_AddNumberToObject(cj, "shallow_size", (double)cy->shallow_size);
            cJSON_AddNumberToObject(cj, "retained_size", (double)cy->retained_size);
            h = histogram(snap, cy, &nh);
            for (size_t j = 0; h && j < nh; j++) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddItemToObject(e, "class", cli_json_string(h[j].name, strlen(h[j].name)));
                cJSON_AddNumberToObject(e, "count", (double)h[j].count);
                cJSON_AddItemToArray(hist, e);
            }
            free(h);
            cJSON_AddItemToObject(cj, "classes", hist);
            cJSON_AddItemToObject(cj, "entry", cli_object_json(snap, cy->entry));
            len = ms_retention_path(snap, cy->entry, NULL, 0);
            hops = realloc(hops, (len ? len : 1) * sizeof *hops);
            path.length = hops ? ms_retention_path(snap, cy->entry, hops, len) : 0;
            path.hops = hops;
            cJSON_AddItemToObject(cj, "path", cli_path_json(snap, &path));
            for (uint32_t j = 0; j < cy->size && j < JSON_MEMBERS_MAX; j++)
                cJSON_AddItemToArray(members, cJSON_CreateNumber((double)ms_node_id(snap, cy->members[j])));
            cJSON_AddItemToObject(cj, "member_ids", members);
            cJSON_AddItemToArray(list, cj);
        }
        cJSON_AddItemToObject(doc, "cycles", list);
        rc = cli_write_json(doc, out);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        char a[32], b[32], d[32], dd[16];
        if ((rc = cli_output_open(&o, out)) != CLI_OK)
            goto done;
        fprintf(o.f, "%s: %s reference cycle%s (%s)\n", file, cli_count(count, a),
                count == 1 ? "" : "s",
                all ? "every strong edge" : "references the program holds, engine plumbing left out");
        for (size_t i = 0, done_n = 0; i < count && done_n < shown; i++) {
            const ms_cycle *cy = ms_cycles_get(cyc, i);
            class_count *h;
            size_t nh = 0, len;
            ms_path path;
            if (cy->shallow_size < min_size)
                continue;
            done_n++;
            fprintf(o.f, "\n#%zu  %s object%s, %s shallow, %s retained\n", done_n, cli_count(cy->size, a),
                    cy->size == 1 ? " (referring to itself)" : "s", cli_size(cy->shallow_size, b),
                    cli_size(cy->retained_size, d));
            h = histogram(snap, cy, &nh);
            fputs("    classes: ", o.f);
            for (size_t j = 0; h && j < nh && j < HISTOGRAM_CLASSES; j++) {
                fprintf(o.f, "%s%s ", j ? ", " : "", cli_count(h[j].count, a));
                cli_print_name(o.f, h[j].name, strlen(h[j].name), 40);
            }
            if (nh > HISTOGRAM_CLASSES)
                fprintf(o.f, ", ... (%zu classes)", nh);
            fputc('\n', o.f);
            free(h);
            fputs("    entered at ", o.f);
            cli_print_object(o.f, snap, cy->entry);
            fprintf(o.f, " (distance %s)\n", cli_distance_text(ms_node_distance(snap, cy->entry), dd));
            len = ms_retention_path(snap, cy->entry, NULL, 0);
            if (len) {
                hops = realloc(hops, len * sizeof *hops);
                path.length = hops ? ms_retention_path(snap, cy->entry, hops, len) : 0;
                path.hops = hops;
                cli_print_path(o.f, snap, &path, "    ");
            } else {
                fputs("    (no strong path from the GC roots: the whole cycle is garbage)\n", o.f);
            }
        }
        if (shown < count)
            fprintf(o.f, "\n... %s more cycles (-n 0 shows all)\n", cli_count(count - shown, a));
        rc = cli_output_close(&o, true);
    }
done:
    free(hops);
    ms_cycles_free(cyc);
    ms_snapshot_free(snap);
    return rc;
}
