/*
 * fuzz_mlyze.c: libFuzzer target for the Memlyze importer (in the style of
 * zstd's tests/fuzz).  Every input either imports into a graph that
 * passes ms__graph_check and whose analyses and trace getters run, or fails
 * with a message that names the input.  Built with clang -fsanitize=fuzzer
 * when MEMSNAP_BUILD_FUZZERS is on; standalone_driver.c replays the corpus
 * in every build (ctest fuzz-regression-mlyze).
 */
#include "memsnap.h"
#include "snapshot/graph.h"
#include "snapshot/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_mlyze: check failed: %s (line %d)\n", #c, __LINE__);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_open_options o = MS_OPEN_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    int rc;

    o.format = MS_FORMAT_MLYZE; /* the importer itself, also without the magic */
    rc = ms_snapshot_open_memory(&s, data, size, "fuzz.mlyze", &o, &err);
    if (rc != MS_OK) {
        CHECK(rc < 0 && err.code == rc && s == NULL);
        CHECK(strstr(err.message, "fuzz.mlyze") != NULL || rc == MS_ENOMEM);
        return 0;
    }
    {
        ms_error e2 = MS_ERROR_INIT;
        const ms_trace_info *in = ms_snapshot_trace(s);
        const ms_trace_sample *sm;
        uint32_t ns;
        ms_summary *sum = NULL;
        ms_summary_options so = MS_SUMMARY_OPTIONS_INIT;
        CHECK(ms__graph_check(s->g, &e2) == MS_OK);
        CHECK(in != NULL);
        CHECK(in->peak_bytes >= 0 && in->peak_bytes >= in->final_bytes);
        sm = ms_trace_samples(s, &ns);
        CHECK(ns == in->sample_count);
        for (uint32_t i = 0; i < ns; i++) {
            CHECK(sm[i].min_bytes <= sm[i].live_bytes && sm[i].live_bytes <= sm[i].max_bytes);
            CHECK(sm[i].max_bytes <= in->peak_bytes);
            CHECK(i == 0 || sm[i].time_us > sm[i - 1].time_us);
            CHECK(sm[i].time_us <= in->end_time_us);
        }
        for (uint32_t i = 0; i < in->site_count; i++) {
            ms_trace_site t;
            ms_trace_site_get(s, i, &t);
            CHECK(t.site != NULL);
            CHECK(t.live_bytes == (int64_t)(t.alloc_bytes - t.freed_bytes));
            CHECK(in->has_heap ? t.node == MS_NODE_NONE : t.node < ms_snapshot_node_count(s));
        }
        for (uint32_t i = 0; i < in->mark_count; i++) {
            ms_trace_mark m;
            ms_trace_mark_get(s, i, &m);
            CHECK(m.time_us <= in->end_time_us);
            CHECK((m.kind == MS_MARK_MARKER) == (m.name != NULL));
        }
        CHECK(ms_snapshot_compute(s, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED |
                                         MS_ANALYSIS_CLASSES | MS_ANALYSIS_DOMINATOR_TREE,
                                  &e2) == MS_OK);
        so.group = MS_GROUP_SITE;
        CHECK(ms_summary_compute(s, &so, &sum, &e2) == MS_OK);
        ms_summary_free(sum);
    }
    ms_snapshot_free(s);
    return 0;
}
