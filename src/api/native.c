/*
 * native.c: the analyses a native file (.msnap) stores beside its graph
 * (docs/formats/msnap.md): written by ms_snapshot_save, read back into the
 * snapshot when it is opened, so that no question asked of a .msnap pays
 * for its analyses again.
 *
 * What is stored is what costs a pass over the edges to compute and little
 * to keep (per node, after zstd): DevTools' shallow sizes, distances,
 * immediate dominators, retained sizes, the classes, the retention paths'
 * last edges and the V8 script names and scopes.  The dominator tree and
 * the retainer index are not: the tree is one pass over the immediate
 * dominators, and the index as large as the edges.
 *
 * Nothing read is trusted: each array is checked for what the analyses
 * rely on (indices in range, the dominators and paths forming a tree under
 * the root, retained sizes equal to what the dominator tree adds up, the
 * classes numbered in the order of their first node), so that a hostile
 * file is refused with its section's offset, never looped on or read out
 * of bounds.
 */
#include "native.h"

#include "../dominators/dominators.h"
#include "../import/msnap.h"
#include "../snapshot/classtab.h"
#include "../util/map.h"
#include "../util/sort.h"

#include <stdio.h>
#include <string.h>
#include <zstd.h>

#define NONE UINT32_MAX

/* The analyses a file stores, computed before it is written. */
#define STORED                                                                                     \
    (MS_ANALYSIS_DISTANCES | MS_ANALYSIS_DOMINATORS | MS_ANALYSIS_RETAINED |                       \
     MS_ANALYSIS_CLASSES | MS_ANALYSIS_PATHS | MS_ANALYSIS_SOURCES)

/* ---- Writing ------------------------------------------------------------------------------ */

typedef struct file_sink {
    FILE *f;
    const char *name;
} file_sink;

static int sink_write(void *ctx, const void *p, size_t n, ms_error *err)
{
    file_sink *s = ctx;
    if (fwrite(p, 1, n, s->f) != n)
        return ms__fail(err, MS_EIO, UINT64_MAX, "%s: cannot write", s->name);
    return MS_OK;
}

static int put_u32(ms__msnap_writer *w, uint32_t id, unsigned filter, uint64_t n,
                   const uint32_t *v, ms_error *err)
{
    return ms__msnap_put(w, id, 4, filter, n, v, err);
}

/* The class table: count, text length, per class (name_off, key_off,
 * name_len, key_len, first, origin), then the text. */
static int put_classes(ms__msnap_writer *w, const ms__classes *c, ms_error *err)
{
    ms__sbuf b = {0};
    uint8_t x[40];
    int rc = MS_OK;
    memset(x, 0, sizeof x);
    memcpy(x, &c->count, 4);
    memcpy(x + 8, &c->text_len, 8);
    MS_TRY(ms__sbuf_append(&b, x, 16, err));
    for (uint32_t i = 0; i < c->count; i++) {
        const ms__class *k = &c->cls[i];
        uint32_t origin = k->origin;
        memcpy(x, &k->name_off, 8);
        memcpy(x + 8, &k->key_off, 8);
        memcpy(x + 16, &k->name_len, 4);
        memcpy(x + 20, &k->key_len, 4);
        memcpy(x + 24, &k->first, 4);
        memcpy(x + 28, &origin, 4);
        MS_TRY(ms__sbuf_append(&b, x, 32, err));
    }
    MS_TRY(ms__sbuf_append(&b, c->text, (size_t)c->text_len, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_A_CLASSES, 1, MS__FILTER_NONE, b.len, b.data, err));
done:
    ms__sbuf_free(&b);
    return rc;
}

/* A map's entries as (key u64, value u32) pairs after a count (u64). */
static int put_map(ms__sbuf *b, const ms__map64 *m, ms_error *err)
{
    uint8_t x[12];
    int rc = MS_OK;
    memcpy(x, &m->count, 8);
    MS_TRY(ms__sbuf_append(b, x, 8, err));
    for (uint64_t i = 0; m->keys && i <= m->mask; i++) {
        if (m->vals[i] == MS_MAP_NONE)
            continue;
        memcpy(x, &m->keys[i], 8);
        memcpy(x + 8, &m->vals[i], 4);
        MS_TRY(ms__sbuf_append(b, x, 12, err));
    }
done:
    return rc;
}

static int put_sources(ms__msnap_writer *w, const ms_snapshot *s, ms_error *err)
{
    ms__sbuf b = {0};
    int rc = MS_OK;
    MS_TRY(put_map(&b, &s->v8.sources.script_name, err));
    MS_TRY(put_map(&b, &s->v8.sources.scope_script, err));
    MS_TRY(put_map(&b, &s->v8.sources.scope_function, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_A_SOURCES, 1, MS__FILTER_NONE, b.len, b.data, err));
done:
    ms__sbuf_free(&b);
    return rc;
}

static int path_sources(const ms__graph *g, const uint32_t *edge, uint32_t *src, ms_error *err);

/* One other retainer: its edge and source. */
typedef struct other {
    uint32_t edge, from;
} other;

