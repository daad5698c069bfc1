/*
 * analyses.c: the public analyses of one snapshot: each computes what it
 * needs through the planner (compute.c), then asks the layer that answers
 * it with a view of the results.
 *
 * A native file is read on demand (native.c): top, why, retention paths
 * and their names read only what they touch; every other analysis makes
 * the snapshot whole first (ms__snapshot_whole).
 */
#include "native.h"
#include "snapshot.h"

#include "../dominators/summary.h"
#include "../paths/paths.h"

ms_status ms_top(ms_snapshot *snap, size_t k, int include_synthetic, ms_node *out, size_t *count,
           ms_error *err)
{
    int rc;
    *count = 0;
    if (k == 0)
        return MS_OK;
    if ((rc = ms__snapshot_compute(snap, MS_ANALYSIS_RETAINED, MS__PLAN_FAST, err)) < 0)
        return rc;
    if (snap->top && snap->sizes == MS_SIZES_DEVTOOLS) {
        /* A native file's order of the largest: enough when it holds k of
         * the kind asked for, or every node. */
        size_t got = 0;
        for (uint32_t i = 0; i < snap->top_count && got < k; i++) {
            ms__touch_some(snap->g, snap->top[i], MS__T_TYPE);
            if (include_synthetic || snap->g->node_type[snap->top[i]] != MS_NT_SYNTHETIC)
                out[got++] = snap->top[i];
        }
        if (got == k || snap->top_count == snap->g->node_count) {
            *count = got;
            return ms__native_status(snap, err);
        }
    }
    if ((rc = ms__snapshot_whole(snap, err)) < 0)
        return rc;
    *count = ms__top_retained(snap->g, snap->retained, k, include_synthetic != 0, out);
    return MS_OK;
}

ms_status ms_summary_compute(ms_snapshot *snap, const ms_summary_options *opts, ms_summary **out,
                       ms_error *err)
{
    ms_summary_options defaults = MS_SUMMARY_OPTIONS_INIT;
    const ms__classes *cl;
    const uint64_t *shallow;
    ms__heap h;
    int rc = MS_OK;

    if (!snap || !out)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_summary_compute: bad arguments");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    MS_TRY(ms__check_version(err, "ms_summary_options", opts->version,
                             MS_SUMMARY_OPTIONS_VERSION));
    MS_TRY(ms__snapshot_whole(snap, err));
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_CLASSES | MS_ANALYSIS_DISTANCES |
                                          MS_ANALYSIS_RETAINED | MS_ANALYSIS_DOMINATOR_TREE,
                                MS__PLAN_FAST, err));
    MS_TRY(ms__snapshot_shallow(snap, &shallow, err));
    MS_TRY(ms__snapshot_classes(snap, opts->group, &cl, err));
    ms__snapshot_heap(snap, &h);
    rc = ms__summary(&h, cl, opts->sort, out, err);
done:
    return rc;
}

ms_status ms_cycles_compute(ms_snapshot *snap, ms_cycle_edges edges, ms_cycles **out, ms_error *err)
{
    const uint64_t *shallow;
    ms__heap h;
    int rc = MS_OK;
    *out = NULL;
    MS_TRY(ms__snapshot_whole(snap, err));
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED, MS__PLAN_FAST,
                                err));
    MS_TRY(ms__snapshot_shallow(snap, &shallow, err));
    ms__snapshot_heap(snap, &h);
    rc = ms__cycles(&h, edges, &snap->pool, out, err);
done:
    return rc;
}

ms_status ms_cycle_groups_compute(ms_snapshot *snap, const ms_cycle_options *opts,
                                  ms_cycle_groups **out, ms_error *err)
{
    ms_cycle_options defaults = MS_CYCLE_OPTIONS_INIT;
    const uint64_t *shallow;
    bool *wanted = NULL;
    ms__heap h;
    int rc = MS_OK;

    if (!snap || !out)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_cycle_groups_compute: bad arguments");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    MS_TRY(ms__check_version(err, "ms_cycle_options", opts->version, MS_CYCLE_OPTIONS_VERSION));
    MS_TRY(ms__snapshot_whole(snap, err));
    if (opts->edges != MS_CYCLE_EDGES_STRONG && opts->edges != MS_CYCLE_EDGES_ALL) {
        rc = ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_cycle_options: unknown edges %d",
                      (int)opts->edges);
        goto done;
    }
    /* Paths tell who holds a cycle of plain data (and bring the sources,
     * which tell the program's objects from the runtime's). */
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_RETAINED |
                                          MS_ANALYSIS_DOMINATOR_TREE | MS_ANALYSIS_CLASSES |
                                          MS_ANALYSIS_PATHS,
                                MS__PLAN_FAST, err));
    MS_TRY(ms__snapshot_shallow(snap, &shallow, err));
    if (opts->class_name)
        MS_TRY(ms__classes_named(snap, opts->class_name, &wanted, err));
    ms__snapshot_heap(snap, &h);
    rc = ms__cycle_groups(&h, opts->edges, wanted, &snap->pool, out, err);
