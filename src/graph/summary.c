/*
 * summary.c: objects grouped by class (DevTools' Summary view).
 *
 * Reference: HeapSnapshot.ts buildAggregates.  Nodes whose shallow size is 0
 * are not counted (DevTools hides them); counts and sizes are per class as
 * classes.c defines it.
 */
#include "classes.h"

#include "../snapshot/snapshot.h"

#include <string.h>

struct ms_summary {
    ms_class_row *rows;
    size_t count;
};

static int ensure_classes(ms_snapshot *snap, ms_error *err)
{
    if (snap->classes)
        return MS_OK;
    return ms__classes_compute(snap->g, ms__snapshot_is_v8(snap), &snap->classes, err);
}

static int by_size_desc(const void *a, const void *b)
{
    const ms_class_row *x = a, *y = b;
    int c;
    if (x->shallow_size != y->shallow_size)
        return x->shallow_size > y->shallow_size ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
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
    size_t nrows = 0;
    int rc = MS_OK;

    if (!snap || !out)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_summary_compute: bad arguments");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != MS_SUMMARY_OPTIONS_VERSION)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_summary_options.version is %u", opts->version);
    g = snap->g;
    MS_TRY(ensure_classes(snap, err));
    MS_TRY(ms__snapshot_shallow(snap, opts->sizes, &shallow, err));
    cl = snap->classes;

    MS_TRY(ms__alloc_array(&row_of, cl->count, 4, "summary", err));
    for (uint32_t c = 0; c < cl->count; c++)
        row_of[c] = UINT32_MAX;
    MS_TRY(ms__alloc_array(&rows, cl->count, sizeof *rows, "summary", err));
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint64_t size = ms__shallow_of(g, shallow, n);
        uint32_t c = cl->of[n];
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
            r->first = n;
        }
        r = &rows[row_of[c]];
        r->count++;
        r->shallow_size += size;
    }
    qsort(rows, nrows, sizeof *rows, by_size_desc);
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
