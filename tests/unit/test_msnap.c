/*
 * test_msnap.c: the native file (.msnap, docs/formats/msnap.md).
 *
 *  - Round trip: a snapshot saved and opened again is the same graph, node
 *    for node and edge for edge (every array, string, type name, location,
 *    the trace and the process), on random V8 snapshots (plain objects,
 *    concatenated strings, closures with scripts and scopes, Maps, DOM
 *    state, weak and shortcut edges, unreachable parts; some of 40,000
 *    nodes, so that arrays span many chunks) and on the real inputs the
 *    test is given (argv: V8 snapshots, Memlyze traces and Python heaps,
 *    Boehm captures).
 *  - The analyses read from the file equal the ones computed afresh on the
 *    source: distances, dominators, retained and shallow sizes, classes
 *    and keys, retention paths, locations, origins, scopes, labels, `top`,
 *    and `why` for every node (status, retainer counts, the paths through
 *    other retainers, the dominators), read on demand from a file (what
 *    `top` and `why` use) and again once the file is read whole.
 *  - Hostile files: cut at 64 points and with bytes flipped at 64 points
 *    they are refused (MS_ETRUNC or MS_EFORMAT, "NAME: offset N: ...");
 *    with the hash made right after the flip they are refused or read, and
 *    reading them never crashes (the sanitizer build runs this too), and a
 *    damaged part met on demand is reported by ms_snapshot_status.
 */
#define _GNU_SOURCE /* open_memstream */
#include "helpers.h"

#include "api/native.h"
#include "api/snapshot.h"
#include "import/msnap.h"
#include "paths/paths.h"
#include "snapshot/trace.h"

#include <stdlib.h>
#include <unistd.h>

static int g_argc;
static char **g_argv;

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if ((size_t)n < t->cap - t->len)
            break;
        t->cap = t->cap * 2 + (size_t)n + 1;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    t->len += (size_t)n;
}

/* ---- random V8 snapshots ------------------------------------------------------ */

enum { E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_SHORTCUT, E_WEAK };
enum { N_HIDDEN = 0, N_ARRAY = 1, N_STRING = 2, N_OBJECT = 3, N_CODE = 4, N_CLOSURE = 5,
       N_NATIVE = 8, N_SYNTHETIC = 9, N_CONS = 10 };
#define FIELDS 7

static const char *const strings[] = {
    "", "(root)", "(GC roots)", "Window", "Foo", "Bar", "x", "y", "(Strong roots)", "Object",
    "first", "second", "hello", "system / Context", "context", "shared", "script_or_debug_info",
    "app.js", "fn", "Map", "table", "1", "2", "HTMLDivElement", "previous", "user-7"};
enum { S_EMPTY, S_ROOT, S_GC, S_WINDOW, S_FOO, S_BAR, S_X, S_Y, S_STRONG, S_OBJECT, S_FIRST,
       S_SECOND, S_HELLO, S_CONTEXT, S_CONTEXT_EDGE, S_SHARED, S_SCRIPT, S_APP, S_FN, S_MAP,
       S_TABLE, S_1, S_2, S_DIV, S_PREVIOUS, S_KEY };

typedef struct edge {
    int type, name, to;
} edge;

