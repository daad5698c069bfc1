/*
 * helpers.h: small helpers shared by the cmocka unit tests.
 */
#ifndef MEMSNAP_TEST_HELPERS_H
#define MEMSNAP_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "memsnap.h"

/* The meta header V8 writes today (7 node fields, 16 node types). */
#define V8_META                                                                                    \
    "\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","          \
    "\"trace_node_id\",\"detachedness\"],"                                                        \
    "\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\","           \
    "\"regexp\",\"number\",\"native\",\"synthetic\",\"concatenated string\","                     \
    "\"sliced string\",\"symbol\",\"bigint\",\"object shape\",\"wasm object\"],"                  \
    "\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],"                         \
    "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"                                   \
    "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\","              \
    "\"shortcut\",\"weak\"],\"string_or_number\",\"node\"],"                                      \
    "\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]}"

/* Opens a snapshot from a string. */
static inline int open_text(const char *text, ms_snapshot **snap, ms_error *err)
{
    return ms_snapshot_open_memory(snap, text, strlen(text), "test.heapsnapshot", NULL, err);
}

/* Opens text that must fail with `code`; checks the message names the file. */
static inline void expect_failure(const char *text, int code, const char *needle)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    int rc = open_text(text, &snap, &err);
    if (rc != code || !strstr(err.message, "test.heapsnapshot") ||
        (needle && !strstr(err.message, needle)))
        print_error("rc=%d (%s) message: %s\n", rc, ms_status_name(rc), err.message);
    assert_int_equal(rc, code);
    assert_null(snap);
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.message, "test.heapsnapshot"));
    if (needle)
        assert_non_null(strstr(err.message, needle));
}

#endif /* MEMSNAP_TEST_HELPERS_H */
