/*
 * test_v8rules.c: Chrome DevTools' rules for V8 snapshots, one tiny
 * hand-written .heapsnapshot per rule, opened through the public API only
 * (memsnap.h; the library's internals are not included here).
 *
 * The rules are DevTools' (devtools-frontend,
 * front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts; each test
 * names the functions it pins) as docs/analyses.md and docs/summary.md
 * describe them.  Every expected dominator, shallow size, retained size,
 * distance, class name and class key below was worked out by hand from
 * those functions, and each table says how; none was copied from memsnap.
 * Where memsnap documents a difference from DevTools (two classes under
 * one key, docs/summary.md), memsnap's documentation is followed.
 *
 * With MEMSNAP_V8RULES_DUMP=DIR set, every snapshot is also written to
 * DIR/NAME.heapsnapshot with its expectations in DIR/NAME.expected.tsv, so
 * that tests/integration/v8rules-oracle.test.mjs can check them against
 * DevTools' own code.
 */
#define _POSIX_C_SOURCE 200809L
#include "helpers.h"

#include <stdlib.h>

/* ---- writing snapshots ------------------------------------------------------------------ */

/* Distances as DevTools sets them (calculateDistances): system roots only
 * at 100000000 + hops, unreachable -5. */
#define SYS MS_DISTANCE_SYSTEM_BASE
#define UNREACHED MS_DISTANCE_UNREACHABLE

/* One node: what the file says, then what the test expects of it. */
typedef struct vnode {
    const char *type, *name;
    uint64_t id, size;
    unsigned det;          /* detachedness: 0 unknown, 1 attached, 2 detached */
    unsigned dom;          /* expected immediate dominator (node index) */
    uint64_t shallow, retained;
    int32_t dist;
    const char *cls, *key; /* expected class and class key; NULL: not checked */
} vnode;

/* N(type, name, id, self size, detachedness, | dominator, shallow, retained,
 * distance, class, key) */
#define N(t, n, id, size, det, dom, sh, ret, dist, cls, key)                                      \
    { t, n, id, size, det, dom, sh, ret, dist, cls, key }

typedef struct vedge {
    unsigned from;
    const char *type;
    const char *name; /* NULL for element and hidden edges */
    uint32_t index;
    unsigned to;
} vedge;

#define PROP(f, n, t) { f, "property", n, 0, t }
#define INTERNAL(f, n, t) { f, "internal", n, 0, t }
#define SHORTCUT(f, n, t) { f, "shortcut", n, 0, t }
#define WEAK(f, n, t) { f, "weak", n, 0, t }
#define ELEMENT(f, i, t) { f, "element", NULL, i, t }
#define HIDDEN(f, i, t) { f, "hidden", NULL, i, t }

/* A `locations` row: where the constructor of `node` is (0-based line and
 * column, as V8 writes them). */
typedef struct vloc {
    unsigned node, script, line, column;
} vloc;

typedef struct vsnap {
    const char *name;
    const vnode *nodes;
    size_t n;
    const vedge *edges;
    size_t ne;
    const vloc *locs;
    size_t nl;
} vsnap;

#define SNAP(name, nodes, edges) { name, nodes, sizeof nodes / sizeof *nodes, edges,              \
                                   sizeof edges / sizeof *edges, NULL, 0 }

/* The order of helpers.h's V8_META. */
static const char *const node_types[] = {
    "hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
    "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape",
    "wasm object"};
static const char *const edge_types[] = {
    "context", "element", "property", "internal", "hidden", "shortcut", "weak"};

