/*
 * cmd_timeline.c: `memsnap timeline TRACE` - live bytes over time, the peak,
 * markers and garbage collections of an .mlyze event trace.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include "cli.h"
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

static const char *secs(uint64_t us, char buf[32])
{
    snprintf(buf, 32, "+%.3f s", (double)us / 1e6);
    return buf;
}

static void start_time(uint64_t us, char buf[64])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, 64, "%Y-%m-%d %H:%M:%S UTC", &tm);
    else
        snprintf(buf, 64, "%" PRIu64 " us after the epoch", us);
}

static cJSON *json_u64(uint64_t v) { return cJSON_CreateNumber((double)v); }
static cJSON *json_i64(int64_t v) { return cJSON_CreateNumber((double)v); }

static int write_json(ms_snapshot *snap, const char *file, const char *out)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    cJSON *doc = cJSON_CreateObject(), *o, *list;
    uint32_t ns;
    int rc;

    cJSON_AddStringToObject(doc, "schema", "memsnap.timeline/1");
    cJSON_AddItemToObject(doc, "file", cli_json_string(file, strlen(file)));
    cJSON_AddStringToObject(doc, "format", ms_format_name(ms_snapshot_format(snap)));
    cJSON_AddNumberToObject(doc, "version", in->version);
    cJSON_AddNumberToObject(doc, "extension", in->extension);
    cJSON_AddStringToObject(doc, "timing", in->batch_timing ? "batch" : "event");
    cJSON_AddItemToObject(doc, "start_time_us", json_u64(in->start_time_us));
    cJSON_AddItemToObject(doc, "duration_us", json_u64(in->end_time_us));

    o = cJSON_AddObjectToObject(doc, "events");
    cJSON_AddItemToObject(o, "records", json_u64(in->records));
    cJSON_AddItemToObject(o, "alloc", json_u64(in->alloc_events));
    cJSON_AddItemToObject(o, "free", json_u64(in->free_events));
    cJSON_AddItemToObject(o, "unsized_free", json_u64(in->unsized_frees));
    cJSON_AddItemToObject(o, "gc", json_u64(in->gc_events));
    cJSON_AddItemToObject(o, "marker", json_u64(in->marker_events));
    cJSON_AddItemToObject(o, "skipped", json_u64(in->skipped_records));

    o = cJSON_AddObjectToObject(doc, "bytes");
    cJSON_AddItemToObject(o, "allocated", json_u64(in->alloc_bytes));
    cJSON_AddItemToObject(o, "freed", json_u64(in->freed_bytes));
    cJSON_AddItemToObject(o, "final", json_i64(in->final_bytes));
    cJSON_AddItemToObject(o, "peak", json_i64(in->peak_bytes));
    cJSON_AddItemToObject(o, "peak_time_us", json_u64(in->peak_time_us));

    o = cJSON_AddObjectToObject(doc, "gc");
    cJSON_AddItemToObject(o, "objects", json_u64(in->gc_objects));
    cJSON_AddItemToObject(o, "bytes", json_u64(in->gc_bytes));

    cJSON_AddNumberToObject(doc, "site_count", in->site_count);
    cJSON_AddNumberToObject(doc, "stack_count", in->stack_count);
    o = cJSON_AddObjectToObject(doc, "heap");
    cJSON_AddBoolToObject(o, "present", in->has_heap);
    if (in->has_heap) {
        cJSON_AddItemToObject(o, "time_us", json_u64(in->heap_time_us));
        cJSON_AddNumberToObject(o, "node_count", ms_snapshot_node_count(snap));
        cJSON_AddItemToObject(o, "total_self_size", json_u64(ms_snapshot_total_self_size(snap)));
    }

    list = cJSON_AddArrayToObject(doc, "samples");
    ns = ms_trace_sample_count(snap);
    for (uint32_t i = 0; i < ns; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddItemToObject(p, "time_us", json_u64(ms_trace_sample_get(snap, i)->time_us));
        cJSON_AddItemToObject(p, "live_bytes", json_i64(ms_trace_sample_get(snap, i)->live_bytes));
        cJSON_AddItemToObject(p, "min_bytes", json_i64(ms_trace_sample_get(snap, i)->min_bytes));
        cJSON_AddItemToObject(p, "max_bytes", json_i64(ms_trace_sample_get(snap, i)->max_bytes));
        cJSON_AddItemToObject(p, "events", json_u64(ms_trace_sample_get(snap, i)->events));
        cJSON_AddItemToArray(list, p);
    }
    list = cJSON_AddArrayToObject(doc, "marks");
    for (uint32_t i = 0; i < in->mark_count; i++) {
        ms_trace_mark m;
        cJSON *p = cJSON_CreateObject();
        ms_trace_mark_get(snap, i, &m);
        cJSON_AddStringToObject(p, "kind", m.kind == MS_MARK_GC ? "gc" : "marker");
        cJSON_AddItemToObject(p, "time_us", json_u64(m.time_us));
        cJSON_AddItemToObject(p, "live_bytes", json_i64(m.live_bytes));
        if (m.kind == MS_MARK_GC) {
            cJSON_AddItemToObject(p, "objects", json_u64(m.objects));
            cJSON_AddItemToObject(p, "bytes", json_u64(m.bytes));
        } else {
            cJSON_AddItemToObject(p, "name", cli_json_string(m.name, strlen(m.name)));
        }
        cJSON_AddItemToObject(p, "offset", json_u64(m.offset));
        cJSON_AddItemToArray(list, p);
    }
    cJSON_AddItemToObject(doc, "marks_dropped", json_u64(in->marks_dropped));
    rc = cli_write_json(doc, out);
    cJSON_Delete(doc);
    return rc;
}

static void bar(FILE *f, int64_t v, int64_t top)
{
    int n = top > 0 && v > 0 ? (int)((double)v / (double)top * BAR_WIDTH + 0.5) : 0;
    fputc('|', f);
    for (int i = 0; i < BAR_WIDTH; i++)
        fputc(i < n ? '#' : ' ', f);
    fputc('|', f);
}

/* The series in at most `rows` rows of equal time: each row shows the live
 * bytes at its end and a bar of the highest value within it. */
