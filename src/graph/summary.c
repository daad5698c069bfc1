/*
 * summary.c: objects grouped by class (DevTools' Summary view).
 *
 * Reference: HeapSnapshot.ts buildAggregates and
 * calculateClassesRetainedSize.  Nodes whose shallow size is 0 are not
 * counted (DevTools hides them).  A class's distance is the smallest of its
 * objects'.  A class's retained size counts each of its objects whose
 * dominator chain holds no other object of the class with a non-zero size:
 * the memory the class holds as a whole, without counting nested instances
 * twice.  That needs a walk of the dominator tree with, per class, the number
 * of such objects on the current path: explicit stack, no recursion.
 */
#include "classes.h"

#include "../snapshot/snapshot.h"
#include "../util/sort.h"

#include <string.h>

struct ms_summary {
    ms_class_row *rows;
    size_t count;
};

#define EXIT_BIT 0x80000000u /* stack entry: leaving this node's subtree */

/* retained[class] as DevTools' calculateClassesRetainedSize. */
static int class_retained(const ms_snapshot *snap, const ms__classes *cl, const uint64_t *shallow,
                          uint64_t *out, ms_error *err)
{
    const ms__graph *g = snap->g;
    uint32_t *active = NULL, *stack = NULL;
    uint64_t sp = 0, cap = 1024;
    int rc = MS_OK;

    MS_TRY(ms__alloc_array_zero(&active, cl->count, 4, "summary", err));
    MS_TRY(ms__alloc_array(&stack, cap, 4, "summary", err));
    stack[sp++] = g->root;
    while (sp) {
        uint32_t entry = stack[--sp], n = entry & ~EXIT_BIT, c = cl->of[n];
        uint32_t kids;
        if (entry & EXIT_BIT) {
            active[c]--;
            continue;
        }
        kids = snap->dom_first[n + 1] - snap->dom_first[n];
        if (sp + kids + 1 > cap) {
            while (sp + kids + 1 > cap)
                cap *= 2;
            MS_TRY(ms__realloc_array(&stack, cap, 4, "summary", err));
        }
        if (ms__shallow_of(g, shallow, n) && active[c] == 0) {
            out[c] += snap->retained[n];
            if (kids) {
                active[c]++;
                stack[sp++] = n | EXIT_BIT;
            }
        }
        memcpy(stack + sp, snap->dom_child + snap->dom_first[n], (size_t)kids * 4);
        sp += kids;
    }
done:
    free(active);
    free(stack);
    return rc;
}

/* Rows by the key *ctx (an ms_summary_sort), then shallow size, key and
 * first node: a total order. */
static int row_cmp(const void *a, const void *b, const void *ctx)
{
    const ms_class_row *x = a, *y = b;
    uint64_t kx, ky;
    int c;
    switch (*(const ms_summary_sort *)ctx) {
    case MS_SORT_SHALLOW: kx = x->shallow_size, ky = y->shallow_size; break;
    case MS_SORT_COUNT: kx = x->count, ky = y->count; break;
    default: kx = x->retained_size, ky = y->retained_size; break;
    }
    if (kx != ky)
        return kx > ky ? -1 : 1;
    if (x->shallow_size != y->shallow_size)
        return x->shallow_size > y->shallow_size ? -1 : 1;
    c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->first < y->first ? -1 : x->first > y->first;
}

int ms_summary_compute(ms_snapshot *snap, const ms_summary_options *opts, ms_summary **out,
                       ms_error *err)
{
    ms_summary_options defaults = MS_SUMMARY_OPTIONS_INIT;
    const ms__graph *g;
    const uint64_t *shallow;
    ms__classes *cl;
    ms_summary *s = NULL;
    ms_class_row *rows = NULL;
    uint32_t *row_of = NULL;
    uint64_t *retained = NULL;
    size_t nrows = 0;
    int rc = MS_OK;

    if (!snap || !out)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_summary_compute: bad arguments");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != MS_SUMMARY_OPTIONS_VERSION)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_summary_options.version is %u, expected %u",
                        opts->version, MS_SUMMARY_OPTIONS_VERSION);
    g = snap->g;
    MS_TRY(ms_snapshot_compute(snap, MS_ANALYSIS_CLASSES | MS_ANALYSIS_DISTANCES |
                                         MS_ANALYSIS_RETAINED | MS_ANALYSIS_DOMINATOR_TREE,
                               err));
    MS_TRY(ms__snapshot_shallow(snap, &shallow, err));
    if (opts->group == MS_GROUP_SITE) {
        if (!snap->sites)
            MS_TRY(ms__classes_by_site(g, &snap->pool, &snap->sites, err));
        cl = snap->sites;
    } else {
        cl = snap->classes;
    }

    MS_TRY(ms__alloc_array_zero(&retained, cl->count, 8, "summary", err));
    MS_TRY(class_retained(snap, cl, shallow, retained, err));
    MS_TRY(ms__alloc_array(&row_of, cl->count, 4, "summary", err));
    for (uint32_t c = 0; c < cl->count; c++)
        row_of[c] = UINT32_MAX;
    MS_TRY(ms__alloc_array(&rows, cl->count, sizeof *rows, "summary", err));
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint64_t size = ms__shallow_of(g, shallow, n);
        uint32_t c = cl->of[n];
        int32_t d = snap->distance[n];
        ms_class_row *r;
        if (size == 0)
            continue;
        if (row_of[c] == UINT32_MAX) {
            row_of[c] = (uint32_t)nrows;
            r = &rows[nrows++];
            r->key = ms__class_key(cl, c);
            r->name = ms__class_name(cl, c);
            r->count = 0;
            r->shallow_size = 0;
            r->retained_size = retained[c];
            r->distance = d;
            r->first = n;
        }
        r = &rows[row_of[c]];
        r->count++;
        r->shallow_size += size;
        if (d < r->distance)
            r->distance = d;
    }
    MS_TRY(ms__sort(rows, nrows, sizeof *rows, row_cmp, &opts->sort, err));
    s = calloc(1, sizeof *s);
    if (!s) {
        rc = ms__oom(err, "summary");
        goto done;
    }
    s->rows = rows;
    s->count = nrows;
    rows = NULL;
    *out = s;
done:
    free(rows);
    free(row_of);
    free(retained);
    return rc;
}

size_t ms_summary_row_count(const ms_summary *s) { return s->count; }
const ms_class_row *ms_summary_row(const ms_summary *s, size_t i) { return &s->rows[i]; }

void ms_summary_free(ms_summary *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s);
}