static unsigned type_index(const char *const *list, size_t n, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], t) == 0)
            return (unsigned)i;
    print_error("unknown type \"%s\"\n", t);
    fail();
    return 0;
}

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (!t->p) {
        t->cap = 4096;
        t->p = malloc(t->cap);
        assert_non_null(t->p);
    }
    for (;;) {
        size_t room = t->cap - t->n;
        va_start(ap, fmt);
        k = vsnprintf(t->p + t->n, room, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if ((size_t)k < room)
            break;
        t->cap = (t->n + (size_t)k + 1) * 2;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    t->n += (size_t)k;
}

/* The strings section: "<dummy>" first, as V8 writes it, then each
 * distinct string once. */
typedef struct strings {
    const char *s[256];
    unsigned n;
} strings;

static unsigned intern(strings *st, const char *s)
{
    for (unsigned i = 0; i < st->n; i++)
        if (strcmp(st->s[i], s) == 0)
            return i;
    assert_true(st->n < 256);
    st->s[st->n] = s;
    return st->n++;
}

static void add_json_string(text *t, const char *s)
{
    add(t, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            add(t, "\\%c", *s);
        else
            add(t, "%c", *s);
    }
    add(t, "\"");
}

/* The snapshot as V8 writes it: meta, nodes (7 fields), edges grouped by
 * source in node order (to_node = target index * 7), locations, strings. */
static char *snapshot_json(const vsnap *v)
{
    text t = {0};
    strings st = {{0}, 0};
    unsigned *degree = calloc(v->n, sizeof *degree);
    assert_non_null(degree);
    intern(&st, "<dummy>");
    for (size_t e = 0; e < v->ne; e++) {
        assert_true(v->edges[e].from < v->n && v->edges[e].to < v->n);
        /* grouped by source: the tables list them so */
        assert_true(e == 0 || v->edges[e].from >= v->edges[e - 1].from);
        degree[v->edges[e].from]++;
    }
    add(&t, "{\"snapshot\":{" V8_META ",\"node_count\":%zu,\"edge_count\":%zu,"
            "\"trace_function_count\":0},\n\"nodes\":[",
        v->n, v->ne);
    for (size_t i = 0; i < v->n; i++) {
        const vnode *n = &v->nodes[i];
        add(&t, "%s%u,%u,%llu,%llu,%u,0,%u", i ? ",\n" : "",
            type_index(node_types, sizeof node_types / sizeof *node_types, n->type),
            intern(&st, n->name), (unsigned long long)n->id, (unsigned long long)n->size,
            degree[i], n->det);
    }
    add(&t, "],\n\"edges\":[");
    for (size_t e = 0; e < v->ne; e++) {
        const vedge *x = &v->edges[e];
        unsigned type = type_index(edge_types, sizeof edge_types / sizeof *edge_types, x->type);
        add(&t, "%s%u,%u,%u", e ? ",\n" : "", type, x->name ? intern(&st, x->name) : x->index,
            x->to * 7);
    }
    add(&t, "],\n\"trace_function_infos\":[],\"trace_tree\":[],\"samples\":[],\n\"locations\":[");
    for (size_t l = 0; l < v->nl; l++)
        add(&t, "%s%u,%u,%u,%u", l ? "," : "", v->locs[l].node * 7, v->locs[l].script,
            v->locs[l].line, v->locs[l].column);
    add(&t, "],\n\"strings\":[");
    for (unsigned i = 0; i < st.n; i++) {
        if (i)
            add(&t, ",\n");
        add_json_string(&t, st.s[i]);
    }
    add(&t, "]}\n");
    free(degree);
    return t.p;
}

/* With MEMSNAP_V8RULES_DUMP set: the snapshot and its expectations, for the
 * DevTools oracle test. */
static void dump(const vsnap *v, const char *json)
{
    const char *dir = getenv("MEMSNAP_V8RULES_DUMP");
    char path[4096];
    FILE *f;
    if (!dir || !*dir)
        return;
    snprintf(path, sizeof path, "%s/%s.heapsnapshot", dir, v->name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(json, f);
    assert_int_equal(fclose(f), 0);
    snprintf(path, sizeof path, "%s/%s.expected.tsv", dir, v->name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("id\tshallow\tretained\tdominator_id\tdistance\tclass\tkey\n", f);
    for (size_t i = 0; i < v->n; i++) {
        const vnode *n = &v->nodes[i];
        fprintf(f, "%llu\t%llu\t%llu\t%llu\t%d\t%s\t%s\n", (unsigned long long)n->id,
                (unsigned long long)n->shallow, (unsigned long long)n->retained,
                (unsigned long long)v->nodes[n->dom].id, n->dist, n->cls ? n->cls : "",
                n->key ? n->key : "");
    }
    assert_int_equal(fclose(f), 0);
}

/* Opens the snapshot and computes every analysis the tables check. */
static ms_snapshot *open_snap(const vsnap *v)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    char *json = snapshot_json(v);
    int rc = ms_snapshot_open_memory(&s, json, strlen(json), v->name, NULL, &err);
    if (rc != MS_OK)
        print_error("%s: %s\n", v->name, err.message);
    assert_int_equal(rc, MS_OK);
    dump(v, json);
    free(json);
    assert_int_equal(ms_snapshot_node_count(s), v->n);
    assert_int_equal(ms_snapshot_edge_count(s), v->ne);
    rc = ms_snapshot_compute(s, MS_ANALYSIS_DISTANCES | MS_ANALYSIS_DOMINATORS |
                                    MS_ANALYSIS_RETAINED | MS_ANALYSIS_CLASSES, &err);
    if (rc != MS_OK)
        print_error("%s: %s\n", v->name, err.message);
    assert_int_equal(rc, MS_OK);
    return s;
}

/* Every node against its row; all differences are printed before failing. */
static void check_nodes(ms_snapshot *s, const vsnap *v)
{
    int bad = 0;
    for (unsigned i = 0; i < v->n; i++) {
        const vnode *n = &v->nodes[i];
        const char *cls = ms_node_class(s, i), *key = ms_node_class_key(s, i);
        if (ms_node_id(s, i) != n->id) {
            print_error("%s: node %u: id %llu, expected %llu\n", v->name, i,
                        (unsigned long long)ms_node_id(s, i), (unsigned long long)n->id);
            bad++;
        }
        if (ms_node_dominator(s, i) != n->dom) {
            print_error("%s: node %u (%s): dominator %u, expected %u\n", v->name, i, n->name,
                        ms_node_dominator(s, i), n->dom);
            bad++;
        }
        if (ms_node_shallow_size(s, i) != n->shallow) {
            print_error("%s: node %u (%s): shallow size %llu, expected %llu\n", v->name, i,
                        n->name, (unsigned long long)ms_node_shallow_size(s, i),
                        (unsigned long long)n->shallow);
            bad++;
        }
        if (ms_node_retained_size(s, i) != n->retained) {
            print_error("%s: node %u (%s): retained size %llu, expected %llu\n", v->name, i,
                        n->name, (unsigned long long)ms_node_retained_size(s, i),
                        (unsigned long long)n->retained);
            bad++;
        }
        if (ms_node_distance(s, i) != n->dist) {
            print_error("%s: node %u (%s): distance %d, expected %d\n", v->name, i, n->name,
                        ms_node_distance(s, i), n->dist);
            bad++;
        }
        if (n->cls && strcmp(cls, n->cls) != 0) {
            print_error("%s: node %u (%s): class \"%s\", expected \"%s\"\n", v->name, i, n->name,
                        cls, n->cls);
            bad++;
        }
        if (n->key && strcmp(key, n->key) != 0) {
            print_error("%s: node %u (%s): class key \"%s\", expected \"%s\"\n", v->name, i,
                        n->name, key, n->key);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void check_snap(const vsnap *v)
{
    ms_snapshot *s = open_snap(v);
    check_nodes(s, v);
    ms_snapshot_free(s);
}

/* The summary rows with class key `key`: how many, and into counts[] (at
 * most 4) their object counts, in row order. */
static size_t rows_with_key(const ms_summary *sum, const char *key, const char *name,
                            uint64_t counts[4])
{
    size_t k = 0;
    for (size_t i = 0; i < ms_summary_row_count(sum); i++) {
        const ms_class_row *r = ms_summary_row_get(sum, i);
        if (strcmp(r->key, key) != 0)
            continue;
        assert_string_equal(r->name, name);
        if (k < 4)
            counts[k] = r->count;
        k++;
    }
    return k;
}

/* ---- which edges retain, and which distances follow ------------------------------------- */

/* computeIsEssentialEdge: weak edges, self edges and shortcut edges out of
 * anything but the root do not retain; calculateDistances' BFS skips weak
 * edges only (shortcuts and self edges are followed).  A hand-drawn heap:
 *
 *   root =shortcut "global"=> Window, root -element-> Holder, root -> (GC roots) -> Sys
 *   Window -> Holder -> Window (two user roots holding each other)
 *   Window -> A -> C, A -> A (self), Window -> B =shortcut=> C, B =shortcut=> S
 *   Window ~weak~> W;  Z -> Z (self) and Z -> T, nothing else holds Z
 *
 * Dominators: C is held by A alone (B's shortcut does not count), S and W
 * by nothing that retains, so they hang from the root (DevTools'
 * hasOnlyWeakRetainers), as Z does with T under it (its self edge does not
 * count either).  Window is the root's child through the root's shortcut
 * (without it, Holder would be Window's only retainer).
 * Distances: Window and Holder are user roots (non-synthetic children of
 * the root, isUserRoot) at 1; A and B 2; C 3 (through A or B's shortcut), S
 * 3 (through B's shortcut); W only weakly held, Z and T unreached: -5; the
 * root 100000000 (baseSystemDistance), (GC roots) one more, Sys two.
 * Sizes: no hidden or array nodes, so shallow = self size; retained: C 40,
 * A 20 + 40, Window 10 + A 60 + B 30, Z 80 + T 90, the root everything (465). */
static const vnode edges_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 465, SYS, NULL, NULL),
    N("synthetic", "(GC roots)", 3, 0, 0, 0, 0, 70, SYS + 1, NULL, NULL),
    N("object", "Window", 5, 10, 0, 0, 10, 100, 1, NULL, NULL),
    N("object", "Holder", 7, 15, 0, 0, 15, 15, 1, NULL, NULL),
    N("object", "A", 9, 20, 0, 2, 20, 60, 2, NULL, NULL),
    N("object", "B", 11, 30, 0, 2, 30, 30, 2, NULL, NULL),
    N("object", "C", 13, 40, 0, 4, 40, 40, 3, NULL, NULL),
    N("object", "W", 15, 50, 0, 0, 50, 50, UNREACHED, NULL, NULL),
    N("object", "S", 17, 60, 0, 0, 60, 60, 3, NULL, NULL),
    N("object", "Sys", 19, 70, 0, 1, 70, 70, SYS + 2, NULL, NULL),
    N("object", "Z", 21, 80, 0, 0, 80, 170, UNREACHED, NULL, NULL),
    N("object", "T", 23, 90, 0, 10, 90, 90, UNREACHED, NULL, NULL),
};
static const vedge edges_edges[] = {
    SHORTCUT(0, "global", 2), ELEMENT(0, 1, 3), ELEMENT(0, 2, 1),
    ELEMENT(1, 1, 9),
    PROP(2, "holder", 3), PROP(2, "a", 4), PROP(2, "b", 5), WEAK(2, "w", 7),
    PROP(3, "window", 2),
    PROP(4, "c", 6), PROP(4, "me", 4),
    SHORTCUT(5, "c", 6), SHORTCUT(5, "s", 8),
    PROP(10, "me", 10), PROP(10, "t", 11),
};

static void test_v8rules__weak_shortcut_and_self_edges(void **state)
{
    (void)state;
    static const vsnap v = SNAP("edges", edges_nodes, edges_edges);
    check_snap(&v);
}

/* ---- shallow sizes: calculateShallowSizes ---------------------------------------------- */

/* JSHeapSnapshot.calculateShallowSizes (docs/summary.md): the self size of
 * hidden and array nodes, and of native "system / ExternalStringData",
 * moves into their owner when exactly one owner reaches them through
 * non-weak edges; ownership flows through owned nodes; a node two owners
 * reach keeps its size, and so does everything it owns (the "several
 * owners" mark spreads); nothing moves into synthetic nodes.
 *
 *   Window -> Array -> (object elements) 100          -> Array 16 + 100
 *   Window -> O1, O2; O1 and O2 -> (shared) 200 -> Inner 9  both keep theirs
 *   O1 -> Map 30 -> Next 12, O1 -> Next                -> O1: 8 + 30 + 12
 *   O2 ~weak~> WeakOnly 40                             keeps 40 (no owner)
 *   O2 ~weak~> Both 44, O1 -> Both                     -> O1 (+ 44 = 94)
 *   O2 -> native "system / Other" 50                   not an owned kind
 *   Window -> string 24 -> ExternalStringData 64       -> the string 88
 *   (GC roots) -> (gc array) 70                        synthetic owner: keeps 70
 *
 * Dominators are plain (every node is page-owned but the root, (GC roots),
 * (gc array) and WeakOnly, and no edge goes from those into page-owned
 * ones): (shared) has two retainers, so Window; Next has Map and O1, so O1;
 * Both only O1 (the weak edge does not retain); WeakOnly hangs from the
 * root.  Retained sizes add the shallow sizes: Window 10 + Array 116 + O1
 * 94 + O2 8 + Other 50 + (shared) 209 + string 88 = 575; the root 685, the
 * sum of the self sizes (sizes move, none is made). */
static const vnode shallow_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 685, SYS, NULL, NULL),
    N("synthetic", "(GC roots)", 3, 0, 0, 0, 0, 70, SYS + 1, NULL, NULL),
    N("object", "Window", 5, 10, 0, 0, 10, 575, 1, NULL, NULL),
    N("object", "Array", 7, 16, 0, 2, 116, 116, 2, NULL, NULL),
    N("array", "(object elements)", 9, 100, 0, 3, 0, 0, 3, NULL, NULL),
    N("array", "(shared)", 11, 200, 0, 2, 200, 209, 3, NULL, NULL),
    N("hidden", "system / Inner", 13, 9, 0, 5, 9, 9, 4, NULL, NULL),
    N("object", "O1", 15, 8, 0, 2, 94, 94, 2, NULL, NULL),
    N("object", "O2", 17, 8, 0, 2, 8, 58, 2, NULL, NULL),
    N("hidden", "system / Map", 19, 30, 0, 7, 0, 0, 3, NULL, NULL),
    N("hidden", "system / Next", 21, 12, 0, 7, 0, 0, 3, NULL, NULL),
    N("hidden", "system / WeakOnly", 23, 40, 0, 0, 40, 40, UNREACHED, NULL, NULL),
    N("hidden", "system / Both", 25, 44, 0, 7, 0, 0, 3, NULL, NULL),
    N("native", "system / Other", 27, 50, 0, 8, 50, 50, 3, NULL, NULL),
    N("string", "hello", 29, 24, 0, 2, 88, 88, 2, NULL, NULL),
    N("native", "system / ExternalStringData", 31, 64, 0, 14, 0, 0, 3, NULL, NULL),
    N("array", "(gc array)", 33, 70, 0, 1, 70, 70, SYS + 2, NULL, NULL),
};
static const vedge shallow_edges[] = {
    SHORTCUT(0, "global", 2), ELEMENT(0, 1, 1),
    ELEMENT(1, 1, 16),
    PROP(2, "arr", 3), PROP(2, "o1", 7), PROP(2, "o2", 8), PROP(2, "str", 14),
    INTERNAL(3, "elements", 4),
    INTERNAL(5, "inner", 6),
    INTERNAL(7, "shared", 5), INTERNAL(7, "map", 9), INTERNAL(7, "next", 10),
    INTERNAL(7, "both", 12),
    INTERNAL(8, "shared", 5), WEAK(8, "w", 11), WEAK(8, "w2", 12), INTERNAL(8, "native", 13),
    INTERNAL(9, "next", 10),
    INTERNAL(14, "data", 15),
};

/* Without user roots ("expose internals" snapshots: the root's only child
 * is a synthetic node other than "(Document DOM trees)") nothing moves, and
 * calculateDistances gives the root 0, not 100000000 (the first BFS found
 * no user root).  (GC roots) -> O 8 -> hidden H 10: O keeps 8, H 10. */
static const vnode internals_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 18, 0, NULL, NULL),
    N("synthetic", "(GC roots)", 3, 0, 0, 0, 0, 18, 1, NULL, NULL),
    N("object", "O", 5, 8, 0, 1, 8, 18, 2, NULL, NULL),
    N("hidden", "system / H", 7, 10, 0, 2, 10, 10, 3, NULL, NULL),
};
static const vedge internals_edges[] = {
    ELEMENT(0, 1, 1), ELEMENT(1, 1, 2), INTERNAL(2, "h", 3),
};

