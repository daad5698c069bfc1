/*
 * cmd_why.c: `memsnap why SNAP ID` - what keeps an object alive;
 * `memsnap why SNAP --class NAME` - its class's instances grouped by path.
 */
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* why's own options (the shared ones are in cli_common). */
typedef struct why_args {
    uint64_t paths;
    const char *cls;
} why_args;

/* Form 1 answers for ids, form 2 (--class) for a class's instances. */
static const cli_cmd why_cmd = {
    .name = "why",
    .forms = {{"SNAPSHOT ID...", 2, -1}, {"SNAPSHOT", 1, 1}},
    .opts = (const cli_opt[]){
        {.name = "paths", .arg = "K", .help = "further paths through other retainers (default 3)",
         CLI_U64(why_args, paths, 3, 0, 1000), .form = 1},
        {.name = "class", .arg = "NAME", .help = "group the instances of a class by retention path",
         CLI_STRING(why_args, cls), .form = 2, .lead = true},
        CLI_OPT_TOP_EX(10, 0, UINT64_MAX, 2,
                       "with --class: show the N largest groups (default 10; 0 = all)"),
        CLI_OPT_JSON("JSON output (schema memsnap.why/1, docs/schema/why.schema.json)"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load, analysis and query seconds as JSON on stderr"),
        CLI_OPT_TAIL,
    },
    .description =
        "Why is this object still alive?  For the object with id ID (@123 or 123 as\n"
        "DevTools shows it; 0x... for addresses): its shortest retention path from\n"
        "the GC roots, one hop per line with each object's retained size; the\n"
        "objects that alone keep it alive (its dominators: free any one and it\n"
        "goes); and up to K more paths through other retainers.  When only weak\n"
        "references, or nothing reachable, point at it, it says so.  Several ids\n"
        "are answered in turn (with more than four, an index of retainers is\n"
        "built first: 4 bytes per edge).\n"
        "\n"
        "With --class, the instances of class NAME (a class name or class key, as\n"
        "in summary) are grouped by the shape of their retention paths, so that\n"
        "thousands of leaked objects become a few explanations.\n",
};

static const char *status_text(ms_why_status s)
{
    switch (s) {
    case MS_WHY_RETAINED: return "retained";
    case MS_WHY_ROOT: return "root";
    case MS_WHY_WEAK_ONLY: return "weak-only";
    case MS_WHY_GARBAGE: return "garbage";
    default: return "unreferenced";
    }
}

/* One object's answer as JSON (without the document's header fields). */
static cJSON *why_json(ms_snapshot *snap, const ms_why *w)
{
    cJSON *doc = cJSON_CreateObject(), *rj = cJSON_CreateObject(), *doms = cJSON_CreateArray(),
          *others = cJSON_CreateArray();
    cJSON_AddItemToObject(doc, "object", cli_object_json(snap, w->node));
    cJSON_AddStringToObject(doc, "status", status_text(w->status));
    cJSON_AddNumberToObject(rj, "count", (double)w->retainer_count);
    cJSON_AddNumberToObject(rj, "weak", (double)w->weak_retainer_count);
    cJSON_AddItemToObject(doc, "retainers", rj);
    cJSON_AddItemToObject(doc, "path", cli_path_json(snap, &w->path));
    for (size_t i = 0; i < w->dominator_count && i < 10000; i++)
        cJSON_AddItemToArray(doms, cli_object_json(snap, w->dominators[i]));
    cJSON_AddNumberToObject(doc, "dominator_count", (double)w->dominator_count);
    cJSON_AddItemToObject(doc, "dominators", doms);
    for (size_t i = 0; i < w->other_count; i++)
        cJSON_AddItemToArray(others, cli_path_json(snap, &w->others[i]));
    cJSON_AddItemToObject(doc, "other_paths", others);
    return doc;
}

static void why_text(FILE *f, ms_snapshot *snap, const ms_why *w)
{
    ms_node n = w->node;
    char a[32], b[32], d[16];
    cli_print_object(f, snap, n);
    fprintf(f, "\n  shallow %s, retained %s, distance %s\n\n",
            cli_size(ms_node_shallow_size(snap, n), a), cli_size(ms_node_retained_size(snap, n), b),
            cli_distance_text(ms_node_distance(snap, n), d));
    switch (w->status) {
    case MS_WHY_ROOT:
        fprintf(f, "%s is the root: the synthetic node the GC roots hang from.\n"
                   "Nothing retains it; it retains the whole heap.\n", cli_id(snap, n));
        break;
    case MS_WHY_WEAK_ONLY:
        fprintf(f, "Nothing keeps %s alive: only weak references point at it (%s).\n"
                   "The next garbage collection can free it.\n",
                cli_id(snap, n), cli_count(w->weak_retainer_count, a));
        break;
    case MS_WHY_GARBAGE:
        fprintf(f, "No path from the GC roots reaches %s: %s object(s) refer to it, but\n"
                   "nothing reachable refers to them. It is garbage the next collection frees.\n",
                cli_id(snap, n), cli_count(w->retainer_count - w->weak_retainer_count, a));
        break;
    case MS_WHY_UNREFERENCED:
        fprintf(f, "Nothing refers to %s: it is unreachable and the next collection frees it.\n",
                cli_id(snap, n));
        break;
    case MS_WHY_RETAINED:
        fprintf(f, "Retained by (shortest path from the GC roots, %s hops):\n",
                cli_count(w->path.length - 1, a));
        cli_print_path(f, snap, &w->path, "  ");
        fprintf(f, "\nKept alive by (dominators, nearest first: free any one and %s goes):\n",
                cli_id(snap, n));
        if (w->dominator_count == 0)
            fputs("  nothing but the GC roots\n", f);
        for (size_t i = 0; i < w->dominator_count; i++) {
            if (w->dominator_count > 21 && i == 10) {
                fprintf(f, "  %11s  ... %s more ...\n", "", cli_count(w->dominator_count - 20, a));
                i = w->dominator_count - 11;
                continue;
            }
            fprintf(f, "  %11s  ", cli_size(ms_node_retained_size(snap, w->dominators[i]), a));
            cli_print_object(f, snap, w->dominators[i]);
            fputc('\n', f);
        }
        if (w->other_count) {
            fprintf(f, "\nAlso retained through %zu other retainer%s:\n", w->other_count,
                    w->other_count == 1 ? "" : "s");
            for (size_t i = 0; i < w->other_count; i++) {
                fprintf(f, "  path %zu (%s hops):\n", i + 2, cli_count(w->others[i].length - 1, a));
                cli_print_path(f, snap, &w->others[i], "  ");
            }
        }
        if (w->weak_retainer_count)
            fprintf(f, "\n(%s weak reference%s also point at it; they do not keep it alive.)\n",
                    cli_count(w->weak_retainer_count, a), w->weak_retainer_count == 1 ? "" : "s");
        break;
    }
}

/* Answers for every id in ids[0..n); one JSON document or text blocks. */
static int why_objects(ms_snapshot *snap, const char *file, char **ids, int nids, size_t k,
                       bool json, bool raw, const char *out)
{
    ms_error err = MS_ERROR_INIT;
    cJSON *doc = NULL, *list = NULL;
    cli_output o = {0};
    int rc = CLI_OK;

    if (json) {
        doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "schema", "memsnap.why/1");
        cJSON_AddItemToObject(doc, "snapshot", cli_snapshot_json(snap, file));
        cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
        cJSON_AddStringToObject(doc, "mode", nids == 1 ? "object" : "objects");
        if (nids > 1) {
            list = cJSON_CreateArray();
            cJSON_AddItemToObject(doc, "objects", list);
        }
    } else if ((rc = cli_output_open(&o, out)) != CLI_OK) {
        return rc;
    }
    for (int i = 0; i < nids; i++) {
        ms_node n;
        ms_why *w = NULL;
        if (cli_parse_id(snap, ids[i], &n) != 0) {
            fprintf(stderr, "memsnap: %s: no object with id %s\n", file, ids[i]);
            rc = CLI_BAD_INPUT;
            break;
        }
        if (ms_why_compute(snap, n, k, &w, &err) < 0) {
            rc = cli_fail(&err);
            break;
        }
        if (json) {
            cJSON *one = why_json(snap, w);
            if (nids == 1) {
                /* a single answer's fields go in the document itself */
                cJSON *it = one->child;
                while (it) {
                    cJSON *next = it->next;
                    cJSON_AddItemToObject(doc, it->string, cJSON_DetachItemViaPointer(one, it));
                    it = next;
                }
                cJSON_Delete(one);
            } else {
                cJSON_AddItemToArray(list, one);
            }
        } else {
            if (i > 0)
                fputs("\n", o.f);
            why_text(o.f, snap, w);
        }
        ms_why_free(w);
    }
    if (json) {
        if (rc == CLI_OK)
            rc = cli_write_json(doc, out);
        cJSON_Delete(doc);
    } else {
        int close_rc = cli_output_close(&o, rc == CLI_OK);
        if (rc == CLI_OK)
            rc = close_rc;
    }
    return rc;
}