/* Offers retainer (e, u) of t to t's best[K] (m kept, best first, one per
 * source), in ms__why's order. */
static void offer(const ms__heap *h, other *best, uint8_t *m, uint32_t e, uint32_t u,
                  ms__sbuf bufs[2])
{
    unsigned k = *m, i;
    for (i = 0; i < k; i++)
        if (best[i].from == u)
            break;
    if (i < k) {
        /* the same source: the better of its two edges stays */
        if (ms__why_order(h, u, e, u, best[i].edge, bufs) >= 0)
            return;
        memmove(best + i, best + i + 1, (k - i - 1) * sizeof *best);
        k--;
    } else if (k == MS__NATIVE_OTHERS &&
               ms__why_order(h, u, e, best[k - 1].from, best[k - 1].edge, bufs) >= 0) {
        return;
    }
    i = k < MS__NATIVE_OTHERS ? k : k - 1;
    while (i > 0 && ms__why_order(h, u, e, best[i - 1].from, best[i - 1].edge, bufs) < 0) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = (other){e, u};
    *m = (uint8_t)(k < MS__NATIVE_OTHERS ? k + 1 : k);
}

/* What `why` needs of each node's retainers, so that it never scans the
 * edges: how many edges point at it, how many of those are weak, and the
 * first MS__NATIVE_OTHERS other retainers in its order (ms__why_candidates:
 * strong edges from nodes with a path, other than the path's own, one per
 * node).  One pass over the edges; each node keeps its best few. */
static int put_retainers(ms__msnap_writer *w, ms_snapshot *s, ms_error *err)
{
    const ms__graph *g = s->g;
    const uint32_t N = g->node_count;
    uint32_t *counts = NULL, *main_from = NULL, *first = NULL, *edges = NULL;
    other *best = NULL;
    uint8_t *m = NULL;
    ms__sbuf bufs[2] = {{0}, {0}};
    ms__heap h;
    uint64_t total = 0;
    int rc = MS_OK;

    ms__snapshot_heap(s, &h);
    MS_TRY(ms__alloc_array_zero(&counts, 2 * (uint64_t)N, 4, "retainers", err));
    MS_TRY(ms__alloc_array(&main_from, N, 4, "retainers", err));
    MS_TRY(ms__alloc_array_zero(&m, N, 1, "retainers", err));
    MS_TRY(ms__alloc_array(&best, (uint64_t)N * MS__NATIVE_OTHERS, sizeof *best, "retainers", err));
    MS_TRY(path_sources(g, s->parent_edge, main_from, err));
    for (uint32_t u = 0; u < N; u++) {
        /* a retainer counts only from a node that has a path */
        bool usable = s->distance[u] >= 0 && (u == g->root || s->parent_edge[u] != NONE);
        for (uint64_t e = g->first_edge[u]; e < g->first_edge[u + 1]; e++) {
            uint32_t t = ms__edge_to(g, e);
            bool weak = ms__edge_type(g, e) == MS_ET_WEAK;
            counts[2 * (uint64_t)t]++;
            counts[2 * (uint64_t)t + 1] += weak;
            if (weak || !usable || u == t || t == g->root || s->parent_edge[t] == NONE ||
                u == main_from[t])
                continue;
            offer(&h, best + (uint64_t)t * MS__NATIVE_OTHERS, &m[t], (uint32_t)e, u, bufs);
        }
    }
    MS_TRY(ms__msnap_put(w, MS__SEC_A_RETAINERS, 4, MS__FILTER_NONE, 2 * (uint64_t)N, counts,
                         err));
    free(counts);
    counts = NULL;
    MS_TRY(ms__alloc_array(&first, (uint64_t)N + 1, 4, "retainers", err));
    for (uint32_t n = 0; n < N; n++) {
        first[n] = (uint32_t)total;
        total += m[n];
    }
    first[N] = (uint32_t)total;
    MS_TRY(ms__msnap_put(w, MS__SEC_A_OTHER_FIRST, 4, MS__FILTER_DELTA, (uint64_t)N + 1, first,
                         err));
    /* The nodes, not their edges: a node's edge is its last strong one to
     * the retained node (ms__why's order prefers later edges of one node),
     * and nodes compress better. */
    MS_TRY(ms__alloc_array(&edges, total ? total : 1, 4, "retainers", err));
    for (uint32_t n = 0; n < N; n++)
        for (unsigned i = 0; i < m[n]; i++)
            edges[first[n] + i] = best[(uint64_t)n * MS__NATIVE_OTHERS + i].from;
    MS_TRY(ms__msnap_put(w, MS__SEC_A_OTHER_FROM, 4, MS__FILTER_NONE, total, edges, err));
done:
    ms__sbuf_free(&bufs[0]);
    ms__sbuf_free(&bufs[1]);
    free(counts);
    free(main_from);
    free(m);
    free(best);
    free(first);
    free(edges);
    return rc;
}