/* The same graph under "(Document DOM trees)", which is a user root
 * (JSHeapSnapshot.isUserRoot): H's 10 bytes move into O; the root is a
 * system root at 100000000 and the DOM trees node at 1. */
static const vnode domtrees_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 18, SYS, NULL, NULL),
    N("synthetic", "(Document DOM trees)", 3, 0, 0, 0, 0, 18, 1, NULL, NULL),
    N("object", "O", 5, 8, 0, 1, 18, 18, 2, NULL, NULL),
    N("hidden", "system / H", 7, 10, 0, 2, 0, 0, 3, NULL, NULL),
};

static void test_v8rules__shallow_size_ownership(void **state)
{
    (void)state;
    static const vsnap v = SNAP("shallow", shallow_nodes, shallow_edges);
    static const vsnap internals = SNAP("no-user-roots", internals_nodes, internals_edges);
    static const vsnap domtrees = SNAP("dom-trees-user-root", domtrees_nodes, internals_edges);
    ms_snapshot *s = open_snap(&v);
    check_nodes(s, &v);
    /* --raw-sizes: V8's self sizes, and retained sizes add those */
    ms_snapshot_set_sizes(s, MS_SIZES_RAW);
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED, NULL), MS_OK);
    assert_int_equal(ms_node_shallow_size(s, 3), 16);
    assert_int_equal(ms_node_shallow_size(s, 4), 100);
    assert_int_equal(ms_node_shallow_size(s, 7), 8);
    assert_int_equal(ms_node_retained_size(s, 7), 8 + 30 + 12 + 44);
    assert_int_equal(ms_node_retained_size(s, 0), 685);
    ms_snapshot_free(s);
    check_snap(&internals);
    check_snap(&domtrees);
}

