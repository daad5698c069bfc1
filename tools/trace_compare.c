/*
 * trace_compare.c: compare's report of two event traces, per allocation
 * site (the library matches the sites: ms_trace_diff_compute).
 */
#include "trace_compare.h"

#include "cli_doc.h"

#include <stdlib.h>
#include <string.h>

static bool site_changed(const ms_site_diff *r)
{
    return r->live_delta != 0 || r->before.alloc_events != r->after.alloc_events ||
           r->before.free_events != r->after.free_events;
}

static size_t changed_sites(const ms_trace_diff *d)
{
    size_t c = 0;
    for (size_t i = 0; i < ms_trace_diff_count(d); i++)
        c += site_changed(ms_trace_diff_get(d, i));
    return c;
}

/* The report's heading: the change of live bytes in Markdown; in text a
 * table of the traces' totals.  Then the header of the sites' table. */
static void trace_head(FILE *f, const ms_trace_info *tb, const ms_trace_info *ta,
                       const char *bname, const char *aname, bool markdown)
{
    int64_t dl = ta->final_bytes - tb->final_bytes;
    char a[32], b[32], c[32];
    if (markdown) {
        fprintf(f, "### memsnap: live bytes %s (%s -> %s) per allocation site\n\n",
                cli_ssize(dl, a), cli_size_i64(tb->final_bytes, b),
                cli_size_i64(ta->final_bytes, c));
        fputs("| Allocation site | Live before | Live after | Change | ALLOCs before "
              "| ALLOCs after |\n"
              "| --- | ---: | ---: | ---: | ---: | ---: |\n",
              f);
        return;
    }
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

/* One changed site of the table. */
static void site_row(FILE *f, const ms_site_diff *r, bool markdown)
{
    char a[32], b[32], c[32], e[32], g[32];
    if (markdown) {
        fputs("| ", f);
        cli_md_text(f, r->site);
        fprintf(f, " | %s | %s | %s | %s | %s |\n", cli_size_i64(r->before.live_bytes, a),
                cli_size_i64(r->after.live_bytes, b), cli_ssize(r->live_delta, c),
                cli_count(r->before.alloc_events, e), cli_count(r->after.alloc_events, g));
        return;
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

void trace_compare_text(FILE *f, const ms_snapshot *before, const ms_snapshot *after,
                        const ms_trace_diff *d, const char *bname, const char *aname, size_t top,
                        bool markdown)
{
    size_t n = ms_trace_diff_count(d), changed = changed_sites(d), listed = 0;
    trace_head(f, ms_snapshot_trace(before), ms_snapshot_trace(after), bname, aname, markdown);
    for (size_t i = 0; i < n && (!top || listed < top); i++) {
        const ms_site_diff *r = ms_trace_diff_get(d, i);
        if (!site_changed(r))
            continue;
        listed++;
        site_row(f, r, markdown);
    }
    if (markdown)
        cli_md_more(f, listed, changed, "sites changed");
    else
        cli_print_more(f, listed, changed, "sites changed", false);
    if (changed == 0)
        fputs(markdown ? "\nNo allocation site changed.\n" : "(no allocation site changed)\n", f);
}

/* A trace's totals. */
static cJSON *trace_totals_json(const ms_trace_info *in)
{
    cJSON *o = cJSON_CreateObject();
    cli_add_numbers(o, (const cli_number[]){
        {"live_bytes", in->final_bytes}, {"peak_bytes", in->peak_bytes},
        {"alloc_events", in->alloc_events}, {"free_events", in->free_events},
        {"unsized_frees", in->unsized_frees}, {"sites", in->site_count}, {NULL, 0}});
    return o;
}

/* A site's numbers in one trace; null when the trace does not have it. */
static cJSON *side_json(const ms_trace_site *s, bool present)
{
    cJSON *o;
    if (!present)
        return cJSON_CreateNull();
    o = cJSON_CreateObject();
    cli_add_numbers(o, (const cli_number[]){
        {"live_bytes", s->live_bytes}, {"alloc_bytes", s->alloc_bytes},
        {"freed_bytes", s->freed_bytes}, {"alloc_events", s->alloc_events},
        {"free_events", s->free_events}, {NULL, 0}});
    return o;
}

cJSON *trace_compare_json(const ms_snapshot *before, const ms_snapshot *after,
                          const ms_trace_diff *d, size_t top)
{
    size_t n = ms_trace_diff_count(d);
    cJSON *t = cJSON_CreateObject(), *sites = cJSON_CreateArray();
    size_t listed = 0;
    cJSON_AddItemToObject(t, "before", trace_totals_json(ms_snapshot_trace(before)));
    cJSON_AddItemToObject(t, "after", trace_totals_json(ms_snapshot_trace(after)));
    cJSON_AddNumberToObject(t, "site_count", (double)changed_sites(d));
    for (size_t i = 0; i < n && (!top || listed < top); i++) {
        const ms_site_diff *r = ms_trace_diff_get(d, i);
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
