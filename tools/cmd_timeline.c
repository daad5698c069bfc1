/*
 * cmd_timeline.c: `memsnap timeline TRACE` - live bytes over time, the peak,
 * markers and garbage collections of an .mlyze event trace.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include "cli_doc.h"
#include "cli_opt.h"
#include "commands.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#define DEFAULT_ROWS 24
#define BAR_WIDTH 40
#define MAX_GC_LINES 20

/* timeline's own options (the shared ones are in cli_common). */
typedef struct timeline_args {
    uint64_t rows;
} timeline_args;

static const cli_cmd timeline_cmd = {
    .name = "timeline",
    .forms = {{"TRACE", 1, 1}},
    .opts = (const cli_opt[]){
        {.name = "rows", .arg = "N", .help = "at most N rows of the live-bytes chart (default 24)",
         CLI_U64(timeline_args, rows, DEFAULT_ROWS, 1, 100000)},
        CLI_OPT_JSON("JSON output (schema memsnap.timeline/1): every point of the series, every "
                     "marker and collection"),
        CLI_OPT_TAIL,
    },
    .description =
        "What an .mlyze trace (Memlyze's tracer, or memsnap_record) recorded over\n"
        "time: live bytes (allocated minus the frees whose size is known), the peak\n"
        "and when it happened, markers and garbage collections.  Times are seconds\n"
        "after the trace started.\n",
};

/* "+1.234 s": a time after the trace started. */
static const char *secs(uint64_t us, char buf[32])
{
    snprintf(buf, 32, "+%.3f s", (double)us / 1e6);
    return buf;
}

/* The wall-clock time the trace started, in UTC. */
static void start_time(uint64_t us, char buf[64])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, 64, "%Y-%m-%d %H:%M:%S UTC", &tm);
    else
        snprintf(buf, 64, "%" PRIu64 " us after the epoch", us);
}

/* ---- JSON ------------------------------------------------------------------ */

/* Every point of the live-bytes series. */
static cJSON *samples_json(const ms_snapshot *snap)
{
    cJSON *list = cJSON_CreateArray();
    for (uint32_t i = 0; i < ms_trace_sample_count(snap); i++) {
        const ms_trace_sample *p = ms_trace_sample_get(snap, i);
        cJSON *o = cJSON_CreateObject();
        cli_add_numbers(o, (const cli_number[]){
            {"time_us", p->time_us}, {"live_bytes", p->live_bytes}, {"min_bytes", p->min_bytes},
            {"max_bytes", p->max_bytes}, {"events", p->events}, {NULL, 0}});
        cJSON_AddItemToArray(list, o);
    }
    return list;
}

/* Every marker and collection kept. */
static cJSON *marks_json(const ms_snapshot *snap)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    cJSON *list = cJSON_CreateArray();
    for (uint32_t i = 0; i < in->mark_count; i++) {
        ms_trace_mark m;
        cJSON *o = cJSON_CreateObject();
        ms_trace_mark_get(snap, i, &m);
        cJSON_AddStringToObject(o, "kind", m.kind == MS_MARK_GC ? "gc" : "marker");
        cJSON_AddNumberToObject(o, "time_us", (double)m.time_us);
        cJSON_AddNumberToObject(o, "live_bytes", (double)m.live_bytes);
        if (m.kind == MS_MARK_GC) {
            cJSON_AddNumberToObject(o, "objects", (double)m.objects);
            cJSON_AddNumberToObject(o, "bytes", (double)m.bytes);
        } else {
            cJSON_AddItemToObject(o, "name", cli_json_string(m.name, strlen(m.name)));
        }
        cJSON_AddNumberToObject(o, "offset", (double)m.offset);
        cJSON_AddItemToArray(list, o);
    }
    return list;
}

/* timeline's JSON document (memsnap.timeline/1): the trace's facts and
 * totals, the series and the marks. */