static int why_class(ms_snapshot *snap, const char *file, const char *name, uint64_t top, bool json,
                     bool raw, const char *out)
{
    ms_error err = MS_ERROR_INIT;
    ms_path_groups *w = NULL;
    size_t groups, shown;
    int rc;
    char a[32], b[32];

    if (ms_path_groups_by_class(snap, name, &w, &err) < 0)
        return cli_fail(&err);
    groups = ms_path_groups_count(w);
    shown = top && top < groups ? (size_t)top : groups;
    if (json) {
        cJSON *doc = cJSON_CreateObject(), *list = cJSON_CreateArray();
        cJSON_AddStringToObject(doc, "schema", "memsnap.why/1");
        cJSON_AddItemToObject(doc, "snapshot", cli_snapshot_json(snap, file));
        cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
        cJSON_AddStringToObject(doc, "mode", "class");
        cJSON_AddItemToObject(doc, "class", cli_json_string(name, strlen(name)));
        cJSON_AddNumberToObject(doc, "instances", (double)ms_path_groups_instances(w));
        cJSON_AddNumberToObject(doc, "group_count", (double)groups);
        for (size_t i = 0; i < shown; i++) {
            const ms_path_group *g = ms_path_groups_get(w, i);
            cJSON *gj = cJSON_CreateObject();
            cJSON_AddNumberToObject(gj, "count", (double)g->count);
            cJSON_AddNumberToObject(gj, "retained_size", (double)g->retained_size);
            cJSON_AddItemToObject(gj, "example", cli_object_json(snap, g->example));
            cJSON_AddItemToObject(gj, "path", cli_path_json(snap, &g->path));
            cJSON_AddItemToArray(list, gj);
        }
        cJSON_AddItemToObject(doc, "groups", list);
        rc = cli_write_json(doc, out);
        cJSON_Delete(doc);
    } else {
        cli_output o;
        if ((rc = cli_output_open(&o, out)) != CLI_OK) {
            ms_path_groups_free(w);
            return rc;
        }
        fprintf(o.f, "%s: %s instances of %s, in %s group%s by retention path\n", file,
                cli_count(ms_path_groups_instances(w), a), name, cli_count(groups, b),
                groups == 1 ? "" : "s");
        for (size_t i = 0; i < shown; i++) {
            const ms_path_group *g = ms_path_groups_get(w, i);
            fprintf(o.f, "\n#%zu  %s instance%s retaining %s; for example %s:\n", i + 1,
                    cli_count(g->count, a), g->count == 1 ? "" : "s", cli_size(g->retained_size, b),
                    cli_id(snap, g->example));
            if (g->path.length)
                cli_print_path(o.f, snap, &g->path, "  ");
            else
                fputs("  (no strong path from the GC roots: weakly held or garbage)\n", o.f);
        }
        if (shown < groups)
            fprintf(o.f, "\n... %s more groups (-n 0 shows all)\n", cli_count(groups - shown, a));
        rc = cli_output_close(&o, true);
    }
    ms_path_groups_free(w);
    return rc;
}