/* A random V8 snapshot of `nodes` nodes (>= 64) as JSON text (malloc'd). */
static char *random_v8(unsigned seed, int nodes)
{
    text t = {malloc(1 << 16), 0, 1 << 16};
    int cap = nodes * 12, m = 0, *type, *name, *degree, *det;
    edge *edges = malloc(sizeof *edges * (size_t)cap);
    srand(seed);
    type = malloc(sizeof *type * (size_t)nodes);
    name = malloc(sizeof *name * (size_t)nodes);
    degree = calloc((size_t)nodes, sizeof *degree);
    det = calloc((size_t)nodes, sizeof *det);
    assert_true(edges && type && name && degree && det);
    /* 0 root, 1 (GC roots), 2 (Strong roots), 3 Window, 4 the script (code
     * named app.js), 5 a shared function info, then random nodes. */
    type[0] = N_SYNTHETIC, name[0] = S_ROOT;
    type[1] = N_SYNTHETIC, name[1] = S_GC;
    type[2] = N_SYNTHETIC, name[2] = S_STRONG;
    type[3] = N_OBJECT, name[3] = S_WINDOW;
    type[4] = N_CODE, name[4] = S_APP;
    type[5] = N_CODE, name[5] = S_EMPTY;
    for (int n = 6; n < nodes; n++) {
        int r = rand() % 20;
        type[n] = r < 3 ? N_HIDDEN : r < 5 ? N_ARRAY : r < 7 ? N_STRING : r < 8 ? N_CONS
                  : r < 10 ? N_CLOSURE : r < 11 ? N_NATIVE : N_OBJECT;
        switch (type[n]) {
        case N_STRING: name[n] = S_HELLO; break;
        case N_CONS: name[n] = S_EMPTY; break;
        case N_CLOSURE: name[n] = S_FN; break;
        case N_NATIVE: name[n] = S_DIV; det[n] = rand() % 3; break;
        case N_OBJECT: {
            int k = rand() % 10;
            name[n] = k < 4 ? S_OBJECT : k < 6 ? S_FOO : k < 8 ? S_BAR : k < 9 ? S_MAP : S_CONTEXT;
            break;
        }
        default: name[n] = S_EMPTY; break;
        }
    }
    for (int n = 0; n < nodes && m + 64 < cap; n++) {
        int k = n < 6 ? 0 : rand() % 5;
#define ADD(t_, nm_, to_) (edges[m++] = (edge){(t_), (nm_), (to_)}, degree[n]++)
        if (n == 0) {
            ADD(E_SHORTCUT, S_X, 3);
            ADD(E_ELEMENT, 1, 1);
            continue;
        }
        if (n == 1)
            ADD(E_ELEMENT, 1, 2);
        if (n == 2 || n == 3)
            for (int i = 0; i < 30; i++)
                ADD(E_PROPERTY, S_X, 6 + rand() % (nodes - 6));
        if (n == 5)
            ADD(E_INTERNAL, S_SCRIPT, 4);
        if (type[n] == N_CONS) {
            ADD(E_INTERNAL, S_FIRST, 6 + rand() % (nodes - 6));
            ADD(E_INTERNAL, S_SECOND, 6 + rand() % (nodes - 6));
        }
        if (type[n] == N_CLOSURE) {
            ADD(E_INTERNAL, S_SHARED, 5);
            ADD(E_CONTEXT, S_CONTEXT_EDGE, 6 + rand() % (nodes - 6));
        }
        if (type[n] == N_OBJECT && name[n] == S_CONTEXT)
            ADD(E_INTERNAL, S_PREVIOUS, 6 + rand() % (nodes - 6));
        if (type[n] == N_OBJECT && name[n] == S_MAP) {
            int table = n + 1 < nodes ? n + 1 : 6;
            ADD(E_INTERNAL, S_TABLE, table);
        }
        if (n >= 6 && n + 1 < nodes && rand() % 3 == 0)
            ADD(E_PROPERTY, S_Y, n + 1);
        for (int i = 0; i < k; i++) {
            int r = rand() % 20, et;
            et = r < 8 ? E_PROPERTY : r < 12 ? E_INTERNAL : r < 14 ? E_ELEMENT : r < 16 ? E_HIDDEN
                 : r < 17 ? E_CONTEXT : r < 18 ? E_SHORTCUT : E_WEAK;
            ADD(et, et == E_ELEMENT || et == E_HIDDEN ? i : et == E_INTERNAL ? S_1 + rand() % 2
                                                             : r == 0 ? S_KEY : S_X + rand() % 2,
                rand() % 8 == 0 ? n : 6 + rand() % (nodes - 6));
        }
#undef ADD
    }
    put(&t, "{\"snapshot\":{" V8_META ",\"node_count\":%d,\"edge_count\":%d},\"nodes\":[", nodes, m);
    for (int n = 0; n < nodes; n++)
        put(&t, "%s%d,%d,%d,%d,%d,0,%d", n ? "," : "", type[n], name[n], 2 * n + 1,
            type[n] == N_SYNTHETIC ? 0 : 8 + rand() % 200, degree[n], det[n]);
    put(&t, "],\"edges\":[");
    for (int e = 0; e < m; e++)
        put(&t, "%s%d,%d,%d", e ? "," : "", edges[e].type, edges[e].name, edges[e].to * FIELDS);
    put(&t, "],\"locations\":[");
    for (int n = 6, first = 1; n < nodes; n++)
        if (type[n] == N_CLOSURE || (type[n] == N_OBJECT && rand() % 4 == 0)) {
            put(&t, "%s%d,%d,%d,%d", first ? "" : ",", n * FIELDS, 1 + rand() % 3, rand() % 50,
                rand() % 9);
            first = 0;
        }
    put(&t, "],\"strings\":[");
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        put(&t, "%s\"%s\"", i ? "," : "", strings[i]);
    put(&t, "]}");
    free(edges);
    free(type);
    free(name);
    free(degree);
    free(det);
    return t.p;
}

