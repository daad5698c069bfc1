/*
 * test_heapsnapshot.c: the V8 importer on tiny hand-written snapshots: the
 * layout rules, every JSON string escape, and every kind of bad input.
 */
#define _POSIX_C_SOURCE 200809L
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

/* root --shortcut "global"--> Window(@3, 32 B) --property "x"--> Foo(@5, 16 B),
 * Window --element 7--> Foo. */
#define TINY_NODES "\"nodes\":[9,0,1,0,1,0,0\n,3,1,3,32,2,0,0\n,3,2,5,16,0,0,0]"
#define TINY_EDGES "\"edges\":[5,4,7\n,2,3,14\n,1,7,14]"
#define TINY_STRINGS "\"strings\":[\"\",\"Window\",\"Foo\",\"x\",\"global\"]"
#define TINY_HEADER "\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":3,\"trace_function_count\":0}"

static void check_tiny(ms_snapshot *s)
{
    ms_edge_info e;
    uint64_t first;
    size_t len;
    assert_int_equal(ms_snapshot_format(s), MS_FORMAT_HEAPSNAPSHOT);
    assert_int_equal(ms_snapshot_node_count(s), 3);
    assert_int_equal(ms_snapshot_edge_count(s), 3);
    assert_int_equal(ms_snapshot_root(s), 0);
    assert_int_equal(ms_snapshot_total_self_size(s), 48);
    assert_string_equal(ms_node_name(s, 1, &len), "Window");
    assert_int_equal(len, 6);
    assert_string_equal(ms_node_type(s, 1), "object");
    assert_string_equal(ms_node_type(s, 0), "synthetic");
    assert_int_equal(ms_node_id(s, 2), 5);
    assert_int_equal(ms_node_self_size(s, 2), 16);
    assert_int_equal(ms_node_edges(s, 0, &first), 1);
    assert_int_equal(first, 0);
    ms_edge_get(s, 0, &e);
    assert_string_equal(e.type, "shortcut");
    assert_string_equal(e.name, "global");
    assert_int_equal(e.to, 1);
    assert_int_equal(ms_node_edges(s, 1, &first), 2);
    ms_edge_get(s, first, &e);
    assert_string_equal(e.type, "property");
    assert_string_equal(e.name, "x");
    assert_int_equal(e.to, 2);
    ms_edge_get(s, first + 1, &e);
    assert_string_equal(e.type, "element");
    assert_null(e.name);
    assert_int_equal(e.index, 7);
    assert_int_equal(ms_node_edges(s, 2, &first), 0);
    assert_int_equal(ms_snapshot_find_id(s, 5), 2);
    assert_int_equal(ms_snapshot_find_id(s, 4), MS_NODE_NONE);
}

static void open_ok(const char *text, ms_snapshot **s)
{
    ms_error err = MS_ERROR_INIT;
    int rc = open_text(text, s, &err);
    if (rc != MS_OK)
        print_error("%s\n", err.message);
    assert_int_equal(rc, MS_OK);
    assert_non_null(*s);
}

static void test_v8__tiny(void **state)
{
    (void)state;
    ms_snapshot *s;
    open_ok("{" TINY_HEADER ",\n" TINY_NODES ",\n" TINY_EDGES
            ",\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[],\n" TINY_STRINGS "}",
            &s);
    check_tiny(s);
    ms_snapshot_free(s);
}

/* Members in any order: the importer defers what it cannot read yet. */
static void test_v8__sections_in_any_order(void **state)
{
    (void)state;
    static const char *const orders[] = {
        "{" TINY_STRINGS "," TINY_EDGES "," TINY_NODES "," TINY_HEADER "}",
        "{" TINY_NODES "," TINY_HEADER "," TINY_STRINGS "," TINY_EDGES "}",
        "{" TINY_EDGES "," TINY_STRINGS "," TINY_HEADER "," TINY_NODES "}",
        "{ \"extra\" : {\"a\":[1,2,{\"b\":null}],\"c\":true} , " TINY_HEADER " , " TINY_NODES
        " , \"samples\":[1,2] , " TINY_EDGES " , \"trace_tree\":[1,[2,[3,[]]]] , " TINY_STRINGS " } \n",
    };
    for (size_t i = 0; i < sizeof orders / sizeof *orders; i++) {
        ms_snapshot *s;
        open_ok(orders[i], &s);
        check_tiny(s);
        ms_snapshot_free(s);
    }
}

/* Field layout from meta: no trace_node_id/detachedness, an extra unknown
 * field, and fields in another order. */
