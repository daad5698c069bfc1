/*
 * fuzz_boehm.c: libFuzzer target for memsnap's Boehm GC capture importer
 * (docs/formats/boehm.md).  Any input must either import, and then survive
 * every analysis, or fail with a negative status and a message; never
 * crash, hang or leak (run under ASan/UBSan).
 *
 *   clang: cmake -DMEMSNAP_BUILD_FUZZERS=ON ...; ./fuzz_boehm tests/fuzz/corpus/boehm
 *   gcc:   standalone_driver replays the corpus in ctest (fuzz-regression)
 */
#include "memsnap.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_open_options o = MS_OPEN_OPTIONS_INIT;
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    o.format = MS_FORMAT_BOEHM;
    if (ms_snapshot_open_memory(&s, data, size, "fuzz.gcsnap", &o, &err) == MS_OK) {
        ms_summary_options so = MS_SUMMARY_OPTIONS_INIT;
        ms_summary *sum = NULL;
        ms_node top[4];
        size_t count;
        (void)ms_snapshot_compute(s, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED |
                                         MS_ANALYSIS_CLASSES | MS_ANALYSIS_DOMINATOR_TREE,
                                  &err);
        so.group = MS_GROUP_SITE;
        if (ms_summary_compute(s, &so, &sum, &err) == MS_OK)
            ms_summary_free(sum);
        (void)ms_top(s, 4, 1, top, &count, &err);
        ms_snapshot_free(s);
    } else if (err.code >= 0 || !err.message[0]) {
        abort(); /* every failure explains itself */
    }
    return 0;
}