/* ---- class names and keys: calculateObjectNames, classKeyInternal ------------------------ */

/* calculateObjectNames' getNodeClassIndex: hidden -> "(system)", code ->
 * "(compiled code)", closure -> "Function", regexp -> "RegExp", object and
 * native -> the node's name, cut after the tag for DOM names ("<div id=x>"
 * -> "<div>", "Detached <p id=y>" -> "Detached <p>"), any other type t ->
 * "(t)".  classKeyInternal: objects (type object only) with a location are
 * keyed "script,line,column,Name"; every other class ",Name".
 * Two classes share a key where DevTools makes a name up that V8 also
 * wrote: the regexp node (class "RegExp") and the object V8 named "RegExp"
 * (RegExp.prototype), the closure and an object named "Function".  memsnap
 * keeps them apart, as two summary rows under one key (docs/summary.md, the
 * one documented difference from DevTools' table).
 * Window holds every object at distance 2.  Shallow sizes are self sizes
 * but for the hidden and the array node, whose single owner is Window:
 * their 20 + 48 bytes move there (10 + 68 = 78).  Window retains all 946. */
static const vnode classes_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 946, SYS, "(synthetic)", ",(synthetic)"),
    N("object", "Window", 3, 10, 0, 0, 78, 946, 1, "Window", ",Window"),
    N("regexp", "/ab+c/", 5, 32, 0, 1, 32, 32, 2, "RegExp", ",RegExp"),
    N("object", "RegExp", 7, 40, 0, 1, 40, 40, 2, "RegExp", ",RegExp"),
    N("hidden", "system / Context", 9, 20, 0, 1, 0, 0, 2, "(system)", ",(system)"),
    N("code", "foo", 11, 64, 0, 1, 64, 64, 2, "(compiled code)", ",(compiled code)"),
    N("closure", "bar", 13, 36, 0, 1, 36, 36, 2, "Function", ",Function"),
    N("object", "Function", 15, 44, 0, 1, 44, 44, 2, "Function", ",Function"),
    N("number", "heap number", 17, 16, 0, 1, 16, 16, 2, "(number)", ",(number)"),
    N("string", "abc", 19, 24, 0, 1, 24, 24, 2, "(string)", ",(string)"),
    N("concatenated string", "abcdef", 21, 32, 0, 1, 32, 32, 2, "(concatenated string)",
      ",(concatenated string)"),
    N("sliced string", "bcd", 23, 20, 0, 1, 20, 20, 2, "(sliced string)", ",(sliced string)"),
    N("symbol", "sym", 25, 16, 0, 1, 16, 16, 2, "(symbol)", ",(symbol)"),
    N("bigint", "big", 27, 16, 0, 1, 16, 16, 2, "(bigint)", ",(bigint)"),
    N("object shape", "shape", 29, 40, 0, 1, 40, 40, 2, "(object shape)", ",(object shape)"),
    N("array", "(some array)", 31, 48, 0, 1, 0, 0, 2, "(array)", ",(array)"),
    N("native", "<div id=x>", 33, 50, 0, 1, 50, 50, 2, "<div>", ",<div>"),
    N("object", "<span class=\"a b\">", 35, 52, 0, 1, 52, 52, 2, "<span>", ",<span>"),
    N("native", "<br>", 37, 54, 0, 1, 54, 54, 2, "<br>", ",<br>"),
    N("native", "Detached <p id=y>", 39, 56, 0, 1, 56, 56, 2, "Detached <p>", ",Detached <p>"),
    N("object", "Session", 41, 60, 0, 1, 60, 60, 2, "Session", "3,10,4,Session"),
    N("object", "Session", 43, 60, 0, 1, 60, 60, 2, "Session", "4,0,0,Session"),
    N("object", "Session", 45, 60, 0, 1, 60, 60, 2, "Session", ",Session"),
    N("object", "Session", 47, 60, 0, 1, 60, 60, 2, "Session", "3,10,4,Session"),
    N("closure", "Session", 49, 36, 0, 1, 36, 36, 2, "Function", ",Function"),
};
static const vedge classes_edges[] = {
    SHORTCUT(0, "global", 1),
    PROP(1, "p2", 2), PROP(1, "p3", 3), PROP(1, "p4", 4), PROP(1, "p5", 5), PROP(1, "p6", 6),
    PROP(1, "p7", 7), PROP(1, "p8", 8), PROP(1, "p9", 9), PROP(1, "p10", 10),
    PROP(1, "p11", 11), PROP(1, "p12", 12), PROP(1, "p13", 13), PROP(1, "p14", 14),
    PROP(1, "p15", 15), PROP(1, "p16", 16), PROP(1, "p17", 17), PROP(1, "p18", 18),
    PROP(1, "p19", 19), PROP(1, "p20", 20), PROP(1, "p21", 21), PROP(1, "p22", 22),
    PROP(1, "p23", 23), PROP(1, "p24", 24),
};
/* Two Session constructors' locations, another object's; a closure's
 * location does not split Function. */
static const vloc classes_locs[] = {
    {6, 9, 1, 2}, {20, 3, 10, 4}, {21, 4, 0, 0}, {23, 3, 10, 4}, {24, 3, 10, 4},
};