static cJSON *timeline_json(const cli_input *input)
{
    ms_snapshot *snap = input->snap;
    const ms_trace_info *in = ms_snapshot_trace(snap);
    cJSON *doc = cJSON_CreateObject(), *heap;
    cJSON_AddStringToObject(doc, "schema", "memsnap.timeline/1");
    cJSON_AddItemToObject(doc, "file", cli_json_string(input->file, strlen(input->file)));
    cJSON_AddStringToObject(doc, "format", ms_format_name(ms_snapshot_format(snap)));
    cJSON_AddNumberToObject(doc, "version", in->version);
    cJSON_AddNumberToObject(doc, "extension", in->extension);
    cJSON_AddStringToObject(doc, "timing", in->batch_timing ? "batch" : "event");
    cli_add_numbers(doc, (const cli_number[]){
        {"start_time_us", in->start_time_us}, {"duration_us", in->end_time_us}, {NULL, 0}});
    cli_add_numbers(cJSON_AddObjectToObject(doc, "events"), (const cli_number[]){
        {"records", in->records}, {"alloc", in->alloc_events}, {"free", in->free_events},
        {"unsized_free", in->unsized_frees}, {"gc", in->gc_events},
        {"marker", in->marker_events}, {"skipped", in->skipped_records}, {NULL, 0}});
    cli_add_numbers(cJSON_AddObjectToObject(doc, "bytes"), (const cli_number[]){
        {"allocated", in->alloc_bytes}, {"freed", in->freed_bytes}, {"final", in->final_bytes},
        {"peak", in->peak_bytes}, {"peak_time_us", in->peak_time_us}, {NULL, 0}});
    cli_add_numbers(cJSON_AddObjectToObject(doc, "gc"), (const cli_number[]){
        {"objects", in->gc_objects}, {"bytes", in->gc_bytes}, {NULL, 0}});
    cli_add_numbers(doc, (const cli_number[]){
        {"site_count", in->site_count}, {"stack_count", in->stack_count}, {NULL, 0}});
    heap = cJSON_AddObjectToObject(doc, "heap");
    cJSON_AddBoolToObject(heap, "present", in->has_heap);
    if (in->has_heap)
        cli_add_numbers(heap, (const cli_number[]){
            {"time_us", in->heap_time_us}, {"node_count", ms_snapshot_node_count(snap)},
            {"total_self_size", ms_snapshot_total_self_size(snap)}, {NULL, 0}});
    cJSON_AddItemToObject(doc, "samples", samples_json(snap));
    cJSON_AddItemToObject(doc, "marks", marks_json(snap));
    cJSON_AddNumberToObject(doc, "marks_dropped", (double)in->marks_dropped);
    return doc;
}

/* ---- text ------------------------------------------------------------------ */

/* "|#####     |": v against top, BAR_WIDTH characters wide. */
static void bar(FILE *f, int64_t v, int64_t top)
{
    int n = top > 0 && v > 0 ? (int)((double)v / (double)top * BAR_WIDTH + 0.5) : 0;
    fputc('|', f);
    for (int i = 0; i < BAR_WIDTH; i++)
        fputc(i < n ? '#' : ' ', f);
    fputc('|', f);
}

/* Whether point i of the series (p) is where the peak was reached: the
 * first point at or after the peak's time, holding the peak. */
static bool is_peak(const ms_trace_sample *p, uint64_t i, const ms_trace_info *in)
{
    return p[i].max_bytes == in->peak_bytes && in->peak_bytes > 0 &&
           p[i].time_us >= in->peak_time_us && (i == 0 || p[i - 1].time_us < in->peak_time_us);
}

/* The series in at most `rows` rows of equal time: each row shows the live
 * bytes at its end and a bar of the highest value within it (one row per
 * point when there are no more points than rows). */
static void chart(FILE *f, ms_snapshot *snap, uint64_t rows)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    uint32_t ns = ms_trace_sample_count(snap);
    const ms_trace_sample *p = ns ? ms_trace_sample_get(snap, 0) : NULL; /* p[i]: point i */
    int64_t top = in->peak_bytes, live = 0;
    uint64_t end = in->end_time_us, k = 0;
    char a[32], b[32];

    if (ns == 0) {
        fputs("  (no ALLOC or free events)\n", f);
        return;
    }
    fprintf(f, "  %12s  %11s  %s\n", "time", "live", "highest in the interval");
    if (p[0].time_us > 0) {
        fprintf(f, "  %12s  %11s  ", secs(0, a), "0 B");
        bar(f, 0, top);
        fputc('\n', f);
    }
    if (ns <= rows) {
        for (uint32_t i = 0; i < ns; i++) {
            fprintf(f, "  %12s  %11s  ", secs(p[i].time_us, a), cli_size_i64(p[i].live_bytes, b));
            bar(f, p[i].max_bytes, top);
            fputs(is_peak(p, i, in) ? " peak\n" : "\n", f);
        }
        return;
    }
    for (uint64_t r = 0; r < rows; r++) {
        uint64_t t_end = r + 1 == rows ? end : end / rows * (r + 1) + end % rows * (r + 1) / rows;
        int64_t hi = live;
        bool any = false, peak = false;
        for (; k < ns && p[k].time_us <= t_end; k++) {
            if (!any || p[k].max_bytes > hi)
                hi = p[k].max_bytes;
            peak = peak || is_peak(p, k, in);
            live = p[k].live_bytes;
            any = true;
        }
        if (!any)
            hi = live;
        fprintf(f, "  %12s  %11s  ", secs(t_end, a), cli_size_i64(live, b));
        bar(f, hi, top);
        fputs(peak ? " peak\n" : "\n", f);
    }
}