static int put_analyses(ms__msnap_writer *w, ms_snapshot *s, ms_error *err)
{
    const ms__graph *g = s->g;
    const uint32_t N = g->node_count;
    uint32_t *top = NULL, *src = NULL, *rank = NULL;
    uint64_t *reach = NULL;
    size_t k = N < MS__NATIVE_TOP ? N : MS__NATIVE_TOP;
    int rc = MS_OK;

    if (s->shallow)
        MS_TRY(ms__msnap_put(w, MS__SEC_A_SHALLOW, 8, MS__FILTER_NONE, N, s->shallow, err));
    MS_TRY(ms__msnap_put(w, MS__SEC_A_RETAINED, 8, MS__FILTER_NONE, N, s->retained, err));
    MS_TRY(put_u32(w, MS__SEC_A_DISTANCE, MS__FILTER_NONE, N, (const uint32_t *)s->distance, err));
    MS_TRY(put_u32(w, MS__SEC_A_IDOM, MS__FILTER_NONE, N, s->idom, err));
    /* A path's last edge as its source and its place among the source's
     * edges: nodes and small numbers, which compress better than edges. */
    MS_TRY(ms__alloc_array(&src, N, 4, "analyses", err));
    MS_TRY(ms__alloc_array(&rank, N, 4, "analyses", err));
    MS_TRY(path_sources(g, s->parent_edge, src, err));
    for (uint32_t n = 0; n < N; n++)
        rank[n] = src[n] == NONE ? 0 : s->parent_edge[n] - g->first_edge[src[n]];
    MS_TRY(put_u32(w, MS__SEC_A_PARENT, MS__FILTER_NONE, N, src, err));
    MS_TRY(put_u32(w, MS__SEC_A_PARENT_RANK, MS__FILTER_NONE, N, rank, err));
    MS_TRY(put_u32(w, MS__SEC_A_CLASS_OF, MS__FILTER_NONE, N, s->classes->of, err));
    MS_TRY(put_classes(w, s->classes, err));
    if (s->rules.sources_ready && s->format == MS_FORMAT_HEAPSNAPSHOT)
        MS_TRY(put_sources(w, s, err));
    MS_TRY(ms__alloc_array(&top, k ? k : 1, 4, "analyses", err));
    MS_TRY(ms__alloc_array(&reach, k ? k : 1, 8, "analyses", err));
    k = ms__top_retained(g, s->retained, k, true, top);
    MS_TRY(put_u32(w, MS__SEC_A_TOP, MS__FILTER_NONE, k, top, err));
    /* how each is reached, named (what `top` prints beside it) */
    MS_TRY(ms__parent_edges(g, &s->rules, s->distance, top, k, true, reach, err));
    for (size_t i = 0; i < k; i++)
        top[i] = reach[i] == UINT64_MAX ? NONE : (uint32_t)reach[i];
    MS_TRY(put_u32(w, MS__SEC_A_TOP_REACH, MS__FILTER_NONE, k, top, err));
    MS_TRY(put_retainers(w, s, err));
done:
    free(top);
    free(reach);
    free(src);
    free(rank);
    return rc;
}

ms_status ms_snapshot_save(ms_snapshot *snap, FILE *out, const ms_save_options *opts,
                           ms_error *err)
{
    static const ms_save_options defaults = MS_SAVE_OPTIONS_INIT;
    ms__msnap_writer w;
    ms__msnap_meta m;
    file_sink sink = {out, "output"};
    ms_size_mode mode;
    int rc = MS_OK;

    memset(&w, 0, sizeof w);
    if (!snap || !out)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_snapshot_save: snap and out are required");
    if (!opts)
        opts = &defaults;
    MS_TRY(ms__check_version(err, "ms_save_options", opts->version, MS_SAVE_OPTIONS_VERSION));
    if (opts->level < 1 || opts->level > 19)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_save_options.level %d: 1 to 19",
                        opts->level);
    if (snap->compare_base)
        return ms__fail(err, MS_EINVAL, UINT64_MAX,
                        "%s: the snapshot was reduced to a comparison base", snap->name);
    if (opts->name)
        sink.name = opts->name;
    MS_TRY(ms__snapshot_whole(snap, err));
    /* The analyses are stored in DevTools' sizes (the default). */
    mode = snap->sizes;
    ms_snapshot_set_sizes(snap, MS_SIZES_DEVTOOLS);
    rc = ms__snapshot_compute(snap, STORED, MS__PLAN_FAST, err);
    if (rc == MS_OK) {
        const uint64_t *shallow;
        rc = ms__snapshot_shallow(snap, &shallow, err);
    }
    if (rc < 0)
        goto restore;
    m = (ms__msnap_meta){snap->format, snap->input_bytes, ms_snapshot_graph_bytes(snap), true, 0};
    if ((rc = ms__msnap_writer_init(&w, sink_write, &sink, opts->level,
                                    opts->threads > 1 ? 2 : 1, err)) < 0 ||
        (rc = ms__msnap_write_graph(&w, snap->g, &m, err)) < 0 ||
        (rc = put_analyses(&w, snap, err)) < 0 || (rc = ms__msnap_writer_finish(&w, err)) < 0)
        goto restore;
    if (fflush(out) != 0)
        rc = ms__fail(err, MS_EIO, UINT64_MAX, "%s: cannot write", sink.name);