static void test_v8rules__class_names_and_keys(void **state)
{
    (void)state;
    static const vsnap v = {"classes", classes_nodes, sizeof classes_nodes / sizeof *classes_nodes,
                            classes_edges, sizeof classes_edges / sizeof *classes_edges,
                            classes_locs, sizeof classes_locs / sizeof *classes_locs};
    ms_snapshot *s = open_snap(&v);
    ms_summary *sum = NULL;
    uint64_t counts[4];
    check_nodes(s, &v);
    assert_int_equal(ms_summary_compute(s, NULL, &sum, NULL), MS_OK);
    /* one key, two classes (two rows) */
    assert_int_equal(rows_with_key(sum, ",RegExp", "RegExp", counts), 2);
    assert_int_equal(counts[0] + counts[1], 2);
    assert_int_equal(rows_with_key(sum, ",Function", "Function", counts), 2);
    assert_int_equal(counts[0] + counts[1], 3); /* bar and the Session closure; the object */
    assert_true((counts[0] == 2 && counts[1] == 1) || (counts[0] == 1 && counts[1] == 2));
    /* located objects: one row per place */
    assert_int_equal(rows_with_key(sum, "3,10,4,Session", "Session", counts), 1);
    assert_int_equal(counts[0], 2);
    assert_int_equal(rows_with_key(sum, "4,0,0,Session", "Session", counts), 1);
    assert_int_equal(counts[0], 1);
    assert_int_equal(rows_with_key(sum, ",Session", "Session", counts), 1);
    assert_int_equal(counts[0], 1);
    /* the array's and the hidden node's sizes moved into Window: objects of
     * size 0 are not counted (buildAggregates) */
    assert_int_equal(rows_with_key(sum, ",(array)", "(array)", counts), 0);
    assert_int_equal(rows_with_key(sum, ",(system)", "(system)", counts), 0);
    ms_summary_free(sum);
    ms_snapshot_free(s);
}

/* ---- plain objects: inferInterfaceDefinitions, applyInterfaceDefinitions ---------------- */

/* Plain objects (type object, name "Object") are named by their property
 * names (docs/summary.md).  inferInterfaceDefinitions names each one by its
 * property edges in order ("__proto__" left out, names with ,'"{} written
 * as JSON strings) and keeps the names of at least max(2, 16 / 1000)
 * objects, most used first (a stable sort, so ties keep first-seen order):
 *   {a, b} (nodes 2, 3, 4, 17: 4), {a, c} (5, 6), {b, c, d} (7, 8),
 *   {"x,y", q} (13, 14); the rest are used once.
 * applyInterfaceDefinitions gives each plain object the definition with the
 * most properties it has all of, ties to the more popular one:
 *   {a, b, c}     -> {a, b} (tied with {a, c} at two, {a, b} is first)
 *   {b, c, d, e}  -> {b, c, d};  {c, a} -> {a, c};  {c} and {} -> Object
 *   {__proto__, b, a} -> {a, b} (here __proto__ is just one more name)
 *   {__proto__, p} twice and {p}: all three "{p}" (named without __proto__,
 *   "{p}" is used three times)
 * Only plain objects are named so: "Point", with a and b, stays "Point".
 * An internal edge is not a property (node 2's "map").  Node 17 has a
 * location: its key is "2,3,4,{a, b}" (classKeyInternal uses the class
 * name).  Every object holds the number V (16 bytes), which Window also
 * holds, so Window dominates everything. */
#define PLAIN(id, cls, key) N("object", "Object", id, 12, 0, 1, 12, 12, 2, cls, key)
static const vnode ifaces_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 266, SYS, NULL, NULL),
    N("object", "Window", 3, 10, 0, 0, 10, 266, 1, "Window", ",Window"),
    PLAIN(5, "{a, b}", ",{a, b}"),         /* 2: a, b (and internal "map") */
    PLAIN(7, "{a, b}", ",{a, b}"),         /* 3: a, b */
    PLAIN(9, "{a, b}", ",{a, b}"),         /* 4: a, b */
    PLAIN(11, "{a, c}", ",{a, c}"),        /* 5: a, c */
    PLAIN(13, "{a, c}", ",{a, c}"),        /* 6: a, c */
    PLAIN(15, "{b, c, d}", ",{b, c, d}"),  /* 7: b, c, d */
    PLAIN(17, "{b, c, d}", ",{b, c, d}"),  /* 8: b, c, d */
    PLAIN(19, "{a, b}", ",{a, b}"),        /* 9: a, b, c */
    PLAIN(21, "{b, c, d}", ",{b, c, d}"),  /* 10: b, c, d, e */
    PLAIN(23, "Object", ",Object"),        /* 11: c */
    PLAIN(25, "{a, c}", ",{a, c}"),        /* 12: c, a */
    PLAIN(27, "{\"x,y\", q}", ",{\"x,y\", q}"), /* 13: "x,y", q */
    PLAIN(29, "{\"x,y\", q}", ",{\"x,y\", q}"), /* 14: "x,y", q */
    PLAIN(31, "{a, b}", ",{a, b}"),        /* 15: __proto__, b, a */
    PLAIN(33, "Object", ",Object"),        /* 16: no properties */
    PLAIN(35, "{a, b}", "2,3,4,{a, b}"),   /* 17: a, b; located */
    N("number", "1", 37, 16, 0, 1, 16, 16, 2, "(number)", ",(number)"),
    PLAIN(39, "{p}", ",{p}"),              /* 19: __proto__, p */
    PLAIN(41, "{p}", ",{p}"),              /* 20: __proto__, p */
    PLAIN(43, "{p}", ",{p}"),              /* 21: p */
    N("object", "Point", 45, 12, 0, 1, 12, 12, 2, "Point", ",Point"), /* 22: a, b */
};
#define V 18
static const vedge ifaces_edges[] = {
    SHORTCUT(0, "global", 1),
    PROP(1, "o2", 2), PROP(1, "o3", 3), PROP(1, "o4", 4), PROP(1, "o5", 5), PROP(1, "o6", 6),
    PROP(1, "o7", 7), PROP(1, "o8", 8), PROP(1, "o9", 9), PROP(1, "o10", 10),
    PROP(1, "o11", 11), PROP(1, "o12", 12), PROP(1, "o13", 13), PROP(1, "o14", 14),
    PROP(1, "o15", 15), PROP(1, "o16", 16), PROP(1, "o17", 17), PROP(1, "v", V),
    PROP(1, "o19", 19), PROP(1, "o20", 20), PROP(1, "o21", 21), PROP(1, "o22", 22),
    PROP(2, "a", V), INTERNAL(2, "map", V), PROP(2, "b", V),
    PROP(3, "a", V), PROP(3, "b", V),
    PROP(4, "a", V), PROP(4, "b", V),
    PROP(5, "a", V), PROP(5, "c", V),
    PROP(6, "a", V), PROP(6, "c", V),
    PROP(7, "b", V), PROP(7, "c", V), PROP(7, "d", V),
    PROP(8, "b", V), PROP(8, "c", V), PROP(8, "d", V),
    PROP(9, "a", V), PROP(9, "b", V), PROP(9, "c", V),
    PROP(10, "b", V), PROP(10, "c", V), PROP(10, "d", V), PROP(10, "e", V),
    PROP(11, "c", V),
    PROP(12, "c", V), PROP(12, "a", V),
    PROP(13, "x,y", V), PROP(13, "q", V),
    PROP(14, "x,y", V), PROP(14, "q", V),
    PROP(15, "__proto__", V), PROP(15, "b", V), PROP(15, "a", V),
    PROP(17, "a", V), PROP(17, "b", V),
    PROP(19, "__proto__", V), PROP(19, "p", V),
    PROP(20, "__proto__", V), PROP(20, "p", V),
    PROP(21, "p", V),
    PROP(22, "a", V), PROP(22, "b", V),
};
static const vloc ifaces_locs[] = {{17, 2, 3, 4}};

