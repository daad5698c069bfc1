/*
 * test_threads.c: memsnap on two threads gives what it gives on one: the
 * V8 importer parsing numbers on a second thread (same graph, same errors
 * at the same offsets), and ms_snapshot_compute, node for node, on random
 * V8 snapshots big enough for its parallel path (10,000 nodes or more:
 * api/compute.c PARALLEL_MIN_NODES); and two snapshots analysed on two
 * threads at once.
 *
 * The snapshots mix every V8 edge type, user and system roots, hidden and
 * array nodes (DevTools' shallow-size owners), WeakMap ephemeron edges and
 * unreachable parts, so every rule the two paths share is exercised.  The
 * one-thread results are themselves checked against DevTools by the
 * integration tests; here the question is only whether splitting the work
 * changes anything (a race, a lost error, a shared scratch block).
 */
#include "helpers.h"

#include "paths/paths.h"
#include "api/snapshot.h"

#include <pthread.h>
#include <stdlib.h>

#define NODES 24000
#define FIELDS 7

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

/* V8 edge type codes in V8_META's order. */
enum { E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_SHORTCUT, E_WEAK };
/* Node type codes used here. */
enum { N_HIDDEN = 0, N_ARRAY = 1, N_OBJECT = 3, N_SYNTHETIC = 9 };

typedef struct edge {
    int type, name, to;
} edge;

/* Strings: 0 "", 1 "(root)", 2 "(GC roots)", 3 "Window", 4 "Foo", 5 "Bar",
 * 6 "x", 7 "y", 8 "(Strong roots)", 9 the ephemeron name (table @9). */
/* `fresh`: the last `fresh` nodes get ids no other snapshot of the seed
 * has (as objects allocated since). */
static char *random_snapshot_ids(unsigned seed, int fresh)
{
    text t = {malloc(1 << 20), 0, 1 << 20};
    edge *edges;
    int *degree, *type, *name, m = 0, cap = NODES * 8;
    srand(seed);
    edges = malloc(sizeof *edges * (size_t)cap);
    degree = calloc(NODES, sizeof *degree);
    type = malloc(sizeof *type * NODES);
    name = malloc(sizeof *name * NODES);
    assert_true(edges && degree && type && name);

    /* 0 root, 1 "(GC roots)", 2 "(Strong roots)", 3 the user global,
     * 4 a WeakMap table (id 9), the rest objects, hidden and array nodes. */
    type[0] = N_SYNTHETIC, name[0] = 1;
    type[1] = N_SYNTHETIC, name[1] = 2;
    type[2] = N_SYNTHETIC, name[2] = 8;
    type[3] = N_OBJECT, name[3] = 3;
    type[4] = N_HIDDEN, name[4] = 0;
    for (int n = 5; n < NODES; n++) {
        int r = rand() % 10;
        type[n] = r < 2 ? N_HIDDEN : r < 4 ? N_ARRAY : N_OBJECT;
        name[n] = type[n] == N_OBJECT ? 4 + rand() % 2 : 0;
    }
    /* Edges must be grouped by source: build them node by node. */
    for (int n = 0; n < NODES; n++) {
        int k = n == 0 ? 0 : rand() % 6;
        if (n == 0) {
            edges[m++] = (edge){E_SHORTCUT, 6, 3};
            edges[m++] = (edge){E_ELEMENT, 1, 1};
            degree[n] = 2;
            continue;
        }
        if (n == 1) {
            edges[m++] = (edge){E_ELEMENT, 1, 2};
            degree[n]++;
        }
        if (n == 2 || n == 3) {
            /* roots reach a good share of the graph, in long chains too */
            for (int i = 0; i < 40; i++)
                edges[m++] = (edge){E_PROPERTY, 6, 5 + rand() % (NODES - 5)};
            degree[n] += 40;
        }
        if (n == 4 || n == 5) {
            /* the ephemeron pair: table 4 (id 9) and key 5 to value 6 */
            edges[m++] = (edge){E_INTERNAL, 9, 6};
            degree[n]++;
        }
        if (n >= 5 && n + 1 < NODES && rand() % 3 == 0) {
            edges[m++] = (edge){E_PROPERTY, 7, n + 1};
            degree[n]++;
        }
        for (int i = 0; i < k && m < cap; i++) {
            int r = rand() % 20, et;
            et = r < 8 ? E_PROPERTY : r < 12 ? E_INTERNAL : r < 14 ? E_ELEMENT : r < 16 ? E_HIDDEN
                 : r < 17 ? E_CONTEXT : r < 18 ? E_SHORTCUT : E_WEAK;
            edges[m++] = (edge){et, et == E_ELEMENT || et == E_HIDDEN ? i : 6 + rand() % 2,
                                rand() % 4 == 0 ? n : 5 + rand() % (NODES - 5)};
            degree[n]++;
        }
    }

    put(&t, "{\"snapshot\":{" V8_META ",\"node_count\":%d,\"edge_count\":%d},\"nodes\":[", NODES, m);
    for (int n = 0; n < NODES; n++)
        put(&t, "%s%d,%d,%d,%d,%d,0,0", n ? "," : "", type[n], name[n],
            2 * n + 1 + (n >= NODES - fresh ? 1000000 : 0),
            type[n] == N_SYNTHETIC ? 0 : 8 + rand() % 200, degree[n]);
    put(&t, "],\"edges\":[");
    for (int e = 0; e < m; e++)
        put(&t, "%s%d,%d,%d", e ? "," : "", edges[e].type, edges[e].name, edges[e].to * FIELDS);
    put(&t, "],\"strings\":[\"\",\"(root)\",\"(GC roots)\",\"Window\",\"Foo\",\"Bar\",\"x\",\"y\","
            "\"(Strong roots)\",\"1 / part of key (Foo @11) -> value (Bar @13) pair in WeakMap "
            "(table @9)\"]}");
    free(edges);
    free(degree);
    free(type);
    free(name);
    return t.p;
}

