/*
 * compare.c: comparisons of snapshots (compare/), planned so that memsnap
 * holds about one graph at a time: the id orders, shallow sizes and
 * classes one array at a time, each step's scratch given back before the
 * next; AFTER's dominators and paths after BEFORE can be freed.
 */
#include "native.h"
#include "snapshot.h"

#include "../compare/compare.h"
#include "../graph/classes.h"
#include "../snapshot/trace.h"

#include <string.h>

/* Copies of the inputs' facts (names too) into infos/names: they outlive
 * snapshots freed before the result is read. */
static int keep_inputs(ms_snapshot_info *infos, char **names, ms_snapshot *a, ms_snapshot *b,
                       ms_snapshot *c, ms_error *err)
{
    ms_snapshot *in[3] = {a, b, c};
    int rc = MS_OK;
    for (unsigned i = 0; i < 3 && in[i]; i++) {
        ms_snapshot_info info;
        ms_snapshot_info_get(in[i], &info);
        MS_TRY(ms__keep_input(infos, names, i, &info, err));
    }
done:
    return rc;
}

/* *o: opts, or the defaults for NULL; checks the version. */
static int compare_options(const ms_compare_options *opts, const ms_compare_options **o,
                           ms_error *err)
{
    static const ms_compare_options defaults = MS_COMPARE_OPTIONS_INIT;
    *o = opts ? opts : &defaults;
    return ms__check_version(err, "ms_compare_options", (*o)->version,
                             MS_COMPARE_OPTIONS_VERSION);
}

/* BEFORE's classes: named with AFTER's naming data (DevTools' Memory
 * panel names the base snapshot's plain objects with the current one's
 * interface definitions) when both have the same rules and AFTER keeps
 * some; else its own, cached.  *own (the caller frees it) is set when
 * they are made for this comparison only. */
static int before_classes(ms_snapshot *before, const ms__classes *acl, const ms_compare_options *o,
                          const ms__classes **out, ms__classes **own, ms_error *err)
{
    *own = NULL;
    if (o->group == MS_GROUP_CLASS && o->interfaces == MS_INTERFACES_AFTER && acl->defs &&
        before->rules.classes) {
        int rc = ms__classes_compute(before->g, &before->rules, acl->defs, &before->pool, own, err);
        *out = *own;
        return rc;
    }
    return ms__snapshot_classes(before, o->group, out, err);
}

ms_status ms_compare_compute(ms_snapshot *before, ms_snapshot *after, const ms_compare_options *opts,
                       ms_compare **out, ms_error *err)
{
    const ms_compare_options *o;
    const ms__classes *bcl = NULL, *acl = NULL;
    ms__classes *own_bcl = NULL;
    const uint64_t *unused64;
    const uint32_t *unused32;
    ms__heap bh, ah;
    ms__compare_inputs in;
    ms__edges_job edges;
    ms_compare *c = NULL;
    double t0 = ms__now();
    int rc = MS_OK;

    *out = NULL;
    memset(&edges, 0, sizeof edges);
    MS_TRY(compare_options(opts, &o, err));
    MS_TRY(ms__snapshot_whole(before, err));
    MS_TRY(ms__snapshot_whole(after, err));
    ms__native_for_compare(before);
    ms__native_for_compare(after);
    /* Meanwhile a second thread makes AFTER's edge rules, which its paths
     * need first (a BFS: 4 bytes per node of scratch, under the classes'
     * peak; a few MB kept). */
    if (o->paths && o->group == MS_GROUP_CLASS && o->match != MS_MATCH_BY_CLASS)
        ms__snapshot_edges_start(after, &edges);
    MS_TRY(ms__snapshot_by_id(before, &unused32, err));
    MS_TRY(ms__snapshot_by_id(after, &unused32, err));
    MS_TRY(ms__snapshot_shallow(before, &unused64, err));
    MS_TRY(ms__snapshot_shallow(after, &unused64, err));
    MS_TRY(ms__snapshot_edges_join(after, &edges, MS_OK, err));
    ms__pool_drain(&before->pool);
    ms__pool_drain(&after->pool);
    /* Classes: AFTER's first (BEFORE's may be named by them). */
    MS_TRY(ms__snapshot_classes(after, o->group, &acl, err));
    ms__pool_drain(&after->pool);
    /* where the classes are, for people (a few bytes per script) */
    MS_TRY(ms__snapshot_compute(after, MS_ANALYSIS_SOURCES, MS__PLAN_FAST, err));
    MS_TRY(before_classes(before, acl, o, &bcl, &own_bcl, err));
    ms__pool_drain(&before->pool);

    ms__snapshot_heap(before, &bh);
    ms__snapshot_heap(after, &ah);
    in = (ms__compare_inputs){&bh, &ah, bcl, acl, ms_snapshot_is_site_trace(before) != 0,
                              ms_snapshot_is_site_trace(after) != 0};
    MS_TRY(ms__compare_rows(&in, o, &c, err));
    c->after = after;
    c->before = before;
    MS_TRY(keep_inputs(c->input, c->input_name, before, after, NULL, err));
    if (c->by_id && o->paths == MS_COMPARE_PATHS_GROUP && o->group == MS_GROUP_CLASS)
        MS_TRY(ms_compare_add_paths(c, o, err));
    c->seconds = ms__now() - t0;
    *out = c;
    c = NULL;
done:
    rc = ms__snapshot_edges_join(after, &edges, rc, err);
    ms__classes_free(own_bcl);
    ms_compare_free(c);
    return rc;
}

