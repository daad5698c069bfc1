/*
 * test_sites.c: allocation sites recorded through the builder, and the
 * grouping of nodes by site that `summary --by site` uses.
 */
#include "helpers.h"

#include "graph/classes.h"
#include "snapshot/builder.h"

/* Starts a builder with n objects named "obj", ids 0 .. n - 1. */
static void objects(ms__builder *b, uint32_t n)
{
    ms_error err = MS_ERROR_INIT;
    uint32_t name;
    assert_int_equal(ms__builder_init(b, MS__BUILD_ANY_ORDER, &err), MS_OK);
    assert_int_equal(ms__builder_string(b, "obj", 3, &name, NULL, &err), MS_OK);
    for (uint32_t k = 0; k < n; k++)
        assert_int_equal(ms__builder_node(b, MS_NT_OBJECT, name, k, 8, 0, &err), MS_OK);
}

static void test_sites__group_by_site(void **state)
{
    (void)state;
    ms__builder b;
    ms__graph *g = NULL;
    ms__classes *c = NULL;
    ms_error err = MS_ERROR_INIT;
    uint32_t a, bb;
    objects(&b, 6);
    assert_int_equal(ms__builder_string(&b, "app.py:12", 9, &a, NULL, &err), MS_OK);
    assert_int_equal(ms__builder_string(&b, "lib.py:3", 8, &bb, NULL, &err), MS_OK);
    /* nodes 0 and 5 have no site; 1, 3 at app.py:12; 2, 4 at lib.py:3 */
    assert_int_equal(ms__builder_site(&b, 1, a, &err), MS_OK);
    assert_int_equal(ms__builder_site(&b, 2, bb, &err), MS_OK);
    assert_int_equal(ms__builder_site(&b, 3, a, &err), MS_OK);
    assert_int_equal(ms__builder_site(&b, 4, bb, &err), MS_OK);
    /* a node added after the first site still reads "none" */
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    assert_int_equal(g->node_site[0], MS_SITE_NONE);
    assert_int_equal(g->node_site[5], MS_SITE_NONE);
    assert_int_equal(ms__classes_by_site(g, NULL, &c, &err), MS_OK);
    assert_int_equal(c->count, 3);
    assert_string_equal(ms__class_name(c, c->of[0]), "(unknown site)");
    assert_int_equal(c->of[0], c->of[5]);
    assert_string_equal(ms__class_name(c, c->of[1]), "app.py:12");
    assert_int_equal(c->of[1], c->of[3]);
    assert_string_equal(ms__class_key(c, c->of[4]), "lib.py:3");
    assert_int_equal(c->of[2], c->of[4]);
    assert_int_equal(c->cls[c->of[2]].first, 2);
    ms__classes_free(c);
    ms__graph_free(g);
    ms__builder_discard(&b);
}

/* A graph without sites groups everything under one unknown site. */
static void test_sites__none_recorded(void **state)
{
    (void)state;
    ms__builder b;
    ms__graph *g = NULL;
    ms__classes *c = NULL;
    ms_error err = MS_ERROR_INIT;
    objects(&b, 3);
    assert_int_equal(ms__builder_finish(&b, &g, &err), MS_OK);
    assert_null(g->node_site);
    assert_int_equal(ms__classes_by_site(g, NULL, &c, &err), MS_OK);
    assert_int_equal(c->count, 1);
    assert_string_equal(ms__class_name(c, 0), "(unknown site)");
    ms__classes_free(c);
    ms__graph_free(g);
    ms__builder_discard(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sites__group_by_site),
        cmocka_unit_test(test_sites__none_recorded),
    };
    return cmocka_run_group_tests_name("graph/sites", tests, NULL, NULL);
}
