/*
 * compute.c: the planner.  Which analyses a request needs, in which order,
 * which run on a second thread, and what goes back to the system before
 * the next memory peak.  Every analysis is computed by the layers below
 * (graph, dominators, paths); this file only schedules them and keeps
 * their results in the handle.
 *
 * The peak of a whole set of analyses is the dominators' second phase (the
 * predecessor lists next to the vertex records, dominators.h), so the
 * dominators run first, while nothing else holds memory, and what they
 * free is reused by the rest through the snapshot's pool.  With two
 * threads (MS__PLAN_FAST) the dominator tree runs on the second one next
 * to the distances and classes (about 12 bytes per node more at the
 * peak); MS__PLAN_LEAN overlaps only what fits under the peak.
 */
#include "native.h"
#include "snapshot.h"

#include "../dominators/dominators.h"
#include "../graph/classes.h"
#include "../graph/distances.h"
#include "../paths/paths.h"
#include "../util/sort.h"

#include <string.h>

/* Below this many nodes a second thread saves less than it costs. */
#define PARALLEL_MIN_NODES 10000

bool ms__snapshot_two_threads(const ms_snapshot *s)
{
    return s->threads > 1 && s->g->node_count >= PARALLEL_MIN_NODES;
}

/* ---- single analyses, cached -------------------------------------------------- */

int ms__snapshot_by_id(ms_snapshot *s, const uint32_t **out, ms_error *err)
{
    const ms__graph *g = s->g;
    const uint32_t N = g->node_count;
    uint32_t *idx = NULL;
    uint64_t *key = NULL;
    int rc = MS_OK;
    if (s->by_id) {
        *out = s->by_id;
        return MS_OK;
    }
    *out = NULL;
    MS_TRY(ms__snapshot_whole(s, err));
    MS_TRY(ms__alloc_array(&idx, N ? N : 1, 4, "id index", err));
    MS_TRY(ms__alloc_array(&key, N ? N : 1, 8, "id index", err));
    if (!g->node_id_hi) {
        /* 32-bit ids: sort id << 32 | node by the id bytes; ties keep node
         * order. */
        for (uint32_t n = 0; n < N; n++)
            key[n] = (uint64_t)g->node_id_lo[n] << 32 | n;
        MS_TRY(ms__radix_sort_u64(key, N, 4, err));
        for (uint32_t i = 0; i < N; i++)
            idx[i] = (uint32_t)key[i];
    } else {
        for (uint32_t n = 0; n < N; n++) {
            key[n] = ms__node_id(g, n);
            idx[n] = n;
        }
        MS_TRY(ms__radix_sort_kv(key, idx, N, err));
    }
    s->by_id = idx;
    idx = NULL;
    *out = s->by_id;
done:
    free(key);
    free(idx);
    return rc;
}

int ms__snapshot_shallow(ms_snapshot *s, const uint64_t **out, ms_error *err)
{
    int rc;
    *out = NULL;
    if (s->sizes == MS_SIZES_RAW || !s->rules.shallow_sizes)
        return MS_OK;
    if (!s->shallow) {
        if ((rc = ms__pool_alloc(&s->pool, &s->shallow, s->g->node_count, 8, false,
                                 "shallow sizes", err)) < 0)
            return rc;
        if ((rc = s->rules.shallow_sizes(&s->rules, s->g, &s->pool, s->shallow, err)) < 0) {
            free(s->shallow);
            s->shallow = NULL;
            return rc;
        }
    }
    *out = s->shallow;
    return MS_OK;
}

int ms__snapshot_classes(ms_snapshot *s, ms_summary_group group, const ms__classes **out,
                         ms_error *err)
{
    int rc = MS_OK;
    if (group == MS_GROUP_SITE) {
        MS_TRY(ms__snapshot_whole(s, err));
        if (!s->sites)
            MS_TRY(ms__classes_by_site(s->g, &s->pool, &s->sites, err));
        *out = s->sites;
    } else {
        MS_TRY(ms__snapshot_compute(s, MS_ANALYSIS_CLASSES, MS__PLAN_FAST, err));
        *out = s->classes;
    }
done:
    return rc;
}

/* The rules' edge data for s (V8: page-owned flags, WeakMap ephemerons),
 * made here. */