static void test_v8__field_layout_from_meta(void **state)
{
    (void)state;
    ms_snapshot *s;
    open_ok("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
            "\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\",\"number\","
            "\"native\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
            "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
            "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],"
            "\"string_or_number\",\"node\"]},\"node_count\":3,\"edge_count\":3},"
            "\"nodes\":[9,0,1,0,1, 3,1,3,32,2, 3,2,5,16,0],"
            "\"edges\":[5,4,5, 2,3,10, 1,7,10]," TINY_STRINGS "}",
            &s);
    check_tiny(s);
    ms_snapshot_free(s);

    open_ok("{\"snapshot\":{\"meta\":{\"node_fields\":[\"edge_count\",\"extra\",\"self_size\",\"id\",\"name\",\"type\"],"
            "\"node_types\":[\"number\",\"number\",\"number\",\"number\",\"string\",[\"hidden\",\"array\",\"string\","
            "\"object\",\"code\",\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\"]],"
            "\"edge_fields\":[\"to_node\",\"type\",\"name_or_index\",\"more\"],"
            "\"edge_types\":[\"node\",[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],"
            "\"string_or_number\",\"number\"]},\"node_count\":3,\"edge_count\":3},"
            "\"nodes\":[1,99,0,1,0,9, 2,99,32,3,1,3, 0,99,16,5,2,3],"
            "\"edges\":[6,5,4,0, 12,2,3,0, 12,1,7,0]," TINY_STRINGS "}",
            &s);
    check_tiny(s);
    ms_snapshot_free(s);
}

/* Node n's name is the len bytes at want, NULs included. */
static void assert_name(ms_snapshot *s, ms_node n, const char *want, size_t len)
{
    size_t got;
    const char *name = ms_node_name(s, n, &got);
    assert_int_equal(got, len);
    assert_memory_equal(name, want, len);
}

static void test_v8__string_escapes(void **state)
{
    (void)state;
    ms_snapshot *s;
    open_ok("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES ","
            "\"strings\":[\"\",\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\","
            "\"\\u00e9\\u20AC\\ud83d\\ude00\",\"lone\\ud800x\\udc00\",\"nul\\u0000z\"]}",
            &s);
    assert_name(s, 1, "q\"b\\s/n\nt\tr\rb\bf\f", 16);
    /* U+00E9, U+20AC, and the pair U+1F600 combined into 4 bytes */
    assert_name(s, 2, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 2 + 3 + 4);
    ms_snapshot_free(s);

    /* Lone surrogates survive as their 3-byte forms; \u0000 is a real NUL.
     * (Node 1's name is string 3, an edge name is string 4.) */
    open_ok("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,3,3,32,2,0,0,3,4,5,16,0,0,0]," TINY_EDGES ","
            "\"strings\":[\"\",\"W\",\"F\",\"lone\\ud800x\\udc00\",\"nul\\u0000z\"]}",
            &s);
    assert_name(s, 1, "lone\xED\xA0\x80x\xED\xB0\x80", 4 + 3 + 1 + 3);
    assert_name(s, 2, "nul\0z", 5);
    ms_snapshot_free(s);
}

/* Raw UTF-8 is kept; invalid bytes become U+FFFD. */
static void test_v8__raw_utf8(void **state)
{
    (void)state;
    ms_snapshot *s;
    open_ok("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES ","
            "\"strings\":[\"\",\"caf\xC3\xA9\",\"bad\xFF\xC3\",\"x\",\"global\"]}",
            &s);
    assert_name(s, 1, "caf\xC3\xA9", 5);
    assert_name(s, 2, "bad\xEF\xBF\xBD\xEF\xBF\xBD", 3 + 3 + 3);
    ms_snapshot_free(s);
}

/* Duplicate strings in the input still give interned names. */
static void test_v8__duplicate_strings(void **state)
{
    (void)state;
    ms_snapshot *s;
    ms_edge_info e;
    open_ok("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,3,3,32,2,0,0,3,5,5,16,0,0,0],"
            "\"edges\":[5,4,7,2,6,14,1,7,14],"
            "\"strings\":[\"\",\"Foo\",\"Foo\",\"Window\",\"global\",\"Foo\",\"x\"]}",
            &s);
    assert_int_equal(ms_snapshot_string_count(s), 5);
    assert_string_equal(ms_node_name(s, 1, NULL), "Window");
    assert_string_equal(ms_node_name(s, 2, NULL), "Foo");
    ms_edge_get(s, 1, &e);
    assert_string_equal(e.name, "x");
    ms_edge_get(s, 0, &e);
    assert_string_equal(e.name, "global");
    ms_snapshot_free(s);
}