/* ---- saving and opening --------------------------------------------------------- */

/* s saved as a .msnap into a new buffer (*len bytes). */
static char *save(ms_snapshot *s, size_t *len)
{
    ms_error err = MS_ERROR_INIT;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    ms_save_options o = MS_SAVE_OPTIONS_INIT;
    assert_non_null(f);
    o.threads = 2;
    if (ms_snapshot_save(s, f, &o, &err) != MS_OK)
        print_error("save: %s\n", err.message);
    assert_int_equal(err.code, MS_OK);
    fclose(f);
    return buf;
}

/* A scratch file holding len bytes; the caller unlinks and frees the name. */
static char *scratch(const void *data, size_t len)
{
    char *name = strdup("/tmp/test_msnap.XXXXXX");
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return name;
}

static ms_snapshot *open_mem(const void *data, size_t len, const char *name)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    if (ms_snapshot_open_memory(&s, data, len, name, NULL, &err) != MS_OK)
        print_error("open %s: %s\n", name, err.message);
    assert_non_null(s);
    return s;
}

static ms_snapshot *open_file(const char *path)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    if (ms_snapshot_open(&s, path, NULL, &err) != MS_OK)
        print_error("open %s: %s\n", path, err.message);
    assert_non_null(s);
    return s;
}

static void compute_all(ms_snapshot *s)
{
    ms_error err = MS_ERROR_INIT;
    if (ms_snapshot_compute(s, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_DOMINATORS |
                                   MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES |
                                   MS_ANALYSIS_PATHS | MS_ANALYSIS_SOURCES,
                            &err) != MS_OK)
        print_error("compute: %s\n", err.message);
    assert_int_equal(err.code, MS_OK);
}

/* ---- the graph, node for node ---------------------------------------------------- */

