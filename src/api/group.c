/*
 * group.c: objects grouped by retention path (paths/groups.c), with the
 * analyses they need computed one stage at a time: `why --class`, and the
 * new or leaked objects of compare and leaks.
 */
#include "native.h"
#include "snapshot.h"

#include "../compare/compare.h"
#include "../paths/paths.h"
#include "../util/bitset.h"

#include <stdio.h>
#include <string.h>

int ms__group_members(ms_snapshot *snap, const uint64_t *member, uint64_t instances,
                      ms__group_by by, bool lean, uint32_t *group_of, ms_path_groups **out,
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
    MS_TRY(ms__group_begin(&h, member, instances, by, &gr, err));
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

/* A class asked for as displayed: "Name  file.js:12:5", "Name (file.js:12)",
 * the file as shown (its last part), whole, or "script N". */
typedef struct class_query {
    const char *name;
    size_t base_len;          /* the name before the location */
    const char *file;         /* the location's file part, file_len bytes */
    size_t file_len;
    uint32_t line, column;    /* 1-based; column 0: any */
} class_query;

/* Reads a trailing "[(]FILE:LINE[:COLUMN][)]" off q->name; false without one. */
static bool parse_class_query(class_query *q)
{
    const char *s = q->name, *end = s + strlen(s), *p, *start;
    uint32_t num[2] = {0, 0};
    int nums = 0;
    if (end > s && end[-1] == ')')
        end--;
    p = end;
    while (nums < 2) {
        const char *d = p;
        uint64_t v = 0;
        while (d > s && d[-1] >= '0' && d[-1] <= '9')
            d--;
        if (d == p || d == s || d[-1] != ':' || p - d > 9)
            break;
        for (const char *c = d; c < p; c++)
            v = v * 10 + (uint64_t)(*c - '0');
        num[nums++] = (uint32_t)v;
        p = d - 1;
    }
    if (nums == 0)
        return false;
    start = p;
    while (start > s && start[-1] != ' ' && start[-1] != '(')
        start--;
    if (start - s >= 7 && memcmp(start - 7, "script ", 7) == 0)
        start -= 7;
    if (start == p || start == s)
        return false;
    q->file = start;
    q->file_len = (size_t)(p - start);
    q->line = nums == 2 ? num[1] : num[0];
    q->column = nums == 2 ? num[0] : 0;
    if (start[-1] == '(')
        start--;
    while (start > s && start[-1] == ' ')
        start--;
    q->base_len = (size_t)(start - s);
    return q->base_len > 0;
}

/* Whether class c (key "script,line,column,Name", 0-based) is the one q
 * names with its location. */
static bool class_at(const ms_snapshot *snap, const ms__classes *cl, uint32_t c,
                     const class_query *q)
{
    const char *cname = ms__class_name(cl, c), *file;
    ms__position at;
    char alt[32];
    size_t fl;
    if (strlen(cname) != q->base_len || memcmp(cname, q->name, q->base_len) != 0 ||
        !ms__class_key_position(ms__class_key(cl, c), &at) || at.line + 1 != q->line ||
        (q->column && at.column + 1 != q->column))
        return false;
    snprintf(alt, sizeof alt, "script %u", at.script_id);
    if (q->file_len == strlen(alt) && memcmp(q->file, alt, q->file_len) == 0)
        return true;
    if (!(file = ms_script_name(snap, at.script_id)))
        return false;
    fl = strlen(file);
    return fl >= q->file_len && memcmp(file + fl - q->file_len, q->file, q->file_len) == 0 &&
           (fl == q->file_len || file[fl - q->file_len - 1] == '/' ||
            file[fl - q->file_len - 1] == '\\');
}

int ms__classes_named(const ms_snapshot *snap, const char *name, bool **has_class,
                      ms_error *err)
{
    class_query q = {.name = name};
    bool located = parse_class_query(&q), any = false;
    const ms__classes *cl = snap->classes;
    bool *has = NULL;
    *has_class = NULL;
    if (!cl)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "%s: classes are not computed", snap->name);
    if (ms__alloc_array_zero(&has, cl->count ? cl->count : 1, 1, "classes", err) < 0)
        return MS_ENOMEM;
    for (uint32_t c = 0; c < cl->count; c++) {
        has[c] = strcmp(ms__class_name(cl, c), name) == 0 ||
                 strcmp(ms__class_key(cl, c), name) == 0 || (located && class_at(snap, cl, c, &q));
        any |= has[c];
    }
    if (!any) {
        free(has);
        return ms__fail(err, MS_ENOTFOUND, UINT64_MAX, "%s: no class named \"%s\"", snap->name,
                        name);
    }
    *has_class = has;
    return MS_OK;
}

ms_status ms_path_groups_by_class(ms_snapshot *snap, const char *name, ms_path_groups **out, ms_error *err)
{
    const ms__graph *g = snap->g;
    const ms__classes *cl;
    uint64_t *member = NULL, instances = 0;
    bool *has_class = NULL;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(ms__snapshot_whole(snap, err));
    MS_TRY(ms__snapshot_compute(snap, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED |
                                          MS_ANALYSIS_CLASSES | MS_ANALYSIS_DOMINATOR_TREE,
                                MS__PLAN_FAST, err));
    cl = snap->classes;
    MS_TRY(ms__classes_named(snap, name, &has_class, err));
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
    rc = ms__group_members(snap, member, instances, MS__GROUP_SET, false, NULL, out, err);
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
    MS_TRY(ms__snapshot_whole(snap, err));
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
    rc = ms__group_members(snap, member, instances, MS__GROUP_CLASS, false, NULL, out, err);
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
    MS_TRY(ms__group_members(snap, member, *instances, MS__GROUP_CAUSE, !o->ignore_path_count, group_of, &w,
                             err));
    if (o->ignore_path_count) {
        /* Drop the groups whose path matches a pattern, then group again so
         * that the retained totals leave them out exactly. */
        ms__snapshot_heap(snap, &h);
        MS_TRY(ms__drop_ignored_paths(&h, w, group_of, member, instances, o, &dropped, err));
        if (dropped) {
            ms_path_groups_free(w);
            w = NULL;
            MS_TRY(ms__group_members(snap, member, *instances, MS__GROUP_CAUSE, true, NULL, &w, err));
        }
    }
    *out = w;
    w = NULL;
done:
    ms_path_groups_free(w);
    free(group_of);
    return rc;
}