static void test_v8__root_index_and_locations(void **state)
{
    (void)state;
    ms_snapshot *s;
    open_ok("{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":3,\"root_index\":0},"
            TINY_NODES "," TINY_EDGES ",\"locations\":[7,12,3,4,14,12,5,6]," TINY_STRINGS "}",
            &s);
    check_tiny(s);
    ms_snapshot_free(s);
}

static void test_v8__zstd_input(void **state)
{
    (void)state;
    /* Compressed by the test itself: the reader recognises zstd by magic. */
    static const char text[] = "{" TINY_HEADER "," TINY_NODES "," TINY_EDGES "," TINY_STRINGS "}";
    char buf[4096];
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    size_t n = ZSTD_compress(buf, sizeof buf, text, sizeof text - 1, 3);
    assert_false(ZSTD_isError(n));
    assert_int_equal(ms_snapshot_open_memory(&s, buf, n, "test.heapsnapshot.zst", NULL, &err), MS_OK);
    check_tiny(s);
    ms_snapshot_free(s);
    /* a truncated compressed stream */
    err = (ms_error)MS_ERROR_INIT;
    assert_true(ms_snapshot_open_memory(&s, buf, n - 5, "test.heapsnapshot.zst", NULL, &err) < 0);
    assert_null(s);
    assert_true(err.message[0] != 0);
}

/* ---- bad input: every case fails cleanly, naming the file ---- */

static void test_v8__not_a_snapshot(void **state)
{
    (void)state;
    expect_failure("", MS_ETRUNC, "empty");
    expect_failure("   \n", MS_EFORMAT, "not a heap snapshot");
    expect_failure("hello world", MS_EFORMAT, "not a heap snapshot");
    expect_failure("[1,2,3]", MS_EFORMAT, "not a heap snapshot");
    expect_failure("\x89PNG\r\n\x1a\n", MS_EFORMAT, "\\x89PNG");
    expect_failure("{}", MS_EFORMAT, "not a heap snapshot");
    expect_failure("{\"a\":1}", MS_EFORMAT, "no \"snapshot\" header");
    expect_failure("{\"snapshot\":{}}", MS_EFORMAT, "meta is missing");
    expect_failure("{" TINY_HEADER "}", MS_EFORMAT, "\"nodes\" member is missing");
    expect_failure("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES "}", MS_EFORMAT, "\"strings\"");
}

static void test_v8__bad_json(void **state)
{
    (void)state;
    expect_failure("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES "," TINY_STRINGS "} x", MS_EFORMAT,
                   "after the end");
    expect_failure("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES "," TINY_STRINGS ",}", MS_EFORMAT,
                   "expected a string");
    expect_failure("{" TINY_HEADER " " TINY_NODES "}", MS_EFORMAT, "expected '}' or ','");
    expect_failure("{\"snapshot\":{\"meta\":[1,2}}", MS_EFORMAT, "offset");
    expect_failure("{" TINY_HEADER ",\"x\":tru}", MS_EFORMAT, "literal");
    expect_failure("{" TINY_HEADER ",\"x\":[1,2,]}", MS_EFORMAT, "JSON value");
    expect_failure("{" TINY_HEADER ",\"x\":01}", MS_EFORMAT, "expected");
    expect_failure("{" TINY_HEADER ",\"x\":\"a\\qb\"}", MS_EFORMAT, "invalid escape");
    expect_failure("{" TINY_HEADER ",\"x\":\"a\x01\"}", MS_EFORMAT, "control character");
    expect_failure("{" TINY_HEADER ",\"x\":\"\\u12G4\"}", MS_EFORMAT, "4 hex digits");
    expect_failure("{" TINY_HEADER ",\"snapshot\":{}}", MS_EFORMAT, "second \"snapshot\"");
    expect_failure("{" TINY_HEADER "," TINY_NODES "," TINY_NODES "}", MS_EFORMAT, "second \"nodes\"");
}

static void test_v8__truncated_everywhere(void **state)
{
    (void)state;
    static const char text[] = "{" TINY_HEADER ",\n" TINY_NODES ",\n" TINY_EDGES
                               ",\"locations\":[7,1,2,3],\n\"strings\":[\"\",\"Window\",\"F\\u00e9o\",\"x\",\"global\"]}";
    char *buf = malloc(sizeof text);
    assert_non_null(buf);
    /* Every proper prefix (after trailing whitespace is not enough) fails. */
    for (size_t cut = 0; cut < sizeof text - 2; cut++) {
        ms_error err = MS_ERROR_INIT;
        ms_snapshot *s = NULL;
        int rc;
        memcpy(buf, text, cut);
        rc = ms_snapshot_open_memory(&s, buf, cut, "test.heapsnapshot", NULL, &err);
        if (rc >= 0)
            print_error("prefix of %zu bytes was accepted\n", cut);
        assert_true(rc < 0);
        assert_null(s);
        assert_non_null(strstr(err.message, "test.heapsnapshot"));
        if (err.code != MS_ETRUNC && err.code != MS_EFORMAT)
            print_error("prefix of %zu bytes: %s\n", cut, err.message);
        assert_true(err.code == MS_ETRUNC || err.code == MS_EFORMAT);
    }
    free(buf);
}

