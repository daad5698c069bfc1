/*
 * trace.c: the public getters over an event trace (snapshot/trace.h).
 */
#include "snapshot.h"

#include "../compare/compare.h"
#include "../snapshot/trace.h"

const ms_trace_info *ms_snapshot_trace(const ms_snapshot *snap)
{
    return snap && snap->g->trace ? &snap->g->trace->info : NULL;
}

int ms_snapshot_is_site_trace(const ms_snapshot *snap)
{
    const ms_trace_info *in = ms_snapshot_trace(snap);
    return in && !in->has_heap;
}

uint32_t ms_trace_site_count(const ms_snapshot *snap)
{
    return snap->g->trace ? snap->g->trace->info.site_count : 0;
}

void ms_trace_site_get(const ms_snapshot *snap, uint32_t i, ms_trace_site *out)
{
    ms__trace_site_info(snap->g, i, out);
}

uint32_t ms_trace_sample_count(const ms_snapshot *snap)
{
    return snap->g->trace ? snap->g->trace->info.sample_count : 0;
}

const ms_trace_sample *ms_trace_sample_get(const ms_snapshot *snap, uint32_t i)
{
    return &snap->g->trace->samples[i];
}

uint32_t ms_trace_mark_count(const ms_snapshot *snap)
{
    return snap->g->trace ? snap->g->trace->info.mark_count : 0;
}

void ms_trace_mark_get(const ms_snapshot *snap, uint32_t i, ms_trace_mark *out)
{
    const ms__trace_mark *m = &snap->g->trace->marks[i];
    out->kind = (ms_mark_kind)m->kind;
    out->time_us = m->time_us;
    out->live_bytes = m->live_bytes;
    out->name = m->kind == MS_MARK_MARKER ? ms__strtab_get(&snap->g->strings, m->name, NULL) : NULL;
    out->objects = m->objects;
    out->bytes = m->bytes;
    out->offset = m->offset;
}

ms_status ms_trace_diff_compute(const ms_snapshot *before, const ms_snapshot *after,
                                ms_trace_diff **out, ms_error *err)
{
    *out = NULL;
    if (!before->g->trace || !after->g->trace)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "%s is not an event trace",
                        before->g->trace ? after->name : before->name);
    return ms__trace_diff(before->g, after->g, out, err);
}