static void test_v8rules__plain_object_interfaces(void **state)
{
    (void)state;
    static const vsnap v = {"interfaces", ifaces_nodes, sizeof ifaces_nodes / sizeof *ifaces_nodes,
                            ifaces_edges, sizeof ifaces_edges / sizeof *ifaces_edges,
                            ifaces_locs, 1};
    ms_snapshot *s = open_snap(&v);
    ms_summary *sum = NULL;
    uint64_t counts[4];
    char label[64];
    check_nodes(s, &v);
    assert_int_equal(ms_summary_compute(s, NULL, &sum, NULL), MS_OK);
    assert_int_equal(rows_with_key(sum, ",{a, b}", "{a, b}", counts), 1);
    assert_int_equal(counts[0], 5);
    assert_int_equal(rows_with_key(sum, "2,3,4,{a, b}", "{a, b}", counts), 1);
    assert_int_equal(counts[0], 1);
    assert_int_equal(rows_with_key(sum, ",{a, c}", "{a, c}", counts), 1);
    assert_int_equal(counts[0], 3);
    assert_int_equal(rows_with_key(sum, ",{b, c, d}", "{b, c, d}", counts), 1);
    assert_int_equal(counts[0], 3);
    assert_int_equal(rows_with_key(sum, ",Object", "Object", counts), 1);
    assert_int_equal(counts[0], 2);
    assert_int_equal(rows_with_key(sum, ",{p}", "{p}", counts), 1);
    assert_int_equal(counts[0], 3);
    ms_summary_free(sum);
    /* DevTools' name of one object (JSHeapSnapshotNode.name, #plainObjectName):
     * its own property names, first and last alternately, __proto__ left out */
    assert_int_equal(ms_node_label(s, 9, label, sizeof label), strlen("{a, b, c}"));
    assert_string_equal(label, "{a, b, c}");
    ms_node_label(s, 10, label, sizeof label);
    assert_string_equal(label, "{b, c, d, e}");
    ms_node_label(s, 15, label, sizeof label);
    assert_string_equal(label, "{b, a}");
    ms_node_label(s, 13, label, sizeof label);
    assert_string_equal(label, "{\"x,y\", q}");
    ms_node_label(s, 16, label, sizeof label);
    assert_string_equal(label, "{}");
    ms_node_label(s, 19, label, sizeof label);
    assert_string_equal(label, "{p}");
    ms_node_label(s, 1, label, sizeof label);
    assert_string_equal(label, "Window");
    ms_snapshot_free(s);
}
#undef V

/* ---- distances: calculateDistances and JSHeapSnapshot's filter -------------------------- */

/* calculateDistances: a first BFS from the user roots (isUserRoot: the
 * root's non-synthetic children, and the synthetic "(Document DOM trees)")
 * at distance 1, then the root gets 100000000 (baseSystemDistance) and a
 * second BFS reaches what only system roots hold; what neither reaches
 * keeps -5.  JSHeapSnapshot.calculateDistances' filter, in both BFSes:
 *   - a hidden "system / NativeContext"'s "sloppy_function_map" edge is not
 *     followed (the same edge name out of a "system / Context" is);
 *   - of the edges out of an array "(map descriptors)", those whose name or
 *     index i has i >= 2 and i % 3 == 1 are not (the descriptor links,
 *     crbug.com/413608): 0, 1, 3, 5 and "x" (parseInt: NaN) are, 4 and
 *     "7" are not.
 *   Window =global=> ; (Document DOM trees) -> HTMLDocument
 *   Window -> NativeContext -sloppy_function_map-> Map (also (GC roots) -> it)
 *   NativeContext -> other Map; Window -> Context -sloppy_function_map-> Map
 *   Window -> (map descriptors) -> K0 K1 K3 K4 K5 K7 KX (K4 also (GC roots) -> it)
 *   (GC roots) -> Sys -> Far;  Lost: nothing holds it
 * Shallow sizes: Window is the single owner of the hidden and array nodes
 * (NativeContext 30, other Map 41, Context 50, its Map 42, descriptors 60:
 * 10 + 223 = 233); the sloppy Map has two owners (Window's and (GC roots))
 * and keeps 40.  Page-owned nodes (markPageOwnedNodes) are all but the root,
 * (GC roots), Sys, Far and Lost, so (GC roots)' edges to the sloppy Map and
 * K4 do not retain: NativeContext dominates that Map, the descriptors K4. */
static const vnode dist_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 315, SYS, NULL, NULL),
    N("synthetic", "(GC roots)", 3, 0, 0, 0, 0, 10, SYS + 1, NULL, NULL),
    N("synthetic", "(Document DOM trees)", 5, 0, 0, 0, 0, 20, 1, NULL, NULL),
    N("object", "Window", 7, 10, 0, 0, 233, 280, 1, NULL, NULL),
    N("native", "HTMLDocument", 9, 20, 0, 2, 20, 20, 2, NULL, NULL),
    N("hidden", "system / NativeContext", 11, 30, 0, 3, 0, 40, 2, NULL, NULL),
    N("hidden", "system / Map", 13, 40, 0, 5, 40, 40, SYS + 2, NULL, NULL),
    N("hidden", "system / Map", 15, 41, 0, 5, 0, 0, 3, NULL, NULL),
    N("hidden", "system / Context", 17, 50, 0, 3, 0, 0, 2, NULL, NULL),
    N("hidden", "system / Map", 19, 42, 0, 8, 0, 0, 3, NULL, NULL),
    N("array", "(map descriptors)", 21, 60, 0, 3, 0, 7, 2, NULL, NULL),
    N("object", "K0", 23, 1, 0, 10, 1, 1, 3, NULL, NULL),
    N("object", "K1", 25, 1, 0, 10, 1, 1, 3, NULL, NULL),
    N("object", "K3", 27, 1, 0, 10, 1, 1, 3, NULL, NULL),
    N("object", "K4", 29, 1, 0, 10, 1, 1, SYS + 2, NULL, NULL),
    N("object", "K5", 31, 1, 0, 10, 1, 1, 3, NULL, NULL),
    N("object", "K7", 33, 1, 0, 10, 1, 1, UNREACHED, NULL, NULL),
    N("object", "KX", 35, 1, 0, 10, 1, 1, 3, NULL, NULL),
    N("object", "Sys", 37, 5, 0, 1, 5, 10, SYS + 2, NULL, NULL),
    N("object", "Lost", 39, 5, 0, 0, 5, 5, UNREACHED, NULL, NULL),
    N("object", "Far", 41, 5, 0, 18, 5, 5, SYS + 3, NULL, NULL),
};
static const vedge dist_edges[] = {
    SHORTCUT(0, "global", 3), ELEMENT(0, 1, 1), ELEMENT(0, 2, 2),
    ELEMENT(1, 1, 6), ELEMENT(1, 2, 14), ELEMENT(1, 3, 18),
    ELEMENT(2, 1, 4),
    INTERNAL(3, "native_context", 5), INTERNAL(3, "context", 8), INTERNAL(3, "descriptors", 10),
    INTERNAL(5, "sloppy_function_map", 6), INTERNAL(5, "other_map", 7),
    INTERNAL(8, "sloppy_function_map", 9),
    ELEMENT(10, 0, 11), ELEMENT(10, 1, 12), ELEMENT(10, 3, 13), ELEMENT(10, 4, 14),
    ELEMENT(10, 5, 15), INTERNAL(10, "7", 16), INTERNAL(10, "x", 17),
    PROP(18, "far", 20),
};

