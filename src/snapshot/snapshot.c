/*
 * snapshot.c: the public ms_snapshot handle: opening, getters, and the
 * caches of derived data.
 */
#include "snapshot.h"

#include "../util/sort.h"

#include "../dominators/dominators.h"
#include "../graph/classes.h"
#include "../graph/v8rules.h"
#include "../import/import.h"
#include "../paths/paths.h"

#include <pthread.h>
#include <string.h>

/* Below this many nodes a second thread saves less than it costs. */
#define PARALLEL_MIN_NODES 10000

/* Whether s may put a second thread to work. */
static bool two_threads(const ms_snapshot *s)
{
    return s->threads > 1 && s->g->node_count >= PARALLEL_MIN_NODES;
}

static void *run_side_task(void *arg)
{
    ms__side_task *t = arg;
    double t0 = ms__now();
    t->rc = t->fn(t->arg, &t->err);
    t->seconds = ms__now() - t0;
    return NULL;
}

/* Starts fn(arg) on a second thread; false when none could be started
 * (then the caller does the work itself). */
static bool side_start(ms__side_task *t, int (*fn)(void *arg, ms_error *err), void *arg)
{
    memset(t, 0, sizeof *t);
    t->fn = fn;
    t->arg = arg;
    t->err = (ms_error)MS_ERROR_INIT;
    t->started = pthread_create(&t->tid, NULL, run_side_task, t) == 0;
    return t->started;
}

/* Waits for t to end, if it runs. */
static void side_wait(ms__side_task *t)
{
    if (t->started) {
        pthread_join(t->tid, NULL);
        t->started = false;
        t->finished = true;
    }
}

/* Waits for t and reports it, once: returns rc, or t's status when rc is
 * MS_OK (t's error copied to *err); adds t's wall time to *seconds (may be
 * NULL).  A task never started, or reported already, leaves rc as it is. */
static int side_join(ms__side_task *t, int rc, ms_error *err, double *seconds)
{
    side_wait(t);
    if (!t->finished)
        return rc;
    t->finished = false;
    if (seconds)
        *seconds += t->seconds;
    if (t->rc < 0 && rc == MS_OK) {
        if (err)
            *err = t->err;
        rc = t->rc;
    }
    return rc;
}

static int finish_open(ms_snapshot **out, ms__reader *r, const char *name,
                       const ms_open_options *opts, ms_error *err)
{
    ms_open_options defaults = MS_OPEN_OPTIONS_INIT;
    ms__progress progress = {0};
    ms_snapshot *s = NULL;
    ms__graph *g = NULL;
    ms_format format = MS_FORMAT_AUTO;
    int rc = MS_OK;

    if (!opts)
        opts = &defaults;
    if (opts->version != MS_OPEN_OPTIONS_VERSION && opts->version != 1)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_open_options.version is %u, expected 1 or %u",
                        opts->version, MS_OPEN_OPTIONS_VERSION);
    progress.fn = opts->progress;
    progress.payload = opts->payload;
    /* A version 1 struct ends before `threads`. */
    progress.threads = opts->version >= 2 ? opts->threads : 1;

    MS_TRY(ms__import(r, opts->format, &progress, &g, &format, err));
    if (format == MS_FORMAT_HEAPSNAPSHOT)
        MS_TRY(ms__v8_propagate_dom_state(g, err));
    rc = ms__snapshot_from_graph(g, format, name, &s, err);
    g = NULL;
    if (rc < 0)
        goto done;
    s->input_bytes = ms__reader_offset(r);
    *out = s;
    s = NULL;
done:
    /* Messages from the builder and allocations name neither the file nor
     * the position: give them both, where the reader stopped. */
    if (rc < 0)
        ms__error_locate(err, name, ms__reader_offset(r));
    ms__graph_free(g);
    ms_snapshot_free(s);
    return rc;
}

int ms__snapshot_from_graph(ms__graph *g, ms_format format, const char *name, ms_snapshot **out,
                            ms_error *err)
{
    ms_snapshot *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s || !(s->name = ms__strdup(name))) {
        free(s);
        ms__graph_free(g);
        return ms__oom(err, "snapshot");
    }
    s->g = g;
    s->format = format;
    *out = s;
    return MS_OK;
}