static int make_edge_rules(ms_snapshot *s, ms__v8_edges *x, ms_error *err)
{
    return ms__v8_edges_make(&s->v8, s->g, x, err);
}

int ms__snapshot_edge_rules(ms_snapshot *s, ms_error *err)
{
    ms__v8_edges x;
    int rc;
    if (s->compare_base)
        return ms__fail(err, MS_EINVAL, UINT64_MAX,
                        "%s: the snapshot was reduced to a comparison base", s->name);
    if (!s->rules.edges_needed || s->rules.edges_ready)
        return MS_OK;
    if ((rc = ms__snapshot_whole(s, err)) < 0 || (rc = make_edge_rules(s, &x, err)) < 0)
        return rc;
    ms__v8_edges_install(&s->v8, &s->rules, &x);
    return MS_OK;
}

static int edges_job_run(void *arg, ms_error *err)
{
    ms__edges_job *j = arg;
    int rc = make_edge_rules(j->s, &j->x, err);
    j->made = rc == MS_OK;
    return rc;
}

void ms__snapshot_edges_start(ms_snapshot *s, ms__edges_job *j)
{
    memset(j, 0, sizeof *j);
    j->s = s;
    if (ms__snapshot_two_threads(s) && !s->compare_base && s->rules.edges_needed &&
        !s->rules.edges_ready)
        ms__task_start(&j->task, edges_job_run, j);
}

int ms__snapshot_edges_join(ms_snapshot *s, ms__edges_job *j, int rc, ms_error *err)
{
    rc = ms__task_join(&j->task, rc, err, NULL);
    if (j->made) { /* nobody else made them meanwhile */
        ms__v8_edges_install(&s->v8, &s->rules, &j->x);
        j->made = false;
    }
    return rc;
}

void ms__snapshot_forget(ms_snapshot *s, unsigned what)
{
    if (what & MS__FORGET_EDGE_ANALYSES)
        what |= MS__FORGET_DOMINATORS;
    if (what & MS__FORGET_ID_ORDER) {
        free(s->by_id);
        s->by_id = NULL;
    }
    if (what & MS__FORGET_SHALLOW)
        ms__native_free_array(s, (void **)&s->shallow);
    if (what & MS__FORGET_CLASSES) {
        /* Their naming data stays: the same classes computed again need not
         * infer it again. */
        if (s->classes && s->classes->defs && !s->class_defs) {
            s->class_defs = s->classes->defs;
            s->class_defs_free = s->classes->defs_free;
            s->classes->defs = NULL;
        }
        if (s->classes)
            ms__native_free_array(s, (void **)&s->classes->of);
        ms__classes_free(s->classes);
        s->classes = NULL;
        s->native_classes = false;
    }
    if (what & MS__FORGET_IDOM)
        ms__native_free_array(s, (void **)&s->idom);
    if (what & MS__FORGET_DOMINATORS) {
        ms__native_free_array(s, (void **)&s->idom);
        free(s->order);
        free(s->dom_first);
        free(s->dom_child);
        s->order = s->dom_first = s->dom_child = NULL;
    }
    if (what & MS__FORGET_EDGE_ANALYSES) {
        if (s->rules.edges_needed)
            ms__v8_edges_forget(&s->v8, &s->rules);
        if (s->rules.sources_ready || s->native_sources)
            ms__v8_sources_free(&s->v8, &s->rules);
        s->native_sources = false;
        ms__native_free_array(s, (void **)&s->distance);
        ms__native_free_array(s, (void **)&s->retained);
        ms__native_free_array(s, (void **)&s->parent_edge);
        ms__native_free_array(s, (void **)&s->ret_counts);
        ms__native_free_array(s, (void **)&s->other_first);
        ms__native_free_array(s, (void **)&s->other_from);
        free(s->top);
        free(s->top_reach);
        s->top = s->top_reach = NULL;
        s->top_count = 0;
        free(s->rev_first);
        free(s->rev_edge);
        s->rev_first = s->rev_edge = NULL;
    }
}

/* ---- a comparison base ----------------------------------------------------------- */

/* The id order as a task (it writes only s->by_id, and takes no pool)
 * while keep_for_compare computes the shallow sizes. */
