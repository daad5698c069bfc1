/*
 * cmd_dominators.c: `memsnap dominators SNAP` - the dominator tree from the
 * root, biggest subtrees first.
 */
#include "cli_doc.h"
#include "cli_opt.h"
#include "cli_paths.h"
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
        CLI_OPT_JSON("JSON output (schema memsnap.dominators/2): a flat list in tree order, each "
                     "node with its depth and dominator"),
        CLI_OPT_RAW_SIZES,
        CLI_OPT_TAIL,
    },
    .description =
        "The dominator tree from the root: each object below the objects that alone\n"
        "keep it alive, children sorted by retained size.  Subtrees retaining less\n"
        "than SIZE are left out, and so is everything below depth D.\n",
};

/* The tree to show, once the analyses are done. */
typedef struct tree {
    cli_input in;
    uint64_t depth;             /* levels below the root shown */
    uint64_t max_children;      /* per object */
    uint64_t min_size;          /* smallest retained size shown, bytes */
    uint64_t total;             /* the heap: the root's retained size */
    ms_node *shown;             /* the objects shown, by node index; owned */
    uint64_t *reach;            /* the last edge of each one's retention path; owned */
    uint64_t *holder_reach;     /* and of the source of that edge; owned */
    size_t nshown, shown_cap;
} tree;

/* An object waiting on the walk's stack. */
typedef struct item {
    ms_node node;
    uint32_t depth;
    bool last;                  /* the last of its siblings shown */
} item;

/* An object as the walk shows it, with what is left out below it. */
typedef struct visit {
    item at;
    uint64_t rest_count;        /* children not shown (all of them at the last level) */
    uint64_t rest_size;         /* what they retain (0 at the last level) */
} visit;

/* qsort order of children: retained size descending, then node index;
 * sort_snap is the snapshot they belong to. */
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

/* The analyses, and the options resolved against the heap's size. */
static int tree_compute(tree *t, const dominators_args *da)
{
    int rc = cli_compute(t->in.snap, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED |
                                      MS_ANALYSIS_DOMINATOR_TREE | MS_ANALYSIS_CLASSES | MS_ANALYSIS_SOURCES);
    if (rc != CLI_OK)
        return rc;
    t->total = ms_node_retained_size(t->in.snap, ms_snapshot_root(t->in.snap));
    t->depth = da->depth;
    t->max_children = da->max_children;
    t->min_size = da->min_size.bytes;
    if (da->min_size.percent >= 0)
        t->min_size = (uint64_t)((double)t->total * da->min_size.percent / 100.0);
    return CLI_OK;
}

/* Walks the tree depth-first from the root, children largest first, and
 * calls show(ctx, t, v) for each object shown.  An explicit stack: chains
 * of dominators can be millions long.  CLI_OK, or CLI_FAILED after
 * printing that memory ran out. */
static int walk(const tree *t, void (*show)(void *ctx, const tree *t, const visit *v), void *ctx)
{
    size_t sp = 0, stack_cap = 256, kids_cap = 0;
    item *stack = malloc(stack_cap * sizeof *stack);
    ms_node *kids = NULL;
    int rc = CLI_OK;

    if (!stack)
        return cli_out_of_memory();
    stack[sp++] = (item){ms_snapshot_root(t->in.snap), 0, true};
    while (sp && rc == CLI_OK) {
        visit v = {stack[--sp], 0, 0};
        size_t nk = 0;
        if (v.at.depth < t->depth) {
            nk = pick_children(t->in.snap, v.at.node, t->min_size, t->max_children, &kids,
                               &kids_cap, &v.rest_count, &v.rest_size);
        } else {
            const ms_node *unused;
            v.rest_count = ms_node_dominated(t->in.snap, v.at.node, &unused);
        }
        show(ctx, t, &v);
        if (sp + nk > stack_cap) {
            item *p;
            while (sp + nk > stack_cap)
                stack_cap *= 2;
            if (!(p = realloc(stack, stack_cap * sizeof *stack))) {
                rc = cli_out_of_memory();
                break;
            }
            stack = p;
        }
        /* pushed smallest first, so the largest is shown next */
        for (size_t i = nk; i > 0; i--)
            stack[sp++] = (item){kids[i - 1], v.at.depth + 1, i == nk};
    }
    free(stack);
    free(kids);
    return rc;
}

/* Collects the objects the walk shows (ctx: the tree). */
static void collect(void *ctx, const tree *t, const visit *v)
{
    tree *w = ctx;
    (void)t;
    if (w->nshown == w->shown_cap) {
        size_t cap = w->shown_cap ? 2 * w->shown_cap : 256;
        ms_node *p = realloc(w->shown, cap * sizeof *p);
        if (!p)
            return; /* names are left out past here */
        w->shown = p;
        w->shown_cap = cap;
    }
    w->shown[w->nshown++] = v->at.node;
}

static int node_cmp(const void *a, const void *b)
{
    ms_node x = *(const ms_node *)a, y = *(const ms_node *)b;
    return x < y ? -1 : x > y;
}

/* How each object shown is reached (ms_retention_edges), to name it and
 * the edge into it.  CLI_OK, or the exit code after printing why. */
static int tree_reach(tree *t)
{
    int rc = walk(t, collect, t);
    if (rc != CLI_OK)
        return rc;
    qsort(t->shown, t->nshown, sizeof *t->shown, node_cmp);
    return cli_reach_edges(t->in.snap, t->shown, t->nshown, &t->reach, &t->holder_reach);
}