static void test_v8__counts_must_agree(void **state)
{
    (void)state;
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":4,\"edge_count\":3}," TINY_NODES "," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "node_count is 4");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":2,\"edge_count\":3}," TINY_NODES "," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "more than snapshot.node_count");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":4}," TINY_NODES "," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "add up to 3");
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,32,2,0,0,3,2,5,16,1,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "more than snapshot.edge_count");
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,32,2,0,0,3,2,5,16,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "not a multiple");
    expect_failure("{" TINY_HEADER "," TINY_NODES ",\"edges\":[5,4,7,2,3,14]," TINY_STRINGS "}",
                   MS_EFORMAT, "nodes declare 3");
    expect_failure("{" TINY_HEADER "," TINY_NODES ",\"edges\":[5,4,7,2,3,14,1,7,14,1,7,14]," TINY_STRINGS "}",
                   MS_EFORMAT, "more edges than the nodes declare");
    expect_failure("{" TINY_HEADER "," TINY_NODES ",\"edges\":[5,4,7,2,3,14,1,7]," TINY_STRINGS "}",
                   MS_EFORMAT, "not a multiple");
    expect_failure("{" TINY_HEADER ",\"nodes\":[]," TINY_EDGES "," TINY_STRINGS "}", MS_EFORMAT,
                   "node_count is 3");
}

static void test_v8__references_must_resolve(void **state)
{
    (void)state;
    expect_failure("{" TINY_HEADER "," TINY_NODES ",\"edges\":[5,4,7,2,3,15,1,7,14]," TINY_STRINGS "}",
                   MS_EFORMAT, "to_node 15 is not the index of a node");
    expect_failure("{" TINY_HEADER "," TINY_NODES ",\"edges\":[5,4,7,2,3,21,1,7,14]," TINY_STRINGS "}",
                   MS_EFORMAT, "to_node 21");
    expect_failure("{" TINY_HEADER "," TINY_NODES ",\"edges\":[5,4,7,2,9,14,1,7,14]," TINY_STRINGS "}",
                   MS_EFORMAT, "edge name index 9 is out of range");
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,11,3,32,2,0,0,3,2,5,16,0,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "node name index 11 is out of range");
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,16,1,3,32,2,0,0,3,2,5,16,0,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "type 16 but meta lists 16 node types");
    expect_failure("{" TINY_HEADER "," TINY_NODES ",\"edges\":[5,4,7,7,3,14,1,7,14]," TINY_STRINGS "}",
                   MS_EFORMAT, "type 7 but meta lists 7 edge types");
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,32,2,0,3,3,2,5,16,0,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "detachedness 3");
    expect_failure("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES ",\"locations\":[8,1,2,3]," TINY_STRINGS "}",
                   MS_EFORMAT, "object_index 8");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":3,\"root_index\":3},"
                   TINY_NODES "," TINY_EDGES "," TINY_STRINGS "}",
                   MS_EFORMAT, "root_index 3");
}

/* A complete tiny snapshot whose node id field (node 1) is `id`. */
static char *with_id(const char *id)
{
    static const char pre[] = "{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,";
    static const char post[] = ",32,2,0,0,3,2,5,16,0,0,0]," TINY_EDGES "," TINY_STRINGS "}";
    char *t = malloc(sizeof pre + strlen(id) + sizeof post);
    assert_non_null(t);
    strcpy(t, pre);
    strcat(t, id);
    strcat(t, post);
    return t;
}