int ms_snapshot_open(ms_snapshot **out, const char *path, const ms_open_options *opts,
                     ms_error *err)
{
    ms__reader r;
    int rc;
    if (!out || !path)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_snapshot_open: out and path are required");
    *out = NULL;
    if ((rc = ms__reader_open_file(&r, path, err)) < 0)
        return rc;
    rc = finish_open(out, &r, path, opts, err);
    ms__reader_close(&r);
    return rc;
}

int ms_snapshot_open_memory(ms_snapshot **out, const void *data, size_t size, const char *name,
                            const ms_open_options *opts, ms_error *err)
{
    ms__reader r;
    int rc;
    if (!out || (!data && size))
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_snapshot_open_memory: bad arguments");
    *out = NULL;
    if (!name)
        name = "<memory>";
    if ((rc = ms__reader_open_memory(&r, data, size, name, err)) < 0)
        return rc;
    rc = finish_open(out, &r, name, opts, err);
    ms__reader_close(&r);
    return rc;
}

void ms_snapshot_free(ms_snapshot *snap)
{
    if (!snap)
        return;
    ms__snapshot_forget(snap, MS__FORGET_ID_ORDER | MS__FORGET_SHALLOW | MS__FORGET_CLASSES |
                                  MS__FORGET_EDGE_ANALYSES);
    ms__graph_free(snap->g);
    ms__classes_free(snap->sites);
    if (snap->class_defs)
        ms__interfaces_free(snap->class_defs);
    free(snap->class_defs);
    ms__pool_drain(&snap->pool);
    free(snap->name);
    free(snap);
}

ms_format ms_snapshot_format(const ms_snapshot *snap) { return snap->format; }
uint32_t ms_snapshot_node_count(const ms_snapshot *snap) { return snap->g->node_count; }
uint64_t ms_snapshot_edge_count(const ms_snapshot *snap)
{
    return snap->compare_base ? snap->file_edges : snap->g->edge_count;
}
uint32_t ms_snapshot_string_count(const ms_snapshot *snap) { return snap->g->strings.count; }
ms_node ms_snapshot_root(const ms_snapshot *snap) { return snap->g->root; }
uint64_t ms_snapshot_total_self_size(const ms_snapshot *snap) { return snap->g->total_self_size; }
uint64_t ms_snapshot_input_bytes(const ms_snapshot *snap) { return snap->input_bytes; }
uint64_t ms_snapshot_graph_bytes(const ms_snapshot *snap) { return ms__graph_memory(snap->g); }
const char *ms_snapshot_name(const ms_snapshot *snap) { return snap->name; }

const char *ms_node_type(const ms_snapshot *snap, ms_node n)
{
    return snap->g->node_type_names[snap->g->node_type[n]];
}

const char *ms_node_name(const ms_snapshot *snap, ms_node n, size_t *len)
{
    return ms__node_name(snap->g, n, len);
}

uint64_t ms_node_id(const ms_snapshot *snap, ms_node n) { return ms__node_id(snap->g, n); }

ms_id_style ms_snapshot_id_style(const ms_snapshot *snap)
{
    return snap->format == MS_FORMAT_BOEHM ? MS_IDS_ADDRESSES : MS_IDS_NUMBERS;
}
uint64_t ms_node_self_size(const ms_snapshot *snap, ms_node n) { return ms__node_self(snap->g, n); }

uint64_t ms_node_edges(const ms_snapshot *snap, ms_node n, uint64_t *first)
{
    *first = snap->g->first_edge[n];
    return snap->g->first_edge[n + 1] - *first;
}

void ms_edge_get(const ms_snapshot *snap, uint64_t e, ms_edge_info *out)
{
    const ms__graph *g = snap->g;
    unsigned t = ms__edge_type(g, e);
    out->from = MS_NODE_NONE;
    out->to = ms__edge_to(g, e);
    out->type = g->edge_type_names[t];
    if (ms__edge_type_is_indexed(t)) {
        out->name = NULL;
        out->index = g->edge_name[e];
    } else {
        out->name = ms__strtab_get(&g->strings, g->edge_name[e], NULL);
        out->index = 0;
    }
}