static void chart(FILE *f, ms_snapshot *snap, uint64_t rows)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    uint32_t ns = ms_trace_sample_count(snap);
    int64_t top = in->peak_bytes, live = 0;
    uint64_t end = in->end_time_us, k = 0;
    char a[32], b[32];

    if (ns == 0) {
        fputs("  (no ALLOC or free events)\n", f);
        return;
    }
    fprintf(f, "  %12s  %11s  %s\n", "time", "live", "highest in the interval");
    if (ms_trace_sample_get(snap, 0)->time_us > 0) {
        fprintf(f, "  %12s  %11s  ", secs(0, a), "0 B");
        bar(f, 0, top);
        fputc('\n', f);
    }
    if (ns <= rows) {
        for (uint32_t i = 0; i < ns; i++) {
            fprintf(f, "  %12s  %11s  ", secs(ms_trace_sample_get(snap, i)->time_us, a), cli_size_i64(ms_trace_sample_get(snap, i)->live_bytes, b));
            bar(f, ms_trace_sample_get(snap, i)->max_bytes, top);
            if (ms_trace_sample_get(snap, i)->max_bytes == in->peak_bytes && in->peak_bytes > 0 &&
                ms_trace_sample_get(snap, i)->time_us >= in->peak_time_us &&
                (i == 0 || ms_trace_sample_get(snap, i - 1)->time_us < in->peak_time_us))
                fputs(" peak", f);
            fputc('\n', f);
        }
        return;
    }
    for (uint64_t r = 0; r < rows; r++) {
        uint64_t t_end = r + 1 == rows ? end : end / rows * (r + 1) + end % rows * (r + 1) / rows;
        int64_t hi = live;
        bool any = false, peak = false;
        while (k < ns && ms_trace_sample_get(snap, k)->time_us <= t_end) {
            if (!any || ms_trace_sample_get(snap, k)->max_bytes > hi)
                hi = ms_trace_sample_get(snap, k)->max_bytes;
            if (ms_trace_sample_get(snap, k)->max_bytes == in->peak_bytes && ms_trace_sample_get(snap, k)->time_us >= in->peak_time_us &&
                (k == 0 || ms_trace_sample_get(snap, k - 1)->time_us < in->peak_time_us))
                peak = in->peak_bytes > 0;
            live = ms_trace_sample_get(snap, k)->live_bytes;
            any = true;
            k++;
        }
        if (!any)
            hi = live;
        fprintf(f, "  %12s  %11s  ", secs(t_end, a), cli_size_i64(live, b));
        bar(f, hi, top);
        fputs(peak ? " peak\n" : "\n", f);
    }
}