static void test_v8__hostile_numbers(void **state)
{
    (void)state;
    static const struct { const char *value, *needle; } cases[] = {
        {"-1", "negative number"},
        {"1.5", "fraction"},
        {"1e3", "exponent"},
        {"01", "leading zero"},
        {"\"1\"", "non-negative integer"},
        {"null", "non-negative integer"},
        {"18446744073709551616", "64 bits"},
        {"99999999999999999999", "64 bits"},
        {"184467440737095516150", "64 bits"},
    };
    char digits[401];
    char *t;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t = with_id(cases[i].value);
        expect_failure(t, MS_EFORMAT, cases[i].needle);
        free(t);
    }
    /* a 400-digit number */
    memset(digits, '7', 400);
    digits[400] = 0;
    t = with_id(digits);
    expect_failure(t, MS_EFORMAT, "64 bits");
    free(t);
    /* The largest 64-bit id and a size past 32 bits are fine. */
    {
        ms_snapshot *s = NULL;
        ms_error err = MS_ERROR_INIT;
        int rc = open_text("{" TINY_HEADER ",\"nodes\":[9,0,18446744073709551615,0,1,0,0,3,1,3,32,2,0,0,3,2,5,"
                           "4294967296,0,0,0]," TINY_EDGES "," TINY_STRINGS "}",
                           &s, &err);
        assert_int_equal(rc, MS_OK);
        assert_true(ms_node_id(s, 0) == UINT64_MAX);
        assert_true(ms_node_self_size(s, 2) == 4294967296ull);
        ms_snapshot_free(s);
    }
    /* NaN, negative and fractional header counts */
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":-3,\"edge_count\":3}}", MS_EFORMAT,
                   "non-negative integer");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":2.5,\"edge_count\":3}}", MS_EFORMAT,
                   "non-negative integer");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":\"3\",\"edge_count\":3}}", MS_EFORMAT,
                   "not a number");
}

/* A header that claims 2^32-1 nodes in a tiny file fails at once, without
 * allocating for them. */
static void test_v8__absurd_header_counts(void **state)
{
    (void)state;
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":4294967295,\"edge_count\":3}," TINY_NODES "}",
                   MS_ELIMIT, "limit");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":100000000,\"edge_count\":3}," TINY_NODES "}",
                   MS_ETRUNC, "cannot fit");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":1e15}," TINY_NODES "}",
                   MS_ELIMIT, "limit");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":1000}," TINY_NODES "," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "add up to 3");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":1e300,\"edge_count\":3}}", MS_EFORMAT,
                   "non-negative integer");
}

static void test_v8__bad_meta(void **state)
{
    (void)state;
    expect_failure("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\"]}}}",
                   MS_EFORMAT, "no \"edge_count\" field");
    expect_failure("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","
                   "\"id\"]}}}",
                   MS_EFORMAT, "twice");
    expect_failure("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
                   "\"node_types\":[\"object\"]}}}",
                   MS_EFORMAT, "list of type names");
    expect_failure("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
                   "\"node_types\":[[\"a\",1]]}}}",
                   MS_EFORMAT, "non-string type name");
    expect_failure("{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
                   "\"node_types\":[[\"a\"]],\"edge_fields\":[\"type\",\"to_node\"]}}}",
                   MS_EFORMAT, "name_or_index");
    expect_failure("{\"snapshot\":[]}", MS_EFORMAT, "not an object");
}


/* ---- hostile input (docs/robustness.md) ---- */

/* Every failure reads "FILE: offset N: what", N being err.offset, whichever
 * layer found it: the JSON reader, the importer, the builder, zstd. */
static void expect_located(const void *data, size_t len, int code, const char *needle)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *s = NULL;
    char prefix[64];
    int rc = ms_snapshot_open_memory(&s, data, len, "test.heapsnapshot", NULL, &err);
    if (rc != code || !strstr(err.message, needle))
        print_error("rc=%d (%s) message: %s\n", rc, ms_status_name(rc), err.message);
    assert_int_equal(rc, code);
    assert_null(s);
    assert_true(err.offset != UINT64_MAX);
    snprintf(prefix, sizeof prefix, "test.heapsnapshot: offset %llu: ",
             (unsigned long long)err.offset);
    if (strncmp(err.message, prefix, strlen(prefix)) != 0)
        print_error("expected \"%s...\", got: %s\n", prefix, err.message);
    assert_int_equal(strncmp(err.message, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(err.message, needle));
    assert_null(strchr(err.message, '\n'));
}

static void expect_located_text(const char *text, int code, const char *needle)
{
    expect_located(text, strlen(text), code, needle);
}

