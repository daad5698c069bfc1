/*
 * snapshot.c: the public ms_snapshot handle: opening a file (through the
 * importers), choosing the format's rules, and the getters over the graph
 * and the cached analyses.
 */
#include "snapshot.h"

#include "native.h"

#include "../import/import.h"

#include <string.h>

/* The rules of the graph's format: DevTools' for V8 snapshots (after its
 * DOM state pass, which renames nodes), the base rules for the others. */
static int choose_rules(ms_snapshot *s, ms_error *err)
{
    switch (s->format) {
    case MS_FORMAT_HEAPSNAPSHOT: {
        int rc = ms__v8_propagate_dom_state(s->g, err);
        if (rc < 0)
            return rc;
        ms__v8_init(&s->v8, s->g, &s->rules);
        return MS_OK;
    }
    case MS_FORMAT_MLYZE:
        /* The recorder writes a program's references as property and
         * element edges, the runtime's links as internal ones. */
        ms__rules_init(&s->rules);
        s->rules.program_refs = true;
        return MS_OK;
    default:
        ms__rules_init(&s->rules);
        return MS_OK;
    }
}

int ms__snapshot_from_graph(ms__graph *g, ms_format format, const char *name, ms_snapshot **out,
                            ms_error *err)
{
    ms_snapshot *s = calloc(1, sizeof *s);
    int rc;
    *out = NULL;
    if (!s || !(s->name = ms__strdup(name))) {
        free(s);
        ms__graph_free(g);
        return ms__oom(err, "snapshot");
    }
    s->g = g;
    s->format = format;
    if ((rc = choose_rules(s, err)) < 0) {
        ms_snapshot_free(s);
        return rc;
    }
    *out = s;
    return MS_OK;
}

/* *o: opts, or the defaults for NULL; checks the version. */
static int open_options(const ms_open_options *opts, const ms_open_options **o, ms_error *err)
{
    static const ms_open_options defaults = MS_OPEN_OPTIONS_INIT;
    *o = opts ? opts : &defaults;
    return ms__check_version(err, "ms_open_options", (*o)->version, MS_OPEN_OPTIONS_VERSION);
}