static int sort_by_id(void *arg, ms_error *err)
{
    const uint32_t *unused;
    return ms__snapshot_by_id(arg, &unused, err);
}

/* Keeps the edges the classes read (the rules' class_reads_edges) and
 * frees the others: each kept edge moves down, never up, and the two
 * arrays are shrunk (realloc gives the freed tail back to the system). */
static void keep_class_edges(ms_snapshot *s)
{
    ms__graph *g = s->g;
    const ms__rules *r = &s->rules;
    const uint32_t N = g->node_count;
    uint64_t k = 0;
    for (uint32_t n = 0; n < N; n++) {
        uint64_t e = g->first_edge[n], end = g->first_edge[n + 1];
        g->first_edge[n] = (uint32_t)k;
        if (!r->class_reads_edges || !r->class_reads_edges(r, g, n))
            continue;
        for (; e < end; e++) {
            if (!(r->class_edge_types >> ms__edge_type(g, e) & 1))
                continue;
            g->edge_word[k] = g->edge_word[e];
            g->edge_name[k] = g->edge_name[e];
            k++;
        }
    }
    g->first_edge[N] = (uint32_t)k;
    s->file_edges = g->edge_count;
    g->edge_count = k;
    {
        /* Shrinking cannot fail in practice; if it does the blocks stay. */
        uint32_t *w = realloc(g->edge_word, (k ? k : 1) * 4);
        uint32_t *nm = w ? realloc(g->edge_name, (k ? k : 1) * 4) : NULL;
        if (w)
            g->edge_word = w;
        if (nm)
            g->edge_name = nm;
    }
}

ms_status ms_snapshot_keep_for_compare(ms_snapshot *s, ms_error *err)
{
    const uint64_t *shallow;
    const uint32_t *by_id;
    ms_size_mode mode = s->sizes;
    ms__task ids;
    int rc = MS_OK;

    if (s->compare_base)
        return MS_OK;
    MS_TRY(ms__snapshot_whole(s, err));
    /* The graph is whole here, the other one not loaded yet: room for both
     * arrays' scratch at once. */
    memset(&ids, 0, sizeof ids);
    if (ms__snapshot_two_threads(s) && !s->by_id)
        ms__task_start(&ids, sort_by_id, s);
    /* The rules' shallow sizes need every edge: compute them whatever the
     * mode, so that a later ms_snapshot_set_sizes still works. */
    s->sizes = MS_SIZES_DEVTOOLS;
    rc = ms__snapshot_shallow(s, &shallow, err);
    s->sizes = mode;
    rc = ms__task_join(&ids, rc, err, NULL);
    if (rc < 0)
        return rc;
    MS_TRY(ms__snapshot_by_id(s, &by_id, err));
    /* Analyses that read edges are now stale or useless. */
    ms__snapshot_forget(s, MS__FORGET_EDGE_ANALYSES);
    ms__pool_drain(&s->pool);
    keep_class_edges(s);
    s->compare_base = true;
done:
    return rc;
}

/* ---- the plans ------------------------------------------------------------------ */

static unsigned bit_index(unsigned what)
{
    unsigned k = 0;
    while (k + 1 < MS__ANALYSIS_COUNT && !(what & 1u << k))
        k++;
    return k;
}

double ms_snapshot_seconds(const ms_snapshot *snap, ms_analysis what)
{
    return snap->seconds[bit_index((unsigned)what)];
}

/* Adds the time since *t0 to analysis `what` and restarts the clock. */
static void charge(ms_snapshot *s, unsigned what, double *t0)
{
    double t = ms__now();
    s->seconds[bit_index(what)] += t - *t0;
    *t0 = t;
}

static int compute_distances(ms_snapshot *s, ms__pool *pool, ms_error *err)
{
    int rc;
    MS_TRY(ms__pool_alloc(pool, &s->distance, s->g->node_count, 4, false, "distances", err));
    if ((rc = ms__distances(s->g, &s->rules, pool, s->distance, err)) < 0) {
        free(s->distance);
        s->distance = NULL;
    }
done:
    return rc;
}