static void test_v8__messages_name_file_and_offset(void **state)
{
    (void)state;
    static const char full[] = "{" TINY_HEADER "," TINY_NODES "," TINY_EDGES "," TINY_STRINGS "}";
    char z[4096];
    size_t zn;
    /* the JSON reader (offset of the bad byte) */
    expect_located_text("{" TINY_HEADER ",\"x\":tru}", MS_EFORMAT, "literal");
    /* the importer, about the whole file: where the reader stopped, the end */
    expect_located_text("{" TINY_HEADER "}", MS_EFORMAT, "\"nodes\" member is missing");
    {
        ms_error err = MS_ERROR_INIT;
        ms_snapshot *s = NULL;
        const char *t = "{" TINY_HEADER "}";
        assert_true(open_text(t, &s, &err) < 0);
        assert_int_equal(err.offset, strlen(t));
    }
    /* root_index: the header's offset */
    expect_located_text("{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":3,\"root_index\":3},"
                        TINY_NODES "," TINY_EDGES "," TINY_STRINGS "}",
                        MS_EFORMAT, "offset 12: snapshot.root_index 3");
    /* the builder, which knows neither file nor offset */
    expect_located_text("{" TINY_HEADER ",\"nodes\":[9,0,1,18446744073709551615,1,0,0,3,1,3,32,2,0,0,"
                        "3,2,5,16,0,0,0]," TINY_EDGES "," TINY_STRINGS "}",
                        MS_ELIMIT, "add up to more than 2^64-1 bytes");
    /* zstd: a corrupt frame (its checksum flipped) */
    {
        ZSTD_CCtx *cc = ZSTD_createCCtx();
        assert_non_null(cc);
        assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
        zn = ZSTD_compress2(cc, z, sizeof z, full, sizeof full - 1);
        ZSTD_freeCCtx(cc);
        assert_false(ZSTD_isError(zn));
        z[zn - 1] ^= 0x55;
        expect_located(z, zn, MS_EFORMAT, "checksum");
    }
    /* zstd: the frame cut short */
    zn = ZSTD_compress(z, sizeof z, full, sizeof full - 1, 3);
    expect_located(z, zn - 7, MS_ETRUNC, "zstd frame");
}

/* Self sizes near 2^64: totals would wrap and every retained size with
 * them, so a file whose sizes cannot be added up is refused. */
static void test_v8__self_sizes_that_do_not_add_up(void **state)
{
    (void)state;
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,9223372036854775808,2,0,0,"
                   "3,2,5,9223372036854775808,0,0,0]," TINY_EDGES "," TINY_STRINGS "}",
                   MS_ELIMIT, "2^64-1");
    /* 2^64 - 1 in total is still fine */
    {
        ms_snapshot *s = NULL;
        ms_error err = MS_ERROR_INIT;
        assert_int_equal(open_text("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,9223372036854775808,2,0,0,"
                                   "3,2,5,9223372036854775807,0,0,0]," TINY_EDGES "," TINY_STRINGS "}",
                                   &s, &err),
                         MS_OK);
        assert_true(ms_snapshot_total_self_size(s) == UINT64_MAX);
        assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED, &err), MS_OK);
        assert_true(ms_node_retained_size(s, 0) == UINT64_MAX);
        assert_true(ms_node_retained_size(s, 2) == 9223372036854775807ull);
        ms_snapshot_free(s);
    }
    /* JSON has no NaN, and sizes are never negative or fractional */
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,NaN,2,0,0,3,2,5,16,0,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "expected a non-negative integer");
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,-32,2,0,0,3,2,5,16,0,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "negative number");
    expect_failure("{" TINY_HEADER ",\"nodes\":[9,0,1,0,1,0,0,3,1,3,1e400,2,0,0,3,2,5,16,0,0,0]," TINY_EDGES
                   "," TINY_STRINGS "}",
                   MS_EFORMAT, "exponent");
    expect_failure("{\"snapshot\":{" V8_META ",\"node_count\":NaN,\"edge_count\":3}}", MS_EFORMAT,
                   "expected a JSON value, found 'N'");
}

/* A compressed file's size says nothing about its content, so header counts
 * cannot be checked against it: a small .zst claiming 2^28 - 2 nodes and
 * 2^32 - 1 edges must fail on the arrays it really has, not reserve 35 GB. */