/* The trace's facts and totals, above the chart. */
static void head_text(FILE *f, const cli_input *input)
{
    const ms_trace_info *in = ms_snapshot_trace(input->snap);
    char a[32], b[32], c[32], when[64];
    start_time(in->start_time_us, when);
    fprintf(f, "%s: %s event trace (format version %u%s), started %s, %s\n", input->file,
            in->extension ? "memsnap_record" : "Memlyze", in->version,
            in->extension ? ", memsnap extension" : "", when, secs(in->end_time_us, a) + 1);
    fprintf(f, "  %s ALLOC (%s), %s frees", cli_count(in->alloc_events, a),
            cli_size(in->alloc_bytes, b), cli_count(in->free_events, c));
    if (in->unsized_frees)
        fprintf(f, " (%s without a size)", cli_count(in->unsized_frees, a));
    fprintf(f, ", %s GC, %s markers; ", cli_count(in->gc_events, b),
            cli_count(in->marker_events, c));
    fprintf(f, "%s allocation sites\n", cli_count(in->site_count, a));
    fprintf(f, "  live bytes: %s at the end, peak %s at %s\n", cli_size_i64(in->final_bytes, a),
            cli_size_i64(in->peak_bytes, b), secs(in->peak_time_us, c));
    if (in->batch_timing)
        fputs("  timing: Memlyze's (the events of one tracemalloc diff share a time)\n", f);
    if (in->unsized_frees)
        fputs("  note: FREE events without an address carry no size (all of Memlyze's):\n"
              "        live bytes count what was allocated, an upper bound\n",
              f);
    if (in->has_heap)
        fprintf(f, "  heap snapshot at %s: %s objects, %s\n", secs(in->heap_time_us, a),
                cli_count(ms_snapshot_node_count(input->snap), b),
                cli_size(ms_snapshot_total_self_size(input->snap), c));
}

/* The markers and collections under the chart: every marker; collections
 * only while there are few, else those that collected something (CPython
 * collects its youngest generation every few hundred allocations). */
static void marks_text(FILE *f, ms_snapshot *snap)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    uint32_t shown = 0, hidden = 0;
    bool all = in->gc_events <= MAX_GC_LINES;
    char a[32], b[32], c[32], d[32];
    if (!in->mark_count)
        return;
    fputs("\nmarkers and collections:\n", f);
    for (uint32_t i = 0; i < in->mark_count; i++) {
        ms_trace_mark m;
        ms_trace_mark_get(snap, i, &m);
        if (m.kind == MS_MARK_GC && ((!all && m.objects == 0) || shown >= MAX_GC_LINES)) {
            hidden++;
            continue;
        }
        fprintf(f, "  %12s  ", secs(m.time_us, a));
        if (m.kind == MS_MARK_GC) {
            fprintf(f, "GC      %s objects collected, %s freed", cli_count(m.objects, b),
                    cli_size(m.bytes, c));
            shown++;
        } else {
            fputs("marker  ", f);
            cli_print_name(f, m.name, strlen(m.name), 60);
        }
        fprintf(f, "  (live %s)\n", cli_size_i64(m.live_bytes, b));
    }
    if (hidden)
        fprintf(f,
                "  ... %s more collections (%s in all: %s objects, %s freed; --json lists them)\n",
                cli_count(hidden, a), cli_count(in->gc_events, b), cli_count(in->gc_objects, c),
                cli_size(in->gc_bytes, d));
    if (in->marks_dropped)
        fprintf(f, "  ... %s more not kept (counted above)\n", cli_count(in->marks_dropped, a));
}

/* What the text report shows. */
typedef struct report {
    const cli_input *in;
    uint64_t rows;       /* --rows */
} report;

/* timeline's text report (ctx: a report): the facts, the chart, the
 * markers and collections. */
static int timeline_text(FILE *f, void *ctx)
{
    const report *r = ctx;
    head_text(f, r->in);
    fputc('\n', f);
    chart(f, r->in->snap, r->rows);
    marks_text(f, r->in->snap);
    return CLI_OK;
}

int cmd_timeline(int argc, char **argv)
{
    cli_input in;
    cli_common opt;
    timeline_args ta;
    int rc;

    if ((rc = cli_start(&timeline_cmd, argc, argv, &opt, &ta, &in)) != CLI_RUN)
        return rc;
    if (!ms_snapshot_trace(in.snap)) {
        fprintf(stderr,
                "memsnap: %s: a %s snapshot has no timeline; timeline reads .mlyze event traces\n",
                in.file, ms_format_name(ms_snapshot_format(in.snap)));
        rc = CLI_BAD_INPUT;
    } else {
        rc = opt.json ? cli_write_doc(timeline_json(&in), opt.output)
                      : cli_write_text(opt.output, timeline_text, &(report){&in, ta.rows});
    }
    cli_close_input(&in);
    return rc;
}
