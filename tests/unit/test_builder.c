/*
 * test_builder.c: building graphs through the builder API, in both edge
 * modes, with a brute-force check that ANY_ORDER groups edges exactly like
 * a stable sort by source.
 */
#include "helpers.h"

#include "snapshot/builder.h"

#include <stdlib.h>

static uint32_t str(ms__builder *b, const char *s)
{
    uint32_t id;
    ms_error err = MS_ERROR_INIT;
    assert_int_equal(ms__builder_string(b, s, strlen(s), &id, NULL, &err), MS_OK);
    return id;
}

static void test_builder__sequential(void **state)
{
    (void)state;
    ms__builder b;
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t to[3] = {1, 2, 2}, name[3];
    uint8_t type[3] = {MS_ET_PROPERTY, MS_ET_ELEMENT, MS_ET_WEAK};

    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    name[0] = str(&b, "x");
    name[1] = 7; /* element index */
    name[2] = str(&b, "w");
    assert_int_equal(ms__builder_node(&b, MS_NT_SYNTHETIC, str(&b, ""), 1, 0, 1, &err), MS_OK);
    assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, str(&b, "A"), 3, 40, 2, &err), MS_OK);
    /* ids and sizes past 32 bits get their high halves */
    assert_int_equal(ms__builder_node(&b, MS_NT_ARRAY, str(&b, "B"), 0x123456789ull,
                                      0x200000000ull, 0, &err), MS_OK);
    assert_int_equal(ms__builder_append_edges(&b, to, type, name, 3, &err), MS_OK);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    assert_non_null(g);
    assert_int_equal(g->node_count, 3);
    assert_int_equal(g->edge_count, 3);
    assert_int_equal(g->first_edge[0], 0);
    assert_int_equal(g->first_edge[1], 1);
    assert_int_equal(g->first_edge[2], 3);
    assert_int_equal(g->first_edge[3], 3);
    assert_int_equal(ms__edge_to(g, 0), 1);
    assert_int_equal(ms__edge_type(g, 1), MS_ET_ELEMENT);
    assert_int_equal(g->edge_name[1], 7);
    assert_int_equal(ms__edge_type(g, 2), MS_ET_WEAK);
    assert_true(ms__node_id(g, 2) == 0x123456789ull);
    assert_true(ms__node_self(g, 2) == 0x200000000ull);
    assert_true(ms__node_id(g, 1) == 3);
    assert_true(ms__node_self(g, 1) == 40);
    assert_true(g->total_self_size == 40 + 0x200000000ull);
    assert_int_equal(ms__graph_check(g, &err), MS_OK);
    ms__graph_free(g);
    ms__builder_discard(&b);
}

/* Starts a SEQUENTIAL builder with one synthetic node named "" that
 * declares `degree` edges, and appends one edge (to, type, name): returns
 * what ms__builder_append_edges returns. */
static int one_edge(ms__builder *b, uint64_t degree, uint32_t to, uint8_t type, uint32_t name,
                    ms_error *err)
{
    assert_int_equal(ms__builder_init(b, MS__BUILD_SEQUENTIAL, err), MS_OK);
    str(b, "");
    assert_int_equal(ms__builder_node(b, MS_NT_SYNTHETIC, 0, 1, 0, degree, err), MS_OK);
    return ms__builder_append_edges(b, &to, &type, &name, 1, err);
}

/* Finishing b fails with MS_EFORMAT and a message holding `needle`. */
static void finish_fails(ms__builder *b, const char *needle)
{
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;
    assert_int_equal(ms__builder_finish(b, &g, &err), MS_EFORMAT);
    assert_null(g);
    assert_non_null(strstr(err.message, needle));
    ms__builder_discard(b);
}

static void test_builder__declared_edges_must_match(void **state)
{
    (void)state;
    ms__builder b;
    ms_error err = MS_ERROR_INIT;

    assert_int_equal(one_edge(&b, 2, 0, MS_ET_INTERNAL, 0, &err), MS_OK);
    finish_fails(&b, "declare 2 edges");
    /* More edges than declared: refused at once. */
    assert_int_equal(one_edge(&b, 0, 0, MS_ET_INTERNAL, 0, &err), MS_EFORMAT);
    ms__builder_discard(&b);
}

static void test_builder__finish_checks_invariants(void **state)
{
    (void)state;
    ms__builder b;
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;

    /* edge target beyond the nodes */
    assert_int_equal(one_edge(&b, 1, 5, MS_ET_PROPERTY, 0, &err), MS_OK);
    finish_fails(&b, "target");
    /* string-named edge whose name is not a string */
    assert_int_equal(one_edge(&b, 1, 0, MS_ET_PROPERTY, 99, &err), MS_OK);
    finish_fails(&b, "name");
    /* an element edge's number is not a string id: fine */
    assert_int_equal(one_edge(&b, 1, 0, MS_ET_ELEMENT, 99, &err), MS_OK);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    ms__graph_free(g);
    ms__builder_discard(&b);
    /* no nodes at all */
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    finish_fails(&b, "no nodes");
}