int ms__snapshot_by_id(ms_snapshot *s, const uint32_t **out, ms_error *err)
{
    const ms__graph *g = s->g;
    const uint32_t N = g->node_count;
    uint32_t *idx = NULL;
    int rc = MS_OK;
    if (s->by_id) {
        *out = s->by_id;
        return MS_OK;
    }
    *out = NULL;
    MS_TRY(ms__alloc_array(&idx, N ? N : 1, 4, "id index", err));
    if (!g->node_id_hi) {
        /* 32-bit ids: sort id << 32 | node by the id bytes; ties keep node
         * order. */
        uint64_t *key = NULL;
        MS_TRY(ms__alloc_array(&key, N ? N : 1, 8, "id index", err));
        for (uint32_t n = 0; n < N; n++)
            key[n] = (uint64_t)g->node_id_lo[n] << 32 | n;
        rc = ms__radix_sort_u64(key, N, 4, err);
        for (uint32_t i = 0; rc == MS_OK && i < N; i++)
            idx[i] = (uint32_t)key[i];
        free(key);
        if (rc < 0)
            goto done;
    } else {
        uint64_t *key = NULL;
        MS_TRY(ms__alloc_array(&key, N ? N : 1, 8, "id index", err));
        for (uint32_t n = 0; n < N; n++) {
            key[n] = ms__node_id(g, n);
            idx[n] = n;
        }
        rc = ms__radix_sort_kv(key, idx, N, err);
        free(key);
        if (rc < 0)
            goto done;
    }
    s->by_id = idx;
    idx = NULL;
    *out = s->by_id;
done:
    free(idx);
    return rc;
}

/* A few lookups scan the ids (about 10 ms for 10 M nodes); after that an
 * index sorted by id answers in O(log N). */
#define FIND_ID_SCANS 8