static void test_v8rules__distances(void **state)
{
    (void)state;
    static const vsnap v = SNAP("distances", dist_nodes, dist_edges);
    check_snap(&v);
}

/* ---- page-owned nodes: markPageOwnedNodes ------------------------------------------------ */

/* computeIsEssentialEdge's last rule: an edge from a node that is not
 * page-owned into one that is does not retain.  markPageOwnedNodes: the
 * root's shortcut targets and its element edges to the synthetic
 * "(Document DOM trees)" are page-owned, and so is what they reach over
 * non-weak edges.
 *   Window =global=> ; Window -> P -> Q; (Document DOM trees) -> HTMLDocument
 *   (GC roots) -> DebuggerHolder -> Q, HTMLDocument, R, WQ, Y;  Window ~weak~> WQ
 *   root -> an object named "(Document DOM trees)" (not synthetic) -> Y
 * DebuggerHolder is not page-owned, so its edges to Q and HTMLDocument do
 * not count: P dominates Q, the DOM trees node HTMLDocument.  WQ is not
 * page-owned (the weak edge does not spread it), so DebuggerHolder's edge
 * to it counts, as does the one to R.  The impostor is a user root (at
 * distance 1, isUserRoot) but not a page seed, so Y is not page-owned and
 * has two retainers that count: the root dominates it.  Distances: WQ is
 * only weakly held by Window: the system BFS reaches it through
 * DebuggerHolder. */
static const vnode page_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 450, SYS, NULL, NULL),
    N("synthetic", "(GC roots)", 3, 0, 0, 0, 0, 180, SYS + 1, NULL, NULL),
    N("synthetic", "(Document DOM trees)", 5, 0, 0, 0, 0, 40, 1, NULL, NULL),
    N("object", "Window", 7, 10, 0, 0, 10, 60, 1, NULL, NULL),
    N("object", "P", 9, 20, 0, 3, 20, 50, 2, NULL, NULL),
    N("object", "Q", 11, 30, 0, 4, 30, 30, 3, NULL, NULL),
    N("native", "HTMLDocument", 13, 40, 0, 2, 40, 40, 2, NULL, NULL),
    N("object", "DebuggerHolder", 15, 50, 0, 1, 50, 180, SYS + 2, NULL, NULL),
    N("object", "R", 17, 60, 0, 7, 60, 60, SYS + 3, NULL, NULL),
    N("object", "WQ", 19, 70, 0, 7, 70, 70, SYS + 3, NULL, NULL),
    N("object", "(Document DOM trees)", 21, 80, 0, 0, 80, 80, 1, NULL, NULL),
    N("object", "Y", 23, 90, 0, 0, 90, 90, 2, NULL, NULL),
};
static const vedge page_edges[] = {
    SHORTCUT(0, "global", 3), ELEMENT(0, 1, 1), ELEMENT(0, 2, 2), ELEMENT(0, 3, 10),
    ELEMENT(1, 1, 7),
    ELEMENT(2, 1, 6),
    PROP(3, "p", 4), WEAK(3, "wq", 9),
    PROP(4, "q", 5),
    PROP(7, "q", 5), PROP(7, "doc", 6), PROP(7, "r", 8), PROP(7, "wq", 9), PROP(7, "y", 11),
    PROP(10, "y", 11),
};

static void test_v8rules__page_owned_nodes(void **state)
{
    (void)state;
    static const vsnap v = SNAP("page-owned", page_nodes, page_edges);
    check_snap(&v);
}

/* ---- WeakMap entries: the ephemeron edge pairs ------------------------------------------- */

/* A WeakMap value is held by two internal edges with the same name after
 * the leading number, one from the key and one from the table:
 *   "N / part of key (K @k) -> value (V @v) pair in WeakMap (table @t)".
 * computeIsEssentialEdge: the table's (the edge's source id is t) does not
 * retain, so the key dominates the value.  calculateDistances' filter
 * (crbug.com/1290800): the first of the two edges the BFS meets is skipped,
 * so the value sits at max(key, table) + 1.
 *   Window -> WeakMap -> Table(@105) -> Val;  Window -> A -> B -> Key(@101) -> Val
 *     table at 3, key at 4: Val at 5 (not 4), dominated by Key (not Window)
 *   Window -> Key2(@111) -> Val2;  Window -> WeakMap2 -> C -> Table2(@117) -> Val2
 *     key at 2, table at 4: Val2 at 5 (not 3), dominated by Key2
 *   root =u=> U(@121), root -> U again; U -> V3; Window -> WeakMap3 -> Table3(@125) -> V3
 *     the BFS queues a user root once per root edge to it (calculateDistances),
 *     so U is visited twice: its edge to V3 is the pair's first edge on the
 *     first visit and its second on the second: V3 at 2 (not Table3's 3 + 1) */
static const vnode weakmap_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 515, SYS, NULL, NULL),
    N("object", "Window", 3, 10, 0, 0, 10, 489, 1, NULL, NULL),
    N("object", "WeakMap", 5, 20, 0, 1, 20, 50, 2, NULL, NULL),
    N("object", "Table", 105, 30, 0, 2, 30, 30, 3, NULL, NULL),
    N("object", "A", 7, 40, 0, 1, 40, 220, 2, NULL, NULL),
    N("object", "B", 9, 50, 0, 4, 50, 180, 3, NULL, NULL),
    N("object", "Key", 101, 60, 0, 5, 60, 130, 4, NULL, NULL),
    N("object", "Val", 103, 70, 0, 6, 70, 70, 5, NULL, NULL),
    N("object", "Key2", 111, 15, 0, 1, 15, 70, 2, NULL, NULL),
    N("object", "WeakMap2", 113, 25, 0, 1, 25, 105, 2, NULL, NULL),
    N("object", "C", 115, 35, 0, 9, 35, 80, 3, NULL, NULL),
    N("object", "Table2", 117, 45, 0, 10, 45, 45, 4, NULL, NULL),
    N("object", "Val2", 119, 55, 0, 8, 55, 55, 5, NULL, NULL),
    N("object", "U", 121, 12, 0, 0, 12, 26, 1, NULL, NULL),
    N("object", "V3", 123, 14, 0, 13, 14, 14, 2, NULL, NULL),
    N("object", "WeakMap3", 127, 16, 0, 1, 16, 34, 2, NULL, NULL),
    N("object", "Table3", 125, 18, 0, 15, 18, 18, 3, NULL, NULL),
};
static const vedge weakmap_edges[] = {
    SHORTCUT(0, "global", 1), SHORTCUT(0, "u", 13), ELEMENT(0, 1, 13),
    PROP(1, "wm", 2), PROP(1, "a", 4), PROP(1, "key2", 8), PROP(1, "wm2", 9), PROP(1, "wm3", 15),
    INTERNAL(2, "table", 3),
    INTERNAL(3, "1 / part of key (Key @101) -> value (Val @103) pair in WeakMap (table @105)", 7),
    PROP(4, "b", 5),
    PROP(5, "key", 6),
    INTERNAL(6, "2 / part of key (Key @101) -> value (Val @103) pair in WeakMap (table @105)", 7),
    INTERNAL(8, "3 / part of key (Key2 @111) -> value (Val2 @119) pair in WeakMap (table @117)",
             12),
    PROP(9, "c", 10),
    INTERNAL(10, "table", 11),
    INTERNAL(11, "4 / part of key (Key2 @111) -> value (Val2 @119) pair in WeakMap (table @117)",
             12),
    INTERNAL(13, "5 / part of key (U @121) -> value (V3 @123) pair in WeakMap (table @125)", 14),
    INTERNAL(15, "table", 16),
    INTERNAL(16, "6 / part of key (U @121) -> value (V3 @123) pair in WeakMap (table @125)", 14),
};