/* Imports what r reads, with opts (checked by open_options). */
static int finish_open(ms_snapshot **out, ms__reader *r, const char *name,
                       const ms_open_options *opts, ms_error *err)
{
    ms__progress progress = {0};
    ms_snapshot *s = NULL;
    ms__graph *g = NULL;
    ms_format format = MS_FORMAT_AUTO;
    double t0 = ms__now();
    int rc = MS_OK;

    progress.fn = opts->progress;
    progress.payload = opts->payload;
    progress.threads = opts->threads;

    MS_TRY(ms__import(r, opts->format, &progress, &g, &format, err));
    rc = ms__snapshot_from_graph(g, format, name, &s, err);
    g = NULL;
    if (rc < 0)
        goto done;
    s->input_bytes = ms__reader_offset(r);
    if ((rc = ms__native_adopt(s, opts->threads > 1 ? 2 : 1, err)) < 0)
        goto done;
    s->threads = opts->threads;
    s->release_memory = opts->release_memory;
    s->payload = opts->payload;
    s->load_seconds = ms__now() - t0;
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

ms_status ms_snapshot_open(ms_snapshot **out, const char *path, const ms_open_options *opts,
                     ms_error *err)
{
    ms__reader r;
    int rc;
    if (!out || !path)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_snapshot_open: out and path are required");
    *out = NULL;
    if ((rc = open_options(opts, &opts, err)) < 0 ||
        (rc = ms__reader_open_file(&r, path, err)) < 0)
        return rc;
    rc = finish_open(out, &r, path, opts, err);
    ms__reader_close(&r);
    return rc;
}

ms_status ms_snapshot_open_memory(ms_snapshot **out, const void *data, size_t size, const char *name,
                            const ms_open_options *opts, ms_error *err)
{
    ms__reader r;
    int rc;
    if (!out || (!data && size))
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_snapshot_open_memory: bad arguments");
    *out = NULL;
    if (!name)
        name = "<memory>";
    if ((rc = open_options(opts, &opts, err)) < 0 ||
        (rc = ms__reader_open_memory(&r, data, size, name, err)) < 0)
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
    if (snap->rules.sources_ready || snap->native_sources)
        ms__v8_sources_free(&snap->v8, &snap->rules);
    ms__graph_free(snap->g);
    ms__classes_free(snap->sites);
    if (snap->class_defs && snap->class_defs_free)
        snap->class_defs_free(snap->class_defs);
    ms__pool_drain(&snap->pool);
    free(snap->top);
    free(snap->top_reach);
    free(snap->name);
    free(snap);
}

void ms__snapshot_heap(const ms_snapshot *s, ms__heap *h)
{
    h->g = s->g;
    h->rules = &s->rules;
    h->name = s->name;
    h->format = s->format;
    h->shallow = s->sizes == MS_SIZES_DEVTOOLS ? s->shallow : NULL;
    h->classes = s->classes;
    h->sites = s->sites;
    h->by_id = s->by_id;
    h->distance = s->distance;
    h->idom = s->idom;
    h->retained = s->retained;
    h->dom_first = s->dom_first;
    h->dom_child = s->dom_child;
    h->parent_edge = s->parent_edge;
    h->rev_first = s->rev_first;
    h->rev_edge = s->rev_edge;
}

/* ---- whole-snapshot facts -------------------------------------------------- */

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
uint64_t ms_snapshot_graph_bytes(const ms_snapshot *snap)
{
    return snap->native_graph_bytes ? snap->native_graph_bytes : ms__graph_memory(snap->g);
}
const char *ms_snapshot_name(const ms_snapshot *snap) { return snap->name; }

void ms_snapshot_info_get(const ms_snapshot *snap, ms_snapshot_info *out)
{
    out->name = snap->name;
    out->format = snap->format;
    out->node_count = snap->g->node_count;
    out->edge_count = ms_snapshot_edge_count(snap);
    out->string_count = snap->g->strings.count;
    out->root = snap->g->root;
    out->total_self_size = snap->g->total_self_size;
    out->input_bytes = snap->input_bytes;
    out->graph_bytes = ms_snapshot_graph_bytes(snap);
    out->load_seconds = snap->load_seconds;
}

ms_id_style ms_snapshot_id_style(const ms_snapshot *snap)
{
    return snap->format == MS_FORMAT_BOEHM ? MS_IDS_ADDRESSES : MS_IDS_NUMBERS;
}

void ms_snapshot_set_sizes(ms_snapshot *snap, ms_size_mode mode)
{
    if (snap->sizes != mode) {
        snap->sizes = mode;
        ms__native_free_array(snap, (void **)&snap->retained);
        free(snap->top);
        free(snap->top_reach);
        snap->top = snap->top_reach = NULL;
        snap->top_count = 0;
    }
}

ms_size_mode ms_snapshot_sizes(const ms_snapshot *snap) { return snap->sizes; }

void ms_snapshot_set_threads(ms_snapshot *snap, unsigned threads) { snap->threads = threads; }

/* ---- nodes and edges -------------------------------------------------------- */

/* The getters below read a native file on demand (native.c): each touches
 * what it reads first (a no-op for other inputs). */

const char *ms_node_type(const ms_snapshot *snap, ms_node n)
{
    ms__touch_some(snap->g, n, MS__T_TYPE);
    return snap->g->node_type_names[snap->g->node_type[n]];
}

const char *ms_node_name(const ms_snapshot *snap, ms_node n, size_t *len)
{
    ms__touch_some(snap->g, n, MS__T_NAME);
    return ms__node_name(snap->g, n, len);
}

uint64_t ms_node_id(const ms_snapshot *snap, ms_node n)
{
    ms__touch_some(snap->g, n, MS__T_ID);
    return ms__node_id(snap->g, n);
}

uint64_t ms_node_self_size(const ms_snapshot *snap, ms_node n)
{
    ms__touch_some(snap->g, n, MS__T_SELF);
    return ms__node_self(snap->g, n);
}

uint64_t ms_node_edges(const ms_snapshot *snap, ms_node n, uint64_t *first)
{
    ms__touch_edges(snap->g, n);
    *first = snap->g->first_edge[n];
    /* (offsets read on demand may be damaged: never a negative count) */
    return snap->g->first_edge[n + 1] >= *first ? snap->g->first_edge[n + 1] - *first : 0;
}

void ms_edge_get(const ms_snapshot *snap, uint64_t e, ms_edge_info *out)
{
    const ms__graph *g = snap->g;
    unsigned t;
    ms__touch_edge(g, e);
    t = ms__edge_type(g, e);
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

/* A few lookups scan the ids (one pass over 4 bytes per node, cheaper than
 * sorting them for one answer); after that an index sorted by id answers
 * in O(log N). */
#define FIND_ID_SCANS 8

ms_node ms_snapshot_find_id(ms_snapshot *snap, uint64_t id)
{
    const ms__graph *g = snap->g;
    uint32_t lo = 0, hi = g->node_count;
    if (g->lazy) {
        /* (the ids compress to almost nothing: reading them all is cheap) */
        ms__native_need_range(snap, g->node_id_lo, 0, g->node_count);
        ms__native_need_range(snap, g->node_id_hi, 0, g->node_count);
    }
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

/* ---- analyses of one node ------------------------------------------------------ */

int32_t ms_node_distance(const ms_snapshot *snap, ms_node n)
{
    ms__need(snap, snap->distance, n);
    return snap->distance ? snap->distance[n] : MS_DISTANCE_UNREACHABLE;
}

ms_node ms_node_dominator(const ms_snapshot *snap, ms_node n)
{
    ms__need(snap, snap->idom, n);
    return snap->idom ? snap->idom[n] : MS_NODE_NONE;
}

uint64_t ms_node_retained_size(const ms_snapshot *snap, ms_node n)
{
    ms__need(snap, snap->retained, n);
    return snap->retained ? snap->retained[n] : 0;
}

uint64_t ms_node_shallow_size(const ms_snapshot *snap, ms_node n)
{
    if (snap->shallow && snap->sizes == MS_SIZES_DEVTOOLS) {
        ms__need(snap, snap->shallow, n);
        return snap->shallow[n];
    }
    ms__touch_some(snap->g, n, MS__T_SELF);
    return ms__node_self(snap->g, n);
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
    if (!snap->classes)
        return "";
    ms__need(snap, snap->classes->of, n);
    return ms__class_name(snap->classes, snap->classes->of[n]);
}

const char *ms_node_class_key(const ms_snapshot *snap, ms_node n)
{
    if (!snap->classes)
        return "";
    ms__need(snap, snap->classes->of, n);
    return ms__class_key(snap->classes, snap->classes->of[n]);
}

const char *ms_node_site(const ms_snapshot *snap, ms_node n, size_t *len)
{
    const ms__graph *g = snap->g;
    ms__touch_some(g, n, MS__T_OTHER);
    if (!g->node_site || g->node_site[n] == MS_SITE_NONE) {
        if (len)
            *len = 0;
        return NULL;
    }
    return ms__strtab_get(&g->strings, g->node_site[n], len);
}

int ms_node_is_synthetic(const ms_snapshot *snap, ms_node n)
{
    ms__touch_some(snap->g, n, MS__T_TYPE);
    return snap->g->node_type[n] == MS_NT_SYNTHETIC;
}

int ms_node_location(const ms_snapshot *snap, ms_node n, ms_location *out)
{
    const ms__rules *r = &snap->rules;
    ms__source src;
    memset(out, 0, sizeof *out);
    ms__touch(snap->g, n);
    if (!r->location || !r->location(r, snap->g, n, &src))
        return 0;
    out->file = src.file == UINT32_MAX ? NULL : ms__strtab_get(&snap->g->strings, src.file, NULL);
    out->script_id = src.script_id;
    out->line = src.line;
    out->column = src.column;
    return 1;
}

const char *ms_script_name(const ms_snapshot *snap, uint32_t script_id)
{
    uint32_t sid;
    if (snap->format != MS_FORMAT_HEAPSNAPSHOT || !snap->rules.sources_ready)
        return NULL;
    sid = ms__map64_get(&snap->v8.sources.script_name, script_id);
    return sid == MS_MAP_NONE ? NULL : ms__strtab_get(&snap->g->strings, sid, NULL);
}

ms_origin ms_node_origin(const ms_snapshot *snap, ms_node n)
{
    ms__touch(snap->g, n);
    return (ms_origin)ms__rules_origin(&snap->rules, snap->g, n);
}

ms_origin ms_class_origin(const ms_snapshot *snap, const char *key, const char *name)
{
    const ms__rules *r = &snap->rules;
    return r->class_origin && name ? (ms_origin)r->class_origin(r, snap->g, key, name)
                                   : MS_ORIGIN_UNKNOWN;
}

/* Copies s (len bytes) into buf[cap] NUL-terminated, cut to cap - 1. */
static size_t copy_out(const char *s, size_t len, char *buf, size_t cap)
{
    if (cap) {
        size_t k = len < cap - 1 ? len : cap - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
    }
    return len;
}

size_t ms_node_scope(const ms_snapshot *snap, ms_node n, char *buf, size_t cap)
{
    const ms__rules *r = &snap->rules;
    ms__sbuf out = {0};
    size_t len;
    int rc;
    ms__touch(snap->g, n);
    rc = r->scope && r->sources_ready ? r->scope(r, snap->g, n, &out, NULL) : 0;
    len = copy_out(rc > 0 ? out.data : "", rc > 0 ? out.len : 0, buf, cap);
    ms__sbuf_free(&out);
    return len;
}

size_t ms_node_label(ms_snapshot *snap, ms_node n, char *buf, size_t cap)
{
    const ms__rules *r = &snap->rules;
    ms__sbuf out = {0};
    const char *s;
    size_t len;
    int rc;
    ms__touch(snap->g, n);
    rc = r->label ? r->label(r, snap->g, n, &out, NULL) : 0;
    if (rc > 0) {
        s = out.data;
        len = out.len;
    } else {
        s = ms__node_name(snap->g, n, &len);
    }
    if (rc < 0 || !s) {
        s = "";
        len = 0;
    }
    len = copy_out(s, len, buf, cap);
    ms__sbuf_free(&out);
    return len;
}
