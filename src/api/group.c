/*
 * group.c: objects grouped by retention path (paths/groups.c), with the
 * analyses they need computed one stage at a time: `why --class`, and the
 * new or leaked objects of compare and leaks.
 */
#include "snapshot.h"

#include "../compare/compare.h"
#include "../paths/paths.h"
#include "../util/bitset.h"

#include <string.h>

int ms__group_members(ms_snapshot *snap, const uint64_t *member, uint64_t instances,
                      bool per_class, bool lean, uint32_t *group_of, ms_path_groups **out,
                      ms_error *err)
{
    const uint64_t *shallow = NULL;
    ms__grouping gr;
    ms__heap h;
    int rc = MS_OK;

    *out = NULL;
    memset(&gr, 0, sizeof gr);
    /* The dominators first: their scratch is the peak.  Lean: the distances
     * run next to their DFS and the classes next to the retained sizes, and
     * the immediate dominators go once the tree is built. */
    MS_TRY(ms__snapshot_compute(snap,
                                MS_ANALYSIS_RETAINED |
                                    (lean ? MS_ANALYSIS_DISTANCES | MS_ANALYSIS_CLASSES : 0u),
                                lean ? MS__PLAN_LEAN : MS__PLAN_FAST, err));
    if (lean)
        ms__pool_drain(&snap->pool); /* the dominators' and shallow sizes' scratch */
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_DOMINATOR_TREE, MS__PLAN_FAST, err));
    if (lean)
        ms__snapshot_forget(snap, MS__FORGET_IDOM);
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_CLASSES, MS__PLAN_FAST, err));
    MS_TRY(ms__snapshot_shallow(snap, &shallow, err));
    ms__snapshot_heap(snap, &h);
    MS_TRY(ms__group_begin(&h, member, instances, per_class, &gr, err));
    if (lean)
        ms__snapshot_forget(snap, MS__FORGET_DOMINATORS);
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_PATHS, MS__PLAN_FAST, err));
    if (lean)
        ms__pool_drain(&snap->pool); /* the BFS queues are done with */
    ms__snapshot_heap(snap, &h);
    rc = ms__group_end(&h, &gr, group_of, out, err);
done:
    ms__group_abort(&gr);
    return rc;
}

ms_status ms_path_groups_by_class(ms_snapshot *snap, const char *name, ms_path_groups **out, ms_error *err)
{
    const ms__graph *g = snap->g;
    const ms__classes *cl;
    uint64_t *member = NULL, instances = 0;
    bool *has_class = NULL, any = false;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED |
                                          MS_ANALYSIS_CLASSES | MS_ANALYSIS_DOMINATOR_TREE,
                                MS__PLAN_FAST, err));
    cl = snap->classes;
    /* The classes called `name` (by name or by key). */
    MS_TRY(ms__alloc_array_zero(&has_class, cl->count ? cl->count : 1, 1, "why", err));
    for (uint32_t c = 0; c < cl->count; c++) {
        has_class[c] = strcmp(ms__class_name(cl, c), name) == 0 ||
                       strcmp(ms__class_key(cl, c), name) == 0;
        any |= has_class[c];
    }
    if (!any) {
        rc = ms__fail(err, MS_ENOTFOUND, UINT64_MAX, "%s: no class named \"%s\"", snap->name,
                      name);
        goto done;
    }
    MS_TRY(ms__bitset_alloc(&member, g->node_count, "why", err));
    for (uint32_t n = 0; n < g->node_count; n++) {
        if (has_class[cl->of[n]] && g->node_type[n] != MS_NT_SYNTHETIC) {
            ms__bit_set(member, n);
            instances++;
        }
    }
    if (instances == 0) {
        rc = ms__fail(err, MS_ENOTFOUND, UINT64_MAX, "%s: no object of class \"%s\"", snap->name,
                      name);
        goto done;
    }
    /* Same-named classes (several locations) count as one for retained
     * sizes: an instance inside another is not counted twice. */
    rc = ms__group_members(snap, member, instances, false, false, NULL, out, err);
done:
    free(member);
    free(has_class);
    return rc;
}

ms_status ms_path_groups_of_nodes(ms_snapshot *snap, const ms_node *nodes, size_t count, ms_path_groups **out,
                         ms_error *err)
{
    uint64_t *member = NULL, instances = 0;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED |
                                          MS_ANALYSIS_CLASSES | MS_ANALYSIS_DOMINATOR_TREE,
                                MS__PLAN_FAST, err));
    MS_TRY(ms__bitset_alloc(&member, snap->g->node_count, "why", err));
    for (size_t i = 0; i < count; i++) {
        ms_node n = nodes[i];
        if (n >= snap->g->node_count) {
            rc = ms__fail(err, MS_EINVAL, UINT64_MAX, "node index %u out of range", n);
            goto done;
        }
        if (!ms__bit(member, n)) {
            ms__bit_set(member, n);
            instances++;
        }
    }
    rc = ms__group_members(snap, member, instances, true, false, NULL, out, err);
done:
    free(member);
    return rc;
}

int ms__group_new(ms_snapshot *snap, uint64_t *member, uint64_t *instances,
                  const ms_compare_options *o, ms_path_groups **out, ms_error *err)
{
    const uint32_t N = snap->g->node_count;
    ms_path_groups *w = NULL;
    uint32_t *group_of = NULL;
    bool dropped = false;
    ms__heap h;
    int rc = MS_OK;

    *out = NULL;
    /* Classes for the ignore list (after the dominators, whose scratch is
     * the peak); the rest in stages (ms__group_members). */
    if (o->ignore_class_count) {
        MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_RETAINED, MS__PLAN_FAST, err));
        MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_CLASSES, MS__PLAN_FAST, err));
        ms__snapshot_heap(snap, &h);
        MS_TRY(ms__drop_ignored_classes(&h, member, instances, o, err));
    }
    if (o->ignore_path_count)
        MS_TRY(ms__alloc_array(&group_of, N ? N : 1, 4, "compare", err));
    /* A second grouping (ignored paths) needs the dominator tree again. */
    MS_TRY(ms__group_members(snap, member, *instances, true, !o->ignore_path_count, group_of, &w,
                             err));
    if (o->ignore_path_count) {
        /* Drop the groups whose path matches a pattern, then group again so
         * that the retained totals leave them out exactly. */
        ms__snapshot_heap(snap, &h);
        MS_TRY(ms__drop_ignored_paths(&h, w, group_of, member, instances, o, &dropped, err));
        if (dropped) {
            ms_path_groups_free(w);
            w = NULL;
            MS_TRY(ms__group_members(snap, member, *instances, true, true, NULL, &w, err));
        }
    }
    *out = w;
    w = NULL;
done:
    ms_path_groups_free(w);
    free(group_of);
    return rc;
}