static void same_string(const ms__graph *a, uint32_t x, const ms__graph *b, uint32_t y)
{
    size_t la, lb;
    const char *sa = ms__strtab_get(&a->strings, x, &la), *sb = ms__strtab_get(&b->strings, y, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(sa, sb, la);
}

/* a (the source, in memory) and b (read back whole) are the same graph. */
static void same_graph(const ms__graph *a, const ms__graph *b)
{
    assert_int_equal(a->node_count, b->node_count);
    assert_int_equal(a->edge_count, b->edge_count);
    assert_int_equal(a->root, b->root);
    assert_int_equal(a->strings.count, b->strings.count);
    assert_int_equal(a->total_self_size, b->total_self_size);
    assert_int_equal(a->node_type_count, b->node_type_count);
    assert_int_equal(a->edge_type_count, b->edge_type_count);
    assert_int_equal(a->dom_state_done, b->dom_state_done);
    for (unsigned i = 0; i < a->node_type_count; i++)
        assert_string_equal(a->node_type_names[i], b->node_type_names[i]);
    for (unsigned i = 0; i < a->edge_type_count; i++)
        assert_string_equal(a->edge_type_names[i], b->edge_type_names[i]);
    for (uint32_t i = 0; i < a->strings.count; i++)
        same_string(a, i, b, i);
    for (uint32_t n = 0; n < a->node_count; n++) {
        assert_int_equal(a->node_type[n], b->node_type[n]);
        assert_int_equal(a->node_name[n], b->node_name[n]);
        assert_int_equal(ms__node_id(a, n), ms__node_id(b, n));
        assert_int_equal(ms__node_self(a, n), ms__node_self(b, n));
        assert_int_equal(a->first_edge[n], b->first_edge[n]);
        assert_int_equal(a->detachedness ? a->detachedness[n] : 9,
                         b->detachedness ? b->detachedness[n] : 9);
        assert_int_equal(a->node_site ? a->node_site[n] : 7, b->node_site ? b->node_site[n] : 7);
    }
    assert_true(!a->node_id_hi == !b->node_id_hi && !a->self_hi == !b->self_hi);
    assert_int_equal(a->first_edge[a->node_count], b->first_edge[b->node_count]);
    for (uint64_t e = 0; e < a->edge_count; e++) {
        assert_int_equal(a->edge_word[e], b->edge_word[e]);
        assert_int_equal(a->edge_name[e], b->edge_name[e]);
    }
    assert_int_equal(a->location_count, b->location_count);
    assert_int_equal(a->position_count, b->position_count);
    if (a->location_count)
        assert_memory_equal(a->locations, b->locations, a->location_count * sizeof *a->locations);
    if (a->position_count)
        assert_memory_equal(a->positions, b->positions, a->position_count * sizeof *a->positions);
    assert_memory_equal(&a->process, &b->process, sizeof a->process);
    assert_true(!a->trace == !b->trace);
    if (a->trace) {
        const ms__trace *x = a->trace, *y = b->trace;
        assert_memory_equal(&x->info, &y->info, sizeof x->info);
        if (x->info.site_count)
            assert_memory_equal(x->sites, y->sites, x->info.site_count * sizeof *x->sites);
        if (x->info.sample_count)
            assert_memory_equal(x->samples, y->samples, x->info.sample_count * sizeof *x->samples);
        for (uint32_t i = 0; i < x->info.mark_count; i++) {
            assert_int_equal(x->marks[i].time_us, y->marks[i].time_us);
            assert_int_equal(x->marks[i].offset, y->marks[i].offset);
            assert_int_equal(x->marks[i].live_bytes, y->marks[i].live_bytes);
            assert_int_equal(x->marks[i].objects, y->marks[i].objects);
            assert_int_equal(x->marks[i].bytes, y->marks[i].bytes);
            assert_int_equal(x->marks[i].kind, y->marks[i].kind);
            if (x->marks[i].kind == MS_MARK_MARKER)
                assert_int_equal(x->marks[i].name, y->marks[i].name);
        }
    }
}

/* ---- the analyses, node for node --------------------------------------------------- */

/* Hops compared field by field (the struct has padding). */
static void same_hops(const ms_hop *x, const ms_hop *y, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(x[i].node, y[i].node);
        assert_int_equal(x[i].edge, y[i].edge);
    }
}

static void same_why(ms_snapshot *a, ms_snapshot *b, ms_node n, size_t k)
{
    ms_error ea = MS_ERROR_INIT, eb = MS_ERROR_INIT;
    ms_why *x = NULL, *y = NULL;
    assert_int_equal(ms_why_compute(a, n, k, &x, &ea), MS_OK);
    if (ms_why_compute(b, n, k, &y, &eb) != MS_OK)
        print_error("why %u: %s\n", n, eb.message);
    assert_non_null(y);
    assert_int_equal(x->status, y->status);
    assert_int_equal(x->retainer_count, y->retainer_count);
    assert_int_equal(x->weak_retainer_count, y->weak_retainer_count);
    assert_int_equal(x->path.length, y->path.length);
    same_hops(x->path.hops, y->path.hops, x->path.length);
    assert_int_equal(x->dominator_count, y->dominator_count);
    if (x->dominator_count)
        assert_memory_equal(x->dominators, y->dominators,
                            x->dominator_count * sizeof *x->dominators);
    if (x->other_count != y->other_count)
        print_error("why %u: %zu other paths, %zu read\n", n, x->other_count, y->other_count);
    assert_int_equal(x->other_count, y->other_count);
    for (size_t i = 0; i < x->other_count; i++) {
        assert_int_equal(x->others[i].length, y->others[i].length);
        same_hops(x->others[i].hops, y->others[i].hops, x->others[i].length);
    }
    ms_why_free(x);
    ms_why_free(y);
}

