/*
 * snapshot.h: the ms_snapshot handle: a graph plus the analyses computed on
 * it, each built on first use and kept until the snapshot is freed.
 */
#ifndef MS_SNAPSHOT_H
#define MS_SNAPSHOT_H

#include "graph.h"

struct ms__classes; /* graph/classes.h */

struct ms_snapshot {
    ms__graph *g;
    ms_format format;
    char *name;
    uint64_t input_bytes;

    /* Lazily computed (NULL until first use). */
    uint64_t *shallow;             /* u64[N] DevTools shallow sizes (V8), see graph/shallow.c */
    struct ms__classes *classes;   /* class of every node, see graph/classes.c */
    uint32_t *by_id;               /* u32[N] node indices sorted by object id */
};

/* Whether DevTools' V8-specific rules apply (shallow sizes, class names). */
static inline bool ms__snapshot_is_v8(const ms_snapshot *s)
{
    return s->format == MS_FORMAT_HEAPSNAPSHOT;
}

/* Shallow sizes in the given mode; computes and caches the DevTools ones on
 * first use.  *out points into the snapshot (or is NULL for raw sizes, in
 * which case use ms__node_self).  Errors: MS_ENOMEM. */
int ms__snapshot_shallow(ms_snapshot *s, ms_size_mode mode, const uint64_t **out, ms_error *err);

static inline uint64_t ms__shallow_of(const ms__graph *g, const uint64_t *shallow, uint32_t n)
{
    return shallow ? shallow[n] : ms__node_self(g, n);
}

#endif /* MS_SNAPSHOT_H */
