/*
 * trace_compare.c: growth per allocation site between two event traces.
 *
 * A Memlyze trace has no objects to match by id: its graph is one node per
 * allocation site.  What a user asks of two traces is which sites hold more
 * memory at the end of the second than of the first, so sites are matched
 * by their key (the string `summary --by site` shows) and compared by live
 * bytes and event counts.
 */
#include "trace_compare.h"

#include <stdlib.h>
#include <string.h>

static int by_key(const void *x, const void *y)
{
    return strcmp(((const ms_trace_site *)x)->site, ((const ms_trace_site *)y)->site);
}

static int by_growth(const void *x, const void *y)
{
    const site_diff *a = x, *b = y;
    if (a->live_delta != b->live_delta)
        return a->live_delta > b->live_delta ? -1 : 1;
    return strcmp(a->site, b->site);
}

static ms_trace_site *sorted_sites(const ms_snapshot *snap, uint32_t *n)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    ms_trace_site *s;
    *n = in->site_count;
    s = calloc(*n ? *n : 1, sizeof *s);
    if (!s)
        return NULL;
    for (uint32_t i = 0; i < *n; i++)
        ms_trace_site_get(snap, i, &s[i]);
    qsort(s, *n, sizeof *s, by_key);
    return s;
}

bool trace_sites_diff(const ms_snapshot *before, const ms_snapshot *after, site_diff **out,
                      size_t *count)
{
    uint32_t nb, na, i = 0, j = 0;
    ms_trace_site *b = sorted_sites(before, &nb), *a = sorted_sites(after, &na);
    site_diff *d = calloc((size_t)nb + na + 1, sizeof *d);
    size_t n = 0;

    *out = NULL;
    *count = 0;
    if (!b || !a || !d) {
        free(b), free(a), free(d);
        return false;
    }
    /* Merge two key-sorted lists; a key appears at most once in each. */
    while (i < nb || j < na) {
        int c = i == nb ? 1 : j == na ? -1 : strcmp(b[i].site, a[j].site);
        site_diff *r = &d[n++];
        if (c <= 0) {
            r->before = b[i++];
            r->in_before = true;
            r->site = r->before.site;
        }
        if (c >= 0) {
            r->after = a[j++];
            r->in_after = true;
            r->site = r->after.site;
        }
        r->live_delta = r->after.live_bytes - r->before.live_bytes;
    }
    qsort(d, n, sizeof *d, by_growth);
    free(b);
    free(a);
    *out = d;
    *count = n;
    return true;
}

static bool site_changed(const site_diff *r)
{
    return r->live_delta != 0 || r->before.alloc_events != r->after.alloc_events ||
           r->before.free_events != r->after.free_events;
}

static size_t changed_sites(const site_diff *d, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += site_changed(&d[i]);
    return c;
}