/* Every getter of node n agrees between a (computed) and b (read). */
static void same_node(ms_snapshot *a, ms_snapshot *b, ms_node n)
{
    char la[256], lb[256];
    ms_location xa, xb;
    size_t na, nb;
    const char *sa = ms_node_name(a, n, &na), *sb = ms_node_name(b, n, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(sa, sb, na);
    assert_string_equal(ms_node_type(a, n), ms_node_type(b, n));
    assert_int_equal(ms_node_id(a, n), ms_node_id(b, n));
    assert_int_equal(ms_node_self_size(a, n), ms_node_self_size(b, n));
    assert_int_equal(ms_node_distance(a, n), ms_node_distance(b, n));
    assert_int_equal(ms_node_dominator(a, n), ms_node_dominator(b, n));
    assert_int_equal(ms_node_retained_size(a, n), ms_node_retained_size(b, n));
    assert_int_equal(ms_node_shallow_size(a, n), ms_node_shallow_size(b, n));
    assert_string_equal(ms_node_class(a, n), ms_node_class(b, n));
    assert_string_equal(ms_node_class_key(a, n), ms_node_class_key(b, n));
    assert_int_equal(ms_node_origin(a, n), ms_node_origin(b, n));
    na = ms_node_label(a, n, la, sizeof la);
    nb = ms_node_label(b, n, lb, sizeof lb);
    assert_int_equal(na, nb);
    assert_string_equal(la, lb);
    na = ms_node_scope(a, n, la, sizeof la);
    nb = ms_node_scope(b, n, lb, sizeof lb);
    assert_int_equal(na, nb);
    assert_string_equal(la, lb);
    assert_int_equal(ms_node_location(a, n, &xa), ms_node_location(b, n, &xb));
    assert_int_equal(xa.line, xb.line);
    assert_int_equal(xa.column, xb.column);
    assert_int_equal(xa.script_id, xb.script_id);
    assert_true(!xa.file == !xb.file);
    if (xa.file)
        assert_string_equal(xa.file, xb.file);
    {
        uint64_t ea, eb;
        ms_hop ha[64], hb[64];
        size_t pa = ms_retention_path(a, n, ha, 64), pb = ms_retention_path(b, n, hb, 64);
        assert_int_equal(pa, pb);
        same_hops(ha, hb, pa < 64 ? pa : 64);
        assert_int_equal(ms_retention_edges(a, &n, 1, 0, &ea, NULL), MS_OK);
        assert_int_equal(ms_retention_edges(b, &n, 1, 0, &eb, NULL), MS_OK);
        assert_int_equal(ea, eb);
    }
}

/* The largest objects and how they are reached, as `top` asks. */
static void same_top(ms_snapshot *a, ms_snapshot *b)
{
    for (int all = 0; all < 2; all++) {
        ms_node ta[100], tb[100];
        uint64_t ra[100], rb[100];
        size_t ca, cb;
        assert_int_equal(ms_top(a, 100, all, ta, &ca, NULL), MS_OK);
        assert_int_equal(ms_top(b, 100, all, tb, &cb, NULL), MS_OK);
        assert_int_equal(ca, cb);
        assert_memory_equal(ta, tb, ca * sizeof *ta);
        assert_int_equal(ms_retention_edges(a, ta, ca, 1, ra, NULL), MS_OK);
        assert_int_equal(ms_retention_edges(b, tb, cb, 1, rb, NULL), MS_OK);
        assert_memory_equal(ra, rb, ca * sizeof *ra);
    }
}

/* src (analyses computed) saved, then read back: lazily from a file (what
 * top and why read, checked before anything makes it whole), and whole
 * from memory.  every: how many nodes to compare (every node, or a stride
 * through them). */
static void round_trip(ms_snapshot *src, const char *name, uint32_t stride)
{
    size_t len;
    char *data, *path;
    ms_snapshot *lazy, *whole;
    ms_error err = MS_ERROR_INIT;
    const uint32_t N = ms_snapshot_node_count(src);

    compute_all(src);
    data = save(src, &len);
    path = scratch(data, len);

    lazy = open_file(path);
    assert_non_null(lazy->g->lazy);
    /* what a command asks first: all stored, nothing is read whole */
    compute_all(lazy);
    assert_non_null(lazy->g->lazy);
    assert_int_equal(ms_snapshot_format(lazy), ms_snapshot_format(src));
    assert_int_equal(ms_snapshot_input_bytes(lazy), ms_snapshot_input_bytes(src));
    assert_int_equal(ms_snapshot_graph_bytes(lazy), ms_snapshot_graph_bytes(src));
    assert_int_equal(ms_snapshot_edge_count(lazy), ms_snapshot_edge_count(src));
    same_top(src, lazy);
    for (uint32_t n = 0; n < N; n += stride) {
        same_node(src, lazy, n);
        same_why(src, lazy, n, 3);
        same_why(src, lazy, n, MS__NATIVE_OTHERS);
    }
    /* all this was answered from the file, read on demand */
    assert_non_null(lazy->g->lazy);
    assert_int_equal(ms_snapshot_status(lazy, &err), MS_OK);
    /* made whole: the same graph, its checks passed */
    assert_int_equal(ms__snapshot_whole(lazy, &err), MS_OK);
    assert_null(lazy->g->lazy);
    same_graph(src->g, lazy->g);
    same_why(src, lazy, N - 1, 5);
    ms_snapshot_free(lazy);

    whole = open_mem(data, len, name);
    assert_null(whole->g->lazy);
    same_graph(src->g, whole->g);
    compute_all(whole);
    for (uint32_t n = 0; n < N; n += stride)
        same_node(src, whole, n);
    same_top(src, whole);
    ms_snapshot_free(whole);

    unlink(path);
    free(path);
    free(data);
}

static void test_msnap__random_v8(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 40; seed++) {
        int nodes = seed % 10 == 0 ? 40000 : 64 + (int)(seed * 97 % 3000);
        char *doc = random_v8(seed, nodes);
        ms_snapshot *s = open_mem(doc, strlen(doc), "random.heapsnapshot");
        round_trip(s, "random.msnap", nodes > 10000 ? 7 : 1);
        ms_snapshot_free(s);
        free(doc);
    }
}