/* MS__PLAN_FAST on two threads: the edge rules (milestone 1) and the
 * dominator tree on the second thread, which owns the snapshot's pool;
 * this one computes what else `what` asks for that does not depend on
 * them: classes, then (once the rules are made) distances, with no pool
 * (its scratch goes back to the system at once, as the two sets of
 * scratch arrays are the peak).  Not the shallow sizes, whose 12 bytes per
 * node would raise the peak.  Reads of the graph are shared; each side
 * writes only its own arrays. */
typedef struct fast_job {
    ms_snapshot *s;
    uint32_t *idom, *order;
    ms__task task;
} fast_job;

static int fast_job_run(void *arg, ms_error *err)
{
    fast_job *j = arg;
    ms_snapshot *s = j->s;
    int rc = ms__snapshot_edge_rules(s, err);
    ms__task_reach(&j->task, 1);
    if (rc == MS_OK)
        rc = ms__dominators(s->g, &s->rules, &s->pool, NULL, &j->idom, &j->order, err);
    return rc;
}

static int compute_fast(ms_snapshot *s, unsigned what, ms_error *err)
{
    fast_job job;
    double t0, dom_seconds = 0;
    int rc = MS_OK;

    memset(&job, 0, sizeof job);
    job.s = s;
    if (!ms__task_start(&job.task, fast_job_run, &job))
        return MS_OK; /* the caller goes on alone */
    t0 = ms__now();
    /* Classes need no edge rules: they go first, while the task makes them. */
    if ((what & MS_ANALYSIS_CLASSES) && !s->classes) {
        rc = ms__classes_compute(s->g, &s->rules, NULL, NULL, &s->classes, err);
        charge(s, MS_ANALYSIS_CLASSES, &t0);
    }
    ms__task_wait_for(&job.task, 1);
    t0 = ms__now();
    if (rc == MS_OK && (!s->rules.edges_needed || s->rules.edges_ready) &&
        (what & MS_ANALYSIS_DISTANCES) && !s->distance) {
        rc = compute_distances(s, NULL, err);
        charge(s, MS_ANALYSIS_DISTANCES, &t0);
    }
    rc = ms__task_join(&job.task, rc, err, &dom_seconds);
    s->seconds[bit_index(MS_ANALYSIS_DOMINATORS)] += dom_seconds;
    if (job.idom) {
        s->idom = job.idom;
        s->order = job.order;
    }
    return rc;
}

/* MS__PLAN_LEAN's tasks: the distances next to the dominators' DFS
 * (joined before their predecessor lists), the classes next to the
 * retained sizes (they read the graph alone).  Neither gets the pool: the
 * dominators and the retained sizes use it. */
typedef struct lean_side {
    ms_snapshot *s;
    ms__classes *cl;
    ms__task distances, classes;
} lean_side;

static int late_distances(void *arg, ms_error *err)
{
    lean_side *l = arg;
    return compute_distances(l->s, NULL, err);
}

static int side_classes(void *arg, ms_error *err)
{
    lean_side *l = arg;
    return ms__classes_compute(l->s->g, &l->s->rules, l->s->class_defs, NULL, &l->cl, err);
}

/* Reports both tasks and keeps the classes made. */
static int join_lean_side(lean_side *l, int rc, ms_error *err)
{
    ms_snapshot *s = l->s;
    rc = ms__task_join(&l->distances, rc, err, &s->seconds[bit_index(MS_ANALYSIS_DISTANCES)]);
    rc = ms__task_join(&l->classes, rc, err, &s->seconds[bit_index(MS_ANALYSIS_CLASSES)]);
    if (l->cl && !s->classes) {
        s->classes = l->cl;
        l->cl = NULL;
    }
    ms__classes_free(l->cl);
    l->cl = NULL;
    return rc;
}

/* The dominators (both phases) on this thread; lean: the distances on a
 * second one next to the DFS, and the classes next to the retained sizes
 * that follow. */