ms_node ms_snapshot_find_id(ms_snapshot *snap, uint64_t id)
{
    const ms__graph *g = snap->g;
    uint32_t lo = 0, hi = g->node_count;
    if (!snap->by_id && snap->id_lookups++ < FIND_ID_SCANS) {
        uint32_t lo32 = (uint32_t)id, hi32 = (uint32_t)(id >> 32);
        if (!g->node_id_hi && hi32)
            return MS_NODE_NONE;
        for (uint32_t n = 0; n < g->node_count; n++)
            if (g->node_id_lo[n] == lo32 && (!g->node_id_hi || g->node_id_hi[n] == hi32))
                return n;
        return MS_NODE_NONE;
    }
    if (!snap->by_id) {
        const uint32_t *idx;
        if (ms__snapshot_by_id(snap, &idx, NULL) < 0)
            return MS_NODE_NONE;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ms__node_id(g, snap->by_id[mid]) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->node_count && ms__node_id(g, snap->by_id[lo]) == id ? snap->by_id[lo]
                                                                      : MS_NODE_NONE;
}

int ms__snapshot_shallow(ms_snapshot *s, const uint64_t **out, ms_error *err)
{
    *out = NULL;
    if (s->sizes == MS_SIZES_RAW || !ms__snapshot_is_v8(s))
        return MS_OK;
    if (!s->shallow) {
        if (ms__pool_alloc(&s->pool, &s->shallow, s->g->node_count, 8, false, "shallow sizes", err) < 0)
            return MS_ENOMEM;
        if (ms__v8_shallow_sizes(s->g, &s->pool, s->shallow, err) < 0) {
            free(s->shallow);
            s->shallow = NULL;
            return err ? err->code : MS_ENOMEM;
        }
    }
    *out = s->shallow;
    return MS_OK;
}

int ms__snapshot_edges(ms_snapshot *s, const ms__v8_edges **out, ms_error *err)
{
    *out = NULL;
    if (s->compare_base)
        return ms__fail(err, MS_EINVAL, UINT64_MAX,
                        "%s: the snapshot was reduced to a comparison base", s->name);
    if (!ms__snapshot_is_v8(s))
        return MS_OK;
    if (!s->edges) {
        ms__v8_edges *x = calloc(1, sizeof *x);
        if (!x)
            return ms__oom(err, "edge rules");
        if (ms__v8_edges_init(s->g, x, err) < 0) {
            free(x);
            return err ? err->code : MS_ENOMEM;
        }
        s->edges = x;
    }
    *out = s->edges;
    return MS_OK;
}

static int make_edges(void *arg, ms_error *err)
{
    ms__edges_job *j = arg;
    ms__v8_edges *x = calloc(1, sizeof *x);
    int rc;
    if (!x)
        return ms__oom(err, "edge rules");
    if ((rc = ms__v8_edges_init(j->s->g, x, err)) < 0)
        free(x);
    else
        j->x = x;
    return rc;
}

void ms__snapshot_edges_start(ms_snapshot *s, ms__edges_job *j)
{
    memset(j, 0, sizeof *j);
    j->s = s;
    if (two_threads(s) && !s->compare_base && ms__snapshot_is_v8(s) && !s->edges)
        side_start(&j->task, make_edges, j);
}

int ms__snapshot_edges_join(ms_snapshot *s, ms__edges_job *j, int rc, ms_error *err)
{
    rc = side_join(&j->task, rc, err, NULL);
    if (j->x) { /* made (nobody else makes them meanwhile) */
        s->edges = j->x;
        j->x = NULL;
    }
    return rc;
}

uint32_t ms__snapshot_known_sid(ms_snapshot *s, unsigned which)
{
    static const char *const text[MS__KNOWN_COUNT] = {"Object", "__proto__", "first", "second"};
    if (!s->known_ready) {
        const ms__strtab *t = &s->g->strings;
        for (unsigned k = 0; k < MS__KNOWN_COUNT; k++)
            s->known_sid[k] = UINT32_MAX;
        for (uint32_t i = 0; i < t->count; i++) {
            size_t len;
            const char *str = ms__strtab_get(t, i, &len);
            if (len < 5 || len > 9)
                continue;
            for (unsigned k = 0; k < MS__KNOWN_COUNT; k++)
                if (s->known_sid[k] == UINT32_MAX && strlen(text[k]) == len &&
                    memcmp(str, text[k], len) == 0)
                    s->known_sid[k] = i;
        }
        s->known_ready = true;
    }
    return s->known_sid[which];
}

void ms_snapshot_set_sizes(ms_snapshot *snap, ms_size_mode mode)
{
    if (snap->sizes != mode) {
        snap->sizes = mode;
        free(snap->retained);
        snap->retained = NULL;
    }
}

ms_size_mode ms_snapshot_sizes(const ms_snapshot *snap) { return snap->sizes; }

void ms_snapshot_set_threads(ms_snapshot *snap, unsigned threads) { snap->threads = threads; }

void ms__snapshot_forget(ms_snapshot *s, unsigned what)
{
    if (what & MS__FORGET_EDGE_ANALYSES)
        what |= MS__FORGET_DOMINATORS;
    if (what & MS__FORGET_ID_ORDER) {
        free(s->by_id);
        s->by_id = NULL;
    }
    if (what & MS__FORGET_SHALLOW) {
        free(s->shallow);
        s->shallow = NULL;
    }
    if (what & MS__FORGET_CLASSES) {
        if (s->classes && s->classes->ifaces && !s->class_defs) {
            s->class_defs = s->classes->ifaces;
            s->classes->ifaces = NULL;
        }
        ms__classes_free(s->classes);
        s->classes = NULL;
    }
    if (what & MS__FORGET_IDOM) {
        free(s->idom);
        s->idom = NULL;
    }
    if (what & MS__FORGET_DOMINATORS) {
        free(s->idom);
        free(s->order);
        free(s->dom_first);
        free(s->dom_child);
        s->idom = s->order = s->dom_first = s->dom_child = NULL;
    }
    if (what & MS__FORGET_EDGE_ANALYSES) {
        if (s->edges)
            ms__v8_edges_free(s->edges);
        free(s->edges);
        free(s->distance);
        free(s->retained);
        free(s->parent_edge);
        free(s->rev_first);
        free(s->rev_edge);
        s->edges = NULL;
        s->distance = NULL;
        s->retained = NULL;
        s->parent_edge = s->rev_first = s->rev_edge = NULL;
    }
}

/* The id order as a side task (it writes only s->by_id, and takes no
 * pool) while keep_for_compare computes the shallow sizes. */
static int sort_by_id(void *arg, ms_error *err)
{
    const uint32_t *unused;
    return ms__snapshot_by_id(arg, &unused, err);
}

/* Frees what the comparison does not read of a BEFORE snapshot.  The edges
 * are filtered in place (each kept edge moves down, never up) and the two
 * arrays shrunk; realloc gives the freed tail back to the system. */
int ms_snapshot_keep_for_compare(ms_snapshot *s, ms_error *err)
{
    ms__graph *g = s->g;
    const uint32_t N = g->node_count;
    const uint64_t *shallow;
    const uint32_t *by_id;
    uint32_t object_sid = UINT32_MAX;
    uint64_t k = 0;
    ms_size_mode mode = s->sizes;
    ms__side_task ids;
    int rc = MS_OK;

    if (s->compare_base)
        return MS_OK;
    /* The graph is whole here, the other one not loaded yet: room for both
     * arrays' scratch at once. */
    memset(&ids, 0, sizeof ids);
    if (two_threads(s) && !s->by_id)
        side_start(&ids, sort_by_id, s);
    /* DevTools' shallow sizes need every edge: compute them whatever the
     * mode, so that a later ms_snapshot_set_sizes still works. */
    s->sizes = MS_SIZES_DEVTOOLS;
    rc = ms__snapshot_shallow(s, &shallow, err);
    s->sizes = mode;
    rc = side_join(&ids, rc, err, NULL);
    if (rc < 0)
        return rc;
    MS_TRY(ms__snapshot_by_id(s, &by_id, err));
    if (ms__snapshot_is_v8(s))
        object_sid = ms__snapshot_known_sid(s, MS__KNOWN_OBJECT);

    /* Analyses that read edges are now stale or useless. */
    ms__snapshot_forget(s, MS__FORGET_EDGE_ANALYSES);
    ms__pool_drain(&s->pool);

    /* Plain objects' properties name their class (interfaces.c); no other
     * edge is read by classes, ids or the comparison. */
    for (uint32_t n = 0; n < N; n++) {
        uint64_t e = g->first_edge[n], end = g->first_edge[n + 1];
        g->first_edge[n] = (uint32_t)k;
        if (g->node_type[n] != MS_NT_OBJECT || g->node_name[n] != object_sid)
            continue;
        for (; e < end; e++) {
            if (ms__edge_type(g, e) != MS_ET_PROPERTY)
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
    s->compare_base = true;
done:
    return rc;
}

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

typedef struct dominators_job {
    const ms__graph *g;
    ms__v8_edges *x;        /* the edge rules: given, or computed by the job */
    bool make_x;            /* V8 graph without edge rules yet: compute them first */
    ms__pool *pool;
    uint32_t *idom, *order;
    double seconds;
    ms_error err;
    int rc;
    pthread_mutex_t lock;   /* guards x_ready */
    pthread_cond_t cond;
    bool x_ready;           /* x and x_rc are final */
    int x_rc;               /* how making the edge rules went */
} dominators_job;

static void publish_edges(dominators_job *j)
{
    pthread_mutex_lock(&j->lock);
    j->x_ready = true;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
}

static void *run_dominators_job(void *arg)
{
    dominators_job *j = arg;
    double t0 = ms__now();
    if (j->make_x) {
        ms__v8_edges *x = calloc(1, sizeof *x);
        if (!x)
            j->rc = ms__oom(&j->err, "edge rules");
        else if ((j->rc = ms__v8_edges_init(j->g, x, &j->err)) < 0)
            free(x);
        else
            j->x = x;
    }
    j->x_rc = j->rc;
    publish_edges(j);
    if (j->rc == MS_OK)
        j->rc = ms__dominators(j->g, j->x, j->pool, &j->idom, &j->order, &j->err);
    j->seconds = ms__now() - t0;
    return NULL;
}

static int compute_distances(ms_snapshot *s, const ms__v8_edges *x, ms__pool *pool, ms_error *err)
{
    int rc;
    MS_TRY(ms__pool_alloc(pool, &s->distance, s->g->node_count, 4, false, "distances", err));
    if ((rc = ms__distances(s->g, x, pool, s->distance, err)) < 0) {
        free(s->distance);
        s->distance = NULL;
    }
done:
    return rc;
}

/* The edge rules and the dominator tree on a second thread while this one
 * computes what else `what` asks for that does not depend on them: classes,
 * then (once the rules are made) distances.  Not the shallow sizes, whose
 * 12 bytes per node would raise the peak.  The worker owns the snapshot's
 * pool; this thread uses none (its scratch goes back to the system at once,
 * as the two sets of scratch arrays are the peak).  Reads of the graph are
 * shared; each side writes only its own arrays. */
static int compute_parallel(ms_snapshot *s, unsigned what, ms_error *err)
{
    dominators_job job;
    pthread_t tid;
    double t0;
    int rc = MS_OK;

    memset(&job, 0, sizeof job);
    job.g = s->g;
    job.x = s->edges;
    job.make_x = ms__snapshot_is_v8(s) && !s->edges;
    job.pool = &s->pool;
    if (pthread_mutex_init(&job.lock, NULL) != 0)
        return MS_OK; /* the caller goes on alone */
    if (pthread_cond_init(&job.cond, NULL) != 0) {
        pthread_mutex_destroy(&job.lock);
        return MS_OK;
    }
    if (pthread_create(&tid, NULL, run_dominators_job, &job) != 0) {
        pthread_cond_destroy(&job.cond);
        pthread_mutex_destroy(&job.lock);
        return MS_OK;
    }
    t0 = ms__now();
    /* Classes need no edge rules: they go first, while the worker makes them. */
    if ((what & MS_ANALYSIS_CLASSES) && !s->classes) {
        rc = ms__classes_compute(s->g, ms__snapshot_is_v8(s), NULL, &s->classes, err);
        charge(s, MS_ANALYSIS_CLASSES, &t0);
    }
    pthread_mutex_lock(&job.lock);
    while (!job.x_ready)
        pthread_cond_wait(&job.cond, &job.lock);
    pthread_mutex_unlock(&job.lock);
    t0 = ms__now();
    if (rc == MS_OK && job.x_rc == MS_OK && (what & MS_ANALYSIS_DISTANCES) && !s->distance) {
        rc = compute_distances(s, job.x, NULL, err);
        charge(s, MS_ANALYSIS_DISTANCES, &t0);
    }
    pthread_join(tid, NULL);
    pthread_cond_destroy(&job.cond);
    pthread_mutex_destroy(&job.lock);
    if (job.make_x && job.x)
        s->edges = job.x;
    s->seconds[bit_index(MS_ANALYSIS_DOMINATORS)] += job.seconds;
    if (job.rc < 0) {
        if (rc == MS_OK) {
            if (err)
                *err = job.err;
            rc = job.rc;
        }
        free(job.idom);
        free(job.order);
    } else {
        s->idom = job.idom;
        s->order = job.order;
    }
    return rc;
}

/* MS__ANALYSIS_LEAN's side tasks: the distances next to the dominators'
 * DFS (waited for by their hook), the classes next to the retained sizes
 * (they read the graph alone).  Neither gets the pool: the dominators and
 * the retained sizes use it. */
typedef struct lean_side {
    ms_snapshot *s;
    const ms__v8_edges *x;
    ms__classes *cl;
    ms__side_task distances, classes;
} lean_side;

static int late_distances(void *arg, ms_error *err)
{
    lean_side *l = arg;
    return compute_distances(l->s, l->x, NULL, err);
}

static int side_classes(void *arg, ms_error *err)
{
    lean_side *l = arg;
    return ms__classes_compute_with(l->s->g, ms__snapshot_is_v8(l->s), l->s->class_defs, NULL,
                                    &l->cl, err);
}

/* The dominators' hook: the distances' scratch goes before their peak. */
static void wait_distances(void *arg)
{
    side_wait(&((lean_side *)arg)->distances);
}

/* Reports both side tasks (side_join) and keeps the classes made. */
static int join_lean_side(lean_side *l, int rc, ms_error *err)
{
    ms_snapshot *s = l->s;
    rc = side_join(&l->distances, rc, err, &s->seconds[bit_index(MS_ANALYSIS_DISTANCES)]);
    rc = side_join(&l->classes, rc, err, &s->seconds[bit_index(MS_ANALYSIS_CLASSES)]);
    if (l->cl && !s->classes) {
        s->classes = l->cl;
        l->cl = NULL;
    }
    ms__classes_free(l->cl);
    l->cl = NULL;
    return rc;
}

int ms_snapshot_compute(ms_snapshot *s, unsigned what, ms_error *err)
{
    const ms__v8_edges *x = NULL;
    const uint64_t *shallow;
    bool need_dom, lean = (what & MS__ANALYSIS_LEAN) != 0;
    lean_side side;
    double t0 = ms__now();
    int rc = MS_OK;

    what &= ~MS__ANALYSIS_LEAN;
    memset(&side, 0, sizeof side);
    side.s = s;

    if (s->compare_base && (what & ~(unsigned)MS_ANALYSIS_CLASSES))
        return ms__fail(err, MS_EINVAL, UINT64_MAX,
                        "%s: the snapshot was reduced to a comparison base: only its classes "
                        "can be computed",
                        s->name);

    /* Retained sizes and the dominator tree need the dominators only
     * while they are missing (the dominators may have been freed since). */
    if (((what & MS_ANALYSIS_DOMINATOR_TREE) && !s->dom_first) ||
        ((what & MS_ANALYSIS_RETAINED) && !s->retained))
        what |= MS_ANALYSIS_DOMINATORS;
    if (what & MS_ANALYSIS_PATHS)
        what |= MS_ANALYSIS_DISTANCES;
    /* Retained sizes need the DFS order, kept until they are computed
     * (again after a change of size mode). */
    need_dom = ((what & MS_ANALYSIS_DOMINATORS) && !s->idom) ||
               ((what & MS_ANALYSIS_RETAINED) && !s->retained && !s->order);
    if (need_dom) {
        free(s->idom);
        free(s->order);
        s->idom = s->order = NULL;
    }
    if (need_dom && !lean && two_threads(s) &&
        (((what & MS_ANALYSIS_DISTANCES) && !s->distance) ||
         ((what & MS_ANALYSIS_CLASSES) && !s->classes))) {
        MS_TRY(compute_parallel(s, what, err));
        need_dom = s->idom == NULL; /* no thread could be started */
        t0 = ms__now();
    }
    if (what & (MS_ANALYSIS_DISTANCES | MS_ANALYSIS_DOMINATORS)) {
        bool had = s->edges != NULL;
        MS_TRY(ms__snapshot_edges(s, &x, err));
        if (!had)
            charge(s, need_dom ? MS_ANALYSIS_DOMINATORS : MS_ANALYSIS_DISTANCES, &t0);
    }
    /* Dominators first, while nothing else holds memory: their scratch is
     * the peak, and what they free is reused by the rest. */
    if (need_dom) {
        ms__dominators_hook hook = {wait_distances, &side, false};
        side.x = x;
        if (lean && two_threads(s) && (what & MS_ANALYSIS_DISTANCES) && !s->distance)
            side_start(&side.distances, late_distances, &side);
        MS_TRY(ms__dominators_hooked(s->g, x, &s->pool, &hook, &s->idom, &s->order, err));
        charge(s, MS_ANALYSIS_DOMINATORS, &t0);
        /* Lean: the classes (which read the graph alone) on a second thread
         * next to the retained sizes; the dominators' scratch goes back
         * first, and the shallow sizes' before the retained sizes come, so
         * that the two sides fit under the dominators' peak. */
        if (lean && (what & MS_ANALYSIS_CLASSES) && !s->classes && (what & MS_ANALYSIS_RETAINED) &&
            !s->retained && two_threads(s)) {
            ms__pool_drain(&s->pool);
            side_start(&side.classes, side_classes, &side);
        }
    }
    if ((what & MS_ANALYSIS_RETAINED) && !s->retained) {
        MS_TRY(ms__snapshot_shallow(s, &shallow, err));
        if (side.classes.started)
            ms__pool_drain(&s->pool);
        MS_TRY(ms__pool_alloc(&s->pool, &s->retained, s->g->node_count, 8, false, "retained sizes", err));
        ms__retained_sizes(s->g, shallow, s->idom, s->order, s->retained);
        ms__pool_release(&s->pool, s->order, (uint64_t)s->g->node_count + 1, 4);
        s->order = NULL;
        charge(s, MS_ANALYSIS_RETAINED, &t0);
    }
    MS_TRY(join_lean_side(&side, MS_OK, err));
    t0 = ms__now();
    if ((what & MS_ANALYSIS_DISTANCES) && !s->distance) {
        MS_TRY(compute_distances(s, x, &s->pool, err));
        charge(s, MS_ANALYSIS_DISTANCES, &t0);
    }
    if ((what & MS_ANALYSIS_DOMINATOR_TREE) && !s->dom_first) {
        MS_TRY(ms__dominator_children(s->g, s->idom, &s->dom_first, &s->dom_child, err));
        charge(s, MS_ANALYSIS_DOMINATOR_TREE, &t0);
    }
    if ((what & MS_ANALYSIS_PATHS) && !s->parent_edge) {
        MS_TRY(ms__pool_alloc(&s->pool, &s->parent_edge, s->g->node_count, 4, false, "retention paths",
                              err));
        if ((rc = ms__path_tree(s->g, x, s->distance, &s->pool, s->parent_edge, err)) < 0) {
            free(s->parent_edge);
            s->parent_edge = NULL;
            goto done;
        }
        charge(s, MS_ANALYSIS_PATHS, &t0);
    }
    if ((what & MS_ANALYSIS_RETAINERS) && !s->rev_first) {
        MS_TRY(ms__retainer_index(s->g, &s->rev_first, &s->rev_edge, err));
        charge(s, MS_ANALYSIS_RETAINERS, &t0);
    }
    if ((what & MS_ANALYSIS_CLASSES) && !s->classes) {
        /* The same definitions as inferring them again (they depend on the
         * graph alone), without the inference. */
        MS_TRY(ms__classes_compute_with(s->g, ms__snapshot_is_v8(s), s->class_defs, &s->pool,
                                        &s->classes, err));
        charge(s, MS_ANALYSIS_CLASSES, &t0);
    }
done:
    return join_lean_side(&side, rc, err);
}

int32_t ms_node_distance(const ms_snapshot *snap, ms_node n)
{
    return snap->distance ? snap->distance[n] : MS_DISTANCE_UNREACHABLE;
}

ms_node ms_node_dominator(const ms_snapshot *snap, ms_node n)
{
    return snap->idom ? snap->idom[n] : MS_NODE_NONE;
}

uint64_t ms_node_retained_size(const ms_snapshot *snap, ms_node n)
{
    return snap->retained ? snap->retained[n] : 0;
}

uint64_t ms_node_shallow_size(const ms_snapshot *snap, ms_node n)
{
    return snap->shallow && snap->sizes == MS_SIZES_DEVTOOLS ? snap->shallow[n]
                                                            : ms__node_self(snap->g, n);
}

uint32_t ms_node_dominated(const ms_snapshot *snap, ms_node n, const ms_node **children)
{
    if (!snap->dom_first) {
        *children = NULL;
        return 0;
    }
    *children = snap->dom_child + snap->dom_first[n];
    return snap->dom_first[n + 1] - snap->dom_first[n];
}

const char *ms_node_class(const ms_snapshot *snap, ms_node n)
{
    return snap->classes ? ms__class_name(snap->classes, snap->classes->of[n]) : "";
}

const char *ms_node_class_key(const ms_snapshot *snap, ms_node n)
{
    return snap->classes ? ms__class_key(snap->classes, snap->classes->of[n]) : "";
}

const char *ms_node_site(const ms_snapshot *snap, ms_node n, size_t *len)
{
    const ms__graph *g = snap->g;
    if (!g->node_site || g->node_site[n] == MS_SITE_NONE) {
        if (len)
            *len = 0;
        return NULL;
    }
    return ms__strtab_get(&g->strings, g->node_site[n], len);
}

int ms_node_is_synthetic(const ms_snapshot *snap, ms_node n)
{
    return snap->g->node_type[n] == MS_NT_SYNTHETIC;
}