/* Random edges in random order: CSR must list each node's edges in the
 * order they were added (stable grouping). */
static void test_builder__any_order_matches_stable_sort(void **state)
{
    (void)state;
    enum { N = 300, E = 5000 };
    static uint32_t from[E], to[E], name[E];
    ms__builder b;
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;
    srand(7);
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    str(&b, "");
    for (uint32_t n = 0; n < N; n++)
        assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, 0, n * 2 + 1, n, 0, &err), MS_OK);
    for (uint32_t e = 0; e < E; e++) {
        from[e] = (uint32_t)rand() % N;
        to[e] = (uint32_t)rand() % N;
        name[e] = e; /* element index: identifies the edge */
        assert_int_equal(ms__builder_edge(&b, from[e], to[e], MS_ET_ELEMENT, name[e], &err), MS_OK);
    }
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    assert_int_equal(g->edge_count, E);
    for (uint32_t n = 0; n < N; n++) {
        uint64_t k = g->first_edge[n];
        for (uint32_t e = 0; e < E; e++) {
            if (from[e] != n)
                continue;
            assert_true(k < g->first_edge[n + 1]);
            assert_int_equal(g->edge_name[k], name[e]);
            assert_int_equal(ms__edge_to(g, k), to[e]);
            k++;
        }
        assert_int_equal(k, g->first_edge[n + 1]);
    }
    assert_int_equal(ms__graph_check(g, &err), MS_OK);
    ms__graph_free(g);
    ms__builder_discard(&b);
}

static void test_builder__locations_and_types(void **state)
{
    (void)state;
    ms__builder b;
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;
    unsigned code, code2;

    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    str(&b, "");
    assert_int_equal(ms__builder_node_type(&b, "object", &code, &err), MS_OK);
    assert_int_equal(code, MS_NT_OBJECT);
    assert_int_equal(ms__builder_node_type(&b, "future type", &code, &err), MS_OK);
    assert_int_equal(code, MS_NT_BUILTIN_COUNT);
    assert_int_equal(ms__builder_node_type(&b, "future type", &code2, &err), MS_OK);
    assert_int_equal(code2, code);
    for (uint32_t n = 0; n < 4; n++)
        assert_int_equal(ms__builder_node(&b, code, 0, n, 0, 0, &err), MS_OK);
    /* out of order, with a repeat: the later one wins, as in DevTools */
    assert_int_equal(ms__builder_location(&b, 3, 1, 2, 3, &err), MS_OK);
    assert_int_equal(ms__builder_location(&b, 1, 7, 8, 9, &err), MS_OK);
    assert_int_equal(ms__builder_location(&b, 3, 4, 5, 6, &err), MS_OK);
    assert_int_equal(ms__builder_location(&b, 0, 7, 8, 9, &err), MS_OK);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    assert_int_equal(g->location_count, 3);
    assert_int_equal(g->position_count, 3); /* (7,8,9) interned once */
    assert_null(ms__graph_position(g, 2));
    assert_int_equal(ms__graph_position(g, 3)->script_id, 4);
    assert_int_equal(ms__graph_position(g, 3)->column, 6);
    assert_int_equal(ms__graph_position(g, 1)->line, 8);
    assert_ptr_equal(ms__graph_position(g, 0), ms__graph_position(g, 1));
    assert_string_equal(g->node_type_names[code], "future type");
    ms__graph_free(g);
    ms__builder_discard(&b);

    /* 16 edge types at most (the type shares a word with the target) */
    err = (ms_error)MS_ERROR_INIT;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    for (int i = MS_ET_BUILTIN_COUNT; i < MS_EDGE_TYPE_LIMIT; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "t%d", i);
        assert_int_equal(ms__builder_edge_type(&b, nm, &code, &err), MS_OK);
    }
    assert_int_equal(ms__builder_edge_type(&b, "one too many", &code, &err), MS_ELIMIT);
    ms__builder_discard(&b);
}

static void test_builder__remap_strings(void **state)
{
    (void)state;
    ms__builder b;
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t map[3] = {0, 2, 1};
    uint32_t to[2] = {0, 0}, name[2] = {1, 1};
    uint8_t type[2] = {MS_ET_PROPERTY, MS_ET_ELEMENT};

    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    str(&b, "a");
    str(&b, "b");
    str(&b, "c");
    assert_int_equal(ms__builder_node(&b, MS_NT_OBJECT, 1, 1, 0, 2, &err), MS_OK);
    assert_int_equal(ms__builder_append_edges(&b, to, type, name, 2, &err), MS_OK);
    ms__builder_remap_strings(&b, map, 3);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    assert_int_equal(g->node_name[0], 2);
    assert_int_equal(g->edge_name[0], 2); /* string name: remapped */
    assert_int_equal(g->edge_name[1], 1); /* element index: untouched */
    ms__graph_free(g);
    ms__builder_discard(&b);
}