restore:
    ms_snapshot_set_sizes(snap, mode);
done:
    ms__msnap_writer_free(&w);
    return rc;
}

/* ---- Reading ------------------------------------------------------------------------------ */

/* A failure in section s of file f. */
#define BAD(s, ...) ms__input_fail(err, MS_EFORMAT, f->name, (s)->offset, __VA_ARGS__)

/* The source of each node's path edge (NONE where there is none): the
 * edges sorted, then one sweep over the offsets. */
static int path_sources(const ms__graph *g, const uint32_t *edge, uint32_t *src, ms_error *err)
{
    const uint32_t N = g->node_count;
    uint64_t *key = NULL, k = 0;
    uint32_t u = 0;
    int rc = MS_OK;
    MS_TRY(ms__alloc_array(&key, N, 8, "analyses check", err));
    for (uint32_t n = 0; n < N; n++) {
        src[n] = NONE;
        if (edge[n] != NONE)
            key[k++] = (uint64_t)edge[n] << 32 | n;
    }
    MS_TRY(ms__radix_sort_u64(key, k, 4, err));
    for (uint64_t i = 0; i < k; i++) {
        uint32_t e = (uint32_t)(key[i] >> 32);
        while (g->first_edge[u + 1] <= e)
            u++;
        src[(uint32_t)key[i]] = u;
    }
done:
    free(key);
    return rc;
}

/* The class table: count, text length, the classes, the text; checked
 * against the graph.  *out owned by the caller. */
static int read_class_table(ms__msnap *f, const ms__graph *g, ms__classes **out, ms_error *err)
{
    const ms__msnap_section *s;
    ms__classes *c = calloc(1, sizeof *c);
    uint8_t *blob = NULL;
    size_t len;
    uint64_t text_len;
    uint32_t count;
    int rc = MS_OK;

    *out = NULL;
    if (!c)
        return ms__oom(err, "classes");
    MS_TRY(ms__msnap_expect(f, MS__SEC_A_CLASSES, 1, UINT64_MAX, false, &s, err));
    if (s->count > (uint64_t)g->node_count * 64 + (1u << 20)) {
        rc = BAD(s, "a class table of %llu bytes for %u nodes", (unsigned long long)s->count,
                 g->node_count);
        goto done;
    }
    MS_TRY(ms__msnap_read_blob(f, s, &blob, &len, err));
    if (len < 16) {
        rc = BAD(s, "the class table is cut short");
        goto done;
    }
    count = ms__le32(blob);
    text_len = ms__le64(blob + 8);
    if (ms__le32(blob + 4) != 0 || count == 0 || count > g->node_count ||
        (uint64_t)count * 32 > len - 16 || text_len != len - 16 - (uint64_t)count * 32) {
        rc = BAD(s, "the class table's %u classes and %llu bytes of text do not fill its %zu "
                    "bytes",
                 count, (unsigned long long)text_len, len);
        goto done;
    }
    MS_TRY(ms__alloc_array(&c->cls, count, sizeof *c->cls, "classes", err));
    MS_TRY(ms__alloc_array(&c->text, text_len + 1, 1, "classes", err));
    memcpy(c->text, blob + 16 + (size_t)count * 32, (size_t)text_len);
    c->text[text_len] = 0;
    c->text_len = c->text_cap = text_len;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *x = blob + 16 + (size_t)i * 32;
        ms__class *k = &c->cls[i];
        uint32_t origin = ms__le32(x + 28);
        k->name_off = ms__le64(x);
        k->key_off = ms__le64(x + 8);
        k->name_len = ms__le32(x + 16);
        k->key_len = ms__le32(x + 20);
        k->first = ms__le32(x + 24);
        k->origin = (uint8_t)origin;
        if (origin > 255 || k->name_off > text_len || k->name_len > text_len - k->name_off ||
            k->key_off > text_len || k->key_len > text_len - k->key_off ||
            c->text[k->name_off + k->name_len] != 0 || c->text[k->key_off + k->key_len] != 0 ||
            k->first >= g->node_count || (i > 0 && k->first <= c->cls[i - 1].first)) {
            rc = BAD(s, "class %u: its name, key or first node is out of range", i);
            goto done;
        }
    }
    c->count = count;
    *out = c;
    c = NULL;
done:
    free(blob);
    ms__classes_free(c);
    return rc;
}

/* A map written by put_map at *p (advanced), checked: values not
 * MS_MAP_NONE and below vmax, keys once. */