ms_status ms_compare_add_paths(ms_compare *c, const ms_compare_options *opts, ms_error *err)
{
    const ms_compare_options *o;
    ms_snapshot *after = c->after;
    ms_path_groups *groups = NULL;
    const uint64_t *unused;
    ms__heap ah;
    int rc = MS_OK;

    MS_TRY(compare_options(opts, &o, err));
    if (!c->by_id || !c->member || c->groups || o->group != MS_GROUP_CLASS)
        return ms__fail(err, MS_EINVAL, UINT64_MAX,
                        "compare: paths need objects matched by id, rows per class, and no paths "
                        "yet");
    /* The dominator scratch is the peak: the id order is done with, and
     * the classes and shallow sizes are cheaper to compute again after
     * than to hold meanwhile (12 bytes per node; those bytes go to the
     * distances, which run next to the dominators' DFS instead of after). */
    if (!after->idom && !after->retained) {
        ms__snapshot_forget(after, MS__FORGET_ID_ORDER | MS__FORGET_SHALLOW | MS__FORGET_CLASSES);
        ms__pool_drain(&after->pool);
        if (after->release_memory)
            after->release_memory(after->payload);
        c->acl = NULL;
        c->ashallow = NULL;
    }
    MS_TRY(ms__group_new(after, c->member, &c->instances, o, &groups, err));
    MS_TRY(ms__snapshot_shallow(after, &unused, err));
    ms__snapshot_heap(after, &ah);
    ms__compare_set_groups(c, &ah, groups);
    groups = NULL;
done:
    ms_path_groups_free(groups);
    return rc;
}

ms_status ms_leaks_compute(ms_snapshot *baseline, ms_snapshot *target, ms_snapshot *final,
                     const ms_compare_options *opts, ms_leaks **out, ms_error *err)
{
    const ms_compare_options *o;
    const uint64_t *unused64;
    const uint32_t *unused32;
    uint64_t *member = NULL, *held = NULL, instances = 0, program = 0, program_retained = 0;
    ms_path_groups *groups = NULL;
    ms_leaks *l = NULL;
    ms__heap bh, th, fh;
    double t0 = ms__now();
    int rc = MS_OK;

    *out = NULL;
    if ((rc = compare_options(opts, &o, err)) < 0)
        return rc;
    MS_TRY(ms__snapshot_whole(baseline, err));
    MS_TRY(ms__snapshot_whole(target, err));
    MS_TRY(ms__snapshot_whole(final, err));
    ms__native_for_compare(baseline);
    ms__native_for_compare(target);
    ms__native_for_compare(final);
    MS_TRY(ms__snapshot_by_id(baseline, &unused32, err));
    MS_TRY(ms__snapshot_by_id(target, &unused32, err));
    MS_TRY(ms__snapshot_by_id(final, &unused32, err));
    ms__snapshot_heap(baseline, &bh);
    ms__snapshot_heap(target, &th);
    ms__snapshot_heap(final, &fh);
    MS_TRY(ms__same_process(&bh, baseline->name, &th, target->name, err));
    MS_TRY(ms__same_process(&th, target->name, &fh, final->name, err));
    MS_TRY(ms__snapshot_compute(final, MS_ANALYSIS_PATHS | MS_ANALYSIS_RETAINED |
                                           MS_ANALYSIS_CLASSES | MS_ANALYSIS_DOMINATOR_TREE,
                                MS__PLAN_FAST, err));
    MS_TRY(ms__snapshot_shallow(final, &unused64, err));
    ms__snapshot_heap(final, &fh);
    MS_TRY(ms__leak_members(&bh, &th, &fh, &member, &instances, err));
    /* before the grouping, which may free the dominators it no longer needs */
    MS_TRY(ms__leaks_program(&fh, member, &program, &program_retained, &held, err));
    MS_TRY(ms__group_new(final, member, &instances, o, &groups, err));
    ms__snapshot_heap(final, &fh);
    rc = ms__leaks_finish(&fh, member, held, groups, &l, err);
    groups = NULL;
    if (rc < 0)
        goto done;
    l->totals.program_count = program;
    l->totals.program_retained_size = program_retained;
    l->final = final;
    MS_TRY(keep_inputs(l->input, l->input_name, baseline, target, final, err));
    l->seconds = ms__now() - t0;
    *out = l;
    l = NULL;
done:
    ms_leaks_free(l);
    ms_path_groups_free(groups);
    free(member);
    free(held);
    return rc;
}