/* ---- the graph's limits (graph.h), without giant inputs ------------------
 * Each limit is refused before anything is allocated for what is past it:
 * the tests ask for one item past the limit (a batch whose arrays are never
 * read past the check), or put a count at the limit in the builder's own
 * state, and expect the exact message docs/graph.md quotes. */

static void expect_error(int rc, const ms_error *err, int code, const char *message)
{
    if (rc != code || strcmp(err->message, message) != 0)
        print_error("rc=%d (%s) message: %s\n", rc, ms_status_name(rc), err->message);
    assert_int_equal(rc, code);
    assert_int_equal(err->code, code);
    assert_string_equal(err->message, message);
}

static void test_builder__node_limit(void **state)
{
    (void)state;
    static const char nodes_msg[] = "more than 268435455 nodes (memsnap's limit; graph.h)";
    uint8_t type = MS_NT_OBJECT;
    uint32_t name = 0;
    uint64_t id = 1, self = 8, degree = 0;
    ms__node_batch nb = {&type, &name, &id, &self, &degree};
    assert_int_equal(MS_NODE_LIMIT, 268435455u); /* 2^28 - 1: the target field of edge_word */
    for (int mode = MS__BUILD_SEQUENTIAL; mode <= MS__BUILD_ANY_ORDER; mode++) {
        ms__builder b;
        ms_error err = MS_ERROR_INIT;
        assert_int_equal(ms__builder_init(&b, (ms__build_mode)mode, &err), MS_OK);
        str(&b, "");
        assert_int_equal(ms__builder_node(&b, MS_NT_SYNTHETIC, 0, 1, 0, 0, &err), MS_OK);
        /* one node plus a batch of MS_NODE_LIMIT: one too many, refused whole */
        expect_error(ms__builder_nodes(&b, MS_NODE_LIMIT, &nb, &err), &err, MS_ELIMIT, nodes_msg);
        assert_int_equal(ms__builder_node_count(&b), 1);
        /* with MS_NODE_LIMIT nodes, one more is refused */
        b.g->node_count = MS_NODE_LIMIT;
        err = (ms_error)MS_ERROR_INIT;
        expect_error(ms__builder_node(&b, MS_NT_OBJECT, 0, 3, 8, 0, &err), &err, MS_ELIMIT,
                     nodes_msg);
        b.g->node_count = 1;
        ms__builder_discard(&b);
    }
}

static void test_builder__edge_limit(void **state)
{
    (void)state;
    static const char edges_msg[] = "more than 4294967295 edges (memsnap's limit; graph.h)";
    ms__builder b;
    ms__graph *g = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t to = 0, name = 0;
    uint8_t type = MS_ET_INTERNAL;
    assert_int_equal(MS_EDGE_LIMIT, 4294967295u); /* 32-bit CSR offsets */

    /* SEQUENTIAL: the declared degrees add up to the limit at most */
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    str(&b, "");
    assert_int_equal(ms__builder_node(&b, MS_NT_SYNTHETIC, 0, 1, 0, MS_EDGE_LIMIT, &err), MS_OK);
    assert_int_equal(b.g->first_edge[1], MS_EDGE_LIMIT);
    expect_error(ms__builder_node(&b, MS_NT_OBJECT, 0, 3, 0, 1, &err), &err, MS_ELIMIT, edges_msg);
    err = (ms_error)MS_ERROR_INIT;
    expect_error(ms__builder_finish(&b, &g, &err), &err, MS_EFORMAT,
                 "the nodes declare 4294967295 edges but 0 were given");
    assert_null(g);
    ms__builder_discard(&b);
    err = (ms_error)MS_ERROR_INIT;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    expect_error(ms__builder_node(&b, MS_NT_SYNTHETIC, 0, 1, 0, (uint64_t)MS_EDGE_LIMIT + 1, &err),
                 &err, MS_ELIMIT, edges_msg);
    ms__builder_discard(&b);

    /* ANY_ORDER: with MS_EDGE_LIMIT edges, one more is refused */
    err = (ms_error)MS_ERROR_INIT;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    str(&b, "");
    assert_int_equal(ms__builder_node(&b, MS_NT_SYNTHETIC, 0, 1, 0, 0, &err), MS_OK);
    assert_int_equal(ms__builder_edge(&b, 0, 0, MS_ET_INTERNAL, 0, &err), MS_OK);
    b.g->edge_count = MS_EDGE_LIMIT;
    expect_error(ms__builder_edge(&b, 0, 0, MS_ET_INTERNAL, 0, &err), &err, MS_ELIMIT, edges_msg);
    b.g->edge_count = 1;
    /* a target past the node limit, or a type past 16, does not fit edge_word */
    err = (ms_error)MS_ERROR_INIT;
    expect_error(ms__builder_edge(&b, 0, MS_EDGE_TO_MASK + 1u, MS_ET_INTERNAL, 0, &err), &err,
                 MS_EFORMAT, "edge target or type out of range");
    err = (ms_error)MS_ERROR_INIT;
    expect_error(ms__builder_edge(&b, 0, 0, MS_EDGE_TYPE_LIMIT, 0, &err), &err, MS_EFORMAT,
                 "edge target or type out of range");
    ms__builder_discard(&b);

    err = (ms_error)MS_ERROR_INIT;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    str(&b, "");
    assert_int_equal(ms__builder_node(&b, MS_NT_SYNTHETIC, 0, 1, 0, 1, &err), MS_OK);
    to = MS_EDGE_TO_MASK + 1u;
    expect_error(ms__builder_append_edges(&b, &to, &type, &name, 1, &err), &err, MS_EFORMAT,
                 "edge target or type out of range");
    ms__builder_discard(&b);
}