static int get_map(ms__msnap *f, const ms__msnap_section *s, const uint8_t **p,
                   const uint8_t *end, ms__map64 *m, uint64_t vmax, ms_error *err)
{
    uint64_t count;
    int rc = MS_OK;
    if (end - *p < 8)
        return BAD(s, "the sources are cut short");
    count = ms__le64(*p);
    *p += 8;
    if (count > (uint64_t)(end - *p) / 12)
        return BAD(s, "the sources claim %llu entries", (unsigned long long)count);
    MS_TRY(ms__map64_init(m, count, err));
    for (uint64_t i = 0; i < count; i++, *p += 12) {
        uint64_t key = ms__le64(*p);
        uint32_t val = ms__le32(*p + 8), got;
        bool added;
        if (val == MS_MAP_NONE || val >= vmax)
            return BAD(s, "the sources hold a value %u out of range", val);
        MS_TRY(ms__map64_put(m, key, val, &got, &added, err));
        if (!added)
            return BAD(s, "the sources hold key %llu twice", (unsigned long long)key);
    }
done:
    return rc;
}

static int read_sources(ms__msnap *f, ms_snapshot *s, ms_error *err)
{
    const ms__msnap_section *sec;
    ms__graph *g = s->g;
    ms__v8_sources *src = &s->v8.sources;
    uint8_t *blob = NULL;
    const uint8_t *p;
    size_t len;
    int rc = MS_OK;

    MS_TRY(ms__msnap_expect(f, MS__SEC_A_SOURCES, 1, UINT64_MAX, true, &sec, err));
    if (!sec || s->format != MS_FORMAT_HEAPSNAPSHOT || !s->rules.sources_make) {
        if (sec)
            rc = BAD(sec, "script names and scopes stored for a snapshot that has none");
        goto done;
    }
    if (sec->count > (uint64_t)g->node_count * 36 + 64) {
        rc = BAD(sec, "%llu bytes of sources for %u nodes", (unsigned long long)sec->count,
                 g->node_count);
        goto done;
    }
    MS_TRY(ms__msnap_read_blob(f, sec, &blob, &len, err));
    p = blob;
    MS_TRY(get_map(f, sec, &p, blob + len, &src->script_name, g->strings.count, err));
    MS_TRY(get_map(f, sec, &p, blob + len, &src->scope_script, UINT32_MAX, err));
    MS_TRY(get_map(f, sec, &p, blob + len, &src->scope_function, 2, err));
    if (p != blob + len) {
        rc = BAD(sec, "%zu bytes after the sources", (size_t)(blob + len - p));
        goto done;
    }
    MS_TRY(ms__bitset_alloc(&src->located, g->node_count, "sources", err));
    for (uint32_t k = 0; k < g->location_count; k++)
        ms__bit_set(src->located, g->locations[k].node);
    MS_TRY(ms__v8_sources_from_strings(&s->v8, g, err));
    /* ready when the sources are asked for (ms__snapshot_compute), as
     * computed ones would be: until then origins and scripts are unknown */
    s->native_sources = true;
done:
    if (rc < 0) {
        ms__v8_sources_free(&s->v8, &s->rules);
        s->native_sources = false;
    }
    free(blob);
    return rc;
}

/* Checks the analyses once the snapshot is whole: what the analyses and
 * the queries on them rely on (docs/formats/msnap.md, "Checks").  Scratch:
 * 4 bytes per node (the dominator tree it builds is kept). */