static char *random_snapshot(unsigned seed)
{
    return random_snapshot_ids(seed, 0);
}

/* Opens len bytes of doc, the importer on `threads` threads. */
static int open_part(const char *doc, size_t len, unsigned threads, ms_snapshot **s, ms_error *err)
{
    ms_open_options o = MS_OPEN_OPTIONS_INIT;
    o.threads = threads;
    return ms_snapshot_open_memory(s, doc, len, "test.heapsnapshot", &o, err);
}

static ms_snapshot *open_with(const char *doc, unsigned threads)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    int rc = open_part(doc, strlen(doc), threads, &s, &err);
    if (rc != MS_OK)
        print_error("open: %s\n", err.message);
    assert_int_equal(rc, MS_OK);
    ms_snapshot_set_threads(s, threads);
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED | MS_ANALYSIS_DISTANCES |
                                                MS_ANALYSIS_CLASSES | MS_ANALYSIS_PATHS,
                                            &err),
                     MS_OK);
    return s;
}

static void test_threads__same_results(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 4; seed++) {
        char *doc = random_snapshot(seed);
        ms_snapshot *one = open_with(doc, 1), *two = open_with(doc, 2);
        assert_int_equal(ms_snapshot_edge_count(one), ms_snapshot_edge_count(two));
        for (ms_node n = 0; n < ms_snapshot_node_count(one); n++)
            assert_int_equal(ms_node_id(one, n), ms_node_id(two, n));
        uint32_t N = ms_snapshot_node_count(one), reached = 0, dominated = 0;
        assert_true(N >= 10000);
        assert_int_equal(ms_snapshot_node_count(two), N);
        for (ms_node n = 0; n < N; n++) {
            assert_int_equal(ms_node_distance(one, n), ms_node_distance(two, n));
            assert_int_equal(ms_node_dominator(one, n), ms_node_dominator(two, n));
            assert_int_equal(ms_node_retained_size(one, n), ms_node_retained_size(two, n));
            assert_int_equal(ms_node_shallow_size(one, n), ms_node_shallow_size(two, n));
            assert_string_equal(ms_node_class(one, n), ms_node_class(two, n));
            reached += ms_node_distance(one, n) != MS_DISTANCE_UNREACHABLE;
            dominated += ms_node_dominator(one, n) != ms_snapshot_root(one);
        }
        /* The graphs are not trivial: much is reached, much is not
         * dominated by the root alone. */
        assert_true(reached > N / 4);
        assert_true(dominated > N / 10);
        /* Two threads ran: both sides' times are there. */
        assert_true(ms_snapshot_seconds(two, MS_ANALYSIS_DOMINATORS) > 0);
        assert_true(ms_snapshot_seconds(two, MS_ANALYSIS_DISTANCES) > 0);
        ms_snapshot_free(one);
        ms_snapshot_free(two);
        free(doc);
    }
}

