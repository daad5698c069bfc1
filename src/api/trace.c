/*
 * trace.c: the public getters over an event trace (snapshot/trace.h).
 */
#include "snapshot.h"

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

void ms_trace_site_get(const ms_snapshot *snap, uint32_t i, ms_trace_site *out)
{
    const ms__trace_site *s = &snap->g->trace->sites[i];
    out->site = ms__strtab_get(&snap->g->strings, s->name, NULL);
    out->node = s->node;
    out->alloc_events = s->alloc_events;
    out->free_events = s->free_events;
    out->alloc_bytes = s->alloc_bytes;
    out->freed_bytes = s->freed_bytes;
    out->live_bytes = s->live_bytes;
}

const ms_trace_sample *ms_trace_samples(const ms_snapshot *snap, uint32_t *count)
{
    const ms__trace *t = snap ? snap->g->trace : NULL;
    *count = t ? t->info.sample_count : 0;
    return t ? t->samples : NULL;
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