static int check_analyses(ms__msnap *f, ms_snapshot *s, ms_error *err)
{
    const ms__graph *g = s->g;
    const uint32_t N = g->node_count;
    const ms__msnap_section *sec;
    uint32_t *first = NULL, *child = NULL, *stack = NULL;
    uint64_t total = 0, seen = 0;
    uint32_t sp = 0, classes = 0;
    int rc = MS_OK;

    if (s->shallow) {
        for (uint32_t n = 0; n < N; n++)
            if (ms__add_overflow(total, s->shallow[n], &total))
                break;
        if (total != g->total_self_size) {
            rc = BAD(ms__msnap_find(f, MS__SEC_A_SHALLOW),
                     "the shallow sizes add up to %llu, not to the total %llu",
                     (unsigned long long)total, (unsigned long long)g->total_self_size);
            goto done;
        }
    }
    /* (Each check below is of an analysis still held: raw sizes, say,
     * drop the retained sizes before the snapshot is made whole.) */
    if (s->idom) {
        /* Immediate dominators: a tree under the root, which a walk down
         * the tree from the root covers whole (a node on a cycle is not
         * under the root: the walk misses it). */
        sec = ms__msnap_find(f, MS__SEC_A_IDOM);
        for (uint32_t n = 0; n < N; n++)
            if ((n == g->root) != (s->idom[n] == n)) {
                rc = BAD(sec, "node %u: immediate dominator %u", n, s->idom[n]);
                goto done;
            }
        MS_TRY(ms__dominator_children(g, s->idom, &first, &child, err));
        MS_TRY(ms__alloc_array(&stack, N, 4, "analyses check", err));
        stack[sp++] = g->root;
        while (sp) {
            uint32_t v = stack[--sp];
            seen++;
            for (uint32_t i = first[v]; i < first[v + 1]; i++)
                stack[sp++] = child[i];
        }
        if (seen != N) {
            rc = BAD(sec, "%llu of %u nodes are under the root in the dominator tree",
                     (unsigned long long)seen, N);
            goto done;
        }
        /* Retained sizes: each node's is its shallow size and its
         * children's (a check at each node, in any order). */
        sec = ms__msnap_find(f, MS__SEC_A_RETAINED);
        for (uint32_t v = 0; s->retained && v < N; v++) {
            uint64_t sum = s->shallow ? s->shallow[v] : ms__node_self(g, v);
            bool over = false;
            for (uint32_t i = first[v]; i < first[v + 1]; i++)
                over |= ms__add_overflow(sum, s->retained[child[i]], &sum);
            if (over || sum != s->retained[v]) {
                rc = BAD(sec, "node %u retains %llu bytes, its dominator tree %llu", v,
                         (unsigned long long)s->retained[v], (unsigned long long)sum);
                goto done;
            }
        }
        /* The tree is kept: the next question about it does not make it again. */
        if (!s->dom_first) {
            s->dom_first = first;
            s->dom_child = child;
            first = child = NULL;
        }
    }
    /* Retention paths: each node's last edge ends at it (and their sources
     * come nearer the root at each hop: checked as they are read,
     * msnap.c's parent_edges, so following them ends at the root). */
    sec = ms__msnap_find(f, MS__SEC_A_PARENT);
    for (uint32_t n = 0; s->parent_edge && n < N; n++) {
        uint32_t e = s->parent_edge[n];
        if (e != NONE && (ms__edge_to(g, e) != n || n == g->root ||
                          (s->distance && s->distance[n] == MS_DISTANCE_UNREACHABLE))) {
            rc = BAD(sec, "node %u: its retention path's last edge %u does not lead to it", n, e);
            goto done;
        }
    }
    /* Classes: numbered in the order of their first node. */
    sec = ms__msnap_find(f, MS__SEC_A_CLASS_OF);
    for (uint32_t n = 0; s->classes && s->classes->of && n < N; n++) {
        uint32_t k = s->classes->of[n];
        if (k < classes)
            continue;
        if (k != classes || s->classes->cls[k].first != n) {
            rc = BAD(sec, "node %u: class %u is not the next one (%u) or not first at it", n, k,
                     classes);
            goto done;
        }
        classes++;
    }
    if (s->classes && s->classes->of && classes != s->classes->count) {
        rc = BAD(sec, "%u classes, of which %u have nodes", s->classes->count, classes);
        goto done;
    }
    /* The largest objects: in order, none left out, reached by edges to
     * them. */
    if (!s->retained || !s->top)
        goto done;
    sec = ms__msnap_find(f, MS__SEC_A_TOP);
    if (s->top_count < N) {
        uint32_t last = s->top[s->top_count - 1];
        uint64_t above = 0;
        for (uint32_t n = 0; n < N; n++)
            above += s->retained[n] > s->retained[last] ||
                     (s->retained[n] == s->retained[last] && n < last);
        if (above != s->top_count - 1u) {
            rc = BAD(sec, "the largest objects leave out larger ones");
            goto done;
        }
    }
    for (uint32_t i = 0; i < s->top_count; i++)
        if (s->top_reach[i] != NONE && ms__edge_to(g, s->top_reach[i]) != s->top[i]) {
            rc = BAD(ms__msnap_find(f, MS__SEC_A_TOP_REACH),
                     "node %u is reached by edge %u, which leads elsewhere", s->top[i],
                     s->top_reach[i]);
            goto done;
        }
    for (uint32_t i = 1; i < s->top_count; i++) {
        uint32_t u = s->top[i - 1], v = s->top[i];
        if (s->retained[u] < s->retained[v] || (s->retained[u] == s->retained[v] && u >= v)) {
            rc = BAD(sec, "the largest objects are out of order at %u", i);
            goto done;
        }
    }
done:
    free(first);
    free(child);
    free(stack);
    return rc;
}

/* Drops every stored analysis from s (after a failed check), and the
 * reservations of those read on demand. */
static void drop_analyses(ms_snapshot *s)
{
    ms__snapshot_forget(s, MS__FORGET_SHALLOW | MS__FORGET_CLASSES | MS__FORGET_EDGE_ANALYSES);
    s->native_classes = false;
}