void trace_compare_text(FILE *f, const ms_snapshot *before, const ms_snapshot *after,
                        const site_diff *d, size_t n, const char *bname, const char *aname,
                        size_t top, bool markdown)
{
    const ms_trace_info *tb = ms_snapshot_trace(before), *ta = ms_snapshot_trace(after);
    size_t changed = changed_sites(d, n), listed = 0;
    int64_t dl = ta->final_bytes - tb->final_bytes;
    char a[32], b[32], c[32], e[32], g[32];

    if (markdown) {
        fprintf(f, "### memsnap: live bytes %s (%s -> %s) per allocation site\n\n",
                cli_ssize(dl, a), cli_size_i64(tb->final_bytes, b), cli_size_i64(ta->final_bytes, c));
        fputs("| Allocation site | Live before | Live after | Change | ALLOCs before | ALLOCs after |\n"
              "| --- | ---: | ---: | ---: | ---: | ---: |\n",
              f);
    } else {
        fprintf(f, "%s -> %s: event traces, compared per allocation site (matched by site)\n\n",
                bname, aname);
        fprintf(f, "  %-14s %14s %14s %14s\n", "", "before", "after", "change");
        fprintf(f, "  %-14s %14s %14s %14s\n", "live bytes", cli_size_i64(tb->final_bytes, a),
                cli_size_i64(ta->final_bytes, b), cli_ssize(dl, c));
        fprintf(f, "  %-14s %14s %14s %14s\n", "peak bytes", cli_size_i64(tb->peak_bytes, a),
                cli_size_i64(ta->peak_bytes, b), cli_ssize(ta->peak_bytes - tb->peak_bytes, c));
        fprintf(f, "  %-14s %14s %14s %14s\n", "ALLOC events", cli_count(tb->alloc_events, a),
                cli_count(ta->alloc_events, b),
                cli_scount((int64_t)(ta->alloc_events - tb->alloc_events), c));
        fprintf(f, "  %-14s %14s %14s %14s\n", "frees", cli_count(tb->free_events, a),
                cli_count(ta->free_events, b),
                cli_scount((int64_t)(ta->free_events - tb->free_events), c));
        fprintf(f, "  %-14s %14s %14s %14s\n", "sites", cli_count(tb->site_count, a),
                cli_count(ta->site_count, b),
                cli_scount((int64_t)ta->site_count - (int64_t)tb->site_count, c));
        if (tb->unsized_frees || ta->unsized_frees)
            fputs("  (frees without a size: live bytes are upper bounds, as in the traces)\n", f);
        fprintf(f, "\n%12s %12s %12s %9s %9s  %s\n", "live before", "live after", "change",
                "allocs", "frees", "allocation site");
    }
    for (size_t i = 0; i < n && (!top || listed < top); i++) {
        const site_diff *r = &d[i];
        if (!site_changed(r))
            continue;
        listed++;
        if (markdown) {
            fputs("| ", f);
            cli_md_text(f, r->site);
            fprintf(f, " | %s | %s | %s | %s | %s |\n", cli_size_i64(r->before.live_bytes, a),
                    cli_size_i64(r->after.live_bytes, b), cli_ssize(r->live_delta, c),
                    cli_count(r->before.alloc_events, e), cli_count(r->after.alloc_events, g));
            continue;
        }
        fprintf(f, "%12s %12s %12s %9s %9s  ",
                r->in_before ? cli_size_i64(r->before.live_bytes, a) : "-",
                r->in_after ? cli_size_i64(r->after.live_bytes, b) : "-", cli_ssize(r->live_delta, c),
                cli_scount((int64_t)(r->after.alloc_events - r->before.alloc_events), e),
                cli_scount((int64_t)(r->after.free_events - r->before.free_events), g));
        cli_print_name(f, r->site, strlen(r->site), 80);
        if (!r->in_before)
            fputs("  (new site)", f);
        else if (!r->in_after)
            fputs("  (not in AFTER)", f);
        fputc('\n', f);
    }
    if (listed < changed)
        fprintf(f, "%s... %s more sites changed (-n 0 shows all)\n", markdown ? "\n" : "",
                cli_count(changed - listed, a));
    if (changed == 0)
        fputs(markdown ? "\nNo allocation site changed.\n" : "(no allocation site changed)\n", f);
}

static cJSON *trace_totals_json(const ms_trace_info *in)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "live_bytes", (double)in->final_bytes);
    cJSON_AddNumberToObject(o, "peak_bytes", (double)in->peak_bytes);
    cJSON_AddNumberToObject(o, "alloc_events", (double)in->alloc_events);
    cJSON_AddNumberToObject(o, "free_events", (double)in->free_events);
    cJSON_AddNumberToObject(o, "unsized_frees", (double)in->unsized_frees);
    cJSON_AddNumberToObject(o, "sites", (double)in->site_count);
    return o;
}

static cJSON *side_json(const ms_trace_site *s, bool present)
{
    cJSON *o;
    if (!present)
        return cJSON_CreateNull();
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "live_bytes", (double)s->live_bytes);
    cJSON_AddNumberToObject(o, "alloc_bytes", (double)s->alloc_bytes);
    cJSON_AddNumberToObject(o, "freed_bytes", (double)s->freed_bytes);
    cJSON_AddNumberToObject(o, "alloc_events", (double)s->alloc_events);
    cJSON_AddNumberToObject(o, "free_events", (double)s->free_events);
    return o;
}

cJSON *trace_compare_json(const ms_snapshot *before, const ms_snapshot *after, const site_diff *d,
                          size_t n, size_t top)
{
    cJSON *t = cJSON_CreateObject(), *sites = cJSON_CreateArray();
    size_t listed = 0;
    cJSON_AddItemToObject(t, "before", trace_totals_json(ms_snapshot_trace(before)));
    cJSON_AddItemToObject(t, "after", trace_totals_json(ms_snapshot_trace(after)));
    cJSON_AddNumberToObject(t, "site_count", (double)changed_sites(d, n));
    for (size_t i = 0; i < n && (!top || listed < top); i++) {
        const site_diff *r = &d[i];
        cJSON *o;
        if (!site_changed(r))
            continue;
        listed++;
        o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "site", cli_json_string(r->site, strlen(r->site)));
        cJSON_AddItemToObject(o, "before", side_json(&r->before, r->in_before));
        cJSON_AddItemToObject(o, "after", side_json(&r->after, r->in_after));
        cJSON_AddNumberToObject(o, "live_delta", (double)r->live_delta);
        cJSON_AddItemToArray(sites, o);
    }
    cJSON_AddItemToObject(t, "sites", sites);
    return t;
}
