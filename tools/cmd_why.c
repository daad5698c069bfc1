/*
 * cmd_why.c: `memsnap why SNAP ID` - what keeps an object alive;
 * `memsnap why SNAP --class NAME` - its class's instances grouped by path.
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "cli_paths.h"
#include "commands.h"

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
        CLI_OPT_JSON("JSON output (schema memsnap.why/2, docs/schema/why.schema.json)"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TIMINGS("print load, analysis and query seconds as JSON on stderr"),
        CLI_OPT_FULL,
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

/* A question and what is needed to answer it. */
typedef struct query {
    cli_input in;
    char **ids;              /* the ids asked about (form 1) */
    int nids;
    size_t paths;            /* --paths: further paths per object */
    const char *cls;         /* --class NAME (form 2) */
    ms_path_groups *groups;  /* its instances grouped by path; owned */
    size_t shown;            /* groups listed (-n) */
} query;

/* The answer for ids[i]: CLI_OK with *w (freed by the caller), or the exit
 * code after printing why. */
static int answer(const query *q, int i, ms_why **w)
{
    ms_error err = MS_ERROR_INIT;
    ms_node n;
    if (cli_parse_id(q->in.snap, q->ids[i], &n) != 0) {
        fprintf(stderr, "memsnap: %s: no object with id %s\n", q->in.file, q->ids[i]);
        return CLI_BAD_INPUT;
    }
    if (ms_why_compute(q->in.snap, n, q->paths, w, &err) < 0)
        return cli_fail(&err);
    return CLI_OK;
}

/* The answers as one JSON document: a single answer's fields in the
 * document itself, several in its "objects" list.  Nothing is written
 * when an answer fails. */
static int objects_json(const query *q, const char *out)
{
    cJSON *doc = cli_json_doc("memsnap.why/2", &q->in), *list = NULL;
    int rc = CLI_OK;
    cJSON_AddStringToObject(doc, "mode", q->nids == 1 ? "object" : "objects");
    if (q->nids > 1)
        list = cJSON_AddArrayToObject(doc, "objects");
    for (int i = 0; i < q->nids && rc == CLI_OK; i++) {
        ms_why *w = NULL;
        cJSON *one;
        if ((rc = answer(q, i, &w)) != CLI_OK)
            break;
        one = why_json(q->in.snap, w);
        ms_why_free(w);
        if (list) {
            cJSON_AddItemToArray(list, one);
            continue;
        }
        for (cJSON *it = one ? one->child : NULL, *next; it; it = next) {
            next = it->next;
            cJSON_AddItemToObject(doc, it->string, cJSON_DetachItemViaPointer(one, it));
        }
        cJSON_Delete(one);
    }
    if (rc != CLI_OK) {
        cJSON_Delete(doc);
        return rc;
    }
    return cli_write_doc(doc, out);
}

/* The answers as text blocks, a blank line between them (ctx: a query). */
static int objects_text(FILE *f, void *ctx)
{
    const query *q = ctx;
    for (int i = 0; i < q->nids; i++) {
        ms_why *w = NULL;
        int rc = answer(q, i, &w);
        if (rc != CLI_OK)
            return rc;
        if (i > 0)
            fputs("\n", f);
        why_text(f, q->in.snap, w);
        ms_why_free(w);
    }
    return CLI_OK;
}

/* The class's groups as JSON (mode "class"). */
static cJSON *class_json(const query *q)
{
    cJSON *doc = cli_json_doc("memsnap.why/2", &q->in), *list;
    cJSON_AddStringToObject(doc, "mode", "class");
    cJSON_AddItemToObject(doc, "class", cli_json_string(q->cls, strlen(q->cls)));
    cJSON_AddNumberToObject(doc, "instances", (double)ms_path_groups_instances(q->groups));
    cJSON_AddNumberToObject(doc, "group_count", (double)ms_path_groups_count(q->groups));
    list = cJSON_AddArrayToObject(doc, "groups");
    for (size_t i = 0; i < q->shown; i++) {
        const ms_path_group *g = ms_path_groups_get(q->groups, i);
        cJSON *gj = cJSON_CreateObject();
        char sig[2048];
        size_t len = ms_path_signature(q->in.snap, &g->path, sig, sizeof sig);
        cJSON_AddNumberToObject(gj, "count", (double)g->count);
        cJSON_AddNumberToObject(gj, "retained_size", (double)g->retained_size);
        cJSON_AddItemToObject(gj, "signature",
                              cli_json_string(sig, len < sizeof sig ? len : sizeof sig - 1));
        cJSON_AddItemToObject(gj, "example", cli_object_json(q->in.snap, g->example));
        cJSON_AddItemToObject(gj, "path", cli_path_json(q->in.snap, &g->path));
        cJSON_AddItemToArray(list, gj);
    }
    return doc;
}