int ms__native_adopt(ms_snapshot *s, unsigned threads, ms_error *err)
{
    ms__graph *g = s->g;
    ms__msnap *f = g->native;
    const uint32_t N = g->node_count;
    const ms__msnap_section *sec;
    int rc = MS_OK;

    if (!f)
        return MS_OK;
    f->threads = threads > 1 ? 2 : 1;
    s->input_bytes = f->meta.input_bytes;
    s->native_graph_bytes = f->meta.graph_bytes;
    if (!f->meta.analyses) {
        for (uint32_t i = 0; i < f->nsections; i++)
            if (f->sec[i].id >= MS__SEC_A_SHALLOW && f->sec[i].id < MS__SEC_A_END) {
                rc = BAD(&f->sec[i], "analyses stored in a file whose META has none");
                goto done;
            }
        goto whole;
    }
    /* Shallow sizes: DevTools' rules' (V8), else the self sizes. */
    if (s->rules.shallow_sizes != NULL) {
        MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_SHALLOW, 8, N, false, LK_ANY, 0,
                                  (void **)&s->shallow, err));
    } else if ((sec = ms__msnap_find(f, MS__SEC_A_SHALLOW)) != NULL) {
        rc = BAD(sec, "shallow sizes stored for a snapshot whose rules have none");
        goto done;
    }
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_DISTANCE, 4, N, false, LK_DISTANCE, 0,
                              (void **)&s->distance, err));
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_IDOM, 4, N, false, LK_NODE, 0, (void **)&s->idom, err));
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_RETAINED, 8, N, false, LK_ANY, 0,
                              (void **)&s->retained, err));
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_PARENT, 4, N, false, LK_PARENT, 0,
                              (void **)&s->parent_edge, err));
    MS_TRY(ms__msnap_lazy_pair(f, (void **)&s->parent_edge, MS__SEC_A_PARENT_RANK,
                               (void **)&s->distance, err));
    MS_TRY(read_class_table(f, g, &s->classes, err));
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_CLASS_OF, 4, N, false, LK_BELOW, s->classes->count,
                              (void **)&s->classes->of, err));
    s->native_classes = true;
    MS_TRY(read_sources(f, s, err));
    /* What why needs of each node's retainers. */
    MS_TRY(ms__msnap_expect(f, MS__SEC_A_OTHER_FROM, 4, UINT64_MAX, false, &sec, err));
    if (sec->count > (uint64_t)N * MS__NATIVE_OTHERS || sec->count > g->edge_count) {
        rc = BAD(sec, "%llu other retainers for %u nodes", (unsigned long long)sec->count, N);
        goto done;
    }
    s->other_count = sec->count;
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_RETAINERS, 4, 2 * (uint64_t)N, false, LK_ANY, 0,
                              (void **)&s->ret_counts, err));
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_OTHER_FIRST, 4, (uint64_t)N + 1, false, LK_FIRST_EDGE,
                              s->other_count, (void **)&s->other_first, err));
    MS_TRY(ms__msnap_lazy_add(f, MS__SEC_A_OTHER_FROM, 4, s->other_count, false, LK_NODE, 0,
                              (void **)&s->other_from, err));
    /* The largest objects (ms_top), in ms__top_retained's order. */
    MS_TRY(ms__msnap_expect(f, MS__SEC_A_TOP, 4, UINT64_MAX, false, &sec, err));
    if (sec->count > N || (sec->count != MS__NATIVE_TOP && sec->count != N)) {
        rc = BAD(sec, "%llu largest objects stored for %u nodes", (unsigned long long)sec->count,
                 N);
        goto done;
    }
    MS_TRY(ms__alloc_array(&s->top, sec->count ? sec->count : 1, 4, "analyses", err));
    MS_TRY(ms__msnap_read_chunks(f, sec, 0, sec->chunks, s->top, err));
    s->top_count = (uint32_t)sec->count;
    for (uint32_t i = 0; i < s->top_count; i++)
        if (s->top[i] >= N) {
            rc = BAD(sec, "the largest objects name node %u", s->top[i]);
            goto done;
        }
    MS_TRY(ms__msnap_expect(f, MS__SEC_A_TOP_REACH, 4, s->top_count, false, &sec, err));
    MS_TRY(ms__alloc_array(&s->top_reach, s->top_count ? s->top_count : 1, 4, "analyses", err));
    MS_TRY(ms__msnap_read_chunks(f, sec, 0, sec->chunks, s->top_reach, err));
    for (uint32_t i = 0; i < s->top_count; i++)
        if (s->top_reach[i] != NONE && s->top_reach[i] >= g->edge_count) {
            rc = BAD(sec, "the largest objects are reached by edge %u", s->top_reach[i]);
            goto done;
        }
whole:
    /* A caller's memory is read during the open only. */
    if (f->mem)
        MS_TRY(ms__snapshot_whole(s, err));
done:
    if (rc < 0)
        drop_analyses(s);
    return rc;
}

int ms__snapshot_whole(ms_snapshot *s, ms_error *err)
{
    ms__graph *g = s->g;
    ms__msnap *f = g ? g->native : NULL;
    int rc = MS_OK;
    if (s->lazy_failed) /* failed before: the same answer */
        return ms__native_status(s, err);
    if (!f)
        return MS_OK;
    /* What only `why` on demand reads (a scan of the edges answers once
     * they are all in memory) is not read whole. */
    ms__native_free_array(s, (void **)&s->ret_counts);
    ms__native_free_array(s, (void **)&s->other_first);
    ms__native_free_array(s, (void **)&s->other_from);
    if ((rc = ms__msnap_finish(f, f->threads, err)) < 0)
        goto done;
    if (s->distance && (rc = check_analyses(f, s, err)) < 0) {
        /* nothing may read analyses that failed (a cycle of dominators
         * would loop): they go, and are computed again if asked for */
        drop_analyses(s);
        goto done;
    }
    /* Everything is in memory: the file is not needed any more. */
    g->native = NULL;
    ms__msnap_release(f);
done:
    if (rc < 0) {
        s->lazy_failed = true;
        s->lazy_error = err ? *err : (ms_error)MS_ERROR_INIT;
    }
    return rc;
}