/* Two groupings of the same members are the same: totals, and every group
 * with its example's path hop by hop (there are several groups). */
static void expect_same_groups(const ms_path_groups *w0, const ms_path_groups *w1)
{
    assert_int_equal(ms_path_groups_retained(w0), ms_path_groups_retained(w1));
    assert_true(ms_path_groups_count(w0) > 1);
    assert_int_equal(ms_path_groups_count(w0), ms_path_groups_count(w1));
    for (size_t i = 0; i < ms_path_groups_count(w0); i++) {
        const ms_path_group *a = ms_path_groups_get(w0, i), *b = ms_path_groups_get(w1, i);
        assert_int_equal(a->count, b->count);
        assert_int_equal(a->shallow_size, b->shallow_size);
        assert_int_equal(a->retained_size, b->retained_size);
        assert_int_equal(a->example, b->example);
        assert_int_equal(a->path.length, b->path.length);
        for (size_t h = 0; h < a->path.length; h++) {
            assert_int_equal(a->path.hops[h].node, b->path.hops[h].node);
            assert_int_equal(a->path.hops[h].edge, b->path.hops[h].edge);
        }
    }
}

/* The comparison's lean grouping (ms__group_members with lean: distances
 * next to the dominators' DFS, joined before their peak) groups the same
 * members into the same groups, with the same distances, on two threads as
 * on one. */
static void test_threads__lean_grouping(void **state)
{
    (void)state;
    for (unsigned seed = 11; seed <= 13; seed++) {
        char *doc = random_snapshot(seed);
        ms_snapshot *s[2];
        ms_path_groups *w[2];
        for (int k = 0; k < 2; k++) {
            ms_error err = MS_ERROR_INIT;
            uint32_t N;
            uint64_t *member, instances = 0;
            assert_int_equal(open_part(doc, strlen(doc), 1, &s[k], &err), MS_OK);
            ms_snapshot_set_threads(s[k], k ? 2 : 1);
            N = ms_snapshot_node_count(s[k]);
            member = calloc((N + 63) / 64, 8);
            assert_non_null(member);
            for (uint32_t n = 5; n < N; n += 7) {
                member[n >> 6] |= 1ull << (n & 63);
                instances++;
            }
            assert_int_equal(ms__group_members(s[k], member, instances, true, true, NULL, &w[k], &err),
                             MS_OK);
            free(member);
        }
        assert_true(ms_snapshot_seconds(s[1], MS_ANALYSIS_DISTANCES) > 0);
        for (ms_node n = 0; n < ms_snapshot_node_count(s[0]); n++) {
            assert_int_equal(ms_node_distance(s[0], n), ms_node_distance(s[1], n));
            assert_int_equal(ms_node_retained_size(s[0], n), ms_node_retained_size(s[1], n));
        }
        expect_same_groups(w[0], w[1]);
        for (int k = 0; k < 2; k++) {
            ms_path_groups_free(w[k]);
            ms_snapshot_free(s[k]);
        }
        free(doc);
    }
}

/* The comparison as memsnap compare runs it (BEFORE cut down, AFTER's edge
 * rules next to the class table, BEFORE freed, then the paths with the
 * distances next to the dominators) gives the same rows, totals and groups
 * on two threads as on one. */