static void test_v8rules__weakmap_pairs(void **state)
{
    (void)state;
    static const vsnap v = SNAP("weakmap", weakmap_nodes, weakmap_edges);
    check_snap(&v);
}

/* ---- detached DOM nodes: propagateDOMState ----------------------------------------------- */

/* propagateDOMState: native nodes carry a DOM state (detachedness 1
 * attached, 2 detached).  Every node with a known state keeps it; attached
 * state then spreads to the native nodes they reach, then detached state
 * to the native nodes still unvisited, over edges that are not hidden,
 * invisible or weak and never through a JS object; detached nodes are
 * renamed "Detached <name>" (so class "Detached <div>" for "<div id=d1>",
 * calculateObjectNames).
 *   Window -> HTMLDivElement(attached) -> HTMLSpanElement (attached) -hidden-> HTMLPElement
 *          HTMLDivElement -> HTMLTableElement, HTMLImgElement(detached: stays so)
 *   Window -> <div id=d1>(detached) -> HTMLInputElement -> HTMLBRElement (both detached)
 *          <div id=d1> -> HTMLTableElement (attached first), -> HTMLDivElement,
 *          -> Foo (JS) -> HTMLLIElement (not reached), ~weak~> HTMLAElement (not reached),
 *          -hidden-> HTMLHRElement (not reached)
 *   Window -> "Detached HTMLInputElement" (named so by V8, no state), HTMLFormElement
 * The node V8 named "Detached HTMLInputElement" and the one renamed so are
 * two classes under one key (docs/summary.md).  Sizes are self sizes
 * (natives 30 each); HTMLDivElement, also held by <div id=d1>, is dominated
 * by Window and retains itself, the span, the p and the img (120); <div
 * id=d1> itself, the input, the br, Foo, the li and the hr (180); the weakly
 * held HTMLAElement hangs from the root, so Window retains 430 - 30. */
#define DOM(name, id, det, dom, ret, dist, cls)                                                    \
    N("native", name, id, 30, det, dom, 30, ret, dist, cls, "," cls)
static const vnode dom_nodes[] = {
    N("synthetic", "", 1, 0, 0, 0, 0, 430, SYS, NULL, NULL),
    N("object", "Window", 3, 10, 0, 0, 10, 400, 1, "Window", ",Window"),
    DOM("HTMLDivElement", 5, 1, 1, 120, 2, "HTMLDivElement"),
    DOM("HTMLSpanElement", 7, 0, 2, 60, 3, "HTMLSpanElement"),
    DOM("HTMLPElement", 9, 0, 3, 30, 4, "HTMLPElement"),
    DOM("<div id=d1>", 11, 2, 1, 180, 2, "Detached <div>"),
    DOM("HTMLInputElement", 13, 0, 5, 60, 3, "Detached HTMLInputElement"),
    N("object", "Foo", 15, 30, 0, 5, 30, 60, 3, "Foo", ",Foo"),
    DOM("HTMLLIElement", 17, 0, 7, 30, 4, "HTMLLIElement"),
    DOM("HTMLAElement", 19, 0, 0, 30, UNREACHED, "HTMLAElement"),
    DOM("HTMLBRElement", 21, 0, 6, 30, 4, "Detached HTMLBRElement"),
    DOM("HTMLTableElement", 23, 0, 1, 30, 3, "HTMLTableElement"),
    DOM("HTMLImgElement", 25, 2, 2, 30, 3, "Detached HTMLImgElement"),
    DOM("Detached HTMLInputElement", 27, 0, 1, 30, 2, "Detached HTMLInputElement"),
    DOM("HTMLFormElement", 29, 0, 1, 30, 2, "HTMLFormElement"),
    DOM("HTMLHRElement", 31, 0, 5, 30, 3, "HTMLHRElement"),
};
static const vedge dom_edges[] = {
    SHORTCUT(0, "global", 1),
    PROP(1, "a1", 2), PROP(1, "d1", 5), PROP(1, "v8d", 13), PROP(1, "form", 14),
    PROP(2, "child", 3), PROP(2, "table", 11), PROP(2, "img", 12),
    HIDDEN(3, 1, 4),
    PROP(5, "input", 6), PROP(5, "foo", 7), WEAK(5, "a", 9), PROP(5, "table", 11),
    PROP(5, "a1", 2), HIDDEN(5, 2, 15),
    PROP(6, "br", 10),
    PROP(7, "li", 8),
};

static void test_v8rules__detached_dom_state(void **state)
{
    (void)state;
    static const vsnap v = SNAP("dom-state", dom_nodes, dom_edges);
    static const char *const names[] = {
        NULL, "Window", "HTMLDivElement", "HTMLSpanElement", "HTMLPElement",
        "Detached <div id=d1>", "Detached HTMLInputElement", "Foo", "HTMLLIElement",
        "HTMLAElement", "Detached HTMLBRElement", "HTMLTableElement", "Detached HTMLImgElement",
        "Detached HTMLInputElement", "HTMLFormElement", "HTMLHRElement"};
    ms_snapshot *s = open_snap(&v);
    ms_summary *sum = NULL;
    uint64_t counts[4];
    check_nodes(s, &v);
    for (unsigned i = 1; i < v.n; i++)
        assert_string_equal(ms_node_name(s, i, NULL), names[i]);
    assert_int_equal(ms_summary_compute(s, NULL, &sum, NULL), MS_OK);
    assert_int_equal(
        rows_with_key(sum, ",Detached HTMLInputElement", "Detached HTMLInputElement", counts), 2);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 1);
    ms_summary_free(sum);
    ms_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v8rules__weak_shortcut_and_self_edges),
        cmocka_unit_test(test_v8rules__shallow_size_ownership),
        cmocka_unit_test(test_v8rules__class_names_and_keys),
        cmocka_unit_test(test_v8rules__plain_object_interfaces),
        cmocka_unit_test(test_v8rules__distances),
        cmocka_unit_test(test_v8rules__page_owned_nodes),
        cmocka_unit_test(test_v8rules__weakmap_pairs),
        cmocka_unit_test(test_v8rules__detached_dom_state),
    };
    return cmocka_run_group_tests_name("graph/v8 rules", tests, NULL, NULL);
}
