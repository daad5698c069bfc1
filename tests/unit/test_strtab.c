/*
 * test_strtab.c: the interned string table, checked against a brute-force
 * list of the strings added so far.
 */
#include "helpers.h"

#include "snapshot/strtab.h"

#include <stdio.h>
#include <stdlib.h>

static void test_strtab__dedup_and_order(void **state)
{
    (void)state;
    ms__strtab t;
    ms_error err = MS_ERROR_INIT;
    uint32_t id;
    bool added;
    size_t len;

    assert_int_equal(ms__strtab_init(&t, &err), MS_OK);
    assert_int_equal(ms__strtab_intern(&t, "foo", 3, &id, &added, &err), MS_OK);
    assert_int_equal(id, 0);
    assert_true(added);
    assert_int_equal(ms__strtab_intern(&t, "bar", 3, &id, &added, &err), MS_OK);
    assert_int_equal(id, 1);
    assert_int_equal(ms__strtab_intern(&t, "foo", 3, &id, &added, &err), MS_OK);
    assert_int_equal(id, 0);
    assert_false(added);
    /* Embedded NUL bytes are part of the string. */
    assert_int_equal(ms__strtab_intern(&t, "a\0b", 3, &id, &added, &err), MS_OK);
    assert_int_equal(id, 2);
    assert_int_equal(ms__strtab_intern(&t, "a", 1, &id, &added, &err), MS_OK);
    assert_int_equal(id, 3);
    assert_memory_equal(ms__strtab_get(&t, 2, &len), "a\0b", 3);
    assert_int_equal(len, 3);
    assert_int_equal(ms__strtab_intern(&t, "", 0, &id, &added, &err), MS_OK);
    assert_int_equal(id, 4);
    assert_string_equal(ms__strtab_get(&t, 4, &len), "");
    assert_int_equal(len, 0);
    ms__strtab_free(&t);
}

/* 200 000 strings with many repeats: ids must match a naive first-seen list,
 * across many rehashes and after dropping and rebuilding the index. */
static void test_strtab__oracle(void **state)
{
    (void)state;
    enum { OPS = 200000, DISTINCT = 60000 };
    ms__strtab t;
    ms_error err = MS_ERROR_INIT;
    int32_t *first_id = calloc(DISTINCT, sizeof *first_id);
    uint32_t next = 0;
    char buf[64];
    srand(12345);
    assert_non_null(first_id);
    for (int i = 0; i < DISTINCT; i++)
        first_id[i] = -1;
    assert_int_equal(ms__strtab_init(&t, &err), MS_OK);
    for (int i = 0; i < OPS; i++) {
        int k = rand() % DISTINCT;
        uint32_t id;
        bool added;
        int n = snprintf(buf, sizeof buf, "s%d-%.*s", k, k % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        if (i == OPS / 2) {
            ms__strtab_drop_index(&t);
            assert_int_equal(ms__strtab_build_index(&t, &err), MS_OK);
        }
        assert_int_equal(ms__strtab_intern(&t, buf, (size_t)n, &id, &added, &err), MS_OK);
        if (first_id[k] < 0) {
            assert_true(added);
            assert_int_equal(id, next);
            first_id[k] = (int32_t)next++;
        } else {
            assert_false(added);
            assert_int_equal(id, (uint32_t)first_id[k]);
        }
    }
    assert_int_equal(t.count, next);
    for (int k = 0; k < DISTINCT; k++) {
        uint32_t id;
        int n = snprintf(buf, sizeof buf, "s%d-%.*s", k, k % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        if (first_id[k] < 0) {
            assert_false(ms__strtab_find(&t, buf, (size_t)n, &id));
        } else {
            size_t len;
            assert_true(ms__strtab_find(&t, buf, (size_t)n, &id));
            assert_int_equal(id, (uint32_t)first_id[k]);
            assert_memory_equal(ms__strtab_get(&t, id, &len), buf, (size_t)n);
            assert_int_equal(len, (size_t)n);
        }
    }
    ms__strtab_free(&t);
    free(first_id);
}

/* The index's limit, 2^30 distinct strings (docs/graph.md), is refused
 * with its message, not wrapped: a table that says it holds 2^30 strings
 * is asked for its index (nothing of that size is allocated). */
static void test_strtab__index_limit(void **state)
{
    ms__strtab t;
    ms_error err = MS_ERROR_INIT;
    (void)state;
    memset(&t, 0, sizeof t);
    t.count = 1u << 30;
    assert_int_equal(ms__strtab_build_index(&t, &err), MS_ELIMIT);
    assert_string_equal(err.message,
                        "more than 1073741824 distinct strings (the string index's limit)");
    assert_null(t.slots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strtab__dedup_and_order),
        cmocka_unit_test(test_strtab__oracle),
        cmocka_unit_test(test_strtab__index_limit),
    };
    return cmocka_run_group_tests_name("snapshot/strtab", tests, NULL, NULL);
}
