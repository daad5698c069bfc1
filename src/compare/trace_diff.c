/*
 * trace_diff.c: growth per allocation site between two event traces.
 *
 * A Memlyze trace has no objects to match by id: its graph is one node per
 * allocation site.  What a user asks of two traces is which sites hold more
 * memory at the end of the second than of the first, so sites are matched
 * by their key (the string `summary --by site` shows) and compared by live
 * bytes and event counts.
 */
#include "compare.h"

#include "../snapshot/trace.h"
#include "../util/sort.h"

#include <string.h>

struct ms_trace_diff {
    ms_site_diff *rows;
    size_t count;
};

void ms__trace_site_info(const ms__graph *g, uint32_t i, ms_trace_site *out)
{
    const ms__trace_site *s = &g->trace->sites[i];
    out->site = ms__strtab_get(&g->strings, s->name, NULL);
    out->node = s->node;
    out->alloc_events = s->alloc_events;
    out->free_events = s->free_events;
    out->alloc_bytes = s->alloc_bytes;
    out->freed_bytes = s->freed_bytes;
    out->live_bytes = s->live_bytes;
}

static int by_key(const void *x, const void *y, const void *ctx)
{
    (void)ctx;
    return strcmp(((const ms_trace_site *)x)->site, ((const ms_trace_site *)y)->site);
}

static int by_growth(const void *x, const void *y, const void *ctx)
{
    const ms_site_diff *a = x, *b = y;
    (void)ctx;
    if (a->live_delta != b->live_delta)
        return a->live_delta > b->live_delta ? -1 : 1;
    return strcmp(a->site, b->site);
}

/* g's sites sorted by key, into *out (owned by the caller). */
static int sorted_sites(const ms__graph *g, ms_trace_site **out, uint32_t *n, ms_error *err)
{
    ms_trace_site *s = NULL;
    *n = g->trace->info.site_count;
    if (ms__alloc_array(&s, *n ? *n : 1, sizeof *s, "trace diff", err) < 0)
        return MS_ENOMEM;
    for (uint32_t i = 0; i < *n; i++)
        ms__trace_site_info(g, i, &s[i]);
    if (ms__sort(s, *n, sizeof *s, by_key, NULL, err) < 0) {
        free(s);
        return MS_ENOMEM;
    }
    *out = s;
    return MS_OK;
}

int ms__trace_diff(const ms__graph *before, const ms__graph *after, ms_trace_diff **out,
                   ms_error *err)
{
    ms_trace_site *b = NULL, *a = NULL;
    ms_trace_diff *d = NULL;
    uint32_t nb, na, i = 0, j = 0;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(sorted_sites(before, &b, &nb, err));
    MS_TRY(sorted_sites(after, &a, &na, err));
    d = calloc(1, sizeof *d);
    if (!d) {
        rc = ms__oom(err, "trace diff");
        goto done;
    }
    MS_TRY(ms__alloc_array_zero(&d->rows, (uint64_t)nb + na + 1, sizeof *d->rows, "trace diff",
                                err));
    /* Merge two key-sorted lists; a key appears at most once in each. */
    while (i < nb || j < na) {
        int c = i == nb ? 1 : j == na ? -1 : strcmp(b[i].site, a[j].site);
        ms_site_diff *r = &d->rows[d->count++];
        if (c <= 0) {
            r->before = b[i++];
            r->in_before = 1;
            r->site = r->before.site;
        }
        if (c >= 0) {
            r->after = a[j++];
            r->in_after = 1;
            r->site = r->after.site;
        }
        r->live_delta = r->after.live_bytes - r->before.live_bytes;
    }
    MS_TRY(ms__sort(d->rows, d->count, sizeof *d->rows, by_growth, NULL, err));
    *out = d;
    d = NULL;
done:
    free(b);
    free(a);
    ms_trace_diff_free(d);
    return rc;
}

size_t ms_trace_diff_count(const ms_trace_diff *d) { return d->count; }
const ms_site_diff *ms_trace_diff_get(const ms_trace_diff *d, size_t i) { return &d->rows[i]; }

void ms_trace_diff_free(ms_trace_diff *d)
{
    if (!d)
        return;
    free(d->rows);
    free(d);
}