/* The class's groups as text (ctx: a query). */
static int class_text(FILE *f, void *ctx)
{
    const query *q = ctx;
    size_t groups = ms_path_groups_count(q->groups);
    char a[32], b[32];
    fprintf(f, "%s: %s instances of %s, in %s group%s by retention path\n", q->in.file,
            cli_count(ms_path_groups_instances(q->groups), a), q->cls, cli_count(groups, b),
            groups == 1 ? "" : "s");
    for (size_t i = 0; i < q->shown; i++) {
        fputc('\n', f);
        cli_print_group(f, q->in.snap, ms_path_groups_get(q->groups, i), i + 1, "instance", "");
    }
    cli_print_more(f, q->shown, groups, "groups", true);
    return CLI_OK;
}

/* Answers the question asked (the analyses done): the class's instances
 * grouped by path, or each id's retainers. */
static int why_answer(query *q, const cli_common *opt)
{
    ms_error err = MS_ERROR_INIT;
    if (!q->cls)
        return opt->json ? objects_json(q, opt->output)
                         : cli_write_text(opt->output, objects_text, q);
    if (ms_path_groups_by_class(q->in.snap, q->cls, &q->groups, &err) < 0)
        return cli_fail(&err);
    q->shown = cli_shown(opt->top, ms_path_groups_count(q->groups));
    return opt->json ? cli_write_doc(class_json(q), opt->output)
                     : cli_write_text(opt->output, class_text, q);
}

int cmd_why(int argc, char **argv)
{
    query q;
    cli_common opt;
    why_args wa;
    double t0, t_analysis, t_query;
    int rc;

    if ((rc = cli_parse_args(&why_cmd, argc, argv, &opt, &wa)) != CLI_RUN)
        return rc;
    cli_set_full_paths(opt.full_paths);
    q = (query){.ids = opt.operands + 1, .nids = opt.noperands - 1, .paths = (size_t)wa.paths,
                .cls = wa.cls};
    for (int i = 0; !q.cls && i < q.nids; i++) {
        /* Check the ids' syntax before the (long) load. */
        uint64_t id;
        if (!cli_parse_id_text(q.ids[i], &id))
            return cli_usage_error("why: '%s' is not an object id (@123, 123 or 0x...)", q.ids[i]);
    }
    if ((rc = cli_open_input(&q.in, &opt)) != CLI_OK)
        return rc;
    /* The analyses every answer needs, once; the question itself after.
     * Several questions: an index of retainers beats scanning all edges
     * for each (docs/performance.md). */
    t0 = cli_now();
    rc = cli_compute(q.in.snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES |
                                 (q.cls ? MS_ANALYSIS_DOMINATOR_TREE : 0) |
                                 (!q.cls && q.nids > 3 ? MS_ANALYSIS_RETAINERS : 0));
    if (rc == CLI_OK) {
        t_analysis = cli_now() - t0;
        t0 = cli_now();
        rc = why_answer(&q, &opt);
        t_query = cli_now() - t0;
        if (opt.timings)
            fprintf(stderr,
                    "{\"load\": %.3f, \"analysis\": %.3f, \"query\": %.3f, \"queries\": %d}\n",
                    q.in.seconds, t_analysis, t_query, q.cls ? 1 : q.nids);
    }
    ms_path_groups_free(q.groups);
    cli_close_input(&q.in);
    return rc;
}