/* The last edge of n's retention path (*holder_e: its holder's),
 * UINT64_MAX when not known. */
static uint64_t reach_of(const tree *t, ms_node n, uint64_t *holder_e)
{
    const ms_node *p = t->reach ? bsearch(&n, t->shown, t->nshown, sizeof n, node_cmp) : NULL;
    *holder_e = p ? t->holder_reach[p - t->shown] : UINT64_MAX;
    return p ? t->reach[p - t->shown] : UINT64_MAX;
}

/* One object of the JSON "nodes" list (ctx: the list). */
static void show_json(void *ctx, const tree *t, const visit *v)
{
    ms_snapshot *snap = t->in.snap;
    ms_node n = v->at.node;
    cJSON *j = cJSON_CreateObject();
    const char *cls = ms_node_class(snap, n);
    cJSON_AddNumberToObject(j, "id", (double)ms_node_id(snap, n));
    cJSON_AddNumberToObject(j, "depth", v->at.depth);
    cJSON_AddNumberToObject(j, "dominator_id",
                            (double)ms_node_id(snap, ms_node_dominator(snap, n)));
    cJSON_AddStringToObject(j, "type", ms_node_type(snap, n));
    cJSON_AddItemToObject(j, "class", cli_json_string(cls, strlen(cls)));
    cJSON_AddItemToObject(j, "name", cli_label_json(snap, n, 128));
    cli_add_node_details(j, snap, n);
    {
        uint64_t he, e = reach_of(t, n, &he);
        cli_add_reached_by(j, snap, e, he);
    }
    cli_add_node_sizes(j, snap, n);
    cJSON_AddNumberToObject(j, "children_not_shown", (double)v->rest_count);
    if (v->at.depth < t->depth)
        cJSON_AddNumberToObject(j, "retained_not_shown", (double)v->rest_size);
    cJSON_AddItemToArray(ctx, j);
}

/* dominators' JSON document (memsnap.dominators/2): the tree as a flat
 * list in the order the walk shows it. */
static int dominators_json(const tree *t, const char *out)
{
    cJSON *doc = cli_json_doc("memsnap.dominators/2", &t->in);
    int rc;
    cJSON_AddNumberToObject(doc, "total_size", (double)t->total);
    cJSON_AddNumberToObject(doc, "depth", (double)t->depth);
    cJSON_AddNumberToObject(doc, "min_size", (double)t->min_size);
    if ((rc = walk(t, show_json, cJSON_AddArrayToObject(doc, "nodes"))) != CLI_OK) {
        cJSON_Delete(doc);
        return rc;
    }
    return cli_write_doc(doc, out);
}

/* The text report's state: where it goes, and for each depth whether the
 * object last drawn there was the last of its siblings (then no "│" runs
 * down past it). */
typedef struct text_state {
    FILE *f;
    bool *last_at;
} text_state;

/* One line of the text tree (ctx: a text_state). */
static void show_text(void *ctx, const tree *t, const visit *v)
{
    text_state *s = ctx;
    uint64_t r = ms_node_retained_size(t->in.snap, v->at.node);
    char a[32], b[32];
    fprintf(s->f, "%11s  %5.1f%%  ", cli_size(r, a),
            t->total ? 100.0 * (double)r / (double)t->total : 0.0);
    for (uint32_t l = 1; l < v->at.depth; l++)
        fputs(s->last_at[l] ? "   " : "\xE2\x94\x82  ", s->f); /* "│  " */
    if (v->at.depth > 0) /* "└─ " or "├─ " */
        fputs(v->at.last ? "\xE2\x94\x94\xE2\x94\x80 " : "\xE2\x94\x9C\xE2\x94\x80 ", s->f);
    {
        uint64_t he, e = reach_of(t, v->at.node, &he);
        cli_print_reached_object(s->f, t->in.snap, v->at.node, e, he);
    }
    if (v->at.depth < t->depth && v->rest_count)
        fprintf(s->f, "  (+%s more, %s)", cli_count(v->rest_count, a),
                cli_size(v->rest_size, b));
    fputc('\n', s->f);
    s->last_at[v->at.depth] = v->at.last;
}

/* dominators' text report: a heading, then the tree drawn with one object
 * per line. */
static int dominators_text(FILE *f, void *ctx)
{
    const tree *t = ctx;
    text_state s = {f, calloc(t->depth + 2, sizeof *s.last_at)};
    char a[32];
    int rc;
    if (!s.last_at)
        return cli_out_of_memory();
    fprintf(f, "%s: dominator tree, %" PRIu64 " levels, subtrees retaining at least %s\n\n",
            t->in.file, t->depth, cli_size(t->min_size, a));
    fprintf(f, "%11s  %6s  %s\n", "retained", "%", "object");
    rc = walk(t, show_text, &s);
    free(s.last_at);
    return rc;
}

int cmd_dominators(int argc, char **argv)
{
    tree t = {0};
    cli_common opt;
    dominators_args da;
    int rc;

    if ((rc = cli_start(&dominators_cmd, argc, argv, &opt, &da, &t.in)) != CLI_RUN)
        return rc;
    if ((rc = tree_compute(&t, &da)) == CLI_OK && (rc = tree_reach(&t)) == CLI_OK)
        rc = opt.json ? dominators_json(&t, opt.output)
                      : cli_write_text(opt.output, dominators_text, &t);
    free(t.shown);
    free(t.reach);
    free(t.holder_reach);
    cli_close_input(&t.in);
    return rc;
}