static void test_threads__compare(void **state)
{
    (void)state;
    for (unsigned seed = 21; seed <= 22; seed++) {
        char *bdoc = random_snapshot_ids(seed, 0), *adoc = random_snapshot_ids(seed, 3000);
        ms_compare *c[2];
        ms_snapshot *after[2] = {NULL, NULL};
        for (int k = 0; k < 2; k++) {
            ms_error err = MS_ERROR_INIT;
            ms_snapshot *before = NULL;
            ms_compare_options o = MS_COMPARE_OPTIONS_INIT;
            assert_int_equal(open_part(bdoc, strlen(bdoc), 1, &before, &err), MS_OK);
            assert_int_equal(open_part(adoc, strlen(adoc), 1, &after[k], &err), MS_OK);
            ms_snapshot_set_threads(before, k ? 2 : 1);
            ms_snapshot_set_threads(after[k], k ? 2 : 1);
            assert_int_equal(ms_snapshot_keep_for_compare(before, &err), MS_OK);
            o.paths = MS_COMPARE_PATHS_LATER;
            assert_int_equal(ms_compare_compute(before, after[k], &o, &c[k], &err), MS_OK);
            assert_null(ms_compare_groups(c[k]));
            ms_snapshot_free(before);
            o.paths = MS_COMPARE_PATHS_GROUP;
            assert_int_equal(ms_compare_add_paths(c[k], &o, &err), MS_OK);
        }
        {
            const ms_compare_totals *t0 = ms_compare_totals_get(c[0]), *t1 = ms_compare_totals_get(c[1]);
            const ms_path_groups *w0 = ms_compare_groups(c[0]), *w1 = ms_compare_groups(c[1]);
            assert_true(ms_compare_by_id(c[0]) && ms_compare_by_id(c[1]));
            assert_true(t0->new_count > 1000);
            assert_int_equal(t0->new_count, t1->new_count);
            assert_int_equal(t0->new_size, t1->new_size);
            assert_int_equal(t0->new_retained, t1->new_retained);
            assert_int_equal(t0->added_count, t1->added_count);
            assert_int_equal(t0->removed_count, t1->removed_count);
            assert_int_equal(ms_compare_row_count(c[0]), ms_compare_row_count(c[1]));
            for (size_t i = 0; i < ms_compare_row_count(c[0]); i++) {
                const ms_compare_row *a = ms_compare_row_get(c[0], i), *b = ms_compare_row_get(c[1], i);
                assert_string_equal(a->key, b->key);
                assert_int_equal(a->added_count, b->added_count);
                assert_int_equal(a->added_size, b->added_size);
                assert_int_equal(a->removed_count, b->removed_count);
                assert_int_equal(a->added_retained, b->added_retained);
            }
            expect_same_groups(w0, w1);
        }
        for (int k = 0; k < 2; k++) {
            ms_compare_free(c[k]); /* it borrows from AFTER */
            ms_snapshot_free(after[k]);
        }
        free(bdoc);
        free(adoc);
    }
}

/* Broken input fails the same way whether the numbers are parsed on the
 * importing thread or on a second one: same status, same message (which
 * names the byte offset). */
static void expect_same_failure(const char *doc, size_t len)
{
    ms_error e1 = MS_ERROR_INIT, e2 = MS_ERROR_INIT;
    ms_snapshot *s1 = NULL, *s2 = NULL;
    int r1 = open_part(doc, len, 1, &s1, &e1), r2 = open_part(doc, len, 2, &s2, &e2);
    if (r1 != r2 || strcmp(e1.message, e2.message) != 0)
        print_error("one thread: %d %s\ntwo threads: %d %s\n", r1, e1.message, r2, e2.message);
    assert_int_equal(r1, r2);
    assert_string_equal(e1.message, e2.message);
    ms_snapshot_free(s1);
    ms_snapshot_free(s2);
}