int cmd_why(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    cli_common opt;
    why_args wa;
    const char *file, *cls;
    char **ids;
    int nids, rc;
    double t_load, t0, t_analysis, t_query;

    if ((rc = cli_parse_args(&why_cmd, argc, argv, &opt, &wa)) != CLI_RUN)
        return rc;
    file = opt.operands[0];
    ids = opt.operands + 1;
    nids = opt.noperands - 1;
    cls = wa.cls;
    for (int i = 0; !cls && i < nids; i++) {
        /* Check the ids' syntax before the (long) load. */
        uint64_t id;
        if (!cli_parse_id_text(ids[i], &id))
            return cli_usage_error("why: '%s' is not an object id (@123, 123 or 0x...)", ids[i]);
    }
    if (cli_open(file, &snap, &t_load, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(snap, opt.raw_sizes ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    /* The analyses every answer needs, once; the question itself after. */
    t0 = cli_now();
    /* Several questions: an index of retainers beats scanning all edges
     * for each (docs/performance.md). */
    if (ms_snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES |
                                      (cls ? MS_ANALYSIS_DOMINATOR_TREE : 0) |
                                      (!cls && nids > 3 ? MS_ANALYSIS_RETAINERS : 0),
                            &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    t_analysis = cli_now() - t0;
    t0 = cli_now();
    if (cls) {
        rc = why_class(snap, file, cls, opt.top, opt.json, opt.raw_sizes, opt.output);
    } else {
        rc = why_objects(snap, file, ids, nids, (size_t)wa.paths, opt.json, opt.raw_sizes,
                         opt.output);
    }
    t_query = cli_now() - t0;
    if (opt.timings)
        fprintf(stderr, "{\"load\": %.3f, \"analysis\": %.3f, \"query\": %.3f, \"queries\": %d}\n",
                t_load, t_analysis, t_query, cls ? 1 : nids);
done:
    ms_snapshot_free(snap);
    return rc;
}