static int compute_dominators(ms_snapshot *s, unsigned what, bool lean, lean_side *side,
                              ms_error *err)
{
    ms__dom_run run;
    int rc = MS_OK;
    bool two = ms__snapshot_two_threads(s);
    if (lean && two && (what & MS_ANALYSIS_DISTANCES) && !s->distance)
        ms__task_start(&side->distances, late_distances, side);
    MS_TRY(ms__dominators_begin(&run, s->g, &s->rules, &s->pool, NULL, err));
    /* The distances' scratch goes before the dominators' peak. */
    ms__task_wait(&side->distances);
    MS_TRY(ms__dominators_end(&run, &s->idom, &s->order, err));
    /* Lean: the classes (which read the graph alone) on a second thread
     * next to the retained sizes; the dominators' scratch goes back first,
     * and the shallow sizes' before the retained sizes come, so that the
     * two sides fit under the dominators' peak. */
    if (lean && (what & MS_ANALYSIS_CLASSES) && !s->classes && (what & MS_ANALYSIS_RETAINED) &&
        !s->retained && two) {
        ms__pool_drain(&s->pool);
        ms__task_start(&side->classes, side_classes, side);
    }
done:
    return rc;
}

static int compute_retained(ms_snapshot *s, const lean_side *side, ms_error *err)
{
    const uint64_t *shallow;
    int rc = MS_OK;
    MS_TRY(ms__snapshot_shallow(s, &shallow, err));
    if (side->classes.started)
        ms__pool_drain(&s->pool);
    MS_TRY(ms__pool_alloc(&s->pool, &s->retained, s->g->node_count, 8, false, "retained sizes",
                          err));
    ms__retained_sizes(s->g, shallow, s->idom, s->order, s->retained);
    ms__pool_release(&s->pool, s->order, (uint64_t)s->g->node_count + 1, 4);
    s->order = NULL;
done:
    return rc;
}

static int compute_paths(ms_snapshot *s, ms_error *err)
{
    int rc = MS_OK;
    MS_TRY(ms__pool_alloc(&s->pool, &s->parent_edge, s->g->node_count, 4, false,
                          "retention paths", err));
    if ((rc = ms__path_tree(s->g, &s->rules, s->distance, &s->pool, s->parent_edge, err)) < 0) {
        free(s->parent_edge);
        s->parent_edge = NULL;
    }
done:
    return rc;
}

/* What `what` implies: retained sizes and the dominator tree need the
 * dominators while they are missing (they may have been freed since);
 * paths need distances and sources. */
static unsigned closure(const ms_snapshot *s, unsigned what)
{
    if (((what & MS_ANALYSIS_DOMINATOR_TREE) && !s->dom_first) ||
        ((what & MS_ANALYSIS_RETAINED) && !s->retained))
        what |= MS_ANALYSIS_DOMINATORS;
    /* path signatures fold the runtime's hops, told by the sources */
    if (what & MS_ANALYSIS_PATHS)
        what |= MS_ANALYSIS_DISTANCES | MS_ANALYSIS_SOURCES;
    return what;
}