/* The real inputs named on the command line (every format). */
static void test_msnap__real_inputs(void **state)
{
    (void)state;
    for (int i = 1; i < g_argc; i++) {
        ms_snapshot *s = open_file(g_argv[i]);
        uint32_t N = ms_snapshot_node_count(s);
        round_trip(s, "real.msnap", N > 20000 ? N / 4000 : 1);
        ms_snapshot_free(s);
    }
}

/* ---- hostile files ------------------------------------------------------------------------ */

/* A refusal in the one message form, "NAME: offset N: ...". */
static void refused(int rc, const ms_error *err, const char *name)
{
    char want[300];
    assert_true(rc == MS_ETRUNC || rc == MS_EFORMAT);
    assert_int_equal(err->code, rc);
    snprintf(want, sizeof want, "%s: offset ", name);
    if (strncmp(err->message, want, strlen(want)) != 0)
        print_error("message: %s\n", err->message);
    assert_memory_equal(err->message, want, strlen(want));
}

/* Everything a command may ask of a snapshot read on demand, then whole. */
static void query_all(ms_snapshot *s)
{
    ms_error err = MS_ERROR_INIT;
    ms_node top[8];
    size_t count;
    uint32_t N = ms_snapshot_node_count(s);
    (void)ms_top(s, 8, 0, top, &count, &err);
    for (uint32_t n = 0; n < N && n < 48; n++) {
        char buf[64];
        ms_why *w = NULL;
        ms_location loc;
        uint64_t e;
        ms_hop hops[16];
        err = (ms_error)MS_ERROR_INIT;
        if (ms_why_compute(s, n, 3, &w, &err) == MS_OK)
            ms_why_free(w);
        (void)ms_node_label(s, n, buf, sizeof buf);
        (void)ms_node_scope(s, n, buf, sizeof buf);
        (void)ms_node_location(s, n, &loc);
        (void)ms_node_class(s, n);
        (void)ms_retention_path(s, n, hops, 16);
        (void)ms_retention_edges(s, &n, 1, 1, &e, NULL);
    }
    err = (ms_error)MS_ERROR_INIT;
    (void)ms_snapshot_status(s, &err);
    err = (ms_error)MS_ERROR_INIT;
    (void)ms__snapshot_whole(s, &err);
}

