/*
 * cmd_dominators.c: `memsnap dominators SNAP` - the dominator tree from the
 * root, biggest subtrees first.
 */
#include "cli.h"
#include "cli_opt.h"
#include "commands.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* dominators' own options (the shared ones are in cli_common). */
typedef struct dominators_args {
    uint64_t depth, max_children;
    cli_size_arg min_size;
} dominators_args;

static const cli_cmd dominators_cmd = {
    .name = "dominators",
    .forms = {CLI_FORM_SNAPSHOT},
    .opts = (const cli_opt[]){
        {.name = "depth", .arg = "D", .help = "levels below the root to show (default 4)",
         CLI_U64(dominators_args, depth, 4, 0, 100000)},
        {.name = "min-size", .arg = "SIZE",
         .help = "smallest retained size shown: bytes, or with a suffix K, M, G (binary: "
                 "1K = 1024), or N% of the heap (default 1%)",
         CLI_SIZE(dominators_args, min_size, "1%", true)},
        {.name = "max-children", .arg = "N", .help = "at most N children per object (default 10)",
         CLI_U64(dominators_args, max_children, 10, 1, UINT64_MAX)},
        CLI_OPT_JSON("JSON output (schema memsnap.dominators/1): a flat list in tree order, each "
                     "node with its depth and dominator"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TAIL,
    },
    .description =
        "The dominator tree from the root: each object below the objects that alone\n"
        "keep it alive, children sorted by retained size.  Subtrees retaining less\n"
        "than SIZE are left out, and so is everything below depth D.\n",
};

typedef struct item {
    ms_node node;
    uint32_t depth;
    bool last;
} item;

static ms_snapshot *sort_snap;

static int by_retained_desc(const void *a, const void *b)
{
    uint64_t x = ms_node_retained_size(sort_snap, *(const ms_node *)a);
    uint64_t y = ms_node_retained_size(sort_snap, *(const ms_node *)b);
    if (x != y)
        return x > y ? -1 : 1;
    return *(const ms_node *)a < *(const ms_node *)b ? -1 : 1;
}

/* The children of n worth showing, largest first, into kids (max entries);
 * *rest_count / *rest_size get what is left out. */
static size_t pick_children(ms_snapshot *snap, ms_node n, uint64_t min_size, size_t max,
                            ms_node **kids, size_t *kids_cap, uint64_t *rest_count,
                            uint64_t *rest_size)
{
    const ms_node *ch;
    uint32_t nch = ms_node_dominated(snap, n, &ch);
    size_t k = 0;
    *rest_count = 0;
    *rest_size = 0;
    for (uint32_t i = 0; i < nch; i++) {
        uint64_t r = ms_node_retained_size(snap, ch[i]);
        if (r < min_size) {
            (*rest_count)++;
            *rest_size += r;
            continue;
        }
        if (k == *kids_cap) {
            size_t cap = *kids_cap ? *kids_cap * 2 : 64;
            ms_node *p = realloc(*kids, cap * sizeof *p);
            if (!p)
                break;
            *kids = p;
            *kids_cap = cap;
        }
        (*kids)[k++] = ch[i];
    }
    sort_snap = snap;
    qsort(*kids, k, sizeof **kids, by_retained_desc);
    for (size_t i = max; i < k; i++) {
        (*rest_count)++;
        *rest_size += ms_node_retained_size(snap, (*kids)[i]);
    }
    return k < max ? k : max;
}

int cmd_dominators(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    cli_common opt;
    dominators_args da;
    const char *file, *out;
    bool json, raw;
    uint64_t depth, max_children, min_size, total;
    item *stack = NULL;
    size_t sp = 0, stack_cap = 0, kids_cap = 0;
    ms_node *kids = NULL;
    bool *last_at = NULL;
    cJSON *doc = NULL, *list = NULL;
    cli_output o = {0};
    int rc = CLI_OK;

    if ((rc = cli_parse_args(&dominators_cmd, argc, argv, &opt, &da)) != CLI_RUN)
        return rc;
    file = opt.operands[0];
    out = opt.output;
    json = opt.json;
    raw = opt.raw_sizes;
    depth = da.depth;
    max_children = da.max_children;
    min_size = da.min_size.bytes;
    if (cli_open(file, &snap, NULL, &err) < 0)
        return cli_fail(&err);
    ms_snapshot_set_sizes(snap, raw ? MS_SIZES_RAW : MS_SIZES_DEVTOOLS);
    if (ms_snapshot_compute(snap, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED |
                                      MS_ANALYSIS_DOMINATOR_TREE | MS_ANALYSIS_CLASSES,
                            &err) < 0) {
        rc = cli_fail(&err);
        goto done;
    }
    total = ms_node_retained_size(snap, ms_snapshot_root(snap));
    if (da.min_size.percent >= 0)
        min_size = (uint64_t)((double)total * da.min_size.percent / 100.0);
    last_at = calloc(depth + 2, sizeof *last_at);
    if (!last_at)
        goto oom;

    if (json) {
        cJSON *sj = cJSON_CreateObject();
        doc = cJSON_CreateObject();
        list = cJSON_CreateArray();
        cJSON_AddStringToObject(doc, "schema", "memsnap.dominators/1");
        cJSON_AddItemToObject(sj, "file", cli_json_string(file, strlen(file)));
        cJSON_AddStringToObject(sj, "format", ms_format_name(ms_snapshot_format(snap)));
        cJSON_AddNumberToObject(sj, "node_count", ms_snapshot_node_count(snap));
        cJSON_AddNumberToObject(sj, "edge_count", (double)ms_snapshot_edge_count(snap));
        cJSON_AddItemToObject(doc, "snapshot", sj);
        cJSON_AddStringToObject(doc, "sizes", raw ? "raw" : "devtools");
        cJSON_AddNumberToObject(doc, "total_size", (double)total);
        cJSON_AddNumberToObject(doc, "depth", (double)depth);
        cJSON_AddNumberToObject(doc, "min_size", (double)min_size);
    } else {
        char a[32];
        if ((rc = cli_output_open(&o, out)) != CLI_OK)
            goto done;
        fprintf(o.f, "%s: dominator tree, %" PRIu64 " levels, subtrees retaining at least %s\n\n",
                file, depth, cli_size(min_size, a));
        fprintf(o.f, "%11s  %6s  %s\n", "retained", "%", "object");
    }

    /* Depth-first, explicit stack; children pushed smallest first. */
    stack_cap = 256;
    stack = malloc(stack_cap * sizeof *stack);
    if (!stack)
        goto oom;
    stack[sp++] = (item){ms_snapshot_root(snap), 0, true};
    while (sp) {
        item it = stack[--sp];
        ms_node n = it.node;
        uint64_t r = ms_node_retained_size(snap, n), rest_count = 0, rest_size = 0;
        size_t nk = 0;
        char label[128];
        size_t ll = ms_node_label(snap, n, label, sizeof label);
        const char *cls = ms_node_class(snap, n);
        if (it.depth < depth) {
            nk = pick_children(snap, n, min_size, max_children, &kids, &kids_cap, &rest_count,
                               &rest_size);
        } else {
            const ms_node *unused;
            rest_count = ms_node_dominated(snap, n, &unused);
        }
        if (json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "id", (double)ms_node_id(snap, n));
            cJSON_AddNumberToObject(j, "depth", it.depth);
            cJSON_AddNumberToObject(j, "dominator_id", (double)ms_node_id(snap, ms_node_dominator(snap, n)));
            cJSON_AddStringToObject(j, "type", ms_node_type(snap, n));
            cJSON_AddItemToObject(j, "class", cli_json_string(cls, strlen(cls)));
            cJSON_AddItemToObject(j, "name", cli_json_string(label, ll < sizeof label ? ll : sizeof label - 1));
            cJSON_AddNumberToObject(j, "shallow_size", (double)ms_node_shallow_size(snap, n));
            cJSON_AddNumberToObject(j, "retained_size", (double)r);
            cJSON_AddNumberToObject(j, "distance", ms_node_distance(snap, n));
            cJSON_AddNumberToObject(j, "children_not_shown", (double)rest_count);
            if (it.depth < depth)
                cJSON_AddNumberToObject(j, "retained_not_shown", (double)rest_size);
            cJSON_AddItemToArray(list, j);
        } else {
            char a[32];
            fprintf(o.f, "%11s  %5.1f%%  ", cli_size(r, a), total ? 100.0 * (double)r / (double)total : 0.0);
            for (uint32_t l = 1; l < it.depth; l++)
                fputs(last_at[l] ? "   " : "\xE2\x94\x82  ", o.f); /* "│  " */
            if (it.depth > 0)
                fputs(it.last ? "\xE2\x94\x94\xE2\x94\x80 " : "\xE2\x94\x9C\xE2\x94\x80 ", o.f);
            cli_print_name(o.f, cls, strlen(cls), 60);
            fprintf(o.f, " %s", cli_node_id(snap, n, a));
            if (ll && (ll != strlen(cls) || memcmp(label, cls, ll) != 0)) {
                fputs("  ", o.f);
                cli_print_name(o.f, label, ll < sizeof label ? ll : sizeof label - 1, 50);
            }
            if (it.depth < depth && rest_count) {
                char b[32];
                fprintf(o.f, "  (+%s more, %s)", cli_count(rest_count, a), cli_size(rest_size, b));
            }
            fputc('\n', o.f);
            last_at[it.depth] = it.last;
        }
        if (sp + nk > stack_cap) {
            item *p;
            while (sp + nk > stack_cap)
                stack_cap *= 2;
            if (!(p = realloc(stack, stack_cap * sizeof *stack)))
                goto oom;
            stack = p;
        }
        for (size_t i = nk; i > 0; i--)
            stack[sp++] = (item){kids[i - 1], it.depth + 1, i == nk};
    }
    if (json) {
        cJSON_AddItemToObject(doc, "nodes", list);
        list = NULL;
        rc = cli_write_json(doc, out);
    } else {
        rc = cli_output_close(&o, true);
    }
    goto done;
oom:
    fprintf(stderr, "memsnap: out of memory\n");
    rc = CLI_FAILED;
    if (o.f)
        cli_output_close(&o, false);
done:
    cJSON_Delete(list);
    cJSON_Delete(doc);
    free(stack);
    free(kids);
    free(last_at);
    ms_snapshot_free(snap);
    return rc;
}