static void test_builder__size_and_type_limits(void **state)
{
    (void)state;
    ms__builder b;
    ms_error err = MS_ERROR_INIT;
    unsigned code;
    uint8_t type[2] = {MS_NT_OBJECT, MS_NT_OBJECT};
    uint32_t name[2] = {0, 0};
    uint64_t id[2] = {1, 3}, self[2] = {1ull << 63, 1ull << 63}, degree[2] = {0, 0};
    ms__node_batch nb = {type, name, id, self, degree};

    /* self sizes add up in 64 bits: one of 2^64 - 1 bytes, then nothing more */
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    str(&b, "");
    assert_int_equal(ms__builder_node(&b, MS_NT_NATIVE, 0, 1, UINT64_MAX, 0, &err), MS_OK);
    expect_error(ms__builder_node(&b, MS_NT_OBJECT, 0, 3, 1, 0, &err), &err, MS_ELIMIT,
                 "the self sizes add up to more than 2^64-1 bytes");
    ms__builder_discard(&b);
    err = (ms_error)MS_ERROR_INIT;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    expect_error(ms__builder_nodes(&b, 2, &nb, &err), &err, MS_ELIMIT,
                 "the self sizes add up to more than 2^64-1 bytes");
    ms__builder_discard(&b);

    /* 255 node types (a byte per node) */
    err = (ms_error)MS_ERROR_INIT;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    for (int i = MS_NT_BUILTIN_COUNT; i < MS_TYPE_LIMIT; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "n%d", i);
        assert_int_equal(ms__builder_node_type(&b, nm, &code, &err), MS_OK);
        assert_int_equal(code, (unsigned)i);
    }
    expect_error(ms__builder_node_type(&b, "one too many", &code, &err), &err, MS_ELIMIT,
                 "more than 255 node types");
    assert_int_equal(ms__builder_node_type(&b, "n200", &code, &err), MS_OK); /* known: no new type */
    ms__builder_discard(&b);
}

/* The string count's own limit (2^32 - 2; the index stops the table at
 * 2^30 strings before it, test_strtab): the count put at the limit, the
 * next new string is refused and a known one is still found. */
static void test_builder__string_count_limit(void **state)
{
    (void)state;
    ms__builder b;
    ms_error err = MS_ERROR_INIT;
    uint32_t id = 0, real;
    bool added = true;
    assert_int_equal(ms__builder_init(&b, MS__BUILD_SEQUENTIAL, &err), MS_OK);
    str(&b, "a");
    real = b.g->strings.count;
    b.g->strings.count = UINT32_MAX - 1;
    expect_error(ms__builder_string(&b, "new", 3, &id, &added, &err), &err, MS_ELIMIT,
                 "more than 4294967294 distinct strings");
    err = (ms_error)MS_ERROR_INIT;
    assert_int_equal(ms__builder_string(&b, "a", 1, &id, &added, &err), MS_OK);
    assert_false(added);
    b.g->strings.count = real;
    ms__builder_discard(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder__sequential),
        cmocka_unit_test(test_builder__declared_edges_must_match),
        cmocka_unit_test(test_builder__finish_checks_invariants),
        cmocka_unit_test(test_builder__any_order_matches_stable_sort),
        cmocka_unit_test(test_builder__locations_and_types),
        cmocka_unit_test(test_builder__remap_strings),
        cmocka_unit_test(test_builder__node_limit),
        cmocka_unit_test(test_builder__edge_limit),
        cmocka_unit_test(test_builder__size_and_type_limits),
        cmocka_unit_test(test_builder__string_count_limit),
    };
    return cmocka_run_group_tests_name("snapshot/builder", tests, NULL, NULL);
}