static void test_v8__compressed_header_claims(void **state)
{
    (void)state;
    static const char text[] = "{\"snapshot\":{" V8_META ",\"node_count\":268435454,\"edge_count\":4294967295},"
                               TINY_NODES "," TINY_EDGES "," TINY_STRINGS "}";
    char z[4096];
    size_t zn = ZSTD_compress(z, sizeof z, text, sizeof text - 1, 3);
    assert_false(ZSTD_isError(zn));
    expect_located(z, zn, MS_EFORMAT, "the nodes array has 3 nodes but snapshot.node_count is 268435454");
#if !defined(__SANITIZE_ADDRESS__) /* AddressSanitizer needs terabytes of address space */
    /* ...and does so in 1 GiB of address space: reserving for the claimed
     * counts would ask for tens of GB (untouched, so invisible in RSS). */
    {
        pid_t pid = fork();
        int status = 0;
        assert_true(pid >= 0);
        if (pid == 0) {
            struct rlimit lim = {1u << 30, 1u << 30};
            ms_snapshot *s = NULL;
            ms_error err = MS_ERROR_INIT;
            int rc;
            if (setrlimit(RLIMIT_AS, &lim) != 0)
                _exit(2);
            rc = ms_snapshot_open_memory(&s, z, zn, "test.heapsnapshot", NULL, &err);
            _exit(rc == MS_EFORMAT ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
#endif
}

/* The header goes through cJSON (about 64 bytes per value), so its size is
 * capped at 1 MiB: memory stays a constant, not 32 x the file. */
static void test_v8__huge_header(void **state)
{
    (void)state;
    const size_t n = (1u << 20) / 2 + 16;
    const char *pre = "{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":3,\"junk\":[0";
    char *t = malloc(strlen(pre) + 2 * n + 64);
    size_t o = strlen(pre);
    assert_non_null(t);
    memcpy(t, pre, o);
    for (size_t i = 0; i < n; i++) {
        t[o++] = ',';
        t[o++] = '0';
    }
    strcpy(t + o, "]}," TINY_NODES "}");
    expect_located_text(t, MS_ELIMIT, "larger than 1048576");
    free(t);
}

/* Deep nesting: skipped members are walked with an explicit stack (a byte
 * per level), never the C stack; the header's nesting is cJSON's, which
 * stops at 1000 levels. */
static void test_v8__deep_nesting(void **state)
{
    (void)state;
    const size_t depth = 1000000;
    const char *pre = "{" TINY_HEADER "," TINY_NODES "," TINY_EDGES "," TINY_STRINGS ",\"samples\":";
    size_t o = strlen(pre);
    char *t = malloc(o + 2 * depth + 8);
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    assert_non_null(t);
    memcpy(t, pre, o);
    memset(t + o, '[', depth);
    memset(t + o + depth, ']', depth);
    strcpy(t + o + 2 * depth, "}");
    assert_int_equal(open_text(t, &s, &err), MS_OK);
    check_tiny(s);
    ms_snapshot_free(s);
    /* the same without its closing brackets: cut short */
    t[o + depth] = 0;
    expect_located_text(t, MS_ETRUNC, "expected a JSON value, found the end of the file");
    free(t);
    {
        char *h = malloc(4096 + 64);
        size_t k = 0;
        assert_non_null(h);
        k += (size_t)sprintf(h, "{\"snapshot\":{\"meta\":");
        memset(h + k, '[', 2000);
        k += 2000;
        memset(h + k, ']', 2000);
        k += 2000;
        strcpy(h + k, "}}");
        expect_located_text(h, MS_EFORMAT, "invalid JSON in the snapshot header");
        free(h);
    }
}

/* Giant strings are read whole (up to 1 GiB each); member names are capped
 * at 4 KiB; a 400-digit number in a member memsnap skips is valid JSON. */
static void test_v8__giant_strings_and_numbers(void **state)
{
    (void)state;
    const size_t big = 8u << 20;
    const char *pre = "{" TINY_HEADER "," TINY_NODES "," TINY_EDGES ",\"strings\":[\"\",\"";
    const char *post = "\",\"Foo\",\"x\",\"global\"],\"samples\":[";
    size_t o = strlen(pre);
    char *t = malloc(o + big + strlen(post) + 512);
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    size_t len;
    assert_non_null(t);
    memcpy(t, pre, o);
    for (size_t i = 0; i < big; i++)
        t[o + i] = (char)('a' + i % 26);
    o += big;
    strcpy(t + o, post);
    o += strlen(post);
    memset(t + o, '9', 400);
    strcpy(t + o + 400, "]}");
    assert_int_equal(open_text(t, &s, &err), MS_OK);
    assert_non_null(ms_node_name(s, 1, &len));
    assert_int_equal(len, big);
    assert_int_equal(ms_node_name(s, 1, NULL)[big - 1], 'a' + (big - 1) % 26);
    assert_string_equal(ms_node_name(s, 2, NULL), "Foo");
    ms_snapshot_free(s);
    free(t);

    t = malloc(8192);
    assert_non_null(t);
    strcpy(t, "{\"");
    memset(t + 2, 'k', 5000);
    strcpy(t + 5002, "\":1}");
    expect_located_text(t, MS_ELIMIT, "string longer than 4096 bytes");
    free(t);
}

/* A file that ends inside a \u escape, or between the two halves of a pair. */
static void test_v8__ends_inside_an_escape(void **state)
{
    (void)state;
    expect_located_text("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES ",\"strings\":[\"\",\"ab\\u00",
                        MS_ETRUNC, "ends inside a \\u escape");
    expect_located_text("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES ",\"strings\":[\"\",\"ab\\",
                        MS_ETRUNC, "ends inside an escape sequence");
    expect_located_text("{" TINY_HEADER "," TINY_NODES "," TINY_EDGES ",\"strings\":[\"\",\"ab\\ud83d\\u",
                        MS_ETRUNC, "ends inside a \\u escape");
}

/* Duplicate object ids are kept as they are; a lookup by id finds the first
 * node with it, by scanning and by the sorted index alike. */
static void test_v8__duplicate_node_ids(void **state)
{
    (void)state;
    ms_snapshot *s;
    open_ok("{" TINY_HEADER ",\"nodes\":[9,0,3,0,1,0,0,3,1,3,32,2,0,0,3,2,3,16,0,0,0]," TINY_EDGES ","
            TINY_STRINGS "}",
            &s);
    for (int i = 0; i < 20; i++) /* past the scans, the index answers */
        assert_int_equal(ms_snapshot_find_id(s, 3), 0);
    assert_int_equal(ms_node_id(s, 2), 3);
    ms_snapshot_free(s);
}

/* An edge from a node to itself is kept, retains nothing, and is a cycle. */
static void test_v8__edge_to_self(void **state)
{
    (void)state;
    ms_snapshot *s;
    ms_error err = MS_ERROR_INIT;
    ms_cycles *c = NULL;
    open_ok("{\"snapshot\":{" V8_META ",\"node_count\":3,\"edge_count\":4},"
            "\"nodes\":[9,0,1,0,1,0,0,3,1,3,32,2,0,0,3,2,5,16,1,0,0],"
            "\"edges\":[5,4,7,2,3,14,1,7,14,2,3,14]," TINY_STRINGS "}",
            &s);
    assert_int_equal(ms_snapshot_edge_count(s), 4);
    assert_int_equal(ms_snapshot_compute(s, MS_ANALYSIS_RETAINED | MS_ANALYSIS_DISTANCES, &err), MS_OK);
    assert_int_equal(ms_node_dominator(s, 2), 1);
    assert_int_equal(ms_node_retained_size(s, 2), 16);
    assert_int_equal(ms_node_retained_size(s, 1), 48);
    assert_int_equal(ms_node_distance(s, 2), 2);
    assert_int_equal(ms_cycles_compute(s, MS_CYCLE_EDGES_STRONG, &c, &err), MS_OK);
    assert_int_equal(ms_cycles_count(c), 1);
    assert_int_equal(ms_cycles_get(c, 0)->size, 1);
    assert_int_equal(ms_cycles_get(c, 0)->members[0], 2);
    ms_cycles_free(c);
    ms_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v8__tiny),
        cmocka_unit_test(test_v8__sections_in_any_order),
        cmocka_unit_test(test_v8__field_layout_from_meta),
        cmocka_unit_test(test_v8__string_escapes),
        cmocka_unit_test(test_v8__raw_utf8),
        cmocka_unit_test(test_v8__duplicate_strings),
        cmocka_unit_test(test_v8__root_index_and_locations),
        cmocka_unit_test(test_v8__zstd_input),
        cmocka_unit_test(test_v8__not_a_snapshot),
        cmocka_unit_test(test_v8__bad_json),
        cmocka_unit_test(test_v8__truncated_everywhere),
        cmocka_unit_test(test_v8__counts_must_agree),
        cmocka_unit_test(test_v8__references_must_resolve),
        cmocka_unit_test(test_v8__hostile_numbers),
        cmocka_unit_test(test_v8__absurd_header_counts),
        cmocka_unit_test(test_v8__bad_meta),
        cmocka_unit_test(test_v8__messages_name_file_and_offset),
        cmocka_unit_test(test_v8__self_sizes_that_do_not_add_up),
        cmocka_unit_test(test_v8__compressed_header_claims),
        cmocka_unit_test(test_v8__huge_header),
        cmocka_unit_test(test_v8__deep_nesting),
        cmocka_unit_test(test_v8__giant_strings_and_numbers),
        cmocka_unit_test(test_v8__ends_inside_an_escape),
        cmocka_unit_test(test_v8__duplicate_node_ids),
        cmocka_unit_test(test_v8__edge_to_self),
    };
    return cmocka_run_group_tests_name("import/heapsnapshot", tests, NULL, NULL);
}