done:
    free(wanted);
    return rc;
}

ms_status ms_why_compute(ms_snapshot *snap, ms_node n, size_t k, ms_why **out, ms_error *err)
{
    ms__heap h;
    int rc;
    *out = NULL;
    if (!snap || n >= snap->g->node_count)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "node %u is not in the snapshot", n);
    if ((rc = ms__native_why(snap, n, k, out, err)) != 0)
        return rc < 0 ? rc : MS_OK;
    if ((rc = ms__snapshot_whole(snap, err)) < 0)
        return rc;
    rc = ms__snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED, MS__PLAN_FAST, err);
    if (rc < 0)
        return rc;
    ms__snapshot_heap(snap, &h);
    return ms__why(&h, n, k, out, err);
}

ms_status ms_node_retainers(const ms_snapshot *snap, ms_node n, uint64_t **out, size_t *count,
                      ms_error *err)
{
    ms__heap h;
    int rc;
    /* (a scan of every edge: the snapshot is made whole, as any analysis
     * would; the handle is the caller's to change, const as it reads) */
    if ((rc = ms__snapshot_whole((ms_snapshot *)(uintptr_t)snap, err)) < 0)
        return rc;
    ms__snapshot_heap(snap, &h);
    return ms__retainers(&h, n, out, count, err);
}

size_t ms_retention_path(const ms_snapshot *snap, ms_node n, ms_hop *out, size_t cap)
{
    ms__heap h;
    ms__snapshot_heap(snap, &h);
    return ms__retention_path(&h, NULL, n, out, cap);
}

ms_status ms_retention_edges(ms_snapshot *snap, const ms_node *nodes, size_t count, int named,
                             uint64_t *out, ms_error *err)
{
    for (size_t i = 0; i < count; i++)
        if (nodes[i] >= snap->g->node_count)
            return ms__fail(err, MS_EINVAL, UINT64_MAX, "%s: node %u out of range", snap->name,
                            nodes[i]);
    if (snap->parent_edge && !named) {
        for (size_t i = 0; i < count; i++) {
            ms__need(snap, snap->parent_edge, nodes[i]);
            out[i] = snap->parent_edge[nodes[i]] == UINT32_MAX ? UINT64_MAX
                                                                : snap->parent_edge[nodes[i]];
        }
        return ms__native_status(snap, err);
    }
    if (named && ms__native_top_reach(snap, nodes, count, out))
        return ms__native_status(snap, err);
    int rc = ms__snapshot_whole(snap, err);
    if (rc == MS_OK)
        rc = ms__snapshot_compute(snap, MS_ANALYSIS_DISTANCES, MS__PLAN_FAST, err);
    if (rc < 0)
        return rc;
    return ms__parent_edges(snap->g, &snap->rules, snap->distance, nodes, count, named != 0, out,
                            err);
}

ms_entry_kind ms_path_entry(const ms_snapshot *snap, const ms_path *p, size_t i, ms_node *key)
{
    const ms__rules *r = &snap->rules;
    uint32_t k = MS_NODE_NONE;
    int kind = 0;
    if (r->entry && i + 1 < p->length &&
        p->hops[i].edge != UINT64_MAX && p->hops[i + 1].edge != UINT64_MAX)
        kind = r->entry(r, snap->g, p->hops[i].node, p->hops[i].edge, p->hops[i + 1].node,
                        p->hops[i + 1].edge, &k);
    if (key)
        *key = k;
    return (ms_entry_kind)kind;
}

size_t ms_path_signature(const ms_snapshot *snap, const ms_path *path, char *buf, size_t cap)
{
    ms__heap h;
    for (size_t i = 0; snap->g->lazy && i < path->length; i++) {
        ms__touch(snap->g, path->hops[i].node);
        if (path->hops[i].edge != UINT64_MAX)
            ms__touch_edge(snap->g, path->hops[i].edge);
        if (snap->classes)
            ms__need(snap, snap->classes->of, path->hops[i].node);
    }
    ms__snapshot_heap(snap, &h);
    return ms__path_signature(&h, path, buf, cap);
}

ms_node ms_edge_source(const ms_snapshot *snap, uint64_t e)
{
    return ms__edge_source(snap->g, e);
}