int ms__snapshot_compute(ms_snapshot *s, unsigned what, ms__plan plan, ms_error *err)
{
    const bool lean = plan == MS__PLAN_LEAN;
    bool need_dom;
    lean_side side;
    double t0 = ms__now();
    int rc = MS_OK;

    memset(&side, 0, sizeof side);
    side.s = s;
    if (s->compare_base && (what & ~(unsigned)MS_ANALYSIS_CLASSES))
        return ms__fail(err, MS_EINVAL, UINT64_MAX,
                        "%s: the snapshot was reduced to a comparison base: only its classes "
                        "can be computed",
                        s->name);
    what = closure(s, what);
    /* A native file read on demand answers from what it stores; anything
     * else is computed on the whole graph. */
    if (s->g->lazy &&
        (((what & MS_ANALYSIS_DISTANCES) && !s->distance) ||
         ((what & MS_ANALYSIS_DOMINATORS) && !s->idom) ||
         ((what & MS_ANALYSIS_RETAINED) && !s->retained) ||
         ((what & MS_ANALYSIS_CLASSES) && !s->classes) ||
         ((what & MS_ANALYSIS_PATHS) && !s->parent_edge) ||
         ((what & MS_ANALYSIS_DOMINATOR_TREE) && !s->dom_first) ||
         ((what & MS_ANALYSIS_RETAINERS) && !s->rev_first) ||
         /* (V8's are stored; the other formats' read no array) */
         ((what & MS_ANALYSIS_SOURCES) && s->rules.sources_make && !s->rules.sources_ready &&
          !s->native_sources && s->format == MS_FORMAT_HEAPSNAPSHOT)))
        MS_TRY(ms__snapshot_whole(s, err));
    /* Retained sizes need the DFS order, kept until they are computed
     * (again after a change of size mode). */
    need_dom = ((what & MS_ANALYSIS_DOMINATORS) && !s->idom) ||
               ((what & MS_ANALYSIS_RETAINED) && !s->retained && !s->order);
    if (need_dom) {
        free(s->idom);
        free(s->order);
        s->idom = s->order = NULL;
    }
    if (need_dom && !lean && ms__snapshot_two_threads(s) &&
        (((what & MS_ANALYSIS_DISTANCES) && !s->distance) ||
         ((what & MS_ANALYSIS_CLASSES) && !s->classes))) {
        MS_TRY(compute_fast(s, what, err));
        need_dom = s->idom == NULL; /* no thread could be started */
        t0 = ms__now();
    }
    /* The edge rules, unless nothing that reads edges is left to compute
     * (analyses read from a native file). */
    if ((what & (MS_ANALYSIS_DISTANCES | MS_ANALYSIS_DOMINATORS)) &&
        (need_dom || ((what & MS_ANALYSIS_DISTANCES) && !s->distance) ||
         ((what & MS_ANALYSIS_PATHS) && !s->parent_edge))) {
        bool had = !s->rules.edges_needed || s->rules.edges_ready;
        MS_TRY(ms__snapshot_edge_rules(s, err));
        if (!had)
            charge(s, need_dom ? MS_ANALYSIS_DOMINATORS : MS_ANALYSIS_DISTANCES, &t0);
    }
    /* Dominators first, while nothing else holds memory: their scratch is
     * the peak, and what they free is reused by the rest. */
    if (need_dom) {
        MS_TRY(compute_dominators(s, what, lean, &side, err));
        charge(s, MS_ANALYSIS_DOMINATORS, &t0);
    }
    if ((what & MS_ANALYSIS_RETAINED) && !s->retained) {
        MS_TRY(compute_retained(s, &side, err));
        charge(s, MS_ANALYSIS_RETAINED, &t0);
    }
    MS_TRY(join_lean_side(&side, MS_OK, err));
    t0 = ms__now();
    if ((what & MS_ANALYSIS_DISTANCES) && !s->distance) {
        MS_TRY(compute_distances(s, &s->pool, err));
        charge(s, MS_ANALYSIS_DISTANCES, &t0);
    }
    if ((what & MS_ANALYSIS_DOMINATOR_TREE) && !s->dom_first) {
        MS_TRY(ms__dominator_children(s->g, s->idom, &s->dom_first, &s->dom_child, err));
        charge(s, MS_ANALYSIS_DOMINATOR_TREE, &t0);
    }
    if ((what & MS_ANALYSIS_PATHS) && !s->parent_edge) {
        MS_TRY(compute_paths(s, err));
        charge(s, MS_ANALYSIS_PATHS, &t0);
    }
    if ((what & MS_ANALYSIS_RETAINERS) && !s->rev_first) {
        MS_TRY(ms__retainer_index(s->g, &s->rev_first, &s->rev_edge, err));
        charge(s, MS_ANALYSIS_RETAINERS, &t0);
    }
    if ((what & MS_ANALYSIS_SOURCES) && s->native_sources) {
        s->rules.sources_ready = true; /* read from a native file */
        s->native_sources = false;
    }
    if ((what & MS_ANALYSIS_SOURCES) && s->rules.sources_make && !s->rules.sources_ready) {
        MS_TRY(s->rules.sources_make(&s->rules, s->g, err));
        charge(s, MS_ANALYSIS_SOURCES, &t0);
    }
    if ((what & MS_ANALYSIS_CLASSES) && !s->classes) {
        /* With the naming data of classes freed before, if any: the same
         * classes, without inferring it again. */
        MS_TRY(ms__classes_compute(s->g, &s->rules, s->class_defs, &s->pool, &s->classes, err));
        charge(s, MS_ANALYSIS_CLASSES, &t0);
    }
done:
    return join_lean_side(&side, rc, err);
}

ms_status ms_snapshot_compute(ms_snapshot *snap, unsigned what, ms_error *err)
{
    return ms__snapshot_compute(snap, what, MS__PLAN_FAST, err);
}
