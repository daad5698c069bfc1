/*
 * trace.c: the timeline and site table of an event trace (see trace.h).
 */
#include "trace.h"

#include "../util/vec.h"

#include <string.h>

int ms__trace_new(ms__trace **out, ms_error *err)
{
    ms__trace *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return ms__oom(err, "trace");
    t->stride = 1;
    *out = t;
    return MS_OK;
}

void ms__trace_free(ms__trace *t)
{
    if (!t)
        return;
    free(t->sites);
    free(t->samples);
    free(t->marks);
    free(t);
}

int ms__trace_add_site(ms__trace *t, uint32_t name, uint32_t *index, ms_error *err)
{
    ms__trace_site *s;
    if (t->info.site_count >= MS__TRACE_SITES)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX,
                        "more than %u allocation sites (memsnap's limit)", MS__TRACE_SITES);
    if (t->info.site_count == t->site_cap &&
        ms__grow32(&t->sites, &t->site_cap, t->info.site_count + 1ull, 64, sizeof *t->sites,
                   "allocation sites", err) < 0)
        return MS_ENOMEM;
    s = &t->sites[t->info.site_count];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->node = MS_NODE_NONE;
    *index = t->info.site_count++;
    return MS_OK;
}

static void merge_into(ms_trace_sample *a, const ms_trace_sample *b)
{
    a->time_us = b->time_us;
    a->live_bytes = b->live_bytes;
    if (b->min_bytes < a->min_bytes)
        a->min_bytes = b->min_bytes;
    if (b->max_bytes > a->max_bytes)
        a->max_bytes = b->max_bytes;
    a->events += b->events;
}

/* Stores a finished point; halves the resolution when the series is full. */
static int push_sample(ms__trace *t, const ms_trace_sample *s, ms_error *err)
{
    uint32_t n = t->info.sample_count;
    if (n == MS__TRACE_SAMPLES) {
        for (uint32_t i = 0; i < n / 2; i++) {
            ms_trace_sample m = t->samples[2 * i];
            merge_into(&m, &t->samples[2 * i + 1]);
            t->samples[i] = m;
        }
        n = t->info.sample_count = n / 2;
        t->stride *= 2;
    }
    /* n < MS__TRACE_SAMPLES here, and that limit is a power of two: the
     * doubling capacity reaches it exactly and never passes it. */
    if (n == t->sample_cap &&
        ms__grow32(&t->samples, &t->sample_cap, n + 1ull, 256, sizeof *t->samples, "timeline",
                   err) < 0)
        return MS_ENOMEM;
    t->samples[n] = *s;
    t->info.sample_count = n + 1;
    return MS_OK;
}

/* The open point is complete: fold it into the point being merged. */
static int close_point(ms__trace *t, ms_error *err)
{
    if (!t->open)
        return MS_OK;
    t->open = false;
    if (!t->acc_open) {
        t->acc = t->cur;
        t->acc_open = true;
        t->acc_n = 0;
    } else {
        merge_into(&t->acc, &t->cur);
    }
    if (++t->acc_n >= t->stride) {
        t->acc_open = false;
        return push_sample(t, &t->acc, err);
    }
    return MS_OK;
}

int ms__trace_live(ms__trace *t, uint64_t time_us, int64_t delta, ms_error *err)
{
    int64_t live;
    if (__builtin_add_overflow(t->live, delta, &live))
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "live bytes pass 2^63");
    if (t->open && t->cur.time_us != time_us && close_point(t, err) < 0)
        return MS_ENOMEM;
    if (!t->open) {
        t->open = true;
        t->cur.time_us = time_us;
        t->cur.min_bytes = t->cur.max_bytes = live;
        t->cur.events = 0;
    }
    t->live = live;
    t->cur.live_bytes = live;
    if (live < t->cur.min_bytes)
        t->cur.min_bytes = live;
    if (live > t->cur.max_bytes)
        t->cur.max_bytes = live;
    t->cur.events++;
    if (live > t->info.peak_bytes) {
        t->info.peak_bytes = live;
        t->info.peak_time_us = time_us;
    }
    return MS_OK;
}

int ms__trace_add_mark(ms__trace *t, ms_mark_kind kind, uint64_t time_us, uint64_t offset,
                   uint32_t name, uint64_t objects, uint64_t bytes, ms_error *err)
{
    ms__trace_mark *m;
    if (t->info.mark_count >= MS__TRACE_MARKS) {
        t->info.marks_dropped++;
        return MS_OK;
    }
    if (t->info.mark_count == t->mark_cap &&
        ms__grow32(&t->marks, &t->mark_cap, t->info.mark_count + 1ull, 64, sizeof *t->marks,
                   "markers", err) < 0)
        return MS_ENOMEM;
    m = &t->marks[t->info.mark_count++];
    m->kind = (uint32_t)kind;
    m->time_us = time_us;
    m->offset = offset;
    m->live_bytes = t->live;
    m->name = name;
    m->objects = objects;
    m->bytes = bytes;
    return MS_OK;
}

int ms__trace_finish(ms__trace *t, ms_error *err)
{
    t->info.final_bytes = t->live;
    if (close_point(t, err) < 0)
        return MS_ENOMEM;
    if (t->acc_open) {
        t->acc_open = false;
        return push_sample(t, &t->acc, err);
    }
    return MS_OK;
}

uint64_t ms__trace_memory(const ms__trace *t)
{
    /* The series counts as the smallest power of two above its length (at
     * least 256, at most MS__TRACE_SAMPLES).  That is sample_cap except at
     * an exact power of two, where sample_cap is the length itself; `info`
     * prints this figure, so its rule is kept. */
    uint64_t samples = 0;
    if (t->samples)
        for (samples = 256; samples <= t->info.sample_count && samples < MS__TRACE_SAMPLES;)
            samples *= 2;
    return sizeof *t + (uint64_t)t->site_cap * sizeof *t->sites +
           samples * sizeof *t->samples + (uint64_t)t->mark_cap * sizeof *t->marks;
}