static void test_threads__same_errors(void **state)
{
    char *doc = random_snapshot(7);
    size_t len = strlen(doc), nodes = strstr(doc, "\"nodes\"") - doc,
           edges = strstr(doc, "\"edges\"") - doc, strings = strstr(doc, "\"strings\"") - doc;
    unsigned failures = 0;
    (void)state;
    srand(7);
    /* Cut anywhere in the two arrays (and a few elsewhere). */
    for (int i = 0; i < 60; i++) {
        size_t cut = nodes + (size_t)rand() % (strings - nodes);
        expect_same_failure(doc, cut);
    }
    /* One bad byte in the arrays: a letter, a minus sign, a second comma,
     * a huge number, a type or target out of range. */
    for (int i = 0; i < 120; i++) {
        static const char *const bad[] = {"x", "-", ",", "99999999999999999999", "9"};
        size_t at = nodes + 10 + (size_t)rand() % (strings - nodes - 20);
        const char *b = bad[i % 5];
        size_t bl = strlen(b);
        char *copy = malloc(len + bl + 1);
        ms_error err = MS_ERROR_INIT;
        ms_snapshot *s = NULL;
        assert_non_null(copy);
        memcpy(copy, doc, at);
        memcpy(copy + at, b, bl);
        memcpy(copy + at + bl, doc + at + 1, len - at); /* the NUL too */
        expect_same_failure(copy, strlen(copy));
        failures += open_part(copy, strlen(copy), 2, &s, &err) != MS_OK;
        ms_snapshot_free(s);
        free(copy);
    }
    /* Most of those edits break the file (the rest change a number). */
    assert_true(failures > 60);
    (void)edges;
    free(doc);
}

/* One summary of a snapshot, as (key, count, shallow, retained,
 * distance) rows in order, into a text. */
static char *summary_text(const char *doc, ms_summary_sort sort)
{
    ms_summary_options so = MS_SUMMARY_OPTIONS_INIT;
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    ms_summary *sum = NULL;
    text t = {malloc(4096), 0, 4096};
    assert_int_equal(open_part(doc, strlen(doc), 1, &s, &err), MS_OK);
    so.sort = sort;
    assert_int_equal(ms_summary_compute(s, &so, &sum, &err), MS_OK);
    for (size_t i = 0; i < ms_summary_row_count(sum); i++) {
        const ms_class_row *r = ms_summary_row_get(sum, i);
        put(&t, "%s %llu %llu %llu %d\n", r->key, (unsigned long long)r->count,
            (unsigned long long)r->shallow_size, (unsigned long long)r->retained_size,
            (int)r->distance);
    }
    ms_summary_free(sum);
    ms_snapshot_free(s);
    return t.p;
}

typedef struct summary_job {
    const char *doc;
    ms_summary_sort sort;
    char *out;
} summary_job;

static void *run_summary(void *arg)
{
    summary_job *j = arg;
    j->out = summary_text(j->doc, j->sort);
    return NULL;
}

/* Two threads each open and summarise a different snapshot, sorted
 * differently, at the same time: each gets what it gets alone (the library
 * keeps no state between snapshots; run under ThreadSanitizer by
 * scripts/test.sh). */
static void test_threads__two_snapshots_at_once(void **state)
{
    char *doc[2] = {random_snapshot(11), random_snapshot(12)};
    summary_job job[2] = {{doc[0], MS_SORT_SHALLOW, NULL}, {doc[1], MS_SORT_COUNT, NULL}};
    char *alone[2];
    pthread_t tid;
    (void)state;
    for (int i = 0; i < 2; i++)
        alone[i] = summary_text(job[i].doc, job[i].sort);
    assert_int_equal(pthread_create(&tid, NULL, run_summary, &job[1]), 0);
    run_summary(&job[0]);
    assert_int_equal(pthread_join(tid, NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(job[i].out, alone[i]);
        free(job[i].out);
        free(alone[i]);
        free(doc[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads__same_results),
        cmocka_unit_test(test_threads__lean_grouping),
        cmocka_unit_test(test_threads__compare),
        cmocka_unit_test(test_threads__same_errors),
        cmocka_unit_test(test_threads__two_snapshots_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