ms_snapshot *ms_compare_after(const ms_compare *c) { return c->after; }
ms_snapshot *ms_compare_before(const ms_compare *c) { return c->before; }
ms_snapshot *ms_leaks_final(const ms_leaks *l) { return l->final; }

/* ---- whole jobs -------------------------------------------------------------- */

/* The snapshots a job's result owns. */
typedef struct owned {
    ms_snapshot *snap[3];
} owned;

static void release_owned(void *arg)
{
    owned *o = arg;
    for (unsigned i = 0; i < 3; i++)
        ms_snapshot_free(o->snap[i]);
    free(o);
}

/* Opens path in the job's size mode. */
static int open_input(const char *path, const ms_open_options *open, const ms_compare_options *o,
                      ms_snapshot **out, ms_error *err)
{
    int rc = ms_snapshot_open(out, path, open, err);
    if (rc == MS_OK)
        ms_snapshot_set_sizes(*out, o->sizes);
    if (rc == MS_OK && (rc = ms__snapshot_whole(*out, err)) < 0) {
        ms_snapshot_free(*out);
        *out = NULL;
    }
    if (rc == MS_OK)
        ms__native_for_compare(*out);
    return rc;
}

ms_status ms_compare_files(const char *before_path, const char *after_path,
                           const ms_open_options *open, const ms_compare_options *opts,
                           ms_compare **out, ms_error *err)
{
    const ms_compare_options *o;
    ms_compare_options first;
    ms_snapshot *before = NULL, *after = NULL;
    ms_compare *c = NULL;
    owned *keep = NULL;
    double seconds = 0, t0;
    bool traces;
    int rc = MS_OK;

    *out = NULL;
    MS_TRY(compare_options(opts, &o, err));
    keep = calloc(1, sizeof *keep);
    if (!keep) {
        rc = ms__oom(err, "compare");
        goto done;
    }
    /* One graph at a time where possible: BEFORE shrinks to what the
     * comparison reads of it before AFTER loads, and is freed before
     * AFTER's dominators and paths are computed. */
    MS_TRY(open_input(before_path, open, o, &before, err));
    if (!ms_snapshot_is_site_trace(before)) {
        t0 = ms__now();
        MS_TRY(ms_snapshot_keep_for_compare(before, err));
        seconds += ms__now() - t0;
    }
    MS_TRY(open_input(after_path, open, o, &after, err));
    t0 = ms__now();
    first = *o;
    first.paths = o->paths ? MS_COMPARE_PATHS_LATER : MS_COMPARE_PATHS_NONE;
    MS_TRY(ms_compare_compute(before, after, &first, &c, err));
    traces = ms_snapshot_is_site_trace(before) && ms_snapshot_is_site_trace(after);
    if (traces) {
        MS_TRY(ms_trace_diff_compute(before, after, &c->trace, err));
        c->trace_final[0] = before->g->trace->info.final_bytes;
        c->trace_final[1] = after->g->trace->info.final_bytes;
    } else {
        /* BEFORE is no longer needed; its memory goes back first. */
        ms_snapshot_free(before);
        before = NULL;
        c->before = NULL;
    }
    if (o->paths && c->by_id && o->group == MS_GROUP_CLASS)
        MS_TRY(ms_compare_add_paths(c, o, err));
    c->seconds = seconds + ms__now() - t0;
    keep->snap[0] = before;
    keep->snap[1] = after;
    before = after = NULL;
    c->owner = keep;
    c->release = release_owned;
    keep = NULL;
    *out = c;
    c = NULL;
done:
    ms_compare_free(c);
    ms_snapshot_free(before);
    ms_snapshot_free(after);
    free(keep);
    return rc;
}

ms_status ms_leaks_files(const char *baseline, const char *target, const char *final,
                         const ms_open_options *open, const ms_compare_options *opts,
                         ms_leaks **out, ms_error *err)
{
    const ms_compare_options *o;
    const char *path[3] = {baseline, target, final};
    owned *keep = NULL;
    ms_leaks *l = NULL;
    int rc = MS_OK;

    *out = NULL;
    if ((rc = compare_options(opts, &o, err)) < 0)
        return rc; /* before three snapshots are loaded */
    keep = calloc(1, sizeof *keep);
    if (!keep)
        return ms__oom(err, "leaks");
    for (unsigned i = 0; i < 3; i++) {
        MS_TRY(open_input(path[i], open, o, &keep->snap[i], err));
        /* BASELINE and TARGET are read for their ids only: shrink each
         * before the next loads. */
        if (i < 2)
            MS_TRY(ms_snapshot_keep_for_compare(keep->snap[i], err));
    }
    MS_TRY(ms_leaks_compute(keep->snap[0], keep->snap[1], keep->snap[2], o, &l, err));
    l->owner = keep;
    l->release = release_owned;
    keep = NULL;
    *out = l;
done:
    if (keep)
        release_owned(keep);
    return rc;
}