int ms__native_status(const ms_snapshot *s, ms_error *err)
{
    if (s->lazy_failed) {
        if (err && err->code == MS_OK)
            *err = s->lazy_error;
        return s->lazy_error.code;
    }
    return s->g && s->g->native ? ms__msnap_status(s->g->native, err) : MS_OK;
}

uint64_t ms__native_other_edge(const ms__graph *g, uint32_t from, uint32_t n)
{
    ms__touch_edges(g, from);
    for (uint64_t e = g->first_edge[from + 1]; e > g->first_edge[from]; e--)
        if (ms__edge_to(g, e - 1) == n && ms__edge_type(g, e - 1) != MS_ET_WEAK)
            return e - 1;
    return UINT64_MAX;
}

int ms__native_why(ms_snapshot *s, uint32_t n, size_t k, ms_why **out, ms_error *err)
{
    ms__msnap *f = s->g->native;
    uint64_t list[MS__NATIVE_OTHERS];
    uint32_t a, b, nret, nweak;
    size_t nother = 0;
    ms__heap h;
    int rc;
    if (!s->g->lazy || !s->other_first || s->sizes != MS_SIZES_DEVTOOLS)
        return 0;
    ms__need(s, s->other_first, n);
    ms__need(s, s->other_first, (uint64_t)n + 1);
    a = s->other_first[n];
    b = s->other_first[n + 1];
    if (b < a || b - a > MS__NATIVE_OTHERS) {
        ms__msnap_damaged(f, ms__msnap_find(f, MS__SEC_A_OTHER_FIRST), "too many other retainers");
        b = a;
    }
    /* A full list may hold only the first of more: enough for k <= it. */
    if (b - a == MS__NATIVE_OTHERS && k > MS__NATIVE_OTHERS)
        return 0;
    ms__need(s, s->ret_counts, 2 * (uint64_t)n);
    ms__need(s, s->ret_counts, 2 * (uint64_t)n + 1);
    nret = s->ret_counts[2 * (uint64_t)n];
    nweak = s->ret_counts[2 * (uint64_t)n + 1];
    for (uint32_t i = a; i < b && nother < k; i++) {
        uint64_t e;
        ms__need(s, s->other_from, i);
        e = ms__native_other_edge(s->g, s->other_from[i], n);
        if (e == UINT64_MAX) {
            ms__msnap_damaged(f, ms__msnap_find(f, MS__SEC_A_OTHER_FROM),
                              "another retainer holds no edge to its node");
            break;
        }
        list[nother++] = e;
    }
    if (nweak > nret)
        ms__msnap_damaged(f, ms__msnap_find(f, MS__SEC_A_RETAINERS), "more weak retainers than retainers");
    ms__snapshot_heap(s, &h);
    rc = ms__why_known(&h, n, nret, nweak > nret ? nret : nweak, list, nother, out, err);
    if (rc == MS_OK && (rc = ms__native_status(s, err)) < 0) {
        ms_why_free(*out);
        *out = NULL;
    }
    return rc < 0 ? rc : 1;
}

int ms__native_top_reach(const ms_snapshot *s, const uint32_t *nodes, size_t count,
                         uint64_t *out)
{
    ms__msnap *f = s->g->native;
    if (!s->g->lazy || !s->top_reach || s->sizes != MS_SIZES_DEVTOOLS)
        return 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t k = 0;
        while (k < s->top_count && s->top[k] != nodes[i])
            k++;
        if (k == s->top_count)
            return 0;
        out[i] = s->top_reach[k] == NONE ? UINT64_MAX : s->top_reach[k];
        if (out[i] != UINT64_MAX) {
            ms__touch_edge(s->g, out[i]);
            if (ms__edge_to(s->g, out[i]) != nodes[i]) {
                ms__msnap_damaged(f, ms__msnap_find(f, MS__SEC_A_TOP_REACH),
                                  "a largest object's edge leads elsewhere");
                out[i] = UINT64_MAX;
            }
        }
    }
    return 1;
}

void ms__native_need_range(const ms_snapshot *s, const void *base, uint64_t first,
                           uint64_t count)
{
    if (s->g->lazy && s->g->native)
        ms__msnap_need(s->g->native, base, first, count);
}

void ms__native_free_array(ms_snapshot *s, void **p)
{
    if (s->g && s->g->native && ms__msnap_drop(s->g->native, p))
        return;
    free(*p);
    *p = NULL;
}

void ms__native_for_compare(ms_snapshot *s)
{
    /* Stored classes were named with the snapshot's own naming data, which
     * the file does not keep: a comparison names BEFORE's plain objects
     * with AFTER's (compare.c, before_classes), so they are made again. */
    if (s->native_classes) {
        ms__snapshot_forget(s, MS__FORGET_CLASSES);
        s->native_classes = false;
    }
}

ms_status ms_snapshot_status(const ms_snapshot *snap, ms_error *err)
{
    if (!snap)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_snapshot_status: snap is NULL");
    return ms__native_status(snap, err);
}