static int write_text(ms_snapshot *snap, const char *file, const char *out, uint64_t rows)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    cli_output o;
    char a[32], b[32], c[32], when[64];
    int rc;

    if ((rc = cli_output_open(&o, out)) != CLI_OK)
        return rc;
    start_time(in->start_time_us, when);
    fprintf(o.f, "%s: %s event trace (format version %u%s), started %s, %s\n", file,
            in->extension ? "memsnap_record" : "Memlyze", in->version,
            in->extension ? ", memsnap extension" : "", when, secs(in->end_time_us, a) + 1);
    fprintf(o.f, "  %s ALLOC (%s), %s frees", cli_count(in->alloc_events, a),
            cli_size(in->alloc_bytes, b), cli_count(in->free_events, c));
    if (in->unsized_frees)
        fprintf(o.f, " (%s without a size)", cli_count(in->unsized_frees, a));
    fprintf(o.f, ", %s GC, %s markers; ", cli_count(in->gc_events, b),
            cli_count(in->marker_events, c));
    fprintf(o.f, "%s allocation sites\n", cli_count(in->site_count, a));
    fprintf(o.f, "  live bytes: %s at the end, peak %s at %s\n", cli_size_i64(in->final_bytes, a),
            cli_size_i64(in->peak_bytes, b), secs(in->peak_time_us, c));
    if (in->batch_timing)
        fputs("  timing: Memlyze's (the events of one tracemalloc diff share a time)\n", o.f);
    if (in->unsized_frees)
        fputs("  note: FREE events without an address carry no size (all of Memlyze's):\n"
              "        live bytes count what was allocated, an upper bound\n",
              o.f);
    if (in->has_heap)
        fprintf(o.f, "  heap snapshot at %s: %s objects, %s\n", secs(in->heap_time_us, a),
                cli_count(ms_snapshot_node_count(snap), b),
                cli_size(ms_snapshot_total_self_size(snap), c));
    fputc('\n', o.f);
    chart(o.f, snap, rows);
    if (in->mark_count) {
        /* Every marker; collections only while there are few, else those
         * that collected something (CPython collects its youngest
         * generation every few hundred allocations). */
        uint32_t shown = 0, hidden = 0;
        bool all = in->gc_events <= MAX_GC_LINES;
        fputs("\nmarkers and collections:\n", o.f);
        for (uint32_t i = 0; i < in->mark_count; i++) {
            ms_trace_mark m;
            ms_trace_mark_get(snap, i, &m);
            if (m.kind == MS_MARK_GC && ((!all && m.objects == 0) || shown >= MAX_GC_LINES)) {
                hidden++;
                continue;
            }
            fprintf(o.f, "  %12s  ", secs(m.time_us, a));
            if (m.kind == MS_MARK_GC) {
                fprintf(o.f, "GC      %s objects collected, %s freed", cli_count(m.objects, b),
                        cli_size(m.bytes, c));
                shown++;
            } else {
                fputs("marker  ", o.f);
                cli_print_name(o.f, m.name, strlen(m.name), 60);
            }
            fprintf(o.f, "  (live %s)\n", cli_size_i64(m.live_bytes, b));
        }
        if (hidden)
            fprintf(o.f, "  ... %s more collections (%s in all: %s objects, %s freed; --json lists them)\n",
                    cli_count(hidden, a), cli_count(in->gc_events, b), cli_count(in->gc_objects, c),
                    cli_size(in->gc_bytes, when));
        if (in->marks_dropped)
            fprintf(o.f, "  ... %s more not kept (counted above)\n", cli_count(in->marks_dropped, a));
    }
    return cli_output_close(&o, true);
}

int cmd_timeline(int argc, char **argv)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    cli_common opt;
    timeline_args ta;
    const char *file;
    int rc;

    if ((rc = cli_parse_args(&timeline_cmd, argc, argv, &opt, &ta)) != CLI_RUN)
        return rc;
    file = opt.operands[0];
    if (cli_open(file, &snap, NULL, &err) < 0)
        return cli_fail(&err);
    if (!ms_snapshot_trace(snap)) {
        fprintf(stderr,
                "memsnap: %s: a %s snapshot has no timeline; timeline reads .mlyze event traces\n",
                file, ms_format_name(ms_snapshot_format(snap)));
        rc = CLI_BAD_INPUT;
    } else if (opt.json) {
        rc = write_json(snap, file, opt.output);
    } else {
        rc = write_text(snap, file, opt.output, ta.rows);
    }
    ms_snapshot_free(snap);
    return rc;
}
