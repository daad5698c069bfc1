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
#include "summary.h"

#include "../util/bitset.h"
#include "../util/sort.h"

#include <string.h>

struct ms_summary {
    ms_class_row *rows;
    size_t count;
};

/* retained[class]: DevTools' calculateClassesRetainedSize, the retained
 * sizes of the objects (non-zero shallow size) of each class that no
 * other object of their class dominates. */
static int class_retained(const ms__heap *h, const ms__classes *cl, uint64_t *out, ms_error *err)
{
    const ms__graph *g = h->g;
    uint64_t *member = NULL, *top = NULL;
    int rc = MS_OK;
    MS_TRY(ms__bitset_alloc(&member, g->node_count, "summary", err));
    MS_TRY(ms__bitset_alloc(&top, g->node_count, "summary", err));
    for (uint32_t n = 0; n < g->node_count; n++)
        if (ms__shallow_of(h, n))
            ms__bit_set(member, n);
    MS_TRY(ms__dominated_tops(g, h->dom_first, h->dom_child, h->retained, member, cl->of,
                              cl->count, top, NULL, NULL, err));
    for (uint32_t n = 0; n < g->node_count; n++)
        if (ms__bit(top, n))
            out[cl->of[n]] += h->retained[n];
done:
    free(member);
    free(top);
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

int ms__summary(const ms__heap *h, const ms__classes *cl, ms_summary_sort sort, ms_summary **out,
                ms_error *err)
{
    const ms__graph *g = h->g;
    ms_summary *s = NULL;
    ms_class_row *rows = NULL;
    uint32_t *row_of = NULL;
    uint64_t *retained = NULL;
    size_t nrows = 0;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(ms__alloc_array_zero(&retained, cl->count, 8, "summary", err));
    MS_TRY(class_retained(h, cl, retained, err));
    MS_TRY(ms__alloc_array(&row_of, cl->count, 4, "summary", err));
    memset(row_of, 0xFF, (size_t)cl->count * 4);
    MS_TRY(ms__alloc_array(&rows, cl->count, sizeof *rows, "summary", err));
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint64_t size = ms__shallow_of(h, n);
        uint32_t c = cl->of[n];
        int32_t d = h->distance[n];
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
    MS_TRY(ms__sort(rows, nrows, sizeof *rows, row_cmp, &sort, err));
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
const ms_class_row *ms_summary_row_get(const ms_summary *s, size_t i) { return &s->rows[i]; }

void ms_summary_free(ms_summary *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s);
}