static void test_msnap__hostile(void **state)
{
    char *doc = random_v8(7, 3000);
    ms_snapshot *s = open_mem(doc, strlen(doc), "random.heapsnapshot");
    size_t len;
    char *data, *copy;
    (void)state;
    compute_all(s);
    data = save(s, &len);
    copy = malloc(len);
    assert_non_null(copy);
    /* Cut at 64 points: refused. */
    for (int k = 0; k < 64; k++) {
        size_t cut = len * (size_t)k / 64 + (size_t)(k % 7);
        ms_error err = MS_ERROR_INIT;
        ms_snapshot *t = NULL;
        int rc = ms_snapshot_open_memory(&t, data, cut, "cut.msnap", NULL, &err);
        assert_null(t);
        if (cut == 0) {
            assert_int_equal(rc, MS_ETRUNC);
            continue;
        }
        refused(rc, &err, "cut.msnap");
    }
    /* Bytes flipped at 64 points: refused (the hash); with the hash made
     * right after the flip: refused, or read (from a file, on demand)
     * without a crash. */
    for (int k = 0; k < 64; k++) {
        size_t at = len * (size_t)k / 64 + 13;
        ms_error err = MS_ERROR_INIT;
        ms_snapshot *t = NULL;
        uint64_t h;
        char *path;
        int rc;
        if (at >= len)
            continue;
        memcpy(copy, data, len);
        copy[at] ^= (char)(k % 5 == 0 ? 0xff : 1 << (k % 8));
        rc = ms_snapshot_open_memory(&t, copy, len, "flip.msnap", NULL, &err);
        assert_null(t);
        refused(rc, &err, "flip.msnap");
        h = ms__msnap_hash(copy, len - 16);
        for (int i = 0; i < 8; i++)
            copy[len - 16 + (size_t)i] = (char)(h >> (8 * i));
        path = scratch(copy, len);
        err = (ms_error)MS_ERROR_INIT;
        rc = ms_snapshot_open(&t, path, NULL, &err);
        if (rc == MS_OK)
            query_all(t);
        else
            refused(rc, &err, path);
        ms_snapshot_free(t);
        unlink(path);
        free(path);
    }
    free(copy);
    free(data);
    ms_snapshot_free(s);
    free(doc);
}

/* A damaged chunk read on demand: the getter reads zeros there, and
 * ms_snapshot_status names the file and the chunk's offset. */
static void test_msnap__damaged_chunk(void **state)
{
    char *doc = random_v8(11, 2000);
    ms_snapshot *s = open_mem(doc, strlen(doc), "random.heapsnapshot"), *t;
    ms__msnap *f;
    const ms__msnap_section *sec;
    ms_error err = MS_ERROR_INIT;
    size_t len;
    uint64_t h;
    char *data, *path;
    (void)state;
    compute_all(s);
    data = save(s, &len);
    /* Find the distances' section and damage its chunk (then fix the hash). */
    t = open_mem(data, len, "x.msnap");
    ms_snapshot_free(t);
    {
        ms__reader r;
        assert_int_equal(ms__reader_open_memory(&r, data, len, "x.msnap", &err), MS_OK);
        assert_int_equal(ms__msnap_open(&f, &r, true, 1, &err), MS_OK);
        sec = ms__msnap_find(f, MS__SEC_A_DISTANCE);
        assert_non_null(sec);
        data[sec->chunk_off[0] + 6] ^= 0x55; /* inside the zstd frame */
        ms__msnap_close(f);
        ms__reader_close(&r);
    }
    h = ms__msnap_hash(data, len - 16);
    for (int i = 0; i < 8; i++)
        data[len - 16 + (size_t)i] = (char)(h >> (8 * i));
    path = scratch(data, len);
    t = open_file(path);
    assert_int_equal(ms_snapshot_status(t, &err), MS_OK);
    (void)ms_node_distance(t, 1);
    assert_int_not_equal(ms_snapshot_status(t, &err), MS_OK);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, ": offset "));
    ms_snapshot_free(t);
    unlink(path);
    free(path);
    free(data);
    ms_snapshot_free(s);
    free(doc);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msnap__random_v8),
        cmocka_unit_test(test_msnap__real_inputs),
        cmocka_unit_test(test_msnap__hostile),
        cmocka_unit_test(test_msnap__damaged_chunk),
    };
    g_argc = argc;
    g_argv = argv;
    return cmocka_run_group_tests_name("msnap", tests, NULL, NULL);
}
